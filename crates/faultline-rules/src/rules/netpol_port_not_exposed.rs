use faultline_graph::netpol::policy::{ContainerPort, PortMatch, PortRule};
use faultline_graph::netpol::services::PortPick;
use faultline_graph::netpol::{ClassId, Direction, NetworkModel, Protocol};
use faultline_model::Object;
use faultline_model::pod::PodTemplate;

use crate::netpol::{
    PolicyView, anchor, field_anchor, name_range, valid_policy_of, workload_list, workloads_of,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a port of an ingress rule that none of the pods the policy selects exposes: a
    /// number (or `port`–`endPort` range) that no selected container declares on that
    /// protocol, or a named port that no selected container declares.
    ///
    /// A number is judged only when every selected pod declares its container ports (a
    /// container may listen on a port it does not declare). A named port is judged always:
    /// it resolves only against declared ports, so one that no selected pod declares allows
    /// nothing. When the number is the port of a Service in front of those pods, the message
    /// names the target port the policy should use instead.
    ///
    /// ## Why it matters
    /// NetworkPolicies see the pod's port, after the Service has translated its own port to
    /// the target port. A rule written for the Service port (`80`) or for a port the app no
    /// longer listens on admits nothing, and the clients it was meant for are refused.
    ///
    /// ## Example
    /// ```yaml
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
    ///             - name: http
    ///               containerPort: 8080
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: web
    ///   ingress:
    ///     - ports:
    ///         - port: 80
    ///         - port: metrics
    /// ```
    ///
    /// Use instead:
    /// ```yaml
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
    ///             - name: http
    ///               containerPort: 8080
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web-ingress
    ///   namespace: shop
    /// spec:
    ///   podSelector:
    ///     matchLabels:
    ///       app: web
    ///   ingress:
    ///     - ports:
    ///         - port: 8080
    ///         - port: http
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Network Policies: <https://kubernetes.io/docs/concepts/services-networking/network-policies/>
    /// - Container ports: <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports>
    pub struct NetpolPortNotExposed {
        id: "netpol-port-not-exposed",
        category: Network,
        severity: Warning,
        summary: "an ingress rule's port is exposed by none of the pods the policy selects",
        params: [],
    }
}

fn exposes(ports: &[ContainerPort], entry: &PortRule<'_>) -> bool {
    ports.iter().any(|p| {
        p.protocol == entry.protocol
            && match &entry.port {
                PortMatch::Any => true,
                PortMatch::Range(lo, hi) => (*lo..=*hi).contains(&p.number),
                PortMatch::Named(name) => p.name.as_deref() == Some(name.as_str()),
            }
    })
}

/// The declared ports of every selected pod, listed: `shop/web[Deployment]: 8080/TCP `http``.
fn declared(net: &NetworkModel<'_>, classes: &[ClassId]) -> String {
    let parts: Vec<String> = classes
        .iter()
        .take(3)
        .map(|c| {
            format!(
                "{} declares {}",
                workload_list(net, &workloads_of(net, &[*c]), 1),
                faultline_graph::netpol::explain::describe_container_ports(&net.class(*c).ports)
            )
        })
        .collect();
    let mut out = parts.join("; ");
    if classes.len() > 3 {
        out.push_str(&format!("; and {} more", classes.len() - 3));
    }
    out
}

/// A Service in front of `classes` whose port `number` leads to another port on them.
fn service_hint(
    cx: &Context<'_>,
    net: &NetworkModel<'_>,
    namespace: &str,
    classes: &[ClassId],
    protocol: Protocol,
    number: u16,
) -> Option<String> {
    cx.inventory
        .of_kind("Service")
        .filter(|s| s.namespace == Some(namespace))
        .find_map(|svc| {
            net.service_backends(svc, &PortPick::Number(number))
                .into_iter()
                .filter(|(c, _)| classes.contains(c))
                .find_map(|(_, conn)| {
                    let target = conn.ports(protocol).ranges().first()?.0;
                    (target != number).then(|| {
                        format!(
                            "; {number} is the port of Service `{}`, which sends it to port {target} of these pods: policies see {target}",
                            svc.name
                        )
                    })
                })
        })
}

impl Rule for NetpolPortNotExposed {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(PolicyView { net, policy, .. }) = valid_policy_of(cx, obj) else {
            return;
        };
        let Some(rules) = policy.rules(Direction::Ingress) else {
            return;
        };
        let classes = net.select_classes(policy.namespace, &policy.pod_selector);
        if classes.is_empty() {
            return;
        }
        let all_declare = classes.iter().all(|c| !net.class(*c).ports.is_empty());
        for rule in rules {
            for (i, entry) in rule.ports.iter().flatten().enumerate() {
                let judged = match entry.port {
                    PortMatch::Any => false,
                    PortMatch::Range(..) => all_declare,
                    PortMatch::Named(_) => true,
                };
                if !judged || classes.iter().any(|c| exposes(&net.class(*c).ports, entry)) {
                    continue;
                }
                let path = format!("spec.ingress[{}].ports[{i}]", rule.index);
                let mut message = match &entry.port {
                    PortMatch::Named(name) => format!(
                        "named port `{name}` ({}) of NetworkPolicy `{}` ({path}) is declared by none of the pods it selects, so the entry allows nothing: {}",
                        entry.protocol,
                        policy.name,
                        declared(net, &classes)
                    ),
                    PortMatch::Range(lo, hi) => format!(
                        "ingress port {}/{} of NetworkPolicy `{}` ({path}) is exposed by none of the pods it selects: {}",
                        if lo == hi {
                            lo.to_string()
                        } else {
                            format!("{lo}-{hi}")
                        },
                        entry.protocol,
                        policy.name,
                        declared(net, &classes)
                    ),
                    PortMatch::Any => continue,
                };
                let other_protocol = classes.iter().flat_map(|c| &net.class(*c).ports).find(|p| {
                    p.protocol != entry.protocol
                        && match &entry.port {
                            PortMatch::Range(lo, hi) => (*lo..=*hi).contains(&p.number),
                            PortMatch::Named(name) => p.name.as_deref() == Some(name.as_str()),
                            PortMatch::Any => false,
                        }
                });
                if let Some(p) = other_protocol {
                    message.push_str(&format!(
                        "; the pods declare {} on {}: set `protocol: {}`",
                        p.number, p.protocol, p.protocol
                    ));
                }
                if let PortMatch::Range(lo, hi) = entry.port
                    && lo == hi
                    && let Some(hint) =
                        service_hint(cx, net, policy.namespace, &classes, entry.protocol, lo)
                {
                    message.push_str(&hint);
                }
                let range = field_anchor(entry.node, "port").unwrap_or_else(|| entry.node.range());
                let mut report = out.report(obj, range, message).help(
                    "use the port the selected pods' containers listen on (the Service's target port, not its port), by number or by the name the container gives it",
                );
                for w in workloads_of(net, &classes).into_iter().take(3) {
                    let wobj = cx.inventory.get(net.workload(w).object);
                    report =
                        report.related(wobj, ports_range(wobj), "the ports these pods declare");
                }
            }
        }
    }
}

/// The `ports` of the first container that declares some, else the object's name.
fn ports_range(obj: &Object<'_>) -> faultline_syntax::TextRange {
    PodTemplate::of(obj)
        .and_then(|t| {
            t.containers()
                .find_map(|c| c.node.get("ports").filter(|p| !p.is_empty()))
        })
        .map_or_else(|| name_range(obj), anchor)
}
