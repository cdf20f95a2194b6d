use faultline_model::Object;

use crate::admission_policy::PolicyRun;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports what the API server refuses in a `ValidatingAdmissionPolicy` or
    /// `ValidatingAdmissionPolicyBinding`, at the field: an expression (validation,
    /// `messageExpression`, match condition, variable, audit annotation) that does not
    /// compile, or that names what the API server does not declare for it (`objekt`,
    /// `params` in a policy without `paramKind`, `authorizer` in a `messageExpression`, a
    /// function outside the Kubernetes CEL environment), pointed at the name in the
    /// expression; a validation `reason` other than `Unauthorized`, `Forbidden`, `Invalid`
    /// and `RequestEntityTooLarge`; a missing `matchConstraints.resourceRules`, a resource rule
    /// without `operations`, a `paramKind` without `kind` or `apiVersion`, a binding without
    /// `validationActions` or with both `Deny` and `Warn`, an unknown action, a malformed
    /// label selector. Every such problem of a policy is reported, not only the first.
    ///
    /// The API server compiles every expression when the policy is created or updated and
    /// refuses the object with `compilation failed`, so a policy with such an expression is
    /// not evaluated by `admission-policy-violation` either. A resource rule without
    /// `operations` is the exception: the rest of the policy is still evaluated, as if the
    /// rule listed `*`.
    ///
    /// The API server's type check also requires a validation and a match condition to be a
    /// bool and a `messageExpression` to be a string. faultline has no type checker: it finds
    /// an expression of the wrong type when it evaluates the policy on an object (a validation
    /// `size(object.data)` gives an int), and reports it once, on the policy, naming that
    /// object. Like a policy that does not compile, it refuses nothing then:
    /// `admission-policy-violation` reports none of its violations.
    ///
    /// ## Why it matters
    /// The policy never reaches the cluster: `kubectl apply` fails on it, and until it is
    /// fixed it enforces nothing, however long the pipeline has been green on it.
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
    ///         operations: ["CREATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= "
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
    ///         operations: ["CREATE"]
    ///         resources: ["deployments"]
    ///   validations:
    ///     - expression: "object.spec.replicas <= 5"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Validating Admission Policy: <https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/>
    /// - CEL in Kubernetes: <https://kubernetes.io/docs/reference/using-api/cel/>
    pub struct AdmissionPolicyInvalid {
        id: "admission-policy-invalid",
        category: Admission,
        severity: Error,
        summary: "the API server refuses this ValidatingAdmissionPolicy or binding (an expression that does not compile, a missing field)",
        params: [],
    }
}

impl Rule for AdmissionPolicyInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !matches!(
            obj.kind,
            "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding"
        ) {
            return;
        }
        let run = cx.admission_policies();
        let notes = run.invalid.get(&obj.id).map_or(&[][..], Vec::as_slice);
        PolicyRun::report(cx.inventory, obj, notes, out);
    }

    // An expression of the wrong type shows when it is evaluated: once per run, after every
    // object has been evaluated.
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let run = cx.admission_policies();
        for (id, notes) in run.type_errors((cx.inventory, cx.schema())) {
            PolicyRun::report(cx.inventory, cx.inventory.get(id), &notes, out);
        }
    }
}
