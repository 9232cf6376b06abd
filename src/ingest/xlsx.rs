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
use calamine::{Data, Reader, SheetType, Xlsx};

/// A sheet as CSV text, and the notes that say which sheet and what was changed.
pub(super) struct Sheet {
    pub(super) csv: Vec<u8>,
    pub(super) notes: Vec<String>,
}

/// Reads sheet `sheet` (else the first worksheet) of the workbook `bytes` as CSV text.
pub(super) fn to_csv(bytes: &[u8], sheet: Option<&str>, name: &str) -> Result<Sheet, IngestError> {
    let bad = |msg: String| IngestError::Workbook {
        file: printable(name, 200),
        msg,
    };
    let mut book =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(printable(&e.to_string(), 200)))?;
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let at = match sheet {
        None if sheets.is_empty() => return Err(bad("it holds no worksheet".to_string())),
        None => 0,
        Some(want) => {
            sheets
                .iter()
                .position(|s| s == want)
                .ok_or_else(|| IngestError::NoSuchSheet {
                    file: printable(name, 200),
                    sheet: printable(want, 60),
                    sheets: sheets
                        .iter()
                        .map(|s| format!("`{}`", printable(s, 60)))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?
        }
    };
    let range = book
        .worksheet_range(&sheets[at])
        .map_err(|e| bad(printable(&e.to_string(), 200)))?;
    let mut notes = vec![if sheet.is_some() {
        format!(
            "sheet `{}` (sheet {} of {}, as --sheet names)",
            printable(&sheets[at], 60),
            at + 1,
            sheets.len()
        )
    } else {
        format!(
            "sheet `{}` (the first of {})",
            printable(&sheets[at], 60),
            sheets.len()
        )
    }];
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut csv = vec![b'\n'; first_row];
    csv.reserve(range.height() * range.width() * 8);
    let mut broken = 0usize;
    let mut cells: Vec<String> = Vec::with_capacity(range.width());
    for row in range.rows() {
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        if cells.iter().any(|c| !c.is_empty()) {
            for (i, c) in cells.iter_mut().enumerate() {
                if c.contains(['\n', '\r']) {
                    broken += 1;
                    *c = c.replace("\r\n", " ").replace(['\r', '\n'], " ");
                }
                if i > 0 {
                    csv.push(b',');
                }
                field(&mut csv, c);
            }
        }
        csv.push(b'\n');
    }
    if broken > 0 {
        notes.push(format!(
            "line breaks inside {broken} cell{} were read as spaces (so lines are sheet rows)",
            if broken == 1 { "" } else { "s" }
        ));
    }
    Ok(Sheet { csv, notes })
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
        Data::DateTime(dt) if dt.is_duration() => clock(seconds(dt.as_f64())),
        Data::DateTime(dt) => {
            let v = dt.as_f64();
            if v < 1.0 {
                return clock(seconds(v));
            }
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            let at = chrono::NaiveDate::from_ymd_opt(y.into(), m.into(), d.into())
                .and_then(|d| d.and_hms_opt(hh.into(), mm.into(), ss.into()))
                .map(|t| t + chrono::Duration::seconds(i64::from(ms >= 500)));
            match at {
                // 1900-02-29, which Excel believes in: the serial as it is.
                None => number(v),
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
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

/// A fraction of a day as whole seconds (rounded).
fn seconds(days: f64) -> i64 {
    (days * 86_400.0).round() as i64
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
