//! The one serde schema every report reads: what earwitness says about a clip.
//!
//! Field names carry their units (`_s`, `_hz`, `_bytes`); maps are `BTreeMap` so the JSON is
//! byte-identical for the same input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decode::AudioInfo;

/// Version of the JSON schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
