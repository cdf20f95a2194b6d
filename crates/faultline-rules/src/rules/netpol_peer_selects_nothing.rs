use std::collections::BTreeSet;

use faultline_diagnostics::Severity;
use faultline_graph::netpol::model::policy_rules;
use faultline_graph::netpol::policy::Peer;
use faultline_graph::netpol::{NetworkModel, Policy};
use faultline_model::Object;
use faultline_model::selector::{LabelSelector, Operator};

use crate::netpol::{
    Closest, PolicyView, certainty, closest, closest_classes, describe_one_off, field_anchor,
    labels_range, miss_detail, namespaces_complete, shows_pods, valid_policy_of, workloads_of,
};
use crate::presence::matches_elsewhere;
use crate::sink::Report;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a `from`/`to` peer of a NetworkPolicy rule whose `podSelector` matches none of
    /// the pods the input shows in the peer's namespaces, or whose `namespaceSelector`
    /// matches no namespace, and names the closest candidate: the pods or namespace whose
    /// labels differ by one key or value.
    ///
    /// A pod selector is judged only when the input shows pods in every namespace the peer
    /// looks in. Those namespaces are known for a peer without `namespaceSelector` (the
    /// policy's own), or with one that selects namespaces by name
    /// (`kubernetes.io/metadata.name`); for other namespace selectors only when the input
    /// lists every namespace (`--complete`, or Namespaces exported from a cluster), since
    /// manifests rarely declare every namespace. Severity follows `netpol-selects-no-pods`;
    /// a peer without `namespaceSelector` whose pods exist in another namespace is a warning
    /// (the missing `namespaceSelector`).
    ///
    /// A namespace selector that matches nothing is a warning when the input lists every
    /// namespace or a declared namespace misses by a typo, information when declared
    /// Namespaces use the selector's keys with other values, and not reported otherwise.
    ///
    /// ## Why it matters
    /// A peer that matches nothing allows nothing: the client it was written for is refused,
    /// as in the outage where `app=user-svc` was written for pods labelled
    /// `app=user-service` and payments stopped.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: user-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: user-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: user-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/user:1.4.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: payment-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: payment-service
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels:
    ///               app: user-svc
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: user-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: user-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: user-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/user:1.4.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: payment-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: payment-service
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels:
    ///               app: user-service
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Network Policies, behavior of `to` and `from` selectors: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors>
    /// - Automatic namespace labelling: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-namespace-by-its-name>
    pub struct NetpolPeerSelectsNothing {
        id: "netpol-peer-selects-nothing",
        category: Network,
        severity: Warning,
        summary: "a NetworkPolicy peer matches no pod or no namespace",
        params: [],
    }
}

const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The namespaces a selector picks by name alone (`kubernetes.io/metadata.name` equalities
/// and `In`), or `None` when it tests other labels too.
fn named_namespaces(sel: &LabelSelector) -> Option<BTreeSet<String>> {
    if sel.is_empty() {
        return None;
    }
    let mut names: Option<BTreeSet<String>> = None;
    let mut narrow = |values: BTreeSet<String>| {
        names = Some(match names.take() {
            None => values,
            Some(n) => n.intersection(&values).cloned().collect(),
        });
    };
    for (k, v) in &sel.match_labels {
        if k != NAME_LABEL {
            return None;
        }
        narrow(BTreeSet::from([v.clone()]));
    }
    for r in &sel.match_expressions {
        if r.key != NAME_LABEL || r.op != Operator::In {
            return None;
        }
        narrow(r.values.iter().cloned().collect());
    }
    names
}

/// A peer being checked, for messages.
struct Site<'p, 'a> {
    obj: &'p Object<'p>,
    policy: &'p Policy<'a>,
    peer: &'p Peer<'a>,
    /// `spec.ingress[0].from[1]`
    path: String,
}

impl Rule for NetpolPeerSelectsNothing {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { net, index, policy }) = valid_policy_of(cx, obj) else {
            return;
        };
        for (r, rule) in policy_rules(index, policy) {
            let dir = r.dir;
            for (i, peer) in rule.peers.iter().flatten().enumerate() {
                // Most peers match something: the model knows without looking again.
                if peer.ip.is_some() || net.peer_matches_some_pod(r, i) {
                    continue;
                }
                let site = Site {
                    obj,
                    policy,
                    peer,
                    path: format!(
                        "spec.{}[{}].{}[{i}]",
                        dir.as_str(),
                        rule.index,
                        dir.peers_key()
                    ),
                };
                if let Some(namespaces) = check_namespaces(cx, net, &site, out) {
                    check_pods(cx, net, &site, &namespaces, out);
                }
            }
        }
    }
}

/// Reports a namespace selector that matches nothing; returns the namespaces the peer
/// certainly looks in, or `None` when they are not known.
fn check_namespaces<'a>(
    cx: &Context<'_>,
    net: &NetworkModel<'a>,
    site: &Site<'_, 'a>,
    out: &mut Sink<'_>,
) -> Option<Vec<String>> {
    let Some(sel) = &site.peer.namespaces else {
        return Some(vec![site.policy.namespace.to_owned()]);
    };
    let live = namespaces_complete(cx);
    let named = named_namespaces(sel);
    let matched = net.peer_namespaces(site.policy, site.peer);
    if !matched.is_empty() || sel.is_empty() {
        return match named {
            Some(names) => Some(names.into_iter().collect()),
            None if live => Some(matched.iter().map(|n| (*n).to_owned()).collect()),
            None => None,
        };
    }
    // The selector matches no namespace of the input.
    let candidates = net
        .namespaces
        .iter()
        .map(|(name, labels)| (*name, labels.clone()));
    let near = closest(sel, candidates);
    let declared = |key: &str| {
        cx.inventory
            .of_kind("Namespace")
            .any(|ns| ns.labels().any(|(k, _)| k == key))
    };
    let typo_on_custom_label = near.as_ref().is_some_and(|c| {
        c.typo()
            && c.one_off
                .as_ref()
                .is_some_and(|o| !o.wanted.starts_with(NAME_LABEL))
    });
    let severity = if live || typo_on_custom_label {
        Severity::Warning
    } else if named.is_none()
        && sel
            .match_labels
            .iter()
            .map(|(k, _)| k)
            .chain(sel.match_expressions.iter().map(|r| &r.key))
            .any(|k| k != NAME_LABEL && declared(k))
    {
        Severity::Info
    } else {
        // A namespace the input does not declare may carry these labels.
        return None;
    };
    let mut message = format!(
        "namespaceSelector `{sel}` of NetworkPolicy `{}` ({}) matches no namespace{}",
        site.policy.name,
        site.path,
        if live { "" } else { " the input declares" }
    );
    if let Some(c) = &near {
        message.push_str(&describe_closest_namespace(c));
    }
    if severity == Severity::Info {
        message.push_str(" (the namespace it is for may be missing from this input)");
    }
    let range =
        field_anchor(site.peer.node, "namespaceSelector").unwrap_or_else(|| site.peer.node.range());
    let mut report = out
        .report(site.obj, range, message)
        .severity(severity)
        .help("make the namespaceSelector match the labels of the namespace the traffic comes from or goes to; `kubernetes.io/metadata.name: <name>` selects a namespace by name");
    if let Some(c) = near.as_ref().filter(|c| c.one_off.is_some()) {
        for ns in c.items.iter().take(3) {
            if let Some(obj) = cx.inventory.find("Namespace", None, ns) {
                report = report.related(obj, labels_or_name(obj), "the closest namespace");
            }
        }
    }
    None
}

fn labels_or_name(obj: &Object<'_>) -> faultline_syntax::TextRange {
    obj.metadata()
        .and_then(|m| field_anchor(m, "labels"))
        .unwrap_or_else(|| crate::netpol::name_range(obj))
}

fn describe_closest_namespace(c: &Closest<&str>) -> String {
    let names: Vec<String> = c.items.iter().map(|n| format!("namespace `{n}`")).collect();
    describe_one_off(&names, c)
}

fn check_pods<'a>(
    cx: &Context<'_>,
    net: &NetworkModel<'a>,
    site: &Site<'_, 'a>,
    namespaces: &[String],
    out: &mut Sink<'_>,
) {
    let Some(sel) = site.peer.pods.as_ref().filter(|s| !s.is_empty()) else {
        return;
    };
    let namespaces: Vec<&str> = namespaces.iter().map(String::as_str).collect();
    if namespaces.is_empty()
        || !namespaces.iter().all(|ns| shows_pods(cx, ns))
        || namespaces
            .iter()
            .any(|ns| !net.select_classes(ns, sel).is_empty())
    {
        return;
    }
    let near = closest_classes(net, &namespaces, sel);
    // Without a namespaceSelector the peer looks in the policy's namespace only: pods that
    // match elsewhere are the classic missing `namespaceSelector`.
    let elsewhere = site
        .peer
        .namespaces
        .is_none()
        .then(|| matches_elsewhere(cx, site.policy.namespace, sel))
        .flatten();
    let typo = near.as_ref().is_some_and(Closest::typo);
    let Some(severity) = certainty(cx, site.obj, &namespaces, sel, typo || elsewhere.is_some())
    else {
        return;
    };
    let where_ = namespaces
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!(
        "podSelector `{sel}` of NetworkPolicy `{}` ({}) matches no pod in {where_}",
        site.policy.name, site.path
    );
    let elsewhere_obj = elsewhere.map(|p| cx.inventory.get(cx.graph.pods.pod(p).object));
    message.push_str(&miss_detail(
        net,
        elsewhere_obj,
        near.as_ref(),
        ", but the peer has no `namespaceSelector`",
        severity,
    ));
    let range =
        field_anchor(site.peer.node, "podSelector").unwrap_or_else(|| site.peer.node.range());
    let help = match elsewhere_obj.and_then(|o| o.namespace) {
        Some(ns) => format!(
            "add `namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}` to the peer, beside its podSelector"
        ),
        None => "make the podSelector match the labels of the pods this rule is for; as written the peer allows no traffic".to_owned(),
    };
    let mut report: Report<'_> = out
        .report(site.obj, range, message)
        .severity(severity)
        .help(help);
    if let Some(pobj) = elsewhere_obj {
        report.related(
            pobj,
            labels_range(pobj),
            "the pods the selector matches, in another namespace",
        );
    } else if let Some(c) = near.as_ref().filter(|c| c.one_off.is_some()) {
        for w in workloads_of(net, &c.items).into_iter().take(3) {
            let wobj = cx.inventory.get(net.workload(w).object);
            report = report.related(wobj, labels_range(wobj), "the closest pods' labels");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_by_name() {
        let sel = |labels: &[(&str, &str)]| LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions: Vec::new(),
        };
        assert_eq!(
            named_namespaces(&sel(&[(NAME_LABEL, "kube-system")])),
            Some(BTreeSet::from(["kube-system".to_owned()]))
        );
        assert_eq!(
            named_namespaces(&sel(&[(NAME_LABEL, "a"), ("team", "x")])),
            None
        );
        assert_eq!(named_namespaces(&sel(&[])), None);
    }
}
