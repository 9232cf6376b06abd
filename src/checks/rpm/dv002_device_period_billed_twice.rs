//! DV002 device-period-billed-twice: the check's definition (its `ccm explain` text) and
//! its logic.

use super::{device, supplies};
use crate::checks::scope::{ClaimBeneficiary, Emit};
use crate::domain::{Claim, Program};
use crate::rules::DevicePer;

check! {
    DV002, "DV002", "device-period-billed-twice", Error,
    what: "(claims given) An RPM device line billed again inside the beneficiary's 30-day \
           period or episode: a device-supply line (99454, or 99445 from 2026) dated less than \
           30 days after the beneficiary's previous one, whichever practitioner bills either \
           (one practitioner, one line per 30 days; 99445 and 99454 never for one period); or \
           a second set-up line (99453) in one episode of monitoring. A new episode needs the \
           readings file to show monitoring stopped between the two: 30 days or more without \
           a reading; without a readings file no new episode can be seen. The later line's \
           claim is held; the earlier line is not judged by this check. Lines across months \
           and across claims files' patient ids of one beneficiary (`mbi`) are compared.",
    why: "Medicare pays device supply once per 30 days and set-up once per episode, to one \
          practitioner; the second claim is denied or recouped.",
    example: "claims.csv line 3: 99454 dated 2025-03-20 for P0001, 20 days after the 99454 of \
              2025-02-28 (line 2) by another practitioner: one device-supply line per 30 days.",
    source: "CMS PFS CY2021 final rule, 85 FR 84472 (99453 and 99454 billed by one practitioner, \
             once per 30 days; 99453 once per episode of care); CMS PFS CY2026 final rule, 90 FR \
             49266 (99445 not with 99454).",
    fix: "Remove the later line (void it if paid); bill the next device-supply line 30 days or \
          more after the last, by the practitioner who manages the monitoring. For a new \
          episode of set-up, add the readings that show monitoring stopped and restarted.",
}

/// Each audited device line that falls in the period or episode of an earlier one.
pub fn check(b: &ClaimBeneficiary, emit: &mut Emit) {
    // The lines each period or episode was first billed on.
    let mut period: Option<&Claim> = None;
    let mut episode: Option<&Claim> = None;
    for c in b.lines {
        let Some(rule) = device(b.rules, c) else {
            continue;
        };
        let dos = c.date_of_service;
        let earlier = match rule.per {
            DevicePer::Period => {
                debug_assert!(supplies(b.rules, c));
                match period {
                    Some(p) if (dos - p.date_of_service).num_days() < 30 => p,
                    _ => {
                        period = Some(c);
                        continue;
                    }
                }
            }
            DevicePer::Episode => match episode {
                Some(p) if !stopped_between(b, p, c) => p,
                _ => {
                    episode = Some(c);
                    continue;
                }
            },
        };
        if !(b.audited)(c) {
            continue;
        }
        let by = if earlier.npi == c.npi {
            String::new()
        } else {
            " by another practitioner".to_string()
        };
        let msg = match rule.per {
            DevicePer::Period => format!(
                "{} dated {dos} is {} day(s) after the {} of {}{by}: one device-supply line per 30-day period",
                c.hcpcs,
                (dos - earlier.date_of_service).num_days(),
                earlier.hcpcs,
                earlier.date_of_service
            ),
            DevicePer::Episode => format!(
                "{} dated {dos} repeats the set-up of {}{by}{}: once per episode of monitoring",
                c.hcpcs,
                earlier.date_of_service,
                if b.reading_days.is_some() {
                    ", and the readings never stop for 30 days in between"
                } else {
                    " (no readings file shows monitoring stopped in between)"
                }
            ),
        };
        let f = emit.finding(&DV002, msg).program(Program::Rpm.as_str());
        b.cite(emit, f, &[c]);
    }
}

/// Whether the readings show monitoring stopped between two set-up lines: 30 days or more
/// with no reading after the first and before the second's period.
fn stopped_between(b: &ClaimBeneficiary, first: &Claim, second: &Claim) -> bool {
    let Some(days) = b.reading_days else {
        return false;
    };
    let (from, to) = (first.date_of_service, second.date_of_service);
    let mut prev = from;
    for &d in days.iter().filter(|d| **d > from && **d <= to) {
        if (d - prev).num_days() > 30 {
            return true;
        }
        prev = d;
    }
    (to - prev).num_days() > 30
}
