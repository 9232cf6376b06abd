//! The audit: a pure function from parsed inputs, a ruleset and a configuration to findings,
//! claim decisions and the reconciliation. No file, clock or environment is touched here.

mod spill;

use crate::checks::claims::{CL001, CL002, NEAR_BLOCK_MINUTES, RV001, RV002};
use crate::checks::coding::code_findings;
use crate::checks::consent::{CN001, CN002, CN003, CN004, Coverage, coverage, named_practitioner};
use crate::checks::eligibility::{EL001, EL002, EL003, conditions};
use crate::checks::eligibility::{EL004, EL005, initiating};
use crate::checks::ingest::{IN003, IN004};
use crate::checks::overlap::{OV001, relation, relation_word};
use crate::checks::time::Span;
use crate::checks::time::TM006;
use crate::checks::time::{
    IMPLAUSIBLE_DAY_MINUTES, Lost, TM001, TM002, TM003, TM004, TM005, day_overlaps,
};
use crate::checks::{Finding, Severity, lookup};
use crate::domain::FastMap;
use crate::domain::{
    Claim, ClaimsFile, Consent, Dataset, Diagnosis, Enrolment, Kind, Mdm, Program, TimeRow, Visit,
};
use crate::domain::{Money, Text, YearMonth};
use crate::domain::{NoteQuality, RoleClass};
use crate::rules::{CodeRule, Policy, Relation, Ruleset, TimeKind, YearRules};
use chrono::NaiveDate;
pub use spill::SpillError;
use spill::{Spill, StaffLists};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which date of service generated claim lines carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DosMode {
    MonthEnd,
    Threshold,
}

#[derive(Clone, Debug)]
pub struct AuditConfig {
    pub as_of: NaiveDate,
    pub month: Option<YearMonth>,
    pub policy: Policy,
    pub dos: DosMode,
}

/// One proposed claim line. Its patient, billing NPI and month are its [`Outcome`]'s
/// (see [`Audit::claims`]), not repeated on every line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimLine {
    pub date_of_service: NaiveDate,
    pub hcpcs: Text,
    pub units: u32,
    /// The month's chronic diagnoses (shared by the lines of one claim).
    pub dx: std::sync::Arc<[Text]>,
    pub minutes: u32,
    pub expected_payment: Money,
}

/// A clean claim line with the patient-month it belongs to; reads as the line itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimRef<'a> {
    pub patient_id: &'a str,
    pub billing_npi: &'a str,
    pub month: YearMonth,
    pub line: &'a ClaimLine,
}

impl std::ops::Deref for ClaimRef<'_> {
    type Target = ClaimLine;
    fn deref(&self) -> &ClaimLine {
        self.line
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Lines go out.
    Clean,
    /// The evidence supports lines but an error finding holds them.
    Blocked,
    /// Below every base threshold.
    BelowThreshold,
    /// The month is still open on the as-of date (no month-end lines yet).
    Open,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Blocked => "blocked",
            Status::BelowThreshold => "below-threshold",
            Status::Open => "open",
        }
    }
}

/// What the audit decided for one patient, month and billing practitioner.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// CCM or PCM.
    pub program: &'static str,
    pub patient_id: Text,
    pub month: YearMonth,
    pub billing_npi: Text,
    /// Countable CCM minutes (clinical staff and practitioners).
    pub minutes: u32,
    /// Of those, minutes by practitioners.
    pub practitioner_minutes: u32,
    pub status: Status,
    /// Base code of the family chosen, and the others the evidence also supported.
    pub chosen: Option<Text>,
    pub alternatives: Vec<Text>,
    /// Lines the evidence supports (sent only when clean).
    pub lines: Vec<ClaimLine>,
    /// What those lines would pay.
    pub payment: Money,
}

/// Every input row accounted for.
#[derive(Clone, Debug)]
pub struct FileRecon {
    pub file: String,
    pub kind: Kind,
    pub rows_read: u64,
    pub counted: u64,
    /// Excluded rows by reason (a check code, or `outside-month` for `--month`).
    pub excluded: BTreeMap<String, u64>,
}

impl FileRecon {
    pub fn excluded_total(&self) -> u64 {
        self.excluded.values().sum()
    }
}

#[derive(Debug)]
pub struct Audit {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<Outcome>,
    pub recon: Vec<FileRecon>,
    /// Things the run could not prove, said once (missing companions, missing year rules).
    pub notes: Vec<String>,
    pub months: Vec<YearMonth>,
    /// Verify mode (a claims file was given).
    pub verify: Option<Verify>,
    /// The traced patient's time-log rows: state, and the minutes lost to overlaps.
    traced: Vec<(TimeRow, u8, Lost)>,
}

/// One time-log row as `ccm trace` shows it.
#[derive(Clone, Debug)]
pub struct TraceRow {
    pub file: String,
    pub line: u64,
    pub date: NaiveDate,
    pub interval: Option<(u16, u16)>,
    pub staff: String,
    pub role: RoleClass,
    pub program: &'static str,
    pub billing_npi: String,
    pub minutes: u32,
    /// `counted`, or the reason the row is excluded (a check code or `outside-month`).
    pub state: &'static str,
    pub lost_to_other_program: u32,
    pub lost_to_overlap: u32,
    /// Minutes this row adds to the month.
    pub counted: u32,
}

impl Audit {
    /// Whether the traced patient had any time-log row.
    pub fn has_trace_rows(&self) -> bool {
        !self.traced.is_empty()
    }

    /// Every time-log row of one patient-month, counted or excluded and why.
    pub fn trace(&self, ds: &Dataset, patient: &str, month: YearMonth) -> Vec<TraceRow> {
        let Some(p) = ds.patients.get(patient) else {
            return Vec::new();
        };
        let mut out: Vec<TraceRow> = self
            .traced
            .iter()
            .filter(|(r, _, _)| r.patient == p && month.contains(r.date))
            .map(|&(ref r, st, l)| {
                let counted = if st == COUNTED && billable(r.program) {
                    u32::from(r.minutes - l.other_program - l.overlap)
                } else {
                    0
                };
                TraceRow {
                    file: ds.file_name(r.file).to_string(),
                    line: r.line,
                    date: r.date,
                    interval: r.has_interval().then_some((r.start, r.end)),
                    staff: ds.staff.name(r.staff).to_string(),
                    role: r.role,
                    program: r.program.as_str(),
                    billing_npi: ds.npi_name(r.npi).to_string(),
                    minutes: u32::from(r.minutes),
                    state: reason(st),
                    lost_to_other_program: u32::from(l.other_program),
                    lost_to_overlap: u32::from(l.overlap),
                    counted,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.date, a.interval, &a.file, a.line).cmp(&(b.date, b.interval, &b.file, b.line))
        });
        out
    }
}

/// What a claims file came to against the evidence.
#[derive(Debug, Default)]
pub struct Verify {
    /// Indices (into the claims file's valid lines) of the lines that go out.
    pub clean: Vec<usize>,
    pub claimed: Money,
    pub supported: Money,
    pub at_risk: Money,
    pub left_unbilled: Money,
    /// Per month: (claimed, at risk, left unbilled).
    pub by_month: BTreeMap<YearMonth, (Money, Money, Money)>,
}

impl Audit {
    pub fn claims(&self) -> impl Iterator<Item = ClaimRef<'_>> {
        self.outcomes
            .iter()
            .filter(|o| o.status == Status::Clean)
            .flat_map(|o| {
                o.lines.iter().map(move |line| ClaimRef {
                    patient_id: &o.patient_id,
                    billing_npi: &o.billing_npi,
                    month: o.month,
                    line,
                })
            })
    }
    pub fn expected_payment(&self) -> Money {
        self.claims().map(|c| c.expected_payment).sum()
    }
    pub fn blocked_amount(&self) -> Money {
        self.outcomes
            .iter()
            .filter(|o| o.status == Status::Blocked)
            .map(|o| o.payment)
            .sum()
    }
    pub fn patients(&self) -> usize {
        let mut p: Vec<&str> = self
            .outcomes
            .iter()
            .map(|o| o.patient_id.as_str())
            .collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    }
    pub fn patient_months(&self) -> usize {
        let mut p: Vec<(&str, YearMonth)> = self
            .outcomes
            .iter()
            .map(|o| (o.patient_id.as_str(), o.month))
            .collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    }
    /// The worst severity among the findings, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

// Row states. A row is counted unless one of these excludes it.
const COUNTED: u8 = 0;
const FUTURE: u8 = 1;
const OTHER_MONTH: u8 = 2;
const DUPLICATE: u8 = 3;
const NON_CLINICAL: u8 = 4;
const BEFORE_CONSENT: u8 = 5;
const REVOKED: u8 = 6;

fn reason(st: u8) -> &'static str {
    match st {
        FUTURE => "IN004",
        OTHER_MONTH => "outside-month",
        DUPLICATE => "IN003",
        NON_CLINICAL => "TM002",
        BEFORE_CONSENT => "CN002",
        REVOKED => "CN003",
        _ => "counted",
    }
}

/// One staff member's rows after the day checks, for the stage that adds them to their
/// months: sorted by day and clock time, with per row whether it repeats the one before
/// (IN003) and the minutes it loses to overlaps, and the member's TM005 findings.
struct StaffDays {
    staff: u32,
    rows: Vec<Slim>,
    dup: Vec<bool>,
    lost: Vec<Lost>,
    tm005: Vec<Finding>,
}

/// What the patient-month checks carry from one patient-month to the next of the same one.
#[derive(Default)]
struct MonthRun {
    /// The patient-month whose unknown diagnosis codes (EL003) were reported.
    el003_done: Option<(u32, YearMonth)>,
    /// The patient-month whose NPIs with CCM minutes are in `npis`.
    npis_at: Option<(u32, YearMonth)>,
    npis: Vec<u32>,
}

/// Rows behind one finding: (file, line) pairs and the minutes concerned.
#[derive(Default, Debug)]
struct Acc {
    at: Vec<(u16, u64)>,
    minutes: u32,
}

/// Accumulated evidence for one patient, month and billing NPI: 40 bytes, plus the rows
/// behind any finding, allocated only for the months that have one.
#[derive(Default, Debug)]
struct Pm {
    total: u32,
    prac: u32,
    /// Countable minutes per day: (date, all, practitioner); kept only when a date of
    /// service at the threshold or verify mode needs them.
    days: Vec<(NaiveDate, u32, u32)>,
    issues: Option<Box<RowIssues>>,
}

impl Pm {
    fn issues(&mut self) -> &mut RowIssues {
        self.issues.get_or_insert_with(Box::default)
    }
}

/// The rows behind a patient-month's row-level findings as they are gathered: one list
/// tagged by kind (56 bytes when boxed, against 256 for eight separate lists; at 500k
/// patients that is 70 MB), spread into [`Issues`] when the month's findings are made.
#[derive(Default, Debug)]
struct RowIssues {
    at: Vec<(u8, u16, u64)>,
    /// Minutes per kind, for the kinds before [`ISS_CCM_ROWS`].
    minutes: [u32; 8],
}

const ISS_NO_CONSENT: u8 = 0;
const ISS_OTHER_NPI: u8 = 1;
const ISS_REVOKED: u8 = 2;
const ISS_BEFORE: u8 = 3;
const ISS_NON_CLINICAL: u8 = 4;
const ISS_OVERLAP: u8 = 5;
const ISS_TWICE: u8 = 6;
const ISS_VAGUE: u8 = 7;
/// A CCM row with countable minutes, in a patient-month with CCM slots under several NPIs
/// (the rows behind OV001). Its minutes are the month's countable total, not kept again.
const ISS_CCM_ROWS: u8 = 8;

impl RowIssues {
    fn add(&mut self, kind: u8, at: (u16, u64), minutes: u32) {
        self.at.push((kind, at.0, at.1));
        self.minutes[kind as usize] += minutes;
    }

    fn add_ccm_row(&mut self, at: (u16, u64)) {
        self.at.push((ISS_CCM_ROWS, at.0, at.1));
    }

    fn spread(&self) -> Issues {
        let mut out = Issues::default();
        for &(kind, file, line) in &self.at {
            out.acc(kind).at.push((file, line));
        }
        for (kind, &m) in self.minutes.iter().enumerate() {
            out.acc(kind as u8).minutes = m;
        }
        out
    }
}

/// Rows behind the row-level findings of one patient-month.
#[derive(Default, Debug)]
struct Issues {
    no_consent: Acc,
    other_npi: Acc,
    revoked: Acc,
    before: Acc,
    non_clinical: Acc,
    overlap: Acc,
    twice: Acc,
    vague: Acc,
    /// Its minutes are left at zero: they are the month's total.
    ccm_rows: Acc,
}

impl Issues {
    fn acc(&mut self, kind: u8) -> &mut Acc {
        match kind {
            ISS_NO_CONSENT => &mut self.no_consent,
            ISS_OTHER_NPI => &mut self.other_npi,
            ISS_REVOKED => &mut self.revoked,
            ISS_BEFORE => &mut self.before,
            ISS_NON_CLINICAL => &mut self.non_clinical,
            ISS_OVERLAP => &mut self.overlap,
            ISS_TWICE => &mut self.twice,
            ISS_VAGUE => &mut self.vague,
            _ => &mut self.ccm_rows,
        }
    }
}

/// Patient, month, billing NPI, billed program (CCM or PCM).
type Key = (u32, YearMonth, u32, Program);

/// Where a patient-month stands in the list sorted by key (its outcome stands there too).
fn pm_index(pms: &[(Key, Pm)], key: &Key) -> Option<usize> {
    pms.binary_search_by_key(key, |e| e.0).ok()
}

/// A patient-month's evidence in the list sorted by key.
fn pm_of<'a>(pms: &'a [(Key, Pm)], key: &Key) -> Option<&'a Pm> {
    pm_index(pms, key).map(|i| &pms[i].1)
}

/// Programs ccm derives and verifies claims for.
fn billable(p: Program) -> bool {
    matches!(p, Program::Ccm | Program::Pcm)
}

/// Another program's time-log row: program, billing NPI, file, line.
type OtherProgramRow = (Program, Option<u32>, u16, u64);

/// Runs the audit over the dataset's rows held in memory (`ds.time`). The command line
/// streams rows through an [`Auditor`] instead; both give the same result.
pub fn audit(ds: &Dataset, rules: &Ruleset, cfg: &AuditConfig) -> Audit {
    let mut a = Auditor::new(ds, rules, cfg.clone(), None);
    for r in &ds.time {
        a.push(r);
    }
    // Nothing is spilled here (no `spill_above`), so nothing can fail.
    let by_staff = std::mem::take(&mut a.by_staff);
    a.finish_with(ds, &mut StaffLists::memory(by_staff))
}

// Consent and role of a row, decided as it streams (duplicates are known only at the end).
const C_COVERED: u8 = 0;
const C_BEFORE: u8 = 1;
const C_REVOKED: u8 = 2;
const C_OTHER_NPI: u8 = 3;
const C_NO_CONSENT: u8 = 4;
const C_NON_CLINICAL: u8 = 5;

const F_PRACTITIONER: u8 = 1;
const F_NOTE_MISSING: u8 = 2;
const F_NOTE_VAGUE: u8 = 4;

const NONE: u32 = u32::MAX;

/// What the cross-row checks (duplicates, overlaps, day totals) keep of one row in the
/// audited months: 32 bytes, no text (the staff member is the list it sits in).
#[derive(Clone, Copy, Debug)]
struct Slim {
    fp: u64,
    /// Index of the row's patient-month-NPI-program slot.
    slot: u32,
    /// Days from the common era (as `NaiveDate::num_days_from_ce`).
    date: i32,
    line: u32,
    file: u16,
    start: u16,
    end: u16,
    minutes: u16,
    cover: u8,
    flags: u8,
}

const _: () = assert!(std::mem::size_of::<Slim>() == 32);

impl Slim {
    fn has_interval(&self) -> bool {
        self.start != crate::domain::NO_TIME && self.end != crate::domain::NO_TIME
    }
    fn naive_date(&self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.date).unwrap_or_default()
    }
    fn role(&self) -> RoleClass {
        if self.cover == C_NON_CLINICAL {
            RoleClass::NonClinical
        } else if self.flags & F_PRACTITIONER != 0 {
            RoleClass::Practitioner
        } else {
            RoleClass::Clinical
        }
    }
    fn note_ok(&self) -> bool {
        self.flags & (F_NOTE_MISSING | F_NOTE_VAGUE) == 0
    }
}

/// One patient, month, billing NPI and program, and the next slot of the same patient.
/// The evidence (`Pm`) lives apart, indexed alike, so the lookups on the hot path touch
/// only these 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Slot {
    key: Key,
    next: u32,
}

/// What one patient's rows look up on arrival.
#[derive(Clone, Copy)]
struct PatientState {
    consents_from: u32,
    consents_n: u32,
    /// The first slot, or `NONE`.
    head: u32,
}

impl Default for PatientState {
    fn default() -> Self {
        PatientState {
            consents_from: 0,
            consents_n: 0,
            head: NONE,
        }
    }
}

/// The streaming audit: rows go in one at a time ([`Auditor::push`]), in file order; memory
/// grows with patient-months plus a compact record per row of the audited months for the
/// cross-row checks, which [`Auditor::spill_above`] moves to temporary files past a count.
/// [`Auditor::finish`] runs every check and returns the [`Audit`].
pub struct Auditor<'r> {
    rules: &'r Ruleset,
    cfg: AuditConfig,
    has_consents: bool,
    has_visits: bool,
    keep_days: bool,
    /// Consents grouped by patient (file order kept), and per patient its range there.
    consents: Vec<Consent>,
    /// Per patient: where its consents are and its first slot, side by side (one cache
    /// line fetch per row instead of two).
    per_patient: Vec<PatientState>,
    slots: Vec<Slot>,
    /// Per staff member: the rows, as compact records.
    by_staff: Vec<Vec<Slim>>,
    /// Rows dated after the as-of date (IN004), kept whole: they are few.
    future: Vec<TimeRow>,
    /// Per file: rows in each state.
    states: Vec<[u64; 7]>,
    ccm_start: FastMap<u32, NaiveDate>,
    trace: Option<u32>,
    traced: Vec<(TimeRow, u8, Lost)>,
    /// Records in `by_staff` since the last spill.
    held: usize,
    spill_above: Option<usize>,
    spill: Option<Spill>,
}

impl<'r> Auditor<'r> {
    /// Starts an audit. The companions (consents above all) must be in `ds` already; time
    /// rows may still be arriving. `trace` keeps every row of one patient for `ccm trace`.
    pub fn new(
        ds: &Dataset,
        rules: &'r Ruleset,
        cfg: AuditConfig,
        trace: Option<u32>,
    ) -> Auditor<'r> {
        let mut consents: Vec<Consent> = ds.consents.iter().flatten().cloned().collect();
        consents.sort_by_key(|c| c.patient);
        let mut per_patient = vec![PatientState::default(); ds.patients.len()];
        for (p, (from, n)) in patient_ranges(consents.iter().map(|c| c.patient))
            .into_iter()
            .enumerate()
        {
            per_patient[p].consents_from = from;
            per_patient[p].consents_n = n;
        }
        let mut ccm_start: FastMap<u32, NaiveDate> = FastMap::default();
        if ds.visits.is_some() {
            for c in ds
                .consents
                .iter()
                .flatten()
                .filter(|c| c.program == Program::Ccm)
            {
                let e = ccm_start.entry(c.patient).or_insert(c.date);
                *e = (*e).min(c.date);
            }
        }
        Auditor {
            rules,
            keep_days: cfg.dos == DosMode::Threshold || ds.claims.is_some(),
            cfg,
            has_consents: ds.consents.is_some(),
            has_visits: ds.visits.is_some(),
            consents,
            per_patient,
            slots: Vec::new(),
            by_staff: Vec::new(),
            future: Vec::new(),
            states: Vec::new(),
            ccm_start,
            trace,
            traced: Vec::new(),
            held: 0,
            spill_above: None,
            spill: None,
        }
    }

    fn consents_of(&self, patient: u32) -> &[Consent] {
        match self.per_patient.get(patient as usize) {
            Some(p) => {
                &self.consents[p.consents_from as usize..(p.consents_from + p.consents_n) as usize]
            }
            None => &[],
        }
    }

    fn count(&mut self, file: u16, state: u8) {
        let f = file as usize;
        if self.states.len() <= f {
            self.states.resize(f + 1, [0; 7]);
        }
        self.states[f][state as usize] += 1;
    }

    fn slot(&mut self, key: Key) -> u32 {
        let p = key.0 as usize;
        if self.per_patient.len() <= p {
            self.per_patient.resize(p + 1, PatientState::default());
        }
        let mut i = self.per_patient[p].head;
        while i != NONE {
            let s = &self.slots[i as usize];
            if s.key == key {
                return i;
            }
            i = s.next;
        }
        let i = self.slots.len() as u32;
        self.slots.push(Slot {
            key,
            next: self.per_patient[p].head,
        });
        self.per_patient[p].head = i;
        i
    }

    /// Takes valid time-log rows, in file order. The rows' per-patient state is fetched
    /// for the whole batch first: at hundreds of thousands of patients each fetch misses
    /// the cache, and fetches that do not wait on each other overlap.
    pub fn push_batch(&mut self, rows: &[TimeRow]) {
        let mut touched = 0u32;
        for r in rows {
            if let Some(p) = self.per_patient.get(r.patient as usize) {
                touched ^= p.head ^ p.consents_from;
            }
        }
        for r in rows {
            if let Some(p) = self.per_patient.get(r.patient as usize) {
                if let Some(s) = self.slots.get(p.head as usize) {
                    touched ^= s.next;
                }
                if p.consents_n > 0
                    && let Some(c) = self.consents.get(p.consents_from as usize)
                {
                    touched ^= c.patient;
                }
            }
        }
        std::hint::black_box(touched);
        for r in rows {
            self.push(r);
        }
    }

    /// Takes one valid time-log row.
    pub fn push(&mut self, r: &TimeRow) {
        if r.date > self.cfg.as_of {
            self.count(r.file, FUTURE);
            self.future.push(*r);
            if self.trace == Some(r.patient) {
                self.traced.push((*r, FUTURE, Lost::default()));
            }
            return;
        }
        if self.has_visits && r.program == Program::Ccm && r.role != RoleClass::NonClinical {
            let e = self.ccm_start.entry(r.patient).or_insert(r.date);
            *e = (*e).min(r.date);
        }
        if self.cfg.month.is_some_and(|m| !m.contains(r.date)) {
            self.count(r.file, OTHER_MONTH);
            if self.trace == Some(r.patient) {
                self.traced.push((*r, OTHER_MONTH, Lost::default()));
            }
            return;
        }
        let cover = if r.role == RoleClass::NonClinical {
            C_NON_CLINICAL
        } else if billable(r.program) && self.has_consents {
            match coverage(self.consents_of(r.patient), r.program, r.date, r.npi) {
                Coverage::Covered => C_COVERED,
                Coverage::BeforeConsent => C_BEFORE,
                Coverage::Revoked => C_REVOKED,
                Coverage::OtherNpi => C_OTHER_NPI,
                Coverage::NoConsent => C_NO_CONSENT,
            }
        } else {
            C_COVERED
        };
        let slot = self.slot((r.patient, YearMonth::of(r.date), r.npi, r.program));
        let mut flags = 0;
        if r.role == RoleClass::Practitioner {
            flags |= F_PRACTITIONER;
        }
        match r.note {
            NoteQuality::Ok => {}
            NoteQuality::Missing => flags |= F_NOTE_MISSING,
            NoteQuality::Vague => flags |= F_NOTE_VAGUE,
        }
        let st = r.staff as usize;
        if self.by_staff.len() <= st {
            self.by_staff.resize_with(st + 1, Vec::new);
        }
        self.by_staff[st].push(Slim {
            fp: r.fingerprint,
            slot,
            date: chrono::Datelike::num_days_from_ce(&r.date),
            line: u32::try_from(r.line).unwrap_or(u32::MAX),
            file: r.file,
            start: if r.has_interval() {
                r.start
            } else {
                crate::domain::NO_TIME
            },
            end: if r.has_interval() {
                r.end
            } else {
                crate::domain::NO_TIME
            },
            minutes: r.minutes,
            cover,
            flags,
        });
        self.held += 1;
        if self.spill_above.is_some_and(|n| self.held >= n) {
            self.spill_out();
        }
    }

    /// Past `rows` records held in memory, they are moved to temporary files (and again
    /// each time as many have gathered), so memory no longer grows with the rows. The audit
    /// is the same; [`Auditor::finish`] fails if the files cannot be written or read.
    pub fn spill_above(mut self, rows: usize) -> Self {
        self.spill_above = Some(rows.max(1));
        self
    }

    /// Runs the cross-row checks and every patient-month check.
    pub fn finish(mut self, ds: &Dataset) -> Result<Audit, SpillError> {
        let by_staff = std::mem::take(&mut self.by_staff);
        let mut lists = match self.spill.take() {
            None => StaffLists::memory(by_staff),
            Some(mut spill) => {
                let mut by_staff = by_staff;
                spill.write(&mut by_staff);
                StaffLists::spilled(spill)
            }
        };
        let audit = self.finish_with(ds, &mut lists);
        match lists.error() {
            Some(e) => Err(SpillError::from(e)),
            None => Ok(audit),
        }
    }

    /// Per slot: whether it is a CCM slot whose patient-month has CCM slots under two or
    /// more NPIs. Only those slots keep their rows for OV001; an ordinary month keeps none.
    fn ccm_slots_beside_other_npis(&self) -> Vec<bool> {
        let mut out = vec![false; self.slots.len()];
        // One patient's CCM slots: (month, slot). A slot is one NPI, so two slots of one
        // month are two NPIs.
        let mut ccm: Vec<(YearMonth, u32)> = Vec::new();
        for p in &self.per_patient {
            ccm.clear();
            let mut i = p.head;
            while i != NONE {
                let s = &self.slots[i as usize];
                if s.key.3 == Program::Ccm {
                    ccm.push((s.key.1, i));
                }
                i = s.next;
            }
            if ccm.len() < 2 {
                continue;
            }
            ccm.sort_unstable();
            for month in ccm.chunk_by(|a, b| a.0 == b.0).filter(|m| m.len() > 1) {
                for &(_, i) in month {
                    out[i as usize] = true;
                }
            }
        }
        out
    }

    fn spill_out(&mut self) {
        let staff_seen = self.by_staff.len();
        self.spill
            .get_or_insert_with(|| Spill::new(staff_seen))
            .write(&mut self.by_staff);
        self.held = 0;
    }

    fn finish_with(mut self, ds: &Dataset, lists: &mut StaffLists) -> Audit {
        let pname = |p: u32| ds.patients.name(p);
        let mut findings: Vec<Finding> = ds.ingest_findings.clone();
        let mut notes = Vec::new();
        for r in &self.future {
            findings.push(
                Finding::new(
                    &IN004,
                    format!(
                        "service date {} is after the as-of date {}; the row is excluded",
                        r.date, self.cfg.as_of
                    ),
                )
                .patient(pname(r.patient))
                .month(YearMonth::of(r.date))
                .npi(ds.npi_name(r.npi))
                .program(r.program.as_str())
                .at(r.file, r.line)
                .minutes(u32::from(r.minutes)),
            );
        }
        // The billable programs of the run, for the run-wide findings (CCM when none).
        let mut run_programs: Vec<Program> = [Program::Ccm, Program::Pcm]
            .into_iter()
            .filter(|p| self.slots.iter().any(|s| s.key.3 == *p))
            .collect();
        if run_programs.is_empty() {
            run_programs.push(Program::Ccm);
        }
        if !self.has_consents {
            for p in &run_programs {
                findings.push(Finding::new(
                    &CN001,
                    format!("no consents file was given or found beside the time log: consent cannot be proven, so no {} claim can be clean (give --consents FILE)", p.as_str()),
                ).program(p.as_str()));
            }
            notes.push("no consents file: no claim can be clean".to_string());
        }

        // Every row of one staff member and day together; identical rows side by side,
        // the first in file order first.
        let mut pms_v: Vec<Pm> = Vec::new();
        pms_v.resize_with(self.slots.len(), Pm::default);
        let mut live = vec![false; self.slots.len()];
        let several_npis = self.ccm_slots_beside_other_npis();
        let mut other_programs: FastMap<(u32, YearMonth), Vec<OtherProgramRow>> =
            FastMap::default();
        // Two stages on two threads, one staff member at a time, in the same order: the
        // first reads the rows (back from the temporary files when spilled), sorts them and
        // runs the day checks (repeats, day totals, overlaps); the second adds what each
        // row brings to its month. The result is the same as one pass.
        let slots = &self.slots;
        let staff_names = &ds.staff;
        let (days_tx, days_rx) = std::sync::mpsc::sync_channel::<StaffDays>(32);
        std::thread::scope(|scope| {
            scope.spawn(move || staff_day_checks(lists, slots, staff_names, pname, days_tx));
            for StaffDays {
                staff,
                rows,
                dup: all_dup,
                lost: all_lost,
                tm005,
            } in days_rx
            {
                // Findings are ordered by their content at the end, not by when they came.
                findings.extend(tm005);
                let mut from = 0;
                for day in rows.chunk_by(|a, b| a.date == b.date) {
                    let dup = &all_dup[from..from + day.len()];
                    let lost = &all_lost[from..from + day.len()];
                    from += day.len();
                    // What each row brings to its month.
                    for (k, r) in day.iter().enumerate() {
                        let key = self.slots[r.slot as usize].key;
                        let prog = key.3;
                        let at = (r.file, u64::from(r.line));
                        let m = u32::from(r.minutes);
                        let state = if dup[k] {
                            DUPLICATE
                        } else {
                            match r.cover {
                                C_NON_CLINICAL => NON_CLINICAL,
                                C_BEFORE => BEFORE_CONSENT,
                                C_REVOKED => REVOKED,
                                _ => COUNTED,
                            }
                        };
                        if self.trace == Some(key.0) {
                            let row = TimeRow {
                                patient: key.0,
                                staff,
                                npi: key.2,
                                date: r.naive_date(),
                                start: r.start,
                                end: r.end,
                                minutes: r.minutes,
                                role: r.role(),
                                program: prog,
                                note: NoteQuality::Ok,
                                file: r.file,
                                line: u64::from(r.line),
                                fingerprint: r.fp,
                            };
                            self.traced.push((row, state, lost[k]));
                        }
                        let f = r.file as usize;
                        if self.states.len() <= f {
                            self.states.resize(f + 1, [0; 7]);
                        }
                        self.states[f][state as usize] += 1;
                        if state == DUPLICATE {
                            let first = day[..k]
                                .iter()
                                .zip(&dup[..k])
                                .rev()
                                .find(|(_, d)| !**d)
                                .map_or(0, |(f, _)| u64::from(f.line));
                            findings.push(
                                Finding::new(
                                    &IN003,
                                    format!(
                                        "this row repeats line {first} exactly; it is counted once"
                                    ),
                                )
                                .patient(pname(key.0))
                                .month(key.1)
                                .npi(ds.npi_name(key.2))
                                .program(prog.as_str())
                                .at(r.file, u64::from(r.line))
                                .minutes(m),
                            );
                            continue;
                        }
                        let pm = &mut pms_v[r.slot as usize];
                        if billable(prog) {
                            live[r.slot as usize] = true;
                        }
                        match r.cover {
                            C_NON_CLINICAL => {
                                pm.issues().add(ISS_NON_CLINICAL, at, m);
                                continue;
                            }
                            C_BEFORE => {
                                pm.issues().add(ISS_BEFORE, at, m);
                                continue;
                            }
                            C_REVOKED => {
                                pm.issues().add(ISS_REVOKED, at, m);
                                continue;
                            }
                            C_OTHER_NPI => pm.issues().add(ISS_OTHER_NPI, at, m),
                            C_NO_CONSENT => pm.issues().add(ISS_NO_CONSENT, at, m),
                            _ => {}
                        }
                        if prog != Program::Ccm {
                            other_programs.entry((key.0, key.1)).or_default().push((
                                prog,
                                Some(key.2),
                                at.0,
                                at.1,
                            ));
                            if !billable(prog) {
                                continue;
                            }
                        }
                        let l = lost[k];
                        if l.other_program > 0 {
                            pm.issues().add(ISS_TWICE, at, u32::from(l.other_program));
                        }
                        if l.overlap > 0 {
                            pm.issues().add(ISS_OVERLAP, at, u32::from(l.overlap));
                        }
                        let m = u32::from(r.minutes - l.other_program - l.overlap);
                        let p = if r.flags & F_PRACTITIONER != 0 { m } else { 0 };
                        pm.total += m;
                        pm.prac += p;
                        if m > 0 && several_npis[r.slot as usize] {
                            pm.issues().add_ccm_row(at);
                        }
                        if !r.note_ok() {
                            pm.issues().add(ISS_VAGUE, at, m);
                        }
                        if self.keep_days {
                            let date = r.naive_date();
                            match pm.days.iter_mut().find(|d| d.0 == date) {
                                Some(d) => {
                                    d.1 += m;
                                    d.2 += p;
                                }
                                None => pm.days.push((date, m, p)),
                            }
                        }
                    }
                }
            }
        });
        let rules = self.rules;
        let cfg = &self.cfg;
        let ccm_start = &self.ccm_start;
        let mut pms: Vec<(Key, Pm)> = self
            .slots
            .iter()
            .zip(pms_v)
            .zip(live)
            .filter(|((s, _), live)| *live && billable(s.key.3))
            .map(|((s, pm), _)| (s.key, pm))
            .collect();
        pms.sort_unstable_by_key(|e| e.0);
        let states = std::mem::take(&mut self.states);
        let traced = std::mem::take(&mut self.traced);

        if ds.diagnoses.is_none() {
            for p in &run_programs {
                let check = if *p == Program::Pcm { &EL002 } else { &EL001 };
                findings.push(Finding::new(
                    check,
                    format!("no diagnoses file was given or found beside the time log: chronic conditions cannot be proven, so no {} claim can be clean (give --diagnoses FILE)", p.as_str()),
                ).program(p.as_str()));
            }
            notes.push("no diagnoses file: no claim can be clean".to_string());
        }
        if ds.enrolments.is_none() {
            notes.push(
            "no enrolments file: clashes with PCM, APCM, ESRD, care-plan oversight and RPM are checked only from the time log's own program rows".to_string(),
        );
        }
        let global_error = ds.consents.is_none() || ds.diagnoses.is_none();
        // Months with moderate or high MDM on a care-plan event: complex CCM may be billed.
        let mut complex_months: HashSet<(u32, YearMonth)> = HashSet::new();
        let mut first_plan: HashMap<u32, NaiveDate> = HashMap::new();
        for c in ds.careplans.iter().flatten() {
            if c.mdm >= Some(Mdm::Moderate) {
                complex_months.insert((c.patient, YearMonth::of(c.date)));
            }
            let e = first_plan.entry(c.patient).or_insert(c.date);
            *e = (*e).min(c.date);
        }
        let visits_by_patient = ByPatient::new(ds.visits.as_deref());
        let diags_by_patient = ByPatient::new(ds.diagnoses.as_deref());
        let enrol_by_patient = ByPatient::new(ds.enrolments.as_deref());
        let file_of = |kind: Kind| {
            ds.files
                .iter()
                .position(|f| f.kind == kind)
                .map(|i| i as u16)
        };

        let mut months: Vec<YearMonth> = pms.iter().map(|e| e.0.1).collect();
        months.sort_unstable();
        months.dedup();
        for m in &months {
            if !rules.has_year(m.year) {
                notes.push(format!(
                    "no rules for {}: used the {} rules",
                    m.year,
                    rules.for_month(*m).year
                ));
            }
        }

        // Each month's row lists (the evidence of its findings) are taken out of the map and
        // dropped once its findings are made, so they are not all held beside the findings.
        let mut issues_of: Vec<Option<Box<RowIssues>>> =
            pms.iter_mut().map(|e| e.1.issues.take()).collect();
        // The checks of one patient-month (the list is ordered by patient then month, so
        // each patient-month's keys are adjacent): its findings are added to `findings`, its
        // outcome returned.
        let one_month = |(key, pm): &(Key, Pm),
                         issues: Option<Box<RowIssues>>,
                         run: &mut MonthRun,
                         findings: &mut Vec<Finding>|
         -> Outcome {
            let (patient, month, npi, prog) = *key;
            let MonthRun {
                el003_done,
                npis_at,
                npis,
            } = run;
            if *npis_at != Some((patient, month)) {
                *npis_at = Some((patient, month));
                npis.clear();
                npis.extend(
                    pms[pms.partition_point(|e| e.0 < (patient, month, 0, Program::Ccm))..]
                        .iter()
                        .take_while(|(k, _)| (k.0, k.1) == (patient, month))
                        .filter(|(k, pm)| k.3 == Program::Ccm && pm.total > 0)
                        .map(|(k, _)| k.2),
                );
            }
            let pid = pname(patient);
            let npi_s = ds.npi_name(npi);
            let yr = rules.for_month(month);
            let pname_s = prog.as_str();
            let mut local: Vec<Finding> = Vec::new();
            let base = |check, msg: String| {
                Finding::new(check, msg)
                    .patient(pid)
                    .month(month)
                    .npi(npi_s)
                    .program(pname_s)
            };
            let consents = self.consents_of(patient);
            let mut iss = issues.as_deref().map(RowIssues::spread).unwrap_or_default();

            // Row-level exclusions and losses, one finding per kind.
            let row_findings = [
                (
                    &TM002,
                    &iss.non_clinical,
                    "minutes logged by a non-clinical role do not count",
                ),
                (
                    &CN002,
                    &iss.before,
                    "minutes dated before the consent date do not count",
                ),
                (
                    &CN003,
                    &iss.revoked,
                    "minutes in a month after the consent was revoked do not count; the month cannot be billed",
                ),
                (
                    &TM003,
                    &iss.overlap,
                    "minutes overlapping the same staff member's earlier interval count once and are removed here",
                ),
                (
                    &TM004,
                    &iss.twice,
                    "minutes logged at the same clock time for another program stay with that program and leave CCM",
                ),
                (
                    &TM006,
                    &iss.vague,
                    "counted minutes whose note is missing or too thin to defend (\"CCM call\", \"follow up\" …); document what was done",
                ),
            ];
            for (check, acc, what) in row_findings {
                push_acc(&mut local, acc, |lines_n, minutes| {
                    base(
                        check,
                        format!("{minutes} minute(s) on {lines_n} row(s): {what}"),
                    )
                });
            }
            if !iss.no_consent.at.is_empty() {
                let msg = if consents.is_empty() {
                    format!(
                        "no {pname_s} consent on file for this patient; {} minute(s) in {month} cannot be billed",
                        iss.no_consent.minutes
                    )
                } else {
                    format!(
                        "no {pname_s} consent in the consents file covers this month's minutes ({} minute(s))",
                        iss.no_consent.minutes
                    )
                };
                push_acc(&mut local, &iss.no_consent, |_, _| {
                    base(&CN001, msg.clone())
                });
            }
            if !iss.other_npi.at.is_empty() {
                let named: Vec<&str> = consents
                    .iter()
                    .filter(|c| c.program == prog)
                    .filter_map(|c| c.npi)
                    .map(|n| ds.npi_name(n))
                    .collect();
                let f = base(
                &CN004,
                format!(
                    "the consent names NPI {} but these minutes are billed under {npi_s}: a different practitioner needs its own consent",
                    named.join(", ")
                ),
            )
            .minutes(iss.other_npi.minutes);
                push_cited(
                    &mut local,
                    f,
                    consents.iter().map(|c| (c.file, c.line)),
                    file_of(Kind::Consents),
                );
            }

            // One practitioner per patient-month.
            if prog == Program::Ccm && npis.len() > 1 && pm.total > 0 {
                let keeper =
                    named_practitioner(consents, Program::Ccm, month).filter(|k| npis.contains(k));
                if keeper != Some(npi) {
                    let mut others: Vec<&str> = npis
                        .iter()
                        .filter(|&&n| n != npi)
                        .map(|&n| ds.npi_name(n))
                        .collect();
                    others.sort_unstable();
                    let why = match keeper {
                    Some(k) => format!(
                        "the consent names {}, which keeps the month",
                        ds.npi_name(k)
                    ),
                    None => {
                        "no consent names one of them, so none may bill until the practice decides"
                            .to_string()
                    }
                };
                    let msg = format!(
                        "CCM minutes for this month are also billed under {}; only one practitioner may bill CCM per patient-month: {why}",
                        others.join(", ")
                    );
                    // The rows whose minutes make up this NPI's total, one finding per file.
                    debug_assert!(!iss.ccm_rows.at.is_empty(), "OV001 without its rows");
                    iss.ccm_rows.minutes = pm.total;
                    push_acc(&mut local, &iss.ccm_rows, |_, _| base(&OV001, msg.clone()));
                }
            }

            // Clashes with other programs (rules/<year>/clashes.csv).
            let enrols = enrol_by_patient.of(patient);
            let from_time = other_programs
                .get(&(patient, month))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            // A PCM month clashes with CCM by the same practitioner (the PCM row of clashes.csv).
            if prog == Program::Pcm
                && pm_of(&pms, &(patient, month, npi, Program::Ccm)).is_some_and(|c| c.total > 0)
                && let Some(clash) = yr.clash("PCM")
                && let Some(check) = lookup(&clash.code)
                && let Some(sev) = clash.severity(cfg.policy, Relation::Same)
            {
                local.push(
                base(
                    check,
                    format!("CCM by the same practitioner in {month}: CCM and PCM are not paid to one practitioner in the same month"),
                )
                .severity(sev),
            );
            }
            for clash in yr.clashes.iter().filter(|_| prog == Program::Ccm) {
                let Some(check) = lookup(&clash.code) else {
                    continue;
                };
                let active: Vec<&&Enrolment> = enrols
                    .iter()
                    .filter(|e| e.program.as_str() == clash.program)
                    .filter(|e| {
                        e.start <= month.last_day()
                            && e.end.is_none_or(|end| end >= month.first_day())
                    })
                    .collect();
                let timed: Vec<&OtherProgramRow> = from_time
                    .iter()
                    .filter(|t| t.0.as_str() == clash.program)
                    .collect();
                if active.is_empty() && timed.is_empty() {
                    continue;
                }
                let rel = relation(
                    npi,
                    active
                        .iter()
                        .map(|e| e.npi)
                        .chain(timed.iter().map(|t| t.1)),
                );
                let Some(sev) = clash.severity(cfg.policy, rel) else {
                    continue;
                };
                let f = base(
                    check,
                    format!(
                        "{} in {month} by {} ({} under the {} policy)",
                        clash.program,
                        relation_word(rel),
                        match sev {
                            Severity::Error => "not allowed",
                            Severity::Warning => "needs a look",
                            Severity::Info => "allowed if no minute is counted twice",
                        },
                        cfg.policy.as_str()
                    ),
                )
                .severity(sev);
                if active.is_empty() {
                    push_cited(&mut local, f, timed.iter().map(|t| (t.2, t.3)), None);
                } else {
                    push_cited(&mut local, f, active.iter().map(|e| (e.file, e.line)), None);
                }
            }

            // Conditions.
            let diags = diags_by_patient.of(patient);
            let conds = conditions(rules, diags, month);
            if *el003_done != Some((patient, month)) {
                *el003_done = Some((patient, month));
                for d in &conds.invalid {
                    findings.push(
                        Finding::new(
                            &EL003,
                            format!(
                                "{} is not a billable ICD-10-CM code in FY{}; it is ignored",
                                d.code.dotted(),
                                rules.fiscal_year(month)
                            ),
                        )
                        .patient(pid)
                        .month(month)
                        .program(pname_s)
                        .at(d.file, d.line),
                    );
                }
            }
            let cats = conds.categories();
            let (needed, el) = if prog == Program::Pcm {
                (1, &EL002)
            } else {
                (2, &EL001)
            };
            if ds.diagnoses.is_some() && cats.len() < needed {
                let f = base(
                    el,
                    format!(
                        "{} distinct chronic condition(s) active in {month}{}; {pname_s} needs {}",
                        cats.len(),
                        if cats.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", cats.join(", "))
                        },
                        if needed == 1 { "one" } else { "two or more" }
                    ),
                );
                push_cited(
                    &mut local,
                    f,
                    diags.iter().map(|d| (d.file, d.line)),
                    file_of(Kind::Diagnoses),
                );
            }

            // A care plan must exist by the month (when care plans are given).
            if ds.careplans.is_some()
                && first_plan
                    .get(&patient)
                    .is_none_or(|d| *d > month.last_day())
            {
                local.push(base(
                &EL005,
                format!("no care plan on file on or before {}; a comprehensive care plan must exist for every billed month", month.last_day()),
            ));
            }
            // CCM must have been initiated at a qualifying face-to-face visit (when visits are given).
            if prog == Program::Ccm
                && let Some(start) = ccm_start.get(&patient)
            {
                let from = start
                    .checked_sub_months(chrono::Months::new(12))
                    .unwrap_or(*start);
                let visits = visits_by_patient.of(patient);
                let ok = visits.iter().any(|v| {
                    initiating(rules, &v.hcpcs) && v.date >= from && v.date <= month.last_day()
                });
                if !ok {
                    local.push(base(
                    &EL004,
                    format!("CCM started {start} with no qualifying face-to-face visit (E/M, AWV or IPPE) in the 12 months before it or since"),
                ));
                }
            }

            // Codes the minutes support, and what they pay.
            let open = cfg.as_of < month.last_day();
            let mdm = complex_months.contains(&(patient, month));
            let sel = select(yr, pname_s, pm, month, cfg.dos, mdm);

            let (mut lines, payment, chosen, alternatives) = match &sel {
                Some(s) => (
                    s.lines(&conds.claim_codes()),
                    s.payment,
                    Some(s.base.hcpcs.as_str().into()),
                    s.alternatives.clone(),
                ),
                None => (Vec::new(), Money::ZERO, None, Vec::new()),
            };
            if sel.is_none() {
                local.push(below_threshold(yr, pname_s, pm, month, cfg.as_of, base));
            }
            let has_error = local.iter().any(|f| f.severity == Severity::Error) || global_error;
            // The worklist: an open month a few minutes short of the next block (not when an
            // error holds the month anyway).
            if !has_error
                && cfg.as_of >= month.first_day()
                && open
                && let Some(f) = near_next_block(yr, pname_s, pm, mdm, base)
            {
                local.push(f);
            }
            let status = if sel.is_none() {
                Status::BelowThreshold
            } else if open && cfg.dos == DosMode::MonthEnd {
                Status::Open
            } else if has_error {
                Status::Blocked
            } else {
                Status::Clean
            };
            if status != Status::Clean {
                lines.retain(|_| status == Status::Blocked);
            }
            // Money at stake on the findings that hold the month.
            if status == Status::Blocked {
                for f in local.iter_mut().filter(|f| f.severity == Severity::Error) {
                    f.amount = Some(payment);
                }
            }
            findings.extend(local);
            Outcome {
                program: pname_s,
                patient_id: pid.into(),
                month,
                billing_npi: npi_s.into(),
                minutes: pm.total,
                practitioner_minutes: pm.prac,
                status,
                chosen,
                alternatives,
                lines,
                payment,
            }
        };
        // The patient-months in two halves, split between patients, checked on two threads.
        // Each half writes its outcomes straight into its part of one list (outcome `i` is
        // that of `pms[i]`); the first half's findings go straight into the final list too.
        // Nothing big is copied or held twice, and the result is that of one pass.
        let n = pms.len();
        let run = |part: &[(Key, Pm)],
                   issues: &mut [Option<Box<RowIssues>>],
                   found: &mut Vec<Finding>,
                   out: &mut [Option<Outcome>]| {
            let mut state = MonthRun::default();
            for ((e, i), o) in part.iter().zip(issues.iter_mut()).zip(out.iter_mut()) {
                *o = Some(one_month(e, i.take(), &mut state, found));
            }
        };
        let mut mid = n / 2;
        while mid > 0 && mid < n && pms[mid].0.0 == pms[mid - 1].0.0 {
            mid += 1;
        }
        let (first, second) = issues_of.split_at_mut(mid);
        let mut slots: Vec<Option<Outcome>> = std::iter::repeat_with(|| None).take(n).collect();
        let (out_1, out_2) = slots.split_at_mut(mid);
        // Room for a few findings per patient-month: reserved, not touched, so it costs no
        // memory until used, and the second half's findings join without a copy of the rest.
        findings.reserve(3 * n);
        let found_2 = std::thread::scope(|scope| {
            let later = scope.spawn(|| {
                let mut found = Vec::with_capacity(3 * (n - mid));
                run(&pms[mid..], second, &mut found, out_2);
                found
            });
            run(&pms[..mid], first, &mut findings, out_1);
            later.join().expect("the patient-month checks do not panic")
        });
        // Reuses the list's memory (std collects a mapped `Vec` in place when the sizes match).
        const _: () = assert!(size_of::<Option<Outcome>>() == size_of::<Outcome>());
        let mut outcomes: Vec<Outcome> = slots
            .into_iter()
            .map(|o| o.expect("every patient-month has its outcome"))
            .collect();
        findings.extend(found_2);
        drop(issues_of);

        let verify = ds.claims.as_ref().map(|cf| {
            verify(
                ds,
                rules,
                cfg,
                cf,
                &pms,
                &complex_months,
                &outcomes,
                &mut findings,
                global_error,
            )
        });

        // Sorted by patient id as text: first by each patient's rank among the ids (one
        // sort of the distinct ids), then the few ties by the full key.
        let (rank, sorted) = patient_ranks(ds);
        // Interned ids rank 2, 4, 6 … in text order; an id seen only in a row that could not
        // be read ranks between its neighbours (odd), and "" (run-level findings) first.
        let rank_of = |id: &str| -> u32 {
            if id.is_empty() {
                0
            } else if let Some(p) = ds.patients.get(id) {
                rank[p as usize]
            } else {
                2 * sorted.partition_point(|&n| ds.patients.name(n) < id) as u32 + 1
            }
        };
        // The order is worked out on small keys and then applied in place: the findings
        // themselves (600k at 10M rows) are never copied.
        let mut findings = findings;
        let mut keyed: Vec<(u32, Option<YearMonth>, u32)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (rank_of(&f.patient_id), f.month, i as u32))
            .collect();
        keyed.sort_unstable();
        for run in keyed.chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1)) {
            run.sort_by(|a, b| {
                let (fa, fb) = (&findings[a.2 as usize], &findings[b.2 as usize]);
                fa.sort_key().cmp(&fb.sort_key())
            });
        }
        let order: Vec<u32> = keyed.into_iter().map(|k| k.2).collect();
        apply_order(&mut findings, &order);
        outcomes.sort_by_cached_key(|o| (rank_of(&o.patient_id), o.month));
        for run in outcomes.chunk_by_mut(|a, b| a.patient_id == b.patient_id && a.month == b.month)
        {
            run.sort_by(|a, b| a.billing_npi.cmp(&b.billing_npi));
        }

        let recon = reconcile(ds, &states);
        Audit {
            findings,
            outcomes,
            recon,
            notes,
            months,
            verify,
            traced,
        }
    }
}

/// The first stage of the staff pass, on its own thread: each staff member's rows (read
/// back from the temporary files when spilled), sorted by day and clock time, with the day
/// checks run (repeats, implausible days, overlaps), handed on in staff order.
fn staff_day_checks<'a>(
    lists: &mut StaffLists,
    slots: &[Slot],
    staff_names: &crate::domain::Interner,
    pname: impl Fn(u32) -> &'a str,
    out: std::sync::mpsc::SyncSender<StaffDays>,
) {
    let mut spans = Vec::new();
    let mut span_of = Vec::new();
    for (staff, mut rows) in lists {
        // By day and clock time (one u64), then identical rows by fingerprint and line.
        let base = rows.iter().map(|r| r.date).min().unwrap_or(0);
        let when = |r: &Slim| {
            (u64::from((r.date - base) as u32) << 32)
                | (u64::from(r.start) << 16)
                | u64::from(r.end)
        };
        rows.sort_unstable_by_key(when);
        for run in rows.chunk_by_mut(|a, b| when(a) == when(b)) {
            if run.len() > 1 {
                run.sort_unstable_by_key(|r| (r.fp, r.file, r.line));
            }
        }
        let mut all_dup = Vec::with_capacity(rows.len());
        let mut all_lost = Vec::with_capacity(rows.len());
        let mut tm005 = Vec::new();
        for day in rows.chunk_by(|a, b| a.date == b.date) {
            let from = all_dup.len();
            // Repeats of an identical row (IN003).
            all_dup.resize(from + day.len(), false);
            let dup = &mut all_dup[from..];
            for k in 1..day.len() {
                let (a, b) = (&day[k - 1], &day[k]);
                if a.fp == b.fp && a.start == b.start && a.end == b.end {
                    dup[k] = true;
                }
            }
            let dup = &*dup;
            // Implausible day (TM005): every row that is not a repeat.
            let total: u32 = day
                .iter()
                .zip(dup)
                .filter(|(_, d)| !**d)
                .map(|(r, _)| u32::from(r.minutes))
                .sum();
            if total > IMPLAUSIBLE_DAY_MINUTES {
                let acc = Acc {
                    at: day
                        .iter()
                        .zip(dup)
                        .filter(|(_, d)| !**d)
                        .map(|(r, _)| (r.file, u64::from(r.line)))
                        .collect(),
                    minutes: total,
                };
                let date = day[0].naive_date();
                let msg = format!(
                    "staff {} logged {} minutes ({}h{:02}) on {} across {} row(s): more than 12 hours in a day; check for double entry or timers left running",
                    staff_names.name(staff),
                    total,
                    total / 60,
                    total % 60,
                    date,
                    acc.at.len()
                );
                push_acc(&mut tm005, &acc, |_, _| {
                    Finding::new(&TM005, msg.clone()).month(YearMonth::of(date))
                });
            }
            // Overlaps (TM003, TM004) among the countable rows with clock times.
            spans.clear();
            span_of.clear();
            for (k, r) in day.iter().enumerate() {
                let counted = !dup[k]
                    && matches!(r.cover, C_COVERED | C_OTHER_NPI | C_NO_CONSENT)
                    && r.has_interval();
                if counted {
                    let key = &slots[r.slot as usize].key;
                    span_of.push(k);
                    spans.push(Span {
                        start: r.start,
                        end: r.end,
                        minutes: r.minutes,
                        ccm: key.3 == Program::Ccm,
                        pcm: key.3 == Program::Pcm,
                        tie: (key.0, r.fp, u64::from(r.line)),
                    });
                }
            }
            all_lost.resize(from + day.len(), Lost::default());
            if spans.len() > 1 {
                for (i, l) in day_overlaps(&spans, &pname) {
                    all_lost[from + span_of[i]] = l;
                }
            }
        }
        let days = StaffDays {
            staff,
            rows,
            dup: all_dup,
            lost: all_lost,
            tm005,
        };
        if out.send(days).is_err() {
            return;
        }
    }
}

/// Reorders `items` in place so that position `i` holds what was at `order[i]` (`order` is
/// a permutation), following each cycle with swaps.
fn apply_order<T>(items: &mut [T], order: &[u32]) {
    let mut done = vec![false; order.len()];
    for i in 0..order.len() {
        if done[i] {
            continue;
        }
        let mut j = i;
        while order[j] as usize != i {
            let k = order[j] as usize;
            items.swap(j, k);
            done[j] = true;
            j = k;
        }
        done[j] = true;
    }
}

/// Each interned patient's rank (2, 4, 6 …) in the order of the ids as text, and the
/// patients in that order.
fn patient_ranks(ds: &Dataset) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..ds.patients.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ds.patients.name(a).cmp(ds.patients.name(b)));
    let mut rank = vec![0u32; order.len()];
    for (i, &p) in order.iter().enumerate() {
        rank[p as usize] = 2 * i as u32 + 2;
    }
    (rank, order)
}

/// For a list sorted by patient (given as its patient ids), each patient's (start, count)
/// in it, indexed by patient id up to the last one present.
fn patient_ranges(sorted: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut range: Vec<(u32, u32)> = Vec::new();
    for (i, p) in sorted.enumerate() {
        let p = p as usize;
        if range.len() <= p {
            range.resize(p + 1, (0, 0));
        }
        let r = &mut range[p];
        if r.1 == 0 {
            r.0 = i as u32;
        }
        r.1 += 1;
    }
    range
}

/// Items grouped by patient (file order kept within a patient): one list of references
/// and each patient's range in it, instead of a map of lists (a million small allocations
/// at 500k patients).
struct ByPatient<'a, T> {
    items: Vec<&'a T>,
    range: Vec<(u32, u32)>,
}

impl<'a, T: HasPatient> ByPatient<'a, T> {
    fn new(items: Option<&'a [T]>) -> Self {
        let mut items: Vec<&T> = items.unwrap_or(&[]).iter().collect();
        items.sort_by_key(|t| t.patient());
        let range = patient_ranges(items.iter().map(|t| t.patient()));
        ByPatient { items, range }
    }

    fn of(&self, patient: u32) -> &[&'a T] {
        match self.range.get(patient as usize) {
            Some(&(from, n)) => &self.items[from as usize..(from + n) as usize],
            None => &[],
        }
    }
}

trait HasPatient {
    fn patient(&self) -> u32;
}
impl HasPatient for Consent {
    fn patient(&self) -> u32 {
        self.patient
    }
}
impl HasPatient for Diagnosis {
    fn patient(&self) -> u32 {
        self.patient
    }
}
impl HasPatient for Visit {
    fn patient(&self) -> u32 {
        self.patient
    }
}
impl HasPatient for Enrolment {
    fn patient(&self) -> u32 {
        self.patient
    }
}

/// Emits one finding per file the accumulated rows come from.
fn push_acc(out: &mut Vec<Finding>, acc: &Acc, make: impl Fn(usize, u32) -> Finding) {
    if acc.at.is_empty() {
        return;
    }
    let first = acc.at[0].0;
    let mut push = |file: u16, lines: Vec<u64>| {
        out.push(
            make(acc.at.len(), acc.minutes)
                .at_lines(file, lines)
                .minutes(acc.minutes),
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
fn push_cited(
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
    while let Some(run) = runs.next() {
        let lines = run.iter().map(|&(_, l)| l).collect();
        if runs.peek().is_none() {
            out.push(f.at_lines(run[0].0, lines));
            return;
        }
        out.push(f.clone().at_lines(run[0].0, lines));
    }
}

fn below_threshold(
    yr: &YearRules,
    program: &str,
    pm: &Pm,
    month: YearMonth,
    as_of: NaiveDate,
    make: impl Fn(&'static crate::checks::Check, String) -> Finding,
) -> Finding {
    let staff_base = yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && c.time == TimeKind::Staff)
        .min_by_key(|c| c.threshold);
    let (code, thr) = staff_base
        .map(|c| (c.hcpcs.as_str(), c.threshold))
        .unwrap_or(("99490", 20));
    let needed = thr.saturating_sub(pm.total);
    let mut msg = format!(
        "{} countable CCM minute(s) in {month}: {needed} more needed for {code} ({thr} minutes)",
        pm.total
    );
    if as_of < month.last_day() && as_of >= month.first_day() {
        let left = (month.last_day() - as_of).num_days();
        msg.push_str(&format!("; {left} day(s) left in the month"));
    } else {
        msg.push_str("; nothing to bill (minutes do not carry over)");
    }
    make(&TM001, msg).minutes(pm.total)
}

/// The family chosen for a month.
#[derive(Clone, Debug)]
struct Selection<'a> {
    base: &'a CodeRule,
    addon: Option<(&'a CodeRule, u32)>,
    minutes: u32,
    dos: NaiveDate,
    base_pay: Money,
    addon_pay: Money,
    payment: Money,
    alternatives: Vec<Text>,
}

impl Selection<'_> {
    fn lines(&self, dx: &[String]) -> Vec<ClaimLine> {
        let dx: std::sync::Arc<[Text]> = dx.iter().map(|d| Text::from(d.as_str())).collect();
        let mk = |hcpcs: &str, units: u32, pay: Money| ClaimLine {
            date_of_service: self.dos,
            hcpcs: hcpcs.into(),
            units,
            dx: dx.clone(),
            minutes: self.minutes,
            expected_payment: pay,
        };
        // Exactly the room needed: a pushed second line would leave room for four.
        let mut out = Vec::with_capacity(1 + usize::from(self.addon.is_some()));
        out.push(mk(&self.base.hcpcs, 1, self.base_pay));
        if let Some((a, units)) = self.addon {
            out.push(mk(&a.hcpcs, units, self.addon_pay));
        }
        out
    }
}

/// Units of a base code and its add-on for `minutes`: `None` below the base threshold.
/// Thresholds are full: no midpoint rounding; add-on units are capped.
pub fn units_for(base: &CodeRule, addon: Option<&CodeRule>, minutes: u32) -> Option<u32> {
    if minutes < base.threshold.max(1) {
        return None;
    }
    Some(match addon {
        Some(a) => ((minutes - base.threshold) / a.increment).min(a.unit_cap),
        None => 0,
    })
}

fn select<'a>(
    yr: &'a YearRules,
    program: &str,
    pm: &Pm,
    month: YearMonth,
    dos_mode: DosMode,
    mdm: bool,
) -> Option<Selection<'a>> {
    let mut best: Option<Selection> = None;
    let mut supported = Vec::new();
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon)
    {
        // Complex CCM needs moderate/high MDM on a care-plan event that month.
        if needs_mdm(base) && !mdm {
            continue;
        }
        let (minutes, idx) = match base.time {
            TimeKind::Staff => (pm.total, 1),
            TimeKind::Practitioner => (pm.prac, 2),
            TimeKind::None => continue,
        };
        let addon = yr.addon_of(&base.hcpcs);
        let Some(units) = units_for(base, addon, minutes) else {
            continue;
        };
        let dos = match dos_mode {
            DosMode::MonthEnd => month.last_day(),
            DosMode::Threshold => {
                threshold_day(&pm.days, idx, base.threshold).unwrap_or(month.last_day())
            }
        };
        let base_pay = yr.unit_payment(&base.hcpcs, dos).unwrap_or_default();
        let addon_pay = match addon {
            Some(a) if units > 0 => {
                yr.unit_payment(&a.hcpcs, dos).unwrap_or_default() * Money::from(units)
            }
            _ => Money::ZERO,
        };
        supported.push(base.hcpcs.clone());
        let cand = Selection {
            base,
            addon: addon.filter(|_| units > 0).map(|a| (a, units)),
            minutes,
            dos,
            base_pay,
            addon_pay,
            payment: base_pay + addon_pay,
            alternatives: Vec::new(),
        };
        let better = match &best {
            None => true,
            Some(b) => {
                cand.payment > b.payment
                    || (cand.payment == b.payment && cand.base.tie_rank < b.base.tie_rank)
            }
        };
        if better {
            best = Some(cand);
        }
    }
    best.map(|mut b| {
        // Every supported family but the one chosen, with exactly that room (collected
        // from a filter, a list of one would keep room for four).
        let mut alternatives = Vec::with_capacity(supported.len() - 1);
        alternatives.extend(
            supported
                .iter()
                .filter(|c| **c != b.base.hcpcs)
                .map(|c| Text::from(c.as_str())),
        );
        b.alternatives = alternatives;
        b
    })
}

/// The first day the cumulative minutes (column `idx` of the day tuples) reach `threshold`.
fn threshold_day(days: &[(NaiveDate, u32, u32)], idx: usize, threshold: u32) -> Option<NaiveDate> {
    let mut d: Vec<&(NaiveDate, u32, u32)> = days.iter().collect();
    d.sort_unstable_by_key(|x| x.0);
    let mut sum = 0;
    for x in d {
        sum += if idx == 1 { x.1 } else { x.2 };
        if sum >= threshold {
            return Some(x.0);
        }
    }
    None
}

fn reconcile(ds: &Dataset, states: &[[u64; 7]]) -> Vec<FileRecon> {
    let mut recon: Vec<FileRecon> = ds
        .files
        .iter()
        .map(|f| FileRecon {
            file: f.name.clone(),
            kind: f.kind,
            rows_read: f.rows_read,
            counted: 0,
            excluded: BTreeMap::new(),
        })
        .collect();
    for f in &ds.ingest_findings {
        if let Some(i) = f.file {
            *recon[i as usize]
                .excluded
                .entry(f.check.code.to_string())
                .or_default() += 1;
        }
    }
    for (file, counts) in states.iter().enumerate() {
        let fr = &mut recon[file];
        for (st, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            if st as u8 == COUNTED {
                fr.counted += n;
            } else {
                *fr.excluded.entry(reason(st as u8).to_string()).or_default() += n;
            }
        }
    }
    let count = |file: u16, fr: &mut Vec<FileRecon>| fr[file as usize].counted += 1;
    for c in ds.consents.iter().flatten() {
        count(c.file, &mut recon);
    }
    for d in ds.diagnoses.iter().flatten() {
        count(d.file, &mut recon);
    }
    for e in ds.enrolments.iter().flatten() {
        count(e.file, &mut recon);
    }
    for c in ds.careplans.iter().flatten() {
        count(c.file, &mut recon);
    }
    for v in ds.visits.iter().flatten() {
        count(v.file, &mut recon);
    }
    for c in ds.claims.iter().flat_map(|cf| cf.claims.iter()) {
        count(c.file, &mut recon);
    }
    recon
}

/// Complex CCM (family `complex` in codes.csv) needs moderate or high MDM that month.
fn needs_mdm(base: &CodeRule) -> bool {
    base.family == "complex"
}

/// The minutes a base code's family counts.
fn family_minutes(base: &CodeRule, pm: &Pm) -> Option<u32> {
    match base.time {
        TimeKind::Staff => Some(pm.total),
        TimeKind::Practitioner => Some(pm.prac),
        TimeKind::None => None,
    }
}

/// RV002: in an open month, the nearest next billable block within reach.
fn near_next_block(
    yr: &YearRules,
    program: &str,
    pm: &Pm,
    mdm: bool,
    make: impl Fn(&'static crate::checks::Check, String) -> Finding,
) -> Option<Finding> {
    let mut best: Option<(u32, String)> = None;
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && (mdm || !needs_mdm(c)))
    {
        let Some(minutes) = family_minutes(base, pm) else {
            continue;
        };
        let addon = yr.addon_of(&base.hcpcs);
        let (target, what) = match units_for(base, addon, minutes) {
            None => (base.threshold, base.hcpcs.clone()),
            Some(u) => match addon {
                Some(a) if u < a.unit_cap => (
                    base.threshold + (u + 1) * a.increment,
                    format!("{} unit {}", a.hcpcs, u + 1),
                ),
                _ => continue,
            },
        };
        let gap = target - minutes;
        if gap <= NEAR_BLOCK_MINUTES && best.as_ref().is_none_or(|b| gap < b.0) {
            best = Some((gap, what));
        }
    }
    best.map(|(gap, what)| {
        make(
            &RV002,
            format!(
                "{} countable minute(s) so far: {gap} more reach {what}",
                pm.total
            ),
        )
        .minutes(pm.total)
    })
}

/// One patient-month and practitioner's claim lines, with their index in the claims file.
type ClaimGroup<'a> = Vec<(usize, &'a Claim)>;

/// An error that holds a patient-month's claim lines (row-level errors exclude rows only).
fn holds_month(f: &Finding) -> bool {
    f.severity == Severity::Error && !f.check.code.starts_with("IN")
}

/// Verify mode: checks each patient-month's claim lines against the code rules and the
/// evidence, decides which lines go out, and what is at risk or left unbilled.
#[allow(clippy::too_many_arguments)]
fn verify(
    ds: &Dataset,
    rules: &Ruleset,
    cfg: &AuditConfig,
    cf: &ClaimsFile,
    pms: &[(Key, Pm)],
    complex_months: &HashSet<(u32, YearMonth)>,
    // One per entry of `pms`, in the same order.
    outcomes: &[Outcome],
    findings: &mut Vec<Finding>,
    global_error: bool,
) -> Verify {
    // A claim goes out whole or not at all: lines are grouped by patient, month, practitioner.
    let mut groups: BTreeMap<(u32, YearMonth, u32), ClaimGroup> = BTreeMap::new();
    for (i, c) in cf.claims.iter().enumerate() {
        groups
            .entry((c.patient, YearMonth::of(c.date_of_service), c.npi))
            .or_default()
            .push((i, c));
    }
    // Errors from the evidence, by patient-month and practitioner.
    let mut held: HashSet<(String, YearMonth, String)> = HashSet::new();
    let mut held_all_npis: HashSet<(String, YearMonth)> = HashSet::new();
    for f in findings.iter().filter(|f| holds_month(f)) {
        if let Some(m) = f.month {
            if f.billing_npi.is_empty() {
                held_all_npis.insert((f.patient_id.to_string(), m));
            } else {
                held.insert((f.patient_id.to_string(), m, f.billing_npi.to_string()));
            }
        }
    }
    let mut v = Verify::default();
    let mut claimed_amount: HashMap<(String, YearMonth, String), Money> = HashMap::new();
    let mut claimed_programs: HashSet<Key> = HashSet::new();
    for (&(patient, month, npi), lines) in &groups {
        let pid = ds.patients.name(patient);
        let npi_s = ds.npi_name(npi);
        let yr = rules.for_month(month);
        let mdm = complex_months.contains(&(patient, month));
        let claims: Vec<&Claim> = lines.iter().map(|(_, c)| *c).collect();
        let mut local = Vec::new();
        let mut claimed = Money::ZERO;
        let mut supported_pay: BTreeMap<Program, Money> = BTreeMap::new();
        for prog in [Program::Ccm, Program::Pcm] {
            let pname = prog.as_str();
            let mine: Vec<&Claim> = claims
                .iter()
                .copied()
                .filter(|c| yr.code(&c.hcpcs).is_some_and(|r| r.program == pname))
                .collect();
            if mine.is_empty() {
                continue;
            }
            claimed_programs.insert((patient, month, npi, prog));
            let pm = pm_of(pms, &(patient, month, npi, prog));
            let empty = Pm::default();
            let pmr = pm.unwrap_or(&empty);
            let tday = |h: &str| {
                let r = yr.code(h)?;
                let idx = match r.time {
                    TimeKind::Staff => 1,
                    TimeKind::Practitioner => 2,
                    TimeKind::None => return None,
                };
                threshold_day(&pmr.days, idx, r.threshold)
            };
            let mut found = code_findings(yr, pname, &mine, cfg.as_of, tday);
            for c in &mine {
                let r = yr.code(&c.hcpcs).expect("filtered");
                let fee = yr
                    .unit_payment(&c.hcpcs, c.date_of_service)
                    .unwrap_or_default();
                claimed += fee * Money::from(c.units);
                let Some(base) = (if r.is_addon {
                    yr.code(&r.addon_to)
                } else {
                    Some(r)
                }) else {
                    continue;
                };
                let minutes = family_minutes(base, pmr).unwrap_or(0);
                let supported = if needs_mdm(base) && !mdm {
                    0
                } else {
                    match units_for(base, r.is_addon.then_some(r), minutes) {
                        None => 0,
                        Some(u) if r.is_addon => u,
                        Some(_) => 1,
                    }
                };
                *supported_pay.entry(prog).or_default() +=
                    fee * Money::from(c.units.min(supported));
                let whose = match base.time {
                    TimeKind::Practitioner => "practitioner minutes",
                    _ => "countable minutes",
                };
                if supported == 0 {
                    let why = if pm.is_none() {
                        format!(
                            "no {pname} minutes are logged for this patient-month under this NPI"
                        )
                    } else if needs_mdm(base) && !mdm {
                        "no moderate or high MDM on a care-plan event this month (complex CCM)"
                            .to_string()
                    } else if r.is_addon {
                        format!(
                            "{minutes} {whose} reach no add-on unit beyond {}",
                            base.hcpcs
                        )
                    } else {
                        format!(
                            "{minutes} {whose} are below the {}-minute threshold",
                            base.threshold
                        )
                    };
                    let mut f =
                        Finding::new(&CL001, format!("{} is not supported: {why}", c.hcpcs))
                            .at(c.file, c.line)
                            .minutes(minutes);
                    f.amount = Some(fee * Money::from(c.units));
                    found.push(f);
                } else if r.is_addon && c.units > supported {
                    let mut f = Finding::new(
                        &CL002,
                        format!(
                            "{} x{} claimed; {minutes} {whose} support {supported}",
                            c.hcpcs, c.units
                        ),
                    )
                    .at(c.file, c.line)
                    .minutes(minutes);
                    f.amount = Some(fee * Money::from(c.units - supported));
                    found.push(f);
                }
            }
            for f in &mut found {
                f.program = pname.into();
            }
            local.extend(found);
        }
        for f in &mut local {
            f.patient_id = pid.into();
            f.month = Some(month);
            f.billing_npi = npi_s.into();
        }
        let is_held = global_error
            || local.iter().any(holds_month)
            || held.contains(&(pid.to_string(), month, npi_s.to_string()))
            || held_all_npis.contains(&(pid.to_string(), month));
        let entry = v.by_month.entry(month).or_default();
        entry.0 += claimed;
        v.claimed += claimed;
        if is_held {
            v.at_risk += claimed;
            entry.1 += claimed;
            claimed_amount.insert((pid.to_string(), month, npi_s.to_string()), claimed);
        } else {
            v.supported += claimed;
            v.clean.extend(lines.iter().map(|(i, _)| *i));
            // The evidence may support more than was claimed.
            for (prog, paid) in &supported_pay {
                if let Some(o) = pm_index(pms, &(patient, month, npi, *prog)).map(|i| &outcomes[i])
                    && o.status == Status::Clean
                    && o.payment > *paid
                {
                    let left = o.payment - *paid;
                    let mut f = Finding::new(
                        &RV001,
                        format!(
                            "the evidence supports {} ({} minutes) paying ${}; the claim lines support ${}",
                            describe(&o.lines),
                            o.minutes,
                            crate::domain::money_str(o.payment),
                            crate::domain::money_str(*paid)
                        ),
                    )
                    .patient(pid)
                    .month(month)
                    .npi(npi_s)
                    .program(prog.as_str())
                    .minutes(o.minutes);
                    f.amount = Some(left);
                    v.left_unbilled += left;
                    entry.2 += left;
                    local.push(f);
                }
            }
        }
        findings.extend(local);
    }
    // Clean months the evidence supports that were not claimed at all.
    for ((key, _), o) in pms.iter().zip(outcomes) {
        if o.status == Status::Clean && !claimed_programs.contains(key) {
            let mut f = Finding::new(
                &RV001,
                format!(
                    "not claimed: the evidence supports {} ({} minutes) paying ${}",
                    describe(&o.lines),
                    o.minutes,
                    crate::domain::money_str(o.payment)
                ),
            )
            .patient(&o.patient_id)
            .month(o.month)
            .npi(&o.billing_npi)
            .program(o.program)
            .minutes(o.minutes);
            f.amount = Some(o.payment);
            v.left_unbilled += o.payment;
            v.by_month.entry(o.month).or_default().2 += o.payment;
            findings.push(f);
        }
    }
    // In verify mode, the money at stake on an error that holds a month is what was claimed.
    for f in findings
        .iter_mut()
        .filter(|f| holds_month(f) && f.check.code != "CL001" && f.check.code != "CL002")
    {
        if let Some(m) = f.month {
            f.amount = claimed_amount
                .get(&(f.patient_id.to_string(), m, f.billing_npi.to_string()))
                .copied()
                .filter(|a| !a.is_zero());
        }
    }
    v.clean.sort_unstable();
    v
}

/// "99490 + 99439 x2" for a set of lines.
fn describe(lines: &[ClaimLine]) -> String {
    lines
        .iter()
        .map(|l| {
            if l.units > 1 {
                format!("{} x{}", l.hcpcs, l.units)
            } else {
                l.hcpcs.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn apply_order_puts_each_item_where_the_order_says() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        super::apply_order(&mut v, &[2, 0, 1, 4, 3]);
        assert_eq!(v, ['c', 'a', 'b', 'e', 'd']);
        let mut w: Vec<u32> = (0..100).collect();
        let order: Vec<u32> = (0..100).map(|i| (i * 37) % 100).collect();
        super::apply_order(&mut w, &order);
        assert_eq!(w, order);
    }

    use super::*;

    fn rules() -> Ruleset {
        Ruleset::embedded(crate::checks::is_check).unwrap()
    }

    fn pm(total: u32, prac: u32) -> Pm {
        Pm {
            total,
            prac,
            days: vec![(NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(), total, prac)],
            ..Pm::default()
        }
    }

    fn pick(total: u32, prac: u32) -> Option<(String, u32)> {
        let r = rules();
        let m = YearMonth::parse("2025-03").unwrap();
        select(
            r.year(2025),
            "CCM",
            &pm(total, prac),
            m,
            DosMode::MonthEnd,
            false,
        )
        .map(|s| (s.base.hcpcs.clone(), s.addon.map_or(0, |a| a.1)))
    }

    #[test]
    fn thresholds_at_the_edges() {
        assert_eq!(pick(19, 0), None);
        assert_eq!(pick(20, 0), Some(("99490".into(), 0)));
        assert_eq!(pick(39, 0), Some(("99490".into(), 0)));
        assert_eq!(pick(40, 0), Some(("99490".into(), 1)));
        assert_eq!(pick(59, 0), Some(("99490".into(), 1)));
        assert_eq!(pick(60, 0), Some(("99490".into(), 2)));
        assert_eq!(
            pick(200, 0),
            Some(("99490".into(), 2)),
            "add-on capped at 2"
        );
    }

    #[test]
    fn practitioner_family_at_the_edges_and_by_payment() {
        // 29 practitioner minutes: 99491 not reached, 99490 is.
        assert_eq!(pick(29, 29), Some(("99490".into(), 0)));
        // 30: 99491 ($82.16) pays more than 99490 ($60.49).
        assert_eq!(pick(30, 30), Some(("99491".into(), 0)));
        // 45 minutes, all practitioner: 99490+99439 = 106.42 > 99491 = 82.16.
        assert_eq!(pick(45, 45), Some(("99490".into(), 1)));
        // 65 practitioner minutes: 99491+99437 (139.74) vs 99490+2x99439 (152.35).
        assert_eq!(pick(65, 65), Some(("99490".into(), 2)));
        // 90 practitioner minutes: 99491+2x99437 = 197.32 > 152.35.
        assert_eq!(pick(90, 90), Some(("99491".into(), 2)));
        // 59/60 practitioner: 99437 needs a further full 30.
        let r = rules();
        let m = YearMonth::parse("2025-03").unwrap();
        let yr = r.year(2025);
        let b = yr.code("99491").unwrap();
        let a = yr.addon_of("99491");
        assert_eq!(units_for(b, a, 59), Some(0));
        assert_eq!(units_for(b, a, 60), Some(1));
        assert_eq!(units_for(b, a, 29), None);
        let _ = m;
    }

    #[test]
    fn threshold_day_is_when_cumulative_minutes_reach_it() {
        let d = |s: &str| crate::domain::parse_date(s).unwrap();
        let days = vec![
            (d("2025-03-10"), 15, 0),
            (d("2025-03-02"), 10, 0),
            (d("2025-03-20"), 5, 0),
        ];
        assert_eq!(threshold_day(&days, 1, 20), Some(d("2025-03-10")));
        assert_eq!(threshold_day(&days, 1, 31), None);
    }
}
