use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};

use crate::common::limit_range_default;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports app containers and sidecars without `resources.limits.memory`. Init containers
    /// that run to completion are skipped. A default limit that a `LimitRange` of the
    /// namespace (in the input) gives containers counts as set. CPU limits are deliberately not required: a CPU limit throttles
    /// a container even on an idle node, and the CPU request already decides its share under
    /// contention.
    ///
    /// ## Why it matters
    /// Memory, unlike CPU, cannot be taken back from a process. A container without a limit
    /// that leaks or spikes grows until the node runs out; the kernel then OOM-kills whatever
    /// it picks on that node and the kubelet evicts pods, so one faulty container takes its
    /// neighbours down. With a limit, only the offending container is OOM-killed (exit code
    /// 137) and restarted.
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
    ///             requests: {cpu: 250m, memory: 512Mi}
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
    ///             requests: {cpu: 250m, memory: 512Mi}
    ///             limits: {memory: 512Mi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Resource management for pods and containers: <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>
    /// - Assign memory resources to containers: <https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/>
    pub struct ResourcesMemoryLimitMissing {
        id: "resources-memory-limit-missing",
        category: Resources,
        severity: Warning,
        summary: "a container has no memory limit, so a leak can exhaust the node",
        params: [],
    }
}

impl Rule for ResourcesMemoryLimitMissing {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.long_running_containers() {
            if c.resource(Resources::Limits, "memory").is_some()
                || limit_range_default(cx, obj, Resources::Limits, "memory").is_some()
            {
                continue;
            }
            let request = c
                .resource(Resources::Requests, "memory")
                .and_then(|n| n.scalar_text());
            let help = match request {
                Some(r) => format!("set `resources.limits.memory` (for example to the request, {r}) so that a leak OOM-kills this container instead of exhausting the node"),
                None => "set `resources.limits.memory` (and a memory request) so that a leak OOM-kills this container instead of exhausting the node".to_owned(),
            };
            out.report(
                obj,
                c.anchor(&["resources", "limits"]),
                format!("container `{}` has no memory limit", c.name()),
            )
            .help(help);
        }
    }
}
