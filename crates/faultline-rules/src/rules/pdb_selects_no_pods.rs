use faultline_model::Object;
use faultline_model::selector::Selection;
use faultline_model::views::pdb::PodDisruptionBudget;

use crate::presence::{judge_empty_selection, report_empty_selection, tight_range};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a PodDisruptionBudget that protects no pod: its selector matches no Pod and no
    /// workload pod template in its namespace, or it selects nothing by definition (no
    /// `spec.selector`; in `policy/v1beta1` also `selector: {}`). Like
    /// `service-selects-no-pods`, a label selector is judged only where the input shows the
    /// namespace's pods (some pod shape there, a snapshot, or `--complete`).
    ///
    /// ## Why it matters
    /// The budget does nothing: a node drain or cluster upgrade may evict every replica at
    /// once, which is what the budget was written to prevent.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api-server
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Pod disruption budgets: <https://kubernetes.io/docs/tasks/run-application/configure-pdb/#arbitrary-controllers-and-selectors>
    pub struct PdbSelectsNoPods {
        id: "pdb-selects-no-pods",
        category: Workloads,
        severity: Warning,
        summary: "a PodDisruptionBudget selects no pods and protects nothing",
        params: [],
    }
}

impl Rule for PdbSelectsNoPods {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(pdb) = PodDisruptionBudget::of(obj) else {
            return;
        };
        let Some(sel) = cx.graph.selection(obj.id) else {
            return;
        };
        let Some(namespace) = obj.namespace else {
            return;
        };
        if !sel.valid || !sel.pods.is_empty() {
            return;
        }
        match sel.scope {
            Selection::Nothing => {
                let (range, message) = match sel.node {
                    Some(node) => (
                        node.range(),
                        format!("`selector: {{}}` selects no pods in `{}`", obj.api_version),
                    ),
                    None => (
                        pdb.spec.map_or_else(|| obj.kind_range(), tight_range),
                        "the budget has no `spec.selector`, so it selects no pods".to_owned(),
                    ),
                };
                out.report(obj, range, message)
                    .help("add a `selector` with the `matchLabels` of the pods to protect");
            }
            Selection::ByLabels if judge_empty_selection(cx, obj, namespace, &sel.selector) => {
                let Some(node) = sel.node else { return };
                report_empty_selection(cx, obj, node, namespace, &sel.selector, out).help(
                    "make the selector match the labels of the pods the budget should protect",
                );
            }
            _ => {}
        }
    }
}
