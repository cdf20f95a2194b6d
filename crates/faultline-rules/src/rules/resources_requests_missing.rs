use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};

use crate::common::limit_range_default;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports app containers and sidecars that request no CPU or no memory.
    ///
    /// A request counts as set when `resources.requests` has it, or when `resources.limits`
    /// has it: the API server then defaults the request to the limit, so the scheduler does
    /// reserve it (kube-score warns about that case; faultline does not, since nothing is
    /// missing). A request written as a value the API rejects counts as set too
    /// (`invalid-quantity` reports it). Init containers that run to completion are skipped:
    /// the pod's request is the larger of their requests and the sum of the app containers',
    /// so a missing one lowers nothing. A default that a `LimitRange` of the namespace (in the
    /// input) gives containers counts as set: the LimitRanger admission plugin fills it in
    /// when the pod is created.
    ///
    /// ## Why it matters
    /// The scheduler places pods by their requests. A container without them is counted as
    /// needing nothing, so nodes are overcommitted without anyone deciding to; under memory
    /// pressure the kubelet evicts pods that use more than they requested first (a pod with
    /// no requests at all is `BestEffort`, the first to go), and CPU is shared by requests, so
    /// a container without one gets almost nothing when the node is busy.
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
    ///             requests:
    ///               memory: 512Mi
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
    ///             requests:
    ///               cpu: 250m
    ///               memory: 512Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Resource management for pods and containers: <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>
    /// - Pod quality of service classes: <https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/>
    pub struct ResourcesRequestsMissing {
        id: "resources-requests-missing",
        category: Resources,
        severity: Warning,
        summary: "a container requests no CPU or no memory, so the scheduler reserves nothing for it",
        params: [],
    }
}

impl Rule for ResourcesRequestsMissing {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.long_running_containers() {
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| {
                    c.resource(Resources::Requests, r).is_none()
                        && c.resource(Resources::Limits, r).is_none()
                        && limit_range_default(cx, obj, Resources::Requests, r).is_none()
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let what = missing
                .iter()
                .map(|r| format!("no {r} request"))
                .collect::<Vec<_>>()
                .join(" and ");
            let fields = missing
                .iter()
                .map(|r| format!("`resources.requests.{r}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            out.report(
                obj,
                c.anchor(&["resources", "requests"]),
                format!("container `{}` has {what}", c.name()),
            )
            .help(format!(
                "set {fields} to what the container needs at steady state; the scheduler reserves only what is requested"
            ));
        }
    }
}
