//! CSV bytes → typed records and ingest findings.
//!
//! Each input file goes through the same steps:
//!
//! 1. `reader` opens it and builds its CSV reader (the one place that sets the delimiter,
//!    flexible rows and buffer sizes), reads the header and resolves the kind's columns
//!    (`schema`: canonical names, aliases, the user's `--map`). Before that, once per file
//!    and never per row, `sniff` tells its encoding (UTF-8 read as is; UTF-16 with a BOM
//!    or windows-1252 transcoded as it streams), its delimiter and its header line (past a
//!    report's title block), and `xlsx` turns a workbook's sheet into CSV text. A file
//!    that cannot be audited at all (unreadable, empty, a required column absent) is an
//!    [`IngestError`].
//! 2. `pipeline` parses the records on a thread of its own and hands them over in batches
//!    of 512, each with its physical line (`lines`: the csv crate's own count is wrong on
//!    CRLF input and after blank lines).
//! 3. A decoder per kind turns each record into a typed record: `time_row` for the time
//!    log (streamed by `timelog`), `companions` and `claims` for the others. A record with
//!    the wrong number of fields (or a needed field that is not UTF-8) becomes an IN001
//!    finding, a value that does not parse an IN002 finding, a totals row or a row of
//!    empty cells an IN005 finding; either way the row is left out and reading goes on.
//!
//! Why it is fast (a time log can hold millions of rows): parsing and decoding overlap on
//! two cores; each batch's decoding is shared between the two threads, the share moving
//! to whichever is waiting on the other; batch buffers are recycled, so the parse allocates
//! nothing per record; role and program spellings are resolved once, not per row; and the
//! time log's ids are interned a batch at a time, so the interner's cache misses overlap.

mod claims;
mod clean;
mod companions;
mod dates;
mod lines;
mod mixed;
mod pipeline;
mod reader;
mod schema;
mod sniff;
mod time_row;
mod timelog;
mod xlsx;

pub use claims::read_claims;
pub use companions::read_companion;
pub use lines::{LinedRecords, records_with_lines};
pub use schema::{HeaderMap, claim_names};
pub use timelog::{
    TimelogInput, follow_run_durations, follow_run_order, open_timelog, read_timelog,
    share_identity, stream_timelog, stream_timelog_batches,
};

/// The fields ccm reads from a file of `kind`, in the kind's column order: each field's
/// name and whether it is required (for `ccm inspect`).
pub fn fields_of(kind: crate::domain::Kind) -> Vec<(&'static str, bool)> {
    schema::columns(kind)
        .iter()
        .map(|c| (c.name, c.required))
        .collect()
}

// An IngestError travels in the result of every record read (2M a month): a variant
// larger than the others makes every row's result larger and the run slower (a fourth
// String here, 112 bytes, cost 1-2% of the whole benchmark, interleaved). Keep it so.
const _: () = assert!(std::mem::size_of::<IngestError>() <= 104);

/// Why a file cannot be audited at all (a bad row is a finding instead, not an error).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot read {file}: it is a directory, not a file")]
    IsDir { file: String },
    #[error(
        "{file}: looks like UTF-16 without a byte-order mark: save it as CSV UTF-8 (or as UTF-16 with its byte-order mark, Excel's Unicode Text)"
    )]
    Utf16NoBom { file: String },
    #[error("{file}: the file is empty (no header row)")]
    Empty { file: String },
    #[error("{file}: required column `{column}` not found ({seen})")]
    MissingColumn {
        file: String,
        column: String,
        seen: String,
    },
    #[error("cannot read {file}: {msg}")]
    Csv { file: String, msg: String },
    #[error(
        "{file}: the map names header `{header}` for {field}, but the file has no such header ({seen})"
    )]
    MapHeader {
        file: String,
        field: String,
        header: String,
        seen: String,
    },
    #[error(
        "{file}: columns {first} and {second} are both headed `{header}`, which ccm reads {field} from: rename or remove one"
    )]
    DuplicateHeader {
        file: String,
        field: String,
        header: String,
        first: usize,
        second: usize,
    },
    #[error(
        "{file}: {columns} could both be the {field}, and ccm cannot tell which the export means (the two may differ, and the audit's money rests on it): name one with --map (`{field} = \"{a}\"`)"
    )]
    TwoSources {
        file: String,
        field: String,
        /// `columns 3 (`Duration`) and 4 (`Minutes`)`: one string, so the error is no
        /// larger than its largest other variant (it travels in every row's result).
        columns: String,
        a: String,
    },
    #[error(
        "{file}: line {line} is a second header that puts {what} in other columns than the file's header on line {header_line} (two exports joined?): the rows below it would be read by the wrong columns; give each export as a file of its own"
    )]
    SecondHeader {
        file: String,
        line: u64,
        header_line: u64,
        /// The fields it moves, in words (`minutes, service_date`).
        what: String,
    },
    #[error("{file}: {} problems with the columns: {} ({seen})", problems.len(), problems.join("; "))]
    Columns {
        file: String,
        /// Each problem, in words, in column order.
        problems: Vec<String>,
        seen: String,
    },
    #[error("{file}: the workbook has no sheet `{sheet}` (its sheets: {sheets})")]
    NoSuchSheet {
        file: String,
        sheet: String,
        sheets: String,
    },
    #[error("cannot read {file} as an .xlsx workbook: {msg}")]
    Workbook { file: String, msg: String },
    #[error(
        "{file}: its columns are not those of the first claims file, {first}: clean_claims.csv repeats the claim lines as written under one header, so claims files audited together must share one layout (export them alike, or audit each in its own run)"
    )]
    ClaimsLayout { file: String, first: String },
    #[error("map file {file}: {msg}")]
    Map { file: String, msg: String },
    #[error(
        "{file}: the patient id column `{column}` holds people's names, not ids ({names} of {sampled} values sampled are names): two people with one name would be merged and names would reach the claims; map patient_id to the id or MRN column with --map, or, if the names are the ids on purpose, write patient_id = {{ header = \"{column}\", names_are_ids = true }}"
    )]
    NamesAsIds {
        file: String,
        column: String,
        names: usize,
        sampled: usize,
    },
}

/// Called now and then while a file is read with (records read, bytes read), so the shell
/// can show progress. The library itself never touches the terminal.
pub type Progress = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Options for reading.
#[derive(Clone, Default)]
pub struct ReadOptions {
    /// The field delimiter of every text file; `None` (the default): sniffed per file.
    pub delimiter: Option<u8>,
    /// The sheet of a time-log workbook to read; `None`: its first.
    pub sheet: Option<String>,
    pub map: HeaderMap,
    /// Day/month order of slash dates (`--date-order`); `None` infers it per file.
    pub date_order: Option<crate::domain::DateOrder>,
    /// The zone instants (`…Z`, `…-05:00`) are turned into local dates in (`--tz`); UTC
    /// when `None`, said in the file's notes.
    pub tz: Option<chrono_tz::Tz>,
    /// A staff roster will be read (`--staff`, or staff.csv beside the time log): a time
    /// log may then leave out staff_role.
    pub staff_roster: bool,
    /// Patient ids are read without leading zeros (`--ignore-id-zeros`).
    pub ignore_id_zeros: bool,
    /// The as-of date: a care-plan or visit record dated after it is no evidence as of it
    /// (IN004, excluded). `None` reads every date (`ccm inspect`).
    pub as_of: Option<chrono::NaiveDate>,
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
            .field("sheet", &self.sheet)
            .field("map", &self.map)
            .field("progress", &self.progress.is_some())
            .field("reader_decodes", &self.reader_decodes)
            .finish()
    }
}
