use faultline_diagnostics::Location;
use faultline_model::Object;
use faultline_model::pod::PodTemplate;
use faultline_model::probe::{Check, Probe, ProbeKind, ResolvedPort, Timing};

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a container whose liveness probe makes the same check as its readiness probe
    /// (same `httpGet` scheme, host, port, path and headers, same `tcpSocket` port, same `exec`
    /// command, or same `grpc` port and service; named ports are resolved, so `port: http` and
    /// `port: 8080` are the same when `http` is 8080) and gives up no later than readiness does.
    ///
    /// "No later" compares the steady-state failure windows `periodSeconds × failureThreshold`
    /// and the timeouts, with Kubernetes defaults for omitted fields. A liveness probe that
    /// waits longer (a higher `failureThreshold` or `periodSeconds`) or tolerates slower
    /// answers (a longer `timeoutSeconds`) than readiness is fine: the pod is taken out of
    /// rotation first and only restarted if it does not recover. `initialDelaySeconds` is
    /// about start-up, not overload, and is not compared.
    ///
    /// ## Why it matters
    /// Readiness answers "should this pod get traffic now?", liveness "is this process beyond
    /// repair?". When both ask the same question with the same patience, an overloaded pod
    /// whose health check times out is restarted at the moment it would have been taken out of
    /// rotation. The restart throws away warm caches and in-flight work, the load moves to the
    /// remaining pods, and they fail the same way: a slow-down becomes an outage.
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
    ///         - {name: http, containerPort: 8080}
    ///       readinessProbe:
    ///         httpGet: {path: /healthz, port: 8080}
    ///       livenessProbe:
    ///         httpGet: {path: /healthz, port: http}
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
    ///         - {name: http, containerPort: 8080}
    ///       readinessProbe:
    ///         httpGet: {path: /healthz, port: 8080}
    ///       livenessProbe:
    ///         httpGet: {path: /healthz, port: http}
    ///         failureThreshold: 6
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Configure liveness, readiness and startup probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/>
    /// - kube-score "Pod Probes Identical": <https://github.com/zegl/kube-score/blob/master/README_PROBES.md>
    pub struct ProbeLivenessEqualsReadiness {
        id: "probe-liveness-equals-readiness",
        category: Probes,
        severity: Warning,
        summary: "the liveness probe repeats the readiness check and fails no later, so overload restarts pods",
        params: [],
    }
}

/// `periodSeconds × failureThreshold` and `timeoutSeconds`, with defaults.
fn patience(probe: &Probe<'_>) -> Option<(i64, i64, i64)> {
    let period = probe.timing(Timing::PeriodSeconds)?.value;
    let failures = probe.timing(Timing::FailureThreshold)?.value;
    let timeout = probe.timing(Timing::TimeoutSeconds)?.value;
    Some((period, failures, timeout))
}

fn port_text(port: &ResolvedPort) -> String {
    match port {
        ResolvedPort::Number(n) => n.to_string(),
        ResolvedPort::Unresolved(name) => format!("`{name}`"),
    }
}

fn describe(check: &Check<'_>) -> String {
    match check {
        Check::Exec(command) => format!("exec `{}`", command.join(" ")),
        Check::Http { path, port, .. } => format!("httpGet {path} on port {}", port_text(port)),
        Check::Tcp { port, .. } => format!("tcpSocket on port {}", port_text(port)),
        Check::Grpc { port, service: "" } => {
            format!("grpc on port {}", port_text(port))
        }
        Check::Grpc { port, service } => {
            format!("grpc service `{service}` on port {}", port_text(port))
        }
    }
}

impl Rule for ProbeLivenessEqualsReadiness {
    fn check_pod(
        &self,
        _cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.long_running_containers() {
            let (Some(live), Some(ready)) = (
                Probe::of(&c, ProbeKind::Liveness),
                Probe::of(&c, ProbeKind::Readiness),
            ) else {
                continue;
            };
            let (Some(live_check), Some(ready_check)) = (
                live.handler().and_then(|h| h.check(&c)),
                ready.handler().and_then(|h| h.check(&c)),
            ) else {
                continue;
            };
            if live_check != ready_check {
                continue;
            }
            let (Some((lp, lf, lt)), Some((rp, rf, rt))) = (patience(&live), patience(&ready))
            else {
                continue;
            };
            if lp.saturating_mul(lf) > rp.saturating_mul(rf) || lt > rt {
                continue;
            }
            out.report(
                obj,
                live.key.range(),
                format!(
                    "container `{}`: the liveness probe repeats the readiness check ({}) and gives up no later ({} × {} s, {} s timeout) than readiness ({} × {} s, {} s timeout), so an overloaded pod is restarted instead of being taken out of rotation",
                    c.name(),
                    describe(&live_check),
                    lf,
                    lp,
                    lt,
                    rf,
                    rp,
                    rt,
                ),
            )
            .help("make the liveness check cheaper than readiness (only \"is the process alive\", no dependencies), or let it give up later than readiness with a higher failureThreshold")
            .related_at(
                Location::new(obj.file, ready.key.range()),
                "the readiness probe it repeats",
            );
        }
    }
}
