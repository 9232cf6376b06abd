//! A fixture's files as parsed tables that a transformation can rewrite: the bytes are
//! decoded (UTF-8 with or without BOM, UTF-16 with a BOM, else windows-1252), the delimiter
//! sniffed, a title block kept above the header, and each record kept with its physical line.
//! Writing renders them back with the table's own encoding, delimiter, quoting and line end.

use std::path::Path;

/// How a table's text is encoded on disk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Enc {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Win1252,
    /// The first half of the lines UTF-8, the rest windows-1252: two exports joined.
    Utf8Then1252,
}

/// How a table is written: CSV with its options, or an `.xlsx` workbook.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Csv,
    /// `typed`: numbers, dates and times as Excel values (else every cell text); `hidden`:
    /// a hidden first sheet of other data, the log on a later sheet.
    Xlsx {
        typed: bool,
        hidden: bool,
    },
}

/// One record below the header: its cells, the physical line it started on in the
/// original file (0 for rows a transformation made), and whether it is a data row (as many
/// cells as the header, not blank, not a totals row).
#[derive(Clone, Debug)]
pub struct Row {
    pub cells: Vec<String>,
    pub line: u64,
    pub data: bool,
}

#[derive(Clone, Debug)]
pub struct Table {
    /// The file's name in the folder (written under this name).
    pub file: String,
    /// `timelog`, `consents`, `diagnoses`, `enrolments`, `careplans`, `visits`, `staff`.
    pub kind: String,
    pub title: Vec<Vec<String>>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    pub delim: u8,
    pub quote_all: bool,
    pub eol: &'static str,
    pub enc: Enc,
    pub sep_line: bool,
    /// Blank lines (no delimiter at all: no row) between the records.
    pub blank_between: bool,
    pub shape: Shape,
    /// `field = "Header"` pairs of the fixture's map for this kind.
    pub map: Vec<(String, String)>,
}

/// Lower case without spaces, `_`, `-` and `.`: how ccm compares headers and words.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The names ccm accepts for a field of a kind (canonical first), from docs/inputs.md.
pub fn aliases(kind: &str, field: &str) -> &'static [&'static str] {
    const PID: &[&str] = &[
        "patient_id",
        "mrn",
        "patient_mrn",
        "patient_number",
        "patient_no",
        "ehr_id",
        "chart_number",
        "account_number",
        "member_id",
        "person_id",
        "patient",
    ];
    match (kind, field) {
        (_, "patient_id") => PID,
        ("timelog", "service_date") => &[
            "service_date",
            "date",
            "date_of_service",
            "dos",
            "activity_date",
        ],
        ("timelog", "minutes") => &[
            "minutes",
            "duration",
            "duration_minutes",
            "time_spent",
            "mins",
        ],
        ("timelog", "start_time") => &["start_time", "start", "time_in"],
        ("timelog", "end_time") => &["end_time", "end", "time_out"],
        ("timelog", "staff_id") => &[
            "staff_id",
            "staff",
            "user_id",
            "performed_by_id",
            "clinician_id",
        ],
        ("timelog", "staff_role") => &[
            "staff_role",
            "role",
            "credential",
            "staff_type",
            "performed_by_role",
        ],
        ("timelog", "program") => &["program", "service", "program_type", "care_program"],
        ("timelog", "billing_npi") => &[
            "billing_npi",
            "npi",
            "billing_provider_npi",
            "provider_npi",
            "rendering_npi",
        ],
        ("timelog", "staff_npi") => &["staff_npi", "performer_npi"],
        ("timelog", "activity") => &["activity", "activity_type", "category", "task"],
        ("timelog", "note") => &["note", "notes", "description", "comment", "details"],
        ("consents", "program") => &["program", "service"],
        ("consents", "status") => &[
            "status",
            "ccm_status",
            "enrollment_status",
            "enrolment_status",
            "consent_status",
        ],
        ("enrolments", "program") => &["program", "service", "program_type"],
        ("enrolments", "status") => &["status", "enrollment_status", "enrolment_status"],
        ("diagnoses", "status") => &["status", "problem_status", "clinical_status"],
        ("diagnoses", "icd10_code") => &[
            "icd10_code",
            "icd10",
            "icd_10",
            "icd_code",
            "diagnosis_code",
            "dx_code",
            "code",
        ],
        ("staff", "staff_role") => &[
            "staff_role",
            "role",
            "credential",
            "credentials",
            "title",
            "staff_type",
        ],
        ("staff", "name") => &["name", "staff_name", "full_name", "clinician", "provider"],
        _ => &[],
    }
}

impl Table {
    /// The column feeding `field`: the map's header, else the canonical name, else an alias.
    pub fn col(&self, field: &str) -> Option<usize> {
        let find = |name: &str| {
            let n = norm(name);
            self.header
                .iter()
                .position(|h| norm(h) == n && !(field == "patient_id" && norm(h).contains("name")))
        };
        if let Some((_, h)) = self.map.iter().find(|(f, _)| f == field) {
            return find(h);
        }
        aliases(&self.kind, field).iter().find_map(|a| find(a))
    }

    /// Whether the header at `i` is named in the map (renaming it would break the map).
    pub fn mapped(&self, i: usize) -> bool {
        self.map.iter().any(|(_, h)| h == &self.header[i])
    }

    /// Whether the column at `i` feeds more than one field (a map's one `Staff` column).
    pub fn shared(&self, i: usize) -> bool {
        self.map
            .iter()
            .filter(|(_, h)| h == &self.header[i])
            .count()
            > 1
    }

    /// Parses a CSV (or `.xlsx`, its sheet `sheet` or first) file of `kind`.
    pub fn read(path: &Path, kind: &str, map: Vec<(String, String)>, sheet: Option<&str>) -> Table {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if file.to_lowercase().ends_with(".xlsx") {
            return Self::read_xlsx(path, kind, map, sheet);
        }
        let bytes = std::fs::read(path).expect("read fixture");
        let (text, enc) = decode(&bytes);
        let eol = if text.contains("\r\n") {
            "\r\n"
        } else if text.contains('\r') {
            "\r"
        } else {
            "\n"
        };
        let (text, sep_line, sep) = match text.strip_prefix("sep=") {
            Some(rest) => {
                let d = rest.as_bytes()[0];
                let body = rest.split_once('\n').map(|x| x.1).unwrap_or("");
                (body.to_string(), true, Some(d))
            }
            None => (text, false, None),
        };
        let delim = sep.unwrap_or_else(|| sniff(&text));
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delim)
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        for rec in rd.records() {
            let rec = rec.expect("csv record");
            let line = rec.position().map(|p| p.line()).unwrap_or(0) + u64::from(sep_line);
            records.push((rec.iter().map(String::from).collect::<Vec<_>>(), line));
        }
        let mut t = Table {
            file,
            kind: kind.to_string(),
            title: vec![],
            header: vec![],
            rows: vec![],
            delim,
            quote_all: false,
            eol,
            enc,
            sep_line,
            blank_between: false,
            shape: Shape::Csv,
            map,
        };
        t.split_records(records);
        t
    }

    fn split_records(&mut self, records: Vec<(Vec<String>, u64)>) {
        let at = records
            .iter()
            .take(50)
            .position(|(r, _)| {
                let probe = Table {
                    header: r.clone(),
                    ..self.empty()
                };
                probe.col("patient_id").is_some()
                    && r.iter().filter(|c| !c.trim().is_empty()).count() >= 2
            })
            .unwrap_or(0);
        let mut it = records.into_iter();
        for _ in 0..at {
            self.title.push(it.next().unwrap().0);
        }
        self.header = it.next().map(|x| x.0).unwrap_or_default();
        let n = self.header.len();
        for (cells, line) in it {
            let first = cells.iter().map(|c| c.trim()).find(|c| !c.is_empty());
            let data = cells.len() == n
                && first.is_some_and(|f| {
                    let f = f.to_lowercase();
                    !(f.contains("total") || f == "count" || f == "sum")
                });
            self.rows.push(Row { cells, line, data });
        }
    }

    fn empty(&self) -> Table {
        Table {
            file: self.file.clone(),
            kind: self.kind.clone(),
            title: vec![],
            header: vec![],
            rows: vec![],
            delim: b',',
            quote_all: false,
            eol: "\n",
            enc: Enc::Utf8,
            sep_line: false,
            blank_between: false,
            shape: Shape::Csv,
            map: self.map.clone(),
        }
    }

    /// Reads a sheet as Excel shows it: dates `YYYY-MM-DD`, times `HH:MM:SS`, whole numbers
    /// without a point. Written back as CSV under the same stem unless a transformation says.
    fn read_xlsx(
        path: &Path,
        kind: &str,
        map: Vec<(String, String)>,
        sheet: Option<&str>,
    ) -> Table {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(path).expect("open xlsx");
        let name = sheet
            .map(String::from)
            .unwrap_or_else(|| wb.sheet_names()[0].clone());
        let range = wb.worksheet_range(&name).expect("sheet");
        let mut records = Vec::new();
        for (i, row) in range.rows().enumerate() {
            let cells = row
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(d) => {
                        let f = d.as_f64();
                        let dt = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                            .unwrap()
                            .and_hms_opt(0, 0, 0)
                            .unwrap()
                            + chrono::Duration::milliseconds((f * 86_400_000.0).round() as i64);
                        if d.as_f64() < 1.0 {
                            dt.format("%H:%M:%S").to_string()
                        } else if d.as_f64().fract() == 0.0 {
                            dt.format("%Y-%m-%d").to_string()
                        } else {
                            dt.format("%Y-%m-%d %H:%M:%S").to_string()
                        }
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>();
            // An empty sheet row is no record at all (a CSV `,,,` line would be IN005).
            if cells.iter().any(|c| !c.is_empty()) {
                records.push((cells, range.start().unwrap().0 as u64 + i as u64 + 1));
            }
        }
        let stem = path.file_stem().unwrap().to_string_lossy();
        let mut t = Table {
            file: format!("{stem}.csv"),
            kind: kind.to_string(),
            title: vec![],
            header: vec![],
            rows: vec![],
            delim: b',',
            quote_all: false,
            eol: "\n",
            enc: Enc::Utf8,
            sep_line: false,
            blank_between: false,
            shape: Shape::Csv,
            map,
        };
        t.split_records(records);
        t
    }

    /// The file's bytes as the table says to write them; `None` when its text cannot be
    /// encoded so (a character windows-1252 lacks).
    pub fn render(&self) -> Option<Vec<u8>> {
        if let Shape::Xlsx { typed, hidden } = self.shape {
            return Some(super::xlsx::render(self, typed, hidden));
        }
        let term = match self.eol {
            "\r\n" => csv::Terminator::CRLF,
            "\r" => csv::Terminator::Any(b'\r'),
            _ => csv::Terminator::Any(b'\n'),
        };
        let record = |cells: &[String]| -> Vec<u8> {
            let mut w = csv::WriterBuilder::new()
                .delimiter(self.delim)
                .flexible(true)
                .terminator(term)
                .quote_style(if self.quote_all {
                    csv::QuoteStyle::Always
                } else {
                    csv::QuoteStyle::Necessary
                })
                .from_writer(vec![]);
            w.write_record(cells).expect("write record");
            w.into_inner().expect("csv bytes")
        };
        let mut out = Vec::new();
        if self.sep_line {
            out.extend_from_slice(format!("sep={}{}", self.delim as char, self.eol).as_bytes());
        }
        for t in &self.title {
            out.extend(record(t));
        }
        out.extend(record(&self.header));
        for r in &self.rows {
            if r.cells.is_empty() {
                continue;
            }
            out.extend(record(&r.cells));
            if self.blank_between {
                out.extend_from_slice(self.eol.as_bytes());
            }
        }
        let text = String::from_utf8(out).expect("utf-8");
        Some(match self.enc {
            Enc::Utf8 => text.into_bytes(),
            Enc::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            Enc::Utf16Le => std::iter::once(0xFEFF)
                .chain(text.encode_utf16())
                .flat_map(u16::to_le_bytes)
                .collect(),
            Enc::Utf16Be => std::iter::once(0xFEFF)
                .chain(text.encode_utf16())
                .flat_map(u16::to_be_bytes)
                .collect(),
            Enc::Win1252 => {
                let (b, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
                if bad {
                    return None;
                }
                b.into_owned()
            }
            Enc::Utf8Then1252 => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let half = lines.len() / 2;
                let mut out = Vec::with_capacity(text.len());
                for (i, l) in lines.into_iter().enumerate() {
                    if i < half {
                        out.extend_from_slice(l.as_bytes());
                    } else {
                        let (b, _, bad) = encoding_rs::WINDOWS_1252.encode(l);
                        if bad {
                            return None;
                        }
                        out.extend_from_slice(&b);
                    }
                }
                out
            }
        })
    }
}

fn decode(bytes: &[u8]) -> (String, Enc) {
    if let Some(b) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let u: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return (String::from_utf16_lossy(&u), Enc::Utf16Le);
    }
    if let Some(b) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let u: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return (String::from_utf16_lossy(&u), Enc::Utf16Be);
    }
    if let Some(b) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return (String::from_utf8(b.to_vec()).expect("utf-8"), Enc::Utf8Bom);
    }
    match String::from_utf8(bytes.to_vec()) {
        Ok(s) => (s, Enc::Utf8),
        // Not UTF-8: each line that is stays so, the others are windows-1252 (two exports
        // joined), as ccm reads them.
        Err(_) => (
            bytes
                .split_inclusive(|b| *b == b'\n')
                .map(|l| match std::str::from_utf8(l) {
                    Ok(s) => s.to_string(),
                    Err(_) => encoding_rs::WINDOWS_1252.decode(l).0.into_owned(),
                })
                .collect(),
            Enc::Win1252,
        ),
    }
}

/// The delimiter of the first lines: the candidate found most often outside quotes (ties
/// to the comma).
fn sniff(text: &str) -> u8 {
    let mut best = (0usize, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let mut n = 0;
        let mut quoted = false;
        for (lines, b) in text.bytes().scan(0usize, |l, b| {
            if b == b'\n' {
                *l += 1;
            }
            Some((*l, b))
        }) {
            if lines > 20 {
                break;
            }
            if b == b'"' {
                quoted = !quoted;
            } else if b == d && !quoted {
                n += 1;
            }
        }
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}
