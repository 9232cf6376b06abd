//! EL004 missing-initiating-visit: the check's definition (its `ccm explain` text) and its logic.

use super::initiating;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::{Program, Visit};

check! {
    EL004, "EL004", "missing-initiating-visit", Error,
    what: "(visits file given) No qualifying face-to-face visit by the billing practitioner \
           - E/M 99202-99205 or 99212-99215, AWV G0438/G0439, IPPE G0402 or the TCM \
           face-to-face visit 99495/99496 (the list is data in rules/initiating_visits.csv); \
           99211 does not qualify - in the 12 months before CCM started, nor since then up \
           to the end of the month. CCM starts at the first CCM consent or the first CCM \
           minute, whichever is earlier. A visit counts when its billing_npi is the CCM \
           month's billing NPI; a visit with no NPI counts too, and the run's notes then say \
           once that it was taken to be the billing practitioner's. When only other \
           practitioners' visits qualify, the message names the latest of them.",
    why: "CMS requires CCM to be initiated by the billing practitioner at a face-to-face visit \
          (comprehensive E/M, AWV, IPPE or TCM) for patients new to them or not seen by them \
          within a year; without it every CCM month is unsupported.",
    example: "P0031's CCM under NPI 1628315479 started 2024-09-24; their only visit in \
              the 12 months before is a 99213 on 2024-08-20 by NPI 1234567893, not \
              the billing practitioner.",
    source: "CMS MLN909188 (initiating visit; the CY2017 edition lists TCM); CMS FAQ on \
             practitioner billing for CCM (the billing practitioner furnishes the initiating \
             visit); CMS CY2015 and CY2017 PFS final rules.",
    fix: "Record a qualifying face-to-face visit (E/M 99202-99205 or 99212-99215, AWV, IPPE, \
          or TCM 99495/99496) by the CCM billing practitioner within the 12 months before CCM \
          started, or since then; if one took place, add it to the visits file or correct its \
          billing_npi, and export again.",
}

/// Said once per run (the run's notes) when a visit with no NPI is what lets a CCM month pass.
pub const NO_NPI_NOTE: &str = "visits with no billing_npi are taken to be the billing practitioner's: \
     at least one CCM month's initiating visit (EL004) is such a visit; the chart should show \
     the billing practitioner furnished it";

/// (visits given) A CCM month needs a qualifying visit by its billing practitioner (or with
/// no NPI, said once in the run's notes) from 12 months before CCM started through the
/// month's end.
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
    let qualifying = pm.visits.iter().filter(|v| {
        initiating(pm.run.rules, &v.hcpcs) && v.date >= from && v.date <= pm.month.last_day()
    });
    // The billing practitioner's own visit settles it; otherwise one with no NPI (assumed
    // theirs); otherwise the latest other practitioner's visit is named in the finding.
    let (mut no_npi, mut others) = (false, 0);
    let mut latest_other: Option<(&Visit, u32)> = None;
    for v in qualifying {
        match v.npi {
            Some(n) if n == pm.npi => return,
            None => no_npi = true,
            Some(n) => {
                others += 1;
                if latest_other.is_none_or(|(l, _)| v.date > l.date) {
                    latest_other = Some((v, n));
                }
            }
        }
    }
    if no_npi {
        emit.note(NO_NPI_NOTE);
        return;
    }
    let message = match latest_other {
        None => format!(
            "CCM started {start} with no qualifying face-to-face visit (E/M, AWV, IPPE or TCM) in the 12 months before it or since"
        ),
        Some((v, npi)) => {
            let more = match others {
                1 => String::new(),
                n => format!(" (and {} other visit(s) by other practitioners)", n - 1),
            };
            format!(
                "CCM started {start} with no qualifying face-to-face visit by the billing practitioner in the 12 months before it or since: a visit ({}) on {} by NPI {}, not the billing practitioner {}{more}",
                v.hcpcs,
                v.date,
                pm.run.ds.npi_name(npi),
                pm.npi_name,
            )
        }
    };
    emit.push(emit.finding(&EL004, message));
}
