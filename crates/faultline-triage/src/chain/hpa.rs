//! The causes of a HorizontalPodAutoscaler that does not scale: the containers of the running
//! pods that request nothing of the resource it scales on (injected sidecars included, which
//! only the running pods show), the finding that says the same of the template, a scale target
//! that is not there, and a quota that leaves no room to grow.

use crate::ids;
use faultline_diagnostics::{Diagnostic, Location};
use faultline_graph::Relation;
use faultline_model::Object;
use faultline_model::pod::{Container, PodTemplate, Resources};
use faultline_model::views::hpa::HorizontalPodAutoscaler;
use faultline_rules::Context;

use super::objects::pods_of_workload;
use super::wording::{ns_flag, sh};
use super::{Cause, Findings, object_of};

/// The reasons of `ScalingActive=False` that a container without a request explains.
const RESOURCE_METRIC_FAILURES: [&str; 2] = [
    "FailedGetResourceMetric",
    "FailedGetContainerResourceMetric",
];

pub(crate) fn hpa_causes(cx: &Context<'_>, findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(obj) = object_of(cx, d) else {
        return Vec::new();
    };
    let Some(hpa) = HorizontalPodAutoscaler::of(obj) else {
        return Vec::new();
    };
    let mut causes = Vec::new();
    let conds = hpa.conditions();
    // The target's absence from the input explains the symptom only when the status says the
    // controller could not read its scale: a partial snapshot lacks objects that exist.
    let no_scale = conds
        .iter()
        .any(|c| c.type_ == "AbleToScale" && c.is_false() && c.reason == "FailedGetScale");
    for j in findings
        .on(&[obj.id], &[ids::HPA_TARGET_NOT_FOUND])
        .into_iter()
        .filter(|_| no_scale)
    {
        causes.push(Cause::finding(
            findings.get(j),
            "its scale target does not exist".to_owned(),
            "the controller cannot read or set the replicas of a target that is not there"
                .to_owned(),
            90,
            Vec::new(),
        ));
    }
    let Some(target) = cx
        .graph
        .reference(obj.id, Relation::ScaleTarget)
        .and_then(|r| r.target)
        .map(|id| cx.inventory.get(id))
    else {
        return causes;
    };
    for j in findings.on(&[target.id], &[ids::HPA_MISSING_REQUESTS]) {
        causes.push(Cause::finding(
            findings.get(j),
            "a container of the pod template requests nothing of the scaled resource".to_owned(),
            "utilization is usage divided by request: without a request the autoscaler cannot compute it".to_owned(),
            93,
            Vec::new(),
        ));
    }
    for j in findings.on(&[target.id], &[ids::QUOTA_BLOCKS_SCALE_OUT]) {
        causes.push(Cause::finding(
            findings.get(j),
            "a ResourceQuota leaves no room to scale out".to_owned(),
            "the replicas the autoscaler sets cannot be created beyond the quota".to_owned(),
            70,
            Vec::new(),
        ));
    }
    // The running pods, when the autoscaler fails on a resource metric.
    let Some(failure) = conds.iter().find(|c| {
        c.type_ == "ScalingActive"
            && c.is_false()
            && RESOURCE_METRIC_FAILURES.contains(&c.reason.as_str())
    }) else {
        return causes;
    };
    causes.extend(missing_requests(cx, &hpa, target, &failure.explanation));
    causes
}

/// A container of the running pods without a request for a resource the autoscaler scales on
/// by utilization, once per container name: the first pod that has it, and how many do.
struct Missing<'a> {
    resource: &'a str,
    name: &'a str,
    pod: &'a Object<'a>,
    container: Container<'a>,
    pods: usize,
}

fn missing_requests<'a>(
    cx: &Context<'a>,
    hpa: &HorizontalPodAutoscaler<'a>,
    target: &'a Object<'a>,
    said: &str,
) -> Vec<Cause> {
    let pods = pods_of_workload(cx, target);
    let template: Option<Vec<&str>> = PodTemplate::of(target).map(|t| {
        t.long_running_containers()
            .map(|c| c.name())
            .collect::<Vec<_>>()
    });
    let mut found: Vec<Missing<'a>> = Vec::new();
    for metric in hpa.metrics() {
        if metric.utilization.is_none() {
            continue;
        }
        let resource = metric.resource_name();
        let Some(only) = metric.containers_measured() else {
            continue;
        };
        for pod in &pods {
            let Some(shape) = PodTemplate::of(pod) else {
                continue;
            };
            let pod_level =
                faultline_model::views::quantities(shape.spec.path(&["resources", "requests"]))
                    .any(|q| q.name.value == resource);
            if pod_level {
                continue;
            }
            for c in shape
                .long_running_containers()
                .filter(|c| only.is_none_or(|o| c.name() == o))
            {
                // The API server copies a limit into an unset request.
                if c.resource(Resources::Requests, resource).is_some()
                    || c.resource(Resources::Limits, resource).is_some()
                {
                    continue;
                }
                match found
                    .iter_mut()
                    .find(|m| m.resource == resource && m.name == c.name())
                {
                    Some(m) => m.pods += 1,
                    None => found.push(Missing {
                        resource,
                        name: c.name(),
                        pod,
                        container: c,
                        pods: 1,
                    }),
                }
            }
        }
    }
    found
        .into_iter()
        .map(|m| {
            let injected = template
                .as_ref()
                .is_some_and(|names| !names.contains(&m.name));
            let origin = if injected {
                format!(
                    ", a container only the running pods have (not in the template of {} `{}`: injected at admission)",
                    target.kind, target.name
                )
            } else {
                String::new()
            };
            let others = if m.pods > 1 {
                format!(" (and in {} more of its pods)", m.pods - 1)
            } else {
                String::new()
            };
            let named = said.contains(&format!("container {} ", m.name))
                || said.ends_with(&format!("container {}", m.name));
            let why = format!(
                "utilization is usage divided by request: a container that requests no {} makes it impossible to compute for the pod{}",
                m.resource,
                if named {
                    "; the condition's message names this container"
                } else {
                    ""
                }
            );
            Cause::about(
                m.pod,
                Some(Location::new(
                    m.pod.file,
                    m.container.anchor(&["resources", "requests"]),
                )),
                format!(
                    "container `{}` of pod `{}` requests no {}{origin}{others}",
                    m.name, m.pod.name, m.resource
                ),
                why,
                if named { 96 } else { 94 },
                vec![format!(
                    "kubectl {}get pod {} -o jsonpath='{{.spec.containers[?(@.name==\"{}\")].resources}}'",
                    ns_flag(m.pod),
                    sh(m.pod.name),
                    m.name
                )],
            )
        })
        .collect()
}
