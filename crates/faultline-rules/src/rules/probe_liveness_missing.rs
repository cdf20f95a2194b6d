use faultline_model::Object;
use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::probe::ProbeKind;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports app containers without a `livenessProbe` in pods that are meant to run for
    /// good: Pods with `restartPolicy: Always` (the default) and the templates of Deployments,
    /// ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers. Jobs, CronJobs and
    /// Pods with `restartPolicy` `Never` or `OnFailure` run to completion and are skipped, as
    /// are init containers, sidecars and ephemeral containers.
    ///
    /// ## Why it matters
    /// Without a liveness probe the kubelet restarts a container only when its process exits.
    /// A process that deadlocks, or loses a connection it never re-establishes, stays up and
    /// keeps its place (and, with a readiness probe that still passes, its traffic) until a
    /// person notices. A liveness probe is also easy to get wrong (see
    /// `probe-liveness-kills-slow-start` and `probe-liveness-equals-readiness`), which is why
    /// this is information rather than a warning.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: worker
    /// spec:
    ///   selector:
    ///     matchLabels: {app: worker}
    ///   template:
    ///     metadata:
    ///       labels: {app: worker}
    ///     spec:
    ///       containers:
    ///         - name: worker
    ///           image: registry.example.com/worker:3.1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: worker
    /// spec:
    ///   selector:
    ///     matchLabels: {app: worker}
    ///   template:
    ///     metadata:
    ///       labels: {app: worker}
    ///     spec:
    ///       containers:
    ///         - name: worker
    ///           image: registry.example.com/worker:3.1.0
    ///           livenessProbe:
    ///             exec: {command: [/bin/worker, healthcheck]}
    ///             periodSeconds: 30
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Configure liveness, readiness and startup probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/>
    pub struct ProbeLivenessMissing {
        id: "probe-liveness-missing",
        category: Probes,
        severity: Info,
        summary: "a long-running container has no liveness probe",
        params: [],
    }
}

impl Rule for ProbeLivenessMissing {
    fn check_pod(
        &self,
        _cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if matches!(obj.kind, "Job" | "CronJob")
            || pod
                .restart_policy()
                .is_some_and(|p| p.value == "Never" || p.value == "OnFailure")
        {
            return;
        }
        for c in pod.containers().filter(|c| c.kind == ContainerKind::App) {
            // A probe written with the wrong shape is not missing; the API server reports it.
            if c.node
                .get(ProbeKind::Liveness.field())
                .is_some_and(|p| !p.is_null())
            {
                continue;
            }
            out.report(
                obj,
                c.anchor(&[]),
                format!("container `{}` has no liveness probe", c.name()),
            )
            .help("add a livenessProbe that checks only that the process can make progress (a cheap endpoint or command, no dependencies), so the kubelet restarts it when it hangs");
        }
    }
}
