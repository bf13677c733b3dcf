//! Speech heard in the audio, frame by frame: the Silero VAD v5 speech detector, run in plain
//! Rust from its published weights, so that word onsets can be set aside without a transcript.
//!
//! The detector's commonest false event is the first syllable of a word after a pause
//! (`detect::syllables` says why, and what a transcript does about it). Without captions, the
//! audio must say where words are spoken. Hand-made voicing measures could not: the ringing of a
//! knock or a struck object is periodic too, and a voice-activity track built on autocorrelation
//! lost as many knocks as it gained syllables (docs/detection-notes.md, ninth session). A
//! detector trained on thousands of hours of speech against noise, music and impacts can: Silero
//! VAD (Silero Team, "Silero VAD: pre-trained enterprise-grade Voice Activity Detector",
//! <https://github.com/snakers4/silero-vad>, 2024; MIT licence, in assets/silero-vad/LICENSE)
//! gives each 32 ms of 16 kHz audio a probability that it holds speech.
//!
//! It decides only where speech is heard. It never decides what an event is: the rule that uses
//! it (`judge`) applies only to sounds already called plain `impulsive` whose onset spectrum is
//! coloured like a voice's, and every sound it sets aside is listed with its reason.
//!
//! The network, as exported to ONNX (silero_vad_16k_op15.onnx in the `silero-vad` 6.2.3 wheel;
//! scripts/export-silero.py writes its weights to assets/silero-vad/silero_vad_16k.bin), per
//! 512-sample chunk with the 64 samples before it as context:
//!
//! 1. the 576 samples, reflected by 64 at the end, cut into four 256-sample frames 128 apart;
//!    the magnitudes of their 129-bin DFTs under a periodic Hann window (the model's first layer
//!    is exactly that transform; computed here with realfft);
//! 2. four 1-D convolutions (kernel 3, padding 1; strides 1, 2, 2, 1; 129→128→64→64→128
//!    channels), each followed by a ReLU, down to one 128-vector;
//! 3. one LSTM cell (128 hidden; gates input, forget, cell, output, as PyTorch orders them),
//!    its state carried from chunk to chunk;
//! 4. a ReLU, a 128→1 projection and a sigmoid: the probability.
//!
//! Written here rather than run by an ONNX runtime: the crates that run ONNX either download a
//! native library at build time (ort) or, as reported for an earlier version of this model,
//! stop at its `If` nodes (tract, snakers4/silero-vad#345), and the network is 250 thousand
//! weights in four layers. On the 50 chunks of the unit test's excerpt it agrees with
//! onnxruntime 1.32 to 5.8e-7 at most (the test keeps onnxruntime's values, to six decimals,
//! and asks for 1e-4).

use std::sync::{Arc, OnceLock};

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::units::round_to;

/// The rate (Hz) the network was trained at; audio is resampled to it.
pub const RATE: u32 = 16_000;
/// Samples of 16 kHz audio per probability.
const CHUNK: usize = 512;
/// Samples before each chunk given to the network with it.
const CONTEXT: usize = 64;
/// DFT length of the network's front end, and its hop.
const N_FFT: usize = 256;
const HOP: usize = 128;
const BINS: usize = N_FFT / 2 + 1;
const HIDDEN: usize = 128;

/// Seconds of audio per probability (512 samples at 16 kHz).
pub const FRAME_S: f64 = CHUNK as f64 / RATE as f64;

/// Parameters of the speech rule (echoed in every report under `params.speech`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeechParams {
    /// Whether word onsets are set aside where the audio holds speech (when no captions on the
    /// audio's clock are given; captions take precedence).
    pub enabled: bool,
    /// A 32 ms frame holds speech when the detector's probability reaches this. Silero's own
    /// default is 0.5; a higher bar asks for speech the detector is sure of, since a knock heard
    /// through a voice is what must not be lost. On the devset (without captions) 0.5-0.9 give
    /// an F1 of 0.821-0.829 (docs/detection-notes.md, tenth session).
    pub min_probability: f64,
    /// Speech is looked for in this long (s) from a sound's onset: the first syllable of the
    /// word it would begin (syllables last 100-300 ms; S. Greenberg, "Speaking in shorthand",
    /// Speech Communication 29, 1999).
    pub window_s: f64,
    /// ...and must fill at least this much of it (s, in whole 32 ms frames, rounded up): a
    /// voice goes on after its first plosive, while a knock or a blow moves the detector for a
    /// frame or two (dev_000's two door knocks read 0.83-0.84 for two frames and 0.89 for
    /// one).
    pub min_speech_s: f64,
    /// Where a voice-coloured sound is not followed by speech heard as recorded, the detector
    /// listens again to the stretch played this many times slower (pitch, formants and
    /// syllable rate all divided by it; [`slowed_between`]), and a frame holds speech when
    /// either hearing finds it there; 1 or less: no second hearing. Silero was trained on
    /// natural voices; a voice pitched and sped up (a game's or a cartoon's, a video reposted
    /// at 1.5-2x) lies outside them and is heard in pieces or not at all until it is brought
    /// back down, as a recogniser's frequency warping brings a speaker's formants to its models
    /// (L. Lee and R. C. Rose, "A frequency warping approach to speaker normalization", IEEE
    /// TSAP 6(1), 1998). Heard so over whole clips, 1.5 raises the share of the devset's
    /// labelled speech frames reaching 0.7 from 0.55 to 0.69 (dev_007's Hedgewars lines among them) and of the
    /// frames away from speech from 0.02 % to 0.03 %. End to end, with
    /// `slowed_min_speech_s`: the devset's detections matching no label 11 -> 4 (word onsets
    /// in espeak and Hedgewars voices), the OpenArena sets' 77/88/92 -> 74/87/91, no labelled
    /// sound lost on any of the seven sets (docs/detection-notes.md, twentieth session). Asked
    /// only about those stretches, it costs little (30 minutes analysed in 6.98 s against 6.79;
    /// over the whole clip, 10.2 s).
    pub slowed: f64,
    /// ...and when only the slowed hearing finds speech after a sound, it must fill this much
    /// of the window (s, in whole 32 ms frames, rounded up) instead of `min_speech_s`: a
    /// second hearing of audio played unnaturally is asked to be twice as sure. A knock's
    /// ringing, slowed, can hold the detector too: at 0.1 s the slowed hearing set aside three
    /// labelled sounds on the devset (a knock 0.64 s after a voice, 4 frames up to 0.89; a
    /// knock and a clap inside words, 4-5 frames) and a footstep in a word on an OpenArena set,
    /// against 5 to 10 frames for the word onsets it found; at 0.2 s, none of them.
    pub slowed_min_speech_s: f64,
    /// A clip whose largest |sample| is below this level (dBFS) is heard by the detector as
    /// if it peaked there ([`hearing_gain`]); none: every clip as recorded. Silero's
    /// probabilities depend on the level they are given: the devset decoded and played 30 dB
    /// quieter (peaks -45 to -30 dBFS, every sample scaled alike) heard far less of its speech,
    /// and 37 more word onsets were reported as sounds (impulsive-event F1 0.856 -> 0.801,
    /// precision 0.974 -> 0.839); a distant phone, a quiet body-cam channel or an editor's
    /// gain would change what is set aside. Brought to full scale, every clip (0.852), the
    /// detector also hears louder clips louder than the rule was measured at: the devset and
    /// four of the ten check sets lost 0.002-0.003 in F1, a fresh modelled set 0.004 (more
    /// knocks heard as a voice). A floor raises only the quiet ones. At -20 dBFS (the
    /// thirty-third session's, below every devset clip) the devset played 20 dB quieter still
    /// lost 12 word onsets to the reported sounds (F1 0.860 -> 0.843, as float WAV): its clips
    /// peak at -15 to 0 dBFS, so raised only to -20 they were heard 5-20 dB below their own
    /// level. At -10 dBFS (3 of the devset's 20 clips and 170 of eight check sets' 480 peak below)
    /// the devset 20 dB quieter reads 0.859, modelled 51 20 dB quieter 1,146 labelled / 40
    /// false events against 1,143 / 42 as made; as recorded the devset gains one labelled
    /// sound (0.858 -> 0.860), and over the ten check sets two labelled sounds are lost, one
    /// gained and one false event fewer; at -6 dBFS the modelled sets' ringing knocks start
    /// to be heard as a voice (4 labelled sounds lost on each; docs/detection-notes.md,
    /// thirty-seventh session). Only the detector's input is scaled;
    /// every level reported is the clip's own. Reports written before it read as none.
    #[serde(default)]
    pub quiet_peak_dbfs: Option<f64>,
    /// Where speech is heard, reported as spans (`speech_heard`) and related to each event.
    pub spans: SpanParams,
}

impl SpeechParams {
    /// The measure for speech found only by the slowed hearing: `slowed_min_speech_s` instead
    /// of `min_speech_s`.
    pub fn surer(&self) -> SpeechParams {
        SpeechParams {
            min_speech_s: self.slowed_min_speech_s,
            ..*self
        }
    }
}

impl Default for SpeechParams {
    fn default() -> Self {
        SpeechParams {
            enabled: true,
            min_probability: 0.7,
            window_s: 0.3,
            min_speech_s: 0.1,
            slowed: 1.5,
            slowed_min_speech_s: 0.2,
            quiet_peak_dbfs: Some(-10.0),
            spans: SpanParams::default(),
        }
    }
}

/// How the frame probabilities become spans of speech: Silero's own segmentation
/// (`get_speech_timestamps` in silero-vad's utils_vad.py), with its defaults, without its
/// 30 ms padding (span edges fall on the 32 ms frames' edges).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanParams {
    /// Whether the spans are reported, with each event's place against them, when no captions
    /// on the audio's clock are given (they then say where words are spoken) and some event is
    /// gunshot- or explosion-like (the detector is not run for clips of knocks and claps alone).
    pub enabled: bool,
    /// A span starts at a frame whose probability reaches this (Silero's default, 0.5)...
    pub threshold: f64,
    /// ...and ends where the probability falls below this (Silero's threshold − 0.15)...
    pub release: f64,
    /// ...for at least this long (s; a shorter dip, a pause between words, stays inside).
    pub min_silence_s: f64,
    /// Spans shorter than this (s) are dropped: a knock or a blow moves the detector for a
    /// frame or two, a word lasts longer (Silero's default, 250 ms).
    pub min_speech_s: f64,
}

impl Default for SpanParams {
    fn default() -> Self {
        SpanParams {
            enabled: true,
            threshold: 0.5,
            release: 0.35,
            min_silence_s: 0.1,
            min_speech_s: 0.25,
        }
    }
}

/// A stretch of the clip where the speech detector hears speech.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeechSpan {
    /// Start in seconds (the first frame reaching `threshold`).
    pub start_s: f64,
    /// End in seconds (where the probability fell below `release`).
    pub end_s: f64,
    /// Highest probability inside (0..1).
    pub max_probability: f64,
}

/// The spans of speech in `track` (Silero's segmentation, see [`SpanParams`]).
pub fn spans(track: &SpeechTrack, p: &SpanParams) -> Vec<SpeechSpan> {
    let frames = |s: f64| (s / FRAME_S).round() as usize;
    let (min_silence, min_speech) = (frames(p.min_silence_s), frames(p.min_speech_s));
    let n = track.probability.len();
    let mut out = Vec::new();
    let mut push = |a: usize, b: usize| {
        if b - a > min_speech {
            let top = track.probability[a..b].iter().copied().fold(0.0, f32::max);
            out.push(SpeechSpan {
                start_s: round_to(a as f64 * FRAME_S, 3),
                end_s: round_to(b as f64 * FRAME_S, 3),
                max_probability: (f64::from(top) * 1000.0).round() / 1000.0,
            });
        }
    };
    let (mut start, mut quiet_from) = (None::<usize>, None::<usize>);
    for (k, &v) in track.probability.iter().enumerate() {
        let v = f64::from(v);
        if v >= p.threshold {
            quiet_from = None;
            start.get_or_insert(k);
            continue;
        }
        let Some(a) = start else { continue };
        if v < p.release {
            let q = *quiet_from.get_or_insert(k);
            if k - q >= min_silence {
                push(a, q);
                (start, quiet_from) = (None, None);
            }
        }
    }
    if let Some(a) = start {
        push(a, quiet_from.unwrap_or(n));
    }
    out
}

/// Where an event sits against the speech heard.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeechRelation {
    /// 1-based index in `speech_heard` of the span containing the onset.
    pub during: Option<usize>,
    /// Seconds from the end of the last span that ended at or before the onset.
    pub after_s: Option<f64>,
    /// Seconds to the start of the first span that starts after the onset.
    pub before_s: Option<f64>,
}

impl SpeechRelation {
    /// The phrase to show beside the event, as for captions (`transcript::relate`), with
    /// "speech" in place of the words no one has transcribed.
    pub fn phrase(&self) -> Option<String> {
        if self.during.is_some() {
            return Some("during speech heard".into());
        }
        match (self.after_s, self.before_s) {
            (Some(a), Some(b)) if b < a => Some(format!("{b:.2} s before speech heard")),
            (Some(a), _) => Some(format!("{a:.2} s after speech heard")),
            (None, Some(b)) => Some(format!("{b:.2} s before speech heard")),
            (None, None) => None,
        }
    }
}

/// The relation of an event at `onset_s` to `spans` (in time order).
pub fn relate(onset_s: f64, spans: &[SpeechSpan]) -> SpeechRelation {
    let round6 = |x: f64| round_to(x.max(0.0), 6);
    SpeechRelation {
        during: spans
            .iter()
            .position(|s| s.start_s <= onset_s && onset_s < s.end_s)
            .map(|i| i + 1),
        after_s: spans
            .iter()
            .rev()
            .find(|s| s.end_s <= onset_s)
            .map(|s| round6(onset_s - s.end_s)),
        before_s: spans
            .iter()
            .find(|s| s.start_s > onset_s)
            .map(|s| round6(s.start_s - onset_s)),
    }
}

/// Speech probabilities of a clip, one per [`FRAME_S`] from its start.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechTrack {
    /// Probability (0..1) that frame k, from `k * FRAME_S` s, holds speech.
    pub probability: Vec<f32>,
}

impl SpeechTrack {
    /// The probabilities of the frames that overlap `[from_s, to_s]` (none outside the clip).
    pub fn between(&self, from_s: f64, to_s: f64) -> &[f32] {
        let n = self.probability.len();
        let a = ((from_s.max(0.0) / FRAME_S).floor() as usize).min(n);
        let b = ((to_s.max(0.0) / FRAME_S).floor() as usize + 1).clamp(a, n);
        &self.probability[a..b]
    }

    /// The highest probability of the frames that overlap `[from_s, to_s]`, or 0 outside the
    /// clip (for tests: the rule counts frames, `judge`).
    #[cfg(test)]
    fn max_between(&self, from_s: f64, to_s: f64) -> f32 {
        self.between(from_s, to_s)
            .iter()
            .copied()
            .fold(0.0, f32::max)
    }
}

/// Why an event of class `class` at `onset_s`, whose onset has spectral flatness `flatness` and
/// centroid `centroid_hz`, is taken for a word's onset because the detector hears speech after
/// it, with the highest probability found; `None` when it stays an event. The colour limits
/// are those of the caption rule (`transcript.syllables`).
pub fn judge(
    onset_s: f64,
    class: &str,
    flatness: f64,
    centroid_hz: f64,
    track: &SpeechTrack,
    p: &SpeechParams,
    colour: &crate::detect::syllables::SyllableParams,
) -> Option<(f64, String)> {
    if !p.enabled || !crate::detect::syllables::voice_coloured(class, flatness, centroid_hz, colour)
    {
        return None;
    }
    let frames = track.between(onset_s, onset_s + p.window_s);
    let heard = heard_frames(frames, p);
    if heard < needed_frames(p) {
        return None;
    }
    let prob = f64::from(frames.iter().copied().fold(0.0, f32::max));
    Some((
        prob,
        format!(
            "speech heard in {heard} of the {} frames of {:.0} ms covering the {:.2} s from its \
             onset (speech detector up to {prob:.2}; at least {:.2} for at least {:.2} s) and \
             its spectrum is voice-coloured (flatness {flatness:.2}, below {:.2}): taken for a \
             word's onset",
            frames.len(),
            FRAME_S * 1000.0,
            p.window_s,
            p.min_probability,
            p.min_speech_s,
            colour.max_flatness
        ),
    ))
}

/// How many of `frames` reach `min_probability`.
fn heard_frames(frames: &[f32], p: &SpeechParams) -> usize {
    frames
        .iter()
        .filter(|&&v| f64::from(v) >= p.min_probability)
        .count()
}

/// How many such frames make speech heard: `min_speech_s` in whole frames, rounded up.
fn needed_frames(p: &SpeechParams) -> usize {
    ((p.min_speech_s / FRAME_S).ceil() as usize).max(1)
}

/// Seconds of audio the detector hears before a stretch asked about on its own
/// ([`heard_between`]): its state settles within a few frames of speech starting or stopping.
pub const LEAD_IN_S: f64 = 0.5;

/// The samples of `x` heard afresh for a question about `[from_s, to_s]`: from [`LEAD_IN_S`]
/// before it to its end, clipped to the clip (shared by [`heard_between`] and
/// [`slowed_between`], so both hear the same stretch).
fn stretch_span(len: usize, sample_rate: u32, from_s: f64, to_s: f64) -> (usize, usize) {
    let sr = f64::from(sample_rate);
    let at = |s: f64| ((s.max(0.0) * sr).round() as usize).min(len);
    let start = at(from_s - LEAD_IN_S);
    (start, at(to_s).max(start))
}

/// Whether speech is heard between `from_s` and `to_s` of `x` (mono, `sample_rate` Hz), by the
/// measure [`judge`] uses (at least `min_speech_s` of the frames there reach
/// `min_probability`), the detector run over that stretch and the [`LEAD_IN_S`] before it only:
/// a question about one second does not cost a pass over the whole clip. When it is not heard
/// as recorded, it is heard again slowed ([`SpeechParams::slowed`], by the surer measure).
pub fn heard_between(
    x: &[f32],
    sample_rate: u32,
    from_s: f64,
    to_s: f64,
    p: &SpeechParams,
    gain: f32,
) -> bool {
    let (start, end) = stretch_span(x.len(), sample_rate, from_s, to_s);
    let stretch = &x[start..end];
    let offset = start as f64 / f64::from(sample_rate);
    let heard = |t: &SpeechTrack, q: &SpeechParams| {
        heard_frames(t.between(from_s - offset, to_s - offset), q) >= needed_frames(q)
    };
    // The recorded hearing once; the slowed one only when it hears nothing.
    let mut t = track(stretch, sample_rate, 1.0, gain);
    heard(&t, p)
        || (p.slowed > 1.0 && {
            raise_by_slowed(&mut t, stretch, sample_rate, p.slowed, gain);
            heard(&t, &p.surer())
        })
}

/// `heard` (the clip's track) up to `to_s`, its frames from `from_s` on replaced by what the
/// detector hears there when that stretch and the [`LEAD_IN_S`] before it are heard afresh, as
/// recorded (`stretch_span`: the stretch [`heard_between`] hears), each fresh frame counting
/// for the frame its centre falls in (a frame none falls in reads 0). The clip's own track
/// hears the clip in 32 ms chunks counted from its first sample, and Silero hears a word
/// differently as the chunks fall on it: dev_003 cut by 8 or 16 ms lost two spans of speech
/// heard at 0.997 (the reference onnxruntime run, shifted by 8 ms: 0.99 -> 0.80), and with
/// them two word onsets set aside. Heard afresh, a sound's stretch and its chunks are its
/// own, wherever the clip was cut. The devset as float WAV, as made / cut by 16 ms / by 2 s:
/// 226 / 223 / 219 labelled sounds with 8 false events in each, against 6 / 9 / 9 from the
/// clip's track. As given, events F1 0.860 -> 0.857 (225 labelled, 6 -> 8 false: dev_003's
/// word onsets at 14.616 and 24.897 s and dev_010's at 11.783 s, set aside uncut only, are
/// reported, and a false event of dev_001 is set aside); the ten check sets 14 labelled
/// sounds more and 6 false events fewer. With a second heard before the sound instead of
/// half: the devset as given 224 / 6, the check sets 9 labelled and 9 false fewer than from
/// the clip's track (docs/detection-notes.md, thirty-seventh session).
pub fn afresh_between(
    heard: &SpeechTrack,
    x: &[f32],
    sample_rate: u32,
    from_s: f64,
    to_s: f64,
    gain: f32,
) -> SpeechTrack {
    let (start, stop) = stretch_span(x.len(), sample_rate, from_s, to_s);
    let fresh = track(&x[start..stop], sample_rate, 1.0, gain);
    laid_over(heard, &fresh, start, sample_rate, (from_s, to_s), true)
}

/// `heard` (the track a sound was judged on: [`afresh_between`]'s) up to `to_s`, its frames over
/// `[from_s, to_s]` raised to what the detector hears there when that stretch and the
/// [`LEAD_IN_S`] before it are heard afresh, as recorded and played `p.slowed` times slower
/// ([`track`] with `p.slowed`; [`SpeechParams::slowed`]): the second hearing is asked for only
/// where a word's onset is in question, not over the whole clip. Judge it by
/// [`SpeechParams::surer`]. The stretch's own recorded hearing is not a repeat of `heard`'s:
/// the network's state starts afresh half a second before, not at the clip's start. Each part
/// measured on the devset (events F1, precision): the fresh recorded hearing alone 0.829 /
/// 0.955 (nothing gained), the slowed one alone 0.837 / 0.968, both 0.841 / 0.982
/// (docs/detection-notes.md, twentieth session).
pub fn slowed_between(
    heard: &SpeechTrack,
    x: &[f32],
    sample_rate: u32,
    from_s: f64,
    to_s: f64,
    p: &SpeechParams,
    gain: f32,
) -> SpeechTrack {
    let (start, stop) = stretch_span(x.len(), sample_rate, from_s, to_s);
    let fresh = track(&x[start..stop], sample_rate, p.slowed, gain);
    laid_over(heard, &fresh, start, sample_rate, (from_s, to_s), false)
}

/// `heard` up to `to_s`, its frames from `from_s` on raised to (`replace`: set to) `fresh`,
/// the track of the stretch starting at sample `start`, each fresh frame counting for the
/// frame its centre falls in ([`afresh_between`], [`slowed_between`]).
fn laid_over(
    heard: &SpeechTrack,
    fresh: &SpeechTrack,
    start: usize,
    sample_rate: u32,
    (from_s, to_s): (f64, f64),
    replace: bool,
) -> SpeechTrack {
    let end = ((to_s.max(0.0) / FRAME_S).floor() as usize + 1).min(heard.probability.len());
    let first = (from_s.max(0.0) / FRAME_S).floor() as usize;
    let mut out = SpeechTrack {
        probability: heard.probability[..end].to_vec(),
    };
    if replace {
        out.probability
            .iter_mut()
            .skip(first)
            .for_each(|f| *f = 0.0);
    }
    let offset_s = start as f64 / f64::from(sample_rate);
    raise(&mut out, first, &fresh.probability, |k| {
        ((offset_s + (k as f64 + 0.5) * FRAME_S) / FRAME_S) as usize
    });
    out
}

/// Raises each frame of `t` from frame `first` on to the highest of `probability` whose
/// frames `frame_of` places in it.
fn raise(
    t: &mut SpeechTrack,
    first: usize,
    probability: &[f32],
    frame_of: impl Fn(usize) -> usize,
) {
    for (k, &v) in probability.iter().enumerate() {
        let i = frame_of(k);
        if i >= first
            && let Some(f) = t.probability.get_mut(i)
        {
            *f = f.max(v);
        }
    }
}

/// Raises the frames of `t`, the recorded hearing of `x`, to what the detector hears in `x`
/// played `slowed` times slower (nothing at 1 or less): resampled to 16 kHz × `slowed` and
/// heard as 16 kHz, each slowed frame counts for the frame its centre falls in. The centre is
/// placed in whole numbers: at 1.5, every third slowed frame is centred exactly on the edge of
/// two frames, and that one counts for the later (rounding in floating point had decided it).
fn raise_by_slowed(t: &mut SpeechTrack, x: &[f32], sample_rate: u32, slowed: f64, gain: f32) {
    if slowed.is_nan() || slowed <= 1.0 || x.is_empty() {
        return;
    }
    let rate = (f64::from(RATE) * slowed.min(MAX_SLOWED)).round() as u64;
    let slow = track_at(x, sample_rate, rate as u32, gain);
    // Slowed frame k is centred at (k + 1/2) · RATE / rate recorded frames.
    raise(t, 0, &slow.probability, |k| {
        ((2 * k as u64 + 1) * u64::from(RATE) / (2 * rate)) as usize
    });
}

/// One convolution layer: `w[out][in][k]` flattened, kernel 3, padding 1.
struct Conv {
    w: Vec<f32>,
    b: Vec<f32>,
    cin: usize,
    cout: usize,
    stride: usize,
}

impl Conv {
    /// `x` is `cin` rows of `t` frames; returns `cout` rows of the output frames and their count.
    fn forward(
        &self,
        x: &[f32],
        t: usize,
        col: &mut Vec<f32>,
        row: &mut Vec<f32>,
        out: &mut Vec<f32>,
    ) -> usize {
        let t_out = (t + 2 - 3) / self.stride + 1;
        let k_len = self.cin * 3;
        // im2col: for each output frame the `cin x 3` inputs it sees, laid out as the weights
        // are, so each output is one dot product over contiguous memory.
        col.clear();
        col.resize(t_out * k_len, 0.0);
        for j in 0..t_out {
            let c = &mut col[j * k_len..(j + 1) * k_len];
            for ci in 0..self.cin {
                for k in 0..3 {
                    let src = (j * self.stride + k) as isize - 1;
                    if src >= 0 && (src as usize) < t {
                        c[ci * 3 + k] = x[ci * t + src as usize];
                    }
                }
            }
        }
        out.clear();
        out.resize(self.cout * t_out, 0.0);
        row.resize(self.cout, 0.0);
        for j in 0..t_out {
            matvec(&self.w, &col[j * k_len..(j + 1) * k_len], row);
            for (co, (v, b)) in row.iter().zip(&self.b).enumerate() {
                out[co * t_out + j] = (v + b).max(0.0);
            }
        }
        t_out
    }
}

/// The network's weights.
struct Model {
    enc: [Conv; 4],
    w_ih: Vec<f32>,
    w_hh: Vec<f32>,
    /// `bias_ih + bias_hh`.
    b: Vec<f32>,
    w_out: Vec<f32>,
    b_out: f32,
}

static WEIGHTS: &[u8] = include_bytes!("../../assets/silero-vad/silero_vad_16k.bin");

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let all: Vec<f32> = WEIGHTS
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut at = 0;
        let mut take = |n: usize| {
            let v = all[at..at + n].to_vec();
            at += n;
            v
        };
        let mut conv = |cin: usize, cout: usize, stride: usize| Conv {
            w: take(cout * cin * 3),
            b: take(cout),
            cin,
            cout,
            stride,
        };
        let enc = [
            conv(BINS, 128, 1),
            conv(128, 64, 2),
            conv(64, 64, 2),
            conv(64, HIDDEN, 1),
        ];
        let w_ih = take(4 * HIDDEN * HIDDEN);
        let w_hh = take(4 * HIDDEN * HIDDEN);
        let b_ih = take(4 * HIDDEN);
        let b_hh = take(4 * HIDDEN);
        let w_out = take(HIDDEN);
        let b_out = take(1)[0];
        assert_eq!(
            at,
            all.len(),
            "silero_vad_16k.bin has the layout export-silero.py writes"
        );
        Model {
            enc,
            w_ih,
            w_hh,
            b: b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect(),
            w_out,
            b_out,
        }
    })
}

/// `out[r] = w[r] · x` for each row `r` of `w` (rows of `x.len()`), each dot product in eight
/// running sums, which the compiler vectorises. Compiled twice, for plain x86-64 and for AVX2,
/// the faster chosen at run time: the eight sums are the same additions in the same order
/// either way (no fused multiply-add, which Rust never introduces by itself), so the choice
/// changes no bit of the result (the devset's events.json are byte-identical with and
/// without it). Like the rest of the analysis, the FFT (rustfft picks its own SIMD path) and
/// libm's `exp`/`tanh` are the machine's: reports are byte-identical on one machine and
/// build, not promised across platforms.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(w.chunks_exact(x.len())) {
        *o = dot(row, x);
    }
}

#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, ra) = a.as_chunks::<8>();
    let (cb, rb) = b.as_chunks::<8>();
    for (x, y) in ca.iter().zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The network with its state and buffers, run chunk by chunk.
struct Runner {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    frame: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    h: Vec<f32>,
    c: Vec<f32>,
    a: Vec<f32>,
    b: Vec<f32>,
    col: Vec<f32>,
    /// One output frame of a convolution, then the LSTM's rectified output.
    row: Vec<f32>,
    gates: Vec<f32>,
    recurrent: Vec<f32>,
}

impl Runner {
    fn new() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        let spectrum = fft.make_output_vec();
        Runner {
            fft,
            window: (0..N_FFT)
                .map(|n| {
                    0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos() as f32
                })
                .collect(),
            frame: vec![0.0; N_FFT],
            spectrum,
            h: vec![0.0; HIDDEN],
            c: vec![0.0; HIDDEN],
            a: Vec::new(),
            b: Vec::new(),
            col: Vec::new(),
            row: Vec::new(),
            gates: vec![0.0; 4 * HIDDEN],
            recurrent: vec![0.0; 4 * HIDDEN],
        }
    }

    /// The probability for `input`: a chunk with its context (`CONTEXT + CHUNK` samples).
    fn step(&mut self, m: &Model, input: &[f32]) -> f32 {
        const PADDED: usize = CONTEXT + CHUNK + CONTEXT;
        const FRAMES: usize = (PADDED - N_FFT) / HOP + 1;
        let n = input.len();
        let at = |i: usize| {
            if i < n {
                input[i]
            } else {
                // Reflection about the last sample, as the model's padding does.
                input[2 * (n - 1) - i]
            }
        };
        self.a.clear();
        self.a.resize(BINS * FRAMES, 0.0);
        for t in 0..FRAMES {
            for (i, (f, w)) in self.frame.iter_mut().zip(&self.window).enumerate() {
                *f = at(t * HOP + i) * w;
            }
            // Lengths are the plan's own: this cannot fail.
            let _ = self.fft.process(&mut self.frame, &mut self.spectrum);
            for (k, z) in self.spectrum.iter().enumerate() {
                // Not `norm()`: its overflow-safe `hypot` is slow, as in `signal::stft`.
                self.a[k * FRAMES + t] = z.norm_sqr().sqrt();
            }
        }
        let mut t = FRAMES;
        for conv in &m.enc {
            t = conv.forward(&self.a, t, &mut self.col, &mut self.row, &mut self.b);
            std::mem::swap(&mut self.a, &mut self.b);
        }
        matvec(&m.w_ih, &self.a[..HIDDEN], &mut self.gates);
        matvec(&m.w_hh, &self.h, &mut self.recurrent);
        for ((g, r), b) in self.gates.iter_mut().zip(&self.recurrent).zip(&m.b) {
            *g += r + b;
        }
        for j in 0..HIDDEN {
            let i = sigmoid(self.gates[j]);
            let f = sigmoid(self.gates[HIDDEN + j]);
            let g = self.gates[2 * HIDDEN + j].tanh();
            let o = sigmoid(self.gates[3 * HIDDEN + j]);
            self.c[j] = f * self.c[j] + i * g;
            self.h[j] = o * self.c[j].tanh();
        }
        self.row.clear();
        self.row.extend(self.h.iter().map(|v| v.max(0.0)));
        let mut out = [0.0f32];
        matvec(&m.w_out, &self.row, &mut out);
        sigmoid(out[0] + m.b_out)
    }
}

/// The network fed 16 kHz audio piece by piece, one probability per 512 samples.
struct Stream {
    runner: Runner,
    /// Every sample is multiplied by this before the network hears it ([`hearing_gain`]).
    gain: f32,
    /// The chunk being filled, after the 64 samples of context.
    input: Vec<f32>,
    filled: usize,
    probability: Vec<f32>,
}

impl Stream {
    fn new(gain: f32) -> Self {
        Stream {
            runner: Runner::new(),
            gain,
            input: vec![0.0; CONTEXT + CHUNK],
            filled: 0,
            probability: Vec::new(),
        }
    }

    fn push(&mut self, mut x: &[f32]) {
        while !x.is_empty() {
            let n = (CHUNK - self.filled).min(x.len());
            let at = CONTEXT + self.filled;
            for (d, v) in self.input[at..at + n].iter_mut().zip(&x[..n]) {
                *d = v * self.gain;
            }
            self.filled += n;
            x = &x[n..];
            if self.filled == CHUNK {
                self.step();
            }
        }
    }

    fn step(&mut self) {
        let p = self.runner.step(model(), &self.input);
        self.probability.push(p);
        self.input.copy_within(CHUNK.., 0);
        self.filled = 0;
    }

    /// The last chunk, padded with silence.
    fn finish(mut self) -> SpeechTrack {
        if self.filled > 0 {
            self.input[CONTEXT + self.filled..].fill(0.0);
            self.step();
        }
        SpeechTrack {
            probability: self.probability,
        }
    }
}

/// The gain the detector hears a clip with ([`SpeechParams::quiet_peak_dbfs`]) whose largest
/// |sample| is `peak` (of the mix it hears: `Mixed::mono_peak`, measured while decoding; of
/// the mix, not of the loudest channel, since a voice in one channel of several, or beside a
/// channel that differs, reaches the detector lower than it was recorded): the one that
/// brings a quiet clip's peak up to that level, one gain for the whole clip so every stretch
/// heard afresh is heard alike; 1 for a clip peaking there or above, a silent one, or when the
/// rule is off.
pub fn hearing_gain(peak: f32, p: &SpeechParams) -> f32 {
    let Some(floor_dbfs) = p.quiet_peak_dbfs else {
        return 1.0;
    };
    let peak = f64::from(peak);
    let floor = 10f64.powf(floor_dbfs / 20.0);
    if peak.is_finite() && peak > 0.0 && peak < floor {
        (floor / peak) as f32
    } else {
        1.0
    }
}

/// Speech probabilities of 16 kHz audio `x`, one per 512 samples (the last chunk padded with
/// silence), the state carried through from the start.
pub fn track_16k(x: &[f32]) -> SpeechTrack {
    let mut s = Stream::new(1.0);
    s.push(x);
    s.finish()
}

/// The slowest hearing asked for ([`SpeechParams::slowed`] is held to it): four times slower
/// than recorded is already below any voice's pitch.
const MAX_SLOWED: f64 = 4.0;

/// Speech probabilities of mono audio `x` at `sample_rate` Hz, resampled to 16 kHz first
/// (rubato's FFT resampler, its delay taken off so the frames keep the clip's timeline),
/// block by block: the whole clip is never held again at 16 kHz. With `slowed` above 1, the
/// audio is heard a second time played that many times slower, and each frame keeps the higher
/// of its own probability and those of the slowed frames centred in it
/// ([`SpeechParams::slowed`]).
pub fn track(x: &[f32], sample_rate: u32, slowed: f64, gain: f32) -> SpeechTrack {
    let mut heard = track_at(x, sample_rate, RATE, gain);
    raise_by_slowed(&mut heard, x, sample_rate, slowed, gain);
    heard
}

/// Speech probabilities of `x` (at `sample_rate` Hz) resampled to `rate` and given to the
/// network as 16 kHz audio.
fn track_at(x: &[f32], sample_rate: u32, rate: u32, gain: f32) -> SpeechTrack {
    let mut s = Stream::new(gain);
    if sample_rate == rate || x.is_empty() {
        s.push(x);
        return s.finish();
    }
    // The resampler is built for any pair of positive rates and given buffers of the sizes it
    // asks for; should it refuse, the rest of the clip is silence, "no speech heard", the
    // rule's safe side.
    let expected = (x.len() as u64 * u64::from(rate)).div_ceil(u64::from(sample_rate.max(1)));
    let sent = resample(x, sample_rate, rate, |y| s.push(y));
    s.push(&vec![0.0; (expected as usize).saturating_sub(sent)]);
    s.finish()
}

/// Resamples `x` from `sample_rate` to `rate` into `sink`, block by block, the resampler's
/// delay dropped and its output cut to the length of the input; returns how many samples it
/// gave.
fn resample(x: &[f32], sample_rate: u32, rate: u32, mut sink: impl FnMut(&[f32])) -> usize {
    use rubato::audioadapter_buffers::direct::SequentialSlice;
    use rubato::{Fft, FixedSync, Indexing, Resampler};
    let expected = (x.len() as u64 * u64::from(rate)).div_ceil(u64::from(sample_rate)) as usize;
    let Ok(mut r) = Fft::<f32>::new(
        sample_rate as usize,
        rate as usize,
        1024,
        1,
        FixedSync::Input,
    ) else {
        return 0;
    };
    let mut skip = r.output_delay();
    let mut out = vec![0.0f32; r.output_frames_max()];
    let (mut pos, mut sent) = (0, 0);
    while sent < expected {
        let rest = &x[pos.min(x.len())..];
        let need = r.input_frames_next();
        let indexing = Indexing {
            partial_len: (rest.len() < need).then_some(rest.len()),
            ..Indexing::default()
        };
        let (Ok(input), Ok(mut output)) = (
            SequentialSlice::new(rest, 1, rest.len()),
            SequentialSlice::new_mut(&mut out, 1, r.output_frames_max()),
        ) else {
            break;
        };
        let Ok((used, made)) = r.process_into_buffer(&input, &mut output, Some(&indexing)) else {
            break;
        };
        if used == 0 && made == 0 {
            break;
        }
        pos += used;
        let dropped = skip.min(made);
        skip -= dropped;
        let give = (made - dropped).min(expected - sent);
        sink(&out[dropped..dropped + give]);
        sent += give;
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track_of(p: &[f32]) -> SpeechTrack {
        SpeechTrack {
            probability: p.to_vec(),
        }
    }

    #[test]
    fn spans_follow_silero_segmentation() {
        let p = SpanParams::default();
        // 10 frames of speech (0.32 s), a 2-frame dip below the release (shorter than the
        // 0.1 s minimum silence: bridged), 8 more frames hovering between release and threshold
        // and above, then silence; a 3-frame blip (96 ms, under 0.25 s) later is dropped.
        let mut v = vec![0.0f32; 5];
        v.extend([0.9; 10]);
        v.extend([0.1; 2]);
        v.extend([0.6, 0.4, 0.45, 0.8, 0.9, 0.4, 0.5, 0.7]);
        v.extend([0.0; 20]);
        v.extend([0.95; 3]);
        v.extend([0.0; 10]);
        let s = spans(&track_of(&v), &p);
        assert_eq!(s.len(), 1, "{s:?}");
        assert!((s[0].start_s - 5.0 * FRAME_S).abs() < 1e-3, "{s:?}");
        assert!((s[0].end_s - 25.0 * FRAME_S).abs() < 1e-3, "{s:?}");
        assert!((s[0].max_probability - 0.9).abs() < 1e-6);
        // Speech running to the end of the clip closes there.
        let s = spans(
            &track_of(&[0.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
            &p,
        );
        assert_eq!(s.len(), 1);
        assert!((s[0].end_s - 10.0 * FRAME_S).abs() < 1e-3, "{s:?}");
        // A dip longer than the minimum silence splits.
        let mut v = vec![0.9f32; 10];
        v.extend([0.0; 4]);
        v.extend([0.9; 10]);
        assert_eq!(spans(&track_of(&v), &p).len(), 2);
        assert!(spans(&track_of(&[]), &p).is_empty());
    }

    #[test]
    fn an_event_is_placed_between_spans() {
        let s = [
            SpeechSpan {
                start_s: 2.2,
                end_s: 2.5,
                max_probability: 1.0,
            },
            SpeechSpan {
                start_s: 5.3,
                end_s: 6.2,
                max_probability: 1.0,
            },
        ];
        let r = relate(2.84, &s);
        assert_eq!(
            (r.during, r.after_s, r.before_s),
            (None, Some(0.34), Some(2.46))
        );
        assert_eq!(r.phrase().unwrap(), "0.34 s after speech heard");
        let r = relate(5.0, &s);
        assert_eq!(r.phrase().unwrap(), "0.30 s before speech heard");
        let r = relate(5.3, &s);
        assert_eq!(r.during, Some(2));
        assert_eq!(r.phrase().unwrap(), "during speech heard");
        assert_eq!(relate(1.0, &[]).phrase(), None);
    }

    /// "Get up!" from the demo (1.2-2.8 s, the cue at 2.01-2.42 s), 16 kHz 16-bit.
    fn get_up() -> Vec<f32> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/speech/get-up-16k.wav"
        );
        let mut r = hound::WavReader::open(path).unwrap();
        r.samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32768.0)
            .collect()
    }

    #[test]
    fn a_quiet_clip_is_heard_as_if_it_peaked_at_the_quiet_level() {
        let p = SpeechParams::default();
        let x = get_up();
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let heard = |t: &SpeechTrack| heard_frames(&t.probability, &p);
        // 50 dB below its own peak: Silero hears the words at their recorded level, not here.
        let quiet: Vec<f32> = x.iter().map(|v| v * 0.003 / peak).collect();
        assert!(heard(&track(&quiet, RATE, 1.0, 1.0)) < 3);
        let peak_of = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let gain = hearing_gain(peak_of(&quiet), &p);
        let level = 10f64.powf(p.quiet_peak_dbfs.unwrap() / 20.0);
        assert!((f64::from(gain * 0.003) - level).abs() < 1e-4, "{gain}");
        assert!(heard(&track(&quiet, RATE, 1.0, gain)) >= 6);
        // A clip peaking at the level or above, a silent one, or the rule off: as recorded.
        assert_eq!(hearing_gain(peak_of(&x), &p), 1.0);
        assert_eq!(hearing_gain(0.0, &p), 1.0);
        let off = SpeechParams {
            quiet_peak_dbfs: None,
            ..p
        };
        assert_eq!(hearing_gain(peak_of(&quiet), &off), 1.0);
    }

    /// What onnxruntime 1.23 computes with silero_vad_16k_op15.onnx on the same samples, chunk
    /// by chunk (scripts/export-silero.py names the file; the Python loop is the model's own
    /// streaming use: 64 samples of context, state carried over).
    const ONNXRUNTIME: [f32; 50] = [
        0.035645, 0.018962, 0.020928, 0.016217, 0.009939, 0.009113, 0.008085, 0.011811, 0.020943,
        0.008621, 0.005851, 0.009286, 0.009535, 0.009632, 0.020813, 0.023300, 0.011962, 0.016741,
        0.010046, 0.009308, 0.007301, 0.011654, 0.008346, 0.014095, 0.011800, 0.013069, 0.033674,
        0.031910, 0.235250, 0.421321, 0.601581, 0.815972, 0.999269, 0.999303, 0.998092, 0.999501,
        0.998978, 0.992465, 0.890561, 0.566917, 0.270677, 0.210224, 0.117489, 0.080379, 0.082245,
        0.065279, 0.045058, 0.031257, 0.027072, 0.025841,
    ];

    #[test]
    fn a_stretch_is_listened_to_on_its_own() {
        // "Get up!" is spoken at 0.9-1.25 s of the fixture (chunks 28-38 of ONNXRUNTIME).
        let x = get_up();
        let p = SpeechParams::default();
        assert!(heard_between(&x, RATE, 0.9, 1.3, &p, 1.0));
        assert!(!heard_between(&x, RATE, 0.1, 0.7, &p, 1.0));
        assert!(!heard_between(&x, RATE, 1.4, 1.6, &p, 1.0));
        // At 48 kHz (resampled for the network) it is heard there too.
        let x48: Vec<f32> = x.iter().flat_map(|&v| [v, v, v]).collect();
        assert!(heard_between(&x48, 48_000, 0.9, 1.3, &p, 1.0));
        assert!(!heard_between(&x48, 48_000, 0.1, 0.7, &p, 1.0));
        // Out of range asks nothing of the detector.
        assert!(!heard_between(&x, RATE, 5.0, 6.0, &p, 1.0));
    }

    #[test]
    fn the_network_computes_what_onnxruntime_does() {
        let t = track_16k(&get_up());
        assert_eq!(t.probability.len(), ONNXRUNTIME.len());
        for (k, (a, b)) in t.probability.iter().zip(ONNXRUNTIME).enumerate() {
            assert!((a - b).abs() < 1e-4, "chunk {k}: {a} against {b}");
        }
    }

    #[test]
    fn the_words_are_heard_where_the_cue_says_and_silence_is_not() {
        let t = track_16k(&get_up());
        // The cue "Get up!" is at 2.01-2.42 s of the demo, 0.81-1.22 s into the excerpt.
        assert!(t.max_between(0.95, 1.15) > 0.99);
        assert!(t.max_between(0.0, 0.7) < 0.1);
        assert!(track_16k(&vec![0.0; 16_000]).max_between(0.0, 1.0) < 0.1);
        // Outside the clip: nothing heard.
        assert_eq!(t.max_between(10.0, 11.0), 0.0);
    }

    #[test]
    fn resampled_audio_keeps_the_timeline() {
        // The excerpt brought to 48 kHz by repeating each sample three times (no new content
        // above 8 kHz worth the name), then analysed at 48 kHz: the same frames hold speech.
        let x = get_up();
        let up: Vec<f32> = x.iter().flat_map(|&v| [v, v, v]).collect();
        let t = track(&up, 48_000, 1.0, 1.0);
        assert!((t.probability.len() as isize - 50).abs() <= 1);
        assert!(t.max_between(0.95, 1.15) > 0.9, "{:?}", t.probability);
        assert!(t.max_between(0.0, 0.7) < 0.2);
    }

    #[test]
    fn the_resampler_gives_the_whole_clip_at_16_khz_and_no_more() {
        for (len, rate) in [
            (100, 44_100),
            (44_100, 44_100),
            (48_000 * 3 + 7, 48_000),
            (8_001, 8_000),
        ] {
            let x: Vec<f32> = (0..len).map(|i| (i as f32 * 0.01).sin()).collect();
            let mut got = 0;
            let sent = resample(&x, rate, RATE, |y: &[f32]| got += y.len());
            let expected = (len as u64 * 16_000).div_ceil(rate as u64) as usize;
            assert_eq!(
                (sent, got),
                (expected, expected),
                "{len} samples at {rate} Hz"
            );
            // The slowed hearing adds nothing to the length: one probability per 32 ms.
            for slowed in [1.0, 1.5, 9.0] {
                let t = track(&x, rate, slowed, 1.0);
                assert_eq!(t.probability.len(), expected.div_ceil(512));
            }
        }
        assert!(track(&[], 44_100, 1.5, 1.0).probability.is_empty());
    }

    #[test]
    fn a_voice_played_fast_is_heard_when_slowed_down() {
        // "Run away! Take cover!" (espeak-ng, en, pitch 99), played 1.8 times fast (sox speed
        // 1.8): a cartoon's voice, or a video reposted sped up. Heard as recorded, the detector
        // reaches 0.7 in one frame at most; slowed 1.5 times, in most of the phrase's frames, and
        // at the times it is spoken.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/speech/run-away-fast-16k.wav"
        );
        let x: Vec<f32> = hound::WavReader::open(path)
            .unwrap()
            .samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32768.0)
            .collect();
        let p = SpeechParams::default();
        let heard = |t: &SpeechTrack| heard_frames(&t.probability, &p);
        let once = track(&x, RATE, 1.0, 1.0);
        let twice = track(&x, RATE, p.slowed, 1.0);
        assert!(heard(&once) <= 1, "{:?}", once.probability);
        assert!(heard(&twice) >= 15, "{:?}", twice.probability);
        assert_eq!(once.probability.len(), twice.probability.len());
        // The slowed frames come back to the clip's timeline: the pause between the two
        // phrases (0.38-0.51 s) is heard as a pause.
        assert!(twice.max_between(0.4, 0.5) < 0.5, "{:?}", twice.probability);
        assert!(twice.max_between(0.1, 0.3) > 0.99 && twice.max_between(0.6, 0.9) > 0.99);
        // A natural voice is heard both ways.
        assert!(heard(&track(&get_up(), RATE, 1.0, 1.0)) >= 6);
        assert!(heard(&track(&get_up(), RATE, p.slowed, 1.0)) >= 6);

        // In a clip, two seconds of silence before it, asked about the phrase (2-2.9 s): the
        // slowed hearing of that stretch raises the clip's own frames there and nowhere else,
        // on the clip's timeline (the pause between the phrases stays a pause).
        let mut clip = vec![0.0f32; 2 * RATE as usize];
        clip.extend(&x);
        let recorded = track(&clip, RATE, 1.0, 1.0);
        let both = slowed_between(&recorded, &clip, RATE, 2.0, 2.9, &p, 1.0);
        assert!(heard(&both) >= 15, "{:?}", both.probability);
        assert!(
            heard(&both) > heard(&recorded),
            "{:?}",
            recorded.probability
        );
        assert!(
            both.probability
                .iter()
                .zip(&recorded.probability)
                .all(|(b, r)| b >= r)
        );
        assert_eq!(both.between(0.0, 1.95), recorded.between(0.0, 1.95));
        assert!(both.max_between(2.4, 2.5) < 0.5, "{:?}", both.probability);
        assert!(both.probability.len() <= recorded.probability.len());
    }

    #[test]
    fn the_rule_takes_voice_coloured_plain_sounds_where_speech_is_heard() {
        let t = track_16k(&get_up());
        let p = SpeechParams::default();
        let colour = crate::detect::syllables::SyllableParams::default();
        let imp = crate::features::classify::IMPULSIVE;
        // Just before the words and at their start.
        let (prob, why) = judge(0.95, imp, 0.2, 800.0, &t, &p, &colour).unwrap();
        assert!(prob > 0.99 && why.contains("flatness 0.20"), "{why}");
        assert!(judge(1.0, imp, 0.2, 800.0, &t, &p, &colour).is_some());
        // Before the speech, broadband, a thud, a shot, or with the rule off: kept.
        assert!(judge(0.3, imp, 0.2, 800.0, &t, &p, &colour).is_none());
        assert!(judge(1.0, imp, 0.6, 800.0, &t, &p, &colour).is_none());
        assert!(judge(1.0, imp, 0.2, 150.0, &t, &p, &colour).is_none());
        let shot = crate::features::classify::GUNSHOT;
        assert!(judge(1.0, shot, 0.2, 800.0, &t, &p, &colour).is_none());
        let off = SpeechParams {
            enabled: false,
            ..p
        };
        assert!(judge(1.0, imp, 0.2, 800.0, &t, &off, &colour).is_none());
    }

    #[test]
    fn a_sound_heard_afresh_is_judged_alike_wherever_the_clip_was_cut() {
        // "Get up!" after a second of the clip, and the same clip with its first 1-31 ms
        // cut: the clip's chunks fall elsewhere on the words, the sound's own stretch does not.
        let p = SpeechParams::default();
        let colour = crate::detect::syllables::SyllableParams::default();
        let imp = crate::features::classify::IMPULSIVE;
        let mut x = vec![0.0f32; RATE as usize];
        x.extend(get_up());
        let onset_s = 1.95;
        let judged = |cut: usize| {
            let y = &x[cut..];
            let at = onset_s - cut as f64 / f64::from(RATE);
            let clip = track(y, RATE, 1.0, 1.0);
            let fresh = afresh_between(&clip, y, RATE, at, at + p.window_s, 1.0);
            judge(at, imp, 0.2, 800.0, &fresh, &p, &colour).map(|(prob, _)| prob)
        };
        let uncut = judged(0);
        assert!(uncut.is_some_and(|v| v > 0.9), "{uncut:?}");
        for cut in [16, 128, 256, 384, 500] {
            assert_eq!(judged(cut), uncut, "cut {cut}");
        }
        // Before the words: nothing heard, cut or not.
        let quiet = |cut: usize| {
            let y = &x[cut..];
            let at = 1.1 - cut as f64 / f64::from(RATE);
            let fresh = afresh_between(&track(y, RATE, 1.0, 1.0), y, RATE, at, at + 0.3, 1.0);
            judge(at, imp, 0.2, 800.0, &fresh, &p, &colour)
        };
        assert!(quiet(0).is_none() && quiet(256).is_none());
    }

    #[test]
    fn a_frame_or_two_of_speech_is_a_knock_and_a_syllable_is_a_word() {
        let p = SpeechParams::default();
        let colour = crate::detect::syllables::SyllableParams::default();
        let imp = crate::features::classify::IMPULSIVE;
        let track = |loud: std::ops::Range<usize>| SpeechTrack {
            probability: (0..40)
                .map(|k| if loud.contains(&k) { 0.9 } else { 0.1 })
                .collect(),
        };
        let at = 10.0 * FRAME_S;
        // Two frames (64 ms) above the bar: the detector moved by the sound itself.
        assert!(judge(at, imp, 0.2, 800.0, &track(10..12), &p, &colour).is_none());
        // Four frames (128 ms, at least min_speech_s): a syllable follows the onset.
        let (prob, why) = judge(at, imp, 0.2, 800.0, &track(11..15), &p, &colour).unwrap();
        assert!(
            (prob - 0.9).abs() < 1e-6
                && why.contains("in 4 of the 10 frames of 32 ms covering the 0.30 s"),
            "{why}"
        );
        // The same speech beyond the window is not this sound's.
        assert!(judge(at, imp, 0.2, 800.0, &track(20..30), &p, &colour).is_none());
    }
}
