//! Export shapes built blind (from README.md and docs/ only, never the code) with the
//! answer derived by hand from the CMS rules: each `fixtures/exports/<shape>/expected.json`
//! says which claim lines a careful biller would send, which patients must not bill, which
//! findings must be raised and the exit code. ccm must give that answer; the goldens show
//! the rest of what it says.

use crate::common::{ccm, root};
use std::collections::BTreeSet;
use std::path::Path;

/// The clean claim lines of an `--out` folder as (patient, code, units): derived lines,
/// or in verify mode the claims file's own lines (its headers as the export wrote them).
fn clean_lines(out: &Path) -> Vec<(String, String, u32)> {
    let Ok(mut rdr) = csv::Reader::from_path(out.join("clean_claims.csv")) else {
        return Vec::new();
    };
    let heads: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let at = |names: &[&str]| heads.iter().position(|h| names.contains(&h.as_str()));
    let p = at(&["patient_id", "Patient Account", "MRN", "Patient ID"]).expect("a patient column");
    let c = at(&["hcpcs", "Procedure Code", "CPT", "code"]).expect("a code column");
    let u = at(&["units", "Units"]);
    let mut lines: Vec<(String, String, u32)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            let units = u
                .and_then(|u| r.get(u))
                .filter(|s| !s.is_empty())
                .map_or(1, |s| s.parse::<f64>().unwrap() as u32);
            let code = r[c].split(['-', ' ', ':']).next().unwrap().to_string();
            (r[p].to_string(), code, units)
        })
        .collect();
    lines.sort();
    lines
}

fn findings(out: &Path) -> BTreeSet<(String, String)> {
    let Ok(mut rdr) = csv::Reader::from_path(out.join("findings.csv")) else {
        return BTreeSet::new();
    };
    let heads = rdr.headers().unwrap().clone();
    let p = heads.iter().position(|h| h == "patient_id").unwrap();
    let c = heads.iter().position(|h| h == "code").unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[p].to_string(), r[c].to_string())
        })
        .collect()
}

#[test]
fn blind_export_shapes_give_the_hand_derived_answer() {
    let base = root().join("fixtures/exports");
    let mut shapes: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|d| d.join("expected.json").is_file())
        .collect();
    shapes.sort();
    assert!(
        shapes.len() >= 12,
        "the blind shapes are in fixtures/exports"
    );
    let mut wrong = Vec::new();
    for d in &shapes {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let want: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("expected.json")).unwrap()).unwrap();
        let mut args: Vec<String> = std::fs::read_to_string(d.join("args"))
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if !args.iter().any(|a| a == "--as-of") {
            args.extend(["--as-of".into(), "2025-04-15".into()]);
        }
        let out = tempfile::tempdir().unwrap();
        let run = ccm()
            .current_dir(d)
            .arg("audit")
            .args(&args)
            .arg("--out")
            .arg(out.path().join("o"))
            .output()
            .unwrap();
        let o = out.path().join("o");
        let code = run.status.code().unwrap_or(-1);
        if let Some(e) = want["exit_code"].as_i64()
            && e != i64::from(code)
        {
            wrong.push(format!("{name}: exit {code}, expected {e}"));
        }
        let got = clean_lines(&o);
        let mut expect: Vec<(String, String, u32)> = want["clean_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["patient_id"].as_str().unwrap().to_string(),
                    l["hcpcs"].as_str().unwrap().to_string(),
                    l["units"].as_u64().unwrap() as u32,
                )
            })
            .collect();
        expect.sort();
        if got != expect {
            wrong.push(format!("{name}: clean lines {got:?}, expected {expect:?}"));
        }
        for p in want["must_not_bill"].as_array().into_iter().flatten() {
            let p = p.as_str().unwrap();
            if got.iter().any(|l| l.0 == p) {
                wrong.push(format!("{name}: {p} bills, and must not"));
            }
        }
        let have = findings(&o);
        for f in want["expect_findings"].as_array().into_iter().flatten() {
            let (p, c) = (
                f["patient_id"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
            );
            if !have.contains(&(p.to_string(), c.to_string())) {
                wrong.push(format!("{name}: no {c} for {p}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn names_in_the_id_column_are_exit_2_unless_the_map_says_they_are_the_ids() {
    let src = root().join("fixtures/exports/elation_patient_names");
    let dir = tempfile::tempdir().unwrap();
    for f in ["timelog.csv", "consents.csv", "diagnoses.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let run = |extra: &[&str]| {
        ccm()
            .current_dir(dir.path())
            .args([
                "audit",
                "timelog.csv",
                "--as-of",
                "2025-04-15",
                "--out",
                "out",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("holds people's names") && !err.contains("Garcia"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
    let mut map = String::new();
    for kind in ["timelog", "consents", "diagnoses"] {
        map.push_str(&format!(
            "[{kind}]\npatient_id = {{ header = \"Patient\", names_are_ids = true }}\n"
        ));
    }
    std::fs::write(dir.path().join("map.toml"), map).unwrap();
    let on_purpose = run(&["--map", "map.toml"]);
    assert_ne!(
        on_purpose.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&on_purpose.stderr)
    );
    assert!(dir.path().join("out/clean_claims.csv").is_file());
}
