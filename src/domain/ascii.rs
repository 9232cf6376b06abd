//! Printable ASCII, eight bytes at a time (SWAR): the fast paths of cleaning
//! ([`crate::ingest`]) and of the identity rule ([`super::fold_name`]). Each answers
//! exactly what its byte-by-byte twin would, or (where it says so) errs on the side of the
//! slow path.

/// A one in every byte of a word, and its high bit in every byte (SWAR tests).
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// Whether every byte of `b` is printable ASCII (space to `~`): nothing to clean.
#[inline]
pub fn plain(b: &[u8]) -> bool {
    // Thirty-two bytes at a time with no early exit inside a block (the compiler makes
    // vector code of it), then eight at a time: a byte is not plain when its high bit is
    // set, when it is below 0x20 (subtracting 0x20 borrows into its high bit), or when it
    // is 0x7f (adding 1 carries into its high bit). Each test only ever marks a byte that
    // fails it.
    let mut blocks = b.chunks_exact(32);
    for c in &mut blocks {
        if c.iter()
            .fold(0u8, |bad, &x| bad | u8::from(x.wrapping_sub(0x20) >= 0x5f))
            != 0
        {
            return false;
        }
    }
    let mut chunks = blocks.remainder().chunks_exact(8);
    let mut bad = 0u64;
    for c in &mut chunks {
        bad |= not_plain(u64::from_le_bytes(c.try_into().expect("eight bytes")));
    }
    bad == 0
        && chunks
            .remainder()
            .iter()
            .all(|&x| x.wrapping_sub(0x20) < 0x5f)
}

/// 0x80 in each byte of `w` that is not printable ASCII (and possibly in a byte above one
/// that is not: a false alarm only): its high bit set, below 0x20 (subtracting 0x20
/// borrows into its high bit), or 0x7f (adding 1 carries into it).
#[inline(always)]
fn not_plain(w: u64) -> u64 {
    let below = w.wrapping_sub(ONES * 0x20) & !w;
    let del = (w ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(w ^ (ONES * 0x7f));
    (w | below | del) & (ONES * 0x80)
}

/// One word of [`lowered_hash`] and [`lower_into`]: `w` with its ASCII capitals
/// lower-cased, and whether it holds a byte that is not printable ASCII or a space after
/// a space (`carry` says the previous word ended in one; updated).
#[inline(always)]
fn lower_word(w: u64, carry: &mut u64) -> (u64, bool) {
    // 0x80 in each byte that is a space (and possibly above one: a false alarm only).
    let x = w ^ (ONES * 0x20);
    let spaces = x.wrapping_sub(ONES) & !x & HIGH;
    let bad = not_plain(w) | (spaces & ((spaces << 8) | *carry));
    *carry = spaces >> 56;
    // 0x20 added to each byte from `A` to `Z`: a byte's low seven bits plus 0x80 - `A`
    // reach its high bit when it is `A` or above, plus 0x80 - `Z` - 1 when above `Z`.
    let low7 = w & !HIGH;
    let ge_a = low7 + ONES * u64::from(0x80 - b'A');
    let gt_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
    (w | ((ge_a & !gt_z & !w & HIGH) >> 2), bad != 0)
}

/// Calls `f` with each word of `b`, eight bytes at a time, the last padded with `a`
/// (printable, no space), and the word's index. The last word of a text of eight bytes or
/// more is read as the text's last eight bytes, shifted: no copy.
#[inline(always)]
fn for_words(b: &[u8], mut f: impl FnMut(usize, u64)) {
    let mut chunks = b.chunks_exact(8);
    let mut i = 0;
    for c in &mut chunks {
        f(i, u64::from_le_bytes(c.try_into().expect("eight bytes")));
        i += 1;
    }
    let rem = chunks.remainder().len();
    if rem == 0 {
        return;
    }
    let w = match b.len().checked_sub(8) {
        Some(at) => u64::from_le_bytes(b[at..].try_into().expect("eight bytes")) >> (8 * (8 - rem)),
        None => b
            .iter()
            .enumerate()
            .fold(0u64, |w, (i, &x)| w | u64::from(x) << (8 * i)),
    };
    f(i, w | (ONES * u64::from(b'a')) & !((1u64 << (8 * rem)) - 1));
}

/// A 64-bit hash of `b` with its ASCII capitals lower-cased (other bytes as they are),
/// eight bytes at a time in one pass, and whether `b` is printable ASCII with no two
/// spaces in a row (nearly every note). May say `false` for some text that is (a caller
/// then takes its slower, exact path), never `true` for text that is not.
pub fn lowered_hash(b: &[u8]) -> (u64, bool) {
    // Each word is mixed in by a folded multiply (the full 128-bit product's halves
    // xored), as foldhash does.
    const K: u64 = 0x243f_6a88_85a3_08d3;
    let mut acc = b.len() as u64 ^ 0x1319_8a2e_0370_7344;
    let (mut carry, mut bad) = (0u64, false);
    for_words(b, |_, w| {
        let (lw, odd) = lower_word(w, &mut carry);
        bad |= odd;
        let p = u128::from(acc ^ lw) * u128::from(K);
        acc = (p as u64) ^ ((p >> 64) as u64);
    });
    (acc, !bad)
}

/// Writes `b` into `out` (as long as `b`) with its ASCII capitals lower-cased, and says
/// what [`lowered_hash`] says of it.
pub fn lower_into(b: &[u8], out: &mut [u8]) -> bool {
    let (mut carry, mut bad) = (0u64, false);
    let n = b.len();
    for_words(b, |i, w| {
        let (lw, odd) = lower_word(w, &mut carry);
        bad |= odd;
        let o = &mut out[8 * i..(8 * i + 8).min(n)];
        o.copy_from_slice(&lw.to_le_bytes()[..o.len()]);
    });
    !bad
}

#[cfg(test)]
mod tests {

    fn plain_single_spaced(b: &[u8]) -> bool {
        let said = super::lower_into(b, &mut vec![0; b.len()]);
        assert_eq!(said, super::lowered_hash(b).1);
        said
    }

    #[test]
    fn single_spacing_is_never_claimed_wrongly() {
        // Short texts, and two spaces either side of a 64-byte block's edge.
        for n in (1..20).chain([63, 64, 65, 128, 129]) {
            for at in 0..n {
                let mut b = vec![b'a'; n];
                b[at] = b' ';
                assert!(plain_single_spaced(&b), "{n} {at}");
                if at + 1 < n {
                    b[at + 1] = b' ';
                    assert!(!plain_single_spaced(&b), "{n} {at}");
                }
            }
        }
        for x in 0u8..=255 {
            let b = [b'a', b'b', x, b'c'];
            assert_eq!(plain_single_spaced(&b), (0x20..0x7f).contains(&x), "{x:#x}");
        }
    }

    #[test]
    fn capitals_alone_are_lowered() {
        let all: Vec<u8> = (0u8..=255).collect();
        for n in [1, 7, 8, 9, 100] {
            for b in all.chunks(n) {
                let mut out = vec![0; b.len()];
                super::lower_into(b, &mut out);
                assert_eq!(out, b.to_ascii_lowercase());
                assert_eq!(
                    super::lowered_hash(b).0,
                    super::lowered_hash(&b.to_ascii_lowercase()).0
                );
            }
        }
        assert_ne!(super::lowered_hash(b"a").0, super::lowered_hash(b"aa").0);
        assert_ne!(super::lowered_hash(b"a[").0, super::lowered_hash(b"a{").0);
    }

    #[test]
    fn plain_is_printable_ascii_and_nothing_else() {
        // Lengths that end in a full block, in eight-byte words and in single bytes.
        for n in [17, 32, 75] {
            for x in 0u8..=255 {
                for at in 0..n {
                    let mut b = vec![b'a'; n];
                    b[at] = x;
                    assert_eq!(
                        super::plain(&b),
                        (0x20..0x7f).contains(&x),
                        "byte {x:#x} at {at} of {n}"
                    );
                }
            }
        }
    }
}
