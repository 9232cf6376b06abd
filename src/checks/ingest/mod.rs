//! IN-series: rows that cannot be used as they are. Each excludes the row it names.

#[path = "in001_malformed_row.rs"]
pub mod in001;
#[path = "in002_invalid_value.rs"]
pub mod in002;
#[path = "in003_duplicate_entry.rs"]
pub mod in003;
#[path = "in004_future_date.rs"]
pub mod in004;
#[path = "in005_not_a_data_row.rs"]
pub mod in005;
#[path = "in006_open_timer.rs"]
pub mod in006;
#[path = "in007_ids_differ_by_leading_zeros.rs"]
pub mod in007;
#[path = "in008_date_order_not_proven.rs"]
pub mod in008;
#[path = "in009_status_excludes_row.rs"]
pub mod in009;
#[path = "in010_unread_decision_column.rs"]
pub mod in010;

pub use in001::IN001;
pub use in002::IN002;
pub use in003::IN003;
pub use in004::IN004;
pub use in005::IN005;
pub use in006::IN006;
pub use in007::IN007;
pub use in008::IN008;
pub use in009::IN009;
pub use in010::IN010;

use super::Finding;
use crate::domain::Kind;

/// An IN001 finding for a record of `kind` (the caller adds file and line).
pub fn malformed_row(kind: Kind, detail: String) -> Finding {
    Finding::new(
        &IN001,
        format!("{} row cannot be read: {detail}", kind.as_str()),
    )
}

/// An IN006 finding for a time-log row with no time (the caller adds patient, file, line).
pub fn open_timer(duration: &str) -> Finding {
    in006::finding(duration)
}

/// An IN002 finding for a record of `kind` (the caller adds patient, file and line).
pub fn invalid_value(kind: Kind, detail: String) -> Finding {
    Finding::new(&IN002, format!("{} row excluded: {detail}", kind.as_str()))
}
