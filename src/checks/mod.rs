//! The check catalogue. Each family module holds its checks' definitions — code, name,
//! severity, the `ccm explain` text — beside the logic that fires them. This file only
//! lists them (the registry) and defines what a finding is.

/// Defines a check of the catalogue: its code, name, default severity and `ccm explain`
/// text, which is also the constant's documentation. The trailing `fix:` (the concrete
/// action a biller takes) is optional in the syntax; the registry test requires it.
macro_rules! check {
    (@fix) => { "" };
    (@fix $fix:literal) => { $fix };
    (@effect) => { $crate::domain::Effect::Month };
    (@effect $effect:ident) => { $crate::domain::Effect::$effect };
    ($id:ident, $code:literal, $name:literal, $sev:ident, $(effect: $effect:ident,)?
     what: $what:literal, why: $why:literal, example: $ex:literal, source: $src:literal
     $(, fix: $fix:literal)? $(,)?) => {
        #[doc = concat!("**", $code, " ", $name, "**\n\n", $what, "\n\n*Why it matters.* ", $why,
                                                "\n\n*Example.* ", $ex, "\n\n*Source.* ", $src
                                                $(, "\n\n*How to fix.* ", $fix)?)]
        pub const $id: $crate::checks::Check = $crate::checks::Check {
            code: $code,
            name: $name,
            severity: $crate::checks::Severity::$sev,
            effect: check!(@effect $($effect)?),
            what: $what,
            why: $why,
            example: $ex,
            source: $src,
            fix: check!(@fix $($fix)?),
        };
    };
}

pub mod claims;
pub mod coding;
pub mod consent;
pub mod eligibility;
pub mod ingest;
pub mod overlap;
pub mod row_state;
pub mod rpm;
pub mod scope;
pub mod time;

pub use crate::domain::{Check, Finding, Severity};
use scope::{
    ClaimBeneficiary, ClaimEvidence, ClaimGroup, ClaimMonth, Decision, Emit, PatientMonth,
    RunFacts, Unbilled, WholeClaim,
};

/// Where and how a check fires. The engine walks the registry and calls each check where
/// it fires; a check never drives anything itself.
pub enum Fire {
    /// While reading the files (a row that cannot be read or decoded, or whose status
    /// leaves it out).
    Ingest,
    /// In the engine's pass over each staff member's day (repeats, day totals); the rule's
    /// numbers and words live in the check's file.
    StaffDay,
    /// As a row streams in (dated after the as-of date).
    Stream,
    /// Once for the run.
    Run(fn(&RunFacts, &mut Vec<Finding>)),
    /// Once per patient-month and practitioner.
    PatientMonth(fn(&PatientMonth, &mut Emit)),
    /// Per patient-month, from `rules/<year>/clashes.csv` ([`overlap::clashes`]).
    ClashTable,
    /// Per patient-month, after billing decided what the minutes support.
    Decided(fn(&PatientMonth, &Decision, &mut Emit)),
    /// In verify mode, per patient-month and practitioner's claim lines of one program.
    ClaimGroup(fn(&ClaimGroup, &mut Emit)),
    /// In verify mode, per patient-month's claim lines of every code and practitioner; the
    /// engine gives each practitioner's claim the finding with its own lines.
    ClaimMonth(fn(&ClaimMonth, &mut Emit)),
    /// In verify mode, per beneficiary's claim lines of every month (30-day periods and
    /// episodes cross months); the engine gives each claim the finding with its own lines.
    Beneficiary(fn(&ClaimBeneficiary, &mut Emit)),
    /// In verify mode, per claim line against the evidence.
    ClaimLine(fn(&ClaimEvidence, &mut Emit)),
    /// In verify mode, per claim (every code of one patient-month and practitioner).
    Claim(fn(&WholeClaim, &mut Emit)),
    /// In verify mode, per clean patient-month once its claims are settled, when the
    /// evidence supports more than they claim.
    Unbilled(fn(&Unbilled, &mut Emit)),
}

/// One check and where it fires.
pub struct Entry {
    pub check: &'static Check,
    pub fire: &'static [Fire],
}

/// Every check, in catalogue order, with where it fires: one line per check.
#[rustfmt::skip]
pub static REGISTRY: &[Entry] = &[
    Entry { check: &ingest::IN001, fire: &[Fire::Ingest] },
    Entry { check: &ingest::IN002, fire: &[Fire::Ingest] },
    Entry { check: &ingest::IN003, fire: &[Fire::StaffDay] },
    Entry { check: &ingest::IN004, fire: &[Fire::Stream] },
    Entry { check: &ingest::IN005, fire: &[Fire::Ingest] },
    Entry { check: &ingest::IN006, fire: &[Fire::Ingest] },
    Entry { check: &ingest::IN007, fire: &[Fire::Run(ingest::in007::run)] },
    Entry { check: &ingest::IN008, fire: &[Fire::Run(ingest::in008::run)] },
    Entry { check: &ingest::IN010, fire: &[Fire::Run(ingest::in010::run)] },
    Entry { check: &ingest::IN009, fire: &[Fire::Ingest] },
    Entry { check: &consent::CN001, fire: &[Fire::Run(consent::cn001::run), Fire::PatientMonth(consent::cn001::check)] },
    Entry { check: &consent::CN002, fire: &[Fire::PatientMonth(consent::cn002::check)] },
    Entry { check: &consent::CN003, fire: &[Fire::PatientMonth(consent::cn003::check)] },
    Entry { check: &consent::CN004, fire: &[Fire::PatientMonth(consent::cn004::check)] },
    Entry { check: &consent::CN005, fire: &[Fire::PatientMonth(consent::cn005::check)] },
    Entry { check: &consent::CN006, fire: &[Fire::PatientMonth(consent::cn006::check)] },
    Entry { check: &consent::CN007, fire: &[Fire::PatientMonth(consent::cn007::check)] },
    Entry { check: &consent::CN008, fire: &[Fire::PatientMonth(consent::cn008::check)] },
    Entry { check: &eligibility::EL001, fire: &[Fire::Run(eligibility::el001::run), Fire::PatientMonth(eligibility::el001::check)] },
    Entry { check: &eligibility::EL002, fire: &[Fire::Run(eligibility::el002::run), Fire::PatientMonth(eligibility::el002::check)] },
    Entry { check: &eligibility::EL003, fire: &[Fire::PatientMonth(eligibility::el003::check)] },
    Entry { check: &eligibility::EL004, fire: &[Fire::PatientMonth(eligibility::el004::check)] },
    Entry { check: &eligibility::EL005, fire: &[Fire::PatientMonth(eligibility::el005::check)] },
    Entry { check: &eligibility::EL006, fire: &[Fire::Ingest] },
    Entry { check: &eligibility::EL007, fire: &[Fire::PatientMonth(eligibility::el007::check)] },
    Entry { check: &time::TM001, fire: &[Fire::Decided(time::tm001::check)] },
    Entry { check: &time::TM002, fire: &[Fire::PatientMonth(time::tm002::check)] },
    Entry { check: &time::TM003, fire: &[Fire::PatientMonth(time::tm003::check)] },
    Entry { check: &time::TM004, fire: &[Fire::PatientMonth(time::tm004::check)] },
    Entry { check: &time::TM005, fire: &[Fire::StaffDay] },
    Entry { check: &time::TM006, fire: &[Fire::PatientMonth(time::tm006::check)] },
    Entry { check: &time::TM007, fire: &[Fire::PatientMonth(time::tm007::check)] },
    Entry { check: &coding::CD001, fire: &[Fire::ClaimGroup(coding::cd001::check)] },
    Entry { check: &coding::CD002, fire: &[Fire::ClaimGroup(coding::cd002::check)] },
    Entry { check: &coding::CD003, fire: &[Fire::ClaimGroup(coding::cd003::check)] },
    Entry { check: &coding::CD004, fire: &[Fire::ClaimGroup(coding::cd004::check)] },
    Entry { check: &coding::CD005, fire: &[Fire::ClaimGroup(coding::cd005::check)] },
    Entry { check: &coding::CD006, fire: &[Fire::ClaimGroup(coding::cd006::check)] },
    Entry { check: &coding::CD007, fire: &[Fire::Run(coding::cd007::run)] },
    Entry { check: &coding::CD008, fire: &[Fire::ClaimMonth(coding::cd008::check)] },
    Entry { check: &coding::CD009, fire: &[Fire::Run(coding::cd009::run), Fire::Decided(coding::cd009::check), Fire::ClaimGroup(coding::cd009::claims)] },
    Entry { check: &coding::CD010, fire: &[Fire::ClaimMonth(coding::cd010::check)] },
    Entry { check: &coding::CD011, fire: &[Fire::ClaimMonth(coding::cd011::check)] },
    Entry { check: &coding::CD012, fire: &[Fire::ClaimGroup(coding::cd012::check)] },
    Entry { check: &coding::CD013, fire: &[Fire::Claim(coding::cd013::check)] },
    Entry { check: &rpm::DV001, fire: &[Fire::Beneficiary(rpm::dv001::check)] },
    Entry { check: &rpm::DV002, fire: &[Fire::Beneficiary(rpm::dv002::check)] },
    Entry { check: &overlap::OV001, fire: &[Fire::PatientMonth(overlap::ov001::check)] },
    Entry { check: &overlap::OV002, fire: &[Fire::ClashTable] },
    Entry { check: &overlap::OV003, fire: &[Fire::ClashTable] },
    Entry { check: &overlap::OV004, fire: &[Fire::ClashTable] },
    Entry { check: &overlap::OV005, fire: &[Fire::ClashTable] },
    Entry { check: &claims::CL001, fire: &[Fire::ClaimLine(claims::cl001::check)] },
    Entry { check: &claims::CL002, fire: &[Fire::ClaimLine(claims::cl002::check)] },
    Entry { check: &claims::RV001, fire: &[Fire::Unbilled(claims::rv001::check)] },
    Entry { check: &claims::RV002, fire: &[Fire::Decided(claims::rv002::check)] },
];

/// Every check, in catalogue order.
pub fn registry() -> impl Iterator<Item = &'static Check> {
    REGISTRY.iter().map(|e| e.check)
}

/// The functions of one kind of firing point, in catalogue order.
fn fired<T>(pick: fn(&Fire) -> Option<T>) -> impl Iterator<Item = T> {
    REGISTRY.iter().flat_map(|e| e.fire).filter_map(pick)
}

/// The patient-month checks, in catalogue order.
pub fn patient_month_checks() -> impl Iterator<Item = fn(&PatientMonth, &mut Emit)> {
    fired(|f| match f {
        Fire::PatientMonth(f) => Some(*f),
        _ => None,
    })
}

/// The checks that read billing's decision, in catalogue order.
pub fn decided_checks() -> impl Iterator<Item = fn(&PatientMonth, &Decision, &mut Emit)> {
    fired(|f| match f {
        Fire::Decided(f) => Some(*f),
        _ => None,
    })
}

/// The claim-group checks (verify mode), in catalogue order.
pub fn claim_group_checks() -> impl Iterator<Item = fn(&ClaimGroup, &mut Emit)> {
    fired(|f| match f {
        Fire::ClaimGroup(f) => Some(*f),
        _ => None,
    })
}

/// The patient-month claim checks (verify mode), in catalogue order.
pub fn claim_month_checks() -> impl Iterator<Item = fn(&ClaimMonth, &mut Emit)> {
    fired(|f| match f {
        Fire::ClaimMonth(f) => Some(*f),
        _ => None,
    })
}

/// The beneficiary checks (verify mode), in catalogue order.
pub fn beneficiary_checks() -> impl Iterator<Item = fn(&ClaimBeneficiary, &mut Emit)> {
    fired(|f| match f {
        Fire::Beneficiary(f) => Some(*f),
        _ => None,
    })
}

/// The claim-line checks (verify mode), in catalogue order.
pub fn claim_line_checks() -> impl Iterator<Item = fn(&ClaimEvidence, &mut Emit)> {
    fired(|f| match f {
        Fire::ClaimLine(f) => Some(*f),
        _ => None,
    })
}

/// The checks of a whole claim (verify mode), in catalogue order.
pub fn claim_checks() -> impl Iterator<Item = fn(&WholeClaim, &mut Emit)> {
    fired(|f| match f {
        Fire::Claim(f) => Some(*f),
        _ => None,
    })
}

/// The checks of what a settled claim leaves unbilled (verify mode), in catalogue order.
pub fn unbilled_checks() -> impl Iterator<Item = fn(&Unbilled, &mut Emit)> {
    fired(|f| match f {
        Fire::Unbilled(f) => Some(*f),
        _ => None,
    })
}

/// The run-wide checks, in catalogue order.
pub fn run_checks() -> impl Iterator<Item = fn(&RunFacts, &mut Vec<Finding>)> {
    fired(|f| match f {
        Fire::Run(f) => Some(*f),
        _ => None,
    })
}

/// A check's place in the catalogue (`ccm rules` order). Checks are compared by code: a
/// `const` check may sit at more than one address.
pub fn rank(c: &Check) -> usize {
    by_code()
        .binary_search_by(|e| e.0.cmp(c.code))
        .map_or(usize::MAX, |i| by_code()[i].1)
}

/// Every check's code and place in the catalogue, sorted by code (built once: the held
/// list ranks each holding check of every patient-month, and a scan of the catalogue per
/// rank was 0.5% of a 2M-row run's CPU).
fn by_code() -> &'static [(&'static str, usize)] {
    static BY_CODE: std::sync::OnceLock<Vec<(&'static str, usize)>> = std::sync::OnceLock::new();
    BY_CODE.get_or_init(|| {
        let mut v: Vec<_> = registry().enumerate().map(|(i, c)| (c.code, i)).collect();
        v.sort_unstable();
        v
    })
}

/// The check `code` names (any case, spaces around it): what the rules tables may cite.
pub fn lookup(code: &str) -> Option<&'static Check> {
    let code = code.trim();
    registry().find(|c| c.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_codes_unique_and_documented() {
        let mut seen = HashSet::new();
        for c in registry() {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(seen.insert(c.name), "duplicate name {}", c.name);
            assert_eq!(c.code.len(), 5, "{}", c.code);
            assert!(
                c.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-' || ch.is_ascii_digit()),
                "{} is not kebab-case",
                c.name
            );
            assert!(!c.name.starts_with("check"), "{}: name the defect", c.name);
            for (field, text) in [
                ("what", c.what),
                ("why", c.why),
                ("example", c.example),
                ("source", c.source),
            ] {
                assert!(text.len() > 20, "{} has no real `{field}` text", c.code);
            }
            assert!(std::ptr::eq(lookup(c.code).unwrap(), c));
            assert!(lookup(&c.code.to_lowercase()).is_some());
        }
    }

    /// `ccm explain` ends with how to fix: every check says what the biller does, in its
    /// own words (not its `what` again, nor another check's fix).
    #[test]
    fn every_check_says_how_to_fix() {
        let mut seen = HashSet::new();
        for c in registry() {
            let fix = c.fix.trim();
            assert!(fix.len() > 20, "{} has no `fix` text", c.code);
            assert!(
                fix.ends_with('.'),
                "{}: end the fix text with a full stop",
                c.code
            );
            for (field, text) in [("what", c.what), ("why", c.why), ("example", c.example)] {
                assert!(
                    !text.contains(fix) && !fix.contains(text.trim()),
                    "{}: the fix repeats its `{field}`",
                    c.code
                );
            }
            assert!(
                seen.insert(fix),
                "{}: the same fix as another check",
                c.code
            );
        }
    }

    /// A `const` check named in another module may sit at another address than the
    /// registry's: its place in the catalogue is found by code.
    #[test]
    fn checks_are_ranked_by_code_in_catalogue_order() {
        assert!(rank(&eligibility::EL001) < rank(&overlap::OV002));
        for (i, c) in registry().enumerate() {
            assert_eq!(rank(c), i);
        }
    }

    check! {
        NO_FIX, "ZZ998", "no-fix", Info,
        what: "w", why: "y", example: "e", source: "s",
    }
    check! {
        WITH_FIX, "ZZ999", "with-fix", Info,
        what: "w", why: "y", example: "e", source: "s", fix: "f"
    }

    /// `fix:` is optional in `check!` (a new check file may come without it; the test above
    /// then fails until it has one).
    #[test]
    fn fix_is_optional_in_the_macro() {
        assert_eq!(NO_FIX.fix, "");
        assert_eq!(WITH_FIX.fix, "f");
    }
}
