//! `report.html`: one self-contained page an editor can open offline, print or forward:
//! provenance, summary, the overview, the events with their reasons and nearest phrase, a
//! close-up and a listening copy of each, the transcript with the events interleaved, and the
//! method and its limits.
//!
//! Images and audio are data URIs and a Content-Security-Policy forbids any other source, so
//! the page makes no network request at all. Every text that comes from a file (transcript,
//! tags, file names) goes through maud's escaping: a cue holding `<script>` shows as text.

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::model::{Analysis, Event, OffsetSource};
use crate::report::exports::label;
use crate::report::plot::clock;

/// The media of a report, already encoded.
#[derive(Debug, Clone, Default)]
pub struct Media {
    /// Overview spectrogram, JPEG.
    pub overview_jpeg: Vec<u8>,
    /// Per event (same order as `events`): close-up (JPEG) and listening copy (WAV); empty
    /// for events whose media are not embedded.
    pub closeups: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per event: the video frame on screen (JPEG) and its presentation time, when the input
    /// has video and the build decodes it.
    pub stills: Vec<Option<(Vec<u8>, f64)>>,
}

/// A `data:` URI of `bytes`. Marked as already escaped: the MIME types are constants of this
/// file and base64 (A-Z a-z 0-9 + / =) has no character HTML escapes, so escaping the 10 MB of
/// a long report would only cost time.
fn data_uri(mime: &'static str, bytes: &[u8]) -> PreEscaped<String> {
    PreEscaped(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.mono{white-space:nowrap}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
img{max-width:100%;height:auto;border:1px solid #ddd}.gunshot{color:#b34700;font-weight:600}.explosion{color:#a0527d;font-weight:600}
.event{page-break-inside:avoid;margin:1.2em 0}.cue{margin:.2em 0}.cue .t{color:#666;font-family:ui-monospace,monospace;margin-right:.6em}
.ev{margin:.3em 0 .3em 1.5em;padding:.2em .5em;border-left:4px solid #56b4e9;background:#f3f9fd}.ev.gunshot{border-color:#d55e00;background:#fdf3ec}
.ev.aside{border-color:#bbb;background:#f7f7f7;color:#666}
.note{background:#fffbe6;border:1px solid #eedc82;padding:.6em 1em}audio{width:100%;max-width:520px}
@media print{audio{display:none}body{margin:0}}
";

fn class_span(e: &Event) -> Markup {
    html! { span class=(e.class) { (label(e)) } }
}

fn phrase(e: &Event) -> String {
    e.context_phrase().unwrap_or_default()
}

/// The whole page.
pub fn render(a: &Analysis, media: &Media) -> String {
    let name = std::path::Path::new(&a.input.path)
        .file_name()
        .map_or(a.input.path.clone(), |n| n.to_string_lossy().to_string());
    let shots: Vec<&Event> = a.events.iter().filter(|e| e.class == "gunshot").collect();
    let params = serde_json::to_string_pretty(&a.params).unwrap_or_default();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "earwitness: " (name) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "Sound analysis of " code { (name) } }
                p { "Written by " (a.tool.name) " " (a.tool.version) ". Impulsive sounds are detected, timed and measured; "
                    "\"gunshot-like\" is a score from measured features, " strong { "not the identification of a firearm" } "." }

                h2 { "Summary" }
                ul {
                    li { (a.events.len()) " impulsive events in " (clock(a.audio.duration_s)) " of audio" }
                    li { (shots.len()) " gunshot-like"
                        @if let Some(first) = shots.first() { ", the first at " (clock(first.onset_s)) }
                        @let doubted = shots.iter().filter(|e| e.possible_echo.is_some()).count();
                        @if doubted > 0 { "; " (doubted) " of them may be echoes of an earlier one (a weaker sound within an echo's delay: see its reasons)" } }
                    @for b in &a.bursts {
                        li { "Burst " (b.id) ": " (b.count) " shots from " (clock(b.first_s)) " to " (clock(b.last_s))
                            ", " (format!("{:.3}", b.mean_interval_s)) " s apart on average ("
                            (format!("{:.0}", b.rounds_per_minute)) " rounds per minute)"
                            @if b.possible_echoes > 0 { "; " (b.possible_echoes) " of them may be echoes of an earlier shot (see their reasons)" }
                            @if let Some(d) = &b.arrivals { (crate::features::arrival::burst_phrase(d)) } }
                    }
                    @if !a.set_aside.is_empty() {
                        li { (a.set_aside.len()) " further sound(s) set aside as the onsets of spoken words (a voice-coloured "
                            "spectrum where a caption or the speech detector says words are spoken): "
                            (a.set_aside.iter().map(|x| clock(x.onset_s)).collect::<Vec<_>>().join(", ")) }
                    }
                    @if let Some(spans) = a.speech_heard.as_ref().filter(|s| !s.is_empty()) {
                        li { "Speech heard (no captions on the clock to say where words are spoken): " (spans.len()) " stretch(es), "
                            (spans.iter().map(|s| format!("{}-{}", clock(s.start_s), clock(s.end_s))).collect::<Vec<_>>().join(", "))
                            ". Found by a speech detector (Silero VAD), not transcribed; its edges lag the voice by "
                            "about a tenth of a second, and shouted or radio voices can go unheard." }
                    }
                    @if !a.digital_silence.is_empty() {
                        li { "Digital silence (" (crate::detect::silence::definition(&a.params.detect.silence))
                            ": a mute, an edit, a dropout or a codec's priming, not recorded sound): "
                            (a.digital_silence.iter().map(|s| format!("{}-{}", clock(s.start_s), clock(s.end_s))).collect::<Vec<_>>().join(", ")) }
                    }
                    @if let Some(t) = &a.transcript {
                        li { "Transcript " code { (t.path) } " (" (t.format.name()) ", " (t.cues.len()) " cues), clock "
                            (match t.offset_source {
                                OffsetSource::None => "as given".to_string(),
                                OffsetSource::Manual => format!("corrected by {:+.3} s (manual)", t.offset_s),
                                OffsetSource::Auto => format!("corrected by {:+.3} s (estimated from the speech, confidence {:.2})", t.offset_s, t.sync_confidence.unwrap_or(0.0)),
                            }) }
                    }
                }
                @if !a.warnings.is_empty() {
                    div class="note" { strong { "Warnings" } ul { @for w in &a.warnings { li { (w) } } } }
                }

                h2 { "Overview" }
                @if !media.overview_jpeg.is_empty() {
                    img src=(data_uri("image/jpeg", &media.overview_jpeg)) alt="Spectrogram of the whole clip with the events marked";
                }
                p { "Frequency on a logarithmic axis (Hz), level in dB (colour), time in minutes:seconds.milliseconds. "
                    "Each event is a vertical line with its number, coloured by class; the waveform is under the spectrogram." }

                h2 { "Events" }
                @if a.events.is_empty() { p { "No impulsive event was detected." } } @else {
                    table {
                        tr { th { "#" } th { "time" } th { "class" } th { "score" } th { "peak dBFS" } th { "reasons" } th { "in the conversation" } }
                        @for e in &a.events {
                            tr { td { a href=(format!("#event-{}", e.id)) { (e.id) } } td class="mono" { (clock(e.onset_s)) @if e.onset_may_be_late(&a.params.detect.refine) { "*" } } td { (class_span(e)) }
                                td { (format!("{:.2}", e.gunshot_score)) } td { (format!("{:.1}", e.peak_dbfs)) }
                                td { (e.reasons.join("; ")) } td { (phrase(e)) } }
                        }
                    }
                    @if a.events.iter().any(|e| e.onset_may_be_late(&a.params.detect.refine)) {
                        p class="note" { (crate::model::late_onset_note(&a.params.detect.refine)) }
                    }
                }

                @let embedded = media.closeups.iter().filter(|m| !m.0.is_empty()).count();
                @if embedded < a.events.len() {
                    p class="note" { "Close-ups and listening copies are shown for " (embedded) " of the " (a.events.len())
                        " events (the gunshot-like ones first), so this page stays small enough to send; every close-up is in the "
                        code { "closeups" } " folder beside it." }
                }
                @for (i, e) in a.events.iter().enumerate() {
                    div class="event" id=(format!("event-{}", e.id)) {
                        h3 { "#" (e.id) " at " (clock(e.onset_s)) ": " (class_span(e)) }
                        p { (e.reasons.join("; ")) @let p = phrase(e); @if !p.is_empty() { br; "In the conversation: " (p) } }
                        @if let Some(timing) = e.onset_timing(&a.params.detect.refine) {
                            @if e.onset_may_be_late(&a.params.detect.refine) { p class="note" { (timing) } } @else { p { (timing) } }
                        }
                        @if let Some((img, wav)) = media.closeups.get(i) {
                            @if !img.is_empty() { img src=(data_uri("image/jpeg", img)) alt=(format!("Close-up of event {}", e.id)); }
                            @if !wav.is_empty() { p { "Listen (1.5 s either side): " br; audio controls preload="none" src=(data_uri("audio/wav", wav)) {} } }
                        }
                        @if let Some(Some((jpeg, t))) = media.stills.get(i) {
                            figure { img src=(data_uri("image/jpeg", jpeg)) alt=(format!("Video frame at event {}", e.id));
                                figcaption { "On screen at the event: the frame shown from " (clock(*t)) @if let Some(au) = a.input.audio.as_ref().filter(|au| au.start_s > 0.0) { " on the video's clock (its audio starts " (format!("{:.3}", au.start_s)) " s in)" } "." } }
                        }
                        @if e.components.len() > 1 {
                            p { "Components: " @for c in &e.components { (c.kind) " " span class="mono" { (clock(c.onset_s)) } "; " } }
                        }
                        @if let Some(m) = &e.detection_model {
                            details class="model" {
                                summary { "How the detection model scored it (" (format!("{:.2}", m.score)) ")" }
                                table {
                                    tr { th { "input" } th { "value" } th { "weight" } th { "adds (log-odds)" } }
                                    @for t in &m.terms {
                                        tr { td { (t.input) } td class="mono" { (t.value.map_or("not measured: the mean".to_string(), |v| format!("{v:.3}"))) }
                                            td class="mono" { (t.weight) } td class="mono" { (format!("{:+.3}", t.log_odds)) } }
                                    }
                                }
                                p { "Intercept " span class="mono" { (format!("{:+.3}", m.bias)) } "; in all " span class="mono" { (format!("{:+.3}", m.log_odds)) }
                                    ", a score of " span class="mono" { (format!("{:.3}", m.score)) } "; events are reported from " (format!("{:.2}", a.params.detect.score.threshold)) "."
                                    @if (m.score - e.detection_score).abs() > 0.001 { " The event's detection score is " (format!("{:.3}", e.detection_score)) ", for a rule named in its reasons or in the clip's warnings." } }
                            }
                        }
                        @if let Some(m) = &e.gunshot_model {
                            details class="model" {
                                summary { "How the gunshot model scored it (" (format!("{:.2}", m.score)) ")" }
                                table {
                                    tr { th { "input" } th { "value" } th { "weight" } th { "mean" } th { "adds (log-odds)" } }
                                    @for t in &m.terms {
                                        tr { td { (t.input) } td class="mono" { (t.value.map_or("not measured".to_string(), |v| format!("{v:.3}"))) }
                                            td class="mono" { (t.weight) } td class="mono" { (t.mean) } td class="mono" { (format!("{:+.3}", t.log_odds)) } }
                                    }
                                }
                                p { "An event with every input at the development set's mean: " span class="mono" { (format!("{:+.3}", m.at_means)) }
                                    @if m.crack_log_odds != 0.0 { "; a supersonic crack before the blast: " span class="mono" { (format!("{:+.3}", m.crack_log_odds)) } }
                                    "; in all " span class="mono" { (format!("{:+.3}", m.log_odds)) } ", a score of 1 / (1 + e" sup { "-log-odds" } ") = "
                                    span class="mono" { (format!("{:.3}", m.score)) } "."
                                    @if (m.score - e.gunshot_score).abs() > 0.001 { " The event's gunshot score is " (format!("{:.3}", e.gunshot_score)) ", for the reason given first above." } }
                            }
                        }
                    }
                }

                @if let Some(t) = &a.transcript {
                    h2 { "Transcript with the events" }
                    @for item in interleave(a) {
                        @match item {
                            Item::Cue(i) => { div class="cue" { span class="t" { (clock(t.cues[i].start_s)) } @if let Some(s) = &t.cues[i].speaker { strong { (s) ": " } } (t.cues[i].text) } }
                            Item::Event(i) => { div class=(format!("ev {}", a.events[i].class)) { span class="mono" { (clock(a.events[i].onset_s)) } " #" (a.events[i].id) " " (label(&a.events[i])) } }
                            Item::Aside(i) => { div class="ev aside" { span class="mono" { (clock(a.set_aside[i].onset_s)) } " set aside: " (a.set_aside[i].reason) } }
                        }
                    }
                }

                h2 { "Provenance" }
                table {
                    tr { th { "file" } td class="mono" { (a.input.path) } }
                    tr { th { "size" } td { (a.input.size_bytes) " bytes" } }
                    tr { th { "SHA-256" } td class="mono" { (a.input.sha256) } }
                    tr { th { "container" } td { (a.input.container.format_long) " (" (a.input.container.format) ")" } }
                    @for (k, v) in &a.input.container.tags { tr { th { "tag " (k) } td { (v) } } }
                    @for s in &a.input.streams {
                        tr { th { "stream " (s.index) } td { (s.kind) ", " (s.codec)
                            @if let Some(r) = s.sample_rate { ", " (r) " Hz" } @if let Some(c) = s.channels { ", " (c) " ch" }
                            @for (k, v) in &s.tags { br; (k) ": " (v) } } }
                    }
                    @if let Some(au) = &a.input.audio { tr { th { "decoder" } td { (au.decoder) @if let Some(src) = &au.priming_source { ", priming " (au.priming_frames) " frames removed (" (src) ")" } @if au.start_s > 0.0 { ", presented from " (format!("{:.3}", au.start_s)) " s on the container's timeline" } } } }
                    tr { th { "analysed" } td { (a.audio.sample_rate) " Hz, " (a.audio.channels) " channel(s) mixed to mono, " (a.audio.frames) " frames" } }
                    tr { th { "tool" } td { (a.tool.name) " " (a.tool.version) ", events.json schema " (a.schema_version) } }
                    @if let Some(t) = &a.transcript { tr { th { "transcript" } td class="mono" { (t.path) br; "SHA-256 " (t.sha256) } } }
                }
                details { summary { "All parameters" } pre class="mono" { (params) } }

                h2 { "Method and limitations" }
                p { "Onsets are found with spectral-flux onset detection (SuperFlux) and broadbandness, scored by a small "
                    "logistic model over measured evidence, and timed in the waveform at the first sample reaching 10 % of the "
                    "event's peak, on the decoded timeline with encoder priming removed. The other rounds of a burst, and "
                    "repeated knocks or blows, are also found as near-copies of a reported sound's waveform (normalised "
                    "cross-correlation, at nearly the same level, on the waveform and on its first difference, which "
                    "brings out low, rumbling sounds); such events say so first in their reasons. A weaker "
                    "late copy of a shot is listed as its echo, not as another event. Where the background before a "
                    "sound is within a few dB of that 10 % level, a quieter first part of the sound can hide in it: such an "
                    "onset is marked * and may be late (on the check sets, a sixth to a quarter of such onsets of "
                    "recorded game sounds were more than 5 ms late; almost none of those clear of the background were)." }
                p { "The gunshot score (0 to 1) weighs measured features with weights fitted on a labelled development set: "
                    "rise time, level above the background, spectral centroid (with the background's spectrum taken away) and "
                    "flatness, low-frequency body, periodicity after the onset (a voice, or a struck object's ringing), and "
                    "how the sound decays; a supersonic crack heard before the muzzle blast raises it, and "
                    "a long, low first pressure pulse (15 ms or more, its energy below 150 Hz) makes a sound an explosion. "
                    "It says how much a sound resembles the gunshots of that set. "
                    "It does not identify a firearm, and a high score is not proof: door slams, impacts and explosions at a "
                    "distance, and sounds distorted by clipping or heavy compression, can score high; quiet or masked shots "
                    "can be missed, and audio coded for speech (a voice note, a call) loses a shot's crack and brightens its "
                    "spectrum, so fewer shots are called gunshot-like there (the clip's warnings say when it is so coded). "
                    "Error rates measured on the development set are in the project's documentation." }
                p { "Where a supersonic crack is heard before the muzzle blast, the delay between them gives the "
                    "distance to the shooter along the bullet's path: the crack leaves the bullet near the recorder, the "
                    "blast the muzzle. The distance is given for a range of bullet speeds (set with the parameters where "
                    "the weapon is known) and for a recorder close to the line of fire; a bullet that passed wide of it "
                    "puts the shooter farther away. In a fast burst from far off the cracks and blasts of different rounds "
                    "interleave, and where the delay cannot surely be told for each round no distance is given." }
                p { "Times in this report are seconds on the clip's own timeline. A transcript's times were corrected as "
                    "stated in the summary; words are placed by the transcript's own timing. With a transcript, a sound that "
                    "starts inside a spoken caption with a voice-coloured spectrum (its energy in a few bands, as a word's "
                    "first formants) is taken for the word's onset and set aside rather than reported; a gunshot-like or "
                    "explosion-like sound never is. Those set aside are named in the summary and in events.json." }
            }
        }
    };
    page.into_string()
}

enum Item {
    Cue(usize),
    Event(usize),
    /// A sound set aside as a word's onset (`Analysis::set_aside`).
    Aside(usize),
}

/// Cues and events in time order (an event right after the cue it falls in).
fn interleave(a: &Analysis) -> Vec<Item> {
    let Some(t) = &a.transcript else {
        return Vec::new();
    };
    let mut items: Vec<(f64, u8, Item)> = t
        .cues
        .iter()
        .enumerate()
        .map(|(i, c)| (c.start_s, 0, Item::Cue(i)))
        .chain(
            a.events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.onset_s, 1, Item::Event(i))),
        )
        .chain(
            a.set_aside
                .iter()
                .enumerate()
                .map(|(i, x)| (x.onset_s, 1, Item::Aside(i))),
        )
        .collect();
    items.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    items.into_iter().map(|x| x.2).collect()
}
