//! Traffic addressed to Services: a Service port resolves to its backing pods' target port,
//! and Ingress/Route backends make the ingress controller a client of those pods.

use faultline_model::Object;
use faultline_model::intorstr::IntOrString;
use faultline_model::views::ingress::{BackendPort, Ingress};
use faultline_model::views::service::{Service, ServicePort};
use faultline_syntax::NodeRef;

use super::conn::{ConnSet, PortSet, Protocol};
use super::model::{ClassId, Endpoint, NetworkModel};
use super::policy::{ContainerPort, Direction, resolve_named};

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

/// An OpenShift Route's Service backends (`spec.to` and `spec.alternateBackends` of kind
/// Service, or without a kind): the port its `spec.port.targetPort` picks and the nodes of
/// the Services' names.
pub fn route_backends<'a>(obj: &Object<'a>) -> (PortPick<'a>, Vec<NodeRef<'a>>) {
    let spec = obj.spec();
    let pick = match spec.and_then(|s| s.path(&["port", "targetPort"])) {
        None => PortPick::All,
        Some(t) => match t.as_i64().and_then(|n| u16::try_from(n).ok()) {
            Some(n) => PortPick::Target(n),
            None => PortPick::Name(t.scalar_text().unwrap_or("")),
        },
    };
    let names = spec
        .and_then(|s| s.get("to"))
        .into_iter()
        .chain(
            spec.and_then(|s| s.get("alternateBackends"))
                .into_iter()
                .flat_map(|a| a.items()),
        )
        .filter(|to| {
            to.get("kind")
                .and_then(|k| k.as_str())
                .is_none_or(|k| k == "Service")
        })
        .filter_map(|to| to.get("name"))
        .collect();
    (pick, names)
}

fn picked(port: &ServicePort<'_>, pick: &PortPick<'_>) -> bool {
    match pick {
        PortPick::All => true,
        PortPick::Number(n) => port.port().is_some_and(|p| p.value == i64::from(*n)),
        PortPick::Name(name) => port.name().is_some_and(|f| f.value == *name),
        PortPick::Target(n) => {
            port.target_port().map(|f| f.value) == Some(IntOrString::Int(i64::from(*n)))
        }
    }
}

/// The connections a Service port reaches on a pod exposing `ports`: its target port by
/// number, or the container port of that name and protocol.
pub fn resolve_target(port: &ServicePort<'_>, ports: &[ContainerPort]) -> ConnSet {
    let Some(protocol) = Protocol::parse(port.protocol()) else {
        return ConnSet::empty();
    };
    let single = |n: u16| ConnSet::of(protocol, PortSet::range(n.into(), n.into()));
    match port.target_port().map(|f| f.value) {
        Some(IntOrString::Int(n)) => u16::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .map_or_else(ConnSet::empty, single),
        Some(IntOrString::Str(name)) => resolve_named(ports, &name, protocol),
        None => ConnSet::empty(),
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
        let Some(service) = Service::of(svc) else {
            return Vec::new();
        };
        let Some(selector) = service.selector().filter(|s| s.is_valid()) else {
            return Vec::new();
        };
        let namespace = svc.namespace.unwrap_or("default");
        let ports: Vec<ServicePort<'a>> = service.ports().filter(|p| picked(p, pick)).collect();
        self.select_classes(namespace, &selector.selector)
            .into_iter()
            .filter_map(|c| {
                let mut conn = ConnSet::empty();
                for p in &ports {
                    conn.add(&resolve_target(p, &self.class(c).ports));
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
        for ingress in inventory.of_kind("Ingress").filter_map(Ingress::of) {
            let ns = ingress.object.namespace.unwrap_or("default");
            for backend in ingress.backends() {
                let pick = match backend.port.map(|p| p.value) {
                    None => PortPick::All,
                    Some(BackendPort::Number(n)) => match u16::try_from(n) {
                        Ok(n) => PortPick::Number(n),
                        Err(_) => continue,
                    },
                    Some(BackendPort::Name(name)) => PortPick::Name(name),
                };
                route(ns, backend.service.value, pick);
            }
        }
        for obj in inventory.of_kind("Route") {
            let ns = obj.namespace.unwrap_or("default");
            let (pick, names) = route_backends(obj);
            for name in names.iter().filter_map(|n| n.as_str()) {
                route(ns, name, pick.clone());
            }
        }
        out
    }
}
