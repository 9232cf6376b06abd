//! OV-series: one practitioner per patient-month, and no clash with services CCM cannot be
//! billed beside. Which programs clash, and how severely under each policy, is data
//! (rules/<year>/clashes.csv); this module holds the check texts and the relation logic.

use super::{Check, Severity};
use crate::rules::Relation;

pub const OV001: Check = Check {
    code: "OV001",
    name: "multiple-ccm-practitioners",
    severity: Severity::Error,
    what: "More than one billing NPI has CCM minutes for the same patient-month. When a consent \
           in force names one of them, that NPI keeps the month and the finding applies to the \
           others; otherwise it applies to all of them until the practice decides. Each \
           finding names the time-log lines whose minutes count under its NPI.",
    why: "Only one practitioner may be paid for CCM per patient per month. Duplicate CCM across \
          practitioners was the largest overpayment category in both OIG audits.",
    example: "P0021 has March minutes under two NPIs and a consent naming the first: the second \
              NPI's month is blocked.",
    source: "CMS MLN909188 (one practitioner per month); OIG A-07-17-05101 and A-07-19-05122.",
};

pub const OV002: Check = Check {
    code: "OV002",
    name: "ccm-with-pcm",
    severity: Severity::Error,
    what: "CCM and PCM (Principal Care Management) for the patient in the same month by the same \
           practitioner, from an enrolment active in the month or PCM time-log rows. A PCM \
           enrolment with no NPI counts as possibly the same practitioner. By a different \
           practitioner it is allowed.",
    why: "CMS does not pay the same practitioner for CCM and PCM in one month.",
    example: "P0030 is enrolled in PCM under the same NPI that bills their March CCM.",
    source: "CMS PFS CY2022 final rule (PCM); CMS MLN909188.",
};

pub const OV003: Check = Check {
    code: "OV003",
    name: "ccm-with-apcm",
    severity: Severity::Error,
    what: "CCM in a month the patient has Advanced Primary Care Management (G0556–G0558). Error \
           by the same practitioner (APCM bundles CCM, PCM and TCM); warning when the APCM \
           practitioner is different or unknown, where CMS guidance is unclear.",
    why: "APCM pays a monthly amount that already includes care management; billing CCM beside \
          it by the same practitioner is duplicate payment.",
    example: "P0031's practice bills G0557 in March and also 99490 under the same NPI.",
    source: "CMS PFS CY2025 final rule (APCM).",
};

pub const OV004: Check = Check {
    code: "OV004",
    name: "ccm-with-bundled-service",
    severity: Severity::Error,
    what: "CCM in a month with ESRD monthly services (90951–90970), home health care plan \
           oversight (G0181) or hospice care plan oversight (G0182) by the same practitioner \
           (an enrolment with no NPI counts as possibly the same).",
    why: "Those services already pay for care management; CMS does not pay CCM beside them to \
          the same practitioner.",
    example: "P0032 has an ESRD enrolment under the NPI billing CCM in March.",
    source: "CMS MLN909188 (services that cannot be billed with CCM).",
};

pub const OV005: Check = Check {
    code: "OV005",
    name: "concurrent-rpm",
    severity: Severity::Info,
    what: "CCM and remote physiologic or therapeutic monitoring (RPM / RTM) in the same month. \
           CMS allows it when no minute is counted twice (TM004 removes shared minutes), so it \
           is info under `--policy cms`; under `--policy strict` (payer contracts that forbid \
           it) it is an error.",
    why: "Some Medicare Advantage and commercial contracts forbid the pair; under CMS rules it \
          is worth knowing because the time must be kept apart.",
    example: "P0005 is enrolled in RPM in March and has 25 CCM minutes.",
    source: "CMS PFS CY2024 final rule (RPM with CCM allowed, time counted once).",
};

/// The relation of other-program evidence to the CCM practitioner: the same NPI if any piece
/// names it, else unknown if any names none, else different.
pub fn relation(ccm_npi: u32, evidence: impl Iterator<Item = Option<u32>>) -> Relation {
    let mut rel = Relation::Different;
    for n in evidence {
        match n {
            Some(n) if n == ccm_npi => return Relation::Same,
            None => rel = Relation::Unknown,
            _ => {}
        }
    }
    rel
}

pub fn relation_word(rel: Relation) -> &'static str {
    match rel {
        Relation::Same => "the same practitioner",
        Relation::Different => "a different practitioner",
        Relation::Unknown => "a practitioner not named (possibly the same)",
    }
}
