//! Pods of a workload the scheduler preempted: `Preempted` Events (action `Preempting`) about
//! its pods, those in the snapshot and those already gone, as one cause naming the pods that
//! took their place; and the `priority-default-preempts` finding when the workload's
//! PriorityClass is among the classes that finding lists.
//!
//! The scheduler records the Event on the victim (`involvedObject`/`regarding`), with the
//! preemptor as `related` and the message `Preempted by pod <uid> on node <node>`. A victim
//! that is gone is attributed by name: a ReplicaSet's pods are `<replicaset>-<5 characters>`,
//! a Deployment's `<deployment>-<pod-template-hash>-<5 characters>`, a StatefulSet's
//! `<statefulset>-<ordinal>`.

use crate::ids;
use faultline_graph::Relation;
use faultline_model::Object;
use faultline_model::snapshot::EventInfo;
use faultline_model::views::Event;
use faultline_rules::Context;

use super::objects::owned;
use super::wording::{ns_flag, sh};
use super::{Cause, Findings};

/// The characters of the random suffix Kubernetes appends to generated names.
fn is_suffix(s: &str) -> bool {
    s.len() == 5
        && s.bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
}

/// Whether a Pod named `pod` was made by `kind`/`name` (for pods no longer in the input).
fn made_by(kind: &str, name: &str, pod: &str) -> bool {
    let Some(rest) = pod.strip_prefix(name).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    match kind {
        "ReplicaSet" | "DaemonSet" | "Job" | "ReplicationController" => is_suffix(rest),
        "Deployment" => rest.split_once('-').is_some_and(|(hash, suffix)| {
            !hash.is_empty()
                && hash.len() <= 10
                && hash.bytes().all(|b| b.is_ascii_alphanumeric())
                && is_suffix(suffix)
        }),
        "StatefulSet" => !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// One `Preempted` Event about a pod of the workload.
struct Preemption<'a> {
    event: EventInfo<'a>,
    victim: &'a str,
    /// `namespace/name` of the preemptor, from `related`, when written.
    preemptor: Option<String>,
    node: Option<&'a str>,
}

/// The `Preempted` Events about the pods of `workload` and of the ReplicaSets/Jobs it owns.
fn preemptions<'a>(
    cx: &Context<'a>,
    findings: &Findings<'_>,
    workload: &'a Object<'a>,
) -> Vec<Preemption<'a>> {
    let owners: Vec<&'a Object<'a>> = std::iter::once(workload)
        .chain(owned(cx, workload).into_iter().filter(|o| o.kind != "Pod"))
        .collect();
    let pods: Vec<&'a Object<'a>> = owned(cx, workload)
        .into_iter()
        .filter(|o| o.kind == "Pod")
        .collect();
    let mut out = Vec::new();
    for obj in findings
        .preempted_events(workload.namespace)
        .iter()
        .map(|id| cx.inventory.get(*id))
    {
        let Some(event) =
            EventInfo::of(obj).filter(|e| e.reason.is_some_and(|r| r.value == "Preempted"))
        else {
            continue;
        };
        let Some(view) = Event::of(obj) else {
            continue;
        };
        let Some(subject) = view.object_ref() else {
            continue;
        };
        if subject.kind().is_none_or(|k| k.value != "Pod") {
            continue;
        }
        let Some(victim) = subject.name().map(|n| n.value) else {
            continue;
        };
        let namespace = subject
            .namespace()
            .map(|n| n.value)
            .filter(|n| !n.is_empty())
            .or(obj.namespace);
        if namespace != workload.namespace {
            continue;
        }
        let ours = pods.iter().any(|p| p.name == victim)
            || owners.iter().any(|o| made_by(o.kind, o.name, victim));
        if !ours {
            continue;
        }
        let preemptor = view.related().and_then(|r| {
            let name = r.name()?.value;
            let ns = r
                .namespace()
                .map(|n| n.value)
                .filter(|n| !n.is_empty())
                .or(obj.namespace)
                .unwrap_or("default");
            Some(format!("{ns}/{name}"))
        });
        let node = event
            .message
            .and_then(|m| m.value.rsplit_once(" on node "))
            .map(|(_, n)| n.trim());
        out.push(Preemption {
            event,
            victim,
            preemptor,
            node,
        });
    }
    out.sort_by_key(|p| (p.event.last, p.event.object.id));
    out
}

/// The causes a workload short of replicas gets from preemption.
pub(crate) fn preempted(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    workload: &Object<'_>,
) -> Vec<Cause> {
    let workload = cx.inventory.get(workload.id);
    let found = preemptions(cx, findings, workload);
    let Some(last) = found.last() else {
        return Vec::new();
    };
    let mut victims: Vec<&str> = found.iter().map(|p| p.victim).collect();
    victims.sort_unstable();
    victims.dedup();
    let mut preemptors: Vec<&str> = found
        .iter()
        .filter_map(|p| p.preemptor.as_deref())
        .collect();
    preemptors.sort_unstable();
    preemptors.dedup();
    let mut nodes: Vec<&str> = found.iter().filter_map(|p| p.node).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let list = |names: &[&str]| {
        let mut shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
        if names.len() > 3 {
            shown.push(format!("{} more", names.len() - 3));
        }
        shown.join(", ")
    };
    let by = if preemptors.is_empty() {
        "higher-priority pods".to_owned()
    } else {
        format!("higher-priority pods ({})", list(&preemptors))
    };
    let on = if nodes.is_empty() {
        String::new()
    } else {
        format!(" on {}", list(&nodes))
    };
    let what = format!(
        "{} of its pods {} preempted by {by}{on}: {}",
        victims.len(),
        if victims.len() == 1 { "was" } else { "were" },
        list(&victims)
    );
    let class = cx
        .graph
        .reference(workload.id, Relation::PriorityClass)
        .map(|r| r.name.value);
    let why = match class {
        Some(c) => format!(
            "the scheduler evicted them to place pods of a higher priority than their PriorityClass `{c}` (`Preempted` Events)"
        ),
        None => "the scheduler evicted them to place pods of a higher priority; they name no PriorityClass, so they run at the global default's priority, or 0 (`Preempted` Events)".to_owned(),
    };
    let ns = ns_flag(workload);
    let confirm = vec![
        format!("kubectl get events {ns}--field-selector reason=Preempted"),
        "kubectl get priorityclasses".to_owned(),
    ];
    let at = last
        .event
        .reason
        .map(|r| r.node)
        .unwrap_or(last.event.object.node);
    let mut causes = vec![Cause::at(&last.event.object, at, what, why, 88, confirm)];
    // The finding that says the global default outranks this workload's class.
    if let Some(target) = cx
        .graph
        .reference(workload.id, Relation::PriorityClass)
        .and_then(|r| r.target)
    {
        for i in findings.naming(&[target], &[ids::PRIORITY_DEFAULT_PREEMPTS]) {
            let d = findings.get(i);
            if d.related.iter().any(|r| r.object_id == Some(target)) {
                causes.push(Cause::finding(
                    d,
                    "the global default PriorityClass outranks the workload's".to_owned(),
                    "every pod created without a class gets the default's priority, above this workload's, and may preempt it".to_owned(),
                    86,
                    d.object
                        .as_ref()
                        .map(|o| vec![format!("kubectl get priorityclass {}", sh(&o.name))])
                        .unwrap_or_default(),
                ));
            }
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::made_by;

    #[test]
    fn generated_pod_names() {
        assert!(made_by("Deployment", "api", "api-7d9f8c6b5-xk2lp"));
        assert!(!made_by("Deployment", "api", "api-v2-7d9f8c6b5-xk2lp"));
        assert!(!made_by("Deployment", "api", "api-7d9f8c6b5-xk2la"));
        assert!(made_by(
            "ReplicaSet",
            "api-7d9f8c6b5",
            "api-7d9f8c6b5-xk2lp"
        ));
        assert!(!made_by("ReplicaSet", "api", "api-7d9f8c6b5-xk2lp"));
        assert!(made_by("StatefulSet", "db", "db-12"));
        assert!(!made_by("StatefulSet", "db", "db-"));
        assert!(!made_by("StatefulSet", "db", "dbx-1"));
    }
}
