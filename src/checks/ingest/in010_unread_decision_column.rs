//! IN010 unread-decision-column: the check's definition (its `ccm explain` text) and its
//! logic.

use crate::checks::scope::RunFacts;
use crate::domain::{Finding, Kind, norm_key};

check! {
    IN010, "IN010", "unread-decision-column", Warning,
    effect: Rows,
    what: "A file has a column that looks as if it decides the answer but feeds no field ccm \
           reads. In a time log: whether an entry counts (its header says status, billable, \
           approved, QA, void, deleted, rejected, cancelled or excluded). In a claims file: a \
           line's units, status or beneficiary (units, days, status, void, reversal, \
           adjustment, transaction, frequency, MBI, Medicare ID). In a consents or \
           enrolments file: when a consent or enrolment ends or whether it stands (revoked, \
           revocation, withdrawn, unenrolled, disenrolled, terminated, end, opt out, status). \
           In a problem list: \
           whether a diagnosis is active (resolved, resolution, inactive, abatement, end, \
           status, error). ccm reads the file without that column; its word is not read.",
    why: "An export whose own status column says an entry was voided, rejected by QA or is not \
          billable would have those minutes counted if the column were ignored: a claim on \
          time the practice itself disowns. A units column under a name ccm does not know \
          reads every line as one unit; a resolved date or a revocation date left unread \
          keeps a condition active or a consent in force. A column ccm cannot read is said, \
          never passed over in silence.",
    example: "timelog.csv: column \"Review Outcome (QA)\" is not read: map it with --map \
              (`status = \"Review Outcome (QA)\"`) so its words decide which entries count. \
              problems.csv: column \"Date Resolved\" is not read: map it to resolved_date.",
    source: "CMS MLN909188 (only documented time furnished counts; two or more chronic \
             conditions; consent before the service); ccm input contract (docs/inputs.md, \
             every column accounted for).",
    fix: "Map the column with --map to the field it holds: a time log's `status` (or \
          `billable`), or `minutes` for the minutes that count (`QA Minutes`); a claims file's \
          `units`, `claim_status` or `mbi`; a consents file's `revoked_date` or `status`; an \
          enrolments file's `end_date` or `status`; a problem list's `resolved_date` or \
          `status`. If the column says nothing of the kind, export without it.",
}

/// The header words that say a column decides, by the kind of file.
fn deciding(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Timelog => &[
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
        ],
        Kind::Claims => &[
            "unit",
            "units",
            "days",
            "status",
            "void",
            "voided",
            "deleted",
            "rejected",
            "cancelled",
            "canceled",
            "excluded",
            "reversal",
            "reversed",
            "adjustment",
            "transaction",
            "frequency",
            "replacement",
            "mbi",
            "medicare",
            "hicn",
        ],
        Kind::Consents | Kind::Enrolments => &[
            "revoked",
            "revocation",
            "withdrawn",
            "withdrawal",
            "unenrolled",
            "disenrolled",
            "disenrollment",
            "terminated",
            "termination",
            "end",
            "ended",
            "opt",
            "optout",
            "status",
            "declined",
            "refused",
            "expired",
            "expiration",
            "deceased",
        ],
        Kind::Diagnoses => &[
            "resolved",
            "resolution",
            "inactive",
            "abatement",
            "end",
            "ended",
            "status",
            "deleted",
            "error",
            "refuted",
        ],
        _ => &[],
    }
}

/// Whether header `h` of a file of `kind` looks as if it decides the answer: one of its
/// words (split at anything that is not a letter or digit) is a deciding word.
pub fn decides(kind: Kind, h: &str) -> bool {
    let words = deciding(kind);
    h.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(norm_key)
        .any(|w| {
            words
                .iter()
                .any(|d| w == *d || w == format!("is{d}") || w == format!("non{d}"))
        })
}

/// What such a column of a file of `kind` would decide, and where to map it.
fn what_it_decides(kind: Kind) -> &'static str {
    match kind {
        Kind::Claims => {
            "decides a line's units, status or beneficiary, but no field reads it: every line was read without it (units 1 when no units column is read); map it with --map to `units`, `claim_status` or `mbi`"
        }
        Kind::Consents => {
            "decides when a consent ends or whether it stands, but no field reads it: every consent was read without it; map it with --map to `revoked_date` or `status`"
        }
        Kind::Enrolments => {
            "decides when an enrolment ends or whether it stands, but no field reads it: every enrolment was read without it; map it with --map to `end_date` or `status`"
        }
        Kind::Diagnoses => {
            "decides whether a diagnosis is active, but no field reads it: every diagnosis was read without it; map it with --map to `resolved_date` or `status`"
        }
        _ => {
            "decides whether an entry counts, but no field reads it: every valid entry was counted; map it to `status` or `billable` with --map (or, if it holds the minutes that count, to `minutes`)"
        }
    }
}

/// One finding per file with such a column.
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
                    "column {} looks as if it {}",
                    cols.join(", "),
                    what_it_decides(f.kind)
                ),
            )
            .at_lines(i as u16, vec![f.read.header_line]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::decides;
    use crate::domain::Kind;

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
            assert!(decides(Kind::Timelog, h), "{h}");
        }
        for h in [
            "Patient ID",
            "Quantity",
            "Qualifier",
            "Notes",
            "Statute",
            "Approach",
        ] {
            assert!(!decides(Kind::Timelog, h), "{h}");
        }
    }

    #[test]
    fn each_kind_names_the_columns_that_decide_its_answer() {
        for (kind, h) in [
            (Kind::Claims, "Unit"),
            (Kind::Claims, "Days or Units"),
            (Kind::Claims, "Billed Units"),
            (Kind::Claims, "Patient MBI"),
            (Kind::Claims, "MBI #"),
            (Kind::Claims, "Void"),
            (Kind::Claims, "Claim Frequency Code"),
            (Kind::Claims, "Transaction Type"),
            (Kind::Consents, "Date Revoked"),
            (Kind::Consents, "Opt Out Date"),
            (Kind::Enrolments, "Disenrolled On"),
            (Kind::Diagnoses, "Date Resolved"),
            (Kind::Diagnoses, "Abatement"),
        ] {
            assert!(decides(kind, h), "{kind:?} {h}");
        }
        for (kind, h) in [
            (Kind::Claims, "Charge"),
            (Kind::Claims, "Paid Amount"),
            (Kind::Claims, "Modifier 1"),
            (Kind::Consents, "Consent Method"),
            (Kind::Diagnoses, "Description"),
            (Kind::Careplans, "Status"),
        ] {
            assert!(!decides(kind, h), "{kind:?} {h}");
        }
    }
}
