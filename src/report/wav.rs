//! The decoded audio as a 32-bit float WAV: exactly the samples the analysis sees, on the same
//! timeline, so anyone can re-check a figure in another tool.

use std::path::Path;

use super::atomic::AtomicFile;
use crate::decode::AudioStream;
use crate::error::{Error, Result};

/// Streams `stream` into a float WAV at `target` (atomically); returns the frames written.
///
/// # Errors
/// Decoding errors from the stream, or [`Error::Write`] for the output.
pub fn write(stream: &mut AudioStream, target: &Path) -> Result<u64> {
    let info = stream.info().clone();
    let spec = hound::WavSpec {
        channels: u16::try_from(info.channels)
            .map_err(|_| Error::write(target, "too many channels for WAV"))?,
        sample_rate: info.sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut file = AtomicFile::create(target)?;
    let werr = |e: hound::Error| Error::write(target, e.to_string());
    let mut frames = 0u64;
    {
        let mut w = hound::WavWriter::new(file.writer(), spec).map_err(werr)?;
        for block in stream.by_ref() {
            let block = block?;
            for i in 0..block.frames() {
                for ch in &block.channels {
                    w.write_sample(ch[i]).map_err(werr)?;
                }
            }
            frames += block.frames() as u64;
        }
        w.finalize().map_err(werr)?;
    }
    file.commit()?;
    Ok(frames)
}
