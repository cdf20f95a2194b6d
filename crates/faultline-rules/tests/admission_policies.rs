//! ValidatingAdmissionPolicy matching and evaluation details (`admission_policy` module):
//! resource rule forms, match policy, params per object, failurePolicy, namespaces.

use faultline_rules::Settings;
use faultline_rules::admission_policy::Verdict;
use faultline_rules::registry::admission_policy_violation::AdmissionPolicyViolation;
use faultline_rules::testing::with_texts;

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels: {tier: front}\nspec:\n  replicas: 7\n";

fn policy(rules: &str, extra: &str, validation: &str) -> String {
    format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n{extra}  matchConstraints:\n{rules}  validations:\n    - expression: \"{validation}\"\n"
    )
}

fn rule(resources: &str, versions: &str) -> String {
    format!(
        "    resourceRules:\n      - apiGroups: [apps]\n        apiVersions: [{versions}]\n        operations: [CREATE]\n        resources: [{resources}]\n"
    )
}

/// The verdicts of policy `p` on the Deployment `web`, and the messages of its violations.
fn judge(docs: &[&str]) -> (Vec<Verdict>, Vec<String>) {
    let text = docs.join("---\n");
    let (_, out) = with_texts(&[("in.yaml", &text)], &Settings::default(), |cx, diags| {
        let verdicts = faultline_rules::registry::admission_policy_violation::outcomes(cx)
            .iter()
            .filter(|o| cx.inventory.get(o.object).name == "web" && o.policy == "p")
            .map(|o| o.verdict)
            .collect();
        let messages = diags
            .iter()
            .filter(|d| d.rule == AdmissionPolicyViolation::ID)
            .map(|d| d.message.clone())
            .collect();
        (verdicts, messages)
    });
    out
}

#[test]
fn resource_rules_match_by_resource_wildcard_and_not_by_subresource() {
    for (resources, matched) in [
        ("deployments", true),
        ("'*'", true),
        ("'*/*'", true),
        ("deployments/status", false),
        ("'deployments/*'", false),
        ("replicasets", false),
    ] {
        let p = policy(&rule(resources, "v1"), "", "object.spec.replicas <= 5");
        let (verdicts, _) = judge(&[&p, DEPLOYMENT]);
        let want: &[Verdict] = if matched { &[Verdict::Fail] } else { &[] };
        assert_eq!(verdicts, want, "resources: [{resources}]");
    }
}

#[test]
fn equivalent_forgives_the_version_and_exact_does_not() {
    let equivalent = policy(
        &rule("deployments", "v1beta2"),
        "",
        "object.spec.replicas <= 5",
    );
    assert_eq!(judge(&[&equivalent, DEPLOYMENT]).0, [Verdict::Fail]);
    let exact = policy(
        &format!("    matchPolicy: Exact\n{}", rule("deployments", "v1beta2")),
        "",
        "object.spec.replicas <= 5",
    );
    assert_eq!(judge(&[&exact, DEPLOYMENT]).0, []);
}

#[test]
fn a_runtime_error_denies_under_fail_and_is_skipped_under_ignore() {
    let v = "int(object.metadata.labels.tier) < 3";
    let fail = policy(&rule("deployments", "v1"), "  failurePolicy: Fail\n", v);
    let (verdicts, messages) = judge(&[&fail, DEPLOYMENT]);
    assert_eq!(verdicts, [Verdict::Fail]);
    assert!(messages[0].contains("resulted in error"), "{messages:?}");
    let ignore = policy(&rule("deployments", "v1"), "  failurePolicy: Ignore\n", v);
    assert_eq!(judge(&[&ignore, DEPLOYMENT]), (vec![Verdict::Pass], vec![]));
}

#[test]
fn params_by_selector_are_evaluated_one_by_one() {
    let p = policy(
        &rule("deployments", "v1"),
        "  paramKind: {apiVersion: v1, kind: ConfigMap}\n",
        "object.spec.replicas <= int(params.data.max)",
    );
    let binding = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  policyName: p\n  validationActions: [Deny]\n  paramRef:\n    selector: {matchLabels: {limits: replicas}}\n    parameterNotFoundAction: Deny\n";
    let cm = |name: &str, max: u32| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\n  labels: {{limits: replicas}}\ndata:\n  max: \"{max}\"\n"
        )
    };
    let (a, b) = (cm("a", 10), cm("b", 5));
    let (verdicts, messages) = judge(&[&p, binding, &a, &b, DEPLOYMENT]);
    assert_eq!(verdicts, [Verdict::Fail]);
    assert_eq!(
        messages.len(),
        1,
        "only the param with max 5 fails: {messages:?}"
    );
    // Both allow 7: it passes.
    let c = cm("c", 8);
    assert_eq!(judge(&[&p, binding, &a, &c, DEPLOYMENT]).0, [Verdict::Pass]);
}

#[test]
fn an_undeclared_namespace_decides_a_selector_on_its_name_only() {
    let p = policy(&rule("deployments", "v1"), "", "object.spec.replicas <= 5");
    let by = |selector: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  policyName: p\n  validationActions: [Deny]\n  matchResources:\n    namespaceSelector: {selector}\n"
        )
    };
    let name = by("{matchLabels: {kubernetes.io/metadata.name: shop}}");
    assert_eq!(judge(&[&p, &name, DEPLOYMENT]).0, [Verdict::Fail]);
    let other = by("{matchLabels: {kubernetes.io/metadata.name: other}}");
    assert_eq!(judge(&[&p, &other, DEPLOYMENT]).0, []);
    let labels = by("{matchLabels: {environment: prod}}");
    assert_eq!(judge(&[&p, &labels, DEPLOYMENT]).0, [Verdict::Undecidable]);
    let ns =
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {environment: prod}\n";
    assert_eq!(judge(&[&p, &labels, ns, DEPLOYMENT]).0, [Verdict::Fail]);
}

#[test]
fn a_custom_resource_is_matched_by_its_crd_plural() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: chaos.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Chaos, plural: chaos, singular: chaos, listKind: ChaosList}\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";
    let cr = "apiVersion: example.com/v1\nkind: Chaos\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 7\n";
    let on = |resources: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  matchConstraints:\n    resourceRules:\n      - apiGroups: [example.com]\n        apiVersions: [v1]\n        operations: [CREATE]\n        resources: [{resources}]\n  validations:\n    - expression: \"object.spec.replicas <= 5\"\n"
        )
    };
    assert_eq!(judge(&[&on("chaos"), crd, cr]).0, [Verdict::Fail]);
    // Without the CRD, the kind's plural is guessed (`chaoses`).
    assert_eq!(judge(&[&on("chaos"), cr]).0, []);
}

#[test]
fn a_variable_that_fails_fails_only_the_expressions_that_need_it() {
    let with = |validation: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  failurePolicy: Fail\n  matchConstraints:\n{}  variables:\n    - name: tier\n      expression: \"int(object.metadata.labels.tier)\"\n  validations:\n    - expression: \"{validation}\"\n",
            rule("deployments", "v1")
        )
    };
    // `front` is not a number: the variable fails, but a short circuit does not read it.
    assert_eq!(
        judge(&[
            &with("object.spec.replicas > 1 || variables.tier > 1"),
            DEPLOYMENT
        ]),
        (vec![Verdict::Pass], vec![])
    );
    let (verdicts, messages) = judge(&[&with("variables.tier > 1"), DEPLOYMENT]);
    assert_eq!(verdicts, [Verdict::Fail]);
    assert!(
        messages[0].contains("'int'"),
        "the variable's error: {messages:?}"
    );
}

#[test]
fn an_object_from_the_cluster_is_said_to_have_been_admitted_before() {
    let p = policy(&rule("deployments", "v1"), "", "object.spec.replicas <= 5");
    let running = DEPLOYMENT.replace("  name: web\n", "  name: web\n  uid: 3f1c\n");
    let (verdicts, messages) = judge(&[&p, &running]);
    assert_eq!(verdicts, [Verdict::Fail]);
    assert!(
        messages[0].contains("admitted before the policy applied"),
        "{messages:?}"
    );
    let (_, messages) = judge(&[&p, DEPLOYMENT]);
    assert!(
        !messages[0].contains("exists in the cluster"),
        "{messages:?}"
    );
}

#[test]
fn nothing_evaluated_from_a_secret_is_quoted() {
    let p = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n      - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [secrets]}\n  validations:\n    - expression: \"object.type == 'Opaque'\"\n    - expression: \"int(object.data.password) > 0\"\n    - expression: \"object.data.password.size() > 99\"\n      messageExpression: \"'bad: ' + object.data.password\"\n";
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n";
    let (_, diags) = faultline_rules::testing::check_texts(
        &[("in.yaml", &format!("{p}---\n{secret}"))],
        &Settings::default(),
    );
    let ours: Vec<_> = diags
        .iter()
        .filter(|d| d.rule.starts_with("admission-policy"))
        .collect();
    assert_eq!(ours.len(), 3, "a gap, an error and a violation: {ours:#?}");
    for d in ours {
        assert!(
            !d.message.contains("aHVudGVyMg") && !d.help.contains("aHVudGVyMg"),
            "{d:#?}"
        );
    }
}

/// The admission-policy findings of a run over `text`: rule, severity, the text the finding
/// points at, message.
fn findings(text: &str) -> Vec<(&'static str, String, String, String)> {
    let (_, diags) =
        faultline_rules::testing::check_texts(&[("in.yaml", text)], &Settings::default());
    diags
        .iter()
        .filter(|d| d.rule.starts_with("admission-policy"))
        .map(|d| {
            let at = d
                .location
                .range
                .map(|r| text[r.start as usize..r.end as usize].to_owned())
                .unwrap_or_default();
            (d.rule, format!("{:?}", d.severity), at, d.message.clone())
        })
        .collect()
}

const VAP: &str = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n";
const BINDING: &str = "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  policyName: p\n  validationActions: [Deny]\n";
const ON_CONFIGMAPS: &str = "  matchConstraints:\n    resourceRules:\n      - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}\n";

#[test]
fn the_error_of_failed_variables_is_that_of_the_first_one_read() {
    // `a` fails (not a number) and `c` fails (division by zero); the API server evaluates
    // the sum left to right, so `a`'s error is the one it reports, on every run.
    let text = format!(
        "{VAP}{ON_CONFIGMAPS}  variables:\n    - {{name: a, expression: \"int(object.data.a)\"}}\n    - {{name: b, expression: \"1 / (size(object.data) - 1)\"}}\n    - {{name: c, expression: \"1 / (size(object.data) - 2)\"}}\n  validations:\n    - expression: \"variables.a + variables.b + variables.c > 0\"\n{BINDING}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm, namespace: default}}\ndata: {{a: notanint, c: zz}}\n"
    );
    let first = findings(&text);
    assert_eq!(first.len(), 1, "{first:#?}");
    assert!(
        first[0].3.contains("'int'") && !first[0].3.contains("by zero"),
        "{first:#?}"
    );
    for _ in 0..20 {
        assert_eq!(findings(&text), first);
    }
    // Read in the other order, `c`'s error comes first.
    let swapped = text.replace(
        "variables.a + variables.b + variables.c",
        "variables.c + variables.b + variables.a",
    );
    let f = findings(&swapped);
    assert!(f[0].3.contains("by zero"), "{f:#?}");
}

const CONFIGMAP: &str = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\ndata: {a: b}\n";

#[test]
fn the_validations_of_one_evaluation_share_the_cost_budget() {
    // One validation costs a fifth of the per-expression limit (a search through 2 MB, at 0.1
    // per byte, quickly done): 60 of them are over the budget the API server gives one
    // evaluation (ten limits), and it refuses the object whatever the failurePolicy; 40 fit.
    let big = "x".repeat(2_000_000);
    let with = |n: usize| {
        let mut text = format!("{VAP}  failurePolicy: Ignore\n{ON_CONFIGMAPS}  validations:\n");
        for _ in 0..n {
            text.push_str("    - expression: \"!object.data.big.contains('y')\"\n");
        }
        text.push_str(&format!(
            "{BINDING}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm, namespace: default}}\ndata: {{big: {big}}}\n"
        ));
        findings(&text)
    };
    let over = with(60);
    assert_eq!(over.len(), 1, "{over:#?}");
    assert_eq!(over[0].1, "Error");
    assert!(
        over[0]
            .3
            .contains("validation failed due to running out of cost budget"),
        "{over:#?}"
    );
    assert_eq!(with(40), []);
}

#[test]
fn an_expression_of_the_wrong_type_makes_the_policy_invalid_once() {
    // Two objects, one finding each: the validation is an int, the messageExpression an int.
    let text = format!(
        "{VAP}{ON_CONFIGMAPS}  validations:\n    - expression: \"size(object.data)\"\n    - expression: \"size(object.data) > 5\"\n      messageExpression: \"size(object.data)\"\n{BINDING}{CONFIGMAP}{}",
        CONFIGMAP.replace("name: cm", "name: other")
    );
    let f = findings(&text);
    let invalid: Vec<_> = f
        .iter()
        .filter(|f| f.0 == "admission-policy-invalid")
        .collect();
    assert_eq!(invalid.len(), 2, "{f:#?}");
    assert_eq!(invalid[0].2, "\"size(object.data)\"");
    assert!(invalid[0].3.contains("not bool"), "{invalid:#?}");
    assert!(invalid[1].3.contains("not string"), "{invalid:#?}");
    // The API server refuses such a policy: it never reaches the cluster, so its other
    // validation, false on both objects, refuses nothing.
    assert_eq!(
        f.iter()
            .filter(|f| f.0 == "admission-policy-violation")
            .count(),
        0,
        "{f:#?}"
    );
    // Without the wrong types, the false validation refuses both.
    let typed = text
        .replace(
            "expression: \"size(object.data)\"",
            "expression: \"size(object.data) >= 0\"",
        )
        .replace(
            "messageExpression: \"size(object.data)\"",
            "messageExpression: \"string(size(object.data))\"",
        );
    let f = findings(&typed);
    let violations: Vec<_> = f
        .iter()
        .filter(|f| f.0 == "admission-policy-violation")
        .collect();
    assert_eq!(violations.len(), 2, "{f:#?}");
    assert!(
        f.iter().all(|f| f.0 != "admission-policy-invalid"),
        "{f:#?}"
    );
}

#[test]
fn an_unknown_reason_makes_the_policy_invalid() {
    let text = format!(
        "{VAP}{ON_CONFIGMAPS}  validations:\n    - expression: \"size(object.data) > 5\"\n      reason: Bogus\n{BINDING}{CONFIGMAP}"
    );
    let f = findings(&text);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].0, f[0].2.as_str()),
        ("admission-policy-invalid", "Bogus")
    );
    let forbidden = text.replace("Bogus", "Forbidden");
    assert_eq!(findings(&forbidden)[0].0, "admission-policy-violation");
}

#[test]
fn a_missing_key_nothing_fills_in_fails_as_on_the_api_server() {
    let with = |failure: &str, validation: &str, object: &str| {
        findings(&format!(
            "{VAP}  failurePolicy: {failure}\n  matchConstraints:\n    resourceRules:\n      - {{apiGroups: ['', apps], apiVersions: [v1], operations: [CREATE], resources: [configmaps, services, deployments]}}\n  validations:\n    - expression: \"{validation}\"\n{BINDING}---\n{object}"
        ))
    };
    let no_labels =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\ndata: {a: b}\n";
    let other_label = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default, labels: {team: x}}\n";
    let env = "object.metadata.labels.env == 'prod'";
    for object in [no_labels, other_label] {
        let f = with("Fail", env, object);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
        assert!(
            f[0].3.contains("resulted in error: no such key: "),
            "{f:#?}"
        );
        assert_eq!(with("Ignore", env, object), []);
    }
    // A map key: `data`.
    let f = with("Fail", "object.data.missing == 'x'", no_labels);
    assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
    // A field the Service schema does not have.
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  ports: [{port: 80}]\n";
    let f = with("Fail", "object.spec.replicas <= 5", service);
    assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
    // A declared field a default may fill in: undecidable.
    let f = with("Fail", "object.spec.type != 'NodePort'", service);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: default}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: i}]\n";
    let f = with("Fail", "object.spec.replicas <= 5", deployment);
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
    // A metadata field the API server sets on create.
    let f = with("Fail", "object.metadata.uid != ''", no_labels);
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
    // A kind without a schema stays undecidable.
    let unknown =
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n";
    let on_widgets = |validation: &str| {
        findings(&format!(
            "{VAP}  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n      - {{apiGroups: [example.com], apiVersions: [v1], operations: [CREATE], resources: [widgets]}}\n  validations:\n    - expression: \"{validation}\"\n{BINDING}---\n{unknown}"
        ))
    };
    let f = on_widgets(env);
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
}

#[test]
fn an_object_without_a_namespace_is_admitted_into_the_runs_namespace() {
    let text = format!(
        "{VAP}  failurePolicy: Fail\n{ON_CONFIGMAPS}  validations:\n    - expression: \"object.metadata.namespace != 'default' && request.namespace == object.metadata.namespace\"\n{BINDING}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\n"
    );
    let f = findings(&text);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
    // `faultline check -n shop`: admitted into `shop`, it passes.
    let files = vec![faultline_syntax::SourceFile::new(
        faultline_syntax::FileId(0),
        "in.yaml",
        std::sync::Arc::<str>::from(text.as_str()),
    )];
    let parsed: Vec<_> = files
        .iter()
        .map(faultline_syntax::load::parse_source)
        .collect();
    let options = faultline_model::ModelOptions {
        default_namespace: "shop",
    };
    let inventory = faultline_model::Inventory::build_with_paths(&parsed, &["in.yaml"], &options);
    let graph = faultline_graph::Graph::build(&inventory);
    let settings = Settings::default();
    let cx = faultline_rules::Context::new(&files, &parsed, &graph, &settings);
    let diags = faultline_rules::run(&cx, &settings.enabled_rules());
    let ours: Vec<_> = diags
        .iter()
        .filter(|d| d.rule.starts_with("admission-policy"))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}

#[test]
fn every_undeclared_name_of_a_policy_is_invalid_where_it_is_written() {
    let text = format!(
        "{VAP}{ON_CONFIGMAPS}  matchConditions:\n    - name: c\n      expression: \"objekt.metadata.name != 'x'\"\n  variables:\n    - name: v\n      expression: \"params.max\"\n  validations:\n    - expression: \"object.data.frobnicate()\"\n      messageExpression: \"authorizer.group('').resource('x').check('get').reason()\"\n    - expression: \"authorizer.group('').resource('x').check('get').allowed()\"\n  auditAnnotations:\n    - key: k\n      valueExpression: \"variabels.v\"\n{BINDING}{CONFIGMAP}"
    );
    let f = findings(&text);
    let at: Vec<(&str, &str)> = f.iter().map(|f| (f.0, f.2.as_str())).collect();
    assert_eq!(
        at,
        [
            ("admission-policy-invalid", "objekt"),
            ("admission-policy-invalid", "params"),
            ("admission-policy-invalid", "frobnicate"),
            ("admission-policy-invalid", "authorizer"),
            ("admission-policy-invalid", "variabels"),
        ],
        "{f:#?}"
    );
    assert!(f[1].3.contains("no `paramKind`"), "{f:#?}");
    assert!(f[1].3.starts_with("the variable `v` of"), "{f:#?}");
}

#[test]
fn a_missing_param_says_what_parameter_not_found_action_does_on_the_cluster() {
    let with = |failure: &str, action: &str| {
        let text = format!(
            "{VAP}  failurePolicy: {failure}\n  paramKind: {{apiVersion: v1, kind: ConfigMap}}\n{ON_CONFIGMAPS}  validations:\n    - expression: \"size(object.data) <= int(params.data.max)\"\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  policyName: p\n  validationActions: [Deny]\n  paramRef:\n    name: limits\n{action}{CONFIGMAP}"
        );
        let f = findings(&text);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].0, "admission-policy-undecidable");
        f[0].3.clone()
    };
    let deny = "    parameterNotFoundAction: Deny\n";
    assert!(with("Fail", deny).contains("refuses every object"));
    assert!(with("Ignore", deny).contains("lets the objects through"));
    // Deny is the API server's default.
    assert!(with("Fail", "").contains("refuses every object"));
    let allow = "    parameterNotFoundAction: Allow\n";
    assert!(with("Fail", allow).contains("skips the policy"));
}

#[test]
fn a_message_expression_over_5_kib_gives_way_to_the_message() {
    let with = |size: usize| {
        let text = format!(
            "{VAP}{ON_CONFIGMAPS}  validations:\n    - expression: \"size(object.data) == 0\"\n      message: the static message\n      messageExpression: \"object.data.long\"\n{BINDING}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm, namespace: default}}\ndata: {{long: {}}}\n",
            "x".repeat(size)
        );
        let f = findings(&text);
        assert_eq!(f.len(), 1, "{f:#?}");
        f[0].3.clone()
    };
    assert!(with(5 * 1024).ends_with(&"x".repeat(5 * 1024)));
    assert!(with(5 * 1024 + 1).ends_with("denied request: the static message"));
}

#[test]
fn the_objects_that_configure_admission_are_exempt() {
    let text = format!(
        "{VAP}  matchConstraints:\n    resourceRules:\n      - {{apiGroups: ['*'], apiVersions: ['*'], operations: [CREATE], resources: ['*']}}\n  validations:\n    - expression: \"object.kind == 'ConfigMap'\"\n{BINDING}{CONFIGMAP}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: default}}\n"
    );
    let f = findings(&text);
    // The Secret only: not the policy or its binding.
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].3.contains("this Secret"), "{f:#?}");
}

#[test]
fn one_expression_over_its_own_limit_goes_by_failure_policy() {
    // About 1.5 limits: over the per-expression limit, well within the shared budget.
    let with = |failure: &str| {
        findings(&format!(
            "{VAP}  failurePolicy: {failure}\n{ON_CONFIGMAPS}  validations:\n    - expression: \"lists.range(400).all(i, lists.range(400).all(j, i + j >= 0))\"\n{BINDING}{CONFIGMAP}"
        ))
    };
    let f = with("Fail");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].3.contains("resulted in error"), "{f:#?}");
    assert!(!f[0].3.contains("running out of cost budget"), "{f:#?}");
    assert_eq!(with("Ignore"), []);
}

#[test]
fn a_missing_key_is_judged_by_the_pod_template_and_by_a_crd_schema() {
    let on = |group: &str, resource: &str, validation: &str, objects: &str| {
        findings(&format!(
            "{VAP}  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n      - {{apiGroups: ['{group}'], apiVersions: ['*'], operations: [CREATE], resources: [{resource}]}}\n  validations:\n    - expression: \"{validation}\"\n{BINDING}---\n{objects}"
        ))
    };
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: default}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: i}]\n";
    // The pods the template makes: an annotation nothing writes fails, a declared field of
    // the pod spec may be defaulted.
    let f = on(
        "",
        "pods",
        "object.metadata.annotations.team == 'a'",
        deployment,
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
    assert!(f[0].3.contains("the pods of this Deployment"), "{f:#?}");
    let f = on("", "pods", "object.spec.schedulerName == 'x'", deployment);
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
    // A custom resource: its CRD's schema declares `size`, not `replicas`.
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              properties:\n                size: {type: integer}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\nspec: {}\n";
    let f = on("example.com", "widgets", "object.spec.replicas < 3", crd);
    assert_eq!(f[0].0, "admission-policy-violation", "{f:#?}");
    let f = on("example.com", "widgets", "object.spec.size < 3", crd);
    assert_eq!(f[0].0, "admission-policy-undecidable", "{f:#?}");
}

#[test]
fn a_variable_read_before_its_declaration_or_never_declared_makes_the_policy_invalid() {
    let text = format!(
        "{VAP}{ON_CONFIGMAPS}  variables:\n    - name: early\n      expression: \"variables.late + 1\"\n    - name: late\n      expression: \"1\"\n  validations:\n    - expression: \"variables.early > 0 && variables.nope\"\n{BINDING}{CONFIGMAP}"
    );
    let f = findings(&text);
    let invalid: Vec<_> = f
        .iter()
        .filter(|f| f.0 == "admission-policy-invalid")
        .map(|f| (f.2.as_str(), f.3.as_str()))
        .collect();
    assert_eq!(invalid.len(), 2, "{f:#?}");
    assert_eq!(invalid[0].0, "variables.late", "{invalid:#?}");
    assert!(
        invalid[0].1.contains("undefined field 'late'"),
        "{invalid:#?}"
    );
    assert_eq!(invalid[1].0, "variables.nope", "{invalid:#?}");
    // A refused policy refuses nothing.
    assert!(
        f.iter().all(|f| f.0 != "admission-policy-violation"),
        "{f:#?}"
    );
    // Declared in order, the same reads compile.
    let ordered = text
        .replace("variables.late + 1", "1")
        .replace(" && variables.nope", "");
    assert!(
        findings(&ordered)
            .iter()
            .all(|f| f.0 != "admission-policy-invalid"),
        "{:#?}",
        findings(&ordered)
    );
}
