//! TM006 vague-documentation: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    TM006, "TM006", "vague-documentation", Warning,
    what: "A counted CCM row has no note, or a note too thin to defend: shorter than the \
           minimum length, or only a boilerplate phrase such as \"CCM call\", \"follow up\" or \
           \"chart review\" (the phrases and the minimum are data in \
           rules/documentation/vague_phrases.txt). The minutes still count.",
    why: "Auditors deny time whose documentation does not say what was done; \"CCM call\" \
          supports nothing.",
    example: "P0041, March 2025: 23 minutes on 3 rows whose notes are \"CCM call\", blank \
              and \"f/u\".",
    source: "CMS MLN909188 (documentation); OIG A-07-17-05101 (unsupported services).",
    fix: "Have the staff member amend the note in the EHR to say what was done (who was \
          contacted, about which condition, what changed in the plan) and export again; the \
          phrases and the minimum length are in rules/documentation/vague_phrases.txt.",
}

/// Lists the patient-month's rows under [`RowTag::Vague`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(&TM006, pm.rows.of(RowTag::Vague), "counted minutes whose note is missing or too thin to defend (\"CCM call\", \"follow up\" ...); document what was done");
}
