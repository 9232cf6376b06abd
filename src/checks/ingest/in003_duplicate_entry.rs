//! IN003 duplicate-entry: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::Finding;

check! {
    IN003, "IN003", "duplicate-entry", Warning,
    effect: Rows,
    what: "A time-log row that repeats an earlier one: the same patient, date, times, \
           minutes, staff, role, program, NPI, activity and note once read (ids, activity and \
           note trimmed; role by its class, so `RN`, `Registered Nurse` and a blank role \
           the staff roster fills are one role; dates and times in any accepted form). The \
           first copy counts; each repeat is excluded. When the run's time logs \
           differ in the columns that tell entries apart (one export has start and end times, \
           an activity or a note that another lacks), a row that repeats a row of another log \
           in every field both carry is a repeat too (each row repeats at most one row of \
           each other log). A row that repeats a row another time log marks as not counting \
           (IN009: `Voided`, billable `N`) is left out as that entry is: the export that \
           voids it says the entry does not count.",
    why: "Exports re-run or merged by hand repeat rows; counting them twice inflates minutes \
          and can lift a month over a threshold the real work never reached.",
    example: "timelog.csv lines 31 and 57 are the same 20-minute RN call; line 57 is excluded.",
    source: "CMS MLN909188 (only time actually spent counts); OIG A-07-17-05101.",
    fix: "Delete the repeated row in the source system, or stop merging the same export twice, \
          and export again; if it was really a second contact, record it with its own start and \
          end times and a note saying what was done.",
}

/// The finding for a row that repeats a row of another time log (`file`, `line`) in every
/// field both logs carry, when the run's logs differ in the columns that tell entries apart
/// (a detail export with times beside a summary without them).
pub fn across_logs(file: &str, line: u64) -> Finding {
    Finding::new(
        &IN003,
        format!(
            "this row repeats {}:{line} in every field both time logs carry (their columns differ: one lacks times, activity or note the other has); it is counted once",
            crate::domain::printable(file, 200)
        ),
    )
}

/// The finding for a row that repeats a row another time log marks as not counting
/// (`file`, `line`: IN009, a status such as `Voided`): the entry does not count.
pub fn voided_copy(file: &str, line: u64) -> Finding {
    Finding::new(
        &IN003,
        format!(
            "this row repeats {}:{line}, which that time log marks as not counting (IN009: voided or not billable); it is left out as that entry is",
            crate::domain::printable(file, 200)
        ),
    )
}

/// The finding for a row that repeats the one at `first_line` (the engine finds repeats
/// among a staff member's rows of a day: same fingerprint, same clock times).
pub fn finding(first_line: u64) -> Finding {
    Finding::new(
        &IN003,
        format!(
            "this row repeats line {first_line} (same patient, staff, day, times, minutes, role, program, NPI, activity and note); it is counted once"
        ),
    )
}
