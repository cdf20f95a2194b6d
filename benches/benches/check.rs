//! End-to-end `faultline check` of one small manifest, in process: configuration, loading,
//! parsing, inventory, every rule, redaction and JSON rendering (into a sink).
//!
//! `cargo bench -p faultline-benches --bench check`. The wall time of the real binary (process
//! start included) is measured from the shell; see `benches/README.md`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use faultline_cli::check::{self, CheckArgs};
use faultline_cli::render::Format;

fn args(path: &Path) -> CheckArgs {
    let mut args = CheckArgs::new(vec![path.display().to_string()]);
    args.format = Format::Json;
    args.cwd = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    args
}

fn small_manifest(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/demo/payment-service.yaml");
    let args = args(&path);
    let outcome = check::run(&args, &mut std::io::sink()).expect("check failed");
    assert!(
        !outcome
            .diagnostics
            .iter()
            .any(|d| d.rule == faultline_rules::registry::input_unreadable::InputUnreadable::ID),
        "{} is unreadable",
        path.display()
    );
    c.bench_function("check/payment-service.yaml/json", |b| {
        b.iter(|| check::run(&args, &mut std::io::sink()).expect("check failed"));
    });
}

criterion_group!(benches, small_manifest);
criterion_main!(benches);
