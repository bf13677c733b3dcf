//! Transcript fixtures (tests/fixtures/transcripts): every format and quirk, hostile text,
//! broken files; and `analyze --transcript` end to end on the demo clip.

use std::path::{Path, PathBuf};
use std::process::Command;

use earwitness::model::{Analysis, OffsetSource};
use earwitness::transcript::{self, Format};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcripts")
        .join(name)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (start, end, text) of each cue.
fn spans(t: &transcript::Transcript) -> Vec<(f64, f64, String)> {
    t.cues
        .iter()
        .map(|c| (c.start_s, c.end_s, c.text.clone()))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn srt_quirks() {
    let t = transcript::load(&fixture("quirks.srt"), None).unwrap();
    assert_eq!(t.format, Format::Srt);
    let s = spans(&t);
    assert_eq!(s.len(), 3, "{s:?}");
    assert!(close(s[0].0, 2.01) && close(s[0].1, 2.42));
    assert_eq!(s[0].2, "Встать! (Get up!)");
    assert!(close(s[1].0, 5.24) && close(s[1].1, 6.11));
    assert_eq!(s[1].2, "Why are you afraid?");
    assert!(close(s[2].0, 7.0) && close(s[2].1, 7.5));
}

#[test]
fn hostile_text_is_kept_as_text_without_markup_or_control_characters() {
    let t = transcript::load(&fixture("hostile.srt"), None).unwrap();
    for c in &t.cues {
        assert!(!c.text.chars().any(char::is_control), "{:?}", c.text);
    }
    assert_eq!(t.cues[0].text, "<script>alert(1)</script> & bold [31mred");
    assert_eq!(
        t.cues[1].text,
        "<img src=x onerror=alert(2)> \"quoted\" & <unclosed"
    );
}

#[test]
fn broken_files_name_the_line() {
    let e = transcript::load(&fixture("broken-timing.srt"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken-timing.srt:6: broken timing line"), "{e}");
    let e = transcript::load(&fixture("reversed.srt"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("reversed.srt:6: cue ends before it starts"),
        "{e}"
    );
    let e = transcript::load(&fixture("cp1251.srt"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cp1251.srt:3: text is not UTF-8"), "{e}");
}

#[test]
fn webvtt_blocks_settings_and_voices() {
    let t = transcript::load(&fixture("voices.vtt"), None).unwrap();
    assert_eq!(t.format, Format::Vtt);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let s = spans(&t);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].2, "Get up!");
    assert!(close(s[0].0, 2.01) && close(s[0].1, 2.42));
    assert_eq!(t.cues[0].speaker.as_deref(), Some("Officer"));
    assert_eq!(t.cues[1].speaker.as_deref(), Some("Soldier"));
}

#[test]
fn youtube_auto_captions_are_deduplicated_with_word_times() {
    let t = transcript::load(&fixture("youtube.vtt"), None).unwrap();
    let s = spans(&t);
    assert_eq!(
        s.iter().map(|c| c.2.as_str()).collect::<Vec<_>>(),
        ["get up now", "why are you afraid"]
    );
    let words: Vec<(&str, f64)> = t.cues[1]
        .words
        .iter()
        .map(|w| (w.text.as_str(), w.start_s))
        .collect();
    assert_eq!(
        words,
        [("why", 4.01), ("are", 5.5), ("you", 5.7), ("afraid", 5.8)]
    );
    assert!(close(t.cues[0].words[2].end_s, 4.0));
}

#[test]
fn whisper_dialects() {
    let cpp = transcript::load(&fixture("whisper-cpp.json"), None).unwrap();
    assert_eq!(cpp.format, Format::WhisperCpp);
    assert_eq!(cpp.cues[0].text, "Встать!");
    assert_eq!(
        cpp.cues[0].words.len(),
        1,
        "sub-word tokens join into one word"
    );
    assert_eq!(cpp.cues[0].words[0].text, "Встать!");
    assert!(close(cpp.cues[1].end_s, 6.11));

    let openai = transcript::load(&fixture("openai-whisper.json"), None).unwrap();
    assert_eq!(openai.format, Format::Whisper);
    assert_eq!(openai.cues[0].words[1].text, "up!");

    let x = transcript::load(&fixture("whisperx.json"), None).unwrap();
    assert_eq!(x.cues[1].speaker.as_deref(), Some("SPEAKER_01"));
    assert_eq!(x.cues[1].words.len(), 2, "unaligned words are skipped");
    assert_eq!(x.warnings.len(), 1, "{:?}", x.warnings);
}

#[test]
fn csv_and_tsv() {
    let c = transcript::load(&fixture("whisper-cpp.csv"), None).unwrap();
    assert_eq!(c.format, Format::Csv);
    assert!(close(c.cues[0].start_s, 2.01), "milliseconds recognised");
    assert_eq!(c.cues[1].text, "Why are you, \"comrade\", afraid?");
    let t = transcript::load(&fixture("plain.tsv"), None).unwrap();
    assert!(close(t.cues[1].end_s, 6.11));
}

#[test]
fn the_format_can_be_forced() {
    let e = transcript::load(&fixture("plain.tsv"), Some(Format::Srt)).unwrap_err();
    assert!(e.to_string().contains("no timing line"), "{e}");
}

fn analyze(args: &[&str], dir: &Path) -> (std::process::Output, Analysis) {
    let out = Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .arg("analyze")
        .arg(root().join("samples/demo.mp4"))
        .arg("-o")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Analysis =
        serde_json::from_slice(&std::fs::read(dir.join("events.json")).unwrap()).unwrap();
    (out, a)
}

#[test]
fn the_demo_shot_is_placed_after_get_up() {
    let dir = tempfile::tempdir().unwrap();
    let srt = root().join("samples/demo.srt");
    let (out, a) = analyze(&["--transcript", srt.to_str().unwrap()], dir.path());
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("samples/demo.labels.json")).unwrap())
            .unwrap();
    let bang = labels["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["class"] == "gunshot")
        .unwrap()["onset_s"]
        .as_f64()
        .unwrap();
    let shot = a
        .events
        .iter()
        .find(|e| (e.onset_s - bang).abs() < 0.001)
        .unwrap();
    let r = shot.transcript.as_ref().unwrap();
    let prev = r.previous.as_ref().unwrap();
    assert_eq!(prev.text, "Get up!");
    assert!((prev.gap_s - 0.42).abs() < 0.01, "{prev:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.42 s after \"Get up!\""));
    let t = a.transcript.as_ref().unwrap();
    assert_eq!((t.offset_source, t.offset_s), (OffsetSource::None, 0.0));
    assert_eq!(t.cues.len(), 2);
}

/// Onsets (s) of the demo's labelled events.
fn demo_labels() -> Vec<f64> {
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("samples/demo.labels.json")).unwrap())
            .unwrap();
    labels["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["onset_s"].as_f64().unwrap())
        .collect()
}

#[test]
fn word_onsets_inside_the_captions_are_set_aside_and_listed() {
    let labelled = demo_labels();
    let is_labelled = |t: f64| labelled.iter().any(|l| (l - t).abs() <= 0.05);
    let srt = root().join("samples/demo.srt");
    let dir = tempfile::tempdir().unwrap();
    let (out, with) = analyze(&["--transcript", srt.to_str().unwrap()], dir.path());
    let (_, bare) = analyze(&["--keep-word-onsets"], &dir.path().join("bare"));
    let (_, kept) = analyze(
        &["--transcript", srt.to_str().unwrap(), "--keep-word-onsets"],
        &dir.path().join("kept"),
    );
    // With the rule off nothing is set aside, and the demo's syllables are reported.
    assert!(bare.set_aside.is_empty());
    assert!(bare.events.iter().any(|e| !is_labelled(e.onset_s)));
    // With it, the sounds set aside are exactly the unlabelled ones (the words' onsets), each
    // inside a spoken cue and heard as speech by the detector, with both in its reason; the
    // events left are numbered 1..n.
    assert!(!with.set_aside.is_empty());
    let t = with.transcript.as_ref().unwrap();
    for x in &with.set_aside {
        assert!(!is_labelled(x.onset_s), "{x:?}");
        let c = &t.cues[x.cue.unwrap() - 1];
        assert!(
            x.onset_s >= c.start_s - 0.1 && x.onset_s <= c.end_s,
            "{x:?} {c:?}"
        );
        assert!(x.speech_probability.unwrap() >= 0.7, "{x:?}");
        assert!(
            x.flatness < 0.4 && x.reason.contains(&c.text) && x.reason.contains("speech detector"),
            "{x:?}"
        );
    }
    assert!(with.events.iter().all(|e| is_labelled(e.onset_s)));
    assert_eq!(
        with.events.len() + with.set_aside.len(),
        bare.events.len(),
        "the transcript only sets aside; it adds nothing"
    );
    assert!(with.events.iter().enumerate().all(|(i, e)| e.id == i + 1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("set aside as word onsets"));
    // --keep-word-onsets reports them as before.
    assert!(kept.set_aside.is_empty());
    assert_eq!(kept.events.len(), bare.events.len());
}

#[test]
fn without_captions_the_speech_heard_sets_the_word_onsets_aside() {
    let labelled = demo_labels();
    let is_labelled = |t: f64| labelled.iter().any(|l| (l - t).abs() <= 0.05);
    let dir = tempfile::tempdir().unwrap();
    let (out, heard) = analyze(&[], dir.path());
    let (_, kept) = analyze(&["--keep-word-onsets"], &dir.path().join("kept"));
    // The demo's words ("Get up!" at 2.01-2.42 s, "Why are you afraid?" at 5.24-6.11 s) are
    // found by the speech detector alone: what it sets aside is exactly the unlabelled sounds,
    // each inside a spoken line, each with the detector's probability and the reason.
    let spoken = [(2.01, 2.42), (5.24, 6.11)];
    assert!(!heard.set_aside.is_empty());
    for x in &heard.set_aside {
        assert!(!is_labelled(x.onset_s), "{x:?}");
        assert!(x.cue.is_none(), "{x:?}");
        assert!(x.speech_probability.unwrap() >= 0.7, "{x:?}");
        assert!(
            spoken
                .iter()
                .any(|(a, b)| x.onset_s >= a - 0.1 && x.onset_s <= *b),
            "{x:?}"
        );
        assert!(x.reason.contains("speech detector"), "{x:?}");
    }
    assert!(heard.events.iter().all(|e| is_labelled(e.onset_s)));
    assert_eq!(
        heard.events.len() + heard.set_aside.len(),
        kept.events.len()
    );
    assert!(heard.params.speech.enabled && !kept.params.speech.enabled);
    assert!(String::from_utf8_lossy(&out.stdout).contains("set aside as word onsets"));
}

#[test]
fn without_captions_each_event_is_placed_against_the_speech_heard() {
    let dir = tempfile::tempdir().unwrap();
    let (out, a) = analyze(&[], dir.path());
    // Two spans, one per spoken line of the demo ("Get up!" at 2.01-2.42 s, "Why are you
    // afraid?" at 5.24-6.11 s), each overlapping its line; the detector lags a voice's start
    // and end by tens of milliseconds (docs/detection-notes.md), so the edges are checked to
    // within a quarter of a second.
    let spans = a
        .speech_heard
        .as_ref()
        .expect("speech_heard without captions");
    let spoken = [(2.01, 2.42), (5.24, 6.11)];
    assert_eq!(spans.len(), spoken.len(), "{spans:?}");
    for (s, (a0, b0)) in spans.iter().zip(spoken) {
        assert!(
            (s.start_s - a0).abs() < 0.25 && (s.end_s - b0).abs() < 0.25,
            "{s:?}"
        );
        assert!(
            s.max_probability >= a.params.speech.spans.threshold,
            "{s:?}"
        );
    }
    // The shot comes after the order: after the first span, before the second.
    let shot = a.events.iter().find(|e| e.class == "gunshot").unwrap();
    let r = shot.speech.as_ref().unwrap();
    assert_eq!(r.during, None);
    let after = r.after_s.unwrap();
    assert!(
        (after - (shot.onset_s - spans[0].end_s)).abs() < 1e-6,
        "{r:?}"
    );
    assert!((r.before_s.unwrap() - (spans[1].start_s - shot.onset_s)).abs() < 1e-6);
    let phrase = format!("{after:.2} s after speech heard");
    assert_eq!(shot.context_phrase().unwrap(), phrase);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&phrase));
    // With captions on the clock, they say where words are spoken: no spans, no relation.
    let srt = root().join("samples/demo.srt");
    let (_, with) = analyze(
        &["--transcript", srt.to_str().unwrap()],
        &dir.path().join("captions"),
    );
    assert!(with.speech_heard.is_none());
    assert!(with.events.iter().all(|e| e.speech.is_none()));
}

#[test]
fn a_manual_offset_moves_the_cues_onto_the_audio_clock() {
    let dir = tempfile::tempdir().unwrap();
    let late = dir.path().join("late.srt");
    std::fs::write(
        &late,
        "1\n00:00:09,510 --> 00:00:09,920\nGet up!\n\n2\n00:00:12,740 --> 00:00:13,610\nWhy are you afraid?\n",
    )
    .unwrap();
    let (_, a) = analyze(
        &[
            "--transcript",
            late.to_str().unwrap(),
            "--transcript-offset",
            "7.5",
        ],
        &dir.path().join("out"),
    );
    let t = a.transcript.as_ref().unwrap();
    assert_eq!(t.offset_source, OffsetSource::Manual);
    assert!(close(t.cues[0].start_s, 2.01), "{:?}", t.cues[0]);
    // Auto sync on a 9 s clip with two phrases: an estimate is made but is not confident
    // enough to apply, which is said, and the manual offset is kept.
    let (out, a) = analyze(
        &[
            "--transcript",
            late.to_str().unwrap(),
            "--transcript-offset",
            "7.5",
            "--sync",
            "auto",
        ],
        &dir.path().join("auto"),
    );
    let t = a.transcript.as_ref().unwrap();
    assert!(t.sync_estimate_s.is_some());
    if t.offset_source == OffsetSource::Auto {
        assert!((t.offset_s - 7.5).abs() < 0.1, "{t:?}");
    } else {
        assert_eq!(t.offset_source, OffsetSource::Manual);
        assert!(String::from_utf8_lossy(&out.stderr).contains("not confident"));
    }
}

#[test]
fn a_bad_transcript_fails_with_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .arg("analyze")
        .arg(root().join("samples/demo.mp4"))
        .arg("-o")
        .arg(dir.path())
        .arg("--transcript")
        .arg(fixture("reversed.srt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("reversed.srt:6:"), "{err}");
    assert!(!dir.path().join("events.json").exists());
}

#[test]
fn captions_whose_clock_is_off_leave_the_word_onsets_to_the_speech_heard() {
    // Five copies of the demo, 0, 3, 7, 1.5 and 5 s of faint noise before each (so the speech
    // pattern does not repeat with one period, and an offset can be estimated), with captions
    // 8 s late given as they are (no --sync). The clock check finds the offset, says so, and
    // the syllables are set aside by the speech heard, not by the misplaced cues.
    let demo =
        earwitness::decode::decode(&root().join("samples/demo.mp4"), &Default::default()).unwrap();
    let sr = demo.signal.sample_rate;
    let one = demo.signal.mixdown();
    let nine = &one[..9 * sr as usize];
    let (mut x, mut srt, mut t) = (Vec::new(), String::new(), 0.0f64);
    let clock = |s: f64| {
        let ms = (s * 1000.0).round() as u64;
        format!(
            "{:02}:{:02}:{:02},{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    for (k, gap) in [0.0, 3.0, 7.0, 1.5, 5.0].into_iter().enumerate() {
        x.extend(earwitness::testutil::noise(
            (gap * f64::from(sr)) as usize,
            0.002,
            k as u64 + 1,
        ));
        t += gap;
        x.extend_from_slice(nine);
        for (i, (a, b, text)) in [(2.01, 2.42, "Get up!"), (5.24, 6.11, "Why are you afraid?")]
            .into_iter()
            .enumerate()
        {
            srt.push_str(&format!(
                "{}\n{} --> {}\n{text}\n\n",
                2 * k + i + 1,
                clock(t + a + 8.0),
                clock(t + b + 8.0)
            ));
        }
        t += 9.0;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("five.wav");
    earwitness::testutil::write_float_wav(&wav, sr, &[&x]);
    let late = dir.path().join("late.srt");
    std::fs::write(&late, srt).unwrap();
    let a = earwitness::pipeline::analyze_with(
        &wav,
        Some(&late),
        &earwitness::pipeline::AnalyzeParams::default(),
    )
    .unwrap();
    let t = a.transcript.as_ref().unwrap();
    assert_eq!(t.offset_source, OffsetSource::None);
    let estimate = t.sync_estimate_s.unwrap();
    assert!((estimate - 8.0).abs() < 0.2, "{t:?}");
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("clock looks off") && w.contains("judged by the speech heard")),
        "{:?}",
        a.warnings
    );
    // The speech heard sets the syllables aside: none by a cue, each where a line is spoken.
    assert!(a.set_aside.len() >= 10, "{:?}", a.set_aside);
    let starts = [0.0, 12.0, 28.0, 38.5, 52.5];
    for s in &a.set_aside {
        assert!(s.cue.is_none() && s.speech_probability.is_some(), "{s:?}");
        assert!(
            starts.iter().any(|t0| {
                let r = s.onset_s - t0;
                (1.9..=2.5).contains(&r) || (5.1..=6.2).contains(&r)
            }),
            "{s:?}"
        );
    }
    // Every copy's shot is still reported, 2.84 s into its copy.
    for t0 in starts {
        assert!(
            a.events
                .iter()
                .any(|e| e.class == "gunshot" && (e.onset_s - t0 - 2.84).abs() < 0.002),
            "no shot at {}",
            t0 + 2.84
        );
    }
    assert!(a.speech_heard.as_ref().is_some_and(|s| s.len() >= 5));
}

#[test]
fn a_knock_inside_a_cue_with_no_voice_after_it_is_kept() {
    // Three knocks (a damped 700 Hz mode: a coloured, voice-like spectrum) in faint noise, under
    // a caption that spans them, and no voice anywhere: the cue alone would take each knock for
    // a word's onset; the speech detector hears no word, so they stay events.
    let sr = 16_000u32;
    let mut x = earwitness::testutil::noise(sr as usize * 6, 0.002, 7);
    for k in 0..3 {
        let at = (sr as f64 * (2.0 + 0.6 * k as f64)) as usize;
        for i in 0..(sr as usize / 10) {
            let t = i as f64 / f64::from(sr);
            x[at + i] +=
                (0.5 * (-t / 0.015).exp() * (2.0 * std::f64::consts::PI * 700.0 * t).sin()) as f32;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("knocks.wav");
    earwitness::testutil::write_float_wav(&wav, sr, &[&x]);
    let srt = dir.path().join("line.srt");
    std::fs::write(&srt, "1\n00:00:01,900 --> 00:00:04,000\nOpen the door!\n").unwrap();
    let run = |confirm: bool| {
        let mut p = earwitness::pipeline::AnalyzeParams::default();
        p.transcript.syllables.confirm_by_ear = confirm;
        earwitness::pipeline::analyze_with(&wav, Some(&srt), &p).unwrap()
    };
    let knocks = |a: &Analysis| {
        a.events
            .iter()
            .filter(|e| (0..3).any(|k| (e.onset_s - (2.0 + 0.6 * f64::from(k))).abs() < 0.01))
            .count()
    };
    let cue_alone = run(false);
    assert_eq!(knocks(&cue_alone), 0, "{:?}", cue_alone.events);
    assert_eq!(cue_alone.set_aside.len(), 3, "{:?}", cue_alone.set_aside);
    assert!(cue_alone.set_aside.iter().all(|s| s.flatness < 0.4));
    let confirmed = run(true);
    assert_eq!(knocks(&confirmed), 3, "{:?}", confirmed.set_aside);
    assert!(confirmed.set_aside.is_empty());
    assert!(confirmed.params.transcript.syllables.confirm_by_ear);
}
