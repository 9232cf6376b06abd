//! Which frame rows `ccm sample` picks: RAT-STATS' single-stage random numbers over the
//! frame's rows (numbered 1..N in file order), or over each stratum's rows (numbered
//! 1..N_h in file order) with the same seed.

use super::LookbackError;
use super::rng::single_stage;

/// Whether a picked row is one of the sample or a spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Sample,
    Spare,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sample => "sample",
            Role::Spare => "spare",
        }
    }
}

/// One row picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    /// The frame's data row, 1-based, header excluded.
    pub frame_line: usize,
    /// The order of selection (within the stratum, with strata): RAT-STATS' "selection
    /// order".
    pub draw: usize,
    pub role: Role,
    /// The stratum and RAT-STATS' random number within it (the row's place among the
    /// stratum's rows); `None` without strata, where that number is `frame_line`.
    pub stratum: Option<(String, usize)>,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub seed: f64,
    pub size: usize,
    pub spares: usize,
}

/// Picks from a frame of `frame_size` rows: the sample in frame order, then the spares in
/// draw order, as RAT-STATS lists them.
pub fn pick_unstratified(frame_size: usize, req: Request) -> Result<Vec<Pick>, LookbackError> {
    check_fits(None, frame_size, req)?;
    Ok(picks(req, frame_size, |n| (n, None)))
}

/// Picks from each stratum: `strata[i]` is the stratum of frame row `i + 1`. Strata come
/// in byte order of their names; each is a frame of its own rows in file order, drawn with
/// the same seed, as a RAT-STATS run per stratum would be.
pub fn pick_stratified(strata: &[String], req: Request) -> Result<Vec<Pick>, LookbackError> {
    let mut rows: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, s) in strata.iter().enumerate() {
        rows.entry(s.as_str()).or_default().push(i + 1);
    }
    for (name, lines) in &rows {
        check_fits(Some(name), lines.len(), req)?;
    }
    let mut out = Vec::new();
    for (name, lines) in &rows {
        out.extend(picks(req, lines.len(), |n| {
            (lines[n - 1], Some((name.to_string(), n)))
        }));
    }
    Ok(out)
}

fn check_fits(stratum: Option<&str>, frame: usize, req: Request) -> Result<(), LookbackError> {
    let want = req.size + req.spares;
    if req.size == 0 {
        return Err(LookbackError::Invalid("--size must be at least 1".into()));
    }
    if want > frame {
        let what = match stratum {
            Some(s) => format!(
                "stratum {:?} has {frame} rows",
                crate::domain::printable(s, 80)
            ),
            None => format!("the frame has {frame} rows"),
        };
        return Err(LookbackError::Invalid(format!(
            "{what}: fewer than --size {} plus --spares {} (RAT-STATS draws without replacement)",
            req.size, req.spares
        )));
    }
    Ok(())
}

/// Draws `size + spares` numbers from 1..=frame; `place` maps a number to the frame line
/// and the stratum's part of the pick.
fn picks(
    req: Request,
    frame: usize,
    place: impl Fn(usize) -> (usize, Option<(String, usize)>),
) -> Vec<Pick> {
    let drawn = single_stage(req.seed, 1, frame as i64, req.size + req.spares);
    let mut sample: Vec<(usize, usize)> = drawn[..req.size]
        .iter()
        .enumerate()
        .map(|(i, &n)| (n as usize, i + 1))
        .collect();
    sample.sort_unstable();
    let spares = drawn[req.size..]
        .iter()
        .enumerate()
        .map(|(i, &n)| (n as usize, req.size + i + 1));
    let tagged = sample
        .into_iter()
        .map(|p| (p, Role::Sample))
        .chain(spares.map(|p| (p, Role::Spare)));
    tagged
        .map(|((n, draw), role)| {
            let (frame_line, stratum) = place(n);
            Pick {
                frame_line,
                draw,
                role,
                stratum,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_in_frame_order_and_the_spares_in_draw_order() {
        let req = Request {
            seed: 4967669.23,
            size: 40,
            spares: 10,
        };
        let p = pick_unstratified(500, req).unwrap();
        let (s, sp): (Vec<_>, Vec<_>) = p.iter().partition(|p| p.role == Role::Sample);
        assert!(s.windows(2).all(|w| w[0].frame_line < w[1].frame_line));
        assert!(sp.windows(2).all(|w| w[0].draw + 1 == w[1].draw));
        assert_eq!(sp[0].draw, 41);
    }

    #[test]
    fn each_stratum_is_drawn_as_its_own_frame_with_the_same_seed() {
        let strata: Vec<String> = (0..300)
            .map(|i| if i % 3 == 0 { "b" } else { "a" }.to_string())
            .collect();
        let req = Request {
            seed: 12345.0,
            size: 5,
            spares: 2,
        };
        let p = pick_stratified(&strata, req).unwrap();
        let a_rows: Vec<usize> = (1..=300).filter(|i| (i - 1) % 3 != 0).collect();
        let alone = pick_unstratified(a_rows.len(), req).unwrap();
        let a: Vec<_> = p
            .iter()
            .filter(|p| p.stratum.as_ref().unwrap().0 == "a")
            .collect();
        assert_eq!(a.len(), 7);
        for (got, want) in a.iter().zip(&alone) {
            assert_eq!(got.stratum.as_ref().unwrap().1, want.frame_line);
            assert_eq!(got.frame_line, a_rows[want.frame_line - 1]);
            assert_eq!((got.draw, got.role), (want.draw, want.role));
        }
    }

    #[test]
    fn a_sample_larger_than_its_frame_is_refused() {
        let req = Request {
            seed: 1.0,
            size: 4,
            spares: 2,
        };
        assert!(pick_unstratified(5, req).is_err());
        assert!(pick_unstratified(6, req).is_ok());
    }
}
