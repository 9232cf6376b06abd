//! The compliance officer's lookback (issue 26): draw a sample of a frame as RAT-STATS'
//! "Single Stage Random Numbers" would (`ccm sample`), and project the reviewed
//! overpayments onto the frame as RAT-STATS' variable appraisals do (`ccm extrapolate`).
//!
//! Pure: the shell (`app::lookback`) reads the files and writes the outputs; this module
//! decides what is drawn, what is estimated and what the files say. docs/lookback.md is the
//! reference, with every point where compatibility with RAT-STATS rests on inference.

pub mod appraisal;
pub mod evidence;
pub mod refund;
pub mod render;
pub mod rng;
pub mod sample;
pub mod tvalue;

use rust_decimal::Decimal;

/// Why a lookback cannot run (the shell prints it as `ccm: …`, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum LookbackError {
    #[error("{0}")]
    Invalid(String),
}

fn invalid(s: impl Into<String>) -> LookbackError {
    LookbackError::Invalid(s.into())
}

/// A seed as RAT-STATS prints it (`4967669.23`; thousands commas allowed): a decimal
/// number, read as the nearest Double, which is what RAT-STATS hands `Randomize`.
pub fn parse_seed(text: &str) -> Result<f64, LookbackError> {
    let t = ungrouped(text.trim()).unwrap_or_default();
    let digits = t.strip_prefix('-').unwrap_or(&t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && frac.is_empty());
    let bad = || {
        invalid(format!(
            "--seed {:?} is not a number as RAT-STATS prints a seed (e.g. 4967669.23)",
            crate::domain::printable(text, 60)
        ))
    };
    if !ok {
        return Err(bad());
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(bad)
}

/// `text` without its thousands commas, or `None` when a comma stands anywhere else
/// (`4967669,23` and `45,93` are decimal commas, not groups: refused, never read as
/// 496766923 or 4593).
fn ungrouped(text: &str) -> Option<String> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.contains(',') {
        return None;
    }
    if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first = groups[0].trim_start_matches('-');
        if first.is_empty() || first.len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    Some(text.replace(',', ""))
}

/// A reviewed amount: a decimal number; a leading `'` (ccm's own formula guard), a `$`
/// and thousands commas are allowed. `None` for a blank cell.
pub fn parse_amount(cell: &str) -> Result<Option<Decimal>, String> {
    let t = cell.trim();
    let t = t.strip_prefix('\'').unwrap_or(t).trim();
    if t.is_empty() {
        return Ok(None);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let body = ungrouped(body.strip_prefix('$').unwrap_or(body)).unwrap_or_default();
    let plain = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|&b| b == b'.').count() <= 1
        && body.bytes().any(|b| b.is_ascii_digit())
        // Cents at most: a finer amount would be rounded one way in a row and another in
        // a total (the refund's rows would not add up to it).
        && body.split_once('.').is_none_or(|(_, f)| f.len() <= 2);
    let v = plain
        .then(|| body.parse::<Decimal>().ok())
        .flatten()
        .ok_or_else(|| {
            format!(
                "{:?} is not an amount in dollars and cents (a number such as 1,234.50 or -3.10; \
                 commas only between thousands)",
                crate::domain::printable(cell, 60)
            )
        })?;
    Ok(Some(if neg { -v } else { v }))
}

/// The columns of a frame that may hold the examined amount, in the order `ccm sample`
/// tries them when `--amount-column` is not given.
pub const AMOUNT_COLUMNS: [&str; 5] = [
    "amount",
    "paid_amount",
    "allowed_amount",
    "amount_held",
    "expected_payment",
];

/// A frame's or review's column that holds one of the claim's facts: the names a claims
/// file may give it, as ingest decides them ([`crate::ingest::claim_names`]).
pub use crate::ingest::claim_names;

/// ccm's own month column (held_claims.csv), where a frame has no date of service.
pub const MONTH_COLUMNS: &[&str] = &["month"];

/// The first of `names` the header has, matched as ccm matches input headers (case,
/// spaces, `_`, `-` and `.` ignored).
pub fn find_column(header: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| {
        let want = crate::domain::norm_key(n);
        header
            .iter()
            .position(|h| crate::domain::norm_key(h) == want)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The claims columns the lookback reads are claims columns (an unknown name would
    /// give no names, and the column would silently never be found).
    #[test]
    fn the_lookback_reads_claims_columns_by_ingests_names() {
        for c in [
            "patient_id",
            "date_of_service",
            "billing_npi",
            "claim_id",
            "mbi",
        ] {
            assert!(claim_names(c).len() > 1, "{c}");
        }
        let header = ["Medicare Number".to_string(), "ICN".to_string()];
        assert_eq!(find_column(&header, &claim_names("mbi")), Some(0));
        assert_eq!(find_column(&header, &claim_names("claim_id")), Some(1));
    }

    #[test]
    fn seeds_are_read_as_rat_stats_prints_them() {
        assert_eq!(parse_seed("4967669.23").unwrap(), 4967669.23);
        assert_eq!(parse_seed("4,967,669.23").unwrap(), 4967669.23);
        assert_eq!(parse_seed("-53765.23").unwrap(), -53765.23);
        for bad in ["", "1e5", "nan", "inf", "12.", "1.2.3", "abc", "--1"] {
            assert!(parse_seed(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_accept_the_formula_guard_and_dollars() {
        let d = |s: &str| parse_amount(s).unwrap().unwrap().to_string();
        assert_eq!(d("'-12.50"), "-12.50");
        assert_eq!(d("$1,234.5"), "1234.5");
        assert_eq!(d(" 0 "), "0");
        assert_eq!(parse_amount("  ").unwrap(), None);
        assert_eq!(d("$1,234.56"), "1234.56");
        // Red team: decimal commas were read as groups (45,93 as 4593), sub-cents rounded
        // one way in rows and another in totals.
        for bad in [
            "45,93",
            "1234,56",
            "1,23",
            "12,3456",
            "1.005",
            "0.004",
            "1,234.5,6",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert!(parse_seed("4967669,23").is_err());
        assert_eq!(parse_seed("4,967,669.23").unwrap(), 4967669.23);
        for bad in ["12,5x", "(3.00)", "1e3", "-", "."] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }
}
