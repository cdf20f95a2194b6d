//! Label selectors read from the tree, with every problem mapped back to its node, and the
//! places each kind keeps its selectors.
//!
//! Architecture invariant: a malformed selector is reported once, here, and is never treated
//! as "matches nothing" in silence: callers get [`ParsedSelector::problems`] and decide.

use faultline_syntax::{NodeKind, NodeRef, TextRange};

use crate::object::Object;
use crate::selector::{LabelSelector, Operator, Requirement, SelectorField, SelectorSemantics};

/// A selector and what is wrong with it.
#[derive(Clone, Debug)]
pub struct ParsedSelector<'a> {
    pub node: NodeRef<'a>,
    pub selector: LabelSelector,
    /// Problems the API server would reject, each at the node it is about.
    pub problems: Vec<(TextRange, String)>,
}

impl ParsedSelector<'_> {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Where a selector sits and what nil/empty mean there.
#[derive(Clone, Copy, Debug)]
pub struct SelectorSite<'a> {
    /// The selector node (a `metav1.LabelSelector` or, for Services, a plain map).
    pub node: NodeRef<'a>,
    /// A plain `key: value` map (Service, ReplicationController) rather than a LabelSelector.
    pub plain_map: bool,
    pub semantics: SelectorSemantics,
    /// The field, for messages: `spec.selector`, `spec.ingress[0].from[1].podSelector`.
    pub field: &'static str,
}

impl<'a> SelectorSite<'a> {
    pub fn parse(&self) -> ParsedSelector<'a> {
        if self.plain_map {
            parse_map_selector(self.node)
        } else {
            parse_label_selector(self.node)
        }
    }
}

fn text_of(node: NodeRef<'_>) -> Option<&str> {
    match node.kind() {
        NodeKind::Seq | NodeKind::Map => None,
        NodeKind::Null => Some(""),
        _ => node.scalar_text(),
    }
}

/// Reads a `key: value` map used as a selector (Service `spec.selector`).
pub fn parse_map_selector(node: NodeRef<'_>) -> ParsedSelector<'_> {
    let mut problems = Vec::new();
    let mut selector = LabelSelector::default();
    let mut value_nodes = Vec::new();
    if node.is_map() {
        for (k, v) in node.entries() {
            match (k.scalar_text(), text_of(v)) {
                (Some(k), Some(v_text)) => {
                    selector
                        .match_labels
                        .push((k.to_owned(), v_text.to_owned()));
                    value_nodes.push((k, v));
                }
                _ => problems.push((v.range(), "a selector value must be a string".to_owned())),
            }
        }
    } else if !node.is_null() {
        problems.push((
            node.range(),
            "a selector must be a map of label keys to values".to_owned(),
        ));
    }
    let mut parsed = ParsedSelector {
        node,
        selector,
        problems,
    };
    map_validation(&mut parsed, |field| match field {
        SelectorField::MatchLabelKey(i) => {
            node.entry(value_nodes.get(i)?.0).map(|(k, _)| k.range())
        }
        SelectorField::MatchLabelValue(i) => Some(value_nodes.get(i)?.1.range()),
        _ => None,
    });
    parsed
}

/// Reads a `metav1.LabelSelector` (`matchLabels` and `matchExpressions`).
pub fn parse_label_selector(node: NodeRef<'_>) -> ParsedSelector<'_> {
    let mut problems = Vec::new();
    let mut selector = LabelSelector::default();
    let mut label_nodes: Vec<(NodeRef<'_>, NodeRef<'_>)> = Vec::new();
    let mut expr_nodes: Vec<NodeRef<'_>> = Vec::new();
    if node.is_null() {
        return ParsedSelector {
            node,
            selector,
            problems,
        };
    }
    if !node.is_map() {
        problems.push((
            node.range(),
            "a label selector must be a mapping with `matchLabels` and/or `matchExpressions`"
                .to_owned(),
        ));
    }
    for (k, v) in node.entries() {
        match k.scalar_text() {
            Some("matchLabels") => {
                if !v.is_map() && !v.is_null() {
                    problems.push((v.range(), "`matchLabels` must be a map of label keys to values".to_owned()));
                }
                for (lk, lv) in v.entries() {
                    match (lk.scalar_text(), text_of(lv)) {
                        (Some(key), Some(value)) => {
                            selector.match_labels.push((key.to_owned(), value.to_owned()));
                            label_nodes.push((lk, lv));
                        }
                        _ => problems.push((lv.range(), "a `matchLabels` value must be a string".to_owned())),
                    }
                }
            }
            Some("matchExpressions") => {
                if !v.is_seq() && !v.is_null() {
                    problems.push((v.range(), "`matchExpressions` must be a list".to_owned()));
                }
                for e in v.items() {
                    let key = e.get("key").and_then(text_of);
                    let op = e.get("operator").and_then(text_of);
                    let (Some(key), Some(op)) = (key, op) else {
                        problems.push((e.range(), "a match expression needs `key` and `operator`".to_owned()));
                        continue;
                    };
                    let values_node = e.get("values");
                    let mut values = Vec::new();
                    if let Some(vn) = values_node.filter(|v| !v.is_null()) {
                        if !vn.is_seq() {
                            problems.push((vn.range(), "`values` must be a list of strings".to_owned()));
                        }
                        for item in vn.items() {
                            match text_of(item) {
                                Some(t) => values.push(t.to_owned()),
                                None => problems.push((item.range(), "a value must be a string".to_owned())),
                            }
                        }
                    }
                    selector.match_expressions.push(Requirement {
                        key: key.to_owned(),
                        op: Operator::parse(op),
                        values,
                    });
                    expr_nodes.push(e);
                }
            }
            Some(other) => problems.push((k.range(), format!("unknown label selector field `{other}`; expected `matchLabels` or `matchExpressions`"))),
            None => problems.push((k.range(), "a label selector key must be a string".to_owned())),
        }
    }
    let mut parsed = ParsedSelector {
        node,
        selector,
        problems,
    };
    map_validation(&mut parsed, |field| {
        let expr_field = |i: usize, f: &str| expr_nodes.get(i).and_then(|e| e.field_range(f));
        match field {
            SelectorField::MatchLabelKey(i) => Some(label_nodes.get(i)?.0.range()),
            SelectorField::MatchLabelValue(i) => Some(label_nodes.get(i)?.1.range()),
            SelectorField::ExpressionKey(i) => expr_nodes.get(i)?.get("key").map(|n| n.range()),
            SelectorField::ExpressionOperator(i) => {
                expr_nodes.get(i)?.get("operator").map(|n| n.range())
            }
            SelectorField::ExpressionValues(i) => {
                expr_field(i, "values").or_else(|| expr_field(i, "operator"))
            }
            SelectorField::ExpressionValue { expression, value } => expr_nodes
                .get(expression)?
                .get("values")?
                .items()
                .nth(value)
                .map(|n| n.range()),
        }
    });
    parsed
}

fn map_validation(
    parsed: &mut ParsedSelector<'_>,
    locate: impl Fn(SelectorField) -> Option<TextRange>,
) {
    for err in parsed.selector.validate() {
        let range = locate(err.field).unwrap_or_else(|| parsed.node.range());
        parsed.problems.push((range, err.to_string()));
    }
}

/// Every selector an object carries, with its meaning.
pub fn selector_sites<'a>(obj: &Object<'a>) -> Vec<SelectorSite<'a>> {
    let mut sites = Vec::new();
    let spec = obj.spec();
    let mut push = |node: Option<NodeRef<'a>>, plain_map, semantics, field| {
        if let Some(node) = node {
            sites.push(SelectorSite {
                node,
                plain_map,
                semantics,
                field,
            });
        }
    };
    let get = |key: &str| spec.and_then(|s| s.get(key));
    match obj.kind {
        "Service" => push(
            get("selector"),
            true,
            SelectorSemantics::ServiceSelector,
            "spec.selector",
        ),
        "ReplicationController" => push(
            get("selector"),
            true,
            SelectorSemantics::WorkloadSelector,
            "spec.selector",
        ),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => push(
            get("selector"),
            false,
            SelectorSemantics::WorkloadSelector,
            "spec.selector",
        ),
        "Job" => push(
            get("selector"),
            false,
            SelectorSemantics::WorkloadSelector,
            "spec.selector",
        ),
        "PodDisruptionBudget" => {
            let sem = if obj.api_version == "policy/v1beta1" {
                SelectorSemantics::PodDisruptionBudgetV1beta1
            } else {
                SelectorSemantics::PodDisruptionBudget
            };
            push(get("selector"), false, sem, "spec.selector")
        }
        "NetworkPolicy" => {
            push(
                get("podSelector"),
                false,
                SelectorSemantics::NetworkPolicyPodSelector,
                "spec.podSelector",
            );
            for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
                for rule in get(dir).into_iter().flat_map(|r| r.items()) {
                    for peer in rule.get(peers).into_iter().flat_map(|p| p.items()) {
                        push(
                            peer.get("podSelector"),
                            false,
                            SelectorSemantics::NetworkPolicyPeerPodSelector,
                            "podSelector",
                        );
                        push(
                            peer.get("namespaceSelector"),
                            false,
                            SelectorSemantics::NetworkPolicyPeerNamespaceSelector,
                            "namespaceSelector",
                        );
                    }
                }
            }
        }
        _ => {}
    }
    sites
}
