//! Each finding's fingerprint: its stable identity, so that a CI job recognises a known
//! finding on the next run (a baseline's waivers name findings by it).
//!
//! What goes in (docs/outputs.md, *Fingerprints*), as SHA-256 over the fields joined by a
//! separator, the first 64 bits kept:
//! - the check's code, the patient id, the month, the billing NPI and the program;
//! - the **kind** of file the finding points into (`timelog`, `consents` …), not its path;
//! - the words of the message, without what a cosmetic change moves: values quoted from a
//!   cell, every token holding a digit (line numbers, dates, counts, times), AM/PM, case,
//!   punctuation; the input files' names become their kind;
//! - for findings alike in all of that (two rows with the same bad value), which one it is
//!   among them in the order of the findings (by file, then line): 0, 1, 2 …
//!
//! Left out: the path, the line numbers, the delimiter, the row order, the run date,
//! minutes and money (the message carries what distinguishes). So the same finding keeps
//! its fingerprint when rows are reordered, a title block is added, the delimiter changes,
//! the files move or the as-of date moves; two findings of one run never share one.

use crate::domain::{Dataset, FastMap, Finding, Fingerprint};
use sha2::{Digest, Sha256};

/// Every finding's fingerprint, in the order of `findings` (their final order). The
/// digests of what each finding is are worked out on two threads (a pure function of the
/// finding); which one it is among alike findings, in order, on one.
pub(super) fn fingerprints(ds: &Dataset, findings: &[Finding]) -> Vec<Fingerprint> {
    // Each input's name as given and its last component, longest first (so a path is
    // taken out before the name it ends in).
    let mut names: Vec<(&str, &str)> = Vec::new();
    for f in &ds.files {
        names.push((f.name.as_str(), f.kind.as_str()));
        let base = f.name.rsplit(['/', '\\']).next().unwrap_or(&f.name);
        if base != f.name {
            names.push((base, f.kind.as_str()));
        }
    }
    let names = Names::new(names);
    let digest_of = |part: &[Finding]| -> Vec<[u8; 32]> {
        // A message's stable words are a function of its text alone, and most messages
        // repeat (one wording per check and count): each distinct text is worked out once.
        let mut stable: FastMap<&str, String> = FastMap::default();
        let mut month = String::new();
        part.iter()
            .map(|f| {
                let text = stable.entry(f.message.as_str()).or_insert_with(|| {
                    let mut t = String::new();
                    stable_message(&f.message, &names, &mut t);
                    t
                });
                month.clear();
                if let Some(m) = f.month {
                    use std::fmt::Write as _;
                    let _ = write!(month, "{m}");
                }
                let mut h = Sha256::new();
                for part in [
                    "ccm-fingerprint-1",
                    f.check.code,
                    &f.patient_id,
                    &month,
                    &f.billing_npi,
                    &f.program,
                    f.file
                        .map(|i| ds.files[i as usize].kind.as_str())
                        .unwrap_or(""),
                    text,
                ] {
                    h.update(part.as_bytes());
                    h.update([0x1f]);
                }
                h.finalize().into()
            })
            .collect()
    };
    let half = findings.len() / 2;
    let bases: Vec<[u8; 32]> = if half < 4096 {
        digest_of(findings)
    } else {
        let (a, b) = findings.split_at(half);
        let (a, mut b) = std::thread::scope(|s| {
            let second = s.spawn(|| digest_of(b));
            let first = digest_of(a);
            (first, second.join().expect("fingerprints"))
        });
        let mut v = a;
        v.append(&mut b);
        v
    };
    let mut seen: FastMap<[u8; 32], u32> = FastMap::default();
    seen.reserve(bases.len());
    let mut prints = Vec::with_capacity(bases.len());
    for base in bases {
        let n = seen.entry(base).or_insert(0);
        let digest: [u8; 32] = if *n == 0 {
            base
        } else {
            let mut h = Sha256::new();
            h.update(base);
            h.update(n.to_string().as_bytes());
            h.finalize().into()
        };
        *n += 1;
        prints.push(Fingerprint(u64::from_be_bytes(
            digest[..8].try_into().expect("8 bytes"),
        )));
    }
    prints
}

/// The words of `msg` that say what the finding is, not how the export wrote its values,
/// appended to `out`: values quoted from a cell (`"0:25"`, `"RESOLVED"`) are left out
/// whole, and so is every token holding a digit (a line number, a date, a count of
/// fields, a time `10:00`, the days left) and `AM`/`PM`; the input files' names (`names`:
/// name, kind; longest first) become their kind; the rest is lower-cased, one space
/// between words. So `minutes "25" are longer than start/end (10:00-10:15 is 15 minutes)`
/// and `minutes "0:25" are longer than start/end (10:00 AM-10:15 AM is 15 minutes)` are
/// the same finding.
pub(crate) fn stable_message(msg: &str, names: &Names, out: &mut String) {
    let b = msg.as_bytes();
    // Where the input files' names stand (most messages name none: one search each).
    let mut hits: Vec<(usize, usize, &str)> = Vec::new();
    for (finder, kind) in &names.0 {
        let len = finder.needle().len();
        for at in finder.find_iter(b) {
            if !hits.iter().any(|h| at < h.0 + h.1 && h.0 < at + len) {
                hits.push((at, len, kind));
            }
        }
    }
    hits.sort_unstable();
    let mut hits = hits.into_iter().peekable();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if hits.peek().is_some_and(|h| h.0 == i) {
            let (_, len, kind) = hits.next().expect("peeked");
            token(&msg[start..i], out);
            token(kind, out);
            i += len;
            start = i;
            continue;
        }
        match b[i] {
            b'"' => {
                // A quoted value (Rust's debug quoting: `\"` and `\\` inside), left out whole.
                token(&msg[start..i], out);
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = (j + 1).min(b.len());
                start = i;
            }
            c if c.is_ascii_whitespace()
                || matches!(c, b'(' | b')' | b',' | b';' | b':' | b'[' | b']') =>
            {
                token(&msg[start..i], out);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    token(&msg[start..], out);
}

/// The input files' names (as given, and their last component), each with its kind and a
/// searcher built once; longest first, so a path is taken before the name it ends in.
pub(crate) struct Names<'a>(Vec<(memchr::memmem::Finder<'a>, &'a str)>);

impl<'a> Names<'a> {
    pub(crate) fn new(mut names: Vec<(&'a str, &'a str)>) -> Names<'a> {
        names.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
        names.dedup_by(|a, b| a.0 == b.0);
        names.retain(|n| !n.0.is_empty());
        Names(
            names
                .into_iter()
                .map(|(n, k)| (memchr::memmem::Finder::new(n.as_bytes()), k))
                .collect(),
        )
    }
}

/// Appends one token of a message, lower-cased after a space; its leading and trailing
/// punctuation dropped. Left out: a token holding a digit, unless it is a code or an id
/// (a letter, then letters, digits and dots: `S06`, `E11.9`, `CY2026`), which a cosmetic
/// change never rewrites; AM/PM; a date form (`M/D/YYYY`, `D.M.YYYY`: which forms a message
/// lists follows the file's date order).
fn token(word: &str, out: &mut String) {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    let code = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic())
            && w.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.')
    };
    let date_form = w.bytes().any(|c| matches!(c, b'/' | b'.' | b'-'))
        && w.bytes()
            .all(|c| matches!(c, b'Y' | b'M' | b'D' | b'/' | b'.' | b'-'));
    if w.is_empty()
        || (w.bytes().any(|c| c.is_ascii_digit()) && !code(w))
        || date_form
        || ["am", "pm", "a.m", "p.m"]
            .iter()
            .any(|x| w.eq_ignore_ascii_case(x))
    {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    if w.is_ascii() {
        // A code's dots are how it was written (`E11.9`, `e119`): not part of it.
        let dots = code(w);
        out.extend(
            w.bytes()
                .filter(|&c| !(dots && c == b'.'))
                .map(|c| char::from(c.to_ascii_lowercase())),
        );
    } else {
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, stable_message};

    fn stable(m: &str) -> String {
        let mut s = String::new();
        let names = Names::new(vec![
            ("timelog.csv", "timelog"),
            ("exports/timelog.csv", "timelog"),
        ]);
        stable_message(m, &names, &mut s);
        s
    }

    #[test]
    fn what_a_cosmetic_change_moves_is_taken_out() {
        let same = [
            [
                "this row repeats line 74 (same patient)",
                "this row repeats line 2 (same patient)",
            ],
            [
                "see lines 2, 5 and 9 of exports/timelog.csv",
                "see lines 3, 4 and 7 of timelog.csv",
            ],
            [
                "service date 2026-11-05 is after the as-of date 2025-04-15; excluded",
                "service date 2026-11-05 is after the as-of date 2025-04-20; excluded",
            ],
            [
                "5 more needed for 99490 (20 minutes); 15 day(s) left in the month",
                "5 more needed for 99490 (20 minutes); 9 day(s) left in the month",
            ],
            [
                "minutes \"25\" are longer than start/end (10:00-10:15 is 15 minutes)",
                "minutes \"0:25\" are longer than start/end (10:00 a.m.-10:15 a.m. is 15 minutes)",
            ],
            [
                "status \"Entered in Error\" says the entry is not a diagnosis (I48.91)",
                "status \"Entered_in \\\"Error\" says the entry is not a diagnosis (I48.91)",
            ],
            [
                "the record has 13 field(s) where the header has 11",
                "the record has 16 field(s) where the header has 14",
            ],
            [
                "service_date \"2025-03-32\" is not a valid date (YYYY-MM-DD, M/D/YYYY, M/D/YY or a date-time)",
                "service_date \"2025-03-32\" is not a valid date (YYYY-MM-DD, D/M/YYYY, D.M.YYYY or a date-time)",
            ],
        ];
        for [a, b] in same {
            assert_eq!(stable(a), stable(b), "{a} | {b}");
        }
        assert_eq!(
            stable("minutes \"25\" are longer than start/end (10:00 AM-10:15 AM is 15 minutes)"),
            "minutes are longer than start/end is minutes"
        );
        // A header quoted: gone; an unquoted value of the data would be a code or an id.
        assert_eq!(stable("a visit (99214) on 2024-10-08"), "a visit on");
    }

    #[test]
    fn what_a_finding_says_stays() {
        assert_ne!(
            stable("service_date is not a valid date"),
            stable("minutes are longer than start/end")
        );
        assert_eq!(stable("Consent REVOKED on"), "consent revoked on");
        // Codes and ids stay: they tell findings apart, and no cosmetic change moves them.
        assert_ne!(
            stable("staff S06 logged 730 minutes (12h10) on 2025-03-14"),
            stable("staff N02 logged 730 minutes (12h10) on 2025-03-14")
        );
        assert_ne!(
            stable("the entry is not a diagnosis (I48.91)"),
            stable("the entry is not a diagnosis (J45.909)")
        );
        assert_eq!(
            stable("the entry is not a diagnosis (I48.91)"),
            stable("the entry is not a diagnosis (i4891)")
        );
    }
}
