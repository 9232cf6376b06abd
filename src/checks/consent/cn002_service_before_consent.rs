//! CN002 service-before-consent: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    CN002, "CN002", "service-before-consent", Warning,
    what: "CCM minutes dated before the consent date. Those minutes do not count (the rows are \
           excluded); minutes on or after the consent date still do. A consent dated the same \
           day as the work covers it. In verify mode an RPM claim line dated before the \
           patient's RPM consent is an error that holds its claim.",
    why: "Consent must be obtained before the service begins; time spent before it was \
          documented is not billable CCM time.",
    example: "Consent signed 2025-03-10; 15 minutes logged on 2025-03-04 do not count.",
    source: "CMS MLN909188 (obtain consent before furnishing or billing CCM).",
    fix: "If consent was in fact obtained earlier, correct the consent date in the EHR to the \
          documented date and export the consents file again; otherwise leave those minutes off \
          the claim (minutes from the consent date on still count).",
}

/// Lists the patient-month's rows under [`RowTag::BeforeConsent`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(
        &CN002,
        pm.rows.of(RowTag::BeforeConsent),
        "minutes dated before the consent date do not count",
    );
}
