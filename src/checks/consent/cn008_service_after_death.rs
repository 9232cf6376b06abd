//! CN008 service-after-death: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    CN008, "CN008", "service-after-death", Warning,
    effect: Rows,
    what: "Minutes dated after the patient's death, as the consents or enrolments file records \
           it (a status row whose word means deceased, with its date: `rules/statuses.csv`). Those rows are \
           excluded; the minutes before the death still count, and a line of the month of \
           death is dated no later than the death (a month-end date of service would follow \
           it). The death also ends every consent of the patient, as a revocation does \
           (later months: CN003).",
    why: "No service can be furnished to a beneficiary after death, and Medicare rejects a line \
          dated after the date of death; payments for services after death are a recurring \
          OIG finding.",
    example: "Deceased 2025-03-15: 10 minutes logged on 2025-03-18 do not count; 15 minutes \
              before it leave March below 20 minutes.",
    source: "42 CFR 424.44 and the Medicare Claims Processing Manual (Pub. 100-04) ch. 1 (a \
             claim line needs a date of service on which the beneficiary was alive and \
             entitled); HHS-OIG reports on Medicare payments for services after death.",
    fix: "If the date of death is wrong, correct it in the EHR and export the consents file \
          again; otherwise leave the minutes after it off the claim (they may be documentation \
          or bereavement contact, not CCM).",
}

/// Lists the patient-month's rows under [`RowTag::AfterDeath`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(
        &CN008,
        pm.rows.of(RowTag::AfterDeath),
        "minutes dated after the patient's recorded death do not count",
    );
}
