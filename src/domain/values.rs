//! Small typed values parsed once at the edge. None of them can hold an invalid value.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::fmt;

/// Money in US dollars. Always `rust_decimal`, rounded half-up to cents only when shown.
pub type Money = Decimal;

/// Rounds half-up (away from zero) to cents, the way CMS publishes fee amounts.
pub fn cents(m: Money) -> Money {
    m.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Formats money as a two-decimal string (never a float).
pub fn money_str(m: Money) -> String {
    format!("{:.2}", cents(m))
}

/// Money as a person reads it on the terminal: a dollar sign, thousands separated by
/// commas, two decimals (`$16,881,152.04`, `-$1,234.50`). The report and the trace only:
/// files and `--format csv`/`json` keep [`money_str`]'s plain `16881152.04`.
pub fn money_shown(m: Money) -> String {
    let plain = money_str(m.abs());
    let (whole, fraction) = plain.split_once('.').unwrap_or((&plain, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, d) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(d);
    }
    // A negative amount that rounds to zero cents is shown as zero, not `-$0.00`.
    let sign = if m.is_sign_negative() && !cents(m).is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${grouped}.{fraction}")
}

/// A calendar month, the CCM service period.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(d: NaiveDate) -> Self {
        YearMonth {
            year: d.year(),
            month: d.month(),
        }
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(YearMonth { year, month })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid year-month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid date")
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        YearMonth::of(d) == self
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Parses a date: `YYYY-MM-DD` (canonical) or `MM/DD/YYYY` (Excel / US exports; one-digit
/// month and day accepted). Anything else is invalid.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let y = super::formats::uint(&b[0..4])?;
        let m = super::formats::uint(&b[5..7])?;
        let d = super::formats::uint(&b[8..10])?;
        if y == 0 {
            return None;
        }
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    let mut parts = s.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    if y.len() != 4 {
        return None;
    }
    let (m, d, y) = (
        super::formats::uint(m.as_bytes())?,
        super::formats::uint(d.as_bytes())?,
        super::formats::uint(y.as_bytes())?,
    );
    if y == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// A span of working time in seconds. Time is kept in seconds and compared with CMS's
/// thresholds in whole minutes reached: 19 min 50 s is 19 minutes, 20 min 15 s is 20. So
/// entries logged as `12.5` and `8.25` minutes, or `00:07:40`, add up exactly before any
/// minute is counted (truncating or rounding each entry first changes the bill).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Secs(pub u32);

impl Secs {
    pub const ZERO: Secs = Secs(0);
    pub const fn of_minutes(m: u32) -> Secs {
        Secs(m * 60)
    }
    /// The whole minutes reached (seconds beyond the last full minute do not count).
    pub const fn whole_minutes(self) -> u32 {
        self.0 / 60
    }
    pub fn saturating_sub(self, o: Secs) -> Secs {
        Secs(self.0.saturating_sub(o.0))
    }
    /// `12 min 30 s`, or `12 min` on a whole minute.
    pub fn show(self) -> String {
        match self.0 % 60 {
            0 => format!("{} min", self.0 / 60),
            s => format!("{} min {s} s", self.0 / 60),
        }
    }
}

impl std::ops::Add for Secs {
    type Output = Secs;
    fn add(self, o: Secs) -> Secs {
        Secs(self.0 + o.0)
    }
}

impl std::ops::AddAssign for Secs {
    fn add_assign(&mut self, o: Secs) {
        self.0 += o.0;
    }
}

impl std::ops::Sub for Secs {
    type Output = Secs;
    fn sub(self, o: Secs) -> Secs {
        Secs(self.0 - o.0)
    }
}

impl std::iter::Sum for Secs {
    fn sum<I: Iterator<Item = Secs>>(it: I) -> Secs {
        Secs(it.map(|s| s.0).sum())
    }
}

/// An id without its leading zeros (`00012345` is `12345`; `000` is `0`): Excel drops
/// them from a column it takes for numbers.
pub fn strip_id_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() {
        &s[s.len() - 1..]
    } else {
        t
    }
}

/// A National Provider Identifier: 10 digits whose last is the Luhn check digit computed
/// over `80840` followed by the first nine.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Npi(String);

impl Npi {
    pub fn parse(s: &str) -> Option<Npi> {
        let s = s.trim();
        Npi::is_valid(s).then(|| Npi(s.to_string()))
    }
    /// Ten digits with a valid check digit (no allocation: the time log checks every row).
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10 && b.iter().all(u8::is_ascii_digit) && npi_check_ok(b)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Luhn check over the prefix 80840 and the 10 NPI digits (no allocation).
fn npi_check_ok(b: &[u8]) -> bool {
    // 15 digits in all; Luhn doubles every second digit from the right, the check digit
    // itself (position 0 from the right) undoubled.
    let digits = b"80840".iter().chain(b.iter()).rev();
    let sum: u32 = digits
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An ICD-10-CM code, stored without the dot and upper-cased (`E11.9` = `E119`): at most
/// seven ASCII letters and digits, kept inline (8 bytes, no allocation: a diagnoses file
/// holds one per row, 600k at the benchmark's 200k patients). Ordered as its text is.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Icd10 {
    /// The code's bytes, then zeros (below every letter and digit, so the derived order
    /// is the text's: `E11` before `E119`).
    code: [u8; 7],
    len: u8,
}

impl Icd10 {
    pub fn parse(s: &str) -> Option<Icd10> {
        let mut code = [0u8; 7];
        let mut len = 0;
        for c in s.trim().chars().filter(|c| *c != '.') {
            if !c.is_ascii_alphanumeric() || len == code.len() {
                return None;
            }
            code[len] = c.to_ascii_uppercase() as u8;
            len += 1;
        }
        if len < 3 || !code[0].is_ascii_uppercase() {
            return None;
        }
        Some(Icd10 {
            code,
            len: len as u8,
        })
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.code[..usize::from(self.len)]).expect("ASCII by parse")
    }
    /// The 3-character category: one condition, whatever its detail codes.
    pub fn category(&self) -> &str {
        &self.as_str()[..3]
    }
    /// The code as written on a claim, with the dot after the category.
    pub fn dotted(&self) -> String {
        let s = self.as_str();
        if s.len() > 3 {
            format!("{}.{}", &s[..3], &s[3..])
        } else {
            s.to_string()
        }
    }
}

impl std::fmt::Debug for Icd10 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Icd10({:?})", self.as_str())
    }
}

/// The identity of a name (a staff member as a time log writes them): lower case, runs of
/// spaces one space, no space beside a comma, no surrounding spaces. `Reyes, Kim`,
/// `REYES,  KIM`, `Reyes,Kim` and ` reyes , kim` are one person. Invisible characters and
/// Unicode forms are settled earlier, as every field is read (`ingest::clean`), so this is
/// the one identity rule for names everywhere.
pub fn fold_name(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.trim();
    let plain = t
        .bytes()
        .all(|b| !b.is_ascii_uppercase() && b.is_ascii() && b != b'\t' && b != b'\n' && b != b'\r')
        && !t.contains("  ")
        && !t.contains(", ")
        && !t.contains(" ,");
    if plain {
        return std::borrow::Cow::Borrowed(t);
    }
    let mut out = String::with_capacity(t.len());
    for w in t.split_whitespace() {
        if !out.is_empty() && !out.ends_with(',') && !w.starts_with(',') {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    std::borrow::Cow::Owned(out)
}

/// Normalises a header or role name for matching: lower case, without spaces, `_`, `-`, `.`.
pub fn norm_key(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !(c.is_whitespace()
                || matches!(
                    c,
                    '_' | '-'
                        | '.'
                        | '\u{feff}'
                        | '\u{200b}'
                        | '\u{200c}'
                        | '\u{200d}'
                        | '\u{2060}'
                ))
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A short text (an id, an NPI, a code) kept inline up to 24 bytes: findings and claim
/// lines hold several each, and at a million patient-months a heap allocation per id adds
/// up to hundreds of megabytes.
pub type Text = compact_str::CompactString;

/// A note (or a vague phrase) normalised for comparison: lower case, letters and digits,
/// words joined by single spaces.
pub fn normalise_note(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Whether a cell starting with these bytes would run as a formula in a spreadsheet
/// (`=`, `+`, `-`, `@`, tab, CR): such a cell is escaped on the way out and holds a claim
/// line on the way in.
pub fn starts_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// `s` fit for one line of a terminal, a log or a CSV cell: control characters escaped
/// (`\u{1b}`, `\n`), and so are the Unicode line and paragraph separators and the
/// bidirectional overrides and isolates (U+2028, U+2029, U+202A-U+202E, U+2066-U+2069),
/// so no input can move the cursor, split the line or reorder what it shows; cut to `max`
/// characters with an ellipsis. The one escape for everything ccm prints that it did not
/// write itself: file names, headers, arguments, messages.
pub fn printable(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push_str("...");
            break;
        }
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The UTF-8 byte-order mark: `--bom` puts it at the head of each CSV (Windows Excel reads
/// a CSV without it as windows-1252), and a Windows editor saves one at the head of a file.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a UTF-8 byte-order mark at their head (a baseline, a lookback table, a
/// claims file's header read back): the mark is not part of what they say.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Bytes as lowercase hex (a SHA-256 digest in manifest.json, run.json, the rules' digest).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Unicode's bidirectional formatting characters: the marks (ALM, LRM, RLM), embeddings,
/// overrides and isolates. Invisible, and they reorder what a terminal or a sheet shows:
/// reading removes them from a value (`ingest::clean`), [`printable`] escapes them.
pub fn is_bidi_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether [`printable`] escapes `c`.
fn escaped(c: char) -> bool {
    c.is_control() || is_bidi_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A path as ccm names it in every output (the report, findings.csv, summary.json, trace,
/// inspect, messages): as given on the command line, through [`printable`] (a folder named
/// with an escape sequence reaches no terminal raw and no CSV cell). Not cut: the system
/// bounds a path's length.
pub fn path_name(p: &std::path::Path) -> String {
    let s = p.to_string_lossy();
    if s.chars().any(escaped) {
        printable(&s, usize::MAX)
    } else {
        s.into_owned()
    }
}

/// A HCPCS cell as exports write it, read once for every kind (claims, visits): the code
/// before any modifiers (`99490-GT`, `99214 25`, `99490:95`), upper case, when it is a
/// well-formed code; `None` when it is not (the caller says so, IN002: a code ccm cannot
/// read is never matched as if it were another).
pub fn hcpcs_cell(cell: &str) -> Option<String> {
    let code = cell
        .trim()
        .split(['-', ' ', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    well_formed_hcpcs(&code).then_some(code)
}

/// A HCPCS code: a CPT code (5 digits, or 4 digits and F, T, U or M for categories II and
/// III, PLA and MAAA) or a level II code (a letter and 4 digits).
pub fn well_formed_hcpcs(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && (b.iter().all(u8::is_ascii_digit)
            || (b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit))
            || (b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'F' | b'T' | b'U' | b'M')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule an ICD-10 code is read by, as text: dots dropped, upper-cased, 3 to 7
    /// ASCII letters and digits, a letter first.
    fn icd10_as_text(s: &str) -> Option<String> {
        let code: String = s
            .trim()
            .chars()
            .filter(|c| *c != '.')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = code.as_bytes();
        (b.len() >= 3
            && b.len() <= 7
            && b[0].is_ascii_uppercase()
            && b.iter().all(u8::is_ascii_alphanumeric))
        .then_some(code)
    }

    proptest! {
        /// The inline code reads what the text rule reads, and orders as its text does.
        #[test]
        fn icd10_reads_and_orders_as_its_text(
            a in "[ .eEzZ019é-]{0,10}",
            b in "[ .eE019]{0,9}",
        ) {
            let (x, y) = (Icd10::parse(&a), Icd10::parse(&b));
            prop_assert_eq!(x.as_ref().map(|c| c.as_str().to_string()), icd10_as_text(&a));
            prop_assert_eq!(y.as_ref().map(|c| c.as_str().to_string()), icd10_as_text(&b));
            if let (Some(x), Some(y)) = (x, y) {
                prop_assert_eq!(x.cmp(&y), x.as_str().cmp(y.as_str()));
                prop_assert_eq!(x == y, x.as_str() == y.as_str());
            }
        }
    }

    #[test]
    fn icd10_keeps_category_dots_and_debug() {
        let c = Icd10::parse(" e11.9 ").unwrap();
        assert_eq!(
            (c.as_str(), c.category(), c.dotted()),
            ("E119", "E11", "E11.9".into())
        );
        assert_eq!(format!("{c:?}"), "Icd10(\"E119\")");
        assert_eq!(Icd10::parse("S06.0X1A").unwrap().dotted(), "S06.0X1A");
        assert_eq!(Icd10::parse("I10").unwrap().dotted(), "I10");
        assert!(Icd10::parse("E11.90001").is_none());
        assert!(size_of::<Icd10>() <= 8);
    }

    #[test]
    fn money_shown_groups_thousands_for_the_terminal_only() {
        let m = |s: &str| -> Money { s.parse().unwrap() };
        assert_eq!(money_shown(m("0")), "$0.00");
        assert_eq!(money_shown(m("7.5")), "$7.50");
        assert_eq!(money_shown(m("999.99")), "$999.99");
        assert_eq!(money_shown(m("999.995")), "$1,000.00");
        assert_eq!(money_shown(m("1000.00")), "$1,000.00");
        assert_eq!(money_shown(m("12345.6")), "$12,345.60");
        assert_eq!(money_shown(m("123456.78")), "$123,456.78");
        assert_eq!(money_shown(m("16881152.04")), "$16,881,152.04");
        assert_eq!(money_shown(m("1234567890.125")), "$1,234,567,890.13");
        assert_eq!(money_shown(m("-12.00")), "-$12.00");
        assert_eq!(money_shown(m("-1000")), "-$1,000.00");
        assert_eq!(money_shown(m("-16881152.04")), "-$16,881,152.04");
        // Below a cent either way is no money, without a sign.
        assert_eq!(money_shown(m("-0.004")), "$0.00");
        // The files keep the plain form.
        assert_eq!(money_str(m("16881152.04")), "16881152.04");
    }

    #[test]
    fn printable_escapes_controls_separators_and_bidi_and_cuts() {
        assert_eq!(
            printable("a\u{1b}[31mb\0c\r\n", 100),
            "a\\u{1b}[31mb\\u{0}c\\r\\n"
        );
        assert_eq!(
            printable("x\u{202E}y\u{2028}z\u{2067}", 100),
            "x\\u{202e}y\\u{2028}z\\u{2067}"
        );
        assert_eq!(printable("José 名前", 100), "José 名前");
        assert_eq!(printable("abcdef", 3), "abc...");
        // Idempotent: an escaped text is printable as it is.
        let once = printable("\u{1b}\u{9b}", 100);
        assert_eq!(printable(&once, 100), once);
        assert_eq!(
            path_name(std::path::Path::new("dir\u{1b}[31m/timelog.csv")),
            "dir\\u{1b}[31m/timelog.csv"
        );
        assert_eq!(path_name(std::path::Path::new("a b/t.csv")), "a b/t.csv");
    }

    #[test]
    fn dates_both_formats_and_invalid() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        assert_eq!(parse_date("2025-03-07"), Some(d));
        assert_eq!(parse_date("03/07/2025"), Some(d));
        assert_eq!(parse_date("3/7/2025"), Some(d));
        for bad in [
            "2025-02-29",
            "2025-02-30",
            "0000-01-01",
            "13/01/2025",
            "2025/03/07",
            "07.03.2025",
            "45000",
            "",
            "2025-3-7",
            "03/07/25",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("9999-12-31").is_some());
    }

    #[test]
    fn npi_luhn() {
        assert!(Npi::parse("1234567893").is_some());
        assert!(Npi::parse("1234567890").is_none());
        assert!(Npi::parse("123456789").is_none());
        assert!(Npi::parse("12345678a3").is_none());
    }

    #[test]
    fn icd10_normalises() {
        let a = Icd10::parse("e11.65").unwrap();
        assert_eq!(a.as_str(), "E1165");
        assert_eq!(a.category(), "E11");
        assert_eq!(a.dotted(), "E11.65");
        assert_eq!(Icd10::parse("I10").unwrap().dotted(), "I10");
        assert!(Icd10::parse("1E11").is_none());
        assert!(Icd10::parse("E1").is_none());
    }

    #[test]
    fn year_month() {
        let ym = YearMonth::parse("2024-02").unwrap();
        assert_eq!(ym.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(ym.to_string(), "2024-02");
        assert_eq!(
            YearMonth::parse("2024-12").unwrap().next().to_string(),
            "2025-01"
        );
        assert!(YearMonth::parse("2024-13").is_none());
    }
}
