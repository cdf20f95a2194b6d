//! `v1 Service`.

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::intorstr::IntOrString;
use crate::object::Object;
use crate::selector::SelectorSemantics;
use crate::selectors::{ParsedSelector, parse_map_selector};

/// A Service.
#[derive(Clone, Copy, Debug)]
pub struct Service<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
}

/// `spec.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIp,
    NodePort,
    LoadBalancer,
    ExternalName,
    /// A value the API rejects.
    Other,
}

impl<'a> Service<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        obj.is("Service").then(|| Self {
            object: *obj,
            spec: obj.spec(),
        })
    }

    /// `spec.type` as written.
    pub fn type_field(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "type")
    }

    /// `spec.type`, `ClusterIP` when absent.
    pub fn service_type(&self) -> ServiceType {
        match self.type_field().map(|f| f.value) {
            None | Some("ClusterIP") => ServiceType::ClusterIp,
            Some("NodePort") => ServiceType::NodePort,
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            Some("ExternalName") => ServiceType::ExternalName,
            Some(_) => ServiceType::Other,
        }
    }

    /// `spec.selector`, the node as written (`null` included).
    pub fn selector_node(&self) -> Option<NodeRef<'a>> {
        self.spec?.get("selector")
    }

    /// The selector when the Service has one: a nil or empty `spec.selector` means the
    /// Service manages no endpoints (they are written by hand or by another controller), and
    /// an `ExternalName` Service ignores its selector. A malformed selector is returned with
    /// its problems.
    pub fn selector(&self) -> Option<ParsedSelector<'a>> {
        if self.service_type() == ServiceType::ExternalName {
            return None;
        }
        let node = self.selector_node()?;
        let parsed = parse_map_selector(node);
        let semantics = SelectorSemantics::ServiceSelector;
        // A malformed selector is kept, so that nobody reads "selects nothing" into it.
        (!parsed.is_valid()
            || semantics.resolve(Some(&parsed.selector)) != crate::selector::Selection::Nothing)
            .then_some(parsed)
    }

    /// `spec.clusterIP`; `None` (the literal) marks a headless Service.
    pub fn cluster_ip(&self) -> Option<Field<'a, &'a str>> {
        field::name(self.spec, "clusterIP")
    }

    pub fn is_headless(&self) -> bool {
        self.cluster_ip().is_some_and(|f| f.value == "None")
    }

    /// `spec.externalName`.
    pub fn external_name(&self) -> Option<Field<'a, &'a str>> {
        field::name(self.spec, "externalName")
    }

    /// `spec.ports`, skipping items that are not mappings.
    pub fn ports(&self) -> impl Iterator<Item = ServicePort<'a>> + use<'a> {
        self.spec
            .and_then(|s| s.get("ports"))
            .into_iter()
            .flat_map(|p| p.items())
            .filter(|p| p.is_map())
            .map(|node| ServicePort { node })
    }
}

/// One item of `spec.ports`.
#[derive(Clone, Copy, Debug)]
pub struct ServicePort<'a> {
    pub node: NodeRef<'a>,
}

impl<'a> ServicePort<'a> {
    pub fn name(&self) -> Option<Field<'a, &'a str>> {
        field::name(Some(self.node), "name")
    }

    pub fn port(&self) -> Option<Field<'a, i64>> {
        field::int(Some(self.node), "port")
    }

    /// `targetPort` as written.
    pub fn target_port_field(&self) -> Option<Field<'a, IntOrString>> {
        field::int_or_str(Some(self.node), "targetPort")
    }

    /// The port on the pods: `targetPort`, or `port` when it is absent (the API's default),
    /// with the node it is read from.
    pub fn target_port(&self) -> Option<Field<'a, IntOrString>> {
        self.target_port_field()
            .or_else(|| self.port().map(|p| p.map(IntOrString::Int)))
    }

    /// `protocol`, `TCP` when absent.
    pub fn protocol(&self) -> &'a str {
        field::str(Some(self.node), "protocol").map_or("TCP", |f| f.value)
    }

    pub fn node_port(&self) -> Option<Field<'a, i64>> {
        field::int(Some(self.node), "nodePort")
    }
}
