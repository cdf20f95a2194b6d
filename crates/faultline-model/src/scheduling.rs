//! How the scheduler matches a pod to nodes: `nodeSelector`, required node affinity, taints and
//! tolerations, with the API's exact semantics.
//!
//! * `nodeSelector`: every entry must equal a node label.
//! * `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`: the terms are ORed;
//!   within a term, `matchExpressions` (on labels) and `matchFields` (only `metadata.name`
//!   exists) are ANDed; a term with neither matches no node. Operators: `In`, `NotIn` (also
//!   true when the label is absent), `Exists`, `DoesNotExist`, `Gt`, `Lt` (the label and the
//!   single value as integers). An unknown operator matches nothing.
//! * A toleration tolerates a taint (`ToleratesTaint` in `k8s.io/api/core/v1`) when its effect
//!   is empty or equal, its key is empty or equal, and its operator is `Exists`, or `Equal`
//!   (or empty) with an equal value. So an empty key with `Exists` tolerates every taint.
//!   Only `NoSchedule` and `NoExecute` taints keep a pod off a node; `PreferNoSchedule` does
//!   not.

use faultline_syntax::NodeRef;

use crate::object::{Object, string_map};
use crate::selector::Labels;

/// The taint the API gives a cordoned node (`spec.unschedulable: true`).
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// Tolerations the `DefaultTolerationSeconds` admission plugin adds to every pod that lacks
/// them; a pod template in a manifest will have them once created.
pub const DEFAULT_TOLERATIONS: [(&str, &str); 2] = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
];

/// A node taint (`spec.taints[]`).
#[derive(Clone, Copy, Debug)]
pub struct Taint<'a> {
    /// The taint's mapping, or `spec.unschedulable` for the cordon taint it stands for.
    pub node: NodeRef<'a>,
    pub key: &'a str,
    pub value: &'a str,
    pub effect: &'a str,
}

impl Taint<'_> {
    /// Whether it keeps pods that do not tolerate it off the node.
    pub fn repels(&self) -> bool {
        matches!(self.effect, "NoSchedule" | "NoExecute")
    }

    /// `key=value:Effect`, as `kubectl taint` writes it.
    pub fn display(&self) -> String {
        if self.value.is_empty() {
            format!("{}:{}", self.key, self.effect)
        } else {
            format!("{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

/// A pod toleration (`spec.tolerations[]`).
#[derive(Clone, Copy, Debug)]
pub struct Toleration<'a> {
    pub key: &'a str,
    /// As written; empty means `Equal`.
    pub operator: &'a str,
    pub value: &'a str,
    pub effect: &'a str,
}

impl Toleration<'_> {
    /// `ToleratesTaint`.
    pub fn tolerates(&self, taint: &Taint<'_>) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            "" | "Equal" => self.value == taint.value,
            "Exists" => true,
            _ => false,
        }
    }
}

/// A scalar field's text; empty when absent, null or not a scalar.
fn text<'a>(node: NodeRef<'a>, key: &str) -> &'a str {
    match node.get(key) {
        Some(v) if v.is_scalar() && !v.is_null() => v.scalar_text().unwrap_or(""),
        _ => "",
    }
}

/// A Node as the scheduler filters it: its name, labels and taints.
#[derive(Clone, Debug)]
pub struct NodeFacts<'a> {
    pub object: Object<'a>,
    pub name: &'a str,
    pub labels: Labels,
    pub taints: Vec<Taint<'a>>,
}

impl<'a> NodeFacts<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        let view = crate::views::Node::of(obj)?;
        let value = |f: Option<crate::Field<'a, &'a str>>| f.map_or("", |f| f.value);
        let mut taints: Vec<Taint<'a>> = view
            .taints()
            .map(|t| Taint {
                node: t.node,
                key: value(t.key()),
                value: value(t.value()),
                effect: value(t.effect()),
            })
            .collect();
        if let Some(flag) = view.unschedulable().filter(|u| u.value)
            && !taints.iter().any(|t| t.key == UNSCHEDULABLE_TAINT)
        {
            taints.push(Taint {
                node: flag.node,
                key: UNSCHEDULABLE_TAINT,
                value: "",
                effect: "NoSchedule",
            });
        }
        Some(Self {
            object: *obj,
            name: obj.name,
            labels: obj
                .labels()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            taints,
        })
    }
}

/// One `matchExpressions` or `matchFields` entry of a node selector term.
#[derive(Clone, Debug)]
pub struct NodeRequirement<'a> {
    pub node: NodeRef<'a>,
    pub key: &'a str,
    pub operator: &'a str,
    pub values: Vec<&'a str>,
}

impl NodeRequirement<'_> {
    /// Whether a node whose label (or field) `key` has `value` satisfies it.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let number = |s: &str| s.trim().parse::<i64>().ok();
        match self.operator {
            "In" => value.is_some_and(|v| self.values.contains(&v)),
            "NotIn" => value.is_none_or(|v| !self.values.contains(&v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            "Gt" | "Lt" => {
                let (Some(have), [want]) = (value.and_then(number), self.values.as_slice()) else {
                    return false;
                };
                let Some(want) = number(want) else {
                    return false;
                };
                if self.operator == "Gt" {
                    have > want
                } else {
                    have < want
                }
            }
            _ => false,
        }
    }

    /// `key op (values)`, for messages.
    pub fn display(&self) -> String {
        match self.operator {
            "Exists" | "DoesNotExist" => format!("{} {}", self.key, self.operator),
            op => format!("{} {op} ({})", self.key, self.values.join(",")),
        }
    }
}

/// One `nodeSelectorTerms[]` entry.
#[derive(Clone, Debug)]
pub struct NodeSelectorTerm<'a> {
    pub node: NodeRef<'a>,
    pub match_expressions: Vec<NodeRequirement<'a>>,
    pub match_fields: Vec<NodeRequirement<'a>>,
}

impl NodeSelectorTerm<'_> {
    pub fn matches(&self, node: &NodeFacts<'_>) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        self.match_expressions
            .iter()
            .all(|r| r.matches(node.labels.get(r.key).map(String::as_str)))
            && self
                .match_fields
                .iter()
                .all(|r| r.matches((r.key == "metadata.name").then_some(node.name)))
    }
}

fn requirements<'a>(term: NodeRef<'a>, key: &str) -> Vec<NodeRequirement<'a>> {
    term.get(key)
        .into_iter()
        .flat_map(|l| l.items())
        .filter(|r| r.is_map())
        .map(|r| NodeRequirement {
            node: r,
            key: text(r, "key"),
            operator: text(r, "operator"),
            values: r
                .get("values")
                .into_iter()
                .flat_map(|v| v.items())
                .filter_map(|v| v.scalar_text())
                .collect(),
        })
        .collect()
}

/// One `nodeSelector` entry: its key node, key and value.
pub type SelectorEntry<'a> = (NodeRef<'a>, &'a str, &'a str);

/// Where a pod may run, read from its spec.
#[derive(Clone, Debug)]
pub struct Placement<'a> {
    /// The `nodeSelector` mapping and its entries (key node, key, value).
    pub node_selector: Option<(NodeRef<'a>, Vec<SelectorEntry<'a>>)>,
    /// The `nodeSelectorTerms` list of the required node affinity, and its terms.
    pub required_terms: Option<(NodeRef<'a>, Vec<NodeSelectorTerm<'a>>)>,
    /// The `tolerations` list, if written.
    pub tolerations_node: Option<NodeRef<'a>>,
    pub tolerations: Vec<Toleration<'a>>,
}

impl<'a> Placement<'a> {
    /// Reads a pod spec. [`DEFAULT_TOLERATIONS`] are added when the pod lacks them.
    pub fn of(spec: NodeRef<'a>) -> Self {
        let node_selector = spec.get("nodeSelector").filter(|n| n.is_map()).map(|n| {
            let entries = n
                .entries()
                .filter_map(|(k, v)| Some((k, k.scalar_text()?, v.scalar_text().unwrap_or(""))))
                .collect();
            (n, entries)
        });
        let required_terms = spec
            .path(&[
                "affinity",
                "nodeAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ])
            .filter(|t| t.is_seq())
            .map(|list| {
                let terms = list
                    .items()
                    .filter(|t| t.is_map())
                    .map(|t| NodeSelectorTerm {
                        node: t,
                        match_expressions: requirements(t, "matchExpressions"),
                        match_fields: requirements(t, "matchFields"),
                    })
                    .collect();
                (list, terms)
            });
        let tolerations_node = spec.get("tolerations").filter(|t| t.is_seq());
        let mut tolerations: Vec<Toleration<'a>> = tolerations_node
            .into_iter()
            .flat_map(|t| t.items())
            .filter(|t| t.is_map())
            .map(|t| Toleration {
                key: text(t, "key"),
                operator: text(t, "operator"),
                value: text(t, "value"),
                effect: text(t, "effect"),
            })
            .collect();
        for (key, effect) in DEFAULT_TOLERATIONS {
            let taint = Taint {
                node: spec,
                key,
                value: "",
                effect,
            };
            if !tolerations.iter().any(|t| t.tolerates(&taint)) {
                tolerations.push(Toleration {
                    key,
                    operator: "Exists",
                    value: "",
                    effect,
                });
            }
        }
        Self {
            node_selector,
            required_terms,
            tolerations_node,
            tolerations,
        }
    }

    /// Whether the pod restricts its nodes at all.
    pub fn is_restricted(&self) -> bool {
        self.node_selector
            .as_ref()
            .is_some_and(|(_, e)| !e.is_empty())
            || self.required_terms.is_some()
    }

    pub fn selector_matches(&self, node: &NodeFacts<'_>) -> bool {
        self.node_selector.as_ref().is_none_or(|(_, entries)| {
            entries
                .iter()
                .all(|(_, k, v)| node.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    pub fn affinity_matches(&self, node: &NodeFacts<'_>) -> bool {
        self.required_terms
            .as_ref()
            .is_none_or(|(_, terms)| terms.iter().any(|t| t.matches(node)))
    }

    /// Both the selector and the required affinity.
    pub fn matches(&self, node: &NodeFacts<'_>) -> bool {
        self.selector_matches(node) && self.affinity_matches(node)
    }

    /// The `NoSchedule`/`NoExecute` taints of `node` this pod does not tolerate.
    pub fn untolerated<'n>(&self, node: &'n NodeFacts<'a>) -> Vec<&'n Taint<'a>> {
        node.taints
            .iter()
            .filter(|t| t.repels() && !self.tolerations.iter().any(|tol| tol.tolerates(t)))
            .collect()
    }
}

/// One `topologySpreadConstraints[]` entry, with the API's defaults.
///
/// The scheduler's `PodTopologySpread` plugin, for a `whenUnsatisfiable: DoNotSchedule`
/// constraint (the field is required; the API server refuses a constraint without it): a node that
/// lacks the `topologyKey` of any such constraint of the pod is filtered out and counts in no
/// domain. The nodes whose domains count in the skew are those with the keys that pass the
/// inclusion policies: `nodeAffinityPolicy` (default `Honor`: only nodes the pod's
/// `nodeSelector` and required node affinity match) and `nodeTaintsPolicy` (default `Ignore`:
/// tainted nodes count too, cordoned ones included, though the pod cannot go there). The global
/// minimum is the smallest count among those domains, or 0 when there are fewer domains than
/// `minDomains`; a pod may go to a domain when its count plus one minus the global minimum is
/// at most `maxSkew`.
#[derive(Clone, Debug)]
pub struct SpreadConstraint<'a> {
    /// The constraint's mapping.
    pub node: NodeRef<'a>,
    pub topology_key: &'a str,
    /// `maxSkew`, when written as a positive integer.
    pub max_skew: Option<i64>,
    /// `minDomains`, when written.
    pub min_domains: Option<i64>,
    /// `whenUnsatisfiable` is `DoNotSchedule` (the field is required: no default).
    pub hard: bool,
    /// `nodeAffinityPolicy` is `Honor` (also its default).
    pub honor_affinity: bool,
    /// `nodeTaintsPolicy` is `Honor` (its default is `Ignore`).
    pub honor_taints: bool,
    /// `labelSelector`, when written.
    pub label_selector: Option<NodeRef<'a>>,
}

impl<'a> SpreadConstraint<'a> {
    /// The constraints of a pod spec, in order; entries that are not mappings are skipped.
    pub fn all(spec: NodeRef<'a>) -> Vec<Self> {
        spec.get("topologySpreadConstraints")
            .into_iter()
            .flat_map(|l| l.items())
            .filter(|c| c.is_map())
            .map(|c| Self {
                node: c,
                topology_key: text(c, "topologyKey"),
                max_skew: c.get("maxSkew").and_then(|n| n.as_i64()).filter(|n| *n > 0),
                min_domains: c.get("minDomains").and_then(|n| n.as_i64()),
                hard: text(c, "whenUnsatisfiable") == "DoNotSchedule",
                honor_affinity: text(c, "nodeAffinityPolicy") != "Ignore",
                honor_taints: text(c, "nodeTaintsPolicy") == "Honor",
                label_selector: c.get("labelSelector").filter(|s| s.is_map()),
            })
            .collect()
    }

    /// Whether `node`'s domain counts in the skew for a pod placed by `placement`
    /// (`matchNodeInclusionPolicies`); the topology keys are checked apart.
    pub fn counts(&self, placement: &Placement<'_>, node: &NodeFacts<'_>) -> bool {
        (!self.honor_affinity || placement.matches(node))
            && (!self.honor_taints || placement.untolerated(node).is_empty())
    }
}

/// The labels of a pod template or Pod, owned.
pub fn labels_of(metadata: Option<NodeRef<'_>>) -> Labels {
    string_map(metadata.and_then(|m| m.get("labels")))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    const NODES: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: gpu-1, labels: {gpu: a100, zone: a, cores: "64"}}
spec:
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
---
apiVersion: v1
kind: Node
metadata: {name: cpu-1, labels: {zone: b, cores: "16"}}
spec:
  unschedulable: true
---
apiVersion: v1
kind: Node
metadata: {name: cpu-2, labels: {zone: b, cores: "8"}}
spec:
  taints: [{key: soft, effect: PreferNoSchedule}]
"#;

    fn with<R>(pod_spec: &str, f: impl FnOnce(&Placement<'_>, &[NodeFacts<'_>]) -> R) -> R {
        let text = format!(
            "{NODES}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{pod_spec}"
        );
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let nodes: Vec<_> = inv.objects.iter().filter_map(NodeFacts::of).collect();
        let pod = inv.objects.last().unwrap();
        f(&Placement::of(pod.spec().unwrap()), &nodes)
    }

    fn matching(pod_spec: &str) -> Vec<String> {
        with(pod_spec, |p, nodes| {
            nodes
                .iter()
                .filter(|n| p.matches(n))
                .map(|n| n.name.to_owned())
                .collect()
        })
    }

    fn schedulable(pod_spec: &str) -> Vec<String> {
        with(pod_spec, |p, nodes| {
            nodes
                .iter()
                .filter(|n| p.matches(n) && p.untolerated(n).is_empty())
                .map(|n| n.name.to_owned())
                .collect()
        })
    }

    #[test]
    fn selectors_and_affinity() {
        assert_eq!(matching("  nodeSelector: {zone: b}\n"), ["cpu-1", "cpu-2"]);
        assert_eq!(
            matching("  nodeSelector: {zone: c}\n"),
            Vec::<String>::new()
        );
        let aff = |term: &str| {
            matching(&format!(
                "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n{term}"
            ))
        };
        assert_eq!(
            aff("          - matchExpressions: [{key: gpu, operator: Exists}]\n"),
            ["gpu-1"]
        );
        assert_eq!(
            aff("          - matchExpressions: [{key: gpu, operator: NotIn, values: [a100]}]\n"),
            ["cpu-1", "cpu-2"]
        );
        assert_eq!(
            aff("          - matchExpressions: [{key: cores, operator: Gt, values: [\"10\"]}]\n"),
            ["gpu-1", "cpu-1"]
        );
        assert_eq!(
            aff("          - matchExpressions: [{key: cores, operator: Lt, values: [\"10\"]}]\n"),
            ["cpu-2"]
        );
        assert_eq!(
            aff("          - matchFields: [{key: metadata.name, operator: In, values: [cpu-2]}]\n"),
            ["cpu-2"]
        );
        // Terms are ORed; an empty term matches nothing; an unknown operator matches nothing.
        assert_eq!(
            aff(
                "          - matchExpressions: [{key: zone, operator: In, values: [a]}]\n          - matchFields: [{key: metadata.name, operator: In, values: [cpu-2]}]\n"
            ),
            ["gpu-1", "cpu-2"]
        );
        assert_eq!(aff("          - {}\n"), Vec::<String>::new());
        assert_eq!(
            aff("          - matchExpressions: [{key: zone, operator: Equals, values: [a]}]\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn spread_constraint_defaults_and_inclusion() {
        let spec = "  topologySpreadConstraints:\n    - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n    - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, nodeAffinityPolicy: Ignore, nodeTaintsPolicy: Honor, minDomains: 3}\n  nodeSelector: {zone: b}\n";
        let text =
            format!("{NODES}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}");
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let nodes: Vec<_> = inv.objects.iter().filter_map(NodeFacts::of).collect();
        let spec = inv.objects.last().unwrap().spec().unwrap();
        let placement = Placement::of(spec);
        let all = SpreadConstraint::all(spec);
        let counted = |c: &SpreadConstraint<'_>| -> Vec<&str> {
            nodes
                .iter()
                .filter(|n| c.counts(&placement, n))
                .map(|n| n.name)
                .collect()
        };
        // Defaults: affinity honored (zone b only), taints ignored (the cordoned
        // cpu-1 counts).
        assert!(all[0].hard && all[0].honor_affinity && !all[0].honor_taints);
        assert_eq!((all[0].max_skew, all[0].min_domains), (Some(1), None));
        assert_eq!(counted(&all[0]), ["cpu-1", "cpu-2"]);
        // Written policies: every node's affinity, but untolerated taints excluded.
        assert!(!all[1].hard && !all[1].honor_affinity && all[1].honor_taints);
        assert_eq!((all[1].max_skew, all[1].min_domains), (None, Some(3)));
        assert_eq!(counted(&all[1]), ["cpu-2"]);
    }

    #[test]
    fn tolerations_exactly_as_the_api() {
        // Without tolerations only the PreferNoSchedule node takes the pod.
        assert_eq!(schedulable(""), ["cpu-2"]);
        let tol = |t: &str| schedulable(&format!("  tolerations: [{t}]\n"));
        assert_eq!(
            tol("{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}"),
            ["gpu-1", "cpu-2"]
        );
        assert_eq!(tol("{key: dedicated, value: gpu}"), ["gpu-1", "cpu-2"]);
        assert_eq!(
            tol("{key: dedicated, operator: Equal, value: cpu}"),
            ["cpu-2"]
        );
        assert_eq!(
            tol("{key: dedicated, operator: Exists}"),
            ["gpu-1", "cpu-2"]
        );
        assert_eq!(
            tol("{key: dedicated, operator: Exists, effect: NoExecute}"),
            ["cpu-2"]
        );
        assert_eq!(tol("{operator: Exists}"), ["gpu-1", "cpu-1", "cpu-2"]);
        assert_eq!(
            tol("{operator: Exists, effect: NoSchedule}"),
            ["gpu-1", "cpu-1", "cpu-2"]
        );
        assert_eq!(
            tol("{key: node.kubernetes.io/unschedulable, operator: Exists}"),
            ["cpu-1", "cpu-2"]
        );
        assert_eq!(tol("{key: dedicated, operator: exists}"), ["cpu-2"]);
    }
}
