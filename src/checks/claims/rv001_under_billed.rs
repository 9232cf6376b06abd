//! RV001 under-billed: the check's definition (its `ccm explain` text) and its logic.

use crate::billing::ClaimLine;
use crate::checks::scope::{Emit, Unbilled};
use crate::domain::money_str;

check! {
    RV001, "RV001", "under-billed", Info,
    what: "(claims given) The evidence supports more than was claimed for a patient-month with \
           no error: a month not claimed at all, fewer add-on units than the minutes support, or \
           a family that pays less than the one the minutes support. For RPM, a claim whose \
           treatment-management lines (99457, 99458, 99470) pay less than the month's RPM \
           minutes support; an RPM month with time but no such line is not named (ccm does \
           not bill RPM on time alone). The amount is what was left unbilled. Not for a month past its filing deadline (12 months after its last day) on \
           the as-of date: that money can no longer be billed.",
    why: "Compliance is both ways: documented, eligible work that is never billed is revenue the \
          practice earned and lost.",
    example: "P0006 claimed 99490 only, but 47 countable minutes support 99490 + 99439: \
              $45.93 left unbilled.",
    source: "CMS PFS fee schedule (national non-facility amounts); CMS MLN909188.",
    fix: "Add the lines the message names (codes and units) to the claim, or claim the month, \
          within Medicare's 12-month filing limit; a run without --claims lists the supported \
          lines in clean_claims.csv.",
}

/// A clean patient-month the evidence supports beyond what was claimed (billing decided
/// how much: [`crate::billing::left_unbilled`]): not claimed at all, or claim lines that
/// support less than the evidence.
pub fn check(u: &Unbilled, emit: &mut Emit) {
    let o = u.outcome;
    let message = match u.paid {
        None => format!(
            "not claimed: the evidence supports {} ({} minutes) paying ${}",
            describe(&o.lines),
            o.minutes,
            money_str(o.payment)
        ),
        Some(paid) => format!(
            "the evidence supports {} ({} minutes) paying ${}; the claim lines support ${}",
            describe(&o.lines),
            o.minutes,
            money_str(u.due),
            money_str(paid)
        ),
    };
    let mut f = emit.finding(&RV001, message).minutes(o.minutes);
    f.amount = Some(u.left);
    emit.push(f);
}

/// "99490 + 99439 x2" for a set of lines.
fn describe(lines: &[ClaimLine]) -> String {
    lines
        .iter()
        .map(|l| {
            if l.units > 1 {
                format!("{} x{}", l.hcpcs, l.units)
            } else {
                l.hcpcs.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}
