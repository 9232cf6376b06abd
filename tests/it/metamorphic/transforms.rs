//! The cosmetic transformations: each a small function whose doc comment names the habit
//! it imitates. `Err` means "does not apply to this fixture" (nothing to transform, or it
//! would need a fact the fixture contradicts); the job is then counted as not applicable.

use super::table::{Enc, Row, Shape, Table};
use super::xlsx::{clock, iso_date};
use super::{FileSet, Fixture, Outcome};
use unicode_normalization::UnicodeNormalization;

type Res = Result<(), String>;

pub struct T {
    pub name: &'static str,
    pub f: fn(&mut FileSet, &Outcome, &mut Rng) -> Res,
    /// Finding codes this transformation may add (it adds rows that say so).
    pub may_add: &'static [&'static str],
    /// Codes with which ccm must say so when the answer differs (information really lost).
    pub says_so: &'static [&'static str],
    /// Transformations of one group do not stack (two delimiters, two encodings …).
    pub group: &'static str,
}

/// A small seeded generator (splitmix64 over an FNV hash of a label).
pub struct Rng(u64);

impl Rng {
    pub fn new(label: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        Rng(h)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

macro_rules! t {
    ($f:ident) => {
        t!($f, [], [], "")
    };
    ($f:ident, $g:expr) => {
        t!($f, [], [], $g)
    };
    ($f:ident, [$($a:expr),*], [$($s:expr),*], $g:expr) => {
        T { name: stringify!($f), f: $f, may_add: &[$($a),*], says_so: &[$($s),*], group: $g }
    };
}

pub static TRANSFORMS: &[T] = &[
    t!(roundtrip),
    t!(shuffle_rows, "order"),
    t!(shuffle_companion_rows, "order"),
    t!(sort_by_patient, "order"),
    t!(word_case),
    t!(word_punctuation, "words"),
    t!(icd_codes_undotted),
    t!(pad_spaces),
    t!(nbsp_around, "invisible"),
    t!(zero_width, "invisible"),
    t!(unicode_nfd),
    t!(accented_staff_mixed_forms),
    t!(delim_semicolon, "delim"),
    t!(delim_tab, "delim"),
    t!(delim_pipe, "delim"),
    t!(excel_sep_line, "delim"),
    t!(quote_all),
    t!(eol_crlf, "eol"),
    t!(eol_cr, "eol"),
    t!(utf8_bom, "enc"),
    t!(utf16le, "enc"),
    t!(utf16be, "enc"),
    t!(windows_1252, "enc"),
    t!(exports_joined_utf8_then_1252, "enc"),
    t!(blank_lines),
    t!(title_block),
    t!(grand_total, ["IN005"], [], ""),
    t!(patient_subtotals, ["IN005"], [], "order"),
    t!(repeated_header, ["IN005"], [], ""),
    t!(header_aliases, "header"),
    t!(header_case, "header"),
    t!(extra_columns),
    t!(column_order),
    t!(dates_us, "dates"),
    t!(dates_excel_serial, "dates"),
    t!(dates_with_midnight, "dates"),
    t!(dates_day_first_everywhere, [], ["IN008"], "dates"),
    t!(dates_year_first_slash, "dates"),
    t!(times_12h, "times"),
    t!(times_seconds, "times"),
    t!(clock_instants, "times"),
    t!(minutes_decimal, "minutes"),
    t!(minutes_hmm, "minutes"),
    t!(minutes_units, "minutes"),
    t!(instants_z, "dates"),
    t!(instants_offset, "dates"),
    t!(instants_zone_abbrev, [], ["IN002"], "dates"),
    t!(apostrophe_ids),
    t!(apostrophe_npi),
    t!(ids_zero_padded, "ids"),
    t!(ids_zero_padded_unflagged, [], ["IN007"], "ids"),
    t!(split_overlap, ["IN003"], [], "split"),
    t!(split_overlap_no_activity, ["IN003"], [], "split"),
    t!(split_after_proof, "split"),
    t!(xlsx_typed, "xlsx"),
    t!(xlsx_text_later_sheet, "xlsx"),
    t!(xlsx_hidden_first_sheet, "xlsx"),
];

/// Stacks of 3–5 transformations run together on the demo and on export shapes.
pub static STACKS: &[&[&str]] = &[
    &[
        "shuffle_rows",
        "delim_semicolon",
        "windows_1252",
        "times_12h",
    ],
    &[
        "title_block",
        "grand_total",
        "utf16le",
        "quote_all",
        "word_case",
    ],
    &["split_overlap", "dates_us", "eol_crlf", "pad_spaces"],
    &[
        "header_aliases",
        "minutes_hmm",
        "sort_by_patient",
        "xlsx_typed",
    ],
    &[
        "patient_subtotals",
        "apostrophe_ids",
        "nbsp_around",
        "eol_cr",
    ],
];

pub fn by_name(n: &str) -> &'static T {
    TRANSFORMS.iter().find(|t| t.name == n).expect(n)
}

/// Whether `t` applies to the fixture as far as its files tell (without its run).
pub fn applies(fx: &Fixture, t: &T) -> bool {
    let mut fs = FileSet::load(fx);
    (t.f)(&mut fs, &Outcome::default(), &mut Rng::new("applies")).is_ok()
}

// ---------------------------------------------------------------- helpers

/// Columns of "words" a reader must compare case-, space- and punctuation-insensitively.
fn word_cols(t: &Table) -> Vec<usize> {
    let fields: &[&str] = match t.kind.as_str() {
        "timelog" => &["staff_role", "program"],
        "consents" | "enrolments" => &["program", "status"],
        "diagnoses" => &["status"],
        "staff" => &["staff_role"],
        _ => &[],
    };
    fields
        .iter()
        .filter_map(|f| t.col(f))
        .filter(|&c| !t.shared(c))
        .collect()
}

/// The time log's value columns (ids, dates, minutes, times, words, NPI).
fn value_cols(t: &Table) -> Vec<usize> {
    [
        "patient_id",
        "service_date",
        "minutes",
        "start_time",
        "end_time",
        "staff_id",
        "staff_role",
        "program",
        "billing_npi",
    ]
    .iter()
    .filter_map(|f| t.col(f))
    .collect::<std::collections::BTreeSet<_>>()
    .into_iter()
    .collect()
}

fn each_cell(t: &mut Table, cols: &[usize], mut f: impl FnMut(usize, &str) -> String) {
    for (i, r) in t.rows.iter_mut().filter(|r| r.data).enumerate() {
        for &c in cols {
            r.cells[c] = f(i, &r.cells[c]);
        }
    }
}

fn logs(fs: &mut FileSet) -> Vec<&mut Table> {
    fs.logs_mut()
}

/// Applies `f` to each time log's `field`; `Err` when no time log has the column or
/// nothing changed.
fn log_field(fs: &mut FileSet, field: &str, mut f: impl FnMut(usize, &str) -> String) -> Res {
    let mut changed = false;
    for t in logs(fs) {
        if let Some(c) = t.col(field) {
            for (i, r) in t.rows.iter_mut().filter(|r| r.data).enumerate() {
                let v = f(i, &r.cells[c]);
                changed |= v != r.cells[c];
                r.cells[c] = v;
            }
        }
    }
    if changed {
        Ok(())
    } else {
        Err(format!("no {field} to change"))
    }
}

fn all_tables(fs: &mut FileSet, f: impl Fn(&mut Table)) -> Res {
    fs.tables.iter_mut().for_each(f);
    Ok(())
}

fn whole(v: &str) -> Option<u32> {
    (!v.is_empty() && v.len() < 6 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse().ok())
        .flatten()
}

fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// Permutes the data rows among the data rows' places (other rows stay where they are).
fn reorder(t: &mut Table, order: impl FnOnce(&mut Vec<Row>)) {
    let places: Vec<usize> = (0..t.rows.len()).filter(|&i| t.rows[i].data).collect();
    let mut data: Vec<Row> = places.iter().map(|&i| t.rows[i].clone()).collect();
    order(&mut data);
    for (p, r) in places.into_iter().zip(data) {
        t.rows[p] = r;
    }
}

fn tz(fs: &mut FileSet) -> chrono_tz::Tz {
    match fs.flag("--tz") {
        Some(z) => z.parse().expect("--tz zone"),
        None => {
            fs.args
                .extend(["--tz".to_string(), "America/New_York".to_string()]);
            chrono_tz::America::New_York
        }
    }
}

fn local(
    tz: chrono_tz::Tz,
    d: (u16, u8, u8),
    h: u32,
    m: u32,
    s: u32,
) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    use chrono::TimeZone;
    let nd = chrono::NaiveDate::from_ymd_opt(i32::from(d.0), u32::from(d.1), u32::from(d.2))?;
    tz.from_local_datetime(&nd.and_hms_opt(h, m, s)?).single()
}

/// Month-first dates are safe for this fixture (no day-first file, no IN008 already);
/// says so with `--date-order mdy` unless the fixture gives an order.
fn month_first_ok(fs: &mut FileSet, base: &Outcome) -> Res {
    // summary.json names the order `D/M/Y` (never `dmy`: that spelling matched nothing, so a
    // day-first fixture was forced month-first, METAMORPHIC_FULL's split_overlap on
    // day_first_and_instants).
    if base.codes.contains("IN008") || base.date_orders.iter().any(|o| o == "D/M/Y") {
        return Err("the fixture is day-first or ambiguous".into());
    }
    match fs.flag("--date-order").as_deref() {
        Some("mdy") => Ok(()),
        Some(_) => Err("day-first by flag".into()),
        None => {
            // A day-first file proves itself by its dates: the base run says so above.
            fs.args
                .extend(["--date-order".to_string(), "mdy".to_string()]);
            Ok(())
        }
    }
}

fn us_date(i: usize, v: &str) -> String {
    match iso_date(v) {
        Some((y, m, d)) => match i % 3 {
            0 => format!("{m}/{d}/{y}"),
            1 => format!("{m:02}/{d:02}/{y}"),
            _ => format!("{m}/{d}/{:02}", y % 100),
        },
        None => v.to_string(),
    }
}

fn twelve_hour(i: usize, v: &str, seconds: bool) -> String {
    match clock(v.trim()) {
        Some((h, m, s)) => {
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            let sec = if seconds || s != 0 {
                format!(":{s:02}")
            } else {
                String::new()
            };
            match (i % 3, h < 12) {
                (0, true) => format!("{h12}:{m:02}{sec} AM"),
                (0, false) => format!("{h12}:{m:02}{sec} PM"),
                (1, true) => format!("{h12}:{m:02}{sec}am"),
                (1, false) => format!("{h12}:{m:02}{sec}pm"),
                (_, true) => format!("{h12}:{m:02}{sec} a.m."),
                (_, false) => format!("{h12}:{m:02}{sec} p.m."),
            }
        }
        None => v.to_string(),
    }
}

fn decimal_minutes(_: usize, v: &str) -> String {
    whole(v)
        .map(|n| format!("{n}.00"))
        .unwrap_or_else(|| v.to_string())
}

fn set_log_xlsx(fs: &mut FileSet, base: &Outcome, xlsx: (bool, bool, bool)) -> Res {
    let (typed, hidden, sheet) = xlsx;
    let li = fs.logs[0];
    // A workbook has no blank row: a blank line the CSV reader named (IN005) is gone.
    let blank = |r: &Row| r.cells.iter().all(|c| c.trim().is_empty());
    if base.codes.contains("IN005") && fs.tables[li].rows.iter().any(blank) {
        return Err("a blank line (IN005) has no sheet equivalent".into());
    }
    // A record CSV cannot read (IN001: too many fields) has no sheet equivalent: it stays
    // in a small CSV log of its own beside the workbook, still unreadable.
    let n = fs.tables[li].header.len();
    let bad = |r: &Row| !r.data && r.cells.len() != n && r.cells.iter().any(|c| !c.is_empty());
    if fs.tables[li].rows.iter().any(bad) {
        let mut rest = fs.tables[li].clone();
        rest.title.clear();
        rest.rows.retain(bad);
        fs.tables[li].rows.retain(|r| !bad(r));
        rest.file = "unreadable.csv".into();
        let first = fs.tables[li].file.clone();
        let at = fs.args.iter().position(|a| *a == first).expect("log arg");
        fs.args.insert(at + 1, rest.file.clone());
        fs.tables.push(rest);
        fs.logs.push(fs.tables.len() - 1);
    }
    let old = fs.tables[li].file.clone();
    let stem = old
        .rsplit_once('.')
        .map(|x| x.0)
        .unwrap_or(&old)
        .to_string();
    let new = format!("{stem}.xlsx");
    fs.tables[li].shape = Shape::Xlsx { typed, hidden };
    fs.tables[li].file = new.clone();
    fs.rename_arg(&old, &new);
    if sheet {
        fs.args
            .extend(["--sheet".to_string(), "Time Log".to_string()]);
    }
    Ok(())
}

fn zero_pad(fs: &mut FileSet, base: &Outcome, flag: bool) -> Res {
    if base.codes.contains("IN007") || fs.has_arg("--ignore-id-zeros") {
        return Err("the fixture already has ids differing by zeros".into());
    }
    for t in &fs.tables {
        if let Some(c) = t.col("patient_id")
            && t.rows
                .iter()
                .any(|r| r.data && r.cells[c].trim().starts_with('0'))
        {
            return Err("ids with leading zeros already".into());
        }
    }
    log_field(fs, "patient_id", |_, v| {
        if whole(v.trim()).is_some() || (v.len() >= 4 && v.bytes().all(|b| b.is_ascii_digit())) {
            format!("00{v}")
        } else {
            v.to_string()
        }
    })?;
    if flag {
        fs.args.push("--ignore-id-zeros".into());
    }
    Ok(())
}

// ---------------------------------------------------------------- transformations

/// Parses and rewrites every file unchanged in substance (an `.xlsx` log becomes CSV): a
/// tool that opens an export and saves it again normalises quoting and layout.
fn roundtrip(_: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    Ok(())
}

/// Shuffles the time log's rows: platforms export in entry order, by user or at random
/// after a merge.
fn shuffle_rows(fs: &mut FileSet, _: &Outcome, rng: &mut Rng) -> Res {
    for t in logs(fs) {
        reorder(t, |d| {
            for i in (1..d.len()).rev() {
                d.swap(i, rng.below(i + 1));
            }
        });
    }
    Ok(())
}

/// Shuffles the rows of every companion (consents, problem list, enrolments, care plans,
/// visits, staff): an EHR exports a problem list by entry date, by code or by severity, and
/// nothing on a claim may follow that order (the diagnoses of a clean line once did).
fn shuffle_companion_rows(fs: &mut FileSet, _: &Outcome, rng: &mut Rng) -> Res {
    let logs = fs.logs.clone();
    let mut any = false;
    for (i, t) in fs.tables.iter_mut().enumerate() {
        if logs.contains(&i) || t.rows.iter().filter(|r| r.data).count() < 2 {
            continue;
        }
        any = true;
        reorder(t, |d| {
            for i in (1..d.len()).rev() {
                d.swap(i, rng.below(i + 1));
            }
            // And half the time reversed too: a file sorted the other way round.
            if d.len() > 1 && rng.below(2) == 0 {
                d.reverse();
            }
        });
    }
    if any {
        Ok(())
    } else {
        Err("no companion of two rows".into())
    }
}

/// Sorts the time log by patient then date, as an EHR's "by patient" report does.
fn sort_by_patient(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let (p, d) = (t.col("patient_id"), t.col("service_date"));
        reorder(t, |rows| {
            rows.sort_by_key(|r| (p.map(|c| r.cells[c].clone()), d.map(|c| r.cells[c].clone())))
        });
    }
    Ok(())
}

/// Role, program and status words in UPPER, lower or Title case by row: each platform and
/// each user types them their own way (`rn`, `Ccm`, `ENROLLED`).
fn word_case(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in fs.tables.iter_mut() {
        let cols = word_cols(t);
        each_cell(t, &cols, |i, v| match i % 3 {
            0 => v.to_uppercase(),
            1 => v.to_lowercase(),
            _ => title(v),
        });
    }
    Ok(())
}

/// ICD-10-CM codes without the dot and in lower case by row (`e119`, `E119`, `E11.9`):
/// billing systems store them undotted, problem lists show them dotted.
fn icd_codes_undotted(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let mut changed = false;
    for t in fs.tables.iter_mut().filter(|t| t.kind == "diagnoses") {
        let Some(c) = t.col("icd10_code").filter(|&c| !t.shared(c)) else {
            continue;
        };
        each_cell(t, &[c], |i, v| {
            let undotted = v.replace('.', "");
            let out = if i % 2 == 0 {
                undotted.to_lowercase()
            } else {
                undotted
            };
            changed |= out != v;
            out
        });
    }
    if changed {
        Ok(())
    } else {
        Err("no diagnosis code to rewrite".into())
    }
}

/// Role, program and status words with punctuation: `R.N.`, `M.D.`, `enrolled_elsewhere`,
/// `Chronic_Care_Management` (database enum exports and dotted credentials).
fn word_punctuation(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in fs.tables.iter_mut() {
        let cols = word_cols(t);
        each_cell(t, &cols, |_, v| {
            if v.trim().contains(' ') {
                v.trim().replace(' ', "_")
            } else if (2..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_uppercase()) {
                v.chars().map(|c| format!("{c}.")).collect()
            } else {
                v.to_string()
            }
        });
    }
    Ok(())
}

/// Spaces around every value of every file (fixed-width reports, hand-typed cells).
fn pad_spaces(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| {
        for r in t.rows.iter_mut().filter(|r| r.data) {
            for c in r.cells.iter_mut() {
                *c = format!(" {c}  ");
            }
        }
    })
}

/// No-break spaces around the time log's values: copied from a web page or a Word table.
fn nbsp_around(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let cols = value_cols(t);
        each_cell(t, &cols, |i, v| match (v.is_empty(), i % 2) {
            (true, _) => v.to_string(),
            (_, 0) => format!("\u{a0}{v}"),
            _ => format!("{v}\u{a0}"),
        });
    }
    Ok(())
}

/// Zero-width spaces, stray BOMs and bidirectional marks at the edges of values: pasted
/// from a web portal, a chat message or a right-to-left system.
fn zero_width(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let cols = value_cols(t);
        // The whole class of invisible format characters, rotating: zero-width space, BOM,
        // the left-to-right and right-to-left marks a copy from a web page or an RTL
        // system carries, the word joiner.
        each_cell(t, &cols, |i, v| match (v.is_empty(), i % 5) {
            (true, _) => v.to_string(),
            (_, 0) => format!("\u{200b}{v}"),
            (_, 1) => format!("{v}\u{feff}"),
            (_, 2) => format!("{v}\u{200e}"),
            (_, 3) => format!("\u{200f}{v}\u{2060}"),
            _ => format!("\u{200b}{v}\u{200b}"),
        });
    }
    Ok(())
}

/// Every value of every file in Unicode NFD (decomposed accents), as macOS and some
/// Java-based exports write text.
fn unicode_nfd(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| {
        for r in t.rows.iter_mut() {
            for c in r.cells.iter_mut() {
                *c = c.nfd().collect();
            }
        }
    })
}

/// Staff named with accents (`Zoë Muñoz S04`), precomposed on some rows and decomposed on
/// others: two systems feeding one log type the same name in different Unicode forms.
fn accented_staff_mixed_forms(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    if fs.tables.iter().any(|t| t.kind == "staff") {
        return Err("a roster names the staff".into());
    }
    for t in logs(fs) {
        if t.col("staff_id").is_some_and(|c| t.shared(c)) {
            return Err("the staff cell carries the role".into());
        }
    }
    log_field(fs, "staff_id", |i, v| {
        let name = format!("Zoë Muñoz {v}");
        if i % 2 == 0 {
            name.nfc().collect()
        } else {
            name.nfd().collect()
        }
    })
}

/// Semicolons between fields: Excel's CSV in locales with a decimal comma.
fn delim_semicolon(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.delim = b';')
}

/// Tabs between fields: "Text (tab delimited)" and copy-paste out of a grid.
fn delim_tab(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.delim = b'\t')
}

/// Pipes between fields: database and clearinghouse extracts.
fn delim_pipe(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.delim = b'|')
}

/// An Excel `sep=;` first line and semicolons: a file meant to open in any Excel locale.
fn excel_sep_line(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        t.sep_line = true;
        t.delim = b';';
    }
    Ok(())
}

/// Every field quoted: exports from SQL tools and some EHR report writers.
fn quote_all(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.quote_all = true)
}

/// CRLF line ends: anything saved on Windows.
fn eol_crlf(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.eol = "\r\n")
}

/// Lone CR line ends: classic Mac Excel's "CSV (Macintosh)".
fn eol_cr(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.eol = "\r")
}

/// UTF-8 with a byte-order mark: Excel's "CSV UTF-8".
fn utf8_bom(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.enc = Enc::Utf8Bom)
}

/// UTF-16 little-endian with a BOM: Excel's "Unicode Text".
fn utf16le(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.enc = Enc::Utf16Le)
}

/// UTF-16 big-endian with a BOM: some Java and mainframe exports.
fn utf16be(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.enc = Enc::Utf16Be)
}

/// windows-1252: Excel's plain "CSV (Comma delimited)" on Windows.
fn windows_1252(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.enc = Enc::Win1252)
}

/// Every file's first half of lines UTF-8 and the rest windows-1252: two exports joined
/// (`cat`), one written by a Windows tool. Each line must read as what it is: `José` in
/// either half is one staff member (round 11 read the UTF-8 half as `JosÃ©`).
fn exports_joined_utf8_then_1252(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    all_tables(fs, |t| t.enc = Enc::Utf8Then1252)
}

/// Blank lines between the records: reports that space their rows, or files edited by hand.
fn blank_lines(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        t.blank_between = true;
    }
    Ok(())
}

/// A report's title block above the header (report name, practice, date range, run time,
/// an empty row), as EHR reports saved to CSV carry.
fn title_block(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let n = t.header.len();
        let line = |s: &str| {
            let mut v = vec![String::new(); n];
            v[0] = s.to_string();
            v
        };
        let mut block = vec![
            line("CCM Time Detail"),
            line("Riverbend Family Medicine"),
            line("Date range: 03/01/2025 - 03/31/2025"),
            line("Run 4/2/2025 8:14 AM by bwilliams"),
            vec![String::new(); n],
        ];
        block.append(&mut t.title);
        t.title = block;
    }
    Ok(())
}

/// A blank row and a `Grand Total` row with the minutes' sum below the data: a report's
/// footer.
fn grand_total(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let n = t.header.len();
        let m = t.col("minutes");
        let sum: u32 = m
            .map(|c| {
                t.rows
                    .iter()
                    .filter(|r| r.data)
                    .filter_map(|r| whole(r.cells[c].trim()))
                    .sum()
            })
            .unwrap_or(0);
        let mut total = vec![String::new(); n];
        total[0] = "Grand Total".into();
        if let Some(c) = m.filter(|&c| c != 0) {
            total[c] = sum.to_string();
        }
        for cells in [vec![String::new(); n], total] {
            t.rows.push(Row {
                cells,
                line: 0,
                data: false,
            });
        }
    }
    Ok(())
}

/// Rows grouped by patient, each group followed by a `<id> Total` row with its minutes:
/// an EHR's "time by patient" report with subtotals.
fn patient_subtotals(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let Some(p) = t.col("patient_id") else {
            return Err("no patient column".into());
        };
        let m = t.col("minutes");
        let n = t.header.len();
        let (data, other): (Vec<Row>, Vec<Row>) = t.rows.drain(..).partition(|r| r.data);
        let mut ids: Vec<String> = Vec::new();
        for r in &data {
            if !ids.contains(&r.cells[p]) {
                ids.push(r.cells[p].clone());
            }
        }
        for id in ids {
            let group: Vec<&Row> = data.iter().filter(|r| r.cells[p] == id).collect();
            let sum: u32 = m
                .map(|c| group.iter().filter_map(|r| whole(r.cells[c].trim())).sum())
                .unwrap_or(0);
            t.rows.extend(group.into_iter().cloned());
            if id.trim().is_empty() {
                continue;
            }
            let mut sub = vec![String::new(); n];
            sub[0] = format!("{} Total", id.trim());
            if let Some(c) = m.filter(|&c| c != 0) {
                sub[c] = sum.to_string();
            }
            t.rows.push(Row {
                cells: sub,
                line: 0,
                data: false,
            });
        }
        t.rows.extend(other);
    }
    Ok(())
}

/// The header repeated in the middle of the data: a multi-page report printed to CSV, or
/// two exports pasted into one file.
fn repeated_header(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let at = t.rows.len() / 2;
        let h = t.header.clone();
        t.rows.insert(
            at,
            Row {
                cells: h,
                line: 0,
                data: false,
            },
        );
    }
    Ok(())
}

/// Another platform's header names for each column (`Patient MRN`, `Date of Service`,
/// `Time Spent`, `Credential`, `Billing Provider NPI` …), all documented aliases.
fn header_aliases(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let names = [
        ("patient_id", "Patient MRN"),
        ("service_date", "Date of Service"),
        ("minutes", "Time Spent"),
        ("start_time", "Time In"),
        ("end_time", "Time Out"),
        ("staff_id", "User ID"),
        ("staff_role", "Credential"),
        ("program", "Care Program"),
        ("billing_npi", "Billing Provider NPI"),
        ("staff_npi", "Performer NPI"),
        ("activity", "Activity Type"),
        ("note", "Notes"),
    ];
    let mut changed = false;
    for t in logs(fs) {
        let cols: Vec<(usize, &str)> = names
            .iter()
            .filter_map(|(f, n)| t.col(f).map(|c| (c, *n)))
            .filter(|(c, _)| !t.mapped(*c))
            .collect();
        for (c, n) in cols {
            changed |= t.header[c] != n;
            t.header[c] = n.to_string();
        }
    }
    if changed {
        Ok(())
    } else {
        Err("every header is mapped".into())
    }
}

/// Headers in another spelling: `PATIENT-ID`, `Service Date`, `staff.role` (report
/// writers and hand-made spreadsheets).
fn header_case(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let mut changed = false;
    for t in logs(fs) {
        for c in 0..t.header.len() {
            if t.mapped(c) {
                continue;
            }
            let words: Vec<String> = t.header[c]
                .split([' ', '_', '-', '.'])
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect();
            let h = match c % 3 {
                0 => words.join("-").to_uppercase(),
                1 => title(&words.join(" ")),
                _ => words.join(".").to_lowercase(),
            };
            changed |= h != t.header[c];
            t.header[c] = h;
        }
    }
    if changed {
        Ok(())
    } else {
        Err("every header is mapped".into())
    }
}

/// Columns ccm does not read in front (`Patient Name`, `DOB`, `Location`): a report with
/// more than the log needs.
fn extra_columns(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        for (k, h) in ["Patient Name", "DOB", "Location"].iter().enumerate() {
            t.header.insert(k, h.to_string());
        }
        for t in t.title.iter_mut() {
            t.splice(0..0, vec![String::new(); 3]);
        }
        for r in t.rows.iter_mut() {
            // A line of text with no delimiter (a footer, a title) has none in any layout.
            if !r.data && r.cells.len() == 1 && !r.cells[0].trim().is_empty() {
                continue;
            }
            let v: Vec<String> = if r.data {
                vec![
                    "Doe, Jane".into(),
                    "1950-01-01".into(),
                    "Main Clinic".into(),
                ]
            } else {
                vec![String::new(); 3]
            };
            r.cells.splice(0..0, v);
        }
    }
    Ok(())
}

/// The columns in reverse order: each platform lays its report out its own way.
fn column_order(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    for t in logs(fs) {
        let n = t.header.len();
        t.header.reverse();
        for r in t.rows.iter_mut().filter(|r| r.data && r.cells.len() == n) {
            r.cells.reverse();
        }
    }
    Ok(())
}

/// Service dates as US slash dates (`3/5/2025`, `03/05/2025`, `3/5/25` by row): Excel's
/// display format, saved to CSV. Only where month-first is the file's order.
fn dates_us(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "service_date", us_date)?;
    month_first_ok(fs, base)
}

/// Every ISO date of every file written day-first (`05/03/2025`): a platform built for a
/// day-first locale (UK, Australia) used by a US practice. A file whose own dates prove the
/// order is read so; one whose every date fits both orders follows what the run's other
/// files prove; where no file proves it, ccm cannot tell and must say so (IN008).
fn dates_day_first_everywhere(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    if base.codes.contains("IN008") || fs.flag("--date-order").is_some() {
        return Err("the fixture's date order is already in doubt or given".into());
    }
    let mut changed = false;
    for t in fs.tables.iter_mut().filter(|t| t.shape == Shape::Csv) {
        for c in 0..t.header.len() {
            let mut cells = t
                .rows
                .iter()
                .filter(|r| r.data)
                .map(|r| r.cells[c].trim())
                .filter(|v| !v.is_empty())
                .peekable();
            if cells.peek().is_none() || !cells.all(|v| v.len() == 10 && iso_date(v).is_some()) {
                continue;
            }
            for r in t.rows.iter_mut().filter(|r| r.data) {
                if let Some((y, m, d)) = iso_date(r.cells[c].trim()) {
                    r.cells[c] = format!("{d:02}/{m:02}/{y}");
                }
            }
            changed = true;
        }
    }
    if changed {
        Ok(())
    } else {
        Err("no ISO date column".into())
    }
}

/// Every ISO date of every file written year first with slashes (`2025/03/05`): a
/// platform's export in the Japanese or Chinese locale's short date. One reading: no order
/// to prove, so nothing to warn about.
fn dates_year_first_slash(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let mut changed = false;
    for t in fs.tables.iter_mut().filter(|t| t.shape == Shape::Csv) {
        for r in t.rows.iter_mut().filter(|r| r.data) {
            for c in r.cells.iter_mut() {
                let v = c.trim();
                if v.len() == 10 && iso_date(v).is_some() {
                    *c = v.replace('-', "/");
                    changed = true;
                }
            }
        }
    }
    if changed {
        Ok(())
    } else {
        Err("no ISO date".into())
    }
}

/// Service dates as Excel serial days (`45721`): a date column formatted General.
fn dates_excel_serial(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "service_date", |_, v| match iso_date(v) {
        Some((y, m, d)) => {
            let nd =
                chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)).unwrap();
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            (nd - epoch).num_days().to_string()
        }
        None => v.to_string(),
    })
}

/// Service dates as date-times at midnight (`2025-03-05 00:00:00`): a SQL `datetime`
/// column exported as is.
fn dates_with_midnight(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "service_date", |i, v| match (iso_date(v), i % 2) {
        (Some(_), 0) => format!("{v} 00:00:00"),
        (Some(_), _) => format!("{v}T00:00"),
        _ => v.to_string(),
    })
}

/// Start and end times in 12-hour form (`9:05 AM`, `9:05am`, `9:05 p.m.` by row): US
/// platforms' default.
fn times_12h(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let a = log_field(fs, "start_time", |i, v| twelve_hour(i, v, false));
    let b = log_field(fs, "end_time", |i, v| twelve_hour(i, v, false));
    a.or(b)
}

/// Start and end times with seconds (`09:05:00`, `9:05:00 AM` by row): Epic and timer
/// exports.
fn times_seconds(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let f = |i: usize, v: &str| match clock(v.trim()) {
        Some((h, m, s)) if i.is_multiple_of(2) => format!("{h:02}:{m:02}:{s:02}"),
        Some(_) => twelve_hour(0, v, true),
        None => v.to_string(),
    };
    let a = log_field(fs, "start_time", f);
    let b = log_field(fs, "end_time", f);
    a.or(b)
}

/// Start and end times as instants with the zone's offset or `Z` (`2025-03-05T09:05:00-05:00`,
/// `2025-03-05T14:05:00Z`): an API or FHIR export, read in the practice's `--tz` zone.
fn clock_instants(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let zone = tz(fs);
    let mut changed = false;
    for t in logs(fs) {
        let Some(d) = t.col("service_date") else {
            continue;
        };
        for c in [t.col("start_time"), t.col("end_time")]
            .into_iter()
            .flatten()
        {
            for (i, r) in t.rows.iter_mut().filter(|r| r.data).enumerate() {
                let (Some(date), Some((h, m, s))) =
                    (iso_date(&r.cells[d]), clock(r.cells[c].trim()))
                else {
                    continue;
                };
                let Some(at) = local(zone, date, h.into(), m.into(), s.into()) else {
                    continue;
                };
                r.cells[c] = if i % 2 == 0 {
                    at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
                } else {
                    at.with_timezone(&chrono::Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string()
                };
                changed = true;
            }
        }
    }
    if changed {
        Ok(())
    } else {
        Err("no clock times".into())
    }
}

/// Minutes with two decimals (`12.00`): a duration column formatted Number.
fn minutes_decimal(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "minutes", decimal_minutes)
}

/// Minutes as `h:mm` (`0:12`; `h:mm:ss` from 4 hours on, where `h:mm` would be refused):
/// a duration column formatted `[h]:mm`.
fn minutes_hmm(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "minutes", |_, v| match whole(v) {
        Some(n) if n < 240 => format!("{}:{:02}", n / 60, n % 60),
        Some(n) if n <= 1440 => format!("{}:{:02}:00", n / 60, n % 60),
        _ => v.to_string(),
    })
}

/// Minutes with their unit (`12 min`, `12 mins`, `12m` by row): timer apps' text exports.
fn minutes_units(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "minutes", |i, v| match (whole(v), i % 3) {
        (Some(n), 0) => format!("{n} min"),
        (Some(n), 1) => format!("{n} mins"),
        (Some(n), _) => format!("{n}m"),
        _ => v.to_string(),
    })
}

fn instants(fs: &mut FileSet, form: fn(chrono::DateTime<chrono_tz::Tz>) -> String) -> Res {
    let zone = tz(fs);
    log_field(fs, "service_date", |_, v| {
        match iso_date(v).and_then(|d| local(zone, d, 12, 0, 0)) {
            Some(at) => form(at),
            None => v.to_string(),
        }
    })
}

/// Service dates as UTC instants (`2025-03-05T17:00:00Z`): an API export, read in the
/// practice's `--tz` zone.
fn instants_z(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    instants(fs, |at| {
        at.with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    })
}

/// Service dates as instants with the zone's offset (`2025-03-05T12:00:00-05:00`): a FHIR
/// export.
fn instants_offset(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    instants(fs, |at| at.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// Service dates with the `--tz` zone's abbreviation (`2025-03-05T12:00:00 EST`, `… EDT`
/// after the change): report writers that print the zone's short name. ccm refuses
/// abbreviations (docs/inputs.md): if the answer differs it must say so (IN002).
fn instants_zone_abbrev(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    instants(fs, |at| at.format("%Y-%m-%dT%H:%M:%S %Z").to_string())
}

/// Patient and staff ids with Excel's leading `'` text marker (`'P0001`): a column typed
/// as text by hand so Excel keeps its zeros. An id that already carries the marker keeps
/// its one: a second `'` is a character of the id, not a cosmetic change (found when the
/// rotation first gave this transformation the `excel_apostrophe_ids` shape).
fn apostrophe_ids(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let shared = fs
        .logs_mut()
        .iter()
        .any(|t| t.col("staff_id").is_some_and(|c| t.shared(c)));
    // Excel's mark stands before an id (`'00123`), not before a name with spaces: a
    // staff column of names (`Kim Reyes`) keeps them as they are.
    let prefix = |_: usize, v: &str| {
        let id_like = v
            .trim()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/' | b'_'));
        if v.trim().is_empty() || v.trim_start().starts_with('\'') || !id_like {
            v.to_string()
        } else {
            format!("'{v}")
        }
    };
    log_field(fs, "patient_id", prefix)?;
    if !shared {
        let _ = log_field(fs, "staff_id", prefix);
    }
    Ok(())
}

/// Billing NPIs with Excel's leading `'` text marker, so the 10 digits are not shown as
/// 1.23E+09.
fn apostrophe_npi(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    log_field(fs, "billing_npi", |_, v| {
        if v.trim().is_empty() {
            v.to_string()
        } else {
            format!("'{v}")
        }
    })
}

/// Numeric patient ids padded with zeros in the time log only (`004471`), as an EHR pads
/// MRNs while Excel dropped them from the other files; audited with `--ignore-id-zeros`.
fn ids_zero_padded(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    zero_pad(fs, base, true)
}

/// The same padding without `--ignore-id-zeros`: the ids really differ, so when the answer
/// differs ccm must name the pairs (IN007).
fn ids_zero_padded_unflagged(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    zero_pad(fs, base, false)
}

/// The log split into two exports run at different times: the first half as is, the
/// second (with an overlapping slice of the first's rows repeated) from another system:
/// US dates, 12-hour times, `12.00` minutes, semicolons, CRLF, a BOM. Both logs are
/// audited together; the repeated rows must be recognised (IN003).
fn split_overlap(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    let li = fs.logs[0];
    let t = fs.tables[li].clone();
    let places: Vec<usize> = (0..t.rows.len()).filter(|&i| t.rows[i].data).collect();
    if places.len() < 2 {
        return Err("too few rows to split".into());
    }
    let cut = places[places.len() / 2];
    let stem = t
        .file
        .rsplit_once('.')
        .map(|x| x.0)
        .unwrap_or(&t.file)
        .to_string();
    let flagged = |r: &Row| {
        base.flagged.iter().any(|(f, l)| {
            *l == r.line
                && std::path::Path::new(f)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    == Some(stem.clone())
        })
    };
    let clean: Vec<Row> = t.rows[..cut]
        .iter()
        .filter(|r| r.data && !flagged(r))
        .cloned()
        .collect();
    let k = (places.len() / 4).max(1).min(clean.len());
    let mut second = t.clone();
    second.title.clear();
    second.rows = clean[clean.len() - k..].to_vec();
    second.rows.extend(t.rows[cut..].iter().cloned());
    second.file = format!("{stem}_part2.csv");
    second.shape = Shape::Csv;
    second.delim = b';';
    second.eol = "\r\n";
    second.enc = Enc::Utf8Bom;
    second.sep_line = false;
    let mut probe = fs.clone();
    let us = month_first_ok(&mut probe, base).is_ok();
    if us {
        fs.args = probe.args;
    }
    let cols = |f: &str| second.col(f);
    let (d, s, e, m) = (
        cols("service_date"),
        cols("start_time"),
        cols("end_time"),
        cols("minutes"),
    );
    for (i, r) in second.rows.iter_mut().filter(|r| r.data).enumerate() {
        if let (Some(d), true) = (d, us) {
            r.cells[d] = us_date(i, &r.cells[d]);
        }
        for c in [s, e].into_iter().flatten() {
            r.cells[c] = twelve_hour(i, &r.cells[c], false);
        }
        if let Some(m) = m {
            r.cells[m] = decimal_minutes(i, &r.cells[m]);
        }
    }
    split_log(fs, li, cut, second);
    Ok(())
}

/// As [`split_overlap`], the second export from a report without the activity column (a
/// summary layout of the same platform): the rows it repeats are the same entries,
/// recognised on the fields both exports carry (IN003), never counted twice.
fn split_overlap_no_activity(fs: &mut FileSet, base: &Outcome, rng: &mut Rng) -> Res {
    let li = fs.logs[0];
    let a = fs.tables[li].col("activity").ok_or("no activity column")?;
    if fs.tables[li].mapped(a) {
        return Err("the activity column is named in the map".into());
    }
    split_overlap(fs, base, rng)?;
    let second = fs.tables.last_mut().ok_or("no second log")?;
    let n = second.header.len();
    second.header.remove(a);
    for r in second.rows.iter_mut().filter(|r| r.cells.len() == n) {
        r.cells.remove(a);
    }
    Ok(())
}

/// Cuts the time log `li` at row `cut` and adds `second` as the next time log, named in
/// the arguments right after it.
fn split_log(fs: &mut FileSet, li: usize, cut: usize, second: super::table::Table) {
    fs.tables[li].rows.truncate(cut);
    let first = fs.tables[li].file.clone();
    let name = second.file.clone();
    fs.tables.push(second);
    fs.logs.insert(1, fs.tables.len() - 1);
    let at = fs.args.iter().position(|a| *a == first).expect("log arg");
    fs.args.insert(at + 1, name);
}

/// The log exported in two runs of the same report, cut right after the last row whose
/// minutes prove a timer's `mm:ss` (`12:30`: over four hours as `h:mm`): nothing in the
/// second file proves it, and it must be read as the first is (one export, one timer).
fn split_after_proof(fs: &mut FileSet, _: &Outcome, _: &mut Rng) -> Res {
    let li = *fs.logs.first().ok_or("no time log")?;
    let t = fs.tables[li].clone();
    if t.shape != Shape::Csv {
        return Err("not a CSV time log".into());
    }
    let m = t.col("minutes").ok_or("no minutes column")?;
    let proves = |v: &str| {
        v.trim().split_once(':').is_some_and(|(a, b)| {
            !b.contains(':')
                && b.len() == 2
                && matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a < 60 && b < 60 && a * 60 + b > 240)
        })
    };
    let at = (0..t.rows.len())
        .rfind(|&i| t.rows[i].data && proves(&t.rows[i].cells[m]))
        .ok_or("no minutes cell proves mm:ss")?;
    if !t.rows[at + 1..].iter().any(|r| r.data) {
        return Err("the proof is the last row".into());
    }
    let mut second = t.clone();
    second.title.clear();
    second.rows = t.rows[at + 1..].to_vec();
    second.file = format!(
        "{}_part2.csv",
        t.file.rsplit_once('.').map_or(&*t.file, |x| x.0)
    );
    split_log(fs, li, at + 1, second);
    Ok(())
}

/// The log saved as `.xlsx` with typed cells: dates as Excel dates (`m/d/yyyy`), times as
/// times, minutes, NPIs and numeric ids as numbers.
fn xlsx_typed(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    set_log_xlsx(fs, base, (true, false, false))
}

/// The log as text cells on a later sheet (`Time Log`) of a workbook whose first sheet is a
/// hidden lookup table, named with `--sheet`.
fn xlsx_text_later_sheet(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    set_log_xlsx(fs, base, (false, true, true))
}

/// The log, typed, on the second sheet of a workbook whose first sheet is hidden, with no
/// `--sheet`: the visible sheet holding a time log's columns is the one meant (ccm should
/// say it skipped the hidden one).
fn xlsx_hidden_first_sheet(fs: &mut FileSet, base: &Outcome, _: &mut Rng) -> Res {
    set_log_xlsx(fs, base, (true, true, false))
}
