//! JSON schemas (issue 25, item 5): every JSON ccm writes follows its schema in
//! `docs/schemas/`, and the schemas are tight enough to catch a renamed or mistyped key.
//!
//! - summary.json and findings.json from `--out` runs, and `--format json` on stdout: the
//!   demo (derive, verify, mid-month, two months) and every fixture under
//!   `fixtures/exports/` with its own arguments;
//! - `ccm inspect --format json` over every export folder's files and the demo's, and over
//!   files it cannot read (a missing column, an empty file, a kind its header does not fit);
//! - the baseline (`--write-baseline`) and manifest.json (`--out`): their example documents
//!   under `docs/schemas/examples/` now, and what the binary writes once it writes them;
//! - the lookback's documents: run.json of `ccm sample` (plain, stratified, with the
//!   audit after `--`), `ccm extrapolate --format json` (unrestricted, stratified, the
//!   demo's) and refund.json of `ccm refund` (a census, and with each extrapolation);
//! - the validator can fail: documents with a key renamed, a severity, month, date or
//!   digest mistyped, a key missing or one too many, are each rejected.

use crate::common::{args_of, ccm, folder, root};
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const AS_OF: &str = "2025-04-15";

/// The schemas in `docs/schemas/`, each with the output it describes (docs/schemas/README.md).
const SCHEMAS: [&str; 8] = [
    "summary.schema.json",
    "findings.schema.json",
    "inspect.schema.json",
    "baseline.schema.json",
    "manifest.schema.json",
    "run.schema.json",
    "extrapolation.schema.json",
    "refund.schema.json",
];

/// Where a schema is taken to live: a relative `$ref` (findings.json's `summary`) resolves
/// against it, to a document registered under the same base (nothing is fetched).
fn uri(name: &str) -> String {
    format!("file:///ccm/docs/schemas/{name}")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn schema(name: &str) -> Value {
    read_json(&root().join("docs/schemas").join(name))
}

/// The validator of one schema (draft 2020-12, formats asserted), built once. Building it
/// checks the schema against the draft's meta-schema.
fn validator(name: &str) -> &'static Validator {
    static ALL: OnceLock<Vec<(&'static str, Validator)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let docs: Vec<(String, Value)> = SCHEMAS.iter().map(|n| (uri(n), schema(n))).collect();
        let registry = Registry::new()
            .extend(docs.iter().map(|(u, v)| (u.as_str(), v)))
            .and_then(|r| r.prepare())
            .expect("the schemas register");
        SCHEMAS
            .iter()
            .map(|&n| {
                let v = jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .should_validate_formats(true)
                    .with_base_uri(uri(n))
                    .with_registry(&registry)
                    .build(&schema(n))
                    .unwrap_or_else(|e| panic!("docs/schemas/{n} is not a valid schema: {e}"));
                (n, v)
            })
            .collect()
    });
    &all.iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no schema {name}"))
        .1
}

/// Every way `doc` breaks schema `name`, each with where; empty when it follows it.
fn violations(name: &str, doc: &Value) -> Vec<String> {
    validator(name)
        .iter_errors(doc)
        .map(|e| format!("at {:?}: {e}", e.instance_path().to_string()))
        .collect()
}

/// Fails (with every violation) unless `doc` follows schema `name`.
fn check(name: &str, what: &str, doc: &Value, bad: &mut Vec<String>) {
    let v = violations(name, doc);
    if !v.is_empty() {
        bad.push(format!("{what} breaks {name}:\n  {}", v.join("\n  ")));
    }
}

/// The document's first key is `"schema_version": 1` (serde keeps the field order; a
/// schema cannot say which key comes first).
fn starts_with_version(text: &str, what: &str, bad: &mut Vec<String>) {
    if !text.starts_with("{\n  \"schema_version\": 1,\n") {
        bad.push(format!(
            "{what}: schema_version is not the first key: {:?}",
            text.lines().take(2).collect::<Vec<_>>()
        ));
    }
}

/// A run of `ccm audit`: the folder it runs in and the arguments after `audit`.
struct Run {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    /// The fixture's expected.json says the audit exits 2 (nothing to validate).
    exit_2: bool,
}

fn demo(name: &str, extra: &[&str]) -> Run {
    let mut args: Vec<String> = ["timelog.csv", "--as-of", AS_OF]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    Run {
        name: format!("demo/{name}"),
        dir: root().join("fixtures/demo"),
        args,
        exit_2: false,
    }
}

fn runs() -> Vec<Run> {
    let mut v = vec![
        demo("derive", &[]),
        demo("verify", &["--claims", "claims/claims.csv"]),
        demo(
            "mid-month-threshold",
            &["--as-of", "2025-03-24", "--dos", "threshold"],
        ),
        demo("plus-february", &["../multi/2025-02/timelog.csv"]),
        demo("strict", &["--policy", "strict"]),
    ];
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/exports"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|d| d.join("args").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut args = args_of(&dir);
        if !args.iter().any(|a| a == "--as-of") {
            args.extend(["--as-of".to_string(), AS_OF.to_string()]);
        }
        let exit_2 = std::fs::read(dir.join("expected.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|v| v["exit_code"] == 2);
        v.push(Run {
            name: format!("exports/{}", dir.file_name().unwrap().to_string_lossy()),
            dir,
            args,
            exit_2,
        });
    }
    v
}

/// What the runs covered, so a test that validated nothing of a kind cannot pass.
#[derive(Default, Debug)]
struct Seen {
    derive: usize,
    verify: usize,
    findings: usize,
    manifests: usize,
}

/// Validates one run's `--out` files and its `--format json` stdout.
fn validate_run(run: &Run, seen: &mut Seen, bad: &mut Vec<String>) {
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("out");
    let r = ccm()
        .current_dir(&run.dir)
        .arg("audit")
        .args(&run.args)
        .args(["--fail-on", "never", "--quiet", "--out"])
        .arg(&dir)
        .output()
        .expect("run ccm");
    if run.exit_2 {
        if r.status.code() != Some(2) {
            bad.push(format!("{}: exit {:?}, want 2", run.name, r.status.code()));
        }
        return;
    }
    if r.status.code() != Some(0) {
        bad.push(format!(
            "{}: exit {:?}: {}",
            run.name,
            r.status.code(),
            String::from_utf8_lossy(&r.stderr)
        ));
        return;
    }
    for (file, name) in [
        ("summary.json", "summary.schema.json"),
        ("findings.json", "findings.schema.json"),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).expect("an output of the set");
        let what = format!("{}: {file}", run.name);
        starts_with_version(&text, &what, bad);
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        check(name, &what, &doc, bad);
        if file == "summary.json" {
            match doc["mode"].as_str() {
                Some("derive") => seen.derive += 1,
                Some("verify") => seen.verify += 1,
                _ => {}
            }
        } else {
            seen.findings += doc["findings"].as_array().map_or(0, Vec::len);
            // The embedded summary starts with its version too.
            if !text.contains("\n  \"summary\": {\n    \"schema_version\": 1,\n") {
                bad.push(format!(
                    "{what}: the summary's first key is not schema_version"
                ));
            }
        }
    }
    // manifest.json, once `--out` writes one.
    if dir.join("manifest.json").is_file() {
        let what = format!("{}: manifest.json", run.name);
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        starts_with_version(&text, &what, bad);
        check(
            "manifest.schema.json",
            &what,
            &read_json(&dir.join("manifest.json")),
            bad,
        );
        seen.manifests += 1;
    }
    let r = ccm()
        .current_dir(&run.dir)
        .arg("audit")
        .args(&run.args)
        .args(["--fail-on", "never", "--format", "json"])
        .output()
        .expect("run ccm");
    let what = format!("{}: --format json", run.name);
    let text = String::from_utf8_lossy(&r.stdout);
    starts_with_version(&text, &what, bad);
    match serde_json::from_str::<Value>(&text) {
        Ok(doc) => check("findings.schema.json", &what, &doc, bad),
        Err(e) => bad.push(format!("{what}: not JSON ({e})")),
    }
}

#[test]
fn schemas_every_audit_json_follows_its_schema() {
    let mut bad = Vec::new();
    let mut seen = Seen::default();
    let runs = runs();
    for run in &runs {
        validate_run(run, &mut seen, &mut bad);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    // Both modes and many findings were validated (the schemas' verify-only keys, the
    // finding shape), not an empty list.
    assert!(
        seen.derive >= 40 && seen.verify >= 5 && seen.findings >= 300,
        "{seen:?} over {} runs",
        runs.len()
    );
    // Every --out run wrote one, and it was validated.
    assert_eq!(seen.manifests, seen.derive + seen.verify, "{seen:?}");
}

/// The input files of a folder (CSV and .xlsx), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "csv" || x == "xlsx"))
        .collect();
    files.sort();
    files
}

/// `ccm inspect ... --format json` in `dir`: the exit code and the document.
fn inspect_json(dir: &Path, args: &[String]) -> (Option<i32>, String) {
    let r = ccm()
        .current_dir(dir)
        .arg("inspect")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run ccm");
    (
        r.status.code(),
        String::from_utf8_lossy(&r.stdout).into_owned(),
    )
}

#[test]
fn schemas_inspect_json_follows_its_schema() {
    let mut bad = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/exports"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.extend([
        root().join("fixtures/demo"),
        root().join("fixtures/demo/claims"),
    ]);
    let (mut ok, mut not_ok) = (0, 0);
    let mut validate = |what: &str, code: Option<i32>, text: &str, bad: &mut Vec<String>| {
        starts_with_version(text, what, bad);
        match serde_json::from_str::<Value>(text) {
            Ok(doc) => {
                check("inspect.schema.json", what, &doc, bad);
                for f in doc["files"].as_array().into_iter().flatten() {
                    if f["ok"] == true {
                        ok += 1;
                    } else {
                        not_ok += 1;
                    }
                }
            }
            Err(e) => bad.push(format!("{what}: exit {code:?}, not JSON ({e}): {text}")),
        }
    };
    for dir in &dirs {
        let mut args: Vec<String> = inputs(dir)
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        if dir.join("map.toml").is_file() {
            args.extend(["--map".to_string(), "map.toml".to_string()]);
        }
        let given = args_of(dir);
        for (i, flag) in given.iter().enumerate() {
            if ["--sheet", "--delimiter", "--date-order", "--tz"].contains(&flag.as_str())
                && let Some(v) = given.get(i + 1)
            {
                args.extend([flag.clone(), v.clone()]);
            }
        }
        let (code, text) = inspect_json(dir, &args);
        let what = format!("inspect {}", dir.strip_prefix(root()).unwrap().display());
        validate(&what, code, &text, &mut bad);
    }
    // Files it cannot read: columns missing (and the other file still read), an empty file,
    // a kind given that the header does not fit (it names the kinds it fits).
    let d = folder(&[
        ("timelog.csv", "Pt,Minutes\nP1,20\n"),
        (
            "consents.csv",
            "patient_id,consent_date,program\nP1,2025-01-02,CCM\n",
        ),
        ("empty.csv", ""),
        (
            "export.csv",
            "patient_id,icd10_code,onset_date\nP1,E11.9,2020-01-01\n",
        ),
    ]);
    for args in [
        vec!["timelog.csv", "consents.csv", "empty.csv"],
        vec!["export.csv", "--kind", "visits"],
    ] {
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let (code, text) = inspect_json(d.path(), &args);
        validate(
            &format!("inspect {}", args.join(" ")),
            code,
            &text,
            &mut bad,
        );
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    assert!(ok >= 100 && not_ok >= 3, "{ok} read, {not_ok} not read");
}

#[test]
fn schemas_the_examples_follow_their_schemas() {
    let mut bad = Vec::new();
    for (example, name) in [
        ("baseline.json", "baseline.schema.json"),
        ("manifest.json", "manifest.schema.json"),
    ] {
        let doc = read_json(&root().join("docs/schemas/examples").join(example));
        check(name, example, &doc, &mut bad);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}

/// `ccm audit --write-baseline FILE` writes a file of baseline.schema.json. Until the flag
/// exists (clap refuses it), there is nothing to validate: the schema is proven on its
/// example above.
#[test]
fn schemas_a_written_baseline_follows_its_schema() {
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("baseline.json");
    let r = ccm()
        .args(["audit", "fixtures/demo/timelog.csv", "--as-of", AS_OF])
        .args(["--fail-on", "never", "--quiet", "--write-baseline"])
        .arg(&file)
        .output()
        .expect("run ccm");
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("--write-baseline writes FILE");
    let mut bad = Vec::new();
    starts_with_version(&text, "baseline", &mut bad);
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    check("baseline.schema.json", "baseline", &doc, &mut bad);
    // The demo has findings: the waivers are not an empty list.
    assert!(
        doc["waivers"].as_array().is_some_and(|w| !w.is_empty()),
        "{text}"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}

/// Applies `change` to a copy of `doc`: the copy must break schema `name` (and `doc` must
/// not), else a complaint.
fn must_reject(
    name: &str,
    doc: &Value,
    what: &str,
    change: impl FnOnce(&mut Value),
) -> Option<String> {
    let mut d = doc.clone();
    change(&mut d);
    if d == *doc {
        return Some(format!("{name}: {what}: the change changed nothing"));
    }
    violations(name, &d)
        .is_empty()
        .then(|| format!("{name} accepts {what}"))
}

/// Item `i` of the list under `key`.
fn item<'a>(d: &'a mut Value, key: &str, i: usize) -> &'a mut Value {
    &mut d[key][i]
}

/// Renames key `from` of object `v` to `to`, keeping its value.
fn rename(v: &mut Value, from: &str, to: &str) {
    let o = v.as_object_mut().expect("an object");
    let x = o.remove(from).unwrap_or_else(|| panic!("no key {from}"));
    o.insert(to.to_string(), x);
}

#[test]
fn schemas_reject_a_renamed_or_mistyped_key() {
    // Real documents: the demo's findings.json in verify mode, and an inspect report.
    let r = ccm()
        .args(["audit", "fixtures/demo/timelog.csv", "--as-of", AS_OF])
        .args(["--claims", "fixtures/demo/claims/claims.csv"])
        .args(["--fail-on", "never", "--format", "json"])
        .output()
        .unwrap();
    let findings: Value = serde_json::from_slice(&r.stdout).unwrap();
    let summary = findings["summary"].clone();
    let r = ccm()
        .args(["inspect", "fixtures/demo/timelog.csv", "--format", "json"])
        .output()
        .unwrap();
    let inspect: Value = serde_json::from_slice(&r.stdout).unwrap();
    let dir = root().join("docs/schemas/examples");
    let baseline = read_json(&dir.join("baseline.json"));
    let manifest = read_json(&dir.join("manifest.json"));
    for (name, doc) in [
        ("findings.schema.json", &findings),
        ("summary.schema.json", &summary),
        ("inspect.schema.json", &inspect),
        ("baseline.schema.json", &baseline),
        ("manifest.schema.json", &manifest),
    ] {
        assert_eq!(violations(name, doc), Vec::<String>::new(), "{name}");
    }
    // The finding of a patient-month with an amount (a CN001 error).
    let at = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["amount"].is_string() && f["month"] != "")
        .expect("a finding with an amount");
    let mut wrong = Vec::new();
    let fd = "findings.schema.json";
    let mut reject = |name: &str, doc: &Value, what: &str, change: &dyn Fn(&mut Value)| {
        wrong.extend(must_reject(name, doc, what, change));
    };
    reject(fd, &findings, "a renamed key", &|d| {
        rename(item(d, "findings", at), "severity", "level")
    });
    reject(fd, &findings, "severity \"fatal\"", &|d| {
        item(d, "findings", at)["severity"] = json!("fatal")
    });
    reject(fd, &findings, "month \"2025-3\"", &|d| {
        item(d, "findings", at)["month"] = json!("2025-3")
    });
    reject(fd, &findings, "a missing key", &|d| {
        item(d, "findings", at)
            .as_object_mut()
            .unwrap()
            .remove("waived");
    });
    reject(fd, &findings, "an extra key", &|d| {
        item(d, "findings", at)["note"] = json!("")
    });
    reject(fd, &findings, "waived as a string", &|d| {
        item(d, "findings", at)["waived"] = json!("false")
    });
    reject(fd, &findings, "an upper-case fingerprint", &|d| {
        let up = item(d, "findings", at)["fingerprint"]
            .as_str()
            .unwrap()
            .to_uppercase();
        item(d, "findings", at)["fingerprint"] = json!(up);
    });
    reject(fd, &findings, "a short fingerprint", &|d| {
        item(d, "findings", at)["fingerprint"] = json!("abc123")
    });
    reject(fd, &findings, "amount as a number", &|d| {
        item(d, "findings", at)["amount"] = json!(60.49)
    });
    reject(fd, &findings, "amount with one decimal", &|d| {
        item(d, "findings", at)["amount"] = json!("60.5")
    });
    reject(fd, &findings, "minutes as a string", &|d| {
        item(d, "findings", at)["minutes"] = json!("30")
    });
    reject(fd, &findings, "line \"54,91\"", &|d| {
        item(d, "findings", at)["line"] = json!("54,91")
    });
    reject(fd, &findings, "code \"cn001\"", &|d| {
        item(d, "findings", at)["code"] = json!("cn001")
    });
    reject(fd, &findings, "program \"ccm\"", &|d| {
        item(d, "findings", at)["program"] = json!("ccm")
    });
    reject(fd, &findings, "schema_version 2", &|d| {
        d["schema_version"] = json!(2)
    });
    reject(fd, &findings, "no schema_version", &|d| {
        d.as_object_mut().unwrap().remove("schema_version");
    });
    // The embedded summary is checked by summary.schema.json, through the $ref.
    reject(fd, &findings, "a summary key renamed", &|d| {
        rename(&mut d["summary"], "months_open", "open_months")
    });
    let sm = "summary.schema.json";
    reject(sm, &summary, "mode \"audit\"", &|d| {
        d["mode"] = json!("audit")
    });
    reject(sm, &summary, "derive mode with verify keys", &|d| {
        d["mode"] = json!("derive")
    });
    reject(sm, &summary, "verify mode without claims_held", &|d| {
        d.as_object_mut().unwrap().remove("claims_held");
    });
    reject(sm, &summary, "policy \"lenient\"", &|d| {
        d["policy"] = json!("lenient")
    });
    reject(sm, &summary, "as_of \"2025-4-15\"", &|d| {
        d["as_of"] = json!("2025-4-15")
    });
    reject(sm, &summary, "a month \"2025-3\"", &|d| {
        d["months"][0] = json!("2025-3")
    });
    reject(sm, &summary, "money as a number", &|d| {
        d["expected_payment"] = json!(2598.1)
    });
    reject(sm, &summary, "a count as a string", &|d| {
        d["patients"] = json!("44")
    });
    reject(sm, &summary, "a by_month key renamed", &|d| {
        rename(&mut d["by_month"][0], "amount_unbilled", "unbilled")
    });
    reject(sm, &summary, "a severity missing", &|d| {
        d["findings_by_severity"]
            .as_object_mut()
            .unwrap()
            .remove("info");
    });
    reject(sm, &summary, "a severity \"fatal\"", &|d| {
        d["findings_by_severity"]["fatal"] = json!(1)
    });
    reject(sm, &summary, "a code \"consent\"", &|d| {
        d["findings_by_code"]["consent"] = json!(1)
    });
    reject(sm, &summary, "a file kind \"timesheet\"", &|d| {
        d["files"][0]["kind"] = json!("timesheet")
    });
    reject(sm, &summary, "read_as without notes", &|d| {
        d["files"][0]["read_as"]
            .as_object_mut()
            .unwrap()
            .remove("notes");
    });
    reject(sm, &summary, "a date order \"YMD\"", &|d| {
        d["files"][0]["read_as"]["date_order"] = json!("YMD")
    });
    let is = "inspect.schema.json";
    reject(is, &inspect, "a read file without its format", &|d| {
        d["files"][0].as_object_mut().unwrap().remove("format");
    });
    reject(is, &inspect, "a read file with an error", &|d| {
        d["files"][0]["error"] = json!("x")
    });
    reject(
        is,
        &inspect,
        "a file not read that says how it was read",
        &|d| {
            d["files"][0]["ok"] = json!(false);
            d["files"][0]["error"] = json!("cannot open");
        },
    );
    reject(is, &inspect, "a field from \"guess\"", &|d| {
        d["files"][0]["fields"][0]["from"] = json!("guess")
    });
    reject(is, &inspect, "a problem count 0", &|d| {
        d["files"][0]["problems"][0]["count"] = json!(0)
    });
    reject(is, &inspect, "a sample row of numbers", &|d| {
        d["files"][0]["sample"]["rows"][0][0] = json!(2)
    });
    let bl = "baseline.schema.json";
    reject(bl, &baseline, "expires \"2025-6-30\"", &|d| {
        item(d, "waivers", 1)["expires"] = json!("2025-6-30")
    });
    reject(bl, &baseline, "expires \"2025-02-30\"", &|d| {
        item(d, "waivers", 1)["expires"] = json!("2025-02-30")
    });
    reject(bl, &baseline, "a waiver without reason", &|d| {
        item(d, "waivers", 1)
            .as_object_mut()
            .unwrap()
            .remove("reason");
    });
    reject(bl, &baseline, "a renamed key", &|d| {
        rename(item(d, "waivers", 1), "patient_id", "patient")
    });
    reject(bl, &baseline, "month \"2025-3\"", &|d| {
        item(d, "waivers", 1)["month"] = json!("2025-3")
    });
    reject(bl, &baseline, "version 2", &|d| d["version"] = json!(2));
    reject(bl, &baseline, "an extra key", &|d| d["waived"] = json!([]));
    let mf = "manifest.schema.json";
    reject(mf, &manifest, "started_at without a zone", &|d| {
        d["started_at"] = json!("2025-04-15T09:30:12")
    });
    reject(mf, &manifest, "started_at with a space", &|d| {
        d["started_at"] = json!("2025-04-15 09:30:12Z")
    });
    reject(mf, &manifest, "a short digest", &|d| {
        d["inputs"][0]["sha256"] = json!("40195e08")
    });
    reject(mf, &manifest, "an input kind \"timesheet\"", &|d| {
        d["inputs"][0]["kind"] = json!("timesheet")
    });
    reject(mf, &manifest, "a size as a string", &|d| {
        d["outputs"][0]["size"] = json!("30518")
    });
    reject(mf, &manifest, "an output \"notes.txt\"", &|d| {
        d["outputs"][0]["name"] = json!("notes.txt")
    });
    reject(mf, &manifest, "a rules file renamed key", &|d| {
        rename(&mut d["rules"]["files"][0], "path", "file")
    });
    reject(mf, &manifest, "arguments not of audit", &|d| {
        d["arguments"][0] = json!("trace")
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// docs/schemas/ holds the listed schemas and no other, and its README names each.
#[test]
fn schemas_the_folder_holds_the_listed_ones_and_its_readme_names_them() {
    let dir = root().join("docs/schemas");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    found.sort();
    let mut want: Vec<String> = SCHEMAS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(found, want);
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for s in SCHEMAS {
        assert!(
            readme.contains(&format!("`{s}`")),
            "README.md does not name {s}"
        );
        // Each declares the draft and fixes schema_version.
        let v = schema(s);
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{s}"
        );
        assert_eq!(
            v["properties"]["schema_version"],
            json!({"const": 1}),
            "{s}"
        );
        assert!(
            v["required"]
                .as_array()
                .unwrap()
                .contains(&json!("schema_version")),
            "{s}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The lookback: run.json, `ccm extrapolate --format json`, refund.json.

/// One lookback document ccm wrote: what it is, its schema and its text.
struct LookbackDoc {
    what: &'static str,
    schema: &'static str,
    text: String,
}

impl LookbackDoc {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {}", self.what, self.text))
    }
}

/// Runs ccm in the repository's root: its stdout, or a panic with its stderr.
fn ccm_ok(args: &[&std::ffi::OsStr]) -> String {
    let r = ccm().args(args).output().expect("run ccm");
    assert_eq!(
        r.status.code(),
        Some(0),
        "ccm {args:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    String::from_utf8(r.stdout).expect("UTF-8")
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// The lookback run once on the bundled fixtures, every JSON document it wrote kept:
/// samples of `fixtures/lookback/frame.csv` (plain and by program) and of the demo's frame
/// (with the audit after `--`, and once with `--as-of` typed `04/15/2025`), the
/// appraisals of the filled reviews, and the refunds (a census, and each review with its
/// extrapolation and the sample's run.json beside it).
fn lookback_docs() -> &'static [LookbackDoc] {
    static DOCS: OnceLock<(tempfile::TempDir, Vec<LookbackDoc>)> = OnceLock::new();
    &DOCS
        .get_or_init(|| {
            let tmp = tempfile::tempdir().expect("tempdir");
            let t = tmp.path();
            let at = |p: &str| t.join(p).into_os_string();
            let mut docs = Vec::new();
            let mut keep = |what: &'static str, schema: &'static str, path: &Path| {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("{what}: cannot read {}: {e}", path.display()));
                docs.push(LookbackDoc { what, schema, text });
            };
            let frame = "fixtures/lookback/frame.csv";
            let demo_frame = "fixtures/demo/lookback/frame.csv";
            // Samples.
            ccm_ok(&[
                os("sample"),
                os(frame),
                os("--seed"),
                os("20250415.07"),
                os("--size"),
                os("12"),
                os("--spares"),
                os("3"),
                os("--out"),
                &at("plain"),
            ]);
            keep(
                "run.json, plain",
                "run.schema.json",
                &t.join("plain/run.json"),
            );
            ccm_ok(&[
                os("sample"),
                os(frame),
                os("--seed"),
                os("20250415.07"),
                os("--strata"),
                os("program"),
                os("--size"),
                os("6"),
                os("--spares"),
                os("2"),
                os("--out"),
                &at("strata"),
            ]);
            keep(
                "run.json, by program",
                "run.schema.json",
                &t.join("strata/run.json"),
            );
            let audit = [
                os("--"),
                os("fixtures/demo/timelog.csv"),
                os("--as-of"),
                os("2025-04-15"),
                os("--claims"),
                os(demo_frame),
            ];
            let mut a = vec![
                os("sample"),
                os(demo_frame),
                os("--size"),
                os("20"),
                os("--spares"),
                os("3"),
                os("--seed"),
                os("20250415.01"),
                os("--out"),
            ];
            let demo_out = at("demo");
            a.push(&demo_out);
            a.extend(audit);
            ccm_ok(&a);
            keep(
                "run.json, the demo with its audit",
                "run.schema.json",
                &t.join("demo/run.json"),
            );
            ccm_ok(&[
                os("sample"),
                os(demo_frame),
                os("--size"),
                os("2"),
                os("--seed"),
                os("1"),
                os("--out"),
                &at("us-date"),
                os("--"),
                os("fixtures/demo/timelog.csv"),
                os("--as-of"),
                os("04/15/2025"),
            ]);
            keep(
                "run.json, --as-of 04/15/2025",
                "run.schema.json",
                &t.join("us-date/run.json"),
            );
            // Appraisals, saved as a reviewer saves them for `ccm refund --extrapolated`.
            let mut extrapolate = |what: &'static str, name: &str, args: &[&str]| {
                let mut a = vec![os("extrapolate")];
                a.extend(args.iter().map(|s| os(s)));
                a.extend([os("--format"), os("json")]);
                let out = ccm_ok(&a);
                let path = t.join(name);
                std::fs::write(&path, &out).unwrap();
                keep(what, "extrapolation.schema.json", &path);
            };
            extrapolate(
                "extrapolate, unrestricted",
                "ext-plain.json",
                &["fixtures/lookback/review-filled.csv", "--frame-size", "60"],
            );
            extrapolate(
                "extrapolate, stratified",
                "ext-strata.json",
                &[
                    "fixtures/lookback/review-strata-filled.csv",
                    "--strata",
                    "program",
                    "--stratum-sizes",
                    "fixtures/lookback/stratum_sizes.csv",
                ],
            );
            // The reviewers' finished worksheets, each beside its sample's run.json.
            for (from, to) in [
                ("fixtures/demo/lookback/review.csv", "demo/review.csv"),
                ("fixtures/lookback/review-filled.csv", "plain/review.csv"),
                (
                    "fixtures/lookback/review-strata-filled.csv",
                    "strata/review.csv",
                ),
            ] {
                std::fs::copy(root().join(from), t.join(to)).unwrap();
            }
            let demo_review = t.join("demo/review.csv");
            extrapolate(
                "extrapolate, the demo",
                "demo/extrapolation.json",
                &[demo_review.to_str().unwrap(), "--frame-size", "47"],
            );
            let mut refund = |what: &'static str, review: &Path, ext: Option<&str>, out: &str| {
                let mut a = vec![
                    os("refund"),
                    review.as_os_str(),
                    os("--identified"),
                    os("2025-06-02"),
                ];
                let ext = ext.map(&at);
                if let Some(e) = &ext {
                    a.extend([os("--extrapolated"), e.as_os_str()]);
                }
                let out = t.join(out);
                a.extend([os("--out"), out.as_os_str()]);
                ccm_ok(&a);
                keep(what, "refund.schema.json", &out.join("refund.json"));
            };
            refund(
                "refund.json, a census",
                &root().join("fixtures/lookback/review-filled.csv"),
                None,
                "census",
            );
            refund(
                "refund.json, the demo extrapolated",
                &demo_review,
                Some("demo/extrapolation.json"),
                "demo",
            );
            refund(
                "refund.json, unrestricted",
                &t.join("plain/review.csv"),
                Some("ext-plain.json"),
                "plain-refund",
            );
            refund(
                "refund.json, stratified",
                &t.join("strata/review.csv"),
                Some("ext-strata.json"),
                "strata-refund",
            );
            (tmp, docs)
        })
        .1
}

/// The lookback document `what`.
fn lookback_doc(what: &str) -> Value {
    lookback_docs()
        .iter()
        .find(|d| d.what == what)
        .unwrap_or_else(|| panic!("no lookback document {what}"))
        .json()
}

#[test]
fn schemas_every_lookback_json_follows_its_schema() {
    let docs = lookback_docs();
    let mut bad = Vec::new();
    for d in docs {
        starts_with_version(&d.text, d.what, &mut bad);
        check(d.schema, d.what, &d.json(), &mut bad);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    let count = |schema: &str| docs.iter().filter(|d| d.schema == schema).count();
    assert_eq!(
        (
            count("run.schema.json"),
            count("extrapolation.schema.json"),
            count("refund.schema.json")
        ),
        (4, 3, 4)
    );
    // What the runs covered: the schemas' optional parts were each met.
    let demo = lookback_doc("run.json, the demo with its audit");
    assert_eq!(demo["audit"]["packets"], 23);
    assert_eq!(
        demo["outputs"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("evidence/"))
            .count(),
        46
    );
    assert_eq!(demo["items_proposed_by_ccm"], 20);
    let strata = lookback_doc("run.json, by program");
    assert!(strata["outputs"]["stratum_sizes.csv"].is_object());
    assert_eq!(lookback_doc("run.json, plain")["audit"], Value::Null);
    // --as-of is recorded as read, whatever way it was typed.
    assert_eq!(
        lookback_doc("run.json, --as-of 04/15/2025")["audit"]["as_of"],
        "2025-04-15"
    );
    let ext = lookback_doc("extrapolate, stratified");
    assert_eq!(ext["strata"].as_array().unwrap().len(), 2);
    assert_eq!(ext["total"]["df"], Value::Null);
    // refund read each extrapolation (it carries schema_version) and the run.json beside
    // the review (it carries schema_version too): seed and frame repeated from it.
    for (what, run) in [
        ("refund.json, the demo extrapolated", &demo),
        (
            "refund.json, unrestricted",
            &lookback_doc("run.json, plain"),
        ),
        ("refund.json, stratified", &strata),
    ] {
        let r = lookback_doc(what);
        assert!(r["refund"]["extrapolation"].is_object(), "{what}");
        assert_eq!(r["seed"], run["seed"], "{what}");
        assert_eq!(r["frame_sha256"], run["frame"]["sha256"], "{what}");
        assert_eq!(r["sample"]["frame"], run["frame"], "{what}");
        assert_eq!(r["sample"]["command"], run["command"], "{what}");
    }
    assert_eq!(
        lookback_doc("refund.json, stratified")["refund"]["extrapolation"]["design"],
        "stratified"
    );
    let census = lookback_doc("refund.json, a census");
    assert_eq!(census["sample"], Value::Null);
    assert_eq!(census["refund"]["extrapolation"], Value::Null);
    assert_eq!(
        lookback_doc("refund.json, the demo extrapolated")["refund"]["amount_to_refund"],
        "258.77"
    );
}

#[test]
fn schemas_lookback_reject_a_renamed_or_mistyped_key() {
    let run = lookback_doc("run.json, the demo with its audit");
    let plain = lookback_doc("run.json, plain");
    let strat = lookback_doc("extrapolate, stratified");
    let unres = lookback_doc("extrapolate, unrestricted");
    let refund = lookback_doc("refund.json, the demo extrapolated");
    let census = lookback_doc("refund.json, a census");
    let mut wrong = Vec::new();
    let mut reject = |name: &str, doc: &Value, what: &str, change: &dyn Fn(&mut Value)| {
        wrong.extend(must_reject(name, doc, what, change));
    };
    let rs = "run.schema.json";
    reject(rs, &run, "a renamed key", &|d| {
        rename(d, "seed", "random_seed")
    });
    reject(rs, &run, "size as a string", &|d| d["size"] = json!("20"));
    reject(rs, &run, "spares -1", &|d| d["spares"] = json!(-1));
    reject(rs, &run, "an upper-case frame digest", &|d| {
        let up = d["frame"]["sha256"].as_str().unwrap().to_uppercase();
        d["frame"]["sha256"] = json!(up);
    });
    reject(rs, &run, "a frame without rows", &|d| {
        d["frame"].as_object_mut().unwrap().remove("rows");
    });
    reject(rs, &run, "an output \"notes.txt\"", &|d| {
        d["outputs"]["notes.txt"] = json!({"sha256": "0".repeat(64)})
    });
    reject(rs, &run, "an output's digest short", &|d| {
        d["outputs"]["sample.csv"]["sha256"] = json!("40195e08")
    });
    reject(rs, &run, "the audit's as_of \"4/15/2025\"", &|d| {
        d["audit"]["as_of"] = json!("4/15/2025")
    });
    reject(rs, &run, "frame_is_claims_file as a string", &|d| {
        d["audit"]["frame_is_claims_file"] = json!("true")
    });
    reject(rs, &run, "another generator", &|d| {
        d["generator"] = json!("Mersenne Twister")
    });
    reject(rs, &run, "a command of audit", &|d| {
        d["command"][1] = json!("audit")
    });
    reject(rs, &run, "an extra key", &|d| d["note"] = json!(""));
    reject(rs, &run, "schema_version 2", &|d| {
        d["schema_version"] = json!(2)
    });
    reject(rs, &run, "no schema_version", &|d| {
        d.as_object_mut().unwrap().remove("schema_version");
    });
    reject(rs, &plain, "strata without stratum_sizes.csv", &|d| {
        d["strata"] = json!("program")
    });
    reject(rs, &plain, "packets without the audit", &|d| {
        d["outputs"]["evidence/01-P1-2025-03.json"] = json!({"sha256": "0".repeat(64)})
    });
    let ex = "extrapolation.schema.json";
    reject(ex, &strat, "a renamed key", &|d| {
        rename(&mut d["total"], "point_estimate", "estimate")
    });
    reject(ex, &strat, "the repayment as a number", &|d| {
        d["repayment"]["amount"] = json!(634.29)
    });
    reject(ex, &strat, "a negative repayment", &|d| {
        d["repayment"]["amount"] = json!("-1.00")
    });
    reject(ex, &strat, "a mean with one decimal", &|d| {
        d["strata"][0]["mean"] = json!("19.4")
    });
    reject(ex, &strat, "a percent with its sign", &|d| {
        d["strata"][0]["intervals"][0]["precision_percent"] = json!("95.54%")
    });
    reject(ex, &strat, "a stratified total with df", &|d| {
        d["total"]["df"] = json!(11)
    });
    reject(ex, &strat, "two intervals", &|d| {
        d["total"]["intervals"].as_array_mut().unwrap().pop();
    });
    reject(ex, &strat, "a level 85", &|d| {
        d["total"]["intervals"][1]["level"] = json!(85)
    });
    reject(ex, &strat, "a stratum without its name", &|d| {
        d["strata"][0].as_object_mut().unwrap().remove("stratum");
    });
    reject(ex, &strat, "a stratum named in the total", &|d| {
        d["total"]["stratum"] = json!("CCM")
    });
    reject(ex, &strat, "design unrestricted with strata", &|d| {
        d["design"] = json!("unrestricted")
    });
    reject(ex, &strat, "universe as a string", &|d| {
        d["strata"][1]["universe"] = json!("20")
    });
    reject(ex, &unres, "an unrestricted total without df", &|d| {
        d["total"]["df"] = Value::Null
    });
    reject(ex, &unres, "z-values unstratified", &|d| {
        d["total"]["factor_kind"] = json!("z")
    });
    reject(ex, &unres, "an extra key", &|d| {
        d["total"]["median"] = json!("0.00")
    });
    reject(ex, &unres, "no schema_version", &|d| {
        d.as_object_mut().unwrap().remove("schema_version");
    });
    let rf = "refund.schema.json";
    reject(rf, &refund, "a renamed key", &|d| {
        rename(&mut d["refund"], "amount_to_refund", "amount")
    });
    reject(rf, &refund, "deadline \"2025-8-1\"", &|d| {
        d["refund"]["deadline"] = json!("2025-8-1")
    });
    reject(rf, &refund, "identified \"2025-02-30\"", &|d| {
        d["refund"]["identified"] = json!("2025-02-30")
    });
    reject(rf, &refund, "a count as a string", &|d| {
        d["refund"]["items_overpaid"] = json!("4")
    });
    reject(rf, &refund, "the amount as a number", &|d| {
        d["refund"]["amount_to_refund"] = json!(227.38)
    });
    reject(rf, &refund, "a missing column \"MBI\"", &|d| {
        d["refund"]["columns_missing"] = json!(["MBI"])
    });
    reject(rf, &refund, "a design \"cluster\"", &|d| {
        d["refund"]["extrapolation"]["design"] = json!("cluster")
    });
    reject(rf, &refund, "a census basis with an extrapolation", &|d| {
        d["refund"]["basis"] = census["refund"]["basis"].clone()
    });
    reject(rf, &refund, "no seed beside a sample", &|d| {
        d["seed"] = Value::Null
    });
    reject(
        rf,
        &refund,
        "no extrapolation file for an extrapolation",
        &|d| d["extrapolated"] = Value::Null,
    );
    reject(rf, &refund, "a short review digest", &|d| {
        d["review"]["sha256"] = json!("abc")
    });
    reject(rf, &refund, "the columns reordered", &|d| {
        d["columns"].as_array_mut().unwrap().swap(0, 1)
    });
    reject(rf, &refund, "an output \"refund.txt\"", &|d| {
        d["outputs"]["refund.txt"] = json!({"sha256": "0".repeat(64)})
    });
    reject(rf, &refund, "a sample's command of audit", &|d| {
        d["sample"]["command"][1] = json!("audit")
    });
    reject(rf, &refund, "schema_version 2", &|d| {
        d["schema_version"] = json!(2)
    });
    reject(rf, &census, "a seed without a sample", &|d| {
        d["seed"] = json!("1")
    });
    reject(rf, &census, "an extrapolation without its file", &|d| {
        d["refund"]["extrapolation"] = refund["refund"]["extrapolation"].clone()
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `ccm refund --extrapolated FILE` reads the extrapolation's `schema_version`: version 1
/// and a file written before the key existed are read, another version and a design it
/// does not know are refused.
#[test]
fn schemas_refund_checks_the_extrapolations_version() {
    let ext = lookback_doc("extrapolate, unrestricted");
    let tmp = tempfile::tempdir().expect("tempdir");
    let review = root().join("fixtures/lookback/review-filled.csv");
    let try_with = |name: &str, doc: &Value| {
        let path = tmp.path().join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
        ccm()
            .arg("refund")
            .arg(&review)
            .args(["--identified", "2025-06-02", "--extrapolated"])
            .arg(&path)
            .arg("--out")
            .arg(tmp.path().join(name))
            .output()
            .expect("run ccm")
    };
    let r = try_with("v1", &ext);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut old = ext.clone();
    old.as_object_mut().unwrap().remove("schema_version");
    let r = try_with("unversioned", &old);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    for (name, change) in [
        ("v2", ("schema_version", json!(2))),
        ("v1-string", ("schema_version", json!("1"))),
        ("cluster", ("design", json!("cluster"))),
    ] {
        let mut d = ext.clone();
        d[change.0] = change.1;
        let r = try_with(name, &d);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(change.0), "{name}: {stderr}");
        assert!(!tmp.path().join(name).exists(), "{name}: wrote");
    }
}
