//! The command-line contract: exit codes, files in --out, errors, safety of what is written.

use crate::common::{
    audit_json, audit_logs_json, audit_to, ccm, codes, folder, lines_of, put, root,
    table_agrees_with_summary,
};

const NPI_A: &str = "1234567893";
const NPI_B: &str = "1245319599";

const TIMELOG_HEADER: &str = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n";

fn good_case(timelog_rows: &str) -> tempfile::TempDir {
    folder(&[
        ("timelog.csv", &format!("{TIMELOG_HEADER}{timelog_rows}")),
        (
            "consents.csv",
            "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2025-01-10,CCM,verbal,,\nP2,2025-01-10,CCM,written,,\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date,resolved_date,description\nP1,I10,,,\nP1,E11.9,,,\nP2,I10,,,\nP2,J44.9,,,\n",
        ),
        (
            "enrolments.csv",
            "patient_id,program,start_date,end_date,billing_npi,icd10_code\n",
        ),
    ])
}

fn rows_for(patient: &str, minutes: &[u32], npi: &str) -> String {
    minutes
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{patient},2025-03-{:02},{m},,,S1,RN,CCM,{npi},call,reviewed meds\n",
                i + 3
            )
        })
        .collect()
}

#[test]
fn demo_exit_codes_follow_fail_on() {
    let demo = root().join("fixtures/demo/timelog.csv");
    let run = |fail_on: &str| {
        ccm()
            .args(["audit"])
            .arg(&demo)
            .args(["--as-of", "2025-04-15", "--quiet", "--fail-on", fail_on])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("error"), Some(1));
    assert_eq!(run("never"), Some(0));
    // A month with only clean patients passes the default gate.
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args(["--as-of", "2025-04-15", "--quiet"])
        .assert()
        .code(0);
    // --fail-on info trips on the OV005/TM001-style info findings: here none exist.
    ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args(["--as-of", "2025-04-15", "--quiet", "--fail-on", "info"])
        .assert()
        .code(0);
}

#[test]
fn out_dir_gets_six_files_with_the_spec_columns_and_is_deterministic() {
    let d = good_case(&format!(
        "{}{}",
        rows_for("P1", &[20, 25], NPI_A),
        rows_for("P2", &[10], NPI_B)
    ));
    let out = d.path().join("out");
    let run = || {
        ccm()
            .arg("audit")
            .arg(d.path().join("timelog.csv"))
            .args(["--as-of", "2025-04-15", "--quiet", "--out"])
            .arg(&out)
            .assert()
            .code(0);
        crate::common::out_set(&out)
    };
    let first = run();
    let second = run();
    assert_eq!(
        first, second,
        "two runs must be byte-identical (but started_at)"
    );
    let claims = String::from_utf8(first[0].clone()).unwrap();
    let mut lines = claims.lines();
    assert_eq!(
        lines.next().unwrap(),
        "patient_id,billing_npi,month,date_of_service,hcpcs,units,dx1,dx2,dx3,dx4,minutes,expected_payment,fee_basis"
    );
    // 45 minutes: 99490 then 99439 x1, dated month end, chronic dx with the dot, in code order.
    assert_eq!(
        lines.next().unwrap(),
        "P1,1234567893,2025-03,2025-03-31,99490,1,E11.9,I10,,,45,60.49,CY2025"
    );
    assert_eq!(
        lines.next().unwrap(),
        "P1,1234567893,2025-03,2025-03-31,99439,1,E11.9,I10,,,45,45.93,CY2025"
    );
    assert_eq!(lines.next(), None, "P2 is below threshold");
    let findings = String::from_utf8(first[1].clone()).unwrap();
    assert_eq!(
        findings.lines().next().unwrap(),
        "code,name,severity,patient_id,month,billing_npi,program,file,line,message,minutes,amount,fingerprint,waived"
    );
    assert!(findings.contains("TM001,below-threshold,info,P2,2025-03"));
    let summary: serde_json::Value = serde_json::from_slice(&first[5]).unwrap();
    assert_eq!(summary["expected_payment"], "106.42");
    assert_eq!(summary["clean_claim_lines"], 2);
    let fj: serde_json::Value = serde_json::from_slice(&first[2]).unwrap();
    assert!(fj["summary"].is_object() && fj["findings"].is_array());
    // Nothing is held, no month is open: both lists are their header alone.
    let held = String::from_utf8(first[3].clone()).unwrap();
    assert_eq!(held, format!("{}\n", ccm::report::HELD_COLUMNS.join(",")));
    let work = String::from_utf8(first[6].clone()).unwrap();
    assert_eq!(
        work,
        format!("{}\n", ccm::report::WORKLIST_COLUMNS.join(","))
    );
    // Nothing but the set's files is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "clean_claims.csv",
            "findings.csv",
            "findings.json",
            "held_claims.csv",
            "manifest.json",
            "summary.json",
            "worklist.csv"
        ]
    );
}

#[test]
fn reconciliation_adds_up_on_the_demo() {
    let (_, json, _) = audit_json(&root().join("fixtures/demo"), &[]);
    let files = json["summary"]["files"].as_array().unwrap();
    assert!(files.len() >= 4);
    for f in files {
        let read = f["rows_read"].as_u64().unwrap();
        let counted = f["rows_counted"].as_u64().unwrap();
        let excluded = f["rows_excluded"].as_u64().unwrap();
        let by_reason: u64 = f["excluded_by_reason"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(read, counted + excluded, "{f}");
        assert_eq!(excluded, by_reason, "{f}");
    }
}

#[test]
fn missing_timelog_is_one_line_exit_2_and_nothing_written() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let o = ccm()
        .args(["audit", "no/such/timelog.csv", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ccm: cannot read no/such/timelog.csv"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn named_companion_missing_or_directory_is_exit_2() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let tl = d.path().join("timelog.csv");
    let o = ccm()
        .arg("audit")
        .arg(&tl)
        .args(["--consents", "nope.csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.csv"));
    let o = ccm()
        .arg("audit")
        .arg(&tl)
        .arg("--diagnoses")
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("directory"));
}

#[test]
fn missing_required_column_names_it_and_the_headers_seen() {
    let d = folder(&[(
        "timelog.csv",
        "patient_id,service_date,minutes,staff_id,billing_npi\nP1,2025-03-03,20,S1,1234567893\n",
    )]);
    let o = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("staff_role") && err.contains("headers seen: patient_id"),
        "{err}"
    );
}

#[test]
fn out_naming_an_existing_file_is_exit_2_and_leaves_it_untouched() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let f = d.path().join("report.txt");
    std::fs::write(&f, "keep me").unwrap();
    let o = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .arg("--out")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "keep me");
}

#[test]
fn without_consents_no_claim_is_clean_and_it_is_said_once() {
    let d = folder(&[
        (
            "timelog.csv",
            &format!(
                "{TIMELOG_HEADER}{}{}",
                rows_for("P1", &[25], NPI_A),
                rows_for("P2", &[25], NPI_A)
            ),
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code\nP1,I10\nP1,E119\nP2,I10\nP2,E119\n",
        ),
    ]);
    let (_, json, _) = audit_json(d.path(), &[]);
    let cn001: Vec<_> = codes(&json)
        .into_iter()
        .filter(|(c, _)| c == "CN001")
        .collect();
    assert_eq!(cn001.len(), 1, "said once, not per patient");
    assert_eq!(json["summary"]["clean_claim_lines"], 0);
    assert_eq!(json["summary"]["months_blocked"], 2);
}

#[test]
fn csv_cells_cannot_run_as_formulas_and_ids_keep_leading_zeros() {
    let d = folder(&[
        (
            "timelog.csv",
            &format!(
                "{TIMELOG_HEADER}=HYPERLINK(\"x\"),2025-03-03,25,,,S1,RN,CCM,{NPI_A},,n\n00042,2025-03-03,25,,,S1,RN,CCM,{NPI_A},,n\n"
            ),
        ),
        (
            "consents.csv",
            "patient_id,consent_date\n00042,2025-01-01\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code\n00042,I10\n00042,E119\n",
        ),
    ]);
    let out = d.path().join("out");
    ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args([
            "--as-of",
            "2025-04-15",
            "--quiet",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0);
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(
        findings.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "{findings}"
    );
    let claims = std::fs::read_to_string(out.join("clean_claims.csv")).unwrap();
    assert!(claims.contains("\n00042,1234567893,2025-03"), "{claims}");
}

#[test]
fn bad_rows_are_excluded_with_file_and_line_and_good_rows_still_count() {
    // CRLF, a BOM, a blank line, a short row, a bad date, a bad NPI.
    let text = format!(
        "\u{feff}{}P1,2025-03-03,25,,,S1,RN,CCM,{NPI_A},,n\r\n\r\nP1,2025-03-04,5,RN\r\nP1,2025-02-30,5,,,S1,RN,CCM,{NPI_A},,n\r\nP1,2025-03-05,5,,,S1,RN,CCM,1234567890,,n\r\n",
        TIMELOG_HEADER.replace('\n', "\r\n")
    );
    let d = folder(&[
        ("timelog.csv", &text),
        ("consents.csv", "patient_id,consent_date\nP1,2025-01-01\n"),
        ("diagnoses.csv", "patient_id,icd10_code\nP1,I10\nP1,E119\n"),
    ]);
    let (_, json, _) = audit_json(d.path(), &[]);
    let f = json["findings"].as_array().unwrap();
    let at = |code: &str| -> Vec<String> {
        f.iter()
            .filter(|x| x["code"] == code)
            .map(|x| x["line"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(at("IN001"), ["4"]);
    assert_eq!(at("IN002"), ["5", "6"]);
    let file = &json["summary"]["files"][0];
    assert_eq!(file["rows_read"], 4);
    assert_eq!(file["rows_counted"], 1);
    assert_eq!(file["rows_excluded"], 3);
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
}

#[test]
fn explain_every_code_and_unknown_is_exit_2() {
    for c in ccm::checks::registry() {
        let o = ccm().args(["explain", c.code]).output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            text.contains(c.name) && text.contains("Why it matters") && text.contains("Source")
        );
    }
    ccm().args(["explain", "ZZ999"]).assert().code(2);
}

#[test]
fn rules_command_prints_catalogue_and_code_table() {
    let o = ccm().args(["rules", "--year", "2025"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("CN001") && text.contains("99439") && text.contains("$60.49"),
        "{text}"
    );
    // A year before the first rules folder (back to 2015, CCM's first) shows the nearest
    // year's table, as audit prices it.
    let o = ccm().args(["rules", "--year", "2020"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("no CY2020 rules: the CY2024 table"), "{text}");
    // A year audit never prices (a date of service in it is IN002) is a typo here too:
    // one `ccm:` line naming the years, exit 2, nothing on stdout.
    let o = ccm().args(["rules", "--year", "1999"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("ccm: no code table for 1999: ccm audits service years 2015 to "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn open_month_yields_no_month_end_lines() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let (_, json, _) = audit_json(d.path(), &["--as-of".into(), "2025-03-20".into()]);
    assert_eq!(json["summary"]["clean_claim_lines"], 0);
    assert_eq!(json["summary"]["months_open"], 1);
    let (_, json, _) = audit_json(
        d.path(),
        &[
            "--as-of".into(),
            "2025-03-20".into(),
            "--dos".into(),
            "threshold".into(),
        ],
    );
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
}

#[test]
fn month_filter_excludes_other_months_and_reconciles() {
    let rows = format!(
        "{}P1,2025-02-10,30,,,S1,RN,CCM,{NPI_A},,n\n",
        rows_for("P1", &[25], NPI_A)
    );
    let d = good_case(&rows);
    let (_, json, _) = audit_json(d.path(), &["--month".into(), "2025-03".into()]);
    assert_eq!(json["summary"]["months"], serde_json::json!(["2025-03"]));
    assert_eq!(
        json["summary"]["files"][0]["excluded_by_reason"]["outside-month"],
        1
    );
}

#[test]
fn header_aliases_and_map_file() {
    let d = folder(&[
        (
            "timelog.csv",
            &format!(
                "MRN,Date of Service,Duration,Performed By ID,Credential,Provider NPI,Client Note\nP1,03/03/2025,25,S1,RN,{NPI_A},x\n"
            ),
        ),
        ("consents.csv", "Patient,Signed Date\nP1,2025-01-01\n"),
        ("diagnoses.csv", "MRN,Dx Code\nP1,I10\nP1,E11.9\n"),
    ]);
    let (exit, json, stderr) = audit_json(d.path(), &[]);
    assert_eq!(exit, 0, "{stderr}");
    assert_eq!(json["summary"]["clean_claim_lines"], 1);

    let d = folder(&[
        (
            "timelog.csv",
            &format!("Client Number,Date,Mins,Who,Role,NPI\nP1,2025-03-03,25,S1,RN,{NPI_A}\n"),
        ),
        (
            "map.toml",
            "[timelog]\npatient_id = \"Client Number\"\nstaff_id = \"Who\"\n",
        ),
    ]);
    let o = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "without the map the patient column is missing"
    );
    let o = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .arg("--map")
        .arg(d.path().join("map.toml"))
        .args(["--as-of", "2025-04-15", "--fail-on", "never", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn stdout_closed_early_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ccm"))
        .current_dir(root())
        .args([
            "audit",
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
            "--format",
            "csv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        matches!(status.code(), Some(0) | Some(1)),
        "{status:?} {err}"
    );
}

#[test]
fn stderr_never_carries_note_text() {
    let d = folder(&[(
        "timelog.csv",
        &format!(
            "{TIMELOG_HEADER}P1,2025-03-03,25,,,S1,Wizard,CCM,{NPI_A},,SECRET-CLINICAL-NOTE\n"
        ),
    )]);
    let o = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args(["--as-of", "2025-04-15", "--format", "csv"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!all.contains("SECRET-CLINICAL-NOTE"));
    assert!(all.contains("IN002"));
}

#[test]
fn verify_mode_clean_file_is_a_byte_for_byte_filter_of_the_claims_file() {
    let d = good_case(&format!(
        "{}{}",
        rows_for("P1", &[25, 20], NPI_A),
        rows_for("P2", &[12], NPI_A)
    ));
    // CRLF, an extra column, quoting kept as written; P2's line is unsupported (12 minutes).
    let claims = "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id,memo\r\n\
                  P1,2025-03-31,99490,1,1234567893,C1,\"kept, as is\"\r\n\
                  P2,2025-03-31,99490,1,1234567893,C2,x\r\n\
                  P1,2025-03-31,99439,1,1234567893,C3,\r\n";
    put(d.path(), "claims.csv", claims);
    let out = d.path().join("out");
    ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args([
            "--as-of",
            "2025-04-15",
            "--quiet",
            "--fail-on",
            "never",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0);
    let clean = std::fs::read(out.join("clean_claims.csv")).unwrap();
    assert_eq!(
        String::from_utf8(clean).unwrap(),
        "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id,memo\r\n\
         P1,2025-03-31,99490,1,1234567893,C1,\"kept, as is\"\r\n\
         P1,2025-03-31,99439,1,1234567893,C3,\r\n"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["mode"], "verify");
    assert_eq!(summary["claimed"], "166.91");
    assert_eq!(summary["supported"], "106.42");
    assert_eq!(summary["amount_at_risk"], "60.49");
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(
        findings.contains("CL001,claim-unsupported,error,P2,2025-03,1234567893"),
        "{findings}"
    );
}

#[test]
fn trace_shows_rows_states_and_the_decision() {
    let rows = format!(
        "{}P1,2025-03-09,10,,,S1,Front Desk,CCM,{NPI_A},,scheduling\n",
        rows_for("P1", &[25, 20], NPI_A)
    );
    let d = good_case(&rows);
    let o = ccm()
        .args(["trace", "P1", "--month", "2025-03"])
        .arg(d.path().join("timelog.csv"))
        .args(["--as-of", "2025-04-15"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("TM002"), "{text}");
    assert!(
        text.contains("CCM under NPI 1234567893: 45 countable minute(s)"),
        "{text}"
    );
    assert!(text.contains("99439 x1"), "{text}");
    ccm()
        .args(["trace", "P1"])
        .arg(d.path().join("timelog.csv"))
        .assert()
        .code(2);
    ccm()
        .args(["trace", "NOBODY", "--month", "2025-03"])
        .arg(d.path().join("timelog.csv"))
        .assert()
        .code(2);
    // A trace writes no file and prints its one report: the audit's flags for files,
    // formats, quiet and the exit code are not its own, refused rather than ignored.
    for flag in [
        &["--out", "x"][..],
        &["--xlsx=x.xlsx"],
        &["--bom"],
        &["--format", "json"],
        &["--quiet"],
        &["--fail-on", "never"],
    ] {
        let out = ccm()
            .args(["trace", "P1", "--month", "2025-03"])
            .arg(d.path().join("timelog.csv"))
            .args(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("ccm: unexpected argument")
                && err.contains(flag[0].split('=').next().unwrap()),
            "{flag:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{flag:?}");
    }
}

#[test]
fn rows_spilled_to_temporary_files_give_the_same_audit() {
    // Audited with the rows' records held in memory, then moved to temporary files every
    // row and every 7 rows: the same six files, byte for byte; for one time log, for two,
    // and for `ccm trace`.
    let tmp = tempfile::tempdir().unwrap();
    let audit = |logs: &[&str], spill: Option<&str>, name: &str| {
        let out = tmp.path().join(name);
        let mut c = ccm();
        c.arg("audit")
            .args(logs)
            .args([
                "--as-of",
                "2025-04-15",
                "--quiet",
                "--fail-on",
                "never",
                "--out",
            ])
            .arg(&out);
        if let Some(n) = spill {
            c.env("CCM_SPILL_ROWS", n);
        }
        c.assert().code(0);
        crate::common::out_set(&out)
    };
    let one = ["fixtures/demo/timelog.csv"];
    let two = [
        "fixtures/demo/timelog.csv",
        "fixtures/bad/bom_crlf/timelog.csv",
    ];
    for (k, logs) in [&one[..], &two[..]].into_iter().enumerate() {
        let held = audit(logs, None, &format!("held-{k}"));
        assert!(!held[0].is_empty() && !held[1].is_empty());
        assert_eq!(audit(logs, Some("1"), &format!("every-row-{k}")), held);
        assert_eq!(audit(logs, Some("7"), &format!("every-7-{k}")), held);
    }
    let trace = |spill: &str| {
        let a = ccm()
            .args([
                "trace",
                "P0001",
                "fixtures/demo/timelog.csv",
                "--month",
                "2025-03",
                "--as-of",
                "2025-04-15",
            ])
            .env("CCM_SPILL_ROWS", spill)
            .assert()
            .success();
        a.get_output().stdout.clone()
    };
    let held = trace("1000000");
    assert!(!held.is_empty());
    assert_eq!(trace("1"), held);
}

#[test]
fn unusable_temporary_folder_for_spilled_rows_is_exit_2_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let a = ccm()
        .arg("audit")
        .arg("fixtures/demo/timelog.csv")
        .args(["--as-of", "2025-04-15", "--out"])
        .arg(&out)
        .env("CCM_SPILL_ROWS", "1")
        .env("TMPDIR", tmp.path().join("no-such-folder"))
        .assert()
        .code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("temporary files") && err.contains("TMPDIR"),
        "{err}"
    );
    assert!(!out.exists(), "nothing may be written on exit 2");
}

#[test]
fn ov001_names_the_counted_rows_of_each_npi_one_finding_per_time_log() {
    // P1 has CCM minutes under A and B in two time logs. Under B, line 3 is front-desk time
    // (TM002), line 5 repeats line 4 (IN003) and line 6 lies wholly inside line 4 (TM003):
    // none of them counts, so OV001 does not name them. P2 is an ordinary month.
    let d = good_case(&format!(
        "P1,2025-03-03,15,09:00,09:15,S1,RN,CCM,{NPI_A},call,reviewed meds\n\
         P1,2025-03-04,10,,,S9,Front Desk,CCM,{NPI_B},,scheduling\n\
         P1,2025-03-05,12,10:00,10:12,S2,NP,CCM,{NPI_B},call,reviewed meds\n\
         P1,2025-03-05,12,10:00,10:12,S2,NP,CCM,{NPI_B},call,reviewed meds\n\
         P1,2025-03-05,5,10:05,10:10,S2,NP,CCM,{NPI_B},call,reviewed meds\n\
         P2,2025-03-06,25,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n"
    ));
    put(
        d.path(),
        "timelog-b.csv",
        format!(
            "{TIMELOG_HEADER}P1,2025-03-10,10,,,S3,RN,CCM,{NPI_B},call,reviewed meds\n\
             P1,2025-03-11,5,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n"
        ),
    );
    let (a, b) = (d.path().join("timelog.csv"), d.path().join("timelog-b.csv"));
    let (code, json, stderr) = audit_logs_json(&[&a, &b], &[] as &[&str]);
    assert_eq!(code, 0, "{stderr}");
    let f = json["findings"].as_array().unwrap();
    let at = |code: &str| -> Vec<(String, String, String, u64)> {
        f.iter()
            .filter(|x| x["code"] == code)
            .map(|x| {
                (
                    x["billing_npi"].as_str().unwrap().to_string(),
                    x["file"].as_str().unwrap().to_string(),
                    x["line"].as_str().unwrap().to_string(),
                    x["minutes"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let row = |npi: &str, file: &str, line: &str, minutes: u64| {
        (npi.to_string(), file.to_string(), line.to_string(), minutes)
    };
    // The rows left out of OV001 are B's, and are reported for what they are.
    assert_eq!(at("TM002"), [row(NPI_B, &a, "3", 10)]);
    assert_eq!(at("IN003"), [row(NPI_B, &a, "5", 12)]);
    assert_eq!(at("TM003"), [row(NPI_B, &a, "6", 5)]);
    assert_eq!(
        at("OV001"),
        [
            row(NPI_A, &a, "2", 20),
            row(NPI_B, &a, "4", 22),
            row(NPI_B, &b, "2", 22),
            row(NPI_A, &b, "3", 20),
        ]
    );
    assert!(
        f.iter()
            .all(|x| x["code"] != "OV001" || x["patient_id"] == "P1")
    );
}

#[test]
fn overlapping_pcm_intervals_count_once() {
    // P3 is a PCM patient. S4 logs 10:00-10:40 and then 10:10-10:50 for P3: 80 minutes
    // logged, 30 of them shared, so 50 count. 50 minutes bill 99426 (30 minutes) alone; the
    // 80 logged would have added 99427 (another 30).
    let d = folder(&[
        (
            "timelog.csv",
            &format!(
                "{TIMELOG_HEADER}P3,2025-03-05,40,10:00,10:40,S4,RN,PCM,{NPI_A},call,reviewed insulin log\n\
                 P3,2025-03-05,40,10:10,10:50,S4,RN,PCM,{NPI_A},call,called re glucose readings\n"
            ),
        ),
        (
            "consents.csv",
            "patient_id,consent_date,program,method,billing_npi,revoked_date\nP3,2025-01-10,PCM,verbal,,\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code,onset_date,resolved_date,description\nP3,E11.9,,,\n",
        ),
        (
            "enrolments.csv",
            "patient_id,program,start_date,end_date,billing_npi,icd10_code\n",
        ),
    ]);
    let out = d.path().join("out");
    let (code, json, stderr) = audit_logs_json(
        &[&d.path().join("timelog.csv")],
        &[std::ffi::OsStr::new("--out"), out.as_os_str()],
    );
    assert_eq!(code, 0, "{stderr}");
    let tm003: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "TM003")
        .collect();
    assert_eq!(tm003.len(), 1, "{tm003:?}");
    assert_eq!(tm003[0]["program"], "PCM");
    assert_eq!(tm003[0]["line"], "3");
    assert_eq!(tm003[0]["minutes"], 30);
    let claims = std::fs::read_to_string(out.join("clean_claims.csv")).unwrap();
    let codes: Vec<&str> = claims
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(codes, ["99426"], "{claims}");
}

#[test]
fn companions_of_every_folder_are_read_together() {
    // A year's re-audit: one export folder per month, each with its own companions.
    let demo = root().join("fixtures/demo/timelog.csv");
    let feb = root().join("fixtures/multi/2025-02/timelog.csv");
    let (demo, feb) = (demo.as_path(), feb.as_path());
    let (_, alone, _) = audit_logs_json(&[demo], &[] as &[&str]);
    for logs in [[demo, feb], [feb, demo]] {
        let (code, both, err) = audit_logs_json(&logs, &[] as &[&str]);
        assert_eq!(code, 0, "{err}");
        let month = |j: &serde_json::Value, m: &str| {
            j["summary"]["by_month"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["month"] == m)
                .cloned()
                .unwrap_or_default()
        };
        // March is audited as if the demo folder were alone; February's two months
        // (P0001 with the demo's consent and diagnoses, P9001 with its own) are clean.
        assert_eq!(month(&both, "2025-03"), month(&alone, "2025-03"));
        let feb_month = month(&both, "2025-02");
        assert_eq!(feb_month["clean_claim_lines"], 2, "{feb_month}");
        assert_eq!(feb_month["amount_blocked"], "0.00", "{feb_month}");
    }
}

#[test]
fn line_references_cite_the_file_each_record_came_from() {
    // Two folders: P1's time and consent in `a`, its one diagnosis in `b`'s problem list,
    // an enrolment clash for P2 from `b`'s enrolments. Findings must name `b`'s files.
    let a = folder(&[
        (
            "timelog.csv",
            &format!("{TIMELOG_HEADER}{}", rows_for("P1", &[25], NPI_A)),
        ),
        (
            "consents.csv",
            "patient_id,consent_date\nP1,2025-01-10\nP2,2025-01-10\n",
        ),
        ("diagnoses.csv", "patient_id,icd10_code\nP2,I10\nP2,J44.9\n"),
        ("enrolments.csv", "patient_id,program,start_date\n"),
    ]);
    let b = folder(&[
        (
            "timelog.csv",
            &format!("{TIMELOG_HEADER}{}", rows_for("P2", &[25], NPI_A)),
        ),
        ("consents.csv", "patient_id,consent_date\n"),
        ("diagnoses.csv", "patient_id,icd10_code\nP3,E11.9\nP1,I10\n"),
        (
            "enrolments.csv",
            &format!(
                "patient_id,program,start_date,end_date,billing_npi\nP3,PCM,2025-01-01,,{NPI_A}\nP2,PCM,2025-01-01,,{NPI_A}\n"
            ),
        ),
    ]);
    let (la, lb) = (a.path().join("timelog.csv"), b.path().join("timelog.csv"));
    let (code, json, err) = audit_logs_json(&[la.as_path(), lb.as_path()], &[] as &[&str]);
    assert_eq!(code, 0, "{err}");
    let cited = |code: &str| -> Vec<(String, String)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| {
                (
                    f["file"].as_str().unwrap_or("").to_string(),
                    f["line"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let in_b = |name: &str| b.path().join(name).display().to_string();
    assert_eq!(cited("EL001"), [(in_b("diagnoses.csv"), "3".to_string())]);
    assert_eq!(cited("OV002"), [(in_b("enrolments.csv"), "3".to_string())]);
}

#[test]
fn run_wide_and_diagnosis_findings_carry_the_program_they_concern() {
    let pcm_row = format!("P1,2025-03-03,35,,,S1,RN,PCM,{NPI_A},call,reviewed meds\n");
    let programs = |json: &serde_json::Value, code: &str| -> Vec<String> {
        let mut v: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| f["program"].as_str().unwrap_or("").to_string())
            .collect();
        v.sort();
        v
    };
    // No consents and no diagnoses file: one run-wide finding per program audited, PCM's
    // missing conditions being EL002.
    let d = folder(&[("timelog.csv", &format!("{TIMELOG_HEADER}{pcm_row}"))]);
    let (_, json, err) = audit_json(d.path(), &[]);
    assert_eq!(programs(&json, "CN001"), ["PCM"], "{err}");
    assert_eq!(programs(&json, "EL002"), ["PCM"]);
    assert!(programs(&json, "EL001").is_empty());
    let both = format!("{TIMELOG_HEADER}{pcm_row}{}", rows_for("P2", &[25], NPI_A));
    let d = folder(&[("timelog.csv", &both)]);
    let (_, json, _) = audit_json(d.path(), &[]);
    assert_eq!(programs(&json, "CN001"), ["CCM", "PCM"]);
    // An unknown code on a PCM-only patient's problem list is reported under PCM.
    let d = folder(&[
        ("timelog.csv", &format!("{TIMELOG_HEADER}{pcm_row}")),
        (
            "consents.csv",
            "patient_id,consent_date,program\nP1,2025-01-10,PCM\n",
        ),
        (
            "diagnoses.csv",
            "patient_id,icd10_code\nP1,I10\nP1,Q99.9X\n",
        ),
    ]);
    let (_, json, _) = audit_json(d.path(), &[]);
    assert_eq!(programs(&json, "EL003"), ["PCM"]);
}

#[test]
fn a_column_read_by_nothing_is_not_required() {
    // Care plans without an `action` column: any dated plan proves the plan exists.
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    put(
        d.path(),
        "careplans.csv",
        "patient_id,plan_date,mdm\nP1,2025-01-10,low\n",
    );
    let (code, json, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(codes(&json).iter().all(|(c, _)| c != "EL005"), "{json}");
    assert_eq!(json["summary"]["months_clean"], 1, "{}", json["summary"]);
}

#[test]
fn a_row_repeated_with_cosmetic_differences_counts_once() {
    // The same 15-minute call, exported twice, once with stray spaces, a lower-case role
    // and program, a US date and a padded minute count: 15 minutes, not a billable 30.
    let rows = format!(
        "P1,2025-03-05,15,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n\
         P1 ,03/05/2025, 15,,,S1 ,rn,ccm, {NPI_A},call , reviewed meds \n"
    );
    let d = good_case(&rows);
    let (code, json, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let found = codes(&json);
    assert_eq!(
        found.iter().filter(|(c, _)| c == "IN003").count(),
        1,
        "{found:?}"
    );
    let s = &json["summary"];
    assert_eq!(s["months_clean"], 0, "{s}");
    assert_eq!(s["months_below_threshold"], 1, "{s}");
    // A different note is a different entry.
    let rows = format!(
        "P1,2025-03-05,15,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n\
         P1,2025-03-05,15,,,S1,RN,CCM,{NPI_A},call,called pharmacy about refill\n"
    );
    let d = good_case(&rows);
    let (_, json, _) = audit_json(d.path(), &[]);
    assert!(codes(&json).iter().all(|(c, _)| c != "IN003"));
    assert_eq!(json["summary"]["months_clean"], 1);
}

#[test]
fn a_map_naming_a_header_the_file_lacks_is_exit_2_and_one_header_may_feed_two_fields() {
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    put(
        d.path(),
        "consents.csv",
        "patient_id,consent_date,Opt Out\nP1,2025-01-10,2025-02-03\n",
    );
    // A typo in the revocation column's header must not drop every revocation.
    put(
        d.path(),
        "map.toml",
        "[consents]\nrevoked_date = \"Opt-Out Dte\"\n",
    );
    let map = d.path().join("map.toml").display().to_string();
    let (code, _, err) = audit_json(d.path(), &["--map".into(), map.clone()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("consents.csv"), "{err}");
    assert!(
        err.contains("`Opt-Out Dte`") && err.contains("revoked_date"),
        "{err}"
    );
    assert!(
        err.contains("headers seen: patient_id, consent_date, Opt Out"),
        "{err}"
    );
    // Spelled right, the revocation is read and March is blocked (CN003).
    put(
        d.path(),
        "map.toml",
        "[consents]\nrevoked_date = \"Opt Out\"\n",
    );
    let (code, json, err) = audit_json(d.path(), &["--map".into(), map.clone()]);
    assert_eq!(code, 0, "{err}");
    assert!(codes(&json).iter().any(|(c, _)| c == "CN003"), "{json}");
    // One header feeding two fields: staff id and role from one "Who" column.
    let log = format!(
        "patient_id,service_date,minutes,Who,program,billing_npi,note\nP1,2025-03-03,25,RN,CCM,{NPI_A},reviewed meds\n"
    );
    put(d.path(), "timelog.csv", log);
    put(
        d.path(),
        "consents.csv",
        "patient_id,consent_date\nP1,2025-01-10\n",
    );
    put(
        d.path(),
        "map.toml",
        "[timelog]\nstaff_id = \"Who\"\nstaff_role = \"Who\"\n",
    );
    let (code, json, err) = audit_json(d.path(), &["--map".into(), map]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["summary"]["months_clean"], 1, "{}", json["summary"]);
    // The report and summary.json say which header fed each field.
    let cols = &json["summary"]["files"][0]["columns"];
    assert_eq!(cols["staff_id"], "Who", "{cols}");
    assert_eq!(cols["staff_role"], "Who", "{cols}");
    assert_eq!(cols["patient_id"], "patient_id", "{cols}");
    let table = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args(["--as-of", "2025-04-15", "--fail-on", "never", "--map"])
        .arg(d.path().join("map.toml"))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("staff_id <- \"Who\", staff_role <- \"Who\""),
        "{table}"
    );
}

#[test]
fn header_errors_carry_no_row_data_and_stay_one_bounded_line() {
    // A time log exported without its header row: the first line is a patient's row.
    let d = good_case("");
    put(
        d.path(),
        "timelog.csv",
        format!("P1,2025-03-03,25,,,S1,RN,CCM,{NPI_A},call,Pt disclosed new HIV diagnosis\n"),
    );
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("looks like data"), "{err}");
    assert!(!err.contains("HIV") && !err.contains("P1"), "{err}");
    // A huge header with control bytes: at most 20 names, each cut, escapes, one line.
    let mut header: Vec<String> = (0..5000).map(|i| format!("col{i}")).collect();
    header[0] = format!("\"evil\u{1b}[2J\r{}\"", "x".repeat(500));
    put(d.path(), "timelog.csv", header.join(",") + "\n");
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
    assert!(err.len() < 2_000, "{} bytes", err.len());
    assert!(err.contains("4980 more"), "{err}");
}

#[test]
fn outputs_never_overwrite_an_input() {
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let claims = out.join("clean_claims.csv");
    let text = format!(
        "patient_id,date_of_service,hcpcs,units,billing_npi\nP1,2025-03-31,99490,1,{NPI_A}\nP1,2025-03-31,99439,1,{NPI_A}\n"
    );
    std::fs::write(&claims, &text).unwrap();
    let (code, _, err) = audit_json(
        d.path(),
        &[
            "--claims".into(),
            claims.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("would overwrite the input"), "{err}");
    assert_eq!(std::fs::read_to_string(&claims).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "nothing written"
    );
}

#[cfg(unix)]
#[test]
fn outputs_follow_the_umask_and_never_loosen_a_tightened_file() {
    use std::os::unix::fs::PermissionsExt;
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    let out = d.path().join("out");
    let run = |umask: &str| {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" audit \"$1\" --as-of 2025-04-15 --quiet --fail-on never --out \"$2\""
            ))
            .arg(assert_cmd::cargo::cargo_bin("ccm"))
            .arg(d.path().join("timelog.csv"))
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
    };
    let mode = |name: &str| {
        std::fs::metadata(out.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    run("077");
    assert_eq!(mode("findings.csv"), 0o600);
    std::fs::remove_dir_all(&out).unwrap();
    run("022");
    assert_eq!(mode("findings.csv"), 0o644);
    // Tightened by hand: a rerun keeps it tight.
    std::fs::set_permissions(
        out.join("summary.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    run("022");
    assert_eq!(mode("summary.json"), 0o600);
    assert_eq!(mode("clean_claims.csv"), 0o644);
}

#[test]
fn a_year_without_rules_is_priced_with_the_nearest_years_and_says_so() {
    // January of the first year without rules (derived from `rules/`, so adding that
    // year's rules moves the test on a year). The line is priced with the last year's
    // fees, never $0.00, and says it is an estimate; the note is said once for the year.
    let last = crate::common::last_rules_year();
    let next = last + 1;
    let rows = format!(
        "P1,{next}-01-05,15,,,S1,RN,CCM,{NPI_A},call,reviewed meds\nP1,{next}-01-19,15,,,S1,RN,CCM,{NPI_A},call,called pharmacy\nP1,{next}-02-02,25,,,S1,RN,CCM,{NPI_A},call,reviewed labs\n"
    );
    let d = good_case(&rows);
    let out = d.path().join("out");
    let (code, json, err) = audit_json(
        d.path(),
        &[
            "--as-of".into(),
            format!("{next}-03-15"),
            "--out".into(),
            out.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let claims = std::fs::read_to_string(out.join("clean_claims.csv")).unwrap();
    let mut lines = claims.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",expected_payment,fee_basis")
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 2, "{claims}");
    for l in &rest {
        assert!(l.ends_with(&format!(",CY{last} estimate")), "{l}");
        assert!(!l.contains(",0.00,"), "{l}");
    }
    let s = &json["summary"];
    assert_eq!(s["estimated_years"][next.to_string()], last, "{s}");
    let notes: Vec<&str> = s["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.contains(&format!("CY{next}")))
        .collect();
    assert_eq!(notes.len(), 1, "{s}");
    // `ccm rules --year <next>` agrees with the audit.
    let out = ccm()
        .args(["rules", "--year", &next.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("no CY{next} rules: the CY{last} table")),
        "{text}"
    );
    assert!(text.contains("99490"), "{text}");
}

#[test]
fn a_broken_rules_folder_is_exit_2_naming_file_line_and_rule() {
    let base = |f: &str| std::fs::read_to_string(root().join("rules/2025").join(f)).unwrap();
    let codes = base("codes.csv");
    let fees = base("fees.csv");
    let conv = base("conversion.csv");
    // (file, new text, words the error must hold)
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "codes.csv",
            codes.replacen(
                "99490,CCM,ccm,base,staff,20,",
                "99490,CCM,ccm,base,staff,,",
                1,
            ),
            vec!["codes.csv", "line 2", "99490", "threshold"],
        ),
        (
            "codes.csv",
            {
                let mut l: Vec<&str> = codes.lines().collect();
                let first = l[1];
                l.insert(3, first);
                l.join("\n") + "\n"
            },
            vec!["codes.csv", "line 4", "listed twice", "line 2"],
        ),
        (
            "codes.csv",
            codes.lines().next().unwrap().to_string() + "\n",
            vec!["codes.csv", "no base code"],
        ),
        (
            "fees.csv",
            fees.replacen("99490,1.00,", "99490,-1.00,", 1),
            vec!["fees.csv", "line 2", "99490", "work_rvu", "outside 0-100"],
        ),
        (
            "fees.csv",
            fees.replacen("99490,1.00,", "99490,99999999999999999999,", 1),
            vec!["fees.csv", "line 2", "outside 0-100"],
        ),
        (
            "fees.csv",
            fees.lines()
                .filter(|l| !l.starts_with("99439,"))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n",
            vec!["fees.csv", "99439", "no fee row"],
        ),
        (
            "conversion.csv",
            conv.replacen("2025-01-01,2025-12-31", "2025-01-01,2025-06-30", 1),
            vec!["conversion.csv", "cover 2025"],
        ),
    ];
    for (file, text, want) in cases {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("2025")).unwrap();
        std::fs::write(d.path().join("2025").join(file), &text).unwrap();
        let out = ccm()
            .args(["rules", "--check"])
            .arg(d.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        for w in want {
            assert!(err.contains(w), "{file}: {w:?} not in {err}");
        }
        // The audit refuses the folder the same way, before writing anything.
        let (code, _, err) = audit_json(
            &root().join("fixtures/demo"),
            &["--rules".into(), d.path().display().to_string()],
        );
        assert_eq!(code, 2, "{err}");
    }
    let ok = ccm().args(["rules", "--check", "rules"]).output().unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("rules valid: years 2024, 2025, 2026"));
}

#[test]
fn readers_are_exact_about_lines_delimiters_blank_rows_and_headers() {
    let header = TIMELOG_HEADER.trim_end();
    let good = format!("P1,2025-03-03,25,,,S1,RN,CCM,{NPI_A},call,reviewed meds");
    let bad = format!("P1,2025-03-04,xx,,,S1,RN,CCM,{NPI_A},call,reviewed meds");
    // Old-Mac CR-only and mixed line ends: physical line numbers, not "line 1".
    for eol in ["\r", "\r\n", "\n"] {
        let d = good_case("");
        let text = [header, &good, &good.replace("03-03", "03-05"), &bad].join(eol) + eol;
        put(d.path(), "timelog.csv", text);
        let (code, json, err) = audit_json(d.path(), &[]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(lines_of(&json, "IN002"), ["4"], "{eol:?}");
    }
    let d = good_case("");
    let mixed = format!("{header}\r\n{good}\r{good}\n{bad}\r\n");
    put(d.path(), "timelog.csv", mixed.replacen("03-03", "03-05", 1));
    let (_, json, _) = audit_json(d.path(), &[]);
    assert_eq!(lines_of(&json, "IN002"), ["4"]);

    // Excel's `sep=;` first line sets the delimiter; rows of only delimiters are blank rows
    // (IN005: read, and excluded).
    let d = good_case("");
    let semi = |s: &str| s.replace(',', ";");
    let text = format!(
        "sep=;\r\n{}\r\n{}\r\n;;;;;;;;;;\r\n;;;;;;;;;;\r\n{}\r\n",
        semi(header),
        semi(&good),
        semi(&bad)
    );
    put(d.path(), "timelog.csv", text);
    let (code, json, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines_of(&json, "IN002"), ["6"], "{json}");
    assert_eq!(lines_of(&json, "IN005"), ["4", "5"], "{json}");
    let file = &json["summary"]["files"][0];
    assert_eq!(file["rows_read"], 4, "{file}");
    assert_eq!(json["summary"]["months_clean"], 1);

    // Two columns with a header ccm reads: exit 2 naming both; an unused duplicate is fine.
    let d = good_case("");
    put(
        d.path(),
        "timelog.csv",
        format!("{header},patient_id\n{good},P9\n"),
    );
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("columns 1 and 12") && err.contains("patient_id"),
        "{err}"
    );
    put(
        d.path(),
        "timelog.csv",
        format!("{header},Extra,Extra\n{good},a,b\n"),
    );
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");

    // Unicode spaces and zero-width characters in headers are ignored.
    put(
        d.path(),
        "timelog.csv",
        format!(
            "{}\n{good}\n",
            header.replace("patient_id", "patient\u{a0}id\u{200b}")
        ),
    );
    let (code, json, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["summary"]["months_clean"], 1);
}

#[test]
fn a_file_without_line_ends_or_with_a_huge_header_is_a_clear_exit_2() {
    // No line end for ever: a clear error, not an out-of-memory abort.
    #[cfg(unix)]
    {
        let out = ccm()
            .args(["audit", "/dev/zero", "--as-of", "2025-04-15"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("64 MiB"), "{err}");
    }
    // A header of 2.5 million empty columns: matched in linear time, reported in one
    // short line.
    let d = good_case("");
    put(
        d.path(),
        "timelog.csv",
        format!("patient_id{}\n", ",".repeat(2_500_000)),
    );
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.len() < 500 && err.contains("2499981 more"), "{err}");
}

/// The --out files' bytes, by name (hidden files too).
fn out_files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn outputs_are_committed_as_a_set_or_not_at_all() {
    let rows = rows_for("P1", &[25], NPI_A) + &rows_for("P2", &[45], NPI_A);
    let d = good_case(&rows);
    let out = d.path().join("out");
    let run = |as_of: &str| {
        audit_json(
            d.path(),
            &[
                "--as-of".into(),
                as_of.into(),
                "--out".into(),
                out.display().to_string(),
            ],
        )
    };
    assert_eq!(run("2025-04-15").0, 0);
    let before = out_files(&out);
    assert_eq!(
        before.len(),
        ccm::args::OUTPUTS.len(),
        "{:?}",
        before.keys()
    );
    // findings.json cannot be replaced (a folder took its name): nothing changes.
    std::fs::remove_file(out.join("findings.json")).unwrap();
    std::fs::create_dir(out.join("findings.json")).unwrap();
    let (code, _, err) = run("2025-05-20");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("findings.json") && err.contains("directory"),
        "{err}"
    );
    let after = out_files(&out);
    let mut want = before.clone();
    want.remove("findings.json");
    assert_eq!(
        after, want,
        "the previous files stay as they were, nothing staged is left"
    );
    std::fs::remove_dir(out.join("findings.json")).unwrap();

    // A run into a folder another run holds waits for it: nothing is written meanwhile.
    let held = std::fs::File::open(&out).unwrap();
    held.lock().unwrap();
    let before = out_files(&out);
    let mut waiting = audit_to(&d.path().join("timelog.csv"), "2025-05-20", &out)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "the run did not wait"
    );
    let names =
        |m: &std::collections::BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&out_files(&out)),
        names(&before),
        "nothing staged while waiting"
    );
    assert_eq!(out_files(&out), before);
    drop(held);
    assert!(waiting.wait().unwrap().success());
    assert_ne!(out_files(&out)["summary.json"], before["summary.json"]);

    // Two runs into one folder at once: the six files always come from one run.
    for _ in 0..3 {
        let spawn = |as_of: &str| {
            audit_to(&d.path().join("timelog.csv"), as_of, &out)
                .spawn()
                .unwrap()
        };
        let (mut a, mut b) = (spawn("2025-04-15"), spawn("2025-05-20"));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let files = out_files(&out);
        assert_eq!(files.len(), ccm::args::OUTPUTS.len(), "{:?}", files.keys());
        let summary: serde_json::Value = serde_json::from_slice(&files["summary.json"]).unwrap();
        let findings: serde_json::Value = serde_json::from_slice(&files["findings.json"]).unwrap();
        assert_eq!(
            summary["as_of"], findings["summary"]["as_of"],
            "a mixed set"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_run_stopped_while_writing_leaves_no_staged_file() {
    // Enough rows that writing the outputs takes a moment; stopped (SIGTERM) as soon as a
    // staged file shows in the folder.
    let mut rows = String::new();
    for p in 0..20_000 {
        for day in 3..13 {
            rows.push_str(&format!(
                "P{p},2025-03-{day:02},3,,,S{},RN,CCM,{NPI_A},call,follow up\n",
                p % 97
            ));
        }
    }
    let d = good_case(&rows);
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut caught = false;
    for _ in 0..10 {
        let mut child = audit_to(&d.path().join("timelog.csv"), "2025-04-15", &out)
            .spawn()
            .unwrap();
        // Staged in a hidden sibling folder (`.out.ccm-XXXXXX`), swapped in at the end.
        let hidden = |dir: &std::path::Path| -> Vec<String> {
            std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        };
        loop {
            let staged = hidden(d.path()).iter().any(|n| n.starts_with(".out.ccm-"))
                && std::fs::read_dir(&out).is_ok();
            if staged {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                let status = child.wait().unwrap();
                caught = !status.success();
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut left = hidden(&out);
        left.extend(hidden(d.path()));
        assert!(left.is_empty(), "staged files left behind: {left:?}");
        if caught {
            break;
        }
    }
    assert!(caught, "no run was caught while writing");
}

#[test]
fn no_claim_line_passes_unchecked() {
    // A 10-minute month: no CCM line is supported, whatever its spelling.
    let rows = rows_for("P1", &[10], NPI_A);
    let d = good_case(&rows);
    let claims = [
        ("99490-GT", "C1"),
        ("99490 GT", "C1"),
        ("99490:95", "C1"),
        ("99490.0", "C2"),
        ("9949O", "C3"),
    ];
    for (code, claim_id) in claims {
        let text = format!(
            "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id\nP1,2025-03-31,{code},1,{NPI_A},{claim_id}\n"
        );
        put(d.path(), "claims.csv", &text);
        let out = d.path().join("out");
        let (code_, json, err) = audit_json(d.path(), &["--out".into(), out.display().to_string()]);
        assert_eq!(code_, 0, "{err}");
        let clean = std::fs::read_to_string(out.join("clean_claims.csv")).unwrap();
        assert_eq!(
            clean.lines().count(),
            1,
            "{code}: only the header goes out: {clean}"
        );
        let fired: Vec<String> = codes(&json).into_iter().map(|(c, _)| c).collect();
        let want = if code.starts_with("99490") && code != "99490.0" {
            "CL001"
        } else {
            "IN002"
        };
        assert!(fired.iter().any(|c| c == want), "{code}: {fired:?}");
    }
    // A formula cell is held, and the line named; a code ccm does not audit is said once
    // (CD007). It is of the same claim (P1, March, one NPI) as the held line, and a claim goes
    // out whole or not at all: it is held too (CD013), not sent without its 99490.
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    put(
        d.path(),
        "claims.csv",
        format!(
            "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id\nP1,2025-03-31,99490,1,{NPI_A},\"=HYPERLINK(\"\"http://x\"\")\"\nP1,2025-03-12,99213,1,{NPI_A},C9\n"
        ),
    );
    let out = d.path().join("out");
    let (_, json, err) = audit_json(d.path(), &["--out".into(), out.display().to_string()]);
    let clean = std::fs::read_to_string(out.join("clean_claims.csv")).unwrap();
    assert!(!clean.contains("HYPERLINK"), "{clean}");
    assert!(!clean.contains("99213"), "{clean}");
    let findings = json["findings"].as_array().unwrap();
    let in002 = findings.iter().find(|f| f["code"] == "IN002").expect(&err);
    assert_eq!(in002["line"], "2");
    assert!(
        in002["message"].as_str().unwrap().contains("column 6"),
        "{in002}"
    );
    let cd007: Vec<_> = findings.iter().filter(|f| f["code"] == "CD007").collect();
    assert_eq!(cd007.len(), 1);
    assert_eq!(cd007[0]["line"], "3");
    let cd013: Vec<_> = findings.iter().filter(|f| f["code"] == "CD013").collect();
    assert_eq!(cd013.len(), 1, "{findings:?}");
    assert_eq!(cd013[0]["line"], "2");
}

#[test]
fn a_month_an_error_holds_is_blocked_never_below_threshold_and_an_empty_month_is_said() {
    // Consent revoked in January: March's minutes do not count, and the month cannot be
    // billed. It is blocked (CN003), not "below threshold, 20 more needed".
    let rows = rows_for("P1", &[25], NPI_A);
    let d = good_case(&rows);
    put(
        d.path(),
        "consents.csv",
        "patient_id,consent_date,revoked_date\nP1,2024-06-01,2025-01-20\n",
    );
    let (code, json, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let s = &json["summary"];
    assert_eq!(s["months_blocked"], 1, "{s}");
    assert_eq!(s["months_below_threshold"], 0, "{s}");
    let fired: Vec<String> = codes(&json).into_iter().map(|(c, _)| c).collect();
    assert!(fired.contains(&"CN003".to_string()), "{fired:?}");
    assert!(!fired.contains(&"TM001".to_string()), "{fired:?}");
    // --month naming a month with no rows says so.
    let (code, json, err) = audit_json(d.path(), &["--month".into(), "2025-02".into()]);
    assert_eq!(code, 0, "{err}");
    let notes = json["summary"]["notes"].to_string();
    assert!(
        notes.contains("--month 2025-02: no time-log row"),
        "{notes}"
    );
}

#[test]
fn the_table_and_summary_json_agree_and_outcomes_add_up() {
    let demo = root().join("fixtures/demo/timelog.csv");
    let feb = root().join("fixtures/multi/2025-02/timelog.csv");
    let claims = root().join("fixtures/demo/claims/claims.csv");
    let runs: Vec<Vec<std::ffi::OsString>> = vec![
        vec![demo.clone().into(), "--as-of".into(), "2025-04-15".into()],
        vec![
            demo.clone().into(),
            "--as-of".into(),
            "2025-04-15".into(),
            "--claims".into(),
            claims.into(),
        ],
        vec![demo.clone().into(), "--as-of".into(), "2025-03-24".into()],
        vec![
            demo.into(),
            feb.into(),
            "--as-of".into(),
            "2025-04-15".into(),
        ],
    ];
    for args in runs {
        let run = |format: &str| {
            let out = ccm()
                .arg("audit")
                .args(&args)
                .args(["--fail-on", "never", "--format", format])
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap()
        };
        let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
        if let Err(e) = table_agrees_with_summary(&run("table"), &json["summary"]) {
            panic!("{args:?}: {e}");
        }
    }
}

#[test]
fn an_error_line_escapes_control_characters_from_any_source() {
    // A file name with an escape sequence and a CR, as a hostile folder could hold.
    let d = tempfile::tempdir().unwrap();
    let name = d.path().join("log\u{1b}[2J\rx.csv");
    std::fs::write(&name, "").unwrap();
    let out = ccm().arg("audit").arg(&name).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        !err.contains('\u{1b}') && !err.trim_end().contains('\r'),
        "{err:?}"
    );
}

/// Issue 14, item 2: whose time a practitioner's row is comes from the staff roster as well
/// as from the time log's staff_npi. An MD (20 min, the billing NPI's own) and an NP
/// (15 min, another NPI) under the MD's NPI: with the roster their time is named, 99491
/// counts the MD's 20 (not enough) and 99490 bills on the 35, with no TM007 and no note.
/// Without the roster the two are unnamed, their sum (35) would reach 99491 and the
/// largest (20) does not: TM007, and the same 99490. With only the MD's NPI in the roster,
/// the NP's unnamed time is not added to the named MD's: TM007 again.
#[test]
fn the_staff_roster_names_whose_practitioner_time_it_is() {
    let timelog = "patient_id,service_date,minutes,staff_id,staff_role,program,billing_npi,note\n\
        P0001,2025-03-05,20,D01,MD,CCM,1234567893,Reviewed care plan goals and adjusted metformin dose\n\
        P0001,2025-03-19,15,N02,NP,CCM,1234567893,Reconciled medications after cardiology visit\n";
    let consents = "patient_id,consent_date,program\nP0001,2025-01-15,CCM\n";
    let diagnoses =
        "patient_id,icd10_code,onset_date\nP0001,I10,2020-05-01\nP0001,E119,2021-09-14\n";
    let roster = |rows: &str| format!("staff_id,staff_role,staff_npi,name\n{rows}");
    let run = |staff: Option<String>| {
        let mut files = vec![
            ("timelog.csv", timelog.to_string()),
            ("consents.csv", consents.to_string()),
            ("diagnoses.csv", diagnoses.to_string()),
            (
                "enrolments.csv",
                "patient_id,program,start_date\n".to_string(),
            ),
        ];
        if let Some(s) = staff {
            files.push(("staff.csv", s));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let d = folder(&refs);
        let (code, json, err) = audit_json(d.path(), &[]);
        assert_eq!(code, 0, "{err}");
        let tm007 = codes(&json).iter().filter(|(c, _)| c == "TM007").count();
        let hcpcs: Vec<String> = json["summary"]["by_month"][0]["clean_claim_lines"]
            .as_u64()
            .map(|_| {
                let out = tempfile::tempdir().unwrap();
                let st = crate::common::ccm()
                    .args([
                        "audit",
                        "--as-of",
                        "2025-04-15",
                        "--quiet",
                        "--fail-on",
                        "never",
                    ])
                    .arg(d.path().join("timelog.csv"))
                    .arg("--out")
                    .arg(out.path())
                    .output()
                    .unwrap();
                assert!(st.status.success());
                std::fs::read_to_string(out.path().join("clean_claims.csv"))
                    .unwrap()
                    .lines()
                    .skip(1)
                    .map(|l| l.split(',').nth(4).unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let noted = json["summary"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("no performer NPI"));
        (tm007, hcpcs, noted)
    };
    let named = roster("D01,MD,1234567893,Anita Patel\nN02,NP,1628315479,Kim Reyes\n");
    assert_eq!(run(Some(named)), (0, vec!["99490".to_string()], false));
    assert_eq!(run(None), (1, vec!["99490".to_string()], true));
    // The MD named as the billing practitioner, the NP listed with no NPI: the NP's 15 are
    // no one's known, so they are not added to the MD's 20 (which would reach 99491's 30):
    // TM007 says so, and 99490 bills on the 35.
    let md_only = roster("D01,MD,1234567893,Anita Patel\nN02,NP,,Kim Reyes\n");
    assert_eq!(run(Some(md_only)), (1, vec!["99490".to_string()], true));
    // (One unnamed practitioner alone is taken to be the billing one, with nothing to say:
    // the demo, whose time log names no performer, has no TM007 and no such note.)
}

/// TM001 names the month's own program: a PCM month short of 99426's 30 minutes says "PCM
/// minutes" (it said "CCM minutes" in every month before issue 23).
#[test]
fn a_pcm_month_below_threshold_says_pcm_minutes() {
    let rows = rows_for("P1", &[12], NPI_A).replace(",CCM,", ",PCM,");
    let d = good_case(&rows);
    put(
        d.path(),
        "consents.csv",
        "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2025-01-10,PCM,verbal,,\n",
    );
    let (_, json, stderr) = audit_json(d.path(), &[]);
    let msgs: Vec<&str> = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{stderr}"))
        .iter()
        .filter(|f| f["code"] == "TM001")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "12 countable PCM minute(s) in 2025-03: 18 more needed for 99426 (30 minutes); nothing to bill (minutes do not carry over)"
        ]
    );
}

/// Issue 23 item 6: a claims file's own diagnoses. P1's problem list has two chronic
/// conditions (I10, E11.9) and 25 CCM minutes; the claim lists its diagnoses in a
/// `diagnoses` cell or wide `Dx N` columns. The claim must list two chronic conditions
/// valid on the date of service (CD012, a warning: the claim still goes out); a cell that
/// is no list of codes holds the line (IN002). However the list is written (packed,
/// wide, reordered, dotted or not), the answer is the same.
#[test]
fn a_ccm_claim_must_list_two_chronic_conditions() {
    let run = |header: &str, cells: &str| {
        let d = good_case(&rows_for("P1", &[25], NPI_A));
        put(
            d.path(),
            "claims.csv",
            format!(
                "patient_id,date_of_service,hcpcs,units,billing_npi,{header}\nP1,2025-03-31,99490,1,{NPI_A},{cells}\n"
            ),
        );
        let (_, json, stderr) = audit_json(d.path(), &[]);
        let mut codes: Vec<String> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{stderr}"))
            .iter()
            .filter_map(|f| f["code"].as_str())
            .filter(|c| c.starts_with("CD012") || c.starts_with("IN002"))
            .map(String::from)
            .collect();
        codes.sort();
        (codes, json["summary"]["claims_going_out"].clone())
    };
    let none: Vec<String> = Vec::new();
    let (two, held_none) = run("diagnoses", "\"I10; E11.9\"");
    assert_eq!(two, none);
    assert_eq!(held_none, 1, "the claim goes out");
    for (header, cells) in [
        ("diagnoses", "\"E119, I10\""),
        ("diagnoses", "I10 E11.9"),
        ("Dx 1,Dx 2", "I10,E11.9"),
        ("dx1,dx2,dx3", "E11.9,,I10"),
        ("diagnoses,dx1", "I10,E119"),
    ] {
        assert_eq!(
            run(header, cells),
            (none.clone(), held_none.clone()),
            "{header}: {cells}"
        );
    }
    let one = vec!["CD012".to_string()];
    for (header, cells) in [
        ("diagnoses", "I10"),
        ("diagnoses", "\"I10, I10.0\""),
        // J06.9 (acute upper respiratory infection) is not chronic.
        ("diagnoses", "\"I10, J06.9\""),
        ("dx1,dx2", "I10,"),
        ("diagnoses", ""),
    ] {
        let (codes, held) = run(header, cells);
        assert_eq!(codes, one, "{header}: {cells}");
        // A warning: the claim is not held for it.
        assert_eq!(held, held_none, "{header}: {cells}");
    }
    let (codes, held) = run("diagnoses", "\"I10, X9\"");
    assert_eq!(codes, vec!["IN002".to_string()]);
    assert_ne!(
        held, held_none,
        "a line whose diagnoses cannot be read is held"
    );
}

/// A claims-file line that cannot be read and names no patient is said in a note (a claim
/// may go out without it); a blank row or a page footer (IN005) is no claim line, and
/// says nothing of the kind.
#[test]
fn only_a_lost_claim_line_without_a_patient_is_noted() {
    let note = |claims_body: &str| {
        let d = good_case(&rows_for("P1", &[25], NPI_A));
        put(
            d.path(),
            "claims.csv",
            format!(
                "patient_id,date_of_service,hcpcs,units,billing_npi\nP1,2025-03-31,99490,1,{NPI_A}\n{claims_body}"
            ),
        );
        let (_, json, err) = audit_json(d.path(), &[]);
        let notes = json["summary"]["notes"]
            .as_array()
            .unwrap_or_else(|| panic!("{err}"))
            .clone();
        notes
            .iter()
            .filter_map(|n| n.as_str())
            .any(|n| n.contains("name no patient"))
    };
    assert!(!note(",,,,\nPage 1 of 1,,,,\n"));
    assert!(note("P2,2025-03-31,99490\n"));
}

/// RPM device codes are audited against a readings file, across months and practitioners,
/// and said not audited without one (issue 23, item 2).
#[test]
fn rpm_device_lines_are_counted_against_the_readings_or_said_not_audited() {
    // P1: 25 CCM minutes in March under NPI_A; the claims and readings vary.
    let run = |claims: &str, readings: Option<String>| {
        let d = good_case(&rows_for("P1", &[25], NPI_A));
        put(
            d.path(),
            "claims.csv",
            format!("patient_id,date_of_service,hcpcs,units,billing_npi,mbi\n{claims}"),
        );
        if let Some(r) = readings {
            put(
                d.path(),
                "readings.csv",
                format!("patient_id,reading_date\n{r}"),
            );
        }
        let (_, json, stderr) = audit_json(d.path(), &[]);
        let mut found: Vec<(String, String)> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{stderr}"))
            .iter()
            .filter(|f| ["DV001", "DV002", "CD007"].contains(&f["code"].as_str().unwrap()))
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["line"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        found.sort();
        (found, json["summary"]["claims_held"].as_u64().unwrap())
    };
    // Readings on every day from `from` (day of March) for `n` days.
    let days = |from: u32, n: u32| -> String {
        (0..n)
            .map(|i| {
                let d = chrono::NaiveDate::from_ymd_opt(2025, 3, from).unwrap()
                    + chrono::Days::new(i.into());
                format!("P1,{d}\n")
            })
            .collect()
    };
    let at = |code: &str, line: &str| (code.to_string(), line.to_string());
    let month = format!("P1,2025-03-31,99490,1,{NPI_A},\nP1,2025-03-31,99454,1,{NPI_A},\n");
    // No readings file: the device line is CD007, never passed as audited.
    assert_eq!(run(&month, None), (vec![at("CD007", "3")], 0));
    // 16 days: supported; 15: DV001 and the claim is held.
    assert_eq!(run(&month, Some(days(16, 16))), (vec![], 0));
    assert_eq!(run(&month, Some(days(17, 15))), (vec![at("DV001", "3")], 1));
    // Days before the period (the 30 days ending 2025-03-31) do not count.
    assert_eq!(run(&month, Some(days(1, 16))), (vec![at("DV001", "3")], 1));
    // A second 99454 by another practitioner 20 days after the first: DV002 on the later.
    let both = format!("{month}P1,2025-03-11,99454,1,{NPI_B},\n");
    let feb_mar: String = (1..=28)
        .map(|d| format!("P1,2025-02-{d:02}\n"))
        .chain(std::iter::once(days(1, 31)))
        .collect();
    let (found, held) = run(&both, Some(feb_mar.clone()));
    assert_eq!(
        found,
        vec![at("DV002", "3")],
        "the later line is the one held"
    );
    assert_eq!(held, 1);
    // One beneficiary under two patient ids (mbi): the same rule across ids.
    let ids = format!(
        "P1,2025-03-31,99490,1,{NPI_A},1EG4TE5MK73\nP1,2025-03-31,99454,1,{NPI_A},1EG4TE5MK73\nP9,2025-03-11,99454,1,{NPI_B},1EG4-TE5-MK73\n"
    );
    let (found, _) = run(&ids, Some(feb_mar));
    assert_eq!(found, vec![at("DV002", "3")]);
    // Set-up twice: an error unless the readings show monitoring stopped in between.
    let setup = format!(
        "P1,2025-01-31,99453,1,{NPI_A},\nP1,2025-03-31,99490,1,{NPI_A},\nP1,2025-03-31,99453,1,{NPI_A},\n"
    );
    let jan: String = (2..=31).map(|d| format!("P1,2025-01-{d:02}\n")).collect();
    let feb: String = (1..=28)
        .step_by(9)
        .map(|d| format!("P1,2025-02-{d:02}\n"))
        .collect();
    let (found, _) = run(&setup, Some(format!("{jan}{feb}{}", days(1, 31))));
    assert_eq!(
        found,
        vec![at("DV002", "4")],
        "monitoring never stopped for 30 days"
    );
    let (found, _) = run(&setup, Some(format!("{jan}{}", days(12, 20))));
    assert_eq!(
        found,
        vec![],
        "no reading from 2025-02-01 to 2025-03-11: a new episode"
    );
}

/// The codes of a run's findings and its clean lines' count (red team round 5 cases).
fn verdict(d: &std::path::Path, extra: &[&str]) -> (Vec<String>, u64, i32) {
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let (exit, json, stderr) = audit_json(d, &extra);
    let mut found: Vec<String> = codes(&json).into_iter().map(|(c, _)| c).collect();
    assert!(json.is_object(), "{stderr}");
    found.sort();
    found.dedup();
    (
        found,
        json["summary"]["clean_claim_lines"].as_u64().unwrap(),
        exit,
    )
}

/// A consent given again mid-month after a revocation covers from its date: minutes before
/// it are before a consent (CN002, not counted), not after the revocation (CN003, which
/// held the month). Red team round 5, F1.
#[test]
fn a_new_consent_mid_month_after_a_revocation_bills_the_minutes_after_it() {
    let d = good_case(&format!(
        "P1,2025-03-05,10,,,S1,RN,CCM,{NPI_A},call,reviewed meds\nP1,2025-03-20,25,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n"
    ));
    for consents in [
        "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2024-06-01,CCM,verbal,,2025-01-15\nP1,2025-03-10,CCM,verbal,,\n",
        // The same history, newest row first.
        "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2025-03-10,CCM,verbal,,\nP1,2024-06-01,CCM,verbal,,2025-01-15\n",
    ] {
        put(d.path(), "consents.csv", consents);
        assert_eq!(verdict(d.path(), &[]), (vec!["CN002".to_string()], 1, 0));
    }
    // A new consent next month: March is still after the revocation.
    put(
        d.path(),
        "consents.csv",
        "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2024-06-01,CCM,verbal,,2025-01-15\nP1,2025-04-02,CCM,verbal,,\n",
    );
    assert_eq!(verdict(d.path(), &[]).0, vec!["CN003".to_string()]);
}

/// A visit exported with a modifier is the visit it names; a code ccm cannot read is said
/// (IN002), never silently not counted. Red team round 5, F2.
#[test]
fn a_visit_code_with_a_modifier_initiates_ccm_and_an_unreadable_one_is_said() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let visit = |code: &str| {
        put(
            d.path(),
            "visits.csv",
            format!("patient_id,visit_date,hcpcs,billing_npi\nP1,2024-12-01,{code},{NPI_A}\n"),
        );
        verdict(d.path(), &[])
    };
    let clean = (vec![], 1, 0);
    assert_eq!(visit("99214"), clean);
    for code in ["99214-25", "99214 25", "99214:25", "99214-25-95"] {
        assert_eq!(visit(code), clean, "{code}");
    }
    let (found, lines, _) = visit("Office visit");
    assert_eq!(found, vec!["EL004".to_string(), "IN002".to_string()]);
    assert_eq!(lines, 0);
}

/// Under --month, a row of a later month dated after the as-of date is outside the month,
/// not an error of it. Red team round 5, F5.
#[test]
fn month_filter_leaves_a_later_months_future_row_outside_not_in004() {
    let d = good_case(&format!(
        "{}P1,2025-04-08,15,,,S1,RN,CCM,{NPI_A},call,reviewed meds\n",
        rows_for("P1", &[25], NPI_A)
    ));
    let (found, lines, exit) = verdict(d.path(), &["--as-of", "2025-04-02", "--month", "2025-03"]);
    assert_eq!((found, lines, exit), (vec![], 1, 0));
    // Without --month it is the as-of date's error, as before.
    let (found, _, _) = verdict(d.path(), &["--as-of", "2025-04-02"]);
    assert!(found.contains(&"IN004".to_string()), "{found:?}");
}

/// OV001 says what the consents say: two consents in force naming the two practitioners is
/// not "no consent names one of them". Red team round 5, F7.
#[test]
fn ov001_says_when_consents_name_both_practitioners() {
    let d = good_case(&format!(
        "{}{}",
        rows_for("P1", &[25], NPI_A),
        rows_for("P1", &[25], NPI_B)
    ));
    put(
        d.path(),
        "consents.csv",
        format!(
            "patient_id,consent_date,program,method,billing_npi,revoked_date\nP1,2024-01-01,CCM,verbal,{NPI_A},\nP1,2024-02-01,CCM,verbal,{NPI_B},\n"
        ),
    );
    let (_, json, _) = audit_json(d.path(), &[]);
    let msgs: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "OV001")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    for m in msgs {
        assert!(!m.contains("no consent names"), "{m}");
        assert!(
            m.contains(&format!("consents in force name {NPI_A} and {NPI_B}")),
            "{m}"
        );
    }
}

/// APCM excludes TCM by the same practitioner (an exclusive pair of scope `practitioner`),
/// not by another (issue 23, item 1).
#[test]
fn apcm_and_tcm_by_one_practitioner_in_one_month_are_held() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let run = |tcm_npi: &str| {
        put(
            d.path(),
            "claims.csv",
            format!(
                "patient_id,date_of_service,hcpcs,units,billing_npi\nP2,2025-03-31,G0557,1,{NPI_A}\nP2,2025-03-14,99496,1,{tcm_npi}\n"
            ),
        );
        let (_, json, stderr) = audit_json(d.path(), &[]);
        let found: Vec<String> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{stderr}"))
            .iter()
            .filter(|f| f["code"] == "CD008")
            .map(|f| {
                format!(
                    "{} {}",
                    f["billing_npi"].as_str().unwrap(),
                    f["line"].as_str().unwrap()
                )
            })
            .collect();
        found
    };
    assert_eq!(run(NPI_A), vec![format!("{NPI_A} 2;3")]);
    assert_eq!(
        run(NPI_B),
        Vec::<String>::new(),
        "another practitioner's TCM"
    );
}

/// Several claims files are one batch (issue 23, item 7): one beneficiary's CCM on two
/// claims in one month is CD011 on both, across files, patient ids and NPIs; files of two
/// layouts are exit 2 with nothing written; the clean file is one file, one line ending.
#[test]
fn several_claims_files_are_checked_together() {
    let d = good_case(&format!(
        "{}{}",
        rows_for("P1", &[25], NPI_A),
        rows_for("P2", &[25], NPI_A)
    ));
    let head = "patient_id,date_of_service,hcpcs,units,billing_npi,mbi";
    // P1 and P2 are one beneficiary (one MBI, written two ways), in two files.
    put(
        d.path(),
        "a.csv",
        format!("{head}\nP1,2025-03-31,99490,1,{NPI_A},1EG4-TE5-MK73\n"),
    );
    put(
        d.path(),
        "b.csv",
        format!("{head}\r\nP2,2025-03-31,99490,1,{NPI_A},1eg4te5mk73\r\n"),
    );
    let claims = |files: &[&str]| -> Vec<String> {
        files
            .iter()
            .flat_map(|f| {
                [
                    "--claims".to_string(),
                    d.path().join(f).display().to_string(),
                ]
            })
            .collect()
    };
    let (exit, json, stderr) = audit_json(d.path(), &claims(&["a.csv", "b.csv"]));
    assert_eq!(exit, 0, "{stderr}");
    let mut cd011: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "CD011")
        .map(|f| {
            let file = f["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (file, f["line"].as_str().unwrap().to_string())
        })
        .collect();
    cd011.sort();
    let at = |f: &str| (f.to_string(), "2".to_string());
    assert_eq!(cd011, vec![at("a.csv"), at("b.csv")]);
    assert_eq!(json["summary"]["claims_held"], 2);
    // Another beneficiary in b.csv: both claims go out, in one clean file with the first
    // file's line ending.
    put(
        d.path(),
        "b.csv",
        format!("{head}\r\nP2,2025-03-31,99490,1,{NPI_A},2FH5UF6NK84\r\n"),
    );
    assert_eq!(
        batch_clean_claims(d.path(), &["a.csv", "b.csv"]),
        format!(
            "{head}\nP1,2025-03-31,99490,1,{NPI_A},1EG4-TE5-MK73\nP2,2025-03-31,99490,1,{NPI_A},2FH5UF6NK84\n"
        )
    );
    // Two layouts: one `ccm:` line, exit 2, nothing written.
    put(
        d.path(),
        "c.csv",
        format!(
            "patient_id;date_of_service;hcpcs;units;billing_npi\nP2;2025-03-31;99490;1;{NPI_A}\n"
        ),
    );
    let out2 = d.path().join("out2");
    let run = ccm()
        .arg("audit")
        .arg(d.path().join("timelog.csv"))
        .args(claims(&["a.csv", "c.csv"]))
        .args(["--as-of", "2025-04-15", "--quiet", "--out"])
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.starts_with("ccm: ") && err.contains("c.csv") && err.contains("one layout"),
        "{err}"
    );
    assert!(!out2.exists(), "nothing written");
}

/// A claims file's status column (issue 23, item 4): a line said sent, with no date, is
/// audited for support, not filing; a line not yet sent is judged against the as-of date;
/// an unknown word holds the line.
#[test]
fn a_claim_status_says_whether_the_line_was_filed() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let run = |status: &str| {
        put(
            d.path(),
            "claims.csv",
            format!(
                "patient_id,date_of_service,hcpcs,units,billing_npi,Status\nP1,2025-03-31,99490,1,{NPI_A},{status}\n"
            ),
        );
        // Audited after the line's filing deadline (2026-03-31).
        let (v, _, _) = verdict(d.path(), &["--as-of", "2026-05-01"]);
        v
    };
    let none: Vec<String> = vec![];
    for sent in ["Paid", "submitted", "Accepted"] {
        assert_eq!(run(sent), none, "{sent}");
    }
    // Denied, rejected or voided: no claim that stands, so no filing deadline is judged on
    // it; the line is excluded and said.
    for refused in ["DENIED", "Rejected", "void"] {
        assert_eq!(run(refused), vec!["IN009".to_string()], "{refused}");
    }
    for not_yet in ["", "Draft", "Ready to Bill"] {
        assert_eq!(run(not_yet), vec!["CD009".to_string()], "{not_yet:?}");
    }
    // The line is held (IN002); the month, past its deadline, leaves nothing to bill (no RV001).
    assert_eq!(run("Maybe"), vec!["IN002".to_string()]);
}

/// Red team round 6: a device line of several units, two lines tied on the day a period
/// starts, a line dated after the as-of date or past its filing deadline are held; the
/// readings after the as-of date are not counted.
#[test]
fn device_lines_answer_to_units_ties_dates_and_filing() {
    let run = |claims: &str, as_of: &str| {
        let d = good_case(&rows_for("P1", &[25], NPI_A));
        put(
            d.path(),
            "claims.csv",
            format!("patient_id,date_of_service,hcpcs,units,billing_npi\n{claims}"),
        );
        let days: String = (1..=30)
            .map(|i| format!("P1,2025-03-{i:02}\nP1,2025-04-{i:02}\n"))
            .collect();
        put(
            d.path(),
            "readings.csv",
            format!("patient_id,reading_date\n{days}"),
        );
        let (_, json, stderr) = audit_json(d.path(), &["--as-of".to_string(), as_of.to_string()]);
        let mut found: Vec<String> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{stderr}"))
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| {
                format!(
                    "{} {}",
                    f["code"].as_str().unwrap(),
                    f["line"].as_str().unwrap_or("")
                )
            })
            .collect();
        found.sort();
        found
    };
    let ccm = format!("P1,2025-03-31,99490,1,{NPI_A}\n");
    // Three units of 99454: three periods on one line.
    assert_eq!(
        run(
            &format!("{ccm}P1,2025-03-31,99454,3,{NPI_A}\n"),
            "2025-04-15"
        ),
        vec!["DV002 3"]
    );
    // Two practitioners, one day: neither goes out, in either row order.
    for (x, y) in [(NPI_A, NPI_B), (NPI_B, NPI_A)] {
        let tied = format!("{ccm}P1,2025-03-31,99454,1,{x}\nP1,2025-03-31,99454,1,{y}\n");
        assert_eq!(
            run(&tied, "2025-04-15"),
            vec!["DV002 3", "DV002 4"],
            "{x} first"
        );
    }
    // Dated after the as-of date: CD006; readings after it do not count (DV001).
    assert_eq!(
        run(
            &format!("{ccm}P1,2025-04-30,99454,1,{NPI_A}\n"),
            "2025-04-15"
        ),
        vec!["CD006 3", "DV001 3"]
    );
    // Past its filing deadline, not sent: CD009, like the CCM line beside it.
    assert_eq!(
        run(
            &format!("{ccm}P1,2025-03-31,99454,1,{NPI_A}\n"),
            "2026-05-01"
        ),
        vec!["CD009 2", "CD009 3"]
    );
}

/// Red team round 6: a first claims file whose last line has no line end, and a line
/// with a blank `mbi` beside lines of its patient id that carry one.
#[test]
fn a_batch_survives_a_missing_last_line_end_and_blank_mbi_cells() {
    let d = good_case(&format!(
        "{}{}",
        rows_for("P1", &[25], NPI_A),
        rows_for("P2", &[25], NPI_A)
    ));
    let head = "patient_id,date_of_service,hcpcs,units,billing_npi,mbi";
    put(
        d.path(),
        "a.csv",
        format!("{head}\nP1,2025-03-31,99490,1,{NPI_A},"),
    );
    put(
        d.path(),
        "b.csv",
        format!("{head}\nP2,2025-03-31,99490,1,{NPI_A},2FH5UF6NK84\n"),
    );
    assert_eq!(
        batch_clean_claims(d.path(), &["a.csv", "b.csv"]),
        format!(
            "{head}\nP1,2025-03-31,99490,1,{NPI_A},\nP2,2025-03-31,99490,1,{NPI_A},2FH5UF6NK84\n"
        )
    );
    // P1 is the beneficiary 2FH5UF6NK84 too, on a line of February, by another NPI: its
    // blank March cell does not make it someone else, so CD011 holds both March claims.
    put(
        d.path(),
        "claims.csv",
        format!(
            "{head}\nP1,2025-02-28,99490,1,{NPI_B},2FH5UF6NK84\nP1,2025-03-31,99490,1,{NPI_A},\nP2,2025-03-31,99490,1,{NPI_A},2FH5UF6NK84\n"
        ),
    );
    let (found, _, _) = verdict(d.path(), &[]);
    assert!(found.contains(&"CD011".to_string()), "{found:?}");
}

/// Red team round 6: a month whose claim line could not be read is not "not claimed".
#[test]
fn an_unreadable_claim_line_is_not_reported_as_a_month_not_claimed() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    put(
        d.path(),
        "claims.csv",
        format!(
            "patient_id,date_of_service,hcpcs,units,billing_npi\nP1,2025-03-31,9949O,1,{NPI_A}\n"
        ),
    );
    let (_, json, _) = audit_json(d.path(), &[]);
    let found: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(found.contains(&"IN002"), "{found:?}");
    assert!(!found.contains(&"RV001"), "{found:?}");
    assert_eq!(json["summary"]["amount_unbilled"], "0.00");
}

/// Red team round 6 (D6): a claim whose lines lie in two claims files is one finding per
/// file, but its money at stake is counted once: the same as with one file.
#[test]
fn a_finding_split_over_two_files_counts_its_money_once() {
    let d = good_case(&rows_for("P1", &[25], NPI_A));
    let head = "patient_id,date_of_service,hcpcs,units,billing_npi";
    let line = format!("P1,2025-03-31,99490,1,{NPI_A}\n");
    put(d.path(), "one.csv", format!("{head}\n{line}{line}"));
    put(d.path(), "a.csv", format!("{head}\n{line}"));
    put(d.path(), "b.csv", format!("{head}\n{line}"));
    let stake = |files: &[&str]| -> (usize, rust_decimal::Decimal) {
        let args: Vec<String> = files
            .iter()
            .flat_map(|f| {
                [
                    "--claims".to_string(),
                    d.path().join(f).display().to_string(),
                ]
            })
            .collect();
        let (_, json, stderr) = audit_json(d.path(), &args);
        let cd005: Vec<&serde_json::Value> = json["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{stderr}"))
            .iter()
            .filter(|f| f["code"] == "CD005")
            .collect();
        let sum = cd005
            .iter()
            .filter_map(|f| f["amount"].as_str())
            .map(|a| a.parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        (cd005.len(), sum)
    };
    let (n1, one) = stake(&["one.csv"]);
    let (n2, two) = stake(&["a.csv", "b.csv"]);
    assert_eq!((n1, n2), (1, 2), "one finding per file");
    assert!(!one.is_zero());
    assert_eq!(two, one, "the money is the claim's, once");
}

/// `ccm audit DIR/timelog.csv --claims DIR/F ... --out DIR/out`, which must exit 0: its
/// clean_claims.csv.
fn batch_clean_claims(d: &std::path::Path, files: &[&str]) -> String {
    let out = d.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut c = ccm();
    c.arg("audit").arg(d.join("timelog.csv"));
    for f in files {
        c.arg("--claims").arg(d.join(f));
    }
    let run = c
        .args(["--as-of", "2025-04-15", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out.join("clean_claims.csv")).unwrap()
}

/// `ccm audit --help` names every file `--out` writes (it once listed four of the six),
/// and the README installs with the lock file's tested versions.
#[test]
fn audit_help_names_every_out_file_and_install_is_locked() {
    let out = super::common::ccm()
        .args(["audit", "--help"])
        .output()
        .unwrap();
    // clap wraps the text at the terminal's width: one line per word is enough to check.
    let help = String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for f in ccm::args::OUTPUTS {
        assert!(help.contains(f), "--help does not name {f}:\n{help}");
    }
    let readme = std::fs::read_to_string(super::common::root().join("README.md")).unwrap();
    for line in readme
        .lines()
        .filter(|l| l.trim_start().starts_with("cargo install"))
    {
        assert!(line.contains("--locked"), "{line}");
    }
}

/// A reader that stops reading stdout (`| head`) never changes the exit code, whatever the
/// format: the demo's findings are exit 1 (red team round 22: `--format csv` was exit 2,
/// the csv writer's error wrapping the broken pipe).
#[test]
fn a_closed_stdout_keeps_the_audits_exit_code_in_every_format() {
    // Output well past every buffer on the way: 4,000 rows, each a finding of its own.
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from("patient_id,service_date,minutes,staff_id,staff_role,billing_npi\n");
    for i in 0..4000 {
        log += &format!("P{i},2025-03-05,25,S1,RN,12345\n");
    }
    let demo = dir.path().join("timelog.csv");
    std::fs::write(&demo, log).unwrap();
    for format in ["table", "json", "jsonl", "csv", "sarif", "junit"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ccm"))
            .env("NO_COLOR", "1")
            .arg("audit")
            .arg(&demo)
            .args(["--as-of", "2025-04-15", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `--out` a mount point (a container's volume), or holding one: the set is written there,
/// run after run, with no staged folder left beside it. Mounting needs privileges: where
/// `mount` is refused the test says so and checks nothing.
#[test]
fn out_on_a_mount_point_is_written() {
    let demo = crate::common::root().join("fixtures/demo/timelog.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    std::fs::create_dir(&out).unwrap();
    let mount = |at: &std::path::Path| {
        std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !mount(&out) {
        eprintln!("out_on_a_mount_point_is_written: mount refused here; not checked");
        return;
    }
    let inner = out.join("cache");
    std::fs::create_dir(&inner).unwrap();
    let both = mount(&inner);
    let mut results = Vec::new();
    for as_of in ["2025-04-15", "2025-04-16"] {
        let run = crate::common::audit_to(&demo, as_of, &out)
            .output()
            .unwrap();
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap_or_default();
        results.push((
            run.status.code(),
            summary.contains(as_of),
            String::from_utf8_lossy(&run.stderr).to_string(),
        ));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    if both {
        let _ = std::process::Command::new("umount").arg(&inner).status();
    }
    let _ = std::process::Command::new("umount").arg(&out).status();
    for r in &results {
        assert_eq!((r.0, r.1), (Some(0), true), "{results:?}");
    }
    assert_eq!(left, ["reports"], "a staged folder was left beside --out");
}

/// `--out` a symbolic link to a folder that does not exist: refused in words naming where it
/// points, exit 2, nothing created there (never followed: a planted link would choose where
/// the set goes).
#[test]
fn out_through_a_dangling_link_is_refused_naming_its_target() {
    let demo = crate::common::root().join("fixtures/demo/timelog.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), &out).unwrap();
    let run = crate::common::audit_to(&demo, "2025-04-15", &out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a symbolic link to") && err.contains("elsewhere"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!dir.path().join("elsewhere").exists());
}
