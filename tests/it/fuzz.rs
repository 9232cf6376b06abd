//! Fuzzing the ingest of every input kind: a proptest harness (cargo fuzz needs a nightly
//! toolchain). Each case writes one file of the kind under test, built from the kind's real
//! header and rows of hostile fields (blanks, extreme dates and numbers, Excel serials,
//! non-UTF-8 bytes, quotes, commas, CR/LF, wrong field counts, BOM, CRLF, random bytes),
//! beside a small valid time log and valid companions, then reads and audits them.
//!
//! Properties: nothing panics; a file with its real header is always read (`Ok`), and only
//! a header-less file of random bytes may be refused, with a clean usage error naming the
//! file; every file reconciles (rows read = counted + excluded) and no record is lost;
//! finding lines are physical lines of the file, in order; findings are in the spec's
//! order; the audit, the reports and a second read give identical results, and the
//! streaming path (`open_timelog` + `Auditor`) gives the same as the in-memory one; in
//! verify mode the clean claims file is a byte filter of the claims file that reads back
//! to the same lines. Files of well-formed CSV also prove that every record is found at
//! its line and that a row's verdict does not depend on whether it is the file's last.
//!
//! Cases per property: 64 by default (8 for the long files), `PROPTEST_CASES=N` for a long
//! run (`PROPTEST_CASES=20000 cargo test --release --test it fuzz`: about 11 minutes on two
//! cores). What it found is kept under fixtures/bad/fuzz/ with a `regression_*` test here.

use ccm::audit::{Audit, AuditConfig, DosMode};
use ccm::domain::YearMonth;
use ccm::domain::{Dataset, Kind};
use ccm::engine::{Auditor, audit};
use ccm::ingest::{
    IngestError, ReadOptions, open_timelog, read_claims, read_companion, stream_timelog,
    stream_timelog_batches,
};
use ccm::report;
use ccm::rules::{Policy, Ruleset};
use proptest::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

fn rules() -> &'static Ruleset {
    static R: OnceLock<Ruleset> = OnceLock::new();
    R.get_or_init(|| Ruleset::embedded(ccm::checks::lookup).unwrap())
}

use crate::common::proptest_config as config;

const ALL: [Kind; 9] = Kind::ALL;

fn file_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Timelog => "timelog.csv",
        Kind::Consents => "consents.csv",
        Kind::Diagnoses => "diagnoses.csv",
        Kind::Enrolments => "enrolments.csv",
        Kind::Careplans => "careplans.csv",
        Kind::Visits => "visits.csv",
        Kind::Readings => "readings.csv",
        Kind::Claims => "claims.csv",
        Kind::Staff => "staff.csv",
    }
}

// ---------------------------------------------------------------------------------------
// Valid inputs the hostile file is read beside.

const TIMELOG: &str = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note
P1,2025-03-03,25,09:00,09:25,S1,RN,CCM,1234567893,call,\"BP log, \"\"fine\"\"\"
P1,2025-03-10,15,,,S2,MD,CCM,1234567893,review,reviewed labs and adjusted metformin
P2,2025-03-04,45,10:00,10:45,S1,RN,CCM,1234567893,care plan,revised care plan with patient and daughter
P2,2025-03-18,35,,,S2,MD,CCM,1234567893,review,medication reconciliation after ED visit
P2,2025-03-04,10,10:30,10:40,S3,Front Desk,CCM,1234567893,scheduling,booked a visit
P3,2025-03-05,32,09:10,09:42,S2,MD,PCM,1245319599,call,spoke about insulin dosing and a hypoglycemia plan
P4,2025-03-20,22,13:00,13:22,S3,MA,CCM,1234567893,call,scheduled cardiology follow-up and reviewed BP log
P1,2025-02-11,21,,,S1,RN,CCM,1234567893,call,checked home glucose readings with the patient
P5,2025-04-02,20,08:00,08:20,S1,RN,CCM,1628315479,call,taught inhaler technique with teach-back
";
const CONSENTS: &str = "patient_id,consent_date,program,method,billing_npi,revoked_date
P1,2025-01-01,CCM,verbal,,
P2,2025-01-01,CCM,written,1234567893,
P3,2025-02-01,PCM,verbal,1245319599,
P4,2025-03-15,CCM,verbal,,2025-03-31
P5,2025-04-01,CCM,electronic,1628315479,
";
const DIAGNOSES: &str = "patient_id,icd10_code,onset_date,resolved_date,description
P1,I10,2020-01-01,,hypertension
P1,E11.9,,,\"Type 2 diabetes, without complications\"
P2,J44.9,,,COPD
P2,I50.9,2024-06-01,,heart failure
P3,E11.9,,,diabetes
P4,I10,,,hypertension
P4,N18.30,,2025-03-10,CKD
P5,I10,,,
P5,E78.5,,,
";
const ENROLMENTS: &str = "patient_id,program,start_date,end_date,billing_npi,icd10_code
P3,PCM,2025-01-01,,1245319599,E11.9
P4,RPM,2025-01-01,,,
P5,BHI,2025-03-01,2025-03-31,1628315479,F32.9
";
const CAREPLANS: &str = "patient_id,plan_date,action,mdm,shared_with_patient
P1,2025-01-05,established,moderate,yes
P2,2025-03-02,revised,high,yes
P3,2025-02-01,established,low,no
";
const STAFF: &str = "staff_id,staff_role,staff_npi,name
S1,RN,,Kim Reyes
S2,MD,1234567893,Anita Patel
";

const VISITS: &str = "patient_id,visit_date,hcpcs,billing_npi
P1,2024-12-01,99214,1234567893
P2,2025-01-10,G0438,1234567893
P3,2025-02-01,99213,1245319599
P5,2025-03-20,99204,1628315479
";
const READINGS: &str = "patient_id,reading_date
P1,2025-03-02
P1,2025-03-03 07:15
P1,2025-03-03 19:40
P1,03/04/2025
P1,2025-03-05T06:00:00Z
";
const CLAIMS: &str = "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id,dx1,dx2,charge
P1,2025-03-31,99490,1,1234567893,C1,I10,E11.9,62.00
P1,2025-03-31,99454,1,1234567893,C1,I10,E11.9,48.00
P2,2025-03-31,99487,1,1234567893,C2,J44.9,I50.9,130.00
P2,2025-03-31,99489,1,1234567893,C2,J44.9,I50.9,70.00
P3,03/31/2025,99424,1,1245319599,C3,E11.9,,80.00
P4,2025-03-31,99490,1,1234567893,C4,I10,,62.00
";

fn valid_file(kind: Kind) -> &'static str {
    match kind {
        Kind::Timelog => TIMELOG,
        Kind::Consents => CONSENTS,
        Kind::Diagnoses => DIAGNOSES,
        Kind::Enrolments => ENROLMENTS,
        Kind::Careplans => CAREPLANS,
        Kind::Visits => VISITS,
        Kind::Readings => READINGS,
        Kind::Claims => CLAIMS,
        Kind::Staff => STAFF,
    }
}

// ---------------------------------------------------------------------------------------
// Generators.

/// What a column holds, for drawing valid values.
#[derive(Clone, Copy, Debug)]
enum Col {
    Patient,
    Date,
    Program,
    Method,
    Npi,
    Icd,
    Text,
    Action,
    Mdm,
    YesNo,
    Hcpcs,
    Units,
    ClaimId,
    /// A Medicare ID (MBI), well formed or not.
    Mbi,
    Minutes,
    Time,
    Staff,
    Role,
    Money,
    /// A time entry's status or billable word (rules/statuses.csv, kind time).
    TimeStatus,
    /// A consent or enrolment status word (kind consent).
    ConsentStatus,
    /// A problem-list status word (kind problem).
    ProblemStatus,
    /// A claim line's status word (kind claim).
    ClaimStatus,
}

/// What a column of the schema holds. Every column ccm reads is generated: the list is
/// the schema's own (`ccm::ingest::fields_of`), so a column added there without a
/// generator here fails every fuzz test at once, naming it.
fn col_of(kind: Kind, field: &str) -> Col {
    use Col::*;
    match (kind, field) {
        (_, "patient_id") => Patient,
        (_, "billing_npi" | "staff_npi") => Npi,
        (_, "program") => Program,
        (_, "icd10_code") => Icd,
        (_, "hcpcs") => Hcpcs,
        (_, "staff_id") => Staff,
        (_, "staff_role") => Role,
        (_, "minutes") => Minutes,
        (_, "start_time" | "end_time") => Time,
        (_, "activity" | "note" | "description" | "name") => Text,
        (_, "method") => Method,
        (_, "action") => Action,
        (_, "mdm") => Mdm,
        (_, "shared_with_patient") => YesNo,
        (_, "units") => Units,
        (_, "claim_id") => ClaimId,
        (Kind::Claims, "mbi") => Mbi,
        (Kind::Claims, "diagnoses") => Icd,
        (Kind::Timelog, "status" | "billable") => TimeStatus,
        (Kind::Claims, "claim_status") => ClaimStatus,
        (Kind::Consents | Kind::Enrolments, "status") => ConsentStatus,
        (Kind::Diagnoses, "status") => ProblemStatus,
        (_, f) if f.ends_with("date") || f == "date_of_service" => Date,
        (k, f) => panic!(
            "the {} schema has a column `{f}` the fuzz harness does not generate: add it to col_of",
            k.as_str()
        ),
    }
}

/// Columns an export carries that ccm does not read (generated all the same).
fn extra_columns(kind: Kind) -> &'static [(&'static str, Col)] {
    match kind {
        Kind::Claims => &[("dx1", Col::Icd), ("dx2", Col::Icd), ("charge", Col::Money)],
        _ => &[],
    }
}

/// The kind's columns (the schema's canonical names, then the extras) and what each holds.
fn layout(kind: Kind) -> Vec<(&'static str, Col)> {
    ccm::ingest::fields_of(kind)
        .into_iter()
        .map(|(f, _)| (f, col_of(kind, f)))
        .chain(extra_columns(kind).iter().copied())
        .collect()
}

/// A row every reader accepts, in [`layout`] order.
fn valid_row(kind: Kind) -> Vec<&'static str> {
    layout(kind)
        .into_iter()
        .map(|(f, c)| match (kind, f, c) {
            (Kind::Timelog, "service_date", _) => "2025-03-12",
            (Kind::Timelog, "note", _) => "checked BP log with the patient",
            (Kind::Timelog, "activity", _) => "call",
            (Kind::Timelog, "program", _) => "CCM",
            (Kind::Timelog, "patient_id", _) => "P1",
            (Kind::Timelog, "minutes", _) => "6",
            (Kind::Enrolments, "program", _) => "RPM",
            (Kind::Enrolments, "start_date", _) => "2025-01-01",
            (Kind::Claims, "date_of_service", _) => "2025-03-31",
            (Kind::Claims, "hcpcs", _) => "99490",
            (Kind::Claims, "claim_id", _) => "C6",
            (Kind::Staff, "staff_id", _) => "S9",
            (Kind::Staff, "staff_role", _) => "LPN",
            (Kind::Staff, "name", _) => "Lee Park",
            (Kind::Staff, "staff_npi", _) => "",
            (Kind::Visits, "hcpcs", _) => "99213",
            (_, _, Col::Patient) => "P6",
            (_, _, Col::Date) => {
                if f.starts_with("consent")
                    || f.starts_with("plan")
                    || f.starts_with("visit")
                    || f.starts_with("reading")
                {
                    "2025-01-02"
                } else {
                    ""
                }
            }
            (_, _, Col::Npi) => {
                if matches!(kind, Kind::Visits | Kind::Claims | Kind::Timelog) && f == "billing_npi"
                {
                    "1234567893"
                } else {
                    ""
                }
            }
            (_, _, Col::Program) => "CCM",
            (_, _, Col::Method) => "verbal",
            (_, _, Col::Icd) => {
                if f == "dx2" || kind == Kind::Enrolments {
                    ""
                } else {
                    "I10"
                }
            }
            (_, _, Col::Text) => "hypertension",
            (_, _, Col::Action) => "established",
            (_, _, Col::Mdm) => "low",
            (_, _, Col::YesNo) => "yes",
            (_, _, Col::Hcpcs) => "99213",
            (_, _, Col::Units) => "1",
            (_, _, Col::ClaimId) => "C6",
            (_, _, Col::Minutes) => "6",
            (_, _, Col::Time) => "",
            (_, _, Col::Staff) => "S1",
            (_, _, Col::Role) => "RN",
            (_, _, Col::Money) => "62.00",
            (_, _, Col::ClaimStatus) => "Draft",
            (_, _, Col::TimeStatus) => {
                if f == "billable" {
                    "Yes"
                } else {
                    "Completed"
                }
            }
            (_, _, Col::ConsentStatus) => {
                if kind == Kind::Enrolments {
                    "Enrolled"
                } else {
                    "Consented"
                }
            }
            (_, _, Col::ProblemStatus) => "Active",
            (_, _, Col::Mbi) => "1EG4TE5MK73",
        })
        .collect()
}

fn pick(v: &[&str]) -> BoxedStrategy<Vec<u8>> {
    let v: Vec<Vec<u8>> = v.iter().map(|s| s.as_bytes().to_vec()).collect();
    prop::sample::select(v).boxed()
}

/// A valid value of a column (or one a careful export could hold).
fn valid(c: Col) -> BoxedStrategy<Vec<u8>> {
    match c {
        Col::Patient => pick(&[
            "P1", "P2", "P3", "P4", "P5", "P1", "P2", "p1", " P2 ", "00123",
        ]),
        Col::Date => prop_oneof![
            4 => pick(&[
                "2025-03-01", "2025-03-03", "2025-03-15", "2025-03-31", "2025-04-01",
                "2025-04-15", "2025-04-16", "2025-02-28", "2025-01-01", "2024-12-31",
                "2024-02-29", "03/15/2025", "3/7/2025", "12/31/2024", "2025-05-01",
            ]),
            1 => (2024i32..=2026, 1u32..=12, 1u32..=31)
                .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}").into_bytes()),
            1 => (2024i32..=2026, 1u32..=12, 1u32..=31)
                .prop_map(|(y, m, d)| format!("{m}/{d}/{y}").into_bytes()),
        ]
        .boxed(),
        Col::Program => pick(&[
            "CCM",
            "CCM",
            "CCM",
            "PCM",
            "RPM",
            "APCM",
            "BHI",
            "ccm",
            "Home Health CPO",
            "G0182",
            "HOSPICE",
            "TCM",
            "CoCM",
            "",
        ]),
        Col::Method => pick(&["verbal", "written", "electronic", ""]),
        Col::Npi => pick(&["1234567893", "1234567893", "1245319599", "1628315479", ""]),
        Col::Icd => pick(&[
            "I10", "E11.9", "E119", "n18.30", "J44.9", "F32.9", "Z00.00", "E78.5", "I50.9", "",
        ]),
        Col::Text => pick(&[
            "called pt",
            "f/u",
            "Reviewed meds, BP 130/80",
            "",
            "reviewed labs and adjusted the insulin dose",
            "care plan reviewed",
        ]),
        Col::Action => pick(&["established", "revised", "reviewed", "Established"]),
        Col::Mdm => pick(&["low", "moderate", "high", "none", "", "Mod", "HIGH"]),
        Col::YesNo => pick(&["yes", "no", "Y", ""]),
        Col::Hcpcs => pick(&[
            "99490", "99490", "99439", "99491", "99437", "99487", "99489", "99424", "99425",
            "99426", "99427", "G0506", "99214", "G0438", "99495", "g0439", "99213",
        ]),
        Col::Units => pick(&["1", "1", "2", "3", "", "999", "1000", "0", " 2 "]),
        Col::ClaimId => pick(&["C1", "C2", "", "0007"]),
        Col::Mbi => pick(&[
            "1EG4-TE5-MK73",
            "1eg4te5mk73",
            "2FH5UF6NK84",
            "",
            "=1+1",
            "12",
        ]),
        Col::Minutes => prop_oneof![
            3 => (1u32..=70).prop_map(|m| m.to_string().into_bytes()),
            1 => pick(&["20", "60", "1440", "", " 30 "]),
        ]
        .boxed(),
        Col::Time => prop_oneof![
            3 => (6u32..20, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}").into_bytes()),
            1 => pick(&["24:00", "9:05:59", "00:00", "23:59", ""]),
        ]
        .boxed(),
        Col::Staff => pick(&["S1", "S2", "S3"]),
        Col::Role => pick(&[
            "RN",
            "RN",
            "MD",
            "NP",
            "MA",
            "Front Desk",
            "rn",
            "Medical Assistant",
            "Physician",
        ]),
        Col::Money => pick(&["62.00", "", "$62", "130.5"]),
        Col::ClaimStatus => pick(&[
            "Draft",
            "Submitted",
            "paid",
            "",
            "Denied",
            "Sent?",
            "Ready to Bill",
        ]),
        Col::TimeStatus => pick(&[
            "Completed",
            "Completed",
            "Approved",
            "Yes",
            "No",
            "Voided",
            "QA Rejected",
            "Draft",
            "completed",
            " Yes ",
            "",
        ]),
        Col::ConsentStatus => pick(&[
            "Consented",
            "Enrolled",
            "Declined",
            "Not Interested",
            "Enrolled Elsewhere",
            "Disenrolled",
            "consented",
            "",
        ]),
        Col::ProblemStatus => pick(&[
            "Active",
            "Active",
            "Chronic",
            "Resolved",
            "Inactive",
            "Entered In Error",
            "active",
            "",
        ]),
    }
}

/// Values no column should take quietly: blanks, extremes, junk, bytes that are not text.
fn hostile() -> BoxedStrategy<Vec<u8>> {
    let fixed: Vec<Vec<u8>> = [
        &b""[..],
        b"   ",
        b"\t",
        b"99999999999999999999",
        b"18446744073709551616",
        b"4294967296",
        b"65536",
        b"-1",
        b"0",
        b"1e3",
        b"-0",
        b"+5",
        b"20.5",
        b"1,000",
        b"0x1F",
        b"NaN",
        b"0000-01-01",
        b"0001-01-01",
        b"9999-12-31",
        b"2023-02-29",
        b"2024-02-30",
        b"13/45/2025",
        b"02/29/2023",
        b"00/00/0000",
        b"2025-3-7",
        b"2025-03-07T10:00:00",
        b"2025-03-07 10:00",
        b"45678",
        b"45678.5",
        b"03/07/25",
        b"2025/03/07",
        b"2025-13-01",
        b"24:00",
        b"24:01",
        b"23:59:59",
        b"12:60",
        b"99:99",
        b"=HYPERLINK(\"http://x\")",
        b"+1",
        b"@SUM(A1)",
        b"-2+3",
        b"\"quoted, \"\"inner\"\"\"",
        b"\"line\nbreak\"",
        b"\"cr\rinside\"",
        b"\"crlf\r\ninside\"",
        b"a\"b",
        b"\"unclosed",
        b"\"\"",
        b"\"",
        b"x\ny",
        b"a,b",
        b"\r",
        b"\r\n",
        b"\n\n",
        b"\xff\xfex",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\x00",
        "\u{feff}P1".as_bytes(),
        "P1\u{200b}".as_bytes(),
        "Ｐ１".as_bytes(),
        "ñandú".as_bytes(),
        "🙂".as_bytes(),
        "\u{202e}evil".as_bytes(),
        "P1\u{a0}".as_bytes(),
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    prop_oneof![
        30 => prop::sample::select(fixed),
        4 => prop::collection::vec(any::<u8>(), 0..16),
        1 => prop::sample::select(vec![
            vec![b'A'; 5000],
            vec![b'9'; 300],
            "é".repeat(700).into_bytes(),
        ]),
    ]
    .boxed()
}

/// How a file is generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Real header, rows of hostile fields, raw junk, wrong widths, random tail.
    Hostile,
    /// Real header, every row RFC 4180 with the header's width (fields may still hold any
    /// bytes, quoted where needed).
    WellFormed,
    /// Random bytes, no header.
    Random,
}

fn needs_quotes(v: &[u8]) -> bool {
    v.iter().any(|b| matches!(b, b'"' | b',' | b'\r' | b'\n'))
}

fn quote(v: &[u8]) -> Vec<u8> {
    let mut q = vec![b'"'];
    for &b in v {
        if b == b'"' {
            q.push(b'"');
        }
        q.push(b);
    }
    q.push(b'"');
    q
}

/// One field of column `c`, as written in the file.
fn field(c: Col, mode: Mode, valid_w: u32) -> BoxedStrategy<Vec<u8>> {
    (
        prop_oneof![valid_w => valid(c), 10 - valid_w => hostile()],
        0u8..10,
    )
        .prop_map(move |(v, q)| {
            if mode == Mode::WellFormed {
                if q == 0 || needs_quotes(&v) {
                    quote(&v)
                } else {
                    v
                }
            } else if q == 0 {
                quote(&v)
            } else {
                v
            }
        })
        .boxed()
}

#[derive(Clone, Debug)]
enum Line {
    /// Fields in layout order (plus the extra column's), field-count skew, line end pick.
    Row(Vec<Vec<u8>>, i8, bool),
    Blank(bool),
    Raw(Vec<u8>, bool),
}

fn line(kind: Kind, mode: Mode, valid_w: u32) -> BoxedStrategy<Line> {
    let mut fields: Vec<BoxedStrategy<Vec<u8>>> = layout(kind)
        .iter()
        .map(|&(_, c)| field(c, mode, valid_w))
        .collect();
    fields.push(field(Col::Text, mode, valid_w));
    let row = (
        fields,
        prop_oneof![12 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
        any::<bool>(),
    )
        .prop_map(move |(f, skew, e)| {
            Line::Row(f, if mode == Mode::Hostile { skew } else { 0 }, e)
        });
    if mode == Mode::Hostile {
        prop_oneof![
            14 => row,
            1 => any::<bool>().prop_map(Line::Blank),
            1 => (prop::collection::vec(any::<u8>(), 0..40), any::<bool>())
                .prop_map(|(b, e)| Line::Raw(b, e)),
        ]
        .boxed()
    } else {
        prop_oneof![20 => row, 1 => any::<bool>().prop_map(Line::Blank)].boxed()
    }
}

/// The file-level choices.
#[derive(Clone, Debug)]
struct Shape {
    bom: bool,
    /// 0 LF, 1 CRLF, 2 mixed LF/CRLF, 3 bare CR (hostile only).
    eol: u8,
    final_eol: bool,
    /// Header spelling: 0–3 canonical, 4 upper case, 5 title case with spaces, 6 padded.
    style: u8,
    /// An unknown extra column at the end.
    extra: bool,
    /// Column order: sorted by these keys when `shuffle`.
    keys: Vec<u16>,
    shuffle: bool,
}

fn shape(mode: Mode) -> impl Strategy<Value = Shape> {
    (
        any::<bool>(),
        if mode == Mode::Hostile {
            0u8..4
        } else {
            0u8..3
        },
        prop::bool::weighted(0.8),
        0u8..7,
        prop::bool::weighted(0.2),
        // A sort key per column (the widest kind's, and the extra one).
        prop::collection::vec(
            any::<u16>(),
            ALL.iter().map(|k| layout(*k).len()).max().unwrap_or(0) + 1,
        ),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(bom, eol, final_eol, style, extra, keys, shuffle)| Shape {
            bom,
            eol,
            final_eol,
            style,
            extra,
            keys,
            shuffle,
        })
}

/// A generated input file and what is known about it.
#[derive(Clone)]
struct Input {
    kind: Kind,
    mode: Mode,
    bytes: Vec<u8>,
    /// Well-formed files: the physical line each record starts on.
    row_lines: Option<Vec<u64>>,
    /// Well-formed files: the same file with one more valid row at the end.
    plus: Option<Vec<u8>>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:?} {:?} file, {} bytes:",
            self.mode,
            self.kind,
            self.bytes.len()
        )?;
        write!(f, "b\"{}\"", self.bytes.escape_ascii())
    }
}

fn style_name(name: &str, style: u8) -> String {
    match style {
        4 => name.to_ascii_uppercase(),
        5 => name
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(h) => h.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        6 => format!(" {name} "),
        _ => name.to_string(),
    }
}

fn build(kind: Kind, mode: Mode, s: &Shape, lines: &[Line], tail: Option<&[u8]>) -> Input {
    let mut names: Vec<String> = layout(kind)
        .iter()
        .map(|(n, _)| style_name(n, s.style))
        .collect();
    if s.extra {
        names.push("zz_unused".to_string());
    }
    let n = names.len();
    let mut perm: Vec<usize> = (0..n).collect();
    if s.shuffle {
        perm.sort_by_key(|&i| (s.keys[i], i));
    }
    let eol = |pick: bool| -> &'static [u8] {
        match (s.eol, pick) {
            (0, _) | (2, false) => b"\n",
            (1, _) | (2, true) => b"\r\n",
            _ => b"\r",
        }
    };
    let row_bytes = |fields: &[Vec<u8>], skew: i8| -> Vec<u8> {
        let mut f: Vec<&[u8]> = perm.iter().map(|&i| &fields[i][..]).collect();
        match skew {
            -1 => {
                f.pop();
            }
            1 => f.push(b"extra"),
            _ => {}
        }
        f.join(&b","[..])
    };
    let mut out = Vec::new();
    if s.bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let header: Vec<&str> = perm.iter().map(|&i| names[i].as_str()).collect();
    out.extend_from_slice(header.join(",").as_bytes());
    out.extend_from_slice(eol(false));
    let mut row_lines = Vec::new();
    let nl = |b: &[u8]| line_ends(b);
    for l in lines {
        match l {
            Line::Row(fields, skew, e) => {
                let mut fields = fields.clone();
                fields.truncate(if s.extra {
                    n
                } else {
                    n.min(layout(kind).len())
                });
                row_lines.push(nl(&out) + 1);
                out.extend_from_slice(&row_bytes(&fields, *skew));
                out.extend_from_slice(eol(*e));
            }
            Line::Blank(e) => out.extend_from_slice(eol(*e)),
            Line::Raw(b, e) => {
                out.extend_from_slice(b);
                out.extend_from_slice(eol(*e));
            }
        }
    }
    if !s.final_eol && !lines.is_empty() {
        let e = eol(matches!(
            lines.last(),
            Some(Line::Row(_, _, true) | Line::Blank(true) | Line::Raw(_, true))
        ));
        out.truncate(out.len() - e.len());
    }
    if let Some(t) = tail {
        out.extend_from_slice(t);
    }
    let (row_lines, plus) = if mode == Mode::WellFormed {
        let mut plus = out.clone();
        if !plus.ends_with(b"\n") && !plus.ends_with(b"\r") {
            plus.extend_from_slice(eol(false));
        }
        let mut fields: Vec<Vec<u8>> = valid_row(kind)
            .iter()
            .map(|f| f.as_bytes().to_vec())
            .collect();
        if s.extra {
            fields.push(b"x".to_vec());
        }
        plus.extend_from_slice(&row_bytes(&fields, 0));
        plus.extend_from_slice(eol(false));
        (Some(row_lines), Some(plus))
    } else {
        (None, None)
    };
    Input {
        kind,
        mode,
        bytes: out,
        row_lines,
        plus,
    }
}

/// A file of `kind` generated in `mode`; `valid_w` (of 10) is how often a field is drawn
/// from the column's valid values.
fn input(
    kind: Kind,
    mode: Mode,
    valid_w: u32,
    rows: std::ops::Range<usize>,
) -> BoxedStrategy<Input> {
    match mode {
        Mode::Random => prop::collection::vec(any::<u8>(), 0..600)
            .prop_map(move |bytes| Input {
                kind,
                mode,
                bytes,
                row_lines: None,
                plus: None,
            })
            .boxed(),
        _ => (
            shape(mode),
            prop::collection::vec(line(kind, mode, valid_w), rows),
            if mode == Mode::Hostile {
                prop::option::weighted(0.15, prop::collection::vec(any::<u8>(), 0..64)).boxed()
            } else {
                Just(None).boxed()
            },
        )
            .prop_map(move |(s, lines, tail)| build(kind, mode, &s, &lines, tail.as_deref()))
            .boxed(),
    }
}

/// The usual mix for one kind: mostly hostile rows, some well-formed files, now and then
/// pure random bytes.
fn any_input(kind: Kind) -> BoxedStrategy<Input> {
    prop_oneof![
        12 => input(kind, Mode::Hostile, 7, 0..40),
        6 => input(kind, Mode::WellFormed, 7, 0..40),
        1 => input(kind, Mode::Random, 0, 0..1),
    ]
    .boxed()
}

/// The run around the file: which other companions are there, and the audit's settings.
#[derive(Clone, Debug)]
struct Settings {
    /// Bit i: the valid file of `ALL[i]` is read too (the time log always is).
    others: u16,
    as_of: chrono::NaiveDate,
    month: Option<YearMonth>,
    policy: Policy,
    dos: DosMode,
}

impl Settings {
    fn cfg(&self) -> AuditConfig {
        AuditConfig {
            as_of: self.as_of,
            month: self.month,
            policy: self.policy,
            dos: self.dos,
            apm: false,
        }
    }
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop_oneof![Just(0x1ffu16), 0u16..0x200],
        prop::sample::select(vec![
            (2025, 4, 15),
            (2025, 4, 15),
            (2025, 3, 20),
            (2026, 1, 1),
        ]),
        prop::sample::select(vec![None, None, Some((2025, 3)), Some((2025, 4))]),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(others, (y, m, d), month, strict, threshold)| Settings {
            others,
            as_of: chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            month: month.map(|(year, month)| YearMonth { year, month }),
            policy: if strict { Policy::Strict } else { Policy::Cms },
            dos: if threshold {
                DosMode::Threshold
            } else {
                DosMode::MonthEnd
            },
        })
}

// ---------------------------------------------------------------------------------------
// Running.

/// Writes the inputs into `dir`: the generated file for its kind, the valid time log
/// unless the time log is under test, and the valid companions `others` selects. Returns
/// the kinds present, in the order the command line reads them.
fn write_inputs(dir: &Path, under_test: Kind, bytes: &[u8], others: u16) -> Vec<Kind> {
    let mut kinds = Vec::new();
    for (i, &k) in ALL.iter().enumerate() {
        let path = dir.join(file_name(k));
        if k == under_test {
            std::fs::write(&path, bytes).unwrap();
        } else if k == Kind::Timelog || others & (1 << i) != 0 {
            std::fs::write(&path, valid_file(k)).unwrap();
        } else {
            continue;
        }
        kinds.push(k);
    }
    kinds
}

/// Reads every file the way `audit()` expects: the time log into memory, then the rest.
///
/// Every record is decoded on the reading thread here, and most on the checking thread in
/// [`read_streaming`]: the two must agree whichever thread decoded a row.
fn read_all(dir: &Path, kinds: &[Kind]) -> Result<Dataset, IngestError> {
    let opts = ReadOptions {
        reader_decodes: Some(512),
        ..ReadOptions::default()
    };
    let mut ds = Dataset::default();
    // The time log's header first (its file index), its rows after the companions: they
    // take their roles from the staff roster.
    let mut timelog = None;
    for &k in kinds {
        let (path, name) = (dir.join(file_name(k)), file_name(k));
        match k {
            Kind::Timelog => timelog = Some(open_timelog(&mut ds, &path, name, &opts)?),
            Kind::Claims => read_claims(&mut ds, &path, name, &opts, &rules().statuses)?,
            _ => read_companion(&mut ds, k, &path, name, &opts, rules())?,
        }
    }
    if let Some(input) = timelog {
        let mut rows = Vec::new();
        stream_timelog(&mut ds, input, rules(), |r| rows.push(*r))?;
        ds.time.extend(rows);
    }
    Ok(ds)
}

/// Reads and audits the way the command line does: the time log's header first, the
/// companions, then the time log's rows streamed into an [`Auditor`].
fn read_streaming(
    dir: &Path,
    kinds: &[Kind],
    cfg: &AuditConfig,
) -> Result<(Dataset, Audit), IngestError> {
    // 3 records of each batch (of 512) decoded on the reading thread, the rest on the
    // checking one.
    let opts = ReadOptions {
        reader_decodes: Some(3),
        ..ReadOptions::default()
    };
    let mut ds = Dataset::default();
    let tl = open_timelog(&mut ds, &dir.join("timelog.csv"), "timelog.csv", &opts)?;
    for &k in kinds {
        let (path, name) = (dir.join(file_name(k)), file_name(k));
        match k {
            Kind::Timelog | Kind::Claims => {}
            _ => read_companion(&mut ds, k, &path, name, &opts, rules())?,
        }
    }
    if kinds.contains(&Kind::Claims) {
        read_claims(
            &mut ds,
            &dir.join("claims.csv"),
            "claims.csv",
            &opts,
            &rules().statuses,
        )?;
    }
    // As the command line reads: rows in batches, and here their records moved out to
    // temporary files every 3 rows, so every case also proves the spilled audit is the
    // in-memory one.
    let mut auditor = Auditor::new(&ds, rules(), cfg.clone(), None)
        .spill_above(3, std::sync::Arc::new(tempfile::tempfile));
    stream_timelog_batches(&mut ds, tl, rules(), |rows| auditor.push_batch(rows))?;
    let a = auditor.finish(&ds).expect("spill files");
    Ok((ds, a))
}

/// Every output the command line can write, as bytes.
fn render(ds: &Dataset, a: &Audit, cfg: &AuditConfig) -> Vec<Vec<u8>> {
    let summary = report::summary(ds, a, cfg, "embedded");
    let lists = report::lists(ds, a, rules());
    let mut out = vec![Vec::new(); 7];
    report::write_findings_csv(&mut out[0], ds, a).unwrap();
    report::write_claims_csv(&mut out[1], ds, a).unwrap();
    report::write_findings_json(&mut out[2], ds, a, &summary).unwrap();
    report::write_summary_json(&mut out[3], &summary).unwrap();
    report::write_table(
        &mut out[4],
        ds,
        a,
        &summary,
        &lists,
        report::Layout::default(),
    )
    .unwrap();
    report::write_held_csv(&mut out[5], ds, &lists).unwrap();
    report::write_worklist_csv(&mut out[6], ds, &lists).unwrap();
    out
}

fn count_records(bytes: &[u8]) -> u64 {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    let mut header = true;
    while rdr.read_byte_record(&mut rec).unwrap() {
        // A record of one blank field is a blank line, not a row; a record of only
        // delimiters (and spaces) is a row (IN005 excludes it).
        if header || rec.len() > 1 || !rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            n += 1;
        }
        header = false;
    }
    n.saturating_sub(1)
}

fn formula_start(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// An audit as comparable lines: each finding (its check by code), outcome, file of the
/// reconciliation, note, then the months and verify result.
fn parts(a: &Audit) -> Vec<String> {
    let mut v: Vec<String> = a
        .findings
        .iter()
        .map(|f| format!("{f:?}").replace(&format!("{:?}", f.check), f.check.code))
        .collect();
    v.extend(a.outcomes.iter().map(|o| format!("{o:?}")));
    v.extend(a.recon.iter().map(|r| format!("{r:?}")));
    v.extend(a.notes.iter().cloned());
    v.push(format!("{:?}", a.months));
    v.push(format!("{:?}", a.verify));
    v
}

/// Fails with the first difference between two audits.
fn same_audit(a: &Audit, b: &Audit, what: &str) -> Result<(), TestCaseError> {
    let (pa, pb) = (parts(a), parts(b));
    if let Some(i) = (0..pa.len().max(pb.len())).find(|&i| pa.get(i) != pb.get(i)) {
        return Err(TestCaseError::fail(format!(
            "{what}: first difference at item {i}:\n  {:?}\n  {:?}",
            pa.get(i),
            pb.get(i)
        )));
    }
    Ok(())
}

fn same_reports(a: &[Vec<u8>], b: &[Vec<u8>], what: &str) -> Result<(), TestCaseError> {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (String::from_utf8_lossy(x), String::from_utf8_lossy(y));
        if x != y {
            let line = x.lines().zip(y.lines()).find(|(p, q)| p != q);
            return Err(TestCaseError::fail(format!(
                "{what}: output {i} differs, first at {line:?}"
            )));
        }
    }
    Ok(())
}

/// All the properties, for one generated file of `input.kind`.
fn check(input: &Input, s: &Settings) -> Result<(), TestCaseError> {
    let kind = input.kind;
    let dir = tempfile::tempdir().unwrap();
    let kinds = write_inputs(dir.path(), kind, &input.bytes, s.others);
    let cfg = s.cfg();
    let name = file_name(kind);

    let ds = match read_all(dir.path(), &kinds) {
        Ok(ds) => ds,
        Err(e) => {
            let msg = e.to_string();
            prop_assert_eq!(
                input.mode,
                Mode::Random,
                "a file with its real header was refused: {}",
                msg
            );
            prop_assert!(msg.contains(name), "error does not name {}: {}", name, msg);
            match &e {
                IngestError::MissingColumn { column, .. } => {
                    prop_assert!(msg.contains(column.as_str()), "{}", msg)
                }
                // Several required columns missing: all named at once.
                IngestError::Columns { problems, .. } => {
                    prop_assert!(problems.len() > 1, "{}", msg);
                    for p in problems {
                        prop_assert!(msg.contains(p.as_str()), "{}", msg);
                    }
                }
                IngestError::Empty { .. } => {}
                other => prop_assert!(false, "unexpected error kind: {:?}", other),
            }
            let again = read_streaming(dir.path(), &kinds, &cfg)
                .err()
                .map(|e| e.to_string());
            prop_assert_eq!(again, Some(msg));
            return Ok(());
        }
    };
    let hostile = ds
        .files
        .iter()
        .position(|f| f.name == name)
        .expect("the file under test is registered");

    let a = audit(&ds, rules(), &cfg);

    // Every row accounted for, in every file.
    prop_assert_eq!(a.recon.len(), ds.files.len());
    for (f, src) in a.recon.iter().zip(&ds.files) {
        prop_assert_eq!(&f.file, &src.name);
        prop_assert_eq!(
            f.rows_read,
            f.counted + f.excluded_total(),
            "{} ({:?}) does not reconcile: {:?}",
            f.file,
            f.kind,
            f
        );
    }
    // No record lost or invented.
    let records = count_records(&input.bytes);
    prop_assert_eq!(
        a.recon[hostile].rows_read,
        records,
        "records read in {}",
        name
    );
    if let Some(rl) = &input.row_lines {
        prop_assert_eq!(records, rl.len() as u64, "well-formed rows");
    }

    // Lines: physical lines of the file; a file's ingest findings in record order.
    let newlines = line_ends(&input.bytes);
    let bare_cr = input
        .bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && input.bytes.get(i + 1) != Some(&b'\n'));
    for f in a.findings.iter().chain(&ds.ingest_findings) {
        if let Some(i) = f.file {
            prop_assert!((i as usize) < ds.files.len());
            if i as usize == hostile {
                for &l in &f.lines {
                    prop_assert!(
                        l >= 1 && l <= newlines + 1,
                        "{} line {} outside the file ({} lines): {:?}",
                        f.check.code,
                        l,
                        newlines + 1,
                        f
                    );
                    if !bare_cr {
                        prop_assert!(l >= 2, "a finding on the header line: {:?}", f);
                    }
                    if let Some(rl) = &input.row_lines {
                        prop_assert!(
                            rl.contains(&l),
                            "line {} is not where a record starts ({:?}): {:?}",
                            l,
                            rl,
                            f
                        );
                    }
                }
            }
        }
    }
    let ingest_lines: Vec<u64> = ds
        .ingest_findings
        .iter()
        .filter(|f| f.file == Some(hostile as u16))
        .flat_map(|f| f.lines.iter().copied())
        .collect();
    if !bare_cr {
        prop_assert!(
            ingest_lines.windows(2).all(|w| w[0] < w[1]),
            "ingest findings not one per record in line order: {:?}",
            ingest_lines
        );
    }

    // Findings in the spec's order: patient_id, month, code, file, line.
    for w in a.findings.windows(2) {
        let k = |f: &ccm::checks::Finding| {
            (
                f.patient_id.clone(),
                f.month,
                f.check.code,
                f.file,
                f.lines.clone(),
            )
        };
        prop_assert!(
            k(&w[0]) <= k(&w[1]),
            "findings out of order:\n{:?}\n{:?}",
            w[0],
            w[1]
        );
    }

    // Well-formed CSV: the only malformed rows are the ones with bytes that are not text,
    // and a row's verdict does not depend on being the last.
    if input.mode == Mode::WellFormed {
        for f in ds
            .ingest_findings
            .iter()
            .filter(|f| f.file == Some(hostile as u16))
        {
            prop_assert!(
                f.check.code != "IN001" || f.message.contains("UTF-8"),
                "a well-formed record reported malformed: {:?}",
                f
            );
        }
        let plus = input.plus.as_ref().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let kinds2 = write_inputs(d2.path(), kind, plus, s.others);
        let ds2 = read_all(d2.path(), &kinds2).expect("well-formed file with one more row");
        let keep = |ds: &Dataset| -> Vec<String> {
            ds.ingest_findings
                .iter()
                .filter(|f| f.file == Some(hostile as u16))
                .map(|f| format!("{:?}", f))
                .collect()
        };
        prop_assert_eq!(
            keep(&ds),
            keep(&ds2),
            "appending a valid row changed earlier verdicts"
        );
        prop_assert_eq!(
            ds2.files[hostile].rows_read,
            ds.files[hostile].rows_read + 1
        );
    }

    // The same audit twice, the same bytes out.
    let b = audit(&ds, rules(), &cfg);
    prop_assert_eq!(format!("{a:?}"), format!("{b:?}"), "audit not repeatable");
    let out_a = render(&ds, &a, &cfg);
    let out_b = render(&ds, &b, &cfg);
    prop_assert!(out_a == out_b, "reports not byte-identical");
    // Property: the terminal report says what summary.json says, and it adds up.
    let summary_json: serde_json::Value =
        serde_json::from_slice(&out_a[3]).expect("summary.json is JSON");
    if let Err(e) =
        crate::common::table_agrees_with_summary(&String::from_utf8_lossy(&out_a[4]), &summary_json)
    {
        prop_assert!(false, "table and summary.json disagree: {}", e);
    }
    serde_json::from_slice::<serde_json::Value>(&out_a[2]).expect("findings.json is JSON");
    let summary: serde_json::Value =
        serde_json::from_slice(&out_a[3]).expect("summary.json is JSON");
    for f in summary["files"].as_array().expect("files") {
        prop_assert_eq!(
            f["rows_read"].as_u64(),
            Some(f["rows_counted"].as_u64().unwrap() + f["rows_excluded"].as_u64().unwrap())
        );
    }
    // No cell a spreadsheet would run as a formula.
    let mut rdr = csv::Reader::from_reader(&out_a[0][..]);
    for rec in rdr.records() {
        let rec = rec.expect("findings.csv parses");
        for c in [3, 5, 6, 7, 9] {
            prop_assert!(
                !formula_start(&rec[c]),
                "findings.csv cell {}: {:?}",
                c,
                &rec[c]
            );
        }
    }
    // held_claims.csv and worklist.csv: no cell at all (ids, file names, texts, numbers).
    for (i, name) in [(5, "held_claims.csv"), (6, "worklist.csv")] {
        let mut rdr = csv::Reader::from_reader(&out_a[i][..]);
        for rec in rdr.records() {
            let rec = rec.expect("parses");
            for cell in rec.iter() {
                prop_assert!(!formula_start(cell), "{} cell {:?}", name, cell);
            }
        }
    }
    if a.verify.is_none() {
        let mut rdr = csv::Reader::from_reader(&out_a[1][..]);
        for rec in rdr.records() {
            let rec = rec.expect("clean_claims.csv parses");
            for c in [0, 1, 4, 6, 7, 8, 9] {
                prop_assert!(
                    !formula_start(&rec[c]),
                    "clean_claims.csv cell {}: {:?}",
                    c,
                    &rec[c]
                );
            }
        }
    }

    // Verify mode: a byte filter of the claims file that reads back to the same lines.
    if let (Some(v), Some(cf)) = (&a.verify, &ds.claims) {
        let mut src = std::fs::read(dir.path().join("claims.csv")).unwrap();
        // Lines are kept as read: from windows-1252, transcoded to UTF-8.
        let claims_file = ds.files.iter().find(|f| f.kind == Kind::Claims).unwrap();
        if claims_file.read.encoding == "windows-1252" {
            src = encoding_rs::WINDOWS_1252
                .decode(&src)
                .0
                .into_owned()
                .into_bytes();
        }
        prop_assert!(
            src.starts_with(&cf.header_raw),
            "header not kept byte for byte"
        );
        prop_assert!(v.clean.windows(2).all(|w| w[0] < w[1]));
        let mut pos = cf.header_raw.len();
        for &i in &v.clean {
            let raw = &cf.claims[i].raw;
            let found = src[pos..]
                .windows(raw.len().max(1))
                .position(|w| w == &raw[..]);
            prop_assert!(
                found.is_some(),
                "clean line {:?} not in the claims file after byte {}",
                raw.escape_ascii().to_string(),
                pos
            );
            pos += found.unwrap() + raw.len();
        }
        let back = dir.path().join("clean_claims.csv");
        std::fs::write(&back, &out_a[1]).unwrap();
        let mut ds3 = Dataset::default();
        read_claims(
            &mut ds3,
            &back,
            "clean_claims.csv",
            &ReadOptions::default(),
            &rules().statuses,
        )
        .expect("clean claims read back");
        prop_assert!(
            ds3.ingest_findings.is_empty(),
            "clean claims read back with findings: {:?}",
            ds3.ingest_findings
        );
        let lines = |ds: &Dataset, idx: &mut dyn Iterator<Item = usize>| -> Vec<String> {
            let cf = ds.claims.as_ref().unwrap();
            idx.map(|i| {
                let c = &cf.claims[i];
                format!(
                    "{} {} {} {} {}",
                    ds.patients.name(c.patient),
                    c.date_of_service,
                    c.hcpcs,
                    c.units,
                    ds.npi_name(c.npi)
                )
            })
            .collect()
        };
        let n3 = ds3.claims.as_ref().unwrap().claims.len();
        prop_assert_eq!(
            lines(&ds, &mut v.clean.iter().copied()),
            lines(&ds3, &mut (0..n3)),
            "clean claims do not read back to the same lines"
        );
    }

    // A second read gives the same; so does the streaming path of the command line.
    let ds_again = read_all(dir.path(), &kinds).expect("second read");
    let a_again = audit(&ds_again, rules(), &cfg);
    prop_assert_eq!(
        format!("{a:?}"),
        format!("{a_again:?}"),
        "second read differs"
    );
    let (ds_s, a_s) = read_streaming(dir.path(), &kinds, &cfg).expect("streaming read");
    same_audit(&a, &a_s, "streaming audit differs")?;
    same_reports(
        &out_a,
        &render(&ds_s, &a_s, &cfg),
        "streaming reports differ",
    )?;
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn fuzz_timelog(input in any_input(Kind::Timelog), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_consents(input in any_input(Kind::Consents), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_diagnoses(input in any_input(Kind::Diagnoses), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_enrolments(input in any_input(Kind::Enrolments), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_careplans(input in any_input(Kind::Careplans), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_visits(input in any_input(Kind::Visits), s in settings()) { check(&input, &s)?; }
    #[test]
    fn fuzz_staff(input in any_input(Kind::Staff), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_readings(input in any_input(Kind::Readings), s in settings()) { check(&input, &s)?; }

    #[test]
    fn fuzz_claims(input in any_input(Kind::Claims), s in settings()) { check(&input, &s)?; }

    /// Random bytes after each kind's header.
    #[test]
    fn fuzz_random_bytes_after_header(
        k in 0usize..ALL.len(),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        s in settings(),
    ) {
        let kind = ALL[k];
        let names: Vec<&str> = layout(kind).iter().map(|(n, _)| *n).collect();
        let mut text = format!("{}\n", names.join(",")).into_bytes();
        text.extend_from_slice(&bytes);
        check(&Input { kind, mode: Mode::Hostile, bytes: text, row_lines: None, plus: None }, &s)?;
    }
}

proptest! {
    #![proptest_config(config(8))]

    /// Long files (across the reader's 512-record batches), mostly valid rows.
    #[test]
    fn fuzz_long_files(
        input in (
            0usize..ALL.len(),
            any::<bool>(),
            prop_oneof![500usize..530, 1010usize..1040, 0usize..1500],
        )
            .prop_flat_map(|(k, wellformed, rows)| {
                let mode = if wellformed { Mode::WellFormed } else { Mode::Hostile };
                input(ALL[k], mode, 9, rows..rows + 1)
            }),
        s in settings(),
    ) {
        check(&input, &s)?;
    }
}

// ---------------------------------------------------------------------------------------
// Problems the harness found (fixtures/bad/fuzz/README.md), kept as regression tests.

fn regression_cfg() -> AuditConfig {
    AuditConfig {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 4, 15).unwrap(),
        month: None,
        policy: Policy::Cms,
        dos: DosMode::MonthEnd,
        apm: false,
    }
}

#[test]
fn regression_closed_quote_last_row() {
    let dir = crate::common::root().join("fixtures/bad/fuzz/closed_quote_last_row");
    let kinds = [
        Kind::Timelog,
        Kind::Consents,
        Kind::Diagnoses,
        Kind::Enrolments,
    ];
    let (ds, a) = read_streaming(&dir, &kinds, &regression_cfg()).unwrap();
    assert!(
        ds.ingest_findings.is_empty(),
        "{:?}",
        ds.ingest_findings
            .iter()
            .map(|f| (f.check.code, &f.lines, &f.message))
            .collect::<Vec<_>>()
    );
    assert_eq!(a.recon[0].rows_read, 6);
    assert_eq!(a.recon[0].counted, 6);
    let p2: Vec<(&str, u32)> = a
        .claims()
        .filter(|c| c.patient_id == "P0002")
        .map(|c| (c.line.hcpcs.as_str(), c.minutes))
        .collect();
    assert_eq!(p2, [("99490", 45), ("99439", 45)]);
}

#[test]
fn regression_ov001_npi_order() {
    let base = crate::common::root().join("fixtures/bad/fuzz/ov001_npi_order");
    let kinds = [Kind::Timelog, Kind::Consents, Kind::Diagnoses];
    let ov001 = |sub: &str| -> Vec<(String, String)> {
        let (_, a) = read_streaming(&base.join(sub), &kinds, &regression_cfg()).unwrap();
        let mut v: Vec<(String, String)> = a
            .findings
            .iter()
            .filter(|f| f.check.code == "OV001")
            .map(|f| (f.billing_npi.to_string(), f.message.clone()))
            .collect();
        v.sort();
        v
    };
    let (a, b) = (ov001("a"), ov001("b"));
    assert_eq!(a.len(), 3);
    assert_eq!(a, b);
}

/// Physical line ends: `\n`, `\r\n` (once), and a lone `\r` (old Mac line ends), as an
/// editor counts them.
fn line_ends(b: &[u8]) -> u64 {
    b.iter()
        .enumerate()
        .filter(|&(i, &c)| c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count() as u64
}
