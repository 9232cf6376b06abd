//! CD001 addon-without-base: the check's definition (its `ccm explain` text) and its logic.

use super::orphan_addons;
use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD001, "CD001", "addon-without-base", Error,
    what: "An add-on code (99439, 99489, 99437 ...) is claimed for a patient-month and \
           practitioner with no base code at all on that patient-month. The month's lines are \
           held.",
    why: "An add-on is only paid with its primary code; OIG found 99489 paid without a valid \
          99487.",
    example: "claims.csv line 7: 99439 for P0005 in 2025-03 under NPI 1628315479, no \
              99490.",
    source: "CMS NCCI add-on code edits (type 1); OIG A-07-19-05122.",
    fix: "Add the base code line the add-on belongs with (the message names it) to the \
          patient-month's claim, or remove the add-on line if the base cannot be billed.",
}

/// An add-on claimed with no base at all that month.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    for (h, base, others) in orphan_addons(g) {
        if others.is_empty() {
            g.cite(
                emit,
                &CD001,
                format!("add-on {h} is claimed without its base {base}"),
                g.lines_of(h),
            );
        }
    }
}
