//! IN006 open-timer: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::Finding;

check! {
    IN006, "IN006", "open-timer", Warning,
    effect: Rows,
    what: "A time-log row with no duration (empty or 0) and no start and end times: a timer \
           started and never stopped, or an entry never completed. The row is excluded.",
    why: "Without a duration or an interval there is no time to count, and ccm never guesses \
          one; but the work may have happened: if it did, the entry must be completed \
          before the month is billed, or the minutes are lost.",
    example: "A row `P0001,2025-03-12,,,,S04,RN,CCM,...` (timer still running in the export): \
              excluded as an open timer; the month counts the other rows only.",
    source: "CMS MLN909188 (time is counted from documented minutes).",
    fix: "Complete the entry in the care-management platform (stop the timer, or enter the \
          minutes or the start and end times actually spent) and export again; if no work was \
          done, delete the entry.",
}

/// The finding for an open timer (the caller adds patient, file and line).
pub fn finding(duration: &str) -> Finding {
    let what = if duration.is_empty() {
        "no duration"
    } else {
        "a duration of 0"
    };
    Finding::new(
        &IN006,
        format!(
            "timelog row excluded: {what} and no start/end times (an open timer or an unfinished entry); complete the entry in the source system if the work was done"
        ),
    )
}
