//! TM005 implausible-day: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{Acc, push_acc};
use crate::domain::{Finding, Secs, YearMonth};
use chrono::NaiveDate;

check! {
    TM005, "TM005", "implausible-day", Warning,
    what: "One staff member's logged minutes on one day add up to more than 12 hours (all \
           patients and programs). The minutes still count; the day needs a look.",
    why: "Days longer than a working day point to double entry, timers left running or \
          template time; they are a classic audit trigger.",
    example: "Staff S07 logs 790 minutes on 2025-03-12 across 31 rows.",
    source: "OIG A-07-17-05101 (unsupported time); common payer audit practice.",
    fix: "Review the staff member's rows for that day against the notes and the schedule: delete \
          repeated entries, shorten timers left running and correct mistyped minutes in the time \
          log, then export again. If the day was real, keep its documentation ready for an \
          auditor.",
}

/// Minutes a day beyond which TM005 fires.
pub const IMPLAUSIBLE_DAY_MINUTES: u32 = 12 * 60;

/// Whether a staff member's day total (repeats left out) is implausible.
pub fn implausible(day: Secs) -> bool {
    day > Secs::of_minutes(IMPLAUSIBLE_DAY_MINUTES)
}

/// The findings for an implausible day: the staff member, the day and its rows (repeats
/// left out), one finding per file; no patient.
pub fn report(staff: &str, date: NaiveDate, rows: &Acc, out: &mut Vec<Finding>) {
    let total = rows.secs.whole_minutes();
    let msg = format!(
        "staff {staff} logged {total} minutes ({}h{:02}) on {date} across {} row(s): more than 12 hours in a day; check for double entry or timers left running",
        total / 60,
        total % 60,
        rows.at.len()
    );
    push_acc(out, rows, |_, _| {
        Finding::new(&TM005, msg.clone()).month(YearMonth::of(date))
    });
}
