//! Recognises file types by their first bytes, to name what a file is when no decoder in
//! this build can open it ("an MXF file", "an ASF file", "an HTML page") instead of only
//! saying "not media".

/// WAVE format tags symphonia decodes: PCM, Microsoft ADPCM, IEEE float, A-law, mu-law, IMA
/// ADPCM and the extensible header.
const WAVE_TAGS_READ: [u16; 7] = [0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0xfffe];

/// An Ogg file whose first stream is in a codec symphonia does not read, named by its first
/// packet's magic (Xiph's mappings: "Speex   " at the start of the identification header);
/// none for any other file. symphonia's Ogg reader found no stream it knew and ran to the end
/// of the file looking for one: "file ends before its header is complete".
pub fn unread_ogg_codec(head: &[u8]) -> Option<&'static str> {
    if !head.starts_with(b"OggS") {
        return None;
    }
    let first = 27 + usize::from(*head.get(26)?);
    let packet = head.get(first..)?;
    // Opus with a channel mapping family past 1 (2 and 3: ambisonics, as 360-degree videos
    // carry it; 255: channels without a defined layout), byte 18 of OpusHead.
    if packet.starts_with(b"OpusHead") && packet.get(18).is_some_and(|&f| f >= 2) {
        return Some(match packet[18] {
            2 | 3 => "ambisonic Opus in Ogg (channel mapping family 2 or 3)",
            _ => "Opus in Ogg with channels of no defined layout (channel mapping family 255)",
        });
    }
    [
        (
            &b"Speex   "[..],
            "Speex audio in Ogg (an old voice-note and VoIP codec)",
        ),
        (&b"CELT    "[..], "CELT audio in Ogg"),
    ]
    .into_iter()
    .find_map(|(magic, name)| packet.starts_with(magic).then_some(name))
}

/// A WAV file whose audio is in a codec symphonia does not read (GSM 6.10 from a call
/// recorder, G.722, MP3 inside WAV), named with its format tag; none for any other file. Read
/// from the `fmt ` chunk among the first bytes: symphonia refuses such a file as "unsupported",
/// which said only "not a recognised media file".
pub fn unread_wave_codec(head: &[u8]) -> Option<String> {
    if !head.starts_with(b"RIFF") || head.get(8..12) != Some(b"WAVE") {
        return None;
    }
    let mut at = 12usize;
    while let Some(chunk) = head.get(at..at + 8) {
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        if &chunk[..4] == b"fmt " {
            let tag = head.get(at + 8..at + 10)?;
            let tag = u16::from_le_bytes([tag[0], tag[1]]);
            if WAVE_TAGS_READ.contains(&tag) {
                return None;
            }
            let name = match tag {
                0x0022 => "DSP Group TrueSpeech",
                0x0031 | 0x0032 => "GSM 6.10",
                0x0040 => "G.721 ADPCM",
                0x0045 | 0x0064 | 0x0140 => "G.726 ADPCM",
                0x0050 => "MPEG audio",
                0x0055 => "MP3",
                0x028f => "G.722",
                0x0160..=0x0163 => "Windows Media Audio",
                0x2000 => "AC-3",
                _ => "a codec",
            };
            return Some(format!(
                "a WAV file whose audio is {name} (format tag 0x{tag:04x})"
            ));
        }
        // Chunks are padded to an even length.
        at = at.checked_add(8 + len + (len & 1))?;
    }
    None
}

/// What the leading bytes say a file is, when it is something we can name.
pub fn identify(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if head.len() >= 189 * 2 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47 {
        return Some("an MPEG transport stream (MPEG-TS)");
    }
    // Camcorders (AVCHD .MTS) and Blu-ray write 192-byte packets: a 4-byte clock, then the
    // 188-byte TS packet.
    if head.len() >= 389 && head[4] == 0x47 && head[196] == 0x47 && head[388] == 0x47 {
        return Some("an MPEG transport stream with 192-byte packets (M2TS/AVCHD)");
    }
    // The SMPTE universal label every MXF partition pack begins with.
    if starts(&[0x06, 0x0e, 0x2b, 0x34]) {
        return Some("an MXF file (broadcast or professional camera)");
    }
    // Single-channel AMR files (`#!AMR\n`, `#!AMR-WB\n`) are read (`amr.rs`); RFC 4867's
    // multi-channel form, which no recorder is known to write, is not.
    if starts(b"#!AMR_MC1.0") || starts(b"#!AMR-WB_MC1.0") {
        return Some("a multi-channel AMR file (RFC 4867's multi-channel storage format)");
    }
    if starts(&[0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]) {
        return Some("an ASF file (WMA/WMV)");
    }
    // Sony Wave64: "riff" and the rest of its GUID (a WAV with 64-bit lengths; RF64, the
    // EBU's, is read).
    if starts(&[0x72, 0x69, 0x66, 0x66, 0x2e, 0x91, 0xcf, 0x11]) {
        return Some("a Sony Wave64 file (.w64)");
    }
    if starts(&[0x0b, 0x77]) {
        return Some("a raw AC-3 stream");
    }
    if starts(b"FLV") {
        return Some("a Flash video (FLV)");
    }
    if starts(b".RMF") {
        return Some("a RealMedia file");
    }
    if starts(b"%PDF") {
        return Some("a PDF document, not media");
    }
    if starts(b"PK\x03\x04") {
        return Some("a ZIP archive, not media");
    }
    if starts(&[0xff, 0xd8, 0xff]) || starts(b"\x89PNG") || starts(b"GIF8") {
        return Some("an image, not media with sound");
    }
    let text = head
        .iter()
        .take(512)
        .all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80);
    if !head.is_empty() && text {
        let lower: Vec<u8> = head.iter().take(512).map(u8::to_ascii_lowercase).collect();
        if lower.windows(5).any(|w| w == b"<html") || lower.starts_with(b"<!doctype") {
            return Some("an HTML page, not media (a saved web page instead of the video?)");
        }
        return Some("a text file, not media");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_non_media_and_unsupported_types() {
        let mut ts = vec![0u8; 600];
        ts[0] = 0x47;
        ts[188] = 0x47;
        ts[376] = 0x47;
        assert!(identify(&ts).unwrap().contains("MPEG-TS"));
        let mut m2ts = vec![0u8; 600];
        m2ts[4] = 0x47;
        m2ts[196] = 0x47;
        m2ts[388] = 0x47;
        assert!(identify(&m2ts).unwrap().contains("M2TS"));
        assert!(
            identify(b"#!AMR_MC1.0\n\0\0\0\x01")
                .unwrap()
                .contains("multi-channel AMR")
        );
        // An Ogg page of one segment holding a Speex header; a Vorbis one is read.
        let mut ogg = b"OggS\0\x02".to_vec();
        ogg.resize(26, 0);
        ogg.extend([1, 80]);
        ogg.extend(b"Speex   1.2");
        assert!(unread_ogg_codec(&ogg).unwrap().contains("Speex"));
        ogg[28..35].copy_from_slice(b"\x01vorbis");
        assert_eq!(unread_ogg_codec(&ogg), None);
        assert_eq!(unread_ogg_codec(b"OggS"), None);
        // Opus: mapping families 0 and 1 are read, 2 (ambisonics) is named.
        ogg.truncate(28);
        ogg.extend(b"OpusHead\x01\x04\x38\x01\x80\xbb\x00\x00\x00\x00\x02");
        assert!(unread_ogg_codec(&ogg).unwrap().contains("ambisonic"));
        *ogg.last_mut().unwrap() = 1;
        assert_eq!(unread_ogg_codec(&ogg), None);
        assert!(
            identify(b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb")
                .unwrap()
                .contains("Wave64")
        );
        assert!(
            identify(&[6, 0x0e, 0x2b, 0x34, 2, 5, 1, 1])
                .unwrap()
                .contains("MXF")
        );
        assert!(identify(b"<!DOCTYPE html><html>").unwrap().contains("HTML"));
        assert!(identify(b"hello world").unwrap().contains("text"));
        assert_eq!(identify(&[0u8, 1, 2, 3, 0xfe]), None);
        assert_eq!(identify(b""), None);
    }

    /// A WAV header up to its `fmt ` chunk's format tag, after a `LIST` chunk of odd length.
    fn wave_with_tag(tag: u16) -> Vec<u8> {
        let mut h = b"RIFF\0\0\0\0WAVELIST\x03\0\0\0abc\0fmt \x10\0\0\0".to_vec();
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&[1, 0, 0x40, 0x1f, 0, 0]);
        h
    }

    #[test]
    fn a_wav_in_a_codec_symphonia_does_not_read_is_named_with_its_tag() {
        assert_eq!(
            unread_wave_codec(&wave_with_tag(0x31)).as_deref(),
            Some("a WAV file whose audio is GSM 6.10 (format tag 0x0031)")
        );
        assert_eq!(
            unread_wave_codec(&wave_with_tag(0x55)).as_deref(),
            Some("a WAV file whose audio is MP3 (format tag 0x0055)")
        );
        assert_eq!(
            unread_wave_codec(&wave_with_tag(0x1234)).as_deref(),
            Some("a WAV file whose audio is a codec (format tag 0x1234)")
        );
        for read in [1, 3, 0xfffe] {
            assert_eq!(unread_wave_codec(&wave_with_tag(read)), None);
        }
        assert_eq!(unread_wave_codec(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(unread_wave_codec(b"hello world"), None);
    }
}
