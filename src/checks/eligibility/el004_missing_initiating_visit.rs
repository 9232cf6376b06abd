//! EL004 missing-initiating-visit: the check's definition (its `ccm explain` text) and its logic.

use super::initiating;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::Program;

check! {
    EL004, "EL004", "missing-initiating-visit", Error,
    what: "(visits file given) No qualifying face-to-face visit — E/M 99202–99205 or \
           99212–99215, AWV G0438/G0439, IPPE G0402 (the list is data in \
           rules/initiating_visits.csv); 99211 does not qualify — in the 12 months before CCM \
           started, nor since then up to the end of the month. CCM starts at the first CCM \
           consent or the first CCM minute, whichever is earlier. Any practitioner's visit \
           counts (the file does not say which practice a practitioner belongs to).",
    why: "CMS requires CCM to be initiated at a face-to-face visit for patients new to the \
          practitioner or not seen within a year; without it every CCM month is unsupported.",
    example: "P0041's CCM started 2025-02-03; their last visit was 2023-11-14.",
    source: "CMS MLN909188 (initiating visit); CMS CY2015 and CY2017 PFS final rules.",
    fix: "If a qualifying face-to-face visit took place but is missing from the visits file, add \
          it with its date and code (the list is rules/initiating_visits.csv) and export again; \
          otherwise hold the patient's CCM claims until such a visit is furnished and documented.",
}

/// (visits given) A CCM month needs a qualifying visit from 12 months before CCM started
/// through the month's end.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if pm.program != Program::Ccm {
        return;
    }
    let Some(start) = pm.ccm_start else {
        return;
    };
    let from = start
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(start);
    let ok = pm.visits.iter().any(|v| {
        initiating(pm.run.rules, &v.hcpcs) && v.date >= from && v.date <= pm.month.last_day()
    });
    if !ok {
        emit.push(emit.finding(
            &EL004,
            format!(
                "CCM started {start} with no qualifying face-to-face visit (E/M, AWV or IPPE) in the 12 months before it or since"
            ),
        ));
    }
}
