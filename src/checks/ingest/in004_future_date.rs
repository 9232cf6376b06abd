//! IN004 future-date: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::Finding;
use chrono::NaiveDate;

check! {
    IN004, "IN004", "future-date", Error,
    effect: Rows,
    what: "A time-log service date after the as-of date (`--as-of`, default today), or a \
           care-plan or visit date after it: the row is excluded (an event that has not \
           happened as of the date is no evidence for it). Under `--month`, a time-log row of \
           another month is outside the month (excluded as `outside-month`), not IN004, \
           whatever its date.",
    why: "Work cannot be documented before it happens; a future date is a typo or a \
          pre-filled entry, and billing on it is billing for services not yet rendered.",
    example: "With --as-of 2025-04-15, a row dated 2025-05-02 is excluded.",
    source: "CMS MLN909188 (date of service rules); 42 CFR 424.32.",
    fix: "Correct the service date in the EHR if it is a typo, or delete the pre-filled entry \
          until the work is done; if the date is right, run again with an --as-of on or after it.",
}

/// The finding for a care-plan or visit row dated after the as-of date (`field` its date).
pub fn event_finding(field: &str, date: NaiveDate, as_of: NaiveDate) -> Finding {
    Finding::new(
        &IN004,
        format!(
            "{field} {date} is after the as-of date {as_of}: the event has not happened as of it and is no evidence; the row is excluded"
        ),
    )
}

/// The finding for a row dated after the as-of date (excluded as it streams in).
pub fn finding(date: NaiveDate, as_of: NaiveDate) -> Finding {
    Finding::new(
        &IN004,
        format!("service date {date} is after the as-of date {as_of}; the row is excluded"),
    )
}
