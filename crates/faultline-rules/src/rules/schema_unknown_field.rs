use faultline_diagnostics::Severity;
use faultline_model::Object;

use crate::schema::{self, IssueKind, Target};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a field the schema of the object's kind does not have, at its key, with the
    /// known field it most likely means (`readynessProbe` → `readinessProbe`, `Image` →
    /// `image`). Built-in kinds are checked against the API server's own OpenAPI schema of the
    /// target version (`--kube-version`, 1.23 to 1.35 embedded); custom resources against the
    /// `openAPIV3Schema` of their CustomResourceDefinition when the input holds it
    /// (`x-kubernetes-preserve-unknown-fields`, `additionalProperties` and embedded resources
    /// are honoured).
    ///
    /// ## Why it matters
    /// `kubectl apply` validates fields strictly by default (server-side field validation,
    /// GA in 1.27) and refuses the whole object. Clients that do not ask for it, Helm among
    /// them, get a warning at best and the API server drops the field: a misspelt probe,
    /// limit or selector is silently not there, and nothing says so until it is needed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.4.2
    ///       readynessProbe:
    ///         httpGet: {path: /healthz, port: 8080}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.4.2
    ///       readinessProbe:
    ///         httpGet: {path: /healthz, port: 8080}
    /// ```
    ///
    /// ## Options
    /// The target version comes from `--kube-version` or `kubeVersion` in `.faultline.yaml`;
    /// versions older than 1.23 are checked against 1.23. Custom resources are checked only
    /// when their CRD is part of the input (see `schema-crd-missing`); a `v1beta1` CRD that
    /// keeps unknown fields (`preserveUnknownFields`) accepts any. An unknown field of a custom
    /// resource is a warning: the cluster may run another version of the CRD than the input's
    /// (Helm never upgrades the CRDs of a chart's `crds/`).
    ///
    /// ## References
    /// - Field validation: <https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation>
    /// - Pruning of custom resources: <https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning>
    pub struct SchemaUnknownField {
        id: "schema-unknown-field",
        category: Schema,
        severity: Error,
        summary: "a field the schema of the kind does not have; strict validation rejects it, other clients drop it",
        params: [],
    }
}

impl Rule for SchemaUnknownField {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        let issues = run.issues(obj);
        if issues.is_empty() {
            return;
        }
        let crd = match run.target(obj) {
            Target::Custom { crd, .. } => Some(run.crd_object(crd)),
            _ => None,
        };
        for issue in issues {
            let IssueKind::Unknown { key, suggestion } = &issue.kind else {
                continue;
            };
            let message = match suggestion {
                Some(s) => format!("unknown field `{}`: did you mean `{s}`?", issue.path),
                None => format!("unknown field `{}`", issue.path),
            };
            let help = match (suggestion, crd) {
                (Some(s), _) => format!("rename `{key}` to `{s}`"),
                (None, Some(_)) => format!(
                    "remove `{key}` or move it to where the CRD's schema has it: the API server prunes fields its schema does not declare, and `kubectl apply` refuses them"
                ),
                (None, None) => format!(
                    "remove `{key}` or move it to where {} `{}` has it: `kubectl apply` refuses unknown fields and other clients drop them",
                    obj.api_version, obj.kind
                ),
            };
            let report = out
                .report(obj, issue.range, message)
                .help(schema::help(run, help));
            if let Some(crd) = crd {
                // The API server prunes it, and `kubectl apply` refuses it, if the CRD installed
                // is the input's; a cluster may run another version of it (Helm never upgrades
                // the CRDs of a chart's `crds/`).
                report.severity(Severity::Warning).related(
                    crd,
                    crd.kind_range(),
                    format!("the CustomResourceDefinition of `{}`", obj.kind),
                );
            }
        }
    }
}
