//! The staff pass: each staff member's rows by day and clock time, the day checks
//! (repeats, implausible days, overlaps), handed on to the stage that adds rows to months.

use super::Slot;
use super::row::*;
use super::spill::StaffLists;
use crate::checks::scope::Acc;
use crate::checks::time::{Lost, Span, day_overlaps, tm005};
use crate::domain::{FastMap, Finding, Program, Secs, VoidEntry};

/// One staff member's rows after the day checks, for the stage that adds them to their
/// months: sorted by day and clock time, with per row whether it repeats the one before
/// (IN003) and the minutes it loses to overlaps, and the member's TM005 findings.
pub(super) struct StaffDays {
    pub(super) staff: u32,
    pub(super) rows: Vec<Slim>,
    pub(super) dup: Vec<bool>,
    pub(super) lost: Vec<Lost>,
    pub(super) tm005: Vec<Finding>,
    /// The rows that repeat a row of another time log on the fields both carry (the run's
    /// logs differ in them), or a row another log marks as voided: the row's index in
    /// `rows`, the file and line it repeats, and whether that row is a voided one.
    pub(super) across: Vec<(usize, u16, u32, bool)>,
}

/// What the staff pass knows of the run's time logs: each one's layout (empty when they
/// are alike) and the rows they void, by staff member and day.
pub(super) struct Logs<'a> {
    pub(super) layouts: &'a [u8],
    pub(super) voids: FastMap<(u32, i32), Vec<&'a VoidEntry>>,
}

impl<'a> Logs<'a> {
    pub(super) fn of(ds: &'a crate::domain::Dataset) -> Logs<'a> {
        let mut voids: FastMap<(u32, i32), Vec<&VoidEntry>> = FastMap::default();
        for v in &ds.voids {
            // A staff member with no counted row has nothing to void.
            if let Some(s) = ds.staff.get(&v.staff) {
                voids.entry((s, v.date)).or_default().push(v);
            }
        }
        Logs {
            layouts: &ds.layouts,
            voids,
        }
    }

    fn layout(&self, file: u16) -> Option<u8> {
        self.layouts.get(file as usize).copied()
    }

    /// Whether two rows of these files are one entry: the whole fingerprint when the files
    /// are laid out alike, the fields both carry (its low 32 bits) when not.
    fn same_entry(&self, (fa, pa): (u16, u64), (fb, pb): (u16, u64)) -> bool {
        if self.layout(fa) == self.layout(fb) {
            pa == pb
        } else {
            pa as u32 == pb as u32
        }
    }
}

/// The first stage of the staff pass, on its own thread: each staff member's rows (read
/// back from the temporary files when spilled), sorted by day and clock time, with the day
/// checks run (repeats, implausible days, overlaps), handed on in staff order.
pub(super) fn staff_day_checks<'a>(
    lists: &mut StaffLists,
    logs: &Logs,
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
        let mut across = Vec::new();
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
            if !logs.layouts.is_empty() {
                repeats_across_logs(day, logs, dup, from, &mut across);
            }
            if let Some(voids) = logs.voids.get(&(staff, day[0].date)) {
                copies_of_voided(day, voids, logs, dup, from, &mut across);
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
        across.sort_unstable_by_key(|a| a.0);
        let days = StaffDays {
            staff,
            rows,
            dup: all_dup,
            lost: all_lost,
            tm005,
            across,
        };
        if out.send(days).is_err() {
            return;
        }
    }
}

/// The rows of one staff member's day that repeat a row of another time log on the fields
/// both logs carry (the low 32 bits of the fingerprint, and the same patient-month slot):
/// marked in `dup`, and listed in `across` with the row they repeat (by index from `from`).
/// One row of a log repeats at most one row of each other log: two entries in one export
/// and their two copies in another are two entries, each counted once. Logs of the same
/// layout (`layouts`, by file) are compared on all their fields, never here.
fn repeats_across_logs(
    day: &[Slim],
    logs: &Logs,
    dup: &mut [bool],
    from: usize,
    across: &mut Vec<(usize, u16, u32, bool)>,
) {
    let shared = |r: &Slim| (r.slot, r.fp as u32);
    let mut order: Vec<usize> = (0..day.len()).filter(|&k| !dup[k]).collect();
    if order.len() < 2 {
        return;
    }
    order.sort_unstable_by_key(|&k| (shared(&day[k]), day[k].file, day[k].line));
    for group in order.chunk_by(|&a, &b| shared(&day[a]) == shared(&day[b])) {
        if group.len() < 2 {
            continue;
        }
        // The rows kept so far, and the logs whose row each has already been matched by.
        let mut kept: Vec<(usize, Vec<u16>)> = Vec::new();
        let layout = |f: u16| logs.layout(f);
        for &k in group {
            let file = day[k].file;
            let first = kept
                .iter_mut()
                .find(|(o, by)| layout(day[*o].file) != layout(file) && !by.contains(&file));
            match first {
                Some((o, by)) => {
                    by.push(file);
                    dup[k] = true;
                    across.push((from + k, day[*o].file, day[*o].line, false));
                }
                None => kept.push((k, Vec::new())),
            }
        }
    }
}

/// The rows of one staff member's day that are copies of a row another time log marks as
/// not counting (IN009: `Voided`, billable `N`): the newer export says the entry does not
/// count, so its copy in an older export does not either. Rows of the voiding row's own
/// log are entries of their own (an entry voided and entered again). Marked in `dup` and
/// listed in `across` with the voided row.
fn copies_of_voided(
    day: &[Slim],
    voids: &[&VoidEntry],
    logs: &Logs,
    dup: &mut [bool],
    from: usize,
    across: &mut Vec<(usize, u16, u32, bool)>,
) {
    for (k, r) in day.iter().enumerate() {
        if dup[k] {
            continue;
        }
        let void = voids
            .iter()
            .find(|v| v.file != r.file && logs.same_entry((v.file, v.fingerprint), (r.file, r.fp)));
        if let Some(v) = void {
            dup[k] = true;
            across.push((from + k, v.file, v.line as u32, true));
        }
    }
}
