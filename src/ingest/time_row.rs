//! Decoding one time-log row: every value parsed and checked, the note graded, the row's
//! fingerprint taken. Runs on either thread of the pipeline, so it reads nothing but the
//! record, the rules and its own cache.

use super::dates::Dates;
use super::reader::FieldError;
use super::reader::{Rec, RowResult, show};
use super::schema::TimelogCol as Col;
use crate::checks::ingest::open_timer;
use crate::domain::ascii::lowered_hash;
use crate::domain::{ClockPrecision, Roster, clock_precision, parse_duration_secs};
use crate::domain::{IdKey, NO_TIME, Npi, Program, RoleClass, TimeRow};
use crate::rules::Ruleset;
use chrono::NaiveDate;
use std::hash::Hasher;

/// Role and program spellings already resolved, by their bytes as written: a time log
/// repeats a handful of spellings millions of times, so each is normalised once.
#[derive(Default)]
pub(super) struct SpellingCache {
    roles: Vec<(i32, Box<[u8]>, Option<RoleClass>)>,
    programs: Vec<(Box<[u8]>, Option<Program>)>,
    statuses: Vec<(Box<[u8]>, Option<bool>)>,
    /// [`crate::checks::time::note_enough`] of the rules' phrases, worked out once.
    note_enough: Option<usize>,
    /// A buffer reused for folding text into a row's fingerprint.
    scratch: Vec<u8>,
}

impl SpellingCache {
    const MAX: usize = 256;

    fn role(
        &mut self,
        rules: &Ruleset,
        year: i32,
        s: &str,
        inferred: &InferredRoles,
    ) -> Option<RoleClass> {
        if let Some(hit) = self
            .roles
            .iter()
            .find(|(y, b, _)| *y == year && **b == *s.as_bytes())
        {
            return hit.2;
        }
        let yr = rules.year(year);
        // A whole cell that is a role; else a credential inside a staff cell (`Reyes, Kim
        // RN`), which the file's notes list.
        let got = yr.role(s).or_else(|| {
            let c = yr.role_in_cell(s)?;
            if let Ok(mut m) = inferred.lock()
                && m.len() < 64
            {
                m.insert(s.to_string(), c);
            }
            Some(c)
        });
        if self.roles.len() < Self::MAX {
            self.roles.push((year, s.as_bytes().into(), got));
        }
        got
    }

    /// Whether a time entry with this status or billable word counts (rules/statuses.csv,
    /// kind time): looked up once per spelling, not once per row.
    fn status(&mut self, rules: &Ruleset, s: &str) -> Option<bool> {
        if let Some(hit) = self.statuses.iter().find(|(b, _)| **b == *s.as_bytes()) {
            return hit.1;
        }
        let got = rules.statuses.time(s);
        if self.statuses.len() < Self::MAX {
            self.statuses.push((s.as_bytes().into(), got));
        }
        got
    }

    fn program(&mut self, s: &str) -> Option<Program> {
        if let Some(hit) = self.programs.iter().find(|(b, _)| **b == *s.as_bytes()) {
            return hit.1;
        }
        let got = Program::parse(s);
        if self.programs.len() < Self::MAX {
            self.programs.push((s.as_bytes().into(), got));
        }
        got
    }
}

/// Staff cells whose role was read from a credential inside them (`Reyes, Kim RN` as
/// clinical staff), shared by both decoding threads, for the file's notes.
pub(super) type InferredRoles = std::sync::Mutex<std::collections::BTreeMap<String, RoleClass>>;

/// What the file's notes say of the roles read from inside staff cells.
pub(super) fn inferred_roles_note(inferred: &InferredRoles) -> Option<String> {
    let m = inferred.lock().ok()?;
    if m.is_empty() {
        return None;
    }
    let said: Vec<String> = m
        .iter()
        .take(5)
        .map(|(cell, c)| {
            format!(
                "{:?} as {}",
                crate::domain::printable(cell, 40),
                c.describe()
            )
        })
        .collect();
    let more = if m.len() > 5 {
        format!(" ... and {} more", m.len() - 5)
    } else {
        String::new()
    };
    Some(format!(
        "staff roles read from the credential inside the staff cell: {}{more}",
        said.join(", ")
    ))
}

/// Feeds `b` to the fingerprint by the identity rule: case and runs of spaces aside
/// (`scratch` is the thread's reused buffer). Printable ASCII with single spaces (nearly
/// every note) is lower-cased and hashed eight bytes at a time in one pass that also
/// proves it so; anything else is folded word by word first, then hashed the same way.
fn fold_into(h: &mut impl Hasher, b: &[u8], scratch: &mut Vec<u8>) {
    let b = b.trim_ascii();
    let (hash, plain) = lowered_hash(b);
    if plain {
        return h.write_u64(hash);
    }
    scratch.clear();
    match std::str::from_utf8(b) {
        Ok(s) if !s.is_ascii() => scratch.extend_from_slice(crate::domain::fold_name(s).as_bytes()),
        _ => {
            for w in b.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()) {
                if !scratch.is_empty() {
                    scratch.push(b' ');
                }
                scratch.extend_from_slice(w);
            }
        }
    }
    h.write_u64(lowered_hash(scratch).0);
}

/// A timer's `mm:ss` (`12:30` is 12 min 30 s), in a file proved to write them so.
fn mm_ss(s: &str) -> Option<u32> {
    let (m, sec) = s.trim().split_once(':')?;
    if sec.contains(':') || sec.len() != 2 || m.is_empty() || m.len() > 3 {
        return None;
    }
    let (m, sec): (u32, u32) = (m.parse().ok()?, sec.parse().ok()?);
    (sec < 60).then_some(m * 60 + sec)
}

/// The message for a date of service no CMS year covers (a typo such as 1900 or 2105).
pub(super) fn implausible_date(col: &str, s: &str, rules: &Ruleset) -> String {
    format!(
        "{col} {} is outside any year ccm can audit ({} to {}: CCM was first payable in {}); it is not priced; check the date",
        show(s),
        crate::rules::FIRST_SERVICE_YEAR,
        rules.last_year() + 1,
        crate::rules::FIRST_SERVICE_YEAR
    )
}

/// What decoding a time log's rows shares, besides the rules: how its dates are read,
/// the roles read from inside staff cells (for the notes), the staff roster.
pub(super) struct FileCtx {
    pub(super) dates: std::sync::Arc<Dates>,
    pub(super) inferred: InferredRoles,
    pub(super) roster: Roster,
    /// The file's two-part durations are `mm:ss` (proved by a cell; the notes say which).
    pub(super) mmss: bool,
    /// Rows whose duration was not taken as written, for the notes.
    pub(super) taken: TakenRows,
    /// The identity fields every time log of the run carries, when the logs differ.
    pub(super) common: Option<super::timelog::Identity>,
}

/// Rows whose duration was not taken as written (a duration longer than its start and
/// end allow, a 0 beside them), and rows whose blank program was read as CCM: how many and
/// the first line of each, for the file's notes.
/// Shared by both decoding threads; rare, so a lock.
#[derive(Default)]
pub(super) struct TakenRows(std::sync::Mutex<[(u64, u64); 5]>);

/// Where [`TakenRows`] counts a row with a blank program (counted as CCM, as documented).
const BLANK_PROGRAM: usize = 2;
/// Where [`TakenRows`] counts a row whose interval is one clock time and its duration.
const ONE_SIDED: usize = 3;
/// Where [`TakenRows`] counts a row whose own role the staff roster contradicts.
const ROSTER_DIFFERS: usize = 4;

impl TakenRows {
    fn add(&self, taken: Taken, line: u64) {
        let i = match taken {
            Taken::OneSided => ONE_SIDED,
            t => usize::from(t == Taken::Zero),
        };
        self.count(i, line);
    }

    fn count(&self, i: usize, line: u64) {
        if let Ok(mut t) = self.0.lock() {
            let (n, first) = &mut t[i];
            *first = if *n == 0 { line } else { (*first).min(line) };
            *n += 1;
        }
    }

    /// What the file's notes say of them.
    pub(super) fn notes(&self) -> Vec<String> {
        let Ok(t) = self.0.lock() else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        if t[0].0 > 0 {
            notes.push(format!(
                "{} row(s) gave a duration longer than their start and end times allow (by a minute at most; first at line {}): the start-to-end time counted, never more than the times prove",
                t[0].0, t[0].1
            ));
        }
        if t[1].0 > 0 {
            notes.push(format!(
                "{} row(s) gave a duration of 0 beside start and end times (first at line {}): counted as 0, not guessed from the times; if the time was worked, enter its duration",
                t[1].0, t[1].1
            ));
        }
        if t[ONE_SIDED].0 > 0 {
            notes.push(format!(
                "{} row(s) gave one clock time (a start or an end) and a duration (first at line {}): each row's interval is that time and its duration (a start at 09:00 for 25 minutes is 09:00-09:25), for the overlap checks (TM003, TM004) and for the day it lies in",
                t[ONE_SIDED].0, t[ONE_SIDED].1
            ));
        }
        if t[ROSTER_DIFFERS].0 > 0 {
            notes.push(format!(
                "{} row(s) give a role of another kind than the staff roster gives their staff member (first at line {}): the row's own role counted, as a row's role always does; check the rows or the roster",
                t[ROSTER_DIFFERS].0, t[ROSTER_DIFFERS].1
            ));
        }
        if t[BLANK_PROGRAM].0 > 0 {
            notes.push(format!(
                "{} row(s) have a blank program (first at line {}): counted as CCM, as a blank program is read; if they are another program's time (RPM, PCM), fill in the program",
                t[BLANK_PROGRAM].0, t[BLANK_PROGRAM].1
            ));
        }
        notes
    }
}

/// Decodes and checks one time-log row. The row's patient, staff and NPI ids are left 0
/// for the caller to intern from the keys beside the row.
pub(super) fn parse_time_row(
    cache: &mut SpellingCache,
    r: &Rec<Col>,
    rules: &Ruleset,
    file_ctx: &FileCtx,
    file: u16,
    line: u64,
) -> RowResult<(TimeRow, [IdKey; 4])> {
    let patient = r.get(Col::PatientId)?;
    match decode_row(cache, r, rules, file_ctx, patient, Some(line)) {
        Ok((mut row, keys, taken, blank_program)) => {
            (row.file, row.line) = (file, line);
            if taken != Taken::AsWritten {
                file_ctx.taken.add(taken, line);
            }
            if blank_program {
                file_ctx.taken.count(BLANK_PROGRAM, line);
            }
            Ok(Ok((row, keys)))
        }
        Err(Stop::Bad(msg)) => Ok(Err((patient.to_string(), msg))),
        Err(Stop::Field(e)) => Err(e),
    }
}

/// Why a row is not read: a value that does not parse (IN002, the message), or a field
/// error (not text, or a row left out with a finding of its own).
enum Stop {
    Bad(String),
    Field(FieldError),
}

impl From<FieldError> for Stop {
    fn from(e: FieldError) -> Stop {
        Stop::Field(e)
    }
}

/// A row left out with a finding of its own (an open timer, a status that excludes it).
fn excluded<T>(f: crate::domain::Finding) -> Result<T, Stop> {
    Err(Stop::Field(FieldError::Excluded(Box::new(f))))
}

/// The row's values, checked in the order a reader meets them (the first problem is the
/// one said); its file and line are set by the caller.
fn decode_row(
    cache: &mut SpellingCache,
    r: &Rec<Col>,
    rules: &Ruleset,
    file_ctx: &FileCtx,
    patient: &str,
    at: Option<u64>,
) -> Result<(TimeRow, [IdKey; 4], Taken, bool), Stop> {
    let dates = &*file_ctx.dates;
    let date_s = r.get(Col::ServiceDate)?;
    let minutes_s = r.get(Col::Minutes)?;
    let (start_s, end_s) = (r.get(Col::StartTime)?, r.get(Col::EndTime)?);
    let staff = r.get(Col::StaffId)?;
    let role_s = r.get(Col::StaffRole)?;
    let program_s = r.get(Col::Program)?;
    let npi_s = r.get(Col::BillingNpi)?;
    let staff_npi_s = r.get(Col::StaffNpi)?;
    if patient.is_empty() {
        return Err(Stop::Bad("patient_id is blank".into()));
    }
    // `at`: the row's line when it is read to count (its status checked, its notes
    // counted); `None` when a row its status excludes is read for its identity only.
    if at.is_some() {
        entry_counts(cache, r, rules, patient)?;
    }
    let date = service_date(dates, rules, date_s)?;
    let (start, end, span, slack, clocks) = interval(dates, date, start_s, end_s)?;
    let (secs, taken) = duration(
        file_ctx.mmss,
        minutes_s,
        (span, slack),
        start_s,
        end_s,
        patient,
    )?;
    let (start, end, taken) = match span {
        Some(_) => (start, end, taken),
        None => match one_sided(clocks, secs, start_s, end_s)? {
            (Some(s), Some(e)) => (Some(s), Some(e), Taken::OneSided),
            (s, e) => (s, e, taken),
        },
    };
    if staff.is_empty() {
        return Err(Stop::Bad("staff_id is blank".into()));
    }
    let role = role_of(cache, rules, file_ctx, (staff, role_s), date, at)?;
    let program = program_of(cache, program_s)?;
    if !Npi::is_valid(npi_s) {
        return Err(Stop::Bad(format!(
            "billing_npi {} is not a valid NPI (10 digits with a valid check digit)",
            show(npi_s)
        )));
    }
    let performer = performer(role, staff_npi_s, &file_ctx.roster, staff, npi_s)?;
    let staff_key = IdKey::folded(staff);
    let fingerprint = Entry {
        patient,
        staff,
        staff_key,
        npi: npi_s,
        date,
        start,
        end,
        secs,
        role,
        program,
    }
    .fingerprint(cache, r, file_ctx.common);
    // Patients and NPIs compare exactly; staff by the identity rule (case and spacing
    // aside), shown as first written.
    let keys = [
        IdKey::new(patient),
        staff_key,
        IdKey::new(npi_s),
        IdKey::text_only(staff),
    ];
    let timed = |t: Option<u16>| {
        if start.is_some() && end.is_some() {
            t.unwrap_or(NO_TIME)
        } else {
            NO_TIME
        }
    };
    Ok((
        TimeRow {
            patient: 0,
            staff: 0,
            npi: 0,
            date,
            start: timed(start),
            end: timed(end),
            secs: crate::domain::Secs(secs),
            role,
            performer,
            program,
            note: note_of(cache, r, rules),
            file: 0,
            line: 0,
            fingerprint,
        },
        keys,
        taken,
        program_s.is_empty() && r.has(Col::Program),
    ))
}

/// A row its export marks as not counting (IN009), read as if it counted: the entry its
/// copies in the run's other time logs are matched against. `None` when the rest of the
/// row does not read (nothing to match).
pub(super) fn voided_entry(
    r: &Rec<Col>,
    rules: &Ruleset,
    file_ctx: &FileCtx,
    file: u16,
    line: u64,
) -> Option<crate::domain::VoidEntry> {
    let patient = r.get(Col::PatientId).ok()?;
    let mut cache = SpellingCache::default();
    let (row, _, _, _) = decode_row(&mut cache, r, rules, file_ctx, patient, None).ok()?;
    Some(crate::domain::VoidEntry {
        staff: r.get(Col::StaffId).ok()?.to_string(),
        date: chrono::Datelike::num_days_from_ce(&row.date),
        fingerprint: row.fingerprint,
        file,
        line,
    })
}

/// The export's own word on whether the entry counts: a status or a billable flag, read
/// through rules/statuses.csv (kind time); an entry that does not count is excluded and
/// said (IN009), an unknown word is IN002, never guessed.
fn entry_counts(
    cache: &mut SpellingCache,
    r: &Rec<Col>,
    rules: &Ruleset,
    patient: &str,
) -> Result<(), Stop> {
    for (c, col) in [(Col::Status, "status"), (Col::Billable, "billable")] {
        if !r.has(c) {
            continue;
        }
        let word = r.get(c)?;
        match cache.status(rules, word) {
            Some(true) => {}
            Some(false) => {
                return excluded(
                    crate::checks::ingest::in009::time_entry(col, word).patient(patient),
                );
            }
            None => {
                return Err(Stop::Bad(format!(
                    "{col} {} is not a known time-entry word ({}; the words are data in rules/statuses.csv, kind time)",
                    show(word),
                    rules.statuses.time_words()
                )));
            }
        }
    }
    Ok(())
}

/// The date of service, in a year ccm can audit.
fn service_date(dates: &Dates, rules: &Ruleset, date_s: &str) -> Result<NaiveDate, Stop> {
    let Some((date, _)) = dates.parse(date_s) else {
        return Err(Stop::Bad(format!(
            "service_date {} is not a valid date ({})",
            show(date_s),
            dates.forms()
        )));
    };
    if !rules.plausible_service_year(chrono::Datelike::year(&date)) {
        return Err(Stop::Bad(implausible_date("service_date", date_s, rules)));
    }
    Ok(date)
}

/// A row's start and end (minutes of the day, for the overlap checks) and the interval's
/// length in seconds, each `None` when the row has no clock times; and the seconds the
/// interval may last beyond that length: 59 when its end is given to the minute (`10:19`
/// is any moment of that minute), else 0; and the two clock times in seconds of the day.
type Interval = (
    Option<u16>,
    Option<u16>,
    Option<u32>,
    u32,
    (Option<u32>, Option<u32>),
);

/// The start and end (minutes of the day, for the overlap checks) and the interval's
/// length in seconds. Clock times count to the second: an interval lasts end minus start
/// (a call 15:00:50-15:20:10 is 19 min 20 s); instants and zone abbreviations are read in
/// `--tz`. A fraction of a second is never counted: an end's is dropped, and a start's
/// moves it to the next whole second (10:00:00.900-10:20:00.100 lasts 19 min 59 s).
fn interval(dates: &Dates, date: NaiveDate, start_s: &str, end_s: &str) -> Result<Interval, Stop> {
    let clock = |s: &str, col: &str| {
        dates
            .clock(s)
            .map_err(|why| Stop::Bad(format!("{col} {} {why}", show(s))))
    };
    let start_c = clock(start_s, "start_time")?;
    let end_c = clock(end_s, "end_time")?;
    for (c, col, s) in [
        (&start_c, "start_time", start_s),
        (&end_c, "end_time", end_s),
    ] {
        if let Some(d) = c.as_ref().and_then(|c| c.date)
            && d != date
        {
            return Err(Stop::Bad(format!(
                "{col} {} is on {d}, not on the service date {date}: an interval lies within its service day",
                show(s)
            )));
        }
    }
    let start = start_c.as_ref().map(|c| (c.secs / 60) as u16);
    let end = end_c.as_ref().map(|c| (c.secs / 60) as u16);
    let clocks = (
        start_c.as_ref().map(|c| c.secs),
        end_c.as_ref().map(|c| c.secs),
    );
    let span: Option<u32> = match (&start_c, &end_c) {
        (Some(s), Some(e)) => match dates.elapsed(date, s, e) {
            Err(why) => {
                return Err(Stop::Bad(format!(
                    "start_time {} to end_time {} {why}",
                    show(start_s),
                    show(end_s)
                )));
            }
            Ok(len) if len <= 0 || e.secs <= s.secs && e.instant.is_none() => {
                return Err(Stop::Bad(format!(
                    "end_time {end_s} is not after start_time {start_s} (an interval crossing midnight must be logged as two rows)"
                )));
            }
            Ok(len) => {
                let late_start = clock_precision(start_s) == ClockPrecision::Fraction;
                Some((len as u32).saturating_sub(u32::from(late_start)))
            }
        },
        _ => None,
    };
    let slack = if clock_precision(end_s) == ClockPrecision::Minute {
        59
    } else {
        0
    };
    Ok((start, end, span, slack, clocks))
}

/// The interval of a row with one clock time and a duration: a start and its duration
/// (`09:00` for 25 minutes is 09:00-09:25), or an end and its duration. It is the row's
/// time as much as a written end is, for the overlap checks and the day: an interval that
/// runs past midnight is refused as a written one is (it must be logged as two rows). A
/// row with both times, or neither, keeps what it wrote.
fn one_sided(
    (start, end): (Option<u32>, Option<u32>),
    secs: u32,
    start_s: &str,
    end_s: &str,
) -> Result<(Option<u16>, Option<u16>), Stop> {
    const DAY: u32 = 24 * 3600;
    let minute = |s: u32| Some((s / 60) as u16);
    match (start, end) {
        (Some(s), None) if secs > 0 => {
            let e = s + secs;
            if e > DAY {
                return Err(Stop::Bad(format!(
                    "start_time {} and its {} run past midnight (an interval crossing midnight must be logged as two rows)",
                    show(start_s),
                    crate::domain::Secs(secs).show()
                )));
            }
            Ok((minute(s), minute(e)))
        }
        (None, Some(e)) if secs > 0 => match e.checked_sub(secs) {
            Some(s) => Ok((minute(s), minute(e))),
            None => Err(Stop::Bad(format!(
                "end_time {} and its {} start before midnight (an interval crossing midnight must be logged as two rows)",
                show(end_s),
                crate::domain::Secs(secs).show()
            ))),
        },
        _ => Ok((None, None)),
    }
}

/// What a row's duration became beside its start and end, for the file's notes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Taken {
    /// The duration as written, or the interval when there is no duration.
    AsWritten,
    /// A duration longer than the start and end allow (by a minute at most): the interval's
    /// length counts, never more than the times written prove.
    Interval,
    /// A duration of 0 beside start and end times: 0 counts (a paused timer or an entry
    /// never timed: ccm does not guess which), said in the notes.
    Zero,
    /// The duration as written, beside one clock time: the interval is that time and the
    /// duration ([`one_sided`]), said in the notes.
    OneSided,
}

/// The seconds that count. The duration counts; an interval longer than it is a paused
/// timer (valid). A duration longer than the interval allows (its length, plus 59 s when
/// the end is given to the minute) is not taken: by a minute at most, the interval counts
/// (a timer's rounding; said in the notes), by more, the row is IN002.
fn duration(
    mmss: bool,
    minutes_s: &str,
    (span, slack): (Option<u32>, u32),
    start_s: &str,
    end_s: &str,
    patient: &str,
) -> Result<(u32, Taken), Stop> {
    let duration = if mmss {
        mm_ss(minutes_s).or_else(|| parse_duration_secs(minutes_s))
    } else {
        parse_duration_secs(minutes_s)
    };
    match (duration, span) {
        (_, None) if minutes_s.is_empty() => excluded(open_timer(minutes_s).patient(patient)),
        (Some(0), None) => excluded(open_timer(minutes_s).patient(patient)),
        (None, Some(sp)) if minutes_s.is_empty() => Ok((sp, Taken::AsWritten)),
        (None, _) => Err(Stop::Bad(format!(
            "minutes {} is not a duration (20, 20.75, 0:20, 00:20:15 or 20 min; at most 24 hours)",
            show(minutes_s)
        ))),
        // `20:15` read as h:mm is 20 hours, as a timer's mm:ss 20 minutes: a two-part
        // duration over 4 hours is taken for neither, never guessed.
        (Some(d), _)
            if d > crate::domain::LONGEST_HMM_SECS
                && minutes_s.matches(':').count() == 1
                && !mmss =>
        {
            Err(Stop::Bad(format!(
                "minutes {} would be {} as h:mm, too long for one entry; if it means minutes and seconds, export it as 0:{}",
                show(minutes_s),
                crate::domain::Secs(d).show(),
                minutes_s.trim()
            )))
        }
        (Some(d), Some(sp)) if d > sp + 60 => {
            let len = if sp % 60 == 0 {
                format!("{} minutes", sp / 60)
            } else {
                crate::domain::Secs(sp).show()
            };
            Err(Stop::Bad(format!(
                "minutes {} are longer than start/end ({start_s}-{end_s} is {len})",
                show(minutes_s)
            )))
        }
        (Some(d), Some(sp)) if d > sp + slack => Ok((sp, Taken::Interval)),
        (Some(0), Some(_)) => Ok((0, Taken::Zero)),
        (Some(d), _) => Ok((d, Taken::AsWritten)),
    }
}

/// The row's role class, read from the row's own role, else (blank) the staff roster's.
fn role_of(
    cache: &mut SpellingCache,
    rules: &Ruleset,
    file_ctx: &FileCtx,
    (staff, role_s): (&str, &str),
    date: NaiveDate,
    at: Option<u64>,
) -> Result<RoleClass, Stop> {
    let roster = &file_ctx.roster;
    let role_s = if role_s.is_empty() {
        if let Some((a, b)) = roster.disputed(staff) {
            return Err(Stop::Bad(disputed(staff, a, b)));
        }
        match roster.find(staff) {
            Some(m) => m.role.as_str(),
            None if roster.is_empty() => return Err(Stop::Bad("staff_role is blank".into())),
            None => {
                return Err(Stop::Bad(format!(
                    "staff_role is blank and staff {} is not in the staff roster",
                    show(staff)
                )));
            }
        }
    } else {
        role_s
    };
    let year = chrono::Datelike::year(&date);
    match cache.role(rules, year, role_s, &file_ctx.inferred) {
        Some(role) => {
            // The row's own role counts (documented); a roster that says otherwise is said.
            if !roster.is_empty()
                && let Some(line) = at
                && let Some(m) = roster.find(staff)
                && m.role != role_s
                && cache
                    .role(rules, year, &m.role, &file_ctx.inferred)
                    .is_some_and(|r| r != role)
            {
                file_ctx.taken.count(ROSTER_DIFFERS, line);
            }
            Ok(role)
        }
        None => Err(Stop::Bad(format!(
            "staff_role {} is not a known role (see `ccm rules`; roles are data in rules/<year>/roles.csv)",
            show(role_s)
        ))),
    }
}

/// Why a row whose role or performer NPI the roster gives is not read: the roster lists
/// its staff member twice, disagreeing (never guessed, whatever the roster's order).
fn disputed(staff: &str, a: &crate::domain::StaffMember, b: &crate::domain::StaffMember) -> String {
    let npi = |m: &crate::domain::StaffMember| {
        m.npi
            .as_ref()
            .map_or(String::new(), |n| format!(", NPI {}", n.as_str()))
    };
    format!(
        "the staff roster lists staff {} twice, differently ({}{} at line {}, {}{} at line {}): which one is meant cannot be told; list them once",
        show(staff),
        show(&a.role),
        npi(a),
        a.line,
        show(&b.role),
        npi(b),
        b.line
    )
}

/// The row's program; a blank cell is CCM.
fn program_of(cache: &mut SpellingCache, program_s: &str) -> Result<Program, Stop> {
    if program_s.is_empty() {
        return Ok(Program::Ccm);
    }
    cache.program(program_s).ok_or_else(|| {
        Stop::Bad(format!(
            "program {} is not a known program",
            show(program_s)
        ))
    })
}

/// Whose time a practitioner's row is: the time log's performer NPI, else the roster's.
/// Only a practitioner's row needs it (99491/99437): another row's staff_npi is not read,
/// and the roster is not looked up when there is none.
fn performer(
    role: RoleClass,
    staff_npi_s: &str,
    roster: &Roster,
    staff: &str,
    npi_s: &str,
) -> Result<crate::domain::Performer, Stop> {
    use crate::domain::Performer;
    if role != RoleClass::Practitioner {
        return Ok(Performer::Unknown);
    }
    let performer_npi = if !staff_npi_s.is_empty() {
        if !Npi::is_valid(staff_npi_s) {
            return Err(Stop::Bad(format!(
                "staff_npi {} is not a valid NPI (10 digits with a valid check digit)",
                show(staff_npi_s)
            )));
        }
        Some(staff_npi_s)
    } else if roster.is_empty() {
        None
    } else {
        if let Some((a, b)) = roster.disputed(staff)
            && a.npi != b.npi
        {
            return Err(Stop::Bad(disputed(staff, a, b)));
        }
        roster
            .find(staff)
            .and_then(|m| m.npi.as_ref().map(|n| n.as_str()))
    };
    Ok(match performer_npi {
        None => Performer::Unknown,
        Some(n) if n == npi_s => Performer::Billing,
        Some(_) => Performer::Other,
    })
}

/// A row's decoded values, as its duplicate fingerprint reads them.
struct Entry<'a> {
    patient: &'a str,
    staff: &'a str,
    staff_key: IdKey,
    npi: &'a str,
    date: NaiveDate,
    start: Option<u16>,
    end: Option<u16>,
    secs: u32,
    /// By its class: `RN` and `Registered Nurse` (or a blank role the roster fills) are
    /// one role of one staff member.
    role: RoleClass,
    program: Program,
}

impl Entry<'_> {
    /// Two rows are one entry when their decoded values are: ids (trimmed), day, clock
    /// times, minutes, role (its class), program, NPI, and activity and note trimmed.
    /// `P001 ` for `P001`, `Registered Nurse` for `RN` or `03/05/2025` for `2025-03-05`
    /// does not hide a repeat.
    ///
    /// When the run's time logs differ in the identity fields they carry (`common`), the
    /// high 32 bits are this fingerprint's and the low 32 bits the fingerprint of the
    /// fields every log carries ([`super::timelog::share_identity`]): the engine matches
    /// rows across logs on those.
    fn fingerprint(
        &self,
        cache: &mut SpellingCache,
        r: &Rec<Col>,
        common: Option<super::timelog::Identity>,
    ) -> u64 {
        let all = super::timelog::Identity {
            times: true,
            activity: true,
            note: true,
        };
        let full = self.hash_of(cache, r, all);
        match common {
            None => full,
            Some(c) => (full & !0xffff_ffff) | (self.hash_of(cache, r, c) >> 32),
        }
    }

    /// The fingerprint of the fields `read` names, beside those every row has.
    fn hash_of(
        &self,
        cache: &mut SpellingCache,
        r: &Rec<Col>,
        read: super::timelog::Identity,
    ) -> u64 {
        let mut h = std::hash::BuildHasher::build_hasher(&crate::domain::FastState::default());
        h.write(self.patient.as_bytes());
        h.write_u8(0xff);
        if self.staff_key.is_inline() {
            h.write_u64(self.staff_key.hash());
        } else {
            h.write(crate::domain::fold_name(self.staff).as_bytes());
        }
        h.write_u8(0xff);
        h.write(self.npi.as_bytes());
        h.write_u8(0xff);
        h.write_i32(chrono::Datelike::num_days_from_ce(&self.date));
        if read.times {
            h.write_u16(self.start.unwrap_or(NO_TIME));
            h.write_u16(self.end.unwrap_or(NO_TIME));
        }
        h.write_u32(self.secs);
        h.write_u8(self.role as u8);
        h.write_u8(0xff);
        h.write_u8(self.program as u8);
        // Activity and note by the identity rule too: a report viewer that upper-cases or
        // re-spaces them does not make a second entry.
        for (c, read) in [(Col::Activity, read.activity), (Col::Note, read.note)] {
            if read {
                fold_into(&mut h, r.raw(c), &mut cache.scratch);
            }
            h.write_u8(0xff);
        }
        h.finish()
    }
}

/// The note's quality. A time log without a note column says nothing of documentation:
/// not judged (the file's notes say so), rather than every row called undocumented.
fn note_of(cache: &mut SpellingCache, r: &Rec<Col>, rules: &Ruleset) -> crate::domain::NoteQuality {
    if !r.has(Col::Note) {
        return crate::domain::NoteQuality::Ok;
    }
    crate::checks::time::note_quality(
        r.raw(Col::Note),
        &rules.vague_phrases,
        rules.note_min_chars,
        *cache.note_enough.get_or_insert_with(|| {
            crate::checks::time::note_enough(&rules.vague_phrases, rules.note_min_chars)
        }),
    )
}

#[cfg(test)]
mod fold_tests {
    use super::fold_into;
    use std::hash::BuildHasher;
    use std::hash::Hasher as _;

    fn h(b: &[u8]) -> u64 {
        let mut x = crate::domain::FastState::default().build_hasher();
        fold_into(&mut x, b, &mut Vec::new());
        x.finish()
    }

    #[test]
    fn notes_hash_alike_case_and_spacing_aside() {
        assert_eq!(
            h(b"Reviewed BP log, PCP notified"),
            h(b"REVIEWED BP LOG, PCP NOTIFIED")
        );
        assert_eq!(h(b"Reviewed  BP\tlog"), h(b"reviewed bp log"));
        assert_eq!(
            h(" Jos\u{e9} called ".as_bytes()),
            h("JOS\u{c9} called".as_bytes())
        );
        assert_ne!(h(b"reviewed bp log"), h(b"reviewed bp logs"));
        assert_ne!(h(b"a"), h(b"a\0"));
        // A long note, upper-cased and re-spaced.
        let long = "Reviewed BP log ".repeat(40);
        assert_eq!(
            h(long.as_bytes()),
            h(long.to_uppercase().replace(' ', "  ").as_bytes())
        );
    }
}

#[cfg(test)]
mod duration_tests {
    use super::{Taken, duration};
    use proptest::prelude::*;

    proptest! {
        /// The class, not the example (red team round 9: `20` beside 10:00-10:19 billed
        /// 99490): a row's counted time never exceeds what its start and end allow (their
        /// length, plus 59 s for an end given to the minute), and a duration they allow is
        /// counted as written.
        #[test]
        fn a_row_never_counts_more_than_its_interval_allows(
            span in 1u32..7200,
            slack in prop::sample::select(vec![0u32, 59]),
            d in 0u32..7200,
        ) {
            let cell = format!("{}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60);
            match duration(false, &cell, (Some(span), slack), "start", "end", "P1") {
                Ok((secs, taken)) => {
                    prop_assert!(secs <= span + slack, "{cell}: {secs} s beside {span} s");
                    if d <= span + slack {
                        prop_assert_eq!(secs, d);
                        prop_assert_ne!(taken, Taken::Interval);
                    } else {
                        prop_assert_eq!((secs, taken), (span, Taken::Interval));
                    }
                }
                Err(_) => prop_assert!(d > span + 60, "{cell} refused beside {span} s"),
            }
        }
    }
}

#[cfg(test)]
mod one_sided_tests {
    use super::{interval, one_sided};
    use crate::domain::DateOrder;
    use crate::ingest::dates::Dates;
    use proptest::prelude::*;

    fn hms(s: u32) -> String {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }

    proptest! {
        /// The class, not the example (red team round 17: a start and a duration with no
        /// end was an interval of no time, so one nurse's overlapping calls billed twice, and
        /// a session past midnight counted in the day it began): one session written as a
        /// start and its duration, as an end and its duration, or as a start and an end is
        /// one interval, and past midnight is refused all three ways.
        #[test]
        fn a_session_is_one_interval_however_its_times_are_written(
            start in 0u32..86_400,
            secs in 1u32..4 * 3600,
        ) {
            let dates = Dates::new(DateOrder::Mdy, None);
            let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
            let end = start + secs;
            let by_start = one_sided((Some(start), None), secs, &hms(start), "");
            if end > 86_400 {
                prop_assert!(by_start.is_err());
                return Ok(());
            }
            let by_start = by_start.ok().unwrap();
            let by_end = one_sided((None, Some(end)), secs, "", &hms(end)).ok().unwrap();
            prop_assert_eq!(by_start, by_end);
            if end < 86_400 {
                let written = interval(&dates, day, &hms(start), &hms(end)).ok().unwrap();
                prop_assert_eq!(by_start, (written.0, written.1));
                prop_assert_eq!(written.2, Some(secs));
            }
        }
    }

    #[test]
    fn an_end_and_a_duration_before_midnight_is_refused() {
        assert!(one_sided((None, Some(600)), 900, "", "00:10").is_err());
        assert_eq!(
            one_sided((None, None), 900, "", "").ok(),
            Some((None, None))
        );
    }
}
