//! `earwitness batch` end to end: a folder with good clips, a corrupt file, an empty file, a
//! duplicate and a non-media file; resume after an interruption; shards.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test folder: demo.mp4 (+ demo.srt beside it), sub/copy.mp4 (the same bytes, with the
/// same captions as sub/copy.srt), sub/click.wav (a second clip, written here),
/// sub/truncated.mp4, empty.wav, notes.txt.
fn folder(dir: &Path) {
    let demo = std::fs::read(root().join("samples/demo.mp4")).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("demo.mp4"), &demo).unwrap();
    std::fs::copy(root().join("samples/demo.srt"), dir.join("demo.srt")).unwrap();
    std::fs::write(dir.join("sub/copy.mp4"), &demo).unwrap();
    std::fs::copy(root().join("samples/demo.srt"), dir.join("sub/copy.srt")).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(dir.join("sub/click.wav"), spec).unwrap();
    for i in 0..32_000 {
        let v = if (16_000..16_016).contains(&i) {
            20_000
        } else {
            ((i * 7919) % 200) as i16 - 100
        };
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    std::fs::write(dir.join("sub/truncated.mp4"), &demo[..5000]).unwrap();
    std::fs::write(dir.join("empty.wav"), b"").unwrap();
    std::fs::write(dir.join("notes.txt"), b"field notes, not media\n").unwrap();
}

fn batch(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .arg("batch")
        .args(args)
        .output()
        .unwrap()
}

/// `batch` with `args`, asserting its exit code (`why` says what it means here).
fn batch_exits(args: &[&str], code: i32, why: &str) -> std::process::Output {
    let o = batch(args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{why}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn rows(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("summary.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn status_of<'a>(rows: &'a [serde_json::Value], suffix: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no row for {suffix}"))
}

#[test]
fn a_mixed_folder_gives_one_row_per_clip_and_exit_code_1() {
    let t = tempfile::tempdir().unwrap();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    folder(&input);
    // A second copy of a file that fails: failed once, named as the same content.
    std::fs::copy(
        input.join("sub/truncated.mp4"),
        input.join("sub/truncated_again.mp4"),
    )
    .unwrap();
    let o = batch_exits(
        &[
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-j",
            "2",
            "--formats",
            "json,csv",
        ],
        1,
        "some clips fail",
    );
    let r = rows(&out);
    assert_eq!(r.len(), 6, "{r:#?}");
    let again = status_of(&r, "sub/truncated_again.mp4");
    assert_eq!(again["status"], "error");
    assert!(
        again["duplicate_of"]
            .as_str()
            .unwrap()
            .ends_with("sub/truncated.mp4")
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.lines().any(
            |l| l.contains("truncated_again.mp4: error (the same content as")
                && l.contains("sub/truncated.mp4, which failed)")
        ),
        "{stderr}"
    );
    let demo = status_of(&r, "in/demo.mp4");
    assert_eq!(demo["status"], "ok");
    assert_eq!(demo["gunshot_like"], 1);
    assert_eq!(demo["possible_echoes"], 0);
    assert!(
        demo["transcript"].as_str().unwrap().ends_with("demo.srt"),
        "sidecar transcript used"
    );
    let copy = status_of(&r, "sub/copy.mp4");
    assert_eq!(copy["status"], "duplicate");
    assert_eq!(copy["sha256"], demo["sha256"]);
    assert!(
        copy["duplicate_of"]
            .as_str()
            .unwrap()
            .ends_with("in/demo.mp4")
    );
    assert_eq!(status_of(&r, "sub/click.wav")["status"], "ok");
    for bad in ["sub/truncated.mp4", "empty.wav"] {
        let row = status_of(&r, bad);
        assert_eq!(row["status"], "error");
        assert!(row["error"].as_str().unwrap().contains(bad), "{row}");
    }
    assert!(
        !r.iter()
            .any(|x| x["path"].as_str().unwrap().ends_with("notes.txt"))
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not media"));
    // One report folder per analysed clip, none for failures; the summaries and index.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("demo-"))
            && names.iter().any(|n| n.starts_with("click-"))
    );
    assert!(
        names.contains(&"index.html".to_string()) && names.contains(&"summary.csv".to_string())
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let first_row = index.find("<td class=\"mono\">").unwrap();
    assert!(
        index[first_row..].starts_with("<td class=\"mono\"><a href=\"demo-"),
        "gunshot clips first"
    );
}

#[test]
fn a_manifest_gives_each_clip_its_own_transcript_stream_and_offset() {
    let t = tempfile::tempdir().unwrap();
    let (case, out) = (t.path().join("case"), t.path().join("out"));
    std::fs::create_dir_all(case.join("clips")).unwrap();
    std::fs::create_dir_all(case.join("captions")).unwrap();
    std::fs::copy(root().join("samples/demo.mp4"), case.join("clips/demo.mp4")).unwrap();
    // A translator's captions, not named after the clip (so not found beside it).
    std::fs::copy(
        root().join("samples/demo.srt"),
        case.join("captions/demo.translation.en.srt"),
    )
    .unwrap();
    // The same file four times: with its captions; with them and an offset; as the stream
    // that is its video; and with no settings at all.
    std::fs::write(
        case.join("manifest.csv"),
        "path,transcript,audio_stream,transcript_offset_s\n\
         clips/demo.mp4,captions/demo.translation.en.srt,1,\n\
         clips/demo.mp4,captions/demo.translation.en.srt,1,8\n\
         clips/demo.mp4,,0,\n\
         clips/demo.mp4,,,\n",
    )
    .unwrap();
    let manifest = case.join("manifest.csv");
    batch_exits(
        &[
            "--manifest",
            manifest.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-j",
            "2",
            "--formats",
            "json",
        ],
        1,
        "the video stream fails",
    );
    let r = rows(&out);
    assert_eq!(r.len(), 4, "{r:#?}");
    // One report folder per analysed row, each holding its own settings.
    let report = |row: &serde_json::Value| -> serde_json::Value {
        let dir = out.join(row["report"].as_str().unwrap());
        serde_json::from_str(&std::fs::read_to_string(dir.join("events.json")).unwrap()).unwrap()
    };
    let with = r
        .iter()
        .filter(|x| x["transcript"].is_string())
        .collect::<Vec<_>>();
    assert_eq!(with.len(), 2, "{r:#?}");
    let mut offsets = Vec::new();
    for row in &with {
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["audio_stream"], 1);
        assert!(
            row["transcript"]
                .as_str()
                .unwrap()
                .ends_with("demo.translation.en.srt")
        );
        let a = report(row);
        assert_eq!(a["params"]["decode"]["stream"], 1);
        assert!(
            a["transcript"]["path"]
                .as_str()
                .unwrap()
                .ends_with(".en.srt")
        );
        offsets.push(a["params"]["transcript"]["offset_s"].clone());
    }
    offsets.sort_by_key(|o| o.to_string());
    assert_eq!(
        offsets,
        vec![serde_json::json!(8.0), serde_json::Value::Null]
    );
    assert_ne!(with[0]["report"], with[1]["report"]);
    let video = r.iter().find(|x| x["audio_stream"] == 0).unwrap();
    assert_eq!(video["status"], "error");
    assert!(
        video["error"]
            .as_str()
            .unwrap()
            .contains("no audio stream 0"),
        "{video}"
    );
    let plain = r
        .iter()
        .find(|x| x["audio_stream"].is_null() && x["transcript"].is_null())
        .unwrap();
    assert_eq!(
        plain["status"], "ok",
        "no settings: analysed on its own, {plain}"
    );
    assert!(report(plain)["transcript"].is_null());
    // A manifest cell that says nothing usable stops the batch before any analysis.
    std::fs::write(&manifest, "path,audio_stream\nclips/demo.mp4,first\n").unwrap();
    let refused = || {
        let args = [
            "--manifest",
            manifest.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        let o = batch_exits(&args, 2, "the batch cannot run");
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let err = refused();
    assert!(
        err.contains("manifest.csv") && err.contains("line 2") && err.contains("'first'"),
        "{err}"
    );
    // So does a manifest that is not text.
    std::fs::write(&manifest, [0xff, 0xfe, 0x00, 0xd8, 0x9c, 0x80]).unwrap();
    let err = refused();
    assert!(err.contains("manifest.csv: not a text manifest"), "{err}");
}

#[test]
fn an_interrupted_batch_resumed_gives_the_same_summary() {
    let t = tempfile::tempdir().unwrap();
    let (input, full, part) = (
        t.path().join("in"),
        t.path().join("full"),
        t.path().join("part"),
    );
    folder(&input);
    let args = |out: &Path| {
        vec![
            input.to_str().unwrap().to_string(),
            "-o".into(),
            out.to_str().unwrap().to_string(),
            "--formats".into(),
            "json".into(),
        ]
    };
    let a: Vec<String> = args(&full);
    batch(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // The "interrupted" run: finished one clip (its report exists), then stopped before the
    // summaries were written.
    let b: Vec<String> = args(&part);
    batch(&b.iter().map(String::as_str).collect::<Vec<_>>());
    for f in ["summary.csv", "summary.jsonl", "index.html"] {
        std::fs::remove_file(part.join(f)).unwrap();
    }
    let click = std::fs::read_dir(&part)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("click-")
        })
        .unwrap();
    std::fs::remove_dir_all(click).unwrap();
    let mut c = b.clone();
    c.push("--resume".into());
    let o = batch(&c.iter().map(String::as_str).collect::<Vec<_>>());
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("resumed: ok"), "{log}");
    assert_eq!(
        std::fs::read_to_string(part.join("summary.csv")).unwrap(),
        std::fs::read_to_string(full.join("summary.csv")).unwrap()
    );
}

#[test]
fn two_shards_merged_equal_one_unsharded_run() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    folder(&input);
    // Both shards write into one shared folder, as array jobs on a cluster would.
    let shared = t.path().join("shared");
    for k in 1..=2 {
        batch(&[
            input.to_str().unwrap(),
            "-o",
            shared.to_str().unwrap(),
            "--shard",
            &format!("{k}/2"),
            "--formats",
            "json",
        ]);
        assert!(shared.join(format!("summary-{k}-of-2.jsonl")).exists());
    }
    let m = Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .args([
            "merge",
            shared.to_str().unwrap(),
            "-o",
            shared.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        m.status.code(),
        Some(1),
        "the failed clips are still failures: {}",
        String::from_utf8_lossy(&m.stderr)
    );
    let full = t.path().join("full");
    batch(&[
        input.to_str().unwrap(),
        "-o",
        full.to_str().unwrap(),
        "--formats",
        "json",
    ]);
    assert_eq!(
        std::fs::read_to_string(shared.join("summary.csv")).unwrap(),
        std::fs::read_to_string(full.join("summary.csv")).unwrap()
    );
    // Merged into another folder, the report links point back into the shard folder.
    let elsewhere = t.path().join("merged");
    Command::new(env!("CARGO_BIN_EXE_earwitness"))
        .args([
            "merge",
            shared.to_str().unwrap(),
            "-o",
            elsewhere.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let r = rows(&elsewhere);
    let demo = status_of(&r, "in/demo.mp4");
    assert!(
        demo["report"]
            .as_str()
            .unwrap()
            .starts_with("../shared/demo-"),
        "{demo}"
    );
    let bad = batch(&[
        input.to_str().unwrap(),
        "-o",
        full.to_str().unwrap(),
        "--shard",
        "3/2",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn resume_redoes_clips_whose_report_lacks_a_format_now_asked_for() {
    let t = tempfile::tempdir().unwrap();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    folder(&input);
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    batch(&[i, "-o", o, "--formats", "json"]);
    let log = batch(&[i, "-o", o, "--formats", "json,csv", "--resume"]);
    let log = String::from_utf8_lossy(&log.stderr);
    assert!(!log.contains("resumed"), "{log}");
    let demo = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("demo-")
        })
        .unwrap();
    assert!(demo.join("events.csv").exists());
    let again = batch(&[i, "-o", o, "--formats", "json,csv", "--resume"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("resumed"));
}

/// A clip that is not whole (a WAV cut short) is `ok`, with its problem in the summaries and
/// the index, so that the clips whose times are in doubt can be found among thousands; a whole
/// clip has none.
#[test]
fn the_summary_names_a_clip_that_is_not_whole() {
    let t = tempfile::tempdir().unwrap();
    let (input, out) = (t.path().join("in"), t.path().join("out"));
    std::fs::create_dir_all(&input).unwrap();
    let wav = std::fs::read(root().join("tests/fixtures/timing/impulses.wav")).unwrap();
    std::fs::write(input.join("whole.wav"), &wav).unwrap();
    std::fs::write(input.join("cut.wav"), &wav[..wav.len() * 3 / 4]).unwrap();
    batch_exits(
        &[
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--formats",
            "json",
        ],
        0,
        "both clips are analysed",
    );
    let r = rows(&out);
    let cut = status_of(&r, "cut.wav");
    assert_eq!(cut["status"], "ok");
    let problem = cut["problem"].as_str().unwrap_or_default();
    assert!(problem.contains("truncated"), "{cut}");
    assert!(status_of(&r, "whole.wav")["problem"].is_null());
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",problem"), "{csv}");
    assert!(csv.contains("truncated"), "{csv}");
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("problem: "), "{index}");
}
