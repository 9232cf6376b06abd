//! The evidence gathered per patient-month as rows stream: countable minutes, minutes per
//! day, and the rows behind each row-level finding; and how those rows become findings.

use super::Key;
use crate::billing::MonthMinutes;
use crate::domain::{Consent, Diagnosis, Enrolment, Finding, Visit};
use chrono::NaiveDate;

/// Rows behind one finding: (file, line) pairs and the minutes concerned.
#[derive(Default, Debug)]
pub(super) struct Acc {
    pub(super) at: Vec<(u16, u64)>,
    pub(super) minutes: u32,
}

/// Accumulated evidence for one patient, month and billing NPI: 40 bytes, plus the rows
/// behind any finding, allocated only for the months that have one.
#[derive(Default, Debug)]
pub(super) struct Pm {
    pub(super) total: u32,
    pub(super) prac: u32,
    /// Countable minutes per day: (date, all, practitioner); kept only when a date of
    /// service at the threshold or verify mode needs them.
    pub(super) days: Vec<(NaiveDate, u32, u32)>,
    pub(super) issues: Option<Box<RowIssues>>,
}

impl Pm {
    pub(super) fn minutes(&self) -> MonthMinutes<'_> {
        MonthMinutes {
            total: self.total,
            practitioner: self.prac,
            days: &self.days,
        }
    }
    pub(super) fn issues(&mut self) -> &mut RowIssues {
        self.issues.get_or_insert_with(Box::default)
    }
}

/// The rows behind a patient-month's row-level findings as they are gathered: one list
/// tagged by kind (56 bytes when boxed, against 256 for eight separate lists; at 500k
/// patients that is 70 MB), spread into [`Issues`] when the month's findings are made.
#[derive(Default, Debug)]
pub(super) struct RowIssues {
    pub(super) at: Vec<(u8, u16, u64)>,
    /// Minutes per kind, for the kinds before [`ISS_CCM_ROWS`].
    pub(super) minutes: [u32; 8],
}

pub(super) const ISS_NO_CONSENT: u8 = 0;
pub(super) const ISS_OTHER_NPI: u8 = 1;
pub(super) const ISS_REVOKED: u8 = 2;
pub(super) const ISS_BEFORE: u8 = 3;
pub(super) const ISS_NON_CLINICAL: u8 = 4;
pub(super) const ISS_OVERLAP: u8 = 5;
pub(super) const ISS_TWICE: u8 = 6;
pub(super) const ISS_VAGUE: u8 = 7;
/// A CCM row with countable minutes, in a patient-month with CCM slots under several NPIs
/// (the rows behind OV001). Its minutes are the month's countable total, not kept again.
pub(super) const ISS_CCM_ROWS: u8 = 8;

impl RowIssues {
    pub(super) fn add(&mut self, kind: u8, at: (u16, u64), minutes: u32) {
        self.at.push((kind, at.0, at.1));
        self.minutes[kind as usize] += minutes;
    }

    pub(super) fn add_ccm_row(&mut self, at: (u16, u64)) {
        self.at.push((ISS_CCM_ROWS, at.0, at.1));
    }

    pub(super) fn spread(&self) -> Issues {
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
pub(super) struct Issues {
    pub(super) no_consent: Acc,
    pub(super) other_npi: Acc,
    pub(super) revoked: Acc,
    pub(super) before: Acc,
    pub(super) non_clinical: Acc,
    pub(super) overlap: Acc,
    pub(super) twice: Acc,
    pub(super) vague: Acc,
    /// Its minutes are left at zero: they are the month's total.
    pub(super) ccm_rows: Acc,
}

impl Issues {
    pub(super) fn acc(&mut self, kind: u8) -> &mut Acc {
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

/// Where a patient-month stands in the list sorted by key (its outcome stands there too).
pub(super) fn pm_index(pms: &[(Key, Pm)], key: &Key) -> Option<usize> {
    pms.binary_search_by_key(key, |e| e.0).ok()
}

/// A patient-month's evidence in the list sorted by key.
pub(super) fn pm_of<'a>(pms: &'a [(Key, Pm)], key: &Key) -> Option<&'a Pm> {
    pm_index(pms, key).map(|i| &pms[i].1)
}

/// For a list sorted by patient (given as its patient ids), each patient's (start, count)
/// in it, indexed by patient id up to the last one present.
pub(super) fn patient_ranges(sorted: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
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
pub(super) struct ByPatient<'a, T> {
    pub(super) items: Vec<&'a T>,
    pub(super) range: Vec<(u32, u32)>,
}

impl<'a, T: HasPatient> ByPatient<'a, T> {
    pub(super) fn new(items: Option<&'a [T]>) -> Self {
        let mut items: Vec<&T> = items.unwrap_or(&[]).iter().collect();
        items.sort_by_key(|t| t.patient());
        let range = patient_ranges(items.iter().map(|t| t.patient()));
        ByPatient { items, range }
    }

    pub(super) fn of(&self, patient: u32) -> &[&'a T] {
        match self.range.get(patient as usize) {
            Some(&(from, n)) => &self.items[from as usize..(from + n) as usize],
            None => &[],
        }
    }
}

pub(super) trait HasPatient {
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
pub(super) fn push_acc(out: &mut Vec<Finding>, acc: &Acc, make: impl Fn(usize, u32) -> Finding) {
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
pub(super) fn push_cited(
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
