//! EL-series: the patient must have the conditions CCM is for.

use super::{Check, Severity};
use crate::domain::Diagnosis;
use crate::domain::YearMonth;
use crate::rules::Ruleset;

pub const EL001: Check = Check {
    code: "EL001",
    name: "too-few-chronic-conditions",
    severity: Severity::Error,
    what: "Fewer than two distinct chronic conditions are active in the month. A condition is a \
           3-character ICD-10-CM category (E11.9 and E11.65 are one condition); a diagnosis is \
           active in a month when its onset is on or before the month's last day and it is not \
           resolved before the month's first day. Chronic = HCUP CCIR flag 1 (a code absent \
           from CCIR takes its nearest listed parent's flag; 'no determination' does not \
           count). Without a diagnoses file, ccm says so once and no claim can be clean.",
    why: "CCM is only for patients with two or more chronic conditions expected to last at \
          least 12 months or until death. Auditors check the problem list.",
    example: "P0009 has I10 and R69 in March: one chronic condition, so March cannot be billed.",
    source: "CMS MLN909188 (eligibility: two or more chronic conditions); HCUP Chronic Condition \
             Indicator Refined v2023.1 (AHRQ).",
};

pub const EL003: Check = Check {
    code: "EL003",
    name: "unknown-diagnosis-code",
    severity: Severity::Warning,
    what: "A diagnosis code that is not a billable ICD-10-CM code in the fiscal year of the \
           month (FY runs October to September; months before FY2025 use the FY2025 set). \
           The code is ignored when counting conditions.",
    why: "A claim carrying an invalid or non-billable code is rejected, and a condition that \
          cannot be coded cannot support eligibility.",
    example: "diagnoses.csv line 8: `E11` is a category, not a billable code (use E11.9 …).",
    source: "CDC/NCHS ICD-10-CM FY2025 and FY2026 code sets (April updates).",
};

/// The conditions that count for a month: the chronic diagnoses (valid, active), in
/// problem-list order, and the invalid codes seen.
pub struct Conditions<'a> {
    pub chronic: Vec<&'a Diagnosis>,
    pub invalid: Vec<&'a Diagnosis>,
}

impl Conditions<'_> {
    /// Distinct 3-character categories among the chronic diagnoses.
    pub fn categories(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self.chronic.iter().map(|d| d.code.category()).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
    /// Up to four claim diagnoses: one per distinct condition first (problem-list order),
    /// then further codes of the same conditions.
    pub fn claim_codes(&self) -> Vec<String> {
        let mut out: Vec<&Diagnosis> = Vec::new();
        let mut seen_cat: Vec<&str> = Vec::new();
        for d in &self.chronic {
            if !seen_cat.contains(&d.code.category()) {
                seen_cat.push(d.code.category());
                out.push(d);
            }
        }
        for d in &self.chronic {
            if !out.iter().any(|o| o.code == d.code) {
                out.push(d);
            }
        }
        out.into_iter().take(4).map(|d| d.code.dotted()).collect()
    }
}

pub fn conditions<'a>(
    rules: &Ruleset,
    diags: &[&'a Diagnosis],
    month: YearMonth,
) -> Conditions<'a> {
    let (first, last) = (month.first_day(), month.last_day());
    let mut chronic = Vec::new();
    let mut invalid = Vec::new();
    for d in diags {
        let active = d.onset.is_none_or(|o| o <= last) && d.resolved.is_none_or(|r| r >= first);
        if !active {
            continue;
        }
        if !rules.is_valid_code(d.code.as_str(), month) {
            invalid.push(*d);
        } else if rules.chronic_flag(d.code.as_str()) == 1
            && !chronic.iter().any(|c: &&Diagnosis| c.code == d.code)
        {
            chronic.push(*d);
        }
    }
    Conditions { chronic, invalid }
}

pub const EL004: Check = Check {
    code: "EL004",
    name: "missing-initiating-visit",
    severity: Severity::Error,
    what: "(visits file given) No qualifying face-to-face visit — E/M 99202–99205 or \
           99212–99215, AWV G0438/G0439, IPPE G0402 (the list is data in \
           rules/initiating_visits.csv); 99211 does not qualify — in the 12 months before CCM \
           started, nor since then up to the end of the month. CCM starts at the first CCM \
           consent or the first CCM minute, whichever is earlier. Any practitioner's visit \
           counts (the file does not say which practice a practitioner belongs to).",
    why: "CMS requires CCM to be initiated at a face-to-face visit for patients new to the \
          practitioner or not seen within a year; without it every CCM month is unsupported.",
    example: "P0041's CCM started 2025-02-03; their last visit was 2023-11-14.",
    source: "CMS MLN909188 (initiating visit); CMS CY2015 and CY2017 PFS final rules.",
};

pub const EL005: Check = Check {
    code: "EL005",
    name: "missing-care-plan",
    severity: Severity::Error,
    what: "(care-plan file given) No care-plan event (established, revised or reviewed) for the \
           patient on or before the last day of the month.",
    why: "A comprehensive care plan must exist for every billed CCM month; it is the core of \
          the service an auditor asks to see.",
    example: "P0042 bills March 2025 but careplans.csv has no plan for them until 2025-04-02.",
    source: "CMS MLN909188 (comprehensive care plan).",
};

/// Whether a visit code initiates CCM (codes are data).
pub fn initiating(rules: &Ruleset, hcpcs: &str) -> bool {
    rules.initiating_visits.iter().any(|c| c == hcpcs)
}

pub const EL002: Check = Check {
    code: "EL002",
    name: "no-qualifying-condition",
    severity: Severity::Error,
    what: "(PCM) No chronic condition is active in the month. Principal Care Management needs one \
           high-risk condition expected to last at least 3 months; ccm checks that at least one \
           HCUP-chronic diagnosis (3-character category) is active.",
    why: "PCM pays for managing one serious chronic condition; without one on the problem list \
          the month is unsupported.",
    example: "P0050 has PCM minutes in March 2025 but only J06.9 (acute) on the problem list.",
    source: "CMS PFS CY2020 and CY2022 final rules (PCM); HCUP CCIR v2023.1.",
};
