//! OV005 concurrent-rpm: the check's definition (its `ccm explain` text) and its logic.

check! {
    OV005, "OV005", "concurrent-rpm", Info,
    what: "CCM and remote physiologic or therapeutic monitoring (RPM / RTM) in the same month. \
           CMS allows it when no minute is counted twice (TM004 removes shared minutes), so it \
           is info under `--policy cms`; under `--policy strict` (payer contracts that forbid \
           it) it is an error. The program is known from an enrolment active in the month, a time-log row of it, or, \
           with --claims, a claim line with one of its codes (rules/<year>/clashes.csv \
           `hcpcs`), citing that line.",
    why: "Some Medicare Advantage and commercial contracts forbid the pair; under CMS rules it \
          is worth knowing because the time must be kept apart.",
    example: "P0037 is enrolled in RPM from 2025-02-13 and has 26 CCM minutes in March.",
    source: "CMS PFS CY2024 final rule (RPM with CCM allowed, time counted once).",
    fix: "Keep RPM/RTM and CCM time in separate entries that never overlap (TM004 names any that \
          do); under --policy strict, check the payer contract and bill only one of the two for \
          the month.",
}
