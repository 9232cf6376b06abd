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
           claim is held; the earlier line is not judged by this check, unless the two are \
           dated the same day (then both are held: row order must not decide which is paid). \
           A device line of more than one unit is held too (one per period or episode). Lines \
           across months \
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

/// Each audited device line that falls in the period or episode of an earlier one, that
/// bills more than one unit, or that ties with another on the day a period or episode
/// starts (ccm cannot tell which came first: row order must not decide who is paid).
pub fn check(b: &ClaimBeneficiary, emit: &mut Emit) {
    // The line each period and episode was first billed on, and whether a tie on its day
    // has been said for it.
    let mut period: Option<(&Claim, bool)> = None;
    let mut episode: Option<(&Claim, bool)> = None;
    for c in b.lines {
        let Some(rule) = device(b.rules, c) else {
            continue;
        };
        let once = match rule.per {
            DevicePer::Period => "one device-supply line per 30-day period",
            DevicePer::Episode => "once per episode of monitoring",
        };
        if c.units > 1 && (b.audited)(c) {
            let msg = format!("{} units of {} on one line: {once}", c.units, c.hcpcs);
            let f = emit.finding(&DV002, msg).program(Program::Rpm.as_str());
            b.cite(emit, f, &[c]);
        }
        let dos = c.date_of_service;
        let slot = match rule.per {
            DevicePer::Period => {
                debug_assert!(supplies(b.rules, c));
                &mut period
            }
            DevicePer::Episode => &mut episode,
        };
        let earlier = match *slot {
            Some((p, _))
                if rule.per == DevicePer::Period && (dos - p.date_of_service).num_days() < 30 =>
            {
                p
            }
            Some((p, _)) if rule.per == DevicePer::Episode && !stopped_between(b, p, c) => p,
            _ => {
                *slot = Some((c, false));
                continue;
            }
        };
        if dos == earlier.date_of_service {
            // A tie: the first line is held too, once.
            if let Some((p, said)) = slot.as_mut()
                && !*said
            {
                *said = true;
                if (b.audited)(p) {
                    tie(b, emit, p, c.hcpcs.as_str(), once);
                }
            }
            if (b.audited)(c) {
                tie(b, emit, c, earlier.hcpcs.as_str(), once);
            }
            continue;
        }
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
                "{} dated {dos} is {} day(s) after the {} of {}{by}: {once}",
                c.hcpcs,
                (dos - earlier.date_of_service).num_days(),
                earlier.hcpcs,
                earlier.date_of_service
            ),
            DevicePer::Episode => format!(
                "{} dated {dos} repeats the set-up of {}{by}{}: {once}",
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

/// A line tied with `other` on the day its period or episode starts.
fn tie(b: &ClaimBeneficiary, emit: &mut Emit, c: &Claim, other: &str, once: &str) {
    let msg = format!(
        "{} dated {} is billed beside {} on the same day for this beneficiary: {once}, and ccm cannot tell which came first, so neither goes out",
        c.hcpcs, c.date_of_service, other
    );
    let f = emit.finding(&DV002, msg).program(Program::Rpm.as_str());
    b.cite(emit, f, &[c]);
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
