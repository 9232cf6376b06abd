//! Reading the companion files (consents, diagnoses, enrolments, care plans, visits): small
//! beside a time log, so each row is decoded and its ids interned as it is read.

use super::pipeline::for_each_record;
use super::reader::{Rec, RowResult, accepted, open, show};
use super::schema::{CarePlanCol, ConsentCol, DiagnosisCol, EnrolmentCol, Schema, VisitCol};
use super::{IngestError, ReadOptions};
use crate::domain::{CarePlan, Consent, Dataset, Diagnosis, Enrolment, Kind, Mdm, Program, Visit};
use crate::domain::{Icd10, Npi, norm_key, parse_date};
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
) -> Result<(), IngestError> {
    match kind {
        Kind::Consents => read(ds, path, name, opts, |ds| &mut ds.consents, consent),
        Kind::Diagnoses => read(ds, path, name, opts, |ds| &mut ds.diagnoses, diagnosis),
        Kind::Enrolments => read(ds, path, name, opts, |ds| &mut ds.enrolments, enrolment),
        Kind::Careplans => read(ds, path, name, opts, |ds| &mut ds.careplans, careplan),
        Kind::Visits => read(ds, path, name, opts, |ds| &mut ds.visits, visit),
        Kind::Timelog | Kind::Claims => unreachable!("read by read_timelog / read_claims"),
    }
}

/// A decoder: one record of a kind to its typed record (its ids interned), given the
/// record's file and line.
type Decode<C, T> = fn(&mut Dataset, &Rec<C>, u16, u64) -> RowResult<T>;

/// Reads a file of kind `C`, adding each row `decode` accepts to the dataset's list for the
/// kind (created, empty, once the header is read) and a finding for each it rejects.
fn read<C: Schema, T>(
    ds: &mut Dataset,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
    list: fn(&mut Dataset) -> &mut Option<Vec<T>>,
    decode: Decode<C, T>,
) -> Result<(), IngestError> {
    let input = open::<C>(ds, path, name, opts)?;
    let file = input.file;
    list(ds).get_or_insert_with(Vec::new);
    for_each_record(
        ds,
        input,
        None,
        |_: &mut (), _, _| (),
        |ds, r, line, _, ()| {
            let row = decode(ds, r, file, line);
            if let Some(record) = accepted(row, C::KIND, file, line, &mut ds.ingest_findings) {
                list(ds).as_mut().expect("set above").push(record);
            }
        },
    )
}

fn consent(ds: &mut Dataset, r: &Rec<ConsentCol>, file: u16, line: u64) -> RowResult<Consent> {
    let patient = r.get(ConsentCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (d, prog, npi, rev) = (
        r.get(ConsentCol::ConsentDate)?,
        r.get(ConsentCol::Program)?,
        r.get(ConsentCol::BillingNpi)?,
        r.get(ConsentCol::RevokedDate)?,
    );
    let Some(date) = parse_date(d) else {
        return fail(format!("consent_date {} is not a valid date", show(d)));
    };
    let program = if prog.is_empty() {
        Program::Ccm
    } else {
        match Program::parse(prog) {
            Some(p) => p,
            None => return fail(format!("program {} is not a known program", show(prog))),
        }
    };
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    let revoked = match opt_date(rev, "revoked_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    Ok(Ok(Consent {
        patient: ds.patients.intern(patient),
        date,
        program,
        npi,
        revoked,
        file,
        line,
    }))
}

fn diagnosis(
    ds: &mut Dataset,
    r: &Rec<DiagnosisCol>,
    file: u16,
    line: u64,
) -> RowResult<Diagnosis> {
    let patient = r.get(DiagnosisCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (c, on, res) = (
        r.get(DiagnosisCol::Icd10Code)?,
        r.get(DiagnosisCol::OnsetDate)?,
        r.get(DiagnosisCol::ResolvedDate)?,
    );
    let Some(code) = Icd10::parse(c) else {
        return fail(format!("icd10_code {} is not an ICD-10-CM code", show(c)));
    };
    let onset = match opt_date(on, "onset_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    let resolved = match opt_date(res, "resolved_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    Ok(Ok(Diagnosis {
        patient: ds.patients.intern(patient),
        code,
        onset,
        resolved,
        file,
        line,
    }))
}

fn enrolment(
    ds: &mut Dataset,
    r: &Rec<EnrolmentCol>,
    file: u16,
    line: u64,
) -> RowResult<Enrolment> {
    let patient = r.get(EnrolmentCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (prog, s, e, npi) = (
        r.get(EnrolmentCol::Program)?,
        r.get(EnrolmentCol::StartDate)?,
        r.get(EnrolmentCol::EndDate)?,
        r.get(EnrolmentCol::BillingNpi)?,
    );
    let Some(program) = Program::parse(prog) else {
        return fail(format!("program {} is not a known program", show(prog)));
    };
    let Some(start) = parse_date(s) else {
        return fail(format!("start_date {} is not a valid date", show(s)));
    };
    let end = match opt_date(e, "end_date") {
        Ok(v) => v,
        Err(m) => return fail(m),
    };
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    Ok(Ok(Enrolment {
        patient: ds.patients.intern(patient),
        program,
        start,
        end,
        npi,
        file,
        line,
    }))
}

fn careplan(ds: &mut Dataset, r: &Rec<CarePlanCol>, file: u16, line: u64) -> RowResult<CarePlan> {
    let patient = r.get(CarePlanCol::PatientId)?;
    let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
    if patient.is_empty() {
        return fail("patient_id is blank".into());
    }
    let (d, mdm) = (r.get(CarePlanCol::PlanDate)?, r.get(CarePlanCol::Mdm)?);
    let Some(date) = parse_date(d) else {
        return fail(format!("plan_date {} is not a valid date", show(d)));
    };
    let mdm = match norm_key(mdm).as_str() {
        "" | "none" | "straightforward" => None,
        "low" => Some(Mdm::Low),
        "moderate" | "mod" => Some(Mdm::Moderate),
        "high" => Some(Mdm::High),
        _ => return fail(format!("mdm {} is not low, moderate or high", show(mdm))),
    };
    Ok(Ok(CarePlan {
        patient: ds.patients.intern(patient),
        date,
        mdm,
        file,
        line,
    }))
}

fn visit(ds: &mut Dataset, r: &Rec<VisitCol>, file: u16, line: u64) -> RowResult<Visit> {
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
    let Some(date) = parse_date(d) else {
        return fail(format!("visit_date {} is not a valid date", show(d)));
    };
    if code.is_empty() {
        return fail("hcpcs is blank".into());
    }
    let npi = match opt_npi(ds, npi) {
        Ok(n) => n,
        Err(m) => return fail(m),
    };
    Ok(Ok(Visit {
        patient: ds.patients.intern(patient),
        date,
        hcpcs: code.to_ascii_uppercase(),
        npi,
        file,
        line,
    }))
}

/// An optional date: `None` when blank, an error naming the column when not a date.
fn opt_date(s: &str, col: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_date(s).map(Some).ok_or_else(|| {
            format!(
                "{col} {} is not a valid date (YYYY-MM-DD or MM/DD/YYYY)",
                show(s)
            )
        })
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
