//! EL003 unknown-diagnosis-code: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::Finding;

check! {
    EL003, "EL003", "unknown-diagnosis-code", Warning,
    what: "A diagnosis code that is not a billable ICD-10-CM code in the fiscal year of the \
           month (FY runs October to September; months before FY2025 use the FY2025 set). \
           The code is ignored when counting conditions. In a fiscal year with no set in the \
           rules, only a header code (with codes under it) is unknown: a 3-character \
           category such as E11 in any year, a longer one after the latest set; before the \
           first set a longer header may have been billable before it was expanded (E66.8 \
           until FY2025) and is EL007, not verifiable, as is any other code absent from the \
           set used.",
    why: "A claim carrying an invalid or non-billable code is rejected, and a condition that \
          cannot be coded cannot support eligibility.",
    example: "diagnoses.csv line 8: `E11` is a category, not a billable code (use E11.9 ...).",
    source: "CDC/NCHS ICD-10-CM FY2025 and FY2026 code sets (April updates).",
    fix: "Replace the code on the problem list with a billable ICD-10-CM code of that fiscal year \
          (a category such as E11 needs its full code, such as E11.9) and export the diagnoses \
          again.",
}

/// Each invalid code on the patient's problem list, once per patient-month.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if !pm.first_of_month {
        return;
    }
    let (fy, exact) = pm.run.rules.code_set_for(pm.month);
    let stand_in = if exact {
        String::new()
    } else {
        format!(
            " (the code set used for FY{}, which has none in the rules)",
            crate::rules::Ruleset::own_fiscal_year(pm.month)
        )
    };
    for d in &pm.conditions.invalid {
        emit.push(
            Finding::new(
                &EL003,
                format!(
                    "{} is not a billable ICD-10-CM code in FY{fy}{stand_in}; it is ignored",
                    d.code.dotted(),
                ),
            )
            .patient(pm.patient)
            .month(pm.month)
            .program(pm.program.as_str())
            .at(d.file, d.line),
        );
    }
}
