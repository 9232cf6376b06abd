//! OV001 multiple-ccm-practitioners: the check's definition (its `ccm explain` text) and its logic.

check! {
    OV001, "OV001", "multiple-ccm-practitioners", Error,
    what: "More than one billing NPI has CCM minutes for the same patient-month. When a consent \
           in force names one of them, that NPI keeps the month and the finding applies to the \
           others; otherwise it applies to all of them until the practice decides. Each \
           finding names the time-log lines whose minutes count under its NPI.",
    why: "Only one practitioner may be paid for CCM per patient per month. Duplicate CCM across \
          practitioners was the largest overpayment category in both OIG audits.",
    example: "P0021 has March minutes under two NPIs and a consent naming the first: the second \
              NPI's month is blocked.",
    source: "CMS MLN909188 (one practitioner per month); OIG A-07-17-05101 and A-07-19-05122.",
}
