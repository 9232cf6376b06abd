//! Metamorphic tests (issue 20, item 1): invariance is tested, not hoped for.
//!
//! For a fixture (the demo, every rule fixture, every export shape), the files are parsed,
//! rewritten by one or several cosmetic transformations (`transforms.rs`: each a named
//! function whose doc comment says which real-world habit it imitates), written to a fresh
//! folder and audited with the fixture's own arguments. The audit must be the same as the
//! untouched fixture's: the clean claim lines, the held lines, the summary's counts and
//! amounts, the time-log rows counted, and the multiset of findings as (code, severity,
//! patient, month, NPI, program, minutes, amount) — not file, line or message. A
//! transformation that adds rows a reader must recognise (a totals row, a repeated header,
//! a duplicated slice) may add the findings that say so, and only those codes (`may_add`);
//! one that really loses information must, when the answer differs, say so with one of its
//! `says_so` codes.
//!
//! Budget (2 cores, debug build): every transformation alone on the demo, each
//! transformation on one export shape (rotating) plus a round trip of every export, one
//! seeded stack of two transformations per rule fixture, and a few stacks of 3–5 on the
//! demo and exports. `METAMORPHIC_FULL=1` runs every transformation on every fixture
//! (`METAMORPHIC_ONLY=a,b` only those).
//! Transformations in `KNOWN_GAPS` fail on today's code: they are skipped with a printed
//! line (and listed with their diffs by `METAMORPHIC_GAPS=1`).

mod table;
mod transforms;
mod xlsx;

use crate::common::{args_of, root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use table::Table;
use transforms::{T, TRANSFORMS};

/// Transformations that fail on today's code (the name, and how). Skipped, with a line
/// printed; `METAMORPHIC_GAPS=1` runs them and prints their diffs instead.
pub const KNOWN_GAPS: &[(&str /*transform*/, &str /*reason*/)] = &[];

const AS_OF: &str = "2025-04-15";

/// A case: a folder and the arguments after `audit` (file names relative to the folder).
#[derive(Clone)]
pub struct Fixture {
    pub name: String,
    pub dir: PathBuf,
    pub args: Vec<String>,
}

fn demo() -> Fixture {
    Fixture {
        name: "demo".into(),
        dir: root().join("fixtures/demo"),
        args: vec!["timelog.csv".into(), "--as-of".into(), AS_OF.into()],
    }
}

fn rule_fixtures() -> Vec<Fixture> {
    let mut v = Vec::new();
    for c in ccm::checks::registry() {
        for case in crate::common::RULE_CASES {
            let dir = root().join("fixtures/rules").join(c.code).join(case);
            if dir.is_dir() {
                let mut args = vec!["timelog.csv".to_string(), "--as-of".into(), AS_OF.into()];
                args.extend(args_of(&dir));
                v.push(Fixture {
                    name: format!("rules/{}/{case}", c.code),
                    dir,
                    args,
                });
            }
        }
    }
    v
}

fn export_fixtures() -> Vec<Fixture> {
    let base = root().join("fixtures/exports");
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|d| d.join("args").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let mut args = args_of(&dir);
            if !args.iter().any(|a| a == "--as-of") {
                args.extend(["--as-of".to_string(), AS_OF.to_string()]);
            }
            Fixture {
                name: format!("exports/{}", dir.file_name().unwrap().to_string_lossy()),
                dir,
                args,
            }
        })
        .collect()
}

/// A fixture's files, parsed where a transformation may rewrite them.
#[derive(Clone)]
pub struct FileSet {
    /// Time logs and companions, as tables.
    pub tables: Vec<Table>,
    /// Indices into `tables` of the time logs, in argument order.
    pub logs: Vec<usize>,
    /// Files copied byte for byte (claims, maps, READMEs, args).
    pub verbatim: Vec<(String, Vec<u8>)>,
    /// The arguments after `audit`, file names relative to the folder.
    pub args: Vec<String>,
}

impl FileSet {
    pub fn load(fx: &Fixture) -> FileSet {
        let args = &fx.args;
        let flag = |f: &str| {
            args.iter()
                .position(|a| a == f)
                .and_then(|i| args.get(i + 1).cloned())
        };
        let mut kinds: BTreeMap<String, String> = BTreeMap::new();
        for k in [
            "consents",
            "diagnoses",
            "enrolments",
            "careplans",
            "visits",
            "staff",
        ] {
            kinds.insert(format!("{k}.csv"), k.to_string());
        }
        for k in [
            "consents",
            "diagnoses",
            "enrolments",
            "careplans",
            "visits",
            "staff",
        ] {
            if let Some(f) = flag(&format!("--{k}")) {
                kinds.insert(f, k.to_string());
            }
        }
        let logs: Vec<String> = args
            .iter()
            .take_while(|a| !a.starts_with("--"))
            .cloned()
            .collect();
        for l in &logs {
            kinds.insert(l.clone(), "timelog".into());
        }
        if let Some(c) = flag("--claims") {
            kinds.remove(&c);
        }
        kinds.remove("claims.csv");
        let map: toml::Table = flag("--map")
            .map(|m| toml::from_str(&std::fs::read_to_string(fx.dir.join(m)).unwrap()).unwrap())
            .unwrap_or_default();
        let map_of = |kind: &str| -> Vec<(String, String)> {
            map.get(kind)
                .and_then(|t| t.as_table())
                .map(|t| {
                    t.iter()
                        .filter_map(|(k, v)| v.as_str().map(|h| (k.clone(), h.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let sheet = flag("--sheet");
        let mut fs = FileSet {
            tables: vec![],
            logs: vec![],
            verbatim: vec![],
            args: args.clone(),
        };
        let mut names: Vec<_> = std::fs::read_dir(&fx.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in names {
            let p = fx.dir.join(&n);
            match kinds.get(&n) {
                Some(kind) => {
                    let t = Table::read(&p, kind, map_of(kind), sheet.as_deref());
                    if t.file != n {
                        // An .xlsx log read into a CSV table: the arguments name the CSV.
                        fs.rename_arg(&n, &t.file.clone());
                        if let Some(i) = fs.args.iter().position(|a| a == "--sheet") {
                            fs.args.drain(i..i + 2);
                        }
                    }
                    fs.tables.push(t);
                }
                None => fs.verbatim.push((n.clone(), std::fs::read(&p).unwrap())),
            }
        }
        for l in &logs {
            let l = if l.to_lowercase().ends_with(".xlsx") {
                format!("{}.csv", &l[..l.len() - 5])
            } else {
                l.clone()
            };
            fs.logs
                .push(fs.tables.iter().position(|t| t.file == l).expect("log"));
        }
        fs
    }

    pub fn rename_arg(&mut self, old: &str, new: &str) {
        for a in self.args.iter_mut() {
            if a == old {
                *a = new.to_string();
            }
        }
    }

    pub fn has_arg(&self, a: &str) -> bool {
        self.args
            .iter()
            .any(|x| x == a || x.starts_with(&format!("{a}=")))
    }

    pub fn flag(&self, f: &str) -> Option<String> {
        let i = self.args.iter().position(|a| a == f)?;
        self.args.get(i + 1).cloned()
    }

    /// Writes every file into `dir`; `Err` when a table cannot be written so.
    fn write(&self, dir: &Path) -> Result<(), String> {
        for (n, b) in &self.verbatim {
            std::fs::write(dir.join(n), b).unwrap();
        }
        for t in &self.tables {
            let b = t
                .render()
                .ok_or_else(|| format!("{} cannot be encoded so", t.file))?;
            std::fs::write(dir.join(&t.file), b).unwrap();
        }
        Ok(())
    }

    /// Each time log, mutably.
    pub fn logs_mut(&mut self) -> Vec<&mut Table> {
        let logs = self.logs.clone();
        self.tables
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| logs.contains(i))
            .map(|x| x.1)
            .collect()
    }
}

/// What is compared, and what a transformation may consult about the untouched run.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub exit: i32,
    pub stderr: String,
    pub summary: BTreeMap<String, String>,
    pub clean: Vec<String>,
    pub held: Vec<String>,
    pub findings: BTreeMap<String, usize>,
    /// Each finding's fingerprint, and what it fingerprints (code, patient, month).
    pub fingerprints: BTreeMap<String, String>,
    pub counted: u64,
    /// Not compared: the codes found, (file, line) of every finding, each file's date order.
    pub codes: BTreeSet<String>,
    pub flagged: BTreeSet<(String, u64)>,
    pub date_orders: Vec<String>,
}

fn run(fs: &FileSet) -> Result<Outcome, String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    std::fs::create_dir(&input).unwrap();
    fs.write(&input)?;
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ccm"))
        .current_dir(&input)
        .env("NO_COLOR", "1")
        .arg("audit")
        .args(&fs.args)
        .args(["--quiet", "--fail-on", "never", "--out"])
        .arg(&out)
        .output()
        .expect("run ccm");
    Ok(read_out(
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .into(),
        &out,
    ))
}

/// The untouched run of a fixture from its golden transcript (`tests/golden/`, checked
/// byte for byte by `golden.rs`), which saves a run per fixture; `None` when there is none
/// or it holds no `--out` files (a check's own snapshot), and then the fixture is run. `METAMORPHIC_BASE_RUN=1` always runs.
fn from_golden(fx: &Fixture) -> Option<Outcome> {
    if std::env::var_os("METAMORPHIC_BASE_RUN").is_some() {
        return None;
    }
    let name = match fx.name.as_str() {
        "demo" => "demo/derive".to_string(),
        n => match n.strip_prefix("rules/") {
            Some(r) => format!("rules/{}", r.replacen('/', "-", 1)),
            None => n.to_string(),
        },
    };
    let bytes = std::fs::read(root().join("tests/golden").join(format!("{name}.txt"))).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let first = match text.find("\n### ") {
        Some(i) => &text[..=i],
        None => &text[..],
    };
    let exit: i32 = first.lines().nth(1)?.strip_prefix("exit: ")?.parse().ok()?;
    // A check's own snapshot (tests/golden/rules/) holds no --out files: run the fixture.
    if exit == 2 || !first.contains("\n--- OUT/") {
        return None;
    }
    let tmp = tempfile::tempdir().ok()?;
    let mut rest = first;
    while let Some(at) = rest.find("--- OUT/") {
        let head = &rest[at + 8..];
        let (name, after) = head.split_once(" (")?;
        let (n, after) = after.split_once(" bytes)\n")?;
        let n: usize = n.parse().ok()?;
        std::fs::write(tmp.path().join(name), &after.as_bytes()[..n]).ok()?;
        rest = &after[n..];
    }
    // The transcript ran with the default --fail-on (error: exit 1); these runs never fail.
    Some(read_out(0, String::new(), tmp.path()))
}

/// Reads a run's `--out` folder into what is compared.
fn read_out(exit: i32, stderr: String, out: &Path) -> Outcome {
    let mut r = Outcome {
        exit,
        stderr,
        ..Outcome::default()
    };
    if !out.join("summary.json").is_file() {
        return r;
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for k in crate::common::DECISION_KEYS {
        if !s[k].is_null() {
            r.summary.insert(k.to_string(), s[k].to_string());
        }
    }
    for f in s["files"].as_array().unwrap() {
        if f["kind"] == "timelog" {
            r.counted += f["rows_counted"].as_u64().unwrap_or(0);
        }
        if let Some(o) = f["read_as"]["date_order"].as_str() {
            r.date_orders.push(o.to_string());
        }
    }
    r.clean = csv_lines(&out.join("clean_claims.csv"), None);
    r.held = csv_lines(
        &out.join("held_claims.csv"),
        Some(&[
            "patient_id",
            "month",
            "billing_npi",
            "program",
            "claim_line",
            "codes",
            "units",
            "minutes",
            "amount_held",
            "reasons",
        ]),
    );
    let f: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        v => v.to_string(),
    };
    let mut per_file: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    // A finding written once per file carries its money on one part only (money_once):
    // the parts are one finding, whose amount is the one a part carries.
    let mut amounts: BTreeMap<(String, String), String> = BTreeMap::new();
    for x in f["findings"].as_array().unwrap() {
        let key = [
            "code",
            "severity",
            "patient_id",
            "month",
            "billing_npi",
            "program",
            "minutes",
        ]
        .iter()
        .map(|k| s(&x[k]))
        .collect::<Vec<_>>()
        .join("|");
        let amount = s(&x["amount"]);
        if !amount.is_empty() {
            amounts.insert((key.clone(), s(&x["message"])), amount);
        }
        // A finding names one file: one whose rows lie in two time logs is written once per
        // file, the same finding up to file and line. Counted per (finding, file) here and
        // folded below to the most any one file holds.
        *per_file
            .entry((key, s(&x["message"])))
            .or_default()
            .entry(s(&x["file"]))
            .or_default() += 1;
        r.codes.insert(s(&x["code"]));
        let what = format!(
            "{} {} {} ({})",
            s(&x["code"]),
            s(&x["patient_id"]),
            s(&x["month"]),
            s(&x["message"])
        );
        let fp = s(&x["fingerprint"]);
        assert_eq!(fp.len(), 16, "a fingerprint is 16 hex digits: {fp:?}");
        // Different findings, different fingerprints: never two alike in one run.
        if let Some(other) = r.fingerprints.insert(fp.clone(), what.clone()) {
            panic!("fingerprint {fp} given twice in one run: {other} and {what}");
        }
        let file = s(&x["file"]);
        for l in s(&x["line"]).split(|c: char| !c.is_ascii_digit()) {
            if let Ok(n) = l.parse() {
                r.flagged.insert((file.clone(), n));
            }
        }
    }
    for ((key, message), files) in per_file {
        let amount = amounts
            .get(&(key.clone(), message))
            .cloned()
            .unwrap_or_default();
        *r.findings.entry(format!("{key}|{amount}")).or_default() +=
            files.values().copied().max().unwrap_or(0);
    }
    r
}

/// A CSV output's records, sorted, as `|`-joined cells of the named columns (all if none).
fn csv_lines(p: &Path, cols: Option<&[&str]>) -> Vec<String> {
    let Ok(mut rd) = csv::Reader::from_path(p) else {
        return vec![];
    };
    let h = rd.headers().unwrap().clone();
    let idx: Vec<usize> = match cols {
        Some(c) => c
            .iter()
            .filter_map(|c| h.iter().position(|x| x == *c))
            .collect(),
        None => (0..h.len()).collect(),
    };
    let mut v: Vec<String> = rd
        .records()
        .map(|r| {
            let r = r.unwrap();
            // A claim line's `path/claims.csv:2`: the run's folder is not part of the answer.
            idx.iter()
                .map(|i| r.get(*i).unwrap_or("").rsplit('/').next().unwrap())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    v.sort();
    v
}

/// Compares a transformed run with the untouched one: `Ok(None)` when they agree (up to the
/// allowed additions), `Ok(Some(codes))` when they differ but the run said so, else `Err`
/// with the diff.
fn compare(
    base: &Outcome,
    got: &Outcome,
    may_add: &[&str],
    says_so: &[&str],
) -> Result<Option<String>, String> {
    let mut diff = Vec::new();
    if base.exit != got.exit {
        diff.push(format!(
            "exit {} -> {} ({})",
            base.exit, got.exit, got.stderr
        ));
    }
    for (k, v) in &base.summary {
        let g = got.summary.get(k).cloned().unwrap_or_default();
        if &g != v && k != "by_month" {
            diff.push(format!("summary.{k}: {v} -> {g}"));
        }
    }
    if base.counted != got.counted {
        diff.push(format!(
            "time-log rows counted: {} -> {}",
            base.counted, got.counted
        ));
    }
    for (what, b, g) in [
        ("clean", &base.clean, &got.clean),
        ("held", &base.held, &got.held),
    ] {
        let mut lines: Vec<String> = b
            .iter()
            .filter(|l| !g.contains(l))
            .map(|l| format!("- {what} {l}"))
            .chain(
                g.iter()
                    .filter(|l| !b.contains(l))
                    .map(|l| format!("+ {what} {l}")),
            )
            .collect();
        if lines.len() > 6 {
            let n = lines.len();
            lines.truncate(6);
            lines.push(format!("… {} more {what} line(s)", n - 6));
        }
        diff.extend(lines);
    }
    let mut added = BTreeSet::new();
    let mut fdiff = Vec::new();
    let keys: BTreeSet<&String> = base.findings.keys().chain(got.findings.keys()).collect();
    for k in keys {
        let (b, g) = (
            base.findings.get(k).copied().unwrap_or(0),
            got.findings.get(k).copied().unwrap_or(0),
        );
        let code = k.split('|').next().unwrap();
        if g > b {
            added.insert(code.to_string());
        }
        if g < b || (g > b && !may_add.contains(&code)) {
            fdiff.push(format!(
                "{} finding {k} x{}",
                if g < b { "-" } else { "+" },
                b.abs_diff(g)
            ));
        }
    }
    // The same finding keeps its fingerprint (docs/outputs.md, *Fingerprints*): every
    // fingerprint of the untouched run is in the transformed one, unless its finding is
    // gone (said above). A finding split over two files may add one.
    if fdiff.is_empty() {
        for (fp, what) in &base.fingerprints {
            if !got.fingerprints.contains_key(fp) {
                // The finding it became: the transformed run's of the same code, patient
                // and month whose fingerprint the untouched run does not have.
                let head = what.split(" (").next().unwrap_or(what);
                let now: Vec<&String> = got
                    .fingerprints
                    .iter()
                    .filter(|(g, w)| w.starts_with(head) && !base.fingerprints.contains_key(*g))
                    .map(|(_, w)| w)
                    .collect();
                fdiff.push(format!("fingerprint {fp} of {what} changed; now {now:?}"));
            }
        }
    }
    if fdiff.len() > 10 {
        let n = fdiff.len();
        fdiff.truncate(10);
        fdiff.push(format!("… {} more finding difference(s)", n - 10));
    }
    diff.extend(fdiff);
    if diff.is_empty() {
        return Ok(None);
    }
    let said: Vec<&String> = added
        .iter()
        .filter(|c| says_so.contains(&c.as_str()))
        .collect();
    if !said.is_empty() {
        return Ok(Some(format!("{said:?}")));
    }
    let loud: Vec<&String> = added
        .iter()
        .filter(|c| !may_add.contains(&c.as_str()))
        .collect();
    diff.insert(
        0,
        if base.exit != got.exit {
            format!("refused (exit {})", got.exit)
        } else if loud.is_empty() {
            "SILENT (no finding added)".to_string()
        } else {
            format!("added findings {loud:?}")
        },
    );
    Err(diff.join("\n    "))
}

/// Applies the stack of transformations and runs it: `None` when one is not applicable.
fn apply(fx: &Fixture, base: &Outcome, stack: &[&T]) -> Option<Result<Option<String>, String>> {
    let mut fs = FileSet::load(fx);
    let mut rng = transforms::Rng::new(&format!(
        "{}:{}",
        fx.name,
        stack.iter().map(|t| t.name).collect::<Vec<_>>().join("+")
    ));
    for t in stack {
        if (t.f)(&mut fs, base, &mut rng).is_err() {
            return None;
        }
    }
    let may_add: Vec<&str> = stack
        .iter()
        .flat_map(|t| t.may_add.iter().copied())
        .collect();
    let says_so: Vec<&str> = stack
        .iter()
        .flat_map(|t| t.says_so.iter().copied())
        .collect();
    // A table that cannot be written so (a character windows-1252 lacks): not applicable.
    let mut got = run(&fs).ok()?;
    // A transformation that renames an identity the fingerprint carries: the findings it
    // names are other findings (their fingerprints are not compared).
    let renamed: Vec<&str> = stack
        .iter()
        .filter_map(|t| RENAMES.iter().find(|r| r.0 == t.name).map(|r| r.1))
        .collect();
    if !renamed.is_empty() {
        got.fingerprints
            .retain(|_, what| !renamed.iter().any(|code| what.starts_with(code)));
        let mut base = base.clone();
        base.fingerprints
            .retain(|_, what| !renamed.iter().any(|code| what.starts_with(code)));
        return Some(compare(&base, &got, &may_add, &says_so));
    }
    Some(compare(base, &got, &may_add, &says_so))
}

/// Transformations that change an id a finding's fingerprint is made of (docs/outputs.md,
/// *Fingerprints*), and the code whose findings it so renames: `accented_staff_mixed_forms`
/// turns staff id `S06` into `Zoë Muñoz S06`, and TM005's finding is about a staff member.
const RENAMES: &[(&str, &str)] = &[("accented_staff_mixed_forms", "TM005 ")];

/// Runs `f` over the jobs on two threads.
fn par<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(j) = jobs.get(i) else { break };
                    let r = f(j);
                    out.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap();
    v.sort_by_key(|x| x.0);
    v.into_iter().map(|x| x.1).collect()
}

fn gap(name: &str) -> Option<&'static str> {
    KNOWN_GAPS.iter().find(|g| g.0 == name).map(|g| g.1)
}

fn full() -> bool {
    std::env::var_os("METAMORPHIC_FULL").is_some()
}

fn show_gaps() -> bool {
    std::env::var_os("METAMORPHIC_GAPS").is_some()
}

/// Runs each (fixture index, stack) job against its fixture's untouched run and fails with
/// every diff.
fn check(fixtures: &[Fixture], jobs: Vec<(usize, Vec<&'static T>)>) {
    let started = std::time::Instant::now();
    let bases = par(fixtures, |fx| {
        from_golden(fx).unwrap_or_else(|| run(&FileSet::load_untouched(fx)).expect("base run"))
    });
    let mut skipped = BTreeSet::new();
    let jobs: Vec<_> = jobs
        .into_iter()
        .filter(|(_, st)| {
            let g: Vec<_> = st
                .iter()
                .filter_map(|t| gap(t.name).map(|w| (t.name, w)))
                .collect();
            if g.is_empty() || show_gaps() {
                return true;
            }
            for x in g {
                skipped.insert(x);
            }
            false
        })
        .collect();
    for (n, w) in &skipped {
        println!("metamorphic: skipping known gap {n}: {w}");
    }
    let results = par(&jobs, |(i, st)| apply(&fixtures[*i], &bases[*i], st));
    let mut bad = Vec::new();
    let (mut ran, mut na) = (0, 0);
    for ((i, st), r) in jobs.iter().zip(results) {
        let label = format!(
            "{} on {}",
            st.iter().map(|t| t.name).collect::<Vec<_>>().join("+"),
            fixtures[*i].name
        );
        match r {
            None => na += 1,
            Some(Ok(None)) => ran += 1,
            Some(Ok(Some(said))) => {
                ran += 1;
                println!("metamorphic: {label}: differs, and says so with {said}");
            }
            Some(Err(d)) => {
                ran += 1;
                bad.push(format!("{label}:\n    {d}"));
            }
        }
    }
    println!(
        "metamorphic: {ran} runs ({na} not applicable) on {} fixtures in {:.1?}",
        fixtures.len(),
        started.elapsed()
    );
    if show_gaps() {
        for b in &bad {
            println!("GAP {b}");
        }
        return;
    }
    assert!(
        bad.is_empty(),
        "{} transformation(s) changed the audit:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

impl FileSet {
    /// The fixture's own files, untouched (the base run).
    fn load_untouched(fx: &Fixture) -> FileSet {
        let mut verbatim = Vec::new();
        for e in std::fs::read_dir(&fx.dir).unwrap().filter_map(|e| e.ok()) {
            if e.path().is_file() {
                verbatim.push((
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                ));
            }
        }
        FileSet {
            tables: vec![],
            logs: vec![],
            verbatim,
            args: fx.args.clone(),
        }
    }
}

/// Every transformation, or those `METAMORPHIC_ONLY` names (comma-separated): with
/// `METAMORPHIC_FULL=1`, a new transformation run on every fixture alone.
fn active() -> Vec<&'static T> {
    let only = std::env::var("METAMORPHIC_ONLY").unwrap_or_default();
    let names: Vec<&str> = only.split(',').filter(|n| !n.is_empty()).collect();
    TRANSFORMS
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name) || t.name == "roundtrip")
        .collect()
}

#[test]
fn metamorphic_demo_every_transformation() {
    let fx = vec![demo()];
    let mut jobs: Vec<(usize, Vec<&T>)> = active().into_iter().map(|t| (0, vec![t])).collect();
    for stack in transforms::STACKS {
        jobs.push((0, stack.iter().map(|n| transforms::by_name(n)).collect()));
    }
    check(&fx, jobs);
}

#[test]
fn metamorphic_export_shapes() {
    let fx = export_fixtures();
    let all = active();
    let mut jobs = Vec::new();
    let round = transforms::by_name("roundtrip");
    for i in 0..fx.len() {
        jobs.push((i, vec![round]));
    }
    for (j, t) in all.iter().enumerate() {
        if t.name == "roundtrip" {
            continue;
        }
        if full() {
            for i in 0..fx.len() {
                jobs.push((i, vec![*t]));
            }
        } else {
            // Each transformation on one shape, rotating; a not-applicable pair tries the next shape
            // when the job runs (see `apply`): here, pick the first shape it applies to.
            let start = (j * 7) % fx.len();
            let i = (0..fx.len())
                .map(|k| (start + k) % fx.len())
                .find(|&i| transforms::applies(&fx[i], t))
                .unwrap_or(start);
            jobs.push((i, vec![*t]));
        }
    }
    for (k, stack) in transforms::STACKS.iter().enumerate() {
        let i = (k * 5 + 2) % fx.len();
        jobs.push((i, stack.iter().map(|n| transforms::by_name(n)).collect()));
    }
    check(&fx, jobs);
}

#[test]
fn metamorphic_rule_fixtures_sampled() {
    let fx = rule_fixtures();
    let all: Vec<&T> = active()
        .into_iter()
        .filter(|t| gap(t.name).is_none() || show_gaps())
        .collect();
    let mut jobs = Vec::new();
    for (i, f) in fx.iter().enumerate() {
        if full() {
            for t in &all {
                jobs.push((i, vec![*t]));
            }
            continue;
        }
        // A seeded stack of two different transformations that apply to this fixture.
        let mut rng = transforms::Rng::new(&f.name);
        let mut stack: Vec<&T> = Vec::new();
        for _ in 0..40 {
            let t = all[rng.below(all.len())];
            if stack
                .iter()
                .all(|s| s.name != t.name && (s.group.is_empty() || s.group != t.group))
                && transforms::applies(f, t)
            {
                stack.push(t);
            }
            if stack.len() == 2 {
                break;
            }
        }
        jobs.push((i, stack));
    }
    check(&fx, jobs);
}
