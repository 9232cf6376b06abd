//! Values the way exports write them: durations, dates, date-times, instants and clock
//! times as spreadsheets, EHRs and billing systems put them in a CSV cell.
//!
//! Pure functions, one cell in, a typed value (or `None`) out. They run once per row on
//! millions of rows, so none allocates and none uses a regex: each tries the canonical form
//! first (`20`, `2025-03-05`, `09:05`) and only then the others. Leading and trailing
//! whitespace is ignored everywhere. What a cell means (an empty duration as an open timer,
//! a file's day order, a time zone) is the caller's decision: these functions only read.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

/// Seconds in a day: the largest duration, and `24:00` as a clock time.
pub const DAY_SECS: u32 = 86_400;

/// The longest entry a two-part duration (`a:bb`) is read as `h:mm`: over it (`4:30` would
/// be 4 h 30 min, `20:15` 20 h 15 min) a cell is a timer's `mm:ss` or an error, never
/// hours. One bound for both uses: a cell over it proves a file writes `mm:ss`, and in a
/// file not proved so it is refused (IN002), never guessed.
pub const LONGEST_HMM_SECS: u32 = 4 * 3600;

/// 1 to 9 ASCII digits as a number.
pub(super) fn uint(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// `123` or `123.456` times `scale` (seconds per unit), in milliseconds, rounded there (a
/// spreadsheet's `19.9999999999996` minutes, 20 minutes in floating point, is 1 200 000
/// ms); the caller bounds the total and cuts it to the second below ([`whole_secs`]). Up to
/// 9 digits before the point; any number after it, of which the first 12 are read.
fn scaled_decimal(b: &[u8], scale: u64) -> Option<u64> {
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mut v = u64::from(uint(int)?) * scale * 1000;
    if let Some(f) = frac {
        if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let (mut num, mut den) = (0u64, 1u64);
        for &c in &f[..f.len().min(12)] {
            num = num * 10 + u64::from(c - b'0');
            den *= 10;
        }
        // num < 10^12, scale <= 3600: the product in milliseconds fits in a u64.
        v += (num * scale * 1000 + den / 2) / den;
    }
    Some(v)
}

/// At most a day.
fn day_bounded(secs: u64) -> Option<u32> {
    (secs <= u64::from(DAY_SECS)).then_some(secs as u32)
}

/// Milliseconds of a decimal duration as whole seconds: at most a day (`1440.01` minutes is
/// over it), and cut to the second below, never rounded up (`19.999` minutes, 1 199 940 ms,
/// is 1199 s: seconds are never rounded up to a threshold).
fn whole_secs(ms: u64) -> Option<u32> {
    (ms <= u64::from(DAY_SECS) * 1000).then_some((ms / 1000) as u32)
}

// ---------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------

/// A duration of work, in seconds. Accepted forms (case-insensitive, surrounding spaces
/// ignored):
///
/// | form | example | seconds |
/// |---|---|---|
/// | whole minutes (canonical) | `20`, `0020` | 1200 |
/// | decimal minutes, `.` as the point | `20.75`, `12.5`, `0.5` | 1245, 750, 30 |
/// | `h:mm` (hours and minutes, as a spreadsheet's `[h]:mm`) | `1:05`, `0:20` | 3900, 1200 |
/// | `h:mm:ss` / `hh:mm:ss` | `00:20:15`, `1:00:00` | 1215, 3600 |
/// | a number with a unit, parts largest first | `20 min`, `20mins`, `20 minutes`, `20m`, `1h 5m`, `1 hr 5 min`, `1h5m30s`, `1.5 hours` | … |
///
/// Units: `h`, `hr`, `hrs`, `hour`, `hours`; `m`, `min`, `mins`, `minute`, `minutes`; `s`,
/// `sec`, `secs`, `second`, `seconds`. Each at most once, hours before minutes before
/// seconds, every number followed by its unit (`1h 5` is rejected), spaces optional.
///
/// Decimals are read to the millisecond and cut to the whole second below, never rounded
/// up (`19.999` min = 1199.94 s = 1199 s; `0.0166` min = 0.996 s = 0 s).
/// `h:mm` reads the first part as hours, never as minutes of `mm:ss`: `20:15` is 20 h 15 min
/// (and so too long). A decimal comma (`20,5`) is rejected: in a US export `1,200` is a
/// thousands separator, and one cell cannot tell `20,5` (20.5) from `2,05` (205).
///
/// Bounds: `0` (or `0:00`, `0 min`) is `Some(0)`: whether a zero duration is an open timer
/// or an error is the caller's decision. More than 1440 minutes (86 400 s) is `None`.
/// Negative or signed numbers, exponents (`1e3`), `NaN`, `inf`, empty cells and anything
/// else are `None`.
pub fn parse_duration_secs(s: &str) -> Option<u32> {
    let b = s.trim().as_bytes();
    if (1..=4).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        let m = uint(b)?;
        return (m <= 1440).then_some(m * 60);
    }
    if b.contains(&b':') {
        return colon_duration(b);
    }
    if let Some(ms) = scaled_decimal(b, 60) {
        return whole_secs(ms);
    }
    unit_duration(b)
}

/// `h:mm` or `h:mm:ss`, the hours one or two digits.
fn colon_duration(b: &[u8]) -> Option<u32> {
    let mut it = b.split(|&c| c == b':');
    let (h, m, sec) = (it.next()?, it.next()?, it.next());
    if it.next().is_some() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (uint(h)?, uint(m)?);
    let sec = match sec {
        Some(x) if x.len() == 2 => uint(x)?,
        Some(_) => return None,
        None => 0,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    day_bounded(u64::from(h * 3600 + m * 60 + sec))
}

/// `1h 5m`, `20 min`, `1 hr 5 min 30 sec` …
fn unit_duration(b: &[u8]) -> Option<u32> {
    let mut i = 0;
    let mut total = 0u64;
    let mut last_rank = None::<u8>;
    let skip_spaces = |i: &mut usize| {
        while *i < b.len() && b[*i] == b' ' {
            *i += 1;
        }
    };
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let number = &b[start..i];
        skip_spaces(&mut i);
        let ustart = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let (rank, scale) = unit(&b[ustart..i])?;
        if last_rank.is_some_and(|r| r >= rank) {
            return None;
        }
        last_rank = Some(rank);
        total += scaled_decimal(number, scale)?;
        skip_spaces(&mut i);
    }
    last_rank?;
    whole_secs(total)
}

/// A unit's rank (hours 0, minutes 1, seconds 2) and its length in seconds.
fn unit(w: &[u8]) -> Option<(u8, u64)> {
    const UNITS: [(&str, u8, u64); 15] = [
        ("h", 0, 3600),
        ("hr", 0, 3600),
        ("hrs", 0, 3600),
        ("hour", 0, 3600),
        ("hours", 0, 3600),
        ("m", 1, 60),
        ("min", 1, 60),
        ("mins", 1, 60),
        ("minute", 1, 60),
        ("minutes", 1, 60),
        ("s", 2, 1),
        ("sec", 2, 1),
        ("secs", 2, 1),
        ("second", 2, 1),
        ("seconds", 2, 1),
    ];
    UNITS
        .iter()
        .find(|(name, _, _)| w.eq_ignore_ascii_case(name.as_bytes()))
        .map(|&(_, rank, scale)| (rank, scale))
}

// ---------------------------------------------------------------------------------------
// Clock times
// ---------------------------------------------------------------------------------------

/// A clock time, in seconds after midnight. Accepted forms (surrounding spaces ignored):
///
/// | form | examples | seconds |
/// |---|---|---|
/// | 24-hour `H:MM`, `HH:MM` (canonical) | `9:05`, `09:05`, `00:05` | 32 700, 32 700, 300 |
/// | 24-hour with seconds, optionally fractional (truncated) | `14:05:33`, `14:05:33.250` | 50 733 |
/// | end of the day | `24:00`, `24:00:00` | 86 400 |
/// | 12-hour, `AM`/`PM` in any case, with or without a space, also `a.m.`/`p.m.` | `9:05 AM`, `9:05AM`, `9:05 am`, `9:05:33 PM`, `9:05 p.m.` | … |
/// | 12-hour, the hour alone (the meridiem makes it a time) | `9 AM`, `12 PM` | 32 400, 43 200 |
/// | a date-time in a time column: its time part | `2025-03-05 09:05`, `2025-03-05T09:05:00`, `3/5/2025 9:05 AM` | 32 700 |
///
/// In 12-hour form the hour is 1 to 12: `12:40 PM` is 12:40 (noon), `12:05 AM` is 00:05.
/// Rejected: `13:05 PM`, `0:05 AM`, `12:60`, `24:01`, a bare hour without `AM`/`PM` (`9`
/// could be minutes), `0905`, `9:5`, a date-time with a zone (`…Z`, `…-05:00`: see
/// [`parse_instant`]), an Excel day fraction (`0.378`).
pub fn parse_clock_secs(s: &str) -> Option<u32> {
    let b = s.trim().as_bytes();
    if let Some(v) = clock(b, true) {
        return Some(v);
    }
    // An Excel serial with its fraction (`45721.375`): a date-time as a spreadsheet keeps
    // it (a bare fraction `0.375` has no date and stays refused).
    if let Some((_, t)) = excel_date_time(b) {
        return Some(t);
    }
    // A date-time: any cell with a date before its time; the day order does not matter for
    // the time, so whichever order reads the date.
    if b.len() > 10 {
        for order in [DateOrder::Mdy, DateOrder::Dmy] {
            if let Some((_, t)) = parse_date_in(s, order) {
                return t;
            }
        }
    }
    None
}

/// How finely a start or end cell gives its moment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClockPrecision {
    /// To the minute (`10:19`, `9:05 AM`, `2025-03-05 10:19`, `9 AM`): the moment lies
    /// anywhere in that minute.
    Minute,
    /// To the second (`10:19:30`, `2025-03-05T10:19:30-05:00`, an Excel serial's fraction).
    Second,
    /// To the second, with a fraction of a second after it that the reading drops
    /// (`10:19:30.250`).
    Fraction,
}

/// The precision of a start or end cell (one [`parse_clock_secs`], [`parse_instant`] or a
/// date-time reads): after its first `:` and two digits of minutes, `:` and two digits of
/// seconds or not, then a fraction with a digit other than 0 or not. A cell with no `:` is
/// an Excel serial (to the second) or an hour with AM/PM (`9 AM`, to the minute).
pub fn clock_precision(s: &str) -> ClockPrecision {
    let b = s.trim().as_bytes();
    let Some(i) = memchr::memchr(b':', b) else {
        return if b.iter().any(u8::is_ascii_alphabetic) {
            ClockPrecision::Minute
        } else {
            ClockPrecision::Second
        };
    };
    match b.get(i + 3..i + 6) {
        Some([b':', x, y]) if x.is_ascii_digit() && y.is_ascii_digit() => {
            let fraction = match &b[i + 6..] {
                [b'.', rest @ ..] => rest
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .any(|&c| c != b'0'),
                _ => false,
            };
            if fraction {
                ClockPrecision::Fraction
            } else {
                ClockPrecision::Second
            }
        }
        _ => ClockPrecision::Minute,
    }
}

/// A clock time in 24- or 12-hour form, the whole of `b`. `24:00` only when `end_of_day`.
fn clock(b: &[u8], end_of_day: bool) -> Option<u32> {
    // Fast path: `H:MM` and `HH:MM`.
    let n = b.len();
    if (n == 4 || n == 5) && b[n - 3] == b':' {
        let h = uint(&b[..n - 3])?;
        let m = uint(&b[n - 2..])?;
        return hms24(h, m, 0, end_of_day);
    }
    let (core, pm) = split_meridiem(b);
    let mut it = core.splitn(3, |&c| c == b':');
    let h = it.next()?;
    let m = it.next();
    let sec = it.next();
    if h.is_empty() || h.len() > 2 {
        return None;
    }
    let h = uint(h)?;
    let m = match m {
        Some(m) if m.len() == 2 => uint(m)?,
        Some(_) => return None,
        // The hour alone only with AM/PM.
        None if pm.is_some() => 0,
        None => return None,
    };
    let sec = match sec {
        Some(x) => {
            let (whole, frac) = x.split_at(x.len().min(2));
            if whole.len() != 2 || !(frac.is_empty() || valid_fraction(frac)) {
                return None;
            }
            uint(whole)?
        }
        None => 0,
    };
    match pm {
        None => hms24(h, m, sec, end_of_day),
        Some(pm) => {
            if !(1..=12).contains(&h) || m > 59 || sec > 59 {
                return None;
            }
            Some((h % 12 + if pm { 12 } else { 0 }) * 3600 + m * 60 + sec)
        }
    }
}

/// `.` followed by one or more digits.
fn valid_fraction(f: &[u8]) -> bool {
    f.len() > 1 && f[0] == b'.' && f[1..].iter().all(u8::is_ascii_digit)
}

fn hms24(h: u32, m: u32, s: u32, end_of_day: bool) -> Option<u32> {
    if m > 59 || s > 59 {
        return None;
    }
    if h < 24 {
        Some(h * 3600 + m * 60 + s)
    } else if h == 24 && m == 0 && s == 0 && end_of_day {
        Some(DAY_SECS)
    } else {
        None
    }
}

/// Splits a trailing `AM`/`PM` (any case, also `a.m.`/`p.m.`, spaces before it optional)
/// off a time: the time and whether it is PM.
fn split_meridiem(b: &[u8]) -> (&[u8], Option<bool>) {
    for (suffix, pm) in [
        (&b"am"[..], false),
        (b"pm", true),
        (b"a.m.", false),
        (b"p.m.", true),
    ] {
        if b.len() > suffix.len() && b[b.len() - suffix.len()..].eq_ignore_ascii_case(suffix) {
            return (b[..b.len() - suffix.len()].trim_ascii_end(), Some(pm));
        }
    }
    (b, None)
}

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

/// How a file writes the day and month of a slash date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateOrder {
    /// Month first, `3/5/2025` = 5 March (US exports).
    Mdy,
    /// Day first, `5/3/2025` = 5 March (most of the world).
    Dmy,
}

/// The first Excel serial accepted, 1990-01-01.
pub const EXCEL_SERIAL_MIN: u32 = 32_874;
/// The last Excel serial accepted, 2099-12-31.
pub const EXCEL_SERIAL_MAX: u32 = 73_050;

/// A date, and its time of day in seconds after midnight when the cell is a date-time.
/// Accepted forms (surrounding spaces ignored):
///
/// | form | examples | result |
/// |---|---|---|
/// | ISO date (canonical) | `2025-03-05` | 5 March, `None` |
/// | ISO date-time, `T` or a space, optional seconds and fraction (truncated) | `2025-03-05 09:05`, `2025-03-05T09:05:00`, `2025-03-05T09:05:00.123` | 5 March, `Some(32700)` |
/// | a date with a zero time (a spreadsheet's date-only cell) | `2025-03-05 00:00:00` | 5 March, `Some(0)` |
/// | slash date in `order`, one- or two-digit parts | `3/5/2025`, `03/05/2025` (Mdy) | 5 March |
/// | slash date with a two-digit year: 2000 + yy (no 19yy: care management began in 2015) | `3/5/25` | 5 March 2025 |
/// | year-first slash date, in either order | `2025/03/05` | 5 March |
/// | `.` or `-` separated, day first, **only in [`DateOrder::Dmy`]** | `05.03.2025`, `5-3-2025`, `05.03.25` | 5 March |
/// | slash date-time, 12- or 24-hour (Epic writes seconds) | `3/5/2025 9:05 AM`, `3/5/2025 9:05:33 PM`, `3/5/2025 14:05` | … |
/// | Excel serial day (1900 system), optionally with a fraction of a day as the time | `45721`, `45721.378472` | 5 March, `None` / `Some(32700)` |
///
/// Day-first `.`/`-` dates are refused in month-first order: a US file does not write them,
/// and `05-03-2025` would silently read as 3 May. ISO dates must be zero-padded (`2025-3-5`
/// is rejected).
///
/// Excel serials are accepted from [`EXCEL_SERIAL_MIN`] to [`EXCEL_SERIAL_MAX`]
/// (1990-01-01 to 2099-12-31), so a stray count or an id is not read as a date. Day 1 is
/// 1900-01-01 and Excel counts a 29 February 1900 that never was, so from day 61 on a
/// serial is the days since 1899-12-30: `45717` is 2025-03-01. A fraction is rounded to
/// the nearest second (one that rounds to midnight moves to the next day).
///
/// Not here: a date-time with `Z` or an offset (`2025-03-05T14:05:00Z`): it is an instant,
/// read by [`parse_instant`] and placed in a zone by [`local_date_time`]; this returns
/// `None` for it. Also rejected: `2025-02-29`, year 0, a time of `24:00`, text months.
pub fn parse_date_in(s: &str, order: DateOrder) -> Option<(NaiveDate, Option<u32>)> {
    let b = s.trim().as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        return Some((iso_date(b)?, None));
    }
    let split = b.iter().position(|&c| c == b' ' || c == b'T');
    let (d, t) = match split {
        Some(i) => (&b[..i], Some(b[i + 1..].trim_ascii_start())),
        None => (b, None),
    };
    if t.is_none()
        && b.first().is_some_and(u8::is_ascii_digit)
        && let Some(v) = excel_serial(b)
    {
        return Some(v);
    }
    let iso = d.len() == 10 && d[4] == b'-' && d[7] == b'-';
    let date = if iso {
        iso_date(d)?
    } else {
        other_date(d, order)?
    };
    let time = match (t, split) {
        (Some(t), Some(i)) if iso || b[i] == b' ' => Some(clock(t, false)?),
        (Some(_), _) => return None,
        (None, _) => None,
    };
    Some((date, time))
}

/// `YYYY-MM-DD`, all ten bytes.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    let y = uint(&b[0..4])?;
    if y == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, uint(&b[5..7])?, uint(&b[8..10])?)
}

/// `a<sep>b<sep>c` split: the parts and the separator.
type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8], u8);

/// The three parts of `a<sep>b<sep>c` and the separator, when it is `/`, `.` or `-`.
fn three_parts(d: &[u8]) -> Option<Parts<'_>> {
    let sep = *d.iter().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let mut it = d.split(|&c| c == sep);
    let parts = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some((parts.0, parts.1, parts.2, sep))
}

/// A slash, dot or dash date other than ISO.
fn other_date(d: &[u8], order: DateOrder) -> Option<NaiveDate> {
    let (p, q, r, sep) = three_parts(d)?;
    if p.len() == 4 {
        // Year first: `2025/03/05` only.
        if sep != b'/' || q.is_empty() || q.len() > 2 || r.is_empty() || r.len() > 2 {
            return None;
        }
        return ymd(uint(p)?, uint(q)?, uint(r)?);
    }
    if sep != b'/' && order == DateOrder::Mdy {
        return None;
    }
    if p.is_empty() || p.len() > 2 || q.is_empty() || q.len() > 2 {
        return None;
    }
    let (p, q) = (uint(p)?, uint(q)?);
    let y = match r.len() {
        4 => uint(r)?,
        2 => 2000 + uint(r)?,
        _ => return None,
    };
    match order {
        DateOrder::Mdy => ymd(y, p, q),
        DateOrder::Dmy => ymd(y, q, p),
    }
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    if y == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// The day before Excel's day 1 once its phantom 29 February 1900 is counted: serial `n`
/// (n ≥ 61) is this date plus `n` days.
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date")
}

/// An Excel serial with a fraction of a day (`45721.375`): its date and time of day.
pub fn excel_date_time(b: &[u8]) -> Option<(NaiveDate, u32)> {
    if !b.contains(&b'.') || !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    match excel_serial(b)? {
        (d, Some(t)) => Some((d, t)),
        (_, None) => None,
    }
}

/// `45721` or `45721.378472`: five digits in the accepted range, optionally a fraction.
fn excel_serial(b: &[u8]) -> Option<(NaiveDate, Option<u32>)> {
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i..])),
        None => (b, None),
    };
    if int.len() != 5 {
        return None;
    }
    let n = uint(int)?;
    if !(EXCEL_SERIAL_MIN..=EXCEL_SERIAL_MAX).contains(&n) {
        return None;
    }
    let mut date = excel_epoch().checked_add_days(Days::new(u64::from(n)))?;
    let time = match frac {
        None => None,
        Some(f) => {
            if !valid_fraction(f) {
                return None;
            }
            let mut secs = day_fraction_secs(&f[1..]);
            if secs == DAY_SECS {
                date = date.succ_opt()?;
                secs = 0;
            }
            Some(secs)
        }
    };
    Some((date, time))
}

/// The digits after a day's decimal point as seconds, rounded half up (up to 86 400). Not
/// cut down as a decimal duration is: a serial's fraction is how a spreadsheet stores a
/// time of whole seconds, often to six places (`0.378472` is 09:05:00 written short, 0.02 s
/// under it), so the nearest second is the time the sheet shows.
fn day_fraction_secs(f: &[u8]) -> u32 {
    let (mut num, mut den) = (0u64, 1u64);
    for &c in &f[..f.len().min(12)] {
        num = num * 10 + u64::from(c - b'0');
        den *= 10;
    }
    ((num * u64::from(DAY_SECS) + den / 2) / den) as u32
}

/// What one date cell says about its file's day order: `Some(Mdy)` when its second part is
/// more than 12 (`3/25/2025`: only month-first fits), `Some(Dmy)` when its first part is
/// (`25/3/2025`, `25.03.2025`). `None` when both orders fit (`3/5/2025`), neither does, or
/// the cell is no slash/dot/dash date with a day-first or month-first shape (ISO, a serial,
/// text). A time after the date is ignored. The caller infers a file's order from its
/// rows.
pub fn date_order_evidence(s: &str) -> Option<DateOrder> {
    let (p, q, sep) = day_month_parts(s)?;
    if p > 12 && q <= 12 {
        Some(DateOrder::Dmy)
    } else if q > 12 && p <= 12 && sep == b'/' {
        Some(DateOrder::Mdy)
    } else {
        None
    }
}

/// Whether reading the date `s` depends on the day/month order: its first two parts are
/// a day and a month in some order, the year last (`3/4/2025`, `04.03.25`). A year-first
/// date (`2025/03/04`), a month name (`4-Mar-2025`) or an ISO date has one reading.
pub fn date_order_matters(s: &str) -> bool {
    day_month_parts(s).is_some()
}

/// The first two parts of a numeric date written year last (each 1 to 31), and its
/// separator; `None` for any other form.
fn day_month_parts(s: &str) -> Option<(u32, u32, u8)> {
    let b = s.trim().as_bytes();
    let d = match b.iter().position(|&c| c == b' ') {
        Some(i) => &b[..i],
        None => b,
    };
    let (p, q, r, sep) = three_parts(d)?;
    if !(1..=2).contains(&p.len()) || !(1..=2).contains(&q.len()) || !matches!(r.len(), 2 | 4) {
        return None;
    }
    let (p, q) = (uint(p)?, uint(q)?);
    uint(r)?;
    if p == 0 || q == 0 || p > 31 || q > 31 {
        return None;
    }
    Some((p, q, sep))
}

// ---------------------------------------------------------------------------------------
// Instants and zones
// ---------------------------------------------------------------------------------------

/// A date-time with its zone written: `Z` or an offset after the time. Accepted forms:
/// an ISO date, `T` or a space, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` (the fraction is
/// truncated to whole seconds), then, optionally after spaces, `Z` (any case), `±HH:MM`,
/// `±HHMM` or `±HH` (hours up to 23, minutes up to 59): `2025-03-05T14:05:00Z`,
/// `2025-03-05T09:05:00-05:00`, `2025-03-05 09:05+0100`.
///
/// Detection is cheap and strict: a cell without a zone (`2025-03-05 09:05`) is `None`,
/// as is a slash date-time, a 12-hour time, or a zone name (`UTC`, `EST`).
pub fn parse_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.trim().as_bytes();
    if b.len() < 17 || !matches!(b[10], b'T' | b't' | b' ') || !(b[4] == b'-' && b[7] == b'-') {
        return None;
    }
    let date = iso_date(&b[..10])?;
    let rest = &b[11..];
    let end = rest
        .iter()
        .position(|&c| matches!(c, b'Z' | b'z' | b'+' | b'-' | b' '))?;
    let secs = clock24_fraction(&rest[..end])?;
    let offset = offset_secs(rest[end..].trim_ascii_start())?;
    let tz = FixedOffset::east_opt(offset)?;
    let naive = date.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)?;
    tz.from_local_datetime(&naive).single()
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, 24-hour, two-digit parts, no `24:00`.
fn clock24_fraction(t: &[u8]) -> Option<u32> {
    if t.len() < 5 || t[2] != b':' {
        return None;
    }
    let (h, m) = (uint(&t[..2])?, uint(&t[3..5])?);
    let sec = match &t[5..] {
        [] => 0,
        [b':', s1, s2, frac @ ..] if frac.is_empty() || valid_fraction(frac) => uint(&[*s1, *s2])?,
        _ => return None,
    };
    hms24(h, m, sec, false)
}

/// `Z`, `±HH:MM`, `±HHMM`, `±HH` as seconds east of UTC.
fn offset_secs(z: &[u8]) -> Option<i32> {
    let (sign, digits) = match z {
        [b'Z' | b'z'] => return Some(0),
        [b'+', d @ ..] => (1, d),
        [b'-', d @ ..] => (-1, d),
        _ => return None,
    };
    let (h, m) = match digits {
        [h1, h2] => (uint(&[*h1, *h2])?, 0),
        [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (uint(&[*h1, *h2])?, uint(&[*m1, *m2])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60) as i32)
}

/// An instant's calendar date and time of day (seconds after midnight) in a zone: `tz`,
/// or UTC when `None`.
pub fn local_date_time(instant: DateTime<FixedOffset>, tz: Option<Tz>) -> (NaiveDate, u32) {
    let local = match tz {
        Some(tz) => instant.with_timezone(&tz).naive_local(),
        None => instant.naive_utc(),
    };
    (local.date(), local.num_seconds_from_midnight())
}

/// An IANA time-zone name (`America/New_York`, `UTC`, `Europe/Paris`), exact or in any
/// case (`america/new_york`). Abbreviations that are not IANA names (`EST` is one, `PST`
/// is not) and offsets are `None`: a zone is chosen by name so daylight saving is right.
pub fn parse_tz(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    name.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    const fn hms(h: u32, m: u32, s: u32) -> u32 {
        h * 3600 + m * 60 + s
    }

    #[test]
    fn durations_accepted() {
        for (cell, secs) in [
            ("20", 1200),
            (" 20 ", 1200),
            ("0020", 1200),
            ("0", 0),
            ("1440", 86_400),
            ("20.75", 1245),
            ("12.5", 750),
            ("0.5", 30),
            ("20.0", 1200),
            ("0.0083", 0),
            ("0.0084", 0),
            ("0.0167", 1),
            ("19.999", 1199),
            ("9.9917", 599),
            ("19.9999999999996", 1200),
            ("1 min 59.9 s", 119),
            ("20.3333333333333", 1220),
            ("1439.99999", 86_399),
            ("1:05", 3900),
            ("0:20", 1200),
            ("00:20", 1200),
            ("0:00", 0),
            ("24:00", 86_400),
            ("00:20:15", 1215),
            ("0:20:15", 1215),
            ("1:00:00", 3600),
            ("20 min", 1200),
            ("20min", 1200),
            ("20 mins", 1200),
            ("20 minutes", 1200),
            ("20 Minutes", 1200),
            ("20m", 1200),
            ("20M", 1200),
            ("1 minute", 60),
            ("1h 5m", 3900),
            ("1h5m", 3900),
            ("1 hr 5 min", 3900),
            ("1 HR 5 MIN", 3900),
            ("1 hour 5 minutes", 3900),
            ("2 hrs", 7200),
            ("1h", 3600),
            ("1.5 hours", 5400),
            ("2.5 min", 150),
            ("1h5m30s", 3930),
            ("20 min 15 sec", 1215),
            ("90 seconds", 90),
            ("0 min", 0),
            ("24h", 86_400),
        ] {
            assert_eq!(parse_duration_secs(cell), Some(secs), "{cell:?}");
        }
    }

    #[test]
    fn durations_rejected() {
        for cell in [
            "",
            " ",
            "1441",
            "1440.01",
            "24:01",
            "25:00",
            "20:15:00.5",
            "-5",
            "+5",
            "-0",
            "1e3",
            "2E1",
            "NaN",
            "nan",
            "inf",
            "20,5",
            "1,200",
            ".5",
            "20.",
            "20..5",
            "1.2.3",
            "1:5",
            "1:60",
            "1:05:60",
            "1:05:5",
            "123:00",
            "1:02:03:04",
            "abc",
            "min",
            "20 furlongs",
            "1h 5",
            "5m 1h",
            "1m 5m",
            "20 min min",
            "25h",
            "99999999999",
            "1 day",
        ] {
            assert_eq!(parse_duration_secs(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn clock_times_accepted() {
        for (cell, secs) in [
            ("09:05", hms(9, 5, 0)),
            ("9:05", hms(9, 5, 0)),
            (" 9:05 ", hms(9, 5, 0)),
            ("00:05", hms(0, 5, 0)),
            ("0:00", 0),
            ("23:59", hms(23, 59, 0)),
            ("14:05:33", hms(14, 5, 33)),
            ("14:05:33.250", hms(14, 5, 33)),
            ("24:00", DAY_SECS),
            ("24:00:00", DAY_SECS),
            ("9:05 AM", hms(9, 5, 0)),
            ("9:05AM", hms(9, 5, 0)),
            ("9:05 am", hms(9, 5, 0)),
            ("09:05 Am", hms(9, 5, 0)),
            ("9:05 a.m.", hms(9, 5, 0)),
            ("9:05 P.M.", hms(21, 5, 0)),
            ("12:40 PM", hms(12, 40, 0)),
            ("12:05 AM", hms(0, 5, 0)),
            ("12:00 AM", 0),
            ("9:05:33 PM", hms(21, 5, 33)),
            ("11:59:59 PM", hms(23, 59, 59)),
            ("9 AM", hms(9, 0, 0)),
            ("9PM", hms(21, 0, 0)),
            ("12 PM", hms(12, 0, 0)),
            ("2025-03-05 09:05", hms(9, 5, 0)),
            ("2025-03-05T09:05:00", hms(9, 5, 0)),
            ("2025-03-05 00:00:00", 0),
            ("3/5/2025 9:05 AM", hms(9, 5, 0)),
            ("3/5/2025 9:05:33 PM", hms(21, 5, 33)),
            ("25/3/2025 14:05", hms(14, 5, 0)),
            ("05.03.2025 14:05", hms(14, 5, 0)),
        ] {
            assert_eq!(parse_clock_secs(cell), Some(secs), "{cell:?}");
        }
    }

    #[test]
    fn clock_times_rejected() {
        for cell in [
            "",
            "13:05 PM",
            "0:05 AM",
            "00:05 AM",
            "12:60",
            "12:60 PM",
            "9:60 AM",
            "24:01",
            "24:00:01",
            "25:00",
            "9",
            "0905",
            "9:5",
            "9:005",
            "123:00",
            "9:05:6",
            "9:05:60",
            "9:05:33.",
            "9:05 XM",
            "9:05 PM PM",
            "AM",
            " PM",
            "13 PM",
            "0 AM",
            "0.378472",
            "2025-03-05",
            "3/5/2025",
            "2025-03-05 24:00",
            "2025-03-05T14:05:00Z",
            "2025-03-05T09:05:00-05:00",
            "2025-02-30 09:05",
            "ab:cd",
        ] {
            assert_eq!(parse_clock_secs(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn dates_accepted() {
        use DateOrder::{Dmy, Mdy};
        let mar5 = d(2025, 3, 5);
        for (cell, order, date, time) in [
            ("2025-03-05", Mdy, mar5, None),
            ("2025-03-05", Dmy, mar5, None),
            (" 2025-03-05 ", Mdy, mar5, None),
            ("2025-03-05 09:05", Mdy, mar5, Some(hms(9, 5, 0))),
            ("2025-03-05T09:05:00", Dmy, mar5, Some(hms(9, 5, 0))),
            ("2025-03-05T09:05:00.123", Mdy, mar5, Some(hms(9, 5, 0))),
            ("2025-03-05T09:05:59.999", Mdy, mar5, Some(hms(9, 5, 59))),
            ("2025-03-05 00:00:00", Mdy, mar5, Some(0)),
            ("2025-03-05 00:00", Mdy, mar5, Some(0)),
            ("3/5/2025", Mdy, mar5, None),
            ("03/05/2025", Mdy, mar5, None),
            ("3/5/25", Mdy, mar5, None),
            ("5/3/2025", Dmy, mar5, None),
            ("05/03/2025", Dmy, mar5, None),
            ("5/3/25", Dmy, mar5, None),
            ("12/31/99", Mdy, d(2099, 12, 31), None),
            ("1/1/00", Mdy, d(2000, 1, 1), None),
            ("2025/03/05", Mdy, mar5, None),
            ("2025/3/5", Dmy, mar5, None),
            ("05.03.2025", Dmy, mar5, None),
            ("5.3.2025", Dmy, mar5, None),
            ("05-03-2025", Dmy, mar5, None),
            ("05.03.25", Dmy, mar5, None),
            ("3/5/2025 9:05 AM", Mdy, mar5, Some(hms(9, 5, 0))),
            ("3/5/2025 9:05:33 PM", Mdy, mar5, Some(hms(21, 5, 33))),
            ("3/5/2025 14:05", Mdy, mar5, Some(hms(14, 5, 0))),
            ("3/5/2025  14:05", Mdy, mar5, Some(hms(14, 5, 0))),
            ("05.03.2025 14:05", Dmy, mar5, Some(hms(14, 5, 0))),
            ("5/3/2025 12:05 AM", Dmy, mar5, Some(hms(0, 5, 0))),
            ("45717", Mdy, d(2025, 3, 1), None),
            ("45721", Dmy, mar5, None),
            ("45721.5", Mdy, mar5, Some(hms(12, 0, 0))),
            ("45721.378472222", Mdy, mar5, Some(hms(9, 5, 0))),
            ("45721.0", Mdy, mar5, Some(0)),
            ("45720.999999999", Mdy, mar5, Some(0)),
            ("32874", Mdy, d(1990, 1, 1), None),
            ("73050", Mdy, d(2099, 12, 31), None),
            ("2024-02-29", Mdy, d(2024, 2, 29), None),
            ("2/29/2024", Mdy, d(2024, 2, 29), None),
        ] {
            assert_eq!(
                parse_date_in(cell, order),
                Some((date, time)),
                "{cell:?} {order:?}"
            );
        }
    }

    #[test]
    fn dates_rejected() {
        use DateOrder::{Dmy, Mdy};
        for (cell, order) in [
            ("", Mdy),
            ("2025-02-29", Mdy),
            ("2025-02-30", Dmy),
            ("0000-01-01", Mdy),
            ("2025-3-5", Mdy),
            ("13/5/2025", Mdy),
            ("5/13/2025", Dmy),
            ("0/5/2025", Mdy),
            ("3/0/2025", Mdy),
            ("3/5/025", Mdy),
            ("3/5/20255", Mdy),
            ("3/5", Mdy),
            ("3/5/2025/1", Mdy),
            ("003/5/2025", Mdy),
            ("05.03.2025", Mdy),
            ("05-03-2025", Mdy),
            ("2025.03.05", Dmy),
            ("2025-03-05T14:05:00Z", Mdy),
            ("2025-03-05T09:05:00-05:00", Mdy),
            ("2025-03-05T09:05:00+0100", Dmy),
            ("2025-03-05 24:00", Mdy),
            ("2025-03-05 25:00", Mdy),
            ("2025-03-05 09:05 XM", Mdy),
            ("2025-03-05T", Mdy),
            ("3/5/2025T09:05", Mdy),
            ("3/5/2025 13:05 PM", Mdy),
            ("32873", Mdy),
            ("73051", Mdy),
            ("4572", Mdy),
            ("457210", Mdy),
            ("45721.", Mdy),
            ("45721.5.1", Mdy),
            ("-45721", Mdy),
            ("45721 09:05", Mdy),
            ("March 5, 2025", Mdy),
            ("5 Mar 2025", Dmy),
            ("20250305", Mdy),
            ("abc", Dmy),
        ] {
            assert_eq!(parse_date_in(cell, order), None, "{cell:?} {order:?}");
        }
    }

    #[test]
    fn excel_serials_follow_the_1900_system() {
        // Day 1 is 1900-01-01; Excel's phantom 1900-02-29 is day 60, so day 61 is 1 March.
        assert_eq!(excel_epoch() + Days::new(61), d(1900, 3, 1));
        assert_eq!(
            excel_epoch() + Days::new(u64::from(EXCEL_SERIAL_MIN)),
            d(1990, 1, 1)
        );
        assert_eq!(
            excel_epoch() + Days::new(u64::from(EXCEL_SERIAL_MAX)),
            d(2099, 12, 31)
        );
    }

    #[test]
    fn date_order_evidence_table() {
        use DateOrder::{Dmy, Mdy};
        for (cell, want) in [
            ("3/25/2025", Some(Mdy)),
            ("03/25/25", Some(Mdy)),
            ("3/25/2025 9:05 AM", Some(Mdy)),
            ("25/3/2025", Some(Dmy)),
            ("25/03/2025 14:05", Some(Dmy)),
            ("25.03.2025", Some(Dmy)),
            ("25-03-2025", Some(Dmy)),
            ("3/5/2025", None),
            ("12/12/2025", None),
            ("25/25/2025", None),
            ("03.25.2025", None),
            ("32/3/2025", None),
            ("2025-03-25", None),
            ("2025/03/25", None),
            ("45721", None),
            ("", None),
            ("Reyes", None),
            ("25/3", None),
        ] {
            assert_eq!(date_order_evidence(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn instants() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let est = FixedOffset::west_opt(5 * 3600).unwrap();
        let at = |tz: FixedOffset, h, m, s| {
            tz.from_local_datetime(&d(2025, 3, 5).and_hms_opt(h, m, s).unwrap())
                .unwrap()
        };
        for (cell, want) in [
            ("2025-03-05T14:05:00Z", at(utc, 14, 5, 0)),
            ("2025-03-05T14:05:00z", at(utc, 14, 5, 0)),
            ("2025-03-05 14:05Z", at(utc, 14, 5, 0)),
            ("2025-03-05T14:05:00.123Z", at(utc, 14, 5, 0)),
            ("2025-03-05T09:05:00-05:00", at(est, 9, 5, 0)),
            ("2025-03-05T09:05:00-0500", at(est, 9, 5, 0)),
            ("2025-03-05T09:05-05", at(est, 9, 5, 0)),
            ("2025-03-05 09:05:00 -05:00", at(est, 9, 5, 0)),
        ] {
            assert_eq!(parse_instant(cell), Some(want), "{cell:?}");
        }
        for cell in [
            "2025-03-05T14:05:00",
            "2025-03-05 09:05",
            "2025-03-05",
            "2025-03-05T14:05:00ZZ",
            "2025-03-05T14:05:00+24:00",
            "2025-03-05T14:05:00+05:60",
            "2025-03-05T14:05:00+5",
            "2025-03-05T14:05:00 UTC",
            "2025-03-05T24:00:00Z",
            "2025-02-30T14:05:00Z",
            "3/5/2025 9:05 AM",
            "2025-03-05T9:05Z",
        ] {
            assert_eq!(parse_instant(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn instants_in_a_zone() {
        let i = parse_instant("2025-03-05T03:30:00Z").unwrap();
        assert_eq!(local_date_time(i, None), (d(2025, 3, 5), hms(3, 30, 0)));
        let ny = parse_tz("America/New_York").unwrap();
        // EST (UTC-5) on 5 March: the evening before.
        assert_eq!(
            local_date_time(i, Some(ny)),
            (d(2025, 3, 4), hms(22, 30, 0))
        );
        // EDT (UTC-4) from 9 March 2025.
        let j = parse_instant("2025-03-10T12:00:00-04:00").unwrap();
        assert_eq!(
            local_date_time(j, Some(ny)),
            (d(2025, 3, 10), hms(12, 0, 0))
        );
        assert_eq!(local_date_time(j, None), (d(2025, 3, 10), hms(16, 0, 0)));
    }

    #[test]
    fn zones_by_iana_name() {
        assert_eq!(
            parse_tz("America/New_York"),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(
            parse_tz(" america/new_york "),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(parse_tz("UTC"), Some(chrono_tz::UTC));
        assert_eq!(parse_tz("utc"), Some(chrono_tz::UTC));
        for bad in ["", "PST", "Mars/Olympus", "+05:00", "America/New York"] {
            assert_eq!(parse_tz(bad), None, "{bad:?}");
        }
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0u64..40_000).prop_map(|n| d(1990, 1, 1) + Days::new(n))
    }

    proptest! {
        /// The class, not the example (red team round 9, `19.999` and `9.9917` twice billed
        /// 99490): a decimal duration is never read as more than it says (beyond the half
        /// millisecond where a spreadsheet's floating-point noise is absorbed), and never as
        /// a whole second less.
        #[test]
        fn decimal_minutes_are_never_rounded_up(m in 0u32..1440, frac in "[0-9]{1,12}", unit in 0usize..3) {
            let (word, scale) = [("", 60u128), (" min", 60), (" hours", 3600)][unit];
            let cell = format!("{m}.{frac}{word}");
            let k = frac.len() as u32;
            let den = 10u128.pow(k);
            let exact_num = (u128::from(m) * den + frac.parse::<u128>().unwrap()) * scale;
            // exact seconds = exact_num / den
            match parse_duration_secs(&cell) {
                Some(secs) => {
                    let secs = u128::from(secs);
                    prop_assert!(secs * den * 1000 <= exact_num * 1000 + den / 2, "{cell}: {secs} s is more than it says");
                    prop_assert!((secs + 1) * den * 1000 > exact_num * 1000 - (den / 2).min(exact_num * 1000), "{cell}: {secs} s loses a second");
                }
                None => prop_assert!(exact_num * 1000 > u128::from(DAY_SECS) * 1000 * den - den / 2, "{cell} refused under a day"),
            }
        }

        /// The precision a start or end cell is read with: to the second only when it gives
        /// seconds, a fraction only when one of its digits is not 0, whatever the form.
        #[test]
        fn clock_precision_follows_the_seconds_written(h in 0u32..24, m in 0u32..60, s in 0u32..60, frac in "[0-9]{0,4}", form in 0usize..4) {
            let with_s = format!("{h:02}:{m:02}:{s:02}");
            let cell = |t: &str| match form {
                0 => t.to_string(),
                1 => format!("2025-03-05 {t}"),
                2 => format!("2025-03-05T{t}-05:00"),
                _ => format!("3/5/2025 {t}"),
            };
            let fraction = if frac.is_empty() { String::new() } else { format!(".{frac}") };
            let want = if frac.bytes().any(|c| c != b'0') { ClockPrecision::Fraction } else { ClockPrecision::Second };
            prop_assert_eq!(clock_precision(&cell(&format!("{with_s}{fraction}"))), want);
            prop_assert_eq!(clock_precision(&cell(&format!("{h:02}:{m:02}"))), ClockPrecision::Minute);
        }

        #[test]
        fn nothing_panics(s in "\\PC{0,24}", t in "[0-9:./ APMTZapmhins+-]{0,24}") {
            for c in [s.as_str(), t.as_str()] {
                let _ = parse_duration_secs(c);
                let _ = parse_clock_secs(c);
                let _ = parse_date_in(c, DateOrder::Mdy);
                let _ = parse_date_in(c, DateOrder::Dmy);
                let _ = date_order_evidence(c);
                let _ = parse_instant(c);
                let _ = parse_tz(c);
            }
        }

        #[test]
        fn durations_round_trip(secs in 0u32..=DAY_SECS) {
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            prop_assert_eq!(parse_duration_secs(&format!("{h}:{m:02}:{s:02}")), Some(secs));
            prop_assert_eq!(parse_duration_secs(&format!("{h}h {m}m {s}s")), Some(secs));
            // Decimal minutes with six places: within a millisecond, so rounds back exactly.
            let minutes = format!("{}.{:06}", secs / 60, u64::from(secs % 60) * 1_000_000 / 60);
            prop_assert_eq!(parse_duration_secs(&minutes), Some(secs));
            if s == 0 {
                prop_assert_eq!(parse_duration_secs(&format!("{}", secs / 60)), Some(secs));
                prop_assert_eq!(parse_duration_secs(&format!("{h}:{m:02}")), Some(secs));
            }
        }

        #[test]
        fn clock_times_round_trip(secs in 0u32..DAY_SECS) {
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            prop_assert_eq!(parse_clock_secs(&format!("{h:02}:{m:02}:{s:02}")), Some(secs));
            let (h12, ampm) = match h { 0 => (12, "AM"), 1..=11 => (h, "AM"), 12 => (12, "PM"), _ => (h - 12, "PM") };
            prop_assert_eq!(parse_clock_secs(&format!("{h12}:{m:02}:{s:02} {ampm}")), Some(secs));
            prop_assert_eq!(parse_clock_secs(&format!("{h12}:{m:02}:{s:02}{}", ampm.to_lowercase())), Some(secs));
        }

        #[test]
        fn dates_round_trip(date in any_date(), secs in 0u32..DAY_SECS) {
            use chrono::Datelike;
            let (y, m, dd) = (date.year(), date.month(), date.day());
            let t = Some(secs - secs % 60);
            let hm = format!("{:02}:{:02}", secs / 3600, secs / 60 % 60);
            for order in [DateOrder::Mdy, DateOrder::Dmy] {
                prop_assert_eq!(parse_date_in(&format!("{date}"), order), Some((date, None)));
                prop_assert_eq!(parse_date_in(&format!("{date} {hm}"), order), Some((date, t)));
                prop_assert_eq!(parse_date_in(&format!("{date}T{hm}:00"), order), Some((date, t)));
            }
            prop_assert_eq!(parse_date_in(&format!("{m}/{dd}/{y}"), DateOrder::Mdy), Some((date, None)));
            prop_assert_eq!(parse_date_in(&format!("{dd}/{m}/{y}"), DateOrder::Dmy), Some((date, None)));
            prop_assert_eq!(parse_date_in(&format!("{dd:02}.{m:02}.{y}"), DateOrder::Dmy), Some((date, None)));
            if y >= 2000 {
                prop_assert_eq!(parse_date_in(&format!("{m}/{dd}/{:02}", y % 100), DateOrder::Mdy), Some((date, None)));
            }
            // Whichever order the evidence names reads the cell as written.
            let cell = format!("{m}/{dd}/{y}");
            if let Some(order) = date_order_evidence(&cell) {
                prop_assert_eq!(order, DateOrder::Mdy);
                prop_assert_eq!(parse_date_in(&cell, DateOrder::Dmy), None);
            }
        }

        #[test]
        fn excel_serials_round_trip(n in EXCEL_SERIAL_MIN..=EXCEL_SERIAL_MAX, secs in 0u32..DAY_SECS) {
            let date = excel_epoch() + Days::new(u64::from(n));
            prop_assert_eq!(parse_date_in(&n.to_string(), DateOrder::Mdy), Some((date, None)));
            // Excel writes the fraction with up to 15 significant digits.
            let frac = format!("{n}.{:010}", u64::from(secs) * 10_000_000_000 / u64::from(DAY_SECS) + 1);
            prop_assert_eq!(parse_date_in(&frac, DateOrder::Dmy), Some((date, Some(secs))));
        }

        #[test]
        fn instants_round_trip(date in any_date(), secs in 0u32..DAY_SECS, off in -14i32 * 4..=14 * 4) {
            let tz = FixedOffset::east_opt(off * 900).unwrap();
            let naive = date.and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60).unwrap();
            let at = tz.from_local_datetime(&naive).unwrap();
            prop_assert_eq!(parse_instant(&at.to_rfc3339()), Some(at));
            let utc = at.naive_utc();
            prop_assert_eq!(local_date_time(at, None), (utc.date(), utc.num_seconds_from_midnight()));
        }
    }
}
