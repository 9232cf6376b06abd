//! CL-series and RV-series: claim lines against the evidence (verify mode), revenue left
//! unbilled, and the mid-month worklist.

#[path = "cl001_claim_unsupported.rs"]
pub mod cl001;
#[path = "cl002_claim_units_unsupported.rs"]
pub mod cl002;
#[path = "rv001_under_billed.rs"]
pub mod rv001;
#[path = "rv002_near_next_block.rs"]
pub mod rv002;

pub use cl001::CL001;
pub use cl002::CL002;
pub use rv001::RV001;
pub use rv002::{NEAR_BLOCK_MINUTES, RV002};
