//! CD-series: claim lines that break the code rules whatever the evidence (verify mode).
//! Pairings, caps and families come from rules/<year>/codes.csv.

use super::{Check, Finding, Severity};
use crate::domain::Claim;
use crate::rules::YearRules;
use chrono::NaiveDate;

pub const CD001: Check = Check {
    code: "CD001",
    name: "addon-without-base",
    severity: Severity::Error,
    what: "An add-on code (99439, 99489, 99437 …) is claimed for a patient-month and \
           practitioner with no base code at all on that patient-month. The month's lines are \
           held.",
    why: "An add-on is only paid with its primary code; OIG found 99489 paid without a valid \
          99487.",
    example: "claims.csv line 5: 99439 for P0003 in 2025-03 under NPI 1234567893, no 99490.",
    source: "CMS NCCI add-on code edits (type 1); OIG A-07-19-05122.",
};

pub const CD002: Check = Check {
    code: "CD002",
    name: "addon-wrong-base",
    severity: Severity::Error,
    what: "An add-on code is claimed with a base code it does not belong to (99437 with 99490, \
           99439 with 99491, 99489 with 99490 …) and without its own base.",
    why: "Each CCM add-on extends one base code only; paired with another base it is denied or, \
          if paid, an overpayment.",
    example: "99437 (practitioner add-on) claimed beside 99490 (clinical-staff base).",
    source: "CMS NCCI add-on code edits (99490→99439, 99491→99437, 99487→99489).",
};

pub const CD003: Check = Check {
    code: "CD003",
    name: "units-over-limit",
    severity: Severity::Error,
    what: "More units of a code in a patient-month than its monthly cap (base codes 1; 99439 2, \
           99437 2, 99489 10 from the CMS MUE table; caps are data in codes.csv).",
    why: "Units above the Medically Unlikely Edit are denied; billed anyway they are an audit \
          finding on their face.",
    example: "99439 with 3 units in one month (cap 2).",
    source: "CMS NCCI Medically Unlikely Edits, practitioner services, 2024-07-01.",
};

pub const CD004: Check = Check {
    code: "CD004",
    name: "conflicting-ccm-codes",
    severity: Severity::Error,
    what: "More than one CCM family claimed in one patient-month by one practitioner: \
           99490(+99439), 99487(+99489) and 99491(+99437) exclude each other.",
    why: "CMS pays one CCM family per patient per month; claiming two bills the same time twice.",
    example: "99490 and 99491 for P0007 in 2025-03.",
    source: "CMS MLN909188; CPT CCM reporting rules as adopted by CMS.",
};

pub const CD005: Check = Check {
    code: "CD005",
    name: "duplicate-claim",
    severity: Severity::Error,
    what: "The same code on more than one claim line for the same patient-month and practitioner \
           (units belong on one line).",
    why: "Duplicate lines are the most common CCM overpayment after duplicate practitioners.",
    example: "Two 99490 lines for P0010 in 2025-03 (claim ids 1001 and 1044).",
    source: "OIG A-07-17-05101; CMS claims processing manual ch. 12.",
};

pub const CD006: Check = Check {
    code: "CD006",
    name: "date-of-service-invalid",
    severity: Severity::Error,
    what: "A claim dated before the day its time threshold was met in the month, or after the \
           as-of date (not yet rendered).",
    why: "The date of service may be the day the threshold is reached or any later day of the \
          month, never earlier.",
    example: "99490 dated 2025-03-05 when the 20th minute was logged on 2025-03-12.",
    source: "CMS MLN909188 (date of service for CCM); CMS CY2017 PFS final rule.",
};

/// Code-rule findings for one patient-month and practitioner's claim lines of one program.
/// `threshold_day` gives the day a base code's threshold was met, if it was.
pub fn code_findings(
    yr: &YearRules,
    program: &str,
    lines: &[&Claim],
    as_of: NaiveDate,
    threshold_day: impl Fn(&str) -> Option<NaiveDate>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let rule = |h: &str| yr.code(h).filter(|c| c.program == program);
    let ccm: Vec<&&Claim> = lines.iter().filter(|c| rule(&c.hcpcs).is_some()).collect();
    let mut codes: Vec<&str> = ccm.iter().map(|c| c.hcpcs.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let lines_of = |h: &str| -> Vec<u64> {
        ccm.iter()
            .filter(|c| c.hcpcs == h)
            .map(|c| c.line)
            .collect()
    };
    for &h in &codes {
        let r = rule(h).expect("filtered");
        let n = ccm.iter().filter(|c| c.hcpcs == h).count();
        if n > 1 {
            out.push((
                Finding::new(
                    &CD005,
                    format!(
                        "{h} appears on {n} claim lines for this month; units belong on one line"
                    ),
                ),
                lines_of(h),
            ));
        }
        let units: u32 = ccm.iter().filter(|c| c.hcpcs == h).map(|c| c.units).sum();
        if units > r.unit_cap {
            out.push((
                Finding::new(
                    &CD003,
                    format!(
                        "{units} unit(s) of {h} in one month; the cap is {}",
                        r.unit_cap
                    ),
                ),
                lines_of(h),
            ));
        }
        if r.is_addon && !codes.contains(&r.addon_to.as_str()) {
            let other_bases: Vec<&str> = codes
                .iter()
                .copied()
                .filter(|c| rule(c).is_some_and(|x| !x.is_addon))
                .collect();
            if other_bases.is_empty() {
                out.push((
                    Finding::new(
                        &CD001,
                        format!("add-on {h} is claimed without its base {}", r.addon_to),
                    ),
                    lines_of(h),
                ));
            } else {
                out.push((
                    Finding::new(
                        &CD002,
                        format!(
                            "add-on {h} belongs with {}, not {}",
                            r.addon_to,
                            other_bases.join(", ")
                        ),
                    ),
                    lines_of(h),
                ));
            }
        }
    }
    let mut families: Vec<&str> = codes
        .iter()
        .filter_map(|h| rule(h))
        .map(|r| r.family.as_str())
        .collect();
    families.sort_unstable();
    families.dedup();
    if families.len() > 1 {
        let all: Vec<u64> = ccm.iter().map(|c| c.line).collect();
        out.push((
            Finding::new(
                &CD004,
                format!(
                    "more than one {program} family in one month: {}",
                    codes.join(", ")
                ),
            ),
            all,
        ));
    }
    for c in &ccm {
        let r = rule(&c.hcpcs).expect("filtered");
        if c.date_of_service > as_of {
            out.push((
                Finding::new(
                    &CD006,
                    format!(
                        "{} is dated {}, after the as-of date {as_of}",
                        c.hcpcs, c.date_of_service
                    ),
                ),
                vec![c.line],
            ));
        } else if !r.is_addon
            && let Some(day) = threshold_day(&c.hcpcs)
            && c.date_of_service < day
        {
            out.push((
                Finding::new(
                    &CD006,
                    format!(
                        "{} is dated {}, before its threshold was met on {day}",
                        c.hcpcs, c.date_of_service
                    ),
                ),
                vec![c.line],
            ));
        }
    }
    let file = lines.first().map_or(0, |c| c.file);
    out.into_iter().map(|(f, l)| f.at_lines(file, l)).collect()
}
