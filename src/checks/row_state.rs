//! One vocabulary for a time-log row's fate: its [`RowState`] (counted, or excluded and by
//! which check) and the [`RowTag`] it is listed under (counted or not, the rows behind a
//! finding), decided by the row ladder [`ladder`].

/// Where a time-log row ends: counted, or excluded and why. Every row has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RowState {
    Counted,
    /// IN004: dated after the as-of date.
    Future,
    /// Outside `--month`.
    OutsideMonth,
    /// IN003: repeats an identical row.
    Duplicate,
    /// TM002: a non-clinical role.
    NonClinical,
    /// CN002: before the consent date.
    BeforeConsent,
    /// CN003: after the month consent was revoked.
    Revoked,
    /// CN008: after the patient's recorded death.
    AfterDeath,
}

impl RowState {
    pub const COUNT: usize = 8;

    /// The reason as the reconciliation and `ccm trace` name it.
    pub fn reason(self) -> &'static str {
        match self {
            RowState::Counted => "counted",
            RowState::Future => "IN004",
            RowState::OutsideMonth => "outside-month",
            RowState::Duplicate => "IN003",
            RowState::NonClinical => "TM002",
            RowState::BeforeConsent => "CN002",
            RowState::Revoked => "CN003",
            RowState::AfterDeath => "CN008",
        }
    }

    pub fn all() -> [RowState; RowState::COUNT] {
        [
            RowState::Counted,
            RowState::Future,
            RowState::OutsideMonth,
            RowState::Duplicate,
            RowState::NonClinical,
            RowState::BeforeConsent,
            RowState::Revoked,
            RowState::AfterDeath,
        ]
    }
}

/// The rows behind a patient-month's row-level findings, by the check that lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RowTag {
    /// CN001: no consent covers the row.
    NoConsent,
    /// CN004: the consent names another practitioner.
    OtherNpi,
    /// CN003 (excluded).
    Revoked,
    /// CN002 (excluded).
    BeforeConsent,
    /// TM002 (excluded).
    NonClinical,
    /// TM003: minutes lost to the same staff member's overlapping interval.
    Overlap,
    /// TM004: minutes that stay with another program.
    Twice,
    /// TM006: the note does not document the work.
    Vague,
    /// CN008 (excluded).
    AfterDeath,
    /// OV001: a CCM row with countable minutes in a month billed under several NPIs (the
    /// engine gives the tag the month's countable total as its minutes). Last: the
    /// engine keeps no minutes for it.
    CcmRows,
}

impl RowTag {
    pub const COUNT: usize = 10;

    pub fn from_u8(v: u8) -> RowTag {
        match v {
            0 => RowTag::NoConsent,
            1 => RowTag::OtherNpi,
            2 => RowTag::Revoked,
            3 => RowTag::BeforeConsent,
            4 => RowTag::NonClinical,
            5 => RowTag::Overlap,
            6 => RowTag::Twice,
            7 => RowTag::Vague,
            8 => RowTag::AfterDeath,
            _ => RowTag::CcmRows,
        }
    }
}

/// A row's consent coverage and role, decided as it streams (repeats are known only once
/// every row of its staff member and day is in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Cover {
    Covered,
    BeforeConsent,
    Revoked,
    OtherNpi,
    NoConsent,
    NonClinical,
    AfterDeath,
}

impl Cover {
    pub fn from_u8(v: u8) -> Cover {
        match v {
            0 => Cover::Covered,
            1 => Cover::BeforeConsent,
            2 => Cover::Revoked,
            3 => Cover::OtherNpi,
            4 => Cover::NoConsent,
            5 => Cover::NonClinical,
            _ => Cover::AfterDeath,
        }
    }

    /// Whether the row's minutes may count (toward a month, or in the overlap checks).
    pub fn countable(self) -> bool {
        matches!(self, Cover::Covered | Cover::OtherNpi | Cover::NoConsent)
    }
}

/// The row ladder: a row's state and the tag its coverage lists it under. A repeat is
/// excluded first; then role and consent decide.
#[inline]
pub fn ladder(duplicate: bool, cover: Cover) -> (RowState, Option<RowTag>) {
    if duplicate {
        return (RowState::Duplicate, None);
    }
    match cover {
        Cover::Covered => (RowState::Counted, None),
        Cover::NoConsent => (RowState::Counted, Some(RowTag::NoConsent)),
        Cover::OtherNpi => (RowState::Counted, Some(RowTag::OtherNpi)),
        Cover::NonClinical => (RowState::NonClinical, Some(RowTag::NonClinical)),
        Cover::BeforeConsent => (RowState::BeforeConsent, Some(RowTag::BeforeConsent)),
        Cover::Revoked => (RowState::Revoked, Some(RowTag::Revoked)),
        Cover::AfterDeath => (RowState::AfterDeath, Some(RowTag::AfterDeath)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_bytes() {
        for v in 0..RowTag::COUNT as u8 {
            assert_eq!(RowTag::from_u8(v) as u8, v);
        }
        for v in 0..7u8 {
            assert_eq!(Cover::from_u8(v) as u8, v);
        }
        for (i, s) in RowState::all().into_iter().enumerate() {
            assert_eq!(s as usize, i);
        }
    }

    #[test]
    fn a_repeat_is_excluded_whatever_its_coverage() {
        assert_eq!(
            ladder(true, Cover::Covered),
            (RowState::Duplicate, None),
            "repeats first"
        );
        assert_eq!(ladder(true, Cover::Revoked).0, RowState::Duplicate);
        assert_eq!(
            ladder(false, Cover::NoConsent),
            (RowState::Counted, Some(RowTag::NoConsent))
        );
        assert_eq!(ladder(false, Cover::Revoked).0, RowState::Revoked);
    }
}
