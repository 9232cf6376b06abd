//! The parsed inputs the audit works on: compact, interned, no free text kept.

use crate::checks::Finding;
use crate::rules::RoleClass;
use crate::types::{Icd10, Npi};
use chrono::NaiveDate;

/// A fast, seeded-once hasher (foldhash) for ccm's in-memory maps and row fingerprints:
/// fixed seed, so runs are reproducible. Not for untrusted-key DoS resistance, which a
/// batch auditor of the user's own files does not need.
pub type FastState = foldhash::fast::FixedState;
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastState>;
pub type FastSet<K> = std::collections::HashSet<K, FastState>;

/// Maps strings (patient ids, staff ids, NPIs) to small integers, without allocating on a
/// lookup of a value already seen.
#[derive(Default, Debug)]
pub struct Interner {
    map: FastMap<IKey, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s.as_bytes()) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.into());
        self.map.insert(IKey::new(s.as_bytes()), i);
        i
    }
    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s.as_bytes()).copied()
    }
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// An interned string as a map key: short ones (ids, NPIs) inline, so a lookup compares
/// bytes in the table itself instead of following a pointer (a cache miss per row).
#[derive(Debug, Clone, PartialEq, Eq)]
enum IKey {
    Inline(u8, [u8; IKey::INLINE]),
    Heap(Box<[u8]>),
}

impl IKey {
    const INLINE: usize = 22;
    fn new(b: &[u8]) -> IKey {
        if b.len() <= Self::INLINE {
            let mut a = [0u8; Self::INLINE];
            a[..b.len()].copy_from_slice(b);
            IKey::Inline(b.len() as u8, a)
        } else {
            IKey::Heap(b.into())
        }
    }
}

impl std::borrow::Borrow<[u8]> for IKey {
    fn borrow(&self) -> &[u8] {
        match self {
            IKey::Inline(n, a) => &a[..*n as usize],
            IKey::Heap(b) => b,
        }
    }
}

impl std::hash::Hash for IKey {
    // Hashes exactly as the `[u8]` it borrows as (the `Borrow` contract).
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::borrow::Borrow::<[u8]>::borrow(self).hash(h)
    }
}

/// Care programs a time row or an enrolment can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Program {
    Ccm,
    Pcm,
    Rpm,
    Rtm,
    Bhi,
    Cocm,
    Tcm,
    Apcm,
    Esrd,
    HomeHealthCpo,
    HospiceCpo,
    Hospice,
}

impl Program {
    pub fn parse(s: &str) -> Option<Program> {
        Some(match crate::types::norm_key(s).as_str() {
            "ccm" => Program::Ccm,
            "pcm" => Program::Pcm,
            "rpm" => Program::Rpm,
            "rtm" => Program::Rtm,
            "bhi" => Program::Bhi,
            "cocm" => Program::Cocm,
            "tcm" => Program::Tcm,
            "apcm" => Program::Apcm,
            "esrd" => Program::Esrd,
            "homehealthcpo" | "g0181" => Program::HomeHealthCpo,
            "hospicecpo" | "g0182" => Program::HospiceCpo,
            "hospice" => Program::Hospice,
            _ => return None,
        })
    }
    /// The name used in the rules tables and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Program::Ccm => "CCM",
            Program::Pcm => "PCM",
            Program::Rpm => "RPM",
            Program::Rtm => "RTM",
            Program::Bhi => "BHI",
            Program::Cocm => "COCM",
            Program::Tcm => "TCM",
            Program::Apcm => "APCM",
            Program::Esrd => "ESRD",
            Program::HomeHealthCpo => "HOME_HEALTH_CPO",
            Program::HospiceCpo => "HOSPICE_CPO",
            Program::Hospice => "HOSPICE",
        }
    }
}

/// Marks "no clock time" in a [`TimeRow`].
pub const NO_TIME: u16 = u16::MAX;

/// One valid time-log row, in about 40 bytes. Free text is not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRow {
    pub patient: u32,
    pub staff: u32,
    pub npi: u32,
    pub date: NaiveDate,
    /// Minutes after midnight, or [`NO_TIME`].
    pub start: u16,
    pub end: u16,
    pub minutes: u16,
    pub role: RoleClass,
    pub program: Program,
    /// Whether the note documents the work (TM006).
    pub note: crate::checks::time::NoteQuality,
    pub file: u16,
    pub line: u64,
    /// Hash of every field of the record as written, to spot identical rows.
    pub fingerprint: u64,
}

impl TimeRow {
    pub fn has_interval(&self) -> bool {
        self.start != NO_TIME && self.end != NO_TIME
    }
}

#[derive(Clone, Debug)]
pub struct Consent {
    pub patient: u32,
    pub date: NaiveDate,
    pub program: Program,
    pub npi: Option<u32>,
    pub revoked: Option<NaiveDate>,
    pub file: u16,
    pub line: u64,
}

#[derive(Clone, Debug)]
pub struct Diagnosis {
    pub patient: u32,
    pub code: Icd10,
    pub onset: Option<NaiveDate>,
    pub resolved: Option<NaiveDate>,
    pub file: u16,
    pub line: u64,
}

#[derive(Clone, Debug)]
pub struct Enrolment {
    pub patient: u32,
    pub program: Program,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub npi: Option<u32>,
    pub file: u16,
    pub line: u64,
}

/// Medical decision making recorded on a care-plan event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mdm {
    Low,
    Moderate,
    High,
}

#[derive(Clone, Debug)]
pub struct CarePlan {
    pub patient: u32,
    pub date: NaiveDate,
    pub mdm: Option<Mdm>,
    pub file: u16,
    pub line: u64,
}

#[derive(Clone, Debug)]
pub struct Visit {
    pub patient: u32,
    pub date: NaiveDate,
    pub hcpcs: String,
    pub npi: Option<u32>,
    pub file: u16,
    pub line: u64,
}

/// One line of a claims file, with its bytes as written so the clean file can be a filter.
#[derive(Clone, Debug)]
pub struct Claim {
    pub patient: u32,
    pub date_of_service: NaiveDate,
    pub hcpcs: String,
    pub units: u32,
    pub npi: u32,
    pub file: u16,
    pub line: u64,
    /// The record's bytes in the file, with its line ending.
    pub raw: Vec<u8>,
}

/// A claims file: its header bytes and its valid lines.
#[derive(Clone, Debug, Default)]
pub struct ClaimsFile {
    pub header_raw: Vec<u8>,
    pub claims: Vec<Claim>,
}

/// What kind of input a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Timelog,
    Consents,
    Diagnoses,
    Enrolments,
    Careplans,
    Visits,
    Claims,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Timelog => "timelog",
            Kind::Consents => "consents",
            Kind::Diagnoses => "diagnoses",
            Kind::Enrolments => "enrolments",
            Kind::Careplans => "careplans",
            Kind::Visits => "visits",
            Kind::Claims => "claims",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as discovered), for messages.
    pub name: String,
    pub kind: Kind,
    /// Data records read (the header is not a row).
    pub rows_read: u64,
}

/// Everything read from the inputs.
#[derive(Default, Debug)]
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
    /// `Some` in verify mode.
    pub claims: Option<ClaimsFile>,
    /// IN001 / IN002 findings from reading the files: each is one excluded row.
    pub ingest_findings: Vec<Finding>,
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
            || self
                .claims
                .iter()
                .flat_map(|c| c.claims.iter())
                .any(|c| c.patient == p)
    }
    pub fn file_name(&self, i: u16) -> &str {
        &self.files[i as usize].name
    }
}
