//! The baseline of accepted findings (issue 25, item 2): `--write-baseline` then
//! `--baseline`, round trip: a rerun passes with the waived findings still listed; cosmetic
//! changes to the export keep them waived; a new error row fails the run and is the only
//! finding not waived; an expired waiver or one that matches nothing is reported.

use crate::common::{ccm, root};
use serde_json::Value;
use std::path::Path;

const AS_OF: &str = "2025-04-15";

/// The demo's files copied into `dir`, the time log as `log` (rewritten by `edit`).
fn demo_into(dir: &Path, log: &str, edit: impl Fn(&str) -> String) {
    let demo = root().join("fixtures/demo");
    for e in std::fs::read_dir(&demo).unwrap().flatten() {
        if e.path().is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap();
            if name == "timelog.csv" {
                std::fs::write(dir.join(log), edit(&text)).unwrap();
            } else {
                std::fs::write(dir.join(&name), text).unwrap();
            }
        }
    }
}

/// Runs an audit with JSON on stdout: exit code, the document, stderr.
fn audit(log: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = ccm()
        .arg("audit")
        .arg(log)
        .args(["--as-of", AS_OF, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings")
}

fn not_waived(doc: &Value) -> Vec<&Value> {
    findings(doc)
        .iter()
        .filter(|f| f["waived"] != Value::Bool(true))
        .collect()
}

/// Reverses the data rows (the header stays first).
fn reversed(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let head = lines.remove(0);
    // The demo holds a totals row at its end and a malformed row: keep every line, reversed.
    lines.reverse();
    format!("{head}\n{}\n", lines.join("\n"))
}

/// A title block above the header, as report exports carry.
fn titled(text: &str) -> String {
    format!("Care Management Time Report\nPrinted 04/15/2025 by billing\n\n{text}")
}

/// Semicolons for commas, as a European Excel saves (every field quoted: the notes hold
/// commas and semicolons).
fn semicolons(text: &str) -> String {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .quote_style(csv::QuoteStyle::Always)
        .flexible(true)
        .from_writer(vec![]);
    for r in rd.records() {
        w.write_record(&r.unwrap()).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn baseline_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let base_dir = tmp.path().join("march");
    std::fs::create_dir(&base_dir).unwrap();
    demo_into(&base_dir, "timelog.csv", str::to_string);
    let log = base_dir.join("timelog.csv");
    let baseline = tmp.path().join("accepted.json");

    // Without a baseline the demo fails (it has errors).
    let (exit, first, _) = audit(&log, &["--write-baseline", baseline.to_str().unwrap()]);
    assert_eq!(exit, 1, "the demo has errors");
    let b: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert_eq!(b["version"], 1);
    let waivers = b["waivers"].as_array().unwrap();
    assert_eq!(waivers.len(), findings(&first).len());
    for (w, f) in waivers.iter().zip(findings(&first)) {
        for k in ["fingerprint", "code", "patient_id", "month", "message"] {
            assert_eq!(w[k], f[k], "{k}");
        }
        assert_eq!(w["reason"], "");
        assert_eq!(w["expires"], Value::Null);
    }

    // The same run against it: exit 0, every finding still listed, marked waived.
    let bl = baseline.to_str().unwrap();
    let (exit, again, _) = audit(&log, &["--baseline", bl]);
    assert_eq!(exit, 0);
    assert_eq!(findings(&again).len(), findings(&first).len());
    assert!(not_waived(&again).is_empty());
    assert_eq!(
        again["summary"]["findings_waived"].as_u64(),
        Some(findings(&first).len() as u64)
    );
    // A waiver changes no audit decision: the claims and the holds are the same.
    for k in [
        "expected_payment",
        "amount_blocked",
        "months_blocked",
        "clean_claim_lines",
    ] {
        assert_eq!(again["summary"][k], first["summary"][k], "{k}");
    }
    // The table counts the waived findings per code.
    let table = ccm()
        .arg("audit")
        .arg(&log)
        .args(["--as-of", AS_OF, "--baseline", bl])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    let header = text
        .lines()
        .find(|l| l.contains("severity") && l.contains("code") && l.contains("count"))
        .expect("the findings table");
    assert!(header.contains("waived"), "{header}");
    // --fail-on info too: waived findings never count.
    let (exit, _, _) = audit(&log, &["--baseline", bl, "--fail-on", "info"]);
    assert_eq!(exit, 0);

    // Cosmetic changes, each in a folder and under a name of its own: still exit 0.
    type Edit = fn(&str) -> String;
    let cosmetic: [(&str, Edit); 3] = [
        ("reversed", reversed),
        ("titled", titled),
        ("semicolons", semicolons),
    ];
    for (name, edit) in cosmetic {
        let dir = tmp.path().join(name).join("elsewhere");
        std::fs::create_dir_all(&dir).unwrap();
        demo_into(&dir, "export.csv", edit);
        let (exit, doc, err) = audit(&dir.join("export.csv"), &["--baseline", bl]);
        let left: Vec<String> = not_waived(&doc)
            .iter()
            .map(|f| format!("{} {} {}", f["code"], f["patient_id"], f["message"]))
            .collect();
        assert_eq!((exit, left), (0, vec![]), "{name}: {err}");
    }

    // A new error row: exit 1, and it is the only finding not waived.
    let dir = tmp.path().join("new-error");
    std::fs::create_dir(&dir).unwrap();
    demo_into(&dir, "timelog.csv", |t| {
        format!("{t}P0006,2025-03-32,5,,,S07,CMA,CCM,1753064827,phone outreach,call\n")
    });
    let (exit, doc, _) = audit(&dir.join("timelog.csv"), &["--baseline", bl]);
    assert_eq!(exit, 1);
    let left = not_waived(&doc);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["code"], "IN002");
    assert!(left[0]["message"].as_str().unwrap().contains("2025-03-32"));

    // An expired waiver: its finding counts again, and a note names the fingerprint.
    let mut b2 = b.clone();
    let fp = b2["waivers"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    b2["waivers"][0]["expires"] = Value::String("2025-04-14".into());
    // One waiver in force through the as-of day itself.
    b2["waivers"][1]["expires"] = Value::String(AS_OF.into());
    let expired = tmp.path().join("expired.json");
    std::fs::write(&expired, serde_json::to_vec(&b2).unwrap()).unwrap();
    let (exit, doc, _) = audit(&log, &["--baseline", expired.to_str().unwrap()]);
    let left = not_waived(&doc);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["fingerprint"].as_str(), Some(fp.as_str()));
    assert_eq!(exit, i32::from(left[0]["severity"] == "error"));
    let notes: Vec<&str> = doc["summary"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| n.contains(&fp))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("expired on 2025-04-14"), "{}", notes[0]);

    // A waiver that matches nothing is reported, and does not fail the run by itself.
    let mut b3 = b.clone();
    b3["waivers"].as_array_mut().unwrap().push(
        serde_json::json!({"fingerprint": "00000000deadbeef", "code": "CN001",
            "patient_id": "P9", "month": "2025-03", "message": "gone"}),
    );
    let stale = tmp.path().join("stale.json");
    std::fs::write(&stale, serde_json::to_vec(&b3).unwrap()).unwrap();
    let (exit, doc, err) = audit(&log, &["--baseline", stale.to_str().unwrap()]);
    assert_eq!(exit, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "ccm: warning: baseline: the waiver of 00000000deadbeef matches no finding"
        ),
        "{err}"
    );
    let notes = doc["summary"]["notes"].to_string();
    assert!(
        notes.contains("00000000deadbeef matches no finding"),
        "{notes}"
    );
}

#[test]
fn rewriting_a_baseline_keeps_what_a_person_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    demo_into(tmp.path(), "timelog.csv", str::to_string);
    let log = tmp.path().join("timelog.csv");
    let b = tmp.path().join("b.json");
    let bs = b.to_str().unwrap();
    audit(&log, &["--write-baseline", bs]);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&b).unwrap()).unwrap();
    doc["waivers"][0]["reason"] = "accepted by compliance, ticket 41".into();
    doc["waivers"][0]["expires"] = "2025-12-31".into();
    std::fs::write(&b, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    // Read and rewritten in one run, in place.
    let (exit, _, err) = audit(&log, &["--baseline", bs, "--write-baseline", bs]);
    assert_eq!(exit, 0, "{err}");
    let after: Value = serde_json::from_slice(&std::fs::read(&b).unwrap()).unwrap();
    assert_eq!(
        after["waivers"][0]["reason"],
        "accepted by compliance, ticket 41"
    );
    assert_eq!(after["waivers"][0]["expires"], "2025-12-31");
    assert_eq!(
        after["waivers"].as_array().unwrap().len(),
        doc["waivers"].as_array().unwrap().len()
    );
}

#[test]
fn a_malformed_baseline_is_one_line_and_exit_2_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    demo_into(tmp.path(), "timelog.csv", str::to_string);
    let log = tmp.path().join("timelog.csv");
    for (text, says) in [
        (
            "{\"version\": 1, \"waivers\": [{\"fingerprint\": \"nothex\"}]}",
            "--baseline",
        ),
        ("[1, 2]", "not a ccm baseline"),
        ("{\"version\": 9, \"waivers\": []}", "version 9"),
    ] {
        let b = tmp.path().join("bad.json");
        std::fs::write(&b, text).unwrap();
        let out_dir = tmp.path().join("out");
        let out = ccm()
            .arg("audit")
            .arg(&log)
            .args(["--as-of", AS_OF, "--baseline"])
            .arg(&b)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("ccm: ") && err.contains(says), "{err}");
        assert!(out.stdout.is_empty());
        assert!(!out_dir.exists(), "nothing is written");
    }
    // A missing file, too.
    let out = ccm()
        .arg("audit")
        .arg(&log)
        .args(["--as-of", AS_OF, "--baseline", "/nonexistent/b.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // --write-baseline may not replace an input.
    let out = ccm()
        .arg("audit")
        .arg(&log)
        .args(["--as-of", AS_OF, "--write-baseline"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would overwrite"));
}

#[test]
fn waived_findings_are_suppressed_in_sarif_and_fail_no_junit_case() {
    let tmp = tempfile::tempdir().unwrap();
    demo_into(tmp.path(), "timelog.csv", str::to_string);
    let log = tmp.path().join("timelog.csv");
    let b = tmp.path().join("b.json");
    audit(&log, &["--write-baseline", b.to_str().unwrap()]);
    let run = |format: &str, baseline: bool| {
        let mut c = ccm();
        c.arg("audit")
            .arg(&log)
            .args(["--as-of", AS_OF, "--format", format]);
        if baseline {
            c.arg("--baseline").arg(&b);
        }
        let o = c.output().unwrap();
        (o.status.code(), String::from_utf8(o.stdout).unwrap())
    };
    let (exit, sarif) = run("sarif", true);
    assert_eq!(exit, Some(0));
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["suppressions"][0]["kind"], "external", "{r}");
    }
    let (_, plain) = run("sarif", false);
    let plain: Value = serde_json::from_str(&plain).unwrap();
    assert!(
        plain["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("suppressions").is_none())
    );
    // JUnit: failures without the baseline, none with it; the cases are the same.
    let failures = |xml: &str| xml.matches("<failure").count();
    let cases = |xml: &str| xml.matches("<testcase").count();
    let ((_, with), (exit, without)) = (run("junit", true), run("junit", false));
    assert_eq!(exit, Some(1));
    assert!(failures(&without) > 0);
    assert_eq!(failures(&with), 0, "{with}");
    assert_eq!(cases(&with), cases(&without));
    // jsonl: one line per finding, each marked waived.
    let (exit, jsonl) = run("jsonl", true);
    assert_eq!(exit, Some(0));
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (_, doc, _) = audit(&log, &[]);
    assert_eq!(lines.len(), findings(&doc).len());
    for (l, f) in lines.iter().zip(findings(&doc)) {
        assert_eq!(l["fingerprint"], f["fingerprint"]);
        assert_eq!(l["waived"], true);
        for k in [
            "code",
            "severity",
            "patient_id",
            "month",
            "file",
            "line",
            "message",
        ] {
            assert_eq!(l[k], f[k], "{k}");
        }
    }
}
