//! OV004 ccm-with-bundled-service: the check's definition (its `ccm explain` text) and its logic.

check! {
    OV004, "OV004", "ccm-with-bundled-service", Error,
    what: "CCM in a month with ESRD monthly services (90951-90970), home health care plan \
           oversight (G0181) or hospice care plan oversight (G0182) by the same practitioner \
           (an enrolment with no NPI counts as possibly the same). The program is known from an enrolment active in the month, a time-log row of it, or, \
           with --claims, a claim line with one of its codes (rules/<year>/clashes.csv \
           `hcpcs`), citing that line.",
    why: "Those services already pay for care management; CMS does not pay CCM beside them to \
          the same practitioner.",
    example: "P0035 has home health care plan oversight (G0181) under the NPI billing \
              CCM in March.",
    source: "CMS MLN909188 (services that cannot be billed with CCM).",
    fix: "Remove the CCM claim for a month the same practitioner bills ESRD, home health or \
          hospice oversight; if that service belongs to another practitioner, record its NPI on \
          the enrolment and export again.",
}
