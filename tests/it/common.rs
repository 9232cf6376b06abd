use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn ccm() -> Command {
    let mut c = Command::cargo_bin("ccm").expect("binary");
    c.current_dir(root());
    c.env("NO_COLOR", "1");
    c
}

/// Runs `ccm audit` on a folder's timelog.csv with the fixed as-of date and JSON output.
pub fn audit_json(dir: &Path, extra: &[String]) -> (i32, serde_json::Value, String) {
    audit_logs_json(&[&dir.join("timelog.csv")], extra)
}

/// Runs `ccm audit` on the time logs with the fixed as-of date and JSON output, then the
/// extra arguments: the exit code, the JSON on stdout (null if none) and stderr.
pub fn audit_logs_json(
    logs: &[&Path],
    extra: &[impl AsRef<std::ffi::OsStr>],
) -> (i32, serde_json::Value, String) {
    let out = ccm()
        .arg("audit")
        .args(logs)
        .args([
            "--as-of",
            "2025-04-15",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .output()
        .expect("run ccm");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

pub fn codes(json: &serde_json::Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or("").to_string(),
                        f["severity"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes files into a fresh temporary folder.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).expect("write");
    }
    d
}

/// `default` cases unless `PROPTEST_CASES` says otherwise (an explicit `cases` in a
/// config would override the environment). No persistence file: a failure found here is
/// kept as a fixture under fixtures/bad/fuzz/ instead.
pub fn proptest_config(default: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// The physical lines (as written in the JSON, `;`-joined) of each finding of `code`.
pub fn lines_of(json: &serde_json::Value, code: &str) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["line"].as_str().unwrap().to_string())
        .collect()
}

/// The extra arguments in a case folder's optional `args` file, one per line.
pub fn args_of(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `text` to `dir/name`.
pub fn put(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), text).expect("write");
}

/// `ccm audit LOG --as-of AS_OF --quiet --fail-on never --out OUT`, as a plain process (to
/// spawn, wait on or signal).
pub fn audit_to(log: &Path, as_of: &str, out: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("ccm"));
    c.arg("audit")
        .arg(log)
        .args(["--as-of", as_of, "--quiet", "--fail-on", "never", "--out"])
        .arg(out);
    c
}

/// Whether the terminal report says what summary.json says: each summary figure, each
/// file's rows (read = counted + excluded), outcomes at least the patient-months, and in
/// verify mode lines out + held = the claim rows counted.
pub fn table_agrees_with_summary(table: &str, s: &serde_json::Value) -> Result<(), String> {
    let cell = |c: &str| {
        c.trim_matches(|c: char| c == '│' || c.is_whitespace())
            .to_string()
    };
    let row = |label: &str| -> Result<String, String> {
        table
            .lines()
            .find(|l| l.starts_with(&format!("│ {label}")))
            .and_then(|l| l.rsplit('┆').next())
            .map(cell)
            .ok_or_else(|| format!("no row {label:?} in\n{table}"))
    };
    let eq = |what: &str, got: String, want: String| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: table {got:?}, summary.json {want:?}"))
        }
    };
    let num = |k: &str| s[k].as_u64().unwrap_or(u64::MAX);
    eq("patients", row("patients ")?, num("patients").to_string())?;
    eq(
        "patient-months",
        row("patient-months")?,
        num("patient_months").to_string(),
    )?;
    eq(
        "outcomes",
        row("outcomes per patient-month and NPI")?,
        format!(
            "{} / {} / {} / {}",
            num("months_clean"),
            num("months_blocked"),
            num("months_below_threshold"),
            num("months_open")
        ),
    )?;
    eq(
        "clean claim lines",
        row("clean claim lines")?,
        num("clean_claim_lines").to_string(),
    )?;
    for (label, key) in [
        ("expected payment", "expected_payment"),
        ("amount blocked by errors", "amount_blocked"),
        ("amount left unbilled", "amount_unbilled"),
    ] {
        // The table groups thousands (`$2,598.10`); summary.json does not.
        eq(
            label,
            row(label)?.replace(',', ""),
            format!("${}", s[key].as_str().unwrap_or("?")),
        )?;
    }
    let outcomes = outcomes(s);
    if outcomes < num("patient_months") {
        return Err(format!(
            "{outcomes} outcomes for {} patient-months",
            num("patient_months")
        ));
    }
    let files = s["files"].as_array().ok_or("no files")?;
    for f in files {
        let name = f["file"].as_str().unwrap_or("");
        let (read, counted, excluded) = (
            f["rows_read"].as_u64().unwrap_or(0),
            f["rows_counted"].as_u64().unwrap_or(0),
            f["rows_excluded"].as_u64().unwrap_or(0),
        );
        if read != counted + excluded {
            return Err(format!("{name}: {read} read != {counted} + {excluded}"));
        }
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("│ {name} ")))
            .ok_or_else(|| format!("{name} not in the files table"))?;
        let cells: Vec<String> = line.split('┆').map(cell).collect();
        eq("rows read", cells[2].clone(), read.to_string())?;
        eq("rows counted", cells[3].clone(), counted.to_string())?;
        if !cells[4].starts_with(&excluded.to_string()) {
            return Err(format!("{name}: excluded {:?} vs {excluded}", cells[4]));
        }
    }
    if let Some(held) = s["claim_lines_held"].as_u64() {
        let out = num("clean_claim_lines");
        let claims = files
            .iter()
            .find(|f| f["kind"] == "claims")
            .and_then(|f| f["rows_counted"].as_u64())
            .ok_or("no claims file")?;
        if out + held != claims {
            return Err(format!(
                "{out} lines out + {held} held != {claims} claim rows"
            ));
        }
        eq(
            "lines going out / held",
            row("claims file: lines going out / held")?,
            format!("{out} / {held}"),
        )?;
        eq(
            "claims going out / held",
            row("claims file: claims going out / held")?,
            format!("{} / {}", num("claims_going_out"), num("claims_held")),
        )?;
    }
    Ok(())
}

/// The outcomes summary.json counts: clean + blocked + below threshold + open.
pub fn outcomes(s: &serde_json::Value) -> u64 {
    [
        "months_clean",
        "months_blocked",
        "months_below_threshold",
        "months_open",
    ]
    .iter()
    .map(|k| s[k].as_u64().unwrap_or(0))
    .sum()
}

/// The last CMS year the bundled rules cover (the highest `rules/<year>` folder), and so
/// the first year without rules is one after it: tests that need "a year ccm has no
/// rules for" derive it here, and keep working when a new year's rules are added.
pub fn last_rules_year() -> i32 {
    std::fs::read_dir(root().join("rules"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .max()
        .expect("rules/<year> folders")
}

/// The cases a check's fixture folder may hold (`fixtures/rules/<CODE>/<case>`): `fires`
/// and `clean` always, `strict` (run with its `args`), and `claims-fires`/`claims-clean`
/// (verify mode: the folder holds a claims.csv). A `clean` case must not fire the check.
pub const RULE_CASES: [&str; 5] = ["fires", "clean", "strict", "claims-fires", "claims-clean"];

/// The summary.json figures that say what a run decided: months and patient-months, how
/// many are clean, blocked, below the threshold or open, the lines and money, per month,
/// and in verify mode what was claimed, supported, at risk, held and going out. The
/// metamorphic tests compare them across a cosmetic change; a check's golden snapshot
/// records them.
pub const DECISION_KEYS: &[&str] = &[
    "mode",
    "months",
    "patients",
    "patient_months",
    "months_clean",
    "months_blocked",
    "months_below_threshold",
    "months_open",
    "clean_claim_lines",
    "expected_payment",
    "amount_blocked",
    "amount_unbilled",
    "claimed",
    "supported",
    "amount_at_risk",
    "by_month",
    "claim_lines_held",
    "claims_going_out",
    "claims_held",
];

/// The `--out` set's files in [`ccm::args::OUTPUTS`] order, for comparing two runs:
/// manifest.json without `started_at` (the one value two identical runs differ in) and
/// `arguments` (the runs compared may name other folders).
pub fn out_set(out: &Path) -> Vec<Vec<u8>> {
    ccm::args::OUTPUTS
        .iter()
        .map(|f| {
            let bytes = std::fs::read(out.join(f)).unwrap_or_else(|_| panic!("{f} missing"));
            if *f != ccm::args::MANIFEST {
                return bytes;
            }
            let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(m["started_at"].take().is_string());
            assert!(m["arguments"].take().is_array());
            serde_json::to_vec(&m).unwrap()
        })
        .collect()
}

/// The columns of a small time log without clock times, as the tests write one.
pub const SHORT_LOG_COLUMNS: [&str; 7] = [
    "patient_id",
    "service_date",
    "minutes",
    "staff_id",
    "staff_role",
    "billing_npi",
    "note",
];
