//! What the user asked of an audit, validated: plain data the core reads.

use crate::domain::YearMonth;
use crate::rules::Policy;
use chrono::NaiveDate;

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
    /// Price at the qualifying-APM conversion factor where a year has one (`--apm`).
    pub apm: bool,
}

impl AuditConfig {
    /// Whether a row or claim line dated `date` is audited: every date, or with `--month`
    /// that month's alone (the others are excluded as `outside-month`, time-log rows and
    /// claim lines alike).
    pub fn audits(&self, date: chrono::NaiveDate) -> bool {
        self.month.is_none_or(|m| m.contains(date))
    }
}
