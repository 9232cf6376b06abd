//! What an audit decides: the findings, an outcome per patient-month and practitioner,
//! the claim lines that go out, verify mode's totals, and every input row accounted for.
//! Result types only; [`crate::engine`] computes them.

use crate::checks::row_state::RowState;
use crate::checks::time::Lost;
use crate::domain::{Finding, Kind, Money, RoleClass, Severity, Text, TimeRow, YearMonth};
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub use crate::billing::{ClaimLine, Outcome, Status};
pub use crate::config::{AuditConfig, DosMode};

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
    /// Years audited without rules of their own, and the year whose rules priced them.
    pub estimated_years: BTreeMap<i32, i32>,
    /// Verify mode (a claims file was given).
    pub verify: Option<Verify>,
    /// The traced patient's time-log rows: state, and the minutes lost to overlaps.
    pub(crate) traced: Vec<(TimeRow, RowState, Lost)>,
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
    /// Each held claim (patient, month, NPI): what its lines claim, and how many lines.
    pub held: Vec<HeldClaim>,
    /// Claims (patient-month and NPI groups of lines) that go out.
    pub claims_out: usize,
    /// What each line of the claims file claims, by index: its units at the national
    /// amount, for the lines of the programs verify checks; `None` for other lines (they
    /// are not priced). Decided once in verify; the held list reads it.
    pub line_claimed: Vec<Option<Money>>,
    /// What the evidence supports of each line, by index: its units the minutes support
    /// (at most its own) at the national amount, whatever else holds its claim; `None` for
    /// a line not judged on the evidence (device lines, codes without a base, other
    /// programs). Read by the lookback's proposals ([`crate::lookback::evidence`]).
    pub line_supported: Vec<Option<Money>>,
}

/// A patient-month and practitioner's claim lines held by an error.
#[derive(Debug, Clone)]
pub struct HeldClaim {
    pub patient_id: Text,
    pub month: YearMonth,
    pub billing_npi: Text,
    /// Its lines, as indices into the claims file's valid lines, in file order.
    pub lines: Vec<usize>,
    /// The programs its lines bill (by ccm's tables: codes.csv, else clashes.csv), sorted:
    /// only findings of these programs, or of none, hold it.
    pub programs: Vec<&'static str>,
    pub claimed: Money,
    /// Why it is held, and where to fix it, once every finding is made
    /// ([`crate::billing::Holds`]).
    pub why: crate::billing::Why,
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
    /// The worst severity among the findings a baseline does not waive, if any: what
    /// `--fail-on` reads.
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| !f.waived)
            .map(|f| f.severity)
            .max()
    }
}
