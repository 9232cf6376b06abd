//! RV002 near-next-block: the check's definition (its `ccm explain` text) and its logic.

use crate::billing::{family_minutes, needs_mdm, next_block};
use crate::checks::scope::{Decision, Emit, PatientMonth};

check! {
    RV002, "RV002", "near-next-block", Info,
    what: "In a month still open on the as-of date, the patient's countable minutes are within \
           5 minutes of the next billable block (a base threshold or the next add-on unit).",
    why: "The mid-month worklist: a few minutes of real, documented care reach a block the \
          patient is already close to.",
    example: "As of 2025-03-24, P0011 has 35 minutes: 5 more reach 99439.",
    source: "CMS MLN909188 (time thresholds); CMS PFS fee schedule.",
    fix: "If the patient needs further care this month, schedule and document it before month \
          end; never log time that was not spent to reach a block.",
}

/// How close to the next billable block RV002 speaks up.
pub const NEAR_BLOCK_MINUTES: u32 = 5;

/// In an open month with no error, the nearest next billable block within reach.
pub fn check(pm: &PatientMonth, d: &Decision, emit: &mut Emit) {
    if d.has_error || !d.window.in_progress() {
        return;
    }
    let program = pm.program.as_str();
    let yr = pm.year;
    let mut best: Option<(u32, String)> = None;
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && (d.complex || !needs_mdm(c)))
    {
        let Some(minutes) = family_minutes(base, pm.minutes) else {
            continue;
        };
        let Some(next) = next_block(base, yr.addon_of(&base.hcpcs), minutes) else {
            continue;
        };
        let what = if next.code.is_addon {
            format!("{} unit {}", next.code.hcpcs, next.units)
        } else {
            next.code.hcpcs.clone()
        };
        let gap = next.target - minutes;
        if gap <= NEAR_BLOCK_MINUTES && best.as_ref().is_none_or(|b| gap < b.0) {
            best = Some((gap, what));
        }
    }
    if let Some((gap, what)) = best {
        let total = pm.minutes.total.whole_minutes();
        emit.push(
            emit.finding(
                &RV002,
                format!("{total} countable minute(s) so far: {gap} more reach {what}"),
            )
            .minutes(total),
        );
    }
}
