//! Throughput of parse + model (`parse_source`, then `Inventory::build`) on generated cluster
//! snapshots, on rayon pools of 1 and 2 threads, and of load + model + all rules on a tree of
//! many small manifest files.
//!
//! `cargo bench -p faultline-benches --bench parse [-- FILTER]`. Snapshots are generated once and
//! cached in `target/bench-data/` (named by shape, size and seed), so later runs only read them.
//! Throughput is reported in decimal MB/s, the unit of the performance targets.

use std::cell::OnceCell;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use faultline_benches::{
    Format, GenOptions, Layout, bench_data_dir, cached_snapshot, generate_manifest_dir,
};
use faultline_graph::Graph;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::{Context, Settings};
use faultline_syntax::load::{self, Input, LoadOptions, parse_source, source_from_bytes};
use faultline_syntax::{FileId, ParsedText, SourceFile};
use rayon::{ThreadPool, ThreadPoolBuilder};

const SEED: u64 = 42;
const MB: usize = 1_000_000;
const THREADS: [usize; 2] = [1, 2];
const SMALL_FILES: usize = 2_000;

struct Shape {
    name: &'static str,
    bytes: usize,
    format: Format,
    layout: Layout,
}

const SHAPES: [Shape; 4] = [
    Shape {
        name: "yaml-list-10MB",
        bytes: 10 * MB,
        format: Format::Yaml,
        layout: Layout::List,
    },
    Shape {
        name: "yaml-list-100MB",
        bytes: 100 * MB,
        format: Format::Yaml,
        layout: Layout::List,
    },
    Shape {
        name: "yaml-multidoc-100MB",
        bytes: 100 * MB,
        format: Format::Yaml,
        layout: Layout::MultiDoc,
    },
    Shape {
        name: "json-list-100MB",
        bytes: 100 * MB,
        format: Format::Json,
        layout: Layout::List,
    },
];

fn pool(threads: usize) -> ThreadPool {
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("cannot start a rayon pool")
}

/// The snapshot of `shape`, generated into `target/bench-data/` on first use and read from
/// there afterwards, the way `faultline check` reads a file.
fn snapshot(shape: &Shape) -> SourceFile {
    let opts = GenOptions {
        target_bytes: shape.bytes,
        seed: SEED,
        format: shape.format,
        layout: shape.layout,
    };
    let path = cached_snapshot(&opts, &bench_data_dir()).expect("cannot write bench data");
    let bytes = std::fs::read(&path).expect("cannot read bench data");
    source_from_bytes(FileId(0), &path.display().to_string(), bytes)
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message))
}

/// Parse + model of one file; returns the trees so that criterion drops them outside the timing.
fn parse_and_model(file: &SourceFile) -> Vec<ParsedText> {
    let parsed = vec![parse_source(file)];
    let inventory = Inventory::build(&parsed, &ModelOptions::default());
    black_box(inventory.objects.len());
    drop(inventory);
    parsed
}

fn parse_model(c: &mut Criterion) {
    let pools: Vec<(usize, ThreadPool)> = THREADS.iter().map(|&n| (n, pool(n))).collect();
    let mut group = c.benchmark_group("parse_model");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20));
    for shape in &SHAPES {
        // Generated or read only if a benchmark of this shape passes the filter; dropped
        // before the next shape.
        let data: OnceCell<SourceFile> = OnceCell::new();
        group.throughput(Throughput::BytesDecimal(shape.bytes as u64));
        for (threads, pool) in &pools {
            let id = BenchmarkId::new(shape.name, format!("{threads}-thread"));
            group.bench_function(id, |b| {
                let file = data.get_or_init(|| snapshot(shape));
                b.iter_with_large_drop(|| pool.install(|| parse_and_model(file)));
            });
        }
    }
    group.finish();
}

/// Total bytes of the files under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("cannot read dir").flatten() {
        let meta = entry.metadata().expect("cannot stat");
        total += if meta.is_dir() {
            dir_bytes(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// `load_all` (discovery, reading, parsing) + inventory + every enabled rule.
fn check_dir(root: &Path) -> usize {
    let loaded = load::load_all(&[Input::Path(root.to_owned())], &LoadOptions::default());
    let inventory = Inventory::build(&loaded.parsed, &ModelOptions::default());
    let settings = Settings::default();
    let graph = Graph::build(&inventory);
    let cx = Context::new(&loaded.files, &loaded.parsed, &graph, &settings);
    let diagnostics = faultline_rules::run(&cx, &settings.enabled_rules());
    black_box(inventory.objects.len()) + black_box(diagnostics.len())
}

fn many_small_files(c: &mut Criterion) {
    let dir = tempfile::Builder::new()
        .prefix("faultline-bench-")
        .tempdir()
        .expect("cannot create a temp dir");
    generate_manifest_dir(dir.path(), SMALL_FILES, SEED).expect("cannot write manifests");
    let loaded = load::load_all(
        &[Input::Path(dir.path().to_owned())],
        &LoadOptions::default(),
    );
    assert_eq!(loaded.files.len(), SMALL_FILES, "{:?}", loaded.errors);
    drop(loaded);
    let bytes = dir_bytes(dir.path());

    let mut group = c.benchmark_group("load_model_rules");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::BytesDecimal(bytes));
    for threads in THREADS {
        let pool = pool(threads);
        let id = BenchmarkId::new(format!("{SMALL_FILES}-files"), format!("{threads}-thread"));
        group.bench_function(id, |b| b.iter(|| pool.install(|| check_dir(dir.path()))));
    }
    group.finish();
}

criterion_group!(benches, parse_model, many_small_files);
criterion_main!(benches);
