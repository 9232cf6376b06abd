//! TM003 overlapping-time: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    TM003, "TM003", "overlapping-time", Warning,
    what: "One staff member's clock-time intervals overlap on the same day (for the same patient \
           or different patients). Intervals are half-open: 09:00-09:20 and 09:20-09:40 do not \
           overlap. The overlapping minutes count once: the interval that starts first (then \
           the lower patient id) keeps them, the later one loses them. CCM intervals are \
           compared with CCM intervals and PCM intervals with PCM intervals (CCM time at the \
           same clock time as another program is TM004).",
    why: "Nobody is in two places at once. Overlapping entries are the first thing an auditor \
          tests, and they double-count time.",
    example: "RN S05 logs P0028 09:00-09:25 and again 09:15-09:35 on 2025-03-13: the \
              second row loses the 10 overlapping minutes.",
    source: "CMS MLN909188 (time counted once); OIG A-07-19-05122.",
    fix: "Compare the overlapping rows (the finding names them) with the staff member's \
          documentation and correct the start and end times that were entered wrong, then export \
          again; minutes that really overlapped count once and cannot be recovered.",
}

/// Lists the patient-month's rows under [`RowTag::Overlap`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(&TM003, pm.rows.of(RowTag::Overlap), "minutes overlapping the same staff member's earlier interval count once and are removed here");
}
