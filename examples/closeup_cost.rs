//! What one close-up costs, stage by stage (spectrogram, colours, the whole drawing, PNG,
//! JPEG, listening copy), on the first event of a clip; the figures behind the report-speed
//! choices in src/report/. Usage: `cargo run --release --example closeup_cost -- CLIP`.

use std::time::Instant;

use earwitness::pipeline::{self, AnalyzeParams};
use earwitness::report::{self, plot};

/// Mean milliseconds of `n` calls of `f`, and its last result.
fn time<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let t = Instant::now();
    let mut last = f();
    for _ in 1..n {
        last = f();
    }
    (t.elapsed().as_secs_f64() * 1e3 / n as f64, last)
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: closeup_cost CLIP");
        std::process::exit(2);
    };
    let run = match pipeline::run(path.as_ref(), None, &AnalyzeParams::default(), 0) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let (a, mono) = (&run.analysis, &run.signal.mono);
    let Some(e) = a.events.first() else {
        eprintln!("{path}: no event");
        std::process::exit(1);
    };
    let n = 50;
    let sr = a.audio.sample_rate;
    let lo = ((e.onset_s - report::CLOSEUP_HALF_S).max(0.0) * f64::from(sr)) as usize;
    let hi = (lo + sr as usize).min(mono.len());
    let (ms, g) = time(n, || {
        plot::spectrogram(mono, sr, (lo, hi), (750, 240), 512, 64, 50.0)
    });
    println!("spectrogram 750x240: {ms:.2} ms");
    let (ms, _) = time(n, || plot::colorize(&g, -10.0, 70.0));
    println!("colours: {ms:.2} ms");
    let (ms, rgb) = time(n, || {
        plot::render_rgb(report::CLOSEUP_PX, |area| {
            plot::draw_closeup(area, report::CLOSEUP_PX, mono, a, e, report::CLOSEUP_HALF_S)
        })
    });
    println!("whole drawing: {ms:.2} ms");
    let Ok(rgb) = rgb else { return };
    let (ms, png) = time(n, || plot::encode_png(&rgb, report::CLOSEUP_PX));
    println!("png: {ms:.2} ms, {} bytes", png.map_or(0, |p| p.len()));
    let (ms, jpeg) = time(n, || plot::encode_jpeg(&rgb, report::CLOSEUP_PX));
    println!("jpeg: {ms:.2} ms, {} bytes", jpeg.map_or(0, |p| p.len()));
    let span = &mono[lo..(lo + 3 * sr as usize).min(mono.len())];
    let (ms, wav) = time(n, || report::wav::listening_copy(span, sr));
    println!("listening copy (3 s): {ms:.2} ms, {} bytes", wav.len());
}
