//! The cross-row checks' per-row records moved out to temporary files when there are more
//! than [`Auditor::spill_above`](super::Auditor::spill_above) of them in memory, so memory
//! grows with patients, not rows.
//!
//! Records go to one of [`BUCKETS`] anonymous temporary files by staff member, in ranges
//! of staff ids fixed at the first spill (the last file takes every id beyond), so reading
//! the files back in order gives the staff members in ascending order, as the lists held in
//! memory do: the audit is the same whichever way its rows were kept. The files are deleted
//! by the system when closed, whatever happens.

use super::row::Slim;
use crate::checks::row_state::Cover;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

pub(super) const BUCKETS: usize = 64;
/// Staff id (4 bytes) and the record's fields, packed.
pub(super) const RECORD: usize = 4 + 30;

/// Time-log rows could not be kept in temporary files.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot keep the time-log rows in temporary files ({0}); free space in the temporary folder (TMPDIR) and run again"
)]
pub struct SpillError(#[from] io::Error);

/// Where spilled records go: a function that opens a new scratch file, readable and
/// writable, deleted when closed. The shell gives it (the engine opens no file itself).
pub type ScratchFiles = std::sync::Arc<dyn Fn() -> io::Result<File> + Send + Sync>;

pub(super) struct Spill {
    scratch: ScratchFiles,
    /// Staff ids per file.
    width: u32,
    files: Vec<Option<BufWriter<File>>>,
    error: Option<io::Error>,
}

impl Spill {
    /// A spill for lists of `staff_seen` staff members so far.
    pub(super) fn new(staff_seen: usize, scratch: ScratchFiles) -> Spill {
        Spill {
            scratch,
            width: staff_seen.div_ceil(BUCKETS).max(1) as u32,
            files: (0..BUCKETS).map(|_| None).collect(),
            error: None,
        }
    }

    pub(super) fn bucket(&self, staff: u32) -> usize {
        ((staff / self.width) as usize).min(BUCKETS - 1)
    }

    /// Moves every list's records out to the files; the lists are left empty, their memory
    /// given back. After a failure the records are dropped and [`Spill::error`] says why:
    /// the audit cannot finish.
    pub(super) fn write(&mut self, by_staff: &mut [Vec<Slim>]) {
        for (staff, rows) in by_staff.iter_mut().enumerate() {
            if !rows.is_empty()
                && self.error.is_none()
                && let Err(e) = self.write_rows(staff as u32, rows)
            {
                self.error = Some(e);
            }
            // Emptied, not freed: the next rows of this staff member reuse the room (no
            // regrowth from nothing after every spill; what is held stays what one spill's
            // worth of rows needed).
            rows.clear();
        }
    }

    pub(super) fn write_rows(&mut self, staff: u32, rows: &[Slim]) -> io::Result<()> {
        let b = self.bucket(staff);
        let w = match &mut self.files[b] {
            Some(w) => w,
            slot => slot.insert(BufWriter::with_capacity(1 << 16, (self.scratch)()?)),
        };
        for r in rows {
            w.write_all(&encode(staff, r))?;
        }
        Ok(())
    }

    pub(super) fn error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// File `b`'s records grouped by staff member, ascending (each member's records in the
    /// order they were written).
    pub(super) fn read_bucket(&mut self, b: usize) -> io::Result<Vec<(u32, Vec<Slim>)>> {
        let Some(w) = self.files[b].take() else {
            return Ok(Vec::new());
        };
        let mut f = w.into_inner().map_err(|e| e.into_error())?;
        f.rewind()?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        drop(f);
        if bytes.len() % RECORD != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a temporary file came back shorter than written",
            ));
        }
        let mut recs: Vec<(u32, Slim)> = bytes.chunks_exact(RECORD).map(decode).collect();
        drop(bytes);
        recs.sort_by_key(|r| r.0);
        let mut out: Vec<(u32, Vec<Slim>)> = Vec::new();
        for (staff, r) in recs {
            match out.last_mut() {
                Some((s, v)) if *s == staff => v.push(r),
                _ => out.push((staff, vec![r])),
            }
        }
        Ok(out)
    }
}

pub(super) fn encode(staff: u32, r: &Slim) -> [u8; RECORD] {
    let mut b = [0u8; RECORD];
    b[0..4].copy_from_slice(&staff.to_le_bytes());
    b[4..12].copy_from_slice(&r.fp.to_le_bytes());
    b[12..16].copy_from_slice(&r.slot.to_le_bytes());
    b[16..20].copy_from_slice(&r.date.to_le_bytes());
    b[20..24].copy_from_slice(&r.line.to_le_bytes());
    b[24..26].copy_from_slice(&r.file.to_le_bytes());
    b[26..28].copy_from_slice(&r.start.to_le_bytes());
    b[28..30].copy_from_slice(&r.end.to_le_bytes());
    // A row's time is at most a day (86 400 s): three bytes. The cover (under 8) and the
    // flags (five bits) share the last byte, so a record stays 34 bytes.
    debug_assert!(r.secs.0 < 1 << 24 && (r.cover as u8) < 8 && r.flags < 32);
    b[30..33].copy_from_slice(&r.secs.0.to_le_bytes()[..3]);
    b[33] = (r.cover as u8) << 5 | r.flags;
    b
}

pub(super) fn decode(b: &[u8]) -> (u32, Slim) {
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut fp = [0u8; 8];
    fp.copy_from_slice(&b[4..12]);
    (
        u32_at(0),
        Slim {
            fp: u64::from_le_bytes(fp),
            slot: u32_at(12),
            date: u32_at(16) as i32,
            line: u32_at(20),
            file: u16_at(24),
            start: u16_at(26),
            end: u16_at(28),
            secs: crate::domain::Secs(u32::from_le_bytes([b[30], b[31], b[32], 0])),
            cover: Cover::from_u8(b[33] >> 5),
            flags: b[33] & 0x1f,
        },
    )
}

/// Each staff member's records, ascending by staff id, from memory or from the files.
pub(super) enum StaffLists {
    Memory(std::iter::Enumerate<std::vec::IntoIter<Vec<Slim>>>),
    Spilled {
        spill: Spill,
        next: usize,
        ready: std::vec::IntoIter<(u32, Vec<Slim>)>,
    },
}

impl StaffLists {
    pub(super) fn memory(by_staff: Vec<Vec<Slim>>) -> StaffLists {
        StaffLists::Memory(by_staff.into_iter().enumerate())
    }

    pub(super) fn spilled(spill: Spill) -> StaffLists {
        StaffLists::Spilled {
            spill,
            next: 0,
            ready: Vec::new().into_iter(),
        }
    }

    /// Why the records could not all be read back, if they could not.
    pub(super) fn error(&mut self) -> Option<io::Error> {
        match self {
            StaffLists::Memory(_) => None,
            StaffLists::Spilled { spill, .. } => spill.error(),
        }
    }
}

impl Iterator for StaffLists {
    type Item = (u32, Vec<Slim>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            StaffLists::Memory(it) => it.next().map(|(s, v)| (s as u32, v)),
            StaffLists::Spilled { spill, next, ready } => loop {
                if let Some(x) = ready.next() {
                    return Some(x);
                }
                if *next >= BUCKETS || spill.error.is_some() {
                    return None;
                }
                match spill.read_bucket(*next) {
                    Ok(v) => *ready = v.into_iter(),
                    Err(e) => spill.error = Some(e),
                }
                *next += 1;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slim(i: u32) -> Slim {
        Slim {
            fp: u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            slot: i,
            date: 739_000 + i as i32,
            line: i + 2,
            file: (i % 3) as u16,
            start: (i % 1440) as u16,
            end: crate::domain::NO_TIME,
            secs: crate::domain::Secs(i % 86_401),
            cover: Cover::from_u8((i % 6) as u8),
            flags: (i % 32) as u8,
        }
    }

    fn same(a: &Slim, b: &Slim) -> bool {
        encode(0, a) == encode(0, b)
    }

    #[test]
    fn spilled_lists_come_back_in_staff_order_unchanged() {
        let staff = 300usize;
        let mut by_staff: Vec<Vec<Slim>> = (0..staff)
            .map(|s| {
                (0..(s % 7) as u32)
                    .map(|k| slim(s as u32 * 10 + k))
                    .collect()
            })
            .collect();
        let expect = by_staff.clone();
        let mut spill = Spill::new(staff / 2, std::sync::Arc::new(tempfile::tempfile));
        // Written in two rounds, as during a run; staff beyond the first range included.
        let mut first: Vec<Vec<Slim>> = by_staff
            .iter_mut()
            .map(|v| v.drain(..v.len() / 2).collect())
            .collect();
        spill.write(&mut first);
        spill.write(&mut by_staff);
        assert!(first.iter().chain(&by_staff).all(Vec::is_empty));
        let mut lists = StaffLists::spilled(spill);
        let back: Vec<(u32, Vec<Slim>)> = (&mut lists).collect();
        assert!(lists.error().is_none());
        let want: Vec<(u32, &Vec<Slim>)> = expect
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(s, v)| (s as u32, v))
            .collect();
        assert_eq!(back.len(), want.len());
        for ((s, v), (ws, wv)) in back.iter().zip(&want) {
            assert_eq!(s, ws);
            assert_eq!(v.len(), wv.len());
            assert!(v.iter().zip(wv.iter()).all(|(a, b)| same(a, b)));
        }
    }
}
