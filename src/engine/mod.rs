//! The engine: drives the audit. It owns the speed machinery (per-patient slots, compact
//! per-row records spilled to scratch files past a count, the two-stage staff pass, the
//! patient-month checks over two threads, ordering and reconciliation) and calls the checks.
//! Rule authors never need to open it.

mod evidence;
mod finish;
mod identity;
mod months;
mod order;
mod progress;
mod recon;
mod row;
mod spill;
mod staff;
mod trace;
mod verify;

use crate::audit::{Audit, AuditConfig, DosMode};
use crate::checks::consent::{Coverage, coverage};
use crate::checks::row_state::{Cover, RowState};
use crate::checks::time::Lost;
use crate::domain::{
    Consent, Dataset, FastMap, NoteQuality, Program, RoleClass, TimeRow, YearMonth,
};
use crate::rules::Ruleset;
use chrono::NaiveDate;
use evidence::patient_ranges;
pub use progress::{Stage, Tick};
use row::*;
pub use spill::{ScratchFiles, SpillError};
use spill::{Spill, StaffLists};

/// Patient, month, billing NPI, billed program (CCM or PCM).
type Key = (u32, YearMonth, u32, Program);

/// Programs ccm derives and verifies claims for.
fn billable(p: Program) -> bool {
    matches!(p, Program::Ccm | Program::Pcm)
}

/// The test oracle: runs the audit over the dataset's rows held in memory (`ds.time`),
/// nothing spilled. The command line streams rows through an [`Auditor`] instead; the fuzz
/// and property tests check that both give the same result.
pub fn audit(ds: &Dataset, rules: &Ruleset, cfg: &AuditConfig) -> Audit {
    let mut a = Auditor::new(ds, rules, cfg.clone(), None);
    for r in &ds.time {
        a.push(r);
    }
    // Nothing is spilled here (no `spill_above`), so nothing can fail.
    let by_staff = std::mem::take(&mut a.by_staff);
    a.finish_with(ds, &mut StaffLists::memory(by_staff))
}

const NONE: u32 = u32::MAX;

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
    /// Verify mode: RPM time is added up, the evidence for RPM claim lines.
    keep_rpm: bool,
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
    states: Vec<[u64; RowState::COUNT]>,
    ccm_start: FastMap<u32, NaiveDate>,
    trace: Option<u32>,
    traced: Vec<(TimeRow, RowState, Lost)>,
    /// Records in `by_staff` since the last spill.
    held: usize,
    spill_above: Option<(usize, ScratchFiles)>,
    spill: Option<Spill>,
    /// Told how far [`Auditor::finish`] has got.
    tick: Option<Tick>,
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
            keep_rpm: ds.claims.is_some(),
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
            tick: None,
        }
    }

    /// `tick` is told how far each long stage of [`Auditor::finish`] has got.
    pub fn progress(mut self, tick: Tick) -> Self {
        self.tick = Some(tick);
        self
    }

    fn consents_of(&self, patient: u32) -> &[Consent] {
        match self.per_patient.get(patient as usize) {
            Some(p) => {
                &self.consents[p.consents_from as usize..(p.consents_from + p.consents_n) as usize]
            }
            None => &[],
        }
    }

    fn count(&mut self, file: u16, state: RowState) {
        let f = file as usize;
        if self.states.len() <= f {
            self.states.resize(f + 1, [0; RowState::COUNT]);
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
        // With --month, a row of another month is outside it whatever its date: a later
        // month's row dated after the as-of date is no error of the month audited (IN004).
        let future = r.date > self.cfg.as_of;
        if future && self.cfg.audits(r.date) {
            self.count(r.file, RowState::Future);
            self.future.push(*r);
            if self.trace == Some(r.patient) {
                self.traced.push((*r, RowState::Future, Lost::default()));
            }
            return;
        }
        if !future
            && self.has_visits
            && r.program == Program::Ccm
            && r.role != RoleClass::NonClinical
        {
            let e = self.ccm_start.entry(r.patient).or_insert(r.date);
            *e = (*e).min(r.date);
        }
        if !self.cfg.audits(r.date) {
            self.count(r.file, RowState::OutsideMonth);
            if self.trace == Some(r.patient) {
                self.traced
                    .push((*r, RowState::OutsideMonth, Lost::default()));
            }
            return;
        }
        let cover = if r.role == RoleClass::NonClinical {
            Cover::NonClinical
        } else if billable(r.program) && self.has_consents {
            match coverage(self.consents_of(r.patient), r.program, r.date, r.npi) {
                Coverage::Covered => Cover::Covered,
                Coverage::BeforeConsent => Cover::BeforeConsent,
                Coverage::Revoked => Cover::Revoked,
                Coverage::OtherNpi => Cover::OtherNpi,
                Coverage::NoConsent => Cover::NoConsent,
                Coverage::AfterDeath => Cover::AfterDeath,
            }
        } else {
            Cover::Covered
        };
        let slot = self.slot((r.patient, YearMonth::of(r.date), r.npi, r.program));
        let mut flags = 0;
        if r.role == RoleClass::Practitioner {
            flags |= F_PRACTITIONER;
            match r.performer {
                crate::domain::Performer::Billing => flags |= row::F_PERF_BILLING,
                crate::domain::Performer::Other => flags |= row::F_PERF_OTHER,
                crate::domain::Performer::Unknown => {}
            }
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
            secs: r.secs,
            cover,
            flags,
        });
        self.held += 1;
        if self
            .spill_above
            .as_ref()
            .is_some_and(|(n, _)| self.held >= *n)
        {
            self.spill_out();
        }
    }

    /// Past `rows` records held in memory, they are moved to temporary files (and again
    /// each time as many have gathered), so memory no longer grows with the rows. The audit
    /// is the same; [`Auditor::finish`] fails if the files cannot be written or read.
    /// `scratch` opens each temporary file.
    pub fn spill_above(mut self, rows: usize, scratch: ScratchFiles) -> Self {
        self.spill_above = Some((rows.max(1), scratch));
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
        let Some((_, scratch)) = &self.spill_above else {
            return;
        };
        self.spill
            .get_or_insert_with(|| Spill::new(staff_seen, scratch.clone()))
            .write(&mut self.by_staff);
        self.held = 0;
    }
}
