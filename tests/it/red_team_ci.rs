//! Red team, round 8 (fixtures/red_team_ci/README.md): the CI contract attacked from the
//! README and docs alone. One test per failure found; each fails on the commit before its
//! fix.

use crate::common::{ccm, root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const AS_OF: &str = "2025-04-15";

fn dir(case: &str) -> std::path::PathBuf {
    root().join("fixtures/red_team_ci").join(case)
}

/// Each finding's (code, patient, fingerprint) of `--format jsonl`.
fn fingerprints(log: &Path, extra: &[&str]) -> BTreeSet<(String, String, String)> {
    let o = ccm()
        .arg("audit")
        .arg(log)
        .args(["--as-of", AS_OF, "--fail-on", "never", "--format", "jsonl"])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("code"), s("patient_id"), s("fingerprint"))
        })
        .collect()
}

#[test]
fn day_first_dates_elsewhere_in_the_file_keep_every_fingerprint() {
    let base = fingerprints(&dir("base").join("timelog.csv"), &[]);
    assert!(
        base.iter().filter(|f| f.0 == "IN002").count() == 2,
        "{base:?}"
    );
    // The other rows' dates written day-first: the date order the file proves changes, and
    // with it the date forms IN002's message lists.
    assert_eq!(
        fingerprints(&dir("day_first").join("timelog.csv"), &[]),
        base
    );
    // No data change at all, only the order asked for.
    assert_eq!(
        fingerprints(&dir("base").join("timelog.csv"), &["--date-order", "dmy"]),
        base
    );
}

#[test]
fn a_bidirectional_override_in_a_patient_id_reaches_no_output_raw() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["consents.csv", "diagnoses.csv", "enrolments.csv"] {
        std::fs::copy(dir("base").join(f), tmp.path().join(f)).unwrap();
    }
    let log = std::fs::read_to_string(dir("base").join("timelog.csv")).unwrap();
    let log = format!(
        "{log}BIDI\u{202e}evil,2025-03-12,22,13:00,13:22,N01,RN,CCM,1234567893,phone outreach,call\n"
    );
    std::fs::write(tmp.path().join("timelog.csv"), log).unwrap();
    let out = tmp.path().join("out");
    for format in ["table", "csv", "json", "jsonl", "sarif", "junit"] {
        let o = ccm()
            .arg("audit")
            .arg(tmp.path().join("timelog.csv"))
            .args(["--as-of", AS_OF, "--fail-on", "never", "--format", format])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{format}");
        for (what, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            assert!(
                !String::from_utf8_lossy(bytes).contains('\u{202e}'),
                "{format} {what}"
            );
        }
        // The id is read without the override (said as a repair), not dropped.
        let text = String::from_utf8_lossy(&o.stdout);
        if format == "csv" {
            assert!(text.contains("BIDIevil"), "{text}");
        }
    }
    for f in std::fs::read_dir(&out).unwrap().flatten() {
        let body = std::fs::read(f.path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&body).contains('\u{202e}'),
            "{:?}",
            f.file_name()
        );
    }
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let notes = summary["files"][0]["read_as"]["notes"].to_string();
    assert!(notes.contains("bidirectional"), "{notes}");
}

#[test]
fn write_baseline_onto_the_workbook_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let log = dir("base").join("timelog.csv");
    for (xlsx, target) in [
        (Some("book.xlsx"), "book.xlsx"),
        (None, "o/audit.xlsx"),
        (Some(""), "o/audit.xlsx"),
    ] {
        let mut c = ccm();
        c.current_dir(tmp.path())
            .arg("audit")
            .arg(&log)
            .args(["--as-of", AS_OF, "--out", "o"]);
        match xlsx {
            Some("") => {
                c.arg("--xlsx");
            }
            Some(f) => {
                c.arg(format!("--xlsx={f}"));
            }
            None => {}
        }
        let o = c.args(["--write-baseline", target]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{xlsx:?} {target}: {err}");
        assert!(err.contains("would overwrite"), "{err}");
        assert!(!tmp.path().join(target).exists());
        assert!(!tmp.path().join("o").exists(), "nothing written");
    }
}

#[test]
fn the_last_line_names_the_baseline_written() {
    let tmp = tempfile::tempdir().unwrap();
    let log = dir("base").join("timelog.csv");
    for (out, want) in [
        (false, "wrote the baseline b.json"),
        (true, "and the baseline b.json"),
    ] {
        let mut c = ccm();
        c.current_dir(tmp.path()).arg("audit").arg(&log).args([
            "--as-of",
            AS_OF,
            "--write-baseline",
            "b.json",
        ]);
        if out {
            c.args(["--out", "o"]);
        }
        let o = c.output().unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let last = text.lines().last().unwrap_or("");
        assert!(last.contains(want), "{last}");
        if out {
            assert!(last.starts_with("wrote 7 files to o/"), "{last}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_terminal_that_reports_no_rows_still_has_a_width() {
    let tmp = tempfile::tempdir().unwrap();
    let typescript = tmp.path().join("typescript");
    let cmd = format!(
        "stty rows 0 cols 80; env -u COLUMNS NO_COLOR=1 {} audit fixtures/demo/timelog.csv --as-of {AS_OF} --fail-on never",
        env!("CARGO_BIN_EXE_ccm")
    );
    let ok = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd])
        .arg(&typescript)
        .current_dir(root())
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script(1) from util-linux runs");
    assert!(ok.success());
    let shown = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).replace('\r', "");
    let tables: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '└']))
        .collect();
    assert!(tables.len() > 20, "{shown}");
    for l in tables {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
}
