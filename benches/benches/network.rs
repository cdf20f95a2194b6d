//! The NetworkPolicy engine at scale: a generated cluster of 150,000 pods in 2,000 namespaces
//! with 5,000 NetworkPolicies (and a tenth of it, to show how the cost grows), parsed once;
//! measured: graph build plus the network rules, and the whole connectivity matrix.
//!
//! `cargo bench -p faultline-benches --bench network`. Figures are in `benches/README.md`.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use faultline_benches::{NetworkShape, network_cluster};
use faultline_diagnostics::Category;
use faultline_graph::Graph;
use faultline_graph::netpol::{NetOptions, NetworkModel};
use faultline_model::{Inventory, ModelOptions};
use faultline_rules::{Context, Settings};
use faultline_syntax::{FileId, SourceFile};

fn network(c: &mut Criterion) {
    let mut group = c.benchmark_group("network");
    group.sample_size(10);
    for (label, shape) in [
        ("15k-pods", NetworkShape::TENTH),
        ("150k-pods", NetworkShape::LARGE),
    ] {
        let text = network_cluster(shape);
        let file = SourceFile::new(FileId(0), "cluster.yaml", Arc::<str>::from(text));
        let parsed = vec![faultline_syntax::load::parse_source(&file)];
        let files = vec![file];
        let inventory = Inventory::build(&parsed, &ModelOptions::default());
        assert_eq!(
            inventory.of_kind("Pod").count(),
            shape.pods() + 2,
            "every generated pod is read"
        );
        let mut settings = Settings::default();
        let network_rules: Vec<&'static dyn faultline_rules::Rule> = faultline_rules::registry::ALL
            .iter()
            .copied()
            .filter(|r| {
                matches!(
                    r.meta().info.category,
                    Category::Network | Category::Services
                )
            })
            .collect();
        settings.only = Some(
            network_rules
                .iter()
                .map(|r| r.meta().info.id.to_owned())
                .collect(),
        );
        group.bench_function(BenchmarkId::new("graph+network-rules", label), |b| {
            b.iter(|| {
                let graph = Graph::build(&inventory);
                let cx = Context::new(&files, &parsed, &graph, &settings);
                // Build the model even when no network rule exists yet.
                let classes = cx.network().classes.len();
                faultline_rules::run(&cx, &network_rules).len() + classes
            });
        });
        let graph = Graph::build(&inventory);
        group.bench_function(BenchmarkId::new("matrix", label), |b| {
            b.iter(|| {
                NetworkModel::build(&graph, NetOptions::default())
                    .matrix()
                    .len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, network);
criterion_main!(benches);
