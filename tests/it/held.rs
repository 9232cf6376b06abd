//! held_claims.csv and worklist.csv against the rest of the run: one held row per blocked
//! outcome (derive) or held claim line (verify), each with its reasons, where to fix and
//! what to do; the worklist of a month still open, its next blocks from the rules.

use crate::common::{ccm, root};
use ccm::rules::{Ruleset, TimeKind};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

type Row = BTreeMap<String, String>;

/// Runs `ccm audit ARGS --out DIR` (table on stdout) and returns the table, the rows of
/// held_claims.csv, worklist.csv and findings.csv, and summary.json.
fn run(args: &[&str], out: &Path) -> (String, Vec<Row>, Vec<Row>, Vec<Row>, serde_json::Value) {
    let o = ccm()
        .arg("audit")
        .args(args)
        .args(["--fail-on", "never", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = |name: &str| -> Vec<Row> {
        let mut r = csv::Reader::from_path(out.join(name)).unwrap();
        let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        r.records()
            .map(|rec| {
                let rec = rec.unwrap();
                head.iter()
                    .cloned()
                    .zip(rec.iter().map(String::from))
                    .collect()
            })
            .collect()
    };
    let summary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (
        String::from_utf8(o.stdout).unwrap(),
        rows("held_claims.csv"),
        rows("worklist.csv"),
        rows("findings.csv"),
        summary,
    )
}

fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not an amount: {s:?}"))
}

/// A held row's reasons are exactly the errors that hold it (`CODE name`), and there is one.
fn assert_reasons(r: &Row, why: &[&Row]) {
    assert!(!why.is_empty(), "no error holds {r:?}");
    let want: BTreeSet<String> = why
        .iter()
        .map(|f| format!("{} {}", f["code"], f["name"]))
        .collect();
    let got: BTreeSet<String> = r["reasons"].split("; ").map(String::from).collect();
    assert_eq!(got, want, "{r:?}");
}

/// The findings.csv rows that hold a patient-month and NPI: errors, not row-level (IN),
/// of that NPI or of none, of that program or of none.
fn holding<'a>(findings: &'a [Row], r: &Row, program: bool) -> Vec<&'a Row> {
    findings
        .iter()
        .filter(|f| {
            f["severity"] == "error"
                && !f["code"].starts_with("IN")
                && f["patient_id"] == r["patient_id"]
                && f["month"] == r["month"]
                && (f["billing_npi"].is_empty() || f["billing_npi"] == r["billing_npi"])
                && (!program || f["program"].is_empty() || f["program"] == r["program"])
        })
        .collect()
}

/// `file:l1,l2; file:l3` from the findings.
fn places(fs: &[&Row]) -> String {
    let mut by_file: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for f in fs.iter().filter(|f| !f["file"].is_empty()) {
        if !order.contains(&f["file"].as_str()) {
            order.push(&f["file"]);
        }
        let lines = by_file.entry(&f["file"]).or_default();
        lines.extend(f["line"].split(';').filter_map(|l| l.parse::<u64>().ok()));
    }
    // Files in input order: the time log first, then the companions, then the claims.
    let rank = |f: &str| {
        [
            "timelog",
            "consents",
            "diagnoses",
            "enrolments",
            "careplans",
            "visits",
            "claims",
        ]
        .iter()
        .position(|k| f.contains(k))
        .unwrap_or(99)
    };
    order.sort_by_key(|f| rank(f));
    order
        .iter()
        .map(|f| {
            let lines: Vec<String> = by_file[f].iter().map(u64::to_string).collect();
            if lines.is_empty() {
                f.to_string()
            } else {
                format!("{f}:{}", lines.join(","))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a `CODE name; CODE name` list is in catalogue order (`ccm rules`), each once.
fn in_catalogue_order(list: &str) -> bool {
    let at: Vec<usize> = list
        .split("; ")
        .filter(|c| !c.is_empty())
        .map(|c| {
            ccm::checks::registry()
                .position(|r| r.code == &c[..5])
                .expect("a check of the catalogue")
        })
        .collect();
    at.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn derive_held_claims_are_the_blocked_outcomes_with_reasons_and_places() {
    let tmp = tempfile::tempdir().unwrap();
    let (table, held, work, findings, summary) = run(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-04-15"],
        tmp.path(),
    );
    assert_eq!(
        held.len() as u64,
        summary["months_blocked"].as_u64().unwrap()
    );
    assert!(held.len() >= 10, "the demo blocks many months");
    assert!(work.is_empty(), "no month is open on 2025-04-15");
    let mut total = Decimal::ZERO;
    for r in &held {
        let why = holding(&findings, r, true);
        assert_reasons(r, &why);
        assert!(in_catalogue_order(&r["reasons"]), "{r:?}");
        assert!(in_catalogue_order(&r["other_findings"]), "{r:?}");
        assert_eq!(r["fix_at"], places(&why), "{r:?}");
        // What to do: each reason's fix text, first sentence, as `ccm explain` says it.
        for code in r["reasons"].split("; ").map(|c| &c[..5]) {
            let fix = ccm::checks::lookup(code).unwrap().fix;
            let first = fix.split(". ").next().unwrap().trim_end_matches('.');
            assert!(
                r["what_to_do"].contains(&format!("{code}: {first}")),
                "{code} in {r:?}"
            );
        }
        assert_eq!(r["claim_line"], "");
        // An amount only where the evidence supports lines: never a bare 0.00.
        if r["codes"].is_empty() {
            assert_eq!(r["amount_held"], "", "{r:?}");
        } else {
            assert_eq!(r["codes"].split(';').count(), r["units"].split(';').count());
            let a = money(&r["amount_held"]);
            assert!(a > Decimal::ZERO, "{r:?}");
            total += a;
        }
    }
    assert_eq!(
        total,
        money(summary["amount_blocked"].as_str().unwrap()),
        "the held amounts add up to the amount blocked"
    );
    // Biggest first, then by patient, month and NPI.
    let key = |r: &Row| {
        (
            std::cmp::Reverse(money(if r["amount_held"].is_empty() {
                "0"
            } else {
                &r["amount_held"]
            })),
            r["patient_id"].clone(),
            r["month"].clone(),
            r["billing_npi"].clone(),
        )
    };
    assert!(held.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "order");
    // A revoked consent leaves no countable minute: held, with nothing supported.
    let p20 = held.iter().find(|r| r["patient_id"] == "P0020").unwrap();
    assert_eq!(
        (p20["codes"].as_str(), p20["amount_held"].as_str()),
        ("", "")
    );
    assert!(p20["reasons"].starts_with("CN003 consent-revoked"));
    // The terminal says how many it shows of how many, and points at the file.
    let n = held.len();
    assert!(
        table.contains(&format!("top patient-months at risk: 10 of {n} blocked")),
        "{table}"
    );
    assert!(
        table.contains(&format!("... and {} more in held_claims.csv", n - 10)),
        "{table}"
    );
    assert!(
        table.contains("timelog.csv:54 +3"),
        "file:line column: {table}"
    );
    assert!(
        table.contains("Obtain the patient's consent"),
        "what to do: {table}"
    );
    assert!(
        !table.contains("worklist of"),
        "no worklist table without an open month"
    );
}

#[test]
fn without_a_consents_file_every_held_row_says_so() {
    // A run-wide error (no consents file) holds every month: each row names it.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    std::fs::create_dir(&d).unwrap();
    for e in std::fs::read_dir(root().join("fixtures/demo")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() && p.file_name().unwrap() != "consents.csv" {
            std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
        }
    }
    let log = d.join("timelog.csv");
    let (_, held, _, _, summary) = run(
        &[log.to_str().unwrap(), "--as-of", "2025-04-15"],
        &tmp.path().join("out"),
    );
    assert_eq!(
        held.len() as u64,
        summary["months_blocked"].as_u64().unwrap()
    );
    assert!(held.len() > 30);
    assert!(
        held.iter()
            .all(|r| r["reasons"].contains("CN001 missing-consent")),
        "{held:?}"
    );
}

#[test]
fn verify_held_claims_are_the_held_lines_and_add_up_to_the_amount_at_risk() {
    let tmp = tempfile::tempdir().unwrap();
    let claims = "fixtures/demo/claims/claims.csv";
    let (table, held, _, findings, summary) = run(
        &[
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
            "--claims",
            claims,
        ],
        tmp.path(),
    );
    assert_eq!(
        held.len() as u64,
        summary["claim_lines_held"].as_u64().unwrap()
    );
    let total: Decimal = held
        .iter()
        .filter(|r| !r["amount_held"].is_empty())
        .map(|r| money(&r["amount_held"]))
        .sum();
    assert_eq!(total, money(summary["amount_at_risk"].as_str().unwrap()));
    // Each row is one line of the claims file, none of them going out.
    let out = std::fs::read_to_string(tmp.path().join("clean_claims.csv")).unwrap();
    let src = std::fs::read_to_string(root().join(claims)).unwrap();
    let src: Vec<&str> = src.lines().collect();
    let mut seen = BTreeSet::new();
    for r in &held {
        let (file, line) = r["claim_line"].rsplit_once(':').unwrap();
        assert_eq!(file, claims);
        let line: usize = line.parse().unwrap();
        assert!(seen.insert(line), "line {line} twice");
        let text = src[line - 1];
        assert!(!out.lines().any(|l| l == text), "line {line} goes out");
        let f: Vec<&str> = text.split(',').collect();
        assert_eq!(
            (f[0], f[2], f[3], f[4]),
            (
                r["patient_id"].as_str(),
                r["codes"].as_str(),
                r["units"].as_str(),
                r["billing_npi"].as_str()
            )
        );
        // The claim goes out whole or not at all: every error of its patient-month and NPI.
        let why = holding(&findings, r, false);
        assert_reasons(r, &why);
        assert!(!r["what_to_do"].is_empty());
    }
    // The claims of the table: one per patient-month and NPI.
    let claims_held = summary["claims_held"].as_u64().unwrap();
    assert!(
        table.contains(&format!("top claims held: 10 of {claims_held} held")),
        "{table}"
    );
}

#[test]
fn mid_month_worklist_lists_every_open_month_closest_to_paying_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (table, _, work, findings, summary) = run(
        &["fixtures/demo/timelog.csv", "--as-of", "2025-03-24"],
        tmp.path(),
    );
    // Every outcome of March (the one month, open on the 24th), whatever its status.
    let outcomes = crate::common::outcomes(&summary);
    assert_eq!(work.len() as u64, outcomes);
    assert!(work.len() > 20);
    let rules = Ruleset::embedded(ccm::checks::lookup).unwrap();
    let yr = rules.year(2025);
    for r in &work {
        assert_eq!(r["month"], "2025-03");
        assert_eq!(r["days_left"], "7", "the 25th to the 31st");
        let blocking = holding(&findings, r, true);
        assert_eq!(r["blocking"].is_empty(), blocking.is_empty(), "{r:?}");
        if r["next_code"].is_empty() {
            continue;
        }
        // The block is the rules' own: a base threshold, or the next add-on unit under
        // its cap, counted in the family's minutes.
        let code = yr.code(&r["next_code"]).expect("a code of the rules");
        assert_eq!(code.program, r["program"]);
        let base = if code.is_addon {
            yr.code(&code.addon_to).unwrap()
        } else {
            code
        };
        let have: u32 = match base.time {
            TimeKind::Practitioner => r["practitioner_minutes"].parse().unwrap(),
            _ => r["minutes"].parse().unwrap(),
        };
        assert_eq!(
            r["next_time"],
            if base.time == TimeKind::Practitioner {
                "practitioner"
            } else {
                "staff"
            }
        );
        let units: u32 = r["next_units"].parse().unwrap();
        let target = if code.is_addon {
            assert!(units >= 1 && units <= code.unit_cap, "{r:?}");
            base.threshold + units * code.increment
        } else {
            assert_eq!(units, 1);
            base.threshold
        };
        let to_go: u32 = r["minutes_to_next"].parse().unwrap();
        assert_eq!(have + to_go, target, "{r:?}");
        assert!(
            money(&r["supported_at_next"]) > money(&r["supported_now"]),
            "{r:?}"
        );
        // A month short of every threshold: the minutes TM001 says are still needed.
        if r["status"] == "below-threshold" {
            let tm001 = findings
                .iter()
                .find(|f| {
                    f["code"] == "TM001"
                        && f["patient_id"] == r["patient_id"]
                        && f["billing_npi"] == r["billing_npi"]
                })
                .expect("TM001 on a month below threshold");
            assert!(
                tm001["message"].contains(&format!("{to_go} more needed for {}", r["next_code"])),
                "{r:?} vs {tm001:?}"
            );
        }
    }
    // Nothing holds the first rows; then the fewest minutes to go; then the patient.
    let key = |r: &Row| {
        (
            !r["blocking"].is_empty(),
            r["minutes_to_next"].parse::<u32>().unwrap_or(u32::MAX),
            r["patient_id"].clone(),
            r["billing_npi"].clone(),
        )
    };
    assert!(work.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "order");
    assert!(work.iter().any(|r| r["status"] == "below-threshold"));
    assert!(work.iter().any(|r| !r["blocking"].is_empty()));
    // RV002 (near-next-block) says the same block where it fired (on the demo the
    // nearest block always pays more).
    for f in findings.iter().filter(|f| f["code"] == "RV002") {
        let r = work
            .iter()
            .find(|r| r["patient_id"] == f["patient_id"] && r["billing_npi"] == f["billing_npi"])
            .unwrap();
        assert!(
            f["message"].contains(&format!(
                "{} more reach {}",
                r["minutes_to_next"], r["next_code"]
            )),
            "{r:?} vs {f:?}"
        );
    }
    let n = work.len();
    assert!(
        table.contains(&format!(
            "worklist of the months open on 2025-03-24: 10 of {n}"
        )),
        "{table}"
    );
    assert!(table.contains(&format!("... and {} more in worklist.csv", n - 10)));
}

#[test]
fn a_claim_line_no_check_verifies_is_said_to_be_not_audited_whatever_table_it_is_in() {
    // 99457 and 99470 are in ccm's code table (program RPM), but verify mode checks only
    // CCM and PCM lines against the evidence: each RPM code is CD007, naming RPM and its
    // lines, never passed as if it had been checked. The CCM lines get no CD007.
    let dir = crate::common::root().join("fixtures/rules/CD008/fires");
    let (_, json, err) = crate::common::audit_json(&dir, &crate::common::args_of(&dir));
    let cd007: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "CD007")
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["line"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(cd007.len(), 2, "{cd007:?} {err}");
    for (code, line) in [("99457", "4"), ("99470", "5")] {
        assert!(
            cd007.iter().any(
                |(m, l)| m.starts_with(&format!("{code} is in ccm's tables as RPM")) && l == line
            ),
            "{code}: {cd007:?}"
        );
    }
    assert!(
        !cd007
            .iter()
            .any(|(m, _)| m.starts_with("99490") || m.starts_with("99439"))
    );
}

#[test]
fn another_programs_claim_line_is_evidence_that_holds_the_ccm_claim_beside_it() {
    // Issue 22 item 3: a claims file's APCM (G0557) or ESRD (90960) line is evidence of
    // that program in its month, read by the clash checks as an enrolment would be. By
    // the CCM claim's own NPI, the CCM claim is held and its money is at risk; in another
    // month, or (ESRD) by another practitioner, the CCM claim goes out.
    for (case, code, held) in [
        ("OV003/claims-fires", "OV003", true),
        ("OV003/claims-clean", "OV003", false),
        ("OV004/claims-fires", "OV004", true),
        ("OV004/claims-clean", "OV004", false),
    ] {
        let dir = crate::common::root().join("fixtures/rules").join(case);
        let (exit, json, err) = crate::common::audit_json(&dir, &crate::common::args_of(&dir));
        assert_eq!(exit, 0, "{case}: {err}");
        let s = &json["summary"];
        assert_eq!(s["mode"], "verify", "{case}");
        let fired = crate::common::lines_of(&json, code);
        if held {
            assert_eq!(
                fired,
                ["3"],
                "{case}: the clash cites the claims file's line"
            );
            assert_eq!(s["claims_held"], 1, "{case}");
            assert_eq!(s["amount_at_risk"], s["claimed"], "{case}");
            assert_eq!(s["claims_going_out"], 0, "{case}");
        } else {
            assert!(fired.is_empty(), "{case}: {fired:?}");
            assert_eq!(s["amount_at_risk"], "0.00", "{case}");
            assert!(s["claims_going_out"].as_u64().unwrap() >= 1, "{case}");
        }
    }
}

#[test]
fn a_pcm_month_beside_apcm_by_the_same_practitioner_is_held_in_derive_mode_too() {
    // Red-team case d-pcm-apcm-enrol-same: APCM bundles PCM 99424-99427 (CY2025 PFS final
    // rule, 89 FR 97896-97). Before, OV003 was checked for CCM months only and 99424 was
    // proposed clean beside an APCM enrolment of the same NPI.
    let dir = crate::common::folder(&[
        (
            "timelog.csv",
            "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n\
             P2,2025-03-05,20,09:00,09:20,S01,MD,PCM,1234567893,care coordination,Adjusted insulin titration plan with patient and endocrinology\n\
             P2,2025-03-12,15,10:00,10:15,S01,MD,PCM,1234567893,medication management,Reviewed glucose log; changed basal dose\n",
        ),
        (
            "consents.csv",
            "patient_id,consent_date,program,method,billing_npi,revoked_date\nP2,2024-05-14,PCM,verbal,1234567893,\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date,resolved_date,description,status\nP2,E11.65,2016-11-30,,Diabetes with hyperglycemia,Active\n",
        ),
        (
            "enrolments.csv",
            "patient_id,program,start_date,end_date,billing_npi,icd10_code\nP2,APCM,2025-01-01,,1234567893,E11.65\n",
        ),
    ]);
    let (_, json, err) = crate::common::audit_json(dir.path(), &[]);
    let s = &json["summary"];
    assert_eq!(crate::common::lines_of(&json, "OV003"), ["2"], "{err}");
    assert_eq!(s["months_clean"], 0);
    assert_eq!(s["months_blocked"], 1);
    assert_eq!(s["amount_blocked"], "80.87");
    // By another practitioner it is the warning CCM gets, and 99424 is proposed.
    crate::common::put(
        dir.path(),
        "enrolments.csv",
        "patient_id,program,start_date,end_date,billing_npi,icd10_code\nP2,APCM,2025-01-01,,1628315479,E11.65\n",
    );
    let (_, json, _) = crate::common::audit_json(dir.path(), &[]);
    assert_eq!(json["summary"]["months_clean"], 1);
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "OV003" && f["severity"] == "warning")
    );
}
