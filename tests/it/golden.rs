//! Golden byte snapshots of everything a user reads: for each case, the stdout table, the
//! `--out` files, `--format csv` and `--format json`, stderr and the exit code, in one
//! transcript per case under `tests/golden/`. A test fails on any byte that differs.
//! A check's fixtures have a snapshot of their own instead (`tests/golden/rules/`): what
//! the run decided and that check's findings only (see `check_snapshot`).
//!
//! After a change that is meant to alter outputs, bless the new transcripts with
//! `CCM_BLESS=1 cargo test golden` and explain the diff in the commit.

use crate::common::{args_of, ccm, root};
use std::io::Write as _;
use std::path::Path;

const AS_OF: &str = "2025-04-15";

/// One way to run ccm on a case: the arguments after `audit`.
struct Case {
    name: String,
    args: Vec<String>,
}

pub(crate) fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// Appends one run's exit code, stdout and stderr, then the files it wrote to `out`.
pub(crate) fn record(bytes: &mut Vec<u8>, label: &str, args: &[String], out: Option<&Path>) {
    let mut cmd = ccm();
    cmd.args(args);
    if let Some(o) = out {
        cmd.arg("--out").arg(o);
    }
    let run = cmd.output().expect("run ccm");
    let _ = writeln!(bytes, "### {label}: ccm {}", args.join(" "));
    let _ = writeln!(bytes, "exit: {}", run.status.code().unwrap_or(-1));
    // The report's last line names the --out folder, a temporary one: `OUT` here.
    let stdout = match (out, std::str::from_utf8(&run.stdout)) {
        (Some(o), Ok(text)) => text.replace(&o.display().to_string(), "OUT").into_bytes(),
        _ => run.stdout.clone(),
    };
    section(bytes, "stdout", &stdout);
    section(bytes, "stderr", &run.stderr);
    if let Some(o) = out {
        let mut names: Vec<_> = std::fs::read_dir(o)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        names.sort();
        for n in names {
            let mut body = std::fs::read(o.join(&n)).expect("read output");
            if n == ccm::args::MANIFEST {
                body = stable_manifest(&body, o);
            }
            section(bytes, &format!("OUT/{}", n.to_string_lossy()), &body);
        }
    }
}

/// manifest.json as a golden holds it: the run's start (the clock) as `STARTED_AT`, the
/// temporary `--out` folder in the arguments as `OUT`; every hash and size as written.
fn stable_manifest(body: &[u8], out: &Path) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(body).expect("manifest.json is JSON");
    assert!(m["started_at"].is_string(), "manifest.json has started_at");
    m["started_at"] = "STARTED_AT".into();
    let out = out.display().to_string();
    for a in m["arguments"].as_array_mut().expect("arguments") {
        if a.as_str() == Some(out.as_str()) {
            *a = "OUT".into();
        }
    }
    let mut v = serde_json::to_vec_pretty(&m).expect("JSON");
    v.push(b'\n');
    v
}

fn section(bytes: &mut Vec<u8>, name: &str, body: &[u8]) {
    bytes.extend_from_slice(format!("--- {name} ({} bytes)\n", body.len()).as_bytes());
    bytes.extend_from_slice(body);
    if !body.ends_with(b"\n") && !body.is_empty() {
        bytes.extend_from_slice(b"\n\\ no newline at end\n");
    }
}

/// Runs every output form of one case and returns the transcript.
fn transcript(case: &Case) -> Vec<u8> {
    let mut bytes = Vec::new();
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("out");
    let mut base = vec!["audit".to_string()];
    base.extend(case.args.iter().cloned());
    record(&mut bytes, "table and --out", &base, Some(&dir));
    for format in ["csv", "json"] {
        let mut a = base.clone();
        a.extend(["--format".into(), format.into()]);
        record(&mut bytes, &format!("--format {format}"), &a, None);
    }
    bytes
}

/// Compares with `tests/golden/<name>.txt`, or writes it under `CCM_BLESS=1`. Returns a
/// complaint when they differ.
pub(crate) fn compare(name: &str, got: &[u8]) -> Option<String> {
    let path = root().join("tests/golden").join(format!("{name}.txt"));
    if std::env::var_os("CCM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return None;
    }
    let want = std::fs::read(&path).unwrap_or_default();
    if want == got {
        return None;
    }
    let (w, g) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
    let first = w
        .lines()
        .zip(g.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
    Some(format!(
        "{}: differs from line {} (want {:?}, got {:?}); CCM_BLESS=1 rewrites it",
        rel(&path),
        first + 1,
        w.lines().nth(first).unwrap_or("<end>"),
        g.lines().nth(first).unwrap_or("<end>"),
    ))
}

fn run_all(cases: &[Case]) {
    let mut bad = Vec::new();
    for c in cases {
        if let Some(why) = compare(&c.name, &transcript(c)) {
            bad.push(why);
        }
    }
    assert!(
        bad.is_empty(),
        "{} golden(s) differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

fn case_in(name: String, dir: &Path) -> Case {
    let mut args = vec![
        rel(&dir.join("timelog.csv")),
        "--as-of".to_string(),
        AS_OF.to_string(),
    ];
    args.extend(args_of(dir));
    Case { name, args }
}

fn demo(extra: &[&str]) -> Vec<String> {
    let mut a = vec!["fixtures/demo/timelog.csv".to_string()];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn golden_demo() {
    run_all(&[
        Case {
            name: "demo/derive".into(),
            args: demo(&["--as-of", AS_OF]),
        },
        Case {
            name: "demo/verify".into(),
            args: demo(&[
                "--as-of",
                AS_OF,
                "--claims",
                "fixtures/demo/claims/claims.csv",
            ]),
        },
        Case {
            name: "demo/mid-month".into(),
            args: demo(&["--as-of", "2025-03-24"]),
        },
        Case {
            // Two monthly export folders, each with its own companions.
            name: "demo/plus-february-folder".into(),
            args: demo(&["fixtures/multi/2025-02/timelog.csv", "--as-of", AS_OF]),
        },
        Case {
            name: "demo/mid-month-threshold".into(),
            args: demo(&["--as-of", "2025-03-24", "--dos", "threshold"]),
        },
    ]);
}

#[test]
fn golden_demo_trace() {
    let log = std::fs::read_to_string(root().join("fixtures/demo/timelog.csv")).unwrap();
    let mut patients: Vec<&str> = log
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        // The `Total` row below the data is no patient (IN005).
        .filter(|p| !p.trim().is_empty() && *p != "Total")
        .collect();
    patients.sort_unstable();
    patients.dedup();
    let mut bytes = Vec::new();
    for claims in [false, true] {
        for p in &patients {
            let mut a: Vec<String> = ["trace", p, "--month", "2025-03"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            a.extend(demo(&["--as-of", AS_OF]));
            if claims {
                a.extend(["--claims".into(), "fixtures/demo/claims/claims.csv".into()]);
            }
            record(&mut bytes, "trace", &a, None);
        }
    }
    if let Some(why) = compare("demo/trace", &bytes) {
        panic!("{why}");
    }
}

/// A check's own snapshot of one of its fixture cases: the exit code, stderr, what the run
/// decided (the summary figures of `common::DECISION_KEYS`) and every finding of that check, whole,
/// one JSON object a line, in output order. Another check's findings are not in it, so a
/// new warning elsewhere rewrites no check's snapshot; an error that changes a decision
/// does. The byte-exact outputs (table, CSV, JSON, every `--out` file) are the demo's,
/// the exports' and the bad inputs' goldens.
fn check_snapshot(code: &str, case: &Case) -> Vec<u8> {
    let mut args = vec!["audit".to_string()];
    args.extend(case.args.iter().cloned());
    args.extend(["--format".into(), "json".into()]);
    let run = ccm().args(&args).output().expect("run ccm");
    let mut bytes = Vec::new();
    let _ = writeln!(bytes, "### {code}: ccm {}", args.join(" "));
    let _ = writeln!(bytes, "exit: {}", run.status.code().unwrap_or(-1));
    section(&mut bytes, "stderr", &run.stderr);
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_default();
    let _ = writeln!(bytes, "--- decisions");
    for k in crate::common::DECISION_KEYS {
        if let Some(v) = json["summary"].get(*k) {
            let _ = writeln!(bytes, "{k}: {v}");
        }
    }
    let _ = writeln!(bytes, "--- {code} findings");
    for f in json["findings"].as_array().into_iter().flatten() {
        if f["code"] == code {
            let _ = writeln!(bytes, "{f}");
        }
    }
    bytes
}

#[test]
fn golden_rule_fixtures() {
    let mut bad = Vec::new();
    for c in ccm::checks::registry() {
        for case in crate::common::RULE_CASES {
            let dir = root().join("fixtures/rules").join(c.code).join(case);
            if dir.is_dir() {
                let name = format!("rules/{}-{case}", c.code);
                let got = check_snapshot(c.code, &case_in(name.clone(), &dir));
                bad.extend(compare(&name, &got));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} golden(s) differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn golden_bad_inputs() {
    let mut cases = Vec::new();
    let mut dirs = Vec::new();
    let bad = root().join("fixtures/bad");
    for e in std::fs::read_dir(&bad).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.join("timelog.csv").is_file() {
            dirs.push(p);
        } else if p.is_dir() {
            // fixtures/bad/fuzz/<case>[/<variant>]
            for e in std::fs::read_dir(&p).unwrap().filter_map(|e| e.ok()) {
                let q = e.path();
                if q.join("timelog.csv").is_file() {
                    dirs.push(q);
                } else if q.is_dir() {
                    for e in std::fs::read_dir(&q).unwrap().filter_map(|e| e.ok()) {
                        if e.path().join("timelog.csv").is_file() {
                            dirs.push(e.path());
                        }
                    }
                }
            }
        }
    }
    dirs.sort();
    for d in dirs {
        let name = rel(&d).replacen("fixtures/bad/", "", 1).replace('/', "-");
        cases.push(case_in(format!("bad/{name}"), &d));
    }
    run_all(&cases);
}

#[test]
fn golden_explain_and_rules() {
    let mut bytes = Vec::new();
    for c in ccm::checks::registry() {
        record(
            &mut bytes,
            "explain",
            &["explain".into(), c.code.into()],
            None,
        );
    }
    record(&mut bytes, "rules", &["rules".into()], None);
    for year in ["2024", "2025", "2026"] {
        let a = ["rules".to_string(), "--year".into(), year.into()];
        record(&mut bytes, "rules", &a, None);
    }
    if let Some(why) = compare("explain-and-rules", &bytes) {
        panic!("{why}");
    }
}

/// `fixtures/exports/<shape>/`: small exports shaped like what platforms and Excel write.
/// Each folder's `args` holds the whole argument list after `audit`, one per line; an
/// argument naming a file in the folder is taken relative to it. `--as-of 2025-04-15` is
/// added unless the list has an `--as-of`.
fn export_cases() -> Vec<Case> {
    let base = root().join("fixtures/exports");
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.join("args").is_file());
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let mut args: Vec<String> = args_of(d)
                .into_iter()
                .map(|a| {
                    if d.join(&a).exists() {
                        rel(&d.join(&a))
                    } else {
                        a
                    }
                })
                .collect();
            if !args.iter().any(|a| a == "--as-of") {
                args.extend(["--as-of".to_string(), AS_OF.to_string()]);
            }
            Case {
                name: format!("exports/{}", rel(d).replacen("fixtures/exports/", "", 1)),
                args,
            }
        })
        .collect()
}

#[test]
fn golden_export_fixtures() {
    run_all(&export_cases());
}
