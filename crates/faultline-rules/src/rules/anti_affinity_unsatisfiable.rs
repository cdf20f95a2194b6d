use std::collections::BTreeSet;

use faultline_model::scheduling::{NodeFacts, UNSCHEDULABLE_TAINT, labels_of};
use faultline_model::selectors::parse_label_selector;
use faultline_model::workload::Workload;
use faultline_syntax::NodeRef;

use crate::placement::{Shape, nodes, shapes};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks workloads with a required pod anti-affinity against their own labels (replicas
    /// that must not share a topology domain, usually a node: `topologyKey:
    /// kubernetes.io/hostname`) against the Nodes in the input: when the workload wants more
    /// replicas than there are domains, the extra replicas can never be scheduled. Domains are
    /// the distinct values of the topology key among the eligible nodes: those the pod's
    /// selector and required affinity allow and whose taints it tolerates. A cordoned node
    /// (`spec.unschedulable`) is not eligible unless the pod tolerates
    /// `node.kubernetes.io/unschedulable`; the finding lists the cordoned nodes it would take.
    ///
    /// It runs only when the input holds Nodes. A term is checked when its label selector
    /// matches the workload's own pod labels in its own namespace (no `namespaces`, or its own
    /// listed, or `namespaceSelector: {}`); when an eligible node lacks the topology key the
    /// scheduler does not count it against the term, so nothing is reported. Deployments,
    /// StatefulSets, ReplicaSets and ReplicationControllers are checked, with `spec.replicas`
    /// (default 1).
    ///
    /// ## Why it matters
    /// The surplus replicas stay `Pending` (`didn't match pod anti-affinity rules`); during a
    /// rolling update with surge, even a deployment that fits can stall because the new pod
    /// has nowhere to go. Scaling up before adding nodes has the same effect.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-1
    ///   labels:
    ///     kubernetes.io/hostname: node-1
    /// ---
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-2
    ///   labels:
    ///     kubernetes.io/hostname: node-2
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: cache
    ///   namespace: shop
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: cache
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: cache
    ///     spec:
    ///       affinity:
    ///         podAntiAffinity:
    ///           requiredDuringSchedulingIgnoredDuringExecution:
    ///             - labelSelector:
    ///                 matchLabels:
    ///                   app: cache
    ///               topologyKey: kubernetes.io/hostname
    ///       containers:
    ///         - name: cache
    ///           image: redis:7
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # As many replicas as nodes (or a preferred anti-affinity).
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-1
    ///   labels:
    ///     kubernetes.io/hostname: node-1
    /// ---
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: node-2
    ///   labels:
    ///     kubernetes.io/hostname: node-2
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: cache
    ///   namespace: shop
    /// spec:
    ///   replicas: 2
    ///   selector:
    ///     matchLabels:
    ///       app: cache
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: cache
    ///     spec:
    ///       affinity:
    ///         podAntiAffinity:
    ///           requiredDuringSchedulingIgnoredDuringExecution:
    ///             - labelSelector:
    ///                 matchLabels:
    ///                   app: cache
    ///               topologyKey: kubernetes.io/hostname
    ///       containers:
    ///         - name: cache
    ///           image: redis:7
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Inter-pod affinity and anti-affinity: <https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity>
    pub struct AntiAffinityUnsatisfiable {
        id: "anti-affinity-unsatisfiable",
        category: Scheduling,
        severity: Error,
        summary: "a required pod anti-affinity allows fewer replicas than the workload wants",
        params: [],
    }
}

const KINDS: [&str; 4] = [
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

/// Whether the term applies to pods of `namespace` (the workload's own).
fn covers_own_namespace(term: NodeRef<'_>, namespace: &str) -> bool {
    let listed: Vec<&str> = term
        .get("namespaces")
        .into_iter()
        .flat_map(|n| n.items())
        .filter_map(|n| n.scalar_text())
        .collect();
    match term.get("namespaceSelector").filter(|n| !n.is_null()) {
        // `{}` selects every namespace; a selector with labels would need the Namespace
        // objects, so only a listed namespace counts then.
        Some(sel) => (sel.is_map() && sel.is_empty()) || listed.contains(&namespace),
        None => listed.is_empty() || listed.contains(&namespace),
    }
}

impl Rule for AntiAffinityUnsatisfiable {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let nodes = nodes(cx.inventory);
        if nodes.is_empty() {
            return;
        }
        for shape in shapes(cx.inventory)
            .iter()
            .filter(|s| KINDS.contains(&s.obj.kind))
        {
            check(shape, &nodes, out);
        }
    }
}

fn check(shape: &Shape<'_>, nodes: &[NodeFacts<'_>], out: &mut Sink<'_>) {
    let obj = shape.obj;
    let Some(desired) = Workload::of(obj).and_then(|w| w.desired_replicas()) else {
        return;
    };
    let replicas = desired.value;
    if replicas < 2 {
        return;
    }
    let labels = labels_of(shape.template.metadata);
    let namespace = obj.namespace.unwrap_or("default");
    // The nodes the pods may run on, computed at the first term that needs them: most pods
    // have no required anti-affinity, and this scan costs pods × nodes.
    let mut eligible: Option<Vec<&NodeFacts<'_>>> = None;
    let terms = shape
        .template
        .spec
        .path(&[
            "affinity",
            "podAntiAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
        ])
        .into_iter()
        .flat_map(|t| t.items())
        .filter(|t| t.is_map());
    for term in terms {
        let Some(key) = term
            .get("topologyKey")
            .and_then(|k| k.as_str())
            .filter(|k| !k.is_empty())
        else {
            continue;
        };
        let Some(selector) = term.get("labelSelector").filter(|s| s.is_map()) else {
            continue;
        };
        let parsed = parse_label_selector(selector);
        if !parsed.is_valid()
            || !parsed.selector.matches(&labels)
            || !covers_own_namespace(term, namespace)
        {
            continue;
        }
        let eligible = eligible.get_or_insert_with(|| {
            nodes
                .iter()
                .filter(|n| shape.placement.matches(n) && shape.placement.untolerated(n).is_empty())
                .collect()
        });
        if eligible.is_empty() {
            return;
        }
        if eligible.iter().any(|n| !n.labels.contains_key(key)) {
            continue;
        }
        let domains: BTreeSet<&str> = eligible
            .iter()
            .filter_map(|n| n.labels.get(key).map(String::as_str))
            .collect();
        let room = domains.len() as i64;
        if replicas <= room {
            continue;
        }
        let shown: Vec<String> = domains.iter().take(5).map(|d| format!("`{d}`")).collect();
        let message = format!(
            "{} wants {replicas} replicas, but its required pod anti-affinity on `{key}` allows one per domain and the {} it may run on have {room} distinct {}: {}{}; {} can never be scheduled",
            crate::evidence::display(obj),
            crate::evidence::count(eligible.len(), "node"),
            if room == 1 { "value" } else { "values" },
            shown.join(", "),
            if domains.len() > 5 { ", …" } else { "" },
            crate::evidence::count((replicas - room) as usize, "replica"),
        );
        let at = term
            .field_range("topologyKey")
            .unwrap_or_else(|| term.range());
        let mut report = out.report(obj, at, message).help(format!(
            "lower `replicas` to {room}, add nodes in more `{key}` domains, or make the anti-affinity `preferredDuringSchedulingIgnoredDuringExecution`"
        ));
        if let Some(node) = desired.node {
            report = report.related(obj, node.range(), "the replicas it wants");
        }
        // Nodes the pod would take but for their cordon: draining them is what removed room.
        let cordoned = nodes.iter().filter(|n| {
            let untolerated = shape.placement.untolerated(n);
            shape.placement.matches(n)
                && n.labels.contains_key(key)
                && !untolerated.is_empty()
                && untolerated.iter().all(|t| t.key == UNSCHEDULABLE_TAINT)
        });
        for n in cordoned.take(3) {
            if let Some(t) = n.taints.iter().find(|t| t.key == UNSCHEDULABLE_TAINT) {
                report = report.related(
                    &n.object,
                    t.node.range(),
                    format!("node `{}` is cordoned: it takes no new pods", n.name),
                );
            }
        }
    }
}
