//! Development harness: runs detection, measurement and classification on every devset clip
//! and writes score.py predictions with diagnostic features.
//!
//! Usage: `cargo run --release --example devset_run -- DEVSET_AUDIO_DIR OUT_DIR`
//! then `python3 ../shared/devset/score.py --pred-dir OUT_DIR`. With the patch
//! '{"score": {"threshold": 0}}' every candidate is written, with its evidence, for
//! `scripts/fit-models.py`.

use std::path::Path;

use earwitness::decode::{self, DecodeParams};
use earwitness::features;
use earwitness::pipeline::{self, DetectParams};

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, out) = (Path::new(&args[1]), Path::new(&args[2]));
    std::fs::create_dir_all(out).unwrap();
    // Optional third argument: a JSON object merged over the default parameters, e.g.
    // '{"stft": {"window_s": 0.01}}', for experiments without editing code.
    let mut value = serde_json::to_value(DetectParams::default()).unwrap();
    if let Some(patch) = args.get(3) {
        merge(&mut value, serde_json::from_str(patch).unwrap());
    }
    let params: DetectParams = serde_json::from_value(value).unwrap();
    // Optional fourth argument: the same for the measurement parameters, e.g.
    // '{"subtraction_floor": 0.1}'.
    let mut value = serde_json::to_value(features::MeasureParams::default()).unwrap();
    if let Some(patch) = args.get(4) {
        merge(&mut value, serde_json::from_str(patch).unwrap());
    }
    let mp: features::MeasureParams = serde_json::from_value(value).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let d = decode::decode(&path, &DecodeParams::default()).unwrap();
        let sr = f64::from(d.signal.sample_rate);
        let mix =
            earwitness::signal::Mixed::from_signal(&d.signal, mp.clip_level, mp.clip_run_samples);
        let x = &mix.mono;
        let channel = features::Channel::of(x, d.signal.sample_rate, &mp);
        let events: Vec<serde_json::Value> = pipeline::detect_events(x, d.signal.sample_rate, &params)
            .iter()
            .map(|e| {
                let mut f = features::measure(&mix, &channel, e.body_onset(), e.peak, &mp);
                f.crack_lead_ms = e.crack_lead_ms(x, d.signal.sample_rate, &params.refine);
                let v = features::classify::classify(&f, &e.evidence, &Default::default());
                // Diagnostics beside the two fields score.py reads.
                serde_json::json!({"onset_s": e.onset as f64 / sr, "class": v.class,
                    "gunshot_score": v.gunshot_score, "strength": e.strength, "broadband": e.broadband,
                    "score": e.score, "evidence": e.evidence,
                    "attack_s": e.attack as f64 / sr, "peak_s": e.peak as f64 / sr,
                    "features": f})
            })
            .collect();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let n = events.len();
        std::fs::write(
            out.join(format!("{stem}.json")),
            serde_json::to_vec_pretty(&serde_json::json!({"events": events})).unwrap(),
        )
        .unwrap();
        eprintln!("{stem}: {n} events");
    }
}
