use std::collections::BTreeSet;

use faultline_model::scheduling::NodeFacts;
use faultline_syntax::TextRange;

use crate::placement::{Shape, label_at, unplaceable};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks pods and the pod templates of workloads against the Nodes in the input: when
    /// their `nodeSelector` together with their required node affinity
    /// (`requiredDuringSchedulingIgnoredDuringExecution`) matches none of the Nodes, the
    /// finding points at the requirement no node satisfies and lists the values the nodes
    /// carry for that label.
    ///
    /// It runs only when the input holds Nodes, and works before anything is deployed: check
    /// manifests together with a snapshot of the cluster's Nodes
    /// (`kubectl get nodes -o yaml > nodes.yaml; faultline check manifests/ nodes.yaml`).
    /// Pods already bound to a node, DaemonSets (placed on each node by their controller) and
    /// the ReplicaSets of a Deployment in the input (checked through the Deployment) are
    /// skipped; a workload and its pods are one finding.
    ///
    /// ## Why it matters
    /// Such pods stay `Pending` forever (`didn't match Pod's node affinity/selector`). It
    /// happens when a label is misspelled, when nodes are replaced by a pool whose labels
    /// differ (a GPU model, a zone), or when a manifest written for one cluster is applied to
    /// another.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: gpu-node-1
    ///   labels:
    ///     gpu: t4
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: trainer
    ///   namespace: ml
    /// spec:
    ///   replicas: 2
    ///   selector:
    ///     matchLabels:
    ///       app: trainer
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: trainer
    ///     spec:
    ///       nodeSelector:
    ///         gpu: a100
    ///       containers:
    ///         - name: trainer
    ///           image: registry.example.com/ml/trainer:0.9
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A selector the node carries.
    /// apiVersion: v1
    /// kind: Node
    /// metadata:
    ///   name: gpu-node-1
    ///   labels:
    ///     gpu: t4
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: trainer
    ///   namespace: ml
    /// spec:
    ///   replicas: 2
    ///   selector:
    ///     matchLabels:
    ///       app: trainer
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: trainer
    ///     spec:
    ///       nodeSelector:
    ///         gpu: t4
    ///       containers:
    ///         - name: trainer
    ///           image: registry.example.com/ml/trainer:0.9
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Assigning pods to nodes: <https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/>
    pub struct NodeSelectorMatchesNoNode {
        id: "node-selector-matches-no-node",
        category: Scheduling,
        severity: Error,
        summary: "a pod's node selector or required node affinity matches none of the nodes",
        params: [],
    }
}

/// The requirement that rules every node out, and what to say about it.
struct Miss {
    anchor: TextRange,
    /// `nodeSelector `gpu=a100``, `required node affinity `zone In (c)``.
    what: String,
    /// The label key, to list the values nodes have.
    key: Option<String>,
}

/// Values of `key` on `nodes`, sorted: `` `t4`, `v100` ``.
fn values(nodes: &[NodeFacts<'_>], key: &str) -> String {
    let set: BTreeSet<&str> = nodes
        .iter()
        .filter_map(|n| n.labels.get(key).map(String::as_str))
        .collect();
    set.iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn miss(shape: &Shape<'_>, nodes: &[NodeFacts<'_>]) -> Option<Miss> {
    let p = &shape.placement;
    if !p.is_restricted() || nodes.iter().any(|n| p.matches(n)) {
        return None;
    }
    if let Some((node, entries)) = &p.node_selector
        && !nodes.iter().any(|n| p.selector_matches(n))
    {
        // The first entry no node carries, else the combination.
        for (key_node, k, v) in entries {
            if !nodes
                .iter()
                .any(|n| n.labels.get(*k).map(String::as_str) == Some(*v))
            {
                let at = node
                    .entry(k)
                    .map(|(key, val)| key.range().cover(val.range()))
                    .unwrap_or_else(|| key_node.range());
                return Some(Miss {
                    anchor: at,
                    what: format!("nodeSelector `{k}={v}`"),
                    key: Some((*k).to_owned()),
                });
            }
        }
        let all: Vec<String> = entries.iter().map(|(_, k, v)| format!("{k}={v}")).collect();
        return Some(Miss {
            anchor: shape.anchor(&["nodeSelector"]),
            what: format!("nodeSelector `{}`", all.join(",")),
            key: None,
        });
    }
    let (list, terms) = p.required_terms.as_ref()?;
    // A single expression no node satisfies, when there is one.
    for term in terms {
        for r in &term.match_expressions {
            let nobody = !nodes
                .iter()
                .any(|n| r.matches(n.labels.get(r.key).map(String::as_str)));
            if nobody {
                return Some(Miss {
                    anchor: r.node.field_range("key").unwrap_or_else(|| r.node.range()),
                    what: format!("required node affinity `{}`", r.display()),
                    key: Some(r.key.to_owned()),
                });
            }
        }
    }
    let first = terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().chain(&t.match_fields))
        .next();
    Some(Miss {
        anchor: first
            .and_then(|r| r.node.field_range("key"))
            .unwrap_or_else(|| list.range()),
        what: "required node affinity (no node satisfies any of its terms)".to_owned(),
        key: None,
    })
}

impl Rule for NodeSelectorMatchesNoNode {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let (nodes, groups) = unplaceable(cx.inventory, miss);
        for g in groups {
            let (shape, m) = &g.members[0];
            let present = m
                .key
                .as_deref()
                .map(|k| {
                    let v = values(&nodes, k);
                    if v.is_empty() {
                        format!("; no node has the label `{k}`")
                    } else {
                        format!("; `{k}` on the nodes: {v}")
                    }
                })
                .unwrap_or_else(|| "; each label is on some node, but no node has all".to_owned());
            let message = format!(
                "{} can run on none of the {} nodes in the input: {} matches no node{present}",
                g.subject(),
                nodes.len(),
                m.what
            );
            let help = "label the nodes meant for these pods (`kubectl label node <node> key=value`), or change the selector to labels the nodes carry";
            let mut report = out.report(shape.obj, m.anchor, message).help(help);
            for (other, om) in &g.members[1..] {
                report = report.related(other.obj, om.anchor, "also cannot be placed");
            }
            if let Some(k) = m.key.as_deref() {
                for n in nodes.iter().filter(|n| n.labels.contains_key(k)).take(3) {
                    let at = label_at(n, k).map_or(n.object.kind_range(), |l| l.range());
                    let v = n.labels.get(k).map_or("", String::as_str);
                    report = report.related(&n.object, at, format!("this node has `{k}={v}`"));
                }
            }
        }
    }
}
