//! TM004 time-counted-twice: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    TM004, "TM004", "time-counted-twice", Warning,
    what: "The same staff member logged CCM and another program (RPM, PCM, BHI, TCM, APCM ...) at \
           overlapping clock times. Those minutes leave CCM and stay with the other program.",
    why: "A minute counts toward one service only: CMS allows CCM beside RPM, TCM or BHI in one \
          month only when the time is counted once.",
    example: "LCSW S10 logs BHI for P0029 14:00-14:30 and CCM for P0029 14:15-14:45: CCM \
              keeps 15.",
    source: "CMS PFS CY2024 final rule (CCM with RPM, time counted once); CMS MLN909188.",
    fix: "Compare the two programs' rows with the documentation and correct whichever clock times \
          were entered wrong, then export again; minutes really spent on both at once stay with \
          the other program and must be left off CCM.",
}

/// Lists the patient-month's rows under [`RowTag::Twice`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(&TM004, pm.rows.of(RowTag::Twice), "minutes logged at the same clock time for another program stay with that program and leave CCM");
}
