//! The typed records read from the inputs: one per time-log row, consent, diagnosis,
//! enrolment, care plan, visit and claim line, with the file and line each came from.

use super::values::{Icd10, Npi, Secs};
use chrono::NaiveDate;

/// What a staff role counts as (from `rules/<year>/roles.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleClass {
    Practitioner,
    Clinical,
    NonClinical,
}

/// Whose time a practitioner's row is, as far as the inputs say: the billing
/// practitioner's own (99491/99437 count it), another practitioner's (it does not), or not
/// said (no performer NPI in the time log or the staff roster).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Performer {
    #[default]
    Unknown,
    Billing,
    Other,
}

impl RoleClass {
    /// The class in words, for a note.
    pub fn describe(self) -> &'static str {
        match self {
            RoleClass::Practitioner => "a practitioner",
            RoleClass::Clinical => "clinical staff",
            RoleClass::NonClinical => "non-clinical staff",
        }
    }
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
    /// Every program, in declaration order.
    pub const ALL: [Program; 12] = [
        Program::Ccm,
        Program::Pcm,
        Program::Rpm,
        Program::Rtm,
        Program::Bhi,
        Program::Cocm,
        Program::Tcm,
        Program::Apcm,
        Program::Esrd,
        Program::HomeHealthCpo,
        Program::HospiceCpo,
        Program::Hospice,
    ];
    /// A program as an export names it, in any case and with any spaces, `_`, `-` or `.`:
    ///
    /// - its short name (`CCM`, `PCM`, `RPM`, `RTM`, `BHI`, `CoCM`, `TCM`, `APCM`, `ESRD`,
    ///   `HOME_HEALTH_CPO`, `HOSPICE_CPO`, `HOSPICE`);
    /// - its long name (`Chronic Care Management`, `Complex Chronic Care Management`,
    ///   `Principal Care Management`, `Remote Patient Monitoring`, `Remote Physiologic
    ///   Monitoring`, `Remote Therapeutic Monitoring`, `Behavioral Health Integration`,
    ///   `Collaborative Care Model`, `Transitional Care Management`, `Advanced Primary Care
    ///   Management`, `Home Health Care Plan Oversight`, `Hospice Care Plan Oversight`);
    /// - a billing code of the program: CCM 99490, 99439, 99487, 99489, 99491, 99437 and
    ///   G0506 (the initiating visit's add-on); PCM 99424–99427; RPM 99453, 99454, 99457,
    ///   99458, 99470 and 99445; APCM G0556–G0558; G0181 and G0182 (care plan oversight).
    ///
    /// Anything else is `None` (the row names an unknown program).
    pub fn parse(s: &str) -> Option<Program> {
        // The canonical spellings, millions of times in a companion file: no allocation.
        match s {
            "CCM" => return Some(Program::Ccm),
            "PCM" => return Some(Program::Pcm),
            "RPM" => return Some(Program::Rpm),
            _ => {}
        }
        Some(match crate::domain::norm_key(s).as_str() {
            "ccm"
            | "chroniccaremanagement"
            | "complexchroniccaremanagement"
            | "complexccm"
            | "99490"
            | "99439"
            | "99487"
            | "99489"
            | "99491"
            | "99437"
            | "g0506" => Program::Ccm,
            "pcm" | "principalcaremanagement" | "99424" | "99425" | "99426" | "99427" => {
                Program::Pcm
            }
            "rpm"
            | "remotepatientmonitoring"
            | "remotephysiologicmonitoring"
            | "99453"
            | "99454"
            | "99457"
            | "99458"
            | "99470"
            | "99445" => Program::Rpm,
            "rtm" | "remotetherapeuticmonitoring" => Program::Rtm,
            "bhi" | "behavioralhealthintegration" | "behaviouralhealthintegration" => Program::Bhi,
            "cocm" | "collaborativecaremodel" | "collaborativecaremanagement" => Program::Cocm,
            "tcm" | "transitionalcaremanagement" => Program::Tcm,
            "apcm" | "advancedprimarycaremanagement" | "g0556" | "g0557" | "g0558" => Program::Apcm,
            "esrd" => Program::Esrd,
            "homehealthcpo" | "g0181" | "homehealthcareplanoversight" => Program::HomeHealthCpo,
            "hospicecpo" | "g0182" | "hospicecareplanoversight" => Program::HospiceCpo,
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

#[cfg(test)]
mod program_tests {
    use super::Program::{self, *};

    #[test]
    fn programs_by_name_spelling_and_code() {
        for (cell, want) in [
            ("CCM", Ccm),
            ("ccm", Ccm),
            (" C.C.M ", Ccm),
            ("Chronic Care Management", Ccm),
            ("chronic_care_management", Ccm),
            ("CHRONIC-CARE-MANAGEMENT", Ccm),
            ("Complex Chronic Care Management", Ccm),
            ("99490", Ccm),
            ("99439", Ccm),
            ("99487", Ccm),
            ("99489", Ccm),
            ("99491", Ccm),
            ("99437", Ccm),
            ("G0506", Ccm),
            ("g0506", Ccm),
            ("PCM", Pcm),
            ("Principal Care Management", Pcm),
            ("99424", Pcm),
            ("99425", Pcm),
            ("99426", Pcm),
            ("99427", Pcm),
            ("RPM", Rpm),
            ("Remote Patient Monitoring", Rpm),
            ("Remote Physiologic Monitoring", Rpm),
            ("99453", Rpm),
            ("99454", Rpm),
            ("99457", Rpm),
            ("99458", Rpm),
            ("99470", Rpm),
            ("99445", Rpm),
            ("RTM", Rtm),
            ("Remote Therapeutic Monitoring", Rtm),
            ("BHI", Bhi),
            ("Behavioral Health Integration", Bhi),
            ("CoCM", Cocm),
            ("Collaborative Care Model", Cocm),
            ("TCM", Tcm),
            ("Transitional Care Management", Tcm),
            ("APCM", Apcm),
            ("Advanced Primary Care Management", Apcm),
            ("G0556", Apcm),
            ("G0557", Apcm),
            ("G0558", Apcm),
            ("ESRD", Esrd),
            ("HOME_HEALTH_CPO", HomeHealthCpo),
            ("G0181", HomeHealthCpo),
            ("HOSPICE_CPO", HospiceCpo),
            ("g0182", HospiceCpo),
            ("Hospice", Hospice),
        ] {
            assert_eq!(Program::parse(cell), Some(want), "{cell:?}");
        }
        for cell in [
            "",
            "care",
            "99491x",
            "99440",
            "99423",
            "99428",
            "G0555",
            "G0559",
            "99455",
            "99",
            "CCM PCM",
            "Care Management",
        ] {
            assert_eq!(Program::parse(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn every_name_reads_back() {
        for p in Program::ALL {
            assert_eq!(Program::parse(p.as_str()), Some(p));
        }
    }
}

/// A time-log row its own export marks as not counting (IN009: a status such as `Voided`,
/// a billable flag `N`), kept to find its copies in the run's other time logs: the entry
/// does not count there either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoidEntry {
    /// The staff member as written (looked up by the identity rule).
    pub staff: String,
    /// Days from the common era.
    pub date: i32,
    /// The row's duplicate fingerprint, as its log's counted rows have theirs.
    pub fingerprint: u64,
    pub file: u16,
    pub line: u64,
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
    /// The entry's countable time (its duration; an interval's length when no duration
    /// is given).
    pub secs: Secs,
    pub role: RoleClass,
    /// Whose time it is, when a performer NPI says (practitioner rows).
    pub performer: Performer,
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
    /// The patient's date of death, when the consents file records one (a `deceased`
    /// status row), on each of their consents: no service after it counts (CN008).
    pub died: Option<NaiveDate>,
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

/// What a claim line's status word means (`rules/statuses.csv`, kind `claim`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Sent to the payer (Submitted, Paid, Accepted …): the line was filed and stands.
    Submitted,
    /// Not yet sent (Draft, Ready to Bill …): judged as a line about to go out.
    Unsubmitted,
    /// Denied, rejected or voided: the payer did not pay the line, or the practice withdrew
    /// it. It is no claim that stands: excluded (IN009), so it is neither money at risk nor
    /// a duplicate of the corrected line sent after it.
    Refused,
}

/// What a consent or enrolment status word means (`rules/statuses.csv`, kind `consent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentStatus {
    /// Enrolled, consented, signed: a consent from the row's date.
    Consent,
    /// Not enrolled, ineligible, pending, invited: no consent (yet).
    NoConsent,
    /// Declined, refused, not interested: the patient said no. No consent, as `NoConsent`;
    /// apart only so the advice follows the cause (CN006: do not bill, do not ask again).
    Declined,
    /// Enrolled elsewhere: another practice bills the program; no consent here.
    Elsewhere,
    /// Unenrolled, revoked, opted out: ends the patient's consent from the row's date.
    Revoked,
    /// Deceased: ends every consent of the patient from the row's date, as a revocation,
    /// and no service is furnished after it (CN008).
    Deceased,
}

impl ConsentStatus {
    /// The meaning as written in the rules file.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Consent => "consent",
            ConsentStatus::NoConsent => "no_consent",
            ConsentStatus::Declined => "declined",
            ConsentStatus::Elsewhere => "elsewhere",
            ConsentStatus::Revoked => "revoked",
            ConsentStatus::Deceased => "deceased",
        }
    }
    /// The meaning in words, for notes and messages.
    pub fn words(self) -> &'static str {
        match self {
            ConsentStatus::Consent => "consent",
            ConsentStatus::NoConsent => "no consent",
            ConsentStatus::Declined => "declined",
            ConsentStatus::Elsewhere => "enrolled elsewhere",
            ConsentStatus::Revoked => "revokes",
            ConsentStatus::Deceased => "deceased",
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
    pub hcpcs: crate::domain::Text,
    pub npi: Option<u32>,
    pub file: u16,
    pub line: u64,
}

/// One row of a device-readings file (RPM): a day a patient's device sent data.
#[derive(Clone, Debug)]
pub struct Reading {
    pub patient: u32,
    pub date: NaiveDate,
    pub file: u16,
    pub line: u64,
}

/// One line of a claims file, with its bytes as written so the clean file can be a filter.
#[derive(Clone, Debug)]
pub struct Claim {
    pub patient: u32,
    pub date_of_service: NaiveDate,
    pub hcpcs: crate::domain::Text,
    pub units: u32,
    pub npi: u32,
    /// When the line was submitted to Medicare, when the claims file says (`submitted_date`):
    /// CD009 judges its filing by this date instead of the as-of date.
    pub submitted: Option<NaiveDate>,
    /// The claims file's `claim_status` says the line was sent (Submitted, Paid, Accepted …)
    /// but gives no `submitted_date`: CD009 cannot judge its filing, and does not.
    pub sent_undated: bool,
    /// The beneficiary's Medicare ID (MBI or HICN) when the claims file carries one
    /// (`mbi`), upper case, spaces and dashes dropped: claims of one beneficiary are
    /// checked together whatever their patient ids (CD011).
    pub mbi: Option<String>,
    /// The diagnosis codes the line's claim lists, in the order written, when the claims
    /// file has diagnosis columns (`diagnoses`, or wide `dx1` … `dx12`); `None` when it has
    /// none (then the claim's own diagnoses are not checked: CD012).
    pub dx: Option<Vec<crate::domain::Icd10>>,
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

/// One staff member as the staff roster lists them.
#[derive(Clone, Debug)]
pub struct StaffMember {
    pub id: String,
    /// The role as written (resolved per year against rules/<year>/roles.csv).
    pub role: String,
    /// The member's own NPI (a practitioner's), when listed.
    pub npi: Option<Npi>,
    pub name: Option<String>,
    pub file: u16,
    pub line: u64,
}

/// The staff roster (`--staff FILE`, or `staff.csv` beside the time log): fills the role
/// of time-log rows that name only a staff member.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    members: Vec<StaffMember>,
    by_id: std::collections::HashMap<String, usize>,
    by_name: std::collections::HashMap<String, usize>,
    /// A member listed again (same id or name) with another role or NPI: the first
    /// listing's index, and the other's. Which one is meant cannot be told.
    disputed: std::collections::HashMap<usize, usize>,
}

impl Roster {
    /// The roster of these members. A member listed twice alike is one; listed twice with
    /// different roles or NPIs, the listings are disputed ([`Roster::disputed`]): neither
    /// is taken, whatever their order.
    pub fn new(members: Vec<StaffMember>) -> Roster {
        let mut by_id = std::collections::HashMap::new();
        let mut by_name = std::collections::HashMap::new();
        let mut disputed = std::collections::HashMap::new();
        let differ = |a: &StaffMember, b: &StaffMember| {
            super::norm_key(&a.role) != super::norm_key(&b.role) || a.npi != b.npi
        };
        for (i, m) in members.iter().enumerate() {
            let first = *by_id
                .entry(super::fold_name(&m.id).into_owned())
                .or_insert(i);
            if first != i && differ(&members[first], m) {
                disputed.entry(first).or_insert(i);
            }
            if let Some(n) = &m.name {
                let first = *by_name.entry(super::norm_key(n)).or_insert(i);
                if first != i && differ(&members[first], m) {
                    disputed.entry(first).or_insert(i);
                }
            }
        }
        Roster {
            members,
            by_id,
            by_name,
            disputed,
        }
    }

    /// The two listings of the member a staff cell names, when they disagree on the role
    /// or the NPI.
    pub fn disputed(&self, staff: &str) -> Option<(&StaffMember, &StaffMember)> {
        let i = match self.by_id.get(super::fold_name(staff).as_ref()) {
            Some(&i) => i,
            None => *self.by_name.get(&super::norm_key(staff))?,
        };
        self.disputed
            .get(&i)
            .map(|&j| (&self.members[i], &self.members[j]))
    }
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
    /// The member a time-log staff cell names: by id, else by name (both by the identity
    /// rule: case and spaces aside).
    pub fn find(&self, staff: &str) -> Option<&StaffMember> {
        let i = match self.by_id.get(super::fold_name(staff).as_ref()) {
            Some(&i) => i,
            None => *self.by_name.get(&super::norm_key(staff))?,
        };
        Some(&self.members[i])
    }
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
    /// RPM device readings: the days each patient's device sent data.
    Readings,
    Claims,
    /// The staff roster: each staff member's role and own NPI.
    Staff,
}

impl Kind {
    /// Every kind, in the order files are read (time logs first, claims last).
    pub const ALL: [Kind; 9] = [
        Kind::Timelog,
        Kind::Consents,
        Kind::Diagnoses,
        Kind::Enrolments,
        Kind::Careplans,
        Kind::Visits,
        Kind::Staff,
        Kind::Readings,
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
            Kind::Readings => "readings",
            Kind::Claims => "claims",
            Kind::Staff => "staff",
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
    /// Every cell of the header row as written (trimmed), feeding a field or not.
    pub headers: Vec<String>,
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
    /// Why that order is not proven, when it is not (IN008): every date fits both orders,
    /// or the file's dates contradict each other.
    pub date_order_doubt: Option<String>,
    /// The order the file's own dates prove, and the cell that proves it (a part above
    /// 12): what another file of the run whose every date fits both orders follows.
    pub date_proof: Option<(super::DateOrder, String)>,
    /// Headers that look as if they decide whether an entry counts (status, billable,
    /// approved, QA, void, deleted …) but feed no field (IN010).
    pub unread_decision_columns: Vec<String>,
    /// Fields the map sets to one value on every row (field, value as shown), in the
    /// kind's column order. Their notes say the same in words ([`constant_note`]).
    pub constants: Vec<(&'static str, String)>,
    /// The wide diagnosis columns (`Dx 1`, `Dx 2` …) that each hold a diagnosis, in file
    /// order; empty for a file with one `icd10_code` column ([`wide_note`]).
    pub wide_columns: Vec<String>,
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
            date_order_doubt: None,
            date_proof: None,
            unread_decision_columns: Vec::new(),
            constants: Vec::new(),
            wide_columns: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// The read note for a field the map sets on every row: what [`ReadAs::constants`] holds,
/// in words.
pub fn constant_note(field: &str, value: &str) -> String {
    format!("{field} is {value:?} on every row (a constant from the map)")
}

/// The read note for a wide diagnosis layout: what [`ReadAs::wide_columns`] holds, in
/// words. `None` for a file without one.
pub fn wide_note(columns: &[String]) -> Option<String> {
    let (first, last) = (columns.first()?, columns.last()?);
    Some(format!(
        "wide layout: {} column(s) {first}...{last} each hold a diagnosis",
        columns.len()
    ))
}
