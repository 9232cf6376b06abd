//! The vocabulary every layer speaks: typed values, the records read from the inputs, the
//! dataset, interned ids, and what a check and a finding are. It depends on nothing else
//! in ccm.

pub mod ascii;
pub mod dataset;
pub mod finding;
pub mod formats;
pub mod ids;
pub mod records;
pub mod values;

pub use dataset::{Dataset, statuses_of};
pub use finding::{Check, Effect, Finding, Fingerprint, Severity};
pub use formats::*;
pub use ids::{FastMap, FastSet, FastState, IdKey, Interner};
pub use records::*;
pub use values::*;
