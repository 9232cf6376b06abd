//! CN003 consent-revoked: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};

check! {
    CN003, "CN003", "consent-revoked", Error,
    what: "Minutes in a month after the month the patient revoked consent. A revocation takes \
           effect at the end of its calendar month: that month may still be billed, later \
           months may not, and their minutes do not count.",
    why: "A patient may stop CCM at any time; billing after the revocation bills for a service \
          the patient declined.",
    example: "Consent revoked 2025-01-20; 30 minutes in 2025-03 are excluded and March is blocked.",
    source: "CMS MLN909188 (the patient may stop CCM at any time, effective at the end of the \
             service period).",
    fix: "If the patient has consented again, record the new consent with its date and export the \
          consents file again; otherwise end the patient's CCM and take the months after the \
          revocation off the claims.",
}

/// Lists the patient-month's rows under [`RowTag::Revoked`] (one finding per file).
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    emit.rows(
        &CN003,
        pm.rows.of(RowTag::Revoked),
        "minutes in a month after the consent was revoked do not count; the month cannot be billed",
    );
}
