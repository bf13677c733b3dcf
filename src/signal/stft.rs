//! Short-time Fourier transform with a reusable plan: window and hop are given in seconds at
//! the surface and converted to samples once, here.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

/// STFT parameters, in seconds (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StftParams {
    /// Analysis window length in seconds (rounded up, in samples, to a power of two or three
    /// times one: [`StftParams::n_fft`]).
    pub window_s: f64,
    /// Hop between frames in seconds.
    pub hop_s: f64,
}

impl StftParams {
    /// The window in samples at `sample_rate`: `window_s` rounded up to the next size of the
    /// form 2^k or 3·2^k (both fast for realfft's mixed-radix FFTs).
    ///
    /// Rounded up to a power of two alone, the 20 ms window was 21-23 ms long at 22.05, 24,
    /// 44.1 and 48 kHz but 32 ms at 8, 16 and 32 kHz, so the same recording was analysed
    /// differently at a phone's or a voice note's rate: an impulse's rise was spread over more
    /// of the detection lag, and the devset resampled to 16 kHz found 0.72 of its labelled
    /// events against 0.76 at 48 kHz. With 3·2^k sizes every common rate gets 21-24 ms (8 and
    /// 16 kHz: 192 and 384 samples, 24 ms), and 22.05-48 kHz keep their sizes. Measured end to
    /// end: the devset at 16 kHz 0.832 -> 0.853 impulsive-event F1, the devset as given 0.851
    /// -> 0.854, nine of the ten fresh check sets up 0.002-0.015 (docs/detection-notes.md,
    /// thirty-third session).
    pub fn n_fft(&self, sample_rate: u32) -> usize {
        let win = (self.window_s * f64::from(sample_rate)).round().max(16.0) as usize;
        let power = win.next_power_of_two();
        let three = power / 4 * 3;
        if three >= win { three } else { power }
    }
}

impl Default for StftParams {
    fn default() -> Self {
        // ~21 ms windows resolve low frequencies enough for band ratios; a 2.5 ms hop keeps an
        // impulse's arrival within one frame of the truth before time-domain refinement.
        StftParams {
            window_s: 0.02,
            hop_s: 0.0025,
        }
    }
}

/// A precomputed STFT for one sample rate: FFT plan, Hann window and scratch buffers.
pub struct StftPlan {
    /// Window length in samples (a power of two or three times one).
    pub n_fft: usize,
    /// Hop in samples.
    pub hop: usize,
    /// Sample rate the plan was made for.
    pub sample_rate: u32,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

/// Magnitude spectrogram: `frames[t][k]` is |X| of frame `t`, bin `k` (0..=n_fft/2).
///
/// Frame `t` covers samples `t*hop - n_fft/2 .. t*hop + n_fft/2` (centred, zero-padded at the
/// edges), so its time is `t * hop / sample_rate`.
#[derive(Debug, Clone)]
pub struct Spectrogram {
    /// Magnitudes, one row per frame.
    pub frames: Vec<Vec<f32>>,
    /// Hop in samples.
    pub hop: usize,
    /// FFT size in samples.
    pub n_fft: usize,
    /// Sample rate.
    pub sample_rate: u32,
}

impl Spectrogram {
    /// Centre frequency of bin `k` in Hz.
    pub fn bin_hz(&self, k: usize) -> f64 {
        k as f64 * f64::from(self.sample_rate) / self.n_fft as f64
    }

    /// Time of frame `t` in seconds (its centre).
    pub fn frame_s(&self, t: usize) -> f64 {
        (t * self.hop) as f64 / f64::from(self.sample_rate)
    }
}

impl StftPlan {
    /// A plan for `params` at `sample_rate`.
    pub fn new(params: &StftParams, sample_rate: u32) -> Self {
        let n_fft = params.n_fft(sample_rate);
        let hop = ((params.hop_s * f64::from(sample_rate)).round() as usize).max(1);
        let window = (0..n_fft)
            .map(|i| {
                let x = std::f32::consts::PI * 2.0 * i as f32 / n_fft as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        StftPlan {
            n_fft,
            hop,
            sample_rate,
            window,
            fft,
        }
    }

    /// Number of frames for a signal of `len` samples.
    pub fn n_frames(&self, len: usize) -> usize {
        len.div_ceil(self.hop).max(1)
    }

    /// Calls `f(t, magnitudes)` for every frame of `x` in order, without storing the
    /// spectrogram (a 30-minute clip would need gigabytes).
    pub fn for_each_frame(&self, x: &[f32], mut f: impl FnMut(usize, &[f32])) {
        let mut input = self.fft.make_input_vec();
        let mut output = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut mags = vec![0.0f32; output.len()];
        for t in 0..self.n_frames(x.len()) {
            let centre = t * self.hop;
            windowed_frame(x, centre, &self.window, &mut input);
            // The lengths match the plan, so this cannot fail.
            let _ = self
                .fft
                .process_with_scratch(&mut input, &mut output, &mut scratch);
            for (m, c) in mags.iter_mut().zip(&output) {
                // Not `norm()`: its overflow-safe `hypot` costs a tenth of the analysis, and
                // spectra of samples in [-1, 1] are nowhere near overflow.
                *m = c.norm_sqr().sqrt();
            }
            f(t, &mags);
        }
    }

    /// Magnitude spectrogram of `x` (for short excerpts: it stores every frame).
    pub fn compute(&self, x: &[f32]) -> Spectrogram {
        let mut frames = Vec::with_capacity(self.n_frames(x.len()));
        self.for_each_frame(x, |_, m| frames.push(m.to_vec()));
        Spectrogram {
            frames,
            hop: self.hop,
            n_fft: self.n_fft,
            sample_rate: self.sample_rate,
        }
    }
}

/// Fills `out` with the frame of `x` centred on sample `centre`, times `window` (both the
/// length of `out`); samples beyond either end of `x` are zeros.
pub fn windowed_frame(x: &[f32], centre: usize, window: &[f32], out: &mut [f32]) {
    let n = out.len();
    match centre.checked_sub(n / 2).and_then(|a| x.get(a..a + n)) {
        // Interior frames (nearly all): a plain slice, which the compiler vectorises.
        Some(frame) => {
            for ((v, s), w) in out.iter_mut().zip(frame).zip(window) {
                *v = s * w;
            }
        }
        // Frames hanging over either end are zero-padded.
        None => {
            for (i, (v, w)) in out.iter_mut().zip(window).enumerate() {
                let idx = (centre + i).checked_sub(n / 2);
                *v = idx.and_then(|j| x.get(j)).copied().unwrap_or(0.0) * w;
            }
        }
    }
}

/// A power spectrogram max-pooled into a fixed number of time columns: each cell keeps the
/// largest |X|² of any frame falling into its column. Filled while the detection STFT runs
/// ([`StftPlan::for_each_frame`]), it gives the overview picture of a long clip without a
/// second transform, and a 1 ms shot survives in it (the maximum, not the mean).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMax {
    /// Time columns.
    pub columns: usize,
    /// Frequency bins per column (`n_fft / 2 + 1`).
    pub bins: usize,
    /// FFT length of the frames.
    pub n_fft: usize,
    /// Sample rate of the signal.
    pub sample_rate: u32,
    /// |X|², column-major: `power[c * bins + k]`.
    pub power: Vec<f32>,
    /// Whether any frame fell into each column (a short clip has fewer frames than columns).
    pub filled: Vec<bool>,
    hop: usize,
    n_samples: usize,
}

impl ColumnMax {
    /// Empty columns for the frames of `plan` over a signal of `n_samples` samples.
    pub fn new(plan: &StftPlan, n_samples: usize, columns: usize) -> Self {
        let (columns, bins) = (columns.max(1), plan.n_fft / 2 + 1);
        ColumnMax {
            columns,
            bins,
            n_fft: plan.n_fft,
            sample_rate: plan.sample_rate,
            power: vec![0.0; columns * bins],
            filled: vec![false; columns],
            hop: plan.hop,
            n_samples: n_samples.max(1),
        }
    }

    /// Pools frame `t` (magnitudes `mags`) into its column: the one its centre falls in.
    pub fn push(&mut self, t: usize, mags: &[f32]) {
        let c = ((t * self.hop) as u128 * self.columns as u128 / self.n_samples as u128) as usize;
        let c = c.min(self.columns - 1);
        self.filled[c] = true;
        let cell = &mut self.power[c * self.bins..(c + 1) * self.bins];
        for (p, m) in cell.iter_mut().zip(mags) {
            // A plain comparison (no NaN rule, magnitudes are finite) vectorises to maxps.
            let v = m * m;
            *p = if v > *p { v } else { *p };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_peaks_in_its_bin_and_frames_are_centred() {
        let sr = 8000;
        let plan = StftPlan::new(
            &StftParams {
                window_s: 0.032,
                hop_s: 0.01,
            },
            sr,
        );
        assert_eq!((plan.n_fft, plan.hop), (256, 80));
        let f0 = 1000.0;
        let x: Vec<f32> = (0..8000)
            .map(|i| (2.0 * std::f32::consts::PI * f0 * i as f32 / 8000.0).sin())
            .collect();
        let s = plan.compute(&x);
        assert_eq!(s.frames.len(), 100);
        let mid = &s.frames[50];
        let k = mid
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(s.bin_hz(k), 1000.0);
        assert_eq!(s.frame_s(50), 0.5);
    }

    #[test]
    fn the_window_lasts_21_to_24_ms_at_every_common_rate() {
        let p = StftParams::default();
        for (sr, n) in [
            (8_000, 192),
            (11_025, 256),
            (12_000, 256),
            (16_000, 384),
            (22_050, 512),
            (24_000, 512),
            (32_000, 768),
            (44_100, 1024),
            (48_000, 1024),
            (96_000, 2048),
        ] {
            assert_eq!(p.n_fft(sr), n, "{sr} Hz");
            let ms = n as f64 / f64::from(sr) * 1e3;
            assert!((21.0..=24.0).contains(&ms), "{sr} Hz: {ms} ms");
        }
        // Never shorter than asked, and 3·2^k only where it is long enough.
        let q = StftParams {
            window_s: 0.0,
            hop_s: 0.01,
        };
        assert_eq!(q.n_fft(8_000), 16);
    }

    #[test]
    fn an_impulse_appears_in_the_frames_covering_it() {
        let sr = 16_000;
        let plan = StftPlan::new(&StftParams::default(), sr);
        let mut x = vec![0.0f32; 16_000];
        x[8000] = 1.0;
        let s = plan.compute(&x);
        let energy: Vec<f32> = s.frames.iter().map(|f| f.iter().sum()).collect();
        let t = energy
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert!((s.frame_s(t) - 0.5).abs() <= plan.hop as f64 / f64::from(sr));
    }
}
