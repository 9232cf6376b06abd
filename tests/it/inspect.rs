//! `ccm inspect`: every fixture export and demo file reads (exit 0) with its folder's map
//! and sheet; byte transcripts of a few under `tests/golden/inspect/` (`CCM_BLESS=1`
//! rewrites them); a file missing two required columns names both and exits 2.

use crate::common::{args_of, ccm, folder, root};
use crate::golden::{compare, record, rel};
use std::path::{Path, PathBuf};

/// The input files of a fixture folder (CSV and .xlsx), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("csv") || x == "xlsx")
        })
        .collect();
    files.sort();
    files
}

/// `inspect` and the folder's files, then its map and the flags of its `args` file that
/// say how to read (`--sheet`, `--delimiter`, `--date-order`, `--tz`).
fn inspect_args(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    let mut a = vec!["inspect".to_string()];
    a.extend(files.iter().map(|f| rel(f)));
    if dir.join("map.toml").is_file() {
        a.extend(["--map".to_string(), rel(&dir.join("map.toml"))]);
    }
    let given = args_of(dir);
    for (i, flag) in given.iter().enumerate() {
        if ["--sheet", "--delimiter", "--date-order", "--tz"].contains(&flag.as_str())
            && let Some(v) = given.get(i + 1)
        {
            a.extend([flag.clone(), v.clone()]);
        }
    }
    a
}

fn folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/exports"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.push(root().join("fixtures/demo"));
    dirs.push(root().join("fixtures/demo/claims"));
    dirs
}

#[test]
fn every_fixture_file_is_read_as_some_kind() {
    let mut bad = Vec::new();
    for dir in folders() {
        let files = inputs(&dir);
        assert!(!files.is_empty(), "{}", dir.display());
        let args = inspect_args(&dir, &files);
        let out = ccm().args(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        // A shape whose hand-derived answer is "cannot be audited" (names in the patient id
        // column): inspect says why for each file, and exits 2.
        if expects_exit_2(&dir) {
            assert_eq!(out.status.code(), Some(2), "{stdout}");
            assert!(stdout.contains("holds people's names"), "{stdout}");
            continue;
        }
        if out.status.code() != Some(0) || !out.stderr.is_empty() {
            bad.push(format!(
                "ccm {}: exit {:?}\n{stdout}{}",
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        // One block per file, in the order given.
        for f in &files {
            assert!(stdout.contains(&format!("{}\n  kind ", rel(f))), "{stdout}");
        }
        // The JSON form says the same.
        let json = ccm()
            .args(&args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let got = v["files"].as_array().unwrap();
        assert_eq!(got.len(), files.len());
        assert!(got.iter().all(|f| f["ok"] == true), "{v}");
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}

/// Whether a fixture folder's `expected.json` says the audit exits 2.
fn expects_exit_2(dir: &std::path::Path) -> bool {
    std::fs::read(dir.join("expected.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["exit_code"] == 2)
}

#[test]
fn golden_inspect() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "athena_report_excel_us",
            "fixtures/exports/athena_report_excel_us",
            &[],
        ),
        (
            "thoroughcare_time_logger",
            "fixtures/exports/thoroughcare_time_logger",
            &[],
        ),
        (
            "title_block_footer",
            "fixtures/exports/title_block_footer",
            &[],
        ),
        ("xlsx_workbook", "fixtures/exports/xlsx_workbook", &[]),
        (
            "wide_diagnoses",
            "fixtures/exports/wide_diagnoses",
            &["diagnoses.csv"],
        ),
        ("demo_timelog", "fixtures/demo", &["timelog.csv"]),
    ];
    let mut bad = Vec::new();
    for (name, dir, only) in cases {
        let dir = root().join(dir);
        let mut files = inputs(&dir);
        if !only.is_empty() {
            files.retain(|f| only.iter().any(|o| f.ends_with(o)));
        }
        let mut bytes = Vec::new();
        record(&mut bytes, "inspect", &inspect_args(&dir, &files), None);
        if let Some(why) = compare(&format!("inspect/{name}"), &bytes) {
            bad.push(why);
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn a_file_missing_two_required_columns_names_both_and_exits_2() {
    let d = folder(&[
        (
            "timelog.csv",
            "Pt,Minutes,Staff ID,Staff Role,Program,NPI\nP1,20,S1,RN,CCM,1234567893\n",
        ),
        (
            "consents.csv",
            "patient_id,consent_date,program\nP1,2025-01-02,CCM\n",
        ),
    ]);
    let out = ccm()
        .arg("inspect")
        .arg(d.path().join("timelog.csv"))
        .arg(d.path().join("consents.csv"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(out.stderr.is_empty());
    assert!(
        stdout.contains("cannot read   as timelog: 2 problem(s) with the columns")
            && stdout.contains("required column `patient_id` not found")
            && stdout.contains("required column `service_date` not found")
            && stdout.contains("headers seen: Pt, Minutes, Staff ID, Staff Role, Program, NPI"),
        "{stdout}"
    );
    // The other file is still inspected.
    assert!(
        stdout.contains("kind          consents (from the file name)"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("1 of 2 file(s) cannot be read: exit 2\n"),
        "{stdout}"
    );
}

#[test]
fn a_header_that_fits_another_kind_is_read_as_it_unless_the_kind_is_given() {
    let d = folder(&[(
        "export.csv",
        "patient_id,icd10_code,onset_date\nP1,E11.9,2020-01-01\n",
    )]);
    let file = d.path().join("export.csv");
    let out = ccm().arg("inspect").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "kind          diagnoses (the only kind its header fits; the file name suggested timelog)"
        ),
        "{stdout}"
    );
    let out = ccm()
        .arg("inspect")
        .arg(&file)
        .args(["--kind", "timelog"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("fits          diagnoses (try --kind)"),
        "{stdout}"
    );
}
