//! The outputs survive a crash, and go only where they are meant to go: a run killed
//! (SIGKILL) at every step of writing `--out` leaves the whole previous set or the whole
//! new one, and the next run sweeps what it left; `--out` and `--xlsx` are resolved
//! through `..` and symbolic links before any work; an output name that is a symbolic
//! link is replaced, never followed.
//!
//! The kills come from `CCM_FAULT_AT=N`, read only by debug builds (the tests' binary):
//! the process kills itself at the N-th step of writing the outputs.

use crate::common::root;
use std::collections::BTreeMap;
use std::path::Path;

fn ccm_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("ccm")
}

/// The demo audited as of `as_of` into `out` (bare `--xlsx` too when `book`).
fn run(out: &Path, as_of: &str, book: bool, fault: Option<u32>) -> std::process::Output {
    let mut c = std::process::Command::new(ccm_bin());
    c.current_dir(root())
        .args(["audit", "fixtures/demo/timelog.csv", "--as-of", as_of])
        .args(["--quiet", "--fail-on", "never", "--out"])
        .arg(out);
    if book {
        c.arg("--xlsx");
    }
    if let Some(n) = fault {
        c.env("CCM_FAULT_AT", n.to_string());
    }
    c.output().expect("run ccm")
}

/// The regular files of a folder, by name; manifest.json without the run's start and its
/// arguments (each run names its own folder), so a set is told by what it holds.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(e.path()).unwrap();
            if name == ccm::args::MANIFEST {
                let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                m["started_at"].take();
                m["arguments"].take();
                bytes = serde_json::to_vec(&m).unwrap();
            }
            (name, bytes)
        })
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_killed_at_any_step_of_the_commit_leaves_the_old_or_the_new_set_and_the_next_run_sweeps() {
    for book in [false, true] {
        let d = tempfile::tempdir().unwrap();
        // The two sets, each written whole.
        let (old_dir, new_dir) = (d.path().join("old"), d.path().join("new"));
        assert!(run(&old_dir, "2025-04-15", book, None).status.success());
        assert!(run(&new_dir, "2025-05-20", book, None).status.success());
        let (old, new) = (files(&old_dir), files(&new_dir));
        assert_ne!(old, new);
        assert_eq!(old.len(), ccm::args::OUTPUTS.len() + usize::from(book));
        let mut steps = 0;
        for n in 1..60 {
            let parent = d.path().join(format!("case{n}"));
            let out = parent.join("out");
            assert!(run(&out, "2025-04-15", book, None).status.success());
            // Somebody else's file and folder in --out: never lost.
            std::fs::write(out.join("notes.txt"), "mine").unwrap();
            std::fs::create_dir(out.join("keep")).unwrap();
            std::fs::write(out.join("keep/a.txt"), "a").unwrap();
            let killed = run(&out, "2025-05-20", book, Some(n));
            let mut now = files(&out);
            now.remove("notes.txt");
            assert!(
                now == old || now == new,
                "{book} step {n}: a mixed set: {:?}",
                now.keys()
            );
            if killed.status.success() {
                assert_eq!(now, new);
                steps = n;
                break;
            }
            assert_eq!(killed.status.code(), None, "killed by a signal at step {n}");
            // The next run sweeps what the killed one left.
            let next = run(&out, "2025-05-20", book, None);
            assert!(
                next.status.success(),
                "{}",
                String::from_utf8_lossy(&next.stderr)
            );
            let mut now = files(&out);
            assert_eq!(now.remove("notes.txt").as_deref(), Some(&b"mine"[..]));
            assert_eq!(now, new, "{book} step {n}");
            assert_eq!(
                std::fs::read_to_string(out.join("keep/a.txt")).unwrap(),
                "a"
            );
            assert_eq!(names(&parent), ["out"], "debris beside --out at step {n}");
            let hidden: Vec<String> = names(&out)
                .into_iter()
                .filter(|n| n.starts_with('.'))
                .collect();
            assert!(hidden.is_empty(), "debris in --out at step {n}: {hidden:?}");
        }
        assert!(steps > 8, "the commit has more steps than {steps}");
    }
}

#[test]
fn out_is_resolved_through_dot_dot_before_any_work_and_never_replaces_an_input() {
    let d = tempfile::tempdir().unwrap();
    let log = std::fs::read(root().join("fixtures/demo/timelog.csv")).unwrap();
    std::fs::write(d.path().join("findings.csv"), &log).unwrap();
    for out in ["reports/..", "reports/../.", "./x/y/../../"] {
        let o = std::process::Command::new(ccm_bin())
            .current_dir(d.path())
            .args(["audit", "findings.csv", "--as-of", "2025-04-15", "--quiet"])
            .args(["--fail-on", "never", "--out", out])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{out}: {err}");
        assert!(
            err.contains("would overwrite the input findings.csv"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(std::fs::read(d.path().join("findings.csv")).unwrap(), log);
        assert_eq!(
            names(d.path()),
            ["findings.csv"],
            "nothing written for {out}"
        );
    }
    // The workbook too, through a folder that does not exist yet.
    std::fs::write(d.path().join("book.xlsx"), b"PK\x03\x04 not really").unwrap();
    let o = std::process::Command::new(ccm_bin())
        .current_dir(d.path())
        .args(["audit", "findings.csv", "--as-of", "2025-04-15", "--quiet"])
        .args(["--fail-on", "never", "--claims", "book.xlsx"])
        .arg("--xlsx=new/../book.xlsx")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("would overwrite the input"), "{err}");
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_symbolic_link_is_replaced_not_followed_and_lends_no_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let target = d.path().join("elsewhere.csv");
    std::fs::write(&target, "keep me").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&target, out.join("findings.csv")).unwrap();
    let book_target = d.path().join("book-target.xlsx");
    std::fs::write(&book_target, "keep me too").unwrap();
    std::fs::set_permissions(&book_target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let book = d.path().join("book.xlsx");
    std::os::unix::fs::symlink(&book_target, &book).unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" audit fixtures/demo/timelog.csv --as-of 2025-04-15 --quiet --fail-on never --out \"$1\" --xlsx=\"$2\"")
        .arg(ccm_bin())
        .arg(&out)
        .arg(&book)
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert_eq!(
        std::fs::read_to_string(&book_target).unwrap(),
        "keep me too"
    );
    for p in [out.join("findings.csv"), book] {
        let m = std::fs::symlink_metadata(&p).unwrap();
        assert!(m.is_file(), "{} is a file now", p.display());
        assert_eq!(m.permissions().mode() & 0o777, 0o644, "{}", p.display());
    }
}

#[test]
fn an_argument_error_is_one_escaped_line_pointing_to_help() {
    for args in [
        &["audit", "--no-such-flag"][..],
        &["audit", "x.csv", "--format", "\u{1b}[31mred"],
        &["nothing"],
    ] {
        let o = std::process::Command::new(ccm_bin())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ccm: ") && err.contains("--help"), "{err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
    }
}
