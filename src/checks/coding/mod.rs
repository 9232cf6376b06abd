//! CD-series: claim lines that break the code rules whatever the evidence (verify mode).
//! Pairings, caps and families come from rules/<year>/codes.csv.

#[path = "cd001_addon_without_base.rs"]
pub mod cd001;
#[path = "cd002_addon_wrong_base.rs"]
pub mod cd002;
#[path = "cd003_units_over_limit.rs"]
pub mod cd003;
#[path = "cd004_conflicting_ccm_codes.rs"]
pub mod cd004;
#[path = "cd005_duplicate_claim.rs"]
pub mod cd005;
#[path = "cd006_date_of_service_invalid.rs"]
pub mod cd006;

pub use cd001::CD001;
pub use cd002::CD002;
pub use cd003::CD003;
pub use cd004::CD004;
pub use cd005::CD005;
pub use cd006::CD006;

use super::Finding;
use crate::domain::Claim;
use crate::rules::YearRules;
use chrono::NaiveDate;

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
