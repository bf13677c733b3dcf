//! How much later one microphone hears a sound than another: the generalized cross-correlation
//! with the phase transform (GCC-PHAT), over a band, to a sixteenth of a sample.
//!
//! C. H. Knapp and G. C. Carter, "The generalized correlation method for estimation of time
//! delay", IEEE Trans. Acoustics, Speech, and Signal Processing 24(4), 1976. The phase transform
//! weighs every frequency of the band alike (the cross-spectrum divided by its magnitude), so the
//! delay is read from the phase of each frequency and not from where the energy is: a shot's
//! low-frequency bulk, whose wavelengths (1-3 m) dwarf a phone's 10-20 cm between microphones,
//! would otherwise spread the peak over every lag a phone can hear. The phase transform is the
//! maximum-likelihood weighting when the two microphones' noises are small against the sound
//! and reverberation dominates the error (Zhang, Florêncio and Zhang, "Why does PHAT work well
//! in low noise, reverberative environments?", ICASSP 2008).
//!
//! Written here rather than taken from a crate: no maintained Rust crate computes it (searched
//! crates.io and docs.rs for GCC-PHAT and time-delay estimation), and it is a few lines over
//! realfft.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// Steps per sample at which the peak is located between the samples.
pub const SUBSAMPLE_STEPS: usize = 16;

/// The cross-spectrum of two windows, phase only: one per frequency bin, of unit magnitude
/// (zero where either window has no energy at that frequency).
pub struct PhaseSpectrum {
    /// `conj(A) B / |conj(A) B|` per bin `0..=n/2`.
    phase: Vec<Complex<f64>>,
    /// The transform's length (the windows zero-padded to it).
    n: usize,
    sample_rate: f64,
}

/// A delay and how clearly the two windows agree on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delay {
    /// How much later (s) the second window holds the sound than the first (negative: earlier).
    pub lag_s: f64,
    /// The phase-transformed correlation at that lag: the mean over the band's bins of the
    /// cosine between each bin's phase difference and the one the lag predicts. 1 when the
    /// second window is the first delayed (whatever its gain or colour), about `1/sqrt(bins)`
    /// for unrelated noise. Its magnitude: a channel wired the other way round peaks at -1.
    pub peak: f64,
}

impl PhaseSpectrum {
    /// The phase spectrum of `a` against `b`, both zero-padded to a power of two of at least
    /// their length plus `max_lag` samples, so that no lag up to it wraps around.
    pub fn new(a: &[f32], b: &[f32], sample_rate: u32, max_lag: usize) -> PhaseSpectrum {
        let len = a.len().max(b.len());
        let n = (len + max_lag + 1).next_power_of_two().max(2);
        let mut planner = RealFftPlanner::<f64>::new();
        let fwd = planner.plan_fft_forward(n);
        let spectrum = |x: &[f32]| {
            let mut input = fwd.make_input_vec();
            for (d, s) in input.iter_mut().zip(x) {
                *d = f64::from(*s);
            }
            let mut out = fwd.make_output_vec();
            // Lengths come from the plan.
            let _ = fwd.process(&mut input, &mut out);
            out
        };
        let (fa, fb) = (spectrum(a), spectrum(b));
        let phase = fa
            .iter()
            .zip(&fb)
            .map(|(x, y)| {
                let g = x.conj() * y;
                let m = g.norm();
                if m > 0.0 && m.is_finite() {
                    g / m
                } else {
                    Complex::new(0.0, 0.0)
                }
            })
            .collect();
        PhaseSpectrum {
            phase,
            n,
            sample_rate: f64::from(sample_rate),
        }
    }

    /// The lag within `max_lag` samples either way at which the band `lo_hz..hi_hz` agrees
    /// best (largest |correlation|), to 1/[`SUBSAMPLE_STEPS`] of a sample: the whole-sample
    /// peak first, then the finer grid within a sample of it, each value summed directly over
    /// the band's bins. `None` when the band holds no bin with energy in both windows.
    pub fn delay(&self, lo_hz: f64, hi_hz: f64, max_lag: usize) -> Option<Delay> {
        let df = self.sample_rate / self.n as f64;
        let bins: Vec<(f64, Complex<f64>)> = self
            .phase
            .iter()
            .enumerate()
            .skip(1)
            .take(self.n / 2 - 1)
            .filter(|(k, g)| {
                let f = *k as f64 * df;
                f >= lo_hz && f <= hi_hz && g.norm() > 0.0
            })
            .map(|(k, g)| (k as f64, *g))
            .collect();
        if bins.is_empty() {
            return None;
        }
        let m = bins.len() as f64;
        let n = self.n as f64;
        // The correlation at a lag of `t` samples: the mean of Re(G e^{2 pi i k t / n}).
        let at = |t: f64| {
            bins.iter()
                .map(|(k, g)| {
                    let w = 2.0 * std::f64::consts::PI * k * t / n;
                    g.re * w.cos() - g.im * w.sin()
                })
                .sum::<f64>()
                / m
        };
        let l = max_lag as i64;
        let best = |a: (f64, f64), b: (f64, f64)| if b.1.abs() > a.1.abs() { b } else { a };
        let coarse = (-l..=l)
            .map(|t| (t as f64, at(t as f64)))
            .fold((0.0, 0.0), best);
        let steps = SUBSAMPLE_STEPS as i64;
        let fine = (-steps..=steps)
            .map(|s| coarse.0 + s as f64 / steps as f64)
            .filter(|t| t.abs() <= l as f64)
            .map(|t| (t, at(t)))
            .fold(coarse, best);
        Some(Delay {
            lag_s: fine.0 / self.sample_rate,
            peak: fine.1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic white noise in [-1, 1).
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        crate::testutil::noise(n, 1.0, seed)
    }

    /// `x` delayed by `d` samples (fractional), by a windowed sinc of 64 taps either side.
    fn delayed(x: &[f32], d: f64) -> Vec<f32> {
        (0..x.len())
            .map(|i| {
                let mut acc = 0.0f64;
                for k in -64i64..=64 {
                    let j = i as i64 - d.floor() as i64 + k;
                    if j < 0 || j as usize >= x.len() {
                        continue;
                    }
                    let t = i as f64 - d - j as f64;
                    let sinc = if t.abs() < 1e-12 {
                        1.0
                    } else {
                        (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
                    };
                    let w = 0.5 + 0.5 * (std::f64::consts::PI * t / 65.0).cos();
                    acc += f64::from(x[j as usize]) * sinc * w;
                }
                acc as f32
            })
            .collect()
    }

    #[test]
    fn a_whole_and_a_fractional_delay_are_found_to_a_sixteenth_of_a_sample() {
        let x = noise(1200, 1);
        for d in [0.0, 7.0, -5.0, 3.25, -11.5625, 20.4] {
            let y = delayed(&x, d);
            let s = PhaseSpectrum::new(&x[100..1100], &y[100..1100], 48_000, 48);
            let got = s.delay(300.0, 8000.0, 48).unwrap();
            assert!(
                (got.lag_s * 48_000.0 - d).abs() <= 1.0 / 16.0 + 1e-9,
                "delay {d}: {got:?}"
            );
            assert!(got.peak > 0.8, "delay {d}: {got:?}");
        }
    }

    #[test]
    fn gain_and_colour_do_not_move_it_and_an_inverted_channel_peaks_at_minus_one() {
        let x = noise(1200, 2);
        // A zero-phase low-pass (1/4, 1/2, 1/4 about each sample) and a gain of 0.1 on the
        // second copy: a filter with a phase of its own delays, and that delay would be found.
        let d = delayed(&x, 6.0);
        let y: Vec<f32> = (0..d.len())
            .map(|i| {
                let at = |j: usize| d.get(j).copied().unwrap_or(0.0);
                0.1 * (0.25 * at(i.wrapping_sub(1)) + 0.5 * at(i) + 0.25 * at(i + 1))
            })
            .collect();
        let s = PhaseSpectrum::new(&x[100..1100], &y[100..1100], 48_000, 48);
        let got = s.delay(300.0, 8000.0, 48).unwrap();
        assert!((got.lag_s * 48_000.0 - 6.0).abs() < 0.1, "{got:?}");
        let neg: Vec<f32> = y.iter().map(|v| -v).collect();
        let s = PhaseSpectrum::new(&x[100..1100], &neg[100..1100], 48_000, 48);
        let got = s.delay(300.0, 8000.0, 48).unwrap();
        assert!((got.lag_s * 48_000.0 - 6.0).abs() < 0.1, "{got:?}");
        assert!(got.peak < -0.8, "{got:?}");
    }

    #[test]
    fn unrelated_windows_peak_low_and_an_empty_band_gives_nothing() {
        let (a, b) = (noise(1000, 3), noise(1000, 4));
        let s = PhaseSpectrum::new(&a, &b, 48_000, 48);
        let got = s.delay(300.0, 8000.0, 48).unwrap();
        assert!(got.peak.abs() < 0.25, "{got:?}");
        assert!(s.delay(30_000.0, 40_000.0, 48).is_none());
        let z = vec![0.0f32; 1000];
        assert!(
            PhaseSpectrum::new(&a, &z, 48_000, 48)
                .delay(300.0, 8000.0, 48)
                .is_none()
        );
    }
}
