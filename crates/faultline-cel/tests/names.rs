//! Names the API server would not declare (`Program::check_declared`), and the namespace it
//! fills in (`to_val_in_namespace`).

use faultline_cel::{Program, Value, Vars, to_val, to_val_in_namespace};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

const POLICY_VARIABLES: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
    "variables",
    "authorizer",
];

fn check(expr: &str, variables: &[&str]) -> Result<(), (String, Option<(u32, u32)>)> {
    let program = Program::compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    program
        .check_declared(variables)
        .map_err(|e| (e.message, e.span))
}

#[test]
fn expressions_of_real_policies_are_declared() {
    for expr in [
        "object.spec.replicas <= 5",
        "object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))",
        "has(object.metadata.labels) && 'env' in object.metadata.labels",
        "object.?spec.?replicas.orValue(1) <= params.maxReplicas",
        "object.spec.containers.exists_one(c, c.name == 'app')",
        "object.spec.containers.map(c, c.name).filter(n, n.size() > 3).size() >= 0",
        "lists.range(3).all(i, i >= 0)",
        "optional.of(1).hasValue() && optional.none().orValue(2) == 2",
        "sets.contains([1, 2], [1]) && [1, 2].isSorted() && [3].sum() == 3",
        "quantity(object.spec.limit).isLessThan(quantity('1Gi'))",
        "url(object.spec.url).getHost() != '' && ip('10.0.0.1').family() == 4",
        "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && isURL('https://x')",
        "type(object.spec.replicas) == int && string(1) == '1' && double(1) == 1.0",
        "object.metadata.name.matches('^[a-z]+$') && object.metadata.name.find('[a-z]') != ''",
        "format.dns1123Label().validate(object.metadata.name).hasValue() == false",
        "authorizer.group('apps').resource('deployments').check('create').allowed()",
        "variables.ok && request.operation == 'CREATE' && namespaceObject.metadata.name != ''",
        "'a,b'.split(',').size() == 2 && 'A'.lowerAscii() == 'a'",
        "object.data.all(k, v, k != v) && object.data.exists(k, v, v == '')",
        "[1, 2].transformList(i, v, v * 2) == [2, 4] && {'a': 1}.transformMap(k, v, v + 1) != {}",
        "object.data.all(k, object.data[k].size() < 10)",
        "[1, 2].map(x, [x].all(y, y > 0)).all(b, b)",
        "{'a': 1}.exists(k, k == 'a') && {'a': 1}['a'] == 1",
        "object.spec.containers.all(c, c.ports.all(p, p.containerPort > 0))",
        "!(object.spec.hostNetwork) || -1 < 0",
        "semver('1.2.3').major() == 1 && '%s'.format(['x']) == 'x'",
    ] {
        assert_eq!(check(expr, POLICY_VARIABLES), Ok(()), "{expr}");
    }
}

#[test]
fn an_undeclared_variable_is_named_with_its_place() {
    let (message, span) = check("objekt.spec.replicas <= 1", POLICY_VARIABLES).unwrap_err();
    assert_eq!(message, "undeclared reference to 'objekt'");
    assert_eq!(span, Some((0, 6)));
    // `params` is declared only when the policy has a `paramKind`.
    let (message, _) = check("object.x <= params.max", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'params'");
    // A CRD rule reads `self` and `oldSelf`.
    let (message, span) =
        check("size(self) > 0 && selff.size() >= 1", &["self", "oldSelf"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'selff'");
    assert_eq!(span, Some((18, 23)));
}

#[test]
fn extensions_the_api_server_lacks_are_undeclared() {
    // Its base environment has no math, encoders or bindings extension.
    for (expr, name) in [
        ("math.greatest(1, 2) == 2", "math.greatest"),
        ("base64.encode(b'a') != ''", "base64.encode"),
        ("cel.bind(x, 1, x + 1) == 2", "cel.bind"),
    ] {
        let (message, _) = check(expr, &["object"]).unwrap_err();
        assert_eq!(
            message,
            format!("undeclared reference to '{name}'"),
            "{expr}"
        );
    }
}

#[test]
fn two_variable_comprehensions_are_declared_but_not_evaluated() {
    let expr = "object.data.all(k, v, k != v)";
    assert_eq!(check(expr, &["object"]), Ok(()));
    // Its variables are its own.
    let (message, _) = check("object.data.all(k, v, k != v) && v == ''", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'v'");
    let program = Program::compile(expr).unwrap();
    let unsupported = program.unsupported().expect("not evaluated here");
    assert!(unsupported.message.contains("two-variable comprehensions"));
    assert_eq!(
        Program::compile("object.data.all(k, k != '')")
            .unwrap()
            .unsupported(),
        None
    );
    // Evaluating it fails rather than deciding.
    assert!(eval_in(UNNAMESPACED, "default", expr).is_err());
}

#[test]
fn a_comprehension_variable_is_declared_only_inside_it() {
    assert_eq!(check("object.items.all(c, c > 0)", &["object"]), Ok(()));
    let (message, _) = check("object.items.all(c, c > 0) && c > 0", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'c'");
}

#[test]
fn an_unknown_function_is_undeclared() {
    // The span is the function's name.
    let (message, span) = check("object.spec.frobnicate()", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'frobnicate'");
    assert_eq!(span, Some((12, 22)));
    let (message, span) = check("frobnicate(object)", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'frobnicate'");
    assert_eq!(span, Some((0, 10)));
    let (message, span) = check("1 < lists.frobnicate(3)", &["object"]).unwrap_err();
    assert_eq!(message, "undeclared reference to 'lists.frobnicate'");
    assert_eq!(span, Some((4, 20)));
}

const UNNAMESPACED: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data: {a: '1'}
";

const NAMESPACED: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
";

fn eval_in(doc: &str, namespace: &str, expr: &str) -> Result<Value, String> {
    let parsed = parse_yaml(&Arc::from(doc));
    let root = parsed.documents[0].root().unwrap();
    let program = Program::compile(expr).unwrap();
    let mut vars = Vars::new();
    vars.bind("object", to_val_in_namespace(root, namespace));
    vars.bind("written", to_val(root));
    program.eval(&vars).map_err(|e| e.message)
}

#[test]
fn the_namespace_is_filled_in_when_not_written() {
    let yes = Ok(Value::Bool(true));
    assert_eq!(
        eval_in(UNNAMESPACED, "default", "object.metadata.namespace"),
        Ok(Value::String(Arc::new("default".to_owned())))
    );
    for expr in [
        "has(object.metadata.namespace)",
        "'namespace' in object.metadata",
        "object.metadata.size() == 3",
        "object.metadata.exists(k, k == 'namespace')",
        "object.metadata.name == 'settings' && object.metadata.labels.app == 'web'",
        "object.data.a == '1' && object.data.size() == 1",
        "!has(written.metadata.namespace) && written.metadata.size() == 2",
        "object.metadata != written.metadata",
    ] {
        assert_eq!(eval_in(UNNAMESPACED, "default", expr), yes, "{expr}");
    }
    // What the object writes wins.
    assert_eq!(
        eval_in(NAMESPACED, "default", "object.metadata.namespace == 'shop'"),
        yes
    );
    assert_eq!(
        eval_in(NAMESPACED, "default", "object.metadata == written.metadata"),
        yes
    );
}

/// Every YAML file under `dir`, recursively, in name order.
fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
}

/// Every expression of the ValidatingAdmissionPolicies and CRD validation rules in the shared
/// corpora, with the variables the API server declares for it.
fn corpus_expressions(root: &std::path::Path) -> Vec<(String, String, Vec<&'static str>)> {
    use faultline_syntax::tree::NodeRef;
    fn crd_rules(node: NodeRef<'_>, file: &str, out: &mut Vec<(String, String, Vec<&str>)>) {
        if let Some(rules) = node.get("x-kubernetes-validations") {
            for rule in rules.items() {
                for key in ["rule", "messageExpression"] {
                    if let Some(expr) = rule.get(key).and_then(|r| r.as_str()) {
                        out.push((file.to_owned(), expr.to_owned(), vec!["self", "oldSelf"]));
                    }
                }
            }
        }
        for (_, v) in node.entries() {
            crd_rules(v, file, out);
        }
        for v in node.items() {
            crd_rules(v, file, out);
        }
    }
    let mut files = Vec::new();
    yaml_files(root, &mut files);
    let mut out = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("ValidatingAdmissionPolicy") && !text.contains("x-kubernetes-validations")
        {
            continue;
        }
        let file = path.display().to_string();
        let parsed = parse_yaml(&Arc::from(text.as_str()));
        for doc in &parsed.documents {
            let Some(root) = doc.root() else { continue };
            match root.get("kind").and_then(|k| k.as_str()) {
                Some("ValidatingAdmissionPolicy") => {
                    let Some(spec) = root.get("spec") else {
                        continue;
                    };
                    let mut variables = vec![
                        "object",
                        "oldObject",
                        "request",
                        "namespaceObject",
                        "variables",
                        "authorizer",
                    ];
                    if spec.get("paramKind").is_some() {
                        variables.push("params");
                    }
                    for (list, keys) in [
                        ("validations", &["expression", "messageExpression"][..]),
                        ("matchConditions", &["expression"][..]),
                        ("variables", &["expression"][..]),
                        ("auditAnnotations", &["valueExpression"][..]),
                    ] {
                        for item in spec.get(list).into_iter().flat_map(|l| l.items()) {
                            for key in keys {
                                if let Some(expr) = item.get(key).and_then(|e| e.as_str()) {
                                    out.push((file.clone(), expr.to_owned(), variables.clone()));
                                }
                            }
                        }
                    }
                }
                Some("CustomResourceDefinition") => crd_rules(root, &file, &mut out),
                _ => {}
            }
        }
    }
    out
}

#[test]
fn the_corpora_policies_use_only_declared_names() {
    let Some(corpora) = faultline_testdata::corpora() else {
        return;
    };
    let expressions = corpus_expressions(&corpora);
    assert!(expressions.len() > 50, "{} expressions", expressions.len());
    let mut undeclared = Vec::new();
    for (file, expr, variables) in &expressions {
        // Expressions the corpora write on purpose to fail compiling are not this test's.
        let Ok(program) = Program::compile(expr) else {
            continue;
        };
        if let Err(e) = program.check_declared(variables) {
            undeclared.push(format!("{file}: {expr}: {}", e.message));
        }
    }
    assert!(undeclared.is_empty(), "{}", undeclared.join("\n"));
}
