//! WebVTT: header text, NOTE/STYLE/REGION blocks, cue identifiers and settings, `<v Speaker>`
//! voice tags, and YouTube auto-captions, whose cues carry inline word times
//! (`<00:00:01.520><c> word</c>`) and roll: each cue repeats the previous line before adding
//! new words, and a 10 ms cue re-shows the finished line.
//!
//! Written by hand for the voice tags and inline word times, which the WebVTT crates (e.g.
//! rsubs-lib) drop; the block structure is simple enough that a second parser for it would
//! not pay. Reference: W3C, "WebVTT: The Web Video Text Tracks Format".

use super::srt::timing;
use super::{Cue, ParseError, Parsed, Word, clean_text, parse_clock};

/// Parses WebVTT text.
pub fn parse(text: &str) -> Parsed {
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    if !lines
        .first()
        .is_some_and(|l| l.trim_start().starts_with("WEBVTT"))
    {
        return Err(ParseError::at(
            1,
            "a WebVTT file must start with \"WEBVTT\"",
        ));
    }
    // Blocks are separated by blank lines.
    let mut blocks: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, l) in lines.iter().enumerate().skip(1) {
        // Only a truly empty line ends a block: YouTube's cues hold a line of one space.
        if l.is_empty() {
            if !cur.is_empty() {
                blocks.push((start, std::mem::take(&mut cur)));
            }
        } else {
            if cur.is_empty() {
                start = i;
            }
            cur.push(l);
        }
    }
    if !cur.is_empty() {
        blocks.push((start, cur));
    }
    let mut cues: Vec<Cue> = Vec::new();
    let mut warnings = Vec::new();
    for (first, block) in blocks {
        let head = block[0].trim_start();
        if head.starts_with("NOTE") || head.starts_with("STYLE") || head.starts_with("REGION") {
            continue;
        }
        // An optional identifier line precedes the timing line.
        let Some(t) = block.iter().position(|l| l.contains("-->")) else {
            if first > 1 || !cues.is_empty() {
                warnings.push(format!(
                    "line {}: block without a timing line ignored",
                    first + 1
                ));
            }
            continue;
        };
        let Some((start_s, end_s)) = timing(block[t]) else {
            return Err(ParseError::at(
                first + t + 1,
                format!("broken timing line: {:?}", block[t].trim()),
            ));
        };
        let body = &block[t + 1..];
        let (speaker, text, words) = cue_body(body, start_s, end_s);
        cues.push(Cue {
            start_s,
            end_s,
            text,
            speaker,
            words,
            line: first + t + 1,
        });
    }
    Ok((derolled(cues), warnings))
}

/// Speaker, plain text and inline word timings of a cue body.
fn cue_body(body: &[&str], start_s: f64, end_s: f64) -> (Option<String>, String, Vec<Word>) {
    let mut speaker = None;
    let mut words: Vec<Word> = Vec::new();
    for line in body {
        if speaker.is_none()
            && let Some(name) = voice(line)
        {
            speaker = Some(name);
        }
        if line.contains("><c>") || line.contains("<c>") && line.contains("<0") {
            words.extend(inline_words(line, start_s, end_s));
        }
    }
    (speaker, clean_text(body), words)
}

/// The name in a voice tag `<v Name>` or `<v.class Name>` at the start of `line`.
fn voice(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("<v")?;
    let inner = &rest[..rest.find('>')?];
    let name = if inner.starts_with('.') {
        inner.split_once(char::is_whitespace)?.1
    } else if inner.starts_with(char::is_whitespace) {
        inner
    } else {
        return None; // e.g. <vfoo>: not a voice tag
    };
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Words of a YouTube line `first<00:00:01.520><c> second</c><00:00:02.000><c> third</c>`: each
/// word starts at the time before it (the first at the cue start) and ends where the next one
/// starts (the last at the cue end).
fn inline_words(line: &str, start_s: f64, end_s: f64) -> Vec<Word> {
    let mut out: Vec<(f64, String)> = Vec::new();
    let mut t = start_s;
    let mut rest = line;
    let mut pending = String::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('<') {
            let Some(close) = r.find('>') else { break };
            let tag = &r[..close];
            if let Some(time) = parse_clock(tag) {
                if !pending.trim().is_empty() {
                    out.push((t, clean_text(&[pending.as_str()])));
                }
                pending.clear();
                t = time;
            }
            rest = &r[close + 1..];
        } else {
            let next = rest.find('<').unwrap_or(rest.len());
            pending.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    if !pending.trim().is_empty() {
        out.push((t, clean_text(&[pending.as_str()])));
    }
    let n = out.len();
    (0..n)
        .map(|i| Word {
            start_s: out[i].0,
            end_s: if i + 1 < n { out[i + 1].0 } else { end_s },
            text: out[i].1.clone(),
        })
        .collect()
}

/// Undoes YouTube's rolling captions: a cue whose text begins with the previous cue's last
/// line keeps only what is new; cues left empty (the 10 ms re-showings) are dropped. Other
/// files pass through unchanged.
fn derolled(cues: Vec<Cue>) -> Vec<Cue> {
    let rolling = cues.iter().any(|c| !c.words.is_empty());
    if !rolling {
        return cues;
    }
    let mut out: Vec<Cue> = Vec::new();
    let mut shown = String::new();
    for mut c in cues {
        if c.words.is_empty() {
            // A re-showing of text already given (possibly plus nothing new).
            if shown.contains(&c.text) || c.text.is_empty() {
                continue;
            }
            if let Some(new) = c.text.strip_prefix(shown.as_str()) {
                c.text = new.trim().to_string();
            }
        } else {
            // The words carry exactly what is new; the text is their concatenation.
            c.text = c
                .words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
        }
        if c.text.is_empty() {
            continue;
        }
        shown = c.text.clone();
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_notes_styles_ids_settings_and_voices() {
        let text = "WEBVTT - Kind: captions\nLanguage: ru\n\nNOTE translated by A.\nsecond line\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:02.500 align:start position:10%\n<v Officer>Get up!</v>\n\n00:00:03.000 --> 00:00:04.000\n<v.loud Soldier Two>Why?\n";
        let (c, w) = parse(text).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].start_s, c[0].end_s), (1.0, 2.5));
        assert_eq!(c[0].text, "Get up!");
        assert_eq!(c[0].speaker.as_deref(), Some("Officer"));
        assert_eq!(c[1].speaker.as_deref(), Some("Soldier Two"));
        assert_eq!(c[0].line, 11);
    }

    #[test]
    fn youtube_rolling_captions_become_words_once() {
        let text = "WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.320 --> 00:00:02.000 align:start position:0%\n \nget<00:00:00.640><c> up</c><00:00:01.200><c> now</c>\n\n00:00:02.000 --> 00:00:02.010 align:start position:0%\nget up now\n \n\n00:00:02.010 --> 00:00:04.000 align:start position:0%\nget up now\nwhy<00:00:02.500><c> are</c><00:00:03.000><c> you</c>\n";
        let (c, _) = parse(text).unwrap();
        assert_eq!(c.len(), 2, "{c:#?}");
        assert_eq!(c[0].text, "get up now");
        assert_eq!(c[1].text, "why are you");
        let w = &c[0].words;
        assert_eq!(w.len(), 3);
        assert_eq!(
            (w[0].start_s, w[0].end_s, w[0].text.as_str()),
            (0.32, 0.64, "get")
        );
        assert_eq!(
            (w[2].start_s, w[2].end_s, w[2].text.as_str()),
            (1.2, 2.0, "now")
        );
        assert_eq!(c[1].words[0].start_s, 2.01);
    }

    #[test]
    fn a_file_without_the_header_is_refused() {
        assert_eq!(
            parse("00:01.000 --> 00:02.000\nx").unwrap_err().line,
            Some(1)
        );
    }
}
