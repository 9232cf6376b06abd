//! TM001 below-threshold: the check's definition (its `ccm explain` text) and its logic.

check! {
    TM001, "TM001", "below-threshold", Info,
    what: "The month's countable CCM minutes do not reach any base code's threshold (99490: 20 \
           clinical-staff minutes; 99491: 30 minutes by the practitioner), so there is nothing \
           to bill. Thresholds are full: 19 minutes is not 20, and minutes do not carry over to \
           the next month. In an open month (the as-of date falls inside it) the message says \
           how many minutes are still needed and how many days are left.",
    why: "Billing a time-based code below its threshold is billing for a service not \
          furnished; a mid-month biller wants the list of patients still short.",
    example: "P0004 has 18 countable minutes in 2025-03: 2 more needed for 99490.",
    source: "CPT time rules as adopted by CMS (no midpoint rounding for CCM); CMS MLN909188.",
}
