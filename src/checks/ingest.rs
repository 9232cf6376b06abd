//! IN-series: rows that cannot be used as they are. Each excludes the row it names.

use super::{Check, Finding, Severity};
use crate::domain::Kind;

pub const IN001: Check = Check {
    code: "IN001",
    name: "malformed-row",
    severity: Severity::Error,
    what: "A CSV record cannot be read: it has a different number of fields than the header \
           (a stray delimiter or a broken quote), or a field ccm needs is not valid UTF-8 text. \
           The row is excluded and counted under IN001 in the reconciliation. Bad bytes in a \
           free-text column (note, activity, description) alone do not exclude a row.",
    why: "A row that cannot be read cannot be trusted to belong to the patient, day or \
          practitioner it seems to; guessing would put unsupported minutes on a claim. \
          Excluding it loudly, with its line, lets the biller fix the export instead.",
    example: "timelog.csv line 14: `P0007,2025-03-04,20,RN` has 4 fields where the header has 11.",
    source: "RFC 4180 (CSV); ccm input contract (spec inputs.md).",
};

pub const IN002: Check = Check {
    code: "IN002",
    name: "invalid-value",
    severity: Severity::Error,
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
};

pub const IN003: Check = Check {
    code: "IN003",
    name: "duplicate-entry",
    severity: Severity::Warning,
    what: "A time-log row identical in every field to an earlier one (same patient, date, \
           times, minutes, staff, role, program, NPI, activity and note). The first copy \
           counts; each repeat is excluded.",
    why: "Exports re-run or merged by hand repeat rows; counting them twice inflates minutes \
          and can lift a month over a threshold the real work never reached.",
    example: "timelog.csv lines 31 and 57 are the same 20-minute RN call; line 57 is excluded.",
    source: "CMS MLN909188 (only time actually spent counts); OIG A-07-17-05101.",
};

pub const IN004: Check = Check {
    code: "IN004",
    name: "future-date",
    severity: Severity::Error,
    what: "A time-log service date after the as-of date (`--as-of`, default today). The row \
           is excluded.",
    why: "Work cannot be documented before it happens; a future date is a typo or a \
          pre-filled entry, and billing on it is billing for services not yet rendered.",
    example: "With --as-of 2025-04-15, a row dated 2025-05-02 is excluded.",
    source: "CMS MLN909188 (date of service rules); 42 CFR 424.32.",
};

/// An IN001 finding for a record of `kind` (the caller adds file and line).
pub fn malformed_row(kind: Kind, detail: String) -> Finding {
    Finding::new(
        &IN001,
        format!("{} row cannot be read: {detail}", kind.as_str()),
    )
}

/// An IN002 finding for a record of `kind` (the caller adds patient, file and line).
pub fn invalid_value(kind: Kind, detail: String) -> Finding {
    Finding::new(&IN002, format!("{} row excluded: {detail}", kind.as_str()))
}
