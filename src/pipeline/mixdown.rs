//! From a file to the mono mix every stage reads: decoding into the mix (channels left out
//! where they cancel or hold nothing), its ceiling and clipping, and the DC taken out.

use std::path::Path;

use crate::decode;
use crate::error::Result;
use crate::features;
use crate::signal::{Mixed, Mixer};

use super::AnalyzeParams;

/// A ceiling above this (+20 dBFS) is no overshoot of a clipped lossy encode (those reach a few
/// dB over full scale): the file's scale itself is not 1.0.
pub(super) const OVER_FULL_SCALE: f32 = 10.0;

/// What one pass of decoding into the mix gives.
pub(super) struct MixPass {
    pub(super) mixed: Mixed,
    /// The channels that ran against the first, as recorded, with their correlations
    /// (`Mixer::inverted`).
    pub(super) inverted: Vec<(usize, f64)>,
    /// The channels that carry nothing, with how far below the loudest (`Mixer::silent`).
    pub(super) silent: Vec<(usize, f64)>,
    /// A channel that hears the scene later than another (`Mixer::spaced`).
    pub(super) spaced: Option<crate::signal::Spaced>,
    /// The decoder's warnings.
    pub(super) warnings: Vec<String>,
}

/// One pass of decoding into the mix, each channel with its sign in `polarity` (empty: all +;
/// 0: left out).
pub(super) fn mix(
    path: &Path,
    input: &crate::model::MediaProbe,
    p: &AnalyzeParams,
    polarity: &[f32],
) -> Result<MixPass> {
    let mut stream = decode::open(path, &p.decode)?;
    let info = stream.info().clone();
    // Reserve what the container announces (plus 1 %), so the vectors do not grow by doubling.
    let expected = input
        .streams
        .get(info.stream_index)
        .and_then(|s| s.duration_s)
        .or(input.container.duration_s)
        .filter(|d| d.is_finite() && *d > 0.0 && *d < 86_400.0)
        .map_or(0, |d| (d * 1.01 * f64::from(info.sample_rate)) as usize);
    let mut mixer = Mixer::new(
        info.channels,
        info.sample_rate,
        p.measure.clip_level,
        p.measure.clip_run_samples,
        expected,
    )
    .with_polarity(polarity);
    for block in stream.by_ref() {
        mixer.push(&block?.channels);
    }
    Ok(MixPass {
        inverted: mixer.inverted(),
        silent: mixer.silent(),
        spaced: mixer.spaced(),
        mixed: mixer.finish(),
        warnings: stream.warnings(),
    })
}

/// Channel numbers as a reader counts them ("1, 3").
pub(super) fn channel_list(channels: &[(usize, f64)]) -> String {
    channels
        .iter()
        .map(|(c, _)| (c + 1).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decodes `path` block by block straight into the mix the analysis needs, never holding the
/// planar channels whole.
pub(super) fn decode_mixed(
    path: &Path,
    input: &crate::model::MediaProbe,
    p: &AnalyzeParams,
) -> Result<(Mixed, Vec<String>)> {
    let MixPass {
        mut mixed,
        inverted,
        silent,
        spaced,
        mut warnings,
    } = mix(path, input, p, &[])?;
    // Spaced microphones hear each sound at slightly different times, and the mean of two such
    // copies cancels some of every sound's frequencies (a comb filter): the devset with each
    // clip beside a copy 0.4 ms later (two microphones 14 cm apart in line with the sound) lost
    // 0.046 of its events F1 and 0.087 of its gunshot F1. The channel that hears first is
    // analysed alone; it holds the whole sound, and its clock is the earliest arrival. A pair
    // with a channel that carries nothing is left to the rule for those: a faint copy that
    // happens to lead would otherwise be the one analysed.
    // Otherwise a channel wired with its polarity inverted cancels the others in the mix, and
    // one that carries nothing halves its level: it is turned back, or left out.
    // Either way the clip is decoded again with each channel's sign (the cost falls only on
    // such clips; the first mix is let go first).
    let spaced = spaced.filter(|sp| !silent.iter().any(|(c, _)| *c == sp.first || *c == sp.later));
    let mut said = Vec::new();
    let sign = if let Some(sp) = spaced {
        said.push(format!(
            "channels {} and {} hear the scene {:.2} ms apart (correlation {:.2} at that lag): \
             spaced microphones, whose mean would cancel part of every sound (a comb filter, \
             its first notch at {:.0} Hz); analysed on channel {} alone, which hears first",
            sp.first.min(sp.later) + 1,
            sp.first.max(sp.later) + 1,
            sp.lag_s * 1e3,
            sp.correlation,
            0.5 / sp.lag_s,
            sp.first + 1
        ));
        let mut keep = vec![0.0f32; mixed.channels];
        keep[sp.first] = 1.0;
        Some(keep)
    } else if !inverted.is_empty() || !silent.is_empty() {
        if !inverted.is_empty() {
            said.push(format!(
                "channel(s) {} run against the first (correlation {}): taken to be wired with \
                 the polarity inverted and turned back before mixing, which would otherwise \
                 cancel them",
                channel_list(&inverted),
                inverted
                    .iter()
                    .map(|(_, r)| format!("{r:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !silent.is_empty() {
            said.push(format!(
                "channel(s) {} carry nothing ({}): left out of the mix, which would otherwise \
                 lower every level",
                channel_list(&silent),
                {
                    let each: Vec<String> = silent
                        .iter()
                        .map(|(_, db)| {
                            if db.is_finite() {
                                format!("{db:.0} dB below the loudest channel")
                            } else {
                                "digital silence".to_string()
                            }
                        })
                        .collect();
                    // One reason for all (a 16-channel recorder with one input used) is said
                    // once.
                    if each.len() > 1 && each.iter().all(|e| *e == each[0]) {
                        format!("{}, every one", each[0])
                    } else {
                        each.join(", ")
                    }
                }
            ));
        }
        let mut sign = vec![1.0f32; mixed.channels];
        for (c, _) in &inverted {
            sign[*c] = -1.0;
        }
        for (c, _) in &silent {
            sign[*c] = 0.0;
        }
        Some(sign)
    } else {
        None
    };
    if let Some(sign) = sign {
        drop(mixed);
        MixPass {
            mixed,
            warnings,
            ..
        } = mix(path, input, p, &sign)?;
    }
    warnings.extend(said);
    if mixed.frames() == 0 {
        return Err(crate::error::Error::media(
            path,
            "no audio could be decoded (the stream is empty, truncated or corrupt)",
        ));
    }
    let dc = remove_dc(&mut mixed.mono, mixed.sample_rate, &p.measure);
    if dc != 0.0 {
        mixed.mono_peak = mixed.mono.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        warnings.push(format!(
            "the recording has a DC offset of {dc:+.4} of full scale ({:.0} dBFS), taken out of \
             the mix before analysis: levels are of the sound without it, clipping is judged on \
             the samples as recorded",
            20.0 * dc.abs().log10()
        ));
    }
    Ok((mixed, warnings))
}

/// Takes a constant offset out of `mono` when it is at least `measure.dc_offset_min` and the
/// clip is at least `measure.dc_offset_min_clip_s` long, and returns it (0 when nothing was
/// taken out). A constant offset is no sound (pressure fluctuates
/// about the ambient), but a recorder's converter or a careless edit can add one, and it reads as
/// energy everywhere: it lifts the background under every onset and makes any two stretches of the
/// clip correlate (`detect::repeat`): at 0.05 the measured rise and flatness of a shot changed, at
/// 0.3 the copy search took the offset for fifty rounds of it. Below `min`, taking out the devset's
/// apparent offsets (up to 0.003, a rumbling background's wander) moved onsets by milliseconds and
/// lost a shot. The offset is the median of the 10 ms means, so that a blast's one-sided pulse does
/// not count as one; a constant is subtracted, not a high-pass filter applied, so that nothing else
/// changes (an explosion's pulse keeps its shape). The clip runs and the ceiling (`signal::Mixer`)
/// were measured on the samples as recorded, before this; where the channels of a stereo clip
/// differ, `Mixed::peak` holds their recorded maxima, so with an offset an event's level there is
/// of the recorded samples.
pub(super) fn remove_dc(mono: &mut [f32], sample_rate: u32, p: &features::MeasureParams) -> f64 {
    if (mono.len() as f64) < p.dc_offset_min_clip_s * f64::from(sample_rate) {
        return 0.0;
    }
    let block = (sample_rate as usize / 100).max(1);
    let mut means: Vec<f64> = mono
        .chunks(block)
        .map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / c.len() as f64)
        .collect();
    if means.is_empty() {
        return 0.0;
    }
    let mid = means.len() / 2;
    let dc = *means.select_nth_unstable_by(mid, f64::total_cmp).1;
    if dc.abs() < p.dc_offset_min {
        return 0.0;
    }
    let d = dc as f32;
    for v in mono.iter_mut() {
        *v -= d;
    }
    dc
}

/// Decodes `path` again and keeps, of its first two channels, `len` frames from each of
/// `starts` (sorted), zero where the clip has none: the windows `features::arrival` reads. A
/// second pass, and only over clips of two channels or more with events, so that the first
/// never holds the planar channels whole (a 30-minute stereo clip: 0.7 GB).
pub(super) fn channel_windows(
    path: &Path,
    p: &AnalyzeParams,
    starts: &[usize],
    len: usize,
) -> Result<Vec<[Vec<f32>; 2]>> {
    let mut out: Vec<[Vec<f32>; 2]> = starts
        .iter()
        .map(|_| [vec![0.0; len], vec![0.0; len]])
        .collect();
    let mut stream = decode::open(path, &p.decode)?;
    let (mut pos, mut first) = (0usize, 0usize);
    for block in stream.by_ref() {
        let block = block?;
        let n = block.channels.first().map_or(0, Vec::len);
        if block.channels.len() >= 2 {
            for (w, &s) in out.iter_mut().zip(starts).skip(first) {
                if s >= pos + n {
                    break;
                }
                let (lo, hi) = (s.max(pos), (s + len).min(pos + n));
                for (c, dst) in w.iter_mut().enumerate() {
                    if lo < hi {
                        dst[lo - s..hi - s].copy_from_slice(&block.channels[c][lo - pos..hi - pos]);
                    }
                }
            }
        }
        pos += n;
        while first < starts.len() && starts[first] + len <= pos {
            first += 1;
        }
        if first == starts.len() {
            break;
        }
    }
    Ok(out)
}
