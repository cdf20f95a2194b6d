//! Pods, pod templates and containers.

use faultline_syntax::NodeRef;

use crate::kinds;
use crate::object::{Object, string_map};

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resources {
    Requests,
    Limits,
}
