use faultline_model::Object;
use faultline_model::status::conditions;

use crate::evidence::{ago_with, condition_at, count, display, relate_events, relate_pods_on_node};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Nodes with a `MemoryPressure`, `DiskPressure` or `PIDPressure` condition that
    /// is `True`, one finding per condition, with the pods bound to the node as related and
    /// the node's eviction Events.
    ///
    /// Only Nodes that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// Under pressure the kubelet evicts pods, lowest priority and most over their requests
    /// first (`Evicted` pods, `The node was low on resource: memory`), and the scheduler stops
    /// placing pods there. Memory pressure usually means pods without memory limits, or
    /// limits far above their requests; disk pressure, container logs or images filling the
    /// node's disk or an `emptyDir` without `sizeLimit`; PID pressure, a fork bomb or a
    /// process that leaks threads.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-6
    /// status:
    ///   conditions:
    ///     - type: MemoryPressure
    ///       status: "True"
    ///       reason: KubeletHasInsufficientMemory
    ///       message: kubelet has insufficient memory available
    ///     - type: Ready
    ///       status: "True"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # No pressure.
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-6
    /// status:
    ///   conditions:
    ///     - type: MemoryPressure
    ///       status: "False"
    ///       reason: KubeletHasSufficientMemory
    ///     - type: Ready
    ///       status: "True"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Node-pressure eviction: <https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/>
    pub struct NodeUnderPressure {
        id: "node-under-pressure",
        category: Status,
        severity: Warning,
        summary: "a node is under memory, disk or PID pressure and evicts pods",
        params: [],
    }
}

const PRESSURES: [(&str, &str, &str); 3] = [
    (
        "MemoryPressure",
        "memory",
        "set memory requests and limits on the pods scheduled there (pods without limits are the first to grow), or move memory-hungry pods away",
    ),
    (
        "DiskPressure",
        "disk",
        "free the node's disk: rotate container logs, prune unused images, give `emptyDir` volumes a `sizeLimit` and ephemeral-storage limits",
    ),
    (
        "PIDPressure",
        "process IDs",
        "find the pod that spawns processes or threads without bound and limit it (`pids` limit of the kubelet, or fix the leak)",
    ),
];

impl Rule for NodeUnderPressure {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if obj.kind != "Node" {
            return;
        }
        let Some(this) = cx.inventory.find(obj.kind, None, obj.name) else {
            return;
        };
        for cond in conditions(obj.status()) {
            let Some((type_, what, help)) =
                PRESSURES.iter().find(|(t, _, _)| *t == cond.type_.value)
            else {
                continue;
            };
            if !cond.is_true() {
                continue;
            }
            let explanation = cond.explanation();
            let since = ago_with(cx, " since", cond.last_transition_time.map(|t| t.value));
            let pods = cx.snapshot().pods_on(obj.name).len();
            let message = format!(
                "{} is low on {what} (`{type_}`{}){since}; the kubelet evicts pods from it ({} bound to it)",
                display(obj),
                if explanation.is_empty() {
                    String::new()
                } else {
                    format!(": {explanation}")
                },
                count(pods, "pod")
            );
            let report = out.report(obj, condition_at(&cond), message).help(*help);
            let (report, _) = relate_pods_on_node(
                report,
                cx,
                obj.name,
                "a pod on this node, which the kubelet may evict",
            );
            relate_events(report, cx, [this], |e| {
                e.reason.is_some_and(|r| {
                    r.value.contains("Pressure")
                        || matches!(
                            r.value,
                            "EvictionThresholdMet"
                                | "FreeDiskSpaceFailed"
                                | "ImageGCFailed"
                                | "OOMKilling"
                        )
                })
            });
        }
    }
}
