//! EL001 too-few-chronic-conditions: the check's definition (its `ccm explain` text) and its logic.

use super::{no_diagnoses_file, too_few};
use crate::checks::scope::{Emit, PatientMonth, RunFacts};
use crate::domain::{Finding, Program};

check! {
    EL001, "EL001", "too-few-chronic-conditions", Error,
    what: "Fewer than two distinct chronic conditions are active in the month. A condition is a \
           3-character ICD-10-CM category (E11.9 and E11.65 are one condition); a diagnosis is \
           active in a month when its onset is on or before the month's last day and it is not \
           resolved before the month's first day. Chronic = HCUP CCIR flag 1 (a code absent \
           from CCIR takes its nearest listed parent's flag; 'no determination' does not \
           count). Without a diagnoses file, ccm says so once and no claim can be clean.",
    why: "CCM is only for patients with two or more chronic conditions expected to last at \
          least 12 months or until death. Auditors check the problem list.",
    example: "P0023 has I10 and J06.9 (acute, resolved 2025-03-14) in March: one chronic \
              condition, so March cannot be billed.",
    source: "CMS MLN909188 (eligibility: two or more chronic conditions); HCUP Chronic Condition \
             Indicator Refined v2023.1 (AHRQ).",
    fix: "If the chart documents a second chronic condition, put it on the problem list as active \
          with its onset date and export the diagnoses again (without a diagnoses file, give \
          --diagnoses FILE); a patient with fewer than two chronic conditions cannot be billed \
          for CCM that month.",
}

/// Without a diagnoses file: once for the run, for CCM.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    no_diagnoses_file(run, out, &EL001, |p| p != Program::Pcm);
}

/// A CCM month needs two or more chronic conditions.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if pm.program != Program::Pcm {
        too_few(pm, emit, &EL001, 2);
    }
}
