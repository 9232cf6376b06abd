//! Checks across one year's rule files, once each is parsed: what no single row shows.
//! Each failure names the file and line and the rule broken.

use super::{RulesError, YearRules, bad};
use chrono::{Datelike, NaiveDate};

/// Units above this in a month are no MUE CMS publishes for care-management codes.
const MAX_UNIT_CAP: u32 = 31;

/// A year's code table, fees and conversion factors, checked together. `codes` and
/// `conversion` name the files (rows are in file order: line = index + 2).
pub(super) fn year(
    y: i32,
    yr: &YearRules,
    codes: &str,
    fees: &str,
    conversion: &str,
) -> Result<(), RulesError> {
    if !yr.codes.iter().any(|c| !c.is_addon) {
        return Err(bad(codes, "no base code: nothing could ever be billed"));
    }
    for (i, c) in yr.codes.iter().enumerate() {
        let line = i + 2;
        let h = &c.hcpcs;
        if h.len() != 5 || !h.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad(
                codes,
                format!("line {line}: {h:?} is not a HCPCS code"),
            ));
        }
        if let Some(j) = yr.codes[..i].iter().position(|o| o.hcpcs == *h) {
            return Err(bad(
                codes,
                format!("line {line}: {h} is listed twice (also line {})", j + 2),
            ));
        }
        if !c.is_addon && c.threshold < 1 {
            return Err(bad(
                codes,
                format!("line {line}: base {h} needs a threshold of 1 minute or more"),
            ));
        }
        if c.is_addon
            && !yr
                .codes
                .iter()
                .any(|b| !b.is_addon && b.hcpcs == c.addon_to)
        {
            return Err(bad(
                codes,
                format!(
                    "line {line}: add-on {h} names base {:?}, which is no base code of this table",
                    c.addon_to
                ),
            ));
        }
        if c.unit_cap > MAX_UNIT_CAP {
            return Err(bad(
                codes,
                format!(
                    "line {line}: {h} unit_cap {} is outside 1-{MAX_UNIT_CAP}",
                    c.unit_cap
                ),
            ));
        }
        if !yr.fees.contains_key(h) {
            return Err(bad(
                fees,
                format!("{h} (codes.csv line {line}) has no fee row: its lines would pay $0.00"),
            ));
        }
    }
    // The conversion factors cover the year, day by day, once: for practitioners outside
    // an APM and for qualifying APM participants alike (rows for all count for both).
    let first = NaiveDate::from_ymd_opt(y, 1, 1).expect("a year");
    let last = NaiveDate::from_ymd_opt(y, 12, 31).expect("a year");
    for apm in [false, true] {
        let mut ranges = yr.factors(apm);
        ranges.sort_by_key(|r| r.0);
        let who = if apm { " (qualifying APM)" } else { "" };
        let mut next = first;
        for (from, to, _) in &ranges {
            let line = yr
                .conversion_rows
                .iter()
                .position(|r| r.0 == *from)
                .unwrap_or(0)
                + 2;
            if *from != next {
                return Err(bad(
                    conversion,
                    format!(
                        "line {line}: starts {from}, but the factors{who} must cover {y} without a gap or an overlap from {next}"
                    ),
                ));
            }
            next = to.succ_opt().unwrap_or(*to);
        }
        if ranges.is_empty() || next.year() == y && next <= last {
            return Err(bad(
                conversion,
                format!("the factors{who} must cover {y} through {last}; they stop before {next}"),
            ));
        }
    }
    Ok(())
}

/// A `clashes.csv` code is evidence of one program only, and of the program codes.csv
/// gives it when that table has it (else a claim line would be audited as one program
/// and clash as another). `clashes` names the file.
pub(super) fn clash_codes(yr: &YearRules, clashes: &str) -> Result<(), RulesError> {
    for (i, c) in yr.clashes.iter().enumerate() {
        let line = i + 2;
        if !c.hcpcs.is_empty() && c.known.is_none() {
            return Err(bad(
                clashes,
                format!(
                    "line {line}: {} lists codes but is no program ccm knows",
                    c.program
                ),
            ));
        }
        for h in &c.hcpcs {
            if let Some(j) = yr.clashes[..i].iter().position(|o| o.hcpcs.contains(h)) {
                return Err(bad(
                    clashes,
                    format!(
                        "line {line}: {h} is a code of {} and of {} (line {})",
                        c.program,
                        yr.clashes[j].program,
                        j + 2
                    ),
                ));
            }
            if let Some(r) = yr.code(h)
                && !r.program.eq_ignore_ascii_case(&c.program)
            {
                return Err(bad(
                    clashes,
                    format!(
                        "line {line}: {h} is listed for {} but codes.csv gives it to {}",
                        c.program, r.program
                    ),
                ));
            }
        }
    }
    Ok(())
}
