//! Cross-correlation of two real sequences over a range of lags, by FFT (the transcript clock
//! search and the burst matched filter both use it).

use realfft::{FftNum, RealFftPlanner};

/// `r[L] = sum_n a[n] * g[n + L]` for every lag `L` in `lo..=hi` (one value per lag, in order),
/// computed by FFT in f64. Terms outside either sequence count as zero.
pub fn xcorr(a: &[f32], g: &[f32], lo: i64, hi: i64) -> Vec<f64> {
    Correlator::<f64>::default().xcorr(a, g, lo, hi)
}

/// [`xcorr`] with its FFT plans kept between calls (planning a 2^16-point FFT costs as much as
/// running it), computed in `T`: f64 where long sums must stay exact to the last digit that
/// decides (the transcript clock), f32 where half the time matters more (the burst search, whose
/// correlations are reported to 3 decimals).
pub struct Correlator<T: FftNum> {
    planner: RealFftPlanner<T>,
}

impl<T: FftNum> Default for Correlator<T> {
    fn default() -> Self {
        Correlator {
            planner: RealFftPlanner::new(),
        }
    }
}

impl<T: FftNum + From<f32> + Into<f64>> Correlator<T> {
    /// See [`xcorr`].
    pub fn xcorr(&mut self, a: &[f32], g: &[f32], lo: i64, hi: i64) -> Vec<f64> {
        if hi < lo {
            return Vec::new();
        }
        // The circular correlation of length n equals the linear one at every lag in lo..=hi
        // when no index n + L of `g` that a term uses wraps: n >= len(a) + hi for the largest,
        // and n + lo >= len(g) for a negative one (it must land in the zero padding).
        let need = (a.len() as i64 + hi.max(0)).max(g.len() as i64 + (-lo).max(0));
        let n = (need.max(1) as usize).next_power_of_two();
        let fwd = self.planner.plan_fft_forward(n);
        let inv = self.planner.plan_fft_inverse(n);
        let mut ia = fwd.make_input_vec();
        let mut ig = fwd.make_input_vec();
        for (d, s) in ia.iter_mut().zip(a) {
            *d = T::from(*s);
        }
        for (d, s) in ig.iter_mut().zip(g) {
            *d = T::from(*s);
        }
        let mut fa = fwd.make_output_vec();
        let mut fg = fwd.make_output_vec();
        // Lengths come from the plan.
        let _ = fwd.process(&mut ia, &mut fa);
        let _ = fwd.process(&mut ig, &mut fg);
        for (x, y) in fa.iter_mut().zip(&fg) {
            *x = x.conj() * y;
        }
        let mut r = inv.make_output_vec();
        let _ = inv.process(&mut fa, &mut r);
        // r[L mod n] = sum a[n] g[n+L] (times n, the unnormalised inverse).
        (lo..=hi)
            .map(|lag| r[lag.rem_euclid(n as i64) as usize].into() / n as f64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(a: &[f32], g: &[f32], lag: i64) -> f64 {
        a.iter()
            .enumerate()
            .filter_map(|(i, &v)| {
                let j = i as i64 + lag;
                (j >= 0 && (j as usize) < g.len()).then(|| f64::from(v) * f64::from(g[j as usize]))
            })
            .sum()
    }

    #[test]
    fn every_lag_in_the_range_equals_the_direct_sum() {
        let a: Vec<f32> = (0..37).map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0).collect();
        let g: Vec<f32> = (0..101)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 5.0)
            .collect();
        // Whole supports, one-sided ranges, and ranges reaching past either end.
        for (lo, hi) in [
            (-20, 20),
            (0, 64),
            (-50, -3),
            (60, 100),
            (-36, 100),
            (-80, 130),
            (5, 7),
        ] {
            let r = xcorr(&a, &g, lo, hi);
            assert_eq!(r.len(), (hi - lo + 1) as usize);
            for (k, v) in r.iter().enumerate() {
                let want = direct(&a, &g, lo + k as i64);
                assert!(
                    (v - want).abs() < 1e-9,
                    "lag {}: {v} vs {want}",
                    lo + k as i64
                );
            }
        }
        assert!(xcorr(&a, &g, 3, 2).is_empty());
        // In f32, to its precision.
        let mut c = Correlator::<f32>::default();
        let r = c.xcorr(&a, &g, -36, 100);
        for (k, v) in r.iter().enumerate() {
            let want = direct(&a, &g, k as i64 - 36);
            assert!(
                (v - want).abs() < 1e-4 * (1.0 + want.abs()),
                "lag {}",
                k as i64 - 36
            );
        }
    }
}
