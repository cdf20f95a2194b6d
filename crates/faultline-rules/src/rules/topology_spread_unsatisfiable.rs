use std::collections::BTreeSet;

use faultline_diagnostics::Severity;

use faultline_model::scheduling::{NodeFacts, SpreadConstraint, UNSCHEDULABLE_TAINT, labels_of};
use faultline_model::selectors::parse_label_selector;
use faultline_model::status::controller_of;
use faultline_model::workload::Workload;
use faultline_syntax::TextRange;

use crate::evidence::count;
use crate::placement::{Shape, label_at, nodes, shapes};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the `topologySpreadConstraints` with `whenUnsatisfiable: DoNotSchedule` of pods
    /// and workload templates against the Nodes in the input. The eligible
    /// nodes are those the pod's `nodeSelector` and required node affinity allow and whose
    /// taints it tolerates (a cordoned node, `spec.unschedulable`, is tainted
    /// `node.kubernetes.io/unschedulable:NoSchedule`). It reports:
    ///
    /// - a `topologyKey` that none of the eligible nodes carries (error): the scheduler puts no
    ///   pod of such a constraint on a node without the key, so the pod is never scheduled;
    /// - a `topologyKey` that only some eligible nodes carry (warning): the pods are confined to
    ///   the others;
    /// - a `maxSkew` the workload's replicas cannot meet (error). The domains that count in the
    ///   skew are the values of the key on the nodes the inclusion policies admit:
    ///   `nodeAffinityPolicy` (default `Honor`: the nodes the pod's selector and affinity match)
    ///   and `nodeTaintsPolicy` (default `Ignore`: tainted and cordoned nodes count too). When
    ///   a domain counts but none of the pods can go there, or when there are fewer domains
    ///   than `minDomains`, the global minimum stays 0, so each domain the pods can reach takes
    ///   at most `maxSkew` of them; replicas beyond that stay `Pending`.
    ///
    /// It runs only when the input holds Nodes. The replica check applies to Deployments,
    /// StatefulSets, ReplicaSets and ReplicationControllers (`spec.replicas`, default 1) whose
    /// constraint's `labelSelector` matches their own pod labels. Pods already bound to a node,
    /// pods whose controller is in the input, and DaemonSets are skipped.
    ///
    /// ## Why it matters
    /// A zone spread written for a cloud cluster, applied where nodes have no
    /// `topology.kubernetes.io/zone` label, leaves every pod `Pending` (`didn't match pod
    /// topology spread constraints (missing required label)`). A zone whose nodes are all
    /// cordoned for an upgrade, or tainted for another team, still counts in the skew with
    /// zero pods: with `maxSkew: 1` the other zones take one pod each and the rest of the
    /// rollout hangs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-a
    ///   labels:
    ///     topology.kubernetes.io/zone: a
    /// ---
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-b
    ///   labels:
    ///     topology.kubernetes.io/zone: b
    /// spec:
    ///   unschedulable: true
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
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
    ///       topologySpreadConstraints:
    ///         - maxSkew: 1
    ///           topologyKey: topology.kubernetes.io/zone
    ///           whenUnsatisfiable: DoNotSchedule
    ///           labelSelector:
    ///             matchLabels:
    ///               app: api
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:1.4
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A soft spread: the scheduler prefers balance but places every replica.
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-a
    ///   labels:
    ///     topology.kubernetes.io/zone: a
    /// ---
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-b
    ///   labels:
    ///     topology.kubernetes.io/zone: b
    /// spec:
    ///   unschedulable: true
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
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
    ///       topologySpreadConstraints:
    ///         - maxSkew: 1
    ///           topologyKey: topology.kubernetes.io/zone
    ///           whenUnsatisfiable: ScheduleAnyway
    ///           labelSelector:
    ///             matchLabels:
    ///               app: api
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:1.4
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Pod topology spread constraints: <https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/>
    pub struct TopologySpreadUnsatisfiable {
        id: "topology-spread-unsatisfiable",
        category: Scheduling,
        severity: Error,
        summary: "a DoNotSchedule topology spread constraint that the nodes cannot satisfy",
        params: [],
    }
}

const KINDS: [&str; 4] = [
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

impl Rule for TopologySpreadUnsatisfiable {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let nodes = nodes(cx.inventory);
        if nodes.is_empty() {
            return;
        }
        for shape in shapes(cx.inventory) {
            // A pod whose controller is in the input is checked through its controller.
            if shape.obj.kind == "Pod"
                && controller_of(shape.obj).is_some_and(|o| {
                    cx.inventory
                        .find(o.kind, shape.obj.namespace, o.name)
                        .is_some()
                })
            {
                continue;
            }
            check(cx, &shape, &nodes, out);
        }
    }
}

/// Where a node's labels are written, for a related location.
fn labels_range(node: &NodeFacts<'_>) -> TextRange {
    node.object
        .node
        .path(&["metadata", "labels"])
        .map_or_else(|| node.object.kind_range(), |l| l.range())
}

/// `` `a`, `b`, `c`, … ``: at most five names.
fn listed<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    let all: Vec<&str> = names.into_iter().collect();
    let mut shown: Vec<String> = all.iter().take(5).map(|n| format!("`{n}`")).collect();
    if all.len() > 5 {
        shown.push("…".to_owned());
    }
    shown.join(", ")
}

fn check(cx: &Context<'_>, shape: &Shape<'_>, nodes: &[NodeFacts<'_>], out: &mut Sink<'_>) {
    let hard: Vec<SpreadConstraint<'_>> = SpreadConstraint::all(shape.template.spec)
        .into_iter()
        .filter(|c| c.hard && !c.topology_key.is_empty())
        .collect();
    if hard.is_empty() {
        return;
    }
    let p = &shape.placement;
    let eligible: Vec<&NodeFacts<'_>> = nodes
        .iter()
        .filter(|n| p.matches(n) && p.untolerated(n).is_empty())
        .collect();
    // No eligible node at all is what the selector and taint rules report.
    if eligible.is_empty() {
        return;
    }
    let obj = shape.obj;
    let may_run = count(eligible.len(), "node");
    let key_at = |c: &SpreadConstraint<'_>| {
        c.node
            .field_range("topologyKey")
            .unwrap_or_else(|| c.node.range())
    };
    let lacking = |key: &str| -> Vec<&NodeFacts<'_>> {
        eligible
            .iter()
            .copied()
            .filter(|n| !n.labels.contains_key(key))
            .collect()
    };
    for c in &hard {
        let key = c.topology_key;
        if lacking(key).len() < eligible.len() {
            continue;
        }
        let message = format!(
            "none of the {may_run} this pod may run on has the label `{key}`: the scheduler places no pod of a `DoNotSchedule` spread constraint on a node without its topology key, so the pod can never be scheduled"
        );
        let mut report = out.report(obj, key_at(c), message).help(format!(
            "label the nodes with `{key}`, spread over a key they carry (`kubernetes.io/hostname`), or make the constraint `whenUnsatisfiable: ScheduleAnyway`"
        ));
        for n in eligible.iter().take(3) {
            report = report.related(
                &n.object,
                labels_range(n),
                format!("node `{}` has no `{key}` label", n.name),
            );
        }
        return;
    }
    // The nodes the pods can go to: eligible, with every hard constraint's key.
    let has_keys = |n: &NodeFacts<'_>| hard.iter().all(|c| n.labels.contains_key(c.topology_key));
    let placeable: Vec<&NodeFacts<'_>> = eligible.iter().copied().filter(|n| has_keys(n)).collect();
    if placeable.is_empty() {
        let keys: Vec<&str> = hard.iter().map(|c| c.topology_key).collect();
        let message = format!(
            "each topology key is on some of the {may_run} this pod may run on, but none has all of them ({}): the pod can never be scheduled",
            listed(keys)
        );
        let at = shape.anchor(&["topologySpreadConstraints"]);
        out.report(obj, at, message).help(
            "label the nodes with every topology key, or make all but one constraint `whenUnsatisfiable: ScheduleAnyway`",
        );
        return;
    }
    for c in &hard {
        let key = c.topology_key;
        let lacking = lacking(key);
        if lacking.is_empty() {
            continue;
        }
        let message = format!(
            "{} of the {may_run} this pod may run on {} the label `{key}` ({}): the scheduler never places a pod of a `DoNotSchedule` spread constraint there, so the pods are confined to the other {}",
            lacking.len(),
            if lacking.len() == 1 { "lacks" } else { "lack" },
            listed(lacking.iter().map(|n| n.name)),
            count(eligible.len() - lacking.len(), "node"),
        );
        let mut report = out
            .report(obj, key_at(c), message)
            .severity(Severity::Warning)
            .help(format!(
                "label those nodes with `{key}`, or keep the pods off them with a node selector or affinity"
            ));
        for n in lacking.iter().take(3) {
            report = report.related(
                &n.object,
                labels_range(n),
                format!("node `{}` has no `{key}` label", n.name),
            );
        }
    }
    if KINDS.contains(&obj.kind) {
        check_skew(cx, shape, nodes, &hard, &placeable, out);
    }
}

/// Why `node`, in a domain that counts, takes none of the pods.
fn why_not(shape: &Shape<'_>, node: &NodeFacts<'_>) -> (TextRange, String) {
    let p = &shape.placement;
    if !p.matches(node) {
        return (
            labels_range(node),
            format!(
                "node `{}` does not match the pod's node selector or affinity, but counts (`nodeAffinityPolicy: Ignore`)",
                node.name
            ),
        );
    }
    match p.untolerated(node).first() {
        Some(t) if t.key == UNSCHEDULABLE_TAINT => {
            (t.node.range(), format!("node `{}` is cordoned", node.name))
        }
        Some(t) => (
            t.node.range(),
            format!(
                "node `{}` has the taint `{}`, which the pod does not tolerate",
                node.name,
                t.display()
            ),
        ),
        None => (
            labels_range(node),
            format!(
                "node `{}` lacks another constraint's topology key",
                node.name
            ),
        ),
    }
}

fn check_skew(
    cx: &Context<'_>,
    shape: &Shape<'_>,
    nodes: &[NodeFacts<'_>],
    hard: &[SpreadConstraint<'_>],
    placeable: &[&NodeFacts<'_>],
    out: &mut Sink<'_>,
) {
    let obj = shape.obj;
    let Some(desired) = Workload::of(obj).and_then(|w| w.desired_replicas()) else {
        return;
    };
    let replicas = desired.value;
    if replicas < 2 {
        return;
    }
    let labels = labels_of(shape.template.metadata);
    let p = &shape.placement;
    let has_keys = |n: &NodeFacts<'_>| hard.iter().all(|c| n.labels.contains_key(c.topology_key));
    for c in hard {
        let (Some(skew), Some(selector)) = (c.max_skew, c.label_selector) else {
            continue;
        };
        let parsed = parse_label_selector(selector);
        if !parsed.is_valid() || !parsed.selector.matches(&labels) {
            continue;
        }
        let key = c.topology_key;
        fn value<'n>(n: &'n NodeFacts<'_>, key: &str) -> &'n str {
            n.labels.get(key).map(String::as_str).unwrap_or("")
        }
        let counted: Vec<&NodeFacts<'_>> = nodes
            .iter()
            .filter(|n| has_keys(n) && c.counts(p, n))
            .collect();
        let domains: BTreeSet<&str> = counted.iter().map(|n| value(n, key)).collect();
        let reachable: BTreeSet<&str> = placeable.iter().map(|n| value(n, key)).collect();
        let stuck: Vec<&str> = domains.difference(&reachable).copied().collect();
        let few = c.min_domains.filter(|m| (domains.len() as i64) < *m);
        // In a snapshot, a pod of the workload still running in a domain that takes no new
        // pods (placed there before a cordon or taint) lifts the global minimum above 0: the
        // counts are then not what this check assumes, so it says nothing.
        let occupied = |d: &str| {
            counted.iter().filter(|n| value(n, key) == d).any(|n| {
                cx.snapshot().pods_on(n.name).iter().any(|id| {
                    let pod = cx.inventory.get(*id);
                    pod.namespace == obj.namespace
                        && parsed.selector.matches(&labels_of(pod.metadata()))
                })
            })
        };
        if stuck.iter().any(|d| occupied(d)) {
            continue;
        }
        if stuck.is_empty() && few.is_none() {
            continue;
        }
        let room = skew.saturating_mul(reachable.len() as i64);
        if replicas <= room {
            continue;
        }
        let reach = format!(
            "{} the pods can reach ({})",
            count(reachable.len(), "domain"),
            listed(reachable.iter().copied())
        );
        let cause = match few {
            Some(m) if stuck.is_empty() => format!(
                "the nodes give only {} of `{key}`, fewer than `minDomains: {m}`, so the global minimum is 0",
                count(domains.len(), "domain")
            ),
            _ => format!(
                "{} {} in the skew but can take none of its pods, so the global minimum stays 0",
                listed(stuck.iter().copied()),
                if stuck.len() == 1 { "counts" } else { "count" }
            ),
        };
        let message = format!(
            "{replicas} replicas cannot meet `maxSkew: {skew}` on `{key}`: {cause}, and each of the {reach} takes at most {skew}; {} can never be scheduled",
            count((replicas - room) as usize, "replica")
        );
        let help = if stuck.is_empty() {
            format!(
                "add nodes in more `{key}` domains, lower `minDomains`, lower `replicas` to {room}, or raise `maxSkew`"
            )
        } else {
            format!(
                "uncordon or add nodes the pods can use in {}, set `nodeTaintsPolicy: Honor` so tainted nodes do not count, raise `maxSkew`, or lower `replicas` to {room}",
                listed(stuck.iter().copied())
            )
        };
        let at = c
            .node
            .field_range("maxSkew")
            .unwrap_or_else(|| c.node.range());
        let mut report = out.report(obj, at, message).help(help);
        if let Some(node) = desired.node {
            report = report.related(obj, node.range(), "the replicas it wants");
        }
        if let Some(m) = c.node.get("minDomains").filter(|_| few.is_some()) {
            report = report.related(obj, m.range(), "the domains it requires");
        }
        for d in stuck.iter().take(3) {
            if let Some(n) = counted.iter().find(|n| value(n, key) == *d) {
                let (range, why) = why_not(shape, n);
                report = report.related(&n.object, range, format!("`{key}={d}`: {why}"));
            }
        }
        for n in placeable.iter().take(3) {
            if let Some(l) = label_at(n, key) {
                report = report.related(
                    &n.object,
                    l.range(),
                    format!("node `{}` is in `{key}={}`", n.name, value(n, key)),
                );
            }
        }
    }
}
