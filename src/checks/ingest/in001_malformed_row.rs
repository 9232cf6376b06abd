//! IN001 malformed-row: the check's definition (its `ccm explain` text) and its logic.

check! {
    IN001, "IN001", "malformed-row", Error,
    effect: Rows,
    what: "A CSV record cannot be read: it has a different number of fields than the header \
           (a stray delimiter or a broken quote), a value past the header's last named column \
           (a workbook row with cells beyond the header, a header ending in blank names), a \
           quote opened and not closed on its line that ran over the rows below it (the \
           finding names every line it spans), or a field ccm needs is not valid UTF-8 text. \
           The row is excluded and counted under IN001 in the reconciliation. Bad bytes in a \
           free-text column (note, activity, description) alone do not exclude a row.",
    why: "A row that cannot be read cannot be trusted to belong to the patient, day or \
          practitioner it seems to; guessing would put unsupported minutes on a claim. \
          Excluding it loudly, with its line, lets the biller fix the export instead.",
    example: "timelog.csv line 112: the record has 13 fields where the header has 11 (an unquoted \
              comma in the note).",
    source: "RFC 4180 (CSV); ccm input contract (spec inputs.md).",
    fix: "Open the file at the line the finding names and repair the record (the stray delimiter, \
          the broken quote, the bytes that are not UTF-8), or export the file again from its \
          source as UTF-8 CSV; then run ccm again.",
}
