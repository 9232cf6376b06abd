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
fn the_sheet_read_is_the_first_unless_named_and_an_unknown_one_is_an_error() {
    let d = folder_with("timelog.xlsx");
    // The first sheet is a summary, not a time log: the usual missing-column error.
    let (code, _, err) = audit(d.path(), "timelog.xlsx", &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("required column `patient_id` not found"),
        "{err}"
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
