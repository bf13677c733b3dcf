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
use crate::pipeline::Outcome;

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

impl Format {
    /// The file (or folder) in a report folder whose presence shows this format was written.
    pub fn marker(self) -> &'static str {
        match self {
            Format::Json => "events.json",
            Format::Csv => "events.csv",
            Format::Labels => "labels.txt",
            Format::Srt => "events.srt",
            Format::Vtt => "events.vtt",
            Format::SonicVisualiser => "sonic-visualiser.csv",
            Format::Overview => "overview.svg",
            Format::Closeups => "closeups",
            Format::Html => "report.html",
        }
    }
}

/// Sizes and spans of the images (echoed nowhere: they change pictures, not findings).
pub const OVERVIEW_PX: (u32, u32) = (1600, 640);
/// Close-up size in pixels.
pub const CLOSEUP_PX: (u32, u32) = (900, 420);
/// Close-ups span this long either side of the onset, in seconds.
pub const CLOSEUP_HALF_S: f64 = 0.5;
/// Listening copies span this long either side of the onset, in seconds.
pub const LISTEN_HALF_S: f64 = 1.5;
/// report.html embeds a close-up and a listening copy for at most this many events (about
/// 280 kB each), so a long clip's report stays small enough to mail (under 15 MB); the
/// gunshot-like events come first, by score, then the others by detection score. Every event
/// is still in the table, and every close-up is in closeups/.
pub const HTML_MAX_MEDIA: usize = 40;

/// Width in pixels of the video frames shown beside close-ups.
pub const STILL_MAX_WIDTH: u32 = 480;

/// The video frame on screen at the event, when the input has video and the build can decode
/// it (the `ffmpeg` feature): at the event's onset on the video's timeline, which is the
/// audio's moved by where the container presents the audio (`input.audio.start_s`).
fn still(a: &Analysis, e: &crate::model::Event) -> Option<crate::decode::Still> {
    if !a.input.streams.iter().any(|s| s.kind == "video") {
        return None;
    }
    let at = e.onset_s + exports::video_start_s(a);
    crate::decode::video_still(Path::new(&a.input.path), at, STILL_MAX_WIDTH)
}

/// Indices of the events whose media report.html embeds (see [`HTML_MAX_MEDIA`]).
pub fn html_media_events(a: &Analysis) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.events.len()).collect();
    let key = |i: &usize| {
        let e = &a.events[*i];
        let shot = e.class == "gunshot";
        (
            !shot,
            -(if shot {
                e.gunshot_score
            } else {
                e.detection_score
            }),
        )
    };
    order.sort_by(|x, y| {
        key(x)
            .partial_cmp(&key(y))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order.truncate(HTML_MAX_MEDIA);
    order.sort_unstable();
    order
}

/// Workers per core for close-ups, which are written (and synced to disk) as they are drawn:
/// while one worker waits for its file to reach the disk, another draws.
const WRITERS_PER_CORE: usize = 2;

/// `draw(event)` for the events at `indices`, spread over the machine's cores (close-ups are
/// independent, and a long clip has hundreds) with `per_core` workers each; results in the
/// order of `indices`.
fn in_parallel<T: Send>(
    indices: &[usize],
    draw: impl Fn(usize, &crate::model::Event) -> T + Sync,
    a: &Analysis,
) -> Vec<T> {
    in_parallel_per_core(indices, draw, a, 1)
}

/// [`in_parallel`] with `per_core` workers per core.
fn in_parallel_per_core<T: Send>(
    indices: &[usize],
    draw: impl Fn(usize, &crate::model::Event) -> T + Sync,
    a: &Analysis,
    per_core: usize,
) -> Vec<T> {
    let threads = (std::thread::available_parallelism().map_or(1, |n| n.get()) * per_core.max(1))
        .min(indices.len().max(1));
    let chunk = indices.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = indices
            .chunks(chunk)
            .map(|part| {
                let draw = &draw;
                s.spawn(move || {
                    part.iter()
                        .map(|&i| draw(i, &a.events[i]))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// A text export: analysis in, file contents out.
type Render = fn(&Analysis) -> String;

fn write_text(path: &Path, text: &[u8]) -> Result<PathBuf> {
    atomic::write(path, text)?;
    Ok(path.to_path_buf())
}

/// How many time columns the analysis should pool its spectrogram into for `formats`: the
/// overview's plot width when a picture of the overview is wanted, else none.
pub fn overview_columns(formats: &[Format]) -> usize {
    if formats.contains(&Format::Overview) || formats.contains(&Format::Html) {
        plot::overview_plot_width(OVERVIEW_PX.0)
    } else {
        0
    }
}

/// Writes the chosen `formats` of an analysis `run` into `dir`; returns the files written.
///
/// # Errors
/// [`Error::Write`] for an output that cannot be written or drawn.
pub fn write_all(dir: &Path, run: &Outcome, formats: &[Format]) -> Result<Vec<PathBuf>> {
    let (a, mono) = (&run.analysis, &run.signal.mono[..]);
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
    let overview = (has(Format::Overview) || has(Format::Html))
        .then(|| plot::overview_data(OVERVIEW_PX, mono, run.overview.as_ref(), a));
    if let (true, Some(d)) = (has(Format::Overview), &overview) {
        let target = dir.join("overview.png");
        let png = plot::png(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, d, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        written.push(write_text(&target, &png)?);
        let target = dir.join("overview.svg");
        let svg = plot::svg(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, d, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        written.push(write_text(&target, svg.as_bytes())?);
    }
    // Events whose close-up and listening copy report.html embeds; their close-ups are
    // rendered once, for the PNG file and the embedded JPEG.
    let chosen = if has(Format::Html) {
        html_media_events(a)
    } else {
        Vec::new()
    };
    let mut jpegs: Vec<Option<Vec<u8>>> = vec![None; a.events.len()];
    if has(Format::Closeups) {
        let sub = dir.join("closeups");
        std::fs::create_dir_all(&sub).map_err(|e| Error::write(&sub, e.to_string()))?;
        let all: Vec<usize> = (0..a.events.len()).collect();
        // Each worker writes its pictures as it goes, so only a few are in memory at once.
        let results = in_parallel_per_core(
            &all,
            |i, e| {
                let target = sub.join(format!("event-{}.png", e.id));
                let werr = |err| Error::write(&target, err);
                let rgb = plot::render_rgb(CLOSEUP_PX, |area| {
                    plot::draw_closeup(area, CLOSEUP_PX, mono, a, e, CLOSEUP_HALF_S)
                })
                .map_err(werr)?;
                let path = write_text(&target, &plot::encode_png(&rgb, CLOSEUP_PX).map_err(werr)?)?;
                if let Some(f) = still(a, e) {
                    let target = sub.join(format!("event-{}-frame.png", e.id));
                    let png = plot::encode_png(&f.rgb, (f.width, f.height))
                        .map_err(|err| Error::write(&target, err))?;
                    write_text(&target, &png)?;
                }
                let jpeg = if chosen.binary_search(&i).is_ok() {
                    Some(plot::encode_jpeg(&rgb, CLOSEUP_PX).map_err(werr)?)
                } else {
                    None
                };
                Ok((path, jpeg))
            },
            a,
            WRITERS_PER_CORE,
        );
        for (i, r) in results.into_iter().enumerate() {
            let (path, jpeg) = r?;
            written.push(path);
            jpegs[i] = jpeg;
        }
    }
    if let (true, Some(d)) = (has(Format::Html), &overview) {
        let target = dir.join("report.html");
        let sr = f64::from(a.audio.sample_rate);
        let overview = plot::jpeg(OVERVIEW_PX, |area| {
            plot::draw_overview(area, OVERVIEW_PX, d, a)
        })
        .map_err(|e| Error::write(&target, e))?;
        let mut media = html::Media {
            overview_jpeg: overview,
            closeups: vec![(Vec::new(), Vec::new()); a.events.len()],
            stills: Vec::new(),
        };
        let missing: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|&i| jpegs[i].is_none())
            .collect();
        let drawn = in_parallel(
            &missing,
            |_, e| {
                plot::jpeg(CLOSEUP_PX, |area| {
                    plot::draw_closeup(area, CLOSEUP_PX, mono, a, e, CLOSEUP_HALF_S)
                })
                .map_err(|err| Error::write(&target, err))
            },
            a,
        );
        for (&i, img) in missing.iter().zip(drawn) {
            jpegs[i] = Some(img?);
        }
        let stills = in_parallel(
            &chosen,
            |_, e| {
                still(a, e).and_then(|f| {
                    plot::encode_jpeg(&f.rgb, (f.width, f.height))
                        .ok()
                        .map(|j| (j, f.time_s))
                })
            },
            a,
        );
        media.stills = vec![None; a.events.len()];
        for (&i, s) in chosen.iter().zip(stills) {
            media.stills[i] = s;
        }
        let wavs = in_parallel(
            &chosen,
            |_, e| {
                let lo = ((e.onset_s - LISTEN_HALF_S).max(0.0) * sr) as usize;
                let hi = (((e.onset_s + LISTEN_HALF_S) * sr) as usize).min(mono.len());
                wav::listening_copy(mono.get(lo..hi.max(lo)).unwrap_or(&[]), a.audio.sample_rate)
            },
            a,
        );
        for (&i, wav) in chosen.iter().zip(wavs) {
            media.closeups[i] = (jpegs[i].take().unwrap_or_default(), wav);
        }
        written.push(write_text(&target, html::render(a, &media).as_bytes())?);
    }
    Ok(written)
}
