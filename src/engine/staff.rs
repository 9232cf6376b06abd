//! The staff pass: each staff member's rows by day and clock time, the day checks
//! (repeats, implausible days, overlaps), handed on to the stage that adds rows to months.

use super::Slot;
use super::row::*;
use super::spill::StaffLists;
use crate::checks::scope::Acc;
use crate::checks::time::{Lost, Span, day_overlaps, tm005};
use crate::domain::{Finding, Program, Secs};

/// One staff member's rows after the day checks, for the stage that adds them to their
/// months: sorted by day and clock time, with per row whether it repeats the one before
/// (IN003) and the minutes it loses to overlaps, and the member's TM005 findings.
pub(super) struct StaffDays {
    pub(super) staff: u32,
    pub(super) rows: Vec<Slim>,
    pub(super) dup: Vec<bool>,
    pub(super) lost: Vec<Lost>,
    pub(super) tm005: Vec<Finding>,
}

/// The first stage of the staff pass, on its own thread: each staff member's rows (read
/// back from the temporary files when spilled), sorted by day and clock time, with the day
/// checks run (repeats, implausible days, overlaps), handed on in staff order.
pub(super) fn staff_day_checks<'a>(
    lists: &mut StaffLists,
    slots: &[Slot],
    staff_names: &crate::domain::Interner,
    pname: impl Fn(u32) -> &'a str,
    out: std::sync::mpsc::SyncSender<StaffDays>,
) {
    let mut spans = Vec::new();
    let mut span_of = Vec::new();
    for (staff, mut rows) in lists {
        // By day and clock time (one u64), then identical rows by fingerprint and line.
        let base = rows.iter().map(|r| r.date).min().unwrap_or(0);
        let when = |r: &Slim| {
            (u64::from((r.date - base) as u32) << 32)
                | (u64::from(r.start) << 16)
                | u64::from(r.end)
        };
        rows.sort_unstable_by_key(when);
        for run in rows.chunk_by_mut(|a, b| when(a) == when(b)) {
            if run.len() > 1 {
                run.sort_unstable_by_key(|r| (r.fp, r.file, r.line));
            }
        }
        let mut all_dup = Vec::with_capacity(rows.len());
        let mut all_lost = Vec::with_capacity(rows.len());
        let mut tm005 = Vec::new();
        for day in rows.chunk_by(|a, b| a.date == b.date) {
            let from = all_dup.len();
            // Repeats of an identical row (IN003).
            all_dup.resize(from + day.len(), false);
            let dup = &mut all_dup[from..];
            for k in 1..day.len() {
                let (a, b) = (&day[k - 1], &day[k]);
                if a.fp == b.fp && a.start == b.start && a.end == b.end {
                    dup[k] = true;
                }
            }
            let dup = &*dup;
            // Implausible day (TM005): every row that is not a repeat.
            let total: Secs = day
                .iter()
                .zip(dup)
                .filter(|(_, d)| !**d)
                .map(|(r, _)| r.secs)
                .sum();
            if tm005::implausible(total) {
                let acc = Acc {
                    at: day
                        .iter()
                        .zip(dup)
                        .filter(|(_, d)| !**d)
                        .map(|(r, _)| (r.file, u64::from(r.line)))
                        .collect(),
                    secs: total,
                };
                tm005::report(
                    staff_names.name(staff),
                    day[0].naive_date(),
                    &acc,
                    &mut tm005,
                );
            }
            // Overlaps (TM003, TM004) among the countable rows with clock times.
            spans.clear();
            span_of.clear();
            for (k, r) in day.iter().enumerate() {
                let counted = !dup[k] && r.cover.countable() && r.has_interval();
                if counted {
                    let key = &slots[r.slot as usize].key;
                    span_of.push(k);
                    spans.push(Span {
                        start: r.start,
                        end: r.end,
                        secs: r.secs,
                        ccm: key.3 == Program::Ccm,
                        pcm: key.3 == Program::Pcm,
                        tie: (key.0, r.fp, u64::from(r.line)),
                    });
                }
            }
            all_lost.resize(from + day.len(), Lost::default());
            if spans.len() > 1 {
                for (i, l) in day_overlaps(&spans, &pname) {
                    all_lost[from + span_of[i]] = l;
                }
            }
        }
        let days = StaffDays {
            staff,
            rows,
            dup: all_dup,
            lost: all_lost,
            tm005,
        };
        if out.send(days).is_err() {
            return;
        }
    }
}
