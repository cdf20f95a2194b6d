use faultline_diagnostics::Severity;
use faultline_graph::{Relation, from_a_cluster};
use faultline_model::Object;
use faultline_model::views::hpa::HorizontalPodAutoscaler;

use crate::presence::replicas_field;
use crate::sink::object_ref;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a HorizontalPodAutoscaler whose `minReplicas` (1 when absent) exceeds its
    /// `maxReplicas`, or whose `maxReplicas` is below 1 (errors: the API server rejects both).
    ///
    /// Also warns, on the workload, when a Deployment, StatefulSet or ReplicaSet that an
    /// autoscaler scales sets `spec.replicas` itself. Workloads exported from a cluster are not
    /// judged for this, since the API server writes `replicas` into every stored workload.
    ///
    /// ## Why it matters
    /// The autoscaler owns the replica count. A `replicas` in the manifest resets it on every
    /// `kubectl apply` (or Helm upgrade): a deployment during peak load scales the workload
    /// down to the written number until the autoscaler catches up, which can take minutes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: orders
    /// spec:
    ///   scaleTargetRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: orders
    ///   minReplicas: 12
    ///   maxReplicas: 10
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: orders
    /// spec:
    ///   scaleTargetRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: orders
    ///   minReplicas: 2
    ///   maxReplicas: 10
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Horizontal Pod Autoscaling: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling>
    pub struct HpaReplicasInvalid {
        id: "hpa-replicas-invalid",
        category: Workloads,
        severity: Error,
        summary: "a HorizontalPodAutoscaler's replica bounds are invalid, or its workload also sets replicas",
        params: [],
    }
}

impl Rule for HpaReplicasInvalid {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(hpa) = HorizontalPodAutoscaler::of(obj) else {
            return;
        };
        let min = hpa.min_replicas();
        if let Some(max) = hpa.max_replicas() {
            if max.value < 1 {
                out.report(
                    obj,
                    max.range(),
                    format!("`maxReplicas: {}` must be at least 1", max.value),
                )
                .help("set `maxReplicas` to the most replicas the workload may run");
            } else if min > max.value {
                let (range, written) = match hpa.min_replicas_field() {
                    Some(f) => (f.range(), format!("`minReplicas: {min}`")),
                    None => (max.range(), format!("the default `minReplicas` of {min}")),
                };
                let mut report = out
                    .report(obj, range, format!("{written} exceeds `maxReplicas: {}`; the API server rejects the autoscaler", max.value))
                    .help("make `minReplicas` at most `maxReplicas`");
                if hpa.min_replicas_field().is_some() {
                    report = report.related(obj, max.range(), "`maxReplicas`");
                }
                let _ = report;
            }
        }
        let Some(target) = cx
            .graph
            .reference(obj.id, Relation::ScaleTarget)
            .and_then(|r| r.target)
        else {
            return;
        };
        let workload = cx.inventory.get(target);
        // The API server writes `replicas` into every stored workload.
        if from_a_cluster(workload)
            || !matches!(workload.kind, "Deployment" | "StatefulSet" | "ReplicaSet")
        {
            return;
        }
        let Some(replicas) = replicas_field(workload) else {
            return;
        };
        out.report(
            workload,
            replicas.range(),
            format!(
                "{} sets `replicas: {}` while {} scales it between {min} and {}; every apply resets the count to {}",
                object_ref(workload),
                replicas.value,
                object_ref(obj),
                hpa.max_replicas().map_or_else(|| "?".to_owned(), |m| m.value.to_string()),
                replicas.value,
            ),
        )
        .severity(Severity::Warning)
        .help("remove `spec.replicas` from the workload and let the autoscaler own the count")
        .related(obj, hpa.scale_target().map_or_else(|| obj.kind_range(), |t| t.node.range()), "the autoscaler");
    }
}
