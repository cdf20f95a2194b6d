use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use faultline_diagnostics::Severity;
use faultline_graph::netpol::model::PolicyIdx;
use faultline_graph::netpol::policy::ContainerPort;
use faultline_graph::netpol::services::PortPick;
use faultline_graph::netpol::{
    ClassId, ConnSet, Direction, Endpoint, NetworkModel, PortSet, Protocol, RuleRef,
};
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::selector::LabelSelector;

use crate::hosts::{HostRef, host_refs};
use crate::netpol::{
    PolicyView, anchor, host_network, isolation_range, relate_policy, relate_workloads,
    valid_policy_of, workload_list, workloads_of,
};
use crate::sink::Report;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods that a NetworkPolicy isolates for egress while no policy lets them reach
    /// DNS on port 53 over both UDP and TCP. The finding sits on the policy that isolates
    /// them (its `Egress` policy type or `egress` field) and lists the pods affected and the
    /// other policies involved.
    ///
    /// When the input shows the cluster DNS (the `kube-dns` Service or pods labelled
    /// `k8s-app: kube-dns` in `kube-system`), the path must reach those pods, through their
    /// own ingress policies too, on the Service's target ports; the rule that came closest is
    /// named with what it lacks (a missing `namespaceSelector` is the classic). Otherwise any
    /// egress rule that allows port 53 (or 5353, OpenShift's DNS pods) to destinations that
    /// could hold the DNS server counts: all destinations, an `ipBlock`, or a
    /// `namespaceSelector` (a `podSelector` alone only in `kube-system`). A path to
    /// NodeLocal DNSCache (an `ipBlock` holding 169.254.20.10) counts as well.
    ///
    /// No DNS while other egress is allowed, or TCP only, is an error; UDP without TCP is a
    /// warning. Pods that may send nothing at all (every policy isolating their egress has
    /// no egress rule) need DNS only if they connect somewhere: an error when their
    /// configuration names a host (a URL, `host:port` or a Service of the input, read as
    /// `netpol-blocks-service-dependency` reads it), a warning otherwise, since a complete
    /// lockdown can be deliberate. Pods on the host network, and pods with `dnsPolicy:
    /// Default` or `None` (they do not use the cluster DNS), are left out.
    ///
    /// ## Why it matters
    /// Every connection by name starts with a lookup. A default-deny egress policy without a
    /// DNS exception breaks all of them at once, with errors that point elsewhere:
    /// `UnknownHostException: redis.cache` in the outage this rule comes from. Without TCP,
    /// lookups fail whenever an answer is too large for UDP and the resolver retries over TCP.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: order-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: order-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/order:2.1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-all
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: order-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: order-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/order:2.1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-all
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    ///   egress:
    ///     - to:
    ///         - namespaceSelector:
    ///             matchLabels:
    ///               kubernetes.io/metadata.name: kube-system
    ///           podSelector:
    ///             matchLabels:
    ///               k8s-app: kube-dns
    ///       ports:
    ///         - protocol: UDP
    ///           port: 53
    ///         - protocol: TCP
    ///           port: 53
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Network Policies, default deny all egress: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic>
    /// - DNS for Services and Pods: <https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/>
    /// - NodeLocal DNSCache: <https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/>
    pub struct NetpolBlocksDns {
        id: "netpol-blocks-dns",
        category: Network,
        severity: Error,
        summary: "pods isolated for egress cannot reach DNS on port 53 over UDP and TCP",
        params: [],
    }
}

/// The cluster DNS as far as the input shows it.
enum Servers {
    /// Its pod classes and the connections a lookup addresses on each.
    Pods(Vec<(ClassId, ConnSet)>),
    Unknown,
}

fn dns(port: u32) -> ConnSet {
    ConnSet::of(Protocol::Udp, PortSet::range(port, port))
        .union(&ConnSet::of(Protocol::Tcp, PortSet::range(port, port)))
}

fn servers(cx: &Context<'_>, net: &NetworkModel<'_>) -> Servers {
    if let Some(svc) = cx
        .inventory
        .find("Service", Some("kube-system"), "kube-dns")
    {
        let backends = net.service_backends(svc, &PortPick::Number(53));
        if !backends.is_empty() {
            return Servers::Pods(backends);
        }
    }
    let selector = LabelSelector {
        match_labels: vec![("k8s-app".to_owned(), "kube-dns".to_owned())],
        match_expressions: Vec::new(),
    };
    let classes = net.select_classes("kube-system", &selector);
    if classes.is_empty() {
        Servers::Unknown
    } else {
        Servers::Pods(classes.into_iter().map(|c| (c, dns(53))).collect())
    }
}

/// How much DNS a class can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// No DNS, while other egress is allowed.
    Nothing,
    /// No egress at all.
    Lockdown,
    TcpOnly,
    UdpOnly,
}

/// The ports CoreDNS declares, for resolving named ports in rules toward an unknown server.
fn coredns_ports() -> Vec<ContainerPort> {
    vec![
        ContainerPort {
            name: Some("dns".to_owned()),
            number: 53,
            protocol: Protocol::Udp,
        },
        ContainerPort {
            name: Some("dns-tcp".to_owned()),
            number: 53,
            protocol: Protocol::Tcp,
        },
    ]
}

const NODE_LOCAL_DNS: Ipv4Addr = Ipv4Addr::new(169, 254, 20, 10);

/// Whether the egress rules of `c` allow (UDP, TCP) DNS to an address or destination that
/// is not a pod of the input: NodeLocal DNSCache always; with an unknown server, anything
/// that could hold it.
fn egress_paths(net: &NetworkModel<'_>, c: ClassId, unknown_server: bool) -> (bool, bool) {
    let ports = coredns_ports();
    let (mut udp, mut tcp) = (false, false);
    for (r, rule) in net.isolating_rules(c, Direction::Egress) {
        let policy = &net.policies[r.policy];
        let possible = match &rule.peers {
            None => unknown_server,
            Some(peers) => peers.iter().any(|p| match &p.ip {
                Some(block) => unknown_server || block.contains(IpAddr::V4(NODE_LOCAL_DNS)),
                None => {
                    unknown_server && (p.namespaces.is_some() || policy.namespace == "kube-system")
                }
            }),
        };
        if possible {
            let conn = rule.allowed_ports(&ports);
            udp |= conn.allows(Protocol::Udp, 53) || conn.allows(Protocol::Udp, 5353);
            tcp |= conn.allows(Protocol::Tcp, 53) || conn.allows(Protocol::Tcp, 5353);
        }
    }
    (udp, tcp)
}

fn reach(net: &NetworkModel<'_>, c: ClassId, servers: &Servers) -> Option<Reach> {
    let (mut udp, mut tcp) = egress_paths(net, c, matches!(servers, Servers::Unknown));
    if let Servers::Pods(list) = servers {
        for (d, target) in list {
            let conn = net
                .allowed(Endpoint::Class(c), Endpoint::Class(*d))
                .intersect(target);
            udp |= !conn.ports(Protocol::Udp).is_empty();
            tcp |= !conn.ports(Protocol::Tcp).is_empty();
        }
    }
    match (udp, tcp) {
        (true, true) => None,
        (true, false) => Some(Reach::UdpOnly),
        (false, true) => Some(Reach::TcpOnly),
        (false, false) => {
            let lockdown = net.isolating(c, Direction::Egress).iter().all(|p| {
                net.policies[*p]
                    .rules(Direction::Egress)
                    .is_none_or(<[_]>::is_empty)
            });
            Some(if lockdown {
                Reach::Lockdown
            } else {
                Reach::Nothing
            })
        }
    }
}

/// Pods that do not use the cluster DNS (`dnsPolicy: Default` or `None`).
fn own_resolver(cx: &Context<'_>, net: &NetworkModel<'_>, c: ClassId) -> bool {
    net.class(c).pods.iter().all(|p| {
        let obj = cx.inventory.get(net.graph.pods.pod(*p).object);
        PodTemplate::of(obj)
            .and_then(|t| t.spec.get("dnsPolicy"))
            .and_then(|d| d.as_str())
            .is_some_and(|d| d == "Default" || d == "None")
    })
}

impl Rule for NetpolBlocksDns {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView {
            net,
            index: pi,
            policy,
        }) = valid_policy_of(cx, obj)
        else {
            return;
        };
        if !policy.isolates(Direction::Egress) {
            return;
        }
        let servers = servers(cx, net);
        let is_server = |c: ClassId| match &servers {
            Servers::Pods(list) => list.iter().any(|(d, _)| *d == c),
            Servers::Unknown => false,
        };
        // Each class is reported once, by the first policy (in input order) isolating it.
        let mut groups: BTreeMap<(Reach, Severity), (Vec<ClassId>, Option<HostRef>)> =
            BTreeMap::new();
        for c in net.select_classes(policy.namespace, &policy.pod_selector) {
            if net.isolating(c, Direction::Egress).first() != Some(&pi)
                || is_server(c)
                || host_network(cx, net, c)
                || own_resolver(cx, net, c)
            {
                continue;
            }
            let Some(r) = reach(net, c, &servers) else {
                continue;
            };
            // A pod that may send nothing at all needs DNS only if it connects somewhere.
            let connects = if r == Reach::Lockdown {
                connection(cx, net, c)
            } else {
                None
            };
            let severity = match r {
                Reach::Nothing | Reach::TcpOnly => Severity::Error,
                Reach::Lockdown if connects.is_some() => Severity::Error,
                Reach::Lockdown | Reach::UdpOnly => Severity::Warning,
            };
            let group = groups.entry((r, severity)).or_default();
            group.0.push(c);
            if group.1.is_none() {
                group.1 = connects;
            }
        }
        for ((r, severity), (classes, connects)) in groups {
            let found = Found {
                pi,
                reach: r,
                severity,
                connects,
            };
            report(cx, net, obj, &servers, &found, &classes, out);
        }
    }
}

/// A host the pods of a class are configured to connect to by name (a URL, `host:port`, or
/// a Service of the input).
fn connection(cx: &Context<'_>, net: &NetworkModel<'_>, c: ClassId) -> Option<HostRef> {
    let ns = net.class(c).namespace;
    net.class(c).workloads.iter().find_map(|w| {
        let obj = cx.inventory.get(net.workload(*w).object);
        host_refs(cx, obj).into_iter().find(|r| {
            r.explicit
                || r.service_name(ns).is_some_and(|(ns, name)| {
                    cx.inventory.find("Service", Some(ns), name).is_some()
                })
        })
    })
}

/// One finding: the classes a policy leaves without DNS in the same way.
struct Found {
    pi: PolicyIdx,
    reach: Reach,
    severity: Severity,
    /// For a lockdown: where the pods are configured to connect by name.
    connects: Option<HostRef>,
}

fn report(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    obj: &Object<'_>,
    servers: &Servers,
    found: &Found,
    classes: &[ClassId],
    out: &mut Sink<'_>,
) {
    let (pi, r) = (found.pi, found.reach);
    let policy = &net.policies[pi];
    let workloads = workloads_of(net, classes);
    let who = workload_list(net, &workloads, 3);
    let (them, they) = if workloads.len() == 1 {
        ("it", "its")
    } else {
        ("them", "their")
    };
    let server_workloads = match servers {
        Servers::Pods(list) => {
            let classes: Vec<ClassId> = list.iter().map(|(c, _)| *c).collect();
            workloads_of(net, &classes)
        }
        Servers::Unknown => Vec::new(),
    };
    let target = if server_workloads.is_empty() {
        "DNS".to_owned()
    } else {
        format!(
            "the cluster DNS ({})",
            workload_list(net, &server_workloads, 2)
        )
    };
    let what = match r {
        Reach::Nothing => format!(
            "no NetworkPolicy lets {them} reach {target} on port 53 over UDP or TCP: every name lookup fails"
        ),
        Reach::Lockdown => match &found.connects {
            Some(h) => format!(
                "allows {them} no egress at all, DNS included, yet {they} configuration connects to `{}` ({}): the name lookup fails first",
                h.written(),
                h.what
            ),
            None => format!(
                "allows {them} no egress at all, DNS included: if {they} code connects to anything by name, every lookup fails"
            ),
        },
        Reach::TcpOnly => format!(
            "NetworkPolicies let {them} reach {target} on TCP port 53 only: lookups start over UDP and fail"
        ),
        Reach::UdpOnly => format!(
            "NetworkPolicies let {them} reach {target} on UDP port 53 only: answers too large for UDP are retried over TCP and fail"
        ),
    };
    let message = format!(
        "NetworkPolicy `{}` isolates the egress of {who}, and {what}",
        policy.name
    );
    let mut report = out
        .report(obj, isolation_range(policy, Direction::Egress), message)
        .help(format!(
            "allow {they} egress to the cluster DNS on UDP and TCP port 53: a rule with `to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]` and `ports: [{{protocol: UDP, port: 53}}, {{protocol: TCP, port: 53}}]`"
        ));
    report = report.severity(found.severity);
    if let Some(h) = &found.connects {
        let holder = cx.inventory.get(h.holder);
        report = report.related(holder, h.range, format!("the address `{}`", h.written()));
    }
    // The other policies that isolate the same pods for egress.
    let others: BTreeSet<PolicyIdx> = classes
        .iter()
        .flat_map(|c| net.isolating(*c, Direction::Egress).iter().copied())
        .filter(|p| *p != pi)
        .collect();
    for p in others {
        let message = format!(
            "NetworkPolicy `{}` also isolates {they} egress without allowing DNS",
            net.policies[p].name
        );
        report = relate_policy(cx, net, report, p, Direction::Egress, message);
    }
    report = relate_workloads(cx, net, report, &workloads, "pods affected");
    match servers {
        Servers::Pods(list) => {
            report = relate_nearest(cx, net, report, classes[0], list, r);
        }
        Servers::Unknown => {
            report = relate_local_only(cx, net, report, classes[0]);
        }
    }
    let _ = report;
}

/// The rules that came closest to letting the first class reach the DNS pods, per direction.
fn relate_nearest<'r>(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    mut report: Report<'r>,
    c: ClassId,
    servers: &[(ClassId, ConnSet)],
    r: Reach,
) -> Report<'r> {
    let protocol = match r {
        Reach::TcpOnly | Reach::Nothing | Reach::Lockdown => Protocol::Udp,
        Reach::UdpOnly => Protocol::Tcp,
    };
    let Some((d, port)) = servers.iter().find_map(|(d, target)| {
        target
            .ports(protocol)
            .ranges()
            .first()
            .map(|(lo, _)| (*d, *lo))
    }) else {
        return report;
    };
    let verdict = net.explain(
        Endpoint::Class(c),
        Endpoint::Class(d),
        Some((protocol, port)),
    );
    for side in verdict.denying() {
        if side.dir == Direction::Ingress {
            for p in &side.isolating {
                let message = format!(
                    "NetworkPolicy `{}` isolates the DNS pods for ingress",
                    p.name
                );
                report = relate_policy(cx, net, report, p.index, Direction::Ingress, message);
            }
        }
        if let Some(near) = side.nearest() {
            let policy = &net.policies[near.rule.policy];
            let pobj = cx.inventory.get(policy.object);
            for reason in &near.reasons {
                report = report.related(
                    pobj,
                    anchor(reason.node),
                    format!(
                        "the nearest {} rule ({}) does not admit {port}/{protocol}: {}",
                        side.dir.as_str(),
                        rule_path(near.rule),
                        reason.miss
                    ),
                );
            }
        }
    }
    report
}

fn rule_path(r: RuleRef) -> String {
    format!("spec.{}[{}]", r.dir.as_str(), r.rule)
}

/// With the DNS server unknown: rules that allow port 53 to pods of their own namespace only
/// (a `podSelector` without `namespaceSelector`), the usual slip.
fn relate_local_only<'r>(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    mut report: Report<'r>,
    c: ClassId,
) -> Report<'r> {
    let ports = coredns_ports();
    for (r, rule) in net.isolating_rules(c, Direction::Egress) {
        let policy = &net.policies[r.policy];
        let conn = rule.allowed_ports(&ports);
        if !conn.allows(Protocol::Udp, 53) && !conn.allows(Protocol::Tcp, 53) {
            continue;
        }
        for peer in rule.peers.iter().flatten() {
            if peer.ip.is_none() && peer.namespaces.is_none() {
                let pobj = cx.inventory.get(policy.object);
                let at = peer.pods_node.unwrap_or(peer.node);
                report = report.related(
                    pobj,
                    anchor(at),
                    format!(
                        "this rule allows port 53 only to pods in `{}`: the peer has no `namespaceSelector`",
                        policy.namespace
                    ),
                );
            }
        }
    }
    report
}
