//! Traffic addressed to Services: a Service port resolves to its backing pods' target port,
//! and Ingress/Route backends make the ingress controller a client of those pods.

use faultline_model::Object;
use faultline_model::intorstr::IntOrString;
use faultline_model::selectors::parse_map_selector;
use faultline_syntax::NodeRef;

use super::conn::{ConnSet, PortSet, Protocol};
use super::model::{ClassId, Endpoint, NetworkModel};
use super::policy::{ContainerPort, Direction, resolve_named};

/// One entry of a Service's `spec.ports`.
#[derive(Clone, Debug)]
pub struct ServicePort<'a> {
    pub node: NodeRef<'a>,
    pub name: Option<&'a str>,
    pub port: Option<u16>,
    /// `targetPort`, defaulting to `port`.
    pub target: IntOrString,
    pub protocol: Protocol,
}

/// Which ports of a Service a client uses.
#[derive(Clone, Debug)]
pub enum PortPick<'s> {
    All,
    /// By the Service port number (`svc:8080`, an Ingress `port.number`).
    Number(u16),
    /// By the Service port name (an Ingress `port.name`, a Route `targetPort` string).
    Name(&'s str),
    /// By target port number (a Route `targetPort` number).
    Target(u16),
}

pub fn service_ports<'a>(svc: &Object<'a>) -> Vec<ServicePort<'a>> {
    svc.spec()
        .and_then(|s| s.get("ports"))
        .into_iter()
        .flat_map(|p| p.items())
        .filter(|p| p.is_map())
        .map(|node| {
            let port = node
                .get("port")
                .and_then(|p| p.as_i64())
                .and_then(|p| u16::try_from(p).ok());
            let target = match node.get("targetPort").filter(|t| !t.is_null()) {
                Some(t) => match t.as_i64() {
                    Some(n) => IntOrString::Int(n),
                    None => IntOrString::Str(t.scalar_text().unwrap_or("").to_owned()),
                },
                None => IntOrString::Int(port.map_or(0, i64::from)),
            };
            ServicePort {
                node,
                name: node.get("name").and_then(|n| n.as_str()),
                port,
                target,
                protocol: node
                    .get("protocol")
                    .and_then(|p| p.as_str())
                    .and_then(Protocol::parse)
                    .unwrap_or(Protocol::Tcp),
            }
        })
        .collect()
}

impl ServicePort<'_> {
    fn picked(&self, pick: &PortPick<'_>) -> bool {
        match pick {
            PortPick::All => true,
            PortPick::Number(n) => self.port == Some(*n),
            PortPick::Name(name) => self.name == Some(*name),
            PortPick::Target(n) => self.target == IntOrString::Int(i64::from(*n)),
        }
    }

    /// The port this Service port reaches on a pod exposing `ports`, if any.
    pub fn resolve(&self, ports: &[ContainerPort]) -> ConnSet {
        match &self.target {
            IntOrString::Int(n) => match u16::try_from(*n) {
                Ok(n) if n > 0 => ConnSet::of(self.protocol, PortSet::range(n.into(), n.into())),
                _ => ConnSet::empty(),
            },
            IntOrString::Str(name) => resolve_named(ports, name, self.protocol),
        }
    }
}

impl<'a> NetworkModel<'a> {
    /// The classes behind a Service with the connections `pick` addresses on each. Services
    /// without a selector have no pods here (their endpoints are managed elsewhere).
    pub fn service_backends(
        &self,
        svc: &Object<'a>,
        pick: &PortPick<'_>,
    ) -> Vec<(ClassId, ConnSet)> {
        let Some(selector) = svc
            .spec()
            .and_then(|s| s.get("selector"))
            .filter(|s| s.is_map() && !s.is_empty())
        else {
            return Vec::new();
        };
        let parsed = parse_map_selector(selector);
        if !parsed.is_valid() {
            return Vec::new();
        }
        let namespace = svc.namespace.unwrap_or("default");
        let ports: Vec<ServicePort<'a>> = service_ports(svc)
            .into_iter()
            .filter(|p| p.picked(pick))
            .collect();
        self.select_classes(namespace, &parsed.selector)
            .into_iter()
            .filter_map(|c| {
                let mut conn = ConnSet::empty();
                for p in &ports {
                    conn.add(&p.resolve(&self.class(c).ports));
                }
                (!conn.is_empty()).then_some((c, conn))
            })
            .collect()
    }

    /// What the ingress controller (a pod of unknown namespace and labels) may send to each
    /// class that an Ingress or OpenShift Route routes to: the routed target ports, less what
    /// the class's ingress policies deny to an arbitrary in-cluster client.
    pub fn ingress_controller_targets(&self) -> Vec<(ClassId, ConnSet)> {
        let inventory = self.graph.inventory;
        let mut out: Vec<(ClassId, ConnSet)> = Vec::new();
        let mut route = |ns: &str, service: &str, pick: PortPick<'_>| {
            let Some(svc) = inventory.find("Service", Some(ns), service) else {
                return;
            };
            for (c, conn) in self.service_backends(svc, &pick) {
                let allowed = self.side(
                    Direction::Ingress,
                    c,
                    Endpoint::AnyPod,
                    &self.class(c).ports,
                );
                let conn = conn.intersect(&allowed);
                if !conn.is_empty() {
                    out.push((c, conn));
                }
            }
        };
        for obj in inventory.of_kind("Ingress") {
            let ns = obj.namespace.unwrap_or("default");
            for backend in ingress_backends(obj) {
                let (name, pick) = backend;
                route(ns, name, pick);
            }
        }
        for obj in inventory.of_kind("Route") {
            let ns = obj.namespace.unwrap_or("default");
            let spec = obj.spec();
            let pick = match spec.and_then(|s| s.path(&["port", "targetPort"])) {
                None => PortPick::All,
                Some(t) => match t.as_i64().and_then(|n| u16::try_from(n).ok()) {
                    Some(n) => PortPick::Target(n),
                    None => PortPick::Name(t.scalar_text().unwrap_or("")),
                },
            };
            let targets = spec.and_then(|s| s.get("to")).into_iter().chain(
                spec.and_then(|s| s.get("alternateBackends"))
                    .into_iter()
                    .flat_map(|a| a.items()),
            );
            for to in targets {
                if to
                    .get("kind")
                    .and_then(|k| k.as_str())
                    .is_none_or(|k| k == "Service")
                    && let Some(name) = to.get("name").and_then(|n| n.as_str())
                {
                    route(ns, name, pick.clone());
                }
            }
        }
        out
    }
}

/// The Service backends of an Ingress (`networking.k8s.io/v1` `service.name/port`, and the
/// `serviceName/servicePort` of the beta APIs): default backend and every path.
pub fn ingress_backends<'a>(obj: &Object<'a>) -> Vec<(&'a str, PortPick<'a>)> {
    let spec = obj.spec();
    let defaults = spec
        .and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend")))
        .into_iter();
    let paths = spec
        .and_then(|s| s.get("rules"))
        .into_iter()
        .flat_map(|r| r.items())
        .filter_map(|r| r.path(&["http", "paths"]))
        .flat_map(|p| p.items())
        .filter_map(|p| p.get("backend"));
    defaults
        .chain(paths)
        .filter_map(|b| {
            if let Some(svc) = b.get("service") {
                let name = svc.get("name")?.as_str()?;
                let port = svc.get("port");
                let pick = match (
                    port.and_then(|p| p.get("number")).and_then(|n| n.as_i64()),
                    port.and_then(|p| p.get("name")).and_then(|n| n.as_str()),
                ) {
                    (Some(n), _) => PortPick::Number(u16::try_from(n).ok()?),
                    (None, Some(name)) => PortPick::Name(name),
                    (None, None) => PortPick::All,
                };
                return Some((name, pick));
            }
            let name = b.get("serviceName")?.as_str()?;
            let port = b.get("servicePort");
            let pick = match port.and_then(|p| p.as_i64()) {
                Some(n) => PortPick::Number(u16::try_from(n).ok()?),
                None => port
                    .and_then(|p| p.as_str())
                    .map_or(PortPick::All, PortPick::Name),
            };
            Some((name, pick))
        })
        .collect()
}
