//! `HorizontalPodAutoscaler` in `autoscaling/v1`, `v2`, and the removed `v2beta1`/`v2beta2`.

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::object::Object;

/// A HorizontalPodAutoscaler.
#[derive(Clone, Copy, Debug)]
pub struct HorizontalPodAutoscaler<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
}

/// `spec.scaleTargetRef`.
#[derive(Clone, Copy, Debug)]
pub struct ScaleTargetRef<'a> {
    pub node: NodeRef<'a>,
    pub kind: Option<Field<'a, &'a str>>,
    pub name: Option<Field<'a, &'a str>>,
    pub api_version: Option<Field<'a, &'a str>>,
}

/// What a metric measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricSource {
    /// `type: Resource`: the pods' average usage of a resource.
    Resource,
    /// `type: ContainerResource`: one container's usage.
    ContainerResource,
    /// `Pods`, `Object`, `External` or a value the API rejects.
    Other,
}

/// One metric, with its utilization target when it has one. `targetCPUUtilizationPercentage`
/// of `autoscaling/v1` reads as a CPU `Resource` metric.
#[derive(Clone, Copy, Debug)]
pub struct Metric<'a> {
    pub node: NodeRef<'a>,
    pub source: MetricSource,
    /// `resource.name` (`cpu`, `memory`).
    pub resource: Option<Field<'a, &'a str>>,
    /// `target.averageUtilization` when `target.type` is `Utilization` (v2, v2beta2), or
    /// `targetAverageUtilization` (v2beta1), or `targetCPUUtilizationPercentage` (v1).
    pub utilization: Option<Field<'a, i64>>,
}

impl<'a> HorizontalPodAutoscaler<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        obj.is("HorizontalPodAutoscaler").then(|| Self {
            object: *obj,
            spec: obj.spec(),
        })
    }

    pub fn scale_target(&self) -> Option<ScaleTargetRef<'a>> {
        let node = self.spec?.get("scaleTargetRef")?;
        Some(ScaleTargetRef {
            node,
            kind: field::name(Some(node), "kind"),
            name: field::name(Some(node), "name"),
            api_version: field::name(Some(node), "apiVersion"),
        })
    }

    /// `spec.minReplicas` as written.
    pub fn min_replicas_field(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "minReplicas")
    }

    /// `spec.minReplicas`, 1 when absent.
    pub fn min_replicas(&self) -> i64 {
        self.min_replicas_field().map_or(1, |f| f.value)
    }

    pub fn max_replicas(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "maxReplicas")
    }

    pub fn metrics(&self) -> Vec<Metric<'a>> {
        let Some(spec) = self.spec else {
            return Vec::new();
        };
        if let Some(cpu) = field::int(Some(spec), "targetCPUUtilizationPercentage") {
            return vec![Metric {
                node: cpu.node,
                source: MetricSource::Resource,
                resource: None,
                utilization: Some(cpu),
            }];
        }
        spec.get("metrics")
            .into_iter()
            .flat_map(|m| m.items())
            .filter(|m| m.is_map())
            .map(|node| {
                let (source, key) = match node.get("type").and_then(|t| t.as_str()) {
                    Some("Resource") => (MetricSource::Resource, "resource"),
                    Some("ContainerResource") => {
                        (MetricSource::ContainerResource, "containerResource")
                    }
                    _ => (MetricSource::Other, ""),
                };
                let body = node.get(key);
                let target = body.and_then(|b| b.get("target"));
                let utilization = match field::str(target, "type").map(|t| t.value) {
                    Some("Utilization") => field::int(target, "averageUtilization"),
                    _ => field::int(body, "targetAverageUtilization"),
                };
                Metric {
                    node,
                    source,
                    resource: field::name(body, "name"),
                    utilization,
                }
            })
            .collect()
    }
}

impl<'a> Metric<'a> {
    /// The resource, `cpu` for the v1 shorthand.
    pub fn resource_name(&self) -> &'a str {
        self.resource.map_or("cpu", |f| f.value)
    }
}
