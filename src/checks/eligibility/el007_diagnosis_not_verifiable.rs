//! EL007 diagnosis-not-verifiable: the check's definition (its `ccm explain` text) and its
//! logic.

use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::Finding;
use crate::rules::Ruleset;

check! {
    EL007, "EL007", "diagnosis-not-verifiable", Warning,
    what: "A diagnosis code in a month whose ICD-10-CM fiscal year has no code set in the \
           rules (FY runs October to September), absent from the set used in its place (the \
           nearest one ccm has: the latest, for a year after it). It may be a code new that year, so it is not called unknown \
           (EL003). It still counts as a condition when it is chronic by the HCUP flags: by \
           its own or its nearest listed parent's flag, else when any code of its \
           3-character category is flagged chronic. Otherwise it is not counted, and the \
           message says why. The run's notes say which set was used for which months.",
    why: "CMS publishes each fiscal year's ICD-10-CM codes for October 1. Until the rules \
          have that year's set, a code new in it cannot be checked; excluding it would \
          falsely block a month, and counting it unchecked would hide a typo.",
    example: "diagnoses.csv line 3, 2027-11: I50.24 is not in the FY2027 set, the latest ccm \
              has (no FY2028 set); its category I50 is chronic by the HCUP flags, so it still \
              counts.",
    source: "CDC/NCHS ICD-10-CM code sets (a new fiscal year from each October 1); AHRQ HCUP \
             Chronic Condition Indicator Refined (CCIR) v2023.1.",
    fix: "Check the code against the CMS ICD-10-CM files of that fiscal year. If it is valid, \
          add the year's set as rules/icd10cm/fy<year>.txt (see the README, 'When CMS \
          publishes a new year') and run again; if not, correct the problem list and export \
          the diagnoses again.",
}

/// Each code the month's code set cannot verify, once per patient-month.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if !pm.first_of_month || pm.conditions.unverifiable.is_empty() {
        return;
    }
    let fy = pm.run.rules.fiscal_year(pm.month);
    let own = Ruleset::own_fiscal_year(pm.month);
    for (d, counts) in &pm.conditions.unverifiable {
        let cat = d.code.category();
        let verdict = if *counts {
            format!("its category {cat} is chronic by the HCUP flags, so it still counts")
        } else {
            format!(
                "its category {cat} is not chronic by the HCUP flags, so it is not counted as a condition"
            )
        };
        emit.push(
            Finding::new(
                &EL007,
                format!(
                    "{} is not in the FY{fy} ICD-10-CM code set, used for {} because FY{own} has no set in the rules: it cannot be verified; {verdict}",
                    d.code.dotted(),
                    pm.month
                ),
            )
            .patient(pm.patient)
            .month(pm.month)
            .program(pm.program.as_str())
            .at(d.file, d.line),
        );
    }
}
