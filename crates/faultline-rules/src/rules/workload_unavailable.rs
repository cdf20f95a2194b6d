use std::collections::HashMap;

use faultline_diagnostics::Severity;
use faultline_model::pod_status::PodStatus;
use faultline_model::status::{Health, controller_of};
use faultline_model::workload::Workload;
use faultline_model::workload_status::WorkloadStatus;
use faultline_model::{Inventory, Object};
use faultline_syntax::TextRange;

use crate::evidence::{MAX_RELATED_PODS, condition_at, display, owner_of, relate_events};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Deployments, StatefulSets, DaemonSets and standalone ReplicaSets or
    /// ReplicationControllers that have fewer available replicas than they want, and rollouts
    /// past their progress deadline (`Progressing=False`, `ProgressDeadlineExceeded`) or
    /// unable to create pods (`ReplicaFailure`, e.g. `FailedCreate` on a quota). The finding
    /// relates the workload's pods that are not healthy, each with its status, and the Events
    /// of the workload and its ReplicaSets.
    ///
    /// A rollout in progress is not reported while it keeps the minimum availability (a
    /// Deployment's `Available` condition is `True`; a StatefulSet or a `RollingUpdate`
    /// DaemonSet still updating its pods: `daemonset-rollout-stuck` reports a DaemonSet whose
    /// rolling update stopped). A ReplicaSet managed by a Deployment is reported through the Deployment.
    /// Only objects that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// Fewer replicas than planned means less capacity and no redundancy; none means an
    /// outage. A rollout past its deadline does not finish by itself: the new pods crash, fail
    /// their readiness probe or cannot be created, and the controller waits.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// spec:
    ///   replicas: 4
    ///   selector:
    ///     matchLabels:
    ///       app: payment
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/shop/payment:3.8.1
    /// status:
    ///   replicas: 4
    ///   updatedReplicas: 4
    ///   availableReplicas: 1
    ///   unavailableReplicas: 3
    ///   conditions:
    ///     - type: Available
    ///       status: "False"
    ///       reason: MinimumReplicasUnavailable
    ///     - type: Progressing
    ///       status: "False"
    ///       reason: ProgressDeadlineExceeded
    ///       message: ReplicaSet "payment-7d9f8" has timed out progressing.
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # Every replica available.
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// spec:
    ///   replicas: 4
    ///   selector:
    ///     matchLabels:
    ///       app: payment
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: payment
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/shop/payment:3.8.1
    /// status:
    ///   replicas: 4
    ///   updatedReplicas: 4
    ///   availableReplicas: 4
    ///   conditions:
    ///     - type: Available
    ///       status: "True"
    ///     - type: Progressing
    ///       status: "True"
    ///       reason: NewReplicaSetAvailable
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Deployment status and progress deadline: <https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status>
    pub struct WorkloadUnavailable {
        id: "workload-unavailable",
        category: Status,
        severity: Error,
        summary: "a workload has fewer available replicas than it wants, or its rollout is stuck",
        params: [],
    }
}

/// Why a workload is reported, and where.
struct Verdict {
    anchor: TextRange,
    what: String,
    help: &'static str,
    severity: Severity,
}

fn verdict(w: &WorkloadStatus<'_>) -> Option<Verdict> {
    let (want, have) = (w.desired, w.available_count());
    let counts = format!("{have} of {want} replicas available");
    if let Some(c) = w.condition("ReplicaFailure").filter(|c| c.is_true()) {
        return Some(Verdict {
            anchor: condition_at(c),
            what: format!("cannot create pods ({}); {counts}", c.explanation()),
            help: "fix what refuses the pods (a used-up ResourceQuota, a LimitRange, a missing ServiceAccount, an admission webhook): the ReplicaSet's `FailedCreate` Events say which",
            severity: Severity::Error,
        });
    }
    if let Some(c) = w.deadline_exceeded() {
        return Some(Verdict {
            anchor: condition_at(c),
            what: format!("is stuck in its rollout ({}); {counts}", c.explanation()),
            help: "see why the new pods do not become available (related below): fix the crash, the failing readiness probe or what blocks scheduling, then roll out again; `kubectl rollout undo` returns to the last working version",
            severity: if have == 0 {
                Severity::Error
            } else {
                Severity::Warning
            },
        });
    }
    if w.paused || want == 0 || have >= want {
        return None;
    }
    let status = w.node;
    let rolling = match w.object.kind {
        "Deployment" => w.condition("Available").is_some_and(|c| c.is_true()),
        "StatefulSet" => {
            let rev = |k: &str| status.get(k).and_then(|v| v.scalar_text());
            rev("updateRevision").is_some() && rev("currentRevision") != rev("updateRevision")
        }
        // Under `OnDelete` fewer updated pods is the steady state, not a rollout; a rolling
        // update that stopped is `daemonset-rollout-stuck`'s.
        "DaemonSet" => {
            w.updated.is_some_and(|u| u.value < want)
                && Workload::of(&w.object)
                    .and_then(|d| d.strategy())
                    .is_some_and(|s| s.is_rolling_update())
        }
        _ => false,
    };
    if rolling {
        return None;
    }
    let why = w
        .condition("Available")
        .filter(|c| !c.is_true())
        .map(|c| format!(" ({})", c.explanation()))
        .unwrap_or_default();
    let anchor = [
        "availableReplicas",
        "numberAvailable",
        "unavailableReplicas",
        "numberUnavailable",
        "readyReplicas",
        "numberReady",
        "replicas",
    ]
    .iter()
    .find_map(|k| status.field_range(k))
    .or_else(|| w.object.node.entry("status").map(|(k, _)| k.range()))
    .unwrap_or_else(|| w.object.kind_range());
    Some(Verdict {
        anchor,
        what: format!("has {counts}{why}"),
        help: "see why its pods are not available (related below): crashing containers, failing readiness probes, or pods that cannot be scheduled",
        severity: if have == 0 {
            Severity::Error
        } else {
            Severity::Warning
        },
    })
}

/// Pods by the workload that owns them: (namespace, kind, name).
fn pods_by_owner<'a>(
    inventory: &'a Inventory<'a>,
) -> HashMap<(Option<&'a str>, &'a str, &'a str), Vec<&'a Object<'a>>> {
    let mut map: HashMap<_, Vec<&'a Object<'a>>> = HashMap::new();
    for pod in inventory.of_kind("Pod") {
        if let Some(o) = owner_of(inventory, pod) {
            map.entry((o.namespace, o.kind, o.name))
                .or_default()
                .push(pod);
        }
    }
    map
}

/// ReplicaSets by their controller: (namespace, kind, name), in input order. Built once per run,
/// so that relating a workload's Events does not scan every object for each workload.
fn replica_sets_by_controller<'a>(
    inventory: &'a Inventory<'a>,
) -> HashMap<(Option<&'a str>, &'a str, &'a str), Vec<&'a Object<'a>>> {
    let mut map: HashMap<_, Vec<&'a Object<'a>>> = HashMap::new();
    for rs in inventory.of_kind("ReplicaSet") {
        if let Some(o) = controller_of(rs) {
            map.entry((rs.namespace, o.kind, o.name))
                .or_default()
                .push(rs);
        }
    }
    map
}

impl Rule for WorkloadUnavailable {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        let pods = pods_by_owner(inventory);
        let sets = replica_sets_by_controller(inventory);
        let now = cx.now();
        for obj in &inventory.objects {
            let Some(w) = WorkloadStatus::of(obj) else {
                continue;
            };
            if matches!(obj.kind, "ReplicaSet" | "ReplicationController")
                && controller_of(obj).is_some_and(|o| o.kind == "Deployment")
            {
                continue;
            }
            let Some(v) = verdict(&w) else { continue };
            let message = format!("{} {}", display(obj), v.what);
            let mut report = out
                .report(obj, v.anchor, message)
                .help(v.help)
                .severity(v.severity);
            if let Some(d) = w.desired_node {
                report = report.related(obj, d.range(), format!("wants {}", w.desired));
            }
            let mine = pods
                .get(&(obj.namespace, obj.kind, obj.name))
                .map_or(&[][..], Vec::as_slice);
            let mut unhealthy = 0;
            for pod in mine {
                let Some(c) = PodStatus::of(pod).map(|s| s.classify(now)) else {
                    continue;
                };
                if c.health == Health::Healthy {
                    continue;
                }
                unhealthy += 1;
                if unhealthy <= MAX_RELATED_PODS {
                    report = report.related(
                        pod,
                        pod.kind_range(),
                        format!(
                            "pod `{}`, {}/{} ready: {}",
                            c.status, c.ready.0, c.ready.1, c.why
                        ),
                    );
                }
            }
            // The Events of the workload and of the ReplicaSets it manages.
            let sets = sets
                .get(&(obj.namespace, obj.kind, obj.name))
                .map_or(&[][..], Vec::as_slice);
            let this = inventory.find(obj.kind, obj.namespace, obj.name);
            relate_events(
                report,
                cx,
                this.into_iter().chain(sets.iter().copied()),
                |e| e.type_ == Some("Warning"),
            );
        }
    }
}
