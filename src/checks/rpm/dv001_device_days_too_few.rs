//! DV001 device-days-too-few: the check's definition (its `ccm explain` text) and its logic.

use super::{device, supplies};
use crate::billing::line_claims;
use crate::checks::scope::{ClaimBeneficiary, Emit};
use crate::domain::{Program, YearMonth};
use chrono::{Days, NaiveDate};

check! {
    DV001, "DV001", "device-days-too-few", Error,
    effect: ClaimLines,
    what: "(claims and readings given) An RPM device line whose 30-day period has fewer days \
           with readings than its code needs: 99454 16 days, 99445 (from 2026) 2 days, 99453 \
           (set-up) 16 days through 2025 and 2 from 2026 (rules/<year>/devices.csv). The \
           period is the 30 days that end on the line's date of service; a day an earlier \
           device-supply line of the beneficiary (any practitioner) already counted is not \
           counted again. Days are distinct calendar days with at least one reading in the \
           readings file, for every patient id of the beneficiary. The amount is the line's \
           payment, at risk. Without a readings file no day can be counted: device lines are \
           then said to be not audited (CD007), never passed as audited.",
    why: "Medicare pays the device supply only for a period with enough days of transmitted \
          data; a 99454 on fewer than 16 days is an overpayment, and RPM billed without the \
          data is a recurring OIG finding.",
    example: "claims.csv line 3: 99454 dated 2025-03-31 for P0001; readings.csv has readings on \
              12 days from 2025-03-02 to 2025-03-31, fewer than 16: $43.02 at risk.",
    source: "CPT 99453, 99454 (not reported for fewer than 16 days of monitoring); CMS PFS CY2021 \
             final rule, 85 FR 84472; CMS PFS CY2026 final rule, 90 FR 49266 (99445, 2-15 days); \
             OIG, Additional Oversight of Remote Patient Monitoring in Medicare Is Needed \
             (OEI-02-23-00260, 2024).",
    fix: "Remove the line (void it if paid and refund within 60 days); from 2026 bill 99445 \
          instead of 99454 when the period has 2 to 15 days of data. If readings are missing \
          from the export, add them to the readings file and run again; if the line is dated at \
          the start of its period, date it on or after the day its days were met.",
}

/// Each audited device line of the beneficiary with too few days of readings in its period.
pub fn check(b: &ClaimBeneficiary, emit: &mut Emit) {
    if b.reading_days.is_none() {
        return;
    }
    // The last device-supply line before the one at hand: its days are not counted again.
    let mut last_supply: Option<NaiveDate> = None;
    for (i, c) in b.lines.iter().enumerate() {
        let Some(rule) = device(b.rules, c) else {
            continue;
        };
        let dos = c.date_of_service;
        let start = dos - Days::new(29);
        let supply = supplies(b.rules, c);
        let from = match last_supply.filter(|_| supply) {
            Some(prev) if prev >= start => prev + Days::new(1),
            _ => start,
        };
        // Lines of one day are one period's: the next day's line is judged after them all.
        if supply && b.lines.get(i + 1).is_none_or(|n| n.date_of_service != dos) {
            last_supply = Some(dos);
        }
        if !(b.audited)(c) {
            continue;
        }
        // Readings after the as-of date have not happened yet (a line dated after it is CD006).
        let days = b.days_between(from.max(start), dos.min(b.as_of));
        if days as u32 >= rule.min_days {
            continue;
        }
        let shared = if from > start {
            format!(
                " (to {} they were counted for the earlier device-supply line)",
                from - Days::new(1)
            )
        } else {
            String::new()
        };
        let mut f = emit
            .finding(
                &DV001,
                format!(
                    "{} dated {dos} needs {} day(s) with readings in its 30-day period ({start} to {dos}); the readings show {days}{shared}",
                    c.hcpcs, rule.min_days
                ),
            )
            .program(Program::Rpm.as_str());
        let (_, amount) = line_claims(b.rules.for_month(YearMonth::of(dos)), c);
        f.amount = Some(amount).filter(|a| !a.is_zero());
        b.cite(emit, f, &[c]);
    }
}
