//! EL005 missing-care-plan: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{Emit, PatientMonth};

check! {
    EL005, "EL005", "missing-care-plan", Error,
    what: "(care-plan file given) No care-plan event (established, revised or reviewed) for the \
           patient on or before the last day of the month.",
    why: "A comprehensive care plan must exist for every billed CCM month; it is the core of \
          the service an auditor asks to see.",
    example: "P0040 bills March 2025 but careplans.csv has no plan for them until \
              2025-04-04.",
    source: "CMS MLN909188 (comprehensive care plan).",
    fix: "Establish the patient's comprehensive care plan in the EHR, or record the date an \
          existing plan was established, revised or reviewed, and export the care-plan file \
          again; a plan dated after the month does not cover it.",
}

/// (care plans given) A care plan must exist on or before the month's last day.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    let last = pm.month.last_day();
    if pm.run.ds.careplans.is_some() && pm.first_care_plan.is_none_or(|d| d > last) {
        emit.push(emit.finding(
            &EL005,
            format!(
                "no care plan on file on or before {last}; a comprehensive care plan must exist for every billed month"
            ),
        ));
    }
}
