//! IN009 status-excludes-row: the check's definition (its `ccm explain` text) and its logic.

use super::Finding;
use crate::domain::Kind;

check! {
    IN009, "IN009", "status-excludes-row", Info,
    effect: Rows,
    what: "A row whose own status says it does not count. A problem-list row whose status says \
           it is not a diagnosis at all (Deleted, Entered in Error, Refuted) is left out of the \
           patient's conditions; a time-log entry whose status or billable column says it does \
           not count (Voided, QA Rejected, Draft, Billable = No) is left out of the month's \
           minutes. The words are data in rules/statuses.csv. The row is excluded and counted \
           as such in the reconciliation.",
    why: "A problem entered in error or ruled out is not a condition the patient has: counting \
          it towards the two chronic conditions CCM needs would bill on a diagnosis the chart \
          withdrew. A voided or rejected time entry is time the practice's own review says was \
          not furnished or not documented: counting it bills minutes the record disowns.",
    example: "Problem List.csv line 7: E11.9 with status \"Entered in Error\" is not a diagnosis. \
              timelog.csv line 3: status \"Voided\": the entry's 20 minutes do not count.",
    source: "HL7 FHIR ValueSet condition-ver-status (entered-in-error, refuted); CMS MLN909188 \
             (two or more chronic conditions; time documented in the record).",
    fix: "Nothing needs fixing if the problem or the entry was withdrawn. If the patient does \
          have the condition, enter it again as active on the problem list; if the time was \
          furnished and documented, correct the entry's status in the platform; then export \
          again.",
}

/// An IN009 finding for a row of `kind` whose status word `word` excludes it (the caller
/// adds patient, file and line).
pub fn finding(kind: Kind, word: &str, what: &str) -> Finding {
    Finding::new(
        &IN009,
        format!(
            "{} row excluded: status {word:?} says the entry is not a diagnosis ({what})",
            kind.as_str()
        ),
    )
}

/// An IN009 finding for a time-log entry whose `col` (status or billable) word `word` says
/// it does not count (the caller adds patient, file and line).
pub fn time_entry(col: &str, word: &str) -> Finding {
    Finding::new(
        &IN009,
        format!(
            "timelog row excluded: {col} {:?} says the entry does not count; its minutes are left out",
            crate::domain::printable(word, 40)
        ),
    )
}
