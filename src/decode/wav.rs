//! WAV files that symphonia refuses, read with hound: chiefly those with more channels than a
//! WAVE channel mask can name.
//!
//! symphonia 0.6 maps a WAVE_FORMAT_EXTENSIBLE file's channels to speaker positions and gives up
//! when there are more than the 18 the mask defines (a 19-, 32- or 64-channel file from a
//! microphone array or a polyphonic field recorder is "not a recognised media file", or "block
//! size is 0"). Such files are plain interleaved PCM; hound reads their header without
//! interpreting the mask, so they are handed to it instead. Only integer PCM (8 to 32 bits) and
//! 32-bit float are read here, what hound supports; anything else keeps symphonia's error.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::Path;

use super::{AudioBlock, AudioInfo, BlockSource, Described};
use crate::error::{Error, Result};
use crate::model::{Container, Stream};

/// Samples (all channels together) in one block at most, so that a header claiming thousands of
/// channels cannot ask for gigabytes per block: 4 Mi samples, 16 MiB of `f32`.
const MAX_BLOCK_SAMPLES: usize = 1 << 22;

/// Frames per block: `requested`, or fewer so that a block holds at most [`MAX_BLOCK_SAMPLES`].
fn capped_block_frames(requested: usize, channels: usize) -> usize {
    requested.min(MAX_BLOCK_SAMPLES / channels.max(1)).max(1)
}

/// Whether the first bytes of a file are a RIFF WAVE header.
pub(crate) fn is_wav(head: &[u8]) -> bool {
    head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WAVE"
}

/// The header facts of a WAV file, as hound reads them.
struct Header {
    spec: hound::WavSpec,
    /// Frames the data chunk announces.
    frames: u64,
    /// Byte offset of the first sample.
    data_start: u64,
}

impl Header {
    fn codec(&self) -> String {
        match self.spec.sample_format {
            hound::SampleFormat::Float => format!("pcm_f{}le", self.spec.bits_per_sample),
            hound::SampleFormat::Int if self.spec.bits_per_sample <= 8 => "pcm_u8".into(),
            hound::SampleFormat::Int => format!("pcm_s{}le", self.spec.bits_per_sample),
        }
    }

    fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.spec.sample_rate)
    }

    /// Bytes per frame as stored.
    fn frame_bytes(&self) -> u64 {
        u64::from(self.spec.channels) * u64::from(self.spec.bits_per_sample).div_ceil(8)
    }

    /// Bit rate of the stored samples, bits per second.
    fn bit_rate(&self) -> u64 {
        self.frame_bytes() * 8 * u64::from(self.spec.sample_rate)
    }
}

/// Reads the header of `path` with hound; an error names the file and what hound found wrong.
fn header(path: &Path) -> Result<Header> {
    let file = File::open(path).map_err(|e| Error::read(path, &e))?;
    let reader =
        hound::WavReader::new(file).map_err(|e| Error::media(path, format!("WAV header: {e}")))?;
    let spec = reader.spec();
    super::check_sample_rate(path, "WAV", spec.sample_rate)?;
    let supported = match spec.sample_format {
        hound::SampleFormat::Int => (1..=32).contains(&spec.bits_per_sample),
        hound::SampleFormat::Float => spec.bits_per_sample == 32,
    };
    if !supported {
        return Err(Error::media(
            path,
            format!(
                "WAV with {}-bit {:?} samples is not read by the fallback reader",
                spec.bits_per_sample, spec.sample_format
            ),
        ));
    }
    let frames = u64::from(reader.duration());
    // hound leaves the file at the first sample once the header is read (it reads unbuffered).
    let data_start = reader
        .into_inner()
        .stream_position()
        .map_err(|e| Error::read(path, &e))?;
    Ok(Header {
        spec,
        frames,
        data_start,
    })
}

/// Describes a WAV file symphonia refused (see the module documentation).
pub(crate) fn describe(path: &Path) -> Result<Described> {
    let h = header(path)?;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::read(path, &e))?
        .len();
    let stored = size.saturating_sub(h.data_start);
    let announced = h.frames * h.frame_bytes();
    let integrity = (stored < announced).then(|| {
        format!(
            "the file is truncated: its data chunk announces {:.3} s, {:.3} s are present",
            h.duration_s(),
            (stored / h.frame_bytes().max(1)) as f64 / f64::from(h.spec.sample_rate)
        )
    });
    let duration_s = Some(h.duration_s());
    let bit_rate = Some(h.bit_rate());
    Ok(Described {
        container: Container {
            format: "wav".into(),
            format_long: format!(
                "Waveform Audio File Format ({} channels, read by hound)",
                h.spec.channels
            ),
            duration_s,
            bit_rate,
            tags: Default::default(),
            read_by: "hound".into(),
        },
        streams: vec![Stream {
            index: 0,
            kind: "audio".into(),
            codec: h.codec(),
            sample_rate: Some(h.spec.sample_rate),
            channels: Some(usize::from(h.spec.channels)),
            duration_s,
            bit_rate,
            width: None,
            height: None,
            frame_rate: None,
            tags: Default::default(),
        }],
        integrity,
    })
}

/// Opens a WAV file symphonia refused for block-wise reading.
pub(crate) fn open(path: &Path, block_frames: usize) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    let h = header(path)?;
    let channels = usize::from(h.spec.channels);
    let info = AudioInfo {
        backend: "hound".into(),
        decoder: format!("hound {} (pure Rust) {}", HOUND_VERSION, h.codec()),
        codec: h.codec(),
        stream_index: 0,
        sample_rate: h.spec.sample_rate,
        channels,
        priming_frames: 0,
        priming_source: None,
        start_s: 0.0,
    };
    let kind = match h.spec.sample_format {
        hound::SampleFormat::Float => Kind::Float,
        // hound returns integer samples signed (8-bit unsigned data re-centred on 0), in units of
        // the stored width: full scale is 2^(bits-1).
        hound::SampleFormat::Int => {
            Kind::Int((-f64::from(h.spec.bits_per_sample - 1)).exp2() as f32)
        }
    };
    let source = Source {
        reader: hound::WavReader::open(path)
            .map_err(|e| Error::media(path, format!("WAV header: {e}")))?,
        kind,
        channels,
        block_frames: capped_block_frames(block_frames, channels),
        next_frame: 0,
        announced: h.frames,
        sample_rate: h.spec.sample_rate,
        done: false,
        warnings: Vec::new(),
    };
    Ok((info, Box::new(source)))
}

/// The hound release Cargo.toml asks for, named in `AudioInfo::decoder`.
const HOUND_VERSION: &str = "3.5";

/// How stored samples become `f32` at full scale 1.
#[derive(Clone, Copy)]
enum Kind {
    /// Integers, times this scale.
    Int(f32),
    /// Floats as stored.
    Float,
}

struct Source {
    reader: hound::WavReader<BufReader<File>>,
    kind: Kind,
    channels: usize,
    block_frames: usize,
    next_frame: u64,
    announced: u64,
    sample_rate: u32,
    done: bool,
    warnings: Vec<String>,
}

impl Source {
    /// Reads up to `want` interleaved samples into `planar`; `Err` is a read error part-way (the
    /// data chunk ends before its header says).
    fn fill(
        &mut self,
        planar: &mut [Vec<f32>],
        want: usize,
    ) -> std::result::Result<(), hound::Error> {
        let channels = self.channels;
        let mut k = 0usize;
        // A macro rather than a generic function: the same loop written as one (the conversion
        // a closure argument) took 19 % longer on a 120-s 19-channel 16-bit file (mean of three
        // runs, 2.71 s against 2.27 s; 33 % with the loop as `try_for_each`).
        macro_rules! read {
            ($t:ty, $conv:expr) => {{
                for s in self.reader.samples::<$t>().take(want) {
                    let v = s?;
                    planar[k % channels].push($conv(v));
                    k += 1;
                }
            }};
        }
        match self.kind {
            Kind::Int(scale) => read!(i32, |v: i32| v as f32 * scale),
            Kind::Float => read!(f32, |v: f32| v),
        }
        Ok(())
    }
}

impl BlockSource for Source {
    fn next_block(&mut self) -> Result<Option<AudioBlock>> {
        if self.done {
            return Ok(None);
        }
        let mut planar = vec![Vec::with_capacity(self.block_frames); self.channels];
        let want = self.block_frames * self.channels;
        if self.fill(&mut planar, want).is_err() {
            self.done = true;
            let at = self.next_frame + planar.iter().map(Vec::len).min().unwrap_or(0) as u64;
            let s = |f: u64| f as f64 / f64::from(self.sample_rate);
            self.warnings.push(format!(
                "the audio ends at {:.3} s of the {:.3} s its header announces (truncated?): \
                 what was read is analysed",
                s(at),
                s(self.announced)
            ));
        }
        // A frame cut short by the end of the data is dropped: every channel keeps the same length.
        let n = planar.iter().map(Vec::len).min().unwrap_or(0);
        if n < self.block_frames {
            self.done = true;
        }
        if n == 0 {
            return Ok(None);
        }
        for c in &mut planar {
            c.truncate(n);
        }
        let block = AudioBlock {
            start_frame: self.next_frame,
            channels: planar,
        };
        self.next_frame += n as u64;
        Ok(Some(block))
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Writes `frames` frames of `channels` channels of 16-bit PCM, channel `c` holding the
    /// constant `(c % 300) * 100`, as WAVE_FORMAT_EXTENSIBLE with channel mask 0 (as hound writes
    /// files of more than two channels), and returns its path.
    fn write(dir: &Path, channels: u16, frames: usize) -> PathBuf {
        let path = dir.join(format!("ch{channels}.wav"));
        let spec = hound::WavSpec {
            channels,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for _ in 0..frames {
            for c in 0..channels {
                w.write_sample((c % 300) as i16 * 100).unwrap();
            }
        }
        w.finalize().unwrap();
        path
    }

    #[test]
    fn reads_every_channel_of_a_32_channel_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), 32, 1000);
        let (info, mut src) = open(&path, 300).unwrap();
        assert_eq!((info.channels, info.sample_rate), (32, 8000));
        assert_eq!(info.codec, "pcm_s16le");
        let mut frames = 0;
        while let Some(b) = src.next_block().unwrap() {
            assert_eq!(b.start_frame, frames as u64);
            assert_eq!(b.channels.len(), 32);
            for (c, ch) in b.channels.iter().enumerate() {
                let want = (c % 300) as f32 * 100.0 / 32768.0;
                assert!(ch.iter().all(|&v| v == want), "channel {c}");
            }
            frames += b.frames();
        }
        assert_eq!(frames, 1000);
        assert!(src.warnings().is_empty());
        let d = describe(&path).unwrap();
        assert_eq!(d.streams[0].channels, Some(32));
        assert!(d.integrity.is_none());
    }

    #[test]
    fn a_truncated_file_yields_what_is_there_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), 20, 1000);
        let bytes = std::fs::read(&path).unwrap();
        // Cut mid-frame: 600 whole frames and half of the next.
        let cut = bytes.len() - 400 * 20 * 2 + 20;
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let (_, mut src) = open(&path, 256).unwrap();
        let mut frames = 0;
        while let Some(b) = src.next_block().unwrap() {
            frames += b.frames();
        }
        assert_eq!(frames, 600);
        let w = src.warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("0.075 s of the 0.125 s"), "{w:?}");
        assert!(
            describe(&path)
                .unwrap()
                .integrity
                .unwrap()
                .contains("truncated")
        );
    }

    #[test]
    fn a_header_claiming_many_channels_gets_small_blocks() {
        assert_eq!(capped_block_frames(1 << 16, 2), 1 << 16);
        assert_eq!(capped_block_frames(1 << 16, 65_535), 64);
        assert_eq!(capped_block_frames(0, 1), 1);
        // And such a file is read whole, one small block at a time.
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), 4000, 3);
        let (_, mut src) = open(&path, 1 << 16).unwrap();
        let b = src.next_block().unwrap().unwrap();
        assert_eq!((b.channels.len(), b.frames()), (4000, 3));
        assert!(src.next_block().unwrap().is_none());
    }
}
