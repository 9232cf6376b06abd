//! findings.csv and clean_claims.csv.

use super::record;
use crate::audit::Audit;
use crate::domain::starts_formula;
use crate::domain::{Dataset, Text, money_str};
use std::io::{self, Write};

/// Column order of findings.csv and of each finding in JSON.
pub const FINDING_COLUMNS: [&str; 12] = [
    "code",
    "name",
    "severity",
    "patient_id",
    "month",
    "billing_npi",
    "program",
    "file",
    "line",
    "message",
    "minutes",
    "amount",
];

pub const CLAIM_COLUMNS: [&str; 13] = [
    "patient_id",
    "billing_npi",
    "month",
    "date_of_service",
    "hcpcs",
    "units",
    "dx1",
    "dx2",
    "dx3",
    "dx4",
    "minutes",
    "expected_payment",
    "fee_basis",
];

/// A cell a spreadsheet would run as a formula gets a leading `'`.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(s.as_bytes()) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

pub fn write_findings_csv(w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(FINDING_COLUMNS)?;
    for f in &audit.findings {
        let r = record(ds, f);
        let minutes = r.minutes.map(|m| m.to_string()).unwrap_or_default();
        let amount = r.amount.unwrap_or_default();
        out.write_record([
            r.code,
            r.name,
            r.severity,
            &safe_cell(r.patient_id),
            &r.month,
            &safe_cell(r.billing_npi),
            &safe_cell(r.program),
            &safe_cell(r.file),
            &r.line,
            &safe_cell(r.message),
            &minutes,
            &amount,
        ])?;
    }
    out.flush()
}

/// The clean claims file. Verify mode: the claims file's own header and the lines that go
/// out, byte for byte. Derive mode: the lines ccm proposes.
pub fn write_claims_csv(mut w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    if let (Some(v), Some(cf)) = (&audit.verify, &ds.claims) {
        w.write_all(&cf.header_raw)?;
        for &i in &v.clean {
            w.write_all(&cf.claims[i].raw)?;
        }
        return w.flush();
    }
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CLAIM_COLUMNS)?;
    for c in audit.claims() {
        let dx = |i: usize| c.dx.get(i).map(Text::as_str).unwrap_or("");
        out.write_record([
            &*safe_cell(c.patient_id),
            c.billing_npi,
            &c.month.to_string(),
            &c.date_of_service.to_string(),
            &c.hcpcs,
            &c.units.to_string(),
            dx(0),
            dx(1),
            dx(2),
            dx(3),
            &c.minutes.to_string(),
            &money_str(c.expected_payment),
            &fee_basis(c.month.year, c.rules_year),
        ])?;
    }
    out.flush()
}

/// Which year's rules and fees priced a line: `CY2025`, or, for a year ccm has no rules
/// for, `CY2026 estimate` (the nearest year's rules and fees, said once in the report too).
pub fn fee_basis(year: i32, rules_year: i32) -> String {
    if year == rules_year {
        format!("CY{rules_year}")
    } else {
        format!("CY{rules_year} estimate")
    }
}
