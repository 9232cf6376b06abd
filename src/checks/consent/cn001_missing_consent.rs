//! CN001 missing-consent: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth, RunFacts};
use crate::domain::{ConsentStatus, Finding, Kind};

check! {
    CN001, "CN001", "missing-consent", Error,
    what: "No consent on file for the patient and program covers the month's minutes. The \
           patient-month cannot be billed. Without any consents file, ccm says so once for the \
           whole run and no CCM claim can be clean. In verify mode (`--claims`), an RPM claim \
           line (99457/99458/99470 or a device line) on a day no RPM consent covers holds its \
           claim too: CN001 when the patient has none, CN002, CN003 or CN004 when it is later, \
           revoked or another practitioner's. When the consents file records no RPM consent at \
           all, a practice's one consent for every program cannot be told from none: RPM \
           lines of a patient with a consent to some program are not judged on it and the \
           run's notes say so; a patient with no consent at all holds them (CN001).",
    why: "CMS requires documented verbal or written consent before CCM starts, and auditors \
          ask for it first. A month billed without it is an overpayment to refund.",
    example: "P0018 has 30 CCM minutes in 2025-03 under 1628315479 but no row in \
              consents.csv.",
    source: "CMS MLN909188 Chronic Care Management Services (consent); 42 CFR 410.26; AMA \
             consent guidance.",
    fix: "Obtain the patient's consent (verbal or written), record it in the EHR with its date \
          and the billing practitioner, and export the consents file again; minutes before the \
          consent date cannot be billed. When the run had no consents file at all, export it and \
          give it with --consents FILE.",
}

/// Without a consents file: once for the run, per program audited.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    if run.ds.consents.is_some() {
        return;
    }
    for p in run.programs {
        out.push(
            Finding::new(
                &CN001,
                format!(
                    "no consents file was given or found beside the time log: consent cannot be proven, so no {} claim can be clean (give --consents FILE)",
                    p.as_str()
                ),
            )
            .program(p.as_str()),
        );
    }
}

/// The patient-month's rows no consent covers.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    let acc = pm.rows.of(RowTag::NoConsent);
    // A patient who declined, or is enrolled elsewhere, is CN006 or CN007: other advice.
    if acc.at.is_empty() || super::refusal(pm).is_some() {
        return;
    }
    let program = pm.program.as_str();
    let said = recorded(pm);
    let msg = if pm.consents.is_empty() {
        format!(
            "no {program} consent on file for this patient{said}; {} minute(s) in {} cannot be billed",
            acc.secs.whole_minutes(),
            pm.month
        )
    } else {
        format!(
            "no {program} consent in the consents file covers this month's minutes ({} minute(s)){said}",
            acc.secs.whole_minutes()
        )
    };
    emit.rows_with(&CN001, acc, |_, _| msg.clone());
}

/// What the consents file's status rows say instead of a consent for the program, as
/// `: the consents file says "Declined" on 2025-01-15, no consent`; empty when there are
/// none.
fn recorded(pm: &PatientMonth) -> String {
    let ds = pm.run.ds;
    let Some(p) = ds.patients.get(pm.patient) else {
        return String::new();
    };
    let program = pm.program.as_str();
    let said: Vec<String> = ds
        .statuses_of(p)
        .iter()
        .filter(|s| s.kind == Kind::Consents && s.program == pm.program)
        .map(|s| {
            let when = |word: &str| match s.date {
                Some(d) => format!(" {word} {d}"),
                None => " (no date)".to_string(),
            };
            match s.status {
                ConsentStatus::Elsewhere => format!(
                    "enrolled elsewhere (another practice bills {program}){}",
                    when("since")
                ),
                ConsentStatus::Revoked => format!("{:?}{}, consent revoked", s.word, when("on")),
                ConsentStatus::Deceased => format!("{:?}{}, deceased", s.word, when("on")),
                _ => format!("{:?}{}, no consent", s.word, when("on")),
            }
        })
        .collect();
    if said.is_empty() {
        String::new()
    } else {
        format!(": the consents file says {}", said.join("; "))
    }
}
