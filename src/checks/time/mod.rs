//! TM-series: which minutes count.

#[path = "tm001_below_threshold.rs"]
pub mod tm001;
#[path = "tm002_non_clinical_time.rs"]
pub mod tm002;
#[path = "tm003_overlapping_time.rs"]
pub mod tm003;
#[path = "tm004_time_counted_twice.rs"]
pub mod tm004;
#[path = "tm005_implausible_day.rs"]
pub mod tm005;
#[path = "tm006_vague_documentation.rs"]
pub mod tm006;
#[path = "tm007_practitioner_unknown.rs"]
pub mod tm007;

pub use tm001::TM001;
pub use tm002::TM002;
pub use tm003::TM003;
pub use tm004::TM004;
pub use tm005::TM005;
pub use tm006::TM006;
pub use tm007::TM007;

use crate::domain::{NoteQuality, Secs, normalise_note};

/// Minutes one CCM or PCM row loses to overlaps: with another program (TM004, CCM only) and
/// with an earlier interval of the same program by the same staff member (TM003).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lost {
    pub other_program: Secs,
    pub overlap: Secs,
}

/// One countable row with clock times, as the overlap check sees it.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub start: u16,
    pub end: u16,
    /// The row's time, which may be shorter than its interval (a paused timer).
    pub secs: Secs,
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
                let other_program = Secs::of_minutes(u32::from(with_other)).min(r.secs);
                out.push((
                    i,
                    Lost {
                        other_program,
                        overlap: Secs::of_minutes(u32::from(overlap)).min(r.secs - other_program),
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

/// Judges a note against the vague phrases (normalised: lower case, letters and digits,
/// single spaces) and the minimum length. A note without a letter (a date, `---`) or that
/// is only a phone number (`(555) 867-5309 ext 1234`) says nothing of what was done: vague,
/// however long.
/// `enough` is [`note_enough`] of the same phrases and length, worked out once.
pub fn note_quality(note: &[u8], vague: &[String], min_chars: usize, enough: usize) -> NoteQuality {
    // The normalised note has at least as many characters as the note has ASCII letters
    // and digits: once that count clears the minimum length and every vague phrase's
    // length, the note is fine without building the normalised text (the hot path, which
    // stops reading there).
    let mut floor = 0;
    for &b in note {
        floor += usize::from(b.is_ascii_alphabetic());
        if floor >= enough {
            return NoteQuality::Ok;
        }
    }
    if note.iter().all(u8::is_ascii_whitespace) {
        return NoteQuality::Missing;
    }
    let text = String::from_utf8_lossy(note);
    let norm = normalise_note(&text);
    let worded = text.chars().any(char::is_alphabetic) && !phone_only(&text);
    if !worded || norm.chars().count() < min_chars || vague.contains(&norm) {
        NoteQuality::Vague
    } else {
        NoteQuality::Ok
    }
}

/// Whether a note is a phone number and nothing else: seven digits or more, and besides
/// them only what a number is written with (`( ) - . + /`, spaces) and an extension word
/// (`ext`, `x`).
fn phone_only(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let words_ok = text
        .split(|c: char| c.is_ascii_digit() || "()-.+/ ,:#".contains(c) || c.is_whitespace())
        .all(|w| w.is_empty() || ["ext", "x", "extension"].contains(&w.to_lowercase().as_str()));
    digits >= 7 && words_ok
}

/// How many ASCII letters prove a note is neither too short nor a vague phrase.
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

    /// Red team round 20: a note that is only a phone number passed as documentation. A
    /// note without a word is vague however long; the letters of a real note still pass on
    /// the fast path, and a short vague phrase stays vague.
    #[test]
    fn a_note_without_a_word_is_not_documentation() {
        let vague = vec!["ccm call".to_string(), "follow up".to_string()];
        let enough = note_enough(&vague, 12);
        let q = |n: &str| note_quality(n.as_bytes(), &vague, 12, enough);
        for junk in [
            "555-867-5309",
            "(555) 867-5309 ext 1234",
            "2025-03-05 10:15",
            "-----------------",
            "1234567890123456789012",
        ] {
            assert_eq!(q(junk), NoteQuality::Vague, "{junk}");
        }
        assert_eq!(q("CCM call"), NoteQuality::Vague);
        assert_eq!(q("   "), NoteQuality::Missing);
        for real in [
            "BP 128/82 ok",
            "Reviewed BP log; adjusted diet",
            "BP 120/80 HR 72, meds reviewed",
            "Llamó a la farmacia: receta renovada",
            "Called 555-867-5309, refill sent",
        ] {
            assert_eq!(q(real), NoteQuality::Ok, "{real}");
        }
    }

    const NAMES: [&str; 3] = ["P1", "P2", "P3"];
    fn name(p: u32) -> &'static str {
        NAMES[p as usize]
    }

    fn lost(other_program: u32, overlap: u32) -> Lost {
        Lost {
            other_program: Secs::of_minutes(other_program),
            overlap: Secs::of_minutes(overlap),
        }
    }

    fn row(patient: u32, program: Program, s: u16, e: u16) -> Span {
        Span {
            start: s,
            end: e,
            secs: Secs::of_minutes(u32::from(e - s)),
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
