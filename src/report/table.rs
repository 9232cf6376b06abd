//! The report for a person at a terminal: the run's header, the summary, then by month,
//! findings by code and the patient-months most at risk.

use super::Summary;
use crate::audit::{Audit, Status};
use crate::checks::Severity;
use crate::domain::{Dataset, money_str};
use crate::domain::{Money, YearMonth, norm_key, printable};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// A table in the house style. Without `color`, plain text at its natural width (no terminal
/// is queried); with it, the table fits the terminal's width and cell colours are written.
pub(super) fn new_table(color: bool) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !color {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t
}

/// The report for a person at a terminal.
pub fn write_table(
    mut w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
    _lists: &super::Lists,
    color: bool,
) -> io::Result<()> {
    writeln!(w, "ccm {} — CCM billing audit", summary.ccm_version)?;
    let files: Vec<String> = ds
        .files
        .iter()
        .map(|f| format!("{} ({})", f.name, f.kind.as_str()))
        .collect();
    writeln!(w, "files:    {}", files.join(", "))?;
    // Fields read from a header of another name (an alias or the --map): which fed which.
    for f in &ds.files {
        let renamed: Vec<String> = f
            .columns
            .iter()
            .filter(|(field, header)| norm_key(field) != norm_key(header))
            .map(|(field, header)| format!("{field} <- \"{}\"", printable(header, 40)))
            .collect();
        if !renamed.is_empty() {
            writeln!(w, "columns:  {}: {}", f.name, renamed.join(", "))?;
        }
    }
    // How each file was read, where anything was repaired or inferred.
    for f in &ds.files {
        for n in &f.read.notes {
            writeln!(w, "read:     {}: {n}", f.name)?;
        }
    }
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

    let mut t = new_table(color);
    t.set_header(vec!["summary", ""]);
    let lines = [
        ("patients", summary.patients.to_string()),
        ("patient-months", summary.patient_months.to_string()),
        (
            // One outcome per patient-month, billing NPI and program: several practitioners
            // in one patient-month are several outcomes.
            "outcomes per patient-month and NPI: clean / blocked / below / open",
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
        t.add_row(vec![
            Cell::new("claims file: claims going out / held"),
            Cell::new(format!(
                "{} / {}",
                summary.claims_going_out.unwrap_or(0),
                summary.claims_held.unwrap_or(0)
            )),
        ]);
        t.add_row(vec![
            Cell::new("claims file: lines going out / held"),
            Cell::new(format!(
                "{} / {}",
                summary.clean_claim_lines,
                summary.claim_lines_held.unwrap_or(0)
            )),
        ]);
    }
    writeln!(w, "{t}")?;

    // Every row of every file accounted for: read = counted + excluded, per file.
    let mut t = new_table(color);
    t.set_header(vec![
        "file",
        "kind",
        "rows read",
        "counted",
        "excluded (by reason)",
    ]);
    for f in &summary.files {
        let reasons: Vec<String> = f
            .excluded_by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        t.add_row(vec![
            Cell::new(&f.file),
            Cell::new(f.kind),
            Cell::new(f.rows_read),
            Cell::new(f.rows_counted),
            Cell::new(if reasons.is_empty() {
                f.rows_excluded.to_string()
            } else {
                format!("{} ({})", f.rows_excluded, reasons.join(", "))
            }),
        ]);
    }
    writeln!(w, "{t}")?;

    if summary.by_month.len() > 1 {
        let mut t = new_table(color);
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
        let mut t = new_table(color);
        t.set_header(vec!["severity", "code", "name", "count", "amount at stake"]);
        let mut groups: BTreeMap<(Reverse<Severity>, &str), (&str, usize, Decimal)> =
            BTreeMap::new();
        for f in &audit.findings {
            let e = groups
                .entry((Reverse(f.severity), f.check.code))
                .or_insert((f.check.name, 0, Decimal::ZERO));
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

    // Verify mode: the biggest holds of the claims file; derive mode: the months the
    // evidence supports but an error blocks.
    let rows: Vec<(&str, YearMonth, &str, String, Money)> = match &audit.verify {
        Some(v) => v
            .held
            .iter()
            .map(|h| {
                let what = format!("{} line(s)", h.lines);
                (
                    h.patient_id.as_str(),
                    h.month,
                    h.billing_npi.as_str(),
                    what,
                    h.claimed,
                )
            })
            .collect(),
        None => audit
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Blocked)
            .map(|o| {
                let what = format!("{} min", o.minutes);
                (
                    o.patient_id.as_str(),
                    o.month,
                    o.billing_npi.as_str(),
                    what,
                    o.payment,
                )
            })
            .collect(),
    };
    let mut rows = rows;
    rows.sort_by(|a, b| {
        b.4.cmp(&a.4)
            .then_with(|| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)))
    });
    if !rows.is_empty() {
        const SHOWN: usize = 10;
        let mut t = new_table(color);
        let held = if audit.verify.is_some() {
            "held"
        } else {
            "blocked"
        };
        t.set_header(vec![
            "patient",
            "month",
            "billing NPI",
            "evidence",
            held,
            "errors",
        ]);
        for &(patient, month, npi, ref what, amount) in rows.iter().take(SHOWN) {
            let mut codes: Vec<&str> = audit
                .findings
                .iter()
                .filter(|f| {
                    f.severity == Severity::Error
                        && f.patient_id == patient
                        && f.month == Some(month)
                        && (f.billing_npi == npi || f.billing_npi.is_empty())
                })
                .map(|f| f.check.code)
                .collect();
            codes.sort_unstable();
            codes.dedup();
            t.add_row(vec![
                Cell::new(patient),
                Cell::new(month),
                Cell::new(npi),
                Cell::new(what),
                Cell::new(format!("${}", money_str(amount))),
                Cell::new(if codes.is_empty() {
                    "(no companion file)".to_string()
                } else {
                    codes.join(" ")
                }),
            ]);
        }
        let title = if audit.verify.is_some() {
            "top claims held"
        } else {
            "top patient-months at risk"
        };
        writeln!(w, "{title}")?;
        writeln!(w, "{t}")?;
        if rows.len() > SHOWN {
            writeln!(
                w,
                "… and {} more (all in findings.csv, with file and line)",
                rows.len() - SHOWN
            )?;
        }
    }
    writeln!(
        w,
        "details: --format csv|json, or --out DIR for clean_claims.csv, findings.csv, findings.json, held_claims.csv, summary.json, worklist.csv; `ccm explain CODE` for any code"
    )?;
    Ok(())
}
