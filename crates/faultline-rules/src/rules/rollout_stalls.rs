use faultline_diagnostics::{Location, Severity};
use faultline_graph::Relation;
use faultline_model::Object;
use faultline_model::field::Defaulted;
use faultline_model::intorstr::{IntOrString, is_valid_percent};
use faultline_model::views::hpa::HorizontalPodAutoscaler;
use faultline_model::workload::{Strategy, Workload, WorkloadKind};
use faultline_syntax::TextRange;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the rolling-update limits that decide whether a rollout can make progress.
    ///
    /// **Deployment** (`strategy.type: RollingUpdate`, the default):
    /// - `maxSurge` and `maxUnavailable` both written as 0 (or `0%`): **error**, the API server
    ///   rejects it ("may not be 0 when `maxSurge` is 0").
    /// - Both resolve to 0 pods for the Deployment's `replicas` (default 1), with percentages
    ///   rounded as the controller rounds them (`maxSurge` up, `maxUnavailable` down): warning.
    ///   No pod could be added or removed, so the deployment controller overrides
    ///   `maxUnavailable` to 1 and takes one ready pod down at a time, which is more than the
    ///   configuration allows (with one replica, all of them). Omitted fields default to 25%
    ///   (1 in `extensions/v1beta1`). When a HorizontalPodAutoscaler in the input scales the
    ///   Deployment, its `minReplicas` (default 1) is used instead of `replicas`: the HPA sets
    ///   the count, and rounding bites hardest at its minimum.
    ///
    /// **DaemonSet** (`updateStrategy.type: RollingUpdate`, the default; `maxUnavailable`
    /// defaults to 1 and `maxSurge` to 0): both 0 is an **error**, and so is both non-zero
    /// (the API server accepts exactly one of them; a `maxSurge` written without
    /// `maxUnavailable: 0` is the usual slip). Percentages round up there, so rounding alone
    /// cannot make a DaemonSet stall.
    ///
    /// **StatefulSet**: a written `rollingUpdate.maxUnavailable` of 0 is an **error** (the API
    /// server rejects it).
    ///
    /// ## Why it matters
    /// A rolling update replaces pods within two limits: how many extra pods may exist
    /// (`maxSurge`) and how many may be unavailable (`maxUnavailable`). When both are zero
    /// nothing can move. Kubernetes refuses that when it is written literally; when it only
    /// follows from rounding a percentage, the controller quietly breaks the limit instead,
    /// and a single-replica Deployment goes down on every rollout although its manifest says
    /// otherwise.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels: {app: api}
    ///   strategy:
    ///     rollingUpdate:
    ///       maxSurge: 0
    ///       maxUnavailable: 0
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels: {app: api}
    ///   strategy:
    ///     rollingUpdate:
    ///       maxSurge: 1
    ///       maxUnavailable: 0
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Deployment rolling update: <https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment>
    /// - DaemonSet rolling update: <https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/>
    pub struct RolloutStalls {
        id: "rollout-stalls",
        category: Workloads,
        severity: Error,
        summary: "rolling-update limits leave a rollout no room to progress",
        params: [],
    }
}

/// The value validation sees (`getIntOrPercentValue`): the integer, or the number of a valid
/// percentage. `None` for anything validation rejects on its own.
fn raw(v: &IntOrString) -> Option<i64> {
    match v {
        IntOrString::Int(n) => Some(*n),
        IntOrString::Str(s) if is_valid_percent(s) => s.trim_end_matches('%').parse().ok(),
        IntOrString::Str(_) => None,
    }
}

fn shown(v: &Defaulted<'_, IntOrString>) -> String {
    if v.is_written() {
        format!("{}", v.value)
    } else {
        format!("{} (the default)", v.value)
    }
}

/// Where a finding about a limit points: the limit if written, else the `rollingUpdate` (or
/// strategy) key, else the object's kind.
fn at(obj: &Object<'_>, strategy: &Strategy<'_>, value: &Defaulted<'_, IntOrString>) -> TextRange {
    value
        .node
        .map(|n| n.range())
        .or_else(|| strategy.rolling_update().map(|n| n.range()))
        .or_else(|| strategy.node.map(|n| n.range()))
        .unwrap_or_else(|| obj.kind_range())
}

impl Rule for RolloutStalls {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(w) = Workload::of(obj) else { return };
        let Some(strategy) = w.strategy().filter(|s| s.is_rolling_update()) else {
            return;
        };
        let unavailable = strategy.max_unavailable();
        match w.kind {
            WorkloadKind::Deployment => {
                let (Some(surge), Some(unavailable)) = (strategy.max_surge(), unavailable) else {
                    return;
                };
                deployment(cx, obj, &w, &strategy, &surge, &unavailable, out);
            }
            WorkloadKind::DaemonSet => {
                let (Some(surge), Some(unavailable)) = (strategy.max_surge(), unavailable) else {
                    return;
                };
                let (Some(s), Some(u)) = (raw(&surge.value), raw(&unavailable.value)) else {
                    return;
                };
                if s == 0 && u == 0 {
                    out.report(
                        obj,
                        at(obj, &strategy, &unavailable),
                        "`maxUnavailable` and `maxSurge` are both 0, so the DaemonSet could not replace a single pod; the API server rejects it",
                    )
                    .help("set `maxUnavailable` to at least 1 to replace pods in place, or `maxSurge` to at least 1 to start the new pod first");
                } else if s != 0 && u != 0 {
                    let report = out
                        .report(
                            obj,
                            at(obj, &strategy, &surge),
                            format!(
                                "`maxSurge` {} and `maxUnavailable` {} are both non-zero; a DaemonSet rolling update uses one or the other, and the API server rejects it",
                                shown(&surge),
                                shown(&unavailable)
                            ),
                        )
                        .help("to surge, also set `maxUnavailable: 0`; to replace pods in place, remove `maxSurge`");
                    if let Some(n) = unavailable.node {
                        report.related_at(Location::new(obj.file, n.range()), "maxUnavailable");
                    }
                }
            }
            WorkloadKind::StatefulSet => {
                if let Some(u) = unavailable.filter(|u| u.is_written())
                    && raw(&u.value) == Some(0)
                {
                    out.report(
                        obj,
                        at(obj, &strategy, &u),
                        "`maxUnavailable` 0 would let the StatefulSet update no pod; the API server rejects it",
                    )
                    .help("remove `maxUnavailable` (default 1) or set it to at least 1");
                }
            }
            _ => {}
        }
    }
}

/// The `minReplicas` (default 1) of a HorizontalPodAutoscaler in the input that scales `obj`,
/// with the HPA: the controller then sets `replicas`, and rounding bites hardest at the minimum.
fn hpa_min_replicas<'a>(cx: &Context<'a>, obj: &Object<'_>) -> Option<(i64, &'a Object<'a>)> {
    cx.graph
        .referring(obj.id, Relation::ScaleTarget)
        .into_iter()
        .map(|id| cx.inventory.get(id))
        .find_map(|h| {
            let hpa = HorizontalPodAutoscaler::of(h)?;
            // A `minReplicas` that is not a number is left to the API server's validation.
            let written = hpa.spec.and_then(|s| s.get("minReplicas"));
            if written.is_some() && hpa.min_replicas_field().is_none() {
                return None;
            }
            Some((hpa.min_replicas(), h))
        })
}

fn deployment(
    cx: &Context<'_>,
    obj: &Object<'_>,
    w: &Workload<'_>,
    strategy: &Strategy<'_>,
    surge: &Defaulted<'_, IntOrString>,
    unavailable: &Defaulted<'_, IntOrString>,
    out: &mut Sink<'_>,
) {
    let (Some(s), Some(u)) = (raw(&surge.value), raw(&unavailable.value)) else {
        return;
    };
    if s == 0 && u == 0 {
        let report = out
            .report(
                obj,
                at(obj, strategy, unavailable),
                "`maxSurge` and `maxUnavailable` are both 0, so a rollout could neither start a new pod nor stop an old one; the API server rejects it (\"may not be 0 when `maxSurge` is 0\")",
            )
            .help("set `maxSurge: 1` to start each new pod before an old one stops, or `maxUnavailable: 1` to replace pods in place");
        if let Some(n) = surge.node {
            report.related_at(Location::new(obj.file, n.range()), "maxSurge");
        }
        return;
    }
    let hpa = hpa_min_replicas(cx, obj);
    let replicas = match hpa {
        Some((min, _)) => Defaulted::default_value(min),
        None => match w.desired_replicas() {
            Some(r) => r,
            None => return,
        },
    };
    if replicas.value <= 0 {
        return;
    }
    let n = replicas.value;
    let (Ok(surge_pods), Ok(unavailable_pods)) = (
        surge.value.scaled_value(n, true),
        unavailable.value.scaled_value(n, false),
    ) else {
        return;
    };
    if surge_pods != 0 || unavailable_pods != 0 {
        return;
    }
    let consequence = if n == 1 {
        ", so every rollout takes the only replica down".to_owned()
    } else {
        format!(" and takes 1 of {n} replicas down at a time")
    };
    let anchor = if unavailable.is_written() {
        unavailable
    } else {
        surge
    };
    let report = out
        .report(
            obj,
            at(obj, strategy, anchor),
            format!(
                "`maxSurge` {} and `maxUnavailable` {} both resolve to 0 pods for {n} replica{} ({}surge rounds up, unavailable rounds down), so a rollout could not progress; the controller then overrides `maxUnavailable` to 1{consequence}",
                shown(surge),
                shown(unavailable),
                if n == 1 { "" } else { "s" },
                if hpa.is_some() { "its HorizontalPodAutoscaler's minimum; " } else { "" },
            ),
        )
        .severity(Severity::Warning)
        .help("set `maxSurge: 1` so that each new pod starts before an old one stops, or write `maxUnavailable: 1` if taking a pod down is acceptable");
    match (hpa, replicas.node) {
        (Some((_, h)), _) => {
            let at = h
                .spec()
                .and_then(|s| s.entry("minReplicas"))
                .map_or(h.kind_range(), |(k, v)| k.range().cover(v.range()));
            report.related(h, at, "the HorizontalPodAutoscaler's minimum");
        }
        (None, Some(r)) => {
            report.related_at(Location::new(obj.file, r.range()), "replicas");
        }
        (None, None) => {}
    }
}
