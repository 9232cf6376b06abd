//! A calendar month as seen on the as-of date: the one place "the month is open" is
//! decided (the patient-month stage, TM001, RV002 and the worklist read it).

use crate::domain::YearMonth;
use chrono::NaiveDate;

/// A month and the as-of date it is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthWindow {
    pub month: YearMonth,
    pub as_of: NaiveDate,
}

impl MonthWindow {
    pub fn new(month: YearMonth, as_of: NaiveDate) -> MonthWindow {
        MonthWindow { month, as_of }
    }

    /// Not over on the as-of date: its last day (the month-end date of service) is not
    /// reached, so no month-end line can be sent yet. A month not begun is open too.
    pub fn open(self) -> bool {
        self.as_of < self.month.last_day()
    }

    /// Begun and not over: the month in progress on the as-of date, where more minutes
    /// may still be logged (TM001's days left, RV002, the worklist).
    pub fn in_progress(self) -> bool {
        self.month.first_day() <= self.as_of && self.open()
    }

    /// Days from the as-of date to the month's last day.
    pub fn days_left(self) -> i64 {
        (self.month.last_day() - self.as_of).num_days()
    }

    /// Whether a line dated `dos` can no longer be filed on the as-of date: its filing
    /// deadline ([`filing_deadline`]) has passed.
    pub fn too_late_to_file(self, dos: NaiveDate) -> bool {
        self.as_of > filing_deadline(dos)
    }

    /// Derive mode's filing rule, decided here once: lines dated `dos` are held when their
    /// deadline has passed. In verify mode (`claims_given`) never: the claims file says what
    /// was filed, and CD009 judges its lines. With `dos` the month's last day, it says
    /// whether every line of the month is held (CD009's one finding for the month).
    pub fn held_as_late(self, dos: NaiveDate, claims_given: bool) -> bool {
        !claims_given && self.too_late_to_file(dos)
    }
}

/// The last day a Medicare Part B claim line dated `dos` may be filed: 12 months (one
/// calendar year) after its date of service (42 CFR 424.44(a)(1); Medicare Claims
/// Processing Manual, Pub. 100-04, ch. 1, sec. 70). A date of service of 29 February gives
/// 28 February of the next year. Decided here once; derive mode's status and CD009 read it.
pub fn filing_deadline(dos: NaiveDate) -> NaiveDate {
    dos.checked_add_months(chrono::Months::new(12))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_may_be_filed_up_to_twelve_months_after_its_date_of_service() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(filing_deadline(d("2025-03-31")), d("2026-03-31"));
        assert_eq!(filing_deadline(d("2024-02-29")), d("2025-02-28"));
        let w = |as_of: &str| MonthWindow::new(YearMonth::parse("2025-03").unwrap(), d(as_of));
        assert!(!w("2026-03-31").too_late_to_file(d("2025-03-31")));
        assert!(w("2026-04-01").too_late_to_file(d("2025-03-31")));
        assert!(w("2026-12-05").too_late_to_file(d("2025-03-31")));
    }

    #[test]
    fn a_month_is_open_until_its_last_day_and_in_progress_only_once_begun() {
        let m = YearMonth::parse("2025-03").unwrap();
        let w = |d: &str| MonthWindow::new(m, NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
        for (as_of, open, running, left) in [
            ("2025-02-28", true, false, 31),
            ("2025-03-01", true, true, 30),
            ("2025-03-30", true, true, 1),
            ("2025-03-31", false, false, 0),
            ("2025-04-15", false, false, -15),
        ] {
            let win = w(as_of);
            assert_eq!(
                (win.open(), win.in_progress(), win.days_left()),
                (open, running, left),
                "{as_of}"
            );
        }
    }
}
