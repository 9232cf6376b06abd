//! What the lookback files and reports say: sample.csv, review.csv, run.json and the
//! appraisal as text or JSON. Pure: bytes and values, the shell writes them.

use super::appraisal::{Appraisal, Estimate};
use super::sample::{Pick, Role};
use crate::report::safe_cell;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The columns ccm puts before the frame's own in sample.csv.
pub const SAMPLE_COLUMNS: [&str; 3] = ["frame_line", "draw", "role"];
/// With `--strata`: the row's RAT-STATS random number within its stratum.
pub const STRATUM_ITEM: &str = "stratum_item";
/// The columns ccm puts before the frame's own in review.csv.
pub const REVIEW_COLUMNS: [&str; 7] = [
    "frame_line",
    "draw",
    "examined_amount",
    "audited_amount",
    "overpayment",
    "overpayment_reason",
    "proposed_by",
];

/// `proposed_by` on a row ccm filled from its own verdict.
pub fn proposer() -> String {
    format!("ccm {}", env!("CARGO_PKG_VERSION"))
}

/// A frame column named as one of ccm's own would make the files ambiguous.
pub fn clashing_column(header: &[String]) -> Option<&str> {
    header
        .iter()
        .map(String::as_str)
        .find(|h| SAMPLE_COLUMNS.contains(h) || REVIEW_COLUMNS.contains(h) || *h == STRATUM_ITEM)
}

fn writer(buf: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(buf)
}

fn record<'a>(
    w: &mut csv::Writer<&mut Vec<u8>>,
    cells: impl IntoIterator<Item = &'a str>,
) -> csv::Result<()> {
    w.write_record(cells.into_iter().map(|c| safe_cell(c).into_owned()))
}

/// sample.csv: `frame_line,draw,role` (and `stratum_item` with strata), then the frame's
/// columns; the sample in frame order, then the spares in draw order (per stratum, strata
/// in name order).
pub fn sample_csv(header: &[String], rows: &[(Pick, Vec<String>)], stratified: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    {
        let mut w = writer(&mut buf);
        let mut head: Vec<&str> = SAMPLE_COLUMNS.to_vec();
        if stratified {
            head.push(STRATUM_ITEM);
        }
        head.extend(header.iter().map(String::as_str));
        record(&mut w, head).expect("writing to memory");
        for (p, cells) in rows {
            let mut line = vec![
                p.frame_line.to_string(),
                p.draw.to_string(),
                p.role.as_str().to_string(),
            ];
            if let Some((_, item)) = &p.stratum {
                line.push(item.to_string());
            }
            line.extend(cells.iter().cloned());
            record(&mut w, line.iter().map(String::as_str)).expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    buf
}

/// review.csv: one row per sampled item (not the spares), `examined_amount` from the
/// frame's amount column when it has one, the reviewer's columns blank or, where ccm has a
/// verdict on the item, its proposal marked `proposed_by` ccm, then the frame's columns.
pub fn review_csv(
    header: &[String],
    rows: &[(Pick, Vec<String>)],
    amount: Option<usize>,
    proposals: &std::collections::BTreeMap<usize, super::evidence::Proposal>,
) -> Vec<u8> {
    let by = proposer();
    let mut buf = Vec::new();
    {
        let mut w = writer(&mut buf);
        let head = REVIEW_COLUMNS
            .iter()
            .copied()
            .chain(header.iter().map(String::as_str));
        record(&mut w, head).expect("writing to memory");
        for (p, cells) in rows.iter().filter(|(p, _)| p.role == Role::Sample) {
            let examined = amount.and_then(|i| cells.get(i)).map_or("", String::as_str);
            let (line, draw) = (p.frame_line.to_string(), p.draw.to_string());
            let (audited, over, reason, who) = match proposals.get(&p.frame_line) {
                Some(x) => (
                    money(x.audited),
                    money(x.overpayment),
                    x.reason.as_str(),
                    by.as_str(),
                ),
                None => (String::new(), String::new(), "", ""),
            };
            let fixed = [
                line.as_str(),
                draw.as_str(),
                examined,
                audited.as_str(),
                over.as_str(),
                reason,
                who,
            ];
            record(
                &mut w,
                fixed.into_iter().chain(cells.iter().map(String::as_str)),
            )
            .expect("writing to memory");
        }
        w.flush().expect("writing to memory");
    }
    buf
}

/// Money as ccm writes it: two decimals, no sign but a minus.
pub fn money(d: Decimal) -> String {
    format!("{:.2}", super::appraisal::cents(d))
}

fn interval_json(e: &Estimate) -> Vec<Value> {
    e.intervals
        .iter()
        .map(|i| {
            json!({
                "level": i.level,
                "factor": i.factor,
                "lower_limit": money(i.lower),
                "upper_limit": money(i.upper),
                "precision_amount": money(i.precision_amount),
                "precision_percent": format!("{:.2}", i.precision_percent),
            })
        })
        .collect()
}

fn estimate_json(e: &Estimate) -> Value {
    json!({
        "universe": e.universe,
        "sample": e.sample,
        "nonzero": e.nonzero,
        "sample_total": money(e.sample_total),
        "df": e.df,
        "factor_kind": if e.df.is_some() { "t" } else { "z" },
        "mean": e.mean.map(money),
        "std_dev": e.std_dev.map(money),
        "se_mean": money(e.se_mean),
        "se_total": money(e.se_total),
        "point_estimate": money(e.point_estimate),
        "intervals": interval_json(e),
    })
}

/// The method, said once for the text and the JSON.
pub fn method(a: &Appraisal) -> &'static str {
    if a.stratified {
        "RAT-STATS Stratified Variable Appraisal of the overpayment (difference) values: each stratum with t-values (df = n - 1), the total with z-values"
    } else {
        "RAT-STATS Unrestricted Variable Appraisal of the overpayment (difference) values, t-values with df = n - 1"
    }
}

/// The rule the repayment follows.
pub const REPAYMENT_RULE: &str = "the lower limit of the two-sided 90% confidence interval (the CIA convention), or 0 when that limit is not positive";

/// The version of `ccm extrapolate --format json`'s document
/// (`docs/schemas/extrapolation.schema.json`; raised on a breaking change,
/// docs/schemas/README.md).
pub const EXTRAPOLATION_SCHEMA_VERSION: u32 = 1;

/// The version of run.json (`docs/schemas/run.schema.json`).
pub const RUN_SCHEMA_VERSION: u32 = 1;

/// A JSON document as ccm writes it: `"schema_version"` first, then `body`'s keys (in
/// serde_json's order: sorted), pretty-printed, a line end last. `body` must not carry a
/// `schema_version` of its own.
pub fn versioned_json(version: u32, body: &Value) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        #[serde(flatten)]
        body: &'a Value,
    }
    debug_assert!(body.get("schema_version").is_none());
    let mut s = serde_json::to_vec_pretty(&Doc {
        schema_version: version,
        body,
    })
    .expect("a JSON value serializes");
    s.push(b'\n');
    s
}

/// The appraisal as JSON (`--format json`), without its `schema_version` (see
/// [`versioned_json`]).
pub fn appraisal_json(a: &Appraisal, review: &str) -> Value {
    json!({
        "review": review,
        "method": method(a),
        "design": if a.stratified { "stratified" } else { "unrestricted" },
        "total": estimate_json(&a.total),
        "strata": a.strata.iter().map(|(name, e)| {
            let mut v = estimate_json(e);
            v["stratum"] = json!(name);
            v
        }).collect::<Vec<_>>(),
        "repayment": { "amount": money(a.repayment()), "rule": REPAYMENT_RULE },
    })
}

fn estimate_text(out: &mut String, e: &Estimate) {
    use std::fmt::Write as _;
    let mut row = |label: &str, v: String| {
        let _ = writeln!(out, "  {label:<24}{v:>18}");
    };
    row("universe (items)", e.universe.to_string());
    row("sample (items)", e.sample.to_string());
    row("nonzero overpayments", e.nonzero.to_string());
    row("sample total", money(e.sample_total));
    if let Some(m) = e.mean {
        row("mean", money(m));
    }
    if let Some(s) = e.std_dev {
        row("standard deviation", money(s));
    }
    row("standard error (mean)", money(e.se_mean));
    row("standard error (total)", money(e.se_total));
    row("point estimate", money(e.point_estimate));
    let factor = match e.df {
        Some(df) => format!("t-value (df {df})"),
        None => "z-value".to_string(),
    };
    let _ = writeln!(
        out,
        "  {:<24}{:>18}{:>18}{:>18}",
        "two-sided confidence", "80%", "90%", "95%"
    );
    let mut line = |label: &str, f: &dyn Fn(&super::appraisal::Interval) -> String| {
        let cells: Vec<String> = e.intervals.iter().map(f).collect();
        let _ = writeln!(
            out,
            "  {label:<24}{:>18}{:>18}{:>18}",
            cells[0], cells[1], cells[2]
        );
    };
    line(&factor, &|i| format!("{:.12}", i.factor));
    line("lower limit", &|i| money(i.lower));
    line("upper limit", &|i| money(i.upper));
    line("precision amount", &|i| money(i.precision_amount));
    line("precision percent", &|i| {
        format!("{:.2}%", i.precision_percent)
    });
}

/// The appraisal as text for a person (the default).
pub fn appraisal_text(a: &Appraisal, review: &str) -> String {
    let mut out = format!("ccm extrapolate {review}\n{}\n", method(a));
    for (name, e) in &a.strata {
        out.push_str(&format!(
            "\nstratum {}\n",
            crate::domain::printable(name, 80)
        ));
        estimate_text(&mut out, e);
    }
    out.push_str(if a.stratified { "\nall strata\n" } else { "\n" });
    estimate_text(&mut out, &a.total);
    out.push_str(&format!(
        "\namount to repay: {} ({REPAYMENT_RULE})\n",
        money(a.repayment())
    ));
    out
}
