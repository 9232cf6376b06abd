//! `ccm explain` examples are true: an example that names a patient (`P0012`) names one the
//! check really fires for, in one of the demo's three runs (derive, verify with its claims
//! file, mid-month) or in one of the check's own fixture cases. An example that drifts from
//! the behaviour (a patient who is clean in the demo) fails here.

use crate::common::{RULE_CASES, args_of, audit_json, root};
use std::collections::BTreeSet;

/// The (patient, check code) pairs of a run's findings.
fn pairs(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["patient_id"].as_str().unwrap_or("").to_string(),
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The patient ids an example names: `P` and four digits.
fn patients(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len() {
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if word_start
            && b[i] == b'P'
            && b.len() >= i + 5
            && b[i + 1..i + 5].iter().all(u8::is_ascii_digit)
            && b.get(i + 5).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            out.push(text[i..i + 5].to_string());
        }
    }
    out
}

#[test]
fn every_example_that_names_a_patient_is_what_ccm_finds() {
    let demo = root().join("fixtures/demo");
    let claims = demo.join("claims/claims.csv").display().to_string();
    let mut seen = BTreeSet::new();
    for extra in [
        vec![],
        vec!["--claims".to_string(), claims],
        vec!["--as-of".to_string(), "2025-03-24".to_string()],
    ] {
        let (_, json, stderr) = audit_json(&demo, &extra);
        assert!(json.is_object(), "{stderr}");
        seen.extend(pairs(&json));
    }
    let mut wrong = Vec::new();
    let mut checked = 0;
    for c in ccm::checks::registry() {
        let named = patients(c.example);
        if named.is_empty() {
            continue;
        }
        let mut mine: BTreeSet<(String, String)> = seen.clone();
        for case in RULE_CASES {
            let dir = root().join("fixtures/rules").join(c.code).join(case);
            if dir.is_dir() {
                let (_, json, _) = audit_json(&dir, &args_of(&dir));
                mine.extend(pairs(&json));
            }
        }
        for p in named {
            checked += 1;
            if !mine.contains(&(p.clone(), c.code.to_string())) {
                wrong.push(format!(
                    "{}: its example names {p}, for whom neither the demo nor its fixtures fire {}",
                    c.code, c.code
                ));
            }
        }
    }
    assert!(checked >= 10, "only {checked} examples name a patient");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn patient_ids_are_read_from_the_example_text() {
    assert_eq!(
        patients("P0012 has 35 minutes; (P0003) and xP0004 and P00051"),
        ["P0012", "P0003"]
    );
}
