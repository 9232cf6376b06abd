//! `ccm trace`: one patient-month, row by row, then the decision.

use super::table::{Layout, new_table};
use crate::audit::{Audit, AuditConfig, Outcome, TraceRow};
use crate::checks::Finding;
use crate::domain::{YearMonth, money_shown, printable};
use std::io::{self, Write};

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `ccm trace`: one patient-month, row by row, then the decision.
pub fn write_trace(
    mut w: impl Write,
    audit: &Audit,
    patient: &str,
    month: YearMonth,
    rows: &[TraceRow],
    cfg: &AuditConfig,
    layout: Layout,
) -> io::Result<()> {
    writeln!(
        w,
        "trace: patient {}, {month} (as of {}, policy {})",
        printable(patient, 100),
        cfg.as_of,
        cfg.policy.as_str()
    )?;
    let mut t = new_table(layout);
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
                .map(|(s, e)| format!("{}-{}", hhmm(s), hhmm(e)))
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
    let outs: Vec<&Outcome> = audit
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
            o.program.as_str(),
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
                        "  {} x{} dated {} -> {} (dx {})",
                        l.hcpcs,
                        l.units,
                        l.date_of_service,
                        money_shown(l.expected_payment),
                        l.dx.join(", ")
                    )?;
                }
                writeln!(w, "  total {}", money_shown(o.payment))?;
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
