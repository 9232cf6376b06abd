//! summary.json and findings.json.

use super::{Summary, record};
use crate::audit::Audit;
use crate::checks::Finding;
use crate::domain::Dataset;
use serde::Serialize;
use std::io::{self, Write};

/// The `schema_version` of summary.json (and of findings.json's `summary`): raised by a
/// change that breaks a reader (a key removed, renamed or retyped), not by a new optional
/// key. `docs/schemas/summary.schema.json` describes this version.
pub(crate) const SUMMARY_SCHEMA_VERSION: u32 = 1;
/// The `schema_version` of findings.json (`docs/schemas/findings.schema.json`).
pub(crate) const FINDINGS_SCHEMA_VERSION: u32 = 1;

pub fn write_summary_json(w: impl Write, summary: &Summary) -> io::Result<()> {
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, summary)?;
    writeln!(w)
}

pub fn write_findings_json(
    w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
) -> io::Result<()> {
    /// The findings, serialised one by one as they are written (never all at once).
    struct Findings<'a>(&'a Dataset, &'a [Finding]);
    impl Serialize for Findings<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.1.iter().map(|f| record(self.0, f)))
        }
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        summary: &'a Summary,
        findings: Findings<'a>,
    }
    let doc = Doc {
        schema_version: FINDINGS_SCHEMA_VERSION,
        summary,
        findings: Findings(ds, &audit.findings),
    };
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, &doc)?;
    writeln!(w)
}

/// `--format jsonl`: one finding per line, each the object findings.json holds for it
/// (code, name, severity, patient_id, month, billing_npi, program, file, line, message,
/// minutes, amount, fingerprint, waived), compact, in the order of findings.csv.
pub fn write_findings_jsonl(mut w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    for f in &audit.findings {
        serde_json::to_writer(&mut w, &record(ds, f))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
