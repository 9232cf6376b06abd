//! IN010 unread-decision-column: the check's definition (its `ccm explain` text) and its
//! logic.

use crate::checks::scope::RunFacts;
use crate::domain::{Finding, norm_key};

check! {
    IN010, "IN010", "unread-decision-column", Warning,
    effect: Rows,
    what: "A time log has a column that looks as if it decides whether an entry counts (its \
           header says status, billable, approved, QA, void, deleted, rejected, cancelled or \
           excluded) but that feeds no field ccm reads. ccm counts every entry the other \
           columns make valid; this column's word on the entry is not read.",
    why: "An export whose own status column says an entry was voided, rejected by QA or is not \
          billable would have those minutes counted if the column were ignored: a claim on \
          time the practice itself disowns. A column ccm cannot read is said, never passed \
          over in silence.",
    example: "timelog.csv: column \"Review Outcome (QA)\" is not read: map it with --map \
              (`status = \"Review Outcome (QA)\"`) so its words decide which entries count.",
    source: "CMS MLN909188 (only documented time furnished counts); ccm input contract \
             (docs/inputs.md, every column accounted for).",
    fix: "Map the column to the time log's `status` (or `billable`) field with --map, so \
          rules/statuses.csv (kind time) decides which entries count; if it holds the minutes \
          that count rather than a word (`QA Minutes`), map it to `minutes`; or, if the column \
          says nothing about whether an entry counts, export without it.",
}

/// The header words that say a column decides whether an entry counts.
const DECIDING: &[&str] = &[
    "status",
    "billable",
    "approved",
    "approval",
    "qa",
    "void",
    "deleted",
    "rejected",
    "cancelled",
    "canceled",
    "excluded",
    "exclude",
];

/// Whether header `h` looks as if it decides whether an entry counts: one of its words
/// (split at anything that is not a letter or digit) is a deciding word.
pub fn decides(h: &str) -> bool {
    h.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(norm_key)
        .any(|w| {
            DECIDING
                .iter()
                .any(|d| w == *d || w == format!("is{d}") || w == format!("non{d}"))
        })
}

/// One finding per time log with such a column.
pub fn run(run: &RunFacts, out: &mut Vec<Finding>) {
    for (i, f) in run.ds.files.iter().enumerate() {
        if f.read.unread_decision_columns.is_empty() {
            continue;
        }
        let cols: Vec<String> = f
            .read
            .unread_decision_columns
            .iter()
            .map(|c| format!("{c:?}"))
            .collect();
        out.push(
            Finding::new(
                &IN010,
                format!(
                    "column {} looks as if it decides whether an entry counts, but no field reads it: every valid entry was counted; map it to `status` or `billable` with --map (or, if it holds the minutes that count, to `minutes`)",
                    cols.join(", ")
                ),
            )
            .at_lines(i as u16, vec![f.read.header_line]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::decides;

    #[test]
    fn deciding_headers_are_told_from_others() {
        for h in [
            "QA Status",
            "Billable?",
            "Is Billable",
            "Approved",
            "Void",
            "Deleted Flag",
            "Review Outcome (QA)",
            "Non-Billable",
        ] {
            assert!(decides(h), "{h}");
        }
        for h in [
            "Patient ID",
            "Quantity",
            "Qualifier",
            "Notes",
            "Statute",
            "Approach",
        ] {
            assert!(!decides(h), "{h}");
        }
    }
}
