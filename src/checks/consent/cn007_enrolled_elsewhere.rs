//! CN007 enrolled-elsewhere: the check's definition (its `ccm explain` text) and its logic.

use super::refusal_finding;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::ConsentStatus;

check! {
    CN007, "CN007", "enrolled-elsewhere", Error,
    what: "No consent covers the month's minutes, and the latest status row for the patient and \
           program, in the consents or the enrolments file, says the patient is enrolled with \
           another practice (Enrolled Elsewhere: meaning `elsewhere` in rules/statuses.csv). \
           Such a row ends this practice's consent to the program from its date, whichever \
           file holds it. The finding cites that row, not the time log. The month cannot be \
           billed here.",
    why: "Only one practitioner may bill CCM for a patient in a month; the other practice bills \
          it, so a claim here is a duplicate Medicare pays once at most, and a new consent here \
          would only start a clash.",
    example: "consents.csv line 2 says \"Enrolled Elsewhere\" since 2025-02-01 for \
              P0001; 25 CCM minutes in 2025-03 cannot be billed here.",
    source: "CMS MLN909188 (one practitioner per patient per month; consent names the billing \
             practitioner); CMS CCM FAQ (practitioner billing).",
    fix: "Do not bill the month; coordinate with the practice that bills the patient's CCM. Bill \
          here only after the patient moves their care, with a new consent naming your \
          practitioner, from the month after the other practice stops.",
}

/// The patient-month's unconsented minutes when the patient's latest status row says
/// another practice bills the program.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    refusal_finding(
        pm,
        emit,
        &CN007,
        ConsentStatus::Elsewhere,
        |s, when, minutes| {
            format!(
                "the {} file says {:?}{when}: another practice bills {} for the patient; {minutes} minute(s) in {} cannot be billed here",
                s.kind.as_str(),
                s.word,
                pm.program.as_str(),
                pm.month
            )
        },
    );
}
