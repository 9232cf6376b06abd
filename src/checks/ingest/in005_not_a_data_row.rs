//! IN005 not-a-data-row: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::{Finding, Kind};

check! {
    IN005, "IN005", "not-a-data-row", Info,
    what: "A record that is not a data row: a totals or footer row that a report writes below \
           its data (its first filled cell is a word like `Total`, `Grand Total`, `Subtotal`, \
           `Count` or `Report total`, and its patient cell holds no id), or a row whose cells \
           are all empty (`,,,,`, as Excel writes an empty row). The row is left out and \
           counted under IN005 in the reconciliation. A line with no delimiter at all is not a \
           record and is skipped silently.",
    why: "Reading a totals row as a patient's time would add the month's sum to someone's \
          minutes, or fail as a malformed row and hide the real problems; a blank row is \
          nothing. Naming each such row keeps the reconciliation whole: rows read = rows \
          counted + rows excluded.",
    example: "timelog.csv line 42: `Grand Total,,,,,,,340` is a totals row, not a data row.",
    source: "ccm input contract (spec inputs.md); how EHR and care-management reports write \
             their footers.",
    fix: "Nothing needs fixing for a totals, footer or blank row; export the report without its \
          totals row to silence the finding. If a patient's row was taken for one, fill in its \
          patient id and export again.",
}

/// The words that open a totals or footer row, lower case. A cell is such a word when it
/// starts with one and the next character (if any) is neither a letter nor a digit
/// (`Total:`, `Grand Total (12 patients)`), case aside. Add a report's spelling here.
pub const FOOTER_WORDS: &[&str] = &[
    "total",
    "totals",
    "grand total",
    "subtotal",
    "sub-total",
    "sub total",
    "count",
    "report total",
    "sum",
];

/// What a record that is not a data row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotData {
    /// One field of spaces or nothing: a blank line, not a record (skipped silently).
    BlankLine,
    /// Two fields or more, all blank.
    BlankRow,
    /// A totals or footer row; its first filled cell is the one given (by position).
    Footer(usize),
}

/// Whether a record whose first field starts with byte `b` may be one that
/// [`not_a_data_row`] turns away: the cheap test every record passes through first.
#[inline]
pub fn may_start(b: Option<&u8>) -> bool {
    match b {
        None => true,
        Some(b) => {
            b.is_ascii_whitespace()
                || matches!(b.to_ascii_lowercase(), b't' | b'g' | b's' | b'c' | b'r')
        }
    }
}

/// What the record of `cells` is when it is not a data row; `patient` is the position of
/// its patient-id cell, when the file has one.
pub fn not_a_data_row<'a>(
    cells: impl ExactSizeIterator<Item = &'a [u8]> + Clone,
    patient: Option<usize>,
) -> Option<NotData> {
    let n = cells.len();
    let blank = |c: &[u8]| c.iter().all(u8::is_ascii_whitespace);
    let Some((at, first)) = cells.clone().enumerate().find(|(_, c)| !blank(c)) else {
        return Some(if n <= 1 {
            NotData::BlankLine
        } else {
            NotData::BlankRow
        });
    };
    if !is_footer_word(first) {
        return None;
    }
    let no_id = match patient.and_then(|p| cells.clone().nth(p)) {
        None => true,
        Some(id) => blank(id) || is_footer_word(id),
    };
    no_id.then_some(NotData::Footer(at))
}

/// Whether a cell opens with one of [`FOOTER_WORDS`].
fn is_footer_word(cell: &[u8]) -> bool {
    let cell = cell.trim_ascii();
    FOOTER_WORDS.iter().any(|w| {
        cell.len() >= w.len()
            && cell[..w.len()].eq_ignore_ascii_case(w.as_bytes())
            && cell.get(w.len()).is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// The finding for a record of `kind` that is not a data row; `cell` is the footer word's
/// cell as shown (quoted, cut short) for a footer (the caller adds file and line).
pub fn finding(kind: Kind, what: NotData, cell: &str) -> Finding {
    let msg = match what {
        NotData::Footer(_) => format!(
            "{} row {cell} is a totals or footer row, not a data row; it is left out",
            kind.as_str()
        ),
        _ => format!(
            "{} row is blank (every cell empty); it is left out",
            kind.as_str()
        ),
    };
    Finding::new(&IN005, msg)
}

#[cfg(test)]
mod tests {
    use super::{NotData, may_start, not_a_data_row};

    fn what(cells: &[&str], patient: Option<usize>) -> Option<NotData> {
        let c: Vec<&[u8]> = cells.iter().map(|c| c.as_bytes()).collect();
        let got = not_a_data_row(c.iter().copied(), patient);
        // The cheap first test never turns away a record the full one would catch.
        if got.is_some() {
            assert!(may_start(c.first().and_then(|f| f.first())), "{cells:?}");
        }
        got
    }

    #[test]
    fn totals_and_blank_rows_are_told_from_data_rows() {
        assert_eq!(what(&["P1", "2025-03-04", "20"], Some(0)), None);
        assert_eq!(
            what(&["Grand Total", "", "340"], Some(0)),
            Some(NotData::Footer(0))
        );
        assert_eq!(
            what(&["TOTALS:", "", "340"], Some(0)),
            Some(NotData::Footer(0))
        );
        assert_eq!(
            what(&["", "Total", "340"], Some(0)),
            Some(NotData::Footer(1))
        );
        assert_eq!(
            what(&["  ", " Report total (3 patients)", ""], Some(0)),
            Some(NotData::Footer(1))
        );
        assert_eq!(
            what(&["Count", "12", ""], Some(2)),
            Some(NotData::Footer(0))
        );
        assert_eq!(what(&["Subtotal", "x"], None), Some(NotData::Footer(0)));
        // A word that only begins like one is data.
        assert_eq!(what(&["Totally", "", ""], Some(0)), None);
        assert_eq!(what(&["Counts2", "", ""], Some(0)), None);
        // A patient cell holding an id makes it a data row, whatever comes first.
        assert_eq!(what(&["Total Care Clinic", "P1", "20"], Some(1)), None);
        // Blank.
        assert_eq!(what(&["", " ", ""], Some(0)), Some(NotData::BlankRow));
        assert_eq!(what(&["  "], Some(0)), Some(NotData::BlankLine));
        assert_eq!(what(&[], Some(0)), Some(NotData::BlankLine));
    }
}
