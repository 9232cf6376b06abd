//! CD007 code-not-audited: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::Finding;

check! {
    CD007, "CD007", "code-not-audited", Info,
    what: "(claims given) A claim line whose code is a well-formed HCPCS code that ccm has no \
           rule for (an office visit, a device supply, a code of a program ccm does not \
           audit). The line passes through to clean_claims.csv untouched, unchecked; one \
           finding per code names its lines. A code with modifiers (99490-GT, 99490 GT, \
           99490:95) is checked as its code; a cell that is no HCPCS code at all (99490.0, \
           9949O) is an invalid value (IN002) and the line is held.",
    why: "A verify run that skips lines without a word reads as if they were checked; the \
          biller should know which lines ccm vouches for and which it did not look at.",
    example: "claims.csv lines 4 and 5: 99213 (an office visit) on P0001's March claim.",
    source: "ccm's rules tables (rules/<year>/codes.csv list every code ccm audits); CMS \
             HCPCS Level II and AMA CPT code formats.",
    fix: "Nothing needs fixing for a code meant to pass through (an office visit, a supply), but \
          check those lines by other means; if it is a mistyped care-management code, correct it \
          on the claim line and run again.",
}

/// The finding for one code ccm has no rule for, on `lines` claim lines.
pub fn finding(code: &str, lines: usize) -> Finding {
    Finding::new(
        &CD007,
        format!(
            "{code} is not a code ccm audits (not in its rules tables): {lines} line(s) pass through unchecked"
        ),
    )
}
