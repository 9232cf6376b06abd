//! Writing `--out`: the six files as one set, never half of one, never over an input (the
//! plan checks that), with the user's umask.

use crate::domain::Dataset;
use crate::report;
use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Writes the six files ([`crate::args::OUTPUTS`]) as a set, whole or not at all. Each is
/// staged as a temporary file in the folder; only when all six are complete are they renamed into place, after a
/// check that every rename can succeed, and with the previous files kept aside until the
/// last rename so that a failure puts them back. A lock on the folder makes a second run into
/// it wait for the first. SIGINT and SIGTERM remove the staged files.
pub fn write_out(
    dir: &Path,
    ds: &Dataset,
    result: &crate::audit::Audit,
    summary: &report::Summary,
    lists: &report::Lists,
    bom: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create --out {}", dir.display()))?;
    // The folder itself is locked (no lock file left behind); where a folder cannot be
    // opened as a file, runs are not serialised.
    let lock = std::fs::File::open(dir).ok();
    if let Some(l) = &lock {
        l.lock()
            .with_context(|| format!("cannot lock {}", dir.display()))?;
    }
    remove_staged_on_signal(dir);
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
    let write_one = |(name, write): &(&str, Writer)| -> Result<(tempfile::NamedTempFile, PathBuf)> {
        let dest = dir.join(name);
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
                .tempfile_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            staged.push(tmp.path().to_path_buf());
            tmp
        };
        {
            let mut buf = std::io::BufWriter::with_capacity(1 << 18, tmp.as_file_mut());
            if bom && name.ends_with(".csv") {
                buf.write_all(report::UTF8_BOM)?;
            }
            write(&mut buf).with_context(|| format!("cannot write {name}"))?;
            buf.flush()?;
        }
        if let Ok(existing) = std::fs::metadata(&dest) {
            tmp.as_file()
                .set_permissions(existing.permissions())
                .with_context(|| format!("cannot write {}", dest.display()))?;
        }
        tmp.as_file().sync_all().ok();
        Ok((tmp, dest))
    };
    // findings.json (the largest) is written on a second thread beside the others.
    let (first, rest) = files.split_at(1);
    let (json, others) = std::thread::scope(|s| {
        let json = s.spawn(|| write_one(&first[0]));
        let others: Vec<_> = rest.iter().map(write_one).collect();
        (json.join(), others)
    });
    let mut temps = vec![json.map_err(|_| anyhow!("cannot write findings.json"))??];
    for t in others {
        temps.push(t?);
    }
    commit(dir, temps)
}

/// The staged files not yet renamed into place, for the signal handler.
fn staged() -> MutexGuard<'static, Vec<PathBuf>> {
    static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    STAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// On SIGINT or SIGTERM: remove the staged files (they hold patient data) and stop.
/// Also removes any file of the folder named like a staged one (`.findings.csv.XXXX`): a
/// signal can come between a staged file's creation and its registration. The folder is
/// locked, so no other run's files are staged there meanwhile.
fn remove_staged_on_signal(dir: &Path) {
    let dir = dir.to_path_buf();
    let _ = ctrlc::set_handler(move || {
        // Held until the process ends: no file is staged meanwhile.
        let mut staged = staged();
        for p in staged.drain(..) {
            let _ = std::fs::remove_file(p);
        }
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if crate::args::OUTPUTS.iter().any(|o| {
                    name.starts_with(&format!(".{o}.")) && name != format!(".{o}.ccm-previous")
                }) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        std::process::exit(130);
    });
}

/// Renames the staged files into place as a set: first checks that each rename can
/// succeed; keeps each replaced file aside (a hard link) until all are in, and puts them
/// back if one fails.
fn commit(dir: &Path, temps: Vec<(tempfile::NamedTempFile, PathBuf)>) -> Result<()> {
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
            if let (Ok(d), Ok(f)) = (std::fs::metadata(dir), std::fs::symlink_metadata(dest))
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
            let k = dir.join(format!(
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
