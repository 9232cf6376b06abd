//! `ccm refund` (issue 26, part 4): the refund report of a finished review. One row per
//! item found overpaid, the extrapolated amount and its method when the review is a
//! sample, the 60-day deadline from the day the overpayment was identified, and the items
//! older than the 6-year lookback left out, counted and said. Pure: the shell reads the
//! files and writes refund.csv and refund.json.

use super::render::money;
use super::{MONTH_COLUMNS, claim_names, find_column, parse_amount};
use crate::domain::{YearMonth, parse_date};
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// refund.csv's columns.
pub const REFUND_COLUMNS: [&str; 10] = [
    "claim_number",
    "medicare_id",
    "patient_id",
    "billing_npi",
    "dates_of_service",
    "amount",
    "reason",
    "frame_line",
    "draw",
    "review_line",
];

/// The version of refund.json (`docs/schemas/refund.schema.json`; raised on a breaking
/// change, docs/schemas/README.md).
pub const REFUND_SCHEMA_VERSION: u32 = 1;

/// Days from identification to the deadline to report and return (42 CFR 401.305(b)).
pub const DEADLINE_DAYS: u64 = 60;
/// The lookback period, in years back from the identification date (42 CFR 401.305(f)).
pub const LOOKBACK_YEARS: u32 = 6;

/// One reviewed item found overpaid.
#[derive(Clone, Debug)]
pub struct Row {
    pub cells: [String; 10],
    pub amount: Decimal,
    /// The last day of service the row shows (its date, or its month's last day).
    pub last_day: NaiveDate,
}

/// The extrapolation given with `--extrapolated`, as `ccm extrapolate --format json` wrote it.
#[derive(Clone, Debug)]
pub struct Extrapolation {
    pub amount: Decimal,
    pub rule: String,
    pub method: String,
    pub design: String,
    pub point_estimate: Decimal,
    pub sample: u64,
    pub universe: u64,
    pub sample_total: Decimal,
}

impl Extrapolation {
    /// Reads the JSON `ccm extrapolate --format json` prints.
    pub fn from_json(v: &Value) -> Result<Extrapolation, String> {
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("has no {p} (is it `ccm extrapolate --format json`?)"))
        };
        let d = |p: &str| -> Result<Decimal, String> {
            s(p)?
                .parse::<Decimal>()
                .map_err(|_| format!("{p} is not an amount"))
        };
        let n = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("has no {p} (is it `ccm extrapolate --format json`?)"))
        };
        // A document of a version this ccm does not know is refused; one without a
        // version (written before ccm versioned it) is read as version 1.
        let known = super::render::EXTRAPOLATION_SCHEMA_VERSION;
        match v.get("schema_version") {
            None => {}
            Some(x) if x.as_u64() == Some(u64::from(known)) => {}
            Some(x) => {
                return Err(format!(
                    "has schema_version {x}, a version this ccm does not read (it reads {known})"
                ));
            }
        }
        let design = s("/design")?;
        if design != "unrestricted" && design != "stratified" {
            return Err(format!(
                "has design {:?}, not unrestricted or stratified",
                crate::domain::printable(&design, 40)
            ));
        }
        Ok(Extrapolation {
            amount: d("/repayment/amount")?,
            rule: s("/repayment/rule")?,
            method: s("/method")?,
            design,
            point_estimate: d("/total/point_estimate")?,
            sample: n("/total/sample")?,
            universe: n("/total/universe")?,
            sample_total: d("/total/sample_total")?,
        })
    }
}

/// The report: the rows, what was left out, the deadline and the amount.
#[derive(Clone, Debug)]
pub struct Refund {
    pub identified: NaiveDate,
    pub deadline: NaiveDate,
    /// The first day of service inside the lookback.
    pub lookback_from: NaiveDate,
    pub reviewed: usize,
    pub rows: Vec<Row>,
    pub found: Decimal,
    /// Overpaid items dated before the lookback: count and amount.
    pub older: (usize, Decimal),
    /// Columns the review lacks (their cells are blank), said in the report.
    pub missing: Vec<&'static str>,
    pub extrapolation: Option<Extrapolation>,
    /// The lookback was measured on the review's paid dates (42 CFR 401.305(f): six years
    /// from the date the overpayment was received), a row without one on its date of
    /// service; `false`: the review has no paid-date column, dates of service throughout.
    pub by_paid_date: bool,
}

/// The review columns that say when a claim was paid (the lookback's date when present).
const PAID_COLUMNS: &[&str] = &[
    "paid_date",
    "payment_date",
    "date_paid",
    "paid_on",
    "remit_date",
    "remittance_date",
    "check_date",
];

impl Refund {
    /// What to report and return: the extrapolated amount for a sample, else the sum of
    /// the rows (a census); never less than the overpayments found in the sample (inside
    /// the lookback): each is an identified overpayment (42 CFR 401.305(a)(2)) whatever the
    /// projection's lower limit (0 when it is not positive) says of the rest.
    pub fn amount(&self) -> Decimal {
        self.extrapolation
            .as_ref()
            .map_or(self.found, |e| e.amount.max(self.found))
    }
    pub fn basis(&self) -> &'static str {
        match &self.extrapolation {
            Some(e) if e.amount < self.found => {
                "the overpayments found in the sample: the extrapolation's amount to repay is less than they are, and each is an identified overpayment (42 CFR 401.305(a)(2))"
            }
            Some(_) => "extrapolated: the amount to repay of the extrapolation given",
            None => "a census: the overpayments found, item by item, no extrapolation given",
        }
    }
}

/// Builds the report from the review's header and rows (each with its physical line).
pub fn refund(
    header: &[String],
    rows: &[(u64, Vec<String>)],
    identified: NaiveDate,
    extrapolation: Option<Extrapolation>,
) -> Result<Refund, String> {
    let over = find_column(header, &["overpayment"]).ok_or("has no column \"overpayment\"")?;
    let date = find_column(header, &claim_names("date_of_service"));
    let month = find_column(header, MONTH_COLUMNS);
    if date.is_none() && month.is_none() {
        return Err(
            "has no date_of_service or month column: the 6-year lookback cannot be applied".into(),
        );
    }
    let named = |name: &str| find_column(header, &claim_names(name));
    let own = |name: &str| find_column(header, &[name]);
    let cols = [
        ("claim number", named("claim_id")),
        ("Medicare ID", named("mbi")),
        ("patient id", named("patient_id")),
        ("billing NPI", named("billing_npi")),
        ("reason", own("overpayment_reason")),
    ];
    let missing: Vec<&'static str> = cols
        .iter()
        .filter(|(_, i)| i.is_none())
        .map(|(n, _)| *n)
        .collect();
    let reason = own("overpayment_reason");
    let paid = find_column(header, PAID_COLUMNS);
    let (frame_line, draw) = (own("frame_line"), own("draw"));
    let deadline = identified + Days::new(DEADLINE_DAYS);
    let lookback_from = identified
        .checked_sub_months(Months::new(12 * LOOKBACK_YEARS))
        .ok_or("the identification date is too early")?;
    let mut out = Vec::new();
    let (mut found, mut older, mut sum_all) = (Decimal::ZERO, (0, Decimal::ZERO), Decimal::ZERO);
    for (line, cells) in rows {
        let at = |what: String| format!("line {line}: {what}");
        let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let v = parse_amount(get(Some(over)))
            .map_err(|e| at(format!("overpayment {e}")))?
            .ok_or_else(|| at("overpayment is blank (the review is not finished)".into()))?;
        sum_all += v;
        if v <= Decimal::ZERO {
            continue;
        }
        let (shown, last_day) = match (date.map(|i| get(Some(i))), month.map(|i| get(Some(i)))) {
            (Some(d), _) if !d.is_empty() => (
                d.to_string(),
                parse_date(d).ok_or_else(|| at(format!("date of service {d:?} is not a date")))?,
            ),
            (_, Some(m)) if !m.is_empty() => (
                m.to_string(),
                YearMonth::parse(m)
                    .ok_or_else(|| at(format!("month {m:?} is not YYYY-MM")))?
                    .last_day(),
            ),
            _ => {
                return Err(at(
                    "no date of service: the 6-year lookback cannot be applied".into(),
                ));
            }
        };
        // Six years from the date the overpayment was received (42 CFR 401.305(f)): the
        // paid date when the review gives one (a claim paid after its date of service may
        // be inside when its service is not), else the date of service.
        let received = match paid.map(|i| get(Some(i))) {
            Some(p) if !p.is_empty() => {
                parse_date(p).ok_or_else(|| at(format!("paid date {p:?} is not a date")))?
            }
            _ => last_day,
        };
        if received < lookback_from {
            older.0 += 1;
            older.1 += v;
            continue;
        }
        found += v;
        out.push(Row {
            cells: [
                get(cols[0].1).to_string(),
                get(cols[1].1).to_string(),
                get(cols[2].1).to_string(),
                get(cols[3].1).to_string(),
                shown,
                money(v),
                get(reason).to_string(),
                get(frame_line).to_string(),
                get(draw).to_string(),
                line.to_string(),
            ],
            amount: v,
            last_day,
        });
    }
    if rows.is_empty() {
        return Err("has no reviewed item".into());
    }
    if let Some(e) = &extrapolation
        && (e.sample != rows.len() as u64 || e.sample_total != sum_all)
    {
        return Err(format!(
            "is not the review the extrapolation appraised: the extrapolation has {} items totalling {}, the review {} items totalling {}",
            e.sample,
            money(e.sample_total),
            rows.len(),
            money(sum_all)
        ));
    }
    Ok(Refund {
        identified,
        deadline,
        lookback_from,
        reviewed: rows.len(),
        rows: out,
        found,
        older,
        missing,
        extrapolation,
        by_paid_date: paid.is_some(),
    })
}

/// refund.csv: one row per item found overpaid and inside the lookback, in review order.
pub fn refund_csv(r: &Refund) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let safe = |c: &str| crate::report::safe_cell(c).into_owned();
    w.write_record(REFUND_COLUMNS).expect("writing to memory");
    for row in &r.rows {
        w.write_record(row.cells.iter().map(|c| safe(c)))
            .expect("writing to memory");
    }
    w.into_inner().unwrap_or_default()
}

/// What the report says, once for the text and refund.json.
pub fn summary_json(r: &Refund) -> Value {
    json!({
        "identified": r.identified.to_string(),
        "deadline": r.deadline.to_string(),
        "deadline_rule": "report and return within 60 days of identification (42 CFR 401.305(b)); ccm applies no suspension",
        "lookback_from": r.lookback_from.to_string(),
        "lookback_rule": if r.by_paid_date {
            "overpayments paid (else, without a paid date, with a date of service) more than 6 years before the identification date are left out (42 CFR 401.305(f): 6 years from the date the overpayment was received)"
        } else {
            "overpayments with a date of service more than 6 years before the identification date are left out (42 CFR 401.305(f))"
        },
        "items_reviewed": r.reviewed,
        "items_overpaid": r.rows.len(),
        "overpayments_found": money(r.found),
        "left_out_older_than_lookback": { "items": r.older.0, "amount": money(r.older.1) },
        "columns_missing": r.missing,
        "extrapolation": r.extrapolation.as_ref().map(|e| json!({
            "design": e.design,
            "method": e.method,
            "universe": e.universe,
            "sample": e.sample,
            "point_estimate": money(e.point_estimate),
            "amount": money(e.amount),
            "rule": e.rule,
        })),
        "amount_to_refund": money(r.amount()),
        "basis": r.basis(),
    })
}

/// The report as text for a person (stdout).
pub fn refund_text(r: &Refund, review: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "ccm refund {review}");
    let _ = writeln!(
        s,
        "identified {}: report and return by {} (60 days)",
        r.identified, r.deadline
    );
    let _ = writeln!(
        s,
        "lookback: {} from {} (6 years before identification)",
        if r.by_paid_date {
            "paid dates (dates of service where none)"
        } else {
            "dates of service"
        },
        r.lookback_from
    );
    let _ = writeln!(
        s,
        "items reviewed {}, overpaid {} (refund.csv), overpayments found {}",
        r.reviewed,
        r.rows.len(),
        money(r.found)
    );
    let _ = writeln!(
        s,
        "left out, older than the lookback: {} item(s), {}",
        r.older.0,
        money(r.older.1)
    );
    if !r.missing.is_empty() {
        let _ = writeln!(
            s,
            "the review has no {} column: left blank in refund.csv",
            r.missing.join(", no ")
        );
    }
    if let Some(e) = &r.extrapolation {
        let _ = writeln!(
            s,
            "extrapolation ({}, {} of {} items): point estimate {}, amount to repay {}",
            e.design,
            e.sample,
            e.universe,
            money(e.point_estimate),
            money(e.amount)
        );
        let _ = writeln!(s, "  method: {}", e.method);
        let _ = writeln!(s, "  rule: {}", e.rule);
        if r.older.0 > 0 {
            let _ = writeln!(
                s,
                "  note: the extrapolation counts the {} item(s) older than the lookback: draw the sample again from a frame without them",
                r.older.0
            );
        }
    }
    let _ = writeln!(s, "amount to refund: {} ({})", money(r.amount()), r.basis());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn lookback_and_deadline() {
        let header = h(&["overpayment", "date_of_service", "claim_id", "mbi"]);
        let rows = vec![
            (2, h(&["10.00", "2019-06-01", "A", "1EG4TE5MK73"])),
            (3, h(&["5.00", "2019-05-31", "B", ""])),
            (4, h(&["0", "2025-01-01", "C", ""])),
        ];
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let r = refund(&header, &rows, day, None).unwrap();
        assert_eq!(r.deadline.to_string(), "2025-07-31");
        assert_eq!(r.lookback_from.to_string(), "2019-06-01");
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.older, (1, Decimal::new(500, 2)));
        assert_eq!(r.amount(), Decimal::new(1000, 2));
        assert_eq!(r.missing, vec!["patient id", "billing NPI", "reason"]);
        assert!(!r.by_paid_date);
    }

    /// Red team round 10, `refund_lookback_60day`: six years from the date the overpayment
    /// was received (42 CFR 401.305(f)), not from the date of service: a claim for a service
    /// before the lookback, paid inside it, is refunded; one without a paid date falls back
    /// on its date of service.
    #[test]
    fn the_lookback_counts_from_the_paid_date_when_the_review_gives_one() {
        let header = h(&["overpayment", "date_of_service", "paid_date", "claim_id"]);
        let rows = vec![
            (2, h(&["10.00", "2019-05-20", "2019-06-10", "A"])),
            (3, h(&["5.00", "2019-05-20", "2019-05-31", "B"])),
            (4, h(&["7.00", "2019-05-20", "", "C"])),
        ];
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let r = refund(&header, &rows, day, None).unwrap();
        assert!(r.by_paid_date);
        assert_eq!(r.rows.len(), 1, "only A was paid inside the six years");
        assert_eq!(r.amount(), Decimal::new(1000, 2));
        assert_eq!(r.older, (2, Decimal::new(1200, 2)));
        let bad = vec![(2, h(&["10.00", "2019-05-20", "soon", "A"]))];
        assert!(
            refund(&header, &bad, day, None)
                .unwrap_err()
                .contains("paid date")
        );
    }

    /// Red team round 12, `wf_refund_zero_despite_identified`: a sample whose 90% lower
    /// limit is negative repays 0 by the extrapolation, yet the two overpayments found in
    /// it are identified overpayments (42 CFR 401.305(a)(2)): the refund is never less.
    #[test]
    fn the_refund_is_never_less_than_the_overpayments_found_in_the_sample() {
        let header = h(&["overpayment", "date_of_service"]);
        let rows = vec![
            (2, h(&["45.93", "2025-03-31"])),
            (3, h(&["45.93", "2025-03-31"])),
            (4, h(&["0.00", "2025-03-31"])),
        ];
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let ex = |amount: i64| Extrapolation {
            amount: Decimal::new(amount, 2),
            rule: String::new(),
            method: String::new(),
            design: String::new(),
            point_estimate: Decimal::ZERO,
            sample: 3,
            universe: 398,
            sample_total: Decimal::new(9186, 2),
        };
        let r = refund(&header, &rows, day, Some(ex(0))).unwrap();
        assert_eq!(r.amount(), Decimal::new(9186, 2));
        assert!(
            r.basis()
                .starts_with("the overpayments found in the sample")
        );
        let r = refund(&header, &rows, day, Some(ex(60934))).unwrap();
        assert_eq!(r.amount(), Decimal::new(60934, 2));
        assert!(r.basis().starts_with("extrapolated"));
    }
}
