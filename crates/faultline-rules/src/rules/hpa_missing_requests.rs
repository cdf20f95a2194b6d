use faultline_graph::Relation;
use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};
use faultline_model::views::hpa::HorizontalPodAutoscaler;

use crate::admission::AdmittedPod;
use crate::common::is_managed;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that requests no CPU (or memory) in a workload whose
    /// HorizontalPodAutoscaler (in the input) scales on that resource's **utilization**:
    /// `type: Resource` or `type: ContainerResource` metrics with a `Utilization` target
    /// (`autoscaling/v2`, `v2beta2`), `targetAverageUtilization` (`v2beta1`), or
    /// `targetCPUUtilizationPercentage` (`autoscaling/v1`).
    ///
    /// For a `Resource` metric every app container and sidecar must request the resource; for a
    /// `ContainerResource` metric, only the container it names. Init containers that run to
    /// completion do not count. A request counts when it is written, when a limit is written
    /// for the same resource (the API server copies it), or when a LimitRange of the
    /// namespace (in the input) gives a default. Targets of type `AverageValue` need no
    /// request and are not checked. A pod that sets pod-level `spec.resources` for the
    /// resource is not checked.
    ///
    /// ## Why it matters
    /// Utilization is usage divided by request. With a container that requests nothing, the
    /// autoscaler cannot compute it for any pod (`failed to get cpu utilization: missing
    /// request for cpu in container app`): the HPA's `ScalingActive` condition turns `False`
    /// with `FailedGetResourceMetric`, and the workload stays at its current size however
    /// high the load goes. Sidecars are a common cause: an injected proxy without requests
    /// disables CPU autoscaling of every pod it joins.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels: {app: api}
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           resources:
    ///             requests: {cpu: 500m, memory: 512Mi}
    ///         - name: log-shipper
    ///           image: registry.example.com/shipper:2.1
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: api
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels: {app: api}
    ///   template:
    ///     metadata:
    ///       labels: {app: api}
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           resources:
    ///             requests: {cpu: 500m, memory: 512Mi}
    ///         - name: log-shipper
    ///           image: registry.example.com/shipper:2.1
    ///           resources:
    ///             requests: {cpu: 50m, memory: 64Mi}
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: api
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 70}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Horizontal Pod Autoscaling, how it works: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#how-does-a-horizontalpodautoscaler-work>
    /// - Container resource metrics: <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics>
    pub struct HpaMissingRequests {
        id: "hpa-missing-requests",
        category: Resources,
        severity: Error,
        summary: "an autoscaler scales on the utilization of a resource a container does not request, so it cannot scale",
        params: [],
    }
}

impl Rule for HpaMissingRequests {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        let hpas = cx.graph.referring(obj.id, Relation::ScaleTarget);
        if hpas.is_empty() || is_managed(cx, obj) {
            return;
        }
        let admitted = AdmittedPod::of(cx, obj, pod);
        for id in hpas {
            let hpa_obj = cx.inventory.get(id);
            let Some(hpa) = HorizontalPodAutoscaler::of(hpa_obj) else {
                continue;
            };
            for metric in hpa.metrics() {
                let Some(target) = metric.utilization else {
                    continue;
                };
                let resource = metric.resource_name();
                let Some(only) = metric.containers_measured() else {
                    continue;
                };
                let pod_level =
                    faultline_model::views::quantities(pod.spec.path(&["resources", "requests"]))
                        .any(|q| q.name.value == resource);
                if pod_level {
                    continue;
                }
                let what = match only {
                    Some(c) => format!("the {resource} utilization of its container `{c}`"),
                    None => format!("average {resource} utilization"),
                };
                for c in admitted
                    .containers
                    .iter()
                    .filter(|c| c.container.is_long_running())
                    .filter(|c| only.is_none_or(|name| c.container.name() == name))
                {
                    if c.get(Resources::Requests, resource).is_some() {
                        continue;
                    }
                    let name = c.container.name();
                    out.report(
                        obj,
                        c.container.anchor(&["resources", "requests"]),
                        format!(
                            "container `{name}` requests no {resource}, but HorizontalPodAutoscaler `{}` scales {} `{}` on {what} ({} %): it cannot compute the utilization (\"missing request for {resource} in container {name}\") and does not scale",
                            hpa_obj.name, obj.kind, obj.name, target.value,
                        ),
                    )
                    .help(format!(
                        "set `resources.requests.{resource}` in container `{name}` (sidecars included), or scale on an `AverageValue` target instead of `Utilization`"
                    ))
                    .related(hpa_obj, target.range(), format!("the {resource} utilization target of HorizontalPodAutoscaler `{}`", hpa_obj.name));
                }
            }
        }
    }
}
