//! RAT-STATS' random numbers: Visual Basic's `Rnd`/`Randomize` make three seeds, the
//! Wichmann–Hill generator (Applied Statistics algorithm AS 183) draws from them.
//!
//! Every step follows HHS-OIG's own specification of RAT-STATS' generator (the SDK of its
//! 2017 RAT-STATS replacement challenge, `TechDetails - SimpleRandomSample_02js.docx` and
//! `randomReplicate_03js.r`, kept in GitHub cbtek/RStats2017 under `sdk/contrib`), and
//! Visual Basic's `Rnd`/`Randomize` as `VBMath.vb` (dotnet/runtime) carries them over from
//! VB6. docs/lookback.md lists what rests on inference.

/// `Rnd`'s 24-bit linear congruential step (VBMath.vb: `seed * &H43FD43FD + &HC39EC3`,
/// kept to 24 bits).
fn rnd_step(seed: u32) -> u32 {
    ((u64::from(seed) * 0x43FD_43FD + 0x00C3_9EC3) & 0x00FF_FFFF) as u32
}

/// The state after RAT-STATS' `Rnd(-1)`: a negative argument makes the seed from the
/// Single's bits (`(bits + bits >> 24) & &HFFFFFF`), then steps once. OIG's specification
/// states the result, 3758214, as step 1.
fn after_rnd_minus_one() -> u32 {
    let bits = (-1.0f32).to_bits();
    rnd_step(bits.wrapping_add(bits >> 24) & 0x00FF_FFFF)
}

/// `Randomize seed`: the high 32 bits of the Double, their two 16-bit halves XOR'd,
/// replace the middle two bytes of the 24-bit state (VBMath.vb `Randomize(Double)`; the
/// top byte, set only by a negative seed's sign, never reaches `Rnd`'s 24 bits).
fn randomize(seed: f64, state: u32) -> u32 {
    let hi = (seed.to_bits() >> 32) as u32;
    let mixed = (hi & 0xFFFF) ^ (hi >> 16);
    (state & 0xFF) | (mixed << 8)
}

/// One Wichmann–Hill seed: `Int(max * Rnd + 1)`, drawn again while it would be `max`
/// (OIG's specification, steps 7–15). Returns the seed and the new `Rnd` state.
fn wh_seed(mut state: u32, max: u32) -> (u32, u32) {
    loop {
        state = rnd_step(state);
        let v = f64::from(max) * f64::from(state) / 16_777_216.0 + 1.0;
        if v < f64::from(max) {
            return (v.floor() as u32, state);
        }
    }
}

/// The three Wichmann–Hill seeds RAT-STATS starts from for a seed as the user typed it.
pub fn seeds(seed: f64) -> [u32; 3] {
    let state = randomize(seed, after_rnd_minus_one());
    let (a, state) = wh_seed(state, 30269);
    let (b, state) = wh_seed(state, 30307);
    let (c, _) = wh_seed(state, 30323);
    [a, b, c]
}

/// The Wichmann–Hill generator as RAT-STATS runs it (Schrage's form of AS 183, OIG's
/// pseudo code); each call returns the next uniform number in [0, 1).
pub struct WichmannHill {
    s: [i64; 3],
}

impl WichmannHill {
    pub fn new(seed: f64) -> Self {
        let [a, b, c] = seeds(seed);
        WichmannHill {
            s: [i64::from(a), i64::from(b), i64::from(c)],
        }
    }

    pub fn next_uniform(&mut self) -> f64 {
        let step = |s: i64, q: i64, a: i64, r: i64, m: i64| {
            let hi = s.div_euclid(q);
            let next = a * (s - q * hi) - r * hi;
            if next <= 0 { next + m } else { next }
        };
        self.s[0] = step(self.s[0], 177, 171, 2, 30269);
        self.s[1] = step(self.s[1], 176, 172, 35, 30307);
        self.s[2] = step(self.s[2], 178, 170, 63, 30323);
        // The same three divisions, added in the same order, in Double.
        let t =
            self.s[0] as f64 / 30269.0 + self.s[1] as f64 / 30307.0 + self.s[2] as f64 / 30323.0;
        t - t.floor()
    }
}

/// RAT-STATS' "Single Stage Random Numbers" for the frame `low..=high`: `count` distinct
/// numbers in the order drawn (a number drawn again is skipped and the next one drawn).
/// The caller makes sure `count` does not exceed the frame.
pub fn single_stage(seed: f64, low: i64, high: i64, count: usize) -> Vec<i64> {
    let universe = high - low + 1;
    debug_assert!(count as i64 <= universe);
    let mut wh = WichmannHill::new(seed);
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let v = (wh.next_uniform() * universe as f64).floor() as i64 + low;
        if seen.insert(v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OIG's specification, step 1: `Rnd(-1)` then `Rnd` leave the state at 3758214.
    #[test]
    fn rnd_minus_one_leaves_the_state_oig_states() {
        assert_eq!(after_rnd_minus_one(), 3_758_214);
    }

    /// A negative seed sets the top byte in VB (arithmetic shift); `Rnd` never sees it.
    #[test]
    fn a_negative_seed_mixes_the_same_16_bits_as_its_absolute_value() {
        let s = after_rnd_minus_one();
        assert_eq!(
            randomize(-53765.23, s),
            randomize(53765.23, s) ^ (0x8000 << 8)
        );
    }

    /// Seeds are 1..max-1 and the generator's uniforms stay in [0, 1).
    #[test]
    fn seeds_and_uniforms_stay_in_range() {
        for seed in [0.0, 1.0, 4967669.23, 10661935.55, -53765.23, 1e300] {
            let [a, b, c] = seeds(seed);
            assert!((1..30269).contains(&a) && (1..30307).contains(&b) && (1..30323).contains(&c));
            let mut wh = WichmannHill::new(seed);
            for _ in 0..1000 {
                let u = wh.next_uniform();
                assert!((0.0..1.0).contains(&u));
            }
        }
    }
}
