//! `probe`: provenance and stream facts of a file, before any analysis.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::decode::{self, DecodeParams};
use crate::error::{Error, Result};
use crate::model::MediaProbe;

/// Size and SHA-256 (lowercase hex) of the file at `path`, read in 1 MiB chunks.
///
/// # Errors
/// [`Error::Read`] when the file cannot be read.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = decode::check_input(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::read(path, &e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, hex))
}

/// Describes `path`: size, SHA-256, container, streams, tags, and which decoder will be used.
///
/// A file whose container opens but whose audio cannot be decoded (no audio track,
/// unsupported codec, corrupt header) is still described: `audio` is `None` and `problem`
/// says why. A truncated file keeps its `audio` and gets a `problem` too.
///
/// # Errors
/// The file cannot be read, or is not a media file any backend recognises.
pub fn probe(path: &Path, params: &DecodeParams) -> Result<MediaProbe> {
    let (size_bytes, sha256) = hash_file(path)?;
    let described = decode::describe(path, params.backend)?;
    let (audio, problem) = match decode::open(path, params) {
        Ok(stream) => (Some(stream.info().clone()), described.integrity),
        Err(e) => (None, Some(problem_text(&e))),
    };
    let decode::Described {
        container, streams, ..
    } = described;
    Ok(MediaProbe {
        path: path.display().to_string(),
        size_bytes,
        sha256,
        container,
        streams,
        audio,
        problem,
    })
}

/// The problem part of an error, without the leading path (the report already names it).
fn problem_text(e: &Error) -> String {
    let full = e.to_string();
    match e {
        Error::Read { path, .. }
        | Error::Media { path, .. }
        | Error::UnsupportedCodec { path, .. }
        | Error::Write { path, .. }
        | Error::Transcript { path, .. } => full
            .strip_prefix(&format!("{}: ", path.display()))
            .map_or(full.clone(), str::to_string),
    }
}

/// Handler names that muxers write for any audio track: they tell one track from another no
/// better than its index.
const GENERIC_HANDLERS: [&str; 3] = ["SoundHandler", "Core Media Audio", "Sound Media Handler"];

/// A stream in words for a warning: `stream 2 (aac, 1 channel, language ukr, "Commentary")`.
fn describe_stream(s: &crate::model::Stream) -> String {
    let mut parts = vec![s.codec.clone()];
    if let Some(c) = s.channels {
        parts.push(format!("{c} channel{}", if c == 1 { "" } else { "s" }));
    }
    if let Some(lang) = s
        .tags
        .get("language")
        .filter(|l| !l.is_empty() && *l != "und")
    {
        parts.push(format!("language {lang}"));
    }
    let name = s.tags.get("title").or_else(|| {
        s.tags
            .get("handler_name")
            .filter(|h| !GENERIC_HANDLERS.contains(&h.as_str()))
    });
    if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
        parts.push(format!("\"{}\"", name.trim()));
    }
    format!("stream {} ({})", s.index, parts.join(", "))
}

/// The warning for a file with more than one audio stream: only the one in `audio` is
/// analysed, and the others (a second microphone, a commentary, a dubbed track) are named with
/// the option that analyses one of them. `None` when the file has one audio stream, or none is decoded.
pub fn unanalysed_audio_warning(p: &MediaProbe) -> Option<String> {
    let audio = p.audio.as_ref()?;
    let all: Vec<&crate::model::Stream> = p.streams.iter().filter(|s| s.kind == "audio").collect();
    let count = all.len();
    if count < 2 {
        return None;
    }
    let analysed = all
        .iter()
        .find(|s| s.index == audio.stream_index)
        .map_or(format!("stream {}", audio.stream_index), |s| {
            describe_stream(s)
        });
    let others: Vec<&crate::model::Stream> = all
        .into_iter()
        .filter(|s| s.index != audio.stream_index)
        .collect();
    let first_other = others.first()?.index;
    let which = if others.len() == 1 { "it" } else { "that one" };
    Some(format!(
        "the file holds {} audio streams; only {analysed} is analysed. Not analysed: {}, which \
         may hold another microphone, a commentary or a dubbed track: `--audio-stream \
         {first_other}` analyses {which}",
        count,
        others
            .iter()
            .map(|s| describe_stream(s))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}
