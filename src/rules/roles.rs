//! Reading a staff role out of a cell: the role table of `<year>/roles.csv`, looked up by
//! its normalised name without allocating, and a credential written after a name.

use super::YearRules;
use crate::domain::{RoleClass, norm_key};

/// Two-letter credentials that are also common surnames (Do, Ma): in a cell without lower
/// case, where the spelling cannot tell `DO` from `Do`, they count only after a comma.
const SURNAME_CREDENTIALS: [&str; 2] = ["DO", "MA"];

/// At most this many words in a cell are read for a credential.
const MAX_TOKENS: usize = 16;

/// One word of a cell: where it is, and whether a `,`, `;` or `(` stands before it.
#[derive(Clone, Copy, Default)]
struct Token {
    start: usize,
    end: usize,
    after_comma: bool,
}

impl YearRules {
    /// The role table's class for `s`, normalised as [`norm_key`] does (case, spaces, `_`,
    /// `-`, `.` ignored) but on the stack for ASCII names.
    pub(super) fn role_lookup(&self, s: &str) -> Option<RoleClass> {
        let mut buf = [0u8; 48];
        let mut n = 0;
        for &c in s.as_bytes() {
            if !c.is_ascii() || n == buf.len() {
                return self.roles.get(&norm_key(s)).copied();
            }
            if c.is_ascii_whitespace() || matches!(c, b'_' | b'-' | b'.') {
                continue;
            }
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
        self.roles
            .get(std::str::from_utf8(&buf[..n]).ok()?)
            .copied()
    }

    /// The role of a staff cell that may hold a name as well as a role:
    ///
    /// 1. the whole cell, when it is a role (`RN`, `Nurse Practitioner`, `m.d.`): as
    ///    [`YearRules::role`];
    /// 2. else a credential at the end, after a space or a comma: `Reyes, Kim RN`,
    ///    `Kim Reyes, RN`, `Patel, Anita MD`, `Ben Ortiz NP-C`, `Kim Reyes (RN)`,
    ///    `Kim Reyes, M.D.`. A credential is a practitioner or clinical row of the table
    ///    written with at least two capitals (`RN`, `PharmD`, `NP-C`): `Kim Do` is a name,
    ///    `Kim DO` a physician. Unknown all-capital words after it (degrees and
    ///    certifications: `BSN`, `MSN`, `CCRN`) are passed over: `Kim Reyes, RN, BSN` is
    ///    RN. Of several credentials the highest class counts (`Jo Li, RN, FNP-C` is a
    ///    practitioner). When the name itself has no lower case (`REYES, KIM RN`) the
    ///    spelling cannot tell a credential from a surname, so `DO` and `MA` count only
    ///    after a comma (`KIM REYES, MA`, not `ANH DO`);
    /// 3. else the words after the last comma or `(`, when they are a role of more than
    ///    three letters: `Kim Reyes, Nurse Practitioner`, `Kim Reyes (Front Desk)`,
    ///    `Kim Reyes, Scheduler`.
    ///
    /// Never from a bare name: `Kim Reyes`, `Reyes, Kim`, `Anh Do`, `Smith, Ma` and
    /// `Dr. Kim Reyes` are `None`. Allocation-free for ASCII cells (the caller also caches
    /// by spelling).
    pub fn role_in_cell(&self, cell: &str) -> Option<RoleClass> {
        let cell = cell.trim();
        if let Some(c) = self.role_lookup(cell) {
            return Some(c);
        }
        let mut toks = [Token::default(); MAX_TOKENS];
        let n = tokens(cell, &mut toks)?;
        let toks = &toks[..n];
        if let Some(c) = self.trailing_credential(cell, toks) {
            return Some(c);
        }
        // The words after the last comma or `(`, as one role.
        let last = toks.iter().rposition(|t| t.after_comma)?;
        let tail = &cell[toks[last].start..toks[n - 1].end];
        let letters = tail.bytes().filter(u8::is_ascii_alphabetic).count();
        if letters > 3 {
            self.role_lookup(tail)
        } else {
            None
        }
    }

    /// Rule 2 of [`YearRules::role_in_cell`].
    fn trailing_credential(&self, cell: &str, toks: &[Token]) -> Option<RoleClass> {
        // The best credential so far and the token it is.
        let mut best: Option<(RoleClass, Token)> = None;
        let mut run_start = toks.len();
        for (i, t) in toks.iter().enumerate().rev() {
            // A name must stand before the credentials.
            if i == 0 {
                break;
            }
            let w = &cell[t.start..t.end];
            if !credential_shaped(w) {
                break;
            }
            match self.role_lookup(w) {
                Some(RoleClass::NonClinical) => break,
                Some(c) => {
                    if best.is_none_or(|(b, _)| c < b) {
                        best = Some((c, *t));
                    }
                }
                // An unknown degree or certification, all in capitals, is passed over.
                None if !w.bytes().any(|c| c.is_ascii_lowercase()) => {}
                None => break,
            }
            run_start = i;
        }
        let (class, tok) = best?;
        let name = &cell[..toks[run_start].start];
        let mixed_case = name.chars().any(char::is_lowercase);
        let w = &cell[tok.start..tok.end];
        let surname_like = SURNAME_CREDENTIALS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(w));
        (mixed_case || tok.after_comma || !surname_like).then_some(class)
    }
}

/// At least two capitals and only letters, `-` and `.`, at most 8 bytes: `RN`, `PharmD`,
/// `NP-C`, `M.D.`, `BSN`.
fn credential_shaped(w: &str) -> bool {
    w.len() <= 8
        && w.bytes()
            .all(|c| c.is_ascii_alphabetic() || c == b'-' || c == b'.')
        && w.bytes().filter(u8::is_ascii_uppercase).count() >= 2
}

/// Splits a cell into words at whitespace, `,`, `;`, `(` and `)`. `None` when it has more
/// than [`MAX_TOKENS`] words.
fn tokens(cell: &str, out: &mut [Token; MAX_TOKENS]) -> Option<usize> {
    let b = cell.as_bytes();
    let mut n = 0;
    let mut i = 0;
    let mut after_comma = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'(' | b')') {
            after_comma |= matches!(c, b',' | b';' | b'(');
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len()
            && !(b[i].is_ascii_whitespace() || matches!(b[i], b',' | b';' | b'(' | b')'))
        {
            i += 1;
        }
        if n == MAX_TOKENS {
            return None;
        }
        out[n] = Token {
            start,
            end: i,
            after_comma,
        };
        n += 1;
        after_comma = false;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use crate::domain::RoleClass::{self, *};
    use crate::rules::Ruleset;

    fn rules() -> Ruleset {
        Ruleset::embedded(crate::checks::lookup).unwrap()
    }

    #[test]
    fn common_words_are_roles_in_every_year() {
        let r = rules();
        for y in [2024, 2025, 2026] {
            let yr = r.year(y);
            for (word, class) in [
                ("nurse", Clinical),
                ("Registered Nurse", Clinical),
                ("licensed practical nurse", Clinical),
                ("Licensed Vocational Nurse", Clinical),
                ("medical assistant", Clinical),
                ("Certified Medical Assistant", Clinical),
                ("physician", Practitioner),
                ("Doctor", Practitioner),
                ("Medical Doctor", Practitioner),
                ("nurse practitioner", Practitioner),
                ("physician assistant", Practitioner),
                ("Clinical Nurse Specialist", Practitioner),
                ("Certified Nurse Midwife", Practitioner),
                ("NP-C", Practitioner),
                ("FNP", Practitioner),
                ("FNP-C", Practitioner),
                ("FNP-BC", Practitioner),
                ("PA-C", Practitioner),
                ("Front Desk", NonClinical),
            ] {
                assert_eq!(yr.role(word), Some(class), "{y} {word:?}");
            }
            // Class depends on the person, not the title: left unknown.
            for word in ["Care Manager", "Care Coordinator", "APRN", "Dr."] {
                assert_eq!(yr.role(word), None, "{y} {word:?}");
            }
        }
    }

    #[test]
    fn role_lookup_matches_norm_key() {
        let r = rules();
        let yr = r.year(2025);
        let long = "x".repeat(60);
        for s in [
            "RN",
            " r.n. ",
            "Nurse_Practitioner",
            "NURSE-PRACTITIONER",
            "front\tdesk",
            "Nurse Practitioner \u{200b}",
            "Pharm\u{e9}",
            "wizard",
            "",
            long.as_str(),
        ] {
            assert_eq!(
                yr.role_lookup(s),
                yr.roles.get(&crate::domain::norm_key(s)).copied(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn role_in_cell_table() {
        let r = rules();
        let yr = r.year(2025);
        let table: &[(&str, Option<RoleClass>)] = &[
            // The whole cell.
            ("RN", Some(Clinical)),
            ("m.d.", Some(Practitioner)),
            ("Nurse Practitioner", Some(Practitioner)),
            ("front desk", Some(NonClinical)),
            // A credential after the name.
            ("Reyes, Kim RN", Some(Clinical)),
            ("Kim Reyes, RN", Some(Clinical)),
            ("Kim Reyes RN", Some(Clinical)),
            ("Patel, Anita MD", Some(Practitioner)),
            ("Ben Ortiz NP-C", Some(Practitioner)),
            ("Ben Ortiz, FNP-BC", Some(Practitioner)),
            ("Kim Reyes (RN)", Some(Clinical)),
            ("Kim Reyes, M.D.", Some(Practitioner)),
            ("Kim Reyes, PharmD", Some(Clinical)),
            ("Kim Reyes RPh", Some(Clinical)),
            ("Kim Reyes, RN, BSN", Some(Clinical)),
            ("Kim Reyes RN BSN CCRN", Some(Clinical)),
            ("Jo Li, RN, FNP-C", Some(Practitioner)),
            ("Jo Li, MSN, RN", Some(Clinical)),
            ("Kim DO", Some(Practitioner)),
            ("Kim Ma, MA", Some(Clinical)),
            ("  Reyes,Kim,RN  ", Some(Clinical)),
            // All capitals: DO and MA only after a comma.
            ("REYES, KIM RN", Some(Clinical)),
            ("KIM REYES MD", Some(Practitioner)),
            ("KIM REYES, MA", Some(Clinical)),
            ("ANH DO", None),
            ("REYES, KIM MA", None),
            ("NGUYEN, ANH DO", None),
            // The words after the last comma or `(` as a role.
            ("Kim Reyes, Nurse Practitioner", Some(Practitioner)),
            ("Kim Reyes, Registered Nurse", Some(Clinical)),
            ("Kim Reyes (Front Desk)", Some(NonClinical)),
            ("Kim Reyes, Scheduler", Some(NonClinical)),
            ("Kim Reyes, nurse", Some(Clinical)),
            // Bare names and near misses.
            ("Kim Reyes", None),
            ("Reyes, Kim", None),
            ("Anh Do", None),
            ("Smith, Ma", None),
            ("Smith, Pa", None),
            ("Kim Reyes, Rn", None),
            ("Dr. Kim Reyes", None),
            ("Kim McDonald", None),
            ("RN Kim Reyes", None),
            ("Nurse Kim", None),
            ("Kim Reyes IT", None),
            ("Kim Reyes BSN", None),
            ("KIM REYES", None),
            ("", None),
            (",", None),
            ("RN RN", Some(Clinical)),
            ("a b c d e f g h i j k l m n o p q RN", None),
        ];
        for (cell, want) in table {
            assert_eq!(yr.role_in_cell(cell), *want, "{cell:?}");
        }
    }
}
