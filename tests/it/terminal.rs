//! The terminal side of the CI contract (issue 25, item 6): every flag a subcommand's
//! `--help` lists is one it takes (no flag offered only to be refused or ignored); the
//! report fits the terminal's width whether or not it has colour, wraps what it cannot fit
//! instead of cutting it, shows money with thousands separators, and ends by naming what it
//! wrote and where. The terminal is a real pseudo-terminal, made by util-linux's `script`.

use super::common::{ccm, root};
use clap::CommandFactory;
use std::path::Path;
use std::process::Command;

const DEMO: &str = "fixtures/demo/timelog.csv";
const AS_OF: &str = "2025-04-15";

/// The arguments that make each subcommand run to its end on the demo, before the flag
/// under test; `tmp` holds what they write, in a folder of run `run`'s own.
fn base(sub: &str, tmp: &Path, run: usize) -> Vec<String> {
    let t = |name: &str| tmp.join(name).display().to_string();
    let args: Vec<String> = match sub {
        "audit" => vec!["audit".into(), DEMO.into(), "--as-of".into(), AS_OF.into()],
        "trace" => [
            "trace", "P0012", DEMO, "--month", "2025-03", "--as-of", AS_OF,
        ]
        .map(String::from)
        .to_vec(),
        "inspect" => vec!["inspect".into(), DEMO.into()],
        "sample" => vec![
            "sample".into(),
            "fixtures/demo/lookback/frame.csv".into(),
            "--size".into(),
            "2".into(),
            "--seed".into(),
            "1".into(),
            "--out".into(),
            t(&format!("sample{run}")),
        ],
        "extrapolate" => vec![
            "extrapolate".into(),
            t("review.csv"),
            "--frame-size".into(),
            "20".into(),
        ],
        "refund" => vec![
            "refund".into(),
            "fixtures/demo/lookback/review.csv".into(),
            "--identified".into(),
            "2025-06-01".into(),
            "--out".into(),
            t(&format!("refund{run}")),
        ],
        "explain" => vec!["explain".into(), "CN001".into()],
        "rules" => vec!["rules".into()],
        other => panic!("no base run for `ccm {other}`: add one to terminal::base"),
    };
    args
}

/// A value `--flag` of `ccm sub` takes (with any flag it requires), `tmp` holding the files
/// made for it; `None` for a flag this test does not know, which fails it.
fn value(sub: &str, flag: &str, tmp: &Path) -> Option<Vec<String>> {
    let t = |name: &str| tmp.join(name).display().to_string();
    let one = |v: &str| Some(vec![v.to_string()]);
    match (sub, flag) {
        (_, "consents") => one("fixtures/demo/consents.csv"),
        (_, "diagnoses") => one("fixtures/demo/diagnoses.csv"),
        (_, "enrolments") => one("fixtures/demo/enrolments.csv"),
        (_, "careplans") => one("fixtures/demo/careplans.csv"),
        (_, "visits") => one("fixtures/demo/visits.csv"),
        (_, "readings") => one("fixtures/rules/DV002/clean/readings.csv"),
        (_, "claims") => one("fixtures/demo/claims/claims.csv"),
        (_, "staff") => one("fixtures/exports/staff_roster/staff.csv"),
        (_, "month") => one("2025-03"),
        (_, "as-of") => one(AS_OF),
        (_, "rules" | "check") => one("rules"),
        (_, "map") => one(&t("map.toml")),
        (_, "delimiter") => one(","),
        (_, "sheet") => one("Sheet1"),
        (_, "tz") => one("America/New_York"),
        (_, "kind") => one("timelog"),
        (_, "year") => one("2025"),
        ("audit", "out") => one(&t("out")),
        ("audit", "xlsx") => one(&t("audit.xlsx")),
        ("audit", "write-baseline") => one(&t("baseline.json")),
        ("audit", "baseline") => one(&t("accepted.json")),
        ("sample", "out") => one(&t("sample-out")),
        ("sample", "size") => one("2"),
        ("sample", "seed") => one("1"),
        ("sample", "strata") => one("billing_npi"),
        ("sample", "spares") => one("1"),
        ("sample", "amount-column") => one("paid_amount"),
        ("extrapolate", "frame-size") => one("20"),
        ("extrapolate", "strata") => Some(
            ["stratum", "--stratum-sizes", &t("sizes.csv")]
                .map(String::from)
                .to_vec(),
        ),
        ("extrapolate", "stratum-sizes") => Some(
            [&t("sizes.csv"), "--strata", "stratum"]
                .map(String::from)
                .to_vec(),
        ),
        ("refund", "out") => one(&t("refund-out")),
        ("refund", "identified") => one("2025-06-01"),
        ("refund", "extrapolated") => one(&t("extrapolated.json")),
        _ => None,
    }
}

/// Phrases of a flag refused or left unused: none may answer a flag `--help` lists.
const REFUSALS: &[&str] = &[
    "unexpected argument",
    "writes no files",
    "are for ccm",
    "not supported",
    "unsupported",
    "ignored",
    "takes no",
];

#[test]
fn every_flag_a_subcommands_help_lists_is_one_it_takes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("map.toml"),
        "[timelog]\npatient_id = \"patient_id\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("review.csv"),
        "stratum,overpayment\nA,1.00\nA,0.00\nA,3.00\nB,2.00\nB,0.00\nB,1.00\n",
    )
    .unwrap();
    std::fs::write(dir.join("sizes.csv"), "stratum,size\nA,10\nB,10\n").unwrap();
    std::fs::write(
        dir.join("accepted.json"),
        "{\"version\": 1, \"waivers\": []}",
    )
    .unwrap();
    let x = ccm()
        .args(["extrapolate", "fixtures/demo/lookback/review.csv"])
        .args(["--frame-size", "44", "--format", "json"])
        .output()
        .unwrap();
    assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
    std::fs::write(dir.join("extrapolated.json"), &x.stdout).unwrap();

    let cli = ccm::cli::Cli::command();
    let mut bad = Vec::new();
    let mut runs = 0;
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        let mut help = sub.clone();
        let help = help.render_long_help().to_string();
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "help" | "version") || arg.is_hide_set() {
                continue;
            }
            // The help shows it: what introspection lists is what a user reads.
            assert!(
                help.contains(&format!("--{long}")),
                "ccm {name} --help does not show --{long}:\n{help}"
            );
            let mut args = base(name, dir, runs);
            // A flag the base run already gives is tried by it.
            let flag = format!("--{long}");
            if !args.contains(&flag) && arg.get_action().takes_values() {
                args.push(flag);
                let given: Vec<String> = value(name, long, dir)
                    .or_else(|| {
                        let first = arg.get_possible_values().first()?.get_name().to_string();
                        Some(vec![first])
                    })
                    .unwrap_or_else(|| {
                        panic!("no value for `ccm {name} --{long}`: add one to terminal::value")
                    });
                args.extend(given);
            } else if !args.contains(&flag) {
                args.push(flag);
            }
            let out = ccm().args(&args).output().unwrap();
            runs += 1;
            let err = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            let refused = REFUSALS.iter().find(|r| err.contains(*r));
            if !matches!(code, Some(0 | 1)) || refused.is_some() {
                bad.push(format!("ccm {}: exit {code:?}: {err}", args.join(" ")));
            }
        }
    }
    assert!(runs > 40, "{runs} flags tried");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// `ccm trace` prints its one report and writes no file: its help offers none of the
/// audit's flags for files, formats, quiet or the exit code.
#[test]
fn trace_help_lists_no_flag_of_the_audits_outputs() {
    let out = ccm().args(["trace", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("--month") && help.contains("--consents"),
        "{help}"
    );
    for flag in [
        "--out",
        "--xlsx",
        "--bom",
        "--format",
        "--quiet",
        "--fail-on",
    ] {
        assert!(
            !help.lines().any(|l| l.trim_start().starts_with(flag)),
            "ccm trace --help lists {flag}:\n{help}"
        );
    }
    // The audit's own help still has them.
    let out = ccm().args(["audit", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--out",
        "--xlsx",
        "--bom",
        "--format",
        "--quiet",
        "--fail-on",
    ] {
        assert!(help.contains(flag), "ccm audit --help lacks {flag}");
    }
}

/// Runs ccm with `args` under a pseudo-terminal of `columns` columns (stdout on it, the
/// environment as `env` says); returns what the terminal showed, carriage returns out.
fn on_a_terminal(args: &[String], columns: u16, env: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("ccm");
    // The pseudo-terminal's own size, as a real one has it; COLUMNS unset unless `env` sets
    // it, so the width comes from the terminal. The environment is set on ccm's command
    // line (a shell between would set COLUMNS to the terminal's width after `stty`).
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let env: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect();
    let cmd = format!(
        "stty cols {columns} rows 50; env {} {} {}",
        env.join(" "),
        bin.display(),
        args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
    );
    let log = tmp.path().join("typescript");
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &cmd])
        .arg(&log)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    c.status().expect("script(1) from util-linux runs");
    let raw = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    raw.replace('\r', "")
        .lines()
        .filter(|l| !l.starts_with("Script "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A table line (a border or a row) of the report.
fn is_table_line(l: &str) -> bool {
    l.starts_with(['┌', '│', '╞', '├', '└'])
}

fn demo_audit(more: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["audit", DEMO, "--as-of", AS_OF, "--fail-on", "never"]
        .map(String::from)
        .to_vec();
    a.extend(more.iter().map(|s| s.to_string()));
    a
}

#[test]
fn without_colour_the_report_still_fits_an_80_column_terminal() {
    for env in [&[("NO_COLOR", "1")][..], &[]] {
        let shown = on_a_terminal(&demo_audit(&[]), 80, env);
        let tables: Vec<&str> = shown.lines().filter(|l| is_table_line(l)).collect();
        assert!(tables.len() > 40, "{shown}");
        for l in &tables {
            // Colour escapes take no column.
            let plain = strip_escapes(l);
            assert!(
                plain.chars().count() <= 80,
                "{env:?}: {} columns: {plain}",
                plain.chars().count()
            );
        }
        // Colour only where NO_COLOR is not set.
        let coloured = tables.iter().any(|l| l.contains('\u{1b}'));
        assert_eq!(coloured, env.is_empty(), "{env:?}");
    }
    // COLUMNS, when set, is the width (a terminal of 250 columns, told 100).
    let shown = on_a_terminal(
        &demo_audit(&[]),
        250,
        &[("NO_COLOR", "1"), ("COLUMNS", "100")],
    );
    let widths: Vec<usize> = shown
        .lines()
        .filter(|l| is_table_line(l))
        .map(|l| l.chars().count())
        .collect();
    assert_eq!(widths.iter().max(), Some(&100), "{shown}");
    // So does the trace.
    let trace = [
        "trace", "P0012", DEMO, "--month", "2025-03", "--as-of", AS_OF,
    ]
    .map(String::from);
    let shown = on_a_terminal(&trace, 80, &[("NO_COLOR", "1")]);
    assert!(shown.contains("total $"), "{shown}");
    for l in shown.lines().filter(|l| is_table_line(l)) {
        assert!(l.chars().count() <= 80, "{l}");
    }
}

fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The first sentence of a check's how-to-fix text, as `ccm explain` prints it.
fn first_sentence_of_fix(code: &str) -> String {
    let out = ccm().args(["explain", code]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let fix = text
        .split("How to fix\n")
        .nth(1)
        .expect("a how-to-fix")
        .trim();
    match fix.find(". ") {
        Some(i) => fix[..=i].to_string(),
        None => fix.to_string(),
    }
}

#[test]
fn a_wide_terminal_shows_what_to_do_whole_and_money_with_separators() {
    let shown = on_a_terminal(&demo_audit(&[]), 250, &[("NO_COLOR", "1")]);
    // EL004's first sentence is longer than the table's cell once was (36 characters):
    // in 250 columns it is whole, on one line.
    let sentence = first_sentence_of_fix("EL004");
    assert!(sentence.len() > 150, "{sentence}");
    // A row of the patient-months at risk (not of the findings by code).
    let at_risk = |l: &&str| l.starts_with("│ P0") && l.contains("┆ EL004 ");
    let rows: Vec<&str> = shown.lines().filter(at_risk).collect();
    assert!(!rows.is_empty(), "{shown}");
    let cell = |l: &str| -> String {
        l.split('┆')
            .next_back()
            .unwrap()
            .trim_matches(|c: char| c == '│' || c.is_whitespace())
            .to_string()
    };
    // The cell's text over its lines (a row and the continuation lines below it).
    let lines: Vec<&str> = shown.lines().collect();
    let at = lines.iter().position(at_risk).unwrap();
    let mut text = cell(lines[at]);
    for l in &lines[at + 1..] {
        // A continuation line: the patient cell blank.
        match l.strip_prefix("│ ") {
            Some(rest) if rest.starts_with(' ') => {
                text.push(' ');
                text.push_str(&cell(l));
            }
            _ => break,
        }
    }
    assert_eq!(text, sentence, "{shown}");
    // The demo's expected payment, $2598.10 in summary.json.
    assert!(shown.contains("┆ $2,598.10 "), "{shown}");
    for l in shown.lines().filter(|l| is_table_line(l)) {
        assert!(!l.contains("..."), "nothing is cut: {l}");
        assert!(l.chars().count() <= 250, "{l}");
    }
}

#[test]
fn money_has_separators_in_the_report_and_the_trace_only() {
    let out = ccm().args(demo_audit(&[])).output().unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("┆ $2,598.10 "), "{report}");
    assert!(!report.contains("$2598.10"), "{report}");
    for format in ["csv", "json"] {
        let out = ccm()
            .args(demo_audit(&["--format", format]))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("2,598.10"), "--format {format}");
    }
    let json = ccm()
        .args(demo_audit(&["--format", "json"]))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["summary"]["expected_payment"], "2598.10");
}

#[test]
fn the_report_ends_naming_what_it_wrote_and_where() {
    let tmp = tempfile::tempdir().unwrap();
    let names = ccm::args::OUTPUTS.join(", ");
    let n = ccm::args::OUTPUTS.len();
    let last_line = |more: &[&str]| -> String {
        let out = ccm()
            .current_dir(tmp.path())
            .args(demo_audit(more).iter().map(|a| {
                if a == DEMO {
                    root().join(DEMO).display().to_string()
                } else {
                    a.clone()
                }
            }))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines().last().unwrap_or("").to_string()
    };
    // --out alone.
    assert_eq!(
        last_line(&["--out", "out"]),
        format!("wrote {n} files to out/ ({names})")
    );
    assert!(tmp.path().join("out/findings.csv").is_file());
    // --out and a bare --xlsx: the workbook in the folder.
    assert_eq!(
        last_line(&["--out", "res/", "--xlsx"]),
        format!("wrote {n} files to res/ ({names}) and res/audit.xlsx")
    );
    assert!(tmp.path().join("res/audit.xlsx").is_file());
    // --xlsx FILE alone.
    assert_eq!(last_line(&["--xlsx", "book.xlsx"]), "wrote book.xlsx");
    assert!(tmp.path().join("book.xlsx").is_file());
    // --out and --xlsx FILE elsewhere.
    assert_eq!(
        last_line(&["--out", "o2", "--xlsx=b2.xlsx"]),
        format!("wrote {n} files to o2/ ({names}) and b2.xlsx")
    );
    // Nothing written, nothing said.
    assert!(!last_line(&[]).starts_with("wrote "));
    // stdout stays pure JSON / CSV, and --quiet prints nothing.
    for more in [
        &["--out", "q", "--format", "json"][..],
        &["--out", "q", "--format", "csv"],
        &["--out", "q", "--quiet"],
    ] {
        let out = ccm()
            .current_dir(tmp.path())
            .arg("audit")
            .arg(root().join(DEMO))
            .args(["--as-of", AS_OF, "--fail-on", "never"])
            .args(more)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("wrote "), "{more:?}: {text}");
        if more.contains(&"json") {
            serde_json::from_str::<serde_json::Value>(&text).expect("pure JSON");
        }
        if more.contains(&"--quiet") {
            assert!(text.is_empty(), "{text}");
        }
    }
}

#[test]
fn on_a_terminal_the_written_line_names_the_real_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("audit out");
    let shown = on_a_terminal(
        &demo_audit(&["--out", &out.display().to_string(), "--xlsx"]),
        120,
        &[("NO_COLOR", "1")],
    );
    let want = format!(
        "wrote {} files to {}/ (",
        ccm::args::OUTPUTS.len(),
        out.display()
    );
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with(&want)
                && l.ends_with(&format!(") and {}/audit.xlsx", out.display()))),
        "{shown}"
    );
    for name in ccm::args::OUTPUTS {
        assert!(out.join(name).is_file(), "{name}");
    }
}
