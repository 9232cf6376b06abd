//! Reading the companion files (consents, diagnoses, enrolments, care plans, visits):
//! small beside a time log, so each value is interned as its row is read.

use super::pipeline::for_each_record;
use super::reader::{FieldError, RowResult, open, show};
use super::{IngestError, ReadOptions};
use crate::checks::ingest::{invalid_value, malformed_row};
use crate::domain::{CarePlan, Consent, Dataset, Diagnosis, Enrolment, Kind, Mdm, Program, Visit};
use crate::domain::{Icd10, Npi, norm_key, parse_date};
use std::path::Path;

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

/// Reads a companion file (consents, diagnoses, enrolments) into the dataset.
pub fn read_companion(
    ds: &mut Dataset,
    kind: Kind,
    path: &Path,
    name: &str,
    opts: &ReadOptions,
) -> Result<(), IngestError> {
    let input = open(ds, path, name, kind, opts)?;
    let file = input.file;
    // Several files of a kind (one beside each time log) are read together: each adds to
    // the list, none replaces it.
    match kind {
        Kind::Consents => _ = ds.consents.get_or_insert_with(Vec::new),
        Kind::Diagnoses => _ = ds.diagnoses.get_or_insert_with(Vec::new),
        Kind::Enrolments => _ = ds.enrolments.get_or_insert_with(Vec::new),
        Kind::Careplans => _ = ds.careplans.get_or_insert_with(Vec::new),
        Kind::Visits => _ = ds.visits.get_or_insert_with(Vec::new),
        Kind::Timelog | Kind::Claims => unreachable!("read by read_timelog / read_claims"),
    }
    for_each_record(
        ds,
        input,
        name,
        kind,
        None,
        |_: &mut (), _, _| (),
        |ds, r, line, _, ()| {
            let res: RowResult<()> = (|| {
                let patient = r.get(0)?;
                let fail = |msg: String| Ok(Err((patient.to_string(), msg)));
                if patient.is_empty() {
                    return fail("patient_id is blank".into());
                }
                match kind {
                    Kind::Consents => {
                        let (d, prog, npi, rev) = (r.get(1)?, r.get(2)?, r.get(4)?, r.get(5)?);
                        let Some(date) = parse_date(d) else {
                            return fail(format!("consent_date {} is not a valid date", show(d)));
                        };
                        let program = if prog.is_empty() {
                            Program::Ccm
                        } else {
                            match Program::parse(prog) {
                                Some(p) => p,
                                None => {
                                    return fail(format!(
                                        "program {} is not a known program",
                                        show(prog)
                                    ));
                                }
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
                        let p = ds.patients.intern(patient);
                        ds.consents.as_mut().expect("set above").push(Consent {
                            patient: p,
                            date,
                            program,
                            npi,
                            revoked,
                            file,
                            line,
                        });
                    }
                    Kind::Diagnoses => {
                        let (c, on, res) = (r.get(1)?, r.get(2)?, r.get(3)?);
                        let Some(code) = Icd10::parse(c) else {
                            return fail(format!(
                                "icd10_code {} is not an ICD-10-CM code",
                                show(c)
                            ));
                        };
                        let onset = match opt_date(on, "onset_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let resolved = match opt_date(res, "resolved_date") {
                            Ok(v) => v,
                            Err(m) => return fail(m),
                        };
                        let p = ds.patients.intern(patient);
                        ds.diagnoses.as_mut().expect("set above").push(Diagnosis {
                            patient: p,
                            code,
                            onset,
                            resolved,
                            file,
                            line,
                        });
                    }
                    Kind::Enrolments => {
                        let (prog, s, e, npi) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
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
                        let p = ds.patients.intern(patient);
                        ds.enrolments.as_mut().expect("set above").push(Enrolment {
                            patient: p,
                            program,
                            start,
                            end,
                            npi,
                            file,
                            line,
                        });
                    }
                    Kind::Careplans => {
                        let (d, mdm) = (r.get(1)?, r.get(3)?);
                        let Some(date) = parse_date(d) else {
                            return fail(format!("plan_date {} is not a valid date", show(d)));
                        };
                        let mdm = match norm_key(mdm).as_str() {
                            "" | "none" | "straightforward" => None,
                            "low" => Some(Mdm::Low),
                            "moderate" | "mod" => Some(Mdm::Moderate),
                            "high" => Some(Mdm::High),
                            _ => {
                                return fail(format!(
                                    "mdm {} is not low, moderate or high",
                                    show(mdm)
                                ));
                            }
                        };
                        let p = ds.patients.intern(patient);
                        ds.careplans.as_mut().expect("set above").push(CarePlan {
                            patient: p,
                            date,
                            mdm,
                            file,
                            line,
                        });
                    }
                    Kind::Visits => {
                        let (d, code, npi) = (r.get(1)?, r.get(2)?, r.get(3)?);
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
                        let p = ds.patients.intern(patient);
                        ds.visits.as_mut().expect("set above").push(Visit {
                            patient: p,
                            date,
                            hcpcs: code.to_ascii_uppercase(),
                            npi,
                            file,
                            line,
                        });
                    }
                    Kind::Timelog | Kind::Claims => unreachable!(),
                }
                Ok(Ok(()))
            })();
            match res {
                Ok(Ok(())) => {}
                Ok(Err((patient, msg))) => ds
                    .ingest_findings
                    .push(invalid_value(kind, msg).patient(&patient).at(file, line)),
                Err(FieldError::NotUtf8(col)) => ds.ingest_findings.push(
                    malformed_row(kind, format!("column `{col}` is not valid UTF-8 text"))
                        .at(file, line),
                ),
            }
        },
    )
}
