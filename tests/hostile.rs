//! Hostile input: thousands of corrupted versions of real files (bit flips, overwritten
//! runs, truncations) go through `probe` and a full decode. Every one must end in a result or
//! an `Error`, never a panic.

use std::path::{Path, PathBuf};

use earwitness::decode::{self, Backend, DecodeParams};

/// Mutations per fixture.
const MUTATIONS: usize = 300;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A corrupted copy of `data`: headers are hit more often than payload, since that is where
/// parsers trust lengths and counts.
fn mutate(data: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut d = data.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let limit = if rng.below(2) == 0 {
                    d.len().min(512)
                } else {
                    d.len()
                };
                let i = rng.below(limit);
                d[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let i = rng.below(d.len().min(4096));
            let len = 1 + rng.below(16);
            let byte = [0x00, 0xff, 0x7f, 0x80][rng.below(4)];
            for b in d.iter_mut().skip(i).take(len) {
                *b = byte;
            }
        }
        2 => d.truncate(rng.below(d.len())),
        _ => {
            // Splice a chunk of the file over another place (plausible-looking garbage).
            let a = rng.below(d.len());
            let b = rng.below(d.len());
            let len = rng.below(256).min(d.len() - a.max(b));
            let chunk = d[a..a + len].to_vec();
            d[b..b + len].copy_from_slice(&chunk);
        }
    }
    d
}

/// Probes and decodes `path`; returns the number of frames decoded.
fn run(path: &Path) -> u64 {
    let params = DecodeParams {
        backend: Backend::Symphonia,
        block_frames: 4096,
        ..DecodeParams::default()
    };
    let _ = earwitness::probe::probe(path, &params);
    let mut frames = 0;
    if let Ok(stream) = decode::open(path, &params) {
        for block in stream {
            match block {
                Ok(b) => frames += b.frames() as u64,
                Err(_) => break,
            }
        }
    }
    frames
}

fn fuzz_fixture(name: &str, seed: u64) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/timing")
        .join(name);
    fuzz_bytes(name, &std::fs::read(&src).unwrap(), seed);
}

/// [`MUTATIONS`] corrupted copies of `data` (a file called `name`) through probe and decode.
fn fuzz_bytes(name: &str, data: &[u8], seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = XorShift(seed);
    let mut decoded = 0;
    for i in 0..MUTATIONS {
        let bad = mutate(data, &mut rng);
        let p = dir.path().join(format!("m{i}_{name}"));
        std::fs::write(&p, &bad).unwrap();
        match std::panic::catch_unwind(|| run(&p)) {
            Ok(frames) => decoded += usize::from(frames > 0),
            Err(_) => {
                let keep = std::env::temp_dir().join(format!("earwitness-panic-{i}-{name}"));
                std::fs::copy(&p, &keep).unwrap();
                panic!(
                    "panic on mutation {i} of {name}; input kept at {}",
                    keep.display()
                );
            }
        }
        std::fs::remove_file(&p).unwrap();
    }
    // Most corruptions leave decodable audio: the decoders were really exercised.
    assert!(
        decoded > MUTATIONS / 10,
        "{name}: only {decoded} of {MUTATIONS} mutations decoded"
    );
    eprintln!("{name}: {decoded} of {MUTATIONS} mutations still decoded some audio");
}

macro_rules! fuzz_tests {
    ($($test:ident: $file:expr, $seed:expr;)*) => { $(#[test] fn $test() { fuzz_fixture($file, $seed); })* };
}

fuzz_tests! {
    wav: "impulses.wav", 1;
    flac: "impulses.flac", 2;
    mp3: "impulses.mp3", 3;
    m4a: "impulses.m4a", 4;
    ogg_vorbis: "impulses.ogg", 5;
    ogg_opus: "impulses.opus", 6;
    mp4: "impulses.mp4", 7;
    webm: "impulses.webm", 8;
    dahua_dav: "impulses_g711a.dav", 9;
    hikvision_program_stream: "impulses_g711a.mp4", 10;
    mov_ima4: "impulses_ima4.mov", 11;
    mov_x265: "impulses_hevc.mov", 12;
}

/// `data`, an MP4/MOV, as a recorder that never finished it leaves it: no `moov`, the `mdat`
/// size never written.
fn unfinalised(mut b: Vec<u8>) -> Vec<u8> {
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let size = u32::from_be_bytes(b[pos..pos + 4].try_into().unwrap()) as usize;
        match &b[pos + 4..pos + 8] {
            b"moov" => {
                b.drain(pos..pos + size);
                continue;
            }
            b"mdat" => b[pos..pos + 4].copy_from_slice(&[0; 4]),
            _ => {}
        }
        pos += size;
    }
    b
}

/// Recordings never finalised, their audio found frame by frame between the video's NAL units
/// (`decode::moovless`): H.264 with mono AAC, HEVC with stereo AAC.
#[test]
fn mp4_and_mov_never_finalised() {
    for (name, seed) in [("impulses.mp4", 13), ("impulses_hevc.mov", 14)] {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/timing")
            .join(name);
        let data = unfinalised(std::fs::read(&src).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let clean = dir.path().join(name);
        std::fs::write(&clean, &data).unwrap();
        assert!(run(&clean) > 0, "{name}: the clean copy decodes");
        fuzz_bytes(&format!("unfinalised_{name}"), &data, seed);
    }
}

#[test]
fn wav_with_more_channels_than_symphonia_reads() {
    // 20 channels: symphonia refuses the file and hound reads it (`decode::wav`), so its
    // corruptions exercise the fallback's header and truncation handling.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("20ch.wav");
    let spec = hound::WavSpec {
        channels: 20,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    let mut rng = XorShift(10);
    for _ in 0..400 * 20 {
        w.write_sample((rng.next() >> 48) as i16).unwrap();
    }
    w.finalize().unwrap();
    assert_eq!(run(&path), 400, "the clean file decodes whole");
    fuzz_bytes("20ch.wav", &std::fs::read(&path).unwrap(), 9);
}
