//! CL-series and RV-series: claim lines against the evidence (verify mode), revenue left
//! unbilled, and the mid-month worklist.

mod cl001_claim_unsupported;
mod cl002_claim_units_unsupported;
mod rv001_under_billed;
mod rv002_near_next_block;

pub use cl001_claim_unsupported::CL001;
pub use cl002_claim_units_unsupported::CL002;
pub use rv001_under_billed::RV001;
pub use rv002_near_next_block::RV002;

/// How close (in minutes) a patient must be to the next block for RV002.
pub const NEAR_BLOCK_MINUTES: u32 = 5;
