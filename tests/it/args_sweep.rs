//! No panic is reachable from the command line: every argument that takes a value is run
//! with the edge values of its type (the extremes of a year, dates chrono cannot hold,
//! empty and hostile text). Each run ends with ccm's own answer (exit 0, 1 or 2, an error
//! as one `ccm:` line), never a panic (exit 101, a backtrace).

use crate::common::ccm;

const DEMO: &str = "fixtures/demo/timelog.csv";

/// Runs ccm with `args` and says what went wrong, if anything did.
fn no_panic(args: &[&str]) -> Result<(), String> {
    let out = ccm().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    if !matches!(code, Some(0..=2)) || err.contains("panicked") {
        return Err(format!("{args:?}: exit {code:?}\n{err}"));
    }
    // Exit 2 is one `ccm:` line, or (`ccm inspect`) the report on stdout of a file that
    // cannot be read as its kind.
    let report = err.trim().is_empty() && !out.stdout.is_empty() && args[0] == "inspect";
    if code == Some(2) && !err.trim_start().starts_with("ccm:") && !report {
        return Err(format!("{args:?}: exit 2 without a `ccm:` line\n{err}"));
    }
    Ok(())
}

fn sweep(runs: Vec<Vec<String>>) {
    let failures: Vec<String> = runs
        .iter()
        .filter_map(|a| no_panic(&a.iter().map(String::as_str).collect::<Vec<_>>()).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const YEARS: &[&str] = &[
    "-2147483648",
    "-262145",
    "-1",
    "0",
    "1",
    "2014",
    "2015",
    "9999",
    "10000",
    "262142",
    "262143",
    "262144",
    "2147483647",
];

const MONTHS: &[&str] = &[
    "0000-01",
    "2025-00",
    "2025-13",
    "2025-1",
    "9999-12",
    "262143-12",
    "-1-01",
    "+2025-03",
    "",
    " ",
    "2025-03-01",
];

const DATES: &[&str] = &[
    "0000-01-01",
    "0001-01-01",
    "1900-01-01",
    "2025-02-29",
    "2024-02-29",
    "9999-12-31",
    "262143-12-31",
    "+262143-12-31",
    "-262144-01-01",
    "2025-04-15T00:00",
    "",
];

const TEXT: &[&str] = &[
    "",
    " ",
    "\u{202e}x",
    "é",
    "\"",
    ",,",
    "\t",
    "America/New_York",
    "america/new_york",
    "Mars/Olympus_Mons",
    "+99:00",
    "EST5EDT",
];

#[test]
fn rules_year_never_panics() {
    sweep(
        YEARS
            .iter()
            .map(|y| vec!["rules".into(), "--year".into(), y.to_string()])
            .collect(),
    );
}

#[test]
fn audit_values_never_panic() {
    let mut runs = Vec::new();
    let audit = |extra: &[&str]| {
        let mut a: Vec<String> = vec![
            "audit".into(),
            DEMO.into(),
            "--format".into(),
            "json".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    for m in MONTHS {
        runs.push(audit(&["--month", m]));
    }
    for d in DATES {
        runs.push(audit(&["--as-of", d]));
    }
    for t in TEXT {
        runs.push(audit(&["--tz", t]));
        runs.push(audit(&["--delimiter", t]));
        runs.push(audit(&["--sheet", t]));
    }
    sweep(runs);
}

#[test]
fn trace_inspect_and_explain_values_never_panic() {
    let mut runs: Vec<Vec<String>> = Vec::new();
    for m in MONTHS {
        runs.push(
            ["trace", "P001", DEMO, "--month", m]
                .map(String::from)
                .to_vec(),
        );
    }
    for t in TEXT {
        runs.push(
            ["trace", t, DEMO, "--month", "2025-03"]
                .map(String::from)
                .to_vec(),
        );
        runs.push(["inspect", DEMO, "--tz", t].map(String::from).to_vec());
        runs.push(
            ["inspect", DEMO, "--delimiter", t]
                .map(String::from)
                .to_vec(),
        );
        runs.push(["inspect", DEMO, "--kind", t].map(String::from).to_vec());
        runs.push(["explain", t].map(String::from).to_vec());
    }
    runs.push(vec!["explain".into(), "X".repeat(100_000)]);
    sweep(runs);
}

#[test]
fn audit_and_inspect_read_the_same_options_alike() {
    // One read-options builder: a value one command takes the other takes, and one it
    // refuses the other refuses with the same words.
    let first_err = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    for (flag, values) in [
        (
            "--tz",
            &["america/new_york", "UTC", "Mars/Olympus_Mons", ""][..],
        ),
        ("--delimiter", &[",", ",,", ""][..]),
        ("--map", &["no/such/map.toml"][..]),
    ] {
        for v in values {
            let audit = ccm()
                .args([
                    "audit",
                    DEMO,
                    "--as-of",
                    "2025-04-15",
                    "--format",
                    "json",
                    flag,
                    v,
                ])
                .output()
                .unwrap();
            let inspect = ccm().args(["inspect", DEMO, flag, v]).output().unwrap();
            let refused = |o: &std::process::Output| o.status.code() == Some(2);
            assert_eq!(refused(&audit), refused(&inspect), "{flag} {v:?}");
            if refused(&audit) {
                assert_eq!(first_err(&audit), first_err(&inspect), "{flag} {v:?}");
            }
        }
    }
}
