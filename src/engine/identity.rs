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

/// Sets every finding's fingerprint; `findings` are in their final order.
pub(super) fn identify(ds: &Dataset, findings: &mut [Finding]) {
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
    names.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
    names.dedup_by(|a, b| a.0 == b.0);
    let mut seen: FastMap<[u8; 32], u32> = FastMap::default();
    let mut text = String::new();
    for f in findings.iter_mut() {
        text.clear();
        stable_message(&f.message, &names, &mut text);
        let mut h = Sha256::new();
        for part in [
            "ccm-fingerprint-1",
            f.check.code,
            &f.patient_id,
            &f.month.map(|m| m.to_string()).unwrap_or_default(),
            &f.billing_npi,
            &f.program,
            f.file
                .map(|i| ds.files[i as usize].kind.as_str())
                .unwrap_or(""),
            &text,
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let base: [u8; 32] = h.finalize().into();
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
        f.fingerprint = Fingerprint(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")));
    }
}

/// The words of `msg` that say what the finding is, not how the export wrote its values,
/// appended to `out`: values quoted from a cell (`"0:25"`, `"RESOLVED"`) are left out
/// whole, and so is every token holding a digit (a line number, a date, a count of
/// fields, a time `10:00`, the days left) and `AM`/`PM`; the input files' names become their
/// kind; the rest is lower-cased, one space between words. So `minutes "25" are longer
/// than start/end (10:00-10:15 is 15 minutes)` and `minutes "0:25" are longer than
/// start/end (10:00 AM-10:15 AM is 15 minutes)` are the same finding.
pub(crate) fn stable_message(msg: &str, names: &[(&str, &str)], out: &mut String) {
    let mut rest = msg;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let w = word.trim_matches(|c: char| !c.is_alphanumeric());
        let am_pm = matches!(w.to_ascii_lowercase().as_str(), "am" | "pm" | "a.m" | "p.m");
        if !w.is_empty() && !am_pm && !w.chars().any(|c| c.is_ascii_digit()) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.extend(w.chars().flat_map(char::to_lowercase));
        }
        word.clear();
    };
    while let Some(c) = rest.chars().next() {
        if let Some(&(name, kind)) = names
            .iter()
            .find(|(n, _)| !n.is_empty() && rest.starts_with(n))
        {
            flush(&mut word, out);
            word.push_str(kind);
            flush(&mut word, out);
            rest = &rest[name.len()..];
            continue;
        }
        if c == '"' {
            // A quoted value (Rust's debug quoting: `\"` and `\\` inside), left out whole.
            flush(&mut word, out);
            let mut escaped = false;
            let mut end = rest.len();
            for (i, ch) in rest.char_indices().skip(1) {
                match (escaped, ch) {
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = i + 1;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            rest = &rest[end..];
            continue;
        }
        if c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | ':' | '[' | ']') {
            flush(&mut word, out);
        } else {
            word.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut word, out);
}

#[cfg(test)]
mod tests {
    use super::stable_message;

    fn stable(m: &str) -> String {
        let mut s = String::new();
        stable_message(
            m,
            &[
                ("exports/timelog.csv", "timelog"),
                ("timelog.csv", "timelog"),
            ],
            &mut s,
        );
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
        ];
        for [a, b] in same {
            assert_eq!(stable(a), stable(b), "{a} | {b}");
        }
        assert_eq!(
            stable("minutes \"25\" are longer than start/end (10:00 AM-10:15 AM is 15 minutes)"),
            "minutes are longer than start/end is minutes"
        );
    }

    #[test]
    fn what_a_finding_says_stays() {
        assert_ne!(
            stable("service_date is not a valid date"),
            stable("minutes are longer than start/end")
        );
        assert_eq!(stable("Consent REVOKED on"), "consent revoked on");
    }
}
