//! Interning of ids (patients, staff, NPIs) into small integers, and the fast maps ccm
//! keys by them.

/// A fast, seeded-once hasher (foldhash) for ccm's in-memory maps and row fingerprints:
/// fixed seed, so runs are reproducible. Not for untrusted-key DoS resistance, which a
/// batch auditor of the user's own files does not need.
pub type FastState = foldhash::fast::FixedState;
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastState>;
pub type FastSet<K> = std::collections::HashSet<K, FastState>;

/// Maps strings (patient ids, staff ids, NPIs) to small integers, without allocating on a
/// lookup of a value already seen.
///
/// An open-addressing table (linear probing, power-of-two size, at most half full) of
/// 8-byte entries, `tag << 32 | (id + 1)` with the hash's high half as the tag, beside each
/// id's key as 24 inline bytes: a probe compares in place instead of following a pointer.
/// [`Interner::intern_batch`] fetches the table entries and keys of many ids together, so
/// at hundreds of thousands of patients their cache misses overlap instead of coming one
/// row at a time.
#[derive(Default, Debug)]
pub struct Interner {
    /// Ids are kept without leading zeros (`--ignore-id-zeros`): `00012345` is `12345`.
    pub fold_leading_zeros: bool,
    /// Names, not ids (staff): two spellings that [`super::fold_name`] makes equal are one
    /// entry, filed under the folded text and shown as first written.
    pub fold_names: bool,
    table: Vec<u64>,
    keys: Vec<[u8; IdKey::LEN]>,
    names: Vec<Box<str>>,
    /// With `fold_names`: each entry as first written.
    shown: Vec<Box<str>>,
}

/// An id ready to be interned: its bytes inline (length first, zero-padded) and its hash.
/// Made where the text is read (the reading thread), interned later in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdKey {
    bytes: [u8; IdKey::LEN],
    hash: u64,
}

impl IdKey {
    const LEN: usize = 24;
    /// Marks an id too long to keep inline (compared by its name instead).
    const LONG: u8 = u8::MAX;

    pub fn new(s: &str) -> IdKey {
        IdKey {
            hash: id_hash(s.as_bytes()),
            ..IdKey::text_only(s)
        }
    }

    /// The key of a name under the identity rule ([`super::fold_name`]): case and spacing
    /// aside. Inline names are folded in place, without allocating.
    pub fn folded(s: &str) -> IdKey {
        let t = s.trim();
        let mut bytes = [0u8; Self::LEN];
        // Printable ASCII, single-spaced, inline (nearly every name): lower-cased eight
        // bytes at a time.
        if t.len() < Self::LEN
            && memchr::memchr(b',', t.as_bytes()).is_none()
            && super::ascii::lower_into(t.as_bytes(), &mut bytes[1..=t.len()])
        {
            bytes[0] = t.len() as u8;
            return IdKey {
                hash: id_hash(&bytes[1..=t.len()]),
                bytes,
            };
        }
        if !t.is_ascii() {
            return IdKey::new(&super::fold_name(t));
        }
        bytes = [0u8; Self::LEN];
        let mut n = 0usize;
        let mut space = false;
        for &b in t.as_bytes() {
            if b.is_ascii_whitespace() {
                // No space beside a comma (`Reyes, Kim` is `Reyes,Kim`).
                space = n > 0 && bytes[n] != b',';
                continue;
            }
            if b == b',' {
                space = false;
            }
            if space {
                if n + 1 >= Self::LEN {
                    return IdKey::new(&super::fold_name(t));
                }
                bytes[1 + n] = b' ';
                n += 1;
                space = false;
            }
            if n + 1 >= Self::LEN {
                return IdKey::new(&super::fold_name(t));
            }
            bytes[1 + n] = b.to_ascii_lowercase();
            n += 1;
        }
        bytes[0] = n as u8;
        IdKey {
            hash: id_hash(&bytes[1..=n]),
            bytes,
        }
    }

    /// A key that only carries the text (its hash left 0): for a name as written, kept
    /// beside its folded key to show the first spelling, never looked up.
    pub fn text_only(s: &str) -> IdKey {
        let b = s.as_bytes();
        let mut bytes = [0u8; Self::LEN];
        if b.len() < Self::LEN {
            bytes[0] = b.len() as u8;
            bytes[1..=b.len()].copy_from_slice(b);
        } else {
            bytes[0] = Self::LONG;
        }
        IdKey { bytes, hash: 0 }
    }

    /// The key's hash.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Whether the id is kept inline (and so can be interned from the key alone).
    pub fn is_inline(&self) -> bool {
        self.bytes[0] != Self::LONG
    }

    /// The id's text, for an inline key made by [`IdKey::new`].
    fn text(&self) -> &str {
        let b = &self.bytes[1..=self.bytes[0] as usize];
        std::str::from_utf8(b).expect("an IdKey is made from text")
    }
}

impl Interner {
    /// An interner of names (staff): see [`Interner::fold_names`].
    pub fn names() -> Interner {
        Interner {
            fold_names: true,
            ..Interner::default()
        }
    }

    pub fn intern(&mut self, s: &str) -> u32 {
        if self.fold_names {
            let k = super::fold_name(s);
            let id = self.intern_key(&IdKey::new(&k), &k);
            self.show(id, s);
            return id;
        }
        let s = if self.fold_leading_zeros {
            super::strip_id_zeros(s)
        } else {
            s
        };
        self.intern_key(&IdKey::new(s), s)
    }

    /// Keeps `s` as the way entry `id` is shown, when it is new.
    fn show(&mut self, id: u32, s: &str) {
        if id as usize == self.shown.len() {
            self.shown.push(s.trim().into());
        }
    }

    /// [`Interner::intern_batch`] for names: `keys` folded ([`IdKey::folded`]), `shown` the
    /// same names as written, each new entry shown as first written.
    pub fn intern_names_batch(&mut self, keys: &[IdKey], shown: &[IdKey], out: &mut Vec<u32>) {
        debug_assert!(self.fold_names);
        self.intern_batch(keys, out);
        for (&id, k) in out.iter().zip(shown) {
            // Only a new entry needs its text (a batch repeats a few staff many times).
            if id as usize == self.shown.len() {
                self.show(id, k.text());
            }
        }
    }

    /// Interns inline keys in order (new ids are numbered as calls to [`Interner::intern`]
    /// one by one would number them), writing their ids to `out`. The table entries the
    /// keys hash to, then the keys of the ids found there, are requested from memory
    /// for the whole batch before any key is compared.
    pub fn intern_batch(&mut self, keys: &[IdKey], out: &mut Vec<u32>) {
        out.clear();
        if self.fold_leading_zeros {
            // Not the fast path: each key is rebuilt without its zeros.
            for k in keys {
                out.push(self.intern(k.text()));
            }
            return;
        }
        if !self.table.is_empty() {
            let mask = self.table.len() - 1;
            for k in keys {
                prefetch(&self.table[k.hash as usize & mask]);
            }
            for k in keys {
                let e = self.table[k.hash as usize & mask];
                if e != 0 && (e >> 32) as u32 == (k.hash >> 32) as u32 {
                    prefetch(&self.keys[(e as u32 - 1) as usize]);
                }
            }
        }
        for k in keys {
            debug_assert!(k.is_inline());
            out.push(self.intern_key(k, k.text()));
        }
    }

    fn intern_key(&mut self, k: &IdKey, s: &str) -> u32 {
        match self.find(k, s) {
            Ok(id) => id,
            Err(mut at) => {
                let id = self.names.len() as u32;
                if (self.names.len() + 1) * 2 > self.table.len() {
                    self.grow();
                    at = self.find(k, s).expect_err("a new id is not in the table");
                }
                self.table[at] = entry(k.hash, id);
                self.keys.push(k.bytes);
                self.names.push(s.into());
                id
            }
        }
    }

    /// The id of `s` (whose key is `k`), or the empty entry where it would go.
    fn find(&self, k: &IdKey, s: &str) -> Result<u32, usize> {
        if self.table.is_empty() {
            return Err(0);
        }
        let mask = self.table.len() - 1;
        let tag = (k.hash >> 32) as u32;
        let mut i = k.hash as usize & mask;
        loop {
            let e = self.table[i];
            if e == 0 {
                return Err(i);
            }
            let id = (e as u32 - 1) as usize;
            if (e >> 32) as u32 == tag
                && self.keys[id] == k.bytes
                && (k.is_inline() || *self.names[id] == *s)
            {
                return Ok(id as u32);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(64);
        self.table = vec![0; size];
        let mask = size - 1;
        for (id, name) in self.names.iter().enumerate() {
            let hash = id_hash(name.as_bytes());
            let mut i = hash as usize & mask;
            while self.table[i] != 0 {
                i = (i + 1) & mask;
            }
            self.table[i] = entry(hash, id as u32);
        }
    }

    pub fn get(&self, s: &str) -> Option<u32> {
        if self.fold_names {
            let k = super::fold_name(s);
            return self.find(&IdKey::new(&k), &k).ok();
        }
        let s = if self.fold_leading_zeros {
            super::strip_id_zeros(s)
        } else {
            s
        };
        self.find(&IdKey::new(s), s).ok()
    }
    pub fn name(&self, i: u32) -> &str {
        if self.fold_names {
            return &self.shown[i as usize];
        }
        &self.names[i as usize]
    }
    pub fn len(&self) -> usize {
        self.names.len()
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The hash an id is filed under in an [`Interner`].
fn id_hash(b: &[u8]) -> u64 {
    std::hash::BuildHasher::hash_one(&FastState::default(), b)
}

/// An [`Interner`] table entry: the hash's high half as a tag beside `id + 1` (0 is empty).
fn entry(hash: u64, id: u32) -> u64 {
    ((hash >> 32) << 32) | u64::from(id + 1)
}

/// Asks for the cache line holding `x` without waiting for it.
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, and `x` is a valid reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_folded_key_is_the_key_of_the_folded_name() {
        for s in [
            "Reyes, Kim",
            "  REYES,   KIM ",
            "reyes, kim",
            "Reyes,Kim",
            "Reyes ,Kim",
            "Reyes , Kim",
            "Reyes,  Kim, RN",
            "a name, long enough, not to be kept inline",
            "Kim\tReyes",
            "José Ruiz",
            "a name long enough not to be kept inline at all",
            "",
        ] {
            let k = super::IdKey::folded(s);
            assert_eq!(k, super::IdKey::new(&crate::domain::fold_name(s)), "{s:?}");
        }
        assert_eq!(
            super::IdKey::folded("Reyes, Kim"),
            super::IdKey::folded("REYES,  KIM")
        );
        // A space beside a comma is no part of a name.
        assert_eq!(
            super::IdKey::folded("Reyes, Kim"),
            super::IdKey::folded("Reyes,Kim")
        );
        assert_eq!(crate::domain::fold_name("Reyes , Kim"), "reyes,kim");
        assert_eq!(crate::domain::fold_name("Kim  Reyes"), "kim reyes");
    }
    use super::{IdKey, Interner};

    /// Ids of every length around the inline limit, many repeats, enough to grow the table
    /// several times.
    fn ids() -> Vec<String> {
        (0..20_000u32)
            .map(|i| {
                let n = (i.wrapping_mul(2_654_435_761) % 7_000) as usize;
                match n % 4 {
                    0 => format!("P{n:07}"),
                    1 => format!("{n}"),
                    2 => format!("{:0>23}", n),
                    _ => format!("{:x<30}{n}", "long-patient-id-"),
                }
            })
            .collect()
    }

    #[test]
    fn batch_interning_numbers_ids_as_one_by_one_does() {
        let ids = ids();
        let mut one = Interner::default();
        let want: Vec<u32> = ids.iter().map(|s| one.intern(s)).collect();

        let mut batched = Interner::default();
        let mut got = Vec::new();
        let mut out = Vec::new();
        for chunk in ids.chunks(512) {
            let mut keys = Vec::new();
            for s in chunk {
                let k = IdKey::new(s);
                if k.is_inline() {
                    keys.push(k);
                } else {
                    batched.intern_batch(&keys, &mut out);
                    got.extend(&out);
                    keys.clear();
                    got.push(batched.intern(s));
                }
            }
            batched.intern_batch(&keys, &mut out);
            got.extend(&out);
        }
        assert_eq!(got, want);
        assert_eq!(batched.len(), one.len());
        for (s, &id) in ids.iter().zip(&want) {
            assert_eq!(batched.name(id), s);
            assert_eq!(batched.get(s), Some(id));
        }
        assert_eq!(batched.get("P9999999"), None);
        assert_eq!(
            batched.get(&format!("{:x<30}none", "long-patient-id-")),
            None
        );
    }

    #[test]
    fn ids_that_differ_only_past_the_inline_limit_stay_apart() {
        let mut i = Interner::default();
        let a = i.intern("012345678901234567890123-a");
        let b = i.intern("012345678901234567890123-b");
        let c = i.intern("0123456789012345678901"); // 22 bytes: inline
        let d = i.intern("01234567890123456789012"); // 23 bytes: inline
        assert_eq!(i.len(), 4);
        assert_ne!(a, b);
        assert_eq!(i.intern("012345678901234567890123-b"), b);
        assert_eq!(i.intern("0123456789012345678901"), c);
        assert_eq!(i.intern("01234567890123456789012"), d);
        assert!(IdKey::new("01234567890123456789012").is_inline());
        assert!(!IdKey::new("012345678901234567890123").is_inline());
    }
}
