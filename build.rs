//! Writes `$OUT_DIR/embedded_rules.rs`: the rule files the binary embeds, every `.csv` and
//! `.txt` file under `rules/` (documentation such as `SOURCES.md` stays out), sorted by
//! path. A new CMS year is then a new folder and nothing else.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("rules");
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    files.sort();

    let mut out = String::from(
        "/// (path relative to rules/, contents) of every rule file, sorted by path.\n\
         const EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").expect("write to a String");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("embedded_rules.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

/// Collects (path relative to `root` with `/` separators, absolute path) of the data files
/// under `dir`. Every folder is watched, so a file added or removed anywhere reruns this.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    println!("cargo:rerun-if-changed={}", utf8(dir));
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("csv" | "txt")
        ) {
            let rel: Vec<&str> = path
                .strip_prefix(root)
                .expect("under rules/")
                .iter()
                .map(|c| c.to_str().expect("a UTF-8 file name"))
                .collect();
            out.push((rel.join("/"), utf8(&path).to_string()));
        }
    }
}

fn utf8(p: &Path) -> &str {
    p.to_str()
        .unwrap_or_else(|| panic!("rules path {} is not UTF-8", p.display()))
}
