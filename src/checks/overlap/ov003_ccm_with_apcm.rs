//! OV003 ccm-with-apcm: the check's definition (its `ccm explain` text) and its logic.

check! {
    OV003, "OV003", "ccm-with-apcm", Error,
    what: "CCM or PCM in a month the patient has Advanced Primary Care Management \
           (G0556-G0558). Error by the same practitioner (APCM bundles CCM, PCM and TCM); \
           warning when the APCM practitioner is different or unknown, where CMS guidance is \
           unclear. In verify mode it holds a claim that bills CCM or PCM; a claim of the APCM \
           line alone goes out. The program is known from an enrolment active in the month, a time-log row of it, or, \
           with --claims, a claim line with one of its codes (rules/<year>/clashes.csv \
           `hcpcs`), citing that line.",
    why: "APCM pays a monthly amount that already includes care management; billing CCM beside \
          it by the same practitioner is duplicate payment.",
    example: "P0034's practitioner bills APCM (G0556-G0558) in March and also 99490 \
              under the same NPI.",
    source: "CMS PFS CY2025 final rule (APCM), 89 FR 97896-97: the APCM bundle lists CCM \
             99437, 99439, 99487, 99489-99491, PCM 99424-99427 and TCM.",
    fix: "Remove the CCM or PCM claim for a month the same practitioner bills APCM (G0556-G0558); if \
          APCM is billed by another practitioner, record that NPI on the enrolment and export \
          again so the clash can be judged.",
}
