//! The causes of symptoms about other objects than pods: Services without endpoints, Nodes,
//! quotas and claims; and the objects a workload controls.

use crate::ids;
use faultline_diagnostics::Diagnostic;
use faultline_graph::Relation;
use faultline_model::{Object, ObjectId};
use faultline_rules::{Context, object_ref};

use super::facts::{PodFacts, first_probe};
use super::wording::{
    POD_SYMPTOMS, ns_flag, plural, probe_failures_why, rule_what, sh, symptom_what,
};
use super::{Cause, Findings, named, with_owners};

/// The objects `owner` controls, then theirs (a Deployment's ReplicaSets, then their Pods),
/// up to three levels, in input order per level.
pub(crate) fn owned<'a>(cx: &Context<'a>, owner: &'a Object<'a>) -> Vec<&'a Object<'a>> {
    let mut out: Vec<&'a Object<'a>> = Vec::new();
    let mut level = vec![owner.id];
    for _ in 0..3 {
        let mut next: Vec<ObjectId> = level
            .iter()
            .flat_map(|o| cx.graph.referring(*o, Relation::Owner))
            .filter(|o| *o != owner.id)
            .collect();
        next.sort_unstable();
        next.dedup();
        out.extend(next.iter().map(|o| cx.inventory.get(*o)));
        level = next;
    }
    out
}

/// The Pods a workload owns (directly or through its ReplicaSets/Jobs), in input order.
pub(crate) fn pods_of_workload<'a>(
    cx: &Context<'a>,
    workload: &'a Object<'a>,
) -> Vec<&'a Object<'a>> {
    let mut pods: Vec<&'a Object<'a>> = owned(cx, workload)
        .into_iter()
        .filter(|o| o.kind == "Pod")
        .collect();
    pods.sort_by_key(|p| p.id);
    pods
}

pub(crate) fn service_causes(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    d: &Diagnostic,
) -> Vec<Cause> {
    let Some(svc) = super::object_of(cx, d) else {
        return Vec::new();
    };
    let pods = named(cx.inventory, d, "Pod");
    let mut causes = Vec::new();
    let svc_key = [svc.id];
    for j in findings.on(
        &svc_key,
        &[
            ids::SERVICE_SELECTS_NO_PODS,
            ids::SERVICE_TARGET_PORT_MISMATCH,
        ],
    ) {
        let e = findings.get(j);
        causes.push(Cause::finding(
            e,
            rule_what(e.rule).to_owned(),
            "the Service cannot reach the pods it is meant for".to_owned(),
            94,
            Vec::new(),
        ));
    }
    let confirm = vec![format!(
        "kubectl {}get endpointslices -l kubernetes.io/service-name={} -o wide",
        ns_flag(svc),
        sh(svc.name)
    )];
    if pods.is_empty() {
        if let Some(sel) = svc.spec().and_then(|s| s.get("selector")) {
            causes.push(Cause::at(
                svc,
                sel,
                "the Service's selector".to_owned(),
                "no pod in the input carries its labels".to_owned(),
                85,
                confirm,
            ));
        }
        return causes;
    }
    let facts = PodFacts::gather(cx, pods);
    let pod_keys: Vec<ObjectId> = facts.pods.iter().map(|p| p.id).collect();
    let mut linked = findings.on(&pod_keys, POD_SYMPTOMS);
    // The workload's own finding says how many replicas are missing.
    linked.extend(findings.on(&facts.keys, &[ids::WORKLOAD_UNAVAILABLE]));
    for j in linked {
        let e = findings.get(j);
        causes.push(Cause::finding(
            e,
            symptom_what(e.rule).to_owned(),
            "a pod that is not ready is not an endpoint".to_owned(),
            95,
            confirm.clone(),
        ));
    }
    if let Some((failed, message)) = facts.probe_failures.get("Readiness").copied() {
        // A readiness probe that checks another service: its outage empties the endpoints
        // of every Service whose pods probe it, at once.
        let depends = findings
            .on(&facts.keys, &[ids::PROBE_DEPENDS_ON_SERVICE])
            .into_iter()
            .find(|j| findings.get(*j).message.starts_with("the readiness probe"));
        if let Some(j) = depends {
            let e = findings.get(j);
            // Other workloads whose probes check the same Service lose their endpoints with
            // it: the shape of one dependency taking many Services down at once.
            let same: Vec<ObjectId> = e
                .related
                .iter()
                .filter_map(|r| r.object_id)
                .filter(|id| cx.inventory.get(*id).kind == "Service")
                .collect();
            let others: std::collections::BTreeSet<String> = findings
                .of_rule(ids::PROBE_DEPENDS_ON_SERVICE)
                .filter(|k| *k != j)
                .map(|k| findings.get(k))
                .filter(|o| {
                    o.object_id != e.object_id
                        && o.related
                            .iter()
                            .any(|r| r.object_id.is_some_and(|id| same.contains(&id)))
                })
                .filter_map(|o| o.object.as_ref().map(ToString::to_string))
                .collect();
            let together = if others.is_empty() {
                String::new()
            } else {
                format!(
                    "; the probes of {} check the same Service and fail with it",
                    plural(others.len() as i64, "other workload", "other workloads")
                )
            };
            causes.push(Cause::finding(
                e,
                "the readiness probe checks another service".to_owned(),
                format!(
                    "{}; while that dependency is down, every replica is out of the endpoints{together}",
                    probe_failures_why(failed, message)
                ),
                88,
                confirm,
            ));
        } else if let Some((p, name, node)) = first_probe(&facts.pods, "readinessProbe") {
            causes.push(Cause::at(
                p,
                node,
                format!("the readiness probe of container `{name}`"),
                probe_failures_why(failed, message),
                80,
                confirm,
            ));
        }
    }
    causes
}

pub(crate) fn node_causes(cx: &Context<'_>, findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(node) = super::object_of(cx, d) else {
        return Vec::new();
    };
    let pods: Vec<&Object<'_>> = cx
        .snapshot()
        .pods_on(node.name)
        .iter()
        .map(|id| cx.inventory.get(*id))
        .collect();
    let keys = with_owners(cx.inventory, &pods);
    let confirm = vec![format!("kubectl describe node {}", sh(node.name))];
    let mut causes: Vec<Cause> = findings
        .on(
            &keys,
            &[
                ids::RESOURCES_MEMORY_LIMIT_MISSING,
                ids::RESOURCES_REQUESTS_MISSING,
            ],
        )
        .into_iter()
        .map(|j| {
            let e = findings.get(j);
            Cause::finding(
                e,
                format!(
                    "{} runs on it without {}",
                    e.object
                        .as_ref()
                        .map_or_else(String::new, ToString::to_string),
                    if e.rule == ids::RESOURCES_MEMORY_LIMIT_MISSING {
                        "a memory limit"
                    } else {
                        "resource requests"
                    }
                ),
                "pods without memory requests and limits grow until the node runs short".to_owned(),
                60,
                confirm.clone(),
            )
        })
        .collect();
    if d.rule == ids::NODE_UNDER_PRESSURE {
        // Only the pods bound to this node: an OOM finding folded over a workload's replicas
        // names pods on other nodes too.
        for pod in &pods {
            for j in findings.naming(&[pod.id], &[ids::CONTAINER_OOM_KILLED]) {
                let e = findings.get(j);
                let location = if e.object_id == Some(pod.id) {
                    Some(e.location)
                } else {
                    e.related
                        .iter()
                        .find(|r| r.object_id == Some(pod.id))
                        .and_then(|r| r.location)
                        .or(Some(e.location))
                };
                let mut cause = Cause::finding(
                    e,
                    format!("{} on it is OOM-killed", object_ref(pod)),
                    "its containers take more memory than they were given".to_owned(),
                    55,
                    confirm.clone(),
                );
                cause.object = Some(object_ref(pod));
                cause.object_id = Some(pod.id);
                cause.location = location;
                causes.push(cause);
            }
        }
    }
    causes
}

pub(crate) fn quota_causes(findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(ns) = d.object.as_ref().and_then(|o| o.namespace.as_deref()) else {
        return Vec::new();
    };
    findings
        .of_rule(ids::QUOTA_BLOCKS_SCALE_OUT)
        .map(|i| findings.get(i))
        .filter(|e| e.object.as_ref().and_then(|o| o.namespace.as_deref()) == Some(ns))
        .map(|e| {
            Cause::finding(
                e,
                rule_what(e.rule).to_owned(),
                "scaling out needs more than the quota has left".to_owned(),
                70,
                vec![format!("kubectl -n {} describe resourcequota", sh(ns))],
            )
        })
        .collect()
}

pub(crate) fn pvc_causes(findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(id) = d.object_id else {
        return Vec::new();
    };
    findings
        .on(&[id], &[ids::REFERENCE_NOT_FOUND])
        .into_iter()
        .map(|j| {
            let e = findings.get(j);
            Cause::finding(
                e,
                rule_what(e.rule).to_owned(),
                "no provisioner creates a volume for a class that does not exist".to_owned(),
                90,
                vec!["kubectl get storageclass".to_owned()],
            )
        })
        .collect()
}
