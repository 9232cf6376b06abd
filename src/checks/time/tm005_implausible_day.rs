//! TM005 implausible-day: the check's definition (its `ccm explain` text) and its logic.

check! {
    TM005, "TM005", "implausible-day", Warning,
    what: "One staff member's logged minutes on one day add up to more than 12 hours (all \
           patients and programs). The minutes still count; the day needs a look.",
    why: "Days longer than a working day point to double entry, timers left running or \
          template time; they are a classic audit trigger.",
    example: "Staff S07 logs 790 minutes on 2025-03-12 across 31 rows.",
    source: "OIG A-07-17-05101 (unsupported time); common payer audit practice.",
}
