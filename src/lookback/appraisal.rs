//! RAT-STATS' "Unrestricted Variable Appraisal" and "Stratified Variable Appraisal" of one
//! variable (ccm appraises the overpayment, RAT-STATS' "difference" values).
//!
//! The formulas and their order are RAT-STATS' own, as HHS-OIG's macro replicating it
//! writes them (`VBCode - UnresVariableAppraisal.xlsm`, `VBCode -
//! StratVariableAppraisal.xlsm`; docs/lookback.md quotes them). One difference, on
//! purpose: the sums are exact (decimal), where RAT-STATS adds doubles; the two part only
//! when a double loses cents (docs/lookback.md, *Inferences*).

use super::tvalue::{LEVELS, Z_VALUES, t_values};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// One stratum's universe and its reviewed values (the whole frame when unstratified).
#[derive(Debug, Clone)]
pub struct StratumInput {
    pub name: String,
    pub universe: u64,
    pub values: Vec<Decimal>,
}

/// One two-sided interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// 80, 90 or 95.
    pub level: u32,
    /// The t-value (a stratum, or an unstratified sample) or z-value (a stratified total).
    pub factor: f64,
    pub lower: Decimal,
    pub upper: Decimal,
    pub precision_amount: Decimal,
    /// Precision amount over the point estimate, in percent, 2 decimals; 0 when the
    /// point estimate is not positive (as RAT-STATS).
    pub precision_percent: Decimal,
}

/// What the appraisal of one frame or stratum, or of the stratified whole, says. Money is
/// rounded to the cent, half away from zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub universe: u64,
    pub sample: u64,
    pub nonzero: u64,
    /// The sample's total, exact.
    pub sample_total: Decimal,
    /// Degrees of freedom of the t-values (`None` for the stratified whole: z-values).
    pub df: Option<u64>,
    /// The sample mean (`None` for the stratified whole).
    pub mean: Option<Decimal>,
    pub std_dev: Option<Decimal>,
    pub se_mean: Decimal,
    pub se_total: Decimal,
    pub point_estimate: Decimal,
    pub intervals: [Interval; 3],
}

/// A whole appraisal: the estimate of the total and, stratified, each stratum's.
#[derive(Debug, Clone, PartialEq)]
pub struct Appraisal {
    pub stratified: bool,
    pub total: Estimate,
    pub strata: Vec<(String, Estimate)>,
}

impl Appraisal {
    /// The CIA convention's amount to repay: the lower limit of the two-sided 90%
    /// interval, or nothing when that limit is not positive.
    pub fn repayment(&self) -> Decimal {
        self.total.intervals[1].lower.max(Decimal::ZERO)
    }
}

/// Money to the cent, half away from zero.
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x)
        .or_else(|| Decimal::from_f64(x))
        .unwrap_or(Decimal::MAX)
}

/// The internals of one stratum, before rounding.
struct Moments {
    n: u64,
    universe: u64,
    nonzero: u64,
    sum: Decimal,
    mean: Decimal,
    point: Decimal,
    sd: f64,
    se_mean: f64,
    /// N (N - n) s² / n: the stratum's part of the variance of the total.
    term: f64,
}

fn moments(s: &StratumInput) -> Moments {
    let n = s.values.len() as u64;
    let universe = s.universe;
    let nonzero = s.values.iter().filter(|v| !v.is_zero()).count() as u64;
    let sum: Decimal = s.values.iter().copied().sum();
    let dn = Decimal::from(n);
    // RAT-STATS: the mean only when some value is not zero (it is 0 otherwise anyway).
    let mean = if n > 0 && nonzero > 0 {
        sum / dn
    } else {
        Decimal::ZERO
    };
    let point = if n > 0 {
        sum.checked_mul(Decimal::from(universe))
            .map(|x| x / dn)
            .unwrap_or_else(|| mean * Decimal::from(universe))
    } else {
        Decimal::ZERO
    };
    // RAT-STATS: a standard deviation only when the sum is not zero and n > 1, and only
    // when Σx² exceeds (Σx)²/n; else 0.
    let sd = if !sum.is_zero() && n > 1 {
        let sq: Decimal = s.values.iter().map(|v| v * v).sum();
        let spread = dn
            .checked_mul(sq)
            .and_then(|a| sum.checked_mul(sum).and_then(|b| a.checked_sub(b)));
        let var = match spread {
            Some(d) => d.to_f64().unwrap_or(0.0) / (n as f64 * (n - 1) as f64),
            None => {
                let (s1, s2) = (sum.to_f64().unwrap_or(0.0), sq.to_f64().unwrap_or(0.0));
                (s2 - s1 * s1 / n as f64) / (n - 1) as f64
            }
        };
        if var > 0.0 { var.sqrt() } else { 0.0 }
    } else {
        0.0
    };
    let (nf, uf) = (n as f64, universe as f64);
    let (se_mean, term) = if sd != 0.0 && n > 1 {
        let fpc = ((uf - nf) / uf).sqrt();
        let se = sd / nf.sqrt() * fpc;
        (se, uf * (uf - nf) * sd * sd / nf)
    } else {
        (0.0, 0.0)
    };
    Moments {
        n,
        universe,
        nonzero,
        sum,
        mean,
        point,
        sd,
        se_mean,
        term,
    }
}

/// Intervals around `point` of half-width `factor × se_total` each, computed only when a
/// value is not zero (as RAT-STATS; all limits are 0 otherwise, as is the estimate).
fn intervals(point: Decimal, se_total: f64, factors: [f64; 3], nonzero: u64) -> [Interval; 3] {
    std::array::from_fn(|i| {
        let factor = factors[i];
        let half = if nonzero > 0 { factor * se_total } else { 0.0 };
        let h = dec(half);
        let (lower, upper) = if nonzero > 0 {
            (cents(point - h), cents(point + h))
        } else {
            (Decimal::ZERO, Decimal::ZERO)
        };
        let percent = if point > Decimal::ZERO && nonzero > 0 {
            (h / point * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        } else {
            Decimal::ZERO
        };
        Interval {
            level: LEVELS[i],
            factor,
            lower,
            upper,
            precision_amount: cents(h),
            precision_percent: percent,
        }
    })
}

fn estimate(m: &Moments) -> Estimate {
    let df = m.n.saturating_sub(1);
    let se_total = m.se_mean * m.universe as f64;
    Estimate {
        universe: m.universe,
        sample: m.n,
        nonzero: m.nonzero,
        sample_total: m.sum,
        df: Some(df),
        mean: Some(cents(m.mean)),
        std_dev: Some(cents(dec(m.sd))),
        se_mean: cents(dec(m.se_mean)),
        se_total: cents(dec(se_total)),
        point_estimate: cents(m.point),
        intervals: intervals(m.point, se_total, t_values(df), m.nonzero),
    }
}

/// The unrestricted appraisal of one sample from a frame of `universe` items.
pub fn unrestricted(input: &StratumInput) -> Appraisal {
    Appraisal {
        stratified: false,
        total: estimate(&moments(input)),
        strata: Vec::new(),
    }
}

/// The stratified appraisal: each stratum as an unrestricted one, and the total with the
/// z-values over the summed variance (RAT-STATS' overall precision).
pub fn stratified(inputs: &[StratumInput]) -> Appraisal {
    let ms: Vec<Moments> = inputs.iter().map(moments).collect();
    let universe: u64 = ms.iter().map(|m| m.universe).sum();
    let n: u64 = ms.iter().map(|m| m.n).sum();
    let nonzero: u64 = ms.iter().map(|m| m.nonzero).sum();
    let point: Decimal = ms.iter().map(|m| m.point).sum();
    let se_total = ms.iter().map(|m| m.term).sum::<f64>().sqrt();
    let total = Estimate {
        universe,
        sample: n,
        nonzero,
        sample_total: ms.iter().map(|m| m.sum).sum(),
        df: None,
        mean: None,
        std_dev: None,
        se_mean: cents(dec(se_total / universe.max(1) as f64)),
        se_total: cents(dec(se_total)),
        point_estimate: cents(point),
        intervals: intervals(point, se_total, Z_VALUES, nonzero),
    };
    Appraisal {
        stratified: true,
        total,
        strata: inputs
            .iter()
            .zip(&ms)
            .map(|(i, m)| (i.name.clone(), estimate(m)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(universe: u64, values: &[&str]) -> StratumInput {
        StratumInput {
            name: String::new(),
            universe,
            values: values.iter().map(|v| v.parse().unwrap()).collect(),
        }
    }

    /// A 100% review has no sampling error: every limit is the point estimate.
    #[test]
    fn a_full_review_has_no_sampling_error() {
        let a = unrestricted(&input(4, &["44", "22", "33", "44"]));
        assert_eq!(a.total.point_estimate, Decimal::from(143));
        for i in &a.total.intervals {
            assert_eq!(
                (i.lower, i.upper),
                (a.total.point_estimate, a.total.point_estimate)
            );
            assert!(i.precision_amount.is_zero() && i.precision_percent.is_zero());
        }
    }

    /// Equal values: no spread, no interval.
    #[test]
    fn zero_variance_gives_the_point_estimate_as_every_limit() {
        let a = unrestricted(&input(100, &["12.50", "12.50", "12.50"]));
        assert_eq!(a.total.point_estimate, Decimal::from(1250));
        assert!(a.total.se_total.is_zero());
        assert_eq!(a.total.intervals[2].lower, Decimal::from(1250));
    }

    /// The percent is 0 when the estimate is not positive (RAT-STATS).
    #[test]
    fn no_precision_percent_for_a_negative_estimate() {
        let a = unrestricted(&input(100, &["-5", "-1", "2"]));
        assert!(a.total.point_estimate < Decimal::ZERO);
        assert!(
            a.total
                .intervals
                .iter()
                .all(|i| i.precision_percent.is_zero())
        );
        assert!(a.total.intervals[0].precision_amount > Decimal::ZERO);
        assert_eq!(a.repayment(), Decimal::ZERO);
    }
}
