use crate::admission_policy::PolicyRun;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports, once per ValidatingAdmissionPolicy or binding, what `admission-policy-violation`
    /// cannot decide offline, and so does not guess:
    /// - expressions that read the requesting user (`request.userInfo`, `request.uid`) or ask
    ///   the `authorizer`: a manifest does not say who applies it;
    /// - params the binding's `paramRef` names that are not in the input (on the cluster,
    ///   `parameterNotFoundAction` decides);
    /// - objects in a namespace the input does not declare, when a `namespaceSelector` reads
    ///   labels other than `kubernetes.io/metadata.name` or an expression reads
    ///   `namespaceObject`;
    /// - functions faultline's CEL engine does not have;
    /// - fields the object does not write that the API server may fill in before admission: a
    ///   property its kind's schema declares (a default), a `metadata` field it sets on create
    ///   (`uid`, `generation` …), any field of a kind without a schema. A missing key nothing
    ///   fills in (a label, a field the schema does not declare) is no gap: the expression
    ///   fails on the API server too (see `admission-policy-violation`).
    ///
    /// The objects concerned are counted or named in the message.
    ///
    /// ## Why it matters
    /// A policy left unjudged is not a policy that passes: the object may still be refused
    /// at deploy time. This says which checks did not happen and what would let them run.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingAdmissionPolicy
    /// metadata:
    ///   name: only-admins-scale
    /// spec:
    ///   failurePolicy: Fail
    ///   matchConstraints:
    ///     resourceRules:
    ///       - apiGroups: ["apps"]
    ///         apiVersions: ["v1"]
    ///         operations: ["CREATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= 3 || 'admins' in request.userInfo.groups"
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
    /// Use instead: nothing to change in the policy; test it against the cluster with
    /// `kubectl apply --dry-run=server` as the users who apply these objects, or add the
    /// missing params and Namespaces to the input.
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
    ///         operations: ["CREATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= 3"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Validating Admission Policy: <https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/>
    pub struct AdmissionPolicyUndecidable {
        id: "admission-policy-undecidable",
        category: Admission,
        severity: Info,
        summary: "a ValidatingAdmissionPolicy cannot be decided offline for some objects (the requesting user, a missing param or namespace)",
        params: [],
    }
}

impl Rule for AdmissionPolicyUndecidable {
    // Once per run, after every object has been evaluated (by `admission-policy-violation`,
    // in parallel, or here for those it did not ask about).
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let run = cx.admission_policies();
        for (id, notes) in run.undecidable((cx.inventory, cx.schema())) {
            PolicyRun::report(cx.inventory, cx.inventory.get(id), &notes, out);
        }
    }
}
