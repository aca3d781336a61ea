//! A plain full parse of a HAR with the `har` crate (the peer `benches/compare.sh` measures
//! corscope against): reads the whole file, parses it into `har`'s types, prints the number of
//! entries.
//!
//! ```text
//! cargo run --release --example har_crate_parse -- FILE.har
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: har_crate_parse FILE.har");
        return ExitCode::from(2);
    };
    match har::from_path(&path) {
        Ok(h) => {
            let entries = match h.log {
                har::Spec::V1_2(log) => log.entries.len(),
                har::Spec::V1_3(log) => log.entries.len(),
            };
            println!("{entries}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("har_crate_parse: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
