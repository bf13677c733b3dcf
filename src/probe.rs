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
