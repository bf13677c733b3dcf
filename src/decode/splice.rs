//! A virtual file made of byte ranges of another (and of bytes and runs of one byte), and a
//! symphonia reader that lists a container's streams and gives the packets of one audio
//! stream read from such a file: how the containers symphonia does not read (AVI) have their
//! audio read by symphonia's own readers and decoders, as a WAV or an MPEG audio stream.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::errors::{Error as SymError, Result as SymResult};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{
    FormatInfo, FormatOptions, FormatReader, MediaInfo, SeekMode, SeekTo, SeekedTo, Track,
};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{Metadata, MetadataLog, MetadataOptions};
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, TimeBase, Timestamp};

/// One piece of a virtual file.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    File { at: u64, len: u64 },
    Fill { byte: u8, len: u64 },
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::File { len, .. } | Piece::Fill { len, .. } => *len,
        }
    }
}

/// A file made of pieces of another, of bytes and of runs of one byte: a stream's payloads
/// read as one, behind the header of the format that reads them.
pub(crate) struct Spliced {
    /// The file, buffered: a stream's payloads lie a few bytes apart (a TS packet's header,
    /// an AVI chunk's), so most moves to the next piece stay inside the buffer.
    file: BufReader<File>,
    /// Where `file` stands.
    file_pos: Option<u64>,
    pieces: Vec<Piece>,
    /// Where each piece starts.
    starts: Vec<u64>,
    pos: u64,
    pub len: u64,
}

impl Spliced {
    pub fn new(file: File, pieces: Vec<Piece>) -> Self {
        let mut starts = Vec::with_capacity(pieces.len());
        let mut len = 0u64;
        for p in &pieces {
            starts.push(len);
            len += p.len();
        }
        Spliced {
            file: BufReader::with_capacity(1 << 16, file),
            file_pos: None,
            pieces,
            starts,
            pos: 0,
            len,
        }
    }
}

impl Read for Spliced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let i = self.starts.partition_point(|&s| s <= self.pos) - 1;
        let into = self.pos - self.starts[i];
        let piece = &self.pieces[i];
        let n = usize::try_from((piece.len() - into).min(buf.len() as u64)).unwrap_or(buf.len());
        match piece {
            Piece::Bytes(b) => buf[..n].copy_from_slice(&b[into as usize..into as usize + n]),
            Piece::Fill { byte, .. } => buf[..n].fill(*byte),
            Piece::File { at, .. } => {
                let want = at + into;
                match self.file_pos {
                    Some(p) if p != want => self.file.seek_relative(want as i64 - p as i64)?,
                    Some(_) => {}
                    None => {
                        self.file.seek(SeekFrom::Start(want))?;
                    }
                }
                self.file_pos = None;
                self.file.read_exact(&mut buf[..n])?;
                self.file_pos = Some(want + n as u64);
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Spliced {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let p = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = p.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

impl symphonia::core::io::MediaSource for Spliced {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// The pieces of a WAV file whose `fmt ` is `format` and whose data is `chunks`, with `fills`
/// ((chunk index, bytes) of silence `silence`) before the chunks named.
pub(crate) fn wave_pieces(
    format: &[u8],
    chunks: &[(u64, u32)],
    fills: &[(usize, u64)],
    silence: u8,
) -> Vec<Piece> {
    let mut data = Vec::with_capacity(chunks.len() + fills.len());
    let mut f = fills.iter().peekable();
    for (i, &(at, len)) in chunks.iter().enumerate() {
        while let Some(&&(_, n)) = f.peek().filter(|x| x.0 == i) {
            data.push(Piece::Fill {
                byte: silence,
                len: n,
            });
            f.next();
        }
        data.push(Piece::File {
            at,
            len: u64::from(len),
        });
    }
    for &(_, n) in f {
        data.push(Piece::Fill {
            byte: silence,
            len: n,
        });
    }
    let data_len: u64 = data.iter().map(Piece::len).sum();
    let fmt_len = format.len() + (format.len() & 1);
    // Lengths past what RIFF can say are given as unknown, which the reader reads to the end.
    let total = 4 + 8 + fmt_len as u64 + 8 + data_len;
    let riff_len = u32::try_from(total).unwrap_or(u32::MAX);
    let data_len32 = u32::try_from(data_len).ok().filter(|_| riff_len < u32::MAX);
    let mut head = Vec::with_capacity(44 + format.len());
    head.extend(b"RIFF");
    head.extend(riff_len.to_le_bytes());
    head.extend(b"WAVEfmt ");
    head.extend((format.len() as u32).to_le_bytes());
    head.extend(format);
    head.resize(20 + fmt_len, 0);
    head.extend(b"data");
    head.extend(data_len32.unwrap_or(u32::MAX).to_le_bytes());
    let mut pieces = vec![Piece::Bytes(head)];
    pieces.extend(data);
    pieces
}

/// A container opened by one of the readers here: its reader, the warnings its damage and
/// time stamps call for, and the silence to put in its audio: (the index of the packet it goes
/// before, samples).
pub(crate) type Opened = (Box<dyn FormatReader>, Vec<String>, Vec<(u64, u64)>);

/// Where a [`Listed`] reader's audio packets come from.
pub(crate) enum Feed {
    /// No audio stream this build reads.
    None,
    /// A reader of the stream's payloads as one file (WAV or MPEG audio); its packets are
    /// given as track `id`'s.
    Inner {
        reader: Box<dyn FormatReader>,
        id: u32,
    },
    /// Byte ranges of the file, each a packet of `frames` frames (AAC in AVI).
    Chunks {
        file: File,
        chunks: Vec<(u64, u32)>,
        next: usize,
        id: u32,
        frames: u64,
    },
}

/// A symphonia [`FormatReader`] over a container it does not read: every stream listed as a
/// track (numbered as the file numbers them), the packets of one audio stream.
pub(crate) struct Listed {
    pub info: FormatInfo,
    pub tracks: Vec<Track>,
    pub media: MediaInfo,
    pub metadata: MetadataLog,
    pub feed: Feed,
}

impl Listed {
    /// A reader of one audio track (id 0) of `frames` frames at `rate` described by `params`,
    /// whose packets are the byte ranges `chunks` of `file`, `per_chunk` frames each (AMR
    /// records, AAC frames found in an unfinished MP4).
    pub(crate) fn chunked(
        info: FormatInfo,
        params: AudioCodecParameters,
        (rate, frames): (u32, u64),
        file: File,
        (chunks, per_chunk): (Vec<(u64, u32)>, u64),
    ) -> Self {
        let mut t = Track::new(0);
        t.with_codec_params(CodecParameters::Audio(params))
            .with_num_frames(frames)
            .with_duration(Duration::new(frames));
        if let Some(tb) = TimeBase::try_new(1, rate) {
            t.with_time_base(tb);
        }
        let tracks = vec![t];
        Listed {
            info,
            media: MediaInfo::from_tracks(&tracks),
            tracks,
            metadata: MetadataLog::default(),
            feed: Feed::Chunks {
                file,
                chunks,
                next: 0,
                id: 0,
                frames: per_chunk,
            },
        }
    }
}

/// A reader of `source` (a WAV or MPEG audio file), with symphonia's probe.
pub(crate) fn inner_reader(source: Spliced, hint_ext: &str) -> SymResult<Box<dyn FormatReader>> {
    let mut hint = Hint::new();
    hint.with_extension(hint_ext);
    let mss = MediaSourceStream::new(Box::new(source), Default::default());
    symphonia::default::get_probe().probe(
        &hint,
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    )
}

impl FormatReader for Listed {
    fn format_info(&self) -> &FormatInfo {
        &self.info
    }

    fn media_info(&self) -> &MediaInfo {
        &self.media
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.metadata.metadata()
    }

    fn seek(&mut self, _mode: SeekMode, _to: SeekTo) -> SymResult<SeekedTo> {
        Err(SymError::Unsupported("seeking in a listed container"))
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    fn next_packet(&mut self) -> SymResult<Option<Packet>> {
        match &mut self.feed {
            Feed::None => Ok(None),
            Feed::Inner { reader, id } => Ok(reader.next_packet()?.map(|mut p| {
                p.track_id = *id;
                p
            })),
            Feed::Chunks {
                file,
                chunks,
                next,
                id,
                frames,
            } => {
                let Some(&(at, len)) = chunks.get(*next) else {
                    return Ok(None);
                };
                let mut data = vec![0u8; len as usize];
                file.seek(SeekFrom::Start(at))?;
                file.read_exact(&mut data)?;
                let pts = *next as u64 * *frames;
                *next += 1;
                Ok(Some(Packet::new(
                    *id,
                    Timestamp::new(pts as i64),
                    Duration::new(*frames),
                    data,
                )))
            }
        }
    }

    fn into_inner<'s>(self: Box<Self>) -> MediaSourceStream<'s>
    where
        Self: 's,
    {
        match self.feed {
            Feed::Inner { reader, .. } => reader.into_inner(),
            _ => MediaSourceStream::new(
                Box::new(std::io::Cursor::new(Vec::<u8>::new())),
                Default::default(),
            ),
        }
    }
}

/// Why symphonia's MPEG audio reader found no stream in the MPEG audio stream `src`: the first
/// frame's bit rate, where the standard does not allow it in its channel mode (ffmpeg's MP2
/// encoder writes 384 kbit/s mono by default, and that reader refuses such frames).
pub(crate) fn mpeg_refusal(src: &mut Spliced) -> String {
    let len = src.len;
    match super::mpa::stream_start(src, len)
        .and_then(|s| s.disallowed_rate_kbps.map(|k| (k, s.mono)))
    {
        Some((kbps, mono)) => format!(
            "its first frame's bit rate, {kbps} kbit/s, is one the MPEG standard does not allow \
             in {}, and the pure-Rust reader refuses it",
            if mono { "mono" } else { "two channels" }
        ),
        None => "the pure-Rust MPEG audio reader finds no stream in it".into(),
    }
}
