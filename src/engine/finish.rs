//! The end of an audit: the staff pass, every patient-month check, verify mode, ordering
//! and the reconciliation.

use super::evidence::*;
use super::order::{apply_order, patient_ranks};
use super::recon::reconcile;
use super::row::*;
use super::spill::StaffLists;
use super::staff::{StaffDays, staff_day_checks};
use super::verify::verify;
use super::{Auditor, Key, OtherProgramRow, billable};
use crate::audit::{Audit, DosMode, Outcome, Status};
use crate::billing::{family_minutes, needs_mdm, select, units_for};
use crate::checks::claims::{NEAR_BLOCK_MINUTES, RV002};
use crate::checks::consent::{CN001, CN002, CN003, CN004, named_practitioner};
use crate::checks::eligibility::{EL001, EL002, EL003, EL004, EL005, conditions, initiating};
use crate::checks::ingest::{IN003, IN004};
use crate::checks::overlap::{OV001, relation, relation_word};
use crate::checks::time::{TM001, TM002, TM003, TM004, TM006};
use crate::checks::{Finding, Severity, lookup};
use crate::domain::{
    Dataset, Enrolment, FastMap, Kind, Mdm, Money, NoteQuality, Program, TimeRow, YearMonth,
};
use crate::rules::{Relation, TimeKind, YearRules};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// What the patient-month checks carry from one patient-month to the next of the same one.
#[derive(Default)]
pub(super) struct MonthRun {
    /// The patient-month whose unknown diagnosis codes (EL003) were reported.
    pub(super) el003_done: Option<(u32, YearMonth)>,
    /// The patient-month whose NPIs with CCM minutes are in `npis`.
    pub(super) npis_at: Option<(u32, YearMonth)>,
    pub(super) npis: Vec<u32>,
}

impl Auditor<'_> {
    pub(super) fn finish_with(mut self, ds: &Dataset, lists: &mut StaffLists) -> Audit {
        let pname = |p: u32| ds.patients.name(p);
        let mut findings: Vec<Finding> = ds.ingest_findings.clone();
        let mut notes = Vec::new();
        for r in &self.future {
            findings.push(
                Finding::new(
                    &IN004,
                    format!(
                        "service date {} is after the as-of date {}; the row is excluded",
                        r.date, self.cfg.as_of
                    ),
                )
                .patient(pname(r.patient))
                .month(YearMonth::of(r.date))
                .npi(ds.npi_name(r.npi))
                .program(r.program.as_str())
                .at(r.file, r.line)
                .minutes(u32::from(r.minutes)),
            );
        }
        // The billable programs of the run, for the run-wide findings (CCM when none).
        let mut run_programs: Vec<Program> = [Program::Ccm, Program::Pcm]
            .into_iter()
            .filter(|p| self.slots.iter().any(|s| s.key.3 == *p))
            .collect();
        if run_programs.is_empty() {
            run_programs.push(Program::Ccm);
        }
        if !self.has_consents {
            for p in &run_programs {
                findings.push(Finding::new(
                    &CN001,
                    format!("no consents file was given or found beside the time log: consent cannot be proven, so no {} claim can be clean (give --consents FILE)", p.as_str()),
                ).program(p.as_str()));
            }
            notes.push("no consents file: no claim can be clean".to_string());
        }

        // Every row of one staff member and day together; identical rows side by side,
        // the first in file order first.
        let mut pms_v: Vec<Pm> = Vec::new();
        pms_v.resize_with(self.slots.len(), Pm::default);
        let mut live = vec![false; self.slots.len()];
        let several_npis = self.ccm_slots_beside_other_npis();
        let mut other_programs: FastMap<(u32, YearMonth), Vec<OtherProgramRow>> =
            FastMap::default();
        // Two stages on two threads, one staff member at a time, in the same order: the
        // first reads the rows (back from the temporary files when spilled), sorts them and
        // runs the day checks (repeats, day totals, overlaps); the second adds what each
        // row brings to its month. The result is the same as one pass.
        let slots = &self.slots;
        let staff_names = &ds.staff;
        let (days_tx, days_rx) = std::sync::mpsc::sync_channel::<StaffDays>(32);
        std::thread::scope(|scope| {
            scope.spawn(move || staff_day_checks(lists, slots, staff_names, pname, days_tx));
            for StaffDays {
                staff,
                rows,
                dup: all_dup,
                lost: all_lost,
                tm005,
            } in days_rx
            {
                // Findings are ordered by their content at the end, not by when they came.
                findings.extend(tm005);
                let mut from = 0;
                for day in rows.chunk_by(|a, b| a.date == b.date) {
                    let dup = &all_dup[from..from + day.len()];
                    let lost = &all_lost[from..from + day.len()];
                    from += day.len();
                    // What each row brings to its month.
                    for (k, r) in day.iter().enumerate() {
                        let key = self.slots[r.slot as usize].key;
                        let prog = key.3;
                        let at = (r.file, u64::from(r.line));
                        let m = u32::from(r.minutes);
                        let state = if dup[k] {
                            DUPLICATE
                        } else {
                            match r.cover {
                                C_NON_CLINICAL => NON_CLINICAL,
                                C_BEFORE => BEFORE_CONSENT,
                                C_REVOKED => REVOKED,
                                _ => COUNTED,
                            }
                        };
                        if self.trace == Some(key.0) {
                            let row = TimeRow {
                                patient: key.0,
                                staff,
                                npi: key.2,
                                date: r.naive_date(),
                                start: r.start,
                                end: r.end,
                                minutes: r.minutes,
                                role: r.role(),
                                program: prog,
                                note: NoteQuality::Ok,
                                file: r.file,
                                line: u64::from(r.line),
                                fingerprint: r.fp,
                            };
                            self.traced.push((row, state, lost[k]));
                        }
                        let f = r.file as usize;
                        if self.states.len() <= f {
                            self.states.resize(f + 1, [0; 7]);
                        }
                        self.states[f][state as usize] += 1;
                        if state == DUPLICATE {
                            let first = day[..k]
                                .iter()
                                .zip(&dup[..k])
                                .rev()
                                .find(|(_, d)| !**d)
                                .map_or(0, |(f, _)| u64::from(f.line));
                            findings.push(
                                Finding::new(
                                    &IN003,
                                    format!(
                                        "this row repeats line {first} exactly; it is counted once"
                                    ),
                                )
                                .patient(pname(key.0))
                                .month(key.1)
                                .npi(ds.npi_name(key.2))
                                .program(prog.as_str())
                                .at(r.file, u64::from(r.line))
                                .minutes(m),
                            );
                            continue;
                        }
                        let pm = &mut pms_v[r.slot as usize];
                        if billable(prog) {
                            live[r.slot as usize] = true;
                        }
                        match r.cover {
                            C_NON_CLINICAL => {
                                pm.issues().add(ISS_NON_CLINICAL, at, m);
                                continue;
                            }
                            C_BEFORE => {
                                pm.issues().add(ISS_BEFORE, at, m);
                                continue;
                            }
                            C_REVOKED => {
                                pm.issues().add(ISS_REVOKED, at, m);
                                continue;
                            }
                            C_OTHER_NPI => pm.issues().add(ISS_OTHER_NPI, at, m),
                            C_NO_CONSENT => pm.issues().add(ISS_NO_CONSENT, at, m),
                            _ => {}
                        }
                        if prog != Program::Ccm {
                            other_programs.entry((key.0, key.1)).or_default().push((
                                prog,
                                Some(key.2),
                                at.0,
                                at.1,
                            ));
                            if !billable(prog) {
                                continue;
                            }
                        }
                        let l = lost[k];
                        if l.other_program > 0 {
                            pm.issues().add(ISS_TWICE, at, u32::from(l.other_program));
                        }
                        if l.overlap > 0 {
                            pm.issues().add(ISS_OVERLAP, at, u32::from(l.overlap));
                        }
                        let m = u32::from(r.minutes - l.other_program - l.overlap);
                        let p = if r.flags & F_PRACTITIONER != 0 { m } else { 0 };
                        pm.total += m;
                        pm.prac += p;
                        if m > 0 && several_npis[r.slot as usize] {
                            pm.issues().add_ccm_row(at);
                        }
                        if !r.note_ok() {
                            pm.issues().add(ISS_VAGUE, at, m);
                        }
                        if self.keep_days {
                            let date = r.naive_date();
                            match pm.days.iter_mut().find(|d| d.0 == date) {
                                Some(d) => {
                                    d.1 += m;
                                    d.2 += p;
                                }
                                None => pm.days.push((date, m, p)),
                            }
                        }
                    }
                }
            }
        });
        let rules = self.rules;
        let cfg = &self.cfg;
        let ccm_start = &self.ccm_start;
        let mut pms: Vec<(Key, Pm)> = self
            .slots
            .iter()
            .zip(pms_v)
            .zip(live)
            .filter(|((s, _), live)| *live && billable(s.key.3))
            .map(|((s, pm), _)| (s.key, pm))
            .collect();
        pms.sort_unstable_by_key(|e| e.0);
        let states = std::mem::take(&mut self.states);
        let traced = std::mem::take(&mut self.traced);

        if ds.diagnoses.is_none() {
            for p in &run_programs {
                let check = if *p == Program::Pcm { &EL002 } else { &EL001 };
                findings.push(Finding::new(
                    check,
                    format!("no diagnoses file was given or found beside the time log: chronic conditions cannot be proven, so no {} claim can be clean (give --diagnoses FILE)", p.as_str()),
                ).program(p.as_str()));
            }
            notes.push("no diagnoses file: no claim can be clean".to_string());
        }
        if ds.enrolments.is_none() {
            notes.push(
            "no enrolments file: clashes with PCM, APCM, ESRD, care-plan oversight and RPM are checked only from the time log's own program rows".to_string(),
        );
        }
        let global_error = ds.consents.is_none() || ds.diagnoses.is_none();
        // Months with moderate or high MDM on a care-plan event: complex CCM may be billed.
        let mut complex_months: HashSet<(u32, YearMonth)> = HashSet::new();
        let mut first_plan: HashMap<u32, NaiveDate> = HashMap::new();
        for c in ds.careplans.iter().flatten() {
            if c.mdm >= Some(Mdm::Moderate) {
                complex_months.insert((c.patient, YearMonth::of(c.date)));
            }
            let e = first_plan.entry(c.patient).or_insert(c.date);
            *e = (*e).min(c.date);
        }
        let visits_by_patient = ByPatient::new(ds.visits.as_deref());
        let diags_by_patient = ByPatient::new(ds.diagnoses.as_deref());
        let enrol_by_patient = ByPatient::new(ds.enrolments.as_deref());
        let file_of = |kind: Kind| {
            ds.files
                .iter()
                .position(|f| f.kind == kind)
                .map(|i| i as u16)
        };

        let mut months: Vec<YearMonth> = pms.iter().map(|e| e.0.1).collect();
        months.sort_unstable();
        months.dedup();
        for m in &months {
            if !rules.has_year(m.year) {
                notes.push(format!(
                    "no rules for {}: used the {} rules",
                    m.year,
                    rules.for_month(*m).year
                ));
            }
        }

        // Each month's row lists (the evidence of its findings) are taken out of the map and
        // dropped once its findings are made, so they are not all held beside the findings.
        let mut issues_of: Vec<Option<Box<RowIssues>>> =
            pms.iter_mut().map(|e| e.1.issues.take()).collect();
        // The checks of one patient-month (the list is ordered by patient then month, so
        // each patient-month's keys are adjacent): its findings are added to `findings`, its
        // outcome returned.
        let one_month = |(key, pm): &(Key, Pm),
                         issues: Option<Box<RowIssues>>,
                         run: &mut MonthRun,
                         findings: &mut Vec<Finding>|
         -> Outcome {
            let (patient, month, npi, prog) = *key;
            let MonthRun {
                el003_done,
                npis_at,
                npis,
            } = run;
            if *npis_at != Some((patient, month)) {
                *npis_at = Some((patient, month));
                npis.clear();
                npis.extend(
                    pms[pms.partition_point(|e| e.0 < (patient, month, 0, Program::Ccm))..]
                        .iter()
                        .take_while(|(k, _)| (k.0, k.1) == (patient, month))
                        .filter(|(k, pm)| k.3 == Program::Ccm && pm.total > 0)
                        .map(|(k, _)| k.2),
                );
            }
            let pid = pname(patient);
            let npi_s = ds.npi_name(npi);
            let yr = rules.for_month(month);
            let pname_s = prog.as_str();
            let mut local: Vec<Finding> = Vec::new();
            let base = |check, msg: String| {
                Finding::new(check, msg)
                    .patient(pid)
                    .month(month)
                    .npi(npi_s)
                    .program(pname_s)
            };
            let consents = self.consents_of(patient);
            let mut iss = issues.as_deref().map(RowIssues::spread).unwrap_or_default();

            // Row-level exclusions and losses, one finding per kind.
            let row_findings = [
                (
                    &TM002,
                    &iss.non_clinical,
                    "minutes logged by a non-clinical role do not count",
                ),
                (
                    &CN002,
                    &iss.before,
                    "minutes dated before the consent date do not count",
                ),
                (
                    &CN003,
                    &iss.revoked,
                    "minutes in a month after the consent was revoked do not count; the month cannot be billed",
                ),
                (
                    &TM003,
                    &iss.overlap,
                    "minutes overlapping the same staff member's earlier interval count once and are removed here",
                ),
                (
                    &TM004,
                    &iss.twice,
                    "minutes logged at the same clock time for another program stay with that program and leave CCM",
                ),
                (
                    &TM006,
                    &iss.vague,
                    "counted minutes whose note is missing or too thin to defend (\"CCM call\", \"follow up\" …); document what was done",
                ),
            ];
            for (check, acc, what) in row_findings {
                push_acc(&mut local, acc, |lines_n, minutes| {
                    base(
                        check,
                        format!("{minutes} minute(s) on {lines_n} row(s): {what}"),
                    )
                });
            }
            if !iss.no_consent.at.is_empty() {
                let msg = if consents.is_empty() {
                    format!(
                        "no {pname_s} consent on file for this patient; {} minute(s) in {month} cannot be billed",
                        iss.no_consent.minutes
                    )
                } else {
                    format!(
                        "no {pname_s} consent in the consents file covers this month's minutes ({} minute(s))",
                        iss.no_consent.minutes
                    )
                };
                push_acc(&mut local, &iss.no_consent, |_, _| {
                    base(&CN001, msg.clone())
                });
            }
            if !iss.other_npi.at.is_empty() {
                let named: Vec<&str> = consents
                    .iter()
                    .filter(|c| c.program == prog)
                    .filter_map(|c| c.npi)
                    .map(|n| ds.npi_name(n))
                    .collect();
                let f = base(
                &CN004,
                format!(
                    "the consent names NPI {} but these minutes are billed under {npi_s}: a different practitioner needs its own consent",
                    named.join(", ")
                ),
            )
            .minutes(iss.other_npi.minutes);
                push_cited(
                    &mut local,
                    f,
                    consents.iter().map(|c| (c.file, c.line)),
                    file_of(Kind::Consents),
                );
            }

            // One practitioner per patient-month.
            if prog == Program::Ccm && npis.len() > 1 && pm.total > 0 {
                let keeper =
                    named_practitioner(consents, Program::Ccm, month).filter(|k| npis.contains(k));
                if keeper != Some(npi) {
                    let mut others: Vec<&str> = npis
                        .iter()
                        .filter(|&&n| n != npi)
                        .map(|&n| ds.npi_name(n))
                        .collect();
                    others.sort_unstable();
                    let why = match keeper {
                    Some(k) => format!(
                        "the consent names {}, which keeps the month",
                        ds.npi_name(k)
                    ),
                    None => {
                        "no consent names one of them, so none may bill until the practice decides"
                            .to_string()
                    }
                };
                    let msg = format!(
                        "CCM minutes for this month are also billed under {}; only one practitioner may bill CCM per patient-month: {why}",
                        others.join(", ")
                    );
                    // The rows whose minutes make up this NPI's total, one finding per file.
                    debug_assert!(!iss.ccm_rows.at.is_empty(), "OV001 without its rows");
                    iss.ccm_rows.minutes = pm.total;
                    push_acc(&mut local, &iss.ccm_rows, |_, _| base(&OV001, msg.clone()));
                }
            }

            // Clashes with other programs (rules/<year>/clashes.csv).
            let enrols = enrol_by_patient.of(patient);
            let from_time = other_programs
                .get(&(patient, month))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            // A PCM month clashes with CCM by the same practitioner (the PCM row of clashes.csv).
            if prog == Program::Pcm
                && pm_of(&pms, &(patient, month, npi, Program::Ccm)).is_some_and(|c| c.total > 0)
                && let Some(clash) = yr.clash("PCM")
                && let Some(check) = lookup(&clash.code)
                && let Some(sev) = clash.severity(cfg.policy, Relation::Same)
            {
                local.push(
                base(
                    check,
                    format!("CCM by the same practitioner in {month}: CCM and PCM are not paid to one practitioner in the same month"),
                )
                .severity(sev),
            );
            }
            for clash in yr.clashes.iter().filter(|_| prog == Program::Ccm) {
                let Some(check) = lookup(&clash.code) else {
                    continue;
                };
                let active: Vec<&&Enrolment> = enrols
                    .iter()
                    .filter(|e| e.program.as_str() == clash.program)
                    .filter(|e| {
                        e.start <= month.last_day()
                            && e.end.is_none_or(|end| end >= month.first_day())
                    })
                    .collect();
                let timed: Vec<&OtherProgramRow> = from_time
                    .iter()
                    .filter(|t| t.0.as_str() == clash.program)
                    .collect();
                if active.is_empty() && timed.is_empty() {
                    continue;
                }
                let rel = relation(
                    npi,
                    active
                        .iter()
                        .map(|e| e.npi)
                        .chain(timed.iter().map(|t| t.1)),
                );
                let Some(sev) = clash.severity(cfg.policy, rel) else {
                    continue;
                };
                let f = base(
                    check,
                    format!(
                        "{} in {month} by {} ({} under the {} policy)",
                        clash.program,
                        relation_word(rel),
                        match sev {
                            Severity::Error => "not allowed",
                            Severity::Warning => "needs a look",
                            Severity::Info => "allowed if no minute is counted twice",
                        },
                        cfg.policy.as_str()
                    ),
                )
                .severity(sev);
                if active.is_empty() {
                    push_cited(&mut local, f, timed.iter().map(|t| (t.2, t.3)), None);
                } else {
                    push_cited(&mut local, f, active.iter().map(|e| (e.file, e.line)), None);
                }
            }

            // Conditions.
            let diags = diags_by_patient.of(patient);
            let conds = conditions(rules, diags, month);
            if *el003_done != Some((patient, month)) {
                *el003_done = Some((patient, month));
                for d in &conds.invalid {
                    findings.push(
                        Finding::new(
                            &EL003,
                            format!(
                                "{} is not a billable ICD-10-CM code in FY{}; it is ignored",
                                d.code.dotted(),
                                rules.fiscal_year(month)
                            ),
                        )
                        .patient(pid)
                        .month(month)
                        .program(pname_s)
                        .at(d.file, d.line),
                    );
                }
            }
            let cats = conds.categories();
            let (needed, el) = if prog == Program::Pcm {
                (1, &EL002)
            } else {
                (2, &EL001)
            };
            if ds.diagnoses.is_some() && cats.len() < needed {
                let f = base(
                    el,
                    format!(
                        "{} distinct chronic condition(s) active in {month}{}; {pname_s} needs {}",
                        cats.len(),
                        if cats.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", cats.join(", "))
                        },
                        if needed == 1 { "one" } else { "two or more" }
                    ),
                );
                push_cited(
                    &mut local,
                    f,
                    diags.iter().map(|d| (d.file, d.line)),
                    file_of(Kind::Diagnoses),
                );
            }

            // A care plan must exist by the month (when care plans are given).
            if ds.careplans.is_some()
                && first_plan
                    .get(&patient)
                    .is_none_or(|d| *d > month.last_day())
            {
                local.push(base(
                &EL005,
                format!("no care plan on file on or before {}; a comprehensive care plan must exist for every billed month", month.last_day()),
            ));
            }
            // CCM must have been initiated at a qualifying face-to-face visit (when visits are given).
            if prog == Program::Ccm
                && let Some(start) = ccm_start.get(&patient)
            {
                let from = start
                    .checked_sub_months(chrono::Months::new(12))
                    .unwrap_or(*start);
                let visits = visits_by_patient.of(patient);
                let ok = visits.iter().any(|v| {
                    initiating(rules, &v.hcpcs) && v.date >= from && v.date <= month.last_day()
                });
                if !ok {
                    local.push(base(
                    &EL004,
                    format!("CCM started {start} with no qualifying face-to-face visit (E/M, AWV or IPPE) in the 12 months before it or since"),
                ));
                }
            }

            // Codes the minutes support, and what they pay.
            let open = cfg.as_of < month.last_day();
            let mdm = complex_months.contains(&(patient, month));
            let sel = select(yr, pname_s, pm.minutes(), month, cfg.dos, mdm);

            let (mut lines, payment, chosen, alternatives) = match &sel {
                Some(s) => (
                    s.lines(&conds.claim_codes()),
                    s.payment,
                    Some(s.base.hcpcs.as_str().into()),
                    s.alternatives.clone(),
                ),
                None => (Vec::new(), Money::ZERO, None, Vec::new()),
            };
            if sel.is_none() {
                local.push(below_threshold(yr, pname_s, pm, month, cfg.as_of, base));
            }
            let has_error = local.iter().any(|f| f.severity == Severity::Error) || global_error;
            // The worklist: an open month a few minutes short of the next block (not when an
            // error holds the month anyway).
            if !has_error
                && cfg.as_of >= month.first_day()
                && open
                && let Some(f) = near_next_block(yr, pname_s, pm, mdm, base)
            {
                local.push(f);
            }
            let status = if sel.is_none() {
                Status::BelowThreshold
            } else if open && cfg.dos == DosMode::MonthEnd {
                Status::Open
            } else if has_error {
                Status::Blocked
            } else {
                Status::Clean
            };
            if status != Status::Clean {
                lines.retain(|_| status == Status::Blocked);
            }
            // Money at stake on the findings that hold the month.
            if status == Status::Blocked {
                for f in local.iter_mut().filter(|f| f.severity == Severity::Error) {
                    f.amount = Some(payment);
                }
            }
            findings.extend(local);
            Outcome {
                program: pname_s,
                patient_id: pid.into(),
                month,
                billing_npi: npi_s.into(),
                minutes: pm.total,
                practitioner_minutes: pm.prac,
                status,
                chosen,
                alternatives,
                lines,
                payment,
            }
        };
        // The patient-months in two halves, split between patients, checked on two threads.
        // Each half writes its outcomes straight into its part of one list (outcome `i` is
        // that of `pms[i]`); the first half's findings go straight into the final list too.
        // Nothing big is copied or held twice, and the result is that of one pass.
        let n = pms.len();
        let run = |part: &[(Key, Pm)],
                   issues: &mut [Option<Box<RowIssues>>],
                   found: &mut Vec<Finding>,
                   out: &mut [Option<Outcome>]| {
            let mut state = MonthRun::default();
            for ((e, i), o) in part.iter().zip(issues.iter_mut()).zip(out.iter_mut()) {
                *o = Some(one_month(e, i.take(), &mut state, found));
            }
        };
        let mut mid = n / 2;
        while mid > 0 && mid < n && pms[mid].0.0 == pms[mid - 1].0.0 {
            mid += 1;
        }
        let (first, second) = issues_of.split_at_mut(mid);
        let mut slots: Vec<Option<Outcome>> = std::iter::repeat_with(|| None).take(n).collect();
        let (out_1, out_2) = slots.split_at_mut(mid);
        // Room for a few findings per patient-month: reserved, not touched, so it costs no
        // memory until used, and the second half's findings join without a copy of the rest.
        findings.reserve(3 * n);
        let found_2 = std::thread::scope(|scope| {
            let later = scope.spawn(|| {
                let mut found = Vec::with_capacity(3 * (n - mid));
                run(&pms[mid..], second, &mut found, out_2);
                found
            });
            run(&pms[..mid], first, &mut findings, out_1);
            later.join().expect("the patient-month checks do not panic")
        });
        // Reuses the list's memory (std collects a mapped `Vec` in place when the sizes match).
        const _: () = assert!(size_of::<Option<Outcome>>() == size_of::<Outcome>());
        let mut outcomes: Vec<Outcome> = slots
            .into_iter()
            .map(|o| o.expect("every patient-month has its outcome"))
            .collect();
        findings.extend(found_2);
        drop(issues_of);

        let verify = ds.claims.as_ref().map(|cf| {
            verify(
                ds,
                rules,
                cfg,
                cf,
                &pms,
                &complex_months,
                &outcomes,
                &mut findings,
                global_error,
            )
        });

        // Sorted by patient id as text: first by each patient's rank among the ids (one
        // sort of the distinct ids), then the few ties by the full key.
        let (rank, sorted) = patient_ranks(ds);
        // Interned ids rank 2, 4, 6 … in text order; an id seen only in a row that could not
        // be read ranks between its neighbours (odd), and "" (run-level findings) first.
        let rank_of = |id: &str| -> u32 {
            if id.is_empty() {
                0
            } else if let Some(p) = ds.patients.get(id) {
                rank[p as usize]
            } else {
                2 * sorted.partition_point(|&n| ds.patients.name(n) < id) as u32 + 1
            }
        };
        // The order is worked out on small keys and then applied in place: the findings
        // themselves (600k at 10M rows) are never copied.
        let mut findings = findings;
        let mut keyed: Vec<(u32, Option<YearMonth>, u32)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (rank_of(&f.patient_id), f.month, i as u32))
            .collect();
        keyed.sort_unstable();
        for run in keyed.chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1)) {
            run.sort_by(|a, b| {
                let (fa, fb) = (&findings[a.2 as usize], &findings[b.2 as usize]);
                fa.sort_key().cmp(&fb.sort_key())
            });
        }
        let order: Vec<u32> = keyed.into_iter().map(|k| k.2).collect();
        apply_order(&mut findings, &order);
        outcomes.sort_by_cached_key(|o| (rank_of(&o.patient_id), o.month));
        for run in outcomes.chunk_by_mut(|a, b| a.patient_id == b.patient_id && a.month == b.month)
        {
            run.sort_by(|a, b| a.billing_npi.cmp(&b.billing_npi));
        }

        let recon = reconcile(ds, &states);
        Audit {
            findings,
            outcomes,
            recon,
            notes,
            months,
            verify,
            traced,
        }
    }
}

pub(super) fn below_threshold(
    yr: &YearRules,
    program: &str,
    pm: &Pm,
    month: YearMonth,
    as_of: NaiveDate,
    make: impl Fn(&'static crate::checks::Check, String) -> Finding,
) -> Finding {
    let staff_base = yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && c.time == TimeKind::Staff)
        .min_by_key(|c| c.threshold);
    let (code, thr) = staff_base
        .map(|c| (c.hcpcs.as_str(), c.threshold))
        .unwrap_or(("99490", 20));
    let needed = thr.saturating_sub(pm.total);
    let mut msg = format!(
        "{} countable CCM minute(s) in {month}: {needed} more needed for {code} ({thr} minutes)",
        pm.total
    );
    if as_of < month.last_day() && as_of >= month.first_day() {
        let left = (month.last_day() - as_of).num_days();
        msg.push_str(&format!("; {left} day(s) left in the month"));
    } else {
        msg.push_str("; nothing to bill (minutes do not carry over)");
    }
    make(&TM001, msg).minutes(pm.total)
}

/// RV002: in an open month, the nearest next billable block within reach.
pub(super) fn near_next_block(
    yr: &YearRules,
    program: &str,
    pm: &Pm,
    mdm: bool,
    make: impl Fn(&'static crate::checks::Check, String) -> Finding,
) -> Option<Finding> {
    let mut best: Option<(u32, String)> = None;
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && (mdm || !needs_mdm(c)))
    {
        let Some(minutes) = family_minutes(base, pm.minutes()) else {
            continue;
        };
        let addon = yr.addon_of(&base.hcpcs);
        let (target, what) = match units_for(base, addon, minutes) {
            None => (base.threshold, base.hcpcs.clone()),
            Some(u) => match addon {
                Some(a) if u < a.unit_cap => (
                    base.threshold + (u + 1) * a.increment,
                    format!("{} unit {}", a.hcpcs, u + 1),
                ),
                _ => continue,
            },
        };
        let gap = target - minutes;
        if gap <= NEAR_BLOCK_MINUTES && best.as_ref().is_none_or(|b| gap < b.0) {
            best = Some((gap, what));
        }
    }
    best.map(|(gap, what)| {
        make(
            &RV002,
            format!(
                "{} countable minute(s) so far: {gap} more reach {what}",
                pm.total
            ),
        )
        .minutes(pm.total)
    })
}
