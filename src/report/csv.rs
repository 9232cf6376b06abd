//! findings.csv, clean_claims.csv, held_claims.csv and worklist.csv.

use super::lists::{Lists, Texts, fix_at};
use super::record;
use crate::audit::Audit;
use crate::domain::starts_formula;
use crate::domain::{Dataset, Text, money_str};
use crate::rules::TimeKind;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What a CSV column holds, for the workbook (`--xlsx`): its cells are written as text, as
/// money (a number shown as currency), as a date or as a whole number. A cell that does not
/// read as its column's kind (`1;2` in `units`, a claims file's own `3/31/2025`) is written
/// as the text it is, so the workbook never says anything the CSV does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// Ids, codes, months (`2025-03`), names, messages: the CSV's text as it is.
    Text,
    /// Two-decimal amounts (`60.49`).
    Money,
    /// `YYYY-MM-DD`.
    Date,
    /// Whole numbers: units, minutes, a line number, days.
    Int,
}

// Short names for the kind tables below.
use CellKind::{Date as D, Int as I, Money as M, Text as T};

/// Column order of findings.csv and of each finding in JSON.
/// The UTF-8 byte-order mark `--bom` puts at the head of each CSV: Windows Excel reads a
/// CSV without it as windows-1252.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub const FINDING_COLUMNS: [&str; 14] = [
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
    "fingerprint",
    "waived",
];

/// What each of [`FINDING_COLUMNS`] holds.
pub const FINDING_KINDS: [CellKind; 14] = [T, T, T, T, T, T, T, T, I, T, I, M, T, T];

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

/// What each of [`CLAIM_COLUMNS`] holds (derive mode).
pub const CLAIM_KINDS: [CellKind; 13] = [T, T, T, D, T, I, T, T, T, T, I, M, T];

/// What a column of a claims file holds (verify mode, where clean_claims.csv is the claims
/// file's own lines), by the field its header feeds (or, for a header that feeds none, its
/// own name lowercased); `None` (text) for a column ccm does not know. `charge`, the
/// amount a claims export usually carries, is money though ccm does not read it.
pub fn claims_file_kind(field: &str) -> Option<CellKind> {
    match field {
        "date_of_service" => Some(D),
        "units" => Some(I),
        "charge" => Some(M),
        "patient_id" | "hcpcs" | "billing_npi" | "claim_id" => Some(T),
        _ => None,
    }
}

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
            std::str::from_utf8(&r.fingerprint.hex()).expect("hex digits"),
            if r.waived { "true" } else { "false" },
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

/// Column order of held_claims.csv (docs/outputs.md).
pub const HELD_COLUMNS: [&str; 13] = [
    "patient_id",
    "month",
    "billing_npi",
    "program",
    "claim_line",
    "codes",
    "units",
    "minutes",
    "amount_held",
    "reasons",
    "fix_at",
    "what_to_do",
    "other_findings",
];

/// What each of [`HELD_COLUMNS`] holds.
pub const HELD_KINDS: [CellKind; 13] = [T, T, T, T, T, T, I, I, M, T, T, T, T];

/// Column order of worklist.csv (docs/outputs.md).
pub const WORKLIST_COLUMNS: [&str; 17] = [
    "patient_id",
    "month",
    "billing_npi",
    "program",
    "status",
    "minutes",
    "practitioner_minutes",
    "supported_now",
    "next_code",
    "next_units",
    "minutes_to_next",
    "next_time",
    "supported_at_next",
    "days_left",
    "blocking",
    "fix_at",
    "what_to_do",
];

/// What each of [`WORKLIST_COLUMNS`] holds.
pub const WORKLIST_KINDS: [CellKind; 17] = [T, T, T, T, T, I, I, M, T, I, I, T, M, I, T, T, T];

/// held_claims.csv: one row per blocked patient-month and practitioner (derive mode) or
/// per line of a held claim (verify mode), biggest holds first.
pub fn write_held_csv(w: impl Write, ds: &Dataset, lists: &Lists) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HELD_COLUMNS)?;
    let mut codes = String::new();
    let mut units = String::new();
    let (mut reasons, mut others) = (Texts::default(), Texts::default());
    for r in &lists.held {
        codes.clear();
        units.clear();
        for (i, (c, u)) in r.codes.iter().enumerate() {
            if i > 0 {
                codes.push(';');
                units.push(';');
            }
            codes.push_str(c);
            let _ = write!(units, "{u}");
        }
        let (why, todo) = reasons.of(&r.why.reasons);
        let claim_line = r
            .claim_line
            .map(|(f, l)| format!("{}:{l}", ds.file_name(f)))
            .unwrap_or_default();
        out.write_record([
            &*safe_cell(r.patient_id),
            &r.month.to_string(),
            &safe_cell(r.billing_npi),
            &safe_cell(r.program),
            &safe_cell(&claim_line),
            &safe_cell(&codes),
            &units,
            &r.minutes.map(|m| m.to_string()).unwrap_or_default(),
            &r.amount.map(money_str).unwrap_or_default(),
            &safe_cell(why),
            &safe_cell(&fix_at(ds, &r.why.fix_at)),
            &safe_cell(todo),
            &safe_cell(others.of(&r.why.other).0),
        ])?;
    }
    out.flush()
}

/// worklist.csv: one row per patient-month and practitioner of a month still open on the
/// as-of date, closest to paying first; a header alone when no month is open.
pub fn write_worklist_csv(w: impl Write, ds: &Dataset, lists: &Lists) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(WORKLIST_COLUMNS)?;
    let mut reasons = Texts::default();
    for r in &lists.worklist {
        let o = r.outcome;
        let (why, todo) = reasons.of(&r.why.reasons);
        let next = r.next.as_ref();
        out.write_record([
            &*safe_cell(&o.patient_id),
            &o.month.to_string(),
            &safe_cell(&o.billing_npi),
            &safe_cell(o.program.as_str()),
            o.status.as_str(),
            &o.minutes.to_string(),
            &o.practitioner_minutes.to_string(),
            &money_str(o.payment),
            &safe_cell(next.map_or("", |n| n.code.as_str())),
            &next.map(|n| n.units.to_string()).unwrap_or_default(),
            &next.map(|n| n.minutes.to_string()).unwrap_or_default(),
            next.map_or("", |n| time_word(n.time)),
            &next.map(|n| money_str(n.pays)).unwrap_or_default(),
            &r.days_left.to_string(),
            &safe_cell(why),
            &safe_cell(&fix_at(ds, &r.why.fix_at)),
            &safe_cell(todo),
        ])?;
    }
    out.flush()
}

/// A code's `time` as codes.csv writes it.
pub fn time_word(t: TimeKind) -> &'static str {
    match t {
        TimeKind::Staff => "staff",
        TimeKind::Practitioner => "practitioner",
        TimeKind::None => "",
    }
}
