use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::views::ResourceQuota;

use crate::admission::AdmittedPod;
use crate::common::creates_pods;
use crate::quota::{REQUIRES_SETTING, ScopeMatch, container_usage, hard, scope_match};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container without a CPU or memory request (or limit) in a namespace whose
    /// ResourceQuota (in the input) constrains it: `requests.cpu`, `requests.memory`, or the
    /// bare `cpu` and `memory` (which mean requests) need a request in every container;
    /// `limits.cpu` and `limits.memory` need a limit. Every container counts, init containers
    /// included; ephemeral containers do not.
    ///
    /// A request counts when it is written, when a limit is written for the same resource
    /// (the API server copies it), or when a LimitRange of the namespace (in the input) gives
    /// a default. Quotas whose scopes do not match the pod are skipped (`Terminating`,
    /// `NotTerminating`, `BestEffort`, `NotBestEffort`, `PriorityClass` and
    /// `CrossNamespacePodAffinity` are evaluated; a quota with any other scope is skipped, as
    /// faultline cannot tell whether it applies). Other resources (`ephemeral-storage`,
    /// extended resources, `pods`) are counted by quotas but never required.
    ///
    /// Pods read from a cluster are skipped (they were admitted already), and so are pod
    /// templates whose owner is in the input. A pod that sets pod-level `spec.resources` is
    /// skipped too: with the `PodLevelResources` feature the quota no longer requires
    /// container values.
    ///
    /// ## Why it matters
    /// The quota admission plugin refuses every pod with such a container (`failed quota:
    /// compute: must specify limits.memory for: api`). The Deployment or Job itself is
    /// accepted, so nothing fails at apply time: its controller keeps retrying, the error
    /// shows up only as `FailedCreate` events, and the workload never gets a pod.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     requests.cpu: "8"
    ///     limits.memory: 16Gi
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
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
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     requests.cpu: "8"
    ///     limits.memory: 16Gi
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
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
    ///             limits: {memory: 512Mi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Resource quotas, compute resource quota: <https://kubernetes.io/docs/concepts/policy/resource-quotas/#compute-resource-quota>
    /// - Configure default requests and limits for a namespace: <https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/memory-default-namespace/>
    pub struct QuotaRequiresRequests {
        id: "quota-requires-requests",
        category: Quota,
        severity: Error,
        summary: "a ResourceQuota constrains a request or limit a container does not set, so the API server refuses its pods",
        params: [],
    }
}

/// `requests.cpu` → "cpu request", `limits.memory` → "memory limit", `cpu` → "cpu request".
fn field(quota_name: &str) -> (&'static str, &str) {
    match quota_name.split_once('.') {
        Some(("limits", r)) => ("limits", r),
        Some(("requests", r)) => ("requests", r),
        _ => ("requests", quota_name),
    }
}

impl Rule for QuotaRequiresRequests {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        let Some(namespace) = obj.namespace else {
            return;
        };
        let quotas: Vec<ResourceQuota<'_>> = cx
            .graph
            .objects_of("ResourceQuota", Some(namespace))
            .iter()
            .filter_map(|id| ResourceQuota::of(cx.inventory.get(*id)))
            .collect();
        if quotas.is_empty() || !creates_pods(cx, obj) {
            return;
        }
        let admitted = AdmittedPod::of(cx, obj, pod);
        if admitted.has_pod_level_resources() {
            return;
        }
        // (quota, its hard entries that oblige containers to set something)
        let mut requiring = Vec::new();
        for quota in &quotas {
            let entries: Vec<_> = hard(quota)
                .into_iter()
                .filter(|h| REQUIRES_SETTING.contains(&h.name.value))
                .collect();
            if entries.is_empty() || scope_match(cx, quota, &admitted) != ScopeMatch::Matches {
                continue;
            }
            requiring.push((quota, entries));
        }
        if requiring.is_empty() {
            return;
        }
        for c in &admitted.containers {
            let usage = container_usage(c);
            let mut missing: Vec<(&str, &str)> = Vec::new();
            let mut related = Vec::new();
            for (quota, entries) in &requiring {
                for h in entries {
                    if usage.iter().any(|u| u == h.name.value) {
                        continue;
                    }
                    let f = field(h.name.value);
                    if !missing.contains(&f) {
                        missing.push(f);
                    }
                    related.push((quota.object, *h));
                }
            }
            if missing.is_empty() {
                continue;
            }
            missing.sort();
            let what = missing
                .iter()
                .map(|(kind, r)| format!("no {r} {}", &kind[..kind.len() - 1]))
                .collect::<Vec<_>>()
                .join(" and ");
            let fields = missing
                .iter()
                .map(|(kind, r)| format!("`resources.{kind}.{r}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            let mut names: Vec<&str> = related.iter().map(|(_, h)| h.name.value).collect();
            names.sort_unstable();
            names.dedup();
            let mut constrained: Vec<String> = related
                .iter()
                .map(|(q, h)| format!("`{}` of ResourceQuota `{}`", h.name.value, q.name))
                .collect();
            constrained.dedup();
            // Point at what is missing: the requests if any request is, else the limits.
            let key = if missing.iter().any(|(k, _)| *k == "requests") {
                "requests"
            } else {
                "limits"
            };
            let mut report = out
                .report(
                    obj,
                    c.container.anchor(&["resources", key]),
                    format!(
                        "container `{}` has {what}, and no LimitRange gives it one, but {} constrains it: the API server refuses the pod (\"must specify {} for: {}\")",
                        c.container.name(),
                        constrained.join(" and "),
                        names.join(", "),
                        c.container.name(),
                    ),
                )
                .help(format!(
                    "set {fields} in the container, or give the namespace a LimitRange with defaults for them"
                ));
            for (q, h) in &related {
                report = report.related(
                    q,
                    h.range(),
                    format!("ResourceQuota `{}` constrains `{}`", q.name, h.name.value),
                );
            }
        }
    }
}
