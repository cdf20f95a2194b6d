use faultline_model::Object;
use faultline_model::status::conditions;

use crate::evidence::{ago_with, condition_at, count, display, relate_events, relate_pods_on_node};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Nodes whose `Ready` condition is not `True`: `False` (the kubelet reports a
    /// problem, such as `KubeletNotReady` with a container runtime or network plugin that is
    /// not ready) or `Unknown` (`NodeStatusUnknown`: the kubelet stopped reporting). The pods
    /// bound to the node are listed as related, with the node's Events.
    ///
    /// Only Nodes that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// The scheduler places nothing new on the node, and after five minutes (the default
    /// toleration of the `node.kubernetes.io/not-ready` and `unreachable` taints) its pods are
    /// evicted. Pods of a StatefulSet on an unreachable node are not replaced until the node
    /// is confirmed gone, so a single NotReady node can stall a database.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-5
    /// status:
    ///   conditions:
    ///     - type: Ready
    ///       status: "Unknown"
    ///       reason: NodeStatusUnknown
    ///       message: Kubelet stopped posting node status.
    ///       lastTransitionTime: "2024-05-01T11:48:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A node whose kubelet reports ready.
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-5
    /// status:
    ///   conditions:
    ///     - type: Ready
    ///       status: "True"
    ///       reason: KubeletReady
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Node status: <https://kubernetes.io/docs/reference/node/node-status/#condition>
    /// - Taint-based evictions: <https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions>
    pub struct NodeNotReady {
        id: "node-not-ready",
        category: Status,
        severity: Error,
        summary: "a node is not ready",
        params: [],
    }
}

impl Rule for NodeNotReady {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if obj.kind != "Node" {
            return;
        }
        let conds = conditions(obj.status());
        let Some(ready) = conds
            .iter()
            .find(|c| c.type_.value == "Ready" && !c.is_true())
        else {
            return;
        };
        let status = ready.status.map_or("missing", |s| s.value);
        let explanation = ready.explanation();
        let since = ago_with(cx, " since", ready.last_transition_time.map(|t| t.value));
        let message = format!(
            "{} is not ready (`Ready` is `{status}`{}){since}",
            display(obj),
            if explanation.is_empty() {
                String::new()
            } else {
                format!(": {explanation}")
            }
        );
        let help = if status == "Unknown" {
            "the kubelet stopped reporting: check that the machine is up and reachable and that the kubelet runs (`systemctl status kubelet`, `journalctl -u kubelet`)"
        } else {
            "fix what the kubelet reports (container runtime, network plugin, disk, certificates): `journalctl -u kubelet` on the node; cordon and drain it if it cannot be fixed quickly"
        };
        let report = out.report(obj, condition_at(ready), message).help(help);
        let (report, pods) = relate_pods_on_node(
            report,
            cx,
            obj.name,
            "a pod on this node, evicted once the not-ready toleration (300s by default) runs out",
        );
        let Some(this) = cx.inventory.find(obj.kind, None, obj.name) else {
            return;
        };
        let report = if pods > 0 {
            report.related(
                this,
                this.kind_range(),
                format!("{} bound to this node", count(pods, "pod")),
            )
        } else {
            report
        };
        relate_events(report, cx, [this], |e| {
            e.type_ == Some("Warning")
                || e.reason
                    .is_some_and(|r| r.value.starts_with("NodeNotReady"))
        });
    }
}
