//! CSV bytes → typed records. One place builds every reader (delimiter, BOM, flexible rows,
//! physical line numbers) and matches headers. A bad row becomes an IN001 / IN002 finding
//! and is excluded; a file that cannot be audited at all is an [`IngestError`].

use crate::checks::ingest::{invalid_value, malformed_row};
use crate::domain::RoleClass;
use crate::domain::{
    CarePlan, Claim, ClaimsFile, Consent, Dataset, Diagnosis, Enrolment, IdKey, Kind, Mdm, NO_TIME,
    Program, SourceFile, TimeRow, Visit,
};
use crate::domain::{Icd10, Npi, norm_key, parse_date, parse_minutes, parse_time};
use crate::rules::Ruleset;
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;
use std::io::Read;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot read {file}: it is a directory, not a file")]
    IsDir { file: String },
    #[error("{file}: the file is empty (no header row)")]
    Empty { file: String },
    #[error("{file}: required column `{column}` not found (headers seen: {seen})")]
    MissingColumn {
        file: String,
        column: String,
        seen: String,
    },
    #[error("cannot read {file}: {msg}")]
    Csv { file: String, msg: String },
    #[error("map file {file}: {msg}")]
    Map { file: String, msg: String },
}

/// One input column: canonical name, accepted aliases, whether it must be present.
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Column {
    Column {
        name,
        aliases,
        required,
    }
}

pub const TIMELOG: &[Column] = &[
    col(
        "patient_id",
        &["mrn", "patient", "patientid", "member_id"],
        true,
    ),
    col(
        "service_date",
        &["date", "date_of_service", "dos", "activity_date"],
        true,
    ),
    // Required unless start_time and end_time are both present (checked below).
    col(
        "minutes",
        &["duration", "duration_minutes", "time_spent", "mins"],
        false,
    ),
    col("start_time", &["start", "time_in"], false),
    col("end_time", &["end", "time_out"], false),
    col(
        "staff_id",
        &["staff", "user_id", "performed_by_id", "clinician_id"],
        true,
    ),
    col(
        "staff_role",
        &["role", "credential", "staff_type", "performed_by_role"],
        true,
    ),
    col(
        "program",
        &["service", "program_type", "care_program"],
        false,
    ),
    col(
        "billing_npi",
        &[
            "npi",
            "billing_provider_npi",
            "provider_npi",
            "rendering_npi",
        ],
        true,
    ),
    col("activity", &["activity_type", "category", "task"], false),
    col(
        "note",
        &["notes", "description", "comment", "details"],
        false,
    ),
];

pub const CONSENTS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "consent_date",
        &["date", "signed_date", "obtained_date"],
        true,
    ),
    col("program", &["service"], false),
    col("method", &["type", "consent_type"], false),
    col(
        "billing_npi",
        &["npi", "practitioner_npi", "provider_npi"],
        false,
    ),
    col(
        "revoked_date",
        &["revocation_date", "opt_out_date", "end_date"],
        false,
    ),
];

pub const DIAGNOSES: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "icd10_code",
        &["icd10", "icd_10", "dx", "dx_code", "diagnosis_code", "code"],
        true,
    ),
    col("onset_date", &["start_date", "noted_date", "date"], false),
    col(
        "resolved_date",
        &["end_date", "resolution_date", "inactive_date"],
        false,
    ),
    col("description", &["dx_description", "name"], false),
];

pub const ENROLMENTS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("program", &["service", "program_type"], true),
    col("start_date", &["enrolled_date", "from"], true),
    col("end_date", &["disenrolled_date", "to"], false),
    col("billing_npi", &["npi", "provider_npi"], false),
    col("icd10_code", &["condition", "dx"], false),
];

pub const CAREPLANS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("plan_date", &["date"], true),
    // Read by nothing: any care-plan event proves a plan exists (EL005).
    col("action", &["event", "status"], false),
    col("mdm", &["complexity", "medical_decision_making"], false),
    col("shared_with_patient", &["shared", "copy_given"], false),
];

pub const VISITS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("visit_date", &["date", "encounter_date"], true),
    col("hcpcs", &["cpt", "code", "procedure_code"], true),
    col("billing_npi", &["npi", "provider_npi"], false),
];

pub const CLAIMS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "date_of_service",
        &["dos", "service_date", "from_date"],
        true,
    ),
    col("hcpcs", &["cpt", "code", "procedure_code"], true),
    col("units", &["qty", "quantity", "unit_count"], false),
    col(
        "billing_npi",
        &["npi", "billing_provider_npi", "provider_npi"],
        true,
    ),
    col("claim_id", &["claim_number", "icn"], false),
];

pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Timelog => TIMELOG,
        Kind::Consents => CONSENTS,
        Kind::Diagnoses => DIAGNOSES,
        Kind::Enrolments => ENROLMENTS,
        Kind::Careplans => CAREPLANS,
        Kind::Visits => VISITS,
        Kind::Claims => CLAIMS,
    }
}

/// User header mapping from `--map FILE`: `[timelog]` then `patient_id = "Client Number"`.
#[derive(Default, Debug, Clone)]
pub struct HeaderMap {
    by_kind: HashMap<String, HashMap<String, String>>,
}

impl HeaderMap {
    pub fn parse(file: &str, text: &str) -> Result<HeaderMap, IngestError> {
        let by_kind: HashMap<String, HashMap<String, String>> =
            toml::from_str(text).map_err(|e| IngestError::Map {
                file: file.to_string(),
                msg: e
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or("invalid")
                    .to_string(),
            })?;
        for (kind, cols) in &by_kind {
            let k = [
                Kind::Timelog,
                Kind::Consents,
                Kind::Diagnoses,
                Kind::Enrolments,
                Kind::Careplans,
                Kind::Visits,
                Kind::Claims,
            ]
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| IngestError::Map {
                file: file.to_string(),
                msg: format!("unknown section [{kind}] (timelog, consents, diagnoses, enrolments, careplans, visits, claims)"),
            })?;
            for c in cols.keys() {
                if !columns(k).iter().any(|col| col.name == c) {
                    return Err(IngestError::Map {
                        file: file.to_string(),
                        msg: format!("[{kind}] has no column `{c}`"),
                    });
                }
            }
        }
        Ok(HeaderMap { by_kind })
    }
    fn get(&self, kind: Kind, column: &str) -> Option<&str> {
        self.by_kind
            .get(kind.as_str())
            .and_then(|m| m.get(column))
            .map(String::as_str)
    }
}

/// Called now and then while a file is read with (records read, bytes read), so the shell
/// can show progress. The library itself never touches the terminal.
pub type Progress = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How often (in records) progress is reported.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Options for reading.
#[derive(Clone)]
pub struct ReadOptions {
    pub delimiter: u8,
    pub map: HeaderMap,
    pub progress: Option<Progress>,
    /// How many records of each batch of 512 the reading thread decodes, the rest being
    /// decoded on the caller's; `None` (the default) moves the share to whichever thread
    /// waits on the other. A fixed share is for tests: the result is the same either way.
    pub reader_decodes: Option<usize>,
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("delimiter", &self.delimiter)
            .field("map", &self.map)
            .field("progress", &self.progress.is_some())
            .field("reader_decodes", &self.reader_decodes)
            .finish()
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: b',',
            map: HeaderMap::default(),
            progress: None,
            reader_decodes: None,
        }
    }
}

/// Counts line ends as bytes pass, so a record's byte offset maps to its physical line.
/// Keeps only the positions not yet passed by a record (bounded by the read-ahead buffer).
///
/// The csv crate's `Position::line()` is off on CRLF input and after blank lines, and its
/// byte offset points where the parser *began* looking: just after the terminator byte that
/// ended the previous record, so possibly at a `\n` of a CRLF or at blank lines. We count
/// the line ends before that offset and then skip the run of `\r`/`\n` bytes at it.
struct LineCounter<R> {
    inner: R,
    pos: u64,
    /// Positions of `\r` (false) and `\n` (true) bytes not yet passed.
    pending: VecDeque<(u64, bool)>,
    lines_before: u64,
    /// The raw bytes from the start of the record last begun (plus read-ahead), so the
    /// file's last record can be re-read for a quote left open.
    tail: Vec<u8>,
    /// File offset of `tail[0]`.
    tail_start: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            self.pending
                .push_back((self.pos + i as u64, buf[i] == b'\n'));
        }
        self.pos += n as u64;
        self.tail.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    /// Bytes before `offset` (the start of the record just read) are no longer needed.
    /// They are dropped in bulk, so the cost per byte stays constant.
    fn mark(&mut self, offset: u64) {
        let done = (offset.saturating_sub(self.tail_start) as usize).min(self.tail.len());
        if done >= 1 << 18 && done * 2 >= self.tail.len() {
            self.tail.drain(..done);
            self.tail_start += done as u64;
        }
    }

    /// Whether the record that began at `offset` (the file's last) ends inside a quoted
    /// field, read the way the csv crate reads it (RFC 4180: a quote opens a field only
    /// at its start, `""` inside is a quote).
    fn ends_in_open_quote(&self, offset: u64, delimiter: u8) -> bool {
        let from = (offset.saturating_sub(self.tail_start) as usize).min(self.tail.len());
        #[derive(PartialEq)]
        enum S {
            Start,
            Field,
            Quoted,
            QuoteInQuoted,
        }
        let mut s = S::Start;
        for &b in &self.tail[from..] {
            s = match s {
                S::Start | S::Field if b == b'\n' || b == b'\r' => S::Start,
                S::Start if b == b'"' => S::Quoted,
                S::Start | S::Field if b == delimiter => S::Start,
                S::Start | S::Field => S::Field,
                S::Quoted if b == b'"' => S::QuoteInQuoted,
                S::Quoted => S::Quoted,
                S::QuoteInQuoted if b == b'"' => S::Quoted,
                S::QuoteInQuoted if b == delimiter || b == b'\n' || b == b'\r' => S::Start,
                S::QuoteInQuoted => S::Field,
            };
        }
        s == S::Quoted
    }

    /// The 1-based line on which the record the parser began at `offset` stands.
    /// Offsets must not decrease.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut cur = offset;
        while let Some(&(p, nl)) = self.pending.front() {
            if p <= cur {
                if p == cur {
                    cur += 1;
                }
                self.pending.pop_front();
                self.lines_before += u64::from(nl);
            } else {
                break;
            }
        }
        self.lines_before + 1
    }
}

/// A reader over one input file with its resolved columns.
struct Input {
    rdr: csv::Reader<LineCounter<Box<dyn Read + Send>>>,
    progress: Option<Progress>,
    /// Column index for each of the kind's columns, in [`columns`] order.
    idx: Vec<Option<usize>>,
    width: usize,
    file: u16,
    delimiter: u8,
    reader_decodes: Option<usize>,
}

fn open_file(path: &Path, name: &str) -> Result<std::fs::File, IngestError> {
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

fn open(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    kind: Kind,
    opts: &ReadOptions,
) -> Result<Input, IngestError> {
    let f = open_file(path, name)?;
    let boxed: Box<dyn Read + Send> = Box::new(std::io::BufReader::with_capacity(1 << 16, f));
    open_source(ds, boxed, name, kind, opts)
}

fn open_source(
    ds: &mut Dataset,
    boxed: Box<dyn Read + Send>,
    name: &str,
    kind: Kind,
    opts: &ReadOptions,
) -> Result<Input, IngestError> {
    let counter = LineCounter {
        inner: boxed,
        pos: 0,
        pending: VecDeque::new(),
        lines_before: 0,
        tail: Vec::new(),
        tail_start: 0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(opts.delimiter)
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
    let normed: Vec<String> = heads.iter().map(|h| norm_key(h)).collect();
    let cols = columns(kind);
    let mut idx = Vec::with_capacity(cols.len());
    for c in cols {
        let found = if let Some(user) = opts.map.get(kind, c.name) {
            let u = norm_key(user);
            normed.iter().position(|h| *h == u)
        } else {
            let canon = norm_key(c.name);
            normed.iter().position(|h| *h == canon).or_else(|| {
                c.aliases
                    .iter()
                    .find_map(|a| normed.iter().position(|h| *h == norm_key(a)))
            })
        };
        idx.push(found);
    }
    // Two columns must not claim the same header (an alias like `date` could).
    for i in 0..idx.len() {
        for j in 0..i {
            if idx[i].is_some() && idx[i] == idx[j] {
                idx[i] = None;
            }
        }
    }
    let missing = |column: &str| IngestError::MissingColumn {
        file: name.to_string(),
        column: column.to_string(),
        seen: heads.join(", "),
    };
    for (c, i) in cols.iter().zip(&idx) {
        if c.required && i.is_none() {
            return Err(missing(c.name));
        }
    }
    if kind == Kind::Timelog && idx[2].is_none() && (idx[3].is_none() || idx[4].is_none()) {
        return Err(missing("minutes (or both start_time and end_time)"));
    }
    let file = ds.files.len() as u16;
    ds.files.push(SourceFile {
        name: name.to_string(),
        kind,
        rows_read: 0,
    });
    Ok(Input {
        rdr,
        progress: opts.progress.clone(),
        idx,
        width: header.len(),
        file,
        delimiter: opts.delimiter,
        reader_decodes: opts.reader_decodes,
    })
}

fn csv_err(name: &str, e: csv::Error) -> IngestError {
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
struct Fields<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(start..end)
    }
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.range(i).map(|r| &self.bytes[r])
    }
    /// Every field's bytes, one after another.
    fn as_slice(&self) -> &'a [u8] {
        self.bytes
    }
    fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let f = *self;
        (0..f.len()).map(move |i| &f.bytes[f.range(i).expect("a field of the record")])
    }
}

/// One record being parsed: field access by column position, UTF-8 checked.
struct Rec<'a> {
    rec: Fields<'a>,
    idx: &'a [Option<usize>],
    cols: &'static [Column],
    /// The whole record as text, checked once on first use when it all is (the usual
    /// case), so fields are cut from it without checking each again.
    text: std::cell::OnceCell<Option<&'a str>>,
}

enum FieldError {
    /// Bytes that are not UTF-8 in a field ccm needs.
    NotUtf8(&'static str),
}

impl<'a> Rec<'a> {
    /// The trimmed field of column `c` (by position in the kind's column list); empty when
    /// the column is absent.
    fn get(&self, c: usize) -> Result<&'a str, FieldError> {
        let Some(i) = self.idx[c] else {
            return Ok("");
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
                    std::str::from_utf8(b).map_err(|_| FieldError::NotUtf8(self.cols[c].name))?
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
    fn raw(&self, c: usize) -> &'a [u8] {
        self.idx[c].and_then(|i| self.rec.get(i)).unwrap_or(b"")
    }
}

/// Records handed from the reading thread to the checking one, in file order, each with
/// what the reading thread made of it (`None` for a record of the wrong width).
///
/// Records are copied out of the parser's own record into the batch's buffers, back to
/// back, so the parser always writes to memory in its core's cache. (Parsed straight into
/// 512 recycled records, whose buffers were last read on the other core, the parse took
/// twice its bare time at 10M rows.)
struct Batch<D> {
    /// The records' field bytes, one record after another.
    bytes: Vec<u8>,
    /// Each field's end, relative to its record's first byte.
    ends: Vec<usize>,
    /// Where record `i` starts in `bytes` and `ends`: `starts[i]..starts[i + 1]`.
    starts: Vec<(usize, usize)>,
    decoded: Vec<Option<D>>,
    lines: Vec<u64>,
    offsets: Vec<u64>,
    len: usize,
    /// Set on the file's last record when a quote opened there never closes.
    open_quote_at_end: bool,
}

const BATCH: usize = 512;

/// Reads every record of a file, calling `row` with the record, its physical line, its
/// index and what `decode` made of it. Records with the wrong number of fields become IN001
/// findings and reach neither.
///
/// The CSV parse runs on its own thread, a few batches ahead of `row` (which runs on the
/// caller's): on two cores, reading and checking overlap. Record buffers are recycled, so
/// nothing is allocated per record. `decode` (a pure function of the record; `S` is a
/// cache each thread keeps) runs on the reading thread for the first part of each batch
/// and on the caller's for the rest, the share moving to whichever thread is waiting on
/// the other: what `row` is given does not depend on where it was decoded.
fn for_each_record<D: Send, S: Default + Send>(
    ds: &mut Dataset,
    input: Input,
    name: &str,
    kind: Kind,
    mut offsets: Option<&mut Vec<u64>>,
    decode: impl Fn(&mut S, &Rec, u64) -> D + Sync,
    mut row: impl FnMut(&mut Dataset, &Rec, u64, usize, D),
) -> Result<(), IngestError> {
    let Input {
        mut rdr,
        progress,
        idx,
        width,
        file,
        delimiter,
        reader_decodes,
    } = input;
    let cols = columns(kind);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch<D>, csv::Error>>(8);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Batch<D>>();
    let idx_r = idx.clone();
    let decode = &decode;
    // Batches sent and not yet taken: many means the checking thread is the slower, few
    // that it waits for the reading one.
    let in_flight = std::sync::atomic::AtomicUsize::new(0);
    let in_flight = &in_flight;
    // Decodes the first `n` records of the batch (in file order) before it is sent.
    let mut state_r = S::default();
    let mut decode_batch = move |batch: &mut Batch<D>, n: usize| {
        batch.decoded.clear();
        for i in 0..n {
            let rec = batch.rec(i);
            let d = (rec.len() == width).then(|| {
                let r = Rec {
                    rec,
                    idx: &idx_r,
                    cols,
                    text: Default::default(),
                };
                decode(&mut state_r, &r, batch.lines[i])
            });
            batch.decoded.push(d);
        }
    };
    // How many records of each full batch the reading thread decodes.
    let mut share = reader_decodes.unwrap_or(BATCH).min(BATCH);
    let mut state_m = S::default();
    let mut count = 0u64;
    let result = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut total = 0u64;
            // The parser fills `cur`; the record read before it waits in `held` (with its
            // line and offset) until the next one arrives or the file ends, so the file's
            // last record can be checked for a quote left open. Both stay in this core's
            // cache; each is copied into the batch when its turn comes.
            let mut cur = csv::ByteRecord::new();
            let mut held = csv::ByteRecord::new();
            let mut held_at: Option<(u64, u64)> = None;
            let mut batch = new_batch();
            loop {
                let more = match rdr.read_byte_record(&mut cur) {
                    Ok(more) => more,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                if !more {
                    break;
                }
                let offset = cur.position().map(|p| p.byte()).unwrap_or(0);
                let counter = rdr.get_mut();
                let line = counter.line_at(offset);
                counter.mark(offset);
                total += 1;
                if total.is_multiple_of(PROGRESS_EVERY)
                    && let Some(p) = &progress
                {
                    p(total, rdr.get_ref().pos);
                }
                if let Some((line, offset)) = held_at.replace((line, offset)) {
                    batch.push(&held, line, offset);
                    if batch.len == BATCH {
                        if reader_decodes.is_none() {
                            let waiting = in_flight.load(std::sync::atomic::Ordering::Relaxed);
                            if waiting >= 6 {
                                share = (share + BATCH / 16).min(BATCH);
                            } else if waiting <= 1 {
                                share = share.saturating_sub(BATCH / 16);
                            }
                        }
                        decode_batch(&mut batch, share);
                        in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let mut next = back_rx.try_recv().unwrap_or_else(|_| new_batch());
                        next.clear();
                        if tx.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                            return;
                        }
                    }
                }
                std::mem::swap(&mut cur, &mut held);
            }
            if let Some((line, offset)) = held_at {
                let open = held.iter().any(|f| f.contains(&b'\n'))
                    && rdr.get_ref().ends_in_open_quote(offset, delimiter);
                batch.push(&held, line, offset);
                batch.open_quote_at_end = open;
            }
            let n = batch.len - usize::from(batch.open_quote_at_end);
            decode_batch(&mut batch, n.min(share));
            in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = tx.send(Ok(batch));
        });
        for msg in rx {
            let mut batch = msg.map_err(|e| csv_err(name, e))?;
            in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let mut decoded = std::mem::take(&mut batch.decoded);
            let by_reader = decoded.len();
            for (i, d) in decoded
                .drain(..)
                .chain(std::iter::repeat_with(|| None))
                .take(batch.len)
                .enumerate()
            {
                let (rec, line) = (batch.rec(i), batch.lines[i]);
                let n = count as usize;
                count += 1;
                if let Some(o) = offsets.as_mut() {
                    o.push(batch.offsets[i]);
                }
                if batch.open_quote_at_end && i + 1 == batch.len {
                    ds.ingest_findings.push(
                        malformed_row(
                            kind,
                            "a quote opened on this line is never closed: the rest of the file was read as one field"
                                .to_string(),
                        )
                        .at(file, line),
                    );
                    continue;
                }
                if rec.len() != width {
                    ds.ingest_findings.push(
                        malformed_row(
                            kind,
                            format!(
                                "the record has {} field(s) where the header has {}; fix the quoting or the delimiters",
                                rec.len(),
                                width
                            ),
                        )
                        .at(file, line),
                    );
                    continue;
                }
                let r = Rec {
                    rec,
                    idx: &idx,
                    cols,
                    text: Default::default(),
                };
                let d = match d {
                    Some(d) => d,
                    None => {
                        debug_assert!(i >= by_reader, "a record of the right width is decoded");
                        decode(&mut state_m, &r, line)
                    }
                };
                row(ds, &r, line, n, d);
            }
            batch.decoded = decoded;
            let _ = back_tx.send(batch);
        }
        Ok(())
    });
    ds.files[file as usize].rows_read = count;
    result
}

fn new_batch<D>() -> Batch<D> {
    Batch {
        bytes: Vec::with_capacity(BATCH * 160),
        ends: Vec::with_capacity(BATCH * 12),
        starts: vec![(0, 0)],
        decoded: Vec::with_capacity(BATCH),
        lines: Vec::with_capacity(BATCH),
        offsets: Vec::with_capacity(BATCH),
        len: 0,
        open_quote_at_end: false,
    }
}

impl<D> Batch<D> {
    /// Empties a recycled batch, keeping its room.
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.starts.clear();
        self.starts.push((0, 0));
        self.decoded.clear();
        self.lines.clear();
        self.offsets.clear();
        self.len = 0;
        self.open_quote_at_end = false;
    }

    /// Copies a record to the end of the batch.
    fn push(&mut self, rec: &csv::ByteRecord, line: u64, offset: u64) {
        self.bytes.extend_from_slice(rec.as_slice());
        self.ends
            .extend((0..rec.len()).map(|i| rec.range(i).map_or(0, |r| r.end)));
        self.starts.push((self.bytes.len(), self.ends.len()));
        self.lines.push(line);
        self.offsets.push(offset);
        self.len += 1;
    }

    /// Record `i` of the batch.
    fn rec(&self, i: usize) -> Fields<'_> {
        let ((b0, e0), (b1, e1)) = (self.starts[i], self.starts[i + 1]);
        Fields {
            bytes: &self.bytes[b0..b1],
            ends: &self.ends[e0..e1],
        }
    }
}

/// Reads one time log into the dataset's rows (`ds.time`).
pub fn read_timelog(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    rules: &Ruleset,
) -> Result<(), IngestError> {
    let input = open_timelog(ds, path, name, opts)?;
    let mut rows = Vec::new();
    stream_timelog(ds, input, rules, |r| rows.push(*r))?;
    ds.time.extend(rows);
    Ok(())
}

/// A time log whose header has been read and checked, ready to stream.
pub struct TimelogInput {
    input: Input,
    name: String,
}

/// Opens a time log and checks its header: the file is registered in the dataset (so its
/// index is fixed) but no row is read yet.
pub fn open_timelog(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<TimelogInput, IngestError> {
    Ok(TimelogInput {
        input: open(ds, path, name, Kind::Timelog, opts)?,
        name: name.to_string(),
    })
}

/// Reads a time log's rows in file order, handing each valid row to `sink`; rows that
/// cannot be read become IN001/IN002 findings in the dataset. Memory does not grow with
/// the rows: nothing of a row is kept here.
pub fn stream_timelog(
    ds: &mut Dataset,
    input: TimelogInput,
    rules: &Ruleset,
    mut sink: impl FnMut(&TimeRow),
) -> Result<(), IngestError> {
    stream_timelog_batches(ds, input, rules, |rows| rows.iter().for_each(&mut sink))
}

/// [`stream_timelog`], handing the valid rows over a few hundred at a time (in file order),
/// so the receiver can fetch what the rows need from memory together.
pub fn stream_timelog_batches(
    ds: &mut Dataset,
    input: TimelogInput,
    rules: &Ruleset,
    mut sink: impl FnMut(&[TimeRow]),
) -> Result<(), IngestError> {
    let TimelogInput { input, name } = input;
    let file = input.file;
    let mut pending = Pending::default();
    // Decoding a row (on whichever thread `for_each_record` gives it to) also makes its
    // ids' keys; the ids are interned here, in file order, a batch at a time: at 500k
    // patients the interner's lookups miss the cache, and a batch's misses overlap.
    let result = for_each_record(
        ds,
        input,
        &name,
        Kind::Timelog,
        None,
        |cache, r, line| parse_time_row(cache, r, rules, file, line),
        |ds, r, line, _, decoded| match decoded {
            Ok(Ok((row, keys))) => {
                if keys.iter().all(IdKey::is_inline) {
                    pending.rows.push(row);
                    for (k, list) in keys.into_iter().zip(&mut pending.keys) {
                        list.push(k);
                    }
                    if pending.rows.len() == BATCH {
                        pending.flush(ds, &mut sink);
                    }
                } else {
                    // An id too long to keep inline: interned from its text, in order.
                    pending.flush(ds, &mut sink);
                    let id = |c: usize| r.get(c).unwrap_or("");
                    let mut row = row;
                    row.patient = ds.patients.intern(id(0));
                    row.staff = ds.staff.intern(id(5));
                    row.npi = ds.npis.intern(id(8));
                    sink(&[row]);
                }
            }
            Ok(Err((patient, msg))) => ds.ingest_findings.push(
                invalid_value(Kind::Timelog, msg)
                    .patient(&patient)
                    .at(file, line),
            ),
            Err(FieldError::NotUtf8(col)) => ds.ingest_findings.push(
                malformed_row(
                    Kind::Timelog,
                    format!("column `{col}` is not valid UTF-8 text"),
                )
                .at(file, line),
            ),
        },
    );
    pending.flush(ds, &mut sink);
    result
}

/// Valid time-log rows waiting for their ids (patient, staff, NPI keys, in that order).
#[derive(Default)]
struct Pending {
    rows: Vec<TimeRow>,
    keys: [Vec<IdKey>; 3],
    ids: Vec<u32>,
}

impl Pending {
    /// Interns the waiting rows' ids and hands the rows on.
    fn flush(&mut self, ds: &mut Dataset, sink: &mut impl FnMut(&[TimeRow])) {
        if self.rows.is_empty() {
            return;
        }
        ds.patients.intern_batch(&self.keys[0], &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.patient = id;
        }
        ds.staff.intern_batch(&self.keys[1], &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.staff = id;
        }
        ds.npis.intern_batch(&self.keys[2], &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.npi = id;
        }
        sink(&self.rows);
        self.rows.clear();
        self.keys.iter_mut().for_each(Vec::clear);
    }
}

type RowResult<T> = Result<Result<T, (String, String)>, FieldError>;

/// Role and program spellings already resolved, by their bytes as written: a time log
/// repeats a handful of spellings millions of times, so each is normalised once.
#[derive(Default)]
struct SpellingCache {
    roles: Vec<(i32, Box<[u8]>, Option<RoleClass>)>,
    programs: Vec<(Box<[u8]>, Option<Program>)>,
    /// [`crate::checks::time::note_enough`] of the rules' phrases, worked out once.
    note_enough: Option<usize>,
}

impl SpellingCache {
    const MAX: usize = 256;

    fn role(&mut self, rules: &Ruleset, year: i32, s: &str) -> Option<RoleClass> {
        if let Some(hit) = self
            .roles
            .iter()
            .find(|(y, b, _)| *y == year && **b == *s.as_bytes())
        {
            return hit.2;
        }
        let got = rules.year(year).role(s);
        if self.roles.len() < Self::MAX {
            self.roles.push((year, s.as_bytes().into(), got));
        }
        got
    }

    fn program(&mut self, s: &str) -> Option<Program> {
        if let Some(hit) = self.programs.iter().find(|(b, _)| **b == *s.as_bytes()) {
            return hit.1;
        }
        let got = Program::parse(s);
        if self.programs.len() < Self::MAX {
            self.programs.push((s.as_bytes().into(), got));
        }
        got
    }
}

/// Decodes and checks one time-log row. The row's patient, staff and NPI ids are left 0
/// for the caller to intern from the keys beside the row.
fn parse_time_row(
    cache: &mut SpellingCache,
    r: &Rec,
    rules: &Ruleset,
    file: u16,
    line: u64,
) -> RowResult<(TimeRow, [IdKey; 3])> {
    // Columns in TIMELOG order.
    let patient = r.get(0)?;
    let date_s = r.get(1)?;
    let minutes_s = r.get(2)?;
    let start_s = r.get(3)?;
    let end_s = r.get(4)?;
    let staff = r.get(5)?;
    let role_s = r.get(6)?;
    let program_s = r.get(7)?;
    let npi_s = r.get(8)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let Some(date) = parse_date(date_s) else {
        return fail(format!(
            "service_date {} is not a valid date (YYYY-MM-DD or MM/DD/YYYY)",
            show(date_s)
        ));
    };
    let start = if start_s.is_empty() {
        None
    } else {
        match parse_time(start_s) {
            Some(t) => Some(t),
            None => {
                return fail(format!(
                    "start_time {} is not a time (HH:MM)",
                    show(start_s)
                ));
            }
        }
    };
    let end = if end_s.is_empty() {
        None
    } else {
        match parse_time(end_s) {
            Some(t) => Some(t),
            None => return fail(format!("end_time {} is not a time (HH:MM)", show(end_s))),
        }
    };
    let span = match (start, end) {
        (Some(s), Some(e)) if e <= s => {
            return fail(format!(
                "end_time {end_s} is not after start_time {start_s} (an interval crossing midnight must be logged as two rows)"
            ));
        }
        (Some(s), Some(e)) => Some(e - s),
        _ => None,
    };
    let minutes = if minutes_s.is_empty() {
        match span {
            Some(m) => m,
            None => return fail("minutes is blank and start/end times are not both given".into()),
        }
    } else {
        match parse_minutes(minutes_s) {
            Some(m) => {
                if let Some(sp) = span
                    && sp.abs_diff(m) > 1
                {
                    return fail(format!(
                        "minutes {m} disagree with start/end ({start_s}–{end_s} is {sp} minutes)"
                    ));
                }
                m
            }
            None => {
                return fail(format!(
                    "minutes {} is not a whole number from 1 to 1440",
                    show(minutes_s)
                ));
            }
        }
    };
    if staff.is_empty() {
        return fail("staff_id is blank".into());
    }
    let Some(role) = cache.role(rules, chrono::Datelike::year(&date), role_s) else {
        return fail(format!(
            "staff_role {} is not a known role (see `ccm rules`; roles are data in rules/<year>/roles.csv)",
            show(role_s)
        ));
    };
    let program = if program_s.is_empty() {
        Program::Ccm
    } else {
        match cache.program(program_s) {
            Some(p) => p,
            None => {
                return fail(format!(
                    "program {} is not a known program",
                    show(program_s)
                ));
            }
        }
    };
    if !Npi::is_valid(npi_s) {
        return fail(format!(
            "billing_npi {} is not a valid NPI (10 digits with a valid check digit)",
            show(npi_s)
        ));
    }
    let mut h = std::hash::BuildHasher::build_hasher(&crate::domain::FastState::default());
    for f in r.rec.iter() {
        h.write(f);
        h.write_u8(0xff);
    }
    let note = crate::checks::time::note_quality(
        r.raw(10),
        &rules.vague_phrases,
        rules.note_min_chars,
        *cache.note_enough.get_or_insert_with(|| {
            crate::checks::time::note_enough(&rules.vague_phrases, rules.note_min_chars)
        }),
    );
    let keys = [IdKey::new(patient), IdKey::new(staff), IdKey::new(npi_s)];
    Ok(Ok((
        TimeRow {
            patient: 0,
            staff: 0,
            npi: 0,
            date,
            start: if span.is_some() {
                start.unwrap_or(NO_TIME)
            } else {
                NO_TIME
            },
            end: if span.is_some() {
                end.unwrap_or(NO_TIME)
            } else {
                NO_TIME
            },
            minutes,
            role,
            program,
            note,
            file,
            line,
            fingerprint: h.finish(),
        },
        keys,
    )))
}

/// A value from the input as shown in a message: quoted, and cut short so a huge or
/// misplaced field never floods a message.
fn show(s: &str) -> String {
    const MAX: usize = 24;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{:?}…", &s[..i]),
        None => format!("{s:?}"),
    }
}

fn opt_date(s: &str, col: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_date(s).map(Some).ok_or_else(|| {
            format!(
                "{col} {} is not a valid date (YYYY-MM-DD or MM/DD/YYYY)",
                show(s)
            )
        })
    }
}

fn opt_npi(ds: &mut Dataset, s: &str) -> Result<Option<u32>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    match Npi::parse(s) {
        Some(n) => Ok(Some(ds.intern_npi(&n))),
        None => Err(format!(
            "billing_npi {} is not a valid NPI (10 digits with a valid check digit)",
            show(s)
        )),
    }
}

/// Reads a companion file (consents, diagnoses, enrolments) into the dataset.
pub fn read_companion(
    ds: &mut Dataset,
    kind: Kind,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<(), IngestError> {
    let input = open(ds, path, name, kind, opts)?;
    let file = input.file;
    // Several files of a kind (one beside each time log) are read together: each adds to
    // the list, none replaces it.
    match kind {
        Kind::Consents => _ = ds.consents.get_or_insert_with(Vec::new),
        Kind::Diagnoses => _ = ds.diagnoses.get_or_insert_with(Vec::new),
        Kind::Enrolments => _ = ds.enrolments.get_or_insert_with(Vec::new),
        Kind::Careplans => _ = ds.careplans.get_or_insert_with(Vec::new),
        Kind::Visits => _ = ds.visits.get_or_insert_with(Vec::new),
        Kind::Timelog | Kind::Claims => unreachable!("read by read_timelog / read_claims"),
    }
    for_each_record(
        ds,
        input,
        name,
        kind,
        None,
        |_: &mut (), _, _| (),
        |ds, r, line, _, ()| {
            let res: RowResult<()> = (|| {
                let patient = r.get(0)?;
                let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
                if patient.is_empty() {
                    return fail("patient_id is blank".into());
                }
                match kind {
                    Kind::Consents => {
                        let (d, prog, npi, rev) = (r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?);
                        let Some(date) = parse_date(d) else {
                            return fail(format!("consent_date {} is not a valid date", show(d)));
                        };
                        let program = if prog.is_empty() {
                            Program::Ccm
                        } else {
                            match Program::parse(prog) {
                                Some(p) => p,
                                None => {
                                    return fail(format!(
                                        "program {} is not a known program",
                                        show(prog)
                                    ));
                                }
                            }
                        };
                        let npi = match opt_npi(ds, npi) {
                            Ok(n) => n,
                            Err(m) => return fail(m),
                        };
                        let revoked = match opt_date(rev, "revoked_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let p = ds.patients.intern(patient);
                        ds.consents.as_mut().expect("set above").push(Consent {
                            patient: p,
                            date,
                            program,
                            npi,
                            revoked,
                            file,
                            line,
                        });
                    }
                    Kind::Diagnoses => {
                        let (c, on, res) = (r.get(1)?, r.get(2)?, r.get(3)?);
                        let Some(code) = Icd10::parse(c) else {
                            return fail(format!(
                                "icd10_code {} is not an ICD-10-CM code",
                                show(c)
                            ));
                        };
                        let onset = match opt_date(on, "onset_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let resolved = match opt_date(res, "resolved_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let p = ds.patients.intern(patient);
                        ds.diagnoses.as_mut().expect("set above").push(Diagnosis {
                            patient: p,
                            code,
                            onset,
                            resolved,
                            file,
                            line,
                        });
                    }
                    Kind::Enrolments => {
                        let (prog, s, e, npi) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                        let Some(program) = Program::parse(prog) else {
                            return fail(format!("program {} is not a known program", show(prog)));
                        };
                        let Some(start) = parse_date(s) else {
                            return fail(format!("start_date {} is not a valid date", show(s)));
                        };
                        let end = match opt_date(e, "end_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let npi = match opt_npi(ds, npi) {
                            Ok(n) => n,
                            Err(m) => return fail(m),
                        };
                        let p = ds.patients.intern(patient);
                        ds.enrolments.as_mut().expect("set above").push(Enrolment {
                            patient: p,
                            program,
                            start,
                            end,
                            npi,
                            file,
                            line,
                        });
                    }
                    Kind::Careplans => {
                        let (d, mdm) = (r.get(1)?, r.get(3)?);
                        let Some(date) = parse_date(d) else {
                            return fail(format!("plan_date {} is not a valid date", show(d)));
                        };
                        let mdm = match norm_key(mdm).as_str() {
                            "" | "none" | "straightforward" => None,
                            "low" => Some(Mdm::Low),
                            "moderate" | "mod" => Some(Mdm::Moderate),
                            "high" => Some(Mdm::High),
                            _ => {
                                return fail(format!(
                                    "mdm {} is not low, moderate or high",
                                    show(mdm)
                                ));
                            }
                        };
                        let p = ds.patients.intern(patient);
                        ds.careplans.as_mut().expect("set above").push(CarePlan {
                            patient: p,
                            date,
                            mdm,
                            file,
                            line,
                        });
                    }
                    Kind::Visits => {
                        let (d, code, npi) = (r.get(1)?, r.get(2)?, r.get(3)?);
                        let Some(date) = parse_date(d) else {
                            return fail(format!("visit_date {} is not a valid date", show(d)));
                        };
                        if code.is_empty() {
                            return fail("hcpcs is blank".into());
                        }
                        let npi = match opt_npi(ds, npi) {
                            Ok(n) => n,
                            Err(m) => return fail(m),
                        };
                        let p = ds.patients.intern(patient);
                        ds.visits.as_mut().expect("set above").push(Visit {
                            patient: p,
                            date,
                            hcpcs: code.to_ascii_uppercase(),
                            npi,
                            file,
                            line,
                        });
                    }
                    Kind::Timelog | Kind::Claims => unreachable!(),
                }
                Ok(Ok(()))
            })();
            match res {
                Ok(Ok(())) => {}
                Ok(Err((patient, msg))) => ds
                    .ingest_findings
                    .push(invalid_value(kind, msg).patient(&patient).at(file, line)),
                Err(FieldError::NotUtf8(col)) => ds.ingest_findings.push(
                    malformed_row(kind, format!("column `{col}` is not valid UTF-8 text"))
                        .at(file, line),
                ),
            }
        },
    )
}

/// Reads a claims file (verify mode). Each valid line keeps its bytes as written, so the
/// clean file can be a byte-for-byte filter of it.
pub fn read_claims(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<(), IngestError> {
    let mut f = open_file(path, name)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| IngestError::Io {
        file: name.to_string(),
        source: e,
    })?;
    let source: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(bytes.clone()));
    let input = open_source(ds, source, name, Kind::Claims, opts)?;
    let file = input.file;
    let mut offsets = Vec::new();
    let mut parsed: Vec<(usize, Claim)> = Vec::new();
    for_each_record(
        ds,
        input,
        name,
        Kind::Claims,
        Some(&mut offsets),
        |_: &mut (), _, _| (),
        |ds, r, line, k, ()| {
            let res: RowResult<Claim> = (|| {
                let (patient, d, code, units, npi) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
                if patient.is_empty() {
                    return fail("patient_id is blank".into());
                }
                let Some(dos) = parse_date(d) else {
                    return fail(format!("date_of_service {} is not a valid date", show(d)));
                };
                if code.is_empty() {
                    return fail("hcpcs is blank".into());
                }
                let units = if units.is_empty() {
                    1
                } else {
                    match units.parse::<u32>() {
                        Ok(u) if (1..=999).contains(&u) => u,
                        _ => {
                            return fail(format!(
                                "units {} is not a whole number from 1 to 999",
                                show(units)
                            ));
                        }
                    }
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
                    hcpcs: code.to_ascii_uppercase(),
                    units,
                    npi: ds.intern_npi(&npi),
                    file,
                    line,
                    raw: Vec::new(),
                }))
            })();
            match res {
                Ok(Ok(c)) => parsed.push((k, c)),
                Ok(Err((patient, msg))) => ds.ingest_findings.push(
                    invalid_value(Kind::Claims, msg)
                        .patient(&patient)
                        .at(file, line),
                ),
                Err(FieldError::NotUtf8(col)) => ds.ingest_findings.push(
                    malformed_row(
                        Kind::Claims,
                        format!("column `{col}` is not valid UTF-8 text"),
                    )
                    .at(file, line),
                ),
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
    let starts: Vec<usize> = offsets.iter().map(|&o| skip(o as usize)).collect();
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
    let header_raw = with_one_line_end(0, starts.first().copied().unwrap_or(bytes.len()));
    let claims = parsed
        .into_iter()
        .map(|(k, mut c)| {
            c.raw = with_one_line_end(starts[k], end_of(k));
            c
        })
        .collect();
    ds.claims = Some(ClaimsFile { header_raw, claims });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Batch, FieldError, Kind, LineCounter, Rec, columns, new_batch};
    use std::collections::VecDeque;

    fn field(fields: &[&[u8]], c: usize) -> Result<String, &'static str> {
        let bytes = fields.concat();
        let ends: Vec<usize> = fields
            .iter()
            .scan(0, |end, f| {
                *end += f.len();
                Some(*end)
            })
            .collect();
        let idx: Vec<Option<usize>> = (0..fields.len()).map(Some).collect();
        let r = Rec {
            rec: super::Fields {
                bytes: &bytes,
                ends: &ends,
            },
            idx: &idx,
            cols: columns(Kind::Timelog),
            text: Default::default(),
        };
        r.get(c)
            .map(str::to_string)
            .map_err(|FieldError::NotUtf8(col)| col)
    }

    /// A time log of `n` rows mixing valid rows, invalid values, wrong widths, text that
    /// is not UTF-8 (in a needed field and in the note) and ids too long to keep inline.
    fn messy_timelog(n: usize) -> Vec<u8> {
        let mut out = b"patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n".to_vec();
        for i in 0..n {
            let p = if i % 97 == 0 {
                format!("patient-with-a-very-long-identifier-{}", i % 13)
            } else {
                format!("P{:05}", i % 701)
            };
            let row = match i % 50 {
                7 => format!("{p},2025-02-30,20,,,S1,RN,CCM,1234567893,call,note\n"),
                11 => format!("{p},2025-03-04,20\n"),
                13 => format!("{p},2025-03-04,abc,,,S2,RN,CCM,1234567893,call,note\n"),
                _ => format!(
                    "{p},2025-03-{:02},{},,,S{},RN,CCM,1234567893,call,\"reviewed, {}\"\n",
                    1 + i % 28,
                    5 + i % 30,
                    i % 37,
                    i
                ),
            };
            out.extend_from_slice(row.as_bytes());
            if i % 50 == 17 {
                out.extend_from_slice(b"P\xff1,2025-03-04,20,,,S1,RN,CCM,1234567893,call,x\n");
                out.extend_from_slice(
                    b"P00001,2025-03-04,25,,,S3,RN,CCM,1234567893,call,caf\xe9 au lait with the patient today\n",
                );
            }
        }
        out
    }

    #[test]
    fn records_copied_into_a_batch_read_back_field_for_field() {
        let records: Vec<Vec<&[u8]>> = vec![
            vec![b"P1", b"2025-03-04", b"20"],
            vec![b"", b"", b""],
            vec![b"only one"],
            vec![b"caf\xc3\xa9", b"a,\"b\"\nc", b"", b"\xff\xfe"],
            vec![],
            vec![b"last", b"x"],
        ];
        let mut batch: Batch<()> = new_batch();
        for round in 0..2 {
            // The second round reuses the emptied batch, as the reading thread does.
            batch.clear();
            for (i, r) in records.iter().enumerate() {
                batch.push(
                    &csv::ByteRecord::from(r.clone()),
                    i as u64 + 2,
                    i as u64 * 10,
                );
            }
            assert_eq!(batch.len, records.len(), "round {round}");
            for (i, r) in records.iter().enumerate() {
                let f = batch.rec(i);
                assert_eq!(f.len(), r.len(), "record {i}");
                assert_eq!(f.iter().collect::<Vec<_>>(), *r, "record {i}");
                assert_eq!(f.as_slice(), r.concat(), "record {i}");
                for (k, field) in r.iter().enumerate() {
                    assert_eq!(f.get(k), Some(*field), "record {i} field {k}");
                }
                assert_eq!(
                    f.get(r.len()),
                    None,
                    "record {i} has no field past its last"
                );
                assert_eq!(
                    (batch.lines[i], batch.offsets[i]),
                    (i as u64 + 2, i as u64 * 10)
                );
            }
        }
    }

    #[test]
    fn rows_are_the_same_wherever_they_were_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timelog.csv");
        std::fs::write(&path, messy_timelog(5000)).unwrap();
        let rules = crate::rules::Ruleset::embedded(crate::checks::is_check).unwrap();
        let read = |share: Option<usize>| {
            let opts = super::ReadOptions {
                reader_decodes: share,
                ..Default::default()
            };
            let mut ds = crate::domain::Dataset::default();
            let input = super::open_timelog(&mut ds, &path, "timelog.csv", &opts).unwrap();
            let mut rows = Vec::new();
            super::stream_timelog(&mut ds, input, &rules, |r| rows.push(*r)).unwrap();
            let names = |i: &crate::domain::Interner| {
                (0..i.len() as u32)
                    .map(|k| i.name(k).to_string())
                    .collect::<Vec<_>>()
            };
            (
                rows,
                format!("{:?}", ds.ingest_findings),
                names(&ds.patients),
                names(&ds.staff),
                ds.files[0].rows_read,
            )
        };
        let all_on_reader = read(Some(super::BATCH));
        assert!(all_on_reader.0.len() > 4000, "{}", all_on_reader.0.len());
        assert!(all_on_reader.1.contains("IN002") && all_on_reader.1.contains("IN001"));
        assert_eq!(all_on_reader.4, 5000 + 2 * 100);
        for share in [Some(0), Some(1), Some(200), None] {
            assert!(read(share) == all_on_reader, "share {share:?}");
        }
    }

    #[test]
    fn fields_are_checked_as_text_alone_whatever_the_rest_of_the_record_holds() {
        // All text: fields cut from the whole, trimmed.
        assert_eq!(
            field(&[b" P1 ", b"2025-03-04", b"n\xc3\xa9"], 0),
            Ok("P1".into())
        );
        assert_eq!(
            field(&[b"P1", b"2025-03-04", b"n\xc3\xa9"], 1),
            Ok("2025-03-04".into())
        );
        // Bytes that are not text elsewhere in the record do not spoil a field.
        assert_eq!(field(&[b"P1", b"x", b"caf\xe9"], 0), Ok("P1".into()));
        assert_eq!(field(&[b"P1", b"x", b"caf\xe9"], 2), Err("minutes"));
        // A character split across two fields is text as a whole record, but neither
        // field is text alone.
        assert_eq!(field(&[b"P1\xc3", b"\xa9x", b"ok"], 0), Err("patient_id"));
        assert_eq!(field(&[b"P1\xc3", b"\xa9x", b"ok"], 1), Err("service_date"));
        assert_eq!(field(&[b"P1\xc3", b"\xa9x", b"ok"], 2), Ok("ok".into()));
    }

    fn open_at_end(bytes: &[u8]) -> bool {
        let c = LineCounter {
            inner: (),
            pos: 0,
            pending: VecDeque::new(),
            lines_before: 0,
            tail: bytes.to_vec(),
            tail_start: 0,
        };
        c.ends_in_open_quote(0, b',')
    }

    #[test]
    fn a_quote_left_open_is_told_from_a_closed_one() {
        // Open: the quoted field runs to the end of the file.
        assert!(open_at_end(b"P1,\"note\nP2,5\n"));
        assert!(open_at_end(b"P1,\"a\"\"\n"));
        assert!(open_at_end(b"\r\nP1,x,\"a\nb"));
        // Closed, whatever follows.
        assert!(!open_at_end(b"P1,\"a\nb\",20\n"));
        assert!(!open_at_end(b"P1,\"a\nb\"\"\"\n"));
        assert!(!open_at_end(b"P1,\"a\nb\"x,20"));
        // A quote inside an unquoted field is a plain character.
        assert!(!open_at_end(b"P1,5\" tall\n"));
    }
}
