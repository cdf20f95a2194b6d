//! `Ingress` in `networking.k8s.io/v1`, and the removed `extensions/v1beta1` and
//! `networking.k8s.io/v1beta1` forms (`serviceName`/`servicePort`).

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::intorstr::IntOrString;
use crate::object::Object;

/// An Ingress.
#[derive(Clone, Copy, Debug)]
pub struct Ingress<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
}

/// The Service port a backend names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendPort<'a> {
    /// `port.number` (v1) or an integer `servicePort` (v1beta1): the Service's `port`.
    Number(i64),
    /// `port.name` (v1) or a string `servicePort` (v1beta1): the Service port's `name`.
    Name(&'a str),
}

impl std::fmt::Display for BackendPort<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Name(n) => f.write_str(n),
        }
    }
}

/// A backend that sends traffic to a Service (backends naming a `resource` are not listed).
#[derive(Clone, Debug)]
pub struct ServiceBackend<'a> {
    /// The backend mapping.
    pub node: NodeRef<'a>,
    /// `service.name` or `serviceName`.
    pub service: Field<'a, &'a str>,
    /// `service.port.number`/`service.port.name` or `servicePort`.
    pub port: Option<Field<'a, BackendPort<'a>>>,
    /// `spec.defaultBackend` (v1) or `spec.backend` (v1beta1), rather than a rule's path.
    pub default: bool,
}

impl<'a> Ingress<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        obj.is("Ingress").then(|| Self {
            object: *obj,
            spec: obj.spec(),
        })
    }

    /// `spec.ingressClassName`.
    pub fn class_name(&self) -> Option<Field<'a, &'a str>> {
        field::name(self.spec, "ingressClassName")
    }

    /// Whether the object uses the `networking.k8s.io/v1` backend form (`service.name`,
    /// `service.port`, `defaultBackend`) rather than the v1beta1 one (`serviceName`,
    /// `servicePort`, `backend`).
    pub fn is_v1(&self) -> bool {
        !self.object.api_version.ends_with("v1beta1")
    }

    /// Every backend mapping where this version keeps them: the default backend first, then
    /// each rule's paths in order.
    pub fn backend_nodes(&self) -> Vec<(NodeRef<'a>, bool)> {
        let mut out = Vec::new();
        let Some(spec) = self.spec else { return out };
        let default_key = if self.is_v1() {
            "defaultBackend"
        } else {
            "backend"
        };
        if let Some(b) = spec.get(default_key).filter(|b| b.is_map()) {
            out.push((b, true));
        }
        for rule in spec.get("rules").into_iter().flat_map(|r| r.items()) {
            let paths = rule.path(&["http", "paths"]);
            for path in paths.into_iter().flat_map(|p| p.items()) {
                if let Some(b) = path.get("backend").filter(|b| b.is_map()) {
                    out.push((b, false));
                }
            }
        }
        out
    }

    /// Every Service backend, in the order of [`Self::backend_nodes`].
    pub fn backends(&self) -> Vec<ServiceBackend<'a>> {
        self.backend_nodes()
            .into_iter()
            .filter_map(|(node, default)| backend(node, default, self.is_v1()))
            .collect()
    }

    /// Backends that name neither a Service (in this version's form) nor a `resource`: the API
    /// server rejects them (a v1 Ingress written with `serviceName`, for example).
    pub fn invalid_backends(&self) -> Vec<NodeRef<'a>> {
        self.backend_nodes()
            .into_iter()
            .filter(|(node, default)| {
                node.get("resource").is_none() && backend(*node, *default, self.is_v1()).is_none()
            })
            .map(|(node, _)| node)
            .collect()
    }

    /// `spec.tls[].secretName`.
    pub fn tls_secrets(&self) -> Vec<Field<'a, &'a str>> {
        self.spec
            .and_then(|s| s.get("tls"))
            .into_iter()
            .flat_map(|t| t.items())
            .filter_map(|t| field::name(Some(t), "secretName"))
            .collect()
    }
}

fn backend(node: NodeRef<'_>, default: bool, v1: bool) -> Option<ServiceBackend<'_>> {
    if v1 {
        let service = node.get("service")?;
        let name = field::name(Some(service), "name")?;
        let port = service.get("port");
        let port = field::int(port, "number")
            .map(|f| f.map(BackendPort::Number))
            .or_else(|| field::name(port, "name").map(|f| f.map(BackendPort::Name)));
        return Some(ServiceBackend {
            node,
            service: name,
            port,
            default,
        });
    }
    let name = field::name(Some(node), "serviceName")?;
    let port = field::int_or_str(Some(node), "servicePort").map(|f| Field {
        value: match f.value {
            IntOrString::Int(n) => BackendPort::Number(n),
            IntOrString::Str(_) => BackendPort::Name(f.node.as_str().unwrap_or("")),
        },
        node: f.node,
    });
    Some(ServiceBackend {
        node,
        service: name,
        port,
        default,
    })
}
