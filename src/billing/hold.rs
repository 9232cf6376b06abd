//! Which findings hold a patient-month, and where to fix them: decided once, after every
//! finding of the audit is made, and kept on the decision record (the outcome, or in verify
//! mode the held claim). The held list and the worklist read it; nothing works it out again.
//!
//! A finding holds the month it names by its severity and its check's declared effect
//! ([`Finding::holds_month`]), never by its code's spelling.

use super::{Outcome, Status};
use crate::domain::{Check, FastMap, Finding, Severity, YearMonth};

/// Why a patient-month (or a claim) is held, and where to fix it.
/// Kept on every record a list shows, so each list is held at its exact length.
#[derive(Clone, Debug, Default)]
pub struct Why {
    /// The error checks that hold it, each once, in catalogue order.
    pub reasons: Box<[&'static Check]>,
    /// The rows behind those errors: (file index, line), ascending, each once.
    pub fix_at: Box<[(u16, u64)]>,
    /// The warnings and row-level errors of the same patient-month and NPI (they do not
    /// hold it), each check once, in catalogue order.
    pub other: Box<[&'static Check]>,
}

/// A [`Why`] while it is gathered.
#[derive(Default)]
struct Building {
    reasons: Vec<&'static Check>,
    fix_at: Vec<(u16, u64)>,
    other: Vec<&'static Check>,
}

/// The findings of each patient-month, found by binary search: indices of the findings
/// with a patient and a month that are not info, sorted by (patient, month).
pub struct Holds<'a> {
    findings: &'a [Finding],
    by_pm: Vec<u32>,
    /// Where each patient-month's findings stand in `by_pm` (from, to).
    at: FastMap<(&'a str, YearMonth), (u32, u32)>,
    /// Run-wide errors (no patient): a missing consents or diagnoses file holds every month;
    /// a run-wide error of one month (CD009) holds that month.
    global: Vec<&'a Finding>,
    /// A check's place in the catalogue (the order reasons are given in).
    rank: &'a dyn Fn(&'static Check) -> usize,
}

impl<'a> Holds<'a> {
    /// Indexes `findings` (ordered by patient and month already: the sort is then one
    /// pass). `rank` is a check's place in the catalogue.
    pub fn new(findings: &'a [Finding], rank: &'a dyn Fn(&'static Check) -> usize) -> Holds<'a> {
        let mut by_pm: Vec<u32> = Vec::new();
        let mut global = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            if f.severity == Severity::Info {
                continue;
            }
            if f.patient_id.is_empty() {
                if f.holds_month() {
                    global.push(f);
                }
            } else if f.month.is_some() {
                by_pm.push(i as u32);
            }
        }
        let key = |i: &u32| {
            let f = &findings[*i as usize];
            (f.patient_id.as_str(), f.month)
        };
        by_pm.sort_by(|a, b| key(a).cmp(&key(b)));
        let mut at: FastMap<(&'a str, YearMonth), (u32, u32)> = FastMap::default();
        let mut from = 0;
        for run in by_pm.chunk_by(|a, b| key(a) == key(b)) {
            let f = &findings[run[0] as usize];
            if let Some(m) = f.month {
                at.insert((f.patient_id.as_str(), m), (from, from + run.len() as u32));
            }
            from += run.len() as u32;
        }
        Holds {
            findings,
            by_pm,
            at,
            global,
            rank,
        }
    }

    /// The findings of one patient-month.
    fn of<'s>(
        &'s self,
        patient: &'s str,
        month: YearMonth,
    ) -> impl Iterator<Item = &'a Finding> + 's {
        let (from, to) = self.at.get(&(patient, month)).copied().unwrap_or((0, 0));
        self.by_pm[from as usize..to as usize]
            .iter()
            .map(|&i| &self.findings[i as usize])
    }

    /// Why a patient-month and practitioner is held: the holding errors of that NPI (or of
    /// none), of one of `programs` (or of none); failing that, of any NPI and program of
    /// the patient-month; and the run-wide ones of every month or of this one.
    pub fn why(&self, patient: &str, month: YearMonth, npi: &str, programs: &[&str]) -> Why {
        let mine = |f: &&Finding| {
            (f.billing_npi.is_empty() || f.billing_npi == npi)
                && (f.program.is_empty() || programs.contains(&f.program.as_str()))
        };
        let mut why = Building::default();
        let add = |f: &Finding, why: &mut Building| {
            if f.holds_month() {
                if !why.reasons.iter().any(|c| c.code == f.check.code) {
                    why.reasons.push(f.check);
                }
                if let Some(file) = f.file {
                    why.fix_at.extend(f.lines.iter().map(|&l| (file, l)));
                    if f.lines.is_empty() {
                        why.fix_at.push((file, 0));
                    }
                }
            } else if !why.other.iter().any(|c| c.code == f.check.code) {
                why.other.push(f.check);
            }
        };
        for f in self.of(patient, month).filter(mine) {
            add(f, &mut why);
        }
        if why.reasons.is_empty() {
            for f in self.of(patient, month).filter(|f| f.holds_month()) {
                add(f, &mut why);
            }
        }
        for f in self
            .global
            .iter()
            .filter(|f| f.month.is_none_or(|m| m == month))
        {
            add(f, &mut why);
        }
        why.reasons.sort_by_key(|c| (self.rank)(c));
        why.other.sort_by_key(|c| (self.rank)(c));
        why.fix_at.sort_unstable();
        why.fix_at.dedup();
        Why {
            reasons: why.reasons.into_boxed_slice(),
            fix_at: why.fix_at.into_boxed_slice(),
            other: why.other.into_boxed_slice(),
        }
    }

    /// The outcome's reasons, kept on it when a list reads them: a month held in derive
    /// mode (the held list), a month still in progress (the worklist). In verify mode the
    /// held list reads the held claims' reasons instead.
    pub fn explain(&self, o: &mut Outcome, derive: bool) {
        if (derive && o.status == Status::Blocked) || o.window.in_progress() {
            let why = self.why(
                &o.patient_id,
                o.month,
                &o.billing_npi,
                &[o.program.as_str()],
            );
            o.shown.get_or_insert_default().why = why;
        }
    }
}
