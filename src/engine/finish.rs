//! The end of an audit: the run-wide checks, the staff pass (day checks, then each row
//! added to its patient-month), the patient-month stage, verify mode, ordering and the
//! reconciliation.

use super::evidence::Pm;
use super::identity::fingerprints;
use super::months::{Companions, Months};
use super::order::order_results;
use super::progress::{Meter, Stage};
use super::recon::reconcile;
use super::row::Slim;
use super::spill::StaffLists;
use super::staff::{Logs, StaffDays, staff_day_checks};
use super::verify::{Claims, Tally};
use super::{Auditor, Key, billable};
use crate::audit::Audit;
use crate::billing::Holds;
use crate::checks::ingest::{in003, in004};
use crate::checks::row_state::{RowState, RowTag, ladder};
use crate::checks::scope::{OtherProgramRow, RunFacts};
use crate::checks::{Finding, run_checks};
use crate::domain::{Dataset, FastMap, NoteQuality, Performer, Program, Secs, TimeRow, YearMonth};

impl Auditor<'_> {
    /// The audit, and why each month a list shows is held, worked out once the engine's
    /// own state (slots, evidence, claims) is dropped: it never sits beside them. The
    /// findings' fingerprints are worked out meanwhile, on other threads: both read the
    /// ordered findings and neither reads what the other decides.
    pub(super) fn finish_with(self, ds: &Dataset, lists: &mut StaffLists) -> Audit {
        let mut audit = self.audit_with(ds, lists);
        let Audit {
            findings,
            outcomes,
            verify,
            ..
        } = &mut audit;
        let prints = std::thread::scope(|s| {
            let prints = s.spawn(|| fingerprints(ds, findings));
            explain_holds(findings, outcomes, verify.as_mut());
            prints.join().expect("fingerprints")
        });
        for (f, p) in findings.iter_mut().zip(prints) {
            f.fingerprint = p;
        }
        audit
    }

    fn audit_with(mut self, ds: &Dataset, lists: &mut StaffLists) -> Audit {
        let pname = |p: u32| ds.patients.name(p);
        let mut findings: Vec<Finding> = ds.ingest_findings.clone();
        // A row finding names the patient as its cell wrote it; with --ignore-id-zeros,
        // as every other output names them (00512 is patient 512).
        if ds.patients.fold_leading_zeros {
            for f in &mut findings {
                let folded = crate::domain::strip_id_zeros(f.patient_id.as_str());
                if folded.len() != f.patient_id.len() {
                    f.patient_id = folded.into();
                }
            }
        }
        let mut notes = Vec::new();
        for r in &self.future {
            findings.push(
                in004::finding(r.date, self.cfg.as_of)
                    .patient(pname(r.patient))
                    .month(YearMonth::of(r.date))
                    .npi(ds.npi_name(r.npi))
                    .program(r.program.as_str())
                    .at(r.file, r.line)
                    .minutes(r.secs.whole_minutes()),
            );
        }
        // The billable programs of the run, for the run-wide findings (CCM when none).
        let mut programs: Vec<Program> = [Program::Ccm, Program::Pcm]
            .into_iter()
            .filter(|p| self.slots.iter().any(|s| s.key.3 == *p))
            .collect();
        if programs.is_empty() {
            programs.push(Program::Ccm);
        }
        let StaffPass {
            pms: pms_v,
            live,
            mut other_programs,
        } = self.staff_pass(ds, lists, &mut findings);
        if let Some(cf) = &ds.claims {
            claimed_programs(self.rules, &self.cfg, cf, &mut other_programs);
        }
        // The audited patient-months, and apart, in verify mode, the RPM ones with time
        // (the evidence for RPM claim lines).
        let verify_mode = ds.claims.is_some();
        let mut pms: Vec<(Key, Pm)> = Vec::new();
        let mut rpm: Vec<(Key, Pm)> = Vec::new();
        for ((s, pm), live) in self.slots.iter().zip(pms_v).zip(live) {
            if live && billable(s.key.3) {
                pms.push((s.key, pm));
            } else if verify_mode && s.key.3 == Program::Rpm && pm.total > Secs::ZERO {
                rpm.push((s.key, pm));
            }
        }
        pms.sort_unstable_by_key(|e| e.0);
        rpm.sort_unstable_by_key(|e| e.0);
        let states = std::mem::take(&mut self.states);
        let traced = std::mem::take(&mut self.traced);

        let (rules, cfg) = (self.rules, &self.cfg);
        let months = audited_months(&pms);
        let run = RunFacts {
            ds,
            rules,
            cfg,
            programs: &programs,
            months: &months,
            rpm_time: !rpm.is_empty(),
        };
        for check in run_checks() {
            check(&run, &mut findings);
        }
        let estimated_years = run_notes(ds, rules, cfg, &months, &mut notes);
        let global_error = ds.consents.is_none() || ds.diagnoses.is_none();

        // Each month's row lists (the evidence of its findings) are taken out and dropped
        // once its findings are made, so they are not all held beside the findings.
        let issues_of = pms.iter_mut().map(|e| e.1.issues.take()).collect();
        let companions = Companions::new(ds);
        // Verify mode: the claims, grouped before the pass and settled in it; the errors
        // found so far are what holds them besides the pass's own.
        let claims = ds
            .claims
            .as_ref()
            .map(|cf| Claims::new(ds, rules, cfg, cf, &rpm, global_error, &findings));
        notes.extend(claims.as_ref().and_then(Claims::rpm_consent_note));
        let before = findings.len();
        let meter = Meter::start(self.tick.as_ref(), Stage::PatientMonths, pms.len());
        let stage = Months {
            auditor: &self,
            meter: &meter,
            run: &run,
            pms: &pms,
            companions: &companions,
            other_programs: &other_programs,
            global_error,
            claims: claims.as_ref(),
        };
        let mut raised = Vec::new();
        let mut tally = Tally::default();
        let mut outcomes = stage.check_all(issues_of, &mut findings, &mut raised, &mut tally);
        notes.extend(raised.into_iter().map(String::from));
        let verify = ds
            .claims
            .as_ref()
            .map(|cf| tally.finish(cf, &mut findings[..before]));
        order_results(ds, &mut findings, &mut outcomes);
        let recon = reconcile(ds, cfg, &states);
        Audit {
            findings,
            outcomes,
            recon,
            notes,
            months,
            estimated_years,
            verify,
            traced,
        }
    }
    /// Every row of one staff member and day together; identical rows side by side, the
    /// first in file order first. Two stages on two threads, one staff member at a time, in
    /// the same order: the first reads the rows (back from the temporary files when
    /// spilled), sorts them and runs the day checks (repeats, day totals, overlaps); the
    /// second, here, adds what each row brings to its month. The result is that of one pass.
    fn staff_pass(
        &mut self,
        ds: &Dataset,
        lists: &mut StaffLists,
        findings: &mut Vec<Finding>,
    ) -> StaffPass {
        let pname = |p: u32| ds.patients.name(p);
        let mut pms_v: Vec<Pm> = Vec::new();
        pms_v.resize_with(self.slots.len(), Pm::default);
        let mut live = vec![false; self.slots.len()];
        let several_npis = self.ccm_slots_beside_other_npis();
        let mut other_programs: FastMap<(u32, YearMonth), Vec<OtherProgramRow>> =
            FastMap::default();
        let slots = &self.slots;
        let staff_names = &ds.staff;
        let (days_tx, days_rx) = std::sync::mpsc::sync_channel::<StaffDays>(32);
        let tick = self.tick.clone();
        let meter = Meter::start(tick.as_ref(), Stage::StaffDays, ds.staff.len());
        std::thread::scope(|scope| {
            let logs = Logs::of(ds);
            scope.spawn(move || staff_day_checks(lists, &logs, slots, staff_names, pname, days_tx));
            for StaffDays {
                staff,
                rows,
                dup: all_dup,
                lost: all_lost,
                tm005,
                across,
            } in days_rx
            {
                meter.add(1);
                // Findings are ordered by their content at the end, not by when they came.
                findings.extend(tm005);
                let mut from = 0;
                for day in rows.chunk_by(|a, b| a.date == b.date) {
                    let dup = &all_dup[from..from + day.len()];
                    let lost = &all_lost[from..from + day.len()];
                    let day_from = from;
                    from += day.len();
                    // What each row brings to its month.
                    for (k, r) in day.iter().enumerate() {
                        let key = self.slots[r.slot as usize].key;
                        let prog = key.3;
                        let at = (r.file, u64::from(r.line));
                        let m = r.secs;
                        let (state, tag) = ladder(dup[k], r.cover);
                        if self.trace == Some(key.0) {
                            self.traced.push((r.time_row(key, staff), state, lost[k]));
                        }
                        let f = r.file as usize;
                        if self.states.len() <= f {
                            self.states.resize(f + 1, [0; RowState::COUNT]);
                        }
                        self.states[f][state as usize] += 1;
                        if state == RowState::Duplicate {
                            findings.push(
                                repeat_finding(ds, &across, day_from, day, dup, k)
                                    .patient(pname(key.0))
                                    .month(key.1)
                                    .npi(ds.npi_name(key.2))
                                    .program(prog.as_str())
                                    .at(r.file, u64::from(r.line))
                                    .minutes(m.whole_minutes()),
                            );
                            continue;
                        }
                        let pm = &mut pms_v[r.slot as usize];
                        if billable(prog) {
                            live[r.slot as usize] = true;
                        }
                        if let Some(tag) = tag {
                            pm.issues().add(tag, at, m);
                        }
                        if state != RowState::Counted {
                            continue;
                        }
                        if prog != Program::Ccm {
                            other_programs.entry((key.0, key.1)).or_default().push((
                                prog,
                                Some(key.2),
                                at.0,
                                at.1,
                            ));
                            if !billable(prog) {
                                // RPM time is the evidence for RPM claim lines (verify mode).
                                if prog == Program::Rpm && self.keep_rpm {
                                    pm.total += r.secs;
                                }
                                continue;
                            }
                        }
                        let l = lost[k];
                        if l.other_program > Secs::ZERO {
                            pm.issues().add(RowTag::Twice, at, l.other_program);
                        }
                        if l.overlap > Secs::ZERO {
                            pm.issues().add(RowTag::Overlap, at, l.overlap);
                        }
                        let m = r.secs - l.other_program - l.overlap;
                        // The billing practitioner's own time (99491/99437): theirs by a
                        // performer NPI, or, named by none, tallied by practitioner. `p`,
                        // the day's practitioner time, is what may be theirs.
                        let p = if r.is_practitioner() {
                            match r.performer() {
                                Performer::Billing => {
                                    pm.prac += m;
                                    m
                                }
                                Performer::Unknown => {
                                    pm.add_unnamed(staff, m);
                                    m
                                }
                                Performer::Other => Secs::ZERO,
                            }
                        } else {
                            Secs::ZERO
                        };
                        pm.total += m;
                        if m > Secs::ZERO && several_npis[r.slot as usize] {
                            pm.issues().add_ccm_row(at);
                        }
                        if !r.note_ok() {
                            pm.issues().add(RowTag::Vague, at, m);
                        }
                        if self.keep_days {
                            pm.add_day(r.naive_date(), m, p);
                        }
                    }
                }
            }
        });
        StaffPass {
            pms: pms_v,
            live,
            other_programs,
        }
    }
}

/// The IN003 finding of row `k` of a day (its rows from `day_from` in the staff member's
/// list): the row of another time log it repeats on the fields both carry (`across`), else
/// the nearest row before it that is not itself a repeat.
fn repeat_finding(
    ds: &Dataset,
    across: &[(usize, u16, u32, bool)],
    day_from: usize,
    day: &[Slim],
    dup: &[bool],
    k: usize,
) -> Finding {
    if let Ok(i) = across.binary_search_by_key(&(day_from + k), |a| a.0) {
        let (_, file, line, voided) = across[i];
        let name = &ds.files[file as usize].name;
        return if voided {
            in003::voided_copy(name, u64::from(line))
        } else {
            in003::across_logs(name, u64::from(line))
        };
    }
    let first = day[..k]
        .iter()
        .zip(&dup[..k])
        .rev()
        .find(|(_, d)| !**d)
        .map_or(0, |(f, _)| u64::from(f.line));
    in003::finding(first)
}

/// Why each month a list shows is held, decided once every finding is made (and ordered:
/// [`Holds`] then indexes them in one pass) and kept on its decision record: the outcome,
/// or in verify mode the held claim. Nothing is worked out when no list shows any.
fn explain_holds(
    findings: &[Finding],
    outcomes: &mut [crate::audit::Outcome],
    verify: Option<&mut crate::audit::Verify>,
) {
    let derive = verify.is_none();
    let needed = match &verify {
        Some(v) => !v.held.is_empty(),
        None => outcomes
            .iter()
            .any(|o| o.status == crate::audit::Status::Blocked),
    } || outcomes.iter().any(|o| o.window.in_progress());
    if !needed {
        return;
    }
    let rank = |c: &'static crate::domain::Check| crate::checks::rank(c);
    let holds = Holds::new(findings, &rank);
    for o in outcomes.iter_mut() {
        holds.explain(o, derive);
    }
    for h in verify.map(|v| v.held.iter_mut()).into_iter().flatten() {
        h.why = holds.why(&h.patient_id, h.month, &h.billing_npi, &h.programs);
    }
}

/// The months audited: those of a billable patient-month, sorted, once each.
fn audited_months(pms: &[(Key, Pm)]) -> Vec<YearMonth> {
    let mut months: Vec<YearMonth> = pms.iter().map(|e| e.0.1).collect();
    months.sort_unstable();
    months.dedup();
    months
}

/// The run's notes on what it read and how it priced: ids read without zeros, files
/// missing, an empty `--month`, `--apm`, years and fiscal years read with another's rules.
/// Returns the years priced with another year's rules (year -> the year used).
fn run_notes(
    ds: &Dataset,
    rules: &crate::rules::Ruleset,
    cfg: &crate::audit::AuditConfig,
    months: &[YearMonth],
    notes: &mut Vec<String>,
) -> std::collections::BTreeMap<i32, i32> {
    if ds.patients.fold_leading_zeros {
        notes.push(
            "patient ids are read without leading zeros (--ignore-id-zeros): 00012345 is patient 12345"
                .to_string(),
        );
    }
    if ds.consents.is_none() {
        notes.push("no consents file: no claim can be clean".to_string());
    }
    if ds.diagnoses.is_none() {
        notes.push("no diagnoses file: no claim can be clean".to_string());
    }
    if ds.enrolments.is_none() {
        let mut note = "no enrolments file: clashes with PCM, APCM, ESRD, care-plan oversight and RPM are checked only from the time log's own program rows".to_string();
        if ds.claims.is_some() {
            note.push_str(" and the claims file's lines of those programs");
        }
        notes.push(note);
    }
    if let Some(m) = cfg.month
        && !months.contains(&m)
    {
        notes.push(format!(
            "--month {m}: no time-log row of CCM or PCM falls in {m}; nothing was audited for it"
        ));
    }
    let nameless = ds
        .ingest_findings
        .iter()
        .filter(|f| {
            f.patient_id.is_empty()
                && crate::checks::coding::cd013::lost_line(f)
                && f.file
                    .is_some_and(|i| ds.files[i as usize].kind == crate::domain::Kind::Claims)
        })
        .count();
    if nameless > 0 {
        notes.push(format!(
            "{nameless} claims-file line(s) could not be read and name no patient: a claim they belonged to may go out without them (see their IN001/IN002 findings)"
        ));
    }
    if let (Some(m), Some(cf)) = (cfg.month, &ds.claims) {
        let other = cf
            .claims
            .iter()
            .filter(|c| !cfg.audits(c.date_of_service))
            .count();
        if other > 0 {
            notes.push(format!(
                "--month {m}: {other} claim line(s) dated in other months were not audited (outside-month in the reconciliation): they are in neither clean_claims.csv nor held_claims.csv"
            ));
        }
    }
    // --apm: which audited years have a qualifying-APM factor, and which have one for all.
    if cfg.apm {
        let mut years: Vec<i32> = months.iter().map(|m| m.year).collect();
        years.dedup();
        let (with, without): (Vec<i32>, Vec<i32>) = years.into_iter().partition(|y| {
            rules
                .for_month(YearMonth { year: *y, month: 1 })
                .has_apm_factor()
        });
        let list = |ys: &[i32]| {
            ys.iter()
                .map(|y| format!("CY{y}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !with.is_empty() {
            notes.push(format!(
                "--apm: {} priced at the qualifying-APM conversion factor",
                list(&with)
            ));
        }
        if !without.is_empty() {
            notes.push(format!(
                "--apm: {} {} one conversion factor for all practitioners, used as is",
                list(&without),
                if without.len() == 1 { "has" } else { "have" }
            ));
        }
    }
    // A year without rules of its own is checked and priced with the nearest year's:
    // said once per year, and on each line it prices (fee_basis).
    let mut estimated_years = std::collections::BTreeMap::new();
    for m in months {
        if !rules.has_year(m.year) && !estimated_years.contains_key(&m.year) {
            let used = rules.for_month(*m).year;
            estimated_years.insert(m.year, used);
            notes.push(format!(
                "no CY{} rules: its months are checked and priced with the CY{used} rules and fees, an estimate (fee_basis `CY{used} estimate` on each such line)",
                m.year
            ));
        }
    }
    // A fiscal year without an ICD-10-CM set of its own is checked against the nearest
    // set: said once per fiscal year, with the months it covers.
    let mut stand_in: std::collections::BTreeMap<i32, (i32, Vec<YearMonth>)> =
        std::collections::BTreeMap::new();
    for m in months {
        let (used, exact) = rules.code_set_for(*m);
        if !exact {
            let own = crate::rules::Ruleset::own_fiscal_year(*m);
            stand_in.entry(own).or_insert((used, Vec::new())).1.push(*m);
        }
    }
    for (own, (used, ms)) in &stand_in {
        let span = match (ms.first(), ms.last()) {
            (Some(a), Some(b)) if a != b => format!("{a} ... {b}"),
            (Some(a), _) => a.to_string(),
            _ => continue,
        };
        notes.push(format!(
            "ICD-10-CM FY{used} code set used for {span} (no FY{own} set in the rules): a code absent from it is EL007 not verifiable, not EL003 unknown"
        ));
    }

    estimated_years
}

/// In verify mode, each claim line whose code is another program's (`clashes.csv`
/// `hcpcs`: APCM, ESRD, care-plan oversight, RPM, RTM) is evidence of that program for the
/// patient that month, by the line's NPI, for the clash checks, as a time-log row of the
/// program is.
fn claimed_programs(
    rules: &crate::rules::Ruleset,
    cfg: &crate::audit::AuditConfig,
    cf: &crate::domain::ClaimsFile,
    other_programs: &mut FastMap<(u32, YearMonth), Vec<OtherProgramRow>>,
) {
    for c in cf.claims.iter().filter(|c| cfg.audits(c.date_of_service)) {
        let month = YearMonth::of(c.date_of_service);
        if let Some(program) = rules
            .for_month(month)
            .clash_of_code(&c.hcpcs)
            .and_then(|clash| clash.known)
        {
            other_programs.entry((c.patient, month)).or_default().push((
                program,
                Some(c.npi),
                c.file,
                c.line,
            ));
        }
    }
}

impl Slim {
    /// The time-log row a compact record stands for, for `ccm trace` (its note is not
    /// kept: the trace shows the row's fate, not its text).
    fn time_row(&self, key: Key, staff: u32) -> TimeRow {
        TimeRow {
            patient: key.0,
            staff,
            npi: key.2,
            date: self.naive_date(),
            start: self.start,
            end: self.end,
            secs: self.secs,
            role: self.role(),
            performer: self.performer(),
            program: key.3,
            note: NoteQuality::Ok,
            file: self.file,
            line: u64::from(self.line),
            fingerprint: self.fp,
        }
    }
}

/// What the staff pass adds up, per slot (indexed like the auditor's slots).
struct StaffPass {
    pms: Vec<Pm>,
    /// Whether the slot has a billable row (its month is audited).
    live: Vec<bool>,
    /// Other programs' rows per patient-month, for the clash checks.
    other_programs: FastMap<(u32, YearMonth), Vec<OtherProgramRow>>,
}
