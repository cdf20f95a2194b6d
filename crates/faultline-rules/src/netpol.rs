//! What the network rules share: a policy's entry in the model, where to point, how sure the
//! input lets a rule be, and the closest candidate of a selector that matches nothing.

use faultline_diagnostics::Severity;
use faultline_graph::netpol::model::PolicyIdx;
use faultline_graph::netpol::{ClassId, Direction, NetworkModel, Policy, WorkloadId};
use faultline_graph::{edit_distance, from_a_cluster};
use faultline_model::Object;
use faultline_model::selector::{LabelSelector, Labels, Operator, label_distance};
use faultline_syntax::{NodeRef, Style, TextRange};

use crate::Context;
use crate::presence::some_pod_has_a_key;

/// A NetworkPolicy object as the model reads it, with the model.
pub(crate) struct PolicyView<'c, 'a> {
    pub net: &'c NetworkModel<'a>,
    pub index: PolicyIdx,
    pub policy: &'c Policy<'a>,
}

/// The model's reading of `obj` when it is a NetworkPolicy (policies are in input order).
pub(crate) fn policy_of<'c, 'a>(
    cx: &'c Context<'a>,
    obj: &Object<'_>,
) -> Option<PolicyView<'c, 'a>> {
    if obj.kind != "NetworkPolicy" {
        return None;
    }
    let net = cx.network();
    let index = net
        .policies
        .binary_search_by_key(&obj.id, |p| p.object)
        .ok()?;
    Some(PolicyView {
        net,
        index,
        policy: &net.policies[index],
    })
}

/// The policy of `obj` when the API server accepts it and the model evaluates it
/// (`netpol-invalid` reports the others).
pub(crate) fn valid_policy_of<'c, 'a>(
    cx: &'c Context<'a>,
    obj: &Object<'_>,
) -> Option<PolicyView<'c, 'a>> {
    policy_of(cx, obj).filter(|v| v.policy.problems.is_empty())
}

/// Points `report` at where policy `index` isolates `dir`.
pub(crate) fn relate_policy<'r>(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    report: crate::sink::Report<'r>,
    index: PolicyIdx,
    dir: Direction,
    message: String,
) -> crate::sink::Report<'r> {
    let policy = &net.policies[index];
    report.related(
        cx.inventory.get(policy.object),
        isolation_range(policy, dir),
        message,
    )
}

/// Where a policy isolates `dir`: its `policyTypes` entry, else its `ingress`/`egress` field,
/// else (ingress isolation by default) its `podSelector`.
pub(crate) fn isolation_range(policy: &Policy<'_>, dir: Direction) -> TextRange {
    let spec = policy.node.get("spec");
    let name = match dir {
        Direction::Ingress => "Ingress",
        Direction::Egress => "Egress",
    };
    if let Some(item) = spec
        .and_then(|s| s.get("policyTypes"))
        .into_iter()
        .flat_map(|t| t.items())
        .find(|i| i.as_str() == Some(name))
    {
        return item.range();
    }
    spec.and_then(|s| field_anchor(s, dir.as_str()))
        .or_else(|| spec.and_then(|s| field_anchor(s, "podSelector")))
        .or_else(|| policy.node.field_range("spec"))
        .unwrap_or_else(|| policy.node.range())
}

/// Where to point for the field `key` of `parent`: its value when it fits on its line (a
/// scalar or a flow collection), else its key (a block collection spans many lines).
pub(crate) fn field_anchor(parent: NodeRef<'_>, key: &str) -> Option<TextRange> {
    let (k, v) = parent.entry(key)?;
    Some(if v.style() == Style::Block && !v.is_empty() {
        k.range()
    } else {
        v.range()
    })
}

/// Where to point for a node that may be a block collection: its first line's entry
/// (`app: web` of a `matchLabels` block), descending through nested blocks.
pub(crate) fn anchor(node: NodeRef<'_>) -> TextRange {
    let mut node = node;
    loop {
        if node.style() != Style::Block || node.is_empty() {
            return node.range();
        }
        if node.is_seq() {
            node = node.items().next().expect("not empty");
            continue;
        }
        let (k, v) = node.entries().next().expect("not empty");
        if v.style() == Style::Block && !v.is_empty() {
            node = v;
        } else {
            return k.range().cover(v.range());
        }
    }
}

/// `metadata.name` of an object (its `kind` when the name is not written).
pub(crate) fn name_range(obj: &Object<'_>) -> TextRange {
    obj.metadata()
        .and_then(|m| m.get("name"))
        .map_or_else(|| obj.kind_range(), |n| n.range())
}

/// The labels of an object's pods (the pod template's, or a Pod's), else its name.
pub(crate) fn labels_range(obj: &Object<'_>) -> TextRange {
    faultline_model::pod::PodTemplate::of(obj)
        .and_then(|t| t.metadata)
        .and_then(|m| field_anchor(m, "labels"))
        .unwrap_or_else(|| name_range(obj))
}

/// The workloads of `classes`, sorted, without repeats.
pub(crate) fn workloads_of(net: &NetworkModel<'_>, classes: &[ClassId]) -> Vec<WorkloadId> {
    let mut out: Vec<WorkloadId> = classes
        .iter()
        .flat_map(|c| net.class(*c).workloads.iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `a, b, c and 2 more`.
pub(crate) fn list(items: &[String], max: usize) -> String {
    let shown = items.len().min(max);
    let mut out = items[..shown].join(", ");
    if items.len() > shown {
        out.push_str(&format!(" and {} more", items.len() - shown));
    }
    out
}

/// `ns/name[Kind]` of workloads, listed.
pub(crate) fn workload_list(
    net: &NetworkModel<'_>,
    workloads: &[WorkloadId],
    max: usize,
) -> String {
    let names: Vec<String> = workloads.iter().map(|w| net.workload(*w).label()).collect();
    list(&names, max)
}

/// Points `report` at every workload (its name), with `message`.
pub(crate) fn relate_workloads<'r>(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    mut report: crate::sink::Report<'r>,
    workloads: &[WorkloadId],
    message: &str,
) -> crate::sink::Report<'r> {
    for w in workloads {
        let obj = cx.inventory.get(net.workload(*w).object);
        report = report.related(obj, name_range(obj), message);
    }
    report
}

/// Whether every pod of the class runs in the host's network namespace, where
/// NetworkPolicies do not apply.
pub(crate) fn host_network(cx: &Context<'_>, net: &NetworkModel<'_>, c: ClassId) -> bool {
    net.class(c).pods.iter().all(|p| {
        let obj = cx.inventory.get(net.graph.pods.pod(*p).object);
        faultline_model::pod::PodTemplate::of(obj)
            .and_then(|t| t.spec.get("hostNetwork"))
            .and_then(|h| h.as_bool())
            == Some(true)
    })
}

/// Whether `short` abbreviates `long`: its letters in order, starting alike (`svc`, `service`).
fn abbreviates(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.len() >= 2
        && short.len() < long.len()
        && short.chars().next() == long.chars().next()
        && short.chars().all(|c| rest.any(|l| l == c))
}

/// Whether two different label keys or values look like one misspelt or abbreviated as the
/// other: equal but for case; word by word equal or abbreviated (`user-svc`, `user-service`);
/// or one or two edits apart (`celico-node`, `frontend`/`front-end`). Words that differ as
/// short enumerations (`team-a`/`team-b`, `v1`/`v2`) and different names that merely share a
/// part (`prometheus`/`prometheus-adapter`, `redis-master`/`redis-replica`) are not typos.
pub(crate) fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let split =
        |s: &'_ str| -> Vec<String> { s.split(['-', '_', '.', '/']).map(str::to_owned).collect() };
    let (wa, wb) = (split(a), split(b));
    if wa.len() == wb.len() {
        let diffs: Vec<(&String, &String)> = wa.iter().zip(&wb).filter(|(x, y)| x != y).collect();
        if let [(x, y)] = diffs[..]
            && x.len() <= 2
            && y.len() <= 2
        {
            return false;
        }
        if diffs
            .iter()
            .all(|(x, y)| abbreviates(x, y) || abbreviates(y, x))
        {
            return true;
        }
    }
    let short = a.len().min(b.len());
    short >= 4 && edit_distance(a, b) <= if short >= 8 { 2 } else { 1 }
}

/// How labels miss a selector by exactly one key or one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OneOff {
    /// The requirement as written: `app=user-svc`.
    pub wanted: String,
    /// What the labels have instead: `app=user-service`.
    pub has: String,
    /// The two differ like a typo ([`similar`]).
    pub typo: bool,
}

/// The one key or value by which `labels` miss `selector`, when that is all they miss.
pub(crate) fn one_off(selector: &LabelSelector, labels: &Labels) -> Option<OneOff> {
    if label_distance(selector, labels) != 1 {
        return None;
    }
    if let Some((k, v)) = selector
        .match_labels
        .iter()
        .find(|(k, v)| labels.get(k) != Some(v))
    {
        if let Some(actual) = labels.get(k) {
            return Some(OneOff {
                wanted: format!("{k}={v}"),
                has: format!("{k}={actual}"),
                typo: similar(v, actual),
            });
        }
        // The same value under another key.
        let (k2, _) = labels
            .iter()
            .filter(|(k2, v2)| *v2 == v && !selector.match_labels.iter().any(|(k, _)| k == *k2))
            .min_by_key(|(k2, _)| edit_distance(k, k2))?;
        return Some(OneOff {
            wanted: format!("{k}={v}"),
            has: format!("{k2}={v}"),
            typo: similar(k, k2),
        });
    }
    let r = selector
        .match_expressions
        .iter()
        .find(|r| !r.matches(labels))?;
    match (&r.op, labels.get(&r.key)) {
        (Operator::In, Some(actual)) => Some(OneOff {
            wanted: r.to_string(),
            has: format!("{}={actual}", r.key),
            typo: r.values.iter().any(|v| similar(v, actual)),
        }),
        (Operator::In | Operator::Exists, None) => {
            let (k2, v2) = labels
                .iter()
                .filter(|(_, v2)| r.op == Operator::Exists || r.values.iter().any(|v| v == *v2))
                .min_by_key(|(k2, _)| edit_distance(&r.key, k2))?;
            Some(OneOff {
                wanted: r.to_string(),
                has: format!("{k2}={v2}"),
                typo: similar(&r.key, k2),
            })
        }
        _ => None,
    }
}

/// The pods (or namespaces) closest to matching a selector that matches none of them.
#[derive(Clone, Debug)]
pub(crate) struct Closest<T> {
    pub items: Vec<T>,
    /// How the first of them misses, when it is by one key or value.
    pub one_off: Option<OneOff>,
}

impl<T> Closest<T> {
    pub fn typo(&self) -> bool {
        self.one_off.as_ref().is_some_and(|o| o.typo)
    }
}

/// Among `candidates` (item, labels) that `selector` does not match: those one key or value
/// away, a likely typo first, else those failing the fewest requirements; of those one off,
/// only the ones that miss by the same key and value as the first. Input order breaks ties, so
/// the answer is deterministic.
pub(crate) fn closest<T: Copy>(
    selector: &LabelSelector,
    candidates: impl IntoIterator<Item = (T, Labels)>,
) -> Option<Closest<T>> {
    type Key = (usize, usize);
    let mut best: Option<(Key, Closest<T>)> = None;
    for (item, labels) in candidates {
        let off = one_off(selector, &labels);
        let key = match &off {
            Some(o) if o.typo => (0, 0),
            Some(_) => (1, 0),
            None => (2, label_distance(selector, &labels)),
        };
        match &mut best {
            // Listed together only when they miss the same way, so that the message's
            // "have `k=v`" is true of each.
            Some((k, c)) if *k == key && c.one_off == off => c.items.push(item),
            Some((k, _)) if *k == key => {}
            Some((k, _)) if *k < key => {}
            _ => {
                best = Some((
                    key,
                    Closest {
                        items: vec![item],
                        one_off: off,
                    },
                ))
            }
        }
    }
    best.map(|(_, c)| c)
}

/// The pod classes of `namespaces` closest to `selector`.
pub(crate) fn closest_classes(
    net: &NetworkModel<'_>,
    namespaces: &[&str],
    selector: &LabelSelector,
) -> Option<Closest<ClassId>> {
    let all = LabelSelector::default();
    closest(
        selector,
        namespaces
            .iter()
            .flat_map(|ns| net.select_classes(ns, &all))
            .map(|c| (c, net.class(c).labels.clone())),
    )
}

/// `; closest: prod/user-service[Deployment] has `app=user-service` instead of `app=user-svc``,
/// or nothing when no pod misses by only one key or value.
pub(crate) fn describe_closest(net: &NetworkModel<'_>, closest: &Closest<ClassId>) -> String {
    let workloads = workloads_of(net, &closest.items);
    let names: Vec<String> = workloads.iter().map(|w| net.workload(*w).label()).collect();
    describe_one_off(&names, closest)
}

/// What a selector that matches nothing came close to: pods it would match in another
/// namespace (`; it would match Deployment/x in `ns`` and `note`), else the closest pods by
/// one key or value; then, for information, that the pods may live outside the input.
pub(crate) fn miss_detail(
    net: &NetworkModel<'_>,
    elsewhere: Option<&Object<'_>>,
    closest: Option<&Closest<ClassId>>,
    note: &str,
    severity: Severity,
) -> String {
    let mut out = match (elsewhere, closest) {
        (Some(o), _) => format!(
            "; it would match {}/{} in `{}`{note}",
            o.kind,
            o.name,
            o.namespace.unwrap_or("default")
        ),
        (None, Some(c)) => describe_closest(net, c),
        (None, None) => String::new(),
    };
    if severity == Severity::Info {
        out.push_str(" (its pods may be deployed by something outside this input)");
    }
    out
}

/// `; closest: <who> has/have `k=v` instead of `k=w``, or nothing without a one-off.
pub(crate) fn describe_one_off<T>(names: &[String], closest: &Closest<T>) -> String {
    match &closest.one_off {
        Some(o) => format!(
            "; closest: {} {} `{}` instead of `{}`",
            list(names, 2),
            if names.len() == 1 { "has" } else { "have" },
            o.has,
            o.wanted
        ),
        None => String::new(),
    }
}

/// How sure a "matches no pod" finding is, following the policy of the project's other
/// empty-selection rules (`presence.rs`): nothing is said when a custom resource in those
/// namespaces may have an operator create the pods; a warning when the input is declared
/// complete, when the policy and those namespaces' Pods come from a cluster export, or when a
/// pod misses by what looks like a typo; information when some pod shape there carries one of
/// the selector's keys (the pods may come from another chart); nothing otherwise.
pub(crate) fn certainty(
    cx: &Context<'_>,
    obj: &Object<'_>,
    namespaces: &[&str],
    selector: &LabelSelector,
    typo: bool,
) -> Option<Severity> {
    let graph = cx.graph;
    if namespaces
        .iter()
        .any(|ns| graph.operator_resource(ns, selector).is_some())
    {
        return None;
    }
    let exported = from_a_cluster(obj)
        && namespaces
            .iter()
            .all(|ns| graph.snapshot_has("Pod", Some(ns)));
    if typo || exported || cx.settings.complete {
        return Some(Severity::Warning);
    }
    namespaces
        .iter()
        .any(|ns| some_pod_has_a_key(cx, ns, selector))
        .then_some(Severity::Info)
}

/// Whether the input shows any pod of `namespace`.
pub(crate) fn shows_pods(cx: &Context<'_>, namespace: &str) -> bool {
    !cx.graph.pods.in_namespace(namespace).is_empty()
}

/// Whether the input lists every namespace: declared complete, or a cluster export of them.
pub(crate) fn namespaces_complete(cx: &Context<'_>) -> bool {
    cx.settings.complete || cx.graph.snapshot_has("Namespace", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            match_labels: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions: Vec::new(),
        }
    }

    #[test]
    fn typos_are_similar_and_other_names_are_not() {
        assert!(similar("user-svc", "user-service"));
        assert!(similar("frontend", "front-end"));
        assert!(similar("celico-node", "calico-node"));
        assert!(similar("Web", "web"));
        assert!(similar("ap", "app"));
        assert!(!similar("prometheus", "prometheus-adapter"));
        assert!(!similar("redis-master", "redis-replica"));
        assert!(!similar("team-a", "team-b"));
        assert!(!similar("prometheus", "myapp"));
        assert!(!similar("payment-api", "order-api"));
        assert!(!similar("db", "web"));
    }

    #[test]
    fn one_off_names_the_key_or_value_that_differs() {
        let o = one_off(
            &sel(&[("app", "user-svc")]),
            &labels(&[("app", "user-service")]),
        )
        .unwrap();
        assert_eq!(
            (o.wanted.as_str(), o.has.as_str(), o.typo),
            ("app=user-svc", "app=user-service", true)
        );
        let o = one_off(&sel(&[("ap", "web")]), &labels(&[("app", "web")])).unwrap();
        assert_eq!((o.has.as_str(), o.typo), ("app=web", true));
        assert!(
            one_off(
                &sel(&[("app", "web"), ("tier", "x")]),
                &labels(&[("k", "v")])
            )
            .is_none()
        );
    }

    #[test]
    fn closest_prefers_a_typo_then_input_order() {
        let s = sel(&[("app", "user-svc")]);
        let c = closest(
            &s,
            [
                (1, labels(&[("app", "billing")])),
                (2, labels(&[("app", "user-service")])),
                (3, labels(&[("app", "user-services")])),
                (4, labels(&[("app", "user-service")])),
            ],
        )
        .unwrap();
        // 3 is a typo too, but of another value: "2 and 4 have `app=user-service`" is true,
        // "2 and 3 have" would not be.
        assert_eq!(c.items, [2, 4]);
        assert!(c.typo());
    }
}
