//! Plain CSV/TSV transcripts: a header naming `start`, `end` and `text` columns (any order,
//! extra columns ignored), times in seconds or, when every time is a whole number and the
//! header does not say seconds, in milliseconds (whisper.cpp's `-ocsv`). Quoted fields with
//! commas, doubled quotes and line breaks are handled, as spreadsheets write them.
//!
//! Written by hand: the `csv` crate would handle the quoting, but not the unit inference or
//! the line numbers of bad rows in our error type; the quoting rules (RFC 4180) are short.

use super::{Cue, ParseError, Parsed, clean_text, parse_clock};

/// Splits RFC 4180 records, each with the 1-based line it starts on.
pub(crate) fn records(text: &str, sep: char) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut rec: Vec<String> = Vec::new();
    let (mut line, mut start_line) = (1usize, 1usize);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if field.is_empty() && !quoted => quoted = true,
            '"' if quoted => quoted = false,
            '\n' if !quoted => {
                rec.push(std::mem::take(&mut field));
                if rec.iter().any(|f| !f.trim().is_empty()) {
                    out.push((start_line, std::mem::take(&mut rec)));
                }
                rec.clear();
                line += 1;
                start_line = line;
            }
            '\r' if !quoted => {}
            c if c == sep && !quoted => rec.push(std::mem::take(&mut field)),
            c => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
        }
    }
    rec.push(field);
    if rec.iter().any(|f| !f.trim().is_empty()) {
        out.push((start_line, rec));
    }
    out
}

/// Parses CSV or TSV text.
pub fn parse(text: &str) -> Parsed {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let sep = if first.contains('\t') { '\t' } else { ',' };
    let rows = records(text, sep);
    let Some((_, header)) = rows.first() else {
        return Err(ParseError::whole("empty CSV"));
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| {
        header.iter().position(|h| {
            names.iter().any(|n| {
                h == n || h.starts_with(&format!("{n}_")) || h.starts_with(&format!("{n} "))
            })
        })
    };
    let (Some(cs), Some(ce), Some(ct)) = (
        col(&["start", "from", "begin"]),
        col(&["end", "to", "stop"]),
        col(&["text", "transcript", "sentence"]),
    ) else {
        return Err(ParseError::at(
            1,
            "CSV header must name start, end and text columns",
        ));
    };
    let in_seconds = header[cs].contains("_s") || header[cs].contains("sec");
    let in_ms = header[cs].contains("ms");
    let mut raw: Vec<(usize, f64, f64, String)> = Vec::new();
    for (line, r) in rows.iter().skip(1) {
        let get = |i: usize| r.get(i).map(String::as_str).unwrap_or("").trim();
        let (Some(a), Some(b)) = (parse_clock(get(cs)), parse_clock(get(ce))) else {
            return Err(ParseError::at(
                *line,
                format!("start/end not a time: {:?}, {:?}", get(cs), get(ce)),
            ));
        };
        raw.push((*line, a, b, clean_text(&[get(ct)])));
    }
    // whisper.cpp writes whole milliseconds; a seconds file has fractions or is implausibly
    // short. Without a unit in the header, whole numbers with any value above 1000 are ms.
    let whole = raw
        .iter()
        .all(|(_, a, b, _)| a.fract() == 0.0 && b.fract() == 0.0);
    let big = raw.iter().any(|(_, _, b, _)| *b >= 1000.0);
    let scale = if in_ms || (!in_seconds && whole && big) {
        1e-3
    } else {
        1.0
    };
    let cues = raw
        .into_iter()
        .map(|(line, a, b, text)| Cue {
            start_s: a * scale,
            end_s: b * scale,
            text,
            speaker: None,
            words: Vec::new(),
            line,
        })
        .collect();
    Ok((cues, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whisper_cpp_csv_in_milliseconds() {
        let (c, _) = parse(
            "start,end,text\n1000,2500,\" Get up, now!\"\n3000,4000,\" He said \"\"why\"\"\"\n",
        )
        .unwrap();
        assert_eq!(
            (c[0].start_s, c[0].end_s, c[0].text.as_str()),
            (1.0, 2.5, "Get up, now!")
        );
        assert_eq!(c[1].text, "He said \"why\"");
    }

    #[test]
    fn tsv_in_seconds_with_extra_columns() {
        let (c, _) =
            parse("speaker\tstart\tend\ttext\nA\t1.5\t2.0\tGet up!\r\nB\t3\t4\tWhy?\n").unwrap();
        assert_eq!((c[0].start_s, c[1].end_s), (1.5, 4.0));
    }

    #[test]
    fn a_bad_row_names_its_line() {
        let e = parse("start,end,text\n1,2,a\n\"multi\nline\",x,b\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(parse("a,b\n1,2").is_err());
    }
}
