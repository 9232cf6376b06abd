//! The floor under the benchmark's goals (benches/run.sh): the least work any audit of the
//! time log must do, done as fast as two cores allow, with nothing else.
//!
//!     cargo run --release --example floor -- FILE [THREADS] [none|map|interner]
//!
//! FILE is cut into THREADS byte ranges (default 2) at line ends; each thread parses its
//! range with the `csv` crate (one reused `ByteRecord`) and sums the `minutes` column per
//! patient id, the per-thread sums merged at the end. That is the core audit's group-by
//! without consent, roles, conditions, clock times or any check, and nothing written. The
//! sums are kept (third argument) in nothing (`none`: the parse alone, split over the
//! threads), a hash map of boxed ids with the fast hasher ccm uses (`map`), or ccm's own
//! [`ccm::domain::Interner`] fed 512 ids at a time plus a `Vec` of sums (`interner`, the
//! default). It prints the record count, and records, patients, minutes and wall time on
//! stderr.
//!
//! Cutting at line ends is exact only when no quoted field holds a line end, as in the
//! benchmark's generated logs; the record count printed is checked against the bare parse
//! by benches/run.sh.

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::process::ExitCode;

/// Patient id → minutes, with the fast hasher ccm itself uses.
type Sums = HashMap<Box<[u8]>, u64, foldhash::fast::RandomState>;

#[derive(Clone, Copy, PartialEq)]
enum Group {
    None,
    Map,
    Interner,
}

/// Minutes per patient as one thread keeps them.
#[derive(Default)]
struct Interned {
    ids: ccm::domain::Interner,
    minutes: Vec<u64>,
    keys: Vec<ccm::domain::IdKey>,
    add: Vec<u64>,
    out: Vec<u32>,
}

impl Interned {
    fn flush(&mut self) {
        self.ids.intern_batch(&self.keys, &mut self.out);
        for (&id, &m) in self.out.iter().zip(&self.add) {
            let id = id as usize;
            if id >= self.minutes.len() {
                self.minutes.resize(id + 1, 0);
            }
            self.minutes[id] += m;
        }
        self.keys.clear();
        self.add.clear();
    }

    fn into_sums(mut self) -> Sums {
        self.flush();
        let mut sums = Sums::default();
        for (id, &m) in self.minutes.iter().enumerate() {
            sums.insert(self.ids.name(id as u32).as_bytes().into(), m);
        }
        sums
    }
}

/// Parses bytes `[from, to)` of the file (both at line starts) and sums minutes per patient.
fn range(
    path: &str,
    from: u64,
    to: u64,
    skip_header: bool,
    group: Group,
) -> std::io::Result<(u64, Sums)> {
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(from))?;
    let src = BufReader::with_capacity(1 << 16, f).take(to - from);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(skip_header)
        .flexible(true)
        .from_reader(src);
    let mut rec = csv::ByteRecord::new();
    let mut sums = Sums::default();
    let mut interned = Interned::default();
    let mut n = 0u64;
    while rdr
        .read_byte_record(&mut rec)
        .map_err(std::io::Error::other)?
    {
        n += 1;
        let (Some(patient), Some(minutes)) = (rec.get(0), rec.get(2)) else {
            continue;
        };
        let m: u64 = std::str::from_utf8(minutes)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match group {
            Group::None => {}
            Group::Map => {
                if let Some(v) = sums.get_mut(patient) {
                    *v += m;
                } else {
                    sums.insert(patient.into(), m);
                }
            }
            Group::Interner => {
                let id = std::str::from_utf8(patient).unwrap_or("");
                let key = ccm::domain::IdKey::new(id);
                if !key.is_inline() {
                    continue;
                }
                interned.keys.push(key);
                interned.add.push(m);
                if interned.keys.len() == 512 {
                    interned.flush();
                }
            }
        }
    }
    if group == Group::Interner {
        sums = interned.into_sums();
    }
    Ok((n, sums))
}

/// The first line start at or after `at`.
fn line_start(path: &str, at: u64) -> std::io::Result<u64> {
    if at == 0 {
        return Ok(0);
    }
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(at - 1))?;
    let mut buf = [0u8; 1 << 16];
    let mut pos = at - 1;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(pos);
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: floor FILE [THREADS] [none|map|interner]");
        return ExitCode::from(2);
    };
    let threads: u64 = args.next().and_then(|t| t.parse().ok()).unwrap_or(2).max(1);
    let group = match args.next().as_deref() {
        None | Some("interner") => Group::Interner,
        Some("map") => Group::Map,
        Some("none") => Group::None,
        Some(other) => {
            eprintln!("floor: unknown grouping {other:?} (none, map or interner)");
            return ExitCode::from(2);
        }
    };
    let t0 = std::time::Instant::now();
    let run = || -> std::io::Result<(u64, Sums)> {
        let size = std::fs::metadata(&path)?.len();
        let mut cuts = Vec::new();
        for i in 0..=threads {
            cuts.push(line_start(&path, size * i / threads)?);
        }
        let parts = std::thread::scope(|s| {
            let handles: Vec<_> = cuts
                .windows(2)
                .enumerate()
                .map(|(i, w)| {
                    let (from, to, path) = (w[0], w[1], path.as_str());
                    s.spawn(move || range(path, from, to, i == 0, group))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a parsing thread panicked"))
                .collect::<Vec<_>>()
        });
        let mut total = 0u64;
        let mut all: Option<Sums> = None;
        for part in parts {
            let (n, sums) = part?;
            total += n;
            match all.as_mut() {
                None => all = Some(sums),
                Some(a) => {
                    for (k, v) in sums {
                        *a.entry(k).or_insert(0) += v;
                    }
                }
            }
        }
        Ok((total, all.unwrap_or_default()))
    };
    match run() {
        Ok((records, sums)) => {
            let minutes: u64 = sums.values().sum();
            println!("{records}");
            eprintln!(
                "floor: {records} records, {} patients, {minutes} minutes, {:.3} s",
                sums.len(),
                t0.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floor: {path}: {e}");
            ExitCode::from(1)
        }
    }
}
