//! The run's figures, whole and by month: what summary.json holds and the table shows.

use crate::audit::{Audit, AuditConfig, DosMode, Status};
use crate::checks::Severity;
use crate::domain::{Dataset, YearMonth, money_str};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct FileSummary {
    pub(super) file: String,
    pub(super) kind: &'static str,
    pub(super) rows_read: u64,
    pub(super) rows_counted: u64,
    pub(super) rows_excluded: u64,
    pub(super) excluded_by_reason: BTreeMap<String, u64>,
    /// The header (as written) that fed each field ccm read.
    pub(super) columns: BTreeMap<&'static str, String>,
    /// How the file was read: format, encoding, delimiter, header line, and every repair
    /// or inference made.
    pub(super) read_as: ReadAsSummary,
}

#[derive(Serialize)]
pub struct ReadAsSummary {
    pub(super) format: &'static str,
    pub(super) encoding: &'static str,
    pub(super) delimiter: Option<String>,
    pub(super) header_line: u64,
    pub(super) lines_skipped_above: u64,
    pub(super) date_order: Option<&'static str>,
    pub(super) notes: Vec<String>,
}

impl From<&crate::domain::ReadAs> for ReadAsSummary {
    fn from(r: &crate::domain::ReadAs) -> Self {
        ReadAsSummary {
            format: r.format,
            encoding: r.encoding,
            delimiter: r.delimiter.map(|d| {
                if d == b'\t' {
                    "\\t".to_string()
                } else {
                    (d as char).to_string()
                }
            }),
            header_line: r.header_line,
            lines_skipped_above: r.lines_skipped_above,
            date_order: r.date_order,
            notes: r.notes.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct MonthSummary {
    pub(super) month: String,
    pub(super) patient_months: usize,
    pub(super) clean_claim_lines: usize,
    pub(super) expected_payment: String,
    pub(super) amount_blocked: String,
    pub(super) amount_at_risk: String,
    pub(super) amount_unbilled: String,
    pub(super) errors_by_code: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
pub struct Summary {
    /// `super::json::SUMMARY_SCHEMA_VERSION`, first.
    pub(super) schema_version: u32,
    pub(super) ccm_version: &'static str,
    pub(super) as_of: String,
    pub(super) policy: &'static str,
    pub(super) date_of_service: &'static str,
    pub(super) rules: String,
    pub(super) months: Vec<String>,
    pub(super) files: Vec<FileSummary>,
    pub(super) patients: usize,
    pub(super) patient_months: usize,
    pub(super) months_clean: usize,
    pub(super) months_blocked: usize,
    pub(super) months_below_threshold: usize,
    pub(super) months_open: usize,
    pub(super) mode: &'static str,
    pub(super) clean_claim_lines: usize,
    pub(super) expected_payment: String,
    pub(super) amount_blocked: String,
    pub(super) amount_unbilled: String,
    /// Verify mode only: what the claims file claims, what of it goes out, what is held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) claimed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) supported: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) amount_at_risk: Option<String>,
    /// Verify mode only: claim lines held by an error (`clean_claim_lines` go out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) claim_lines_held: Option<usize>,
    /// Verify mode only: claims (a patient-month and NPI's lines) going out, and held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) claims_going_out: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) claims_held: Option<usize>,
    pub(super) by_month: Vec<MonthSummary>,
    pub(super) findings_by_severity: BTreeMap<&'static str, usize>,
    pub(super) findings_by_code: BTreeMap<&'static str, usize>,
    /// Findings a waiver of `--baseline` accepts (counted above too; not for `--fail-on`).
    pub(super) findings_waived: usize,
    pub(super) notes: Vec<String>,
    /// Years with no rules of their own: the year whose rules and fees were used instead.
    pub(super) estimated_years: BTreeMap<String, i32>,
}

pub fn summary(ds: &Dataset, audit: &Audit, cfg: &AuditConfig, rules_origin: &str) -> Summary {
    let count = |s: Status| audit.outcomes.iter().filter(|o| o.status == s).count();
    let mut by_sev = BTreeMap::new();
    let mut by_code = BTreeMap::new();
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        by_sev.insert(sev.as_str(), 0);
    }
    for f in &audit.findings {
        *by_sev.entry(f.severity.as_str()).or_default() += 1;
        *by_code.entry(f.check.code).or_default() += 1;
    }
    Summary {
        schema_version: super::json::SUMMARY_SCHEMA_VERSION,
        ccm_version: env!("CARGO_PKG_VERSION"),
        as_of: cfg.as_of.to_string(),
        policy: cfg.policy.as_str(),
        date_of_service: match cfg.dos {
            DosMode::MonthEnd => "month-end",
            DosMode::Threshold => "threshold",
        },
        rules: rules_origin.to_string(),
        months: audit.months.iter().map(|m| m.to_string()).collect(),
        files: audit
            .recon
            .iter()
            .zip(&ds.files)
            .map(|(r, f)| FileSummary {
                file: r.file.clone(),
                kind: r.kind.as_str(),
                rows_read: r.rows_read,
                rows_counted: r.counted,
                rows_excluded: r.excluded_total(),
                excluded_by_reason: r.excluded.clone(),
                columns: f.columns.iter().cloned().collect(),
                read_as: (&f.read).into(),
            })
            .collect(),
        patients: audit.patients(),
        patient_months: audit.patient_months(),
        months_clean: count(Status::Clean),
        months_blocked: count(Status::Blocked),
        months_below_threshold: count(Status::BelowThreshold),
        months_open: count(Status::Open),
        mode: if audit.verify.is_some() {
            "verify"
        } else {
            "derive"
        },
        clean_claim_lines: match (&audit.verify, &ds.claims) {
            (Some(v), Some(_)) => v.clean.len(),
            _ => audit.claims().count(),
        },
        // Verify mode: what goes out is the claims file's clean lines.
        expected_payment: money_str(
            audit
                .verify
                .as_ref()
                .map_or_else(|| audit.expected_payment(), |v| v.supported),
        ),
        amount_blocked: money_str(audit.blocked_amount()),
        amount_unbilled: money_str(
            audit
                .verify
                .as_ref()
                .map(|v| v.left_unbilled)
                .unwrap_or_default(),
        ),
        claimed: audit.verify.as_ref().map(|v| money_str(v.claimed)),
        supported: audit.verify.as_ref().map(|v| money_str(v.supported)),
        amount_at_risk: audit.verify.as_ref().map(|v| money_str(v.at_risk)),
        claim_lines_held: audit
            .verify
            .as_ref()
            .map(|v| v.held.iter().map(|h| h.lines.len()).sum()),
        claims_going_out: audit.verify.as_ref().map(|v| v.claims_out),
        claims_held: audit.verify.as_ref().map(|v| v.held.len()),
        by_month: by_month(ds, audit),
        findings_by_severity: by_sev,
        findings_by_code: by_code,
        findings_waived: audit.findings.iter().filter(|f| f.waived).count(),
        notes: audit.notes.clone(),
        estimated_years: audit
            .estimated_years
            .iter()
            .map(|(y, used)| (y.to_string(), *used))
            .collect(),
    }
}

/// One row per month audited and, in verify mode, per month the claims file bills.
fn by_month(ds: &Dataset, audit: &Audit) -> Vec<MonthSummary> {
    let mut months: Vec<YearMonth> = audit.months.clone();
    if let Some(v) = &audit.verify {
        months.extend(v.by_month.keys().copied());
    }
    months.sort_unstable();
    months.dedup();
    months
        .into_iter()
        .map(|m| {
            let outs = audit.outcomes.iter().filter(|o| o.month == m);
            let mut pms: Vec<&str> = outs.clone().map(|o| o.patient_id.as_str()).collect();
            pms.sort_unstable();
            pms.dedup();
            let clean = outs.clone().filter(|o| o.status == Status::Clean);
            let blocked: Decimal = outs
                .clone()
                .filter(|o| o.status == Status::Blocked)
                .map(|o| o.payment)
                .sum();
            let mut errors = BTreeMap::new();
            for f in audit
                .findings
                .iter()
                .filter(|f| f.month == Some(m) && f.severity == Severity::Error)
            {
                *errors.entry(f.check.code).or_default() += 1;
            }
            // Verify mode, as the run's figures: what goes out is the claims file's clean
            // lines, what they claim (claimed less at risk: a claim is one or the other),
            // not what the evidence would derive.
            let (lines, expected, at_risk, unbilled) = match (&audit.verify, &ds.claims) {
                (Some(v), Some(cf)) => {
                    let (claimed, at_risk, unbilled) =
                        v.by_month.get(&m).copied().unwrap_or_default();
                    let n = v
                        .clean
                        .iter()
                        .filter(|&&i| YearMonth::of(cf.claims[i].date_of_service) == m)
                        .count();
                    (n, claimed - at_risk, at_risk, unbilled)
                }
                _ => (
                    clean.clone().map(|o| o.lines.len()).sum(),
                    clean.map(|o| o.payment).sum(),
                    Decimal::ZERO,
                    Decimal::ZERO,
                ),
            };
            MonthSummary {
                month: m.to_string(),
                patient_months: pms.len(),
                clean_claim_lines: lines,
                expected_payment: money_str(expected),
                amount_blocked: money_str(blocked),
                amount_at_risk: money_str(at_risk),
                amount_unbilled: money_str(unbilled),
                errors_by_code: errors,
            }
        })
        .collect()
}
