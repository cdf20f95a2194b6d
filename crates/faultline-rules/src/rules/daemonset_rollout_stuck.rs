use std::collections::HashMap;

use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::field;
use faultline_model::pod_status::PodStatus;
use faultline_model::status::Health;
use faultline_model::workload::Workload;
use faultline_model::workload_status::WorkloadStatus;

use crate::evidence::{
    MAX_RELATED_PODS, display, field_at, owner_of, relate_events, shorten, summarize_events,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports DaemonSets whose rollout does not get through their nodes, from the counts of
    /// their `status` (`desiredNumberScheduled`, `currentNumberScheduled`,
    /// `updatedNumberScheduled`, `numberAvailable`, `numberUnavailable`,
    /// `numberMisscheduled`), their Events and their pods:
    ///
    /// - **pods cannot be created**: `FailedCreate` Warning Events on the DaemonSet while
    ///   fewer nodes run its pod than should (`currentNumberScheduled` below
    ///   `desiredNumberScheduled`) or some are unavailable; the Event's message (an admission
    ///   webhook, Pod Security, a quota) is quoted;
    /// - **the rolling update is stuck**: fewer nodes run the updated pod than should, as many
    ///   nodes are unavailable as `maxUnavailable` allows (default 1; a percentage rounds up),
    ///   so the controller replaces no further pod, and at least one of the DaemonSet's pods
    ///   in the input is failing (crash-looping, failing to pull its image, unschedulable …),
    ///   not just starting.
    ///
    /// Only a `RollingUpdate` DaemonSet with fewer updated pods than nodes to run them is
    /// looked at: `workload-unavailable` reports the others that are short of available pods
    /// (every pod updated, or `updateStrategy: OnDelete`, where pods are replaced only when
    /// deleted). Not reported either: a status the controller has not caught up with
    /// (`observedGeneration` below `metadata.generation`), and a surge rollout (`maxSurge`
    /// above 0), which keeps the old pods available.
    ///
    /// ## Why it matters
    /// A DaemonSet runs a pod on every node: a log shipper, a CNI or storage plugin, a
    /// monitoring agent. A rollout whose new pods crash stops after `maxUnavailable` nodes and
    /// stays there, with those nodes without the agent, and a DaemonSet whose pods are refused
    /// leaves new nodes without it: often nodes without networking or storage.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: node-agent
    ///   namespace: monitoring
    /// spec:
    ///   selector:
    ///     matchLabels: {app: node-agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: node-agent}
    ///     spec:
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/node-agent:2.0.0
    /// status:
    ///   desiredNumberScheduled: 3
    ///   currentNumberScheduled: 2
    ///   updatedNumberScheduled: 0
    ///   numberAvailable: 2
    ///   numberUnavailable: 1
    ///   numberReady: 2
    ///   numberMisscheduled: 0
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata:
    ///   name: node-agent.17c3
    ///   namespace: monitoring
    /// involvedObject: {kind: DaemonSet, namespace: monitoring, name: node-agent}
    /// type: Warning
    /// reason: FailedCreate
    /// message: 'Error creating: pods "node-agent-x7k2p" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "proc")'
    /// count: 41
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: node-agent
    ///   namespace: monitoring
    /// spec:
    ///   selector:
    ///     matchLabels: {app: node-agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: node-agent}
    ///     spec:
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/node-agent:2.0.0
    /// status:
    ///   desiredNumberScheduled: 3
    ///   currentNumberScheduled: 3
    ///   updatedNumberScheduled: 3
    ///   numberAvailable: 3
    ///   numberReady: 3
    ///   numberMisscheduled: 0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Perform a rolling update on a DaemonSet: <https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/>
    /// - DaemonSet: <https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/>
    pub struct DaemonsetRolloutStuck {
        id: "daemonset-rollout-stuck",
        category: Status,
        severity: Error,
        summary: "a DaemonSet cannot create its pods, or its rolling update stopped on failing pods",
        params: [],
    }
}

/// Pods by the DaemonSet that owns them: (namespace, name).
fn pods_by_daemonset<'a>(
    cx: &Context<'a>,
) -> HashMap<(Option<&'a str>, &'a str), Vec<&'a Object<'a>>> {
    let mut map: HashMap<_, Vec<&'a Object<'a>>> = HashMap::new();
    for pod in cx.inventory.of_kind("Pod") {
        if let Some(o) = owner_of(cx.inventory, pod)
            && o.kind == "DaemonSet"
        {
            map.entry((o.namespace, o.name)).or_default().push(pod);
        }
    }
    map
}

impl Rule for DaemonsetRolloutStuck {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let now = cx.now();
        let pods = pods_by_daemonset(cx);
        for obj in cx.inventory.of_kind("DaemonSet") {
            let Some(w) = WorkloadStatus::of(obj) else {
                continue;
            };
            let desired = w.desired;
            if desired == 0 || obj.node.path(&["metadata", "deletionTimestamp"]).is_some() {
                continue;
            }
            let status = w.node;
            let generation = field::int(obj.metadata(), "generation").map(|f| f.value);
            let observed = field::int(Some(status), "observedGeneration").map(|f| f.value);
            if let (Some(g), Some(o)) = (generation, observed)
                && o < g
            {
                continue;
            }
            let count = |k: &str| field::int(Some(status), k).map(|f| f.value.max(0));
            let available = w.available_count();
            let unavailable = count("numberUnavailable").unwrap_or((desired - available).max(0));
            let current = count("currentNumberScheduled").unwrap_or(desired);
            // The rolling updates that workload-unavailable leaves to this rule.
            let Some(updated) = w.updated.map(|u| u.value.max(0)).filter(|u| *u < desired) else {
                continue;
            };
            let Some(strategy) = Workload::of(obj)
                .and_then(|d| d.strategy())
                .filter(|s| s.is_rolling_update())
            else {
                continue;
            };
            let misscheduled = count("numberMisscheduled").unwrap_or(0);
            let mine = pods
                .get(&(obj.namespace, obj.name))
                .map_or(&[][..], Vec::as_slice);
            let failing: Vec<(&Object<'_>, String)> = mine
                .iter()
                .filter_map(|p| {
                    let c = PodStatus::of(p)?.classify(now);
                    (c.health == Health::Unhealthy).then(|| {
                        (
                            *p,
                            format!(
                                "pod `{}`, {}/{} ready: {}",
                                c.status, c.ready.0, c.ready.1, c.why
                            ),
                        )
                    })
                })
                .collect();
            let refused = summarize_events(cx, [obj], |e| {
                e.type_ == Some("Warning") && e.reason.is_some_and(|r| r.value == "FailedCreate")
            });
            let counts = format!(
                "{available} of {desired} available{}",
                if misscheduled > 0 {
                    format!(
                        ", {misscheduled} running on nodes that should not run them (misscheduled)"
                    )
                } else {
                    String::new()
                }
            );
            let (anchor, what, help, limit) = if let Some(e) = refused.first()
                && (current < desired || unavailable > 0)
            {
                let said = e
                    .latest
                    .message
                    .map(|m| format!(": {}", shorten(m.value, 200)))
                    .unwrap_or_default();
                (
                    status
                        .field_range("currentNumberScheduled")
                        .unwrap_or_else(|| field_at(status, "numberUnavailable")),
                    format!(
                        "cannot create its pods: {current} of {desired} nodes run one (event `FailedCreate` ×{}{said}); {} updated, {counts}",
                        e.count,
                        updated,
                    ),
                    "fix what refuses the pods (the Event's message names it: Pod Security labels of the namespace, an admission webhook, a ResourceQuota), then the controller creates them".to_owned(),
                    None,
                )
            } else {
                let (Some(surge), Some(max_unavailable)) =
                    (strategy.max_surge(), strategy.max_unavailable())
                else {
                    continue;
                };
                let (Ok(surge_n), Ok(max_n)) = (
                    surge.value.scaled_value(desired, true),
                    max_unavailable.value.scaled_value(desired, true),
                ) else {
                    continue;
                };
                if surge_n != 0 || max_n <= 0 || unavailable < max_n || failing.is_empty() {
                    continue;
                }
                let shown = if max_unavailable.is_written() {
                    format!(
                        "maxUnavailable {} ({max_n} of {desired} nodes)",
                        max_unavailable.value
                    )
                } else {
                    format!("maxUnavailable {} (the default)", max_unavailable.value)
                };
                (
                    field_at(status, "updatedNumberScheduled"),
                    format!(
                        "has its rolling update stuck: {updated} of {desired} nodes run the updated pod and {unavailable} {} unavailable, as many as its {shown} allows, so the controller replaces no further pod while its pods fail; {counts}",
                        if unavailable == 1 { "is" } else { "are" }
                    ),
                    format!(
                        "see why the pods fail (related below) and fix the template, or roll back (`kubectl rollout undo daemonset/{}`); the rollout resumes once the unavailable pods become available",
                        obj.name
                    ),
                    max_unavailable.node,
                )
            };
            let mut report = out
                .report(obj, anchor, format!("{} {what}", display(obj)))
                .help(help)
                .severity(if available == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                });
            if let Some(n) = limit {
                report = report.related(obj, n.range(), "maxUnavailable");
            }
            for (pod, why) in failing.iter().take(MAX_RELATED_PODS) {
                report = report.related(pod, pod.kind_range(), why.clone());
            }
            relate_events(report, cx, [obj], |e| e.type_ == Some("Warning"));
        }
    }
}
