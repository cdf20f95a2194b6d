use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use faultline_diagnostics::Severity;
use faultline_graph::netpol::model::PolicyIdx;
use faultline_graph::netpol::policy::Peer;
use faultline_graph::netpol::{ClassId, ConnSet, Direction, NetworkModel, Protocol, RuleRef};
use faultline_model::pod::PodTemplate;
use faultline_model::{Object, ObjectId, field};
use faultline_syntax::{NodeRef, TextRange};

use crate::netpol::{
    anchor, host_network, isolation_range, name_range, relate_policy, relate_workloads,
    workload_list, workloads_of,
};
use crate::security::{bound_role, is_binding, policy_rules, subjects};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods that use the Kubernetes API while a NetworkPolicy isolates their egress
    /// without a rule that reaches the API server. The finding sits on the policy where it
    /// isolates egress, names the pods and why they are API clients, and points at the rules
    /// that came closest with what they lack.
    ///
    /// A workload uses the API when its pods mount a ServiceAccount token (not turned off by
    /// `automountServiceAccountToken: false` in the pod or its ServiceAccount) and a
    /// RoleBinding or ClusterRoleBinding of the input grants that ServiceAccount a role
    /// (roles that only `use` a PodSecurityPolicy or SecurityContextConstraints do not
    /// count), or it is named in the `clients` option; an image that names an operator or a
    /// controller (`…-operator`, `…-controller`, `kube-state-metrics`, `external-dns`,
    /// `cluster-autoscaler`, `kubectl`) with a token is a weaker sign.
    ///
    /// Policies see a connection to the `kubernetes` Service after its address and port are
    /// translated to the API server's endpoint: port 443 becomes the endpoint's port (6443 on
    /// kubeadm, k3s and OpenShift), and the Service's cluster IP its address. The API server
    /// runs on the host network or outside the cluster, so `namespaceSelector` and
    /// `podSelector` peers never match it: only a rule without `to`, or an `ipBlock` holding
    /// its address, on its endpoint port, reaches it. When the input has the `default/kubernetes`
    /// Endpoints or EndpointSlice, their addresses and port decide exactly; otherwise any
    /// `ipBlock` (or no `to`) allowing TCP 443 or 6443 counts, and the finding is one level
    /// less severe; so is a finding about pods allowed no egress at all (a lockdown may be
    /// deliberate, the binding a leftover), and one that rests on the image alone. Pods on
    /// the host network are left out.
    ///
    /// ## Why it matters
    /// An operator or controller whose API calls time out stops reconciling without crashing:
    /// its watch dies, leader election lapses, and the resources it manages drift until
    /// someone notices. The classic slip is an egress rule for port 443 to the Service's
    /// cluster IP, which the policy never sees.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Endpoints
    /// metadata:
    ///   name: kubernetes
    ///   namespace: default
    /// subsets:
    ///   - addresses:
    ///       - ip: 172.18.0.2
    ///     ports:
    ///       - name: https
    ///         port: 6443
    /// ---
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: backup-operator
    ///   namespace: ops
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: backup-operator
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: backup-operator
    ///     namespace: ops
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: backup-operator
    ///   namespace: ops
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: backup-operator
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: backup-operator
    ///     spec:
    ///       serviceAccountName: backup-operator
    ///       containers:
    ///         - name: operator
    ///           image: registry.example.com/backup-operator:0.9.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: operator-egress
    ///   namespace: ops
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: backup-operator
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 10.96.0.1/32
    ///       ports:
    ///         - port: 443
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Endpoints
    /// metadata:
    ///   name: kubernetes
    ///   namespace: default
    /// subsets:
    ///   - addresses:
    ///       - ip: 172.18.0.2
    ///     ports:
    ///       - name: https
    ///         port: 6443
    /// ---
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: backup-operator
    ///   namespace: ops
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: backup-operator
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: backup-operator
    ///     namespace: ops
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: backup-operator
    ///   namespace: ops
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: backup-operator
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: backup-operator
    ///     spec:
    ///       serviceAccountName: backup-operator
    ///       containers:
    ///         - name: operator
    ///           image: registry.example.com/backup-operator:0.9.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: operator-egress
    ///   namespace: ops
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: backup-operator
    ///   policyTypes: [Egress]
    ///   egress:
    ///     - to:
    ///         - ipBlock:
    ///             cidr: 172.18.0.2/32
    ///       ports:
    ///         - port: 6443
    /// ```
    ///
    /// ## Options
    /// - `clients`: workloads that use the Kubernetes API whatever their RBAC and image say,
    ///   as `namespace/name` or `name`.
    ///
    /// ## References
    /// - Network Policies, what you can't do: <https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet>
    /// - Accessing the API from a pod: <https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/>
    /// - Virtual IPs and Service proxies: <https://kubernetes.io/docs/reference/networking/virtual-ips/>
    pub struct NetpolBlocksApiServer {
        id: "netpol-blocks-api-server",
        category: Network,
        severity: Error,
        summary: "pods that use the Kubernetes API are isolated for egress without a rule that reaches the API server",
        params: [
            { name: "clients", field: clients, type: List, default: "", description: "workloads that use the Kubernetes API, as `namespace/name` or `name`" },
        ],
    }
}

/// The API server as the `default/kubernetes` Endpoints or EndpointSlice show it.
struct ApiServer {
    ips: Vec<IpAddr>,
    port: u16,
    object: ObjectId,
    range: TextRange,
}

fn api_server(cx: &Context<'_>) -> Option<ApiServer> {
    if let Some(ep) = cx
        .inventory
        .find("Endpoints", Some("default"), "kubernetes")
    {
        let subset = ep.node.get("subsets").and_then(|s| s.items().next())?;
        let ips: Vec<IpAddr> = subset
            .get("addresses")
            .into_iter()
            .flat_map(|a| a.items())
            .filter_map(|a| a.get("ip")?.as_str()?.parse().ok())
            .collect();
        let port_node = subset
            .get("ports")
            .and_then(|p| p.items().next())
            .and_then(|p| p.get("port"))?;
        let port = u16::try_from(port_node.as_i64()?).ok()?;
        if !ips.is_empty() {
            return Some(ApiServer {
                ips,
                port,
                object: ep.id,
                range: port_node.range(),
            });
        }
    }
    let slice = cx.inventory.of_kind("EndpointSlice").find(|s| {
        s.namespace == Some("default")
            && s.labels()
                .any(|(k, v)| k == "kubernetes.io/service-name" && v == "kubernetes")
    })?;
    let ips: Vec<IpAddr> = slice
        .node
        .get("endpoints")
        .into_iter()
        .flat_map(|e| e.items())
        .filter_map(|e| e.get("addresses"))
        .flat_map(|a| a.items())
        .filter_map(|a| a.as_str()?.parse().ok())
        .collect();
    let port_node = slice
        .node
        .get("ports")
        .and_then(|p| p.items().next())
        .and_then(|p| p.get("port"))?;
    let port = u16::try_from(port_node.as_i64()?).ok()?;
    (!ips.is_empty()).then(|| ApiServer {
        ips,
        port,
        object: slice.id,
        range: port_node.range(),
    })
}

/// Why a workload is an API client, with where it shows.
#[derive(Clone)]
struct Client {
    /// Strong (RBAC, configuration) or only the image.
    strong: bool,
    what: String,
    at: Option<(ObjectId, TextRange)>,
}

/// ServiceAccounts (namespace, name) → the first binding that grants them a role that is
/// more than an admission permission.
fn bindings<'a>(cx: &Context<'a>) -> HashMap<(&'a str, &'a str), &'a Object<'a>> {
    let mut out = HashMap::new();
    for b in cx.inventory.objects.iter().filter(|o| is_binding(o)) {
        if let Some(role) = bound_role(cx, b)
            && policy_rules(role).all(|r| {
                r.has("verbs", "use")
                    && r.items("verbs").count() == 1
                    && r.items("resources").all(|f| {
                        matches!(
                            f.value,
                            "podsecuritypolicies" | "securitycontextconstraints"
                        )
                    })
            })
        {
            continue;
        }
        for s in subjects(b) {
            let account = match s.kind {
                "ServiceAccount" => s.namespace.map(|ns| (ns, s.name.value)),
                "User" => s
                    .name
                    .value
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|a| a.split_once(':')),
                _ => None,
            };
            if let Some(account) = account {
                out.entry(account).or_insert(b);
            }
        }
    }
    out
}

const CLIENT_IMAGES: &[&str] = &[
    "operator",
    "controller",
    "kube-state-metrics",
    "external-dns",
    "cluster-autoscaler",
    "kubectl",
];

/// Whether the pods of `obj` use the API, and why.
fn client(
    cx: &Context<'_>,
    bound: &HashMap<(&str, &str), &Object<'_>>,
    configured: &[String],
    obj: &Object<'_>,
) -> Option<Client> {
    let pod = PodTemplate::of(obj)?;
    let ns = obj.namespace.unwrap_or("default");
    let spec = pod.spec;
    let written = field::bool(Some(spec), "automountServiceAccountToken");
    let sa_field = field::name(Some(spec), "serviceAccountName")
        .or_else(|| field::name(Some(spec), "serviceAccount"));
    let sa_name = sa_field.map_or("default", |f| f.value);
    let projected = spec
        .get("volumes")
        .into_iter()
        .flat_map(|v| v.items())
        .filter_map(|v| v.path(&["projected", "sources"]))
        .flat_map(|s| s.items())
        .any(|s| s.get("serviceAccountToken").is_some());
    let sa = cx.inventory.find("ServiceAccount", Some(ns), sa_name);
    let sa_off = sa
        .and_then(|sa| field::bool(Some(sa.node), "automountServiceAccountToken"))
        .is_some_and(|f| !f.value);
    let mounted = match written {
        Some(f) => f.value || projected,
        None => !sa_off || projected,
    };
    let named = configured
        .iter()
        .any(|c| *c == obj.name || *c == format!("{ns}/{}", obj.name));
    if named {
        return Some(Client {
            strong: true,
            what: "it is listed in the rule's `clients` option".to_owned(),
            at: None,
        });
    }
    if !mounted {
        return None;
    }
    if let Some(b) = bound.get(&(ns, sa_name)) {
        let role = b
            .node
            .path(&["roleRef", "name"])
            .and_then(|n| n.as_str())
            .unwrap_or("?");
        let role_kind = b
            .node
            .path(&["roleRef", "kind"])
            .and_then(|n| n.as_str())
            .unwrap_or("role");
        return Some(Client {
            strong: true,
            what: format!(
                "its ServiceAccount `{sa_name}` is granted {role_kind} `{role}` by {} `{}`",
                b.kind, b.name
            ),
            at: Some((b.id, name_range(b))),
        });
    }
    let image = pod.containers().find_map(|c| {
        let node = c.image()?;
        let image = node.as_str()?;
        let repo = image.split(['@', ':']).next().unwrap_or(image);
        let last = repo.rsplit('/').next().unwrap_or(repo);
        CLIENT_IMAGES
            .iter()
            .any(|k| last.contains(k))
            .then_some((node, image))
    })?;
    Some(Client {
        strong: false,
        what: format!(
            "it mounts a ServiceAccount token and runs `{}`, an operator or controller image",
            image.1
        ),
        at: Some((obj.id, image.0.range())),
    })
}

/// One reason an egress rule does not reach the API server.
struct Miss<'a> {
    node: NodeRef<'a>,
    policy: PolicyIdx,
    text: String,
}

fn tcp_allows(conn: &ConnSet, port: u16) -> bool {
    conn.allows(Protocol::Tcp, port)
}

/// Whether the egress rules of `c` reach the API server; if not, why the rules that allow
/// TCP do not.
fn reaches<'a>(
    net: &NetworkModel<'a>,
    c: ClassId,
    api: Option<&ApiServer>,
    kubernetes_ip: Option<IpAddr>,
) -> Result<(), Vec<Miss<'a>>> {
    let ports: &[u16] = match api {
        Some(a) => &[a.port][..],
        None => &[443, 6443],
    };
    let mut misses = Vec::new();
    for (r, rule) in net.isolating_rules(c, Direction::Egress) {
        let conn = rule.allowed_ports(&[]);
        let port_ok = ports.iter().any(|p| tcp_allows(&conn, *p));
        let peers = match &rule.peers {
            None if port_ok => return Ok(()),
            None => None,
            Some(peers) => Some(peers),
        };
        let peer_ok = |peer: &Peer<'_>| match (&peer.ip, api) {
            (Some(block), Some(a)) => a.ips.iter().any(|i| block.contains(*i)),
            (Some(_), None) => !only_service_ip(peer, kubernetes_ip),
            (None, _) => false,
        };
        if let Some(peers) = peers
            && port_ok
            && peers.iter().any(peer_ok)
        {
            return Ok(());
        }
        // Why not: the peers first (when the port is right), else the port.
        let rule_node = rule.node;
        let allows_tcp = !conn.ports(Protocol::Tcp).is_empty();
        if !allows_tcp {
            continue;
        }
        if !port_ok {
            let text = match api {
                Some(a) if tcp_allows(&conn, 443) => format!(
                    "{} allows port 443, the `kubernetes` Service's port; policies see the endpoint's port {} after the Service's translation",
                    rule_path(r),
                    a.port
                ),
                Some(a) => format!(
                    "{} does not allow the API server's port {}/TCP",
                    rule_path(r),
                    a.port
                ),
                None => format!(
                    "{} allows neither 443/TCP nor 6443/TCP, the API server's usual ports",
                    rule_path(r)
                ),
            };
            let node = rule_node.get("ports").unwrap_or(rule_node);
            misses.push(Miss {
                node,
                policy: r.policy,
                text,
            });
            continue;
        }
        for peer in peers.into_iter().flatten() {
            let text = match (&peer.ip, api) {
                (Some(block), Some(a)) => {
                    let cidr = cidr_text(peer);
                    let service = kubernetes_ip
                        .filter(|ip| block.contains(*ip))
                        .map(|ip| {
                            format!(
                                ": it holds the `kubernetes` Service's cluster IP {ip}, which is translated to the endpoint before policies see it"
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "ipBlock `{cidr}` does not hold the API server's address {}{service}",
                        a.ips[0]
                    )
                }
                (Some(_), None) if only_service_ip(peer, kubernetes_ip) => format!(
                    "ipBlock `{}` holds only the `kubernetes` Service's cluster IP, which is translated to the API server's endpoint before policies see it",
                    cidr_text(peer)
                ),
                (Some(_), None) => continue,
                (None, _) => format!(
                    "a `{}` peer selects pods, and the API server runs on the host network or outside the cluster: only an `ipBlock` holding its address reaches it",
                    if peer.namespaces.is_some() {
                        "namespaceSelector"
                    } else {
                        "podSelector"
                    }
                ),
            };
            let node = peer
                .node
                .get("ipBlock")
                .or(peer.namespaces_node)
                .or(peer.pods_node)
                .unwrap_or(peer.node);
            misses.push(Miss {
                node,
                policy: r.policy,
                text,
            });
        }
    }
    Err(misses)
}

fn cidr_text<'a>(peer: &Peer<'a>) -> &'a str {
    peer.node
        .path(&["ipBlock", "cidr"])
        .and_then(|n| n.scalar_text())
        .unwrap_or("")
}

/// An `ipBlock` of one address, the `kubernetes` Service's cluster IP.
fn only_service_ip(peer: &Peer<'_>, kubernetes_ip: Option<IpAddr>) -> bool {
    let cidr = cidr_text(peer);
    let host = cidr.ends_with("/32") || cidr.ends_with("/128");
    host && kubernetes_ip.is_some_and(|ip| peer.ip.as_ref().is_some_and(|b| b.contains(ip)))
}

fn rule_path(r: RuleRef) -> String {
    format!("spec.{}[{}]", r.dir.as_str(), r.rule)
}

/// The IPv4 or IPv6 cluster IP of the `default/kubernetes` Service.
fn kubernetes_service_ip(cx: &Context<'_>) -> Option<IpAddr> {
    cx.inventory
        .find("Service", Some("default"), "kubernetes")?
        .spec()?
        .get("clusterIP")?
        .as_str()?
        .parse()
        .ok()
}

struct Found<'a> {
    classes: Vec<ClassId>,
    client: Client,
    misses: Vec<Miss<'a>>,
}

impl Rule for NetpolBlocksApiServer {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let net = cx.network();
        if !net.policies.iter().any(|p| p.isolates(Direction::Egress)) {
            return;
        }
        let configured: &[String] = &Self::params(cx).clients;
        let bound = bindings(cx);
        let api = api_server(cx);
        let kubernetes_ip = kubernetes_service_ip(cx);
        let mut found: BTreeMap<(PolicyIdx, bool), Found<'_>> = BTreeMap::new();
        for i in 0..net.classes.len() {
            let c = ClassId(i as u32);
            let Some(&pi) = net.isolating(c, Direction::Egress).first() else {
                continue;
            };
            if host_network(cx, net, c) {
                continue;
            }
            let Some(who) = net.class(c).workloads.iter().find_map(|w| {
                let obj = cx.inventory.get(net.workload(*w).object);
                client(cx, &bound, configured, obj)
            }) else {
                continue;
            };
            let Err(misses) = reaches(net, c, api.as_ref(), kubernetes_ip) else {
                continue;
            };
            let entry = found.entry((pi, who.strong)).or_insert_with(|| Found {
                classes: Vec::new(),
                client: who,
                misses,
            });
            entry.classes.push(c);
        }
        for ((pi, strong), f) in &found {
            report(cx, net, api.as_ref(), *pi, *strong, f, out);
        }
    }
}

fn report(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    api: Option<&ApiServer>,
    pi: PolicyIdx,
    strong: bool,
    f: &Found<'_>,
    out: &mut Sink<'_>,
) {
    let policy = &net.policies[pi];
    let obj = cx.inventory.get(policy.object);
    let workloads = workloads_of(net, &f.classes);
    let who = workload_list(net, &workloads, 3);
    let (them, they) = if workloads.len() == 1 {
        ("it", "its")
    } else {
        ("them", "their")
    };
    let target = match api {
        Some(a) => format!(
            "the API server ({}:{}, the `default/kubernetes` endpoints)",
            a.ips[0], a.port
        ),
        None => "the API server".to_owned(),
    };
    // A pod allowed no egress at all may be locked down on purpose (its binding a leftover).
    let lockdown = net
        .isolating(f.classes[0], Direction::Egress)
        .iter()
        .all(|p| {
            net.policies[*p]
                .rules(Direction::Egress)
                .is_none_or(<[_]>::is_empty)
        });
    let why = match f.misses.first() {
        Some(m) => format!("; {}", m.text),
        None if lockdown => format!("; the policies allow {them} no egress at all"),
        None => String::new(),
    };
    let message = format!(
        "NetworkPolicy `{}` isolates the egress of {who}, which use{} the Kubernetes API ({}), and no egress rule reaches {target}, so {they} API calls time out{why}",
        policy.name,
        if workloads.len() == 1 { "s" } else { "" },
        f.client.what,
    );
    let certainty = usize::from(strong) + usize::from(api.is_some()) + usize::from(!lockdown);
    let severity = match certainty {
        3 => Severity::Error,
        2 => Severity::Warning,
        _ => Severity::Info,
    };
    let help = match api {
        Some(a) => format!(
            "allow {they} egress to the API server's endpoint: a rule with `to: [{{ipBlock: {{cidr: {}/{}}}}}]` and `ports: [{{protocol: TCP, port: {}}}]`",
            a.ips[0],
            if a.ips[0].is_ipv4() { 32 } else { 128 },
            a.port
        ),
        None => format!(
            "allow {they} egress to the API server's address (`kubectl get endpoints kubernetes -n default`) with an `ipBlock`, on its endpoint port (often 6443, not the Service's 443)"
        ),
    };
    let mut report = out
        .report(obj, isolation_range(policy, Direction::Egress), message)
        .severity(severity)
        .help(help);
    if let Some((id, range)) = f.client.at {
        report = report.related(cx.inventory.get(id), range, "why these pods use the API");
    }
    if let Some(a) = api {
        report = report.related(
            cx.inventory.get(a.object),
            a.range,
            "the API server's endpoint port",
        );
    }
    let mut others: Vec<PolicyIdx> = f
        .classes
        .iter()
        .flat_map(|c| net.isolating(*c, Direction::Egress).iter().copied())
        .filter(|p| *p != pi)
        .collect();
    others.sort_unstable();
    others.dedup();
    for p in others {
        let message = format!(
            "NetworkPolicy `{}` also isolates {they} egress",
            net.policies[p].name
        );
        report = relate_policy(cx, net, report, p, Direction::Egress, message);
    }
    report = relate_workloads(cx, net, report, &workloads, "pods affected");
    for m in &f.misses {
        let pobj = cx.inventory.get(net.policies[m.policy].object);
        report = report.related(pobj, anchor(m.node), m.text.clone());
    }
    let _ = report;
}
