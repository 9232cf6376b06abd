//! Reading the companion files (consents, diagnoses, enrolments, care plans, visits): small
//! beside a time log, so each row is decoded and its ids interned as it is read.
//!
//! A status column (`rules/statuses.csv`) says what a consents, enrolments or problem-list
//! row means; without one, every row is what its columns say. A diagnosis cell may hold
//! several codes, and a problem list may be wide (`Dx 1` … `Dx 8`): one diagnosis per code.

use super::dates::Dates;
use super::pipeline::for_each_record;
use super::reader::{FieldError, Rec, RowResult, accepted, headers_seen, open, show};
use super::schema::{
    CarePlanCol, ConsentCol, DiagnosisCol, EnrolmentCol, ReadingCol, Schema, Source, StaffCol,
    VisitCol,
};
use super::{IngestError, ReadOptions};
use crate::domain::{
    CarePlan, Consent, Dataset, Diagnosis, Enrolment, Kind, Mdm, Program, Reading, Visit,
};
use crate::domain::{ConsentStatus, ProblemStatus, StatusRecord, statuses_of};
use crate::domain::{Icd10, Npi, StaffMember, norm_key, printable};
use crate::rules::{Ruleset, Statuses};
use chrono::NaiveDate;
use smallvec::{SmallVec, smallvec};
use std::path::Path;

/// Reads a companion file (consents, diagnoses, enrolments, care plans or visits) into the
/// dataset. Several files of a kind (one beside each time log) are read together: each
/// adds to the kind's list, none replaces it.
pub fn read_companion(
    ds: &mut Dataset,
    kind: Kind,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    rules: &Ruleset,
) -> Result<(), IngestError> {
    let words = &rules.statuses;
    let st = match kind {
        Kind::Consents => read(ds, path, name, opts, words, |ds| &mut ds.consents, consent)?,
        Kind::Diagnoses => read(
            ds,
            path,
            name,
            opts,
            words,
            |ds| &mut ds.diagnoses,
            diagnosis,
        )?,
        Kind::Enrolments => read(
            ds,
            path,
            name,
            opts,
            words,
            |ds| &mut ds.enrolments,
            enrolment,
        )?,
        Kind::Careplans => read(
            ds,
            path,
            name,
            opts,
            words,
            |ds| &mut ds.careplans,
            careplan,
        )?,
        Kind::Visits => read(ds, path, name, opts, words, |ds| &mut ds.visits, visit)?,
        Kind::Readings => read(ds, path, name, opts, words, |ds| &mut ds.readings, reading)?,
        Kind::Staff => read(
            ds,
            path,
            name,
            opts,
            words,
            |ds| &mut ds.roster,
            staff_member,
        )?,
        Kind::Timelog | Kind::Claims => unreachable!("read by read_timelog / read_claims"),
    };
    finish(ds, kind, st);
    Ok(())
}

/// What reading one file gathers besides its records: whether it has a status column, its
/// wide diagnosis columns, the status words seen and the cells that held several codes;
/// from these, the notes the file's `read` gets.
struct FileState<'r> {
    file: u16,
    /// The as-of date: an event dated after it is excluded (IN004).
    as_of: Option<NaiveDate>,
    /// How the file's dates are read.
    dates: std::sync::Arc<Dates>,
    words: &'r Statuses,
    has_status: bool,
    /// Wide diagnosis layout: (position, header) of each `Dx 1` … column, in number order.
    wide: Vec<(usize, String)>,
    /// Each distinct status word (by normalised key): as first written, its meaning in
    /// words, rows.
    seen: Vec<(String, String, &'static str, u64)>,
    /// Cells that held several codes, and the diagnoses read from them.
    packed_cells: u64,
    packed_codes: u64,
}

impl FileState<'_> {
    fn tally(&mut self, word: &str, meaning: &'static str) {
        let k = norm_key(word);
        match self.seen.iter_mut().find(|e| e.0 == k) {
            Some(e) => e.3 += 1,
            None => self.seen.push((k, word.to_string(), meaning, 1)),
        }
    }
}

/// A decoder: one record of a kind to its typed records (none, one, or one per code of a
/// packed or wide diagnosis row), its ids interned, given the record's file and line. A
/// row a status leaves out adds its own finding or status record to the dataset and gives
/// no record.
type Decode<C, T> = fn(&mut Dataset, &Rec<C>, &mut FileState, u64) -> RowResult<Rows<T>>;

/// The records one row gives: almost always one, kept inline (a file of a million rows
/// would otherwise allocate a million one-record lists).
type Rows<T> = SmallVec<[T; 1]>;

/// Reads a file of kind `C`, adding each record `decode` makes to the dataset's list for
/// the kind (created, empty, once the header is read) and a finding for each row it
/// rejects.
fn read<'r, C: Schema, T>(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    words: &'r Statuses,
    list: fn(&mut Dataset) -> &mut Option<Vec<T>>,
    decode: Decode<C, T>,
) -> Result<FileState<'r>, IngestError> {
    let input = open::<C>(ds, path, name, opts)?;
    let file = input.file;
    let status_at = C::COLUMNS.iter().position(|c| c.name == "status");
    let mut st = FileState {
        file,
        as_of: opts.as_of,
        dates: input.dates.clone(),
        words,
        has_status: status_at.is_some_and(|i| input.idx[i] != Source::Absent),
        wide: Vec::new(),
        seen: Vec::new(),
        packed_cells: 0,
        packed_codes: 0,
    };
    if C::KIND == Kind::Diagnoses && input.idx[DiagnosisCol::Icd10Code.index()] == Source::Absent {
        st.wide = wide_columns(&input.heads, &input.idx);
        if st.wide.is_empty() {
            return Err(IngestError::MissingColumn {
                file: printable(name, 200),
                column: "icd10_code".to_string(),
                seen: headers_seen(&input.heads),
            });
        }
    }
    list(ds).get_or_insert_with(Vec::new);
    for_each_record(
        ds,
        input,
        None,
        |_: &mut (), _, _| (),
        |ds, r, line, _, ()| {
            let row = decode(ds, r, &mut st, line);
            if let Some(records) = accepted(row, C::KIND, file, line, &mut ds.ingest_findings) {
                list(ds).as_mut().expect("set above").extend(records);
            }
        },
    )?;
    Ok(st)
}

/// After a file is read: status records sorted by patient, revocations applied to the
/// consents and enrolments read so far, and the file's notes.
fn finish(ds: &mut Dataset, kind: Kind, st: FileState) {
    ds.statuses.sort_by_key(|s| s.patient);
    let mut ended = 0;
    match kind {
        Kind::Consents => {
            ended += end_consents(&mut ds.consents, &ds.statuses, |s, p| {
                s.kind == Kind::Consents && s.program == p
            });
            ended += mark_deaths(ds) + mark_elsewhere(ds);
        }
        Kind::Enrolments => {
            for e in ds.enrolments.iter_mut().flatten() {
                let before = e.end;
                for s in statuses_of(&ds.statuses, e.patient) {
                    // Undated, an unenrolment ends nothing: the other program may still be
                    // running, and a clash must not be assumed away.
                    if s.kind == Kind::Enrolments
                        && s.program == e.program
                        && matches!(s.status, ConsentStatus::Revoked | ConsentStatus::Deceased)
                        && let Some(d) = s.date
                        && d >= e.start
                    {
                        e.end = min_date(e.end, Some(d));
                    }
                }
                ended += u64::from(e.end != before);
            }
            // A death or an enrolment elsewhere recorded here ends the consents read
            // before it too.
            mark_deaths(ds);
            mark_elsewhere(ds);
        }
        _ => {}
    }
    let notes = &mut ds.files[st.file as usize].read.notes;
    notes.extend(st.dates.notes());
    if !st.seen.is_empty() {
        let words: Vec<String> = st
            .seen
            .iter()
            .map(|(_, w, m, n)| format!("{w} x{n} ({m})"))
            .collect();
        notes.push(format!("statuses read: {}", words.join(", ")));
    }
    if ended > 0 {
        notes.push(match kind {
            Kind::Consents => format!(
                "{ended} consent(s) revoked by a later status row (unenrolled, declined or enrolled elsewhere after consenting)"
            ),
            _ => format!("{ended} enrolment(s) ended by a later unenrolled row"),
        });
    }
    let wide: Vec<String> = st.wide.iter().map(|(_, h)| h.clone()).collect();
    notes.extend(crate::domain::wide_note(&wide));
    ds.files[st.file as usize].read.wide_columns = wide;
    let notes = &mut ds.files[st.file as usize].read.notes;
    if st.packed_cells > 0 {
        notes.push(format!(
            "{} cell(s) held several codes: read as {} diagnoses",
            st.packed_cells, st.packed_codes
        ));
    }
}

/// Ends each consent that a status record of its patient in `statuses` ends, when
/// `applies` says the record concerns that consent's program ([`consent_end`]); a death also dates
/// the consent's `died`. Returns how many consents it ended.
fn end_consents(
    consents: &mut Option<Vec<Consent>>,
    statuses: &[StatusRecord],
    applies: impl Fn(&StatusRecord, Program) -> bool,
) -> u64 {
    let mut ended = 0;
    for c in consents.iter_mut().flatten() {
        let (before, program) = (c.revoked, c.program);
        for s in statuses_of(statuses, c.patient)
            .iter()
            .filter(|s| applies(s, program))
        {
            c.revoked = min_date(c.revoked, consent_end(s, c.date));
            if s.status == ConsentStatus::Deceased {
                c.died = min_date(c.died, s.date);
            }
        }
        ended += u64::from(c.revoked != before);
    }
    ended
}

/// An enrolments-file row saying another practice bills a program (Enrolled Elsewhere)
/// ends this practice's consents to that program dated before it, from its start, as the
/// same row in the consents file does; run after either file, so the order they are read
/// in does not matter.
fn mark_elsewhere(ds: &mut Dataset) -> u64 {
    ds.elsewhere.sort_by_key(|s| s.patient);
    end_consents(&mut ds.consents, &ds.elsewhere, |s, p| s.program == p)
}

/// A death, whichever file records it (consents or enrolments, read in either order: run
/// after each), ends every consent of the patient, every program, and no service follows
/// it (CN008): each consent carries the date, which coverage() reads on the first.
fn mark_deaths(ds: &mut Dataset) -> u64 {
    end_consents(&mut ds.consents, &ds.statuses, |s, _| {
        s.status == ConsentStatus::Deceased
    })
}

/// When a status row ends a consent dated `from`: an unenrolment dated on or after it, from
/// its date (undated: from the consent's own date, since when it ended is unknown); a
/// refusal or an enrolment elsewhere dated after it, from its date (the later status
/// replaces the consent).
fn consent_end(s: &StatusRecord, from: NaiveDate) -> Option<NaiveDate> {
    match (s.status, s.date) {
        (ConsentStatus::Revoked | ConsentStatus::Deceased, Some(d)) if d >= from => Some(d),
        (ConsentStatus::Revoked | ConsentStatus::Deceased, None) => Some(from),
        (
            ConsentStatus::NoConsent | ConsentStatus::Declined | ConsentStatus::Elsewhere,
            Some(d),
        ) if d > from => Some(d),
        _ => None,
    }
}

fn min_date(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The meaning of a consents or enrolments row's status, tallied: `None` when the file has
/// no status column (every row is what it is today); an error naming the accepted words
/// when the word is blank or unknown.
fn consent_status(
    st: &mut FileState,
    word: &str,
    kind: Kind,
) -> Result<Option<ConsentStatus>, String> {
    if !st.has_status {
        return Ok(None);
    }
    match st.words.consent(word) {
        Some(m) => {
            st.tally(word, m.words());
            Ok(Some(m))
        }
        None => {
            st.tally(word, "unknown: row excluded");
            Err(format!(
                "status {} is not a known {} status ({}; the words are data in rules/statuses.csv)",
                show(word),
                if kind == Kind::Consents {
                    "consent"
                } else {
                    "enrolment"
                },
                st.words.consent_words()
            ))
        }
    }
}

fn consent(
    ds: &mut Dataset,
    r: &Rec<ConsentCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<Consent>> {
    let patient = r.get(ConsentCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (d, prog, npi, rev, word) = (
        r.get(ConsentCol::ConsentDate)?,
        r.get(ConsentCol::Program)?,
        r.get(ConsentCol::BillingNpi)?,
        r.get(ConsentCol::RevokedDate)?,
        r.get(ConsentCol::Status)?,
    );
    let status = match consent_status(st, word, Kind::Consents) {
        Ok(s) => s,
        Err(m) => return fail(m),
    };
    let program = if prog.is_empty() {
        Program::Ccm
    } else {
        match Program::parse(prog) {
            Some(p) => p,
            None => return fail(format!("program {} is not a known program", show(prog))),
        }
    };
    if let Some(s) = status.filter(|s| *s != ConsentStatus::Consent) {
        // A refusal, an enrolment elsewhere or a revocation: no consent; its date (a
        // declined row may have none) says when.
        let date = match opt_date(&st.dates, d, "consent_date") {
            Ok(v) => v,
            Err(m) => return fail(m),
        };
        push_status(
            ds,
            st,
            (patient, Kind::Consents, program),
            (s, word, date),
            line,
        );
        return Ok(Ok(Rows::new()));
    }
    let Some(date) = st.dates.date(d) else {
        return fail(format!("consent_date {} is not a valid date", show(d)));
    };
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    let revoked = match opt_date(&st.dates, rev, "revoked_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    Ok(Ok(smallvec![Consent {
        patient: ds.patients.intern(patient),
        date,
        program,
        npi,
        revoked,
        died: None,
        file: st.file,
        line,
    }]))
}

/// The columns of a wide diagnosis layout: headers that read as a diagnosis column's name
/// followed by a number (`Dx 1`, `ICD10_2`, `Problem 3`, `Diagnosis 4`), not already read
/// as another column; in number order.
pub(super) fn wide_columns(heads: &[String], idx: &[Source]) -> Vec<(usize, String)> {
    let mut names: Vec<String> = std::iter::once(DiagnosisCol::Icd10Code)
        .flat_map(|c| {
            let col = &DiagnosisCol::COLUMNS[c.index()];
            std::iter::once(col.name).chain(col.aliases.iter().copied())
        })
        .chain(["diagnosis", "problem", "icd", "icd10cm"])
        .map(norm_key)
        .collect();
    names.dedup();
    let mut wide: Vec<(u32, usize, String)> = heads
        .iter()
        .enumerate()
        .filter(|(i, _)| !idx.contains(&Source::Column(*i)))
        .filter_map(|(i, h)| {
            let stem = h.trim_end_matches(|c: char| c.is_ascii_digit());
            let n: u32 = h[stem.len()..].parse().ok()?;
            names.contains(&norm_key(stem)).then(|| (n, i, h.clone()))
        })
        .collect();
    wide.sort();
    wide.into_iter().map(|(_, i, h)| (i, h)).collect()
}

/// The codes of one diagnosis cell: one, or several separated by `,`, `;`, `|` or spaces.
pub(super) fn split_codes(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(|c: char| matches!(c, ',' | ';' | '|') || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

fn diagnosis(
    ds: &mut Dataset,
    r: &Rec<DiagnosisCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<Diagnosis>> {
    let patient = r.get(DiagnosisCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (on, res, word) = (
        r.get(DiagnosisCol::OnsetDate)?,
        r.get(DiagnosisCol::ResolvedDate)?,
        r.get(DiagnosisCol::Status)?,
    );
    // The code cells: the one icd10_code column, or each wide column.
    // (wide column, or `None` for icd10_code; the cell).
    let mut cells: SmallVec<[(Option<usize>, &str); 1]> = SmallVec::new();
    if st.wide.is_empty() {
        cells.push((None, r.get(DiagnosisCol::Icd10Code)?));
    } else {
        for (w, (i, _)) in st.wide.iter().enumerate() {
            let b = r.rec.get(*i).unwrap_or(b"");
            let Ok(cell) = std::str::from_utf8(b) else {
                return Err(FieldError::NotUtf8("icd10_code"));
            };
            if !cell.trim().is_empty() {
                cells.push((Some(w), cell.trim()));
            }
        }
        if cells.is_empty() {
            return fail(format!(
                "no diagnosis code in {}...{}",
                st.wide[0].1,
                st.wide[st.wide.len() - 1].1
            ));
        }
    }
    let status = if st.has_status {
        match st.words.problem(word) {
            Some(m) => {
                st.tally(word, m.as_str());
                Some(m)
            }
            None => {
                st.tally(word, "unknown: row excluded");
                return fail(format!(
                    "status {} is not a known problem status ({}; the words are data in rules/statuses.csv)",
                    show(word),
                    st.words.problem_words()
                ));
            }
        }
    } else {
        None
    };
    let written = || cells.iter().map(|c| c.1).collect::<Vec<_>>().join(", ");
    if status == Some(ProblemStatus::Ignore) {
        let f = crate::checks::ingest::in009::finding(Kind::Diagnoses, word, &written())
            .patient(patient)
            .at(st.file, line);
        ds.ingest_findings.push(f);
        return Ok(Ok(Rows::new()));
    }
    let mut codes: SmallVec<[Icd10; 1]> = SmallVec::new();
    for (w, cell) in &cells {
        let col = w.map_or("icd10_code", |w| st.wide[w].1.as_str());
        let before = codes.len();
        for c in split_codes(cell) {
            let Some(code) = Icd10::parse(c) else {
                return fail(if c == *cell {
                    format!("{col} {} is not an ICD-10-CM code", show(c))
                } else {
                    format!("{col} {}: {} is not an ICD-10-CM code", show(cell), show(c))
                });
            };
            codes.push(code);
        }
        if codes.len() == before {
            return fail(format!("{col} {} is not an ICD-10-CM code", show(cell)));
        }
        if codes.len() - before > 1 {
            st.packed_cells += 1;
            st.packed_codes += (codes.len() - before) as u64;
        }
    }
    let onset = match opt_date(&st.dates, on, "onset_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    let resolved = match opt_date(&st.dates, res, "resolved_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    if status == Some(ProblemStatus::Resolved) && resolved.is_none() {
        let f = crate::checks::eligibility::el006::finding(word, &written())
            .patient(patient)
            .at(st.file, line);
        ds.ingest_findings.push(f);
        return Ok(Ok(Rows::new()));
    }
    let patient = ds.patients.intern(patient);
    Ok(Ok(codes
        .into_iter()
        .map(|code| Diagnosis {
            patient,
            code,
            onset,
            resolved,
            file: st.file,
            line,
        })
        .collect()))
}

fn enrolment(
    ds: &mut Dataset,
    r: &Rec<EnrolmentCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<Enrolment>> {
    let patient = r.get(EnrolmentCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (prog, s, e, npi, word) = (
        r.get(EnrolmentCol::Program)?,
        r.get(EnrolmentCol::StartDate)?,
        r.get(EnrolmentCol::EndDate)?,
        r.get(EnrolmentCol::BillingNpi)?,
        r.get(EnrolmentCol::Status)?,
    );
    let status = match consent_status(st, word, Kind::Enrolments) {
        Ok(s) => s,
        Err(m) => return fail(m),
    };
    let Some(program) = Program::parse(prog) else {
        return fail(format!("program {} is not a known program", show(prog)));
    };
    // Declined: no enrolment; unenrolled with no end date: the row's date (its start_date,
    // the status's effective date) ends the patient's earlier enrolments of the program.
    // Enrolled elsewhere is an enrolment: the patient is in the program, billed by another
    // practice; unenrolled with an end date is the enrolment that ended then.
    let refused = matches!(
        status,
        Some(ConsentStatus::NoConsent | ConsentStatus::Declined)
    );
    let unenrolled = matches!(
        status,
        Some(ConsentStatus::Revoked | ConsentStatus::Deceased)
    ) && e.is_empty();
    if let Some(st_word) = status.filter(|_| refused || unenrolled) {
        let date = match opt_date(&st.dates, s, "start_date") {
            Ok(v) => v,
            Err(m) => return fail(m),
        };
        let what = (st_word, word, date);
        push_status(ds, st, (patient, Kind::Enrolments, program), what, line);
        return Ok(Ok(Rows::new()));
    }
    let Some(start) = st.dates.date(s) else {
        return fail(format!("start_date {} is not a valid date", show(s)));
    };
    let end = match opt_date(&st.dates, e, "end_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    let patient = ds.patients.intern(patient);
    // Enrolled elsewhere is also the word that ends this practice's consent to the program
    // (`mark_elsewhere`), kept apart from `statuses`: the row is counted as its enrolment.
    if status == Some(ConsentStatus::Elsewhere) {
        ds.elsewhere.push(StatusRecord {
            patient,
            kind: Kind::Enrolments,
            program,
            status: ConsentStatus::Elsewhere,
            word: word.to_string(),
            date: Some(start),
            file: st.file,
            line,
        });
    }
    Ok(Ok(smallvec![Enrolment {
        patient,
        program,
        start,
        end,
        npi,
        file: st.file,
        line,
    }]))
}

/// A care-plan event or a visit is evidence only from its date: one dated after the as-of
/// date has not happened as of it (round 13: in an open month with `--dos threshold`, lines
/// that "can go out now" rested on a care plan and a visit dated later). Excluded, IN004.
fn not_after_as_of(
    st: &FileState,
    patient: &str,
    field: &str,
    date: NaiveDate,
) -> Result<(), FieldError> {
    match st.as_of {
        Some(as_of) if date > as_of => Err(FieldError::Excluded(Box::new(
            crate::checks::ingest::in004::event_finding(field, date, as_of).patient(patient),
        ))),
        _ => Ok(()),
    }
}

fn careplan(
    ds: &mut Dataset,
    r: &Rec<CarePlanCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<CarePlan>> {
    let patient = r.get(CarePlanCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (d, mdm) = (r.get(CarePlanCol::PlanDate)?, r.get(CarePlanCol::Mdm)?);
    let Some(date) = st.dates.date(d) else {
        return fail(format!("plan_date {} is not a valid date", show(d)));
    };
    not_after_as_of(st, patient, "plan_date", date)?;
    let mdm = match norm_key(mdm).as_str() {
        "" | "none" | "straightforward" => None,
        "low" => Some(Mdm::Low),
        "moderate" | "mod" => Some(Mdm::Moderate),
        "high" => Some(Mdm::High),
        _ => return fail(format!("mdm {} is not low, moderate or high", show(mdm))),
    };
    Ok(Ok(smallvec![CarePlan {
        patient: ds.patients.intern(patient),
        date,
        mdm,
        file: st.file,
        line,
    }]))
}

fn visit(
    ds: &mut Dataset,
    r: &Rec<VisitCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<Visit>> {
    let patient = r.get(VisitCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (d, code, npi) = (
        r.get(VisitCol::VisitDate)?,
        r.get(VisitCol::Hcpcs)?,
        r.get(VisitCol::BillingNpi)?,
    );
    let Some(date) = st.dates.date(d) else {
        return fail(format!("visit_date {} is not a valid date", show(d)));
    };
    not_after_as_of(st, patient, "visit_date", date)?;
    if code.is_empty() {
        return fail("hcpcs is blank".into());
    }
    // Read as a claims file reads it: `99214-25` is 99214.
    let Some(code) = crate::domain::hcpcs_cell(code) else {
        return fail(format!(
            "hcpcs {} is not a well-formed HCPCS code (5 digits, a letter and 4 digits, or 4 digits and F, T, U or M)",
            show(code)
        ));
    };
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    Ok(Ok(smallvec![Visit {
        patient: ds.patients.intern(patient),
        date,
        hcpcs: code.into(),
        npi,
        file: st.file,
        line,
    }]))
}

fn reading(
    ds: &mut Dataset,
    r: &Rec<ReadingCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<Reading>> {
    let patient = r.get(ReadingCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let d = r.get(ReadingCol::ReadingDate)?;
    let Some(date) = st.dates.date(d) else {
        return fail(format!("reading_date {} is not a valid date", show(d)));
    };
    Ok(Ok(smallvec![Reading {
        patient: ds.patients.intern(patient),
        date,
        file: st.file,
        line,
    }]))
}

fn staff_member(
    _ds: &mut Dataset,
    r: &Rec<StaffCol>,
    st: &mut FileState,
    line: u64,
) -> RowResult<Rows<StaffMember>> {
    let (id, role, npi, name) = (
        r.get(StaffCol::StaffId)?,
        r.get(StaffCol::StaffRole)?,
        r.get(StaffCol::StaffNpi)?,
        r.get(StaffCol::Name)?,
    );
    let fail = |msg: String| Ok(Err((String::new(), msg)));
    if id.is_empty() {
        return fail("staff_id is blank".into());
    }
    if role.is_empty() {
        return fail(format!("staff_role is blank for staff {}", show(id)));
    }
    let npi = if npi.is_empty() {
        None
    } else {
        match Npi::parse(npi) {
            Some(n) => Some(n),
            None => {
                return fail(format!(
                    "staff_npi {} is not a valid NPI (10 digits with a valid check digit)",
                    show(npi)
                ));
            }
        }
    };
    Ok(Ok(smallvec![StaffMember {
        id: id.to_string(),
        role: role.to_string(),
        npi,
        name: (!name.is_empty()).then(|| name.to_string()),
        file: st.file,
        line,
    }]))
}

/// Records a row whose status makes it no consent or enrolment (a refusal, an enrolment
/// elsewhere, a revocation): (patient, kind, program), (status, word as written, date).
fn push_status(
    ds: &mut Dataset,
    st: &FileState,
    (patient, kind, program): (&str, Kind, Program),
    (status, word, date): (ConsentStatus, &str, Option<NaiveDate>),
    line: u64,
) {
    let record = StatusRecord {
        patient: ds.patients.intern(patient),
        kind,
        program,
        status,
        word: word.to_string(),
        date,
        file: st.file,
        line,
    };
    ds.statuses.push(record);
}

/// An optional date: `None` when blank, an error naming the column when not a date.
fn opt_date(dates: &Dates, s: &str, col: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        dates
            .date(s)
            .map(Some)
            .ok_or_else(|| format!("{col} {} is not a valid date ({})", show(s), dates.forms()))
    }
}

/// An optional billing NPI, interned: `None` when blank, an error when not a valid NPI.
fn opt_npi(ds: &mut Dataset, s: &str) -> Result<Option<u32>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    match Npi::parse(s) {
        Some(n) => Ok(Some(ds.intern_npi(&n))),
        None => Err(format!(
            "billing_npi {} is not a valid NPI (10 digits with a valid check digit)",
            show(s)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{Source, split_codes, wide_columns};

    #[test]
    fn a_cell_of_several_codes_splits_on_commas_semicolons_bars_and_spaces() {
        let split = |s| split_codes(s).collect::<Vec<_>>();
        assert_eq!(split("E11.9"), ["E11.9"]);
        assert_eq!(split("E11.22, N18.31"), ["E11.22", "N18.31"]);
        assert_eq!(split("E11.22;N18.31 ; I10"), ["E11.22", "N18.31", "I10"]);
        assert_eq!(split("I10|E78.5"), ["I10", "E78.5"]);
        assert_eq!(split("I10  E78.5"), ["I10", "E78.5"]);
        assert_eq!(split(" ,; "), Vec::<&str>::new());
    }

    #[test]
    fn wide_columns_are_a_diagnosis_name_and_a_number() {
        let heads: Vec<String> = [
            "patient_id",
            "Dx 2",
            "Dx 1",
            "ICD10_3",
            "Problem 4",
            "Diagnosis 5",
            "Date 1",
            "Dx",
            "Notes 2",
            "code10",
        ]
        .map(String::from)
        .to_vec();
        let idx = vec![
            Source::Column(0),
            Source::Absent,
            Source::Absent,
            Source::Absent,
            Source::Absent,
            Source::Column(7),
        ];
        let wide: Vec<&str> = wide_columns(&heads, &idx)
            .iter()
            .map(|(i, _)| heads[*i].as_str())
            .collect();
        // In number order; `Date 1` and `Notes 2` are no diagnosis names; `Dx` has no
        // number and is read as a column already.
        assert_eq!(
            wide,
            [
                "Dx 1",
                "Dx 2",
                "ICD10_3",
                "Problem 4",
                "Diagnosis 5",
                "code10"
            ]
        );
    }
}
