//! RV002 near-next-block: the check's definition (its `ccm explain` text) and its logic.

check! {
    RV002, "RV002", "near-next-block", Info,
    what: "In a month still open on the as-of date, the patient's countable minutes are within \
           5 minutes of the next billable block (a base threshold or the next add-on unit).",
    why: "The mid-month worklist: a few minutes of real, documented care reach a block the \
          patient is already close to.",
    example: "As of 2025-03-24, P0008 has 37 minutes: 3 more reach 99439 ($45.93).",
    source: "CMS MLN909188 (time thresholds); CMS PFS fee schedule.",
}
