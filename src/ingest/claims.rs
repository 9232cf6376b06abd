//! Reading a claims file (verify mode), keeping each valid line's bytes as written.

use super::dates::Dates;
use super::pipeline::for_each_record;
use super::reader::{FieldError, Rec, RowResult, accepted, open_bytes, open_file, show};
use super::schema::{ClaimCol, Schema, Source};
use super::{IngestError, ReadOptions};
use crate::domain::starts_formula;
use crate::domain::{Claim, ClaimStatus, ClaimsFile, Dataset, Icd10, Kind, Npi, hcpcs_cell};
use crate::rules::Statuses;
use std::io::Read;
use std::path::Path;

/// Reads a claims file (verify mode). Each valid line keeps its bytes as written, so the
/// clean file can be a byte-for-byte filter of it.
pub fn read_claims(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    words: &Statuses,
) -> Result<(), IngestError> {
    let mut f = open_file(path, name)?;
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    // A workbook over the limit is said before it is read into memory.
    let max = super::xlsx::MAX_WORKBOOK_BYTES;
    if let Some(len) = f
        .metadata()
        .ok()
        .map(|m| m.len())
        .filter(|&l| is_xlsx && l > max)
    {
        return Err(IngestError::Workbook {
            file: crate::domain::printable(name, 200),
            msg: super::xlsx::too_big(Some(len)),
        });
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| IngestError::Io {
        file: name.to_string(),
        source: e,
    })?;
    // The text read: the bytes, or transcoded to UTF-8, or a workbook's sheet as CSV.
    let (input, bytes) = open_bytes::<ClaimCol>(ds, bytes, is_xlsx, name, opts)?;
    let (file, sep_len, header_at) = (input.file, input.sep_len, input.header_at);
    let delimiter = input.delimiter;
    let dates = input.dates.clone();
    let dx = DxColumns::of(&input.heads, &input.idx);
    ds.files[file as usize].read.wide_columns = dx.wide.iter().map(|(_, h)| h.clone()).collect();
    let mut offsets = Vec::new();
    let mut parsed: Vec<(usize, Claim)> = Vec::new();
    for_each_record(
        ds,
        input,
        Some(&mut offsets),
        |_: &mut (), _, _| (),
        |ds, r, line, k, ()| {
            let row = claim(ds, r, (&dates, words), &dx, file, line);
            if let Some(c) = accepted(row, Kind::Claims, file, line, &mut ds.ingest_findings) {
                parsed.push((k, c));
            }
        },
    )?;
    // A record's bytes run from its first byte to the next record's first byte; the parser's
    // offsets may point at line ends before a record, so skip those.
    let skip = |mut o: usize| {
        while o < bytes.len() && matches!(bytes[o], b'\r' | b'\n') {
            o += 1;
        }
        o
    };
    // Offsets count from the header, after an Excel `sep=` line or a title block.
    let starts: Vec<usize> = offsets
        .iter()
        .map(|&o| skip(o as usize + header_at))
        .collect();
    let end_of = |k: usize| starts.get(k + 1).copied().unwrap_or(bytes.len());
    // The record's content and one line ending (blank lines after it are dropped).
    let with_one_line_end = |from: usize, to: usize| -> Vec<u8> {
        let mut content_end = to;
        while content_end > from && matches!(bytes[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        let mut end = content_end;
        if end < to && bytes[end] == b'\r' {
            end += 1;
        }
        if end < to && bytes[end] == b'\n' {
            end += 1;
        }
        bytes[from..end].to_vec()
    };
    // The header as written, after the `sep=` line if there is one (a title block is
    // left out).
    let mut header_raw = bytes[..sep_len].to_vec();
    let header = with_one_line_end(header_at, starts.first().copied().unwrap_or(bytes.len()));
    // The header goes out as written, unless a cell of it would run as a formula: no cell
    // of ccm's outputs can (that cell gets a leading `'`, and the notes say so).
    match guard_header(&header, delimiter) {
        Some((guarded, cols)) => {
            ds.files[file as usize].read.notes.push(format!(
                "header column(s) {cols} began as a spreadsheet formula: written to clean_claims.csv with a leading '"
            ));
            header_raw.extend(guarded);
        }
        None => header_raw.extend(header),
    }
    let claims = parsed
        .into_iter()
        .map(|(k, mut c)| {
            c.raw = with_one_line_end(starts[k], end_of(k));
            c
        })
        .collect();
    match &mut ds.claims {
        None => ds.claims = Some(ClaimsFile { header_raw, claims }),
        // Several claims files are one batch: one header, the lines of each in turn.
        Some(cf) if same_layout(&cf.header_raw, &header_raw) => {
            // One file written: the later files' lines take the first file's line ending,
            // and a file whose last line has none gets one (else the next file's first
            // line would run on from it).
            let eol = line_end(&cf.header_raw).to_vec();
            if let Some(last) = cf.claims.last_mut()
                && !last.raw.ends_with(b"\n")
                && !last.raw.ends_with(b"\r")
            {
                last.raw.extend_from_slice(&eol);
            }
            cf.claims.extend(claims.into_iter().map(|mut c: Claim| {
                if !c.raw.ends_with(&eol) || (eol == b"\n" && c.raw.ends_with(b"\r\n")) {
                    while c.raw.last().is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                        c.raw.pop();
                    }
                    c.raw.extend_from_slice(&eol);
                }
                c
            }));
        }
        Some(_) => {
            let first = ds
                .files
                .iter()
                .find(|f| f.kind == Kind::Claims)
                .map_or(String::new(), |f| f.name.clone());
            return Err(IngestError::ClaimsLayout {
                file: crate::domain::printable(name, 200),
                first: crate::domain::printable(&first, 200),
            });
        }
    }
    Ok(())
}

/// The line ending a header was written with (LF when it has none: a file of one line).
fn line_end(header: &[u8]) -> &'static [u8] {
    if header.ends_with(b"\r\n") {
        b"\r\n"
    } else if header.ends_with(b"\r") {
        b"\r"
    } else {
        b"\n"
    }
}

/// Whether two claims files' headers are one layout: the same bytes once a byte-order mark,
/// an Excel `sep=` line and the line ending are set aside.
fn same_layout(a: &[u8], b: &[u8]) -> bool {
    fn bare(h: &[u8]) -> &[u8] {
        let h = h.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(h);
        let h = if h.len() >= 4 && h[..4].eq_ignore_ascii_case(b"sep=") {
            h.iter()
                .position(|&c| c == b'\n')
                .map_or(&h[h.len()..], |i| &h[i + 1..])
        } else {
            h
        };
        h.trim_ascii_end()
    }
    bare(a) == bare(b)
}

/// A units cell as a whole number: `2`, or as a billing system writes it, `2.00` or `2.0`
/// (a fraction that is not zero is no unit count).
fn whole_units(s: &str) -> Option<u32> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b == b'0') || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    whole.parse().ok()
}

/// Where a claims file lists the claim's diagnoses: a `diagnoses` column (several codes in
/// a cell), wide columns (`dx1` … `dx12`, as a problem list may be), both, or neither.
struct DxColumns {
    listed: bool,
    wide: Vec<(usize, String)>,
}

impl DxColumns {
    fn of(heads: &[String], idx: &[Source]) -> DxColumns {
        DxColumns {
            listed: matches!(idx[ClaimCol::Diagnoses.index()], Source::Column(_)),
            wide: super::companions::wide_columns(heads, idx),
        }
    }

    /// The line's diagnosis codes (`None` when the file has no diagnosis column), or why a
    /// cell is no list of ICD-10-CM codes.
    fn read(&self, r: &Rec<ClaimCol>) -> Result<Option<Vec<Icd10>>, String> {
        if !self.listed && self.wide.is_empty() {
            return Ok(None);
        }
        let mut cells: Vec<(&str, &str)> = Vec::new();
        if self.listed {
            let cell = r
                .get(ClaimCol::Diagnoses)
                .map_err(|_| "diagnoses is not UTF-8".to_string())?;
            cells.push(("diagnoses", cell));
        }
        for (i, head) in &self.wide {
            let cell = std::str::from_utf8(r.rec.get(*i).unwrap_or(b""))
                .map_err(|_| format!("{head} is not UTF-8"))?;
            cells.push((head, cell.trim()));
        }
        let mut codes = Vec::new();
        for (col, cell) in cells {
            for c in super::companions::split_codes(cell) {
                let Some(code) = Icd10::parse(c) else {
                    return Err(format!(
                        "{col} {}: {} is not an ICD-10-CM code; the line is held",
                        show(cell),
                        show(c)
                    ));
                };
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        Ok(Some(codes))
    }
}

/// The header line `raw` (its line end included) with a leading `'` on each cell a
/// spreadsheet would run as a formula, written as csv writes it, and those cells'
/// 1-based positions; `None` when no cell would.
fn guard_header(raw: &[u8], delimiter: u8) -> Option<(Vec<u8>, String)> {
    let rec = super::reader::sample_reader(raw, delimiter)
        .byte_headers()
        .ok()?
        .clone();
    let cols: Vec<String> = (0..rec.len())
        .filter(|&i| rec.get(i).is_some_and(starts_formula))
        .map(|i| (i + 1).to_string())
        .collect();
    if cols.is_empty() {
        return None;
    }
    let line_end: &[u8] = if raw.ends_with(b"\r\n") {
        b"\r\n"
    } else if raw.ends_with(b"\n") {
        b"\n"
    } else {
        b""
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let guarded = rec.iter().map(|c| {
        if starts_formula(c) {
            [b"'".as_slice(), c].concat()
        } else {
            c.to_vec()
        }
    });
    w.write_record(guarded).ok()?;
    let mut out = w.into_inner().ok()?;
    out.pop();
    out.extend_from_slice(line_end);
    Some((out, cols.join(", ")))
}

/// One claim line, its ids interned; `raw` is filled in once every line's end is known.
fn claim(
    ds: &mut Dataset,
    r: &Rec<ClaimCol>,
    (dates, words): (&Dates, &Statuses),
    dx: &DxColumns,
    file: u16,
    line: u64,
) -> RowResult<Claim> {
    let (patient, d, code, units, npi, sent, mbi) = (
        r.get(ClaimCol::PatientId)?,
        r.get(ClaimCol::DateOfService)?,
        r.get(ClaimCol::Hcpcs)?,
        r.get(ClaimCol::Units)?,
        r.get(ClaimCol::BillingNpi)?,
        r.get(ClaimCol::SubmittedDate)?,
        r.get(ClaimCol::Mbi)?,
    );
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    // A cell a spreadsheet would run as a formula never leaves ccm: the line is held.
    if let Some(col) = (0..r.rec.len()).find(|&i| r.rec.get(i).is_some_and(starts_formula)) {
        return fail(format!(
            "column {} holds a cell a spreadsheet would run as a formula; the line is held (remove the formula)",
            col + 1
        ));
    }
    // The line goes out byte for byte: one that held a control character (NUL, ESC) would
    // carry it into clean_claims.csv.
    if r.rec.controls {
        return fail(
            "the line holds a control character (NUL, ESC ...); the line is held (export it again)"
                .into(),
        );
    }
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    // The line's status, in words ccm knows, or the line is held: an unknown word is never
    // taken as "sent" or "not sent". A line the payer denied or the practice voided is no
    // claim that stands, whatever else it holds: excluded and said (IN009).
    let status = r.get(ClaimCol::ClaimStatus)?;
    let said_sent = if status.is_empty() {
        false
    } else {
        match words.claim(status) {
            Some(ClaimStatus::Submitted) => true,
            Some(ClaimStatus::Unsubmitted) => false,
            Some(ClaimStatus::Refused) => {
                return Err(FieldError::Excluded(Box::new(
                    crate::checks::ingest::in009::claim_line(status).patient(patient),
                )));
            }
            None => {
                return fail(format!(
                    "claim_status {} is not a status ccm knows (rules/statuses.csv, kind claim: {}); the line is held",
                    show(status),
                    words.claim_words()
                ));
            }
        }
    };
    let Some(dos) = dates.date(d) else {
        return fail(format!("date_of_service {} is not a valid date", show(d)));
    };
    if code.is_empty() {
        return fail("hcpcs is blank".into());
    }
    // A code may carry modifiers (`99490-GT`, `99490 GT`, `99490:95`): checked as its code.
    let Some(code) = hcpcs_cell(code) else {
        return fail(format!(
            "hcpcs {} is not a well-formed HCPCS code (5 digits, a letter and 4 digits, or 4 digits and F, T, U or M); the line is held",
            show(
                &code
                    .split(['-', ' ', ':'])
                    .next()
                    .unwrap_or(code)
                    .to_ascii_uppercase()
            )
        ));
    };
    let units = if units.is_empty() {
        1
    } else {
        match whole_units(units) {
            Some(u) if (1..=999).contains(&u) => u,
            _ => {
                return fail(format!(
                    "units {} is not a whole number from 1 to 999 (`2` or `2.00`)",
                    show(units)
                ));
            }
        }
    };
    // A submission date that cannot be read is not taken as "not submitted": the line is held.
    let submitted = if sent.is_empty() {
        None
    } else {
        match dates.date(sent) {
            Some(d) => Some(d),
            None => {
                return fail(format!("submitted_date {} is not a valid date", show(sent)));
            }
        }
    };
    // A Medicare ID: letters and digits once spaces and dashes are dropped, 7 to 12 of them
    // (an 11-character MBI, or an older HICN); anything else is not taken as an id.
    let mbi: String = mbi
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    let id_like = (7..=12).contains(&mbi.len()) && mbi.bytes().all(|b| b.is_ascii_alphanumeric());
    if !mbi.is_empty() && !id_like {
        return fail(format!(
            "mbi {} is not a Medicare ID (an 11-character MBI or a HICN); the line is held",
            show(&mbi)
        ));
    }
    let mbi = (!mbi.is_empty()).then_some(mbi);
    let dx = match dx.read(r) {
        Ok(dx) => dx,
        Err(msg) => return fail(msg),
    };
    let Some(npi) = Npi::parse(npi) else {
        return fail(format!(
            "billing_npi {} is not a valid NPI (10 digits with a valid check digit)",
            show(npi)
        ));
    };
    Ok(Ok(Claim {
        patient: ds.patients.intern(patient),
        date_of_service: dos,
        hcpcs: code.into(),
        units,
        npi: ds.intern_npi(&npi),
        submitted,
        sent_undated: said_sent && submitted.is_none(),
        mbi,
        dx,
        file,
        line,
        raw: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn units_as_billing_systems_write_them() {
        for (cell, want) in [
            ("1", Some(1)),
            ("2.00", Some(2)),
            ("3.0", Some(3)),
            ("1.5", None),
            ("2.", None),
            (".0", None),
            ("-1", None),
            ("1,000", None),
            ("1e2", None),
        ] {
            assert_eq!(super::whole_units(cell), want, "{cell:?}");
        }
    }
}
