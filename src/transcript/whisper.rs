//! Whisper output in its JSON dialects:
//! - whisper.cpp `-oj` (`transcription[]` with `offsets` in ms) and `-ojf` (plus `tokens[]`,
//!   sub-word pieces that are joined into words);
//! - OpenAI Whisper and faster-whisper (`segments[]` with `start`/`end` in seconds, optional
//!   `words[]` of `{word, start, end}`), or a bare array of such segments;
//! - WhisperX (segments with `speaker` and `words[]`, plus `word_segments[]`; words it could
//!   not align have no times and are skipped).
//!
//! Read through `serde_json::Value` because the dialects share field names but not shapes;
//! a syntax error is reported with serde_json's line.

use serde_json::Value;

use super::{Cue, ParseError, Parsed, Word, clean_text};

fn json(text: &str) -> Result<Value, ParseError> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| ParseError {
        line: Some(e.line()),
        problem: format!("invalid JSON: {e}"),
    })
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key)?.as_f64().filter(|x| x.is_finite())
}

/// whisper.cpp JSON (`-oj`, `-ojf`).
pub fn parse_cpp(text: &str) -> Parsed {
    let v = json(text)?;
    let Some(segments) = v.get("transcription").and_then(Value::as_array) else {
        return Err(ParseError::whole(
            "whisper.cpp JSON without a \"transcription\" array",
        ));
    };
    let mut cues = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let offsets = s.get("offsets");
        let (Some(from), Some(to)) = (
            offsets.and_then(|o| num(o, "from")),
            offsets.and_then(|o| num(o, "to")),
        ) else {
            return Err(ParseError::whole(format!(
                "transcription[{i}] has no offsets.from/to"
            )));
        };
        let text = s.get("text").and_then(Value::as_str).unwrap_or("");
        let mut words: Vec<Word> = Vec::new();
        for t in s
            .get("tokens")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let piece = t.get("text").and_then(Value::as_str).unwrap_or("");
            // Special tokens: [_BEG_], [_TT_150], <|endoftext|>...
            if piece.starts_with("[_") || piece.starts_with("<|") || piece.is_empty() {
                continue;
            }
            let o = t.get("offsets");
            let (Some(a), Some(b)) = (o.and_then(|o| num(o, "from")), o.and_then(|o| num(o, "to")))
            else {
                continue;
            };
            let starts_word = piece.starts_with(' ') || words.is_empty();
            match words.last_mut() {
                Some(w) if !starts_word => {
                    w.text.push_str(piece);
                    w.end_s = b / 1e3;
                }
                _ => words.push(Word {
                    start_s: a / 1e3,
                    end_s: b / 1e3,
                    text: piece.trim().to_string(),
                }),
            }
        }
        words.retain(|w| !w.text.trim().is_empty());
        cues.push(Cue {
            start_s: from / 1e3,
            end_s: to / 1e3,
            text: clean_text(&[text]),
            speaker: None,
            words,
            line: 0,
        });
    }
    Ok((cues, Vec::new()))
}

/// OpenAI Whisper, faster-whisper and WhisperX JSON.
pub fn parse(text: &str) -> Parsed {
    let v = json(text)?;
    let segments = match (&v, v.get("segments")) {
        (Value::Array(a), _) => a,
        (_, Some(Value::Array(a))) => a,
        _ => {
            return Err(ParseError::whole(
                "Whisper JSON without a \"segments\" array",
            ));
        }
    };
    let mut cues = Vec::new();
    let mut warnings = Vec::new();
    let mut unaligned = 0usize;
    for (i, s) in segments.iter().enumerate() {
        let (Some(start_s), Some(end_s)) = (num(s, "start"), num(s, "end")) else {
            return Err(ParseError::whole(format!(
                "segments[{i}] has no numeric start/end"
            )));
        };
        let mut words = Vec::new();
        for w in s
            .get("words")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = w
                .get("word")
                .or_else(|| w.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            match (num(w, "start"), num(w, "end")) {
                (Some(a), Some(b)) => words.push(Word {
                    start_s: a,
                    end_s: b,
                    text: text.trim().to_string(),
                }),
                _ => unaligned += 1,
            }
        }
        cues.push(Cue {
            start_s,
            end_s,
            text: clean_text(&[s.get("text").and_then(Value::as_str).unwrap_or("")]),
            speaker: s.get("speaker").and_then(Value::as_str).map(str::to_string),
            words,
            line: 0,
        });
    }
    if unaligned > 0 {
        warnings.push(format!(
            "{unaligned} word(s) without times (not aligned) skipped"
        ));
    }
    Ok((cues, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whisper_cpp_tokens_become_words() {
        let text = r#"{"result": {"language": "en"}, "transcription": [
          {"timestamps": {"from": "00:00:01,000", "to": "00:00:02,500"}, "offsets": {"from": 1000, "to": 2500},
           "text": " Get up!", "tokens": [
             {"text": "[_BEG_]", "offsets": {"from": 1000, "to": 1000}},
             {"text": " Get", "offsets": {"from": 1000, "to": 1300}},
             {"text": " up", "offsets": {"from": 1300, "to": 1600}},
             {"text": "!", "offsets": {"from": 1600, "to": 1700}},
             {"text": "[_TT_125]", "offsets": {"from": 2500, "to": 2500}}]}]}"#;
        let (c, _) = parse_cpp(text).unwrap();
        assert_eq!(
            (c[0].start_s, c[0].end_s, c[0].text.as_str()),
            (1.0, 2.5, "Get up!")
        );
        let w: Vec<(&str, f64, f64)> = c[0]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.start_s, w.end_s))
            .collect();
        assert_eq!(w, vec![("Get", 1.0, 1.3), ("up!", 1.3, 1.7)]);
    }

    #[test]
    fn openai_faster_whisper_and_whisperx() {
        let openai = r#"{"text": " Get up!", "segments": [{"id": 0, "start": 1.0, "end": 2.5, "text": " Get up!",
            "words": [{"word": " Get", "start": 1.0, "end": 1.3, "probability": 0.9}, {"word": " up!", "start": 1.3, "end": 1.7}]}]}"#;
        let (c, w) = parse(openai).unwrap();
        assert!(w.is_empty());
        assert_eq!(c[0].words[1].text, "up!");
        let bare = r#"[{"start": 0.5, "end": 1.0, "text": "hi"}]"#;
        assert_eq!(parse(bare).unwrap().0[0].start_s, 0.5);
        let x = r#"{"segments": [{"start": 1.0, "end": 2.0, "text": "Get up 2", "speaker": "SPEAKER_01",
            "words": [{"word": "Get", "start": 1.0, "end": 1.2, "speaker": "SPEAKER_01"}, {"word": "up"}, {"word": "2"}]}],
            "word_segments": [{"word": "Get", "start": 1.0, "end": 1.2}]}"#;
        let (c, w) = parse(x).unwrap();
        assert_eq!(c[0].speaker.as_deref(), Some("SPEAKER_01"));
        assert_eq!(c[0].words.len(), 1);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn broken_json_names_its_line() {
        let e = parse("{\"segments\": [\n{\"start\": 1.0,\n\"end\": }]}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(parse(r#"{"segments": [{"start": "a", "end": 1}]}"#).is_err());
    }
}
