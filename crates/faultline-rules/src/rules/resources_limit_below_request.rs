use faultline_diagnostics::Location;
use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};
use faultline_syntax::NodeRef;

use crate::common::limit_range_default;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose request for a resource (CPU, memory, ephemeral storage,
    /// huge pages, an extended resource) is larger than its limit for the same resource. The
    /// comparison is exact (`1Gi` is more than `1G`, `1000m` equals `1`). Values that are not
    /// valid quantities are left to `invalid-quantity`. Every container is checked, init
    /// containers included. A request without a limit is compared with the default limit a
    /// `LimitRange` of the namespace (in the input) gives the container: admission fills that
    /// limit in and then rejects the pod just the same.
    ///
    /// ## Why it matters
    /// The API server rejects the pod ("must be less than or equal to the limit"), and for a
    /// workload the rejection shows up only in the controller's events: the Deployment is
    /// accepted, its ReplicaSet cannot create a single pod, and the rollout hangs.
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
    ///             requests: {cpu: "1", memory: 1Gi}
    ///             limits: {cpu: 500m, memory: 1G}
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
    ///             requests: {cpu: 500m, memory: 1Gi}
    ///             limits: {cpu: "1", memory: 1Gi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Requests and limits: <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits>
    pub struct ResourcesLimitBelowRequest {
        id: "resources-limit-below-request",
        category: Resources,
        severity: Error,
        summary: "a container requests more of a resource than its limit allows, and the API server rejects the pod",
        params: [],
    }
}

fn written(n: NodeRef<'_>) -> String {
    n.scalar_text().unwrap_or_default().trim().to_owned()
}

impl Rule for ResourcesLimitBelowRequest {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.containers() {
            for (key, _) in c.resources(Resources::Requests) {
                let Some(name) = key.scalar_text() else {
                    continue;
                };
                let Some(request) = c.resource_quantity(Resources::Requests, name) else {
                    continue;
                };
                // The container's own limit, or the default a LimitRange gives it.
                let (limit, from) = match c.resource_quantity(Resources::Limits, name) {
                    Some(limit) => (limit, None),
                    None if c.resource(Resources::Limits, name).is_some() => continue,
                    None => match limit_range_default(cx, obj, Resources::Limits, name) {
                        Some(d) => (d.quantity, Some(d.limit_range)),
                        None => continue,
                    },
                };
                if limit.value >= request.value {
                    continue;
                }
                let whose = match &from {
                    None => "its limit".to_owned(),
                    Some(lr) => format!("the default limit from LimitRange `{}`", lr.name),
                };
                let report = out
                    .report(
                        obj,
                        request.range(),
                        format!(
                            "container `{}` requests {} {name} but {whose} is {}; the API server rejects requests above limits",
                            c.name(),
                            written(request.node),
                            written(limit.node),
                        ),
                    )
                    .help(format!(
                        "lower `resources.requests.{name}` to at most {} or set a higher `resources.limits.{name}`",
                        written(limit.node)
                    ));
                match from {
                    None => report.related_at(
                        Location::new(obj.file, limit.range()),
                        format!("the {name} limit"),
                    ),
                    Some(lr) => {
                        report.related(&lr, limit.range(), format!("the default {name} limit"))
                    }
                };
            }
        }
    }
}
