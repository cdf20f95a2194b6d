use faultline_diagnostics::Severity;
use faultline_model::Object;
use faultline_model::intorstr::IntOrString;
use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::views::service::Service;
use faultline_syntax::NodeRef;

use crate::presence::{mentions_number, tight_range};
use crate::sink::object_ref;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks each Service port's `targetPort` (which defaults to `port`) against the
    /// container ports of the pods the Service selects:
    ///
    /// - a **named** `targetPort` that no selected pod declares is an error: the endpoints
    ///   controller resolves the name in each pod and leaves out every pod that lacks it, so
    ///   the Service port has no endpoints at all;
    /// - a **numeric** `targetPort` that no selected pod declares, while those pods do declare
    ///   other ports, is a warning: Kubernetes still forwards to that number (declaring a
    ///   container port is informational), so traffic arrives only if the process happens to
    ///   listen there too; usually the number is a slip (`80` for `8080`). Not judged: pods
    ///   that declare no ports at all, and pods whose containers (`args`, `command`, `env`)
    ///   or mounted ConfigMaps mention the number, which likely configure the process to
    ///   listen there.
    ///
    /// Ports of app containers and of sidecar init containers (`restartPolicy: Always`)
    /// count, with their protocol (`TCP` unless written).
    ///
    /// ## Why it matters
    /// Requests to the Service are refused or time out although the pods run and the
    /// selector matches.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: http
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels:
    ///     app: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.0.0
    ///       ports:
    ///         - name: web-http
    ///           containerPort: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     app: web
    ///   ports:
    ///     - port: 80
    ///       targetPort: web-http
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels:
    ///     app: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.0.0
    ///       ports:
    ///         - name: web-http
    ///           containerPort: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Service ports: <https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports>
    /// - ContainerPort: <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports>
    pub struct ServiceTargetPortMismatch {
        id: "service-target-port-mismatch",
        category: Services,
        severity: Error,
        summary: "a Service targetPort is not a port the selected pods declare",
        params: [],
    }
}

/// A declared container port.
struct Declared<'a> {
    name: Option<&'a str>,
    number: Option<i64>,
    protocol: &'a str,
}

fn declared<'a>(pod: &PodTemplate<'a>) -> Vec<Declared<'a>> {
    pod.containers()
        .filter(|c| {
            c.kind == ContainerKind::App
                || (c.kind == ContainerKind::Init
                    && c.node.get("restartPolicy").and_then(|r| r.as_str()) == Some("Always"))
        })
        .flat_map(|c| c.ports())
        .map(|p| Declared {
            name: p.get("name").and_then(|n| n.as_str()),
            number: p.get("containerPort").and_then(|n| n.as_i64()),
            protocol: p.get("protocol").and_then(|n| n.as_str()).unwrap_or("TCP"),
        })
        .collect()
}

/// Whether the pod's containers (their args, command, env) or a ConfigMap it references
/// mention the number: then the process is likely configured to listen there, undeclared.
fn listens_on(cx: &Context<'_>, shape: &Object<'_>, n: i64) -> bool {
    let in_spec =
        PodTemplate::of(shape).is_some_and(|t| t.containers().any(|c| mentions_number(c.node, n)));
    in_spec
        || cx.graph.references_from(shape.id).iter().any(|r| {
            r.kind == "ConfigMap"
                && r.target.is_some_and(|t| {
                    cx.inventory
                        .get(t)
                        .node
                        .get("data")
                        .is_some_and(|d| mentions_number(d, n))
                })
        })
}

fn describe(ports: &[&Declared<'_>]) -> String {
    let mut out: Vec<String> = ports
        .iter()
        .map(|p| match (p.name, p.number) {
            (Some(n), Some(c)) => format!("`{n}` ({c})"),
            (None, Some(c)) => format!("{c}"),
            (Some(n), None) => format!("`{n}`"),
            (None, None) => "?".to_owned(),
        })
        .collect();
    out.sort();
    out.dedup();
    out.join(", ")
}

impl Rule for ServiceTargetPortMismatch {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let Some(svc) = Service::of(obj) else { return };
        let Some(sel) = cx.graph.selection(obj.id).filter(|s| !s.pods.is_empty()) else {
            return;
        };
        // Each distinct pod shape with what it declares (copies of one workload once).
        let mut shapes: Vec<(&Object<'_>, Vec<Declared<'_>>, Option<NodeRef<'_>>)> = Vec::new();
        for id in cx.distinct_shapes(sel) {
            let shape = cx.inventory.get(*id);
            let Some(template) = PodTemplate::of(shape) else {
                continue;
            };
            let ports_node = template
                .containers()
                .find_map(|c| c.node.get("ports"))
                .or(template.metadata.and_then(|m| m.get("labels")));
            shapes.push((shape, declared(&template), ports_node));
        }
        let all: Vec<&Declared<'_>> = shapes.iter().flat_map(|(_, d, _)| d).collect();
        for port in svc.ports() {
            let Some(target) = port.target_port() else {
                continue;
            };
            let protocol = port.protocol();
            let service_port = port
                .port()
                .map_or_else(|| "?".to_owned(), |p| p.value.to_string());
            let (found, severity, message) = match &target.value {
                IntOrString::Str(name) => {
                    let found = all
                        .iter()
                        .any(|d| d.name == Some(name.as_str()) && d.protocol == protocol);
                    let msg = format!(
                        "targetPort `{name}` of Service port {service_port} is not the name of a {protocol} container port in any selected pod"
                    );
                    (found, Severity::Error, msg)
                }
                IntOrString::Int(n) => {
                    let found = all.is_empty()
                        || all
                            .iter()
                            .any(|d| d.number == Some(*n) && d.protocol == protocol)
                        || shapes.iter().any(|(shape, _, _)| listens_on(cx, shape, *n));
                    let msg = format!(
                        "targetPort {n} of Service port {service_port} is not a declared {protocol} container port of any selected pod; traffic arrives only if the process also listens on {n}"
                    );
                    (found, Severity::Warning, msg)
                }
            };
            if found {
                continue;
            }
            let declared = if all.is_empty() {
                "the selected pods declare no ports".to_owned()
            } else {
                format!("the selected pods declare {}", describe(&all))
            };
            let mut report = out
                .report(obj, target.range(), format!("{message} ({declared})"))
                .severity(severity)
                .help("set `targetPort` to a `containerPort` (or its `name`) of the pods the Service selects, or declare that port in the pod template");
            for (shape, _, node) in shapes.iter().take(3) {
                let range = node.map_or_else(|| shape.kind_range(), tight_range);
                report =
                    report.related(shape, range, format!("the ports of {}", object_ref(shape)));
            }
        }
    }
}
