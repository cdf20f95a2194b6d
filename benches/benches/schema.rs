//! The built-in schemas: what the first `faultline_schema::builtin()` of a run costs (decoding
//! the embedded `schemas.bin`, all thirteen versions), and a lookup on the decoded data.
//!
//! `cargo bench -p faultline-benches --bench schema`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use faultline_schema::{Builtin, builtin};

fn load(c: &mut Criterion) {
    let data = faultline_schema::DATA;
    c.bench_function("schema/decode-embedded", |b| {
        b.iter(|| Builtin::decode(black_box(data)).expect("the embedded data decodes"));
    });
}

fn lookup(c: &mut Criterion) {
    let b = builtin();
    c.bench_function("schema/lookup-deployment-container-port", |bench| {
        bench.iter(|| {
            let deployment = b
                .lookup(black_box(30), "apps", "v1", "Deployment")
                .expect("Deployment");
            ["spec", "template", "spec", "containers"]
                .iter()
                .try_fold(deployment, |s, step| s.property(step))
                .and_then(|containers| containers.items())
                .and_then(|container| container.property("ports"))
                .and_then(|ports| ports.items())
                .and_then(|port| port.property("containerPort"))
                .expect("containerPort")
        });
    });
}

criterion_group!(benches, load, lookup);
criterion_main!(benches);
