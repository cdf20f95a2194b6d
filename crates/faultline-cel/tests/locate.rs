use faultline_cel::{Program, locate};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

fn paths(expr: &str, var: &str) -> Vec<Vec<String>> {
    Program::compile(expr).expect("compiles").paths(var)
}

fn p(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| s.to_string()).collect()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
  template:
    spec:
      containers:
      - name: app
        image: nginx
      - name: side
        image: envoy
";

/// The text of the node `locate` finds in DEPLOYMENT for `expr`.
fn located(expr: &str) -> Option<String> {
    let source: Arc<str> = Arc::from(DEPLOYMENT);
    let parsed = parse_yaml(&source);
    let root = parsed.documents[0].root().expect("a document");
    let program = Program::compile(expr).expect("compiles");
    locate(&program, "object", root).map(|n| {
        let r = n.range();
        source[r.start as usize..r.end as usize]
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

#[test]
fn paths_are_the_longest_selection_chains_under_the_variable() {
    assert_eq!(
        paths("object.spec.replicas <= 5", "object"),
        [p(&["spec", "replicas"])]
    );
    assert_eq!(
        paths(
            "has(object.spec.replicas) && object.spec.replicas > 1 || object.metadata.name == 'x'",
            "object"
        ),
        [p(&["spec", "replicas"]), p(&["metadata", "name"])],
        "in order of appearance, each once"
    );
    assert_eq!(
        paths("object.?spec.?replicas.orValue(1) > 0", "object"),
        [p(&["spec", "replicas"])]
    );
    assert_eq!(
        paths("object['spec']['replicas'] > 0", "object"),
        [p(&["spec", "replicas"])]
    );
    assert_eq!(
        paths(
            "object.spec.template.spec.containers[0].image != ''",
            "object"
        ),
        [p(&["spec", "template", "spec", "containers", "0", "image"])]
    );
}

#[test]
fn a_computed_key_or_a_comprehension_ends_the_chain() {
    assert_eq!(
        paths("object.metadata.labels[params.key] == 'x'", "object"),
        [p(&["metadata", "labels"])]
    );
    assert_eq!(
        paths("object.metadata.labels[params.key] == 'x'", "params"),
        [p(&["key"])]
    );
    assert_eq!(
        paths(
            "object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))",
            "object"
        ),
        [p(&["spec", "template", "spec", "containers"])]
    );
}

#[test]
fn other_variables_and_shadowing_are_not_paths() {
    assert!(paths("oldObject.spec.replicas == 1", "object").is_empty());
    assert!(
        paths("object == null", "object").is_empty(),
        "no field is read"
    );
    // Inside the comprehension `object` is the loop variable, not the bound one.
    assert_eq!(
        paths("object.items.all(object, object.name != '')", "object"),
        [p(&["items"])]
    );
    assert!(paths("1 + 2 == 3", "object").is_empty());
}

#[test]
fn locate_finds_the_deepest_written_node() {
    assert_eq!(located("object.spec.replicas <= 3").as_deref(), Some("5"));
    assert_eq!(
        located("has(object.spec.paused) && object.spec.paused").as_deref(),
        Some("replicas: 5"),
        "`paused` is not written: its parent, the spec map"
    );
    assert_eq!(
        located("object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))")
            .as_deref(),
        Some("name: app"),
        "the containers list (it starts at its first item's content)"
    );
    assert_eq!(
        located("object.spec.template.spec.containers[1].image == 'x'").as_deref(),
        Some("envoy")
    );
    assert_eq!(
        located(
            "object.metadata.name == 'x' || object.spec.template.spec.containers[0].name == ''"
        )
        .as_deref(),
        Some("app"),
        "the path reached deepest wins"
    );
    assert_eq!(
        located("object.status.replicas > 0").as_deref(),
        Some("apiVersion: apps/v1"),
        "nothing of the path is written: the root"
    );
    assert_eq!(located("1 == 1"), None);
}
