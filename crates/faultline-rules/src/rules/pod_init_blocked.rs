use faultline_model::pod_status::{ContainerStatus, State};
use faultline_model::time::human_duration;
use faultline_syntax::TextRange;

use crate::evidence::{
    field_at, group_by_owner, relate_events, relate_group, relate_logs, shorten,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods held in their init containers, as `kubectl get pods` shows them:
    ///
    /// - `Init:N/M` for longer than `window` (default 10 minutes): an init container still
    ///   running, typically a loop that waits for a Service, a database or a Job
    ///   (`until nslookup db; do sleep 2; done`), or one not yet started;
    /// - `Init:Error`, `Init:ExitCode:N`: an init container that exited non-zero.
    ///
    /// The message names the init container, what it runs and how long it has been at it.
    /// An init container in `CrashLoopBackOff` is reported by `pod-crash-looping`, one that
    /// cannot pull its image by `image-pull-failing`, and a pod that ended `Failed` by
    /// `pod-failed`; their cause chains, like this rule's, point at the init container's
    /// command and at `init-container-waits-for-missing` when it waits for something the input
    /// lacks. The replicas of one workload are one finding, with their Events and log lines.
    ///
    /// Only objects that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// A pod in its init containers serves nothing and is not even restarted: a wait loop for a
    /// Service that does not exist (a typo, another namespace, a renamed chart release) waits
    /// forever, and the rollout behind it stalls without a single crash.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api-6d5f7-abcde
    ///   namespace: shop
    /// spec:
    ///   initContainers:
    ///     - name: wait-for-db
    ///       image: busybox:1.36
    ///       command: ["sh", "-c", "until nslookup postgres; do sleep 2; done"]
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.1
    /// status:
    ///   phase: Pending
    ///   startTime: "2024-05-01T11:00:00Z"
    ///   conditions:
    ///     - type: Initialized
    ///       status: "False"
    ///       lastTransitionTime: "2024-05-01T11:00:00Z"
    ///   initContainerStatuses:
    ///     - name: wait-for-db
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T11:00:02Z"
    ///   containerStatuses:
    ///     - name: api
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         waiting:
    ///           reason: PodInitializing
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata:
    ///   name: api-6d5f7-abcde.1
    ///   namespace: shop
    /// involvedObject:
    ///   kind: Pod
    ///   name: api-6d5f7-abcde
    ///   namespace: shop
    /// type: Normal
    /// reason: Started
    /// lastTimestamp: "2024-05-01T11:45:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The init container finished and the pod runs.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api-6d5f7-abcde
    ///   namespace: shop
    /// spec:
    ///   initContainers:
    ///     - name: wait-for-db
    ///       image: busybox:1.36
    ///       command: ["sh", "-c", "until nslookup postgres; do sleep 2; done"]
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.1
    /// status:
    ///   phase: Running
    ///   conditions:
    ///     - type: Initialized
    ///       status: "True"
    ///   initContainerStatuses:
    ///     - name: wait-for-db
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         terminated:
    ///           reason: Completed
    ///           exitCode: 0
    ///   containerStatuses:
    ///     - name: api
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T11:00:09Z"
    /// ```
    ///
    /// ## Options
    /// `window` (default `10m`): how long a pod may stay in `Init:N/M` before it is reported.
    ///
    /// ## References
    /// - Init containers: <https://kubernetes.io/docs/concepts/workloads/pods/init-containers/>
    /// - Debugging init containers: <https://kubernetes.io/docs/tasks/debug/debug-application/debug-init-containers/>
    pub struct PodInitBlocked {
        id: "pod-init-blocked",
        category: Status,
        severity: Error,
        summary: "a pod is held in its init containers: one waits for too long or exited with an error",
        params: [
            { name: "window", field: window, type: Duration, default: "10m", description: "how long a pod may stay in `Init:N/M`" },
        ],
    }
}

struct Hit<'a> {
    container: ContainerStatus<'a>,
    anchor: TextRange,
    status: String,
    what: String,
}

/// The init container's command line, shortened, for messages.
fn command_of(pod: &faultline_model::pod_status::PodStatus<'_>, c: &ContainerStatus<'_>) -> String {
    let Some(spec) = c.spec(pod) else {
        return String::new();
    };
    let line: Vec<&str> = ["command", "args"]
        .into_iter()
        .filter_map(|k| spec.get(k))
        .flat_map(|l| l.items())
        .filter_map(|i| i.as_str())
        .collect();
    if line.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", shorten(&line.join(" "), 100))
    }
}

/// `evidence::pods_with` for the pods whose status has `initContainerStatuses`, without reading the
/// others' status.
fn pods_with_init<'a, T>(
    cx: &Context<'a>,
    mut f: impl FnMut(&faultline_model::pod_status::PodStatus<'a>) -> Option<T>,
) -> Vec<(&'a faultline_model::Object<'a>, T)> {
    let inventory: &'a faultline_model::Inventory<'a> = cx.inventory;
    inventory
        .of_kind("Pod")
        .filter(|obj| {
            obj.status()
                .and_then(|s| s.get("initContainerStatuses"))
                .is_some_and(|l| !l.is_empty())
        })
        .filter_map(|obj| {
            let status = faultline_model::pod_status::PodStatus::of(obj)?;
            Some((obj, f(&status)?))
        })
        .collect()
}

impl Rule for PodInitBlocked {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let window = Self::params(cx).window;
        let now = cx.now();
        // Only pods whose status lists init containers are read (most pods have none).
        let found = pods_with_init(cx, |pod| {
            if pod.phase.is_some_and(|p| p.value == "Failed") || pod.deletion_timestamp.is_some() {
                return None;
            }
            let (index, c) = pod.blocking_init()?;
            let (status, _, _) = pod.kubectl_status();
            if !status.starts_with("Init:") {
                return None;
            }
            let command = command_of(pod, c);
            match c.state {
                State::Terminated(t) => {
                    let code = t.exit_code.map(|e| e.value).filter(|e| *e != 0)?;
                    if t.reason.is_some_and(|r| r.value == "OOMKilled") {
                        return None;
                    }
                    let meaning = faultline_model::pod_status::exit_code_meaning(code)
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default();
                    Some(Hit {
                        container: *c,
                        anchor: if t.reason.is_some() {
                            field_at(t.node, "reason")
                        } else {
                            field_at(t.node, "exitCode")
                        },
                        what: format!(
                            "init container `{}`{command} exited with code {code}{meaning}, so the app containers never start",
                            c.name
                        ),
                        status,
                    })
                }
                State::Waiting(_)
                    if c.waiting_reason()
                        .is_some_and(|r| r.value != "PodInitializing") =>
                {
                    // A waiting reason is another rule's symptom (a pull, a configuration, a
                    // crash loop).
                    None
                }
                _ => {
                    let running = c.state.running();
                    let since = running
                        .and_then(|r| r.started_at)
                        .or(pod.start_time)
                        .map(|t| t.value);
                    let held = since.zip(now).map(|(s, n)| s.seconds_until(n))?;
                    if held < window {
                        return None;
                    }
                    let doing = if running.is_some() {
                        "has been running"
                    } else {
                        "has not started"
                    };
                    Some(Hit {
                        container: *c,
                        anchor: running.map_or_else(
                            || field_at(c.node, "state"),
                            |r| field_at(r.node, "startedAt"),
                        ),
                        what: format!(
                            "init container `{}` ({} of {}){command} {doing} for {}, so the app containers never start",
                            c.name,
                            index + 1,
                            pod.init_containers.len(),
                            human_duration(held)
                        ),
                        status,
                    })
                }
            }
        });
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let verb = if group.members.len() > 1 { "are" } else { "is" };
            let message = format!(
                "{} {verb} held in `{}`: {}",
                group.subject(),
                hit.status,
                hit.what
            );
            let help = if hit.container.state.terminated().is_some() {
                "read the init container's log (`kubectl logs <pod> -c <init container>`) and fix what makes it exit: its command, its image or what it connects to"
            } else {
                "find what the init container waits for (its command, related findings of `init-container-waits-for-missing`): a Service, database or Job that does not exist under that name, or is not ready; `kubectl logs <pod> -c <init container>` shows its attempts"
            };
            let report = out.report(first, hit.anchor, message).help(help);
            let report = relate_group(
                report,
                &group,
                |h| h.anchor,
                |h| format!("also held in `{}`: {}", h.status, h.what),
            );
            let report = relate_events(report, cx, group.objects(), |e| e.type_ == Some("Warning"));
            relate_logs(report, cx, group.objects());
        }
    }
}
