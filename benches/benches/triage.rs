//! What `faultline triage` adds to `faultline check` on a generated cluster snapshot: the
//! cause chains (which `check` also attaches to its status findings) and the incident report
//! (grouping into problems, evidence, timeline).
//!
//! `cargo bench -p faultline-benches --bench triage`. Three measurements per snapshot, each
//! from the parsed trees (parsing is the same for both commands and left out, so the ratios
//! are the worst case; with parsing, the 1 GB figures in `benches/README.md` apply):
//! - `rules`: inventory, graph, context and every rule, without chains;
//! - `check`: the same plus the cause chains, what `faultline check` runs;
//! - `triage`: `check` plus the incident report, what `faultline triage` runs.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use faultline_benches::yaml_list_snapshot;
use faultline_graph::Graph;
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::{Context, Settings};
use faultline_syntax::load::parse_source;
use faultline_syntax::{ParsedText, SourceFile};

const MB: usize = 1_000_000;

#[derive(Clone, Copy)]
enum Stage {
    Rules,
    Check,
    Triage,
}

/// Everything after parsing, up to `stage`; returns how many findings (or problems).
fn run(files: &[SourceFile], parsed: &[ParsedText], stage: Stage) -> usize {
    let settings = Settings::default();
    let inventory = Inventory::build(parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let cx = Context::new(files, parsed, &graph, &settings);
    let rules = settings.enabled_rules();
    match stage {
        Stage::Rules => faultline_rules::run(&cx, &rules).len(),
        Stage::Check => {
            let diags = faultline_rules::run(&cx, &rules);
            diags.len() + faultline_triage::chains(&cx, &diags).len()
        }
        Stage::Triage => {
            let diags = faultline_rules::run(&cx, &rules);
            let chains = faultline_triage::chains(&cx, &diags);
            let incident = faultline_triage::report::build(&cx, &diags, &chains);
            diags.len() + incident.problems.len()
        }
    }
}

fn triage(c: &mut Criterion) {
    let mut group = c.benchmark_group("triage");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(20));
    for (name, bytes) in [("yaml-list-10MB", 10 * MB), ("yaml-list-100MB", 100 * MB)] {
        let file = yaml_list_snapshot(bytes);
        let parsed = vec![parse_source(&file)];
        let files = vec![file];
        let problems = {
            let settings = Settings::default();
            let inventory = Inventory::build(&parsed, &ModelOptions::default());
            let graph = Graph::build(&inventory);
            let cx = Context::new(&files, &parsed, &graph, &settings);
            let diags = faultline_rules::run(&cx, &settings.enabled_rules());
            let chains = faultline_triage::chains(&cx, &diags);
            let incident = faultline_triage::report::build(&cx, &diags, &chains);
            assert!(
                !chains.is_empty(),
                "{name}: the snapshot has no cause chain"
            );
            incident.problems.len()
        };
        assert!(
            problems > 0,
            "{name}: the snapshot has no problem to triage"
        );
        for (stage, label) in [
            (Stage::Rules, "rules"),
            (Stage::Check, "check"),
            (Stage::Triage, "triage"),
        ] {
            group.bench_with_input(BenchmarkId::new(label, name), &stage, |b, stage| {
                b.iter(|| black_box(run(&files, &parsed, *stage)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, triage);
criterion_main!(benches);
