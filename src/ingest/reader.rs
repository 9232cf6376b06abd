//! Opening an input file: the one place a CSV reader is built (delimiter, flexible rows so
//! a record of the wrong width is a finding rather than an error, physical line numbers),
//! its header read and resolved to the kind's columns (a byte-order mark before the first
//! header is dropped by `norm_key`, with the spaces, `_`, `-` and `.` it ignores); then
//! field access to the records read.

use super::dates;
use super::lines::LineCounter;
use super::schema::{self, Schema};
use super::schema::{HeaderProblem, Source};
use super::sniff::{self, SAMPLE};
use super::{IngestError, Progress, ReadOptions};
use crate::checks::ingest::{invalid_value, malformed_row};
use crate::domain::{
    Dataset, DateOrder, Finding, Kind, SourceFile, parse_clock_secs, parse_date, printable,
};
use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;

/// A reader over one input file of kind `C` whose header has been read, with its columns
/// resolved.
pub(super) struct Input<C> {
    /// The file's name as the user gave it, for messages.
    pub(super) name: String,
    pub(super) rdr: csv::Reader<LineCounter<Box<dyn Read + Send>>>,
    pub(super) progress: Option<Progress>,
    /// Where each of the kind's columns comes from, by [`Schema::index`].
    pub(super) idx: Vec<Source>,
    /// The header's cells, trimmed (a decoder may read columns by pattern: `Dx 1` …).
    pub(super) heads: Vec<String>,
    /// Fields in the header: a record with another number is malformed.
    pub(super) width: usize,
    /// The file's index in `Dataset::files`.
    pub(super) file: u16,
    pub(super) delimiter: u8,
    pub(super) reader_decodes: Option<usize>,
    /// How the file's dates are read.
    pub(super) dates: std::sync::Arc<super::dates::Dates>,
    /// Where the text read stands before the header: an Excel `sep=` line's length, and
    /// the offset of the header's first byte (past a title block). Record offsets count
    /// from the header.
    pub(super) sep_len: usize,
    pub(super) header_at: usize,
    /// A time log's two-part durations are a timer's minutes and seconds (`12:30`): the
    /// cell that proved it, from the file's first bytes ([`mmss_proof`]), or from another
    /// time log of the run with the same header ([`super::timelog::follow_run_durations`]).
    pub(super) mmss: Option<MmssProof>,
    /// Every date in the file's first bytes fits both day/month orders and no file read
    /// before it proved one: [`Input::follow_run_order`] may still settle it.
    pub(super) order_unproven: bool,
    /// A file decoded line by line ([`super::mixed`]): what it found, for its notes.
    pub(super) mixed: Option<std::sync::Arc<super::mixed::Mixed>>,
    /// The map the header was resolved with: a record that cannot be read is tried as a
    /// second header with it ([`second_header`]).
    pub(super) map: super::HeaderMap,
    /// The header's physical line.
    pub(super) header_line: u64,
    pub(super) kind: PhantomData<C>,
}

/// What proved a time log's two-part durations a timer's `mm:ss`.
#[derive(Clone, Debug)]
pub(super) struct MmssProof {
    /// The cell that as `h:mm` would be an entry of over four hours.
    pub(super) cell: String,
    /// The run's time log it was found in, when not this one.
    pub(super) from: Option<String>,
}

impl<C> Input<C> {
    /// A file whose every date fits both orders, opened before the run's other files were
    /// read (a time log is opened first): it follows the order they prove, as a file read
    /// after them does ([`dates::settle`]), and its notes and IN008 say so. Before any row.
    pub(super) fn follow_run_order(&mut self, ds: &mut Dataset) {
        if !self.order_unproven {
            return;
        }
        let Some((order, file, cell)) = dates::run_proof(&ds.files) else {
            return;
        };
        let how = dates::OrderHow::Follows { file, cell };
        let read = &mut ds.files[self.file as usize].read;
        let assumed = dates::order_note(DateOrder::Mdy, &dates::OrderHow::Unproven);
        if let Some(n) = read
            .notes
            .iter_mut()
            .find(|n| Some(n.as_str()) == assumed.as_deref())
        {
            *n = dates::order_note(order, &how).unwrap_or_default();
        }
        read.date_order = Some(dates::order_name(order));
        read.date_order_doubt = date_order_doubt(&how);
        self.dates = std::sync::Arc::new(dates::Dates::new(order, self.dates.tz));
        self.order_unproven = false;
    }
}

pub(super) fn open_file(path: &Path, name: &str) -> Result<std::fs::File, IngestError> {
    if path.is_dir() {
        return Err(IngestError::IsDir {
            file: name.to_string(),
        });
    }
    std::fs::File::open(path).map_err(|e| IngestError::Io {
        file: name.to_string(),
        source: e,
    })
}

fn io_err(name: &str) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |e| IngestError::Io {
        file: name.to_string(),
        source: e,
    }
}

/// Opens a file of kind `C`: see [`open_source`]. The file is closed again once its
/// header is read: the [`Input`] reopens it where it stopped on its first read, so a run
/// of hundreds of time logs, whose headers are all read before any row, holds one open
/// at a time (a 256 open-file limit is macOS's default).
pub(super) fn open<C: Schema>(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<Input<C>, IngestError> {
    let f = open_file(path, name)?;
    let xlsx_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let len = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    let rest = Reopen::new(path, f);
    let parked = rest.handle();
    let input = open_source(ds, Box::new(rest), len, xlsx_name, name, opts)?;
    parked.close();
    Ok(input)
}

/// A file read from start to end that may be closed between two reads ([`Parked::close`])
/// and is then reopened, on the next read, at the byte it stopped at. The file reopened
/// must be the one closed (same device and inode): a file replaced in between is an error,
/// never read from the middle.
struct Reopen {
    path: std::path::PathBuf,
    /// Bytes read so far: where a reopened file is read from.
    at: u64,
    id: Option<(u64, u64)>,
    file: Parked,
}

/// The open file of a [`Reopen`], shared with whoever may close it.
#[derive(Clone)]
struct Parked(std::sync::Arc<std::sync::Mutex<Option<std::fs::File>>>);

impl Parked {
    /// Closes the file; the next read reopens it.
    fn close(&self) {
        drop(self.0.lock().map(|mut f| f.take()));
    }
}

impl Reopen {
    fn new(path: &Path, f: std::fs::File) -> Reopen {
        let id = file_id(&f);
        Reopen {
            path: path.to_path_buf(),
            at: 0,
            id,
            file: Parked(std::sync::Arc::new(std::sync::Mutex::new(Some(f)))),
        }
    }
    fn handle(&self) -> Parked {
        self.file.clone()
    }
}

/// A file's device and inode, where the system has them.
fn file_id(f: &std::fs::File) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        f.metadata().ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = f;
        None
    }
}

impl Read for Reopen {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::{Seek, SeekFrom};
        let mut slot = self
            .file
            .0
            .lock()
            .map_err(|_| std::io::Error::other("a reader panicked"))?;
        if slot.is_none() {
            let mut f = std::fs::File::open(&self.path)?;
            if file_id(&f) != self.id {
                return Err(std::io::Error::other(
                    "the file was replaced while ccm read it",
                ));
            }
            f.seek(SeekFrom::Start(self.at))?;
            *slot = Some(f);
        }
        let n = slot.as_mut().map_or(Ok(0), |f| f.read(buf))?;
        self.at += n as u64;
        Ok(n)
    }
}

/// The first bytes of `r` (at most `n`) and whether they are all it holds.
fn read_head(r: &mut dyn Read, n: usize, name: &str) -> Result<(Vec<u8>, bool), IngestError> {
    let mut head = Vec::with_capacity(n.min(1 << 16));
    r.take(n as u64)
        .read_to_end(&mut head)
        .map_err(io_err(name))?;
    let whole = head.len() < n;
    Ok((head, whole))
}

/// Reads the header of a file of kind `C` and resolves its columns; then registers the
/// file in the dataset (fixing its index), no row read yet.
///
/// Once per file, from its first bytes: a workbook (`PK` magic, or `is_xlsx`) is turned
/// into CSV text (`xlsx`); a text file's encoding is sniffed (`sniff::encoding`) and,
/// when it is not UTF-8, the file is transcoded to UTF-8 as it streams; then the header is
/// looked for among the first lines and the delimiter chosen (`sniff::layout`). UTF-8
/// bytes are read as they are: nothing is added per row.
pub(super) fn open_source<C: Schema>(
    ds: &mut Dataset,
    mut raw: Box<dyn Read + Send>,
    len: Option<u64>,
    is_xlsx: bool,
    name: &str,
    opts: &ReadOptions,
) -> Result<Input<C>, IngestError> {
    let (head, whole) = read_head(&mut raw, SAMPLE, name)?;
    if is_xlsx || head.starts_with(XLSX_MAGIC) {
        // A workbook is read whole into memory: never more than a workbook may be. Its
        // length, where the system says it, is checked before it is read; a stream is cut
        // one byte past the limit.
        let too_big = |len: Option<u64>| IngestError::Workbook {
            file: printable(name, 200),
            msg: super::xlsx::too_big(len),
        };
        let max = super::xlsx::MAX_WORKBOOK_BYTES;
        if let Some(len) = len.filter(|&l| l > max) {
            return Err(too_big(Some(len)));
        }
        let mut bytes = head;
        let left = (max + 1).saturating_sub(bytes.len() as u64);
        raw.take(left)
            .read_to_end(&mut bytes)
            .map_err(io_err(name))?;
        if bytes.len() as u64 > max {
            return Err(too_big(None));
        }
        let (csv, how, opts) = workbook::<C>(bytes, name, opts)?;
        return open_text(ds, csv, true, Box::new(std::io::empty()), how, name, &opts);
    }
    let enc = text_encoding(&head, whole, name)?;
    match enc.transcode_from() {
        None => {
            // A file its first bytes hold whole is not read again (nor reopened).
            let rest: Box<dyn Read + Send> = if whole {
                Box::new(std::io::empty())
            } else {
                raw
            };
            open_text(ds, head, whole, rest, How::text(enc), name, opts)
        }
        // Not UTF-8: each line that is stays so, the others are windows-1252 (two
        // exports joined), said in the notes once read (`mixed`).
        Some(_) if enc == sniff::Encoding::Windows1252 => {
            let decoded = super::mixed::LineDecoder::new(std::io::Cursor::new(head).chain(raw));
            let mixed = decoded.mixed.clone();
            let mut input = open_decoded(ds, Box::new(decoded), enc, name, opts)?;
            input.mixed = Some(mixed);
            Ok(input)
        }
        Some(from) => {
            let source = std::io::Cursor::new(head).chain(raw);
            let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(from))
                .strip_bom(true)
                .build_with_buffer(source, vec![0u8; 1 << 16])
                .map_err(io_err(name))?;
            open_decoded(ds, Box::new(decoded), enc, name, opts)
        }
    }
}

/// A transcoded file: its first decoded bytes read for the header, the rest streamed.
fn open_decoded<C: Schema>(
    ds: &mut Dataset,
    mut decoded: Box<dyn Read + Send>,
    enc: sniff::Encoding,
    name: &str,
    opts: &ReadOptions,
) -> Result<Input<C>, IngestError> {
    let (head, whole) = read_head(&mut decoded, SAMPLE, name)?;
    open_text(ds, head, whole, decoded, How::text(enc), name, opts)
}

/// The encoding of a text file whose first bytes are `head`; UTF-16 without a byte-order
/// mark is an error that names no byte of the file.
fn text_encoding(head: &[u8], whole: bool, name: &str) -> Result<sniff::Encoding, IngestError> {
    if sniff::utf16_without_bom(head) {
        return Err(IngestError::Utf16NoBom {
            file: printable(name, 200),
        });
    }
    Ok(sniff::encoding(head, whole))
}

/// A zip archive's first bytes: an `.xlsx` workbook.
const XLSX_MAGIC: &[u8] = b"PK\x03\x04";

/// A workbook's sheet as CSV text, how it was read, and the options to read that text with
/// (a comma). `--sheet` names the time log's sheet; other kinds read their first.
fn workbook<C: Schema>(
    bytes: Vec<u8>,
    name: &str,
    opts: &ReadOptions,
) -> Result<(Vec<u8>, How, ReadOptions), IngestError> {
    let sheet = if C::KIND == Kind::Timelog {
        opts.sheet.as_deref()
    } else {
        None
    };
    let fits = |heads: &[String]| schema::resolve(C::KIND, heads, &opts.map).is_ok();
    let book = super::xlsx::to_csv(&bytes, sheet, name, &fits)?;
    let how = How {
        format: "xlsx",
        encoding: "xlsx",
        notes: book.notes,
    };
    let mut opts = opts.clone();
    opts.delimiter = Some(b',');
    Ok((book.csv, how, opts))
}

/// How a file's bytes became the UTF-8 text read.
struct How {
    format: &'static str,
    encoding: &'static str,
    notes: Vec<String>,
}

impl How {
    fn text(enc: sniff::Encoding) -> How {
        How {
            format: "csv",
            encoding: enc.label(),
            notes: enc.note().into_iter().collect(),
        }
    }
}

/// A whole file already in memory (a claims file, kept for its lines as written): the
/// [`Input`] reading it, and the UTF-8 text it reads (the bytes themselves, transcoded, or
/// a workbook's sheet as CSV), read the same way as [`open_source`] reads a stream.
pub(super) fn open_bytes<C: Schema>(
    ds: &mut Dataset,
    bytes: Vec<u8>,
    is_xlsx: bool,
    name: &str,
    opts: &ReadOptions,
) -> Result<(Input<C>, Vec<u8>), IngestError> {
    let (text, how, opts) = if is_xlsx || bytes.starts_with(XLSX_MAGIC) {
        workbook::<C>(bytes, name, opts)?
    } else {
        let sample = &bytes[..bytes.len().min(SAMPLE)];
        let enc = text_encoding(sample, sample.len() == bytes.len(), name)?;
        let mixed = super::mixed::Mixed::default();
        let text = match enc.transcode_from() {
            None => bytes,
            Some(_) if enc == sniff::Encoding::Windows1252 => {
                super::mixed::decode_all(&bytes, &mixed)
            }
            Some(from) => from
                .decode_with_bom_removal(&bytes)
                .0
                .into_owned()
                .into_bytes(),
        };
        let mut how = How::text(enc);
        how.notes.extend(mixed.notes());
        (text, how, opts.clone())
    };
    let empty = Box::new(std::io::empty());
    let input = open_text(ds, text.clone(), true, empty, how, name, &opts)?;
    Ok((input, text))
}

/// Reads the header of UTF-8 text whose first bytes are `head` (`whole`: all of it) and
/// the rest `rest`: see [`open_source`].
fn open_text<C: Schema>(
    ds: &mut Dataset,
    head: Vec<u8>,
    whole: bool,
    rest: Box<dyn Read + Send>,
    how: How,
    name: &str,
    opts: &ReadOptions,
) -> Result<Input<C>, IngestError> {
    let layout = sniff::layout(&head, whole, opts.delimiter, |heads| {
        schema::resolve(C::KIND, heads, &opts.map).is_ok()
    });
    let delimiter = layout.delimiter;
    // The text from the header on, kept to read the dates' day/month order once the date
    // columns are known (the header is not resolved yet).
    let sample = head[layout.header_at..].to_vec();
    let mut head = std::io::Cursor::new(head);
    head.set_position(layout.header_at as u64);
    let source: Box<dyn Read + Send> = Box::new(head.chain(rest));
    let counter = LineCounter::new(source).skip_lines(layout.lines_above);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(counter);
    let mut header = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut header)
        .map_err(|e| csv_err(name, e))?;
    if !got {
        return Err(IngestError::Empty {
            file: name.to_string(),
        });
    }
    let heads: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let idx = schema::resolve(C::KIND, &heads, &opts.map).map_err(|problems| {
        header_error(name, &heads, with_role(C::KIND, &heads, opts, problems))
    })?;
    let file = ds.files.len() as u16;
    let columns = C::COLUMNS
        .iter()
        .zip(&idx)
        .filter_map(|(c, i)| i.column().map(|i| (c.name, heads[i].clone())))
        .collect();
    let constants: Vec<(&'static str, String)> = C::COLUMNS
        .iter()
        .zip(&idx)
        .filter_map(|(c, i)| match i {
            Source::Const(v) => Some((c.name, printable(v, 40))),
            _ => None,
        })
        .collect();
    // The day/month order of the file's dates, from the dates in the first bytes read.
    let date_cols: Vec<usize> = C::COLUMNS
        .iter()
        .zip(&idx)
        .filter(|(c, _)| c.name.contains("date"))
        .filter_map(|(_, s)| s.column())
        .collect();
    let evidence = dates::order_evidence(&sample, delimiter, &date_cols);
    let mmss = C::COLUMNS
        .iter()
        .position(|c| c.name == "minutes")
        .and_then(|c| idx[c].column())
        .and_then(|col| mmss_proof(&sample, delimiter, col))
        .map(|cell| MmssProof { cell, from: None });
    let (order, order_how) = dates::settle(opts.date_order, &evidence, dates::run_proof(&ds.files));
    let mut notes = how.notes;
    notes.extend(
        constants
            .iter()
            .map(|(f, v)| crate::domain::constant_note(f, v)),
    );
    notes.extend(dates::order_note(order, &order_how));
    notes.extend(layout_notes(&layout, delimiter));
    // Names are not ids: a patient id column whose values are people's names would merge
    // two people with one name and put names in the claims. Exit 2 unless the map says so.
    if let Some(col) = C::COLUMNS
        .iter()
        .position(|c| c.name == "patient_id")
        .and_then(|c| idx[c].column())
        && !opts.map.names_are_ids(C::KIND)
        && let Some((names, sampled)) = names_in_column(&sample, delimiter, col)
    {
        return Err(IngestError::NamesAsIds {
            file: printable(name, 200),
            column: printable(&heads[col], 60),
            names,
            sampled,
        });
    }
    let unread_decision_columns = unread_decision_columns(C::KIND, &heads, &idx);
    ds.files.push(SourceFile {
        name: name.to_string(),
        kind: C::KIND,
        rows_read: 0,
        columns,
        headers: heads.clone(),
        read: crate::domain::ReadAs {
            format: how.format,
            encoding: how.encoding,
            delimiter: (how.format != "xlsx").then_some(delimiter),
            header_line: layout.lines_above + 1,
            lines_skipped_above: layout.lines_above,
            date_order: (order_how != dates::OrderHow::NotNeeded).then(|| dates::order_name(order)),
            date_order_doubt: date_order_doubt(&order_how),
            date_proof: match &order_how {
                dates::OrderHow::Proven(cell) => Some((order, cell.clone())),
                _ => None,
            },
            unread_decision_columns,
            constants,
            wide_columns: Vec::new(),
            notes,
        },
    });
    Ok(Input {
        name: name.to_string(),
        rdr,
        progress: opts.progress.clone(),
        idx,
        heads,
        width: header.len(),
        file,
        delimiter,
        reader_decodes: opts.reader_decodes,
        dates: std::sync::Arc::new(dates::Dates::new(order, opts.tz)),
        sep_len: layout.sep_len,
        header_at: layout.header_at,
        mmss,
        order_unproven: order_how == dates::OrderHow::Unproven,
        mixed: None,
        map: opts.map.clone(),
        header_line: layout.lines_above + 1,
        kind: PhantomData,
    })
}

/// What the layout says of how the file was read: Excel's `sep=` line, a sniffed delimiter
/// other than the comma, a title block above the header.
fn layout_notes(layout: &sniff::Layout, delimiter: u8) -> Vec<String> {
    let mut notes = Vec::new();
    if layout.sep_len > 0 {
        notes.push(format!(
            "line 1 is Excel's `sep={}` line naming the delimiter: skipped",
            delimiter as char
        ));
    } else if layout.sniffed && delimiter != b',' {
        notes.push(format!(
            "fields are separated by {} (sniffed)",
            delimiter_name(delimiter)
        ));
    }
    if layout.title_lines > 0 {
        let n = layout.title_lines;
        notes.push(format!(
            "a title block of {n} line{} above the header was skipped",
            if n == 1 { "" } else { "s" }
        ));
    }
    notes
}

/// A time log's headers that look as if they decide whether an entry counts but feed no
/// field (IN010): said, never silently ignored. At most ten, printable.
fn unread_decision_columns(kind: Kind, heads: &[String], idx: &[Source]) -> Vec<String> {
    let fed: Vec<usize> = idx.iter().filter_map(|i| i.column()).collect();
    heads
        .iter()
        .enumerate()
        .filter(|(i, h)| !fed.contains(i) && crate::checks::ingest::in010::decides(kind, h))
        .map(|(_, h)| printable(h, 60))
        .take(10)
        .collect()
}

/// Why the file's day/month order is in doubt, when it is.
fn date_order_doubt(how: &dates::OrderHow) -> Option<String> {
    match how {
        dates::OrderHow::Unproven => {
            Some("every date in the file fits both day/month orders".to_string())
        }
        dates::OrderHow::Follows { file, cell } => Some(format!(
            "every date in the file fits both day/month orders; {} proves one ({cell:?})",
            printable(file, 200)
        )),
        dates::OrderHow::Contradicted { mdy, dmy } => Some(format!(
            "the file's dates contradict each other ({mdy:?} is month-first, {dmy:?} day-first)"
        )),
        _ => None,
    }
}

/// Every missing column at once: a time log's role too, when no roster gives it (checked
/// once the file opens, but said here with the others).
fn with_role(
    kind: Kind,
    heads: &[String],
    opts: &ReadOptions,
    mut problems: Vec<HeaderProblem>,
) -> Vec<HeaderProblem> {
    if kind == Kind::Timelog
        && !opts.staff_roster
        && !schema::gives(kind, "staff_role", heads, &opts.map)
    {
        problems.push(HeaderProblem::Missing(
            "staff_role (or a staff roster: --staff FILE)",
        ));
    }
    problems
}

/// The error for a header that cannot be read as its kind: one problem as it always was
/// said; several, all at once in one line.
fn header_error(name: &str, heads: &[String], mut problems: Vec<HeaderProblem>) -> IngestError {
    let file = printable(name, 200);
    if problems.len() == 1 {
        return match problems.remove(0) {
            HeaderProblem::Missing(column) => IngestError::MissingColumn {
                file,
                column: column.to_string(),
                seen: headers_seen(heads),
            },
            HeaderProblem::Duplicate {
                field,
                header,
                first,
                second,
            } => IngestError::DuplicateHeader {
                file,
                field: field.to_string(),
                header: printable(&header, 40),
                first,
                second,
            },
            HeaderProblem::TwoSources {
                field,
                a,
                b,
                first,
                second,
            } => IngestError::TwoSources {
                file,
                field: field.to_string(),
                columns: format!(
                    "columns {first} (`{}`) and {second} (`{}`)",
                    printable(&a, 40),
                    printable(&b, 40)
                ),
                a: printable(&a, 40),
            },
            HeaderProblem::MapMissing { field, header } => IngestError::MapHeader {
                file,
                field: field.to_string(),
                header: printable(&header, 40),
                seen: headers_seen(heads),
            },
        };
    }
    let said: Vec<String> = problems
        .iter()
        .map(|p| match p {
            HeaderProblem::Missing(column) => format!("required column `{column}` not found"),
            HeaderProblem::Duplicate {
                field,
                header,
                first,
                second,
            } => format!(
                "columns {first} and {second} are both headed `{}`, which ccm reads {field} from",
                printable(header, 40)
            ),
            HeaderProblem::TwoSources {
                field,
                a,
                b,
                first,
                second,
            } => format!(
                "columns {first} (`{}`) and {second} (`{}`) could both be the {field}: name one with --map",
                printable(a, 40),
                printable(b, 40)
            ),
            HeaderProblem::MapMissing { field, header } => format!(
                "the map names header `{}` for {field}, but the file has no such header",
                printable(header, 40)
            ),
        })
        .collect();
    IngestError::Columns {
        file,
        problems: said,
        seen: headers_seen(heads),
    }
}

/// A delimiter as a note names it.
fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tabs".to_string(),
        d => format!("`{}`", d as char),
    }
}

pub(super) fn csv_err(name: &str, e: csv::Error) -> IngestError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => IngestError::Io {
            file: name.to_string(),
            source: io,
        },
        other => IngestError::Csv {
            file: name.to_string(),
            msg: format!("{other:?}"),
        },
    }
}

/// One record's fields as a batch keeps them: the fields' bytes one after another and
/// where each field ends (relative to the record's first byte).
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) ends: &'a [usize],
    /// Cleaning removed a control character from the record ([`super::clean`]).
    pub(super) controls: bool,
}

impl<'a> Fields<'a> {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
    pub(super) fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(start..end)
    }
    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.range(i).map(|r| &self.bytes[r])
    }
    /// Every field's bytes, one after another.
    pub(super) fn as_slice(&self) -> &'a [u8] {
        self.bytes
    }
    #[cfg(test)]
    pub(super) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let f = *self;
        (0..f.len()).map(move |i| &f.bytes[f.range(i).expect("a field of the record")])
    }
}

/// One record of a file of kind `C` being decoded: field access by named column, UTF-8
/// checked.
pub(super) struct Rec<'a, C> {
    pub(super) rec: Fields<'a>,
    /// Where each of the kind's columns comes from, by [`Schema::index`].
    idx: &'a [Source],
    /// The whole record as text, checked once on first use when it all is (the usual
    /// case), so fields are cut from it without checking each again.
    text: std::cell::OnceCell<Option<&'a str>>,
    kind: PhantomData<C>,
}

/// A record that could not be read as a row, read as a header of the kind instead (two
/// exports joined, the second's header kept; the header's cells under other names): `None`
/// when it is no header; else the fields ccm reads that its names put in another column
/// than the file's header (`idx`) does, none for a repeated header under other names.
#[cold]
pub(super) fn second_header(
    kind: Kind,
    rec: Fields,
    idx: &[Source],
    map: &super::HeaderMap,
) -> Option<Vec<&'static str>> {
    let heads: Vec<String> = (0..rec.len())
        .map(|i| {
            String::from_utf8_lossy(rec.get(i).unwrap_or_default())
                .trim()
                .to_string()
        })
        .collect();
    let found = schema::resolve(kind, &heads, map).ok()?;
    Some(
        found
            .iter()
            .zip(idx)
            .zip(schema::columns(kind))
            .filter(|((a, b), _)| a.column() != b.column())
            .map(|(_, c)| c.name)
            .collect(),
    )
}

pub(super) enum FieldError {
    /// Bytes that are not UTF-8 in a field ccm needs.
    NotUtf8(&'static str),
    /// A row left out for a reason of its own (an open timer): the finding that says so,
    /// without its file and line.
    Excluded(Box<Finding>),
}

impl<'a, C: Schema> Rec<'a, C> {
    pub(super) fn new(rec: Fields<'a>, idx: &'a [Source]) -> Self {
        Rec {
            rec,
            idx,
            text: Default::default(),
            kind: PhantomData,
        }
    }

    /// The trimmed field of column `c`; empty when the file has no such column.
    pub(super) fn get(&self, c: C) -> Result<&'a str, FieldError> {
        let c = c.index();
        let i = match &self.idx[c] {
            Source::Column(i) => *i,
            Source::Const(v) => return Ok(v),
            Source::Absent => return Ok(""),
        };
        let rec = self.rec;
        let whole = *self
            .text
            .get_or_init(|| std::str::from_utf8(rec.as_slice()).ok());
        // A field is cut from the whole record when its ends fall on character boundaries
        // (they need not: a character could straddle two fields); else checked alone.
        let s = match whole.and_then(|t| t.get(rec.range(i)?)) {
            Some(s) => s,
            None => match rec.get(i) {
                None => return Ok(""),
                Some(b) => {
                    std::str::from_utf8(b).map_err(|_| FieldError::NotUtf8(C::COLUMNS[c].name))?
                }
            },
        };
        // Most fields begin and end with a visible ASCII character: nothing to trim.
        let b = s.as_bytes();
        let visible = |x: Option<&u8>| x.is_some_and(|&x| (0x21..0x7f).contains(&x));
        if visible(b.first()) && visible(b.last()) {
            Ok(s)
        } else {
            Ok(s.trim())
        }
    }
    /// Whether the file has column `c` (or the map gives it a constant).
    pub(super) fn has(&self, c: C) -> bool {
        self.idx[c.index()] != Source::Absent
    }
    /// The bytes of column `c` as read, untrimmed and unchecked; empty when absent.
    pub(super) fn raw(&self, c: C) -> &'a [u8] {
        match &self.idx[c.index()] {
            Source::Column(i) => self.rec.get(*i).unwrap_or(b""),
            Source::Const(v) => v.as_bytes(),
            Source::Absent => b"",
        }
    }
}

/// A decoded row, or what is wrong with it: (patient, message) for a value that does not
/// parse (IN002), or a field that is not text (IN001).
pub(super) type RowResult<T> = Result<Result<T, (String, String)>, FieldError>;

/// The row, or `None` with the finding that excludes it added to `findings`: IN002 naming
/// the patient for a value that does not parse, IN001 for a field that is not text.
pub(super) fn accepted<T>(
    r: RowResult<T>,
    kind: Kind,
    file: u16,
    line: u64,
    findings: &mut Vec<Finding>,
) -> Option<T> {
    let f = match r {
        Ok(Ok(row)) => return Some(row),
        Ok(Err((patient, msg))) => invalid_value(kind, msg).patient(&patient),
        Err(FieldError::NotUtf8(col)) => {
            malformed_row(kind, format!("column `{col}` is not valid UTF-8 text"))
        }
        Err(FieldError::Excluded(f)) => *f,
    };
    findings.push(f.at(file, line));
    None
}

/// A reader of the text `sample` (header first) that settles how a file is read: its
/// date order, its durations, its id column.
pub(super) fn sample_reader(sample: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(sample)
}

/// A duration column's proof that its two-part cells are a timer's `mm:ss`: the first
/// `a:bb` cell (of the first 5,000) that as `h:mm` would be an entry of more than four hours
/// (`4:30`, `12:30`, `19:30`: [`LONGEST_HMM_SECS`](crate::domain::LONGEST_HMM_SECS), the
/// bound over which such a cell is refused in a file not proved so). `None`: nothing
/// proves it; `h:mm` as documented.
fn mmss_proof(sample: &[u8], delimiter: u8, col: usize) -> Option<String> {
    let mut rdr = sample_reader(sample, delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while n < 5000 && rdr.read_byte_record(&mut rec).unwrap_or(false) {
        n += 1;
        let Some(v) = rec.get(col).and_then(super::clean::cell) else {
            continue;
        };
        let v = v.trim();
        if let Some((a, b)) = v.split_once(':')
            && !b.contains(':')
            && b.len() == 2
            && b.bytes().all(|x| x.is_ascii_digit())
            && a.bytes().all(|x| x.is_ascii_digit())
            && let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>())
            && a < 60
            && b < 60
            && (a * 60 + b) * 60 > crate::domain::LONGEST_HMM_SECS
        {
            return Some(v.to_string());
        }
    }
    None
}

/// Whether column `col` of the text `sample` (header first) holds people's names: of its
/// first 200 filled values, at least 2 and at least half look like `Garcia, Maria` or
/// `Maria Garcia` (two words or more of letters, no digit). `(names, sampled)` when so.
fn names_in_column(sample: &[u8], delimiter: u8, col: usize) -> Option<(usize, usize)> {
    let mut rdr = sample_reader(sample, delimiter);
    let (mut names, mut sampled) = (0usize, 0usize);
    let mut rec = csv::ByteRecord::new();
    while sampled < 200 && rdr.read_byte_record(&mut rec).unwrap_or(false) {
        let Some(v) = rec.get(col).and_then(super::clean::cell) else {
            continue;
        };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        sampled += 1;
        names += usize::from(looks_like_a_name(v));
    }
    (names >= 2 && names * 2 >= sampled).then_some((names, sampled))
}

/// `Garcia, Maria`, `Maria Garcia`, `O'Neil, Mary-Kate`: two words or more, each of
/// letters (and `'`, `-`, `.`), no digit anywhere.
fn looks_like_a_name(v: &str) -> bool {
    if v.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let words: Vec<&str> = v
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 2
        && words.iter().all(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.'))
                && w.chars().any(char::is_alphabetic)
        })
}

/// A value from the input as shown in a message: quoted, and cut short so a huge or
/// misplaced field never floods a message.
pub(super) fn show(s: &str) -> String {
    const MAX: usize = 24;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{:?}...", &s[..i]),
        None => format!("{s:?}"),
    }
}

/// An Excel `sep=X` first line (after a byte-order mark, if any): the delimiter and the
/// bytes to skip, terminator included.
pub(super) fn sep_line(head: &[u8]) -> Option<(u8, usize)> {
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let rest = &head[bom..];
    if rest.len() < 5 || !rest[..4].eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    let d = rest[4];
    let end = match &rest[5..] {
        [b'\r', b'\n', ..] => 7,
        [b'\n', ..] | [b'\r', ..] => 6,
        [] => 5,
        _ => return None,
    };
    (d.is_ascii() && !d.is_ascii_alphanumeric() && d != b'"').then_some((d, bom + end))
}

/// What an error may say about a file's first line: the header names, at most 20, each
/// cut to 40 characters with control characters escaped; or, when the line looks like a
/// data row (a date, a clock time or a long number in a cell), only that, so no patient
/// data reaches the terminal or a log.
pub(super) fn headers_seen(heads: &[String]) -> String {
    // NUL is in no header: the bytes are not text in an encoding ccm reads (UTF-32, a
    // binary file), and what they hold is not shown.
    if heads.iter().any(|h| h.contains('\0')) {
        return "the first line holds NUL bytes: not text ccm can read (save it as CSV UTF-8)"
            .to_string();
    }
    let data_like = heads.iter().any(|h| {
        parse_date(h).is_some()
            || parse_clock_secs(h).is_some()
            || (h.len() >= 5 && h.bytes().all(|b| b.is_ascii_digit()))
    });
    if data_like {
        return "the first line looks like data: is the header row missing?".to_string();
    }
    const MOST: usize = 20;
    let mut names: Vec<String> = heads.iter().take(MOST).map(|h| printable(h, 40)).collect();
    if heads.len() > MOST {
        names.push(format!("... {} more", heads.len() - MOST));
    }
    format!("headers seen: {}", names.join(", "))
}

#[cfg(test)]
mod mmss_tests {
    use super::mmss_proof;
    use crate::domain::{LONGEST_HMM_SECS, parse_duration_secs};

    /// One decision, two uses (red team round 9: `4:30` and `4:10` refused while `3:45`
    /// was read as hours in the same stopwatch log): a two-part cell proves a file writes
    /// `mm:ss` exactly when, in a file not proved so, it is refused as too long for `h:mm`.
    #[test]
    fn a_two_part_duration_proves_mm_ss_exactly_when_it_is_refused_as_h_mm() {
        for a in 0..60 {
            for b in 0..60 {
                let v = format!("{a}:{b:02}");
                let sample = format!("minutes\n{v}\n");
                let proves = mmss_proof(sample.as_bytes(), b',', 0).is_some();
                // Over a day as h:mm (`24:01`) is no duration at all: refused as well.
                let refused = parse_duration_secs(&v).is_none_or(|d| d > LONGEST_HMM_SECS);
                assert_eq!(proves, refused, "{v}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FieldError, Fields, Rec, Source};
    use crate::ingest::schema::TimelogCol::{self, Minutes, PatientId, ServiceDate};

    fn field(fields: &[&[u8]], c: TimelogCol) -> Result<String, &'static str> {
        let bytes = fields.concat();
        let ends: Vec<usize> = fields
            .iter()
            .scan(0, |end, f| {
                *end += f.len();
                Some(*end)
            })
            .collect();
        let idx: Vec<Source> = (0..fields.len()).map(Source::Column).collect();
        let fields = Fields {
            bytes: &bytes,
            ends: &ends,
            controls: false,
        };
        let r = Rec::new(fields, &idx);
        r.get(c).map(str::to_string).map_err(|e| match e {
            FieldError::NotUtf8(col) => col,
            FieldError::Excluded(_) => "excluded",
        })
    }

    #[test]
    fn fields_are_checked_as_text_alone_whatever_the_rest_of_the_record_holds() {
        // All text: fields cut from the whole, trimmed.
        assert_eq!(
            field(&[b" P1 ", b"2025-03-04", b"n\xc3\xa9"], PatientId),
            Ok("P1".into())
        );
        assert_eq!(
            field(&[b"P1", b"2025-03-04", b"n\xc3\xa9"], ServiceDate),
            Ok("2025-03-04".into())
        );
        // Bytes that are not text elsewhere in the record do not spoil a field.
        assert_eq!(
            field(&[b"P1", b"x", b"caf\xe9"], PatientId),
            Ok("P1".into())
        );
        assert_eq!(field(&[b"P1", b"x", b"caf\xe9"], Minutes), Err("minutes"));
        // A character split across two fields is text as a whole record, but neither
        // field is text alone.
        assert_eq!(
            field(&[b"P1\xc3", b"\xa9x", b"ok"], PatientId),
            Err("patient_id")
        );
        assert_eq!(
            field(&[b"P1\xc3", b"\xa9x", b"ok"], ServiceDate),
            Err("service_date")
        );
        assert_eq!(
            field(&[b"P1\xc3", b"\xa9x", b"ok"], Minutes),
            Ok("ok".into())
        );
    }
}
