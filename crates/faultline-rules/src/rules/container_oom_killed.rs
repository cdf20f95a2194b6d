use faultline_model::pod_status::{ContainerStatus, PodStatus, Terminated};
use faultline_syntax::{NodeRef, TextRange};

use crate::evidence::{
    ago, field_at, group_by_owner, pods_with, relate_events, relate_group, relate_logs,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers the kernel killed for exceeding their memory: a `state` or
    /// `lastState` that `terminated` with reason `OOMKilled`, the last one less than `window`
    /// before the snapshot. The finding shows the container's memory limit (or that it has
    /// none), and the replicas of one workload are one finding, with the Events and the log
    /// lines (`java.lang.OutOfMemoryError`) as evidence.
    ///
    /// Only objects that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// An OOM kill restarts the container (exit code 137) and, repeated, ends in
    /// `CrashLoopBackOff`. The usual cause is a heap or cache sized too close to the memory
    /// limit: a JVM with `-Xmx` near the limit, or no `-XX:MaxRAMPercentage` at all. Without a
    /// memory limit the container is killed when the node runs out of memory instead.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: order-5c7d9-k2l4m
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/shop/order:2.1.0
    ///       resources:
    ///         limits:
    ///           memory: 512Mi
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: app
    ///       ready: true
    ///       restartCount: 3
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T11:58:30Z"
    ///       lastState:
    ///         terminated:
    ///           reason: OOMKilled
    ///           exitCode: 137
    ///           finishedAt: "2024-05-01T11:58:29Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The limit raised, the pod has run since.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: order-5c7d9-k2l4m
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/shop/order:2.1.0
    ///       resources:
    ///         limits:
    ///           memory: 1Gi
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: app
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T11:58:30Z"
    /// ```
    ///
    /// ## Options
    /// `window` (default `24h`): how recent an OOM kill in `lastState` must be to count; an
    /// older one is history the pod has recovered from. A container that is terminated with
    /// `OOMKilled` right now always counts.
    ///
    /// ## References
    /// - Exceeding a container's memory limit: <https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit>
    /// - Node out-of-memory behaviour: <https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior>
    pub struct ContainerOomKilled {
        id: "container-oom-killed",
        category: Status,
        severity: Error,
        summary: "a container was killed for running out of memory",
        params: [
            { name: "window", field: window, type: Duration, default: "24h", description: "how recent an OOM kill in `lastState` must be to count" },
        ],
    }
}

struct Hit<'a> {
    container: ContainerStatus<'a>,
    killed: Terminated<'a>,
    limit: Option<NodeRef<'a>>,
}

impl Hit<'_> {
    fn anchor(&self) -> TextRange {
        field_at(self.killed.node, "reason")
    }

    /// What the container ran into, and when.
    fn what(&self, cx: &Context<'_>) -> String {
        let when = ago(cx, self.killed.finished_at.map(|f| f.value));
        match self.limit.and_then(|l| l.scalar_text()) {
            Some(l) => format!("was killed for exceeding its memory limit `{l}`{when}"),
            None => {
                format!("was killed{when} when the node ran out of memory; it has no memory limit")
            }
        }
    }
}

fn oom_kill<'a>(
    pod: &PodStatus<'a>,
    now: Option<faultline_model::time::Timestamp>,
    window: i64,
) -> Option<Hit<'a>> {
    let is_oom = |t: &Terminated<'_>| t.reason.is_some_and(|r| r.value == "OOMKilled");
    for c in pod.all_containers() {
        let current = c.state.terminated().filter(|t| is_oom(t));
        let last = c.last_state.terminated().filter(|t| {
            is_oom(t)
                && match (t.finished_at, now) {
                    (Some(f), Some(n)) => f.value.seconds_until(n) <= window,
                    _ => true,
                }
        });
        if let Some(killed) = current.or(last) {
            let limit = c
                .spec(pod)
                .and_then(|s| s.path(&["resources", "limits", "memory"]));
            return Some(Hit {
                container: *c,
                killed: *killed,
                limit,
            });
        }
    }
    None
}

impl Rule for ContainerOomKilled {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let window = Self::params(cx).window;
        let now = cx.now();
        let found = pods_with(cx, |pod| oom_kill(pod, now, window));
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let verb = if group.members.len() > 1 {
                "were"
            } else {
                "was"
            };
            let message = format!(
                "{} {verb} OOM-killed: container `{}` {} (exit code {}, {} restarts)",
                group.subject(),
                hit.container.name,
                hit.what(cx),
                hit.killed.exit_code.map_or(137, |e| e.value),
                hit.container.restarts()
            );
            let help = if hit.limit.is_some() {
                "raise the memory limit, or make the process use less: for a JVM set `-Xmx` or `-XX:MaxRAMPercentage` well below the limit (the JVM needs memory beyond its heap)"
            } else {
                "set a memory request and limit that fit what the container uses, so the scheduler places it where the memory is"
            };
            let mut report = out.report(first, hit.anchor(), message).help(help);
            if let Some(limit) = hit.limit {
                report = report.related(first, limit.range(), "the memory limit it exceeded");
            }
            let report = relate_group(report, &group, Hit::anchor, |h| {
                format!(
                    "also OOM-killed: container `{}`{}",
                    h.container.name,
                    ago(cx, h.killed.finished_at.map(|f| f.value))
                )
            });
            let report = relate_events(report, cx, group.objects(), |e| {
                e.type_ == Some("Warning") || e.reason.is_some_and(|r| r.value == "Killing")
            });
            // The kernel's OOM killer reports on the node the pod runs on.
            let node = faultline_model::field::str(first.spec(), "nodeName")
                .and_then(|n| cx.inventory.find("Node", None, n.value));
            let report = relate_events(report, cx, node, |e| {
                e.reason.is_some_and(|r| r.value == "OOMKilling")
            });
            relate_logs(report, cx, group.objects());
        }
    }
}
