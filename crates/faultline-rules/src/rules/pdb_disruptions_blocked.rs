use std::collections::BTreeMap;

use faultline_diagnostics::Severity;
use faultline_model::ObjectId;
use faultline_model::pod_status::PodStatus;
use faultline_model::status::Health;
use faultline_model::views::Node;
use faultline_model::views::pdb::PodDisruptionBudget;

use crate::evidence::{MAX_RELATED_PODS, condition_at, display, field_at};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports PodDisruptionBudgets whose status allows no disruption
    /// (`disruptionsAllowed: 0` while they cover pods), with the reason in numbers:
    ///
    /// - fewer pods are healthy than the budget needs (`currentHealthy` below
    ///   `desiredHealthy`): unhealthy pods hold it, and with `unhealthyPodEvictionPolicy:
    ///   IfHealthyBudget` (the default) not even those unhealthy pods can be evicted; with
    ///   `AlwaysAllow` they can;
    /// - exactly as many pods are healthy as it needs (`minAvailable` equal to the healthy
    ///   pods, or `maxUnavailable: 0`): every eviction would break it.
    ///
    /// With Nodes in the input, the pods it covers on cordoned nodes (`spec.unschedulable`,
    /// what `kubectl drain` sets) are named: that drain hangs, and the finding is an error.
    /// A `DisruptionAllowed` condition's reason (`SyncFailed`: no controller found for a pod)
    /// is quoted.
    ///
    /// Only objects that carry a `status` are looked at; `pdb-blocks-eviction` reports the
    /// manifests whose numbers can never allow a disruption.
    ///
    /// ## Why it matters
    /// Node drains, cluster upgrades and the cluster autoscaler evict through the eviction
    /// API, which refuses while the budget has no disruption to spare: the drain retries
    /// forever and the upgrade stalls on that node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   minAvailable: 2
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// status:
    ///   currentHealthy: 1
    ///   desiredHealthy: 2
    ///   expectedPods: 2
    ///   disruptionsAllowed: 0
    ///   conditions:
    ///     - type: DisruptionAllowed
    ///       status: "False"
    ///       reason: InsufficientPods
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   minAvailable: 2
    ///   unhealthyPodEvictionPolicy: AlwaysAllow
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// status:
    ///   currentHealthy: 3
    ///   desiredHealthy: 2
    ///   expectedPods: 3
    ///   disruptionsAllowed: 1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Disruptions and PodDisruptionBudgets: <https://kubernetes.io/docs/concepts/workloads/pods/disruptions/>
    /// - Unhealthy pod eviction policy: <https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy>
    pub struct PdbDisruptionsBlocked {
        id: "pdb-disruptions-blocked",
        category: Status,
        severity: Warning,
        summary: "a PodDisruptionBudget allows no disruption now, so drains and upgrades hang",
        params: [],
    }
}

impl Rule for PdbDisruptionsBlocked {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        let now = cx.now();
        // Cordoned nodes, by name.
        let cordoned: BTreeMap<&str, ObjectId> = inventory
            .of_kind("Node")
            .filter(|n| {
                Node::of(n)
                    .and_then(|n| n.unschedulable())
                    .is_some_and(|u| u.value)
            })
            .map(|n| (n.name, n.id))
            .collect();
        for obj in inventory.of_kind("PodDisruptionBudget") {
            let Some(pdb) = PodDisruptionBudget::of(obj) else {
                continue;
            };
            let Some(allowed) = pdb.status_count("disruptionsAllowed") else {
                continue;
            };
            let expected = pdb.status_count("expectedPods").map_or(0, |f| f.value);
            if allowed.value > 0 || expected == 0 {
                continue;
            }
            let healthy = pdb.status_count("currentHealthy").map_or(0, |f| f.value);
            let desired = pdb.status_count("desiredHealthy").map_or(0, |f| f.value);
            let policy = pdb.unhealthy_pod_eviction_policy();
            let always = policy.is_some_and(|p| p.value == "AlwaysAllow");
            let why = if healthy < desired {
                let unhealthy = if always {
                    "; its unhealthy pods can still be evicted (unhealthyPodEvictionPolicy AlwaysAllow)"
                } else {
                    "; with unhealthyPodEvictionPolicy IfHealthyBudget (the default) not even the unhealthy pods can be evicted"
                };
                format!(
                    "only {healthy} of its {expected} pods are healthy and it needs {desired}{unhealthy}"
                )
            } else {
                format!(
                    "{healthy} of its {expected} pods are healthy and it needs {desired}: any eviction would break it"
                )
            };
            let condition = pdb
                .conditions()
                .into_iter()
                .find(|c| c.type_.value == "DisruptionAllowed" && c.is_false());
            let said = condition
                .filter(|c| c.reason.is_some_and(|r| r.value != "InsufficientPods"))
                .map(|c| format!(" ({})", c.explanation()))
                .unwrap_or_default();
            // The pods it covers, and those on cordoned nodes.
            let mut pods = Vec::new();
            if let Some(sel) = cx.graph.selection(obj.id) {
                for p in sel.pods.iter() {
                    let pod = inventory.get(cx.graph.pods.pod(*p).object);
                    if pod.kind == "Pod"
                        && !pods
                            .iter()
                            .any(|q: &&faultline_model::Object<'_>| q.id == pod.id)
                    {
                        pods.push(pod);
                    }
                }
            }
            let draining: Vec<(&faultline_model::Object<'_>, &str)> = pods
                .iter()
                .filter_map(|p| {
                    let node = p.spec()?.get("nodeName")?.as_str()?;
                    cordoned.contains_key(node).then_some((*p, node))
                })
                .collect();
            let mut nodes: Vec<&str> = draining.iter().map(|(_, n)| *n).collect();
            nodes.sort_unstable();
            nodes.dedup();
            let drain = if draining.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} on cordoned node{} {}: that drain hangs",
                    if draining.len() == 1 {
                        "1 of its pods is".to_owned()
                    } else {
                        format!("{} of its pods are", draining.len())
                    },
                    if nodes.len() == 1 { "" } else { "s" },
                    nodes
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let anchor = obj
                .status()
                .map_or_else(|| allowed.range(), |s| field_at(s, "disruptionsAllowed"));
            let help = if healthy < desired && !always {
                "make the unhealthy pods healthy (related below), or set `unhealthyPodEvictionPolicy: AlwaysAllow` so that they can be evicted; lower `minAvailable` (or raise `maxUnavailable`) if the budget asks for every replica"
            } else if healthy < desired {
                "make the unhealthy pods healthy (related below): the budget counts only healthy pods"
            } else {
                "raise the workload's replicas above what the budget needs, or lower `minAvailable` (raise `maxUnavailable`) so that one pod can be evicted at a time"
            };
            let mut report = out
                .report(
                    obj,
                    anchor,
                    format!("{} allows no disruption: {why}{said}{drain}", display(obj)),
                )
                .help(help)
                .severity(if draining.is_empty() {
                    Severity::Warning
                } else {
                    Severity::Error
                });
            for key in ["minAvailable", "maxUnavailable"] {
                if let Some(spec) = obj.spec()
                    && spec.get(key).is_some()
                {
                    report = report.related(obj, field_at(spec, key), key);
                }
            }
            if let Some(p) = policy {
                report = report.related(obj, p.range(), "unhealthyPodEvictionPolicy");
            }
            if let Some(c) = condition {
                report = report.related(
                    obj,
                    condition_at(&c),
                    format!("condition DisruptionAllowed: {}", c.explanation()),
                );
            }
            for name in &nodes {
                if let Some(id) = cordoned.get(name) {
                    let node = inventory.get(*id);
                    let at = node
                        .spec()
                        .map_or_else(|| node.kind_range(), |s| field_at(s, "unschedulable"));
                    report = report.related(node, at, "cordoned (unschedulable)");
                }
            }
            let mut listed = 0;
            for pod in &pods {
                let Some(status) = PodStatus::of(pod) else {
                    continue;
                };
                let c = status.classify(now);
                if c.health == Health::Healthy {
                    continue;
                }
                listed += 1;
                if listed > MAX_RELATED_PODS {
                    break;
                }
                report = report.related(
                    pod,
                    pod.kind_range(),
                    format!("unhealthy pod it covers: `{}`, {}", c.status, c.why),
                );
            }
        }
    }
}
