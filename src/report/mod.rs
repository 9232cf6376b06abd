//! Rendering: an [`Audit`](crate::audit::Audit) into bytes (table, CSV, JSON). Writers only;
//! the shell decides where the bytes go.
//!
//! - [`summary`]: the run's figures, whole and by month, shared by every format;
//! - `csv`: findings.csv, clean_claims.csv, held_claims.csv and worklist.csv;
//! - [`lists`]: what not to bill (held) and who needs more minutes (the worklist);
//! - `json`: summary.json and findings.json;
//! - `sarif`: `--format sarif`, the findings as a SARIF 2.1.0 log;
//! - `junit`: `--format junit`, one JUnit test case per patient-month and NPI;
//! - `table`: the report for a person at a terminal;
//! - `trace`: `ccm trace`, one patient-month row by row;
//! - [`inspect`]: `ccm inspect`, how ccm reads each file;
//! - `workbook`: audit.xlsx (`--xlsx`), the summary and the four lists as typed sheets.

mod csv;
pub mod inspect;
mod json;
mod junit;
pub mod lists;
pub mod manifest;
mod sarif;
mod summary;
mod table;
mod trace;
mod workbook;

pub use self::csv::{
    CLAIM_COLUMNS, CLAIM_KINDS, CellKind, FINDING_COLUMNS, FINDING_KINDS, HELD_COLUMNS, HELD_KINDS,
    UTF8_BOM, WORKLIST_COLUMNS, WORKLIST_KINDS, safe_cell, write_claims_csv, write_findings_csv,
    write_held_csv, write_worklist_csv,
};
pub use json::{write_findings_json, write_findings_jsonl, write_summary_json};
pub use junit::write_junit;
pub use lists::{LazyLists, Lists, lists};
pub use sarif::write_sarif;
pub use summary::{FileSummary, MonthSummary, Summary, summary};
pub use table::{Layout, write_table, written_line};
pub use trace::write_trace;
pub use workbook::{DATE_FORMAT, EXCEL_ROWS, ListSource, MONEY_FORMAT, write_workbook};

/// The files `--out` writes (the shell's plan, the commit and the report's last line
/// read this one list).
pub const OUTPUTS: [&str; 7] = [
    "clean_claims.csv",
    "findings.csv",
    "findings.json",
    "held_claims.csv",
    "manifest.json",
    "summary.json",
    "worklist.csv",
];

/// The file of `--out` that says what was run on what; written last, from the others.
pub const MANIFEST: &str = "manifest.json";

/// The workbook bare `--xlsx` writes into the `--out` folder.
pub const WORKBOOK: &str = "audit.xlsx";

use crate::checks::Finding;
use crate::domain::{Dataset, Text, money_str};
use compact_str::ToCompactString;
use serde::Serialize;

/// One finding as findings.csv and findings.json give it; the field order is
/// [`FINDING_COLUMNS`].
#[derive(Serialize)]
pub struct FindingRecord<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    patient_id: &'a str,
    // Inline short strings, not an allocation each: a record is made per finding by each
    // writer (findings.csv, findings.json, the workbook).
    month: Text,
    billing_npi: &'a str,
    program: &'a str,
    file: &'a str,
    line: Text,
    message: &'a str,
    minutes: Option<u32>,
    amount: Option<String>,
    fingerprint: crate::domain::Fingerprint,
    waived: bool,
}

fn record<'a>(ds: &'a Dataset, f: &'a Finding) -> FindingRecord<'a> {
    FindingRecord {
        code: f.check.code,
        name: f.check.name,
        severity: f.severity.as_str(),
        patient_id: &f.patient_id,
        month: f.month.map(|m| m.to_compact_string()).unwrap_or_default(),
        billing_npi: &f.billing_npi,
        program: &f.program,
        file: f.file.map(|i| ds.file_name(i)).unwrap_or(""),
        line: {
            let mut s = Text::default();
            for (i, l) in f.lines.iter().enumerate() {
                if i > 0 {
                    s.push(';');
                }
                let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{l}"));
            }
            s
        },
        message: &f.message,
        minutes: f.minutes,
        amount: f.amount.map(money_str),
        fingerprint: f.fingerprint,
        waived: f.waived,
    }
}
