//! Transcripts the investigator brings (SRT, WebVTT, Whisper JSON in its dialects, CSV/TSV),
//! read into one normalised list of [`Cue`]s, checked, and related to the events.
//!
//! Parsing is pure (text in, cues out, problems with their line numbers); reading the file and
//! decoding its text encoding happen once, in [`load`].

pub mod csv;
pub mod relate;
pub mod srt;
pub mod sync;
pub mod vtt;
pub mod whisper;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One word with its own times, when the transcript has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Word {
    /// Start in seconds, on the transcript's clock.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// The word.
    pub text: String,
}

/// One timed piece of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cue {
    /// Start in seconds, on the transcript's clock.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// The text, lines joined with a space, markup removed.
    pub text: String,
    /// Who speaks, when the format says (`<v Name>`, WhisperX `speaker`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub speaker: Option<String>,
    /// Word timings, when the format has them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub words: Vec<Word>,
    /// 1-based line of the cue's timing in the file (0 when the format has no lines).
    #[serde(skip)]
    pub line: usize,
}

/// The transcript formats read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// SubRip.
    Srt,
    /// WebVTT (YouTube auto-captions included).
    Vtt,
    /// whisper.cpp `-oj` / `-ojf` JSON.
    WhisperCpp,
    /// OpenAI Whisper, faster-whisper or WhisperX JSON (segments, optional words/speaker).
    Whisper,
    /// Comma- or tab-separated start, end, text (seconds, or milliseconds as whisper.cpp).
    Csv,
}

impl Format {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Srt => "srt",
            Format::Vtt => "vtt",
            Format::WhisperCpp => "whisper-cpp",
            Format::Whisper => "whisper",
            Format::Csv => "csv",
        }
    }
}

/// A parsed transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The format it was read as.
    pub format: Format,
    /// Cues in time order.
    pub cues: Vec<Cue>,
    /// Problems that left the rest usable (overlapping cues, skipped blocks...).
    pub warnings: Vec<String>,
}

/// A parse problem: the 1-based line (if any) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// 1-based line.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: String,
}

impl ParseError {
    /// A problem at `line`.
    pub fn at(line: usize, problem: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            problem: problem.into(),
        }
    }

    /// A problem with the whole text.
    pub fn whole(problem: impl Into<String>) -> Self {
        ParseError {
            line: None,
            problem: problem.into(),
        }
    }
}

/// Parse output: cues plus warnings, or the first fatal problem.
pub type Parsed = std::result::Result<(Vec<Cue>, Vec<String>), ParseError>;

/// Guesses the format from the text itself (not the file name).
pub fn detect_format(text: &str) -> Option<Format> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("WEBVTT") {
        return Some(Format::Vtt);
    }
    if t.starts_with('{') || t.starts_with('[') {
        return if t.contains("\"transcription\"") {
            Some(Format::WhisperCpp)
        } else {
            Some(Format::Whisper)
        };
    }
    if t.lines().take(50).any(|l| l.contains("-->")) {
        return Some(Format::Srt);
    }
    let first = t.lines().next().unwrap_or("").to_ascii_lowercase();
    if (first.contains(',') || first.contains('\t')) && first.contains("start") {
        return Some(Format::Csv);
    }
    None
}

/// Parses `text` as `format`.
pub fn parse(text: &str, format: Format) -> Parsed {
    match format {
        Format::Srt => srt::parse(text),
        Format::Vtt => vtt::parse(text),
        Format::WhisperCpp => whisper::parse_cpp(text),
        Format::Whisper => whisper::parse(text),
        Format::Csv => csv::parse(text),
    }
}

/// Decodes a transcript's bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM, as text
/// editors and Windows tools write them. Anything else is refused with the line of the first
/// undecodable byte, rather than guessed (a wrong guess silently garbles the words).
pub fn decode_text(bytes: &[u8]) -> std::result::Result<String, ParseError> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(ParseError::at(
                line,
                "text is not UTF-8 (or UTF-16 with a byte-order mark); convert it, e.g. with \
                 `iconv -f WINDOWS-1251 -t UTF-8`",
            ))
        }
    }
}

fn utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> std::result::Result<String, ParseError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(ParseError::whole("UTF-16 text with an odd number of bytes"));
    }
    let units: Vec<u16> = bytes.chunks(2).map(|c| word([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| ParseError::whole("invalid UTF-16 text"))
}

/// Reads, decodes, parses and checks the transcript at `path`; `format` overrides detection.
///
/// # Errors
/// The file cannot be read, is not text, has an unknown format, or a cue is unusable.
pub fn load(path: &Path, format: Option<Format>) -> Result<Transcript> {
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, &e))?;
    let err = |e: ParseError| Error::transcript(path, e.line, e.problem);
    let text = decode_text(&bytes).map_err(err)?;
    if text.trim().is_empty() {
        return Err(Error::transcript(path, None, "the transcript is empty"));
    }
    let format = match format.or_else(|| detect_format(&text)) {
        Some(f) => f,
        None => {
            return Err(Error::transcript(
                path,
                None,
                "unknown transcript format (expected SRT, WebVTT, Whisper JSON or CSV; \
                 choose one with --transcript-format)",
            ));
        }
    };
    let (cues, mut warnings) = parse(&text, format).map_err(err)?;
    let cues = check(cues, &mut warnings).map_err(err)?;
    if cues.is_empty() {
        warnings.push("the transcript has no cues".into());
    }
    Ok(Transcript {
        format,
        cues,
        warnings,
    })
}

/// Rejects impossible cues (negative or reversed times) with their line, sorts by start, and
/// warns about overlaps (common in real captions, and harmless to the relations).
pub fn check(
    mut cues: Vec<Cue>,
    warnings: &mut Vec<String>,
) -> std::result::Result<Vec<Cue>, ParseError> {
    for c in &cues {
        let line = (c.line > 0).then_some(c.line);
        if !c.start_s.is_finite() || !c.end_s.is_finite() || c.start_s < 0.0 {
            return Err(ParseError {
                line,
                problem: format!("cue time out of range ({} --> {})", c.start_s, c.end_s),
            });
        }
        if c.end_s < c.start_s {
            return Err(ParseError {
                line,
                problem: format!(
                    "cue ends before it starts ({:.3} s --> {:.3} s)",
                    c.start_s, c.end_s
                ),
            });
        }
    }
    cues.sort_by(|a, b| {
        a.start_s
            .total_cmp(&b.start_s)
            .then(a.end_s.total_cmp(&b.end_s))
    });
    let overlaps = cues
        .windows(2)
        .filter(|w| w[1].start_s < w[0].end_s - 1e-9)
        .count();
    if overlaps > 0 {
        warnings.push(format!("{overlaps} cue(s) overlap the previous one"));
    }
    Ok(cues)
}

/// Caption markup that carries no words: SRT's `<i> <b> <u> <s> <font>` and WebVTT's
/// `<c> <v> <lang> <ruby> <rt>` (with classes), and inline timestamps `<00:00:01.520>`.
fn is_caption_tag(tag: &str) -> bool {
    let t = tag.trim_start_matches('/');
    if t.starts_with(|c: char| c.is_ascii_digit()) {
        return true; // a timestamp
    }
    let name: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "i" | "b" | "u" | "s" | "font" | "c" | "v" | "lang" | "ruby" | "rt"
    )
}

/// Removes caption markup (see `is_caption_tag`) and ASS overrides (`{\an8}`), turns
/// control characters into spaces, and joins lines with a space. Anything else that looks
/// like a tag (`<script>`, `<img ...>`) is kept as the literal text it is: a transcript's
/// words are evidence and are never silently dropped; HTML-escaping is the report's job.
pub fn clean_text(lines: &[&str]) -> String {
    let joined = lines.join(" ");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && is_caption_tag(&rest[1..end])
        {
            rest = &rest[end + 1..];
            continue;
        }
        if rest.starts_with("{\\")
            && let Some(end) = rest.find('}')
        {
            rest = &rest[end + 1..];
            continue;
        }
        out.push(if c.is_control() { ' ' } else { c });
        rest = &rest[c.len_utf8()..];
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses a clock time as found in subtitles: `[[h:]m:]s[.,fraction]`, any number of digits
/// per field (one-digit fields and missing hours occur in the wild).
pub fn parse_clock(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (main, frac) = match s.rfind([',', '.']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = main.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut secs = 0.0;
    for p in &parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        secs = secs * 60.0 + p.parse::<f64>().ok()?;
    }
    if !frac.is_empty() {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        secs += frac.parse::<f64>().ok()? / 10f64.powi(frac.len() as i32);
    }
    Some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_in_the_wild() {
        assert_eq!(parse_clock("00:00:01,500"), Some(1.5));
        assert_eq!(parse_clock("00:00:01.500"), Some(1.5));
        assert_eq!(parse_clock("0:0:1,5"), Some(1.5));
        assert_eq!(parse_clock("01:02.250"), Some(62.25));
        assert_eq!(parse_clock("1:00:00,000"), Some(3600.0));
        assert_eq!(parse_clock("12"), Some(12.0));
        assert_eq!(parse_clock("00:0a:01,000"), None);
        assert_eq!(parse_clock(""), None);
    }

    #[test]
    fn markup_and_control_characters_are_removed_but_text_stays() {
        assert_eq!(clean_text(&["<i>Get</i> up!", "{\\an8}now"]), "Get up! now");
        assert_eq!(clean_text(&["a < b and c > d"]), "a < b and c > d");
        assert_eq!(clean_text(&["bell\u{7}here"]), "bell here");
        assert_eq!(
            clean_text(&["<script>alert(1)</script>"]),
            "<script>alert(1)</script>",
            "only caption markup is removed; the rest is text, escaped by the report"
        );
        assert_eq!(
            clean_text(&["<c.yellow>one</c> <v Bob>two</v> <00:01.000>three"]),
            "one two three"
        );
    }

    #[test]
    fn formats_are_recognised_from_content() {
        assert_eq!(
            detect_format("WEBVTT\n\n00:01.000 --> 00:02.000\nx"),
            Some(Format::Vtt)
        );
        assert_eq!(
            detect_format("\u{feff}1\n00:00:01,000 --> 00:00:02,000\nx"),
            Some(Format::Srt)
        );
        assert_eq!(
            detect_format("{\"transcription\": []}"),
            Some(Format::WhisperCpp)
        );
        assert_eq!(detect_format("{\"segments\": []}"), Some(Format::Whisper));
        assert_eq!(
            detect_format("start,end,text\n0,1000,hi"),
            Some(Format::Csv)
        );
        assert_eq!(detect_format("hello world"), None);
    }

    #[test]
    fn encodings() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFhi").unwrap(), "hi");
        assert_eq!(decode_text(&[0xFF, 0xFE, b'h', 0, b'i', 0]).unwrap(), "hi");
        let e = decode_text(b"ok\nok\n\xC2\xC7\xD1\xD2\xC0\xD2\xDC!").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn reversed_cues_are_errors_with_their_line_and_overlaps_warnings() {
        let cue = |a: f64, b: f64, line: usize| Cue {
            start_s: a,
            end_s: b,
            text: "x".into(),
            speaker: None,
            words: vec![],
            line,
        };
        let mut w = Vec::new();
        let e = check(vec![cue(1.0, 2.0, 2), cue(5.0, 4.0, 6)], &mut w).unwrap_err();
        assert_eq!(e.line, Some(6));
        let ok = check(vec![cue(3.0, 4.0, 6), cue(1.0, 3.5, 2)], &mut w).unwrap();
        assert_eq!(ok[0].start_s, 1.0);
        assert_eq!(w.len(), 1);
    }
}
