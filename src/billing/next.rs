//! The next block of minutes worth logging in a month still in progress: what the
//! worklist tells the care team. Decided here, from the codes and fees; the worklist reads it.

use super::{MonthMinutes, Outcome, family_minutes, needs_mdm, next_block, select};
use crate::config::DosMode;
use crate::domain::{Money, Secs, Text};
use crate::rules::{CodeRule, TimeKind, YearRules};

/// The next billable block of an open month: the fewest further minutes that raise what
/// the month pays, and the code they reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Next {
    /// The code the block adds: a base code, or an add-on.
    pub code: Text,
    /// That code's units once the block is reached (1 for a base code).
    pub units: u32,
    /// Whole minutes still needed.
    pub minutes: u32,
    /// Whose minutes: clinical staff or practitioner (`staff`), or the billing practitioner
    /// personally (`practitioner`), as the code's `time` in rules/<year>/codes.csv.
    pub time: TimeKind,
    /// What the month pays once the block is reached (priced at the month's end).
    pub pays: Money,
}

/// The next billable block of a month: over the program's families (complex CCM only with
/// moderate or high MDM that month), the next block each can reach (its base threshold, or
/// its add-on's next unit below the cap, from rules/<year>/codes.csv), kept only when the
/// month would then pay more than now ([`select`], priced at the month's end); the fewest
/// minutes win, then the most paid. A practitioner's minutes count toward the clinical-staff
/// total as well.
pub fn next_paying_block(yr: &YearRules, o: &Outcome, mdm: bool) -> Option<Next> {
    let mm = |total: u32, prac: u32| MonthMinutes {
        total: Secs::of_minutes(total),
        practitioner: Secs::of_minutes(prac),
        practitioner_pooled: Secs::of_minutes(prac),
        unnamed_practitioners: 0,
        days: &[],
    };
    let pays = |total: u32, prac: u32| {
        select(
            yr,
            o.program.as_str(),
            mm(total, prac),
            o.month,
            DosMode::MonthEnd,
            mdm,
        )
        .map_or(Money::ZERO, |s| s.payment)
    };
    let (total, prac) = (o.minutes, o.practitioner_minutes);
    let now = pays(total, prac);
    let mut best: Option<Next> = None;
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == o.program.as_str() && !c.is_addon && (mdm || !needs_mdm(c)))
    {
        let Some(have) = family_minutes(base, mm(total, prac)) else {
            continue;
        };
        let Some(next) = next_block(base, yr.addon_of(&base.hcpcs), have) else {
            continue;
        };
        let (code, units) = (next.code.hcpcs.as_str(), next.units);
        let gap = next.target.saturating_sub(have);
        let paid = match base.time {
            TimeKind::Staff => pays(total + gap, prac),
            TimeKind::Practitioner => pays(total + gap, prac + gap),
            TimeKind::None => continue,
        };
        if paid <= now {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|b| gap < b.minutes || (gap == b.minutes && paid > b.pays))
        {
            best = Some(Next {
                code: code.into(),
                units,
                minutes: gap,
                time: base.time,
                pays: paid,
            });
        }
    }
    best
}

/// The decision record's next block, for the worklist: a month in progress on the as-of
/// date ([`super::MonthWindow::in_progress`]) gets its next paying block; any other gets
/// none (it is not on the worklist).
pub fn worklist_next(yr: &YearRules, o: &Outcome) -> Option<Next> {
    if !o.window.in_progress() {
        return None;
    }
    next_paying_block(yr, o, o.complex)
}

/// The block nearest to the minutes over all of a program's families, paying more or not
/// (RV002 names it when it is a few minutes away).
#[derive(Clone, Copy, Debug)]
pub struct Nearest<'r> {
    /// Whole minutes still needed.
    pub gap: u32,
    /// The code the block bills (a base, or an add-on).
    pub code: &'r CodeRule,
    /// That code's units once reached (1 for a base).
    pub units: u32,
}

/// Over the program's families (complex CCM only when `complex`), the next block each can
/// reach ([`next_block`]); the fewest minutes win, the first family in codes.csv on a tie.
pub fn nearest_block<'r>(
    yr: &'r YearRules,
    program: &str,
    minutes: super::MonthMinutes,
    complex: bool,
) -> Option<Nearest<'r>> {
    let mut best: Option<Nearest> = None;
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && (complex || !needs_mdm(c)))
    {
        let Some(have) = family_minutes(base, minutes) else {
            continue;
        };
        let Some(next) = next_block(base, yr.addon_of(&base.hcpcs), have) else {
            continue;
        };
        let gap = next.target - have;
        if best.is_none_or(|b| gap < b.gap) {
            best = Some(Nearest {
                gap,
                code: next.code,
                units: next.units,
            });
        }
    }
    best
}
