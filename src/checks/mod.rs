//! The check catalogue. Each family module holds its checks' definitions — code, name,
//! severity, the `ccm explain` text — beside the logic that fires them. This file only
//! lists them (the registry) and defines what a finding is.

/// Defines a check of the catalogue: its code, name, default severity and `ccm explain`
/// text, which is also the constant's documentation.
macro_rules! check {
    ($id:ident, $code:literal, $name:literal, $sev:ident,
     what: $what:literal, why: $why:literal, example: $ex:literal, source: $src:literal $(,)?) => {
        #[doc = concat!("**", $code, " ", $name, "**\n\n", $what, "\n\n*Why it matters.* ", $why,
                                "\n\n*Example.* ", $ex, "\n\n*Source.* ", $src)]
        pub const $id: $crate::checks::Check = $crate::checks::Check {
            code: $code,
            name: $name,
            severity: $crate::checks::Severity::$sev,
            what: $what,
            why: $why,
            example: $ex,
            source: $src,
        };
    };
}

pub mod claims;
pub mod coding;
pub mod consent;
pub mod eligibility;
pub mod ingest;
pub mod overlap;
pub mod time;

pub use crate::domain::{Check, Finding, Severity};

/// Every check, in catalogue order.
pub fn registry() -> &'static [&'static Check] {
    static ALL: &[&Check] = &[
        &ingest::IN001,
        &ingest::IN002,
        &ingest::IN003,
        &ingest::IN004,
        &consent::CN001,
        &consent::CN002,
        &consent::CN003,
        &consent::CN004,
        &eligibility::EL001,
        &eligibility::EL002,
        &eligibility::EL003,
        &eligibility::EL004,
        &eligibility::EL005,
        &time::TM001,
        &time::TM002,
        &time::TM003,
        &time::TM004,
        &time::TM005,
        &time::TM006,
        &coding::CD001,
        &coding::CD002,
        &coding::CD003,
        &coding::CD004,
        &coding::CD005,
        &coding::CD006,
        &overlap::OV001,
        &overlap::OV002,
        &overlap::OV003,
        &overlap::OV004,
        &overlap::OV005,
        &claims::CL001,
        &claims::CL002,
        &claims::RV001,
        &claims::RV002,
    ];
    ALL
}

/// Whether `code` names a check of the catalogue (what the rules tables may cite).
pub fn is_check(code: &str) -> bool {
    lookup(code).is_some()
}

pub fn lookup(code: &str) -> Option<&'static Check> {
    let code = code.trim().to_ascii_uppercase();
    registry().iter().copied().find(|c| c.code == code)
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
            assert!(std::ptr::eq(lookup(c.code).unwrap(), *c));
            assert!(lookup(&c.code.to_lowercase()).is_some());
        }
    }
}
