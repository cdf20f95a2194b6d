use faultline_graph::{edit_distance, edit_distance_within};
use faultline_model::Object;
use faultline_model::job::Job;
use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::waits::{Target, waits};

use crate::common::is_managed;
use crate::hosts::service_name;
use crate::presence::absent_severity;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads what each init container waits for (a `until nslookup …` or `nc -z …` loop,
    /// `wait-for-it`, `pg_isready -h`, `curl` of a URL, `kubectl wait … job/NAME`,
    /// `kubectl rollout status`, or the `k8s-wait-for` image's `job NAME` / `service NAME`
    /// arguments) and reports:
    ///
    /// - a Service (from a host name in a Service form: `svc`, `svc.ns`,
    ///   `svc.ns.svc.cluster.local`), Job, Deployment or StatefulSet that the input does not
    ///   contain, with the closest name that exists;
    /// - a Job it waits for that sets `ttlSecondsAfterFinished`: the Job is deleted that long
    ///   after it finishes, and every pod that starts later (a restart, a scale-up, a
    ///   rescheduled pod) waits for a Job that is gone.
    ///
    /// An absent object is a warning when the input shows it (`--complete`, or a cluster
    /// export holding objects of that kind in that namespace) and information otherwise (a
    /// chart's database may come from another chart). Host names with a namespace the input
    /// does not know, external names and `kubernetes.default` are not judged; a per-pod name
    /// of a StatefulSet (`mysql-0.mysql`) counts as its governing Service.
    ///
    /// ## Why it matters
    /// Init containers run before the app and block it until they exit. A wait loop for a name
    /// that never resolves does not crash, restart or log an error the kubelet sees: the pod
    /// sits in `Init:0/1` forever, and the rollout behind it stalls.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       initContainers:
    ///         - name: wait-for-db
    ///           image: busybox:1.36
    ///           command: ["sh", "-c", "until nslookup postgres; do sleep 2; done"]
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:2.1
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: postgresql
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: postgresql
    ///   ports:
    ///     - port: 5432
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       initContainers:
    ///         - name: wait-for-db
    ///           image: busybox:1.36
    ///           command: ["sh", "-c", "until nslookup postgresql; do sleep 2; done"]
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:2.1
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: postgresql
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     app: postgresql
    ///   ports:
    ///     - port: 5432
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Init containers: <https://kubernetes.io/docs/concepts/workloads/pods/init-containers/>
    /// - Automatic cleanup of finished Jobs: <https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/>
    pub struct InitContainerWaitsForMissing {
        id: "init-container-waits-for-missing",
        category: References,
        severity: Warning,
        summary: "an init container waits for a Service, Job or workload the input does not contain, or for a Job that deletes itself",
        params: [],
    }
}

/// The closest name among the objects of `kind` in `namespace`, if one is close enough to be
/// a typo or a renamed release (`postgres` → `postgresql`, `db-migrate` → `db-migration`).
fn closest<'a>(cx: &Context<'a>, kind: &str, namespace: &str, name: &str) -> Option<&'a str> {
    // The objects of that kind in that namespace, from the graph's index (not a scan of every
    // object of the kind: on a large snapshot that was the rule's whole cost).
    cx.graph
        .objects_of(kind, Some(namespace))
        .iter()
        .map(|id| cx.inventory.get(*id).name)
        .filter_map(|other| {
            if other.starts_with(name) || name.starts_with(other) {
                return Some((edit_distance(other, name), other));
            }
            let limit = (name.len().max(other.len()) / 3).max(2);
            edit_distance_within(other, name, limit).map(|d| (d, other))
        })
        .min()
        .map(|(_, n)| n)
}

/// Whether the input knows namespace `ns`: a Namespace object or a pod shape in it.
fn namespace_known(cx: &Context<'_>, ns: &str) -> bool {
    cx.inventory.find("Namespace", None, ns).is_some() || !cx.graph.pods.in_namespace(ns).is_empty()
}

impl Rule for InitContainerWaitsForMissing {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(t) = PodTemplate::of(obj) else {
            return;
        };
        if is_managed(cx, obj) {
            return;
        }
        let client_ns = obj.namespace.unwrap_or("default");
        for c in t
            .containers()
            .filter(|c| c.kind == ContainerKind::Init && !c.is_sidecar())
        {
            for w in waits(&c) {
                let (kind, ns, name, via) = match &w.target {
                    Target::Host(host) => {
                        let labels: Vec<&str> = host.split('.').collect();
                        let Some((ns, svc)) = service_name(host, true, client_ns) else {
                            continue;
                        };
                        if (ns == "default" && svc == "kubernetes")
                            || (ns != client_ns && !namespace_known(cx, ns))
                        {
                            continue;
                        }
                        // `pod-0.governing-service`: the second label in the client's namespace.
                        if labels.len() >= 2
                            && cx
                                .inventory
                                .find("Service", Some(client_ns), labels[1])
                                .is_some()
                        {
                            continue;
                        }
                        (
                            "Service",
                            ns.to_owned(),
                            svc.to_owned(),
                            format!("host `{host}`"),
                        )
                    }
                    Target::Object {
                        kind,
                        name,
                        namespace,
                    } => {
                        let ns = namespace.as_deref().unwrap_or(client_ns);
                        if ns != client_ns && !namespace_known(cx, ns) {
                            continue;
                        }
                        (
                            *kind,
                            ns.to_owned(),
                            name.clone(),
                            format!("{} `{name}`", kind.to_lowercase()),
                        )
                    }
                };
                let what = format!("init container `{}` waits for {via}", c.name());
                match cx.inventory.find(kind, Some(&ns), &name) {
                    Some(target) => {
                        let Some(ttl) = Job::of(target).and_then(|j| j.ttl_after_finished()) else {
                            continue;
                        };
                        out.report(
                            obj,
                            w.node.range(),
                            format!(
                                "{what}, and Job/{ns}/{name} deletes itself {}s after it finishes (ttlSecondsAfterFinished): every pod that starts later (a restart, a scale-up, a rescheduled pod) waits for a Job that is gone",
                                ttl.value
                            ),
                        )
                        .help("wait for what the Job produces (the schema version, a ready endpoint) instead of the Job itself, or drop `ttlSecondsAfterFinished` from the Job")
                        .related(target, ttl.range(), "ttlSecondsAfterFinished");
                    }
                    None => {
                        let near = closest(cx, kind, &ns, &name);
                        let hint = near
                            .map(|n| format!("; the closest {kind} there is `{n}`"))
                            .unwrap_or_default();
                        let report = out
                            .report(
                                obj,
                                w.node.range(),
                                format!(
                                    "{what}, but the input has no {kind} `{name}` in namespace `{ns}`{hint}: the pod stays in `Init` until one exists"
                                ),
                            )
                            .help(match near {
                                Some(_) => "correct the name the init container waits for, or create the object it names",
                                None => "create the object the init container waits for, or correct its name (and namespace)",
                            })
                            .severity(absent_severity(cx, obj, kind, Some(&ns)));
                        if let Some(n) = near
                            && let Some(o) = cx.inventory.find(kind, Some(&ns), n)
                        {
                            report.related(o, o.kind_range(), format!("the closest {kind}"));
                        }
                    }
                }
            }
        }
    }
}
