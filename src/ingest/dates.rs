//! How one file's dates are read: its day/month order (given with `--date-order`, inferred
//! from the file, or assumed and said) and the zone instants are turned into local dates
//! in (`--tz`, else UTC, said). One per file, shared by both decoding threads.

use crate::domain::{DateOrder, local_date_time, parse_date_in, parse_instant};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::sync::atomic::{AtomicU64, Ordering};

/// A file's way of reading dates, and the count of instants it turned into local dates.
#[derive(Debug)]
pub(super) struct Dates {
    pub(super) order: DateOrder,
    pub(super) tz: Option<Tz>,
    /// Cells that were instants (`…Z`, `…-05:00`), converted to `tz` (or UTC).
    pub(super) instants: AtomicU64,
}

impl Dates {
    pub(super) fn new(order: DateOrder, tz: Option<Tz>) -> Dates {
        Dates {
            order,
            tz,
            instants: AtomicU64::new(0),
        }
    }

    /// A date cell: its date and, for a date-time, its time of day in seconds.
    pub(super) fn parse(&self, s: &str) -> Option<(NaiveDate, Option<u32>)> {
        if let Some(d) = parse_date_in(s, self.order) {
            return Some(d);
        }
        let i = parse_instant(s)?;
        self.instants.fetch_add(1, Ordering::Relaxed);
        let (d, t) = local_date_time(i, self.tz);
        Some((d, Some(t)))
    }

    /// A date cell's date.
    pub(super) fn date(&self, s: &str) -> Option<NaiveDate> {
        self.parse(s).map(|d| d.0)
    }

    /// The forms a date may take, for a message.
    pub(super) fn forms(&self) -> &'static str {
        match self.order {
            DateOrder::Mdy => "YYYY-MM-DD, M/D/YYYY, M/D/YY or a date-time",
            DateOrder::Dmy => "YYYY-MM-DD, D/M/YYYY, D.M.YYYY or a date-time",
        }
    }

    /// What the file's instants became, for its notes; `None` when it had none.
    pub(super) fn note(&self) -> Option<String> {
        let n = self.instants.load(Ordering::Relaxed);
        (n > 0).then(|| match self.tz {
            Some(tz) => format!(
                "{n} date-time(s) with a UTC offset turned into local dates and times in {}",
                tz.name()
            ),
            None => format!(
                "{n} date-time(s) with a UTC offset read as UTC dates and times (no --tz given: give the practice's zone, e.g. --tz America/New_York)"
            ),
        })
    }
}

impl Default for Dates {
    fn default() -> Self {
        Dates::new(DateOrder::Mdy, None)
    }
}

/// What a file's own slash dates say of their day/month order: one cell proving each order
/// (a part above 12), and how many slash dates there are.
#[derive(Debug, Default)]
pub(super) struct OrderEvidence {
    pub(super) mdy: Option<String>,
    pub(super) dmy: Option<String>,
    pub(super) slash: u64,
}

/// Reads the date columns (`cols`, header positions) of the records in `sample` (text
/// from the header on; the header itself is skipped) for evidence of their day/month
/// order. A sample cut mid-record just ends early.
pub(super) fn order_evidence(sample: &[u8], delimiter: u8, cols: &[usize]) -> OrderEvidence {
    let mut ev = OrderEvidence::default();
    if cols.is_empty() {
        return ev;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(sample);
    let mut rec = csv::ByteRecord::new();
    let mut records = 0u32;
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        records += 1;
        // A thousand records without a slash date: the file writes its dates otherwise.
        if records > 1000 && ev.slash == 0 {
            break;
        }
        for &c in cols {
            let Some(cell) = rec.get(c).and_then(|b| std::str::from_utf8(b).ok()) else {
                continue;
            };
            let cell = cell.trim();
            if !cell.contains(['/', '.']) && !is_day_first_dash(cell) {
                continue;
            }
            ev.slash += 1;
            let slot = match crate::domain::date_order_evidence(cell) {
                Some(DateOrder::Mdy) => &mut ev.mdy,
                Some(DateOrder::Dmy) => &mut ev.dmy,
                None => continue,
            };
            if slot.is_none() {
                *slot = Some(crate::domain::printable(cell, 24));
            }
        }
        if ev.mdy.is_some() && ev.dmy.is_some() {
            break;
        }
    }
    ev
}

/// `05-03-2025`: a dash date with the year last (ISO dates have it first).
fn is_day_first_dash(cell: &str) -> bool {
    let b = cell.as_bytes();
    b.len() >= 8 && b[2] == b'-' || (b.len() >= 7 && b[1] == b'-')
}

/// How a file's day/month order was settled.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum OrderHow {
    /// No date needs an order (ISO dates, serials, a workbook's dates).
    NotNeeded,
    /// `--date-order`.
    Given,
    /// The file's own dates prove it (a cell that fits only this order).
    Proven(String),
    /// Every slash date fits both orders: read month first (US exports), with IN008.
    Unproven,
    /// Cells prove both orders: read month first, rows that do not fit are invalid,
    /// with IN008.
    Contradicted { mdy: String, dmy: String },
}

/// The order to read a file's dates in, and how it was settled.
pub(super) fn settle(given: Option<DateOrder>, ev: &OrderEvidence) -> (DateOrder, OrderHow) {
    if let Some(o) = given {
        let how = if ev.slash > 0 {
            OrderHow::Given
        } else {
            OrderHow::NotNeeded
        };
        return (o, how);
    }
    match (&ev.mdy, &ev.dmy) {
        (Some(m), Some(d)) => (
            DateOrder::Mdy,
            OrderHow::Contradicted {
                mdy: m.clone(),
                dmy: d.clone(),
            },
        ),
        (Some(m), None) => (DateOrder::Mdy, OrderHow::Proven(m.clone())),
        (None, Some(d)) => (DateOrder::Dmy, OrderHow::Proven(d.clone())),
        (None, None) if ev.slash > 0 => (DateOrder::Mdy, OrderHow::Unproven),
        (None, None) => (DateOrder::Mdy, OrderHow::NotNeeded),
    }
}

/// The order as summary.json names it.
pub(super) fn order_name(o: DateOrder) -> &'static str {
    match o {
        DateOrder::Mdy => "M/D/Y",
        DateOrder::Dmy => "D/M/Y",
    }
}

/// The file's note on its date order; `None` when no date needed one.
pub(super) fn order_note(o: DateOrder, how: &OrderHow) -> Option<String> {
    let first = match o {
        DateOrder::Mdy => "month first (M/D/Y)",
        DateOrder::Dmy => "day first (D/M/Y)",
    };
    Some(match how {
        OrderHow::NotNeeded => return None,
        OrderHow::Given => format!("dates read {first}, as --date-order says"),
        OrderHow::Proven(cell) => {
            format!("dates read {first}: the file's own {cell:?} fits no other order")
        }
        OrderHow::Unproven => format!(
            "dates read {first} by assumption: every date in the file fits both orders (IN008; give --date-order to decide)"
        ),
        OrderHow::Contradicted { mdy, dmy } => format!(
            "dates read {first}, but the file contradicts itself: {mdy:?} is month-first, {dmy:?} day-first (IN008; rows that do not fit are invalid)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str) -> OrderEvidence {
        order_evidence(text.as_bytes(), b',', &[1])
    }

    #[test]
    fn a_day_above_12_proves_the_order_and_nothing_is_assumed_silently() {
        let m = ev("p,date\n1,3/5/2025\n2,3/25/2025\n");
        assert_eq!(settle(None, &m).0, DateOrder::Mdy);
        assert_eq!(settle(None, &m).1, OrderHow::Proven("3/25/2025".into()));
        let d = ev("p,date\n1,05/03/2025\n2,25/03/2025\n");
        assert_eq!(settle(None, &d).0, DateOrder::Dmy);
        let a = ev("p,date\n1,3/5/2025\n2,4/6/2025\n");
        assert_eq!(settle(None, &a), (DateOrder::Mdy, OrderHow::Unproven));
        let c = ev("p,date\n1,3/25/2025\n2,25/3/2025\n");
        assert!(matches!(settle(None, &c).1, OrderHow::Contradicted { .. }));
        // ISO dates need no order; a given order wins over the evidence.
        let iso = ev("p,date\n1,2025-03-25\n");
        assert_eq!(settle(None, &iso).1, OrderHow::NotNeeded);
        assert_eq!(settle(Some(DateOrder::Dmy), &m).0, DateOrder::Dmy);
        assert_eq!(order_note(DateOrder::Mdy, &OrderHow::NotNeeded), None);
    }
}
