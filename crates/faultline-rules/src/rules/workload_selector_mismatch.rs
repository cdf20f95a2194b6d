use faultline_diagnostics::Location;
use faultline_model::Object;
use faultline_model::selector::Labels;
use faultline_model::workload::{Workload, WorkloadKind};
use faultline_syntax::TextRange;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a workload whose `spec.selector` does not select the labels of its own pod
    /// template: Deployments, ReplicaSets, StatefulSets and DaemonSets (`matchLabels` and
    /// `matchExpressions`), ReplicationControllers (a plain map; an absent or empty one
    /// defaults to the template's labels) and Jobs with `manualSelector: true` (otherwise the
    /// Job controller generates the selector). In `apps/v1` it also reports a missing or empty
    /// (`{}`) selector, which the API server rejects for these kinds. Selectors that are
    /// malformed are left to `invalid-label-selector`.
    ///
    /// ## Why it matters
    /// A controller owns the pods its selector matches. The API server rejects a workload whose
    /// template would create pods it cannot see ("`selector` does not match template
    /// `labels`"), so the apply fails, and in a Helm release or a GitOps sync the rest of the
    /// change may go out without it. The usual cause is a label renamed in the template but
    /// not in the selector, which is immutable after creation for `apps/v1` kinds.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-svc
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment-service:2.3.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment-service:2.3.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Deployment selector: <https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector>
    /// - Job `manualSelector`: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#specifying-your-own-pod-selector>
    pub struct WorkloadSelectorMismatch {
        id: "workload-selector-mismatch",
        category: Workloads,
        severity: Error,
        summary: "a workload's selector does not match its own pod template's labels, and the API server rejects it",
        params: [],
    }
}

fn labels_text(labels: &Labels) -> String {
    if labels.is_empty() {
        return "none".to_owned();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Rule for WorkloadSelectorMismatch {
    fn check_object(&self, _cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(w) = Workload::of(obj) else { return };
        let apps_kind = matches!(
            w.kind,
            WorkloadKind::Deployment
                | WorkloadKind::ReplicaSet
                | WorkloadKind::StatefulSet
                | WorkloadKind::DaemonSet
        );
        match w.kind {
            WorkloadKind::Job if !w.manual_selector().is_some_and(|m| m.value) => return,
            WorkloadKind::CronJob => return,
            _ => {}
        }
        let site = w.selector().filter(|s| !s.node.is_null());
        let Some(site) = site else {
            if apps_kind && obj.api_version == "apps/v1" {
                let at = obj
                    .node
                    .entry("spec")
                    .map_or(obj.kind_range(), |(k, _)| k.range());
                out.report(
                    obj,
                    at,
                    format!("`spec.selector` is missing; an `apps/v1` {} requires one that matches the pod template's labels", obj.kind),
                )
                .help(format!(
                    "add `spec.selector.matchLabels` with the template's labels ({})",
                    labels_text(&w.template_labels())
                ));
            }
            return;
        };
        let parsed = site.parse();
        if !parsed.is_valid() {
            return;
        }
        let selector = &parsed.selector;
        if selector.is_empty() {
            if apps_kind {
                out.report(
                    obj,
                    site.node.range(),
                    format!(
                        "`spec.selector` is empty, which the API server rejects for a {}",
                        obj.kind
                    ),
                )
                .help("select the pods by the template's labels with `matchLabels`");
            }
            // An empty ReplicationController selector defaults to the template's labels.
            return;
        }
        let Some(template) = w.template() else { return };
        let labels = w.template_labels();
        if selector.matches(&labels) {
            return;
        }
        // Point at the first requirement the labels fail.
        let failing = site
            .node
            .get("matchLabels")
            .into_iter()
            .chain(site.plain_map.then_some(site.node));
        let mut at: Option<TextRange> = failing
            .flat_map(|m| m.entries())
            .find(|(k, v)| {
                let value = if v.is_null() {
                    Some("")
                } else {
                    v.scalar_text()
                };
                let (Some(k), Some(value)) = (k.scalar_text(), value) else {
                    return false;
                };
                labels.get(k).map(String::as_str) != Some(value)
            })
            .map(|(k, v)| k.range().cover(v.range()));
        if at.is_none() {
            at = site
                .node
                .get("matchExpressions")
                .into_iter()
                .flat_map(|e| e.items())
                .zip(&selector.match_expressions)
                .find(|(_, req)| !req.matches(&labels))
                .map(|(node, _)| node.range());
        }
        // Point at keys: a block mapping's range runs on to the next key.
        let labels_key = template
            .get("metadata")
            .and_then(|m| m.entry("labels"))
            .map(|(k, _)| k);
        let template_key = w.spec.entry("template").map(|(k, _)| k);
        let (related_at, related) = match (labels_key, template_key) {
            (Some(k), _) => (k.range(), "the pod template's labels"),
            (None, Some(k)) => (k.range(), "the pod template, which has no labels"),
            (None, None) => (template.range(), "the pod template, which has no labels"),
        };
        out.report(
            obj,
            at.unwrap_or(site.node.range()),
            format!(
                "`{}` ({selector}) does not match the pod template's labels ({}); the API server rejects it",
                site.field,
                labels_text(&labels),
            ),
        )
        .help("make the template's labels satisfy the selector (the selector of an apps/v1 workload cannot be changed after creation)")
        .related_at(Location::new(obj.file, related_at), related);
    }
}
