//! The layer and shell rules read with a Rust parser (`syn`): every `use` tree (groups,
//! renames, globs) and every path in the code, `crate::`, `super::` and `self::` resolved
//! against the file's own module. A text match let `use crate::{engine::Auditor}`,
//! `super::super::ingest` and `use std::fs; fs::read_to_string(..)` through.

use syn::visit::Visit;

/// A path named by the code, resolved to absolute segments (`crate` dropped for crate
/// paths: `["engine", "Auditor"]`; external ones as written: `["std", "fs"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Crate(Vec<String>),
    External(Vec<String>),
}

struct Collect<'a> {
    module: &'a [String],
    out: Vec<Named>,
    /// String literals shaped as a check's code (`CL001`) or series (`IN`).
    lits: Vec<String>,
}

fn is_test_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl Collect<'_> {
    fn resolve(&mut self, segs: Vec<String>) {
        let Some(first) = segs.first() else { return };
        let named = match first.as_str() {
            "crate" => Named::Crate(segs[1..].to_vec()),
            "self" => Named::Crate(
                self.module
                    .iter()
                    .cloned()
                    .chain(segs[1..].iter().cloned())
                    .collect(),
            ),
            "super" => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                let base = &self.module[..self.module.len().saturating_sub(ups)];
                Named::Crate(
                    base.iter()
                        .cloned()
                        .chain(segs[ups..].iter().cloned())
                        .collect(),
                )
            }
            _ => Named::External(segs),
        };
        self.out.push(named);
    }

    fn tree(&mut self, prefix: &mut Vec<String>, t: &syn::UseTree) {
        match t {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut s = prefix.clone();
                if n.ident != "self" {
                    s.push(n.ident.to_string());
                }
                self.resolve(s);
            }
            syn::UseTree::Rename(r) => {
                let mut s = prefix.clone();
                if r.ident != "self" {
                    s.push(r.ident.to_string());
                }
                self.resolve(s);
            }
            syn::UseTree::Glob(_) => self.resolve(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collect<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_cfg(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_cfg(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_test_cfg(&u.attrs) {
            let mut prefix = Vec::new();
            self.tree(&mut prefix, &u.tree);
        }
    }
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        let v = l.value();
        let b = v.as_bytes();
        if (b.len() == 2 || b.len() == 5)
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..].iter().all(u8::is_ascii_digit)
        {
            self.lits.push(v);
        }
    }
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if segs.len() > 1 {
            self.resolve(segs);
        }
        syn::visit::visit_path(self, p);
    }
}

/// Every path the code of a file in module `module` names, outside `#[cfg(test)]` items.
pub fn named(module: &[String], code: &str) -> Vec<Named> {
    walk(module, code).out
}

/// One walk over a file's code outside `#[cfg(test)]` items, collecting both.
fn walk<'a>(module: &'a [String], code: &str) -> Collect<'a> {
    let file = syn::parse_file(code).expect("the source parses");
    let mut c = Collect {
        module,
        out: Vec::new(),
        lits: Vec::new(),
    };
    c.visit_file(&file);
    c
}

/// The module path of a file under src/ (`src/checks/time/mod.rs` is `checks::time`).
pub fn module_path(rel: &std::path::Path) -> Vec<String> {
    let mut segs: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if matches!(
        segs.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segs.pop();
    }
    segs
}

/// Whether a path reaches files, the clock or the environment: `std::fs` (but the
/// `File` type a handed-in scratch file has), `File::open`/`create`, `OpenOptions`,
/// `std::env`, the wall clock, temporary files.
pub fn touches_outside(n: &Named) -> Option<String> {
    let Named::External(s) = n else { return None };
    let s: Vec<&str> = s.iter().map(String::as_str).collect();
    let joined = s.join("::");
    let bad = match s.as_slice() {
        ["std", "fs", "File"] => false,
        ["std", "fs", ..] | ["std", "env", ..] | ["tempfile", ..] => true,
        [.., "File", "open" | "create" | "create_new"] => true,
        _ if s.contains(&"OpenOptions") => true,
        [.., "SystemTime" | "Local" | "Utc", "now"] => true,
        _ => false,
    };
    bad.then_some(joined)
}

/// Every string literal of the form of a check's code (`CL001`) or series (`IN`) that the
/// code outside `#[cfg(test)]` items compares or matches on: a rule decided by a code's
/// spelling. Literals that only build text (inside macros such as `format!`) are not seen.
pub fn code_spellings(code: &str) -> Vec<String> {
    walk(&[], code).lits
}

/// Every function outside tests (free functions and methods) longer than `max` lines,
/// from its signature to its closing brace: (name, first line, lines).
pub fn long_functions(code: &str, max: usize) -> Vec<(String, usize, usize)> {
    struct Long {
        max: usize,
        out: Vec<(String, usize, usize)>,
    }
    impl Long {
        fn measure(&mut self, name: &syn::Ident, sig: &syn::Signature, body: &syn::Block) {
            use syn::spanned::Spanned;
            let from = sig.span().start().line;
            let to = body.span().end().line;
            let lines = to + 1 - from;
            if lines > self.max {
                self.out.push((name.to_string(), from, lines));
            }
        }
    }
    impl<'ast> Visit<'ast> for Long {
        fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
            if !is_test_cfg(&m.attrs) {
                syn::visit::visit_item_mod(self, m);
            }
        }
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            if !is_test_cfg(&f.attrs) {
                self.measure(&f.sig.ident, &f.sig, &f.block);
                syn::visit::visit_item_fn(self, f);
            }
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            if !is_test_cfg(&f.attrs) {
                self.measure(&f.sig.ident, &f.sig, &f.block);
                syn::visit::visit_impl_item_fn(self, f);
            }
        }
    }
    let file = syn::parse_file(code).expect("the source parses");
    let mut v = Long {
        max,
        out: Vec::new(),
    };
    v.visit_file(&file);
    v.out
}

#[cfg(test)]
mod evasions {
    use super::*;

    fn module(s: &str) -> Vec<String> {
        s.split("::").map(String::from).collect()
    }

    fn crate_tops(m: &str, code: &str) -> Vec<String> {
        named(&module(m), code)
            .into_iter()
            .filter_map(|n| match n {
                Named::Crate(s) => s.first().cloned(),
                Named::External(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_grouped_use_is_read() {
        let tops = crate_tops(
            "checks::time::tm001",
            "use crate::{engine::Auditor};\nfn f() {}",
        );
        assert_eq!(tops, ["engine"]);
    }

    #[test]
    fn super_paths_are_resolved_from_the_files_module() {
        let tops = crate_tops(
            "checks::time::tm001",
            "fn f() { super::super::super::ingest::read(); }",
        );
        assert_eq!(tops, ["ingest"]);
        let tops = crate_tops(
            "checks::time::tm001",
            "use super::super::super::engine as e;",
        );
        assert_eq!(tops, ["engine"]);
    }

    #[test]
    fn an_imported_module_is_caught_at_its_import() {
        let n = named(
            &module("checks::time::tm001"),
            "use std::fs;\nfn f() { let _ = fs::read_to_string(\"x\"); }",
        );
        assert!(n.iter().any(|n| touches_outside(n).is_some()), "{n:?}");
        let n = named(
            &module("engine"),
            "use std::fs::File;\nfn f() { let _ = File::open(\"x\"); }",
        );
        assert!(n.iter().any(|n| touches_outside(n).is_some()), "{n:?}");
    }

    #[test]
    fn a_code_spelled_in_a_comparison_is_seen() {
        let lits = code_spellings(
            "fn f(c: &str) -> bool { c.starts_with(\"IN\") || c == \"CL001\" }\n#[cfg(test)]\nmod tests { const X: &str = \"CD007\"; }",
        );
        assert_eq!(lits, ["IN", "CL001"]);
    }

    #[test]
    fn test_modules_may_reach_anywhere() {
        let tops = crate_tops(
            "checks",
            "#[cfg(test)]\nmod tests { use crate::engine::Auditor; }",
        );
        assert!(tops.is_empty());
    }
}
