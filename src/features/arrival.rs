//! Which side a sound came from: how much later the second channel of a two-microphone
//! recording hears each event than the first (GCC-PHAT, `signal::gcc`), and what that says of
//! a possible echo and of a burst's rounds.
//!
//! A phone or a camera records stereo through two microphones 10-20 cm apart; a sound from one
//! side reaches the nearer first, up to 0.3-0.6 ms earlier. The delay gives the side and, with
//! the spacing (which a clip does not state), the angle; it says nothing of front or back, nor
//! of distance. The direct sound is read: the window starts `lead_s` before the onset and holds
//! `window_s` of the sound, before most of a room's or a street's reflections, which come from
//! elsewhere. The measurement is clear when the phase-transformed correlation peaks at
//! `min_peak` or more and the band's lower and upper parts, measured apart, agree on the delay
//! within `max_band_disagreement_s`: two readings of one delay must agree, and a lossy codec's
//! joint stereo, which codes the upper band of both channels as one (intensity stereo) or
//! loosely (Vorbis's lossy coupling), makes them disagree. Measured on modelled shots between
//! two microphones 15 cm apart in a diffuse background (`scripts/arrival-check.py`), see
//! [`ArrivalParams`].
//!
//! A stereo file whose channels carry one signal (a mono recording copied or panned) has no
//! direction to give: no arrival is reported there.

use serde::{Deserialize, Serialize};

use crate::signal::gcc::PhaseSpectrum;
use crate::units::round_to;

/// How the arrival at the two channels is measured and read (echoed under
/// `params.measure.arrival`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalParams {
    /// Whether the arrival is measured on clips of two or more channels (the first two).
    pub enabled: bool,
    /// The window starts this long (s) before the onset.
    pub lead_s: f64,
    /// ...and holds this long (s) after it: the direct sound and little of what a room returns.
    /// On the modelled scenes of `scripts/arrival-check.py` (reflections from elsewhere 3-40 ms
    /// after the sound, a diffuse tail), at the true onsets, the whole band's delay lay within
    /// 0.1 ms of the truth for 58 % of the shots with 3 ms, 64 % with 5, 81 % with 10 and 73 %
    /// with 20 ms: a shorter window holds too little of a low, dull shot, a longer one more of
    /// what comes from elsewhere.
    pub window_s: f64,
    /// Delays up to this (s) either way are searched: 1 ms is 34 cm of path, more than a
    /// phone's or a camera's two microphones span.
    pub max_lag_s: f64,
    /// The band read (Hz; its top at most 0.45 times the sample rate): below 300 Hz a
    /// wavelength (over 1 m) turns too little of its phase over 20 cm for a delay to be read.
    pub band_hz: [f64; 2],
    /// The band's lower and upper parts, read apart to check each other, meet here (Hz).
    pub split_hz: f64,
    /// A clear delay peaks at least this high (0..1, the mean agreement of the band's phases).
    pub min_peak: f64,
    /// ...and the two parts of the band agree on it within this (s).
    pub max_band_disagreement_s: f64,
    /// Two sounds whose delays differ by no more than this (s) reach the channels alike: from
    /// one direction as far as two microphones can tell.
    pub same_direction_s: f64,
    /// Speed of sound (m/s), for the path difference a delay stands for.
    pub speed_of_sound_m_s: f64,
    /// A stream coded at fewer kbit/s than this per channel (its stated bit rate over its
    /// channels) gives no clear arrival, and the report says why: at low rates lossy codecs
    /// code the two channels' upper bands as one (intensity or parametric stereo) or loosely,
    /// and the delay between them is no longer the microphones'. On the scenes of
    /// `scripts/arrival-check.py`, the side of the clear arrivals was right for 100 % of the
    /// shots as recorded and through AAC at 128 kbit/s (64 per channel), 82 % at 64 kbit/s and
    /// 55 % (a coin) at 32; through Opus at 64 and 32 kbit/s 95 and 94 %.
    pub min_kbps_per_channel: f64,
}

impl Default for ArrivalParams {
    fn default() -> Self {
        ArrivalParams {
            enabled: true,
            lead_s: 0.001,
            window_s: 0.01,
            max_lag_s: 0.001,
            band_hz: [300.0, 8000.0],
            split_hz: 2000.0,
            min_peak: 0.3,
            max_band_disagreement_s: 0.000_05,
            same_direction_s: 0.000_1,
            speed_of_sound_m_s: 343.0,
            min_kbps_per_channel: 48.0,
        }
    }
}

impl ArrivalParams {
    /// Off: what reports and parameter files written before it read as.
    pub fn off() -> Self {
        ArrivalParams {
            enabled: false,
            ..ArrivalParams::default()
        }
    }
}

/// How the event reached the recording's first two channels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    /// How much later (ms) channel 2 heard the sound than channel 1; negative: earlier. Over
    /// the whole band (`params.measure.arrival.band_hz`).
    pub lag_ms: f64,
    /// The path difference that delay stands for (m, at the speed of sound echoed in the
    /// parameters), signed as the lag: a lower bound on the microphones' spacing.
    pub path_difference_m: f64,
    /// How clearly the two channels agree on it: the phase-transformed correlation's peak
    /// (0..1; unrelated noise about 0.1-0.25).
    pub peak: f64,
    /// The delay read on the band's lower part alone (ms).
    pub low_band_lag_ms: Option<f64>,
    /// ...and on its upper part alone (ms).
    pub high_band_lag_ms: Option<f64>,
    /// Whether the delay is clear: `peak` at or above `min_peak` and the two parts within
    /// `max_band_disagreement_s` of each other. Only a clear arrival is put in words.
    pub clear: bool,
    /// Whether it was read on the muzzle blast (the `blast` component) rather than the onset:
    /// a supersonic shot's crack comes first, but from where the bullet passed, and the
    /// blast after it from the shooter. Absent (false) otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub of_blast: bool,
}

/// The warning for a stream coded at `kbps_per_channel` kbit/s per channel, below
/// `min_kbps_per_channel`; `None` at or above it or where the rate is not known.
pub fn low_rate_warning(kbps_per_channel: Option<f64>, p: &ArrivalParams) -> Option<String> {
    let k = kbps_per_channel?;
    (k < p.min_kbps_per_channel).then(|| {
        format!(
            "the audio is coded at {k:.0} kbit/s per channel (below {:.0}): at such rates lossy \
             codecs code the two channels' upper bands as one, so no arrival is read as a \
             direction (params.measure.arrival.min_kbps_per_channel)",
            p.min_kbps_per_channel
        )
    })
}

/// Correlation at zero lag at or above which two channels are one signal (a mono recording
/// copied to both, or panned): a pair of microphones, each with its own self-noise, does not
/// come this close even for a sound straight ahead.
pub const ONE_SIGNAL_CORRELATION: f64 = 0.9999;

/// The arrival of the sound whose window is `a` in channel 1 and `b` in channel 2 (the same
/// samples of each), or `None` where there is nothing to read: one signal in both channels,
/// silence in either, or a band empty at this sample rate.
pub fn measure(a: &[f32], b: &[f32], sample_rate: u32, p: &ArrivalParams) -> Option<Arrival> {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let dot = |x: &[f32], y: &[f32]| {
        x.iter()
            .zip(y)
            .map(|(u, v)| f64::from(*u) * f64::from(*v))
            .sum::<f64>()
    };
    let (ea, eb) = (dot(a, a), dot(b, b));
    if ea <= 0.0 || eb <= 0.0 || dot(a, b).abs() / (ea * eb).sqrt() >= ONE_SIGNAL_CORRELATION {
        return None;
    }
    let sr = f64::from(sample_rate);
    let max_lag = (p.max_lag_s * sr).round().max(1.0) as usize;
    let top = p.band_hz[1].min(0.45 * sr);
    let spectrum = PhaseSpectrum::new(a, b, sample_rate, max_lag);
    let whole = spectrum.delay(p.band_hz[0], top, max_lag)?;
    let low = spectrum.delay(p.band_hz[0], p.split_hz.min(top), max_lag);
    let high = (top > p.split_hz)
        .then(|| spectrum.delay(p.split_hz, top, max_lag))
        .flatten();
    let agree = match (low, high) {
        (Some(l), Some(h)) => (l.lag_s - h.lag_s).abs() <= p.max_band_disagreement_s + 1e-12,
        _ => false,
    };
    let ms = |d: crate::signal::gcc::Delay| round_to(d.lag_s * 1e3, 4);
    Some(Arrival {
        lag_ms: ms(whole),
        path_difference_m: round_to(whole.lag_s * p.speed_of_sound_m_s, 4),
        peak: round_to(whole.peak.abs(), 3),
        low_band_lag_ms: low.map(ms),
        high_band_lag_ms: high.map(ms),
        clear: whole.peak.abs() >= p.min_peak && agree,
        of_blast: false,
    })
}

/// The arrival in words, for a clear one: which channel heard it first, by how much, over what
/// path.
pub fn reason(a: &Arrival, p: &ArrivalParams) -> Option<String> {
    if !a.clear {
        return None;
    }
    let lag = a.lag_ms.abs();
    let what = if a.of_blast { "its muzzle blast " } else { "" };
    if lag * 1e-3 <= p.max_band_disagreement_s {
        return Some(format!(
            "{what}reached both channels together ({lag:.2} ms apart): from straight ahead of or \
             behind the two microphones, or the channels carry one recording"
        ));
    }
    let (first, later) = if a.lag_ms > 0.0 {
        ("channel 1 (left)", "channel 2 (right)")
    } else {
        ("channel 2 (right)", "channel 1 (left)")
    };
    let crack = if a.of_blast {
        " (the crack before it comes from where the bullet passed, not from the shooter)"
    } else {
        ""
    };
    Some(format!(
        "{what}reached {first} {lag:.2} ms before {later} (a path {:.0} cm shorter): from the \
         side of {first}{crack}",
        a.path_difference_m.abs() * 100.0
    ))
}

/// What the arrivals say of a possible echo (`echo`) of a sound (`source`), appended to the
/// doubt's reason: whether it came from that sound's direction (their delays within
/// `same_direction_s`); `None` unless both are clear.
pub fn echo_clause(echo: &Arrival, source: &Arrival, p: &ArrivalParams) -> Option<String> {
    if !(echo.clear && source.clear) {
        return None;
    }
    let same = (echo.lag_ms - source.lag_ms).abs() * 1e-3 <= p.same_direction_s + 1e-12;
    Some(if same {
        format!(
            "; it reaches the two channels as that sound did ({:+.2} ms against {:+.2} ms): from \
             the same direction, as another shot from the same place would, or a reflection off \
             a surface behind the shooter",
            echo.lag_ms, source.lag_ms
        )
    } else {
        format!(
            "; it reaches the two channels otherwise than that sound did ({:+.2} ms against \
             {:+.2} ms): from another direction, as a reflection off a surface to one side \
             would, or a shot from elsewhere",
            echo.lag_ms, source.lag_ms
        )
    })
}

/// The directions a burst's rounds come from, where two or more are clear.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurstArrivals {
    /// How many of its rounds have a clear arrival.
    pub clear: usize,
    /// The earliest and latest of their delays (ms, channel 2 after channel 1).
    pub lag_min_ms: f64,
    /// See `lag_min_ms`.
    pub lag_max_ms: f64,
    /// Whether they all lie within `same_direction_s` of one another: one direction as far as
    /// the channels tell.
    pub one_direction: bool,
}

/// The burst's arrivals from its rounds' (`None` for a round without one); `None` unless two or
/// more are clear.
pub fn burst(rounds: &[Option<&Arrival>], p: &ArrivalParams) -> Option<BurstArrivals> {
    let lags: Vec<f64> = rounds
        .iter()
        .flatten()
        .filter(|a| a.clear)
        .map(|a| a.lag_ms)
        .collect();
    if lags.len() < 2 {
        return None;
    }
    let lo = lags.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = lags.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(BurstArrivals {
        clear: lags.len(),
        lag_min_ms: lo,
        lag_max_ms: hi,
        one_direction: (hi - lo) * 1e-3 <= p.same_direction_s + 1e-12,
    })
}

/// A burst's arrivals in words, for its line.
pub fn burst_phrase(b: &BurstArrivals) -> String {
    if b.one_direction {
        format!(
            "; {} of its rounds reach the two channels alike ({:+.2} to {:+.2} ms): from one \
             direction",
            b.clear, b.lag_min_ms, b.lag_max_ms
        )
    } else {
        format!(
            "; {} of its rounds reach the two channels differently ({:+.2} to {:+.2} ms): from \
             more than one direction (two places, a moving shooter or microphone, or echoes \
             among them)",
            b.clear, b.lag_min_ms, b.lag_max_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic white noise in [-1, 1).
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        crate::testutil::noise(n, 1.0, seed)
    }

    /// A decaying noise burst at sample 200 of 1000, in channel 2 `d` whole samples after
    /// channel 1, over independent noise `bed` times as loud in each channel.
    fn pair(d: i64, bed: f32) -> (Vec<f32>, Vec<f32>) {
        let s = noise(1000, 9);
        let burst: Vec<f32> = (0..1000)
            .map(|i| {
                if i >= 200 {
                    s[i] * (-((i - 200) as f32) / 150.0).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let (na, nb) = (noise(1000, 10), noise(1000, 11));
        let a = (0..1000).map(|i| burst[i] + bed * na[i]).collect();
        let b = (0..1000)
            .map(|i| {
                let j = i as i64 - d;
                let v = if (0..1000).contains(&j) {
                    burst[j as usize]
                } else {
                    0.0
                };
                v + bed * nb[i]
            })
            .collect();
        (a, b)
    }

    #[test]
    fn a_sound_from_one_side_is_clear_and_said_which_side() {
        let p = ArrivalParams::default();
        // 10 samples at 48 kHz: 0.208 ms, 7 cm.
        let (a, b) = pair(10, 0.05);
        let got = measure(&a[150..], &b[150..], 48_000, &p).unwrap();
        assert!((got.lag_ms - 10.0 / 48.0).abs() < 0.005, "{got:?}");
        assert!(got.clear, "{got:?}");
        assert!((got.path_difference_m - 0.0715).abs() < 0.002, "{got:?}");
        let r = reason(&got, &p).unwrap();
        assert!(
            r.starts_with("reached channel 1 (left) 0.21 ms before channel 2"),
            "{r}"
        );
        let (a, b) = pair(-10, 0.05);
        let got = measure(&a[150..], &b[150..], 48_000, &p).unwrap();
        assert!(
            reason(&got, &p)
                .unwrap()
                .starts_with("reached channel 2 (right)")
        );
        let (a, b) = pair(0, 0.05);
        let got = measure(&a[150..], &b[150..], 48_000, &p).unwrap();
        assert!(
            reason(&got, &p)
                .unwrap()
                .starts_with("reached both channels together")
        );
        // Read on a shot's muzzle blast, it says so and why.
        let (a, b) = pair(10, 0.05);
        let blast = Arrival {
            of_blast: true,
            ..measure(&a[150..], &b[150..], 48_000, &p).unwrap()
        };
        let r = reason(&blast, &p).unwrap();
        assert!(
            r.starts_with("its muzzle blast reached channel 1 (left)") && r.contains("bullet"),
            "{r}"
        );
    }

    #[test]
    fn noise_alone_is_not_clear_and_one_signal_twice_has_no_arrival() {
        let p = ArrivalParams::default();
        let (a, b) = (noise(1000, 1), noise(1000, 2));
        let got = measure(&a, &b, 48_000, &p).unwrap();
        assert!(!got.clear, "{got:?}");
        assert!(reason(&got, &p).is_none());
        let half: Vec<f32> = a.iter().map(|v| 0.5 * v).collect();
        assert!(measure(&a, &half, 48_000, &p).is_none());
        assert!(measure(&a, &vec![0.0; 1000], 48_000, &p).is_none());
    }

    #[test]
    fn the_two_parts_of_the_band_must_agree() {
        // Channel 2 is channel 1 delayed by 10 samples below 2 kHz and undelayed above it, as a
        // codec that codes the upper band of both channels as one leaves it: not clear.
        let p = ArrivalParams::default();
        let (a, b) = pair(10, 0.0);
        let n = 1024;
        let mut planner = realfft::RealFftPlanner::<f64>::new();
        let fwd = planner.plan_fft_forward(n);
        let inv = planner.plan_fft_inverse(n);
        let spec = |x: &[f32]| {
            let mut i: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
            i.resize(n, 0.0);
            let mut o = fwd.make_output_vec();
            let _ = fwd.process(&mut i, &mut o);
            o
        };
        let (fa, fb) = (spec(&a), spec(&b));
        let cut = (2000.0 / 48_000.0 * n as f64) as usize;
        let mut mixed: Vec<_> = (0..fa.len())
            .map(|k| if k < cut { fb[k] } else { fa[k] })
            .collect();
        let mut out = inv.make_output_vec();
        let _ = inv.process(&mut mixed, &mut out);
        let b2: Vec<f32> = out
            .iter()
            .take(1000)
            .map(|v| (*v / n as f64) as f32)
            .collect();
        let got = measure(&a[150..], &b2[150..], 48_000, &p).unwrap();
        assert!(!got.clear, "{got:?}");
        let (lo, hi) = (got.low_band_lag_ms.unwrap(), got.high_band_lag_ms.unwrap());
        assert!(
            (lo - 10.0 / 48.0).abs() < 0.03 && hi.abs() < 0.01,
            "{got:?}"
        );
    }

    #[test]
    fn echoes_and_bursts_are_read_by_their_directions() {
        let p = ArrivalParams::default();
        let at = |lag_ms: f64, clear: bool| Arrival {
            lag_ms,
            path_difference_m: lag_ms * 0.343,
            peak: 0.5,
            low_band_lag_ms: Some(lag_ms),
            high_band_lag_ms: Some(lag_ms),
            clear,
            of_blast: false,
        };
        let shot = at(0.2, true);
        assert!(
            echo_clause(&at(0.25, true), &shot, &p)
                .unwrap()
                .contains("from the same direction")
        );
        assert!(
            echo_clause(&at(-0.1, true), &shot, &p)
                .unwrap()
                .contains("from another direction")
        );
        assert!(echo_clause(&at(-0.1, false), &shot, &p).is_none());
        let (x, y, z) = (at(0.2, true), at(0.24, true), at(-0.3, true));
        let one = burst(&[Some(&x), None, Some(&y)], &p).unwrap();
        assert!(one.one_direction && one.clear == 2, "{one:?}");
        assert!(burst_phrase(&one).contains("from one direction"));
        let two = burst(&[Some(&x), Some(&y), Some(&z)], &p).unwrap();
        assert!(!two.one_direction && two.clear == 3, "{two:?}");
        assert!(burst(&[Some(&x), Some(&at(0.0, false))], &p).is_none());
    }
}
