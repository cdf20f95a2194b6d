use std::collections::BTreeMap;

use faultline_diagnostics::Severity;
use faultline_graph::netpol::model::PolicyIdx;
use faultline_graph::netpol::policy::Peer;
use faultline_graph::netpol::services::{PortPick, route_backends};
use faultline_graph::netpol::{
    ClassId, ConnSet, Direction, Endpoint, NetworkModel, Protocol, Verdict,
};
use faultline_model::selector::{LabelSelector, Labels, Operator};
use faultline_model::views::ingress::{BackendPort, Ingress};
use faultline_model::{Object, ObjectId};
use faultline_syntax::{NodeRef, TextRange};

use crate::ingress_controllers::{ISTIO_GATEWAY, KNOWN, has_known_label};
use crate::netpol::{
    anchor, host_network, isolation_range, name_range, relate_policy, workload_list, workloads_of,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a NetworkPolicy that isolates the ingress of pods an Ingress, a Gateway API
    /// `HTTPRoute` or an OpenShift Route routes to, while none of its rules admits the ingress
    /// controller's pods on the routed port. The finding sits on the policy where it isolates
    /// ingress; the Ingress or route backend, the Service, the controller (its IngressClass or
    /// GatewayClass and its pods) and the rules that came closest are related locations.
    ///
    /// The controller is identified from the Ingress's `ingressClassName` (or the
    /// `kubernetes.io/ingress.class` annotation, or the default IngressClass) and the
    /// IngressClass's `spec.controller`; for an `HTTPRoute`, from its parent Gateway (proxies
    /// labelled `gateway.networking.k8s.io/gateway-name`) and the GatewayClass's
    /// `controllerName`. Known controllers: ingress-nginx, NGINX Ingress Controller, Traefik,
    /// HAProxy, Contour/Envoy, Envoy Gateway, Istio gateways, Kong, Emissary, the OpenShift
    /// router, NGINX Gateway Fabric, each with the labels of its proxy pods and the namespace
    /// its installation guide uses. Cloud load balancers (AWS ALB, GCE, Azure Application
    /// Gateway) send from outside the cluster and are left out, as are pods on the host
    /// network.
    ///
    /// When the controller's pods are in the input, the model decides exactly (their own
    /// egress policies included) and the finding is an error; when the backends admit the
    /// controller and only its own egress policies deny it, the finding sits on those. When they are not, the rule
    /// assumes they run in the controller's usual namespace, in the namespaces of the
    /// `controller-namespaces` option, or, for an unknown controller, in some namespace other
    /// than the backend's; then only a rule that certainly cannot admit such a pod counts as
    /// a miss (a peer without `namespaceSelector`, the classic "same namespace only" policy, or
    /// a `namespaceSelector` that cannot match those namespaces), and the finding is a
    /// warning. A pod selector is not judged without the pods, and `ipBlock` peers may hold
    /// the controller.
    ///
    /// ## Why it matters
    /// The controller is a client like any other: a policy that admits only the backend's
    /// own namespace drops its connections, and every request through the Ingress ends in a
    /// 502 or 504 from the proxy while the pods are healthy and their endpoints ready.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: IngressClass
    /// metadata:
    ///   name: nginx
    /// spec:
    ///   controller: k8s.io/ingress-nginx
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: web
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: web
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0.0
    ///           ports:
    ///             - containerPort: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   ingressClassName: nginx
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: web
    ///                 port:
    ///                   number: 80
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: same-namespace-only
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   ingress:
    ///     - from:
    ///         - podSelector: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: IngressClass
    /// metadata:
    ///   name: nginx
    /// spec:
    ///   controller: k8s.io/ingress-nginx
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: web
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: web
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:1.0.0
    ///           ports:
    ///             - containerPort: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: 8080
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    ///   namespace: shop
    /// spec:
    ///   ingressClassName: nginx
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: web
    ///                 port:
    ///                   number: 80
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: same-namespace-only
    ///   namespace: shop
    /// spec:
    ///   podSelector: {}
    ///   ingress:
    ///     - from:
    ///         - podSelector: {}
    ///     - from:
    ///         - namespaceSelector:
    ///             matchLabels:
    ///               kubernetes.io/metadata.name: ingress-nginx
    ///           podSelector:
    ///             matchLabels:
    ///               app.kubernetes.io/name: ingress-nginx
    ///       ports:
    ///         - port: 8080
    /// ```
    ///
    /// ## Options
    /// - `controller-namespaces`: namespaces where the ingress controllers run, when their pods
    ///   are not in the input (they are assumed to be there, besides each known controller's
    ///   usual namespace).
    ///
    /// ## References
    /// - Network Policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - Ingress controllers: <https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/>
    /// - IngressClass: <https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class>
    /// - Gateway API, GatewayClass: <https://gateway-api.sigs.k8s.io/api-types/gatewayclass/>
    pub struct NetpolBlocksIngressController {
        id: "netpol-blocks-ingress-controller",
        category: Network,
        severity: Error,
        summary: "network policies isolate an Ingress's backend pods without admitting the ingress controller",
        params: [
            { name: "controller-namespaces", field: controller_namespaces, type: List, default: "", description: "namespaces where ingress controllers run when their pods are not in the input" },
        ],
    }
}

/// Who sends the routed traffic, as far as the input says.
struct Controller {
    /// `ingress-nginx`, `Gateway `shop/web``, `the ingress controller`.
    name: String,
    /// How it was identified: `IngressClass `nginx` (controller `k8s.io/ingress-nginx`)`.
    how: Option<(ObjectId, TextRange, String)>,
    /// Its pods in the input.
    pods: Vec<ClassId>,
    /// Where its pods run when the input does not show them (empty: some namespace other
    /// than the backend's).
    namespaces: Vec<String>,
    /// A label its pods carry, for the help.
    label: Option<(&'static str, String)>,
}

/// One routed backend: the object that routes, where, and through which Service.
#[derive(Clone, Copy)]
struct Route {
    object: ObjectId,
    /// The backend's service name node.
    at: TextRange,
    service: ObjectId,
    controller: usize,
}

/// The controllers of the run, with their pods found once.
struct Controllers {
    list: Vec<Controller>,
    /// Per entry of [`KNOWN`], its pod classes in the input.
    known_pods: Vec<Vec<ClassId>>,
}

impl Controllers {
    fn new(net: &NetworkModel<'_>) -> Self {
        let mut known_pods = vec![Vec::new(); KNOWN.len()];
        for (i, class) in net.classes.iter().enumerate() {
            // The admission-webhook Jobs of a chart carry its name too, and proxy nothing.
            let jobs = class
                .workloads
                .iter()
                .all(|w| matches!(net.workload(*w).kind, "Job" | "CronJob"));
            if jobs {
                continue;
            }
            for (k, known) in KNOWN.iter().enumerate() {
                if has_known_label(known, &class.labels) {
                    known_pods[k].push(ClassId(i as u32));
                }
            }
        }
        Self {
            list: Vec::new(),
            known_pods,
        }
    }

    fn add(&mut self, c: Controller) -> usize {
        self.list.push(c);
        self.list.len() - 1
    }

    /// The controller of a known implementation: its pods, else its usual namespace and the
    /// configured ones.
    fn of_known(
        &mut self,
        k: usize,
        how: Option<(ObjectId, TextRange, String)>,
        extra: &[String],
    ) -> Option<usize> {
        let known = &KNOWN[k];
        if known.external {
            return None;
        }
        let pods = self.known_pods[k].clone();
        let mut namespaces: Vec<String> = extra.to_vec();
        if pods.is_empty() && !namespaces.iter().any(|n| n == known.namespace) {
            namespaces.push(known.namespace.to_owned());
        }
        let label = known
            .labels
            .first()
            .filter(|(_, v)| *v != "*")
            .map(|(k, v)| (*k, (*v).to_owned()));
        Some(self.add(Controller {
            name: known.name.to_owned(),
            how,
            pods,
            namespaces,
            label,
        }))
    }

    /// Every known controller's pods in the input, for an Ingress whose controller the input
    /// does not name; else an unknown controller in another namespace.
    fn any(&mut self, extra: &[String]) -> usize {
        let mut pods: Vec<ClassId> = self.known_pods.iter().flatten().copied().collect();
        pods.sort_unstable();
        pods.dedup();
        self.add(Controller {
            name: "the ingress controller".to_owned(),
            how: None,
            pods,
            namespaces: extra.to_vec(),
            label: None,
        })
    }
}

/// The `kubernetes.io/ingress.class` annotation, or `spec.ingressClassName`.
fn ingress_class<'a>(ingress: &Ingress<'a>) -> Option<&'a str> {
    ingress.class_name().map(|f| f.value).or_else(|| {
        ingress
            .object
            .annotation("kubernetes.io/ingress.class")
            .and_then(|n| n.as_str())
    })
}

/// Which controller serves an Ingress.
fn controller_of_ingress(
    cx: &Context<'_>,
    ctrls: &mut Controllers,
    ingress: &Ingress<'_>,
    extra: &[String],
) -> Option<usize> {
    let class_name = ingress_class(ingress);
    let class = match class_name {
        Some(name) => cx.inventory.find("IngressClass", None, name),
        None => cx.inventory.of_kind("IngressClass").find(|c| {
            c.annotation("ingressclass.kubernetes.io/is-default-class")
                .and_then(|n| n.scalar_text())
                == Some("true")
        }),
    };
    if let Some(class) = class {
        let node = class.spec().and_then(|s| s.get("controller"));
        if let Some(controller) = node.and_then(|n| n.as_str()) {
            let how = Some((
                class.id,
                node.map_or_else(|| name_range(class), |n| n.range()),
                format!(
                    "IngressClass `{}` names controller `{controller}`",
                    class.name
                ),
            ));
            return match KNOWN.iter().position(|k| k.names(controller)) {
                Some(k) => ctrls.of_known(k, how, extra),
                None => Some(ctrls.add(Controller {
                    name: format!("the controller `{controller}`"),
                    how,
                    pods: Vec::new(),
                    namespaces: extra.to_vec(),
                    label: None,
                })),
            };
        }
    }
    if let Some(name) = class_name
        && let Some(k) = KNOWN.iter().position(|k| k.annotations.contains(&name))
    {
        return ctrls.of_known(k, None, extra);
    }
    Some(ctrls.any(extra))
}

/// Which proxies serve an HTTPRoute through the Gateway of its first parent reference.
fn controller_of_route(
    cx: &Context<'_>,
    ctrls: &mut Controllers,
    net: &NetworkModel<'_>,
    route: &Object<'_>,
    extra: &[String],
) -> Option<usize> {
    let parent = route
        .spec()
        .and_then(|s| s.get("parentRefs"))
        .and_then(|p| p.items().next())?;
    if parent
        .get("kind")
        .and_then(|k| k.as_str())
        .is_some_and(|k| k != "Gateway")
    {
        return None;
    }
    let gw_name = parent.get("name").and_then(|n| n.as_str())?;
    let gw_ns = parent
        .get("namespace")
        .and_then(|n| n.as_str())
        .unwrap_or(route.namespace.unwrap_or("default"));
    // Proxies labelled with the Gateway's name (Istio, Envoy Gateway).
    let pods: Vec<ClassId> = net
        .classes
        .iter()
        .enumerate()
        .filter(|(_, class)| {
            [
                "gateway.networking.k8s.io/gateway-name",
                "gateway.envoyproxy.io/owning-gateway-name",
            ]
            .iter()
            .any(|k| class.labels.get(*k).is_some_and(|v| v == gw_name))
        })
        .map(|(i, _)| ClassId(i as u32))
        .collect();
    let gateway = cx.inventory.find("Gateway", Some(gw_ns), gw_name);
    let class = gateway
        .and_then(|g| g.spec())
        .and_then(|s| s.get("gatewayClassName"))
        .and_then(|n| n.as_str())
        .and_then(|n| cx.inventory.find("GatewayClass", None, n));
    let controller_node = class
        .and_then(|c| c.spec())
        .and_then(|s| s.get("controllerName"));
    let controller = controller_node.and_then(|n| n.as_str());
    let how = match (class, controller_node, controller) {
        (Some(c), Some(node), Some(name)) => Some((
            c.id,
            node.range(),
            format!("GatewayClass `{}` names controller `{name}`", c.name),
        )),
        _ => gateway.map(|g| (g.id, name_range(g), format!("Gateway `{gw_ns}/{gw_name}`"))),
    };
    let name = format!("the proxies of Gateway `{gw_ns}/{gw_name}`");
    if !pods.is_empty() {
        return Some(ctrls.add(Controller {
            name,
            how,
            pods,
            namespaces: Vec::new(),
            label: Some(("gateway.networking.k8s.io/gateway-name", gw_name.to_owned())),
        }));
    }
    if controller == Some(ISTIO_GATEWAY) {
        let mut namespaces = extra.to_vec();
        namespaces.push(gw_ns.to_owned());
        return Some(ctrls.add(Controller {
            name,
            how,
            pods,
            namespaces,
            label: Some(("gateway.networking.k8s.io/gateway-name", gw_name.to_owned())),
        }));
    }
    if let Some(k) = controller.and_then(|c| KNOWN.iter().position(|k| k.names(c))) {
        return ctrls.of_known(k, how, extra);
    }
    if controller.is_some() || gw_ns == route.namespace.unwrap_or("default") {
        // An implementation faultline does not know, or proxies that may share the
        // backend's namespace: nothing certain to say.
        return None;
    }
    Some(ctrls.add(Controller {
        name,
        how,
        pods,
        namespaces: extra.to_vec(),
        label: None,
    }))
}

/// Why the controller is not admitted.
enum Denial<'a> {
    /// Its pods are in the input: the model's verdict from the first of them.
    Pods(Box<Verdict<'a>>),
    /// Its pods are not: the rules that allow the port, each peer with why it cannot hold
    /// the controller.
    Assumed(Vec<(PolicyIdx, NodeRef<'a>, String)>),
}

/// Whether the `kubernetes.io/metadata.name` requirements of `sel` pin it to `own`.
fn pinned_to(sel: &LabelSelector, own: &str) -> bool {
    const NAME: &str = "kubernetes.io/metadata.name";
    sel.match_labels.iter().any(|(k, v)| k == NAME && v == own)
        || sel
            .match_expressions
            .iter()
            .any(|r| r.key == NAME && r.op == Operator::In && r.values.iter().all(|v| v == own))
}

/// Whether a namespace selector may match namespace `ns`: by the labels the input gives it,
/// or, for a namespace the input does not declare, unless it tests only the name label.
fn may_match_namespace(net: &NetworkModel<'_>, sel: &LabelSelector, ns: &str) -> bool {
    const NAME: &str = "kubernetes.io/metadata.name";
    if let Some(labels) = net.namespaces.get(ns) {
        return sel.matches(labels);
    }
    let only_name = sel.match_labels.iter().all(|(k, _)| k == NAME)
        && sel.match_expressions.iter().all(|r| r.key == NAME);
    if !only_name {
        return true;
    }
    let labels: Labels = [(NAME.to_owned(), ns.to_owned())].into_iter().collect();
    sel.matches(&labels)
}

/// Why `peer` cannot hold the controller's pods, or `None` when it may.
fn peer_excludes(
    net: &NetworkModel<'_>,
    policy_ns: &str,
    own: &str,
    peer: &Peer<'_>,
    namespaces: &[String],
) -> Option<String> {
    if peer.ip.is_some() {
        return None;
    }
    match &peer.namespaces {
        None => {
            if namespaces.is_empty() || !namespaces.iter().any(|n| n == policy_ns) {
                let theirs = if namespaces.is_empty() {
                    "in another namespace".to_owned()
                } else {
                    format!("in {}", quoted(namespaces))
                };
                Some(format!(
                    "the peer has no `namespaceSelector`, so it admits pods of `{policy_ns}` only; the controller's pods run {theirs}"
                ))
            } else {
                None
            }
        }
        Some(sel) if sel.is_empty() => None,
        Some(sel) => {
            if namespaces.is_empty() {
                pinned_to(sel, own).then(|| {
                    format!(
                        "namespaceSelector `{sel}` admits namespace `{own}` only; the controller's pods run in another namespace"
                    )
                })
            } else if namespaces.iter().any(|n| may_match_namespace(net, sel, n)) {
                None
            } else {
                Some(format!(
                    "namespaceSelector `{sel}` does not match {}",
                    quoted(namespaces)
                ))
            }
        }
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether the controller may send `conn` to class `c`; if not, why.
fn denial<'a>(
    net: &NetworkModel<'a>,
    ctrl: &Controller,
    c: ClassId,
    conn: &ConnSet,
) -> Option<Denial<'a>> {
    if !ctrl.pods.is_empty() {
        if ctrl.pods.iter().any(|p| {
            *p == c
                || !net
                    .allowed(Endpoint::Class(*p), Endpoint::Class(c))
                    .intersect(conn)
                    .is_empty()
        }) {
            return None;
        }
        let port = first_conn(conn);
        return Some(Denial::Pods(Box::new(net.explain(
            Endpoint::Class(ctrl.pods[0]),
            Endpoint::Class(c),
            port,
        ))));
    }
    let class = net.class(c);
    let own = class.namespace;
    // A controller that may run beside its backends is not judged without its pods.
    if ctrl.namespaces.iter().any(|n| n == own)
        || (ctrl.namespaces.is_empty() && KNOWN.iter().any(|k| k.namespace == own))
    {
        return None;
    }
    let mut reasons = Vec::new();
    for (r, rule) in net.isolating_rules(c, Direction::Ingress) {
        if rule.allowed_ports(&class.ports).intersect(conn).is_empty() {
            continue;
        }
        let policy = &net.policies[r.policy];
        let peers = rule.peers.as_ref()?;
        for peer in peers {
            let why = peer_excludes(net, policy.namespace, own, peer, &ctrl.namespaces)?;
            let at = match &peer.namespaces {
                Some(_) => peer.namespaces_node,
                None => peer.pods_node,
            }
            .unwrap_or(peer.node);
            reasons.push((r.policy, at, why));
        }
    }
    Some(Denial::Assumed(reasons))
}

/// The first connection of a set (TCP before UDP before SCTP, lowest port).
fn first_conn(conn: &ConnSet) -> Option<(Protocol, u16)> {
    [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
        .into_iter()
        .find_map(|p| conn.ports(p).ranges().first().map(|(lo, _)| (p, *lo)))
}

/// What a policy denies the controller of one Service.
struct Found<'a> {
    classes: Vec<ClassId>,
    routes: Vec<Route>,
    conn: ConnSet,
    denial: Denial<'a>,
}

type Key = (PolicyIdx, ObjectId, usize);

/// Records what the policies deny `ctrl` toward the pods of `svc` routed by `route`.
#[allow(clippy::too_many_arguments)]
fn consider<'a>(
    cx: &Context<'a>,
    net: &NetworkModel<'a>,
    ctrls: &Controllers,
    route: Route,
    svc: &Object<'a>,
    pick: &PortPick<'_>,
    found: &mut BTreeMap<Key, Found<'a>>,
) {
    let ctrl = &ctrls.list[route.controller];
    for (c, conn) in net.service_backends(svc, pick) {
        let Some(&pi) = net.isolating(c, Direction::Ingress).first() else {
            continue;
        };
        if ctrl.pods.contains(&c) || host_network(cx, net, c) {
            continue;
        }
        let Some(d) = denial(net, ctrl, c, &conn) else {
            continue;
        };
        let entry = found
            .entry((pi, svc.id, route.controller))
            .or_insert_with(|| Found {
                classes: Vec::new(),
                routes: Vec::new(),
                conn: conn.clone(),
                denial: d,
            });
        if !entry.classes.contains(&c) {
            entry.classes.push(c);
        }
        if !entry
            .routes
            .iter()
            .any(|r| r.object == route.object && r.at == route.at)
        {
            entry.routes.push(route);
        }
    }
}

impl Rule for NetpolBlocksIngressController {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let routed = ["Ingress", "HTTPRoute", "Route"]
            .iter()
            .any(|k| cx.inventory.of_kind(k).next().is_some());
        if !routed {
            return;
        }
        let net = cx.network();
        if net.policies.is_empty() {
            return;
        }
        let extra: &[String] = &Self::params(cx).controller_namespaces;
        let mut ctrls = Controllers::new(net);
        let mut found: BTreeMap<Key, Found<'_>> = BTreeMap::new();
        for ingress in cx.inventory.of_kind("Ingress").filter_map(Ingress::of) {
            let ns = ingress.object.namespace.unwrap_or("default");
            let backends = ingress.backends();
            if backends.is_empty() {
                continue;
            }
            let Some(controller) = controller_of_ingress(cx, &mut ctrls, &ingress, extra) else {
                continue;
            };
            for backend in backends {
                let Some(svc) = cx
                    .inventory
                    .find("Service", Some(ns), backend.service.value)
                else {
                    continue;
                };
                let pick = match backend.port.map(|p| p.value) {
                    None => PortPick::All,
                    Some(BackendPort::Number(n)) => match u16::try_from(n) {
                        Ok(n) => PortPick::Number(n),
                        Err(_) => continue,
                    },
                    Some(BackendPort::Name(name)) => PortPick::Name(name),
                };
                let route = Route {
                    object: ingress.object.id,
                    at: backend.service.range(),
                    service: svc.id,
                    controller,
                };
                consider(cx, net, &ctrls, route, svc, &pick, &mut found);
            }
        }
        // OpenShift Routes, served by the router (`openshift-ingress`).
        let router = KNOWN
            .iter()
            .position(|k| k.names("openshift.io/ingress-to-route"));
        let mut router_ctrl: Option<Option<usize>> = None;
        for obj in cx.inventory.of_kind("Route") {
            if !obj.api_version.starts_with("route.openshift.io/") {
                continue;
            }
            let controller = *router_ctrl
                .get_or_insert_with(|| router.and_then(|k| ctrls.of_known(k, None, extra)));
            let Some(controller) = controller else {
                continue;
            };
            let ns = obj.namespace.unwrap_or("default");
            let (pick, names) = route_backends(obj);
            for name_node in names {
                let Some(svc) = name_node
                    .as_str()
                    .and_then(|n| cx.inventory.find("Service", Some(ns), n))
                else {
                    continue;
                };
                let route = Route {
                    object: obj.id,
                    at: name_node.range(),
                    service: svc.id,
                    controller,
                };
                consider(cx, net, &ctrls, route, svc, &pick, &mut found);
            }
        }
        for obj in cx.inventory.of_kind("HTTPRoute") {
            if !obj.api_version.starts_with("gateway.networking.k8s.io/") {
                continue;
            }
            let Some(controller) = controller_of_route(cx, &mut ctrls, net, obj, extra) else {
                continue;
            };
            let ns = obj.namespace.unwrap_or("default");
            let rules = obj.spec().and_then(|s| s.get("rules"));
            let refs = rules
                .into_iter()
                .flat_map(|r| r.items())
                .filter_map(|r| r.get("backendRefs"))
                .flat_map(|b| b.items());
            for backend in refs {
                let kind = backend.get("kind").and_then(|k| k.as_str());
                let group = backend.get("group").and_then(|k| k.as_str());
                if kind.is_some_and(|k| k != "Service") || group.is_some_and(|g| !g.is_empty()) {
                    continue;
                }
                let Some(name_node) = backend.get("name") else {
                    continue;
                };
                let Some(name) = name_node.as_str() else {
                    continue;
                };
                let svc_ns = backend
                    .get("namespace")
                    .and_then(|n| n.as_str())
                    .unwrap_or(ns);
                let Some(svc) = cx.inventory.find("Service", Some(svc_ns), name) else {
                    continue;
                };
                let pick = match backend
                    .get("port")
                    .and_then(|p| p.as_i64())
                    .map(u16::try_from)
                {
                    None => PortPick::All,
                    Some(Ok(n)) => PortPick::Number(n),
                    Some(Err(_)) => continue,
                };
                let route = Route {
                    object: obj.id,
                    at: name_node.range(),
                    service: svc.id,
                    controller,
                };
                consider(cx, net, &ctrls, route, svc, &pick, &mut found);
            }
        }
        for (key, f) in &found {
            report(cx, net, &ctrls, *key, f, out);
        }
    }
}

fn report(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    ctrls: &Controllers,
    (pi, svc_id, ci): Key,
    f: &Found<'_>,
    out: &mut Sink<'_>,
) {
    if let Denial::Pods(verdict) = &f.denial
        && verdict.ingress.admits
        && let Some(first) = verdict.egress.isolating.first()
    {
        report_egress(
            cx,
            net,
            &ctrls.list[ci],
            first.index,
            svc_id,
            f,
            verdict,
            out,
        );
        return;
    }
    let policy = &net.policies[pi];
    let obj = cx.inventory.get(policy.object);
    let svc = cx.inventory.get(svc_id);
    let ctrl = &ctrls.list[ci];
    let workloads = workloads_of(net, &f.classes);
    let who = workload_list(net, &workloads, 3);
    let first = cx.inventory.get(f.routes[0].object);
    let route_name = format!(
        "{} `{}/{}`",
        first.kind,
        first.namespace.unwrap_or("default"),
        first.name
    );
    let more = match f.routes.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let port = first_conn(&f.conn);
    let port_text = port.map_or_else(|| "its ports".to_owned(), |(p, n)| format!("{n}/{p}"));
    let ctrl_pods = workloads_of(net, &ctrl.pods);
    let ctrl_text = if ctrl_pods.is_empty() {
        ctrl.name.clone()
    } else {
        format!("{} ({})", ctrl.name, workload_list(net, &ctrl_pods, 2))
    };
    let mut message = format!(
        "NetworkPolicy `{}` isolates the ingress of {who}, which {route_name}{more} routes to through Service `{}` (port {port_text} of the pods), and admits no pod of {ctrl_text}",
        policy.name, svc.name
    );
    let severity;
    match &f.denial {
        Denial::Pods(verdict) => {
            severity = Severity::Error;
            let denying = verdict.denying();
            if denying.iter().any(|s| s.dir == Direction::Egress) {
                message.push_str("; the controller's own egress policies deny it too");
            }
            if let Some(reason) = denying
                .iter()
                .find_map(|s| s.nearest())
                .and_then(|n| n.reasons.first())
            {
                message.push_str(&format!("; the nearest rule misses: {}", reason.miss));
            }
        }
        Denial::Assumed(reasons) => {
            severity = Severity::Warning;
            match reasons.first() {
                Some((_, _, why)) => message.push_str(&format!("; {why}")),
                None => {
                    let place = if ctrl.namespaces.is_empty() {
                        "another namespace".to_owned()
                    } else {
                        format!("namespace {}", quoted(&ctrl.namespaces))
                    };
                    message.push_str(&format!(
                        "; its pods run in {place}, and no rule allows port {port_text} at all"
                    ));
                }
            }
        }
    }
    message.push_str(&format!(
        ": requests through the {} fail with 502 or 504",
        first.kind
    ));
    let ns = ctrl_pods
        .first()
        .map(|w| net.workload(*w).namespace.to_owned())
        .or_else(|| ctrl.namespaces.first().cloned())
        .unwrap_or_else(|| "<the controller's namespace>".to_owned());
    let pods = match &ctrl.label {
        Some((k, v)) => format!(", podSelector: {{matchLabels: {{{k}: {v}}}}}"),
        None => String::new(),
    };
    let port_help = port.map_or_else(String::new, |(p, n)| {
        format!(" and `ports: [{{protocol: {p}, port: {n}}}]`")
    });
    let mut report = out
        .report(obj, isolation_range(policy, Direction::Ingress), message)
        .severity(severity)
        .help(format!(
            "admit the ingress controller's pods: add an ingress rule with `from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}{pods}}}]`{port_help}"
        ));
    for r in &f.routes {
        let robj = cx.inventory.get(r.object);
        report = report.related(
            robj,
            r.at,
            format!(
                "{} `{}` routes to Service `{}` here",
                robj.kind,
                robj.name,
                cx.inventory.get(r.service).name
            ),
        );
    }
    report = report.related(svc, name_range(svc), format!("Service `{}`", svc.name));
    if let Some((id, range, text)) = &ctrl.how {
        report = report.related(cx.inventory.get(*id), *range, text.clone());
    }
    for w in &ctrl_pods {
        let wobj = cx.inventory.get(net.workload(*w).object);
        report = report.related(wobj, name_range(wobj), "the controller's pods");
    }
    for p in net
        .isolating(f.classes[0], Direction::Ingress)
        .iter()
        .filter(|p| **p != pi)
    {
        let message = format!(
            "NetworkPolicy `{}` also isolates the ingress of these pods",
            net.policies[*p].name
        );
        report = relate_policy(cx, net, report, *p, Direction::Ingress, message);
    }
    match &f.denial {
        Denial::Pods(verdict) => {
            for side in verdict.denying() {
                if side.dir == Direction::Egress {
                    for p in &side.isolating {
                        let message = format!(
                            "NetworkPolicy `{}` isolates the egress of the controller's pods",
                            p.name
                        );
                        report =
                            relate_policy(cx, net, report, p.index, Direction::Egress, message);
                    }
                }
                if let Some(near) = side.nearest() {
                    let pobj = cx.inventory.get(net.policies[near.rule.policy].object);
                    for reason in &near.reasons {
                        report = report.related(
                            pobj,
                            anchor(reason.node),
                            format!("the nearest rule ({}): {}", reason.field, reason.miss),
                        );
                    }
                }
            }
        }
        Denial::Assumed(reasons) => {
            for (p, node, why) in reasons {
                let pobj = cx.inventory.get(net.policies[*p].object);
                report = report.related(pobj, anchor(*node), why.clone());
            }
        }
    }
    let _ = report;
}

/// The backends admit the controller, but its own egress policies do not let it out: the
/// finding goes to the controller's policy.
#[allow(clippy::too_many_arguments)]
fn report_egress(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    ctrl: &Controller,
    pi: PolicyIdx,
    svc_id: ObjectId,
    f: &Found<'_>,
    verdict: &Verdict<'_>,
    out: &mut Sink<'_>,
) {
    let policy = &net.policies[pi];
    let obj = cx.inventory.get(policy.object);
    let svc = cx.inventory.get(svc_id);
    let workloads = workloads_of(net, &f.classes);
    let who = workload_list(net, &workloads, 3);
    let first = cx.inventory.get(f.routes[0].object);
    let port = first_conn(&f.conn);
    let port_text = port.map_or_else(|| "its ports".to_owned(), |(p, n)| format!("{n}/{p}"));
    let ctrl_pods = workloads_of(net, &ctrl.pods);
    let mut message = format!(
        "NetworkPolicy `{}` isolates the egress of {} ({}) and lets it reach no pod of {who}, which {} `{}/{}` routes to through Service `{}` (port {port_text} of the pods)",
        policy.name,
        ctrl.name,
        workload_list(net, &ctrl_pods, 2),
        first.kind,
        first.namespace.unwrap_or("default"),
        first.name,
        svc.name
    );
    let nearest = verdict
        .egress
        .nearest()
        .and_then(|n| n.reasons.first().map(|r| (n, r)));
    if let Some((_, reason)) = nearest {
        message.push_str(&format!("; the nearest rule misses: {}", reason.miss));
    }
    message.push_str(&format!(
        ": requests through the {} fail with 502 or 504",
        first.kind
    ));
    let ns = net.class(f.classes[0]).namespace;
    let port_help = port.map_or_else(String::new, |(p, n)| {
        format!(" and `ports: [{{protocol: {p}, port: {n}}}]`")
    });
    let mut report = out
        .report(obj, isolation_range(policy, Direction::Egress), message)
        .severity(Severity::Error)
        .help(format!(
            "let the controller reach its backends: add an egress rule with `to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}}}]`{port_help}"
        ));
    for r in &f.routes {
        let robj = cx.inventory.get(r.object);
        report = report.related(
            robj,
            r.at,
            format!(
                "{} `{}` routes to Service `{}` here",
                robj.kind, robj.name, svc.name
            ),
        );
    }
    report = report.related(svc, name_range(svc), format!("Service `{}`", svc.name));
    if let Some((id, range, text)) = &ctrl.how {
        report = report.related(cx.inventory.get(*id), *range, text.clone());
    }
    for w in &ctrl_pods {
        let wobj = cx.inventory.get(net.workload(*w).object);
        report = report.related(wobj, name_range(wobj), "the controller's pods");
    }
    for p in verdict.egress.isolating.iter().skip(1) {
        let message = format!(
            "NetworkPolicy `{}` also isolates the egress of the controller's pods",
            p.name
        );
        report = relate_policy(cx, net, report, p.index, Direction::Egress, message);
    }
    if let Some((near, _)) = nearest {
        let pobj = cx.inventory.get(net.policies[near.rule.policy].object);
        for reason in &near.reasons {
            report = report.related(
                pobj,
                anchor(reason.node),
                format!("the nearest rule ({}): {}", reason.field, reason.miss),
            );
        }
    }
    let _ = report;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(labels: &[(&str, &str)]) -> LabelSelector {
        LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions: Vec::new(),
        }
    }

    #[test]
    fn controller_names_match_whole_or_with_a_class() {
        let haproxy = KNOWN.iter().find(|k| k.name == "HAProxy").unwrap();
        assert!(haproxy.names("haproxy.org/ingress-controller"));
        assert!(haproxy.names("haproxy.org/ingress-controller/haproxy"));
        assert!(!haproxy.names("haproxy.org/ingress-controller-x"));
        let nginx = KNOWN.iter().find(|k| k.name == "ingress-nginx").unwrap();
        assert!(nginx.names("k8s.io/ingress-nginx"));
        assert!(!nginx.names("k8s.io/ingress-nginx2"));
    }

    #[test]
    fn a_selector_pinned_to_the_backend_namespace_admits_no_other() {
        let own = selector(&[("kubernetes.io/metadata.name", "shop")]);
        assert!(pinned_to(&own, "shop"));
        assert!(!pinned_to(&own, "blog"));
        assert!(!pinned_to(&selector(&[("team", "shop")]), "shop"));
    }
}
