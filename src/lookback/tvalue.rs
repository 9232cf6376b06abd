//! The t-values (two-sided 80%, 90%, 95%, `df = n - 1`) and z-values RAT-STATS uses.
//!
//! RAT-STATS does not call a library: for one to three degrees of freedom it uses fixed
//! values printed to 12 decimals; above that it finds the quantile by bisection on [0, 4]
//! over the Student t distribution function, written as the series of the regularized
//! incomplete beta function I_x(1/2, df/2) with x = t²/(t² + df) (100 terms), stops when a
//! step moves t by at most 1e-14 and keeps the value rounded to 14 decimals
//! (`Format(tval, "0.00000000000000")`). That procedure is HHS-OIG's macro replicating
//! RAT-STATS (`VBCode - UnresVariableAppraisal.xlsm`, OIG's SDK for the 2017 RAT-STATS
//! challenge) and the challenge port cbtek/RStats2017 `RStatsUVA.cpp`. ccm runs the same
//! procedure with two numerical repairs (the series' first coefficient multiplied in
//! decimals, its front factor through `ln_1p`): RAT-STATS' doubles drift by up to 6e-13
//! at df near 10,000, which can change the 12th printed decimal; repaired, the value is
//! the true quantile to 2e-14. The tests hold it to quantiles computed independently to
//! 40 digits. Why not a library: statrs' `StudentsT::inverse_cdf` misses the
//! distribution function by up to 2e-9 (df = 9999) and 3e-14 elsewhere.

/// The three confidence levels RAT-STATS reports, two-sided.
pub const LEVELS: [u32; 3] = [80, 90, 95];

/// The z-values of the stratified appraisal's overall interval, as RAT-STATS holds them.
pub const Z_VALUES: [f64; 3] = [1.281551565545, 1.644853626951, 1.95996398454];

/// RAT-STATS' fixed t-values for 1, 2 and 3 degrees of freedom (80%, 90%, 95%).
const FIXED: [[f64; 3]; 3] = [
    [3.077683537175, 6.313751514675, 12.706204736175],
    [1.885618083164, 2.919985580354, 4.30265272975],
    [1.637744353696, 2.353363434802, 3.182446305284],
];

/// The t-values for `df` degrees of freedom at 80%, 90% and 95%. With no degree of
/// freedom (a sample of one) RAT-STATS leaves them at 0.
pub fn t_values(df: u64) -> [f64; 3] {
    match df {
        0 => [0.0; 3],
        1..=3 => FIXED[df as usize - 1],
        _ => LEVELS.map(|level| bisect(df, f64::from(level) / 200.0 + 0.5)),
    }
}

/// Bisection on [0, 4] for the t whose distribution function is `target`, as RAT-STATS
/// does it, rounded to 14 decimals.
fn bisect(df: u64, target: f64) -> f64 {
    let c0 = first_coefficient(df);
    let (mut low, mut high) = (0.0f64, 4.0f64);
    let mut t = low;
    for _ in 0..1000 {
        let last = t;
        t = (low + high) / 2.0;
        if t_cdf(t, df, c0) < target {
            low = t;
        } else {
            high = t;
        }
        if (t - last).abs() - 1e-14 <= 0.0 {
            break;
        }
    }
    round_to(t, 14)
}

/// The series' first coefficient, RAT-STATS' product: 1 · 3/2 · 5/4 · … (df/2 − 1
/// factors) for an even df, (4/π) · 4/3 · 6/5 · … ((df − 1)/2 − 1 factors) for an odd one.
/// Multiplied in 28-digit decimals: in doubles the rounding of thousands of factors adds
/// up to 1e-14 of the distribution function at df near 10,000.
fn first_coefficient(df: u64) -> f64 {
    use rust_decimal::Decimal;
    use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
    let (start, factors, step) = if df.is_multiple_of(2) {
        (Decimal::ONE, df / 2 - 1, 1)
    } else {
        let four_over_pi = Decimal::from_f64(4.0 / std::f64::consts::PI).unwrap_or(Decimal::ONE);
        (four_over_pi, (df - 1) / 2 - 1, 2)
    };
    let c = (1..=factors).fold(start, |c, i| {
        let k = Decimal::from(2 * i + step);
        c * k / (k - Decimal::ONE)
    });
    c.to_f64().unwrap_or(f64::NAN)
}

/// The Student t distribution function at `t >= 0` for `df >= 4` degrees of freedom: one
/// half plus half of I_x(1/2, df/2), x = t²/(t² + df), by RAT-STATS' series (100 terms).
/// Its front factor (1 − x)^(df/2) is taken as exp(−df/2 · ln(1 + t²/df)): (1 − x) rounded
/// to a double, raised to the power 5,000, would lose 5e-13.
fn t_cdf(t: f64, df: u64, c0: f64) -> f64 {
    let (a, b) = (0.5, df as f64 / 2.0);
    let x = t * t / (t * t + df as f64);
    if x == 0.0 {
        return 0.5;
    }
    let front = (-b * (t * t / df as f64).ln_1p()).exp() * x.sqrt();
    let (mut sum, mut term) = (c0, c0);
    for j in 1..=100u32 {
        let j = f64::from(j);
        term *= (j - 1.0 + a + b) / (j + a) * x;
        sum += term;
    }
    0.5 * (front * sum + 1.0)
}

/// `x` rounded to `places` decimals, half away from zero, through its exact decimal value.
fn round_to(x: f64, places: u32) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    rust_decimal::Decimal::from_f64_retain(x)
        .map(|d| {
            d.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
        .and_then(|d| d.to_f64())
        .unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series is the t distribution: at the closed forms of df = 2 and df = 4, where
    /// its 100 terms converge (x = t²/(t² + df) up to about 0.7: the quantiles RAT-STATS
    /// seeks from df = 4 on lie there).
    #[test]
    fn the_series_is_the_t_distribution() {
        for t in [0.3f64, 1.0, 1.9, 2.1] {
            let df2 = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
            assert!(
                (t_cdf(t, 2, first_coefficient(2)) - df2).abs() < 1e-15,
                "df 2 at {t}"
            );
            let x = t * t / (t * t + 4.0);
            let df4 = 0.5 + 0.5 * x.sqrt() * (1.5 - 0.5 * x);
            assert!(
                (t_cdf(t, 4, first_coefficient(4)) - df4).abs() < 1e-15,
                "df 4 at {t}"
            );
        }
    }

    /// Quantiles of Student's t computed independently with mpmath at 40 digits
    /// (`betainc` and `findroot`), 80%, 90%, 95% two-sided. RAT-STATS' bisection stops at
    /// a step of 1e-14 and keeps 14 decimals: ccm's value is within 2e-14 of each.
    #[allow(clippy::excessive_precision)] // as mpmath printed them
    const REFERENCE: [(u64, [f64; 3]); 12] = [
        (
            4,
            [1.5332062740589439, 2.1318467863266503, 2.7764451051977944],
        ),
        (
            5,
            [1.4758840488244811, 2.0150483733330242, 2.5705818356363155],
        ),
        (
            9,
            [1.3830287383966323, 1.8331129326562372, 2.2621571627982055],
        ),
        (
            10,
            [1.3721836411103356, 1.8124611228116764, 2.2281388519862747],
        ),
        (
            29,
            [1.3114336473015511, 1.6991270265334978, 2.0452296421327043],
        ),
        (
            30,
            [1.3104150253913956, 1.6972608865939578, 2.0422724563012383],
        ),
        (
            49,
            [1.2990687847477498, 1.6765508926168539, 2.0095752371292397],
        ),
        (
            99,
            [1.2901614420344852, 1.6603911560169909, 1.9842169515864175],
        ),
        (
            120,
            [1.2886462336563779, 1.6576508993552356, 1.9799304050824408],
        ),
        (
            998,
            [1.2824004203155733, 1.6463818766348761, 1.9623438462163346],
        ),
        (
            1000,
            [1.2823987214609244, 1.6463788172854647, 1.9623390808264085],
        ),
        (
            9999,
            [1.2816362381983139, 1.6450060333112995, 1.9602012636213577],
        ),
    ];

    #[test]
    fn t_values_are_the_quantiles_to_14_decimals() {
        for (df, want) in REFERENCE {
            let got = t_values(df);
            for i in 0..3 {
                assert!(
                    (got[i] - want[i]).abs() <= 2e-14,
                    "df {df} level {}: {} vs {}",
                    LEVELS[i],
                    got[i],
                    want[i]
                );
            }
        }
    }

    /// RAT-STATS' printed t-values for df = 998 (HHS-OIG's unrestricted variable appraisal
    /// example 1, N = 1000, n = 999, as shown in cbtek/RStats2017's
    /// `rstats_example_comparisons.pdf`, 12 decimals).
    #[test]
    fn t_values_print_as_rat_stats_printed_them() {
        let got = t_values(998).map(|t| format!("{t:.12}"));
        assert_eq!(got, ["1.282400420316", "1.646381876635", "1.962343846216"]);
    }

    /// The fixed values for one to three degrees of freedom are the quantiles to about 12
    /// decimals (mpmath, as above; RAT-STATS' 4.30265272975 is off by 5.4e-13).
    #[test]
    fn the_fixed_values_are_the_quantiles_to_12_decimals() {
        #[allow(clippy::excessive_precision)]
        let exact = [
            [3.0776835371752534, 6.313751514675043, 12.706204736174705],
            [1.8856180831641267, 2.919985580353726, 4.302652729749464],
            [1.6377443536962101, 2.353363434801824, 3.1824463052837096],
        ];
        for (df, want) in exact.iter().enumerate() {
            for (got, want) in t_values(df as u64 + 1).iter().zip(want) {
                assert!((got - want).abs() < 6e-13, "df {}: {got} vs {want}", df + 1);
            }
        }
    }

    #[test]
    fn no_degree_of_freedom_leaves_the_t_values_at_zero() {
        assert_eq!(t_values(0), [0.0; 3]);
    }
}
