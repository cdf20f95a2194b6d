//! NetworkPolicy objects read into the form the evaluator needs, keeping the node of every
//! rule, peer and port so that explanations and diagnostics can point at them.

use faultline_model::selector::LabelSelector;
use faultline_model::selectors::parse_label_selector;
use faultline_model::{Object, ObjectId};
use faultline_syntax::{NodeRef, TextRange};

use super::conn::{ConnSet, PortSet, Protocol};
use super::ip::{Cidr, IpBlock};

/// Ingress or egress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// `from` or `to`.
    pub fn peers_key(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// One NetworkPolicy.
#[derive(Clone, Debug)]
pub struct Policy<'a> {
    pub object: ObjectId,
    pub node: NodeRef<'a>,
    pub namespace: &'a str,
    pub name: &'a str,
    /// `spec.podSelector` (absent reads as `{}`: every pod of the namespace).
    pub pod_selector: LabelSelector,
    pub pod_selector_node: Option<NodeRef<'a>>,
    /// The ingress rules when the policy isolates its pods for ingress (an empty list denies
    /// all ingress); `None` when it does not.
    pub ingress: Option<Vec<Rule<'a>>>,
    pub egress: Option<Vec<Rule<'a>>>,
    /// What the API server would reject, at the offending node. A policy with problems is not
    /// evaluated: it would not exist in the cluster.
    pub problems: Vec<(TextRange, String)>,
    /// Rules written under a direction that `policyTypes` leaves out: they have no effect.
    pub ignored: Vec<(Direction, NodeRef<'a>)>,
}

impl<'a> Policy<'a> {
    pub fn rules(&self, dir: Direction) -> Option<&[Rule<'a>]> {
        match dir {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }

    pub fn isolates(&self, dir: Direction) -> bool {
        self.rules(dir).is_some()
    }
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct Rule<'a> {
    pub node: NodeRef<'a>,
    /// Position in the policy's `ingress`/`egress` list.
    pub index: usize,
    /// `None` when `from`/`to` is absent or empty: every peer, inside or outside the cluster.
    pub peers: Option<Vec<Peer<'a>>>,
    /// `None` when `ports` is absent or empty: every port of every protocol.
    pub ports: Option<Vec<PortRule<'a>>>,
}

/// One `from`/`to` entry.
#[derive(Clone, Debug)]
pub struct Peer<'a> {
    pub node: NodeRef<'a>,
    /// `podSelector`; `None` (or `{}`) selects every pod of the peer's namespaces.
    pub pods: Option<LabelSelector>,
    pub pods_node: Option<NodeRef<'a>>,
    /// `namespaceSelector`; `None` means the policy's own namespace, `{}` every namespace.
    pub namespaces: Option<LabelSelector>,
    pub namespaces_node: Option<NodeRef<'a>>,
    pub ip: Option<IpBlock>,
}

impl Peer<'_> {
    /// Whether the peer matches every pod of every namespace (what an unknown in-cluster
    /// client, such as an ingress controller, is certain to match).
    pub fn matches_any_pod(&self) -> bool {
        self.ip.is_none()
            && self
                .namespaces
                .as_ref()
                .is_some_and(LabelSelector::is_empty)
            && self.pods.as_ref().is_none_or(LabelSelector::is_empty)
    }
}

/// What a port entry allows on its protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortMatch {
    /// No `port`: every port.
    Any,
    /// `port` (and `endPort`).
    Range(u16, u16),
    /// A named port, resolved on the destination pod's container ports.
    Named(String),
}

/// One `ports` entry.
#[derive(Clone, Debug)]
pub struct PortRule<'a> {
    pub node: NodeRef<'a>,
    pub protocol: Protocol,
    pub port: PortMatch,
}

/// A container port of a destination pod, for resolving named ports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: u16,
    pub protocol: Protocol,
}

/// The container ports named `name` on `protocol`, as connections.
pub fn resolve_named(ports: &[ContainerPort], name: &str, protocol: Protocol) -> ConnSet {
    let mut out = ConnSet::empty();
    for p in ports {
        if p.name.as_deref() == Some(name) && p.protocol == protocol {
            let n = u32::from(p.number);
            out.add(&ConnSet::of(protocol, PortSet::range(n, n)));
        }
    }
    out
}

impl PortRule<'_> {
    /// The connections this entry allows to a pod exposing `ports`. A named port that the
    /// pod does not declare on this protocol allows nothing.
    pub fn resolve(&self, ports: &[ContainerPort]) -> ConnSet {
        match &self.port {
            PortMatch::Any => ConnSet::of(self.protocol, PortSet::all()),
            PortMatch::Range(lo, hi) => ConnSet::of(
                self.protocol,
                PortSet::range(u32::from(*lo), u32::from(*hi)),
            ),
            PortMatch::Named(name) => resolve_named(ports, name, self.protocol),
        }
    }

    /// `TCP 8080`, `UDP 53-60`, `TCP http`, `TCP` (any port), for messages.
    pub fn describe(&self) -> String {
        match &self.port {
            PortMatch::Any => format!("{} (any port)", self.protocol),
            PortMatch::Range(lo, hi) if lo == hi => format!("{} {lo}", self.protocol),
            PortMatch::Range(lo, hi) => format!("{} {lo}-{hi}", self.protocol),
            PortMatch::Named(n) => format!("{} `{n}`", self.protocol),
        }
    }
}

impl Rule<'_> {
    /// The ports the rule allows to a pod exposing `ports`.
    pub fn allowed_ports(&self, ports: &[ContainerPort]) -> ConnSet {
        match &self.ports {
            None => ConnSet::all(),
            Some(list) => {
                let mut out = ConnSet::empty();
                for p in list {
                    out.add(&p.resolve(ports));
                }
                out
            }
        }
    }

    /// Whether the allowed ports do not depend on the destination (no named port).
    pub fn has_named_ports(&self) -> bool {
        self.ports
            .iter()
            .flatten()
            .any(|p| matches!(p.port, PortMatch::Named(_)))
    }
}

/// Reads a NetworkPolicy. Returns `None` for other kinds.
pub fn read_policy<'a>(obj: &Object<'a>) -> Option<Policy<'a>> {
    if obj.kind != "NetworkPolicy" || !obj.api_version.starts_with("networking.k8s.io/") {
        return None;
    }
    let spec = obj.spec();
    let mut problems = Vec::new();
    let pod_selector_node = spec
        .and_then(|s| s.get("podSelector"))
        .filter(|n| !n.is_null());
    let pod_selector = match pod_selector_node {
        Some(node) => selector(node, &mut problems),
        None => LabelSelector::default(),
    };
    let section = |key: &str| spec.and_then(|s| s.get(key)).filter(|n| !n.is_null());
    let types: Option<Vec<(&str, TextRange)>> = section("policyTypes").map(|t| {
        t.items()
            .map(|i| (i.as_str().unwrap_or(""), i.range()))
            .collect()
    });
    let has = |dir: Direction| match &types {
        Some(list) if !list.is_empty() => list.iter().any(|(t, _)| match dir {
            Direction::Ingress => *t == "Ingress",
            Direction::Egress => *t == "Egress",
        }),
        // Defaulting: Ingress always; Egress when there are egress rules.
        _ => match dir {
            Direction::Ingress => true,
            Direction::Egress => section("egress").is_some_and(|e| !e.is_empty()),
        },
    };
    for (t, range) in types.iter().flatten() {
        if *t != "Ingress" && *t != "Egress" {
            problems.push((
                *range,
                format!("`{t}` is not a policy type; use `Ingress` or `Egress`"),
            ));
        }
    }
    let mut ignored = Vec::new();
    let mut read_dir = |dir: Direction, problems: &mut Vec<(TextRange, String)>| {
        let list = section(dir.as_str());
        if !has(dir) {
            if let Some(list) = list.filter(|l| !l.is_empty()) {
                ignored.push((dir, list));
            }
            return None;
        }
        Some(
            list.into_iter()
                .flat_map(|l| l.items())
                .enumerate()
                .map(|(index, node)| read_rule(node, index, dir, problems))
                .collect(),
        )
    };
    let ingress = read_dir(Direction::Ingress, &mut problems);
    let egress = read_dir(Direction::Egress, &mut problems);
    Some(Policy {
        object: obj.id,
        node: obj.node,
        namespace: obj.namespace.unwrap_or("default"),
        name: obj.name,
        pod_selector,
        pod_selector_node,
        ingress,
        egress,
        problems,
        ignored,
    })
}

fn selector(node: NodeRef<'_>, problems: &mut Vec<(TextRange, String)>) -> LabelSelector {
    let parsed = parse_label_selector(node);
    problems.extend(parsed.problems);
    parsed.selector
}

fn read_rule<'a>(
    node: NodeRef<'a>,
    index: usize,
    dir: Direction,
    problems: &mut Vec<(TextRange, String)>,
) -> Rule<'a> {
    let peers = node
        .get(dir.peers_key())
        .filter(|p| !p.is_empty())
        .map(|list| list.items().map(|p| read_peer(p, problems)).collect());
    let ports = node
        .get("ports")
        .filter(|p| !p.is_empty())
        .map(|list| list.items().map(|p| read_port(p, problems)).collect());
    Rule {
        node,
        index,
        peers,
        ports,
    }
}

fn read_peer<'a>(node: NodeRef<'a>, problems: &mut Vec<(TextRange, String)>) -> Peer<'a> {
    let get = |k: &str| node.get(k).filter(|n| !n.is_null());
    let pods_node = get("podSelector");
    let namespaces_node = get("namespaceSelector");
    let ip_node = get("ipBlock");
    let pods = pods_node.map(|n| selector(n, problems));
    let namespaces = namespaces_node.map(|n| selector(n, problems));
    let ip = ip_node.and_then(|n| read_ip_block(n, problems));
    if pods_node.is_none() && namespaces_node.is_none() && ip_node.is_none() {
        problems.push((
            node.range(),
            "a peer must set `podSelector`, `namespaceSelector` or `ipBlock`".to_owned(),
        ));
    }
    if let Some(ip_node) = ip_node
        && (pods_node.is_some() || namespaces_node.is_some())
    {
        let key = node.entry("ipBlock").map_or(ip_node, |(k, _)| k);
        problems.push((
            key.range(),
            "`ipBlock` cannot be combined with `podSelector` or `namespaceSelector` in one peer; \
             write them as separate peers"
                .to_owned(),
        ));
    }
    Peer {
        node,
        pods,
        pods_node,
        namespaces,
        namespaces_node,
        ip,
    }
}

fn read_ip_block(node: NodeRef<'_>, problems: &mut Vec<(TextRange, String)>) -> Option<IpBlock> {
    let Some(cidr_node) = node.get("cidr") else {
        problems.push((node.range(), "`ipBlock` needs a `cidr`".to_owned()));
        return None;
    };
    let cidr = match Cidr::parse(cidr_node.scalar_text().unwrap_or("")) {
        Ok(c) => c,
        Err(e) => {
            problems.push((cidr_node.range(), e));
            return None;
        }
    };
    let mut except = Vec::new();
    for e in node.get("except").into_iter().flat_map(|e| e.items()) {
        match Cidr::parse(e.scalar_text().unwrap_or("")) {
            Ok(c) if cidr.covers(&c) && c != cidr => except.push(c),
            Ok(_) => problems.push((
                e.range(),
                format!(
                    "`except` entry `{}` must be strictly inside the block's `cidr`",
                    e.scalar_text().unwrap_or("")
                ),
            )),
            Err(msg) => problems.push((e.range(), msg)),
        }
    }
    Some(IpBlock { cidr, except })
}

fn read_port<'a>(node: NodeRef<'a>, problems: &mut Vec<(TextRange, String)>) -> PortRule<'a> {
    let protocol = match node.get("protocol").filter(|n| !n.is_null()) {
        None => Protocol::Tcp,
        Some(p) => {
            let text = p.scalar_text().unwrap_or("");
            Protocol::parse(text).unwrap_or_else(|| {
                problems.push((
                    p.range(),
                    format!("`{text}` is not a protocol; use `TCP`, `UDP` or `SCTP`"),
                ));
                Protocol::Tcp
            })
        }
    };
    let port_node = node.get("port").filter(|n| !n.is_null());
    let end_node = node.get("endPort").filter(|n| !n.is_null());
    let end = end_node.and_then(|e| e.as_i64());
    let number_ok = |n: i64| (1..=65535).contains(&n);
    let port = match port_node {
        None => {
            if let Some(e) = end_node {
                problems.push((e.range(), "`endPort` needs a numeric `port`".to_owned()));
            }
            PortMatch::Any
        }
        Some(p) => match p.as_i64() {
            Some(n) if number_ok(n) => {
                let hi = match (end, end_node) {
                    (Some(e), _) if number_ok(e) && e >= n => e,
                    (_, Some(e)) => {
                        problems.push((
                            e.range(),
                            format!("`endPort` must be a port number from {n} to 65535"),
                        ));
                        n
                    }
                    _ => n,
                };
                PortMatch::Range(n as u16, hi as u16)
            }
            Some(n) => {
                problems.push((p.range(), format!("port {n} is outside 1–65535")));
                PortMatch::Range(1, 0)
            }
            None => {
                let name = p.scalar_text().unwrap_or("").to_owned();
                if let Some(e) = end_node {
                    problems.push((
                        e.range(),
                        "`endPort` cannot be used with a named port".to_owned(),
                    ));
                }
                if let Err(msg) = validate_port_name(&name) {
                    problems.push((p.range(), msg));
                }
                PortMatch::Named(name)
            }
        },
    };
    PortRule {
        node,
        protocol,
        port,
    }
}

/// An IANA service name, as the API requires of named ports: 1–15 lowercase letters, digits
/// and `-`, at least one letter, no leading, trailing or double `-`.
pub fn validate_port_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid port name: use 1–15 lowercase letters, digits and `-`, \
             with at least one letter"
        ))
    }
}
