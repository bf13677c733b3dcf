//! The one serde schema every report reads: what earwitness says about a clip.
//!
//! Field names carry their units (`_s`, `_hz`, `_bytes`); maps are `BTreeMap` so the JSON is
//! byte-identical for the same input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decode::AudioInfo;

/// Version of the JSON schema; bumped on any incompatible change. 2: `features.tail_db` and
/// `features.early_decay_db` are null when the clip ends before their window. 3:
/// `detection.voicing` and `detection.periodicity` are null when it ends before half of theirs.
pub const SCHEMA_VERSION: u32 = 3;

/// The JSON Schema of events.json ([`Analysis`]), every field described by its documentation;
/// `earwitness schema` prints it, and docs/events.schema.json is a copy kept current by a test.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Analysis);
    schema.insert(
        "title".into(),
        format!("earwitness events.json, schema_version {SCHEMA_VERSION}").into(),
    );
    schema.to_value()
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `earwitness`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: crate::TOOL_NAME.into(),
            version: crate::TOOL_VERSION.into(),
        }
    }
}

/// Everything known about an input file before analysis: provenance and streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaProbe {
    /// The path as given on the command line.
    pub path: String,
    /// File size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the file's bytes, lowercase hex (equals `sha256sum`'s).
    pub sha256: String,
    /// The container.
    pub container: Container,
    /// Every stream, in the container's order (ffprobe's indices).
    pub streams: Vec<Stream>,
    /// The audio stream that will be decoded and how; `None` when none can be.
    pub audio: Option<AudioInfo>,
    /// What is wrong with the file, when something is: why no audio can be decoded (then
    /// `audio` is `None`), or that it is truncated or corrupt part-way (the audio that is
    /// there can still be decoded).
    pub problem: Option<String>,
}

/// The container of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Short format name (`mp4`, `mov`, `m4a`, `matroska`, `webm`, `ogg`, `wav`, `flac`, `mp3`...).
    pub format: String,
    /// Descriptive name from the demuxer.
    pub format_long: String,
    /// Duration in seconds, when known.
    pub duration_s: Option<f64>,
    /// Overall bit rate (file size × 8 / duration), when the duration is known.
    pub bit_rate: Option<u64>,
    /// Container-level tags (`creation_time`, `encoder`, `location`, `major_brand`, ...).
    pub tags: BTreeMap<String, String>,
    /// Which code read the container facts (`symphonia`, `symphonia+isobmff`, `ffmpeg`).
    pub read_by: String,
}

/// One stream of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    /// Position among the file's streams, from 0.
    pub index: usize,
    /// `audio`, `video`, `subtitle` or `data`.
    pub kind: String,
    /// Codec name as ffprobe spells it where possible.
    pub codec: String,
    /// Audio: samples per second.
    pub sample_rate: Option<u32>,
    /// Audio: channel count.
    pub channels: Option<usize>,
    /// Duration in seconds, when known.
    pub duration_s: Option<f64>,
    /// Average bit rate in bits per second, when known.
    pub bit_rate: Option<u64>,
    /// Video: width in pixels.
    pub width: Option<u32>,
    /// Video: height in pixels.
    pub height: Option<u32>,
    /// Video: average frames per second.
    pub frame_rate: Option<f64>,
    /// Stream tags (`handler_name`, `language`, `creation_time`, ...).
    pub tags: BTreeMap<String, String>,
}

/// The full result of `analyze` on one clip: what `events.json` holds and every report reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The input file: provenance and streams.
    pub input: MediaProbe,
    /// Every parameter used.
    pub params: crate::pipeline::AnalyzeParams,
    /// Audio facts the analysis ran on (after mixdown: the mono mix of all channels).
    pub audio: AnalyzedAudio,
    /// Detected events in time order.
    pub events: Vec<Event>,
    /// Runs of gunshot-like events.
    pub bursts: Vec<Burst>,
    /// Sounds the detector found but that the transcript shows to be the onsets of words
    /// (`detect::syllables`): not events, listed so that nothing is hidden. Absent without a
    /// transcript.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub set_aside: Vec<SetAside>,
    /// Where the speech detector hears speech (`detect::speech::spans`), when no captions on
    /// the audio's clock were given (they then say where words are spoken) and some event is
    /// gunshot- or explosion-like; absent when the detector did not run or
    /// `params.speech.spans.enabled` is off.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub speech_heard: Option<Vec<crate::detect::speech::SpeechSpan>>,
    /// Runs of digital silence (`detect::silence`): where the clip was muted, cut or dropped
    /// out, or a codec primed; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub digital_silence: Vec<crate::detect::silence::SilenceSpan>,
    /// The transcript the events were placed in, when one was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcript: Option<TranscriptReport>,
    /// Problems that did not stop the analysis.
    pub warnings: Vec<String>,
}

/// How the transcript's clock was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OffsetSource {
    /// No correction (offset 0).
    None,
    /// `--transcript-offset`.
    Manual,
    /// Estimated from the audio (`--sync auto`).
    Auto,
}

/// The transcript as used: where it came from, how its clock was corrected, and its cues on
/// the audio timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptReport {
    /// The transcript file as given.
    pub path: String,
    /// SHA-256 of the transcript file.
    pub sha256: String,
    /// Format it was read as.
    pub format: crate::transcript::Format,
    /// transcript_time = speed_ratio * audio_time + offset_s (the devset's sign).
    pub offset_s: f64,
    /// Where `offset_s` came from.
    pub offset_source: OffsetSource,
    /// Confidence of the automatic estimate (0..1), when one was made.
    pub sync_confidence: Option<f64>,
    /// The automatic estimate, also when it was not applied (low confidence, or the clock
    /// taken as given and only checked, as the word-onset rule does; see `warnings`).
    pub sync_estimate_s: Option<f64>,
    /// Transcript seconds per audio second (1 unless a frame-rate conversion was found).
    pub speed_ratio: f64,
    /// Cues with times on the audio timeline (corrected).
    pub cues: Vec<crate::transcript::Cue>,
}

/// The decoded audio the analysis ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzedAudio {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels decoded (mixed to mono for detection; all kept for level and clipping).
    pub channels: usize,
    /// Frames decoded.
    pub frames: u64,
    /// Duration in seconds.
    pub duration_s: f64,
}

/// One impulsive event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// 1-based id, in time order.
    pub id: usize,
    /// Onset: first sample reaching 10 % of the event's peak, in seconds on the timeline.
    pub onset_s: f64,
    /// Time of the peak, in seconds.
    pub peak_s: f64,
    /// End of the decay, in seconds.
    pub end_s: f64,
    /// `gunshot`, `explosion` or `impulsive`.
    pub class: String,
    /// Share of gunshot evidence present, 0..1 (not a probability).
    pub gunshot_score: f64,
    /// How clearly this is a distinct impulsive event (0..1, `detect::score`); events below
    /// `params.detect.score.threshold` are not reported.
    pub detection_score: f64,
    /// The evidence behind `detection_score`; null for an event found only as a copy of a
    /// gunshot (`repeat`), where the detector had no candidate (its `detection_score` is 0).
    pub detection: Option<crate::detect::evidence::Evidence>,
    /// Largest magnitude of any channel, in dBFS.
    pub peak_dbfs: f64,
    /// True when a channel has a clipping run in the event.
    pub clipped: bool,
    /// Everything measured.
    pub features: crate::features::EventFeatures,
    /// The measurements that drove the class, in words.
    pub reasons: Vec<String>,
    /// Its parts: crack and blast, or the direct sound, and early reflections (echoes).
    pub components: Vec<crate::detect::components::Component>,
    /// The gunshot model's arithmetic on this event's own measurements (`log_odds` is
    /// `at_means` plus the terms plus the crack, `score` its logistic), so that `gunshot_score`
    /// can be checked by hand. Its score is `gunshot_score` but where a reason says otherwise (a
    /// copy of a burst's round takes its group's pooled score). Absent in reports written
    /// before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gunshot_model: Option<crate::features::classify::GunshotModel>,
    /// The detection model's arithmetic on `detection` (`log_odds` is `bias` plus the terms,
    /// `score` its logistic), so that `detection_score` can be checked by hand; where a rule
    /// scored the event otherwise, its reasons (or, for a codec's flicker, the clip's
    /// warnings) say so. Absent where `detection` is (a copy
    /// found by the repeat search alone) and in reports written before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detection_model: Option<crate::detect::score::DetectionModel>,
    /// When it is a copy of a reported gunshot (another round of a burst, `detect::repeat`):
    /// which, and how closely.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repeat: Option<Repeat>,
    /// When a supersonic crack came before the blast (its `crack` and `blast` components): the
    /// distance to the shooter that the delay implies, for the bullet speeds assumed
    /// (`detect::cracks`). Absent otherwise, and in reports written before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub distance: Option<crate::detect::cracks::ShotDistance>,
    /// Where it sits in the transcript, when one was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcript: Option<crate::transcript::relate::Relation>,
    /// Where it sits against the speech heard (`speech_heard`), when that was reported.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub speech: Option<crate::detect::speech::SpeechRelation>,
    /// When it lies where an earlier gunshot- or explosion-like sound's echo could (later by a
    /// reflection's delay, weaker): which, how late, how much weaker (`detect::possible_echo`).
    /// The event is reported all the same: a second shot from farther away would sound alike.
    /// Absent otherwise, and in reports written before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub possible_echo: Option<PossibleEcho>,
    /// How the sound reached the recording's first two channels: how much later the second
    /// heard it, and how clearly (`features::arrival`). Absent for a clip of one channel, one
    /// whose channels carry one signal, and in reports written before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arrival: Option<crate::features::arrival::Arrival>,
    /// Id of the burst the event belongs to, if any.
    pub burst: Option<usize>,
}

/// An event that may be an earlier sound's echo (`Event::possible_echo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PossibleEcho {
    /// Id of the earlier, louder event.
    pub of_id: usize,
    /// Its onset, in seconds.
    pub of_s: f64,
    /// How long after it this event comes, in seconds.
    pub delay_s: f64,
    /// This event's level against it, in dB (negative: weaker; the peaks of their
    /// `params.burst.repeat.template_s` windows).
    pub level_db: f64,
    /// How much longer a reflection's path would be to come this late, in metres (at
    /// `params.burst.possible_echo.speed_of_sound_m_s`).
    pub extra_path_m: f64,
    /// When the evidence is that another event lies as far behind another shot (one reflector
    /// returns every shot fired from one place after the same delay): that event's id. Absent
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub same_delay_as_id: Option<usize>,
}

impl Event {
    /// The phrase that places the event in the conversation: by the transcript's cues when
    /// there is one, else by the speech heard.
    pub fn context_phrase(&self) -> Option<String> {
        self.transcript
            .as_ref()
            .and_then(|r| r.nearest_phrase())
            .or_else(|| self.speech.as_ref().and_then(|r| r.phrase()))
    }

    /// Whether its onset may be late: its clearance (`features.onset_clearance_db`) is below
    /// what timing it at `p.peak_fraction` of the peak needs ([`RefineParams::clear_db`]).
    ///
    /// [`RefineParams::clear_db`]: crate::detect::refine::RefineParams::clear_db
    pub fn onset_may_be_late(&self, p: &crate::detect::refine::RefineParams) -> bool {
        self.features
            .onset_clearance_db
            .is_some_and(|db| db < p.clear_db())
    }

    /// How exactly its onset could be timed, in words, from `features.onset_clearance_db`
    /// against `p` (the parameters the onset was refined with); none in reports written before
    /// the clearance was measured.
    pub fn onset_timing(&self, p: &crate::detect::refine::RefineParams) -> Option<String> {
        let db = self.features.onset_clearance_db?;
        let level = format!("{:.0} % of the peak", 100.0 * p.peak_fraction);
        Some(if !self.onset_may_be_late(p) {
            format!(
                "Onset clear of the background: the level that defines it ({level}) stands \
                 {db:.1} dB above the background before it."
            )
        } else {
            format!(
                "Onset may be late: the level that defines it ({level}) {} the background \
                 before it, where {:.1} dB above it are needed to see it, so a quieter first \
                 part of the sound may be hidden in the background.",
                if db >= 0.0 {
                    format!("stands only {db:.1} dB above")
                } else {
                    format!("lies {:.1} dB below", -db)
                },
                p.clear_db()
            )
        })
    }
}

/// The footnote to a table that marks with `*` the onsets that may be late
/// ([`Event::onset_may_be_late`]).
pub fn late_onset_note(p: &crate::detect::refine::RefineParams) -> String {
    format!(
        "* onset may be late: the {:.0} % level that defines it stands less than {:.1} dB above \
         the background before it, and a quieter start may be hidden there \
         (features.onset_clearance_db)",
        100.0 * p.peak_fraction,
        p.clear_db()
    )
}

/// A detected sound set aside as a word's onset, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAside {
    /// Onset in seconds, as the event would have had it.
    pub onset_s: f64,
    /// Largest magnitude of any channel, in dBFS.
    pub peak_dbfs: f64,
    /// Its detection score.
    pub detection_score: f64,
    /// Its gunshot score.
    pub gunshot_score: f64,
    /// Spectral flatness of its onset.
    pub flatness: f64,
    /// 1-based index of the cue in `transcript.cues` it starts in, when the captions set it
    /// aside (with the speech heard confirming it, unless `confirm_by_ear` is off).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cue: Option<usize>,
    /// The speech detector's probability after its onset (`detect::speech`), when the speech
    /// heard in the audio set it aside or confirmed a cue's word there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub speech_probability: Option<f64>,
    /// Why, in words.
    pub reason: String,
}

/// An event found, or re-timed, as a copy of a reported gunshot's waveform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// Onset (s) of the reported gunshot whose waveform it repeats.
    pub of_s: f64,
    /// Normalised correlation with that waveform (0..1).
    pub correlation: f64,
    /// Its level against that waveform, in dB: the least-squares gain of the waveform onto
    /// it, taken against the waveform's own sound where its background is a third or more of
    /// it and does not repeat itself (`params.burst.repeat.noise_corrected_level`).
    pub level_db: f64,
    /// Whether it was found only on the first difference of the signal (the whitened search,
    /// `params.burst.repeat.whiten`), where `correlation` and `level_db` were measured.
    /// False in reports written before it.
    #[serde(default)]
    pub whitened: bool,
}

/// Gunshot-like events closer together than the burst gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// 1-based id.
    pub id: usize,
    /// Ids of its events.
    pub events: Vec<usize>,
    /// Number of shots.
    pub count: usize,
    /// Onset of the first shot, in seconds.
    pub first_s: f64,
    /// Onset of the last shot, in seconds.
    pub last_s: f64,
    /// Mean time between consecutive shots, in seconds.
    pub mean_interval_s: f64,
    /// 60 / mean interval.
    pub rounds_per_minute: f64,
    /// How many of its events may be echoes of an earlier one (`Event::possible_echo`): the
    /// count of shots is at most `count` and at least `count` minus these. 0 in reports
    /// written before it.
    #[serde(default)]
    pub possible_echoes: usize,
    /// Where two or more of its rounds have a clear arrival at the two channels
    /// (`Event::arrival`): their delays and whether they come from one direction. Absent
    /// otherwise, and in reports written before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arrivals: Option<crate::features::arrival::BurstArrivals>,
}
