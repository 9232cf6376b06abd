//! The two lists a biller works from, derived from the audit: what not to bill
//! (held_claims.csv, the "top at risk" table) and, in a month still open on the as-of date,
//! who needs how many more minutes for which code (worklist.csv, the worklist table).
//! docs/outputs.md says what each column holds.

use crate::audit::{Audit, Outcome, Status};
use crate::billing::Next;
pub use crate::billing::Why;
use crate::checks::Check;
use crate::domain::{Dataset, Money, YearMonth};
use crate::rules::Ruleset;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One row of held_claims.csv: a blocked patient-month and practitioner (derive mode) or
/// one line of a held claim (verify mode).
#[derive(Debug)]
pub struct HeldRow<'a> {
    pub patient_id: &'a str,
    pub month: YearMonth,
    pub billing_npi: &'a str,
    /// CCM or PCM (verify mode: the program of the line's code, empty for a code ccm has no
    /// rule for).
    pub program: &'a str,
    /// Verify mode: the claim line held (file index, line).
    pub claim_line: Option<(u16, u64)>,
    /// The codes and units held: derive mode the lines the evidence supports (none when it
    /// supports none), verify mode the claim line's.
    pub codes: Vec<(&'a str, u32)>,
    /// Countable minutes (verify mode: of the evidence for the line's program, if any).
    pub minutes: Option<u32>,
    /// What is held; `None` when the evidence supports no line (derive) or the line is not
    /// priced as CCM or PCM (verify).
    pub amount: Option<Money>,
    /// The whole claim's held amount (derive mode: the row's), the first sort key.
    pub claim_amount: Money,
    /// Why it is held: the decision record's ([`crate::billing::Holds`]).
    pub why: &'a Why,
}

/// One row of worklist.csv: a patient-month and practitioner of a month still open on the
/// as-of date.
#[derive(Debug)]
pub struct WorkRow<'a> {
    pub outcome: &'a Outcome,
    /// The next paying block: the decision record's.
    pub next: Option<&'a Next>,
    /// Days after the as-of date up to and including the month's last day.
    pub days_left: i64,
    /// The errors that hold the month (`reasons`), if any: the decision record's.
    pub why: &'a Why,
}

/// Both lists, sorted as docs/outputs.md says.
#[derive(Debug, Default)]
pub struct Lists<'a> {
    pub held: Vec<HeldRow<'a>>,
    pub worklist: Vec<WorkRow<'a>>,
}

/// Both lists, worked out once on first use: the write phase starts a thread that works
/// them out beside the summary and the findings files (neither reads them), and every
/// reader (the held and worklist files, the workbook, the table) waits for that one result.
pub type LazyLists<'a> = std::sync::LazyLock<Lists<'a>, Box<dyn FnOnce() -> Lists<'a> + Send + 'a>>;

/// The reasons of a record that has none (never read for a list: kept for every row shown).
static NO_REASONS: std::sync::LazyLock<Why> = std::sync::LazyLock::new(Why::default);

/// The reasons the decision record keeps.
fn why_of(o: &Outcome) -> &Why {
    o.why().unwrap_or(&NO_REASONS)
}

/// Builds both lists in one pass over the outcomes (and, in verify mode, the claims).
pub fn lists<'a>(ds: &'a Dataset, audit: &'a Audit, rules: &'a Ruleset) -> Lists<'a> {
    let mut out = Lists::default();
    for o in &audit.outcomes {
        if audit.verify.is_none() && o.status == Status::Blocked {
            let codes: Vec<(&str, u32)> = o
                .lines
                .iter()
                .map(|l| (l.hcpcs.as_str(), l.units))
                .collect();
            let amount = (!codes.is_empty()).then_some(o.payment);
            out.held.push(HeldRow {
                patient_id: &o.patient_id,
                month: o.month,
                billing_npi: &o.billing_npi,
                program: o.program.as_str(),
                claim_line: None,
                codes,
                minutes: Some(o.minutes),
                amount,
                claim_amount: amount.unwrap_or_default(),
                why: why_of(o),
            });
        }
        if o.window.in_progress() {
            out.worklist.push(WorkRow {
                outcome: o,
                next: o.next(),
                days_left: o.window.days_left(),
                why: why_of(o),
            });
        }
    }
    if let (Some(v), Some(cf)) = (&audit.verify, &ds.claims) {
        held_claim_lines(audit, rules, v, cf, &mut out.held);
    }
    // The biggest holds first; a claim's lines together, in file order.
    out.held.sort_by(|a, b| {
        b.claim_amount
            .cmp(&a.claim_amount)
            .then_with(|| {
                (a.patient_id, a.month, a.billing_npi).cmp(&(b.patient_id, b.month, b.billing_npi))
            })
            .then_with(|| a.claim_line.cmp(&b.claim_line))
            .then_with(|| a.program.cmp(b.program))
    });
    // Closest to paying first: months nothing holds, then the fewest minutes to the next
    // block (none left last), then by patient, month, NPI.
    out.worklist.sort_by(|a, b| {
        let key = |w: &WorkRow<'a>| {
            (
                !w.why.reasons.is_empty(),
                w.next.map_or(u32::MAX, |n| n.minutes),
            )
        };
        key(a).cmp(&key(b)).then_with(|| {
            let (x, y) = (a.outcome, b.outcome);
            (&x.patient_id, x.month, &x.billing_npi, x.program).cmp(&(
                &y.patient_id,
                y.month,
                &y.billing_npi,
                y.program,
            ))
        })
    });
    out
}

/// Verify mode's held claims, line by line: every line of a claim (patient, month, NPI)
/// not going out.
fn held_claim_lines<'a>(
    audit: &'a Audit,
    rules: &'a Ruleset,
    v: &'a crate::audit::Verify,
    cf: &'a crate::domain::ClaimsFile,
    held: &mut Vec<HeldRow<'a>>,
) {
    let outcome: HashMap<(&str, YearMonth, &str, &str), &Outcome> = audit
        .outcomes
        .iter()
        .map(|o| {
            (
                (
                    o.patient_id.as_str(),
                    o.month,
                    o.billing_npi.as_str(),
                    o.program.as_str(),
                ),
                o,
            )
        })
        .collect();
    for h in &v.held {
        let key = (h.patient_id.as_str(), h.month, h.billing_npi.as_str());
        for &i in &h.lines {
            let c = &cf.claims[i];
            // The line's program: its code's (codes.csv), or RPM for a device code
            // (devices.csv lists RPM device codes only).
            let yr = rules.for_month(h.month);
            let program = match (yr.code(&c.hcpcs), yr.device(&c.hcpcs)) {
                (Some(r), _) => r.program.as_str(),
                (None, Some(_)) => crate::domain::Program::Rpm.as_str(),
                (None, None) => "",
            };
            // What verify priced the line at: the summary's "at risk" adds these up.
            let amount = v.line_claimed[i];
            let minutes = outcome
                .get(&(key.0, key.1, key.2, program))
                .map(|o| o.minutes);
            held.push(HeldRow {
                patient_id: &h.patient_id,
                month: h.month,
                billing_npi: &h.billing_npi,
                program,
                claim_line: Some((c.file, c.line)),
                codes: vec![(c.hcpcs.as_str(), c.units)],
                minutes,
                amount,
                claim_amount: h.claimed,
                why: &h.why,
            });
        }
    }
}

/// The first sentence of a check's how-to-fix text.
pub fn first_sentence(fix: &str) -> &str {
    let fix = fix.trim();
    match fix.find(". ") {
        Some(i) => &fix[..=i],
        None => fix,
    }
}

/// One line of what to do: each reason's fix, first sentence, prefixed by its code.
pub fn what_to_do(reasons: &[&'static Check]) -> String {
    let mut s = String::new();
    for c in reasons {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(c.code);
        s.push_str(": ");
        s.push_str(first_sentence(c.fix));
    }
    s
}

/// `CODE name; CODE name`.
pub fn checks_list(checks: &[&'static Check]) -> String {
    let mut s = String::new();
    for c in checks {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(c.code);
        s.push(' ');
        s.push_str(c.name);
    }
    s
}

/// `file:l1,l2; other:l3` (a finding about a whole file: its name alone).
pub fn fix_at(ds: &Dataset, at: &[(u16, u64)]) -> String {
    let mut s = String::new();
    for group in at.chunk_by(|a, b| a.0 == b.0) {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(ds.file_name(group[0].0));
        let mut first = true;
        for &(_, l) in group.iter().filter(|(_, l)| *l > 0) {
            s.push(if first { ':' } else { ',' });
            first = false;
            let _ = write!(s, "{l}");
        }
    }
    s
}

/// The texts of a list of checks, `CODE name; ...` and what to do, made once per distinct
/// list (many rows share their reasons) and kept for the last [`Texts::KEPT`] lists.
#[derive(Default)]
pub struct Texts {
    kept: Vec<(Vec<&'static Check>, String, String)>,
}

impl Texts {
    const KEPT: usize = 64;

    /// `(checks_list, what_to_do)` of `checks`.
    pub fn of(&mut self, checks: &[&'static Check]) -> (&str, &str) {
        let same = |a: &[&'static Check]| {
            a.len() == checks.len() && a.iter().zip(checks).all(|(x, y)| x.code == y.code)
        };
        let i = match self.kept.iter().position(|k| same(&k.0)) {
            Some(i) => i,
            None => {
                let made = (checks.to_vec(), checks_list(checks), what_to_do(checks));
                if self.kept.len() < Self::KEPT {
                    self.kept.push(made);
                    self.kept.len() - 1
                } else {
                    self.kept[Self::KEPT - 1] = made;
                    Self::KEPT - 1
                }
            }
        };
        let k = &self.kept[i];
        (&k.1, &k.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{eligibility, overlap};

    #[test]
    fn what_to_do_is_each_reasons_first_sentence() {
        let why = [&eligibility::EL005, &overlap::OV002];
        let s = what_to_do(&why);
        assert!(s.starts_with("EL005: Establish the patient's comprehensive care plan"));
        assert!(s.contains(" OV002: Bill the same practitioner's month as CCM or as PCM"));
        assert_eq!(s.matches(": ").count(), 2, "{s}");
        let mut texts = Texts::default();
        assert_eq!(
            texts.of(&why),
            ("EL005 missing-care-plan; OV002 ccm-with-pcm", s.as_str())
        );
    }
}
