//! What ten custom rules (`customRules:` in `.faultline.yaml`, CEL) add to `faultline check` on
//! the 100 MB YAML List snapshot.
//!
//! `cargo bench -p faultline-benches --bench custom_rules`. The ten rules are
//! `benches/data/custom-rules.yaml` (Pods, Deployments, Services; `has()`, `all()`,
//! `exists()`, `matches()`, `startsWith()`), against the default settings (`builtin`), in two
//! measurements:
//! - `run`: what `faultline check` does with the file's bytes in memory: parse, inventory,
//!   graph, context, every rule and the cause chains (the "a run over the 100 MB List");
//! - `after-parse`: the same from the parsed trees (parsing does not change with custom rules,
//!   so this ratio is the worst case).

// The finding counts go to stderr, for the figures in benches/README.md.
#![allow(clippy::print_stderr)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use faultline_benches::yaml_list_snapshot;
use faultline_graph::Graph;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::config::Config;
use faultline_rules::{Context, Settings};
use faultline_syntax::load::parse_source;
use faultline_syntax::{ParsedText, SourceFile};

const MB: usize = 1_000_000;
const RULES: &str = include_str!("../data/custom-rules.yaml");

/// Inventory, graph, rules and cause chains; returns the findings.
fn check(
    files: &[SourceFile],
    parsed: &[ParsedText],
    settings: &Settings,
) -> Vec<faultline_diagnostics::Diagnostic> {
    let inventory = Inventory::build(parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let cx = Context::new(files, parsed, &graph, settings);
    let diags = faultline_rules::run(&cx, &settings.enabled_rules());
    black_box(faultline_triage::chains(&cx, &diags));
    diags
}

/// Parsing, then [`check`]; returns how many findings.
fn run(files: &[SourceFile], settings: &Settings) -> usize {
    let parsed: Vec<ParsedText> = files.iter().map(parse_source).collect();
    check(files, &parsed, settings).len()
}

fn custom_rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("custom-rules");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(30));
    let name = "yaml-list-100MB";
    let file = yaml_list_snapshot(100 * MB);
    let parsed = vec![parse_source(&file)];
    let files = vec![file];
    let builtin = Settings::default();
    let mut custom = Settings::default();
    Config::parse(RULES)
        .unwrap_or_else(|e| panic!("benches/data/custom-rules.yaml: {e:?}"))
        .apply(&mut custom);
    // The custom rules run and find something: a benchmark of rules that match nothing would
    // measure nothing.
    let ids: Vec<&str> = custom
        .custom
        .expect("ten custom rules")
        .rules
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(ids.len(), 10);
    let found = check(&files, &parsed, &custom);
    for id in [
        "deployment-owner-label",
        "pod-memory-limits",
        "service-port-names",
    ] {
        let n = found.iter().filter(|d| d.rule == id).count();
        eprintln!("{name}: {id}: {n} findings");
    }
    let custom_findings = found.iter().filter(|d| ids.contains(&d.rule)).count();
    assert!(custom_findings > 0, "{name}: no custom rule fired");
    eprintln!(
        "{name}: {} findings, {custom_findings} of them from custom rules",
        found.len()
    );
    for (label, settings) in [("builtin", &builtin), ("ten-custom", &custom)] {
        group.bench_with_input(
            BenchmarkId::new(format!("run/{label}"), name),
            settings,
            |b, settings| {
                b.iter(|| black_box(run(&files, settings)));
            },
        );
    }
    for (label, settings) in [("builtin", &builtin), ("ten-custom", &custom)] {
        group.bench_with_input(
            BenchmarkId::new(format!("after-parse/{label}"), name),
            settings,
            |b, settings| {
                b.iter(|| black_box(check(&files, &parsed, settings).len()));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, custom_rules);
criterion_main!(benches);
