//! Physical line numbers for records, and the open-quote check for a file's last record.

use std::collections::VecDeque;
use std::io::Read;

/// Counts line ends as bytes pass, so a record's byte offset maps to its physical line.
/// Keeps only the positions not yet passed by a record (bounded by the read-ahead buffer).
///
/// The csv crate's `Position::line()` is off on CRLF input and after blank lines, and its
/// byte offset points where the parser *began* looking: just after the terminator byte that
/// ended the previous record, so possibly at a `\n` of a CRLF or at blank lines. We count
/// the line ends before that offset and then skip the run of `\r`/`\n` bytes at it.
pub(super) struct LineCounter<R> {
    inner: R,
    /// Bytes read so far.
    pub(super) pos: u64,
    /// Positions of `\r` and `\n` bytes not yet passed, and whether each ends a line: a
    /// `\n` does, and a `\r` does unless a `\n` follows it (CRLF is one line end; a lone
    /// `\r`, as old Mac and some Excel exports write, is one too).
    pending: VecDeque<(u64, bool)>,
    /// Whether the last byte read was a `\r` (its line end is settled by the next byte).
    after_cr: bool,
    /// Where the record being read began (the last offset marked).
    record_start: u64,
    lines_before: u64,
    /// The raw bytes from the start of the record last begun (plus read-ahead), so the
    /// file's last record can be re-read for a quote left open.
    tail: Vec<u8>,
    /// File offset of `tail[0]`.
    tail_start: u64,
}

/// The longest record read: no export's row (notes with line breaks included) comes near
/// it, and a file without line ends (`/dev/zero`, a binary file) stops here with a clear
/// error instead of filling memory.
pub(super) const MAX_RECORD_BYTES: u64 = 64 << 20;

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos - self.record_start > MAX_RECORD_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a record starting on line {} runs past {} MiB without ending: not a CSV export?",
                    self.lines_before + self.pending.iter().filter(|p| p.1).count() as u64 + 1,
                    MAX_RECORD_BYTES >> 20
                ),
            ));
        }
        let n = self.inner.read(buf)?;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            let at = self.pos + i as u64;
            let prev_cr = if i > 0 {
                buf[i - 1] == b'\r'
            } else {
                self.after_cr
            };
            if buf[i] == b'\n'
                && prev_cr
                && let Some(last) = self.pending.back_mut()
                && last.0 + 1 == at
            {
                // The `\r` before this `\n` is half of one CRLF line end.
                last.1 = false;
            }
            self.pending.push_back((at, true));
        }
        if n > 0 {
            self.after_cr = buf[n - 1] == b'\r';
        }
        self.pos += n as u64;
        self.tail.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    pub(super) fn new(inner: R) -> Self {
        LineCounter {
            inner,
            pos: 0,
            pending: VecDeque::new(),
            after_cr: false,
            record_start: 0,
            lines_before: 0,
            tail: Vec::new(),
            tail_start: 0,
        }
    }

    /// Lines that stand before the first byte read (a `sep=` line consumed first).
    pub(super) fn skip_lines(mut self, lines: u64) -> Self {
        self.lines_before += lines;
        self
    }

    /// Bytes before `offset` (the start of the record just read) are no longer needed.
    /// They are dropped in bulk, so the cost per byte stays constant.
    pub(super) fn mark(&mut self, offset: u64) {
        self.record_start = offset;
        let done = (offset.saturating_sub(self.tail_start) as usize).min(self.tail.len());
        if done >= 1 << 18 && done * 2 >= self.tail.len() {
            self.tail.drain(..done);
            self.tail_start += done as u64;
        }
    }

    /// Whether the record that began at `offset` (the file's last) ends inside a quoted
    /// field, read the way the csv crate reads it (RFC 4180: a quote opens a field only
    /// at its start, `""` inside is a quote).
    pub(super) fn ends_in_open_quote(&self, offset: u64, delimiter: u8) -> bool {
        let from = (offset.saturating_sub(self.tail_start) as usize).min(self.tail.len());
        #[derive(PartialEq)]
        enum S {
            Start,
            Field,
            Quoted,
            QuoteInQuoted,
        }
        let mut s = S::Start;
        for &b in &self.tail[from..] {
            s = match s {
                S::Start | S::Field if b == b'\n' || b == b'\r' => S::Start,
                S::Start if b == b'"' => S::Quoted,
                S::Start | S::Field if b == delimiter => S::Start,
                S::Start | S::Field => S::Field,
                S::Quoted if b == b'"' => S::QuoteInQuoted,
                S::Quoted => S::Quoted,
                S::QuoteInQuoted if b == b'"' => S::Quoted,
                S::QuoteInQuoted if b == delimiter || b == b'\n' || b == b'\r' => S::Start,
                S::QuoteInQuoted => S::Field,
            };
        }
        s == S::Quoted
    }

    /// The 1-based line on which the record the parser began at `offset` stands.
    /// Offsets must not decrease.
    pub(super) fn line_at(&mut self, offset: u64) -> u64 {
        let mut cur = offset;
        while let Some(&(p, nl)) = self.pending.front() {
            if p <= cur {
                if p == cur {
                    cur += 1;
                }
                self.pending.pop_front();
                self.lines_before += u64::from(nl);
            } else {
                break;
            }
        }
        self.lines_before + 1
    }
}

/// A whole CSV file in memory (header first, comma-delimited): its header cells and each
/// data record's cells with its physical line, counted by [`LineCounter`] as for every
/// input ccm reads (CRLF and a lone CR are one line end; blank lines count). For the
/// lookback's frames and worksheets, read whole.
pub fn records_with_lines(bytes: &[u8]) -> Result<LinedRecords, csv::Error> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineCounter::new(bytes));
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec)? {
        let at = rec.position().map_or(0, |p| p.byte());
        let counter = r.get_mut();
        let line = counter.line_at(at);
        // The bytes before this record are not needed again (the counter keeps a file's
        // tail for the open-quote check, which this reader does not ask).
        counter.mark(at);
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    let header = if rows.is_empty() {
        Vec::new()
    } else {
        rows.remove(0).1
    };
    Ok((header, rows))
}

/// A header's cells, and each data record's physical line and cells.
pub type LinedRecords = (Vec<String>, Vec<(u64, Vec<String>)>);

#[cfg(test)]
mod tests {
    use super::LineCounter;

    #[test]
    fn records_carry_their_physical_lines_whatever_the_line_ends() {
        for (text, lines) in [
            (&b"a,b\n1,2\n3,4\n"[..], vec![2, 3]),
            (b"a,b\r\n1,2\r\n3,4\r\n", vec![2, 3]),
            (b"a,b\r1,2\r3,4\r", vec![2, 3]),
            (b"a,b\r\n\r\n1,2\r\n3,\"x\r\ny\"\r\n5,6", vec![3, 4, 6]),
        ] {
            let (header, rows) = super::records_with_lines(text).unwrap();
            assert_eq!(header, ["a", "b"]);
            let got: Vec<u64> = rows.iter().map(|r| r.0).collect();
            assert_eq!(got, lines, "{:?}", String::from_utf8_lossy(text));
        }
    }

    fn open_at_end(bytes: &[u8]) -> bool {
        let mut c = LineCounter::new(());
        c.tail = bytes.to_vec();
        c.ends_in_open_quote(0, b',')
    }

    #[test]
    fn a_quote_left_open_is_told_from_a_closed_one() {
        // Open: the quoted field runs to the end of the file.
        assert!(open_at_end(b"P1,\"note\nP2,5\n"));
        assert!(open_at_end(b"P1,\"a\"\"\n"));
        assert!(open_at_end(b"\r\nP1,x,\"a\nb"));
        // Closed, whatever follows.
        assert!(!open_at_end(b"P1,\"a\nb\",20\n"));
        assert!(!open_at_end(b"P1,\"a\nb\"\"\"\n"));
        assert!(!open_at_end(b"P1,\"a\nb\"x,20"));
        // A quote inside an unquoted field is a plain character.
        assert!(!open_at_end(b"P1,5\" tall\n"));
    }
}
