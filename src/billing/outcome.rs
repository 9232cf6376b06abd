//! What billing decides for a patient-month: its status, the claim lines the evidence
//! supports, and what they pay.

use crate::domain::{Money, Program, Text, YearMonth};
use chrono::NaiveDate;

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
    /// The calendar year whose rules and fees priced the line (another year's when the
    /// line's own year has none: an estimate, said on the line).
    pub rules_year: i32,
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
    pub program: Program,
    pub patient_id: Text,
    pub month: YearMonth,
    pub billing_npi: Text,
    /// Countable CCM minutes (clinical staff and practitioners).
    pub minutes: u32,
    /// Of those, the billing practitioner's own minutes (99491/99437).
    pub practitioner_minutes: u32,
    /// Complex CCM may be billed: moderate or high MDM on a care-plan event that month.
    pub complex: bool,
    pub status: Status,
    /// Base code of the family chosen, and the others the evidence also supported.
    pub chosen: Option<Text>,
    pub alternatives: Vec<Text>,
    /// Lines the evidence supports (sent only when clean).
    pub lines: Vec<ClaimLine>,
    /// What those lines would pay.
    pub payment: Money,
    /// The month on the as-of date (open, in progress, days left).
    pub window: super::MonthWindow,
    /// What a list shows of the month, decided once: kept only for a month the held list
    /// or the worklist shows (most months are neither, and carry nothing).
    pub shown: Option<Box<Shown>>,
}

/// What the lists read of a month they show.
#[derive(Clone, Debug, Default)]
pub struct Shown {
    /// A month in progress: the next block of minutes that raises what it pays (the
    /// worklist's), decided once ([`super::worklist_next`]).
    pub next: Option<Box<super::Next>>,
    /// Why the month is held, and where to fix it, once every finding is made
    /// ([`super::Holds::explain`]).
    pub why: super::Why,
}

impl Outcome {
    /// The next paying block, for a month in progress ([`Shown::next`]).
    pub fn next(&self) -> Option<&super::Next> {
        self.shown.as_ref()?.next.as_deref()
    }
    /// Why the month is held ([`Shown::why`]); `None` for a month no list shows.
    pub fn why(&self) -> Option<&super::Why> {
        self.shown.as_ref().map(|s| &s.why)
    }
}
