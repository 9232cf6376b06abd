//! TM002 non-clinical-time: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    TM002, "TM002", "non-clinical-time", Warning,
    what: "Minutes logged by a non-clinical role (front desk, scheduler, biller, admin ...). The \
           rows are excluded: their minutes never count. Roles are data (rules/<year>/roles.csv).",
    why: "Only clinical staff under general supervision and the billing practitioner furnish \
          CCM; counting a scheduler's call inflates the month.",
    example: "A 10-minute scheduling call by the front desk for P0027 (timelog.csv line \
              39) does not count.",
    source: "CMS MLN909188 (clinical staff under general supervision); CPT clinical staff \
             definition.",
    fix: "If the person is in fact clinical staff, correct the role in the time log or in the \
          staff roster (--staff) and export again; otherwise leave those minutes off CCM, since a \
          non-clinical role's time cannot be billed.",
}

/// Lists the patient-month's rows under [`RowTag::NonClinical`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(
        &TM002,
        pm.rows.of(RowTag::NonClinical),
        "minutes logged by a non-clinical role do not count",
    );
}
