//! CN001 missing-consent: the check's definition (its `ccm explain` text) and its logic.

check! {
    CN001, "CN001", "missing-consent", Error,
    what: "No consent on file for the patient and program covers the month's minutes. The \
           patient-month cannot be billed. Without any consents file, ccm says so once for the \
           whole run and no CCM claim can be clean.",
    why: "CMS requires documented verbal or written consent before CCM starts, and auditors \
          ask for it first. A month billed without it is an overpayment to refund.",
    example: "P0012 has 35 CCM minutes in 2025-03 but no row in consents.csv.",
    source: "CMS MLN909188 Chronic Care Management Services (consent); 42 CFR 410.26; AMA \
             consent guidance.",
}
