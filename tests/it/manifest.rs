//! manifest.json (issue 25, item 4): what was run on what. Every input's size and SHA-256,
//! every output's, the rules' digest, the arguments and the as-of date; two identical runs
//! differ only in `started_at`.

use crate::common::{ccm, root};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

fn run(dir: &Path, out: &str, extra: &[&str]) {
    let o = ccm()
        .current_dir(dir)
        .args(["audit", "timelog.csv", "--as-of", "2025-04-15", "--quiet"])
        .args(["--fail-on", "never", "--out", out])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn demo_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("fixtures/demo"))
        .unwrap()
        .flatten()
    {
        if e.path().is_file() {
            std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
        }
    }
    tmp
}

#[test]
fn the_manifest_names_every_input_and_output_with_its_hash() {
    let tmp = demo_copy();
    let dir = tmp.path();
    run(dir, "out", &["--xlsx"]);
    let m = manifest(&dir.join("out"));
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["ccm_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["as_of"], "2025-04-15");
    let args: Vec<&str> = m["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        &args[..4],
        ["audit", "timelog.csv", "--as-of", "2025-04-15"]
    );
    assert!(args.contains(&"--xlsx"));
    // Every input read, as given, with its real size and hash.
    let inputs = m["inputs"].as_array().unwrap();
    let kinds: Vec<&str> = inputs.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "timelog",
            "consents",
            "diagnoses",
            "enrolments",
            "careplans",
            "visits"
        ]
    );
    assert_eq!(inputs[0]["path"], "timelog.csv");
    for i in inputs {
        let bytes = std::fs::read(dir.join(i["path"].as_str().unwrap())).unwrap();
        assert_eq!(i["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(i["sha256"].as_str(), Some(sha(&bytes).as_str()));
    }
    // Every output written, the workbook included, by name, with its real hash; not itself.
    let outputs = m["outputs"].as_array().unwrap();
    let names: Vec<&str> = outputs
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "audit.xlsx",
            "clean_claims.csv",
            "findings.csv",
            "findings.json",
            "held_claims.csv",
            "summary.json",
            "worklist.csv"
        ]
    );
    for o in outputs {
        let bytes = std::fs::read(dir.join("out").join(o["name"].as_str().unwrap())).unwrap();
        assert_eq!(o["size"].as_u64(), Some(bytes.len() as u64));
        assert_eq!(o["sha256"].as_str(), Some(sha(&bytes).as_str()), "{o}");
    }
    // The rules' digest: each embedded file's hash, and one over the list.
    let files = m["rules"]["files"].as_array().unwrap();
    let codes = files
        .iter()
        .find(|f| f["path"] == "2025/codes.csv")
        .unwrap();
    let text = std::fs::read(root().join("rules/2025/codes.csv")).unwrap();
    assert_eq!(codes["sha256"].as_str(), Some(sha(&text).as_str()));
    let list: String = files
        .iter()
        .map(|f| {
            format!(
                "{}\t{}\n",
                f["path"].as_str().unwrap(),
                f["sha256"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        m["rules"]["sha256"].as_str(),
        Some(sha(list.as_bytes()).as_str())
    );
    assert_eq!(m["rules"]["origin"], "embedded");
    let started = m["started_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).is_ok(),
        "{started}"
    );
}

#[test]
fn identical_runs_differ_only_in_started_at_and_a_changed_input_or_rule_shows() {
    let tmp = demo_copy();
    let dir = tmp.path();
    run(dir, "a", &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    run(dir, "a2", &[]);
    let strip = |mut m: Value| {
        let started = m["started_at"].take();
        assert!(started.is_string());
        // The folder named on the command line is the one argument that differs here.
        for a in m["arguments"].as_array_mut().unwrap() {
            if a == "a2" {
                *a = "a".into();
            }
        }
        m
    };
    let (a, a2) = (manifest(&dir.join("a")), manifest(&dir.join("a2")));
    assert_ne!(a["started_at"], a2["started_at"], "a second apart");
    assert_eq!(strip(a.clone()), strip(a2));
    // `started_at` is the only key that holds the time: no other value is a date-time.
    let text = serde_json::to_string(&strip(a.clone())).unwrap();
    assert!(!text.contains("T1") && !text.contains("T0") && !text.contains("T2"));

    // A changed input changes its hash (and the outputs' where the answer changes).
    let log = dir.join("timelog.csv");
    let mut t = std::fs::read_to_string(&log).unwrap();
    t.push_str("P0006,2025-03-28,5,,,S07,CMA,CCM,1753064827,phone outreach,call\n");
    std::fs::write(&log, t).unwrap();
    run(dir, "b", &[]);
    let b = manifest(&dir.join("b"));
    assert_ne!(a["inputs"][0]["sha256"], b["inputs"][0]["sha256"]);
    assert_eq!(a["inputs"][1], b["inputs"][1]);

    // A rule file replaced with --rules changes the rules' digest and that file's hash.
    let rules = dir.join("rules/2025");
    std::fs::create_dir_all(&rules).unwrap();
    let mut codes = std::fs::read_to_string(root().join("rules/2025/codes.csv")).unwrap();
    codes.push('\n');
    std::fs::write(rules.join("codes.csv"), codes).unwrap();
    run(dir, "c", &["--rules", "rules"]);
    let c = manifest(&dir.join("c"));
    assert_ne!(b["rules"]["sha256"], c["rules"]["sha256"]);
    let changed: Vec<&Value> = b["rules"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .zip(c["rules"]["files"].as_array().unwrap())
        .filter(|(x, y)| x != y)
        .map(|(_, y)| &y["path"])
        .collect();
    assert_eq!(changed, [&Value::from("2025/codes.csv")]);
    assert!(c["rules"]["origin"].as_str().unwrap().contains("codes.csv"));
}
