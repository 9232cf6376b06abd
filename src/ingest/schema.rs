//! What each input kind's columns are called: canonical names, the aliases accepted for
//! them, which must be present, and the user's own names from `--map`. Resolves a file's
//! header to column positions once, before any row is read.
//!
//! Each kind's columns are declared once, with the `schema!` macro below, which generates
//! both an enum naming them (a decoder reads `r.get(ConsentCol::BillingNpi)`, never a bare
//! position) and the table of their names, so a column added or moved cannot shift another.

use super::IngestError;
use crate::domain::{Kind, norm_key};
use std::collections::HashMap;

/// One input column: canonical name, accepted aliases, whether it must be present.
pub(super) struct Column {
    pub(super) name: &'static str,
    pub(super) aliases: &'static [&'static str],
    pub(super) required: bool,
}

/// An input kind's columns, one variant each, in table order.
pub(super) trait Schema: Copy + 'static {
    const KIND: Kind;
    /// The kind's columns; the variant `c` describes `COLUMNS[c.index()]`.
    const COLUMNS: &'static [Column];
    /// The variant's position in [`Schema::COLUMNS`] (a constant once inlined).
    fn index(self) -> usize;
}

/// Declares a kind's columns: the enum naming them and its [`Schema`] table, from one list
/// of `Variant = "canonical_name", required | optional, [aliases];` in file-header order.
///
/// A column that no decoder reads is still matched in the header (so its header is not
/// taken for another column's alias, and `--map` may name it); its variant, never built,
/// is marked `#[allow(dead_code)]`.
macro_rules! schema {
    (@required required) => { true };
    (@required optional) => { false };
    (
        $(#[$doc:meta])*
        $name:ident for $kind:ident {
            $(
                $(#[$col_doc:meta])*
                $variant:ident = $column:literal, $required:ident, [$($alias:literal),* $(,)?];
            )*
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum $name {
            $($(#[$col_doc])* $variant,)*
        }

        impl Schema for $name {
            const KIND: Kind = Kind::$kind;
            const COLUMNS: &'static [Column] = &[$(Column {
                name: $column,
                aliases: &[$($alias),*],
                required: schema!(@required $required),
            }),*];
            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }
        }

        #[cfg(test)]
        impl $name {
            /// Every variant, in declaration order.
            pub(super) const ALL: &'static [$name] = &[$($name::$variant),*];
        }
    };
}

schema! {
    /// The time log: one row per stretch of care-management time.
    TimelogCol for Timelog {
        PatientId = "patient_id", required, ["mrn", "patient", "patientid", "member_id"];
        ServiceDate = "service_date", required,
            ["date", "date_of_service", "dos", "activity_date"];
        /// Required unless start_time and end_time are both present (checked by `resolve`).
        Minutes = "minutes", optional, ["duration", "duration_minutes", "time_spent", "mins"];
        StartTime = "start_time", optional, ["start", "time_in"];
        EndTime = "end_time", optional, ["end", "time_out"];
        StaffId = "staff_id", required,
            ["staff", "user_id", "performed_by_id", "clinician_id"];
        StaffRole = "staff_role", required,
            ["role", "credential", "staff_type", "performed_by_role"];
        Program = "program", optional, ["service", "program_type", "care_program"];
        BillingNpi = "billing_npi", required,
            ["npi", "billing_provider_npi", "provider_npi", "rendering_npi"];
        #[allow(dead_code)]
        Activity = "activity", optional, ["activity_type", "category", "task"];
        Note = "note", optional, ["notes", "description", "comment", "details"];
    }
}

schema! {
    /// Consents: when a patient agreed to a program (and when they withdrew).
    ConsentCol for Consents {
        PatientId = "patient_id", required, ["mrn", "patient"];
        ConsentDate = "consent_date", required, ["date", "signed_date", "obtained_date"];
        Program = "program", optional, ["service"];
        #[allow(dead_code)]
        Method = "method", optional, ["type", "consent_type"];
        BillingNpi = "billing_npi", optional, ["npi", "practitioner_npi", "provider_npi"];
        RevokedDate = "revoked_date", optional,
            ["revocation_date", "opt_out_date", "end_date"];
        /// Enrolled, Declined, Unenrolled …: what the row means (rules/statuses.csv).
        Status = "status", optional,
            ["ccm_status", "enrollment_status", "enrolment_status", "consent_status"];
    }
}

schema! {
    /// Diagnoses: a patient's conditions and when they were active.
    DiagnosisCol for Diagnoses {
        PatientId = "patient_id", required, ["mrn", "patient"];
        /// Required unless the file is wide (`Dx 1` … `Dx 8`; checked by the decoder).
        Icd10Code = "icd10_code", optional,
            ["icd10", "icd_10", "dx", "dx_code", "diagnosis_code", "code"];
        OnsetDate = "onset_date", optional, ["start_date", "noted_date", "date"];
        ResolvedDate = "resolved_date", optional,
            ["end_date", "resolution_date", "inactive_date"];
        #[allow(dead_code)]
        Description = "description", optional, ["dx_description", "name"];
        /// Active, Resolved, Entered in error …: what the row means (rules/statuses.csv).
        Status = "status", optional, ["problem_status", "clinical_status"];
    }
}

schema! {
    /// Enrolments: a patient's time in a program.
    EnrolmentCol for Enrolments {
        PatientId = "patient_id", required, ["mrn", "patient"];
        Program = "program", required, ["service", "program_type"];
        StartDate = "start_date", required, ["enrolled_date", "from"];
        EndDate = "end_date", optional, ["disenrolled_date", "to"];
        BillingNpi = "billing_npi", optional, ["npi", "provider_npi"];
        #[allow(dead_code)]
        Icd10Code = "icd10_code", optional, ["condition", "dx"];
        /// Enrolled, Declined, Unenrolled …: what the row means (rules/statuses.csv).
        Status = "status", optional, ["enrollment_status", "enrolment_status"];
    }
}

schema! {
    /// Care plans: dated care-plan events.
    CarePlanCol for Careplans {
        PatientId = "patient_id", required, ["mrn", "patient"];
        PlanDate = "plan_date", required, ["date"];
        /// Read by nothing: any care-plan event proves a plan exists (EL005).
        #[allow(dead_code)]
        Action = "action", optional, ["event", "status"];
        Mdm = "mdm", optional, ["complexity", "medical_decision_making"];
        #[allow(dead_code)]
        SharedWithPatient = "shared_with_patient", optional, ["shared", "copy_given"];
    }
}

schema! {
    /// Visits: face-to-face encounters (the visit that initiates CCM).
    VisitCol for Visits {
        PatientId = "patient_id", required, ["mrn", "patient"];
        VisitDate = "visit_date", required, ["date", "encounter_date"];
        Hcpcs = "hcpcs", required, ["cpt", "code", "procedure_code"];
        BillingNpi = "billing_npi", optional, ["npi", "provider_npi"];
    }
}

schema! {
    /// Claims (verify mode): the claim lines to check.
    ClaimCol for Claims {
        PatientId = "patient_id", required, ["mrn", "patient"];
        DateOfService = "date_of_service", required, ["dos", "service_date", "from_date"];
        Hcpcs = "hcpcs", required, ["cpt", "code", "procedure_code"];
        Units = "units", optional, ["qty", "quantity", "unit_count"];
        BillingNpi = "billing_npi", required,
            ["npi", "billing_provider_npi", "provider_npi"];
        #[allow(dead_code)]
        ClaimId = "claim_id", optional, ["claim_number", "icn"];
    }
}

/// The columns of a kind.
pub(super) fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Timelog => TimelogCol::COLUMNS,
        Kind::Consents => ConsentCol::COLUMNS,
        Kind::Diagnoses => DiagnosisCol::COLUMNS,
        Kind::Enrolments => EnrolmentCol::COLUMNS,
        Kind::Careplans => CarePlanCol::COLUMNS,
        Kind::Visits => VisitCol::COLUMNS,
        Kind::Claims => ClaimCol::COLUMNS,
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
            let k = Kind::ALL
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

/// Why a file's header cannot be read as its kind.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeaderProblem {
    /// A required column is under none of its names.
    Missing(&'static str),
    /// `--map` names a header the file does not have (a map is a contract: a typo must not
    /// silently drop a column).
    MapMissing { field: &'static str, header: String },
    /// Two columns carry the header a field is read from: which one is meant is a guess.
    Duplicate {
        field: &'static str,
        header: String,
        first: usize,
        second: usize,
    },
}

/// Finds each of the kind's columns in a file's header (trimmed cells): under the name the
/// user mapped it to, else under its canonical name, else under the first of its aliases
/// present. Returns each column's position in the header, by variant position.
///
/// A header found through an alias feeds one column only (an alias like `date` could
/// match two); a header the map names may feed several (`staff_id` and `staff_role` from
/// one "Provider/Care Manager" column), and wins over an alias.
pub(super) fn resolve(
    kind: Kind,
    heads: &[String],
    map: &HeaderMap,
) -> Result<Vec<Option<usize>>, HeaderProblem> {
    let normed: Vec<String> = heads.iter().map(|h| norm_key(h)).collect();
    let cols = columns(kind);
    let mut idx = Vec::with_capacity(cols.len());
    let mut mapped = Vec::with_capacity(cols.len());
    for c in cols {
        let found = if let Some(user) = map.get(kind, c.name) {
            let u = norm_key(user);
            let at = normed.iter().position(|h| *h == u);
            if at.is_none() {
                return Err(HeaderProblem::MapMissing {
                    field: c.name,
                    header: user.to_string(),
                });
            }
            at
        } else {
            let canon = norm_key(c.name);
            normed.iter().position(|h| *h == canon).or_else(|| {
                c.aliases.iter().find_map(|a| {
                    let a = norm_key(a);
                    normed.iter().position(|h| *h == a)
                })
            })
        };
        mapped.push(map.get(kind, c.name).is_some());
        idx.push(found);
    }
    // Two columns must not claim the same header, unless the map says so.
    for i in 0..idx.len() {
        for j in 0..i {
            if idx[i].is_none() || idx[i] != idx[j] || (mapped[i] && mapped[j]) {
                continue;
            }
            if mapped[i] {
                idx[j] = None;
            } else {
                idx[i] = None;
            }
        }
    }
    for (c, i) in cols.iter().zip(&idx) {
        if c.required && i.is_none() {
            return Err(HeaderProblem::Missing(c.name));
        }
        if let Some(i) = *i
            && let Some(j) = (0..normed.len()).find(|&j| j != i && normed[j] == normed[i])
        {
            return Err(HeaderProblem::Duplicate {
                field: c.name,
                header: heads[i].clone(),
                first: i.min(j) + 1,
                second: i.max(j) + 1,
            });
        }
    }
    if kind == Kind::Timelog {
        let found = |c: TimelogCol| idx[c.index()].is_some();
        let timed = found(TimelogCol::Minutes)
            || (found(TimelogCol::StartTime) && found(TimelogCol::EndTime));
        if !timed {
            return Err(HeaderProblem::Missing(
                "minutes (or both start_time and end_time)",
            ));
        }
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `BillingNpi` -> `billing_npi`, `Icd10Code` -> `icd10_code`.
    fn snake(variant: &str) -> String {
        let mut out = String::new();
        for (i, ch) in variant.chars().enumerate() {
            if ch.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(ch.to_ascii_lowercase());
            } else {
                out.push(ch);
            }
        }
        out
    }

    fn check<C: Schema + std::fmt::Debug>(all: &[C]) {
        let names = |cols: &[Column]| cols.iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(names(columns(C::KIND)), names(C::COLUMNS));
        assert_eq!(all.len(), C::COLUMNS.len(), "{:?}", C::KIND);
        for (i, &c) in all.iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
            assert_eq!(C::COLUMNS[i].name, snake(&format!("{c:?}")), "{c:?}");
        }
    }

    #[test]
    fn each_variant_names_the_column_at_its_position() {
        check(TimelogCol::ALL);
        check(ConsentCol::ALL);
        check(DiagnosisCol::ALL);
        check(EnrolmentCol::ALL);
        check(CarePlanCol::ALL);
        check(VisitCol::ALL);
        check(ClaimCol::ALL);
    }
}
