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
