//! The causes of Job and CronJob symptoms: the failed pods and what explains them, the
//! deadline that ended a Job, and for a CronJob the runs that failed or never finish.

use crate::ids;
use faultline_diagnostics::Diagnostic;
use faultline_model::job::{CronJob, Job, Outcome};
use faultline_model::{Object, ObjectId};
use faultline_rules::Context;

use super::facts::PodFacts;
use super::objects::owned;
use super::wording::{POD_SYMPTOMS, ns_flag, sh, symptom_what};
use super::{Cause, Findings, named, object_of, pod};

/// The causes of a failed or stuck Job (or of a pod that keeps it active): the symptoms of its pods (linked), what explains them, and the
/// deadline that ended it.
pub(crate) fn job_causes(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    d: &Diagnostic,
    this: usize,
) -> Vec<Cause> {
    let mut causes = Vec::new();
    let pods = named(cx.inventory, d, "Pod");
    let pod_keys: Vec<ObjectId> = pods.iter().map(|p| p.id).collect();
    for j in findings.on(&pod_keys, POD_SYMPTOMS) {
        if j == this {
            continue;
        }
        let f = findings.get(j);
        causes.push(Cause::finding(
            f,
            symptom_what(f.rule).to_owned(),
            "each failed pod counts against the Job's `backoffLimit`".to_owned(),
            95,
            Vec::new(),
        ));
    }
    let facts = PodFacts::gather(cx, pods);
    causes.extend(pod::pod_causes(findings, &facts));
    causes.extend(super::init::init_causes(cx, findings, &facts));
    if let Some(job) = object_of(cx, d) {
        let keys = super::with_owners(cx.inventory, &[job]);
        for j in findings.on(&keys, &[ids::JOB_NEVER_COMPLETES]) {
            causes.push(Cause::finding(
                findings.get(j),
                "a container that never exits keeps the Job's pods running".to_owned(),
                "a Job completes only when all its regular containers have exited".to_owned(),
                90,
                Vec::new(),
            ));
        }
    }
    if let Some(job) = object_of(cx, d).and_then(Job::of)
        && let Outcome::Failed(c) = job.outcome()
        && c.reason.is_some_and(|r| r.value == "DeadlineExceeded")
        && let Some(deadline) = job.active_deadline()
    {
        causes.push(Cause::at(
            &job.object,
            deadline.node,
            format!("`activeDeadlineSeconds: {}` of the Job", deadline.value),
            "the Job controller ended the Job when it reached this deadline".to_owned(),
            60,
            vec![format!(
                "kubectl {}describe job {}",
                ns_flag(&job.object),
                sh(job.object.name)
            )],
        ));
    }
    causes
}

/// The causes of a stalled CronJob: its failed runs (`job-failed`), what keeps its active runs
/// from finishing, and the configuration findings about its schedule and policy.
pub(crate) fn cronjob_causes(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    d: &Diagnostic,
) -> Vec<Cause> {
    let Some(obj) = object_of(cx, d) else {
        return Vec::new();
    };
    let Some(cron) = CronJob::of(obj) else {
        return Vec::new();
    };
    let mut causes = Vec::new();
    let jobs: Vec<&Object<'_>> = owned(cx, obj)
        .into_iter()
        .filter(|o| o.kind == "Job")
        .collect();
    let job_ids: Vec<ObjectId> = jobs.iter().map(|j| j.id).collect();
    for j in findings.on(&job_ids, &[ids::JOB_STUCK]) {
        causes.push(Cause::finding(
            findings.get(j),
            "a run hangs".to_owned(),
            "a run that does not finish is not a success, and under Forbid it blocks the next ones"
                .to_owned(),
            91,
            Vec::new(),
        ));
    }
    for j in findings.on(&job_ids, &[ids::JOB_FAILED]) {
        causes.push(Cause::finding(
            findings.get(j),
            "its runs fail".to_owned(),
            "a run that fails is not a success: `lastSuccessfulTime` stays where it was".to_owned(),
            92,
            Vec::new(),
        ));
    }
    for j in findings.on(
        &[obj.id],
        &[ids::CRONJOB_SCHEDULE_RISKY, ids::JOB_NEVER_COMPLETES],
    ) {
        let f = findings.get(j);
        causes.push(Cause::finding(
            f,
            if f.rule == ids::JOB_NEVER_COMPLETES {
                "a container that never exits keeps every run active".to_owned()
            } else {
                "the schedule's settings skip or pile up runs".to_owned()
            },
            "the CronJob's configuration explains the runs that are missing".to_owned(),
            90,
            Vec::new(),
        ));
    }
    // The active runs: what keeps their pods from finishing.
    let active: Vec<&str> = cron.active().into_iter().map(|(_, n)| n).collect();
    let pods: Vec<&Object<'_>> = jobs
        .iter()
        .filter(|j| active.contains(&j.name))
        .flat_map(|j| owned(cx, j))
        .filter(|o| o.kind == "Pod")
        .collect();
    if !pods.is_empty() {
        let pod_keys: Vec<ObjectId> = pods.iter().map(|p| p.id).collect();
        for j in findings.on(&pod_keys, POD_SYMPTOMS) {
            let f = findings.get(j);
            causes.push(Cause::finding(
                f,
                format!("the active run's pods {}", symptom_what(f.rule).trim_start_matches("its pods ")),
                "an active run that does not finish holds the next runs back (Forbid) or piles up beside them (Allow)".to_owned(),
                88,
                Vec::new(),
            ));
        }
        let facts = PodFacts::gather(cx, pods);
        causes.extend(pod::pod_causes(findings, &facts));
        causes.extend(super::init::init_causes(cx, findings, &facts));
    }
    if let Some(p) = cron.concurrency_policy().1.filter(|p| p.value == "Forbid")
        && !active.is_empty()
    {
        causes.push(Cause::at(
            obj,
            p.node,
            "`concurrencyPolicy: Forbid` with a run still active".to_owned(),
            format!(
                "the controller skips every scheduled run while `{}` is active (`JobAlreadyActive` Events)",
                active[0]
            ),
            70,
            vec![format!(
                "kubectl {}get events --field-selector involvedObject.name={},reason=JobAlreadyActive",
                ns_flag(obj),
                sh(obj.name)
            )],
        ));
    }
    causes
}
