//! Estimating a transcript's clock offset (and, optionally, a frame-rate speed ratio) from the
//! audio, the way ffsubsync does: speech activity at 100 Hz against cue activity,
//! cross-correlated with an FFT, the best lag taken.
//!
//! Speech activity is *voiced* activity: a frame counts when it is periodic at a voice pitch
//! (normalised autocorrelation at 80-400 Hz) clearly above the clip's usual. Bangs, claps,
//! wind and engine noise are not periodic at voice pitch, so they do not count; a stationary
//! hum is periodic but raises the clip's median voicing, which the threshold follows.
//!
//! Convention (the devset's): `transcript_time = speed_ratio * audio_time + offset_s`.
//!
//! # References
//! A. Smith, ffsubsync (github.com/smacke/ffsubsync): VAD-vs-subtitle cross-correlation.
//! A. de Cheveigné and H. Kawahara, "YIN", JASA 111(4), 2002 (periodicity).

use serde::{Deserialize, Serialize};

use super::Cue;
use crate::detect::evidence::Voicing;

/// Sync parameters (echoed in every report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncParams {
    /// Activity frame rate, frames per second.
    pub frame_rate_hz: f64,
    /// Window over which a frame's periodicity is measured, in seconds: 30 ms holds 2.4
    /// periods of an 80 Hz voice, and times the edges of speech finer than 40 ms did (devset:
    /// unshifted max error 35 ms against 60 ms).
    pub window_s: f64,
    /// A frame is voiced at or above this normalised autocorrelation...
    pub min_voicing: f64,
    /// ...and at least this far above the clip's median voicing, so a periodic background (a
    /// hum, an engine) does not count as speech throughout. No level condition: a recorder's
    /// AGC holds the level constant through speech, while periodicity survives it.
    pub voicing_above_median: f64,
    /// Frames this close before a voiced frame count as speech too: the consonant before a
    /// vowel, which a transcript's cue spans as well...
    pub voiced_reach_s: f64,
    /// ...and frames this close after one: the decaying, reverberant end of a word, which a
    /// cue also spans (on the devset, 0.05 s left the estimates about 40 ms early, 0.1-0.15 s
    /// centred them).
    pub voiced_reach_after_s: f64,
    /// Largest |offset| searched, in seconds.
    pub max_offset_s: f64,
    /// Speed ratios tried with `--sync auto` (1 plus the common frame-rate conversions).
    pub speed_ratios: Vec<f64>,
    /// The estimate is applied when its confidence reaches this (0..1): the best lag must
    /// beat every lag more than `rival_exclusion_s` away by half again (1 / 0.65). On the
    /// devset the wrong estimates had confidence 0.06-0.25 and the right ones 0.47-0.75
    /// (`examples/sync_eval.rs`).
    pub min_confidence: f64,
    /// Lags closer than this to the best one do not count as rivals for the confidence.
    pub rival_exclusion_s: f64,
    /// Lags whose correlation is within this fraction of the best form its flat top, whose
    /// middle is taken.
    pub plateau_tolerance: f64,
}

impl Default for SyncParams {
    fn default() -> Self {
        SyncParams {
            frame_rate_hz: 100.0,
            window_s: 0.03,
            min_voicing: 0.5,
            voicing_above_median: 0.15,
            voiced_reach_s: 0.05,
            voiced_reach_after_s: 0.12,
            max_offset_s: 120.0,
            speed_ratios: vec![1.0],
            min_confidence: 0.35,
            rival_exclusion_s: 1.0,
            plateau_tolerance: 0.02,
        }
    }
}

/// The frame-rate conversions tried with `--sync-speed`: 23.976, 24 and 25 fps against one
/// another.
pub const FRAME_RATE_RATIOS: [f64; 7] = [
    1.0,
    24.0 / 23.976,
    23.976 / 24.0,
    25.0 / 24.0,
    24.0 / 25.0,
    25.0 / 23.976,
    23.976 / 25.0,
];

/// The result of a sync search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SyncEstimate {
    /// Transcript time minus audio time (at the audio's start), in seconds.
    pub offset_s: f64,
    /// Transcript seconds per audio second.
    pub speed_ratio: f64,
    /// 1 - (best rival's correlation / best correlation), 0..1.
    pub confidence: f64,
    /// Share of frames that were voiced.
    pub voiced_share: f64,
}

/// Voiced activity (0/1) of mono `x` at `p.frame_rate_hz`.
pub fn speech_activity(x: &[f32], sample_rate: u32, p: &SyncParams) -> Vec<f32> {
    let sr = f64::from(sample_rate);
    let hop = ((sr / p.frame_rate_hz).round() as usize).max(1);
    let win = ((p.window_s * sr).round() as usize).max(hop);
    let n = x.len().div_ceil(hop);
    let plan = Voicing::new(win);
    let lag_lo = (sr / 400.0).floor() as usize;
    let lag_hi = (sr / 80.0).ceil() as usize;
    let mut voicing = Vec::with_capacity(n);
    for k in 0..n {
        let a = (k * hop).saturating_sub(win / 2).min(x.len());
        let b = (a + win).min(x.len());
        voicing.push(plan.max_normalised(&x[a..b], lag_lo.max(1), lag_hi));
    }
    let mut sorted = voicing.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let threshold = p.min_voicing.max(median + p.voicing_above_median);
    let voiced: Vec<bool> = voicing.iter().map(|v| *v >= threshold).collect();
    // A frame is speech when a voiced frame lies at most `reach_after` frames before it (the
    // decaying end of a word) or `reach_before` frames after it (the consonant before a vowel).
    let frames = |s: f64| (s * p.frame_rate_hz).round() as usize;
    let (after, before) = (frames(p.voiced_reach_after_s), frames(p.voiced_reach_s));
    let mut since = vec![usize::MAX; n]; // frames since the last voiced frame
    let mut until = vec![usize::MAX; n]; // frames until the next voiced frame
    let mut last = None;
    for k in 0..n {
        if voiced[k] {
            last = Some(k);
        }
        if let Some(j) = last {
            since[k] = k - j;
        }
    }
    last = None;
    for k in (0..n).rev() {
        if voiced[k] {
            last = Some(k);
        }
        if let Some(j) = last {
            until[k] = j - k;
        }
    }
    (0..n)
        .map(|k| f32::from(u8::from(since[k] <= after || until[k] <= before)))
        .collect()
}

/// Cue activity (0/1) at `frame_rate_hz` on the transcript's clock, `len` frames.
fn cue_activity(cues: &[Cue], frame_rate_hz: f64, speed: f64, len: usize) -> Vec<f32> {
    // Sampled on the audio clock: frame n (audio time n/fr) is transcript time speed * n / fr.
    let mut out = vec![0.0f32; len];
    for c in cues {
        let a = (c.start_s / speed * frame_rate_hz).round().max(0.0) as usize;
        let b = (c.end_s / speed * frame_rate_hz).round().max(0.0) as usize;
        for v in out.iter_mut().take(b.min(len)).skip(a.min(len)) {
            *v = 1.0;
        }
    }
    out
}

/// Estimates the offset (and speed ratio among `p.speed_ratios`) of `cues` against the audio
/// activity `activity` (from [`speech_activity`]). `None` when there is nothing to match.
pub fn estimate(activity: &[f32], cues: &[Cue], p: &SyncParams) -> Option<SyncEstimate> {
    let voiced = activity.iter().filter(|&&v| v > 0.0).count();
    if cues.is_empty() || voiced == 0 {
        return None;
    }
    let fr = p.frame_rate_hz;
    let max = (p.max_offset_s * fr).round() as usize;
    let mean_a = voiced as f64 / activity.len() as f64;
    // Zero-mean speech activity: a cue over silence costs what a cue over speech earns.
    let a: Vec<f32> = activity.iter().map(|v| v - mean_a as f32).collect();
    let mut best: Option<(f64, f64, Vec<f64>, usize)> = None; // (value, speed, curve, index)
    for &speed in &p.speed_ratios {
        let last = cues.iter().map(|c| c.end_s).fold(0.0, f64::max);
        let len = ((last / speed) * fr).ceil() as usize + 1;
        let g = cue_activity(cues, fr, speed, len);
        let r = crate::signal::xcorr::xcorr(&a, &g, -(max as i64), max as i64);
        let (i, v) =
            r.iter().enumerate().fold(
                (0, f64::NEG_INFINITY),
                |b, (i, v)| if *v > b.1 { (i, *v) } else { b },
            );
        if best.as_ref().is_none_or(|b| v > b.0) {
            best = Some((v, speed, r, i));
        }
    }
    let (value, speed, r, i) = best?;
    if value <= 0.0 {
        return None;
    }
    // When the voiced frames sit inside longer cues, the correlation has a flat top: every
    // lag that keeps them inside scores the same. The middle of the top (lags within
    // `plateau_tolerance` of the best) centres the speech in its cues instead of pushing it to
    // one edge; for a sharp peak it is the peak itself.
    let floor_v = value * (1.0 - p.plateau_tolerance);
    let (mut lo, mut hi) = (i, i);
    while lo > 0 && r[lo - 1] >= floor_v {
        lo -= 1;
    }
    while hi + 1 < r.len() && r[hi + 1] >= floor_v {
        hi += 1;
    }
    let frac = (lo + hi) as f64 / 2.0 - i as f64;
    let lag = i as f64 + frac - max as f64;
    // The correlation is sum a[n] g[n + L]: g at audio frame n + L matches audio frame n, so
    // transcript time speed * (n + L) / fr belongs to audio time n / fr: offset = speed * L / fr.
    let offset_s = speed * lag / fr;
    let excl = (p.rival_exclusion_s * fr).round() as usize;
    let rival = r
        .iter()
        .enumerate()
        .filter(|(j, _)| j.abs_diff(i) > excl)
        .map(|(_, v)| *v)
        .fold(0.0f64, f64::max);
    Some(SyncEstimate {
        offset_s,
        speed_ratio: speed,
        confidence: (1.0 - rival / value).clamp(0.0, 1.0),
        voiced_share: mean_a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(a: f64, b: f64) -> Cue {
        Cue {
            start_s: a,
            end_s: b,
            text: String::new(),
            speaker: None,
            words: Vec::new(),
            line: 0,
        }
    }

    #[test]
    fn a_shifted_transcript_is_found_to_the_frame() {
        // Speech at 2-3 s, 7-8.5 s and 11-11.4 s of a 20 s clip; the transcript is 8.25 s late.
        let mut act = vec![0.0f32; 2000];
        for (a, b) in [(200, 300), (700, 850), (1100, 1140)] {
            act[a..b].fill(1.0);
        }
        let cues: Vec<Cue> = [(2.0, 3.0), (7.0, 8.5), (11.0, 11.4)]
            .iter()
            .map(|(a, b)| cue(a + 8.25, b + 8.25))
            .collect();
        let e = estimate(&act, &cues, &SyncParams::default()).unwrap();
        assert!((e.offset_s - 8.25).abs() <= 0.01, "{e:?}");
        assert!(e.confidence > 0.3, "{e:?}");
        // Early transcripts (negative offsets) too.
        let early: Vec<Cue> = cues
            .iter()
            .map(|c| cue(c.start_s - 9.9, c.end_s - 9.9))
            .collect();
        let e = estimate(&act, &early[1..], &SyncParams::default()).unwrap();
        assert!((e.offset_s - (8.25 - 9.9)).abs() <= 0.01, "{e:?}");
    }

    #[test]
    fn a_frame_rate_conversion_is_found() {
        let mut act = vec![0.0f32; 6000];
        let spans = [
            (300, 420),
            (1500, 1600),
            (2900, 3100),
            (4500, 4550),
            (5600, 5800),
        ];
        for (a, b) in spans {
            act[a..b].fill(1.0);
        }
        let speed = 25.0 / 24.0;
        let cues: Vec<Cue> = spans
            .iter()
            .map(|(a, b)| {
                cue(
                    speed * *a as f64 / 100.0 + 3.0,
                    speed * *b as f64 / 100.0 + 3.0,
                )
            })
            .collect();
        let p = SyncParams {
            speed_ratios: FRAME_RATE_RATIOS.to_vec(),
            ..SyncParams::default()
        };
        let e = estimate(&act, &cues, &p).unwrap();
        assert!((e.speed_ratio - speed).abs() < 1e-9, "{e:?}");
        assert!((e.offset_s - 3.0).abs() <= 0.02, "{e:?}");
    }

    #[test]
    fn a_vowel_is_speech_and_a_bang_is_not() {
        let sr = 16_000;
        let mut x = vec![0.0f32; 3 * sr as usize];
        let mut s = 3u64;
        for v in x.iter_mut() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *v = 0.001 * ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5);
        }
        // A 150 Hz vowel at 0.5-1.0 s; a decaying noise bang at 2.0 s.
        for (i, v) in x.iter_mut().enumerate().take(16_000).skip(8000) {
            let t = i as f32 / sr as f32;
            *v += 0.3 * (2.0 * std::f32::consts::PI * 150.0 * t).sin()
                + 0.1 * (2.0 * std::f32::consts::PI * 300.0 * t).sin();
        }
        for i in 0..4000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            x[32_000 + i] +=
                0.8 * (-(i as f32) / 800.0).exp() * ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5);
        }
        let a = speech_activity(&x, sr, &SyncParams::default());
        let share = |lo: usize, hi: usize| a[lo..hi].iter().sum::<f32>() / (hi - lo) as f32;
        assert!(share(55, 95) > 0.9, "vowel {}", share(55, 95));
        assert!(share(200, 230) < 0.1, "bang {}", share(200, 230));
    }
}
