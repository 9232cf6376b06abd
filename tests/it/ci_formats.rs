//! `ccm audit --format sarif` and `--format junit`: each validated against the schema stored
//! in docs/schemas/external/ (SARIF with the jsonschema crate, JUnit with the test-side XSD
//! checker in `xsd.rs`), and held to findings.json: one result per finding with its rule,
//! level, fingerprint and place; one test case per patient-month and NPI, failing exactly
//! where a finding at or above `--fail-on` says so. Each validator is shown to reject a
//! broken document, so neither can pass by accepting everything.

use super::common::{ccm, folder, root};
use super::xsd::{Node, Schema};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const SARIF_SCHEMA: &str = "docs/schemas/external/sarif-schema-2.1.0.json";
const JUNIT_XSD: &str = "docs/schemas/external/junit-10.xsd";

/// The demo's three runs: derive, verify (a claims file) and mid-month (open months).
const RUNS: [&[&str]; 3] = [
    &[
        "audit",
        "fixtures/demo/timelog.csv",
        "--as-of",
        "2025-04-15",
    ],
    &[
        "audit",
        "fixtures/demo/timelog.csv",
        "--as-of",
        "2025-04-15",
        "--claims",
        "fixtures/demo/claims/claims.csv",
    ],
    &[
        "audit",
        "fixtures/demo/timelog.csv",
        "--as-of",
        "2025-03-24",
    ],
];

/// Runs ccm in the repository root: exit code and stdout.
fn run(args: &[&str]) -> (i32, String) {
    let out = ccm().args(args).output().expect("run ccm");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
    )
}

fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    args.iter().chain(extra).copied().collect()
}

/// findings.json (`--format json`) of the same run: summary and findings.
fn findings_json(args: &[&str]) -> Value {
    let (_, out) = run(&with(args, &["--format", "json", "--fail-on", "never"]));
    serde_json::from_str(&out).expect("findings JSON")
}

/// The stored schema, compiled twice: as it declares itself (draft-04) and read as draft-07,
/// the same keywords, but `format: uri-reference` (artifactLocation.uri) is a format only
/// from draft-06 on: draft-04 would skip it. Formats are checked in both.
fn sarif_validators() -> &'static [jsonschema::Validator; 2] {
    static V: OnceLock<[jsonschema::Validator; 2]> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(root().join(SARIF_SCHEMA)).unwrap();
        let schema: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        [
            jsonschema::draft4::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles"),
            jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles as draft-07"),
        ]
    })
}

fn sarif_errors(doc: &Value) -> Vec<String> {
    sarif_validators()
        .iter()
        .flat_map(|v| v.iter_errors(doc))
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn junit_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| Schema::load(&std::fs::read_to_string(root().join(JUNIT_XSD)).unwrap()))
}

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        "info" => "note",
        other => panic!("severity {other}"),
    }
}

#[test]
fn sarif_is_valid_and_has_one_result_per_finding_with_its_rule_fingerprint_and_place() {
    let catalogue: Vec<&str> = ccm::checks::registry().map(|c| c.code).collect();
    for args in RUNS {
        let (code, out) = run(&with(args, &["--format", "sarif"]));
        let expected = findings_json(args);
        let findings = expected["findings"].as_array().unwrap();
        // The exit code is --fail-on's, as for every format (the demo has errors).
        assert_eq!(code, 1, "{args:?}");
        let log: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        let errs = sarif_errors(&log);
        assert!(
            errs.is_empty(),
            "{args:?}: invalid SARIF:\n{}",
            errs.join("\n")
        );
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"].as_array().unwrap().len(), 1);
        let run0 = &log["runs"][0];
        let driver = &run0["tool"]["driver"];
        assert_eq!(driver["name"], "ccm");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids, catalogue,
            "the rules are the whole catalogue, in its order"
        );
        for r in rules {
            let c = ccm::checks::lookup(r["id"].as_str().unwrap()).unwrap();
            assert_eq!(r["name"], c.name);
            assert_eq!(r["fullDescription"]["text"], c.what);
            let help = r["help"]["text"].as_str().unwrap();
            for part in [c.what, c.why, c.example, c.source, c.fix] {
                assert!(help.contains(part), "{}: help lacks {part:?}", c.code);
            }
            assert_eq!(
                r["defaultConfiguration"]["level"],
                level(c.severity.as_str())
            );
        }
        let results = run0["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            findings.len(),
            "{args:?}: one result per finding"
        );
        assert!(!results.is_empty());
        for (r, f) in results.iter().zip(findings) {
            let rule = r["ruleId"].as_str().unwrap();
            assert_eq!(rule, f["code"]);
            assert_eq!(ids[r["ruleIndex"].as_u64().unwrap() as usize], rule);
            assert_eq!(r["level"], level(f["severity"].as_str().unwrap()));
            assert_eq!(r["message"]["text"], f["message"]);
            assert_eq!(r["partialFingerprints"]["ccm/v1"], f["fingerprint"]);
            let p = &r["properties"];
            for k in [
                "patient_id",
                "month",
                "billing_npi",
                "program",
                "minutes",
                "amount",
            ] {
                assert_eq!(p[k], f[k], "{k}");
            }
            assert_eq!(p["waived"], f["waived"]);
            assert_eq!(r.get("suppressions").is_some(), f["waived"] == true);
            let lines: Vec<String> = p["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.to_string())
                .collect();
            assert_eq!(lines.join(";"), f["line"].as_str().unwrap());
            let file = f["file"].as_str().unwrap();
            if file.is_empty() {
                assert!(r.get("locations").is_none(), "{r}");
            } else {
                let loc = &r["locations"][0]["physicalLocation"];
                assert_eq!(
                    loc["artifactLocation"]["uri"], file,
                    "plain names stay as given"
                );
                let i = loc["artifactLocation"]["index"].as_u64().unwrap() as usize;
                assert_eq!(run0["artifacts"][i]["location"]["uri"], file);
                match lines.first() {
                    Some(l) => assert_eq!(loc["region"]["startLine"].to_string(), *l),
                    None => assert!(loc.get("region").is_none()),
                }
            }
        }
        // Deterministic: the same run, the same bytes.
        assert_eq!(run(&with(args, &["--format", "sarif"])).1, out, "{args:?}");
    }
}

#[test]
fn the_sarif_validator_rejects_broken_logs() {
    let (_, out) = run(&with(RUNS[0], &["--format", "sarif"]));
    let good: Value = serde_json::from_str(&out).unwrap();
    assert!(sarif_errors(&good).is_empty());
    type Break = fn(&mut Value);
    let broken: [(&str, Break); 7] = [
        ("a result without message", |v| {
            v.pointer_mut("/runs/0/results/0")
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
        ("level info (SARIF says note)", |v| {
            *v.pointer_mut("/runs/0/results/0/level").unwrap() = json!("info");
        }),
        ("a URI with a space", |v| {
            *v.pointer_mut("/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri")
                .unwrap() = json!("my file.csv");
        }),
        ("line 0", |v| {
            *v.pointer_mut("/runs/0/results/0/locations/0/physicalLocation/region/startLine")
                .unwrap() = json!(0);
        }),
        ("an unknown property of the log", |v| {
            v.as_object_mut().unwrap().insert("extra".into(), json!(1));
        }),
        ("version 2.0.0", |v| {
            v["version"] = json!("2.0.0");
        }),
        ("a $schema that is no URI", |v| {
            v["$schema"] = json!("not a uri");
        }),
    ];
    for (what, f) in broken {
        let mut v = good.clone();
        f(&mut v);
        assert!(!sarif_errors(&v).is_empty(), "accepted: {what}");
    }
}

#[test]
fn sarif_file_names_are_uri_references() {
    // A time log in a folder whose name has a space and a non-ASCII letter.
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("my exports é");
    std::fs::create_dir(&sub).unwrap();
    for f in [
        "timelog.csv",
        "consents.csv",
        "diagnoses.csv",
        "enrolments.csv",
    ] {
        std::fs::copy(root().join("fixtures/demo").join(f), sub.join(f)).unwrap();
    }
    let log = sub.join("timelog.csv");
    let out = ccm()
        .arg("audit")
        .arg(&log)
        .args(["--as-of", "2025-04-15", "--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errs = sarif_errors(&v);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let uris: Vec<&str> = v["runs"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"]["uri"].as_str().unwrap())
        .collect();
    let want = format!("{}/timelog.csv", log.parent().unwrap().display())
        .replace(' ', "%20")
        .replace('é', "%C3%A9");
    assert!(uris.contains(&want.as_str()), "{uris:?}");
}

/// A test case's name split back: patient, month, NPI (the program, if named, dropped).
fn case_key(name: &str) -> (String, String, String) {
    let (pm, npi) = name
        .split_once(" NPI ")
        .expect("<patient> <month> NPI <npi>");
    let (p, m) = pm.rsplit_once(' ').unwrap();
    let npi = npi.split(' ').next().unwrap_or("");
    (p.to_string(), m.to_string(), npi.to_string())
}

fn attr_num(n: &Node, a: &str) -> usize {
    n.attr(a)
        .unwrap_or_else(|| panic!("<{}> has no {a}", n.name))
        .parse()
        .unwrap()
}

/// Checks `--format junit` at one --fail-on against findings.json; the failing cases.
fn check_junit(args: &[&str], fail_on: &str) -> Vec<String> {
    let (_, out) = run(&with(args, &["--format", "junit", "--fail-on", fail_on]));
    let doc = junit_schema()
        .validate(&out)
        .unwrap_or_else(|e| panic!("{args:?}: invalid JUnit:\n{}\n{out}", e.join("\n")));
    assert_eq!(doc.name, "testsuites");
    let expected = findings_json(args);
    let s = &expected["summary"];
    let outcomes: usize = [
        "months_clean",
        "months_blocked",
        "months_below_threshold",
        "months_open",
    ]
    .iter()
    .map(|k| s[k].as_u64().unwrap() as usize)
    .sum();
    let mut cases = Vec::new();
    doc.all("testcase", &mut cases);
    let (run_wide, per_month): (Vec<&Node>, Vec<&Node>) = cases
        .iter()
        .partition(|c| c.attr("name") == Some("run-wide findings"));
    assert_eq!(per_month.len(), outcomes, "one case per outcome");
    assert!(run_wide.len() <= 1);
    let counts = |sev: &str| match fail_on {
        "error" => sev == "error",
        "warning" => sev != "info",
        "info" => true,
        _ => false,
    };
    // Each finding to the cases of its patient-month (NPI equal, or none named); the
    // others to the run-wide case.
    let keys: Vec<_> = per_month
        .iter()
        .map(|c| case_key(c.attr("name").unwrap()))
        .collect();
    let mut held: BTreeMap<usize, Vec<&Value>> = BTreeMap::new();
    let mut loose = Vec::new();
    for f in expected["findings"].as_array().unwrap() {
        let (p, m, n) = (
            &f["patient_id"],
            &f["month"],
            f["billing_npi"].as_str().unwrap(),
        );
        let mut placed = false;
        for (i, k) in keys.iter().enumerate() {
            if *p == k.0.as_str() && *m == k.1.as_str() && (n.is_empty() || n == k.2) {
                held.entry(i).or_default().push(f);
                placed = true;
            }
        }
        if !placed {
            loose.push(f);
        }
    }
    assert_eq!(run_wide.len(), usize::from(!loose.is_empty()), "{args:?}");
    let failing = |fs: &[&Value]| -> Vec<String> {
        fs.iter()
            .filter(|f| counts(f["severity"].as_str().unwrap()) && f["waived"] == false)
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    let mut failed = Vec::new();
    let mut check_case = |c: &Node, fs: &[&Value]| {
        let mut want = failing(fs);
        let failure: Vec<&Node> = c.children.iter().filter(|k| k.name == "failure").collect();
        if want.is_empty() {
            assert!(failure.is_empty(), "{:?} fails", c.attr("name"));
            return;
        }
        assert_eq!(failure.len(), 1, "{:?}", c.attr("name"));
        let msg = format!("{} finding(s)", want.len());
        assert_eq!(failure[0].attr("message"), Some(msg.as_str()));
        assert_eq!(failure[0].text.lines().count(), want.len());
        want.sort();
        want.dedup();
        assert_eq!(failure[0].attr("type"), Some(want.join(",").as_str()));
        failed.push(c.attr("name").unwrap().to_string());
    };
    for (i, c) in per_month.iter().enumerate() {
        check_case(c, held.get(&i).map(Vec::as_slice).unwrap_or(&[]));
    }
    if let Some(c) = run_wide.first() {
        check_case(c, &loose);
    }
    // The counts: each suite's and the whole's.
    let mut suites = Vec::new();
    doc.all("testsuite", &mut suites);
    let mut total = (0, 0);
    for s in &suites {
        let kids: Vec<&Node> = s.children.iter().filter(|c| c.name == "testcase").collect();
        let fails = kids
            .iter()
            .filter(|c| c.children.iter().any(|k| k.name == "failure"));
        assert_eq!(attr_num(s, "tests"), kids.len());
        assert_eq!(attr_num(s, "failures"), fails.count());
        assert_eq!(attr_num(s, "errors"), 0);
        assert_eq!(attr_num(s, "skipped"), 0);
        for c in kids {
            assert_eq!(
                c.attr("classname"),
                s.attr("name"),
                "a case's class is its suite"
            );
        }
        total.0 += attr_num(s, "tests");
        total.1 += attr_num(s, "failures");
    }
    assert_eq!((attr_num(&doc, "tests"), attr_num(&doc, "failures")), total);
    assert_eq!(total.1, failed.len());
    // Deterministic: the same run, the same bytes.
    assert_eq!(
        run(&with(args, &["--format", "junit", "--fail-on", fail_on])).1,
        out
    );
    failed
}

#[test]
fn junit_is_valid_with_one_case_per_outcome_failing_where_the_findings_say() {
    for args in RUNS {
        let at_error = check_junit(args, "error");
        assert!(!at_error.is_empty(), "{args:?}: the demo has errors");
        let at_warning = check_junit(args, "warning");
        assert!(at_warning.len() > at_error.len(), "{args:?}");
        assert!(at_error.iter().all(|c| at_warning.contains(c)));
        assert!(
            check_junit(args, "never").is_empty(),
            "{args:?}: --fail-on never"
        );
    }
    // The demo's named cases: P0018 has no consent (CN001, an error); P0016's repeated
    // row (IN003) is a warning: passing at error, failing at warning.
    let (_, out) = run(&with(RUNS[0], &["--format", "junit"]));
    let doc = junit_schema().validate(&out).unwrap();
    let mut cases = Vec::new();
    doc.all("testcase", &mut cases);
    let case = |name: &str| *cases.iter().find(|c| c.attr("name") == Some(name)).unwrap();
    let p18 = case("P0018 2025-03 NPI 1628315479");
    assert_eq!(p18.children[0].name, "failure");
    assert_eq!(p18.children[0].attr("type"), Some("CN001"));
    assert!(
        p18.children[0]
            .text
            .contains("fixtures/demo/timelog.csv:54;91")
    );
    let p16 = case("P0016 2025-03 NPI 1753064827");
    assert_eq!(p16.children.len(), 1);
    assert_eq!(p16.children[0].name, "system-out");
    assert!(p16.children[0].text.starts_with("IN003 warning: "));
}

#[test]
fn junit_escapes_what_the_export_holds() {
    // A patient id with markup characters; a file name with markup and a control
    // character (which ccm names as `\u{1}` everywhere, so no raw control reaches the XML).
    let timelog = "patient_id,service_date,minutes,staff_id,staff_role,program,billing_npi\n\
                   \"A<&\"\"'>1\",2025-03-03,25,S1,RN,CCM,1234567893\n\
                   \"A<&\"\"'>1\",2025-03-40,25,S1,RN,CCM,1234567893\n";
    let d = folder(&[
        ("time&<log\u{1}.csv", timelog),
        (
            "consents.csv",
            "patient_id,consent_date,program\n\"A<&\"\"'>1\",2024-01-01,CCM\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date\n\"A<&\"\"'>1\",I10,2020-01-01\n",
        ),
    ]);
    let out = ccm()
        .arg("audit")
        .arg(d.path().join("time&<log\u{1}.csv"))
        .args(["--as-of", "2025-04-15", "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = junit_schema()
        .validate(&xml)
        .unwrap_or_else(|e| panic!("{}\n{xml}", e.join("\n")));
    let mut cases = Vec::new();
    doc.all("testcase", &mut cases);
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attr("name")).collect();
    assert!(
        names.contains(&"A<&\"'>1 2025-03 NPI 1234567893"),
        "{names:?}"
    );
    let mut failures = Vec::new();
    doc.all("failure", &mut failures);
    assert!(
        failures
            .iter()
            .any(|f| f.text.contains(r"time&<log\u{1}.csv:3")),
        "{xml}"
    );
    let sarif = ccm()
        .arg("audit")
        .arg(d.path().join("time&<log\u{1}.csv"))
        .args(["--as-of", "2025-04-15", "--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let errs = sarif_errors(&v);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let uri = v["runs"][0]["artifacts"][0]["location"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("/time&%3Clog%5Cu%7B1%7D.csv"), "{uri}");
}

#[test]
fn the_junit_checker_rejects_broken_documents() {
    let s = junit_schema();
    let ok = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="1" errors="0" time="0">
  <testsuite name="s" tests="1" failures="1" errors="0" time="1,234.5">
    <testcase name="a" classname="c" time="0"><failure message="m" type="T">x &amp; y</failure><system-out>o</system-out></testcase>
  </testsuite>
</testsuites>"#;
    assert!(s.validate(ok).is_ok(), "{:?}", s.validate(ok).err());
    let broken = [
        ("a testcase without name", ok.replace(r#"name="a" "#, "")),
        (
            "an unknown element",
            ok.replace("<system-out>o</system-out>", "<foo/>"),
        ),
        (
            "an unknown attribute",
            ok.replace(r#"classname="c""#, r#"klass="c""#),
        ),
        (
            "a suite without tests",
            ok.replace(r#"name="s" tests="1""#, r#"name="s""#),
        ),
        (
            "a time that is no SUREFIRE_TIME",
            ok.replace("1,234.5", "1.5s"),
        ),
        (
            "a testcase outside a suite",
            ok.replace("<testsuite name", "<testcase name"),
        ),
        (
            "text where only elements go",
            ok.replace("</testsuite>", "stray</testsuite>"),
        ),
        ("a child inside a failure", ok.replace("x &amp; y", "<b/>")),
        ("children of simple content", ok.replace(">o<", "><b/><")),
        (
            "an attribute on simple content",
            ok.replace("<system-out>", r#"<system-out a="1">"#),
        ),
        ("an unescaped &", ok.replace("&amp;", "&")),
        (
            "a character XML 1.0 forbids",
            ok.replace("x &amp;", "x &#1;"),
        ),
        ("a raw control character", ok.replace("x &amp;", "x \u{1}")),
        ("an unclosed element", ok.replace("</testsuites>", "")),
        (
            "a mismatched end tag",
            ok.replace("</testsuite>", "</testsuit>"),
        ),
        ("another root", ok.replace("testsuites", "results")),
    ];
    for (what, doc) in &broken {
        assert!(s.validate(doc).is_err(), "accepted: {what}\n{doc}");
    }
    // The content model's order and counts: properties and cases in any order in a suite,
    // several failures in a case, and no more than one stackTrace in a rerunFailure.
    let case = |inner: &str| {
        format!(
            r#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><properties><property name="k" value="v"/></properties><testcase name="a">{inner}</testcase><properties/></testsuite></testsuites>"#
        )
    };
    assert!(s.validate(&case("<failure/><failure/><skipped/>")).is_ok());
    assert!(
        s.validate(&case(
            r#"<rerunFailure type="t"><stackTrace>x</stackTrace></rerunFailure>"#
        ))
        .is_ok()
    );
    assert!(
        s.validate(&case(
            r#"<rerunFailure type="t"><stackTrace>x</stackTrace><stackTrace>y</stackTrace></rerunFailure>"#
        ))
        .is_err()
    );
    assert!(
        s.validate(&case(
            r#"<rerunFailure type="t"><system-err/><stackTrace>x</stackTrace></rerunFailure>"#
        ))
        .is_err(),
        "sequence order"
    );
    assert!(
        s.validate(&case("<rerunFailure/>")).is_err(),
        "type is required"
    );
}

#[test]
fn the_xsd_checker_refuses_schemas_it_does_not_understand() {
    let schema = |body: &str| {
        format!(r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{body}</xs:schema>"#)
    };
    let ununderstood = [
        r#"<xs:element name="a" type="xs:QName"/>"#,
        r#"<xs:element name="a"/>"#,
        r#"<xs:element name="a"><xs:complexType><xs:all><xs:element name="b" type="xs:string"/></xs:all></xs:complexType></xs:element>"#,
        r#"<xs:element name="a"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:element name="a"><xs:complexType><xs:anyAttribute/></xs:complexType></xs:element>"#,
        r#"<xs:element name="a"><xs:complexType><xs:simpleContent/></xs:complexType></xs:element>"#,
        r#"<xs:element name="a"><xs:complexType><xs:attribute name="b" type="xs:string" default="x"/></xs:complexType></xs:element>"#,
        r#"<xs:element name="a" type="xs:string" nillable="true"/>"#,
        r#"<xs:element name="a" type="t"/><xs:simpleType name="t"><xs:restriction base="xs:string"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>"#,
        r#"<xs:element name="a" type="t"/><xs:simpleType name="t"><xs:restriction base="xs:string"><xs:pattern value="\i\c*"/></xs:restriction></xs:simpleType>"#,
        r#"<xs:element name="a" type="t"/><xs:simpleType name="t"><xs:list itemType="xs:int"/></xs:simpleType>"#,
        r#"<xs:element name="a" type="missing"/>"#,
        r#"<xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b"/></xs:sequence></xs:complexType></xs:element>"#,
        r#"<xs:group name="g"/>"#,
        r#"<xs:import namespace="urn:x"/>"#,
    ];
    for body in ununderstood {
        let xsd = schema(body);
        let r = std::panic::catch_unwind(|| Schema::load(&xsd));
        assert!(r.is_err(), "loaded a schema it cannot judge: {body}");
    }
    let targeted =
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"/>"#;
    assert!(std::panic::catch_unwind(|| Schema::load(targeted)).is_err());
    // The types it does read are checked.
    let typed = schema(
        r#"<xs:element name="a"><xs:complexType><xs:attribute name="i" type="xs:int" use="required"/><xs:attribute name="d" type="xs:decimal"/><xs:attribute name="t" type="xs:dateTime"/></xs:complexType></xs:element>"#,
    );
    let s = Schema::load(&typed);
    assert!(
        s.validate(r#"<a i="-3" d="1.50" t="2025-03-01T10:00:00Z"/>"#)
            .is_ok()
    );
    assert!(s.validate(r#"<a i="1.5"/>"#).is_err());
    assert!(s.validate(r#"<a i="99999999999"/>"#).is_err());
    assert!(s.validate(r#"<a i="1" d="1,5"/>"#).is_err());
    assert!(s.validate(r#"<a i="1" t="2025-03-01"/>"#).is_err());
    assert!(s.validate(r#"<a/>"#).is_err());
}
