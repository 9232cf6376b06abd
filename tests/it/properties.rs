//! Properties of the core over generated time logs: nothing lost, order does not matter,
//! more minutes never lose a claim, no panic on arbitrary bytes.

use ccm::audit::{AuditConfig, DosMode};
use ccm::domain::{Dataset, Kind};
use ccm::engine::audit;
use ccm::ingest::{ReadOptions, read_companion, read_timelog};
use ccm::rules::{Policy, Ruleset};
use proptest::prelude::*;
use std::sync::OnceLock;

fn rules() -> &'static Ruleset {
    static R: OnceLock<Ruleset> = OnceLock::new();
    R.get_or_init(|| Ruleset::embedded(ccm::checks::lookup).unwrap())
}

const NPIS: [&str; 2] = ["1234567893", "1245319599"];
const ROLES: [&str; 5] = ["RN", "MD", "Front Desk", "MA", "Wizard"];
const PROGRAMS: [&str; 5] = ["CCM", "CCM", "CCM", "RPM", "PCM"];
const HEADER: &str = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note";

#[derive(Clone, Debug)]
struct Row {
    patient: u8,
    day: u8,
    minutes: u16,
    start: Option<u16>,
    staff: u8,
    role: u8,
    program: u8,
    npi: u8,
    note: bool,
}

impl Row {
    fn csv(&self) -> String {
        let (s, e) = match self.start {
            Some(s) => {
                let e = (s + self.minutes).min(1439);
                (
                    format!("{:02}:{:02}", s / 60, s % 60),
                    format!("{:02}:{:02}", e / 60, e % 60),
                )
            }
            None => (String::new(), String::new()),
        };
        format!(
            "P{},2025-03-{:02},{},{},{},S{},{},{},{},call,{}",
            self.patient,
            self.day,
            self.minutes,
            s,
            e,
            self.staff,
            ROLES[self.role as usize],
            PROGRAMS[self.program as usize],
            NPIS[self.npi as usize],
            if self.note {
                "\"called, reviewed meds\""
            } else {
                ""
            }
        )
    }
}

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..5,
        1u8..29,
        1u16..50,
        prop::option::of(480u16..1000),
        0u8..3,
        prop::sample::select(vec![0u8, 0, 0, 1, 3, 2, 4]),
        0u8..5,
        prop::sample::select(vec![0u8, 0, 0, 0, 1]),
        any::<bool>(),
    )
        .prop_map(
            |(patient, day, minutes, start, staff, role, program, npi, note)| Row {
                patient,
                day,
                minutes,
                start,
                staff,
                role,
                program,
                npi,
                note,
            },
        )
}

/// A line of the time log: a generated row or, now and then, junk.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => row().prop_map(|r| r.csv()),
        1 => "[a-zA-Z0-9,\"/:. -]{0,40}",
    ]
}

const CONSENTS: &str = "patient_id,consent_date,program,method,billing_npi,revoked_date\nP0,2025-01-01,CCM,verbal,,\nP1,2025-01-01,CCM,verbal,1234567893,\nP2,2025-01-01,CCM,verbal,,2025-02-10\nP3,2025-03-15,CCM,verbal,,\n";
const DIAGNOSES: &str = "patient_id,icd10_code\nP0,I10\nP0,E119\nP1,I10\nP1,J449\nP2,I10\nP2,F329\nP3,E785\nP3,N1830\nP4,I10\n";
const ENROLMENTS: &str =
    "patient_id,program,start_date,end_date,billing_npi\nP4,RPM,2025-01-01,,\n";

struct Run {
    ds: Dataset,
    audit: ccm::audit::Audit,
}

fn run(lines: &[String]) -> Run {
    let d = tempfile::tempdir().unwrap();
    let tl = d.path().join("timelog.csv");
    std::fs::write(&tl, format!("{HEADER}\n{}\n", lines.join("\n"))).unwrap();
    let mut ds = Dataset::default();
    let opts = ReadOptions::default();
    read_timelog(&mut ds, &tl, "timelog.csv", &opts, rules()).unwrap();
    for (kind, name, text) in [
        (Kind::Consents, "consents.csv", CONSENTS),
        (Kind::Diagnoses, "diagnoses.csv", DIAGNOSES),
        (Kind::Enrolments, "enrolments.csv", ENROLMENTS),
    ] {
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        read_companion(&mut ds, kind, &p, name, &opts, rules()).unwrap();
    }
    let cfg = AuditConfig {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 4, 15).unwrap(),
        month: None,
        policy: Policy::Cms,
        dos: DosMode::MonthEnd,
        apm: false,
    };
    let audit = audit(&ds, rules(), &cfg);
    Run { ds, audit }
}

type FindingKey = (String, String, String, String, String, Option<u32>);

fn finding_keys(r: &Run) -> Vec<FindingKey> {
    let mut k: Vec<FindingKey> = r
        .audit
        .findings
        .iter()
        .map(|f| {
            (
                f.check.code.to_string(),
                f.severity.to_string(),
                f.patient_id.to_string(),
                f.month.map(|m| m.to_string()).unwrap_or_default(),
                f.billing_npi.to_string(),
                f.minutes,
            )
        })
        .collect();
    k.sort();
    k
}

fn claims(r: &Run) -> Vec<ccm::audit::ClaimRef<'_>> {
    r.audit.claims().collect()
}

proptest! {
    #![proptest_config(crate::common::proptest_config(48))]

    #[test]
    fn every_row_is_counted_or_excluded(lines in prop::collection::vec(line(), 0..80)) {
        let r = run(&lines);
        for f in &r.audit.recon {
            prop_assert_eq!(f.rows_read, f.counted + f.excluded_total(), "{:?}", f);
        }
        let tl = &r.audit.recon[0];
        // Blank lines are not records; everything else is read.
        let records = lines.iter().filter(|l| !l.is_empty()).count() as u64;
        prop_assert!(tl.rows_read <= records);
        let _ = &r.ds;
    }

    #[test]
    fn shuffling_rows_changes_nothing(
        lines in prop::collection::vec(row().prop_map(|r| r.csv()), 1..60),
        seed in any::<u64>(),
    ) {
        let a = run(&lines);
        let mut shuffled = lines.clone();
        // Fisher–Yates with a small deterministic generator.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = run(&shuffled);
        prop_assert_eq!(claims(&a), claims(&b));
        prop_assert_eq!(finding_keys(&a), finding_keys(&b));
    }

    #[test]
    fn more_minutes_never_lose_a_claim(
        lines in prop::collection::vec(row().prop_map(|r| r.csv()), 1..60),
        extra in 1u16..60,
    ) {
        let a = run(&lines);
        for c in claims(&a).iter().filter(|c| c.hcpcs == "99490" || c.hcpcs == "99491") {
            let mut more = lines.clone();
            more.push(format!("{},2025-03-28,{},,,S9,RN,CCM,{},call,\"added, later\"", c.patient_id, extra, c.billing_npi));
            let b = run(&more);
            let before: u32 = claims(&a).iter().filter(|x| x.patient_id == c.patient_id).map(|x| x.units).sum();
            let after: u32 = claims(&b).iter().filter(|x| x.patient_id == c.patient_id).map(|x| x.units).sum();
            prop_assert!(after >= 1, "{} lost its claim", c.patient_id);
            let pay_a: rust_decimal::Decimal = claims(&a).iter().filter(|x| x.patient_id == c.patient_id).map(|x| x.expected_payment).sum();
            let pay_b: rust_decimal::Decimal = claims(&b).iter().filter(|x| x.patient_id == c.patient_id).map(|x| x.expected_payment).sum();
            prop_assert!(pay_b >= pay_a, "{}: {} then {} ({} -> {} units)", c.patient_id, pay_a, pay_b, before, after);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let d = tempfile::tempdir().unwrap();
        let tl = d.path().join("timelog.csv");
        let mut text = format!("{HEADER}\n").into_bytes();
        text.extend_from_slice(&bytes);
        std::fs::write(&tl, &text).unwrap();
        let mut ds = Dataset::default();
        if read_timelog(&mut ds, &tl, "timelog.csv", &ReadOptions::default(), rules()).is_ok() {
            let cfg = AuditConfig {
                as_of: chrono::NaiveDate::from_ymd_opt(2025, 4, 15).unwrap(),
                month: None,
                policy: Policy::Strict,
                dos: DosMode::Threshold,
                apm: false,
            };
            let a = audit(&ds, rules(), &cfg);
            for f in &a.recon {
                prop_assert_eq!(f.rows_read, f.counted + f.excluded_total());
            }
        }
    }
}
