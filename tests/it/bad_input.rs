//! Bad input, nothing lost: whatever arrives, no panic, good rows still count, every row is
//! accounted for, and a file that cannot be audited is one line and exit 2.

use crate::common::{audit_json, ccm, folder, lines_of};

const H: &str = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n";
const GOOD: &str =
    "P1,2025-03-03,25,,,S1,RN,CCM,1234567893,call,\"Reviewed meds, adjusted dose\"\n";
const CONSENTS: &str = "patient_id,consent_date\nP1,2025-01-01\nP2,2025-01-01\n";
const DIAGNOSES: &str = "patient_id,icd10_code\nP1,I10\nP1,E119\nP2,I10\nP2,E119\n";

/// Audits a time log given as bytes; returns exit code, JSON and stderr.
fn run_bytes(timelog: &[u8]) -> (i32, serde_json::Value, String) {
    let d = folder(&[("consents.csv", CONSENTS), ("diagnoses.csv", DIAGNOSES)]);
    std::fs::write(d.path().join("timelog.csv"), timelog).unwrap();
    audit_json(d.path(), &[])
}

fn reconciles(json: &serde_json::Value) {
    for f in json["summary"]["files"].as_array().expect("files") {
        let (r, c, e) = (
            f["rows_read"].as_u64().unwrap(),
            f["rows_counted"].as_u64().unwrap(),
            f["rows_excluded"].as_u64().unwrap(),
        );
        assert_eq!(r, c + e, "{f}");
    }
}

#[test]
fn empty_file_is_exit_2() {
    let (code, _, err) = run_bytes(b"");
    assert_eq!(code, 2);
    assert!(err.contains("empty"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn header_only_is_an_empty_audit() {
    let (code, json, err) = run_bytes(H.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["summary"]["files"][0]["rows_read"], 0);
}

#[test]
fn random_bytes_never_panic() {
    // A deterministic pseudo-random stream, with and without a header line.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push((x >> 24) as u8);
    }
    let (code, _, err) = run_bytes(&bytes);
    assert!(matches!(code, 0 | 2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let mut with_header = H.as_bytes().to_vec();
    with_header.extend_from_slice(&bytes);
    with_header.extend_from_slice(GOOD.as_bytes());
    let (code, json, err) = run_bytes(&with_header);
    assert_eq!(code, 0, "{err}");
    reconciles(&json);
}

#[test]
fn non_utf8_in_a_note_still_counts_but_not_in_a_needed_field() {
    // The first MiB is UTF-8 (a long note), so the file is read as UTF-8: bytes that are
    // not, further on, are IN001 in a needed field and harmless in a note.
    let mut t = H.as_bytes().to_vec();
    let long_note = "reviewed ".repeat(120_000);
    t.extend_from_slice(
        format!("P1,2025-03-03,5,,,S1,RN,CCM,1234567893,call,{long_note}\n").as_bytes(),
    );
    t.extend_from_slice(b"P1,2025-03-04,20,,,S1,RN,CCM,1234567893,call,caf\xe9 \xff note bytes\n");
    t.extend_from_slice(b"P\xff2,2025-03-04,25,,,S1,RN,CCM,1234567893,call,fine note here\n");
    let (code, json, err) = run_bytes(&t);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines_of(&json, "IN001"), ["4"]);
    let file = &json["summary"]["files"][0];
    assert_eq!(file["rows_counted"], 2);
    assert_eq!(file["read_as"]["encoding"], "UTF-8");
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
    reconciles(&json);

    // When the first MiB is not UTF-8, the whole file is read as windows-1252: every row
    // is text, and the note says so.
    let mut t = H.as_bytes().to_vec();
    t.extend_from_slice(b"P1,2025-03-03,25,,,S1,RN,CCM,1234567893,call,caf\xe9 \xff note bytes\n");
    t.extend_from_slice(b"P2,2025-03-04,25,,,S1,RN,CCM,1234567893,call,fine note here\n");
    let (code, json, err) = run_bytes(&t);
    assert_eq!(code, 0, "{err}");
    assert!(lines_of(&json, "IN001").is_empty(), "{json}");
    let file = &json["summary"]["files"][0];
    assert_eq!(file["rows_counted"], 2);
    assert_eq!(file["read_as"]["encoding"], "windows-1252");
    assert_eq!(
        file["read_as"]["notes"][0],
        "decoded from windows-1252 (the bytes are not UTF-8)"
    );
    assert_eq!(json["summary"]["clean_claim_lines"], 2);
    reconciles(&json);
}

#[test]
fn a_two_megabyte_field_is_handled() {
    let big = "x".repeat(2 * 1024 * 1024);
    let t = format!(
        "{H}P1,2025-03-03,25,,,S1,RN,CCM,1234567893,call,\"{big}\"\nP1,2025-03-04,{big},,,S1,RN,CCM,1234567893,call,n\n"
    );
    let (code, json, err) = run_bytes(t.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines_of(&json, "IN002"), ["3"]);
    // The message quotes at most a short prefix of the bad value.
    let msg = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "IN002")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .len();
    assert!(msg < 300, "message of {msg} bytes");
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
}

#[test]
fn unterminated_quote_at_the_end() {
    let t = format!("{H}{GOOD}P1,2025-03-05,10,,,S1,RN,CCM,1234567893,call,\"never closed\n");
    let (code, json, err) = run_bytes(t.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines_of(&json, "IN001"), ["3"]);
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
    reconciles(&json);
}

#[test]
fn impossible_and_extreme_values_are_invalid_rows() {
    let bad = [
        "P1,2025-02-29,25,,,S1,RN,CCM,1234567893,,n",
        "P1,0000-03-01,25,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,1e3,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,20.5x,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,-0,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,99999999999999999999,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,0:45,09:00,09:20,S1,RN,CCM,1234567893,,longer than its interval",
        ",2025-03-03,20,,,S1,RN,CCM,1234567893,,n",
        "P1,2025-03-03,60,23:30,00:30,S1,RN,CCM,1234567893,,crossing midnight",
        "P1,2025-03-03,20,09:00,09:20,S1,RN,CCM,12345678901234567890,,n",
        // Dates no CMS year covers: typos, never priced as an estimate (issue 20).
        "P1,9999-12-31,25,,,S1,RN,CCM,1234567893,,n",
        "P1,1900-03-03,25,,,S1,RN,CCM,1234567893,,n",
    ];
    let mut t = String::from(H);
    t.push_str(GOOD);
    for b in bad {
        t.push_str(b);
        t.push('\n');
    }
    // 2025-12-31 is a valid date in a year ccm audits, but after the as-of date.
    t.push_str("P1,2025-12-31,25,,,S1,RN,CCM,1234567893,,n\n");
    // No duration and no interval: an open timer, excluded with its own reason.
    t.push_str("P1,2025-03-03,,,,S1,RN,CCM,1234567893,,n\n");
    t.push_str("P1,2025-03-03,0,,,S1,RN,CCM,1234567893,,n\n");
    let (code, json, err) = run_bytes(t.as_bytes());
    assert_eq!(code, 0, "{err}");
    let in002 = lines_of(&json, "IN002");
    assert_eq!(in002.len(), bad.len(), "{in002:?}");
    assert_eq!(lines_of(&json, "IN004"), ["15"]);
    assert_eq!(lines_of(&json, "IN006"), ["16", "17"]);
    assert_eq!(json["summary"]["files"][0]["rows_counted"], 1);
    reconciles(&json);
}

#[test]
fn two_hundred_thousand_rows_for_one_patient() {
    let mut t = String::with_capacity(200_000 * 70);
    t.push_str(H);
    for i in 0..200_000u32 {
        let day = 1 + i % 28;
        let start = 480 + (i / 28) % 600;
        t.push_str(&format!(
            "P1,2025-03-{day:02},1,{:02}:{:02},{:02}:{:02},S{},RN,CCM,1234567893,call,reviewed labs with patient\n",
            start / 60,
            start % 60,
            (start + 1) / 60,
            (start + 1) % 60,
            i % 7
        ));
    }
    let (code, json, err) = run_bytes(t.as_bytes());
    assert_eq!(code, 0, "{err}");
    reconciles(&json);
    assert_eq!(json["summary"]["files"][0]["rows_read"], 200_000);
    // Capped at 99490 + 2 x 99439.
    assert_eq!(json["summary"]["clean_claim_lines"], 2);
}

#[test]
fn unreadable_inputs_are_one_line_exit_2_and_nothing_written() {
    let d = folder(&[
        ("timelog.csv", &format!("{H}{GOOD}")),
        ("consents.csv", CONSENTS),
    ]);
    let out = d.path().join("out");
    for args in [
        vec![
            "--consents".to_string(),
            d.path().join("missing.csv").display().to_string(),
        ],
        vec!["--diagnoses".to_string(), d.path().display().to_string()],
        vec![
            "--map".to_string(),
            d.path().join("nomap.toml").display().to_string(),
        ],
        vec![
            "--rules".to_string(),
            d.path().join("norules").display().to_string(),
        ],
        vec!["--month".to_string(), "2025-13".to_string()],
        vec!["--as-of".to_string(), "yesterday".to_string()],
        vec!["--delimiter".to_string(), "ab".to_string()],
    ] {
        let o = ccm()
            .arg("audit")
            .arg(d.path().join("timelog.csv"))
            .args(&args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ccm: "), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote --out");
    }
}

#[test]
fn semicolon_delimited_exports() {
    let t = "patient_id;service_date;minutes;staff_id;staff_role;billing_npi\nP1;2025-03-03;25;S1;RN;1234567893\n";
    let d = folder(&[
        ("timelog.csv", t),
        ("consents.csv", "patient_id;consent_date\nP1;2025-01-01\n"),
        ("diagnoses.csv", "patient_id;icd10_code\nP1;I10\nP1;E119\n"),
    ]);
    let (code, json, err) = audit_json(d.path(), &["--delimiter".into(), ";".into()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["summary"]["clean_claim_lines"], 1);
}

/// Two exports joined, the second with its own header: under other names in the same
/// columns it is a repeated header (IN005) and both exports' rows count; with a field in
/// another column, the rows below would be misread: exit 2 naming the line and the field,
/// nothing audited.
#[test]
fn a_second_header_is_a_repeated_header_or_exit_2_when_it_moves_a_column() {
    let first = "patient_id,service_date,minutes,staff_id,staff_role,program,billing_npi\n\
                 P1,2025-03-05,25,S1,RN,CCM,1234567893\n";
    let same = format!(
        "{first}Patient MRN,Date of Service,Time Spent,Staff,Credential,Program,Billing Provider NPI\n\
         P2,2025-03-06,22,S1,RN,CCM,1234567893\n"
    );
    let (code, json, err) = run_bytes(same.as_bytes());
    assert_eq!(code, 0, "{err}");
    reconciles(&json);
    assert_eq!(lines_of(&json, "IN005"), ["3"], "{json}");
    assert!(lines_of(&json, "IN002").is_empty(), "{json}");
    assert_eq!(json["summary"]["clean_claim_lines"], 2, "{json}");
    assert_eq!(json["summary"]["files"][0]["rows_counted"], 2);
    let moved = format!(
        "{first}Patient MRN,Date of Service,Staff,Time Spent,Credential,Program,Billing Provider NPI\n\
         P2,2025-03-06,S1,22,RN,CCM,1234567893\n"
    );
    let (code, json, err) = run_bytes(moved.as_bytes());
    assert_eq!(code, 2, "{json}");
    assert!(
        err.starts_with("ccm: ")
            && err.contains("line 3 is a second header")
            && err.contains("minutes, staff_id"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// With --ignore-id-zeros every output names a patient without the zeros, a row that cannot
/// be read included (red team round 12: its IN002 named 00512 while the rest said 512, so a
/// per-patient filter of the findings missed it).
#[test]
fn a_row_finding_names_the_patient_as_every_output_does_without_zeros() {
    let log =
        format!("{H}00512,2025-03-03,25,,,S1,Health Coach,CCM,1234567893,call,\"Reviewed meds\"\n");
    let d = folder(&[
        ("consents.csv", "patient_id,consent_date\n512,2025-01-01\n"),
        ("diagnoses.csv", DIAGNOSES),
        ("timelog.csv", &log),
    ]);
    let (_, json, err) = audit_json(d.path(), &["--ignore-id-zeros".to_string()]);
    let in002: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "IN002")
        .collect();
    assert_eq!(in002.len(), 1, "{err}{json}");
    assert_eq!(in002[0]["patient_id"], "512");
}

/// Red team round 18: a file of the wrong kind given as the time log (the consents file)
/// names every column it lacks in its one line, the staff role too when no roster gives
/// it (it named three of four, so the user fixed three and met the fourth on the next run).
#[test]
fn a_file_of_the_wrong_kind_names_every_missing_column_at_once() {
    let (code, _, err) = run_bytes(CONSENTS.as_bytes());
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for col in ["service_date", "staff_id", "minutes", "staff_role"] {
        assert!(err.contains(&format!("`{col}")), "{col} unnamed: {err}");
    }
    // With a roster the role comes from it: not missing.
    let d = folder(&[
        ("consents.csv", CONSENTS),
        ("diagnoses.csv", DIAGNOSES),
        ("timelog.csv", CONSENTS),
        ("staff.csv", "staff_id,staff_role\nS1,RN\n"),
    ]);
    let (code, _, err) = audit_json(d.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("staff_role"), "{err}");
    assert!(err.contains("`service_date`"), "{err}");
}
