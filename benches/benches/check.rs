//! End-to-end `faultline check` in process: configuration, loading, parsing, inventory, every
//! rule, redaction and JSON rendering (into a sink); of one small manifest, and of a realistic
//! application repeated many times in one file (microservices-demo from `../shared`, copied
//! 400 and 1,600 times, the copies renamed so that every Service selects every copy's pods:
//! the input that once grew quadratically; skipped with a message when `../shared` is missing).
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

#[allow(clippy::print_stderr)]
fn repeated_application(c: &mut Criterion) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join(faultline_benches::DEMO);
    let Ok(one) = std::fs::read_to_string(&demo) else {
        eprintln!("skipping check/repeated: {} not found", demo.display());
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut group = c.benchmark_group("check/repeated");
    group.sample_size(10);
    for copies in [400, 1_600] {
        let path = dir.path().join(format!("demo-x{copies}-renamed.yaml"));
        std::fs::write(&path, faultline_benches::repeated(&one, copies, true))
            .expect("the input is written");
        let args = args(&path);
        group.bench_function(format!("renamed-x{copies}/json"), |b| {
            b.iter(|| check::run(&args, &mut std::io::sink()).expect("check failed"));
        });
    }
    group.finish();
}

criterion_group!(benches, small_manifest, repeated_application);
criterion_main!(benches);
