//! TM007 practitioner-unknown: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::Program;

check! {
    TM007, "TM007", "practitioner-unknown", Warning,
    what: "Several practitioners logged time for the patient-month under the billing NPI and no \
           performer NPI (a staff_npi column in the time log, or the staff roster's) says \
           which of them is the billing practitioner. 99491/99437 count only the billing \
           practitioner's own time, so ccm counts the largest single practitioner's time for \
           them. Every practitioner's time still counts as clinical-staff time toward \
           99490/99439.",
    why: "99491 and 99437 are time personally spent by the billing practitioner: pooling an MD's \
          15 minutes and an NP's 20 under one NPI bills 99491 for work no one practitioner did.",
    example: "MD 15 min + NP 20 min under NPI 1234567893, no staff_npi: 99491 needs 30 minutes \
              of one practitioner; the largest is 20, so 99491 is not supported (99490 bills on \
              the 35 minutes).",
    source: "CMS MLN909188 (99491: time personally spent by the physician or other qualified \
             health care professional); NGS Medicare care-management page (\"time only the \
             billing practitioner spends\").",
    fix: "Add each practitioner's own NPI: a staff_npi column in the time log, or staff_npi in \
          the staff roster (--staff), so ccm counts the billing practitioner's own minutes.",
}

/// A CCM or PCM month whose practitioners' time names no performer, from more than one.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    let n = pm.minutes.unnamed_practitioners;
    if n < 2 || !matches!(pm.program, Program::Ccm | Program::Pcm) {
        return;
    }
    let counted = pm.minutes.practitioner.whole_minutes();
    emit.push(
        emit.finding(
            &TM007,
            format!(
                "{n} practitioners logged time under NPI {} with no performer NPI: 99491/99437 count the largest single practitioner's time ({counted} minute(s)), not their sum; give staff_npi in the time log or the staff roster",
                pm.npi_name
            ),
        )
        .minutes(counted),
    );
}
