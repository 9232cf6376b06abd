//! The two-thread read: the CSV parse runs on a thread of its own, a few batches of 512
//! records ahead of the caller's, and decoding is shared between the two.

use super::IngestError;
use super::Progress;
use super::clean::{Repairs, clean_field, plain};
use super::lines::LineCounter;
use super::reader::show;
use super::reader::{Fields, Input, Rec, csv_err};
use super::schema::Schema;
use super::schema::Source;
use crate::checks::ingest::in005::{self, NotData, RowShape};
use crate::checks::ingest::malformed_row;
use crate::domain::{Dataset, Finding, Kind};
use std::io::Read;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc::{Receiver, SyncSender};

/// How often (in records) progress is reported.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Records handed from the reading thread to the checking one, in file order, each with
/// what the reading thread made of it (`None` for a record of the wrong width).
///
/// Records are copied out of the parser's own record into the batch's buffers, back to
/// back, so the parser always writes to memory in its core's cache. (Parsed straight into
/// 512 recycled records, whose buffers were last read on the other core, the parse took
/// twice its bare time at 10M rows.)
pub(super) struct Batch<D> {
    /// The records' field bytes, one record after another.
    bytes: Vec<u8>,
    /// Each field's end, relative to its record's first byte.
    ends: Vec<usize>,
    /// Where record `i` starts in `bytes` and `ends`: `starts[i]..starts[i + 1]`.
    starts: Vec<(usize, usize)>,
    /// What was made of the first records, in order (the rest are judged and decoded by
    /// the checking thread).
    decoded: Vec<Judged<D>>,
    lines: Vec<u64>,
    offsets: Vec<u64>,
    len: usize,
    /// Set on the file's last record when a quote opened there never closes.
    open_quote_at_end: bool,
    /// What cleaning the batch's fields changed ([`super::clean`]).
    repairs: Repairs,
    /// Whether cleaning removed a control character from record `i`.
    controls: Vec<bool>,
}

/// What a record is: not a data row (IN005), a record of the wrong width (IN001), or a
/// data row and what `decode` made of it. Judged on whichever thread decodes it.
pub(super) enum Judged<D> {
    NotData(NotData),
    WrongWidth,
    /// A quote opened and not closed on its line ran over the rows below it: the record
    /// spans this many line ends, each swallowed line a whole row's worth of fields.
    Swallowed(u64),
    /// A value in this column, past the header's last named one (a workbook row with cells
    /// beyond the header, a delimiter in an unquoted cell of a file whose header ends in
    /// blank names): read as a CSV record one field too wide is.
    Unheaded(usize),
    /// The file's last record, a quote opened in it never closed.
    OpenAtEnd,
    Data(D),
}

/// The record's columns as its header names them: how many fields, the first column past
/// the last named one (`width` when the header ends in a name), and the delimiter.
#[derive(Clone, Copy)]
pub(super) struct Widths {
    width: usize,
    named: usize,
    delimiter: u8,
}

impl Widths {
    fn of(width: usize, heads: &[String], delimiter: u8) -> Widths {
        Widths {
            width,
            named: heads
                .iter()
                .rposition(|h| !h.is_empty())
                .map_or(0, |i| i + 1),
            delimiter,
        }
    }
}

/// How many line ends a record's quoted field runs over when the lines after them hold a
/// whole row each (as many delimiters as the header has, less one): a stray quote (`"Pt
/// said hi, reviewed meds`) that the parser closed only at a later row's quote, reading the
/// rows between into one field. `None` for a record on one line, or whose line ends are a
/// note's own (a note written on several lines holds no row's worth of delimiters). With
/// fewer than three columns every line would look like a row: not judged.
fn swallowed_lines(bytes: &[u8], delimiter: u8, width: usize) -> Option<u64> {
    if width < 3 {
        return None;
    }
    let (breaks, rows) = spanned_lines(bytes, delimiter, width);
    rows.then_some(breaks)
}

/// The line ends inside a record's fields (`\r\n`, `\n` or a lone `\r`: docs/inputs.md),
/// and whether a line after one holds a row's worth of delimiters.
fn spanned_lines(bytes: &[u8], delimiter: u8, width: usize) -> (u64, bool) {
    let Some(first) = memchr::memchr2(b'\n', b'\r', bytes) else {
        return (0, false);
    };
    let mut breaks = 0u64;
    let mut rows = false;
    let mut rest = &bytes[first..];
    while let Some(&b) = rest.first() {
        rest = &rest[if b == b'\r' && rest.get(1) == Some(&b'\n') {
            2
        } else {
            1
        }..];
        breaks += 1;
        let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        if memchr::memchr_iter(delimiter, &rest[..end]).count() + 1 >= width {
            rows = true;
        }
        rest = &rest[end..];
    }
    (breaks, rows)
}

/// Judges record `rec` ([`in005::not_a_data_row`], on the cleaned cells, then its width)
/// and decodes it when it is a data row.
fn judge<C: Schema, D, S>(
    rec: Fields<'_>,
    shape: &RowShape,
    w: Widths,
    idx: &[super::schema::Source],
    decode: impl FnOnce(&mut S, &Rec<C>) -> D,
    state: &mut S,
) -> Judged<D> {
    let Widths {
        width,
        named,
        delimiter,
    } = w;
    if let Some(k) = swallowed_lines(rec.as_slice(), delimiter, width) {
        return Judged::Swallowed(k);
    }
    if !in005::surely_data(|i| rec.get(i), shape)
        && let Some(nd) = in005::not_a_data_row(
            (0..rec.len()).map(|i| rec.get(i).unwrap_or_default()),
            shape,
        )
    {
        return Judged::NotData(nd);
    }
    if rec.len() != width {
        return Judged::WrongWidth;
    }
    if let Some(at) =
        (named..width).find(|&i| rec.get(i).is_some_and(|c| !c.trim_ascii().is_empty()))
    {
        return Judged::Unheaded(at);
    }
    Judged::Data(decode(state, &Rec::new(rec, idx)))
}

pub(super) const BATCH: usize = 512;

/// A batch is sent once its records' bytes reach this, whatever their number.
const BATCH_BYTES: usize = 1 << 20;

/// Reads every record of a file of kind `C`, calling `row` with the record, its physical
/// line, its index and what `decode` made of it. Records with the wrong number of fields
/// become IN001 findings, and records that are not data rows (a totals row, a row of empty
/// cells) IN005 findings, and reach neither; both count as rows read. A blank line is no
/// record.
///
/// The CSV parse runs on its own thread, a few batches ahead of `row` (which runs on the
/// caller's): on two cores, reading and checking overlap. Record buffers are recycled, so
/// nothing is allocated per record. `decode` (a pure function of the record; `S` is a
/// cache each thread keeps) runs on the reading thread for the first part of each batch
/// and on the caller's for the rest, the share moving to whichever thread is waiting on
/// the other: what `row` is given does not depend on where it was decoded.
pub(super) fn for_each_record<C: Schema, D: Send, S: Default + Send>(
    ds: &mut Dataset,
    input: Input<C>,
    mut offsets: Option<&mut Vec<u64>>,
    decode: impl Fn(&mut S, &Rec<C>, u64) -> D + Sync,
    mut row: impl FnMut(&mut Dataset, &Rec<C>, u64, usize, D),
) -> Result<(), IngestError> {
    let Input {
        name,
        mut rdr,
        progress,
        idx,
        heads,
        dates: _,
        width,
        file,
        delimiter,
        reader_decodes,
        sep_len: _,
        header_at: _,
        mmss: _,
        order_unproven: _,
        mixed,
        map,
        header_line,
        kind: _,
    } = input;
    let kind = C::KIND;
    let widths = Widths::of(width, &heads, delimiter);
    let shape = row_shape::<C>(&idx, &heads);
    let shape = &shape;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch<D>, csv::Error>>(8);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Batch<D>>();
    let idx_r = idx.clone();
    let decode = &decode;
    // Batches sent and not yet taken: many means the checking thread is the slower, few
    // that it waits for the reading one.
    let in_flight = std::sync::atomic::AtomicUsize::new(0);
    let in_flight = &in_flight;
    // Decodes the first `n` records of the batch (in file order) before it is sent.
    let mut state_r = S::default();
    let decode_batch = move |batch: &mut Batch<D>, n: usize| {
        batch.decoded.clear();
        for i in 0..n.min(batch.len) {
            let line = batch.lines[i];
            let d = judge(
                batch.rec(i),
                shape,
                widths,
                &idx_r,
                |s, r| decode(s, r, line),
                &mut state_r,
            );
            batch.decoded.push(d);
        }
    };
    // How many records of each full batch the reading thread decodes.
    let share = reader_decodes.unwrap_or(BATCH).min(BATCH);
    let mut state_m = S::default();
    let mut count = 0u64;
    let mut repairs = Repairs::default();
    let result = std::thread::scope(|scope| {
        scope.spawn(move || {
            let to = Sender {
                tx,
                back_rx,
                in_flight,
                share,
                reader_decodes,
            };
            read_records(&mut rdr, progress.as_ref(), delimiter, to, decode_batch);
        });
        for msg in rx {
            let mut batch = msg.map_err(|e| csv_err(&name, e))?;
            repairs.add(&batch.repairs);
            in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let mut decoded = std::mem::take(&mut batch.decoded);
            let by_reader = decoded.len();
            for (i, d) in decoded
                .drain(..)
                .map(Some)
                .chain(std::iter::repeat_with(|| None))
                .take(batch.len)
                .enumerate()
            {
                let (rec, line) = (batch.rec(i), batch.lines[i]);
                let n = count as usize;
                count += 1;
                if let Some(o) = offsets.as_mut() {
                    o.push(batch.offsets[i]);
                }
                let open = batch.open_quote_at_end && i + 1 == batch.len;
                let d = open.then_some(Judged::OpenAtEnd).or(d).unwrap_or_else(|| {
                    debug_assert!(i >= by_reader);
                    judge(
                        rec,
                        shape,
                        widths,
                        &idx,
                        |s, r| decode(s, r, line),
                        &mut state_m,
                    )
                });
                let d = match d {
                    Judged::Data(d) => d,
                    other => {
                        ds.ingest_findings.push(not_data_finding(
                            kind,
                            other,
                            rec,
                            widths,
                            (file, line),
                        ));
                        continue;
                    }
                };
                let r = Rec::new(rec, &idx);
                let before = ds.ingest_findings.len();
                row(ds, &r, line, n, d);
                if ds.ingest_findings.len() > before {
                    second_header_row(ds, before, (file, line), rec, (&idx, &map, kind)).map_err(
                        |what| IngestError::SecondHeader {
                            file: crate::domain::printable(&name, 200),
                            line,
                            header_line,
                            what,
                        },
                    )?;
                }
            }
            batch.decoded = decoded;
            let _ = back_tx.send(batch);
        }
        Ok(())
    });
    ds.files[file as usize].rows_read = count;
    ds.files[file as usize].read.notes.extend(repairs.notes());
    if let Some(m) = mixed {
        ds.files[file as usize].read.notes.extend(m.notes());
    }
    result
}

/// Where a record's patient id and required cells stand, and the header: to tell a totals
/// row, a page footer or a repeated header from a data row (IN005).
fn row_shape<C: Schema>(idx: &[Source], heads: &[String]) -> RowShape {
    let patient = C::COLUMNS
        .iter()
        .position(|c| c.name == "patient_id")
        .and_then(|c| idx[c].column());
    let required = C::COLUMNS
        .iter()
        .zip(idx.iter())
        .filter(|(c, _)| c.required)
        .filter_map(|(_, i)| i.column())
        .collect();
    RowShape::new(patient, required, heads)
}

/// A row that could not be read (its findings `ds.ingest_findings[before..]`, all naming
/// this line) may be a second export's header (exports joined): under other names in the
/// same columns it is a repeated header (IN005) instead of a bad row; one that puts a field
/// in another column would have the rows below it misread: `Err` with the fields it moves
/// (exit 2).
#[cold]
fn second_header_row(
    ds: &mut Dataset,
    before: usize,
    (file, line): (u16, u64),
    rec: Fields,
    (idx, map, kind): (&[Source], &super::HeaderMap, Kind),
) -> Result<(), String> {
    let ours = ds.ingest_findings[before..]
        .iter()
        .all(|f| f.file == Some(file) && f.lines == [line]);
    let Some(moved) = ours
        .then(|| super::reader::second_header(kind, rec, idx, map))
        .flatten()
    else {
        return Ok(());
    };
    if !moved.is_empty() {
        return Err(moved.join(", "));
    }
    ds.ingest_findings.truncate(before);
    ds.ingest_findings
        .push(in005::finding(kind, NotData::RepeatedHeader, "").at(file, line));
    Ok(())
}

/// The finding for a record that reaches no decoder: not a data row (IN005) or of the
/// wrong width (IN001). `judged` is not [`Judged::Data`].
#[cold]
fn not_data_finding<D>(
    kind: Kind,
    judged: Judged<D>,
    rec: Fields,
    widths: Widths,
    (file, line): (u16, u64),
) -> Finding {
    let width = widths.width;
    let f = match judged {
        Judged::OpenAtEnd => malformed_row(
            kind,
            "a quote opened on this line is never closed: the rest of the file was read as one field"
                .to_string(),
        ),
        Judged::Swallowed(k) => {
            return malformed_row(
                kind,
                format!(
                    "a quote opened on line {line} is not closed on its line: lines {line} to {} were read as one record, and the rows on lines {} to {} are not audited; close or remove the quote and export again",
                    line + k,
                    line + 1,
                    line + k
                ),
            )
            .at_lines(file, (line..=line + k).collect());
        }
        Judged::Unheaded(at) => malformed_row(
            kind,
            format!(
                "the record has a value in field {}, past the header's last named column ({}): a cell out of place or a delimiter in an unquoted cell; fix the row and export again",
                at + 1,
                widths.named
            ),
        ),
        Judged::NotData(what) => {
            let cell = match what {
                NotData::Footer(at) => {
                    show(&String::from_utf8_lossy(rec.get(at).unwrap_or_default()))
                }
                NotData::Line => show(&String::from_utf8_lossy(rec.get(0).unwrap_or_default())),
                _ => String::new(),
            };
            in005::finding(kind, what, &cell)
        }
        _ => {
            // A record over several lines (a quote open across them) names each of them.
            let (k, _) = spanned_lines(rec.as_slice(), widths.delimiter, width);
            return malformed_row(
                kind,
                format!(
                    "the record has {} field(s) where the header has {}; fix the quoting or the delimiters",
                    rec.len(),
                    width
                ),
            )
            .at_lines(file, (line..=line + k).collect());
        }
    };
    f.at(file, line)
}

/// The reading thread's end of the channels: where batches go, where emptied ones come
/// back, how many are in flight, and how many records of a batch this thread decodes.
struct Sender<'a, D> {
    tx: SyncSender<Result<Batch<D>, csv::Error>>,
    back_rx: Receiver<Batch<D>>,
    in_flight: &'a AtomicUsize,
    /// How many records of each full batch the reading thread decodes.
    share: usize,
    /// A fixed share (tests); `None` moves it to whichever thread waits.
    reader_decodes: Option<usize>,
}

/// The reading thread: parses every record into batches, decodes each batch's first
/// `share` records (`decode_batch`) and sends it; the file's last record is checked for a
/// quote left open. Stops at a parse error (sent) or when the receiver has gone.
fn read_records<D>(
    rdr: &mut csv::Reader<LineCounter<Box<dyn Read + Send>>>,
    progress: Option<&Progress>,
    delimiter: u8,
    mut to: Sender<D>,
    mut decode_batch: impl FnMut(&mut Batch<D>, usize),
) {
    let mut total = 0u64;
    // The parser fills `cur`; the record read before it waits in `held` (with its
    // line and offset) until the next one arrives or the file ends, so the file's
    // last record can be checked for a quote left open. Both stay in this core's
    // cache; each is copied into the batch when its turn comes.
    let mut cur = csv::ByteRecord::new();
    let mut held = csv::ByteRecord::new();
    let mut held_at: Option<(u64, u64)> = None;
    let mut batch = new_batch();
    loop {
        let more = match rdr.read_byte_record(&mut cur) {
            Ok(more) => more,
            Err(e) => {
                let _ = to.tx.send(Err(e));
                return;
            }
        };
        if !more {
            break;
        }
        // A blank line is no record.
        if cur.len() <= 1 && cur.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let offset = cur.position().map(|p| p.byte()).unwrap_or(0);
        let counter = rdr.get_mut();
        let line = counter.line_at(offset);
        counter.mark(offset);
        total += 1;
        if total.is_multiple_of(PROGRESS_EVERY)
            && let Some(p) = &progress
        {
            p(total, rdr.get_ref().pos);
        }
        if let Some((line, offset)) = held_at.replace((line, offset)) {
            batch.push(&held, line, offset);
            // A batch is sent at 512 records, or sooner when its records are long
            // (megabyte notes): memory follows what the checks keep, not the
            // length of the text passed through.
            if batch.len == BATCH || batch.bytes.len() >= BATCH_BYTES {
                if to.reader_decodes.is_none() {
                    let waiting = to.in_flight.load(std::sync::atomic::Ordering::Relaxed);
                    if waiting >= 6 {
                        to.share = (to.share + BATCH / 16).min(BATCH);
                    } else if waiting <= 1 {
                        to.share = to.share.saturating_sub(BATCH / 16);
                    }
                }
                decode_batch(&mut batch, to.share);
                to.in_flight
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut next = to.back_rx.try_recv().unwrap_or_else(|_| new_batch());
                next.clear();
                if to.tx.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                    return;
                }
            }
        }
        std::mem::swap(&mut cur, &mut held);
    }
    if let Some((line, offset)) = held_at {
        let open = held.iter().any(|f| f.contains(&b'\n'))
            && rdr.get_ref().ends_in_open_quote(offset, delimiter);
        batch.push(&held, line, offset);
        batch.open_quote_at_end = open;
    }
    let n = batch.len - usize::from(batch.open_quote_at_end);
    decode_batch(&mut batch, n.min(to.share));
    to.in_flight
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _ = to.tx.send(Ok(batch));
}

pub(super) fn new_batch<D>() -> Batch<D> {
    Batch {
        bytes: Vec::with_capacity(BATCH * 160),
        ends: Vec::with_capacity(BATCH * 12),
        starts: vec![(0, 0)],
        decoded: Vec::with_capacity(BATCH),
        lines: Vec::with_capacity(BATCH),
        offsets: Vec::with_capacity(BATCH),
        len: 0,
        open_quote_at_end: false,
        repairs: Repairs::default(),
        controls: Vec::with_capacity(BATCH),
    }
}

impl<D> Batch<D> {
    /// Empties a recycled batch, keeping its room.
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.starts.clear();
        self.starts.push((0, 0));
        self.decoded.clear();
        self.lines.clear();
        self.offsets.clear();
        self.len = 0;
        self.open_quote_at_end = false;
        self.repairs = Repairs::default();
        self.controls.clear();
    }

    /// Copies a record to the end of the batch, its fields cleaned ([`super::clean`]), and
    /// notes whether it is a data row ([`in005::not_a_data_row`], on the cleaned cells).
    fn push(&mut self, rec: &csv::ByteRecord, line: u64, offset: u64) {
        let b0 = self.bytes.len();
        let e0 = self.ends.len();
        let whole = rec.as_slice();
        let mut controls = false;
        // Printable ASCII (eight bytes at a time) with no field opening with `'` (looked
        // for at the field starts only when the record holds one): nothing to clean, copied
        // as it is. Otherwise field by field ([`super::clean`]).
        let mut fast = plain(whole);
        if fast {
            self.bytes.extend_from_slice(whole);
            self.ends
                .extend((0..rec.len()).map(|i| rec.range(i).map_or(0, |r| r.end)));
            if memchr::memchr(b'\'', whole).is_some() {
                let mut start = 0;
                for &end in &self.ends[e0..] {
                    let f = whole[start..end].trim_ascii_start();
                    if f.first() == Some(&b'\'') {
                        fast = false;
                        break;
                    }
                    start = end;
                }
            }
            if !fast {
                self.bytes.truncate(b0);
                self.ends.truncate(e0);
            }
        }
        if !fast {
            let before = self.repairs;
            for f in rec.iter() {
                clean_field(f, &mut self.bytes, &mut self.repairs);
                self.ends.push(self.bytes.len() - b0);
            }
            controls = self.repairs.control > before.control;
        }
        self.starts.push((self.bytes.len(), self.ends.len()));
        self.controls.push(controls);
        self.lines.push(line);
        self.offsets.push(offset);
        self.len += 1;
    }

    /// Record `i` of the batch.
    fn rec(&self, i: usize) -> Fields<'_> {
        let ((b0, e0), (b1, e1)) = (self.starts[i], self.starts[i + 1]);
        Fields {
            bytes: &self.bytes[b0..b1],
            ends: &self.ends[e0..e1],
            controls: self.controls[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Batch, new_batch};

    #[test]
    fn records_copied_into_a_batch_read_back_field_for_field() {
        let records: Vec<Vec<&[u8]>> = vec![
            vec![b"P1", b"2025-03-04", b"20"],
            vec![b"", b"", b""],
            vec![b"only one"],
            vec![b"caf\xc3\xa9", b"a,\"b\"\nc", b"", b"\xff\xfe"],
            vec![],
            vec![b"last", b"x"],
        ];
        let mut batch: Batch<()> = new_batch();
        for round in 0..2 {
            // The second round reuses the emptied batch, as the reading thread does.
            batch.clear();
            for (i, r) in records.iter().enumerate() {
                batch.push(
                    &csv::ByteRecord::from(r.clone()),
                    i as u64 + 2,
                    i as u64 * 10,
                );
            }
            assert_eq!(batch.len, records.len(), "round {round}");
            for (i, r) in records.iter().enumerate() {
                let f = batch.rec(i);
                assert_eq!(f.len(), r.len(), "record {i}");
                assert_eq!(f.iter().collect::<Vec<_>>(), *r, "record {i}");
                assert_eq!(f.as_slice(), r.concat(), "record {i}");
                for (k, field) in r.iter().enumerate() {
                    assert_eq!(f.get(k), Some(*field), "record {i} field {k}");
                }
                assert_eq!(
                    f.get(r.len()),
                    None,
                    "record {i} has no field past its last"
                );
                assert_eq!(
                    (batch.lines[i], batch.offsets[i]),
                    (i as u64 + 2, i as u64 * 10)
                );
            }
        }
    }
}
