//! The status of a replicated workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController): how many replicas it wants, how many are available, and how healthy
//! that makes it.
//!
//! Health, in order: deleted: unknown; a `ReplicaFailure` condition (pods cannot be created:
//! quota, admission, a missing ServiceAccount): unhealthy; a Deployment past its progress
//! deadline (`Progressing=False`, `ProgressDeadlineExceeded`): unhealthy with no replica
//! available, else warning; paused or scaled to zero: healthy; every wanted replica available:
//! healthy. Otherwise, for a Deployment, the `Available` condition decides (minimum
//! availability met during a rollout: healthy; not met: warning with some replicas available,
//! unknown while still progressing with none, else unhealthy); for the other kinds, none
//! available is unhealthy and some is a warning.

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::object::Object;
use crate::status::{Condition, Health, conditions};

/// The status of a workload that carries one.
#[derive(Clone, Debug)]
pub struct WorkloadStatus<'a> {
    pub object: Object<'a>,
    /// The `status` mapping.
    pub node: NodeRef<'a>,
    /// Replicas wanted: `spec.replicas` (default 1), or a DaemonSet's
    /// `status.desiredNumberScheduled`.
    pub desired: i64,
    /// Where `desired` is written, if it is.
    pub desired_node: Option<NodeRef<'a>>,
    /// `availableReplicas` (`numberAvailable`); absent means none.
    pub available: Option<Field<'a, i64>>,
    /// `readyReplicas` (`numberReady`).
    pub ready: Option<Field<'a, i64>>,
    /// `updatedReplicas` (`updatedNumberScheduled`).
    pub updated: Option<Field<'a, i64>>,
    pub conditions: Vec<Condition<'a>>,
    /// `spec.paused` of a Deployment.
    pub paused: bool,
}

/// The kinds [`WorkloadStatus`] reads.
pub const WORKLOAD_KINDS: [&str; 5] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
];

impl<'a> WorkloadStatus<'a> {
    /// The view of a workload that has a non-empty `status` mapping (`status: {}` in a
    /// manifest is no status).
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if !WORKLOAD_KINDS.contains(&obj.kind) {
            return None;
        }
        let node = obj.status().filter(|s| s.is_map() && !s.is_empty())?;
        let s = Some(node);
        let daemon = obj.kind == "DaemonSet";
        let pick =
            |daemon_key: &str, key: &str| field::int(s, if daemon { daemon_key } else { key });
        let (desired, desired_node) = if daemon {
            let d = field::int(s, "desiredNumberScheduled");
            (d.map_or(0, |d| d.value), d.map(|d| d.node))
        } else {
            let d = crate::workload::Workload::of(obj).and_then(|w| w.desired_replicas());
            (d.as_ref().map_or(1, |d| d.value), d.and_then(|d| d.node))
        };
        let ready = pick("numberReady", "readyReplicas");
        let mut available = pick("numberAvailable", "availableReplicas");
        // StatefulSets before 1.22 and ReplicationControllers may not report availability.
        if available.is_none() && matches!(obj.kind, "StatefulSet" | "ReplicationController") {
            available = ready;
        }
        Some(Self {
            object: *obj,
            node,
            desired: desired.max(0),
            desired_node,
            available,
            ready,
            updated: pick("updatedNumberScheduled", "updatedReplicas"),
            conditions: conditions(s),
            paused: obj.kind == "Deployment"
                && field::bool(obj.spec(), "paused").is_some_and(|p| p.value),
        })
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition<'a>> {
        self.conditions.iter().find(|c| c.type_.value == type_)
    }

    /// Available replicas (absent counts as none).
    pub fn available_count(&self) -> i64 {
        self.available.map_or(0, |a| a.value.max(0))
    }

    /// The `Progressing=False` condition of a rollout past its deadline.
    pub fn deadline_exceeded(&self) -> Option<&Condition<'a>> {
        self.condition("Progressing").filter(|c| {
            c.is_false()
                && c.reason
                    .is_some_and(|r| r.value == "ProgressDeadlineExceeded")
        })
    }

    /// The health verdict and why (see the module docs).
    pub fn health(&self) -> (Health, String) {
        let (want, have) = (self.desired, self.available_count());
        let counts = format!("{have}/{want} available");
        if self
            .object
            .node
            .path(&["metadata", "deletionTimestamp"])
            .is_some()
        {
            return (Health::Unknown, "terminating".to_owned());
        }
        if let Some(c) = self.condition("ReplicaFailure").filter(|c| c.is_true()) {
            return (
                Health::Unhealthy,
                format!("cannot create pods: {}", c.explanation()),
            );
        }
        if self.deadline_exceeded().is_some() {
            let health = if have == 0 {
                Health::Unhealthy
            } else {
                Health::Warning
            };
            return (
                health,
                format!("rollout past its progress deadline, {counts}"),
            );
        }
        if self.paused {
            return (Health::Healthy, format!("paused, {counts}"));
        }
        if want == 0 {
            return (Health::Healthy, "scaled to zero".to_owned());
        }
        if have >= want {
            return (Health::Healthy, counts);
        }
        if self.object.kind == "Deployment" {
            let progressing = self.condition("Progressing").is_some_and(|c| c.is_true());
            return match self.condition("Available").map(|c| c.is_true()) {
                Some(true) => (Health::Healthy, format!("rolling out, {counts}")),
                _ if have > 0 => (Health::Warning, counts),
                _ if progressing => (Health::Unknown, format!("starting, {counts}")),
                _ => (Health::Unhealthy, counts),
            };
        }
        if have > 0 {
            (Health::Warning, counts)
        } else {
            (Health::Unhealthy, counts)
        }
    }
}

/// A Node's health: unhealthy when `Ready` is not true, a warning under memory, disk or PID
/// pressure or when unschedulable, healthy otherwise; `None` without a status.
pub fn node_health(obj: &Object<'_>) -> Option<(Health, String)> {
    if obj.kind != "Node" {
        return None;
    }
    let conds = conditions(obj.status());
    if conds.is_empty() {
        return None;
    }
    if let Some(ready) = conds.iter().find(|c| c.type_.value == "Ready")
        && !ready.is_true()
    {
        return Some((
            Health::Unhealthy,
            format!("not ready: {}", ready.explanation()),
        ));
    }
    if let Some(p) = conds
        .iter()
        .find(|c| c.type_.value.ends_with("Pressure") && c.is_true())
    {
        return Some((
            Health::Warning,
            format!("`{}`: {}", p.type_.value, p.explanation()),
        ));
    }
    if field::bool(obj.spec(), "unschedulable").is_some_and(|u| u.value) {
        return Some((Health::Warning, "cordoned (unschedulable)".to_owned()));
    }
    Some((Health::Healthy, "ready".to_owned()))
}

/// Whether a Job has finished: a `Complete` or `Failed` condition that is `True`.
pub fn job_finished(obj: &Object<'_>) -> bool {
    conditions(obj.status())
        .iter()
        .any(|c| matches!(c.type_.value, "Complete" | "Failed") && c.is_true())
}

/// Pods a Job spec (a Job's `spec`, a CronJob's `spec.jobTemplate.spec`) runs at once:
/// `parallelism` (default 1), at most `completions`; none while suspended.
pub fn job_pods(spec: Option<NodeRef<'_>>) -> i64 {
    if field::bool(spec, "suspend").is_some_and(|f| f.value) {
        return 0;
    }
    let parallelism = field::int(spec, "parallelism")
        .map_or(1, |f| f.value)
        .max(0);
    match field::int(spec, "completions") {
        Some(c) => parallelism.min(c.value.max(0)),
        None => parallelism,
    }
}

/// How many pods run now for an object whose count no replica field decides: a Pod (one until
/// it ends), a DaemonSet (`desiredNumberScheduled`, else one per Node of the input, `nodes`),
/// a Job (none once finished) and a CronJob (its Job's, none while suspended). `None` for
/// other kinds, and for a DaemonSet whose count is unknown.
pub fn unreplicated_pods(obj: &Object<'_>, nodes: usize) -> Option<i64> {
    match obj.kind {
        "Pod" => {
            let phase = field::str(obj.status(), "phase").map(|f| f.value);
            Some(i64::from(!matches!(phase, Some("Succeeded" | "Failed"))))
        }
        "DaemonSet" => match field::int(obj.status(), "desiredNumberScheduled") {
            Some(n) => Some(n.value.max(0)),
            None if nodes > 0 => Some(nodes as i64),
            None => None,
        },
        "Job" if job_finished(obj) => Some(0),
        "Job" => Some(job_pods(obj.spec())),
        "CronJob" => {
            let spec = obj.spec();
            if field::bool(spec, "suspend").is_some_and(|f| f.value) {
                Some(0)
            } else {
                Some(job_pods(
                    spec.and_then(|s| s.path(&["jobTemplate", "spec"])),
                ))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn health(text: &str) -> (Health, String) {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        WorkloadStatus::of(&inv.objects[0])
            .map(|w| w.health())
            .or_else(|| node_health(&inv.objects[0]))
            .expect("has status")
    }

    #[test]
    fn deployments() {
        let d = |spec: &str, status: &str| {
            health(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d}}\nspec: {spec}\nstatus: {status}\n"
            ))
        };
        assert_eq!(
            d("{replicas: 3}", "{availableReplicas: 3}").0,
            Health::Healthy
        );
        assert_eq!(
            d(
                "{replicas: 2}",
                "{availableReplicas: 0, conditions: [{type: Progressing, status: \"False\", reason: ProgressDeadlineExceeded}]}"
            ),
            (
                Health::Unhealthy,
                "rollout past its progress deadline, 0/2 available".to_owned()
            )
        );
        assert_eq!(
            d(
                "{replicas: 2}",
                "{availableReplicas: 1, conditions: [{type: Available, status: \"False\"}]}"
            )
            .0,
            Health::Warning
        );
        assert_eq!(
            d(
                "{replicas: 2}",
                "{availableReplicas: 1, conditions: [{type: Available, status: \"True\"}]}"
            )
            .0,
            Health::Healthy
        );
        assert_eq!(
            d("{replicas: 2}", "{conditions: [{type: Available, status: \"False\"}, {type: Progressing, status: \"True\"}]}").0,
            Health::Unknown
        );
        assert_eq!(
            d(
                "{replicas: 1}",
                "{conditions: [{type: ReplicaFailure, status: \"True\", reason: FailedCreate, message: exceeded quota}]}"
            ),
            (
                Health::Unhealthy,
                "cannot create pods: `FailedCreate`: exceeded quota".to_owned()
            )
        );
        assert_eq!(d("{replicas: 0}", "{replicas: 0}").0, Health::Healthy);
    }

    #[test]
    fn daemonsets_statefulsets_nodes() {
        assert_eq!(
            health(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nstatus: {desiredNumberScheduled: 3, numberAvailable: 2, numberReady: 2}\n"
            ),
            (Health::Warning, "2/3 available".to_owned())
        );
        assert_eq!(
            health("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {replicas: 2}\nstatus: {readyReplicas: 2}\n").0,
            Health::Healthy
        );
        assert_eq!(
            health("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {conditions: [{type: Ready, status: \"True\"}, {type: MemoryPressure, status: \"True\", reason: KubeletHasInsufficientMemory}]}\n").0,
            Health::Warning
        );
        assert_eq!(
            health("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {conditions: [{type: Ready, status: Unknown, reason: NodeStatusUnknown}]}\n").0,
            Health::Unhealthy
        );
    }
}
