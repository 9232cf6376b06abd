//! IN009 status-excludes-row: the check's definition (its `ccm explain` text) and its logic.

use super::Finding;
use crate::domain::Kind;

check! {
    IN009, "IN009", "status-excludes-row", Info,
    what: "A problem-list row whose status says it is not a diagnosis at all (Deleted, Entered in \
           Error, Refuted; the words are data in rules/statuses.csv) is left out of the \
           patient's conditions. The row is excluded and counted as such in the reconciliation.",
    why: "A problem entered in error or ruled out is not a condition the patient has: counting \
          it towards the two chronic conditions CCM needs would bill on a diagnosis the chart \
          withdrew.",
    example: "Problem List.csv line 7: E11.9 with status \"Entered in Error\" is not a diagnosis.",
    source: "HL7 FHIR ValueSet condition-ver-status (entered-in-error, refuted); CMS MLN909188 \
             (two or more chronic conditions).",
    fix: "Nothing needs fixing if the problem was withdrawn. If the patient does have the \
          condition, enter it again as active on the problem list and export the diagnoses again.",
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
