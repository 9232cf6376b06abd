//! What is never part of a value: each field is cleaned as its record is copied into a
//! batch, once, for every kind of file, before any decoder or check sees it.
//!
//! - a byte-order mark (U+FEFF) anywhere (two exports joined: the second's mark lands on
//!   an id), zero-width spaces and joiners (U+200B–U+200D, U+2060) and soft hyphens
//!   (U+00AD) are removed;
//! - control characters (NUL, ESC, U+007F, C1 controls) and bidirectional overrides and
//!   isolates (U+202A–U+202E, U+2066–U+2069) are removed; tab, CR and LF inside a quoted
//!   cell stay (they are spaces to every reader of a value);
//! - no-break and other Unicode spaces (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000) are
//!   a plain space;
//! - text is put in Unicode normal form C (`José` typed as `e` + a combining accent is the
//!   same `José` as the one-character form);
//! - a leading `'` before an id-like value (Excel's mark for "keep this as text": `'00123`,
//!   `'1234567893`: letters, digits and `-` `.` `/` `_` after it, no space) is removed.
//!
//! The file's read notes count each kind of repair ([`Repairs::notes`]): nothing is changed
//! without saying so. A record of plain printable ASCII (nearly every one) is copied as it
//! is.

pub(super) use crate::domain::ascii::plain;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// What cleaning changed in a file, counted in fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Repairs {
    pub(super) bom: u64,
    pub(super) zero_width: u64,
    pub(super) control: u64,
    pub(super) spaces: u64,
    pub(super) nfc: u64,
    pub(super) apostrophe: u64,
}

impl Repairs {
    pub(super) fn add(&mut self, o: &Repairs) {
        self.bom += o.bom;
        self.zero_width += o.zero_width;
        self.control += o.control;
        self.spaces += o.spaces;
        self.nfc += o.nfc;
        self.apostrophe += o.apostrophe;
    }

    /// The file's read notes: one line per kind of repair made.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut say = |n: u64, what: &str| {
            if n > 0 {
                out.push(format!("{n} value(s) {what}"));
            }
        };
        say(
            self.bom,
            "held a byte-order mark (U+FEFF), removed: it is never part of a value",
        );
        say(
            self.zero_width,
            "held zero-width characters (U+200B-U+200D, U+2060, U+00AD), removed",
        );
        say(
            self.control,
            "held control characters (NUL, ESC, bidirectional overrides ...), removed",
        );
        say(
            self.spaces,
            "held no-break or other Unicode spaces, read as plain spaces",
        );
        say(
            self.nfc,
            "were in decomposed Unicode (NFD), read in composed form (NFC) so they compare equal",
        );
        say(
            self.apostrophe,
            "began with Excel's text mark `'` before an id, code or number, removed (`'00123` is 00123)",
        );
        out
    }
}

/// Appends field `f` cleaned to `out`, counting what changed in `rep`: a leading `'` before
/// an id-like value removed, then the invisible characters, spaces and Unicode form. Bytes
/// that are not UTF-8 are copied as they are (the decoder says IN001 when it needs them).
pub(super) fn clean_field(f: &[u8], out: &mut Vec<u8>, rep: &mut Repairs) {
    let f = strip_apostrophe(f, rep);
    if plain(f) {
        out.extend_from_slice(f);
        return;
    }
    let Ok(s) = std::str::from_utf8(f) else {
        out.extend_from_slice(f);
        return;
    };
    let start = out.len();
    let (mut bom, mut zw, mut ctl, mut sp) = (false, false, false, false);
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match c {
            '\u{feff}' => bom = true,
            // Invisible format characters: zero-width spaces and joiners, the soft hyphen,
            // the invisible operators and the Mongolian vowel separator, the deprecated
            // shaping controls. `P001` with one is still `P001`.
            '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{00ad}'
            | '\u{180e}' => zw = true,
            '\t' | '\n' | '\r' => out.push(c as u8),
            // Bidirectional marks, overrides and isolates reorder what a terminal or a
            // sheet shows (a patient id `BIDI\u{202e}evil`) and split one id in two
            // (`P001\u{200e}`): removed, as a control character is.
            c if c.is_control() || crate::domain::is_bidi_format(c) => ctl = true,
            c if c.is_whitespace() && c != ' ' => {
                sp = true;
                out.push(b' ');
            }
            c => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    rep.bom += u64::from(bom);
    rep.zero_width += u64::from(zw);
    rep.control += u64::from(ctl);
    rep.spaces += u64::from(sp);
    let text = std::str::from_utf8(&out[start..]).expect("cleaned from UTF-8");
    if !text.is_ascii() && is_nfc_quick(text.chars()) != IsNormalized::Yes {
        let composed: String = text.nfc().collect();
        if composed.as_bytes() != text.as_bytes() {
            rep.nfc += 1;
            out.truncate(start);
            out.extend_from_slice(composed.as_bytes());
        }
    }
    {
        // A mark that stood before the apostrophe (`\u{feff}'00123`).
        let cleaned = out[start..].to_vec();
        let mut r2 = Repairs::default();
        let stripped = strip_apostrophe(&cleaned, &mut r2);
        if r2.apostrophe > 0 {
            rep.apostrophe += 1;
            out.truncate(start);
            out.extend_from_slice(stripped);
        }
    }
}

/// One cell cleaned as a record's fields are, as text (for the first-bytes samples that
/// settle how a file is read: its date order, its durations, its id column), so a value
/// reads the same there as in its row. `None`: not UTF-8.
pub(super) fn cell(b: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    if plain(b) && b.first() != Some(&b'\'') {
        return std::str::from_utf8(b).ok().map(std::borrow::Cow::Borrowed);
    }
    let mut out = Vec::with_capacity(b.len());
    clean_field(b, &mut out, &mut Repairs::default());
    String::from_utf8(out).ok().map(std::borrow::Cow::Owned)
}

/// `'00123` without its apostrophe: Excel's text mark before an id (letters, digits and
/// `-` `.` `/` after it, nothing else; spaces between the mark and the id, as a padded or
/// pasted cell has them once its no-break spaces are spaces, are the mark's too).
fn strip_apostrophe<'a>(f: &'a [u8], rep: &mut Repairs) -> &'a [u8] {
    let t = f.trim_ascii();
    match t.split_first() {
        Some((b'\'', rest)) => {
            let rest = rest.trim_ascii();
            if !rest.is_empty()
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/' | b'_'))
            {
                rep.apostrophe += 1;
                rest
            } else {
                f
            }
        }
        _ => f,
    }
}

#[cfg(test)]
mod tests {
    use super::{Repairs, clean_field};

    fn clean(s: &str) -> (String, Repairs) {
        let mut out = Vec::new();
        let mut rep = Repairs::default();
        clean_field(s.as_bytes(), &mut out, &mut rep);
        (String::from_utf8(out).unwrap(), rep)
    }

    #[test]
    fn invisible_characters_are_never_part_of_a_value() {
        assert_eq!(clean("\u{feff}P001").0, "P001");
        assert_eq!(clean("P001\u{200b}").0, "P001");
        // Every invisible format character of the class, not only the one first met.
        for c in [
            '\u{061c}', '\u{180e}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2061}',
            '\u{2064}', '\u{2066}', '\u{2069}', '\u{206a}', '\u{206f}',
        ] {
            assert_eq!(clean(&format!("P0{c}01")).0, "P001", "U+{:04X}", c as u32);
        }
        assert_eq!(clean("P0\u{0}01").0, "P001");
        assert_eq!(clean("\u{1b}[31mP001").0, "[31mP001");
        assert_eq!(clean("Reyes,\u{a0}Kim").0, "Reyes, Kim");
        assert_eq!(clean("Jose\u{301}").0, "Jos\u{e9}");
        assert_eq!(clean("'00123").0, "00123");
        assert_eq!(clean("\u{feff}'00123").0, "00123");
        // No-break spaces around the id, inside or outside the mark.
        assert_eq!(clean("'\u{a0}1234567893").0, "1234567893");
        assert_eq!(clean("\u{a0}'1234567893\u{a0}").0, "1234567893");
        // An apostrophe inside a name is a name.
        assert_eq!(clean("'1234567893").0, "1234567893");
        assert_eq!(clean("'ok then").0, "'ok then");
        assert_eq!(clean("O'Neil").0, "O'Neil");
        assert_eq!(clean("' ").0, "' ");
        // Notes keep their line breaks.
        assert_eq!(clean("a\nb").0, "a\nb");
        let (_, r) = clean("\u{feff}Jose\u{301}\u{200b}");
        assert_eq!((r.bom, r.nfc, r.zero_width), (1, 1, 1));
        assert_eq!(clean("P001").1, Repairs::default());
    }
}
