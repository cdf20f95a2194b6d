//! CEL on Pods: what binding an object and evaluating expressions on it cost (faultline-cel).
//!
//! `cargo bench -p faultline-benches --bench cel`. On the Pods of a generated 2 MB YAML List
//! snapshot (parsed and modelled once, outside the timing), with ten expressions of the kind
//! policies write (`has()`, `all()`, `startsWith()`, `in`, `quantity()`, …):
//! - `compile/10-expressions`: compiling the ten (done once per run);
//! - `bind/<kind>/<n>-pods`: the value an expression sees as `object`, for every Pod: `lazy`
//!   (`to_val`, maps and lists that read their node on access) or `eager` (`to_val_eager`, the
//!   whole object built with the cel crate's maps and lists);
//! - `eval/<kind>/<n>-pods-x10`: the ten expressions on every Pod, bound beforehand, through
//!   `Program::eval` (cost-bounded);
//! - `pod/<kind>/<n>-pods-bind+x10`: bind each Pod once and evaluate the ten on it, what a
//!   custom rules run does per object;
//! - `matches/<n>-pods`: `matches()` with one pattern on every container image;
//! - `eval-unbounded/eager/<n>-pods-x10`: the ten on the cel crate directly, without what
//!   `Program` weaves into an expression (cost charging, symmetric equality): its price.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use faultline_benches::{Format, GenOptions, Layout, generate};
use faultline_cel::{Program, Vars, to_val, to_val_eager};
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::FileId;
use faultline_syntax::load::{parse_source, source_from_bytes};

const EXPRESSIONS: [&str; 10] = [
    "object.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && has(c.resources.limits.memory))",
    "object.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
    "has(object.metadata.labels) && 'app' in object.metadata.labels",
    "!has(object.spec.hostNetwork) || object.spec.hostNetwork == false",
    "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
    "object.metadata.namespace != 'default'",
    "object.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.contains(':'))",
    "object.spec.containers.map(c, c.name).size() <= 5",
    "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
    "object.spec.containers.all(c, !has(c.resources.requests) || !has(c.resources.requests.cpu) || quantity(string(c.resources.requests.cpu)).isLessThan(quantity('4')))",
];

fn cel(c: &mut Criterion) {
    let text = generate(&GenOptions {
        target_bytes: 2_000_000,
        seed: 42,
        format: Format::Yaml,
        layout: Layout::List,
    });
    let file = source_from_bytes(FileId(0), "snapshot.yaml", text.into_bytes())
        .unwrap_or_else(|e| panic!("{}", e.message));
    let parsed = vec![parse_source(&file)];
    let inventory = Inventory::build(&parsed, &ModelOptions::default());
    let pods: Vec<_> = inventory
        .objects
        .iter()
        .filter(|o| o.kind == "Pod")
        .map(|o| o.node)
        .collect();
    assert!(pods.len() > 100, "{} pods", pods.len());
    let n = pods.len();
    let programs: Vec<Program> = EXPRESSIONS
        .iter()
        .map(|e| Program::compile(e).unwrap_or_else(|err| panic!("{e}: {err}")))
        .collect();
    // Every expression evaluates on every Pod without an error: a benchmark of errors would
    // measure the error path.
    for pod in &pods {
        let mut vars = Vars::new();
        vars.bind("object", to_val(*pod));
        for p in &programs {
            if let Err(e) = p.eval(&vars) {
                panic!("{}: {e}", p.source());
            }
        }
    }

    let mut group = c.benchmark_group("cel");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("compile/10-expressions", |b| {
        b.iter(|| {
            EXPRESSIONS
                .iter()
                .map(|e| Program::compile(black_box(e)).is_ok() as usize)
                .sum::<usize>()
        })
    });
    let kinds: [(&str, ToVal); 2] = [("lazy", to_val), ("eager", to_val_eager)];
    for (kind, to_val) in kinds {
        group.bench_function(format!("bind/{kind}/{n}-pods"), |b| {
            b.iter(|| {
                pods.iter()
                    .map(|p| black_box(to_val(*p)).get_type().name().len())
                    .sum::<usize>()
            })
        });
        let bound = bind_each(&pods, to_val);
        group.bench_function(format!("eval/{kind}/{n}-pods-x10"), |b| {
            b.iter(|| {
                let mut passed = 0usize;
                for vars in &bound {
                    for p in &programs {
                        passed += (p.eval(vars) == Ok(faultline_cel::Value::Bool(true))) as usize;
                    }
                }
                passed
            })
        });
        group.bench_function(format!("pod/{kind}/{n}-pods-bind+x10"), |b| {
            b.iter(|| {
                let mut passed = 0usize;
                for pod in &pods {
                    let mut vars = Vars::new();
                    vars.bind("object", to_val(*pod));
                    for p in &programs {
                        passed += (p.eval(&vars) == Ok(faultline_cel::Value::Bool(true))) as usize;
                    }
                }
                passed
            })
        });
    }
    // `matches()` on every container image of every Pod: the regex is the same on every call.
    let matches = Program::compile(
        "object.spec.containers.all(c, c.image.matches('^[a-z0-9.-]+(/[a-z0-9._-]+)+(:[a-zA-Z0-9._-]+)?$'))",
    )
    .expect("compiles");
    let bound = bind_each(&pods, to_val);
    group.bench_function(format!("matches/{n}-pods"), |b| {
        b.iter(|| {
            bound
                .iter()
                .filter(|vars| matches.eval(vars) == Ok(faultline_cel::Value::Bool(true)))
                .count()
        })
    });
    // The cel crate alone, on the eager values: what the cost charging woven into a
    // `Program` adds.
    let env = Arc::clone(faultline_cel::env());
    let contexts: Vec<cel::Context<'_, '_>> = pods
        .iter()
        .map(|p| {
            let mut ctx = cel::Context::with_env(Arc::clone(&env));
            ctx.add_variable_as_val("object", to_val_eager(*p));
            ctx
        })
        .collect();
    group.bench_function(format!("eval-unbounded/eager/{n}-pods-x10"), |b| {
        b.iter(|| {
            let mut passed = 0usize;
            for ctx in &contexts {
                for p in &programs {
                    let v = cel::Value::resolve(p.expression(), ctx);
                    passed += (v == Ok(cel::Value::Bool(true))) as usize;
                }
            }
            passed
        })
    });
    group.finish();
}

/// How a node becomes a CEL value: lazily (`to_val`) or built whole (`to_val_eager`).
type ToVal =
    for<'t> fn(faultline_syntax::tree::NodeRef<'t>) -> Box<dyn cel::common::value::Val + 't>;

/// One set of variables per pod, `object` bound with `to_val`.
fn bind_each<'t>(pods: &[faultline_syntax::tree::NodeRef<'t>], to_val: ToVal) -> Vec<Vars<'t>> {
    pods.iter()
        .map(|p| {
            let mut vars = Vars::new();
            vars.bind("object", to_val(*p));
            vars
        })
        .collect()
}

criterion_group!(benches, cel);
criterion_main!(benches);
