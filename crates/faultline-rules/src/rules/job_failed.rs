use std::collections::HashMap;

use faultline_model::job::{Job, Outcome};
use faultline_model::status::controller_of;
use faultline_model::time::human_duration;
use faultline_model::{Inventory, Object};

use crate::evidence::{condition_at, display, relate_events, relate_logs};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Jobs that failed: a `Failed` (or `FailureTarget`) condition, with its reason
    /// (`BackoffLimitExceeded`: more pods failed than `backoffLimit` allows;
    /// `DeadlineExceeded`: it ran longer than `activeDeadlineSeconds`; `PodFailurePolicy`,
    /// `MaxFailedIndexesExceeded`), and Jobs still running past their `activeDeadlineSeconds`.
    /// The message gives the numbers: failed pods against the back-off limit, how long it ran
    /// against the deadline.
    ///
    /// The Jobs of one CronJob are one finding, on the latest failure, the earlier ones listed
    /// as related; a failure followed by a later run of the same CronJob that completed is not
    /// reported (the CronJob recovered). The failed pods, the Job's Warning Events and the log
    /// lines that name a cause are related.
    ///
    /// Only objects that carry a `status` are looked at: manifests never trigger it.
    ///
    /// ## Why it matters
    /// A failed Job is work that did not happen (a backup, a migration, a report), and nothing
    /// retries it: the Job controller has given up. A CronJob's next run may fail the same way.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: db-migrate
    ///   namespace: shop
    /// spec:
    ///   backoffLimit: 2
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///         - name: migrate
    ///           image: registry.example.com/shop/migrate:1.4
    /// status:
    ///   startTime: "2024-05-01T10:00:00Z"
    ///   failed: 3
    ///   conditions:
    ///     - type: Failed
    ///       status: "True"
    ///       reason: BackoffLimitExceeded
    ///       message: Job has reached the specified backoff limit
    ///       lastTransitionTime: "2024-05-01T10:01:10Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The run completed.
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: db-migrate
    ///   namespace: shop
    /// spec:
    ///   backoffLimit: 2
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///         - name: migrate
    ///           image: registry.example.com/shop/migrate:1.4
    /// status:
    ///   startTime: "2024-05-01T10:00:00Z"
    ///   completionTime: "2024-05-01T10:00:40Z"
    ///   succeeded: 1
    ///   conditions:
    ///     - type: Complete
    ///       status: "True"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Job termination and cleanup: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup>
    /// - Pod back-off failure policy: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy>
    pub struct JobFailed {
        id: "job-failed",
        category: Status,
        severity: Error,
        summary: "a Job failed or runs past its deadline",
        params: [],
    }
}

/// `(namespace, CronJob name)` → its Jobs in the input.
type Siblings<'a> = HashMap<(Option<&'a str>, &'a str), Vec<&'a Object<'a>>>;

/// The Jobs of each CronJob, and the Pods of each Job (by `(namespace, Job name)`), built once.
fn indexes<'a>(inventory: &'a Inventory<'a>) -> (Siblings<'a>, Siblings<'a>) {
    let mut jobs: Siblings<'a> = HashMap::new();
    for job in inventory.of_kind("Job") {
        if let Some(o) = controller_of(job).filter(|o| o.kind == "CronJob") {
            jobs.entry((job.namespace, o.name)).or_default().push(job);
        }
    }
    let mut pods: Siblings<'a> = HashMap::new();
    for pod in inventory.of_kind("Pod") {
        if let Some(o) = controller_of(pod).filter(|o| o.kind == "Job") {
            pods.entry((pod.namespace, o.name)).or_default().push(pod);
        }
    }
    (jobs, pods)
}

/// When a Job started, for ordering runs: `startTime`, else `creationTimestamp`.
fn started(job: &Job<'_>) -> Option<faultline_model::time::Timestamp> {
    job.start_time().map(|t| t.value).or_else(|| {
        faultline_model::status::timestamp(job.object.metadata(), "creationTimestamp")
            .map(|t| t.value)
    })
}

/// What is wrong with a Job, if anything: (anchor, what, help).
fn verdict(
    cx: &Context<'_>,
    job: &Job<'_>,
) -> Option<(faultline_syntax::TextRange, String, &'static str)> {
    let ran = job
        .run_time(cx.now())
        .map(|s| format!("; it ran {}", human_duration(s)))
        .unwrap_or_default();
    match job.outcome() {
        Outcome::Failed(c) => {
            let reason = c.reason.map_or("", |r| r.value);
            let (numbers, help) = match reason {
                "BackoffLimitExceeded" => {
                    let (limit, written) = job.backoff_limit();
                    let default = if written.is_none() { " (default)" } else { "" };
                    (
                        format!(
                            "; {} failed against a backoffLimit of {limit}{default}",
                            count_pods(job.count("failed"))
                        ),
                        "the pods fail on their own: read their logs and exit codes (related below) and fix what makes them exit; raising `backoffLimit` only retries the same failure",
                    )
                }
                "DeadlineExceeded" => (
                    job.active_deadline()
                        .map(|d| {
                            format!(
                                "; activeDeadlineSeconds is {} ({})",
                                d.value,
                                human_duration(d.value)
                            )
                        })
                        .unwrap_or_default(),
                    "the Job did not finish within `activeDeadlineSeconds`: find what it waits for or why it is slow (related below), or raise the deadline if the work really takes that long",
                ),
                _ => (
                    String::new(),
                    "read the failed pods' logs and exit codes (related below); a `podFailurePolicy` rule that matched says which exit code or condition ended the Job",
                ),
            };
            Some((
                condition_at(&c),
                format!("failed: {}{numbers}{ran}", c.explanation()),
                help,
            ))
        }
        Outcome::Running => {
            let deadline = job.active_deadline()?;
            let run = job.run_time(cx.now())?;
            (run > deadline.value).then(|| {
                (
                    deadline.range(),
                    format!(
                        "has run {} at the snapshot, past its activeDeadlineSeconds of {} ({}), and is not marked failed yet",
                        human_duration(run),
                        deadline.value,
                        human_duration(deadline.value)
                    ),
                    "the Job controller terminates it at the deadline: find what its pods wait for or why they are slow (related below)",
                )
            })
        }
        _ => None,
    }
}

fn count_pods(n: i64) -> String {
    if n == 1 {
        "1 pod".to_owned()
    } else {
        format!("{n} pods")
    }
}

impl Rule for JobFailed {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        if inventory.of_kind("Job").next().is_none() {
            return;
        }
        let (siblings, pods) = indexes(inventory);
        // (namespace, CronJob) already reported: its Jobs are one finding.
        let mut done: Vec<(Option<&str>, &str)> = Vec::new();
        for obj in inventory.of_kind("Job") {
            let Some(job) = Job::of(obj) else { continue };
            if job.status.is_none() {
                continue;
            }
            let Some(_) = verdict(cx, &job) else { continue };
            let cron = controller_of(obj).filter(|o| o.kind == "CronJob");
            let runs: Vec<Job<'_>> = match cron {
                Some(c) => {
                    let key = (obj.namespace, c.name);
                    if done.contains(&key) {
                        continue;
                    }
                    done.push(key);
                    let mut runs: Vec<Job<'_>> = siblings
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .filter_map(|o| Job::of(o))
                        .collect();
                    runs.sort_by_key(|j| (started(j), j.object.id));
                    runs
                }
                None => vec![job.clone()],
            };
            // The runs that failed after the last one that completed, latest first.
            let last_ok = runs
                .iter()
                .rposition(|j| matches!(j.outcome(), Outcome::Complete(_)));
            let failing: Vec<(&Job<'_>, _)> = runs
                .iter()
                .skip(last_ok.map_or(0, |i| i + 1))
                .filter_map(|j| Some((j, verdict(cx, j)?)))
                .collect();
            let Some(((latest, (anchor, what, help)), earlier)) = failing.split_last() else {
                continue;
            };
            let of = cron
                .map(|c| {
                    format!(
                        " of CronJob/{}{}",
                        obj.namespace.map(|n| format!("{n}/")).unwrap_or_default(),
                        c.name
                    )
                })
                .unwrap_or_default();
            let message = format!("{}{of} {what}", display(&latest.object));
            let mut report = out.report(&latest.object, *anchor, message).help(*help);
            if let Some(b) = latest.backoff_limit().1 {
                report = report.related(&latest.object, b.range(), "backoffLimit");
            }
            if let (Some(d), Outcome::Failed(_)) = (latest.active_deadline(), latest.outcome()) {
                report = report.related(&latest.object, d.range(), "activeDeadlineSeconds");
            }
            for (j, (a, w, _)) in earlier.iter().rev() {
                report = report.related(&j.object, *a, format!("an earlier run also {w}"));
            }
            let job_pods: Vec<&Object<'_>> = failing
                .iter()
                .flat_map(|(j, _)| {
                    pods.get(&(j.object.namespace, j.object.name))
                        .into_iter()
                        .flatten()
                        .copied()
                })
                .collect();
            for pod in job_pods.iter().take(crate::evidence::MAX_RELATED_PODS) {
                report = report.related(pod, pod.kind_range(), "a pod of the failed Job");
            }
            let jobs = failing
                .iter()
                .filter_map(|(j, _)| inventory.find("Job", j.object.namespace, j.object.name));
            let report = relate_events(report, cx, jobs.chain(job_pods.iter().copied()), |e| {
                e.type_ == Some("Warning")
            });
            relate_logs(report, cx, job_pods.iter().copied());
        }
    }
}
