//! findings.csv, clean_claims.csv, held_claims.csv and worklist.csv.
//!
//! Each list's rows come from one function (`findings_rows`, `claims_rows`, `held_rows`,
//! `worklist_rows`) that gives each row's fields, header first. The CSV writer and the
//! workbook's list sheet both call it, so the sheet holds the strings the CSV holds.

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

pub use crate::domain::UTF8_BOM;

/// Column order of findings.csv and of each finding in JSON.
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
    findings_rows(ds, audit, |r| Ok(out.write_record(r)?))?;
    out.flush()
}

/// findings.csv's rows, header first: what the CSV and the workbook's Findings sheet hold.
pub fn findings_rows(
    ds: &Dataset,
    audit: &Audit,
    mut row: impl FnMut(&[&str]) -> io::Result<()>,
) -> io::Result<()> {
    row(&FINDING_COLUMNS)?;
    for f in &audit.findings {
        let r = record(ds, f);
        let minutes = r
            .minutes
            .map(|m| compact_str::ToCompactString::to_compact_string(&m))
            .unwrap_or_default();
        let amount = r.amount.unwrap_or_default();
        row(&[
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
    Ok(())
}

/// The clean claims file. Verify mode: the claims file's own header and the lines that go
/// out, byte for byte ([`claims_file_lines`]). Derive mode: the lines ccm proposes
/// ([`claims_rows`]).
pub fn write_claims_csv(mut w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    if let Some(lines) = claims_file_lines(ds, audit) {
        for line in lines {
            w.write_all(line)?;
        }
        return w.flush();
    }
    let mut out = csv::Writer::from_writer(w);
    claims_rows(audit, |r| Ok(out.write_record(r)?))?;
    out.flush()
}

/// Verify mode's clean_claims.csv, piece by piece: the claims file's header as written
/// (its `sep=` line too), then each line that goes out with its line ending; `None` in
/// derive mode.
pub fn claims_file_lines<'a>(
    ds: &'a Dataset,
    audit: &'a Audit,
) -> Option<impl Iterator<Item = &'a [u8]>> {
    let (Some(v), Some(cf)) = (&audit.verify, &ds.claims) else {
        return None;
    };
    let lines = v.clean.iter().map(|&i| cf.claims[i].raw.as_slice());
    Some(std::iter::once(cf.header_raw.as_slice()).chain(lines))
}

/// Derive mode's clean_claims.csv rows, header first: the lines ccm proposes, as the CSV
/// and the workbook's Clean claims sheet hold them.
pub fn claims_rows(
    audit: &Audit,
    mut row: impl FnMut(&[&str]) -> io::Result<()>,
) -> io::Result<()> {
    row(&CLAIM_COLUMNS)?;
    for c in audit.claims() {
        let dx = |i: usize| c.dx.get(i).map(Text::as_str).unwrap_or("");
        row(&[
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
    Ok(())
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
    held_rows(ds, lists, |r| Ok(out.write_record(r)?))?;
    out.flush()
}

/// held_claims.csv's rows, header first: what the CSV and the workbook's Held sheet hold.
pub fn held_rows(
    ds: &Dataset,
    lists: &Lists,
    mut row: impl FnMut(&[&str]) -> io::Result<()>,
) -> io::Result<()> {
    row(&HELD_COLUMNS)?;
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
        row(&[
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
    Ok(())
}

/// worklist.csv: one row per patient-month and practitioner of a month still open on the
/// as-of date, closest to paying first; a header alone when no month is open.
pub fn write_worklist_csv(w: impl Write, ds: &Dataset, lists: &Lists) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    worklist_rows(ds, lists, |r| Ok(out.write_record(r)?))?;
    out.flush()
}

/// worklist.csv's rows, header first: what the CSV and the workbook's Worklist sheet hold.
pub fn worklist_rows(
    ds: &Dataset,
    lists: &Lists,
    mut row: impl FnMut(&[&str]) -> io::Result<()>,
) -> io::Result<()> {
    row(&WORKLIST_COLUMNS)?;
    let mut reasons = Texts::default();
    for r in &lists.worklist {
        let o = r.outcome;
        let (why, todo) = reasons.of(&r.why.reasons);
        let next = r.next.as_ref();
        row(&[
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
    Ok(())
}

/// A code's `time` as codes.csv writes it.
pub fn time_word(t: TimeKind) -> &'static str {
    match t {
        TimeKind::Staff => "staff",
        TimeKind::Practitioner => "practitioner",
        TimeKind::None => "",
    }
}
