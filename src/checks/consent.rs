//! CN-series: documented consent before the first counted minute, for the practitioner who
//! bills, not revoked.

use super::{Check, Severity};
use crate::domain::YearMonth;
use crate::domain::{Consent, Program};
use chrono::NaiveDate;
use std::borrow::Borrow;

pub const CN001: Check = Check {
    code: "CN001",
    name: "missing-consent",
    severity: Severity::Error,
    what: "No consent on file for the patient and program covers the month's minutes. The \
           patient-month cannot be billed. Without any consents file, ccm says so once for the \
           whole run and no CCM claim can be clean.",
    why: "CMS requires documented verbal or written consent before CCM starts, and auditors \
          ask for it first. A month billed without it is an overpayment to refund.",
    example: "P0012 has 35 CCM minutes in 2025-03 but no row in consents.csv.",
    source: "CMS MLN909188 Chronic Care Management Services (consent); 42 CFR 410.26; AMA \
             consent guidance.",
};

pub const CN002: Check = Check {
    code: "CN002",
    name: "service-before-consent",
    severity: Severity::Warning,
    what: "CCM minutes dated before the consent date. Those minutes do not count (the rows are \
           excluded); minutes on or after the consent date still do. A consent dated the same \
           day as the work covers it.",
    why: "Consent must be obtained before the service begins; time spent before it was \
          documented is not billable CCM time.",
    example: "Consent signed 2025-03-10; 15 minutes logged on 2025-03-04 do not count.",
    source: "CMS MLN909188 (obtain consent before furnishing or billing CCM).",
};

pub const CN003: Check = Check {
    code: "CN003",
    name: "consent-revoked",
    severity: Severity::Error,
    what: "Minutes in a month after the month the patient revoked consent. A revocation takes \
           effect at the end of its calendar month: that month may still be billed, later \
           months may not, and their minutes do not count.",
    why: "A patient may stop CCM at any time; billing after the revocation bills for a service \
          the patient declined.",
    example: "Consent revoked 2025-01-20; 30 minutes in 2025-03 are excluded and March is blocked.",
    source: "CMS MLN909188 (the patient may stop CCM at any time, effective at the end of the \
             service period).",
};

pub const CN004: Check = Check {
    code: "CN004",
    name: "consent-other-practitioner",
    severity: Severity::Error,
    what: "The patient's consent names a different billing NPI than the one the minutes are \
           billed under, and no consent covers this practitioner. A different billing \
           practitioner needs its own consent.",
    why: "Consent is given to a practitioner: the patient agrees that this practitioner \
          furnishes CCM and that only one practitioner bills it in a month. A new practitioner \
          must obtain it again.",
    example: "Consent names NPI 1234567893; the time log bills P0020's March under 1245319599.",
    source: "CMS MLN909188; CMS FAQ on practitioner billing for CCM (re-consent when the billing \
             practitioner changes).",
};

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
}

/// Classifies a day of `program` work billed under `npi` against the patient's consents.
pub fn coverage<C: Borrow<Consent>>(
    consents: &[C],
    program: Program,
    date: NaiveDate,
    npi: u32,
) -> Coverage {
    let month = YearMonth::of(date);
    let (mut revoked, mut later, mut other) = (false, false, false);
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
            continue;
        }
        match c.revoked {
            Some(r) if YearMonth::of(r) < month => revoked = true,
            _ => return Coverage::Covered,
        }
    }
    if revoked {
        Coverage::Revoked
    } else if later {
        Coverage::BeforeConsent
    } else if other {
        Coverage::OtherNpi
    } else {
        Coverage::NoConsent
    }
}

/// The NPI a consent names for the month, if exactly one consent in force names one.
pub fn named_practitioner<C: Borrow<Consent>>(
    consents: &[C],
    program: Program,
    month: YearMonth,
) -> Option<u32> {
    let mut named = consents
        .iter()
        .map(Borrow::borrow)
        .filter(|c| c.program == program && c.date <= month.last_day())
        .filter(|c| c.revoked.is_none_or(|r| YearMonth::of(r) >= month))
        .filter_map(|c| c.npi);
    let first = named.next()?;
    named.all(|n| n == first).then_some(first)
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
    }
}
