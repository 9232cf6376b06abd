//! OV001 multiple-ccm-practitioners: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::consent::named_practitioners;
use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::{Program, Secs};

check! {
    OV001, "OV001", "multiple-ccm-practitioners", Error,
    what: "More than one billing NPI has CCM minutes for the same patient-month. When a consent \
           in force names one of them, that NPI keeps the month and the finding applies to the \
           others; otherwise it applies to all of them until the practice decides. Each \
           finding names the time-log lines whose minutes count under its NPI.",
    why: "Only one practitioner may be paid for CCM per patient per month. Duplicate CCM across \
          practitioners was the largest overpayment category in both OIG audits.",
    example: "P0031 has March CCM minutes under 1234567893 and 1628315479 and no consent \
              names either: neither may bill until the practice decides.",
    source: "CMS MLN909188 (one practitioner per month); OIG A-07-17-05101 and A-07-19-05122.",
    fix: "Decide which practitioner furnishes the patient's CCM that month and record the consent \
          with that NPI; move rows logged under the wrong NPI to it in the time log, and leave \
          the other practitioners' months unbilled.",
}

/// A CCM patient-month with countable minutes under this NPI and another: unless the
/// consent names this NPI as the one that keeps the month, its rows are listed.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if pm.program != Program::Ccm || pm.ccm_npis.len() < 2 || pm.minutes.total == Secs::ZERO {
        return;
    }
    let named = named_practitioners(pm.consents, Program::Ccm, pm.month);
    let keeper = match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
    .filter(|k| pm.ccm_npis.contains(k));
    if keeper == Some(pm.npi) {
        return;
    }
    let mut others: Vec<&str> = pm
        .ccm_npis
        .iter()
        .filter(|&&n| n != pm.npi)
        .map(|&n| pm.run.npi_name(n))
        .collect();
    others.sort_unstable();
    let why = match keeper {
        Some(k) => format!(
            "the consent names {}, which keeps the month",
            pm.run.npi_name(k)
        ),
        None if named.len() < 2 => {
            "no consent names one of them, so none may bill until the practice decides".to_string()
        }
        None => {
            let names: Vec<&str> = named.iter().map(|&n| pm.run.npi_name(n)).collect();
            format!(
                "consents in force name {}, so ccm cannot tell which one keeps the month: none may bill until the practice decides",
                names.join(" and ")
            )
        }
    };
    let msg = format!(
        "CCM minutes for this month are also billed under {}; only one practitioner may bill CCM per patient-month: {why}",
        others.join(", ")
    );
    // The rows whose minutes make up this NPI's total, one finding per file.
    let rows = pm.rows.of(RowTag::CcmRows);
    debug_assert!(!rows.at.is_empty(), "OV001 without its rows");
    emit.rows_with(&OV001, rows, |_, _| msg.clone());
}
