//! What the minutes support: for a patient-month, every family the countable minutes reach,
//! the one that pays most, its units, date of service and payment.

mod decision;
mod hold;
mod next;
mod outcome;
mod window;

pub use decision::Decision;
pub use hold::{Holds, Why};
pub use next::{Nearest, Next, nearest_block, next_paying_block, worklist_next};
pub use outcome::{ClaimLine, Outcome, Shown, Status};
pub use window::{MonthWindow, filing_deadline};

/// The programs whose claim lines verify mode checks against the evidence (the minutes
/// and what they support). A claim line of any other program is CD007, and the money a
/// held claim puts at risk is its lines of these programs. Decided here; verify and the
/// held list read it.
pub const VERIFIED_PROGRAMS: [crate::domain::Program; 2] =
    [crate::domain::Program::Ccm, crate::domain::Program::Pcm];

/// The programs whose claim lines verify mode checks against the code rules (CD-series:
/// add-on pairing, unit caps, families, dates, filing): the verified programs and RPM,
/// whose codes are in codes.csv but whose lines are not priced or checked against the
/// evidence (CD007 says so).
pub const CODE_CHECKED_PROGRAMS: [crate::domain::Program; 3] = [
    crate::domain::Program::Ccm,
    crate::domain::Program::Pcm,
    crate::domain::Program::Rpm,
];

/// Whether verify mode checks a program's claim lines against the evidence: CCM and PCM
/// always, RPM when the time log has RPM time (`rpm_time`; without it ccm cannot tell what
/// an RPM line's minutes were, and says its lines are not audited: CD007).
pub fn checked_against_evidence(p: crate::domain::Program, rpm_time: bool) -> bool {
    VERIFIED_PROGRAMS.contains(&p) || (p == crate::domain::Program::Rpm && rpm_time)
}

/// What the evidence of a patient-month supports beyond its claim lines in verify mode
/// (RV001's amount, and the summary's "left unbilled"): a clean month not claimed at all
/// (`paid` is `None`) leaves its whole payment; one whose lines of the program, in a claim
/// that goes out, support `paid` leaves the difference. A month that is not clean, or whose
/// claim is held, leaves nothing ccm would bill.
///
/// Money that can no longer be billed is not "left unbilled": a month whose filing deadline
/// (for lines dated at its end, the latest they could be) has passed on the as-of date
/// leaves nothing (in verify mode the decision does not hold late months; the claims file's
/// lines are judged by CD009 instead).
///
/// Both sides are priced on one date: `due` is what the evidence's lines pay on the claim's
/// date of service when there is a claim ([`payment_on`]), so a conversion factor that
/// changes inside the month (2024-03-09) is never read as money left unbilled.
pub fn left_unbilled(o: &Outcome, due: Money, paid: Option<Money>) -> Option<Money> {
    if o.status != Status::Clean || o.window.too_late_to_file(o.month.last_day()) {
        return None;
    }
    match paid {
        None => Some(due),
        Some(p) if due > p => Some(due - p),
        Some(_) => None,
    }
}

/// What `lines` pay at the national rate of `dos` (each line's units).
pub fn payment_on(yr: &YearRules, lines: &[ClaimLine], dos: NaiveDate) -> Money {
    lines
        .iter()
        .map(|l| yr.unit_payment(&l.hcpcs, dos).unwrap_or_default() * Money::from(l.units))
        .sum()
}

/// What one claim line claims at the national rate of its date of service: one unit's fee
/// and the line's amount (its units'). A code with no fee claims nothing. Decided here for
/// verify mode's money and the line checks' amounts alike.
pub fn line_claims(yr: &YearRules, c: &crate::domain::Claim) -> (Money, Money) {
    let fee = yr
        .unit_payment(&c.hcpcs, c.date_of_service)
        .unwrap_or_default();
    (fee, fee * Money::from(c.units))
}

/// Whether a rules row's program is one verify mode checks ([`VERIFIED_PROGRAMS`]).
pub fn is_verified_program(program: &str) -> bool {
    VERIFIED_PROGRAMS.iter().any(|p| p.as_str() == program)
}

use crate::config::DosMode;
use crate::domain::{Money, Secs, Text, YearMonth};
use crate::rules::{CodeRule, TimeKind, YearRules};
use chrono::NaiveDate;

/// A patient-month's countable minutes, as billing reads them.
#[derive(Clone, Copy, Debug)]
pub struct MonthMinutes<'a> {
    /// Countable time (clinical staff and practitioners).
    pub total: Secs,
    /// Of that, the billing practitioner's own time (99491/99437): the rows a performer NPI
    /// says are theirs; when no row is, the time of the practitioner with the most among
    /// those no performer NPI names (one alone is taken to be the billing practitioner).
    pub practitioner: Secs,
    /// The billing practitioner's own time and every unnamed practitioner's together: what
    /// pooling them would count (TM007 says when that would bill otherwise).
    pub practitioner_pooled: Secs,
    /// Practitioners with time in the month whose rows name no performer NPI: above one,
    /// which of them is the billing practitioner is not known (TM007).
    pub unnamed_practitioners: u32,
    /// Countable time per day: (date, all, practitioner); empty unless a date of service
    /// at the threshold or verify mode needs them.
    pub days: &'a [(NaiveDate, Secs, Secs)],
}

/// The family chosen for a month.
#[derive(Clone, Debug)]
pub struct Selection<'a> {
    pub base: &'a CodeRule,
    pub addon: Option<(&'a CodeRule, u32)>,
    pub minutes: u32,
    pub dos: NaiveDate,
    pub base_pay: Money,
    pub addon_pay: Money,
    pub payment: Money,
    pub alternatives: Vec<Text>,
    /// The year of the rules that priced it.
    pub rules_year: i32,
}

impl Selection<'_> {
    /// Dates the lines `dos` instead (a death in the month: no line after it) and prices
    /// them on that day, as every line is priced on its date of service.
    pub fn date_on(&mut self, yr: &YearRules, dos: NaiveDate) {
        self.dos = dos;
        self.base_pay = yr.unit_payment(&self.base.hcpcs, dos).unwrap_or_default();
        self.addon_pay = self.addon.map_or(Money::ZERO, |(a, units)| {
            yr.unit_payment(&a.hcpcs, dos).unwrap_or_default() * Money::from(units)
        });
        self.payment = self.base_pay + self.addon_pay;
    }

    pub fn lines(&self, dx: &[String]) -> Vec<ClaimLine> {
        let dx: std::sync::Arc<[Text]> = dx.iter().map(|d| Text::from(d.as_str())).collect();
        let mk = |hcpcs: &str, units: u32, pay: Money| ClaimLine {
            date_of_service: self.dos,
            hcpcs: hcpcs.into(),
            units,
            dx: dx.clone(),
            minutes: self.minutes,
            expected_payment: pay,
            rules_year: self.rules_year,
        };
        // Exactly the room needed: a pushed second line would leave room for four.
        let mut out = Vec::with_capacity(1 + usize::from(self.addon.is_some()));
        out.push(mk(&self.base.hcpcs, 1, self.base_pay));
        if let Some((a, units)) = self.addon {
            out.push(mk(&a.hcpcs, units, self.addon_pay));
        }
        out
    }
}

/// Units of a base code and its add-on for `minutes`: `None` below the base threshold.
/// Thresholds are full: no midpoint rounding; add-on units are capped.
pub fn units_for(base: &CodeRule, addon: Option<&CodeRule>, minutes: u32) -> Option<u32> {
    if minutes < base.threshold.max(1) {
        return None;
    }
    Some(match addon {
        Some(a) => ((minutes - base.threshold) / a.increment).min(a.unit_cap),
        None => 0,
    })
}

pub fn select<'a>(
    yr: &'a YearRules,
    program: &str,
    m: MonthMinutes,
    month: YearMonth,
    dos_mode: DosMode,
    mdm: bool,
) -> Option<Selection<'a>> {
    let mut best: Option<Selection> = None;
    let mut supported = Vec::new();
    let (first, last) = (month.first_day(), month.last_day());
    for base in yr
        .codes
        .iter()
        .filter(|c| c.program == program && !c.is_addon && c.life.covers_days(first, last))
    {
        // Complex CCM needs moderate/high MDM on a care-plan event that month.
        if needs_mdm(base) && !mdm {
            continue;
        }
        let (Some(minutes), Some(idx)) = (family_minutes(base, m), day_column(base.time)) else {
            continue;
        };
        // A code is proposed only within its life (a month priced with another year's
        // rules may predate it: 99439 before 2022).
        let addon = yr
            .addon_of(&base.hcpcs)
            .filter(|a| a.life.covers_days(first, last));
        let Some(units) = units_for(base, addon, minutes) else {
            continue;
        };
        let dos = match dos_mode {
            DosMode::MonthEnd => month.last_day(),
            // The days' practitioner time is every practitioner row's the billing
            // practitioner may own; when some of it is not theirs for certain (TM007's
            // case), the day their own time met the threshold is not known: the month's
            // end is always a valid date of service.
            DosMode::Threshold if idx == 2 && m.practitioner != m.practitioner_pooled => {
                month.last_day()
            }
            DosMode::Threshold => {
                threshold_day(m.days, idx, base.threshold).unwrap_or(month.last_day())
            }
        };
        let base_pay = yr.unit_payment(&base.hcpcs, dos).unwrap_or_default();
        let addon_pay = match addon {
            Some(a) if units > 0 => {
                yr.unit_payment(&a.hcpcs, dos).unwrap_or_default() * Money::from(units)
            }
            _ => Money::ZERO,
        };
        supported.push(base.hcpcs.clone());
        let cand = Selection {
            base,
            addon: addon.filter(|_| units > 0).map(|a| (a, units)),
            minutes,
            dos,
            base_pay,
            addon_pay,
            payment: base_pay + addon_pay,
            rules_year: yr.year,
            alternatives: Vec::new(),
        };
        let better = match &best {
            None => true,
            Some(b) => {
                cand.payment > b.payment
                    || (cand.payment == b.payment && cand.base.tie_rank < b.base.tie_rank)
            }
        };
        if better {
            best = Some(cand);
        }
    }
    best.map(|mut b| {
        // Every supported family but the one chosen, with exactly that room (collected
        // from a filter, a list of one would keep room for four).
        let mut alternatives = Vec::with_capacity(supported.len() - 1);
        alternatives.extend(
            supported
                .iter()
                .filter(|c| **c != b.base.hcpcs)
                .map(|c| Text::from(c.as_str())),
        );
        b.alternatives = alternatives;
        b
    })
}

/// The first day the cumulative time (column `idx` of the day tuples) reaches `threshold`
/// whole minutes.
pub fn threshold_day(
    days: &[(NaiveDate, Secs, Secs)],
    idx: usize,
    threshold: u32,
) -> Option<NaiveDate> {
    let mut d: Vec<&(NaiveDate, Secs, Secs)> = days.iter().collect();
    d.sort_unstable_by_key(|x| x.0);
    let mut sum = Secs::ZERO;
    for x in d {
        sum += if idx == 1 { x.1 } else { x.2 };
        if sum.whole_minutes() >= threshold {
            return Some(x.0);
        }
    }
    None
}

/// Complex CCM (family `complex` in codes.csv) needs moderate or high MDM that month.
pub fn needs_mdm(base: &CodeRule) -> bool {
    base.family == "complex"
}

/// The next block of minutes a family's codes bill: the base code below its threshold,
/// else the add-on's next unit; `None` when the add-on's units are at their cap (or the
/// family has no add-on and the base is met). Decided here; RV002 and the worklist read it.
#[derive(Clone, Copy, Debug)]
pub struct NextBlock<'a> {
    /// The family's minutes that reach it.
    pub target: u32,
    /// The code it bills (the base, or the add-on).
    pub code: &'a CodeRule,
    /// The units of that code it makes (1 for the base).
    pub units: u32,
}

/// The next block `minutes` of a base's family would reach: see [`NextBlock`].
pub fn next_block<'a>(
    base: &'a CodeRule,
    addon: Option<&'a CodeRule>,
    minutes: u32,
) -> Option<NextBlock<'a>> {
    match units_for(base, addon, minutes) {
        None => Some(NextBlock {
            target: base.threshold.max(1),
            code: base,
            units: 1,
        }),
        Some(u) => match addon {
            Some(a) if u < a.unit_cap => Some(NextBlock {
                target: base.threshold + (u + 1) * a.increment,
                code: a,
                units: u + 1,
            }),
            _ => None,
        },
    }
}

/// Which column of the day tuples `(date, all, practitioner)` a kind of time reads: 1 for
/// clinical staff time (everyone's countable time), 2 for the practitioner's own.
pub fn day_column(kind: TimeKind) -> Option<usize> {
    match kind {
        TimeKind::Staff => Some(1),
        TimeKind::Practitioner => Some(2),
        TimeKind::None => None,
    }
}

/// The whole minutes a base code's family counts.
pub fn family_minutes(base: &CodeRule, m: MonthMinutes) -> Option<u32> {
    match base.time {
        TimeKind::Staff => Some(m.total.whole_minutes()),
        TimeKind::Practitioner => Some(m.practitioner.whole_minutes()),
        TimeKind::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Ruleset;

    fn rules() -> Ruleset {
        Ruleset::embedded(crate::checks::lookup).unwrap()
    }

    fn pick(total: u32, prac: u32) -> Option<(String, u32)> {
        let r = rules();
        let m = YearMonth::parse("2025-03").unwrap();
        let (total, prac) = (Secs::of_minutes(total), Secs::of_minutes(prac));
        let days = [(NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(), total, prac)];
        let minutes = MonthMinutes {
            total,
            practitioner: prac,
            practitioner_pooled: prac,
            unnamed_practitioners: 0,
            days: &days,
        };
        select(r.year(2025), "CCM", minutes, m, DosMode::MonthEnd, false)
            .map(|s| (s.base.hcpcs.clone(), s.addon.map_or(0, |a| a.1)))
    }

    /// A month priced with another year's rules proposes no code before its life began:
    /// 65 minutes in 2021-06 (priced with 2024's rules) is 99490 alone, 99439 being valid
    /// from 2022; in 2015-06 complex CCM (99487, paid from 2017) is not proposed either.
    #[test]
    fn no_code_is_proposed_outside_its_life() {
        let r = rules();
        let go = |month: &str, mdm: bool| {
            let m = YearMonth::parse(month).unwrap();
            let min = Secs::of_minutes(65);
            let minutes = MonthMinutes {
                total: min,
                practitioner: Secs::ZERO,
                practitioner_pooled: Secs::ZERO,
                unnamed_practitioners: 0,
                days: &[],
            };
            select(r.for_month(m), "CCM", minutes, m, DosMode::MonthEnd, mdm).map(|s| {
                (
                    s.base.hcpcs.clone(),
                    s.addon.map(|a| (a.0.hcpcs.clone(), a.1)),
                )
            })
        };
        assert_eq!(go("2021-06", false), Some(("99490".into(), None)));
        assert_eq!(
            go("2022-01", false),
            Some(("99490".into(), Some(("99439".into(), 2))))
        );
        assert_eq!(go("2015-06", true), Some(("99490".into(), None)));
        assert_eq!(go("2017-06", true).unwrap().0, "99487");
    }

    /// With --dos threshold, a practitioner code is dated the day the billing practitioner's
    /// own time met its threshold; when unnamed practitioners' time is in the days (it may be
    /// someone else's), that day is not known and the month's end is used.
    #[test]
    fn threshold_day_of_practitioner_time_only_when_it_is_known() {
        let r = rules();
        let m = YearMonth::parse("2025-03").unwrap();
        let d = |n| NaiveDate::from_ymd_opt(2025, 3, n).unwrap();
        let min = Secs::of_minutes;
        // MD 30 min on the 3rd, NP 5 on the 10th: per day (all, practitioner).
        let days = [(d(3), min(30), min(30)), (d(10), min(5), min(5))];
        let dos = |own: u32, pooled: u32| {
            let minutes = MonthMinutes {
                total: min(35),
                practitioner: min(own),
                practitioner_pooled: min(pooled),
                unnamed_practitioners: 2,
                days: &days,
            };
            let s = select(r.year(2025), "CCM", minutes, m, DosMode::Threshold, false).unwrap();
            (s.base.hcpcs.clone(), s.dos)
        };
        // Known: the practitioner time is all the billing practitioner's: 99491 on the 3rd.
        assert_eq!(dos(35, 35), ("99491".into(), d(3)));
        // Not known (the largest single practitioner's 30 counted, 35 in the days): whose
        // 30th minute came when is not known; the month's end.
        assert_eq!(dos(30, 35), ("99491".into(), d(31)));
    }

    #[test]
    fn thresholds_at_the_edges() {
        assert_eq!(pick(19, 0), None);
        assert_eq!(pick(20, 0), Some(("99490".into(), 0)));
        assert_eq!(pick(39, 0), Some(("99490".into(), 0)));
        assert_eq!(pick(40, 0), Some(("99490".into(), 1)));
        assert_eq!(pick(59, 0), Some(("99490".into(), 1)));
        assert_eq!(pick(60, 0), Some(("99490".into(), 2)));
        assert_eq!(
            pick(200, 0),
            Some(("99490".into(), 2)),
            "add-on capped at 2"
        );
    }

    #[test]
    fn practitioner_family_at_the_edges_and_by_payment() {
        // 29 practitioner minutes: 99491 not reached, 99490 is.
        assert_eq!(pick(29, 29), Some(("99490".into(), 0)));
        // 30: 99491 ($82.16) pays more than 99490 ($60.49).
        assert_eq!(pick(30, 30), Some(("99491".into(), 0)));
        // 45 minutes, all practitioner: 99490+99439 = 106.42 > 99491 = 82.16.
        assert_eq!(pick(45, 45), Some(("99490".into(), 1)));
        // 65 practitioner minutes: 99491+99437 (139.74) vs 99490+2x99439 (152.35).
        assert_eq!(pick(65, 65), Some(("99490".into(), 2)));
        // 90 practitioner minutes: 99491+2x99437 = 197.32 > 152.35.
        assert_eq!(pick(90, 90), Some(("99491".into(), 2)));
        // 59/60 practitioner: 99437 needs a further full 30.
        let r = rules();
        let m = YearMonth::parse("2025-03").unwrap();
        let yr = r.year(2025);
        let b = yr.code("99491").unwrap();
        let a = yr.addon_of("99491");
        assert_eq!(units_for(b, a, 59), Some(0));
        assert_eq!(units_for(b, a, 60), Some(1));
        assert_eq!(units_for(b, a, 29), None);
        let _ = m;
    }

    #[test]
    fn threshold_day_is_when_cumulative_minutes_reach_it() {
        let d = |s: &str| crate::domain::parse_date(s).unwrap();
        let m = Secs::of_minutes;
        let days = vec![
            (d("2025-03-10"), m(15), Secs::ZERO),
            (d("2025-03-02"), m(10), Secs::ZERO),
            (d("2025-03-20"), m(5), Secs::ZERO),
        ];
        assert_eq!(threshold_day(&days, 1, 20), Some(d("2025-03-10")));
        assert_eq!(threshold_day(&days, 1, 31), None);
        // Seconds add up before minutes are counted: 19:50 is not 20 minutes, 20:15 is.
        let days = vec![
            (d("2025-03-04"), Secs(7 * 60 + 40), Secs::ZERO),
            (d("2025-03-13"), Secs(6 * 60 + 50), Secs::ZERO),
            (d("2025-03-26"), Secs(5 * 60 + 20), Secs::ZERO),
            (d("2025-03-27"), Secs(25), Secs::ZERO),
        ];
        assert_eq!(threshold_day(&days, 1, 20), Some(d("2025-03-27")));
    }
}
