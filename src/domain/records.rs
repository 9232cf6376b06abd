//! The typed records read from the inputs: one per time-log row, consent, diagnosis,
//! enrolment, care plan, visit and claim line, with the file and line each came from.

use super::values::Icd10;
use chrono::NaiveDate;

/// What a staff role counts as (from `rules/<year>/roles.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleClass {
    Practitioner,
    Clinical,
    NonClinical,
}

/// How a row's note documents the work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoteQuality {
    Ok,
    Missing,
    Vague,
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
        Some(match crate::domain::norm_key(s).as_str() {
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
    pub note: NoteQuality,
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

/// What a consent or enrolment status word means (`rules/statuses.csv`, kind `consent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentStatus {
    /// Enrolled, consented, signed: a consent from the row's date.
    Consent,
    /// Declined, not enrolled, ineligible, pending: no consent.
    NoConsent,
    /// Enrolled elsewhere: another practice bills the program; no consent here.
    Elsewhere,
    /// Unenrolled, revoked, opted out: ends the patient's consent from the row's date.
    Revoked,
}

impl ConsentStatus {
    /// The meaning as written in the rules file.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Consent => "consent",
            ConsentStatus::NoConsent => "no_consent",
            ConsentStatus::Elsewhere => "elsewhere",
            ConsentStatus::Revoked => "revoked",
        }
    }
    /// The meaning in words, for notes and messages.
    pub fn words(self) -> &'static str {
        match self {
            ConsentStatus::Consent => "consent",
            ConsentStatus::NoConsent => "no consent",
            ConsentStatus::Elsewhere => "enrolled elsewhere",
            ConsentStatus::Revoked => "revokes",
        }
    }
}

/// What a problem-list status word means (`rules/statuses.csv`, kind `problem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemStatus {
    /// Active, recurrence, relapse, remission: a condition under management.
    Active,
    /// Resolved, inactive: not active from the resolved date (unknown without one).
    Resolved,
    /// Deleted, entered in error, refuted: not a diagnosis at all.
    Ignore,
}

impl ProblemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemStatus::Active => "active",
            ProblemStatus::Resolved => "resolved",
            ProblemStatus::Ignore => "ignore",
        }
    }
}

/// A consents or enrolments row whose status is not a consent (or an enrolment): a
/// refusal, an enrolment at another practice, a revocation. Kept so a message can say what
/// the file recorded ("declined on 2025-01-15"), and counted in the reconciliation.
#[derive(Clone, Debug)]
pub struct StatusRecord {
    pub patient: u32,
    /// `Consents` or `Enrolments`.
    pub kind: Kind,
    pub program: Program,
    pub status: ConsentStatus,
    /// The status word as written in the file.
    pub word: String,
    /// The row's date (a declined row may have none).
    pub date: Option<NaiveDate>,
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
    /// Every kind, in the order files are read (time logs first, claims last).
    pub const ALL: [Kind; 7] = [
        Kind::Timelog,
        Kind::Consents,
        Kind::Diagnoses,
        Kind::Enrolments,
        Kind::Careplans,
        Kind::Visits,
        Kind::Claims,
    ];
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
    /// Which header (as written) fed each field ccm reads, in the kind's column order.
    pub columns: Vec<(&'static str, String)>,
    /// How the file was read, and every repair or inference made on the way.
    pub read: ReadAs,
}

/// How an input file was read: its format, encoding, delimiter and header line, and in
/// `notes`, in words, every repair or inference made while reading it (an encoding
/// decoded, a title block skipped, a date order inferred, a constant applied, statuses
/// read). Nothing is repaired or inferred without a note here: the report and
/// summary.json show them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadAs {
    /// `csv` or `xlsx`.
    pub format: &'static str,
    /// `UTF-8`, `UTF-8 with BOM`, `UTF-16LE`, `UTF-16BE`, `windows-1252`; for xlsx, `xlsx`.
    pub encoding: &'static str,
    /// The field delimiter; `None` for a workbook.
    pub delimiter: Option<u8>,
    /// The physical line (or sheet row) of the header, 1-based.
    pub header_line: u64,
    /// Lines above the header that were skipped (a `sep=` line, a report's title block).
    pub lines_skipped_above: u64,
    /// Day/month order of the file's slash dates, when it has any: `M/D/Y` or `D/M/Y`.
    pub date_order: Option<&'static str>,
    /// Every repair or inference, in words, in the order made.
    pub notes: Vec<String>,
}

impl Default for ReadAs {
    fn default() -> Self {
        ReadAs {
            format: "csv",
            encoding: "UTF-8",
            delimiter: Some(b','),
            header_line: 1,
            lines_skipped_above: 0,
            date_order: None,
            notes: Vec::new(),
        }
    }
}
