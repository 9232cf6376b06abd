//! RV001 under-billed: the check's definition (its `ccm explain` text) and its logic.

check! {
    RV001, "RV001", "under-billed", Info,
    what: "(claims given) The evidence supports more than was claimed for a patient-month with \
           no error: a month not claimed at all, fewer add-on units than the minutes support, or \
           a family that pays less than the one the minutes support. The amount is what was left \
           unbilled.",
    why: "Compliance is both ways: documented, eligible work that is never billed is revenue the \
          practice earned and lost.",
    example: "P0012 claimed 99490 only, but 64 countable minutes support 99490 + 2x99439: \
              $91.86 left unbilled.",
    source: "CMS PFS fee schedule (national non-facility amounts); CMS MLN909188.",
}
