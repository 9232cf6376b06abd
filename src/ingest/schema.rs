//! What each input kind's columns are called: canonical names, the aliases accepted for
//! them, which must be present, and the user's own names from `--map`. Resolves a file's
//! header to column positions once, before any row is read.
//!
//! Each kind's columns are declared once, with the `schema!` macro below, which generates
//! both an enum naming them (a decoder reads `r.get(ConsentCol::BillingNpi)`, never a bare
//! position) and the table of their names, so a column added or moved cannot shift another.

use super::IngestError;
use crate::domain::{Kind, Npi, norm_key, printable};
use std::collections::BTreeMap;

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
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        ServiceDate = "service_date", required,
            ["date", "date_of_service", "dos", "activity_date"];
        /// Required unless start_time and end_time are both present (checked by `resolve`).
        Minutes = "minutes", optional, ["duration", "duration_minutes", "time_spent", "mins"];
        StartTime = "start_time", optional, ["start", "time_in"];
        EndTime = "end_time", optional, ["end", "time_out"];
        StaffId = "staff_id", required,
            ["staff", "user_id", "performed_by_id", "clinician_id"];
        /// Required unless a staff roster gives each member's role (checked on opening).
        StaffRole = "staff_role", optional,
            ["role", "credential", "staff_type", "performed_by_role"];
        Program = "program", optional, ["service", "program_type", "care_program"];
        /// The NPI of the practitioner who did the work (99491/99437 count only the
        /// billing practitioner's own time); else the staff roster's.
        StaffNpi = "staff_npi", optional, ["performer_npi"];
        BillingNpi = "billing_npi", required,
            ["npi", "billing_provider_npi", "provider_npi", "rendering_npi"];
        #[allow(dead_code)]
        Activity = "activity", optional, ["activity_type", "category", "task"];
        Note = "note", optional, ["notes", "description", "comment", "details"];
        /// Completed, Voided, QA Rejected …: whether the entry counts (rules/statuses.csv,
        /// kind time).
        Status = "status", optional,
            ["entry_status", "time_status", "log_status", "activity_status", "record_status", "qa_status", "approval_status", "review_status"];
        /// Yes / No: whether the platform says the entry is billable (same words).
        Billable = "billable", optional,
            ["is_billable", "billable_flag", "billable_time", "billable_yn"];
    }
}

schema! {
    /// Consents: when a patient agreed to a program (and when they withdrew).
    ConsentCol for Consents {
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        ConsentDate = "consent_date", required, ["date", "signed_date", "obtained_date"];
        Program = "program", optional, ["service"];
        #[allow(dead_code)]
        Method = "method", optional, ["type", "consent_type"];
        BillingNpi = "billing_npi", optional, ["npi", "practitioner_npi", "provider_npi"];
        RevokedDate = "revoked_date", optional,
            ["revocation_date", "opt_out_date", "end_date", "date_revoked", "revoked_on", "date_of_revocation", "date_opted_out", "unenrolled_date", "date_unenrolled", "disenrolled_date", "date_disenrolled"];
        /// Enrolled, Declined, Unenrolled …: what the row means (rules/statuses.csv).
        Status = "status", optional,
            ["ccm_status", "enrollment_status", "enrolment_status", "consent_status"];
    }
}

schema! {
    /// Diagnoses: a patient's conditions and when they were active.
    DiagnosisCol for Diagnoses {
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        /// Required unless the file is wide (`Dx 1` … `Dx 8`; checked by the decoder).
        Icd10Code = "icd10_code", optional,
            ["icd10", "icd_10", "dx", "dx_code", "diagnosis_code", "code"];
        OnsetDate = "onset_date", optional, ["start_date", "noted_date", "date"];
        ResolvedDate = "resolved_date", optional,
            ["end_date", "resolution_date", "inactive_date", "date_resolved", "resolved_on", "abatement_date", "date_inactive"];
        #[allow(dead_code)]
        Description = "description", optional, ["dx_description", "name"];
        /// Active, Resolved, Entered in error …: what the row means (rules/statuses.csv).
        Status = "status", optional, ["problem_status", "clinical_status"];
    }
}

schema! {
    /// Enrolments: a patient's time in a program.
    EnrolmentCol for Enrolments {
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        Program = "program", required, ["service", "program_type"];
        StartDate = "start_date", required, ["enrolled_date", "from"];
        EndDate = "end_date", optional,
            ["disenrolled_date", "to", "date_disenrolled", "disenrollment_date", "unenrolled_date", "date_unenrolled", "date_ended", "termination_date"];
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
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
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
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        VisitDate = "visit_date", required, ["date", "encounter_date"];
        Hcpcs = "hcpcs", required, ["cpt", "code", "procedure_code"];
        BillingNpi = "billing_npi", optional, ["npi", "provider_npi"];
    }
}

schema! {
    /// RPM device readings: a row per reading (or per day), dated; DV001 counts the days.
    ReadingCol for Readings {
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        ReadingDate = "reading_date", required,
            ["date", "reading_time", "measured_at", "measurement_date", "measurement_time", "recorded_at", "observation_date", "transmission_date", "received_at", "timestamp"];
    }
}

/// A claims-file field's names as a header may give them: its canonical name, then its
/// aliases (docs/inputs.md, *Claims*); empty for a name that is no claims column. For the
/// files made from a claims file (the lookback's frames and worksheets): one list, here.
pub fn claim_names(canonical: &str) -> Vec<&'static str> {
    ClaimCol::COLUMNS
        .iter()
        .find(|c| c.name == canonical)
        .map(|c| {
            std::iter::once(c.name)
                .chain(c.aliases.iter().copied())
                .collect()
        })
        .unwrap_or_default()
}

schema! {
    /// Claims (verify mode): the claim lines to check.
    ClaimCol for Claims {
        PatientId = "patient_id", required,
            ["mrn", "patient_mrn", "patient_number", "patient_no", "ehr_id", "chart_number", "account_number", "member_id", "person_id", "patient"];
        DateOfService = "date_of_service", required, ["dos", "service_date", "from_date"];
        Hcpcs = "hcpcs", required, ["cpt", "code", "procedure_code"];
        Units = "units", optional,
            ["qty", "quantity", "unit_count", "unit", "days_or_units", "days_units", "billed_units", "units_billed", "service_units", "billing_units"];
        BillingNpi = "billing_npi", required,
            ["npi", "billing_provider_npi", "provider_npi"];
        #[allow(dead_code)]
        ClaimId = "claim_id", optional, ["claim_number", "icn"];
        /// When the line was sent to Medicare: CD009 judges its filing by it.
        SubmittedDate = "submitted_date", optional,
            ["submission_date", "date_submitted", "submitted_on", "filed_date", "date_filed", "billed_date"];
        /// Whether the line was sent, in words (rules/statuses.csv, kind claim): a line
        /// sent with no date is audited for support, not for filing (CD009).
        ClaimStatus = "claim_status", optional,
            ["status", "line_status", "billing_status", "submission_status", "claim_state"];
        /// The beneficiary's Medicare ID: claims of one beneficiary are checked together.
        Mbi = "mbi", optional,
            ["medicare_id", "medicare_number", "medicare_beneficiary_identifier", "mbi_number", "hicn", "beneficiary_id", "patient_mbi", "mbi_#", "mbi_no", "beneficiary_mbi", "member_mbi", "medicare_id_number"];
        /// The claim's diagnosis codes, several in one cell; or wide, `dx1` … `dx12`
        /// (CD012 counts the chronic conditions the claim lists).
        Diagnoses = "diagnoses", optional,
            ["diagnosis_codes", "dx_codes", "icd10_codes", "icd_codes", "claim_diagnoses", "diagnosis_pointer_codes"];
    }
}

schema! {
    /// The staff roster: who each staff member is (role, own NPI).
    StaffCol for Staff {
        StaffId = "staff_id", required,
            ["staff", "id", "user_id", "clinician_id", "provider_id", "employee_id"];
        StaffRole = "staff_role", required,
            ["role", "credential", "credentials", "title", "staff_type"];
        StaffNpi = "staff_npi", optional, ["npi", "individual_npi", "provider_npi"];
        Name = "name", optional, ["staff_name", "full_name", "clinician", "provider"];
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
        Kind::Readings => ReadingCol::COLUMNS,
        Kind::Staff => StaffCol::COLUMNS,
        Kind::Claims => ClaimCol::COLUMNS,
    }
}

/// Where one field's values come from in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// The file has no such column (an optional field: every value is empty).
    Absent,
    /// The column at this position of the header.
    Column(usize),
    /// The same value on every row, given by the map (`billing_npi = { value = "…" }`).
    Const(Box<str>),
}

impl Source {
    pub(super) fn column(&self) -> Option<usize> {
        match self {
            Source::Column(i) => Some(*i),
            _ => None,
        }
    }
}

/// What the map says about one field: the header feeding it, or a constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapValue {
    Header(String),
    Const(String),
}

/// The user's map from `--map FILE` (TOML, one table per input kind, keys are ccm's field
/// names):
///
/// ```toml
/// [timelog]
/// patient_id = "EHR ID"                    # the header feeding this field
/// staff_role = "Provider/Care Manager"     # one header may feed several fields
/// billing_npi = { value = "1234567893" }   # a constant for every row of that kind
/// ```
#[derive(Default, Debug, Clone)]
pub struct HeaderMap {
    by_kind: BTreeMap<&'static str, BTreeMap<&'static str, MapValue>>,
    /// Kinds whose map says their patient id column holds names on purpose.
    names_are_ids: std::collections::BTreeSet<&'static str>,
}

impl HeaderMap {
    /// Whether the map says `kind`'s patient id column holds names on purpose.
    pub fn names_are_ids(&self, kind: Kind) -> bool {
        self.names_are_ids.contains(kind.as_str())
    }

    /// Reads a map, reporting every problem in it at once (unknown sections and fields,
    /// values of the wrong shape, a constant NPI that is not one).
    pub fn parse(file: &str, text: &str) -> Result<HeaderMap, IngestError> {
        let err = |msg: String| IngestError::Map {
            file: file.to_string(),
            msg,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            err(e
                .to_string()
                .lines()
                .next()
                .unwrap_or("invalid")
                .to_string())
        })?;
        let mut problems = Problems::default();
        let mut by_kind = BTreeMap::new();
        let mut names_are_ids = std::collections::BTreeSet::new();
        for (section, fields) in &table {
            let Some(kind) = Kind::ALL.into_iter().find(|k| k.as_str() == section) else {
                problems.push(format!(
                    "unknown section [{}] (timelog, consents, diagnoses, enrolments, careplans, visits, readings, claims, staff)",
                    printable(section, 40)
                ));
                continue;
            };
            let Some(fields) = fields.as_table() else {
                problems.push(format!(
                    "[{section}] must be a table of `field = \"Header\"`"
                ));
                continue;
            };
            let mut got = BTreeMap::new();
            for (field, v) in fields {
                let Some(col) = columns(kind).iter().find(|c| c.name == field) else {
                    let names: Vec<&str> = columns(kind).iter().map(|c| c.name).collect();
                    problems.push(format!(
                        "[{section}] has no field `{}` (fields: {})",
                        printable(field, 40),
                        names.join(", ")
                    ));
                    continue;
                };
                let value = match v {
                    toml::Value::String(h) if !h.trim().is_empty() => MapValue::Header(h.clone()),
                    // `patient_id = { header = "Patient", names_are_ids = true }`: the
                    // column holds names and the user says they are the ids on purpose.
                    toml::Value::Table(t)
                        if col.name == "patient_id"
                            && t.len() == 2
                            && t.get("header").is_some_and(|v| v.is_str())
                            && t.get("names_are_ids") == Some(&toml::Value::Boolean(true)) =>
                    {
                        names_are_ids.insert(kind.as_str());
                        got.insert(
                            col.name,
                            MapValue::Header(t["header"].as_str().unwrap_or_default().to_string()),
                        );
                        continue;
                    }
                    toml::Value::Table(t)
                        if t.len() == 1 && t.get("value").is_some_and(|v| v.is_str()) =>
                    {
                        let c = t["value"].as_str().unwrap_or_default().trim().to_string();
                        if col.name.ends_with("npi") && !Npi::is_valid(&c) {
                            problems.push(format!(
                                "[{section}] {field} = {{ value = {:?} }} is not a valid NPI (10 digits with a valid check digit)",
                                printable(&c, 20)
                            ));
                            continue;
                        }
                        MapValue::Const(c)
                    }
                    _ => {
                        problems.push(format!(
                            "[{section}] {field} must be a header in quotes or {{ value = \"...\" }}"
                        ));
                        continue;
                    }
                };
                if let (MapValue::Header(h), "patient_id") = (&value, col.name)
                    && is_name_header(h)
                {
                    problems.push(format!(
                        "[{section}] patient_id = {:?}: a patient id is never read from a name column (map the id or MRN column)",
                        printable(h, 40)
                    ));
                    continue;
                }
                got.insert(col.name, value);
            }
            by_kind.insert(kind.as_str(), got);
        }
        if !problems.is_empty() {
            return Err(err(problems.message()));
        }
        Ok(HeaderMap {
            by_kind,
            names_are_ids,
        })
    }
    pub(super) fn get(&self, kind: Kind, column: &str) -> Option<&MapValue> {
        self.by_kind.get(kind.as_str()).and_then(|m| m.get(column))
    }
    fn header(&self, kind: Kind, column: &str) -> Option<&str> {
        match self.get(kind, column) {
            Some(MapValue::Header(h)) => Some(h),
            _ => None,
        }
    }
}

/// A map's problems, said as one bounded message: every one when there are few, else the
/// first [`Problems::SAID`] and how many more (a map of 100,000 unknown fields is one short
/// line, not megabytes).
#[derive(Default)]
struct Problems {
    said: Vec<String>,
    count: usize,
}

impl Problems {
    const SAID: usize = 10;
    fn push(&mut self, p: String) {
        self.count += 1;
        if self.said.len() < Self::SAID {
            self.said.push(p);
        }
    }
    fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn message(mut self) -> String {
        if self.count == 1 {
            return self.said.remove(0);
        }
        let mut s = format!("{} problems: {}", self.count, self.said.join("; "));
        if self.count > self.said.len() {
            s.push_str(&format!("; ... and {} more", self.count - self.said.len()));
        }
        s
    }
}

/// Whether a header names people rather than identifies them (`Patient Name`, `Name`):
/// a patient id is never read from one.
fn is_name_header(h: &str) -> bool {
    norm_key(h).contains("name")
}

/// Why a file's header cannot be read as its kind.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeaderProblem {
    /// A required column is under none of its names.
    Missing(&'static str),
    /// `--map` names a header the file does not have (a map is a contract: a typo must not
    /// silently drop a column).
    MapMissing { field: &'static str, header: String },
    /// A time log's minutes could come from two differently named columns (`Minutes` and
    /// `Duration`): which one the export means is a guess, and they may differ at a
    /// threshold (a timer's 19:15 beside a rounded 20).
    TwoSources {
        field: &'static str,
        a: String,
        b: String,
        first: usize,
        second: usize,
    },
    /// Two columns carry the header a field is read from: which one is meant is a guess.
    Duplicate {
        field: &'static str,
        header: String,
        first: usize,
        second: usize,
    },
}

/// A time log's column of the minutes its platform counts (`Billable Minutes` beside the
/// total `Minutes`): the column rule reads what decides how much of an entry counts, so
/// when one is present the minutes come from it, before the canonical name and its aliases
/// (the report's `columns:` line says which header fed the minutes).
const COUNTED_MINUTES: [&str; 5] = [
    "billable_minutes",
    "billable_mins",
    "billable_duration",
    "approved_minutes",
    "countable_minutes",
];

/// Whether a file's header (or the map) gives `field` of `kind` at all: under its name or
/// an alias, or named or set by the map. For an error that names every missing column.
pub(super) fn gives(kind: Kind, field: &str, heads: &[String], map: &HeaderMap) -> bool {
    let Some(c) = columns(kind).iter().find(|c| c.name == field) else {
        return false;
    };
    if map.get(kind, field).is_some() {
        return true;
    }
    let names: Vec<String> = std::iter::once(c.name)
        .chain(c.aliases.iter().copied())
        .map(norm_key)
        .collect();
    heads.iter().any(|h| names.contains(&norm_key(h)))
}

/// Finds where each of the kind's fields comes from in a file's header (trimmed cells):
/// the map's constant, else the header the map names, else (a time log's minutes) a column
/// of the minutes the platform counts, else the canonical name, else the
/// first of its aliases present (in alias order, so an id or MRN column wins over a bare
/// `Patient`). Returns each field's source, by variant position, or every problem found.
///
/// A header found through an alias feeds one column only (an alias like `date` could
/// match two); a header the map names may feed several (`staff_id` and `staff_role` from
/// one "Provider/Care Manager" column), and wins over an alias. A patient id is never
/// taken from a header that says *name*.
pub(super) fn resolve(
    kind: Kind,
    heads: &[String],
    map: &HeaderMap,
) -> Result<Vec<Source>, Vec<HeaderProblem>> {
    let normed: Vec<String> = heads.iter().map(|h| norm_key(h)).collect();
    let cols = columns(kind);
    let mut problems = Vec::new();
    let mut idx: Vec<Option<usize>> = Vec::with_capacity(cols.len());
    let mut mapped = Vec::with_capacity(cols.len());
    for c in cols {
        let found = if let Some(user) = map.header(kind, c.name) {
            let u = norm_key(user);
            let at = normed.iter().position(|h| *h == u);
            if at.is_none() {
                problems.push(HeaderProblem::MapMissing {
                    field: c.name,
                    header: user.to_string(),
                });
            }
            at
        } else if map.get(kind, c.name).is_some() {
            None
        } else {
            let canon = norm_key(c.name);
            let usable = |i: &usize| c.name != "patient_id" || !is_name_header(&heads[*i]);
            let counted = || {
                (kind == Kind::Timelog && c.name == "minutes")
                    .then(|| {
                        COUNTED_MINUTES.iter().find_map(|a| {
                            let a = norm_key(a);
                            normed.iter().position(|h| *h == a)
                        })
                    })
                    .flatten()
            };
            counted()
                .or_else(|| normed.iter().position(|h| *h == canon).filter(usable))
                .or_else(|| {
                    c.aliases.iter().find_map(|a| {
                        let a = norm_key(a);
                        normed.iter().position(|h| *h == a).filter(usable)
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
    let constant = |c: &Column| match map.get(kind, c.name) {
        Some(MapValue::Const(v)) => Some(v.as_str()),
        _ => None,
    };
    for (c, i) in cols.iter().zip(&idx) {
        if c.required && i.is_none() && constant(c).is_none() {
            if map.header(kind, c.name).is_none() {
                problems.push(HeaderProblem::Missing(c.name));
            }
            continue;
        }
        if let Some(i) = *i
            && let Some(j) = (0..normed.len()).find(|&j| j != i && normed[j] == normed[i])
        {
            problems.push(HeaderProblem::Duplicate {
                field: c.name,
                header: heads[i].clone(),
                first: i.min(j) + 1,
                second: i.max(j) + 1,
            });
        }
    }
    // A time-log field the money rests on, read from a column found by name (not a map,
    // not a platform's countable minutes), when another column is under one of its names
    // too: which one the export means cannot be told. For the minutes, any two (a rounded
    // `Minutes` beside a timer's `Duration`); for the service date, start and end, two
    // aliases with the canonical name absent (`Date` beside `DOS`: an entry date and a
    // service date may differ by a month).
    if kind == Kind::Timelog {
        for col in [
            TimelogCol::ServiceDate,
            TimelogCol::Minutes,
            TimelogCol::StartTime,
            TimelogCol::EndTime,
        ] {
            let f = col.index();
            let Some(i) = idx[f] else { continue };
            let canonical = norm_key(cols[f].name);
            let counted = COUNTED_MINUTES.iter().any(|a| norm_key(a) == normed[i]);
            if mapped[f] || counted || (col != TimelogCol::Minutes && normed[i] == canonical) {
                continue;
            }
            let names: Vec<String> = std::iter::once(cols[f].name)
                .chain(cols[f].aliases.iter().copied())
                .map(norm_key)
                .collect();
            if let Some(j) = (0..normed.len())
                .find(|&j| j != i && normed[j] != normed[i] && names.contains(&normed[j]))
            {
                problems.push(HeaderProblem::TwoSources {
                    field: cols[f].name,
                    a: heads[i.min(j)].clone(),
                    b: heads[i.max(j)].clone(),
                    first: i.min(j) + 1,
                    second: i.max(j) + 1,
                });
            }
        }
    }
    if kind == Kind::Timelog {
        let found =
            |c: TimelogCol| idx[c.index()].is_some() || constant(&cols[c.index()]).is_some();
        let timed = found(TimelogCol::Minutes)
            || (found(TimelogCol::StartTime) && found(TimelogCol::EndTime));
        if !timed && map.header(kind, "minutes").is_none() {
            problems.push(HeaderProblem::Missing(
                "minutes (or both start_time and end_time)",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(cols
        .iter()
        .zip(idx)
        .map(|(c, i)| match (i, constant(c)) {
            (_, Some(v)) => Source::Const(v.into()),
            (Some(i), None) => Source::Column(i),
            (None, None) => Source::Absent,
        })
        .collect())
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
        check(ReadingCol::ALL);
        check(ClaimCol::ALL);
        check(StaffCol::ALL);
    }

    fn heads(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_map_reports_every_problem_at_once() {
        let text = r#"
[timelog]
patient_id = "Patient Name"
staff_idd = "Staff"
billing_npi = { value = "1234567890" }
minutes = 20
[timelogs]
x = "y"
"#;
        let e = HeaderMap::parse("m.toml", text).unwrap_err().to_string();
        for want in [
            "5 problems",
            "never read from a name column",
            "no field `staff_idd`",
            "not a valid NPI",
            "minutes must be a header in quotes",
            "unknown section [timelogs]",
        ] {
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn a_map_of_a_hundred_thousand_unknown_fields_is_one_short_message() {
        let mut text = String::from("[timelog]\n");
        for i in 0..100_000 {
            text.push_str(&format!("f{i} = \"h\"\n"));
        }
        let e = HeaderMap::parse("m.toml", &text).unwrap_err().to_string();
        assert!(e.len() < 4_000, "{} bytes", e.len());
        assert!(e.starts_with("map file m.toml: 100000 problems: "), "{e}");
        assert!(e.ends_with("; ... and 99990 more"), "{e}");
    }

    #[test]
    fn constants_and_shared_headers_feed_fields() {
        let map = HeaderMap::parse(
            "m.toml",
            "[timelog]\nstaff_id = \"Provider/Care Manager\"\nstaff_role = \"Provider/Care Manager\"\nbilling_npi = { value = \"1234567893\" }\nminutes = \"Time Logged\"\npatient_id = \"EHR ID\"\n",
        )
        .unwrap();
        let h = heads(&[
            "EHR ID",
            "Patient Name",
            "Date",
            "Provider/Care Manager",
            "Time Logged",
        ]);
        let got = resolve(Kind::Timelog, &h, &map).unwrap();
        assert_eq!(got[TimelogCol::PatientId.index()], Source::Column(0));
        assert_eq!(got[TimelogCol::ServiceDate.index()], Source::Column(2));
        assert_eq!(got[TimelogCol::StaffId.index()], Source::Column(3));
        assert_eq!(got[TimelogCol::StaffRole.index()], Source::Column(3));
        assert_eq!(
            got[TimelogCol::BillingNpi.index()],
            Source::Const("1234567893".into())
        );
    }

    #[test]
    fn every_missing_column_is_named_and_ids_are_never_names() {
        let h = heads(&["Patient Name", "Date", "Minutes"]);
        let got = resolve(Kind::Timelog, &h, &HeaderMap::default()).unwrap_err();
        assert_eq!(
            got,
            vec![
                HeaderProblem::Missing("patient_id"),
                HeaderProblem::Missing("staff_id"),
                HeaderProblem::Missing("billing_npi"),
            ]
        );
        // `Patient` yields to an id or MRN column wherever it stands.
        let h = heads(&["Patient", "MRN", "Consent Date"]);
        let got = resolve(Kind::Consents, &h, &HeaderMap::default()).unwrap();
        assert_eq!(got[ConsentCol::PatientId.index()], Source::Column(1));
    }
}
