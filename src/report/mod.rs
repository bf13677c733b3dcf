//! Outputs: one file per format, each written atomically (temporary file, then rename), so a
//! previous output is replaced only by a complete new one and an interrupted run leaves no
//! half-written file.

pub mod atomic;
pub mod exports;
pub mod html;
pub mod plot;
pub mod wav;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Analysis;

/// The outputs `analyze` can write (`--formats`, default all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `events.json`, the schema every other output reads.
    Json,
    /// `events.csv` for spreadsheets.
    Csv,
    /// `labels.txt`, an Audacity label track.
    Labels,
    /// `events.srt` subtitles.
    Srt,
    /// `events.vtt` subtitles.
    Vtt,
    /// `sonic-visualiser.csv`, an annotation layer.
    SonicVisualiser,
    /// `overview.png` and `overview.svg`.
    Overview,
    /// `closeups/event-<id>.png`.
    Closeups,
    /// `report.html`, self-contained.
    Html,
}

impl Format {
    /// Every format, in the order they are written.
    pub const ALL: [Format; 9] = [
        Format::Json,
        Format::Csv,
        Format::Labels,
        Format::Srt,
        Format::Vtt,
        Format::SonicVisualiser,
        Format::Overview,
        Format::Closeups,
        Format::Html,
    ];
}

/// Sizes and spans of the images (echoed nowhere: they change pictures, not findings).
pub const OVERVIEW_PX: (u32, u32) = (1600, 640);
/// Close-up size in pixels.
pub const CLOSEUP_PX: (u32, u32) = (900, 420);
/// Close-ups span this long either side of the onset, in seconds.
pub const CLOSEUP_HALF_S: f64 = 0.5;
/// Listening copies span this long either side of the onset, in seconds.
pub const LISTEN_HALF_S: f64 = 1.5;

/// A text export: analysis in, file contents out.
type Render = fn(&Analysis) -> String;

fn write_text(path: &Path, text: &[u8]) -> Result<PathBuf> {
    atomic::write(path, text)?;
    Ok(path.to_path_buf())
}

/// Writes the chosen `formats` of analysis `a` (whose mono mix is `mono`) into `dir`;
/// returns the files written.
///
/// # Errors
/// [`Error::Write`] for an output that cannot be written or drawn.
pub fn write_all(
    dir: &Path,
    a: &Analysis,
    mono: &[f32],
    formats: &[Format],
) -> Result<Vec<PathBuf>> {
    let has = |f: Format| formats.contains(&f);
    let mut written = Vec::new();
    if has(Format::Json) {
        let target = dir.join("events.json");
        let mut json =
            serde_json::to_vec_pretty(a).map_err(|e| Error::write(&target, e.to_string()))?;
        json.push(b'\n');
        written.push(write_text(&target, &json)?);
    }
    let texts: [(Format, &str, Render); 5] = [
        (Format::Csv, "events.csv", exports::events_csv),
        (Format::Labels, "labels.txt", exports::audacity_labels),
        (Format::Srt, "events.srt", exports::srt),
        (Format::Vtt, "events.vtt", exports::vtt),
        (
            Format::SonicVisualiser,
            "sonic-visualiser.csv",
            exports::sonic_visualiser_csv,
        ),
    ];
    for (f, name, render) in texts {
        if has(f) {
            written.push(write_text(&dir.join(name), render(a).as_bytes())?);
        }
    }
    if has(Format::Overview) {
        let target = dir.join("overview.png");
        let png = plot::png(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, mono, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        written.push(write_text(&target, &png)?);
        let target = dir.join("overview.svg");
        let svg = plot::svg(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, mono, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        written.push(write_text(&target, svg.as_bytes())?);
    }
    if has(Format::Closeups) {
        let sub = dir.join("closeups");
        std::fs::create_dir_all(&sub).map_err(|e| Error::write(&sub, e.to_string()))?;
        for e in &a.events {
            let target = sub.join(format!("event-{}.png", e.id));
            let png = plot::png(CLOSEUP_PX, |area| {
                plot::draw_closeup(area, CLOSEUP_PX, mono, a, e, CLOSEUP_HALF_S)
            })
            .map_err(|e| Error::write(&target, e))?;
            written.push(write_text(&target, &png)?);
        }
    }
    if has(Format::Html) {
        let target = dir.join("report.html");
        let sr = f64::from(a.audio.sample_rate);
        let overview = plot::jpeg(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, mono, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        let mut media = html::Media {
            overview_jpeg: overview,
            closeups: Vec::with_capacity(a.events.len()),
        };
        for e in &a.events {
            let img = plot::jpeg(CLOSEUP_PX, |area| {
                plot::draw_closeup(area, CLOSEUP_PX, mono, a, e, CLOSEUP_HALF_S)
            })
            .map_err(|e| Error::write(&target, e))?;
            let lo = ((e.onset_s - LISTEN_HALF_S).max(0.0) * sr) as usize;
            let hi = (((e.onset_s + LISTEN_HALF_S) * sr) as usize).min(mono.len());
            let wav =
                wav::listening_copy(mono.get(lo..hi.max(lo)).unwrap_or(&[]), a.audio.sample_rate);
            media.closeups.push((img, wav));
        }
        written.push(write_text(&target, html::render(a, &media).as_bytes())?);
    }
    Ok(written)
}
