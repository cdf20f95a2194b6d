//! Jobs and CronJobs: what their spec asks for (back-off limit, deadlines, time to live,
//! schedule, concurrency policy) and what their status says (outcome, counts, times, active
//! Jobs), with the API server's defaults.

use faultline_syntax::NodeRef;

use crate::cron::{self, CronError, Schedule, StepOverflow, Zone};
use crate::field::{self, Field};
use crate::object::Object;
use crate::status::{Condition, Health, conditions, timestamp};
use crate::time::Timestamp;

/// `spec.backoffLimit` when not written.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;

/// A Job (or a CronJob's `jobTemplate`): its spec and, for a Job, its status.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
    /// A non-empty `status` mapping.
    pub status: Option<NodeRef<'a>>,
    pub conditions: Vec<Condition<'a>>,
}

/// How a Job stands.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// `Complete=True`.
    Complete(Condition<'a>),
    /// `Failed=True`, or `FailureTarget=True` (the controller has decided it failed and is
    /// terminating its pods).
    Failed(Condition<'a>),
    /// `spec.suspend: true`.
    Suspended,
    /// Running, or not started yet.
    Running,
}

impl<'a> Job<'a> {
    /// The view of a Job.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "Job" {
            return None;
        }
        let status = obj.status().filter(|s| s.is_map() && !s.is_empty());
        Some(Self {
            object: *obj,
            spec: obj.spec(),
            status,
            conditions: conditions(status),
        })
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition<'a>> {
        self.conditions
            .iter()
            .find(|c| c.type_.value == type_ && c.is_true())
    }

    pub fn outcome(&self) -> Outcome<'a> {
        if let Some(c) = self.condition("Complete") {
            return Outcome::Complete(*c);
        }
        if let Some(c) = self
            .condition("Failed")
            .or_else(|| self.condition("FailureTarget"))
        {
            return Outcome::Failed(*c);
        }
        if field::bool(self.spec, "suspend").is_some_and(|s| s.value) {
            return Outcome::Suspended;
        }
        Outcome::Running
    }

    /// A word for the Job's state (`Completed`, the failure's reason such as
    /// `BackoffLimitExceeded`, `Suspended`, `Running`) and its health: failed is unhealthy,
    /// running past `activeDeadlineSeconds` (the controller has not yet marked it) a warning,
    /// anything else healthy.
    pub fn health(&self, now: Option<Timestamp>) -> (String, Health) {
        match self.outcome() {
            Outcome::Complete(_) => ("Completed".to_owned(), Health::Healthy),
            Outcome::Failed(c) => (
                c.reason.map_or("Failed", |r| r.value).to_owned(),
                Health::Unhealthy,
            ),
            Outcome::Suspended => ("Suspended".to_owned(), Health::Healthy),
            Outcome::Running => {
                let late = self
                    .active_deadline()
                    .zip(self.run_time(now))
                    .is_some_and(|(d, ran)| ran > d.value);
                let health = if late {
                    Health::Warning
                } else {
                    Health::Healthy
                };
                ("Running".to_owned(), health)
            }
        }
    }

    /// `spec.backoffLimit`, with where it is written.
    pub fn backoff_limit(&self) -> (i64, Option<Field<'a, i64>>) {
        let f = field::int(self.spec, "backoffLimit");
        (f.map_or(DEFAULT_BACKOFF_LIMIT, |f| f.value), f)
    }

    pub fn active_deadline(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "activeDeadlineSeconds").filter(|f| f.value > 0)
    }

    pub fn ttl_after_finished(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "ttlSecondsAfterFinished").filter(|f| f.value >= 0)
    }

    /// `status.active`, `status.succeeded`, `status.failed` (absent: 0).
    pub fn count(&self, key: &str) -> i64 {
        field::int(self.status, key).map_or(0, |f| f.value.max(0))
    }

    pub fn start_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "startTime")
    }

    pub fn completion_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "completionTime")
    }

    /// How long it ran: from `startTime` to `completionTime`, or to `now` while it runs.
    pub fn run_time(&self, now: Option<Timestamp>) -> Option<i64> {
        let start = self.start_time()?.value;
        let end = match self.outcome() {
            Outcome::Complete(c) | Outcome::Failed(c) => self
                .completion_time()
                .map(|t| t.value)
                .or(c.last_transition_time.map(|t| t.value))?,
            _ => now?,
        };
        Some(start.seconds_until(end).max(0))
    }
}

/// A CronJob: schedule, policy and status.
#[derive(Clone, Debug)]
pub struct CronJob<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
    pub status: Option<NodeRef<'a>>,
}

impl<'a> CronJob<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "CronJob" {
            return None;
        }
        Some(Self {
            object: *obj,
            spec: obj.spec(),
            status: obj.status().filter(|s| s.is_map() && !s.is_empty()),
        })
    }

    pub fn schedule_field(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "schedule")
    }

    /// The parsed schedule and its steps larger than their range.
    pub fn schedule(&self) -> Option<Result<(Schedule, Vec<StepOverflow>), CronError>> {
        Some(cron::parse_with_notes(self.schedule_field()?.value))
    }

    pub fn time_zone(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "timeZone")
    }

    pub fn zone(&self) -> Zone {
        Zone::of(self.time_zone().map(|t| t.value))
    }

    /// `spec.concurrencyPolicy` (default `Allow`) and where it is written.
    pub fn concurrency_policy(&self) -> (&'a str, Option<Field<'a, &'a str>>) {
        let f = field::str(self.spec, "concurrencyPolicy");
        (f.map_or("Allow", |f| f.value), f)
    }

    pub fn starting_deadline(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "startingDeadlineSeconds")
    }

    pub fn suspended(&self) -> bool {
        field::bool(self.spec, "suspend").is_some_and(|s| s.value)
    }

    /// `spec.jobTemplate.spec`.
    pub fn job_spec(&self) -> Option<NodeRef<'a>> {
        self.spec?.path(&["jobTemplate", "spec"])
    }

    pub fn last_schedule_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "lastScheduleTime")
    }

    pub fn last_successful_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "lastSuccessfulTime")
    }

    /// `status.active`: the Jobs running now, as (entry, name).
    pub fn active(&self) -> Vec<(NodeRef<'a>, &'a str)> {
        self.status
            .and_then(|s| s.get("active"))
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|e| Some((e, e.get("name")?.as_str()?)))
            .collect()
    }
}

/// The seconds the Job controller waits before recreating the pods of a Job that failed
/// `failures` times: 10 s doubled after each failure, at most 6 minutes
/// (`DefaultJobPodFailureBackOff`, `MaxJobPodFailureBackOff`).
pub fn backoff_before_retry(failures: i64) -> i64 {
    let mut delay: i64 = 10;
    for _ in 1..failures.max(1) {
        delay = (delay * 2).min(360);
    }
    delay.min(360)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn with<T>(text: &str, f: impl FnOnce(&Object<'_>) -> T) -> T {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        f(&inv.objects[0])
    }

    #[test]
    fn job_outcomes_and_run_time() {
        let now = Timestamp::parse("2024-05-01T12:00:00Z");
        with(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {backoffLimit: 2}\nstatus:\n  startTime: 2024-05-01T10:00:00Z\n  failed: 3\n  conditions: [{type: FailureTarget, status: \"True\", reason: BackoffLimitExceeded, lastTransitionTime: 2024-05-01T10:30:00Z}]\n",
            |o| {
                let j = Job::of(o).unwrap();
                assert!(
                    matches!(j.outcome(), Outcome::Failed(c) if c.reason.unwrap().value == "BackoffLimitExceeded")
                );
                assert_eq!(j.backoff_limit().0, 2);
                assert_eq!(j.count("failed"), 3);
                assert_eq!(j.run_time(now), Some(1800));
            },
        );
        with(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nstatus: {startTime: 2024-05-01T11:00:00Z, active: 1}\n",
            |o| {
                let j = Job::of(o).unwrap();
                assert!(matches!(j.outcome(), Outcome::Running));
                assert!(j.backoff_limit().0 == 6 && j.backoff_limit().1.is_none());
                assert_eq!(j.run_time(now), Some(3600));
            },
        );
    }

    #[test]
    fn cron_job_fields() {
        with(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', timeZone: Europe/Paris, concurrencyPolicy: Forbid}\nstatus:\n  lastScheduleTime: 2024-05-01T00:00:00Z\n  active: [{kind: Job, name: c-1}, {kind: Job, name: c-2}]\n",
            |o| {
                let c = CronJob::of(o).unwrap();
                assert!(c.schedule().unwrap().is_ok());
                assert_eq!(c.zone(), Zone::Unknown);
                assert_eq!(c.concurrency_policy().0, "Forbid");
                assert_eq!(
                    c.active().iter().map(|a| a.1).collect::<Vec<_>>(),
                    ["c-1", "c-2"]
                );
                assert!(c.last_successful_time().is_none());
            },
        );
    }

    #[test]
    fn backoff_doubles_to_six_minutes() {
        assert_eq!(
            (1..=8).map(backoff_before_retry).collect::<Vec<_>>(),
            [10, 20, 40, 80, 160, 320, 360, 360]
        );
    }
}
