//! The two lists a biller works from, derived from the audit: what not to bill
//! (held_claims.csv, the "top at risk" table) and, in a month still open on the as-of date,
//! who needs how many more minutes for which code (worklist.csv, the worklist table).
//! docs/outputs.md says what each column holds.

use crate::audit::{Audit, AuditConfig, Outcome, Status};
use crate::billing::{MonthWindow, Next, next_paying_block};
use crate::checks::{Check, Finding, Severity, registry};
use crate::domain::{Dataset, Money, YearMonth};
use crate::rules::Ruleset;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Why a patient-month (or a claim) is held, and where to fix it.
#[derive(Clone, Debug, Default)]
pub struct Why {
    /// The error checks that hold it, each once, in catalogue order.
    pub reasons: Vec<&'static Check>,
    /// The rows behind those errors: (file index, line), ascending, each once.
    pub fix_at: Vec<(u16, u64)>,
    /// The warnings and row-level errors of the same patient-month and NPI (they do not
    /// hold it), each check once, in catalogue order.
    pub other: Vec<&'static Check>,
}

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
    pub why: Why,
}

/// One row of worklist.csv: a patient-month and practitioner of a month still open on the
/// as-of date.
#[derive(Debug)]
pub struct WorkRow<'a> {
    pub outcome: &'a Outcome,
    pub next: Option<Next<'a>>,
    /// Days after the as-of date up to and including the month's last day.
    pub days_left: i64,
    /// The errors that hold the month (`reasons`), if any.
    pub why: Why,
}

/// Both lists, sorted as docs/outputs.md says.
#[derive(Debug, Default)]
pub struct Lists<'a> {
    pub held: Vec<HeldRow<'a>>,
    pub worklist: Vec<WorkRow<'a>>,
}

/// A check's place in the catalogue (`ccm rules` order). Checks are compared by code: a
/// `const` check may sit at more than one address.
fn rank(c: &'static Check) -> usize {
    registry()
        .position(|r| r.code == c.code)
        .unwrap_or(usize::MAX)
}

/// The findings of each patient-month, found by binary search: indices of the findings
/// with a patient and a month that are not info, sorted by (patient, month).
struct Index<'a> {
    findings: &'a [Finding],
    by_pm: Vec<u32>,
    /// Run-wide errors (no patient): a missing consents or diagnoses file holds every month.
    global: Vec<&'a Finding>,
}

impl<'a> Index<'a> {
    fn new(findings: &'a [Finding]) -> Index<'a> {
        let mut by_pm: Vec<u32> = Vec::new();
        let mut global = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            if f.severity == Severity::Info {
                continue;
            }
            if f.patient_id.is_empty() {
                if f.holds_month() {
                    global.push(f);
                }
            } else if f.month.is_some() {
                by_pm.push(i as u32);
            }
        }
        // The findings come ordered by patient and month already: a stable sort of a sorted
        // list is one pass.
        let key = |i: &u32| {
            let f = &findings[*i as usize];
            (f.patient_id.as_str(), f.month)
        };
        by_pm.sort_by(|a, b| key(a).cmp(&key(b)));
        Index {
            findings,
            by_pm,
            global,
        }
    }

    /// The findings of one patient-month.
    fn of<'s>(
        &'s self,
        patient: &'s str,
        month: YearMonth,
    ) -> impl Iterator<Item = &'a Finding> + 's {
        let k = (patient, Some(month));
        let key = |i: &u32| {
            let f = &self.findings[*i as usize];
            (f.patient_id.as_str(), f.month)
        };
        let from = self.by_pm.partition_point(|i| key(i) < k);
        self.by_pm[from..]
            .iter()
            .take_while(move |i| key(i) == k)
            .map(|&i| &self.findings[i as usize])
    }

    /// Why a patient-month and practitioner is held: the holding errors of that NPI (or of
    /// none), of one of `programs` (or of none); failing that, of any NPI and program of
    /// the patient-month; and the run-wide ones.
    fn why(&self, patient: &str, month: YearMonth, npi: &str, programs: &[&str]) -> Why {
        let mine = |f: &&Finding| {
            (f.billing_npi.is_empty() || f.billing_npi == npi)
                && (f.program.is_empty() || programs.contains(&f.program.as_str()))
        };
        let mut why = Why::default();
        let add = |f: &Finding, why: &mut Why| {
            if f.holds_month() {
                if !why.reasons.iter().any(|c| c.code == f.check.code) {
                    why.reasons.push(f.check);
                }
                if let Some(file) = f.file {
                    why.fix_at.extend(f.lines.iter().map(|&l| (file, l)));
                    if f.lines.is_empty() {
                        why.fix_at.push((file, 0));
                    }
                }
            } else if !why.other.iter().any(|c| c.code == f.check.code) {
                why.other.push(f.check);
            }
        };
        for f in self.of(patient, month).filter(mine) {
            add(f, &mut why);
        }
        if why.reasons.is_empty() {
            for f in self.of(patient, month).filter(|f| f.holds_month()) {
                add(f, &mut why);
            }
        }
        // A run-wide error of one month (CD009) holds that month only.
        for f in self
            .global
            .iter()
            .filter(|f| f.month.is_none_or(|m| m == month))
        {
            add(f, &mut why);
        }
        why.reasons.sort_by_key(|c| rank(c));
        why.other.sort_by_key(|c| rank(c));
        why.fix_at.sort_unstable();
        why.fix_at.dedup();
        why
    }
}

/// Builds both lists in one pass over the outcomes (and, in verify mode, the claims).
pub fn lists<'a>(
    ds: &'a Dataset,
    audit: &'a Audit,
    rules: &'a Ruleset,
    cfg: &AuditConfig,
) -> Lists<'a> {
    let as_of = cfg.as_of;
    let any_held = match &audit.verify {
        Some(v) => !v.held.is_empty(),
        None => audit.outcomes.iter().any(|o| o.status == Status::Blocked),
    };
    // The months audited still open on the as-of date (a few at most; never per outcome).
    let open: Vec<YearMonth> = audit
        .months
        .iter()
        .copied()
        .filter(|m| MonthWindow::new(*m, as_of).in_progress())
        .collect();
    let any_open = !open.is_empty();
    if !any_held && !any_open {
        return Lists::default();
    }
    let index = Index::new(&audit.findings);
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
                program: o.program,
                claim_line: None,
                codes,
                minutes: Some(o.minutes),
                amount,
                claim_amount: amount.unwrap_or_default(),
                why: index.why(&o.patient_id, o.month, &o.billing_npi, &[o.program]),
            });
        }
        if any_open && open.contains(&o.month) {
            let yr = rules.for_month(o.month);
            out.worklist.push(WorkRow {
                outcome: o,
                next: next_paying_block(yr, o, o.complex),
                days_left: MonthWindow::new(o.month, as_of).days_left(),
                why: index.why(&o.patient_id, o.month, &o.billing_npi, &[o.program]),
            });
        }
    }
    if let (Some(v), Some(cf)) = (&audit.verify, &ds.claims) {
        held_claim_lines(audit, rules, v, cf, &index, &mut out.held);
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
    index: &Index<'a>,
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
                    o.program,
                ),
                o,
            )
        })
        .collect();
    for h in &v.held {
        let why = index.why(&h.patient_id, h.month, &h.billing_npi, &h.programs);
        let key = (h.patient_id.as_str(), h.month, h.billing_npi.as_str());
        for &i in &h.lines {
            let c = &cf.claims[i];
            let program = rules
                .for_month(h.month)
                .code(&c.hcpcs)
                .map_or("", |r| r.program.as_str());
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
                why: why.clone(),
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

    /// A `const` check named in another module may sit at another address than the
    /// registry's: its place in the catalogue is found by code.
    #[test]
    fn checks_are_ranked_by_code_in_catalogue_order() {
        assert!(rank(&eligibility::EL001) < rank(&overlap::OV002));
        for (i, c) in registry().enumerate() {
            assert_eq!(rank(c), i);
        }
    }

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
