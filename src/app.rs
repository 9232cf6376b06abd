//! The imperative shell: the only code that touches files, the clock, the environment and
//! the terminal. Everything it calls below is pure.

use crate::args::AuditPlan;
use crate::audit::{Audit, AuditConfig};
use crate::checks::registry;
use crate::cli::{AuditArgs, Cli, Command, Format, InspectArgs, TraceArgs};
use crate::domain::YearMonth;
use crate::domain::{Dataset, Kind};
use crate::engine::Auditor;
use crate::engine::ScratchFiles;
use crate::ingest::{
    IngestError, open_timelog, read_claims, read_companion, read_timelog, stream_timelog_batches,
};
use crate::report;
use crate::rules::Ruleset;
use anyhow::{Context, Result, anyhow, bail};
use std::io::{IsTerminal, Write};
use std::path::Path;

mod evidence;
mod lookback;

/// An error as one line with its cause chain: line breaks become spaces and every other
/// control character (CR, ESC, NUL …) is escaped, so nothing from an input can move the
/// cursor or split the line; cut at [`ONE_LINE_MAX`] characters, whatever a message
/// below forgot to bound.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    crate::domain::printable(&parts.join(": ").replace('\n', " "), ONE_LINE_MAX)
}

/// The most characters an error line holds (two paths of the system's longest and the
/// words around them fit).
pub const ONE_LINE_MAX: usize = 10_000;

/// The workbook library panics on a write that fails (a full disk under its temporary
/// sheets): the workbook writer catches that panic and returns it as the error it is, so
/// the panic's own message would be a second, raw report of it. Nothing is printed for a
/// panic raised inside that library; any other panic is reported as before.
fn quiet_workbook_panics() {
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info
            .location()
            .is_some_and(|l| l.file().contains("rust_xlsxwriter"))
        {
            before(info);
        }
    }));
}

pub fn run(cli: Cli) -> Result<u8> {
    quiet_workbook_panics();
    match cli.command {
        Command::Audit(args) => run_audit(*args),
        Command::Trace(args) => run_trace(*args),
        Command::Inspect(args) => run_inspect(*args),
        Command::Sample(args) => lookback::run_sample(&args),
        Command::Extrapolate(args) => lookback::run_extrapolate(&args),
        Command::Refund(args) => lookback::run_refund(&args),
        Command::Explain { code } => explain(&code),
        Command::Rules {
            check: Some(dir), ..
        } => check_rules(&dir),
        Command::Rules { year, rules, .. } => print_rules(year, rules.as_deref()),
    }
}

/// Writes to stdout; a closed pipe (`ccm … | head`) is not an error.
fn to_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let res = f(&mut lock).and_then(|_| lock.flush());
    match res {
        Err(e) if broken_pipe(&e) => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// A reader that stopped reading (`| head`): the output is cut where it wanted, and the
/// exit code stays the audit's, whatever the format (the csv writer wraps the pipe's error
/// in its own: red team round 22, `--format csv | head` was exit 2, the others exit 1).
fn broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<csv::Error>())
            .is_some_and(|c| {
                matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
}

fn explain(code: &str) -> Result<u8> {
    let c = crate::checks::lookup(code)
        .ok_or_else(|| anyhow!("unknown check code {code:?} (see `ccm rules`)"))?;
    to_stdout(|w| {
        writeln!(w, "{} {} ({})", c.code, c.name, c.severity)?;
        for (title, text) in c.sections() {
            writeln!(w, "\n{title}\n  {text}")?;
        }
        Ok(())
    })?;
    Ok(0)
}

/// `ccm rules --check DIR`: loads the folder as `--rules DIR` would (every file validated)
/// and says what it holds; a bad file is the usual one-line error and exit 2.
fn check_rules(dir: &Path) -> Result<u8> {
    let rules = Ruleset::load(Some(dir), crate::checks::lookup)?;
    let years: Vec<String> = rules.years.keys().map(i32::to_string).collect();
    to_stdout(|w| {
        writeln!(
            w,
            "rules valid: years {} (rules: {})",
            years.join(", "),
            rules.origin
        )
    })?;
    Ok(0)
}

fn print_rules(year: Option<i32>, dir: Option<&Path>) -> Result<u8> {
    let rules = Ruleset::load(dir, crate::checks::lookup)?;
    let y = year.unwrap_or_else(|| *rules.years.keys().next_back().expect("a year"));
    // The years an audit prices (a date of service outside them is IN002): any other is a
    // typo, said as one, not a table.
    if !rules.plausible_service_year(y) {
        bail!(
            "no code table for {y}: ccm audits service years {} to {} (the rules' years, and the year after them as an estimate)",
            crate::rules::FIRST_SERVICE_YEAR,
            rules.last_year() + 1
        );
    }
    // As `ccm audit` does: a year without rules of its own takes the nearest year's.
    let yr = rules.year(y);
    let estimate = if rules.has_year(y) {
        String::new()
    } else {
        format!(
            "; no CY{y} rules: the CY{} table and fees, an estimate",
            yr.year
        )
    };
    to_stdout(|w| {
        writeln!(w, "check catalogue")?;
        for c in registry() {
            writeln!(w, "  {}  {:<9} {}", c.code, c.severity.as_str(), c.name)?;
        }
        writeln!(w, "\ncode table {y} (rules: {}{estimate})", rules.origin)?;
        writeln!(
            w,
            "  {:<6} {:<8} {:<17} {:<6} {:<13} {:>9} {:>9} {:>4} {:<6} {:>9}",
            "code",
            "program",
            "family",
            "kind",
            "time",
            "threshold",
            "increment",
            "cap",
            "with",
            "fee"
        )?;
        for c in &yr.codes {
            let fee = yr
                .unit_payment(&c.hcpcs, YearMonth { year: y, month: 12 }.last_day())
                .map(|m| format!("${m}"))
                .unwrap_or_default();
            writeln!(
                w,
                "  {:<6} {:<8} {:<17} {:<6} {:<13} {:>9} {:>9} {:>4} {:<6} {:>9}",
                c.hcpcs,
                c.program,
                c.family,
                if c.is_addon { "add-on" } else { "base" },
                format!("{:?}", c.time).to_lowercase(),
                if c.is_addon {
                    String::new()
                } else {
                    c.threshold.to_string()
                },
                if c.is_addon {
                    c.increment.to_string()
                } else {
                    String::new()
                },
                c.unit_cap,
                c.addon_to,
                fee
            )?;
        }
        // The staff_role words the time log is read with (docs/inputs.md, Roles; an unknown
        // word's IN002 points here), as roles.csv writes them; a word matches
        // without regard to case, spaces or punctuation.
        writeln!(
            w,
            "\nrole table {y} (a time log's staff_role, compared without regard to case, spaces or punctuation; any other word is IN002)"
        )?;
        for class in [
            crate::domain::RoleClass::Practitioner,
            crate::domain::RoleClass::Clinical,
            crate::domain::RoleClass::NonClinical,
        ] {
            let words: Vec<&str> = yr
                .role_words
                .iter()
                .filter(|(_, c)| *c == class)
                .map(|(w, _)| w.as_str())
                .collect();
            writeln!(w, "  {:<19} {}", class.describe(), words.join(", "))?;
        }
        Ok(())
    })?;
    Ok(0)
}

/// `ccm inspect`: each file read on its own, with the real readers, into a dataset of its
/// own, as the kind its name (or `--kind`) says, else as the kind its header fits; then
/// reported. Exit 2 when a file cannot be read as any kind.
fn run_inspect(args: InspectArgs) -> Result<u8> {
    use crate::cli::InspectFormat;
    use report::inspect::{KindFrom, column_problems, inspect, kind_from_name, not_read};
    let rules = Ruleset::embedded(crate::checks::lookup)?;
    let opts = crate::args::read_options(
        args.delimiter.as_deref(),
        args.sheet.as_deref(),
        args.date_order,
        args.tz.as_deref(),
        args.map.as_deref(),
    )?;
    let read_as = |kind: Kind, path: &Path, name: &str| -> Result<Dataset, IngestError> {
        let mut ds = Dataset::default();
        match kind {
            Kind::Timelog => read_timelog(&mut ds, path, name, &opts, &rules)?,
            Kind::Claims => read_claims(&mut ds, path, name, &opts, &rules.statuses)?,
            k => read_companion(&mut ds, k, path, name, &opts, &rules)?,
        }
        Ok(ds)
    };
    let mut reports = Vec::new();
    for path in &args.files {
        let name = crate::domain::path_name(path);
        let (kind, from) = match args.kind {
            Some(k) => (k, KindFrom::Given),
            None => (kind_from_name(&name), KindFrom::FileName),
        };
        let report = match read_as(kind, path, &name) {
            Ok(ds) => inspect(&ds, kind, &from, opts.date_order.is_some()),
            Err(e) if column_problems(&e).is_none() => not_read(&name, kind, &from, &e, &[]),
            Err(e) => {
                // The header does not fit the kind: the kinds it fits, read as each.
                // (A staff roster's two columns fit most time logs: only by name or --kind.)
                let mut fits: Vec<(Kind, Dataset)> = Kind::ALL
                    .into_iter()
                    .filter(|k| *k != kind && *k != Kind::Staff)
                    .filter_map(|k| read_as(k, path, &name).ok().map(|ds| (k, ds)))
                    .collect();
                if from == KindFrom::FileName && !fits.is_empty() {
                    let (first, ds) = fits.remove(0);
                    let from = KindFrom::Header {
                        suggested: kind,
                        also: fits.iter().map(|f| f.0).collect(),
                    };
                    inspect(&ds, first, &from, opts.date_order.is_some())
                } else {
                    let fits: Vec<Kind> = fits.iter().map(|f| f.0).collect();
                    not_read(&name, kind, &from, &e, &fits)
                }
            }
        };
        reports.push(report);
    }
    to_stdout(|w| match args.format {
        InspectFormat::Text => report::inspect::write_inspect(w, &reports),
        InspectFormat::Json => report::inspect::write_inspect_json(w, &reports),
    })?;
    Ok(if reports.iter().all(|r| r.ok()) { 0 } else { 2 })
}

/// The inputs, read and validated, and what the audit made of them.
struct Prepared {
    ds: Dataset,
    rules: Ruleset,
    cfg: AuditConfig,
    result: Audit,
}

fn run_audit(args: AuditArgs) -> Result<u8> {
    let timing = Timing::from_env();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let plan = AuditPlan::new(&args, chrono::Local::now().date_naive())?;
    // manifest.json's inputs are hashed on a thread of their own while the audit runs.
    let hashing = plan.out.is_some().then(|| {
        let files = manifest_inputs(&plan, &args);
        std::thread::spawn(move || hash_inputs(files))
    });
    let shown = Shown::new(!plan.quiet && std::io::stderr().is_terminal());
    let Prepared {
        ds,
        rules,
        cfg,
        mut result,
    } = prepare(&plan, None, &timing, &shown)?;
    let mut waiver_notes = Vec::new();
    if let Some(b) = &plan.baseline {
        waiver_notes = b.apply(&mut result.findings, cfg.as_of);
        result.notes.extend(waiver_notes.iter().cloned());
    }
    shown.busy("listing held claims");
    // The held and worklist rows, for --out, --xlsx and the table only: worked out on a
    // thread of their own beside the summary and the findings files (which do not read
    // them); what shows them waits for them.
    let wanted =
        plan.out.is_some() || plan.xlsx.is_some() || (!plan.quiet && plan.format == Format::Table);
    let lists: report::LazyLists = std::sync::LazyLock::new(Box::new(|| {
        if wanted {
            report::lists(&ds, &result, &rules)
        } else {
            report::Lists::default()
        }
    }));
    let summary = std::thread::scope(|s| -> Result<report::Summary> {
        s.spawn(|| std::sync::LazyLock::force(&lists));
        let summary = report::summary(&ds, &result, &cfg, &rules.origin);
        timing.mark("summary");
        let written = Written {
            plan: &plan,
            ds: &ds,
            result: &result,
            summary: &summary,
            lists: &lists,
        };
        written.write(&rules, hashing, started_at, &timing, &shown)?;
        Ok(summary)
    })?;
    // After the set: a run that could not write its outputs leaves the baseline as it was.
    if let Some(path) = &plan.write_baseline {
        let b = crate::baseline::of_findings(&result.findings, plan.baseline.as_ref());
        crate::outputs::write_file(path, &crate::baseline::to_bytes(&b)).with_context(|| {
            if plan.out.is_some() {
                "--write-baseline (the --out set was written; the baseline is as it was)"
            } else {
                "--write-baseline (the baseline is as it was)"
            }
        })?;
    }
    shown.done();
    // A waiver that matched nothing or has expired, on stderr too: a CI log shows it
    // whatever --format prints (the note names a fingerprint and a date, nothing read).
    if !plan.quiet {
        for n in &waiver_notes {
            eprintln!("ccm: warning: {n}");
        }
    }
    if !plan.quiet {
        // The table ends with what was written, where the user named it (a bare --xlsx:
        // audit.xlsx in the --out folder).
        let book = match &args.xlsx {
            Some(Some(file)) => Some(file.clone()),
            Some(None) => args.out.as_ref().map(|o| o.join(crate::args::WORKBOOK)),
            None => None,
        };
        let wrote = report::written_line(
            args.out.as_deref(),
            book.as_deref(),
            args.write_baseline.as_deref(),
        );
        to_stdout(|w| match plan.format {
            Format::Table => {
                report::write_table(&mut *w, &ds, &result, &summary, &lists, layout())?;
                wrote.iter().try_for_each(|l| writeln!(w, "{l}"))
            }
            Format::Json => report::write_findings_json(w, &ds, &result, &summary),
            Format::Jsonl => report::write_findings_jsonl(w, &ds, &result),
            Format::Csv => {
                if plan.bom {
                    w.write_all(report::UTF8_BOM)?;
                }
                report::write_findings_csv(w, &ds, &result)
            }
            Format::Sarif => report::write_sarif(w, &ds, &result, &summary),
            Format::Junit => report::write_junit(w, &ds, &result, plan.fail_on),
        })?;
    }
    let fail = matches!((plan.fail_on, result.worst()), (Some(t), Some(w)) if w >= t);
    // The run is over and the process ends with this function: the data, the audit and
    // the lists (millions of small allocations at 2M rows) are left to the exit instead
    // of freed one by one, which took 2-4% of the run's wall time on the shared 2M-row
    // month. Only the `ccm` binary calls this (the tests run it as a process).
    std::mem::forget(lists);
    std::mem::forget(result);
    std::mem::forget(ds);
    Ok(u8::from(fail))
}

/// What a run writes from: its plan, data, result, summary and lists.
struct Written<'a, 'l> {
    plan: &'a AuditPlan,
    ds: &'a Dataset,
    result: &'a Audit,
    summary: &'a report::Summary,
    lists: &'a report::LazyLists<'l>,
}

impl Written<'_, '_> {
    /// The `--out` set (with manifest.json, once the inputs' hashes are in) and the workbook.
    fn write(
        &self,
        rules: &Ruleset,
        hashing: Option<std::thread::JoinHandle<Result<Vec<Hashed>>>>,
        started_at: String,
        timing: &Timing,
        shown: &Shown,
    ) -> Result<()> {
        let Written {
            plan,
            ds,
            result,
            summary,
            lists,
        } = *self;
        let cfg = &plan.cfg;
        let book = plan
            .xlsx
            .as_deref()
            .map(|path| crate::outputs::WorkbookOut {
                path,
                row_limit: xlsx_rows(),
            });
        if let Some(out) = &plan.out {
            shown.writing(if book.is_some() {
                "writing --out and --xlsx"
            } else {
                "writing --out"
            });
            let inputs = match hashing.map(std::thread::JoinHandle::join) {
                Some(Ok(r)) => r?,
                Some(Err(_)) => bail!("cannot hash the inputs for manifest.json"),
                None => Vec::new(),
            };
            let inputs = unchanged_since_hashed(inputs)?;
            let digest = rules.digest();
            let manifest = report::manifest::ManifestHead {
                ccm_version: env!("CARGO_PKG_VERSION"),
                started_at,
                as_of: cfg.as_of.format("%Y-%m-%d").to_string(),
                // As every output names a path: a control character escaped, never raw.
                arguments: std::env::args_os()
                    .skip(1)
                    .map(|a| crate::domain::path_name(Path::new(&a)))
                    .collect(),
                rules: report::manifest::RulesEntry {
                    origin: rules.origin.clone(),
                    sha256: digest.sha256,
                    files: digest
                        .files
                        .into_iter()
                        .map(|(path, sha256)| report::manifest::PathDigest { path, sha256 })
                        .collect(),
                },
                inputs,
            };
            let set = crate::outputs::SetContents {
                ds,
                result,
                summary,
                lists,
                bom: plan.bom,
                manifest: &manifest,
            };
            crate::outputs::write_out(out, book.as_ref(), &set)?;
            timing.mark("write --out");
        } else if let Some(book) = &book {
            shown.writing("writing --xlsx");
            crate::outputs::write_workbook(book, ds, result, summary, lists)?;
            timing.mark("write --xlsx");
        }
        Ok(())
    }
}

/// Every file the run reads, as given, with its kind: the time logs, the companions, the
/// claims files, the header map and the baseline (manifest.json's `inputs`).
fn manifest_inputs(plan: &AuditPlan, args: &AuditArgs) -> Vec<(std::path::PathBuf, &'static str)> {
    let mut files: Vec<(std::path::PathBuf, &'static str)> = Vec::new();
    files.extend(
        plan.timelogs
            .iter()
            .map(|p| (p.clone(), Kind::Timelog.as_str())),
    );
    files.extend(plan.companions.iter().map(|(k, p)| (p.clone(), k.as_str())));
    files.extend(
        plan.claims
            .iter()
            .map(|p| (p.clone(), Kind::Claims.as_str())),
    );
    files.extend(args.inputs.map.iter().map(|p| (p.clone(), "map")));
    files.extend(args.baseline.iter().map(|p| (p.clone(), "baseline")));
    files
}

/// An input as manifest.json records it, and the file as it stood when its hash began.
struct Hashed {
    entry: report::manifest::InputEntry,
    path: std::path::PathBuf,
    state: Option<FileState>,
}

/// What tells a file changed: its device and inode, size and modification time.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
struct FileState {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
    /// A regular file (a pipe or a device has no size to compare).
    regular: bool,
}

impl FileState {
    fn of(m: &std::fs::Metadata) -> FileState {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        FileState {
            dev,
            ino,
            len: m.len(),
            modified: m.modified().ok(),
            regular: m.is_file(),
        }
    }
}

/// The inputs' manifest entries, once the audit has read them all: an input whose file
/// changed since its hash began (grown, rewritten, replaced) is exit 2 and nothing is
/// written, since the manifest would vouch for bytes other than those audited (red team
/// round 22: rows appended during a run were audited and the manifest hashed the file
/// before them).
fn unchanged_since_hashed(inputs: Vec<Hashed>) -> Result<Vec<report::manifest::InputEntry>> {
    inputs
        .into_iter()
        .map(|h| {
            let Some(then) = h.state.filter(|s| s.regular) else {
                return Ok(h.entry);
            };
            let now = std::fs::metadata(&h.path).ok().map(|m| FileState::of(&m));
            if now != Some(then) || then.len != h.entry.size {
                bail!(
                    "{} changed while ccm read it (its size, time or file moved): nothing was written; audit it again once it is complete",
                    h.entry.path
                );
            }
            Ok(h.entry)
        })
        .collect()
}

/// Each file's path as given, kind, size and SHA-256, read in 1 MiB pieces.
fn hash_inputs(files: Vec<(std::path::PathBuf, &'static str)>) -> Result<Vec<Hashed>> {
    use sha2::Digest;
    use std::io::Read;
    files
        .into_iter()
        .map(|(p, kind)| {
            let mut f = std::fs::File::open(&p)
                .with_context(|| format!("cannot read {} for manifest.json", p.display()))?;
            let state = f.metadata().ok().map(|m| FileState::of(&m));
            let mut h = sha2::Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut size = 0u64;
            loop {
                let n = f
                    .read(&mut buf)
                    .with_context(|| format!("cannot read {} for manifest.json", p.display()))?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                h.update(&buf[..n]);
            }
            Ok(Hashed {
                entry: report::manifest::InputEntry {
                    path: crate::domain::path_name(&p),
                    kind,
                    size,
                    sha256: crate::domain::hex(&h.finalize()),
                },
                path: p,
                state,
            })
        })
        .collect()
}

/// How the report and the trace are laid out: when stdout is a terminal, tables fit its
/// width (`COLUMNS` when set, else the width the terminal gives), with colour unless
/// `NO_COLOR` is set; a pipe or a file gets every table at its natural width, no colour.
fn layout() -> report::Layout {
    if !std::io::stdout().is_terminal() {
        return report::Layout::default();
    }
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w > 0)
        .or_else(terminal_columns);
    report::Layout {
        color: std::env::var_os("NO_COLOR").is_none(),
        width,
    }
}

/// The columns of the terminal on stdout, as the terminal reports them; a terminal that
/// reports its columns but no rows (`stty rows 0`, some CI pseudo-terminals) still has a
/// width.
#[cfg(unix)]
fn terminal_columns() -> Option<u16> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize it is given (ours, alive for the call) and
    // reads nothing else.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col)
}
#[cfg(not(unix))]
fn terminal_columns() -> Option<u16> {
    console::Term::stdout().size_checked().map(|(_, cols)| cols)
}

fn run_trace(args: TraceArgs) -> Result<u8> {
    let Some(month) = &args.inputs.month else {
        bail!("trace needs --month YYYY-MM");
    };
    let month =
        YearMonth::parse(month).ok_or_else(|| anyhow!("--month {month:?} is not YYYY-MM"))?;
    let mut inputs = args.inputs;
    // The trace audits every month (consent and visits read across months) and shows one.
    inputs.month = None;
    let plan = AuditPlan::reading(&inputs, chrono::Local::now().date_naive())?;
    let Prepared {
        ds,
        rules: _,
        cfg,
        result,
    } = prepare(
        &plan,
        Some(&args.patient),
        &Timing(None),
        &Shown::new(false),
    )?;
    if !result.has_trace_rows() && !ds.mentions(&args.patient) {
        bail!("patient {} is not in the inputs", args.patient);
    }
    let rows = result.trace(&ds, &args.patient, month);
    let layout = layout();
    to_stdout(|w| report::write_trace(w, &result, &args.patient, month, &rows, &cfg, layout))?;
    Ok(0)
}

fn prepare(
    plan: &AuditPlan,
    trace: Option<&str>,
    timing: &Timing,
    shown: &Shown,
) -> Result<Prepared> {
    let mut rules = Ruleset::load(plan.rules_dir.as_deref(), crate::checks::lookup)?;
    if plan.cfg.apm {
        rules.use_apm_factor();
    }
    let cfg = plan.cfg.clone();
    let opts = &plan.read;
    let mut ds = Dataset::default();
    ds.patients.fold_leading_zeros = opts.ignore_id_zeros;
    // The time logs' headers first (their file indices come first), then the companions
    // the streaming audit needs, then the rows, straight into the auditor.
    let mut inputs = Vec::new();
    let log_bytes: u64 = plan.timelogs.iter().map(|t| file_len(t)).sum();
    let mut done_bytes = 0u64;
    for t in &plan.timelogs {
        let mut topts = opts.clone();
        topts.progress = shown.reading("time logs", done_bytes, log_bytes);
        inputs.push(open_timelog(
            &mut ds,
            t,
            &crate::domain::path_name(t),
            &topts,
        )?);
        done_bytes += file_len(t);
    }
    for (kind, p) in &plan.companions {
        let mut copts = opts.clone();
        copts.progress = shown.reading(kind.as_str(), 0, file_len(p));
        read_companion(
            &mut ds,
            *kind,
            p,
            &crate::domain::path_name(p),
            &copts,
            &rules,
        )?;
    }
    for p in &plan.claims {
        read_claims(
            &mut ds,
            p,
            &crate::domain::path_name(p),
            opts,
            &rules.statuses,
        )?;
    }
    // A time log whose dates fit both orders follows what the companions prove.
    for input in &mut inputs {
        crate::ingest::follow_run_order(&mut ds, input);
    }
    // A stopwatch export split in two reads its durations as one file does.
    crate::ingest::follow_run_durations(&mut ds, &mut inputs);
    // The same entry in two exports of different layouts is found on the fields they share.
    crate::ingest::share_identity(&mut ds, &mut inputs);
    timing.mark("read companions");
    let trace = trace.map(|p| ds.patients.intern(p));
    let scratch: ScratchFiles = std::sync::Arc::new(tempfile::tempfile);
    let mut auditor =
        Auditor::new(&ds, &rules, cfg.clone(), trace).spill_above(spill_rows(), scratch);
    if let Some(tick) = shown.stages() {
        auditor = auditor.progress(tick);
    }
    let mut done_bytes = 0u64;
    for (input, t) in inputs.into_iter().zip(&plan.timelogs) {
        shown.reading("time logs", done_bytes, log_bytes);
        stream_timelog_batches(&mut ds, input, &rules, |rows| auditor.push_batch(rows))?;
        done_bytes += file_len(t);
    }
    timing.mark("stream time logs");
    let mut result = auditor.finish(&ds)?;
    result.notes.extend(pooled_companions(&plan.companions));
    timing.mark("finish audit");
    Ok(Prepared {
        ds,
        rules,
        cfg,
        result,
    })
}

/// Companion files found beside time logs in several folders (a practice's months, or two
/// practices audited together) are pooled: a patient id's consent or problem list in any of
/// them counts for every time log. Patient ids are one namespace, so ccm cannot tell two
/// practices' colliding ids from one patient: the run's notes say the files were pooled.
fn pooled_companions(companions: &[(Kind, std::path::PathBuf)]) -> Option<String> {
    let mut folders: Vec<String> = Vec::new();
    // Only a kind found in more than one place is pooled (a flag names one file).
    let pooled = |k: &Kind| companions.iter().filter(|(j, _)| j == k).count() > 1;
    for (_, p) in companions.iter().filter(|(k, _)| pooled(k)) {
        let dir = crate::domain::path_name(p.parent().unwrap_or(std::path::Path::new("")));
        if !folders.contains(&dir) {
            folders.push(dir);
        }
    }
    (folders.len() > 1).then(|| {
        format!(
            "the companion files found beside the time logs in {} folders ({}) are pooled: a patient id's consent, problem list and other evidence in any of them counts for every time log; if the folders are practices whose patient ids may name different people, audit each folder on its own",
            folders.len(),
            folders.join(", ")
        )
    })
}

/// Phase times on stderr when `CCM_TIMING` is set (for the benchmark; see benches/README.md).
/// Time-log rows whose cross-row records are held in memory before they move to temporary
/// files (32 bytes each: 64 MB). `CCM_SPILL_ROWS=N` sets it (the tests spill after a few
/// rows to prove the audit is the same either way).
fn spill_rows() -> usize {
    std::env::var("CCM_SPILL_ROWS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(2_000_000)
}

/// Rows a workbook sheet holds, the header included: Excel's limit. `CCM_XLSX_ROWS=N`
/// lowers it (the tests split a list over several sheets without a million rows).
fn xlsx_rows() -> usize {
    std::env::var("CCM_XLSX_ROWS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(report::EXCEL_ROWS)
        .clamp(2, report::EXCEL_ROWS)
}

/// The wall clock and the process's user and system CPU seconds at the last mark: on a
/// virtual machine whose system time varies run to run (pages first touched), the user time
/// of a phase is the figure two runs can be compared on.
struct Timing(Option<std::cell::Cell<(std::time::Instant, f64, f64)>>);

/// User and system CPU seconds of the whole process so far (every thread).
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return (0.0, 0.0);
    }
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (s(u.ru_utime), s(u.ru_stime))
}

impl Timing {
    fn from_env() -> Timing {
        Timing(std::env::var_os("CCM_TIMING").map(|_| {
            let (user, sys) = cpu_seconds();
            std::cell::Cell::new((std::time::Instant::now(), user, sys))
        }))
    }
    fn mark(&self, phase: &str) {
        if let Some(t) = &self.0 {
            let now = std::time::Instant::now();
            let (user, sys) = cpu_seconds();
            let (then, user0, sys0) = t.get();
            // Peak resident memory so far, where the system tells it (Linux).
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
                    let kb: u64 = l.split_whitespace().nth(1)?.parse().ok()?;
                    Some(format!(", peak {} MB", kb / 1024))
                })
                .unwrap_or_default();
            eprintln!(
                "ccm timing: {phase} {:.3} s (user {:.3} s, sys {:.3} s){peak}",
                (now - then).as_secs_f64(),
                user - user0,
                sys - sys0
            );
            t.set((now, user, sys));
        }
    }
}

/// A file's size in bytes (0 when it cannot be read: the read that follows says why).
fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// The progress line on stderr, through every phase of a run (reading, the audit's long
/// stages, writing, the workbook), with counts and, where the total is known ahead, an
/// estimate of the time left. Only when stderr is a terminal and `--quiet` is not given;
/// otherwise every method does nothing.
struct Shown(Option<indicatif::ProgressBar>);

impl Shown {
    // The bar takes what the terminal's width leaves.
    const BYTES: &'static str = "{spinner} {msg} {wide_bar} {bytes}/{total_bytes} eta {eta}";
    const COUNT: &'static str = "{spinner} {msg} {wide_bar} {human_pos}/{human_len} eta {eta}";
    const WRITE: &'static str =
        "{spinner} {msg}: {bytes} written, {binary_bytes_per_sec} {elapsed}";

    fn new(on: bool) -> Self {
        Shown(on.then(|| {
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
        }))
    }

    /// Redraws the line for a new phase.
    fn phase(&self, template: &str, what: String, pos: u64, total: Option<u64>) {
        if let Some(bar) = &self.0 {
            Self::restyle(bar, template, what, pos, total);
        }
    }

    fn restyle(
        bar: &indicatif::ProgressBar,
        template: &str,
        what: String,
        pos: u64,
        total: Option<u64>,
    ) {
        let style = indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(what);
        bar.reset();
        if total.is_none() {
            bar.unset_length();
        }
        bar.update(|st| {
            st.set_pos(pos);
            if let Some(t) = total {
                st.set_len(t);
            }
        });
        // Every phase is drawn once at least, however short, and redrawn while it lasts.
        bar.force_draw();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }

    /// Reading `what` (a file kind): a bar over its bytes, and the callback the reader
    /// tells the bytes read to (`None` when nothing is shown).
    fn reading(&self, what: &str, base: u64, total: u64) -> Option<crate::ingest::Progress> {
        let bar = self.0.clone()?;
        self.phase(Self::BYTES, format!("reading {what}"), base, Some(total));
        Some(std::sync::Arc::new(move |_rows: u64, bytes: u64| {
            bar.set_position(base + bytes)
        }))
    }

    /// The callback the audit's long stages tell how far they have got.
    fn stages(&self) -> Option<crate::engine::Tick> {
        let bar = self.0.clone()?;
        let at = std::sync::Mutex::new(None);
        Some(std::sync::Arc::new(
            move |stage: crate::engine::Stage, done: u64, total: u64| {
                let Ok(mut at) = at.lock() else { return };
                if *at != Some(stage) {
                    *at = Some(stage);
                    Self::restyle(&bar, Self::COUNT, stage.label().to_string(), 0, Some(total));
                }
                bar.set_position(done);
            },
        ))
    }

    /// A short phase with no count: a spinner and the time it has taken.
    fn busy(&self, what: &str) {
        self.phase("{spinner} {msg} {elapsed}", what.to_string(), 0, None);
    }

    /// A phase without a known size, counted in bytes written.
    fn writing(&self, what: &str) {
        self.phase(Self::WRITE, what.to_string(), 0, None);
        crate::outputs::show_writes(self.0.clone());
    }

    /// Clears the line (the report, if any, follows on stdout; an error, on stderr).
    fn done(&self) {
        crate::outputs::show_writes(None);
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.done();
    }
}

#[cfg(test)]
mod change_tests {
    use super::{hash_inputs, unchanged_since_hashed};
    use std::io::Write;

    /// An input grown, rewritten or replaced between its hash and the end of the audit is
    /// refused (manifest.json would vouch for other bytes); one left alone passes, and so
    /// does a pipe (no size to compare).
    #[test]
    fn an_input_changed_while_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("timelog.csv");
        type Change = fn(&std::path::Path);
        let changes: [(&str, Change); 4] = [
            ("left alone", |_| {}),
            ("appended", |p| {
                let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
                f.write_all(b"P2,2025-03-05,25\n").unwrap();
            }),
            ("rewritten, same size", |p| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                std::fs::write(p, b"patient_id,service_date,minutes\nP9,2025-03-05,25\n").unwrap();
            }),
            ("replaced", |p| {
                let other = p.with_extension("new");
                std::fs::write(
                    &other,
                    b"patient_id,service_date,minutes\nP1,2025-03-05,25\n",
                )
                .unwrap();
                std::fs::rename(&other, p).unwrap();
            }),
        ];
        for (what, change) in changes {
            std::fs::write(&p, b"patient_id,service_date,minutes\nP1,2025-03-05,25\n").unwrap();
            let hashed = hash_inputs(vec![(p.clone(), "timelog")]).unwrap();
            change(&p);
            let r = unchanged_since_hashed(hashed);
            assert_eq!(r.is_ok(), what == "left alone", "{what}: {r:?}");
            if let Err(e) = r {
                assert!(e.to_string().contains("changed while ccm read it"), "{e}");
            }
        }
    }
}
