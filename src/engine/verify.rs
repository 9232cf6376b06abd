//! Verify mode inside the patient-month pass: once a patient-month's checks have run, each
//! of its claims (one practitioner's lines) is checked against the code rules and the
//! evidence, held or sent, and what it leaves unbilled is said. The checks (CD, CL, RV)
//! write through `Emit` like any patient-month check; this file only groups the lines,
//! gives each claim its view, and adds up the money.

use super::Key;
use super::evidence::{Pm, pm_of};
use crate::audit::{AuditConfig, HeldClaim, Outcome, Verify};
use crate::billing::{
    checked_against_evidence, day_column, family_minutes, left_unbilled, line_claims, needs_mdm,
    threshold_day, units_for,
};
use crate::checks::coding::code_checks;
use crate::checks::scope::{
    ClaimBeneficiary, ClaimEvidence, ClaimMonth, Emit, Unbilled, WholeClaim,
};
use crate::checks::{
    beneficiary_checks, claim_checks, claim_line_checks, claim_month_checks, unbilled_checks,
};
use crate::domain::{
    Claim, ClaimsFile, Consent, Dataset, Effect, Finding, Money, Program, YearMonth,
};
use crate::rules::Ruleset;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A claim: one patient, month and billing practitioner (interned ids).
pub(super) type ClaimKey = (u32, YearMonth, u32);

/// One claim's lines, with their index in the claims file, in file order.
pub(super) type ClaimLines<'a> = Vec<(usize, &'a Claim)>;

/// What verify mode prepares before the patient-month pass, and reads in it.
pub(super) struct Claims<'a> {
    ds: &'a Dataset,
    rules: &'a Ruleset,
    cfg: &'a AuditConfig,
    /// Every claim, sorted by key: a patient-month's claims are adjacent.
    pub(super) groups: Vec<(ClaimKey, ClaimLines<'a>)>,
    /// The findings of the rules across the practitioners of a beneficiary-month (CD008,
    /// CD010, CD011), each on the claim whose lines it cites.
    across: HashMap<ClaimKey, Vec<Finding>>,
    /// The errors found before the pass (reading, staff days, run-wide) that hold claims.
    before: Held,
    /// The RPM patient-months with time in the time log, sorted by key: when there are any,
    /// RPM claim lines are checked against them as CCM lines are against the outcomes'.
    rpm: &'a [(Key, Pm)],
    /// An error holds every claim (no consents or no diagnoses file).
    global_error: bool,
    /// Per patient, the claims file's lines naming them that could not be read.
    unreadable: HashMap<u32, Vec<(u16, u64)>>,
    /// Per patient, their RPM consents (RPM claim lines need one, as CCM months do); `None`
    /// when the consents file records no RPM consent at all: a practice that keeps one
    /// consent for every program cannot be told from one without RPM consent, so the lines
    /// are not judged on it and the run's notes say so ([`Claims::rpm_consent_note`]).
    rpm_consents: Option<HashMap<u32, Vec<&'a Consent>>>,
    /// When the consents file records no RPM consent: the patients with a consent to any
    /// program. A shared consent can only be one of those: a patient with none has no
    /// consent RPM could rest on, and the line is judged (CN001; red team round 16).
    consented: Option<HashSet<u32>>,
    /// Each patient's recorded date of death.
    died: HashMap<u32, NaiveDate>,
}

/// What the claims of some patient-months came to (one per thread of the pass, then
/// merged): the summary's money and the lists' claims.
#[derive(Default)]
pub(super) struct Tally {
    verify: Verify,
    /// What each priced claim line claims: (index in the claims file, amount, and what
    /// the evidence supports of it at the fee schedule when it was judged on the evidence).
    priced: Vec<(usize, Money, Option<Money>)>,
}

/// A claim's lines of the programs ccm checks, against the code rules and the evidence: the
/// findings, what its lines claim, and per program what the evidence supports of it.
struct Checked {
    findings: Vec<Finding>,
    claimed: Money,
    supported_pay: BTreeMap<Program, Supported>,
}

/// What a claim's lines of one program support, and the date of service they are priced on
/// (the program's first line that is not an add-on, else its first line): RV001 prices the
/// evidence on that date too.
#[derive(Clone, Copy)]
struct Supported {
    pay: Money,
    dos: NaiveDate,
}

/// One patient-month as verify mode reads it in the pass.
#[derive(Clone, Copy)]
pub(super) struct MonthClaims<'m, 'a> {
    /// Its claims, one per practitioner.
    pub groups: &'m [(ClaimKey, ClaimLines<'a>)],
    /// Its entries with time (per practitioner and program), and their outcomes.
    pub pms: &'m [(Key, Pm)],
    pub outcomes: &'m [Option<Outcome>],
    /// Complex CCM may be billed (moderate or high MDM on a care-plan event).
    pub complex: bool,
}

/// What became of one claim of the patient-month, for the money on its findings and RV001.
struct Settled {
    npi: u32,
    held: bool,
    claimed: Money,
    supported_pay: BTreeMap<Program, Supported>,
}

impl<'a> Claims<'a> {
    /// Groups the claims file's lines into claims and runs the rules across practitioners.
    /// `before` holds the findings made so far (reading, staff days, run-wide checks).
    pub(super) fn new(
        ds: &'a Dataset,
        rules: &'a Ruleset,
        cfg: &'a AuditConfig,
        cf: &'a ClaimsFile,
        rpm: &'a [(Key, Pm)],
        global_error: bool,
        before: &[Finding],
    ) -> Claims<'a> {
        // A claim goes out whole or not at all: lines are grouped by patient, month, practitioner.
        let mut groups: BTreeMap<ClaimKey, ClaimLines> = BTreeMap::new();
        for (i, c) in cf.claims.iter().enumerate() {
            if !cfg.audits(c.date_of_service) {
                continue;
            }
            groups
                .entry((c.patient, YearMonth::of(c.date_of_service), c.npi))
                .or_default()
                .push((i, c));
        }
        let groups: Vec<(ClaimKey, ClaimLines)> = groups.into_iter().collect();
        let mut unreadable: HashMap<u32, Vec<(u16, u64)>> = HashMap::new();
        for f in before.iter().filter(|f| {
            f.file
                .is_some_and(|i| ds.files[i as usize].kind == crate::domain::Kind::Claims)
                && crate::checks::coding::cd013::lost_line(f)
        }) {
            if let (Some(p), Some(file)) = (ds.patients.get(&f.patient_id), f.file) {
                let at = unreadable.entry(p).or_default();
                at.extend(f.lines.iter().map(|&l| (file, l)));
            }
        }
        let mut by_patient: HashMap<u32, Vec<&Consent>> = HashMap::new();
        for c in ds.consents.iter().flatten() {
            if c.program == Program::Rpm {
                by_patient.entry(c.patient).or_default().push(c);
            }
        }
        let rpm_consents = (!by_patient.is_empty()).then_some(by_patient);
        // Each patient's recorded death (CD006: no line dated after it): every consent of
        // the patient carries it ([`crate::checks::consent::recorded_death`]).
        let died: HashMap<u32, NaiveDate> = ds
            .consents
            .iter()
            .flatten()
            .filter_map(|c| Some((c.patient, c.died?)))
            .collect();
        let consented = match (&rpm_consents, &ds.consents) {
            (None, Some(cs)) => Some(cs.iter().map(|c| c.patient).collect()),
            _ => None,
        };
        Claims {
            ds,
            rules,
            cfg,
            rpm_consents,
            consented,
            died,
            across: across_practitioners(ds, rules, cfg, cf),
            before: Held::of(ds, &groups, before),
            groups,
            rpm,
            global_error,
            unreadable,
        }
    }

    /// The run's note when RPM claim lines were not judged on consent: the consents file (given)
    /// records no RPM consent at all.
    pub(super) fn rpm_consent_note(&self) -> Option<String> {
        if self.rpm_consents.is_some() || self.ds.consents.is_none() {
            return None;
        }
        let consented = self.consented.as_ref();
        let rpm_lines = self.groups.iter().flat_map(|g| &g.1).filter(|(_, c)| {
            // A patient with no consent at all is judged (CN001), not left unjudged.
            if consented.is_some_and(|set| !set.contains(&c.patient)) {
                return false;
            }
            let yr = self.rules.for_month(YearMonth::of(c.date_of_service));
            yr.device(&c.hcpcs).is_some()
                || yr
                    .code(&c.hcpcs)
                    .is_some_and(|r| r.program == Program::Rpm.as_str())
        });
        let n = rpm_lines.count();
        (n > 0).then(|| {
            format!(
                "{n} RPM claim line(s) of patients with a consent to another program not judged on consent: the consents file records no RPM consent (a row with program RPM); if the practice records RPM consent, export those rows to have each line checked (CN001)"
            )
        })
    }

    /// One patient-month's claims, once its patient-month checks have run: the findings
    /// `found[from..]` are that patient-month's. Each claim's findings are added to `found`,
    /// and what it came to to `tally`.
    pub(super) fn settle(
        &self,
        month: &MonthClaims,
        found: &mut Vec<Finding>,
        from: usize,
        tally: &mut Tally,
    ) {
        let MonthClaims {
            groups,
            pms,
            outcomes,
            ..
        } = *month;
        // Each claim's programs, and whether the patient-month's own errors hold it:
        // decided before its claims' findings join the list.
        let held_by_month: Vec<(Vec<&'static str>, bool)> = groups
            .iter()
            .map(|(key, lines)| {
                let npi = self.ds.npi_name(key.2);
                let programs = programs_billed(self.rules, key.1, lines);
                let held = found[from..].iter().filter(|f| f.holds_month()).any(|f| {
                    (f.billing_npi.is_empty() || f.billing_npi == npi) && of_programs(f, &programs)
                });
                (programs, held)
            })
            .collect();
        let mut settled: Vec<Settled> = Vec::with_capacity(groups.len());
        for ((key, lines), by_month) in groups.iter().zip(held_by_month) {
            settled.push(self.settle_claim(month, (*key, lines), by_month, found, tally));
        }
        // What each clean month the evidence supports leaves unbilled (RV001).
        for ((key, _), o) in pms.iter().zip(outcomes.iter().flatten()) {
            // A patient with a claims line that could not be read may have claimed the
            // month on it: "not claimed" would invite billing it twice (CD013 holds the
            // claims it could belong to; IN001/IN002 say what to fix).
            if self.unreadable.contains_key(&key.0) {
                continue;
            }
            let claim = settled.iter().find(|s| s.npi == key.2);
            let paid = match claim.map(|s| (s.held, s.supported_pay.get(&key.3))) {
                Some((_, None)) | None => None,
                Some((true, Some(_))) => continue,
                Some((false, Some(paid))) => Some(*paid),
            };
            self.unbilled(o, paid, tally, found);
        }
        // RPM treatment management in a claim that goes out: what the month's RPM time
        // supports beyond its lines (RV001), by the same selection as a CCM month's. A
        // month whose claim has no RPM time-based line is not judged: ccm does not bill
        // RPM on time alone (docs/statuses.md).
        for ((key, _), s) in groups.iter().zip(&settled).filter(|(_, s)| !s.held) {
            let Some(&paid) = s.supported_pay.get(&Program::Rpm) else {
                continue;
            };
            let Some(o) = self.rpm_outcome((key.0, key.1, key.2, Program::Rpm)) else {
                continue;
            };
            self.unbilled(&o, Some(paid), tally, found);
        }
        // In verify mode, the money at stake on an error that holds a month is what its
        // practitioner's held claim claims (none when nothing was claimed).
        for f in found[from..].iter_mut().filter(|f| holds_claimed(f)) {
            let npi = |s: &&Settled| self.ds.npi_name(s.npi) == f.billing_npi.as_str();
            f.amount = settled
                .iter()
                .find(npi)
                .filter(|s| s.held)
                .map(|s| s.claimed)
                .filter(|a| !a.is_zero());
        }
    }

    /// RV001 for a clean month: what its evidence supports beyond the claim lines `paid`
    /// (priced on the claim's date of service, as they are), if anything.
    fn unbilled(
        &self,
        o: &Outcome,
        paid: Option<Supported>,
        tally: &mut Tally,
        found: &mut Vec<Finding>,
    ) {
        let due = paid.map_or(o.payment, |p| {
            crate::billing::payment_on(self.rules.for_month(o.month), &o.lines, p.dos)
        });
        let paid = paid.map(|p| p.pay);
        if let Some(left) = left_unbilled(o, due, paid) {
            say_unbilled(o, due, paid, left, tally, found);
        }
    }

    /// What an RPM patient-month's time supports (treatment management: 99457 + 99458,
    /// 99470 from 2026), decided by billing's selection as a CCM month's is, as a clean
    /// outcome for RV001; `None` without RPM time or below every threshold.
    fn rpm_outcome(&self, key: Key) -> Option<Outcome> {
        let (patient, month, npi, program) = key;
        let pm = pm_of(self.rpm, &key)?;
        let yr = self.rules.for_month(month);
        let sel = crate::billing::select(
            yr,
            program.as_str(),
            pm.minutes(),
            month,
            self.cfg.dos,
            false,
        )?;
        Some(Outcome {
            program,
            patient_id: self.ds.patients.name(patient).into(),
            month,
            billing_npi: self.ds.npi_name(npi).into(),
            minutes: pm.total.whole_minutes(),
            practitioner_minutes: pm.minutes().practitioner.whole_minutes(),
            complex: false,
            status: crate::billing::Status::Clean,
            chosen: Some(sel.base.hcpcs.as_str().into()),
            alternatives: sel.alternatives.clone(),
            lines: sel.lines(&[]),
            payment: sel.payment,
            window: crate::billing::MonthWindow::new(month, self.cfg.as_of),
            shown: None,
        })
    }

    /// One claim: its findings (added to `found`), whether an error holds it, and its money.
    fn settle_claim(
        &self,
        month_claims: &MonthClaims,
        (key, lines): (ClaimKey, &ClaimLines),
        (programs, held_by_month): (Vec<&'static str>, bool),
        found: &mut Vec<Finding>,
        tally: &mut Tally,
    ) -> Settled {
        let (patient, month, npi) = key;
        let (pid, npi_s) = (self.ds.patients.name(patient), self.ds.npi_name(npi));
        let Checked {
            findings: mut local,
            claimed,
            supported_pay,
        } = self.check_claim(key, lines, month_claims, &mut tally.priced);
        let whole: Vec<&Claim> = lines.iter().map(|(_, c)| *c).collect();
        let view = WholeClaim {
            lines: &whole,
            unreadable: self.unreadable.get(&patient).map_or(&[], Vec::as_slice),
        };
        let mut emit = Emit::claim(pid, month, npi_s, "", std::mem::take(&mut local));
        for check in claim_checks() {
            check(&view, &mut emit);
        }
        local = emit.into_findings();
        if let Some(across) = self.across.get(&key) {
            for f in across {
                let mut f = f.clone();
                f.patient_id = pid.into();
                f.month = Some(month);
                f.billing_npi = npi_s.into();
                local.push(f);
            }
        }
        let held = self.global_error
            || held_by_month
            || local.iter().any(Finding::holds_month)
            || self.before.holds(key, &programs);
        let v = &mut tally.verify;
        let entry = v.by_month.entry(month).or_default();
        entry.0 += claimed;
        v.claimed += claimed;
        if held {
            v.at_risk += claimed;
            entry.1 += claimed;
            v.held.push(HeldClaim {
                patient_id: pid.into(),
                month,
                billing_npi: npi_s.into(),
                lines: lines.iter().map(|(i, _)| *i).collect(),
                programs,
                claimed,
                why: Default::default(),
            });
        } else {
            v.supported += claimed;
            v.claims_out += 1;
            v.clean.extend(lines.iter().map(|(i, _)| *i));
        }
        found.extend(local);
        Settled {
            npi,
            held,
            claimed,
            supported_pay,
        }
    }

    /// One claim's lines of each program ccm checks, against the code rules (CD) and, for
    /// the programs checked against the evidence, the evidence (CL): RPM lines without RPM
    /// time against the code rules alone (not priced).
    fn check_claim(
        &self,
        (patient, month, npi): ClaimKey,
        lines: &ClaimLines,
        month_claims: &MonthClaims,
        priced: &mut Vec<(usize, Money, Option<Money>)>,
    ) -> Checked {
        let (pms, mdm) = (month_claims.pms, month_claims.complex);
        let yr = self.rules.for_month(month);
        let (pid, npi_s) = (self.ds.patients.name(patient), self.ds.npi_name(npi));
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
            // The code rules that can judge any line (dates, filing, duplicates) see the
            // program's device lines too (RPM 99453/99454/99445: devices.csv, not codes.csv);
            // the evidence checks below see the time-based lines only.
            let coded: Vec<&Claim> = mine
                .iter()
                .copied()
                .chain(
                    lines
                        .iter()
                        .map(|(_, c)| *c)
                        .filter(|c| prog == Program::Rpm && yr.device(&c.hcpcs).is_some()),
                )
                .collect();
            if coded.is_empty() {
                continue;
            }
            let mut emit = Emit::claim(pid, month, npi_s, pname, std::mem::take(&mut out.findings));
            // Without a consents file every claim is held already (CN001, run-wide); with
            // one that records no RPM consent, a patient with no consent at all is judged,
            // and the run's notes say the other lines were not.
            if prog == Program::Rpm {
                if let Some(by_patient) = &self.rpm_consents {
                    let consents = by_patient.get(&patient).map_or(&[][..], Vec::as_slice);
                    crate::checks::consent::rpm_claim_lines(consents, &coded, &mut emit);
                } else if self
                    .consented
                    .as_ref()
                    .is_some_and(|set| !set.contains(&patient))
                {
                    // No consent of any program: no shared consent RPM could rest on.
                    crate::checks::consent::rpm_claim_lines(&[], &coded, &mut emit);
                }
            }
            if mine.is_empty() || !checked_against_evidence(prog, !self.rpm.is_empty()) {
                let dates = (self.cfg.as_of, self.died.get(&patient).copied());
                code_checks(self.rules, yr, &coded, dates, |_| None, &mut emit);
                out.findings = emit.into_findings();
                continue;
            }
            let evidence = if prog == Program::Rpm { self.rpm } else { pms };
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
            let dates = (self.cfg.as_of, self.died.get(&patient).copied());
            code_checks(self.rules, yr, &coded, dates, tday, &mut emit);
            for (c, &i) in mine.iter().zip(&at) {
                let r = yr.code(&c.hcpcs).expect("filtered");
                let (fee, claimed) = line_claims(yr, c);
                out.claimed += claimed;
                let Some(base) = (if r.is_addon {
                    yr.code(&r.addon_to)
                } else {
                    Some(r)
                }) else {
                    priced.push((i, claimed, None));
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
                let line_supported = fee * Money::from(c.units.min(supported));
                priced.push((i, claimed, Some(line_supported)));
                let dos = mine
                    .iter()
                    .find(|c| yr.code(&c.hcpcs).is_some_and(|r| !r.is_addon))
                    .unwrap_or(c)
                    .date_of_service;
                out.supported_pay
                    .entry(prog)
                    .or_insert(Supported {
                        pay: Money::ZERO,
                        dos,
                    })
                    .pay += line_supported;
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
                    check(&evidence, &mut emit);
                }
            }
            out.findings = emit.into_findings();
        }
        // Device lines are audited against the readings (DV001, DV002, across months) when
        // there is a readings file: their money is claimed, held or sent with the claim.
        if self.ds.readings.is_some() {
            for &(i, c) in lines.iter().filter(|(_, c)| yr.device(&c.hcpcs).is_some()) {
                let (_, claimed) = line_claims(yr, c);
                priced.push((i, claimed, None));
                out.claimed += claimed;
            }
        }
        out
    }
}

impl Tally {
    /// Adds another thread's tally.
    pub(super) fn merge(&mut self, other: Tally) {
        let (v, o) = (&mut self.verify, other.verify);
        v.clean.extend(o.clean);
        v.claimed += o.claimed;
        v.supported += o.supported;
        v.at_risk += o.at_risk;
        v.left_unbilled += o.left_unbilled;
        for (m, (a, b, c)) in o.by_month {
            let e = v.by_month.entry(m).or_default();
            e.0 += a;
            e.1 += b;
            e.2 += c;
        }
        v.held.extend(o.held);
        v.claims_out += o.claims_out;
        self.priced.extend(other.priced);
    }

    /// The claims file's verdict, in a settled order; the errors found before the pass
    /// (`before`) get the money their held claim claims.
    pub(super) fn finish(self, cf: &ClaimsFile, before: &mut [Finding]) -> Verify {
        let mut v = self.verify;
        v.line_claimed = vec![None; cf.claims.len()];
        v.line_supported = vec![None; cf.claims.len()];
        for (i, claimed, supported) in self.priced {
            v.line_claimed[i] = Some(claimed);
            v.line_supported[i] = supported;
        }
        v.clean.sort_unstable();
        // By patient id as text, not by interned number (which depends on reading order).
        v.held.sort_by(|a, b| held_key(a).cmp(&held_key(b)));
        for f in before.iter_mut().filter(|f| holds_claimed(f)) {
            let Some(month) = f.month else { continue };
            let want = (f.patient_id.as_str(), month, f.billing_npi.as_str());
            f.amount = v
                .held
                .binary_search_by(|h| held_key(h).cmp(&want))
                .ok()
                .map(|i| v.held[i].claimed)
                .filter(|a| !a.is_zero());
        }
        v
    }
}

/// A clean month the evidence supports beyond its claim lines (`paid`; `None`: not
/// claimed): `left` added to the run's and the month's money left unbilled, and RV001.
fn say_unbilled(
    o: &Outcome,
    due: Money,
    paid: Option<Money>,
    left: Money,
    tally: &mut Tally,
    found: &mut Vec<Finding>,
) {
    tally.verify.left_unbilled += left;
    tally.verify.by_month.entry(o.month).or_default().2 += left;
    let view = Unbilled {
        outcome: o,
        due,
        paid,
        left,
    };
    let mut emit = Emit::claim(
        &o.patient_id,
        o.month,
        &o.billing_npi,
        o.program.as_str(),
        vec![],
    );
    for check in unbilled_checks() {
        check(&view, &mut emit);
    }
    found.extend(emit.into_findings());
}

/// A held claim's place in the held list: patient id as text, month, NPI.
fn held_key(h: &HeldClaim) -> (&str, YearMonth, &str) {
    (h.patient_id.as_str(), h.month, h.billing_npi.as_str())
}

/// Whether a finding's money, in verify mode, is what its month's held claim claims: an
/// error that holds the month it names (not one judging claim lines: CL001 and CL002 carry
/// their own lines' amount).
fn holds_claimed(f: &Finding) -> bool {
    f.holds_month() && f.check.effect == Effect::Month && f.month.is_some()
}

/// Whether a finding is of one of `programs`, or of none (or one ccm does not know): an
/// error of one program's evidence holds only a claim that bills that program (CN001 for
/// CCM does not hold a claim of 99457 or G0557 alone); one of no program holds any.
fn of_programs(f: &Finding, programs: &[&'static str]) -> bool {
    match Program::parse(&f.program) {
        Some(p) => programs.contains(&p.as_str()),
        None => true,
    }
}

/// Rules across the practitioners of a patient-month (CD008, CD010, CD011): each
/// practitioner's claim gets the finding with its own lines. A beneficiary is the claims'
/// Medicare ID when a line carries one (two patient ids of one person, in exports of two
/// practices, are one beneficiary), else the patient id.
fn across_practitioners(
    ds: &Dataset,
    rules: &Ruleset,
    cfg: &AuditConfig,
    cf: &ClaimsFile,
) -> HashMap<ClaimKey, Vec<Finding>> {
    let mut across: HashMap<ClaimKey, Vec<Finding>> = HashMap::new();
    across_months(ds, rules, cfg, cf, &mut across);
    let who = beneficiary(cf);
    let mut month_lines: BTreeMap<(Result<&str, u32>, YearMonth), Vec<&Claim>> = BTreeMap::new();
    for c in cf.claims.iter().filter(|c| cfg.audits(c.date_of_service)) {
        month_lines
            .entry((who(c), YearMonth::of(c.date_of_service)))
            .or_default()
            .push(c);
    }
    for (&(_, month), lines) in &month_lines {
        let view = ClaimMonth {
            year: rules.for_month(month),
            lives: &rules.lives,
            lines,
        };
        // A beneficiary-month, not yet one patient's or practitioner's: those are each
        // claim's, filled when the finding joins it.
        let mut emit = Emit::claim("", month, "", "", Vec::new());
        for check in claim_month_checks() {
            check(&view, &mut emit);
        }
        for mut f in emit.into_findings() {
            // A finding names one file: its lines are that file's.
            let at = std::mem::take(&mut f.lines);
            let mut by_claim: BTreeMap<(u32, u32), Vec<u64>> = BTreeMap::new();
            for c in lines
                .iter()
                .filter(|c| Some(c.file) == f.file && at.contains(&c.line))
            {
                by_claim.entry((c.patient, c.npi)).or_default().push(c.line);
            }
            for ((patient, npi), l) in by_claim {
                across
                    .entry((patient, month, npi))
                    .or_default()
                    .push(f.clone().at_lines(f.file.unwrap_or(0), l));
            }
        }
    }
    across
}

/// Who a claim line bills for: its Medicare ID (`mbi`); a line with a blank `mbi` takes the
/// one another line of its patient id carries (a patient id is one person, so a blank cell
/// does not make a second beneficiary); else the patient id. Decided here once, for the
/// beneficiary-month and the beneficiary checks alike.
fn beneficiary<'a>(cf: &'a ClaimsFile) -> impl Fn(&'a Claim) -> Result<&'a str, u32> + 'a {
    let mut mbi_of: HashMap<u32, &str> = HashMap::new();
    for c in &cf.claims {
        if let Some(m) = c.mbi.as_deref() {
            mbi_of.entry(c.patient).or_insert(m);
        }
    }
    move |c: &'a Claim| {
        c.mbi
            .as_deref()
            .or_else(|| mbi_of.get(&c.patient).copied())
            .ok_or(c.patient)
    }
}

/// Rules over a beneficiary's 30-day periods and episodes, which cross months (DV001,
/// DV002): every line of the beneficiary (`mbi`, else patient id) in date order, with the
/// days the readings file shows for any of its patient ids. Each finding joins the claims
/// of the lines it cites.
fn across_months(
    ds: &Dataset,
    rules: &Ruleset,
    cfg: &AuditConfig,
    cf: &ClaimsFile,
    across: &mut HashMap<ClaimKey, Vec<Finding>>,
) {
    let mut days_of: HashMap<u32, Vec<chrono::NaiveDate>> = HashMap::new();
    for r in ds.readings.iter().flatten() {
        days_of.entry(r.patient).or_default().push(r.date);
    }
    let who = beneficiary(cf);
    let mut by_who: BTreeMap<Result<&str, u32>, Vec<&Claim>> = BTreeMap::new();
    for c in &cf.claims {
        by_who.entry(who(c)).or_default().push(c);
    }
    let audited = |c: &Claim| cfg.audits(c.date_of_service);
    for lines in by_who.values_mut() {
        lines.sort_by_key(|c| (c.date_of_service, c.file, c.line));
        let reading_days: Option<Vec<chrono::NaiveDate>> = ds.readings.as_ref().map(|_| {
            let mut patients: Vec<u32> = lines.iter().map(|c| c.patient).collect();
            patients.sort_unstable();
            patients.dedup();
            let mut d: Vec<_> = patients
                .iter()
                .filter_map(|p| days_of.get(p))
                .flatten()
                .copied()
                .collect();
            d.sort_unstable();
            d.dedup();
            d
        });
        let view = ClaimBeneficiary {
            rules,
            lines,
            audited: &audited,
            as_of: cfg.as_of,
            reading_days: reading_days.as_deref(),
        };
        let month = YearMonth::of(lines[0].date_of_service);
        let mut emit = Emit::claim("", month, "", "", Vec::new());
        for check in beneficiary_checks() {
            check(&view, &mut emit);
        }
        for mut f in emit.into_findings() {
            let at = std::mem::take(&mut f.lines);
            let mut by_claim: BTreeMap<ClaimKey, Vec<u64>> = BTreeMap::new();
            for c in lines
                .iter()
                .filter(|c| Some(c.file) == f.file && at.contains(&c.line) && audited(c))
            {
                by_claim
                    .entry((c.patient, YearMonth::of(c.date_of_service), c.npi))
                    .or_default()
                    .push(c.line);
            }
            for (key, l) in by_claim {
                across
                    .entry(key)
                    .or_default()
                    .push(f.clone().at_lines(f.file.unwrap_or(0), l));
            }
        }
    }
}

/// The programs a claim's lines bill, by ccm's tables (codes.csv, else the clash table's
/// codes), sorted and once each. A code in neither bills no program ccm knows.
fn programs_billed(rules: &Ruleset, month: YearMonth, lines: &ClaimLines) -> Vec<&'static str> {
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

/// The claims the errors found before the pass hold, by claim, or by patient-month when
/// the error names no practitioner (it holds every practitioner's claim that month), each
/// with the error's program ([`of_programs`]). Findings carry ids as text; they are read
/// back to the claims' interned ids here, once.
struct Held {
    claims: HashSet<(ClaimKey, &'static str)>,
    months: HashSet<(u32, YearMonth, &'static str)>,
}

/// A finding's program as the held sets key it: "" for none (or one ccm does not know).
fn program_key(f: &Finding) -> &'static str {
    Program::parse(&f.program).map_or("", Program::as_str)
}

impl Held {
    fn of(ds: &Dataset, groups: &[(ClaimKey, ClaimLines)], findings: &[Finding]) -> Held {
        let mut h = Held {
            claims: HashSet::new(),
            months: HashSet::new(),
        };
        let mut patient_of: HashMap<&str, u32> = HashMap::new();
        let mut npi_of: HashMap<&str, u32> = HashMap::new();
        for &((patient, _, npi), _) in groups {
            patient_of.insert(ds.patients.name(patient), patient);
            npi_of.insert(ds.npi_name(npi), npi);
        }
        for f in findings.iter().filter(|f| f.holds_month()) {
            let (Some(m), Some(&p)) = (f.month, patient_of.get(&*f.patient_id)) else {
                continue;
            };
            let program = program_key(f);
            if f.billing_npi.is_empty() {
                h.months.insert((p, m, program));
            } else if let Some(&n) = npi_of.get(&*f.billing_npi) {
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
}
