//! `.xlsx` workbooks read directly: a sheet with a report's title block, real Excel dates,
//! times and numbers, a line break in a cell and a totals row audits as the same data in
//! CSV does; `--sheet` picks the sheet; an unknown sheet is one line and exit 2.
//!
//! `fixtures/exports/xlsx_workbook/timelog.xlsx` is the workbook [`time_log_workbook`]
//! writes: `CCM_BLESS=1` rewrites it.

use crate::common::{audit_json, codes, lines_of, root};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use std::path::Path;

/// The clean March data of `fixtures/bad` (P0001 25 min, P0002 45, P0003 26), as a care
/// platform's report writes it to a workbook: a `Summary` sheet first, then `Time Log`
/// with two title lines and an empty row above the header, dates and clock times as Excel
/// values, NPIs and minutes as numbers, one note with a line break, an empty row and a
/// `Grand Total` row below the data.
fn time_log_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 4, 2).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let summary = book.add_worksheet();
    summary.set_name("Summary").unwrap();
    summary
        .write_string(0, 0, "CCM minutes by patient, March 2025")
        .unwrap();
    summary.write_string(1, 0, "P0001").unwrap();
    summary.write_number(1, 1, 25).unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Time Log").unwrap();
    let date = Format::new().set_num_format("m/d/yyyy");
    let time = Format::new().set_num_format("h:mm AM/PM");
    sheet.write_string(0, 0, "CCM Time Detail").unwrap();
    sheet
        .write_string(1, 0, "Riverbend Family Medicine")
        .unwrap();
    let header = [
        "patient_id",
        "service_date",
        "minutes",
        "start_time",
        "end_time",
        "staff_id",
        "staff_role",
        "program",
        "billing_npi",
        "activity",
        "note",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    type Row<'a> = (
        &'a str,
        u8,
        u32,
        Option<(u16, u8, u16, u8)>,
        &'a str,
        &'a str,
        u64,
        &'a str,
        &'a str,
    );
    let rows: [Row; 6] = [
        (
            "P0001",
            4,
            15,
            Some((9, 0, 9, 15)),
            "S04",
            "RN",
            1234567893,
            "phone outreach",
            "Reviewed home BP log with daughter (Renée); reinforced low-sodium diet",
        ),
        (
            "P0002",
            4,
            25,
            Some((9, 30, 9, 55)),
            "S04",
            "RN",
            1628315479,
            "medication reconciliation",
            "Med rec after discharge; pt calls furosemide the \"water pill\", dose confirmed 20 mg",
        ),
        (
            "P0003",
            5,
            12,
            None,
            "S05",
            "RN",
            1753064827,
            "lab review",
            "Reviewed BMP: Cr 1.5, K 4.8; routed to provider",
        ),
        (
            "P0001",
            12,
            10,
            Some((10, 0, 10, 10)),
            "S06",
            "LPN",
            1234567893,
            "care coordination",
            "Scheduled diabetic eye exam,\nreminder sent",
        ),
        (
            "P0003",
            13,
            14,
            Some((11, 0, 11, 14)),
            "S07",
            "CMA",
            1753064827,
            "care coordination",
            "Nephrology referral faxed, appt 4/2",
        ),
        (
            "P0002",
            18,
            20,
            Some((14, 0, 14, 20)),
            "S02",
            "NP",
            1628315479,
            "care plan review",
            "Care plan revised: weight goal, fluid limit 1.5 L, pt agreed",
        ),
    ];
    for (i, (p, day, min, times, staff, role, npi, act, note)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_string(r, 0, *p).unwrap();
        let d = ExcelDateTime::from_ymd(2025, 3, *day).unwrap();
        sheet.write_datetime_with_format(r, 1, &d, &date).unwrap();
        sheet.write_number(r, 2, *min).unwrap();
        if let Some((h1, m1, h2, m2)) = times {
            let t1 = ExcelDateTime::from_hms(*h1, *m1, 0).unwrap();
            let t2 = ExcelDateTime::from_hms(*h2, *m2, 0).unwrap();
            sheet.write_datetime_with_format(r, 3, &t1, &time).unwrap();
            sheet.write_datetime_with_format(r, 4, &t2, &time).unwrap();
        }
        sheet.write_string(r, 5, *staff).unwrap();
        sheet.write_string(r, 6, *role).unwrap();
        sheet.write_string(r, 7, "CCM").unwrap();
        sheet.write_number(r, 8, *npi as f64).unwrap();
        sheet.write_string(r, 9, *act).unwrap();
        sheet.write_string(r, 10, *note).unwrap();
    }
    sheet.write_string(11, 0, "Grand Total").unwrap();
    sheet.write_number(11, 2, 96).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn the_fixture_workbook_is_the_one_the_test_writes() {
    let path = root().join("fixtures/exports/xlsx_workbook/timelog.xlsx");
    let bytes = time_log_workbook();
    if std::env::var_os("CCM_BLESS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap_or_default(),
        bytes,
        "{}: CCM_BLESS=1 rewrites it",
        path.display()
    );
}

/// A folder with the workbook (under `name`) and the clean companions of `fixtures/bad`.
fn folder_with(name: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let clean = root().join("fixtures/exports/title_block_footer");
    for f in ["consents.csv", "diagnoses.csv", "enrolments.csv"] {
        std::fs::copy(clean.join(f), d.path().join(f)).unwrap();
    }
    std::fs::write(d.path().join(name), time_log_workbook()).unwrap();
    d
}

fn audit(dir: &Path, log: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    crate::common::audit_logs_json(&[&dir.join(log)], extra)
}

#[test]
fn a_workbook_sheet_audits_as_the_same_data_in_csv() {
    let csv = root().join("fixtures/exports/title_block_footer");
    let (code, want, err) = audit_json(&csv, &[]);
    assert_eq!(code, 0, "{err}");
    // Named `.xlsx`, and also under another name: the magic bytes tell a workbook.
    for name in ["timelog.xlsx", "timelog.csv"] {
        let d = folder_with(name);
        let (code, got, err) = audit(d.path(), name, &["--sheet", "Time Log"]);
        assert_eq!(code, 0, "{name}: {err}");
        let s = &got["summary"];
        assert_eq!(s["clean_claim_lines"], 4, "{name}: {s}");
        assert_eq!(s["expected_payment"], "227.40");
        assert_eq!(s["expected_payment"], want["summary"]["expected_payment"]);
        // The CSV has a row of empty cells above its totals row (IN005 too); the sheet's
        // empty row is an empty line.
        let kinds = |j: &serde_json::Value| {
            let mut c = codes(j);
            c.dedup();
            c
        };
        assert_eq!(kinds(&got), kinds(&want));
        assert_eq!(kinds(&got), [("IN005".to_string(), "info".to_string())]);
        assert_eq!(lines_of(&want, "IN005").len(), 2);
        // Line numbers are sheet rows: the totals row is row 12.
        assert_eq!(lines_of(&got, "IN005"), ["12"]);
        let file = &s["files"][0];
        assert_eq!(file["rows_read"], 7, "{file}");
        assert_eq!(file["rows_counted"], 6, "{file}");
        let read = &file["read_as"];
        assert_eq!(read["format"], "xlsx", "{read}");
        assert_eq!(read["encoding"], "xlsx");
        assert_eq!(read["delimiter"], serde_json::Value::Null);
        assert_eq!(read["header_line"], 4);
        assert_eq!(read["lines_skipped_above"], 3);
        assert_eq!(
            read["notes"],
            serde_json::json!([
                "sheet `Time Log` (sheet 2 of 2, as --sheet names)",
                "line breaks inside 1 cell were read as spaces (so lines are sheet rows)",
                "a title block of 3 lines above the header was skipped"
            ])
        );
    }
}

#[test]
fn the_sheet_read_is_the_first_visible_with_the_columns_unless_named_and_an_unknown_one_is_an_error()
 {
    let d = folder_with("timelog.xlsx");
    // The first sheet is a summary, not a time log: the next one is tried, and said.
    let (code, json, err) = audit(d.path(), "timelog.xlsx", &[]);
    assert_eq!(code, 0, "{err}");
    let notes = json["summary"]["files"][0]["read_as"]["notes"].to_string();
    assert!(
        notes.contains("sheet `Time Log` (sheet 2 of 2): the sheets before it lack the columns"),
        "{notes}"
    );
    let (code, _, err) = audit(d.path(), "timelog.xlsx", &["--sheet", "Minutes"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ccm: "), "{err}");
    assert!(
        err.contains("has no sheet `Minutes` (its sheets: `Summary`, `Time Log`)"),
        "{err}"
    );
}

/// A workbook of one sheet whose XML is `sheet` (the `<sheetData>` content), with `extra`
/// parts, as bytes; `hidden`: a second, hidden sheet first.
fn raw_book(sheet_data: &[u8], level: Option<i64>) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(level)
        .large_file(false);
    let part = |z: &mut zip::ZipWriter<_>, name: &str, body: &[u8]| {
        z.start_file(name, o).unwrap();
        z.write_all(body).unwrap();
    };
    part(&mut z, "[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#);
    part(&mut z, "_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    part(&mut z, "xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    part(&mut z, "xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#);
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    z.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>"#).unwrap();
    z.write_all(sheet_data).unwrap();
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap().into_inner()
}

/// `ccm audit FILE` under a 2 GB address-space limit: exit code and stderr.
fn audit_bounded(file: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" audit \"$1\" --as-of 2025-04-15 --quiet --fail-on never")
        .arg(assert_cmd::cargo::cargo_bin("ccm"))
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn hostile_workbooks_are_a_clear_exit_2_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    // One cell at XFD1048576: a dense range would ask for 512 GiB.
    let far = raw_book(
        br#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
        None,
    );
    assert!(far.len() < 4096);
    // A million formatted empty rows.
    let mut rows = Vec::new();
    for r in 1..=1_000_000u32 {
        rows.extend_from_slice(
            format!(r#"<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>"#).as_bytes(),
        );
    }
    let empty_rows = raw_book(&rows, Some(9));
    // A zip bomb: 200 MB of sheet XML in a few hundred KB.
    let bomb_row = br#"<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>"#.repeat(2_000_000);
    let bomb = raw_book(&bomb_row, Some(9));
    assert!(bomb.len() < 3 << 20, "{}", bomb.len());
    for (name, bytes, says) in [
        ("far.xlsx", far, "patient_id"),
        ("rows.xlsx", empty_rows, "empty"),
        ("bomb.xlsx", bomb, "times larger"),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, err) = audit_bounded(&p);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(
            err.starts_with("ccm: ") && err.contains(says),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_file_that_is_not_a_workbook_is_named_for_what_it_is() {
    let d = tempfile::tempdir().unwrap();
    let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    ole.extend(vec![0u8; 600]);
    let mut encrypted = ole.clone();
    encrypted.extend("EncryptedPackage".bytes().flat_map(|b| [b, 0]));
    let utf16: Vec<u8> = "patient_id,minutes\nSECRET1,20\n"
        .bytes()
        .flat_map(|b| [b, 0])
        .collect();
    for (name, bytes, says) in [
        (
            "csv.xlsx",
            b"patient_id,minutes\nP1,20\n".to_vec(),
            "a text (CSV) file",
        ),
        ("old.xlsx", ole, "Excel 97-2003 .xls"),
        ("locked.xlsx", encrypted, "encrypted"),
        ("wide.xlsx", utf16, "UTF-16"),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, err) = audit_bounded(&p);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(
            err.contains(says) && !err.contains("SECRET"),
            "{name}: {err}"
        );
    }
}

/// A value past the header's last named column is a row read wrong (a delimiter in an
/// unquoted note, a cell typed beside the data): IN001 for that row, whether the file is a
/// CSV one field too wide, a CSV whose header ends in blank names (as Excel saves one), or
/// a workbook with cells beyond the header; the other rows are audited alike in all three
/// (red team round 22: the workbook row was counted, the extra cells dropped in silence).
#[test]
fn a_value_past_the_last_named_column_is_said_in_every_file_form() {
    let header = crate::common::SHORT_LOG_COLUMNS;
    let rows: Vec<Vec<&str>> = vec![
        vec![
            "P1",
            "2025-03-05",
            "25",
            "S1",
            "RN",
            "1234567893",
            "Reviewed meds",
        ],
        vec![
            "P2",
            "2025-03-05",
            "25",
            "S2",
            "RN",
            "1234567893",
            "Reviewed BP",
            " cuff size 5",
        ],
        vec![
            "P3",
            "2025-03-05",
            "25",
            "S3",
            "RN",
            "1234567893",
            "Reviewed labs",
        ],
    ];
    let csv_of = |header_pad: usize| {
        let mut t = header.join(",") + &",".repeat(header_pad) + "\n";
        for r in &rows {
            let pad = (header.len() + header_pad).saturating_sub(r.len());
            t += &(r.join(",") + &",".repeat(if header_pad > 0 { pad } else { 0 }) + "\n");
        }
        t
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let consents = "patient_id,consent_date\nP1,2025-01-01\nP2,2025-01-01\nP3,2025-01-01\n";
    let diagnoses = "patient_id,icd10_code\nP1,I10\nP1,E11.9\nP2,I10\nP2,E11.9\nP3,I10\nP3,E11.9\n";
    let mut answers = Vec::new();
    for (name, bytes) in [
        ("timelog.csv", csv_of(0).into_bytes()),
        ("timelog.csv", csv_of(2).into_bytes()),
        ("timelog.xlsx", xlsx),
    ] {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("consents.csv"), consents).unwrap();
        std::fs::write(d.path().join("diagnoses.csv"), diagnoses).unwrap();
        std::fs::write(d.path().join(name), &bytes).unwrap();
        let (code, json, err) = audit(d.path(), name, &[]);
        assert_eq!(code, 0, "{name}: {err}");
        let in001 = lines_of(&json, "IN001");
        assert_eq!(in001, ["3"], "{name}: {}", String::from_utf8_lossy(&bytes));
        // The rows audited alike: P1 and P3 bill 99490 each, P2's row is left out.
        let s = &json["summary"];
        answers.push((
            s["clean_claim_lines"].clone(),
            s["expected_payment"].clone(),
        ));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0], (2.into(), "120.98".into()), "{answers:?}");
}
