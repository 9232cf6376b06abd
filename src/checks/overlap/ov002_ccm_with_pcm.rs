//! OV002 ccm-with-pcm: the check's definition (its `ccm explain` text) and its logic.

check! {
    OV002, "OV002", "ccm-with-pcm", Error,
    what: "CCM and PCM (Principal Care Management) for the patient in the same month by the same \
           practitioner, from an enrolment active in the month or PCM time-log rows. A PCM \
           enrolment with no NPI counts as possibly the same practitioner. By a different \
           practitioner it is allowed.",
    why: "CMS does not pay the same practitioner for CCM and PCM in one month.",
    example: "P0032 is enrolled in PCM under the same NPI that bills their March CCM.",
    source: "CMS PFS CY2022 final rule (PCM); CMS MLN909188.",
    fix: "Bill the same practitioner's month as CCM or as PCM, not both, and remove the other \
          program's claim; if PCM is furnished by another practitioner, record that NPI on the \
          enrolment (an empty NPI counts as the same practitioner) and export again.",
}
