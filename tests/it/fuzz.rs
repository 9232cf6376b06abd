//! Fuzzing the ingest of every input kind (a proptest harness over hostile bytes: cargo fuzz
//! needs a nightly toolchain this machine does not have). Each case writes one companion
//! file built from hostile fields (blanks, extreme dates and numbers, non-UTF-8 bytes,
//! quotes, CR/LF, wrong field counts, BOM, random bytes) beside a small valid time log and
//! audits them: no panic, a clean error or a reconciliation that adds up for every file,
//! and the same findings twice. `PROPTEST_CASES=20000 cargo test --release fuzz` for a
//! long run.

use ccm::audit::{AuditConfig, DosMode, audit};
use ccm::ingest::{ReadOptions, read_claims, read_companion, read_timelog};
use ccm::model::{Dataset, Kind};
use ccm::rules::{Policy, Ruleset};
use proptest::prelude::*;
use std::sync::OnceLock;

fn rules() -> &'static Ruleset {
    static R: OnceLock<Ruleset> = OnceLock::new();
    R.get_or_init(|| Ruleset::embedded().unwrap())
}

const TIMELOG: &str = "patient_id,service_date,minutes,start_time,end_time,staff_id,staff_role,program,billing_npi,activity,note\n\
P1,2025-03-03,25,09:00,09:25,S1,RN,CCM,1234567893,call,\"BP log, \"\"fine\"\"\"\n\
P2,2025-03-04,45,,,S2,MD,CCM,1234567893,review,reviewed labs and meds\n\
P3,2025-03-05,20,09:10,09:30,S1,RN,PCM,1245319599,call,spoke about insulin dosing\n";

/// Header of each companion kind (the spec's column names).
fn header(kind: Kind) -> &'static str {
    match kind {
        Kind::Consents => "patient_id,consent_date,program,method,billing_npi,revoked_date",
        Kind::Diagnoses => "patient_id,icd10_code,onset_date,resolved_date,description",
        Kind::Enrolments => "patient_id,program,start_date,end_date,billing_npi,icd10_code",
        Kind::Careplans => "patient_id,plan_date,action,mdm,shared_with_patient",
        Kind::Visits => "patient_id,visit_date,hcpcs,billing_npi",
        Kind::Claims => "patient_id,date_of_service,hcpcs,units,billing_npi,claim_id,dx1,dx2",
        Kind::Timelog => unreachable!(),
    }
}

/// One field: valid values, blanks, extremes, junk.
fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"P1".to_vec()),
        Just(b"P2".to_vec()),
        Just(b"P3".to_vec()),
        Just(b"2025-03-01".to_vec()),
        Just(b"2024-12-31".to_vec()),
        Just(b"03/15/2025".to_vec()),
        Just(b"2023-02-29".to_vec()),
        Just(b"0000-01-01".to_vec()),
        Just(b"9999-12-31".to_vec()),
        Just(b"45678".to_vec()),
        Just(b"13/45/2025".to_vec()),
        Just(b"CCM".to_vec()),
        Just(b"PCM".to_vec()),
        Just(b"RPM".to_vec()),
        Just(b"APCM".to_vec()),
        Just(b"I10".to_vec()),
        Just(b"E11.9".to_vec()),
        Just(b"N18.30".to_vec()),
        Just(b"99490".to_vec()),
        Just(b"99439".to_vec()),
        Just(b"99491".to_vec()),
        Just(b"99214".to_vec()),
        Just(b"1234567893".to_vec()),
        Just(b"1234567890".to_vec()),
        Just(b"moderate".to_vec()),
        Just(b"established".to_vec()),
        Just(b"1e3".to_vec()),
        Just(b"-0".to_vec()),
        Just(b"20.5".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        Just(Vec::new()),
        Just(b"   ".to_vec()),
        Just(b"=HYPERLINK(\"x\")".to_vec()),
        Just(b"\"quoted, \"\"inner\"\"\"".to_vec()),
        Just(b"\"line\nbreak\"".to_vec()),
        Just(vec![0xff, 0xfe, b'x']),
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

/// A file of `kind`: its header, then rows of hostile fields (sometimes too few or too
/// many), with optional BOM and CRLF, sometimes followed by raw random bytes.
fn file(kind: Kind) -> impl Strategy<Value = Vec<u8>> {
    let width = header(kind).split(',').count();
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(
            (
                prop::collection::vec(field(), width..width + 1),
                prop_oneof![8 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
            ),
            0..12,
        ),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
    )
        .prop_map(move |(bom, crlf, rows, tail)| {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice("\u{feff}".as_bytes());
            }
            out.extend_from_slice(header(kind).as_bytes());
            out.extend_from_slice(eol);
            for (mut fields, skew) in rows {
                match skew {
                    -1 => {
                        fields.pop();
                    }
                    1 => fields.push(b"extra".to_vec()),
                    _ => {}
                }
                out.extend_from_slice(&fields.join(&b","[..]));
                out.extend_from_slice(eol);
            }
            if let Some(t) = tail {
                out.extend_from_slice(&t);
            }
            out
        })
}

fn cfg() -> AuditConfig {
    AuditConfig {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 4, 15).unwrap(),
        month: None,
        policy: Policy::Cms,
        dos: DosMode::MonthEnd,
    }
}

/// Reads the valid time log and the hostile companion; audits twice when the companion
/// could be read. Returns an error message for a property that does not hold.
fn check(kind: Kind, bytes: &[u8]) -> Result<(), TestCaseError> {
    let d = tempfile::tempdir().unwrap();
    let tl = d.path().join("timelog.csv");
    std::fs::write(&tl, TIMELOG).unwrap();
    let path = d.path().join("companion.csv");
    std::fs::write(&path, bytes).unwrap();
    let opts = ReadOptions::default();
    let mut ds = Dataset::default();
    read_timelog(&mut ds, &tl, "timelog.csv", &opts, rules()).unwrap();
    let read = if kind == Kind::Claims {
        read_claims(&mut ds, &path, "companion.csv", &opts)
    } else {
        read_companion(&mut ds, kind, &path, "companion.csv", &opts)
    };
    if let Err(e) = read {
        // A file that cannot be audited at all: a one-line error naming it.
        let msg = e.to_string();
        prop_assert!(msg.contains("companion.csv"), "{msg}");
        prop_assert!(!msg.contains('\n'), "{msg}");
        return Ok(());
    }
    let a = audit(&ds, rules(), &cfg());
    for f in &a.recon {
        prop_assert_eq!(
            f.rows_read,
            f.counted + f.excluded_total(),
            "{} ({:?}) does not reconcile",
            f.file,
            f.kind
        );
    }
    let b = audit(&ds, rules(), &cfg());
    prop_assert_eq!(format!("{:?}", a.findings), format!("{:?}", b.findings));
    prop_assert_eq!(format!("{:?}", a.outcomes), format!("{:?}", b.outcomes));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fuzz_consents(bytes in file(Kind::Consents)) { check(Kind::Consents, &bytes)?; }

    #[test]
    fn fuzz_diagnoses(bytes in file(Kind::Diagnoses)) { check(Kind::Diagnoses, &bytes)?; }

    #[test]
    fn fuzz_enrolments(bytes in file(Kind::Enrolments)) { check(Kind::Enrolments, &bytes)?; }

    #[test]
    fn fuzz_careplans(bytes in file(Kind::Careplans)) { check(Kind::Careplans, &bytes)?; }

    #[test]
    fn fuzz_visits(bytes in file(Kind::Visits)) { check(Kind::Visits, &bytes)?; }

    #[test]
    fn fuzz_claims(bytes in file(Kind::Claims)) { check(Kind::Claims, &bytes)?; }

    #[test]
    fn fuzz_companion_random_bytes(
        k in 0usize..6,
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let kind = [Kind::Consents, Kind::Diagnoses, Kind::Enrolments, Kind::Careplans,
            Kind::Visits, Kind::Claims][k];
        let mut text = format!("{}\n", header(kind)).into_bytes();
        text.extend_from_slice(&bytes);
        check(kind, &text)?;
    }
}
