//! What a check is, and what it finds.

use super::values::{Money, Text, YearMonth};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check of the catalogue. Its text is what `ccm explain CODE` prints.
#[derive(Debug)]
pub struct Check {
    /// Stable code, never reused (`CN001`).
    pub code: &'static str,
    /// Kebab-case noun for the defect (`missing-consent`).
    pub name: &'static str,
    /// Default severity (a clash check may raise or lower it by policy).
    pub severity: Severity,
    /// What a finding of it does to the audit at error severity: read by
    /// [`Finding::holds_month`] and verify mode's money, never inferred from the code.
    pub effect: Effect,
    /// What it does: when it fires, and what happens to the rows or the month.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A short example.
    pub example: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
    /// How to fix it: the concrete action in the practice's systems (empty only for a
    /// check whose text is still to be written; the registry test refuses that).
    pub fix: &'static str,
}

impl Check {
    /// Its `ccm explain` text as titled sections, in order (How to fix only when written):
    /// what `ccm explain` prints and SARIF's rule help carry, from one list.
    pub fn sections(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("What it does", self.what),
            ("Why it matters", self.why),
            ("Example", self.example),
            ("Source", self.source),
        ];
        if !self.fix.is_empty() {
            v.push(("How to fix", self.fix));
        }
        v
    }
}

/// What a check's error does, declared by the check (`effect:` in `check!`, else `Month`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Excludes the rows it names (a row that cannot be read, a bad value, a future date,
    /// a status that leaves it out): holds no month.
    Rows,
    /// Holds the patient-month it names: none of its claim lines go out; in verify mode the
    /// money at stake is what was claimed for the month.
    Month,
    /// Judges claim lines against the evidence (verify mode): holds the claim's month like
    /// `Month`, with the money at stake its own lines' amount, not the month's.
    ClaimLines,
}

/// One problem found, with where to fix it.
#[derive(Clone, Debug)]
pub struct Finding {
    pub check: &'static Check,
    pub severity: Severity,
    /// Empty for findings about a whole file or the whole run.
    pub patient_id: Text,
    pub month: Option<YearMonth>,
    pub billing_npi: Text,
    pub program: Text,
    /// Index into the dataset's file list; `None` when no file is concerned.
    pub file: Option<u16>,
    /// 1-based physical lines of the records (header = line 1), ascending.
    pub lines: Vec<u64>,
    pub message: String,
    pub minutes: Option<u32>,
    pub amount: Option<Money>,
    /// The finding's stable identity (see `engine::identity`): set once the findings are
    /// ordered, the same for the same finding whatever cosmetic change the export takes.
    pub fingerprint: Fingerprint,
    /// Accepted by a waiver of the baseline (`--baseline`) in force on the as-of date:
    /// still listed, marked, and not counted for `--fail-on`.
    pub waived: bool,
}

/// A finding's stable identity: 64 bits of a SHA-256, written as 16 lowercase hex digits.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// Reads the 16 hex digits [`Display`](fmt::Display) writes (either case).
    pub fn parse(s: &str) -> Option<Fingerprint> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16).ok().map(Fingerprint)
    }

    /// The 16 lowercase hex digits, on the stack (the writers call it per finding).
    pub fn hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, o) in out.iter_mut().enumerate() {
            *o = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.hex()).expect("hex digits"))
    }
}

/// As the 16 hex digits (findings.json, jsonl, SARIF), with no string made per finding.
impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(std::str::from_utf8(&self.hex()).expect("hex digits"))
    }
}

impl Finding {
    /// Whether the finding holds the patient-month it names: an error whose check's
    /// declared effect is not row-level. Decided here once; verify, the held list and the
    /// worklist read it.
    pub fn holds_month(&self) -> bool {
        self.severity == Severity::Error && self.check.effect != Effect::Rows
    }

    pub fn new(check: &'static Check, message: impl Into<String>) -> Finding {
        Finding {
            check,
            severity: check.severity,
            patient_id: Text::default(),
            month: None,
            billing_npi: Text::default(),
            program: Text::default(),
            file: None,
            lines: Vec::new(),
            message: message.into(),
            minutes: None,
            amount: None,
            fingerprint: Fingerprint::default(),
            waived: false,
        }
    }
    pub fn patient(mut self, p: &str) -> Self {
        self.patient_id = p.into();
        self
    }
    pub fn month(mut self, m: YearMonth) -> Self {
        self.month = Some(m);
        self
    }
    pub fn npi(mut self, n: &str) -> Self {
        self.billing_npi = n.into();
        self
    }
    pub fn program(mut self, p: &str) -> Self {
        self.program = p.into();
        self
    }
    pub fn at(mut self, file: u16, line: u64) -> Self {
        self.file = Some(file);
        self.lines = vec![line];
        self
    }
    pub fn at_lines(mut self, file: u16, mut lines: Vec<u64>) -> Self {
        lines.sort_unstable();
        lines.dedup();
        self.file = Some(file);
        self.lines = lines;
        self
    }
    pub fn minutes(mut self, m: u32) -> Self {
        self.minutes = Some(m);
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    /// Ordering key of the spec: patient_id, month, code, file, line.
    pub fn sort_key(
        &self,
    ) -> (
        &str,
        Option<YearMonth>,
        &str,
        Option<u16>,
        &[u64],
        &str,
        &str,
    ) {
        (
            &self.patient_id,
            self.month,
            self.check.code,
            self.file,
            &self.lines,
            &self.billing_npi,
            &self.message,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprint;

    #[test]
    fn a_fingerprint_is_16_hex_digits_read_back_as_written() {
        for v in [
            0,
            1,
            0xf,
            0x0123_4567_89ab_cdef,
            u64::MAX,
            0xfedc_ba98_7654_3210,
        ] {
            let fp = Fingerprint(v);
            assert_eq!(fp.to_string(), format!("{v:016x}"));
            assert_eq!(serde_json::to_string(&fp).unwrap(), format!("\"{v:016x}\""));
            assert_eq!(Fingerprint::parse(&fp.to_string()), Some(fp));
        }
    }
}
