//! Workload controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet,
//! ReplicationController, Job and CronJob. Replicas, selector, update strategy and the pod
//! template as the controllers read them, with the API server's defaults.

use faultline_syntax::NodeRef;

use crate::field::{self, Defaulted, Field};
use crate::intorstr::IntOrString;
use crate::object::{Object, string_map};
use crate::pod::PodTemplate;
use crate::selector::Labels;
use crate::selectors::{SelectorSite, selector_sites};

/// The workload kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn of(kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => Self::Deployment,
            "ReplicaSet" => Self::ReplicaSet,
            "StatefulSet" => Self::StatefulSet,
            "DaemonSet" => Self::DaemonSet,
            "ReplicationController" => Self::ReplicationController,
            "Job" => Self::Job,
            "CronJob" => Self::CronJob,
            _ => return None,
        })
    }

    /// Whether `spec.replicas` applies (it defaults to 1).
    pub fn has_replicas(self) -> bool {
        matches!(
            self,
            Self::Deployment | Self::ReplicaSet | Self::StatefulSet | Self::ReplicationController
        )
    }
}

/// A workload object.
#[derive(Clone, Copy, Debug)]
pub struct Workload<'a> {
    pub object: Object<'a>,
    pub kind: WorkloadKind,
    /// `spec`, a mapping.
    pub spec: NodeRef<'a>,
}

impl<'a> Workload<'a> {
    /// The view of `obj` when it is a workload kind with a `spec` mapping.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        let kind = WorkloadKind::of(obj.kind)?;
        let spec = obj.spec().filter(|s| s.is_map())?;
        Some(Self {
            object: *obj,
            kind,
            spec,
        })
    }

    /// `spec.replicas` as written.
    pub fn replicas(&self) -> Option<Field<'a, i64>> {
        if !self.kind.has_replicas() {
            return None;
        }
        field::int(Some(self.spec), "replicas")
    }

    /// The desired number of pods: `spec.replicas`, defaulting to 1. `None` for kinds without
    /// replicas (DaemonSet, Job, CronJob) and when `replicas` has a type the API rejects.
    pub fn desired_replicas(&self) -> Option<Defaulted<'a, i64>> {
        if !self.kind.has_replicas() {
            return None;
        }
        match self.spec.get("replicas") {
            None => Some(Defaulted::default_value(1)),
            Some(n) if n.is_null() => Some(Defaulted::default_value(1)),
            Some(_) => self.replicas().map(Defaulted::written),
        }
    }

    /// The pod template (`spec.template`; `spec.jobTemplate.spec.template` for a CronJob).
    pub fn template(&self) -> Option<NodeRef<'a>> {
        match self.kind {
            WorkloadKind::CronJob => self.spec.path(&["jobTemplate", "spec", "template"]),
            _ => self.spec.get("template"),
        }
        .filter(|t| t.is_map())
    }

    /// The pod template as a pod view.
    pub fn pod(&self) -> Option<PodTemplate<'a>> {
        PodTemplate::of(&self.object)
    }

    /// The template's `metadata.labels` node.
    pub fn template_labels_node(&self) -> Option<NodeRef<'a>> {
        self.template()?.path(&["metadata", "labels"])
    }

    /// The template's labels.
    pub fn template_labels(&self) -> Labels {
        string_map(self.template_labels_node())
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// `spec.selector` with its meaning (a plain map for a ReplicationController). For a Job
    /// it is only the controller's selector when `manualSelector` is true.
    pub fn selector(&self) -> Option<SelectorSite<'a>> {
        if self.kind == WorkloadKind::CronJob {
            return None;
        }
        selector_sites(&self.object)
            .into_iter()
            .find(|s| s.field == "spec.selector")
    }

    /// A Job's `spec.manualSelector`.
    pub fn manual_selector(&self) -> Option<Field<'a, bool>> {
        (self.kind == WorkloadKind::Job)
            .then(|| field::bool(Some(self.spec), "manualSelector"))
            .flatten()
    }

    /// The update strategy of a Deployment (`spec.strategy`), StatefulSet or DaemonSet
    /// (`spec.updateStrategy`).
    pub fn strategy(&self) -> Option<Strategy<'a>> {
        let key = match self.kind {
            WorkloadKind::Deployment => "strategy",
            WorkloadKind::StatefulSet | WorkloadKind::DaemonSet => "updateStrategy",
            _ => return None,
        };
        let node = self.spec.get(key).filter(|n| n.is_map());
        Some(Strategy {
            workload: *self,
            node,
        })
    }
}

/// A Deployment's, StatefulSet's or DaemonSet's update strategy, written or defaulted.
#[derive(Clone, Copy, Debug)]
pub struct Strategy<'a> {
    workload: Workload<'a>,
    /// The strategy mapping, when written.
    pub node: Option<NodeRef<'a>>,
}

impl<'a> Strategy<'a> {
    /// `type`, defaulting to `RollingUpdate` (`OnDelete` for a DaemonSet in
    /// `extensions/v1beta1` and a StatefulSet in `apps/v1beta1`). `None` when written with a
    /// type the API rejects.
    pub fn type_(&self) -> Option<Defaulted<'a, &'a str>> {
        let default = match (self.workload.kind, self.workload.object.api_version) {
            (WorkloadKind::DaemonSet, "extensions/v1beta1")
            | (WorkloadKind::StatefulSet, "apps/v1beta1") => "OnDelete",
            _ => "RollingUpdate",
        };
        match self.node.and_then(|n| n.get("type")) {
            None => Some(Defaulted::default_value(default)),
            Some(n) if n.is_null() => Some(Defaulted::default_value(default)),
            Some(_) => field::str(self.node, "type").map(Defaulted::written),
        }
    }

    /// Whether the strategy is a rolling update.
    pub fn is_rolling_update(&self) -> bool {
        self.type_().is_some_and(|t| t.value == "RollingUpdate")
    }

    /// The `rollingUpdate` mapping, when written.
    pub fn rolling_update(&self) -> Option<NodeRef<'a>> {
        self.node?.get("rollingUpdate").filter(|n| n.is_map())
    }

    /// `rollingUpdate.maxSurge`, or its default: 25% for a Deployment (1 in
    /// `extensions/v1beta1`), 0 for a DaemonSet. `None` for a StatefulSet, and when written
    /// with a type the API rejects.
    pub fn max_surge(&self) -> Option<Defaulted<'a, IntOrString>> {
        let default = match self.workload.kind {
            WorkloadKind::Deployment => self.deployment_default(),
            WorkloadKind::DaemonSet => IntOrString::Int(0),
            _ => return None,
        };
        self.int_or_percent("maxSurge", default)
    }

    /// `rollingUpdate.maxUnavailable`, or its default: 25% for a Deployment (1 in
    /// `extensions/v1beta1`), 1 for a DaemonSet and a StatefulSet.
    pub fn max_unavailable(&self) -> Option<Defaulted<'a, IntOrString>> {
        let default = match self.workload.kind {
            WorkloadKind::Deployment => self.deployment_default(),
            _ => IntOrString::Int(1),
        };
        self.int_or_percent("maxUnavailable", default)
    }

    /// A StatefulSet's `rollingUpdate.partition` (default 0).
    pub fn partition(&self) -> Option<Defaulted<'a, i64>> {
        if self.workload.kind != WorkloadKind::StatefulSet {
            return None;
        }
        match self.rolling_update().and_then(|r| r.get("partition")) {
            None => Some(Defaulted::default_value(0)),
            Some(_) => field::int(self.rolling_update(), "partition").map(Defaulted::written),
        }
    }

    /// A Deployment's `maxSurge` and `maxUnavailable` default: 25%, or 1 in
    /// `extensions/v1beta1`.
    fn deployment_default(&self) -> IntOrString {
        if self.workload.object.api_version == "extensions/v1beta1" {
            IntOrString::Int(1)
        } else {
            IntOrString::Str("25%".to_owned())
        }
    }

    fn int_or_percent(
        &self,
        key: &str,
        default: IntOrString,
    ) -> Option<Defaulted<'a, IntOrString>> {
        match self.rolling_update().and_then(|r| r.get(key)) {
            None => Some(Defaulted::default_value(default)),
            Some(n) if n.is_null() => Some(Defaulted::default_value(default)),
            Some(_) => field::int_or_str(self.rolling_update(), key).map(Defaulted::written),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use faultline_syntax::{FileId, SourceFile};

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn with_workload(text: &str, f: impl FnOnce(Workload<'_>)) {
        let file = SourceFile::new(FileId(0), "w.yaml", Arc::<str>::from(text));
        let parsed = vec![faultline_syntax::load::parse_source(&file)];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        f(Workload::of(&inv.objects[0]).expect("a workload"));
    }

    #[test]
    fn deployment_defaults() {
        with_workload(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    metadata: {labels: {app: a}}\n",
            |w| {
                let r = w.desired_replicas().unwrap();
                assert_eq!((r.value, r.is_written()), (1, false));
                let s = w.strategy().unwrap();
                assert!(s.is_rolling_update());
                assert_eq!(s.max_surge().unwrap().value, IntOrString::Str("25%".into()));
                assert_eq!(
                    s.max_unavailable().unwrap().value,
                    IntOrString::Str("25%".into())
                );
                assert_eq!(
                    w.template_labels().get("app").map(String::as_str),
                    Some("a")
                );
                assert!(w.selector().is_none());
            },
        );
    }

    #[test]
    fn written_values_keep_their_nodes() {
        with_workload(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a}\nspec:\n  updateStrategy:\n    rollingUpdate: {maxSurge: 1}\n",
            |w| {
                let s = w.strategy().unwrap();
                let surge = s.max_surge().unwrap();
                assert_eq!(surge.value, IntOrString::Int(1));
                assert!(surge.is_written());
                assert_eq!(s.max_unavailable().unwrap().value, IntOrString::Int(1));
                assert!(w.desired_replicas().is_none());
            },
        );
    }

    #[test]
    fn wrong_types_read_as_absent() {
        with_workload(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: many\n  strategy: {type: [x], rollingUpdate: {maxSurge: 1.5}}\n",
            |w| {
                assert!(w.desired_replicas().is_none());
                let s = w.strategy().unwrap();
                assert!(s.type_().is_none());
                assert!(s.max_surge().is_none());
            },
        );
    }
}
