//! How one file's dates are read: its day/month order (given with `--date-order`, inferred
//! from the file, or assumed and said) and the zone instants are turned into local dates
//! in (`--tz`, else UTC, said). One per file, shared by both decoding threads.

use crate::domain::{DateOrder, local_date_time, parse_clock_secs, parse_date_in, parse_instant};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use chrono_tz::{OffsetName, Tz};
use std::sync::atomic::{AtomicU64, Ordering};

/// A file's way of reading dates, and the count of instants it turned into local dates.
#[derive(Debug)]
pub(super) struct Dates {
    pub(super) order: DateOrder,
    pub(super) tz: Option<Tz>,
    /// Cells that were instants (`…Z`, `…-05:00`), converted to `tz` (or UTC).
    pub(super) instants: AtomicU64,
    /// Cells with a zone abbreviation (`EST`) that agreed with `tz`.
    pub(super) abbreviations: AtomicU64,
    /// Intervals read by the wall clock (no `--tz`) across the hour US clocks change.
    pub(super) clock_changes: AtomicU64,
}

/// A start or end time as read: its local time of day in seconds, its date when the cell
/// named one, and the instant when the cell was one (or had an abbreviation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Clock {
    pub(super) date: Option<NaiveDate>,
    pub(super) secs: u32,
    pub(super) instant: Option<DateTime<FixedOffset>>,
}

/// A cell read with its zone abbreviation: the local date, the local time of day (seconds)
/// when it has one, and the instant.
pub(super) type Abbreviated = (NaiveDate, Option<u32>, DateTime<FixedOffset>);

impl Dates {
    pub(super) fn new(order: DateOrder, tz: Option<Tz>) -> Dates {
        Dates {
            order,
            tz,
            instants: AtomicU64::new(0),
            abbreviations: AtomicU64::new(0),
            clock_changes: AtomicU64::new(0),
        }
    }

    /// A date cell: its date and, for a date-time, its time of day in seconds.
    pub(super) fn parse(&self, s: &str) -> Option<(NaiveDate, Option<u32>)> {
        if let Some(d) = parse_date_in(s, self.order) {
            return Some(d);
        }
        if let Some(i) = parse_instant(s) {
            self.instants.fetch_add(1, Ordering::Relaxed);
            let (d, t) = local_date_time(i, self.tz);
            return Some((d, Some(t)));
        }
        match self.with_abbreviation(s) {
            Ok(Some((d, t, _))) => Some((d, t)),
            _ => None,
        }
    }

    /// A date cell's date.
    pub(super) fn date(&self, s: &str) -> Option<NaiveDate> {
        self.parse(s).map(|d| d.0)
    }

    /// A date or date-time cell that may end with a zone abbreviation (`… EST`): the local
    /// date and time when the abbreviation is the `--tz` zone's at that moment; else what
    /// is wrong, for the message. `Ok(None)`: the cell has no abbreviation.
    pub(super) fn with_abbreviation(&self, s: &str) -> Result<Option<Abbreviated>, String> {
        let t = s.trim();
        let Some((body, abbr)) = t.rsplit_once(' ') else {
            return Ok(None);
        };
        if !(2..=5).contains(&abbr.len()) || !abbr.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Ok(None);
        }
        let abbr_up = abbr.to_ascii_uppercase();
        if matches!(abbr_up.as_str(), "AM" | "PM") {
            return Ok(None);
        }
        let Some((date, Some(secs))) = parse_date_in(body, self.order) else {
            return Ok(None);
        };
        let naive = date
            .and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)
            .ok_or("not a time of day")?;
        if matches!(abbr_up.as_str(), "UTC" | "GMT" | "Z") {
            let i = FixedOffset::east_opt(0)
                .and_then(|o| o.from_local_datetime(&naive).single())
                .ok_or("not a time of day")?;
            self.instants.fetch_add(1, Ordering::Relaxed);
            let (d, t) = local_date_time(i, self.tz);
            return Ok(Some((d, Some(t), i)));
        }
        let Some(tz) = self.tz else {
            return Err(format!(
                "ends with the zone abbreviation {abbr_up}, which says nothing of which zone or daylight saving: give --tz (an IANA name such as America/New_York), or export an offset (-05:00)"
            ));
        };
        let local = match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(l) => l,
            chrono::LocalResult::Ambiguous(a, b) => {
                // The repeated hour when clocks go back: the abbreviation says which.
                if a.offset().abbreviation() == Some(abbr_up.as_str()) {
                    a
                } else {
                    b
                }
            }
            chrono::LocalResult::None => {
                return Err(format!(
                    "is not a time that exists in {} (the hour skipped when clocks went forward)",
                    tz.name()
                ));
            }
        };
        let zone_abbr = local.offset().abbreviation().unwrap_or("");
        if zone_abbr != abbr_up {
            return Err(format!(
                "says {abbr_up}, but {} was on {zone_abbr} at that moment: the abbreviation and --tz disagree (fix --tz or the export)",
                tz.name()
            ));
        }
        self.abbreviations.fetch_add(1, Ordering::Relaxed);
        Ok(Some((date, Some(secs), local.fixed_offset())))
    }

    /// A start or end time cell: a clock time (`9:05`, `9:05:33 AM`), a local date-time
    /// (its time), an instant (`…Z`, `…-05:00`: its local date and time in `--tz`), or a
    /// date-time with the `--tz` zone's abbreviation. `Err`: why it is none of them.
    pub(super) fn clock(&self, s: &str) -> Result<Option<Clock>, String> {
        if s.is_empty() {
            return Ok(None);
        }
        if let Some(secs) = parse_clock_secs(s) {
            // A local date-time names its date too (a clock time alone is at most 11
            // characters: `12:05:33 PM`).
            let serial = crate::domain::formats::excel_date_time(s.trim().as_bytes());
            let date = if let Some((d, _)) = serial {
                Some(d)
            } else if s.len() > 11 {
                parse_date_in(s, self.order)
                    .or_else(|| parse_date_in(s, DateOrder::Mdy))
                    .map(|d| d.0)
            } else {
                None
            };
            return Ok(Some(Clock {
                date,
                secs,
                instant: None,
            }));
        }
        if let Some(i) = parse_instant(s) {
            self.instants.fetch_add(1, Ordering::Relaxed);
            let (d, t) = local_date_time(i, self.tz);
            return Ok(Some(Clock {
                date: Some(d),
                secs: t,
                instant: Some(i),
            }));
        }
        match self.with_abbreviation(s)? {
            Some((d, Some(t), i)) => Ok(Some(Clock {
                date: Some(d),
                secs: t,
                instant: Some(i),
            })),
            _ => Err("is not a time (HH:MM, h:mm AM/PM, or a date-time)".to_string()),
        }
    }

    /// Seconds from `start` to `end` on `day`: the instants' difference when both are
    /// instants; with `--tz`, the real time between two local clock readings (a call across
    /// the night clocks change lasts what it lasted); else the clock difference.
    pub(super) fn elapsed(
        &self,
        day: NaiveDate,
        start: &Clock,
        end: &Clock,
    ) -> Result<i64, String> {
        if let (Some(a), Some(b)) = (start.instant, end.instant) {
            return Ok((b - a).num_seconds());
        }
        let Some(tz) = self.tz else {
            if start.instant.is_none()
                && end.instant.is_none()
                && crosses_us_clock_change(day, start.secs, end.secs)
            {
                self.clock_changes.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(i64::from(end.secs) - i64::from(start.secs));
        };
        let at = |c: &Clock| -> Result<DateTime<FixedOffset>, String> {
            if let Some(i) = c.instant {
                return Ok(i);
            }
            let naive = c
                .date
                .unwrap_or(day)
                .and_hms_opt(c.secs / 3600 % 24, c.secs / 60 % 60, c.secs % 60)
                .ok_or("not a time of day")?;
            let naive = if c.secs >= 24 * 3600 {
                naive + chrono::Duration::days(1)
            } else {
                naive
            };
            match tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(l) => Ok(l.fixed_offset()),
                chrono::LocalResult::Ambiguous(..) => Err(format!(
                    "falls in the hour {} repeats when clocks go back: which one cannot be told; export times with an offset",
                    tz.name()
                )),
                chrono::LocalResult::None => Err(format!(
                    "is not a time that exists in {} (the hour skipped when clocks went forward)",
                    tz.name()
                )),
            }
        };
        Ok((at(end)? - at(start)?).num_seconds())
    }

    /// The forms a date may take, for a message.
    pub(super) fn forms(&self) -> &'static str {
        match self.order {
            DateOrder::Mdy => "YYYY-MM-DD, M/D/YYYY, M/D/YY or a date-time",
            DateOrder::Dmy => "YYYY-MM-DD, D/M/YYYY, D.M.YYYY or a date-time",
        }
    }

    /// What the file's instants and zone abbreviations became, for its notes.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.note().into_iter().collect();
        let c = self.clock_changes.load(Ordering::Relaxed);
        if c > 0 {
            out.push(format!(
                "{c} interval(s) cross the hour US clocks change (2 a.m. on the second Sunday of March, or 1-2 a.m. on the first Sunday of November): read by the wall clock, as no --tz was given; with --tz ZONE the real time counts (01:50-03:05 the night clocks go forward lasted 15 minutes)"
            ));
        }
        let a = self.abbreviations.load(Ordering::Relaxed);
        if a > 0
            && let Some(tz) = self.tz
        {
            out.push(format!(
                "{a} date-time(s) ending with a zone abbreviation (EST, EDT ...) read as {} local time: each abbreviation agreed with the zone at its moment",
                tz.name()
            ));
        }
        out
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
    let mut rdr = super::reader::sample_reader(sample, delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut records = 0u32;
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        records += 1;
        // A thousand records without a slash date: the file writes its dates otherwise.
        if records > 1000 && ev.slash == 0 {
            break;
        }
        for &c in cols {
            let Some(cell) = rec.get(c).and_then(super::clean::cell) else {
                continue;
            };
            let cell = cell.trim();
            // Only a date whose reading depends on the order is evidence, or needs it: a
            // year-first `2025/03/04` has one reading.
            if !crate::domain::date_order_matters(cell) {
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
    /// Every slash date fits both orders, and the run's other files that prove an order
    /// all prove this one: read in it (one export, one locale), with IN008 naming the
    /// file and cell it follows.
    Follows { file: String, cell: String },
    /// Cells prove both orders: read month first, rows that do not fit are invalid,
    /// with IN008.
    Contradicted { mdy: String, dmy: String },
}

/// The day/month order the run's files prove by their own dates, when every one that
/// proves an order proves the same: the first such file's name and cell.
pub(super) fn run_proof(
    files: &[crate::domain::SourceFile],
) -> Option<(DateOrder, String, String)> {
    let mut proven = files
        .iter()
        .filter_map(|f| f.read.date_proof.as_ref().map(|(o, c)| (*o, f, c)));
    let (order, file, cell) = proven.next()?;
    proven
        .all(|(o, _, _)| o == order)
        .then(|| (order, file.name.clone(), cell.clone()))
}

/// The order to read a file's dates in, and how it was settled: `run`, what the run's
/// other files prove ([`run_proof`]), decides a file whose every date fits both orders.
pub(super) fn settle(
    given: Option<DateOrder>,
    ev: &OrderEvidence,
    run: Option<(DateOrder, String, String)>,
) -> (DateOrder, OrderHow) {
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
        (None, None) if ev.slash > 0 => match run {
            Some((order, file, cell)) => (order, OrderHow::Follows { file, cell }),
            None => (DateOrder::Mdy, OrderHow::Unproven),
        },
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
        OrderHow::Follows { file, cell } => format!(
            "dates read {first}, as {} proves ({cell:?} fits no other order): every date in this file fits both orders (IN008; give --date-order to decide)",
            crate::domain::printable(file, 200)
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

    fn proven(name: &str, order: Option<(DateOrder, &str)>) -> crate::domain::SourceFile {
        crate::domain::SourceFile {
            name: name.into(),
            kind: crate::domain::Kind::Consents,
            rows_read: 0,
            columns: Vec::new(),
            headers: Vec::new(),
            read: crate::domain::ReadAs {
                date_proof: order.map(|(o, c)| (o, c.to_string())),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_file_that_proves_no_order_follows_the_run_only_when_the_run_agrees() {
        let a = ev("p,date\n1,3/5/2025\n2,4/6/2025\n");
        let log = proven("timelog.csv", Some((DateOrder::Dmy, "14/03/2025")));
        let run = run_proof(&[proven("visits.csv", None), log.clone()]);
        assert_eq!(
            settle(None, &a, run.clone()),
            (
                DateOrder::Dmy,
                OrderHow::Follows {
                    file: "timelog.csv".into(),
                    cell: "14/03/2025".into()
                }
            )
        );
        // The file's own proof and the flag come first.
        let m = ev("p,date\n1,3/25/2025\n");
        assert_eq!(settle(None, &m, run.clone()).0, DateOrder::Mdy);
        assert_eq!(settle(Some(DateOrder::Mdy), &a, run).0, DateOrder::Mdy);
        // Two files proving different orders prove nothing for a third.
        let other = proven("consents.csv", Some((DateOrder::Mdy, "3/25/2025")));
        assert_eq!(run_proof(&[log, other]), None);
        assert_eq!(settle(None, &a, None), (DateOrder::Mdy, OrderHow::Unproven));
    }

    #[test]
    fn a_day_above_12_proves_the_order_and_nothing_is_assumed_silently() {
        let m = ev("p,date\n1,3/5/2025\n2,3/25/2025\n");
        assert_eq!(settle(None, &m, None).0, DateOrder::Mdy);
        assert_eq!(
            settle(None, &m, None).1,
            OrderHow::Proven("3/25/2025".into())
        );
        let d = ev("p,date\n1,05/03/2025\n2,25/03/2025\n");
        assert_eq!(settle(None, &d, None).0, DateOrder::Dmy);
        let a = ev("p,date\n1,3/5/2025\n2,4/6/2025\n");
        assert_eq!(settle(None, &a, None), (DateOrder::Mdy, OrderHow::Unproven));
        let c = ev("p,date\n1,3/25/2025\n2,25/3/2025\n");
        assert!(matches!(
            settle(None, &c, None).1,
            OrderHow::Contradicted { .. }
        ));
        // ISO dates need no order; a given order wins over the evidence.
        let iso = ev("p,date\n1,2025-03-25\n");
        assert_eq!(settle(None, &iso, None).1, OrderHow::NotNeeded);
        assert_eq!(settle(Some(DateOrder::Dmy), &m, None).0, DateOrder::Dmy);
        assert_eq!(order_note(DateOrder::Mdy, &OrderHow::NotNeeded), None);
    }
}

/// Whether a local interval from `start` to `end` (seconds of `day`) meets the hour US
/// clocks change (since 2007): 2-3 a.m. on the second Sunday of March (skipped), 1-2 a.m.
/// on the first Sunday of November (repeated). Read by the wall clock, such an interval may
/// not last what it says.
fn crosses_us_clock_change(day: NaiveDate, start: u32, end: u32) -> bool {
    use chrono::{Datelike, Weekday};
    let (from, to) = match (day.month(), day.day()) {
        (3, 8..=14) => (2 * 3600, 3 * 3600),
        (11, 1..=7) => (3600, 2 * 3600),
        _ => return false,
    };
    start < to && end > from && day.weekday() == Weekday::Sun
}

#[cfg(test)]
mod clock_change_tests {
    use super::crosses_us_clock_change;

    #[test]
    fn the_us_clock_changes_are_the_second_sunday_of_march_and_first_of_november() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let h = |x: f64| (x * 3600.0) as u32;
        assert!(crosses_us_clock_change(d(2025, 3, 9), h(1.5), h(3.25)));
        assert!(crosses_us_clock_change(d(2025, 11, 2), h(1.5), h(1.75)));
        assert!(crosses_us_clock_change(d(2026, 3, 8), h(1.0), h(4.0)));
        // The day before, the hour before, another Sunday of March.
        assert!(!crosses_us_clock_change(d(2025, 3, 8), h(1.5), h(3.25)));
        assert!(!crosses_us_clock_change(d(2025, 3, 9), h(0.5), h(2.0)));
        assert!(!crosses_us_clock_change(d(2025, 3, 16), h(1.5), h(3.25)));
        assert!(!crosses_us_clock_change(d(2025, 11, 2), h(2.0), h(3.0)));
    }
}
