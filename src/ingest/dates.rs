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
