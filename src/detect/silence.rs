//! Digital silence: runs where every sample is within one 16-bit step of zero, which no
//! microphone records (a mute, an edit, a dropout, a codec's priming), and the sound that
//! resumes after one, which is the recording coming back rather than an impulsive event.
//!
//! A detector sees the end of such a run as a perfect onset: energy from nothing, broadband,
//! "109 dB above background". The demo with 0.3 s of silence put before it reported an event at
//! 0.300 s; with 0.5 s muted at 4.0 s, an event at 4.500 s and a "repeat" of it. Digital
//! silence is also evidence in itself (where a clip was cut or muted), so the runs are
//! reported. The pipeline treats the clip's start as the end of such a run, and an event near
//! a run is measured against the recording's noise, not the run (`features::Channel::silent`).
//!
//! The opposite edge is here too: a clip that begins inside a loud sound ([`begins_inside`]),
//! as one trimmed at a shot does, whose onset precedes the first sample.

use serde::{Deserialize, Serialize};

/// Digital-silence parameters (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SilenceParams {
    /// Whether runs are looked for (and the sound resuming after one set apart).
    pub enabled: bool,
    /// A sample is silent when its magnitude is at most this (full scale 1.0): one step of
    /// 16-bit audio, 2^-15 (-90 dBFS). A microphone's own noise, even a quiet studio
    /// recorder's at -95 dBFS RMS, peaks above it within milliseconds.
    pub level: f32,
    /// A run counts from this many seconds of silent samples (a 100 Hz wave crosses zero
    /// every 5 ms, and it stays within one step of zero for microseconds).
    pub min_s: f64,
    /// A sound whose onset comes within this many seconds after a run ends is the recording
    /// resuming...
    pub resume_s: f64,
    /// ...when its level 120-250 ms after its onset (`features.tail_db`) is above this many dB
    /// relative to its first milliseconds: it does not die away, as an impulsive sound does
    /// (-12 to -20 dB for the demo's sounds; the background resuming after a mute read +0.1
    /// dB, after the priming of AAC in Matroska +6 dB). A shot that opens a noise gate still
    /// dies away, and is reported.
    pub resume_max_tail_db: f64,
    /// ...or when its first [`RESUME_LEVEL_WINDOW_S`] stand less than this many dB above the
    /// same length just before the run: the recording carrying on across the silence at the
    /// level it had, as where audio lost to damage is filled (a 30-minute MP3 with 1,856 such
    /// fills reported 42 sounds 3-12 ms after one that the undamaged file does not have, 37 of
    /// them less than 6 dB above the audio before the fill; of the 15 of its events that did
    /// come right after a fill, 4). A noise gate closes on a falling level and a shot opens it
    /// far above that. None (reports written before it): not applied.
    #[serde(default)]
    pub resume_min_rise_db: Option<f64>,
    /// The clip begins inside a sound when the peak of its first `begins_inside_window_s` is
    /// this many dB above the median power of its 10 ms frames (digital silence left out). Of
    /// the 440 clips of the devset and the six scene sets kept for checking, none begins more
    /// than 12.2 dB above; the demo trimmed to begin 0-3 ms before its shot, 32 dB. Reported
    /// as a warning when no event is reported within `begins_inside_window_s` of the start.
    pub begins_inside_db: f64,
    /// The length of the clip's start that is looked at, in seconds.
    pub begins_inside_window_s: f64,
    /// When the clip begins inside a sound, an event whose onset comes less than this many
    /// seconds after the first sample is that sound, and is not reported: the begins-inside
    /// warning names it instead. Nothing before such an onset shows the sound not yet begun, so
    /// a sound cut in its rise cannot be told from one that begins there, and the measurements
    /// that need a background before it have none. The demo's shot trimmed to begin 0-2 ms
    /// before it is not detected, 3 ms before it is, timed and called gunshot-like; a shot in
    /// faint noise trimmed at its first sample was reported 0.2 ms in, `impulsive`, with a
    /// gunshot score of 0.002 (`tests/cli.rs`).
    pub begins_inside_min_lead_s: f64,
}

impl Default for SilenceParams {
    fn default() -> Self {
        SilenceParams {
            enabled: true,
            level: 1.0 / 32768.0,
            min_s: 0.01,
            resume_s: 0.05,
            resume_max_tail_db: -6.0,
            resume_min_rise_db: Some(6.0),
            begins_inside_db: 20.0,
            begins_inside_window_s: 0.005,
            begins_inside_min_lead_s: 0.001,
        }
    }
}

/// A run of digital silence, in seconds on the decoded timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceSpan {
    /// First silent sample.
    pub start_s: f64,
    /// One past the last silent sample.
    pub end_s: f64,
}

/// The runs (start, end sample, end exclusive) of at least `min_s` where every sample of `x`
/// is within `level` of zero; none when disabled.
pub fn runs(x: &[f32], sample_rate: u32, p: &SilenceParams) -> Vec<(usize, usize)> {
    if !p.enabled {
        return Vec::new();
    }
    let min = ((p.min_s * f64::from(sample_rate)).round() as usize).max(1);
    let mut out = Vec::new();
    let mut start = None;
    for (i, v) in x.iter().enumerate() {
        // NaN never reaches here (the mix is sanitised); it would count as sound.
        let silent = v.abs() <= p.level;
        match (silent, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min {
                    out.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start.filter(|&s| x.len() - s >= min) {
        out.push((s, x.len()));
    }
    out
}

/// The run that ends at most `resume_s` before `onset` (and not after it), if any.
pub fn resumed_after(
    onset: usize,
    runs: &[(usize, usize)],
    sample_rate: u32,
    p: &SilenceParams,
) -> Option<(usize, usize)> {
    let window = (p.resume_s * f64::from(sample_rate)).round() as usize;
    runs.iter()
        .copied()
        .find(|&(_, end)| end <= onset + 1 && onset <= end + window)
}

/// The length (s) of audio compared on either side of a run of silence
/// ([`SilenceParams::resume_min_rise_db`]): a few periods of a voice or a hum.
pub const RESUME_LEVEL_WINDOW_S: f64 = 0.01;

/// What a sound set aside as the recording resuming resumes: the clip itself, or a run of
/// silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resumption {
    /// It starts with the clip (before the first sample there is nothing either: AAC in
    /// Matroska, whose priming nothing trims, began with an event at 0.018 s), and does not
    /// die away.
    ClipStart,
    /// It comes after the run (start, end sample) and does not die away.
    After(usize, usize),
    /// It comes after the run (start, end sample) no more than [`SilenceParams::
    /// resume_min_rise_db`] above the audio before the run: this many dB.
    CarriedOn(usize, usize, f64),
}

/// Whether the sound at `onset` in `x`, whose level 120-250 ms later is `tail_db` relative to
/// its first milliseconds, is the recording resuming (see [`SilenceParams::resume_max_tail_db`]
/// and [`SilenceParams::resume_min_rise_db`]); `runs` are those of [`runs`].
pub fn resumption(
    x: &[f32],
    onset: usize,
    tail_db: f64,
    runs: &[(usize, usize)],
    sample_rate: u32,
    p: &SilenceParams,
) -> Option<Resumption> {
    if !p.enabled {
        return None;
    }
    let goes_on = tail_db > p.resume_max_tail_db;
    // A clip that starts silent is judged by that run.
    let starts_sounding = runs.first().is_none_or(|r| r.0 > 0);
    if starts_sounding && resumed_after(onset, &[(0, 0)], sample_rate, p).is_some() {
        return goes_on.then_some(Resumption::ClipStart);
    }
    let (a, b) = resumed_after(onset, runs, sample_rate, p)?;
    if goes_on {
        return Some(Resumption::After(a, b));
    }
    let min_rise = p.resume_min_rise_db?;
    let n = ((RESUME_LEVEL_WINDOW_S * f64::from(sample_rate)).round() as usize).max(1);
    if a < n || onset + n > x.len() {
        return None;
    }
    let power = |w: &[f32]| w.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / w.len() as f64;
    let rise =
        10.0 * (power(&x[onset..onset + n]).max(1e-20) / power(&x[a - n..a]).max(1e-20)).log10();
    (rise < min_rise).then_some(Resumption::CarriedOn(a, b, rise))
}

impl Resumption {
    /// The warning for a sound at `onset_s` that would have been reported.
    pub fn warning(&self, onset_s: f64, tail_db: f64, sample_rate: u32) -> String {
        let s = |i: usize| i as f64 / f64::from(sample_rate);
        match *self {
            Resumption::ClipStart => format!(
                "the sound at {onset_s:.3} s starts with the clip and does not die away \
                 ({tail_db:+.0} dB at 120-250 ms): the recording starting, not reported as an \
                 event"
            ),
            Resumption::CarriedOn(a, b, rise) => format!(
                "the sound at {onset_s:.3} s resumes after {:.3} s of digital silence ({:.3}-{:.3} \
                 s) at the level the audio had before it ({rise:+.0} dB): the recording carrying \
                 on, not reported as an event",
                s(b - a),
                s(a),
                s(b)
            ),
            Resumption::After(a, b) => format!(
                "the sound at {onset_s:.3} s resumes after {:.3} s of digital silence ({:.3}-{:.3} \
                 s) and does not die away ({tail_db:+.0} dB at 120-250 ms): the recording coming \
                 back, not reported as an event",
                s(b - a),
                s(a),
                s(b)
            ),
        }
    }
}

/// Sounds resuming after digital silence named one by one in the warnings; a clip with many
/// dropouts (a damaged file, whose lost frames are filled with silence) would otherwise give a
/// warning for each, thousands of lines.
pub const MAX_RESUMPTION_WARNINGS: usize = 5;

/// The warnings for the sounds not reported as resuming after silence (`each`, one warning
/// each, in time order): the first [`MAX_RESUMPTION_WARNINGS`], then one line for the rest.
pub fn resumption_warnings(each: Vec<String>) -> Vec<String> {
    named_then_counted(
        each,
        "resume after digital silence and do not die away, or carry on at the level the audio \
         had before it: the recording coming back, not reported as events",
    )
}

/// The warnings for the sounds picked only by a detection frame that runs into digital
/// silence (`each`, in time order): the first [`MAX_RESUMPTION_WARNINGS`], then one line.
pub fn cut_warnings(each: Vec<String>) -> Vec<String> {
    named_then_counted(
        each,
        "were picked by a detector frame that runs into digital silence: not reported (a cut \
         to silence sounds like a click)",
    )
}

/// The first [`MAX_RESUMPTION_WARNINGS`] of `each`, then one line counting the rest, which
/// `what` describes.
fn named_then_counted(mut each: Vec<String>, what: &str) -> Vec<String> {
    let more = each.len().saturating_sub(MAX_RESUMPTION_WARNINGS);
    if more > 0 {
        each.truncate(MAX_RESUMPTION_WARNINGS);
        each.push(format!(
            "{more} more sound(s) {what} (the runs of silence are listed under digital_silence)"
        ));
    }
    each
}

/// The frames (s) whose median power is the clip's level for [`begins_inside`]: long enough
/// to hold a few periods of a voice or a hum, short enough that the clip's quiet stretches count
/// as themselves.
pub const BEGINS_INSIDE_FRAME_S: f64 = 0.01;

/// The clip's start as a sound already under way: the peak of its first
/// `begins_inside_window_s` in dBFS and its height in dB above the median power of the clip's
/// 10 ms frames, when that reaches `begins_inside_db`; none otherwise (or when disabled).
pub fn begins_inside(x: &[f32], sample_rate: u32, p: &SilenceParams) -> Option<(f64, f64)> {
    let sr = f64::from(sample_rate);
    let head = ((p.begins_inside_window_s * sr).round() as usize).clamp(1, x.len().max(1));
    let frame = ((BEGINS_INSIDE_FRAME_S * sr).round() as usize).max(1);
    if !p.enabled || x.len() < 2 * frame {
        return None;
    }
    let floor = f64::from(p.level) * f64::from(p.level);
    let mut power: Vec<f64> = x
        .chunks_exact(frame)
        .map(|c| c.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / frame as f64)
        .filter(|&m| m > floor)
        .collect();
    if power.is_empty() {
        return None;
    }
    let mid = power.len() / 2;
    let median = *power.select_nth_unstable_by(mid, f64::total_cmp).1;
    let peak = f64::from(x[..head].iter().fold(0.0f32, |m, v| m.max(v.abs())));
    let above = 10.0 * (peak * peak / median).log10();
    (above >= p.begins_inside_db).then(|| (20.0 * peak.max(1e-10).log10(), above))
}

/// The warning for a clip that [`begins_inside`] a sound no event accounts for.
/// `parts_s` are the onsets, in seconds, of the sounds found soon enough after the first sample
/// to be parts of that sound (`peaks.min_interval_s`), and so not reported either.
pub fn begins_inside_warning(
    peak_dbfs: f64,
    above_db: f64,
    parts_s: &[f64],
    p: &SilenceParams,
) -> String {
    let mut w = format!(
        "the clip begins inside a loud sound (peak {peak_dbfs:.1} dBFS in its first {:.0} ms, \
         {above_db:.0} dB above the clip's median level) and no event is reported there: its \
         onset is at or before the first sample, or too close to it to be measured against any \
         background (a clip trimmed at a shot, say), so it is neither timed nor classified",
        p.begins_inside_window_s * 1e3
    );
    let at: Vec<String> = parts_s.iter().map(|t| format!("{t:.3} s")).collect();
    match at.len() {
        0 => {}
        1 => w.push_str(&format!(
            ". The onset found at {} is taken as a part of it (an echo, a second report): too \
             soon after it to be another sound, it is not reported either",
            at[0]
        )),
        _ => w.push_str(&format!(
            ". The onsets found at {} are taken as parts of it (echoes, a second report): too \
             soon after it to be other sounds, they are not reported either",
            at.join(", ")
        )),
    }
    w
}

/// What a run is, in words, with the level of `p` (so a changed `level` is not misnamed).
pub fn definition(p: &SilenceParams) -> String {
    format!(
        "every sample at or below {:.0} dBFS for {:.0} ms or more",
        20.0 * f64::from(p.level).max(1e-12).log10(),
        p.min_s * 1e3
    )
}

/// One warning summing up `spans` (found with `p`), when there are any.
pub fn summary(spans: &[SilenceSpan], p: &SilenceParams) -> Option<String> {
    let first = spans.first()?;
    let total: f64 = spans.iter().map(|s| s.end_s - s.start_s).sum();
    Some(format!(
        "{} run(s) of digital silence ({}), {total:.3} s in all, the first at {:.3}-{:.3} s: a \
         mute, an edit, a dropout or a codec's priming, not recorded sound (listed under \
         digital_silence)",
        spans.len(),
        definition(p),
        first.start_s,
        first.end_s
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::noise;

    #[test]
    fn many_sounds_resuming_after_silence_are_named_five_then_counted() {
        let each = |n: usize| (0..n).map(|k| format!("sound {k}")).collect::<Vec<_>>();
        assert_eq!(resumption_warnings(each(5)), each(5));
        let w = resumption_warnings(each(1855));
        assert_eq!(w.len(), 6);
        assert_eq!(w[..5], each(5)[..]);
        assert!(w[5].starts_with("1850 more sound(s) resume after digital silence"));
    }

    #[test]
    fn a_clip_that_begins_inside_a_bang_is_told_from_one_that_begins_in_its_background() {
        let sr = 48_000;
        let p = SilenceParams::default();
        let bed = noise(sr as usize, 0.01, 3);
        assert_eq!(begins_inside(&bed, sr, &p), None);
        // A decaying burst at full scale from the first sample: 40 dB over the bed.
        let mut cut = bed.clone();
        for (i, v) in cut.iter_mut().take(4800).enumerate() {
            *v += (-(i as f32) / 480.0).exp() * if i % 2 == 0 { 1.0 } else { -1.0 };
        }
        let (peak, above) = begins_inside(&cut, sr, &p).expect("begins inside");
        assert!(peak > -1.0 && above > 35.0, "{peak} {above}");
        let w = begins_inside_warning(peak, above, &[], &p);
        assert!(
            w.starts_with("the clip begins inside a loud sound (peak "),
            "{w}"
        );
        // The same burst 10 ms in is an event of the clip, not its start.
        let mut later = bed.clone();
        for (i, v) in later[480..].iter_mut().take(4800).enumerate() {
            *v += (-(i as f32) / 480.0).exp();
        }
        assert_eq!(begins_inside(&later, sr, &p), None);
        assert_eq!(
            begins_inside(&cut[..100], sr, &p),
            None,
            "too short to judge"
        );
        let off = SilenceParams {
            enabled: false,
            ..p
        };
        assert_eq!(begins_inside(&cut, sr, &off), None);
    }

    #[test]
    fn runs_of_digital_silence_are_found_and_quiet_sound_is_not() {
        let sr = 48_000;
        // Noise at -80 dBFS peak (quieter than any phone's background), muted for 0.5 s at
        // 0.5 s, and 5 ms of zeros at 1.5 s (shorter than `min_s`).
        let mut x = noise(96_000, 1e-4, 5);
        x[24_000..48_000].fill(0.0);
        x[72_000..72_240].fill(0.0);
        let p = SilenceParams::default();
        // (Its edges may take in a noise sample or two that happen to be that small.)
        let found = runs(&x, sr, &p);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.abs_diff(24_000) <= 8 && found[0].1.abs_diff(48_000) <= 8);
        // A clip that starts and ends silent.
        let mut y = vec![0.0f32; 2_000];
        y.extend(noise(2_000, 0.1, 6));
        y.extend(vec![0.0f32; 1_000]);
        assert_eq!(runs(&y, sr, &p), vec![(0, 2_000), (4_000, 5_000)]);
        let off = SilenceParams {
            enabled: false,
            ..p
        };
        assert!(runs(&y, sr, &off).is_empty());
        assert_eq!(
            definition(&p),
            "every sample at or below -90 dBFS for 10 ms or more"
        );
    }

    #[test]
    fn only_a_sound_right_after_a_run_resumes_it() {
        let p = SilenceParams::default();
        let r = [(1_000, 2_000)];
        assert_eq!(resumed_after(2_000, &r, 48_000, &p), Some((1_000, 2_000)));
        assert_eq!(resumed_after(4_400, &r, 48_000, &p), Some((1_000, 2_000)));
        assert_eq!(resumed_after(4_500, &r, 48_000, &p), None);
        assert_eq!(resumed_after(1_500, &r, 48_000, &p), None);
    }

    #[test]
    fn a_sound_that_dies_away_or_rises_over_the_audio_before_is_no_resumption() {
        let p = SilenceParams::default();
        let r = [(10_000, 20_000)];
        // Faint noise, silent over the run, and a sound 20 dB louder from 20,600 (a noise
        // gate opened by it).
        let mut x = noise(40_000, 0.01, 7);
        x[10_000..20_000].fill(0.0);
        x[20_600..21_500].iter_mut().for_each(|v| *v *= 10.0);
        let at = |onset, tail| resumption(&x, onset, tail, &r, 48_000, &p);
        assert_eq!(at(20_600, 0.0), Some(Resumption::After(10_000, 20_000)));
        assert_eq!(at(20_600, -15.0), None);
        assert_eq!(at(864, 6.0), Some(Resumption::ClipStart));
        assert_eq!(at(864, -20.0), None);
        assert_eq!(at(30_000, 0.0), None);
        // The noise carrying on across the run at its level, however it then falls: the
        // recording going on, not a sound (its rise over the 10 ms before the run, about 0 dB).
        match at(20_010, -15.0) {
            Some(Resumption::CarriedOn(10_000, 20_000, rise)) => assert!(rise.abs() < 2.0),
            other => panic!("{other:?}"),
        }
        let unrisen = SilenceParams {
            resume_min_rise_db: None,
            ..p
        };
        assert_eq!(resumption(&x, 20_010, -15.0, &r, 48_000, &unrisen), None);
        // A clip that starts silent is judged by its run, not by its first sample.
        let from_zero = [(0, 2_000)];
        assert_eq!(
            resumption(&x, 2_100, 0.0, &from_zero, 48_000, &p),
            Some(Resumption::After(0, 2_000))
        );
        assert_eq!(resumption(&x, 2_100, -15.0, &from_zero, 48_000, &p), None);
        let off = SilenceParams {
            enabled: false,
            ..p
        };
        assert_eq!(resumption(&x, 864, 6.0, &r, 48_000, &off), None);
    }
}
