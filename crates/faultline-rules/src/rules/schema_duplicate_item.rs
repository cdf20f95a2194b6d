use faultline_diagnostics::Location;
use faultline_model::Object;

use crate::schema::{self, IssueKind};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an item of a keyed list that repeats the key of an earlier item: two containers
    /// with one `name`, two ports with the same `containerPort` and `protocol` (a port without
    /// `protocol` is `TCP`), two volumes, mounts or env variables of one name, a repeated value
    /// in a set-like list; for custom resources, the lists their CRD marks
    /// `x-kubernetes-list-type: map` or `set`, with the keys' defaults applied. (Repeated keys
    /// of a YAML mapping are `duplicate-key`'s.)
    ///
    /// ## Why it matters
    /// The API server refuses the object (`Duplicate value: {"containerPort":88,
    /// "protocol":"TCP"}`): always for containers, volumes, mounts and Service ports, and with
    /// server-side apply (`kubectl apply --server-side`, Argo CD, Flux) for every keyed list,
    /// where the merge cannot tell the two items apart. Where it is accepted, the later item
    /// silently wins.
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
    ///       ports:
    ///         - containerPort: 8080
    ///         - containerPort: 8080
    ///           protocol: TCP
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
    ///         - containerPort: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - List types in server-side apply: <https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy>
    pub struct SchemaDuplicateItem {
        id: "schema-duplicate-item",
        category: Schema,
        severity: Error,
        summary: "a keyed list has two items with the same key",
        params: [],
    }
}

impl Rule for SchemaDuplicateItem {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let run = cx.schema();
        for issue in run.issues(obj) {
            let IssueKind::Duplicate { key, first } = &issue.kind else {
                continue;
            };
            out.report(
                obj,
                issue.range,
                format!("`{}` repeats the key {key} of an earlier item", issue.path),
            )
            .help(schema::help(
                run,
                "merge the two items or give each its own key".to_owned(),
            ))
            .related_at(
                Location::new(obj.file, *first),
                "the earlier item with this key",
            );
        }
    }
}
