use faultline_diagnostics::Severity;
use faultline_model::Object;

use crate::schema::{self, IssueKind, Reason, Target};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Runs the validation rules a CustomResourceDefinition of the input declares in its
    /// schema (`x-kubernetes-validations`, in CEL) on the custom resources of that CRD, as the
    /// API server does when the object is created: at every field whose schema node carries
    /// rules, with `self` bound to that field's value (at the root: the object with its
    /// `apiVersion`, `kind` and `metadata.name`). A rule that does not evaluate to `true`
    /// is reported with the CRD's `message` (or the evaluated `messageExpression`, or
    /// `failed rule: <rule>`), at its `fieldPath` when it gives one, else at the field that
    /// carries the rule; the rule's line in the CRD is a related location.
    ///
    /// ## Why it matters
    /// The API server refuses the object (`spec.replicas: Invalid value: "integer": must be
    /// at most 10`): the release fails at deploy time although the manifest is well-formed
    /// YAML of the right types.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiextensions.k8s.io/v1
    /// kind: CustomResourceDefinition
    /// metadata:
    ///   name: caches.example.com
    /// spec:
    ///   group: example.com
    ///   scope: Namespaced
    ///   names: {kind: Cache, plural: caches}
    ///   versions:
    ///     - name: v1
    ///       served: true
    ///       storage: true
    ///       schema:
    ///         openAPIV3Schema:
    ///           type: object
    ///           properties:
    ///             spec:
    ///               type: object
    ///               properties:
    ///                 replicas:
    ///                   type: integer
    ///                   x-kubernetes-validations:
    ///                     - rule: self <= 10
    ///                       message: must be at most 10
    /// ---
    /// apiVersion: example.com/v1
    /// kind: Cache
    /// metadata:
    ///   name: sessions
    /// spec:
    ///   replicas: 30
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apiextensions.k8s.io/v1
    /// kind: CustomResourceDefinition
    /// metadata:
    ///   name: caches.example.com
    /// spec:
    ///   group: example.com
    ///   scope: Namespaced
    ///   names: {kind: Cache, plural: caches}
    ///   versions:
    ///     - name: v1
    ///       served: true
    ///       storage: true
    ///       schema:
    ///         openAPIV3Schema:
    ///           type: object
    ///           properties:
    ///             spec:
    ///               type: object
    ///               properties:
    ///                 replicas:
    ///                   type: integer
    ///                   x-kubernetes-validations:
    ///                     - rule: self <= 10
    ///                       message: must be at most 10
    /// ---
    /// apiVersion: example.com/v1
    /// kind: Cache
    /// metadata:
    ///   name: sessions
    /// spec:
    ///   replicas: 3
    /// ```
    ///
    /// ## Options
    /// Custom resources are checked when their CRD is in the input. As on create, `oldSelf`
    /// is absent and transition rules (those that read `oldSelf`) do not run; a rule on a
    /// field that is absent or `null` does not run; no rule runs on an object with a type
    /// error (`schema-type-mismatch`), as the API server does. `self` holds the object as the
    /// API server sees it after decoding: unknown fields pruned unless preserved, the scalar
    /// and empty defaults of the schema filled in. A rule that fails with an error faultline's
    /// evaluation may cause (a CEL function it does not have, a default it cannot fill in, a
    /// field the schema does not declare, which the API server's type checker refuses) is
    /// reported as info, not guessed. Each rule is bounded by the API server's cost limit
    /// per call and the rules of one object share its cost budget: over either, the object
    /// is refused and no further rule runs. Not modelled: the order-free equality of
    /// `x-kubernetes-list-type: set`/`map` lists, and strings of `format: duration`,
    /// `date-time` or `byte`, which the API server types as durations, timestamps and bytes.
    ///
    /// ## References
    /// - Validation rules: <https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules>
    /// - CEL in Kubernetes: <https://kubernetes.io/docs/reference/using-api/cel/>
    pub struct SchemaValidationRule {
        id: "schema-validation-rule",
        category: Schema,
        severity: Error,
        summary: "a custom resource fails a validation rule (x-kubernetes-validations) of its CRD",
        params: [],
    }
}

impl Rule for SchemaValidationRule {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        let issues = run.issues(obj);
        if !issues.iter().any(|i| matches!(i.kind, IssueKind::Rule(_))) {
            return;
        }
        let Target::Custom { crd, .. } = run.target(obj) else {
            return;
        };
        let crd = run.crd_object(crd);
        for issue in issues {
            let IssueKind::Rule(failure) = &issue.kind else {
                continue;
            };
            let what = if issue.path.is_empty() {
                format!("the {}", obj.kind)
            } else {
                format!("`{}`", issue.path)
            };
            let (message, help) = match (&failure.error, failure.decided) {
                (None, _) => (
                    match failure.reason {
                        Reason::Required => format!("{what} is required: {}", failure.detail),
                        Reason::Forbidden => format!("{what} is forbidden: {}", failure.detail),
                        Reason::Duplicate => format!("{what} is a duplicate: {}", failure.detail),
                        Reason::Invalid => format!("{what} is invalid: {}", failure.detail),
                    },
                    format!(
                        "change the object so that the rule `{}` of its CustomResourceDefinition holds: the API server refuses it otherwise",
                        failure.rule
                    ),
                ),
                (Some(error), true) => (
                    format!(
                        "{what}: the validation rule `{}` of its CRD fails with an error: {error}",
                        failure.rule
                    ),
                    "write the fields the rule reads (the API server refuses an object whose rule fails with an error), or guard the rule with `has()` in the CRD".to_owned(),
                ),
                (Some(error), false) => (
                    format!(
                        "{what}: faultline cannot evaluate the validation rule `{}` of its CRD offline: {error}",
                        failure.rule
                    ),
                    "check the object against the rule by hand, or with a dry run (`kubectl apply --dry-run=server`)".to_owned(),
                ),
            };
            let report = out
                .report(obj, issue.range, message)
                .help(schema::help(run, help))
                .related(
                    crd,
                    failure.rule_range,
                    format!("the rule in CustomResourceDefinition `{}`", crd.name),
                );
            if !failure.decided {
                report.severity(Severity::Info);
            }
        }
    }
}
