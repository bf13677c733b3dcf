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
    let mut head = [0u8; 12];
    if r.seek(SeekFrom::Start(0)).is_err() || r.read_exact(&mut head).is_err() {
        return tags;
    }
    if !matches!(&head[..4], b"RIFF" | b"RF64" | b"BW64") || &head[8..12] != b"WAVE" {
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
                info(&body, &mut tags);
            }
        } else if len == u64::from(u32::MAX) {
            // An RF64 data chunk sized in `ds64`: what follows it is not reached.
            break;
        }
        at += 8 + len + (len & 1);
    }
    tags
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

/// The `LIST`/`INFO` fields, under ffprobe's names.
fn info(b: &[u8], tags: &mut BTreeMap<String, String>) {
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
