//! EL-series: the patient must have the conditions CCM is for.

#[path = "el001_too_few_chronic_conditions.rs"]
pub mod el001;
#[path = "el002_no_qualifying_condition.rs"]
pub mod el002;
#[path = "el003_unknown_diagnosis_code.rs"]
pub mod el003;
#[path = "el004_missing_initiating_visit.rs"]
pub mod el004;
#[path = "el005_missing_care_plan.rs"]
pub mod el005;
#[path = "el006_diagnosis_status_without_date.rs"]
pub mod el006;
#[path = "el007_diagnosis_not_verifiable.rs"]
pub mod el007;

pub use el001::EL001;
pub use el002::EL002;
pub use el003::EL003;
pub use el004::EL004;
pub use el005::EL005;
pub use el006::EL006;
pub use el007::EL007;

use crate::checks::scope::{Emit, PatientMonth, RunFacts};
use crate::domain::YearMonth;
use crate::domain::{Check, Diagnosis, Finding, Kind, Program};
use crate::rules::Ruleset;

/// The conditions that count for a month: the chronic diagnoses (valid, active), in
/// problem-list order, the invalid codes seen (EL003), and the codes the month's code set
/// cannot verify because its fiscal year has no set of its own (EL007), each with whether
/// it still counts (its category is chronic).
pub struct Conditions<'a> {
    /// The chronic diagnoses active in the month, one per code, in code order.
    pub chronic: Vec<&'a Diagnosis>,
    pub invalid: Vec<&'a Diagnosis>,
    pub unverifiable: Vec<(&'a Diagnosis, bool)>,
}

impl Conditions<'_> {
    /// Distinct 3-character categories among the chronic diagnoses.
    pub fn categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self.chronic.iter().map(|d| d.code.category()).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
    /// Up to four claim diagnoses: one per distinct condition first, then further codes of
    /// the same conditions, each in code order. Not the problem list's row order: which
    /// condition is primary is the clinician's call, not the export's, and a file sorted
    /// another way must give the same claim.
    pub fn claim_codes(&self) -> Vec<String> {
        let chronic = &self.chronic;
        let mut out: Vec<&Diagnosis> = Vec::new();
        let mut seen_cat: Vec<&str> = Vec::new();
        for d in chronic {
            if !seen_cat.contains(&d.code.category()) {
                seen_cat.push(d.code.category());
                out.push(d);
            }
        }
        for d in chronic {
            if !out.iter().any(|o| o.code == d.code) {
                out.push(d);
            }
        }
        out.into_iter().take(4).map(|d| d.code.dotted()).collect()
    }
}

/// How one diagnosis code counts in a month, decided here for the problem list (EL001,
/// EL002, EL003, EL007) and a claim's own diagnoses (CD012) alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeIn {
    /// Valid in the month's code set, and its category chronic.
    Chronic,
    /// Valid, not chronic.
    NotChronic,
    /// Not a billable code in the month's code set (a header, a typo).
    Invalid,
    /// The month's fiscal year has no set of its own and the nearest lacks the code: it
    /// may be new; it counts when its category is chronic.
    Unverifiable { chronic: bool },
}

impl CodeIn {
    /// Whether the code counts as a chronic condition.
    pub fn counts(self) -> bool {
        matches!(
            self,
            CodeIn::Chronic | CodeIn::Unverifiable { chronic: true }
        )
    }
}

/// How `code` counts in `month`. A month whose fiscal year has no set is checked against
/// the nearest one: a code absent from it may be new, so it is not verifiable rather than
/// unknown. A header there (codes under it) stays unknown when it is a 3-character
/// category (E11: never billable) or the set is older than the month (codes are expanded,
/// not merged back); in a set newer than the month, a longer header may have been billable
/// before it was expanded (E66.8 until FY2025 gave it E66.81x and E66.89): not verifiable.
pub fn code_in(rules: &Ruleset, code: &str, month: YearMonth) -> CodeIn {
    if !rules.is_valid_code(code, month) {
        let (used, exact) = rules.code_set_for(month);
        let newer_set = used > Ruleset::own_fiscal_year(month);
        if exact || (rules.is_header_code(code, month) && (code.len() <= 3 || !newer_set)) {
            CodeIn::Invalid
        } else {
            CodeIn::Unverifiable {
                chronic: rules.chronic_category(code),
            }
        }
    } else if rules.chronic_flag(code) == 1 {
        CodeIn::Chronic
    } else {
        CodeIn::NotChronic
    }
}

/// The distinct chronic conditions (3-character categories) among `codes` in `month`.
pub fn chronic_categories<'c>(
    rules: &Ruleset,
    codes: &'c [crate::domain::Icd10],
    month: YearMonth,
) -> Vec<&'c str> {
    let mut c: Vec<&str> = codes
        .iter()
        .filter(|d| code_in(rules, d.as_str(), month).counts())
        .map(|d| d.category())
        .collect();
    c.sort_unstable();
    c.dedup();
    c
}

pub fn conditions<'a>(
    rules: &Ruleset,
    diags: &[&'a Diagnosis],
    month: YearMonth,
) -> Conditions<'a> {
    let (first, last) = (month.first_day(), month.last_day());
    let mut chronic = Vec::new();
    let mut invalid = Vec::new();
    let mut unverifiable = Vec::new();
    for d in diags {
        let active = d.onset.is_none_or(|o| o <= last) && d.resolved.is_none_or(|r| r >= first);
        if !active {
            continue;
        }
        let how = code_in(rules, d.code.as_str(), month);
        match how {
            CodeIn::Invalid => invalid.push(*d),
            CodeIn::Unverifiable { chronic: counts } => unverifiable.push((*d, counts)),
            CodeIn::Chronic | CodeIn::NotChronic => {}
        }
        if how.counts() && !chronic.iter().any(|c: &&Diagnosis| c.code == d.code) {
            chronic.push(*d);
        }
    }
    // In code order, once (each code is here once): the claim's diagnoses follow it.
    chronic.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    Conditions {
        chronic,
        invalid,
        unverifiable,
    }
}

/// Whether a visit code initiates CCM (codes are data).
pub fn initiating(rules: &Ruleset, hcpcs: &str) -> bool {
    rules.initiating_visits.iter().any(|c| c == hcpcs)
}
/// Without a diagnoses file, once for the run, `check` for each program audited that `pick`
/// selects: conditions cannot be proven, so no claim can be clean.
pub(super) fn no_diagnoses_file(
    run: &RunFacts,
    out: &mut Vec<Finding>,
    check: &'static Check,
    pick: impl Fn(Program) -> bool,
) {
    if run.ds.diagnoses.is_some() {
        return;
    }
    for p in run.programs.iter().copied().filter(|p| pick(*p)) {
        out.push(
            Finding::new(
                check,
                format!(
                    "no diagnoses file was given or found beside the time log: chronic conditions cannot be proven, so no {} claim can be clean (give --diagnoses FILE)",
                    p.as_str()
                ),
            )
            .program(p.as_str()),
        );
    }
}

/// `check` when fewer than `needed` distinct chronic conditions are active in the month
/// (when a diagnoses file is given); cites the patient's problem-list lines.
pub(super) fn too_few(pm: &PatientMonth, emit: &mut Emit, check: &'static Check, needed: usize) {
    if pm.run.ds.diagnoses.is_none() {
        return;
    }
    let cats = pm.conditions.categories();
    if cats.len() >= needed {
        return;
    }
    let f = emit.finding(
        check,
        format!(
            "{} distinct chronic condition(s) active in {}{}; {} needs {}",
            cats.len(),
            pm.month,
            if cats.is_empty() {
                String::new()
            } else {
                format!(" ({})", cats.join(", "))
            },
            pm.program.as_str(),
            if needed == 1 { "one" } else { "two or more" }
        ),
    );
    emit.cited(
        f,
        pm.diagnoses.iter().map(|d| (d.file, d.line)),
        pm.run.first_file(Kind::Diagnoses),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_in_a_newer_code_set_may_have_been_billable_before_it_was_expanded() {
        let r = Ruleset::embedded(crate::checks::lookup).unwrap();
        let m = |s: &str| YearMonth::parse(s).unwrap();
        // FY2025 expanded E66.8 (E66.81x, E66.89): billable in FY2024, a header since.
        assert_eq!(code_in(&r, "E668", m("2025-03")), CodeIn::Invalid);
        assert_eq!(
            code_in(&r, "E668", m("2024-09")),
            CodeIn::Unverifiable { chronic: true }
        );
        // A 3-character category was never billable, in any year.
        assert_eq!(code_in(&r, "E11", m("2024-09")), CodeIn::Invalid);
        // After the latest set, a header stays one (codes are expanded, not merged back).
        let last = r.fiscal_year(m("2099-01"));
        assert_eq!(
            code_in(&r, "E116", m(&format!("{last}-10"))),
            CodeIn::Invalid
        );
        assert_eq!(code_in(&r, "E119", m("2024-09")), CodeIn::Chronic);
    }
}
