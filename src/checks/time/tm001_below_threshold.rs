//! TM001 below-threshold: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::scope::{Decision, Emit, PatientMonth};
use crate::rules::TimeKind;

check! {
    TM001, "TM001", "below-threshold", Info,
    what: "The month's countable minutes of the program (CCM or PCM) do not reach any base \
           code's threshold (99490: 20 clinical-staff minutes; 99491: 30 minutes by the \
           practitioner; PCM 99426 and 99424: 30), so there is nothing \
           to bill. Thresholds are full: 19 minutes is not 20, and minutes do not carry over to \
           the next month. In an open month (the as-of date falls inside it) the message says \
           how many minutes are still needed and how many days are left. Not said when an \
           error holds the month: it is blocked then, and more minutes would not make it \
           billable.",
    why: "Billing a time-based code below its threshold is billing for a service not \
          furnished; a mid-month biller wants the list of patients still short.",
    example: "P0026 has 19 countable minutes in 2025-03: 1 more needed for 99490.",
    source: "CPT time rules as adopted by CMS (no midpoint rounding for CCM); CMS MLN909188.",
    fix: "Leave the month unbilled; if work was done but not logged, add the entries with their \
          real times and notes and export again. In an open month, schedule the care the patient \
          needs before month end (the message says how many minutes and days remain).",
}

/// A month whose minutes reach no family: how many more the first one needs (and, in an
/// open month, the days left).
pub fn check(pm: &PatientMonth, d: &Decision, emit: &mut Emit) {
    // Not when an error holds the month: more minutes would not make it billable.
    if d.billable || d.has_error {
        return;
    }
    let program = pm.program.as_str();
    let secs = pm.minutes.total;
    let total = secs.whole_minutes();
    let month = pm.month;
    let staff_base = pm
        .year
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && c.time == TimeKind::Staff)
        .min_by_key(|c| c.threshold);
    let (code, thr) = staff_base
        .map(|c| (c.hcpcs.as_str(), c.threshold))
        .unwrap_or(("99490", 20));
    let needed = thr.saturating_sub(total);
    // Seconds short of a whole minute are said, so 19 min 50 s is not read as a rounding slip.
    let exact = if secs.0.is_multiple_of(60) {
        String::new()
    } else {
        format!(" ({})", secs.show())
    };
    let mut msg = format!(
        "{total} countable {program} minute(s){exact} in {month}: {needed} more needed for {code} ({thr} minutes)"
    );
    if d.window.in_progress() {
        let left = d.window.days_left();
        msg.push_str(&format!("; {left} day(s) left in the month"));
    } else {
        msg.push_str("; nothing to bill (minutes do not carry over)");
    }
    emit.push(emit.finding(&TM001, msg).minutes(total));
}
