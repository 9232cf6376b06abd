//! IN002 invalid-value: the check's definition (its `ccm explain` text) and its logic.

check! {
    IN002, "IN002", "invalid-value", Error,
    effect: Rows,
    what: "A required value is missing or malformed: a date that is not YYYY-MM-DD or \
           MM/DD/YYYY (or does not exist, like 2025-02-29), minutes that are not a whole \
           number from 1 to 1440, a clock time that is not HH:MM, an end time not after the \
           start time, minutes that disagree with start/end by more than one minute, an \
           unknown staff role or program, an NPI whose check digit fails. The row is excluded.",
    why: "Every minute on a CCM claim must be attributable to a real day, a real duration, a \
          countable role and a valid billing practitioner. An auditor rejects time whose \
          record does not hold up.",
    example: "timelog.csv line 22: minutes \"20.5\" is not a whole number from 1 to 1440.",
    source: "CMS MLN909188 (time must be documented); NPPES NPI check digit (Luhn over 80840 + \
             first nine digits); spec inputs.md.",
    fix: "Correct the value in the source system (the message names the column and the value) and \
          export again; the accepted forms are in docs/inputs.md.",
}
