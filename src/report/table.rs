//! The report for a person at a terminal: the run's header, the summary, then by month,
//! findings by code and the patient-months most at risk.

use super::Summary;
use super::lists::{HeldRow, Lists, first_sentence};
use crate::audit::Audit;
use crate::checks::Severity;
use crate::domain::{Dataset, Money, money_shown};
use crate::domain::{norm_key, printable};
use crate::rules::TimeKind;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

/// How the terminal report and the trace are laid out, as the shell decided it from where
/// stdout goes: nothing here asks the terminal or the environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Write cell colours (a terminal, and no `NO_COLOR`).
    pub color: bool,
    /// The terminal's width: each table fits it, its long cells wrapped at words. `None`
    /// (a pipe or a file): every table at its natural width, one line per row, nothing
    /// cut, so the same run writes the same bytes wherever it is written.
    pub width: Option<u16>,
}

/// A table in the house style, laid out as `layout` says (colour and width are decided
/// apart: `NO_COLOR` takes the colour away, never the fit to the terminal).
pub(super) fn new_table(layout: Layout) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).force_no_tty();
    match layout.width {
        Some(w) => t
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(w),
        None => t.set_content_arrangement(ContentArrangement::Disabled),
    };
    if layout.color {
        t.enforce_styling();
    }
    t
}

/// An amount of the summary (written as `money_str` writes it) as the terminal shows money.
fn shown(amount: &str) -> String {
    amount
        .parse::<Money>()
        .map_or_else(|_| format!("${amount}"), money_shown)
}

/// The report's last line when it wrote files: what, and where (`wrote 7 files to out/
/// (clean_claims.csv, …) and out/audit.xlsx`, then `and the baseline ccm-baseline.json`);
/// `None` when it wrote none. The names are those of [`super::OUTPUTS`], however many the
/// set holds.
pub fn written_line(
    out: Option<&Path>,
    workbook: Option<&Path>,
    baseline: Option<&Path>,
) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(out) = out {
        let mut dir = crate::domain::path_name(out);
        if !dir.ends_with(std::path::MAIN_SEPARATOR) && !dir.ends_with('/') {
            dir.push('/');
        }
        let names = super::OUTPUTS;
        parts.push(format!(
            "{} files to {dir} ({})",
            names.len(),
            names.join(", ")
        ));
    }
    parts.extend(workbook.map(crate::domain::path_name));
    parts.extend(baseline.map(|b| format!("the baseline {}", crate::domain::path_name(b))));
    (!parts.is_empty()).then(|| format!("wrote {}", parts.join(" and ")))
}

/// The report for a person at a terminal.
pub fn write_table(
    mut w: impl Write,
    ds: &Dataset,
    audit: &Audit,
    summary: &Summary,
    lists: &Lists,
    layout: Layout,
) -> io::Result<()> {
    write_header(&mut w, ds, summary)?;
    summary_table(&mut w, summary, layout)?;
    files_table(&mut w, summary, layout)?;
    by_month_table(&mut w, summary, layout)?;
    findings_table(&mut w, audit, layout)?;
    top_at_risk(&mut w, ds, audit, lists, layout)?;
    worklist(&mut w, summary, lists, layout)?;
    writeln!(
        w,
        "details: --format csv|json|jsonl|sarif|junit, or --out DIR for {}; `ccm explain CODE` for any code",
        super::OUTPUTS.join(", ")
    )?;
    Ok(())
}

/// Writes the run's header: version, files, renamed columns, read notes, months, rules, notes.
fn write_header(w: &mut impl Write, ds: &Dataset, summary: &Summary) -> io::Result<()> {
    writeln!(w, "ccm {} - CCM billing audit", summary.ccm_version)?;
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
    Ok(())
}

/// Writes the summary table: counts, outcomes, money, and in verify mode the claims file's totals.
fn summary_table(w: &mut impl Write, summary: &Summary, layout: Layout) -> io::Result<()> {
    let mut t = new_table(layout);
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
        ("expected payment", shown(&summary.expected_payment)),
        ("amount blocked by errors", shown(&summary.amount_blocked)),
        ("amount left unbilled", shown(&summary.amount_unbilled)),
    ];
    for (k, v) in lines {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    if let (Some(c), Some(s), Some(r)) = (
        &summary.claimed,
        &summary.supported,
        &summary.amount_at_risk,
    ) {
        t.add_row(vec![Cell::new("claims file: claimed"), Cell::new(shown(c))]);
        t.add_row(vec![
            Cell::new("claims file: going out clean"),
            Cell::new(shown(s)),
        ]);
        t.add_row(vec![
            Cell::new("claims file: at risk (held)"),
            Cell::new(shown(r)),
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
    Ok(())
}

/// Writes the per-file table: every row read is counted or excluded (by reason).
fn files_table(w: &mut impl Write, summary: &Summary, layout: Layout) -> io::Result<()> {
    // Every row of every file accounted for: read = counted + excluded, per file.
    let mut t = new_table(layout);
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
    Ok(())
}

/// Writes the by-month table, when the run covers more than one month.
fn by_month_table(w: &mut impl Write, summary: &Summary, layout: Layout) -> io::Result<()> {
    if summary.by_month.len() <= 1 {
        return Ok(());
    }
    let mut t = new_table(layout);
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
            Cell::new(shown(&m.expected_payment)),
            Cell::new(shown(&m.amount_blocked)),
            Cell::new(shown(&m.amount_at_risk)),
            Cell::new(shown(&m.amount_unbilled)),
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
    Ok(())
}

/// Writes the findings grouped by severity and code, with their count and amount at stake.
fn findings_table(w: &mut impl Write, audit: &Audit, layout: Layout) -> io::Result<()> {
    if audit.findings.is_empty() {
        return Ok(());
    }
    let mut t = new_table(layout);
    // With a baseline that accepts any finding: how many of each code it waives.
    let any_waived = audit.findings.iter().any(|f| f.waived);
    let mut header = vec!["severity", "code", "name", "count"];
    if any_waived {
        header.push("waived");
    }
    header.push("amount at stake");
    t.set_header(header);
    type Group<'a> = (&'a str, usize, usize, Decimal);
    let mut groups: BTreeMap<(Reverse<Severity>, &str), Group> = BTreeMap::new();
    for f in &audit.findings {
        let e = groups
            .entry((Reverse(f.severity), f.check.code))
            .or_insert((f.check.name, 0, 0, Decimal::ZERO));
        e.1 += 1;
        e.2 += usize::from(f.waived);
        e.3 += f.amount.unwrap_or_default();
    }
    for ((sev, code), (name, n, waived, amt)) in groups {
        let sev = sev.0;
        let mut c = Cell::new(sev.as_str());
        if layout.color {
            c = c.fg(match sev {
                Severity::Error => Color::Red,
                Severity::Warning => Color::Yellow,
                Severity::Info => Color::Cyan,
            });
        }
        let mut row = vec![c, Cell::new(code), Cell::new(name), Cell::new(n)];
        if any_waived {
            row.push(Cell::new(waived));
        }
        row.push(Cell::new(if amt.is_zero() {
            String::new()
        } else {
            money_shown(amt)
        }));
        t.add_row(row);
    }
    writeln!(w, "findings by severity and code")?;
    writeln!(w, "{t}")?;
    Ok(())
}

/// Rows the terminal shows of a list; the rest are in its file.
const SHOWN: usize = 10;

/// Verify mode: the biggest holds of the claims file; derive mode: the months the evidence
/// supports but an error blocks. One row per claim (patient-month and NPI), with where to
/// fix it and what to do; how many were left out is said.
fn top_at_risk(
    w: &mut impl Write,
    ds: &Dataset,
    audit: &Audit,
    lists: &Lists,
    layout: Layout,
) -> io::Result<()> {
    // Verify mode: a claim's lines sit together (held_claims.csv has one row per line).
    let claims: Vec<&[HeldRow]> = if audit.verify.is_some() {
        lists
            .held
            .chunk_by(|a, b| {
                (a.patient_id, a.month, a.billing_npi) == (b.patient_id, b.month, b.billing_npi)
            })
            .collect()
    } else {
        lists.held.chunks(1).collect()
    };
    if claims.is_empty() {
        return Ok(());
    }
    let verify = audit.verify.is_some();
    let mut t = new_table(layout);
    t.set_header(vec![
        "patient",
        "month",
        "billing NPI",
        if verify { "held" } else { "blocked" },
        "errors",
        "fix at",
        "what to do",
    ]);
    for rows in claims.iter().take(SHOWN) {
        let r = &rows[0];
        // Verify mode: the claim's amount, unless none of its lines is priced (RPM lines, codes
        // ccm has no rule for).
        let amount = if verify {
            rows.iter()
                .any(|r| r.amount.is_some())
                .then_some(r.claim_amount)
        } else {
            r.amount
        };
        let codes: Vec<&str> = r.why.reasons.iter().map(|c| c.code).collect();
        t.add_row(vec![
            Cell::new(r.patient_id),
            Cell::new(r.month),
            Cell::new(r.billing_npi),
            // No line supported: nothing is held in money (never a misleading $0.00).
            Cell::new(amount.map_or("none".to_string(), money_shown)),
            Cell::new(codes.join(" ")),
            Cell::new(first_place(ds, &r.why.fix_at)),
            Cell::new(r.why.reasons.first().map_or("", |c| first_sentence(c.fix))),
        ]);
    }
    let (title, what) = if verify {
        ("top claims held", "held")
    } else {
        ("top patient-months at risk", "blocked")
    };
    let shown = claims.len().min(SHOWN);
    writeln!(
        w,
        "{title}: {shown} of {} {what}, biggest first",
        claims.len()
    )?;
    writeln!(w, "{t}")?;
    if claims.len() > SHOWN {
        writeln!(
            w,
            "... and {} more in held_claims.csv (--out DIR), each with every line to fix and what to do",
            claims.len() - SHOWN
        )?;
    }
    Ok(())
}

/// The months still open on the as-of date: who needs how many more minutes for which
/// code, closest to paying first.
fn worklist(
    w: &mut impl Write,
    summary: &Summary,
    lists: &Lists,
    layout: Layout,
) -> io::Result<()> {
    if lists.worklist.is_empty() {
        return Ok(());
    }
    let mut t = new_table(layout);
    t.set_header(vec![
        "patient",
        "month",
        "billing NPI",
        "status",
        "minutes",
        "next block",
        "to go",
        "days left",
        "blocking",
    ]);
    for r in lists.worklist.iter().take(SHOWN) {
        let o = r.outcome;
        let (next, to_go) = match &r.next {
            Some(n) => {
                let mut s = n.code.to_string();
                if n.units > 1 {
                    s.push_str(&format!(" x{}", n.units));
                }
                if n.time == TimeKind::Practitioner {
                    s.push_str(" (practitioner)");
                }
                (s, format!("{} min", n.minutes))
            }
            None => ("none".to_string(), "-".to_string()),
        };
        let codes: Vec<&str> = r.why.reasons.iter().map(|c| c.code).collect();
        t.add_row(vec![
            Cell::new(&o.patient_id),
            Cell::new(o.month),
            Cell::new(&o.billing_npi),
            Cell::new(o.status.as_str()),
            Cell::new(o.minutes),
            Cell::new(next),
            Cell::new(to_go),
            Cell::new(r.days_left),
            Cell::new(codes.join(" ")),
        ]);
    }
    let n = lists.worklist.len();
    writeln!(
        w,
        "worklist of the months open on {}: {} of {n}, closest to paying first",
        summary.as_of,
        n.min(SHOWN)
    )?;
    writeln!(w, "{t}")?;
    if n > SHOWN {
        writeln!(w, "... and {} more in worklist.csv (--out DIR)", n - SHOWN)?;
    }
    Ok(())
}

/// The first place to fix, by file name without its folder, and how many more:
/// `timelog.csv:54 +3`; `-` when the fix is a record to add (no line to point at).
fn first_place(ds: &Dataset, at: &[(u16, u64)]) -> String {
    let Some(&(file, line)) = at.first() else {
        return "-".to_string();
    };
    let name = ds.file_name(file);
    let base = std::path::Path::new(name)
        .file_name()
        .map_or(name.into(), |n| n.to_string_lossy());
    let mut s = if line > 0 {
        format!("{base}:{line}")
    } else {
        base.into_owned()
    };
    if at.len() > 1 {
        s.push_str(&format!(" +{}", at.len() - 1));
    }
    s
}
