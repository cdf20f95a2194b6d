//! Why a connection is allowed or denied: per direction, the policies that isolate the pod,
//! the rules that admit the connection, or, when none does, the rules that came closest and
//! what each of them is missing, every reason pointing at the node it is about.
//!
//! The result is data ([`Verdict`]); the CLI formats it for `faultline reach`, and rules use
//! the same data for their messages and related locations.

use std::fmt;

use faultline_model::selector::{LabelSelector, Labels, label_distance};
use faultline_syntax::NodeRef;
use faultline_syntax::visible::visible;

use super::conn::{ConnSet, Protocol};
use super::ip::format_interval;
use super::model::{ClassId, Endpoint, NetworkModel, PolicyIdx, RuleRef, pod_ips};
use super::policy::{ContainerPort, Direction, Peer, Policy, Rule};

/// A policy named in a verdict.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRef<'a> {
    pub index: PolicyIdx,
    pub namespace: &'a str,
    pub name: &'a str,
    /// The policy object's node.
    pub node: NodeRef<'a>,
    /// The rules it has in the verdict's direction (zero: it denies everything there).
    pub rules: usize,
}

impl fmt::Display for PolicyRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", visible(self.namespace), visible(self.name))
    }
}

/// Why one rule does not admit a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miss {
    /// A peer without `namespaceSelector` selects pods of the policy's own namespace only.
    OtherNamespace {
        policy_namespace: String,
        namespace: String,
        /// `the source pod` or `the destination pod`.
        who: &'static str,
    },
    /// The peer's `namespaceSelector` does not match the pod's namespace.
    NamespaceSelector {
        selector: String,
        namespace: String,
        labels: Labels,
        /// It matches no namespace the input shows.
        selects_nothing: bool,
    },
    /// The peer's `podSelector` does not match the pod.
    PodSelector {
        selector: String,
        /// The requirements the pod fails, each with what the pod has instead.
        failed: Vec<String>,
        /// The namespaces the selector looks in, when it matches no pod in any of them.
        selects_nothing_in: Option<Vec<String>>,
        /// `the source pod` or `the destination pod`.
        who: &'static str,
    },
    /// A pod/namespace peer cannot match an address outside the cluster.
    NotAPod { address: String },
    /// An `ipBlock` peer does not hold the other end.
    IpBlock { block: String, other: String },
    /// The requested port is not among the rule's ports.
    Port {
        protocol: Protocol,
        port: u16,
        /// The rule's ports, as written (`TCP 80, TCP http`).
        rule_ports: String,
        /// What they resolve to on the destination pod, when that differs (named ports).
        resolved: Option<ConnSet>,
    },
    /// The rule's ports resolve to nothing on the destination pod (named ports it lacks).
    NoPortResolves {
        rule_ports: String,
        declared: Vec<ContainerPort>,
    },
}

impl Miss {
    /// How far the rule is from admitting the connection on this count: the failed
    /// requirements of a pod selector, 1 for anything else.
    fn weight(&self) -> usize {
        match self {
            Miss::PodSelector { failed, .. } => failed.len().max(1),
            _ => 1,
        }
    }
}

fn join_labels(labels: &Labels) -> String {
    if labels.is_empty() {
        return "no labels".to_owned();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `8080/TCP `http``, for lists of container ports.
pub fn describe_container_ports(ports: &[ContainerPort]) -> String {
    if ports.is_empty() {
        return "no container ports".to_owned();
    }
    ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{}/{} `{n}`", p.number, p.protocol),
            None => format!("{}/{}", p.number, p.protocol),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miss::OtherNamespace {
                policy_namespace,
                namespace,
                who,
            } => write!(
                f,
                "the peer has no `namespaceSelector`, so it selects pods in `{}` only; {who} is in `{}`",
                visible(policy_namespace),
                visible(namespace)
            ),
            Miss::NamespaceSelector {
                selector,
                namespace,
                labels,
                selects_nothing,
            } => {
                write!(
                    f,
                    "namespaceSelector `{}` does not match namespace `{}` (labels: {})",
                    visible(selector),
                    visible(namespace),
                    visible(&join_labels(labels))
                )?;
                if *selects_nothing {
                    f.write_str("; it matches no namespace of the input")?;
                }
                Ok(())
            }
            Miss::PodSelector {
                selector,
                failed,
                selects_nothing_in,
                who,
            } => {
                match selects_nothing_in {
                    Some(namespaces) => write!(
                        f,
                        "podSelector `{}` matches no pod in {}",
                        visible(selector),
                        namespaces
                            .iter()
                            .map(|n| format!("`{}`", visible(n)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )?,
                    None => write!(
                        f,
                        "podSelector `{}` does not match {who}",
                        visible(selector)
                    )?,
                }
                if !failed.is_empty() {
                    write!(f, "; {}", visible(&failed.join("; ")))?;
                }
                Ok(())
            }
            Miss::NotAPod { address } => write!(
                f,
                "the peer selects pods, and {} is outside the cluster",
                visible(address)
            ),
            Miss::IpBlock { block, other } => {
                write!(
                    f,
                    "ipBlock `{}` does not contain {}",
                    visible(block),
                    visible(other)
                )
            }
            Miss::Port {
                protocol,
                port,
                rule_ports,
                resolved,
            } => {
                write!(
                    f,
                    "port {port}/{protocol} is not in the rule's ports ({}",
                    visible(rule_ports)
                )?;
                if let Some(r) = resolved {
                    write!(f, ", on this pod: {r}")?;
                }
                f.write_str(")")
            }
            Miss::NoPortResolves {
                rule_ports,
                declared,
            } => write!(
                f,
                "the rule's ports ({}) name ports the destination pod does not declare (it has {})",
                visible(rule_ports),
                visible(&describe_container_ports(declared))
            ),
        }
    }
}

/// One reason, at the node it is about.
#[derive(Clone, Debug)]
pub struct Reason<'a> {
    pub node: NodeRef<'a>,
    /// Where the node sits in the policy: `spec.ingress[1].from[0].podSelector`.
    pub field: String,
    pub miss: Miss,
}

/// A rule that does not admit the connection, and why.
#[derive(Clone, Debug)]
pub struct NearMiss<'a> {
    pub rule: RuleRef,
    pub policy: PolicyRef<'a>,
    /// The rule's node.
    pub node: NodeRef<'a>,
    /// Every reason, peers before ports; the peer reasons are those of the closest peer.
    pub reasons: Vec<Reason<'a>>,
}

impl NearMiss<'_> {
    /// Smaller is closer.
    pub fn distance(&self) -> usize {
        self.reasons.iter().map(|r| r.miss.weight()).sum()
    }
}

/// One direction of a verdict: egress of the source, or ingress of the destination.
#[derive(Clone, Debug)]
pub struct Side<'a> {
    pub dir: Direction,
    /// The pod whose policies decide this direction; `None` for an address outside the
    /// cluster or an unknown pod (nothing isolates them).
    pub subject: Option<ClassId>,
    /// The valid policies that select the subject and isolate it in `dir`, in input order.
    /// Empty: the subject is not isolated and everything is allowed.
    pub isolating: Vec<PolicyRef<'a>>,
    /// What this direction allows between the two ends.
    pub allowed: ConnSet,
    /// Whether this direction admits the connection (the port asked for, or anything).
    pub admits: bool,
    /// The rules that admit it.
    pub allowing: Vec<RuleRef>,
    /// When this direction denies it: every rule of the isolating policies with its
    /// reasons, closest first.
    pub near_misses: Vec<NearMiss<'a>>,
}

impl<'a> Side<'a> {
    /// The rule that came closest to admitting the connection.
    pub fn nearest(&self) -> Option<&NearMiss<'a>> {
        self.near_misses.first()
    }
}

/// Whether a connection is allowed, and why.
#[derive(Clone, Debug)]
pub struct Verdict<'a> {
    pub src: Endpoint,
    pub dst: Endpoint,
    /// `ns/name[Kind]` of the source's workloads, or the address range.
    pub src_label: String,
    pub dst_label: String,
    pub port: Option<(Protocol, u16)>,
    /// Every connection the policies allow from `src` to `dst`.
    pub allowed: ConnSet,
    pub egress: Side<'a>,
    pub ingress: Side<'a>,
}

impl<'a> Verdict<'a> {
    /// Whether the connection asked about (the port, or any connection at all) is allowed.
    pub fn is_allowed(&self) -> bool {
        self.egress.admits && self.ingress.admits
    }

    /// The directions that deny it.
    pub fn denying(&self) -> Vec<&Side<'a>> {
        [&self.egress, &self.ingress]
            .into_iter()
            .filter(|s| !s.admits)
            .collect()
    }
}

/// `spec.ingress[0]`: where a rule is in its policy.
pub fn field_path(r: RuleRef) -> String {
    format!("spec.{}[{}]", r.dir.as_str(), r.rule)
}

/// `port 8080/TCP`, or `any connection`.
pub fn port_text(port: Option<(Protocol, u16)>) -> String {
    match port {
        Some((p, n)) => format!("port {n}/{p}"),
        None => "any connection".to_owned(),
    }
}

/// What `who` has for each requirement of `selector` it fails: `` `app=user-svc`: the source
/// pod has app=user-service ``, `` `tier`: the source pod has no `tier` label ``.
pub fn describe_misses(selector: &LabelSelector, labels: &Labels, who: &str) -> Vec<String> {
    let has = |key: &str| match labels.get(key) {
        Some(v) => format!("{who} has {key}={v}"),
        None => format!("{who} has no `{key}` label"),
    };
    let mut out = Vec::new();
    for (k, v) in &selector.match_labels {
        if labels.get(k) != Some(v) {
            out.push(format!("`{k}={v}`: {}", has(k)));
        }
    }
    for r in &selector.match_expressions {
        if !r.matches(labels) {
            out.push(format!("`{r}`: {}", has(&r.key)));
        }
    }
    out
}

impl<'a> NetworkModel<'a> {
    /// `ns/name[Kind]` of an endpoint (the first two workloads of a class, and a count).
    pub fn endpoint_label(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Class(c) => {
                let class = self.class(c);
                let mut names: Vec<String> = class
                    .workloads
                    .iter()
                    .take(2)
                    .map(|w| self.workload(*w).label())
                    .collect();
                if class.workloads.len() > 2 {
                    names.push(format!("{} more", class.workloads.len() - 2));
                }
                if names.is_empty() {
                    format!(
                        "pods in `{}` ({})",
                        class.namespace,
                        join_labels(&class.labels)
                    )
                } else {
                    names.join(", ")
                }
            }
            Endpoint::External(cell) => format_interval(cell),
            Endpoint::AnyPod => "{ingress-controller}".to_owned(),
        }
    }

    fn policy_ref(&self, index: PolicyIdx, dir: Direction) -> PolicyRef<'a> {
        let p = &self.policies[index];
        PolicyRef {
            index,
            namespace: p.namespace,
            name: p.name,
            node: p.node,
            rules: p.rules(dir).map_or(0, <[Rule<'_>]>::len),
        }
    }

    /// Why `src` may or may not reach `dst` (on `port`, or at all).
    pub fn explain(
        &self,
        src: Endpoint,
        dst: Endpoint,
        port: Option<(Protocol, u16)>,
    ) -> Verdict<'a> {
        let no_ports: &[ContainerPort] = &[];
        let dst_ports = match dst {
            Endpoint::Class(d) => &self.class(d).ports[..],
            _ => no_ports,
        };
        let subject = |e: Endpoint| match e {
            Endpoint::Class(c) => Some(c),
            _ => None,
        };
        let egress = self.explain_side(Direction::Egress, subject(src), dst, dst_ports, port);
        let ingress = self.explain_side(Direction::Ingress, subject(dst), src, dst_ports, port);
        Verdict {
            src,
            dst,
            src_label: self.endpoint_label(src),
            dst_label: self.endpoint_label(dst),
            port,
            allowed: egress.allowed.intersect(&ingress.allowed),
            egress,
            ingress,
        }
    }

    fn explain_side(
        &self,
        dir: Direction,
        subject: Option<ClassId>,
        other: Endpoint,
        dst_ports: &[ContainerPort],
        port: Option<(Protocol, u16)>,
    ) -> Side<'a> {
        let Some(c) = subject else {
            return Side {
                dir,
                subject,
                isolating: Vec::new(),
                allowed: ConnSet::all(),
                admits: true,
                allowing: Vec::new(),
                near_misses: Vec::new(),
            };
        };
        let admits_conn = |conn: &ConnSet| match port {
            Some((p, n)) => conn.allows(p, n),
            None => !conn.is_empty(),
        };
        let policies = self.isolating(c, dir);
        let allowed = self.side(dir, c, other, dst_ports);
        let mut allowing = Vec::new();
        let mut near_misses = Vec::new();
        for (r, rule) in self.isolating_rules(c, dir) {
            let conn = rule.allowed_ports(dst_ports);
            if self.rule_matches(r, other) && admits_conn(&conn) {
                allowing.push(r);
            } else {
                near_misses.push(NearMiss {
                    rule: r,
                    policy: self.policy_ref(r.policy, dir),
                    node: rule.node,
                    reasons: self.rule_reasons(r, other, dst_ports, port),
                });
            }
        }
        let admits = policies.is_empty() || !allowing.is_empty();
        if admits {
            near_misses.clear();
        }
        // Closest first; input order breaks ties.
        near_misses.sort_by_key(|m| (m.distance(), m.rule));
        Side {
            dir,
            subject,
            isolating: policies
                .iter()
                .map(|pi| self.policy_ref(*pi, dir))
                .collect(),
            allowed,
            admits,
            allowing,
            near_misses,
        }
    }

    /// Why rule `r` does not admit `other` on `port`: the reasons of its closest peer, then
    /// its ports.
    pub fn rule_reasons(
        &self,
        r: RuleRef,
        other: Endpoint,
        dst_ports: &[ContainerPort],
        port: Option<(Protocol, u16)>,
    ) -> Vec<Reason<'a>> {
        let policy = &self.policies[r.policy];
        let rule = self.rule(r);
        let mut out = Vec::new();
        if let Some(peers) = &rule.peers
            && !self.rule_matches(r, other)
        {
            let closest = peers
                .iter()
                .enumerate()
                .map(|(i, peer)| {
                    let base = format!("{}.{}[{i}]", field_path(r), r.dir.peers_key());
                    self.peer_reasons(policy, r.dir, peer, &base, other)
                })
                .min_by_key(|reasons| reasons.iter().map(|r| r.miss.weight()).sum::<usize>());
            out.extend(closest.into_iter().flatten());
        }
        let conn = rule.allowed_ports(dst_ports);
        let ports_node = rule.node.get("ports").unwrap_or(rule.node);
        let rule_ports = || {
            rule.ports
                .iter()
                .flatten()
                .map(|p| p.describe())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ports_field = format!("{}.ports", field_path(r));
        match port {
            Some((p, n)) if !conn.allows(p, n) => out.push(Reason {
                node: ports_node,
                field: ports_field,
                miss: Miss::Port {
                    protocol: p,
                    port: n,
                    rule_ports: rule_ports(),
                    resolved: rule.has_named_ports().then_some(conn),
                },
            }),
            None if conn.is_empty() => out.push(Reason {
                node: ports_node,
                field: ports_field,
                miss: Miss::NoPortResolves {
                    rule_ports: rule_ports(),
                    declared: dst_ports.to_vec(),
                },
            }),
            _ => {}
        }
        out
    }

    /// Why `peer` (of a `dir` rule of `policy`) does not match `other`; empty when it does.
    pub fn peer_reasons(
        &self,
        policy: &Policy<'a>,
        dir: Direction,
        peer: &Peer<'a>,
        base: &str,
        other: Endpoint,
    ) -> Vec<Reason<'a>> {
        let who = match dir {
            Direction::Ingress => "the source pod",
            Direction::Egress => "the destination pod",
        };
        let mut out = Vec::new();
        let at = |node: Option<NodeRef<'a>>, key: &str, miss: Miss| Reason {
            node: node.unwrap_or(peer.node),
            field: if node.is_some() {
                format!("{base}.{key}")
            } else {
                base.to_owned()
            },
            miss,
        };
        let ip_node = peer.node.get("ipBlock");
        if let Some(block) = &peer.ip {
            let block_text = ip_node
                .and_then(|n| n.get("cidr"))
                .and_then(|n| n.scalar_text())
                .unwrap_or("")
                .to_owned();
            let other_text = match other {
                Endpoint::External(cell) => {
                    if block.contains_cell(cell) {
                        return out;
                    }
                    format_interval(cell)
                }
                Endpoint::AnyPod => "the ingress controller (a pod of unknown address)".to_owned(),
                Endpoint::Class(c) => {
                    let ips: Vec<String> = self
                        .class(c)
                        .pods
                        .iter()
                        .flat_map(|p| {
                            pod_ips(self.graph.inventory.get(self.graph.pods.pod(*p).object))
                        })
                        .take(2)
                        .map(|ip| ip.to_string())
                        .collect();
                    if !self.options.ipblock_matches_pods {
                        format!(
                            "{who} (ipBlock peers match only addresses outside the cluster here)"
                        )
                    } else if ips.is_empty() {
                        format!("{who} (its IP is not in the input)")
                    } else {
                        format!("the IP of {who} ({})", ips.join(", "))
                    }
                }
            };
            out.push(at(
                ip_node,
                "ipBlock",
                Miss::IpBlock {
                    block: block_text,
                    other: other_text,
                },
            ));
            return out;
        }
        let c = match other {
            Endpoint::Class(c) => c,
            Endpoint::External(cell) => {
                out.push(at(
                    None,
                    "",
                    Miss::NotAPod {
                        address: format_interval(cell),
                    },
                ));
                return out;
            }
            Endpoint::AnyPod => {
                if peer.matches_any_pod() {
                    return out;
                }
                let (node, key) = match peer.namespaces_node {
                    Some(n) => (Some(n), "namespaceSelector"),
                    None => (peer.pods_node, "podSelector"),
                };
                out.push(at(
                    node,
                    key,
                    Miss::NotAPod {
                        address: "the ingress controller (a pod of unknown namespace and labels)"
                            .to_owned(),
                    },
                ));
                return out;
            }
        };
        let class = self.class(c);
        match &peer.namespaces {
            None if class.namespace != policy.namespace => out.push(at(
                peer.pods_node,
                "podSelector",
                Miss::OtherNamespace {
                    policy_namespace: policy.namespace.to_owned(),
                    namespace: class.namespace.to_owned(),
                    who,
                },
            )),
            Some(sel) => {
                let labels = self
                    .namespaces
                    .get(class.namespace)
                    .cloned()
                    .unwrap_or_default();
                if !sel.matches(&labels) {
                    out.push(at(
                        peer.namespaces_node,
                        "namespaceSelector",
                        Miss::NamespaceSelector {
                            selector: sel.to_string(),
                            namespace: class.namespace.to_owned(),
                            labels,
                            selects_nothing: !self.namespaces.values().any(|l| sel.matches(l)),
                        },
                    ));
                }
            }
            None => {}
        }
        if let Some(sel) = &peer.pods
            && !sel.matches(&class.labels)
        {
            let namespaces = self.peer_namespaces(policy, peer);
            let selects_nothing = !namespaces.is_empty()
                && namespaces
                    .iter()
                    .all(|ns| self.select_classes(ns, sel).is_empty());
            out.push(at(
                peer.pods_node,
                "podSelector",
                Miss::PodSelector {
                    selector: sel.to_string(),
                    failed: describe_misses(sel, &class.labels, who),
                    selects_nothing_in: selects_nothing
                        .then(|| namespaces.iter().map(|n| (*n).to_owned()).collect()),
                    who,
                },
            ));
        }
        out
    }

    /// The pod classes of `namespaces` closest to `selector` without matching it, with their
    /// distance: the candidates a "selects nothing" message names. Deterministic: ties keep
    /// class order.
    pub fn closest_classes(
        &self,
        namespaces: &[&str],
        selector: &LabelSelector,
    ) -> Option<(usize, Vec<ClassId>)> {
        let mut best: Option<(usize, Vec<ClassId>)> = None;
        for ns in namespaces {
            for c in self.select_classes(ns, &LabelSelector::default()) {
                let d = label_distance(selector, &self.class(c).labels);
                match &mut best {
                    Some((bd, list)) if *bd == d => list.push(c),
                    Some((bd, _)) if *bd < d => {}
                    _ => best = Some((d, vec![c])),
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use faultline_model::{Inventory, ModelOptions};
    use faultline_syntax::ParsedText;

    use super::*;
    use crate::Graph;
    use crate::netpol::NetOptions;

    const SHOP: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: user-service, namespace: prod}
spec:
  template:
    metadata: {labels: {app: user-service}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payment, namespace: prod}
spec:
  template:
    metadata: {labels: {app: payment}}
    spec:
      containers:
        - name: c
          image: i
          ports: [{containerPort: 8080, name: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: payment-ingress, namespace: prod}
spec:
  podSelector: {matchLabels: {app: payment}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: user-svc}}
      ports: [{port: 8080}]
    - from:
        - namespaceSelector: {matchLabels: {team: web}}
      ports: [{port: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
";

    fn with_model(text: &str, f: impl FnOnce(&NetworkModel<'_>)) {
        let parsed: Vec<ParsedText> = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let options = ModelOptions::default();
        let inv = Inventory::build(&parsed, &options);
        let graph = Graph::build(&inv);
        let model = NetworkModel::build(&graph, NetOptions::default());
        f(&model);
    }

    fn class(model: &NetworkModel<'_>, name: &str) -> Endpoint {
        let obj = model
            .graph
            .inventory
            .objects
            .iter()
            .find(|o| o.name == name && o.kind == "Deployment")
            .expect("the workload");
        Endpoint::Class(model.class_of(obj.id).expect("a class"))
    }

    #[test]
    fn a_selector_typo_is_the_nearest_miss() {
        with_model(SHOP, |m| {
            let v = m.explain(
                class(m, "user-service"),
                class(m, "payment"),
                Some((Protocol::Tcp, 8080)),
            );
            assert!(!v.is_allowed());
            assert!(v.egress.admits && v.egress.isolating.is_empty());
            let side = &v.ingress;
            assert_eq!(side.isolating.len(), 1);
            assert_eq!(side.isolating[0].name, "payment-ingress");
            let near = side.nearest().expect("a near miss");
            assert_eq!(near.rule.rule, 0);
            assert_eq!(near.reasons.len(), 1);
            assert_eq!(near.reasons[0].field, "spec.ingress[0].from[0].podSelector");
            assert_eq!(
                near.reasons[0].miss.to_string(),
                "podSelector `app=user-svc` matches no pod in `prod`; \
                 `app=user-svc`: the source pod has app=user-service"
            );
            // The node is the selector as written.
            assert!(near.reasons[0].node.is_map());
        });
    }

    #[test]
    fn a_port_outside_the_rule_and_an_allowing_rule() {
        let fixed = SHOP.replace("app: user-svc", "app: user-service");
        with_model(&fixed, |m| {
            let (src, dst) = (class(m, "user-service"), class(m, "payment"));
            let ok = m.explain(src, dst, Some((Protocol::Tcp, 8080)));
            assert!(ok.is_allowed());
            assert_eq!(ok.ingress.allowing.len(), 1);
            assert!(ok.ingress.near_misses.is_empty());
            assert_eq!(ok.allowed.to_string(), "TCP 8080");
            let no = m.explain(src, dst, Some((Protocol::Tcp, 9090)));
            assert!(!no.is_allowed());
            let near = no.ingress.nearest().unwrap();
            assert_eq!(near.rule.rule, 0, "right peer, wrong port beats wrong both");
            assert_eq!(
                near.reasons[0].miss.to_string(),
                "port 9090/TCP is not in the rule's ports (TCP 8080)"
            );
            assert_eq!(near.reasons[0].field, "spec.ingress[0].ports");
        });
    }

    #[test]
    fn a_namespace_selector_miss_names_the_namespace_labels() {
        with_model(SHOP, |m| {
            let v = m.explain(
                class(m, "web"),
                class(m, "payment"),
                Some((Protocol::Tcp, 8080)),
            );
            assert!(!v.is_allowed());
            // The egress side of `web` is isolated with no rules at all.
            assert!(!v.egress.admits);
            assert_eq!(v.egress.isolating[0].name, "deny-egress");
            assert_eq!(v.egress.isolating[0].rules, 0);
            assert!(v.egress.near_misses.is_empty());
            let reasons: Vec<String> = v
                .ingress
                .near_misses
                .iter()
                .flat_map(|n| n.reasons.iter().map(|r| r.miss.to_string()))
                .collect();
            assert!(
                reasons.contains(
                    &"namespaceSelector `team=web` does not match namespace `shop` \
                      (labels: kubernetes.io/metadata.name=shop, team=shop); \
                      it matches no namespace of the input"
                        .to_owned()
                ),
                "{reasons:#?}"
            );
            assert!(
                reasons.contains(
                    &"the peer has no `namespaceSelector`, so it selects pods in `prod` only; \
                  the source pod is in `shop`"
                        .to_owned()
                )
            );
        });
    }

    #[test]
    fn verdicts_carry_what_reach_renders() {
        with_model(SHOP, |m| {
            let v = m.explain(
                class(m, "user-service"),
                class(m, "payment"),
                Some((Protocol::Tcp, 8080)),
            );
            assert!(!v.is_allowed());
            assert_eq!(v.allowed.to_string(), "No Connections");
            assert!(v.egress.isolating.is_empty());
            let near = v.ingress.nearest().expect("a nearest rule");
            assert_eq!(near.policy.to_string(), "prod/payment-ingress");
            assert_eq!(field_path(near.rule), "spec.ingress[0]");
            assert_eq!(port_text(v.port), "port 8080/TCP");
            let out = m.explain(
                Endpoint::External((0x0808_0800, 0x0808_08ff)),
                class(m, "payment"),
                None,
            );
            assert!(!out.is_allowed());
            assert!(out.egress.subject.is_none(), "the source is not a pod");
            let near = out.ingress.nearest().unwrap();
            assert_eq!(
                near.reasons[0].miss.to_string(),
                "the peer selects pods, and 8.8.8.0-8.8.8.255 is outside the cluster"
            );
        });
    }

    #[test]
    fn a_named_port_the_pod_lacks_resolves_to_nothing() {
        let text = SHOP
            .replace(
                "ports: [{containerPort: 8080, name: http}]",
                "ports: [{containerPort: 8080, name: web}]",
            )
            .replace(
                "namespaceSelector: {matchLabels: {team: web}}",
                "namespaceSelector: {}",
            );
        with_model(&text, |m| {
            let v = m.explain(class(m, "web"), class(m, "payment"), None);
            let near = v
                .ingress
                .near_misses
                .iter()
                .find(|n| n.rule.rule == 1)
                .unwrap();
            assert_eq!(
                near.reasons[0].miss.to_string(),
                "the rule's ports (TCP `http`) name ports the destination pod does not declare \
                 (it has 8080/TCP `web`)"
            );
        });
    }
}
