//! The command line turned into one validated plan before any work: every flag parsed and
//! checked, the companion files found beside the time logs, the header map read. The shell
//! then only carries the plan out.

use crate::cli::{AuditArgs, AuditInputs, DosArg, FailOn, Format, PolicyArg};
use crate::config::{AuditConfig, DosMode};
use crate::domain::{Kind, Severity, YearMonth, parse_date};
use crate::ingest::{HeaderMap, ReadOptions};
use crate::rules::Policy;
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// The companion kinds read before the time logs stream, in the order they are read:
/// every kind but the time log and the claims file, in [`Kind::ALL`]'s order.
fn companion_kinds() -> impl Iterator<Item = Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| !matches!(k, Kind::Timelog | Kind::Claims))
}

pub use crate::report::{MANIFEST, OUTPUTS, WORKBOOK};

/// What one `ccm audit` (or `ccm trace`) run will do.
#[derive(Debug)]
pub struct AuditPlan {
    pub timelogs: Vec<PathBuf>,
    /// Companion files in the order they are read: by kind (as [`companion_kinds`]), then in
    /// time-log order.
    pub companions: Vec<(Kind, PathBuf)>,
    /// The claims files (verify mode), read in this order and checked together.
    pub claims: Vec<PathBuf>,
    pub cfg: AuditConfig,
    pub rules_dir: Option<PathBuf>,
    /// Delimiter and header map for every file.
    pub read: ReadOptions,
    pub out: Option<PathBuf>,
    /// The workbook to write (`--xlsx FILE`, or `--xlsx` with `--out DIR`: DIR/audit.xlsx).
    pub xlsx: Option<PathBuf>,
    pub format: Format,
    /// The least severity that makes the exit code 1 (`None`: never).
    pub fail_on: Option<Severity>,
    pub quiet: bool,
    /// Start each CSV written (--out, --format csv) with a UTF-8 byte-order mark.
    pub bom: bool,
    /// The baseline of accepted findings (`--baseline`), read and checked.
    pub baseline: Option<crate::baseline::Waivers>,
    /// Where to write the run's findings as a baseline (`--write-baseline`).
    pub write_baseline: Option<PathBuf>,
}

impl AuditPlan {
    /// Validates `args`; `today` is the as-of date when none is given.
    pub fn new(args: &AuditArgs, today: NaiveDate) -> Result<AuditPlan> {
        Self::build(&args.inputs, Some(args), today)
    }

    /// The plan of a run that only reads `args` and writes no file (`ccm trace`, the audit
    /// after `ccm sample … --`): no `--out` or `--xlsx`, the table format.
    pub fn reading(args: &AuditInputs, today: NaiveDate) -> Result<AuditPlan> {
        Self::build(args, None, today)
    }

    fn build(args: &AuditInputs, audit: Option<&AuditArgs>, today: NaiveDate) -> Result<AuditPlan> {
        let out_arg = audit.and_then(|a| a.out.as_deref());
        let as_of = match &args.as_of {
            Some(s) => {
                parse_date(s).ok_or_else(|| anyhow!("--as-of {s:?} is not a date (YYYY-MM-DD)"))?
            }
            None => today,
        };
        let month = match &args.month {
            Some(s) => {
                Some(YearMonth::parse(s).ok_or_else(|| anyhow!("--month {s:?} is not YYYY-MM"))?)
            }
            None => None,
        };
        let cfg = AuditConfig {
            as_of,
            month,
            policy: match args.policy {
                PolicyArg::Cms => Policy::Cms,
                PolicyArg::Strict => Policy::Strict,
            },
            dos: match args.dos {
                DosArg::MonthEnd => DosMode::MonthEnd,
                DosArg::Threshold => DosMode::Threshold,
            },
            apm: args.apm,
        };
        // `--out` and `--xlsx` as the system will reach them: through `..` and symbolic
        // links, even where they do not exist yet.
        let out = out_arg.map(resolve);
        if let Some(out) = &out
            && out.exists()
            && !out.is_dir()
        {
            bail!(
                "--out {} exists and is not a directory",
                shown(out_arg.unwrap_or(out))
            );
        }
        let mut read = read_options(
            args.delimiter.as_deref(),
            args.sheet.as_deref(),
            args.date_order,
            args.tz.as_deref(),
            args.map.as_deref(),
        )?;
        read.ignore_id_zeros = args.ignore_id_zeros;
        read.as_of = Some(as_of);
        let found: Vec<(Kind, PathBuf)> = companion_kinds()
            .flat_map(|k| companions(args, k).into_iter().map(move |p| (k, p)))
            .collect();
        read.staff_roster = found.iter().any(|(k, _)| *k == Kind::Staff);
        let claims = companions(args, Kind::Claims);
        // Every file the run reads: no output may replace one.
        let inputs: Vec<&PathBuf> = args
            .timelogs
            .iter()
            .chain(found.iter().map(|(_, p)| p))
            .chain(claims.iter())
            .chain(args.map.iter())
            .collect();
        if let Some(out) = &out {
            for input in &inputs {
                for name in OUTPUTS {
                    if same_file(&out.join(name), input) {
                        bail!(
                            "--out {} would overwrite the input {}: write the outputs to another folder",
                            shown(out_arg.unwrap_or(out)),
                            shown(input)
                        );
                    }
                }
            }
        }
        let xlsx = match audit.and_then(|a| a.xlsx.as_ref()) {
            None => None,
            Some(file) => {
                let path = match (file, &out) {
                    (Some(f), _) => resolve(f),
                    (None, Some(out)) => out.join(WORKBOOK),
                    (None, None) => bail!(
                        "--xlsx without a FILE writes {WORKBOOK} into the --out folder: give --out DIR, or --xlsx FILE.xlsx"
                    ),
                };
                if !path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
                {
                    bail!(
                        "--xlsx {} does not end in .xlsx (Excel opens a workbook by its extension)",
                        path.display()
                    );
                }
                if path.is_dir() {
                    bail!("--xlsx {} is a directory", path.display());
                }
                for input in &inputs {
                    if same_file(&path, input) {
                        bail!(
                            "--xlsx {} would overwrite the input {}: write the workbook elsewhere",
                            shown(&path),
                            shown(input)
                        );
                    }
                }
                Some(path)
            }
        };
        let (baseline, write_baseline) = match audit {
            Some(a) => baseline_files(a, out.as_deref(), xlsx.as_deref(), &inputs)?,
            None => (None, None),
        };
        Ok(AuditPlan {
            timelogs: args.timelogs.clone(),
            companions: found,
            claims,
            cfg,
            rules_dir: args.rules.clone(),
            read,
            out,
            xlsx,
            format: audit.map_or(Format::Table, |a| a.format),
            fail_on: match audit.map_or(FailOn::Error, |a| a.fail_on) {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Info => Some(Severity::Info),
                FailOn::Never => None,
            },
            quiet: audit.is_some_and(|a| a.quiet),
            bom: audit.is_some_and(|a| a.bom),
            baseline,
            write_baseline,
        })
    }
}

/// `--baseline` read and checked, and `--write-baseline` resolved: refused when it would
/// replace an input or an `--out` file (the baseline it reads may be rewritten in place).
fn baseline_files(
    args: &AuditArgs,
    out: Option<&Path>,
    xlsx: Option<&Path>,
    inputs: &[&PathBuf],
) -> Result<(Option<crate::baseline::Waivers>, Option<PathBuf>)> {
    let baseline = match &args.baseline {
        None => None,
        Some(p) => {
            let bytes =
                std::fs::read(p).with_context(|| format!("cannot read --baseline {}", shown(p)))?;
            Some(
                crate::baseline::Waivers::parse(&bytes)
                    .with_context(|| format!("--baseline {}", shown(p)))?,
            )
        }
    };
    let write_baseline = match &args.write_baseline {
        None => None,
        Some(p) => {
            let path = resolve(p);
            if path.is_dir() {
                bail!("--write-baseline {} is a directory", shown(p));
            }
            // Every file the run writes: the set, and the workbook (in --out or elsewhere).
            let outputs = out
                .iter()
                .flat_map(|o| {
                    OUTPUTS
                        .map(|n| o.join(n))
                        .into_iter()
                        .chain([o.join(WORKBOOK)])
                })
                .chain(xlsx.map(Path::to_path_buf));
            if let Some(hit) = inputs
                .iter()
                .map(|i| i.as_path())
                .chain(args.baseline.as_deref().filter(|b| !same_file(&path, b)))
                .chain(outputs.collect::<Vec<_>>().iter().map(|o| o.as_path()))
                .find(|i| same_file(&path, i))
            {
                bail!(
                    "--write-baseline {} would overwrite {}: write the baseline elsewhere",
                    shown(p),
                    shown(hit)
                );
            }
            Some(path)
        }
    };
    Ok((baseline, write_baseline))
}

/// Companion files for the time logs: the flag, else the canonical file beside each log.
fn companions(args: &AuditInputs, kind: Kind) -> Vec<PathBuf> {
    if kind == Kind::Claims && !args.claims.is_empty() {
        return args.claims.clone();
    }
    let (flag, canonical) = match kind {
        Kind::Consents => (&args.consents, "consents.csv"),
        Kind::Diagnoses => (&args.diagnoses, "diagnoses.csv"),
        Kind::Enrolments => (&args.enrolments, "enrolments.csv"),
        Kind::Careplans => (&args.careplans, "careplans.csv"),
        Kind::Visits => (&args.visits, "visits.csv"),
        Kind::Readings => (&args.readings, "readings.csv"),
        Kind::Claims => (&None, "claims.csv"),
        Kind::Staff => (&args.staff, "staff.csv"),
        Kind::Timelog => unreachable!("time logs are named, not found"),
    };
    if let Some(f) = flag {
        return vec![f.clone()];
    }
    let mut found: Vec<PathBuf> = Vec::new();
    for t in &args.timelogs {
        let dir = t.parent().unwrap_or(Path::new(""));
        let p = dir.join(canonical);
        if p.is_file() && !found.iter().any(|f| same_file(f, &p)) {
            found.push(p);
        }
    }
    found
}

/// Whether writing `output` would replace the input `input`: the same name once both are
/// resolved, or the same file (device and inode), whether or not either is a symbolic link.
fn same_file(output: &Path, input: &Path) -> bool {
    if resolve(output) == resolve(input) {
        return true;
    }
    let Ok(i) = std::fs::metadata(input) else {
        return false;
    };
    let is = |m: std::io::Result<std::fs::Metadata>| m.is_ok_and(|o| same_inode(&o, &i));
    is(std::fs::symlink_metadata(output))
        || is(std::fs::metadata(output))
        || std::fs::symlink_metadata(input)
            .is_ok_and(|il| std::fs::symlink_metadata(output).is_ok_and(|o| same_inode(&o, &il)))
}

/// Whether two metadata name one file (device and inode); the outputs' commit uses it too.
#[cfg(unix)]
pub(crate) fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}
#[cfg(not(unix))]
pub(crate) fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// A path as the system will reach it, whether or not it exists: its longest existing
/// ancestor resolved (symbolic links, `..`), the rest applied by name (`..` drops the
/// name before it). The last name itself is not followed: an output that exists as a
/// symbolic link is replaced, not written through.
pub fn resolve(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let parts: Vec<Component> = abs.components().collect();
    // The longest prefix that exists (never the last name alone, unless it is a
    // folder: a link named like an output stays a link).
    let last_is_dir = std::fs::metadata(&abs).is_ok_and(|m| m.is_dir())
        && !matches!(parts.last(), Some(Component::ParentDir | Component::CurDir));
    let mut base = PathBuf::new();
    let mut used = 0;
    for n in (1..=parts.len()).rev() {
        if n == parts.len() && !last_is_dir && parts.len() > 1 {
            continue;
        }
        let prefix: PathBuf = parts[..n].iter().collect();
        if let Ok(c) = prefix.canonicalize() {
            base = c;
            used = n;
            break;
        }
    }
    for c in &parts[used..] {
        match c {
            Component::ParentDir => {
                base.pop();
            }
            Component::CurDir => {}
            other => base.push(other.as_os_str()),
        }
    }
    base
}

/// A path for a message: control characters escaped, bounded.
fn shown(p: &Path) -> String {
    crate::domain::printable(&crate::domain::path_name(p), 200)
}

/// `--delimiter`: one ASCII character, or `\\t` / `tab` for a tab.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        // The quote and line ends already mean something in CSV; controls are no one's.
        s if s.len() == 1
            && s.is_ascii()
            && !matches!(s.as_bytes()[0], b'"' | b'\r' | b'\n')
            && !s.as_bytes()[0].is_ascii_control() =>
        {
            Ok(s.as_bytes()[0])
        }
        _ => bail!(
            "--delimiter must be one printable ASCII character other than the quote (or \\t), not {:?}",
            crate::domain::printable(s, 20)
        ),
    }
}

/// The read options the command line gives, built in this one place for every command
/// that reads files (`audit`, `trace`, `inspect`): `--delimiter`, `--sheet`,
/// `--date-order`, `--tz` and `--map` mean the same to each, and are refused alike.
pub fn read_options(
    delimiter: Option<&str>,
    sheet: Option<&str>,
    date_order: Option<crate::cli::DateOrderArg>,
    tz: Option<&str>,
    map: Option<&Path>,
) -> Result<ReadOptions> {
    let mut read = ReadOptions {
        delimiter: delimiter.map(parse_delimiter).transpose()?,
        sheet: sheet.map(str::to_string),
        date_order: date_order.map(|o| match o {
            crate::cli::DateOrderArg::Mdy => crate::domain::DateOrder::Mdy,
            crate::cli::DateOrderArg::Dmy => crate::domain::DateOrder::Dmy,
        }),
        tz: match tz {
            None => None,
            Some(z) => Some(crate::domain::parse_tz(z).with_context(|| {
                format!(
                    "--tz {:?} is not an IANA time-zone name (e.g. America/New_York)",
                    crate::domain::printable(z, 40)
                )
            })?),
        },
        ..ReadOptions::default()
    };
    if let Some(m) = map {
        let name = crate::domain::path_name(m);
        let text =
            std::fs::read_to_string(m).with_context(|| format!("cannot read map file {name}"))?;
        read.map = HeaderMap::parse(&name, &text)?;
    }
    Ok(read)
}
