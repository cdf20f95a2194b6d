use std::collections::BTreeMap;

use faultline_diagnostics::Severity;
use faultline_graph::Relation;
use faultline_model::field::Defaulted;
use faultline_model::intorstr::IntOrString;
use faultline_model::kinds;
use faultline_model::pod::PodTemplate;
use faultline_model::quantity::Quantity;
use faultline_model::views::ResourceQuota;
use faultline_model::views::hpa::HorizontalPodAutoscaler;
use faultline_model::workload::{Workload, WorkloadKind};
use faultline_model::workload_status::unreplicated_pods;
use faultline_model::{Object, ObjectId};
use faultline_syntax::TextRange;

use crate::admission::AdmittedPod;
use crate::common::is_managed;
use crate::quota::{HardEntry, ScopeMatch, counts_pods, hard, pod_usage, scope_match};
use crate::sink::object_ref;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// For each ResourceQuota, adds up what the workloads of its namespace (in the input) need
    /// and compares it with each `hard` entry:
    ///
    /// - **current scale**: every workload at its replicas (an autoscaled one at its
    ///   `replicas` kept between the autoscaler's `minReplicas` and `maxReplicas`, or at
    ///   `minReplicas` when `replicas` is not written); **error** when even that exceeds the
    ///   quota, as some pods cannot be created now;
    /// - **full scale**: every autoscaled workload at its HorizontalPodAutoscaler's
    ///   `maxReplicas`, plus, for Deployments and DaemonSets, the extra pods a rolling update
    ///   starts (`maxSurge`, 25 % by default, rounded up); **warning** when that exceeds it.
    ///
    /// Compute resources are charged per pod as the quota admission plugin charges them:
    /// `requests.cpu`/`cpu`, `requests.memory`/`memory`, `requests.ephemeral-storage`,
    /// `limits.*`, huge pages and extended resources (`requests.nvidia.com/gpu`), from the
    /// pod's total requests and limits (app containers and sidecars added up, an init
    /// container counting when it needs more, `spec.overhead` included), with the defaults of
    /// the namespace's LimitRanges filled in. `pods` and `count/pods` count pods. Object
    /// counts (`count/deployments.apps`, `services`, `secrets`, `count/jobs.batch`, …) count
    /// the input's objects of that kind in the namespace; `count/replicasets.apps` also counts
    /// the ReplicaSet each Deployment creates, and a second one during a rollout (the old
    /// ones a Deployment keeps for `revisionHistoryLimit` count too, in a cluster). Not
    /// checked: `requests.storage` and storage-class quotas, `services.loadbalancers` and
    /// `services.nodeports`, and the PersistentVolumeClaims a StatefulSet's claim templates
    /// create as it scales.
    ///
    /// How many pods each workload has: Deployments, StatefulSets, ReplicaSets and
    /// ReplicationControllers their replicas; DaemonSets `status.desiredNumberScheduled`
    /// when exported from a cluster, else one per Node in the input (a DaemonSet is skipped
    /// when neither is known); Jobs their `parallelism` (at most `completions`, none once
    /// complete or while suspended), CronJobs one Job's worth unless suspended; a Pod one
    /// (none for `count`-free resources once it has `Succeeded` or `Failed`). ReplicaSets,
    /// Jobs and Pods whose owner is in the input are counted through the owner, never twice.
    ///
    /// Quota scopes are respected: `Terminating`, `NotTerminating`, `BestEffort`,
    /// `NotBestEffort`, `PriorityClass` and `CrossNamespacePodAffinity` decide which pods a
    /// quota counts; a quota with any other scope is skipped.
    ///
    /// In a cluster export that holds the namespace's Pods, the quota's `status.used` also
    /// counts: what it records beyond what the exported workloads account for (pods and
    /// objects the export does not show) is added to every sum. Elsewhere `status.used` is
    /// ignored, since it may already count the very workloads the manifests describe.
    ///
    /// The message gives the required and allowed amounts and how many replicas of each
    /// workload that would not reach its target actually fit (with the others at their
    /// current scale); each workload's contribution is a related location (its autoscaler's
    /// `maxReplicas`, or its `replicas`).
    ///
    /// ## Why it matters
    /// A quota is checked only when a pod is created. When traffic rises, the autoscaler asks
    /// for more replicas, the ReplicaSet controller tries to create them and the API server
    /// refuses (`exceeded quota: compute, requested: requests.cpu=500m, used:
    /// requests.cpu=4, limited: requests.cpu=4`): the HPA reports the desired count, no pods
    /// appear, and the existing pods are overwhelmed, exactly when capacity is needed (a sale,
    /// an incident). A rollout that needs surge pods stalls the same way.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     requests.cpu: "4"
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: order-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: order-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/order-service:3.2.0
    ///           resources:
    ///             requests: {cpu: 500m, memory: 1Gi}
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: order-service}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     requests.cpu: "7" # 10 replicas and 3 surge pods × 500m
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels: {app: order-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: order-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/order-service:3.2.0
    ///           resources:
    ///             requests: {cpu: 500m, memory: 1Gi}
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: order-service
    ///   namespace: shop
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: order-service}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// ```
    ///
    /// ## Options
    /// - `surge` (default `true`): add the rolling-update surge to the full-scale sums. Set it
    ///   to `false` when rollouts never run at full scale (for example, deployments are frozen
    ///   during peaks).
    ///
    /// ## References
    /// - Resource quotas: <https://kubernetes.io/docs/concepts/policy/resource-quotas/>
    /// - Horizontal Pod Autoscaling: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/>
    /// - Deployment `maxSurge`: <https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge>
    pub struct QuotaBlocksScaleOut {
        id: "quota-blocks-scale-out",
        category: Quota,
        severity: Warning,
        summary: "a ResourceQuota is too small for the namespace's workloads at their autoscaling maximum, so scale-out and rollouts are refused",
        params: [
            { name: "surge", field: surge, type: Bool, default: "true", description: "add the rolling-update surge (`maxSurge`) to the full-scale sums" },
        ],
    }
}

/// Something that creates pods or counts as objects, with what it is charged.
struct Source<'a> {
    object: Object<'a>,
    /// Pods now and at full scale, and the extra pods of a rollout at full scale.
    current: i64,
    full: i64,
    surge: i64,
    /// The autoscaler that sets the count, and its `maxReplicas`.
    autoscaler: Option<(Object<'a>, TextRange)>,
    /// Where the count is written, for related locations.
    count_at: TextRange,
    /// What one pod (or object) is charged, by quota resource name.
    each: BTreeMap<String, Quantity>,
    /// What is charged once, whatever the scale (object counts), now and at full scale.
    once_current: BTreeMap<String, i64>,
    once_full: BTreeMap<String, i64>,
}

impl Source<'_> {
    fn need(&self, name: &str, full: bool, surge: bool) -> Quantity {
        let pods = if full {
            self.full.saturating_add(if surge { self.surge } else { 0 })
        } else {
            self.current
        };
        let per_pod = self
            .each
            .get(name)
            .map_or(Quantity::ZERO, |q| q.mul_int(pods));
        let once = if full {
            &self.once_full
        } else {
            &self.once_current
        };
        per_pod + once.get(name).map_or(Quantity::ZERO, |n| units(*n))
    }
}

fn units(n: i64) -> Quantity {
    Quantity::from_nanos(i128::from(n) * 1_000_000_000)
}

/// The autoscaler that scales `obj` with the largest valid `maxReplicas`, its
/// `minReplicas` and `maxReplicas`.
fn autoscaler<'a>(cx: &Context<'a>, obj: ObjectId) -> Option<(Object<'a>, i64, i64, TextRange)> {
    cx.graph
        .referring(obj, Relation::ScaleTarget)
        .into_iter()
        .filter_map(|id| {
            let h = HorizontalPodAutoscaler::of(cx.inventory.get(id))?;
            let max = h.max_replicas().filter(|m| m.value >= 1)?;
            let range = h
                .spec
                .and_then(|s| s.entry("maxReplicas"))
                .map_or(max.range(), |(k, v)| k.range().cover(v.range()));
            Some((
                h.object,
                h.min_replicas().clamp(0, max.value),
                max.value,
                range,
            ))
        })
        .max_by_key(|(o, _, max, _)| (*max, std::cmp::Reverse(o.id)))
}

/// `maxSurge` resolved against `replicas` (rounded up), when the strategy is a rolling update.
fn surge_of(w: &Workload<'_>, replicas: i64) -> i64 {
    let Some(strategy) = w.strategy().filter(|s| s.is_rolling_update()) else {
        return 0;
    };
    let Some(surge) = strategy.max_surge() else {
        return 0;
    };
    let value: &IntOrString = &surge.value;
    value.scaled_value(replicas, true).unwrap_or(0).max(0)
}

/// How many pods `obj` has now, at full scale and in a rollout's surge, its autoscaler and
/// where the count is written. `None` when the count is unknown.
#[allow(clippy::type_complexity)]
fn pod_counts<'a>(
    cx: &Context<'a>,
    obj: &Object<'a>,
) -> Option<(i64, i64, i64, Option<(Object<'a>, TextRange)>, TextRange)> {
    if obj.kind == "Pod" {
        let n = unreplicated_pods(obj, 0)?;
        return Some((n, n, 0, None, obj.kind_range()));
    }
    let w = Workload::of(obj)?;
    match w.kind {
        WorkloadKind::Deployment
        | WorkloadKind::StatefulSet
        | WorkloadKind::ReplicaSet
        | WorkloadKind::ReplicationController => {
            let replicas: Defaulted<'_, i64> = w.desired_replicas()?;
            let at = replicas.node.map_or(obj.kind_range(), |n| n.range());
            let (current, full, hpa) = match autoscaler(cx, obj.id) {
                Some((h, min, max, range)) => {
                    let current = if replicas.is_written() {
                        replicas.value.clamp(min, max)
                    } else {
                        min.max(1).min(max)
                    };
                    (current, max, Some((h, range)))
                }
                None => (replicas.value.max(0), replicas.value.max(0), None),
            };
            let surge = match w.kind {
                WorkloadKind::Deployment => surge_of(&w, full),
                _ => 0,
            };
            Some((current, full, surge, hpa, at))
        }
        WorkloadKind::DaemonSet => {
            let n = unreplicated_pods(obj, cx.inventory.of_kind("Node").count())?;
            Some((n, n, surge_of(&w, n), None, obj.kind_range()))
        }
        WorkloadKind::Job | WorkloadKind::CronJob => {
            let n = unreplicated_pods(obj, 0)?;
            Some((n, n, 0, None, obj.kind_range()))
        }
    }
}

/// The kind and API group a quota's object-count resource counts: `count/deployments.apps`,
/// `services`, `count/secrets`. `None` for names that are not object counts, and for
/// `count/pods` (pods are charged per pod).
fn counted_kind(name: &str) -> Option<(String, &str)> {
    let legacy = [
        ("services", "Service"),
        ("secrets", "Secret"),
        ("configmaps", "ConfigMap"),
        ("persistentvolumeclaims", "PersistentVolumeClaim"),
        ("replicationcontrollers", "ReplicationController"),
        ("resourcequotas", "ResourceQuota"),
    ];
    if let Some((_, kind)) = legacy.iter().find(|(n, _)| *n == name) {
        return Some(((*kind).to_owned(), ""));
    }
    let rest = name.strip_prefix("count/")?;
    let (resource, group) = rest.split_once('.').unwrap_or((rest, ""));
    (resource != "pods").then(|| (resource.to_owned(), group))
}

impl Rule for QuotaBlocksScaleOut {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(quota) = ResourceQuota::of(obj) else {
            return;
        };
        let Some(namespace) = obj.namespace else {
            return;
        };
        let entries = hard(&quota);
        if entries.is_empty() {
            return;
        }
        let with_surge = Self::params(cx).surge;
        let Some(sources) = sources(cx, &quota, namespace, &entries) else {
            return;
        };
        let residual = residual(cx, &quota, namespace, &sources);
        for h in &entries {
            check_entry(
                obj,
                namespace,
                h,
                &sources,
                residual.get(h.name.value).copied(),
                with_surge,
                out,
            );
        }
    }
}

/// Everything in `namespace` the quota charges, or `None` when the quota has a scope that
/// cannot be evaluated.
fn sources<'a>(
    cx: &Context<'a>,
    quota: &ResourceQuota<'_>,
    namespace: &str,
    entries: &[HardEntry<'_>],
) -> Option<Vec<Source<'a>>> {
    let mut out = Vec::new();
    let counts_any_pods = entries.iter().any(|h| counts_pods(h.name.value));
    let mut seen: Vec<ObjectId> = cx
        .graph
        .pods
        .in_namespace(namespace)
        .iter()
        .map(|p| cx.graph.pods.pod(*p).object)
        .collect();
    seen.sort_unstable();
    seen.dedup();
    if counts_any_pods {
        for id in &seen {
            let obj = cx.inventory.get(*id);
            if is_managed(cx, obj) {
                continue;
            }
            let Some(pod) = PodTemplate::of(obj) else {
                continue;
            };
            let admitted = AdmittedPod::of(cx, obj, &pod);
            match scope_match(cx, quota, &admitted) {
                ScopeMatch::Matches => {}
                ScopeMatch::DoesNotMatch => continue,
                ScopeMatch::Unknown(_) => return None,
            }
            let Some((current, full, surge, autoscaler, count_at)) = pod_counts(cx, obj) else {
                continue;
            };
            let mut each = pod_usage(&admitted);
            // `count/pods` counts finished pods too; everything else does not.
            let (mut once_current, mut once_full) = (BTreeMap::new(), BTreeMap::new());
            if obj.kind == "Pod" && current == 0 {
                each.clear();
                once_current.insert("count/pods".to_owned(), 1);
                once_full.insert("count/pods".to_owned(), 1);
            }
            out.push(Source {
                object: *obj,
                current,
                full,
                surge,
                autoscaler,
                count_at,
                each,
                once_current,
                once_full,
            });
        }
    }
    // Object counts: the input's objects of each counted kind (quota scopes apply to pods
    // only; a scoped quota cannot count other objects).
    for h in entries {
        let Some((resource, group)) = counted_kind(h.name.value) else {
            continue;
        };
        let objects = cx.inventory.objects.iter().filter(|o| {
            o.namespace == Some(namespace)
                && kinds::is_resource(o.kind, o.group_version().0, &resource, group)
        });
        for o in objects {
            push_once(&mut out, o, h.name.value, 1, 1);
        }
        if resource == "replicasets" && group == "apps" {
            // Each Deployment creates a ReplicaSet, and a second one during a rollout.
            for id in cx.graph.objects_of("Deployment", Some(namespace)) {
                let d = cx.inventory.get(*id);
                let owns_one = cx
                    .graph
                    .referring(*id, Relation::Owner)
                    .iter()
                    .any(|o| cx.inventory.get(*o).kind == "ReplicaSet");
                push_once(
                    &mut out,
                    d,
                    h.name.value,
                    i64::from(!owns_one),
                    1 + i64::from(!owns_one),
                );
            }
        }
    }
    Some(out)
}

/// Adds `n` (now) and `full` (at full scale) of `name` to `obj`'s source.
fn push_once<'a>(out: &mut Vec<Source<'a>>, obj: &Object<'a>, name: &str, now: i64, full: i64) {
    let i = match out.iter().position(|s| s.object.id == obj.id) {
        Some(i) => i,
        None => {
            out.push(Source {
                object: *obj,
                current: 0,
                full: 0,
                surge: 0,
                autoscaler: None,
                count_at: obj.kind_range(),
                each: BTreeMap::new(),
                once_current: BTreeMap::new(),
                once_full: BTreeMap::new(),
            });
            out.len() - 1
        }
    };
    *out[i].once_current.entry(name.to_owned()).or_default() += now;
    *out[i].once_full.entry(name.to_owned()).or_default() += full;
}

/// What `status.used` records beyond what the input's sources account for now, per resource:
/// only for a cluster export holding the namespace's Pods, where it shows what the export
/// leaves out.
fn residual(
    cx: &Context<'_>,
    quota: &ResourceQuota<'_>,
    namespace: &str,
    sources: &[Source<'_>],
) -> BTreeMap<String, (Quantity, TextRange)> {
    let mut out = BTreeMap::new();
    if !faultline_graph::from_a_cluster(&quota.object)
        || !cx.graph.snapshot_has("Pod", Some(namespace))
    {
        return out;
    }
    for used in quota.used() {
        let Ok(value) = used.quantity.value else {
            continue;
        };
        let name = used.name.value;
        let accounted: Quantity = sources.iter().map(|s| s.need(name, false, false)).sum();
        if value > accounted {
            let range = used.name.range().cover(used.quantity.range());
            out.insert(name.to_owned(), (value - accounted, range));
        }
    }
    out
}

fn check_entry(
    obj: &Object<'_>,
    namespace: &str,
    h: &HardEntry<'_>,
    sources: &[Source<'_>],
    residual: Option<(Quantity, TextRange)>,
    with_surge: bool,
    out: &mut Sink<'_>,
) {
    let name = h.name.value;
    let allowed = h.value.value;
    let rest = residual.map_or(Quantity::ZERO, |(q, _)| q);
    let contributors: Vec<&Source<'_>> = sources
        .iter()
        .filter(|s| {
            !s.need(name, true, with_surge).is_zero() || !s.need(name, false, false).is_zero()
        })
        .collect();
    if contributors.is_empty() {
        return;
    }
    let now: Quantity = rest
        + contributors
            .iter()
            .map(|s| s.need(name, false, false))
            .sum::<Quantity>();
    let full: Quantity = rest
        + contributors
            .iter()
            .map(|s| s.need(name, true, with_surge))
            .sum::<Quantity>();
    let severity = if now > allowed {
        Severity::Error
    } else if full > allowed {
        Severity::Warning
    } else {
        return;
    };
    let kind_name = |o: &Object<'_>| format!("{} `{}`", o.kind, o.name);
    // How many replicas of each workload fit, the others at their current scale.
    let mut fits = Vec::new();
    for s in &contributors {
        let Some(per_pod) = s.each.get(name).copied().filter(|q| !q.is_zero()) else {
            continue;
        };
        let target = if severity == Severity::Error {
            s.current
        } else {
            s.full
        };
        let others = now - s.need(name, false, false);
        let room = allowed - others;
        let fit = if room.nanos() <= 0 {
            0
        } else {
            i64::try_from(room.nanos() / per_pod.nanos()).unwrap_or(i64::MAX)
        };
        if fit < target {
            fits.push(format!(
                "only {fit} of the {target} replica{} of {} fit",
                plural(target),
                kind_name(&s.object)
            ));
        }
    }
    let mut fits_text = String::new();
    if !fits.is_empty() {
        fits_text = format!("; {}", fits.join(", "));
    }
    let used = match residual {
        Some((r, _)) => format!(
            "; {r} of it is used by pods and objects the input does not show, per the quota's `status.used`"
        ),
        None => String::new(),
    };
    let allows = format!("{} ResourceQuota `{}` allows", h.text(), obj.name);
    let message = if counted_kind(name).is_some() {
        format!(
            "`{name}`: namespace `{namespace}` gets {} of these objects{}{used}, more than the {allows}, so the API server refuses to create the rest",
            if severity == Severity::Error {
                now
            } else {
                full
            },
            if severity == Severity::Error {
                ""
            } else {
                " during a rollout"
            },
        )
    } else if severity == Severity::Error {
        format!(
            "`{name}`: the workloads of namespace `{namespace}` need {now} at their current scale{used}, more than the {allows}, so some of their pods cannot be created (at full scale they need {full}){fits_text}"
        )
    } else {
        format!(
            "`{name}`: the workloads of namespace `{namespace}` need {full} at full scale ({}{used}), more than the {allows}, so scaling out {}is refused{fits_text}",
            if with_surge {
                "autoscaler maximums plus rolling-update surge"
            } else {
                "autoscaler maximums"
            },
            if with_surge { "or rolling out " } else { "" },
        )
    };
    let at_least = if severity == Severity::Error {
        full.max(now)
    } else {
        full
    };
    let help = if counted_kind(name).is_some() {
        format!(
            "raise `{name}` in the quota to at least {at_least}, or move some of these objects to another namespace"
        )
    } else {
        format!(
            "raise `{name}` in the quota to at least {at_least}, or lower the workloads' requests, replicas or autoscaler maximums"
        )
    };
    let mut report = out
        .report(obj, h.range(), message)
        .severity(severity)
        .help(help);
    for s in contributors {
        let need = s.need(name, true, with_surge);
        let per_pod = s.each.get(name).copied().unwrap_or(Quantity::ZERO);
        let (how, at_obj, at) = if per_pod.is_zero() {
            (format!("counts {need}"), s.object, s.object.kind_range())
        } else {
            let replicas = format!("{} replica{}", s.full, plural(s.full));
            let pods = if with_surge && s.surge > 0 {
                format!("({replicas} + {} surge)", s.surge)
            } else {
                replicas
            };
            match s.autoscaler {
                Some((hpa, range)) => (
                    format!(
                        "{pods} × {per_pod} = {need}, at the maxReplicas of HorizontalPodAutoscaler `{}`",
                        hpa.name
                    ),
                    hpa,
                    range,
                ),
                None => (format!("{pods} × {per_pod} = {need}"), s.object, s.count_at),
            }
        };
        report = report.related(&at_obj, at, format!("{}: {how}", object_ref(&s.object)));
    }
    if let Some((r, range)) = residual {
        report = report.related(
            obj,
            range,
            format!("`status.used`: {r} of it is not accounted for by the input"),
        );
    }
    let _ = report;
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::QuotaBlocksScaleOut;
    use crate::Settings;
    use crate::registry::internal_error::InternalError;
    use crate::testing::check_texts;

    const SALE: &str = "\
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: shop}
spec:
  hard: {requests.cpu: '5'}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, resources: {requests: {cpu: 500m}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 10
";

    fn messages(text: &str, settings: &Settings) -> Vec<String> {
        let (_, diags) = check_texts(&[("t.yaml", text)], settings);
        assert!(
            !diags.iter().any(|d| d.rule == InternalError::ID),
            "{diags:?}"
        );
        diags
            .into_iter()
            .filter(|d| d.rule == QuotaBlocksScaleOut::ID)
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn surge_counts_unless_switched_off() {
        // 10 × 500m fits in 5; the 3 surge pods do not.
        let with = messages(SALE, &Settings::default());
        assert_eq!(with.len(), 1, "{with:?}");
        assert!(with[0].contains("need 6500m at full scale"), "{}", with[0]);
        let mut settings = Settings::default();
        settings.params.insert(
            QuotaBlocksScaleOut::ID.into(),
            [("surge".to_owned(), "false".to_owned())]
                .into_iter()
                .collect(),
        );
        assert!(messages(SALE, &settings).is_empty());
    }

    #[test]
    fn absurd_numbers_do_not_panic() {
        let text = SALE
            .replace(
                "maxReplicas: 10",
                "maxReplicas: 9223372036854775807\n  minReplicas: 9223372036854775807",
            )
            .replace("500m", "-1")
            .replace("'5'", "[5]");
        let _ = messages(&text, &Settings::default());
        let text = SALE
            .replace("maxReplicas: 10", "maxReplicas: 9223372036854775807")
            .replace("500m", "999999999999999999999999999");
        let found = messages(&text, &Settings::default());
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
