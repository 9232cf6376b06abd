//! Rules as data: the code table, clashes, fees, roles, chronic flags and ICD-10-CM code
//! sets, one ruleset per calendar year. Embedded in the binary; `--rules DIR` replaces any
//! file it holds (same layout), the rest stay embedded.

use crate::domain::{Money, RoleClass, Severity, YearMonth, norm_key};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

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

/// The embedded defaults: (relative path, contents).
const EMBEDDED: &[(&str, &str)] = &[
    ("2024/codes.csv", include_str!("../rules/2024/codes.csv")),
    ("2024/fees.csv", include_str!("../rules/2024/fees.csv")),
    (
        "2024/conversion.csv",
        include_str!("../rules/2024/conversion.csv"),
    ),
    (
        "2024/clashes.csv",
        include_str!("../rules/2024/clashes.csv"),
    ),
    ("2024/roles.csv", include_str!("../rules/2024/roles.csv")),
    ("2025/codes.csv", include_str!("../rules/2025/codes.csv")),
    ("2025/fees.csv", include_str!("../rules/2025/fees.csv")),
    (
        "2025/conversion.csv",
        include_str!("../rules/2025/conversion.csv"),
    ),
    (
        "2025/clashes.csv",
        include_str!("../rules/2025/clashes.csv"),
    ),
    ("2025/roles.csv", include_str!("../rules/2025/roles.csv")),
    ("2026/codes.csv", include_str!("../rules/2026/codes.csv")),
    ("2026/fees.csv", include_str!("../rules/2026/fees.csv")),
    (
        "2026/conversion.csv",
        include_str!("../rules/2026/conversion.csv"),
    ),
    (
        "2026/clashes.csv",
        include_str!("../rules/2026/clashes.csv"),
    ),
    ("2026/roles.csv", include_str!("../rules/2026/roles.csv")),
    (
        "chronic/ccir_v2023_1.csv",
        include_str!("../rules/chronic/ccir_v2023_1.csv"),
    ),
    (
        "icd10cm/fy2025.txt",
        include_str!("../rules/icd10cm/fy2025.txt"),
    ),
    (
        "icd10cm/fy2026.txt",
        include_str!("../rules/icd10cm/fy2026.txt"),
    ),
    (
        "documentation/vague_phrases.txt",
        include_str!("../rules/documentation/vague_phrases.txt"),
    ),
    (
        "initiating_visits.csv",
        include_str!("../rules/initiating_visits.csv"),
    ),
];

const YEAR_FILES: &[&str] = &[
    "codes.csv",
    "fees.csv",
    "conversion.csv",
    "clashes.csv",
    "roles.csv",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeKind {
    /// Clinical staff time; a practitioner's time counts too.
    Staff,
    /// The billing practitioner personally.
    Practitioner,
    None,
}

#[derive(Clone, Debug)]
pub struct CodeRule {
    pub hcpcs: String,
    pub program: String,
    pub family: String,
    pub is_addon: bool,
    pub time: TimeKind,
    pub threshold: u32,
    pub increment: u32,
    pub unit_cap: u32,
    pub addon_to: String,
    pub tie_rank: u32,
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Fee {
    pub work: Decimal,
    pub pe_nonfac: Decimal,
    pub mp: Decimal,
}

#[derive(Clone, Debug)]
pub struct Clash {
    pub program: String,
    pub code: String,
    /// [same, different, unknown] practitioner; `None` = allowed.
    pub cms: [Option<Severity>; 3],
    pub strict: [Option<Severity>; 3],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Cms,
    Strict,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Cms => "cms",
            Policy::Strict => "strict",
        }
    }
}

/// Who bills the other program, relative to the CCM practitioner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Same = 0,
    Different = 1,
    Unknown = 2,
}

impl Clash {
    pub fn severity(&self, policy: Policy, rel: Relation) -> Option<Severity> {
        match policy {
            Policy::Cms => self.cms[rel as usize],
            Policy::Strict => self.strict[rel as usize],
        }
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
        Some(crate::domain::cents(
            (fee.work + fee.pe_nonfac + fee.mp) * cf,
        ))
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
    /// The embedded rules. `is_check` says whether a code names a check (the clash table
    /// may only name checks; the catalogue lives above this layer).
    pub fn embedded(is_check: fn(&str) -> bool) -> Result<Ruleset, RulesError> {
        Self::load(None, is_check)
    }

    /// The embedded rules with every file present in `dir` replacing its twin.
    pub fn load(dir: Option<&Path>, is_check: fn(&str) -> bool) -> Result<Ruleset, RulesError> {
        let mut files: BTreeMap<String, (String, String)> = EMBEDDED
            .iter()
            .map(|(p, c)| (p.to_string(), (format!("embedded:{p}"), c.to_string())))
            .collect();
        let mut origin = "embedded".to_string();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(bad(&dir.display().to_string(), "not a directory"));
            }
            let mut replaced = Vec::new();
            for rel in candidate_paths(dir) {
                let full = dir.join(&rel);
                if full.is_file() {
                    let text = std::fs::read_to_string(&full).map_err(|e| RulesError::Io {
                        file: full.display().to_string(),
                        source: e,
                    })?;
                    replaced.push(rel.clone());
                    files.insert(rel, (full.display().to_string(), text));
                }
            }
            origin = format!(
                "{} ({} file(s) replaced: {})",
                dir.display(),
                replaced.len(),
                if replaced.is_empty() {
                    "none".to_string()
                } else {
                    replaced.join(", ")
                }
            );
        }

        let mut years = BTreeMap::new();
        let year_names: Vec<i32> = files
            .keys()
            .filter_map(|k| k.split_once('/'))
            .filter_map(|(y, _)| y.parse().ok())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for y in year_names {
            let get = |f: &str| {
                files
                    .get(&format!("{y}/{f}"))
                    .ok_or_else(|| bad(&format!("{y}/{f}"), "missing for this year"))
            };
            let (n, t) = get("codes.csv")?;
            let codes = parse_codes(n, t)?;
            let (n, t) = get("fees.csv")?;
            let fees = parse_fees(n, t)?;
            let (n, t) = get("conversion.csv")?;
            let conversion = parse_conversion(n, t)?;
            let (n, t) = get("clashes.csv")?;
            let clashes = parse_clashes(n, t, is_check)?;
            let (n, t) = get("roles.csv")?;
            let roles = parse_roles(n, t)?;
            years.insert(
                y,
                YearRules {
                    year: y,
                    codes,
                    fees,
                    conversion,
                    clashes,
                    roles,
                },
            );
        }
        if years.is_empty() {
            return Err(bad("rules", "no year rules"));
        }

        let (n, t) = files
            .get("chronic/ccir_v2023_1.csv")
            .ok_or_else(|| bad("chronic/ccir_v2023_1.csv", "missing"))?;
        let chronic = parse_chronic(n, t)?;
        let mut code_sets = BTreeMap::new();
        for (k, (n, t)) in &files {
            if let Some(fy) = k
                .strip_prefix("icd10cm/fy")
                .and_then(|r| r.strip_suffix(".txt"))
            {
                let fy: i32 = fy.parse().map_err(|_| bad(n, "name must be fyYYYY.txt"))?;
                let mut set: Vec<u64> = t
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .filter_map(pack_code)
                    .collect();
                set.sort_unstable();
                set.dedup();
                code_sets.insert(fy, set);
            }
        }
        if code_sets.is_empty() {
            return Err(bad("icd10cm", "no code set"));
        }
        let (n, t) = files
            .get("documentation/vague_phrases.txt")
            .ok_or_else(|| bad("documentation/vague_phrases.txt", "missing"))?;
        let mut vague_phrases = Vec::new();
        let mut note_min_chars = 0;
        for line in t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some(v) = line.strip_prefix("min_chars=") {
                note_min_chars = num(n, "min_chars", v)?;
            } else {
                vague_phrases.push(crate::domain::normalise_note(line));
            }
        }
        #[derive(Deserialize)]
        struct VisitRow {
            hcpcs: String,
        }
        let (n, t) = files
            .get("initiating_visits.csv")
            .ok_or_else(|| bad("initiating_visits.csv", "missing"))?;
        let initiating_visits = records::<VisitRow>(n, t)?
            .into_iter()
            .map(|r| r.hcpcs.trim().to_ascii_uppercase())
            .collect();
        Ok(Ruleset {
            years,
            chronic,
            code_sets,
            vague_phrases,
            note_min_chars,
            initiating_visits,
            origin,
        })
    }

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

fn candidate_paths(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.len() == 4 && name.parse::<i32>().is_ok() {
                for f in YEAR_FILES {
                    out.push(format!("{name}/{f}"));
                }
            }
        }
    }
    out.push("chronic/ccir_v2023_1.csv".to_string());
    out.push("documentation/vague_phrases.txt".to_string());
    out.push("initiating_visits.csv".to_string());
    let icd: PathBuf = dir.join("icd10cm");
    if let Ok(rd) = std::fs::read_dir(icd) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("fy") && name.ends_with(".txt") {
                out.push(format!("icd10cm/{name}"));
            }
        }
    }
    out.sort();
    out
}

fn records<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, RulesError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, r) in rdr.deserialize().enumerate() {
        out.push(r.map_err(|e| bad(name, format!("record {}: {e}", i + 1)))?);
    }
    Ok(out)
}

fn num<T: FromStr>(name: &str, field: &str, v: &str) -> Result<T, RulesError> {
    v.trim()
        .parse()
        .map_err(|_| bad(name, format!("{field} {v:?} is not a number")))
}

fn opt_num(name: &str, field: &str, v: &str) -> Result<u32, RulesError> {
    if v.trim().is_empty() {
        Ok(0)
    } else {
        num(name, field, v)
    }
}

#[derive(Deserialize)]
struct CodeRow {
    hcpcs: String,
    program: String,
    family: String,
    kind: String,
    time: String,
    threshold: String,
    increment: String,
    unit_cap: String,
    addon_to: String,
    tie_rank: String,
    label: String,
}

fn parse_codes(name: &str, text: &str) -> Result<Vec<CodeRule>, RulesError> {
    let rows: Vec<CodeRow> = records(name, text)?;
    let mut out = Vec::new();
    for r in rows {
        let is_addon = match r.kind.as_str() {
            "base" => false,
            "addon" => true,
            k => {
                return Err(bad(
                    name,
                    format!("{}: kind {k:?} is not base|addon", r.hcpcs),
                ));
            }
        };
        let time = match r.time.as_str() {
            "staff" => TimeKind::Staff,
            "practitioner" => TimeKind::Practitioner,
            "none" => TimeKind::None,
            k => {
                return Err(bad(
                    name,
                    format!("{}: time {k:?} is not staff|practitioner|none", r.hcpcs),
                ));
            }
        };
        let rule = CodeRule {
            threshold: opt_num(name, "threshold", &r.threshold)?,
            increment: opt_num(name, "increment", &r.increment)?,
            unit_cap: opt_num(name, "unit_cap", &r.unit_cap)?.max(1),
            tie_rank: opt_num(name, "tie_rank", &r.tie_rank)?,
            hcpcs: r.hcpcs.to_ascii_uppercase(),
            program: r.program.to_ascii_uppercase(),
            family: r.family,
            is_addon,
            time,
            addon_to: r.addon_to,
            label: r.label,
        };
        if rule.is_addon && (rule.increment == 0 || rule.addon_to.is_empty()) {
            return Err(bad(
                name,
                format!("{}: an add-on needs increment and addon_to", rule.hcpcs),
            ));
        }
        out.push(rule);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct FeeRow {
    hcpcs: String,
    work_rvu: String,
    pe_nonfac_rvu: String,
    mp_rvu: String,
}

fn parse_fees(name: &str, text: &str) -> Result<HashMap<String, Fee>, RulesError> {
    let rows: Vec<FeeRow> = records(name, text)?;
    let mut out = HashMap::new();
    for r in rows {
        let d = |f: &str, v: &str| {
            Decimal::from_str(v.trim()).map_err(|_| bad(name, format!("{}: {f} {v:?}", r.hcpcs)))
        };
        out.insert(
            r.hcpcs.to_ascii_uppercase(),
            Fee {
                work: d("work_rvu", &r.work_rvu)?,
                pe_nonfac: d("pe_nonfac_rvu", &r.pe_nonfac_rvu)?,
                mp: d("mp_rvu", &r.mp_rvu)?,
            },
        );
    }
    Ok(out)
}

#[derive(Deserialize)]
struct ConvRow {
    effective_from: String,
    effective_to: String,
    conversion_factor: String,
}

fn parse_conversion(
    name: &str,
    text: &str,
) -> Result<Vec<(NaiveDate, NaiveDate, Decimal)>, RulesError> {
    let rows: Vec<ConvRow> = records(name, text)?;
    rows.into_iter()
        .map(|r| {
            let from = crate::domain::parse_date(&r.effective_from)
                .ok_or_else(|| bad(name, format!("bad date {:?}", r.effective_from)))?;
            let to = crate::domain::parse_date(&r.effective_to)
                .ok_or_else(|| bad(name, format!("bad date {:?}", r.effective_to)))?;
            let cf = Decimal::from_str(r.conversion_factor.trim())
                .map_err(|_| bad(name, format!("bad factor {:?}", r.conversion_factor)))?;
            Ok((from, to, cf))
        })
        .collect()
}

#[derive(Deserialize)]
struct ClashRow {
    program: String,
    code: String,
    same_cms: String,
    different_cms: String,
    unknown_cms: String,
    same_strict: String,
    different_strict: String,
    unknown_strict: String,
}

fn parse_clashes(
    name: &str,
    text: &str,
    is_check: fn(&str) -> bool,
) -> Result<Vec<Clash>, RulesError> {
    let rows: Vec<ClashRow> = records(name, text)?;
    let sev = |v: &str| -> Result<Option<Severity>, RulesError> {
        if v.trim().eq_ignore_ascii_case("allowed") {
            Ok(None)
        } else {
            Severity::parse(v).map(Some).ok_or_else(|| {
                bad(
                    name,
                    format!("severity {v:?} is not error|warning|info|allowed"),
                )
            })
        }
    };
    rows.into_iter()
        .map(|r| {
            if !r.code.trim().is_empty() && !is_check(&r.code) {
                return Err(bad(
                    name,
                    format!("{}: unknown check code {:?}", r.program, r.code),
                ));
            }
            Ok(Clash {
                program: r.program.to_ascii_uppercase(),
                code: r.code,
                cms: [
                    sev(&r.same_cms)?,
                    sev(&r.different_cms)?,
                    sev(&r.unknown_cms)?,
                ],
                strict: [
                    sev(&r.same_strict)?,
                    sev(&r.different_strict)?,
                    sev(&r.unknown_strict)?,
                ],
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct RoleRow {
    role: String,
    class: String,
}

fn parse_roles(name: &str, text: &str) -> Result<HashMap<String, RoleClass>, RulesError> {
    let rows: Vec<RoleRow> = records(name, text)?;
    rows.into_iter()
        .map(|r| {
            let class = match norm_key(&r.class).as_str() {
                "practitioner" => RoleClass::Practitioner,
                "clinical" => RoleClass::Clinical,
                "nonclinical" => RoleClass::NonClinical,
                c => return Err(bad(name, format!("{}: class {c:?}", r.role))),
            };
            Ok((norm_key(&r.role), class))
        })
        .collect()
}

fn parse_chronic(name: &str, text: &str) -> Result<Vec<(u64, u8)>, RulesError> {
    let mut out = Vec::with_capacity(80_000);
    for (i, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (code, flag) = line
            .split_once(',')
            .ok_or_else(|| bad(name, format!("line {}: expected code,flag", i + 1)))?;
        let flag: u8 = num(name, "flag", flag)?;
        if !matches!(flag, 0 | 1 | 9) {
            return Err(bad(name, format!("line {}: flag must be 0, 1 or 9", i + 1)));
        }
        let k = pack_code(&code.trim().replace('.', "").to_ascii_uppercase())
            .ok_or_else(|| bad(name, format!("line {}: bad code", i + 1)))?;
        out.push((k, flag));
    }
    out.sort_unstable();
    out.dedup_by_key(|e| e.0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::domain::parse_date(s).unwrap()
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
