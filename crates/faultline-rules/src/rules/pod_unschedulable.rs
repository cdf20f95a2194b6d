use crate::evidence::{
    ago_with, condition_at as anchor, group_by_owner, pods_with, relate_events, relate_group,
    shorten,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods the scheduler could not place: a `PodScheduled` condition with status
    /// `False` (reason `Unschedulable`), quoting the scheduler's reason (`0/6 nodes are
    /// available: 3 Insufficient memory, 3 node(s) had untolerated taint …`). The replicas of
    /// one workload are one finding, with the `FailedScheduling` Events as evidence.
    ///
    /// Only objects that carry a `status` are looked at; for manifests checked against the
    /// Nodes of a snapshot, see `node-selector-matches-no-node`, `taint-not-tolerated` and
    /// `anti-affinity-unsatisfiable`.
    ///
    /// ## Why it matters
    /// A pending pod runs nowhere: a rollout stalls, a scale-out adds nothing. The scheduler's
    /// message names the filter that failed on each node: resources (`Insufficient cpu`),
    /// placement (`didn't match Pod's node affinity/selector`), taints, volumes (`unbound
    /// immediate PersistentVolumeClaims`, `volume node affinity conflict`), or pod
    /// (anti-)affinity.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: trainer-0
    ///   namespace: ml
    /// spec:
    ///   nodeSelector:
    ///     gpu: a100
    ///   containers:
    ///     - name: trainer
    ///       image: registry.example.com/ml/trainer:0.9
    /// status:
    ///   phase: Pending
    ///   conditions:
    ///     - type: PodScheduled
    ///       status: "False"
    ///       reason: Unschedulable
    ///       message: "0/6 nodes are available: 6 node(s) didn't match Pod's node affinity/selector."
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A selector that nodes carry; the pod is scheduled.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: trainer-0
    ///   namespace: ml
    /// spec:
    ///   nodeSelector:
    ///     gpu: t4
    ///   containers:
    ///     - name: trainer
    ///       image: registry.example.com/ml/trainer:0.9
    /// status:
    ///   phase: Running
    ///   conditions:
    ///     - type: PodScheduled
    ///       status: "True"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Assigning pods to nodes: <https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/>
    /// - Taints and tolerations: <https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/>
    pub struct PodUnschedulable {
        id: "pod-unschedulable",
        category: Status,
        severity: Error,
        summary: "the scheduler cannot place a pod on any node",
        params: [],
    }
}

/// What to change, from the scheduler's message.
fn help(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let mut steps = Vec::new();
    if m.contains("insufficient") {
        steps.push("lower the pod's resource requests or add node capacity");
    }
    if m.contains("node affinity") || m.contains("node selector") {
        steps.push("make `nodeSelector`/node affinity match labels that nodes have");
    }
    if m.contains("taint") {
        steps.push("add a toleration for the nodes' taints, or schedule elsewhere");
    }
    if m.contains("persistentvolumeclaim") || m.contains("volume") {
        steps.push("bind the pod's PersistentVolumeClaims (see `pvc-pending`) or fix the volume's node affinity");
    }
    if m.contains("anti-affinity") || m.contains("pod affinity") {
        steps.push("relax the required pod (anti-)affinity or add nodes in more topology domains");
    }
    if m.contains("unschedulable") && steps.is_empty() {
        steps.push("uncordon nodes (`kubectl uncordon`) or add nodes");
    }
    if steps.is_empty() {
        "read the scheduler's message and change the constraint it names".to_owned()
    } else {
        steps.join("; ")
    }
}

impl Rule for PodUnschedulable {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let found = pods_with(cx, |pod| {
            pod.condition("PodScheduled")
                .filter(|c| c.is_false())
                .copied()
        });
        for group in group_by_owner(cx.inventory, found) {
            let (first, cond) = &group.members[0];
            let said = cond.message.map_or("", |m| m.value);
            let reason = cond.reason.map_or("Unschedulable", |r| r.value);
            let verb = if group.members.len() > 1 { "are" } else { "is" };
            let since = ago_with(cx, " since", cond.last_transition_time.map(|t| t.value));
            let message = format!(
                "{} {verb} not scheduled (`{reason}`{since}){}",
                group.subject(),
                if said.is_empty() {
                    String::new()
                } else {
                    format!(": {}", shorten(said, 300))
                }
            );
            let report = out.report(first, anchor(cond), message).help(help(said));
            let report = relate_group(report, &group, anchor, |c| {
                format!(
                    "also not scheduled: {}",
                    shorten(c.message.map_or("", |m| m.value), 120)
                )
            });
            relate_events(report, cx, group.objects(), |e| {
                e.reason
                    .is_some_and(|r| matches!(r.value, "FailedScheduling" | "NotTriggerScaleUp"))
            });
        }
    }
}
