//! Verify mode: each patient-month's claim lines checked against the code rules and the
//! evidence; which lines go out, what is at risk, what is left unbilled.

use super::Key;
use super::evidence::{Pm, pm_index, pm_of};
use crate::audit::{AuditConfig, HeldClaim, Outcome, Status, Verify};
use crate::billing::{family_minutes, needs_mdm, threshold_day, units_for};
use crate::checks::claim_line_checks;
use crate::checks::claim_month_checks;
use crate::checks::claims::rv001;
use crate::checks::coding::cd007;
use crate::checks::coding::code_findings;
use crate::checks::scope::push_cited;
use crate::checks::scope::{ClaimEvidence, ClaimMonth};
use crate::domain::{Claim, ClaimsFile, Dataset, Finding, Money, Program, YearMonth};
use crate::rules::{Ruleset, TimeKind};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One patient-month and practitioner's claim lines, with their index in the claims file.
pub(super) type ClaimGroup<'a> = Vec<(usize, &'a Claim)>;

/// Verify mode: checks each patient-month's claim lines against the code rules and the
/// evidence, decides which lines go out, and what is at risk or left unbilled.
#[allow(clippy::too_many_arguments)]
pub(super) fn verify(
    ds: &Dataset,
    rules: &Ruleset,
    cfg: &AuditConfig,
    cf: &ClaimsFile,
    pms: &[(Key, Pm)],
    complex_months: &HashSet<(u32, YearMonth)>,
    // One per entry of `pms`, in the same order.
    outcomes: &[Outcome],
    findings: &mut Vec<Finding>,
    global_error: bool,
) -> Verify {
    // A claim goes out whole or not at all: lines are grouped by patient, month, practitioner.
    let mut groups: BTreeMap<(u32, YearMonth, u32), ClaimGroup> = BTreeMap::new();
    for (i, c) in cf.claims.iter().enumerate() {
        groups
            .entry((c.patient, YearMonth::of(c.date_of_service), c.npi))
            .or_default()
            .push((i, c));
    }
    // Lines no check audits pass through unchecked, said once per code (CD007): codes ccm
    // has no rule for, and codes in its tables of a program whose claim lines it does not
    // audit (RPM today): being in a table is not being checked.
    // (code, its program when the tables have it) -> the lines.
    type Unaudited<'a> = BTreeMap<(&'a str, Option<&'a str>), Vec<(u16, u64)>>;
    let mut unaudited: Unaudited = BTreeMap::new();
    for c in &cf.claims {
        let program = match rules
            .for_month(YearMonth::of(c.date_of_service))
            .code(&c.hcpcs)
        {
            None => None,
            Some(r) if !crate::billing::is_verified_program(&r.program) => Some(r.program.as_str()),
            Some(_) => continue,
        };
        unaudited
            .entry((&c.hcpcs, program))
            .or_default()
            .push((c.file, c.line));
    }
    for ((code, program), at) in unaudited {
        let f = cd007::finding(code, program, at.len());
        push_cited(findings, f, at.into_iter(), None);
    }
    // Rules across the practitioners of a patient-month (CD008): each practitioner's claim
    // gets the finding with its own lines.
    let mut across: HashMap<(u32, YearMonth, u32), Vec<Finding>> = HashMap::new();
    let mut month_lines: BTreeMap<(u32, YearMonth), Vec<&Claim>> = BTreeMap::new();
    for c in &cf.claims {
        month_lines
            .entry((c.patient, YearMonth::of(c.date_of_service)))
            .or_default()
            .push(c);
    }
    for (&(patient, month), lines) in &month_lines {
        let view = ClaimMonth {
            year: rules.for_month(month),
            lines,
        };
        let mut cited = Vec::new();
        for check in claim_month_checks() {
            check(&view, &mut cited);
        }
        for (f, at) in cited {
            let mut by_npi: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
            for c in lines.iter().filter(|c| at.contains(&c.line)) {
                by_npi.entry(c.npi).or_default().push(c.line);
            }
            for (npi, l) in by_npi {
                let file = lines.first().map_or(0, |c| c.file);
                across
                    .entry((patient, month, npi))
                    .or_default()
                    .push(f.clone().at_lines(file, l));
            }
        }
    }
    // Errors from the evidence, by patient-month and practitioner.
    let mut held: HashSet<(String, YearMonth, String)> = HashSet::new();
    let mut held_all_npis: HashSet<(String, YearMonth)> = HashSet::new();
    for f in findings.iter().filter(|f| f.holds_month()) {
        if let Some(m) = f.month {
            if f.billing_npi.is_empty() {
                held_all_npis.insert((f.patient_id.to_string(), m));
            } else {
                held.insert((f.patient_id.to_string(), m, f.billing_npi.to_string()));
            }
        }
    }
    let mut v = Verify::default();
    let mut claimed_amount: HashMap<(String, YearMonth, String), Money> = HashMap::new();
    let mut claimed_programs: HashSet<Key> = HashSet::new();
    for (&(patient, month, npi), lines) in &groups {
        let pid = ds.patients.name(patient);
        let npi_s = ds.npi_name(npi);
        let yr = rules.for_month(month);
        let mdm = complex_months.contains(&(patient, month));
        let claims: Vec<&Claim> = lines.iter().map(|(_, c)| *c).collect();
        let mut local = Vec::new();
        let mut claimed = Money::ZERO;
        let mut supported_pay: BTreeMap<Program, Money> = BTreeMap::new();
        for prog in crate::billing::VERIFIED_PROGRAMS {
            let pname = prog.as_str();
            let mine: Vec<&Claim> = claims
                .iter()
                .copied()
                .filter(|c| yr.code(&c.hcpcs).is_some_and(|r| r.program == pname))
                .collect();
            if mine.is_empty() {
                continue;
            }
            claimed_programs.insert((patient, month, npi, prog));
            let pm = pm_of(pms, &(patient, month, npi, prog));
            let empty = Pm::default();
            let pmr = pm.unwrap_or(&empty);
            let tday = |h: &str| {
                let r = yr.code(h)?;
                let idx = match r.time {
                    TimeKind::Staff => 1,
                    TimeKind::Practitioner => 2,
                    TimeKind::None => return None,
                };
                // With unnamed practitioners the days' practitioner time may hold others'
                // (TM007): the day it gives is then the earliest the threshold could have
                // been met, still a sound bound for a date of service before it.
                threshold_day(&pmr.days, idx, r.threshold)
            };
            let mut found = code_findings(yr, pname, &mine, cfg.as_of, tday);
            for c in &mine {
                let r = yr.code(&c.hcpcs).expect("filtered");
                let fee = yr
                    .unit_payment(&c.hcpcs, c.date_of_service)
                    .unwrap_or_default();
                claimed += fee * Money::from(c.units);
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
                *supported_pay.entry(prog).or_default() +=
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
            local.extend(found);
        }
        local.extend(across.remove(&(patient, month, npi)).unwrap_or_default());
        for f in &mut local {
            f.patient_id = pid.into();
            f.month = Some(month);
            f.billing_npi = npi_s.into();
        }
        let is_held = global_error
            || local.iter().any(Finding::holds_month)
            || held.contains(&(pid.to_string(), month, npi_s.to_string()))
            || held_all_npis.contains(&(pid.to_string(), month));
        let entry = v.by_month.entry(month).or_default();
        entry.0 += claimed;
        v.claimed += claimed;
        if is_held {
            v.at_risk += claimed;
            entry.1 += claimed;
            claimed_amount.insert((pid.to_string(), month, npi_s.to_string()), claimed);
            v.held.push(HeldClaim {
                patient_id: pid.into(),
                month,
                billing_npi: npi_s.into(),
                lines: lines.len(),
                claimed,
            });
        } else {
            v.supported += claimed;
            v.claims_out += 1;
            v.clean.extend(lines.iter().map(|(i, _)| *i));
            // The evidence may support more than was claimed.
            for (prog, paid) in &supported_pay {
                if let Some(o) = pm_index(pms, &(patient, month, npi, *prog)).map(|i| &outcomes[i])
                    && o.status == Status::Clean
                    && o.payment > *paid
                {
                    let f = rv001::under_claimed(o, *paid);
                    let left = o.payment - *paid;
                    v.left_unbilled += left;
                    entry.2 += left;
                    local.push(f);
                }
            }
        }
        findings.extend(local);
    }
    // Clean months the evidence supports that were not claimed at all.
    for ((key, _), o) in pms.iter().zip(outcomes) {
        if o.status == Status::Clean && !claimed_programs.contains(key) {
            let f = rv001::not_claimed(o);
            v.left_unbilled += o.payment;
            v.by_month.entry(o.month).or_default().2 += o.payment;
            findings.push(f);
        }
    }
    // In verify mode, the money at stake on an error that holds a month is what was claimed.
    for f in findings
        .iter_mut()
        .filter(|f| f.holds_month() && f.check.effect == crate::domain::Effect::Month)
    {
        if let Some(m) = f.month {
            f.amount = claimed_amount
                .get(&(f.patient_id.to_string(), m, f.billing_npi.to_string()))
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
