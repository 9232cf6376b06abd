//! CD009 filing-deadline-passed: the check's definition (its `ccm explain` text) and its logic.

use crate::billing::{MonthWindow, filing_deadline};
use crate::checks::Finding;
use crate::checks::scope::{ClaimGroup, Decision, Emit, PatientMonth, RunFacts};
use crate::domain::YearMonth;

check! {
    CD009, "CD009", "filing-deadline-passed", Error,
    what: "A line whose filing deadline (12 months after its date of service) has passed on the \
           as-of date. Without claims, the month's supported lines are held (status blocked) \
           instead of proposed, with one finding for a month whose every line is past its \
           deadline (each held patient-month names it). With claims, a line is judged by its `submitted_date` when the \
           claims file has one: a line submitted on or before its deadline is audited for support \
           only; one submitted after it, or not yet submitted and past it, is held. A line whose \
           `claim_status` says it was sent (Submitted, Paid, Accepted ...: rules/statuses.csv, kind \
           claim) but that has no date is audited for support only, as the file says it was \
           filed and ccm cannot tell when. The message gives the deadline.",
    why: "Medicare denies a claim filed more than one calendar year after the date of service; a \
          late line is not a clean claim to send, and a line paid although filed late is an \
          overpayment.",
    example: "99490 for P0001, date of service 2025-03-31, audited on 2026-04-01: the \
              deadline was 2026-03-31.",
    source: "42 CFR 424.44(a)(1); Medicare Claims Processing Manual (Pub. 100-04), chapter 1, \
             section 70 (time limits for filing Part B claims).",
    fix: "Do not send the line; write the month off unless one of the exceptions in 42 CFR \
          424.44(b) applies (administrative error, retroactive entitlement), and document which. \
          If the line was in fact filed in time, give the claims file a `submitted_date` column \
          and run again.",
}

/// Derive mode: whether every line dated in `month` is past its deadline on the as-of date
/// (its last day, the latest date of service, is): then one finding for the whole month
/// holds every patient-month of it, not one per patient-month.
fn month_late(run: &RunFacts, month: YearMonth) -> bool {
    MonthWindow::new(month, run.cfg.as_of).held_as_late(month.last_day(), run.ds.claims.is_some())
}

/// Derive mode, once per month audited whose every line is past its filing deadline.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    for &month in run.months.iter().filter(|m| month_late(run, **m)) {
        out.push(
            Finding::new(
                &CD009,
                format!(
                    "no line dated in {month} can be filed any more: the filing deadline of its last day was {}, before the as-of date {}; the month's supported lines are held, not proposed",
                    filing_deadline(month.last_day()),
                    run.cfg.as_of
                ),
            )
            .month(month),
        );
    }
}

/// Derive mode: a patient-month whose lines are past their deadline in a month that is not
/// past it whole (a date of service at the threshold, early in the month).
pub fn check(pm: &PatientMonth, d: &Decision, emit: &mut Emit) {
    if !d.late || month_late(pm.run, pm.month) {
        return;
    }
    let msg = format!(
        "the lines the minutes support for {} can no longer be filed: their date of service is earlier than the month's end, and its deadline has passed on the as-of date {}",
        pm.month, pm.run.cfg.as_of
    );
    emit.push(emit.finding(&CD009, msg));
}

/// Verify mode: a claim line past its deadline that was not submitted in time.
pub fn claims(g: &ClaimGroup, emit: &mut Emit) {
    for c in g.lines {
        let deadline = filing_deadline(c.date_of_service);
        let msg = match c.submitted {
            Some(on) if on > deadline => format!(
                "{} dated {} was submitted on {on}, after its filing deadline {deadline}",
                c.hcpcs, c.date_of_service
            ),
            Some(_) => continue,
            // Sent, the claims file says, but not when: audited for support, not filing.
            None if c.sent_undated => continue,
            None if g.as_of > deadline => format!(
                "{} dated {} has not been submitted and its filing deadline {deadline} has passed (as of {})",
                c.hcpcs, c.date_of_service, g.as_of
            ),
            None => continue,
        };
        g.cite(emit, &CD009, msg, vec![(c.file, c.line)]);
    }
}
