//! Each finding's fingerprint: its stable identity, so that a CI job recognises a known
//! finding on the next run (a baseline's waivers name findings by it).
//!
//! What goes in (docs/outputs.md, *Fingerprints*), as SHA-256 over the fields joined by a
//! separator, the first 64 bits kept:
//! - the check's code, the patient id, the month, the billing NPI and the program;
//! - the **kind** of file the finding points into (`timelog`, `consents` …), not its path;
//! - the message with what a cosmetic change moves taken out: line numbers (`line 54`,
//!   `lines 2, 5 and 9`), the as-of date, the days left in an open month, the input files'
//!   names;
//! - for findings alike in all of that (two rows with the same bad value), which one it is
//!   among them in the order of the findings (by file, then line): 0, 1, 2 …
//!
//! Left out: the path, the line numbers, the delimiter, the row order, the run date,
//! minutes and money (the message carries what distinguishes). So the same finding keeps
//! its fingerprint when rows are reordered, a title block is added, the delimiter changes,
//! the files move or the as-of date moves; two findings of one run never share one.

use crate::domain::{Dataset, FastMap, Finding, Fingerprint};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Sets every finding's fingerprint; `findings` are in their final order.
pub(super) fn identify(ds: &Dataset, findings: &mut [Finding], as_of: NaiveDate) {
    let as_of = as_of.format("%Y-%m-%d").to_string();
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
        stable_message(&f.message, &as_of, &names, &mut text);
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

/// `msg` with what a cosmetic change moves taken out, appended to `out`: the numbers after
/// `line`/`lines` (and the `, ` and ` and ` between them), the as-of date, the number of
/// days left in an open month, and the input files' names (replaced by their kind).
pub(crate) fn stable_message(msg: &str, as_of: &str, names: &[(&str, &str)], out: &mut String) {
    let b = msg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &msg[i..];
        if let Some(&(name, kind)) = names
            .iter()
            .find(|(n, _)| !n.is_empty() && rest.starts_with(n))
        {
            out.push('<');
            out.push_str(kind);
            out.push('>');
            i += name.len();
            continue;
        }
        if rest.starts_with(as_of) {
            out.push_str("<as-of>");
            i += as_of.len();
            continue;
        }
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if word_start && (rest.starts_with("line ") || rest.starts_with("lines ")) {
            let head = if rest.starts_with("lines ") { 6 } else { 5 };
            if let Some(n) = numbers_after(&rest[head..]) {
                out.push_str(&rest[..head]);
                out.push('#');
                i += head + n;
                continue;
            }
        }
        if word_start && b[i].is_ascii_digit() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if rest[digits..].starts_with(" day(s) left") {
                out.push('#');
                i += digits;
                continue;
            }
        }
        let ch = rest.chars().next().expect("not at the end");
        out.push(ch);
        i += ch.len_utf8();
    }
}

/// The length of a list of line numbers at the head of `s` (`54`, `2, 5 and 9`), if `s`
/// starts with one.
fn numbers_after(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut end = digits(0);
    if end == 0 {
        return None;
    }
    loop {
        let sep = [", and ", ", ", " and "]
            .into_iter()
            .find(|sep| s[end..].starts_with(sep));
        let Some(sep) = sep else { break };
        let n = digits(end + sep.len());
        if n == 0 {
            break;
        }
        end += sep.len() + n;
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::stable_message;

    fn stable(m: &str) -> String {
        let mut s = String::new();
        stable_message(
            m,
            "2025-04-15",
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
        assert_eq!(
            stable("this row repeats line 74 (same patient)"),
            "this row repeats line # (same patient)"
        );
        assert_eq!(
            stable("see lines 2, 5 and 9 of exports/timelog.csv"),
            "see lines # of <timelog>"
        );
        assert_eq!(
            stable("service date 2026-11-05 is after the as-of date 2025-04-15; excluded"),
            "service date 2026-11-05 is after the as-of date <as-of>; excluded"
        );
        assert_eq!(
            stable("5 more needed for 99490 (20 minutes); 15 day(s) left in the month"),
            "5 more needed for 99490 (20 minutes); # day(s) left in the month"
        );
    }

    #[test]
    fn what_distinguishes_findings_stays() {
        for m in [
            "service_date \"2025-02-30\" is not a valid date",
            "staff S06 logged 730 minutes (12h10) on 2025-03-14 across 2 row(s)",
            "a deadline 12 days after online 5",
            "pipeline 7 and baseline 3",
        ] {
            assert_eq!(stable(m), m);
        }
    }
}
