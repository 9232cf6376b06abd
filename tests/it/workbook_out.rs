//! The workbook (`--xlsx`): every list sheet holds its CSV's cells, typed (ids and months
//! as text, money as currency, dates as Excel dates, whole numbers as numbers, empty cells
//! empty); the Summary sheet says what summary.json says, with a chart when several months
//! are audited; a list past the row limit continues on more sheets and the Summary says so;
//! the workbook is written with the set or not at all, only where asked, with the umask.

use crate::common::{ccm, folder, root};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// What the columns of the four CSVs hold, as docs/outputs.md says (not read from the code
/// under test): money, dates and whole numbers; every other column is text.
const MONEY: &[&str] = &[
    "expected_payment",
    "amount",
    "amount_held",
    "supported_now",
    "supported_at_next",
    "charge",
];
const DATES: &[&str] = &["date_of_service"];
const WHOLE: &[&str] = &[
    "units",
    "minutes",
    "line",
    "practitioner_minutes",
    "next_units",
    "minutes_to_next",
    "days_left",
];

/// The list sheets and their CSVs, in the workbook's order.
const LISTS: [(&str, &str); 4] = [
    ("Clean claims", "clean_claims.csv"),
    ("Held", "held_claims.csv"),
    ("Worklist", "worklist.csv"),
    ("Findings", "findings.csv"),
];

type Book = Xlsx<std::io::BufReader<std::fs::File>>;

/// `ccm audit ARGS --fail-on never --quiet --out OUT --xlsx`, with `env`.
fn audit_out(args: &[&str], out: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut c = ccm();
    c.arg("audit")
        .args(args)
        .args(["--fail-on", "never", "--quiet", "--out"])
        .arg(out)
        .arg("--xlsx");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run ccm")
}

fn open(path: &Path) -> Book {
    calamine::open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// One file of the workbook's zip.
fn part(book: &Path, name: &str) -> Option<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(book).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).ok()?.read_to_string(&mut s).unwrap();
    Some(s)
}

fn is_money(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    matches!(t.split_once('.'), Some((i, f)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_whole(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && (t == "0" || !t.starts_with('0'))
}

fn iso_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// The day of an Excel serial date (the 1900 system, after February 1900).
fn day_of(serial: f64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap() + chrono::Days::new(serial as u64)
}

/// The kinds of cell the comparisons met, so that a case checking nothing is noticed.
#[derive(Default, Debug)]
struct Seen {
    text: usize,
    digit_ids: usize,
    money: usize,
    date: usize,
    whole: usize,
    whole_as_text: usize,
    empty: usize,
}

/// A sheet's cells from A1 (asserting it starts there) and the number format of each.
fn grid(book: &mut Book, sheet: &str) -> (Vec<Vec<Data>>, calamine::StyleRange) {
    let range = book.worksheet_range(sheet).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "{sheet} starts at A1");
    let rows = range.rows().map(|r| r.to_vec()).collect();
    (rows, book.worksheet_style(sheet).unwrap())
}

fn format_at(styles: &calamine::StyleRange, row: usize, col: usize) -> String {
    styles
        .get((row as u32, col as u32))
        .and_then(|s| s.number_format.as_ref())
        .map(|f| f.format_code.clone())
        .unwrap_or_default()
}

/// The sheets a list went on: `name`, `name 2`, `name 3` …
fn sheets_of(book: &Book, name: &str) -> Vec<String> {
    book.sheet_names()
        .into_iter()
        .filter(|n| {
            n == name
                || n.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(' '))
                    .is_some_and(|k| k.parse::<u32>().is_ok())
        })
        .collect()
}

/// Compares one list's sheets, read in order, with its CSV cell by cell: same header on
/// each sheet, same rows, each cell typed by its column. Returns the sheet names.
fn check_list(book: &mut Book, sheet: &str, csv: &Path, seen: &mut Seen) -> Vec<String> {
    let want = csv_rows(csv);
    let header = &want[0];
    let names = sheets_of(book, sheet);
    assert!(!names.is_empty(), "no sheet {sheet}");
    let mut got = Vec::new();
    for n in &names {
        let (rows, styles) = grid(book, n);
        let head: Vec<String> = rows[0]
            .iter()
            .map(|c| match c {
                Data::String(s) => s.clone(),
                other => panic!("{n}: header cell {other:?}"),
            })
            .collect();
        assert_eq!(&head, header, "{n}: the header is the CSV's");
        for (i, row) in rows.into_iter().enumerate().skip(1) {
            let formats: Vec<String> = (0..header.len())
                .map(|c| format_at(&styles, i, c))
                .collect();
            got.push((format!("{n} row {}", i + 1), row, formats));
        }
    }
    assert_eq!(
        got.len(),
        want.len() - 1,
        "{sheet}: rows on the sheets vs rows of {}",
        csv.display()
    );
    for ((at, cells, formats), row) in got.iter().zip(&want[1..]) {
        for (c, col) in header.iter().enumerate() {
            let v = row.get(c).map(String::as_str).unwrap_or("");
            let cell = cells.get(c).unwrap_or(&Data::Empty);
            let at = format!("{at}, {col}");
            if v.is_empty() {
                assert_eq!(cell, &Data::Empty, "{at}: an empty CSV cell stays empty");
                seen.empty += 1;
            } else if MONEY.contains(&col.as_str()) && is_money(v) {
                match cell {
                    Data::Float(f) => assert_eq!(format!("{f:.2}"), v, "{at}"),
                    other => panic!("{at}: {v} as {other:?}, not a number"),
                }
                assert_eq!(formats[c], "$#,##0.00", "{at}: currency");
                seen.money += 1;
            } else if DATES.contains(&col.as_str()) && iso_date(v).is_some() {
                match cell {
                    Data::DateTime(d) => {
                        assert_eq!(Some(day_of(d.as_f64())), iso_date(v), "{at}");
                        assert_eq!(d.as_f64().fract(), 0.0, "{at}: a day, no time");
                    }
                    other => panic!("{at}: {v} as {other:?}, not a date"),
                }
                assert_eq!(formats[c], "yyyy-mm-dd", "{at}");
                seen.date += 1;
            } else if WHOLE.contains(&col.as_str()) && is_whole(v) {
                let n: i64 = v.parse().unwrap();
                match cell {
                    Data::Float(f) => assert_eq!(*f, n as f64, "{at}"),
                    Data::Int(i) => assert_eq!(*i, n, "{at}"),
                    other => panic!("{at}: {v} as {other:?}, not a number"),
                }
                seen.whole += 1;
            } else {
                // Text: ids, months, codes, messages, and a whole-number column's `1;2`.
                assert_eq!(cell, &Data::String(v.to_string()), "{at}");
                if WHOLE.contains(&col.as_str()) {
                    seen.whole_as_text += 1;
                } else if v.bytes().all(|b| b.is_ascii_digit()) || col == "month" {
                    seen.digit_ids += 1;
                } else {
                    seen.text += 1;
                }
            }
        }
    }
    names
}

/// Each list sheet's view and columns: the header row frozen, an autofilter over the
/// sheet's rows, every column given a width, none wider than 60 characters.
fn check_sheet_xml(book: &Path, index: usize, name: &str, rows: usize) {
    let xml = part(book, &format!("xl/worksheets/sheet{}.xml", index + 1)).unwrap();
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{name}: header row not frozen"
    );
    let filter = xml
        .split(r#"<autoFilter ref="A1:"#)
        .nth(1)
        .unwrap_or_else(|| panic!("{name}: no autofilter"));
    let end: String = filter.chars().take_while(|c| *c != '"').collect();
    let last_row: usize = end
        .trim_start_matches(|c: char| c.is_ascii_uppercase())
        .parse()
        .unwrap();
    assert_eq!(last_row, rows.max(1), "{name}: the filter covers the rows");
    let widths: Vec<f64> = xml
        .split(r#" width=""#)
        .skip(1)
        .map(|w| w.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert!(!widths.is_empty(), "{name}: no column widths");
    assert!(
        widths.iter().all(|w| *w > 4.0 && *w <= 61.0),
        "{name}: {widths:?}"
    );
}

fn summary_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The Summary sheet against summary.json: the run, each figure (money as currency), the
/// findings by severity, the months, the files read; the lists' rows and sheets; the chart.
fn check_summary(
    book: &mut Book,
    path: &Path,
    s: &serde_json::Value,
    lists: &[(String, usize, Vec<String>)],
) {
    let (rows, styles) = grid(book, "Summary");
    let cell = |r: usize, c: usize| rows[r].get(c).cloned().unwrap_or(Data::Empty);
    let row_of = |a: &str, b: Option<&str>| -> Option<usize> {
        (0..rows.len()).find(|&r| {
            matches!(cell(r, 0), Data::String(ref x) if x == a)
                && b.is_none_or(|b| matches!(cell(r, 1), Data::String(ref x) if x == b))
        })
    };
    let value = |label: &str| -> Option<(Data, String)> {
        row_of(label, None).map(|r| (cell(r, 1), format_at(&styles, r, 1)))
    };
    let verify = s["mode"] == "verify";
    assert!(matches!(cell(0, 0), Data::String(ref t) if t.starts_with("ccm ")));
    for (label, key) in [
        ("ccm version", "ccm_version"),
        ("policy", "policy"),
        ("date of service", "date_of_service"),
        ("rules", "rules"),
        ("mode", "mode"),
    ] {
        assert_eq!(
            text(&value(label).unwrap().0),
            s[key].as_str().unwrap(),
            "{label}"
        );
    }
    let months: Vec<&str> = s["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(text(&value("months").unwrap().0), months.join(", "));
    match value("as of").unwrap() {
        (Data::DateTime(d), f) => {
            assert_eq!(day_of(d.as_f64()).to_string(), s["as_of"].as_str().unwrap());
            assert_eq!(f, "yyyy-mm-dd");
        }
        other => panic!("as of: {other:?}"),
    }
    let mut counts = vec![
        ("patients", "patients"),
        ("patient-months", "patient_months"),
        ("outcomes clean", "months_clean"),
        ("outcomes blocked", "months_blocked"),
        ("outcomes below threshold", "months_below_threshold"),
        ("outcomes open", "months_open"),
        ("clean claim lines", "clean_claim_lines"),
    ];
    let mut amounts = vec![
        ("expected payment", "expected_payment"),
        ("amount blocked by errors", "amount_blocked"),
        ("amount left unbilled", "amount_unbilled"),
    ];
    if verify {
        counts.extend([
            ("claim lines held", "claim_lines_held"),
            ("claims going out", "claims_going_out"),
            ("claims held", "claims_held"),
        ]);
        amounts.extend([
            ("claimed", "claimed"),
            ("amount at risk (held)", "amount_at_risk"),
        ]);
    } else {
        assert!(
            value("amount at risk (held)").is_none(),
            "at risk is verify mode's"
        );
    }
    for (label, key) in counts {
        let (v, _) = value(label).unwrap_or_else(|| panic!("no {label}"));
        assert_eq!(number(&v), s[key].as_u64().unwrap() as f64, "{label}");
    }
    for (label, key) in amounts {
        let (v, f) = value(label).unwrap_or_else(|| panic!("no {label}"));
        assert_eq!(
            format!("{:.2}", number(&v)),
            s[key].as_str().unwrap(),
            "{label}"
        );
        assert_eq!(f, "$#,##0.00", "{label}");
    }
    for sev in ["error", "warning", "info"] {
        let (v, _) = value(&format!("findings: {sev}")).unwrap();
        assert_eq!(
            number(&v),
            s["findings_by_severity"][sev].as_u64().unwrap() as f64
        );
    }

    // The months: one row each, money as currency.
    let head = row_of("month", Some("patient-months")).expect("the by-month table");
    let held = text(&cell(head, 4));
    assert_eq!(
        held,
        if verify {
            "held (at risk)"
        } else {
            "held (blocked)"
        }
    );
    let by_month = s["by_month"].as_array().unwrap();
    for (i, m) in by_month.iter().enumerate() {
        let r = head + 1 + i;
        assert_eq!(text(&cell(r, 0)), m["month"].as_str().unwrap());
        assert_eq!(
            number(&cell(r, 1)),
            m["patient_months"].as_u64().unwrap() as f64
        );
        assert_eq!(
            number(&cell(r, 2)),
            m["clean_claim_lines"].as_u64().unwrap() as f64
        );
        let held_key = if verify {
            "amount_at_risk"
        } else {
            "amount_blocked"
        };
        for (c, key) in [
            (3, "expected_payment"),
            (4, held_key),
            (5, "amount_unbilled"),
        ] {
            assert_eq!(
                format!("{:.2}", number(&cell(r, c))),
                m[key].as_str().unwrap(),
                "{key}"
            );
            assert_eq!(format_at(&styles, r, c), "$#,##0.00");
        }
    }
    assert_eq!(
        cell(head + 1 + by_month.len(), 0),
        Data::Empty,
        "one row a month"
    );

    // The files read.
    let head = row_of("file", Some("kind")).expect("the files table");
    for (i, f) in s["files"].as_array().unwrap().iter().enumerate() {
        let r = head + 1 + i;
        assert_eq!(text(&cell(r, 0)), f["file"].as_str().unwrap());
        assert_eq!(text(&cell(r, 1)), f["kind"].as_str().unwrap());
        for (c, key) in [(2, "rows_read"), (3, "rows_counted"), (4, "rows_excluded")] {
            assert_eq!(
                number(&cell(r, c)),
                f[key].as_u64().unwrap() as f64,
                "{key}"
            );
        }
    }

    // Where each list went.
    let head = row_of("list", Some("rows")).expect("the sheets table");
    for (i, (file, n, sheets)) in lists.iter().enumerate() {
        let r = head + 1 + i;
        assert_eq!(&text(&cell(r, 0)), file);
        assert_eq!(number(&cell(r, 1)), *n as f64, "{file}");
        assert_eq!(text(&cell(r, 2)), sheets.join(", "), "{file}");
    }
    // A list on several sheets is said in the notes.
    let notes: Vec<String> = (0..rows.len())
        .filter_map(|r| match cell(r, 0) {
            Data::String(t) => Some(t),
            _ => None,
        })
        .collect();
    for (file, n, sheets) in lists.iter().filter(|l| l.2.len() > 1) {
        let want = format!(
            "{file}: {n} rows on {} sheets ({})",
            sheets.len(),
            sheets.join(", ")
        );
        assert!(
            notes.iter().any(|t| t.starts_with(&want)),
            "no note {want:?}"
        );
    }

    // A chart of supported / held / left unbilled by month, when there are several.
    let chart = part(path, "xl/charts/chart1.xml");
    if by_month.len() > 1 {
        let chart = chart.expect("a chart for several months");
        assert!(
            chart.contains(r#"<c:grouping val="stacked"/>"#),
            "stacked columns"
        );
        let (first, last) = (
            head_of_months(&rows) + 2,
            head_of_months(&rows) + 1 + by_month.len(),
        );
        for col in ["D", "E", "F"] {
            assert!(
                chart.contains(&format!("Summary!${col}${first}:${col}${last}")),
                "the chart reads column {col} of the by-month table: {chart}"
            );
        }
        assert!(chart.contains(&format!("Summary!$A${first}:$A${last}")));
    } else {
        assert!(chart.is_none(), "no chart for one month");
    }
}

/// The row (0-based) of the by-month table's header.
fn head_of_months(rows: &[Vec<Data>]) -> usize {
    rows.iter()
        .position(|r| {
            r.first() == Some(&Data::String("month".into()))
                && r.get(1) == Some(&Data::String("patient-months".into()))
        })
        .unwrap()
}

/// Checks a workbook against the CSVs and summary.json of `out`: sheets in order, each
/// list sheet cell by cell, its view, the Summary.
fn check_workbook(
    book_path: &Path,
    out: &Path,
    seen: &mut Seen,
) -> Vec<(String, usize, Vec<String>)> {
    let mut book = open(book_path);
    let names = book.sheet_names();
    assert_eq!(names[0], "Summary");
    let mut lists = Vec::new();
    let mut order = vec!["Summary".to_string()];
    for (sheet, file) in LISTS {
        let sheets = check_list(&mut book, sheet, &out.join(file), seen);
        let rows = csv_rows(&out.join(file)).len() - 1;
        let per_sheet: Vec<usize> = sheets
            .iter()
            .map(|n| book.worksheet_range(n).unwrap().height() - 1)
            .collect();
        for (n, r) in sheets.iter().zip(&per_sheet) {
            let i = names.iter().position(|x| x == n).unwrap();
            check_sheet_xml(book_path, i, n, r + 1);
        }
        order.extend(sheets.iter().cloned());
        lists.push((file.to_string(), rows, sheets));
    }
    assert_eq!(names, order, "Summary, then each list's sheets in order");
    check_summary(&mut book, book_path, &summary_json(out), &lists);
    lists
}

/// The files in a folder (hidden ones too), by name.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_list_sheet_is_its_csv_typed_and_the_summary_is_summary_json() {
    let demo = "fixtures/demo/timelog.csv";
    let cases: [(&str, Vec<&str>); 4] = [
        ("derive", vec![demo, "--as-of", "2025-04-15"]),
        (
            "verify",
            vec![
                demo,
                "--as-of",
                "2025-04-15",
                "--claims",
                "fixtures/demo/claims/claims.csv",
            ],
        ),
        // With --bom the CSVs start with a byte-order mark; the sheets must not.
        ("mid-month", vec![demo, "--as-of", "2025-03-24", "--bom"]),
        (
            "two months",
            vec![
                demo,
                "fixtures/multi/2025-02/timelog.csv",
                "--as-of",
                "2025-04-15",
            ],
        ),
    ];
    let mut seen = Seen::default();
    let mut rows_by_list: BTreeMap<String, usize> = BTreeMap::new();
    for (name, args) in cases {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let run = audit_out(&args, &out, &[]);
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut want: Vec<String> = ccm::args::OUTPUTS.iter().map(|s| s.to_string()).collect();
        want.push("audit.xlsx".into());
        want.sort();
        assert_eq!(
            files_in(&out).into_keys().collect::<Vec<_>>(),
            want,
            "{name}"
        );
        for (file, rows, sheets) in check_workbook(&out.join("audit.xlsx"), &out, &mut seen) {
            assert_eq!(sheets.len(), 1, "{name}: {file} fits one sheet");
            *rows_by_list.entry(file).or_default() += rows;
        }
    }
    // Every list had rows in some case, and every kind of cell was met.
    assert!(rows_by_list.values().all(|n| *n > 0), "{rows_by_list:?}");
    assert!(
        seen.text > 0
            && seen.digit_ids > 0
            && seen.money > 0
            && seen.date > 0
            && seen.whole > 0
            && seen.whole_as_text > 0
            && seen.empty > 0,
        "{seen:?}"
    );
}

#[test]
fn ids_keep_their_leading_zeros() {
    let header = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n";
    let npi = "1234567893";
    let mut log = header.to_string();
    // 000123 has consent (a clean line); 000789 has none (held, and findings).
    for p in ["000123", "000789"] {
        log.push_str(&format!(
            "{p},2025-03-03,25,,,S1,RN,CCM,{npi},call,reviewed meds\n"
        ));
    }
    let d = folder(&[
        ("timelog.csv", &log),
        (
            "consents.csv",
            "patient_id,consent_date,program,method,billing_npi,revoked_date\n000123,2025-01-10,CCM,verbal,,\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date,resolved_date,description\n000123,I10,,,\n000123,E11.9,,,\n000789,I10,,,\n000789,J44.9,,,\n",
        ),
        (
            "enrolments.csv",
            "patient_id,program,start_date,end_date,billing_npi,icd10_code\n",
        ),
    ]);
    let out = d.path().join("out");
    let log = d.path().join("timelog.csv");
    let run = audit_out(&[log.to_str().unwrap(), "--as-of", "2025-04-15"], &out, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut seen = Seen::default();
    check_workbook(&out.join("audit.xlsx"), &out, &mut seen);
    let mut book = open(&out.join("audit.xlsx"));
    for (sheet, id) in [
        ("Clean claims", "000123"),
        ("Held", "000789"),
        ("Findings", "000789"),
    ] {
        let (rows, _) = grid(&mut book, sheet);
        let col = rows[0]
            .iter()
            .position(|h| h == &Data::String("patient_id".into()))
            .unwrap();
        assert!(
            rows.iter()
                .skip(1)
                .any(|r| r[col] == Data::String(id.into())),
            "{sheet}: {id} as text"
        );
    }
}

#[test]
fn a_list_past_the_row_limit_continues_on_more_sheets_and_the_summary_says_so() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    // Ten rows a sheet: the header and nine rows.
    let run = audit_out(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-04-15"],
        &out,
        &[("CCM_XLSX_ROWS", "10")],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut seen = Seen::default();
    let lists = check_workbook(&out.join("audit.xlsx"), &out, &mut seen);
    let (_, findings, sheets) = lists.iter().find(|l| l.0 == "findings.csv").unwrap();
    assert!(*findings > 9, "the demo has {findings} findings");
    assert_eq!(sheets.len(), findings.div_ceil(9));
    assert_eq!(sheets[1], "Findings 2");
    let book = open(&out.join("audit.xlsx"));
    let names = book.sheet_names();
    assert_eq!(names.last().unwrap(), &format!("Findings {}", sheets.len()));
    // The CSVs are not affected by the workbook's limit.
    assert_eq!(csv_rows(&out.join("findings.csv")).len(), findings + 1);
}

#[test]
fn xlsx_file_alone_writes_that_file_only_the_same_workbook_every_time() {
    let d = tempfile::tempdir().unwrap();
    let args = [
        "audit",
        "fixtures/demo/timelog.csv",
        "--as-of",
        "2025-04-15",
        "--quiet",
    ];
    let book = d.path().join("reports/march.xlsx");
    let run = ccm()
        .args(args)
        .arg(format!("--xlsx={}", book.display()))
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.stdout.is_empty());
    assert_eq!(
        files_in(&d.path().join("reports"))
            .into_keys()
            .collect::<Vec<_>>(),
        ["march.xlsx"],
        "the workbook alone, nothing staged left"
    );
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        1,
        "nothing beside the folder asked for"
    );
    // The same workbook as the one written with --out, checked against those CSVs.
    let out = d.path().join("out");
    let with_out = audit_out(&args[1..4], &out, &[]);
    assert!(with_out.status.success());
    let mut seen = Seen::default();
    check_workbook(&book, &out, &mut seen);
    let first = std::fs::read(&book).unwrap();
    assert_eq!(first, std::fs::read(out.join("audit.xlsx")).unwrap());
    // Written again: byte for byte the same (dated the as-of day, not the clock).
    let again = ccm().args(args).arg("--xlsx").arg(&book).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read(&book).unwrap(), first);
}

/// Exit 2, one `ccm: …` line naming `what`, and nothing in `dir`.
fn refused(args: &[&str], what: &str, dir: &Path) {
    let before = files_in(dir);
    let run = ccm().arg("audit").args(args).output().unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ccm: ") && err.contains(what),
        "{args:?}: {err}"
    );
    assert_eq!(files_in(dir), before, "{args:?}: nothing written");
}

#[test]
fn a_bad_xlsx_destination_is_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let p = |s: &str| d.path().join(s).display().to_string();
    let demo = "fixtures/demo/timelog.csv";
    std::fs::create_dir(d.path().join("folder.xlsx")).unwrap();
    refused(&[demo, "--xlsx"], "--out", d.path());
    refused(&[demo, "--xlsx", &p("book.csv")], ".xlsx", d.path());
    refused(&[demo, "--xlsx", &p("folder.xlsx")], "directory", d.path());
    std::fs::create_dir_all(d.path().join("out/audit.xlsx")).unwrap();
    refused(&[demo, "--out", &p("out"), "--xlsx"], "directory", d.path());
    // The workbook an input is.
    let input = root().join("fixtures/exports/xlsx_workbook/timelog.xlsx");
    let bytes = std::fs::read(&input).unwrap();
    let copy = d.path().join("log");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("timelog.xlsx"), &bytes).unwrap();
    let log = copy.join("timelog.xlsx").display().to_string();
    refused(&[&log, "--xlsx", &log], "would overwrite the input", &copy);
    // Bare --xlsx into a folder whose audit.xlsx is the input.
    std::fs::write(copy.join("audit.xlsx"), &bytes).unwrap();
    let named = copy.join("audit.xlsx").display().to_string();
    refused(
        &[&named, "--out", &copy.display().to_string(), "--xlsx"],
        "would overwrite the input",
        &copy,
    );
    assert_eq!(std::fs::read(copy.join("audit.xlsx")).unwrap(), bytes);
    assert_eq!(std::fs::read(copy.join("timelog.xlsx")).unwrap(), bytes);
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        3,
        "folder.xlsx, out and log only"
    );
}

#[test]
fn a_failing_run_writes_no_workbook_and_a_failing_workbook_no_set() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let book = d.path().join("book.xlsx");
    // An input that cannot be read: exit 2, no folder, no workbook.
    for extra in [
        vec![
            "--out".to_string(),
            out.display().to_string(),
            "--xlsx".into(),
        ],
        vec![format!("--xlsx={}", book.display())],
    ] {
        let run = ccm()
            .args([
                "audit",
                "fixtures/demo/timelog.csv",
                "--as-of",
                "2025-04-15",
            ])
            .args(["--consents", "fixtures/demo/no-such-consents.csv"])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            0,
            "{extra:?}: nothing written"
        );
    }
    // The set, workbook included, is written whole or not at all: a good run, then one
    // whose findings.json cannot be replaced leaves the previous set as it was.
    let run = audit_out(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-04-15"],
        &out,
        &[],
    );
    assert!(run.status.success());
    let before = files_in(&out);
    assert!(before.contains_key("audit.xlsx"));
    std::fs::remove_file(out.join("findings.json")).unwrap();
    std::fs::create_dir(out.join("findings.json")).unwrap();
    let run = audit_out(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-03-24"],
        &out,
        &[],
    );
    assert_eq!(run.status.code(), Some(2));
    let mut want = before.clone();
    want.remove("findings.json");
    assert_eq!(
        files_in(&out),
        want,
        "the previous set stays, nothing staged is left"
    );
    std::fs::remove_dir(out.join("findings.json")).unwrap();
    // A workbook that cannot be written (its folder takes no file) writes none of the set.
    #[cfg(target_os = "linux")]
    {
        let fresh = d.path().join("fresh");
        let run = ccm()
            .args([
                "audit",
                "fixtures/demo/timelog.csv",
                "--as-of",
                "2025-04-15",
                "--quiet",
            ])
            .arg("--out")
            .arg(&fresh)
            .arg("--xlsx=/proc/ccm-test-audit.xlsx")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(files_in(&fresh).is_empty(), "no CSV without the workbook");
    }
}

#[cfg(unix)]
#[test]
fn the_workbook_follows_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let book = d.path().join("alone.xlsx");
    let run = |umask: &str| {
        for xlsx in [
            format!("--out \"{}\" --xlsx", out.display()),
            format!("--xlsx \"{}\"", book.display()),
        ] {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "umask {umask} && exec \"$0\" audit \"$1\" --as-of 2025-04-15 --quiet --fail-on never {xlsx}"
                ))
                .arg(assert_cmd::cargo::cargo_bin("ccm"))
                .arg(root().join("fixtures/demo/timelog.csv"))
                .status()
                .unwrap();
            assert!(status.success());
        }
    };
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    run("077");
    assert_eq!(mode(&out.join("audit.xlsx")), 0o600);
    assert_eq!(mode(&book), 0o600);
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_file(&book).unwrap();
    run("022");
    assert_eq!(mode(&out.join("audit.xlsx")), 0o644);
    assert_eq!(mode(&book), 0o644);
}

/// Every text cell of every sheet is escaped like a CSV cell: a time log named `=evil.csv`
/// shows as `'=evil.csv` on the Summary sheet too, not only on the lists. Red team round
/// 5, F6.
#[test]
fn no_sheet_carries_a_formula_looking_text_cell() {
    let d = folder(&[
        (
            "=evil.csv",
            "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\nP1,2025-03-03,25,,,S1,RN,CCM,1234567893,call,reviewed meds\n",
        ),
        (
            "consents.csv",
            "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2025-01-10,CCM,verbal,,\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date,resolved_date,description\nP1,I10,,,\nP1,E11.9,,,\n",
        ),
        (
            "enrolments.csv",
            "patient_id,program,start_date,end_date,billing_npi,icd10_code\n",
        ),
    ]);
    let out = d.path().join("out");
    // Run in the folder, so the file is named as given: `=evil.csv`.
    let run = ccm()
        .current_dir(d.path())
        .args([
            "audit",
            "=evil.csv",
            "--as-of",
            "2025-04-15",
            "--fail-on",
            "never",
            "--quiet",
        ])
        .args(["--out", "out", "--xlsx"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let strings = part(&out.join("audit.xlsx"), "xl/sharedStrings.xml").unwrap_or_default();
    let mut sheets = strings.clone();
    for i in 1..=12 {
        sheets.push_str(
            &part(
                &out.join("audit.xlsx"),
                &format!("xl/worksheets/sheet{i}.xml"),
            )
            .unwrap_or_default(),
        );
    }
    assert!(
        sheets.contains("&apos;=evil.csv") || sheets.contains("'=evil.csv"),
        "the name is shown, escaped"
    );
    for bad in [">=evil.csv<", "\">=evil"] {
        assert!(
            !sheets.contains(bad),
            "an unescaped `=evil.csv` cell: {bad}"
        );
    }
}

/// The formats are numbered in the order one thread filling Clean claims, Held, Worklist
/// and then Findings would first use them (bold headers, Clean claims' dates, then money),
/// the Summary's title last: the order the workbook's bytes rest on. This pins the order
/// (a list moved, the Summary made another way); that the thread filling Findings waits
/// its turn is tested by `report::workbook`'s unit test, as on the demo the other thread
/// wins the race anyway (with the waiting taken out, this test still passed, three runs).
#[test]
fn formats_are_numbered_in_the_order_the_lists_first_use_them() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let run = audit_out(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-04-15"],
        &out,
        &[],
    );
    assert!(run.status.success());
    let styles = part(&out.join("audit.xlsx"), "xl/styles.xml").unwrap();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let num_fmt = |code: &str| {
        let at = styles.find(&format!("formatCode=\"{code}\"")).unwrap();
        let head = &styles[..at];
        let id = &head[head.rfind("numFmtId=\"").unwrap() + 10..];
        id[..id.find('"').unwrap()].to_string()
    };
    let order: Vec<&str> = xfs
        .split("<xf ")
        .skip(1)
        .map(|x| {
            let id = &x[x.find("numFmtId=\"").unwrap() + 10..];
            &id[..id.find('"').unwrap()]
        })
        .collect();
    let (date, money) = (num_fmt("yyyy-mm-dd"), num_fmt("$#,##0.00"));
    assert_eq!(
        order,
        ["0", "0", date.as_str(), money.as_str(), "0"],
        "default, bold, date, money, title: {xfs}"
    );
}

/// A run without `--xlsx` into a folder holding an earlier run's audit.xlsx replaces that
/// set whole: the earlier workbook goes with it (it would read as this run's), unless the
/// user changed it since (then it is theirs, and stays, as any file of theirs does).
#[test]
fn an_earlier_runs_workbook_never_stays_beside_a_new_set() {
    let demo = root().join("fixtures/demo/timelog.csv");
    let demo = demo.to_str().unwrap();
    for changed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = audit_out(&[demo, "--as-of", "2025-04-15"], &out, &[]);
        assert!(out.join("audit.xlsx").is_file(), "{first:?}");
        std::fs::write(out.join("mine.txt"), "the user's own file").unwrap();
        if changed {
            let mut b = std::fs::read(out.join("audit.xlsx")).unwrap();
            b.push(0);
            std::fs::write(out.join("audit.xlsx"), b).unwrap();
        }
        let run = ccm()
            .args([
                "audit",
                demo,
                "--as-of",
                "2025-04-16",
                "--fail-on",
                "never",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        assert_eq!(
            out.join("audit.xlsx").is_file(),
            changed,
            "changed by the user: {changed}"
        );
        assert!(out.join("mine.txt").is_file());
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["as_of"], "2025-04-16");
    }
}
