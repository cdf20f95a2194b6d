//! End-to-end tests of custom rules (`customRules:` in `.faultline.yaml`): the README's three
//! examples on their fixtures, configuration errors at their line and column, evaluation
//! errors, suppressions, severity overrides, `--rule`/`--skip`, `faultline rules`,
//! `faultline explain` and the SARIF rule table.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, faultline, root, run_with};
use serde_json::Value;

fn run_in(cwd: &Path, args: &[&str]) -> Run {
    run_with(faultline().current_dir(cwd), args)
}

/// `faultline check --format json ARGS…` in `cwd`: the exit code and the parsed output.
fn check_json(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run_in(cwd, &all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

/// `line:column rule severity Kind/name: message` of the findings of the rules in `ids`.
fn findings_of(v: &Value, ids: &[&str]) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| ids.contains(&d["rule"].as_str().unwrap()))
        .map(|d| {
            format!(
                "{}:{} {} {} {}/{}: {}",
                d["location"]["line"],
                d["location"]["column"],
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["object"]["kind"].as_str().unwrap_or("-"),
                d["object"]["name"].as_str().unwrap_or("-"),
                d["message"].as_str().unwrap(),
            )
        })
        .collect()
}

/// A temporary directory with `files` written into it.
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    (dir, root)
}

const README_IDS: &[&str] = &[
    "deployment-owner-label",
    "no-loadbalancer-outside-edge",
    "images-from-our-registry",
];

#[test]
fn the_readme_shows_the_tested_examples() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let config =
        std::fs::read_to_string(root().join("testdata/custom-rules/.faultline.yaml")).unwrap();
    assert!(
        readme.contains(&format!("```yaml\n{config}```\n")),
        "README.md's \"Custom rules\" must quote testdata/custom-rules/.faultline.yaml as it is"
    );
    for id in README_IDS {
        assert!(config.contains(&format!("- id: {id}\n")), "{id}");
    }
    // The rules' index points there too.
    let index = std::fs::read_to_string(root().join("rules/README.md")).unwrap();
    assert!(
        index.contains("`customRules:`") && index.contains("(../README.md#custom-rules)"),
        "rules/README.md must point at README.md's \"Custom rules\""
    );
}

#[test]
fn the_readme_examples_fail_and_pass_their_fixtures() {
    let dir = root().join("testdata/custom-rules");
    let (code, v) = check_json(&dir, &["fail.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings_of(&v, README_IDS),
        [
            "7:3 deployment-owner-label error Deployment/checkout: the Deployment has no `owner` label",
            "21:11 images-from-our-registry warning Deployment/checkout: image `docker.io/library/checkout:1.4.2` does not come from registry.example.com",
            "29:3 no-loadbalancer-outside-edge error Service/checkout: a LoadBalancer Service in namespace `shop`; only namespace `edge` may expose one",
        ]
    );
    let owner = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "deployment-owner-label")
        .unwrap();
    assert_eq!(owner["category"], "workloads");
    assert_eq!(
        owner["help"],
        "add the label `owner` naming the team that runs it, such as `owner=payments`"
    );
    let (_, v) = check_json(&dir, &["pass.yaml"]);
    assert_eq!(findings_of(&v, README_IDS), Vec::<String>::new());
    // The human format names the rule like any other, as README.md shows it.
    let mut args = vec!["check", "fail.yaml"];
    for id in README_IDS {
        args.extend(["--rule", id]);
    }
    let r = run_in(&dir, &args);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let shown: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("]: ") || l.trim_start().starts_with("--> "))
        .collect();
    assert_eq!(shown.len(), 6, "{}", r.stdout);
    assert!(
        readme.contains(&format!("```text\n{}\n```", shown.join("\n"))),
        "README.md's \"Custom rules\" shows this output:\n{}",
        shown.join("\n")
    );
    let r = run_in(
        &dir,
        &["check", "fail.yaml", "--rule", "deployment-owner-label"],
    );
    assert!(
        r.stdout
            .starts_with("error[deployment-owner-label]: the Deployment has no `owner` label\n --> fail.yaml:7:3\n"),
        "{}",
        r.stdout
    );
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
";

const OWNER_RULE: &str = "\
customRules:
  - id: owner-label
    severity: error
    category: workloads
    match: {kinds: [Deployment]}
    expression: \"'owner' in object.metadata.labels\"
    message: no owner label
";

#[test]
fn configuration_mistakes_are_errors_at_their_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            // The column is that of the `)` the parser stopped at, inside the expression.
            "customRules:\n  - id: a\n    expression: object.spec.replicas > (1\n    message: m\n",
            ".faultline.yaml:3:",
        ),
        (
            "customRules:\n  - id: a\n    expresion: 'true'\n    message: m\n",
            ".faultline.yaml:3:5: unknown custom rule field `expresion`",
        ),
        (
            "customRules:\n  - id: a\n    category: networking\n    expression: 'true'\n    message: m\n",
            ".faultline.yaml:3:15: unknown category `networking`",
        ),
        (
            "customRules:\n  - id: a\n    severity: fatal\n    expression: 'true'\n    message: m\n",
            ".faultline.yaml:3:15: `severity` must be `error`, `warning` or `info`",
        ),
        (
            "customRules:\n  - {id: a, expression: 'true', message: m}\n  - {id: a, expression: 'false', message: m}\n",
            ".faultline.yaml:3:10: custom rule id `a` is already used by the custom rule on line 2",
        ),
        (
            "customRules:\n  - {id: api-removed, expression: 'true', message: m}\n",
            ".faultline.yaml:2:10: custom rule id `api-removed` is the id of a built-in rule",
        ),
        (
            "customRules:\n  - {id: Owner_Label, expression: 'true', message: m}\n",
            ".faultline.yaml:2:10: custom rule id `Owner_Label` must be kebab-case",
        ),
        (
            "customRules:\n  - {id: a, expression: 'true'}\n",
            ".faultline.yaml:2:5: a custom rule needs `message` or `messageExpression`",
        ),
        (
            "customRules:\n  - id: a\n    match: {kinds: [Deployment]}\n    expression: 'true'\n    message: m\n    fieldPath: spec.template..spec\n",
            ".faultline.yaml:6:30: `fieldPath` `spec.template..spec` is not a field path",
        ),
        (
            "customRules:\n  - id: a\n    match: {kinds: [Deployment]}\n    expression: 'true'\n    message: m\n    fieldPath: spec.templat.spec\n",
            ".faultline.yaml:6:16: `fieldPath`: Deployment has no field `spec.templat` in its schema",
        ),
        (
            "customRules:\n  - id: a\n    match: {kinds: [Service], labelSelector: {matchExpressions: [{key: app, operator: Is}]}}\n    expression: 'true'\n    message: m\n",
            ".faultline.yaml:3:",
        ),
        (
            "customRules:\n  - id: a\n    match: {kind: Service}\n    expression: 'true'\n    message: m\n",
            ".faultline.yaml:3:13: unknown `match` field `kind`",
        ),
        (
            "rules:\n  not-a-rule: off\ncustomRules:\n  - {id: a, expression: 'true', message: m}\n",
            ".faultline.yaml:2:3: unknown rule `not-a-rule`",
        ),
    ];
    for (config, expected) in cases {
        let (_dir, root) = workspace(&[(".faultline.yaml", config), ("d.yaml", DEPLOYMENT)]);
        let r = run_in(&root, &["check", "d.yaml"]);
        assert_eq!(r.code, 2, "{config}\n{}", r.stderr);
        let want = format!("faultline: {}/{expected}", root.display());
        assert!(
            r.stderr.starts_with(&want),
            "{config}\nwant: {want}\ngot:  {}",
            r.stderr
        );
    }
    // The expression's error points inside it: the `(` that is never closed, or the end.
    let (_dir, root) = workspace(&[
        (
            ".faultline.yaml",
            "customRules:\n  - id: a\n    expression: >-\n      has(object.spec) &&\n      object.spec.replicas >> 2\n    message: m\n",
        ),
        ("d.yaml", DEPLOYMENT),
    ]);
    let r = run_in(&root, &["check", "d.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".faultline.yaml:5:")
            && r.stderr.contains("`expression` does not compile"),
        "the error is on the expression's second line: {}",
        r.stderr
    );
}

#[test]
fn custom_rules_are_suppressed_overridden_and_selected_like_builtin_ones() {
    let ids = &["owner-label"];
    let (_dir, root) = workspace(&[(".faultline.yaml", OWNER_RULE), ("d.yaml", DEPLOYMENT)]);
    let (code, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings_of(&v, ids),
        ["6:3 owner-label error Deployment/web: no owner label"]
    );
    // The annotation.
    let annotated = DEPLOYMENT.replace(
        "  labels: {app: web}\n",
        "  labels: {app: web}\n  annotations: {faultline.dev/ignore: owner-label}\n",
    );
    std::fs::write(root.join("d.yaml"), &annotated).unwrap();
    let r = run_in(&root, &["check", "--format", "json", "d.yaml"]);
    assert!(!r.stderr.contains("unknown rule"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(findings_of(&v, ids), Vec::<String>::new());
    // A comment on the line the finding points at.
    let commented = DEPLOYMENT.replace(
        "  labels: {app: web}\n",
        "  labels: {app: web}  # faultline:ignore owner-label\n",
    );
    std::fs::write(root.join("d.yaml"), &commented).unwrap();
    let (_, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(findings_of(&v, ids), Vec::<String>::new());
    // An exemption, and a severity override in `rules:` (before `customRules:` in the file).
    std::fs::write(root.join("d.yaml"), DEPLOYMENT).unwrap();
    for (config, want) in [
        (
            format!("exemptions:\n  - {{rule: owner-label, namespace: shop}}\n{OWNER_RULE}"),
            vec![],
        ),
        (
            format!("rules:\n  owner-label: info\n{OWNER_RULE}"),
            vec!["6:3 owner-label info Deployment/web: no owner label"],
        ),
        (format!("rules:\n  owner-label: off\n{OWNER_RULE}"), vec![]),
    ] {
        std::fs::write(root.join(".faultline.yaml"), &config).unwrap();
        let (_, v) = check_json(&root, &["d.yaml"]);
        assert_eq!(findings_of(&v, ids), want, "{config}");
    }
    // `--rule` and `--skip` take custom ids.
    std::fs::write(root.join(".faultline.yaml"), OWNER_RULE).unwrap();
    let (_, v) = check_json(&root, &["d.yaml", "--rule", "owner-label"]);
    let all: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(all, ["owner-label"]);
    let (_, v) = check_json(&root, &["d.yaml", "--skip", "owner-label"]);
    assert_eq!(findings_of(&v, ids), Vec::<String>::new());
    let r = run_in(&root, &["check", "d.yaml", "--rule", "owner-labels"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown rule `owner-labels`"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_expression_that_fails_on_an_object_is_a_finding_that_says_so() {
    let config = "\
customRules:
  - id: replicas-at-least-two
    match: {kinds: [Deployment]}
    expression: object.spec.replicas >= 2
    message: fewer than two replicas
  - id: no-host-network
    match: {kinds: [Deployment]}
    expression: \"!has(object.spec.template.spec.hostNetwork) || !object.spec.template.spec.hostNetwork\"
    message: host network
  - id: not-a-boolean
    match: {kinds: [Deployment]}
    expression: object.metadata.name
    message: m
";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("d.yaml", DEPLOYMENT)]);
    let (_, v) = check_json(&root, &["d.yaml"]);
    let got = findings_of(
        &v,
        &["replicas-at-least-two", "no-host-network", "not-a-boolean"],
    );
    assert_eq!(
        got,
        [
            format!("4:3 not-a-boolean error Deployment/web: custom rule `not-a-boolean` is broken: its expression (`{}` line 12) gives a value of type string on this object, not a boolean, so the rule checks nothing on objects like it (reported once, on the first such object)", root.join(".faultline.yaml").display()),
            "7:1 replicas-at-least-two warning Deployment/web: custom rule `replicas-at-least-two` could not be evaluated on this object: No such key: replicas".to_owned(),
        ]
    );
    let help = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "replicas-at-least-two")
        .unwrap()["help"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        help.starts_with("guard fields an object may lack with `has(object.a.b)`"),
        "{help}"
    );
}

#[test]
fn request_and_namespace_object_are_bound() {
    let config = "\
customRules:
  - id: namespace-has-team
    match: {kinds: [Deployment]}
    expression: >-
      namespaceObject == null || (has(namespaceObject.metadata.labels)
      && 'team' in namespaceObject.metadata.labels)
    messageExpression: \"'namespace ' + request.namespace + ' of ' + request.kind.kind + ' ' + request.name + ' has no team label'\"
    message: m
  - id: secret-named
    match: {kinds: [Secret]}
    expression: \"false\"
    messageExpression: \"'the value is ' + string(object.data.password)\"
    message: a Secret fails
";
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n";
    let secret = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ndata: {password: aHVudGVyMg==}\n";
    let (_dir, root) = workspace(&[
        (".faultline.yaml", config),
        ("d.yaml", &format!("{namespace}{DEPLOYMENT}{secret}")),
    ]);
    let (_, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(
        findings_of(&v, &["namespace-has-team", "secret-named"]),
        [
            "6:1 namespace-has-team warning Deployment/web: namespace shop of Deployment web has no team label",
            "21:1 secret-named warning Secret/db: a Secret fails",
        ]
    );
    // With the label on the Namespace, the Deployment passes; without the Namespace in the
    // input, `namespaceObject` is null and the rule above lets it pass too.
    let labelled =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: a}}\n---\n";
    std::fs::write(root.join("d.yaml"), format!("{labelled}{DEPLOYMENT}")).unwrap();
    let (_, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(
        findings_of(&v, &["namespace-has-team"]),
        Vec::<String>::new()
    );
    std::fs::write(root.join("d.yaml"), DEPLOYMENT).unwrap();
    let (_, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(
        findings_of(&v, &["namespace-has-team"]),
        Vec::<String>::new()
    );
}

#[test]
fn match_selects_by_kind_namespace_and_labels() {
    let config = "\
customRules:
  - id: web-in-shop
    match:
      kinds: ['*']
      namespaces: ['sho*']
      labelSelector:
        matchLabels: {app: web}
        matchExpressions: [{key: tier, operator: NotIn, values: [db]}]
    expression: \"false\"
    message: matched
";
    let docs = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: shop, labels: {app: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: other, labels: {app: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop, labels: {app: web, tier: db}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e, labels: {app: web}}
";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("c.yaml", docs)]);
    let (_, v) = check_json(&root, &["c.yaml"]);
    assert_eq!(
        findings_of(&v, &["web-in-shop"]),
        ["2:1 web-in-shop warning ConfigMap/a: matched"]
    );
}

#[test]
fn rules_lists_and_explain_documents_custom_rules() {
    let dir = root().join("testdata/custom-rules");
    let r = run_in(&dir, &["rules"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("deployment-owner-label "))
        .expect("listed");
    let config = dir.join(".faultline.yaml");
    assert!(
        line.contains("workloads")
            && line.contains("error")
            && line.contains(&format!(
                "custom ({}:2): the Deployment has no `owner` label",
                config.display()
            )),
        "{line}"
    );
    assert!(r.stdout.lines().any(|l| l.starts_with("api-removed ")));
    let r = run_in(&dir, &["rules", "--format", "json"]);
    let rows: Value = serde_json::from_str(&r.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "no-loadbalancer-outside-edge")
        .expect("listed");
    assert_eq!(row["category"], "services");
    assert_eq!(row["custom"]["line"], 12);
    // Without the configuration, they are not there.
    let r = run_in(&dir, &["rules", "--no-config"]);
    assert!(!r.stdout.contains("deployment-owner-label"));

    let r = run_in(&dir, &["explain", "images-from-our-registry"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in [
        "# `images-from-our-registry`",
        "| security | warning |",
        "defined in `",
        ".faultline.yaml` line 27",
        "```cel\nobject.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))\n```",
        "kinds: [Deployment, StatefulSet, DaemonSet, Job]",
        "push the image to registry.example.com and pull it from there",
    ] {
        assert!(r.stdout.contains(part), "missing {part:?} in\n{}", r.stdout);
    }
    // The `match` block as written, without the blank line that ends it in the file.
    let r = run_in(&dir, &["explain", "no-loadbalancer-outside-edge"]);
    assert!(
        r.stdout
            .contains("## Match\n\n```yaml\nkinds: [Service]\n```\n"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout
            .lines()
            .any(|l| !l.is_empty() && l.trim().is_empty()),
        "a line of only white space:\n{}",
        r.stdout
    );
    let r = run_in(
        &dir,
        &["explain", "images-from-our-registry", "--no-config"],
    );
    assert_eq!(r.code, 2);
    // A broken configuration is reported by `rules` and `explain` too.
    let (_dir, broken) = workspace(&[(".faultline.yaml", "customRules: {}\n")]);
    let r = run_in(&broken, &["rules"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains(".faultline.yaml:1:14: `customRules` must be a list"),
        "{}",
        r.stderr
    );
}

#[test]
fn sarif_lists_custom_rules_in_the_rule_table() {
    let dir = root().join("testdata/custom-rules");
    let r = run_in(&dir, &["check", "--format", "sarif", "fail.yaml"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let (index, rule) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| r["id"] == "deployment-owner-label")
        .expect("in the rule table");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["category"], "workloads");
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("has(object.metadata.labels) && 'owner' in object.metadata.labels")
    );
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "deployment-owner-label")
        .expect("a result");
    assert_eq!(result["ruleIndex"], index);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
}

/// Whether any output format of `faultline check ARGS…` in `cwd` shows one of `secrets`.
fn leaks(cwd: &Path, args: &[&str], secrets: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for format in ["human", "concise", "json", "sarif"] {
        let mut all = vec!["check", "--format", format];
        all.extend_from_slice(args);
        let r = run_in(cwd, &all);
        for s in secrets {
            if r.stdout.contains(s) || r.stderr.contains(s) {
                found.push(format!("{format} shows {s:?}:\n{}{}", r.stdout, r.stderr));
            }
        }
    }
    found
}

#[test]
fn an_error_on_a_secret_does_not_quote_its_values() {
    // The CEL error names the key looked up, a transformed copy of the value (the redaction
    // masks only the values as written); `substring` takes a piece of the password, which an
    // evaluated message could quote.
    let config = "\
customRules:
  - id: token-key
    match: {kinds: [Secret]}
    expression: \"object.stringData[object.stringData.token.lowerAscii()] == 'x'\"
    message: t5
  - id: password-prefix
    match: {kinds: [Secret]}
    expression: \"object.data[object.data.password.substring(0, 6)] == 'x'\"
    message: p6
  - id: password-message
    match: {kinds: [Secret]}
    expression: \"false\"
    messageExpression: \"'prefix ' + object.data.password.substring(0, 8)\"
";
    let secret = "\
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: default}
stringData:
  token: SuperSecretToken
data:
  password: aHVudGVyMmh1bnRlcjI=
";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("s.yaml", secret)]);
    let found = leaks(
        &root,
        &["s.yaml"],
        &["supersecrettoken", "aHVudG", "aHVudGVy", "hunter"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Each rule still reports, naming itself unquoted (the redaction masks quoted text at a
    // Secret's values) and saying that its error is not shown.
    let (_, v) = check_json(&root, &["s.yaml"]);
    let got = findings_of(&v, &["token-key", "password-prefix", "password-message"]);
    assert_eq!(got.len(), 3, "{got:#?}");
    for id in ["token-key", "password-prefix"] {
        let line = got.iter().find(|l| l.contains(&format!(" {id} "))).unwrap();
        assert!(
            line.ends_with(&format!(
                "custom rule {id} could not be evaluated on this object: its expression failed (the error is not shown: the object is a Secret)"
            )),
            "{line}"
        );
    }
    assert!(
        got.iter().any(|l| l.ends_with(
            "password-message warning Secret/s: the object fails custom rule password-message"
        )),
        "{got:#?}"
    );
}

#[test]
fn unknown_names_and_constants_of_the_wrong_type_are_configuration_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "customRules:\n  - id: a\n    expression: objekt.spec.replicas <= 1\n    message: m\n",
            ".faultline.yaml:3:17: `expression` does not compile: undeclared reference to 'objekt'; a custom rule reads `object`",
        ),
        (
            "customRules:\n  - id: a\n    expression: object.spec.replicas <= params.max\n    message: m\n",
            ".faultline.yaml:3:41: `expression` does not compile: undeclared reference to 'params'",
        ),
        (
            // The place of the unknown function in a folded expression, on its second line.
            "customRules:\n  - id: a\n    expression: >-\n      has(object.spec) &&\n      object.spec.replicas.frobnicate()\n    message: m\n",
            ".faultline.yaml:5:28: `expression` does not compile: undeclared reference to 'frobnicate'",
        ),
        (
            "customRules:\n  - id: a\n    expression: 'true'\n    messageExpression: \"'n: ' + string(objct.metadata.name)\"\n",
            ".faultline.yaml:4:40: `messageExpression` does not compile: undeclared reference to 'objct'",
        ),
        (
            // Not in the API server's environment (no math extension there).
            "customRules:\n  - id: a\n    expression: math.greatest(1, 2) == 2\n    message: m\n",
            ".faultline.yaml:3:17: `expression` does not compile: undeclared reference to 'math.greatest'",
        ),
        (
            // Valid for the API server (1.32), but faultline's engine cannot evaluate it.
            "customRules:\n  - id: a\n    expression: object.metadata.labels.all(k, v, v != '')\n    message: m\n",
            ".faultline.yaml:3:40: `expression` cannot be used: faultline's CEL engine cannot evaluate two-variable comprehensions",
        ),
        (
            "customRules:\n  - id: a\n    expression: 5\n    message: m\n",
            ".faultline.yaml:3:17: `expression` gives a value of type int on every object, not a boolean",
        ),
        (
            "customRules:\n  - id: a\n    expression: 'false'\n    messageExpression: 1 + 2\n",
            ".faultline.yaml:4:24: `messageExpression` gives a value of type int on every object, not a string",
        ),
    ];
    for (config, expected) in cases {
        let (_dir, root) = workspace(&[(".faultline.yaml", config), ("d.yaml", DEPLOYMENT)]);
        let r = run_in(&root, &["check", "d.yaml"]);
        assert_eq!(r.code, 2, "{config}\n{}{}", r.stdout, r.stderr);
        let want = format!("faultline: {}/{expected}", root.display());
        assert!(
            r.stderr.starts_with(&want),
            "{config}\nwant: {want}\ngot:  {}",
            r.stderr
        );
    }
    // The variables custom rules are evaluated with compile.
    let config = "customRules:\n  - id: a\n    expression: >-\n      object != null && oldObject == null && request.operation == 'CREATE'\n      && (namespaceObject == null || true)\n      && object.spec.template.spec.containers.all(c, c.name.size() > 0)\n    message: m\n";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("d.yaml", DEPLOYMENT)]);
    let (code, v) = check_json(&root, &["d.yaml"]);
    assert_ne!(code, 2, "{v}");
    assert_eq!(findings_of(&v, &["a"]), Vec::<String>::new());
}

#[test]
fn an_expression_of_the_wrong_type_on_objects_is_reported_once() {
    let config = "\
customRules:
  - id: name-not-bool
    match: {kinds: [ConfigMap]}
    expression: object.metadata.name
    message: m
  - id: message-not-string
    match: {kinds: [ConfigMap]}
    expression: \"false\"
    messageExpression: size(object.data)
    message: the static message
";
    let docs = (1..=40)
        .map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: a}}\ndata: {{k: v}}\n"))
        .collect::<Vec<_>>()
        .join("---\n");
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("c.yaml", &docs)]);
    let config_path = root.join(".faultline.yaml");
    let want = [
        format!(
            "2:1 message-not-string error ConfigMap/c1: custom rule `message-not-string` is broken: its `messageExpression` (`{}` line 9) gives a value of type int on this object, not a string, so its `message` is shown instead (reported once, on the first such object)",
            config_path.display()
        ),
        format!(
            "3:12 name-not-bool error ConfigMap/c1: custom rule `name-not-bool` is broken: its expression (`{}` line 4) gives a value of type string on this object, not a boolean, so the rule checks nothing on objects like it (reported once, on the first such object)",
            config_path.display()
        ),
    ];
    // The same one finding whatever the number of threads.
    for threads in ["1", "2", "8"] {
        let r = run_with(
            faultline()
                .current_dir(&root)
                .env("RAYON_NUM_THREADS", threads),
            &["check", "--format", "json", "c.yaml"],
        );
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let got = findings_of(&v, &["name-not-bool", "message-not-string"]);
        let broken: Vec<&String> = got.iter().filter(|l| l.contains("is broken")).collect();
        assert_eq!(broken, want.iter().collect::<Vec<_>>(), "{threads} threads");
        // The rule whose message is wrong still reports each object, with its `message`.
        assert_eq!(
            got.iter()
                .filter(|l| l.contains(" message-not-string warning ConfigMap/")
                    && l.ends_with(": the static message"))
                .count(),
            40,
            "{got:#?}"
        );
    }
}

#[test]
fn object_has_the_namespace_the_api_server_fills_in() {
    let config = "\
customRules:
  - id: not-in-default
    match: {kinds: [ConfigMap, ClusterRole]}
    expression: \"!has(object.metadata.namespace) || object.metadata.namespace != 'default'\"
    messageExpression: \"'in namespace ' + object.metadata.namespace\"
    message: m
";
    let docs = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: written}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster}
";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("c.yaml", docs)]);
    let (_, v) = check_json(&root, &["c.yaml"]);
    assert_eq!(
        findings_of(&v, &["not-in-default"]),
        ["3:1 not-in-default warning ConfigMap/written: in namespace default"]
    );
    let (_, v) = check_json(&root, &["c.yaml", "-n", "shop"]);
    assert_eq!(findings_of(&v, &["not-in-default"]), Vec::<String>::new());
}

#[test]
fn findings_point_at_the_field_from_its_key_with_or_without_field_path() {
    let config = "\
customRules:
  - id: image-with-path
    match: {kinds: [Deployment]}
    expression: object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))
    fieldPath: spec.template.spec.containers[0].image
    message: m
  - id: image-without-path
    match: {kinds: [Deployment]}
    expression: object.spec.template.spec.containers.all(c, c.image.startsWith('reg/'))
    message: m
";
    let (_dir, root) = workspace(&[(".faultline.yaml", config), ("d.yaml", DEPLOYMENT)]);
    let (_, v) = check_json(&root, &["d.yaml"]);
    assert_eq!(
        findings_of(&v, &["image-with-path", "image-without-path"]),
        [
            "14:11 image-with-path warning Deployment/web: m",
            "14:11 image-without-path warning Deployment/web: m",
        ]
    );
}
