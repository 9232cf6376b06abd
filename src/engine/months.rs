//! The patient-month stage: for each patient, month, billing practitioner and program, a
//! read-only view of the evidence, every patient-month check of the registry called on it,
//! billing's decision, the checks that read it, and the outcome. Two threads, split
//! between patients; the result is that of one pass.

use super::evidence::{ByPatient, Pm, RowIssues, pm_of};
use super::progress::Meter;
use super::verify::{ClaimKey, ClaimLines, Claims, MonthClaims, Tally};
use super::{Auditor, Key};
use crate::audit::{Outcome, Status};
use crate::billing::{MonthWindow, Shown, select, worklist_next};
use crate::checks::eligibility::conditions;
use crate::checks::overlap::clashes;
use crate::checks::row_state::RowTag;
use crate::checks::scope::{Decision, Emit, OtherProgramRow, PatientMonth, RunFacts};
use crate::checks::{Finding, decided_checks, patient_month_checks};
use crate::domain::{
    Dataset, Diagnosis, Enrolment, FastMap, Mdm, Money, Program, Secs, Visit, YearMonth,
};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The companions, grouped by patient once for every patient-month.
pub(super) struct Companions<'a> {
    /// Months with moderate or high MDM on a care-plan event: complex CCM may be billed.
    pub(super) complex_months: HashSet<(u32, YearMonth)>,
    first_plan: HashMap<u32, NaiveDate>,
    visits: ByPatient<'a, Visit>,
    diagnoses: ByPatient<'a, Diagnosis>,
    enrolments: ByPatient<'a, Enrolment>,
}

impl<'a> Companions<'a> {
    pub(super) fn new(ds: &'a Dataset) -> Companions<'a> {
        let mut complex_months = HashSet::new();
        let mut first_plan: HashMap<u32, NaiveDate> = HashMap::new();
        for c in ds.careplans.iter().flatten() {
            if c.mdm >= Some(Mdm::Moderate) {
                complex_months.insert((c.patient, YearMonth::of(c.date)));
            }
            let e = first_plan.entry(c.patient).or_insert(c.date);
            *e = (*e).min(c.date);
        }
        Companions {
            complex_months,
            first_plan,
            visits: ByPatient::new(ds.visits.as_deref()),
            diagnoses: ByPatient::new(ds.diagnoses.as_deref()),
            enrolments: ByPatient::new(ds.enrolments.as_deref()),
        }
    }
}

/// What the patient-month checks carry from one patient-month to the next of the same one.
#[derive(Default)]
struct MonthRun {
    /// The patient-month whose diagnosis-code findings (EL003) were reported.
    el003_done: Option<(u32, YearMonth)>,
    /// The patient-month whose NPIs with CCM minutes are in `npis`.
    npis_at: Option<(u32, YearMonth)>,
    npis: Vec<u32>,
    /// The patient's previous month with CCM minutes before `npis_at`, and its NPIs with them.
    previous: Option<YearMonth>,
    previous_npis: Vec<u32>,
    /// The list a month's findings are collected in, reused.
    found: Vec<Finding>,
    /// The run-level notes the checks raised (`Emit::note`), each once, first raised first.
    notes: Vec<&'static str>,
}

/// Everything the patient-month stage reads.
pub(super) struct Months<'a> {
    pub(super) auditor: &'a Auditor<'a>,
    /// Told every [`Months::TOLD_EVERY`] patient-months checked.
    pub(super) meter: &'a Meter<'a>,
    pub(super) run: &'a RunFacts<'a>,
    /// Sorted by key: each patient-month's keys are adjacent.
    pub(super) pms: &'a [(Key, Pm)],
    pub(super) companions: &'a Companions<'a>,
    pub(super) other_programs: &'a FastMap<(u32, YearMonth), Vec<OtherProgramRow>>,
    /// A run-wide error (no consents or no diagnoses file) holds every month.
    pub(super) global_error: bool,
    /// Verify mode: the claims, settled patient-month by patient-month in the pass.
    pub(super) claims: Option<&'a Claims<'a>>,
}

/// The registry's checks that run per patient-month, listed once for the whole stage.
struct Checks {
    per_month: Vec<PatientMonthCheck>,
    decided: Vec<DecidedCheck>,
}

type PatientMonthCheck = fn(&PatientMonth, &mut Emit);
type DecidedCheck = fn(&PatientMonth, &Decision, &mut Emit);

/// One patient-month: its entries in the pass's list (one per practitioner and program
/// with time) and, in verify mode, its claims (one per practitioner), as ranges of a part's
/// lists.
struct Unit {
    pms: Range<usize>,
    claims: Range<usize>,
}

/// The patient-months of a part of the pass, in key order: those with time, those with
/// claims, or both. Made as the pass goes, never held as a list.
struct Units<'p, 'a> {
    pms: &'p [(Key, Pm)],
    claims: &'p [(ClaimKey, ClaimLines<'a>)],
    at: (usize, usize),
}

impl Iterator for Units<'_, '_> {
    type Item = Unit;
    fn next(&mut self) -> Option<Unit> {
        let (mut i, mut j) = self.at;
        let pm_at = |i: usize| self.pms.get(i).map(|e| (e.0.0, e.0.1));
        let claim_at = |j: usize| self.claims.get(j).map(|e| (e.0.0, e.0.1));
        let at = match (pm_at(i), claim_at(j)) {
            (None, None) => return None,
            (Some(a), None) | (None, Some(a)) => a,
            (Some(a), Some(b)) => a.min(b),
        };
        let from = self.at;
        while pm_at(i) == Some(at) {
            i += 1;
        }
        while claim_at(j) == Some(at) {
            j += 1;
        }
        self.at = (i, j);
        Some(Unit {
            pms: from.0..i,
            claims: from.1..j,
        })
    }
}

/// What one thread of the pass fills: its part of the outcomes, its findings, its claims.
struct Part<'p, 'a> {
    /// Its patient-months with time and its claims.
    pms: &'p [(Key, Pm)],
    claims: &'p [(ClaimKey, ClaimLines<'a>)],
    issues: &'p mut [Option<Box<RowIssues>>],
    out: &'p mut [Option<Outcome>],
    found: &'p mut Vec<Finding>,
    tally: &'p mut Tally,
}

impl Months<'_> {
    /// How many patient-months a thread checks between two progress reports.
    const TOLD_EVERY: u64 = 2048;

    /// Every patient-month's outcome (outcome `i` is that of `pms[i]`) and, in verify mode,
    /// its claims settled into `tally`; their findings are added to `findings` and the
    /// run-level notes they raise to `notes` (each once). Two halves, split between
    /// patients, on two threads: each writes its outcomes straight into its part of one
    /// list and the first half's findings go straight into `findings`, so nothing big is
    /// copied or held twice.
    pub(super) fn check_all(
        &self,
        mut issues_of: Vec<Option<Box<RowIssues>>>,
        findings: &mut Vec<Finding>,
        notes: &mut Vec<&'static str>,
        tally: &mut Tally,
    ) -> Vec<Outcome> {
        let pms = self.pms;
        let n = pms.len();
        let checks = Checks {
            per_month: patient_month_checks().collect(),
            decided: decided_checks().collect(),
        };
        let groups = self.claims.map_or(&[][..], |c| c.groups.as_slice());
        // Split between patients: the patient at the middle of the list with time, and
        // every entry and claim of that patient and after it, go to the second thread.
        let mut pm_mid = n / 2;
        while pm_mid > 0 && pm_mid < n && pms[pm_mid].0.0 == pms[pm_mid - 1].0.0 {
            pm_mid += 1;
        }
        let claim_mid = match pms.get(pm_mid) {
            Some(e) => groups.partition_point(|g| g.0.0 < e.0.0),
            None => groups.len(),
        };
        let (first, second) = issues_of.split_at_mut(pm_mid);
        let mut slots: Vec<Option<Outcome>> = std::iter::repeat_with(|| None).take(n).collect();
        let (out_1, out_2) = slots.split_at_mut(pm_mid);
        // Room for a few findings per patient-month: reserved, not touched, so it costs no
        // memory until used, and the second half's findings join without a copy of the rest.
        findings.reserve(3 * n);
        let mut tally_2 = Tally::default();
        let (notes_1, (found_2, notes_2)) = std::thread::scope(|scope| {
            let later = scope.spawn(|| {
                let mut found = Vec::with_capacity(3 * (n - pm_mid));
                let notes = self.run_part(
                    &checks,
                    Part {
                        pms: &pms[pm_mid..],
                        claims: &groups[claim_mid..],
                        issues: second,
                        out: out_2,
                        found: &mut found,
                        tally: &mut tally_2,
                    },
                );
                (found, notes)
            });
            let notes = self.run_part(
                &checks,
                Part {
                    pms: &pms[..pm_mid],
                    claims: &groups[..claim_mid],
                    issues: first,
                    out: out_1,
                    found: findings,
                    tally,
                },
            );
            (
                notes,
                later.join().expect("the patient-month checks do not panic"),
            )
        });
        findings.extend(found_2);
        tally.merge(tally_2);
        add_notes(notes, notes_1.into_iter().chain(notes_2));
        // Reuses the list's memory (std collects a mapped `Vec` in place when the sizes match).
        const _: () = assert!(size_of::<Option<Outcome>>() == size_of::<Outcome>());
        slots
            .into_iter()
            .map(|o| o.expect("every patient-month has its outcome"))
            .collect()
    }

    /// One thread's patient-months, in order: each one's checks and outcomes, then, in
    /// verify mode, its claims. Returns the run-level notes raised.
    fn run_part(&self, checks: &Checks, part: Part) -> Vec<&'static str> {
        let Part {
            pms,
            claims,
            issues,
            out,
            found,
            tally,
        } = part;
        let mut state = MonthRun::default();
        let units = Units {
            pms,
            claims,
            at: (0, 0),
        };
        let mut untold = 0;
        for u in units {
            let from = found.len();
            for i in u.pms.clone() {
                out[i] =
                    Some(self.check_month(checks, &pms[i], issues[i].take(), &mut state, found));
            }
            untold += u.pms.len() as u64;
            if untold >= Self::TOLD_EVERY {
                self.meter.add(std::mem::take(&mut untold));
            }
            if let Some(verify) = self.claims {
                let groups = &claims[u.claims.clone()];
                let (patient, month) = match groups.first() {
                    Some(g) => (g.0.0, g.0.1),
                    None => (pms[u.pms.start].0.0, pms[u.pms.start].0.1),
                };
                let complex = self.companions.complex_months.contains(&(patient, month));
                let month = MonthClaims {
                    groups,
                    pms: &pms[u.pms.clone()],
                    outcomes: &out[u.pms],
                    complex,
                };
                verify.settle(&month, found, from, tally);
            }
        }
        state.notes
    }

    /// One patient-month: the view, the checks, billing's decision, the outcome. Each
    /// month's row lists are dropped once its findings are made.
    fn check_month(
        &self,
        checks: &Checks,
        (key, pm): &(Key, Pm),
        issues: Option<Box<RowIssues>>,
        state: &mut MonthRun,
        findings: &mut Vec<Finding>,
    ) -> Outcome {
        let (patient, month, npi, program) = *key;
        let (run, pms) = (self.run, self.pms);
        let (ds, rules, cfg) = (run.ds, run.rules, run.cfg);
        practitioners_of_month(pms, state, patient, month);
        let first_of_month = state.el003_done != Some((patient, month));
        state.el003_done = Some((patient, month));
        let mut rows = issues.as_deref().map(RowIssues::spread).unwrap_or_default();
        // The OV001 rows' minutes are the month's countable total.
        rows.of_mut(RowTag::CcmRows).secs = pm.total;
        let diagnoses = self.companions.diagnoses.of(patient);
        let conds = conditions(rules, diagnoses, month);
        let year = rules.for_month(month);
        let view = PatientMonth {
            patient: ds.patients.name(patient),
            month,
            npi,
            npi_name: ds.npi_name(npi),
            program,
            minutes: pm.minutes(),
            rows: &rows,
            consents: self.auditor.consents_of(patient),
            ccm_npis: &state.npis,
            previous_ccm: state.previous.map(|m| (m, state.previous_npis.as_slice())),
            ccm_minutes_same_npi: if program == Program::Pcm {
                pm_of(pms, &(patient, month, npi, Program::Ccm))
                    .map_or(0, |c| c.total.whole_minutes())
            } else {
                0
            },
            enrolments: self.companions.enrolments.of(patient),
            other_program_rows: self
                .other_programs
                .get(&(patient, month))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            diagnoses,
            conditions: &conds,
            first_of_month,
            first_care_plan: self.companions.first_plan.get(&patient).copied(),
            ccm_start: self.auditor.ccm_start.get(&patient).copied(),
            visits: self.companions.visits.of(patient),
            year,
            run,
        };
        let mut emit = Emit::new(&view, std::mem::take(&mut state.found));
        for check in &checks.per_month {
            check(&view, &mut emit);
        }
        clashes(&view, &mut emit);

        // Codes the minutes support, and what they pay.
        let window = MonthWindow::new(month, cfg.as_of);
        let complex = self.companions.complex_months.contains(&(patient, month));
        let mut sel = select(
            year,
            program.as_str(),
            pm.minutes(),
            month,
            cfg.dos,
            complex,
        );
        // In the month of the patient's death, no line is dated after it (CN008), and the
        // lines are priced on the day they are dated.
        if let (Some(s), Some(died)) = (sel.as_mut(), died_in(view.consents, month))
            && died < s.dos
        {
            s.date_on(year, died);
        }
        let (mut lines, payment, chosen, alternatives) = match &sel {
            Some(s) => (
                s.lines(&conds.claim_codes()),
                s.payment,
                Some(s.base.hcpcs.as_str().into()),
                s.alternatives.clone(),
            ),
            None => (Vec::new(), Money::ZERO, None, Vec::new()),
        };
        // In verify mode the claims file says what was filed; CD009 judges its lines.
        let late = sel
            .as_ref()
            .is_some_and(|s| window.held_as_late(s.dos, ds.claims.is_some()));
        let decision = Decision::new(
            sel.is_some(),
            emit.has_error() || self.global_error,
            window,
            complex,
            late,
            cfg.dos,
        )
        .with_nearest(year, program.as_str(), pm.minutes());
        for check in &checks.decided {
            check(&view, &decision, &mut emit);
        }
        let status = decision.status;
        if status != Status::Clean {
            lines.retain(|_| status == Status::Blocked);
        }
        add_notes(&mut state.notes, emit.notes.drain(..));
        let mut local = emit.into_findings();
        // Money at stake on the findings that hold the month.
        if status == Status::Blocked {
            for f in local.iter_mut().filter(|f| f.holds_month()) {
                f.amount = Some(payment);
            }
        }
        findings.append(&mut local);
        state.found = local;
        let mut outcome = Outcome {
            program,
            patient_id: view.patient.into(),
            month,
            billing_npi: view.npi_name.into(),
            minutes: pm.total.whole_minutes(),
            practitioner_minutes: pm.minutes().practitioner.whole_minutes(),
            complex,
            status,
            chosen,
            alternatives,
            lines,
            payment,
            window,
            shown: None,
        };
        if let Some(next) = worklist_next(year, &outcome) {
            outcome.shown = Some(Box::new(Shown {
                next: Some(Box::new(next)),
                why: Default::default(),
            }));
        }
        outcome
    }
}

/// The patient's recorded date of death when it falls in `month` (CN008).
fn died_in(consents: &[crate::domain::Consent], month: YearMonth) -> Option<chrono::NaiveDate> {
    crate::checks::consent::recorded_death(consents).filter(|d| YearMonth::of(*d) == month)
}

/// Adds run-level notes each once, in the order first raised.
fn add_notes(to: &mut Vec<&'static str>, notes: impl IntoIterator<Item = &'static str>) {
    for note in notes {
        if !to.contains(&note) {
            to.push(note);
        }
    }
}

/// The practitioners with CCM time in the patient-month, and in the patient's previous
/// month with CCM time, worked out once per patient-month (its programs share them).
fn practitioners_of_month(pms: &[(Key, Pm)], state: &mut MonthRun, patient: u32, month: YearMonth) {
    if state.npis_at == Some((patient, month)) {
        return;
    }
    state.npis_at = Some((patient, month));
    state.npis.clear();
    let at = pms.partition_point(|e| e.0 < (patient, month, 0, Program::Ccm));
    let with_ccm = |(k, pm): &&(Key, Pm)| k.3 == Program::Ccm && pm.total > Secs::ZERO;
    state.npis.extend(
        pms[at..]
            .iter()
            .take_while(|(k, _)| (k.0, k.1) == (patient, month))
            .filter(with_ccm)
            .map(|(k, _)| k.2),
    );
    // The patient's earlier patient-months sit just before, latest last.
    let earlier = pms[..at].iter().rev().take_while(|(k, _)| k.0 == patient);
    state.previous = earlier.clone().find(with_ccm).map(|(k, _)| k.1);
    state.previous_npis.clear();
    if let Some(prev) = state.previous {
        state.previous_npis.extend(
            earlier
                .skip_while(|(k, _)| k.1 != prev)
                .take_while(|(k, _)| k.1 == prev)
                .filter(with_ccm)
                .map(|(k, _)| k.2),
        );
        state.previous_npis.sort_unstable();
    }
}
