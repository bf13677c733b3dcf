//! Prints `probe` results as text or JSON.

use std::fmt::Write as _;
use std::io::Write as _;

use super::ProbeArgs;
use crate::model::MediaProbe;
use crate::probe;

pub(super) fn run(args: &ProbeArgs) -> i32 {
    let params = args.decode.params();
    let mut code = 0;
    let mut reports = Vec::new();
    for clip in &args.clips {
        match super::guarded(clip, || probe::probe(clip, &params)) {
            Ok(p) => {
                if let Some(problem) = &p.problem {
                    eprintln!("earwitness: {}: {problem}", clip.display());
                    code = 2;
                }
                if !args.json {
                    print!("{}", render_text(&p));
                }
                reports.push(p);
            }
            Err(e) => {
                eprintln!("earwitness: {e}");
                code = e.exit_code();
            }
        }
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer_pretty(&mut out, &reports)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out));
        if written.is_err() {
            return 2;
        }
    }
    code
}

fn kbps(bits: Option<u64>) -> String {
    bits.map(|b| format!(", {} kb/s", (b + 500) / 1000))
        .unwrap_or_default()
}

fn secs(d: Option<f64>) -> String {
    d.map(|d| format!(", {d:.3} s")).unwrap_or_default()
}

fn tag_list(tags: &std::collections::BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The human-readable form of a probe.
pub fn render_text(p: &MediaProbe) -> String {
    let mut s = String::new();
    let c = &p.container;
    let _ = writeln!(s, "{}", p.path);
    let _ = writeln!(s, "  size       {} bytes", p.size_bytes);
    let _ = writeln!(s, "  sha256     {}", p.sha256);
    let _ = writeln!(
        s,
        "  container  {} ({}){}{}  [read by {}]",
        c.format,
        c.format_long,
        secs(c.duration_s),
        kbps(c.bit_rate),
        c.read_by
    );
    if !c.tags.is_empty() {
        let _ = writeln!(s, "  tags       {}", tag_list(&c.tags));
    }
    for st in &p.streams {
        let mut d = format!("{} {}", st.kind, st.codec);
        if let Some(sr) = st.sample_rate {
            let _ = write!(d, " {sr} Hz");
        }
        if let Some(ch) = st.channels {
            let _ = write!(d, " {ch} ch");
        }
        if let (Some(w), Some(h)) = (st.width, st.height) {
            let _ = write!(d, " {w}x{h}");
        }
        if let Some(f) = st.frame_rate {
            let _ = write!(d, " {f} fps");
        }
        d.push_str(&secs(st.duration_s));
        d.push_str(&kbps(st.bit_rate));
        if !st.tags.is_empty() {
            let _ = write!(d, "  [{}]", tag_list(&st.tags));
        }
        let _ = writeln!(s, "  stream {:<3} {d}", st.index);
    }
    match (&p.audio, &p.problem) {
        (Some(a), _) => {
            let priming = match &a.priming_source {
                Some(src) if a.priming_frames > 0 => {
                    format!(", {} priming frames removed ({src})", a.priming_frames)
                }
                Some(src) => format!(", priming: {src}"),
                None => String::new(),
            };
            // A container's channel count can be a placeholder (MP3 in MP4: 2 for a mono
            // stream), its rate the coded one (HE-AAC in ADTS: half what SBR gives); the decoded
            // frames are what the analysis reads, so say where they differ.
            let stream = p.streams.iter().find(|st| st.index == a.stream_index);
            let rate = stream
                .and_then(|st| st.sample_rate)
                .filter(|&r| r != a.sample_rate);
            let channels = stream
                .and_then(|st| st.channels)
                .filter(|&n| n != a.channels);
            let header = match (rate, channels) {
                (None, None) => String::new(),
                (Some(r), None) => format!(", not the {r} Hz the container states"),
                (None, Some(n)) => format!(", not the {n} the container states"),
                (Some(r), Some(n)) => format!(", not the {r} Hz and {n} ch the container states"),
            };
            let start = if a.start_s > 0.0 {
                format!(
                    ", presented from {:.3} s on the container's timeline",
                    a.start_s
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  decoder    {} on stream {} ({} Hz, {} ch{header}){priming}{start}",
                a.decoder, a.stream_index, a.sample_rate, a.channels
            );
        }
        (None, Some(problem)) => {
            let _ = writeln!(s, "  decoder    none: {problem}");
        }
        (None, None) => {}
    }
    if let (Some(_), Some(problem)) = (&p.audio, &p.problem) {
        let _ = writeln!(s, "  problem    {problem}");
    }
    s
}
