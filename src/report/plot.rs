//! Annotated spectrograms for readers: the overview of a whole clip (log-frequency
//! spectrogram with a dB legend, a mm:ss.mmm time axis, event markers coloured by class,
//! burst brackets, a transcript lane and a waveform strip) and a close-up of each event
//! (±0.5 s, onset, rise and decay marked), as PNG and SVG.
//!
//! The pixels are computed here (pure functions over the signal); plotters draws them and the
//! annotations, in pixel coordinates, with an embedded font (DejaVu Sans, which covers the
//! Cyrillic of Russian captions), so nothing depends on the fonts of the machine.
//!
//! When many STFT columns fall into one pixel column the maximum is kept, not the mean: a
//! 1 ms shot stays visible in a 30-minute overview.

use plotters::coord::Shift;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use realfft::RealFftPlanner;

use crate::model::{Analysis, Event};
use crate::signal::stft::{ColumnMax, windowed_frame};

/// The embedded font (DejaVu Sans 2.37, Bitstream Vera / public-domain licence, see
/// assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as plotters' "sans-serif", once.
fn fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A spectrogram as dB values on a pixel grid, top row = highest frequency.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Pixel columns.
    pub width: usize,
    /// Pixel rows.
    pub height: usize,
    /// Power in dB, row-major, top row first.
    pub db: Vec<f32>,
    /// Frequency of the bottom edge, Hz.
    pub fmin: f64,
    /// Frequency of the top edge, Hz.
    pub fmax: f64,
}

/// FFT bin range `b0..b1` of each of `height` pixel rows (row 0 = top) on a log-frequency
/// axis from `fmin` to `fmax`, for frames of `n_fft` at `sample_rate`.
fn row_bins(
    height: usize,
    fmin: f64,
    fmax: f64,
    sample_rate: u32,
    n_fft: usize,
) -> Vec<(usize, usize)> {
    let bin_hz = f64::from(sample_rate) / n_fft as f64;
    (0..height)
        .map(|r| {
            let y0 = (height - 1 - r) as f64 / height as f64;
            let y1 = (height - r) as f64 / height as f64;
            let f0 = fmin * (fmax / fmin).powf(y0);
            let f1 = fmin * (fmax / fmin).powf(y1);
            let b0 = (f0 / bin_hz).floor() as usize;
            let b1 = ((f1 / bin_hz).ceil() as usize)
                .max(b0 + 1)
                .min(n_fft / 2 + 1);
            (b0.min(n_fft / 2), b1)
        })
        .collect()
}

/// The grid of max-pooled `power` (|X|², `width` x `height`, row-major, top row first):
/// columns no frame fell into (`filled` false) copy their left neighbour, and power becomes
/// dB relative to a full-scale sine under a Hann window of `n_fft`.
fn finish_grid(
    mut power: Vec<f32>,
    filled: &[bool],
    (width, height): (usize, usize),
    n_fft: usize,
    (fmin, fmax): (f64, f64),
) -> Grid {
    for c in 1..width {
        if !filled[c] {
            for r in 0..height {
                power[r * width + c] = power[r * width + c - 1];
            }
        }
    }
    let scale = 1.0 / (n_fft as f32 * n_fft as f32 / 4.0);
    Grid {
        width,
        height,
        db: power
            .iter()
            .map(|p| fast_db((p * scale).max(1e-14)))
            .collect(),
        fmin,
        fmax,
    }
}

/// 10·log10(`p`) for a positive normal `p`, within 0.001 dB: the exponent from the bits and a
/// least-squares quartic for the mantissa's log2 on [1, 2). Written here because a picture
/// has many cells (a close-up 180,000) and std's `log10` took 40 % of drawing one, while a
/// colour step of the 70 dB scale is 0.27 dB.
fn fast_db(p: f32) -> f32 {
    let bits = p.to_bits();
    let exponent = ((bits >> 23) & 0xff) as f32 - 127.0;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let log2_m =
        (((-0.079_149_67 * m + 0.628_810_6) * m - 2.081_046_5) * m + 4.028_357) * m - 2.496_767_3;
    (exponent + log2_m) * (10.0 * std::f32::consts::LOG10_2)
}

/// The `width` x `height` log-frequency grid (from `fmin` to Nyquist) of a spectrogram
/// already max-pooled into `width` columns (see [`ColumnMax`]).
pub fn grid_from_columns(cm: &ColumnMax, height: usize, fmin: f64) -> Grid {
    let (width, height) = (cm.columns, height.max(1));
    let fmax = f64::from(cm.sample_rate) / 2.0;
    let rows = row_bins(height, fmin, fmax, cm.sample_rate, cm.n_fft);
    let mut power = vec![0.0f32; width * height];
    for c in 0..width {
        let col = &cm.power[c * cm.bins..(c + 1) * cm.bins];
        for (r, &(b0, b1)) in rows.iter().enumerate() {
            power[r * width + c] = col[b0..b1].iter().copied().fold(0.0f32, f32::max);
        }
    }
    finish_grid(power, &cm.filled, (width, height), cm.n_fft, (fmin, fmax))
}

/// Log-frequency spectrogram of `x[lo..hi]` on a `width` x `height` grid from `fmin` to
/// Nyquist. Frames of `n_fft` (Hann) every `hop` samples; frames falling in the same pixel
/// column are max-pooled, and so are FFT bins falling in the same pixel row.
pub fn spectrogram(
    x: &[f32],
    sample_rate: u32,
    (lo, hi): (usize, usize),
    (width, height): (usize, usize),
    n_fft: usize,
    hop: usize,
    fmin: f64,
) -> Grid {
    let fmax = f64::from(sample_rate) / 2.0;
    let (width, height) = (width.max(1), height.max(1));
    let hi = hi.min(x.len()).max(lo);
    let span = (hi - lo).max(1);
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n_fft);
    let window: Vec<f32> = (0..n_fft)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n_fft as f32).cos())
        .collect();
    let rows = row_bins(height, fmin, fmax, sample_rate, n_fft);
    let hop = hop.max(1);
    let n_frames = (hi - lo).div_ceil(hop);
    // Long spans are split over the cores, each part max-pooled into its own grid.
    let parts = if n_frames > 20_000 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    let per = n_frames.div_ceil(parts).max(1);
    let grids: Vec<(Vec<f32>, Vec<bool>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..parts)
            .map(|p| {
                let (fft, window, rows) = (&fft, &window, &rows);
                s.spawn(move || {
                    let mut power = vec![0.0f32; width * height];
                    let mut filled = vec![false; width];
                    let mut input = fft.make_input_vec();
                    let mut output = fft.make_output_vec();
                    let mut scratch = fft.make_scratch_vec();
                    let mut mags = vec![0.0f32; output.len()];
                    for k in (p * per)..((p + 1) * per).min(n_frames) {
                        let centre = lo + k * hop;
                        windowed_frame(x, centre, window, &mut input);
                        // Lengths come from the plan.
                        let _ = fft.process_with_scratch(&mut input, &mut output, &mut scratch);
                        for (m, c) in mags.iter_mut().zip(&output) {
                            *m = c.norm_sqr();
                        }
                        // In integers, as ColumnMax does, so frames on a column boundary
                        // land in the same column either way.
                        let col = (((centre - lo) as u128 * width as u128 / span as u128) as usize)
                            .min(width - 1);
                        filled[col] = true;
                        for (r, &(b0, b1)) in rows.iter().enumerate() {
                            let v = mags[b0..b1].iter().copied().fold(0.0f32, f32::max);
                            let cell = &mut power[r * width + col];
                            *cell = cell.max(v);
                        }
                    }
                    (power, filled)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut power = vec![0.0f32; width * height];
    let mut filled = vec![false; width];
    for (g, f) in grids {
        for (p, v) in power.iter_mut().zip(g) {
            *p = p.max(v);
        }
        for (a, b) in filled.iter_mut().zip(f) {
            *a |= b;
        }
    }
    finish_grid(power, &filled, (width, height), n_fft, (fmin, fmax))
}

/// RGB pixels of `g` with the viridis colour map over `[top - range, top]` dB.
pub fn colorize(g: &Grid, top_db: f32, range_db: f32) -> Vec<u8> {
    // A 256-step table: plotters' `get_color` interpolates per call, which cost more than the
    // spectrogram of a close-up; 256 steps is all an 8-bit image can show.
    static LUT: std::sync::OnceLock<Vec<[u8; 3]>> = std::sync::OnceLock::new();
    let lut = LUT.get_or_init(|| {
        (0..256)
            .map(|i| {
                let c = ViridisRGB.get_color(i as f32 / 255.0);
                [c.0, c.1, c.2]
            })
            .collect()
    });
    let mut out = vec![0u8; g.db.len() * 3];
    let (lo, per_step) = (top_db - range_db, 255.0 / range_db);
    for (px, v) in out.chunks_exact_mut(3).zip(&g.db) {
        let i = ((v - lo) * per_step + 0.5).clamp(0.0, 255.0) as usize;
        px.copy_from_slice(&lut[i]);
    }
    out
}

/// Minimum and maximum sample per pixel column of `x[lo..hi]`.
pub fn envelope(x: &[f32], (lo, hi): (usize, usize), width: usize) -> Vec<(f32, f32)> {
    let hi = hi.min(x.len()).max(lo);
    let n = hi - lo;
    (0..width.max(1))
        .map(|c| {
            let a = lo + n * c / width.max(1);
            let b = (lo + n * (c + 1) / width.max(1))
                .max(a + 1)
                .min(hi.max(a + 1));
            x.get(a..b.min(x.len()))
                .unwrap_or(&[])
                .iter()
                .fold((0.0f32, 0.0f32), |(mn, mx), v| (mn.min(*v), mx.max(*v)))
        })
        .collect()
}

/// Colour of a class, for markers and legends (colour-blind-safe Okabe-Ito hues).
pub fn class_color(class: &str) -> RGBColor {
    match class {
        "gunshot" => RGBColor(213, 94, 0),
        "explosion" => RGBColor(204, 121, 167),
        _ => RGBColor(86, 180, 233),
    }
}

/// `m:ss.mmm`.
pub fn clock(s: f64) -> String {
    let ms = (s.max(0.0) * 1000.0).round() as u64;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `n` ticks over `span`.
fn tick_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-6);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// Pixel layout of a time axis: plot area from `x0` to `x0 + w` for `t0..t1` seconds.
#[derive(Clone, Copy)]
struct TimeAxis {
    x0: i32,
    w: i32,
    t0: f64,
    t1: f64,
}

impl TimeAxis {
    fn x(&self, t: f64) -> i32 {
        self.x0 + ((t - self.t0) / (self.t1 - self.t0).max(1e-9) * f64::from(self.w)).round() as i32
    }
}

fn text_style(size: u32, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&color)
}

/// Draws the spectrogram `g` at (x0, y0) with a Hz axis on its left.
fn draw_spectrogram<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    g: &Grid,
    rgb: Vec<u8>,
    (x0, y0): (i32, i32),
) -> Result<(), String> {
    let el =
        BitMapElement::<_>::with_owned_buffer((x0, y0), (g.width as u32, g.height as u32), rgb)
            .ok_or("bitmap size")?;
    area.draw(&el).map_err(err)?;
    let h = g.height as i32;
    for f in [
        50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0,
    ] {
        if f < g.fmin || f > g.fmax {
            continue;
        }
        let y = y0 + h - ((f / g.fmin).ln() / (g.fmax / g.fmin).ln() * f64::from(h)).round() as i32;
        area.draw(&PathElement::new(vec![(x0 - 5, y), (x0, y)], BLACK))
            .map_err(err)?;
        let label = if f >= 1000.0 {
            format!("{}k", f / 1000.0)
        } else {
            format!("{f}")
        };
        area.draw(&Text::new(label, (x0 - 38, y - 6), text_style(12, BLACK)))
            .map_err(err)?;
    }
    area.draw(&Text::new("Hz", (x0 - 38, y0 - 16), text_style(12, BLACK)))
        .map_err(err)?;
    Ok(())
}

/// Ticks and mm:ss.mmm labels along `y`.
fn draw_time_axis<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    ax: TimeAxis,
    y: i32,
) -> Result<(), String> {
    let step = tick_step(ax.t1 - ax.t0, 8.0);
    let mut t = (ax.t0 / step).ceil() * step;
    area.draw(&PathElement::new(
        vec![(ax.x0, y), (ax.x0 + ax.w, y)],
        BLACK,
    ))
    .map_err(err)?;
    while t <= ax.t1 + 1e-9 {
        let x = ax.x(t);
        area.draw(&PathElement::new(vec![(x, y), (x, y + 5)], BLACK))
            .map_err(err)?;
        area.draw(&Text::new(clock(t), (x - 28, y + 8), text_style(12, BLACK)))
            .map_err(err)?;
        t += step;
    }
    Ok(())
}

/// A dB colour bar at (x, y), `h` tall.
fn draw_legend<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    (x, y, h): (i32, i32, i32),
    top_db: f32,
    range_db: f32,
) -> Result<(), String> {
    let w = 14;
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for r in 0..h {
        let c = ViridisRGB.get_color(1.0 - r as f32 / (h - 1).max(1) as f32);
        for _ in 0..w {
            rgb.extend_from_slice(&[c.0, c.1, c.2]);
        }
    }
    let el =
        BitMapElement::<_>::with_owned_buffer((x, y), (w as u32, h as u32), rgb).ok_or("legend")?;
    area.draw(&el).map_err(err)?;
    for k in 0..=4 {
        let v = top_db - range_db * k as f32 / 4.0;
        let yy = y + h * k / 4;
        area.draw(&Text::new(
            format!("{v:.0} dB"),
            (x + w + 4, yy - 6),
            text_style(11, BLACK),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// The min/max envelope `env` as a waveform strip at (left, top), `h` tall, scaled to its peak.
fn draw_waveform<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    env: &[(f32, f32)],
    (left, top, h): (i32, i32, i32),
) -> Result<(), String> {
    let peak = env
        .iter()
        .fold(1e-6f32, |m, (a, b)| m.max(a.abs()).max(b.abs()));
    let mid = top + h / 2;
    for (i, (mn, mx)) in env.iter().enumerate() {
        let x = left + i as i32;
        let y1 = mid - (mx / peak * (h / 2) as f32) as i32;
        let y2 = mid - (mn / peak * (h / 2) as f32) as i32;
        area.draw(&PathElement::new(
            vec![(x, y1), (x, y2.max(y1 + 1))],
            RGBColor(60, 60, 60),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Pixel layout of the overview, shared by the spectrogram computation and the drawing.
struct OverviewLayout {
    left: i32,
    pw: i32,
    spec_top: i32,
    spec_h: i32,
    lane_h: i32,
    wave_h: i32,
}

/// Left and right margins of the overview's plot area, in pixels (axis labels, dB legend).
const OVERVIEW_MARGINS: (i32, i32) = (60, 90);

/// Clips longer than this (seconds) take the overview from the detection spectrogram: it
/// costs nothing more, where a second transform of a 30-minute clip took a tenth of the
/// analysis time. Shorter clips get their own transform with twice the window (23 Hz bins at
/// 48 kHz instead of 47), which draws the lowest octaves more finely, at negligible cost.
const OVERVIEW_POOLED_FROM_S: f64 = 120.0;

/// Lowest frequency shown in the overview, Hz.
const OVERVIEW_FMIN_HZ: f64 = 50.0;

fn overview_layout((w, h): (u32, u32), a: &Analysis) -> OverviewLayout {
    let (left, _) = OVERVIEW_MARGINS;
    let spans = a.speech_heard.as_ref().is_some_and(|s| !s.is_empty());
    let lane_h = 26 * i32::from(a.transcript.is_some() || spans);
    let (spec_top, wave_h, axis_h) = (40, 70, 30);
    OverviewLayout {
        left,
        pw: overview_plot_width(w) as i32,
        spec_top,
        spec_h: (h as i32 - spec_top - lane_h - wave_h - axis_h - 20).max(40),
        lane_h,
        wave_h,
    }
}

/// The overview's spectrogram grid and waveform envelope, computed once for every picture
/// of the overview (PNG, SVG, the report's JPEG).
pub struct OverviewData {
    grid: Grid,
    envelope: Vec<(f32, f32)>,
}

/// Width in pixels of the overview's plot area in a picture `w` pixels wide: the number of
/// time columns the analysis pools its spectrogram into ([`ColumnMax`]).
pub fn overview_plot_width(w: u32) -> usize {
    let (left, right) = OVERVIEW_MARGINS;
    (w as i32 - left - right).max(10) as usize
}

/// Computes the overview's pixels for a `w` x `h` picture: for a long clip from the detection
/// spectrogram `pooled` into the plot's columns, when there is one (no second transform, see
/// `OVERVIEW_POOLED_FROM_S`), else from `mono`.
pub fn overview_data(
    (w, h): (u32, u32),
    mono: &[f32],
    pooled: Option<&ColumnMax>,
    a: &Analysis,
) -> OverviewData {
    let l = overview_layout((w, h), a);
    let sr = a.audio.sample_rate;
    let long = mono.len() as f64 > OVERVIEW_POOLED_FROM_S * f64::from(sr);
    let grid = match pooled {
        Some(cm) if long && cm.columns == l.pw as usize && cm.sample_rate == sr => {
            grid_from_columns(cm, l.spec_h as usize, OVERVIEW_FMIN_HZ)
        }
        _ => {
            let n_fft = if sr > 24_000 { 2048 } else { 1024 };
            // Frames overlap by half: every instant is within a quarter window of a frame
            // centre, so a click is seen at no less than half the window's weight (-6 dB).
            spectrogram(
                mono,
                sr,
                (0, mono.len()),
                (l.pw as usize, l.spec_h as usize),
                n_fft,
                n_fft / 2,
                OVERVIEW_FMIN_HZ,
            )
        }
    };
    OverviewData {
        grid,
        envelope: envelope(mono, (0, mono.len()), l.pw as usize),
    }
}

/// The overview of a whole clip, drawn on `area` (`w` x `h` pixels) from `d`.
pub fn draw_overview<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    (w, h): (u32, u32),
    d: &OverviewData,
    a: &Analysis,
) -> Result<(), String> {
    fonts();
    area.fill(&WHITE).map_err(err)?;
    let OverviewLayout {
        left,
        pw,
        spec_top,
        spec_h,
        lane_h,
        wave_h,
    } = overview_layout((w, h), a);
    let g = &d.grid;
    let top = g.db.iter().copied().fold(f32::MIN, f32::max);
    let range = 80.0;
    let title = format!(
        "{}   {}   {} events, {} gunshot-like",
        a.input.path,
        clock(a.audio.duration_s),
        a.events.len(),
        a.events.iter().filter(|e| e.class == "gunshot").count()
    );
    area.draw(&Text::new(title, (left, 8), text_style(15, BLACK)))
        .map_err(err)?;
    draw_spectrogram(area, g, colorize(g, top, range), (left, spec_top))?;
    draw_legend(area, (left + pw + 10, spec_top, spec_h), top, range)?;
    let ax = TimeAxis {
        x0: left,
        w: pw,
        t0: 0.0,
        t1: a.audio.duration_s.max(1e-3),
    };
    // Events: a line through the spectrogram and the waveform, with the id on top.
    let wave_top = spec_top + spec_h + lane_h + 6;
    // Ids are written where they fit; in a dense burst the bracket above says how many.
    let mut free_from = i32::MIN;
    for e in &a.events {
        let x = ax.x(e.onset_s);
        let c = class_color(&e.class);
        area.draw(&PathElement::new(
            vec![(x, spec_top), (x, wave_top + wave_h)],
            c.stroke_width(1),
        ))
        .map_err(err)?;
        let label = format!("{}", e.id);
        if x + 2 >= free_from {
            area.draw(&Text::new(
                label.clone(),
                (x + 2, spec_top - 14),
                text_style(11, c),
            ))
            .map_err(err)?;
            free_from = x + 2 + 7 * label.len() as i32 + 3;
        }
    }
    for b in &a.bursts {
        let (x1, x2) = (ax.x(b.first_s), ax.x(b.last_s));
        let y = spec_top - 18;
        let c = class_color("gunshot");
        area.draw(&PathElement::new(
            vec![(x1, y + 4), (x1, y), (x2, y), (x2, y + 4)],
            c.stroke_width(2),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            format!("burst {}: {} shots", b.id, b.count),
            (x2 + 4, y - 6),
            text_style(11, c),
        ))
        .map_err(err)?;
    }
    // Transcript lane: the cues with their words, or without captions the stretches where
    // speech is heard (no words).
    let (cue_colour, heard_colour) = (RGBColor(240, 228, 66), RGBColor(180, 180, 180));
    let lane: Vec<(f64, f64, RGBColor, &str)> = match (&a.transcript, &a.speech_heard) {
        (Some(t), _) => t
            .cues
            .iter()
            .map(|c| (c.start_s, c.end_s, cue_colour, c.text.as_str()))
            .collect(),
        (None, Some(spans)) => spans
            .iter()
            .map(|s| (s.start_s, s.end_s, heard_colour, "speech"))
            .collect(),
        (None, None) => Vec::new(),
    };
    let y = spec_top + spec_h + 4;
    for (start, end, colour, text) in lane {
        let (x1, x2) = (ax.x(start).max(left), ax.x(end).min(left + pw));
        if x2 <= x1 {
            continue;
        }
        area.draw(&Rectangle::new(
            [(x1, y), (x2, y + 18)],
            colour.mix(0.5).filled(),
        ))
        .map_err(err)?;
        let room = ((x2 - x1) / 7).max(0) as usize;
        let text: String = text.chars().take(room.max(12)).collect();
        area.draw(&Text::new(text, (x1 + 2, y + 3), text_style(11, BLACK)))
            .map_err(err)?;
    }
    // Waveform strip, with the runs of digital silence marked on it.
    draw_waveform(area, &d.envelope, (left, wave_top, wave_h))?;
    for s in &a.digital_silence {
        let (x1, x2) = (ax.x(s.start_s).max(left), ax.x(s.end_s).min(left + pw));
        area.draw(&Rectangle::new(
            [(x1, wave_top), (x2.max(x1 + 1), wave_top + wave_h)],
            RGBColor(200, 40, 40).mix(0.35).filled(),
        ))
        .map_err(err)?;
        let label = match x2 - x1 {
            w if w >= 100 => "digital silence",
            w if w >= 46 => "silence",
            _ => "",
        };
        if !label.is_empty() {
            area.draw(&Text::new(
                label,
                (x1 + 2, wave_top + 2),
                text_style(11, BLACK),
            ))
            .map_err(err)?;
        }
    }
    draw_time_axis(area, ax, wave_top + wave_h + 4)?;
    // Class legend.
    let mut lx = left;
    for (name, class) in [
        ("gunshot-like", "gunshot"),
        ("explosion-like", "explosion"),
        ("other impulsive", "impulsive"),
    ] {
        let c = class_color(class);
        area.draw(&Rectangle::new(
            [(lx, h as i32 - 16), (lx + 10, h as i32 - 6)],
            c.filled(),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            name,
            (lx + 14, h as i32 - 18),
            text_style(12, BLACK),
        ))
        .map_err(err)?;
        lx += 130;
    }
    Ok(())
}

/// The close-up of event `e`: ±`half_s` around its onset.
pub fn draw_closeup<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    (w, h): (u32, u32),
    mono: &[f32],
    a: &Analysis,
    e: &Event,
    half_s: f64,
) -> Result<(), String> {
    fonts();
    area.fill(&WHITE).map_err(err)?;
    let sr = f64::from(a.audio.sample_rate);
    let t0 = (e.onset_s - half_s).max(0.0);
    let t1 = (e.onset_s + half_s).min(a.audio.duration_s);
    let (lo, hi) = ((t0 * sr) as usize, (t1 * sr) as usize);
    let (left, right) = (60i32, 90i32);
    let pw = (w as i32 - left - right).max(10);
    let spec_top = 30;
    let wave_h = 110;
    let spec_h = (h as i32 - spec_top - wave_h - 50).max(40);
    let n_fft = if sr > 24_000.0 { 512 } else { 256 };
    // A frame every quarter window (the usual 75 % overlap) is all the window's time
    // resolution can show; finer hops cost a transform per pixel column for nothing.
    let hop = n_fft / 4;
    let g = spectrogram(
        mono,
        a.audio.sample_rate,
        (lo, hi),
        (pw as usize, spec_h as usize),
        n_fft,
        hop,
        50.0,
    );
    let top = g.db.iter().copied().fold(f32::MIN, f32::max);
    let range = 70.0;
    let title = format!(
        "#{} at {}: {} (gunshot score {:.2}), peak {:.1} dBFS",
        e.id,
        clock(e.onset_s),
        crate::report::exports::label(e),
        e.gunshot_score,
        e.peak_dbfs
    );
    area.draw(&Text::new(title, (left, 6), text_style(14, BLACK)))
        .map_err(err)?;
    draw_spectrogram(area, &g, colorize(&g, top, range), (left, spec_top))?;
    draw_legend(area, (left + pw + 10, spec_top, spec_h), top, range)?;
    let ax = TimeAxis {
        x0: left,
        w: pw,
        t0,
        t1,
    };
    let wave_top = spec_top + spec_h + 8;
    let env = envelope(mono, (lo, hi), pw as usize);
    draw_waveform(area, &env, (left, wave_top, wave_h))?;
    // Onset, end of rise, end of decay; components as ticks.
    let c = class_color(&e.class);
    let marks = [
        (e.onset_s, "onset", c),
        (
            e.onset_s + e.features.rise_ms / 1e3,
            "rise",
            RGBColor(0, 114, 178),
        ),
        (
            e.peak_s + e.features.decay_ms / 1e3,
            "decay",
            RGBColor(0, 158, 115),
        ),
    ];
    for (k, (t, name, color)) in marks.into_iter().enumerate() {
        if t < t0 || t > t1 {
            continue;
        }
        let x = ax.x(t);
        area.draw(&PathElement::new(
            vec![(x, spec_top), (x, wave_top + wave_h)],
            color.stroke_width(1),
        ))
        .map_err(err)?;
        // Staggered, so onset and rise (often a millisecond apart) stay readable.
        area.draw(&Text::new(
            name,
            (x + 3, wave_top + 2 + 13 * k as i32),
            text_style(11, color),
        ))
        .map_err(err)?;
    }
    for comp in e.components.iter().filter(|c| c.kind != "direct") {
        let x = ax.x(comp.onset_s);
        area.draw(&PathElement::new(
            vec![(x, wave_top + wave_h - 12), (x, wave_top + wave_h)],
            BLACK.stroke_width(2),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            comp.kind.clone(),
            (x + 2, wave_top + wave_h - 24),
            text_style(10, BLACK),
        ))
        .map_err(err)?;
    }
    draw_time_axis(area, ax, wave_top + wave_h + 4)?;
    Ok(())
}

/// RGB pixels of a drawing `w` x `h` pixels (encode them with [`encode_png`] or
/// [`encode_jpeg`]).
pub fn render_rgb(
    (w, h): (u32, u32),
    draw: impl FnOnce(&Area<'_, BitMapBackend<'_>>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(rgb)
}

/// PNG bytes of RGB pixels.
pub fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    // Fast compression: a close-up's PNG is a third larger than at the default level but is
    // written several times faster, and a long clip has hundreds of them.
    let enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    );
    image::ImageEncoder::write_image(enc, rgb, w, h, image::ColorType::Rgb8).map_err(err)?;
    Ok(out)
}

/// JPEG quality of the pictures embedded in report.html: the spectrogram's noise texture
/// makes PNG 4-5 times larger, and a report with 50 events must stay small enough to mail.
pub const JPEG_QUALITY: u8 = 60;

/// JPEG bytes of RGB pixels (see [`JPEG_QUALITY`]).
pub fn encode_jpeg(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    // jpeg-encoder rather than the `image` crate's encoder: with its AVX2 path it encodes a
    // close-up several times faster, and report.html embeds dozens of them.
    let (w16, h16) = (
        u16::try_from(w).map_err(err)?,
        u16::try_from(h).map_err(err)?,
    );
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY)
        .encode(rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(err)?;
    Ok(out)
}

/// PNG bytes of a drawing `w` x `h` pixels.
pub fn png(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_, BitMapBackend<'_>>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    encode_png(&render_rgb(size, draw)?, size)
}

/// JPEG bytes of a drawing `w` x `h` pixels.
pub fn jpeg(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_, BitMapBackend<'_>>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    encode_jpeg(&render_rgb(size, draw)?, size)
}

/// SVG text of a drawing `w` x `h` pixels (bitmaps embedded as PNG data).
pub fn svg(
    (w, h): (u32, u32),
    draw: impl FnOnce(&Area<'_, SVGBackend<'_>>) -> Result<(), String>,
) -> Result<String, String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    // plotters-svg 0.3.7 labels embedded bitmaps "data:png", which is not a media type;
    // browsers and editors expect "data:image/png".
    Ok(s.replace("href=\"data:png;base64,", "href=\"data:image/png;base64,"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_millisecond_click_survives_a_long_overview() {
        // 10 minutes at 8 kHz of silence with one 1 ms click at 300 s, on a 200-pixel grid.
        let sr = 8000;
        let mut x = vec![0.0f32; 600 * sr as usize];
        for v in &mut x[300 * sr as usize..300 * sr as usize + 8] {
            *v = 0.5;
        }
        let g = spectrogram(&x, sr, (0, x.len()), (200, 50), 256, 64, 50.0);
        let col_max = |c: usize| {
            (0..g.height)
                .map(|r| g.db[r * g.width + c])
                .fold(f32::MIN, f32::max)
        };
        assert!(
            col_max(100) > col_max(20) + 60.0,
            "{} vs {}",
            col_max(100),
            col_max(20)
        );
    }

    #[test]
    fn pooled_columns_draw_the_same_grid_as_a_direct_transform() {
        use crate::signal::stft::{StftParams, StftPlan};
        // 10 minutes at 8 kHz: noise, one 1 ms click at 300 s.
        let sr = 8000;
        let mut seed = 7u32;
        let mut x: Vec<f32> = (0..600 * sr as usize)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 * 0.002 - 0.001
            })
            .collect();
        for v in &mut x[300 * sr as usize..300 * sr as usize + 8] {
            *v = 0.5;
        }
        let plan = StftPlan::new(
            &StftParams {
                window_s: 0.032,
                hop_s: 0.008,
            },
            sr,
        );
        let mut cm = ColumnMax::new(&plan, x.len(), 200);
        plan.for_each_frame(&x, |t, m| cm.push(t, m));
        let pooled = grid_from_columns(&cm, 50, 50.0);
        let direct = spectrogram(&x, sr, (0, x.len()), (200, 50), plan.n_fft, plan.hop, 50.0);
        for (a, b) in pooled.db.iter().zip(&direct.db) {
            assert!((a - b).abs() < 0.01, "{a} vs {b}");
        }
        let col_max = |c: usize| {
            (0..pooled.height)
                .map(|r| pooled.db[r * pooled.width + c])
                .fold(f32::MIN, f32::max)
        };
        assert!(col_max(100) > col_max(20) + 40.0);
    }

    #[test]
    fn fast_db_is_within_a_thousandth_of_a_db() {
        let mut p = 1e-14f32;
        while p < 1e4 {
            let want = 10.0 * f64::from(p).log10();
            assert!((f64::from(fast_db(p)) - want).abs() < 1e-3, "{p}");
            p *= 1.037;
        }
    }

    #[test]
    fn a_tone_lands_in_its_row() {
        let sr = 16_000;
        let x: Vec<f32> = (0..sr)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / sr as f32).sin())
            .collect();
        let g = spectrogram(&x, sr, (0, x.len()), (20, 100), 1024, 256, 50.0);
        let row = (0..g.height)
            .max_by(|&a, &b| g.db[a * 20 + 10].total_cmp(&g.db[b * 20 + 10]))
            .unwrap();
        // Row of 1 kHz on a log axis from 50 Hz to 8 kHz, counted from the top.
        let expect = g.height as f64 * (1.0 - (1000f64 / 50.0).ln() / (8000f64 / 50.0).ln());
        assert!(
            (row as f64 - expect).abs() <= 2.0,
            "row {row}, expected {expect}"
        );
    }
}
