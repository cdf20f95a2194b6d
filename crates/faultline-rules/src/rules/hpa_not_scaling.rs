use faultline_diagnostics::Severity;
use faultline_graph::Relation;
use faultline_model::field;
use faultline_model::views::hpa::{HorizontalPodAutoscaler, Metric, MetricSource};
use faultline_syntax::NodeRef;

use crate::evidence::{ago_with, display, field_at, relate_events};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports HorizontalPodAutoscalers whose status says they do not scale their target:
    ///
    /// - `AbleToScale=False` with a `Failed…` reason: the controller cannot read the target's
    ///   scale (`FailedGetScale`: the target is missing or has no scale subresource) or cannot
    ///   write it (`FailedUpdateScale`);
    /// - `ScalingActive=False` with any reason but `ScalingDisabled` (a target scaled to zero,
    ///   which is not a fault): the controller cannot compute a replica count, because a
    ///   metric cannot be read (`FailedGetResourceMetric`, `FailedGetPodsMetric`,
    ///   `FailedGetObjectMetric`, `FailedGetExternalMetric`,
    ///   `FailedGetContainerResourceMetric`) or the target's pods cannot be found
    ///   (`InvalidSelector`, `AmbiguousSelector`);
    /// - the target runs at `maxReplicas` (`currentReplicas`) while a metric in
    ///   `status.currentMetrics` (a utilization, or an `AverageValue` or `Value` target of any
    ///   metric type; `currentCPUUtilizationPercentage` of `autoscaling/v1`) is above its target by more than the controller's 10 % tolerance, and the
    ///   `ScalingLimited` condition, when written, is `True` with `TooManyReplicas`: the
    ///   autoscaler wants more pods than it may have. The message estimates how many would
    ///   bring the metric to its target.
    ///
    /// The condition's reason and message are quoted, with how long it has held when the
    /// snapshot records times; a metric that could not be read for less than 5 minutes is
    /// reported as info (the metrics of new pods take a scrape or two to arrive). Only objects that carry a `status` are looked at; for
    /// `autoscaling/v1` objects, which keep their conditions as JSON in the
    /// `autoscaling.alpha.kubernetes.io/conditions` annotation, the finding points at that
    /// annotation.
    ///
    /// With the snapshot's pods, the cause chain names each container of the running pods
    /// that requests nothing of the scaled resource, injected sidecars included.
    ///
    /// ## Why it matters
    /// An autoscaler that cannot compute its metric keeps the workload at its current size
    /// however high the load goes: the first traffic peak finds no new pods. One container
    /// without a CPU request (often a sidecar a mesh injects into the running pods, which no
    /// manifest shows) is enough. An autoscaler pinned at `maxReplicas` with its metric above
    /// target has run out of room: latency grows until someone raises the maximum.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// status:
    ///   currentReplicas: 2
    ///   desiredReplicas: 2
    ///   conditions:
    ///     - type: AbleToScale
    ///       status: "True"
    ///       reason: SucceededGetScale
    ///     - type: ScalingActive
    ///       status: "False"
    ///       reason: FailedGetResourceMetric
    ///       message: "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container istio-proxy of Pod api-7d9f8-x2x7k"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// status:
    ///   currentReplicas: 3
    ///   desiredReplicas: 3
    ///   currentMetrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         current: {averageUtilization: 64, averageValue: 320m}
    ///   conditions:
    ///     - type: AbleToScale
    ///       status: "True"
    ///       reason: ReadyForNewScale
    ///     - type: ScalingActive
    ///       status: "True"
    ///       reason: ValidMetricFound
    ///     - type: ScalingLimited
    ///       status: "False"
    ///       reason: DesiredWithinRange
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Horizontal Pod Autoscaling, appendix: status conditions: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#appendix-horizontal-pod-autoscaler-status-conditions>
    /// - Algorithm details and tolerance: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details>
    pub struct HpaNotScaling {
        id: "hpa-not-scaling",
        category: Status,
        severity: Warning,
        summary: "a HorizontalPodAutoscaler cannot scale its target, or is pinned at maxReplicas with its metric above target",
        params: [],
    }
}

/// How recent (seconds before the snapshot) a metric failure is reported as info only.
const FRESH_SECS: i64 = 300;

/// What the help says for a condition's reason.
fn help_for(reason: &str) -> &'static str {
    match reason {
        "FailedGetScale" => {
            "fix `scaleTargetRef`: the target must exist in the HorizontalPodAutoscaler's namespace and have a scale subresource (`kubectl get --raw` its `/scale`)"
        }
        "FailedUpdateScale" => {
            "see the HorizontalPodAutoscaler's Events for what refused the new replica count (an admission webhook, a quota, a controller that owns `replicas`)"
        }
        "FailedGetResourceMetric" | "FailedGetContainerResourceMetric" => {
            "when the message says `missing request for`, set that resource's request in every container of the target's pods, injected sidecars included; otherwise make the resource metrics API answer (`kubectl top pods`; metrics-server running, its APIService `v1beta1.metrics.k8s.io` available)"
        }
        "FailedGetPodsMetric" | "FailedGetObjectMetric" | "FailedGetExternalMetric" => {
            "make the custom or external metrics API serve the metric (the adapter's APIService available, the metric name and selector as the adapter exposes them: `kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1`)"
        }
        "InvalidSelector" => {
            "the target reports no label selector the autoscaler can use: for a custom resource, its scale subresource must expose `labelSelectorPath`"
        }
        "AmbiguousSelector" => {
            "keep one HorizontalPodAutoscaler per set of pods: another one selects the same pods"
        }
        _ => {
            "see the condition's message and the HorizontalPodAutoscaler's Events (`kubectl describe hpa`)"
        }
    }
}

/// A metric above its target: what it measures, the two values as written, their nodes,
/// and current / target.
struct Over<'a> {
    what: String,
    now: String,
    goal: String,
    now_node: NodeRef<'a>,
    goal_node: NodeRef<'a>,
    ratio: f64,
}

/// A metric of the spec with an `AverageValue` or `Value` target (`autoscaling/v2` and
/// `v2beta2` form) and the current value `status.currentMetrics` holds for it, when the
/// current one is above the target beyond the controller's 10 % tolerance.
fn value_over<'a>(status: NodeRef<'a>, m: &Metric<'a>) -> Option<Over<'a>> {
    let ty = m.node.get("type")?.as_str()?;
    let key = match ty {
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        _ => return None,
    };
    let body = m.node.get(key)?;
    let name_of = |b: NodeRef<'a>| {
        b.get("name")
            .or_else(|| b.path(&["metric", "name"]))
            .and_then(|n| n.scalar_text())
    };
    let name = name_of(body)?;
    let target = body.get("target")?;
    let field = match target.get("type")?.as_str()? {
        "AverageValue" => "averageValue",
        "Value" => "value",
        _ => return None,
    };
    let goal_node = target.get(field)?;
    let goal = faultline_model::views::quantity(goal_node).ok()?;
    if goal.as_f64() <= 0.0 {
        return None;
    }
    let now_node = status
        .get("currentMetrics")?
        .items()
        .filter(|c| c.get("type").and_then(|t| t.as_str()) == Some(ty))
        .filter_map(|c| c.get(key))
        .filter(|b| name_of(*b) == Some(name))
        .find_map(|b| b.path(&["current", field]))?;
    let now = faultline_model::views::quantity(now_node).ok()?;
    let ratio = now.as_f64() / goal.as_f64();
    let kind = match ty {
        "Resource" | "ContainerResource" => "",
        "Pods" => "pods metric ",
        "Object" => "object metric ",
        _ => "external metric ",
    };
    let average = if field == "averageValue" {
        "average "
    } else {
        ""
    };
    (ratio > 1.1).then(|| Over {
        what: format!("{average}{kind}`{name}`"),
        now: now_node.scalar_text().unwrap_or("").to_owned(),
        goal: goal_node.scalar_text().unwrap_or("").to_owned(),
        now_node,
        goal_node,
        ratio,
    })
}

/// A current utilization and the node holding it, for the metric `m` of the spec.
fn current_utilization<'a>(status: NodeRef<'a>, m: &Metric<'a>) -> Option<field::Field<'a, i64>> {
    if m.resource.is_none() && m.source == MetricSource::Resource {
        // autoscaling/v1's targetCPUUtilizationPercentage.
        if let Some(c) = field::int(Some(status), "currentCPUUtilizationPercentage") {
            return Some(c);
        }
    }
    let (ty, key) = match m.source {
        MetricSource::Resource => ("Resource", "resource"),
        MetricSource::ContainerResource => ("ContainerResource", "containerResource"),
        MetricSource::Other => return None,
    };
    let name = m.resource_name();
    let container = m
        .node
        .path(&[key, "container"])
        .and_then(|n| n.scalar_text());
    status
        .get("currentMetrics")
        .into_iter()
        .flat_map(|l| l.items())
        .filter(|c| c.get("type").and_then(|t| t.as_str()) == Some(ty))
        .filter_map(|c| c.get(key))
        .filter(|b| b.get("name").and_then(|n| n.scalar_text()) == Some(name))
        .filter(|b| {
            container.is_none() || b.get("container").and_then(|n| n.scalar_text()) == container
        })
        .find_map(|b| {
            field::int(b.get("current"), "averageUtilization")
                .or_else(|| field::int(Some(b), "currentAverageUtilization"))
        })
}

fn scale_target_name(hpa: &HorizontalPodAutoscaler<'_>) -> String {
    match hpa.scale_target() {
        Some(t) => format!(
            "{} `{}`",
            t.kind.map_or("its target", |k| k.value),
            t.name.map_or("", |n| n.value)
        ),
        None => "its target".to_owned(),
    }
}

impl Rule for HpaNotScaling {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for obj in cx.inventory.of_kind("HorizontalPodAutoscaler") {
            let Some(hpa) = HorizontalPodAutoscaler::of(obj) else {
                continue;
            };
            let Some(status) = obj.status().filter(|s| s.is_map() && !s.is_empty()) else {
                continue;
            };
            let conds = hpa.conditions();
            let find = |t: &str| conds.iter().find(|c| c.type_ == t);
            let target = scale_target_name(&hpa);
            let current = field::int(Some(status), "currentReplicas");
            let replicas = current.map_or_else(String::new, |c| {
                format!(
                    " and stays at {} replica{}",
                    c.value,
                    if c.value == 1 { "" } else { "s" }
                )
            });
            let failed = find("AbleToScale")
                .filter(|c| c.is_false() && c.reason.starts_with("Failed"))
                .map(|c| (c, "cannot read or set the replicas of"))
                .or_else(|| {
                    find("ScalingActive")
                        .filter(|c| c.is_false() && c.reason != "ScalingDisabled")
                        .map(|c| (c, "cannot compute a replica count for"))
                });
            if let Some((c, what)) = failed {
                let since = ago_with(cx, " since", c.since);
                let mut report = out
                    .report(
                        obj,
                        c.range,
                        format!(
                            "{} {what} {target} ({}){since}: {target} does not scale{replicas}, whatever the load",
                            display(obj),
                            c.explanation,
                        ),
                    )
                    .help(help_for(&c.reason));
                // Metrics of new pods take a scrape or two to arrive: a metric failure younger
                // than that may clear by itself.
                let fresh = c.reason.starts_with("FailedGet")
                    && c.reason != "FailedGetScale"
                    && matches!((c.since, cx.now()), (Some(t), Some(now)) if t.seconds_until(now) < FRESH_SECS);
                if fresh {
                    report = report.severity(Severity::Info);
                }
                if let Some(t) = hpa.scale_target() {
                    report = report.related(obj, t.node.range(), "scaleTargetRef");
                }
                if let Some(id) = cx
                    .graph
                    .reference(obj.id, Relation::ScaleTarget)
                    .and_then(|r| r.target)
                {
                    let t = cx.inventory.get(id);
                    report = report.related(t, t.kind_range(), "the workload it scales");
                }
                relate_events(report, cx, [obj], |e| e.type_ == Some("Warning"));
                continue;
            }
            // Pinned at the maximum with a metric above target.
            let (Some(max), Some(current)) = (hpa.max_replicas(), current) else {
                continue;
            };
            if max.value <= 0 || current.value < max.value {
                continue;
            }
            if let Some(l) = find("ScalingLimited")
                && !(l.is_true() && l.reason == "TooManyReplicas")
            {
                continue;
            }
            let over = hpa.metrics().into_iter().find_map(|m| {
                if let Some(goal) = m.utilization.filter(|t| t.value > 0) {
                    let now = current_utilization(status, &m)?;
                    // The controller's tolerance: a ratio within 10 % of 1 changes nothing.
                    let resource = m.resource_name();
                    return (now.value * 10 > goal.value * 11).then(|| Over {
                        what: format!("{resource} utilization"),
                        now: format!("{} %", now.value),
                        goal: format!("{} %", goal.value),
                        now_node: now.node,
                        goal_node: goal.node,
                        ratio: now.value as f64 / goal.value as f64,
                    });
                }
                value_over(status, &m)
            });
            let Some(o) = over else {
                continue;
            };
            let want = (current.value as f64 * o.ratio).ceil() as i64;
            let limited = find("ScalingLimited")
                .map(|l| format!("{}; ", ago_with(cx, "limited since", l.since).trim_start()))
                .filter(|s| s != "; ")
                .unwrap_or_default();
            let report = out
                .report(
                    obj,
                    field_at(status, "currentReplicas"),
                    format!(
                        "{} runs {target} at its maxReplicas {} while {} is {} against a target of {} ({limited}about {want} replicas would bring it to target): it cannot add pods as load grows",
                        display(obj),
                        max.value,
                        o.what,
                        o.now,
                        o.goal,
                    ),
                )
                .help("raise `maxReplicas` if the cluster has room, or give each pod more capacity (higher requests and limits); check that the target's pods are ready: unready pods count as idle when scaling up")
                .related(obj, max.range(), format!("maxReplicas {}", max.value))
                .related(obj, o.goal_node.range(), format!("{} target {}", o.what, o.goal))
                .related(obj, o.now_node.range(), format!("current {} {}", o.what, o.now));
            if let Some(l) = find("ScalingLimited") {
                report.related(
                    obj,
                    l.range,
                    format!("condition ScalingLimited: {}", l.explanation),
                );
            }
        }
    }
}
