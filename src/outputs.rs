//! Writing `--out` and `--xlsx`: the six files, and the workbook when asked, as one set,
//! never half of one, never over an input (the plan checks that), with the user's umask.

use crate::domain::Dataset;
use crate::report;
use anyhow::{Context, Result, anyhow, bail};
use std::io::{Seek, Write};
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

/// Locks the folders (each once, in one order: two runs never wait on each other
/// crosswise), and makes SIGINT and SIGTERM remove the files named like the outputs staged
/// in them. The folder itself is locked (no lock file left behind); where a folder cannot
/// be opened as a file, runs are not serialised. The locks hold until the returned files
/// are dropped.
fn lock_folders(folders: &[(PathBuf, Vec<String>)]) -> Result<Vec<std::fs::File>> {
    let mut keys: Vec<PathBuf> = folders
        .iter()
        .map(|(d, _)| d.canonicalize().unwrap_or_else(|_| d.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut locks = Vec::new();
    for k in keys {
        if let Ok(l) = std::fs::File::open(&k) {
            l.lock()
                .with_context(|| format!("cannot lock {}", k.display()))?;
            locks.push(l);
        }
    }
    remove_staged_on_signal(folders.to_vec());
    Ok(locks)
}

/// Stages one output beside `dest`: a hidden temporary file in its folder, written whole,
/// synced, with the mode it will have.
fn stage(
    dest: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> Result<()>,
) -> Result<Staged> {
    let dir = folder_of(dest);
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    // Created as 0666 less the user's umask, like any file the user makes; a file
    // replaced keeps its own mode (these files hold patient ids: never loosened).
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
            .tempfile_in(&dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        staged.push(tmp.path().to_path_buf());
        tmp
    };
    {
        let mut buf = std::io::BufWriter::with_capacity(1 << 18, tmp.as_file_mut());
        write(&mut buf).with_context(|| format!("cannot write {name}"))?;
        buf.flush()?;
    }
    if let Ok(existing) = std::fs::metadata(dest) {
        tmp.as_file()
            .set_permissions(existing.permissions())
            .with_context(|| format!("cannot write {}", dest.display()))?;
    }
    tmp.as_file().sync_all().ok();
    Ok((tmp, dest.to_path_buf()))
}

/// Stages the workbook from the four CSVs as rendered (files at their start).
fn stage_workbook(
    book: &WorkbookOut,
    ds: &Dataset,
    result: &crate::audit::Audit,
    summary: &report::Summary,
    [clean, held, worklist, findings]: [std::fs::File; 4],
) -> Result<Staged> {
    let read = |f| std::io::BufReader::with_capacity(1 << 16, f);
    let sheets = report::data_sheets(
        ds,
        result,
        read(clean),
        read(held),
        read(worklist),
        read(findings),
    );
    let tempdir = folder_of(book.path);
    stage(book.path, |w| {
        Ok(report::write_workbook(
            w,
            summary,
            sheets,
            book.row_limit,
            &tempdir,
        )?)
    })
}

/// Writes the six files ([`crate::args::OUTPUTS`]), and the workbook when `--xlsx` asks,
/// as a set, whole or not at all. Each is staged as a temporary file in its folder; only
/// when all are complete are they renamed into place, after a check that every rename can
/// succeed, and with the previous files kept aside until the last rename so that a failure
/// puts them back. A lock on the folders makes a second run into them wait for the first.
/// SIGINT and SIGTERM remove the staged files. The workbook is made from the staged CSVs
/// themselves, so its sheets hold what the files do.
pub fn write_out(
    dir: &Path,
    book: Option<&WorkbookOut>,
    ds: &Dataset,
    result: &crate::audit::Audit,
    summary: &report::Summary,
    lists: &report::Lists,
    bom: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create --out {}", dir.display()))?;
    let mut folders = vec![(
        dir.to_path_buf(),
        crate::args::OUTPUTS.iter().map(|o| o.to_string()).collect(),
    )];
    if let Some(b) = book {
        let d = folder_of(b.path);
        std::fs::create_dir_all(&d)
            .with_context(|| format!("cannot create the --xlsx folder {}", d.display()))?;
        folders.push((d, vec![file_name(b.path)]));
    }
    let _locks = lock_folders(&folders)?;
    type Writer<'a> = Box<dyn Fn(&mut dyn Write) -> std::io::Result<()> + Send + Sync + 'a>;
    let files: Vec<(&str, Writer)> = vec![
        (
            "findings.json",
            Box::new(|w| report::write_findings_json(w, ds, result, summary)),
        ),
        (
            "clean_claims.csv",
            Box::new(|w| report::write_claims_csv(w, ds, result)),
        ),
        (
            "findings.csv",
            Box::new(|w| report::write_findings_csv(w, ds, result)),
        ),
        (
            "held_claims.csv",
            Box::new(|w| report::write_held_csv(w, ds, lists)),
        ),
        (
            "summary.json",
            Box::new(|w| report::write_summary_json(w, summary)),
        ),
        (
            "worklist.csv",
            Box::new(|w| report::write_worklist_csv(w, ds, lists)),
        ),
    ];
    let write_one = |(name, write): &(&str, Writer)| -> Result<Staged> {
        stage(&dir.join(name), |w| {
            if bom && name.ends_with(".csv") {
                w.write_all(report::UTF8_BOM)?;
            }
            Ok(write(w)?)
        })
    };
    // findings.json (the largest) is written on a second thread beside the others, and
    // the workbook from the staged CSVs.
    let (first, rest) = files.split_at(1);
    let (json, others, workbook) = std::thread::scope(|s| {
        let json = s.spawn(|| write_one(&first[0]));
        let others: Vec<Result<Staged>> = rest.iter().map(write_one).collect();
        let workbook = book.map(|b| -> Result<Staged> {
            let csv = |name: &str| -> Result<std::fs::File> {
                let (tmp, _) = others
                    .iter()
                    .flatten()
                    .find(|(_, dest)| dest.file_name().is_some_and(|n| n == name))
                    .ok_or_else(|| {
                        anyhow!("cannot write {}: {name} was not written", b.path.display())
                    })?;
                tmp.reopen()
                    .with_context(|| format!("cannot read back {name}"))
            };
            stage_workbook(
                b,
                ds,
                result,
                summary,
                [
                    csv("clean_claims.csv")?,
                    csv("held_claims.csv")?,
                    csv("worklist.csv")?,
                    csv("findings.csv")?,
                ],
            )
        });
        (json.join(), others, workbook)
    });
    let mut temps = vec![json.map_err(|_| anyhow!("cannot write findings.json"))??];
    for t in others {
        temps.push(t?);
    }
    if let Some(w) = workbook {
        temps.push(w?);
    }
    commit(temps)
}

/// Writes the workbook alone (`--xlsx FILE` without `--out`): the four CSVs rendered into
/// unnamed temporary files in its folder, the workbook staged beside FILE and renamed.
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
    let _locks = lock_folders(&[(dir.clone(), vec![file_name(book.path)])])?;
    let render = |write: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| -> Result<std::fs::File> {
        let mut f = tempfile::tempfile_in(&dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 18, &mut f);
            write(&mut w)?;
            w.flush()?;
        }
        f.rewind()?;
        Ok(f)
    };
    let csvs = [
        render(&|w| report::write_claims_csv(w, ds, result))?,
        render(&|w| report::write_held_csv(w, ds, lists))?,
        render(&|w| report::write_worklist_csv(w, ds, lists))?,
        render(&|w| report::write_findings_csv(w, ds, result))?,
    ];
    let staged = stage_workbook(book, ds, result, summary, csvs)?;
    commit(vec![staged])
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// The staged files not yet renamed into place, for the signal handler.
fn staged() -> MutexGuard<'static, Vec<PathBuf>> {
    static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    STAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT or SIGTERM: remove the staged files (they hold patient data) and stop.
/// Also removes any file of the folders named like a staged one (`.findings.csv.XXXX`): a
/// signal can come between a staged file's creation and its registration. The folders are
/// locked, so no other run's files are staged there meanwhile.
fn remove_staged_on_signal(folders: Vec<(PathBuf, Vec<String>)>) {
    let _ = ctrlc::set_handler(move || {
        // Held until the process ends: no file is staged meanwhile.
        let mut staged = staged();
        for p in staged.drain(..) {
            let _ = std::fs::remove_file(p);
        }
        for (dir, outputs) in &folders {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if outputs.iter().any(|o| {
                        name.starts_with(&format!(".{o}.")) && name != format!(".{o}.ccm-previous")
                    }) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
        std::process::exit(130);
    });
}

/// Renames the staged files into place as a set: first checks that each rename can
/// succeed; keeps each replaced file aside (a hard link in its folder) until all are in,
/// and puts them back if one fails.
fn commit(temps: Vec<Staged>) -> Result<()> {
    // Held until the set is in: a signal meanwhile waits, so it never stops a commit
    // half way.
    let mut staged = staged();
    for (tmp, dest) in &temps {
        if dest.is_dir() {
            bail!("cannot write {}: it is a directory", dest.display());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // In a sticky folder (like /tmp) only a file's owner may replace it.
            let me = tmp.as_file().metadata()?.uid();
            let dir = folder_of(dest);
            if let (Ok(d), Ok(f)) = (std::fs::metadata(&dir), std::fs::symlink_metadata(dest))
                && d.mode() & 0o1000 != 0
                && f.uid() != me
                && d.uid() != me
            {
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
    for (tmp, dest) in temps {
        let kept = if dest.exists() {
            let k = folder_of(&dest).join(format!(
                ".{}.ccm-previous",
                dest.file_name().unwrap_or_default().to_string_lossy()
            ));
            let _ = std::fs::remove_file(&k);
            if let Err(e) = std::fs::hard_link(&dest, &k) {
                undo(&done);
                return Err(anyhow!("cannot write {}: {e}", dest.display()));
            }
            Some(k)
        } else {
            None
        };
        let path = tmp.path().to_path_buf();
        if let Err(e) = tmp.persist(&dest) {
            if let Some(k) = &kept {
                let _ = std::fs::remove_file(k);
            }
            undo(&done);
            return Err(anyhow!("cannot write {}: {}", dest.display(), e.error));
        }
        staged.retain(|p| *p != path);
        done.push((dest, kept));
    }
    for (_, kept) in done {
        if let Some(k) = kept {
            let _ = std::fs::remove_file(k);
        }
    }
    Ok(())
}
