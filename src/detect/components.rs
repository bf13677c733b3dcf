//! The parts of one event: a supersonic crack and the muzzle blast after it (found by
//! `refine`), and early reflections of the blast (from the ground, walls, vehicles) 10-40 ms
//! later, which belong to the shot rather than being new shots.
//!
//! The times are kept because distance estimation builds on them: the crack-to-blast delay
//! grows with the distance to the shooter, and a reflection's delay gives the extra path.
//!
//! # Reference
//! R. C. Maher, "Acoustical characterization of gunshots", IEEE SAFE workshop, 2007.

use serde::{Deserialize, Serialize};

/// Component parameters (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentParams {
    /// Reflections are searched from this long after the main onset...
    pub echo_min_delay_s: f64,
    /// ...to this long after it.
    pub echo_max_delay_s: f64,
    /// A reflection's envelope rises at least this many dB over its mean in the
    /// `echo_lookback_s` before it (a reverberant noise tail fluctuates by a few dB from one
    /// millisecond to the next; a reflection arrives as a step)...
    pub echo_rise_db: f32,
    /// ...(the length of that look-back window, in seconds)...
    pub echo_lookback_s: f64,
    /// ...and reaches at least this fraction of the envelope of the direct sound.
    pub echo_min_fraction: f32,
    /// Envelope: RMS over blocks of this length, in seconds.
    pub envelope_s: f64,
}

impl Default for ComponentParams {
    fn default() -> Self {
        ComponentParams {
            echo_min_delay_s: 0.01,
            echo_max_delay_s: 0.04,
            echo_rise_db: 6.0,
            echo_lookback_s: 0.003,
            echo_min_fraction: 0.2,
            envelope_s: 0.001,
        }
    }
}

/// One component of an event, in seconds on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// `crack` (supersonic N-wave) and `blast` (the muzzle blast after it) for a gunshot-like
    /// event; `precursor` and `main` for another event whose sound starts before its main
    /// body; `direct` when there is a single onset; `echo` for an early reflection.
    pub kind: String,
    /// Onset in seconds.
    pub onset_s: f64,
}

/// Onsets (samples) of reflections after `main_onset` in `x`.
pub fn echoes(x: &[f32], main_onset: usize, sample_rate: u32, p: &ComponentParams) -> Vec<usize> {
    let sr = f64::from(sample_rate);
    let s = |v: f64| ((v * sr).round() as usize).max(1);
    let w = s(p.envelope_s);
    let lo = main_onset + s(p.echo_min_delay_s);
    let hi = (main_onset + s(p.echo_max_delay_s)).min(x.len());
    let back = s(p.echo_lookback_s).div_ceil(w).max(1);
    if lo >= hi || main_onset + 2 * w > x.len() {
        return Vec::new();
    }
    let rms = |c: &[f32]| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt();
    // The direct sound's level: its loudest block in the first 2 blocks after the onset.
    let direct = x[main_onset..main_onset + 2 * w]
        .chunks(w)
        .map(rms)
        .fold(0.0f32, f32::max);
    // Envelope in blocks of `w` samples, from `back` blocks before `lo`.
    let start = lo.saturating_sub(back * w);
    let env: Vec<f32> = x[start..hi].chunks(w).map(rms).collect();
    let ratio = 10f32.powf(p.echo_rise_db / 20.0);
    let level = p.echo_min_fraction * direct;
    let mut out = Vec::new();
    let mut k = back;
    while k < env.len() {
        let before = env[k - back..k].iter().sum::<f32>() / back as f32;
        if env[k] >= level && env[k] >= ratio * before {
            out.push(start + k * w);
            k += back; // one reflection, not each of its blocks
        } else {
            k += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reflection_25_ms_after_the_blast_is_found_and_the_decay_is_not() {
        let sr = 48_000;
        let mut x = vec![0.0f32; 9600];
        let blast = 1000;
        for i in 0..4000 {
            let d = (-(i as f32) / 100.0).exp() * if i % 2 == 0 { 1.0 } else { -1.0 };
            x[blast + i] += d;
        }
        let echo = blast + 1200; // 25 ms
        for i in 0..200 {
            x[echo + i] += 0.4 * (-(i as f32) / 40.0).exp() * if i % 2 == 0 { 1.0 } else { -1.0 };
        }
        let e = echoes(&x, blast, sr, &ComponentParams::default());
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].abs_diff(echo) <= 48, "{e:?}");
        let none = echoes(&x[..echo], blast, sr, &ComponentParams::default());
        assert!(none.is_empty(), "{none:?}");
    }
}
