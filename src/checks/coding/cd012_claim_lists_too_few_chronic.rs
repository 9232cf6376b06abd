//! CD012 claim-lists-too-few-chronic: the check's definition (its `ccm explain` text) and its
//! logic.

use crate::checks::eligibility::chronic_categories;
use crate::checks::scope::{ClaimGroup, Emit};
use crate::domain::{Program, YearMonth};

check! {
    CD012, "CD012", "claim-lists-too-few-chronic", Warning,
    what: "(claims with diagnosis columns: `diagnoses`, or `dx1` ... `dx12`) A CCM line whose \
           claim lists fewer than two chronic conditions valid on its date of service (distinct \
           ICD-10-CM categories the HCUP chronic indicator flags, in the fiscal year's code set), \
           or a PCM line whose claim lists none. A warning: the claim is not held, because \
           Medicare's rule is about the patient, and the problem list decides that (EL001, \
           EL002); this says what the claim itself shows a reviewer. Without diagnosis columns \
           the claims are not checked for it.",
    why: "A reviewer who reads only the claim sees its diagnoses: OIG's audit plan targets CCM \
          paid on claims without multiple chronic conditions, and payers that follow the CPT \
          descriptor deny CCM billed without a primary and a secondary chronic diagnosis.",
    example: "claims.csv line 2: 99490 for P0001 in 2025-03 lists I10 alone: one chronic \
              condition on the claim, though the problem list has two.",
    source: "CMS MLN909188 (CCM: two or more chronic conditions; PCM: one); AMA CPT 99490 and \
             99424 descriptors; HCUP Chronic Condition Indicator Refined (AHRQ); OIG Work Plan \
             (care management). Severity: docs/inputs.md, claims.",
    fix: "Add the patient's chronic conditions to the claim's diagnosis codes (ICD-10-CM codes \
          valid on the date of service; at least two distinct conditions for CCM, one for PCM), \
          from the problem list that supports the month.",
}

/// Each CCM or PCM line whose claim lists too few chronic conditions.
pub fn check(g: &ClaimGroup, emit: &mut Emit) {
    let needed = match Program::parse(g.program) {
        Some(Program::Ccm) => 2,
        Some(Program::Pcm) => 1,
        _ => return,
    };
    for c in g.lines {
        let Some(dx) = &c.dx else { continue };
        let listed = chronic_categories(g.rules, dx, YearMonth::of(c.date_of_service));
        if listed.len() >= needed {
            continue;
        }
        let written = if dx.is_empty() {
            "no diagnosis".to_string()
        } else {
            dx.iter().map(|d| d.dotted()).collect::<Vec<_>>().join(", ")
        };
        let msg = format!(
            "{} dated {}: the claim lists {written}, {} chronic condition(s) valid on its date of service; {} needs {needed} or more",
            c.hcpcs,
            c.date_of_service,
            listed.len(),
            g.program
        );
        g.cite(emit, &CD012, msg, vec![(c.file, c.line)]);
    }
}
