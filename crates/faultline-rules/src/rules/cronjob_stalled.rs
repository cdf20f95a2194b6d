use faultline_model::cron::Schedule;
use faultline_model::job::CronJob;
use faultline_model::time::{Timestamp, human_duration};
use faultline_syntax::TextRange;

use crate::evidence::{display, field_at, relate_events};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports CronJobs whose runs stopped working, counted exactly from the parsed schedule
    /// (`schedule` with `timeZone`, `@daily` and the other descriptors) and the snapshot's
    /// time:
    ///
    /// - no run started for `runs` (default 3) scheduled times since `lastScheduleTime` (or,
    ///   for a CronJob exported from a cluster that has never run, since it was created): the
    ///   controller skips them, because a run is still active under `concurrencyPolicy:
    ///   Forbid` (`JobAlreadyActive` Events), because `startingDeadlineSeconds` passed
    ///   (`MissSchedule`), or because it cannot create the Job (`FailedCreate`);
    /// - no run succeeded for `runs` scheduled times since `lastSuccessfulTime`: the runs start
    ///   and fail (see `job-failed`) or never finish;
    /// - two or more runs active at once under `concurrencyPolicy: Allow` (the default), whose
    ///   oldest started before the latest scheduled time: runs pile up, each holding its pods.
    ///
    /// Suspended CronJobs are not reported. Only objects that carry a `status` are looked at.
    ///
    /// A `timeZone` of the tz database other than UTC and the fixed-offset `Etc/GMT±N` zones
    /// is not known offline: the runs are then counted in UTC and one run of slack is allowed.
    ///
    /// ## Why it matters
    /// A CronJob that silently stops running is found when the backups it should have made
    /// are needed. Nothing else in the cluster turns red: the CronJob object looks fine, and
    /// the last Job that ran may be long deleted.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: backup
    ///   namespace: ops
    /// spec:
    ///   schedule: "0 * * * *"
    ///   concurrencyPolicy: Forbid
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           restartPolicy: Never
    ///           containers:
    ///             - name: backup
    ///               image: registry.example.com/ops/backup:1.2
    /// status:
    ///   lastScheduleTime: "2024-05-01T01:00:00Z"
    ///   lastSuccessfulTime: "2024-05-01T00:04:00Z"
    ///   active:
    ///     - kind: Job
    ///       name: backup-28577880
    ///       namespace: ops
    /// ---
    /// apiVersion: v1
    /// kind: Event
    /// metadata:
    ///   name: backup.17c1
    ///   namespace: ops
    /// involvedObject:
    ///   kind: CronJob
    ///   name: backup
    ///   namespace: ops
    /// type: Normal
    /// reason: JobAlreadyActive
    /// message: Not starting job because prior execution is running and concurrency policy is Forbid
    /// count: 5
    /// lastTimestamp: "2024-05-01T06:00:00Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # Runs on time; a run that hangs is ended by its deadline.
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: backup
    ///   namespace: ops
    /// spec:
    ///   schedule: "0 * * * *"
    ///   concurrencyPolicy: Forbid
    ///   jobTemplate:
    ///     spec:
    ///       activeDeadlineSeconds: 3000
    ///       template:
    ///         spec:
    ///           restartPolicy: Never
    ///           containers:
    ///             - name: backup
    ///               image: registry.example.com/ops/backup:1.2
    /// status:
    ///   lastScheduleTime: "2024-05-01T06:00:00Z"
    ///   lastSuccessfulTime: "2024-05-01T06:04:00Z"
    /// ```
    ///
    /// ## Options
    /// `runs` (default 3): how many scheduled runs without a start (or without a success)
    /// make a finding.
    ///
    /// ## References
    /// - CronJob limitations and concurrency policy: <https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy>
    /// - Schedule syntax and time zones: <https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax>
    pub struct CronjobStalled {
        id: "cronjob-stalled",
        category: Status,
        severity: Error,
        summary: "a CronJob has not started or not succeeded a run for several scheduled times, or its runs pile up",
        params: [
            { name: "runs", field: runs, type: Integer, default: "3", description: "scheduled runs without a start or a success that make a finding" },
        ],
    }
}

/// The runs after `since` and more than a minute before `now` (the controller may not have
/// synced the latest yet), less the slack of an unknown zone; at most 10 000 counted.
fn missed(c: &CronJob<'_>, s: &Schedule, since: Timestamp, now: Timestamp) -> i64 {
    let zone = c.zone();
    let n = s.runs_between(since.secs, now.secs - 60, zone, 10_000) as i64;
    if zone.is_known() { n } else { (n - 1).max(0) }
}

fn runs(n: i64) -> String {
    if n == 1 {
        "1 scheduled run".to_owned()
    } else if n >= 10_000 {
        "10000+ scheduled runs".to_owned()
    } else {
        format!("{n} scheduled runs")
    }
}

fn ago(t: Timestamp, now: Timestamp) -> String {
    format!(
        "{t}, {} before the snapshot",
        human_duration(t.seconds_until(now))
    )
}

impl Rule for CronjobStalled {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let threshold = Self::params(cx).runs.max(1);
        for obj in cx.inventory.of_kind("CronJob") {
            let Some(c) = CronJob::of(obj) else { continue };
            // A CronJob exported from a cluster that never ran has an empty status.
            let exported = faultline_graph::from_a_cluster(obj);
            if (c.status.is_none() && !exported) || c.suspended() {
                continue;
            }
            let (Some(now), Some(Ok((schedule, _)))) = (cx.now(), c.schedule()) else {
                continue;
            };
            let (policy, policy_field) = c.concurrency_policy();
            let active = c.active();
            let status = c.status.or(obj.metadata()).unwrap_or(obj.node);
            let zone_note = if c.zone().is_known() {
                String::new()
            } else {
                format!(
                    " (counted in UTC: time zone `{}` is not known offline)",
                    c.time_zone().map_or("", |t| t.value)
                )
            };
            let every = schedule
                .period_after(now.secs, c.zone())
                .map(|p| format!(", every {}", human_duration(p)))
                .unwrap_or_default();
            let schedule_text = c.schedule_field().map_or("", |s| s.value);

            let not_started = c
                .last_schedule_time()
                .map(|t| (t, missed(&c, &schedule, t.value, now)))
                .filter(|(_, n)| *n >= threshold);
            let created = faultline_model::status::timestamp(obj.metadata(), "creationTimestamp");
            let never = created
                .filter(|_| exported && c.last_schedule_time().is_none())
                .map(|t| (t, missed(&c, &schedule, t.value, now)))
                .filter(|(_, n)| *n >= threshold);
            let not_succeeded = c
                .last_successful_time()
                .map(|t| (t, missed(&c, &schedule, t.value, now)))
                .filter(|(_, n)| *n >= threshold);
            let piling = policy == "Allow" && active.len() >= 2;

            let (anchor, what, help): (TextRange, String, &str) = if let Some((t, n)) = never {
                (
                    t.range(),
                    format!(
                        "has never started a run: {} (`{schedule_text}`{every}){zone_note} since it was created {}",
                        runs(n),
                        ago(t.value, now)
                    ),
                    "read the CronJob's Events (related below): `MissSchedule` means `startingDeadlineSeconds` is too short, `FailedCreate` that the Job is refused (quota, admission), `UnknownTimeZone` a `timeZone` the controller cannot load",
                )
            } else if let Some((t, n)) = not_started {
                let why = if policy == "Forbid" && !active.is_empty() {
                    format!(
                        ": concurrencyPolicy is Forbid and run `{}` is still active, so every run since was skipped",
                        active[0].1
                    )
                } else {
                    String::new()
                };
                let succeeded = c
                    .last_successful_time()
                    .map(|s| format!("; last success {}", ago(s.value, now)))
                    .unwrap_or_default();
                (
                    field_at(status, "lastScheduleTime"),
                    format!(
                        "has not started a run for {} (`{schedule_text}`{every}){zone_note}: the last one was scheduled {}{why}{succeeded}",
                        runs(n),
                        ago(t.value, now)
                    ),
                    if why.is_empty() {
                        "read the CronJob's Events (related below): `MissSchedule` means `startingDeadlineSeconds` is too short, `FailedCreate` that the Job is refused (quota, admission); `kubectl create job --from=cronjob/<name>` runs it now"
                    } else {
                        "find why the active run does not finish (its pods, related below) and give the Job template an `activeDeadlineSeconds` shorter than the schedule's period, so that a hung run cannot block the next ones"
                    },
                )
            } else if piling {
                let succeeded = not_succeeded
                    .map(|(t, n)| {
                        format!(
                            "; none has completed for {} (last success {})",
                            runs(n),
                            ago(t.value, now)
                        )
                    })
                    .unwrap_or_default();
                (
                    status
                        .entry("active")
                        .map_or_else(|| status.range(), |(k, _)| k.range()),
                    format!(
                        "has {} runs active at once (`{schedule_text}`{every}) under concurrencyPolicy Allow: runs pile up, each holding its pods{succeeded}",
                        active.len()
                    ),
                    "find why the runs do not finish; set `concurrencyPolicy: Forbid` (or `Replace`) and an `activeDeadlineSeconds` shorter than the period so that runs cannot overlap",
                )
            } else if let Some((t, n)) = not_succeeded {
                let running = match active.len() {
                    0 => "no run is active now".to_owned(),
                    1 => "1 run is active now".to_owned(),
                    k => format!("{k} runs are active now"),
                };
                (
                    field_at(status, "lastSuccessfulTime"),
                    format!(
                        "has not completed a run for {} (`{schedule_text}`{every}){zone_note}: the last success was {}; {running}",
                        runs(n),
                        ago(t.value, now)
                    ),
                    "the runs start but fail or never finish: see the failed Jobs and their pods (`job-failed`, related below) and fix what makes them fail",
                )
            } else {
                continue;
            };
            let message = format!("{} {what}", display(obj));
            let mut report = out.report(obj, anchor, message).help(help);
            if let Some(s) = c.schedule_field() {
                report = report.related(obj, s.range(), "the schedule");
            }
            if let Some(p) = policy_field {
                report = report.related(obj, p.range(), "concurrencyPolicy");
            }
            if let Some(d) = c.starting_deadline() {
                report = report.related(obj, d.range(), "startingDeadlineSeconds");
            }
            for (entry, name) in &active {
                match cx.inventory.find("Job", obj.namespace, name) {
                    Some(job) => {
                        let started = faultline_model::job::Job::of(job)
                            .and_then(|j| j.start_time())
                            .map(|t| format!(", started {}", ago(t.value, now)))
                            .unwrap_or_default();
                        report =
                            report.related(job, job.kind_range(), format!("active run{started}"));
                    }
                    None => report = report.related(obj, entry.range(), "active run"),
                }
            }
            relate_events(report, cx, [obj], |e| {
                e.type_ == Some("Warning")
                    || e.reason.is_some_and(|r| r.value == "JobAlreadyActive")
            });
        }
    }
}
