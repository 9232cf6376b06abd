//! EL006 diagnosis-status-without-date: the check's definition (its `ccm explain` text) and
//! its logic.

use crate::domain::Finding;

check! {
    EL006, "EL006", "diagnosis-status-without-date", Warning,
    what: "A problem-list row says the condition is resolved or inactive but gives no resolved \
           date. When it stopped is unknown: it may have been active in the audited month, or \
           not. The row is not counted as an active condition in any month (it is excluded), \
           and this warning names it so the date can be added.",
    why: "CCM needs two or more chronic conditions for the month billed. A condition the chart \
          calls resolved, at an unknown date, cannot be shown to have been active then: a \
          careful auditor does not count it.",
    example: "Problem List.csv line 5: I50.9 is \"Resolved\" with no resolved date.",
    source: "HL7 FHIR Condition.clinicalStatus (resolved, inactive) with abatement[x]; CMS \
             MLN909188 (chronic conditions expected to last at least 12 months).",
    fix: "Add the resolved date to the problem-list entry in the EHR, or set its status back to \
          active if the condition continues, and export the diagnoses again.",
}

/// An EL006 finding for a diagnosis row whose status `word` ends it at no date (the caller
/// adds patient, file and line).
pub fn finding(word: &str, codes: &str) -> Finding {
    Finding::new(
        &EL006,
        format!(
            "diagnoses row excluded: {codes} is {word:?} with no resolved date, so it may or may not have been active in the month audited; it is not counted (add the resolved date)"
        ),
    )
}
