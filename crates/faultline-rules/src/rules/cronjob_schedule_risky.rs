use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::cron::CronError;
use faultline_model::field;
use faultline_model::job::{CronJob, backoff_before_retry};
use faultline_model::time::human_duration;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks a CronJob's `schedule` as the API server and the CronJob controller read it
    /// (`robfig/cron` v3's standard parser: five fields or `@daily`-style descriptors) and the
    /// settings that make runs silently skip or pile up:
    ///
    /// - a schedule the API server refuses (error): a field out of range, a bad step or name,
    ///   `TZ=`/`CRON_TZ=` in the schedule (use `timeZone`); a `timeZone` of `Local` or empty;
    /// - a schedule that never runs (`0 0 30 2 *`: February 30th);
    /// - a step larger than its field's range, which the parser accepts and which keeps only
    ///   the range's first value (`*/90` in the minute field runs once an hour, at minute 0);
    /// - `startingDeadlineSeconds` under 10: the controller checks schedules every 10 seconds,
    ///   so a run can miss its window and be skipped (`MissSchedule`);
    /// - `concurrencyPolicy: Allow` (the default) without `activeDeadlineSeconds`, when the
    ///   Job controller's back-off between retries alone (10 s doubled after each failure, at
    ///   most 6 minutes, for `backoffLimit` retries) is longer than the time between runs: a
    ///   failing run is still retrying when the next starts, and failing runs pile up
    ///   (information: it happens only when runs fail);
    /// - `concurrencyPolicy: Forbid` with an `activeDeadlineSeconds` longer than the time
    ///   between runs: a run that lasts that long makes the controller skip the runs scheduled
    ///   meanwhile (information).
    ///
    /// ## Why it matters
    /// A CronJob that never runs, or runs at other times than written, raises no alarm: no
    /// pod fails. Overlapping runs of a failing job multiply its load on whatever it talks to.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: sync
    ///   namespace: shop
    /// spec:
    ///   schedule: "*/2 * * * *"
    ///   jobTemplate:
    ///     spec:
    ///       backoffLimit: 4
    ///       template:
    ///         spec:
    ///           restartPolicy: Never
    ///           containers:
    ///             - name: sync
    ///               image: registry.example.com/shop/sync:3
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: sync
    ///   namespace: shop
    /// spec:
    ///   schedule: "*/2 * * * *"
    ///   concurrencyPolicy: Forbid
    ///   jobTemplate:
    ///     spec:
    ///       backoffLimit: 4
    ///       activeDeadlineSeconds: 110
    ///       template:
    ///         spec:
    ///           restartPolicy: Never
    ///           containers:
    ///             - name: sync
    ///               image: registry.example.com/shop/sync:3
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Schedule syntax: <https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax>
    /// - CronJob limitations (`startingDeadlineSeconds`): <https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#cron-job-limitations>
    /// - Pod back-off failure policy: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy>
    pub struct CronjobScheduleRisky {
        id: "cronjob-schedule-risky",
        category: Workloads,
        severity: Warning,
        summary: "a CronJob's schedule is refused, never runs, means something else than it says, or lets runs skip or pile up",
        params: [],
    }
}

/// Seconds as written for people, exact below ten minutes (`150s`, not `2m`).
fn exact(secs: i64) -> String {
    if secs < 600 {
        format!("{secs}s")
    } else {
        human_duration(secs)
    }
}

/// Where schedules are looked at when the input has no time: 2024-01-01T00:00:00Z.
const REFERENCE: i64 = 1_704_067_200;

impl Rule for CronjobScheduleRisky {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(c) = CronJob::of(obj) else { return };
        if let Some(tz) = c.time_zone()
            && (tz.value.is_empty() || tz.value.eq_ignore_ascii_case("Local"))
        {
            out.report(
                obj,
                tz.range(),
                format!(
                    "timeZone `{}` is refused by the API server: it must name a time zone of the tz database",
                    tz.value
                ),
            )
            .help("write a tz database name such as `Etc/UTC` or `Europe/Paris`, or leave `timeZone` out for the controller's time zone (UTC)")
            .severity(Severity::Error);
        }
        let Some(schedule_field) = c.schedule_field() else {
            return;
        };
        let text = schedule_field.value;
        let (schedule, steps) = match c.schedule().expect("schedule is written") {
            Ok(parsed) => parsed,
            Err(e) => {
                let help = match e {
                    CronError::TimeZoneInSchedule => {
                        "remove the `TZ=`/`CRON_TZ=` prefix and write the zone in `spec.timeZone`"
                    }
                    _ => {
                        "write five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or jan-dec, day of week 0-6 or sun-sat) or a descriptor such as `@daily`"
                    }
                };
                out.report(
                    obj,
                    schedule_field.range(),
                    format!("schedule `{text}` is refused by the API server: {e}"),
                )
                .help(help)
                .severity(Severity::Error);
                return;
            }
        };
        let zone = c.zone();
        let reference = cx.now().map_or(REFERENCE, |n| n.secs);
        if schedule.next_after(reference, zone).is_none() {
            out.report(
                obj,
                schedule_field.range(),
                format!(
                    "schedule `{text}` never runs: no day within five years matches its day-of-month and month fields"
                ),
            )
            .help("check the day of month against the month (no month has a 31st in every case, February has no 30th)");
            return;
        }
        for s in &steps {
            let period = schedule
                .period_after(reference, zone)
                .map(|p| format!("; it runs every {}", human_duration(p)))
                .unwrap_or_default();
            out.report(
                obj,
                schedule_field.range(),
                format!(
                    "schedule `{text}`: the {} step `{}` is larger than the field's range, so it keeps only {} {}{period}",
                    s.field, s.text, s.field, s.keeps
                ),
            )
            .help("a step does not carry into the next field: write a step the field can hold (`*/30` minutes, `0 */2 * * *` for every two hours) or list the times you mean (`0 0,12 * * *`)");
        }
        let (policy, _) = c.concurrency_policy();
        if let Some(d) = c.starting_deadline().filter(|d| d.value < 10) {
            out.report(
                obj,
                d.range(),
                format!(
                    "startingDeadlineSeconds is {}: the CronJob controller checks schedules every 10 seconds, so runs can miss their window and be skipped (`MissSchedule`)",
                    d.value
                ),
            )
            .help("set `startingDeadlineSeconds` to at least 10 (a minute or more is usual), or leave it out");
        }
        let job = c.job_spec();
        if policy == "Forbid"
            && let Some(deadline) = field::int(job, "activeDeadlineSeconds")
            && let Some(period) = schedule.period_after(reference, zone)
            && deadline.value > period
        {
            out.report(
                obj,
                deadline.range(),
                format!(
                    "a run may last {} (activeDeadlineSeconds), longer than the {} between runs: under concurrencyPolicy Forbid the runs scheduled while it lasts are skipped",
                    exact(deadline.value),
                    exact(period)
                ),
            )
            .help("lower `activeDeadlineSeconds` below the period, or run less often")
            .severity(Severity::Info)
            .related(obj, schedule_field.range(), "the schedule");
        }
        if policy == "Allow" && field::int(job, "activeDeadlineSeconds").is_none() {
            let backoff = field::int(job, "backoffLimit");
            let limit = backoff.map_or(faultline_model::job::DEFAULT_BACKOFF_LIMIT, |b| b.value);
            let waits: i64 = (1..=limit.clamp(0, 100)).map(backoff_before_retry).sum();
            if let Some(period) = schedule.period_after(reference, zone)
                && limit > 0
                && waits > period
            {
                let written = if backoff.is_some() { "" } else { " default" };
                let at = backoff.map_or_else(
                    || {
                        obj.spec()
                            .and_then(|s| s.entry("schedule").map(|(k, _)| k.range()))
                            .unwrap_or_else(|| obj.kind_range())
                    },
                    |b| b.range(),
                );
                let report = out
                    .report(
                        obj,
                        at,
                        format!(
                            "a failing run retries {limit} times (backoffLimit{written}) and waits {} in all between the retries, longer than the {} between runs; with concurrencyPolicy Allow and no activeDeadlineSeconds, failing runs overlap and pile up",
                            exact(waits),
                            exact(period)
                        ),
                    )
                    .help("set `concurrencyPolicy: Forbid` (or `Replace`), or an `activeDeadlineSeconds` in the Job template shorter than the period, or a lower `backoffLimit`")
                    .severity(Severity::Info);
                if backoff.is_some() {
                    report.related(obj, schedule_field.range(), "the schedule");
                }
            }
        }
    }
}
