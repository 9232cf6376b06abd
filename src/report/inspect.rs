//! `ccm inspect`: how ccm reads one file, told to the person about to write a map. The
//! shell reads the file with the real readers into a dataset of its own; this turns that
//! dataset (or the error that stopped it) into a report: the kind and how it was chosen,
//! the encoding, delimiter and header line, the lines skipped, which header feeds each
//! field, the headers ignored, the date order, five rows as decoded and every problem with
//! its count.

use crate::domain::{Dataset, Finding, Kind, NO_TIME, RoleClass, norm_key, printable};
use crate::ingest::{IngestError, fields_of};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The rows shown as decoded.
const SAMPLE_ROWS: usize = 5;
/// The longest cell shown.
const CELL: usize = 40;

/// The kind a file's name suggests: a stem holding `consent`, `enrol`, `diagnos`,
/// `problem`, `condition`, `careplan`, `visit` or `claim` (in any case, with any spaces,
/// `_`, `-` or `.`), else a time log.
pub fn kind_from_name(file_name: &str) -> Kind {
    let stem = std::path::Path::new(file_name)
        .file_stem()
        .map(|s| norm_key(&s.to_string_lossy()))
        .unwrap_or_default();
    let has = |w: &[&str]| w.iter().any(|w| stem.contains(w));
    if has(&["consent"]) {
        Kind::Consents
    } else if has(&["enrol"]) {
        Kind::Enrolments
    } else if has(&["diagnos", "problem", "condition"]) {
        Kind::Diagnoses
    } else if has(&["careplan"]) {
        Kind::Careplans
    } else if has(&["visit"]) {
        Kind::Visits
    } else if has(&["reading", "device", "rpmdata"]) {
        Kind::Readings
    } else if has(&["claim"]) {
        Kind::Claims
    } else if has(&["staff", "roster"]) {
        Kind::Staff
    } else {
        Kind::Timelog
    }
}

/// How a file's kind was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindFrom {
    /// `--kind`.
    Given,
    /// The file's name.
    FileName,
    /// The name suggested another kind whose columns the header lacks; the header fits
    /// this one (and, when several fit, the others it also fits).
    Header { suggested: Kind, also: Vec<Kind> },
}

impl KindFrom {
    fn words(&self) -> String {
        match self {
            KindFrom::Given => "given with --kind".to_string(),
            KindFrom::FileName => "from the file name".to_string(),
            KindFrom::Header { suggested, also } if also.is_empty() => format!(
                "the only kind its header fits; the file name suggested {}",
                suggested.as_str()
            ),
            KindFrom::Header { suggested, also } => format!(
                "the first kind its header fits (it also fits {}); the file name suggested {}",
                kinds(also),
                suggested.as_str()
            ),
        }
    }
}

fn kinds(k: &[Kind]) -> String {
    k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Where one field's values come from.
#[derive(Serialize)]
pub struct FieldSource {
    field: &'static str,
    required: bool,
    /// `header`, `constant`, `wide` (a problem list's numbered columns) or `none`.
    from: &'static str,
    /// The header as written, the constant, or the wide columns.
    value: String,
}

/// One problem, its count and where it first occurs.
#[derive(Serialize)]
pub struct Problem {
    code: &'static str,
    severity: &'static str,
    count: usize,
    /// The message with the file's own values left out, so like problems group together.
    message: String,
    first_line: Option<u64>,
}

/// The rows as decoded: column names and cells.
#[derive(Serialize, Default)]
pub struct Sample {
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

/// What `ccm inspect` says about one file.
#[derive(Serialize, Default)]
pub struct FileReport {
    file: String,
    kind: &'static str,
    kind_from: String,
    /// Whether ccm can read the file as its kind.
    ok: bool,
    /// Why it cannot: the file as a whole (unreadable, empty …).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Why it cannot: every problem with its columns, all at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    column_problems: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers_seen: Option<String>,
    /// Other kinds its header fits (when `--kind` named one it does not).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fits: Vec<&'static str>,
    /// How it was read, when it could be.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    read: Option<Readout>,
}

/// How a file that could be read was read.
#[derive(Serialize)]
pub struct Readout {
    format: &'static str,
    encoding: &'static str,
    /// The field delimiter (`\t` for a tab); none for a workbook.
    delimiter: Option<String>,
    header_line: u64,
    lines_skipped_above: u64,
    /// Blank and footer rows left out (IN005).
    lines_skipped_below: usize,
    date_order: String,
    rows_read: u64,
    rows_decoded: usize,
    rows_left_out: u64,
    fields: Vec<FieldSource>,
    headers_ignored: Vec<String>,
    notes: Vec<String>,
    sample: Sample,
    problems: Vec<Problem>,
}

impl FileReport {
    pub fn ok(&self) -> bool {
        self.ok
    }
}

/// The problems with a file's columns an error names (each required column missing, a
/// map naming a header the file lacks, a header claimed twice) and the headers it saw;
/// `None` when the error is about the file as a whole.
pub fn column_problems(e: &IngestError) -> Option<(Vec<String>, String)> {
    match e {
        IngestError::MissingColumn { column, seen, .. } => Some((
            vec![format!("required column `{column}` not found")],
            seen.clone(),
        )),
        IngestError::Columns { problems, seen, .. } => Some((problems.clone(), seen.clone())),
        IngestError::MapHeader {
            field,
            header,
            seen,
            ..
        } => Some((
            vec![format!(
                "the map names header `{header}` for {field}, but the file has no such header"
            )],
            seen.clone(),
        )),
        IngestError::DuplicateHeader {
            field,
            header,
            first,
            second,
            ..
        } => Some((
            vec![format!(
                "columns {first} and {second} are both headed `{header}`, which ccm reads {field} from"
            )],
            String::new(),
        )),
        _ => None,
    }
}

/// The report for a file that could not be read as `kind`: `e` says why; `fits`, the
/// other kinds its header fits.
pub fn not_read(
    name: &str,
    kind: Kind,
    from: &KindFrom,
    e: &IngestError,
    fits: &[Kind],
) -> FileReport {
    let mut r = FileReport {
        file: name.to_string(),
        kind: kind.as_str(),
        kind_from: from.words(),
        fits: fits.iter().map(|k| k.as_str()).collect(),
        ..FileReport::default()
    };
    match column_problems(e) {
        Some((problems, seen)) => {
            r.column_problems = problems;
            r.headers_seen = (!seen.is_empty()).then_some(seen);
        }
        None => r.error = Some(e.to_string()),
    }
    r
}

/// The report for the one file read into `ds` as `kind`; `date_order_given`: `--date-order`
/// was given.
pub fn inspect(ds: &Dataset, kind: Kind, from: &KindFrom, date_order_given: bool) -> FileReport {
    let f = &ds.files[0];
    let read = &f.read;
    // What the readers recorded as typed facts; their notes (said in words for the
    // report) are shown here as the fields they feed, not twice.
    let constants = &read.constants;
    let wide = match (read.wide_columns.first(), read.wide_columns.last()) {
        (Some(a), Some(b)) => Some((a.clone(), b.clone())),
        _ => None,
    };
    let said: Vec<String> = constants
        .iter()
        .map(|(f, v)| crate::domain::constant_note(f, v))
        .chain(crate::domain::wide_note(&read.wide_columns))
        .collect();
    let notes: Vec<String> = read
        .notes
        .iter()
        .filter(|n| !said.contains(n))
        .cloned()
        .collect();
    let fields: Vec<FieldSource> = fields_of(kind)
        .into_iter()
        .map(|(field, required)| {
            let (from, value) = if let Some((_, h)) = f.columns.iter().find(|c| c.0 == field) {
                ("header", h.clone())
            } else if let Some((_, v)) = constants.iter().find(|c| c.0 == field) {
                ("constant", format!("{v:?}"))
            } else if let (Kind::Diagnoses, "icd10_code", Some((a, b))) = (kind, field, &wide) {
                ("wide", format!("{a} … {b}"))
            } else {
                ("none", String::new())
            };
            FieldSource {
                field,
                required,
                from,
                value,
            }
        })
        .collect();
    // Wide diagnosis columns feed icd10_code: not ignored.
    let wide_range = wide.as_ref().and_then(|(a, b)| {
        let at = |h: &str| f.headers.iter().position(|x| x == h);
        Some((at(a)?, at(b)?))
    });
    let headers_ignored = f
        .headers
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            !f.columns.iter().any(|c| &c.1 == *h)
                && !wide_range.is_some_and(|(a, b)| (a.min(b)..=a.max(b)).contains(i))
        })
        .map(|(_, h)| printable(h, CELL))
        .collect();
    let mine = |x: &&Finding| x.file.is_none_or(|i| i == 0);
    let findings: Vec<&Finding> = ds.ingest_findings.iter().filter(mine).collect();
    let below = findings
        .iter()
        .filter(|x| x.check.code == crate::checks::ingest::IN005.code)
        .count();
    let (sample, decoded_lines) = sample(ds, kind);
    let date_order = match (date_order_given, read.date_order) {
        (true, Some(o)) => format!("{o} (given with --date-order)"),
        (false, Some(o)) => o.to_string(),
        (_, None) => "none recorded (slash dates read as M/D/Y)".to_string(),
    };
    FileReport {
        file: f.name.clone(),
        kind: kind.as_str(),
        kind_from: from.words(),
        ok: true,
        read: Some(Readout {
            format: read.format,
            encoding: read.encoding,
            delimiter: read.delimiter.map(|d| match d {
                b'\t' => "\\t".to_string(),
                d => (d as char).to_string(),
            }),
            header_line: read.header_line,
            lines_skipped_above: read.lines_skipped_above,
            lines_skipped_below: below,
            date_order,
            rows_read: f.rows_read,
            rows_decoded: decoded_lines,
            rows_left_out: f.rows_read.saturating_sub(decoded_lines as u64),
            fields,
            headers_ignored,
            notes,
            sample,
            problems: problems(&findings),
        }),
        ..FileReport::default()
    }
}

fn delimiter_name(d: &str) -> String {
    match d {
        "\\t" => "tab".to_string(),
        d => format!("`{d}`"),
    }
}

/// The first rows of the file as decoded, and how many of its lines gave a record.
fn sample(ds: &Dataset, kind: Kind) -> (Sample, usize) {
    let c = Cells { ds };
    let (columns, mut rows) = match kind {
        Kind::Timelog => time_rows(&c),
        Kind::Consents | Kind::Enrolments => consent_rows(&c, kind),
        Kind::Diagnoses => diagnosis_rows(&c),
        Kind::Careplans => careplan_rows(&c),
        Kind::Visits => visit_rows(&c),
        Kind::Readings => reading_rows(&c),
        Kind::Claims => claim_rows(&c),
        Kind::Staff => staff_rows(&c),
    };
    rows.sort_by_key(|r| r.0);
    let mut lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
    lines.dedup();
    let mut out = Sample {
        columns: std::iter::once("line").chain(columns).collect(),
        rows: Vec::new(),
    };
    for (line, cells) in rows.into_iter().take(SAMPLE_ROWS) {
        out.rows
            .push(std::iter::once(line.to_string()).chain(cells).collect());
    }
    (out, lines.len())
}

/// A sample's column names, and the (line, cells) of every record in file order.
type SampleRows = (Vec<&'static str>, Vec<(u64, Vec<String>)>);

/// How a sample shows a value: `—` for an empty cell or missing date, text cut to [`CELL`].
struct Cells<'a> {
    ds: &'a Dataset,
}

impl Cells<'_> {
    /// A text cell, `—` when empty.
    fn cell(&self, s: &str) -> String {
        if s.is_empty() {
            "—".to_string()
        } else {
            printable(s, CELL)
        }
    }
    /// A date, `—` when there is none.
    fn date(&self, d: Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or("—".into())
    }
    /// An NPI as the file wrote it, `—` when there is none.
    fn npi(&self, n: Option<u32>) -> String {
        self.cell(n.map(|n| self.ds.npi_name(n)).unwrap_or(""))
    }
    /// A patient id as the file wrote it.
    fn patient(&self, p: u32) -> String {
        self.cell(self.ds.patients.name(p))
    }
}

/// Decides a time log's sample: date, start–end, duration, staff, role, program, NPI, patient.
fn time_rows(c: &Cells) -> SampleRows {
    let ds = c.ds;
    let mut rows = Vec::new();
    for r in &ds.time {
        let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        rows.push((
            r.line,
            vec![
                r.date.to_string(),
                if r.start == NO_TIME && r.end == NO_TIME {
                    "—".to_string()
                } else {
                    let t = |m: u16| if m == NO_TIME { "?".into() } else { clock(m) };
                    format!("{}–{}", t(r.start), t(r.end))
                },
                r.secs.show(),
                c.cell(ds.staff.name(r.staff)),
                match r.role {
                    RoleClass::Practitioner => "practitioner",
                    RoleClass::Clinical => "clinical",
                    RoleClass::NonClinical => "non-clinical",
                }
                .to_string(),
                r.program.as_str().to_string(),
                c.cell(ds.npi_name(r.npi)),
                c.patient(r.patient),
            ],
        ));
    }
    let columns = vec![
        "date",
        "start–end",
        "duration",
        "staff",
        "role",
        "program",
        "NPI",
        "patient",
    ];
    (columns, rows)
}

/// Decides a consents or enrolments file's sample: its consents, enrolments and status rows.
fn consent_rows(c: &Cells, kind: Kind) -> SampleRows {
    let ds = c.ds;
    let mut rows = Vec::new();
    for x in ds.consents.iter().flatten() {
        rows.push((
            x.line,
            vec![
                c.patient(x.patient),
                x.program.as_str().to_string(),
                x.date.to_string(),
                c.date(x.revoked),
                c.npi(x.npi),
                "consent".to_string(),
            ],
        ));
    }
    for e in ds.enrolments.iter().flatten() {
        rows.push((
            e.line,
            vec![
                c.patient(e.patient),
                e.program.as_str().to_string(),
                e.start.to_string(),
                c.date(e.end),
                c.npi(e.npi),
                "enrolled".to_string(),
            ],
        ));
    }
    for s in ds.statuses.iter().filter(|s| s.kind == kind) {
        rows.push((
            s.line,
            vec![
                c.patient(s.patient),
                s.program.as_str().to_string(),
                c.date(s.date),
                "—".to_string(),
                "—".to_string(),
                format!("{} ({})", c.cell(&s.word), s.status.words()),
            ],
        ));
    }
    let columns = if kind == Kind::Consents {
        vec!["patient", "program", "from", "revoked", "NPI", "status"]
    } else {
        vec!["patient", "program", "start", "end", "NPI", "status"]
    };
    (columns, rows)
}

/// Decides a diagnoses file's sample: patient, ICD-10 code, onset and resolved dates.
fn diagnosis_rows(c: &Cells) -> SampleRows {
    let mut rows = Vec::new();
    for d in c.ds.diagnoses.iter().flatten() {
        rows.push((
            d.line,
            vec![
                c.patient(d.patient),
                d.code.dotted(),
                c.date(d.onset),
                c.date(d.resolved),
            ],
        ));
    }
    (vec!["patient", "ICD-10", "onset", "resolved"], rows)
}

/// Decides a care plans file's sample: patient, date and MDM level.
fn careplan_rows(c: &Cells) -> SampleRows {
    let mut rows = Vec::new();
    for p in c.ds.careplans.iter().flatten() {
        rows.push((
            p.line,
            vec![
                c.patient(p.patient),
                p.date.to_string(),
                p.mdm
                    .map(|m| format!("{m:?}").to_lowercase())
                    .unwrap_or("—".into()),
            ],
        ));
    }
    (vec!["patient", "date", "MDM"], rows)
}

/// Decides a visits file's sample: patient, date, HCPCS code and NPI.
fn visit_rows(c: &Cells) -> SampleRows {
    let mut rows = Vec::new();
    for v in c.ds.visits.iter().flatten() {
        rows.push((
            v.line,
            vec![
                c.patient(v.patient),
                v.date.to_string(),
                c.cell(&v.hcpcs),
                c.npi(v.npi),
            ],
        ));
    }
    (vec!["patient", "date", "HCPCS", "NPI"], rows)
}

/// Decides a readings file's sample: patient and date.
fn reading_rows(c: &Cells) -> SampleRows {
    let rows =
        c.ds.readings
            .iter()
            .flatten()
            .map(|r| (r.line, vec![c.patient(r.patient), r.date.to_string()]))
            .collect();
    (vec!["patient", "date"], rows)
}

/// Decides a claims file's sample: patient, date of service, HCPCS code, units and NPI.
fn claim_rows(c: &Cells) -> SampleRows {
    let ds = c.ds;
    let mut rows = Vec::new();
    for x in ds.claims.iter().flat_map(|x| &x.claims) {
        rows.push((
            x.line,
            vec![
                c.patient(x.patient),
                x.date_of_service.to_string(),
                c.cell(&x.hcpcs),
                x.units.to_string(),
                c.cell(ds.npi_name(x.npi)),
            ],
        ));
    }
    (
        vec!["patient", "date of service", "HCPCS", "units", "NPI"],
        rows,
    )
}

/// Decides a staff roster's sample: staff id, role, NPI and name.
fn staff_rows(c: &Cells) -> SampleRows {
    let mut rows = Vec::new();
    for m in c.ds.roster.iter().flatten() {
        rows.push((
            m.line,
            vec![
                c.cell(&m.id),
                c.cell(&m.role),
                c.cell(m.npi.as_ref().map_or("", |n| n.as_str())),
                c.cell(m.name.as_deref().unwrap_or("")),
            ],
        ));
    }
    (vec!["staff", "role", "NPI", "name"], rows)
}

/// A message with the file's values left out: each quoted value, and each number or date
/// standing alone, becomes `…`, so "staff_role "X" is not a known role" and
/// "staff_role "Y" is not a known role" group together.
pub fn message_shape(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(c) = chars.next() {
        let boundary = prev.is_none_or(|p| !p.is_alphanumeric() && !matches!(p, '_' | '.'));
        if c == '"' {
            // A quoted value, `\"` inside it escaped, and a `…` cut mark after it.
            let mut escaped = false;
            for d in chars.by_ref() {
                match d {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
            if chars.peek() == Some(&'…') {
                chars.next();
            }
            push_gap(&mut out);
            prev = Some('"');
        } else if c.is_ascii_digit() && boundary {
            let mut last = c;
            while let Some(&d) = chars
                .peek()
                .filter(|d| d.is_alphanumeric() || matches!(d, '-' | '/' | ':' | '.'))
            {
                last = d;
                chars.next();
            }
            push_gap(&mut out);
            // A full stop after the value ends the sentence.
            if last == '.' {
                out.push('.');
            }
            prev = Some(last);
        } else if c == '…' {
            push_gap(&mut out);
            prev = Some(c);
        } else {
            out.push(c);
            prev = Some(c);
        }
    }
    out
}

/// A `…` for a value left out, once for several in a row.
fn push_gap(out: &mut String) {
    if !out.ends_with('…') {
        out.push('…');
    }
}

/// The file's findings grouped by code and message shape: count, first line, in code
/// order then first line.
fn problems(findings: &[&Finding]) -> Vec<Problem> {
    let mut groups: BTreeMap<(&'static str, String), (usize, Option<u64>, &'static str)> =
        BTreeMap::new();
    for f in findings {
        let line = f.lines.first().copied();
        let e = groups
            .entry((f.check.code, message_shape(&f.message)))
            .or_insert((0, line, f.severity.as_str()));
        e.0 += 1;
        e.1 = match (e.1, line) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut out: Vec<Problem> = groups
        .into_iter()
        .map(|((code, message), (count, first_line, severity))| Problem {
            code,
            severity,
            count,
            message,
            first_line,
        })
        .collect();
    out.sort_by_key(|p| (p.code, p.first_line));
    out
}

/// The reports as text, one block per file.
pub fn write_inspect(w: &mut dyn Write, reports: &[FileReport]) -> std::io::Result<()> {
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        write_one(w, r)?;
    }
    let bad = reports.iter().filter(|r| !r.ok).count();
    if bad > 0 {
        writeln!(
            w,
            "\n{bad} of {} file(s) cannot be read: exit 2",
            reports.len()
        )?;
    }
    Ok(())
}

/// The `schema_version` of `ccm inspect --format json` (`docs/schemas/inspect.schema.json`):
/// raised by a change that breaks a reader, not by a new optional key.
const INSPECT_SCHEMA_VERSION: u32 = 1;

/// The reports as JSON.
pub fn write_inspect_json(w: &mut dyn Write, reports: &[FileReport]) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct All<'a> {
        schema_version: u32,
        files: &'a [FileReport],
    }
    let all = All {
        schema_version: INSPECT_SCHEMA_VERSION,
        files: reports,
    };
    serde_json::to_writer_pretty(&mut *w, &all)?;
    writeln!(w)
}

fn write_one(w: &mut dyn Write, r: &FileReport) -> std::io::Result<()> {
    writeln!(w, "{}", printable(&r.file, usize::MAX))?;
    writeln!(w, "  kind          {} ({})", r.kind, r.kind_from)?;
    if let Some(e) = &r.error {
        writeln!(w, "  cannot read   {}", printable(e, usize::MAX))?;
        return Ok(());
    }
    if r.read.is_none() {
        writeln!(
            w,
            "  cannot read   as {}: {} problem(s) with the columns",
            r.kind,
            r.column_problems.len()
        )?;
        for p in &r.column_problems {
            writeln!(w, "    - {p}")?;
        }
        if let Some(seen) = &r.headers_seen {
            writeln!(w, "  {seen}")?;
        }
        if r.fits.is_empty() {
            writeln!(w, "  fits          no kind: name its columns with --map")?;
        } else {
            writeln!(w, "  fits          {} (try --kind)", r.fits.join(", "))?;
        }
        return Ok(());
    }
    let Some(r) = &r.read else { return Ok(()) };
    let delim = r
        .delimiter
        .as_deref()
        .map(|d| format!(", delimiter {}", delimiter_name(d)))
        .unwrap_or_default();
    if r.format == r.encoding {
        writeln!(w, "  read as       {} workbook", r.format)?;
    } else {
        writeln!(w, "  read as       {}, {}{delim}", r.format, r.encoding)?;
    }
    let above = match r.lines_skipped_above {
        0 => String::new(),
        n => format!("; {n} line(s) above it skipped"),
    };
    writeln!(w, "  header        line {}{above}", r.header_line)?;
    writeln!(
        w,
        "  rows          {} below the header: {} decoded, {} left out",
        r.rows_read, r.rows_decoded, r.rows_left_out
    )?;
    writeln!(
        w,
        "  skipped below {} blank or footer row(s) (IN005)",
        r.lines_skipped_below
    )?;
    writeln!(w, "  date order    {}", r.date_order)?;
    writeln!(w, "  fields")?;
    let width = r.fields.iter().map(|f| f.field.len()).max().unwrap_or(0);
    for f in &r.fields {
        let what = match f.from {
            "header" => format!("<- {:?}", printable(&f.value, CELL)),
            "constant" => format!("= {} (constant from the map)", f.value),
            "wide" => format!("<- the numbered columns {} (one diagnosis each)", f.value),
            _ if f.required => "(no source: required)".to_string(),
            _ => "(not in the file: optional)".to_string(),
        };
        writeln!(w, "    {:<width$}  {what}", f.field)?;
    }
    if r.headers_ignored.is_empty() {
        writeln!(w, "  headers ignored: none")?;
    } else {
        let shown: Vec<String> = r.headers_ignored.iter().map(|h| format!("{h:?}")).collect();
        writeln!(w, "  headers ignored: {}", shown.join(", "))?;
    }
    if !r.notes.is_empty() {
        writeln!(w, "  notes")?;
        for n in &r.notes {
            writeln!(w, "    - {}", printable(n, usize::MAX))?;
        }
    }
    if r.sample.rows.is_empty() {
        writeln!(w, "  rows as decoded: none")?;
    } else {
        writeln!(w, "  first {} row(s) as decoded", r.sample.rows.len())?;
        let mut all: Vec<Vec<String>> =
            vec![r.sample.columns.iter().map(|c| c.to_string()).collect()];
        all.extend(r.sample.rows.iter().cloned());
        let n = r.sample.columns.len();
        let widths: Vec<usize> = (0..n)
            .map(|i| {
                all.iter()
                    .map(|row| row.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &all {
            let mut line = String::from("    ");
            for (i, c) in row.iter().enumerate() {
                line.push_str(c);
                if i + 1 < row.len() {
                    let pad = widths[i] - c.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(w, "{}", line.trim_end())?;
        }
    }
    if r.problems.is_empty() {
        writeln!(w, "  problems: none")?;
    } else {
        writeln!(w, "  problems")?;
        for p in &r.problems {
            let at = p
                .first_line
                .map(|l| format!(" — first at line {l}"))
                .unwrap_or_default();
            writeln!(
                w,
                "    {} {} ×{} {}{at}",
                p.code,
                p.severity,
                p.count,
                printable(&p.message, usize::MAX)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_group_by_their_shape() {
        assert_eq!(
            message_shape(r#"staff_role "Scribe" is not a known role"#),
            "staff_role … is not a known role"
        );
        assert_eq!(
            message_shape(r#"staff_role "a \"b\" c"… is not a known role"#),
            "staff_role … is not a known role"
        );
        assert_eq!(
            message_shape("duration 25 min is longer than 20 min"),
            "duration … min is longer than … min"
        );
        assert_eq!(
            message_shape("service_date 2025-02-30 is not a date; icd10_code E11.9"),
            "service_date … is not a date; icd10_code E11.9"
        );
    }

    #[test]
    fn kinds_from_names() {
        for (name, k) in [
            ("CCM Enrollment Status.csv", Kind::Enrolments),
            ("Program_Worklist.csv", Kind::Timelog),
            ("Problem List.csv", Kind::Diagnoses),
            ("Patient_Conditions.csv", Kind::Diagnoses),
            ("care_plans.xlsx", Kind::Careplans),
            ("dir/consents.csv", Kind::Consents),
            ("visits.csv", Kind::Visits),
            ("claims.csv", Kind::Claims),
            ("device_readings.csv", Kind::Readings),
            ("timelog.csv", Kind::Timelog),
        ] {
            assert_eq!(kind_from_name(name), k, "{name}");
        }
    }
}
