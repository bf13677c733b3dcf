//! The plain, explicit composition of the stages: `detect_events` over a decoded signal, and
//! `analyze` from a file to the [`Analysis`] every report reads. The decoding into the mono
//! mix is in `mixdown`, the candidates of the detection curve in `candidates`, the steps from
//! candidates to reported events in `stages` (in the order `analyse_mixed` runs them), and what
//! happens to the sounds found on the way (copies, reflections, cracks, bursts) in `sounds`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decode::DecodeParams;
use crate::detect::{
    components, cracks, evidence, flicker, flutter, follow, odf, peaks, possible_echo, refine,
    repeat, score, silence, speech, syllables,
};
use crate::error::Result;
use crate::features::{self, MeasureParams, classify};
use crate::model::{Analysis, AnalyzedAudio, OffsetSource, SCHEMA_VERSION, Tool, TranscriptReport};
use crate::signal::Mixed;
use crate::signal::stft::{ColumnMax, StftParams};
use crate::units::round_to;

mod candidates;
mod mixdown;
mod sounds;
mod stages;

pub use candidates::{
    Detection, candidates, candidates_pooled, detect_events, detect_events_pooled, detection_curve,
};
use mixdown::decode_mixed;
pub use sounds::group_bursts;
use sounds::{
    add_repeats, drop_flutter_echoes, drop_reflections, later_parts, mark_arrivals,
    mark_possible_echoes, one_per_sound, paired_cracks,
};
use stages::{
    clip_warnings, drop_at_edges, drop_resumptions, keep_candidates, measure_candidates,
    pace_rules, report_events, set_aside_word_onsets, trim_clip_head, turn_lasting_sounds,
    weigh_unheard_voicing,
};

/// Every parameter of `analyze`, echoed in `events.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeParams {
    /// Decoding.
    pub decode: DecodeParams,
    /// Detection.
    pub detect: DetectParams,
    /// Measurement.
    pub measure: MeasureParams,
    /// Classification.
    pub classify: classify::ClassifyParams,
    /// Bursts.
    pub burst: BurstParams,
    /// Transcript reading and clock correction.
    pub transcript: TranscriptParams,
    /// Word onsets set aside where the audio holds speech (`detect::speech`).
    pub speech: crate::detect::speech::SpeechParams,
}

/// How the transcript's clock is set.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Trust the transcript's clock (plus any manual offset).
    #[default]
    None,
    /// Estimate the offset from the audio; apply it when confident.
    Auto,
}

/// Transcript parameters (echoed in every report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptParams {
    /// Format forced by the user (otherwise detected from the content).
    pub format: Option<crate::transcript::Format>,
    /// Manual offset: transcript_time = audio_time + offset_s.
    pub offset_s: Option<f64>,
    /// Automatic clock correction.
    pub sync: SyncMode,
    /// Also search frame-rate conversions (23.976/24/25 fps) with `sync: auto`.
    pub sync_speed: bool,
    /// Parameters of the automatic estimate.
    pub sync_params: crate::transcript::sync::SyncParams,
    /// Which sounds inside spoken cues are taken for the onsets of words.
    pub syllables: crate::detect::syllables::SyllableParams,
}

/// How gunshot-like events are grouped into bursts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BurstParams {
    /// Shots closer than this (s) belong to one burst (automatic fire is 400-1200 rounds a
    /// minute, 50-150 ms apart; a deliberate double tap is 0.2-0.5 s).
    pub max_gap_s: f64,
    /// When a weaker candidate is kept as the next round of a gunshot.
    pub follow: follow::FollowParams,
    /// How the other rounds of a burst are found as copies of its clearest shot.
    pub repeat: repeat::RepeatParams,
    /// When later sounds are a sound's flutter echoes between two parallel walls, not sounds
    /// of their own (off in reports written before it).
    #[serde(default = "flutter::FlutterParams::off")]
    pub flutter: flutter::FlutterParams,
    /// When a reported sound is said to be possibly an earlier shot's echo (off in reports
    /// written before it).
    #[serde(default = "possible_echo::PossibleEchoParams::off")]
    pub possible_echo: possible_echo::PossibleEchoParams,
}

impl Default for BurstParams {
    fn default() -> Self {
        BurstParams {
            max_gap_s: 0.6,
            follow: follow::FollowParams::default(),
            repeat: repeat::RepeatParams::default(),
            flutter: flutter::FlutterParams::default(),
            possible_echo: possible_echo::PossibleEchoParams::default(),
        }
    }
}

/// Every parameter of detection, echoed in the output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DetectParams {
    /// STFT window and hop.
    pub stft: StftParams,
    /// Detection functions.
    pub odf: odf::OdfParams,
    /// Peak picking on the detection curve.
    pub peaks: peaks::PeakParams,
    /// Onset refinement in the waveform.
    pub refine: refine::RefineParams,
    /// Components of an event (echoes).
    pub components: components::ComponentParams,
    /// Evidence measured per candidate.
    pub evidence: evidence::EvidenceParams,
    /// The detection score and its threshold.
    pub score: score::ScoreParams,
    /// Runs of digital silence, and the sound resuming after one.
    pub silence: silence::SilenceParams,
    /// A clip whose upper bands flicker as a low-bitrate codec's do over noise keeps only
    /// candidates that rise in the waveform ([`flicker`]); none in reports written before it.
    #[serde(default)]
    pub flicker: Option<flicker::FlickerParams>,
    /// A supersonic crack heard as a sound of its own, further ahead of its blast than the
    /// precursor search reaches, is paired with that blast as one shot, and every crack's
    /// delay gives a distance ([`cracks`]); none in reports written before it (no pairing, no
    /// distance).
    #[serde(default)]
    pub cracks: Option<cracks::CrackParams>,
}

impl Default for DetectParams {
    fn default() -> Self {
        DetectParams {
            stft: StftParams::default(),
            odf: odf::OdfParams::default(),
            peaks: peaks::PeakParams::default(),
            refine: refine::RefineParams::default(),
            components: components::ComponentParams::default(),
            evidence: evidence::EvidenceParams::default(),
            score: score::ScoreParams::default(),
            silence: silence::SilenceParams::default(),
            flicker: Some(flicker::FlickerParams::default()),
            cracks: Some(cracks::CrackParams::default()),
        }
    }
}

/// Reads the transcript at `path` and sets its clock against `mono`: manual offset, automatic
/// estimate, or none; cues end up on the audio timeline.
fn place_transcript(
    path: &Path,
    mono: &[f32],
    sample_rate: u32,
    duration_s: f64,
    p: &TranscriptParams,
    warnings: &mut Vec<String>,
) -> Result<Placed> {
    use crate::transcript::{self, sync};
    let t = transcript::load(path, p.format)?;
    let shown = path.display();
    warnings.extend(t.warnings.iter().map(|w| format!("{shown}: {w}")));
    let (mut offset_s, mut source, mut speed) = match p.offset_s {
        Some(o) => (o, OffsetSource::Manual, 1.0),
        None => (0.0, OffsetSource::None, 1.0),
    };
    // The automatic estimate: applied with `--sync auto`; with the clock taken as given, only
    // checked, for the word-onset rule (`detect::syllables`).
    let auto = p.sync == SyncMode::Auto;
    let check = p.sync == SyncMode::None && p.offset_s.is_none() && p.syllables.enabled;
    let mut sp = p.sync_params.clone();
    if auto && p.sync_speed {
        sp.speed_ratios = sync::FRAME_RATE_RATIOS.to_vec();
    }
    let estimate = (auto || check)
        .then(|| sync::estimate(&sync::speech_activity(mono, sample_rate, &sp), &t.cues, &sp))
        .flatten();
    let confidence = estimate.as_ref().map(|e| round_to(e.confidence, 3));
    let estimate_s = estimate.as_ref().map(|e| round_to(e.offset_s, 3));
    let mut clock_off = false;
    match estimate {
        Some(e) if auto && e.confidence >= sp.min_confidence => {
            offset_s = e.offset_s;
            speed = e.speed_ratio;
            source = OffsetSource::Auto;
        }
        Some(e) if auto => warnings.push(format!(
            "{shown}: automatic sync not confident ({:.2} < {:.2}; estimate {:+.3} s), \
             transcript clock kept{}",
            e.confidence,
            sp.min_confidence,
            e.offset_s,
            if source == OffsetSource::Manual {
                " with the manual offset"
            } else {
                ""
            }
        )),
        None if auto => warnings.push(format!(
            "{shown}: automatic sync impossible (no voiced speech found, or no cues)"
        )),
        Some(e) => {
            clock_off =
                syllables::clock_is_off(e.offset_s, e.confidence, sp.min_confidence, &p.syllables);
            if clock_off {
                warnings.push(format!(
                    "{shown}: the transcript's clock looks off by {:+.3} s against the speech \
                     (confidence {:.2}); the events are placed on its clock as given, and word \
                     onsets are judged by the speech heard, not by its cues; --sync auto would \
                     correct it",
                    e.offset_s, e.confidence
                ));
            }
        }
        None => {}
    }
    let to_audio = |x: f64| round_to((x - offset_s) / speed, 6);
    let cues: Vec<transcript::Cue> = t
        .cues
        .into_iter()
        .map(|mut c| {
            c.start_s = to_audio(c.start_s);
            c.end_s = to_audio(c.end_s);
            for w in &mut c.words {
                w.start_s = to_audio(w.start_s);
                w.end_s = to_audio(w.end_s);
            }
            c
        })
        .collect();
    let outside = cues
        .iter()
        .filter(|c| c.end_s <= 0.0 || c.start_s >= duration_s)
        .count();
    if outside > 0 {
        warnings.push(format!(
            "{shown}: {outside} cue(s) fall outside the clip (0-{duration_s:.3} s) after the \
             clock correction"
        ));
    }
    let (_, sha256) = crate::probe::hash_file(path)?;
    Ok(Placed {
        clock_off,
        report: TranscriptReport {
            path: path.display().to_string(),
            sha256,
            format: t.format,
            offset_s: round_to(offset_s, 6),
            offset_source: source,
            sync_confidence: confidence,
            sync_estimate_s: estimate_s,
            speed_ratio: speed,
            cues,
        },
    })
}

/// A transcript on the audio's clock, and whether that clock was found to be off.
struct Placed {
    report: TranscriptReport,
    /// The clock, taken as given, disagrees with the speech (see
    /// [`syllables::clock_is_off`]): the cues are not where the words are.
    clock_off: bool,
}

/// Analyzes the clip at `path`: probe, decode, detect, measure, classify, group.
///
/// # Errors
/// The file cannot be read or decoded.
pub fn analyze(path: &Path, p: &AnalyzeParams) -> Result<Analysis> {
    analyze_with(path, None, p)
}

/// [`analyze`], placing the events in the transcript at `transcript` when given.
///
/// # Errors
/// The clip cannot be read or decoded, or the transcript cannot be used.
pub fn analyze_with(path: &Path, transcript: Option<&Path>, p: &AnalyzeParams) -> Result<Analysis> {
    run(path, transcript, p, 0).map(|o| o.analysis)
}

/// What [`run`] hands back: the analysis, the decoded audio it ran on (for pictures and
/// listening copies) and, when asked for, the detection STFT pooled for the overview.
#[derive(Debug)]
pub struct Outcome {
    /// The findings.
    pub analysis: Analysis,
    /// The mono mix and per-channel measurements.
    pub signal: Mixed,
    /// The detection STFT max-pooled into the overview's columns.
    pub overview: Option<ColumnMax>,
}

/// [`analyze_with`], also handing back the decoded audio and, when `overview_columns` > 0,
/// the detection spectrogram pooled into that many columns (see [`Outcome`]).
///
/// # Errors
/// As [`analyze_with`].
pub fn run(
    path: &Path,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
) -> Result<Outcome> {
    run_speculating(path, transcript, p, overview_columns, false)
}

/// [`run`], and when `speculate` is set, the speech detector's track (`detect::speech`, about
/// a third of the time of a long clip) is computed on a second thread while the events are
/// found, in case the rules ask for it: for one clip without a transcript on a machine with a
/// core to spare (`analyze`); a batch keeps its cores for other clips. The results are the same
/// either way: the same function of the same samples.
///
/// # Errors
/// As [`analyze_with`].
pub fn run_speculating(
    path: &Path,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
    speculate: bool,
) -> Result<Outcome> {
    let input = crate::probe::probe(path, &p.decode)?;
    let (signal, warnings) = decode_mixed(path, &input, p)?;
    let (analysis, overview) = std::thread::scope(|s| {
        let (mono, sr) = (&signal.mono, signal.sample_rate);
        let gain = speech::hearing_gain(signal.mono_peak, &p.speech);
        // With a transcript the track is wanted only to confirm a word inside a cue by ear (or
        // when the captions' clock is off), and then on the same voice-coloured sounds.
        let early = (speculate
            && (p.speech.enabled || p.speech.spans.enabled)
            && (transcript.is_none() || p.transcript.syllables.confirm_by_ear))
            .then(|| s.spawn(move || speech::track(mono, sr, 1.0, gain)));
        let heard = move || match early {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => speech::track(mono, sr, 1.0, gain),
        };
        analyse_mixed(
            input,
            &signal,
            warnings,
            transcript,
            p,
            overview_columns,
            (heard, gain),
        )
    })?;
    let mut analysis = analysis;
    add_arrivals(path, &mut analysis, &signal, p);
    Ok(Outcome {
        analysis,
        signal,
        overview,
    })
}

/// Where each event reached the first two channels (`features::arrival`), on a clip of two or
/// more whose first two channels are not one signal (a mono recording copied or panned to each
/// has no direction to give, and is not decoded again). A second decoding that fails where the
/// first did not costs the arrivals only, with a warning: nothing already found is lost.
fn add_arrivals(path: &Path, analysis: &mut Analysis, signal: &Mixed, p: &AnalyzeParams) {
    let a = &p.measure.arrival;
    if !a.enabled
        || signal.channels < 2
        || analysis.events.is_empty()
        || signal
            .channel_correlation
            .is_none_or(|r| r.abs() >= features::arrival::ONE_SIGNAL_CORRELATION)
    {
        return;
    }
    let sr = f64::from(signal.sample_rate);
    let lead = (a.lead_s * sr).round() as usize;
    let len = lead + (a.window_s * sr).round() as usize;
    // A supersonic shot's crack comes from where the bullet passed: its muzzle blast, from the
    // shooter, is read instead.
    let blast = |e: &crate::model::Event| {
        e.components
            .iter()
            .find(|c| c.kind == "blast")
            .map(|c| c.onset_s)
    };
    let starts: Vec<usize> = analysis
        .events
        .iter()
        .map(|e| ((blast(e).unwrap_or(e.onset_s) * sr).round() as usize).saturating_sub(lead))
        .collect();
    // The stream's coded rate per channel, where the container states it.
    let per_channel = analysis.input.audio.as_ref().and_then(|au| {
        let s = analysis
            .input
            .streams
            .iter()
            .find(|s| s.index == au.stream_index)?;
        Some(s.bit_rate? as f64 / 1000.0 / s.channels.unwrap_or(au.channels).max(1) as f64)
    });
    let low_rate = features::arrival::low_rate_warning(per_channel, a);
    match mixdown::channel_windows(path, p, &starts, len) {
        Ok(windows) => {
            let arrivals: Vec<Option<features::arrival::Arrival>> = analysis
                .events
                .iter()
                .zip(&windows)
                .map(|(e, [l, r])| {
                    features::arrival::measure(l, r, signal.sample_rate, a).map(|x| {
                        features::arrival::Arrival {
                            of_blast: blast(e).is_some(),
                            // No delay is clear through such a codec.
                            clear: x.clear && low_rate.is_none(),
                            ..x
                        }
                    })
                })
                .collect();
            mark_arrivals(&mut analysis.events, &mut analysis.bursts, arrivals, a);
            analysis.warnings.extend(low_rate);
        }
        Err(e) => analysis.warnings.push(format!(
            "the direction of arrival was not measured: decoding the clip again failed ({e})"
        )),
    }
}

/// Everything after decoding: events, their measurements and classes, the transcript, the
/// speech rules; `heard` gives the speech detector's track when a rule asks for it, heard at
/// `ear_gain` ([`speech::hearing_gain`]), the gain every stretch heard again is heard at too.
/// Each step is a function of its own below, in the order they run here.
fn analyse_mixed(
    input: crate::model::MediaProbe,
    signal: &Mixed,
    mut warnings: Vec<String>,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
    (heard, ear_gain): (impl FnOnce() -> speech::SpeechTrack, f32),
) -> Result<(Analysis, Option<ColumnMax>)> {
    clip_warnings(&input, signal, p, &mut warnings);
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // Runs of digital silence: the candidates' frames that run into one (`Detection::cut_at`),
    // the background measurements that leave them out, and the sound resuming after one.
    let silent = silence::runs(mono, signal.sample_rate, &p.detect.silence);
    let (mut found, overview, flickering) = candidates_pooled(
        mono,
        signal.sample_rate,
        &p.detect,
        &silent,
        overview_columns,
    );
    if let (Some(dip), Some(f)) = (flickering, p.detect.flicker) {
        warnings.push(flicker::warning(dip, &f));
    }
    weigh_unheard_voicing(&mut found, flickering.is_some(), signal, p, ear_gain);
    let channel = features::Channel {
        silent,
        ..features::Channel::of(mono, signal.sample_rate, &p.measure)
    };
    // Events are reported, and followers found, in time order.
    found.sort_by_key(|d| d.onset);
    drop_at_edges(&mut found, signal, p, &mut warnings);
    // What the detector saw everywhere, for the copies found where it reported nothing.
    let seen: Vec<(usize, f64, evidence::Evidence)> = found
        .iter()
        .map(|d| (d.onset, d.score, d.evidence))
        .collect();
    let pool = measure_candidates(found, signal, &channel, p);
    let pool = drop_resumptions(pool, signal, &channel, p, &mut warnings);
    let digital_silence: Vec<silence::SilenceSpan> = channel
        .silent
        .iter()
        .map(|&(a, b)| silence::SilenceSpan {
            start_s: round_to(a as f64 / sr, 6),
            end_s: round_to(b as f64 / sr, 6),
        })
        .collect();
    warnings.extend(silence::summary(&digital_silence, &p.detect.silence));
    let mut found = keep_candidates(pool, sr, p);
    add_repeats(&mut found, signal, &channel, &seen, p);
    found.sort_by_key(|e| e.d.onset);
    let found = drop_reflections(found, mono, signal.sample_rate, p);
    let found = drop_flutter_echoes(found, mono, signal.sample_rate, p);
    let found = one_per_sound(
        found,
        (p.detect.peaks.min_interval_s * sr).round() as usize,
        sr,
    );
    let found = trim_clip_head(found, signal, p, &mut warnings);
    let (mut events, copies) = report_events(found, signal, p);
    let transcript = match transcript {
        Some(tp) => Some(place_transcript(
            tp,
            mono,
            signal.sample_rate,
            signal.duration_s(),
            &p.transcript,
            &mut warnings,
        )?),
        None => None,
    };
    let clock_off = transcript.as_ref().is_some_and(|t| t.clock_off);
    let transcript = transcript.map(|t| t.report);
    // Word onsets: by the speech heard in the audio, and, when captions on the audio's clock
    // are given (the investigator's account of where words are spoken), only inside their
    // spoken cues (`transcript.syllables.confirm_by_ear`). The speech track is computed only
    // where it answers a question: when some event could be a word's onset by its sound, or,
    // without captions, for the spans of speech reported beside the events, when some event
    // is gunshot- or explosion-like. (It costs about 1 ms per second of audio: on a batch of
    // short clips each with one click, three quarters more time.)
    let colour = &p.transcript.syllables;
    let captions = transcript.as_ref().filter(|_| !clock_off);
    let ask_ear = captions.is_none() || colour.confirm_by_ear;
    let heard = events
        .iter()
        .any(|e| {
            (captions.is_none() && p.speech.spans.enabled && e.class != classify::IMPULSIVE)
                || (ask_ear
                    && p.speech.enabled
                    && syllables::voice_coloured(
                        &e.class,
                        e.features.flatness,
                        e.features.centroid_hz,
                        colour,
                    ))
        })
        .then(heard);
    let speech_heard = heard
        .as_ref()
        .filter(|_| captions.is_none() && p.speech.spans.enabled)
        .map(|track| speech::spans(track, &p.speech.spans));
    turn_lasting_sounds(&mut events, captions, signal, p, ear_gain);
    let (events, set_aside) = set_aside_word_onsets(
        events,
        &copies,
        (captions, heard.as_ref()),
        signal,
        p,
        ear_gain,
    );
    // A crack heard as a sound of its own and the blast after it are one shot.
    let mut events = paired_cracks(events, mono, signal.sample_rate, &p.detect, &p.classify);
    pace_rules(&mut events, p);
    if p.classify.later_parts {
        events = later_parts(events, p.classify.strikes.as_ref());
    }
    for (k, e) in events.iter_mut().enumerate() {
        e.id = k + 1;
        if let Some(t) = &transcript {
            e.transcript = Some(crate::transcript::relate::relate(e.onset_s, &t.cues));
        }
        if let Some(spans) = &speech_heard {
            e.speech = Some(speech::relate(e.onset_s, spans));
        }
    }
    mark_possible_echoes(&mut events, mono, signal.sample_rate, p);
    let bursts = group_bursts(&mut events, &p.burst);
    let analysis = Analysis {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        input,
        params: p.clone(),
        audio: AnalyzedAudio {
            sample_rate: signal.sample_rate,
            channels: signal.channels,
            frames: signal.frames() as u64,
            duration_s: round_to(signal.duration_s(), 6),
        },
        events,
        bursts,
        set_aside,
        speech_heard,
        digital_silence,
        transcript,
        warnings,
    };
    Ok((analysis, overview))
}
