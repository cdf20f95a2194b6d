use faultline_cel::{Program, Vars, locate, locate_with, to_val};
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
        ports: [{containerPort: 80}, {containerPort: 8080}]
";

/// The text of the node `locate` finds in DEPLOYMENT for `expr`.
fn located(expr: &str) -> Option<String> {
    locate_text(expr, false)
}

/// The text of the node `locate_with` finds in DEPLOYMENT for `expr`, `object` bound.
fn located_with(expr: &str) -> Option<String> {
    locate_text(expr, true)
}

fn locate_text(expr: &str, refine: bool) -> Option<String> {
    let source: Arc<str> = Arc::from(DEPLOYMENT);
    let parsed = parse_yaml(&source);
    let root = parsed.documents[0].root().expect("a document");
    let program = Program::compile(expr).expect("compiles");
    let found = if refine {
        let mut vars = Vars::new();
        vars.bind("object", to_val(root));
        locate_with(&program, &vars, "object", root)
    } else {
        locate(&program, "object", root)
    };
    found.map(|n| {
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

#[test]
fn locate_with_goes_into_the_first_element_an_all_fails_on() {
    assert_eq!(
        located_with("object.spec.template.spec.containers.all(c, c.image != '')").as_deref(),
        Some("name: app"),
        "every element passes: the containers list"
    );
    assert_eq!(
        located_with("object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))")
            .as_deref(),
        Some("nginx"),
        "the first container's image"
    );
    assert_eq!(
        located_with("object.spec.template.spec.containers.all(c, c.name != 'side')").as_deref(),
        Some("side"),
        "the second container's name"
    );
    assert_eq!(
        located_with("object.spec.template.spec.containers.all(c, !has(c.ports) || c.ports.all(p, p.containerPort < 1000))")
            .as_deref(),
        Some("8080"),
        "nested: the port of the second container"
    );
    assert_eq!(
        located_with("object.spec.template.spec.containers.exists(c, c.name == 'x')").as_deref(),
        Some("name: app"),
        "exists: no element to blame, the list"
    );
    assert_eq!(
        located_with("object.spec.template.spec.containers.all(object, object.name == 'app')")
            .as_deref(),
        Some("side"),
        "the loop variable named like the bound one"
    );
}

#[test]
fn locate_with_evaluates_predicates_that_read_other_variables() {
    let source: Arc<str> = Arc::from(DEPLOYMENT);
    let parsed = parse_yaml(&source);
    let root = parsed.documents[0].root().expect("a document");
    let params = parse_yaml(&Arc::from("prefix: reg/\n"));
    let params = params.documents[0].root().unwrap();
    let program = Program::compile(
        "object.spec.template.spec.containers.all(c, c.image.startsWith(params.prefix))",
    )
    .unwrap();
    let text = |n: faultline_syntax::tree::NodeRef<'_>| {
        source[n.range().start as usize..n.range().end as usize]
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    // Without `params` the predicate cannot be evaluated: the list.
    assert_eq!(
        locate(&program, "object", root).map(text).as_deref(),
        Some("name: app")
    );
    let mut vars = Vars::new();
    vars.bind("object", to_val(root));
    vars.bind("params", to_val(params));
    assert_eq!(
        locate_with(&program, &vars, "object", root)
            .map(text)
            .as_deref(),
        Some("nginx")
    );
}
