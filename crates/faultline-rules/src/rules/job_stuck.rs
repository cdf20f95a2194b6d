use std::collections::HashMap;

use faultline_model::job::{Job, Outcome, daemon_helper};
use faultline_model::pod::PodTemplate;
use faultline_model::pod_status::PodStatus;
use faultline_model::status::controller_of;
use faultline_model::time::human_duration;
use faultline_model::{Inventory, Object};

use crate::evidence::{display, field_at, relate_events};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Jobs that are still active but should have finished:
    ///
    /// - a pod of the Job whose main container has exited 0 while another regular container
    ///   (an injected mesh proxy, a log shipper) still runs: the pod stays `Running` and the
    ///   Job never completes;
    /// - a run of a CronJob that has been active `factor` times (default 3) longer than the
    ///   longest of its completed sibling runs in the input, and at least 10 minutes.
    ///
    /// Jobs past their `activeDeadlineSeconds` are reported by `job-failed`. Only objects
    /// that carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// A Job that hangs holds its pods and their resources, and under a CronJob's
    /// `concurrencyPolicy: Forbid` it blocks every later run: the work silently stops.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: export-28577880-abcde
    ///   namespace: batch
    ///   ownerReferences:
    ///     - apiVersion: batch/v1
    ///       kind: Job
    ///       name: export-28577880
    ///       uid: 0d9c4b6e-1f63-4c1e-9d3a-2f6a1b7c8d90
    ///       controller: true
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///     - name: export
    ///       image: registry.example.com/batch/export:1
    ///     - name: istio-proxy
    ///       image: docker.io/istio/proxyv2:1.22.0
    /// status:
    ///   phase: Running
    ///   containerStatuses:
    ///     - name: export
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         terminated:
    ///           reason: Completed
    ///           exitCode: 0
    ///           finishedAt: "2024-05-01T01:04:00Z"
    ///     - name: istio-proxy
    ///       ready: true
    ///       restartCount: 0
    ///       state:
    ///         running:
    ///           startedAt: "2024-05-01T01:00:02Z"
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata:
    ///   name: export.1
    ///   namespace: batch
    /// involvedObject:
    ///   kind: Pod
    ///   name: export-28577880-abcde
    ///   namespace: batch
    /// type: Normal
    /// reason: Pulled
    /// lastTimestamp: "2024-05-01T03:00:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The proxy runs as a native sidecar and stops with the main container.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: export-28577880-abcde
    ///   namespace: batch
    ///   ownerReferences:
    ///     - apiVersion: batch/v1
    ///       kind: Job
    ///       name: export-28577880
    ///       uid: 0d9c4b6e-1f63-4c1e-9d3a-2f6a1b7c8d90
    ///       controller: true
    /// spec:
    ///   restartPolicy: Never
    ///   initContainers:
    ///     - name: istio-proxy
    ///       image: docker.io/istio/proxyv2:1.22.0
    ///       restartPolicy: Always
    ///   containers:
    ///     - name: export
    ///       image: registry.example.com/batch/export:1
    /// status:
    ///   phase: Succeeded
    ///   containerStatuses:
    ///     - name: export
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         terminated:
    ///           reason: Completed
    ///           exitCode: 0
    ///           finishedAt: "2024-05-01T01:04:00Z"
    /// ```
    ///
    /// ## Options
    /// `factor` (default 3): how many times longer than the longest completed sibling run an
    /// active run may last.
    ///
    /// ## References
    /// - Sidecar containers and Jobs: <https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers>
    /// - Job termination: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup>
    pub struct JobStuck {
        id: "job-stuck",
        category: Status,
        severity: Warning,
        summary: "a Job stays active: its main container finished but another keeps the pod running, or it runs far longer than its siblings",
        params: [
            { name: "factor", field: factor, type: Integer, default: "3", description: "how many times longer than the longest completed sibling run an active run may last" },
        ],
    }
}

/// The shortest stuck run worth reporting.
const MIN_STUCK_SECS: i64 = 600;

/// A Job's runs by their CronJob: `(namespace, CronJob name)`.
fn runs_by_cron<'a>(
    inventory: &'a Inventory<'a>,
) -> HashMap<(Option<&'a str>, &'a str), Vec<&'a Object<'a>>> {
    let mut map: HashMap<_, Vec<&'a Object<'a>>> = HashMap::new();
    for job in inventory.of_kind("Job") {
        if let Some(o) = controller_of(job).filter(|o| o.kind == "CronJob") {
            map.entry((job.namespace, o.name)).or_default().push(job);
        }
    }
    map
}

impl Rule for JobStuck {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        let now = cx.now();
        // Pods whose main container finished while another regular container runs.
        for pod in inventory.of_kind("Pod") {
            if controller_of(pod).is_none_or(|o| o.kind != "Job") {
                continue;
            }
            let Some(status) = PodStatus::of(pod) else {
                continue;
            };
            if status.phase.is_none_or(|p| p.value != "Running")
                || status.deletion_timestamp.is_some()
            {
                continue;
            }
            let done = status.containers.iter().find(|c| {
                c.state
                    .terminated()
                    .is_some_and(|t| t.exit_code.is_some_and(|e| e.value == 0))
            });
            let running = status
                .containers
                .iter()
                .find(|c| c.state.running().is_some());
            let (Some(done), Some(running)) = (done, running) else {
                continue;
            };
            let finished = done.state.terminated().and_then(|t| t.finished_at);
            let since = finished
                .zip(now)
                .map(|(f, n)| {
                    format!(
                        " {} before the snapshot",
                        human_duration(f.value.seconds_until(n))
                    )
                })
                .unwrap_or_default();
            let what = PodTemplate::of(pod)
                .and_then(|t| t.containers().find(|c| c.name() == running.name))
                .and_then(|c| daemon_helper(&c))
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            let anchor = done
                .state
                .terminated()
                .map_or_else(|| pod.kind_range(), |t| field_at(t.node, "exitCode"));
            let report = out
                .report(
                    pod,
                    anchor,
                    format!(
                        "{} of Job `{}` stays Running: container `{}` finished with exit code 0{since}, but container `{}`{what} still runs, so the Job never completes",
                        display(pod),
                        controller_of(pod).map_or("", |o| o.name),
                        done.name,
                        running.name
                    ),
                )
                .help("run the helper as a native sidecar (`initContainers` with `restartPolicy: Always`), opt the Job's pods out of mesh injection, or stop the helper when the main container ends (Istio: `curl -X POST localhost:15020/quitquitquit`)")
                .related(pod, field_at(running.node, "state"), format!("container `{}` still running", running.name));
            relate_events(report, cx, [pod], |e| e.type_ == Some("Warning"));
        }
        // Active runs far longer than their completed siblings.
        let Some(now) = now else { return };
        let factor = Self::params(cx).factor.max(1);
        for runs in runs_by_cron(inventory).values() {
            let jobs: Vec<Job<'_>> = runs.iter().filter_map(|o| Job::of(o)).collect();
            let longest = jobs
                .iter()
                .filter(|j| matches!(j.outcome(), Outcome::Complete(_)))
                .filter_map(|j| j.run_time(Some(now)))
                .max();
            let Some(longest) = longest else { continue };
            for j in &jobs {
                if !matches!(j.outcome(), Outcome::Running) || j.count("active") == 0 {
                    continue;
                }
                let Some(ran) = j.run_time(Some(now)) else {
                    continue;
                };
                if ran < MIN_STUCK_SECS || ran <= longest.saturating_mul(factor) {
                    continue;
                }
                let Some(start) = j.start_time() else {
                    continue;
                };
                out.report(
                    &j.object,
                    start.range(),
                    format!(
                        "{} has been active for {}, more than {factor} times the longest completed run of its CronJob in the input ({})",
                        display(&j.object),
                        human_duration(ran),
                        human_duration(longest)
                    ),
                )
                .help("look at its pods (`kubectl get pods -l job-name=<job>`): a container that does not exit, a dependency it waits for; give the Job template an `activeDeadlineSeconds` so a hung run ends");
            }
        }
    }
}
