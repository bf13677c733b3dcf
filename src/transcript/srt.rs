//! SubRip (SRT) as found in the wild: UTF-8 BOM, CRLF or CR line ends, missing cue numbers,
//! `.` instead of `,` before the milliseconds, one-digit fields, missing hours, coordinates
//! after the times, no blank line between cues or at the end.
//!
//! Written by hand: the SRT crates tried (srtparse, subtp) refuse cues without numbers or
//! hours, and none reports the line of a broken timing, which an investigator needs to fix a
//! translator's file. The grammar is a timing line and the text under it.

use super::{Cue, ParseError, Parsed, clean_text, parse_clock};

/// Splits a timing line `start --> end [coordinates]` into seconds.
pub(crate) fn timing(line: &str) -> Option<(f64, f64)> {
    let (a, b) = line.split_once("-->")?;
    let end = b.split_whitespace().next()?;
    Some((parse_clock(a)?, parse_clock(end)?))
}

/// Parses SRT text.
pub fn parse(text: &str) -> Parsed {
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut cues = Vec::new();
    let mut warnings = Vec::new();
    let mut stray = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.contains("-->") {
            let Some((start_s, end_s)) = timing(line) else {
                return Err(ParseError::at(
                    i + 1,
                    format!("broken timing line: {line:?}"),
                ));
            };
            let timing_line = i + 1;
            i += 1;
            let mut body: Vec<&str> = Vec::new();
            while i < lines.len() {
                let l = lines[i].trim();
                if l.is_empty() || l.contains("-->") {
                    break;
                }
                // A cue number directly followed by a timing line starts the next cue even
                // without a blank line before it.
                let next_is_timing = lines.get(i + 1).is_some_and(|n| n.contains("-->"));
                if next_is_timing && l.bytes().all(|b| b.is_ascii_digit()) {
                    break;
                }
                body.push(l);
                i += 1;
            }
            cues.push(Cue {
                start_s,
                end_s,
                text: clean_text(&body),
                speaker: None,
                words: Vec::new(),
                line: timing_line,
            });
            continue;
        }
        let number = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
        if !line.is_empty() && !number {
            stray += 1;
        }
        i += 1;
    }
    if stray > 0 {
        warnings.push(format!("{stray} line(s) outside any cue ignored"));
    }
    if cues.is_empty() && stray > 0 {
        return Err(ParseError::whole("no timing line (start --> end) found"));
    }
    Ok((cues, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_file() {
        let (c, w) = parse("1\n00:00:01,000 --> 00:00:02,500\nGet up!\n\n2\n00:00:03,000 --> 00:00:04,000\nWhy are\nyou afraid?\n").unwrap();
        assert!(w.is_empty());
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].start_s, c[0].end_s, c[0].text.as_str()),
            (1.0, 2.5, "Get up!")
        );
        assert_eq!(c[1].text, "Why are you afraid?");
        assert_eq!(c[1].line, 6);
    }

    #[test]
    fn quirks_of_the_wild() {
        // BOM, CRLF, no numbers, '.', one-digit fields, no hours, coordinates, no blank line
        // between a cue and the next number, no final newline.
        let text = "\u{feff}00:00:01.000 --> 00:00:02.000\r\nOne\r\n\r\n0:0:3,5 --> 0:0:4,25 X1:10 X2:20\r\nTwo\r\n7\r\n00:05,000 --> 00:06,000\r\nThree";
        let (c, _) = parse(text).unwrap();
        let got: Vec<(f64, f64, &str)> = c
            .iter()
            .map(|c| (c.start_s, c.end_s, c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(1.0, 2.0, "One"), (3.5, 4.25, "Two"), (5.0, 6.0, "Three")]
        );
    }

    #[test]
    fn a_broken_timing_line_is_an_error_with_its_line() {
        let e = parse(
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:0x,000 --> 00:00:04,000\nbad\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(6));
        assert!(e.problem.contains("broken timing"));
    }

    #[test]
    fn hostile_text_stays_text() {
        let (c, _) =
            parse("1\n00:00:01,000 --> 00:00:02,000\n<b>Stop</b> \u{1b}[31m & \"run\"\n").unwrap();
        assert_eq!(c[0].text, "Stop [31m & \"run\"");
    }
}
