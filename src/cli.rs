//! The command line, as the spec's contract (outputs.md) fixes it.

use crate::domain::Kind;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `--date-order`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    Mdy,
    Dmy,
}

#[derive(Parser, Debug)]
#[command(
    name = "ccm",
    version,
    about = "Audit Medicare Chronic Care Management billing from time-log exports",
    long_about = None,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit one or more months of time logs; propose the claim lines the evidence supports.
    Audit(Box<AuditArgs>),
    /// Explain one check: what it does, why, an example, the source.
    Explain {
        /// A check code, e.g. CN001.
        code: String,
    },
    /// Show how one patient-month was audited: every row counted or excluded and why, the
    /// overlaps removed, the minutes per family, the units and the payment.
    Trace(Box<TraceArgs>),
    /// How ccm reads each file: its kind, encoding, delimiter and header line, the lines
    /// skipped, which header feeds each field, the headers ignored, the date order, five
    /// rows as decoded and every problem with its count. Run it before writing a map.
    /// Exit 2 when a file cannot be read as its kind (a required field has no source).
    Inspect(Box<InspectArgs>),
    /// Draw the lookback sample of a frame (any CSV; its data rows are items 1..N in file
    /// order) as RAT-STATS' "Single Stage Random Numbers" does for the same seed; write
    /// sample.csv, review.csv (the reviewer's worksheet) and run.json into DIR.
    Sample(Box<SampleArgs>),
    /// Project the reviewed overpayments onto the frame as RAT-STATS' "Unrestricted" or
    /// "Stratified Variable Appraisal" does: point estimate, standard error, the 80%, 90%
    /// and 95% limits, precision, and the amount to repay (the 90% lower limit).
    Extrapolate(Box<ExtrapolateArgs>),
    /// The refund report of a review: one row per item found overpaid (claim number,
    /// Medicare ID, dates, amount, reason), the extrapolated amount and method, the 60-day
    /// deadline from the identification date, and the items older than the 6-year lookback
    /// left out and counted. Writes refund.csv and refund.json into DIR.
    Refund(Box<RefundArgs>),
    /// Print the check catalogue and the code table in effect.
    Rules {
        /// The calendar year whose code table to show (default: the latest).
        #[arg(long)]
        year: Option<i32>,
        /// Replace embedded rules files with those in DIR.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Only validate the rules folder DIR (as --rules would use it) and say so.
        #[arg(long, value_name = "DIR", conflicts_with = "rules")]
        check: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
pub struct SampleArgs {
    /// The sampling frame: a CSV file with a header line; its data rows are the items.
    #[arg(value_name = "FRAME.csv")]
    pub frame: PathBuf,
    /// Items to sample (per stratum with --strata).
    #[arg(long, value_name = "N")]
    pub size: usize,
    /// The seed, as RAT-STATS prints it (e.g. 4967669.23).
    #[arg(long, value_name = "SEED", allow_hyphen_values = true)]
    pub seed: String,
    /// Sample each value of this frame column as a stratum of its own, --size items each.
    #[arg(long, value_name = "COLUMN")]
    pub strata: Option<String>,
    /// Spare items drawn after the sample, listed in draw order (per stratum).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub spares: usize,
    /// The frame column whose value review.csv copies as examined_amount (default: the
    /// first of amount, paid_amount, allowed_amount, amount_held, expected_payment).
    #[arg(long, value_name = "COLUMN")]
    pub amount_column: Option<String>,
    /// The folder to write sample.csv, review.csv and run.json into (created if need be).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// After `--`: the audit behind the sample, as `ccm trace` takes it (time logs, then
    /// the audit's flags; `--as-of` required). Writes an evidence packet per drawn item
    /// into DIR/evidence/ and, for a claims file given as `--claims`, ccm's proposal in
    /// review.csv.
    #[arg(last = true, value_name = "TIMELOG.csv [AUDIT FLAGS]")]
    pub audit: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct RefundArgs {
    /// The review as the reviewer finished it (review.csv of `ccm sample`, or any CSV with
    /// an `overpayment` column: a census).
    #[arg(value_name = "REVIEW.csv")]
    pub review: PathBuf,
    /// The day the overpayment was identified (YYYY-MM-DD): the 60-day deadline runs from
    /// it, and the 6-year lookback reaches back from it.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub identified: String,
    /// The extrapolation of the same review (`ccm extrapolate … --format json` saved to a
    /// file): its amount to repay and method go into the report.
    #[arg(long, value_name = "FILE")]
    pub extrapolated: Option<PathBuf>,
    /// The folder to write refund.csv and refund.json into (created if need be).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct ExtrapolateArgs {
    /// The review worksheet (review.csv as the reviewer filled it): its `overpayment`
    /// column is appraised, one row per sampled item.
    #[arg(value_name = "REVIEW.csv")]
    pub review: PathBuf,
    /// Items in the frame (N); with --stratum-sizes, optional and checked against their sum.
    #[arg(long, value_name = "N")]
    pub frame_size: Option<u64>,
    /// The review column that names each item's stratum: a stratified appraisal.
    #[arg(long, value_name = "COLUMN", requires = "stratum_sizes")]
    pub strata: Option<String>,
    /// CSV `stratum,size`: each stratum's items in the frame.
    #[arg(long, value_name = "FILE", requires = "strata")]
    pub stratum_sizes: Option<PathBuf>,
    /// Text for a person, or JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: InspectFormat,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The files to inspect (CSV or .xlsx), each on its own.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Header mapping file (TOML), as `ccm audit --map` reads it.
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Read every file as this kind (default: from the file's name, else the kind its
    /// header fits).
    #[arg(long, value_name = "KIND", value_parser = kind_parser())]
    pub kind: Option<Kind>,
    /// Field delimiter (one character; `\t` for tab); default: sniffed per file.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// The sheet of an .xlsx time log to read (default: its first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Day/month order of slash dates (default: inferred per file).
    #[arg(long, value_enum)]
    pub date_order: Option<DateOrderArg>,
    /// The zone date-times with a UTC offset are turned into local dates in (e.g.
    /// America/New_York; default UTC).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Text for a person, or JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: InspectFormat,
}

/// `--kind`: one of the input kinds, by the name the rest of ccm gives it (no second list
/// of them to keep in step).
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = Kind> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::as_str)).map(|s| {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .expect("a possible value is a kind")
    })
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// The patient id, as in the time log.
    #[arg(value_name = "PATIENT_ID")]
    pub patient: String,
    /// The audit's inputs and rules; a trace writes no file and prints its one report.
    #[command(flatten)]
    pub inputs: AuditInputs,
}

/// The audit behind `ccm sample … -- TIMELOG.csv [AUDIT FLAGS]`: what `ccm trace` takes
/// after its patient id, parsed with the audit's own flags (one list of them).
#[derive(Parser, Debug)]
#[command(name = "ccm sample FRAME.csv … --", no_binary_name = true)]
pub struct EvidenceAudit {
    #[command(flatten)]
    pub audit: AuditInputs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The report for a person: summary, files, months, findings by code, what to fix.
    Table,
    /// findings.json's document: the summary and every finding.
    Json,
    /// findings.csv's rows.
    Csv,
    /// One finding per line (JSON Lines), for log pipelines.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning views.
    Sarif,
    /// JUnit XML: a test case per patient-month and NPI.
    Junit,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    Cms,
    Strict,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum DosArg {
    MonthEnd,
    Threshold,
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub inputs: AuditInputs,
    /// What goes to stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write clean_claims.csv, findings.csv, findings.json, held_claims.csv, summary.json,
    /// worklist.csv and manifest.json into DIR, as a set: whole or not at all.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write an Excel workbook (Summary, Clean claims, Held, Worklist, Findings) to
    /// FILE (ending in .xlsx); bare `--xlsx` writes audit.xlsx into the --out DIR. Put it
    /// after the time logs, or write `--xlsx=FILE`.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub xlsx: Option<Option<PathBuf>>,
    /// Exit 1 when a finding at or above this severity exists (waived findings aside).
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Accept the findings a baseline file lists (JSON, as --write-baseline writes it):
    /// they are still listed, marked waived, and do not count for --fail-on. A waiver that
    /// matches nothing or has expired is reported as a note.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this run as a baseline file (JSON) to FILE, whole or not at
    /// all; with --baseline, waivers kept keep their reason and expiry.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print nothing to stdout (files and exit code only).
    #[arg(long)]
    pub quiet: bool,
    /// Start each CSV (the --out CSVs and --format csv) with a UTF-8 byte-order mark, so
    /// Excel on Windows opens it as UTF-8 when double-clicked. Off by default: scripts and
    /// most CSV readers take plain UTF-8
    #[arg(long)]
    pub bom: bool,
}

/// What `ccm audit` and `ccm trace` (and the audit after `ccm sample … --`) read: the
/// time logs, their companions, the month and as-of date, the rules and how files are read.
#[derive(clap::Args, Debug)]
pub struct AuditInputs {
    /// Time-log CSV file(s); several are audited together.
    #[arg(required = true, value_name = "TIMELOG.csv")]
    pub timelogs: Vec<PathBuf>,
    /// Consents file (default: consents.csv beside the time log).
    #[arg(long, value_name = "FILE")]
    pub consents: Option<PathBuf>,
    /// Diagnoses / problem-list file (default: diagnoses.csv beside the time log).
    #[arg(long, value_name = "FILE")]
    pub diagnoses: Option<PathBuf>,
    /// Other-program enrolments (default: enrolments.csv beside the time log).
    #[arg(long, value_name = "FILE")]
    pub enrolments: Option<PathBuf>,
    /// Care-plan events (default: careplans.csv beside the time log): complex CCM, EL005.
    #[arg(long, value_name = "FILE")]
    pub careplans: Option<PathBuf>,
    /// Face-to-face visits (default: visits.csv beside the time log): EL004.
    #[arg(long, value_name = "FILE")]
    pub visits: Option<PathBuf>,
    /// RPM device readings (default: readings.csv beside the time log): the days of data
    /// behind device codes 99453, 99454, 99445 on a claims file (DV001, DV002).
    #[arg(long, value_name = "FILE")]
    pub readings: Option<PathBuf>,
    /// Claim lines proposed or sent (default: claims.csv beside each time log): verify mode.
    /// Repeat for a batch of claims files, checked together (one column layout).
    #[arg(long, value_name = "FILE")]
    pub claims: Vec<PathBuf>,
    /// Audit only this month (YYYY-MM); default every month present. `ccm trace`: the
    /// month to show (required; every month is still read).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Audit as of this day (YYYY-MM-DD); default today. A month containing it is open.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Date of service on generated claim lines.
    #[arg(long, value_enum, default_value = "month-end")]
    pub dos: DosArg,
    /// Replace embedded rules files with those in DIR (same layout as rules/).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Clash policy: cms (default) or strict (payer contracts stricter than CMS).
    #[arg(long, value_enum, default_value = "cms")]
    pub policy: PolicyArg,
    /// The billing practitioners are qualifying APM participants: price at the APM
    /// conversion factor in years that have one (2026 on)
    #[arg(long)]
    pub apm: bool,
    /// Field delimiter of the input files (one character; `\t` for tab); default: sniffed
    /// per file (comma, semicolon, tab or pipe).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// The sheet of an .xlsx time log to read (default: its first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Header mapping file (TOML: `[timelog]` then `patient_id = "Their Header"`).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// Treat patient ids that differ only by leading zeros (`12345`, `00012345`) as one
    /// patient, read without the zeros (Excel drops them from one export but not another)
    #[arg(long)]
    pub ignore_id_zeros: bool,
    /// Staff roster (default: staff.csv beside the time log): staff_id, staff_role,
    /// staff_npi, name. Fills the role of time-log rows that name only a staff member
    #[arg(long, value_name = "FILE")]
    pub staff: Option<PathBuf>,
    /// Day/month order of slash dates (`3/5/2025`): mdy (US) or dmy. Default: inferred per
    /// file from a day above 12; a file that does not prove it is read mdy with IN008
    #[arg(long, value_enum, value_name = "ORDER")]
    pub date_order: Option<DateOrderArg>,
    /// Time zone (IANA name, e.g. America/New_York) that date-times with a UTC offset
    /// (`2025-03-05T14:05:00Z`) are turned into local dates in. Default: read as UTC, said
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}
