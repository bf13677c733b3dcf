//! Report outputs on the demo clip: snapshots of the exports (regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test reports` after an intended change, and review the
//! diff), the structure of report.html, `--formats`, and atomic replacement.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyze(dir: &Path, extra: &[&str]) -> std::process::Output {
    let args = [&["--transcript", "samples/demo.srt"], extra].concat();
    analyze_clip("samples/demo.mp4", dir, &args)
}

/// `earwitness analyze CLIP -o DIR EXTRA...` (paths from the repository root), asserting that
/// it succeeds.
fn analyze_clip(clip: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .arg("analyze")
        .arg(clip)
        .arg("-o")
        .arg(dir)
        .args(extra)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn snapshot(name: &str, got: &str) {
    let path = root().join("tests/snapshots/demo").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {}", path.display()));
    assert_eq!(got, want, "{name} differs from its snapshot");
}

#[test]
fn exports_match_their_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &[]);
    for name in [
        "labels.txt",
        "events.srt",
        "events.vtt",
        "sonic-visualiser.csv",
    ] {
        snapshot(
            name,
            &std::fs::read_to_string(dir.path().join(name)).unwrap(),
        );
    }
    // events.csv: the header and the columns that do not depend on floating-point detail
    // (time, class, label, nearest phrase); the measurements are checked against events.json.
    let csv = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
    // Columns by their header's names, so that a column added elsewhere moves nothing here.
    let header = split_csv(csv.lines().next().unwrap());
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let stable: String = csv
        .lines()
        .map(|l| {
            let cols = split_csv(l);
            ["id", "onset_s", "class", "label", "components"]
                .map(|name| cols[at(name)].clone())
                .join("|")
                + "\n"
        })
        .collect();
    snapshot("events.csv.columns", &stable);
    let json: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).unwrap()).unwrap();
    for (line, e) in csv.lines().skip(1).zip(&json.events) {
        let cols = split_csv(line);
        assert_eq!(
            cols[at("ebr_db")].parse::<f64>().unwrap(),
            (e.features.ebr_db * 100.0).round() / 100.0
        );
    }
}

/// Splits one CSV line (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn the_html_report_is_self_contained_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &[]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let json: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).unwrap()).unwrap();
    let n = json.events.len();
    for section in [
        "Summary",
        "Overview",
        "Events",
        "Transcript with the events",
        "Provenance",
        "Method and limitations",
    ] {
        assert!(
            html.contains(&format!("<h2>{section}</h2>")),
            "missing section {section}"
        );
    }
    assert!(html.contains(&json.input.sha256));
    assert!(html.contains("Content-Security-Policy"));
    assert_eq!(html.matches("<audio").count(), n);
    assert_eq!(html.matches("alt=\"Close-up of event").count(), n);
    assert_eq!(
        html.matches("alt=\"Spectrogram of the whole clip").count(),
        1
    );
    assert_eq!(html.matches("src=\"data:audio/wav;base64,").count(), n);
    // Every event shows the gunshot model's arithmetic, its score as the report gives it, and
    // every detected one the detection model's.
    let detected = json.events.iter().filter(|e| e.detection.is_some()).count();
    assert_eq!(
        html.matches("<details class=\"model\">").count(),
        n + detected
    );
    for e in &json.events {
        assert_eq!(e.detection_model.is_some(), e.detection.is_some());
        if let Some(d) = &e.detection_model {
            assert!(html.contains(&format!(
                "How the detection model scored it ({:.2})",
                d.score
            )));
        }
        let m = e
            .gunshot_model
            .as_ref()
            .expect("every event carries the model's arithmetic");
        assert!(html.contains(&format!("How the gunshot model scored it ({:.2})", m.score)));
        // And how exactly its onset was timed, in the words of its own clearance.
        let timing = e
            .onset_timing(&json.params.detect.refine)
            .expect("every event's onset clearance is measured");
        assert!(html.contains(&timing.replace('"', "&quot;")), "{timing}");
        let db = e.features.onset_clearance_db.unwrap();
        let clear = db >= json.params.detect.refine.clear_db();
        assert_eq!(
            timing.starts_with("Onset clear of the background"),
            clear,
            "{timing}"
        );
        assert_eq!(timing.contains("may be late"), !clear, "{timing}");
        assert!(timing.contains(&format!("{:.1} dB", db.abs())), "{timing}");
        assert!(
            (m.score - e.gunshot_score).abs() <= 0.001,
            "{}: {m:?}",
            e.id
        );
    }
    // The demo has both: onsets timed at 10 % of the peak (the shot) and above it.
    let clear = |e: &earwitness::model::Event| {
        e.features.onset_clearance_db.unwrap() >= json.params.detect.refine.clear_db()
    };
    assert!(json.events.iter().any(clear));
    assert!(!json.events.iter().all(clear));
    // Those that may be late are marked in the table and the mark explained once.
    assert_eq!(
        html.matches(&earwitness::model::late_onset_note(
            &json.params.detect.refine
        ))
        .count(),
        1
    );
    for e in &json.events {
        let time = earwitness::report::plot::clock(e.onset_s);
        assert_eq!(html.contains(&format!("{time}*</td>")), !clear(e), "{time}");
    }
    // Nothing is fetched: no URL other than data: and in-page anchors.
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            assert!(
                rest.starts_with("data:") || rest.starts_with('#'),
                "external reference: {}",
                &rest[..rest.len().min(60)]
            );
        }
    }
    assert!(
        html.contains("0.42 s after &quot;Get up!&quot;")
            || html.contains("0.42 s after \"Get up!\"")
    );
    // The sounds set aside as word onsets are named in the summary and shown, greyed, in the
    // transcript.
    assert!(!json.set_aside.is_empty());
    assert!(html.contains(&format!(
        "{} further sound(s) set aside as the onsets of spoken words",
        json.set_aside.len()
    )));
    assert_eq!(
        html.matches("class=\"ev aside\"").count(),
        json.set_aside.len()
    );
    // Each with its reason, the cue it starts in named.
    for x in &json.set_aside {
        let reason = x.reason.replace('"', "&quot;");
        assert!(html.contains(&reason) || html.contains(&x.reason), "{x:?}");
    }
}

#[test]
fn without_captions_the_html_report_places_events_against_the_speech_heard() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .args([
            "analyze",
            "samples/demo.mp4",
            "--formats",
            "json,html",
            "-o",
        ])
        .arg(dir.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let json: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).unwrap()).unwrap();
    let spans = json.speech_heard.as_ref().unwrap();
    assert!(html.contains(&format!(
        "Speech heard (no captions on the clock to say where words are spoken): {} stretch(es)",
        spans.len()
    )));
    assert!(!html.contains("<h2>Transcript with the events</h2>"));
    for e in &json.events {
        assert!(html.contains(&e.context_phrase().unwrap()), "{e:?}");
    }
}

#[test]
fn formats_choose_the_outputs_and_pictures_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(dir.path(), &["--formats", "json,overview,closeups"]);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["closeups", "events.json", "overview.png", "overview.svg"]
    );
    let png = std::fs::read(dir.path().join("overview.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let svg = std::fs::read_to_string(dir.path().join("overview.svg")).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("data:image/png;base64,"),
        "spectrogram embedded in the SVG"
    );
    assert!(svg.contains("Get up!"), "transcript lane in the SVG");
    let closeups = std::fs::read_dir(dir.path().join("closeups"))
        .unwrap()
        .count();
    assert!(closeups >= 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("close-ups"));
}

#[test]
fn a_rerun_replaces_outputs_whole_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &["--formats", "json,csv"]);
    std::fs::write(dir.path().join("events.csv"), "stale").unwrap();
    analyze(dir.path(), &["--formats", "json,csv"]);
    let csv = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
    assert!(csv.starts_with("id,onset_s"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// With the `ffmpeg` feature, each close-up of a video input comes with the frame on screen;
/// the demo's test pattern prints its own timestamp, so the frame at the shot is checkable by
/// eye in closeups/event-2-frame.png.
#[cfg(feature = "ffmpeg")]
#[test]
fn video_frames_accompany_the_closeups() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &["--formats", "closeups,html"]);
    let frame = std::fs::read(dir.path().join("closeups/event-1-frame.png")).unwrap();
    assert!(frame.starts_with(b"\x89PNG"));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("Video frame at event 1"));
}

/// Without it, no video is decoded and nothing pretends otherwise.
#[cfg(not(feature = "ffmpeg"))]
#[test]
fn the_pure_rust_build_shows_no_video_frames() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &["--formats", "closeups,html"]);
    assert!(!dir.path().join("closeups/event-1-frame.png").exists());
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(!html.contains("Video frame at event"));
}

/// `analyze` of the timing fixture whose audio the container presents 0.478 s into the file,
/// writing `formats` into a new folder (asserting it succeeds).
fn analyze_presented_late(formats: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    analyze_clip(
        "tests/fixtures/timing/impulses_late.mp4",
        t.path(),
        &["--formats", formats],
    );
    t
}

/// A video whose container presents the audio 0.478 s into the file (a leading empty edit):
/// events.json keeps the decoded timeline and says where it plays; the subtitles, shown over
/// the video, are on the video's timeline; the Audacity labels, over the audio, are not.
#[test]
fn subtitles_of_audio_presented_late_are_on_the_videos_timeline() {
    let t = analyze_presented_late("json,srt,vtt,labels");
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("events.json")).unwrap())
            .unwrap();
    let start = a["input"]["audio"]["start_s"].as_f64().unwrap();
    assert!((start - 0.478).abs() < 1e-9, "{start}");
    assert!(
        a["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("presents the audio from 0.478 s")),
        "{:#?}",
        a["warnings"]
    );
    let onset = a["events"][0]["onset_s"].as_f64().unwrap();
    let ms = |s: f64| (s * 1000.0).round() as u64;
    let clock = |s: f64, sep: char| {
        let m = ms(s);
        format!("00:00:{:02}{sep}{:03}", m / 1000, m % 1000)
    };
    let srt = std::fs::read_to_string(t.path().join("events.srt")).unwrap();
    assert!(
        srt.starts_with(&format!("1\n{} --> ", clock(onset + start, ','))),
        "{srt}"
    );
    let vtt = std::fs::read_to_string(t.path().join("events.vtt")).unwrap();
    assert!(
        vtt.contains(&format!("\n{} --> ", clock(onset + start, '.'))),
        "{vtt}"
    );
    let labels = std::fs::read_to_string(t.path().join("labels.txt")).unwrap();
    assert!(labels.starts_with(&format!("{onset:.6}\t")), "{labels}");
}

/// The frame shown beside an event of that video is the one on screen when the event is heard
/// in it: at the event's time plus `start_s` (the first impulse, 0.271 s into the audio, plays
/// at 0.749 s; the 25 fps test pattern's frame from 0.720 s is on screen), not the frame from
/// 0.240 s that the audio's own time would pick.
#[cfg(feature = "ffmpeg")]
#[test]
fn the_frame_beside_an_event_of_audio_presented_late_is_the_one_on_screen() {
    let t = analyze_presented_late("json,html");
    let html = std::fs::read_to_string(t.path().join("report.html")).unwrap();
    assert!(
        html.contains(
            "the frame shown from 0:00.720 on the video's clock (its audio starts 0.478 s in)"
        ),
        "{:?}",
        html.split("<figcaption>")
            .skip(1)
            .filter_map(|c| c.split("</figcaption>").next())
            .collect::<Vec<_>>()
    );
}
