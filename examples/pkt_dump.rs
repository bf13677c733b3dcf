use std::fs::File;
use symphonia::core::formats::FormatOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let f = File::open(&p).unwrap();
    let mss = MediaSourceStream::new(Box::new(f), Default::default());
    let mut fmt = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .unwrap();
    let mut i = 0;
    loop {
        match fmt.next_packet() {
            Ok(Some(pk)) => {
                println!(
                    "{i} pts {} dur {} len {}",
                    pk.pts.get(),
                    pk.dur.get(),
                    pk.data.len()
                );
                i += 1;
            }
            Ok(None) => break,
            Err(e) => {
                println!("err {e}");
                break;
            }
        }
    }
}
