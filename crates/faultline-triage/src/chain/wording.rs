//! How causes are worded: the constructors of [`Cause`], the `kubectl` commands that confirm
//! them (names shell-quoted), and what a linked finding means in a sentence.

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
    "pod-crash-looping",
    "container-oom-killed",
    "image-pull-failing",
    "container-config-error",
    "pod-unschedulable",
    "pod-failed",
];

/// What a status finding linked as a cause says about the pods.
pub(crate) fn symptom_what(rule: &str) -> &'static str {
    match rule {
        "pod-crash-looping" => "its pods are crash-looping",
        "container-oom-killed" => "its pods are OOM-killed",
        "image-pull-failing" => "its pods cannot pull their image",
        "container-config-error" => "its pods cannot start: their configuration is missing",
        "pod-unschedulable" => "its pods cannot be scheduled",
        "pod-failed" => "its pods failed",
        "workload-unavailable" => "the workload behind it has no available replicas",
        _ => "its pods are unhealthy",
    }
}

/// What a static finding linked as a cause names.
pub(crate) fn rule_what(rule: &str) -> &'static str {
    match rule {
        "node-selector-matches-no-node" => {
            "no node matches the pod's nodeSelector or node affinity"
        }
        "taint-not-tolerated" => "every matching node has a taint the pod does not tolerate",
        "anti-affinity-unsatisfiable" => {
            "the pod's anti-affinity needs more nodes or zones than there are"
        }
        "quota-blocks-scale-out" => "a ResourceQuota leaves no room to scale out",
        "quota-requires-requests" => {
            "a ResourceQuota requires requests or limits the pods do not set"
        }
        "pvc-pending" => "a PersistentVolumeClaim it mounts is not bound",
        "service-selects-no-pods" => "the Service's selector matches no pod",
        "service-target-port-mismatch" => "the Service's target port is not a port of its pods",
        "reference-not-found" => "a referenced object does not exist",
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
