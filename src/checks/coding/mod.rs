//! CD-series: claim lines that break the code rules whatever the evidence (verify mode).
//! Pairings, caps and families come from rules/<year>/codes.csv; codes exclusive within a
//! month from rules/<year>/exclusive.csv.

#[path = "cd001_addon_without_base.rs"]
pub mod cd001;
#[path = "cd002_addon_wrong_base.rs"]
pub mod cd002;
#[path = "cd003_units_over_limit.rs"]
pub mod cd003;
#[path = "cd004_conflicting_ccm_codes.rs"]
pub mod cd004;
#[path = "cd005_duplicate_claim.rs"]
pub mod cd005;
#[path = "cd006_date_of_service_invalid.rs"]
pub mod cd006;
#[path = "cd007_code_not_audited.rs"]
pub mod cd007;
#[path = "cd008_exclusive_codes_same_month.rs"]
pub mod cd008;
#[path = "cd009_filing_deadline_passed.rs"]
pub mod cd009;
#[path = "cd010_code_outside_its_life.rs"]
pub mod cd010;
#[path = "cd011_billed_by_two_practitioners.rs"]
pub mod cd011;
#[path = "cd012_claim_lists_too_few_chronic.rs"]
pub mod cd012;
#[path = "cd013_claim_incomplete.rs"]
pub mod cd013;

pub use cd001::CD001;
pub use cd002::CD002;
pub use cd003::CD003;
pub use cd004::CD004;
pub use cd005::CD005;
pub use cd006::CD006;
pub use cd007::CD007;
pub use cd008::CD008;
pub use cd009::CD009;
pub use cd010::CD010;
pub use cd011::CD011;
pub use cd012::CD012;
pub use cd013::CD013;

use super::scope::{ClaimGroup, Emit};
use crate::domain::Claim;
use crate::rules::{Ruleset, YearRules};
use chrono::NaiveDate;

/// The code rules on one patient-month and practitioner's claim lines of one program
/// (`lines` hold only that program's codes, from one claims file): every claim-group check
/// of the registry, writing through `emit`. `threshold_day` gives the day a base code's
/// threshold was met, if it was; `died` the patient's recorded death, if any.
pub fn code_checks(
    rules: &Ruleset,
    yr: &YearRules,
    lines: &[&Claim],
    (as_of, died): (NaiveDate, Option<NaiveDate>),
    threshold_day: impl Fn(&str) -> Option<NaiveDate>,
    emit: &mut Emit,
) {
    let mut codes: Vec<&str> = lines.iter().map(|c| c.hcpcs.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let group = ClaimGroup {
        rules,
        program: emit.program,
        year: yr,
        lines,
        codes: &codes,
        as_of,
        died,
        threshold_day: &threshold_day,
    };
    for check in super::claim_group_checks() {
        check(&group, emit);
    }
}

/// The add-on codes claimed without their own base, with the other bases claimed beside
/// them (CD001 when there are none, CD002 when there are).
fn orphan_addons<'a>(g: &ClaimGroup<'a>) -> Vec<(&'a str, &'a str, Vec<&'a str>)> {
    let mut out = Vec::new();
    for &h in g.codes {
        let Some(r) = g.rule(h) else {
            continue;
        };
        if r.is_addon && !g.codes.contains(&r.addon_to.as_str()) {
            let other_bases: Vec<&str> = g
                .codes
                .iter()
                .copied()
                .filter(|c| g.rule(c).is_some_and(|x| !x.is_addon))
                .collect();
            out.push((h, r.addon_to.as_str(), other_bases));
        }
    }
    out
}
