//! Writing `--out` and `--xlsx`: the six files, and the workbook when asked, as one set,
//! never half of one, never over an input (the plan checks that), with the user's umask.
//!
//! The commit protocol (docs/outputs.md, *The set*): the set is written into a fresh
//! hidden sibling folder of `--out` (`.OUT.ccm-XXXXXX`), the other entries of `--out`
//! are carried over (hard links; a folder is moved), and the two folders are swapped with
//! one `renameat2(RENAME_EXCHANGE)`. A SIGKILL at any instant leaves `--out` holding the
//! whole previous set or the whole new one. The next run sweeps the sibling a killed run
//! left, under the lock. Where the folder cannot be swapped (not Linux, a file system
//! without the call, a folder owned by someone else, the working directory), the files
//! are renamed one by one, as before.

use crate::args::same_inode;
use crate::domain::Dataset;
use crate::report;
use crate::report::manifest::{FileDigest, ManifestHead};
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The workbook to write (`--xlsx`): where, and how many rows a sheet holds (Excel's
/// limit; lowered by the tests).
pub struct WorkbookOut<'a> {
    pub path: &'a Path,
    pub row_limit: usize,
}

/// A staged file and where it goes.
type Staged = (tempfile::NamedTempFile, PathBuf);

/// The folder a file is written in (`.` for a bare name).
fn folder_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Test builds only: `CCM_FAULT_AT=N` kills the process (SIGKILL, no handler runs) at the
/// N-th step of writing the outputs, so the tests can stop a real run at every step of the
/// commit. Release builds never read it.
fn fault() {
    #[cfg(debug_assertions)]
    {
        use std::sync::atomic::{AtomicU32, Ordering};
        static STEP: AtomicU32 = AtomicU32::new(0);
        let step = STEP.fetch_add(1, Ordering::SeqCst) + 1;
        let at = std::env::var("CCM_FAULT_AT")
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if at == Some(step) {
            #[cfg(unix)]
            // SAFETY: kill(2) on our own pid; no memory is touched.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            std::process::abort();
        }
    }
}

/// Locks a folder (the folder itself: no lock file is left behind) and holds it until the
/// file is dropped. The `--out` folder is replaced by each run: a run that waited on a
/// folder that was swapped out meanwhile locks the folder now at that path. Where a
/// folder cannot be opened as a file, runs are not serialised.
fn lock_dir(dir: &Path) -> Result<Option<std::fs::File>> {
    loop {
        let Ok(f) = std::fs::File::open(dir) else {
            return Ok(None);
        };
        f.lock()
            .with_context(|| format!("cannot lock {}", dir.display()))?;
        match (f.metadata(), std::fs::metadata(dir)) {
            (Ok(held), Ok(now)) if !same_inode(&held, &now) && cfg!(unix) => continue,
            _ => return Ok(Some(f)),
        }
    }
}

/// What a run cleans in one folder: `dir`'s staged files of `names`
/// (`.findings.csv.XXXXXX`, `.findings.csv.ccm-previous`) and, for the `--out` folder,
/// the sibling staging folders `.OUT.ccm-*` a killed run left.
#[derive(Clone)]
struct Sweep {
    dir: PathBuf,
    names: Vec<String>,
    siblings: bool,
}

impl Sweep {
    /// Removes what stopped runs left. Called under the lock (and by the signal handler,
    /// which holds it too). Nothing but ccm's own files is ever removed: an entry of a
    /// staging folder that is not one of ccm's goes back into `--out` (a folder carried
    /// over, a file made there while the set was being swapped).
    fn run(&self) {
        if self.siblings
            && let Some((parent, prefix)) = staging_prefix(&self.dir)
            && let Ok(entries) = std::fs::read_dir(&parent)
        {
            for e in entries.flatten() {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && e.file_name().to_string_lossy().starts_with(&prefix) {
                    sweep_staging(&e.path(), &self.dir, &self.names);
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if !is_dir && is_staged_name(&name, &self.names) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// A staged file of one of `names`: `.NAME.` and more.
fn is_staged_name(name: &str, names: &[String]) -> bool {
    names.iter().any(|o| {
        name.strip_prefix('.')
            .and_then(|r| r.strip_prefix(o.as_str()))
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| !r.is_empty())
    })
}

/// The folder `--out` is staged beside and the prefix of its staging folders:
/// `.OUT.ccm-`.
fn staging_prefix(out: &Path) -> Option<(PathBuf, String)> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty())?;
    let name = out.file_name()?;
    Some((
        parent.to_path_buf(),
        format!(".{}.ccm-", name.to_string_lossy()),
    ))
}

/// Empties and removes one staging folder: ccm's files are removed; any other entry goes
/// back into `out` when `out` lacks it, or is removed when it is the same file as `out`'s
/// (a hard link carried over); what is left (never seen in practice) keeps the folder.
fn sweep_staging(staging: &Path, out: &Path, names: &[String]) {
    if let Ok(entries) = std::fs::read_dir(staging) {
        for e in entries.flatten() {
            let name = e.file_name();
            let n = name.to_string_lossy();
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if !meta.is_dir() && (names.iter().any(|o| *o == n) || is_staged_name(&n, names)) {
                let _ = std::fs::remove_file(&p);
                continue;
            }
            let back = out.join(&name);
            match std::fs::symlink_metadata(&back) {
                Err(_) => {
                    let _ = std::fs::rename(&p, &back);
                }
                Ok(there) if !meta.is_dir() && same_inode(&there, &meta) => {
                    let _ = std::fs::remove_file(&p);
                }
                Ok(_) => {}
            }
        }
    }
    let _ = std::fs::remove_dir(staging);
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Whether `out` is a mount point or holds one (a CI container's volume, `-v
/// $PWD/reports:/reports`): a mount point is neither swapped nor moved (EBUSY), and a file
/// staged beside it cannot be renamed into it (EXDEV), so the set is staged in `out` and
/// its files renamed in one by one (red team round 22: every run into a volume was exit 2,
/// a staged set left behind). Read from `/proc/self/mountinfo` (its fifth field, octal
/// escapes as `\040`); unreadable, no mount is assumed.
fn holds_a_mount(out: &Path) -> bool {
    let Ok(out) = out.canonicalize() else {
        return false;
    };
    let Ok(info) = std::fs::read("/proc/self/mountinfo") else {
        return false;
    };
    info.split(|&b| b == b'\n').any(|line| {
        let Some(field) = line.split(|&b| b == b' ').nth(4) else {
            return false;
        };
        let mut path = Vec::with_capacity(field.len());
        let mut i = 0;
        while i < field.len() {
            let octal = field
                .get(i + 1..i + 4)
                .filter(|d| field[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
            if let Some(d) = octal {
                path.push(d.iter().fold(0u8, |v, c| (v << 3) | (c - b'0')));
                i += 4;
            } else {
                path.push(field[i]);
                i += 1;
            }
        }
        #[cfg(unix)]
        let mount = {
            use std::os::unix::ffi::OsStrExt;
            Path::new(std::ffi::OsStr::from_bytes(&path))
        };
        #[cfg(not(unix))]
        let mount = Path::new("");
        mount.starts_with(&out) && mount != Path::new("/")
    })
}

/// A fresh staging folder beside `out`, with `out`'s mode, locked; `None` where `out`
/// cannot be swapped as a whole: no parent, the working directory (a shell in it would
/// be left in the old folder), another owner (the new folder would be ours), a parent
/// ccm cannot write, or a mount point in the way ([`holds_a_mount`]).
fn make_staging(out: &Path) -> Option<(PathBuf, Option<std::fs::File>)> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let (parent, prefix) = staging_prefix(out)?;
    if holds_a_mount(out) {
        return None;
    }
    if std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok())
        .is_some_and(|c| out.canonicalize().is_ok_and(|o| o == c))
    {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(&parent)
        .ok()?
        .keep();
    let keep = (|| {
        let out_meta = std::fs::metadata(out).ok()?;
        let mine = std::fs::metadata(&dir).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if out_meta.uid() != mine.uid() {
                return None;
            }
        }
        std::fs::set_permissions(&dir, out_meta.permissions()).ok()?;
        let _ = mine;
        Some(())
    })();
    if keep.is_none() {
        let _ = std::fs::remove_dir(&dir);
        return None;
    }
    let lock = std::fs::File::open(&dir).ok();
    if let Some(l) = &lock {
        let _ = l.lock();
    }
    Some((dir, lock))
}

/// Stages one output that goes to `dest`: a hidden temporary file in `folder`, written
/// whole, synced, with the mode it will have.
fn stage(
    dest: &Path,
    folder: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<WriteBack<'_>>) -> Result<()>,
) -> Result<(Staged, FileDigest)> {
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    // Created as 0666 less the user's umask, like any file the user makes; a file
    // replaced keeps its own mode (these files hold patient ids: never loosened). A name
    // that is a symbolic link is replaced, not followed, and lends no mode.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // Created and registered under the lock the signal handler takes: no staged file
    // can appear after the handler has looked.
    let mut tmp = {
        let mut staged = staged();
        let tmp = builder
            .tempfile_in(folder)
            .with_context(|| format!("cannot write in {}", folder.display()))?;
        staged.push(tmp.path().to_path_buf());
        tmp
    };
    let digest = {
        let mut buf = std::io::BufWriter::with_capacity(1 << 18, WriteBack::new(tmp.as_file_mut()));
        write(&mut buf).with_context(|| format!("cannot write {name}"))?;
        buf.flush()?;
        buf.into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {name}"))?
            .digest()
    };

    if let Ok(existing) = std::fs::symlink_metadata(dest)
        && existing.is_file()
    {
        tmp.as_file()
            .set_permissions(existing.permissions())
            .with_context(|| format!("cannot write {}", dest.display()))?;
    }
    tmp.as_file().sync_all().ok();
    fault();
    Ok(((tmp, dest.to_path_buf()), digest))
}

/// The progress line (on a terminal) that the files written from now on count their
/// bytes on; `None` stops it.
pub fn show_writes(bar: Option<indicatif::ProgressBar>) {
    if let Ok(mut s) = SHOWN.lock() {
        *s = bar;
    }
}

static SHOWN: std::sync::Mutex<Option<indicatif::ProgressBar>> = std::sync::Mutex::new(None);

/// A staged file being written, whose pages the kernel is asked to start writing to disk
/// every [`WriteBack::EVERY`] bytes (Linux `sync_file_range`, which does not wait), so
/// the `fsync` before the file takes its name has little left to do: at 2M rows the six
/// files are 340 MB and the syncs at the end took ~0.5 s of the write phase's 1.4 s.
/// Elsewhere it only writes.
pub(crate) struct WriteBack<'a> {
    file: &'a mut std::fs::File,
    /// The terminal's progress line, told the bytes written ([`show_writes`]).
    shown: Option<indicatif::ProgressBar>,
    /// Bytes written, and how many of them the kernel was asked to write back.
    written: u64,
    started: u64,
    /// The SHA-256 of the bytes written (manifest.json's `outputs`), as they go.
    hash: sha2::Sha256,
}

impl<'a> WriteBack<'a> {
    const EVERY: u64 = 8 << 20;

    fn new(file: &'a mut std::fs::File) -> Self {
        WriteBack {
            file,
            shown: SHOWN.lock().ok().and_then(|s| s.clone()),
            written: 0,
            started: 0,
            hash: sha2::Digest::new(),
        }
    }

    /// The bytes written and their SHA-256 in hex.
    fn digest(self) -> FileDigest {
        let d = sha2::Digest::finalize(self.hash);
        FileDigest {
            size: self.written,
            sha256: crate::domain::hex(&d),
        }
    }
}

impl std::io::Write for WriteBack<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        sha2::Digest::update(&mut self.hash, &buf[..n]);
        self.written += n as u64;
        if let Some(bar) = &self.shown {
            bar.inc(n as u64);
        }
        if self.written - self.started >= Self::EVERY {
            #[cfg(target_os = "linux")]
            {
                use std::os::fd::AsRawFd;
                // SAFETY: a plain system call on a descriptor this writer borrows; it reads
                // no memory of ours. Its result is advice only: an error is the fsync's.
                unsafe {
                    libc::sync_file_range(
                        self.file.as_raw_fd(),
                        self.started as libc::off64_t,
                        (self.written - self.started) as libc::off64_t,
                        libc::SYNC_FILE_RANGE_WRITE,
                    );
                }
            }
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Stages the workbook in `folder`, its list sheets from the run's results (the rows the
/// CSV writers write).
fn stage_workbook(
    book: &WorkbookOut,
    folder: &Path,
    summary: &report::Summary,
    src: &report::ListSource,
) -> Result<(Staged, FileDigest)> {
    stage(book.path, folder, |w| {
        Ok(report::write_workbook(
            w,
            summary,
            src,
            book.row_limit,
            folder,
        )?)
    })
}

/// Writes the six files ([`crate::args::OUTPUTS`]), and the workbook when `--xlsx` asks,
/// as a set, whole or not at all (see the module's text). A lock on the folders makes a
/// second run into them wait for the first; what killed runs left is swept under it.
/// SIGINT and SIGTERM remove the staged files. The workbook's list sheets are written from
/// the rows the CSV writers write, so they hold what the files do.
pub fn write_out(dir: &Path, book: Option<&WorkbookOut>, set: &SetContents) -> Result<()> {
    // A link to a folder that does not exist is not followed (one planted there would send
    // the set where its author chose): said, naming where it points.
    if let Ok(to) = std::fs::read_link(dir)
        && std::fs::metadata(dir).is_err()
    {
        bail!(
            "cannot create --out {}: it is a symbolic link to {}, which does not exist; create that folder, or give --out another name",
            crate::domain::path_name(dir),
            crate::domain::path_name(&to)
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create --out {}", dir.display()))?;
    let book_here = book.is_some_and(|b| folder_of(b.path) == dir);
    let (writes, names) = names_in_out(book.filter(|_| book_here));
    let _locks = lock_and_sweep(dir, book.filter(|_| !book_here), &names)?;
    for n in &writes {
        let p = dir.join(n);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            bail!("cannot write {}: it is a directory", p.display());
        }
    }
    let staging = make_staging(dir);
    let stage_in: PathBuf = staging
        .as_ref()
        .map_or_else(|| dir.to_path_buf(), |(s, _)| s.clone());
    fault();
    let (temps, away) = match stage_set(dir, &stage_in, book, book_here, set) {
        Ok(s) => s,
        Err(e) => {
            if let Some((s, _)) = &staging {
                let _held = staged();
                sweep_staging(s, dir, &names);
            }
            return Err(e);
        }
    };
    match staging {
        Some((s, _lock)) => commit_swap(dir, &s, temps, away, &names),
        None => commit(temps.into_iter().chain(away).collect()),
    }
}

/// Decides the names in `--out`: what this run writes there (the six files, and the
/// workbook when it goes there), and what ccm ever writes there (those and
/// [`crate::args::WORKBOOK`]), which the sweeps and the commit look for.
fn names_in_out(book_here: Option<&WorkbookOut>) -> (Vec<String>, Vec<String>) {
    let mut writes: Vec<String> = crate::args::OUTPUTS.iter().map(|o| o.to_string()).collect();
    writes.extend(book_here.map(|b| file_name(b.path)));
    let mut names = writes.clone();
    if !names.iter().any(|n| n == crate::args::WORKBOOK) {
        names.push(crate::args::WORKBOOK.to_string());
    }
    (writes, names)
}

/// Locks `--out` (and the workbook's folder when it is elsewhere, created if need be),
/// sweeps what killed runs left there, and sets the signal handler; returns the locks,
/// held until the set is in.
fn lock_and_sweep(
    dir: &Path,
    book_away: Option<&WorkbookOut>,
    names: &[String],
) -> Result<Vec<Option<std::fs::File>>> {
    let mut sweeps = vec![Sweep {
        dir: dir.to_path_buf(),
        names: names.to_vec(),
        siblings: true,
    }];
    if let Some(b) = book_away {
        let d = folder_of(b.path);
        std::fs::create_dir_all(&d)
            .with_context(|| format!("cannot create the --xlsx folder {}", d.display()))?;
        sweeps.push(Sweep {
            dir: d,
            names: vec![file_name(b.path)],
            siblings: false,
        });
    }
    // Each folder locked once, in one order: two runs never wait on each other crosswise.
    let mut order: Vec<PathBuf> = sweeps.iter().map(|s| s.dir.clone()).collect();
    order.sort();
    order.dedup();
    let locks = order
        .iter()
        .map(|d| lock_dir(d))
        .collect::<Result<Vec<_>>>()?;
    {
        let _held = staged();
        sweeps.iter().for_each(Sweep::run);
    }
    remove_staged_on_signal(sweeps);
    fault();
    Ok(locks)
}

/// What the set is made of: the run's data, whether the CSVs start with a BOM, and the
/// manifest's head (its outputs are added as they are written).
pub struct SetContents<'a, 'l> {
    pub ds: &'a Dataset,
    pub result: &'a crate::audit::Audit,
    pub summary: &'a report::Summary,
    /// Read only by the files that show them (held, worklist, the workbook), which wait for
    /// them; the findings files are written meanwhile.
    pub lists: &'a report::LazyLists<'l>,
    pub bom: bool,
    pub manifest: &'a ManifestHead,
}

/// Writes one file of the set into a writer.
/// What writes one file of the set, into the staged file's buffer itself (not a `dyn
/// Write`: serde_json and csv write a finding in many small pieces, each an indirect call
/// through one; ~2% of a 2M-row run's CPU).
type Writer<'a> =
    Box<dyn Fn(&mut std::io::BufWriter<WriteBack<'_>>) -> std::io::Result<()> + Send + Sync + 'a>;

/// Decides the six files of the set and what writes each, findings.json first.
fn set_writers<'a>(c: &'a SetContents<'a, '_>) -> Vec<(&'static str, Writer<'a>)> {
    vec![
        (
            "findings.json",
            Box::new(move |w| report::write_findings_json(w, c.ds, c.result, c.summary)),
        ),
        (
            "clean_claims.csv",
            Box::new(move |w| report::write_claims_csv(w, c.ds, c.result)),
        ),
        (
            "findings.csv",
            Box::new(move |w| report::write_findings_csv(w, c.ds, c.result)),
        ),
        (
            "held_claims.csv",
            Box::new(move |w| report::write_held_csv(w, c.ds, c.lists)),
        ),
        (
            "summary.json",
            Box::new(move |w| report::write_summary_json(w, c.summary)),
        ),
        (
            "worklist.csv",
            Box::new(move |w| report::write_worklist_csv(w, c.ds, c.lists)),
        ),
    ]
}

/// Stages the set in `stage_in`: the files of [`set_writers`], the workbook (in
/// `stage_in` when it goes in `--out`, else beside its own path), then manifest.json from
/// what they hashed as they were written; returns those for `--out`, and the workbook
/// written elsewhere.
fn stage_set(
    dir: &Path,
    stage_in: &Path,
    book: Option<&WorkbookOut>,
    book_here: bool,
    c: &SetContents,
) -> Result<(Vec<Staged>, Option<Staged>)> {
    let files = set_writers(c);
    let write_one = |(name, write): &(&str, Writer)| -> Result<(Staged, FileDigest)> {
        stage(&dir.join(name), stage_in, |w| {
            if c.bom && name.ends_with(".csv") {
                w.write_all(report::UTF8_BOM)?;
            }
            Ok(write(w)?)
        })
    };
    // findings.json (the largest) is written on a second thread and the workbook on a
    // third, beside the others.
    let (first, rest) = files.split_at(1);
    let (json, others, workbook) = std::thread::scope(|s| {
        let json = s.spawn(|| write_one(&first[0]));
        let workbook = book.map(|b| {
            let folder = if book_here {
                stage_in.to_path_buf()
            } else {
                folder_of(b.path)
            };
            (
                b,
                s.spawn(move || {
                    let src = report::ListSource {
                        ds: c.ds,
                        audit: c.result,
                        lists: c.lists,
                        bom: c.bom,
                    };
                    stage_workbook(b, &folder, c.summary, &src)
                }),
            )
        });
        let others: Vec<Result<(Staged, FileDigest)>> = rest.iter().map(write_one).collect();
        let workbook = workbook.map(|(b, t)| {
            t.join()
                .map_err(|_| anyhow!("cannot write {}", b.path.display()))?
        });
        (json.join(), others, workbook)
    });
    let mut written = vec![json.map_err(|_| anyhow!("cannot write findings.json"))??];
    for t in others {
        written.push(t?);
    }
    let mut away = None;
    let mut away_digest = None;
    if let Some(w) = workbook {
        let (w, d) = w?;
        if book_here {
            written.push((w, d));
        } else {
            away_digest = Some((w.1.display().to_string(), d));
            away = Some(w);
        }
    }
    // The outputs in the manifest: the files of --out by name, in name order, then the
    // workbook written elsewhere by its path.
    let mut outputs: Vec<(String, FileDigest)> = written
        .iter()
        .map(|((_, dest), d)| (file_name(dest), d.clone()))
        .collect();
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    outputs.extend(away_digest);
    let mut temps: Vec<Staged> = written.into_iter().map(|(t, _)| t).collect();
    let (manifest, _) = stage(&dir.join(crate::args::MANIFEST), stage_in, |w| {
        Ok(report::manifest::write_manifest(w, c.manifest, &outputs)?)
    })?;
    temps.push(manifest);
    Ok((temps, away))
}

/// Commits a set staged in the sibling `staging`: the files take their names there, the
/// other entries of `out` are carried over, and the folders are swapped; then the
/// workbook written elsewhere is renamed into place and the previous set (now in
/// `staging`) removed. A file system that cannot swap gets the files one by one.
fn commit_swap(
    out: &Path,
    staging: &Path,
    temps: Vec<Staged>,
    away: Option<Staged>,
    names: &[String],
) -> Result<()> {
    // Held until the set is in: a signal meanwhile waits, so it never stops a commit
    // half way (SIGKILL aside, which the swap is for).
    let mut staged = staged();
    let mut written = Vec::new();
    for (tmp, dest) in temps {
        let name = file_name(&dest);
        let path = tmp.path().to_path_buf();
        tmp.persist(staging.join(&name))
            .map_err(|e| anyhow!("cannot write {}: {}", dest.display(), e.error))?;
        staged.retain(|p| *p != path);
        written.push(name);
    }
    fault();
    let stale = stale_outputs(out, names, &written);
    // The folder's other entries, into the new folder: files as hard links (they stay
    // where they are), anything else moved (a sweep moves it back after a kill).
    for e in std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .flatten()
    {
        let name = e.file_name();
        let name_s = name.to_string_lossy();
        if written.iter().chain(&stale).any(|w| *w == name_s) {
            continue;
        }
        let to = staging.join(&name);
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir || std::fs::hard_link(e.path(), &to).is_err() {
            std::fs::rename(e.path(), &to)
                .with_context(|| format!("cannot carry {} over", e.path().display()))?;
        }
    }
    fault();
    if let Err(e) = exchange(staging, out) {
        // No swap here: the carried entries go back, the files go in one by one.
        let pairs: Vec<(PathBuf, PathBuf)> = written
            .iter()
            .map(|n| (staging.join(n), out.join(n)))
            .collect();
        sweep_staging_except(staging, out, &written);
        drop(staged);
        let r = commit_paths(pairs, away);
        if r.is_ok() {
            for n in &stale {
                let _ = std::fs::remove_file(out.join(n));
            }
        }
        let _held = self::staged();
        sweep_staging(staging, out, names);
        return r.with_context(|| format!("the folder could not be swapped ({e})"));
    }
    fault();
    if let Some((tmp, dest)) = away {
        let path = tmp.path().to_path_buf();
        tmp.persist(&dest)
            .map_err(|e| anyhow!("cannot write {}: {}", dest.display(), e.error))?;
        staged.retain(|p| *p != path);
        fault();
    }
    // The previous set, now in the staging folder.
    sweep_staging(staging, out, names);
    fault();
    Ok(())
}

/// The previous set's own files that this run does not write: named as ccm names its
/// outputs (`names`), listed in the previous manifest.json, and unchanged since (the size
/// and SHA-256 it records). They go with the previous set instead of being carried beside
/// the new one: an earlier run's audit.xlsx beside a run without --xlsx would read as this
/// run's (red team round 22). A file the user changed or put there is theirs, and stays.
fn stale_outputs(out: &Path, names: &[String], written: &[String]) -> Vec<String> {
    let Ok(bytes) = std::fs::read(out.join(crate::args::MANIFEST)) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    let mut stale = Vec::new();
    for o in manifest["outputs"].as_array().into_iter().flatten() {
        let (Some(name), Some(size), Some(sha)) =
            (o["name"].as_str(), o["size"].as_u64(), o["sha256"].as_str())
        else {
            continue;
        };
        if name == crate::args::MANIFEST
            || !names.iter().any(|n| n == name)
            || written.iter().any(|w| w == name)
        {
            continue;
        }
        let path = out.join(name);
        let same = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == size)
            && std::fs::read(&path).is_ok_and(|b| {
                crate::domain::hex(&<sha2::Sha256 as sha2::Digest>::digest(&b)) == sha
            });
        if same {
            stale.push(name.to_string());
        }
    }
    stale
}

/// Returns the carried entries of `staging` to `out`, leaving the files `keep`.
fn sweep_staging_except(staging: &Path, out: &Path, keep: &[String]) {
    if let Ok(entries) = std::fs::read_dir(staging) {
        for e in entries.flatten() {
            let name = e.file_name();
            if keep.iter().any(|k| *k == name.to_string_lossy()) {
                continue;
            }
            let back = out.join(&name);
            match (
                std::fs::symlink_metadata(&back),
                std::fs::symlink_metadata(e.path()),
            ) {
                (Err(_), _) => {
                    let _ = std::fs::rename(e.path(), &back);
                }
                (Ok(there), Ok(meta)) if !meta.is_dir() && same_inode(&there, &meta) => {
                    let _ = std::fs::remove_file(e.path());
                }
                _ => {}
            }
        }
    }
}

/// Writes the workbook alone (`--xlsx FILE` without `--out`): staged beside FILE and
/// renamed.
pub fn write_workbook(
    book: &WorkbookOut,
    ds: &Dataset,
    result: &crate::audit::Audit,
    summary: &report::Summary,
    lists: &report::Lists,
) -> Result<()> {
    let dir = folder_of(book.path);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the --xlsx folder {}", dir.display()))?;
    let _lock = lock_dir(&dir)?;
    let sweep = Sweep {
        dir: dir.clone(),
        names: vec![file_name(book.path)],
        siblings: false,
    };
    {
        let _held = staged();
        sweep.run();
    }
    remove_staged_on_signal(vec![sweep]);
    let src = report::ListSource {
        ds,
        audit: result,
        lists,
        bom: false,
    };
    let (staged, _) = stage_workbook(book, &dir, summary, &src)?;
    commit(vec![staged])
}

/// Writes one file whole or not at all (`--write-baseline`): staged beside it as the set's
/// files are, with the user's umask (a file replaced keeps its mode), then renamed over
/// it; a symbolic link at the name is replaced, not written through.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(path);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let _lock = lock_dir(&dir)?;
    let sweep = Sweep {
        dir: dir.clone(),
        names: vec![file_name(path)],
        siblings: false,
    };
    {
        let _held = staged();
        sweep.run();
    }
    remove_staged_on_signal(vec![sweep]);
    let (staged, _) = stage(path, &dir, |w| Ok(w.write_all(bytes)?))?;
    commit(vec![staged])
}

/// The staged files not yet renamed into place, for the signal handler; its lock is held
/// while a set is committed.
fn staged() -> MutexGuard<'static, Vec<PathBuf>> {
    static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    STAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT or SIGTERM: remove the staged files (they hold patient data) and stop.
/// Also sweeps the folders (a signal can come between a staged file's creation and its
/// registration). The folders are locked, so no other run's files are staged there
/// meanwhile.
fn remove_staged_on_signal(sweeps: Vec<Sweep>) {
    let _ = ctrlc::set_handler(move || {
        // Held until the process ends: no file is staged meanwhile.
        let mut staged = staged();
        for p in staged.drain(..) {
            let _ = std::fs::remove_file(p);
        }
        sweeps.iter().for_each(Sweep::run);
        std::process::exit(130);
    });
}

/// Renames the staged files into place as a set: see [`commit_paths`].
fn commit(temps: Vec<Staged>) -> Result<()> {
    let mut pairs = Vec::new();
    {
        let mut staged = staged();
        for (tmp, dest) in temps {
            let path = tmp
                .into_temp_path()
                .keep()
                .map_err(|e| anyhow!("cannot write {}: {}", dest.display(), e.error))?;
            staged.retain(|p| *p != path);
            pairs.push((path, dest));
        }
    }
    commit_paths(pairs, None)
}

/// Renames staged files (`from`, `to`) into place one by one: first checks that each
/// rename can succeed; keeps each replaced file aside (a hard link in its folder) until
/// all are in, and puts them back if one fails. Not proof against SIGKILL (the folder
/// swap is); SIGINT and SIGTERM wait for it.
fn commit_paths(mut pairs: Vec<(PathBuf, PathBuf)>, away: Option<Staged>) -> Result<()> {
    let staged = staged();
    let mut away_path = None;
    if let Some((tmp, dest)) = away {
        let path = tmp
            .into_temp_path()
            .keep()
            .map_err(|e| anyhow!("cannot write {}: {}", dest.display(), e.error))?;
        away_path = Some(path.clone());
        pairs.push((path, dest));
    }
    let cleanup = |pairs: &[(PathBuf, PathBuf)]| {
        for (from, _) in pairs {
            let _ = std::fs::remove_file(from);
        }
    };
    for (from, dest) in &pairs {
        if std::fs::symlink_metadata(dest).is_ok_and(|m| m.is_dir()) {
            cleanup(&pairs);
            bail!("cannot write {}: it is a directory", dest.display());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // In a sticky folder (like /tmp) only a file's owner may replace it.
            let me = std::fs::metadata(from)?.uid();
            let dir = folder_of(dest);
            if let (Ok(d), Ok(f)) = (std::fs::metadata(&dir), std::fs::symlink_metadata(dest))
                && d.mode() & 0o1000 != 0
                && f.uid() != me
                && d.uid() != me
            {
                cleanup(&pairs);
                bail!(
                    "cannot write {}: another user owns it in a shared folder",
                    dest.display()
                );
            }
        }
    }
    let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let undo = |done: &[(PathBuf, Option<PathBuf>)]| {
        for (dest, kept) in done.iter().rev() {
            match kept {
                Some(k) => {
                    let _ = std::fs::rename(k, dest);
                }
                None => {
                    let _ = std::fs::remove_file(dest);
                }
            }
        }
    };
    for (i, (from, dest)) in pairs.iter().enumerate() {
        let kept = if std::fs::symlink_metadata(dest).is_ok() {
            let k = folder_of(dest).join(format!(".{}.ccm-previous", file_name(dest)));
            let _ = std::fs::remove_file(&k);
            if let Err(e) = std::fs::hard_link(dest, &k) {
                undo(&done);
                cleanup(&pairs[i..]);
                return Err(anyhow!("cannot write {}: {e}", dest.display()));
            }
            Some(k)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(from, dest) {
            if let Some(k) = &kept {
                let _ = std::fs::remove_file(k);
            }
            undo(&done);
            cleanup(&pairs[i..]);
            return Err(anyhow!("cannot write {}: {e}", dest.display()));
        }
        fault();
        done.push((dest.clone(), kept));
    }
    for (_, kept) in done {
        if let Some(k) = kept {
            let _ = std::fs::remove_file(k);
        }
    }
    drop(away_path);
    drop(staged);
    Ok(())
}
