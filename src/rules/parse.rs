//! One parser per kind of rule file, each checking what it reads. Errors name the file.

use super::{Clash, CodeRule, Fee, RulesError, TimeKind, bad, pack_code};
use crate::domain::{RoleClass, Severity, norm_key, normalise_note, parse_date};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;

/// The records of a CSV rule file with a header row; unknown columns (`label`, `source`)
/// document the data and are not read.
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
}

/// `<year>/codes.csv`.
pub(super) fn codes(name: &str, text: &str) -> Result<Vec<CodeRule>, RulesError> {
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

/// `<year>/fees.csv`, by code.
pub(super) fn fees(name: &str, text: &str) -> Result<HashMap<String, Fee>, RulesError> {
    let rows: Vec<FeeRow> = records(name, text)?;
    let mut out = HashMap::new();
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        // An RVU is a small non-negative number (CCM codes are 0.04-2.5): a negative or huge
        // one would price lines below zero or past any real amount.
        let d = |f: &str, v: &str| {
            let x = Decimal::from_str(v.trim())
                .map_err(|_| bad(name, format!("line {line}: {}: {f} {v:?}", r.hcpcs)))?;
            if x.is_sign_negative() || x > Decimal::from(100) {
                return Err(bad(
                    name,
                    format!("line {line}: {}: {f} {v} is outside 0-100", r.hcpcs),
                ));
            }
            Ok(x)
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

/// `<year>/conversion.csv`: (from, to inclusive, conversion factor).
pub(super) fn conversion(
    name: &str,
    text: &str,
) -> Result<Vec<(NaiveDate, NaiveDate, Decimal)>, RulesError> {
    let rows: Vec<ConvRow> = records(name, text)?;
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let line = i + 2;
            let from = parse_date(&r.effective_from).ok_or_else(|| {
                bad(
                    name,
                    format!("line {line}: bad date {:?}", r.effective_from),
                )
            })?;
            let to = parse_date(&r.effective_to)
                .ok_or_else(|| bad(name, format!("line {line}: bad date {:?}", r.effective_to)))?;
            let cf = Decimal::from_str(r.conversion_factor.trim()).map_err(|_| {
                bad(
                    name,
                    format!("line {line}: bad factor {:?}", r.conversion_factor),
                )
            })?;
            // CMS's factor has been 32-39 dollars per RVU; anything not positive or past 1000
            // is a typo that would misprice every line.
            if cf <= Decimal::ZERO || cf > Decimal::from(1000) {
                return Err(bad(
                    name,
                    format!("line {line}: conversion factor {cf} is outside 0-1000"),
                ));
            }
            if to < from {
                return Err(bad(
                    name,
                    format!("line {line}: ends {to} before it starts {from}"),
                ));
            }
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

/// `<year>/clashes.csv`; `is_check` says whether a code names a check.
pub(super) fn clashes(
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

/// `<year>/roles.csv`, by normalised role name.
pub(super) fn roles(name: &str, text: &str) -> Result<HashMap<String, RoleClass>, RulesError> {
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

/// `chronic/*.csv` (code,flag): sorted by packed code, one flag per code.
pub(super) fn chronic(name: &str, text: &str) -> Result<Vec<(u64, u8)>, RulesError> {
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

/// `icd10cm/fyYYYY.txt`, one code a line: sorted packed codes, no duplicates. A line that
/// cannot be packed (longer than 8 characters) is no code and is skipped.
pub(super) fn code_set(text: &str) -> Vec<u64> {
    let mut set: Vec<u64> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter_map(pack_code)
        .collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// `documentation/vague_phrases.txt`: the normalised phrases and `min_chars=N`, the
/// shortest note worth keeping (0 when absent). `#` starts a comment line.
pub(super) fn vague_phrases(name: &str, text: &str) -> Result<(Vec<String>, usize), RulesError> {
    let mut phrases = Vec::new();
    let mut min_chars = 0;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(v) = line.strip_prefix("min_chars=") {
            min_chars = num(name, "min_chars", v)?;
        } else {
            phrases.push(normalise_note(line));
        }
    }
    Ok((phrases, min_chars))
}

#[derive(Deserialize)]
struct VisitRow {
    hcpcs: String,
}

/// `initiating_visits.csv`: the visit codes, upper case.
pub(super) fn initiating_visits(name: &str, text: &str) -> Result<Vec<String>, RulesError> {
    Ok(records::<VisitRow>(name, text)?
        .into_iter()
        .map(|r| r.hcpcs.trim().to_ascii_uppercase())
        .collect())
}
