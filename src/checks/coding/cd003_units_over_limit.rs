//! CD003 units-over-limit: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD003, "CD003", "units-over-limit", Error,
    what: "More units of a code in a patient-month than its monthly cap (base codes 1; 99439 2, \
           99437 2, 99489 10 from the CMS MUE table; caps are data in codes.csv).",
    why: "Units above the Medically Unlikely Edit are denied; billed anyway they are an audit \
          finding on their face.",
    example: "99439 with 3 units in one month (cap 2).",
    source: "CMS NCCI Medically Unlikely Edits, practitioner services, 2024-07-01.",
    fix: "Reduce the line's units to the monthly cap (caps are in rules/<year>/codes.csv) and to \
          what the minutes support, then correct the claim.",
}

/// A code's units in the month above its cap (the MUE).
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    for &h in g.codes {
        let Some(r) = g.rule(h) else { continue };
        let units: u32 = g
            .lines
            .iter()
            .filter(|c| c.hcpcs == h)
            .map(|c| c.units)
            .sum();
        if units > r.unit_cap {
            g.cite(
                emit,
                &CD003,
                format!(
                    "{units} unit(s) of {h} in one month; the cap is {}",
                    r.unit_cap
                ),
                g.lines_of(h),
            );
        }
    }
}
