//! Everything read from the inputs, as one value.

use super::finding::Finding;
use super::ids::Interner;
use super::records::*;
use super::values::Npi;

/// Everything read from the inputs.
#[derive(Debug)]
pub struct Dataset {
    pub files: Vec<SourceFile>,
    pub patients: Interner,
    pub staff: Interner,
    pub npis: Interner,
    pub time: Vec<TimeRow>,
    /// `None` when no consents file was given or found.
    pub consents: Option<Vec<Consent>>,
    pub diagnoses: Option<Vec<Diagnosis>>,
    pub enrolments: Option<Vec<Enrolment>>,
    pub careplans: Option<Vec<CarePlan>>,
    pub visits: Option<Vec<Visit>>,
    /// RPM device readings, when a readings file was given or found.
    pub readings: Option<Vec<Reading>>,
    /// The staff roster's members, when one was given or found.
    pub roster: Option<Vec<StaffMember>>,
    /// Consents and enrolments rows whose status is not a consent (refusals, enrolments
    /// elsewhere, revocations), sorted by patient (file order within one).
    pub statuses: Vec<StatusRecord>,
    /// The enrolments file's rows saying another practice bills a program (Enrolled
    /// Elsewhere), as status records sorted by patient: they end this practice's consent
    /// to the program, as the same row of the consents file does. Each is also an
    /// enrolment (and counted as one): not in `statuses`.
    pub elsewhere: Vec<StatusRecord>,
    /// `Some` in verify mode.
    pub claims: Option<ClaimsFile>,
    /// IN001 / IN002 findings from reading the files: each is one excluded row.
    pub ingest_findings: Vec<Finding>,
    /// The run's time logs carry different identity columns (one has times or a note the
    /// other lacks): a row repeating another log's row in every field both carry is a
    /// duplicate too (IN003), found on the fields they share. Each time log's layout (a
    /// number; logs alike share one), by file index; empty when the logs are alike.
    pub layouts: Vec<u8>,
    /// Time-log rows their own export marks as not counting, to find their copies in the
    /// run's other time logs (in file order).
    pub voids: Vec<VoidEntry>,
}

impl Default for Dataset {
    /// An empty dataset. Staff are names, not ids: they compare by the identity rule
    /// ([`super::fold_name`]); patients and NPIs compare exactly.
    fn default() -> Dataset {
        Dataset {
            files: Vec::new(),
            patients: Interner::default(),
            staff: Interner::names(),
            npis: Interner::default(),
            time: Vec::new(),
            consents: None,
            diagnoses: None,
            enrolments: None,
            careplans: None,
            visits: None,
            readings: None,
            roster: None,
            statuses: Vec::new(),
            elsewhere: Vec::new(),
            claims: None,
            ingest_findings: Vec::new(),
            layouts: Vec::new(),
            voids: Vec::new(),
        }
    }
}

impl Dataset {
    pub fn npi_name(&self, i: u32) -> &str {
        self.npis.name(i)
    }
    pub fn intern_npi(&mut self, npi: &Npi) -> u32 {
        self.npis.intern(npi.as_str())
    }
    /// Whether any companion file (consents, diagnoses, enrolments, care plans, visits,
    /// claims) names the patient.
    pub fn mentions(&self, patient: &str) -> bool {
        let Some(p) = self.patients.get(patient) else {
            return false;
        };
        self.consents.iter().flatten().any(|c| c.patient == p)
            || self.diagnoses.iter().flatten().any(|d| d.patient == p)
            || self.enrolments.iter().flatten().any(|e| e.patient == p)
            || self.careplans.iter().flatten().any(|c| c.patient == p)
            || self.visits.iter().flatten().any(|v| v.patient == p)
            || self.readings.iter().flatten().any(|r| r.patient == p)
            || self.statuses.iter().any(|s| s.patient == p)
            || self
                .claims
                .iter()
                .flat_map(|c| c.claims.iter())
                .any(|c| c.patient == p)
    }
    /// The status rows of one patient, in file order.
    pub fn statuses_of(&self, patient: u32) -> &[StatusRecord] {
        statuses_of(&self.statuses, patient)
    }
    pub fn file_name(&self, i: u16) -> &str {
        &self.files[i as usize].name
    }
}

/// The status rows of one patient in a list sorted by patient, in file order.
pub fn statuses_of(all: &[StatusRecord], patient: u32) -> &[StatusRecord] {
    let from = all.partition_point(|s| s.patient < patient);
    let to = all.partition_point(|s| s.patient <= patient);
    &all[from..to]
}
