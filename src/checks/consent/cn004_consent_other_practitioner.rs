//! CN004 consent-other-practitioner: the check's definition (its `ccm explain` text) and its logic.

check! {
    CN004, "CN004", "consent-other-practitioner", Error,
    what: "The patient's consent names a different billing NPI than the one the minutes are \
           billed under, and no consent covers this practitioner. A different billing \
           practitioner needs its own consent.",
    why: "Consent is given to a practitioner: the patient agrees that this practitioner \
          furnishes CCM and that only one practitioner bills it in a month. A new practitioner \
          must obtain it again.",
    example: "Consent names NPI 1234567893; the time log bills P0020's March under 1245319599.",
    source: "CMS MLN909188; CMS FAQ on practitioner billing for CCM (re-consent when the billing \
             practitioner changes).",
}
