use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Notes documents that are not Kubernetes objects: scalars, sequences, or mappings without
    /// `apiVersion` and `kind` (Helm `values.yaml`, `Chart.yaml`, CI configuration).
    ///
    /// ## Why it matters
    /// Nothing in such a document is checked. That is usually right, but a manifest that lost
    /// its `kind:` line to a bad merge would otherwise pass unnoticed.
    ///
    /// ## Example
    /// ```yaml
    /// replicaCount: 3
    /// image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: values
    /// data:
    ///   replicaCount: "3"
    /// ```
    ///
    /// ## Options
    /// None. Leave such files out with `--exclude`, or switch the rule off in `.faultline.yaml`.
    pub struct NotAKubernetesObject {
        id: "not-a-kubernetes-object",
        category: Syntax,
        severity: Info,
        summary: "a document is not a Kubernetes object and was not analyzed",
        params: [],
    }
}

impl Rule for NotAKubernetesObject {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for n in &cx.inventory.not_objects {
            let start = faultline_syntax::TextRange::empty(n.range.start);
            out.report_file(n.file, Some(start), &n.reason)
                .help("add `apiVersion` and `kind` if this is meant to be a Kubernetes object, or exclude the file");
        }
    }
}
