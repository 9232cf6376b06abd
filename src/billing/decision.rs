//! What billing decides for one patient-month and practitioner before its outcome is
//! written: whether the minutes bill, whether an error holds it, its window on the as-of
//! date, and from those its status. Decided here, once; the patient-month stage builds the
//! outcome from it and the checks that run after billing (TM001, RV002) read it.

use super::{MonthWindow, Status};
use crate::config::DosMode;

/// One patient-month's decision.
#[derive(Clone, Copy, Debug)]
pub struct Decision<'r> {
    /// Whether the minutes reach any family.
    pub billable: bool,
    /// Whether an error finding holds the month (`Finding::holds_month`, or a run-wide
    /// error such as a missing consents file).
    pub has_error: bool,
    /// The month on the as-of date: open (no month-end line yet), in progress, days left.
    pub window: MonthWindow,
    /// Complex CCM may be billed (moderate or high MDM on a care-plan event this month).
    pub complex: bool,
    /// The filing deadline of the lines the minutes support has passed on the as-of date
    /// ([`super::filing_deadline`]; derive mode only: in verify mode the claims file says
    /// what was filed and CD009 judges its lines). Such a month is held: it cannot be billed.
    pub late: bool,
    /// The outcome's status, from the above and the date-of-service mode.
    pub status: Status,
    /// A month in progress that no error holds: the block nearest to its minutes over all
    /// the program's families ([`super::nearest_block`]; RV002 reads it). `None` otherwise.
    pub nearest: Option<super::Nearest<'r>>,
}

impl<'r> Decision<'r> {
    /// A month an error holds is blocked, whatever its minutes: never "below threshold,
    /// N more needed" (more minutes would not make it billable). An open month's month-end
    /// lines wait for its last day; with dates of service at the threshold they need not.
    /// Lines past their filing deadline are held like lines an error holds.
    pub fn new(
        billable: bool,
        has_error: bool,
        window: MonthWindow,
        complex: bool,
        late: bool,
        dos: DosMode,
    ) -> Decision<'r> {
        // An error holds the month whether or not it is still open: a month an error holds
        // is blocked (README), and listed as held, in every mode.
        let status = if has_error {
            Status::Blocked
        } else if !billable {
            Status::BelowThreshold
        } else if window.open() && dos == DosMode::MonthEnd {
            Status::Open
        } else if late {
            Status::Blocked
        } else {
            Status::Clean
        };
        Decision {
            billable,
            has_error,
            window,
            complex,
            late: late && billable,
            status,
            nearest: None,
        }
    }

    /// The decision with its nearest block, for a month in progress that no error holds
    /// (the months RV002 speaks of; no other reads it).
    pub fn with_nearest(
        self,
        yr: &'r crate::rules::YearRules,
        program: &str,
        minutes: super::MonthMinutes,
    ) -> Decision<'r> {
        let nearest = if !self.has_error && self.window.in_progress() {
            super::nearest_block(yr, program, minutes, self.complex)
        } else {
            None
        };
        Decision { nearest, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::YearMonth;
    use chrono::NaiveDate;

    #[test]
    fn the_status_follows_the_minutes_the_errors_and_the_window() {
        let m = YearMonth::parse("2025-03").unwrap();
        let closed = MonthWindow::new(m, NaiveDate::from_ymd_opt(2025, 4, 15).unwrap());
        let open = MonthWindow::new(m, NaiveDate::from_ymd_opt(2025, 3, 20).unwrap());
        let st = |billable, err, w, dos| Decision::new(billable, err, w, false, false, dos).status;
        let late = |billable, w| Decision::new(billable, false, w, false, true, MonthEnd).status;
        use DosMode::{MonthEnd, Threshold};
        assert_eq!(st(false, true, open, MonthEnd), Status::Blocked);
        assert_eq!(st(false, false, closed, MonthEnd), Status::BelowThreshold);
        assert_eq!(st(true, true, open, MonthEnd), Status::Blocked);
        assert_eq!(st(true, false, open, MonthEnd), Status::Open);
        assert_eq!(st(true, true, open, Threshold), Status::Blocked);
        assert_eq!(st(true, false, open, Threshold), Status::Clean);
        assert_eq!(st(true, true, closed, MonthEnd), Status::Blocked);
        assert_eq!(st(true, false, closed, MonthEnd), Status::Clean);
        assert_eq!(late(true, closed), Status::Blocked);
        assert_eq!(late(false, closed), Status::BelowThreshold);
    }
}
