//! The steps of `analyse_mixed` from candidates to events, each a function, in the order
//! they run there: which candidates are measured and kept, the events as reported, and the
//! rules that ask the speech detector (a sound that goes on, a word's onset) or the pace of a
//! series.

use super::AnalyzeParams;
use super::candidates::{Detection, measure_detection, rises_through_flicker};
use super::mixdown::OVER_FULL_SCALE;
use super::sounds::{Found, component, rounded};
use crate::detect::{components, follow, refine, repeat, score, silence, speech, syllables};
use crate::features::{self, classify, pace};
use crate::model::{Event, SetAside, TranscriptReport};
use crate::signal::Mixed;
use crate::units::round_to;

/// What a candidate carries from measuring to keeping: where it is, what was measured of it,
/// and what that was called.
pub(super) type Measured = (Detection, features::EventFeatures, classify::Verdict);

/// The clip's own warnings, before any event: the probe's problem (once), audio the analysis
/// leaves out, a late start on the container's timeline, levels far beyond full scale, and a
/// narrow band.
pub(super) fn clip_warnings(
    input: &crate::model::MediaProbe,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) {
    // The probe's census may have found what the decoder already said (a file that ends
    // inside a packet): once is enough.
    if let Some(problem) = input.problem.as_ref().filter(|p| !warnings.contains(p)) {
        warnings.push(problem.clone());
    }
    warnings.extend(crate::probe::unanalysed_audio_warning(input));
    warnings.extend(input.audio.as_ref().and_then(late_start_warning));
    if signal.ceiling > OVER_FULL_SCALE {
        warnings.push(format!(
            "the audio reaches {:+.1} dBFS: far beyond full scale (1.0), which no integer or \
             lossy format decodes to; a float file written in integer units? Levels in dBFS are \
             relative to 1.0, and clipping (runs at the file's own ceiling) cannot be told from \
             loud sound",
            20.0 * f64::from(signal.ceiling).log10()
        ));
    }
    warnings.extend(classify::narrowband_warning(
        signal.sample_rate,
        &p.classify,
    ));
}

/// The warning for audio that the container presents later than its start
/// (`AudioInfo::start_s`): the report's times count from the audio's first sample, a video's
/// from its own start.
fn late_start_warning(a: &crate::decode::AudioInfo) -> Option<String> {
    (a.start_s > 0.0).then(|| {
        format!(
            "the container presents the audio from {s:.3} s on its timeline (stream {}): times in \
             this report count from the audio's first sample, as ffmpeg decodes it, so in the \
             video a sound is heard {s:.3} s later than its time here; events.srt and \
             events.vtt, made to be shown over the video, are shifted by it \
             (input.audio.start_s)",
            a.stream_index,
            s = a.start_s
        )
    })
}

/// Voicing counted against a candidate only where a voice may be speaking
/// (`score::UnheardVoicing`): asked of the speech detector only for the candidates it decides,
/// over their own stretch. `flickering`: the codec-flicker rule holds for the clip (a candidate
/// it scored 0 stays so).
pub(super) fn weigh_unheard_voicing(
    found: &mut [Detection],
    flickering: bool,
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    if let Some(u) = p.detect.score.unheard_voicing {
        let ear = speech::SpeechParams {
            min_probability: u.min_probability,
            min_speech_s: u.min_speech_s,
            ..p.speech
        };
        // A candidate in the clip's first `pre_window_s` is left as scored: with nothing
        // before it, its evidence is measured against what follows it
        // (`evidence.late_background_s`), and a clip cut inside a sound begins with a part of
        // it, which no voice follows either.
        let first = p.detect.evidence.pre_window_s;
        for d in found.iter_mut() {
            // A candidate the codec-flicker rule scored 0 stays so.
            if flickering && !rises_through_flicker(d, &p.detect) {
                continue;
            }
            let Some(typical) = score::without_voice(&d.evidence, &p.detect.score) else {
                continue;
            };
            let t = d.onset as f64 / sr;
            if t >= first
                && !speech::heard_between(
                    mono,
                    signal.sample_rate,
                    t,
                    t + u.window_s,
                    &ear,
                    ear_gain,
                )
            {
                d.unheard_from = Some(d.score);
                d.score = typical;
            }
        }
    }
}

/// Drops the candidates (in time order) at the clip's end or at a cut to digital silence,
/// with a warning for each that scored above the threshold.
pub(super) fn drop_at_edges(
    found: &mut Vec<Detection>,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // A sound starting within one detection window of the clip's end is not reported: the
    // frames that saw it ran past the end, where the cut to silence reads as a broadband click
    // (on the devset, a candidate in the last 1.4-18 ms of 11 of the 20 clips, none an event;
    // two scored 0.54-0.61 and were reported), and too little of it is left to measure a
    // decay. Nor is one picked by such a frame (`Detection::past_end`), wherever the
    // waveform put its onset: above a band-limited clip's cut-off (a voice note's or a phone
    // call's, resampled to 48 kHz) the bands hold nothing but the cut, which rises there by 60
    // dB or more, and the devset resampled from 16 to 48 kHz had 10 such false events (one
    // called gunshot-like) 34-74 ms before its clips' ends, the peak in the last window
    // (docs/detection-notes.md, thirty-third session). A warning names each one that scored
    // above the threshold.
    let last = mono
        .len()
        .saturating_sub(p.detect.stft.n_fft(signal.sample_rate));
    // The same holds for a frame that runs into digital silence inside the clip
    // (`Detection::cut_at`): a mute, an edit, or audio lost to damage and filled with silence.
    // On a 30-minute MP3 with 1,856 such fills, 269 false events stood 5-300 ms before one
    // (docs/detection-notes.md, forty-third session).
    let mut cut = Vec::new();
    found.retain(|d| {
        if let Some(a) = d.cut_at.filter(|_| d.onset < last && !d.past_end) {
            if d.score >= p.detect.score.threshold {
                cut.push(format!(
                    "a sound at {:.3} s was picked by a detector frame that runs into digital \
                     silence at {:.3} s: not reported (a cut to silence sounds like a click)",
                    d.onset as f64 / sr,
                    a as f64 / sr
                ));
            }
            return false;
        }
        let at_end = d.onset >= last || d.past_end;
        if at_end && d.score >= p.detect.score.threshold {
            warnings.push(if d.onset >= last {
                format!(
                    "a sound at {:.3} s starts in the clip's last {:.0} ms, where the detector's \
                     frames run past the end: not reported (a cut to silence sounds like a \
                     click, and too little of it is left to measure)",
                    d.onset as f64 / sr,
                    (mono.len() - d.onset) as f64 / sr * 1e3
                )
            } else {
                format!(
                    "a sound at {:.3} s was picked by a detector frame that runs past the clip's \
                     end ({:.0} ms later): not reported (a cut to silence sounds like a click)",
                    d.onset as f64 / sr,
                    (mono.len() - d.onset) as f64 / sr * 1e3
                )
            });
        }
        !at_end
    });
    warnings.extend(silence::cut_warnings(cut));
}

/// Measures and classifies every candidate that could be kept, as a follower or on its own
/// score, or as a low-frequency blast; the threshold and the follower rule decide then
/// ([`keep_candidates`], `detect::follow`).
pub(super) fn measure_candidates(
    found: Vec<Detection>,
    signal: &Mixed,
    channel: &features::Channel,
    p: &AnalyzeParams,
) -> Vec<Measured> {
    let mono = &signal.mono;
    let floor = if p.burst.follow.enabled {
        p.detect.score.threshold.min(p.burst.follow.min_score)
    } else {
        p.detect.score.threshold
    };
    let blast_at = p.detect.score.blast_onset_db;
    found
        .into_iter()
        .filter(|d| d.score >= floor || d.evidence.blast_onset_db >= blast_at)
        .map(|d| {
            let f = measure_detection(signal, channel, &d, p);
            let v = classify::classify(&f, &d.evidence, &p.classify);
            // A shot whose crack the broadband search missed: looked for again above 2 kHz,
            // and the shot timed from it when found (`refine::faint_crack`).
            if v.class == classify::GUNSHOT && d.main_onset.is_none() {
                let cracked =
                    refine::faint_crack(mono, d.onset, signal.sample_rate, &p.detect.refine).map(
                        |crack| Detection {
                            onset: crack,
                            main_onset: Some(d.attack),
                            ..d
                        },
                    );
                if let Some(c) = cracked {
                    let cf = measure_detection(signal, channel, &c, p);
                    let cv = classify::classify(&cf, &c.evidence, &p.classify);
                    if cv.class == classify::GUNSHOT {
                        return (c, cf, cv);
                    }
                }
            }
            (d, f, v)
        })
        .collect()
}

/// The candidates without the recording resuming after digital silence (a mute, an edit, a
/// dropout, a codec's priming), or starting with the clip, which is not an event unless it
/// dies away like one and, after a run, rises over the audio before the run
/// (`detect::silence`); a warning names each one that scored above the threshold.
pub(super) fn drop_resumptions(
    pool: Vec<Measured>,
    signal: &Mixed,
    channel: &features::Channel,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) -> Vec<Measured> {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let mut resumed = Vec::new();
    let pool = pool
        .into_iter()
        .filter(|(d, f, _)| {
            let rate = signal.sample_rate;
            // A sound whose tail the clip ends before is judged as an event.
            let Some((tail, r)) = f.tail_db.and_then(|tail| {
                silence::resumption(
                    mono,
                    d.onset,
                    tail,
                    &channel.silent,
                    rate,
                    &p.detect.silence,
                )
                .map(|r| (tail, r))
            }) else {
                return true;
            };
            if d.score >= p.detect.score.threshold {
                resumed.push(r.warning(d.onset as f64 / sr, tail, rate));
            }
            false
        })
        .collect();
    warnings.extend(silence::resumption_warnings(resumed));
    pool
}

/// The candidates kept: by the threshold, as followers of a burst's gunshots
/// (`detect::follow`), or as low-frequency blasts, each with the reasons that kept it.
pub(super) fn keep_candidates(pool: Vec<Measured>, sr: f64, p: &AnalyzeParams) -> Vec<Found> {
    let brief: Vec<follow::Candidate> = pool
        .iter()
        .map(|(d, _, v)| follow::Candidate {
            onset_s: d.onset as f64 / sr,
            peak_db: 20.0 * f64::from(d.peak_abs).max(1e-10).log10(),
            score: d.score,
            gunshot: v.class == classify::GUNSHOT,
        })
        .collect();
    let kept = follow::select(
        &brief,
        p.detect.score.threshold,
        p.burst.max_gap_s,
        &p.burst.follow,
    );
    let mut found: Vec<Found> = Vec::new();
    for (i, (d, f, mut v)) in pool.into_iter().enumerate() {
        let blast = || score::low_blast(d.evidence.blast_onset_db, f.centroid_hz, &p.detect.score);
        let Some(why) = kept[i] else {
            if blast() {
                v.reasons.insert(
                    0,
                    format!(
                        "low-frequency blast: its first 10 ms carry {:.0} dB more energy than the \
                         200 ms before (centroid {:.0} Hz), though its detection score is {:.2}, \
                         below {:.2} (the detection bands start at {:.0} Hz)",
                        d.evidence.blast_onset_db,
                        f.centroid_hz,
                        d.score,
                        p.detect.score.threshold,
                        p.detect.odf.fmin_hz
                    ),
                );
                found.push(Found {
                    d,
                    f,
                    v,
                    detected: true,
                    repeat: None,
                    late_echoes: Vec::new(),
                    copy_of: None,
                });
            }
            continue;
        };
        if let (Some(before), Some(u)) = (d.unheard_from, p.detect.score.unheard_voicing) {
            v.reasons.insert(
                0,
                format!(
                    "periodic after its onset ({:.2}), as a voice is, but no voice is heard in \
                     the {:.1} s from it (speech detector below {:.2}): taken for a ringing \
                     resonance (a knock, a slam, a struck object), detection score {:.2} with \
                     its voicing weighed as typical ({:.2} as measured)",
                    d.evidence.voicing.unwrap_or(0.0),
                    u.window_s,
                    u.min_probability,
                    d.score,
                    before
                ),
            );
        }
        if let follow::Kept::Follows(j) = why {
            v.reasons.push(format!(
                "next round of the gunshot at {:.3} s (detection score {:.2}, below {:.2})",
                brief[j].onset_s, d.score, p.detect.score.threshold
            ));
        }
        found.push(Found {
            d,
            f,
            v,
            detected: true,
            repeat: None,
            late_echoes: Vec::new(),
            copy_of: None,
        });
    }
    found
}

/// The events (in time order) without the parts of a sound the clip begins inside, with a
/// warning about that sound when no event accounts for it.
pub(super) fn trim_clip_head(
    mut found: Vec<Found>,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) -> Vec<Found> {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // A clip trimmed at a shot begins inside it: say so when no event accounts for it. An
    // event at its very first samples is that sound, and cannot be timed or measured.
    let head = (p.detect.silence.begins_inside_window_s * sr).round() as usize;
    let lead = (p.detect.silence.begins_inside_min_lead_s * sr).round() as usize;
    let first = found.first().map(|e| e.d.onset);
    let inside = if first.is_none_or(|o| o > head || o < lead) {
        silence::begins_inside(mono, signal.sample_rate, &p.detect.silence)
    } else {
        None
    };
    // The sound the clip begins inside stands for a detection at its first sample. The detector
    // keeps no two peaks closer than `peaks.min_interval_s`, so an event that soon after it is
    // a part of that sound (its wall echo, its second half), not a new one: not reported, and
    // named in the warning with it. Without this, a trimmed shot's 30 ms echo was reported as
    // an event "with no more energy than its background".
    let mut dropped = Vec::new();
    if inside.is_some() && first.is_some_and(|o| o < lead || o > head) {
        let gap = (p.detect.peaks.min_interval_s * sr).round() as usize;
        let n = found.partition_point(|e| e.d.onset < gap.max(lead));
        dropped = found.drain(..n).map(|e| e.d.onset).collect();
    }
    // A copy found from one of those still repeats its sound; its reason says where that went.
    for e in &mut found {
        let of = e.repeat.as_ref().map(|r| (r.of_s * sr).round() as usize);
        if of.is_some_and(|of| dropped.iter().any(|&o| o.abs_diff(of) <= lead))
            && let Some(r) =
                e.v.reasons
                    .iter_mut()
                    .find(|r| r.starts_with("repeats the"))
        {
            r.push_str(
                " (the sound the clip begins inside, or a part of it: not reported, see the \
                 warnings)",
            );
        }
    }
    if found.first().is_none_or(|e| e.d.onset > head)
        && let Some((peak, above)) = inside
    {
        // An onset in the first `lead` is that sound itself, which the warning is about.
        let parts_s: Vec<f64> = dropped
            .iter()
            .filter(|&&o| o >= lead)
            .map(|&o| o as f64 / sr)
            .collect();
        warnings.push(silence::begins_inside_warning(
            peak,
            above,
            &parts_s,
            &p.detect.silence,
        ));
    }
    found
}

/// The events as reported (measured up to the next one, their components found), and by
/// event id - 1 the onset of the sound each is a copy of (`Found::copy_of`).
pub(super) fn report_events(
    found: Vec<Found>,
    signal: &Mixed,
    p: &AnalyzeParams,
) -> (Vec<Event>, Vec<Option<f64>>) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let mut events: Vec<Event> = Vec::new();
    // An event's level and clipping are measured up to the next reported event when that comes
    // within its body: in a burst the next round, 80-150 ms later, would otherwise lend its
    // peak to this one.
    let starts: Vec<usize> = found.iter().map(|e| e.d.onset).collect();
    let t = |samples: usize| round_to(samples as f64 / sr, 6);
    // By event id - 1: the onset of the sound an event is a copy of (`Found::copy_of`).
    let mut copies = Vec::with_capacity(found.len());
    let sustain_end = (p.measure.sustain_window_s.1 * sr).round() as usize;
    for Found {
        d,
        mut f,
        v,
        detected,
        repeat,
        late_echoes,
        copy_of,
    } in found
    {
        copies.push(copy_of.map(&t));
        let from = d.body_onset();
        // `starts` is in time order: the next start is found by bisection.
        if let Some(&next) = starts.get(starts.partition_point(|&s| s <= d.onset)) {
            let body_end = from + (p.measure.body_s * sr).round() as usize;
            if next < body_end && next > from {
                f.set_level(features::level(signal, from, next, &p.measure));
            }
            // The next round of a burst, or any other reported sound, before the sustain
            // window closes would be counted as this one going on.
            if next < d.onset + sustain_end {
                f.sustain_db = None;
            }
        }
        f.onset_clearance_db = refine::clearance_db(
            mono,
            d.onset,
            d.peak_abs,
            signal.sample_rate,
            &p.detect.refine,
        )
        .map(|db| round_to(db, 2));
        // The crack and the blast as `features.crack_lead_ms` measured them (the blast sample
        // found again rather than rounded back from ms); the first is called a crack only when
        // it is one (`refine::bipolar`) and the whole event sounds like a shot, a precursor
        // otherwise.
        let shot = v.class == classify::GUNSHOT;
        let cracked = shot && f.crack_lead_ms.is_some();
        let main = d.main_onset.or_else(|| {
            f.crack_lead_ms.and_then(|_| {
                refine::trailing_blast(mono, d.attack, signal.sample_rate, &p.detect.refine)
            })
        });
        let mut parts = match main {
            Some(main) => vec![
                component(if cracked { "crack" } else { "precursor" }, t(d.onset)),
                component(if cracked { "blast" } else { "main" }, t(main)),
            ],
            None => vec![component("direct", t(d.onset))],
        };
        // Reflections are looked for behind blasts only: after a syllable the glottal pulses
        // (every 3-12 ms) would pass for them.
        if shot || v.class == classify::EXPLOSION {
            for echo in components::echoes(
                mono,
                main.unwrap_or(d.body_onset()),
                signal.sample_rate,
                &p.detect.components,
            ) {
                parts.push(component("echo", t(echo)));
            }
        }
        for echo in late_echoes {
            parts.push(component("echo", t(echo)));
        }
        events.push(Event {
            id: events.len() + 1,
            onset_s: t(d.onset),
            peak_s: t(d.peak),
            end_s: round_to(d.peak as f64 / sr + f.decay_ms / 1e3, 6),
            class: v.class,
            gunshot_score: round_to(v.gunshot_score, 3),
            gunshot_model: Some(v.model.rounded()),
            detection_score: round_to(d.score, 3),
            detection: detected.then(|| rounded(&d.evidence)),
            detection_model: detected.then(|| score::arithmetic(&d.evidence)),
            peak_dbfs: round_to(f.peak_dbfs, 2),
            clipped: f.clipped,
            features: f,
            reasons: v.reasons,
            components: parts,
            repeat,
            transcript: None,
            speech: None,
            distance: None,
            possible_echo: None,
            arrival: None,
            burst: None,
        });
    }
    (events, copies)
}

/// Turns a gunshot-like sound that goes on, or never dies away, into `impulsive`, unless a
/// voice is heard or captioned then (`classify::sustained`, `classify::undecayed`).
pub(super) fn turn_lasting_sounds(
    events: &mut [Event],
    captions: Option<&TranscriptReport>,
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) {
    let mono = &signal.mono;
    // A gunshot-like sound that goes on is not a single report, unless what goes on is a voice
    // (a shout or a scream after the shot): speech heard in the window, or a caption there,
    // and the measure is another sound's, so it is not kept. The speech detector is asked
    // about the window itself, captions or not (a scream is seldom captioned).
    // The same for one that has not died away at all (`classify.undecayed`), asked about
    // the whole time it was followed.
    let window = p.measure.sustain_window_s;
    let decay_max_s = p.measure.decay_max_s;
    for e in events.iter_mut() {
        let found =
            classify::sustained(&e.class, e.gunshot_score, &e.features, window, &p.classify)
                .map(|why| (why, window.1, true))
                .or_else(|| {
                    classify::undecayed(
                        &e.class,
                        e.gunshot_score,
                        &e.features,
                        decay_max_s,
                        &p.classify,
                    )
                    .map(|why| (why, decay_max_s, false))
                });
        let Some((why, until, sustain)) = found else {
            continue;
        };
        let (a, b) = (e.onset_s + window.0, e.onset_s + until);
        let captioned =
            captions.is_some_and(|t| t.cues.iter().any(|c| c.start_s < b && c.end_s > a));
        if captioned || speech::heard_between(mono, signal.sample_rate, a, b, &p.speech, ear_gain) {
            if sustain {
                e.features.sustain_db = None;
            }
        } else {
            e.class = classify::IMPULSIVE.into();
            e.reasons.insert(0, why);
        }
    }
}

/// The events without those taken for a word's onset (by the speech `heard`, inside the
/// spoken cues of the `captions` when given), and those set aside with their reasons.
/// `copies`: by event id - 1, the onset of the sound each event is a copy of.
pub(super) fn set_aside_word_onsets(
    mut events: Vec<Event>,
    copies: &[Option<f64>],
    (captions, heard): (Option<&TranscriptReport>, Option<&speech::SpeechTrack>),
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) -> (Vec<Event>, Vec<SetAside>) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let colour = &p.transcript.syllables;
    let mut set_aside = Vec::new();
    let judged: Vec<_> = events
        .iter()
        .map(|e| {
            let (flatness, centroid) = (e.features.flatness, e.features.centroid_hz);
            let by_cue = captions.map(|t| {
                syllables::judge(e.onset_s, &e.class, flatness, centroid, &t.cues, colour)
                    .map(|(cue, reason)| (cue, reason, syllables::inside_cue(&t.cues[cue])))
            });
            // Only a voice-coloured sound can be a word's onset (`speech::judge` asks the same):
            // the others are not heard again.
            let coloured =
                p.speech.enabled && syllables::voice_coloured(&e.class, flatness, centroid, colour);
            let by_ear = || {
                if !coloured {
                    return None;
                }
                // Heard afresh over its own stretch (`speech::afresh_between`), not from the
                // clip's track: what the clip's chunks hear depends on where the clip was cut.
                let track = &speech::afresh_between(
                    heard?,
                    mono,
                    signal.sample_rate,
                    e.onset_s,
                    e.onset_s + p.speech.window_s,
                    ear_gain,
                );
                let judge = |t: &speech::SpeechTrack, sp: &speech::SpeechParams| {
                    speech::judge(e.onset_s, &e.class, flatness, centroid, t, sp, colour)
                };
                // Not heard as recorded: heard again with the audio slowed, in case the voice is
                // pitched up (`SpeechParams::slowed`).
                let slowed = || {
                    let window = (e.onset_s, e.onset_s + p.speech.window_s);
                    let t = speech::slowed_between(
                        track,
                        mono,
                        signal.sample_rate,
                        window.0,
                        window.1,
                        &p.speech,
                        ear_gain,
                    );
                    // A second, unnatural hearing is asked to be surer.
                    judge(&t, &p.speech.surer()).map(|(prob, reason)| {
                        let how = format!(
                            "heard with the audio played {:.1} times slower (a voice pitched \
                             up, as in games, cartoons and sped-up video): ",
                            p.speech.slowed
                        );
                        (prob, how + &reason)
                    })
                };
                judge(track, &p.speech)
                    .or_else(|| (p.speech.slowed > 1.0).then(slowed).flatten())
                    .map(|(prob, reason)| (Some(round_to(prob, 3)), reason))
            };
            match by_cue {
                // No captions (or their clock is off): the speech heard decides.
                None => by_ear().map(|(prob, reason)| (None, prob, reason)),
                // The captions say no word is spoken here.
                Some(None) => None,
                // Inside a spoken cue: confirmed by the speech heard right after the onset, unless
                // that check is off (or the speech detector is).
                Some(Some((cue, reason, _))) if !(colour.confirm_by_ear && p.speech.enabled) => {
                    Some((Some(cue + 1), None, reason))
                }
                Some(Some((cue, _, inside))) => by_ear()
                    .map(|(prob, heard)| (Some(cue + 1), prob, format!("{inside}, and {heard}"))),
            }
        })
        .collect();
    // A copy of a reported sound (a knock, a step, a blow repeated at the same level) is that
    // sound again, not a word's onset, though a voice is heard over it: unless that sound was
    // set aside as a word's onset too, or speech is heard after it as well (a word said twice
    // alike, whose first onset the set-aside missed).
    debug_assert_eq!(copies.len(), events.len());
    let reported = |o: f64| {
        events
            .iter()
            .zip(&judged)
            .any(|(e, j)| j.is_none() && e.onset_s == o)
    };
    let kept: Vec<Option<f64>> = events
        .iter()
        .zip(&judged)
        .map(|(e, j)| {
            let (cue, speech_probability, reason) = j.as_ref()?;
            let apart = |o: f64| {
                !speech::heard_between(
                    mono,
                    signal.sample_rate,
                    o,
                    o + p.speech.window_s,
                    &p.speech,
                    ear_gain,
                )
            };
            if let Some(of) = copies[e.id - 1].filter(|&o| reported(o) && apart(o)) {
                return Some(of);
            }
            // Not in a group the search formed (its fellows further apart than the burst gap,
            // or the search never reached it): looked for within `word_check_reach_s`.
            let reach = p.burst.repeat.word_check_reach_s;
            let sample = |s: f64| (s * sr).round() as usize;
            // Only for a sound the detector reported itself: a copy found by its correlation
            // alone has nothing else to speak for it, and the voice over it lowers that.
            if reach > 0.0
                && p.burst.repeat.enabled
                && p.burst.repeat.impulsive
                && e.repeat.is_none()
            {
                let mut near: Vec<&Event> = events
                    .iter()
                    .zip(&judged)
                    .filter(|(o, j)| {
                        j.is_none()
                            && o.class == classify::IMPULSIVE
                            && o.id != e.id
                            && (o.onset_s - e.onset_s).abs() <= reach
                            && o.detection
                                .as_ref()
                                .and_then(|d| d.voicing)
                                .is_some_and(|v| v < p.burst.repeat.max_anchor_voicing)
                    })
                    .map(|(o, _)| o)
                    .collect();
                near.sort_by(|a, b| {
                    let d = |o: &Event| (o.onset_s - e.onset_s).abs();
                    d(a).total_cmp(&d(b))
                });
                for o in near {
                    if repeat::copy_of_within(
                        mono,
                        signal.sample_rate,
                        sample(o.onset_s),
                        sample(e.onset_s),
                        reach,
                        &p.burst.repeat,
                    )
                    .is_some()
                        && apart(o.onset_s)
                    {
                        return Some(o.onset_s);
                    }
                }
            }
            set_aside.push(SetAside {
                onset_s: e.onset_s,
                peak_dbfs: e.peak_dbfs,
                detection_score: e.detection_score,
                gunshot_score: e.gunshot_score,
                flatness: round_to(e.features.flatness, 3),
                cue: *cue,
                speech_probability: *speech_probability,
                reason: reason.clone(),
            });
            None
        })
        .collect();
    let keep: Vec<bool> = judged
        .iter()
        .zip(&kept)
        .map(|(j, k)| j.is_none() || k.is_some())
        .collect();
    for (e, of) in events.iter_mut().zip(&kept) {
        if let Some(of) = of {
            e.reasons.push(format!(
                "repeats the waveform of the reported sound at {of:.3} s: a voice is heard over \
                 it, but no word repeats another sound's waveform, so it is not taken for a \
                 word's onset"
            ));
        }
    }
    let mut keep = keep.into_iter();
    events.retain(|_| keep.next().unwrap_or(true));
    (events, set_aside)
}

/// The rules of pace: a gunshot-like sound in a series at a walking pace is a step or a blow
/// (`pace::series`); a sound of a burst of rounds is a round (`pace::rounds`).
pub(super) fn pace_rules(events: &mut [Event], p: &AnalyzeParams) {
    // A gunshot-like sound that is one of a series at a walking pace is a step or a blow.
    let sounds: Vec<pace::Sound> = events
        .iter()
        .map(|e| {
            pace::Sound::new(
                e.onset_s,
                e.peak_dbfs,
                e.features.crest_db,
                e.features.centroid_hz,
            )
        })
        .collect();
    for (e, s) in events
        .iter_mut()
        .zip(pace::series(&sounds, &p.classify.pace))
    {
        if let Some(s) = s.filter(|_| e.class == classify::GUNSHOT) {
            e.class = classify::IMPULSIVE.into();
            e.reasons.insert(0, pace::reason(&s, e.gunshot_score));
        }
    }
    // A sound of a burst whose rounds are half or more gunshot-like, or whose gunshot scores
    // average high enough, is a round too, unless its own measurements called it gunshot-like
    // and a rule turned it (a step, a sound that goes on).
    let calls: Vec<pace::Call> = events
        .iter()
        .map(|e| pace::Call {
            gunshot_like: e.class == classify::GUNSHOT,
            gunshot_score: e.gunshot_score,
        })
        .collect();
    for (e, b) in events
        .iter_mut()
        .zip(pace::rounds(&sounds, &calls, &p.classify.rounds))
    {
        let own = e.class == classify::IMPULSIVE && e.gunshot_score < p.classify.gunshot_min_score;
        if let Some(b) = b.filter(|_| own) {
            e.class = classify::GUNSHOT.into();
            e.reasons
                .insert(0, pace::rounds_reason(&b, e.gunshot_score));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::evidence::Evidence;
    use crate::signal::Signal;

    /// `seconds` of quiet noise at `sample_rate`, mixed as the analysis mixes a file.
    fn noise(seconds: f64, sample_rate: u32) -> Mixed {
        let n = (seconds * f64::from(sample_rate)) as usize;
        let s = Signal {
            channels: vec![crate::testutil::noise(n, 0.01, 7)],
            sample_rate,
        };
        Mixed::from_signal(&s, 0.99, 4)
    }

    fn candidate(onset: usize, score: f64) -> Detection {
        Detection {
            onset,
            main_onset: None,
            attack: onset,
            peak: onset + 10,
            peak_abs: 0.5,
            strength: 1.0,
            broadband: 0.5,
            evidence: Evidence::default(),
            score,
            unheard_from: None,
            past_end: false,
            cut_at: None,
        }
    }

    #[test]
    fn candidates_at_the_clips_end_or_at_a_cut_to_silence_are_dropped_and_named() {
        let sr = 16_000;
        let x = noise(1.0, sr);
        let p = AnalyzeParams::default();
        let last = x.mono.len() - p.detect.stft.n_fft(sr);
        let mut found = vec![
            candidate(4_000, 0.9),
            // A frame that ran into a cut to silence.
            Detection {
                cut_at: Some(9_000),
                ..candidate(8_800, 0.9)
            },
            // A frame that ran past the end, above the threshold and below it.
            Detection {
                past_end: true,
                ..candidate(12_000, 0.9)
            },
            Detection {
                past_end: true,
                ..candidate(12_500, 0.1)
            },
            // A sound starting in the last detection window.
            candidate(last + 5, 0.9),
        ];
        let mut warnings = Vec::new();
        drop_at_edges(&mut found, &x, &p, &mut warnings);
        let kept: Vec<usize> = found.iter().map(|d| d.onset).collect();
        assert_eq!(kept, vec![4_000]);
        // One warning for each dropped above the threshold, none for the one below it.
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        for said in [
            "runs into digital silence",
            "runs past the clip's end",
            "starts in the clip's last",
        ] {
            assert!(
                warnings.iter().any(|w| w.contains(said)),
                "{said}: {warnings:?}"
            );
        }
    }

    #[test]
    fn candidates_are_kept_by_the_threshold_or_as_low_blasts_each_with_its_reason() {
        let sr = 16_000;
        let x = noise(1.0, sr);
        let p = AnalyzeParams::default();
        let channel = features::Channel::of(&x.mono, sr, &p.measure);
        // Measured in the noise, its centroid then set: what the blast rule reads.
        let measured = |d: Detection, centroid_hz: f64| {
            let mut f = measure_detection(&x, &channel, &d, &p);
            f.centroid_hz = centroid_hz;
            let v = classify::classify(&f, &d.evidence, &p.classify);
            (d, f, v)
        };
        let blast = Evidence {
            blast_onset_db: p.detect.score.blast_onset_db + 3.0,
            ..Evidence::default()
        };
        let low = p.detect.score.blast_max_centroid_hz / 2.0;
        let pool = vec![
            measured(candidate(2_000, 0.9), 1_000.0),
            // Below the threshold, a low-frequency blast: kept.
            measured(
                Detection {
                    evidence: blast,
                    ..candidate(5_000, 0.1)
                },
                low,
            ),
            // As sudden, but bright; and low, but not sudden: neither kept.
            measured(
                Detection {
                    evidence: blast,
                    ..candidate(8_000, 0.1)
                },
                1_000.0,
            ),
            measured(candidate(10_000, 0.1), low),
            // Above the threshold only with its voicing weighed as typical: kept, and said so.
            measured(
                Detection {
                    unheard_from: Some(0.3),
                    ..candidate(13_000, 0.6)
                },
                1_000.0,
            ),
        ];
        let kept = keep_candidates(pool, f64::from(sr), &p);
        let onsets: Vec<usize> = kept.iter().map(|e| e.d.onset).collect();
        assert_eq!(onsets, vec![2_000, 5_000, 13_000]);
        assert!(kept.iter().all(|e| e.detected && e.repeat.is_none()));
        assert!(
            kept[1].v.reasons[0].starts_with("low-frequency blast"),
            "{:?}",
            kept[1].v.reasons
        );
        assert!(
            kept[2].v.reasons[0].contains("no voice is heard"),
            "{:?}",
            kept[2].v.reasons
        );
        assert!(
            !kept[0]
                .v
                .reasons
                .iter()
                .any(|r| r.contains("no voice is heard"))
        );
    }

    #[test]
    fn a_ringing_candidate_where_no_voice_is_heard_is_scored_with_typical_voicing() {
        let sr = 16_000;
        let x = noise(2.0, sr);
        let p = AnalyzeParams::default();
        // Periodic after its onset (0.8): below the threshold as measured, above it with the
        // voicing of a typical candidate.
        let rings = Evidence {
            peak_over_pre_db: 15.0,
            contrast_rank: 0.9,
            voicing: Some(0.8),
            ..Evidence::default()
        };
        let scored = |onset: usize| Detection {
            evidence: rings,
            ..candidate(onset, score::score(&rings))
        };
        let measured = score::score(&rings);
        assert!(measured < p.detect.score.threshold, "{measured}");
        // One in the clip's first `evidence.pre_window_s`, left as scored.
        let mut found = vec![scored(800), scored(16_000)];
        weigh_unheard_voicing(&mut found, false, &x, &p, 1.0);
        assert_eq!(found[0].score, measured);
        assert_eq!(found[0].unheard_from, None);
        assert!(
            found[1].score >= p.detect.score.threshold,
            "{}",
            found[1].score
        );
        assert_eq!(found[1].unheard_from, Some(measured));
        // Where the codec flickers, a candidate that does not rise through it stays at its own
        // score (the flicker rule scored it 0 before).
        let mut found = vec![scored(16_000)];
        weigh_unheard_voicing(&mut found, true, &x, &p, 1.0);
        assert_eq!(found[0].unheard_from, None);
    }
}
