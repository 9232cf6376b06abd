//! An `.xlsx` workbook read directly: one sheet turned into CSV text in memory, which the
//! same reader then reads as any CSV file (title block, footers, findings), so nothing
//! downstream knows a workbook was read.
//!
//! Line `n` of that text is sheet row `n` (1-based): empty rows above the sheet's first
//! cell become empty lines, an empty row an empty line (not a record, as in a CSV file),
//! and a line break inside a cell a space (a note says how many), so findings name sheet
//! rows. Cells become text as a person reads them in Excel: strings as they are, whole
//! numbers without `.0`, dates `YYYY-MM-DD`, times and durations `HH:MM:SS`, date-times
//! `YYYY-MM-DD HH:MM:SS`, errors as their text (`#N/A`).

use super::IngestError;
use crate::domain::printable;
use calamine::{Data, DataRef, Reader, SheetType, SheetVisible, Xlsx};

/// Limits on a workbook, checked before it is unpacked (docs/inputs.md, *Files*): its
/// size, what its parts unpack to in all, and how much one part may grow (a zip bomb
/// grows thousands of times; a real sheet's XML some 5 to 30 times).
pub const MAX_WORKBOOK_BYTES: u64 = 256 << 20;
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
pub const MAX_RATIO: u64 = 200;
/// The CSV text a sheet may become (it is held in memory while it is read).
pub const MAX_SHEET_TEXT: usize = 512 << 20;
/// Rows of a sheet looked at for the header when the sheets are tried in turn.
const HEADER_ROWS: u32 = 30;

/// A sheet as CSV text, and the notes that say which sheet and what was changed.
pub(super) struct Sheet {
    pub(super) csv: Vec<u8>,
    pub(super) notes: Vec<String>,
}

/// Reads sheet `sheet` (else the first visible worksheet whose first rows hold a header
/// that `fits`) of the workbook `bytes` as CSV text. Memory follows the cells present,
/// never the sheet's declared dimension.
pub(super) fn to_csv(
    bytes: &[u8],
    sheet: Option<&str>,
    name: &str,
    fits: &dyn Fn(&[String]) -> bool,
) -> Result<Sheet, IngestError> {
    let bad = |msg: String| IngestError::Workbook {
        file: printable(name, 200),
        msg,
    };
    if let Some(what) = not_a_workbook(bytes) {
        return Err(bad(what));
    }
    check_zip(bytes).map_err(bad)?;
    let mut book =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(printable(&e.to_string(), 200)))?;
    let sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let list = |f: &dyn Fn(&(String, bool)) -> bool| {
        sheets
            .iter()
            .filter(|s| f(s))
            .map(|(s, _)| format!("`{}`", printable(s, 60)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hidden = list(&|s| !s.1);
    let hidden_note = if hidden.is_empty() {
        String::new()
    } else {
        format!("; hidden sheets not read: {hidden}")
    };
    let read = |book: &mut Xlsx<_>, at: usize| {
        convert(book, &sheets[at].0, None).map_err(|e| bad(printable(&e, 200)))
    };
    let (at, mut notes) = match sheet {
        Some(want) => {
            let at = sheets.iter().position(|(s, _)| s == want).ok_or_else(|| {
                IngestError::NoSuchSheet {
                    file: printable(name, 200),
                    sheet: printable(want, 60),
                    sheets: list(&|_| true),
                }
            })?;
            let note = format!(
                "sheet `{}` (sheet {} of {}, as --sheet names{})",
                printable(want, 60),
                at + 1,
                sheets.len(),
                if sheets[at].1 {
                    ""
                } else {
                    "; it is hidden in Excel"
                }
            );
            (at, vec![note])
        }
        None => {
            let visible: Vec<usize> = (0..sheets.len()).filter(|i| sheets[*i].1).collect();
            let Some(&first) = visible.first() else {
                return Err(bad(if sheets.is_empty() {
                    "it holds no worksheet".to_string()
                } else {
                    format!(
                        "every worksheet is hidden in Excel ({hidden}): name the one to read with --sheet"
                    )
                }));
            };
            let mut chosen = None;
            if visible.len() > 1 {
                for &i in &visible {
                    let head = convert(&mut book, &sheets[i].0, Some(HEADER_ROWS))
                        .map_err(|e| bad(printable(&e, 200)))?;
                    if head.rows.iter().any(|r| fits(r)) {
                        chosen = Some(i);
                        break;
                    }
                }
                if chosen.is_none() {
                    return Err(bad(format!(
                        "none of its visible sheets ({}) has the columns needed in its first {HEADER_ROWS} rows{hidden_note}: name the sheet to read with --sheet",
                        list(&|s| s.1)
                    )));
                }
            }
            let at = chosen.unwrap_or(first);
            let note = if at == first {
                format!(
                    "sheet `{}` (the first visible of {}{hidden_note})",
                    printable(&sheets[at].0, 60),
                    sheets.len()
                )
            } else {
                format!(
                    "sheet `{}` (sheet {} of {}): the sheets before it lack the columns{hidden_note}",
                    printable(&sheets[at].0, 60),
                    at + 1,
                    sheets.len()
                )
            };
            (at, vec![note])
        }
    };
    let got = read(&mut book, at)?;
    if got.broken > 0 {
        notes.push(format!(
            "line breaks inside {} cell{} were read as spaces (so lines are sheet rows)",
            got.broken,
            if got.broken == 1 { "" } else { "s" }
        ));
    }
    if got.unsaved > 0 {
        notes.push(format!(
            "{} cell{} hold a formula with no saved value (the workbook was not saved by Excel after it was calculated): read as the formula's text, e.g. `={}`; open and save it in Excel to read the values",
            got.unsaved,
            if got.unsaved == 1 { "" } else { "s" },
            printable(&got.first_formula, 60)
        ));
    }
    Ok(Sheet {
        csv: got.csv,
        notes,
    })
}

/// What a file named as a workbook is when it is not one (a zip archive): said by its
/// first bytes, none of its content.
fn not_a_workbook(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if bytes.starts_with(OLE) {
        let utf16 = |s: &str| -> Vec<u8> { s.bytes().flat_map(|b| [b, 0]).collect() };
        let has = |s: &str| memchr::memmem::find(bytes, &utf16(s)).is_some();
        return Some(if has("EncryptedPackage") {
            "it is an encrypted (password-protected) workbook: save a copy without a password, as .xlsx or CSV".to_string()
        } else {
            "it is an OLE compound file, an Excel 97-2003 .xls workbook: save it from Excel as .xlsx or CSV".to_string()
        });
    }
    let head = &bytes[..bytes.len().min(4096)];
    if head.is_empty() {
        return Some("it is empty".to_string());
    }
    let zeros_at = |odd: usize| {
        head.iter()
            .skip(odd)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let half = head.len() / 2;
    if head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
        || (half > 0 && (zeros_at(1) * 10 > half * 3 || zeros_at(0) * 10 > half * 3))
    {
        return Some("it is UTF-16 text, not a workbook: name it .csv".to_string());
    }
    if !head.contains(&0) {
        return Some("it is a text (CSV) file, not a workbook: name it .csv".to_string());
    }
    Some("it is not an .xlsx workbook (not a zip archive)".to_string())
}

/// What is said of a workbook of `len` bytes (`None`: a stream cut past the limit), over
/// [`MAX_WORKBOOK_BYTES`].
pub(super) fn too_big(len: Option<u64>) -> String {
    let max = MAX_WORKBOOK_BYTES >> 20;
    match len {
        Some(len) => format!(
            "it is {} MB, over the {max} MB a workbook may be (save the sheet as CSV)",
            len >> 20
        ),
        None => format!("it is over the {max} MB a workbook may be (save the sheet as CSV)"),
    }
}

/// The zip archive's declared sizes against the limits, before anything is unpacked; an
/// OpenDocument spreadsheet is named.
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() as u64 > MAX_WORKBOOK_BYTES {
        return Err(too_big(Some(bytes.len() as u64)));
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        format!(
            "it is not a readable zip archive ({})",
            printable(&e.to_string(), 80)
        )
    })?;
    let mut total = 0u64;
    let mut ods = false;
    let mut xlsx = false;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("a part cannot be read ({})", printable(&e.to_string(), 80)))?;
        let (size, packed) = (f.size(), f.compressed_size());
        let part = f.name().map(|n| n.into_owned()).unwrap_or_default();
        ods |= part == "mimetype" || part == "content.xml";
        xlsx |= part == "xl/workbook.xml";
        total = total.saturating_add(size);
        if size > 1 << 20 && size / packed.max(1) > MAX_RATIO {
            return Err(format!(
                "its part {} unpacks {} times larger than it is stored ({} MB), over the {MAX_RATIO} times a workbook may (a zip bomb?)",
                printable(&part, 60),
                size / packed.max(1),
                size >> 20
            ));
        }
        if total > MAX_UNPACKED_BYTES {
            return Err(format!(
                "its parts unpack to more than {} MB, over the limit (save the sheet as CSV)",
                MAX_UNPACKED_BYTES >> 20
            ));
        }
    }
    if !xlsx && ods {
        return Err(
            "it is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV".to_string(),
        );
    }
    Ok(())
}

/// A sheet streamed into CSV text (or, with `head`, only its first rows' cells).
#[derive(Default)]
struct Converted {
    csv: Vec<u8>,
    rows: Vec<Vec<String>>,
    broken: usize,
    unsaved: usize,
    first_formula: String,
}

/// Streams sheet `name`'s cells: a first pass finds the columns used (the text starts
/// at the first used column, as Excel's used range does), a second writes each row.
fn convert<RS: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    head: Option<u32>,
) -> Result<Converted, String> {
    let err = |e: calamine::XlsxError| e.to_string();
    let mut out = Converted::default();
    let (mut min_col, mut max_col) = (u32::MAX, 0u32);
    {
        let mut cells = book.worksheet_cells_reader(name).map_err(err)?;
        while let Some(c) = cells.next_cell_with_formula().map_err(err)? {
            if head.is_some_and(|h| c.pos.0 >= h) {
                break;
            }
            if c.value != DataRef::Empty || c.formula.is_some() {
                min_col = min_col.min(c.pos.1);
                max_col = max_col.max(c.pos.1);
            }
        }
    }
    if min_col == u32::MAX {
        return Ok(out);
    }
    let width = (max_col - min_col + 1) as usize;
    let mut cells = book.worksheet_cells_reader(name).map_err(err)?;
    let mut row: Vec<String> = vec![String::new(); width];
    let mut row_at: Option<u32> = None;
    let mut lines = 0u32;
    let flush = |out: &mut Converted, row: &mut Vec<String>, at: u32, lines: &mut u32| {
        while *lines < at {
            out.csv.push(b'\n');
            *lines += 1;
        }
        if head.is_some() {
            out.rows
                .push(row.iter().map(|c| c.trim().to_string()).collect());
        } else if row.iter().any(|c| !c.is_empty()) {
            for (i, c) in row.iter_mut().enumerate() {
                if c.contains(['\n', '\r']) {
                    out.broken += 1;
                    *c = c.replace("\r\n", " ").replace(['\r', '\n'], " ");
                }
                if i > 0 {
                    out.csv.push(b',');
                }
                field(&mut out.csv, c);
            }
        }
        out.csv.push(b'\n');
        *lines += 1;
        row.iter_mut().for_each(String::clear);
    };
    while let Some(c) = cells.next_cell_with_formula().map_err(err)? {
        let (r, col) = c.pos;
        if head.is_some_and(|h| r >= h) {
            break;
        }
        if row_at != Some(r) {
            if let Some(at) = row_at {
                flush(&mut out, &mut row, at, &mut lines);
                if out.csv.len() > MAX_SHEET_TEXT {
                    return Err(format!(
                        "sheet {} is over {} MB as text (save it as CSV)",
                        printable(name, 60),
                        MAX_SHEET_TEXT >> 20
                    ));
                }
            }
            row_at = Some(r);
        }
        if col < min_col || col > max_col {
            continue;
        }
        let text = match (&c.value, &c.formula) {
            (DataRef::Empty, Some(f)) if !f.is_empty() => {
                out.unsaved += 1;
                if out.first_formula.is_empty() {
                    out.first_formula = f.clone();
                }
                format!("={f}")
            }
            (v, _) => cell_text(&Data::from(v.clone())),
        };
        row[(col - min_col) as usize] = text;
    }
    if let Some(at) = row_at {
        flush(&mut out, &mut row, at, &mut lines);
    }
    Ok(out)
}

/// Writes one CSV field, quoted when it holds a comma or a quote.
fn field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A cell as text, as Excel shows its value.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::Error(e) => e.to_string(),
        // A duration's fraction of a second is dropped: it never adds to a minute.
        Data::DateTime(dt) if dt.is_duration() => clock(millis(dt.as_f64()).div_euclid(1000)),
        Data::DateTime(dt) => {
            let v = dt.as_f64();
            if v < 1.0 {
                return clock_ms(millis(v));
            }
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            let at = chrono::NaiveDate::from_ymd_opt(y.into(), m.into(), d.into())
                .and_then(|d| d.and_hms_milli_opt(hh.into(), mm.into(), ss.into(), ms.into()));
            match at {
                // 1900-02-29, which Excel believes in: the serial as it is.
                None => number(v),
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                Some(t) if ms == 0 => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                // A time with a fraction of a second (a dialer's or a timer's timestamp):
                // kept, so a start's fraction moves it to the next second and an end's is
                // dropped, as in a CSV (a call 09:00:00.4-09:19:59.6 is not 20 minutes).
                Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            }
        }
        Data::DateTimeIso(s) => {
            let s = s.split('.').next().unwrap_or(s);
            match s.split_once('T') {
                Some((d, "00:00:00")) => d.to_string(),
                Some((d, t)) => format!("{d} {t}"),
                None => s.to_string(),
            }
        }
        Data::DurationIso(s) => iso_duration(s).map_or_else(|| s.clone(), clock),
    }
}

/// A number as Excel shows it in General format: whole numbers without a decimal point.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A fraction of a day as whole milliseconds (rounded: a sheet's float holds a typed
/// 09:20:00 a hair above or below it).
fn millis(days: f64) -> i64 {
    (days * 86_400_000.0).round() as i64
}

/// A time of day in milliseconds as `HH:MM:SS`, with `.mmm` when there is a fraction of
/// a second.
fn clock_ms(ms: i64) -> String {
    match ms.rem_euclid(1000) {
        0 => clock(ms.div_euclid(1000)),
        f => format!("{}.{f:03}", clock(ms.div_euclid(1000))),
    }
}

/// Seconds as `HH:MM:SS` (hours past 24 for a long duration).
fn clock(s: i64) -> String {
    let (sign, s) = if s < 0 { ("-", -s) } else { ("", s) };
    format!("{sign}{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// An ISO 8601 duration (`PT1H30M`, `P1DT2H`, `PT45M10.5S`) in whole seconds.
fn iso_duration(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    let mut total = 0f64;
    let mut in_time = false;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' | '.' => num.push(c),
            unit => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                total += n * match (unit, in_time) {
                    ('D', false) => 86_400.0,
                    ('W', false) => 7.0 * 86_400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
            }
        }
    }
    num.is_empty().then_some(total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::{cell_text, iso_duration};
    use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType};

    fn dt(v: f64, duration: bool) -> Data {
        let t = if duration {
            ExcelDateTimeType::TimeDelta
        } else {
            ExcelDateTimeType::DateTime
        };
        Data::DateTime(ExcelDateTime::new(v, t, false))
    }

    #[test]
    fn cells_read_as_excel_shows_them() {
        assert_eq!(cell_text(&Data::Float(20.0)), "20");
        assert_eq!(cell_text(&Data::Float(1234567893.0)), "1234567893");
        assert_eq!(cell_text(&Data::Float(20.5)), "20.5");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::String(" P1 ".into())), " P1 ");
        assert_eq!(cell_text(&Data::Error(CellErrorType::NA)), "#N/A");
        assert_eq!(cell_text(&Data::Empty), "");
        // 45720 is 2025-03-04 in the 1900 date system.
        assert_eq!(cell_text(&dt(45720.0, false)), "2025-03-04");
        assert_eq!(cell_text(&dt(45720.375, false)), "2025-03-04 09:00:00");
        assert_eq!(cell_text(&dt(0.375, false)), "09:00:00");
        // A time a hair under the second it shows is that second.
        assert_eq!(cell_text(&dt(0.375 - 1e-9, false)), "09:00:00");
        assert_eq!(
            cell_text(&dt(45720.375 - 1e-9, false)),
            "2025-03-04 09:00:00"
        );
        assert_eq!(cell_text(&dt(25.0 / 1440.0, true)), "00:25:00");
        assert_eq!(cell_text(&dt(1.5, true)), "36:00:00");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2025-03-04T09:00:00".into())),
            "2025-03-04 09:00:00"
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("2025-03-04T00:00:00".into())),
            "2025-03-04"
        );
        assert_eq!(cell_text(&Data::DurationIso("PT25M".into())), "00:25:00");
        assert_eq!(iso_duration("P1DT2H3M4S"), Some(93_784));
        assert_eq!(iso_duration("PT1.5M"), Some(90));
        assert_eq!(iso_duration("1H"), None);
        assert_eq!(iso_duration("PT5"), None);
    }
}
