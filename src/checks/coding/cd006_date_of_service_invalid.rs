//! CD006 date-of-service-invalid: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD006, "CD006", "date-of-service-invalid", Error,
    what: "A claim dated before the day its time threshold was met in the month, after the \
           as-of date (not yet rendered), or after the patient's recorded death (the consents \
           or enrolments file's deceased status with its date).",
    why: "The date of service may be the day the threshold is reached or any later day of the \
          month, never earlier; and no service is furnished to a beneficiary after death \
          (Medicare rejects such a line; payments for services after death are a recurring \
          OIG finding).",
    example: "99490 dated 2025-03-05 when the 20th minute was logged on 2025-03-12.",
    source: "CMS MLN909188 (date of service for CCM); CMS CY2017 PFS final rule; Medicare \
             Claims Processing Manual (Pub. 100-04) ch. 1 (a date of service on which the \
             beneficiary was alive).",
    fix: "Move the line's date of service to the day the threshold was met or a later day of the \
          month (the message gives the day); a line dated after the as-of date is corrected, or \
          held until that day has passed; a line dated after the death is dated no later than \
          the death (the minutes before it still count), or the date of death corrected.",
}

/// A line dated after the patient's death or the as-of date, or a base dated before its
/// threshold was met.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    let as_of = g.as_of;
    for c in g.lines {
        // Any line of the group, RPM device lines included: a service after the as-of date
        // has not been rendered.
        if let Some(died) = g.died
            && c.date_of_service > died
        {
            g.cite(
                emit,
                &CD006,
                format!(
                    "{} is dated {}, after the patient's recorded death on {died}",
                    c.hcpcs, c.date_of_service
                ),
                vec![(c.file, c.line)],
            );
        } else if c.date_of_service > as_of {
            g.cite(
                emit,
                &CD006,
                format!(
                    "{} is dated {}, after the as-of date {as_of}",
                    c.hcpcs, c.date_of_service
                ),
                vec![(c.file, c.line)],
            );
        } else if let Some(r) = g.rule(&c.hcpcs)
            && !r.is_addon
            && let Some(day) = (g.threshold_day)(&c.hcpcs)
            && c.date_of_service < day
        {
            g.cite(
                emit,
                &CD006,
                format!(
                    "{} is dated {}, before its threshold was met on {day}",
                    c.hcpcs, c.date_of_service
                ),
                vec![(c.file, c.line)],
            );
        }
    }
}
