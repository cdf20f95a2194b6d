use std::collections::BTreeSet;

use faultline_graph::netpol::services::PortPick;
use faultline_graph::netpol::{ClassId, ConnSet, Direction, Endpoint, NetworkModel, Protocol};
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::views::service::Service;

use crate::hosts::{HostRef, host_refs};
use crate::netpol::{anchor, host_network, name_range, relate_policy};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a workload that refers to a Service while the NetworkPolicies deny its pods
    /// every connection to the Service's pods on the port it uses. The finding points at the
    /// reference and names the policies that isolate either end and the rule that came
    /// closest to allowing it, with what that rule lacks.
    ///
    /// References are read from the pod spec: env values, `command` and `args`, and the
    /// ConfigMaps it imports (`envFrom`, `configMapKeyRef`) or mounts (`configMap` and
    /// projected volumes). A Service is recognised as `svc.ns`, `svc.ns.svc` or
    /// `svc.ns.svc.cluster.local` (any text, between word boundaries), and as a bare `svc` of
    /// the workload's own namespace only in a URL (`http://svc/…`), as `svc:port`, or as the
    /// whole value of a variable whose name says it holds an address (`…HOST`, `…ADDR`,
    /// `…URL`, `…SERVICE`, `…ENDPOINT`, …). The Service must be in the input. With a port
    /// (`svc:8080`, `http://svc.ns:8080/x`) that Service port is checked, resolved to its
    /// target port on each backing pod; without one, any of the Service's ports will do.
    ///
    /// ## Why it matters
    /// This is the outage of a policy update whose selector missed the real client: the
    /// configuration says `payment-service.shop:8080`, the policy says `app=user-svc`, and
    /// every payment call is refused or times out. Nothing fails at deploy time.
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
    ///           env:
    ///             - name: PAYMENT_URL
    ///               value: http://payment-service.shop:8080/pay
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment:3.8.1
    ///           ports:
    ///             - containerPort: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: payment-service
    ///   ports:
    ///     - port: 8080
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
    ///           env:
    ///             - name: PAYMENT_URL
    ///               value: http://payment-service.shop:8080/pay
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: payment-service
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment-service
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment:3.8.1
    ///           ports:
    ///             - containerPort: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: payment-service
    ///   ports:
    ///     - port: 8080
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
    /// - Network Policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - DNS names of Services: <https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#services>
    pub struct NetpolBlocksServiceDependency {
        id: "netpol-blocks-service-dependency",
        category: Network,
        severity: Error,
        summary: "network policies deny a workload the Service it is configured to call",
        params: [],
    }
}

impl Rule for NetpolBlocksServiceDependency {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        _pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        let net = cx.network();
        // Findings about a pod spec belong to its controller when that is in the input.
        if net.policies.is_empty() || cx.graph.owner(obj.id).is_some() {
            return;
        }
        let Some(client) = net.class_of(obj.id) else {
            return;
        };
        if host_network(cx, net, client) {
            return;
        }
        let client_ns = net.class(client).namespace;
        let mut seen = BTreeSet::new();
        for r in host_refs(cx, obj) {
            let Some((ns, name)) = r.service_name(client_ns) else {
                continue;
            };
            let Some(svc) = cx.inventory.find("Service", Some(ns), name) else {
                continue;
            };
            if !seen.insert((svc.id, r.port)) {
                continue;
            }
            let pick = r.port.map_or(PortPick::All, PortPick::Number);
            let backends: Vec<(ClassId, ConnSet)> = net
                .service_backends(svc, &pick)
                .into_iter()
                .filter(|(d, _)| *d != client)
                .collect();
            if backends.is_empty() {
                continue;
            }
            let reachable = backends.iter().any(|(d, conn)| {
                !net.allowed(Endpoint::Class(client), Endpoint::Class(*d))
                    .intersect(conn)
                    .is_empty()
            });
            if !reachable {
                report(cx, net, obj, client, svc, &r, &backends, out);
            }
        }
    }
}

/// The first connection of a set (TCP before UDP before SCTP, lowest port).
fn first_conn(conn: &ConnSet) -> Option<(Protocol, u16)> {
    [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
        .into_iter()
        .find_map(|p| conn.ports(p).ranges().first().map(|(lo, _)| (p, *lo)))
}

#[allow(clippy::too_many_arguments)]
fn report(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    obj: &Object<'_>,
    client: ClassId,
    svc: &Object<'_>,
    r: &HostRef,
    backends: &[(ClassId, ConnSet)],
    out: &mut Sink<'_>,
) {
    let (d, conn) = &backends[0];
    let Some((protocol, port)) = first_conn(conn) else {
        return;
    };
    let verdict = net.explain(
        Endpoint::Class(client),
        Endpoint::Class(*d),
        Some((protocol, port)),
    );
    let denying = verdict.denying();
    let sides: Vec<String> = denying
        .iter()
        .map(|side| {
            let names: Vec<String> = side
                .isolating
                .iter()
                .map(|p| format!("`{}`", p.name))
                .collect();
            let whose = match side.dir {
                Direction::Egress => format!("the egress of {}", verdict.src_label),
                Direction::Ingress => format!("the ingress of {}", verdict.dst_label),
            };
            format!("{whose} is isolated by {}", names.join(", "))
        })
        .collect();
    let nearest = denying
        .iter()
        .find_map(|s| s.nearest())
        .and_then(|n| n.reasons.first().map(|reason| (n, reason)));
    let mut message = format!(
        "{} connects to Service `{}/{}` (`{}` in {}), but NetworkPolicies deny {port}/{protocol} to its pods: {}",
        verdict.src_label,
        svc.namespace.unwrap_or("default"),
        svc.name,
        r.written(),
        r.what,
        sides.join("; ")
    );
    match nearest {
        Some((_, reason)) => {
            message.push_str(&format!("; the nearest rule misses: {}", reason.miss));
        }
        None => {
            let side = denying.first();
            let verb = if side.is_some_and(|s| s.isolating.len() == 1) {
                "allows"
            } else {
                "allow"
            };
            message.push_str(&format!(
                ", which {verb} no {} at all",
                side.map_or("traffic", |s| s.dir.as_str())
            ));
        }
    }
    let in_workload = r.holder == obj.id;
    let range = if in_workload { r.range } else { r.via };
    let mut report = out.report(obj, range, message).help(format!(
        "let {} reach the pods of Service `{}` on {port}/{protocol}: correct the nearest rule, or add a rule to the isolating policies that admits this connection",
        verdict.src_label, svc.name
    ));
    if !in_workload {
        let holder = cx.inventory.get(r.holder);
        report = report.related(holder, r.range, format!("the address `{}`", r.written()));
    }
    let svc_range = Service::of(svc)
        .into_iter()
        .flat_map(|s| s.ports())
        .find(|p| {
            r.port
                .is_some_and(|n| p.port().is_some_and(|f| f.value == i64::from(n)))
        })
        .map_or_else(|| name_range(svc), |p| anchor(p.node));
    report = report.related(svc, svc_range, format!("Service `{}`", svc.name));
    for side in &denying {
        for p in &side.isolating {
            let message = format!(
                "NetworkPolicy `{}` isolates the {} of {}",
                p.name,
                side.dir.as_str(),
                match side.dir {
                    Direction::Egress => &verdict.src_label,
                    Direction::Ingress => &verdict.dst_label,
                }
            );
            report = relate_policy(cx, net, report, p.index, side.dir, message);
        }
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
}
