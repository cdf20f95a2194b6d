use faultline_model::pod_status::{ContainerStatus, Terminated, exit_code_meaning};
use faultline_syntax::TextRange;

use crate::evidence::{
    ago, field_at, group_by_owner, pods_with, relate_events, relate_group, relate_logs,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods whose containers keep restarting: a container waiting in
    /// `CrashLoopBackOff`, or one that restarted at least `restarts` times with the last restart
    /// less than `window` before the snapshot was taken. The message gives the last
    /// termination's reason and exit code and what the code means (137: killed by SIGKILL, out
    /// of memory or after a failed liveness probe; 143: SIGTERM; 1: application error; 255:
    /// runtime error).
    ///
    /// The replicas of one workload are one finding: the pods are followed through their
    /// controller (a ReplicaSet, and its Deployment when the ReplicaSet is in the input), the
    /// first pod is reported and the others are listed as related, with the Events about them
    /// (`BackOff`, `Unhealthy`, `Killing`) and the log lines that name a cause, when the
    /// snapshot holds logs.
    ///
    /// Only objects that carry a `status` are looked at: manifests never trigger it.
    ///
    /// ## Why it matters
    /// A crash-looping pod serves nothing, and Kubernetes waits longer after each restart (up
    /// to five minutes). The restarts are a symptom; the exit code points at the cause: an
    /// OOM kill means the memory limit is too low for the heap, 137 or 143 with `Liveness probe
    /// failed` Events means the probe kills a slow starter, 1 means the application itself
    /// gives up (a missing configuration, an unreachable dependency).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payment-7d9f8-x2x4k
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/shop/payment:3.8.1
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: app
    ///       ready: false
    ///       restartCount: 42
    ///       state:
    ///         waiting:
    ///           reason: CrashLoopBackOff
    ///       lastState:
    ///         terminated:
    ///           reason: OOMKilled
    ///           exitCode: 137
    ///           finishedAt: "2024-05-01T11:58:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # A pod that runs.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: payment-7d9f8-x2x4k
    ///   namespace: shop
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/shop/payment:3.8.1
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: app
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T11:58:00Z"
    /// ```
    ///
    /// ## Options
    /// `restarts` (default 5): restarts from which a container that is not in
    /// `CrashLoopBackOff` right now still counts as crash-looping, if its last restart was
    /// less than `window` (default `1h`; `30m`, `2h`, `1d`) before the snapshot. "The snapshot"
    /// is the latest time the input records, or `--now`.
    ///
    /// ## References
    /// - Container restart policy and back-off: <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy>
    /// - Debugging running pods: <https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/>
    pub struct PodCrashLooping {
        id: "pod-crash-looping",
        category: Status,
        severity: Error,
        summary: "a pod's container keeps crashing and restarting",
        params: [
            { name: "restarts", field: restarts, type: Integer, default: "5", description: "restarts from which a recently restarted container counts as crash-looping" },
            { name: "window", field: window, type: Duration, default: "1h", description: "how recent the last restart must be (`30m`, `1h`, `1d`)" },
        ],
    }
}

/// One crash-looping container.
struct Hit<'a> {
    container: ContainerStatus<'a>,
    anchor: TextRange,
    backoff: bool,
}

fn last_termination<'a>(c: &ContainerStatus<'a>) -> Option<Terminated<'a>> {
    c.last_state.terminated().or(c.state.terminated()).copied()
}

/// `; the last run ended `OOMKilled` with exit code 137 (killed by SIGKILL: …) 2m before the
/// snapshot`.
fn describe_last(cx: &Context<'_>, c: &ContainerStatus<'_>) -> String {
    let Some(t) = last_termination(c) else {
        return String::new();
    };
    let code = t.exit_code.map(|e| e.value);
    let meaning = code
        .and_then(exit_code_meaning)
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let with_code = code
        .map(|c| format!(" with exit code {c}{meaning}"))
        .unwrap_or_default();
    format!(
        "; the last run ended `{}`{with_code}{}",
        t.label(),
        ago(cx, t.finished_at.map(|f| f.value))
    )
}

fn help(c: &ContainerStatus<'_>) -> &'static str {
    let last = last_termination(c);
    let reason = last.and_then(|t| t.reason).map(|r| r.value);
    match (reason, last.and_then(|t| t.exit_code).map(|e| e.value)) {
        (Some("OOMKilled"), _) => {
            "raise the container's memory limit or lower what the process takes (for a JVM, `-Xmx` or `-XX:MaxRAMPercentage` well below the limit)"
        }
        (_, Some(137 | 143)) => {
            "check the Events for `Liveness probe failed`: give a slow starter a `startupProbe` or a longer `initialDelaySeconds`/`failureThreshold`; if the container was OOM-killed, raise its memory limit"
        }
        (_, Some(0)) => {
            "the process exits on its own: keep it in the foreground, or run work that ends as a Job"
        }
        _ => {
            "read the previous run's log (`kubectl logs --previous`) and fix what makes the process exit: missing configuration, a Secret or ConfigMap key, an unreachable dependency"
        }
    }
}

impl Rule for PodCrashLooping {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let params = Self::params(cx);
        let threshold = params.restarts.max(1);
        let window = params.window;
        let now = cx.now();
        let found = pods_with(cx, |pod| {
            let mut recent = None;
            for c in pod.all_containers() {
                if let Some(w) = c.state.waiting()
                    && w.reason.is_some_and(|r| r.value == "CrashLoopBackOff")
                {
                    return Some(Hit {
                        container: *c,
                        anchor: field_at(w.node, "reason"),
                        backoff: true,
                    });
                }
                let finished = c.last_state.terminated().and_then(|t| t.finished_at);
                let is_recent = finished
                    .zip(now)
                    .is_some_and(|(f, n)| f.value.seconds_until(n) <= window);
                if recent.is_none() && c.restarts() >= threshold && is_recent {
                    recent = Some(Hit {
                        container: *c,
                        anchor: field_at(c.node, "restartCount"),
                        backoff: false,
                    });
                }
            }
            recent
        });
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let c = &hit.container;
            let state = if hit.backoff {
                format!("is in `CrashLoopBackOff` after {} restarts", c.restarts())
            } else {
                format!("restarted {} times (threshold {threshold})", c.restarts())
            };
            let verb = if group.members.len() > 1 { "are" } else { "is" };
            let message = format!(
                "{} {verb} crash-looping: container `{}` {state}{}",
                group.subject(),
                c.name,
                describe_last(cx, c)
            );
            let report = out.report(first, hit.anchor, message).help(help(c));
            let report = relate_group(
                report,
                &group,
                |h| h.anchor,
                |h| {
                    format!(
                        "also crash-looping: container `{}`, {} restarts{}",
                        h.container.name,
                        h.container.restarts(),
                        describe_last(cx, &h.container)
                    )
                },
            );
            let report = relate_events(report, cx, group.objects(), |e| {
                e.type_ == Some("Warning")
                    || e.reason
                        .is_some_and(|r| matches!(r.value, "Killing" | "BackOff"))
            });
            relate_logs(report, cx, group.objects());
        }
    }
}
