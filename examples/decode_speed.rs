//! Decoding speed benchmark: streams each file block by block (as the analysis will) and
//! prints decoded duration, wall time, × realtime and the process's peak resident memory.
//!
//! Usage: `cargo run --release --example decode_speed -- [--backend symphonia|ffmpeg] FILE...`
//! (`scripts/bench-decode.sh` makes 10-minute test files and runs it.)

use std::path::Path;
use std::time::Instant;

use earwitness::decode::{self, Backend, DecodeParams};

/// Peak resident set size of this process in MiB (Linux `VmHWM`), when available.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut backend = Backend::Symphonia;
    if let Some(i) = args.iter().position(|a| a == "--backend") {
        backend = match args.get(i + 1).map(String::as_str) {
            Some("ffmpeg") => Backend::Ffmpeg,
            _ => Backend::Symphonia,
        };
        args.drain(i..(i + 2).min(args.len()));
    }
    let params = DecodeParams {
        backend,
        ..DecodeParams::default()
    };
    println!("| file | backend | decoder | audio (s) | wall (s) | × realtime |");
    println!("|---|---|---|---|---|---|");
    for f in &args {
        let t = Instant::now();
        let mut stream = match decode::open(Path::new(f), &params) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let info = stream.info().clone();
        let mut frames = 0u64;
        let mut energy = 0.0f64;
        for block in stream.by_ref() {
            let block = block.expect("decode");
            frames += block.frames() as u64;
            // Touch every sample so nothing is optimised away.
            energy += block
                .channels
                .iter()
                .flatten()
                .map(|s| f64::from(*s).powi(2))
                .sum::<f64>();
        }
        let wall = t.elapsed().as_secs_f64();
        let secs = frames as f64 / f64::from(info.sample_rate);
        println!(
            "| {} | {} | {} | {secs:.1} | {wall:.3} | {:.0} |",
            Path::new(f)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy(),
            info.backend,
            info.decoder,
            secs / wall
        );
        std::hint::black_box(energy);
    }
    if let Some(mib) = peak_rss_mib() {
        println!("\npeak resident memory of the whole run: {mib:.1} MiB");
    }
}
