//! Every check has a fixture folder that fires it and a twin that must not
//! (`fixtures/rules/<CODE>/fires|clean`, optional `strict` with an `args` file).

use crate::common::{args_of, audit_json, codes, root};

fn check_case(code: &str, case: &str) {
    let dir = root().join("fixtures/rules").join(code).join(case);
    assert!(dir.is_dir(), "missing fixture {}", dir.display());
    let (exit, json, stderr) = audit_json(&dir, &args_of(&dir));
    assert_eq!(exit, 0, "{code}/{case}: ccm failed: {stderr}");
    let found = codes(&json);
    let fired: Vec<&(String, String)> = found.iter().filter(|(c, _)| c == code).collect();
    match case {
        "clean" | "claims-clean" => assert!(
            fired.is_empty(),
            "{code}/{case} must not fire {code}: {found:?}"
        ),
        _ => {
            assert!(
                !fired.is_empty(),
                "{code}/{case} must fire {code}: {found:?}"
            );
            let want = ccm::checks::lookup(code).unwrap().severity.as_str();
            if case == "strict" {
                assert!(
                    fired.iter().all(|(_, s)| s == "error"),
                    "{code}/strict: {fired:?}"
                );
            } else if !code.starts_with("OV00") || code == "OV001" {
                assert!(
                    fired.iter().any(|(_, s)| s == want),
                    "{code}/{case}: severity {fired:?}"
                );
            }
        }
    }
}

#[test]
fn every_check_has_a_firing_and_a_clean_fixture() {
    for c in ccm::checks::registry() {
        let dir = root().join("fixtures/rules").join(c.code);
        assert!(
            dir.join("fires").is_dir(),
            "{}: no fixtures/rules/{}/fires",
            c.code,
            c.code
        );
        assert!(
            dir.join("clean").is_dir(),
            "{}: no fixtures/rules/{}/clean",
            c.code,
            c.code
        );
    }
}

#[test]
fn rule_fixtures_fire_and_twins_do_not() {
    for c in ccm::checks::registry() {
        for case in crate::common::RULE_CASES {
            let dir = root().join("fixtures/rules").join(c.code).join(case);
            if dir.is_dir() {
                check_case(c.code, case);
            }
        }
    }
}

#[test]
fn clean_twins_bill_something() {
    // The clean twins are meant to be billable months: most must yield claim lines.
    let mut billed = 0;
    let mut total = 0;
    for c in ccm::checks::registry() {
        let dir = root().join("fixtures/rules").join(c.code).join("clean");
        let (_, json, _) = audit_json(&dir, &args_of(&dir));
        total += 1;
        if json["summary"]["clean_claim_lines"].as_u64().unwrap_or(0) > 0 {
            billed += 1;
        }
    }
    assert!(
        billed * 10 >= total * 7,
        "only {billed} of {total} clean twins bill"
    );
}

#[test]
fn demo_month_fires_every_check() {
    // Three runs of the demo: derive, verify (with its claims file), and mid-month.
    let demo = root().join("fixtures/demo");
    let (exit, json, stderr) = audit_json(&demo, &[]);
    assert_eq!(exit, 0, "{stderr}");
    let mut found = codes(&json);
    let claims = demo.join("claims/claims.csv").display().to_string();
    let (exit, verify, stderr) = audit_json(&demo, &["--claims".into(), claims]);
    assert_eq!(exit, 0, "{stderr}");
    found.extend(codes(&verify));
    let (exit, mid, stderr) = audit_json(&demo, &["--as-of".into(), "2025-03-24".into()]);
    assert_eq!(exit, 0, "{stderr}");
    found.extend(codes(&mid));
    // The demo is a tidy export in ccm's own shape; what only messy exports show (ids
    // that lost their zeros in Excel, footer rows, open timers, statuses) fires in the
    // rule fixtures and fixtures/exports instead. CD008's pairs are CY2026 codes (99470,
    // 99445); the demo is March 2025, so it fires in its rule fixture only. CN005 needs a
    // patient's CCM in two audited months under different NPIs; the demo is one month (and
    // P0001's February in fixtures/multi/ keeps its NPI), so it fires in its rule fixture only.
    // EL007 needs a month whose fiscal year has no ICD-10-CM set in the rules; FY2025 has
    // one, so it too fires in its rule fixture only.
    // TM007 needs several practitioners under one NPI with no performer NPI; the demo's
    // practitioner months each have one practitioner, so it fires in its rule fixture only.
    // IN010 needs a time log with an unread status-like column; the demo's columns are all
    // read, so it fires in its rule fixture and the blind export shapes only.
    // CD009 needs a line past its filing deadline on the as-of date (the demo is audited as
    // of 2025-04-15, two weeks after its month); CD010 a code dated outside its life (the
    // demo claims 2025 CCM codes): both fire in their rule fixtures only.
    // CN006 and CN007 need a consents file with status words; the demo's has none. CD011
    // needs one beneficiary's CCM on two practitioners' claims; the demo's claims file has
    // each patient-month under one NPI. DV001 and DV002 judge RPM device lines (99454 …);
    // the demo claims none and has no readings file. CN008 needs a death recorded as a
    // status word in the consents file; the demo's has none.
    const EXPORT_SHAPE: &[&str] = &[
        "IN006", "IN007", "IN008", "IN010", "CD008", "CN005", "EL007", "TM007", "CD009", "CD010",
        "CN006", "CN007", "CN008", "CD011", "CD012", "CD013", "DV001", "DV002",
    ];
    for c in ccm::checks::registry() {
        assert_eq!(
            found.iter().any(|(code, _)| code == c.code),
            !EXPORT_SHAPE.contains(&c.code),
            "demo fires {} (or does not when it should)",
            c.code
        );
    }
    // Most patients bill cleanly.
    let s = &json["summary"];
    let clean = s["months_clean"].as_u64().unwrap();
    let pm = s["patient_months"].as_u64().unwrap();
    assert!(clean * 2 > pm, "{clean} of {pm} clean");
}

#[test]
fn messy_exports_give_the_same_claims_as_clean_ones() {
    for case in ["bom_crlf", "renamed_headers", "excel_dates", "blank_rows"] {
        let dir = root().join("fixtures/bad").join(case);
        let (exit, json, stderr) = audit_json(&dir, &[]);
        assert_eq!(exit, 0, "{case}: {stderr}");
        let s = &json["summary"];
        assert_eq!(s["clean_claim_lines"], 4, "{case}: {s}");
        assert_eq!(s["expected_payment"], "227.40", "{case}: {s}");
        let found = codes(&json);
        if case == "blank_rows" {
            let f = json["findings"].as_array().unwrap();
            assert_eq!(found, vec![("IN001".to_string(), "error".to_string())]);
            assert_eq!(f[0]["line"], "9", "physical line, blank lines counted");
        } else {
            assert!(found.is_empty(), "{case}: {found:?}");
        }
    }
    let dir = root().join("fixtures/bad/missing_column");
    let (exit, _, stderr) = audit_json(&dir, &[]);
    assert_eq!(exit, 2);
    assert!(
        stderr.contains("staff_role") && stderr.contains("headers seen"),
        "{stderr}"
    );
}

#[test]
fn demo_claims_match_what_each_patient_was_written_to_show() {
    // fixtures/demo/EXPECTED.md: | patient | NPI | intended | min | lines | expected $ | why |
    let expected = std::fs::read_to_string(root().join("fixtures/demo/EXPECTED.md")).unwrap();
    let d = tempfile::tempdir().unwrap();
    crate::common::ccm()
        .args([
            "audit",
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
            "--quiet",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(d.path())
        .assert()
        .code(0);
    let claims = std::fs::read_to_string(d.path().join("clean_claims.csv")).unwrap();
    let mut paid: std::collections::HashMap<String, rust_decimal::Decimal> = Default::default();
    for line in claims.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        *paid.entry(cells[0].to_string()).or_default() +=
            cells[11].parse::<rust_decimal::Decimal>().unwrap();
    }
    let mut checked = 0;
    for row in expected.lines().filter(|l| l.starts_with("| P0")) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let want: rust_decimal::Decimal = cells[5].parse().unwrap();
        let got = paid.get(cells[0]).copied().unwrap_or_default();
        assert_eq!(got, want, "{}: {}", cells[0], cells[6]);
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} patients in EXPECTED.md");
}

#[test]
fn ov001_names_each_npis_counted_time_log_lines() {
    // fixtures/rules/OV001/fires: 1234567893 has lines 2 and 4 (15 + 10 min), 1628315479
    // lines 3 and 5 (12 + 8 min); each NPI's finding names its own rows.
    let dir = root().join("fixtures/rules/OV001/fires");
    let (exit, json, stderr) = audit_json(&dir, &[]);
    assert_eq!(exit, 0, "{stderr}");
    let timelog = dir.join("timelog.csv").display().to_string();
    let got: Vec<(String, String, String, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "OV001")
        .map(|f| {
            (
                f["billing_npi"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_str().unwrap().to_string(),
                f["minutes"].as_u64().unwrap(),
                f["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "1234567893".to_string(),
                timelog.clone(),
                "2;4".to_string(),
                25,
                "60.49".to_string()
            ),
            (
                "1628315479".to_string(),
                timelog,
                "3;5".to_string(),
                20,
                "60.49".to_string()
            ),
        ]
    );
}
