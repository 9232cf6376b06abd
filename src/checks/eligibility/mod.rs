//! EL-series: the patient must have the conditions CCM is for.

mod el001_too_few_chronic_conditions;
mod el002_no_qualifying_condition;
mod el003_unknown_diagnosis_code;
mod el004_missing_initiating_visit;
mod el005_missing_care_plan;

pub use el001_too_few_chronic_conditions::EL001;
pub use el002_no_qualifying_condition::EL002;
pub use el003_unknown_diagnosis_code::EL003;
pub use el004_missing_initiating_visit::EL004;
pub use el005_missing_care_plan::EL005;

use crate::domain::Diagnosis;
use crate::domain::YearMonth;
use crate::rules::Ruleset;

/// The conditions that count for a month: the chronic diagnoses (valid, active), in
/// problem-list order, and the invalid codes seen.
pub struct Conditions<'a> {
    pub chronic: Vec<&'a Diagnosis>,
    pub invalid: Vec<&'a Diagnosis>,
}

impl Conditions<'_> {
    /// Distinct 3-character categories among the chronic diagnoses.
    pub fn categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self.chronic.iter().map(|d| d.code.category()).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
    /// Up to four claim diagnoses: one per distinct condition first (problem-list order),
    /// then further codes of the same conditions.
    pub fn claim_codes(&self) -> Vec<String> {
        let mut out: Vec<&Diagnosis> = Vec::new();
        let mut seen_cat: Vec<&str> = Vec::new();
        for d in &self.chronic {
            if !seen_cat.contains(&d.code.category()) {
                seen_cat.push(d.code.category());
                out.push(d);
            }
        }
        for d in &self.chronic {
            if !out.iter().any(|o| o.code == d.code) {
                out.push(d);
            }
        }
        out.into_iter().take(4).map(|d| d.code.dotted()).collect()
    }
}

pub fn conditions<'a>(
    rules: &Ruleset,
    diags: &[&'a Diagnosis],
    month: YearMonth,
) -> Conditions<'a> {
    let (first, last) = (month.first_day(), month.last_day());
    let mut chronic = Vec::new();
    let mut invalid = Vec::new();
    for d in diags {
        let active = d.onset.is_none_or(|o| o <= last) && d.resolved.is_none_or(|r| r >= first);
        if !active {
            continue;
        }
        if !rules.is_valid_code(d.code.as_str(), month) {
            invalid.push(*d);
        } else if rules.chronic_flag(d.code.as_str()) == 1
            && !chronic.iter().any(|c: &&Diagnosis| c.code == d.code)
        {
            chronic.push(*d);
        }
    }
    Conditions { chronic, invalid }
}

/// Whether a visit code initiates CCM (codes are data).
pub fn initiating(rules: &Ruleset, hcpcs: &str) -> bool {
    rules.initiating_visits.iter().any(|c| c == hcpcs)
}
