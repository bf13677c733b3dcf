//! Development harness for `--sync auto`: estimates the offset of every devset transcript
//! (`<clip>.srt`, expected 0, and `<clip>.shifted.srt`, expected `transcript_shift_s`) and
//! prints the errors.
//!
//! Usage: `cargo run --release --example sync_eval -- ../shared/devset ['{"min_voicing": 0.4}']`

use std::path::Path;

use earwitness::decode::{self, DecodeParams};
use earwitness::transcript::{self, sync};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = Path::new(&args[1]);
    let mut value = serde_json::to_value(sync::SyncParams::default()).unwrap();
    if let Some(patch) = args.get(2) {
        let patch: serde_json::Value = serde_json::from_str(patch).unwrap();
        for (k, v) in patch.as_object().unwrap() {
            value[k] = v.clone();
        }
    }
    let p: sync::SyncParams = serde_json::from_value(value).unwrap();
    let mut labels: Vec<_> = std::fs::read_dir(root.join("labels"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    labels.sort();
    let (mut unshifted, mut shifted) = (Vec::new(), Vec::new());
    for lp in labels {
        let l: serde_json::Value = serde_json::from_slice(&std::fs::read(&lp).unwrap()).unwrap();
        let Some(srt) = l["srt"].as_str() else {
            continue;
        };
        let audio = root.join(l["file"].as_str().unwrap());
        let d = decode::decode(&audio, &DecodeParams::default()).unwrap();
        let x = d.signal.mixdown();
        let act = sync::speech_activity(&x, d.signal.sample_rate, &p);
        if let Ok(dir) = std::env::var("SYNC_DUMP") {
            let stem = audio.file_stem().unwrap().to_string_lossy().to_string();
            std::fs::write(
                Path::new(&dir).join(format!("{stem}.json")),
                serde_json::to_vec(&act).unwrap(),
            )
            .unwrap();
        }
        let run = |file: &str, truth: f64, out: &mut Vec<f64>| {
            let t = transcript::load(&root.join("labels").join(file), None).unwrap();
            let e = sync::estimate(&act, &t.cues, &p);
            let (est, conf) = e.map_or((f64::NAN, 0.0), |e| (e.offset_s, e.confidence));
            println!(
                "{file:24} truth {truth:+8.3}  estimate {est:+8.3}  error {:6.0} ms  confidence {conf:.2}",
                (est - truth).abs() * 1e3
            );
            // What analyze reports: the estimate when confident, else the given clock.
            let applied = if conf >= p.min_confidence { est } else { 0.0 };
            out.push((applied - truth).abs());
        };
        run(srt, 0.0, &mut unshifted);
        if let (Some(s), Some(shift)) =
            (l["shifted_srt"].as_str(), l["transcript_shift_s"].as_f64())
        {
            run(s, shift, &mut shifted);
        }
    }
    for (name, mut v) in [("unshifted", unshifted), ("shifted", shifted)] {
        v.sort_by(f64::total_cmp);
        let med = v[v.len() / 2];
        let within = v.iter().filter(|e| **e <= 0.05).count();
        println!(
            "{name} (offset applied by analyze): n {} median {:.0} ms max {:.0} ms, within 50 ms {within}",
            v.len(),
            med * 1e3,
            v.last().unwrap() * 1e3
        );
    }
}
