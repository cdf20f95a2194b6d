use faultline_model::Object;

use crate::schema::{self, IssueKind};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a value whose JSON type is not the one the schema of the field says: a string
    /// where an integer belongs (`replicas: "3"`), a number where a string belongs (an
    /// annotation `version: 1.10`), a map where a list belongs. Values are typed the way
    /// Kubernetes reads YAML (YAML 1.1): `"80"` is a string, `080` an integer, `yes` and `on`
    /// booleans, `1.10` the number 1.1. Fields that take an integer or a string (`port`,
    /// `maxSurge`) accept both; `null` is no value, as the API server treats it.
    ///
    /// ## Why it matters
    /// The API server refuses the object (`cannot unmarshal string into Go struct field
    /// DeploymentSpec.spec.replicas of type int32`), or, for a custom resource, `in body must be
    /// of type integer`. An annotation or label written as a bare number or `true` is the most
    /// common case, and a value that YAML quietly turned into a boolean (`enabled: yes` meant
    /// as text) the most surprising one.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     release: 1.10
    /// spec:
    ///   replicas: "3"
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.4.2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     release: "1.10"
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
    ///           image: registry.example.com/web:1.4.2
    /// ```
    ///
    /// ## Options
    /// The target version comes from `--kube-version`; custom resources are checked when their
    /// CRD is in the input. A placeholder of another template engine (`{{replicas}}`,
    /// `${REPLICAS}`, `<ADD … Here>`) is reported by `unrendered-template` instead.
    ///
    /// ## References
    /// - YAML 1.1 scalars in Kubernetes: <https://github.com/kubernetes-sigs/yaml>
    pub struct SchemaTypeMismatch {
        id: "schema-type-mismatch",
        category: Schema,
        severity: Error,
        summary: "a value is not of the type the schema of its field requires",
        params: [],
    }
}

/// `an integer`, `a string`, `an object`.
pub(crate) fn a(ty: &str) -> String {
    let article = if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {ty}")
}

impl Rule for SchemaTypeMismatch {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        for issue in run.issues(obj) {
            let IssueKind::Type {
                expected,
                found,
                hint,
            } = &issue.kind
            else {
                continue;
            };
            if schema::covered_by_invalid_quantity(obj, issue) {
                continue;
            }
            // A hint repeats the value: never for a Secret's.
            let help = hint
                .clone()
                .filter(|_| obj.kind != "Secret")
                .unwrap_or_else(|| format!("write {} here", a(expected)));
            out.report(
                obj,
                issue.range,
                format!("`{}` must be {}, not {}", issue.path, a(expected), a(found)),
            )
            .help(schema::help(run, help));
        }
    }
}
