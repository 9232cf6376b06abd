//! The typed rows of the rule files, as the checks read them.

use crate::domain::Severity;
use rust_decimal::Decimal;

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
}

/// One row of `<year>/fees.csv`: the relative value units of a code.
#[derive(Clone, Debug)]
pub struct Fee {
    pub work: Decimal,
    pub pe_nonfac: Decimal,
    pub mp: Decimal,
}

/// One row of `<year>/clashes.csv`: the check raised when another program is billed in a
/// CCM patient-month, and its severity by policy and by who bills the other program.
#[derive(Clone, Debug)]
pub struct Clash {
    pub program: String,
    pub code: String,
    /// [same, different, unknown] practitioner; `None` = allowed.
    pub cms: [Option<Severity>; 3],
    pub strict: [Option<Severity>; 3],
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
