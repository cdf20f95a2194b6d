//! How causes are worded: the constructors of [`Cause`], the `kubectl` commands that confirm
//! them (names shell-quoted), and what a linked finding means in a sentence.

use crate::ids;
use std::borrow::Cow;

use faultline_diagnostics::{Diagnostic, Location};
use faultline_model::Object;
use faultline_rules::evidence::shorten;
use faultline_rules::object_ref;
use faultline_syntax::NodeRef;

use super::Cause;

impl Cause {
    /// A cause at `node` of `obj`: a field of the configuration.
    pub(crate) fn at(
        obj: &Object<'_>,
        node: NodeRef<'_>,
        what: String,
        why: String,
        score: u8,
        confirm: Vec<String>,
    ) -> Self {
        Self::about(
            obj,
            Some(Location::new(obj.file, node.range())),
            what,
            why,
            score,
            confirm,
        )
    }

    /// A cause about `obj` located at `location` (`None`: the object as a whole, nothing to point
    /// at in its configuration).
    pub(crate) fn about(
        obj: &Object<'_>,
        location: Option<Location>,
        what: String,
        why: String,
        score: u8,
        confirm: Vec<String>,
    ) -> Self {
        Self {
            what,
            why,
            rule: None,
            detail: None,
            object: Some(object_ref(obj)),
            object_id: Some(obj.id),
            location,
            running: None,
            confirm,
            score,
        }
    }

    /// A cause that is another finding: at that finding's location.
    pub(crate) fn finding(
        d: &Diagnostic,
        what: String,
        why: String,
        score: u8,
        confirm: Vec<String>,
    ) -> Self {
        Self {
            what,
            why,
            rule: Some(d.rule),
            detail: Some(d.message.clone()),
            object: d.object.clone(),
            object_id: d.object_id,
            location: Some(d.location),
            running: None,
            confirm,
            score,
        }
    }
}

pub(crate) fn ns_flag(obj: &Object<'_>) -> String {
    kubectl_ns(obj.namespace)
}

/// `-n NAMESPACE ` for a kubectl command line, or nothing for a cluster-scoped object.
pub fn kubectl_ns(namespace: Option<&str>) -> String {
    namespace
        .map(|n| format!("-n {} ", sh(n)))
        .unwrap_or_default()
}

/// A word of a shell command line: as it is when it holds only characters no shell treats
/// specially (what Kubernetes names are made of), else single-quoted. Snapshots are input:
/// a crafted name must not turn a suggested command into another one.
pub fn sh(word: &str) -> Cow<'_, str> {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/=,@%+".contains(&b));
    if plain {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', "'\\''")))
    }
}

pub(crate) fn describe_pod(pod: &Object<'_>) -> String {
    format!("kubectl {}describe pod {}", ns_flag(pod), sh(pod.name))
}

/// `477 `Unhealthy` events say `Liveness probe failed: …``.
pub(crate) fn probe_failures_why(count: i64, message: &str) -> String {
    format!(
        "{} say `{}`",
        plural(count, "`Unhealthy` event", "`Unhealthy` events"),
        shorten(message, 120)
    )
}

pub(crate) fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The status rules whose findings are about pods: the symptoms one level down a workload's
/// or Service's chain.
pub(crate) const POD_SYMPTOMS: &[&str] = &[
    ids::POD_CRASH_LOOPING,
    ids::CONTAINER_OOM_KILLED,
    ids::IMAGE_PULL_FAILING,
    ids::CONTAINER_CONFIG_ERROR,
    ids::POD_UNSCHEDULABLE,
    ids::POD_FAILED,
    ids::POD_INIT_BLOCKED,
];

/// What a status finding linked as a cause says about the pods.
pub(crate) fn symptom_what(rule: &str) -> &'static str {
    match rule {
        ids::POD_CRASH_LOOPING => "its pods are crash-looping",
        ids::CONTAINER_OOM_KILLED => "its pods are OOM-killed",
        ids::IMAGE_PULL_FAILING => "its pods cannot pull their image",
        ids::CONTAINER_CONFIG_ERROR => "its pods cannot start: their configuration is missing",
        ids::POD_UNSCHEDULABLE => "its pods cannot be scheduled",
        ids::POD_FAILED => "its pods failed",
        ids::POD_INIT_BLOCKED => "its pods are held in their init containers",
        ids::WORKLOAD_UNAVAILABLE => "the workload behind it has no available replicas",
        _ => "its pods are unhealthy",
    }
}

/// What a static finding linked as a cause names.
pub(crate) fn rule_what(rule: &str) -> &'static str {
    match rule {
        ids::NODE_SELECTOR_MATCHES_NO_NODE => {
            "no node matches the pod's nodeSelector or node affinity"
        }
        ids::TAINT_NOT_TOLERATED => "every matching node has a taint the pod does not tolerate",
        ids::ANTI_AFFINITY_UNSATISFIABLE => {
            "the pod's anti-affinity needs more nodes or zones than there are"
        }
        ids::TOPOLOGY_SPREAD_UNSATISFIABLE => {
            "the pod's topology spread cannot be met on the nodes there are"
        }
        ids::QUOTA_BLOCKS_SCALE_OUT => "a ResourceQuota leaves no room to scale out",
        ids::QUOTA_REQUIRES_REQUESTS => {
            "a ResourceQuota requires requests or limits the pods do not set"
        }
        ids::PVC_PENDING => "a PersistentVolumeClaim it mounts is not bound",
        ids::SERVICE_SELECTS_NO_PODS => "the Service's selector matches no pod",
        ids::SERVICE_TARGET_PORT_MISMATCH => "the Service's target port is not a port of its pods",
        ids::REFERENCE_NOT_FOUND => "a referenced object does not exist",
        _ => "another finding",
    }
}

/// The name of the NetworkPolicy a finding is about, in backticks.
pub(crate) fn policy_name(d: &Diagnostic) -> String {
    d.object
        .as_ref()
        .map(|o| format!("`{}`", o.name))
        .unwrap_or_default()
}
