//! Regenerates `crates/faultline-schema/data/schemas.bin` from the OpenAPI v3 documents of
//! kubectl-validate in `../shared` (or the folder given as the first argument).
//!
//! ```sh
//! cargo run --release -p faultline-schemagen --example gen-schemas
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let builtins = std::env::args_os().nth(1).map_or_else(
        || root.join(faultline_schemagen::BUILTINS_FROM_ROOT),
        PathBuf::from,
    );
    let out = root.join(faultline_schemagen::DATA_FROM_ROOT);
    let start = std::time::Instant::now();
    match faultline_schemagen::generate(&builtins) {
        Ok((bytes, stats)) => {
            if let Err(e) = std::fs::write(&out, &bytes) {
                eprintln!("gen-schemas: {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
            println!(
                "{}: {} bytes; {} versions, {} documents, {} schema nodes merged into {}, {} kinds ({:.1} s)",
                out.display(),
                stats.bytes,
                stats.versions,
                stats.documents,
                stats.states,
                stats.nodes,
                stats.kinds,
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-schemas: {e}");
            ExitCode::FAILURE
        }
    }
}
