//! CL002 claim-units-unsupported: the check's definition (its `ccm explain` text) and its logic.

use super::cl001::whose;
use crate::checks::scope::{ClaimEvidence, Emit};
use crate::domain::Money;

check! {
    CL002, "CL002", "claim-units-unsupported", Error,
    effect: ClaimLines,
    what: "(claims given) More units of an add-on claimed than the countable minutes support \
           (each unit needs a further full increment). The amount is the excess units' payment.",
    why: "Each add-on unit is a separately paid block of time; units beyond the logged minutes \
          are unsupported.",
    example: "99439 x2 claimed with 52 countable minutes (supports 1): $45.93 at risk.",
    source: "CPT time rules as adopted by CMS (full blocks, no rounding); CMS MLN909188.",
    fix: "Reduce the add-on units on the claim line to what the minutes support (void or correct \
          the line if already paid); if more time was spent but not logged, add it with real \
          times and notes and run again.",
}

/// More add-on units claimed than the minutes support; the amount at risk is the excess.
pub fn check(e: &ClaimEvidence, emit: &mut Emit) {
    let c = e.claim;
    if e.supported == 0 || !e.rule.is_addon || c.units <= e.supported {
        return;
    }
    let mut f = emit
        .finding(
            &CL002,
            format!(
                "{} x{} claimed; {} {} support {}",
                c.hcpcs,
                c.units,
                e.minutes,
                whose(e.base),
                e.supported
            ),
        )
        .at(c.file, c.line)
        .minutes(e.minutes);
    f.amount = Some(e.fee * Money::from(c.units - e.supported));
    emit.push(f);
}
