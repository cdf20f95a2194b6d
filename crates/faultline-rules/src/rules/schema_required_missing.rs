use faultline_model::Object;

use crate::schema::{self, IssueKind};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a field the schema requires that is absent (or `null`), at the nearest key that
    /// encloses where it belongs: a container without `name` or `image`, a port without
    /// `containerPort`, an object without `metadata.name`, a custom resource without a field
    /// its CRD requires. A required field with a `default` in the CRD's schema is not missing:
    /// the API server fills it in before it validates.
    ///
    /// ## Why it matters
    /// The API server refuses the object (`spec.containers[0].image: Required value`); in a
    /// chart, a value that renders to nothing is the usual cause and the release fails.
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
    ///       ports:
    ///         - name: http
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
    ///       ports:
    ///         - name: http
    ///           containerPort: 8080
    /// ```
    ///
    /// ## Options
    /// The target version comes from `--kube-version`; custom resources are checked when their
    /// CRD is in the input.
    ///
    /// ## References
    /// - Kubernetes API reference: <https://kubernetes.io/docs/reference/kubernetes-api/>
    pub struct SchemaRequiredMissing {
        id: "schema-required-missing",
        category: Schema,
        severity: Error,
        summary: "a field the schema requires is missing",
        params: [],
    }
}

impl Rule for SchemaRequiredMissing {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        for issue in run.issues(obj) {
            let IssueKind::Required { field } = &issue.kind else {
                continue;
            };
            let help = if field == "name" && issue.path == "metadata.name" {
                "add `metadata.name` (or `metadata.generateName` for `kubectl create`)".to_owned()
            } else {
                format!("add `{field}`")
            };
            out.report(obj, issue.range, format!("`{}` is required", issue.path))
                .help(schema::help(run, help));
        }
    }
}
