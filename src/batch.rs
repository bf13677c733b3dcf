//! Batch analysis of many clips: gather the inputs (files, folders searched recursively with
//! media recognised by content, manifests), take a deterministic shard, hash every file, analyse
//! each distinct file once in parallel, and summarise. Each clip's reports are written
//! atomically by [`crate::report`], so an interrupted batch leaves finished reports intact and
//! `resume` picks up where it stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Analysis;
use crate::pipeline::{self, AnalyzeParams};
use crate::report::{self, Format};

/// Extensions of media files, for files whose first bytes are not recognised (a truncated or
/// empty clip still deserves a row).
const MEDIA_EXTENSIONS: [&str; 32] = [
    "mp4", "m4a", "m4v", "mov", "3gp", "3g2", "mkv", "webm", "mka", "mp3", "wav", "flac", "ogg",
    "oga", "opus", "aac", "aif", "aiff", "caf", "amr", "awb", "wma", "ts", "m2ts", "mts", "avi",
    "mpg", "mpeg", "vob", "mod", "tod", "dav",
];

/// Whether the first bytes of a file say it is audio or video.
pub fn looks_like_media(head: &[u8]) -> bool {
    let at = |i: usize, m: &[u8]| head.get(i..i + m.len()) == Some(m);
    at(4, b"ftyp")
        || (at(0, b"RIFF") && (at(8, b"WAVE") || at(8, b"AVI ")))
        || at(0, b"fLaC")
        || at(0, b"OggS")
        || at(0, b"ID3")
        || at(0, &[0x1a, 0x45, 0xdf, 0xa3])
        || (at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")))
        || at(0, b"caff")
        || at(0, b"#!AMR")
        || at(0, &[0, 0, 1, 0xba])
        || at(0, b"IMKH")
        || at(0, b"DHAV")
        || at(0, b"DAHUA")
        || at(0, &[0x30, 0x26, 0xb2, 0x75])
        || at(0, b"FLV")
        || (head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0)
        || (head.len() > 376 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47)
        || (head.len() > 388 && head[4] == 0x47 && head[196] == 0x47 && head[388] == 0x47)
}

fn has_media_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn head_of(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; 512];
    let n = std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(n);
    buf
}

/// One clip of a batch, and what its manifest row says of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clip {
    /// The media file.
    pub path: PathBuf,
    /// The manifest's `transcript` column: this clip's transcript, used instead of one found
    /// next to it (a translator's captions seldom share the clip's name).
    pub transcript: Option<PathBuf>,
    /// The `audio_stream` column: the stream to analyse, as `--audio-stream` counts them, over
    /// the batch's own.
    pub audio_stream: Option<usize>,
    /// The `transcript_offset_s` column: the transcript's clock offset, as
    /// `--transcript-offset` gives it (transcript_time = audio_time + offset).
    pub transcript_offset_s: Option<f64>,
}

impl Clip {
    /// A clip with nothing said of it but its path.
    pub fn at(path: impl Into<PathBuf>) -> Clip {
        Clip {
            path: path.into(),
            ..Clip::default()
        }
    }

    /// What the manifest set for this clip, as text (empty when nothing): part of its report
    /// folder's name, so one file listed twice with two streams or two transcripts gets two
    /// reports.
    fn settings(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.audio_stream {
            s.push_str(&format!("#audio_stream={n}"));
        }
        if let Some(t) = &self.transcript {
            s.push_str(&format!("#transcript={}", t.display()));
        }
        if let Some(o) = self.transcript_offset_s {
            s.push_str(&format!("#transcript_offset_s={o}"));
        }
        s
    }

    /// The analysis parameters for this clip: `base` with the manifest's stream and offset.
    pub fn params(&self, base: &AnalyzeParams) -> AnalyzeParams {
        let mut p = base.clone();
        p.decode.stream = self.audio_stream.or(p.decode.stream);
        p.transcript.offset_s = self.transcript_offset_s.or(p.transcript.offset_s);
        p
    }
}

/// The inputs of a batch.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Clips to analyse, sorted by path, without repeats.
    pub clips: Vec<Clip>,
    /// Files found in folders that are not media (by content or extension), not analysed.
    pub ignored: Vec<PathBuf>,
}

/// Gathers clips from `paths` (files are taken as given; folders are searched recursively)
/// and from `manifests` (one path per line, or a CSV or TSV with a `path` column and optional
/// `transcript`, `audio_stream` and `transcript_offset_s` columns; relative paths are resolved
/// against the manifest's folder).
///
/// # Errors
/// A path or manifest that does not exist or cannot be read, or a manifest cell that does not
/// say what its column asks for.
pub fn gather(paths: &[PathBuf], manifests: &[PathBuf]) -> Result<Inputs> {
    let mut inputs = Inputs::default();
    let mut stack: Vec<PathBuf> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::read(p, &e))?;
        if meta.is_dir() {
            stack.push(p.clone());
        } else {
            inputs.clips.push(Clip::at(p));
        }
    }
    for m in manifests {
        let text = std::fs::read_to_string(m).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Error::media(
                m,
                "not a text manifest (UTF-8: one path per line, or a CSV with a `path` column)",
            ),
            _ => Error::read(m, &e),
        })?;
        inputs.clips.extend(manifest(m, &text)?);
    }
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| Error::read(&dir, &e))?;
        for entry in rd.flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if looks_like_media(&head_of(&p)) || has_media_extension(&p) {
                        inputs.clips.push(Clip::at(p));
                    } else {
                        inputs.ignored.push(p);
                    }
                }
                _ => {}
            }
        }
    }
    // Stable: a file listed twice with different settings keeps the manifest's order.
    inputs.clips.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.clips.dedup();
    inputs.ignored.sort();
    Ok(inputs)
}

/// The clips of manifest `m` (its `text`): a CSV or TSV whose header names a `path` column,
/// or else one path per line (`#` comments and blank lines skipped).
fn manifest(m: &Path, text: &str) -> Result<Vec<Clip>> {
    let base = m.parent().unwrap_or(Path::new("."));
    let resolve = |s: &str| {
        let p = Path::new(s.trim());
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let sep = if first.contains('\t') { '\t' } else { ',' };
    let records = crate::transcript::csv::records(text, sep);
    let records: Vec<_> = records
        .into_iter()
        .filter(|(_, r)| !r[0].trim_start().starts_with('#'))
        .collect();
    let header: Vec<String> = records.first().map_or(Vec::new(), |(_, h)| {
        h.iter().map(|c| c.trim().to_ascii_lowercase()).collect()
    });
    let column = |name: &str| header.iter().position(|h| h == name);
    let Some(path_col) = column("path") else {
        return Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| Clip::at(resolve(l.trim_matches('"'))))
            .collect());
    };
    let (transcript_col, stream_col, offset_col) = (
        column("transcript"),
        column("audio_stream"),
        column("transcript_offset_s"),
    );
    let mut clips = Vec::new();
    for (line, row) in records.iter().skip(1) {
        let cell = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let bad = |what: &str, v: &str| {
            Error::media(
                m,
                format!(
                    "line {line}: {what} '{v}' is not {}",
                    match what {
                        "audio_stream" =>
                            "a stream index (0, 1, 2, ... as `earwitness probe` lists them)",
                        _ => "a number of seconds",
                    }
                ),
            )
        };
        let Some(path) = cell(Some(path_col)) else {
            continue;
        };
        let audio_stream = match cell(stream_col) {
            Some(v) => Some(v.parse::<usize>().map_err(|_| bad("audio_stream", v))?),
            None => None,
        };
        let transcript_offset_s = match cell(offset_col) {
            Some(v) => Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|o| o.is_finite())
                    .ok_or_else(|| bad("transcript_offset_s", v))?,
            ),
            None => None,
        };
        clips.push(Clip {
            path: resolve(path),
            transcript: cell(transcript_col).map(resolve),
            audio_stream,
            transcript_offset_s,
        });
    }
    Ok(clips)
}

/// FNV-1a, 64-bit: a stable hash (the standard library's is randomised per process) for
/// shard selection and folder names.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The clips of shard `k` of `n` (1-based): those whose path hashes to `k - 1` modulo `n`. The
/// same inputs give the same split on every machine, whatever the listing order.
pub fn shard(clips: Vec<Clip>, k: usize, n: usize) -> Vec<Clip> {
    clips
        .into_iter()
        .filter(|c| fnv1a(c.path.to_string_lossy().as_bytes()) % n as u64 == (k - 1) as u64)
        .collect()
}

/// The report folder of a clip: its stem plus a short hash of its path (and of what its
/// manifest row sets, when it sets anything), so two `clip.mp4` in different folders, or one
/// listed with two audio streams, do not collide and the name still says which clip it is.
pub fn report_name(clip: &Clip) -> String {
    let p = &clip.path;
    let stem: String = p
        .file_stem()
        .map_or("clip".into(), |s| s.to_string_lossy().to_string())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let key = format!("{}{}", p.to_string_lossy(), clip.settings());
    format!("{stem}-{:08x}", fnv1a(key.as_bytes()) as u32)
}

/// A transcript next to a clip with the same stem (`clip.srt`, `clip.vtt`, `clip.json`, in
/// that order of preference).
pub fn sidecar_transcript(clip: &Path) -> Option<PathBuf> {
    ["srt", "vtt", "json"]
        .iter()
        .map(|e| clip.with_extension(e))
        .find(|p| p != clip && p.is_file())
}

/// One row of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The clip's path, as found.
    pub path: String,
    /// SHA-256 of the file (empty when it could not be read).
    pub sha256: String,
    /// Duration analysed, seconds.
    pub duration_s: Option<f64>,
    /// `ok`, `duplicate` (same content as `duplicate_of`, analysed once) or `error`.
    pub status: String,
    /// What went wrong, for `error`.
    pub error: Option<String>,
    /// Impulsive events.
    pub events: Option<usize>,
    /// Gunshot-like events.
    pub gunshot_like: Option<usize>,
    /// Of those, how many may be an earlier one's echo (`events[].possible_echo`): the shots
    /// heard are at least `gunshot_like` minus these. None in summaries written before it.
    #[serde(default)]
    pub possible_echoes: Option<usize>,
    /// Onset of the first gunshot-like event, seconds.
    pub first_gunshot_s: Option<f64>,
    /// Bursts.
    pub bursts: Option<usize>,
    /// Highest gunshot score.
    pub max_score: Option<f64>,
    /// The transcript used, if any.
    pub transcript: Option<String>,
    /// Report folder, relative to the batch output folder.
    pub report: Option<String>,
    /// For duplicates: the path whose report holds the analysis.
    pub duplicate_of: Option<String>,
    /// The audio stream analysed, when one was asked for (`--audio-stream`, or the manifest's
    /// `audio_stream` column); none for the decoder's first.
    #[serde(default)]
    pub audio_stream: Option<usize>,
    /// SHA-256 of the transcript used, if any: with the clip's own and its stream, what makes
    /// two rows the same analysis (`merge` reads it).
    #[serde(default)]
    pub transcript_sha256: Option<String>,
    /// The transcript's clock offset given for this clip (`--transcript-offset`, or the
    /// manifest's `transcript_offset_s` column), if any: two copies at different offsets are two
    /// analyses, since the captions decide which sounds are set aside as word onsets (`merge`
    /// reads it).
    #[serde(default)]
    pub transcript_offset_s: Option<f64>,
    /// Why the file is not whole, when it is not (`input.problem` of its report: truncated,
    /// cut short, damaged pages or frames, corrupt part-way): the clips whose times are in
    /// doubt, to be found among thousands without opening each report.
    #[serde(default)]
    pub problem: Option<String>,
    /// Taken from an earlier run's report (same file and parameters); not in the summaries,
    /// which are the same whether or not a run was resumed.
    #[serde(skip)]
    pub resumed: bool,
}

impl Row {
    fn from_analysis(path: &Path, a: &Analysis, status: &str, report: &str) -> Row {
        let shots: Vec<_> = a.events.iter().filter(|e| e.class == "gunshot").collect();
        Row {
            path: path.display().to_string(),
            sha256: a.input.sha256.clone(),
            duration_s: Some(a.audio.duration_s),
            status: status.into(),
            error: None,
            events: Some(a.events.len()),
            gunshot_like: Some(shots.len()),
            possible_echoes: Some(shots.iter().filter(|e| e.possible_echo.is_some()).count()),
            first_gunshot_s: shots.first().map(|e| e.onset_s),
            bursts: Some(a.bursts.len()),
            max_score: a.events.iter().map(|e| e.gunshot_score).reduce(f64::max),
            transcript: a.transcript.as_ref().map(|t| t.path.clone()),
            report: Some(report.into()),
            duplicate_of: None,
            audio_stream: a.params.decode.stream,
            transcript_sha256: None,
            transcript_offset_s: a.params.transcript.offset_s,
            problem: a.input.problem.clone(),
            resumed: false,
        }
    }

    fn error(clip: &Clip, sha256: &str, e: &Error) -> Row {
        let path = &clip.path;
        Row {
            path: path.display().to_string(),
            sha256: sha256.into(),
            duration_s: None,
            status: "error".into(),
            error: Some(e.to_string()),
            events: None,
            gunshot_like: None,
            possible_echoes: None,
            first_gunshot_s: None,
            bursts: None,
            max_score: None,
            transcript: None,
            report: None,
            duplicate_of: None,
            audio_stream: clip.audio_stream,
            transcript_sha256: None,
            transcript_offset_s: clip.transcript_offset_s,
            problem: None,
            resumed: false,
        }
    }
}

/// Batch options.
#[derive(Debug, Clone)]
pub struct BatchParams {
    /// Clips analysed at once.
    pub jobs: usize,
    /// Keep reports whose file and parameters are unchanged.
    pub resume: bool,
    /// Use `clip.srt` / `.vtt` / `.json` next to each clip.
    pub sidecar_transcripts: bool,
    /// Outputs per clip.
    pub formats: Vec<Format>,
    /// Analysis parameters.
    pub analyze: AnalyzeParams,
}

/// An earlier report for `clip` in `dir` with the same file, parameters and transcript and
/// every output now asked for, if any.
fn earlier(
    dir: &Path,
    sha256: &str,
    p: &AnalyzeParams,
    transcript: Option<&Path>,
    formats: &[Format],
) -> Option<Analysis> {
    if !formats.iter().all(|f| dir.join(f.marker()).exists()) {
        return None;
    }
    let bytes = std::fs::read(dir.join("events.json")).ok()?;
    let a: Analysis = serde_json::from_slice(&bytes).ok()?;
    let same_transcript = a.transcript.as_ref().map(|t| t.path.clone())
        == transcript.map(|t| t.display().to_string());
    (a.input.sha256 == sha256 && a.params == *p && same_transcript).then_some(a)
}

/// Runs the batch over `clips` into `out`, calling `progress(done, total, row)` as each clip
/// finishes; returns the rows in the order of `clips`.
pub fn run(
    clips: &[Clip],
    out: &Path,
    p: &BatchParams,
    progress: &(dyn Fn(usize, usize, &Row) + Sync),
) -> Vec<Row> {
    let transcripts: Vec<Option<PathBuf>> = clips
        .iter()
        .map(|c| {
            c.transcript.clone().or_else(|| {
                p.sidecar_transcripts
                    .then(|| sidecar_transcript(&c.path))
                    .flatten()
            })
        })
        .collect();
    // Hash every file; the first clip (in sorted order) of each content is analysed, and the
    // others with the same content, the same transcript (by content) and the same settings
    // take its analysis.
    let hashes: Vec<std::result::Result<String, Error>> = clips
        .iter()
        .map(|c| crate::probe::hash_file(&c.path).map(|(_, h)| h))
        .collect();
    let transcript_hashes: Vec<Option<String>> = transcripts
        .iter()
        .map(|t| {
            let t = t.as_ref()?;
            crate::probe::hash_file(t).ok().map(|(_, h)| h)
        })
        .collect();
    let keys: Vec<Option<String>> = (0..clips.len())
        .map(|i| {
            let media = hashes[i].as_ref().ok()?;
            // A transcript that cannot be read is known by its path (its clip's row will say
            // what is wrong with it).
            let transcript = transcript_hashes[i].clone().unwrap_or_else(|| {
                transcripts[i]
                    .as_ref()
                    .map_or(String::new(), |t| t.display().to_string())
            });
            let c = &clips[i];
            Some(format!(
                "{media}|{transcript}|{:?}|{:?}",
                c.audio_stream, c.transcript_offset_s
            ))
        })
        .collect();
    let mut first_of: BTreeMap<String, usize> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            first_of.entry(k.clone()).or_insert(i);
        }
    }
    let work: Vec<usize> = (0..clips.len())
        .filter(|&i| match &keys[i] {
            Some(k) => first_of.get(k) == Some(&i),
            None => true,
        })
        .collect();
    let rows: Mutex<Vec<Option<Row>>> = Mutex::new(vec![None; clips.len()]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let total = clips.len();
    let analyse = |i: usize| -> Row {
        let clip = &clips[i];
        let sha = match &hashes[i] {
            Ok(h) => h.clone(),
            Err(e) => return Row::error(clip, "", e),
        };
        let name = report_name(clip);
        let dir = out.join(&name);
        let transcript = transcripts[i].as_deref();
        let params = clip.params(&p.analyze);
        if p.resume
            && let Some(a) = earlier(&dir, &sha, &params, transcript, &p.formats)
        {
            let mut r = Row::from_analysis(&clip.path, &a, "ok", &name);
            r.resumed = true;
            return r;
        }
        let result = crate::cli::guarded(&clip.path, || {
            let run = pipeline::run(
                &clip.path,
                transcript,
                &params,
                report::overview_columns(&p.formats),
            )?;
            // The folder appears only for a clip that could be analysed.
            std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e.to_string()))?;
            report::write_all(&dir, &run, &p.formats)?;
            Ok(run.analysis)
        });
        match result {
            Ok(a) => Row::from_analysis(&clip.path, &a, "ok", &name),
            Err(e) => Row::error(clip, &sha, &e),
        }
    };
    std::thread::scope(|s| {
        for _ in 0..p.jobs.max(1).min(work.len().max(1)) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&i) = work.get(k) else { break };
                    let mut row = analyse(i);
                    row.transcript_sha256.clone_from(&transcript_hashes[i]);
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    progress(n, total, &row);
                    // A poisoned lock still holds every row stored so far: keep them all.
                    let mut r = rows
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    r[i] = Some(row);
                }
            });
        }
    });
    let mut rows: Vec<Option<Row>> = rows
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Duplicates share the analysis of the first clip with the same content and settings.
    for i in 0..clips.len() {
        if rows[i].is_some() {
            continue;
        }
        let first = keys[i].as_ref().and_then(|k| first_of.get(k)).copied();
        if let Some(f) = first
            && let Some(orig) = rows[f].clone()
        {
            let mut r = orig;
            r.path = clips[i].path.display().to_string();
            r.transcript = transcripts[i].as_ref().map(|t| t.display().to_string());
            r.transcript_sha256.clone_from(&transcript_hashes[i]);
            r.status = if r.status == "error" {
                "error".into()
            } else {
                "duplicate".into()
            };
            r.resumed = false;
            r.duplicate_of = Some(clips[f].path.display().to_string());
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            progress(n, total, &r);
            rows[i] = Some(r);
        }
    }
    rows.into_iter().flatten().collect()
}

/// The summary as CSV.
pub fn summary_csv(rows: &[Row]) -> String {
    use crate::report::exports::csv_text;
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut s = String::from(
        "path,sha256,duration_s,status,error,events,gunshot_like,possible_echoes,first_gunshot_s,bursts,max_score,transcript,report,duplicate_of,audio_stream,transcript_offset_s,problem\n",
    );
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_text(&r.path),
            r.sha256,
            opt(r.duration_s.map(|d| format!("{d:.3}"))),
            r.status,
            csv_text(&opt(r.error.clone())),
            opt(r.events.map(|v| v.to_string())),
            opt(r.gunshot_like.map(|v| v.to_string())),
            opt(r.possible_echoes.map(|v| v.to_string())),
            opt(r.first_gunshot_s.map(|v| format!("{v:.6}"))),
            opt(r.bursts.map(|v| v.to_string())),
            opt(r.max_score.map(|v| format!("{v:.3}"))),
            csv_text(&opt(r.transcript.clone())),
            csv_text(&opt(r.report.clone())),
            csv_text(&opt(r.duplicate_of.clone())),
            opt(r.audio_stream.map(|v| v.to_string())),
            opt(r.transcript_offset_s.map(|v| v.to_string())),
            csv_text(&opt(r.problem.clone())),
        ));
    }
    s
}

/// The summary as JSON lines, one row per line.
pub fn summary_jsonl(rows: &[Row]) -> String {
    rows.iter()
        .filter_map(|r| serde_json::to_string(r).ok())
        .map(|l| l + "\n")
        .collect()
}

/// `index.html`: every clip, most gunshot-like events first, linked to its report.
pub fn index_html(rows: &[Row]) -> String {
    use maud::{DOCTYPE, html};
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        b.gunshot_like
            .unwrap_or(0)
            .cmp(&a.gunshot_like.unwrap_or(0))
            .then(
                b.max_score
                    .unwrap_or(0.0)
                    .total_cmp(&a.max_score.unwrap_or(0.0)),
            )
            .then(a.path.cmp(&b.path))
    });
    let failed = rows.iter().filter(|r| r.status == "error").count();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
                title { "earwitness batch: " (rows.len()) " clips" }
                style { "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}th{background:#f4f4f4}.error{color:#a00}.mono{font-family:ui-monospace,monospace}" }
            }
            body {
                h1 { (rows.len()) " clips" }
                p { (rows.iter().filter(|r| r.gunshot_like.unwrap_or(0) > 0).count()) " with gunshot-like events; "
                    (failed) " could not be analysed. Sorted by the number of gunshot-like events." }
                table {
                    tr { th { "clip" } th { "gunshot-like" } th { "first at (s)" } th { "max score" } th { "events" } th { "bursts" } th { "duration (s)" } th { "status" } }
                    @for r in sorted {
                        tr {
                            td class="mono" { @if let Some(rep) = &r.report { a href=(format!("{rep}/report.html")) { (r.path) } } @else { (r.path) } }
                            td { (r.gunshot_like.map(|v| v.to_string()).unwrap_or_default())
                                @if let Some(n) = r.possible_echoes.filter(|&n| n > 0) { " (" (n) " may be echoes)" } }
                            td { (r.first_gunshot_s.map(|v| format!("{v:.3}")).unwrap_or_default()) }
                            td { (r.max_score.map(|v| format!("{v:.2}")).unwrap_or_default()) }
                            td { (r.events.map(|v| v.to_string()).unwrap_or_default()) }
                            td { (r.bursts.map(|v| v.to_string()).unwrap_or_default()) }
                            td { (r.duration_s.map(|v| format!("{v:.1}")).unwrap_or_default()) }
                            td class=(if r.status == "error" { "error" } else { "" }) {
                                (r.status)
                                @if let Some(e) = &r.error { ": " (e) }
                                @if let Some(d) = &r.duplicate_of { " of " span class="mono" { (d) } }
                                @if let Some(p) = &r.problem { br; span class="error" { "problem: " (p) } }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// The summary files of a run: `summary.*` and `index.html`, or for shard K of N
/// `summary-K-of-N.*` and `index-K-of-N.html`, so shards can share one output folder.
pub fn summary_names(shard: Option<(usize, usize)>) -> [String; 3] {
    match shard {
        Some((k, n)) => [
            format!("summary-{k}-of-{n}.csv"),
            format!("summary-{k}-of-{n}.jsonl"),
            format!("index-{k}-of-{n}.html"),
        ],
        None => [
            "summary.csv".into(),
            "summary.jsonl".into(),
            "index.html".into(),
        ],
    }
}

/// `path` relative to folder `from` (both made absolute), for links between folders.
fn relative(path: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, f) = (abs(path), abs(from));
    let (pc, fc): (Vec<_>, Vec<_>) = (p.components().collect(), f.components().collect());
    let common = pc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c);
    }
    out
}

/// Merges the summaries found in `dirs` (every `summary*.jsonl`) into one list for `out`:
/// report folders made relative to `out`, rows in path order, and files with the same content
/// in different shards turned into duplicates of the first, as one unsharded run would have
/// them.
///
/// # Errors
/// A folder or summary that cannot be read.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    for d in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| Error::read(d, &e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                n.starts_with("summary") && n.ends_with(".jsonl")
            })
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| Error::read(&f, &e))?;
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let mut r: Row = serde_json::from_str(line).map_err(|e| {
                    Error::media(&f, format!("line {}: not a summary row: {e}", n + 1))
                })?;
                r.report = r
                    .report
                    .map(|rep| relative(&d.join(rep), out).display().to_string());
                rows.push(r);
            }
        }
    }
    rows.sort_by(|a, b| Path::new(&a.path).cmp(Path::new(&b.path)));
    // One row per clip and settings: a file listed with two streams, transcripts or offsets
    // has a row (and a report folder, named from them) for each; a row read twice (two
    // summaries of one folder, or the same clip in two folders) is kept once.
    let mut seen = std::collections::BTreeSet::new();
    rows.retain(|r| {
        let folder = r
            .report
            .as_deref()
            .and_then(|rep| Path::new(rep).file_name())
            .map(|n| n.to_string_lossy().to_string());
        seen.insert((r.path.clone(), r.audio_stream, r.transcript.clone(), folder))
    });
    let mut first: BTreeMap<String, Row> = BTreeMap::new();
    for r in &mut rows {
        if r.sha256.is_empty() || r.status == "error" {
            continue;
        }
        let key = format!(
            "{}|{:?}|{:?}|{:?}",
            r.sha256, r.transcript_sha256, r.audio_stream, r.transcript_offset_s
        );
        match first.get(&key) {
            None => {
                first.insert(key, r.clone());
            }
            Some(orig) if r.status == "ok" => {
                let (path, transcript) = (r.path.clone(), r.transcript.clone());
                *r = orig.clone();
                r.path = path;
                r.transcript = transcript;
                r.status = "duplicate".into();
                r.duplicate_of = Some(orig.path.clone());
            }
            Some(_) => {}
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_is_recognised_by_content() {
        assert!(looks_like_media(b"\0\0\0\x20ftypisom"));
        assert!(looks_like_media(b"RIFF\0\0\0\0WAVEfmt "));
        assert!(looks_like_media(b"OggS\0\x02"));
        assert!(looks_like_media(&[0xff, 0xfb, 0x90, 0x64]));
        // M2TS: 192-byte packets, each behind a 4-byte time code.
        let mut m2ts = vec![0u8; 400];
        for k in 0..3 {
            m2ts[4 + 192 * k] = 0x47;
        }
        assert!(looks_like_media(&m2ts));
        assert!(looks_like_media(b"#!AMR-WB\n\x44"));
        assert!(looks_like_media(&[0, 0, 1, 0xba, 0x44, 0, 4, 0]));
        assert!(looks_like_media(b"IMKH\x01\x01\0\0\x02\0"));
        assert!(looks_like_media(b"DHAV\xfd\0\0\0"));
        assert!(has_media_extension(Path::new("export/ch01.DAV")));
        // An AMR-WB file cut before its first bytes were written is still listed by its name.
        assert!(has_media_extension(Path::new("call/0412.awb")));
        assert!(!looks_like_media(b"hello world"));
        assert!(!looks_like_media(b"%PDF-1.7"));
    }

    #[test]
    fn shards_partition_the_inputs_deterministically() {
        let clips: Vec<Clip> = (0..100)
            .map(|i| Clip::at(format!("dir/clip{i}.mp4")))
            .collect();
        let path = |c: Clip| c.path;
        let mut all: Vec<PathBuf> = (1..=3)
            .flat_map(|k| shard(clips.clone(), k, 3))
            .map(path)
            .collect();
        all.sort();
        let mut want: Vec<PathBuf> = clips.iter().cloned().map(path).collect();
        want.sort();
        assert_eq!(all, want);
        assert_eq!(
            shard(clips.clone(), 2, 3),
            shard(clips.iter().rev().cloned().collect(), 2, 3)
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
        );
        assert!(shard(clips, 1, 3).len() > 20);
    }

    #[test]
    fn report_names_are_traceable_and_distinct() {
        let a = report_name(&Clip::at("a/clip.mp4"));
        let b = report_name(&Clip::at("b/clip.mp4"));
        assert!(a.starts_with("clip-") && b.starts_with("clip-") && a != b);
        assert!(report_name(&Clip::at("x/Встать! <1>.mp4")).starts_with("Встать___1_-"));
        // The same file asked for with another stream has a report of its own.
        let second = Clip {
            audio_stream: Some(2),
            ..Clip::at("a/clip.mp4")
        };
        let c = report_name(&second);
        assert!(c.starts_with("clip-") && c != a, "{c} {a}");
    }

    #[test]
    fn a_csv_manifest_gives_each_clip_its_transcript_stream_and_offset() {
        let m = Path::new("/cases/17/manifest.csv");
        let text = "\u{feff}Path,notes,Transcript,audio_stream,transcript_offset_s\n\
                    # a comment\n\
                    clips/a.mp4,\"shot, then shouting\",captions/a.en.srt,1,-8.5\n\
                    /elsewhere/b.mov,,,,\n\
                    \n\
                    \"clips/c, part 2.mp4\",,c.vtt,,\n";
        let clips = manifest(m, text).unwrap();
        assert_eq!(
            clips,
            vec![
                Clip {
                    path: "/cases/17/clips/a.mp4".into(),
                    transcript: Some("/cases/17/captions/a.en.srt".into()),
                    audio_stream: Some(1),
                    transcript_offset_s: Some(-8.5),
                },
                Clip::at("/elsewhere/b.mov"),
                Clip {
                    transcript: Some("/cases/17/c.vtt".into()),
                    ..Clip::at("/cases/17/clips/c, part 2.mp4")
                },
            ]
        );
        // A TSV, and a plain list (a path with a comma in it stays whole).
        let tsv = manifest(m, "path\taudio_stream\na.mkv\t3\n").unwrap();
        assert_eq!(tsv[0].audio_stream, Some(3));
        let plain = manifest(m, "# clips\na.mp4\nb, c.mp4\n").unwrap();
        assert_eq!(
            plain,
            vec![Clip::at("/cases/17/a.mp4"), Clip::at("/cases/17/b, c.mp4")]
        );
    }

    #[test]
    fn a_manifest_cell_that_is_not_what_its_column_asks_names_the_file_and_line() {
        let m = Path::new("cases/manifest.csv");
        let e = manifest(m, "path,audio_stream\na.mp4,0\nb.mp4,second\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("manifest.csv") && msg.contains("line 3") && msg.contains("'second'"),
            "{msg}"
        );
        let e = manifest(m, "path,transcript_offset_s\na.mp4,inf\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn merge_keeps_a_row_per_clip_and_settings_and_a_row_read_twice_once() {
        let t = tempfile::tempdir().unwrap();
        let row = |offset: Option<f64>, stream: Option<usize>| {
            let clip = Clip {
                audio_stream: stream,
                transcript_offset_s: offset,
                ..Clip::at("a.mp4")
            };
            let mut r = Row::error(&clip, "", &Error::media(&clip.path, "x"));
            r.status = "ok".into();
            r.report = Some(report_name(&clip));
            r
        };
        // The same file with two offsets and with another stream, and the second row again in
        // a second summary of the folder (read first: "summary-2" sorts before "summary.").
        let rows = [
            row(Some(1.0), None),
            row(Some(2.0), None),
            row(None, Some(1)),
        ];
        std::fs::write(t.path().join("summary.jsonl"), summary_jsonl(&rows)).unwrap();
        std::fs::write(t.path().join("summary-2.jsonl"), summary_jsonl(&rows[1..2])).unwrap();
        let merged = merge(&[t.path().to_path_buf()], t.path()).unwrap();
        assert_eq!(merged.len(), 3, "{merged:#?}");
        let mut reports: Vec<_> = merged.iter().map(|r| r.report.clone()).collect();
        reports.dedup();
        assert_eq!(reports.len(), 3);
    }

    #[test]
    fn merge_tells_copies_apart_by_their_transcript_offset() {
        // The same content in two shards: at two offsets (two analyses, the captions set aside
        // other sounds), and a third copy at the first's offset (a duplicate of it).
        let row = |dir: &Path, path: &str, offset: Option<f64>| {
            let clip = Clip {
                transcript_offset_s: offset,
                ..Clip::at(path)
            };
            let mut r = Row::error(&clip, "abc", &Error::media(&clip.path, "x"));
            (r.status, r.error, r.events) =
                ("ok".into(), None, Some(offset.map_or(0, |o| o as usize)));
            r.report = Some(report_name(&clip));
            std::fs::write(dir.join("summary.jsonl"), summary_jsonl(&[r])).unwrap();
        };
        let t = tempfile::tempdir().unwrap();
        let shards: Vec<PathBuf> = (0..3).map(|k| t.path().join(format!("s{k}"))).collect();
        for s in &shards {
            std::fs::create_dir(s).unwrap();
        }
        row(&shards[0], "a.mp4", Some(1.0));
        row(&shards[1], "b.mp4", Some(2.0));
        row(&shards[2], "c.mp4", Some(1.0));
        let merged = merge(&shards, t.path()).unwrap();
        let status: Vec<_> = merged
            .iter()
            .map(|r| {
                (
                    r.path.as_str(),
                    r.status.as_str(),
                    r.events,
                    r.transcript_offset_s,
                )
            })
            .collect();
        assert_eq!(
            status,
            [
                ("a.mp4", "ok", Some(1), Some(1.0)),
                ("b.mp4", "ok", Some(2), Some(2.0)),
                ("c.mp4", "duplicate", Some(1), Some(1.0)),
            ]
        );
    }

    #[test]
    fn a_clips_settings_go_over_the_batchs_parameters() {
        let mut base = AnalyzeParams::default();
        base.decode.stream = Some(1);
        base.transcript.offset_s = Some(2.0);
        assert_eq!(Clip::at("a.mp4").params(&base), base);
        let c = Clip {
            audio_stream: Some(4),
            transcript_offset_s: Some(-3.0),
            ..Clip::at("a.mp4")
        };
        let p = c.params(&base);
        assert_eq!(
            (p.decode.stream, p.transcript.offset_s),
            (Some(4), Some(-3.0))
        );
    }
}
