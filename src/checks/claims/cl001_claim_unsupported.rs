//! CL001 claim-unsupported: the check's definition (its `ccm explain` text) and its logic.

check! {
    CL001, "CL001", "claim-unsupported", Error,
    what: "(claims given) A claimed CCM line the evidence does not support at all: no countable \
           minutes for the patient-month and practitioner, fewer than the base threshold, an \
           add-on with no minutes beyond the base, practitioner codes without the \
           practitioner's own minutes, or complex CCM without moderate/high MDM that month. \
           The amount is the line's payment, at risk.",
    why: "A paid claim without documentation is an overpayment to refund within 60 days of \
          identifying it.",
    example: "99490 claimed for P0040 in 2025-03 with 14 countable minutes: $60.49 at risk.",
    source: "CMS MLN909188; 42 CFR 401.305 (60-day overpayment rule).",
}
