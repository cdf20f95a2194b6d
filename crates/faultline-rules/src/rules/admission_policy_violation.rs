use faultline_model::Object;

use crate::admission_policy::{Outcome, PolicyRun};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Evaluates the `ValidatingAdmissionPolicy` objects of the input, with their
    /// `ValidatingAdmissionPolicyBinding`s, on every object they match, as the API server
    /// would when the object is created: `matchConstraints` narrowed by the binding's
    /// `matchResources` (resource rules and `excludeResourceRules`, `namespaceSelector`
    /// against the Namespaces of the input, `objectSelector`), the params named by the
    /// binding's `paramRef` (by name or selector, from the input), `matchConditions`,
    /// `variables` and `validations`, with `object`, `oldObject` (null), `request` (the
    /// CREATE), `params`, `namespaceObject` and `variables` bound. Each validation that
    /// does not hold is reported on the object, at the field its expression reads, with the
    /// policy's `message` (or its evaluated `messageExpression`, else `failed expression: …`,
    /// as the API server words it). A runtime error under `failurePolicy: Fail` is reported
    /// the same way, with the error. `auditAnnotations` are evaluated only for such errors:
    /// their values annotate the audit event, which an offline check has none of. An
    /// evaluation over the CEL cost budget refuses the object (see Cost below).
    ///
    /// A policy on `pods` also judges the pods a workload's controller will create from its
    /// pod template (a Deployment, StatefulSet, DaemonSet, Job, CronJob … that nothing in
    /// the input owns, and not from a cluster export, whose pods are in the input): `object`
    /// is the pod as the template makes it (its labels for the `objectSelector`, the
    /// workload's namespace, a generated name that is unknown). The finding is on the
    /// workload, whose rollout would create no pod.
    ///
    /// The severity follows the binding's `validationActions`: `Deny` is an error (the API
    /// server refuses the object), `Warn` a warning, `Audit` only info. A policy that no
    /// binding in the input binds is evaluated as if bound to everything it matches with
    /// `Deny`, and reported as a warning, since the cluster may bind it. Objects of a Secret
    /// never have evaluated text quoted: the policy's static message is used.
    ///
    /// The object is evaluated as the API server admits it, not with every default it fills
    /// in: a namespaced object written without a namespace is in the run's namespace (`-n`,
    /// else `default`), for `object.metadata.namespace` as for `request.namespace`. An
    /// expression that reads a field the object does not write fails ("no such key"). When
    /// nothing could fill that field in before admission (a key of a map such as `labels`,
    /// `annotations` or `data`, a field the kind's schema does not declare, such as a
    /// Service's `spec.replicas`, or a `metadata` field other than those the API server sets
    /// on create), it fails on the API server too, and `failurePolicy` decides: `Fail`
    /// refuses the object with the API server's error (`no such key: env`), `Ignore` lets it
    /// through. A field the schema declares (a default may fill it in), `metadata.uid`,
    /// `generation` and the like, and any field of a kind without a schema (built-in, or
    /// from a CRD of the input) leave the object undecidable instead.
    ///
    /// Cost: the validations, `messageExpression`s and audit annotations of one evaluation
    /// (one object, one binding, one param) share the API server's runtime budget, and the
    /// match conditions theirs; each expression is also held to the per-expression limit.
    /// One expression over its limit is a runtime error, which `failurePolicy` decides; over
    /// the shared budget, the object is refused whatever the `failurePolicy` ("validation
    /// failed due to running out of cost budget, no further validation rules will be run").
    /// A `messageExpression` whose result is empty, has a line break or is longer than 5 KiB
    /// gives way to `message`, as the API server does. The finding points at the field the expression reads: through an `all()`
    /// at the element that fails it, and for an expression that reads only a variable, where
    /// the variable's expression reads.
    ///
    /// What the input cannot tell is not guessed: see `admission-policy-undecidable`.
    ///
    /// ## Why it matters
    /// A manifest that passes every linter can still be refused at deploy time by a policy
    /// that sits in the same repository: the rollout fails in the pipeline, or worse, half of
    /// a release is applied. Evaluating the policy offline moves the refusal to the pull
    /// request, at the field that causes it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicy
    /// metadata:
    ///   name: replica-cap
    /// spec:
    ///   failurePolicy: Fail
    ///   matchConstraints:
    ///     resourceRules:
    ///       - apiGroups: ["apps"]
    ///         apiVersions: ["v1"]
    ///         operations: ["CREATE", "UPDATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= 5"
    ///       message: "at most 5 replicas"
    /// ---
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicyBinding
    /// metadata:
    ///   name: replica-cap
    /// spec:
    ///   policyName: replica-cap
    ///   validationActions: [Deny]
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 8
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicy
    /// metadata:
    ///   name: replica-cap
    /// spec:
    ///   failurePolicy: Fail
    ///   matchConstraints:
    ///     resourceRules:
    ///       - apiGroups: ["apps"]
    ///         apiVersions: ["v1"]
    ///         operations: ["CREATE", "UPDATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= 5"
    ///       message: "at most 5 replicas"
    /// ---
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicyBinding
    /// metadata:
    ///   name: replica-cap
    /// spec:
    ///   policyName: replica-cap
    ///   validationActions: [Deny]
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Validating Admission Policy: <https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/>
    /// - Common Expression Language in Kubernetes: <https://kubernetes.io/docs/reference/using-api/cel/>
    pub struct AdmissionPolicyViolation {
        id: "admission-policy-violation",
        category: Admission,
        severity: Error,
        summary: "a ValidatingAdmissionPolicy of the input refuses (or warns about) this object",
        params: [],
    }
}

impl Rule for AdmissionPolicyViolation {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.admission_policies();
        PolicyRun::report(
            cx.inventory,
            obj,
            run.violations((cx.inventory, cx.schema()), obj.id),
            out,
        );
    }
}

/// Every verdict of the run's policies, in object order (for tests and oracles): evaluates
/// every object a policy may match.
pub fn outcomes(cx: &Context<'_>) -> Vec<Outcome> {
    cx.admission_policies()
        .outcomes((cx.inventory, cx.schema()))
}
