//! Shared by the scheduling rules: the pod shapes still to be placed (pods not bound to a node,
//! and the pod templates of workloads), the Nodes of the input, and grouping a workload with
//! its pods.

use faultline_model::kinds;
use faultline_model::pod::PodTemplate;
use faultline_model::scheduling::{NodeFacts, Placement};
use faultline_model::status::controller_of;
use faultline_model::{Inventory, Object};
use faultline_syntax::{NodeRef, TextRange};

use crate::evidence::{Owner, group_in_order, workload_key};

/// A pod or pod template the scheduler has yet to place.
#[derive(Debug)]
pub(crate) struct Shape<'a> {
    pub obj: &'a Object<'a>,
    pub template: PodTemplate<'a>,
    pub placement: Placement<'a>,
}

impl<'a> Shape<'a> {
    /// Where a finding about a missing setting of the pod spec points: the first of `keys`
    /// that is written, else the spec's first field.
    pub fn anchor(&self, keys: &[&str]) -> TextRange {
        keys.iter()
            .find_map(|k| self.template.spec.entry(k).map(|(key, _)| key.range()))
            .or_else(|| self.template.spec.entries().next().map(|(k, _)| k.range()))
            .unwrap_or_else(|| self.obj.kind_range())
    }
}

/// The Nodes of the input.
pub(crate) fn nodes<'a>(inventory: &'a Inventory<'a>) -> Vec<NodeFacts<'a>> {
    inventory
        .of_kind("Node")
        .filter_map(NodeFacts::of)
        .collect()
}

/// Whether `obj` is managed by a controller that is itself in the input and carries the same
/// template (a Deployment's ReplicaSet, a CronJob's Job): the controller is checked instead.
fn managed_by_present(inventory: &Inventory<'_>, obj: &Object<'_>) -> bool {
    controller_of(obj).is_some_and(|o| inventory.find(o.kind, obj.namespace, o.name).is_some())
}

/// Every pod shape to place, in input order: Pods with no `spec.nodeName` that have not
/// finished, and the templates of workloads. DaemonSets and their pods are left out: the
/// DaemonSet controller places them on each node itself, with tolerations of its own.
pub(crate) fn shapes<'a>(inventory: &'a Inventory<'a>) -> Vec<Shape<'a>> {
    inventory
        .objects
        .iter()
        .filter(|obj| kinds::pod_template_path(obj.kind).is_some() || obj.kind == "Pod")
        .filter(|obj| obj.kind != "DaemonSet" && obj.kind != "PodTemplate")
        .filter(|obj| match obj.kind {
            "Pod" => {
                let spec = obj.spec();
                let bound = spec
                    .and_then(|s| s.get("nodeName"))
                    .and_then(|n| n.scalar_text())
                    .is_some_and(|n| !n.is_empty());
                let phase = obj
                    .status()
                    .and_then(|s| s.get("phase"))
                    .and_then(|p| p.scalar_text());
                !bound
                    && !matches!(phase, Some("Succeeded" | "Failed"))
                    && controller_of(obj).is_none_or(|o| o.kind != "DaemonSet")
            }
            _ => !managed_by_present(inventory, obj),
        })
        .filter_map(|obj| {
            let template = PodTemplate::of(obj)?;
            Some(Shape {
                obj,
                template,
                placement: Placement::of(template.spec),
            })
        })
        .collect()
}

/// Findings about a workload's template and its pods, in input order.
#[derive(Debug)]
pub(crate) struct ShapeGroup<'a, T> {
    pub members: Vec<(Shape<'a>, T)>,
    /// The workload, when the first member is a pod whose owner is known.
    pub owner: Option<Owner<'a>>,
}

impl<T> ShapeGroup<'_, T> {
    /// `Deployment/shop/api`, `Pod/shop/x`, or `Pod/shop/x and 3 more pods of Deployment/…`.
    pub fn subject(&self) -> String {
        let first = crate::evidence::display(self.members[0].0.obj);
        let more = self.members.len() - 1;
        match (more, self.owner) {
            (0, _) => first,
            (n, Some(o)) => format!("{first} and {n} more of {}", o.display()),
            (n, None) => format!("{first} and {n} more"),
        }
    }
}

/// Groups findings so that a workload's template and the pods it owns are one finding.
fn group<'a, T>(
    inventory: &'a Inventory<'a>,
    found: Vec<(Shape<'a>, T)>,
) -> Vec<ShapeGroup<'a, T>> {
    let keyed: Vec<_> = found
        .into_iter()
        .map(|(shape, detail)| (workload_key(inventory, shape.obj), shape, detail))
        .collect();
    group_in_order(keyed, |((key, _), _, _)| *key)
        .into_iter()
        .map(|members| ShapeGroup {
            owner: (members[0].0).1,
            members: members.into_iter().map(|(_, s, d)| (s, d)).collect(),
        })
        .collect()
}

/// The pod shapes that `check` finds cannot be placed on the input's Nodes, grouped by
/// workload, with the Nodes; nothing when the input has no Node.
pub(crate) fn unplaceable<'a, T>(
    inventory: &'a Inventory<'a>,
    check: impl Fn(&Shape<'a>, &[NodeFacts<'a>]) -> Option<T>,
) -> (Vec<NodeFacts<'a>>, Vec<ShapeGroup<'a, T>>) {
    let nodes = nodes(inventory);
    if nodes.is_empty() {
        return (nodes, Vec::new());
    }
    let found: Vec<_> = shapes(inventory)
        .into_iter()
        .filter_map(|s| {
            let detail = check(&s, &nodes)?;
            Some((s, detail))
        })
        .collect();
    (nodes, group(inventory, found))
}

/// The label key node and value of `key` on a Node, for related locations.
pub(crate) fn label_at<'a>(node: &NodeFacts<'a>, key: &str) -> Option<NodeRef<'a>> {
    node.object
        .node
        .path(&["metadata", "labels"])?
        .entry(key)
        .map(|(k, _)| k)
}
