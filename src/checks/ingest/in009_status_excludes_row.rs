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
           minutes; a claim line (verify mode) whose claim_status says the payer denied it, a \
           clearinghouse rejected it or the practice voided it (Denied, Rejected, Void, \
           Cancelled) is left out of the claims audited. The words are data in \
           rules/statuses.csv. The row is excluded and counted as such in the reconciliation.",
    why: "A problem entered in error or ruled out is not a condition the patient has: counting \
          it towards the two chronic conditions CCM needs would bill on a diagnosis the chart \
          withdrew. A voided or rejected time entry is time the practice's own review says was \
          not furnished or not documented: counting it bills minutes the record disowns. A \
          denied, rejected or voided claim line was not paid (or its payment was withdrawn): \
          it is no money at risk, and the corrected line sent after it is not a duplicate of \
          it. Its month's minutes are still audited: if they support a line no claim that \
          stands carries, RV001 says what the practice can still claim.",
    example: "Problem List.csv line 7: E11.9 with status \"Entered in Error\" is not a diagnosis. \
              timelog.csv line 3: status \"Voided\": the entry's 20 minutes do not count. \
              claims.csv line 4: 99490 with claim_status \"Denied\", sent again on line 9 \
              and paid: line 9 is audited alone.",
    source: "HL7 FHIR ValueSet condition-ver-status (entered-in-error, refuted); CMS MLN909188 \
             (two or more chronic conditions; time documented in the record); X12 837 claim \
             frequency code 8 (void/cancel of a prior claim); 42 CFR 401.305 (an overpayment \
             is an amount paid).",
    fix: "Nothing needs fixing if the problem or the entry was withdrawn. If the patient does \
          have the condition, enter it again as active on the problem list; if the time was \
          furnished and documented, correct the entry's status in the platform; then export \
          again. A denied claim line needs no fix in ccm: correct and resubmit it (or appeal) \
          if the month's record supports it.",
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

/// An IN009 finding for a claim line whose `claim_status` word says it was denied, rejected
/// or voided (the caller adds patient, file and line).
pub fn claim_line(word: &str) -> Finding {
    Finding::new(
        &IN009,
        format!(
            "claims line excluded: claim_status {:?} says the line was denied, rejected or voided; it was not paid, so it is neither money at risk nor a duplicate of a line sent after it",
            crate::domain::printable(word, 40)
        ),
    )
}
