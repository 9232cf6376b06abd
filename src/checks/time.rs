//! TM-series: which minutes count.

use super::{Check, Severity};
use crate::domain::{NoteQuality, normalise_note};

pub const TM001: Check = Check {
    code: "TM001",
    name: "below-threshold",
    severity: Severity::Info,
    what: "The month's countable CCM minutes do not reach any base code's threshold (99490: 20 \
           clinical-staff minutes; 99491: 30 minutes by the practitioner), so there is nothing \
           to bill. Thresholds are full: 19 minutes is not 20, and minutes do not carry over to \
           the next month. In an open month (the as-of date falls inside it) the message says \
           how many minutes are still needed and how many days are left.",
    why: "Billing a time-based code below its threshold is billing for a service not \
          furnished; a mid-month biller wants the list of patients still short.",
    example: "P0004 has 18 countable minutes in 2025-03: 2 more needed for 99490.",
    source: "CPT time rules as adopted by CMS (no midpoint rounding for CCM); CMS MLN909188.",
};

pub const TM002: Check = Check {
    code: "TM002",
    name: "non-clinical-time",
    severity: Severity::Warning,
    what: "Minutes logged by a non-clinical role (front desk, scheduler, biller, admin …). The \
           rows are excluded: their minutes never count. Roles are data (rules/<year>/roles.csv).",
    why: "Only clinical staff under general supervision and the billing practitioner furnish \
          CCM; counting a scheduler's call inflates the month.",
    example: "A 10-minute scheduling call by the front desk for P0015 does not count.",
    source: "CMS MLN909188 (clinical staff under general supervision); CPT clinical staff \
             definition.",
};

pub const TM003: Check = Check {
    code: "TM003",
    name: "overlapping-time",
    severity: Severity::Warning,
    what: "One staff member's clock-time intervals overlap on the same day (for the same patient \
           or different patients). Intervals are half-open: 09:00–09:20 and 09:20–09:40 do not \
           overlap. The overlapping minutes count once: the interval that starts first (then \
           the lower patient id) keeps them, the later one loses them. CCM intervals are \
           compared with CCM intervals and PCM intervals with PCM intervals (CCM time at the \
           same clock time as another program is TM004).",
    why: "Nobody is in two places at once. Overlapping entries are the first thing an auditor \
          tests, and they double-count time.",
    example: "RN S02 logs P0001 09:00–09:30 and P0002 09:15–09:40: P0002 loses 15 minutes.",
    source: "CMS MLN909188 (time counted once); OIG A-07-19-05122.",
};

pub const TM004: Check = Check {
    code: "TM004",
    name: "time-counted-twice",
    severity: Severity::Warning,
    what: "The same staff member logged CCM and another program (RPM, PCM, BHI, TCM, APCM …) at \
           overlapping clock times. Those minutes leave CCM and stay with the other program.",
    why: "A minute counts toward one service only: CMS allows CCM beside RPM, TCM or BHI in one \
          month only when the time is counted once.",
    example: "MA S04 logs RPM for P0003 10:00–10:20 and CCM for P0003 10:10–10:30: CCM keeps 10.",
    source: "CMS PFS CY2024 final rule (CCM with RPM, time counted once); CMS MLN909188.",
};

pub const TM005: Check = Check {
    code: "TM005",
    name: "implausible-day",
    severity: Severity::Warning,
    what: "One staff member's logged minutes on one day add up to more than 12 hours (all \
           patients and programs). The minutes still count; the day needs a look.",
    why: "Days longer than a working day point to double entry, timers left running or \
          template time; they are a classic audit trigger.",
    example: "Staff S07 logs 790 minutes on 2025-03-12 across 31 rows.",
    source: "OIG A-07-17-05101 (unsupported time); common payer audit practice.",
};

/// Minutes a day beyond which TM005 fires.
pub const IMPLAUSIBLE_DAY_MINUTES: u32 = 12 * 60;

/// Minutes one CCM or PCM row loses to overlaps: with another program (TM004, CCM only) and
/// with an earlier interval of the same program by the same staff member (TM003).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lost {
    pub other_program: u16,
    pub overlap: u16,
}

/// One countable row with clock times, as the overlap check sees it.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub start: u16,
    pub end: u16,
    pub minutes: u16,
    pub ccm: bool,
    pub pcm: bool,
    /// Tie-break when two intervals start and end together: patient (compared by its id
    /// as text), fingerprint, line.
    pub tie: (u32, u64, u64),
}

/// Computes overlap losses for one staff member's countable rows with clock times on one
/// day (any program). Returns (index into `day`, lost) for the CCM and PCM rows that lose
/// minutes: CCM yields to every other program's time (TM004) and counts once among its own
/// intervals (TM003); PCM keeps its time against other programs and counts once among its
/// own intervals (TM003). Deterministic whatever the input order.
pub fn day_overlaps<'a>(day: &[Span], name: impl Fn(u32) -> &'a str) -> Vec<(usize, Lost)> {
    // Other programs' time first, merged into a sorted union.
    let mut other: Vec<(u16, u16)> = day
        .iter()
        .filter(|r| !r.ccm)
        .map(|r| (r.start, r.end))
        .collect();
    other.sort_unstable();
    let mut union: Vec<(u16, u16)> = Vec::with_capacity(other.len());
    for (s, e) in other {
        match union.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => union.push((s, e)),
        }
    }
    // By start, end, then the tie-break: the interval that starts first keeps its minutes.
    let order = |a: &usize, b: &usize| {
        let (ra, rb) = (&day[*a], &day[*b]);
        (ra.start, ra.end).cmp(&(rb.start, rb.end)).then_with(|| {
            (name(ra.tie.0), ra.tie.1, ra.tie.2).cmp(&(name(rb.tie.0), rb.tie.1, rb.tie.2))
        })
    };
    let mut out = Vec::new();
    // CCM yields to the other programs' time; PCM yields to nothing.
    for (ccm, yields_to) in [(true, &union[..]), (false, &[][..])] {
        let of_program = |r: &Span| if ccm { r.ccm } else { r.pcm };
        let mut own: Vec<usize> = (0..day.len()).filter(|&i| of_program(&day[i])).collect();
        own.sort_unstable_by(order);
        // Every interval before this one starts no later, so what they covered of it is
        // [start, max_end).
        let mut max_end = 0u16;
        for i in own {
            let r = &day[i];
            let (with_other, overlap) = split_interval(r.start, r.end, yields_to, max_end);
            max_end = max_end.max(r.end);
            if with_other > 0 || overlap > 0 {
                let other_program = with_other.min(r.minutes);
                out.push((
                    i,
                    Lost {
                        other_program,
                        overlap: overlap.min(r.minutes - other_program),
                    },
                ));
            }
        }
    }
    out.sort_unstable_by_key(|x| x.0);
    out
}

/// Of the interval [s, e): the minutes under `union` (sorted, disjoint: another program's
/// time), and of the rest, the minutes before `max_end` (already counted by an earlier
/// interval of the same program).
fn split_interval(s: u16, e: u16, union: &[(u16, u16)], max_end: u16) -> (u16, u16) {
    let counted_before = |fs: u16, fe: u16| fe.min(max_end).saturating_sub(fs);
    let (mut with_other, mut overlap) = (0u16, 0u16);
    let mut cur = s;
    let from = union.partition_point(|u| u.1 <= s);
    for &(us, ue) in &union[from..] {
        if us >= e {
            break;
        }
        if us > cur {
            overlap += counted_before(cur, us);
        }
        with_other += ue.min(e).saturating_sub(us.max(s));
        cur = cur.max(ue);
    }
    if cur < e {
        overlap += counted_before(cur, e);
    }
    (with_other, overlap)
}

pub const TM006: Check = Check {
    code: "TM006",
    name: "vague-documentation",
    severity: Severity::Warning,
    what: "A counted CCM row has no note, or a note too thin to defend: shorter than the \
           minimum length, or only a boilerplate phrase such as \"CCM call\", \"follow up\" or \
           \"chart review\" (the phrases and the minimum are data in \
           rules/documentation/vague_phrases.txt). The minutes still count.",
    why: "Auditors deny time whose documentation does not say what was done; \"CCM call\" \
          supports nothing.",
    example: "P0005 2025-03-11, 15 minutes, note \"follow up\".",
    source: "CMS MLN909188 (documentation); OIG A-07-17-05101 (unsupported services).",
};

/// Judges a note against the vague phrases (normalised: lower case, letters and digits,
/// single spaces) and the minimum length.
/// `enough` is [`note_enough`] of the same phrases and length, worked out once.
pub fn note_quality(note: &[u8], vague: &[String], min_chars: usize, enough: usize) -> NoteQuality {
    // The normalised note has at least as many characters as the note has ASCII letters
    // and digits: once that count clears the minimum length and every vague phrase's
    // length, the note is fine without building the normalised text (the hot path, which
    // stops reading there).
    let mut floor = 0;
    for &b in note {
        floor += usize::from(b.is_ascii_alphanumeric());
        if floor >= enough {
            return NoteQuality::Ok;
        }
    }
    if note.iter().all(u8::is_ascii_whitespace) {
        return NoteQuality::Missing;
    }
    let text = String::from_utf8_lossy(note);
    let norm = normalise_note(&text);
    if norm.chars().count() < min_chars || vague.contains(&norm) {
        NoteQuality::Vague
    } else {
        NoteQuality::Ok
    }
}

/// How many ASCII letters and digits prove a note is neither too short nor a vague phrase.
pub fn note_enough(vague: &[String], min_chars: usize) -> usize {
    vague
        .iter()
        .map(|v| v.len() + 1)
        .max()
        .unwrap_or(0)
        .max(min_chars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Program;

    const NAMES: [&str; 3] = ["P1", "P2", "P3"];
    fn name(p: u32) -> &'static str {
        NAMES[p as usize]
    }

    fn lost(other_program: u16, overlap: u16) -> Lost {
        Lost {
            other_program,
            overlap,
        }
    }

    fn row(patient: u32, program: Program, s: u16, e: u16) -> Span {
        Span {
            start: s,
            end: e,
            minutes: e - s,
            ccm: program == Program::Ccm,
            pcm: program == Program::Pcm,
            tie: (patient, u64::from(s) << 16 | u64::from(e), 2 + u64::from(s)),
        }
    }

    #[test]
    fn half_open_intervals_do_not_overlap() {
        let rows = vec![
            row(0, Program::Ccm, 540, 560),
            row(1, Program::Ccm, 560, 580),
        ];
        assert!(day_overlaps(&rows, name).is_empty());
    }

    #[test]
    fn later_interval_loses_overlap_across_patients() {
        let rows = vec![
            row(1, Program::Ccm, 555, 580),
            row(0, Program::Ccm, 540, 570),
        ];
        let got = day_overlaps(&rows, name);
        assert_eq!(got, vec![(0, lost(0, 15))]);
        // Order of input does not matter.
        let swapped = vec![rows[1], rows[0]];
        assert_eq!(day_overlaps(&swapped, name), vec![(1, lost(0, 15))]);
    }

    #[test]
    fn other_program_keeps_its_minutes() {
        let rows = vec![
            row(0, Program::Rpm, 600, 620),
            row(0, Program::Ccm, 610, 630),
            row(0, Program::Ccm, 615, 640),
        ];
        let got = day_overlaps(&rows, name);
        // Row 1: 610–620 with RPM (10), nothing earlier. Row 2: 615–620 with RPM (5),
        // 620–630 already counted by row 1 (10).
        assert_eq!(got, vec![(1, lost(10, 0)), (2, lost(5, 10))]);
    }

    #[test]
    fn pcm_intervals_count_once_among_themselves_and_keep_their_time_against_ccm() {
        let rows = vec![
            row(0, Program::Pcm, 600, 630),
            row(1, Program::Pcm, 620, 640),
            row(0, Program::Ccm, 625, 650),
            row(2, Program::Pcm, 700, 710),
            Span {
                tie: (2, 0, 900),
                ..row(2, Program::Pcm, 700, 710)
            },
        ];
        let got = day_overlaps(&rows, name);
        // Row 1: 620–630 already counted by row 0's PCM (10). Row 2 (CCM): 625–640 is PCM
        // time (15). Rows 3 and 4 start and end together: the tie-break (patient, then
        // fingerprint) keeps row 4's minutes, row 3 loses all 10.
        assert_eq!(
            got,
            vec![(1, lost(0, 10)), (2, lost(15, 0)), (3, lost(0, 10))]
        );
        // Apart from each other, PCM intervals lose nothing.
        let apart = vec![
            row(0, Program::Pcm, 600, 630),
            row(1, Program::Pcm, 630, 640),
        ];
        assert!(day_overlaps(&apart, name).is_empty());
    }

    #[test]
    fn contained_interval_loses_everything() {
        let rows = vec![
            row(0, Program::Ccm, 600, 660),
            row(1, Program::Ccm, 610, 620),
        ];
        let got = day_overlaps(&rows, name);
        assert_eq!(got, vec![(1, lost(0, 10))]);
    }
}
