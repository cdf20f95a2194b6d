use faultline_model::pod_status::{PodStatus, exit_code_meaning};
use faultline_model::status::{conditions, controller_of};
use faultline_model::{Inventory, Object};
use faultline_syntax::TextRange;

use crate::evidence::{
    ago, field_at, group_by_owner, pods_with, relate_events, relate_group, relate_logs, shorten,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports pods that ended in phase `Failed`: a container that exited with a non-zero
    /// code (the code and what it usually means are in the message), or a pod the kubelet
    /// gave up on (`Evicted` under node pressure, `DeadlineExceeded`, an admission error).
    /// The pods of one workload (a Job, a CronJob's Jobs) are one finding, with their Events
    /// and log lines as evidence.
    ///
    /// Failed attempts of a Job that has since completed are not reported. Only objects that
    /// carry a `status` are looked at.
    ///
    /// ## Why it matters
    /// A failed Job pod is work that did not happen: a backup, a migration, a report. An
    /// evicted pod was thrown off its node because the node ran out of memory or disk; its
    /// controller started a new one elsewhere, but the cause is still there.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: backup-28566720-t22qj
    ///   namespace: ops
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///     - name: backup
    ///       image: registry.example.com/ops/backup:1.2
    /// status:
    ///   phase: Failed
    ///   containerStatuses:
    ///     - name: backup
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         terminated:
    ///           reason: Error
    ///           exitCode: 1
    ///           finishedAt: "2024-05-01T03:00:12Z"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The run succeeded.
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: backup-28566720-t22qj
    ///   namespace: ops
    /// spec:
    ///   restartPolicy: Never
    ///   containers:
    ///     - name: backup
    ///       image: registry.example.com/ops/backup:1.2
    /// status:
    ///   phase: Succeeded
    ///   containerStatuses:
    ///     - name: backup
    ///       ready: false
    ///       restartCount: 0
    ///       state:
    ///         terminated:
    ///           reason: Completed
    ///           exitCode: 0
    ///           finishedAt: "2024-05-01T03:00:12Z"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Pod phases: <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase>
    /// - Job failures: <https://kubernetes.io/docs/concepts/workloads/controllers/job/#handling-pod-and-container-failures>
    pub struct PodFailed {
        id: "pod-failed",
        category: Status,
        severity: Warning,
        summary: "a pod ended in phase Failed",
        params: [],
    }
}

struct Hit {
    anchor: TextRange,
    what: String,
    evicted: bool,
}

/// Whether the pod belongs to a Job in the input that has completed.
fn job_completed(inventory: &Inventory<'_>, pod: &Object<'_>) -> bool {
    let Some(owner) = controller_of(pod).filter(|o| o.kind == "Job") else {
        return false;
    };
    inventory
        .find("Job", pod.namespace, owner.name)
        .is_some_and(|job| {
            conditions(job.status())
                .iter()
                .any(|c| c.type_.value == "Complete" && c.is_true())
        })
}

fn failure(cx: &Context<'_>, pod: &PodStatus<'_>) -> Option<Hit> {
    if pod.phase.is_none_or(|p| p.value != "Failed") || job_completed(cx.inventory, &pod.object) {
        return None;
    }
    if let Some(r) = pod.reason {
        let said = pod
            .message
            .map(|m| format!(": {}", shorten(m.value, 200)))
            .unwrap_or_default();
        return Some(Hit {
            anchor: field_at(pod.node, "reason"),
            what: format!("`{}`{said}", r.value),
            evicted: r.value == "Evicted",
        });
    }
    for c in pod.all_containers() {
        let Some(t) = c.state.terminated() else {
            continue;
        };
        let Some(code) = t.exit_code.filter(|e| e.value != 0) else {
            continue;
        };
        let meaning = exit_code_meaning(code.value)
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let said = t
            .message
            .map(|m| format!(": {}", shorten(m.value, 200)))
            .unwrap_or_default();
        return Some(Hit {
            anchor: t
                .reason
                .map_or(field_at(t.node, "exitCode"), |_| field_at(t.node, "reason")),
            what: format!(
                "container `{}` ended `{}` with exit code {}{meaning}{}{said}",
                c.name,
                t.label(),
                code.value,
                ago(cx, t.finished_at.map(|f| f.value))
            ),
            evicted: false,
        });
    }
    Some(Hit {
        anchor: field_at(pod.node, "phase"),
        what: "no container reports why".to_owned(),
        evicted: false,
    })
}

impl Rule for PodFailed {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let found = pods_with(cx, |pod| failure(cx, pod));
        for group in group_by_owner(cx.inventory, found) {
            let (first, hit) = &group.members[0];
            let message = format!("{} failed: {}", group.subject(), hit.what);
            let help = if hit.evicted {
                "the node ran short of the resource the message names: see `node-under-pressure`; give the pods requests close to what they use (and limits) so that they are placed where there is room"
            } else {
                "read the container's log (`kubectl logs <pod>`) and fix what made it exit; for a Job, `backoffLimit` counts these failures"
            };
            let report = out.report(first, hit.anchor, message).help(help);
            let report = relate_group(
                report,
                &group,
                |h| h.anchor,
                |h| format!("also failed: {}", h.what),
            );
            let report = relate_events(report, cx, group.objects(), |e| e.type_ == Some("Warning"));
            relate_logs(report, cx, group.objects());
        }
    }
}
