//! CSVs a biller double-clicks: `--bom` puts a UTF-8 byte-order mark at the head of each CSV
//! (and of `--format csv`), nothing else changes; without it none is written. Every message,
//! note and how-to-fix text is plain ASCII, so a CSV opened as windows-1252 shows no mojibake.

use crate::common::ccm;
use std::path::Path;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn run(out: &Path, extra: &[&str]) {
    let st = ccm()
        .args([
            "audit",
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
        ])
        .args(["--fail-on", "never", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run ccm");
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bom_heads_each_csv_and_changes_nothing_else() {
    for extra in [
        &[][..],
        &["--claims", "fixtures/demo/claims/claims.csv"][..],
    ] {
        let plain = tempfile::tempdir().unwrap();
        let bom = tempfile::tempdir().unwrap();
        run(plain.path(), extra);
        let mut with = extra.to_vec();
        with.push("--bom");
        run(bom.path(), &with);
        let (a, b) = (files(plain.path()), files(bom.path()));
        assert_eq!(a.len(), ccm::args::OUTPUTS.len());
        assert_eq!(a.len(), b.len());
        for ((name, plain), (name_b, bommed)) in a.iter().zip(&b) {
            assert_eq!(name, name_b);
            if name == ccm::args::MANIFEST {
                // It names the run's arguments (--bom among them) and the files' hashes.
                continue;
            }
            assert!(!plain.starts_with(BOM), "{name} has a BOM without --bom");
            if name.ends_with(".csv") {
                assert!(bommed.starts_with(BOM), "{name} lacks the BOM");
                assert_eq!(
                    &bommed[BOM.len()..],
                    &plain[..],
                    "{name} differs past the BOM"
                );
            } else {
                assert_eq!(bommed, plain, "{name} changed with --bom");
            }
        }
    }
}

#[test]
fn bom_heads_format_csv_on_stdout() {
    let out = |bom: bool| {
        let mut c = ccm();
        c.args([
            "audit",
            "fixtures/demo/timelog.csv",
            "--as-of",
            "2025-04-15",
        ])
        .args(["--fail-on", "never", "--format", "csv"]);
        if bom {
            c.arg("--bom");
        }
        c.output().expect("run ccm").stdout
    };
    let (plain, bommed) = (out(false), out(true));
    assert!(plain.starts_with(b"code,name,severity"));
    assert_eq!(&bommed[..3], BOM);
    assert_eq!(&bommed[3..], &plain[..]);
}

/// The demo's inputs are ASCII, so every byte of its CSVs is ccm's own words or an ASCII
/// input value: a message with an en dash or an ellipsis fails here.
#[test]
fn demo_csvs_are_ascii_in_every_mode() {
    let modes: [&[&str]; 3] = [
        &[],
        &["--claims", "fixtures/demo/claims/claims.csv"],
        &["--as-of=2025-03-24"],
    ];
    for extra in modes {
        let d = tempfile::tempdir().unwrap();
        run(d.path(), extra);
        for (name, bytes) in files(d.path()) {
            if let Some(i) = bytes.iter().position(|b| !b.is_ascii()) {
                let from = i.saturating_sub(60);
                panic!(
                    "{name} ({extra:?}) has a non-ASCII byte: ...{}",
                    String::from_utf8_lossy(&bytes[from..(i + 20).min(bytes.len())])
                );
            }
        }
    }
}

/// held_claims.csv and worklist.csv quote the how-to-fix texts: all of them plain ASCII.
#[test]
fn explain_texts_are_ascii() {
    let rules = ccm().arg("rules").output().expect("run ccm");
    let text = String::from_utf8(rules.stdout).unwrap();
    let codes: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            w.len() == 5
                && w[..2].chars().all(|c| c.is_ascii_uppercase())
                && w[2..].chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    assert!(codes.len() > 40, "{codes:?}");
    for code in codes {
        let out = ccm().args(["explain", code]).output().expect("run ccm");
        assert!(out.status.success(), "{code}");
        assert!(
            out.stdout.is_ascii(),
            "ccm explain {code} is not ASCII: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
