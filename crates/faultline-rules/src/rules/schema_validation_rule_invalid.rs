use faultline_model::Object;

use crate::schema::IssueKind;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a validation rule in a CustomResourceDefinition's schema
    /// (`x-kubernetes-validations`) that the API server does not accept: a `rule` or
    /// `messageExpression` that is not valid CEL or that its type check refuses (it reads a
    /// name other than `self` and `oldSelf`, or calls a function the Kubernetes CEL
    /// environment does not have: `undeclared reference`), a `fieldPath` that names no field
    /// of the schema node it is on, a `reason` other than `FieldValueInvalid`,
    /// `FieldValueForbidden`, `FieldValueRequired` or `FieldValueDuplicate`, an empty rule, a
    /// `message` that is blank, longer than 2,048 characters or on several lines, a rule on
    /// several lines without a `message`.
    ///
    /// ## Why it matters
    /// The API server refuses the CRD (`spec.validation.openAPIV3Schema...rule: Invalid
    /// value: compilation failed`): the kind is not installed, and every custom resource of
    /// it fails after it.
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
    ///                     - rule: self <= 10 &&
    ///                       message: must be at most 10
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
    /// ```
    ///
    /// ## Options
    /// None. faultline parses CEL but does not type-check it against the schema as the API
    /// server does, nor estimate its cost: a rule that reads a field the schema does not
    /// declare is not reported here.
    ///
    /// ## References
    /// - Validation rules: <https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules>
    pub struct SchemaValidationRuleInvalid {
        id: "schema-validation-rule-invalid",
        category: Schema,
        severity: Error,
        summary: "a validation rule of a CRD's schema that the API server does not accept",
        params: [],
    }
}

impl Rule for SchemaValidationRuleInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if obj.kind != "CustomResourceDefinition" {
            return;
        }
        for issue in cx.schema().issues(obj) {
            let IssueKind::RuleInvalid { message } = &issue.kind else {
                continue;
            };
            out.report(obj, issue.range, format!("`{}`: {message}", issue.path))
                .help("fix the rule: the API server refuses the CustomResourceDefinition, and so every object of its kind");
        }
    }
}
