//! CD005 duplicate-claim: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD005, "CD005", "duplicate-claim", Error,
    what: "The same code on more than one claim line for the same patient-month and practitioner \
           (units belong on one line). RPM device codes (99453, 99454, 99445) are billed per \
           30-day period or episode, not per month: their repeats are DV002's.",
    why: "Duplicate lines are the most common CCM overpayment after duplicate practitioners.",
    example: "Two 99439 lines for P0009 in 2025-03 (claims.csv lines 14 and 15).",
    source: "OIG A-07-17-05101; CMS claims processing manual ch. 12.",
    fix: "Merge the lines into one line carrying the total units, or delete the repeated line if \
          it is the same service claimed twice; if both were already paid, void the extra claim \
          line.",
}

/// A code on more than one line of the month. Not an RPM device code (`devices.csv`): it is
/// billed per 30-day period or per episode, not per month, so two lines in one month can
/// both be right (dated 03-01 and 03-31); DV002 decides its repeats over its own period.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    for &h in g.codes {
        if g.year.device(h).is_some() {
            continue;
        }
        let n = g.lines.iter().filter(|c| c.hcpcs == h).count();
        if n > 1 {
            g.cite(
                emit,
                &CD005,
                format!("{h} appears on {n} claim lines for this month; units belong on one line"),
                g.lines_of(h),
            );
        }
    }
}
