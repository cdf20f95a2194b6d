//! `HorizontalPodAutoscaler` in `autoscaling/v1`, `v2`, and the removed `v2beta1`/`v2beta2`.

use std::sync::Arc;

use faultline_syntax::{NodeRef, TextRange};

use crate::field::{self, Field};
use crate::object::Object;
use crate::status::conditions;
use crate::time::Timestamp;

/// The annotation in which `autoscaling/v1` keeps the conditions, as JSON.
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

/// One condition of an autoscaler (`AbleToScale`, `ScalingActive`, `ScalingLimited`), read
/// from `status.conditions` or from the JSON of [`CONDITIONS_ANNOTATION`]; owned, as the
/// annotation's JSON is parsed on the spot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaCondition {
    pub type_: String,
    /// `True`, `False` or `Unknown`; empty when not written.
    pub status: String,
    /// Empty when not written.
    pub reason: String,
    /// `` `reason`: message `` (see [`crate::status::Condition::explanation`]).
    pub explanation: String,
    pub since: Option<Timestamp>,
    /// Where it is written: the `reason: …` entry (else `status: …`, else the condition) in
    /// `status.conditions`, or the annotation's value.
    pub range: TextRange,
    /// Whether it comes from the annotation.
    pub annotated: bool,
}

impl HpaCondition {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }

    pub fn is_false(&self) -> bool {
        self.status == "False"
    }
}

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

    /// The conditions: `status.conditions`, else (`autoscaling/v1`) the JSON list of the
    /// [`CONDITIONS_ANNOTATION`] annotation; none when that JSON does not parse.
    pub fn conditions(&self) -> Vec<HpaCondition> {
        let written = conditions(self.object.status());
        if !written.is_empty() {
            return written
                .iter()
                .map(|c| HpaCondition {
                    type_: c.type_.value.to_owned(),
                    status: c.status.map_or("", |s| s.value).to_owned(),
                    reason: c.reason.map_or("", |r| r.value).to_owned(),
                    explanation: c.explanation(),
                    since: c.last_transition_time.map(|t| t.value),
                    range: c
                        .node
                        .field_range("reason")
                        .or_else(|| c.node.field_range("status"))
                        .unwrap_or_else(|| c.node.range()),
                    annotated: false,
                })
                .collect();
        }
        let Some(value) = self
            .object
            .metadata()
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(CONDITIONS_ANNOTATION))
        else {
            return Vec::new();
        };
        let Some(text) = value.as_str() else {
            return Vec::new();
        };
        let source: Arc<str> = Arc::from(format!("{{\"conditions\": {text}}}"));
        let parsed = faultline_syntax::json::parse_json(&source);
        if !parsed.problems.is_empty() {
            return Vec::new();
        }
        let Some(root) = parsed.documents.first().and_then(|d| d.root()) else {
            return Vec::new();
        };
        conditions(Some(root))
            .iter()
            .map(|c| HpaCondition {
                type_: c.type_.value.to_owned(),
                status: c.status.map_or("", |s| s.value).to_owned(),
                reason: c.reason.map_or("", |r| r.value).to_owned(),
                explanation: c.explanation(),
                since: c.last_transition_time.map(|t| t.value),
                range: value.range(),
                annotated: true,
            })
            .collect()
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

    /// The containers whose requests a resource metric divides by: `Some(None)` for every
    /// container (`Resource`), `Some(Some(c))` for the one a `ContainerResource` metric names,
    /// `None` for other metrics and a `ContainerResource` metric that names no container.
    pub fn containers_measured(&self) -> Option<Option<&'a str>> {
        match self.source {
            MetricSource::Resource => Some(None),
            MetricSource::ContainerResource => self
                .node
                .path(&["containerResource", "container"])
                .and_then(|n| n.as_str())
                .map(Some),
            MetricSource::Other => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn conditions_of(text: &str) -> Vec<HpaCondition> {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        HorizontalPodAutoscaler::of(&inv.objects[0])
            .expect("an HPA")
            .conditions()
    }

    #[test]
    fn conditions_come_from_the_status_or_the_v1_annotation() {
        let v2 = conditions_of(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\nstatus:\n  conditions:\n    - {type: ScalingActive, status: \"False\", reason: FailedGetResourceMetric, message: missing request for cpu}\n",
        );
        assert_eq!(v2.len(), 1);
        assert!(v2[0].is_false() && !v2[0].annotated);
        assert_eq!(v2[0].reason, "FailedGetResourceMetric");
        assert_eq!(
            v2[0].explanation,
            "`FailedGetResourceMetric`: missing request for cpu"
        );
        let v1 = conditions_of(
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: a\n  annotations:\n    autoscaling.alpha.kubernetes.io/conditions: '[{\"type\":\"AbleToScale\",\"status\":\"True\",\"reason\":\"SucceededGetScale\"},{\"type\":\"ScalingActive\",\"status\":\"False\",\"lastTransitionTime\":\"2024-05-01T09:30:00Z\",\"reason\":\"FailedGetResourceMetric\",\"message\":\"it''s down\"}]'\nstatus: {currentReplicas: 1}\n",
        );
        assert_eq!(v1.len(), 2);
        assert!(v1[1].annotated && v1[1].is_false());
        assert_eq!(v1[1].explanation, "`FailedGetResourceMetric`: it's down");
        assert!(v1[1].since.is_some());
        // JSON that does not parse gives no condition rather than a wrong one.
        let broken = conditions_of(
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: a\n  annotations:\n    autoscaling.alpha.kubernetes.io/conditions: '[{\"type\": '\n",
        );
        assert!(broken.is_empty());
    }
}
