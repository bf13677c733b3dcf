//! The provenance a WAV file carries in its own chunks, which symphonia's RIFF reader does not
//! surface: the Broadcast Wave `bext` chunk (EBU Tech 3285: the recorder, the origination date
//! and time, and the time reference, the first sample's place on the recorder's clock in
//! samples since midnight) and the `LIST`/`INFO` chunk (title, comment, creation date,
//! software). Field recorders, dictaphones and some body cameras write them; for an
//! investigator they date the recording.
//!
//! Written by hand: the chunks are a few fixed-width fields, and no maintained crate reads
//! `bext` (hound and symphonia skip it). Bounded: at most [`MAX_CHUNKS`] chunk headers are
//! visited and at most [`MAX_CHUNK_READ`] bytes of a chunk are read.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

/// Chunk headers visited before giving up (a hostile file of empty chunks).
pub const MAX_CHUNKS: usize = 4096;
/// Bytes of a `bext` or `LIST` chunk read (the fixed part of `bext` is 602 bytes; coding
/// histories and INFO texts are short).
pub const MAX_CHUNK_READ: usize = 64 * 1024;

/// The tags of the WAV (or RF64/BW64) file `r`, at `sample_rate`: `bext_*` from a `bext` chunk
/// and ffprobe's names for `LIST`/`INFO` fields (`title`, `comment`, `date`, `encoder`, ...).
/// Empty for any other file, and for what cannot be read.
pub fn wav_tags(r: &mut (impl Read + Seek), sample_rate: u32) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    if wave(r, &[b"RIFF", b"RF64", b"BW64"]).is_none() {
        return tags;
    }
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut ch = [0u8; 8];
        if r.seek(SeekFrom::Start(at)).is_err() || r.read_exact(&mut ch).is_err() {
            break;
        }
        let len = u64::from(u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]));
        let id = [ch[0], ch[1], ch[2], ch[3]];
        if &id == b"bext" || &id == b"LIST" {
            let mut body = vec![0u8; len.min(MAX_CHUNK_READ as u64) as usize];
            if r.read_exact(&mut body).is_err() {
                break;
            }
            if &id == b"bext" {
                bext(&body, sample_rate, &mut tags);
            } else {
                info_fields(&body, &mut tags);
            }
        } else if len == u64::from(u32::MAX) {
            // An RF64 data chunk sized in `ds64`: what follows it is not reached.
            break;
        }
        at += 8 + len + (len & 1);
    }
    tags
}

/// Some(()) if `r` opens with one of the RIFF-style `ids` and the form type `WAVE`.
fn wave(r: &mut (impl Read + Seek), ids: &[&[u8; 4]]) -> Option<()> {
    let mut head = [0u8; 12];
    r.seek(SeekFrom::Start(0)).ok()?;
    r.read_exact(&mut head).ok()?;
    (ids.iter().any(|id| head[..4] == id[..]) && &head[8..12] == b"WAVE").then_some(())
}

/// A WAV file whose header was never finished: its `data` chunk's length reads 0 or
/// 0xFFFFFFFF (the "unknown" a program writing to a pipe puts there) though audio follows.
/// A recorder that lost power or crashed before it closed the file, or a stream saved to disk,
/// leaves one; symphonia reads no audio from the first (the length it is told) and reports the
/// second as truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    /// Byte offset of the `data` chunk's length field.
    pub length_at: u64,
    /// What the field says.
    pub declared: u32,
    /// The audio's length: the bytes from the chunk's body to the end of the file, in whole
    /// frames of the `fmt ` chunk's block alignment.
    pub actual: u32,
}

/// The [`Unfinished`] header of the RIFF WAVE file `r` (`len` bytes long), if it has one.
/// None for an RF64/BW64 file (its 0xFFFFFFFF means "see `ds64`"), for a `data` chunk whose
/// length is plausible, and for anything else.
pub fn unfinished(r: &mut (impl Read + Seek), len: u64) -> Option<Unfinished> {
    wave(r, &[b"RIFF"])?;
    let (at, size, block_align) = find_data(r, |_, _, _| Some(()))?;
    let body = at + 8;
    if (size != 0 && size != u32::MAX) || len <= body {
        return None;
    }
    let whole = (len - body) / block_align * block_align;
    Some(Unfinished {
        length_at: at + 4,
        declared: size,
        // A RIFF length cannot say more than 4 GiB: past that, what it can.
        actual: u32::try_from(whole.min(u64::from(u32::MAX) / block_align * block_align))
            .unwrap_or(0),
    })
}

/// The `data` chunk of the WAVE file `r`, whose first 12 bytes were checked: the chunks are
/// walked from byte 12, each other one's id and length given to `other` with the reader at
/// its body; returns the `data` chunk's offset and 32-bit length, and the block alignment of
/// the `fmt ` chunk before it (1 if none). None if the walk ends first.
fn find_data<R: Read + Seek>(
    r: &mut R,
    mut other: impl FnMut(&[u8], u32, &mut R) -> Option<()>,
) -> Option<(u64, u32, u64)> {
    let mut block_align = 1u64;
    let mut at = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut ch = [0u8; 8];
        r.seek(SeekFrom::Start(at)).ok()?;
        r.read_exact(&mut ch).ok()?;
        let size = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]);
        match &ch[..4] {
            b"fmt " => {
                let mut fmt = [0u8; 14];
                r.read_exact(&mut fmt).ok()?;
                block_align = u64::from(u16::from_le_bytes([fmt[12], fmt[13]])).max(1);
            }
            b"data" => return Some((at, size, block_align)),
            id => other(id, size, r)?,
        }
        at += 8 + u64::from(size) + u64::from(size & 1);
    }
    None
}

impl Unfinished {
    /// The bytes to read in place of the header's lengths (the RIFF chunk's and the `data`
    /// chunk's, in a file of `len` bytes) as they should have been written: (offset, bytes).
    pub fn patches(&self, len: u64) -> Vec<(u64, Vec<u8>)> {
        let riff = u32::try_from(len.saturating_sub(8)).unwrap_or(u32::MAX);
        vec![
            (4, riff.to_le_bytes().to_vec()),
            (self.length_at, self.actual.to_le_bytes().to_vec()),
        ]
    }
}

/// An RF64 or BW64 file (EBU Tech 3306; ITU-R BS.2088): a WAV whose RIFF and `data` lengths
/// read 0xFFFFFFFF and whose true lengths, 64-bit, are in a `ds64` chunk first after `WAVE`.
/// Field and broadcast recorders write it (some always, some past 4 GiB); symphonia's RIFF
/// reader and hound refuse it ("file ends before its header is complete"). Read as a RIFF
/// WAVE with the lengths put back into the 32-bit fields ([`Ds64::patches`]), it decodes as
/// any WAV; the `ds64` chunk is skipped as an unknown one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ds64 {
    /// Byte offset of the `data` chunk's length field.
    pub length_at: u64,
    /// The audio's length as `ds64` gives it, and as the file holds it (to its end, in whole
    /// frames of the `fmt ` chunk's block alignment).
    pub declared: u64,
    pub held: u64,
    /// What a 32-bit length can say of it: the audio read.
    pub readable: u32,
}

/// The [`Ds64`] lengths of the RF64/BW64 file `r` (`len` bytes long), if it is one whose
/// `data` chunk defers its length to `ds64`; None for anything else.
pub fn ds64(r: &mut (impl Read + Seek), len: u64) -> Option<Ds64> {
    wave(r, &[b"RF64", b"BW64"])?;
    let mut declared = None;
    let (at, size, block_align) = find_data(r, |id, size, r| {
        // riffSize, dataSize and sampleCount, 64 bits each.
        if id == b"ds64" && size >= 24 {
            let mut b = [0u8; 16];
            r.read_exact(&mut b).ok()?;
            declared = Some(u64::from_le_bytes(b[8..16].try_into().ok()?));
        }
        Some(())
    })?;
    let declared = declared.filter(|_| size == u32::MAX)?;
    let body = at + 8;
    let held = declared.min(len.saturating_sub(body)) / block_align * block_align;
    let most = u64::from(u32::MAX) / block_align * block_align;
    Some(Ds64 {
        length_at: at + 4,
        declared,
        held,
        readable: u32::try_from(held.min(most)).unwrap_or(0),
    })
}

impl Ds64 {
    /// The bytes to read in place of the header's (offset, bytes): `RIFF` for `RF64`/`BW64`,
    /// and the RIFF and `data` lengths (in a file of `len` bytes).
    pub fn patches(&self, len: u64) -> Vec<(u64, Vec<u8>)> {
        let riff = u32::try_from(len.saturating_sub(8)).unwrap_or(u32::MAX);
        vec![
            (0, b"RIFF".to_vec()),
            (4, riff.to_le_bytes().to_vec()),
            (self.length_at, self.readable.to_le_bytes().to_vec()),
        ]
    }

    /// What a report should say of the lengths, if anything: a file cut short of what `ds64`
    /// says, or audio past the 4 GiB a RIFF length can say (left unread).
    pub fn warning(&self) -> Option<String> {
        if u64::from(self.readable) < self.held {
            Some(format!(
                "an RF64 file of {} bytes of audio: only the first {} are read (a RIFF length \
                 says no more); rebuild with `--features ffmpeg` to read it whole",
                self.held, self.readable
            ))
        } else if self.held < self.declared {
            Some(format!(
                "the RF64 header gives {} bytes of audio, the file holds {}: truncated, read \
                 to its end",
                self.declared, self.held
            ))
        } else {
            None
        }
    }
}

/// A file read with a few of its bytes replaced (an [`Unfinished`] WAV header given its
/// lengths, an MP4's cut `mdat` given the size the file holds), so that a reader that trusts
/// them reads what is there to the end; and stretches read as zeros (the damaged bytes between
/// an MPEG audio file's frames, so that a reader searching them for a frame finds none).
pub struct Patched<R> {
    inner: R,
    pos: u64,
    /// Byte offset and the bytes read there instead.
    patches: Vec<(u64, Vec<u8>)>,
    /// Stretches (start, end) read as zeros, in order and apart.
    zeros: Vec<(u64, u64)>,
}

impl<R: Read + Seek> Patched<R> {
    /// `inner` with `patches` (offset, bytes) read in place of what it holds there, and the
    /// stretches `zeros` (start, end; in order and apart) read as zeros.
    pub fn new(
        mut inner: R,
        patches: Vec<(u64, Vec<u8>)>,
        zeros: Vec<(u64, u64)>,
    ) -> std::io::Result<Self> {
        let pos = inner.stream_position()?;
        Ok(Patched {
            inner,
            pos,
            patches,
            zeros,
        })
    }
}

impl<R: Read> Read for Patched<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (lo, hi) = (self.pos, self.pos + n as u64);
        for (at, bytes) in &self.patches {
            let (a, b) = ((*at).max(lo), (at + bytes.len() as u64).min(hi));
            if a < b {
                buf[(a - lo) as usize..(b - lo) as usize]
                    .copy_from_slice(&bytes[(a - at) as usize..(b - at) as usize]);
            }
        }
        // The stretches this read overlaps, found by bisection: a damaged file may have
        // thousands.
        let first = self.zeros.partition_point(|&(_, end)| end <= lo);
        for &(a, b) in self.zeros[first..].iter().take_while(|&&(a, _)| a < hi) {
            buf[(a.max(lo) - lo) as usize..(b.min(hi) - lo) as usize].fill(0);
        }
        self.pos = hi;
        Ok(n)
    }
}

impl<R: Seek> Seek for Patched<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

/// Text of a fixed-width field: up to the first NUL, trimmed; none when empty.
fn text(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = String::from_utf8_lossy(&b[..end]).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The `bext` fields (EBU Tech 3285, version 0-2): Description (256 bytes), Originator (32),
/// OriginatorReference (32), OriginationDate (10), OriginationTime (8), TimeReference (u64),
/// ..., CodingHistory from byte 602.
fn bext(b: &[u8], sample_rate: u32, tags: &mut BTreeMap<String, String>) {
    let field = |lo: usize, hi: usize| b.get(lo..hi).and_then(text);
    for (key, lo, hi) in [
        ("bext_description", 0, 256),
        ("bext_originator", 256, 288),
        ("bext_originator_reference", 288, 320),
        ("bext_origination_date", 320, 330),
        ("bext_origination_time", 330, 338),
    ] {
        if let Some(v) = field(lo, hi) {
            tags.insert(key.into(), v);
        }
    }
    if let Some(t) = b.get(338..346) {
        let samples = u64::from_le_bytes(t.try_into().unwrap_or([0; 8]));
        tags.insert("bext_time_reference".into(), samples.to_string());
        if sample_rate > 0 {
            tags.insert(
                "bext_first_sample_clock".into(),
                clock(samples, sample_rate),
            );
        }
    }
    if let Some(v) = b.get(602..).and_then(text) {
        tags.insert("bext_coding_history".into(), v.replace("\r\n", " / "));
    }
}

/// Samples since midnight as the recorder's clock, `hh:mm:ss.ssssss` (days beyond the first
/// counted in the hours).
fn clock(samples: u64, sample_rate: u32) -> String {
    let sr = u64::from(sample_rate);
    let secs = samples / sr;
    let micros = (samples % sr) * 1_000_000 / sr;
    format!(
        "{:02}:{:02}:{:02}.{micros:06}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The `LIST`/`INFO` fields, under ffprobe's names (a WAV's or an AVI's).
pub(crate) fn info_fields(b: &[u8], tags: &mut BTreeMap<String, String>) {
    if b.get(..4) != Some(b"INFO") {
        return;
    }
    let mut at = 4usize;
    while let Some(h) = b.get(at..at + 8) {
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let key = match &h[..4] {
            b"INAM" => "title",
            b"IART" => "artist",
            b"ICMT" => "comment",
            b"ICRD" => "date",
            b"ISFT" => "encoder",
            b"ICOP" => "copyright",
            b"IENG" => "engineer",
            b"ITCH" => "technician",
            b"ISRC" => "source",
            b"IKEY" => "keywords",
            b"IPRD" => "album",
            b"ISBJ" => "subject",
            _ => "",
        };
        if let Some(v) = b.get(at + 8..(at + 8).saturating_add(len)).and_then(text)
            && !key.is_empty()
        {
            tags.insert(key.into(), v);
        }
        at = at.saturating_add(8 + len + (len & 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = id.to_vec();
        c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        c.extend_from_slice(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn padded(s: &str, n: usize) -> Vec<u8> {
        let mut v = s.as_bytes().to_vec();
        v.resize(n, 0);
        v
    }

    #[test]
    fn a_broadcast_wave_file_dates_its_first_sample() {
        let mut b = padded("Interview, checkpoint 4", 256);
        b.extend(padded("ZOOM H5", 32));
        b.extend(padded("ZH5_0042", 32));
        b.extend(b"2026-03-01");
        b.extend(b"12:34:56");
        // 12:34:56.5 at 48 kHz.
        b.extend_from_slice(&(45_296_u64 * 48_000 + 24_000).to_le_bytes());
        b.resize(602, 0);
        b.extend(b"A=ANALOGUE,M=mono,T=mic\r\nA=PCM,F=48000,W=24,M=mono,T=ZOOM H5\r\n");
        let mut info = b"INFO".to_vec();
        info.extend(chunk(b"ISFT", b"Lavf59.27.100\0"));
        info.extend(chunk(b"ICMT", b"odd"));
        info.extend(chunk(b"IXYZ", b"unknown"));
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend(chunk(b"fmt ", &[0; 16]));
        file.extend(chunk(b"bext", &b));
        file.extend(chunk(b"data", &[0; 7]));
        file.extend(chunk(b"LIST", &info));
        let t = wav_tags(&mut std::io::Cursor::new(file), 48_000);
        assert_eq!(t["bext_originator"], "ZOOM H5");
        assert_eq!(t["bext_description"], "Interview, checkpoint 4");
        assert_eq!(t["bext_origination_date"], "2026-03-01");
        assert_eq!(t["bext_first_sample_clock"], "12:34:56.500000");
        assert_eq!(
            t["bext_coding_history"],
            "A=ANALOGUE,M=mono,T=mic / A=PCM,F=48000,W=24,M=mono,T=ZOOM H5"
        );
        assert_eq!(t["encoder"], "Lavf59.27.100");
        assert_eq!(t["comment"], "odd");
        assert_eq!(t.len(), 10, "{t:?}");
    }

    #[test]
    fn an_unfinished_header_is_read_with_the_lengths_it_should_have() {
        // Stereo 16-bit (4-byte frames), 10 bytes of audio: 2 whole frames and a part.
        let mut fmt = vec![1, 0, 2, 0];
        fmt.extend(48_000u32.to_le_bytes());
        fmt.extend(192_000u32.to_le_bytes());
        fmt.extend([4, 0, 16, 0]);
        for declared in [0u32, u32::MAX] {
            let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
            file.extend(chunk(b"fmt ", &fmt));
            file.extend(b"data");
            file.extend(declared.to_le_bytes());
            file.extend(1..=10u8);
            let len = file.len() as u64;
            let mut r = std::io::Cursor::new(file.clone());
            let u = unfinished(&mut r, len).unwrap();
            assert_eq!((u.length_at, u.declared, u.actual), (40, declared, 8));
            let mut p =
                Patched::new(std::io::Cursor::new(file), u.patches(len), Vec::new()).unwrap();
            let mut all = Vec::new();
            p.read_to_end(&mut all).unwrap();
            assert_eq!(&all[4..8], &(len as u32 - 8).to_le_bytes());
            assert_eq!(&all[40..44], &8u32.to_le_bytes());
            assert_eq!(&all[44..], &(1..=10u8).collect::<Vec<_>>()[..]);
            // Read again from the middle of a patched field, in small pieces.
            p.seek(SeekFrom::Start(42)).unwrap();
            let mut two = [0u8; 2];
            p.read_exact(&mut two).unwrap();
            assert_eq!(two, [0, 0]);
        }
        // Stretches read as zeros, whichever way the reads fall across them.
        let bytes: Vec<u8> = (1..=200u8).collect();
        let zeros = vec![(10, 20), (50, 51), (100, 180)];
        let mut want = bytes.clone();
        for &(a, b) in &zeros {
            want[a as usize..b as usize].fill(0);
        }
        for piece in [1, 7, 64, 300] {
            let mut p = Patched::new(
                std::io::Cursor::new(bytes.clone()),
                Vec::new(),
                zeros.clone(),
            )
            .unwrap();
            let mut got: Vec<u8> = Vec::new();
            let mut buf = vec![0u8; piece];
            loop {
                let n = p.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend(&buf[..n]);
            }
            assert_eq!(got, want, "reads of {piece}");
        }
        // A finished header, an RF64 file and a header with nothing after it: none.
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend(chunk(b"fmt ", &fmt));
        file.extend(chunk(b"data", &[0; 8]));
        let len = file.len() as u64;
        assert_eq!(
            unfinished(&mut std::io::Cursor::new(file.clone()), len),
            None
        );
        file[..4].copy_from_slice(b"RF64");
        assert_eq!(unfinished(&mut std::io::Cursor::new(file), len), None);
        let mut empty = b"RIFF\0\0\0\0WAVE".to_vec();
        empty.extend(b"data\0\0\0\0");
        let len = empty.len() as u64;
        assert_eq!(unfinished(&mut std::io::Cursor::new(empty), len), None);
    }

    #[test]
    fn an_rf64_header_gives_its_lengths_from_ds64_up_to_what_riff_can_say() {
        // 5 GiB of 24-bit stereo (block alignment 6) announced, and held.
        let big = 5u64 << 30;
        let mut ds = Vec::new();
        for v in [big + 100, big, big / 6] {
            ds.extend(v.to_le_bytes());
        }
        ds.extend(0u32.to_le_bytes());
        let mut fmt = vec![1, 0, 2, 0];
        fmt.extend(48_000u32.to_le_bytes());
        fmt.extend(288_000u32.to_le_bytes());
        fmt.extend([6, 0, 24, 0]);
        let mut file = b"RF64\xff\xff\xff\xffWAVE".to_vec();
        file.extend(chunk(b"ds64", &ds));
        file.extend(chunk(b"fmt ", &fmt));
        let length_at = file.len() as u64 + 4;
        file.extend(b"data\xff\xff\xff\xff");
        let len = length_at + 4 + big;
        let d = ds64(&mut std::io::Cursor::new(file.clone()), len).unwrap();
        assert_eq!(
            (d.length_at, d.declared, d.held),
            (length_at, big, big / 6 * 6)
        );
        assert_eq!(u64::from(d.readable), u64::from(u32::MAX) / 6 * 6);
        assert!(d.warning().unwrap().contains("only the first"));
        let p = d.patches(len);
        assert_eq!(p[0], (0, b"RIFF".to_vec()));
        assert_eq!(p[2], (length_at, d.readable.to_le_bytes().to_vec()));
        // Cut short of what ds64 says: read to the cut, in whole frames.
        let d = ds64(
            &mut std::io::Cursor::new(file.clone()),
            length_at + 4 + 1001,
        )
        .unwrap();
        assert_eq!((d.held, d.readable), (996, 996));
        assert!(d.warning().unwrap().contains("truncated"));
        // A RIFF WAVE, and an RF64 without ds64: none.
        let mut riff = file.clone();
        riff[..4].copy_from_slice(b"RIFF");
        assert_eq!(ds64(&mut std::io::Cursor::new(riff), len), None);
        let mut bare = b"RF64\xff\xff\xff\xffWAVE".to_vec();
        bare.extend(chunk(b"fmt ", &fmt));
        bare.extend(b"data\xff\xff\xff\xff");
        assert_eq!(ds64(&mut std::io::Cursor::new(bare), len), None);
    }

    #[test]
    fn other_files_and_hostile_chunks_give_nothing_or_what_is_there() {
        assert!(wav_tags(&mut std::io::Cursor::new(b"OggS\0\0".to_vec()), 48_000).is_empty());
        // A bext chunk claiming 4 GB, cut short: nothing read, no panic.
        let mut file = b"RIFF\0\0\0\0WAVEbext\xff\xff\xff\x7f".to_vec();
        file.extend([b'x'; 100]);
        assert!(wav_tags(&mut std::io::Cursor::new(file), 48_000).is_empty());
        // An INFO entry whose length runs past its chunk.
        let mut info = b"INFO".to_vec();
        info.extend(b"INAM\xff\xff\x00\x00short");
        let mut file = b"RIFF\0\0\0\0WAVE".to_vec();
        file.extend(chunk(b"LIST", &info));
        assert!(wav_tags(&mut std::io::Cursor::new(file), 48_000).is_empty());
    }
}
