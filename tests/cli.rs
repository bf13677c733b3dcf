//! End-to-end tests of the `earwitness` binary: `probe` on good files, and one clear line
//! with exit code 2 (never a panic) for every kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use earwitness::model::MediaProbe;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_earwitness"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn probe(path: &Path) -> Output {
    bin()
        .arg("probe")
        .arg(path)
        .output()
        .expect("run earwitness")
}

/// Asserts the run failed cleanly: exit 2, one line on stderr naming the file and containing
/// `expect`, no panic or backtrace.
fn assert_clean_failure(out: &Output, path: &Path, expect: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}: stderr was {stderr}",
        path.display()
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line expected, got: {stderr}");
    assert!(
        lines[0].contains(&path.display().to_string()),
        "no file name in: {stderr}"
    );
    assert!(
        lines[0].contains(expect),
        "expected '{expect}' in: {stderr}"
    );
}

/// Writes `bytes` to `name` in a fresh temporary directory.
/// The command succeeded; its error output is shown when it did not.
/// `probe` of `path`, which must succeed: what it prints.
fn probe_text(path: &Path) -> String {
    let out = probe(path);
    assert_success(&out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Writes `samples` as a 16 kHz mono 16-bit WAV at `path`.
fn write_wav_16k(path: &Path, samples: impl Iterator<Item = i16>) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for v in samples {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
}

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

#[test]
fn missing_file() {
    let p = Path::new("/nonexistent/clip.mp4");
    assert_clean_failure(&probe(p), p, "no such file");
}

#[test]
fn directory() {
    let dir = tempfile::tempdir().unwrap();
    assert_clean_failure(&probe(dir.path()), dir.path(), "is a directory");
}

#[test]
fn a_pipe_or_a_device_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("stream.mp4");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Nothing writes to the pipe: the check must not open it (that would wait for a writer).
    assert_clean_failure(&probe(&fifo), &fifo, "is not a regular file (a pipe");
    let null = Path::new("/dev/null");
    assert_clean_failure(&probe(null), null, "is not a regular file");
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(&dir, "empty.wav", b"");
    assert_clean_failure(&probe(&p), &p, "empty");
}

#[test]
fn random_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // A fixed pseudo-random sequence (xorshift) so the test is reproducible.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let p = temp_file(&dir, "random.mp4", &bytes);
    assert_clean_failure(&probe(&p), &p, "not a recognised media file");
}

#[test]
fn text_with_a_media_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_file(
        &dir,
        "clip.mp4",
        b"<!DOCTYPE html><html><body>Video unavailable</body></html>",
    );
    assert_clean_failure(&probe(&p), &p, "HTML page");
}

#[test]
fn valid_audio_with_the_wrong_extension_is_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let wav = std::fs::read(fixture("timing/impulses.wav")).unwrap();
    let p = temp_file(&dir, "actually_wav.mp3", &wav);
    let out = probe(&p);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pcm_s16le"));
}

fn truncated(name: &str, keep: usize, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(fixture(&format!("timing/{name}"))).unwrap();
    let p = temp_file(&dir, name, &full[..keep]);
    assert_clean_failure(&probe(&p), &p, expect);
}

#[test]
fn truncated_wav() {
    truncated("impulses.wav", 20_000, "truncated");
}

#[test]
fn truncated_mp3() {
    truncated("impulses.mp3", 1_000, "truncated");
}

#[test]
fn truncated_mp4_without_its_index() {
    // ffmpeg writes `moov` at the end without +faststart: cutting the file loses it. The audio
    // before the cut is found in the media data and read, and probe says how.
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(fixture("timing/impulses.mp4")).unwrap();
    let p = temp_file(&dir, "impulses.mp4", &full[..12_000]);
    let a = analyze_json(&p, &dir.path().join("cut"), &[]);
    for words in [
        &["no 'moov' index box", "69 AAC frames"][..],
        &["48 kHz is assumed"],
        &["ends inside a frame or video unit", "cut short"],
    ] {
        assert!(
            a.warnings
                .iter()
                .any(|w| words.iter().all(|word| w.contains(word))),
            "{words:?}: {:?}",
            a.warnings
        );
    }
    assert_eq!(a.input.container.format, "mp4_unfinished");
    // Cut before any audio: nothing to read, and said so.
    truncated("impulses.mp4", 600, "without a 'moov' index box");
    truncated(
        "impulses.mp4",
        600,
        "no AAC audio was found in its media data",
    );
}

#[test]
fn truncated_ogg_opus() {
    truncated("impulses.opus", 3_000, "truncated");
}

fn patched_wav(offset: usize, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut wav = std::fs::read(fixture("timing/impulses.wav")).unwrap();
    wav[offset..offset + bytes.len()].copy_from_slice(bytes);
    let p = temp_file(&dir, "patched.wav", &wav);
    (dir, p)
}

#[test]
fn header_with_zero_channels() {
    // WAVE fmt chunk: channel count at byte 22.
    let (_dir, p) = patched_wav(22, &0u16.to_le_bytes());
    assert_clean_failure(&probe(&p), &p, "channel");
}

#[test]
fn header_with_zero_sample_rate() {
    // WAVE fmt chunk: sample rate at byte 24.
    let (_dir, p) = patched_wav(24, &0u32.to_le_bytes());
    assert_clean_failure(&probe(&p), &p, "0 Hz");
}

#[test]
fn header_with_an_absurd_sample_rate() {
    // 4 GHz: the analysis windows, set in seconds, would ask for buffers of absurd size (it ran
    // for minutes before the check).
    let (_dir, p) = patched_wav(24, &4_000_000_000u32.to_le_bytes());
    assert_clean_failure(&probe(&p), &p, "sample rate of 4000000000 Hz");
    let out = bin()
        .arg("analyze")
        .arg(&p)
        .args(["--formats", "json", "-o"])
        .arg(p.with_extension("out"))
        .output()
        .unwrap();
    assert_clean_failure(&out, &p, "sample rate of 4000000000 Hz");
}

#[test]
fn video_without_audio() {
    let p = fixture("bad/video_only.mp4");
    let out = probe(&p);
    assert_clean_failure(&out, &p, "no audio track (streams: video h264)");
    // The file is still described on stdout: a report wants the video's facts too.
    assert!(String::from_utf8_lossy(&out.stdout).contains("video h264 64x48"));
}

#[cfg(not(feature = "ffmpeg"))]
#[test]
fn unsupported_codec_names_it_and_the_feature() {
    let p = fixture("bad/ac3_audio.mp4");
    assert_clean_failure(&probe(&p), &p, "unsupported audio codec 'ac3'");
    assert_clean_failure(&probe(&p), &p, "--features ffmpeg");
    // MP2 in MPEG-TS at a bit rate the standard does not allow in mono: read by
    // earwitness's MPEG-TS reader, refused by symphonia's MPEG audio reader, and said why.
    let p = fixture("bad/ts_audio.ts");
    assert_clean_failure(
        &probe(&p),
        &p,
        "384 kbit/s, is one the MPEG standard does not allow",
    );
    // The same in an MPEG program stream, read by earwitness's program-stream reader.
    let p = fixture("bad/ps_audio.mpg");
    assert_clean_failure(
        &probe(&p),
        &p,
        "384 kbit/s, is one the MPEG standard does not allow",
    );
    // MP2 in mono at 384 kbit/s (ffmpeg's encoder writes it; the standard does not allow it):
    // symphonia's reader refuses its frames, and was "not a recognised media file" (or, on a
    // longer file, 0.65 s of MP1 noise at 32 kHz for 3 s at 48 kHz).
    let p = fixture("bad/mono_384k.mp2");
    assert_clean_failure(
        &probe(&p),
        &p,
        "its frames are MPEG audio layer 2 at 44100 Hz, but the pure-Rust reader finds no stream \
         (its first frame's bit rate, 384 kbit/s, is one the MPEG standard does not allow in mono",
    );
    assert_clean_failure(&probe(&p), &p, "--features ffmpeg");
    // A call recorder's WAV in GSM 6.10: a WAV, but not one symphonia reads.
    let p = fixture("bad/gsm_audio.wav");
    let dir = tempfile::tempdir().unwrap();
    for out in [
        probe(&p),
        bin()
            .arg("analyze")
            .arg(&p)
            .args(["--formats", "json", "-o"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap(),
    ] {
        assert_clean_failure(
            &out,
            &p,
            "a WAV file whose audio is GSM 6.10 (format tag 0x0031)",
        );
        assert_clean_failure(&out, &p, "--features ffmpeg");
    }
}

#[cfg(feature = "ffmpeg")]
#[test]
fn ffmpeg_backend_reads_what_symphonia_cannot() {
    for (file, codec) in [
        ("bad/ac3_audio.mp4", "libavcodec ac3"),
        ("bad/ts_audio.ts", "libavcodec mp2"),
        ("bad/ps_audio.mpg", "libavcodec mp2"),
        ("bad/gsm_audio.wav", "libavcodec gsm"),
        ("bad/mono_384k.mp2", "libavcodec mp2"),
    ] {
        let out = probe(&fixture(file));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(codec),
            "{file}"
        );
    }
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let good = fixture("timing/impulses.flac");
    let out = bin()
        .arg("probe")
        .arg("/nonexistent.wav")
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("audio flac 48000 Hz 1 ch"));
}

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils)");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn probe_json_describes_the_demo_clip() {
    let demo = root().join("samples/demo.mp4");
    let out = bin().args(["probe", "--json"]).arg(&demo).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The schema denies unknown fields, so this also checks the JSON matches the model.
    let probes: Vec<MediaProbe> = serde_json::from_slice(&out.stdout).unwrap();
    let p = &probes[0];
    assert_eq!(p.sha256, sha256sum(&demo));
    assert_eq!(p.size_bytes, std::fs::metadata(&demo).unwrap().len());
    assert_eq!(p.container.format, "mp4");
    assert_eq!(
        p.container.tags.get("major_brand").map(String::as_str),
        Some("isom")
    );
    let kinds: Vec<&str> = p.streams.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["video", "audio"]);
    assert_eq!(
        (p.streams[0].width, p.streams[0].height),
        (Some(320), Some(180))
    );
    assert_eq!(p.streams[0].frame_rate, Some(25.0));
    assert_eq!(
        p.streams[1].tags.get("handler_name").map(String::as_str),
        Some("SoundHandler")
    );
    let audio = p.audio.as_ref().unwrap();
    assert_eq!(
        (audio.codec.as_str(), audio.sample_rate, audio.channels),
        ("aac", 48_000, 1)
    );
    assert_eq!(audio.stream_index, 1);
    assert_eq!(audio.priming_frames, 1024);
    assert_eq!(audio.priming_source.as_deref(), Some("MP4 edit list"));
}

#[test]
fn probe_says_when_the_decoded_channels_or_rate_are_not_the_containers() {
    // MP3 in MP4: ffmpeg's sample entry states 2 channels for this mono stream.
    let clip = root().join("tests/fixtures/timing/impulses_mp3.mp4");
    let text = probe_text(&clip);
    assert!(text.contains("audio mp3 48000 Hz 2 ch"), "{text}");
    assert!(
        text.contains("(48000 Hz, 1 ch, not the 2 the container states)"),
        "{text}"
    );
    // HE-AAC in ADTS: the header states the coded core's rate, SBR gives twice it; the
    // decoder and the profile are named.
    let text = probe_text(&root().join("tests/fixtures/timing/impulses_he.aac"));
    assert!(
        text.contains(
            "rusty_aac HE-AAC (SBR) on stream 0 (48000 Hz, 2 ch, not the 24000 Hz the \
             container states)"
        ),
        "{text}"
    );
    // Where they agree, nothing is added.
    let demo = probe(&root().join("samples/demo.mp4"));
    assert!(!String::from_utf8_lossy(&demo.stdout).contains("the container states"));
}

/// An AVI (MJPEG + PCM, as a dashcam writes it) is probed and analysed by the pure-Rust
/// build, which refused it: the container, both streams, and the five impulses at their times.
#[test]
fn an_avi_is_probed_and_analysed() {
    let clip = root().join("tests/fixtures/timing/impulses_pcm.avi");
    let text = probe_text(&clip);
    for words in [
        "avi (AVI (Audio Video Interleaved)), 2.",
        "stream 0   video mjpeg 32x24 5 fps",
        "stream 1   audio pcm_s16le 48000 Hz 1 ch, 2.000 s, 768 kb/s",
        "symphonia pcm_s16le on stream 1",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(&clip, dir.path(), &[]);
    let onsets: Vec<f64> = a.events.iter().map(|e| e.onset_s).collect();
    assert_eq!(onsets.len(), 5, "{onsets:?}");
    for (got, want) in onsets.iter().zip([0.25, 0.6, 1.0, 1.37, 1.8]) {
        assert!((got - want).abs() <= 0.001, "{onsets:?}");
    }
}

/// A phone's 3GP video with AMR-NB sound and an AMR-WB recording are read without FFmpeg, their
/// codec's delay taken off, and every impulse found where the WAV has it (within 2 ms: the
/// speech codec smears an impulse's first milliseconds).
#[test]
fn amr_in_a_3gp_video_and_an_awb_file_is_probed_and_analysed() {
    let fixtures = root().join("tests/fixtures/timing");
    let text = probe_text(&fixtures.join("impulses_amr.3gp"));
    for words in [
        "stream 0   video h263 128x96 5 fps",
        "stream 1   audio amr_nb 8000 Hz 1 ch, 2.000 s",
        "rvoip-codec-core AMR-NB on stream 1 (8000 Hz, 1 ch), 40 priming frames removed (the \
         AMR-NB codec's delay, its encoder's look-ahead)",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let text = probe_text(&fixtures.join("impulses_wb.awb"));
    for words in [
        "container  amr (3GPP AMR (RFC 4867 storage format)), 2.000 s",
        "stream 0   audio amr_wb 16000 Hz 1 ch, 2.000 s",
        "95 priming frames removed",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    for clip in ["impulses_amr.3gp", "impulses_wb.awb"] {
        let dir = tempfile::tempdir().unwrap();
        let a = analyze_json(&fixtures.join(clip), dir.path(), &[]);
        let onsets: Vec<f64> = a.events.iter().map(|e| e.onset_s).collect();
        assert_eq!(onsets.len(), 5, "{clip}: {onsets:?}");
        for (got, want) in onsets.iter().zip([0.25, 0.6, 1.0, 1.37, 1.8]) {
            assert!((got - want).abs() <= 0.002, "{clip}: {onsets:?}");
        }
    }
}

#[test]
fn probe_json_is_byte_identical_across_runs() {
    let demo = root().join("samples/demo.mp4");
    let a = bin().args(["probe", "--json"]).arg(&demo).output().unwrap();
    let b = bin().args(["probe", "--json"]).arg(&demo).output().unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn decode_writes_the_timeline_as_float_wav() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.wav");
    let run = bin()
        .arg("decode")
        .arg(root().join("samples/demo.mp4"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&run);
    let params = earwitness::decode::DecodeParams::default();
    let d = earwitness::decode::decode(&out, &params).unwrap();
    // The edit list trims AAC priming and padding: exactly the 9 s the demo was made with.
    assert_eq!(
        (
            d.signal.sample_rate,
            d.signal.channels.len(),
            d.signal.frames()
        ),
        (48_000, 1, 432_000)
    );
    // Only the finished file is left: no temporary beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn decode_to_an_unwritable_path_fails_cleanly() {
    let p = Path::new("/nonexistent-dir/out.wav");
    let run = bin()
        .arg("decode")
        .arg(root().join("samples/demo.mp4"))
        .arg("-o")
        .arg(p)
        .output()
        .unwrap();
    assert_clean_failure(&run, p, "cannot write");
}

fn probe_json(path: &Path) -> MediaProbe {
    let out = bin().args(["probe", "--json"]).arg(path).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<MediaProbe> = serde_json::from_slice(&out.stdout).unwrap();
    v.remove(0)
}

#[test]
fn phone_metadata_keys_are_reported() {
    let p = probe_json(&fixture("meta/phone.mov"));
    let tag = |k: &str| p.container.tags.get(k).map(String::as_str);
    assert_eq!(p.container.format, "mov");
    assert_eq!(tag("com.apple.quicktime.make"), Some("Apple"));
    assert_eq!(tag("com.apple.quicktime.model"), Some("iPhone 12"));
    assert_eq!(
        tag("com.apple.quicktime.location.ISO6709"),
        Some("+50.4501+030.5234+150.000/")
    );
    assert_eq!(
        tag("com.apple.quicktime.creationdate"),
        Some("2022-03-01T10:15:00+0200")
    );
    assert_eq!(
        p.streams[0].tags.get("creation_time").map(String::as_str),
        Some("2022-03-01T08:15:00.000000Z")
    );
}

#[test]
fn a_broadcast_wave_files_recorder_and_clock_are_reported() {
    let p = probe_json(&fixture("meta/recorder.wav"));
    let tag = |k: &str| p.container.tags.get(k).map(String::as_str);
    assert_eq!(tag("bext_originator"), Some("Field recorder"));
    assert_eq!(tag("bext_origination_date"), Some("2022-03-01"));
    assert_eq!(tag("bext_origination_time"), Some("10:15:00"));
    // 590,400,000 samples since midnight at 16 kHz.
    assert_eq!(tag("bext_first_sample_clock"), Some("10:15:00.000000"));
    assert_eq!(tag("comment"), Some("checkpoint 4"));
}

#[test]
fn a_second_audio_stream_is_named_and_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(&fixture("meta/two_audio.mp4"), &dir.path().join("two"), &[]);
    assert_eq!(a.input.audio.as_ref().unwrap().stream_index, 0);
    let w = a
        .warnings
        .iter()
        .find(|w| w.contains("audio streams"))
        .unwrap_or_else(|| panic!("{:?}", a.warnings));
    assert!(
        w.starts_with(
            "the file holds 2 audio streams; only stream 0 (aac, 1 channel, language eng) is \
             analysed. Not analysed: stream 1 (aac, 1 channel, language ukr, \"Commentary\")"
        ),
        "{w}"
    );
    assert!(w.ends_with("`--audio-stream 1` analyses it"), "{w}");
    // The other stream, asked for: analysed, and the first named as not.
    let b = analyze_json(
        &fixture("meta/two_audio.mp4"),
        &dir.path().join("second"),
        &["--audio-stream", "1"],
    );
    assert_eq!(b.input.audio.as_ref().unwrap().stream_index, 1);
    assert_eq!(b.params.decode.stream, Some(1));
    // And it is that stream's sound which is decoded: the fixture's are sines at 440 and 880 Hz.
    for (stream, hz) in [(None, 440.0), (Some(0), 440.0), (Some(1), 880.0)] {
        let params = earwitness::decode::DecodeParams {
            stream,
            ..Default::default()
        };
        let d = earwitness::decode::decode(&fixture("meta/two_audio.mp4"), &params).unwrap();
        let x = &d.signal.channels[0][2_000..20_000];
        let crossings = x
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        let f = crossings as f64 / 2.0 / (x.len() as f64 / f64::from(d.signal.sample_rate));
        assert!((f - hz).abs() < 10.0, "stream {stream:?}: {f} Hz");
    }
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("only stream 1 (aac, 1 channel, language ukr, \"Commentary\")")),
        "{:?}",
        b.warnings
    );
    // A stream that is not audio, or not there: one clear error naming the streams.
    for (n, file) in [("2", "meta/two_audio.mp4"), ("0", "meta/phone.mov")] {
        let out = bin()
            .arg("analyze")
            .arg(fixture(file))
            .args(["--audio-stream", n, "-o"])
            .arg(dir.path().join(format!("bad{n}")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("there is no audio stream {n} (streams: 0 ")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A subtitle stream before the audio: the audio is stream 1, as ffprobe counts.
    let subs = analyze_json(
        &fixture("meta/subs_first.mkv"),
        &dir.path().join("subs"),
        &[],
    );
    assert_eq!(subs.input.audio.as_ref().unwrap().stream_index, 1);
    assert_eq!(subs.input.streams[0].kind, "subtitle");
    let chosen = analyze_json(
        &fixture("meta/subs_first.mkv"),
        &dir.path().join("subs1"),
        &["--audio-stream", "1"],
    );
    assert_eq!(chosen.audio.frames, subs.audio.frames);
    let out = bin()
        .arg("analyze")
        .arg(fixture("meta/subs_first.mkv"))
        .args(["--audio-stream", "0", "-o"])
        .arg(dir.path().join("subs0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("there is no audio stream 0 (streams: 0 subtitle, 1 audio flac)"),
        "{err}"
    );
    // One audio stream beside a video stream: nothing to say.
    let one = analyze_json(&fixture("meta/phone.mov"), &dir.path().join("one"), &[]);
    assert!(
        !one.warnings.iter().any(|w| w.contains("audio streams")),
        "{:?}",
        one.warnings
    );
}

#[test]
fn a_matroska_file_lasts_as_its_segment_says() {
    // Matroska blocks carry no duration unless they say so: counted from the packets, the
    // fixture's 0.5 s of FLAC (blocks of 4,608 samples at 44.1 kHz) read 0.418 s, its last block
    // left out. ffprobe reports the segment's duration, 0.500 s.
    let p = probe_json(&fixture("meta/subs_first.mkv"));
    assert_eq!(p.container.duration_s, Some(0.5));
    assert_eq!(p.streams[1].duration_s, Some(0.5));
}

#[test]
fn mp4_location_box_is_reported_as_ffprobe_does() {
    let p = probe_json(&fixture("meta/loc.mp4"));
    assert_eq!(
        p.container.tags.get("location").map(String::as_str),
        Some("+50.4501+030.5234/")
    );
    assert_eq!(
        p.container.tags.get("creation_time").map(String::as_str),
        Some("2022-03-01T08:15:00.000000Z")
    );
}

fn evaluate(labels: &Path, pred: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("evaluate")
        .arg("--labels")
        .arg(labels)
        .arg("--pred")
        .arg(pred)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn evaluate_scores_a_prediction_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, pred) = (dir.path().join("labels"), dir.path().join("pred"));
    std::fs::create_dir_all(&labels).unwrap();
    std::fs::create_dir_all(pred.join("b")).unwrap();
    std::fs::write(
        labels.join("a.json"),
        r#"{"clip": "a", "file": "audio/a.mp4", "duration_s": 60, "codec": "mp4_aac", "effects": ["agc"], "events": [
            {"onset_s": 1.0, "class": "gunshot", "ebr_db": 10}, {"onset_s": 5.0, "class": "impulsive_other", "ebr_db": -3}]}"#,
    )
    .unwrap();
    std::fs::write(
        labels.join("b.json"),
        r#"{"clip": "b", "duration_s": 30, "effects": null, "events": []}"#,
    )
    .unwrap();
    std::fs::write(labels.join("notes.json"), r#"{"not": "a label file"}"#).unwrap();
    // Clip a as score.py's flat file, clip b as analyze's folder layout.
    std::fs::write(pred.join("a.json"), r#"{"events": [{"onset_s": 1.003, "class": "gunshot"}, {"onset_s": 5.2, "class": "door"}]}"#).unwrap();
    std::fs::write(
        pred.join("b/events.json"),
        r#"{"events": [{"onset_s": 3.0, "class": "gunshot"}]}"#,
    )
    .unwrap();
    let out = evaluate(&labels, &pred, &["--json"]);
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clips"], 2);
    assert_eq!(
        (
            v["detection"]["tp"].as_u64(),
            v["detection"]["fp"].as_u64(),
            v["detection"]["fn_"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(
        (v["gunshot"]["tp"].as_u64(), v["gunshot"]["fp"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["false_gunshots_per_min"].as_f64(), Some(2.0));
    assert!((v["detection_timing"]["median_ms"].as_f64().unwrap() - 3.0).abs() < 1e-6);
    assert_eq!(v["by_ebr_band"]["[-6,0)"]["detected"], 0);
    assert_eq!(v["by_ebr_band"]["[6,12)"]["gunshots_found"], 1);
    // Per codec and effect; a label file without them (or with null effects, as score.py
    // accepts) is "?" and "none".
    assert_eq!(v["by_codec"]["mp4_aac"]["detection"]["fp"], 1);
    assert_eq!(v["by_codec"]["?"]["gunshot"]["fp"], 1);
    assert_eq!(v["by_effect"]["agc"]["clips"], 1);
    assert_eq!(v["by_effect"]["none"]["clips"], 1);
    let text = evaluate(&labels, &pred, &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("-- by codec") && text.contains("-- by effect"),
        "{text}"
    );
}

#[test]
fn evaluate_names_a_malformed_prediction_file() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, pred) = (dir.path().join("labels"), dir.path().join("pred"));
    std::fs::create_dir_all(&labels).unwrap();
    std::fs::create_dir_all(&pred).unwrap();
    std::fs::write(
        labels.join("a.json"),
        r#"{"clip": "a", "duration_s": 60, "events": []}"#,
    )
    .unwrap();
    let bad = pred.join("a.json");
    std::fs::write(&bad, b"{\"events\": [{\"onset_s\": \"soon\"}]}").unwrap();
    let out = evaluate(&labels, &pred, &[]);
    assert_clean_failure(&out, &bad, "not a prediction file");
}

#[test]
fn analyze_writes_a_reproducible_events_json_with_the_demo_events() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path| {
        bin()
            .arg("analyze")
            .arg(root().join("samples/demo.mp4"))
            .arg("-o")
            .arg(out)
            .output()
            .unwrap()
    };
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let out = run(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run(&b).status.code(), Some(0));
    let (ja, jb) = (
        std::fs::read(a.join("events.json")).unwrap(),
        std::fs::read(b.join("events.json")).unwrap(),
    );
    assert_eq!(
        ja, jb,
        "same input and parameters must give byte-identical JSON"
    );
    // The schema denies unknown fields: this checks the file against the model.
    let analysis: earwitness::model::Analysis = serde_json::from_slice(&ja).unwrap();
    assert_eq!(analysis.schema_version, earwitness::model::SCHEMA_VERSION);
    assert_eq!(
        analysis.input.sha256,
        sha256sum(&root().join("samples/demo.mp4"))
    );
    assert_eq!(analysis.params.detect.score.threshold, 0.45);
    // Every labelled sound (the door slam's low thud, the bang, both claps) is found within
    // 1 ms of its true onset.
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("samples/demo.labels.json")).unwrap())
            .unwrap();
    for l in labels["events"].as_array().unwrap() {
        let t = l["onset_s"].as_f64().unwrap();
        let nearest = analysis
            .events
            .iter()
            .map(|e| (e.onset_s - t).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest <= 0.001,
            "{} at {t}: nearest detection {nearest} s away",
            l["source_kind"]
        );
        if l["source_kind"] == "hand clap" {
            let e = analysis
                .events
                .iter()
                .find(|e| (e.onset_s - t).abs() <= 0.001)
                .unwrap();
            assert_ne!(
                e.class, "gunshot",
                "a clap at {t} was called gunshot: {:?}",
                e.reasons
            );
        }
    }
    // The bang is called gunshot-like, and its wall echo (30 ms in scripts/make-demo.py) is
    // recorded as a component of it, not as another event.
    let bang = labels["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["class"] == "gunshot")
        .unwrap()["onset_s"]
        .as_f64()
        .unwrap();
    let shot = analysis
        .events
        .iter()
        .find(|e| (e.onset_s - bang).abs() <= 0.001)
        .unwrap();
    assert_eq!(shot.class, "gunshot", "{:?}", shot.reasons);
    assert!(
        shot.components
            .iter()
            .any(|c| c.kind == "echo" && (0.025..0.035).contains(&(c.onset_s - bang))),
        "{:?}",
        shot.components
    );
    assert!(
        !analysis
            .events
            .iter()
            .any(|e| e.onset_s > bang + 0.005 && e.onset_s < bang + 0.06),
        "the echo must not be reported as an event"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("1 gunshot-like"));
    // An onset that may be late is marked in the table, and the mark explained once: the shot
    // stands clear of its background, the door slam's low thud does not.
    let clear = analysis.params.detect.refine.clear_db();
    let clock = earwitness::report::plot::clock;
    for e in &analysis.events {
        let marked = format!("{}*", clock(e.onset_s));
        let late = e.features.onset_clearance_db.unwrap() < clear;
        assert_eq!(table.contains(&marked), late, "{table}");
    }
    assert!(!table.contains(&format!("{}*", clock(shot.onset_s))));
    assert!(table.contains(&format!(
        "{}*",
        clock(labels["events"][0]["onset_s"].as_f64().unwrap())
    )));
    assert_eq!(table.matches("* onset may be late").count(), 1, "{table}");
}

#[test]
fn analyze_fails_fast_on_an_unwritable_output_folder() {
    let p = Path::new("/proc/earwitness-cannot-write-here");
    let out = bin()
        .arg("analyze")
        .arg(root().join("samples/demo.mp4"))
        .arg("-o")
        .arg(p)
        .output()
        .unwrap();
    assert_clean_failure(&out, p, "cannot write");
    // An output path that is a file (it said "File exists (os error 17)").
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"field notes\n").unwrap();
    for command in ["analyze", "batch"] {
        let out = bin()
            .arg(command)
            .arg(root().join("samples/demo.mp4"))
            .arg("-o")
            .arg(&file)
            .output()
            .unwrap();
        assert_clean_failure(&out, &file, "cannot write: exists and is not a folder");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"field notes\n");
}

#[test]
fn the_decision_thresholds_can_be_moved_and_are_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("analyze")
        .arg(root().join("samples/demo.mp4"))
        .args(["-o", dir.path().to_str().unwrap(), "--formats", "json"])
        .args([
            "--min-score",
            "0.9",
            "--gunshot-min-score",
            "1",
            "--burst-followers",
            "--no-repeats",
            "--keep-later-parts",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let analysis: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).unwrap()).unwrap();
    assert!(!analysis.params.classify.later_parts);
    assert_eq!(analysis.params.detect.score.threshold, 0.9);
    assert_eq!(analysis.params.classify.gunshot_min_score, 1.0);
    assert!(analysis.params.burst.follow.enabled);
    assert!(!analysis.params.burst.repeat.enabled);
    assert!(analysis.events.iter().all(|e| e.class != "gunshot"));
    // With no gunshot to follow, no weaker event is let in but a low-frequency blast (the
    // demo's door slam), which is reported whatever its detection score, and says so.
    assert!(
        analysis
            .events
            .iter()
            .all(|e| e.detection_score >= 0.9 || e.reasons[0].starts_with("low-frequency blast"))
    );
    assert_eq!(
        analysis
            .events
            .iter()
            .filter(|e| e.detection_score < 0.9)
            .count(),
        1
    );

    let bad = bin()
        .arg("analyze")
        .arg(root().join("samples/demo.mp4"))
        .args(["--min-score", "1.5"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("from 0 to 1"));
}

#[test]
fn an_earlier_reports_parameters_repeat_its_analysis_and_a_misspelt_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let analyze = |out: &str, extra: &[&str]| {
        bin()
            .arg("analyze")
            .arg(root().join("samples/demo.mp4"))
            .args(["-o", dir.path().join(out).to_str().unwrap()])
            .args(["--formats", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert_success(&analyze("a", &["--min-score", "0.2", "--no-repeats"]));
    let first = dir.path().join("a/events.json");
    // Read back, the report's parameters give the same file, byte for byte, with no option.
    assert_success(&analyze("b", &["--params", first.to_str().unwrap()]));
    let (a, b) = (
        std::fs::read(&first).unwrap(),
        std::fs::read(dir.path().join("b/events.json")).unwrap(),
    );
    assert!(a == b, "a report's parameters must repeat it exactly");
    // A partial object changes what it names; an option given beside it still applies.
    let partial = temp_file(
        &dir,
        "p.json",
        br#"{"classify": {"gunshot_min_score": 0.9}}"#,
    );
    assert_success(&analyze(
        "c",
        &["--params", partial.to_str().unwrap(), "--min-score", "0.3"],
    ));
    let c: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("c/events.json")).unwrap()).unwrap();
    assert_eq!(c.params.classify.gunshot_min_score, 0.9);
    assert_eq!(c.params.detect.score.threshold, 0.3);
    assert!(c.params.burst.repeat.enabled);
    let typo = temp_file(
        &dir,
        "typo.json",
        br#"{"detect": {"score": {"treshold": 0.3}}}"#,
    );
    let out = analyze("d", &["--params", typo.to_str().unwrap()]);
    assert_clean_failure(&out, &typo, "no parameter `detect.score.treshold`");
    assert!(!dir.path().join("d/events.json").exists());
}

#[test]
fn an_events_level_is_its_own_when_a_louder_one_follows_within_its_body() {
    // Two clicks 80 ms apart over faint noise, the second 11 dB louder: the first one's peak
    // level must not be the second's (the body over which level is measured is 100 ms).
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("two.wav");
    write_wav_16k(
        &wav,
        (0..48_000i32).map(|i| match i {
            16_000..16_016 => 8_000,
            17_280..17_296 => 29_000,
            _ => (i * 7919) % 200 - 100,
        } as i16),
    );
    let out = bin()
        .arg("analyze")
        .arg(&wav)
        .args(["-o", dir.path().to_str().unwrap(), "--formats", "json"])
        .output()
        .unwrap();
    assert_success(&out);
    let analysis: earwitness::model::Analysis =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).unwrap()).unwrap();
    let at = |t: f64| {
        analysis
            .events
            .iter()
            .find(|e| (e.onset_s - t).abs() < 0.002)
            .unwrap_or_else(|| panic!("no event at {t} s: {:?}", analysis.events))
    };
    let own = 20.0 * (8_000.0f64 / 32_768.0).log10();
    assert!(
        (at(1.0).peak_dbfs - own).abs() < 0.5,
        "{}",
        at(1.0).peak_dbfs
    );
    assert!(at(1.08).peak_dbfs > -1.5, "{}", at(1.08).peak_dbfs);
}

#[test]
fn in_a_clip_whose_upper_bands_flicker_only_sounds_that_rise_in_the_waveform_are_reported() {
    // Noise whose upper bands a crude coder drops in one 24 ms block of three (there the noise
    // is replaced by its 8-sample moving average, whose first null is 2 kHz), and two
    // handclap-like bursts at 3 and 7 s. The flicker reads as onsets; the bursts rise 20 dB in
    // the waveform.
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("swirl.wav");
    let mut state = 12_345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
    };
    let noise: Vec<f64> = (0..160_000).map(|_| 3_000.0 * next()).collect();
    let samples: Vec<i16> = (0..noise.len())
        .map(|i| {
            let mut v = if i >= 8 && (i / 384) % 3 == 0 {
                noise[i - 7..=i].iter().sum::<f64>() / 8.0
            } else {
                noise[i]
            };
            for at in [48_000, 112_000] {
                if (at..at + 48).contains(&i) {
                    v += 25_000.0 * next() * (-((i - at) as f64) / 16.0).exp();
                }
            }
            v.clamp(-32_000.0, 32_000.0) as i16
        })
        .collect();
    write_wav_16k(&wav, samples.into_iter());
    let run = |extra: &[&str]| {
        let out_dir = dir
            .path()
            .join(if extra.is_empty() { "gated" } else { "kept" });
        let out = bin()
            .arg("analyze")
            .arg(&wav)
            .args(["-o", out_dir.to_str().unwrap(), "--formats", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert_success(&out);
        let a: earwitness::model::Analysis =
            serde_json::from_slice(&std::fs::read(out_dir.join("events.json")).unwrap()).unwrap();
        a
    };
    let gated = run(&[]);
    assert!(
        gated.warnings.iter().any(|w| w.contains("flicker")),
        "{:?}",
        gated.warnings
    );
    let onsets: Vec<f64> = gated.events.iter().map(|e| e.onset_s).collect();
    for t in [3.0, 7.0] {
        assert!(
            onsets.iter().any(|o| (o - t).abs() < 0.005),
            "{t} s: {onsets:?}"
        );
    }
    assert_eq!(onsets.len(), 2, "{onsets:?}");
    let kept = run(&["--keep-flicker"]);
    assert!(kept.params.detect.flicker.is_none());
    assert!(!kept.warnings.iter().any(|w| w.contains("flicker")));
    assert!(kept.events.len() > 2, "{:?}", kept.events.len());
}

#[test]
fn the_events_schema_is_printed_and_docs_keep_a_current_copy() {
    let out = bin().arg("schema").output().unwrap();
    assert_success(&out);
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The schema describes the fields score.py reads, with their documentation.
    let event = &printed["$defs"]["Event"]["properties"];
    assert!(
        event["onset_s"]["description"].as_str().unwrap().len() > 10,
        "{event}"
    );
    assert!(event["class"].is_object());
    let kept: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/events.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(
        kept == printed,
        "docs/events.schema.json is out of date: cargo run -- schema > docs/events.schema.json"
    );
}

use earwitness::testutil::noise;

fn analyze_json(wav: &Path, dir: &Path, extra: &[&str]) -> earwitness::model::Analysis {
    let out = bin()
        .arg("analyze")
        .arg(wav)
        .args(["-o", dir.to_str().unwrap(), "--formats", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&std::fs::read(dir.join("events.json")).unwrap()).unwrap()
}

/// [`analyze_json`] with `patch` (a JSON object of parameters) given by `--params`, written
/// beside `dir`.
fn analyze_json_with(wav: &Path, dir: &Path, patch: &str) -> earwitness::model::Analysis {
    let params = dir.with_extension("params.json");
    std::fs::write(&params, patch).unwrap();
    analyze_json(wav, dir, &["--params", params.to_str().unwrap()])
}

/// The events' onsets and classes, to compare two analyses.
fn onsets(a: &earwitness::model::Analysis) -> Vec<(f64, String)> {
    a.events
        .iter()
        .map(|e| (e.onset_s, e.class.clone()))
        .collect()
}

/// Asserts that `other` hears what `reference` hears: speech (some, in `reference`), the same
/// spans of it, and the same events.
fn heard_alike(
    reference: &earwitness::model::Analysis,
    other: &earwitness::model::Analysis,
    name: &str,
) {
    assert!(
        reference
            .speech_heard
            .as_ref()
            .is_some_and(|s| !s.is_empty()),
        "{name}: {:?}",
        reference.speech_heard
    );
    assert_eq!(other.speech_heard, reference.speech_heard, "{name}");
    assert_eq!(onsets(other), onsets(reference), "{name}");
}

/// Writes `channels` as `NAME.wav` (32-bit float, `sample_rate`) in `dir` and analyses it into
/// `dir/NAME`.
fn analyze_channels(
    dir: &Path,
    name: &str,
    sample_rate: u32,
    channels: &[&[f32]],
) -> earwitness::model::Analysis {
    let path = dir.join(format!("{name}.wav"));
    earwitness::testutil::write_float_wav(&path, sample_rate, channels);
    analyze_json(&path, &dir.join(name), &[])
}

/// Writes `x` as a mono 32-bit float WAV at `sample_rate`; returns the path.
fn write_mono_wav(path: &Path, sample_rate: u32, x: &[f32]) -> PathBuf {
    earwitness::testutil::write_float_wav(path, sample_rate, &[x]);
    path.to_path_buf()
}

/// Three seconds of faint noise (0.003) with [`demo_shot`] at half scale from 1 s: the clip
/// the recorder-fault tests spoil in one way each.
fn shot_in_noise(sr: usize) -> Vec<f32> {
    let mut x = noise(3 * sr, 0.003, 4);
    for (d, v) in x[sr..].iter_mut().zip(demo_shot(sr)) {
        *d += 0.5 * v;
    }
    x
}

/// [`shot_in_noise`] written as a mono WAV in `dir` and analysed: the clip and its analysis,
/// the reference the multichannel variants are compared with.
fn shot_in_noise_analysed(dir: &Path, sr: usize) -> (Vec<f32>, earwitness::model::Analysis) {
    let x = shot_in_noise(sr);
    let wav = write_mono_wav(&dir.join("mono.wav"), sr as u32, &x);
    let mono = analyze_json(&wav, &dir.join("mono"), &[]);
    (x, mono)
}

/// The demo's shot (scripts/make-demo.py): a Friedlander blast with a 1 ms rise, crack noise,
/// a reverberant tail (tau 250 ms), a ground reflection (7 ms) and a wall echo (30 ms), low-passed
/// at 2 kHz; peak 1.
fn demo_shot(sr: usize) -> Vec<f32> {
    let n = sr * 9 / 10;
    let (rise, t_plus) = (sr / 1000, 0.004f32);
    let u = noise(n, 1.0, 5);
    let mut x: Vec<f32> = (0..n)
        .map(|i| {
            if i < rise {
                return i as f32 / rise as f32;
            }
            let t = (i - rise) as f32 / sr as f32;
            let blast = if t < 0.05 {
                (1.0 - t / t_plus) * (-t / t_plus).exp()
            } else {
                0.0
            };
            blast + u[i] * (0.6 * (-t / 0.004).exp() + 0.3 * (-t / 0.25).exp())
        })
        .collect();
    for (delay, gain) in [(sr * 7 / 1000, 0.45), (sr * 30 / 1000, 0.3)] {
        for i in (delay..n).rev() {
            x[i] += gain * x[i - delay];
        }
    }
    let a = (-2.0 * std::f32::consts::PI * 2000.0 / sr as f32).exp();
    let mut s = 0.0;
    for v in &mut x {
        s = (1.0 - a) * *v + a * s;
        *v = s;
    }
    let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    x.iter().map(|v| v / peak).collect()
}

#[test]
fn samples_that_are_not_numbers_become_silence_and_are_named() {
    // A float WAV with a NaN, two infinities and a finite 3e38 (a broken recorder or a hostile
    // file) around a shot: they once stopped the analysis with an FFT's error; now they are
    // silence, counted in a warning, and the shot is still found where it is.
    const SR: usize = 48_000;
    let mut x = shot_in_noise(SR);
    x[SR / 2] = f32::NAN;
    x[2 * SR] = f32::INFINITY;
    x[2 * SR + 7] = f32::NEG_INFINITY;
    x[2 * SR + 9] = 3e38;
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("nan.wav"), SR as u32, &x);
    let decoded = earwitness::decode::decode(&wav, &Default::default()).unwrap();
    assert!(decoded.signal.channels[0].iter().all(|v| v.is_finite()));
    assert_eq!(decoded.signal.channels[0][SR / 2], 0.0);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.starts_with("4 sample(s) were not numbers") && w.contains("from 0.500 s")),
        "{:?}",
        a.warnings
    );
    assert!(
        a.events
            .iter()
            .any(|e| e.class == "gunshot" && (e.onset_s - 1.0).abs() < 0.001),
        "{:#?}",
        a.events
    );
    assert!(!a.warnings.iter().any(|w| w.contains("beyond full scale")));
    // The same in integer units (a float file written as ±32768; the shot's peak, 0.5, is then
    // +84.3 dBFS): the shot found, and a warning that dBFS and clipping are off.
    let loud: Vec<f32> = x.iter().map(|v| v * 32_768.0).collect();
    let wav = write_mono_wav(&dir.path().join("loud.wav"), SR as u32, &loud);
    let a = analyze_json(&wav, &dir.path().join("loud"), &[]);
    assert!(a.events.iter().any(|e| (e.onset_s - 1.0).abs() < 0.001));
    assert!(
        a.warnings
            .iter()
            .any(|w| w.starts_with("the audio reaches +84.") && w.contains("beyond full scale")),
        "{:?}",
        a.warnings
    );
}

#[test]
fn sound_resuming_after_digital_silence_is_not_an_event_but_a_shot_opening_it_is() {
    // Noise at 0.03 (a street), a shot at 1 s; muted from 2.0 to 2.5 s (an edit); silent
    // again from 2.95 s until a second shot at 3.0 s (a noise gate the shot opens). The
    // noise coming back at 2.5 s once read as an event "109 dB above background"; now the
    // runs are listed, the resumption is named in a warning, and both shots are kept.
    const SR: usize = 48_000;
    let mut x = noise(4 * SR, 0.03, 8);
    for at in [SR, 3 * SR] {
        for (d, v) in x[at..].iter_mut().zip(demo_shot(SR)) {
            *d += 0.5 * v;
        }
    }
    x[2 * SR..5 * SR / 2].fill(0.0);
    x[2 * SR + 19 * SR / 20..3 * SR].fill(0.0);
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("muted.wav"), SR as u32, &x);
    let near = |a: &earwitness::model::Analysis, t: f64| {
        a.events
            .iter()
            .find(|e| (e.onset_s - t).abs() <= 0.05)
            .cloned()
    };
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    let spans: Vec<(f64, f64)> = a
        .digital_silence
        .iter()
        .map(|s| (s.start_s, s.end_s))
        .collect();
    assert_eq!(spans, vec![(2.0, 2.5), (2.95, 3.0)]);
    assert!(near(&a, 2.5).is_none(), "{:#?}", a.events);
    // Both shots are kept and timed.
    let shots: Vec<_> = [1.0, 3.0]
        .iter()
        .map(|&t| near(&a, t).unwrap_or_else(|| panic!("no event at {t}: {:#?}", a.events)))
        .collect();
    for (shot, t) in shots.iter().zip([1.0, 3.0]) {
        assert!((shot.onset_s - t).abs() < 0.001, "{shot:#?}");
    }
    // The second is measured against the street, not the silence before it (that once read
    // "123 dB above background"): the same shot in the same noise stands as far above it.
    let ebr: Vec<f64> = shots.iter().map(|e| e.features.ebr_db).collect();
    assert!((ebr[0] - ebr[1]).abs() < 3.0, "{ebr:?}");
    assert!(
        a.warnings
            .iter()
            .any(|w| w.starts_with("the sound at 2.500 s resumes after 0.500 s of digital silence")),
        "{:?}",
        a.warnings
    );
    // The report names the runs for the editor.
    let out = bin()
        .arg("analyze")
        .arg(&wav)
        .args(["-o", dir.path().join("html").to_str().unwrap()])
        .args(["--formats", "html"])
        .output()
        .unwrap();
    assert_success(&out);
    let html = std::fs::read_to_string(dir.path().join("html/report.html")).unwrap();
    assert!(html.contains("Digital silence") && html.contains("0:02.000-0:02.500"));
    // Without the rule, the resumption is an event.
    let mut p = earwitness::pipeline::AnalyzeParams::default();
    p.detect.silence.enabled = false;
    let without = earwitness::pipeline::analyze(&wav, &p).unwrap();
    assert!(near(&without, 2.5).is_some(), "{:#?}", without.events);
    assert!(without.digital_silence.is_empty());

    // The clip's start is such a run too: the noise rising out of a codec's priming over its
    // first 18 ms (AAC in Matroska) is the recording starting, and a shot 30 ms in is kept.
    let mut y = noise(3 * SR, 0.03, 9);
    for (i, v) in y[..864].iter_mut().enumerate() {
        *v *= 0.01 + 0.09 * i as f32 / 864.0;
    }
    let wav = write_mono_wav(&dir.path().join("priming.wav"), SR as u32, &y);
    let a = analyze_json(&wav, &dir.path().join("priming"), &[]);
    assert!(a.events.is_empty(), "{:#?}", a.events);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("starts with the clip and does not die away")),
        "{:?}",
        a.warnings
    );
    assert!(
        !earwitness::pipeline::analyze(&wav, &p)
            .unwrap()
            .events
            .is_empty()
    );
    for (d, v) in y[SR * 3 / 100..].iter_mut().zip(demo_shot(SR)) {
        *d += 0.5 * v;
    }
    let wav = write_mono_wav(&dir.path().join("early.wav"), SR as u32, &y);
    let a = analyze_json(&wav, &dir.path().join("early"), &[]);
    assert!(
        a.events.iter().any(|e| (e.onset_s - 0.03).abs() < 0.001),
        "{:#?}",
        a.events
    );
}

#[test]
fn a_constant_offset_changes_nothing_but_a_warning() {
    // A shot over faint noise, then the same 0.3 of full scale higher (a converter's offset):
    // the offset once lifted every background and made any two stretches correlate, and the
    // copy search reported them as rounds. Taken out, the events are the same to the sample.
    const SR: usize = 48_000;
    let x = shot_in_noise(SR);
    let dir = tempfile::tempdir().unwrap();
    let clean = analyze_json(
        &write_mono_wav(&dir.path().join("clean.wav"), SR as u32, &x),
        &dir.path().join("clean"),
        &[],
    );
    let shifted: Vec<f32> = x.iter().map(|v| v + 0.3).collect();
    let off = analyze_json(
        &write_mono_wav(&dir.path().join("off.wav"), SR as u32, &shifted),
        &dir.path().join("off"),
        &[],
    );
    assert_eq!(onsets(&off), onsets(&clean));
    assert!(clean.warnings.iter().all(|w| !w.contains("DC offset")));
    assert!(
        off.warnings
            .iter()
            .any(|w| w.starts_with("the recording has a DC offset of +0.3000")),
        "{:?}",
        off.warnings
    );
}

#[test]
fn a_channel_wired_inverted_is_turned_back_not_cancelled() {
    // A shot in both channels of a stereo file, the second inverted (a miswired microphone):
    // the plain mix is silence. Turned back, the events are those of the first channel alone.
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let (x, mono) = shot_in_noise_analysed(dir.path(), SR);
    let minus: Vec<f32> = x.iter().map(|v| -v).collect();
    let inverted = analyze_channels(dir.path(), "inverted", SR as u32, &[&x, &minus]);
    assert!(!mono.events.is_empty());
    assert_eq!(onsets(&inverted), onsets(&mono));
    assert!(
        inverted
            .warnings
            .iter()
            .any(|w| w.starts_with("channel(s) 2 run against the first (correlation -1.00)")),
        "{:?}",
        inverted.warnings
    );
    assert!(mono.warnings.iter().all(|w| !w.contains("polarity")));
}

#[test]
fn a_channel_that_carries_nothing_is_left_out_of_the_mix() {
    // A stereo recorder with one input unplugged: "Get up!" (tests/fixtures/speech) at -20 dBFS
    // on the first channel, digital silence or a hiss 70 dB down on the second. Averaged in,
    // the silent side halves the mix and the speech detector, which reads absolute levels,
    // hears the phrase differently; left out, everything is as for the mono file.
    const SR: u32 = 16_000;
    let dir = tempfile::tempdir().unwrap();
    let x = get_up_at(-20.0);
    let mono = analyze_channels(dir.path(), "mono", SR, &[&x]);
    let hiss: Vec<f32> = noise(x.len(), 1e-4, 9);
    for (name, other, said) in [
        ("zeros", vec![0.0f32; x.len()], "(digital silence)"),
        ("hiss", hiss, "dB below the loudest channel)"),
    ] {
        let stereo = analyze_channels(dir.path(), name, SR, &[&x, &other]);
        heard_alike(&mono, &stereo, name);
        assert!(
            stereo
                .warnings
                .iter()
                .any(|w| w.starts_with("channel(s) 2 carry nothing")
                    && w.contains(said)
                    && w.contains("left out of the mix")),
            "{name}: {:?}",
            stereo.warnings
        );
    }
    assert!(mono.warnings.iter().all(|w| !w.contains("carry nothing")));
    // A four-channel recorder with one input used: the one reason said once.
    let zeros = vec![0.0f32; x.len()];
    let four = analyze_channels(dir.path(), "four", SR, &[&zeros, &x, &zeros, &zeros]);
    heard_alike(&mono, &four, "four");
    assert!(
        four.warnings.iter().any(|w| w.starts_with(
            "channel(s) 1, 3, 4 carry nothing (digital silence, every one): left out"
        )),
        "{:?}",
        four.warnings
    );
}

#[test]
fn a_quieter_copy_of_a_clip_is_heard_alike() {
    // A shot peaking at -12 dBFS, then "Get up!" at -14 dBFS, in faint noise; and the same
    // clip 24 dB quieter, as a distant phone or an editor's gain would give it. Both peak below
    // `speech.quiet_peak_dbfs` (-10), so the speech detector hears both at that level: the
    // same speech, the same events, the same word onsets set aside. With the floor at -20 dBFS
    // the clip as made was heard as recorded and its quiet copy 8 dB below it, and the
    // detector's probabilities differed.
    const SR: u32 = 16_000;
    let sr = SR as usize;
    let mut x = noise(4 * sr, 0.002, 12);
    let shot = demo_shot(sr);
    let shot_peak = shot.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (d, v) in x[sr..].iter_mut().zip(&shot) {
        *d += v * 10f32.powf(-12.0 / 20.0) / shot_peak;
    }
    for (d, v) in x[2 * sr..].iter_mut().zip(get_up_at(-14.0)) {
        *d += v;
    }
    let dir = tempfile::tempdir().unwrap();
    let quiet: Vec<f32> = x.iter().map(|v| v * 10f32.powf(-24.0 / 20.0)).collect();
    let loud = analyze_channels(dir.path(), "as-made", SR, &[&x]);
    let soft = analyze_channels(dir.path(), "quiet", SR, &[&quiet]);
    heard_alike(&loud, &soft, "24 dB quieter");
    let aside = |a: &earwitness::model::Analysis| -> Vec<f64> {
        a.set_aside.iter().map(|s| s.onset_s).collect()
    };
    assert_eq!(aside(&soft), aside(&loud));
}

#[test]
fn a_voice_in_one_channel_of_several_is_heard_at_the_level_of_the_mix() {
    // A 5.1-style file: "Get up!" at -10 dBFS in the centre channel, and 25 dB down in the
    // five others. The mix is the phrase 13.4 dB down, at -23.4 dBFS; the speech detector
    // raises a clip quieter than -10 dBFS to that level (`speech.quiet_peak_dbfs`), and must
    // judge the mix it hears, not the loudest channel (-10 dBFS, heard as recorded): then it
    // hears exactly the mono file at -20 dBFS, raised alike.
    const SR: u32 = 16_000;
    let dir = tempfile::tempdir().unwrap();
    let mono = analyze_channels(dir.path(), "mono", SR, &[&get_up_at(-20.0)]);
    let (centre, side) = (get_up_at(-10.0), get_up_at(-35.0));
    let six = analyze_channels(
        dir.path(),
        "six",
        SR,
        &[&side, &side, &centre, &side, &side, &side],
    );
    heard_alike(&mono, &six, "six channels");
    assert!(six.warnings.iter().all(|w| !w.contains("carry nothing")));
}

#[test]
fn spaced_microphones_are_analysed_on_the_one_that_hears_first() {
    // A shot heard by two microphones 14 cm apart in line with it: the second channel is the
    // first 0.4 ms later. Their mean would cancel part of the shot (a comb filter with its first
    // notch at 1.25 kHz); the first channel alone gives the mono file's events exactly.
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let (x, mono) = shot_in_noise_analysed(dir.path(), SR);
    let lag = 19;
    let later: Vec<f32> = std::iter::repeat_n(0.0, lag)
        .chain(x[..x.len() - lag].iter().copied())
        .collect();
    for (name, channels, first) in [
        ("l", [&x[..], &later[..]], 1),
        ("r", [&later[..], &x[..]], 2),
    ] {
        let mut stereo = analyze_channels(dir.path(), name, SR as u32, &channels);
        assert!(!mono.events.is_empty());
        // The same events, and each says which microphone heard it first.
        let sign = if first == 1 { 1.0 } else { -1.0 };
        for e in &mut stereo.events {
            let a = e.arrival.take().expect("an arrival");
            assert!(
                a.clear && (a.lag_ms - sign * 19.0 / 48.0).abs() < 0.01,
                "{name}: {a:?}"
            );
            let said = format!("reached channel {first} ");
            assert_eq!(
                e.reasons.pop().map(|r| r.starts_with(&said)),
                Some(true),
                "{name}"
            );
        }
        assert_eq!(
            serde_json::to_value(&stereo.events).unwrap(),
            serde_json::to_value(&mono.events).unwrap(),
            "{name}"
        );
        assert!(
            stereo.warnings.iter().any(|w| w.starts_with(
                "channels 1 and 2 hear the scene 0.40 ms apart (correlation 1.00 at that lag)"
            ) && w.ends_with(&format!(
                "analysed on channel {first} alone, which hears first"
            ))),
            "{name}: {:?}",
            stereo.warnings
        );
    }
    // A faint copy that leads (40 dB down) is a channel that carries nothing, not the
    // microphone to analyse.
    let faint: Vec<f32> = x[lag..]
        .iter()
        .map(|v| 0.01 * v)
        .chain(std::iter::repeat_n(0.0, lag))
        .collect();
    let stereo = analyze_channels(dir.path(), "faint", SR as u32, &[&x, &faint]);
    assert_eq!(onsets(&stereo), onsets(&mono));
    assert!(
        stereo
            .warnings
            .iter()
            .any(|w| w.starts_with("channel(s) 2 carry nothing (40 dB below"))
            && stereo
                .warnings
                .iter()
                .all(|w| !w.contains("hear the scene")),
        "{:?}",
        stereo.warnings
    );
}

#[test]
fn a_wav_with_more_channels_than_a_channel_mask_names_is_analysed() {
    // 24 channels (a microphone array or a polyphonic recorder): symphonia refuses any WAV with
    // more than the 18 a WAVE channel mask defines, so hound reads it. The same shot in every
    // channel gives the events of the mono file, and probe names the reader.
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let (x, mono) = shot_in_noise_analysed(dir.path(), SR);
    let path = dir.path().join("array.wav");
    let channels: Vec<&[f32]> = vec![&x[..]; 24];
    earwitness::testutil::write_float_wav(&path, SR as u32, &channels);
    let array = analyze_json(&path, &dir.path().join("array"), &[]);
    assert!(!mono.events.is_empty());
    assert_eq!(onsets(&array), onsets(&mono));
    assert_eq!(array.input.streams[0].channels, Some(24));
    let text = probe_text(&path);
    assert!(text.contains("decoder    hound"), "{text}");
}

#[test]
fn the_speech_track_computed_alongside_changes_no_byte() {
    // `analyze` computes the speech track on a second thread while the events are found; the
    // batch does not. The same JSON either way, on the demo (where the track sets syllables
    // aside and places the shot) and on a clip whose track is not wanted.
    let p = earwitness::pipeline::AnalyzeParams::default();
    let json = |path: &Path, speculate: bool| {
        let run = earwitness::pipeline::run_speculating(path, None, &p, 0, speculate).unwrap();
        serde_json::to_string(&run.analysis).unwrap()
    };
    let demo = root().join("samples/demo.mp4");
    let (alone, alongside) = (json(&demo, false), json(&demo, true));
    assert!(alone.contains("speech_heard"));
    assert_eq!(alone, alongside);
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let click = write_mono_wav(
        &dir.path().join("click.wav"),
        SR as u32,
        &noise(SR, 0.2, 3)[..SR / 250]
            .iter()
            .copied()
            .chain(noise(2 * SR, 0.003, 4))
            .collect::<Vec<f32>>(),
    );
    assert_eq!(json(&click, false), json(&click, true));
}

#[test]
fn speech_is_listened_for_only_where_a_shot_or_a_word_onset_asks_for_it() {
    // A click over faint noise (plain impulsive, noise-like): the speech detector is not run.
    const SR: usize = 48_000;
    let mut x = noise(3 * SR, 0.003, 4);
    for (d, v) in x[SR..].iter_mut().zip(noise(SR / 250, 0.8, 6)) {
        *d += v;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("click.wav"), SR as u32, &x);
    let click = analyze_json(&wav, &dir.path().join("click"), &[]);
    assert!(!click.events.is_empty());
    assert!(click.events.iter().all(|e| e.class == "impulsive"));
    assert!(click.speech_heard.is_none() && click.events.iter().all(|e| e.speech.is_none()));
    // The same with a shot 1 s later: it is, and every event is placed against what it heard
    // (nothing, in noise).
    for (d, v) in x[2 * SR..].iter_mut().zip(demo_shot(SR)) {
        *d += 0.5 * v;
    }
    let wav = write_mono_wav(&dir.path().join("shot.wav"), SR as u32, &x);
    let shot = analyze_json(&wav, &dir.path().join("shot"), &[]);
    assert!(shot.events.iter().any(|e| e.class == "gunshot"));
    assert_eq!(shot.speech_heard.as_deref(), Some(&[][..]));
    for e in &shot.events {
        let r = e.speech.as_ref().unwrap();
        assert_eq!((r.during, r.after_s, r.before_s), (None, None, None));
        assert_eq!(e.context_phrase(), None);
    }
}

#[test]
fn the_rounds_of_a_burst_are_one_sound_and_all_called_gunshot_like() {
    // Six identical rounds 110 ms apart over faint noise: each after the first rises out of the
    // tails of the ones before it, and is measured there.
    const SR: usize = 48_000;
    let shot = demo_shot(SR);
    let mut x = noise(3 * SR, 0.003, 9);
    let rounds: Vec<usize> = (0..6).map(|k| SR + k * 5_280).collect();
    for &r in &rounds {
        for (d, v) in x[r..].iter_mut().zip(&shot) {
            *d += 0.5 * v;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("burst.wav"), SR as u32, &x);

    let without = analyze_json(
        &wav,
        &dir.path().join("without"),
        &["--no-repeats", "--no-rounds"],
    );
    let with = analyze_json(&wav, &dir.path().join("with"), &[]);
    // Found as like sounds at a firing pace instead of as copies, they are rounds all the same,
    // and the rounds the measurements alone did not call gunshot-like say why.
    let paced = analyze_json(&wav, &dir.path().join("paced"), &["--no-repeats"]);
    let near = |a: &earwitness::model::Analysis, r: usize| {
        a.events
            .iter()
            .find(|e| (e.onset_s - r as f64 / SR as f64).abs() <= 0.001)
            .cloned()
    };
    let shots = |a: &earwitness::model::Analysis| {
        rounds
            .iter()
            .filter(|&&r| near(a, r).is_some_and(|e| e.class == "gunshot"))
            .count()
    };
    assert!(
        shots(&without) < 6,
        "every round called a gunshot on its own measurements: no test of copies"
    );
    assert_eq!(shots(&with), 6, "{:#?}", with.events);
    assert_eq!(shots(&paced), 6, "{:#?}", paced.events);
    let lent: Vec<_> = rounds
        .iter()
        .filter(|&&r| near(&without, r).is_some_and(|e| e.class != "gunshot"))
        .filter_map(|&r| near(&paced, r))
        .collect();
    assert_eq!(lent.len(), 6 - shots(&without));
    for e in lent {
        assert!(
            e.reasons[0].starts_with("one of 6 like sounds at a firing pace, 0.11 s apart"),
            "{:?}",
            e.reasons
        );
    }
    let copies: Vec<_> = with.events.iter().filter(|e| e.repeat.is_some()).collect();
    assert!(!copies.is_empty());
    for e in &copies {
        assert!(
            e.reasons[0].starts_with("repeats the gunshot at"),
            "{:?}",
            e.reasons
        );
    }
    assert_eq!(with.bursts.len(), 1);
    assert_eq!(with.bursts[0].count, 6);
    assert!(with.params.burst.repeat.enabled);
}

#[test]
fn like_bangs_at_a_walking_pace_are_steps_and_faster_ones_a_burst() {
    // The same bang four times 0.55 s apart (a walk's pace), and four times 0.15 s apart (a
    // burst's), over faint noise.
    const SR: usize = 48_000;
    let shot = demo_shot(SR);
    let clip = |step: usize, seed: u64| {
        let mut x = noise(4 * SR, 0.003, seed);
        let at: Vec<usize> = (0..4).map(|k| SR / 2 + k * step).collect();
        for &r in &at {
            for (d, v) in x[r..].iter_mut().zip(&shot) {
                *d += 0.5 * v;
            }
        }
        (x, at)
    };
    let dir = tempfile::tempdir().unwrap();
    let classes = |a: &earwitness::model::Analysis, at: &[usize]| -> Vec<String> {
        at.iter()
            .map(|&r| {
                a.events
                    .iter()
                    .find(|e| (e.onset_s - r as f64 / SR as f64).abs() <= 0.001)
                    .map_or("missed".into(), |e| e.class.clone())
            })
            .collect()
    };
    let (walk, at) = clip(SR * 55 / 100, 21);
    let wav = write_mono_wav(&dir.path().join("walk.wav"), SR as u32, &walk);
    let on = analyze_json(&wav, &dir.path().join("on"), &[]);
    assert_eq!(classes(&on, &at), vec!["impulsive"; 4], "{:#?}", on.events);
    for e in &on.events {
        assert!(
            e.reasons[0].starts_with("one of 4 like sounds at a walking pace, 0.55 s apart"),
            "{:?}",
            e.reasons
        );
    }
    assert!(on.bursts.is_empty());
    assert!(on.params.classify.pace.enabled);
    let off = analyze_json(&wav, &dir.path().join("off"), &["--no-pace"]);
    assert_eq!(classes(&off, &at), vec!["gunshot"; 4], "{:#?}", off.events);
    assert!(!off.params.classify.pace.enabled);

    let (burst, at) = clip(SR * 15 / 100, 22);
    let wav = write_mono_wav(&dir.path().join("burst.wav"), SR as u32, &burst);
    let b = analyze_json(&wav, &dir.path().join("burst"), &[]);
    assert_eq!(classes(&b, &at), vec!["gunshot"; 4], "{:#?}", b.events);
    assert!(b.params.classify.rounds.pace.enabled);
    let own = analyze_json(&wav, &dir.path().join("own"), &["--no-rounds"]);
    assert!(!own.params.classify.rounds.pace.enabled);
    assert_eq!(b.bursts.len(), 1);
}

#[test]
fn a_weaker_late_copy_of_a_shot_is_reported_as_its_echo_not_as_an_event() {
    // A shot, and the same waveform 408 ms later and 9 dB down (a wall far away), over faint
    // noise.
    const SR: usize = 48_000;
    let shot = demo_shot(SR);
    let mut x = noise(3 * SR, 0.003, 4);
    let (at, echo) = (SR, SR + 19_584);
    for (start, gain) in [(at, 0.5), (echo, 0.5 * 0.355)] {
        for (d, v) in x[start..].iter_mut().zip(&shot) {
            *d += gain * v;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("echo.wav"), SR as u32, &x);
    let near = |a: &earwitness::model::Analysis, s: usize| {
        a.events
            .iter()
            .any(|e| (e.onset_s - s as f64 / SR as f64).abs() <= 0.002)
    };
    let without = analyze_json(&wav, &dir.path().join("without"), &["--no-repeats"]);
    assert!(
        near(&without, at) && near(&without, echo),
        "the detector alone should report both: {:#?}",
        without.events
    );
    let with = analyze_json(&wav, &dir.path().join("with"), &[]);
    assert!(near(&with, at) && !near(&with, echo), "{:#?}", with.events);
    let first = with
        .events
        .iter()
        .find(|e| (e.onset_s - 1.0).abs() <= 0.002)
        .unwrap();
    assert_eq!(first.class, "gunshot");
    assert!(
        first
            .components
            .iter()
            .any(|c| c.kind == "echo" && (c.onset_s - echo as f64 / SR as f64).abs() <= 0.002),
        "{:?}",
        first.components
    );
}

/// The demo's shot at half scale at 1 s over faint noise, and later copies of it at `returns`
/// (delay after the shot in samples, gain against the shot); with `dulled`, each low-passed
/// once more than the one before (a wall absorbs the highs of each bounce).
fn shot_and_returns(sr: usize, returns: &[(usize, f32)], dulled: bool) -> Vec<f32> {
    let shot = demo_shot(sr);
    let mut x = noise(3 * sr, 0.003, 4);
    for (d, v) in x[sr..].iter_mut().zip(&shot) {
        *d += 0.5 * v;
    }
    let a = (-2.0 * std::f32::consts::PI * 6000.0 / sr as f32).exp();
    let mut copy = shot.clone();
    for &(delay, gain) in returns {
        let mut s = 0.0;
        for v in copy.iter_mut().filter(|_| dulled) {
            s = (1.0 - a) * *v + a * s;
            *v = s;
        }
        for (d, v) in x[sr + delay..].iter_mut().zip(&copy) {
            *d += 0.5 * gain * v;
        }
    }
    x
}

#[test]
fn the_side_each_sound_came_from_is_read_from_two_channels() {
    // Two microphones: the shot reaches channel 2 ten samples (0.21 ms, 7 cm of path) after
    // channel 1; its façade echo 0.3 s later, 4.4 dB down, comes from the other side (channel 1
    // twelve samples late). Each channel has its own noise, as each microphone does.
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let shot = demo_shot(SR);
    let n = 3 * SR;
    let (mut left, mut right) = (noise(n, 0.003, 4), noise(n, 0.003, 5));
    let a = (-2.0 * std::f32::consts::PI * 6000.0 / SR as f32).exp();
    let mut dull = shot.clone();
    let mut s = 0.0;
    for v in &mut dull {
        s = (1.0 - a) * *v + a * s;
        *v = s;
    }
    for (at, x, (l, r), gain) in [
        (SR, &shot, (0, 10), 0.5f32),
        (SR + SR * 3 / 10, &dull, (12, 0), 0.3),
    ] {
        for (i, v) in x.iter().enumerate() {
            left[at + l + i] += gain * v;
            right[at + r + i] += gain * v;
        }
    }
    let wav = dir.path().join("stereo.wav");
    earwitness::testutil::write_float_wav(&wav, SR as u32, &[&left, &right]);
    let got = analyze_json(&wav, &dir.path().join("on"), &[]);
    assert!(got.params.measure.arrival.enabled);
    assert_eq!(got.events.len(), 2, "{:#?}", got.events);
    let (first, echo) = (&got.events[0], &got.events[1]);
    let arrival = first.arrival.expect("the shot's arrival is measured");
    assert!(arrival.clear, "{arrival:?}");
    assert!((arrival.lag_ms - 10.0 / 48.0).abs() < 0.01, "{arrival:?}");
    assert!(
        first
            .reasons
            .iter()
            .any(|r| r.starts_with("reached channel 1 (left) 0.21 ms before channel 2 (right)")),
        "{:?}",
        first.reasons
    );
    let back = echo.arrival.expect("the echo's arrival is measured");
    assert!(
        back.clear && (back.lag_ms + 12.0 / 48.0).abs() < 0.01,
        "{back:?}"
    );
    assert!(echo.possible_echo.is_some(), "{:?}", echo.reasons);
    assert!(
        echo.reasons[0].contains("from another direction"),
        "{:?}",
        echo.reasons
    );
    let burst = got.bursts[0].arrivals.expect("the two sounds' directions");
    assert!(!burst.one_direction && burst.clear == 2, "{burst:?}");
    // The spreadsheet has the delays; the burst line says the directions differ.
    let out = bin()
        .arg("analyze")
        .arg(&wav)
        .args(["-o", dir.path().join("csv").to_str().unwrap()])
        .args(["--formats", "csv"])
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reach the two channels differently"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let csv = std::fs::read_to_string(dir.path().join("csv/events.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|&h| h == "arrival_lag_ms").unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[col].parse::<f64>().unwrap(), arrival.lag_ms);
    assert_eq!(row[col + 1], "true");

    // One signal in both channels (a mono recording in a stereo file): no direction to read.
    let wav = dir.path().join("dual.wav");
    earwitness::testutil::write_float_wav(&wav, SR as u32, &[&left, &left]);
    let dual = analyze_json(&wav, &dir.path().join("dual"), &[]);
    assert!(!dual.events.is_empty());
    assert!(dual.events.iter().all(|e| e.arrival.is_none()));
    assert!(dual.bursts.iter().all(|b| b.arrivals.is_none()));
    // Off, as in reports written before it.
    let off = analyze_json_with(
        &dir.path().join("stereo.wav"),
        &dir.path().join("off"),
        r#"{"measure": {"arrival": {"enabled": false}}}"#,
    );
    assert!(off.events.iter().all(|e| e.arrival.is_none()));
    assert!(off.events[1].reasons[0].starts_with("may be an echo"));
    assert!(!off.events[1].reasons[0].contains("direction"));

    // A supersonic shot: its crack, 25 ms ahead, reaches channel 1 eight samples late (it comes
    // from where the bullet passed); its blast reaches channel 2 ten samples late (from the
    // shooter). The arrival is the blast's.
    let (mut left, mut right) = (noise(2 * SR, 0.003, 6), noise(2 * SR, 0.003, 7));
    add_blasts_and_crack(&mut left, &shot, &[SR + SR / 40], SR + 8);
    add_blasts_and_crack(&mut right, &shot, &[SR + SR / 40 + 10], SR);
    let wav = dir.path().join("cracked.wav");
    earwitness::testutil::write_float_wav(&wav, SR as u32, &[&left, &right]);
    let got = analyze_json(&wav, &dir.path().join("cracked"), &[]);
    assert_eq!(got.events.len(), 1, "{:#?}", got.events);
    let e = &got.events[0];
    assert!(e.features.crack_lead_ms.is_some(), "{e:#?}");
    let a = e.arrival.expect("the blast's arrival");
    assert!(a.of_blast && a.clear, "{a:?}");
    assert!((a.lag_ms - 10.0 / 48.0).abs() < 0.01, "{a:?}");
    assert!(
        e.reasons
            .iter()
            .any(|r| r.starts_with("its muzzle blast reached channel 1 (left) 0.21 ms")),
        "{:?}",
        e.reasons
    );
}

#[test]
fn a_shots_flutter_echoes_between_two_walls_are_its_echoes_not_shots() {
    // Walls 12 m apart: the shot comes back every 70 ms, from 8 dB down, 1.4 dB weaker each
    // time (absorption and spreading).
    const SR: usize = 48_000;
    let period = SR * 70 / 1000;
    let flutter: Vec<(usize, f32)> = (1..=7)
        .map(|k| (k * period, 0.4 * 0.85f32.powi(k as i32 - 1)))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(
        &dir.path().join("flutter.wav"),
        SR as u32,
        &shot_and_returns(SR, &flutter, true),
    );
    let off = analyze_json_with(
        &wav,
        &dir.path().join("off"),
        r#"{"burst": {"flutter": {"enabled": false}}}"#,
    );
    assert!(
        off.events.iter().filter(|e| e.class == "gunshot").count() >= 4,
        "without the rule the returns pass for rounds: {:#?}",
        off.events
    );
    let a = analyze_json(&wav, &dir.path().join("on"), &[]);
    assert!(a.params.burst.flutter.enabled);
    assert_eq!(a.events.len(), 1, "{:#?}", a.events);
    assert!(a.bursts.is_empty());
    let shot = &a.events[0];
    assert!((shot.onset_s - 1.0).abs() < 0.002 && shot.class == "gunshot");
    let echoes: Vec<f64> = shot
        .components
        .iter()
        .filter(|c| c.kind == "echo")
        .map(|c| c.onset_s)
        .collect();
    for &(delay, _) in &flutter[..3] {
        let at = 1.0 + delay as f64 / SR as f64;
        assert!(
            echoes.iter().any(|&e| (e - at).abs() < 0.002),
            "no echo at {at}: {echoes:?}"
        );
    }
    assert!(
        shot.reasons
            .iter()
            .any(|r| r.contains("flutter echoes 70.0 ms apart")
                && r.contains("walls about 12.0 m apart")),
        "{:?}",
        shot.reasons
    );

    // The same shot's rounds one period apart, held down together 8 dB below the first by a
    // recorder's gain control: at one level, or sinking by a quarter of a dB from round to
    // round (every other one then sinks by half a dB). Rounds, not returns.
    for (name, sink_db) in [("level", 0.0f32), ("sinking", 0.25)] {
        let rounds: Vec<(usize, f32)> = (1..=7)
            .map(|k| {
                (
                    k * period,
                    0.4 * 10f32.powf(-sink_db * (k - 1) as f32 / 20.0),
                )
            })
            .collect();
        let wav = write_mono_wav(
            &dir.path().join(format!("{name}.wav")),
            SR as u32,
            &shot_and_returns(SR, &rounds, false),
        );
        let b = analyze_json(&wav, &dir.path().join(name), &[]);
        assert!(
            b.events.len() >= 4
                && b.events
                    .iter()
                    .all(|e| e.reasons.iter().all(|r| !r.contains("flutter"))),
            "{name}: {:#?}",
            b.events
        );
    }
}

#[test]
fn a_weaker_later_copy_of_a_shot_is_reported_with_the_doubt_that_it_may_be_its_echo() {
    // The shot and one return 0.3 s later, 4.4 dB down and duller: a façade about 100 m
    // farther than the shooter (too loud for the reflection search, which asks 6 dB).
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(
        &dir.path().join("echo.wav"),
        SR as u32,
        &shot_and_returns(SR, &[(SR * 3 / 10, 0.6)], true),
    );
    let a = analyze_json(&wav, &dir.path().join("on"), &[]);
    assert!(a.params.burst.possible_echo.enabled);
    assert_eq!(a.events.len(), 2, "{:#?}", a.events);
    let (shot, echo) = (&a.events[0], &a.events[1]);
    assert!(shot.possible_echo.is_none());
    let doubt = echo
        .possible_echo
        .as_ref()
        .expect("the later sound is doubted");
    assert_eq!(doubt.of_id, shot.id);
    assert!((doubt.delay_s - 0.3).abs() < 0.002, "{doubt:?}");
    assert!((-6.0..=-3.0).contains(&doubt.level_db), "{doubt:?}");
    assert!((doubt.extra_path_m - 102.9).abs() < 1.0, "{doubt:?}");
    assert!(echo.reasons[0].starts_with("may be an echo of the gunshot-like sound at 1.000 s"));
    // Found as a copy of the shot, it is not said to be another round without the doubt.
    assert!(echo.repeat.is_some(), "{:?}", echo.reasons);
    assert!(
        echo.reasons
            .iter()
            .any(|r| r.ends_with("another round of the same weapon, or that shot's echo")),
        "{:?}",
        echo.reasons
    );
    // Reported all the same, and counted in the burst with the doubt.
    assert_eq!(a.bursts.len(), 1);
    assert_eq!((a.bursts[0].count, a.bursts[0].possible_echoes), (2, 1));
    // The exports name it so: the label everywhere, its own column in the spreadsheet.
    let out = bin()
        .arg("analyze")
        .arg(&wav)
        .args(["-o", dir.path().join("exports").to_str().unwrap()])
        .args(["--formats", "csv,labels"])
        .output()
        .unwrap();
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 gunshot-like (1 may be an echo)")
            && stdout.contains("2 shots")
            && stdout.contains("1 of them may be an echo"),
        "{stdout}"
    );
    let labels = std::fs::read_to_string(dir.path().join("exports/labels.txt")).unwrap();
    assert!(
        labels.contains("#2 gunshot-like") && labels.contains("(echo of #1?)"),
        "{labels}"
    );
    let csv = std::fs::read_to_string(dir.path().join("exports/events.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|&h| h == "possible_echo_of")
        .unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!((rows[0][col], rows[1][col]), ("", "1"), "{csv}");
    // Off, as in reports written before it: the same events, no doubt.
    let off = analyze_json_with(
        &wav,
        &dir.path().join("off"),
        r#"{"burst": {"possible_echo": {"enabled": false}}}"#,
    );
    assert_eq!(off.events.len(), 2);
    assert!(off.events.iter().all(|e| e.possible_echo.is_none()));
    assert_eq!(off.bursts[0].possible_echoes, 0);

    // A double tap 0.4 s apart, each shot returned 230 ms later only 1.5 dB down (a façade
    // near a distant shooter): too little for a doubt from one pair, but the same delay
    // behind both shots.
    let sr = SR;
    let wav = write_mono_wav(
        &dir.path().join("pairs.wav"),
        SR as u32,
        &shot_and_returns(
            sr,
            &[
                (sr * 4 / 10, 1.0),
                (sr * 23 / 100, 0.84),
                (sr * 63 / 100, 0.84),
            ],
            false,
        ),
    );
    let a = analyze_json(&wav, &dir.path().join("pairs"), &[]);
    let at = |t: f64| {
        a.events
            .iter()
            .find(|e| (e.onset_s - t).abs() < 0.003)
            .unwrap_or_else(|| panic!("no event at {t}: {:#?}", a.events))
    };
    let (first, second) = (at(1.0), at(1.4));
    assert!(first.possible_echo.is_none() && second.possible_echo.is_none());
    for (echo, shot, other) in [(1.23, first, 1.63), (1.63, second, 1.23)] {
        let d = at(echo)
            .possible_echo
            .as_ref()
            .expect("doubted by the same delay");
        assert_eq!(d.of_id, shot.id);
        assert_eq!(d.same_delay_as_id, Some(at(other).id));
        assert!((-2.5..=-1.0).contains(&d.level_db), "{d:?}");
    }
    let off = analyze_json_with(
        &wav,
        &dir.path().join("pairs-off"),
        r#"{"burst": {"possible_echo": {"same_delay_tolerance_s": 0.0}}}"#,
    );
    assert!(off.events.iter().all(|e| e.possible_echo.is_none()));

    // A second round at the first's level (1 dB down): no doubt.
    let wav = write_mono_wav(
        &dir.path().join("double.wav"),
        SR as u32,
        &shot_and_returns(SR, &[(SR * 3 / 10, 0.9)], false),
    );
    let a = analyze_json(&wav, &dir.path().join("double"), &[]);
    assert_eq!(a.events.len(), 2, "{:#?}", a.events);
    assert!(a.events.iter().all(|e| e.possible_echo.is_none()));
}

#[test]
fn a_crack_before_a_blast_is_timed_measured_and_counted_towards_a_shot() {
    // The demo's shot at half scale, and the same shot preceded 25 ms earlier by a supersonic
    // bullet's N-wave (0.3 ms from +0.4 to -0.4), over faint noise.
    const SR: usize = 48_000;
    let shot = demo_shot(SR);
    let place = |crack: bool| {
        let mut x = noise(2 * SR, 0.003, 6);
        let blast = SR + SR / 40;
        for (d, v) in x[blast..].iter_mut().zip(&shot) {
            *d += 0.5 * v;
        }
        if crack {
            let len = SR * 3 / 10_000;
            for i in 0..=len {
                x[SR + i] += 0.4 * (1.0 - 2.0 * i as f32 / len as f32);
            }
        }
        x
    };
    let dir = tempfile::tempdir().unwrap();
    let plain = write_mono_wav(&dir.path().join("plain.wav"), SR as u32, &place(false));
    let cracked = write_mono_wav(&dir.path().join("cracked.wav"), SR as u32, &place(true));
    let without = analyze_json(&plain, &dir.path().join("plain"), &[]);
    let with = analyze_json(&cracked, &dir.path().join("cracked"), &[]);
    assert_eq!(without.events.len(), 1, "{:#?}", without.events);
    assert_eq!(with.events.len(), 1, "{:#?}", with.events);
    let (a, b) = (&without.events[0], &with.events[0]);
    assert_eq!(a.features.crack_lead_ms, None);
    // Timed from the crack, the blast 25 ms later kept as a component.
    assert!((b.onset_s - 1.0).abs() <= 0.0002, "{b:#?}");
    let lead = b.features.crack_lead_ms.expect("the crack is measured");
    assert!((lead - 25.0).abs() <= 0.2, "{lead}");
    let kinds: Vec<&str> = b.components.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(&kinds[..2], ["crack", "blast"], "{:?}", b.components);
    assert!(
        b.reasons[0].starts_with("supersonic crack 25."),
        "{:?}",
        b.reasons
    );
    // The crack raises the score of the same blast.
    assert!(b.gunshot_score > a.gunshot_score, "{a:#?} {b:#?}");
    assert_eq!(b.class, "gunshot");
    // A crack louder than the blast (a close pass, or a narrowband recording resampled, whose
    // crack's peak fell between its samples): the event's peak is the crack, but the sound is
    // measured from the blast, as the same blast alone is.
    let mut loud = place(false);
    let len = SR * 3 / 10_000;
    for i in 0..=len {
        loud[SR + i] += 3.0 * (1.0 - 2.0 * i as f32 / len as f32);
    }
    let loud = write_mono_wav(&dir.path().join("loud.wav"), SR as u32, &loud);
    let loud = analyze_json(&loud, &dir.path().join("loud"), &[]);
    assert_eq!(loud.events.len(), 1, "{:#?}", loud.events);
    let c = &loud.events[0];
    assert!(
        (c.peak_s - 1.0).abs() <= 0.0005,
        "the crack is the peak: {c:#?}"
    );
    assert!(c.features.crack_lead_ms.is_some(), "{c:#?}");
    let (fa, fc) = (&a.features, &c.features);
    assert!(
        (fc.centroid_hz / fa.centroid_hz - 1.0).abs() < 0.1,
        "{} Hz against the blast's {} Hz",
        fc.centroid_hz,
        fa.centroid_hz
    );
    assert!(
        (fc.low_high_db - fa.low_high_db).abs() < 1.0,
        "{fc:#?} {fa:#?}"
    );
}

/// `shot` at half scale at each of `blasts` (samples) in `x`, and a supersonic bullet's N-wave
/// (0.3 ms at 48 kHz, from +0.4 to -0.4) at `crack_at`.
fn add_blasts_and_crack(x: &mut [f32], shot: &[f32], blasts: &[usize], crack_at: usize) {
    for &b in blasts {
        for (d, v) in x[b..].iter_mut().zip(shot) {
            *d += 0.5 * v;
        }
    }
    let len = 48_000 * 3 / 10_000;
    for i in 0..=len {
        x[crack_at + i] += 0.4 * (1.0 - 2.0 * i as f32 / len as f32);
    }
}

#[test]
fn a_crack_far_ahead_of_its_blast_is_one_shot_with_the_distance_it_implies() {
    // The demo's shot at half scale whose N-wave (0.3 ms, +0.4 to -0.4) comes 0.3 s before its
    // blast at 1.3 s (a shooter about 160-270 m off), and 1 s later the same blast with no
    // crack, over faint noise: two shots, not three sounds.
    const SR: usize = 48_000;
    let mut x = noise(4 * SR, 0.003, 6);
    let (crack_at, blasts) = (SR, [SR + SR * 3 / 10, SR + SR * 13 / 10]);
    add_blasts_and_crack(&mut x, &demo_shot(SR), &blasts, crack_at);
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("far.wav"), SR as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    assert_eq!(a.events.len(), 2, "{:#?}", a.events);
    let (first, second) = (&a.events[0], &a.events[1]);
    assert!((first.onset_s - 1.0).abs() <= 0.0002, "{first:#?}");
    assert_eq!(first.class, "gunshot");
    let kinds: Vec<&str> = first.components.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(&kinds[..2], ["crack", "blast"], "{:?}", first.components);
    assert!(
        (first.components[1].onset_s - 1.3).abs() <= 0.0005,
        "{:?}",
        first.components
    );
    let d = first.distance.as_ref().expect("a distance");
    assert!((d.crack_to_blast_s - 0.3).abs() <= 0.0005, "{d:?}");
    // 0.3 s / (1/343.2 - 1/v) for v = 950 and 550 m/s.
    assert!((d.distance_m[0] - 161.2).abs() <= 0.5, "{d:?}");
    assert!((d.distance_m[1] - 273.7).abs() <= 0.5, "{d:?}");
    assert!(
        first.reasons[0].starts_with("supersonic crack 0.300 s before the blast")
            && first.reasons[0].contains("the shooter about 161-274 m away"),
        "{:?}",
        first.reasons
    );
    assert!((second.onset_s - 2.3).abs() <= 0.0005, "{second:#?}");
    assert!(second.distance.is_none(), "{second:#?}");
    // One shot, so no burst of two.
    assert!(a.bursts.is_empty(), "{:#?}", a.bursts);
    // Without the pairing (a report's parameters from before it), three sounds, as before.
    let before = analyze_json_with(
        &wav,
        &dir.path().join("before"),
        r#"{"detect": {"cracks": null}}"#,
    );
    assert_eq!(before.events.len(), 3, "{:#?}", before.events);
    assert!(before.events.iter().all(|e| e.distance.is_none()));
}

#[test]
fn a_copy_without_its_anchors_crack_is_timed_from_its_blast() {
    // The demo's shot at half scale with a supersonic N-wave 25 ms before its blast at 1.0 s,
    // and 0.3 s later the same blast with no crack (another round whose bullet passed
    // elsewhere): the second matches the first on its blast, so the first's clock would put
    // its onset 25 ms before its sound, on the background.
    const SR: usize = 48_000;
    let shot = demo_shot(SR);
    let mut x = noise(2 * SR, 0.003, 6);
    let crack_at = SR;
    let blasts = [SR + SR / 40, SR + SR / 40 + SR * 3 / 10];
    add_blasts_and_crack(&mut x, &shot, &blasts, crack_at);
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("two.wav"), SR as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    let at = |s: f64| a.events.iter().find(|e| (e.onset_s - s).abs() <= 0.03);
    let first = at(1.0).expect("the cracked shot");
    assert!((first.onset_s - 1.0).abs() <= 0.0002, "{first:#?}");
    let second_blast = blasts[1] as f64 / SR as f64;
    let second = at(second_blast).expect("the second shot");
    assert!(second.repeat.is_some(), "{second:#?}");
    assert!(
        (second.onset_s - second_blast).abs() <= 0.0005,
        "timed from where the first's crack would be: {second:#?}"
    );
    assert!(
        second.components.iter().all(|c| c.kind != "crack"),
        "{:?}",
        second.components
    );
    assert!(
        second.reasons[1].starts_with("no crack of its own before its blast"),
        "{:?}",
        second.reasons
    );
}

#[test]
fn knocks_ringing_into_each_other_are_each_reported() {
    // Four modelled knocks on a door (`scripts/make-synthetic-scenes.py`, seed 51, clip 19,
    // labelled at 14.801, 14.981, 15.174 and 15.334 s, 17-19 dB above the background), decoded
    // from the clip's MP3 and cut from 14.3 s for 1.4 s, kept as 16 kHz 16-bit FLAC. Each
    // rings on past the next one, so without `classify.strikes` the second and the fourth
    // were taken for later parts of the knock before them.
    let clip = fixture("knocks/knocks-ringing-on.flac");
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(&clip, &dir.path().join("out"), &[]);
    let labels = [0.501, 0.681, 0.874, 1.034];
    let times: Vec<f64> = a.events.iter().map(|e| e.onset_s).collect();
    assert_eq!(times.len(), labels.len(), "{times:?}");
    for (t, l) in times.iter().zip(labels) {
        assert!((t - l).abs() <= 0.002, "{times:?}");
    }
    for e in &a.events[1..] {
        let strike = e.reasons.iter().any(|r| r.starts_with("another strike"));
        // The third knock comes after the second has died away: a sound of its own anyway.
        assert_eq!(strike, e.id != 3, "{}: {:?}", e.id, e.reasons);
    }
    let parts = analyze_json_with(
        &clip,
        &dir.path().join("parts"),
        r#"{"classify": {"strikes": null}}"#,
    );
    assert_eq!(parts.events.len(), 2, "{:?}", onsets(&parts));
}

#[test]
fn a_blasts_direct_sound_ahead_of_its_ground_reflection_is_no_crack() {
    // A modelled shot without a crack (`scripts/make-synthetic-scenes.py`, seed 52, clip 23,
    // its shot at 6.235 s: 197 m away, a Friedlander pulse and its ground reflection 3 ms
    // later at 0.74 of it), decoded from the clip's MP4 (AAC) and cut to the second from 5.635
    // s, kept as 16-bit FLAC. The direct pulse is louder than the reflection's tail 4 ms on,
    // which passed for a blast after a crack: the shot was reported with "a supersonic crack
    // 4.0 ms before the blast". It is one positive pulse, not an N-wave: the sound starts with
    // it and no crack is reported (`refine.crack_min_bipolarity`).
    let clip = root().join("tests/fixtures/shots/direct-then-reflection.flac");
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(&clip, &dir.path().join("out"), &[]);
    let e = a
        .events
        .iter()
        .find(|e| (e.onset_s - 0.6).abs() <= 0.01)
        .unwrap_or_else(|| panic!("{:#?}", a.events));
    assert!((e.onset_s - 0.6).abs() <= 0.0005, "{e:#?}");
    assert_eq!(e.class, "gunshot", "{e:#?}");
    assert_eq!(e.features.crack_lead_ms, None, "{e:#?}");
    assert!(
        e.components.iter().all(|c| c.kind != "crack"),
        "{:?}",
        e.components
    );
    assert!(
        e.reasons.iter().all(|r| !r.contains("supersonic crack")),
        "{:?}",
        e.reasons
    );
}

#[test]
fn a_long_low_blast_is_called_an_explosion_and_a_muzzle_blast_is_not() {
    // A charge's blast as the devset draws it: a Friedlander pulse (3 ms rise, 30 ms positive
    // phase) and a rumble (noise low-passed at 80 Hz, decaying over 0.5 s); and, 2.5 s later,
    // the demo's shot (a 4 ms positive phase). Over faint noise, 48 kHz.
    const SR: usize = 48_000;
    let n = SR * 2;
    let (rise, td) = (SR * 3 / 1000, 0.03f32);
    let rumble = noise(n, 1.0, 8);
    let a = (-2.0 * std::f32::consts::PI * 80.0 / SR as f32).exp();
    let mut low = 0.0f32;
    let blast: Vec<f32> = (0..n)
        .map(|i| {
            low = (1.0 - a) * rumble[i] + a * low;
            let pulse = if i < rise {
                i as f32 / rise as f32
            } else {
                let t = (i - rise) as f32 / SR as f32;
                (1.0 - t / td) * (-t / td).exp()
            };
            let t = i as f32 / SR as f32;
            0.6 * pulse + 0.5 * low * (-t / 0.5).exp()
        })
        .collect();
    let shot = demo_shot(SR);
    let mut x = noise(5 * SR, 0.002, 9);
    for (d, v) in x[SR..].iter_mut().zip(&blast) {
        *d += 0.5 * v;
    }
    for (d, v) in x[3 * SR + SR / 2..].iter_mut().zip(&shot) {
        *d += 0.5 * v;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("blast.wav"), SR as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    let at = |s: f64| {
        a.events
            .iter()
            .find(|e| (e.onset_s - s).abs() <= 0.005)
            .unwrap_or_else(|| panic!("no event at {s} s: {:#?}", a.events))
    };
    let explosion = at(1.0);
    assert_eq!(explosion.class, "explosion", "{explosion:#?}");
    assert!(
        explosion.reasons[0].starts_with("long low blast (positive phase 3"),
        "{:?}",
        explosion.reasons
    );
    let gunshot = at(3.5);
    assert_eq!(gunshot.class, "gunshot", "{gunshot:#?}");
    assert!(gunshot.features.positive_phase_ms < 10.0, "{gunshot:#?}");
}

#[test]
fn a_cut_to_silence_at_the_end_is_not_an_event() {
    // Two seconds of rumble (white noise through a one-pole 100 Hz low-pass, peak 0.5) that
    // stops dead at a loud sample, as a trimmed recording does: the detector's last frames see
    // the cut as a broadband click.
    let sr = 48_000usize;
    let white = noise(2 * sr, 1.0, 17);
    let k = 1.0 - (-2.0 * std::f32::consts::PI * 100.0 / sr as f32).exp();
    let mut state = 0.0f32;
    let mut x: Vec<f32> = white
        .iter()
        .map(|w| {
            state += k * (w - state);
            state
        })
        .collect();
    let top = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    x.iter_mut().for_each(|v| *v *= 0.5 / top);
    // End on the rumble's largest excursion, so the cut is a step.
    let (at, _) =
        x[sr..].iter().enumerate().fold(
            (0, 0.0f32),
            |b, (i, v)| if v.abs() > b.1 { (i, v.abs()) } else { b },
        );
    x.truncate(sr + at + 1);
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("cut.wav"), sr as u32, &x);
    // A low threshold, so the cut would be reported but for the end rule: it scores 0.02 (its
    // voicing window is past the end, not measured; read as 0.00 before, it scored 0.06).
    let a = analyze_json(&wav, &dir.path().join("out"), &["--min-score", "0.01"]);
    let end = x.len() as f64 / sr as f64;
    assert!(
        a.events.iter().all(|e| e.onset_s < end - 0.02),
        "an event at the cut: {:?} (end {end})",
        a.events.iter().map(|e| e.onset_s).collect::<Vec<_>>()
    );
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("last") && w.contains("run past the end")),
        "{:?}",
        a.warnings
    );
}

#[test]
fn a_cut_to_silence_above_a_band_limited_clips_cut_off_is_not_an_event() {
    // A voice note's or a phone call's band at 48 kHz: two seconds of noise made of 400
    // sinusoids of random phase from 100 Hz to 7 kHz, with a resampler's leakage (white noise
    // 110 dB down) above, cut dead. Where the bands above 7 kHz hold nothing, the cut rises
    // there by 60 dB or more, and the frame that sees it picks a "sound" whose onset the
    // waveform puts tens of ms earlier (the devset resampled from 16 to 48 kHz had such false
    // events 30-80 ms before the end of 10 of its 20 clips).
    let sr = 48_000usize;
    let n = 2 * sr;
    let x = band_limited_noise(n, sr);
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("band.wav"), sr as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    let end = n as f64 / sr as f64;
    assert!(
        a.events.is_empty(),
        "events in a steady noise: {:?} (end {end})",
        a.events.iter().map(|e| e.onset_s).collect::<Vec<_>>()
    );
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("picked by a detector frame that runs past the clip's")),
        "{:?}",
        a.warnings
    );
}

/// `n` samples of a voice note's band at `sr`: 400 sinusoids of random phase from 100 Hz to
/// 7 kHz, with a resampler's leakage (white noise 110 dB down) above.
fn band_limited_noise(n: usize, sr: usize) -> Vec<f32> {
    let phases = noise(400, std::f32::consts::PI, 29);
    let mut x = noise(n, 0.3e-5, 31);
    for (k, ph) in phases.iter().enumerate() {
        let f = 100.0 + 6_900.0 * k as f64 / 400.0;
        let w = 2.0 * std::f64::consts::PI * f / sr as f64;
        for (i, v) in x.iter_mut().enumerate() {
            *v += 0.01 * (w * i as f64 + f64::from(*ph)).sin() as f32;
        }
    }
    x
}

#[test]
fn a_cut_to_silence_inside_the_clip_is_not_an_event() {
    // The same band with audio lost in three places and filled with digital silence, as a
    // damaged file's lost frames are: each cut is a click to the detector's frames, whose
    // onset the waveform puts tens of ms before it (a 30-minute MP3 with 1,856 fills gained
    // 269 such false events). The demo's shot at 2 s stays an event.
    let sr = 48_000usize;
    let mut x = band_limited_noise(4 * sr, sr);
    for at in [0.6, 1.2, 3.1] {
        let a = (at * sr as f64) as usize;
        x[a..a + sr * 6 / 100].iter_mut().for_each(|v| *v = 0.0);
    }
    for (d, v) in x[2 * sr..].iter_mut().zip(demo_shot(sr)) {
        *d += 0.5 * v;
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = write_mono_wav(&dir.path().join("cuts.wav"), sr as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("out"), &[]);
    let onsets: Vec<f64> = a.events.iter().map(|e| e.onset_s).collect();
    assert!(
        onsets.iter().all(|t| (t - 2.0).abs() < 0.01),
        "events away from the shot: {onsets:?}"
    );
    assert_eq!(onsets.len(), 1, "{:?}", a.warnings);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("runs into digital silence at 0.600 s")),
        "{:?}",
        a.warnings
    );
}

/// The event of `a` at 1 s, where [`shot_in_noise`] puts its shot.
fn shot_at_1s(a: &earwitness::model::Analysis) -> &earwitness::model::Event {
    a.events
        .iter()
        .find(|e| (e.onset_s - 1.0).abs() <= 0.002)
        .expect("the shot at 1 s is reported")
}

#[test]
fn a_blast_that_goes_on_for_a_second_is_not_called_a_gunshot() {
    // The demo's shot, alone and then with a rumble carrying on after it for a second at
    // nearly the level it started with (a barrel going up, a machine starting): the same onset,
    // but only a single report dies away within a few tenths of a second.
    const SR: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let (_, alone) = shot_in_noise_analysed(dir.path(), SR);
    let shot = shot_at_1s(&alone);
    assert_eq!(shot.class, "gunshot", "{:?}", shot.reasons);
    assert!(
        shot.features.sustain_db.unwrap() < -20.0,
        "{:?}",
        shot.features
    );

    let mut x = shot_in_noise(SR);
    let rumble = noise(SR * 12 / 10, 1.0, 11);
    let a = (-2.0 * std::f32::consts::PI * 1000.0 / SR as f32).exp();
    let mut s = 0.0;
    for (k, (d, v)) in x[SR + SR / 100..].iter_mut().zip(rumble).enumerate() {
        s = (1.0 - a) * v + a * s;
        let fade = (-(k as f32) / (SR as f32 * 1.5)).exp();
        *d += 0.6 * s * fade;
    }
    let wav = write_mono_wav(&dir.path().join("rumble.wav"), SR as u32, &x);
    let rumbling = analyze_json(&wav, &dir.path().join("rumble"), &[]);
    let blast = shot_at_1s(&rumbling);
    assert!(
        blast.features.sustain_db.unwrap() > -10.0,
        "{:?}",
        blast.features
    );
    assert_eq!(blast.class, "impulsive", "{:?}", blast.reasons);
    assert!(
        blast.reasons[0].starts_with("goes on: "),
        "{:?}",
        blast.reasons
    );
    assert!(
        blast.gunshot_score >= 0.5,
        "its onset alone is gunshot-like"
    );
    assert_eq!(rumbling.params.classify.sustained_min_db, -10.0);
}

/// "Get up!" as spoken (tests/fixtures/speech, 16 kHz, 16-bit), in full-scale units.
fn get_up_16k() -> Vec<f32> {
    let path = root().join("tests/fixtures/speech/get-up-16k.wav");
    hound::WavReader::open(path)
        .unwrap()
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect()
}

/// "Get up!" ([`get_up_16k`]) scaled to peak at `dbfs`.
fn get_up_at(dbfs: f32) -> Vec<f32> {
    let speech = get_up_16k();
    let peak = speech.iter().fold(0f32, |m, v| m.max(v.abs()));
    let g = 10f32.powf(dbfs / 20.0) / peak;
    speech.iter().map(|v| g * v).collect()
}

/// A sustained vowel: 70 ms of the "e" of "Get up!" (tests/fixtures/speech, 16 kHz) looped with
/// 10 ms cross-fades to `len` samples, faded in and out over 80 ms so that it brings no onset
/// of its own: a shout or a scream held after a shot.
fn held_vowel(len: usize) -> Vec<f32> {
    let get_up = get_up_16k();
    let vowel = &get_up[16_320..17_440];
    let xf = 160;
    let mut out: Vec<f32> = vowel.to_vec();
    while out.len() < len {
        let start = out.len() - xf;
        for k in 0..xf {
            let r = k as f32 / xf as f32;
            out[start + k] = out[start + k] * (1.0 - r) + vowel[k] * r;
        }
        out.extend_from_slice(&vowel[xf..]);
    }
    out.truncate(len);
    let fade = 1_280;
    for k in 0..fade {
        let g = (k as f32 / fade as f32).powi(2);
        out[k] *= g;
        out[len - 1 - k] *= g;
    }
    let peak = out.iter().fold(0f32, |m, v| m.max(v.abs()));
    out.iter().map(|v| v / peak).collect()
}

#[test]
fn a_shot_followed_by_a_held_shout_is_still_a_gunshot() {
    // The sound after the shot goes on at its level, but it is a voice (the speech detector
    // hears it): the measure is another sound's, and the shot keeps its gunshot-like call.
    const SR: usize = 16_000;
    let dir = tempfile::tempdir().unwrap();
    let mut x = shot_in_noise(SR);
    for (d, v) in x[SR + SR * 15 / 100..]
        .iter_mut()
        .zip(held_vowel(SR * 9 / 10))
    {
        *d += 0.5 * v;
    }
    let wav = write_mono_wav(&dir.path().join("shout.wav"), SR as u32, &x);
    let a = analyze_json(&wav, &dir.path().join("shout"), &[]);
    let shot = shot_at_1s(&a);
    assert_eq!(shot.class, "gunshot", "{:?}", shot.reasons);
    assert_eq!(shot.features.sustain_db, None, "{:?}", shot.features);
    assert!(
        a.speech_heard
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s.start_s < 1.5 && s.end_s > 1.5)),
        "{:?}",
        a.speech_heard
    );
    // Captions that leave the shout out (a scream is seldom captioned): the audio is listened
    // to all the same.
    let srt = dir.path().join("shout.srt");
    std::fs::write(&srt, "1\n00:00:00,100 --> 00:00:00,600\nDrop it!\n").unwrap();
    let captioned = analyze_json(
        &wav,
        &dir.path().join("captioned"),
        &["--transcript", srt.to_str().unwrap()],
    );
    let shot = shot_at_1s(&captioned);
    assert_eq!(shot.class, "gunshot", "{:?}", shot.reasons);
    assert!(
        captioned.speech_heard.is_none(),
        "captions stand for the speech track"
    );
}

#[test]
fn a_shot_the_clip_starts_just_before_is_measured_against_what_follows_it() {
    // A clip trimmed to begin 3 ms before the shot has no background before it: the
    // detector's evidence takes it from after the shot's tail. The pre-onset window was empty
    // and its floor made the shot 120 dB over its 'background'.
    const SR: usize = 48_000;
    let x = shot_in_noise(SR);
    let dir = tempfile::tempdir().unwrap();
    let (_, whole) = shot_in_noise_analysed(dir.path(), SR);
    let lead = SR * 3 / 1000;
    let cut = analyze_json(
        &write_mono_wav(&dir.path().join("cut.wav"), SR as u32, &x[SR - lead..]),
        &dir.path().join("cut"),
        &[],
    );
    let w = shot_at_1s(&whole);
    let c = cut
        .events
        .iter()
        .find(|e| (e.onset_s - 0.003).abs() <= 0.002)
        .unwrap_or_else(|| panic!("the shot is not reported: {:#?}", cut.events));
    assert_eq!(c.class, "gunshot", "{c:#?}");
    let (we, ce) = (w.detection.unwrap(), c.detection.unwrap());
    for (name, a, b) in [
        ("peak over pre", we.peak_over_pre_db, ce.peak_over_pre_db),
        ("contrast", we.contrast_db, ce.contrast_db),
    ] {
        // The late window holds the shot's own reverberation (tau 250 ms): lower than against
        // the noise bed before it (49 and 41 dB, 34 and 29 cut), never the empty window's 120.
        assert!(b <= a && b > a - 20.0, "{name}: {a} whole, {b} cut");
    }
    assert!(!cut.warnings.iter().any(|w| w.contains("begins inside")));
    // Trimmed at the shot's first sample, nothing is left to time it by: a warning says so.
    let trimmed = analyze_json(
        &write_mono_wav(&dir.path().join("trimmed.wav"), SR as u32, &x[SR..]),
        &dir.path().join("trimmed"),
        &[],
    );
    assert!(
        trimmed.events.iter().all(|e| e.onset_s > 0.005),
        "{:#?}",
        trimmed.events
    );
    assert!(
        trimmed
            .warnings
            .iter()
            .any(|w| w.starts_with("the clip begins inside a loud sound")),
        "{:?}",
        trimmed.warnings
    );
}

#[test]
fn a_clip_that_holds_little_more_than_a_shot_is_measured_against_its_tail() {
    // The shot in noise cut to 3 ms before it and 0.15 or 0.22 s in all: no background before
    // it and none after its tail. Against an empty window it read 123 dB over its background
    // and the shot's own pulse passed for a DC offset; now its tail is the reference, and the
    // clip is too short to judge an offset.
    const SR: usize = 48_000;
    let x = shot_in_noise(SR);
    let dir = tempfile::tempdir().unwrap();
    let lead = SR * 3 / 1000;
    for ms in [150, 220] {
        let a = analyze_json(
            &write_mono_wav(
                &dir.path().join(format!("{ms}.wav")),
                SR as u32,
                &x[SR - lead..SR - lead + SR * ms / 1000],
            ),
            &dir.path().join(format!("{ms}")),
            &["--min-score", "0"],
        );
        assert!(
            !a.warnings.iter().any(|w| w.contains("DC offset")),
            "{:?}",
            a.warnings
        );
        let e = a
            .events
            .iter()
            .find(|e| (e.onset_s - 0.003).abs() <= 0.002)
            .unwrap_or_else(|| panic!("{ms} ms: no candidate at the shot: {:#?}", a.events));
        let d = e.detection.unwrap();
        assert!(
            d.peak_over_pre_db < 40.0 && d.contrast_db < 40.0 && e.features.ebr_db < 40.0,
            "{ms} ms: {e:#?}"
        );
    }
}

#[test]
fn a_shot_the_clip_ends_just_after_is_still_gunshot_like() {
    // Reposted videos are often cut at the shot. The shot in noise, the clip ending 60 ms
    // after its onset: there is no tail to measure, which must not read as a sound that dies
    // out (its tail was taken as -185 dB and the gunshot score fell to 0).
    const SR: usize = 48_000;
    let x = shot_in_noise(SR);
    let dir = tempfile::tempdir().unwrap();
    let whole = analyze_json(
        &write_mono_wav(&dir.path().join("whole.wav"), SR as u32, &x),
        &dir.path().join("whole"),
        &[],
    );
    let cut = analyze_json(
        &write_mono_wav(
            &dir.path().join("cut.wav"),
            SR as u32,
            &x[..SR + SR * 6 / 100],
        ),
        &dir.path().join("cut"),
        &[],
    );
    let shot = |a: &earwitness::model::Analysis| {
        a.events
            .iter()
            .find(|e| (e.onset_s - 1.0).abs() <= 0.002)
            .cloned()
            .unwrap_or_else(|| panic!("the shot is not reported: {:#?}", a.events))
    };
    let (w, c) = (shot(&whole), shot(&cut));
    assert_eq!(w.class, "gunshot", "{w:#?}");
    assert!(w.features.tail_db.is_some());
    assert_eq!(c.class, "gunshot", "{c:#?}");
    assert_eq!(c.features.tail_db, None);
    assert!(c.features.early_decay_db.is_some());
    assert!(
        !c.reasons.iter().any(|r| r.contains("dies out")),
        "{:?}",
        c.reasons
    );
}

/// Three knocks on a door: its modes (near 520 and 870 Hz, dying at 15 and 35 per second) set
/// ringing within a fraction of a millisecond, `gain` times a unit knock, every 0.7 s from
/// 1 s, over a low rumble (noise through a one-pole low-pass).
fn knocks_in_noise(sr: usize, gain: f32) -> Vec<f32> {
    let mut x = noise(4 * sr, 0.01, 5);
    let mut y = 0.0f32;
    for v in x.iter_mut() {
        y = 0.97 * y + *v;
        *v = 0.25 * y;
    }
    for k in 0..3 {
        let at = sr + k * sr * 7 / 10;
        for i in 0..sr / 2 {
            let t = i as f32 / sr as f32;
            let ring: f32 = [
                (520.0 + 13.0 * k as f32, 15.0),
                (870.0 - 21.0 * k as f32, 35.0),
            ]
            .iter()
            .map(|&(f, d)| (2.0 * std::f32::consts::PI * f * t).sin() * (-d * t).exp())
            .sum();
            x[at + i] += gain * ring * (1.0 - (-t / 0.0003).exp());
        }
    }
    x
}

#[test]
fn a_ringing_knock_is_kept_where_no_voice_is_heard() {
    // A knock rings periodic after its onset, as a voice does, and the detection score counts
    // that against it; where the speech detector hears no voice it is weighed as typical.
    const SR: usize = 16_000;
    let dir = tempfile::tempdir().unwrap();
    // Ringing, they read voiced 0.57-0.75 and score 0.08-0.22 (0.54-0.62 with the voicing
    // typical); the speech detector hears them at 0.4 at most as recorded. Played slower, the
    // first is heard as a voice (0.2 s at 0.5 and more), and stays unreported.
    let wav = write_mono_wav(
        &dir.path().join("knocks.wav"),
        SR as u32,
        &knocks_in_noise(SR, 0.02),
    );
    let at = |a: &earwitness::model::Analysis, t: f64| {
        a.events
            .iter()
            .find(|e| (e.onset_s - t).abs() < 0.005)
            .cloned()
    };
    // The clip peaks at -27 dBFS; heard as recorded (`speech.quiet_peak_dbfs` none), as the
    // figures above were measured. Raised to the quiet level (-20 dBFS when this was
    // measured, -10 now), the detector hears all three knocks' ringing as a voice, and none
    // is reported.
    let a = analyze_json_with(
        &wav,
        &dir.path().join("on"),
        r#"{"speech": {"quiet_peak_dbfs": null}}"#,
    );
    let mut p = earwitness::pipeline::AnalyzeParams::default();
    p.detect.score.unheard_voicing = None;
    p.speech.quiet_peak_dbfs = None;
    let off = earwitness::pipeline::analyze(&wav, &p).unwrap();
    assert!(at(&a, 1.0).is_none(), "{:#?}", a.events);
    for t in [1.7, 2.4] {
        let e = at(&a, t).unwrap_or_else(|| panic!("no knock at {t}: {:#?}", a.events));
        assert!(
            e.reasons[0].contains("no voice is heard"),
            "{:?}",
            e.reasons
        );
        assert!(at(&off, t).is_none(), "{:#?}", off.events);
    }
}

#[test]
fn a_trimmed_shots_echo_is_named_as_part_of_it_not_reported() {
    // A clip trimmed at a shot's first sample, two more rounds of the same weapon after it at
    // half and a quarter of its level. The first is not reported (nothing before it to time it
    // by, see above), and neither is what is part of it.
    const SR: usize = 48_000;
    let mut x = noise(3 * SR, 0.003, 4);
    let shot = demo_shot(SR);
    for (at, gain) in [(0usize, 0.5f32), (SR * 6 / 10, 0.25), (SR * 12 / 10, 0.125)] {
        for (d, v) in x[at..].iter_mut().zip(&shot) {
            *d += gain * v;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(
        &write_mono_wav(&dir.path().join("rounds.wav"), SR as u32, &x),
        &dir.path().join("rounds"),
        &[],
    );
    // The opening shot's wall echo (30 ms) was reported as an event "with no more energy than
    // its background", found as a copy of the second round.
    assert!(a.events.iter().all(|e| e.onset_s > 0.05), "{:#?}", a.events);
    let w = a
        .warnings
        .iter()
        .find(|w| w.starts_with("the clip begins inside a loud sound"))
        .unwrap_or_else(|| panic!("{:?}", a.warnings));
    assert!(
        w.contains("The onset found at 0.030 s is taken as a part of it"),
        "{w}"
    );
    // The later rounds are reported.
    for t in [0.6, 1.2] {
        assert!(
            a.events.iter().any(|e| (e.onset_s - t).abs() < 0.002),
            "{t}: {:#?}",
            a.events
        );
    }
}

#[test]
fn a_knock_repeated_under_a_voice_is_not_taken_for_a_word() {
    // Four knocks of one door, 0.42 s apart, the third under the voice of "Get up!". Heard
    // inside speech with a voice-coloured spectrum (flatness 0.14), it passed for a word's onset
    // and was set aside; it is the other knocks' waveform again, which no word is.
    const SR: usize = 16_000;
    // "Get up!" (its voice at 0.90-1.15 s over the recording's own hiss), with four knocks.
    let mut x = get_up_at(-12.0);
    let click = noise(SR / 20, 1.0, 3);
    let knock: Vec<f32> = (0..SR / 20)
        .map(|i| {
            let t = i as f32 / SR as f32;
            let ring =
                |hz: f32, tau: f32| (-t / tau).exp() * (std::f32::consts::TAU * hz * t).sin();
            0.25 * ring(190.0, 0.012)
                + 0.12 * ring(520.0, 0.006)
                + 0.05 * (-t / 0.0015).exp() * click[i]
        })
        .collect();
    let at = |s: f64| (s * SR as f64) as usize;
    for k in 0..4 {
        for (d, v) in x[at(0.26 + 0.42 * k as f64)..].iter_mut().zip(&knock) {
            *d += v;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_json(
        &write_mono_wav(&dir.path().join("knocks.wav"), SR as u32, &x),
        &dir.path().join("knocks"),
        &[],
    );
    // The knock under the voice (at 1.1 s) is reported, and says which it repeats.
    let kept_as_copy_of = |a: &earwitness::model::Analysis, of: &str| {
        let k = a
            .events
            .iter()
            .find(|e| (e.onset_s - 1.1).abs() < 0.002)
            .unwrap_or_else(|| panic!("{:#?}\n{:#?}", a.events, a.set_aside));
        let why = format!("repeats the waveform of the reported sound at {of} s");
        assert!(
            k.reasons.iter().any(|r| r.starts_with(&why)),
            "{:?}",
            k.reasons
        );
    };
    kept_as_copy_of(&a, "0.680");
    // The word's own onset is set aside.
    assert_eq!(a.events.len(), 4, "{:#?}", a.events);
    assert!(
        a.set_aside.iter().all(|s| (s.onset_s - 1.1).abs() > 0.05),
        "{:#?}",
        a.set_aside
    );
    assert!(
        a.set_aside.iter().any(|s| (s.onset_s - 1.014).abs() < 0.01),
        "{:#?}",
        a.set_aside
    );
    // Two knocks 0.64 s apart, further than the burst gap the copy search keeps to: the one
    // under the voice is still found to repeat the other (`word_check_reach_s`), and is set
    // aside when that check is off.
    let mut y = get_up_at(-12.0);
    for t in [0.46, 1.1] {
        for (d, v) in y[at(t)..].iter_mut().zip(&knock) {
            *d += v;
        }
    }
    let wav = write_mono_wav(&dir.path().join("two.wav"), SR as u32, &y);
    let two = analyze_json(&wav, &dir.path().join("two"), &[]);
    kept_as_copy_of(&two, "0.460");
    let off = analyze_json_with(
        &wav,
        &dir.path().join("two-off"),
        r#"{"burst": {"repeat": {"word_check_reach_s": 0.0}}}"#,
    );
    assert!(
        off.set_aside
            .iter()
            .any(|s| (s.onset_s - 1.1).abs() < 0.002),
        "{:#?}\n{:#?}",
        off.events,
        off.set_aside
    );
}
