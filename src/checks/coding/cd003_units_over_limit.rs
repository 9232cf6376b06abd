//! CD003 units-over-limit: the check's definition (its `ccm explain` text) and its logic.

check! {
    CD003, "CD003", "units-over-limit", Error,
    what: "More units of a code in a patient-month than its monthly cap (base codes 1; 99439 2, \
           99437 2, 99489 10 from the CMS MUE table; caps are data in codes.csv).",
    why: "Units above the Medically Unlikely Edit are denied; billed anyway they are an audit \
          finding on their face.",
    example: "99439 with 3 units in one month (cap 2).",
    source: "CMS NCCI Medically Unlikely Edits, practitioner services, 2024-07-01.",
}
