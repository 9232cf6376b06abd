//! CN-series: documented consent before the first counted minute, for the practitioner who
//! bills, not revoked.

#[path = "cn001_missing_consent.rs"]
pub mod cn001;
#[path = "cn002_service_before_consent.rs"]
pub mod cn002;
#[path = "cn003_consent_revoked.rs"]
pub mod cn003;
#[path = "cn004_consent_other_practitioner.rs"]
pub mod cn004;
#[path = "cn005_practitioner_changed_without_consent.rs"]
pub mod cn005;
#[path = "cn006_consent_declined.rs"]
pub mod cn006;
#[path = "cn007_enrolled_elsewhere.rs"]
pub mod cn007;
#[path = "cn008_service_after_death.rs"]
pub mod cn008;

pub use cn001::CN001;
pub use cn002::CN002;
pub use cn003::CN003;
pub use cn004::CN004;
pub use cn005::CN005;
pub use cn006::CN006;
pub use cn007::CN007;
pub use cn008::CN008;

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::YearMonth;
use crate::domain::{Claim, Consent, ConsentStatus, Kind, Program, StatusRecord};
use chrono::NaiveDate;
use std::borrow::Borrow;

/// Verify mode: RPM claim lines (treatment management and device lines) against the
/// patient's RPM consents, as a month's time rows are for CCM and PCM. CMS requires the
/// patient's consent for RPM as for CCM: a line on a day no RPM consent covers holds its
/// claim, CN001 (none), CN002 (dated before it), CN003 (revoked) or CN004 (another
/// practitioner's), one finding per reason citing its lines.
pub fn rpm_claim_lines(consents: &[&Consent], lines: &[&Claim], emit: &mut Emit) {
    let mut by: [Vec<&Claim>; 5] = Default::default();
    for c in lines {
        let i = match coverage(consents, Program::Rpm, c.date_of_service, c.npi) {
            Coverage::Covered => continue,
            Coverage::NoConsent => 0,
            Coverage::BeforeConsent => 1,
            Coverage::Revoked => 2,
            Coverage::OtherNpi => 3,
            Coverage::AfterDeath => 4,
        };
        by[i].push(c);
    }
    for (i, cs) in by.iter().enumerate().filter(|(_, cs)| !cs.is_empty()) {
        let (check, why) = match i {
            0 => (&CN001, "no RPM consent on file for this patient"),
            1 => (&CN002, "dated before the patient's RPM consent"),
            2 => (&CN003, "after the patient's RPM consent was revoked"),
            // The death ended the consent: CN003 holds the claim (CN008 excludes time rows).
            4 => (&CN003, "dated after the patient's recorded death"),
            _ => (
                &CN004,
                "the patient's RPM consent names another practitioner",
            ),
        };
        let said: Vec<String> = cs
            .iter()
            .map(|c| format!("{} of {}", c.hcpcs, c.date_of_service))
            .collect();
        let msg = format!(
            "RPM claim line(s) {}: {why}; RPM needs the patient's consent as CCM does, so the claim cannot go out",
            said.join(", ")
        );
        // An error whatever the check's own severity: a claim line on a day no RPM consent
        // covers holds its claim (CN002 is a warning for time rows, which it only excludes).
        let mut f = emit.finding(check, msg).program(Program::Rpm.as_str());
        f.severity = crate::domain::Severity::Error;
        emit.cited(f, cs.iter().map(|c| (c.file, c.line)), None);
    }
}

/// How a consent record set covers one day of work for one practitioner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    Covered,
    /// A consent for this practitioner exists but is dated after the work.
    BeforeConsent,
    /// The consent was revoked in an earlier month.
    Revoked,
    /// Consents exist only for other practitioners.
    OtherNpi,
    NoConsent,
    /// Dated after the patient's recorded death: no service can be furnished (CN008).
    AfterDeath,
}

/// Classifies a day of `program` work billed under `npi` against the patient's consents.
///
/// The patient's recorded date of death (the consents or enrolments file's deceased status),
/// read from their consents: companions::finish dates every consent of the patient with the
/// earliest, so the first says it. The one place the rows (CN008), the month's lines (dated
/// no later) and claim lines (CD006) read it from.
pub fn recorded_death<C: Borrow<Consent>>(consents: &[C]) -> Option<NaiveDate> {
    consents.first().and_then(|c| c.borrow().died)
}

/// A day before a consent given later in its own month is `BeforeConsent` even after a
/// revocation: the month is the new consent's (CN002, its minutes do not count), not a
/// month after the revocation (CN003, which holds it). Only when no consent of the month
/// is to come does an earlier revocation make the day `Revoked`.
pub fn coverage<C: Borrow<Consent>>(
    consents: &[C],
    program: Program,
    date: NaiveDate,
    npi: u32,
) -> Coverage {
    if recorded_death(consents).is_some_and(|d| date > d) {
        return Coverage::AfterDeath;
    }
    let month = YearMonth::of(date);
    let (mut revoked, mut later, mut other) = (false, false, false);
    let mut later_this_month = false;
    for c in consents
        .iter()
        .map(Borrow::borrow)
        .filter(|c| c.program == program)
    {
        let npi_ok = c.npi.is_none_or(|n| n == npi);
        if !npi_ok {
            other = true;
            continue;
        }
        if c.date > date {
            later = true;
            later_this_month |= YearMonth::of(c.date) == month;
            continue;
        }
        match c.revoked {
            Some(r) if YearMonth::of(r) < month => revoked = true,
            _ => return Coverage::Covered,
        }
    }
    if later_this_month {
        Coverage::BeforeConsent
    } else if revoked {
        Coverage::Revoked
    } else if later {
        Coverage::BeforeConsent
    } else if other {
        Coverage::OtherNpi
    } else {
        Coverage::NoConsent
    }
}

/// The NPI a consent names for the month, if the consents in force name exactly one.
pub fn named_practitioner<C: Borrow<Consent>>(
    consents: &[C],
    program: Program,
    month: YearMonth,
) -> Option<u32> {
    match named_practitioners(consents, program, month).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Every NPI the consents in force in the month name, sorted, once each.
pub fn named_practitioners<C: Borrow<Consent>>(
    consents: &[C],
    program: Program,
    month: YearMonth,
) -> Vec<u32> {
    let mut named: Vec<u32> = consents
        .iter()
        .map(Borrow::borrow)
        .filter(|c| c.program == program && c.date <= month.last_day())
        .filter(|c| c.revoked.is_none_or(|r| YearMonth::of(r) >= month))
        .filter_map(|c| c.npi)
        .collect();
    named.sort_unstable();
    named.dedup();
    named
}

/// Why a patient-month's minutes have no consent, when the consents file says: the
/// patient's latest status row for the program that is not a consent (dated rows by date,
/// undated ones after them, then file order), when it says the patient declined (CN006) or
/// is enrolled with another practice (CN007). A latest row that only says "pending" or "not
/// enrolled" is no such reason: CN001's advice (obtain consent) stands. Decided here once;
/// CN001, CN006 and CN007 read it, so exactly one of them speaks for the month.
pub fn refusal<'a>(pm: &PatientMonth<'a>) -> Option<&'a StatusRecord> {
    let ds = pm.run.ds;
    let p = ds.patients.get(pm.patient)?;
    // An enrolments-file row saying another practice bills the program is the same word as
    // that row in the consents file (it ended the consent: companions::mark_elsewhere).
    let elsewhere = crate::domain::statuses_of(&ds.elsewhere, p)
        .iter()
        .filter(|s| s.program == pm.program);
    ds.statuses_of(p)
        .iter()
        .filter(|s| s.kind == Kind::Consents && s.program == pm.program)
        .filter(|s| s.status != ConsentStatus::Consent)
        .chain(elsewhere)
        .max_by_key(|s| (s.date.is_none(), s.date, s.file, s.line))
        .filter(|s| matches!(s.status, ConsentStatus::Declined | ConsentStatus::Elsewhere))
}

/// CN006 and CN007: when the month has unconsented minutes and [`refusal`] finds a row of
/// `status`, one finding citing that row, its message from the row, its date phrase
/// (`on 2025-01-15`, or `(no date)`) and the minutes.
pub(super) fn refusal_finding(
    pm: &PatientMonth,
    emit: &mut Emit,
    check: &'static crate::domain::Check,
    status: ConsentStatus,
    message: impl Fn(&StatusRecord, &str, u32) -> String,
) {
    let acc = pm.rows.of(RowTag::NoConsent);
    // Most months have every minute consented: nothing to look up.
    if acc.at.is_empty() {
        return;
    }
    let Some(s) = refusal(pm).filter(|s| s.status == status) else {
        return;
    };
    let minutes = acc.secs.whole_minutes();
    let when = s.date.map_or(" (no date)".to_string(), |d| {
        let word = if status == ConsentStatus::Elsewhere {
            "since"
        } else {
            "on"
        };
        format!(" {word} {d}")
    });
    let msg = message(s, &when, minutes);
    emit.push(emit.finding(check, msg).at(s.file, s.line).minutes(minutes));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(date: &str, npi: Option<u32>, revoked: Option<&str>) -> Consent {
        Consent {
            patient: 0,
            date: crate::domain::parse_date(date).unwrap(),
            program: Program::Ccm,
            npi,
            revoked: revoked.map(|r| crate::domain::parse_date(r).unwrap()),
            died: None,
            file: 0,
            line: 2,
        }
    }
    fn d(s: &str) -> NaiveDate {
        crate::domain::parse_date(s).unwrap()
    }

    #[test]
    fn coverage_cases() {
        let a = c("2025-03-10", None, None);
        assert_eq!(
            coverage(&[&a], Program::Ccm, d("2025-03-10"), 1),
            Coverage::Covered
        );
        assert_eq!(
            coverage(&[&a], Program::Ccm, d("2025-03-09"), 1),
            Coverage::BeforeConsent
        );
        assert_eq!(
            coverage(&[&a], Program::Pcm, d("2025-03-20"), 1),
            Coverage::NoConsent
        );
        assert_eq!(
            coverage::<Consent>(&[], Program::Ccm, d("2025-03-20"), 1),
            Coverage::NoConsent
        );
        let r = c("2024-06-01", None, Some("2025-02-14"));
        assert_eq!(
            coverage(&[&r], Program::Ccm, d("2025-02-28"), 1),
            Coverage::Covered
        );
        assert_eq!(
            coverage(&[&r], Program::Ccm, d("2025-03-01"), 1),
            Coverage::Revoked
        );
        let n = c("2024-06-01", Some(7), None);
        assert_eq!(
            coverage(&[&n], Program::Ccm, d("2025-03-01"), 7),
            Coverage::Covered
        );
        assert_eq!(
            coverage(&[&n], Program::Ccm, d("2025-03-01"), 8),
            Coverage::OtherNpi
        );
        // A new consent after a revocation covers again.
        let again = c("2025-03-05", None, None);
        assert_eq!(
            coverage(&[&r, &again], Program::Ccm, d("2025-03-06"), 1),
            Coverage::Covered
        );
        // A day before it in its month is before that consent (CN002), not after the
        // revocation (CN003, which would hold the month): in either file order.
        for set in [[&r, &again], [&again, &r]] {
            assert_eq!(
                coverage(&set, Program::Ccm, d("2025-03-04"), 1),
                Coverage::BeforeConsent
            );
        }
        // A month with no consent to come is still after the revocation.
        let april = c("2025-04-02", None, None);
        assert_eq!(
            coverage(&[&r, &april], Program::Ccm, d("2025-03-20"), 1),
            Coverage::Revoked
        );
    }
}
