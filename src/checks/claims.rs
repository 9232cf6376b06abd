//! CL-series and RV-series: claim lines against the evidence (verify mode), revenue left
//! unbilled, and the mid-month worklist.

use super::{Check, Severity};

pub const CL001: Check = Check {
    code: "CL001",
    name: "claim-unsupported",
    severity: Severity::Error,
    what: "(claims given) A claimed CCM line the evidence does not support at all: no countable \
           minutes for the patient-month and practitioner, fewer than the base threshold, an \
           add-on with no minutes beyond the base, practitioner codes without the \
           practitioner's own minutes, or complex CCM without moderate/high MDM that month. \
           The amount is the line's payment, at risk.",
    why: "A paid claim without documentation is an overpayment to refund within 60 days of \
          identifying it.",
    example: "99490 claimed for P0040 in 2025-03 with 14 countable minutes: $60.49 at risk.",
    source: "CMS MLN909188; 42 CFR 401.305 (60-day overpayment rule).",
};

pub const CL002: Check = Check {
    code: "CL002",
    name: "claim-units-unsupported",
    severity: Severity::Error,
    what: "(claims given) More units of an add-on claimed than the countable minutes support \
           (each unit needs a further full increment). The amount is the excess units' payment.",
    why: "Each add-on unit is a separately paid block of time; units beyond the logged minutes \
          are unsupported.",
    example: "99439 x2 claimed with 52 countable minutes (supports 1): $45.93 at risk.",
    source: "CPT time rules as adopted by CMS (full blocks, no rounding); CMS MLN909188.",
};

pub const RV001: Check = Check {
    code: "RV001",
    name: "under-billed",
    severity: Severity::Info,
    what: "(claims given) The evidence supports more than was claimed for a patient-month with \
           no error: a month not claimed at all, fewer add-on units than the minutes support, or \
           a family that pays less than the one the minutes support. The amount is what was left \
           unbilled.",
    why: "Compliance is both ways: documented, eligible work that is never billed is revenue the \
          practice earned and lost.",
    example: "P0012 claimed 99490 only, but 64 countable minutes support 99490 + 2x99439: \
              $91.86 left unbilled.",
    source: "CMS PFS fee schedule (national non-facility amounts); CMS MLN909188.",
};

pub const RV002: Check = Check {
    code: "RV002",
    name: "near-next-block",
    severity: Severity::Info,
    what: "In a month still open on the as-of date, the patient's countable minutes are within \
           5 minutes of the next billable block (a base threshold or the next add-on unit).",
    why: "The mid-month worklist: a few minutes of real, documented care reach a block the \
          patient is already close to.",
    example: "As of 2025-03-24, P0008 has 37 minutes: 3 more reach 99439 ($45.93).",
    source: "CMS MLN909188 (time thresholds); CMS PFS fee schedule.",
};

/// How close (in minutes) a patient must be to the next block for RV002.
pub const NEAR_BLOCK_MINUTES: u32 = 5;
