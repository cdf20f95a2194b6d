use faultline_diagnostics::{Location, Severity};
use faultline_model::Object;
use faultline_model::intorstr::IntOrString;
use faultline_model::pod::{Container, ContainerPort, PodTemplate};
use faultline_model::probe::{Probe, ProbeKind};

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the port of every `httpGet`, `tcpSocket` and `grpc` probe (liveness, readiness,
    /// startup) against the container's `ports`:
    ///
    /// - a **named** port that no entry of `ports` declares is an **error**: the kubelet
    ///   resolves names only through the container's own `ports`, so the probe can never
    ///   succeed (a liveness probe then restarts the container forever, a readiness probe
    ///   keeps it out of every Service);
    /// - a port declared only for `UDP` or `SCTP` is a **warning**: these probes connect over
    ///   TCP;
    /// - a **number** that no container of the pod declares is **info**: the probe works if
    ///   something listens there, but the port is invisible to everything that reads `ports`,
    ///   and a number that matches no declared port may be a stale or mistyped one. It is not
    ///   a warning because well-maintained installs probe undeclared health ports on purpose
    ///   (ingress-nginx's 10254, Argo CD's 9001, Istio's 15021 status port).
    ///
    /// A number declared by another container of the same pod is accepted, since containers
    /// share the pod's network namespace. Probes with a `host` are skipped: they check another
    /// address. A named port that is all digits is read as a number, as the kubelet does.
    ///
    /// ## Why it matters
    /// A probe on a port nobody listens on fails every time. For a liveness probe that is a
    /// restart loop, for a readiness probe a pod that never receives traffic, for a startup
    /// probe both. The usual causes are a renamed port (`http` → `web`), a port moved in the
    /// image but not in the manifest, or a probe copied from another service.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/api:1.4.2
    ///       ports:
    ///         - {name: web, containerPort: 8080}
    ///       readinessProbe:
    ///         httpGet: {path: /ready, port: http}
    ///       livenessProbe:
    ///         tcpSocket: {port: 9090}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/api:1.4.2
    ///       ports:
    ///         - {name: web, containerPort: 8080}
    ///         - {name: admin, containerPort: 9090}
    ///       readinessProbe:
    ///         httpGet: {path: /ready, port: web}
    ///       livenessProbe:
    ///         tcpSocket: {port: admin}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Probe handlers: <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe>
    /// - Named ports in probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#use-a-named-port>
    pub struct ProbePortNotExposed {
        id: "probe-port-not-exposed",
        category: Probes,
        severity: Error,
        summary: "a probe checks a port the container does not declare (an unknown port name can never succeed)",
        params: [],
    }
}

/// What is wrong with a probe's port.
enum Problem<'a> {
    /// A name no entry of `ports` has.
    UnknownName,
    /// Declared, but only for UDP or SCTP.
    NotTcp(ContainerPort<'a>),
    /// A number no container of the pod declares.
    Undeclared(i64),
}

fn is_tcp(p: &ContainerPort<'_>) -> bool {
    p.protocol.eq_ignore_ascii_case("TCP")
}

fn problem<'a>(
    port: &IntOrString,
    c: &Container<'a>,
    pod: &[Container<'a>],
) -> Option<Problem<'a>> {
    let number = match port {
        IntOrString::Int(n) => *n,
        IntOrString::Str(s) => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                let declared = c.port_named(s);
                return match declared {
                    None => Some(Problem::UnknownName),
                    Some(p) if !is_tcp(&p) => Some(Problem::NotTcp(p)),
                    Some(_) => None,
                };
            }
        },
    };
    let has = |c: &Container<'a>| {
        c.declared_ports()
            .filter(|p| p.number.is_some_and(|n| n.value == number))
            .collect::<Vec<_>>()
    };
    let own = has(c);
    if own.iter().any(is_tcp) {
        return None;
    }
    if let Some(p) = own.first() {
        return Some(Problem::NotTcp(*p));
    }
    // Containers share the pod's network namespace: another container may serve the port.
    if pod
        .iter()
        .any(|other| other.node.id() != c.node.id() && has(other).iter().any(is_tcp))
    {
        return None;
    }
    Some(Problem::Undeclared(number))
}

impl Rule for ProbePortNotExposed {
    fn check_pod(
        &self,
        _cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        let containers: Vec<Container<'_>> = pod.containers().collect();
        for c in containers.iter().filter(|c| c.is_long_running()) {
            for kind in ProbeKind::ALL {
                let Some(handler) = Probe::of(c, kind).and_then(|p| p.handler()) else {
                    continue;
                };
                if handler.host().is_some() {
                    continue;
                }
                let Some(port) = handler.port() else { continue };
                let Some(problem) = problem(&port.value, c, &containers) else {
                    continue;
                };
                let probe = format!("{} probe ({})", kind.noun(), handler.kind.field());
                let name = c.name();
                let shown = &port.value;
                let (message, severity, help, related) = match problem {
                    Problem::UnknownName => (
                        format!(
                            "container `{name}` declares no port named `{shown}`, so its {probe} can never succeed"
                        ),
                        Severity::Error,
                        format!(
                            "declare the port under the container's `ports` with `name: {shown}`, or probe a declared port"
                        ),
                        c.node
                            .entry("ports")
                            .map(|(k, _)| (k.range(), "the ports the container declares")),
                    ),
                    Problem::NotTcp(p) => (
                        format!(
                            "port `{shown}` of container `{name}` is declared for {}, but its {probe} connects over TCP",
                            p.protocol
                        ),
                        Severity::Warning,
                        "probe a port the container serves over TCP".to_owned(),
                        Some((p.node.range(), "the port declaration")),
                    ),
                    Problem::Undeclared(number) => (
                        format!(
                            "container `{name}` does not declare port {number}, which its {probe} checks"
                        ),
                        Severity::Info,
                        format!(
                            "declare the port under the container's `ports` (`containerPort: {number}`), or point the probe at a declared port"
                        ),
                        c.node
                            .entry("ports")
                            .map(|(k, _)| (k.range(), "the ports the container declares")),
                    ),
                };
                let report = out
                    .report(obj, port.range(), message)
                    .severity(severity)
                    .help(help);
                if let Some((range, what)) = related {
                    report.related_at(Location::new(obj.file, range), what);
                }
            }
        }
    }
}
