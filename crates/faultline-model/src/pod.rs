//! Pods, pod templates and containers.

use faultline_syntax::{NodeRef, TextRange};

use crate::field::{self, Field};
use crate::kinds;
use crate::object::{Object, string_map};
use crate::quantity::Quantity;

/// A pod's shape: a real Pod, or the template of a workload (Deployment, CronJob, …).
#[derive(Clone, Copy, Debug)]
pub struct PodTemplate<'a> {
    /// The template's (or Pod's) `metadata`, if written.
    pub metadata: Option<NodeRef<'a>>,
    /// The pod spec.
    pub spec: NodeRef<'a>,
}

impl<'a> PodTemplate<'a> {
    /// The pod spec of a Pod, or the pod template of a workload kind.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind == "Pod" {
            return Some(Self {
                metadata: obj.metadata(),
                spec: obj.spec()?,
            });
        }
        let template = obj.node.path(kinds::pod_template_path(obj.kind)?)?;
        Some(Self {
            metadata: template.get("metadata"),
            spec: template.get("spec")?,
        })
    }

    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        string_map(self.metadata.and_then(|m| m.get("labels")))
    }

    /// `restartPolicy` as written; the API server defaults it to `Always`.
    pub fn restart_policy(&self) -> Option<Field<'a, &'a str>> {
        field::str(Some(self.spec), "restartPolicy")
    }

    /// App containers and sidecars: the containers that run for the pod's whole life.
    pub fn long_running_containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        self.containers().filter(|c| c.is_long_running())
    }

    /// Init, regular and ephemeral containers, in that order.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        let spec = self.spec;
        [
            ("initContainers", ContainerKind::Init),
            ("containers", ContainerKind::App),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ]
        .into_iter()
        .flat_map(move |(key, kind)| {
            spec.get(key)
                .into_iter()
                .flat_map(|list| list.items())
                .filter(|c| c.is_map())
                .map(move |node| Container { node, kind })
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    App,
    Ephemeral,
}

/// One container of a pod spec.
#[derive(Clone, Copy, Debug)]
pub struct Container<'a> {
    pub node: NodeRef<'a>,
    pub kind: ContainerKind,
}

impl<'a> Container<'a> {
    pub fn name(&self) -> &'a str {
        self.node
            .get("name")
            .and_then(|n| n.scalar_text())
            .unwrap_or("")
    }

    pub fn image(&self) -> Option<NodeRef<'a>> {
        self.node.get("image")
    }

    /// The `name` value, to point at the container as a whole.
    pub fn name_node(&self) -> Option<NodeRef<'a>> {
        self.node.get("name")
    }

    /// An init container with `restartPolicy: Always`: a sidecar that runs beside the app
    /// containers for the pod's whole life (and may have probes).
    pub fn is_sidecar(&self) -> bool {
        self.kind == ContainerKind::Init
            && field::str(Some(self.node), "restartPolicy").is_some_and(|p| p.value == "Always")
    }

    /// App containers and sidecars: what runs for the pod's life, as opposed to init
    /// containers that run to completion first and ephemeral debugging containers.
    pub fn is_long_running(&self) -> bool {
        self.kind == ContainerKind::App || self.is_sidecar()
    }

    /// Where a finding about something the container lacks points: the key of the deepest
    /// written prefix of `path` (`resources:` when `resources.limits` is missing), else the
    /// container's `name`, else the container.
    pub fn anchor(&self, path: &[&str]) -> TextRange {
        let mut node = self.node;
        let mut key = None;
        for k in path {
            match node.entry(k) {
                Some((kn, v)) => {
                    key = Some(kn);
                    node = v;
                }
                None => break,
            }
        }
        key.or_else(|| self.name_node())
            .unwrap_or(self.node)
            .range()
    }

    /// `resources.requests` or `resources.limits` entries as (resource name, value node).
    pub fn resources(
        &self,
        which: Resources,
    ) -> impl Iterator<Item = (NodeRef<'a>, NodeRef<'a>)> + 'a {
        let key = match which {
            Resources::Requests => "requests",
            Resources::Limits => "limits",
        };
        self.node
            .path(&["resources", key])
            .into_iter()
            .flat_map(|m| m.entries())
    }

    /// A probe by field name: `livenessProbe`, `readinessProbe` or `startupProbe`.
    pub fn probe(&self, field: &str) -> Option<NodeRef<'a>> {
        self.node.get(field).filter(|p| p.is_map())
    }

    pub fn ports(&self) -> impl Iterator<Item = NodeRef<'a>> + use<'a> {
        self.node
            .get("ports")
            .into_iter()
            .flat_map(|p| p.items())
            .filter(|p| p.is_map())
    }

    /// The entries of `ports`, typed.
    pub fn declared_ports(&self) -> impl Iterator<Item = ContainerPort<'a>> + 'a {
        self.ports().map(|node| ContainerPort {
            node,
            number: field::int(Some(node), "containerPort"),
            name: field::str(Some(node), "name"),
            protocol: field::str(Some(node), "protocol").map_or("TCP", |p| p.value),
        })
    }

    /// The declared port called `name`, the way the kubelet resolves a probe's named port.
    pub fn port_named(&self, name: &str) -> Option<ContainerPort<'a>> {
        self.declared_ports()
            .find(|p| p.name.is_some_and(|n| n.value == name))
    }

    /// The value node of `resources.requests.<name>` or `resources.limits.<name>`, when written
    /// and not null.
    pub fn resource(&self, which: Resources, name: &str) -> Option<NodeRef<'a>> {
        self.resources(which)
            .find(|(k, _)| k.scalar_text() == Some(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    /// `resources.requests.<name>` or `resources.limits.<name>` as a quantity, when it is one
    /// the API server accepts (`invalid-quantity` reports the others).
    pub fn resource_quantity(&self, which: Resources, name: &str) -> Option<Field<'a, Quantity>> {
        let node = self.resource(which, name)?;
        Some(Field {
            value: crate::views::quantity(node).ok()?,
            node,
        })
    }

    /// The `env` entries with a name, in order.
    pub fn env(&self) -> impl Iterator<Item = EnvVar<'a>> + 'a {
        self.node
            .get("env")
            .into_iter()
            .flat_map(|e| e.items())
            .filter_map(|node| {
                Some(EnvVar {
                    name: field::str(Some(node), "name")?,
                    value: field::str(Some(node), "value"),
                })
            })
    }

    /// The items of `command`, then of `args`, that are strings.
    pub fn command_line(&self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let node = self.node;
        ["command", "args"].into_iter().flat_map(move |key| {
            node.get(key)
                .into_iter()
                .flat_map(|list| list.items())
                .filter(|item| item.as_str().is_some())
        })
    }
}

/// One entry of a container's `ports`.
#[derive(Clone, Copy, Debug)]
pub struct ContainerPort<'a> {
    pub node: NodeRef<'a>,
    pub number: Option<Field<'a, i64>>,
    pub name: Option<Field<'a, &'a str>>,
    /// `TCP` unless written.
    pub protocol: &'a str,
}

/// One entry of a container's `env`.
#[derive(Clone, Copy, Debug)]
pub struct EnvVar<'a> {
    pub name: Field<'a, &'a str>,
    /// The literal `value`; `None` for `valueFrom` (known only at run time).
    pub value: Option<Field<'a, &'a str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resources {
    Requests,
    Limits,
}
