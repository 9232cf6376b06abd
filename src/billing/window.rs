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
}

#[cfg(test)]
mod tests {
    use super::*;

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
