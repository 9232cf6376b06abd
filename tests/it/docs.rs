//! Docs cannot drift: every number `README.md`, `fixtures/README.md` and
//! `fixtures/demo/EXPECTED.md` state about the demo is checked against a run of the demo.
//!
//! `STATED` lists the numbers of the prose: each as the words around it, `{}` where the
//! number stands (line breaks and runs of spaces in the doc do not matter), the run that
//! says it and where. The tables of EXPECTED.md and the README's report excerpt are
//! checked row by row in the tests below it. A number added to these docs about the demo
//! gets a row here; a number that cannot be checked does not belong in them.

use crate::common::{ccm, root};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const README: &str = "README.md";
const FIXTURES: &str = "fixtures/README.md";
const EXPECTED: &str = "fixtures/demo/EXPECTED.md";

/// The three runs of the demo the docs describe (all with the default `--fail-on error`).
#[derive(Clone, Copy, Debug)]
enum Run {
    /// `ccm audit fixtures/demo/timelog.csv --as-of 2025-04-15`
    Derive,
    /// the same with `--claims fixtures/demo/claims/claims.csv`
    Verify,
    /// `--as-of 2025-03-24`: March still open
    Mid,
}

/// Where a run says the number.
#[derive(Clone, Copy, Debug)]
enum Says {
    /// A field of summary.json (a JSON pointer).
    Summary(&'static str),
    /// A field of summary.json's entry for the input file of this kind.
    File(&'static str, &'static str),
    /// Outcomes, one per patient-month and billing NPI: clean + blocked + below + open.
    Outcomes,
    /// Billing NPIs with clean claim lines.
    BillingNpis,
    /// The exit code.
    Exit,
    /// The line of the one finding of this code.
    Line(&'static str),
}

use Run::*;
use Says::*;

#[rustfmt::skip]
const STATED: &[(&str, &str, Run, Says)] = &[
    (README, "March 2025, {} patients under", Derive, Summary("/patients")),
    (README, "patients under {} billing practitioners", Derive, BillingNpis),
    (README, "**It exits {} on purpose**", Derive, Exit),
    (README, "`echo $?` right after it prints `{}`", Derive, Exit),

    (FIXTURES, "a practice month: {} patients,", Derive, Summary("/patients")),
    (FIXTURES, "patients, {} time-log rows read", Derive, File("timelog", "rows_read")),
    (FIXTURES, "(the last a `Total` row), {} billing practitioners", Derive, BillingNpis),
    (FIXTURES, "as of 2025-04-15) exits {} on purpose", Derive, Exit),

    (EXPECTED, "`timelog.csv` ({} rows after the header", Derive, File("timelog", "rows_read")),
    (EXPECTED, "Line {} is the `Total` row.", Derive, Line("IN005")),
    (EXPECTED, "| IN005 | info | none: line {}, the report's `Total` row", Derive, Line("IN005")),
    (EXPECTED, "- Line {} is a `Total,,", Derive, Line("IN005")),
    (EXPECTED, "--as-of 2025-04-15` exits {} (on purpose", Derive, Exit),
    (EXPECTED, "and reports {} patients and", Derive, Summary("/patients")),
    (EXPECTED, "patients and {} patient-months, and", Derive, Summary("/patient_months")),
    (EXPECTED, "patient-months, and {} outcomes, one per", Derive, Outcomes),
    (EXPECTED, "under each of A and B): {} clean,", Derive, Summary("/months_clean")),
    (EXPECTED, "clean, {} blocked by an error,", Derive, Summary("/months_blocked")),
    (EXPECTED, "blocked by an error, {} below threshold (P0026)", Derive, Summary("/months_below_threshold")),
    (EXPECTED, "below threshold (P0026), {} open.", Derive, Summary("/months_open")),
    (EXPECTED, "The clean ones make {} clean claim lines", Derive, Summary("/clean_claim_lines")),
    (EXPECTED, "clean claim lines, expected payment {};", Derive, Summary("/expected_payment")),
    (EXPECTED, "; {} is blocked by errors", Derive, Summary("/amount_blocked")),

    (EXPECTED, "(IN004, {} findings, rows excluded)", Mid, Summary("/findings_by_code/IN004")),
    (EXPECTED, "no claim line is generated ({} clean claim lines)", Mid, Summary("/clean_claim_lines")),
    (EXPECTED, "Of the {} outcomes,", Mid, Outcomes),
    (EXPECTED, "outcomes, {} are open,", Mid, Summary("/months_open")),
    (EXPECTED, "are open, {} below threshold so far", Mid, Summary("/months_below_threshold")),
    (EXPECTED, "below threshold so far and {} blocked already", Mid, Summary("/months_blocked")),
    (EXPECTED, "fires for the {} patient-months within", Mid, Summary("/findings_by_code/RV002")),

    (EXPECTED, "the practice intends to send ({} lines,", Verify, File("claims", "rows_read")),
    (EXPECTED, "Expected verify totals (the run exits {}):", Verify, Exit),
    (EXPECTED, "(the run exits 1): {} of", Verify, Summary("/clean_claim_lines")),
    (EXPECTED, "of {} lines go out", Verify, File("claims", "rows_read")),
    (EXPECTED, "is those {} lines of `claims.csv`", Verify, Summary("/clean_claim_lines")),
    (EXPECTED, "in the same order) and {} are held;", Verify, Summary("/claim_lines_held")),
    (EXPECTED, "are held; {} claims go out", Verify, Summary("/claims_going_out")),
    (EXPECTED, "claims go out and {} are held", Verify, Summary("/claims_held")),
    (EXPECTED, "lines; the {} rows with an amount under \"held\"", Verify, Summary("/claims_held")),
    (EXPECTED, "Claimed {} at the fee schedule", Verify, Summary("/claimed")),
    (EXPECTED, "at the fee schedule, {} going out clean", Verify, Summary("/supported")),
    (EXPECTED, "going out clean, {} held,", Verify, Summary("/amount_at_risk")),
    (EXPECTED, "held, {} left unbilled (the three RV001 rows", Verify, Summary("/amount_unbilled")),
];

#[test]
fn every_number_the_docs_state_about_the_demo_is_what_the_demo_gives() {
    let mut wrong = Vec::new();
    for &(doc, pattern, run, says) in STATED {
        let want = demo(run).says(says);
        match numbers_at(&read(doc), pattern).as_slice() {
            [got] if plain(got) == want => {}
            [got] => wrong.push(format!(
                "{doc}: {pattern:?} says {got}, the {run:?} run {want}"
            )),
            [] => wrong.push(format!("{doc}: no {pattern:?} with a number")),
            more => wrong.push(format!("{doc}: {pattern:?} {} times: {more:?}", more.len())),
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_readmes_two_commands_are_the_demo_audit_and_what_ci_runs() {
    let readme = read(README);
    let block = code_block_after(&readme, "## Try it");
    let commands: Vec<&str> = block.lines().collect();
    assert_eq!(commands.len(), 2, "two commands, not {commands:?}");
    let demo_args = commands[0]
        .strip_prefix("cargo run --release -- ")
        .expect("the first runs ccm");
    assert_eq!(
        demo_args,
        args(Derive).join(" "),
        "the demo run tested here"
    );
    let ci = read(".ci/run");
    let ci_test = ci
        .lines()
        .find(|l| l.starts_with("cargo test"))
        .expect(".ci/run runs cargo test");
    assert_eq!(
        ci_test.split(" 2>&1").next().unwrap().trim(),
        commands[1],
        "the README's test command is the one .ci/run runs"
    );
}

#[test]
fn the_readmes_report_excerpt_is_the_demos_report() {
    let readme = read(README);
    let excerpt = code_block_after(&readme, "## What the report looks like");
    let report = &demo(Derive).stdout;
    let rows_of = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .filter(|l| l.contains('┆'))
            .map(|l| {
                let cells: Vec<&str> = l
                    .split('┆')
                    .map(|c| c.trim_matches(|c: char| c == '│' || c.is_whitespace()))
                    .collect();
                (cells[0].to_string(), cells[cells.len() - 1].to_string())
            })
            .collect()
    };
    let real = rows_of(report);
    let shown = rows_of(&excerpt);
    assert!(shown.len() >= 5, "the excerpt shows the summary: {excerpt}");
    for row in &shown {
        assert!(
            real.contains(row),
            "{row:?} is not in the report:\n{report}"
        );
    }
    for line in excerpt.lines().filter(|l| !l.contains('┆')) {
        let border = line.chars().all(|c| "┌┐└┘├┤┬┴┼─═╞╡╪ ".contains(c));
        assert!(
            border || report.lines().any(|l| l == line),
            "{line:?} is not in the report:\n{report}"
        );
    }
}

#[test]
fn expected_md_patient_rows_are_what_trace_and_clean_claims_say() {
    // | patient | NPI | intended | countable min | expected claim lines | expected $ | why |
    // (the payment column is checked by fixtures::demo_claims_match_what_each_patient_...)
    let expected = read(EXPECTED);
    let npi = |letter: &str| -> String {
        let at = format!("**{letter}** `");
        let i = expected.find(&at).expect("the NPI legend") + at.len();
        expected[i..i + 10].to_string()
    };
    let lines = clean_claims_by_patient(&demo(Derive).clean_claims);
    let mut rows = 0;
    for row in expected.lines().filter(|l| l.starts_with("| P0")) {
        let c = cells(row);
        let (patient, who, minutes, claimed) = (c[0], c[1], c[3], c[4]);
        // "A" and "22", or "A+B" and "A 25 / B 20"
        let mut want: Vec<(String, String)> = if who.contains('+') {
            minutes
                .split(" / ")
                .map(|m| {
                    let (l, n) = m.split_once(' ').expect("NPI minutes");
                    (npi(l), n.to_string())
                })
                .collect()
        } else {
            vec![(npi(who), minutes.to_string())]
        };
        let mut got = traced_minutes(patient);
        want.sort();
        got.sort();
        assert_eq!(got, want, "{patient}: NPI and countable minutes ({row})");
        let billed = lines.get(patient).map_or("none", String::as_str);
        assert_eq!(billed, claimed, "{patient}: claim lines ({row})");
        rows += 1;
    }
    assert_eq!(
        rows.to_string(),
        demo(Derive).says(Summary("/patients")),
        "a row per patient"
    );
}

#[test]
fn expected_md_mid_month_table_is_the_rv002_findings() {
    // | minutes on 03-24 | patient | NPI | next block |, e.g. | 15 | P0014 | A | 5 more: 99490 (also TM001) |
    let expected = read(EXPECTED);
    let section = section(&expected, "## Mid-month");
    let mid = demo(Mid);
    let mut listed = Vec::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("| P0"))
    {
        let c = cells(row);
        let (minutes, patient, next) = (c[0], c[1], c[3]);
        listed.push(patient.to_string());
        let found = mid.findings_of("RV002", patient);
        assert_eq!(found.len(), 1, "{patient}: one RV002 ({row})");
        assert_eq!(found[0]["minutes"].to_string(), minutes, "{row}");
        let (more, target) = next.split_once(" more: ").expect("N more: block");
        let target = target.split(" (").next().unwrap();
        let message = found[0]["message"].as_str().unwrap();
        assert!(
            message.ends_with(&format!("{more} more reach {target}")),
            "{row} but ccm says {message:?}"
        );
        if next.contains("also TM001") {
            assert_eq!(mid.findings_of("TM001", patient).len(), 1, "{row}");
        }
    }
    let mut fired: Vec<String> = mid
        .findings
        .iter()
        .filter(|f| f["code"] == "RV002")
        .map(|f| f["patient_id"].as_str().unwrap().to_string())
        .collect();
    fired.sort();
    assert_eq!(
        listed, fired,
        "the table lists every RV002, in patient order"
    );
}

#[test]
fn expected_md_verify_table_adds_up_to_the_verify_run() {
    // | claims.csv lines | patient | what was claimed | evidence | finding(s) | held |
    let expected = read(EXPECTED);
    let section = section(&expected, "## Verify mode");
    let verify = demo(Verify);
    let (mut held, mut claims_held) = (Decimal::ZERO, 0);
    let mut unbilled = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| ")) {
        let c = cells(row);
        if c.len() != 6 || !c[1].starts_with("P0") {
            continue;
        }
        if let Some(amount) = c[5].strip_prefix('$') {
            held += money(amount);
            claims_held += 1;
        }
        if let Some((_, rest)) = c[4].split_once("**RV001** info, $") {
            let amount = rest.split(' ').next().unwrap();
            unbilled.insert(c[1].to_string(), money(amount));
        }
    }
    assert_eq!(
        held.to_string(),
        verify.says(Summary("/amount_at_risk")),
        "the \"held\" column adds up to the amount at risk"
    );
    assert_eq!(
        claims_held.to_string(),
        verify.says(Summary("/claims_held")),
        "a row with an amount under \"held\" per claim held"
    );
    let rv001: BTreeMap<String, Decimal> = verify
        .findings
        .iter()
        .filter(|f| f["code"] == "RV001")
        .map(|f| {
            let p = f["patient_id"].as_str().unwrap().to_string();
            (p, money(f["amount"].as_str().unwrap()))
        })
        .collect();
    assert_eq!(unbilled, rv001, "the RV001 rows and their amounts");
    let total: Decimal = unbilled.values().sum();
    assert_eq!(
        total.to_string(),
        verify.says(Summary("/amount_unbilled")),
        "the RV001 rows add up to the amount left unbilled"
    );
}

/// One run of the demo, as the docs read it.
struct Demo {
    exit: i32,
    stdout: String,
    summary: Value,
    findings: Vec<Value>,
    clean_claims: String,
}

impl Demo {
    /// The number the run gives, as the docs would write it without `$` and `,`.
    fn says(&self, says: Says) -> String {
        let s = &self.summary;
        let text = |v: &Value| match v {
            Value::String(t) => t.clone(),
            Value::Number(n) => n.to_string(),
            other => panic!("{says:?} is {other}, not a number"),
        };
        match says {
            Summary(pointer) => text(s.pointer(pointer).unwrap_or(&Value::Null)),
            File(kind, field) => {
                let files = s["files"].as_array().unwrap();
                let file = files.iter().find(|f| f["kind"] == kind).expect(kind);
                text(&file[field])
            }
            Outcomes => [
                "months_clean",
                "months_blocked",
                "months_below_threshold",
                "months_open",
            ]
            .iter()
            .map(|k| s[*k].as_u64().unwrap())
            .sum::<u64>()
            .to_string(),
            BillingNpis => {
                let npis: std::collections::BTreeSet<&str> = self
                    .clean_claims
                    .lines()
                    .skip(1)
                    .map(|l| l.split(',').nth(1).unwrap())
                    .collect();
                npis.len().to_string()
            }
            Exit => self.exit.to_string(),
            Line(code) => {
                let found: Vec<&Value> =
                    self.findings.iter().filter(|f| f["code"] == code).collect();
                assert_eq!(found.len(), 1, "one {code}");
                text(&found[0]["line"])
            }
        }
    }

    fn findings_of(&self, code: &str, patient: &str) -> Vec<&Value> {
        self.findings
            .iter()
            .filter(|f| f["code"] == code && f["patient_id"] == patient)
            .collect()
    }
}

fn args(run: Run) -> Vec<&'static str> {
    let mut a = vec!["audit", "fixtures/demo/timelog.csv", "--as-of"];
    match run {
        Derive => a.push("2025-04-15"),
        Verify => a.extend(["2025-04-15", "--claims", "fixtures/demo/claims/claims.csv"]),
        Mid => a.push("2025-03-24"),
    }
    a
}

/// Each run once per test binary, shared by the tests.
fn demo(run: Run) -> &'static Demo {
    static RUNS: [OnceLock<Demo>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    RUNS[run as usize].get_or_init(|| {
        let out = tempfile::tempdir().expect("tempdir");
        let done = ccm()
            .args(args(run))
            .arg("--out")
            .arg(out.path())
            .output()
            .expect("run ccm");
        let file = |name: &str| {
            std::fs::read_to_string(out.path().join(name))
                .unwrap_or_else(|e| panic!("{run:?}: {name}: {e}"))
        };
        let findings: Value = serde_json::from_str(&file("findings.json")).unwrap();
        Demo {
            exit: done.status.code().unwrap_or(-1),
            stdout: String::from_utf8(done.stdout).unwrap(),
            summary: serde_json::from_str(&file("summary.json")).unwrap(),
            findings: findings["findings"].as_array().unwrap().clone(),
            clean_claims: file("clean_claims.csv"),
        }
    })
}

/// The (billing NPI, countable minutes) of each program-month `ccm trace` shows for the
/// patient in March.
fn traced_minutes(patient: &str) -> Vec<(String, String)> {
    let done = ccm()
        .args(["trace", patient, "--month", "2025-03"])
        .args(&args(Derive)[1..])
        .output()
        .expect("run ccm trace");
    let text = String::from_utf8(done.stdout).unwrap();
    // "CCM under NPI 1234567893: 22 countable minute(s), 0 by practitioners; status: clean"
    text.lines()
        .filter_map(|l| l.split_once(" under NPI "))
        .filter_map(|(_, rest)| {
            let (npi, rest) = rest.split_once(": ")?;
            let (minutes, _) = rest.split_once(" countable")?;
            Some((npi.to_string(), minutes.to_string()))
        })
        .collect()
}

/// Each patient's clean claim lines as EXPECTED.md writes them: `99490+2x99439`.
fn clean_claims_by_patient(csv: &str) -> BTreeMap<String, String> {
    let mut by = BTreeMap::<String, String>::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let (patient, code, units) = (c[0], c[4], c[5]);
        let entry = by.entry(patient.to_string()).or_default();
        let one = if units == "1" && entry.is_empty() {
            code.to_string()
        } else {
            format!("{units}x{code}")
        };
        if !entry.is_empty() {
            entry.push('+');
        }
        entry.push_str(&one);
    }
    by
}

fn read(doc: &str) -> String {
    std::fs::read_to_string(root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

/// The numbers standing where `{}` is in `pattern`, wherever the words around it occur in
/// `doc`; line breaks and runs of spaces count as one space in both.
fn numbers_at(doc: &str, pattern: &str) -> Vec<String> {
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (doc, pattern) = (squeeze(doc), squeeze(pattern));
    let (before, after) = pattern.split_once("{}").expect("a {} in the pattern");
    assert!(!before.is_empty(), "words before the number: {pattern:?}");
    let mut found = Vec::new();
    for (at, _) in doc.match_indices(before) {
        let rest = &doc[at + before.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || "$,.".contains(c)))
            .unwrap_or(rest.len());
        let number = rest[..end].trim_end_matches(['.', ',']);
        if number.contains(|c: char| c.is_ascii_digit()) && rest[number.len()..].starts_with(after)
        {
            found.push(number.to_string());
        }
    }
    found
}

/// `$2,598.10` as summary.json writes it: `2598.10`.
fn plain(number: &str) -> String {
    number.replace(['$', ','], "")
}

fn money(amount: &str) -> Decimal {
    plain(amount).parse().expect("an amount")
}

/// The cells of a Markdown table row.
fn cells(row: &str) -> Vec<&str> {
    row.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// The text from `heading` to the next heading of the same level.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let level = heading.split(' ').next().unwrap();
    let rest = &doc[start + heading.len()..];
    let end = rest.find(&format!("\n{level} ")).unwrap_or(rest.len());
    &rest[..end]
}

/// The body of the first fenced code block after `heading`.
fn code_block_after(doc: &str, heading: &str) -> String {
    let rest = section(doc, heading);
    let open = rest.find("```").expect("a code block");
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").expect("its end")].to_string()
}

/// The fenced code blocks of a section, in order.
fn code_blocks(section: &str) -> Vec<String> {
    section
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b[b.find('\n').unwrap() + 1..].to_string())
        .collect()
}

/// docs/lookback.md's worked lookback on the demo: its commands are run as written (in a
/// temporary folder for `/tmp/ccm-lookback`), and each output the docs show is what ccm
/// prints or writes, byte for byte; the table of the reviewer's changes is the difference
/// between the worksheet ccm wrote and the finished one, and the figures of the prose
/// are counted from the files.
#[test]
fn the_worked_lookback_on_the_demo_is_what_ccm_prints() {
    const DOC: &str = "docs/lookback.md";
    const AT: &str = "/tmp/ccm-lookback";
    let doc = read(DOC);
    let sec = section(&doc, "## A worked lookback on the demo");
    let blocks = code_blocks(sec);
    assert_eq!(blocks.len(), 4, "commands, extrapolate, refund, refund.csv");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lookback");
    let dir_s = dir.to_str().unwrap();
    let mut printed: Vec<(String, String)> = Vec::new();
    let mut written_review = String::new();
    for line in blocks[0].lines().filter(|l| !l.trim().is_empty()) {
        let line = line.replace(AT, dir_s);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "cp" => {
                written_review = std::fs::read_to_string(words[2]).unwrap();
                std::fs::copy(root().join(words[1]), words[2]).unwrap();
            }
            "ccm" => {
                let (args, to) = match words.iter().position(|w| *w == ">") {
                    Some(i) => (&words[1..i], Some(words[i + 1])),
                    None => (&words[1..], None),
                };
                let out = ccm().args(args).assert().success().get_output().clone();
                assert!(out.stderr.is_empty(), "{line}: {:?}", out.stderr);
                let stdout = String::from_utf8(out.stdout).unwrap();
                match to {
                    Some(f) => std::fs::write(f, &stdout).unwrap(),
                    None => printed.push((args[0].to_string(), stdout.replace(dir_s, AT))),
                }
            }
            other => panic!("{DOC}: a command the test cannot run: {other}"),
        }
    }
    let shown: Vec<(&str, String)> = printed
        .iter()
        .map(|(c, s)| (c.as_str(), s.clone()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("sample", String::new()),
            ("extrapolate", blocks[1].clone()),
            ("refund", blocks[2].clone())
        ],
        "{DOC}: the outputs shown are not what ccm prints"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("refund.csv")).unwrap(),
        blocks[3],
        "{DOC}: refund.csv"
    );
    // The worksheet: ccm's (as sample wrote it) against the reviewer's finished one.
    let rows = |s: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(s.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let (ccm_rows, done) = (
        rows(&written_review),
        rows(&std::fs::read_to_string(root().join("fixtures/demo/lookback/review.csv")).unwrap()),
    );
    assert_eq!(ccm_rows.len(), done.len());
    let table: Vec<Vec<&str>> = sec
        .lines()
        .filter(|l| l.trim_start().starts_with("| ") && !l.contains("frame line"))
        .map(cells)
        .collect();
    let mut changed = Vec::new();
    for (a, b) in ccm_rows.iter().zip(&done) {
        assert_eq!(a[..3], b[..3]);
        assert_eq!(a[7..], b[7..], "only the reviewer's columns change");
        if a[3..7] != b[3..7] {
            changed.push(vec![
                a[0].clone(),
                a[7].clone(),
                format!("{} overpaid ({})", a[4], a[5].split(' ').next().unwrap()),
                b[4].clone(),
            ]);
            assert_eq!(b[6], "reviewer");
        }
    }
    let table: Vec<Vec<String>> = table
        .iter()
        .map(|r| r[..4].iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(table, changed, "{DOC}: the reviewer's table");
    let overpaid = |rs: &[Vec<String>]| rs.iter().filter(|r| money(&r[4]) > Decimal::ZERO).count();
    let total: Decimal = done.iter().map(|r| money(&r[4])).sum();
    let proposed = ccm_rows.iter().filter(|r| r[6].starts_with("ccm ")).count();
    let packets = std::fs::read_dir(dir.join("evidence")).unwrap().count() / 2;
    let drawn = rows(&std::fs::read_to_string(dir.join("sample.csv")).unwrap());
    let spares = drawn.iter().filter(|r| r[2] == "spare").count();
    let frame =
        rows(&std::fs::read_to_string(root().join("fixtures/demo/lookback/frame.csv")).unwrap());
    let json = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap()
    };
    let (refund, extrapolation) = (json("refund.json"), json("extrapolation.json"));
    for (pattern, got) in [
        (
            "fee-schedule amount of the line's units): {} claim lines",
            frame.len().to_string(),
        ),
        ("**Sample.** {} items and", done.len().to_string()),
        ("items and {} spares are drawn", spares.to_string()),
        ("`evidence/` holds {} packets", packets.to_string()),
        (
            "proposes a figure for every one of the {} items",
            proposed.to_string(),
        ),
        (
            "items: {} overpaid, the lines",
            overpaid(&ccm_rows).to_string(),
        ),
        (
            "accept ccm's proposal for {} items",
            (done.len() - changed.len()).to_string(),
        ),
        (
            "and find {} supported that ccm held",
            changed.len().to_string(),
        ),
        (
            "`fixtures/demo/lookback/review.csv`: {} items overpaid",
            overpaid(&done).to_string(),
        ),
        ("items overpaid, {} in all", format!("${total}")),
        (
            "reports and returns {} by the deadline",
            format!(
                "${}",
                refund["refund"]["amount_to_refund"].as_str().unwrap()
            ),
        ),
        (
            "the precision is poor ({}% at 90%)",
            extrapolation["total"]["intervals"][1]["precision_percent"]
                .as_str()
                .unwrap()
                .to_string(),
        ),
    ] {
        assert_eq!(numbers_at(&doc, pattern), vec![got], "{DOC}: {pattern}");
    }
    assert_eq!(proposed, done.len());
}
