//! The evidence gathered per patient-month as rows stream: countable minutes, minutes per
//! day, and the rows behind each row-level finding.

use super::Key;
use crate::billing::MonthMinutes;
use crate::checks::row_state::RowTag;
use crate::checks::scope::TaggedRows;
use crate::domain::{Consent, Diagnosis, Enrolment, Secs, Visit};
use chrono::NaiveDate;

/// Accumulated evidence for one patient, month and billing NPI: 64 bytes, plus the rows
/// behind any finding, allocated only for the months that have one.
#[derive(Default, Debug)]
pub(super) struct Pm {
    pub(super) total: Secs,
    /// The billing practitioner's own time, as a performer NPI says.
    pub(super) prac: Secs,
    /// Countable time per day: (date, all, practitioner); kept only when a date of
    /// service at the threshold or verify mode needs them.
    pub(super) days: Vec<(NaiveDate, Secs, Secs)>,
    pub(super) issues: Option<Box<RowIssues>>,
    /// Practitioners' time that no performer NPI attributes, folded as it comes: the staff
    /// pass brings one staff member's rows at a time, so the member being added up, their
    /// time so far, and the largest finished member's time are all it takes; no list.
    unnamed: Unnamed,
}

/// The fold of unnamed practitioners' time: 18 bytes, no allocation.
#[derive(Default, Debug)]
struct Unnamed {
    /// The staff member being added up (meaningful when `count` > 0).
    staff: u32,
    now: Secs,
    /// The largest time of the members finished before `staff`.
    largest: Secs,
    /// All of them together (what pooling them would count).
    sum: Secs,
    /// How many members had such time.
    count: u16,
}

impl Pm {
    /// Adds a practitioner's time that no performer NPI attributes. Each staff member's
    /// rows come together (the staff pass goes one member at a time).
    pub(super) fn add_unnamed(&mut self, staff: u32, secs: Secs) {
        let u = &mut self.unnamed;
        if u.count == 0 || u.staff != staff {
            u.largest = u.largest.max(u.now);
            u.now = Secs::ZERO;
            u.staff = staff;
            u.count = u.count.saturating_add(1);
        }
        u.now += secs;
        u.sum += secs;
    }
    pub(super) fn minutes(&self) -> MonthMinutes<'_> {
        let u = &self.unnamed;
        // The billing practitioner's own time: their named rows; with none, the largest
        // unnamed practitioner's (one practitioner alone is taken to be the billing one).
        // Unnamed time is never added to a named billing practitioner's: whose it is, is
        // not known (TM007 says when that changes what may be billed).
        let own = if self.prac > Secs::ZERO {
            self.prac
        } else {
            u.largest.max(u.now)
        };
        MonthMinutes {
            total: self.total,
            practitioner: own,
            practitioner_pooled: self.prac + u.sum,
            unnamed_practitioners: u32::from(u.count),
            days: &self.days,
        }
    }
    pub(super) fn issues(&mut self) -> &mut RowIssues {
        self.issues.get_or_insert_with(Box::default)
    }
    /// Adds a row's countable minutes to its day (kept only when needed).
    pub(super) fn add_day(&mut self, date: NaiveDate, all: Secs, practitioner: Secs) {
        match self.days.iter_mut().find(|d| d.0 == date) {
            Some(d) => {
                d.1 += all;
                d.2 += practitioner;
            }
            None => self.days.push((date, all, practitioner)),
        }
    }
}

/// The rows behind a patient-month's row-level findings as they are gathered: one list
/// tagged by [`RowTag`] (56 bytes when boxed, against 256 for eight separate lists; at 500k
/// patients that is 70 MB), spread into [`TaggedRows`] when the month's findings are made.
#[derive(Default, Debug)]
pub(super) struct RowIssues {
    pub(super) at: Vec<(u8, u16, u64)>,
    /// Time per tag but the last ([`RowTag::CcmRows`], whose time is the month's total,
    /// not kept here).
    pub(super) secs: [Secs; RowTag::COUNT - 1],
}

impl RowIssues {
    pub(super) fn add(&mut self, tag: RowTag, at: (u16, u64), secs: Secs) {
        self.at.push((tag as u8, at.0, at.1));
        debug_assert!(tag != RowTag::CcmRows, "OV001 rows carry no minutes");
        self.secs[tag as usize] += secs;
    }

    pub(super) fn add_ccm_row(&mut self, at: (u16, u64)) {
        self.at.push((RowTag::CcmRows as u8, at.0, at.1));
    }

    pub(super) fn spread(&self) -> TaggedRows {
        let mut out = TaggedRows::default();
        for &(tag, file, line) in &self.at {
            out.of_mut(RowTag::from_u8(tag)).at.push((file, line));
        }
        for (tag, &s) in self.secs.iter().enumerate() {
            out.of_mut(RowTag::from_u8(tag as u8)).secs = s;
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_practitioners_count_the_largest_single_one() {
        let mut pm = Pm {
            prac: Secs(60),
            ..Pm::default()
        };
        // The staff pass brings each member's rows together: 7 (10 + 5 min), 3 (12), 9 (3).
        for (staff, secs) in [(7, 600), (7, 300), (3, 720), (9, 180)] {
            pm.add_unnamed(staff, Secs(secs));
        }
        let m = pm.minutes();
        assert_eq!(m.unnamed_practitioners, 3);
        // The billing practitioner's named minute only: the unnamed time is no one's known.
        assert_eq!(m.practitioner, Secs(60));
        assert_eq!(m.practitioner_pooled, Secs(60 + 1800));
        // With no named minute, the largest unnamed (15 min); the last member is the
        // largest: the fold still sees it.
        pm.prac = Secs::ZERO;
        assert_eq!(pm.minutes().practitioner, Secs(900));
        pm.add_unnamed(4, Secs(1200));
        assert_eq!(pm.minutes().practitioner, Secs(1200));
        assert_eq!(pm.minutes().unnamed_practitioners, 4);
        assert_eq!(std::mem::size_of::<Pm>(), 64);
        assert_eq!(Pm::default().minutes().unnamed_practitioners, 0);
        assert_eq!(Pm::default().minutes().practitioner, Secs::ZERO);
    }
}
