use faultline_model::Object;
use faultline_model::intorstr::IntOrString;
use faultline_model::views::pdb::PodDisruptionBudget;

use crate::presence::{fewest_pods, replicas_field};
use crate::sink::object_ref;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a PodDisruptionBudget that allows no voluntary eviction at all:
    ///
    /// - `maxUnavailable: 0` (or `0%`);
    /// - `minAvailable: 100%`;
    /// - `minAvailable` (a number, or a percentage rounded up as the disruption controller
    ///   does) at or above the number of pods the selected workloads run. That number is each
    ///   workload's `replicas` (1 when absent), or the `minReplicas` of a
    ///   HorizontalPodAutoscaler that scales it, since the autoscaler may bring it that low; a
    ///   bare Pod counts one. A Deployment and its ReplicaSets and Pods in a snapshot count
    ///   once. The count is not judged when a selected workload's size is not in the
    ///   manifests (a DaemonSet runs one pod per node; Jobs).
    ///
    /// ## Why it matters
    /// `kubectl drain` and cluster upgrades evict pods through the eviction API, which refuses
    /// while the budget has no disruption to spare. The drain retries forever and the node
    /// never empties, until someone deletes the budget by hand.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    /// spec:
    ///   minAvailable: 2
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 2
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
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 2
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
    /// - Disruptions: <https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets>
    /// - Safely drain a node: <https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/>
    pub struct PdbBlocksEviction {
        id: "pdb-blocks-eviction",
        category: Workloads,
        severity: Warning,
        summary: "a PodDisruptionBudget allows no eviction, so node drains hang",
        params: [],
    }
}

const HELP: &str = "allow at least one disruption: prefer `maxUnavailable: 1`, or keep `minAvailable` below the replica count";

impl Rule for PdbBlocksEviction {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(pdb) = PodDisruptionBudget::of(obj) else {
            return;
        };
        if let Some(max) = pdb.max_unavailable() {
            if matches!(&max.value, IntOrString::Int(0))
                || matches!(&max.value, IntOrString::Str(s) if s == "0%")
            {
                out.report(obj, max.range(), format!("`maxUnavailable: {}` allows no pod to be evicted; node drains wait on this budget forever", max.value))
                    .help(HELP);
            }
            return;
        }
        let Some(min) = pdb.min_available() else {
            return;
        };
        if matches!(&min.value, IntOrString::Str(s) if s == "100%") {
            out.report(obj, min.range(), "`minAvailable: 100%` allows no pod to be evicted; node drains wait on this budget forever")
                .help(HELP);
            return;
        }
        let Some(sel) = cx.graph.selection(obj.id).filter(|s| s.valid) else {
            return;
        };
        let workloads = cx.graph.workloads(&sel.pods);
        if workloads.is_empty() {
            return;
        }
        let mut total = 0;
        let mut parts = Vec::new();
        for w in &workloads {
            let Some((n, hpa)) = fewest_pods(cx, *w) else {
                return;
            };
            total += n;
            let wobj = cx.inventory.get(*w);
            parts.push((wobj, n, hpa));
        }
        if total <= 0 {
            return;
        }
        let Ok(needed) = min.value.scaled_value(total, true) else {
            return;
        };
        if needed < total {
            return;
        }
        let counted: Vec<String> = parts
            .iter()
            .map(|(w, n, hpa)| match hpa {
                Some(h) => format!(
                    "{} (at least {n}, the `minReplicas` of {})",
                    object_ref(w),
                    object_ref(cx.inventory.get(*h))
                ),
                None if w.kind == "Pod" => object_ref(w).to_string(),
                None => format!("{} ({n})", object_ref(w)),
            })
            .collect();
        let pods = if total == 1 { "pod" } else { "pods" };
        let needed_text = match &min.value {
            IntOrString::Str(p) => format!("{p} of {total} rounds up to {needed}"),
            IntOrString::Int(_) => needed.to_string(),
        };
        let mut report = out
            .report(
                obj,
                min.range(),
                format!(
                    "`minAvailable: {}` requires {needed_text} available, and the selected workloads run {total} {pods}: {}; no pod can be evicted, so node drains hang",
                    min.value,
                    counted.join(", ")
                ),
            )
            .help(HELP);
        for (w, _, hpa) in &parts {
            match hpa {
                Some(h) => {
                    let h = cx.inventory.get(*h);
                    let range = h
                        .node
                        .path(&["spec", "minReplicas"])
                        .map_or_else(|| h.kind_range(), |n| n.range());
                    report = report.related(h, range, "the autoscaler's `minReplicas`");
                }
                None => {
                    let range = replicas_field(w).map_or_else(|| w.kind_range(), |f| f.range());
                    report = report.related(w, range, "the replica count");
                }
            }
        }
    }
}
