//! What the input says about objects it does not contain, shared by the rules that report
//! references to absent objects, and small readers for workload fields those rules need.
//!
//! A rendered Helm chart or a directory of manifests is rarely everything a cluster holds:
//! Secrets come from a vault, ConfigMaps from another chart, the StorageClass from the cloud
//! provider. An absent target is therefore a warning only when the input is declared complete
//! (`--complete`, `complete: true`) or the reference comes from a cluster export that
//! contains objects of that kind in that namespace (an export that left out every Secret says
//! nothing about any one Secret); otherwise it is information.

use faultline_diagnostics::Severity;
use faultline_graph::{PodShape, edit_distance_within, from_a_cluster, generated_label};
use faultline_model::{Field, Object, ObjectId, field};

use faultline_graph::PodId;
use faultline_model::pod::PodTemplate;
use faultline_model::selector::LabelSelector;
use faultline_syntax::TextRange;

use crate::sink::Report;
use crate::sink::object_ref;
use crate::{Context, Sink};

/// How strongly the input shows that an object of `kind` that `referrer` names and the input
/// lacks is really missing: a warning when the input is declared complete, or when the
/// referrer comes from a cluster export that holds objects of that kind in that namespace
/// (any namespace for cluster-scoped kinds); information otherwise.
pub(crate) fn absent_severity(
    cx: &Context<'_>,
    referrer: &Object<'_>,
    kind: &str,
    namespace: Option<&str>,
) -> Severity {
    let shown = from_a_cluster(referrer) && cx.graph.snapshot_has(kind, namespace);
    if cx.settings.complete || shown {
        Severity::Warning
    } else {
        Severity::Info
    }
}

/// Whether a label selector that matches nothing in `namespace` is a finding, or may select
/// pods the input does not show:
///
/// - for an object exported from a cluster, the real pods are there: judged whenever the
///   export holds Pods at all;
/// - pods an operator creates from a custom resource (whose labels the selector matches) are
///   never in manifests: not judged;
/// - with `--complete`: judged;
/// - when the selector matches pods in another namespace of the input: judged (the object is
///   most likely in the wrong namespace);
/// - otherwise judged only when some pod shape in the namespace carries one of the
///   selector's label keys, so a near miss (`app=user-svc` against `app=user-service`) is
///   caught while a chart's Service selecting pods another chart deploys is left alone.
pub(crate) fn judge_empty_selection(
    cx: &Context<'_>,
    object: &Object<'_>,
    namespace: &str,
    selector: &LabelSelector,
) -> bool {
    if from_a_cluster(object) {
        return cx.graph.snapshot_has("Pod", None);
    }
    if cx.graph.operator_resource(namespace, selector).is_some() {
        return false;
    }
    if cx.settings.complete || matches_elsewhere(cx, namespace, selector).is_some() {
        return true;
    }
    some_pod_has_a_key(cx, namespace, selector)
}

/// Whether some pod shape of `namespace` carries one of the label keys `selector` tests.
pub(crate) fn some_pod_has_a_key(
    cx: &Context<'_>,
    namespace: &str,
    selector: &LabelSelector,
) -> bool {
    let keys: Vec<&str> = selector
        .match_labels
        .iter()
        .map(|(k, _)| k.as_str())
        .chain(selector.match_expressions.iter().map(|r| r.key.as_str()))
        .collect();
    cx.graph
        .pods
        .in_namespace(namespace)
        .iter()
        .any(|p| keys.iter().any(|k| cx.graph.pods.pod(*p).has_label(k)))
}

/// The first pod shape outside `namespace` that `selector` matches, by namespace name.
pub(crate) fn matches_elsewhere(
    cx: &Context<'_>,
    namespace: &str,
    selector: &LabelSelector,
) -> Option<PodId> {
    cx.graph
        .pods
        .namespaces()
        .into_iter()
        .filter(|ns| *ns != namespace)
        .find_map(|ns| cx.graph.pods.select(ns, selector).first().copied())
}

/// Whether some scalar under `node` mentions the number `n` on its own (`18080`,
/// `--port=18080`, `0.0.0.0:18080`, but not `180800`).
pub(crate) fn mentions_number(node: faultline_syntax::NodeRef<'_>, n: i64) -> bool {
    let needle = n.to_string();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.is_map() {
            stack.extend(node.entries().map(|(_, v)| v));
        } else if node.is_seq() {
            stack.extend(node.items());
        } else if let Some(text) = node.scalar_text() {
            let bytes = text.as_bytes();
            let found = text.match_indices(&needle).any(|(i, _)| {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + needle.len()).copied();
                !before.is_some_and(|b| b.is_ascii_digit())
                    && !after.is_some_and(|b| b.is_ascii_digit())
            });
            if found {
                return true;
            }
        }
    }
    false
}

/// `spec.replicas` as written.
pub(crate) fn replicas_field<'a>(obj: &Object<'a>) -> Option<Field<'a, i64>> {
    field::int(obj.spec(), "replicas")
}

/// How many pods a workload runs at the least: its `spec.replicas` (1 when absent), or the
/// `minReplicas` of an autoscaler that scales it, since the autoscaler owns the count; a bare
/// Pod is one. `None` for kinds whose count the manifests do not say (DaemonSets: one per
/// node; Jobs; custom resources).
pub(crate) fn fewest_pods(cx: &Context<'_>, workload: ObjectId) -> Option<(i64, Option<ObjectId>)> {
    let obj = cx.inventory.get(workload);
    match obj.kind {
        "Pod" => Some((1, None)),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController" => {
            let hpa = cx
                .graph
                .referring(workload, faultline_graph::Relation::ScaleTarget)
                .into_iter()
                .next();
            if let Some(h) = hpa {
                let view =
                    faultline_model::views::hpa::HorizontalPodAutoscaler::of(cx.inventory.get(h))?;
                return Some((view.min_replicas(), Some(h)));
            }
            Some((replicas_field(obj).map_or(1, |f| f.value), None))
        }
        _ => None,
    }
}

/// Names of `kind` in `namespace` within a small edit distance of `name`, closest first, for
/// "did you mean" hints. Scans one kind, and is called only for a reference already missing.
pub(crate) fn similar_name<'a>(
    cx: &Context<'a>,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Option<&'a str> {
    let candidates = cx.graph.objects_of(kind, namespace);
    // A hint is not worth a quadratic scan of a huge namespace.
    if candidates.len() > 500 {
        return None;
    }
    candidates
        .iter()
        .map(|id| cx.inventory.get(*id).name)
        .filter(|n| !n.is_empty())
        .filter_map(|n| {
            let limit = (name.len().max(n.len()) / 4).max(1);
            // The length difference bounds the distance from below: skip the hopeless.
            (name.len().abs_diff(n.len()) <= limit)
                .then(|| edit_distance_within(name, n, limit).map(|d| (d, n)))
                .flatten()
        })
        .min()
        .map(|(_, n)| n)
}

/// How `labels` of a near miss read against the selector: `app=user-service`, `tier` absent.
fn near_miss(selector: &LabelSelector, shape: &PodShape<'_>) -> String {
    let wanted = selector
        .match_labels
        .iter()
        .map(|(k, v)| (k, Some(v)))
        .chain(selector.match_expressions.iter().map(|r| (&r.key, None)));
    let mut parts: Vec<String> = Vec::new();
    for (k, v) in wanted {
        parts.push(match (shape.labels.get(k.as_str()), v) {
            (Some(have), _) => format!("`{k}={have}`"),
            (None, Some(v))
                if shape
                    .template_of
                    .and_then(|(kind, name)| generated_label(kind, name, k, Some(v)))
                    == Some(false) =>
            {
                format!("`{k}` set by its controller, never to `{v}`")
            }
            (None, _) if shape.has_label(k) => format!("`{k}` set by its controller"),
            (None, _) => format!("no `{k}` label"),
        });
    }
    parts.dedup();
    parts.join(", ")
}

/// Where a pod shape's labels are written, for related locations.
fn labels_range(obj: &Object<'_>) -> TextRange {
    PodTemplate::of(obj)
        .and_then(|t| t.metadata)
        .and_then(|m| m.get("labels"))
        .map_or_else(|| obj.kind_range(), tight_range)
}

/// The pod shape's object, named as `Kind/namespace/name`.
fn shape_name(cx: &Context<'_>, pod: PodId) -> String {
    object_ref(cx.inventory.get(cx.graph.pods.pod(pod).object)).to_string()
}

/// Reports `selector` (written at `node`) matching nothing in `namespace`: the message names
/// the closest pod shape and how its labels differ, and a namespace where the selector does
/// match; the closest shape's labels are a related location.
pub(crate) fn report_empty_selection<'s>(
    cx: &Context<'_>,
    obj: &Object<'_>,
    node: faultline_syntax::NodeRef<'_>,
    namespace: &str,
    selector: &LabelSelector,
    out: &'s mut Sink<'_>,
) -> Report<'s> {
    let mut message =
        format!("selector `{selector}` matches no pod or pod template in namespace `{namespace}`");
    let closest = cx.graph.pods.closest(namespace, selector);
    if let Some(c) = closest {
        let miss = near_miss(selector, cx.graph.pods.pod(c));
        message.push_str(&format!("; closest: {} has {miss}", shape_name(cx, c)));
    }
    // The same selector in another namespace: the object may be in the wrong one.
    if let Some(p) = matches_elsewhere(cx, namespace, selector) {
        message.push_str(&format!("; it would match {}", shape_name(cx, p)));
    }
    let mut report = out.report(obj, tight_range(node), message);
    if let Some(c) = closest {
        let pod_obj = cx.inventory.get(cx.graph.pods.pod(c).object);
        report = report.related(pod_obj, labels_range(pod_obj), "the closest pod labels");
    }
    report
}

/// Where a diagnostic about `node` should point: its range, except that a block collection
/// ends with its last value rather than where the next key begins (the parser's range runs on
/// over trailing comments and blank lines).
pub(crate) fn tight_range(node: faultline_syntax::NodeRef<'_>) -> TextRange {
    let range = node.range();
    if node.style() != faultline_syntax::Style::Block {
        return range;
    }
    let last = if node.is_map() {
        node.entries().last().map(|(_, v)| v)
    } else {
        node.items().last()
    };
    match last {
        Some(last) => TextRange::new(range.start, tight_range(last).end.max(range.start)),
        None => range,
    }
}
