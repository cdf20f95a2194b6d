use std::collections::HashMap;

use faultline_model::Object;
use faultline_model::pod_status::PodStatus;
use faultline_model::selectors::parse_map_selector;
use faultline_model::views::{EndpointSlice, Endpoints};
use faultline_syntax::{NodeRef, TextRange};

use crate::evidence::{MAX_RELATED_PODS, count, display};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Services with a selector whose Endpoints or EndpointSlices in the input list no
    /// ready address. The finding points at the Service's selector, counts the ready and
    /// not-ready addresses, and relates the Endpoints/EndpointSlices and the pods the selector
    /// matches, each with its status (`CrashLoopBackOff`, `Running` but not ready, …).
    ///
    /// It only judges what the input records: a Service is checked when its Endpoints (same
    /// name) or EndpointSlices (label `kubernetes.io/service-name`) are in the input, that is,
    /// in a snapshot. A snapshot without them (`kubectl cluster-info dump` exports no
    /// Endpoints) is judged from the pods: when the selector matches Pods that all report
    /// their readiness (a `Ready` condition, or a phase that ended) and none of them is ready,
    /// the endpoint controller lists no ready address either.
    /// Manifests hold neither, so a manifest never triggers it (whether a selector matches
    /// any pod template at all is another question, for the services rules). Services
    /// without a selector (endpoints managed by hand) and `ExternalName` Services are skipped.
    ///
    /// ## Why it matters
    /// Every connection to the Service fails (`connection refused` or a timeout) although
    /// pods exist. Either no pod carries the selector's labels, or the pods are not ready:
    /// crashing, or failing a readiness probe on the wrong port or path.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: payment
    ///   ports:
    ///     - port: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Endpoints
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// subsets:
    ///   - notReadyAddresses:
    ///       - ip: 10.0.3.17
    ///     ports:
    ///       - port: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The pod behind it is ready.
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: payment
    ///   ports:
    ///     - port: 8080
    /// ---
    /// apiVersion: v1
    /// kind: Endpoints
    /// metadata:
    ///   name: payment
    ///   namespace: shop
    /// subsets:
    ///   - addresses:
    ///       - ip: 10.0.3.17
    ///     ports:
    ///       - port: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Services and their endpoints: <https://kubernetes.io/docs/concepts/services-networking/service/#endpoints>
    /// - EndpointSlice conditions: <https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions>
    pub struct ServiceNoReadyEndpoints {
        id: "service-no-ready-endpoints",
        category: Status,
        severity: Error,
        summary: "a Service's endpoints list no ready address, so every connection to it fails",
        params: [],
    }
}

/// The key `key` of the mapping `parent`.
fn key_of(parent: NodeRef<'_>, key: &str) -> Option<TextRange> {
    parent.entry(key).map(|(k, _)| k.range())
}

/// Ready and not-ready addresses of an Endpoints or EndpointSlice object, and where to point:
/// the first not-ready address list or condition.
fn addresses(obj: &Object<'_>) -> (usize, usize, TextRange) {
    let (mut ready, mut not_ready, mut anchor) = (0, 0, None);
    if let Some(ep) = Endpoints::of(obj) {
        for subset in ep.subsets() {
            ready += subset.addresses().count();
            not_ready += subset.not_ready_addresses().count();
            if subset.not_ready_addresses().next().is_some() {
                anchor = anchor.or(key_of(subset.node, "notReadyAddresses"));
            }
        }
    } else if let Some(slice) = EndpointSlice::of(obj) {
        for e in slice.endpoints() {
            let conditions = e.conditions();
            if conditions.is_ready() {
                ready += 1;
            } else {
                not_ready += 1;
                anchor = anchor.or(conditions.ready.map(|r| {
                    key_of(e.node.get("conditions").unwrap_or(r.node), "ready")
                        .map_or(r.range(), |k| k.cover(r.range()))
                }));
            }
        }
    }
    let list = if obj.kind == "Endpoints" {
        "subsets"
    } else {
        "endpoints"
    };
    let anchor = anchor
        .or_else(|| key_of(obj.node, list))
        .unwrap_or_else(|| obj.kind_range());
    (ready, not_ready, anchor)
}

impl Rule for ServiceNoReadyEndpoints {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        let mut slices: HashMap<(Option<&str>, &str), Vec<&Object<'_>>> = HashMap::new();
        for s in inventory.of_kind("EndpointSlice") {
            if let Some(svc) = EndpointSlice::of(s).and_then(|v| v.service_name()) {
                slices.entry((s.namespace, svc.value)).or_default().push(s);
            }
        }
        for svc in inventory.of_kind("Service") {
            let Some(spec) = svc.spec() else { continue };
            if spec.get("type").and_then(|t| t.scalar_text()) == Some("ExternalName") {
                continue;
            }
            let Some(selector_node) = spec.get("selector").filter(|s| s.is_map() && !s.is_empty())
            else {
                continue;
            };
            let mut evidence: Vec<&Object<'_>> = Vec::new();
            if let Some(ep) = inventory.find("Endpoints", svc.namespace, svc.name) {
                evidence.push(ep);
            }
            evidence.extend(slices.get(&(svc.namespace, svc.name)).into_iter().flatten());
            // Without Endpoints, only a snapshot's pods (with their status) can tell.
            if evidence.is_empty() && !cx.graph.is_snapshot() {
                continue;
            }
            let counts: Vec<_> = evidence.iter().map(|o| addresses(o)).collect();
            let ready: usize = counts.iter().map(|c| c.0).sum();
            if ready > 0 {
                continue;
            }
            let not_ready: usize = counts.iter().map(|c| c.1).sum();
            let parsed = parse_map_selector(selector_node);
            let shown: Vec<String> = parsed
                .selector
                .match_labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let ns = svc.namespace.unwrap_or("default");
            let pods: Vec<&Object<'_>> = cx
                .graph
                .pods
                .select(ns, &parsed.selector)
                .into_iter()
                .map(|id| inventory.get(cx.graph.pods.pod(id).object))
                .filter(|o| o.kind == "Pod")
                .collect();
            let now = cx.now();
            let pod_statuses: Vec<Option<PodStatus<'_>>> =
                pods.iter().map(|p| PodStatus::of(p)).collect();
            let statuses: Vec<_> = pod_statuses
                .iter()
                .map(|s| s.as_ref().map(|s| s.classify(now)))
                .collect();
            let ready_pods = statuses
                .iter()
                .flatten()
                .filter(|c| c.ready.0 > 0 && c.ready.0 == c.ready.1)
                .count();
            // Without Endpoints in the input, judge from the pods when every one of them
            // reports its readiness (a `Ready` condition, or a phase that ended) and none is
            // ready. Pod lists stripped of their conditions say nothing either way.
            let reported = |s: &Option<PodStatus<'_>>| {
                s.as_ref().is_some_and(|s| {
                    s.condition("Ready").is_some()
                        || s.phase
                            .is_some_and(|ph| matches!(ph.value, "Succeeded" | "Failed"))
                })
            };
            if evidence.is_empty()
                && (pods.is_empty() || !pod_statuses.iter().all(reported) || ready_pods > 0)
            {
                continue;
            }
            let sources: Vec<String> = evidence.iter().map(|o| display(o)).collect();
            let matched = if pods.is_empty() {
                "no pod in the input".to_owned()
            } else {
                format!("{}, {ready_pods} ready", count(pods.len(), "pod"))
            };
            let listed = if sources.is_empty() {
                "the snapshot holds no Endpoints for it, and none of its pods is ready".to_owned()
            } else {
                format!(
                    "{} {} 0 ready and {} not-ready {}",
                    sources.join(" and "),
                    if sources.len() > 1 { "list" } else { "lists" },
                    not_ready,
                    if not_ready == 1 {
                        "address"
                    } else {
                        "addresses"
                    },
                )
            };
            let message = format!(
                "{} has no ready endpoints: {listed}; its selector `{}` matches {matched}",
                display(svc),
                shown.join(","),
            );
            let help = if pods.is_empty() && not_ready == 0 {
                "no pod carries the selector's labels: fix the selector or the pod template's labels"
            } else {
                "make the pods behind it ready: see why each one fails below (a crash, or a readiness probe on the wrong port or path)"
            };
            let at = key_of(spec, "selector").unwrap_or_else(|| selector_node.range());
            let mut report = out.report(svc, at, message).help(help);
            for (obj, (r, n, anchor)) in evidence.iter().zip(&counts) {
                report = report.related(obj, *anchor, format!("{r} ready, {n} not ready"));
            }
            for (pod, status) in pods.iter().zip(&statuses).take(MAX_RELATED_PODS) {
                let note = match status {
                    Some(c) => format!(
                        "selected pod: `{}`, {}/{} ready ({})",
                        c.status, c.ready.0, c.ready.1, c.why
                    ),
                    None => "selected pod, no status".to_owned(),
                };
                report = report.related(pod, pod.kind_range(), note);
            }
        }
    }
}
