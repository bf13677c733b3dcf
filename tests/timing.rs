//! The sample-exact timeline: one impulse train, encoded by ffmpeg into every common
//! codec and container, decodes with every impulse within 1 ms of the WAV original.
//!
//! Fixtures come from `scripts/make-timing-fixtures.sh`; impulse onsets are at known samples.

use std::path::Path;

use earwitness::decode::{self, Backend, DecodeParams};
use earwitness::pipeline::AnalyzeParams;

/// Impulse onsets written by the fixture script, in samples at 48 kHz.
const ONSETS: [u64; 5] = [12_000, 28_800, 48_000, 65_760, 86_400];
const TOLERANCE_S: f64 = 0.001;

/// Largest lag searched, in seconds: wide enough to catch untrimmed priming (20-50 ms).
const MAX_LAG_S: f64 = 0.06;

fn decode_mono(path: &Path, backend: Backend) -> (Vec<f32>, f64) {
    let params = DecodeParams {
        backend,
        ..DecodeParams::default()
    };
    let d = decode::decode(path, &params).unwrap_or_else(|e| panic!("{e}"));
    (d.signal.mixdown(), f64::from(d.signal.sample_rate))
}

/// Lag (in samples) of `x` against `reference` around `at`, by brute-force cross-correlation
/// of a 25 ms window starting 4 ms before the impulse. Cross-correlation measures where the
/// timeline puts the impulse, not where a lossy codec's pre-echo first crosses a threshold.
fn lag_samples(reference: &[f32], x: &[f32], at: usize, max_lag: usize) -> i64 {
    let lo = at - 192;
    let w = &reference[lo..lo + 1200];
    let mut best = (f64::MIN, 0i64);
    for lag in -(max_lag as i64)..=max_lag as i64 {
        let start = lo as i64 + lag;
        if start < 0 || start as usize + w.len() > x.len() {
            continue;
        }
        let seg = &x[start as usize..start as usize + w.len()];
        let s: f64 = w
            .iter()
            .zip(seg)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        if s > best.0 {
            best = (s, lag);
        }
    }
    best.1
}

fn fixture(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/timing")
        .join(file)
}

fn check(file: &str, backend: Backend) {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let (x, sr) = decode_mono(&fixture(file), backend);
    assert_eq!(sr, 48_000.0, "{file}: fixtures are 48 kHz");
    let max_lag = (MAX_LAG_S * sr) as usize;
    for o in ONSETS {
        let lag = lag_samples(&reference, &x, o as usize, max_lag);
        let err_s = lag as f64 / sr;
        assert!(
            err_s.abs() <= TOLERANCE_S,
            "{file} ({backend:?}): impulse at {:.4} s is {lag:+} samples ({:+.2} ms) off",
            o as f64 / sr,
            err_s * 1e3
        );
    }
}

#[test]
fn a_late_timeline_is_detected() {
    // The check must fail for audio 21 ms late (untrimmed AAC priming at 48 kHz).
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let mut late = vec![0.0f32; 1024];
    late.extend_from_slice(&reference);
    assert_eq!(
        lag_samples(&reference, &late, ONSETS[2] as usize, 2880),
        1024
    );
}

macro_rules! timing_tests {
    ($backend:expr, $($name:ident: $file:expr,)*) => {
        $(#[test] fn $name() { check($file, $backend); })*
    };
}

timing_tests! { Backend::Symphonia,
    wav: "impulses.wav",
    flac: "impulses.flac",
    mp3: "impulses.mp3",
    m4a_aac: "impulses.m4a",
    ogg_vorbis: "impulses.ogg",
    ogg_opus: "impulses.opus",
    ogg_opus_voice_note: "impulses_voip.opus",
    mp4_h264_aac: "impulses.mp4",
    webm_vp9_opus: "impulses.webm",
    webm_opus_from_16_khz: "impulses_16k.webm",
    aiff: "impulses.aiff",
    caf_alac: "impulses.caf",
    m4a_alac: "impulses_alac.m4a",
    mkv_vorbis: "impulses_vorbis.mkv",
    mp4_mp3: "impulses_mp3.mp4",
    m4a_he_aac: "impulses_he.m4a",
    m4a_he_aac_explicit: "impulses_he_explicit.m4a",
    m4a_he_aac_v2: "impulses_he2.m4a",
    m4a_aac_5_1: "impulses_51.m4a",
    m4a_aac_main: "impulses_main.m4a",
    avi_mjpeg_pcm: "impulses_pcm.avi",
    avi_mjpeg_ima_adpcm: "impulses_adpcm.avi",
    mov_ima4: "impulses_ima4.mov",
}

/// AMR (8 kHz AMR-NB, 16 kHz AMR-WB) decoded in pure Rust, its codec's delay (40 and 95
/// samples, 5 and 5.9 ms: more than the tolerance) taken off: the decoded audio, brought to
/// 48 kHz by linear interpolation (enough to place an impulse within the 1 ms tolerance), has
/// every impulse where the WAV has it.
fn check_resampled(file: &str, rate: f64, backend: Backend) {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let (x, sr) = decode_mono(&fixture(file), backend);
    assert_eq!(sr, rate, "{file}");
    let up = upsampled(&x, 48_000.0 / sr);
    let max_lag = (MAX_LAG_S * 48_000.0) as usize;
    for o in ONSETS {
        let lag = lag_samples(&reference, &up, o as usize, max_lag);
        assert!(
            lag.abs() as f64 / 48_000.0 <= TOLERANCE_S,
            "{file} ({backend:?}): impulse at {:.4} s is {lag:+} samples at 48 kHz off",
            o as f64 / 48_000.0
        );
    }
}

/// `x` at `k` times its rate, by linear interpolation.
fn upsampled(x: &[f32], k: f64) -> Vec<f32> {
    (0..(x.len() as f64 * k) as usize)
        .map(|i| {
            let t = i as f64 / k;
            let j = t.floor() as usize;
            let f = (t - j as f64) as f32;
            let a = x[j];
            a + (x.get(j + 1).copied().unwrap_or(a) - a) * f
        })
        .collect()
}

/// G.711 A-law in a QuickTime MOV (8 kHz), its sample entry given its codec by `mp4amend.rs`,
/// 24-bit big-endian PCM (16 kHz), its byte order put right there (symphonia's reader took it
/// for little-endian: full-scale noise, and this test failed), and µ-law in CAF (8 kHz, which
/// symphonia's decoder refused for the 8 bits a sample its CAF reader states), with both
/// backends.
#[test]
fn g711_and_big_endian_pcm_in_mov_and_caf() {
    for (file, rate) in [
        ("impulses_alaw.mov", 8_000.0),
        ("impulses_s24be.mov", 16_000.0),
        ("impulses_ulaw.caf", 8_000.0),
    ] {
        check_resampled(file, rate, Backend::Symphonia);
        #[cfg(feature = "ffmpeg")]
        check_resampled(file, rate, Backend::Ffmpeg);
    }
    let (x, _) = decode_mono(&fixture("impulses_s24be.mov"), Backend::Symphonia);
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(
        peak < 0.81,
        "peak {peak}: the bytes read in the wrong order"
    );
}

/// Opus in CAF, whose container states no Opus header: one is made from its description,
/// and its packet table's priming is dropped. ffmpeg's file states none (0): the encoder's
/// 312 samples stay, as in ffmpeg, and are warned of; the same file with the packet table
/// saying 312 has every impulse in place (the test fails if that priming is not dropped).
#[test]
fn opus_in_caf_is_read_with_its_packet_tables_priming() {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let d = decoded_warning("impulses_opus.caf", &["no Opus header", "312 samples"]);
    let x = d.signal.mixdown();
    for o in ONSETS {
        let lag = lag_samples(&reference, &x, o as usize, 2880);
        assert!((lag - 312).abs() <= 48, "impulse at {o}: {lag}");
    }
    let mut b = std::fs::read(fixture("impulses_opus.caf")).unwrap();
    let pakt = nth(&b, b"pakt", 1) + 12;
    // Valid frames, priming 312, remainder: as an encoder that states its priming writes them.
    b[pakt + 8..pakt + 16].copy_from_slice(&96_000i64.to_be_bytes());
    b[pakt + 16..pakt + 20].copy_from_slice(&312i32.to_be_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("primed.caf");
    std::fs::write(&path, &b).unwrap();
    let (x, _) = decode_mono(&path, Backend::Symphonia);
    for o in ONSETS {
        let lag = lag_samples(&reference, &x, o as usize, 2880);
        assert!(lag.abs() <= 48, "impulse at {o}: {lag}");
    }
}

#[test]
fn amr_nb_with_dtx_in_an_amr_file_and_a_3gp_video() {
    check_resampled("impulses_nb.amr", 8_000.0, Backend::Auto);
    check_resampled("impulses_amr.3gp", 8_000.0, Backend::Auto);
}

#[test]
fn amr_wb_in_an_awb_file_and_a_3gp() {
    check_resampled("impulses_wb.awb", 16_000.0, Backend::Auto);
    check_resampled("impulses_wb.3gp", 16_000.0, Backend::Auto);
}

/// An AMR-WB file with 150 bytes overwritten (two and a half records) and one cut short: the
/// damaged records are passed over and their frames put back as silence, so the file decodes
/// to its whole length with the impulses after the damage in place (without the silence,
/// 60 ms early); the cut one is read to the cut, and both say so.
#[test]
fn a_damaged_or_cut_amr_file_keeps_its_times() {
    let (whole, sr) = decode_mono(&fixture("impulses_wb.awb"), Backend::Auto);
    let (dir, damaged) = overwritten_copy_n("impulses_wb.awb", 150);
    let d = decoded_warning_at(
        &damaged,
        &["damaged AMR-WB records", "so that the times after"],
    );
    let x = d.signal.mixdown();
    assert_eq!(x.len(), whole.len());
    for o in [65_760u64, 86_400] {
        let at = (o as f64 / 48_000.0 * sr) as usize;
        let lag = lag_samples(&whole, &x, at, 2_000);
        assert_eq!(lag, 0, "impulse at {at} after the damage");
    }
    drop(dir);
    let (_dir, cut) = cut_copy("impulses_wb.awb", |n| n * 3 / 4 + 7);
    let d = decoded_warning_at(&cut, &["ends inside an AMR-WB record", "truncated"]);
    let n = d.signal.mixdown().len();
    assert!(n > whole.len() * 7 / 10 && n < whole.len() * 8 / 10, "{n}");
}

/// Audio the container presents 0.5 s into the file (`scripts/make-timing-fixtures.sh`'s
/// remuxes; 3 s in a WebM whose video has 90 blocks before the first audio block) is decoded
/// from its first sample, as ffmpeg decodes it, and `start_s` says where that sample plays:
/// each impulse then lands that long after its place in the WAV original, within 1 ms. The MP4's remux lost its priming skip (its edit list presents the AAC priming, 1024
/// frames, from 0.478 s), so the decoded impulses are 21 ms late and `start_s` is 21 ms early;
/// the WebM's first block is stamped at the Opus codec delay rounded to the millisecond.
#[test]
fn audio_a_container_presents_late_says_where_it_plays() {
    presented_late_plays_where_it_says(
        Backend::Auto,
        &[
            ("impulses_late.mp4", 0.5),
            ("impulses_late.webm", 0.5),
            ("impulses_late3.webm", 3.0),
            ("impulses_late.ts", 0.5),
        ],
    );
}

/// Each of `files` (the remuxes with the audio `late` s in) decoded with `backend`: `start_s`
/// puts every impulse that long after its place in the WAV original, within 1 ms; the files whose audio
/// starts with them say 0.
fn presented_late_plays_where_it_says(backend: Backend, files: &[(&str, f64)]) {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let params = DecodeParams {
        backend,
        ..DecodeParams::default()
    };
    for &(file, late) in files {
        let d = decode::decode(&fixture(file), &params).unwrap_or_else(|e| panic!("{e}"));
        let start = d.info.start_s;
        assert!(
            (late - 0.03..late + 0.01).contains(&start),
            "{file} ({backend:?}): start_s {start}"
        );
        let x = d.signal.mixdown();
        let sr = f64::from(d.signal.sample_rate);
        for o in ONSETS {
            let lag = lag_samples(&reference, &x, o as usize, (MAX_LAG_S * sr) as usize);
            let err_s = start + lag as f64 / sr - late;
            assert!(
                err_s.abs() <= TOLERANCE_S,
                "{file} ({backend:?}): impulse at {:.4} s plays {:+.2} ms off {late} s later",
                o as f64 / sr,
                err_s * 1e3
            );
        }
    }
    // Files whose audio starts with them say 0.
    for file in [
        "impulses.mp4",
        "impulses.webm",
        "impulses_vorbis.mkv",
        "impulses.wav",
        "impulses.mp3",
        "impulses.opus",
        "impulses.ogg",
    ] {
        let d = decode::decode(&fixture(file), &params).unwrap();
        assert_eq!(d.info.start_s, 0.0, "{file} ({backend:?})");
    }
}

/// `file` decoded with the default parameters, asserting that one of its warnings holds every
/// one of `words`.
fn decoded_warning(file: &str, words: &[&str]) -> decode::Decoded {
    decoded_warning_at(&fixture(file), words)
}

/// As [`decoded_warning`], the file at `path`.
fn decoded_warning_at(path: &Path, words: &[&str]) -> decode::Decoded {
    let d = decode::decode(path, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        d.warnings
            .iter()
            .any(|w| words.iter().all(|word| w.contains(word))),
        "{}: {:?}",
        path.display(),
        d.warnings
    );
    d
}

/// An M4A cut without re-encoding (`scripts/make-timing-fixtures.sh`: its edit list presents
/// the recording's 0-1.0 s, then 1.5-2.0 s) is decoded as a player presents it, the pieces
/// joined to the sample, and says so: the impulses at 0.25 and 0.6 s stay, the one at 1.8 s
/// plays at 1.3 s, and the one at 1.37 s, cut out, is gone.
#[test]
fn an_edit_list_that_cuts_the_audio_is_followed_to_the_sample() {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let d = decoded_warning("impulses_cut.m4a", &["presents 2 pieces", "1.500-2.000 s"]);
    let x = d.signal.mixdown();
    let sr = f64::from(d.signal.sample_rate);
    assert!(
        (x.len() as f64 / sr - 1.5).abs() < 0.03,
        "{} s",
        x.len() as f64 / sr
    );
    let max_lag = (MAX_LAG_S * sr) as usize;
    for o in &ONSETS[..2] {
        assert_eq!(lag_samples(&reference, &x, *o as usize, max_lag), 0, "{o}");
    }
    // The recording's 1.5 s is the presentation's 1.0 s: 24,000 samples earlier.
    let mut later = vec![0.0f32; 24_000];
    later.extend_from_slice(&x);
    assert_eq!(lag_samples(&reference, &later, 86_400, max_lag), 0);
    let around = |at: f64| {
        let i = (at * sr) as usize;
        x[i - 480..i + 480]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()))
    };
    assert!(
        around(1.3) > 0.3 && around(1.37) < 0.01,
        "1.37 s was cut out"
    );
}

/// A chained Ogg stream (`scripts/make-timing-fixtures.sh`: the Opus and the Vorbis file each
/// joined to itself) is decoded through its second link, whose impulses follow the first
/// link's end to within 1 ms, and says it is made of joined recordings.
#[test]
fn a_chained_ogg_stream_is_decoded_through_every_link() {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    for (single, chained) in [
        ("impulses.opus", "impulses_chained.opus"),
        ("impulses.ogg", "impulses_chained.ogg"),
    ] {
        let (one, _) = decode_mono(&fixture(single), Backend::Symphonia);
        let d = decoded_warning(chained, &["chained stream", "decoded on"]);
        let x = d.signal.mixdown();
        assert_eq!(x.len(), 2 * one.len(), "{chained}");
        // `probe` counts both links too (the headers describe the first only).
        let p = earwitness::probe::probe(&fixture(chained), &DecodeParams::default()).unwrap();
        let (s, sr) = (&p.streams[0], f64::from(d.signal.sample_rate));
        assert_eq!(s.tags.get("chained_links").map(String::as_str), Some("2"));
        let dur = s.duration_s.unwrap();
        assert!(
            (dur - x.len() as f64 / sr).abs() < 0.02,
            "{chained}: {dur} s"
        );
        let second = &x[one.len()..];
        for o in ONSETS {
            let lag = lag_samples(&reference, second, o as usize, (MAX_LAG_S * sr) as usize);
            assert!(
                (lag as f64 / sr).abs() <= TOLERANCE_S,
                "{chained}: the second link's impulse at {o} is {lag:+} samples off"
            );
        }
    }
}

/// An Opus stream coded by its speech coder (a voice note) carries a warning that gunshot-like
/// calls are less sure; one coded for music does not.
fn speech_coded(file: &str, backend: Backend) -> bool {
    let params = DecodeParams {
        backend,
        ..DecodeParams::default()
    };
    let d = decode::decode(&fixture(file), &params).unwrap_or_else(|e| panic!("{e}"));
    d.warnings
        .iter()
        .any(|w| w.contains("coded by its speech coder"))
}

#[test]
fn a_voice_note_is_named_as_speech_coded() {
    assert!(speech_coded("impulses_voip.opus", Backend::Symphonia));
    assert!(!speech_coded("impulses.opus", Backend::Symphonia));
    assert!(!speech_coded("impulses.webm", Backend::Symphonia));
    #[cfg(feature = "ffmpeg")]
    {
        assert!(speech_coded("impulses_voip.opus", Backend::Ffmpeg));
        assert!(!speech_coded("impulses.opus", Backend::Ffmpeg));
    }
}

#[cfg(feature = "ffmpeg")]
mod ffmpeg_backend {
    use super::*;

    /// Hikvision's A-law program stream through libavformat, which reads it by its `IMKH`
    /// header: sample for sample the pure-Rust reading.
    #[test]
    fn g711_in_a_hikvision_file_reads_as_libavformat_reads_it() {
        let path = fixture("impulses_g711a.mp4");
        let (ours, _) = decode_mono(&path, Backend::Symphonia);
        let (theirs, sr) = decode_mono(&path, Backend::Ffmpeg);
        assert_eq!(sr, 8_000.0);
        assert_eq!(ours.len(), theirs.len());
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "{worst}");
    }

    /// Dahua's DAV files through libavformat's demuxer, the one this reader follows: sample
    /// for sample the pure-Rust reading, read end to end (libavformat's stamps jump 0.68 s
    /// at the fixture's first whole second: followed, they put that much silence in), and
    /// said.
    #[test]
    fn dahua_dav_reads_as_libavformat_reads_it() {
        let params = DecodeParams {
            backend: Backend::Ffmpeg,
            ..DecodeParams::default()
        };
        let d = decode::decode(&fixture("impulses_g711a.dav"), &params).unwrap();
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("recorder's whole second")),
            "{:?}",
            d.warnings
        );
        for (file, rate) in [
            ("impulses_g711a.dav", 8_000.0),
            ("impulses_pcm16k.dav", 16_000.0),
        ] {
            let path = fixture(file);
            let (ours, _) = decode_mono(&path, Backend::Symphonia);
            let (theirs, sr) = decode_mono(&path, Backend::Ffmpeg);
            assert_eq!(sr, rate);
            assert_eq!(ours.len(), theirs.len(), "{file}");
            assert!(ours == theirs, "{file}");
        }
    }

    /// libavcodec's AMR decoders (`--backend ffmpeg`), the codec's delay dropped as the other
    /// backend drops it: in place where the stream has no comfort noise (the AMR-WB fixture);
    /// the AMR-NB one, coded with discontinuous transmission, is warned of.
    #[test]
    fn amr_through_libavcodec_drops_the_codec_delay_and_names_its_comfort_noise() {
        check_resampled("impulses_wb.awb", 16_000.0, Backend::Ffmpeg);
        check_resampled("impulses_wb.3gp", 16_000.0, Backend::Ffmpeg);
        let params = DecodeParams {
            backend: Backend::Ffmpeg,
            ..DecodeParams::default()
        };
        let d = decode::decode(&fixture("impulses_nb.amr"), &params).unwrap();
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("do not decode comfort noise")),
            "{:?}",
            d.warnings
        );
    }

    /// The ffmpeg backend measures `start_s` too (from the first decoded frame), and reads
    /// the MPEG-TS remux, whose timeline starts at 1.48 s (its video's first frame).
    #[test]
    fn audio_a_container_presents_late_says_where_it_plays() {
        presented_late_plays_where_it_says(
            Backend::Ffmpeg,
            &[
                ("impulses_late.mp4", 0.5),
                ("impulses_late.webm", 0.5),
                ("impulses_late3.webm", 3.0),
                ("impulses_late.ts", 0.5),
            ],
        );
        // The priming both backends remove, counted alike where the container marks it.
        for file in ["impulses.m4a", "impulses.mp3", "impulses.opus"] {
            let frames = |backend| {
                let params = DecodeParams {
                    backend,
                    ..DecodeParams::default()
                };
                decode::decode(&fixture(file), &params)
                    .unwrap()
                    .info
                    .priming_frames
            };
            assert_eq!(
                frames(Backend::Ffmpeg),
                frames(Backend::Symphonia),
                "{file}"
            );
        }
        // Auto reads the MPEG-TS file with earwitness's own reader (`mpegts.rs`), not with
        // symphonia's probe, which took its ADTS headers for a raw AAC file.
        let d = decode::decode(&fixture("impulses_late.ts"), &DecodeParams::default()).unwrap();
        assert_eq!(d.info.backend, "symphonia");
    }

    /// HE-AAC through libavcodec: read at the rate and in the channels its frames have (the
    /// v2 file's parameters state one channel, its frames carry two: "channel count changed
    /// mid-stream" before, and nothing decoded), and where its MP4 edit list skips the
    /// encoder's delay, which libavcodec does not skip exactly (the audio 39 ms early or 18 ms
    /// late; the default backend places it to the sample, `m4a_he_aac*` above), warned of.
    #[test]
    fn he_aac_is_read_whole_and_its_inexact_skip_warned_of() {
        let params = DecodeParams {
            backend: Backend::Ffmpeg,
            ..DecodeParams::default()
        };
        for file in ["impulses_he.m4a", "impulses_he2.m4a"] {
            let d = decode::decode(&fixture(file), &params).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((d.info.sample_rate, d.info.channels), (48_000, 2), "{file}");
            assert!(
                d.warnings
                    .iter()
                    .any(|w| w.contains("encoder delay of HE-AAC")),
                "{file}: {:?}",
                d.warnings
            );
        }
        // LC is skipped exactly, and not warned of.
        let d = decode::decode(&fixture("impulses.m4a"), &params).unwrap();
        assert!(!d.warnings.iter().any(|w| w.contains("HE-AAC")));
    }

    timing_tests! { Backend::Ffmpeg,
        wav: "impulses.wav",
        flac: "impulses.flac",
        mp3: "impulses.mp3",
        m4a_aac: "impulses.m4a",
        ogg_vorbis: "impulses.ogg",
        ogg_opus: "impulses.opus",
        ogg_opus_voice_note: "impulses_voip.opus",
        mp4_h264_aac: "impulses.mp4",
        webm_vp9_opus: "impulses.webm",
        webm_opus_from_16_khz: "impulses_16k.webm",
        aiff: "impulses.aiff",
        caf_alac: "impulses.caf",
        m4a_alac: "impulses_alac.m4a",
        mkv_vorbis: "impulses_vorbis.mkv",
        mp4_mp3: "impulses_mp3.mp4",
        m4a_aac_5_1: "impulses_51.m4a",
        m4a_aac_main: "impulses_main.m4a",
        avi_mjpeg_pcm: "impulses_pcm.avi",
        avi_mjpeg_ima_adpcm: "impulses_adpcm.avi",
        mov_ima4: "impulses_ima4.mov",
    }
}

/// A WAV whose header was never finished (the `data` length left at 0, as a recorder that lost
/// power leaves it, or at 0xFFFFFFFF, as a program writing to a pipe does) is read to the end
/// of the file, sample for sample the finished file's audio, with a warning saying so. With
/// length 0, symphonia read no audio at all ("no audio could be decoded").
#[test]
fn a_wav_whose_header_was_never_finished_is_read_to_its_end() {
    let wav = std::fs::read(fixture("impulses.wav")).unwrap();
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let at = wav.windows(4).position(|w| w == b"data").unwrap() + 4;
    let dir = tempfile::tempdir().unwrap();
    for declared in [0u32, u32::MAX] {
        let mut w = wav.clone();
        w[4..8].copy_from_slice(&declared.to_le_bytes());
        w[at..at + 4].copy_from_slice(&declared.to_le_bytes());
        let path = dir.path().join(format!("unfinished-{declared:x}.wav"));
        std::fs::write(&path, &w).unwrap();
        let d = decode::decode(&path, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            d.warnings.iter().any(|w| w.contains("never finished")),
            "{declared:x}: {:?}",
            d.warnings
        );
        assert!(
            d.signal.mixdown() == reference,
            "{declared:x}: audio differs"
        );
    }
}

/// An RF64 or BW64 file (a WAV whose lengths are 64-bit, in a `ds64` chunk, as field and
/// broadcast recorders write it) is read sample for sample as the WAV it holds; one cut short
/// is read to the cut with a warning. symphonia and hound refused both ("file ends before its
/// header is complete").
#[test]
fn an_rf64_wav_is_read_as_the_wav_it_holds() {
    let wav = std::fs::read(fixture("impulses.wav")).unwrap();
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let at = wav.windows(4).position(|w| w == b"data").unwrap();
    let data_len = u64::from(u32::from_le_bytes(wav[at + 4..at + 8].try_into().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    for (id, cut) in [(b"RF64", 0usize), (b"BW64", 0), (b"RF64", 1000)] {
        let mut ds64 = b"ds64".to_vec();
        ds64.extend(28u32.to_le_bytes());
        ds64.extend((wav.len() as u64 + 28).to_le_bytes());
        ds64.extend(data_len.to_le_bytes());
        ds64.extend((data_len / 2).to_le_bytes());
        ds64.extend(0u32.to_le_bytes());
        let mut f = id.to_vec();
        f.extend(u32::MAX.to_le_bytes());
        f.extend(b"WAVE");
        f.extend(&ds64);
        f.extend(&wav[12..at + 4]);
        f.extend(u32::MAX.to_le_bytes());
        f.extend(&wav[at + 8..wav.len() - cut]);
        let path = dir
            .path()
            .join(format!("{}-{cut}.wav", String::from_utf8_lossy(id)));
        std::fs::write(&path, &f).unwrap();
        let d = decode::decode(&path, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
        let x = d.signal.mixdown();
        if cut == 0 {
            assert!(d.warnings.is_empty(), "{:?}", d.warnings);
            assert!(x == reference, "{}: audio differs", path.display());
        } else {
            assert!(
                d.warnings.iter().any(|w| w.contains("truncated")),
                "{:?}",
                d.warnings
            );
            assert_eq!(x.len(), reference.len() - cut / 2);
            assert!(
                x[..] == reference[..x.len()],
                "the cut copy's audio differs"
            );
        }
    }
}

/// A fragmented MP4 (as ffmpeg writes one for streaming, and as many downloads are) has no
/// edit list: its AAC priming is decoded as audio, as ffmpeg decodes it, so every impulse is
/// 1024 frames (21.3 ms) late against the original, and a warning says times may be that late
/// (there was none). An MP3 without its LAME/Xing tag likewise: 1105 frames (23 ms).
#[test]
fn a_codec_delay_no_field_gives_is_named_in_a_warning() {
    for (file, words, late) in [
        (
            "impulses_frag.m4a",
            ["without an edit list", "1024 samples late"],
            1024,
        ),
        (
            "impulses_noxing.mp3",
            ["without a LAME/Xing tag", "1105 samples"],
            1105,
        ),
        // AVI marks no encoder delay either.
        (
            "impulses_aac.avi",
            ["AAC outside MP4", "1024 samples late"],
            1024,
        ),
        (
            "impulses_mp3.avi",
            ["without a LAME/Xing tag", "1105 samples"],
            1105,
        ),
    ] {
        let d = decoded_warning(file, &words);
        let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
        let x = d.signal.mixdown();
        for o in ONSETS {
            let lag = lag_samples(&reference, &x, o as usize, 2880);
            assert!(
                (lag - late).abs() <= 2,
                "{file}: impulse at sample {o}: lag {lag}"
            );
        }
    }
}

/// An MPEG-TS file (HLS segments, broadcast captures) is read by earwitness's own reader
/// (`mpegts.rs`): the same audio from its M2TS form (each packet behind a 4-byte time code, as
/// camcorders write it); and with one of its audio PES packets lost (a dropped HLS segment, a
/// reception dropout), the time stamps after the loss put the audio back in place: silence
/// stands in for what was lost, the decoded audio keeps its length and every impulse outside
/// the loss stays where it was (without the silence they came 0.363 s early).
#[test]
fn an_mpeg_ts_with_audio_lost_keeps_its_times_and_m2ts_reads_alike() {
    let ts = std::fs::read(fixture("impulses_late.ts")).unwrap();
    let whole = decode::decode(&fixture("impulses_late.ts"), &DecodeParams::default()).unwrap();
    assert_eq!(whole.info.backend, "symphonia");
    let x = whole.signal.mixdown();
    let dir = tempfile::tempdir().unwrap();

    let m2ts: Vec<u8> = ts
        .chunks(188)
        .flat_map(|p| [0u8; 4].into_iter().chain(p.iter().copied()))
        .collect();
    let path = dir.path().join("a.m2ts");
    std::fs::write(&path, &m2ts).unwrap();
    let d = decode::decode(&path, &DecodeParams::default()).unwrap();
    assert!(d.signal.mixdown() == x, "the M2TS form's audio differs");
    assert_eq!(d.info.start_s, whole.info.start_s);

    // The packets of the third audio PES packet (the audio is the PID whose packets open PES
    // packets of stream id 0xC0), cut out.
    let pid = |p: &[u8]| u16::from_be_bytes([p[1] & 0x1F, p[2]]);
    let payload = |p: &[u8]| {
        if p[3] & 0x20 != 0 {
            5 + usize::from(p[4])
        } else {
            4
        }
    };
    let audio = ts
        .chunks(188)
        .find(|p| p[1] & 0x40 != 0 && p[payload(p)..].starts_with(&[0, 0, 1, 0xC0]))
        .map(pid)
        .unwrap();
    let mut pes = 0;
    let mut cut = Vec::new();
    for p in ts.chunks(188) {
        if pid(p) == audio && p[1] & 0x40 != 0 {
            pes += 1;
        }
        if pid(p) != audio || pes != 3 {
            cut.extend_from_slice(p);
        }
    }
    let path = dir.path().join("cut.ts");
    std::fs::write(&path, &cut).unwrap();
    let d = decoded_warning_at(&path, &["run ahead of its frames in 1 place(s)", "silence"]);
    let y = d.signal.mixdown();
    assert_eq!(y.len(), x.len());
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let mut compared = 0;
    for o in ONSETS {
        let lag = lag_samples(&reference, &x, o as usize, 2880);
        let at = (o as i64 + lag) as usize;
        if y[at..at + 480].iter().all(|v| v.abs() < 1e-6) {
            continue; // in the silence put for what was lost
        }
        assert_eq!(
            lag_samples(&reference, &y, o as usize, 2880),
            lag,
            "impulse at {o}"
        );
        compared += 1;
    }
    assert!(compared >= 3, "{compared}");
}

/// An MPEG program stream (DVD video, MPEG-2 with MP2, as `-f vob` writes it) is read in pure
/// Rust, as the ffmpeg CLI reads it: every impulse 481 samples late of the WAV, the MP2
/// encoder's delay, which no field gives (warned of). Cut short, it is read to the cut, and
/// said to be truncated; a packet lost inside it is put back as silence.
#[test]
fn an_mpeg_program_stream_is_read_to_the_sample() {
    const MP2_DELAY: i64 = 481;
    let d = decoded_warning("impulses_mp2.vob", &["MP2", "encoder-delay"]);
    assert_eq!(d.info.backend, "symphonia");
    assert_eq!(d.info.codec, "mp2");
    assert_eq!(d.info.start_s, 0.0);
    let x = d.signal.mixdown();
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    for o in ONSETS {
        let lag = lag_samples(&reference, &x, o as usize, 2880);
        assert!((lag - MP2_DELAY).abs() <= 48, "impulse at {o}: {lag}");
    }
    let (_dir, cut) = cut_copy("impulses_mp2.vob", |n| n * 2 / 3 + 5);
    let d = decoded_warning_at(&cut, &["truncated", "PES packet"]);
    let y = d.signal.mixdown();
    assert!(y.len() < x.len() && y.len() > x.len() / 3, "{}", y.len());
    assert!(y == x[..y.len()], "the audio before the cut differs");

    // Its third audio PES packet (0.25 s of MP2, frames running across its edges) cut out:
    // the time stamps put that much silence in, so the file keeps its length and the impulses
    // after the next packet's first frame their places (without the silence, 0.25 s early).
    let (_dir, path) = without_audio_pes("impulses_mp2.vob", 3);
    let d = decoded_warning_at(&path, &["time stamps run ahead of its frames", "silence"]);
    let y = d.signal.mixdown();
    assert_eq!(y.len(), x.len());
    for o in &ONSETS[3..] {
        let lag = lag_samples(&reference, &y, *o as usize, 2880);
        assert!((lag - MP2_DELAY).abs() <= 48, "impulse at {o}: {lag}");
    }
}

/// G.711 in a program stream as CCTV recorders write it (`scripts/make-timing-fixtures.sh`):
/// A-law behind Hikvision's `IMKH` header (a `.mp4` that is no MP4), and µ-law without it, by
/// GB/T 28181's stream types; every impulse in place at 8 kHz. An audio packet lost (40 ms)
/// is put back as silence from the time stamps, so the impulses after it keep their places
/// (without it, 40 ms early: the test fails so).
#[test]
fn g711_in_a_cctv_program_stream_is_read_to_the_sample() {
    check_resampled("impulses_g711a.mp4", 8_000.0, Backend::Symphonia);
    check_resampled("impulses_g711u.mpg", 8_000.0, Backend::Symphonia);
    let d = decode::decode(&fixture("impulses_g711a.mp4"), &DecodeParams::default()).unwrap();
    assert_eq!(d.info.codec, "pcm_alaw");
    assert_eq!(d.info.start_s, 0.0);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let x = d.signal.mixdown();
    assert_eq!(x.len(), 16_000);

    // The audio packet holding the impulse at 0.6 s (the sixteenth, 0.60-0.64 s) cut out.
    let (_dir, path) = without_audio_pes("impulses_g711a.mp4", 16);
    let d = decoded_warning_at(&path, &["time stamps run ahead of its frames", "silence"]);
    let y = d.signal.mixdown();
    silence_in_place(&y, &x, 4_800..5_120);
}

/// Dahua's DAV files (`scripts/make-timing-fixtures.sh`: A-law at 8 kHz, the recorder's
/// millisecond counter turning over inside; 16-bit PCM at 16 kHz behind the `DAHUA` header):
/// every impulse in place, the recorder's clock given as tags. An audio frame lost (40 ms) is
/// put back as silence from the counter, so the audio after it keeps its place (without it,
/// 40 ms early: the test fails so); a file cut short is read to the cut and says so.
#[test]
fn dahua_dav_is_read_to_the_sample() {
    check_resampled("impulses_g711a.dav", 8_000.0, Backend::Symphonia);
    check_resampled("impulses_pcm16k.dav", 16_000.0, Backend::Symphonia);
    let path = fixture("impulses_g711a.dav");
    let d = decode::decode(&path, &DecodeParams::default()).unwrap();
    assert_eq!(d.info.codec, "pcm_alaw");
    assert_eq!(d.info.start_s, 0.0);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let x = d.signal.mixdown();
    assert_eq!(x.len(), 16_000);
    let p = earwitness::probe::probe(&path, &DecodeParams::default()).unwrap();
    assert_eq!(
        p.container
            .tags
            .get("recorder_clock_start")
            .map(String::as_str),
        Some("2024-05-17 14:03:58")
    );

    // The audio frame holding the impulse at 0.6 s (the sixteenth, 0.60-0.64 s) cut out.
    let mut b = std::fs::read(&path).unwrap();
    let at = nth(&b, b"DHAV\xF0", 16);
    let len = u32::from_le_bytes(b[at + 12..at + 16].try_into().unwrap()) as usize;
    b.drain(at..at + len);
    let dir = tempfile::tempdir().unwrap();
    let lost = dir.path().join("lost.dav");
    std::fs::write(&lost, &b).unwrap();
    let d = decoded_warning_at(&lost, &["time stamps run ahead of its frames", "silence"]);
    let y = d.signal.mixdown();
    silence_in_place(&y, &x, 4_800..5_120);

    // 600 bytes overwritten (two frames' headers among them): passed over, said, and the
    // audio lost there put back from the counter, so the file keeps its length.
    let (_dir, damaged) = overwritten_copy_n("impulses_g711a.dav", 600);
    let d = decoded_warning_at(&damaged, &["loses its sync", "DAV frames there are lost"]);
    assert_eq!(d.signal.mixdown().len(), x.len());

    let (_dir, cut) = cut_copy("impulses_g711a.dav", |n| n * 2 / 3 + 5);
    let d = decoded_warning_at(&cut, &["truncated", "DAV frame"]);
    let y = d.signal.mixdown();
    assert!(
        y.len() > x.len() * 6 / 10 && y.len() < x.len() * 7 / 10,
        "{}",
        y.len()
    );
    assert!(y == x[..y.len()], "the audio before the cut differs");
}

/// A copy of `impulses_pcm.avi` changed by `edit`, in a new folder (kept while the first value
/// lives).
fn edited_avi(edit: impl Fn(&mut Vec<u8>)) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut b = std::fs::read(fixture("impulses_pcm.avi")).unwrap();
    edit(&mut b);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.avi");
    std::fs::write(&path, &b).unwrap();
    (dir, path)
}

/// That `y` is `x` but for silence over `lost`, the same length.
fn silence_in_place(y: &[f32], x: &[f32], lost: std::ops::Range<usize>) {
    assert_eq!(y.len(), x.len());
    assert!(
        y[lost.clone()].iter().all(|&v| v.abs() < 1e-3),
        "silence in its place"
    );
    assert!(y[..lost.start] == x[..lost.start] && y[lost.end..] == x[lost.end..]);
}

/// A copy of the program stream `file` without its `n`th (from 1) PES packet of stream 0xC0,
/// in a new folder (kept while the first value lives).
fn without_audio_pes(file: &str, n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut b = std::fs::read(fixture(file)).unwrap();
    let at = nth(&b, &[0, 0, 1, 0xC0], n);
    let len = 6 + usize::from(u16::from_be_bytes([b[at + 4], b[at + 5]]));
    b.drain(at..at + len);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, &b).unwrap();
    (dir, path)
}

/// Where `needle` occurs in `b` for the `n`th time (from 1).
fn nth(b: &[u8], needle: &[u8], n: usize) -> usize {
    b.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .nth(n - 1)
        .unwrap()
        .0
}

/// The AVI a camera or recorder leaves: one that lost power (no lengths in its headers, no
/// index) is read whole, sample for sample as the intact file; one cut short is read to the
/// cut; one whose chunk headers are damaged is read past the damage, the audio its index lists
/// there put back as silence, so every impulse after it stays where the WAV has it (without
/// the silence they would come 2048 samples early); a stream header's `dwStart` places the
/// audio on the file's timeline, as ffmpeg places it (`start_s`). The first three are said in
/// a warning.
#[test]
fn an_avi_unfinished_cut_damaged_or_starting_late_keeps_its_times() {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let (_d1, unfinished) = edited_avi(|b| {
        b.truncate(nth(b, b"idx1", 1));
        b[4..8].fill(0);
        let movi = nth(b, b"movi", 1);
        b[movi - 4..movi].fill(0);
    });
    let d = decoded_warning_at(&unfinished, &["never finished", "no index"]);
    assert!(
        d.signal.mixdown() == reference,
        "the unfinished AVI's audio differs"
    );

    let (_d2, cut) = edited_avi(|b| b.truncate(b.len() * 3 / 5));
    let d = decoded_warning_at(&cut, &["truncated", "read to the cut"]);
    let x = d.signal.mixdown();
    assert!(x.len() > reference.len() / 2 && x.len() < reference.len());
    assert!(x[..] == reference[..x.len()], "the cut AVI's audio differs");

    let (_d3, damaged) = edited_avi(|b| {
        let at = nth(b, b"01wb", 8);
        b[at - 50..at + 100].fill(0xEE);
    });
    let d = decoded_warning_at(&damaged, &["damaged in 1 place(s)", "put back as silence"]);
    let x = d.signal.mixdown();
    assert_eq!(x.len(), reference.len());
    for o in ONSETS {
        assert_eq!(
            lag_samples(&reference, &x, o as usize, 2880),
            0,
            "impulse at {o}"
        );
    }

    let (_d4, late) = edited_avi(|b| {
        let strh = nth(b, b"strh", 2) + 8;
        assert_eq!(&b[strh..strh + 4], b"auds");
        let rate = u32::from_le_bytes(b[strh + 24..strh + 28].try_into().unwrap());
        let scale = u32::from_le_bytes(b[strh + 20..strh + 24].try_into().unwrap());
        b[strh + 28..strh + 32].copy_from_slice(&(rate / scale / 2).to_le_bytes());
    });
    let d = decode::decode(&late, &DecodeParams::default()).unwrap();
    assert_eq!(d.info.start_s, 0.5);
    assert!(d.signal.mixdown() == reference);
}

/// The fixture `file` cut to its first `keep(length)` bytes, as an interrupted download or
/// copy leaves it, in a new folder (kept while the first value lives).
fn cut_copy(file: &str, keep: impl Fn(usize) -> usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let whole = std::fs::read(fixture(file)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join(file);
    std::fs::write(&cut, &whole[..keep(whole.len())]).unwrap();
    (dir, cut)
}

/// The fixture `file` with the bytes `cut(len)` cut out, in a new folder (kept while the first
/// value lives).
fn cut_out_copy(
    file: &str,
    cut: impl Fn(usize) -> std::ops::Range<usize>,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut bytes = std::fs::read(fixture(file)).unwrap();
    bytes.drain(cut(bytes.len()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, &bytes).unwrap();
    (dir, path)
}

/// The fixture `file` with 300 bytes overwritten 45 % of the way in (alternate 0x00 and
/// 0xFF), as a damaged copy has them, in a new folder (kept while the first value lives).
fn overwritten_copy(file: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    overwritten_copy_n(file, 300)
}

/// As [`overwritten_copy`], `n` bytes.
fn overwritten_copy_n(file: &str, n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut bytes = std::fs::read(fixture(file)).unwrap();
    let at = bytes.len() * 45 / 100;
    for (k, b) in bytes[at..at + n].iter_mut().enumerate() {
        *b = if k % 2 == 1 { 0xFF } else { 0x00 };
    }
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join(file);
    std::fs::write(&damaged, &bytes).unwrap();
    (dir, damaged)
}

/// An MP4 with 300 bytes of its AAC data overwritten (a damaged copy): the packets there do not
/// decode and are skipped, and silence of their length stands in their place, so the impulses
/// after the damage stay where the WAV has them (they came 0.363 s early, without a word,
/// when the decoded audio around the hole was joined end to end), with either backend.
#[test]
fn audio_lost_inside_a_stream_leaves_the_times_after_it_in_place() {
    let (_dir, damaged) = overwritten_copy("impulses.m4a");
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let mut backends = vec![Backend::Symphonia];
    if cfg!(feature = "ffmpeg") {
        backends.push(Backend::Ffmpeg);
    }
    for backend in backends {
        let params = DecodeParams {
            backend,
            ..DecodeParams::default()
        };
        let d = decode::decode(&damaged, &params).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("audio is missing inside the stream")),
            "{backend:?}: {:?}",
            d.warnings
        );
        // As long as the file undamaged is, as this backend decodes it.
        let (whole, _) = decode_mono(&fixture("impulses.m4a"), backend);
        let x = d.signal.mixdown();
        assert_eq!(x.len(), whole.len(), "{backend:?}");
        // The impulses before the damage and the last one, well after it (the one just after
        // the hole rises out of a decoder restarted mid-stream).
        for o in [ONSETS[0], ONSETS[1], ONSETS[2], ONSETS[4]] {
            let lag = lag_samples(&reference, &x, o as usize, 2880);
            assert!(
                lag.abs() <= 48,
                "{backend:?}: impulse at sample {o}: lag {lag}"
            );
        }
    }
}

/// An HE-AAC stream in ADTS with 1,000 bytes overwritten: its reader counts the frames lost
/// at the coded (core) rate, 1,024 samples each, and the stream's length so, where the decoder
/// gives 2,048 at twice the rate: the silence put in their place was half what was lost, and
/// the audio stopped at half the stream's length (here 1.237 of 2.475 s: 59,392 samples of
/// 118,784; with the length mended alone, 115,712, the silence 3,072 samples short), every
/// impulse after the damage lost. The damaged copy now decodes to the undamaged one's length,
/// the impulses away from the damage where they were.
#[test]
fn a_damaged_he_aac_stream_keeps_its_length_and_times() {
    let (_dir, damaged) = overwritten_copy_n("impulses_he.aac", 1000);
    let d = decode::decode(&damaged, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("the AAC stream is damaged in 1 place(s)")),
        "{:?}",
        d.warnings
    );
    let (whole, sr) = decode_mono(&fixture("impulses_he.aac"), Backend::Symphonia);
    assert_eq!(sr, 48_000.0);
    let x = d.signal.mixdown();
    assert_eq!(x.len(), whole.len());
    // ADTS marks no delay: the impulses are where the undamaged stream has them (fdk-aac's
    // 5,058 samples late), the one just after the damage aside.
    let delay = 5058;
    for o in [ONSETS[0], ONSETS[1], ONSETS[3], ONSETS[4]] {
        let lag = lag_samples(&whole, &x, o as usize + delay, 48);
        assert_eq!(lag, 0, "impulse at sample {o}");
    }
}

/// An Opus note with one byte flipped: in its last full page (the reader skips it, and joins
/// the audio on either side, so the note reads 1.014 s of its 2 s), the report says a page is
/// damaged and where on the clock, so that the times after it are known to be in doubt (it
/// said nothing); in its first page of audio, the pure-Rust reader cannot open it and says
/// why (it said "corrupt container header: ogg: crc mismatch"), and with the ffmpeg feature
/// what is there is read, with the same warning.
#[test]
fn a_damaged_ogg_page_is_named_and_placed_on_the_clock() {
    let whole = std::fs::read(fixture("impulses.opus")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = |at: usize| {
        let mut bytes = whole.clone();
        bytes[at] ^= 0x55;
        let path = dir.path().join(format!("at{at}.opus"));
        std::fs::write(&path, &bytes).unwrap();
        path
    };
    let damaged = |at: usize| decode::decode(&copy(at), &DecodeParams::default());
    // Pages: headers at 0 and 47, audio at 137 (to 1 s), 6119 (to 2 s) and 15760 (the end).
    let named = |w: &str| {
        w.contains("1 Ogg page(s) are damaged")
            && w.contains("the first at byte 6119")
            && w.contains("between 0.994 s and 2.000 s")
    };
    let d = damaged(9000).unwrap_or_else(|e| panic!("{e}"));
    assert!(d.warnings.iter().any(|w| named(w)), "{:?}", d.warnings);
    // `probe` names it too: the census counts only what the reader kept (1.02 s).
    let described = decode::describe(&copy(9000), Backend::Auto).unwrap();
    assert!(
        described.integrity.as_deref().is_some_and(named),
        "{:?}",
        described.integrity
    );
    match damaged(3356) {
        Err(e) => assert!(
            !cfg!(feature = "ffmpeg")
                && e.to_string()
                    .contains("damaged (its checksum fails at byte 137)"),
            "{e}"
        ),
        // ffmpeg reads it, and joins the audio on either side: nothing says it was mended.
        Ok(d) => assert!(
            cfg!(feature = "ffmpeg")
                && d.warnings
                    .iter()
                    .any(|w| w.contains("the first at byte 137"))
                && !d.warnings.iter().any(|w| w.contains("put back")),
            "{:?}",
            d.warnings
        ),
    }
}

/// Asserts that the impulses at `onsets` (samples) are within 1 ms of the reference's in `x`.
fn in_place(reference: &[f32], x: &[f32], onsets: impl IntoIterator<Item = u64>, what: &str) {
    for o in onsets {
        let lag = lag_samples(reference, x, o as usize, 2880);
        assert!(lag.abs() <= 48, "{what}: impulse at sample {o}: lag {lag}");
    }
}

/// Asserts that `probe` gives as the problem of the file at `path` one of the decoder's
/// `warnings`, word for word.
fn probe_says_what_decode_says(path: &Path, warnings: &[String]) {
    let described = decode::describe(path, Backend::Auto).unwrap();
    assert!(
        described
            .integrity
            .as_deref()
            .is_some_and(|p| warnings.iter().any(|w| w == p)),
        "{:?}",
        described.integrity
    );
}

/// A WebM (VP9 + Opus) with 300 bytes overwritten in a cluster: symphonia's reader stopped at
/// the first element it could not read ("invalid ebml element id length") and the audio
/// ended at 1.014 s of 2; the damaged stretch is now read as a Void element up to the next
/// good block, so the decode runs to the end, every impulse in place, and the report names
/// the damage (`probe` in the same words).
#[test]
fn a_damaged_matroska_cluster_is_read_past() {
    let (_dir, damaged) = overwritten_copy("impulses.webm");
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let d = decode::decode(&damaged, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        d.warnings.iter().any(
            |w| w.contains("the Matroska/WebM stream is damaged in 1 place(s)")
                && w.contains("skipped to the next good block or cluster")
        ),
        "{:?}",
        d.warnings
    );
    let (whole, _) = decode_mono(&fixture("impulses.webm"), Backend::Symphonia);
    let x = d.signal.mixdown();
    assert_eq!(x.len(), whole.len());
    in_place(&reference, &x, ONSETS, "impulses.webm");
    probe_says_what_decode_says(&damaged, &d.warnings);
}

/// An Opus file in pages of 0.25 s with one byte flipped in its page of 1.03-1.29 s: the
/// reader skips the page and stamps the next from the one before it, so the impulse at 1.37 s
/// came 0.26 s early and the silence for the lost page stood after it. The page after the
/// damage is now held until the stamps come back to the clock and placed after the silence:
/// every impulse outside the lost page is where the WAV has it, and the decode is as long as
/// the undamaged file's. With the page before the last lost too, the last page (its tail) is
/// put at the end, and the impulse at 1.8 s, in the lost page, is gone.
#[test]
fn the_page_after_a_lost_ogg_page_is_put_back_at_its_own_time() {
    let whole = std::fs::read(fixture("impulses_pages.opus")).unwrap();
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let (undamaged, _) = decode_mono(&fixture("impulses_pages.opus"), Backend::Symphonia);
    let dir = tempfile::tempdir().unwrap();
    // Pages: headers at 0 and 47, audio at 137, 527, 3338, 6129, 6816 (1.03-1.29 s), 9001
    // (to 1.56 s, the impulse at 1.37 s), 12161 (to 1.81 s), 13414 (the end).
    for (flips, kept) in [
        (vec![7000], vec![0, 1, 2, 3, 4]),
        (vec![7000, 12500], vec![0, 1, 2, 3]),
    ] {
        let mut bytes = whole.clone();
        for &at in &flips {
            bytes[at] ^= 0x55;
        }
        let path = dir.path().join(format!("flipped{}.opus", flips.len()));
        std::fs::write(&path, &bytes).unwrap();
        let d = decode::decode(&path, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("Ogg page(s) are damaged")
                    && w.contains("between 1.034 s and 1.554 s")
                    && w.contains("put back at its own time")),
            "{flips:?}: {:?}",
            d.warnings
        );
        let x = d.signal.mixdown();
        assert_eq!(x.len(), undamaged.len(), "{flips:?}");
        in_place(
            &reference,
            &x,
            kept.iter().map(|&k| ONSETS[k]),
            &format!("{flips:?}"),
        );
        probe_says_what_decode_says(&path, &d.warnings);
    }
}

/// An MP3 with 300 bytes of one frame's header and data overwritten, or 1,000 bytes cut out
/// (a file recovered with a piece missing): the reader loses frames and joined the audio on
/// either side (the later impulses came 24 ms early, after a false click), saying nothing; then
/// the report named the damage. Silence of the frames lost now stands in their place, counted
/// exactly (a constant bit rate's whole frames; for the cut, the frames the LAME tag says the
/// stream has), so every impulse is where the WAV has it and the decode is as long as the
/// undamaged file's. libavformat (the ffmpeg backend) still joins the audio, and says so.
#[test]
fn frames_lost_from_an_mp3_are_filled_and_the_times_after_them_kept() {
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let cut = |file: &str| {
        cut_out_copy(file, |n| {
            let at = n * 45 / 100;
            at..at + 1000
        })
    };
    // 3,000 bytes overwritten lose 0.19 s: `probe` called the file truncated (its LAME tag
    // declares more than the reader found), which it is not.
    for (file, (_dir, damaged)) in [
        ("impulses.mp3", overwritten_copy("impulses.mp3")),
        ("impulses.mp3", overwritten_copy_n("impulses.mp3", 3000)),
        ("impulses.mp3", cut("impulses.mp3")),
    ] {
        let d =
            decode::decode(&damaged, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("the MP3 stream is damaged in 1 place(s)")
                    && w.contains("silence stands in place of")
                    && w.contains("(counted exactly")),
            "{file}: {:?}",
            d.warnings
        );
        let (whole, _) = decode_mono(&fixture(file), Backend::Symphonia);
        let x = d.signal.mixdown();
        assert_eq!(x.len(), whole.len(), "{file}");
        // Every impulse but the one 0.1 s after the damage (at 0.87-0.93 s), whose frame's
        // data began in the bytes lost (an MP3 frame's data may start up to 511 bytes back):
        // there the decoder has only what is left of it.
        in_place(
            &reference,
            &x,
            [ONSETS[0], ONSETS[1], ONSETS[3], ONSETS[4]],
            file,
        );
        // No click where the frames were lost (the decoder is restarted after the loss, and
        // what it cannot reach comes out as silence, not garbage): outside the damage, the
        // events reported are those of the undamaged file, at its times.
        let onsets = |path: &Path| -> Vec<f64> {
            let a = earwitness::pipeline::analyze(path, &AnalyzeParams::default())
                .unwrap_or_else(|e| panic!("{e}"));
            a.events
                .iter()
                .map(|e| e.onset_s)
                .filter(|t| !(0.85..1.05).contains(t))
                .collect()
        };
        let (got, want) = (onsets(&damaged), onsets(&fixture(file)));
        assert_eq!(got.len(), want.len(), "{file}: {got:?} against {want:?}");
        assert!(
            got.iter().zip(&want).all(|(a, b)| (a - b).abs() <= 0.001),
            "{file}: {got:?} against {want:?}"
        );
        probe_says_what_decode_says(&damaged, &d.warnings);
    }
    if cfg!(feature = "ffmpeg") {
        let (_dir, damaged) = overwritten_copy("impulses.mp3");
        let params = DecodeParams {
            backend: Backend::Ffmpeg,
            ..DecodeParams::default()
        };
        let d = decode::decode(&damaged, &params).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("about 1 frame(s), 0.024 s of audio")
                    && w.contains("joins the audio on either side")),
            "{:?}",
            d.warnings
        );
    }
    let clean = decode::decode(&fixture("impulses.mp3"), &DecodeParams::default()).unwrap();
    assert!(!clean.warnings.iter().any(|w| w.contains("damaged")));
    let described = decode::describe(&fixture("impulses.mp3"), Backend::Auto).unwrap();
    assert_eq!(described.integrity, None);
}

/// A WebM written live (a browser's MediaRecorder, `ffmpeg -live 1`: its segment and clusters
/// carry no length) is complete, and decodes to the sample with no truncation warning
/// (symphonia's reader meets the end of the file looking for a next element, and every such
/// recording read as truncated); the same file cut 100 bytes short is truncated.
#[test]
fn a_webm_written_live_is_complete_and_one_cut_short_is_truncated() {
    check("impulses_live.webm", Backend::Symphonia);
    let d = decode::decode(&fixture("impulses_live.webm"), &DecodeParams::default()).unwrap();
    assert!(
        !d.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        d.warnings
    );
    let (_dir, cut) = cut_copy("impulses_live.webm", |n| n - 100);
    let d = decode::decode(&cut, &DecodeParams::default()).unwrap();
    assert!(
        d.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        d.warnings
    );
}

/// A WebM cut in half (a partial download): what is there is decoded, the impulses before the
/// cut within 1 ms of the WAV's, and called truncated, by either backend. The pure-Rust reader
/// refused it (it said "not a recognised media file", then that it was cut short) until the
/// file's lengths were read as a live recording's (`ebml::cut_patches`); libavformat stopped
/// at the cut without a word.
#[test]
fn a_webm_cut_short_is_read_to_the_cut() {
    assert_read_to_the_cut("impulses.webm", |n| n / 2, 3);
}

/// Decodes `file` cut to `keep(len)` bytes and checks that it is called truncated and that
/// the `expected` impulses before the cut are where the WAV has them, within 1 ms.
fn assert_read_to_the_cut(file: &str, keep: impl Fn(usize) -> usize, expected: usize) {
    let (_dir, cut) = cut_copy(file, keep);
    let d = decode::decode(&cut, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        d.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        d.warnings
    );
    let (reference, _) = decode_mono(&fixture("impulses.wav"), Backend::Symphonia);
    let x = d.signal.mixdown();
    let before_cut: Vec<u64> = ONSETS
        .into_iter()
        .filter(|&o| o as usize + 2000 < x.len())
        .collect();
    assert_eq!(before_cut.len(), expected, "{} frames decoded", x.len());
    for o in before_cut {
        let lag = lag_samples(&reference, &x, o as usize, 2880);
        assert!(lag.abs() <= 48, "impulse at sample {o}: lag {lag}");
    }
}

/// An MP4 whose index comes first, cut inside its media data as an interrupted download
/// leaves it: what is there is decoded (the impulses before the cut within 1 ms of the WAV's)
/// and called truncated. symphonia's reader decoded none of it ("no audio could be decoded").
#[test]
fn an_mp4_cut_inside_its_media_data_is_read_to_the_cut() {
    assert_read_to_the_cut("impulses_faststart.m4a", |n| n * 2 / 3, 3);
}

/// A file whose first audio stream has no decoder in the build (AC-3 first, AAC second, as
/// films and phone videos with a surround or spatial track carry them): the pure-Rust build
/// decodes the AAC stream instead, with a warning naming both (it refused the file); with the
/// `ffmpeg` feature the first stream is decoded, as before.
#[test]
fn the_first_audio_stream_that_decodes_is_taken() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/ac3_then_aac.mp4");
    let d = decode::decode(&path, &DecodeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    let ffmpeg = cfg!(feature = "ffmpeg");
    let expect = if ffmpeg { (0, "ac3") } else { (1, "aac") };
    assert_eq!((d.info.stream_index, d.info.codec.as_str()), expect);
    let noted = d
        .warnings
        .iter()
        .any(|w| w.contains("first audio stream is ac3") && w.contains("stream 1 (aac)"));
    assert_eq!(noted, !ffmpeg, "{:?}", d.warnings);
}

/// HEVC from x265 (ffmpeg's libx265, HandBrake) in MOV: x265 writes its settings into the
/// `hvcC` box, about 2 KB, and symphonia's reader refused every such file ("corrupt container
/// header: atom size is greater than 1 kb"); the box is passed over and the audio, stereo at
/// 44.1 kHz, has every impulse in place, with both backends.
#[test]
fn an_x265_video_is_read_past_its_large_hevc_configuration() {
    check_resampled("impulses_hevc.mov", 44_100.0, Backend::Symphonia);
    #[cfg(feature = "ffmpeg")]
    check_resampled("impulses_hevc.mov", 44_100.0, Backend::Ffmpeg);
}

/// `file` as a recorder that never finished it leaves it (the phone lost power, the app was
/// killed): no `moov` box, and the `mdat` box's size never written (0), in a new folder (kept
/// while the first value lives).
fn unfinalised_copy(file: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut b = std::fs::read(fixture(file)).unwrap();
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let size = u32::from_be_bytes(b[pos..pos + 4].try_into().unwrap()) as usize;
        match &b[pos + 4..pos + 8] {
            b"moov" => {
                b.drain(pos..pos + size);
                continue;
            }
            b"mdat" => b[pos..pos + 4].copy_from_slice(&[0; 4]),
            _ => {}
        }
        pos += size;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, &b).unwrap();
    (dir, path)
}

/// An MP4/MOV never finalised: its AAC frames are found in the media data between the video's
/// NAL units (H.264 and HEVC, interleaved packet by packet as ffmpeg writes them, the harder
/// case: a phone writes runs of a second or so) or alone (M4A), and decode sample for sample
/// as the finished file's do, but for the encoder's 1024 priming samples that only the lost
/// index says to skip. The rate comes from the frames' coding (its family) and the brand, the
/// channels from the frames, and the warnings say what the index alone knew.
#[test]
fn a_recording_never_finalised_is_read_from_its_media_data() {
    for (file, rate, channels, family) in [
        (
            "impulses.mp4",
            48_000,
            1,
            "fits 48 kHz or 44.1 kHz alike: 48 kHz is assumed",
        ),
        (
            "impulses_hevc.mov",
            44_100,
            2,
            "44.1 kHz is assumed (a QuickTime file",
        ),
        ("impulses.m4a", 48_000, 1, "48 kHz is assumed"),
        (
            "impulses_16k.m4a",
            16_000,
            1,
            "fits 16 kHz or 12 kHz or 11.025 kHz alike",
        ),
    ] {
        let whole = decode::decode(&fixture(file), &DecodeParams::default()).unwrap();
        let (_dir, path) = unfinalised_copy(file);
        let cut = decoded_warning_at(&path, &["no 'moov' index box", "AAC frames"]);
        decoded_warning_at(&path, &[family]);
        decoded_warning_at(&path, &["priming", "stated only in the missing index"]);
        assert!(
            !cut.warnings.iter().any(|w| w.contains("passed over")),
            "{file}: {:?}",
            cut.warnings
        );
        assert_eq!(cut.signal.sample_rate, rate, "{file}");
        assert_eq!(cut.signal.sample_rate, whole.signal.sample_rate, "{file}");
        assert_eq!(cut.signal.channels.len(), channels, "{file}");
        for (c, w) in cut.signal.channels.iter().zip(&whole.signal.channels) {
            assert!(
                c.len() >= 1024 + w.len(),
                "{file}: {} < 1024 + {}",
                c.len(),
                w.len()
            );
            let worst = c[1024..1024 + w.len()]
                .iter()
                .zip(w)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-6, "{file}: {worst}");
        }
    }
}

/// A never-finalised recording with damage in its media data: the bytes that are neither
/// frames nor NAL units are passed over and said, and the walk finds the audio after them.
#[test]
fn damage_in_a_recording_never_finalised_is_passed_over() {
    let (dir, path) = unfinalised_copy("impulses.mp4");
    let mut b = std::fs::read(&path).unwrap();
    let at = b.len() / 2;
    for (i, v) in b[at..at + 200].iter_mut().enumerate() {
        *v = if i % 2 == 0 { 0xFF } else { 0x00 };
    }
    let damaged = dir.path().join("damaged.mp4");
    std::fs::write(&damaged, &b).unwrap();
    let whole = decoded_warning_at(&path, &["AAC frames"]);
    let d = decoded_warning_at(&damaged, &["were neither AAC frames nor video NAL units"]);
    // A frame or two lost in the damage (the walk does not know their length): the audio is
    // shorter by whole frames, at most a few, and its start is as before.
    let (n, m) = (whole.signal.channels[0].len(), d.signal.channels[0].len());
    assert!(m < n && n - m <= 4 * 1024 && (n - m) % 1024 == 0, "{n} {m}");
    assert_eq!(
        &whole.signal.channels[0][..4096],
        &d.signal.channels[0][..4096]
    );
}
