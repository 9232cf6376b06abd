//! CN005 practitioner-changed-without-consent: the check's definition (its `ccm explain`
//! text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::{Kind, Program};

check! {
    CN005, "CN005", "practitioner-changed-without-consent", Warning,
    what: "The patient's CCM moved to a different billing NPI than in the previous audited \
           month, and no CCM consent names the new practitioner or is dated on or after the \
           first day of the month of the change. Reported once, for the first month under the \
           new NPI.",
    why: "Consent is obtained once before CCM starts, and again when the patient changes to a \
          new billing practitioner: the new practitioner obtains it before furnishing CCM. A \
          consent on file that names no practitioner was given to the earlier one.",
    example: "P0001's consent of 2025-01-10 names no NPI; February is billed under 1234567893 \
              and March under 1628315479, with no consent after the change.",
    source: "CMS MLN909188 (Chronic Care Management Services): consent is needed before \
             starting CCM or if the patient changes billing practitioners; Noridian JE/JF CCM \
             Questions and Answers (2017), Q3: the consent is obtained once, or when the \
             beneficiary changes the practitioner who furnishes and bills the service.",
    fix: "Confirm the billing practitioner really changed; if so, have the new practitioner \
          obtain the patient's consent and record it with the new NPI and its date, or if the \
          month was logged under the wrong NPI, correct the time log, then export again.",
}

/// The first CCM month under an NPI the previous CCM month did not bill under, with no
/// consent naming the NPI or dated from this month on.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    if pm.program != Program::Ccm || !pm.ccm_npis.contains(&pm.npi) {
        return;
    }
    let Some((previous, npis)) = pm.previous_ccm else {
        return;
    };
    if npis.contains(&pm.npi) {
        return;
    }
    // CN004 already reports minutes under an NPI the consents do not cover.
    if !pm.rows.of(RowTag::OtherNpi).at.is_empty() {
        return;
    }
    let ccm: Vec<_> = pm
        .consents
        .iter()
        .filter(|c| c.program == Program::Ccm)
        .collect();
    // No consent at all is CN001's.
    if ccm.is_empty() {
        return;
    }
    let since = pm.month.first_day();
    let renewed = ccm
        .iter()
        .any(|c| c.npi == Some(pm.npi) || (c.npi.is_none() && c.date >= since));
    if renewed {
        return;
    }
    let before: Vec<&str> = npis.iter().map(|&n| pm.run.npi_name(n)).collect();
    let f = emit.finding(
        &CN005,
        format!(
            "CCM was billed under {} in {previous} and moves to {} in {}: no consent names {} or is dated on or after {since}",
            before.join(", "),
            pm.npi_name,
            pm.month,
            pm.npi_name,
        ),
    );
    emit.cited(
        f,
        ccm.iter().map(|c| (c.file, c.line)),
        pm.run.first_file(Kind::Consents),
    );
}
