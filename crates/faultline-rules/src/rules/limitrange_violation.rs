use faultline_model::Object;
use faultline_model::pod::{PodTemplate, Resources};
use faultline_model::quantity::Quantity;
use faultline_model::views::{LimitRange, LimitRangeItem, ResourceQuantity};
use faultline_syntax::TextRange;

use crate::admission::{AdmittedContainer, AdmittedPod, Amount, Origin};
use crate::common::creates_pods;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks each container, and each pod as a whole, against the `min`, `max` and
    /// `maxLimitRequestRatio` of the LimitRanges of its namespace (in the input), the way the
    /// LimitRanger admission plugin does when the pod is created:
    ///
    /// - `type: Container`: every app, sidecar and init container. A request below `min`, or a
    ///   limit below it, is rejected, and so is a container with no request at all; a limit
    ///   above `max`, or a request above it, is rejected, and so is a container with no limit;
    ///   a limit more than `maxLimitRequestRatio` times the request is rejected, and so is a
    ///   container missing either (or with a 0).
    /// - `type: Pod`: the same against the pod's totals, which add the app containers and
    ///   sidecars and take an init container instead when it needs more (as the scheduler
    ///   does).
    ///
    /// Values are compared as admission compares them, in thousandths rounded up (`1.5m` is
    /// `2m`). The requests and limits compared are the ones the pod has once created: a
    /// request defaults to the limit written for the same resource, and missing values get
    /// the defaults of the LimitRanges (`defaultRequest`, `default`, then `max` and `min`).
    /// A default limit below a request the container writes is reported by
    /// `resources-limit-below-request`, not here.
    ///
    /// Pods read from a cluster (with a `uid` or `status`) are skipped: admission checked them
    /// when they were created, and a LimitRange added later does not apply to them. So are
    /// pod templates whose owner (a ReplicaSet's Deployment) is in the input: the owner's
    /// template is the one that creates pods.
    ///
    /// - `type: PersistentVolumeClaim`: the `storage` (or other) request of every claim and of
    ///   every StatefulSet `volumeClaimTemplates` entry (each replica's claim is created from
    ///   it) must be at least `min` and at most `max`, or the API server refuses the claim
    ///   (and the StatefulSet's pod waits for it). Claims read from a cluster are skipped.
    ///
    /// ## Why it matters
    /// A LimitRange is enforced only when a pod is created. The Deployment, StatefulSet or Job
    /// is accepted, but every pod its controller tries to create is refused (`FailedCreate
    /// … forbidden: maximum cpu usage per Container is 2, but limit is 4`), visible only in
    /// the controller's events: the rollout hangs with zero new pods, or an autoscaler adds
    /// replicas that never appear.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata:
    ///   name: limits
    ///   namespace: shop
    /// spec:
    ///   limits:
    ///     - type: Container
    ///       max: {cpu: "2", memory: 2Gi}
    ///       maxLimitRequestRatio: {memory: "2"}
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
    ///             limits: {cpu: "4", memory: 2Gi}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata:
    ///   name: limits
    ///   namespace: shop
    /// spec:
    ///   limits:
    ///     - type: Container
    ///       max: {cpu: "2", memory: 2Gi}
    ///       maxLimitRequestRatio: {memory: "2"}
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
    ///             requests: {cpu: 500m, memory: 1Gi}
    ///             limits: {cpu: "2", memory: 2Gi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Limit ranges: <https://kubernetes.io/docs/concepts/policy/limit-range/>
    /// - Configure minimum and maximum CPU constraints for a namespace: <https://kubernetes.io/docs/tasks/administer-cluster/manage-resources/cpu-constraint-namespace/>
    /// - LimitRanger admission controller: <https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#limitranger>
    pub struct LimitrangeViolation {
        id: "limitrange-violation",
        category: Quota,
        severity: Error,
        summary: "a container's or pod's requests or limits fall outside a LimitRange, so the API server refuses its pods",
        params: [],
    }
}

/// `resource.MaxMilliValue`: above it, admission compares whole units instead of thousandths.
const MAX_MILLI_VALUE: i128 = (i64::MAX / 1000) as i128;

/// The values admission compares (`requestLimitEnforcedValues`): thousandths rounded up, or
/// whole units when one of them is too large for thousandths in an int64.
fn observed(values: &[Quantity]) -> Vec<i128> {
    if values.iter().all(|q| q.value() <= MAX_MILLI_VALUE) {
        values.iter().map(|q| q.milli_value()).collect()
    } else {
        values.iter().map(|q| q.value()).collect()
    }
}

/// A request or limit as a check sees it.
enum Seen<'a> {
    Absent,
    /// Written, but not a quantity.
    Unknown,
    Known {
        quantity: Quantity,
        text: String,
        /// The field to point at.
        at: TextRange,
        /// A LimitRange default that supplied it: the LimitRange and the default's range.
        from: Option<(Object<'a>, TextRange)>,
        /// Where the value comes from, for messages (empty when written).
        provenance: String,
    },
}

/// What is checked: one container, or the pod's totals.
enum Subject<'s, 'a> {
    Container(&'s AdmittedContainer<'a>),
    Pod(&'s AdmittedPod<'a>),
}

impl<'a> Subject<'_, 'a> {
    fn name(&self) -> String {
        match self {
            Subject::Container(c) => format!("container `{}`", c.container.name()),
            Subject::Pod(_) => "the pod".to_owned(),
        }
    }

    /// "container `api` requests 50m cpu", "the pod's cpu requests add up to 3".
    fn requests(&self, name: &str, text: &str, provenance: &str) -> String {
        match self {
            Subject::Container(_) => format!("{} requests {text} {name}{provenance}", self.name()),
            Subject::Pod(_) => format!("the pod's {name} requests add up to {text}"),
        }
    }

    /// "container `api` has a cpu limit of 4", "the pod's cpu limits add up to 4".
    fn limits(&self, name: &str, text: &str, provenance: &str) -> String {
        match self {
            Subject::Container(_) => {
                format!("{} has a {name} limit of {text}{provenance}", self.name())
            }
            Subject::Pod(_) => format!("the pod's {name} limits add up to {text}"),
        }
    }

    fn per(&self) -> &'static str {
        match self {
            Subject::Container(_) => "per container",
            Subject::Pod(_) => "per pod",
        }
    }

    fn seen(&self, which: Resources, resource: &str) -> Seen<'a> {
        match self {
            Subject::Container(c) => match c.get(which, resource) {
                None => Seen::Absent,
                Some(a) => seen_amount(c, a, which),
            },
            Subject::Pod(pod) => {
                let Some(total) = pod.total(which, false).get(resource).copied() else {
                    return Seen::Absent;
                };
                // Point at the container that contributes the most.
                let biggest = pod
                    .containers
                    .iter()
                    .filter_map(|c| Some((c, c.get(which, resource)?)))
                    .filter_map(|(c, a)| Some((c, a, a.quantity?)))
                    .max_by_key(|(_, _, q)| *q);
                match biggest {
                    Some((c, a, _)) => match seen_amount(c, a, which) {
                        Seen::Known { at, from, .. } => Seen::Known {
                            quantity: total,
                            text: total.to_string(),
                            at,
                            from,
                            provenance: String::new(),
                        },
                        other => other,
                    },
                    None => Seen::Unknown,
                }
            }
        }
    }

    /// Where to point when the value is missing.
    fn missing_at(&self, obj: &Object<'_>, which: Resources) -> TextRange {
        let key = match which {
            Resources::Requests => "requests",
            Resources::Limits => "limits",
        };
        match self {
            Subject::Container(c) => c.container.anchor(&["resources", key]),
            Subject::Pod(pod) => pod
                .containers
                .iter()
                .find(|c| c.container.is_long_running())
                .map_or_else(
                    || obj.kind_range(),
                    |c| c.container.anchor(&["resources", key]),
                ),
        }
    }
}

fn seen_amount<'a>(c: &AdmittedContainer<'a>, a: &Amount<'a>, which: Resources) -> Seen<'a> {
    let Some(quantity) = a.quantity else {
        return Seen::Unknown;
    };
    let key = match which {
        Resources::Requests => "requests",
        Resources::Limits => "limits",
    };
    let (at, from) = match a.origin {
        Origin::Written | Origin::FromLimit => (a.range(), None),
        Origin::LimitRange(lr) => (
            c.container.anchor(&["resources", key]),
            Some((lr, a.range())),
        ),
    };
    Seen::Known {
        quantity,
        text: a.text(),
        at,
        from,
        provenance: a.provenance(),
    }
}

/// One violation, ready to report.
struct Violation<'a> {
    at: TextRange,
    message: String,
    help: String,
    /// A LimitRange default the container got, when it is part of the problem.
    from: Option<(Object<'a>, TextRange)>,
}

struct Check<'c, 'a> {
    lr: &'c LimitRange<'a>,
    obj: &'c Object<'a>,
}

impl<'a> Check<'_, 'a> {
    fn lr(&self) -> &'a str {
        self.lr.object.name
    }

    /// `min` (requests and limits must reach it; a request is required) or `max` (requests
    /// and limits must stay within it; a limit is required), as `minConstraint` and
    /// `maxConstraint` check them.
    fn bound(
        &self,
        s: &Subject<'_, 'a>,
        name: &str,
        bound: Quantity,
        bound_text: &str,
        min: bool,
    ) -> Vec<Violation<'a>> {
        let (lr, per) = (self.lr(), s.per());
        let (required, other, word, side, within, verb) = if min {
            (
                Resources::Requests,
                Resources::Limits,
                "minimum",
                "below",
                "at least",
                "raise",
            )
        } else {
            (
                Resources::Limits,
                Resources::Requests,
                "maximum",
                "above",
                "at most",
                "lower",
            )
        };
        let field = |which: Resources| match which {
            Resources::Requests => "requests",
            Resources::Limits => "limits",
        };
        let mut out = Vec::new();
        for which in [required, other] {
            let key = field(which);
            let violation = match s.seen(which, name) {
                Seen::Absent if which == required => Violation {
                    at: s.missing_at(self.obj, which),
                    message: format!(
                        "{} has no {name} {}, but LimitRange `{lr}` sets a {word} of {bound_text} {per}, so the API server refuses the pod",
                        s.name(),
                        &key[..key.len() - 1],
                    ),
                    help: format!("set `resources.{key}.{name}` to {within} {bound_text}"),
                    from: None,
                },
                Seen::Known {
                    quantity,
                    text,
                    at,
                    from,
                    provenance,
                } => {
                    let [q, b] = observed(&[quantity, bound])[..] else {
                        continue;
                    };
                    if (min && q >= b) || (!min && q <= b) {
                        continue;
                    }
                    let what = match which {
                        Resources::Requests => s.requests(name, &text, &provenance),
                        Resources::Limits => s.limits(name, &text, &provenance),
                    };
                    let help = match &from {
                        Some((default_lr, _)) => format!(
                            "set `resources.{key}.{name}` to {within} {bound_text} in the container; the default of LimitRange `{}` does not fit",
                            default_lr.name
                        ),
                        None => format!("{verb} `resources.{key}.{name}` to {within} {bound_text}"),
                    };
                    Violation {
                        at,
                        message: format!(
                            "{what}, {side} the {word} of {bound_text} {per} set by LimitRange `{lr}`, so the API server refuses the pod"
                        ),
                        help,
                        from,
                    }
                }
                _ => continue,
            };
            out.push(violation);
        }
        out
    }

    fn ratio(
        &self,
        s: &Subject<'_, 'a>,
        name: &str,
        ratio: Quantity,
        ratio_text: &str,
    ) -> Vec<Violation<'a>> {
        let (lr, per) = (self.lr(), s.per());
        let request = s.seen(Resources::Requests, name);
        let limit = s.seen(Resources::Limits, name);
        if matches!(request, Seen::Unknown) || matches!(limit, Seen::Unknown) {
            return Vec::new();
        }
        let value = |seen: &Seen<'_>| match seen {
            Seen::Known { quantity, .. } => *quantity,
            _ => Quantity::ZERO,
        };
        let [req, lim] = observed(&[value(&request), value(&limit)])[..] else {
            return Vec::new();
        };
        let missing = |which: Resources, what: &str| Violation {
            at: match (which, &request, &limit) {
                (Resources::Requests, Seen::Known { at, .. }, _)
                | (Resources::Limits, _, Seen::Known { at, .. }) => *at,
                _ => s.missing_at(self.obj, which),
            },
            message: format!(
                "{} has no {name} {what} (or it is 0), but LimitRange `{lr}` caps the {name} limit at {ratio_text} times the request {per}, so the API server refuses the pod",
                s.name()
            ),
            help: format!(
                "set both `resources.requests.{name}` and `resources.limits.{name}`, the limit at most {ratio_text} times the request"
            ),
            from: None,
        };
        if req == 0 {
            return vec![missing(Resources::Requests, "request")];
        }
        if lim == 0 {
            return vec![missing(Resources::Limits, "limit")];
        }
        let (
            Seen::Known { text: req_text, .. },
            Seen::Known {
                text: lim_text,
                at,
                from,
                provenance,
                ..
            },
        ) = (&request, &limit)
        else {
            return Vec::new();
        };
        // limit / request > ratio, in integers: limit × 1000 > ratio (in thousandths) × request.
        let exceeded = if ratio.value() <= MAX_MILLI_VALUE {
            lim.saturating_mul(1000) > ratio.milli_value().saturating_mul(req)
        } else {
            lim > ratio.value().saturating_mul(req)
        };
        if !exceeded {
            return Vec::new();
        }
        vec![Violation {
            at: *at,
            message: format!(
                "{}, {} times the request of {req_text}, above the maximum ratio of {ratio_text} {per} set by LimitRange `{lr}`, so the API server refuses the pod",
                s.limits(name, lim_text, provenance),
                format_ratio(lim as f64 / req as f64)
            ),
            help: format!(
                "raise `resources.requests.{name}` or lower `resources.limits.{name}` until the limit is at most {ratio_text} times the request"
            ),
            from: *from,
        }]
    }
}

/// `8`, `2.5`, `1.33`.
fn format_ratio(r: f64) -> String {
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn text_of(q: &ResourceQuantity<'_>) -> String {
    q.quantity
        .node
        .scalar_text()
        .map(|t| t.trim().to_owned())
        .unwrap_or_default()
}

/// The claims `obj` creates: a PersistentVolumeClaim manifest itself, or each entry of a
/// StatefulSet's `volumeClaimTemplates`; as (claim spec, what to call it).
fn claims<'a>(obj: &Object<'a>) -> Vec<(faultline_syntax::NodeRef<'a>, String)> {
    match obj.kind {
        "PersistentVolumeClaim"
            if obj.node.path(&["metadata", "uid"]).is_none() && obj.status().is_none() =>
        {
            obj.spec()
                .map(|s| (s, format!("PersistentVolumeClaim `{}`", obj.name)))
                .into_iter()
                .collect()
        }
        "StatefulSet" => obj
            .spec()
            .and_then(|s| s.get("volumeClaimTemplates"))
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|t| {
                let name = t
                    .path(&["metadata", "name"])
                    .and_then(|n| n.as_str())
                    .unwrap_or("");
                Some((t.get("spec")?, format!("claim template `{name}`")))
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl LimitrangeViolation {
    /// `type: PersistentVolumeClaim` items against the claims `obj` creates, as
    /// `PersistentVolumeClaimValidateLimitFunc` checks them: the request at least `min`
    /// (`minConstraint`) and at most `max` (`maxRequestConstraint`).
    fn check_claims(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(namespace) = obj.namespace else {
            return;
        };
        if cx.limit_ranges(namespace).next().is_none() {
            return;
        }
        let claims = claims(obj);
        for lr in cx.limit_ranges(namespace) {
            for item in lr.limits() {
                if item.type_().map(|t| t.value) != Some("PersistentVolumeClaim") {
                    continue;
                }
                for (word, list, min) in [
                    ("minimum", item.min().collect::<Vec<_>>(), true),
                    ("maximum", item.max().collect(), false),
                ] {
                    for q in list {
                        let Ok(bound) = q.quantity.value else {
                            continue;
                        };
                        let name = q.name.value;
                        let bound_text = text_of(&q);
                        for (spec, what) in &claims {
                            let Some(node) = spec.path(&["resources", "requests", name]) else {
                                continue;
                            };
                            let Ok(value) = faultline_model::views::quantity(node) else {
                                continue;
                            };
                            let [v, b] = observed(&[value, bound])[..] else {
                                continue;
                            };
                            if (min && v >= b) || (!min && v <= b) {
                                continue;
                            }
                            let side = if min { "below" } else { "above" };
                            let text = node.scalar_text().unwrap_or("?");
                            out.report(
                                obj,
                                node.range(),
                                format!(
                                    "{what} requests {text} of {name}, {side} the {word} of {bound_text} per PersistentVolumeClaim set by LimitRange `{}`, so the API server refuses the claim",
                                    lr.object.name
                                ),
                            )
                            .help(format!(
                                "{} `resources.requests.{name}` to {} {bound_text}",
                                if min { "raise" } else { "lower" },
                                if min { "at least" } else { "at most" }
                            ))
                            .related(
                                &lr.object,
                                q.name.range().cover(q.quantity.range()),
                                format!("the {word} ({name}) of LimitRange `{}`", lr.object.name),
                            );
                        }
                    }
                }
            }
        }
    }
}

impl Rule for LimitrangeViolation {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if matches!(obj.kind, "PersistentVolumeClaim" | "StatefulSet") {
            self.check_claims(cx, obj, out);
        }
    }

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
        if !creates_pods(cx, obj) {
            return;
        }
        if cx.limit_ranges(namespace).next().is_none() {
            return;
        }
        let admitted = AdmittedPod::of(cx, obj, pod);
        for lr in cx.limit_ranges(namespace) {
            for item in lr.limits() {
                let subjects: Vec<Subject<'_, '_>> = match item.type_().map(|t| t.value) {
                    Some("Container") => {
                        admitted.containers.iter().map(Subject::Container).collect()
                    }
                    Some("Pod") => vec![Subject::Pod(&admitted)],
                    _ => continue,
                };
                let check = Check { lr: &lr, obj };
                for s in &subjects {
                    report_item(&check, &item, s, obj, out);
                }
            }
        }
    }
}

fn report_item<'a>(
    check: &Check<'_, 'a>,
    item: &LimitRangeItem<'a>,
    s: &Subject<'_, 'a>,
    obj: &Object<'_>,
    out: &mut Sink<'_>,
) {
    let lists: [(&str, Vec<ResourceQuantity<'a>>); 3] = [
        ("minimum", item.min().collect()),
        ("maximum", item.max().collect()),
        (
            "maximum limit-to-request ratio",
            item.max_limit_request_ratio().collect(),
        ),
    ];
    for (what, list) in lists {
        for q in list {
            let Ok(value) = q.quantity.value else {
                continue;
            };
            let name = q.name.value;
            let text = text_of(&q);
            let found = match what {
                "minimum" => check.bound(s, name, value, &text, true),
                "maximum" => check.bound(s, name, value, &text, false),
                _ => check.ratio(s, name, value, &text),
            };
            for v in found {
                let lr = &check.lr.object;
                let mut report = out.report(obj, v.at, v.message).help(v.help).related(
                    lr,
                    q.name.range().cover(q.quantity.range()),
                    format!("the {what} ({name}) of LimitRange `{}`", lr.name),
                );
                if let Some((from, range)) = v.from {
                    report = report.related(
                        &from,
                        range,
                        format!(
                            "the default {name} LimitRange `{}` gives the container",
                            from.name
                        ),
                    );
                }
                let _ = report;
            }
        }
    }
}
