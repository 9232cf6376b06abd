//! One parser per kind of rule file, each checking what it reads. Errors name the file.

use super::tables::{CodeLife, DevicePer, DeviceRule, ExclusiveScope, Life};
use super::{Clash, CodeRule, Exclusive, Fee, RulesError, Statuses, TimeKind, bad, pack_code};
use crate::domain::{
    ClaimStatus, ConsentStatus, ProblemStatus, RoleClass, Severity, norm_key, normalise_note,
    parse_date, well_formed_hcpcs,
};
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
            life: Life::ALWAYS,
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
    /// `all` (blank), `non_apm` or `qualifying_apm`: which practitioners the factor is for.
    #[serde(default)]
    applies_to: String,
}

/// Which practitioners a conversion factor is for (since 2026 CMS pays qualifying APM
/// participants a factor of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    All,
    NonApm,
    QualifyingApm,
}

/// One row of `<year>/conversion.csv`.
pub type ConvRange = (NaiveDate, NaiveDate, Decimal, Applies);

/// `<year>/conversion.csv`: (from, to inclusive, conversion factor, for whom).
pub(super) fn conversion(name: &str, text: &str) -> Result<Vec<ConvRange>, RulesError> {
    let rows: Vec<ConvRow> = records(name, text)?;
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let applies = match r.applies_to.trim() {
                "" | "all" => Applies::All,
                "non_apm" => Applies::NonApm,
                "qualifying_apm" => Applies::QualifyingApm,
                other => {
                    return Err(bad(
                        name,
                        format!(
                            "line {}: applies_to {other:?} is not all, non_apm or qualifying_apm",
                            i + 2
                        ),
                    ));
                }
            };
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
            Ok((from, to, cf, applies))
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
    /// The program's codes (optional column): a claim line with one is evidence of the
    /// program in its month. Codes and ranges (`90951-90970`) separated by spaces.
    #[serde(default)]
    hcpcs: String,
    /// The audited programs whose months the row applies to (optional column): `CCM`,
    /// `PCM` or both, separated by spaces; blank or absent is CCM.
    #[serde(default)]
    audited: String,
}

/// The audited programs of a `clashes.csv` `audited` cell: CCM and PCM, blank is CCM.
fn clash_audited(
    name: &str,
    line: usize,
    cell: &str,
) -> Result<Vec<crate::domain::Program>, RulesError> {
    use crate::domain::Program;
    let mut out = Vec::new();
    for tok in cell.split_whitespace() {
        match Program::parse(tok) {
            Some(p @ (Program::Ccm | Program::Pcm)) if !out.contains(&p) => out.push(p),
            _ => {
                return Err(bad(
                    name,
                    format!("line {line}: audited {tok:?} is not CCM or PCM (once each)"),
                ));
            }
        }
    }
    if out.is_empty() {
        out.push(Program::Ccm);
    }
    Ok(out)
}

/// The codes of a `clashes.csv` `hcpcs` cell: well-formed HCPCS codes and ranges of them
/// (`90951-90970`: one letter or digit prefix kept, the numbers counted), upper case.
fn clash_codes(name: &str, line: usize, cell: &str) -> Result<Vec<String>, RulesError> {
    let mut out = Vec::new();
    for tok in cell.split_whitespace() {
        let tok = tok.to_ascii_uppercase();
        let (a, b) = tok.split_once('-').unwrap_or((&tok, &tok));
        let num = |c: &str| -> Option<(char, u32)> {
            let first = c.chars().next()?;
            let rest: u32 = c[first.len_utf8()..].parse().ok()?;
            (well_formed_hcpcs(c) && c[1..].bytes().all(|b| b.is_ascii_digit()))
                .then_some((first, rest))
        };
        let range = match (num(a), num(b)) {
            (Some((pa, x)), Some((pb, y))) if pa == pb && x <= y && y - x < 100 => (pa, x, y),
            _ if a == b && well_formed_hcpcs(a) => {
                out.push(a.to_string());
                continue;
            }
            _ => {
                return Err(bad(
                    name,
                    format!(
                        "line {line}: hcpcs {tok:?} is not a HCPCS code or a range of fewer than 100 codes"
                    ),
                ));
            }
        };
        let (prefix, x, y) = range;
        for n in x..=y {
            out.push(format!("{prefix}{n:04}"));
        }
    }
    Ok(out)
}

/// `<year>/clashes.csv`; `check_of` finds the check a code names.
pub(super) fn clashes(
    name: &str,
    text: &str,
    check_of: super::load::CheckOf,
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
        .enumerate()
        .map(|(i, r)| {
            let check = check_of(&r.code);
            if !r.code.trim().is_empty() && check.is_none() {
                return Err(bad(
                    name,
                    format!("{}: unknown check code {:?}", r.program, r.code),
                ));
            }
            Ok(Clash {
                hcpcs: clash_codes(name, i + 2, &r.hcpcs)?,
                audited: clash_audited(name, i + 2, &r.audited)?,
                known: crate::domain::Program::parse(&r.program),
                program: r.program.to_ascii_uppercase(),
                check,
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
struct ExclusiveRow {
    code_a: String,
    code_b: String,
    scope: String,
    source: String,
}

/// `<year>/exclusive.csv`: pairs of well-formed HCPCS codes (upper case, not necessarily in
/// codes.csv), each with scope `month` and a source; no pair twice, in either order.
pub(super) fn exclusive(name: &str, text: &str) -> Result<Vec<Exclusive>, RulesError> {
    let rows: Vec<ExclusiveRow> = records(name, text)?;
    let mut out: Vec<Exclusive> = Vec::new();
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        // A cell is one code, or codes and ranges separated by spaces (`98975-98978 98980`):
        // every code of one side excludes every code of the other.
        let side = |field: &str, cell: &str| -> Result<Vec<String>, RulesError> {
            let cell = cell.trim();
            if cell.contains([' ', '-']) {
                return clash_codes(name, line, cell);
            }
            let c = cell.to_ascii_uppercase();
            if !well_formed_hcpcs(&c) {
                return Err(bad(
                    name,
                    format!("line {line}: {field} {c:?} is not a HCPCS code"),
                ));
            }
            Ok(vec![c])
        };
        let (side_a, side_b) = (side("code_a", &r.code_a)?, side("code_b", &r.code_b)?);
        let scope = match r.scope.trim() {
            "month" => ExclusiveScope::Month,
            "practitioner" => ExclusiveScope::Practitioner,
            other => {
                return Err(bad(
                    name,
                    format!("line {line}: scope {other:?} is not month or practitioner"),
                ));
            }
        };
        for a in &side_a {
            for b in &side_b {
                if a == b {
                    return Err(bad(
                        name,
                        format!("line {line}: {a} cannot exclude itself (units are CD003)"),
                    ));
                }
                if r.source.trim().is_empty() {
                    return Err(bad(
                        name,
                        format!("line {line}: {a} and {b} cite no source"),
                    ));
                }
                if out.iter().any(|e| {
                    (e.code_a == *a && e.code_b == *b) || (e.code_a == *b && e.code_b == *a)
                }) {
                    return Err(bad(
                        name,
                        format!("line {line}: {a} and {b} are listed twice"),
                    ));
                }
                out.push(Exclusive {
                    code_a: a.clone(),
                    code_b: b.clone(),
                    scope,
                    source: r.source.trim().to_string(),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct DeviceRow {
    hcpcs: String,
    min_days: String,
    per: String,
    source: String,
}

/// `<year>/devices.csv`: RPM device codes, each well formed and once, with the days of
/// readings its 30-day period needs (1 to 30), `per` `period` or `episode`, and a source.
pub(super) fn devices(name: &str, text: &str) -> Result<Vec<DeviceRule>, RulesError> {
    let rows: Vec<DeviceRow> = records(name, text)?;
    let mut out: Vec<DeviceRule> = Vec::new();
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        let hcpcs = r.hcpcs.trim().to_ascii_uppercase();
        if !well_formed_hcpcs(&hcpcs) {
            return Err(bad(
                name,
                format!("line {line}: hcpcs {hcpcs:?} is not a HCPCS code"),
            ));
        }
        if out.iter().any(|d| d.hcpcs == hcpcs) {
            return Err(bad(name, format!("line {line}: {hcpcs} is listed twice")));
        }
        let min_days: u32 = num(name, "min_days", &r.min_days)
            .map_err(|e| bad(name, format!("line {line}: {e}")))?;
        if !(1..=30).contains(&min_days) {
            return Err(bad(
                name,
                format!(
                    "line {line}: min_days {min_days} is not 1 to 30 (days of a 30-day period)"
                ),
            ));
        }
        let per = match r.per.trim() {
            "period" => DevicePer::Period,
            "episode" => DevicePer::Episode,
            other => {
                return Err(bad(
                    name,
                    format!("line {line}: per {other:?} is not period or episode"),
                ));
            }
        };
        if r.source.trim().is_empty() {
            return Err(bad(name, format!("line {line}: {hcpcs} cites no source")));
        }
        out.push(DeviceRule {
            hcpcs,
            min_days,
            per,
            source: r.source.trim().to_string(),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RoleRow {
    role: String,
    class: String,
}

/// A year's role words: by normalised role name (how a time log's staff_role is looked
/// up), and as the file writes them, in its order (what `ccm rules` lists).
pub(super) type Roles = (HashMap<String, RoleClass>, Vec<(String, RoleClass)>);

/// `<year>/roles.csv`.
pub(super) fn roles(name: &str, text: &str) -> Result<Roles, RulesError> {
    let rows: Vec<RoleRow> = records(name, text)?;
    let words: Vec<(String, RoleClass)> = rows
        .into_iter()
        .map(|r| {
            let class = match norm_key(&r.class).as_str() {
                "practitioner" => RoleClass::Practitioner,
                "clinical" => RoleClass::Clinical,
                "nonclinical" => RoleClass::NonClinical,
                c => return Err(bad(name, format!("{}: class {c:?}", r.role))),
            };
            Ok((r.role, class))
        })
        .collect::<Result<_, _>>()?;
    let by_key = words.iter().map(|(w, c)| (norm_key(w), *c)).collect();
    Ok((by_key, words))
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

#[derive(Deserialize)]
struct StatusRow {
    kind: String,
    status: String,
    meaning: String,
    source: String,
}

/// `statuses.csv`: every row a known kind and meaning, a word and a source; no word twice
/// within a kind (as matched: case, spaces, `_`, `-` and `.` ignored); each kind with at
/// least one word that lets a row count (a consent, an active problem).
pub(super) fn statuses(name: &str, text: &str) -> Result<Statuses, RulesError> {
    let rows: Vec<StatusRow> = records(name, text)?;
    let mut out = Statuses::default();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        let key = norm_key(&r.status);
        if key.is_empty() {
            return Err(bad(name, format!("line {line}: status is blank")));
        }
        if r.source.trim().is_empty() {
            return Err(bad(
                name,
                format!("line {line}: {:?} cites no source", r.status),
            ));
        }
        let word = r.status.trim().to_string();
        let kind = r.kind.trim().to_string();
        if let Some(j) = seen.iter().position(|(k, w)| *k == kind && *w == key) {
            return Err(bad(
                name,
                format!(
                    "line {line}: {:?} is listed twice for kind {kind} (also line {}; words match ignoring case, spaces, _, - and .)",
                    r.status,
                    j + 2
                ),
            ));
        }
        seen.push((kind, key.clone()));
        match r.kind.trim() {
            "consent" => {
                let meaning = match r.meaning.trim() {
                    "consent" => ConsentStatus::Consent,
                    "no_consent" => ConsentStatus::NoConsent,
                    "declined" => ConsentStatus::Declined,
                    "elsewhere" => ConsentStatus::Elsewhere,
                    "revoked" => ConsentStatus::Revoked,
                    "deceased" => ConsentStatus::Deceased,
                    m => {
                        return Err(bad(
                            name,
                            format!(
                                "line {line}: meaning {m:?} is not consent|no_consent|declined|elsewhere|revoked|deceased (kind consent)"
                            ),
                        ));
                    }
                };
                out.consent.push((key, word, meaning));
            }
            "problem" => {
                let meaning = match r.meaning.trim() {
                    "active" => ProblemStatus::Active,
                    "resolved" => ProblemStatus::Resolved,
                    "ignore" => ProblemStatus::Ignore,
                    m => {
                        return Err(bad(
                            name,
                            format!(
                                "line {line}: meaning {m:?} is not active|resolved|ignore (kind problem)"
                            ),
                        ));
                    }
                };
                out.problem.push((key, word, meaning));
            }
            "time" => {
                let counts = match r.meaning.trim() {
                    "counts" => true,
                    "excluded" => false,
                    m => {
                        return Err(bad(
                            name,
                            format!(
                                "line {line}: meaning {m:?} is not counts|excluded (kind time)"
                            ),
                        ));
                    }
                };
                out.time.push((key, word, counts));
            }
            "claim" => {
                let status = match r.meaning.trim() {
                    "submitted" => ClaimStatus::Submitted,
                    "unsubmitted" => ClaimStatus::Unsubmitted,
                    "refused" => ClaimStatus::Refused,
                    m => {
                        return Err(bad(
                            name,
                            format!(
                                "line {line}: meaning {m:?} is not submitted|unsubmitted|refused (kind claim)"
                            ),
                        ));
                    }
                };
                out.claim.push((key, word, status));
            }
            k => {
                return Err(bad(
                    name,
                    format!("line {line}: kind {k:?} is not consent|problem|time|claim"),
                ));
            }
        }
    }
    if !out.consent.iter().any(|e| e.2 == ConsentStatus::Consent) {
        return Err(bad(
            name,
            "no consent word with meaning consent: no status row could ever be a consent",
        ));
    }
    if !out.problem.iter().any(|e| e.2 == ProblemStatus::Active) {
        return Err(bad(
            name,
            "no problem word with meaning active: no problem with a status could ever count",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "kind,status,meaning,source\n";

    fn load(rows: &str) -> Result<Statuses, String> {
        statuses("statuses.csv", &format!("{HEAD}{rows}")).map_err(|e| e.to_string())
    }

    #[test]
    fn status_words_match_ignoring_case_spaces_and_punctuation() {
        let s = load(
            "consent,Enrolled,consent,a\nconsent,Enrolled Elsewhere,elsewhere,a\n\
             consent,Not Enrolled,no_consent,a\nconsent,Un-enrolled,revoked,a\n\
             problem,Active,active,a\nproblem,Entered in Error,ignore,a\nproblem,Resolved,resolved,a\n",
        )
        .unwrap();
        assert_eq!(s.consent("ENROLLED"), Some(ConsentStatus::Consent));
        assert_eq!(
            s.consent("enrolled_elsewhere"),
            Some(ConsentStatus::Elsewhere)
        );
        assert_eq!(s.consent("not-enrolled"), Some(ConsentStatus::NoConsent));
        assert_eq!(s.consent("unenrolled"), Some(ConsentStatus::Revoked));
        assert_eq!(s.consent("enrol"), None);
        assert_eq!(s.problem("entered-in-error"), Some(ProblemStatus::Ignore));
        assert_eq!(s.problem("Enrolled"), None, "kinds do not mix");
        assert_eq!(
            s.consent_words(),
            "Enrolled, Enrolled Elsewhere, Not Enrolled, Un-enrolled"
        );
    }

    #[test]
    fn a_bad_status_row_names_its_line() {
        let ok = "consent,Enrolled,consent,a\nproblem,Active,active,a\n";
        for (extra, want) in [
            (
                "consent,Gone,maybe,a\n",
                "line 4: meaning \"maybe\" is not consent|no_consent|declined|elsewhere|revoked",
            ),
            (
                "problem,Gone,revoked,a\n",
                "line 4: meaning \"revoked\" is not active|resolved|ignore",
            ),
            (
                "patient,Gone,consent,a\n",
                "line 4: kind \"patient\" is not consent|problem|time",
            ),
            ("consent, ,consent,a\n", "line 4: status is blank"),
            (
                "consent,Declined,no_consent,\n",
                "line 4: \"Declined\" cites no source",
            ),
            (
                "consent,en-rolled,revoked,a\n",
                "line 4: \"en-rolled\" is listed twice for kind consent (also line 2",
            ),
            ("consent,Enrolled\n", "record 3"),
        ] {
            let e = load(&format!("{ok}{extra}")).unwrap_err();
            assert!(e.starts_with("rules file statuses.csv: "), "{e}");
            assert!(e.contains(want), "{extra:?}: {e}");
        }
        // The same word may mean something in each kind.
        assert!(load(&format!("{ok}problem,Enrolled,active,a\n")).is_ok());
        // Each kind needs a word that lets a row count.
        let e = load("consent,Declined,no_consent,a\nproblem,Active,active,a\n").unwrap_err();
        assert!(e.contains("no consent word with meaning consent"), "{e}");
        let e = load("consent,Enrolled,consent,a\nproblem,Deleted,ignore,a\n").unwrap_err();
        assert!(e.contains("no problem word with meaning active"), "{e}");
    }

    #[test]
    fn a_bad_exclusive_row_names_its_line() {
        let head = "code_a,code_b,scope,source\n";
        let ok = "99470,99457,month,a\n";
        let load = |rows: &str| {
            exclusive("exclusive.csv", &format!("{head}{ok}{rows}")).map_err(|e| e.to_string())
        };
        let v = load("99445, 99454 ,month,b\n").unwrap();
        assert_eq!(
            (v[1].code_a.as_str(), v[1].code_b.as_str()),
            ("99445", "99454")
        );
        for (extra, want) in [
            (
                "9947,99457,month,a\n",
                "line 3: code_a \"9947\" is not a HCPCS code",
            ),
            (
                "99470,9945X,month,a\n",
                "line 3: code_b \"9945X\" is not a HCPCS code",
            ),
            (
                "99470,99470,month,a\n",
                "line 3: 99470 cannot exclude itself",
            ),
            (
                "99445,99454,day,a\n",
                "line 3: scope \"day\" is not month or practitioner",
            ),
            (
                "99445,99454,month, \n",
                "line 3: 99445 and 99454 cite no source",
            ),
            (
                "99457,99470,month,a\n",
                "line 3: 99457 and 99470 are listed twice",
            ),
            ("99445,99454\n", "record 2"),
        ] {
            let e = load(extra).unwrap_err();
            assert!(e.starts_with("rules file exclusive.csv: "), "{e}");
            assert!(e.contains(want), "{extra:?}: {e}");
        }
    }

    #[test]
    fn the_embedded_status_words() {
        let s = statuses("statuses.csv", include_str!("../../rules/statuses.csv")).unwrap();
        for (w, m) in [
            ("Enrolled", ConsentStatus::Consent),
            ("Enrolled Elsewhere", ConsentStatus::Elsewhere),
            ("Declined", ConsentStatus::Declined),
            ("Refused", ConsentStatus::Declined),
            ("Not Interested", ConsentStatus::Declined),
            ("Not Enrolled", ConsentStatus::NoConsent),
            ("Pending", ConsentStatus::NoConsent),
            ("Ineligible", ConsentStatus::NoConsent),
            ("Unenrolled", ConsentStatus::Revoked),
        ] {
            assert_eq!(s.consent(w), Some(m), "{w}");
        }
        assert_eq!(s.problem("remission"), Some(ProblemStatus::Active));
        assert_eq!(s.problem("inactive"), Some(ProblemStatus::Resolved));
        assert_eq!(s.problem("entered-in-error"), Some(ProblemStatus::Ignore));
    }
}

#[derive(Deserialize)]
struct LifeRow {
    hcpcs: String,
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    source: String,
}

/// `code_lives.csv`: each code once, well formed, its first day (and last, if deleted) a
/// date, the first a month's first day and the last a month's last, in order, with a source.
pub(super) fn code_lives(
    name: &str,
    text: &str,
) -> Result<std::collections::BTreeMap<String, CodeLife>, RulesError> {
    let rows: Vec<LifeRow> = records(name, text)?;
    let mut out = std::collections::BTreeMap::new();
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        let code = r.hcpcs.trim().to_ascii_uppercase();
        if !crate::domain::well_formed_hcpcs(&code) {
            return Err(bad(
                name,
                format!("line {line}: {code:?} is not a HCPCS code"),
            ));
        }
        let date = |s: &str, what: &str| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| bad(name, format!("line {line}: {what} {s:?} is not YYYY-MM-DD")))
        };
        let from = date(&r.valid_from, "valid_from")?;
        let to = match r.valid_to.trim() {
            "" => None,
            t => Some(date(t, "valid_to")?),
        };
        let month_bound = chrono::Datelike::day(&from) == 1
            && to.is_none_or(|t| t == crate::domain::YearMonth::of(t).last_day());
        if !month_bound || to.is_some_and(|t| t < from) {
            return Err(bad(
                name,
                format!(
                    "line {line}: {code}: a life runs from a month's first day to a later month's last day"
                ),
            ));
        }
        if r.source.trim().is_empty() {
            return Err(bad(name, format!("line {line}: {code} cites no source")));
        }
        let life = CodeLife {
            life: Life { from, to },
            source: r.source.trim().to_string(),
        };
        if out.insert(code.clone(), life).is_some() {
            return Err(bad(name, format!("line {line}: {code} is listed twice")));
        }
    }
    Ok(out)
}
