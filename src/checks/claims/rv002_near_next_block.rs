//! RV002 near-next-block: the check's definition (its `ccm explain` text) and its logic.

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
    let Some(near) = d.nearest.filter(|n| n.gap <= NEAR_BLOCK_MINUTES) else {
        return;
    };
    let what = if near.code.is_addon {
        format!("{} unit {}", near.code.hcpcs, near.units)
    } else {
        near.code.hcpcs.clone()
    };
    let total = pm.minutes.total.whole_minutes();
    emit.push(
        emit.finding(
            &RV002,
            format!(
                "{total} countable minute(s) so far: {} more reach {what}",
                near.gap
            ),
        )
        .minutes(total),
    );
}
