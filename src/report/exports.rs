//! Exports to the tools investigators already use, each a pure function from the one
//! [`Analysis`] to text: a spreadsheet CSV, an Audacity label track, SRT and WebVTT subtitles
//! (to overlay "[gunshot-like 0.93]" on the clip in a video editor), and a CSV that Sonic
//! Visualiser imports as an annotation layer.

use std::fmt::Write as _;

use crate::model::{Analysis, Event};

/// How an event is named for readers: "gunshot-like" rather than "gunshot", since the tool
/// reports evidence, not identification.
pub fn label(e: &Event) -> String {
    let class = match e.class.as_str() {
        "gunshot" => format!("gunshot-like {:.2}", e.gunshot_score),
        "explosion" => "explosion-like".to_string(),
        _ => "impulsive".to_string(),
    };
    // A sound that may be an earlier one's echo says so wherever it is labelled.
    match &e.possible_echo {
        Some(p) => format!("{class} (echo of #{}?)", p.of_id),
        None => class,
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a
/// spreadsheet would run as a formula (starting with = + - @ or a tab) gets a leading quote
/// mark, so a hostile transcript cannot execute in the investigator's spreadsheet (OWASP
/// "CSV injection").
pub fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `events.csv`: one row per event, every measurement, for spreadsheets.
pub fn events_csv(a: &Analysis) -> String {
    let mut s = String::from(
        "id,onset_s,peak_s,end_s,class,label,gunshot_score,detection_score,peak_dbfs,clipped,\
         rise_ms,decay_ms,crest_db,ebr_db,centroid_hz,flatness,low_high_db,positive_phase_ms,\
         crack_lead_ms,distance_min_m,distance_max_m,onset_clearance_db,burst,possible_echo_of,\
         arrival_lag_ms,arrival_clear,components,nearest_phrase,reasons\n",
    );
    for e in &a.events {
        let f = &e.features;
        let components = e
            .components
            .iter()
            .map(|c| format!("{}@{:.6}", c.kind, c.onset_s))
            .collect::<Vec<_>>()
            .join(" ");
        let phrase = e.context_phrase().unwrap_or_default();
        // The shooter's distance for the fastest and the slowest bullet assumed (`distance`).
        let distance = |i: usize| {
            e.distance
                .as_ref()
                .map(|d| format!("{:.0}", d.distance_m[i]))
                .unwrap_or_default()
        };
        let _ = writeln!(
            s,
            "{},{:.6},{:.6},{:.6},{},{},{:.3},{:.3},{:.2},{},{:.2},{:.1},{:.2},{:.2},{:.0},{:.3},{:.2},{:.1},{},{},{},{},{},{},{},{},{},{},{}",
            e.id,
            e.onset_s,
            e.peak_s,
            e.end_s,
            e.class,
            csv_text(&label(e)),
            e.gunshot_score,
            e.detection_score,
            e.peak_dbfs,
            e.clipped,
            f.rise_ms,
            f.decay_ms,
            f.crest_db,
            f.ebr_db,
            f.centroid_hz,
            f.flatness,
            f.low_high_db,
            f.positive_phase_ms,
            f.crack_lead_ms
                .map(|ms| format!("{ms:.1}"))
                .unwrap_or_default(),
            distance(0),
            distance(1),
            f.onset_clearance_db
                .map(|db| format!("{db:.2}"))
                .unwrap_or_default(),
            e.burst.map(|b| b.to_string()).unwrap_or_default(),
            e.possible_echo
                .as_ref()
                .map(|p| p.of_id.to_string())
                .unwrap_or_default(),
            e.arrival
                .map(|x| format!("{:.4}", x.lag_ms))
                .unwrap_or_default(),
            e.arrival.map(|x| x.clear.to_string()).unwrap_or_default(),
            csv_text(&components),
            csv_text(&phrase),
            csv_text(&e.reasons.join("; ")),
        );
    }
    s
}

/// Lowest frequency of the band the detector looks at (Hz), for the Audacity spectral
/// selection line.
const LABEL_FMIN_HZ: f64 = 100.0;

/// `labels.txt`: an Audacity label track (File > Import > Labels): start, end, label,
/// tab-separated, each followed by the optional spectral-selection line (`\`, low Hz, high
/// Hz) spanning the band the detector analysed.
pub fn audacity_labels(a: &Analysis) -> String {
    let nyquist = f64::from(a.audio.sample_rate) / 2.0;
    let mut s = String::new();
    for e in &a.events {
        let end = e.end_s.max(e.onset_s + 0.001);
        let _ = writeln!(s, "{:.6}\t{:.6}\t#{} {}", e.onset_s, end, e.id, label(e));
        let _ = writeln!(s, "\\\t{LABEL_FMIN_HZ:.6}\t{nyquist:.6}");
    }
    s
}

/// Display span of a subtitle cue for an event: from the onset, at least this long so a
/// viewer can read it.
const CUE_MIN_S: f64 = 1.0;

fn cue_end(e: &Event) -> f64 {
    e.end_s.max(e.onset_s + CUE_MIN_S)
}

fn clock(s: f64, sep: char, hours_always: bool) -> String {
    let ms = (s.max(0.0) * 1000.0).round() as u64;
    let (h, m, sec, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if hours_always || h > 0 {
        format!("{h:02}:{m:02}:{sec:02}{sep}{milli:03}")
    } else {
        format!("{m:02}:{sec:02}{sep}{milli:03}")
    }
}

/// Where the video presents the audio's first sample (`input.audio.start_s`): subtitles are
/// shown over the video, so their cues are on its timeline.
pub(crate) fn video_start_s(a: &Analysis) -> f64 {
    a.input.audio.as_ref().map_or(0.0, |au| au.start_s)
}

/// `events.srt`: one subtitle per event, "[gunshot-like 0.93]", on the video's timeline.
pub fn srt(a: &Analysis) -> String {
    let at = video_start_s(a);
    let mut s = String::new();
    for (i, e) in a.events.iter().enumerate() {
        let _ = write!(
            s,
            "{}\n{} --> {}\n[{}]\n\n",
            i + 1,
            clock(at + e.onset_s, ',', true),
            clock(at + cue_end(e), ',', true),
            label(e)
        );
    }
    s
}

/// `events.vtt`: the same as WebVTT (on the video's timeline too), with the event id as cue
/// identifier.
pub fn vtt(a: &Analysis) -> String {
    let at = video_start_s(a);
    let mut s = String::from("WEBVTT - earwitness events\n\n");
    for e in &a.events {
        let _ = write!(
            s,
            "event-{}\n{} --> {}\n[{}]\n\n",
            e.id,
            clock(at + e.onset_s, '.', true),
            clock(at + cue_end(e), '.', true),
            label(e)
        );
    }
    s
}

/// `sonic-visualiser.csv`: time, duration, label rows, which Sonic Visualiser imports as a
/// region annotation layer (File > Import Annotation Layer; columns: time, duration, label).
pub fn sonic_visualiser_csv(a: &Analysis) -> String {
    let mut s = String::new();
    for e in &a.events {
        let _ = writeln!(
            s,
            "{:.6},{:.6},{}",
            e.onset_s,
            (e.end_s - e.onset_s).max(0.001),
            csv_text(&format!("#{} {}", e.id, label(e)))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("a, b"), "\"a, b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("-2+3"), "'-2+3");
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(2.84, ',', true), "00:00:02,840");
        assert_eq!(clock(3723.0005, '.', true), "01:02:03.001");
        assert_eq!(clock(62.5, '.', false), "01:02.500");
    }
}
