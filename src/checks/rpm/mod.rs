//! DV-series: RPM device codes against the days the devices sent readings (verify mode,
//! with a readings file), and their 30-day periods and episodes across months.

#[path = "dv001_device_days_too_few.rs"]
pub mod dv001;
#[path = "dv002_device_period_billed_twice.rs"]
pub mod dv002;

pub use dv001::DV001;
pub use dv002::DV002;

use crate::domain::Claim;
use crate::domain::YearMonth;
use crate::rules::{DevicePer, DeviceRule, Ruleset};

/// A line's device rule in its year (`devices.csv`), if its code is an RPM device code.
pub(super) fn device<'r>(rules: &'r Ruleset, c: &Claim) -> Option<&'r DeviceRule> {
    rules
        .for_month(YearMonth::of(c.date_of_service))
        .device(&c.hcpcs)
}

/// Whether a line is a device-supply line (once per 30-day period).
pub(super) fn supplies(rules: &Ruleset, c: &Claim) -> bool {
    device(rules, c).is_some_and(|d| d.per == DevicePer::Period)
}
