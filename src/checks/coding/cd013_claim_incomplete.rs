//! CD013 claim-incomplete: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::ingest::{IN001, IN002};
use crate::checks::scope::{Emit, WholeClaim};
use crate::domain::Finding;

check! {
    CD013, "CD013", "claim-incomplete",
    Error,
    what: "(claims given) A line of the claims file could not be read (IN001, IN002: a bad \
           code, date, NPI or units) and names a patient: ccm cannot tell which of that \
           patient's claims it belongs to, so each of the patient's claims in the file is held, \
           citing the unreadable lines. A claim goes out whole or not at all; without the line \
           it would go out incomplete.",
    why: "Sending the readable lines of a claim whose other line was dropped bills something \
          other than what the practice meant: an add-on without its base, a month half billed, \
          or a duplicate once the corrected line is sent.",
    example: "claims.csv line 3 (99439 with units `two`) cannot be read: P0001's claim for \
              2025-03 (its 99490 on line 2) is held.",
    source: "ccm's rule that a claim goes out whole (docs/outputs.md); CMS Medicare Claims \
             Processing Manual, Pub. 100-04, ch. 12, sec. 30.6 (one claim per patient-month's \
             care management services).",
    fix: "Correct the unreadable line the finding cites (its IN001 or IN002 says what is wrong) \
          and run again; the claim then goes out whole or is judged on its merits.",
}

/// Whether a finding made while reading a claims file is a claim line that could not be
/// read (IN001 malformed, IN002 a bad value): a line of some claim, lost. A blank line, a
/// repeated header or a page footer (IN005) is no claim line.
pub fn lost_line(f: &Finding) -> bool {
    [IN001.code, IN002.code].contains(&f.check.code)
}

/// A claim of a patient with an unreadable line in the claims file.
pub fn check(c: &WholeClaim, emit: &mut Emit) {
    if c.unreadable.is_empty() {
        return;
    }
    let lines: Vec<String> = c.unreadable.iter().map(|(_, l)| l.to_string()).collect();
    let msg = format!(
        "{} line(s) of this patient's claims could not be read (line {}): the claim is held, as it cannot be shown whole",
        c.unreadable.len(),
        lines.join(", ")
    );
    emit.cited(
        emit.finding(&CD013, msg),
        c.unreadable.iter().copied(),
        None,
    );
}
