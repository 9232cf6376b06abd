//! What the engine keeps of each time-log row for the cross-row checks: 32 bytes.

use crate::checks::row_state::Cover;
use crate::domain::RoleClass;
use chrono::NaiveDate;

pub(super) const F_PRACTITIONER: u8 = 1;
pub(super) const F_NOTE_MISSING: u8 = 2;
pub(super) const F_NOTE_VAGUE: u8 = 4;
/// A practitioner's row known to be the billing practitioner's own time.
pub(super) const F_PERF_BILLING: u8 = 8;
/// A practitioner's row known to be another practitioner's time.
pub(super) const F_PERF_OTHER: u8 = 16;

/// What the cross-row checks (duplicates, overlaps, day totals) keep of one row in the
/// audited months: 32 bytes, no text (the staff member is the list it sits in).
#[derive(Clone, Copy, Debug)]
pub(super) struct Slim {
    pub(super) fp: u64,
    /// Index of the row's patient-month-NPI-program slot.
    pub(super) slot: u32,
    /// Days from the common era (as `NaiveDate::num_days_from_ce`).
    pub(super) date: i32,
    pub(super) line: u32,
    pub(super) file: u16,
    pub(super) start: u16,
    pub(super) end: u16,
    pub(super) secs: crate::domain::Secs,
    pub(super) cover: Cover,
    pub(super) flags: u8,
}

const _: () = assert!(std::mem::size_of::<Slim>() == 32);

impl Slim {
    pub(super) fn has_interval(&self) -> bool {
        self.start != crate::domain::NO_TIME && self.end != crate::domain::NO_TIME
    }
    pub(super) fn naive_date(&self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.date).unwrap_or_default()
    }
    pub(super) fn role(&self) -> RoleClass {
        if self.cover == Cover::NonClinical {
            RoleClass::NonClinical
        } else if self.flags & F_PRACTITIONER != 0 {
            RoleClass::Practitioner
        } else {
            RoleClass::Clinical
        }
    }
    pub(super) fn is_practitioner(&self) -> bool {
        self.flags & F_PRACTITIONER != 0
    }
    /// Whose time a practitioner's row is, as the inputs say.
    pub(super) fn performer(&self) -> crate::domain::Performer {
        if self.flags & F_PERF_BILLING != 0 {
            crate::domain::Performer::Billing
        } else if self.flags & F_PERF_OTHER != 0 {
            crate::domain::Performer::Other
        } else {
            crate::domain::Performer::Unknown
        }
    }
    pub(super) fn note_ok(&self) -> bool {
        self.flags & (F_NOTE_MISSING | F_NOTE_VAGUE) == 0
    }
}
