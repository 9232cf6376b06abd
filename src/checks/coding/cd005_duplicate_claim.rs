//! CD005 duplicate-claim: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD005, "CD005", "duplicate-claim", Error,
    what: "The same code on more than one claim line for the same patient-month and practitioner \
           (units belong on one line).",
    why: "Duplicate lines are the most common CCM overpayment after duplicate practitioners.",
    example: "Two 99439 lines for P0009 in 2025-03 (claims.csv lines 14 and 15).",
    source: "OIG A-07-17-05101; CMS claims processing manual ch. 12.",
    fix: "Merge the lines into one line carrying the total units, or delete the repeated line if \
          it is the same service claimed twice; if both were already paid, void the extra claim \
          line.",
}

/// A code on more than one line of the month.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    for &h in g.codes {
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
