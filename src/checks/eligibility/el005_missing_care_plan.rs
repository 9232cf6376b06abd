//! EL005 missing-care-plan: the check's definition (its `ccm explain` text) and its logic.

check! {
    EL005, "EL005", "missing-care-plan", Error,
    what: "(care-plan file given) No care-plan event (established, revised or reviewed) for the \
           patient on or before the last day of the month.",
    why: "A comprehensive care plan must exist for every billed CCM month; it is the core of \
          the service an auditor asks to see.",
    example: "P0042 bills March 2025 but careplans.csv has no plan for them until 2025-04-02.",
    source: "CMS MLN909188 (comprehensive care plan).",
}
