//! A file that is not UTF-8, decoded line by line: a line that is valid UTF-8 stays as it
//! is and any other is decoded from windows-1252. Two exports joined (`cat`) may be one
//! UTF-8 and one windows-1252: decoding the whole file from windows-1252 turned the UTF-8
//! part's `José` into `JosÃ©`, another staff member (round 11: her overlap was missed and
//! a 99439 billed). A line whose non-ASCII bytes are valid UTF-8 is read as UTF-8: in
//! windows-1252 text such byte pairs (`Ã©`) are all but unknown. What was done is counted
//! and said in the file's notes ([`Mixed::notes`]).
//!
//! Lines end at `\n` or `\r` (a Mac export's lone CR too), so no line is held longer than
//! it is. Only files whose first bytes are not UTF-8 come here: a UTF-8 file is read as it
//! is, nothing added per row.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the decoding did, shared with the file's reader: lines with non-ASCII bytes read
/// as UTF-8 and decoded from windows-1252, and the first line of each (1-based, physical).
#[derive(Debug, Default)]
pub(super) struct Mixed {
    utf8: AtomicU64,
    cp1252: AtomicU64,
    first_utf8: AtomicU64,
    first_cp1252: AtomicU64,
}

impl Mixed {
    /// The note for the file: `None` when every non-ASCII line was windows-1252 (the
    /// encoding's own note says so), else how many lines were read each way.
    pub(super) fn notes(&self) -> Vec<String> {
        let (u, c) = (
            self.utf8.load(Ordering::Relaxed),
            self.cp1252.load(Ordering::Relaxed),
        );
        if u == 0 {
            return Vec::new();
        }
        vec![format!(
            "the file mixes encodings (exports joined?): {u} line(s) read as UTF-8 (first line {}), {c} decoded from windows-1252 (first line {}), each line as its own bytes are",
            self.first_utf8.load(Ordering::Relaxed),
            self.first_cp1252.load(Ordering::Relaxed),
        )]
    }
}

/// Decodes one line (its end included) into `out`, counting it as line `line`.
fn line_into(bytes: &[u8], line: u64, mixed: &Mixed, out: &mut Vec<u8>) {
    if bytes.is_ascii() {
        out.extend_from_slice(bytes);
        return;
    }
    let (count, first) = if std::str::from_utf8(bytes).is_ok() {
        out.extend_from_slice(bytes);
        (&mixed.utf8, &mixed.first_utf8)
    } else {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        out.extend_from_slice(text.as_bytes());
        (&mixed.cp1252, &mixed.first_cp1252)
    };
    if count.fetch_add(1, Ordering::Relaxed) == 0 {
        first.store(line, Ordering::Relaxed);
    }
}

/// Decodes the whole lines of `bytes` into `out` (all of it when `last`: the rest is the
/// file's last line), the first being line `*line`; returns how many bytes were taken.
fn lines_into(bytes: &[u8], last: bool, line: &mut u64, mixed: &Mixed, out: &mut Vec<u8>) -> usize {
    let mut from = 0;
    let mut ends = memchr::memchr2_iter(b'\n', b'\r', bytes).peekable();
    while let Some(end) = ends.next() {
        // A CR ending the bytes read so far may be the first half of a CRLF: its line
        // waits for the next bytes.
        if !last && bytes[end] == b'\r' && end + 1 == bytes.len() {
            break;
        }
        // CRLF is one line end.
        let end = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
            ends.next();
            end + 1
        } else {
            end
        };
        line_into(&bytes[from..=end], *line, mixed, out);
        *line += 1;
        from = end + 1;
    }
    if last && from < bytes.len() {
        line_into(&bytes[from..], *line, mixed, out);
        *line += 1;
        from = bytes.len();
    }
    from
}

/// The whole of `bytes` decoded line by line.
pub(super) fn decode_all(bytes: &[u8], mixed: &Mixed) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    let mut line = 1;
    lines_into(bytes, true, &mut line, mixed, &mut out);
    out
}

/// A reader of UTF-8 text decoded line by line from `inner`.
pub(super) struct LineDecoder<R> {
    inner: R,
    /// Bytes read and not yet a whole line.
    pending: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    line: u64,
    done: bool,
    pub(super) mixed: Arc<Mixed>,
}

impl<R: Read> LineDecoder<R> {
    pub(super) fn new(inner: R) -> LineDecoder<R> {
        LineDecoder {
            inner,
            pending: Vec::new(),
            out: Vec::new(),
            at: 0,
            line: 1,
            done: false,
            mixed: Arc::new(Mixed::default()),
        }
    }

    /// Decodes the next whole lines into `out`; false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.at = 0;
        while self.out.is_empty() {
            if self.done {
                return Ok(false);
            }
            let had = self.pending.len();
            self.pending.resize(had + (1 << 16), 0);
            let n = self.inner.read(&mut self.pending[had..])?;
            self.pending.truncate(had + n);
            self.done = n == 0;
            let took = lines_into(
                &self.pending,
                self.done,
                &mut self.line,
                &self.mixed,
                &mut self.out,
            );
            self.pending.drain(..took);
        }
        Ok(true)
    }
}

impl<R: Read> Read for LineDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> (Vec<u8>, Arc<Mixed>) {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut d = LineDecoder::new(Chunks(bytes, chunk));
        let mut out = Vec::new();
        d.read_to_end(&mut out).unwrap();
        (out, d.mixed.clone())
    }

    #[test]
    fn each_line_is_read_in_its_own_encoding_whatever_the_chunks() {
        let text = b"id,staff\r\n1,Jos\xc3\xa9 N\xc3\xba\xc3\xb1ez\r\n2,Jos\xe9 N\xfa\xf1ez\r3,plain\n4,last \xe9";
        let want = "id,staff\r\n1,José Núñez\r\n2,José Núñez\r3,plain\n4,last é";
        for chunk in [1, 2, 3, 5, 7, 64, 1 << 16] {
            let (out, m) = read_all(text, chunk);
            assert_eq!(String::from_utf8(out).unwrap(), want, "chunk {chunk}");
            assert_eq!(m.utf8.load(Ordering::Relaxed), 1);
            assert_eq!(m.cp1252.load(Ordering::Relaxed), 2);
            assert_eq!(m.first_cp1252.load(Ordering::Relaxed), 3);
        }
        assert_eq!(decode_all(text, &Mixed::default()), want.as_bytes());
    }

    #[test]
    fn a_file_all_windows_1252_says_nothing_more_than_its_encoding() {
        let m = Mixed::default();
        let out = decode_all(b"a,b\n1,caf\xe9\n", &m);
        assert_eq!(out, "a,b\n1,café\n".as_bytes());
        assert!(m.notes().is_empty());
        let m = Mixed::default();
        decode_all(b"a\n\xc3\xa9\n\xe9\n", &m);
        assert_eq!(
            m.notes(),
            [
                "the file mixes encodings (exports joined?): 1 line(s) read as UTF-8 (first line 2), 1 decoded from windows-1252 (first line 3), each line as its own bytes are"
            ]
        );
    }
}
