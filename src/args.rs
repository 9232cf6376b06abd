//! The command line turned into one validated plan before any work: every flag parsed and
//! checked, the companion files found beside the time logs, the header map read. The shell
//! then only carries the plan out.

use crate::cli::{AuditArgs, DosArg, FailOn, Format, PolicyArg};
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

/// The files `--out` writes.
pub const OUTPUTS: [&str; 6] = [
    "clean_claims.csv",
    "findings.csv",
    "findings.json",
    "held_claims.csv",
    "summary.json",
    "worklist.csv",
];

/// The workbook bare `--xlsx` writes into the `--out` folder.
pub const WORKBOOK: &str = "audit.xlsx";

/// What one `ccm audit` (or `ccm trace`) run will do.
#[derive(Debug)]
pub struct AuditPlan {
    pub timelogs: Vec<PathBuf>,
    /// Companion files in the order they are read: by kind (as [`companion_kinds`]), then in
    /// time-log order.
    pub companions: Vec<(Kind, PathBuf)>,
    /// The claims file (verify mode).
    pub claims: Option<PathBuf>,
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
}

impl AuditPlan {
    /// Validates `args`; `today` is the as-of date when none is given.
    pub fn new(args: &AuditArgs, today: NaiveDate) -> Result<AuditPlan> {
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
        if let Some(out) = &args.out
            && out.exists()
            && !out.is_dir()
        {
            bail!("--out {} exists and is not a directory", out.display());
        }
        let mut read = ReadOptions {
            delimiter: args.delimiter.as_deref().map(parse_delimiter).transpose()?,
            sheet: args.sheet.clone(),
            ignore_id_zeros: args.ignore_id_zeros,
            date_order: args.date_order.map(|o| match o {
                crate::cli::DateOrderArg::Mdy => crate::domain::DateOrder::Mdy,
                crate::cli::DateOrderArg::Dmy => crate::domain::DateOrder::Dmy,
            }),
            tz: match &args.tz {
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
        if let Some(m) = &args.map {
            let name = m.display().to_string();
            let text = std::fs::read_to_string(m)
                .with_context(|| format!("cannot read map file {name}"))?;
            read.map = HeaderMap::parse(&name, &text)?;
        }
        let found: Vec<(Kind, PathBuf)> = companion_kinds()
            .flat_map(|k| companions(args, k).into_iter().map(move |p| (k, p)))
            .collect();
        read.staff_roster = found.iter().any(|(k, _)| *k == Kind::Staff);
        let claims = companions(args, Kind::Claims);
        if claims.len() > 1 {
            bail!(
                "found a claims.csv beside several time logs; name one with --claims FILE (verify mode reads one claims file)"
            );
        }
        let claims = claims.into_iter().next();
        // Every file the run reads: no output may replace one.
        let inputs: Vec<&PathBuf> = args
            .timelogs
            .iter()
            .chain(found.iter().map(|(_, p)| p))
            .chain(claims.iter())
            .chain(args.map.iter())
            .collect();
        if let Some(out) = &args.out {
            for input in &inputs {
                for name in OUTPUTS {
                    if same_file(&out.join(name), input) {
                        bail!(
                            "--out {} would overwrite the input {}: write the outputs to another folder",
                            out.display(),
                            input.display()
                        );
                    }
                }
            }
        }
        let xlsx = match &args.xlsx {
            None => None,
            Some(file) => {
                let path = match (file, &args.out) {
                    (Some(f), _) => f.clone(),
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
                            path.display(),
                            input.display()
                        );
                    }
                }
                Some(path)
            }
        };
        Ok(AuditPlan {
            timelogs: args.timelogs.clone(),
            companions: found,
            claims,
            cfg,
            rules_dir: args.rules.clone(),
            read,
            out: args.out.clone(),
            xlsx,
            format: args.format,
            fail_on: match args.fail_on {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Info => Some(Severity::Info),
                FailOn::Never => None,
            },
            quiet: args.quiet,
            bom: args.bom,
        })
    }
}

/// Companion files for the time logs: the flag, else the canonical file beside each log.
fn companions(args: &AuditArgs, kind: Kind) -> Vec<PathBuf> {
    let (flag, canonical) = match kind {
        Kind::Consents => (&args.consents, "consents.csv"),
        Kind::Diagnoses => (&args.diagnoses, "diagnoses.csv"),
        Kind::Enrolments => (&args.enrolments, "enrolments.csv"),
        Kind::Careplans => (&args.careplans, "careplans.csv"),
        Kind::Visits => (&args.visits, "visits.csv"),
        Kind::Claims => (&args.claims, "claims.csv"),
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

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `--delimiter`: one ASCII character, or `\\t` / `tab` for a tab.
pub fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => bail!("--delimiter must be one ASCII character (or \\t), not {s:?}"),
    }
}
