//! The typed rows of the rule files, as the checks read them.

use crate::domain::{ClaimStatus, ConsentStatus, ProblemStatus, Severity, norm_key};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The dates a code may be billed (`code_lives.csv`): from its first day, to its last if it
/// was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Life {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Life {
    /// No bounds: what a code has until `code_lives.csv` gives its dates (at load).
    pub const ALWAYS: Life = Life {
        from: NaiveDate::MIN,
        to: None,
    };
    /// Whether a line dated `d` is within the code's life.
    pub fn covers(self, d: NaiveDate) -> bool {
        self.from <= d && self.to.is_none_or(|t| d <= t)
    }
    /// Whether every day from `first` to `last` is (lives start on a month's first day and
    /// end on a month's last, so a month is in or out whole).
    pub fn covers_days(self, first: NaiveDate, last: NaiveDate) -> bool {
        self.from <= first && self.to.is_none_or(|t| last <= t)
    }
}

/// One row of `code_lives.csv`: a code's life and where it is stated.
#[derive(Clone, Debug)]
pub struct CodeLife {
    pub life: Life,
    pub source: String,
}

/// Whose minutes count towards a code (codes.csv `time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeKind {
    /// Clinical staff time; a practitioner's time counts too.
    Staff,
    /// The billing practitioner personally.
    Practitioner,
    None,
}

/// One row of `<year>/codes.csv`: a billable code and how minutes reach it.
#[derive(Clone, Debug)]
pub struct CodeRule {
    pub hcpcs: String,
    pub program: String,
    pub family: String,
    pub is_addon: bool,
    pub time: TimeKind,
    pub threshold: u32,
    pub increment: u32,
    pub unit_cap: u32,
    pub addon_to: String,
    pub tie_rank: u32,
    /// The dates it may be billed (from `code_lives.csv`, set at load).
    pub life: Life,
}

/// One row of `<year>/fees.csv`: the relative value units of a code.
#[derive(Clone, Debug)]
pub struct Fee {
    pub work: Decimal,
    pub pe_nonfac: Decimal,
    pub mp: Decimal,
}

/// What an RPM device code's days of readings are counted over (`devices.csv` `per`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevicePer {
    /// Device supply: each 30-day period, once per period whoever bills it.
    Period,
    /// Set-up and education: once per episode of monitoring.
    Episode,
}

/// One row of `<year>/devices.csv`: an RPM device code, the days of readings its 30-day
/// period needs, and what it is billed once per.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRule {
    pub hcpcs: String,
    /// The fewest distinct days with readings in the 30 days that end on the date of service.
    pub min_days: u32,
    pub per: DevicePer,
    /// The file's `source` cell, cited in the finding.
    pub source: String,
}

/// Whom an exclusive pair binds (`exclusive.csv` `scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExclusiveScope {
    /// `month`: not for one patient in one calendar month, whichever practitioners bill.
    Month,
    /// `practitioner`: not by one billing practitioner for one patient in one month
    /// (APCM and TCM: another practitioner may bill the other).
    Practitioner,
}

/// One row of `<year>/exclusive.csv`: two codes that are not reported for one patient in
/// one calendar month, by anyone (`scope` `month`) or by one practitioner (`practitioner`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusive {
    pub code_a: String,
    pub code_b: String,
    pub scope: ExclusiveScope,
    /// The file's `source` cell, cited in the finding.
    pub source: String,
}

/// One row of `<year>/clashes.csv`: the check raised when another program is billed in a
/// CCM patient-month, and its severity by policy and by who bills the other program.
#[derive(Clone, Debug)]
pub struct Clash {
    pub program: String,
    /// The check raised, found at load; `None` for a row whose code cell is blank.
    pub check: Option<&'static crate::domain::Check>,
    /// [same, different, unknown] practitioner; `None` = allowed.
    pub cms: [Option<Severity>; 3],
    pub strict: [Option<Severity>; 3],
    /// The program's codes: a claim line with one is evidence of the program in its
    /// month (verify mode), as an enrolment or a time-log row of it is.
    pub hcpcs: Vec<String>,
    /// The audited programs whose months it applies to (CCM, and PCM for APCM).
    pub audited: Vec<crate::domain::Program>,
    /// `program` as ccm knows it; `None` for a name it does not (such a row may list no
    /// codes: its evidence could not be told apart).
    pub known: Option<crate::domain::Program>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Cms,
    Strict,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Cms => "cms",
            Policy::Strict => "strict",
        }
    }
}

/// Who bills the other program, relative to the CCM practitioner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Same = 0,
    Different = 1,
    Unknown = 2,
}

impl Clash {
    pub fn severity(&self, policy: Policy, rel: Relation) -> Option<Severity> {
        match policy {
            Policy::Cms => self.cms[rel as usize],
            Policy::Strict => self.strict[rel as usize],
        }
    }
}

/// `statuses.csv`: what each status word of a consents, enrolments or problem-list file
/// means. Words match with case, spaces, `_`, `-` and `.` ignored.
#[derive(Clone, Debug, Default)]
pub struct Statuses {
    /// (normalised word, word as written, meaning), in file order.
    pub consent: Vec<(String, String, ConsentStatus)>,
    pub problem: Vec<(String, String, ProblemStatus)>,
    /// A time-log entry's status or billable flag: whether the entry counts.
    pub time: Vec<(String, String, bool)>,
    /// A claim line's status: sent to the payer, not yet, or denied or voided.
    pub claim: Vec<(String, String, ClaimStatus)>,
}

impl Statuses {
    /// The meaning of a consent or enrolment status word.
    pub fn consent(&self, word: &str) -> Option<ConsentStatus> {
        let k = norm_key(word);
        self.consent.iter().find(|e| e.0 == k).map(|e| e.2)
    }
    /// The meaning of a problem-list status word.
    pub fn problem(&self, word: &str) -> Option<ProblemStatus> {
        let k = norm_key(word);
        self.problem.iter().find(|e| e.0 == k).map(|e| e.2)
    }
    /// What a claim line's status word says of it.
    pub fn claim(&self, word: &str) -> Option<ClaimStatus> {
        let k = norm_key(word);
        self.claim.iter().find(|e| e.0 == k).map(|e| e.2)
    }
    /// The claim status words, as written, for a message.
    pub fn claim_words(&self) -> String {
        self.claim
            .iter()
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// Whether a time-log entry with this status (or billable) word counts.
    pub fn time(&self, word: &str) -> Option<bool> {
        let k = norm_key(word);
        self.time.iter().find(|e| e.0 == k).map(|e| e.2)
    }
    /// The accepted time-entry words, as written, for a message.
    pub fn time_words(&self) -> String {
        self.time
            .iter()
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// The accepted consent words, as written, for a message.
    pub fn consent_words(&self) -> String {
        self.consent
            .iter()
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// The accepted problem words, as written, for a message.
    pub fn problem_words(&self) -> String {
        self.problem
            .iter()
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
