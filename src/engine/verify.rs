//! Verify mode: each patient-month's claim lines checked against the code rules and the
//! evidence; which lines go out, what is at risk, what is left unbilled.

use super::Key;
use super::evidence::{Pm, pm_index, pm_of};
use crate::audit::{AuditConfig, HeldClaim, Outcome, Status, Verify};
use crate::billing::{day_column, family_minutes, needs_mdm, threshold_day, units_for};
use crate::checks::claim_line_checks;
use crate::checks::claim_month_checks;
use crate::checks::claims::rv001;
use crate::checks::coding::cd007::{self, Known};
use crate::checks::coding::code_findings;
use crate::checks::scope::push_cited;
use crate::checks::scope::{ClaimEvidence, ClaimMonth};
use crate::domain::{Claim, ClaimsFile, Dataset, Finding, Money, Program, YearMonth};
use crate::rules::Ruleset;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A claim: one patient, month and billing practitioner (interned ids).
type ClaimKey = (u32, YearMonth, u32);

/// One patient-month and practitioner's claim lines, with their index in the claims file.
pub(super) type ClaimGroup<'a> = Vec<(usize, &'a Claim)>;

/// What verify mode reads besides the claims: the run's data, rules and settings, and the
/// patient-month stage's evidence and outcomes.
pub(super) struct VerifyRun<'a> {
    pub ds: &'a Dataset,
    pub rules: &'a Ruleset,
    pub cfg: &'a AuditConfig,
    pub pms: &'a [(Key, Pm)],
    /// The RPM patient-months with time in the time log, sorted by key: when there are
    /// any, RPM claim lines are checked against them as CCM lines are against `pms`.
    pub rpm: &'a [(Key, Pm)],
    pub complex_months: &'a HashSet<(u32, YearMonth)>,
    /// One per entry of `pms`, in the same order.
    pub outcomes: &'a [Outcome],
    /// An error holds every month (no consents or no diagnoses file).
    pub global_error: bool,
}

/// One claim's lines checked: its findings, what it claims, and per program what the
/// evidence supports of what it claims.
struct Checked {
    findings: Vec<Finding>,
    claimed: Money,
    supported_pay: BTreeMap<Program, Money>,
}

/// Verify mode: checks each patient-month's claim lines against the code rules and the
/// evidence, decides which lines go out, and what is at risk or left unbilled.
pub(super) fn verify(run: &VerifyRun, cf: &ClaimsFile, findings: &mut Vec<Finding>) -> Verify {
    // A claim goes out whole or not at all: lines are grouped by patient, month, practitioner.
    let mut groups: BTreeMap<ClaimKey, ClaimGroup> = BTreeMap::new();
    for (i, c) in cf.claims.iter().enumerate() {
        groups
            .entry((c.patient, YearMonth::of(c.date_of_service), c.npi))
            .or_default()
            .push((i, c));
    }
    unaudited_lines(run, cf, findings);
    let mut across = across_practitioners(run.rules, cf);
    let held = Held::of(run.ds, &groups, findings);
    let mut v = Verify {
        line_claimed: vec![None; cf.claims.len()],
        ..Verify::default()
    };
    let mut claimed_amount: HashMap<ClaimKey, Money> = HashMap::new();
    let mut claimed_programs: HashSet<Key> = HashSet::new();
    for (&key, lines) in &groups {
        let (patient, month, npi) = key;
        let (pid, npi_s) = (run.ds.patients.name(patient), run.ds.npi_name(npi));
        let Checked {
            findings: mut local,
            claimed,
            supported_pay,
        } = run.check_claim(key, lines, &mut claimed_programs, &mut v.line_claimed);
        local.extend(across.remove(&key).unwrap_or_default());
        for f in &mut local {
            f.patient_id = pid.into();
            f.month = Some(month);
            f.billing_npi = npi_s.into();
        }
        let programs = programs_billed(run.rules, month, lines);
        let is_held = run.global_error
            || local.iter().any(Finding::holds_month)
            || held.holds(key, &programs);
        let entry = v.by_month.entry(month).or_default();
        entry.0 += claimed;
        v.claimed += claimed;
        if is_held {
            v.at_risk += claimed;
            entry.1 += claimed;
            claimed_amount.insert(key, claimed);
            v.held.push(HeldClaim {
                patient_id: pid.into(),
                month,
                billing_npi: npi_s.into(),
                lines: lines.iter().map(|(i, _)| *i).collect(),
                programs,
                claimed,
            });
        } else {
            v.supported += claimed;
            v.claims_out += 1;
            v.clean.extend(lines.iter().map(|(i, _)| *i));
            // The evidence may support more than was claimed.
            for (prog, paid) in &supported_pay {
                if let Some(o) =
                    pm_index(run.pms, &(patient, month, npi, *prog)).map(|i| &run.outcomes[i])
                    && o.status == Status::Clean
                    && o.payment > *paid
                {
                    let left = o.payment - *paid;
                    v.left_unbilled += left;
                    entry.2 += left;
                    local.push(rv001::under_claimed(o, *paid));
                }
            }
        }
        findings.extend(local);
    }
    // Clean months the evidence supports that were not claimed at all.
    for ((key, _), o) in run.pms.iter().zip(run.outcomes) {
        if o.status == Status::Clean && !claimed_programs.contains(key) {
            v.left_unbilled += o.payment;
            v.by_month.entry(o.month).or_default().2 += o.payment;
            findings.push(rv001::not_claimed(o));
        }
    }
    // In verify mode, the money at stake on an error that holds a month is what was claimed.
    for f in findings
        .iter_mut()
        .filter(|f| f.holds_month() && f.check.effect == crate::domain::Effect::Month)
    {
        // None when no claim of the patient-month and practitioner was held: nothing claimed.
        if f.month.is_some() {
            f.amount = held
                .key_of(f)
                .and_then(|key| claimed_amount.get(&key))
                .copied()
                .filter(|a| !a.is_zero());
        }
    }
    v.clean.sort_unstable();
    // By patient id as text, not by interned number (which depends on reading order).
    v.held.sort_by(|a, b| {
        (&a.patient_id, a.month, &a.billing_npi).cmp(&(&b.patient_id, b.month, &b.billing_npi))
    });
    v
}

/// Lines no check audits pass through unchecked, said once per code (CD007): codes ccm has
/// no rule for, codes in its tables of a program whose claim lines it does not audit (RPM
/// today), and other programs' codes read only as clash evidence: being in a table is not
/// being checked.
fn unaudited_lines(run: &VerifyRun, cf: &ClaimsFile, findings: &mut Vec<Finding>) {
    // (code, what the tables say of it) -> the lines.
    let mut unaudited: BTreeMap<(&str, Known), Vec<(u16, u64)>> = BTreeMap::new();
    for c in &cf.claims {
        let yr = run.rules.for_month(YearMonth::of(c.date_of_service));
        let coded = yr.code(&c.hcpcs);
        if coded
            .and_then(|r| Program::parse(&r.program))
            .is_some_and(|p| run.checks_evidence(p))
        {
            continue;
        }
        let known = match (yr.clash_of_code(&c.hcpcs), coded) {
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
        let f = cd007::finding(code, known, at.len());
        push_cited(findings, f, at.into_iter(), None);
    }
}

/// Rules across the practitioners of a patient-month (CD008): each practitioner's claim
/// gets the finding with its own lines. A beneficiary is the claims' Medicare ID when a
/// line carries one (two patient ids of one person, in exports of two practices, are one
/// beneficiary), else the patient id.
fn across_practitioners(rules: &Ruleset, cf: &ClaimsFile) -> HashMap<ClaimKey, Vec<Finding>> {
    let mut across: HashMap<ClaimKey, Vec<Finding>> = HashMap::new();
    let mut month_lines: BTreeMap<(Result<&str, u32>, YearMonth), Vec<&Claim>> = BTreeMap::new();
    for c in &cf.claims {
        let who = c.mbi.as_deref().ok_or(c.patient);
        month_lines
            .entry((who, YearMonth::of(c.date_of_service)))
            .or_default()
            .push(c);
    }
    for (&(_, month), lines) in &month_lines {
        let view = ClaimMonth {
            year: rules.for_month(month),
            lives: &rules.lives,
            lines,
        };
        let mut cited = Vec::new();
        for check in claim_month_checks() {
            check(&view, &mut cited);
        }
        for (f, at) in cited {
            let mut by_claim: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
            for c in lines.iter().filter(|c| at.contains(&c.line)) {
                by_claim.entry((c.patient, c.npi)).or_default().push(c.line);
            }
            for ((patient, npi), l) in by_claim {
                let file = lines.first().map_or(0, |c| c.file);
                across
                    .entry((patient, month, npi))
                    .or_default()
                    .push(f.clone().at_lines(file, l));
            }
        }
    }
    across
}

/// The programs a claim's lines bill, by ccm's tables (codes.csv, else the clash table's
/// codes), sorted and once each. A code in neither bills no program ccm knows.
fn programs_billed(rules: &Ruleset, month: YearMonth, lines: &ClaimGroup) -> Vec<&'static str> {
    let yr = rules.for_month(month);
    let mut out: Vec<&'static str> = lines
        .iter()
        .filter_map(|(_, c)| {
            match yr.code(&c.hcpcs) {
                Some(r) => Program::parse(&r.program),
                None => yr.clash_of_code(&c.hcpcs)?.known,
            }
            .map(Program::as_str)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The claims an error from the evidence holds, by claim, or by patient-month when the
/// error names no practitioner (it holds every practitioner's claim that month), each with
/// the error's program: an error of one program's evidence holds only a claim that bills
/// that program (CN001 for CCM does not hold a claim of 99457 or G0557 alone); one of no
/// program holds any. Findings carry ids as text; they are read back to the claims'
/// interned ids here, once.
struct Held {
    claims: HashSet<(ClaimKey, &'static str)>,
    months: HashSet<(u32, YearMonth, &'static str)>,
    patient_of: HashMap<String, u32>,
    npi_of: HashMap<String, u32>,
}

/// A finding's program as the held sets key it: "" for none (or one ccm does not know).
fn program_key(f: &Finding) -> &'static str {
    Program::parse(&f.program).map_or("", Program::as_str)
}

impl Held {
    fn of(ds: &Dataset, groups: &BTreeMap<ClaimKey, ClaimGroup>, findings: &[Finding]) -> Held {
        let mut h = Held {
            claims: HashSet::new(),
            months: HashSet::new(),
            patient_of: HashMap::new(),
            npi_of: HashMap::new(),
        };
        for &(patient, _, npi) in groups.keys() {
            h.patient_of
                .insert(ds.patients.name(patient).to_string(), patient);
            h.npi_of.insert(ds.npi_name(npi).to_string(), npi);
        }
        for f in findings.iter().filter(|f| f.holds_month()) {
            let (Some(m), Some(&p)) = (f.month, h.patient_of.get(&*f.patient_id)) else {
                continue;
            };
            let program = program_key(f);
            if f.billing_npi.is_empty() {
                h.months.insert((p, m, program));
            } else if let Some(&n) = h.npi_of.get(&*f.billing_npi) {
                h.claims.insert(((p, m, n), program));
            }
        }
        h
    }

    /// Whether an error holds the claim, which bills `programs`.
    fn holds(&self, key: ClaimKey, programs: &[&'static str]) -> bool {
        std::iter::once("")
            .chain(programs.iter().copied())
            .any(|p| self.claims.contains(&(key, p)) || self.months.contains(&(key.0, key.1, p)))
    }

    /// The claim a finding is about, when one with its patient and practitioner is claimed.
    fn key_of(&self, f: &Finding) -> Option<ClaimKey> {
        Some((
            *self.patient_of.get(&*f.patient_id)?,
            f.month?,
            *self.npi_of.get(&*f.billing_npi)?,
        ))
    }
}

impl VerifyRun<'_> {
    /// Whether a program's claim lines are checked against the evidence: CCM and PCM
    /// always, RPM when the time log has RPM time (without it, ccm cannot tell what an RPM
    /// line's minutes were, and says the lines are not audited: CD007).
    fn checks_evidence(&self, p: Program) -> bool {
        crate::billing::VERIFIED_PROGRAMS.contains(&p)
            || (p == Program::Rpm && !self.rpm.is_empty())
    }

    /// One claim's lines of each verified program checked against the code rules (CD) and
    /// the evidence (CL), and its RPM lines against the code rules alone: the findings, what
    /// the lines claim, and what the evidence supports.
    fn check_claim(
        &self,
        (patient, month, npi): ClaimKey,
        lines: &ClaimGroup,
        claimed_programs: &mut HashSet<Key>,
        line_claimed: &mut [Option<Money>],
    ) -> Checked {
        let yr = self.rules.for_month(month);
        let mdm = self.complex_months.contains(&(patient, month));
        let mut out = Checked {
            findings: Vec::new(),
            claimed: Money::ZERO,
            supported_pay: BTreeMap::new(),
        };
        for prog in crate::billing::CODE_CHECKED_PROGRAMS {
            let pname = prog.as_str();
            let (at, mine): (Vec<usize>, Vec<&Claim>) = lines
                .iter()
                .filter(|(_, c)| yr.code(&c.hcpcs).is_some_and(|r| r.program == pname))
                .map(|(i, c)| (*i, *c))
                .unzip();
            if mine.is_empty() {
                continue;
            }
            // RPM lines without RPM time logged: the code rules only (not priced, not
            // checked against evidence).
            if !self.checks_evidence(prog) {
                let mut found = code_findings(yr, pname, &mine, self.cfg.as_of, |_| None);
                for f in &mut found {
                    f.program = pname.into();
                }
                out.findings.extend(found);
                continue;
            }
            claimed_programs.insert((patient, month, npi, prog));
            let evidence = if prog == Program::Rpm {
                self.rpm
            } else {
                self.pms
            };
            let pm = pm_of(evidence, &(patient, month, npi, prog));
            let empty = Pm::default();
            let pmr = pm.unwrap_or(&empty);
            let tday = |h: &str| {
                let r = yr.code(h)?;
                let idx = day_column(r.time)?;
                // With unnamed practitioners the days' practitioner time may hold others'
                // (TM007): the day it gives is then the earliest the threshold could have
                // been met, still a sound bound for a date of service before it.
                threshold_day(&pmr.days, idx, r.threshold)
            };
            let mut found = code_findings(yr, pname, &mine, self.cfg.as_of, tday);
            for (c, &i) in mine.iter().zip(&at) {
                let r = yr.code(&c.hcpcs).expect("filtered");
                let fee = yr
                    .unit_payment(&c.hcpcs, c.date_of_service)
                    .unwrap_or_default();
                let claimed = fee * Money::from(c.units);
                line_claimed[i] = Some(claimed);
                out.claimed += claimed;
                let Some(base) = (if r.is_addon {
                    yr.code(&r.addon_to)
                } else {
                    Some(r)
                }) else {
                    continue;
                };
                let minutes = family_minutes(base, pmr.minutes()).unwrap_or(0);
                let supported = if needs_mdm(base) && !mdm {
                    0
                } else {
                    match units_for(base, r.is_addon.then_some(r), minutes) {
                        None => 0,
                        Some(u) if r.is_addon => u,
                        Some(_) => 1,
                    }
                };
                *out.supported_pay.entry(prog).or_default() +=
                    fee * Money::from(c.units.min(supported));
                let evidence = ClaimEvidence {
                    claim: c,
                    rule: r,
                    base,
                    minutes,
                    supported,
                    logged: pm.is_some(),
                    mdm_ok: !needs_mdm(base) || mdm,
                    program: pname,
                    fee,
                };
                for check in claim_line_checks() {
                    check(&evidence, &mut found);
                }
            }
            for f in &mut found {
                f.program = pname.into();
            }
            out.findings.extend(found);
        }
        out
    }
}
