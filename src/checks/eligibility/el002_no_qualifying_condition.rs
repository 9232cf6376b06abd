//! EL002 no-qualifying-condition: the check's definition (its `ccm explain` text) and its logic.

use super::{no_diagnoses_file, too_few};
use crate::checks::scope::{Emit, PatientMonth, RunFacts};
use crate::domain::{Finding, Program};

check! {
    EL002, "EL002", "no-qualifying-condition", Error,
    what: "(PCM) No chronic condition is active in the month. Principal Care Management needs one \
           high-risk condition expected to last at least 3 months; ccm checks that at least one \
           HCUP-chronic diagnosis (3-character category) is active.",
    why: "PCM pays for managing one serious chronic condition; without one on the problem list \
          the month is unsupported.",
    example: "P0043 has PCM minutes in March 2025 but only J06.9 (acute) and R69 on the \
              problem list.",
    source: "CMS PFS CY2020 and CY2022 final rules (PCM); HCUP CCIR v2023.1.",
    fix: "If the chart documents the chronic condition PCM manages, put it on the problem list as \
          active with its onset date and a billable ICD-10-CM code and export the diagnoses again \
          (without a diagnoses file, give --diagnoses FILE); otherwise do not bill PCM for the \
          month.",
}

/// Without a diagnoses file: once for the run, for PCM.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    no_diagnoses_file(run, out, &EL002, |p| p == Program::Pcm);
}

/// A PCM month needs one chronic condition.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if pm.program == Program::Pcm {
        too_few(pm, emit, &EL002, 1);
    }
}
