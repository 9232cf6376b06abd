//! Rules as data: the code table, clashes, fees, roles, chronic flags and ICD-10-CM code
//! sets, one ruleset per calendar year. Embedded in the binary; `--rules DIR` replaces any
//! file it holds (same layout), the rest stay embedded.
//!
//! - `tables`: the typed rows ([`CodeRule`], [`Fee`], [`Clash`] …);
//! - `parse`: one parser per kind of file, with its validation;
//! - `load`: which files ([`Ruleset::embedded`], [`Ruleset::load`]).
//!
//! Rules sit below the checks: whether a code in clashes.csv names a check is asked through
//! the `is_check` function the caller passes.

mod load;
mod parse;
mod tables;

pub use tables::{Clash, CodeRule, Fee, Policy, Relation, TimeKind};

use crate::domain::{Money, RoleClass, YearMonth, cents, norm_key};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("rules file {file}: {msg}")]
    Bad { file: String, msg: String },
    #[error("cannot read rules file {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

fn bad(file: &str, msg: impl Into<String>) -> RulesError {
    RulesError::Bad {
        file: file.to_string(),
        msg: msg.into(),
    }
}

/// One calendar year's parameters.
#[derive(Clone, Debug)]
pub struct YearRules {
    pub year: i32,
    pub codes: Vec<CodeRule>,
    pub fees: HashMap<String, Fee>,
    /// (from, to inclusive, conversion factor)
    pub conversion: Vec<(NaiveDate, NaiveDate, Decimal)>,
    pub clashes: Vec<Clash>,
    pub roles: HashMap<String, RoleClass>,
}

impl YearRules {
    pub fn code(&self, hcpcs: &str) -> Option<&CodeRule> {
        self.codes.iter().find(|c| c.hcpcs == hcpcs)
    }
    pub fn addon_of(&self, base: &str) -> Option<&CodeRule> {
        self.codes.iter().find(|c| c.is_addon && c.addon_to == base)
    }
    pub fn role(&self, role: &str) -> Option<RoleClass> {
        self.roles.get(&norm_key(role)).copied()
    }
    pub fn clash(&self, program: &str) -> Option<&Clash> {
        self.clashes.iter().find(|c| c.program == program)
    }
    /// National non-facility amount of one unit on that date of service, half-up to cents
    /// (as CMS publishes it). `None` when the code has no fee or no conversion factor applies.
    pub fn unit_payment(&self, hcpcs: &str, dos: NaiveDate) -> Option<Money> {
        let fee = self.fees.get(hcpcs)?;
        let cf = self
            .conversion
            .iter()
            .find(|(from, to, _)| *from <= dos && dos <= *to)
            .map(|c| c.2)?;
        Some(cents((fee.work + fee.pe_nonfac + fee.mp) * cf))
    }
}

/// All rules in effect.
#[derive(Debug)]
pub struct Ruleset {
    pub years: BTreeMap<i32, YearRules>,
    /// Chronic flags, sorted by packed code: 0 not chronic, 1 chronic, 9 no determination.
    chronic: Vec<(u64, u8)>,
    /// ICD-10-CM billable codes per fiscal year, sorted packed codes.
    code_sets: BTreeMap<i32, Vec<u64>>,
    /// Notes too thin to defend (TM006), normalised, and the minimum note length.
    pub vague_phrases: Vec<String>,
    pub note_min_chars: usize,
    /// Visit codes that initiate CCM (EL004).
    pub initiating_visits: Vec<String>,
    /// Where the rules came from, for the report.
    pub origin: String,
}

/// Packs an ICD-10-CM code of up to 8 ASCII characters into an integer key.
pub fn pack_code(code: &str) -> Option<u64> {
    let b = code.as_bytes();
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut k = 0u64;
    for (i, c) in b.iter().enumerate() {
        k |= u64::from(*c) << (56 - 8 * i);
    }
    Some(k)
}

impl Ruleset {
    /// The ruleset of a calendar year; a year without its own rules takes the nearest one.
    pub fn year(&self, year: i32) -> &YearRules {
        if let Some(r) = self.years.get(&year) {
            return r;
        }
        self.years
            .range(..=year)
            .next_back()
            .or_else(|| self.years.iter().next())
            .map(|(_, r)| r)
            .expect("at least one year")
    }

    pub fn for_month(&self, m: YearMonth) -> &YearRules {
        self.year(m.year)
    }

    /// Whether the ruleset has its own rules for that year.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The fiscal year whose code set applies to a month (FY runs Oct–Sep); before the
    /// first set we have, the first one, after the last, the last.
    pub fn fiscal_year(&self, m: YearMonth) -> i32 {
        let fy = if m.month >= 10 { m.year + 1 } else { m.year };
        let first = *self.code_sets.keys().next().expect("a code set");
        let last = *self.code_sets.keys().next_back().expect("a code set");
        fy.clamp(first, last)
    }

    /// Whether a (dot-less) code is a billable ICD-10-CM code in that month's fiscal year.
    pub fn is_valid_code(&self, code: &str, m: YearMonth) -> bool {
        let fy = self.fiscal_year(m);
        match (self.code_sets.get(&fy), pack_code(code)) {
            (Some(set), Some(k)) => set.binary_search(&k).is_ok(),
            _ => false,
        }
    }

    /// Chronic flag of a code: its own, else its nearest listed parent's, else 9.
    pub fn chronic_flag(&self, code: &str) -> u8 {
        let mut c = code;
        while c.len() >= 3 {
            if let Some(k) = pack_code(c)
                && let Ok(i) = self.chronic.binary_search_by_key(&k, |e| e.0)
            {
                return self.chronic[i].1;
            }
            c = &c[..c.len() - 1];
        }
        9
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn embedded_rules_parse_and_match_cms_amounts() {
        let r = Ruleset::embedded(crate::checks::is_check).unwrap();
        assert_eq!(
            r.years.keys().copied().collect::<Vec<_>>(),
            vec![2024, 2025, 2026]
        );
        let y25 = r.year(2025);
        assert_eq!(
            y25.unit_payment("99490", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "60.49"
        );
        assert_eq!(
            y25.unit_payment("99439", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "45.93"
        );
        assert_eq!(
            y25.unit_payment("99487", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "131.65"
        );
        assert_eq!(
            y25.unit_payment("99489", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "70.52"
        );
        assert_eq!(
            y25.unit_payment("99491", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "82.16"
        );
        assert_eq!(
            y25.unit_payment("99437", d("2025-03-31"))
                .unwrap()
                .to_string(),
            "57.58"
        );
        assert_eq!(
            r.year(2026)
                .unit_payment("99490", d("2026-01-31"))
                .unwrap()
                .to_string(),
            "66.13"
        );
        // 2024: two conversion factors split at 2024-03-09.
        let y24 = r.year(2024);
        let early = y24.unit_payment("99490", d("2024-03-08")).unwrap();
        let late = y24.unit_payment("99490", d("2024-03-09")).unwrap();
        assert_eq!(late.to_string(), "62.58");
        assert!(early < late);
        assert_eq!(y24.code("99439").unwrap().unit_cap, 2);
        assert_eq!(y24.code("99489").unwrap().unit_cap, 10);
        assert_eq!(y25.addon_of("99490").unwrap().hcpcs, "99439");
        assert_eq!(y25.role("Front Desk"), Some(RoleClass::NonClinical));
        assert_eq!(y25.role("rn"), Some(RoleClass::Clinical));
        assert_eq!(y25.role("M.D."), Some(RoleClass::Practitioner));
        assert_eq!(y25.role("wizard"), None);
        // A year without its own rules takes the nearest earlier one.
        assert_eq!(r.year(2031).year, 2026);
        assert_eq!(r.year(2019).year, 2024);
    }

    #[test]
    fn chronic_flags_and_code_sets() {
        let r = Ruleset::embedded(crate::checks::is_check).unwrap();
        for (c, f) in [
            ("I10", 1),
            ("E119", 1),
            ("N1830", 1),
            ("I509", 1),
            ("J449", 1),
            ("E785", 1),
            ("F329", 1),
            ("R69", 0),
            ("Z7901", 9),
        ] {
            assert_eq!(r.chronic_flag(c), f, "{c}");
        }
        // Parent fallback: an unlisted child of a chronic code is chronic; junk is 9.
        assert_eq!(r.chronic_flag("E119Z"), 1);
        assert_eq!(r.chronic_flag("QQQ1"), 9);
        let m = YearMonth::parse("2025-03").unwrap();
        assert!(r.is_valid_code("E119", m));
        assert!(!r.is_valid_code("E11", m));
        assert_eq!(r.fiscal_year(m), 2025);
        assert_eq!(r.fiscal_year(YearMonth::parse("2025-10").unwrap()), 2026);
        assert_eq!(r.fiscal_year(YearMonth::parse("2023-01").unwrap()), 2025);
    }
}
