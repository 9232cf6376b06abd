//! The shape of the code, enforced: the layers, one file per check, the registry against the
//! rules data, fixtures and goldens for every check (ARCHITECTURE.md).

use crate::common::root;
use ccm::checks::{Fire, REGISTRY};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first: a module may name only modules of its own layer or below.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["rules"],
    &["config"],
    &["billing"],
    &["checks"],
    &["audit"],
    &["ingest"],
    &["engine"],
    &["report", "baseline"],
    &["lookback"],
    &["cli"],
    &["args"],
    &["app", "outputs"],
    &["main", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under src/ belongs to.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The crate's top modules a file names, read with a parser ([`super::layout_syn`]): use
/// trees and paths, `crate::`, `super::` and `self::` resolved; `#[cfg(test)]` items aside.
fn named_modules(path: &Path) -> BTreeSet<String> {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let module = super::layout_syn::module_path(rel);
    super::layout_syn::named(&module, &std::fs::read_to_string(path).unwrap())
        .into_iter()
        .filter_map(|n| match n {
            super::layout_syn::Named::Crate(s) => s.first().cloned(),
            super::layout_syn::Named::External(_) => None,
        })
        .collect()
}

#[test]
fn every_module_names_only_its_own_layer_or_below() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let me = module_of(f);
        let Some(mine) = layer_of(&me) else {
            bad.push(format!("{}: module `{me}` has no layer", f.display()));
            continue;
        };
        for used in named_modules(f) {
            match layer_of(&used) {
                Some(l) if l <= mine => {}
                Some(_) => bad.push(format!(
                    "{} (layer {me}) names crate::{used}, a higher layer",
                    f.strip_prefix(root()).unwrap().display()
                )),
                None => bad.push(format!("{}: unknown module crate::{used}", f.display())),
            }
        }
    }
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn only_the_shell_touches_files_the_clock_and_the_environment() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    // The shell, and the two readers it calls with the paths the user gave: ingest (the
    // input files) and the rules loader (`--rules DIR`).
    let shell = ["app", "args", "outputs", "main", "ingest"];
    let readers = [root().join("src/rules/load.rs")];
    let mut bad = Vec::new();
    for f in &files {
        if shell.contains(&module_of(f).as_str()) || readers.contains(f) {
            continue;
        }
        let rel = f.strip_prefix(root().join("src")).unwrap();
        let module = super::layout_syn::module_path(rel);
        for n in super::layout_syn::named(&module, &std::fs::read_to_string(f).unwrap()) {
            if let Some(what) = super::layout_syn::touches_outside(&n) {
                bad.push(format!(
                    "{} uses {what}",
                    f.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "the core touches the outside:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_rule_outside_checks_is_decided_by_a_codes_spelling() {
    // Whether a finding holds a month, what its money is, which findings count: read from
    // the check's declared severity and effect (`Finding::holds_month`, `Effect`), never
    // from `code == "CL001"` or `code.starts_with("IN")`.
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut bad = Vec::new();
    for f in &files {
        if module_of(f) == "checks" {
            continue;
        }
        let code = std::fs::read_to_string(f).unwrap();
        // A code or series of the catalogue (`DO` and `MA` are roles, not series).
        let ours = |lit: &str| REGISTRY.iter().any(|e| e.check.code.starts_with(lit));
        for lit in super::layout_syn::code_spellings(&code)
            .into_iter()
            .filter(|l| ours(l))
        {
            bad.push(format!(
                "{} decides by the spelling {lit:?}",
                f.strip_prefix(root()).unwrap().display()
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_check_has_its_own_file_named_after_it() {
    for e in REGISTRY {
        let code = e.check.code.to_lowercase();
        let name = e.check.name.replace('-', "_");
        let mut files = Vec::new();
        rust_files(&root().join("src/checks"), &mut files);
        let want = format!("{code}_{name}.rs");
        let found: Vec<_> = files
            .iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy() == want)
            .collect();
        assert_eq!(found.len(), 1, "{}: expected one file {want}", e.check.code);
        let text = std::fs::read_to_string(found[0]).unwrap();
        assert!(
            text.contains(&format!("check! {{\n    {},", e.check.code)),
            "{want} does not define {} with check!",
            e.check.code
        );
    }
}

#[test]
fn every_registry_entry_fires_somewhere_and_has_its_fixtures_and_goldens() {
    for e in REGISTRY {
        let code = e.check.code;
        assert!(!e.fire.is_empty(), "{code} fires nowhere");
        for case in ["fires", "clean"] {
            let golden = root().join(format!("tests/golden/rules/{code}-{case}.txt"));
            assert!(golden.is_file(), "{code}: no golden {}", golden.display());
            let fixture = root().join(format!("fixtures/rules/{code}/{case}/timelog.csv"));
            assert!(
                fixture.is_file(),
                "{code}: no fixture {}",
                fixture.display()
            );
        }
    }
}

#[test]
fn the_clash_table_names_exactly_the_table_driven_checks() {
    let table_driven: BTreeSet<&str> = REGISTRY
        .iter()
        .filter(|e| e.fire.iter().any(|f| matches!(f, Fire::ClashTable)))
        .map(|e| e.check.code)
        .collect();
    let mut years = Vec::new();
    for e in std::fs::read_dir(root().join("rules"))
        .unwrap()
        .filter_map(|e| e.ok())
    {
        let clashes = e.path().join("clashes.csv");
        if clashes.is_file() {
            years.push(clashes);
        }
    }
    assert!(!years.is_empty(), "no rules/<year>/clashes.csv found");
    for path in years {
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "code")
            .expect("a code column");
        let named: BTreeSet<String> = rdr
            .records()
            .map(|r| r.unwrap()[col].trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        let named: BTreeSet<&str> = named.iter().map(String::as_str).collect();
        assert_eq!(
            named,
            table_driven,
            "{}: the codes it names must be the ClashTable checks",
            path.display()
        );
    }
}

/// No function outside tests is longer than 150 lines, signature to closing brace (issue
/// 22: the 239-line `verify` had become the old monolith in a new file). Read with `syn`,
/// so a nested function or a method counts as itself.
#[test]
fn no_function_outside_tests_is_over_150_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut long = Vec::new();
    for f in &files {
        let code = std::fs::read_to_string(f).unwrap();
        for (name, line, lines) in super::layout_syn::long_functions(&code, 150) {
            long.push(format!("{}:{line} fn {name}: {lines} lines", f.display()));
        }
    }
    assert!(
        long.is_empty(),
        "functions over 150 lines:\n{}",
        long.join("\n")
    );
    // The net itself: a function of 151 lines is caught, one of 150 is not.
    let body = |n: usize| format!("fn f() {{\n{}}}\n", "let _ = 1;\n".repeat(n - 2));
    assert_eq!(super::layout_syn::long_functions(&body(151), 150).len(), 1);
    assert!(super::layout_syn::long_functions(&body(150), 150).is_empty());
}
