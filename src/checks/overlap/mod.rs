//! OV-series: one practitioner per patient-month, and no clash with services CCM cannot be
//! billed beside. Which programs clash, and how severely under each policy, is data
//! (rules/<year>/clashes.csv); this module holds the check texts and the relation logic.

#[path = "ov001_multiple_ccm_practitioners.rs"]
pub mod ov001;
#[path = "ov002_ccm_with_pcm.rs"]
pub mod ov002;
#[path = "ov003_ccm_with_apcm.rs"]
pub mod ov003;
#[path = "ov004_ccm_with_bundled_service.rs"]
pub mod ov004;
#[path = "ov005_concurrent_rpm.rs"]
pub mod ov005;

pub use ov001::OV001;
pub use ov002::OV002;
pub use ov003::OV003;
pub use ov004::OV004;
pub use ov005::OV005;

use crate::checks::scope::{Emit, OtherProgramRow, PatientMonth};
use crate::domain::{Enrolment, Program, Severity};
use crate::rules::Relation;

/// The relation of other-program evidence to the CCM practitioner: the same NPI if any piece
/// names it, else unknown if any names none, else different.
pub fn relation(ccm_npi: u32, evidence: impl Iterator<Item = Option<u32>>) -> Relation {
    let mut rel = Relation::Different;
    for n in evidence {
        match n {
            Some(n) if n == ccm_npi => return Relation::Same,
            None => rel = Relation::Unknown,
            _ => {}
        }
    }
    rel
}

pub fn relation_word(rel: Relation) -> &'static str {
    match rel {
        Relation::Same => "the same practitioner",
        Relation::Different => "a different practitioner",
        Relation::Unknown => "a practitioner not named (possibly the same)",
    }
}

/// The clash checks (OV002–OV005), driven by `rules/<year>/clashes.csv`: which program
/// clashes, under which check code, and how severely for the same, a different or an
/// unnamed practitioner under each policy.
pub fn clashes(pm: &PatientMonth, emit: &mut Emit) {
    let (yr, cfg, month) = (pm.year, pm.run.cfg, pm.month);
    // A PCM month clashes with CCM by the same practitioner (the PCM row of clashes.csv).
    if pm.program == Program::Pcm
        && pm.ccm_minutes_same_npi > 0
        && let Some(clash) = yr.clash("PCM")
        && let Some(check) = clash.check
        && let Some(sev) = clash.severity(cfg.policy, Relation::Same)
    {
        emit.push(
            emit.finding(
                check,
                format!("CCM by the same practitioner in {month}: CCM and PCM are not paid to one practitioner in the same month"),
            )
            .severity(sev),
        );
    }
    for clash in yr
        .clashes
        .iter()
        .filter(|c| c.audited.contains(&pm.program))
    {
        let Some(check) = clash.check else {
            continue;
        };
        let active: Vec<&&Enrolment> = pm
            .enrolments
            .iter()
            .filter(|e| e.program.as_str() == clash.program)
            .filter(|e| {
                e.start <= month.last_day() && e.end.is_none_or(|end| end >= month.first_day())
            })
            .collect();
        let timed: Vec<&OtherProgramRow> = pm
            .other_program_rows
            .iter()
            .filter(|t| t.0.as_str() == clash.program)
            .collect();
        if active.is_empty() && timed.is_empty() {
            continue;
        }
        let rel = relation(
            pm.npi,
            active
                .iter()
                .map(|e| e.npi)
                .chain(timed.iter().map(|t| t.1)),
        );
        let Some(sev) = clash.severity(cfg.policy, rel) else {
            continue;
        };
        let f = emit
            .finding(
                check,
                format!(
                    "{} in {month} by {} ({} under the {} policy)",
                    clash.program,
                    relation_word(rel),
                    match sev {
                        Severity::Error => "not allowed",
                        Severity::Warning => "needs a look",
                        Severity::Info => "allowed if no minute is counted twice",
                    },
                    cfg.policy.as_str()
                ),
            )
            .severity(sev);
        if active.is_empty() {
            emit.cited(f, timed.iter().map(|t| (t.2, t.3)), None);
        } else {
            emit.cited(f, active.iter().map(|e| (e.file, e.line)), None);
        }
    }
}
