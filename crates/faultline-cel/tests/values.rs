//! YAML trees as CEL values: the lazy maps and lists of `to_val` evaluate exactly as the cel
//! crate's own (`to_val_eager`), whichever side of an operator they stand on.

use faultline_cel::{Program, Value, Vars, to_val, to_val_eager};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  containers:
  - name: app
    image: nginx:1.27
    ports: [{containerPort: 80}, {containerPort: 443}]
    resources: {limits: {memory: 128Mi, cpu: '1'}}
  - name: sidecar
    image: envoy
    ports: []
  volumes: []
  replicas: 3
  ratio: 0.5
  flag: yes
  mode: 0644
  nothing: null
";

fn both(expr: &str) -> (Result<Value, String>, Result<Value, String>) {
    let parsed = parse_yaml(&Arc::from(POD));
    let root = parsed.documents[0].root().unwrap();
    let program = Program::compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let run = |val| {
        let mut vars = Vars::new();
        vars.bind("object", val);
        vars.bind("other", to_val(root));
        program.eval(&vars).map_err(|e| e.message)
    };
    (run(to_val(root)), run(to_val_eager(root)))
}

#[track_caller]
fn same(expr: &str, expected: Result<Value, ()>) {
    let (lazy, eager) = both(expr);
    assert_eq!(
        lazy.clone().map_err(|_| ()),
        expected,
        "lazy: {expr}: {lazy:?}"
    );
    assert_eq!(
        eager.clone().map_err(|_| ()),
        expected,
        "eager: {expr}: {eager:?}"
    );
}

#[test]
fn reads_fields_lists_and_scalars() {
    let t = || Ok(Value::Bool(true));
    same("object.spec.replicas == 3 && object.spec.ratio == 0.5", t());
    same(
        "object.spec.flag && object.spec.mode == 420 && object.spec.nothing == null",
        t(),
    );
    same(
        "object.metadata['name'] == 'web' && object.spec.containers[1].name == 'sidecar'",
        t(),
    );
    same(
        "object.spec.containers[1u].name == 'sidecar' && object.spec.containers[1.0].name == 'sidecar'",
        t(),
    );
    same("object.spec.containers[2]", Err(()));
    same("object.spec.containers[-1]", Err(()));
    same("object.spec.missing", Err(()));
    same("object.spec.containers['x']", Err(()));
    same(
        "size(object.spec.containers) == 2 && object.metadata.labels.size() == 2",
        t(),
    );
    same("has(object.spec.replicas) && !has(object.spec.paused)", t());
    same(
        "has(object.spec.containers[0].resources.limits.memory)",
        t(),
    );
    same(
        "'app' in object.metadata.labels && !('x' in object.metadata.labels)",
        t(),
    );
    same("object.metadata.labels.all(k, k in ['app', 'tier'])", t());
    same(
        "object.metadata.labels.exists(k, object.metadata.labels[k] == 'front')",
        t(),
    );
    same("object.spec.containers.exists_one(c, c.name == 'app')", t());
    same(
        "object.spec.containers.map(c, c.name) == ['app', 'sidecar']",
        t(),
    );
    same(
        "object.spec.containers.filter(c, c.ports.size() > 0).size() == 1",
        t(),
    );
    same(
        "object.spec.containers.map(c, c.ports.map(p, p.containerPort)).flatten() == [80, 443]",
        t(),
    );
    same(
        "object.?spec.?paused.orValue(false) == false && object.spec[?'replicas'] == optional.of(3)",
        t(),
    );
    same("object.spec.containers[?5] == optional.none()", t());
    same(
        "optional.ofNonZeroValue(object.spec.volumes) == optional.none()",
        t(),
    );
    same(
        "type(object) == map && type(object.spec.containers) == list",
        t(),
    );
    same(
        "object.spec.containers[0].ports.map(p, p.containerPort).max() == 443",
        t(),
    );
    same(
        "object.spec.containers.map(c, c.name).join(',') == 'app,sidecar'",
        t(),
    );
}

#[test]
fn equality_and_in_are_symmetric() {
    let t = || Ok(Value::Bool(true));
    same(
        "object.metadata.labels == {'app': 'web', 'tier': 'front'}",
        t(),
    );
    same(
        "{'app': 'web', 'tier': 'front'} == object.metadata.labels",
        t(),
    );
    same("{'app': 'web'} != object.metadata.labels", t());
    same(
        "object.spec.containers[0].ports == [{'containerPort': 80}, {'containerPort': 443}]",
        t(),
    );
    same(
        "[{'containerPort': 80}, {'containerPort': 443}] == object.spec.containers[0].ports",
        t(),
    );
    same(
        "[] == object.spec.volumes && object.spec.volumes == []",
        t(),
    );
    same("object == other && other.spec == object.spec", t());
    same(
        "object.spec.containers.map(c, c.ports) == [[{'containerPort': 80}, {'containerPort': 443}], []]",
        t(),
    );
    same(
        "{'containerPort': 80} in object.spec.containers[0].ports",
        t(),
    );
    same(
        "object.spec.containers[0].ports[0] in [{'containerPort': 80}]",
        t(),
    );
    same(
        "!(object.spec.containers[0].ports[0] in [{'containerPort': 81}])",
        t(),
    );
    same(
        "object.spec.containers[0].ports + [{'containerPort': 8080}] == [{'containerPort': 80}, {'containerPort': 443}, {'containerPort': 8080}]",
        t(),
    );
    same("[1] + object.spec.volumes == [1]", t());
    same(
        "object.spec.replicas == 3.0 && 3u == object.spec.replicas",
        t(),
    );
}

#[test]
fn results_are_values() {
    let (lazy, eager) = both("object.metadata.labels");
    assert_eq!(lazy, eager);
    let Ok(Value::Map(map)) = lazy else {
        panic!("{lazy:?}")
    };
    assert_eq!(map.map.len(), 2);
    let (lazy, eager) = both("object.spec.containers.map(c, c.ports)");
    assert_eq!(lazy, eager);
    assert!(matches!(lazy, Ok(Value::List(l)) if l.len() == 2));
    let (lazy, eager) = both("object.spec.containers[0].resources.limits.memory");
    assert_eq!(lazy, Ok(Value::String(Arc::new("128Mi".to_owned()))));
    assert_eq!(eager, lazy);
}
