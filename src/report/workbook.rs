//! The workbook (`--xlsx`): the run's summary, then the four lists of `--out` as typed,
//! filterable sheets, for billers who live in Excel.
//!
//! Each list sheet is written from the same function as its CSV: the one in `csv.rs` that
//! gives each row's fields as strings, header first ([`findings_rows`], [`claims_rows`],
//! [`held_rows`], [`worklist_rows`]), so a sheet holds exactly the CSV's cells (same
//! columns, rows and order) by construction, and each is written by its column's
//! [`CellKind`]. In verify mode clean_claims.csv is the claims file's own lines, byte for
//! byte: its sheet is those same bytes ([`claims_file_lines`]) parsed in memory as the CSV
//! would be read. Ids and months stay text, money is a number shown as currency, dates are
//! Excel dates, whole numbers are numbers. The list sheets are written row by row
//! (rust_xlsxwriter's constant-memory mode: one row in memory, the rest in an unnamed
//! temporary file in the folder the shell names), so a workbook of a million findings
//! costs no more memory than one of ten. The Findings sheets, the largest list, are filled
//! on a thread of their own beside the other lists, then added in their place: the same
//! workbook, byte for byte, as when they are filled one after the other ([`FirstUse`]).

use super::csv::{
    CLAIM_KINDS, CellKind, FINDING_KINDS, HELD_KINDS, UTF8_BOM, WORKLIST_KINDS, claims_file_kind,
    claims_file_lines, claims_rows, findings_rows, held_rows, safe_cell, worklist_rows,
};
use super::{Lists, Summary};
use crate::audit::Audit;
use crate::domain::{Dataset, Kind};
use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};

/// Excel's rows per sheet, the header row included.
pub const EXCEL_ROWS: usize = 1_048_576;

/// Excel's characters per cell.
const EXCEL_CELL_CHARS: usize = 32_767;

/// The widest a column is fitted to, in characters.
const MAX_WIDTH: usize = 60;

/// The currency format of money cells.
pub const MONEY_FORMAT: &str = "$#,##0.00";

/// The format of date cells.
pub const DATE_FORMAT: &str = "yyyy-mm-dd";

/// What the list sheets are written from: the run's results, which the CSV writers read
/// too.
pub struct ListSource<'a> {
    pub ds: &'a Dataset,
    pub audit: &'a Audit,
    pub lists: &'a Lists<'a>,
    /// Whether clean_claims.csv starts with a byte-order mark (`--bom`): in verify mode its
    /// lines are read as that file holds them, mark and all.
    pub bom: bool,
}

/// A list's rows, header first, each as its fields, as they are handed to a sheet.
type Rows<'r> = dyn FnMut(&[&str]) -> io::Result<()> + 'r;

/// clean_claims.csv's columns: what each holds (a column past the list: text) and, in
/// verify mode (the claims file's own lines), how it is read: its delimiter and whether a
/// `sep=` line comes first.
struct CsvLayout {
    delimiter: u8,
    sep_line: bool,
    kinds: Vec<CellKind>,
}

/// clean_claims.csv's layout: ccm's own columns (derive mode), or in verify mode the claims
/// file's header as written, each column by the field it feeds (else by its own name), in
/// the claims file's delimiter.
fn clean_claims_layout(ds: &Dataset, audit: &Audit) -> CsvLayout {
    let (Some(_), Some(cf)) = (&audit.verify, &ds.claims) else {
        return CsvLayout {
            delimiter: b',',
            sep_line: false,
            kinds: CLAIM_KINDS.to_vec(),
        };
    };
    let file = ds.files.iter().find(|f| f.kind == Kind::Claims);
    let delimiter = file.and_then(|f| f.read.delimiter).unwrap_or(b',');
    let head = crate::domain::without_bom(&cf.header_raw);
    let sep_line = head.len() >= 4 && head[..4].eq_ignore_ascii_case(b"sep=");
    let mut rdr = csv_reader(head, delimiter);
    let mut rec = csv::StringRecord::new();
    if sep_line {
        let _ = rdr.read_record(&mut rec);
    }
    let header: Vec<String> = match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|h| h.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    let kinds = header
        .iter()
        .map(|h| {
            let field = file
                .and_then(|f| f.columns.iter().find(|(_, head)| head.trim() == h))
                .map(|(field, _)| field.to_string())
                .unwrap_or_else(|| h.to_ascii_lowercase());
            claims_file_kind(&field).unwrap_or(CellKind::Text)
        })
        .collect();
    CsvLayout {
        delimiter,
        sep_line,
        kinds,
    }
}

fn csv_reader<R: Read>(r: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(r)
}

/// The Clean claims sheet's rows. Derive mode: [`claims_rows`], as the CSV. Verify mode:
/// the bytes clean_claims.csv is written from ([`claims_file_lines`], after the
/// byte-order mark when `--bom` writes one) parsed as a CSV reader reads that file: its
/// `sep=` line skipped, the header, then each line's cells.
fn clean_claims_rows(src: &ListSource, layout: &CsvLayout, row: &mut Rows) -> io::Result<()> {
    let Some(lines) = claims_file_lines(src.ds, src.audit) else {
        return claims_rows(src.audit, row);
    };
    let bom: &[u8] = if src.bom { UTF8_BOM } else { b"" };
    let bytes = Pieces {
        pieces: std::iter::once(bom).chain(lines),
        now: b"",
    };
    let mut rdr = csv_reader(bytes, layout.delimiter);
    let mut rec = csv::StringRecord::new();
    let mut read = |rec: &mut csv::StringRecord| rdr.read_record(rec).map_err(io::Error::other);
    if layout.sep_line {
        read(&mut rec)?;
    }
    while read(&mut rec)? {
        let fields: Vec<&str> = rec.iter().collect();
        row(&fields)?;
    }
    Ok(())
}

/// Byte slices read one after the other, each read filling as much of the buffer as they
/// can, as a file's would: the csv crate drops a byte-order mark from its first read and,
/// when that read was the mark alone, takes the empty rest for the end of the file.
struct Pieces<'a, I> {
    pieces: I,
    now: &'a [u8],
}

impl<'a, I: Iterator<Item = &'a [u8]>> Read for Pieces<'a, I> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.now.is_empty() {
                match self.pieces.next() {
                    Some(p) => self.now = p,
                    None => break,
                }
            }
            n += self.now.read(&mut buf[n..])?;
        }
        Ok(n)
    }
}

/// What went onto the list sheets, for the Summary sheet.
struct Written {
    file: &'static str,
    rows: u64,
    sheets: Vec<String>,
    /// Data rows a sheet holds.
    per_sheet: u64,
}

/// The formats every sheet shares.
struct Formats {
    bold: Format,
    title: Format,
    money: Format,
    date: Format,
}

/// Writes the workbook to `w`: Summary, Clean claims, Held, Worklist, Findings, a list
/// continuing on `Findings 2`, `Findings 3` … past `row_limit` rows a sheet (Excel's
/// [`EXCEL_ROWS`], lowered by the tests). `tempdir` is where the list sheets wait, unnamed,
/// until the workbook is zipped.
pub fn write_workbook<W: Write + Send>(
    w: W,
    summary: &Summary,
    src: &ListSource,
    row_limit: usize,
    tempdir: &Path,
) -> io::Result<()> {
    // rust_xlsxwriter panics when it cannot write a sheet's temporary file (a full disk):
    // that is an I/O error like any other, so it is caught and returned as one.
    let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write(w, summary, src, row_limit.clamp(2, EXCEL_ROWS), tempdir)
    }));
    match written {
        Ok(r) => r.map_err(into_io),
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("the workbook library stopped");
            Err(io::Error::other(plain_os_error(text)))
        }
    }
}

/// A panic's text with an I/O error's debug form (`Os { code: 28, kind: StorageFull,
/// message: "No space left on device" }`) written as the error is displayed (`No space
/// left on device (os error 28)`).
fn plain_os_error(text: &str) -> String {
    let Some(at) = text.find("Os { code: ") else {
        return text.to_string();
    };
    let rest = &text[at + "Os { code: ".len()..];
    let code = rest.split(',').next().unwrap_or("");
    let message = rest
        .split_once("message: \"")
        .and_then(|(_, m)| m.split_once('"'))
        .map(|(m, _)| m);
    match message {
        Some(m) => format!("{}{m} (os error {code})", &text[..at]),
        None => text.to_string(),
    }
}

/// An xlsx error as the I/O error it carries, or wrapped in one.
fn into_io(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        e => io::Error::other(e),
    }
}

fn write<W: Write + Send>(
    w: W,
    summary: &Summary,
    src: &ListSource,
    row_limit: usize,
    tempdir: &Path,
) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    book.set_tempdir(tempdir)?;
    // Zipping is most of the time a large workbook takes: at level 3 (of 1–9; default 6)
    // the 2M-row benchmark's lists (290k rows) took about two thirds of level 6's time,
    // for a file 13% larger (17.5 MB against 15.5).
    book.set_zip_compression_level(3);
    // Dated the as-of day, not the clock: two runs write the same workbook.
    let mut props = DocProperties::new()
        .set_title("ccm audit")
        .set_comment(format!(
            "ccm {} audit as of {}",
            summary.ccm_version, summary.as_of
        ));
    if let Some(d) = iso_date(&summary.as_of) {
        props = props.set_creation_datetime(&d);
    }
    book.set_properties(&props);
    let f = Formats {
        bold: Format::new().set_bold(),
        title: Format::new().set_bold().set_font_size(14),
        money: Format::new().set_num_format(MONEY_FORMAT),
        date: Format::new().set_num_format(DATE_FORMAT),
    };
    book.add_worksheet().set_name("Summary")?;
    let per_sheet = (row_limit - 1) as u64;
    let (ds, audit) = (src.ds, src.audit);
    let claims = clean_claims_layout(ds, audit);
    let shared = Mutex::new(book);
    let order = FirstUse::default();
    // Findings on a second thread; Clean claims, Held and Worklist on this one, which
    // leads the order the formats are first used in.
    let (first, findings) = std::thread::scope(|s| {
        let findings = s.spawn(|| {
            let mut b = Book::new(&shared, &f, per_sheet, Role::Follows(&order));
            let w = b.list("Findings", "findings.csv", &FINDING_KINDS, |row| {
                findings_rows(ds, audit, row)
            })?;
            Ok::<_, XlsxError>((w, b.sheets, b.cells.cut))
        });
        let first = {
            let _done = Leading(&order);
            let mut b = Book::new(&shared, &f, per_sheet, Role::Leads(&order));
            first_lists(&mut b, src, &claims).map(|w| (w, b.sheets, b.cells.cut))
        };
        (first, findings.join())
    });
    let (first, mut sheets, cut) = first?;
    let (found, found_sheets, found_cut) =
        findings.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    sheets.extend(found_sheets);
    let mut book = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
    // In the order they were filled in, as one thread adds them: after the Summary.
    for sheet in sheets {
        book.push_worksheet(sheet);
    }
    let [claims, held, worklist] = first;
    let written = [claims, held, worklist, found];
    write_summary(
        book.worksheet_from_index(0)?,
        summary,
        &written,
        cut + found_cut,
        &f,
    )?;
    book.save_to_writer(w)
}

/// Clean claims, Held and Worklist, in that order.
fn first_lists(
    b: &mut Book,
    src: &ListSource,
    claims: &CsvLayout,
) -> Result<[Written; 3], XlsxError> {
    let (ds, lists) = (src.ds, src.lists);
    Ok([
        b.list("Clean claims", "clean_claims.csv", &claims.kinds, |row| {
            clean_claims_rows(src, claims, row)
        })?,
        b.list("Held", "held_claims.csv", &HELD_KINDS, |row| {
            held_rows(ds, lists, row)
        })?,
        b.list("Worklist", "worklist.csv", &WORKLIST_KINDS, |row| {
            worklist_rows(ds, lists, row)
        })?,
    ])
}

/// The shared formats a list sheet may use: each a bit of a set.
const BOLD: u8 = 1;
const MONEY: u8 = 2;
const DATE: u8 = 4;

/// The order the list sheets first use the shared formats in, kept when two threads fill
/// them. rust_xlsxwriter numbers a format (its XF index, in styles.xml and in every cell
/// that uses it) the first time a constant-memory sheet of the workbook uses it, and writes
/// the number into the sheet's rows as they go; the Summary's formats (an ordinary sheet)
/// are numbered after those, at save. One thread filling every list would number them in
/// the order Clean claims, Held, Worklist, then Findings first use them. So the thread
/// filling Findings ([`Role::Follows`]) uses a format only once the thread filling the
/// others ([`Role::Leads`]) has used it (it is numbered already) or has filled all its
/// lists (Findings' first use comes after all of theirs).
#[derive(Default)]
struct FirstUse {
    /// The formats the leading thread has used, and whether it is done.
    state: Mutex<(u8, bool)>,
    told: Condvar,
}

impl FirstUse {
    fn tell(&self, change: impl FnOnce(&mut (u8, bool))) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut state);
        self.told.notify_all();
    }
}

/// The leading thread done with its lists, when dropped (returned, failed or panicked).
struct Leading<'a>(&'a FirstUse);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.tell(|s| s.1 = true);
    }
}

/// A thread's part in [`FirstUse`].
#[derive(Clone, Copy)]
enum Role<'a> {
    Leads(&'a FirstUse),
    Follows(&'a FirstUse),
}

/// The cells of a thread's list sheets: the formats, the thread's part in the order they
/// are first used in (and the ones it may use without asking), and the cells cut so far.
struct Cells<'a> {
    f: &'a Formats,
    role: Role<'a>,
    known: u8,
    cut: u64,
}

impl Cells<'_> {
    /// Before a cell in `format`: the following thread waits until the leading one has
    /// used it or is done.
    fn before(&mut self, format: u8) {
        let Role::Follows(order) = self.role else {
            return;
        };
        if self.known & format != 0 {
            return;
        }
        let mut state = order.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.0 & format == 0 && !state.1 {
            state = order
                .told
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.known = if state.1 { u8::MAX } else { state.0 };
    }

    /// After a cell in `format`: the leading thread tells it is numbered.
    fn after(&mut self, format: u8) {
        let Role::Leads(order) = self.role else {
            return;
        };
        if self.known & format == 0 {
            self.known |= format;
            order.tell(|s| s.0 |= format);
        }
    }
}

/// A thread's list sheets as they are filled: the workbook they are made in (a sheet is
/// made there, filled here and added to it once both threads are done), the cells, the data
/// rows a sheet holds and the sheets filled, in order.
struct Book<'a> {
    book: &'a Mutex<Workbook>,
    cells: Cells<'a>,
    per_sheet: u64,
    sheets: Vec<Worksheet>,
}

/// One list as its rows come: its sheets' name and column kinds, its header, the sheet
/// being filled (with its last row and its columns' widths), and the sheets and rows done.
struct List<'a> {
    name: &'static str,
    kinds: &'a [CellKind],
    header: Option<Vec<String>>,
    open: Option<(Worksheet, u32, Vec<usize>)>,
    names: Vec<String>,
    rows: u64,
}

impl<'a> Book<'a> {
    fn new(book: &'a Mutex<Workbook>, f: &'a Formats, per_sheet: u64, role: Role<'a>) -> Self {
        Book {
            book,
            cells: Cells {
                f,
                role,
                known: 0,
                cut: 0,
            },
            per_sheet,
            sheets: Vec::new(),
        }
    }

    /// One list, on as many sheets as its rows need; each sheet with the header, frozen
    /// and filtered, its columns fitted. `rows` hands over the header, then each row.
    fn list(
        &mut self,
        name: &'static str,
        file: &'static str,
        kinds: &[CellKind],
        rows: impl FnOnce(&mut Rows) -> io::Result<()>,
    ) -> Result<Written, XlsxError> {
        let mut l = List {
            name,
            kinds,
            header: None,
            open: None,
            names: Vec::new(),
            rows: 0,
        };
        rows(&mut |fields: &[&str]| self.row(&mut l, fields).map_err(into_io))?;
        // Always one sheet, a header alone when the list is empty.
        if l.names.is_empty() {
            self.open(&mut l)?;
        }
        self.close(&mut l)?;
        Ok(Written {
            file,
            rows: l.rows,
            sheets: l.names,
            per_sheet: self.per_sheet,
        })
    }

    /// The header, kept for each sheet, or a row, on the next sheet when this one is full.
    fn row(&mut self, l: &mut List, fields: &[&str]) -> Result<(), XlsxError> {
        if l.header.is_none() {
            l.header = Some(fields.iter().map(|h| h.to_string()).collect());
            return Ok(());
        }
        if l.open
            .as_ref()
            .is_some_and(|o| u64::from(o.1) >= self.per_sheet)
        {
            self.close(l)?;
        }
        if l.open.is_none() {
            self.open(l)?;
        }
        let Some((sheet, row, widths)) = &mut l.open else {
            unreachable!("a sheet was opened")
        };
        *row += 1;
        for (c, cell) in fields.iter().enumerate() {
            let kind = l.kinds.get(c).copied().unwrap_or(CellKind::Text);
            let wd = write_cell(sheet, *row, c as u16, cell, kind, &mut self.cells)?;
            if c >= widths.len() {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(wd);
        }
        Ok(())
    }

    /// Starts the list's next sheet: `Findings`, then `Findings 2` …, with the header.
    fn open(&mut self, l: &mut List) -> Result<(), XlsxError> {
        let sheet_name = match l.names.len() {
            0 => l.name.to_string(),
            n => format!("{} {}", l.name, n + 1),
        };
        let mut sheet = self
            .book
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .new_worksheet_with_constant_memory()?;
        sheet.set_name(&sheet_name)?;
        l.names.push(sheet_name);
        let header = l.header.as_deref().unwrap_or_default();
        let widths = header.iter().map(|h| h.chars().count() + 3).collect();
        for (c, h) in header.iter().enumerate() {
            // A claims file's own header (verify mode) is the user's text too.
            self.cells.before(BOLD);
            sheet.write_string_with_format(0, c as u16, safe_cell(h), &self.cells.f.bold)?;
            self.cells.after(BOLD);
        }
        l.open = Some((sheet, 0, widths));
        Ok(())
    }

    /// Ends the sheet being filled: the header frozen, a filter over its rows, its columns
    /// fitted.
    fn close(&mut self, l: &mut List) -> Result<(), XlsxError> {
        let Some((mut sheet, row, widths)) = l.open.take() else {
            return Ok(());
        };
        l.rows += u64::from(row);
        let cols = widths.len().max(1) as u16;
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, row, cols - 1)?;
        fit(&mut sheet, &widths)?;
        self.sheets.push(sheet);
        Ok(())
    }
}

/// Column widths from the longest cell of each, a little padded, at most [`MAX_WIDTH`].
fn fit(sheet: &mut Worksheet, widths: &[usize]) -> Result<(), XlsxError> {
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, ((*w).max(4) + 1).min(MAX_WIDTH) as f64)?;
    }
    Ok(())
}

/// Writes one CSV cell by its column's kind and returns the characters it shows. An empty
/// cell stays empty; a cell that does not read as its kind is written as the text it is.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    kind: CellKind,
    cells: &mut Cells,
) -> Result<usize, XlsxError> {
    if s.is_empty() {
        return Ok(0);
    }
    match kind {
        CellKind::Money => {
            if let Some(v) = money(s) {
                cells.before(MONEY);
                sheet.write_number_with_format(row, col, v, &cells.f.money)?;
                cells.after(MONEY);
                return Ok(money_width(s));
            }
        }
        CellKind::Date => {
            if let Some(d) = iso_date(s) {
                cells.before(DATE);
                sheet.write_date_with_format(row, col, &d, &cells.f.date)?;
                cells.after(DATE);
                return Ok(10);
            }
        }
        CellKind::Int => {
            if let Some(n) = int(s) {
                sheet.write_number(row, col, n)?;
                return Ok(s.len());
            }
        }
        CellKind::Text => {}
    }
    text(sheet, row, col, s, None, &mut cells.cut)
}

/// A string cell (never a formula, whatever it starts with), and like every CSV cell
/// escaped with a leading `'` when a spreadsheet would run it as one once edited or copied
/// out: every text cell of every sheet passes here, so none can carry one. Past Excel's
/// 32,767 characters a cell is cut, ending in `…`, and counted for the Summary.
fn text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    format: Option<&Format>,
    cut: &mut u64,
) -> Result<usize, XlsxError> {
    let s = safe_cell(s);
    let s = s.as_ref();
    let n = s.chars().count();
    let shown: std::borrow::Cow<str> = if n > EXCEL_CELL_CHARS {
        *cut += 1;
        let mut t: String = s.chars().take(EXCEL_CELL_CHARS - 3).collect();
        t.push_str("...");
        t.into()
    } else {
        s.into()
    };
    match format {
        Some(fm) => sheet.write_string_with_format(row, col, shown.as_ref(), fm)?,
        None => sheet.write_string(row, col, shown.as_ref())?,
    };
    Ok(n)
}

/// `-?digits[.digits]`, as money_str writes amounts.
fn money(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.len() <= 13
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && !(digits.contains('.') && frac.is_empty())
        && !(int.len() > 1 && int.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

/// The characters `$1,234.56` takes.
fn money_width(s: &str) -> usize {
    let int = s
        .split('.')
        .next()
        .unwrap_or(s)
        .trim_start_matches('-')
        .len();
    int + (int - 1) / 3 + 4 + usize::from(s.starts_with('-'))
}

/// A whole number as written (no sign but `-`, no leading zero, at most 15 digits: what
/// Excel holds exactly).
fn int(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let ok = !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    if ok {
        s.parse::<i64>().ok().map(|n| n as f64)
    } else {
        None
    }
}

/// `YYYY-MM-DD`, a day Excel can show (1900 on).
fn iso_date(s: &str) -> Option<ExcelDateTime> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    let year = u16::try_from(d.year()).ok().filter(|y| *y >= 1900)?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

/// The Summary sheet as it is written: the next row, and each column's widest cell.
struct Page<'a> {
    sh: &'a mut Worksheet,
    f: &'a Formats,
    r: u32,
    widths: Vec<usize>,
}

impl Page<'_> {
    fn width(&mut self, c: u16, n: usize) {
        let c = c as usize;
        if self.widths.len() <= c {
            self.widths.resize(c + 1, 0);
        }
        self.widths[c] = self.widths[c].max(n.min(MAX_WIDTH));
    }
    /// A text cell of this row.
    fn text(&mut self, c: u16, v: &str) -> Result<(), XlsxError> {
        let n = text(self.sh, self.r, c, v, None, &mut 0)?;
        self.width(c, n);
        Ok(())
    }
    /// A row of bold headings.
    fn heads(&mut self, heads: &[&str]) -> Result<(), XlsxError> {
        for (c, h) in heads.iter().enumerate() {
            self.sh
                .write_string_with_format(self.r, c as u16, *h, &self.f.bold)?;
            self.width(c as u16, h.chars().count());
        }
        self.r += 1;
        Ok(())
    }
    fn number(&mut self, c: u16, v: u64) -> Result<(), XlsxError> {
        self.sh.write_number(self.r, c, v as f64)?;
        self.width(c, v.to_string().len());
        Ok(())
    }
    /// A money figure as currency (a number), or the text if it is not an amount.
    fn money(&mut self, c: u16, v: &str) -> Result<(), XlsxError> {
        match money(v) {
            Some(x) => {
                self.sh
                    .write_number_with_format(self.r, c, x, &self.f.money)?;
                self.width(c, money_width(v));
                Ok(())
            }
            None => self.text(c, v),
        }
    }
    /// A row: a label and a text.
    fn pair(&mut self, k: &str, v: &str) -> Result<(), XlsxError> {
        self.text(0, k)?;
        self.text(1, v)?;
        self.r += 1;
        Ok(())
    }
    /// A row: a label and a count.
    fn count(&mut self, k: &str, v: u64) -> Result<(), XlsxError> {
        self.text(0, k)?;
        self.number(1, v)?;
        self.r += 1;
        Ok(())
    }
    /// A row: a label and an amount.
    fn amount(&mut self, k: &str, v: &str) -> Result<(), XlsxError> {
        self.text(0, k)?;
        self.money(1, v)?;
        self.r += 1;
        Ok(())
    }
}

/// The Summary sheet: the run, its figures, where each list went, the months (with a
/// chart when there are several), the files read and the notes.
fn write_summary(
    sh: &mut Worksheet,
    s: &Summary,
    written: &[Written],
    cut: u64,
    f: &Formats,
) -> Result<(), XlsxError> {
    sh.write_string_with_format(
        0,
        0,
        format!("ccm {} - CCM billing audit", s.ccm_version),
        &f.title,
    )?;
    let mut p = Page {
        sh,
        f,
        r: 2,
        widths: Vec::new(),
    };
    summary_run(&mut p, s)?;
    summary_figures(&mut p, s)?;
    summary_sheets(&mut p, written)?;
    summary_by_month(&mut p, s)?;
    summary_files(&mut p, s)?;
    summary_notes(&mut p, s, written, cut)?;
    let widths = std::mem::take(&mut p.widths);
    fit(p.sh, &widths)
}

/// Writes the run section: version, as-of date, policy, date of service, rules, mode, months.
fn summary_run(p: &mut Page<'_>, s: &Summary) -> Result<(), XlsxError> {
    p.heads(&["run"])?;
    p.pair("ccm version", s.ccm_version)?;
    match iso_date(&s.as_of) {
        Some(d) => {
            p.text(0, "as of")?;
            p.sh.write_date_with_format(p.r, 1, &d, &p.f.date)?;
            p.width(1, 10);
            p.r += 1;
        }
        None => p.pair("as of", &s.as_of)?,
    }
    p.pair("policy", s.policy)?;
    p.pair("date of service", s.date_of_service)?;
    p.pair("rules", &s.rules)?;
    p.pair("mode", s.mode)?;
    p.pair("months", &s.months.join(", "))?;
    p.r += 1;
    Ok(())
}

/// Writes the figures section: counts, money, and findings by severity.
fn summary_figures(p: &mut Page<'_>, s: &Summary) -> Result<(), XlsxError> {
    p.heads(&["figures"])?;
    p.count("patients", s.patients as u64)?;
    p.count("patient-months", s.patient_months as u64)?;
    p.count("outcomes clean", s.months_clean as u64)?;
    p.count("outcomes blocked", s.months_blocked as u64)?;
    p.count("outcomes below threshold", s.months_below_threshold as u64)?;
    p.count("outcomes open", s.months_open as u64)?;
    p.count("clean claim lines", s.clean_claim_lines as u64)?;
    for (k, v) in [
        ("claim lines held", s.claim_lines_held),
        ("claims going out", s.claims_going_out),
        ("claims held", s.claims_held),
    ] {
        if let Some(v) = v {
            p.count(k, v as u64)?;
        }
    }
    p.amount("expected payment", &s.expected_payment)?;
    p.amount("amount blocked by errors", &s.amount_blocked)?;
    if let Some(c) = &s.claimed {
        p.amount("claimed", c)?;
    }
    if let Some(a) = &s.amount_at_risk {
        p.amount("amount at risk (held)", a)?;
    }
    p.amount("amount left unbilled", &s.amount_unbilled)?;
    for sev in ["error", "warning", "info"] {
        let n = s.findings_by_severity.get(sev).copied().unwrap_or(0);
        p.count(&format!("findings: {sev}"), n as u64)?;
    }
    p.r += 1;
    Ok(())
}

/// Writes the sheets section: each list's rows and the sheets it is on.
fn summary_sheets(p: &mut Page<'_>, written: &[Written]) -> Result<(), XlsxError> {
    p.heads(&["sheets"])?;
    p.heads(&["list", "rows", "on sheets"])?;
    for w in written {
        p.text(0, w.file)?;
        p.number(1, w.rows)?;
        p.text(2, &w.sheets.join(", "))?;
        p.r += 1;
    }
    p.r += 1;
    Ok(())
}

/// Writes the by-month section, with a stacked chart beside it when there are several.
fn summary_by_month(p: &mut Page<'_>, s: &Summary) -> Result<(), XlsxError> {
    // The months: money supported, held and left unbilled, with a chart beside when the
    // run has several.
    let verify = s.mode == "verify";
    p.heads(&["by month"])?;
    let head_row = p.r;
    p.heads(&[
        "month",
        "patient-months",
        "clean claim lines",
        "supported",
        if verify {
            "held (at risk)"
        } else {
            "held (blocked)"
        },
        "left unbilled",
    ])?;
    let first = p.r;
    for m in &s.by_month {
        p.text(0, &m.month)?;
        p.number(1, m.patient_months as u64)?;
        p.number(2, m.clean_claim_lines as u64)?;
        p.money(3, &m.expected_payment)?;
        p.money(
            4,
            if verify {
                &m.amount_at_risk
            } else {
                &m.amount_blocked
            },
        )?;
        p.money(5, &m.amount_unbilled)?;
        p.r += 1;
    }
    if s.by_month.len() > 1 {
        let last = p.r - 1;
        let mut chart = Chart::new(ChartType::ColumnStacked);
        for c in 3..=5u16 {
            chart
                .add_series()
                .set_name(("Summary", head_row, c))
                .set_categories(("Summary", first, 0, last, 0))
                .set_values(("Summary", first, c, last, c));
        }
        chart
            .title()
            .set_name("Supported, held and left unbilled by month");
        chart.y_axis().set_num_format("$#,##0");
        chart.set_width(640).set_height(320);
        p.sh.insert_chart(head_row, 7, &chart)?;
    }
    p.r += 1;
    Ok(())
}

/// Writes the files-read section: rows read, counted and excluded (by reason) per file.
fn summary_files(p: &mut Page<'_>, s: &Summary) -> Result<(), XlsxError> {
    p.heads(&["files read"])?;
    p.heads(&[
        "file",
        "kind",
        "rows read",
        "counted",
        "excluded",
        "excluded by reason",
    ])?;
    for file in &s.files {
        p.text(0, &file.file)?;
        p.text(1, file.kind)?;
        p.number(2, file.rows_read)?;
        p.number(3, file.rows_counted)?;
        p.number(4, file.rows_excluded)?;
        let reasons: Vec<String> = file
            .excluded_by_reason
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if !reasons.is_empty() {
            p.text(5, &reasons.join(", "))?;
        }
        p.r += 1;
    }
    p.r += 1;
    Ok(())
}

/// Writes the notes section: the run's notes, read notes, lists split over sheets, cut cells.
fn summary_notes(
    p: &mut Page<'_>,
    s: &Summary,
    written: &[Written],
    cut: u64,
) -> Result<(), XlsxError> {
    p.heads(&["notes"])?;
    let mut notes: Vec<String> = s.notes.clone();
    for file in &s.files {
        for n in &file.read_as.notes {
            notes.push(format!("read: {}: {n}", file.file));
        }
    }
    for w in written.iter().filter(|w| w.sheets.len() > 1) {
        notes.push(format!(
            "{}: {} rows on {} sheets ({}): a sheet holds {} rows, the header included",
            w.file,
            w.rows,
            w.sheets.len(),
            w.sheets.join(", "),
            w.per_sheet + 1,
        ));
    }
    if cut > 0 {
        notes.push(format!(
            "{cut} cell(s) longer than Excel's {EXCEL_CELL_CHARS} characters are cut, ending in ...; the CSV files hold them whole"
        ));
    }
    if notes.is_empty() {
        notes.push("none".into());
    }
    for n in &notes {
        // A note runs across the row; it does not widen column A.
        text(p.sh, p.r, 0, n, None, &mut 0)?;
        p.r += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_their_kind_or_stay_text() {
        assert_eq!(money("60.49"), Some(60.49));
        assert_eq!(money("0.00"), Some(0.0));
        assert_eq!(money("-5.10"), Some(-5.1));
        for not in [
            "", "$60.49", "1,234.00", "1e5", "NaN", "inf", "007.00", "5.", ".5",
        ] {
            assert_eq!(money(not), None, "{not}");
        }
        assert_eq!(int("20"), Some(20.0));
        assert_eq!(int("0"), Some(0.0));
        for not in ["1;2", "0012", "1.0", "+3", "", "1234567890123456"] {
            assert_eq!(int(not), None, "{not}");
        }
        assert!(iso_date("2025-03-31").is_some());
        for not in [
            "2025-3-31",
            "3/31/2025",
            "2025-02-30",
            "1899-12-31",
            "2025-03",
        ] {
            assert!(iso_date(not).is_none(), "{not}");
        }
        assert_eq!(money_width("1234.56"), "$1,234.56".len());
        assert_eq!(money_width("60.49"), "$60.49".len());
    }

    /// The thread filling Findings uses a format only once the other has used it or is
    /// done, so the formats are numbered as when one thread fills every list.
    #[test]
    fn the_following_thread_waits_for_the_leading_ones_first_use() {
        let f = Formats {
            bold: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(14),
            money: Format::new().set_num_format(MONEY_FORMAT),
            date: Format::new().set_num_format(DATE_FORMAT),
        };
        let order = FirstUse::default();
        let cells = |role| Cells {
            f: &f,
            role,
            known: 0,
            cut: 0,
        };
        let seen = |order: &FirstUse| *order.state.lock().unwrap();
        std::thread::scope(|s| {
            let follower = s.spawn(|| {
                let mut c = cells(Role::Follows(&order));
                c.before(MONEY);
                let at_money = seen(&order);
                c.before(DATE);
                (at_money, seen(&order))
            });
            let _done = Leading(&order);
            let mut c = cells(Role::Leads(&order));
            for format in [BOLD, DATE, MONEY] {
                std::thread::sleep(std::time::Duration::from_millis(20));
                c.before(format);
                c.after(format);
            }
            // Date was used before money: the follower passed both by then.
            let (at_money, at_date) = follower.join().unwrap();
            assert_eq!(at_money, (BOLD | DATE | MONEY, false));
            assert_eq!(at_date, (BOLD | DATE | MONEY, false));
        });
        // A format the leader never used: the follower goes on once the leader is done.
        let order = FirstUse::default();
        std::thread::scope(|s| {
            let follower = s.spawn(|| {
                let mut c = cells(Role::Follows(&order));
                c.before(DATE);
                seen(&order)
            });
            let done = Leading(&order);
            let mut c = cells(Role::Leads(&order));
            std::thread::sleep(std::time::Duration::from_millis(20));
            c.after(MONEY);
            std::thread::sleep(std::time::Duration::from_millis(20));
            drop(done);
            assert_eq!(follower.join().unwrap(), (MONEY, true));
        });
    }
}
