//! CD002 addon-wrong-base: the check's definition (its `ccm explain` text) and its logic.

use super::orphan_addons;
use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD002, "CD002", "addon-wrong-base", Error,
    what: "An add-on code is claimed with a base code it does not belong to (99437 with 99490, \
           99439 with 99491, 99489 with 99490 ...) and without its own base.",
    why: "Each CCM add-on extends one base code only; paired with another base it is denied or, \
          if paid, an overpayment.",
    example: "99437 (practitioner add-on) claimed beside 99490 (clinical-staff base).",
    source: "CMS NCCI add-on code edits (99490->99439, 99491->99437, 99487->99489).",
    fix: "Correct the claim so the add-on sits beside its own base (the message names it): change \
          the base or the add-on to the pair whose time the minutes are (clinical staff or the \
          practitioner).",
}

/// An add-on claimed beside a base it does not belong to.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    for (h, base, others) in orphan_addons(g) {
        if !others.is_empty() {
            g.cite(
                emit,
                &CD002,
                format!("add-on {h} belongs with {base}, not {}", others.join(", ")),
                g.lines_of(h),
            );
        }
    }
}
