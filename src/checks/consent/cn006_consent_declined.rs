//! CN006 consent-declined: the check's definition (its `ccm explain` text) and its logic.

use super::refusal_finding;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::ConsentStatus;

check! {
    CN006, "CN006", "consent-declined", Error,
    what: "No consent covers the month's minutes, and the consents file's latest status row for \
           the patient and program says the patient declined (Declined, Refused, Not Interested: \
           meaning `declined` in rules/statuses.csv). The finding cites that row, not the time \
           log. The month cannot be billed. A later consent row ends this: the month is then \
           covered, or CN002 if the minutes came before it.",
    why: "A patient who declined has not consented: CCM billed anyway is billed against the \
          patient's stated wish, and the usual advice (obtain consent) would send staff back to \
          a patient who said no.",
    example: "consents.csv line 2 says \"Declined\" on 2025-01-15 for P0001; 25 CCM \
              minutes in 2025-03 cannot be billed.",
    source: "CMS MLN909188 (consent before CCM; the patient may decline or stop at any time); \
             42 CFR 410.26.",
    fix: "Do not bill the month, and stop logging CCM time for the patient. If the patient has \
          since agreed, record the new consent with its date and export the consents file \
          again; bill only months after it.",
}

/// The patient-month's unconsented minutes when the patient's latest status row declines.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    refusal_finding(
        pm,
        emit,
        &CN006,
        ConsentStatus::Declined,
        |s, when, minutes| {
            format!(
                "the consents file says {:?}{when} for {}: the patient declined; {minutes} minute(s) in {} cannot be billed",
                s.word,
                pm.program.as_str(),
                pm.month
            )
        },
    );
}
