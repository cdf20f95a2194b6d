use faultline_model::intorstr::IntOrString;
use faultline_model::pod::{Container, ContainerKind, PodTemplate};
use faultline_model::probe::{Check, Probe, ProbeKind, ResolvedPort};
use faultline_model::views::service::Service;
use faultline_model::{Object, ObjectId};

use crate::common::is_managed;
use crate::context::TargetClass;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container without a `readinessProbe` in pods that a Service selects. Pods no
    /// Service (in the input) selects are not reported: readiness only decides whether a pod
    /// receives Service traffic. Services with `publishNotReadyAddresses: true` send traffic
    /// regardless of readiness and are not counted. Jobs, CronJobs and Pods that run to
    /// completion (`restartPolicy` `Never` or `OnFailure`) are skipped.
    ///
    /// Which containers must have one: those that serve a Service port, that is, declare its
    /// `targetPort` (by number or name) in `ports`, or probe that port number themselves.
    /// Sidecars (init containers with `restartPolicy: Always`) count like app containers when
    /// they serve a port, and are left alone when they do not (a log shipper). When no
    /// container can be told apart as serving the target port, the pod is reported once, at
    /// its first app container, if none of its containers has a readiness probe. Init
    /// containers that run to completion never need one.
    ///
    /// In a cluster export, a workload's ReplicaSets and Pods are matched by the same
    /// Service; only the object at the top of the owner chain is reported.
    ///
    /// ## Why it matters
    /// Without a readiness probe a container counts as ready as soon as it starts. The
    /// Service's endpoints then include pods that are still loading caches, warming a JVM or
    /// connecting to their database, and pods that are overloaded or stuck: their requests
    /// fail or time out instead of going to a healthy replica. During a rolling update the
    /// old pods are stopped as soon as the new ones "start", so every rollout drops traffic.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector: {app: api}
    ///   ports:
    ///     - port: 80
    ///       targetPort: http
    /// ---
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
    ///           ports:
    ///             - {name: http, containerPort: 8080}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector: {app: api}
    ///   ports:
    ///     - port: 80
    ///       targetPort: http
    /// ---
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
    ///           ports:
    ///             - {name: http, containerPort: 8080}
    ///           readinessProbe:
    ///             httpGet: {path: /ready, port: http}
    ///             periodSeconds: 5
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Define readiness probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-readiness-probes>
    /// - Pod readiness and Service endpoints: <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions>
    pub struct ProbeReadinessMissing {
        id: "probe-readiness-missing",
        category: Probes,
        severity: Warning,
        summary: "a container that serves a Service has no readiness probe, so it receives traffic before it is ready",
        params: [],
    }
}

/// Whether `c` serves the Service target port `target`: declares it, or probes that number.
fn serves(c: &Container<'_>, target: &IntOrString) -> bool {
    match target {
        IntOrString::Str(name) => c.port_named(name).is_some(),
        IntOrString::Int(n) => {
            c.declared_ports()
                .any(|p| p.number.is_some_and(|f| f.value == *n))
                || [
                    ProbeKind::Readiness,
                    ProbeKind::Liveness,
                    ProbeKind::Startup,
                ]
                .into_iter()
                .filter_map(|k| Probe::of(c, k)?.handler()?.check(c))
                .any(|check| match check {
                    Check::Http { port, .. }
                    | Check::Tcp { port, .. }
                    | Check::Grpc { port, .. } => port == ResolvedPort::Number(*n),
                    Check::Exec(_) => false,
                })
        }
    }
}

fn shown(t: &IntOrString) -> String {
    match t {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::Str(s) => format!("`{s}`"),
    }
}

impl Rule for ProbeReadinessMissing {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if matches!(obj.kind, "Job" | "CronJob")
            || pod.restart_policy().is_some_and(|p| p.value != "Always")
        {
            return;
        }
        // The Services that route to these pods before they are ready, as classes of
        // Services with the same target ports: n copies of one Service are checked once.
        let classes: Vec<&TargetClass> = cx
            .services_selecting(obj.id)
            .into_iter()
            .filter(|c| !c.publish_not_ready)
            .collect();
        if classes.is_empty() || is_managed(cx, obj) {
            return;
        }
        let mut distinct: Vec<&IntOrString> = Vec::new();
        for t in classes.iter().flat_map(|c| &c.targets) {
            if !distinct.contains(&t) {
                distinct.push(t);
            }
        }
        let containers: Vec<Container<'_>> = pod.long_running_containers().collect();
        let mut any_serving = false;
        for c in &containers {
            let served: Vec<&IntOrString> =
                distinct.iter().copied().filter(|t| serves(c, t)).collect();
            if served.is_empty() {
                continue;
            }
            any_serving = true;
            if c.probe("readinessProbe").is_some() {
                continue;
            }
            // The classes it serves, by first Service, each with its first served port.
            let serving: Vec<(&TargetClass, &IntOrString)> = classes
                .iter()
                .filter_map(|class| {
                    Some((*class, class.targets.iter().find(|t| served.contains(t))?))
                })
                .collect();
            let Some(&(first, port)) = serving.first() else {
                continue;
            };
            let report = out
                .report(
                    obj,
                    c.anchor(&["readinessProbe"]),
                    format!(
                        "container `{}` serves Service {} (target port {}) but has no readiness probe, so it receives requests while it starts, is overloaded or shuts down",
                        c.name(),
                        service_names(cx, serving.iter().map(|(class, _)| *class)),
                        shown(port),
                    ),
                )
                .help(format!(
                    "add a `readinessProbe` to container `{}` that fails while it cannot serve (for example `httpGet` on port {} of an endpoint that checks the container itself, not its dependencies)",
                    c.name(),
                    shown(port),
                ));
            related_service(cx, report, first.services[0]);
        }
        if any_serving
            || containers
                .iter()
                .any(|c| c.probe("readinessProbe").is_some())
        {
            return;
        }
        // No container declares or probes a target port: report the pod once.
        let Some(c) = containers.iter().find(|c| c.kind == ContainerKind::App) else {
            return;
        };
        let svc = cx.inventory.get(classes[0].services[0]);
        let report = out
            .report(
                obj,
                c.anchor(&["readinessProbe"]),
                format!(
                    "Service `{}` selects these pods but none of their containers has a readiness probe, so they receive requests while they start, are overloaded or shut down",
                    svc.name
                ),
            )
            .help(format!(
                "add a `readinessProbe` to the container that serves the Service (`{}` is the first; declaring its `ports` tells faultline which one it is)",
                c.name()
            ));
        related_service(cx, report, svc.id);
    }
}

/// How many Service names a message lists before it counts the rest.
const NAMES_SHOWN: usize = 5;

/// "`a`, `b`" or, past [`NAMES_SHOWN`], "`a`, …, `e` and 7 more": the Services of `classes`
/// in input order.
fn service_names<'c>(cx: &Context<'_>, classes: impl Iterator<Item = &'c TargetClass>) -> String {
    let mut total = 0;
    let mut first: Vec<ObjectId> = Vec::new();
    for class in classes {
        total += class.services.len();
        first.extend(class.services.iter().take(NAMES_SHOWN));
    }
    first.sort_unstable();
    let mut names: Vec<String> = first
        .iter()
        .take(NAMES_SHOWN)
        .map(|id| format!("`{}`", cx.inventory.get(*id).name))
        .collect();
    names.dedup();
    match total.checked_sub(NAMES_SHOWN) {
        Some(rest) if rest > 0 => format!("{} and {rest} more", names.join(", ")),
        _ => names.join(", "),
    }
}

fn related_service(cx: &Context<'_>, report: crate::sink::Report<'_>, id: ObjectId) {
    let Some(svc) = Service::of(cx.inventory.get(id)) else {
        return;
    };
    let at = svc.selector_node().map_or_else(
        || svc.object.kind_range(),
        |n| crate::presence::tight_range(n),
    );
    let _ = report.related(
        &svc.object,
        at,
        format!("the selector of Service `{}`", svc.object.name),
    );
}
