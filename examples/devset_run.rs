//! Development harness: runs detection, measurement and classification on every devset clip
//! and writes score.py predictions with diagnostic features.
//!
//! Usage: `cargo run --release --example devset_run -- DEVSET_AUDIO_DIR OUT_DIR`
//! then `python3 ../shared/devset/score.py --pred-dir OUT_DIR`.

use std::path::Path;

use earwitness::decode::{self, DecodeParams};
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
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let d = decode::decode(&path, &DecodeParams::default()).unwrap();
        let sr = f64::from(d.signal.sample_rate);
        let x = d.signal.mixdown();
        let w = (0.01 * sr) as usize;
        let rms: Vec<f32> = x
            .chunks(w)
            .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
            .collect();
        let events: Vec<serde_json::Value> = pipeline::detect_events(&d.signal, &params)
            .iter()
            .map(|e| {
                let k = e.onset / w;
                let lo = k.saturating_sub(100);
                let mut bg: Vec<f32> = rms[lo..k.saturating_sub(2).max(lo)].to_vec();
                bg.sort_by(|a, b| a.total_cmp(b));
                let bgm = bg.get(bg.len() / 2).copied().unwrap_or(1e-6).max(1e-6);
                let e50: f32 = rms[k..(k + 5).min(rms.len())]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f32>()
                    / 5.0;
                let pre: f32 = rms[k.saturating_sub(3)..k]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f32>()
                    / 3.0;
                let ms = |v: f64| (v * sr / 1000.0) as usize;
                let msq = |a: &[f32]| a.iter().map(|v| v * v).sum::<f32>() / a.len().max(1) as f32;
                let hp: Vec<f32> = x
                    [e.onset.saturating_sub(ms(30.0))..(e.onset + ms(10.0)).min(x.len())]
                    .windows(2)
                    .map(|w| w[1] - w[0])
                    .collect();
                let o = e.onset - e.onset.saturating_sub(ms(30.0));
                let after = msq(&x[e.onset..(e.onset + ms(5.0)).min(x.len())]);
                let before =
                    msq(&x[e.onset.saturating_sub(ms(25.0))..e.onset.saturating_sub(ms(5.0))]);
                let hafter = msq(&hp[o.min(hp.len())..(o + ms(5.0)).min(hp.len())]);
                let hbefore = msq(&hp[o.saturating_sub(ms(25.0))..o.saturating_sub(ms(5.0))]);
                let f = earwitness::features::measure(&x, &d.signal.channels, d.signal.sample_rate, e.onset, e.peak, &Default::default());
                let v = earwitness::features::classify::classify(&f, &Default::default());
                serde_json::json!({"onset_s": e.onset as f64 / sr, "class": v.class, "gunshot_score": v.gunshot_score,
                    "rise_ms": f.rise_ms, "decay_ms": f.decay_ms, "crest_db": f.crest_db, "ebr_db": f.ebr_db,
                    "centroid_hz": f.centroid_hz, "flatness": f.flatness, "low_high_db": f.low_high_db, "peak_dbfs": f.peak_dbfs,
                    "jump5": 10.0 * (after / before.max(1e-12)).log10(),
                    "hjump5": 10.0 * (hafter / hbefore.max(1e-12)).log10(),
                    "strength": e.strength, "broadband": e.broadband, "peak": e.peak_abs,
                    "pbr": 20.0 * (e.peak_abs / bgm).log10(),
                    "ebr50": 10.0 * (e50 / (bgm * bgm)).log10(),
                    "jump": 10.0 * (e50 / pre.max(1e-12)).log10()})
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
