//! The baseline of accepted findings (`--baseline FILE`, `--write-baseline FILE`): a CI job
//! fails only on findings that are new. Pure: the shell reads and writes the file.
//!
//! A waiver names a finding by its fingerprint (`engine::identity`). It is in force up to
//! and including its `expires` day (none: for good). On the as-of date, a finding whose
//! fingerprint a waiver in force names is *waived*: still listed and marked, not counted
//! for `--fail-on`. A waiver that names no finding of the run, or has expired, is reported
//! as a note naming its fingerprint; it does not fail the run.

use crate::domain::{Finding, Fingerprint, parse_date};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The version of the baseline file this ccm reads and writes.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    #[serde(default = "one")]
    pub schema_version: u32,
    pub version: u32,
    pub waivers: Vec<Waiver>,
}

fn one() -> u32 {
    1
}

/// One accepted finding. `code`, `patient_id`, `month` and `message` say what it was when
/// accepted, for the person who reads the file; only `fingerprint` is matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub fingerprint: String,
    pub code: String,
    pub patient_id: String,
    pub month: String,
    pub message: String,
    #[serde(default)]
    pub reason: String,
    /// The last day the waiver is in force (`YYYY-MM-DD`), or none.
    #[serde(default)]
    pub expires: Option<String>,
}

/// Why a baseline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("is not a ccm baseline: {0}")]
    Json(#[from] serde_json::Error),
    #[error("has version {0}; this ccm reads version {VERSION}")]
    Version(u32),
    #[error("has schema_version {0}; this ccm reads schema_version 1")]
    SchemaVersion(u32),
    #[error("waiver {index}: fingerprint {value:?} is not 16 hex digits")]
    Fingerprint { index: usize, value: String },
    #[error("waiver {index}: expires {value:?} is not a date (YYYY-MM-DD)")]
    Expires { index: usize, value: String },
}

/// A baseline read and checked: each waiver's fingerprint and expiry parsed.
#[derive(Debug)]
pub struct Waivers {
    pub file: Baseline,
    parsed: Vec<(Fingerprint, Option<NaiveDate>)>,
}

impl Waivers {
    /// Reads a baseline file's bytes; every waiver is checked before any is used.
    pub fn parse(bytes: &[u8]) -> Result<Waivers, BaselineError> {
        // A UTF-8 byte-order mark, as a Windows editor saves one, is not part of the JSON.
        let bytes = crate::domain::without_bom(bytes);
        let file: Baseline = serde_json::from_slice(bytes)?;
        if file.version != VERSION {
            return Err(BaselineError::Version(file.version));
        }
        if file.schema_version != 1 {
            return Err(BaselineError::SchemaVersion(file.schema_version));
        }
        let mut parsed = Vec::with_capacity(file.waivers.len());
        for (i, w) in file.waivers.iter().enumerate() {
            let index = i + 1;
            let fp =
                Fingerprint::parse(&w.fingerprint).ok_or_else(|| BaselineError::Fingerprint {
                    index,
                    value: crate::domain::printable(&w.fingerprint, 40),
                })?;
            let expires = match &w.expires {
                None => None,
                Some(s) => Some(parse_iso(s).ok_or_else(|| BaselineError::Expires {
                    index,
                    value: crate::domain::printable(s, 40),
                })?),
            };
            parsed.push((fp, expires));
        }
        Ok(Waivers { file, parsed })
    }

    /// Marks the findings the waivers in force on `as_of` accept; returns one note per
    /// waiver that matched nothing or has expired, each naming its fingerprint.
    pub fn apply(&self, findings: &mut [Finding], as_of: NaiveDate) -> Vec<String> {
        // A fingerprint is waived when any of its waivers is in force (through `expires`).
        let in_force: BTreeSet<Fingerprint> = self
            .parsed
            .iter()
            .filter(|(_, exp)| exp.is_none_or(|d| d >= as_of))
            .map(|(fp, _)| *fp)
            .collect();
        let mut found = BTreeSet::new();
        for f in findings.iter_mut() {
            f.waived = in_force.contains(&f.fingerprint);
            found.insert(f.fingerprint);
        }
        let mut said = BTreeSet::new();
        let mut notes = Vec::new();
        for &(fp, exp) in &self.parsed {
            if in_force.contains(&fp) && found.contains(&fp) || !said.insert(fp) {
                continue;
            }
            notes.push(match exp.filter(|_| !in_force.contains(&fp)) {
                Some(d) if found.contains(&fp) => {
                    format!("baseline: the waiver of {fp} expired on {d}: its finding counts again")
                }
                Some(d) => format!(
                    "baseline: the waiver of {fp} expired on {d} and matches no finding of this run"
                ),
                None => format!(
                    "baseline: the waiver of {fp} matches no finding of this run (fixed, or the finding changed): remove it from the baseline"
                ),
            });
        }
        notes
    }
}

fn parse_iso(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| parse_date(s))
        .flatten()
        .filter(|d| d.format("%Y-%m-%d").to_string() == s)
}

/// The baseline that accepts every finding of a run: one waiver per finding, in the
/// findings' order. A waiver of `previous` for the same fingerprint keeps its reason and
/// expiry, so rewriting a baseline does not lose what a person wrote into it.
pub fn of_findings(findings: &[Finding], previous: Option<&Waivers>) -> Baseline {
    let kept: BTreeMap<String, &Waiver> = previous
        .map(|p| {
            p.file
                .waivers
                .iter()
                .map(|w| (w.fingerprint.to_ascii_lowercase(), w))
                .collect()
        })
        .unwrap_or_default();
    let mut seen = BTreeMap::new();
    let waivers = findings
        .iter()
        .filter(|f| seen.insert(f.fingerprint, ()).is_none())
        .map(|f| {
            let fingerprint = f.fingerprint.to_string();
            let old = kept.get(&fingerprint);
            Waiver {
                code: f.check.code.to_string(),
                patient_id: f.patient_id.to_string(),
                month: f.month.map(|m| m.to_string()).unwrap_or_default(),
                message: f.message.clone(),
                reason: old.map(|w| w.reason.clone()).unwrap_or_default(),
                expires: old.and_then(|w| w.expires.clone()),
                fingerprint,
            }
        })
        .collect();
    Baseline {
        schema_version: 1,
        version: VERSION,
        waivers,
    }
}

/// The bytes of a baseline file: pretty JSON, keys in the documented order, a final line end.
pub fn to_bytes(b: &Baseline) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(b).expect("a baseline serialises");
    v.push(b'\n');
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(waivers: &str) -> String {
        format!(r#"{{"version": 1, "waivers": [{waivers}]}}"#)
    }

    #[test]
    fn malformed_files_are_refused_with_what_is_wrong() {
        let bad = [
            ("not json", "not a ccm baseline"),
            (r#"{"version": 2, "waivers": []}"#, "version 2"),
            (
                r#"{"schema_version": 2, "version": 1, "waivers": []}"#,
                "schema_version 2",
            ),
            (r#"{"waivers": []}"#, "missing field `version`"),
            (
                r#"{"version": 1, "waivers": [], "extra": 1}"#,
                "unknown field",
            ),
            (
                &doc(
                    r#"{"fingerprint":"xyz","code":"CN001","patient_id":"P","month":"","message":""}"#,
                ),
                "fingerprint \"xyz\"",
            ),
            (
                &doc(
                    r#"{"fingerprint":"0123456789abcdef","code":"CN001","patient_id":"P","month":"","message":"","expires":"2025-13-01"}"#,
                ),
                "expires \"2025-13-01\"",
            ),
            (
                &doc(
                    r#"{"fingerprint":"0123456789abcdef","code":"CN001","patient_id":"P","month":"","message":"","expire":"2025-01-01"}"#,
                ),
                "unknown field `expire`",
            ),
        ];
        for (text, says) in bad {
            let e = Waivers::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
        let ok = doc(
            r#"{"fingerprint":"0123456789ABCDEF","code":"CN001","patient_id":"P","month":"2025-03","message":"m"}"#,
        );
        let w = Waivers::parse(ok.as_bytes()).unwrap();
        assert_eq!(w.parsed[0].0, Fingerprint(0x0123_4567_89ab_cdef));
        assert_eq!(w.file.waivers[0].reason, "");
        // Saved by a Windows editor, with a byte-order mark.
        let bom = [&b"\xEF\xBB\xBF"[..], ok.as_bytes()].concat();
        assert_eq!(Waivers::parse(&bom).unwrap().parsed.len(), 1);
    }
    #[test]
    fn each_waiver_that_does_not_waive_is_said_once_with_why() {
        let check = crate::checks::lookup("IN001").unwrap();
        let finding = |fp: u64| {
            let mut f = Finding::new(check, "m");
            f.fingerprint = Fingerprint(fp);
            f
        };
        let mut findings = vec![finding(1), finding(2), finding(3), finding(5)];
        let w = |fp: u64, exp: &str| {
            let exp = if exp.is_empty() {
                "null".to_string()
            } else {
                format!("\"{exp}\"")
            };
            format!(
                r#"{{"fingerprint":"{fp:016x}","code":"IN001","patient_id":"","month":"","message":"m","expires":{exp}}}"#
            )
        };
        let text = doc(&[
            w(1, ""),           // in force, found: waived
            w(2, "2025-04-15"), // in force through the as-of day: waived
            w(3, "2025-04-14"), // expired, found: counts again
            w(4, "2025-01-01"), // expired, not found
            w(6, ""),           // in force, not found
            w(6, ""),           // the same again: said once
            w(5, "2025-01-01"), // expired, but another waiver of it is in force
            w(5, ""),
        ]
        .join(","));
        let notes = Waivers::parse(text.as_bytes())
            .unwrap()
            .apply(&mut findings, NaiveDate::from_ymd_opt(2025, 4, 15).unwrap());
        let waived: Vec<bool> = findings.iter().map(|f| f.waived).collect();
        assert_eq!(waived, [true, true, false, true]);
        assert_eq!(
            notes,
            [
                "baseline: the waiver of 0000000000000003 expired on 2025-04-14: its finding counts again",
                "baseline: the waiver of 0000000000000004 expired on 2025-01-01 and matches no finding of this run",
                "baseline: the waiver of 0000000000000006 matches no finding of this run (fixed, or the finding changed): remove it from the baseline",
            ]
        );
    }
}
