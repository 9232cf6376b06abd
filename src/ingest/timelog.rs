//! Reading a time log: its rows decoded on both threads of the pipeline, their ids
//! interned a batch at a time, in file order.

use super::pipeline::{BATCH, for_each_record};
use super::reader::{Input, accepted, headers_seen, open, show};
use super::schema::{Schema, Source, TimelogCol};
use super::time_row::{FileCtx, InferredRoles, inferred_roles_note, parse_time_row, voided_entry};
use super::{IngestError, ReadOptions};
use crate::domain::{Dataset, IdKey, Kind, Roster, TimeRow};
use crate::rules::Ruleset;
use std::path::Path;

/// Reads one time log into the dataset's rows (`ds.time`).
pub fn read_timelog(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    rules: &Ruleset,
) -> Result<(), IngestError> {
    let input = open_timelog(ds, path, name, opts)?;
    let mut rows = Vec::new();
    stream_timelog(ds, input, rules, |r| rows.push(*r))?;
    ds.time.extend(rows);
    Ok(())
}

/// A time log whose header has been read and checked, ready to stream.
pub struct TimelogInput {
    input: Input<TimelogCol>,
    /// The identity fields every time log of the run carries, when the logs differ in
    /// them ([`share_identity`]); `None` when they are alike.
    common: Option<Identity>,
}

/// The identity fields a time log may lack (the rest every log has): its duplicate
/// fingerprint reads the ones it has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Identity {
    pub(super) times: bool,
    pub(super) activity: bool,
    pub(super) note: bool,
}

impl Identity {
    fn of(input: &Input<TimelogCol>) -> Identity {
        let has = |c: TimelogCol| input.idx[c.index()] != Source::Absent;
        Identity {
            times: has(TimelogCol::StartTime) || has(TimelogCol::EndTime),
            activity: has(TimelogCol::Activity),
            note: has(TimelogCol::Note),
        }
    }

    fn and(self, o: Identity) -> Identity {
        Identity {
            times: self.times && o.times,
            activity: self.activity && o.activity,
            note: self.note && o.note,
        }
    }

    /// What one has and the other lacks, by name.
    fn lacking(self, common: Identity) -> Vec<&'static str> {
        [
            (self.times && !common.times, "start/end times"),
            (self.activity && !common.activity, "activity"),
            (self.note && !common.note, "note"),
        ]
        .into_iter()
        .filter_map(|(lacks, name)| lacks.then_some(name))
        .collect()
    }
}

/// The same entry in two exports of different layouts (a detail export with times beside
/// a summary without them, one with an activity column and one without) is one entry: when
/// the run's time logs differ in the identity fields they carry, each row's fingerprint for
/// matching across logs reads only the fields every log has, and the engine finds a row
/// repeating another log's row on those (IN003). Said in each file's notes. Call once
/// every time log is open, before the rows are read.
pub fn share_identity(ds: &mut Dataset, inputs: &mut [TimelogInput]) {
    let sets: Vec<Identity> = inputs.iter().map(|t| Identity::of(&t.input)).collect();
    let Some(&first) = sets.first() else {
        return;
    };
    if sets.iter().all(|s| *s == first) {
        return;
    }
    let common = sets.iter().fold(first, |a, b| a.and(*b));
    let mut kinds: Vec<Identity> = Vec::new();
    for (t, set) in inputs.iter_mut().zip(sets) {
        t.common = Some(common);
        let f = t.input.file as usize;
        if ds.layouts.len() <= f {
            ds.layouts.resize(f + 1, 0);
        }
        ds.layouts[f] = match kinds.iter().position(|k| *k == set) {
            Some(i) => i as u8,
            None => {
                kinds.push(set);
                (kinds.len() - 1) as u8
            }
        };
        let lacking = set.lacking(common);
        let what = if lacking.is_empty() {
            "this file carries no identity column the others lack".to_string()
        } else {
            format!(
                "this file's {} are not in every time log of the run",
                lacking.join(", ")
            )
        };
        ds.files[t.input.file as usize].read.notes.push(format!(
            "the run's time logs differ in the columns that tell one entry from another ({what}): a row that repeats a row of another time log in every field both carry is a duplicate (IN003), counted once"
        ));
    }
}

/// Opens a time log and checks its header: the file is registered in the dataset (so its
/// index is fixed) but no row is read yet.
pub fn open_timelog(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<TimelogInput, IngestError> {
    let input: Input<TimelogCol> = open(ds, path, name, opts)?;
    // Without a roster, a time log must say each row's role itself.
    if !opts.staff_roster && input.idx[TimelogCol::StaffRole.index()] == Source::Absent {
        ds.files.pop();
        return Err(IngestError::MissingColumn {
            file: crate::domain::printable(name, 200),
            column: "staff_role (or a staff roster: --staff FILE)".to_string(),
            seen: headers_seen(&input.heads),
        });
    }
    Ok(TimelogInput {
        input,
        common: None,
    })
}

/// A time log whose every date fits both day/month orders follows the order the run's
/// files read after it prove (all the same), as they would have followed it; said in its
/// notes and IN008. Call once every file is open, before the rows are read.
pub fn follow_run_order(ds: &mut Dataset, input: &mut TimelogInput) {
    input.input.follow_run_order(ds);
}

/// The run's time logs of one export (the same header) read two-part durations one way:
/// a log whose first bytes prove nothing follows a log of the run with the same header
/// whose first bytes prove a timer's `mm:ss` (a stopwatch export split in two reads as one
/// file), and its notes say so. Under another header it keeps `h:mm` (a 2:05 of another
/// platform may well be hours), and its notes name the log that reads `mm:ss`: ccm cannot
/// tell, and says so. Call once every time log is open, before the rows are read.
pub fn follow_run_durations(ds: &mut Dataset, inputs: &mut [TimelogInput]) {
    let same =
        |h: &[String]| -> Vec<String> { h.iter().map(|c| crate::domain::norm_key(c)).collect() };
    let proofs: Vec<(Vec<String>, String, String)> = inputs
        .iter()
        .filter_map(|t| {
            let i = &t.input;
            let p = i.mmss.as_ref().filter(|p| p.from.is_none())?;
            Some((
                same(&i.heads),
                p.cell.clone(),
                ds.files[i.file as usize].name.clone(),
            ))
        })
        .collect();
    let Some(first) = proofs.first() else {
        return;
    };
    for t in inputs.iter_mut() {
        let i = &mut t.input;
        if i.mmss.is_some() || i.idx[TimelogCol::Minutes.index()].column().is_none() {
            continue;
        }
        let heads = same(&i.heads);
        match proofs.iter().find(|p| p.0 == heads) {
            Some((_, cell, from)) => {
                i.mmss = Some(super::reader::MmssProof {
                    cell: cell.clone(),
                    from: Some(from.clone()),
                });
            }
            None => ds.files[i.file as usize].read.notes.push(format!(
                "two-part durations (if any) read as hours:minutes (h:mm): nothing in this file proves a timer's mm:ss, and {} of this run, under another header, reads them as mm:ss ({}); if both come from the same timer, export them with the same columns",
                crate::domain::printable(&first.2, 200),
                show(&first.1)
            )),
        }
    }
}

/// Reads a time log's rows in file order, handing each valid row to `sink`; rows that
/// cannot be read become IN001/IN002 findings in the dataset. Memory does not grow with
/// the rows: nothing of a row is kept here.
pub fn stream_timelog(
    ds: &mut Dataset,
    input: TimelogInput,
    rules: &Ruleset,
    mut sink: impl FnMut(&TimeRow),
) -> Result<(), IngestError> {
    stream_timelog_batches(ds, input, rules, |rows| rows.iter().for_each(&mut sink))
}

/// [`stream_timelog`], handing the valid rows over a few hundred at a time (in file order),
/// so the receiver can fetch what the rows need from memory together.
pub fn stream_timelog_batches(
    ds: &mut Dataset,
    input: TimelogInput,
    rules: &Ruleset,
    mut sink: impl FnMut(&[TimeRow]),
) -> Result<(), IngestError> {
    let TimelogInput { input, common } = input;
    let file = input.file;
    let dates = input.dates.clone();
    if input.idx[TimelogCol::Note.index()] == Source::Absent {
        ds.files[file as usize]
            .read
            .notes
            .push("no note column: documentation (TM006) is not checked for this file".to_string());
    }
    let inferred = InferredRoles::default();
    let roster = Roster::new(ds.roster.clone().unwrap_or_default());
    if !roster.is_empty() && input.idx[TimelogCol::StaffRole.index()] == Source::Absent {
        ds.files[file as usize].read.notes.push(
            "no staff_role column: each row's role is its staff member's in the staff roster"
                .to_string(),
        );
    }
    if let Some(proof) = &input.mmss {
        let note = match &proof.from {
            None => format!(
                "two-part durations read as a timer's minutes:seconds (mm:ss), not hours:minutes: {} as h:mm would be an entry of over four hours",
                show(&proof.cell)
            ),
            Some(other) => format!(
                "two-part durations read as a timer's minutes:seconds (mm:ss), not hours:minutes, as {} of this run proves under the same header: its {} as h:mm would be an entry of over four hours",
                crate::domain::printable(other, 200),
                show(&proof.cell)
            ),
        };
        ds.files[file as usize].read.notes.push(note);
    }
    let ctx = FileCtx {
        dates,
        inferred,
        roster,
        mmss: input.mmss.is_some(),
        taken: Default::default(),
        common,
    };
    let mut pending = Pending::default();
    // Decoding a row (on whichever thread `for_each_record` gives it to) also makes its
    // ids' keys; the ids are interned here, in file order, a batch at a time: at 500k
    // patients the interner's lookups miss the cache, and a batch's misses overlap.
    let result = for_each_record(
        ds,
        input,
        None,
        |cache, r, line| parse_time_row(cache, r, rules, &ctx, file, line),
        |ds, r, line, _, decoded| {
            // An entry its export voids: kept, to void its copies in other time logs.
            if let Err(super::reader::FieldError::Excluded(f)) = &decoded
                && f.check.code == crate::checks::ingest::in009::IN009.code
                && let Some(v) = voided_entry(r, rules, &ctx, file, line)
            {
                ds.voids.push(v);
            }
            let Some((row, keys)) =
                accepted(decoded, Kind::Timelog, file, line, &mut ds.ingest_findings)
            else {
                return;
            };
            if keys.iter().all(IdKey::is_inline) {
                pending.rows.push(row);
                pending.staff_shown.push(keys[3]);
                for (k, list) in keys.into_iter().take(3).zip(&mut pending.keys) {
                    list.push(k);
                }
                if pending.rows.len() == BATCH {
                    pending.flush(ds, &mut sink);
                }
            } else {
                // An id too long to keep inline: interned from its text, in order.
                pending.flush(ds, &mut sink);
                let id = |c: TimelogCol| r.get(c).unwrap_or("");
                let mut row = row;
                row.patient = ds.patients.intern(id(TimelogCol::PatientId));
                row.staff = ds.staff.intern(id(TimelogCol::StaffId));
                row.npi = ds.npis.intern(id(TimelogCol::BillingNpi));
                sink(&[row]);
            }
        },
    );
    pending.flush(ds, &mut sink);
    let notes = &mut ds.files[file as usize].read.notes;
    notes.extend(inferred_roles_note(&ctx.inferred));
    notes.extend(ctx.taken.notes());
    notes.extend(ctx.dates.notes());
    result
}

/// Valid time-log rows waiting for their ids (patient, staff, NPI keys, in that order).
#[derive(Default)]
struct Pending {
    rows: Vec<TimeRow>,
    keys: [Vec<IdKey>; 3],
    /// The staff cells as written (the staff keys are folded: names compare case aside).
    staff_shown: Vec<IdKey>,
    ids: Vec<u32>,
}

impl Pending {
    /// Interns the waiting rows' ids and hands the rows on.
    fn flush(&mut self, ds: &mut Dataset, sink: &mut impl FnMut(&[TimeRow])) {
        if self.rows.is_empty() {
            return;
        }
        ds.patients.intern_batch(&self.keys[0], &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.patient = id;
        }
        ds.staff
            .intern_names_batch(&self.keys[1], &self.staff_shown, &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.staff = id;
        }
        ds.npis.intern_batch(&self.keys[2], &mut self.ids);
        for (row, &id) in self.rows.iter_mut().zip(&self.ids) {
            row.npi = id;
        }
        sink(&self.rows);
        self.rows.clear();
        self.staff_shown.clear();
        self.keys.iter_mut().for_each(Vec::clear);
    }
}

#[cfg(test)]
mod tests {
    /// A time log of `n` rows mixing valid rows, invalid values, wrong widths, text that
    /// is not UTF-8 (in a needed field and in the note) and ids too long to keep inline.
    fn messy_timelog(n: usize) -> Vec<u8> {
        let mut out = b"patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n".to_vec();
        for i in 0..n {
            let p = if i % 97 == 0 {
                format!("patient-with-a-very-long-identifier-{}", i % 13)
            } else {
                format!("P{:05}", i % 701)
            };
            let row = match i % 50 {
                7 => format!("{p},2025-02-30,20,,,S1,RN,CCM,1234567893,call,note\n"),
                11 => format!("{p},2025-03-04,20\n"),
                13 => format!("{p},2025-03-04,abc,,,S2,RN,CCM,1234567893,call,note\n"),
                _ => format!(
                    "{p},2025-03-{:02},{},,,S{},RN,CCM,1234567893,call,\"reviewed, {}\"\n",
                    1 + i % 28,
                    5 + i % 30,
                    i % 37,
                    i
                ),
            };
            out.extend_from_slice(row.as_bytes());
            if i % 50 == 17 {
                out.extend_from_slice(b"P\xff1,2025-03-04,20,,,S1,RN,CCM,1234567893,call,x\n");
                out.extend_from_slice(
                    b"P00001,2025-03-04,25,,,S3,RN,CCM,1234567893,call,caf\xe9 au lait with the patient today\n",
                );
            }
        }
        out
    }

    #[test]
    fn rows_are_the_same_wherever_they_were_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timelog.csv");
        std::fs::write(&path, messy_timelog(5000)).unwrap();
        let rules = crate::rules::Ruleset::embedded(crate::checks::lookup).unwrap();
        let read = |share: Option<usize>| {
            let opts = crate::ingest::ReadOptions {
                reader_decodes: share,
                ..Default::default()
            };
            let mut ds = crate::domain::Dataset::default();
            let input = super::open_timelog(&mut ds, &path, "timelog.csv", &opts).unwrap();
            let mut rows = Vec::new();
            super::stream_timelog(&mut ds, input, &rules, |r| rows.push(*r)).unwrap();
            let names = |i: &crate::domain::Interner| {
                (0..i.len() as u32)
                    .map(|k| i.name(k).to_string())
                    .collect::<Vec<_>>()
            };
            (
                rows,
                format!("{:?}", ds.ingest_findings),
                names(&ds.patients),
                names(&ds.staff),
                ds.files[0].rows_read,
            )
        };
        let all_on_reader = read(Some(crate::ingest::pipeline::BATCH));
        assert!(all_on_reader.0.len() > 4000, "{}", all_on_reader.0.len());
        assert!(all_on_reader.1.contains("IN002") && all_on_reader.1.contains("IN001"));
        assert_eq!(all_on_reader.4, 5000 + 2 * 100);
        for share in [Some(0), Some(1), Some(200), None] {
            assert!(read(share) == all_on_reader, "share {share:?}");
        }
    }
}
