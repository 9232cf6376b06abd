//! OV-series: one practitioner per patient-month, and no clash with services CCM cannot be
//! billed beside. Which programs clash, and how severely under each policy, is data
//! (rules/<year>/clashes.csv); this module holds the check texts and the relation logic.

mod ov001_multiple_ccm_practitioners;
mod ov002_ccm_with_pcm;
mod ov003_ccm_with_apcm;
mod ov004_ccm_with_bundled_service;
mod ov005_concurrent_rpm;

pub use ov001_multiple_ccm_practitioners::OV001;
pub use ov002_ccm_with_pcm::OV002;
pub use ov003_ccm_with_apcm::OV003;
pub use ov004_ccm_with_bundled_service::OV004;
pub use ov005_concurrent_rpm::OV005;

use crate::rules::Relation;

/// The relation of other-program evidence to the CCM practitioner: the same NPI if any piece
/// names it, else unknown if any names none, else different.
pub fn relation(ccm_npi: u32, evidence: impl Iterator<Item = Option<u32>>) -> Relation {
    let mut rel = Relation::Different;
    for n in evidence {
        match n {
            Some(n) if n == ccm_npi => return Relation::Same,
            None => rel = Relation::Unknown,
            _ => {}
        }
    }
    rel
}

pub fn relation_word(rel: Relation) -> &'static str {
    match rel {
        Relation::Same => "the same practitioner",
        Relation::Different => "a different practitioner",
        Relation::Unknown => "a practitioner not named (possibly the same)",
    }
}
