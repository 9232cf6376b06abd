//! TM007 practitioner-unknown: the check's definition (its `ccm explain` text) and its logic.

use crate::billing::units_for;
use crate::checks::scope::{Emit, PatientMonth};
use crate::rules::TimeKind;

check! {
    TM007, "TM007", "practitioner-unknown", Warning,
    what: "Practitioners logged time for the patient-month under the billing NPI with no \
           performer NPI (a staff_npi column in the time log, or the staff roster's) saying \
           whose time it is, and it changes what may be billed. 99491/99437 count only the \
           billing practitioner's own time: the rows a performer NPI says are theirs, or, \
           when none is, the largest single unnamed practitioner's time, never a sum of \
           several, and never unnamed time added to a named billing practitioner's. Every \
           practitioner's time still counts as clinical-staff time toward 99490/99439. \
           Where counting the unnamed time would bill the same, no finding: the run's notes \
           say once that practitioners were unnamed.",
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

/// Said once per run when some month's practitioner time could not all be attributed.
pub const NOTE: &str = "Practitioners logged time under a billing NPI with no performer NPI (staff_npi in the time log or the staff roster) in some patient-months where whose time it is matters: 99491/99437 counted only the billing practitioner's own time as far as the inputs say (their named rows, else the largest single unnamed practitioner's), not the sum; TM007 names each month where that changed what may be billed";

/// A month where practitioner time that no performer NPI names could be the billing
/// practitioner's or not (several unnamed practitioners, or unnamed ones beside the named
/// billing practitioner), and counting it all reaches different units of a practitioner
/// code than counting the billing practitioner's own time.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    let m = &pm.minutes;
    let n = m.unnamed_practitioners;
    if n == 0 || m.practitioner == m.practitioner_pooled {
        return;
    }
    emit.note(NOTE);
    let (own, pooled) = (
        m.practitioner.whole_minutes(),
        m.practitioner_pooled.whole_minutes(),
    );
    let program = pm.program.as_str();
    let Some(base) = pm.year.codes.iter().find(|c| {
        c.program == program && !c.is_addon && c.time == TimeKind::Practitioner && {
            let addon = pm.year.addon_of(&c.hcpcs);
            units_for(c, addon, own) != units_for(c, addon, pooled)
        }
    }) else {
        return;
    };
    emit.push(
        emit.finding(
            &TM007,
            format!(
                "{n} practitioner(s) logged time under NPI {} with no performer NPI: {} counts the billing practitioner's own time as far as the inputs say ({own} min), not all practitioners' ({pooled} min); give staff_npi in the time log or the staff roster",
                pm.npi_name, base.hcpcs
            ),
        )
        .minutes(own),
    );
}
