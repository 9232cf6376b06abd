//! What a check sees: read-only views the engine builds (a patient-month, the run), the
//! rows behind each row-level tag, and [`Emit`], which collects what a check finds.
//!
//! Views borrow from the engine's state; they carry names (not interned ids) where a check
//! writes them into a message.

use super::eligibility::Conditions;
use super::row_state::RowTag;
use crate::billing::MonthMinutes;
use crate::config::AuditConfig;
use crate::domain::{
    Check, Claim, Consent, Dataset, Diagnosis, Enrolment, Finding, Kind, Money, Program, Secs,
    Visit, YearMonth,
};
use crate::rules::{CodeRule, Ruleset, YearRules};
use chrono::NaiveDate;

/// Rows behind one finding: (file, line) pairs and the minutes concerned.
#[derive(Default, Debug, Clone)]
pub struct Acc {
    pub at: Vec<(u16, u64)>,
    /// The rows' time (findings show the whole minutes it reaches).
    pub secs: Secs,
}

/// The rows of one patient-month under each row tag.
#[derive(Default, Debug)]
pub struct TaggedRows {
    by_tag: [Acc; RowTag::COUNT],
}

impl TaggedRows {
    pub fn of(&self, tag: RowTag) -> &Acc {
        &self.by_tag[tag as usize]
    }
    pub fn of_mut(&mut self, tag: RowTag) -> &mut Acc {
        &mut self.by_tag[tag as usize]
    }
}

/// Another program's time-log row: program, billing NPI, file, line.
pub type OtherProgramRow = (Program, Option<u32>, u16, u64);

/// Facts about the whole run that checks read.
pub struct RunFacts<'a> {
    pub ds: &'a Dataset,
    pub rules: &'a Ruleset,
    pub cfg: &'a AuditConfig,
    /// The billable programs with time-log rows (CCM when none).
    pub programs: &'a [Program],
    /// The months audited, sorted.
    pub months: &'a [YearMonth],
    /// Verify mode: the time log has RPM time, so RPM claim lines are checked against it
    /// ([`crate::billing::checked_against_evidence`]).
    pub rpm_time: bool,
}

impl RunFacts<'_> {
    /// The first file of a kind, cited when a finding has no record of it to name.
    pub fn first_file(&self, kind: Kind) -> Option<u16> {
        self.ds
            .files
            .iter()
            .position(|f| f.kind == kind)
            .map(|i| i as u16)
    }
    pub fn npi_name(&self, npi: u32) -> &str {
        self.ds.npi_name(npi)
    }
}

/// One patient, month, billing practitioner and program (CCM or PCM), with everything the
/// evidence says about it.
pub struct PatientMonth<'a> {
    pub patient: &'a str,
    pub month: YearMonth,
    pub npi: u32,
    pub npi_name: &'a str,
    pub program: Program,
    pub minutes: MonthMinutes<'a>,
    /// The rows behind each row-level finding.
    pub rows: &'a TaggedRows,
    /// The patient's consents (every program), in file order.
    pub consents: &'a [Consent],
    /// NPIs with countable CCM minutes this patient-month.
    pub ccm_npis: &'a [u32],
    /// The patient's previous audited month with countable CCM minutes, and the NPIs with
    /// CCM minutes that month (none when this is the patient's first CCM month).
    pub previous_ccm: Option<(YearMonth, &'a [u32])>,
    /// Countable CCM minutes under this NPI this month (for a PCM month).
    pub ccm_minutes_same_npi: u32,
    pub enrolments: &'a [&'a Enrolment],
    /// The patient-month's time-log rows of other programs.
    pub other_program_rows: &'a [OtherProgramRow],
    pub diagnoses: &'a [&'a Diagnosis],
    pub conditions: &'a Conditions<'a>,
    /// Whether this month's diagnosis-code findings are reported here (once per
    /// patient-month, with its first NPI and program).
    pub first_of_month: bool,
    pub first_care_plan: Option<NaiveDate>,
    /// When CCM started (first CCM consent or minute), known when visits are given.
    pub ccm_start: Option<NaiveDate>,
    pub visits: &'a [&'a Visit],
    pub year: &'a YearRules,
    pub run: &'a RunFacts<'a>,
}

/// What billing decided for a patient-month, for the checks that read it (TM001, RV002).
pub use crate::billing::Decision;

/// One patient-month and practitioner's claim lines of one program (verify mode), as the
/// code-rule checks (CD-series) see them. Each check adds findings with the claim lines
/// they cite.
pub struct ClaimGroup<'a> {
    /// Every year's rules and the ICD-10-CM code sets (a claim's diagnoses: CD012).
    pub rules: &'a Ruleset,
    pub program: &'a str,
    pub year: &'a YearRules,
    /// The lines whose code belongs to the program, in file order (the caller filters);
    /// with several claims files, a claim's lines may come from more than one.
    pub lines: &'a [&'a Claim],
    /// Their distinct codes, sorted.
    pub codes: &'a [&'a str],
    pub as_of: NaiveDate,
    /// The patient's recorded date of death (consents or enrolments file), if any.
    pub died: Option<NaiveDate>,
    /// The day a base code's threshold was met, if it was.
    pub threshold_day: &'a dyn Fn(&str) -> Option<NaiveDate>,
}

impl<'a> ClaimGroup<'a> {
    /// The code's rule, when it belongs to the group's program.
    pub fn rule(&self, hcpcs: &str) -> Option<&'a CodeRule> {
        self.year.code(hcpcs).filter(|c| c.program == self.program)
    }
    /// The lines (file, physical line) that claim `hcpcs`.
    pub fn lines_of(&self, hcpcs: &str) -> Vec<(u16, u64)> {
        lines_claiming(self.lines, hcpcs)
    }
    /// Emits a finding of `check` citing these claim lines (file, physical line): one
    /// finding per claims file they come from.
    pub fn cite(
        &self,
        emit: &mut Emit,
        check: &'static Check,
        message: String,
        lines: Vec<(u16, u64)>,
    ) {
        let f = emit.finding(check, message);
        emit.cited(f, lines.into_iter(), None);
    }
}

/// Where the claim lines that claim `hcpcs` are: (file, physical line).
fn lines_claiming(lines: &[&Claim], hcpcs: &str) -> Vec<(u16, u64)> {
    lines
        .iter()
        .filter(|c| c.hcpcs == hcpcs)
        .map(|c| (c.file, c.line))
        .collect()
}

/// One patient-month's claim lines of every code, program and practitioner (verify mode),
/// for the rules that hold across practitioners (CD008).
pub struct ClaimMonth<'a> {
    pub year: &'a YearRules,
    /// Every code's life (`code_lives.csv`).
    pub lives: &'a std::collections::BTreeMap<String, crate::rules::CodeLife>,
    /// The lines in file order (several claims files: in the order they were given).
    pub lines: &'a [&'a Claim],
}

impl ClaimMonth<'_> {
    /// The lines (file, physical line) that claim `hcpcs`.
    pub fn lines_of(&self, hcpcs: &str) -> Vec<(u16, u64)> {
        lines_claiming(self.lines, hcpcs)
    }
    /// Emits `f` citing these claim lines (file, physical line); the engine gives each
    /// practitioner's claim the finding with its own lines.
    pub fn cite(&self, emit: &mut Emit, f: Finding, lines: Vec<(u16, u64)>) {
        emit.cited(f, lines.into_iter(), None);
    }
}

/// One beneficiary's claim lines of every month, code and practitioner (verify mode), with
/// the days their device sent readings: the rules over 30-day periods and episodes of
/// monitoring, which cross months (DV001, DV002).
pub struct ClaimBeneficiary<'a> {
    pub rules: &'a Ruleset,
    /// Every line of the beneficiary, audited this run or not (an earlier period still
    /// counts), by date of service, then file and line.
    pub lines: &'a [&'a Claim],
    /// Whether a line is audited this run (`--month`): only those get findings.
    pub audited: &'a dyn Fn(&Claim) -> bool,
    /// The as-of date: a reading after it is not counted (it has not happened yet).
    pub as_of: NaiveDate,
    /// The distinct days the beneficiary's devices sent readings, ascending; `None` when no
    /// readings file was given (then no day can be counted).
    pub reading_days: Option<&'a [NaiveDate]>,
}

impl ClaimBeneficiary<'_> {
    /// The days with readings from `first` to `last`, both included (none without a file).
    pub fn days_between(&self, first: NaiveDate, last: NaiveDate) -> usize {
        self.reading_days.map_or(0, |d| {
            d.partition_point(|x| *x <= last) - d.partition_point(|x| *x < first)
        })
    }
    /// Emits `f` citing these claim lines; the engine gives each practitioner's claim the
    /// finding with its own lines.
    pub fn cite(&self, emit: &mut Emit, f: Finding, lines: &[&Claim]) {
        emit.cited(f, lines.iter().map(|c| (c.file, c.line)), None);
    }
}

/// One claim (a patient-month and practitioner's lines, every code), as the checks of a
/// whole claim see it (verify mode).
pub struct WholeClaim<'a> {
    pub lines: &'a [&'a Claim],
    /// The claims file's lines of the same patient that could not be read (IN001,
    /// IN002): (file, line).
    pub unreadable: &'a [(u16, u64)],
}

/// One claim line against the evidence (verify mode), as CL001 and CL002 see it.
pub struct ClaimEvidence<'a> {
    pub claim: &'a Claim,
    pub rule: &'a CodeRule,
    /// The base code of the line's family (the line's own code for a base).
    pub base: &'a CodeRule,
    /// The minutes the family counts this patient-month.
    pub minutes: u32,
    /// Units the evidence supports for this line's code.
    pub supported: u32,
    /// Whether any minutes of the program are logged for the patient-month under the NPI.
    pub logged: bool,
    /// Whether complex CCM is allowed this month (or the family is not complex).
    pub mdm_ok: bool,
    pub program: &'a str,
    /// What one unit of the line's code pays.
    pub fee: Money,
}

/// In verify mode, a clean patient-month the evidence supports beyond what its claim lines
/// claim, as RV001 sees it once the patient-month's claims are settled. Billing decided the
/// amount ([`crate::billing::left_unbilled`]).
pub struct Unbilled<'a> {
    pub outcome: &'a crate::billing::Outcome,
    /// What the evidence's lines pay: on the claim's date of service when there is a claim
    /// (as the claim lines are priced), else the outcome's payment.
    pub due: Money,
    /// What the claim lines of the outcome's program support; `None` when none were claimed.
    pub paid: Option<Money>,
    /// What the evidence supports beyond them.
    pub left: Money,
}

/// Collects a patient-month's findings, each filled with the patient, month, NPI and program.
pub struct Emit<'a> {
    pub(crate) patient: &'a str,
    pub(crate) month: YearMonth,
    pub(crate) npi: &'a str,
    pub(crate) program: &'static str,
    pub(crate) out: Vec<Finding>,
    /// Run-level notes the checks raised (each text once): said once in the report,
    /// however many patient-months raise them.
    pub(crate) notes: Vec<&'static str>,
}

impl<'a> Emit<'a> {
    /// Collects into `out` (an empty list the engine reuses from month to month).
    pub fn new(pm: &PatientMonth<'a>, out: Vec<Finding>) -> Emit<'a> {
        Emit {
            patient: pm.patient,
            month: pm.month,
            npi: pm.npi_name,
            program: pm.program.as_str(),
            out,
            notes: Vec::new(),
        }
    }

    /// Collects the findings of one patient-month and practitioner's claim lines of one
    /// program (verify mode), or of what they leave unbilled (RV001).
    pub fn claim(
        patient: &'a str,
        month: YearMonth,
        npi: &'a str,
        program: &'static str,
        out: Vec<Finding>,
    ) -> Emit<'a> {
        Emit {
            patient,
            month,
            npi,
            program,
            out,
            notes: Vec::new(),
        }
    }

    /// A finding about this patient-month (not yet emitted).
    pub fn finding(&self, check: &'static Check, message: String) -> Finding {
        Finding::new(check, message)
            .patient(self.patient)
            .month(self.month)
            .npi(self.npi)
            .program(self.program)
    }

    pub fn push(&mut self, f: Finding) {
        self.out.push(f);
    }

    /// One finding per file the rows come from, saying "N minute(s) on K row(s): `what`".
    pub fn rows(&mut self, check: &'static Check, acc: &Acc, what: &str) {
        // `what` is an argument, not part of the format string, so the message is sized to
        // its text (a long literal would reserve twice its length in every message).
        self.rows_with(check, acc, |rows, minutes| {
            format!("{minutes} minute(s) on {rows} row(s): {what}")
        });
    }

    /// One finding per file the rows come from; `message` gets the row count and minutes.
    pub fn rows_with(
        &mut self,
        check: &'static Check,
        acc: &Acc,
        message: impl Fn(usize, u32) -> String,
    ) {
        let mut out = std::mem::take(&mut self.out);
        push_acc(&mut out, acc, |n, m| self.finding(check, message(n, m)));
        self.out = out;
    }

    /// `f` once per file the cited records come from, each with that file's lines; with
    /// nothing to cite it names `fallback`, if any.
    pub fn cited(
        &mut self,
        f: Finding,
        at: impl Iterator<Item = (u16, u64)>,
        fallback: Option<u16>,
    ) {
        push_cited(&mut self.out, f, at, fallback);
    }

    /// A note for the run's report, not about this patient-month alone: an assumption the
    /// check made. The report says each note once per run.
    pub fn note(&mut self, text: &'static str) {
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    /// Whether a finding emitted here holds the month ([`Finding::holds_month`]).
    pub fn has_error(&self) -> bool {
        self.out.iter().any(Finding::holds_month)
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.out
    }
}

/// Emits one finding per file the accumulated rows come from.
pub fn push_acc(out: &mut Vec<Finding>, acc: &Acc, make: impl Fn(usize, u32) -> Finding) {
    if acc.at.is_empty() {
        return;
    }
    let first = acc.at[0].0;
    let mut push = |file: u16, lines: Vec<u64>| {
        out.push(
            make(acc.at.len(), acc.secs.whole_minutes())
                .at_lines(file, lines)
                .minutes(acc.secs.whole_minutes()),
        );
    };
    if acc.at.iter().all(|&(f, _)| f == first) {
        // One file (the usual case): no regrouping.
        push(first, acc.at.iter().map(|&(_, l)| l).collect());
    } else {
        let mut at = acc.at.clone();
        at.sort_unstable();
        for run in at.chunk_by(|a, b| a.0 == b.0) {
            push(run[0].0, run.iter().map(|&(_, l)| l).collect());
        }
    }
}

/// Emits `f` once per file the cited records come from, each citing that file's lines
/// (a finding names one file). With no record to cite it names `fallback`, if any.
pub fn push_cited(
    out: &mut Vec<Finding>,
    f: Finding,
    at: impl Iterator<Item = (u16, u64)>,
    fallback: Option<u16>,
) {
    let mut at: Vec<(u16, u64)> = at.collect();
    at.sort_unstable();
    let mut runs = at.chunk_by(|a, b| a.0 == b.0).peekable();
    if runs.peek().is_none() {
        out.push(match fallback {
            Some(file) => f.at_lines(file, Vec::new()),
            None => f,
        });
        return;
    }
    // One part per file (its money is counted once, on the first part, when the findings
    // are ordered: engine::order::money_once).
    while let Some(run) = runs.next() {
        let lines = run.iter().map(|&(_, l)| l).collect();
        if runs.peek().is_none() {
            out.push(f.at_lines(run[0].0, lines));
            return;
        }
        out.push(f.clone().at_lines(run[0].0, lines));
    }
}
