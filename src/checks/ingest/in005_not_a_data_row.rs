//! IN005 not-a-data-row: the check's definition (its `ccm explain` text) and its logic.

use crate::domain::{Finding, Kind};

check! {
    IN005, "IN005", "not-a-data-row", Info,
    effect: Rows,
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
    /// A totals, subtotal or page footer row; the cell that says so is the one given (by
    /// position).
    Footer(usize),
    /// The file's header again, below the data (a report that repeats it on every page,
    /// or two exports joined one after the other).
    RepeatedHeader,
}

/// Where a kind's cells stand in a file, to tell a data row from one that is not: the
/// patient id's position, the required columns' positions, and the header's cells (trimmed,
/// lower case).
#[derive(Clone, Debug, Default)]
pub struct RowShape {
    pub patient: Option<usize>,
    pub required: Vec<usize>,
    pub header: Vec<Vec<u8>>,
}

impl RowShape {
    /// The shape of a file whose header cells are `header`.
    pub fn new(patient: Option<usize>, required: Vec<usize>, header: &[String]) -> RowShape {
        RowShape {
            patient,
            required,
            header: header
                .iter()
                .map(|h| h.trim().to_ascii_lowercase().into_bytes())
                .collect(),
        }
    }
}

/// What the record of `cells` is when it is not a data row.
///
/// - every cell blank: a blank line (one field) or a blank row;
/// - every cell the header's own (case and spaces aside): the header repeated;
/// - a footer: the patient cell is a totals cell (`Total`, `CS10021 Total`, `Page 2 of 3`),
///   or a required cell is blank and a cell says totals. A totals cell is the first filled
///   cell opening with a footer word (`Grand Total (12 patients)`) or ending with one after
///   an id or a name (`CS10021 Total`, `Reyes, Kim - Subtotal`), a cell that is a footer word
///   alone (`Total:` beside the patient's id, as a per-patient subtotal writes it), or a
///   page footer (`Page 2`, `Page 2 of 3`).
///
/// A row whose required cells are all filled and whose patient cell holds an id is data,
/// whatever its other cells say (a note that reads `Total time 20 min`).
pub fn not_a_data_row<'a>(
    cells: impl ExactSizeIterator<Item = &'a [u8]> + Clone,
    shape: &RowShape,
) -> Option<NotData> {
    // Excel's text mark (a leading apostrophe) is no part of what a cell says: a repeated
    // header or a page footer marked as text is still one (as an id marked so is the id).
    let cells = cells.map(|c: &'a [u8]| c.strip_prefix(b"'").unwrap_or(c));
    let n = cells.len();
    let blank = |c: &[u8]| c.iter().all(u8::is_ascii_whitespace);
    let Some((at, first)) = cells.clone().enumerate().find(|(_, c)| !blank(c)) else {
        return Some(if n <= 1 {
            NotData::BlankLine
        } else {
            NotData::BlankRow
        });
    };
    if n == shape.header.len()
        && n > 1
        && cells
            .clone()
            .zip(&shape.header)
            .all(|(c, h)| c.trim_ascii().eq_ignore_ascii_case(h))
    {
        return Some(NotData::RepeatedHeader);
    }
    let patient_cell = shape.patient.and_then(|p| cells.clone().nth(p));
    let patient_says = patient_cell.is_some_and(|c| may_say_totals(c) && is_totals_cell(c, true));
    let required_blank = patient_cell.is_none_or(blank)
        || shape
            .required
            .iter()
            .any(|&i| cells.clone().nth(i).is_none_or(blank));
    if !patient_says && !required_blank {
        return None;
    }
    if is_totals_cell(first, true) {
        return Some(NotData::Footer(at));
    }
    cells
        .enumerate()
        .find(|(_, c)| is_totals_cell(c, false))
        .map(|(i, _)| NotData::Footer(i))
}

/// The cheap test every record passes first, with O(1) access to its cells: a record whose
/// first cell is filled and is not the header's, whose patient cell cannot say totals, and
/// whose required cells are all filled is a data row ([`not_a_data_row`] would say `None`).
#[inline]
pub fn surely_data<'a>(cell: impl Fn(usize) -> Option<&'a [u8]>, shape: &RowShape) -> bool {
    let filled = |c: Option<&[u8]>| c.is_some_and(|c| !c.iter().all(u8::is_ascii_whitespace));
    let first = cell(0);
    if !filled(first) {
        return false;
    }
    if shape
        .header
        .first()
        .is_some_and(|h| first.is_some_and(|f| f.trim_ascii().eq_ignore_ascii_case(h)))
    {
        return false;
    }
    let Some(p) = shape.patient else {
        return false;
    };
    let pc = cell(p);
    filled(pc) && !pc.is_some_and(may_say_totals) && shape.required.iter().all(|&i| filled(cell(i)))
}

/// The cheap test every patient cell passes through first: whether it could say totals at
/// all (open with a footer or page word, or end with a letter or `:`). An id such as
/// `P0001` or `12345` fails it at once.
#[inline]
fn may_say_totals(cell: &[u8]) -> bool {
    let c = cell.trim_ascii();
    let last = c
        .last()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b':');
    // The first three bytes lower-cased (bit 5 set) as one number, against each word's.
    let key = |p: &[u8]| u32::from_le_bytes([p[0], p[1], p[2], 0]) | 0x0020_2020;
    last || (c.len() >= 3 && {
        let k = key(c);
        [b"tot", b"gra", b"sub", b"cou", b"rep", b"sum", b"pag"]
            .iter()
            .any(|w| key(*w) == k)
    })
}

/// Whether a cell says totals: a footer word alone, a page footer, an id or name followed
/// by a footer word (`CS10021 Total`), or (when `opening`) a cell a footer word opens
/// (`Grand Total (12 patients)`).
fn is_totals_cell(cell: &[u8], opening: bool) -> bool {
    let cell = cell.trim_ascii();
    let word_at_start = |w: &str| {
        cell.len() >= w.len()
            && cell[..w.len()].eq_ignore_ascii_case(w.as_bytes())
            && cell.get(w.len()).is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    let alone = |w: &str| {
        word_at_start(w)
            && cell[w.len()..]
                .iter()
                .all(|b| b.is_ascii_whitespace() || b.is_ascii_punctuation())
    };
    if is_page_footer(cell) {
        return true;
    }
    if FOOTER_WORDS.iter().any(|w| alone(w)) {
        return true;
    }
    if opening && FOOTER_WORDS.iter().any(|w| word_at_start(w)) {
        return true;
    }
    // `CS10021 Total`, `Reyes, Kim - Subtotal:`: a footer word at the end after a space.
    let end = cell
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let body = &cell[..end];
    FOOTER_WORDS.iter().any(|w| {
        body.len() > w.len() + 1
            && body[body.len() - w.len()..].eq_ignore_ascii_case(w.as_bytes())
            && body[body.len() - w.len() - 1] == b' '
    })
}

/// `Page 2`, `Page 2 of 3`, `Page: 2/3` (any case).
fn is_page_footer(cell: &[u8]) -> bool {
    let Some(rest) = cell
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case(b"page"))
        .map(|_| &cell[4..])
    else {
        return false;
    };
    let rest: Vec<u8> = rest
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if digits(&rest) {
        return true;
    }
    let lower = rest.to_ascii_lowercase();
    for sep in [&b"of"[..], b"/"] {
        if let Some(i) = lower.windows(sep.len()).position(|w| w == sep)
            && digits(&lower[..i])
            && digits(&lower[i + sep.len()..])
        {
            return true;
        }
    }
    false
}

/// The finding for a record of `kind` that is not a data row; `cell` is the footer word's
/// cell as shown (quoted, cut short) for a footer (the caller adds file and line).
pub fn finding(kind: Kind, what: NotData, cell: &str) -> Finding {
    let msg = match what {
        NotData::Footer(_) => format!(
            "{} row {cell} is a totals or footer row, not a data row; it is left out",
            kind.as_str()
        ),
        NotData::RepeatedHeader => format!(
            "{} row repeats the header (a page header, or a second export joined below the first); it is left out",
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
    use super::{NotData, RowShape, not_a_data_row};

    fn what(cells: &[&str], patient: Option<usize>) -> Option<NotData> {
        shaped(cells, patient, &[], &[])
    }

    fn shaped(
        cells: &[&str],
        patient: Option<usize>,
        required: &[usize],
        header: &[&str],
    ) -> Option<NotData> {
        let c: Vec<&[u8]> = cells.iter().map(|c| c.as_bytes()).collect();
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let shape = RowShape::new(patient, required.to_vec(), &header);
        not_a_data_row(c.iter().copied(), &shape)
    }

    /// Excel's text mark on every cell of the id column (`'20031`) marks the repeated
    /// header and the page footer in it too: they are still not data (a metamorphic run
    /// found `'Acct No` and `'Page 1 of 2` read as data rows with bad values, IN002).
    #[test]
    fn text_marked_headers_and_footers_are_not_data() {
        let head = ["Acct No", "DOS", "Minutes", "Staff"];
        let s = |cells: &[&str]| shaped(cells, Some(0), &[0, 1, 3], &head);
        assert_eq!(s(&["'20031", "3/3/2025", "14", "Lopez, Ana"]), None);
        assert_eq!(
            s(&["'Acct No", "DOS", "Minutes", "Staff"]),
            Some(NotData::RepeatedHeader)
        );
        assert_eq!(s(&["'Page 1 of 2", "", "", ""]), Some(NotData::Footer(0)));
        assert_eq!(s(&["'20031 Total", "", "26", ""]), Some(NotData::Footer(0)));
    }

    #[test]
    fn subtotals_page_footers_and_repeated_headers_are_not_data() {
        let head = ["Acct No", "DOS", "Minutes", "Staff"];
        let s = |cells: &[&str]| shaped(cells, Some(0), &[0, 1, 3], &head);
        assert_eq!(s(&["20031", "3/3/2025", "14", "Lopez, Ana"]), None);
        // Per-patient subtotals, both ways reports write them.
        assert_eq!(s(&["20031 Total", "", "26", ""]), Some(NotData::Footer(0)));
        assert_eq!(s(&["20033", "Total", "37", ""]), Some(NotData::Footer(1)));
        assert_eq!(s(&["20033", "", "37", "Total:"]), Some(NotData::Footer(3)));
        // Per-staff subtotal.
        assert_eq!(
            s(&["", "", "120", "Lopez, Ana - Subtotal"]),
            Some(NotData::Footer(3))
        );
        // Page footers.
        assert_eq!(s(&["Page 1 of 2", "", "", ""]), Some(NotData::Footer(0)));
        assert_eq!(s(&["", "", "", "page 3"]), Some(NotData::Footer(3)));
        // The header again, in any case.
        assert_eq!(
            s(&["ACCT NO", " dos", "Minutes", "Staff "]),
            Some(NotData::RepeatedHeader)
        );
        // A data row whose note speaks of a total is data; a row missing its date with no
        // totals word is a data row with a blank value (IN002 later), not a footer.
        assert_eq!(s(&["20031", "3/3/2025", "Total", "Lopez, Ana"]), None);
        assert_eq!(s(&["20031", "", "14", "Lopez, Ana"]), None);
        // An id that merely ends in letters is data.
        assert_eq!(s(&["ACCOUNT", "3/3/2025", "14", "Lopez, Ana"]), None);
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
