//! What ccm prints is clean and bounded, and a run stays within the system's limits: no
//! control character from a file or folder name reaches a terminal or an output file raw;
//! every message has a length bound; no error line carries a data value of a file ccm
//! could not read as text; hundreds of time logs audit under a small open-file limit; a
//! workbook over the limit is refused before it is read into memory.

use crate::common::{ccm, root};
use std::path::{Path, PathBuf};

const ESC: u8 = 0x1b;

/// The demo's files copied into `dir/<name>/`.
fn demo_in(dir: &Path, name: &str) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir(&d).unwrap();
    for f in std::fs::read_dir(root().join("fixtures/demo"))
        .unwrap()
        .flatten()
    {
        if f.file_type().unwrap().is_file() && f.path().extension().is_some_and(|e| e == "csv") {
            std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
        }
    }
    d
}

/// The control bytes of `b` other than line ends (`\n`, and `\r` before one).
fn controls(b: &[u8]) -> Vec<u8> {
    b.iter()
        .enumerate()
        .filter(|&(i, &c)| {
            (c < 0x20 || c == 0x7f) && c != b'\n' && !(c == b'\r' && b.get(i + 1) == Some(&b'\n'))
        })
        .map(|(_, &c)| c)
        .collect()
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    ccm().args(args).output().expect("run ccm")
}

#[test]
fn control_characters_from_a_folder_name_reach_no_output_raw() {
    let t = tempfile::tempdir().unwrap();
    let folder = "dir\u{1b}[31mRED\u{7}\u{202e}";
    let d = demo_in(t.path(), folder);
    let rules = t.path().join("rules\u{1b}]0;title\u{7}");
    std::fs::create_dir(&rules).unwrap();
    let log = d.join("timelog.csv");
    let out = d.join("out");
    let base: Vec<&std::ffi::OsStr> = vec![
        "audit".as_ref(),
        log.as_os_str(),
        "--as-of".as_ref(),
        "2025-06-15".as_ref(),
        "--fail-on".as_ref(),
        "never".as_ref(),
        "--rules".as_ref(),
        rules.as_os_str(),
    ];
    // The report, --format csv and json (stdout), and the --out files.
    let with = |extra: &[&str]| {
        let mut a = base.clone();
        a.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        run(&a)
    };
    let table = with(&[]);
    assert_eq!(table.status.code(), Some(0), "{table:?}");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("dir\\u{1b}[31mRED\\u{7}\\u{202e}/timelog.csv"),
        "{text}"
    );
    assert!(text.contains("rules\\u{1b}]0;title\\u{7}"), "{text}");
    let csv = with(&["--format", "csv"]);
    let json = with(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert!(
        v["summary"]["files"][0]["file"]
            .as_str()
            .unwrap()
            .contains("\\u{1b}[31m")
    );
    let mut outs: Vec<(String, Vec<u8>)> = vec![
        ("table".into(), table.stdout),
        ("csv".into(), csv.stdout),
        ("json".into(), json.stdout),
    ];
    let mut a = base.clone();
    a.extend([
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--xlsx".as_ref(),
    ]);
    let o = run(&a);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for f in std::fs::read_dir(&out).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        if name.ends_with(".csv") || name.ends_with(".json") {
            outs.push((name, std::fs::read(f.path()).unwrap()));
        }
    }
    assert_eq!(
        outs.len(),
        ccm::args::OUTPUTS.len() + 3,
        "the --out files and three streams"
    );
    // The trace and inspect (text and JSON).
    let trace = run(&[
        "trace".as_ref(),
        "P0033".as_ref(),
        log.as_os_str(),
        "--month".as_ref(),
        "2025-03".as_ref(),
        "--as-of".as_ref(),
        "2025-06-15".as_ref(),
    ]);
    assert_eq!(trace.status.code(), Some(0), "{trace:?}");
    assert!(String::from_utf8_lossy(&trace.stdout).contains("RED\\u{7}"));
    outs.push(("trace".into(), trace.stdout));
    for format in ["text", "json"] {
        let o = run(&[
            "inspect".as_ref(),
            log.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        outs.push((format!("inspect {format}"), o.stdout));
    }
    for (what, bytes) in &outs {
        assert!(!bytes.is_empty(), "{what}");
        assert_eq!(
            controls(bytes),
            Vec::<u8>::new(),
            "{what}: {}",
            String::from_utf8_lossy(bytes)
        );
        // No bidirectional override either (U+202E is E2 80 AE).
        assert!(!bytes.windows(3).any(|w| w == b"\xE2\x80\xAE"), "{what}");
    }
    // Error lines: a patient id and a folder name with escape sequences.
    let missing = t.path().join("gone\u{1b}[2J").join("timelog.csv");
    for args in [
        vec![
            "trace".as_ref(),
            "P0033\u{1b}[2J".as_ref(),
            log.as_os_str(),
            "--month".as_ref(),
            "2025-03".as_ref(),
        ],
        vec!["audit".as_ref(), missing.as_os_str()],
        vec!["inspect".as_ref(), missing.as_os_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let all = [o.stdout.as_slice(), o.stderr.as_slice()].concat();
        assert!(!all.contains(&ESC), "{}", String::from_utf8_lossy(&all));
        assert!(
            String::from_utf8_lossy(&o.stderr).lines().count() <= 1,
            "{o:?}"
        );
    }
}

#[test]
fn every_message_has_a_length_bound() {
    // A map of 100,000 unknown fields once printed a 17 MB line.
    let t = tempfile::tempdir().unwrap();
    let d = demo_in(t.path(), "demo");
    let mut map = String::from("[timelog]\n");
    for i in 0..100_000 {
        map.push_str(&format!("unknown_field_{i} = \"Header {i}\"\n"));
    }
    let map_path = d.join("map.toml");
    std::fs::write(&map_path, map).unwrap();
    for sub in ["audit", "inspect"] {
        let o = run(&[
            sub.as_ref(),
            d.join("timelog.csv").as_os_str(),
            "--map".as_ref(),
            map_path.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{sub}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{sub}: {} bytes", err.len());
        assert!(err.len() < 4_000, "{sub}: {} bytes", err.len());
        assert!(
            err.contains("100000 problems") && err.contains("and 99990 more"),
            "{sub}: {err}"
        );
    }
}

#[test]
fn a_file_that_is_not_text_ccm_reads_is_said_without_a_data_value() {
    // A time log exported as UTF-16 without its byte-order mark or its header: once the
    // first patient's note was echoed on stderr as "headers seen".
    let t = tempfile::tempdir().unwrap();
    let d = demo_in(t.path(), "demo");
    let row = "ZQ9071,2025-03-03,25,,,S1,RN,CCM,1234567893,call,Pt disclosed new HIV diagnosis\n";
    let header = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n";
    let le = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let be = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    let u32le = |s: &str| -> Vec<u8> { s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect() };
    for (what, bytes, says) in [
        (
            "utf-16le, no header",
            le(row),
            "looks like UTF-16 without a byte-order mark",
        ),
        (
            "utf-16be, no header",
            be(row),
            "looks like UTF-16 without a byte-order mark",
        ),
        (
            "utf-16le with a header",
            le(&format!("{header}{row}")),
            "looks like UTF-16 without a byte-order mark",
        ),
        ("utf-32le, no header", u32le(row), "NUL bytes"),
    ] {
        std::fs::write(d.join("timelog.csv"), &bytes).unwrap();
        for sub in ["audit", "inspect"] {
            let o = run(&[sub.as_ref(), d.join("timelog.csv").as_os_str()]);
            assert_eq!(o.status.code(), Some(2), "{what}: {o:?}");
            let all = String::from_utf8_lossy(&[o.stdout.as_slice(), o.stderr.as_slice()].concat())
                .into_owned();
            assert!(all.contains(says), "{what} {sub}: {all}");
            for secret in ["ZQ9071", "HIV", "disclosed", "\\u{0}"] {
                assert!(!all.contains(secret), "{what} {sub}: {secret} in {all}");
            }
        }
    }
    // With its byte-order mark, UTF-16 is read as always.
    let mut bom = vec![0xFF, 0xFE];
    bom.extend(le(&std::fs::read_to_string(
        root().join("fixtures/demo/timelog.csv"),
    )
    .unwrap()));
    std::fs::write(d.join("timelog.csv"), bom).unwrap();
    let o = run(&[
        "audit".as_ref(),
        d.join("timelog.csv").as_os_str(),
        "--quiet".as_ref(),
        "--fail-on".as_ref(),
        "never".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[cfg(unix)]
#[test]
fn hundreds_of_time_logs_audit_under_a_small_open_file_limit() {
    // Every log's header is read before any row: each log once stayed open until its rows
    // were read, so 300 logs failed under a 256 open-file limit (macOS's default).
    let t = tempfile::tempdir().unwrap();
    let d = demo_in(t.path(), "demo");
    std::fs::remove_file(d.join("timelog.csv")).unwrap();
    let mut logs = Vec::new();
    for i in 0..300 {
        let p = d.join(format!("timelog_{i:03}.csv"));
        // Rows past the first MiB too, so the rest of a log is read after it was closed.
        let mut text = String::from(
            "patient_id,service_date,minutes,staff_id,staff_role,program,billing_npi,note\n",
        );
        let rows = if i == 0 { 20_000 } else { 2 };
        for r in 0..rows {
            text.push_str(&format!(
                "P{i:03}-{},2025-03-{:02},1,S1,RN,CCM,1628315479,{}\n",
                r % 50,
                r % 28 + 1,
                "x".repeat(40)
            ));
        }
        std::fs::write(&p, text).unwrap();
        logs.push(p);
    }
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64; exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("ccm"))
        .args([
            "audit",
            "--as-of",
            "2025-06-15",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(&logs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["summary"]["files"].as_array().unwrap();
    let read: u64 = files
        .iter()
        .filter(|f| f["kind"] == "timelog")
        .map(|f| f["rows_read"].as_u64().unwrap())
        .sum();
    assert_eq!(read, 20_000 + 299 * 2);
}

#[cfg(unix)]
#[test]
fn a_workbook_over_the_limit_is_refused_before_it_is_read() {
    // A 4 GB file (sparse: no disk) that starts as a zip archive, as a time log and as a
    // claims file, under 1 GB of address space: once read whole into memory first.
    let t = tempfile::tempdir().unwrap();
    let d = demo_in(t.path(), "demo");
    let big = d.join("big.xlsx");
    let f = std::fs::File::create(&big).unwrap();
    use std::io::Write;
    (&f).write_all(b"PK\x03\x04").unwrap();
    f.set_len(4 << 30).unwrap();
    let log = d.join("timelog.csv");
    for args in [
        vec![big.as_os_str()],
        vec![log.as_os_str(), "--claims".as_ref(), big.as_os_str()],
    ] {
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 1000000; exec \"$0\" audit --quiet \"$@\"")
            .arg(assert_cmd::cargo::cargo_bin("ccm"))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("it is 4096 MB, over the 256 MB"), "{err}");
    }
}

/// The peak resident memory (MB) of one run of ccm with `args` in `dir`: the largest
/// `peak` that `CCM_TIMING=1` reports (the process's own VmHWM, counted from its exec, so
/// neither the test process nor tests running beside it count).
fn peak_mb(dir: &Path, args: &[&str]) -> u64 {
    let out = ccm()
        .current_dir(dir)
        .env("CCM_TIMING", "1")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    err.split("peak ")
        .skip(1)
        .filter_map(|t| t.split(" MB").next()?.trim().parse().ok())
        .max()
        .unwrap_or_else(|| panic!("no peak in {err}"))
}

#[test]
fn memory_does_not_grow_with_the_length_of_note_text() {
    // 600 rows whose notes are 256 KiB each (150 MiB of text): records travel in batches
    // bounded by bytes as well as by count, so the run keeps a few of them at a time.
    let dir = tempfile::tempdir().unwrap();
    let long = "reviewed labs ".repeat(256 * 1024 / 14);
    let mut t =
        String::from("patient_id,service_date,minutes,staff_id,staff_role,billing_npi,note\n");
    for i in 0..600 {
        t.push_str(&format!(
            "P{:03},2025-03-{:02},5,S1,RN,1234567893,\"{long}\"\n",
            i % 60,
            1 + i % 28
        ));
    }
    std::fs::write(dir.path().join("timelog.csv"), t).unwrap();
    let args = [
        "audit",
        "timelog.csv",
        "--as-of",
        "2025-04-15",
        "--fail-on",
        "never",
    ];
    let peak = peak_mb(dir.path(), &args);
    // Before: 512 records of 256 KiB in each batch, several in flight: about 300 MB.
    assert!(peak < 120, "peak {peak} MB");
}
