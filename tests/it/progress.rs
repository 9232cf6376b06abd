//! The progress line on stderr (issue 24): shown through every phase when stderr is a
//! terminal, absent when it is not, and absent under `--quiet`. The terminal is a real
//! pseudo-terminal, made by util-linux's `script` (in every Debian base system).

use super::common::root;
use std::process::Command;

/// Runs `ccm audit` on the demo with `extra` under a pseudo-terminal (stdout to a file,
/// so only stderr reaches the terminal); returns what the terminal showed, escapes removed.
fn on_a_terminal(extra: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("ccm");
    let cmd = format!(
        "{} audit fixtures/demo/timelog.csv --as-of 2025-04-15 --fail-on never {extra} > {}",
        bin.display(),
        dir.path().join("report.txt").display()
    );
    let log = dir.path().join("typescript");
    let st = Command::new("script")
        .args(["-q", "-e", "-c", &cmd])
        .arg(&log)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("COLUMNS", "120")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script(1) from util-linux runs");
    assert!(st.success(), "{cmd}: {st:?}");
    let raw = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    // Escape sequences out, carriage returns as line ends; the header line of script(1)
    // ("Script started … [COMMAND=…]") names the command, not what ccm drew.
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            text.push(if c == '\r' { '\n' } else { c });
        }
    }
    text.lines()
        .filter(|l| !l.starts_with("Script ") && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_terminal_is_shown_every_phase_with_counts() {
    let out = tempfile::tempdir().unwrap();
    let book = out.path().join("audit.xlsx");
    let shown = on_a_terminal(&format!(
        "--out {} --xlsx {}",
        out.path().join("out").display(),
        book.display()
    ));
    for phase in [
        "reading time logs",
        "reading consents",
        "reading diagnoses",
        "reading visits",
        "checking staff days",
        "checking patient-months",
        "listing held claims",
        "writing --out and --xlsx",
    ] {
        assert!(shown.contains(phase), "no {phase:?} in:\n{shown}");
    }
    // Counts: bytes of the time log (25.69 KiB), and the patient-months checked.
    assert!(shown.contains("/25.69 KiB"), "{shown}");
    assert!(shown.contains(" written"), "{shown}");
    // The patient-months checked, counted: 45 keys (patient, month, billing NPI, program).
    let counted = count_of(&shown, "checking patient-months");
    assert_eq!(counted.map(|c| c.1), Some(45), "{shown}");
    // Nothing is left on the terminal: the last line drawn is cleared.
    assert!(!shown.lines().any(|l| l.contains("ccm:")), "{shown}");
}

/// The `done/total` of the last line naming `phase` with a count.
fn count_of(shown: &str, phase: &str) -> Option<(u64, u64)> {
    let n = |s: &str| s.replace(',', "").parse::<u64>().ok();
    shown
        .lines()
        .rev()
        .filter(|l| l.contains(phase))
        .find_map(|l| {
            let (a, b) = l
                .split_whitespace()
                .find(|t| t.contains('/'))?
                .split_once('/')?;
            Some((n(a)?, n(b)?))
        })
}

#[test]
fn the_workbook_alone_is_its_own_phase() {
    let out = tempfile::tempdir().unwrap();
    let shown = on_a_terminal(&format!("--xlsx {}", out.path().join("a.xlsx").display()));
    for phase in ["listing held claims", "writing --xlsx"] {
        assert!(shown.contains(phase), "no {phase:?} in:\n{shown}");
    }
}

#[test]
fn quiet_and_no_terminal_show_no_progress() {
    let quiet = on_a_terminal("--quiet");
    assert!(quiet.is_empty(), "--quiet drew:\n{quiet}");
    let out = super::common::ccm()
        .args([
            "audit",
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "stderr is not a terminal, yet: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
