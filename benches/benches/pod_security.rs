//! The cost of the Pod Security Standards checks on a generated cluster snapshot.
//!
//! `cargo bench -p faultline-benches --bench pod_security`. On the 10 MB YAML List snapshot
//! (parsed, inventory, graph and context built once, outside the timing):
//! - `evaluate/<level>`: `pod_security::evaluate` on every pod shape (Pods and workload
//!   templates) at `baseline` and at `restricted` (where the generated pods, which write no
//!   `securityContext`, fail four checks each: the cost with findings to describe);
//! - `engine/none` and `engine/pod-security`: the rules engine with no rule and with the
//!   `pod-security` rule alone (default configuration: `baseline` for namespaces without
//!   labels); the difference is what the rule adds to the rules stage.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use faultline_benches::yaml_list_snapshot;
use faultline_graph::Graph;
use faultline_model::pod::PodTemplate;
use faultline_model::pod_security::{self, Level};
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::registry::pod_security::PodSecurity;
use faultline_rules::{Context, Rule, Settings};
use faultline_syntax::load::parse_source;

fn pod_security(c: &mut Criterion) {
    let file = yaml_list_snapshot(10_000_000);
    let parsed = vec![parse_source(&file)];
    let files = vec![file];
    let settings = Settings::default();
    let inventory = Inventory::build(&parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let cx = Context::new(&files, &parsed, &graph, &settings);
    let shapes: Vec<PodTemplate<'_>> = inventory
        .objects
        .iter()
        .filter_map(PodTemplate::of)
        .collect();
    assert!(shapes.len() > 1000, "{} pod shapes", shapes.len());

    let mut group = c.benchmark_group("pod-security");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    for level in [Level::Baseline, Level::Restricted] {
        group.bench_function(format!("evaluate/{level}/{}-shapes", shapes.len()), |b| {
            b.iter(|| {
                shapes
                    .iter()
                    .map(|p| pod_security::evaluate(p, level, pod_security::NEWEST_MINOR).len())
                    .sum::<usize>()
            });
        });
    }
    let none: [&'static dyn Rule; 0] = [];
    group.bench_function("engine/none", |b| {
        b.iter(|| black_box(faultline_rules::run(&cx, &none)).len());
    });
    let rule: [&'static dyn Rule; 1] = [&PodSecurity];
    group.bench_function("engine/pod-security", |b| {
        b.iter(|| black_box(faultline_rules::run(&cx, &rule)).len());
    });
    group.finish();
}

criterion_group!(benches, pod_security);
criterion_main!(benches);
