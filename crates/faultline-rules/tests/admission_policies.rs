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
        let verdicts = cx
            .admission_policies()
            .outcomes(cx.inventory)
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
    let p = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: p\nspec:\n  failurePolicy: Fail\n  matchConstraints:\n    resourceRules:\n      - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [secrets]}\n  validations:\n    - expression: \"object.data.password.frobnicate()\"\n    - expression: \"int(object.data.password) > 0\"\n    - expression: \"object.data.password.size() > 99\"\n      messageExpression: \"'bad: ' + object.data.password\"\n";
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
