//! IN002 invalid-value: the check's definition (its `ccm explain` text) and its logic.

check! {
    IN002, "IN002", "invalid-value", Error,
    effect: Rows,
    what: "A required value is missing, or in none of the forms docs/inputs.md lists for its \
           field: a date no accepted form reads (or one that does not exist, like 2025-02-30), \
           a duration that is not a positive time up to 24 hours, a clock time ccm cannot read, \
           an end time not after the start time, minutes that disagree with start/end by more \
           than one minute, an unknown staff role, program or status word, an NPI whose check \
           digit fails, a claims cell a spreadsheet would run as a formula. The row is \
           excluded; the message names the column, the value and the forms accepted.",
    why: "Every minute on a CCM claim must be attributable to a real day, a real duration, a \
          countable role and a valid billing practitioner. An auditor rejects time whose \
          record does not hold up.",
    example: "timelog.csv line 2: service_date \"2025-02-30\" is not a valid date (there is no 30 \
              February).",
    source: "CMS MLN909188 (time must be documented); NPPES NPI check digit (Luhn over 80840 + \
             first nine digits); spec inputs.md.",
    fix: "Correct the value in the source system (the message names the column and the value) and \
          export again; the accepted forms are in docs/inputs.md.",
}
