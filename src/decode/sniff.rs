//! Recognises file types by their first bytes, to name what a file is when no decoder in
//! this build can open it ("MPEG-TS", "AMR voice note", "an HTML page") instead of only
//! saying "not media".

/// What the leading bytes say a file is, when it is something we can name.
pub fn identify(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if head.len() >= 189 * 2 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47 {
        return Some("an MPEG transport stream (MPEG-TS)");
    }
    if starts(b"#!AMR-WB") {
        return Some("an AMR-WB voice recording");
    }
    if starts(b"#!AMR") {
        return Some("an AMR voice recording");
    }
    if starts(&[0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]) {
        return Some("an ASF file (WMA/WMV)");
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
    if starts(b"RIFF") && head.get(8..12) == Some(b"AVI ") {
        return Some("an AVI file");
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
        assert!(identify(b"#!AMR\n\x3c").unwrap().contains("AMR"));
        assert!(identify(b"<!DOCTYPE html><html>").unwrap().contains("HTML"));
        assert!(identify(b"hello world").unwrap().contains("text"));
        assert_eq!(identify(&[0u8, 1, 2, 3, 0xfe]), None);
        assert_eq!(identify(b""), None);
    }
}
