//! IN-series: rows that cannot be used as they are. Each excludes the row it names.

mod in001_malformed_row;
mod in002_invalid_value;
mod in003_duplicate_entry;
mod in004_future_date;

pub use in001_malformed_row::IN001;
pub use in002_invalid_value::IN002;
pub use in003_duplicate_entry::IN003;
pub use in004_future_date::IN004;

use super::Finding;
use crate::domain::Kind;

/// An IN001 finding for a record of `kind` (the caller adds file and line).
pub fn malformed_row(kind: Kind, detail: String) -> Finding {
    Finding::new(
        &IN001,
        format!("{} row cannot be read: {detail}", kind.as_str()),
    )
}

/// An IN002 finding for a record of `kind` (the caller adds patient, file and line).
pub fn invalid_value(kind: Kind, detail: String) -> Finding {
    Finding::new(&IN002, format!("{} row excluded: {detail}", kind.as_str()))
}
