//! Rendering: an [`Audit`] into bytes (table, CSV, JSON). Writers only; the shell decides
//! where the bytes go.

use crate::audit::{Audit, AuditConfig, Status};
use crate::checks::{Finding, Severity};
use crate::domain::Dataset;
use crate::domain::{Text, money_str};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Column order of findings.csv and of each finding in JSON.
pub const FINDING_COLUMNS: [&str; 12] = [
    "code",
    "name",
    "severity",
    "patient_id",
    "month",
    "billing_npi",
    "program",
    "file",
    "line",
    "message",
    "minutes",
    "amount",
];

pub const CLAIM_COLUMNS: [&str; 12] = [
    "patient_id",
    "billing_npi",
    "month",
    "date_of_service",
    "hcpcs",
    "units",
    "dx1",
    "dx2",
    "dx3",
    "dx4",
    "minutes",
    "expected_payment",
];

/// A cell a spreadsheet would run as a formula gets a leading `'`.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

#[derive(Serialize)]
pub struct FindingRecord<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    patient_id: &'a str,
    month: String,
    billing_npi: &'a str,
    program: &'a str,
    file: &'a str,
    line: String,
    message: &'a str,
    minutes: Option<u32>,
    amount: Option<String>,
}

fn record<'a>(ds: &'a Dataset, f: &'a Finding) -> FindingRecord<'a> {
    FindingRecord {
        code: f.check.code,
        name: f.check.name,
        severity: f.severity.as_str(),
        patient_id: &f.patient_id,
        month: f.month.map(|m| m.to_string()).unwrap_or_default(),
        billing_npi: &f.billing_npi,
        program: &f.program,
        file: f.file.map(|i| ds.file_name(i)).unwrap_or(""),
        line: {
            let mut s = String::with_capacity(f.lines.len() * 8);
            for (i, l) in f.lines.iter().enumerate() {
                if i > 0 {
                    s.push(';');
                }
                let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{l}"));
            }
            s
        },
        message: &f.message,
        minutes: f.minutes,
        amount: f.amount.map(money_str),
    }
}

pub fn write_findings_csv(w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(FINDING_COLUMNS)?;
    for f in &audit.findings {
        let r = record(ds, f);
        let minutes = r.minutes.map(|m| m.to_string()).unwrap_or_default();
        let amount = r.amount.unwrap_or_default();
        out.write_record([
            r.code,
            r.name,
            r.severity,
            &safe_cell(r.patient_id),
            &r.month,
            &safe_cell(r.billing_npi),
            &safe_cell(r.program),
            &safe_cell(r.file),
            &r.line,
            &safe_cell(r.message),
            &minutes,
            &amount,
        ])?;
    }
    out.flush()
}

/// The clean claims file. Verify mode: the claims file's own header and the lines that go
/// out, byte for byte. Derive mode: the lines ccm proposes.
pub fn write_claims_csv(mut w: impl Write, ds: &Dataset, audit: &Audit) -> io::Result<()> {
    if let (Some(v), Some(cf)) = (&audit.verify, &ds.claims) {
        w.write_all(&cf.header_raw)?;
        for &i in &v.clean {
            w.write_all(&cf.claims[i].raw)?;
        }
        return w.flush();
    }
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CLAIM_COLUMNS)?;
    for c in audit.claims() {
        let dx = |i: usize| c.dx.get(i).map(Text::as_str).unwrap_or("");
        out.write_record([
            &*safe_cell(c.patient_id),
            c.billing_npi,
            &c.month.to_string(),
            &c.date_of_service.to_string(),
            &c.hcpcs,
            &c.units.to_string(),
            dx(0),
            dx(1),
            dx(2),
            dx(3),
            &c.minutes.to_string(),
            &money_str(c.expected_payment),
        ])?;
    }
    out.flush()
}

#[derive(Serialize)]
pub struct FileSummary {
    file: String,
    kind: &'static str,
    rows_read: u64,
    rows_counted: u64,
    rows_excluded: u64,
    excluded_by_reason: BTreeMap<String, u64>,
}

#[derive(Serialize)]
pub struct MonthSummary {
    month: String,
    patient_months: usize,
    clean_claim_lines: usize,
    expected_payment: String,
    amount_blocked: String,
    amount_at_risk: String,
    amount_unbilled: String,
    errors_by_code: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
pub struct Summary {
    ccm_version: &'static str,
    as_of: String,
    policy: &'static str,
    date_of_service: &'static str,
    rules: String,
    months: Vec<String>,
    files: Vec<FileSummary>,
    patients: usize,
    patient_months: usize,
    months_clean: usize,
    months_blocked: usize,
    months_below_threshold: usize,
    months_open: usize,
    mode: &'static str,
    clean_claim_lines: usize,
    expected_payment: String,
    amount_blocked: String,
    amount_unbilled: String,
    /// Verify mode only: what the claims file claims, what of it goes out, what is held.
    #[serde(skip_serializing_if = "Option::is_none")]
    claimed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supported: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount_at_risk: Option<String>,
    by_month: Vec<MonthSummary>,
    findings_by_severity: BTreeMap<&'static str, usize>,
    findings_by_code: BTreeMap<&'static str, usize>,
    notes: Vec<String>,
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
        ccm_version: env!("CARGO_PKG_VERSION"),
        as_of: cfg.as_of.to_string(),
        policy: cfg.policy.as_str(),
        date_of_service: match cfg.dos {
            crate::audit::DosMode::MonthEnd => "month-end",
            crate::audit::DosMode::Threshold => "threshold",
        },
        rules: rules_origin.to_string(),
        months: audit.months.iter().map(|m| m.to_string()).collect(),
        files: audit
            .recon
            .iter()
            .map(|r| FileSummary {
                file: r.file.clone(),
                kind: r.kind.as_str(),
                rows_read: r.rows_read,
                rows_counted: r.counted,
                rows_excluded: r.excluded_total(),
                excluded_by_reason: r.excluded.clone(),
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
        by_month: by_month(ds, audit),
        findings_by_severity: by_sev,
        findings_by_code: by_code,
        notes: audit.notes.clone(),
    }
}

fn by_month(ds: &Dataset, audit: &Audit) -> Vec<MonthSummary> {
    let mut months: Vec<crate::domain::YearMonth> = audit.months.clone();
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
            let blocked: rust_decimal::Decimal = outs
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
            let (lines, at_risk, unbilled) = match (&audit.verify, &ds.claims) {
                (Some(v), Some(cf)) => {
                    let t = v.by_month.get(&m).copied().unwrap_or_default();
                    let n = v
                        .clean
                        .iter()
                        .filter(|&&i| {
                            crate::domain::YearMonth::of(cf.claims[i].date_of_service) == m
                        })
                        .count();
                    (n, t.1, t.2)
                }
                _ => (
                    clean.clone().map(|o| o.lines.len()).sum(),
                    rust_decimal::Decimal::ZERO,
                    rust_decimal::Decimal::ZERO,
                ),
            };
            MonthSummary {
                month: m.to_string(),
                patient_months: pms.len(),
                clean_claim_lines: lines,
                expected_payment: money_str(clean.map(|o| o.payment).sum()),
                amount_blocked: money_str(blocked),
                amount_at_risk: money_str(at_risk),
                amount_unbilled: money_str(unbilled),
                errors_by_code: errors,
            }
        })
        .collect()
}

pub fn write_summary_json(w: impl Write, summary: &Summary) -> io::Result<()> {
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, summary)?;
    writeln!(w)
}

pub fn write_findings_json(
    w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
) -> io::Result<()> {
    /// The findings, serialised one by one as they are written (never all at once).
    struct Findings<'a>(&'a Dataset, &'a [Finding]);
    impl Serialize for Findings<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.1.iter().map(|f| record(self.0, f)))
        }
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        summary: &'a Summary,
        findings: Findings<'a>,
    }
    let doc = Doc {
        summary,
        findings: Findings(ds, &audit.findings),
    };
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, &doc)?;
    writeln!(w)
}

/// The report for a person at a terminal.
pub fn write_table(
    mut w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
    color: bool,
) -> io::Result<()> {
    let new_table = || {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if !color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        t
    };
    writeln!(w, "ccm {} — CCM billing audit", summary.ccm_version)?;
    let files: Vec<String> = ds
        .files
        .iter()
        .map(|f| format!("{} ({})", f.name, f.kind.as_str()))
        .collect();
    writeln!(w, "files:    {}", files.join(", "))?;
    writeln!(
        w,
        "months:   {}",
        if summary.months.is_empty() {
            "none".to_string()
        } else {
            summary.months.join(", ")
        }
    )?;
    writeln!(
        w,
        "rules:    {}   policy: {}   as of: {}   date of service: {}",
        summary.rules, summary.policy, summary.as_of, summary.date_of_service
    )?;
    for n in &summary.notes {
        writeln!(w, "note:     {n}")?;
    }
    writeln!(w)?;

    let mut t = new_table();
    t.set_header(vec!["summary", ""]);
    let rows_read: u64 = summary.files.iter().map(|f| f.rows_read).sum();
    let counted: u64 = summary.files.iter().map(|f| f.rows_counted).sum();
    let excluded: u64 = summary.files.iter().map(|f| f.rows_excluded).sum();
    let lines = [
        ("patients", summary.patients.to_string()),
        ("patient-months", summary.patient_months.to_string()),
        (
            "rows read / counted / excluded",
            format!("{rows_read} / {counted} / {excluded}"),
        ),
        (
            "months clean / blocked / below threshold / open",
            format!(
                "{} / {} / {} / {}",
                summary.months_clean,
                summary.months_blocked,
                summary.months_below_threshold,
                summary.months_open
            ),
        ),
        ("clean claim lines", summary.clean_claim_lines.to_string()),
        ("expected payment", format!("${}", summary.expected_payment)),
        (
            "amount blocked by errors",
            format!("${}", summary.amount_blocked),
        ),
        (
            "amount left unbilled",
            format!("${}", summary.amount_unbilled),
        ),
    ];
    for (k, v) in lines {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    if let (Some(c), Some(s), Some(r)) = (
        &summary.claimed,
        &summary.supported,
        &summary.amount_at_risk,
    ) {
        t.add_row(vec![
            Cell::new("claims file: claimed"),
            Cell::new(format!("${c}")),
        ]);
        t.add_row(vec![
            Cell::new("claims file: going out clean"),
            Cell::new(format!("${s}")),
        ]);
        t.add_row(vec![
            Cell::new("claims file: at risk (held)"),
            Cell::new(format!("${r}")),
        ]);
    }
    writeln!(w, "{t}")?;

    if summary.by_month.len() > 1 {
        let mut t = new_table();
        t.set_header(vec![
            "month",
            "patient-months",
            "clean lines",
            "expected payment",
            "blocked",
            "at risk",
            "left unbilled",
            "errors by code",
        ]);
        for m in &summary.by_month {
            t.add_row(vec![
                Cell::new(&m.month),
                Cell::new(m.patient_months),
                Cell::new(m.clean_claim_lines),
                Cell::new(format!("${}", m.expected_payment)),
                Cell::new(format!("${}", m.amount_blocked)),
                Cell::new(format!("${}", m.amount_at_risk)),
                Cell::new(format!("${}", m.amount_unbilled)),
                Cell::new(
                    m.errors_by_code
                        .iter()
                        .map(|(c, n)| format!("{c}:{n}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ]);
        }
        writeln!(w, "by month")?;
        writeln!(w, "{t}")?;
    }

    if !audit.findings.is_empty() {
        let mut t = new_table();
        t.set_header(vec!["severity", "code", "name", "count", "amount at stake"]);
        let mut groups: BTreeMap<
            (std::cmp::Reverse<Severity>, &str),
            (&str, usize, rust_decimal::Decimal),
        > = BTreeMap::new();
        for f in &audit.findings {
            let e = groups
                .entry((std::cmp::Reverse(f.severity), f.check.code))
                .or_insert((f.check.name, 0, rust_decimal::Decimal::ZERO));
            e.1 += 1;
            e.2 += f.amount.unwrap_or_default();
        }
        for ((sev, code), (name, n, amt)) in groups {
            let sev = sev.0;
            let mut c = Cell::new(sev.as_str());
            if color {
                c = c.fg(match sev {
                    Severity::Error => Color::Red,
                    Severity::Warning => Color::Yellow,
                    Severity::Info => Color::Cyan,
                });
            }
            t.add_row(vec![
                c,
                Cell::new(code),
                Cell::new(name),
                Cell::new(n),
                Cell::new(if amt.is_zero() {
                    String::new()
                } else {
                    format!("${}", money_str(amt))
                }),
            ]);
        }
        writeln!(w, "findings by severity and code")?;
        writeln!(w, "{t}")?;
    }

    let mut at_risk: Vec<&crate::audit::Outcome> = audit
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Blocked)
        .collect();
    at_risk.sort_by(|a, b| {
        b.payment
            .cmp(&a.payment)
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    if !at_risk.is_empty() {
        let mut t = new_table();
        t.set_header(vec![
            "patient",
            "month",
            "billing NPI",
            "minutes",
            "blocked",
            "errors",
        ]);
        for o in at_risk.iter().take(10) {
            let mut codes: Vec<&str> = audit
                .findings
                .iter()
                .filter(|f| {
                    f.severity == Severity::Error
                        && f.patient_id == o.patient_id
                        && f.month == Some(o.month)
                        && (f.billing_npi == o.billing_npi || f.billing_npi.is_empty())
                })
                .map(|f| f.check.code)
                .collect();
            codes.dedup();
            t.add_row(vec![
                Cell::new(&o.patient_id),
                Cell::new(o.month),
                Cell::new(&o.billing_npi),
                Cell::new(o.minutes),
                Cell::new(format!("${}", money_str(o.payment))),
                Cell::new(if codes.is_empty() {
                    "(no companion file)".to_string()
                } else {
                    codes.join(" ")
                }),
            ]);
        }
        writeln!(w, "top patient-months at risk")?;
        writeln!(w, "{t}")?;
    }
    writeln!(
        w,
        "details: --format csv|json, or --out DIR for clean_claims.csv, findings.csv, findings.json, summary.json; `ccm explain CODE` for any code"
    )?;
    Ok(())
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `ccm trace`: one patient-month, row by row, then the decision.
pub fn write_trace(
    mut w: impl Write,
    audit: &Audit,
    patient: &str,
    month: crate::domain::YearMonth,
    rows: &[crate::audit::TraceRow],
    cfg: &AuditConfig,
    color: bool,
) -> io::Result<()> {
    writeln!(
        w,
        "trace: patient {patient}, {month} (as of {}, policy {})",
        cfg.as_of,
        cfg.policy.as_str()
    )?;
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !color {
        t.force_no_tty();
    }
    t.set_header(vec![
        "file:line",
        "date",
        "time",
        "staff",
        "role",
        "program",
        "NPI",
        "min",
        "state",
        "lost",
        "counts",
    ]);
    for r in rows {
        let lost = match (r.lost_to_other_program, r.lost_to_overlap) {
            (0, 0) => String::new(),
            (a, 0) => format!("{a} to other program (TM004)"),
            (0, b) => format!("{b} overlap (TM003)"),
            (a, b) => format!("{a} TM004, {b} TM003"),
        };
        t.add_row(vec![
            format!("{}:{}", r.file, r.line),
            r.date.to_string(),
            r.interval
                .map(|(s, e)| format!("{}–{}", hhmm(s), hhmm(e)))
                .unwrap_or_default(),
            r.staff.clone(),
            format!("{:?}", r.role).to_lowercase(),
            r.program.to_string(),
            r.billing_npi.clone(),
            r.minutes.to_string(),
            r.state.to_string(),
            lost,
            r.counted.to_string(),
        ]);
    }
    writeln!(w, "{t}")?;
    let outs: Vec<&crate::audit::Outcome> = audit
        .outcomes
        .iter()
        .filter(|o| o.patient_id == patient && o.month == month)
        .collect();
    if outs.is_empty() {
        writeln!(w, "no CCM or PCM minutes for this patient-month")?;
    }
    for o in outs {
        writeln!(
            w,
            "{} under NPI {}: {} countable minute(s), {} by practitioners; status: {}",
            o.program,
            o.billing_npi,
            o.minutes,
            o.practitioner_minutes,
            o.status.as_str()
        )?;
        match &o.chosen {
            Some(c) => {
                let also = if o.alternatives.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the minutes also support {} but it pays less",
                        o.alternatives.join(", ")
                    )
                };
                writeln!(w, "  family: {c}{also}")?;
                for l in &o.lines {
                    writeln!(
                        w,
                        "  {} x{} dated {} → ${} (dx {})",
                        l.hcpcs,
                        l.units,
                        l.date_of_service,
                        money_str(l.expected_payment),
                        l.dx.join(", ")
                    )?;
                }
                writeln!(w, "  total ${}", money_str(o.payment))?;
            }
            None => writeln!(w, "  no base code reached")?,
        }
    }
    let fs: Vec<&Finding> = audit
        .findings
        .iter()
        .filter(|f| f.patient_id == patient && f.month == Some(month))
        .collect();
    if !fs.is_empty() {
        writeln!(w, "findings:")?;
        for f in fs {
            writeln!(
                w,
                "  {} {} {}: {}",
                f.severity, f.check.code, f.check.name, f.message
            )?;
        }
    }
    Ok(())
}
