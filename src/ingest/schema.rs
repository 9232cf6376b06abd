//! What each input kind's columns are called: canonical names, the aliases accepted for
//! them, which must be present, and the user's own names from `--map`. Resolves a file's
//! header to column positions once, before any row is read.

use super::IngestError;
use crate::domain::{Kind, norm_key};
use std::collections::HashMap;

/// One input column: canonical name, accepted aliases, whether it must be present.
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Column {
    Column {
        name,
        aliases,
        required,
    }
}

pub const TIMELOG: &[Column] = &[
    col(
        "patient_id",
        &["mrn", "patient", "patientid", "member_id"],
        true,
    ),
    col(
        "service_date",
        &["date", "date_of_service", "dos", "activity_date"],
        true,
    ),
    // Required unless start_time and end_time are both present (checked by `resolve`).
    col(
        "minutes",
        &["duration", "duration_minutes", "time_spent", "mins"],
        false,
    ),
    col("start_time", &["start", "time_in"], false),
    col("end_time", &["end", "time_out"], false),
    col(
        "staff_id",
        &["staff", "user_id", "performed_by_id", "clinician_id"],
        true,
    ),
    col(
        "staff_role",
        &["role", "credential", "staff_type", "performed_by_role"],
        true,
    ),
    col(
        "program",
        &["service", "program_type", "care_program"],
        false,
    ),
    col(
        "billing_npi",
        &[
            "npi",
            "billing_provider_npi",
            "provider_npi",
            "rendering_npi",
        ],
        true,
    ),
    col("activity", &["activity_type", "category", "task"], false),
    col(
        "note",
        &["notes", "description", "comment", "details"],
        false,
    ),
];

pub const CONSENTS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "consent_date",
        &["date", "signed_date", "obtained_date"],
        true,
    ),
    col("program", &["service"], false),
    col("method", &["type", "consent_type"], false),
    col(
        "billing_npi",
        &["npi", "practitioner_npi", "provider_npi"],
        false,
    ),
    col(
        "revoked_date",
        &["revocation_date", "opt_out_date", "end_date"],
        false,
    ),
];

pub const DIAGNOSES: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "icd10_code",
        &["icd10", "icd_10", "dx", "dx_code", "diagnosis_code", "code"],
        true,
    ),
    col("onset_date", &["start_date", "noted_date", "date"], false),
    col(
        "resolved_date",
        &["end_date", "resolution_date", "inactive_date"],
        false,
    ),
    col("description", &["dx_description", "name"], false),
];

pub const ENROLMENTS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("program", &["service", "program_type"], true),
    col("start_date", &["enrolled_date", "from"], true),
    col("end_date", &["disenrolled_date", "to"], false),
    col("billing_npi", &["npi", "provider_npi"], false),
    col("icd10_code", &["condition", "dx"], false),
];

pub const CAREPLANS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("plan_date", &["date"], true),
    // Read by nothing: any care-plan event proves a plan exists (EL005).
    col("action", &["event", "status"], false),
    col("mdm", &["complexity", "medical_decision_making"], false),
    col("shared_with_patient", &["shared", "copy_given"], false),
];

pub const VISITS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col("visit_date", &["date", "encounter_date"], true),
    col("hcpcs", &["cpt", "code", "procedure_code"], true),
    col("billing_npi", &["npi", "provider_npi"], false),
];

pub const CLAIMS: &[Column] = &[
    col("patient_id", &["mrn", "patient"], true),
    col(
        "date_of_service",
        &["dos", "service_date", "from_date"],
        true,
    ),
    col("hcpcs", &["cpt", "code", "procedure_code"], true),
    col("units", &["qty", "quantity", "unit_count"], false),
    col(
        "billing_npi",
        &["npi", "billing_provider_npi", "provider_npi"],
        true,
    ),
    col("claim_id", &["claim_number", "icn"], false),
];

pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Timelog => TIMELOG,
        Kind::Consents => CONSENTS,
        Kind::Diagnoses => DIAGNOSES,
        Kind::Enrolments => ENROLMENTS,
        Kind::Careplans => CAREPLANS,
        Kind::Visits => VISITS,
        Kind::Claims => CLAIMS,
    }
}

/// User header mapping from `--map FILE`: `[timelog]` then `patient_id = "Client Number"`.
#[derive(Default, Debug, Clone)]
pub struct HeaderMap {
    by_kind: HashMap<String, HashMap<String, String>>,
}

impl HeaderMap {
    pub fn parse(file: &str, text: &str) -> Result<HeaderMap, IngestError> {
        let by_kind: HashMap<String, HashMap<String, String>> =
            toml::from_str(text).map_err(|e| IngestError::Map {
                file: file.to_string(),
                msg: e
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or("invalid")
                    .to_string(),
            })?;
        for (kind, cols) in &by_kind {
            let k = [
                Kind::Timelog,
                Kind::Consents,
                Kind::Diagnoses,
                Kind::Enrolments,
                Kind::Careplans,
                Kind::Visits,
                Kind::Claims,
            ]
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| IngestError::Map {
                file: file.to_string(),
                msg: format!("unknown section [{kind}] (timelog, consents, diagnoses, enrolments, careplans, visits, claims)"),
            })?;
            for c in cols.keys() {
                if !columns(k).iter().any(|col| col.name == c) {
                    return Err(IngestError::Map {
                        file: file.to_string(),
                        msg: format!("[{kind}] has no column `{c}`"),
                    });
                }
            }
        }
        Ok(HeaderMap { by_kind })
    }
    fn get(&self, kind: Kind, column: &str) -> Option<&str> {
        self.by_kind
            .get(kind.as_str())
            .and_then(|m| m.get(column))
            .map(String::as_str)
    }
}

/// Finds each of the kind's columns in a file's header (trimmed cells): under the name the
/// user mapped it to, else under its canonical name, else under the first of its aliases
/// present. Returns each column's position in the header, in [`columns`] order, or the name
/// of the first required column that is missing.
pub(super) fn resolve(
    kind: Kind,
    heads: &[String],
    map: &HeaderMap,
) -> Result<Vec<Option<usize>>, &'static str> {
    let normed: Vec<String> = heads.iter().map(|h| norm_key(h)).collect();
    let cols = columns(kind);
    let mut idx = Vec::with_capacity(cols.len());
    for c in cols {
        let found = if let Some(user) = map.get(kind, c.name) {
            let u = norm_key(user);
            normed.iter().position(|h| *h == u)
        } else {
            let canon = norm_key(c.name);
            normed.iter().position(|h| *h == canon).or_else(|| {
                c.aliases
                    .iter()
                    .find_map(|a| normed.iter().position(|h| *h == norm_key(a)))
            })
        };
        idx.push(found);
    }
    // Two columns must not claim the same header (an alias like `date` could).
    for i in 0..idx.len() {
        for j in 0..i {
            if idx[i].is_some() && idx[i] == idx[j] {
                idx[i] = None;
            }
        }
    }
    for (c, i) in cols.iter().zip(&idx) {
        if c.required && i.is_none() {
            return Err(c.name);
        }
    }
    if kind == Kind::Timelog && idx[2].is_none() && (idx[3].is_none() || idx[4].is_none()) {
        return Err("minutes (or both start_time and end_time)");
    }
    Ok(idx)
}
