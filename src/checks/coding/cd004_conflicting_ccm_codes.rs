//! CD004 conflicting-ccm-codes: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{ClaimGroup, Emit};

check! {
    CD004, "CD004", "conflicting-ccm-codes", Error,
    what: "More than one CCM family claimed in one patient-month by one practitioner: \
           99490(+99439), 99487(+99489) and 99491(+99437) exclude each other.",
    why: "CMS pays one CCM family per patient per month; claiming two bills the same time twice.",
    example: "99490 and 99491 for P0013 in 2025-03 under NPI 1753064827.",
    source: "CMS MLN909188; CPT CCM reporting rules as adopted by CMS.",
    fix: "Keep one CCM family on the patient-month's claim, the one whose requirements the \
          documentation meets (whose time, how complex), and remove the other family's lines; a \
          run without --claims shows which family the evidence supports.",
}

/// More than one family of the program in one month.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    let mut families: Vec<&str> = g
        .codes
        .iter()
        .filter_map(|h| g.rule(h))
        .map(|r| r.family.as_str())
        .collect();
    families.sort_unstable();
    families.dedup();
    if families.len() > 1 {
        g.cite(
            emit,
            &CD004,
            format!(
                "more than one {} family in one month: {}",
                g.program,
                g.codes.join(", ")
            ),
            g.lines.iter().map(|c| (c.file, c.line)).collect(),
        );
    }
}
