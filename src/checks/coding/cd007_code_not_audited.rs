//! CD007 code-not-audited: the check's definition (its `ccm explain` text) and its logic.

use crate::billing::checked_against_evidence;
use crate::checks::scope::{RunFacts, push_cited};
use crate::domain::{Finding, Program, YearMonth};
use std::collections::BTreeMap;

check! {
    CD007, "CD007", "code-not-audited", Info,
    what: "(claims given) A claim line no check audits against the evidence: a well-formed \
           HCPCS code ccm has no rule for (an office visit, say), an RPM device code (99453, \
           99454, 99445) when no readings file was given (with one, DV001 counts its days), or \
           an RPM treatment management code (99457, 99458, 99470) when the time log has no RPM \
           time to check it against (with RPM time, CL001 and CL002 check it). The code rules still apply where they can: an RPM line's add-on \
           pairing, families, unit cap, dates and filing (CD001-CD006, CD009), and any line's \
           exclusive pairs and code life (CD008, CD010). A code of another program in \
           rules/<year>/clashes.csv (APCM G0556-G0558, ESRD 90951-90970, care plan oversight \
           G0181/G0182, RPM, RTM) is read as evidence that the program was billed that month, \
           for the clash checks OV002-OV005, and its line is said here as unverified. The line \
           passes through to clean_claims.csv untouched; one finding per code names its lines. \
           A code with modifiers (99490-GT, 99490 GT, 99490:95) is checked as its code; a cell \
           that is no HCPCS code at all (99490.0, 9949O) is an invalid value (IN002) and the \
           line is held.",
    why: "A verify run that skips lines without a word reads as if they were checked; the \
          biller should know which lines ccm vouches for and which it did not look at.",
    example: "claims.csv line 48: 99214 (an office visit) passes through unchecked.",
    source: "ccm's rules tables (rules/<year>/codes.csv list every code ccm audits); CMS \
             HCPCS Level II and AMA CPT code formats.",
    fix: "Nothing needs fixing for a code meant to pass through (an office visit, a supply), but \
          check those lines by other means; if it is a mistyped care-management code, correct it \
          on the claim line and run again.",
}

/// What ccm's tables say of a code no check audits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Known<'a> {
    /// In no table.
    Not,
    /// An RPM device code (`devices.csv`), with no readings file to count its days.
    Device,
    /// A program's code in codes.csv, not read as evidence of anything.
    Coded(&'a str),
    /// A program's code in clashes.csv (and maybe codes.csv): evidence of the program in
    /// its month for the clash checks.
    Evidence(&'a str),
}

/// The finding for one code no check audits, on `lines` claim lines.
pub fn finding(code: &str, known: Known, lines: usize) -> Finding {
    Finding::new(
        &CD007,
        match known {
            Known::Device => format!(
                "{code} is an RPM device code: without a readings file (--readings) ccm cannot count its days of data: {lines} line(s) pass through unverified"
            ),
            Known::Not => format!(
                "{code} is not a code ccm audits (not in its rules tables): {lines} line(s) pass through unchecked"
            ),
            Known::Coded(p) => format!(
                "{code} is in ccm's tables as {p}, but ccm does not check {p} claim lines against the evidence (minutes, device days): {lines} line(s) pass through unverified"
            ),
            Known::Evidence(p) => format!(
                "{code} is in ccm's tables as {p}: read as evidence of {p} that month for the clash checks, but the line itself is not checked against any evidence: {lines} line(s) pass through unverified"
            ),
        },
    )
}

/// Lines no check audits, said once per code over the claims file: codes ccm has no rule
/// for, codes in its tables of a program whose claim lines it does not check against the
/// evidence (RPM without RPM time), and other programs' codes read only as clash evidence:
/// being in a table is not being checked.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    let Some(cf) = &run.ds.claims else {
        return;
    };
    // (code, what the tables say of it) -> the lines.
    let mut unaudited: BTreeMap<(&str, Known), Vec<(u16, u64)>> = BTreeMap::new();
    for c in cf
        .claims
        .iter()
        .filter(|c| run.cfg.audits(c.date_of_service))
    {
        let yr = run.rules.for_month(YearMonth::of(c.date_of_service));
        let coded = yr.code(&c.hcpcs);
        if coded
            .and_then(|r| Program::parse(&r.program))
            .is_some_and(|p| checked_against_evidence(p, run.rpm_time))
        {
            continue;
        }
        let device = yr.device(&c.hcpcs).is_some();
        if device && run.ds.readings.is_some() {
            continue;
        }
        let known = match (yr.clash_of_code(&c.hcpcs), coded) {
            _ if device => Known::Device,
            (Some(clash), _) => Known::Evidence(&clash.program),
            (None, Some(r)) => Known::Coded(&r.program),
            (None, None) => Known::Not,
        };
        unaudited
            .entry((&c.hcpcs, known))
            .or_default()
            .push((c.file, c.line));
    }
    for ((code, known), at) in unaudited {
        push_cited(out, finding(code, known, at.len()), at.into_iter(), None);
    }
}
