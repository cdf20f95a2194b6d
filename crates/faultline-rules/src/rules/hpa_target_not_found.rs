use faultline_diagnostics::Severity;
use faultline_graph::Relation;
use faultline_model::Object;

use crate::presence::{similar_name, tight_range};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a HorizontalPodAutoscaler whose `scaleTargetRef` names an object that is not in
    /// its namespace (custom resources count when they are in the input), or names a kind that
    /// cannot be scaled (DaemonSet, Job, CronJob, Pod, Service). An autoscaler without a
    /// `scaleTargetRef` kind or name is reported too.
    ///
    /// A missing target is an error when the input shows the namespace's workloads (it has a
    /// pod, a pod template or an object of the target's kind there, or is declared
    /// `--complete`), and information otherwise.
    ///
    /// ## Why it matters
    /// The autoscaler reports `FailedGetScale` and never scales anything: the workload stays
    /// at whatever replica count it has when load arrives.
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
    ///     name: order-service
    ///   minReplicas: 2
    ///   maxReplicas: 10
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: orders
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: orders
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: orders
    ///     spec:
    ///       containers:
    ///         - name: orders
    ///           image: registry.example.com/orders:3.0.1
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
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: orders
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: orders
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: orders
    ///     spec:
    ///       containers:
    ///         - name: orders
    ///           image: registry.example.com/orders:3.0.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Horizontal Pod Autoscaling: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/>
    pub struct HpaTargetNotFound {
        id: "hpa-target-not-found",
        category: Workloads,
        severity: Error,
        summary: "a HorizontalPodAutoscaler's scale target does not exist or cannot be scaled",
        params: [],
    }
}

const UNSCALABLE: &[&str] = &["DaemonSet", "Job", "CronJob", "Pod", "Service", "ConfigMap"];

impl Rule for HpaTargetNotFound {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !obj.is("HorizontalPodAutoscaler") {
            return;
        }
        let namespace = obj.namespace.unwrap_or("default");
        let Some(r) = cx.graph.reference(obj.id, Relation::ScaleTarget) else {
            let at = obj.node.path(&["spec", "scaleTargetRef"]).map_or_else(
                || obj.spec().map_or_else(|| obj.kind_range(), tight_range),
                tight_range,
            );
            out.report(obj, at, "`scaleTargetRef` needs a `kind` and a `name`")
                .help("name the Deployment, StatefulSet or other scalable object the autoscaler should scale");
            return;
        };
        let (kind, name) = (r.kind, r.name.value);
        if UNSCALABLE.contains(&kind) {
            out.report(obj, r.name.range(), format!("`scaleTargetRef` names {kind} `{name}`, which has no `scale` subresource and cannot be autoscaled"))
                .help("target a Deployment, StatefulSet, ReplicaSet or a custom resource with a scale subresource");
            return;
        }
        if r.target.is_some() {
            return;
        }
        let shows = cx.settings.complete
            || !cx.graph.pods.in_namespace(namespace).is_empty()
            || cx.graph.count(kind, obj.namespace) > 0;
        let mut message = format!(
            "`scaleTargetRef` names {kind} `{name}`, which is not in namespace `{namespace}`"
        );
        if let Some(similar) = similar_name(cx, kind, obj.namespace, name) {
            message.push_str(&format!("; did you mean `{similar}`?"));
        }
        out.report(obj, r.name.range(), message)
            .severity(if shows {
                Severity::Error
            } else {
                Severity::Info
            })
            .help(format!(
                "name an existing {kind} in the autoscaler's namespace, or add it"
            ));
    }
}
