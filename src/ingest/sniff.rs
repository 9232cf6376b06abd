//! What a file is, decided once per file from its first bytes, before any record is parsed:
//! its encoding (from a byte-order mark or whether its first MiB is UTF-8), and where its
//! header stands and which delimiter splits it (from its first lines). Nothing here runs
//! per row.

/// How many of a file's first bytes decide its encoding, and hold the lines searched for
/// its header.
pub(super) const SAMPLE: usize = 1 << 20;

/// How many of a file's first lines may hold its header (a report's title block above it).
pub(super) const HEADER_SEARCH_LINES: usize = 50;

/// How many lines after a candidate header are read to see which delimiter splits them
/// the same way.
const CONSISTENCY_LINES: usize = 20;

/// The delimiters tried when the user names none, in the order that breaks ties.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A text file's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// The name `SourceFile.read.encoding` records.
    pub(super) fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// The encoding to transcode from, when the bytes are not read as they are.
    pub(super) fn transcode_from(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => None,
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252),
        }
    }

    /// The note that says, in words, that the file was transcoded.
    pub(super) fn note(self) -> Option<String> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => None,
            Encoding::Utf16Le | Encoding::Utf16Be => Some(format!(
                "decoded from {} (the file starts with its byte-order mark)",
                self.label()
            )),
            Encoding::Windows1252 => {
                Some("decoded from windows-1252 (the bytes are not UTF-8)".to_string())
            }
        }
    }
}

/// The encoding of a file whose first bytes are `sample` (`whole`: the sample is the
/// whole file). A byte-order mark says UTF-16 or UTF-8; otherwise the sample is UTF-8 when
/// it is valid UTF-8 (a character cut by the sample's end does not count against it), and
/// windows-1252 when it is not. Bytes that are not UTF-8 after the sample stay what they
/// are: an IN001 finding when a needed field holds them.
pub(super) fn encoding(sample: &[u8], whole: bool) -> Encoding {
    if sample.starts_with(b"\xFF\xFE") {
        return Encoding::Utf16Le;
    }
    if sample.starts_with(b"\xFE\xFF") {
        return Encoding::Utf16Be;
    }
    // A UTF-8 byte-order mark says UTF-8 whatever follows (bytes that are not are IN001).
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return Encoding::Utf8Bom;
    }
    let utf8 = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // `error_len() == None`: the bytes end inside a character, which the sample's
        // end may have cut (never the file's).
        Err(e) => e.error_len().is_none() && !whole,
    };
    if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    }
}

/// Whether a file whose first bytes are `sample` is UTF-16 text without a byte-order mark:
/// no mark, and among its first 4 KiB one byte of each pair is NUL far more often at odd
/// positions than at even ones (little-endian: ASCII `a` is `a\0`) or the reverse (big-
/// endian). Such bytes are valid UTF-8 (NUL is a character), so without this they would
/// be read as text holding NULs and its first row shown as a header. Said, never read:
/// which order the bytes are in is a guess the user can settle by saving with a mark.
pub(super) fn utf16_without_bom(sample: &[u8]) -> bool {
    if sample.starts_with(b"\xFF\xFE")
        || sample.starts_with(b"\xFE\xFF")
        || sample.starts_with(b"\xEF\xBB\xBF")
    {
        return false;
    }
    let head = &sample[..sample.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return false;
    }
    let zeros = |at: usize| head.iter().skip(at).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zeros(0), zeros(1));
    let many = |n: usize| n * 10 >= pairs * 3;
    let few = |n: usize| n * 10 < pairs;
    (many(odd) && few(even)) || (many(even) && few(odd))
}

/// Where a file's header stands and how its fields are separated.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Layout {
    pub(super) delimiter: u8,
    /// The delimiter was chosen by sniffing (not named by the user or a `sep=` line).
    pub(super) sniffed: bool,
    /// Length of an Excel `sep=X` first line, terminator included (0 when none).
    pub(super) sep_len: usize,
    /// Byte offset of the header's first byte.
    pub(super) header_at: usize,
    /// Physical lines before the header (a `sep=` line included).
    pub(super) lines_above: u64,
    /// Lines of a title block above the header (the `sep=` line not included).
    pub(super) title_lines: u64,
}

/// Finds the header among the first [`HEADER_SEARCH_LINES`] lines of `head` (a file's
/// first bytes, UTF-8; `complete`: the whole file): the first line that `resolves` (the
/// kind's columns are found in it) under some delimiter. The delimiter is `fixed` when the
/// user named one, else the one an Excel `sep=` line names, else the candidate (`,` `;`
/// tab `|`) under which the header resolves, the one that splits it into the most fields
/// consistently with the lines below when several do (ties go to the comma). When no line
/// resolves, the header is the first line, as if no title block were there, split by the
/// delimiter that splits it best: the caller then reports what is missing from it.
pub(super) fn layout(
    head: &[u8],
    complete: bool,
    fixed: Option<u8>,
    resolves: impl Fn(&[String]) -> bool,
) -> Layout {
    let sep = super::reader::sep_line(head);
    let sep_len = sep.map_or(0, |(_, len)| len);
    let fixed = fixed.or(sep.map(|(d, _)| d));
    let cands: &[u8] = match &fixed {
        Some(d) => std::slice::from_ref(d),
        None => &CANDIDATES,
    };
    let lines = split_lines(
        &head[sep_len..],
        complete,
        HEADER_SEARCH_LINES + CONSISTENCY_LINES,
    );
    let text = |i: usize| &head[sep_len + lines[i].0..sep_len + lines[i].1];
    let best = |i: usize, among: &[u8]| -> Option<u8> {
        among
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(k, d)| (score(i, d, &lines, &text), std::cmp::Reverse(k)))
            .map(|(_, d)| d)
    };
    for (i, &(start, _)) in lines.iter().enumerate().take(HEADER_SEARCH_LINES) {
        let ok: Vec<u8> = cands
            .iter()
            .copied()
            .filter(|&d| resolves(&heads(text(i), d)))
            .collect();
        if let Some(d) = best(i, &ok) {
            return Layout {
                delimiter: d,
                sniffed: fixed.is_none(),
                sep_len,
                header_at: sep_len + start,
                lines_above: u64::from(sep_len > 0) + i as u64,
                title_lines: i as u64,
            };
        }
    }
    let delimiter = if lines.is_empty() {
        cands[0]
    } else {
        best(0, cands).unwrap_or(cands[0])
    };
    Layout {
        delimiter,
        sniffed: fixed.is_none(),
        sep_len,
        header_at: sep_len,
        lines_above: u64::from(sep_len > 0),
        title_lines: 0,
    }
}

/// How well delimiter `d` splits line `i` as a header: whether it splits it at all, how
/// many of the following lines (empty ones aside) it splits into as many fields, and into
/// how many fields. A delimiter that does not split it at all scores nothing, so that
/// when none does the comma wins.
fn score<'a>(
    i: usize,
    d: u8,
    lines: &[(usize, usize)],
    text: &impl Fn(usize) -> &'a [u8],
) -> (bool, usize, usize) {
    let n = fields(text(i), d);
    if n <= 1 {
        return (false, 0, 0);
    }
    let same = (i + 1..lines.len())
        .filter(|&j| !text(j).is_empty())
        .take(CONSISTENCY_LINES)
        .filter(|&j| fields(text(j), d) == n)
        .count();
    (n > 1, same, n)
}

/// The first `most` physical lines of `bytes` as (start, end) without their terminators
/// (`\n`, `\r\n` or a lone `\r`, as `lines` counts them). A last line without terminator
/// counts only when `bytes` is the whole file (else it may be cut).
fn split_lines(bytes: &[u8], complete: bool, most: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = memchr::memchr2_iter(b'\n', b'\r', bytes);
    while out.len() < most {
        let Some(end) = it.next() else {
            if complete && start < bytes.len() {
                out.push((start, bytes.len()));
            }
            break;
        };
        if end < start {
            continue; // the `\n` of a CRLF
        }
        out.push((start, end));
        start = end + 1;
        if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
            start += 1;
        }
    }
    out
}

/// The trimmed cells of one line read as a CSV record with delimiter `d`, as the header
/// is read (quotes honoured).
pub(super) fn heads(line: &[u8], d: u8) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(d)
        .from_reader(line);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// The number of fields of one line read with delimiter `d`.
fn fields(line: &[u8], d: u8) -> usize {
    heads(line, d).len()
}

#[cfg(test)]
mod tests {
    use super::{Encoding, Layout, encoding, layout, split_lines};

    #[test]
    fn the_encoding_is_told_from_the_first_bytes() {
        assert_eq!(encoding(b"a,b\n", true), Encoding::Utf8);
        assert_eq!(encoding(b"\xEF\xBB\xBFa,b\n", true), Encoding::Utf8Bom);
        assert_eq!(encoding(b"\xEF\xBB\xBFcaf\xe9\n", true), Encoding::Utf8Bom);
        assert_eq!(encoding(b"\xFF\xFEa\x00", true), Encoding::Utf16Le);
        assert_eq!(encoding(b"\xFE\xFF\x00a", true), Encoding::Utf16Be);
        assert_eq!(encoding(b"caf\xe9,1\n", true), Encoding::Windows1252);
        assert_eq!(encoding(b"caf\xc3\xa9,1\n", true), Encoding::Utf8);
        // A character cut by the sample's end is not held against it...
        assert_eq!(encoding(b"caf\xc3", false), Encoding::Utf8);
        assert_eq!(encoding(b"a\xe2\x82", false), Encoding::Utf8);
        // ...but the file's own end cuts nothing: those bytes are not UTF-8.
        assert_eq!(encoding(b"caf\xc3", true), Encoding::Windows1252);
        // A byte that cannot start or continue a character is not cut by anything.
        assert_eq!(encoding(b"caf\xe9 au lait", false), Encoding::Windows1252);
        assert_eq!(encoding(b"\xe9t\xe9", false), Encoding::Windows1252);
        assert_eq!(encoding(b"", true), Encoding::Utf8);
    }

    #[test]
    fn lines_end_as_the_line_counter_counts_them() {
        let b = b"a\r\nb\rc\n\nd";
        assert_eq!(
            split_lines(b, true, 10),
            vec![(0, 1), (3, 4), (5, 6), (7, 7), (8, 9)]
        );
        // A last line without its end may be cut: left out unless the file ends there.
        assert_eq!(split_lines(b, false, 10).len(), 4);
        assert_eq!(split_lines(b, true, 2).len(), 2);
    }

    /// A stand-in for `schema::resolve`: the header holds `id` and `date`.
    fn ok(heads: &[String]) -> bool {
        ["id", "date"]
            .iter()
            .all(|c| heads.iter().any(|h| h.eq_ignore_ascii_case(c)))
    }

    fn lay(s: &str) -> Layout {
        layout(s.as_bytes(), true, None, ok)
    }

    #[test]
    fn the_delimiter_is_the_one_under_which_the_header_resolves() {
        assert_eq!(lay("id,date,n\nP1,2025-03-04,5\n").delimiter, b',');
        assert_eq!(lay("id;date;n\nP1;2025-03-04;5\n").delimiter, b';');
        assert_eq!(lay("id\tdate\tn\nP1\t2025-03-04\t5\n").delimiter, b'\t');
        assert_eq!(lay("id|date|n\nP1|2025-03-04|5\n").delimiter, b'|');
        // A quoted field holding `;` does not make the file semicolon-separated.
        let l = lay("\"id;x\",id,date\n\"a;b\",P1,2025-03-04\n");
        assert_eq!((l.delimiter, l.header_at, l.sniffed), (b',', 0, true));
        // Commas inside the notes of a semicolon file do not either.
        assert_eq!(
            lay("id;date;note\nP1;2025-03-04;a, b, c, d\n").delimiter,
            b';'
        );
        // A file with only a header.
        let l = lay("id;date");
        assert_eq!((l.delimiter, l.header_at, l.lines_above), (b';', 0, 0));
        // The user's delimiter wins, even where another would resolve.
        let l = layout(b"id;date\n", true, Some(b','), ok);
        assert_eq!((l.delimiter, l.sniffed, l.header_at), (b',', false, 0));
        // As does a `sep=` line.
        let l = lay("sep=|\r\nid|date\r\n");
        assert_eq!(
            (
                l.delimiter,
                l.sniffed,
                l.sep_len,
                l.header_at,
                l.lines_above
            ),
            (b'|', false, 7, 7, 1)
        );
    }

    #[test]
    fn a_title_block_above_the_header_is_found_and_skipped() {
        let s = "CCM Time Detail,,,\r\nRiverbend,,,\r\nRun by x,,,\r\n,,,\r\nid,date,n,note\r\nP1,2025-03-04,5,x\r\n";
        let l = lay(s);
        assert_eq!((l.delimiter, l.lines_above, l.title_lines), (b',', 4, 4));
        assert_eq!(&s[l.header_at..l.header_at + 7], "id,date");
        // Blank lines count as lines.
        let l = lay("Report\n\n\nid;date\nP1;2025-03-04\n");
        assert_eq!((l.delimiter, l.lines_above, l.header_at), (b';', 3, 9));
        // No line resolves: the first line is the header, split by what splits it best.
        let l = lay("a;b;c\n1;2;3\n");
        assert_eq!((l.delimiter, l.header_at, l.lines_above), (b';', 0, 0));
        let l = lay("Title only\nid,nope\n");
        assert_eq!((l.delimiter, l.header_at, l.lines_above), (b',', 0, 0));
        // Past the search window, a header is not looked for.
        let far = format!("{}id,date\n", "title\n".repeat(super::HEADER_SEARCH_LINES));
        assert_eq!(lay(&far).header_at, 0);
        let near = format!(
            "{}id,date\n",
            "title\n".repeat(super::HEADER_SEARCH_LINES - 1)
        );
        assert_eq!(
            lay(&near).lines_above,
            super::HEADER_SEARCH_LINES as u64 - 1
        );
        // An empty file.
        assert_eq!(lay("").header_at, 0);
    }
}
