//! CN004 consent-other-practitioner: the check's definition (its `ccm explain` text) and its logic.

use crate::checks::row_state::RowTag;
use crate::checks::scope::{Emit, PatientMonth};
use crate::domain::Kind;

check! {
    CN004, "CN004", "consent-other-practitioner", Error,
    what: "The patient's consent names a different billing NPI than the one the minutes are \
           billed under, and no consent covers this practitioner. A different billing \
           practitioner needs its own consent.",
    why: "Consent is given to a practitioner: the patient agrees that this practitioner \
          furnishes CCM and that only one practitioner bills it in a month. A new practitioner \
          must obtain it again.",
    example: "P0022's consent names NPI 1234567893; the time log bills their March under \
              1753064827.",
    source: "CMS MLN909188; CMS FAQ on practitioner billing for CCM (re-consent when the billing \
             practitioner changes).",
    fix: "Have the practitioner who bills the month obtain the patient's consent and record it \
          with that NPI; if the minutes were logged under the wrong NPI, move the rows to the NPI \
          the consent names in the time log instead, then export again.",
}

/// Rows billed under an NPI the patient's consent does not name; cites the consents.
pub fn check(pm: &PatientMonth, emit: &mut Emit) {
    let acc = pm.rows.of(RowTag::OtherNpi);
    if acc.at.is_empty() {
        return;
    }
    let named: Vec<&str> = pm
        .consents
        .iter()
        .filter(|c| c.program == pm.program)
        .filter_map(|c| c.npi)
        .map(|n| pm.run.npi_name(n))
        .collect();
    let f = emit
        .finding(
            &CN004,
            format!(
                "the consent names NPI {} but these minutes are billed under {}: a different practitioner needs its own consent",
                named.join(", "),
                pm.npi_name
            ),
        )
        .minutes(acc.secs.whole_minutes());
    emit.cited(
        f,
        pm.consents.iter().map(|c| (c.file, c.line)),
        pm.run.first_file(Kind::Consents),
    );
}
