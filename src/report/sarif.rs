//! `--format sarif`: the findings as a SARIF 2.1.0 log (OASIS), for code-scanning tools.
//!
//! One run; its tool's rules are the whole check catalogue (each with its `ccm explain`
//! text), one result per finding in the findings' order, the files read as the run's
//! artifacts. No timestamp and no host name: the same audit gives the same bytes.
//! docs/outputs.md (`--format sarif`) says what maps to what; the test validates the output
//! against the schema stored in docs/schemas/external/.

use super::Summary;
use crate::audit::Audit;
use crate::checks::{Check, Finding, Severity};
use crate::domain::{Dataset, money_str};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

/// The schema a SARIF 2.1.0 log names (the OASIS standard's, errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// SARIF's level for a severity: `info` is SARIF's `note`.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn write_sarif(
    w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
) -> io::Result<()> {
    let rules: Vec<&'static Check> = crate::checks::registry().collect();
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, c)| (c.code, i)).collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "ccm",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: Rules(&rules),
                },
            },
            artifacts: (0..ds.files.len())
                .map(|i| Artifact {
                    location: Uri {
                        uri: uri_reference(ds.file_name(i as u16)),
                    },
                    roles: ["analysisTarget"],
                })
                .collect(),
            results: Results {
                ds,
                audit,
                index: &index,
            },
            properties: RunProperties { summary },
        }],
    };
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, &log)?;
    writeln!(w)
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    artifacts: Vec<Artifact>,
    results: Results<'a>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    /// summary.json's figures: which run the log is of (as-of date, files, rules, mode).
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Rules<'a>,
}

#[derive(Serialize)]
struct Artifact {
    location: Uri,
    roles: [&'static str; 1],
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

/// The catalogue, one reportingDescriptor per check.
struct Rules<'a>(&'a [&'static Check]);

impl Serialize for Rules<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| Rule {
            id: c.code,
            name: c.name,
            short_description: Text { text: c.name },
            full_description: Text { text: c.what },
            help: Text {
                text: explain_text(c),
            },
            default_configuration: Level {
                level: sarif_level(c.severity),
            },
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text<&'static str>,
    full_description: Text<&'static str>,
    help: Text<String>,
    default_configuration: Level,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

/// `ccm explain CODE`'s sections, as plain text.
fn explain_text(c: &Check) -> String {
    c.sections()
        .iter()
        .map(|(title, text)| format!("{title}\n{text}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The findings, serialised one by one as they are written (never all at once).
struct Results<'a> {
    ds: &'a Dataset,
    audit: &'a Audit,
    index: &'a HashMap<&'static str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.audit
                .findings
                .iter()
                .map(|f| result(|i| self.ds.file_name(i), self.index, f)),
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
    index: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
}

/// `partialFingerprints`: the finding's fingerprint under `ccm/v1` (version 1 of it).
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "ccm/v1")]
    v1: crate::domain::Fingerprint,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: &'static str,
}

/// What findings.json says of the finding that SARIF has no place for.
#[derive(Serialize)]
struct ResultProperties<'a> {
    patient_id: &'a str,
    month: String,
    billing_npi: &'a str,
    program: &'a str,
    lines: &'a [u64],
    minutes: Option<u32>,
    amount: Option<String>,
    waived: bool,
}

/// One finding as a SARIF result (`file_name`: the name of a file index).
fn result<'a, 'n>(
    file_name: impl Fn(u16) -> &'n str,
    index: &HashMap<&str, usize>,
    f: &'a Finding,
) -> SarifResult<'a> {
    let locations = f
        .file
        .map(|i| Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri_reference(file_name(i)),
                    index: i,
                },
                region: f.lines.first().map(|&l| Region { start_line: l }),
            },
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: f.check.code,
        rule_index: index[f.check.code],
        level: sarif_level(f.severity),
        // SARIF requires a message text; every check writes one, the name stands in if not.
        message: Text {
            text: if f.message.is_empty() {
                f.check.name
            } else {
                &f.message
            },
        },
        locations,
        partial_fingerprints: Fingerprints { v1: f.fingerprint },
        suppressions: if f.waived {
            vec![Suppression {
                kind: "external",
                justification: "waived by baseline",
            }]
        } else {
            Vec::new()
        },
        properties: ResultProperties {
            patient_id: &f.patient_id,
            month: f.month.map(|m| m.to_string()).unwrap_or_default(),
            billing_npi: &f.billing_npi,
            program: &f.program,
            lines: &f.lines,
            minutes: f.minutes,
            amount: f.amount.map(money_str),
            waived: f.waived,
        },
    }
}

/// A file name as given, as a relative (or absolute-path) URI reference: every byte but
/// the unreserved ones, `/` and the sub-delimiters is percent-encoded (a space is `%20`,
/// `:` is `%3A` so that no first segment reads as a scheme, non-ASCII is its UTF-8 bytes).
pub fn uri_reference(name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// Every byte but the unreserved characters, `/` and the sub-delimiters (and `@`).
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/')
        .remove(b'!')
        .remove(b'$')
        .remove(b'&')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*')
        .remove(b'+')
        .remove(b',')
        .remove(b';')
        .remove(b'=')
        .remove(b'@');
    utf8_percent_encode(name, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uri_reference_encodes_what_a_uri_cannot_hold() {
        assert_eq!(
            uri_reference("fixtures/demo/timelog.csv"),
            "fixtures/demo/timelog.csv"
        );
        assert_eq!(
            uri_reference("my exports/time log.csv"),
            "my%20exports/time%20log.csv"
        );
        assert_eq!(uri_reference("C:\\x#1?.csv"), "C%3A%5Cx%231%3F.csv");
        assert_eq!(uri_reference("José 100%.csv"), "Jos%C3%A9%20100%25.csv");
        assert_eq!(uri_reference("/tmp/a[1].csv"), "/tmp/a%5B1%5D.csv");
    }

    #[test]
    fn sarif_levels_map_info_to_note() {
        assert_eq!(sarif_level(Severity::Error), "error");
        assert_eq!(sarif_level(Severity::Warning), "warning");
        assert_eq!(sarif_level(Severity::Info), "note");
    }

    #[test]
    fn sarif_result_of_a_waived_finding_is_suppressed() {
        let c = crate::checks::lookup("CN001").unwrap();
        let index = HashMap::from([(c.code, 7)]);
        let mut f = Finding::new(c, "no consent")
            .patient("P1")
            .at_lines(0, vec![9, 4])
            .severity(Severity::Info);
        let plain = serde_json::to_value(result(|_| "a b.csv", &index, &f)).unwrap();
        assert!(plain.get("suppressions").is_none());
        assert_eq!(plain["level"], "note");
        assert_eq!(plain["ruleIndex"], 7);
        let loc = &plain["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a%20b.csv");
        assert_eq!(loc["region"]["startLine"], 4);
        assert_eq!(plain["properties"]["lines"], serde_json::json!([4, 9]));
        f.waived = true;
        let waived = serde_json::to_value(result(|_| "a b.csv", &index, &f)).unwrap();
        assert_eq!(
            waived["suppressions"],
            serde_json::json!([{"kind": "external", "justification": "waived by baseline"}])
        );
        assert_eq!(waived["properties"]["waived"], true);
        f.file = None;
        f.lines.clear();
        let nowhere = serde_json::to_value(result(|_| "a b.csv", &index, &f)).unwrap();
        assert!(nowhere.get("locations").is_none());
    }

    #[test]
    fn sarif_help_is_the_explain_text() {
        let c = crate::checks::lookup("CN001").unwrap();
        let t = explain_text(c);
        for part in [c.what, c.why, c.example, c.source, c.fix] {
            assert!(t.contains(part), "{t}");
        }
        assert!(t.starts_with("What it does\n"));
    }
}
