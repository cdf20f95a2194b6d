use faultline_model::scheduling::{NodeFacts, Taint};
use faultline_syntax::TextRange;

use crate::placement::{Shape, unplaceable};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks pods and the pod templates of workloads against the Nodes in the input: when
    /// every node their selector and required affinity allow has a `NoSchedule` or `NoExecute`
    /// taint they do not tolerate, the finding lists the taints and points at the pod's
    /// `tolerations` (or, without any, at what restricts it to those nodes).
    ///
    /// Tolerations are matched exactly as the API does: the effect must be empty or equal, the
    /// key empty or equal, and the operator `Exists`, or `Equal` (the default) with an equal
    /// value; an empty key with `Exists` tolerates everything. `PreferNoSchedule` taints are
    /// ignored, a cordoned node (`spec.unschedulable`) counts as tainted
    /// `node.kubernetes.io/unschedulable:NoSchedule`, and the `not-ready`/`unreachable`
    /// tolerations every pod receives at admission are assumed.
    ///
    /// It runs only when the input holds Nodes, so it works on manifests checked together with
    /// a snapshot of the Nodes. Pods already bound to a node and DaemonSets are skipped; a
    /// workload and its pods are one finding. When no node matches the selector at all,
    /// `node-selector-matches-no-node` reports it instead.
    ///
    /// ## Why it matters
    /// The pods stay `Pending` (`node(s) had untolerated taint`). Dedicated node pools
    /// (GPU, spot, system) are tainted so that only workloads that ask for them land there; a
    /// workload pinned to such a pool by its selector but missing the toleration never runs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: gpu-node-1
    ///   labels:
    ///     pool: gpu
    /// spec:
    ///   taints:
    ///     - key: dedicated
    ///       value: gpu
    ///       effect: NoSchedule
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: trainer
    ///   namespace: ml
    /// spec:
    ///   nodeSelector:
    ///     pool: gpu
    ///   containers:
    ///     - name: trainer
    ///       image: registry.example.com/ml/trainer:0.9
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The pod tolerates the pool's taint.
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: gpu-node-1
    ///   labels:
    ///     pool: gpu
    /// spec:
    ///   taints:
    ///     - key: dedicated
    ///       value: gpu
    ///       effect: NoSchedule
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: trainer
    ///   namespace: ml
    /// spec:
    ///   nodeSelector:
    ///     pool: gpu
    ///   tolerations:
    ///     - key: dedicated
    ///       operator: Equal
    ///       value: gpu
    ///       effect: NoSchedule
    ///   containers:
    ///     - name: trainer
    ///       image: registry.example.com/ml/trainer:0.9
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Taints and tolerations: <https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/>
    pub struct TaintNotTolerated {
        id: "taint-not-tolerated",
        category: Scheduling,
        severity: Error,
        summary: "every node a pod may run on has a taint the pod does not tolerate",
        params: [],
    }
}

/// The nodes a shape may run on, each with the first taint it does not tolerate.
fn blocked<'n, 'a>(
    shape: &Shape<'a>,
    nodes: &'n [NodeFacts<'a>],
) -> Option<Vec<(&'n NodeFacts<'a>, Taint<'a>)>> {
    // Stops at the first node the pod may run on and tolerates: most pods have one early, so
    // this does not cost pods × nodes.
    let mut blocked = Vec::new();
    for n in nodes.iter().filter(|n| shape.placement.matches(n)) {
        let first = *shape.placement.untolerated(n).first()?;
        blocked.push((n, *first));
    }
    (!blocked.is_empty()).then_some(blocked)
}

impl Rule for TaintNotTolerated {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let (_, groups) = unplaceable(cx.inventory, |s, nodes| {
            let blocked = blocked(s, nodes)?;
            Some(
                blocked
                    .into_iter()
                    .map(|(n, t)| (n.object, t))
                    .collect::<Vec<_>>(),
            )
        });
        for g in groups {
            let (shape, taints) = &g.members[0];
            let anchor = |s: &Shape<'_>| -> TextRange {
                s.anchor(&["tolerations", "nodeSelector", "affinity", "containers"])
            };
            let listed: Vec<String> = taints
                .iter()
                .take(5)
                .map(|(node, t)| format!("{} `{}`", node.name, t.display()))
                .collect();
            let more = taints.len().saturating_sub(5);
            let message = format!(
                "{} does not tolerate the taints of any of the {} it may run on: {}{}",
                g.subject(),
                if taints.len() == 1 {
                    "1 node".to_owned()
                } else {
                    format!("{} nodes", taints.len())
                },
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            let (_, first) = taints[0];
            let help = format!(
                "if the pods belong on those nodes, add a toleration (`{{key: {}, operator: {}, effect: {}}}`); otherwise point the selector at nodes without the taint",
                first.key,
                if first.value.is_empty() {
                    "Exists".to_owned()
                } else {
                    format!("Equal, value: {}", first.value)
                },
                first.effect
            );
            let mut report = out.report(shape.obj, anchor(shape), message).help(help);
            for (other, _) in &g.members[1..] {
                report = report.related(other.obj, anchor(other), "also cannot be placed");
            }
            for (node, t) in taints.iter().take(5) {
                report = report.related(
                    node,
                    t.node.range(),
                    format!("taint `{}` is not tolerated", t.display()),
                );
            }
        }
    }
}
