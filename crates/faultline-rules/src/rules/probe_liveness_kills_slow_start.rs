use faultline_diagnostics::{Location, Severity};
use faultline_model::Object;
use faultline_model::jvm;
use faultline_model::pod::PodTemplate;
use faultline_model::probe::{Probe, ProbeKind, Timing};

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a liveness probe, on a container without a `startupProbe`, whose kill window is
    /// shorter than the time the container may need to start. The kill window is
    /// `initialDelaySeconds + periodSeconds × failureThreshold`: the kubelet starts probing
    /// after the initial delay (on its next period tick) and restarts the container after
    /// `failureThreshold` failures in a row; the last attempt may add up to `timeoutSeconds`.
    /// Omitted fields take the Kubernetes defaults (`initialDelaySeconds` 0, `periodSeconds` 10,
    /// `failureThreshold` 3, `timeoutSeconds` 1; a written 0 also means the default, except
    /// for the initial delay). The rule fires when the window plus the timeout is shorter than
    /// the start-up time assumed for the container.
    ///
    /// JVM containers get a longer assumed start-up time. A container counts as a JVM when
    /// its image names a JDK/JRE or a well-known JVM server (a word of the repository or tag is
    /// `openjdk`, `jdk`, `jre`, `java`, `temurin`, `corretto`, `amazoncorretto`, `zulu`,
    /// `semeru`, `adoptopenjdk`, `liberica`, `sapmachine`, `dragonwell`, `tomcat`, `jetty`,
    /// `wildfly`, `jboss`, `keycloak`, `elasticsearch`, `logstash`, `kafka`, `zookeeper`,
    /// `cassandra`, `solr` or `jenkins`, or looks like `jdk17`), when its command line runs
    /// `java` or passes `-jar`, `-Xmx…` or `-XX:…`, or when its environment sets `JAVA_OPTS`,
    /// `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`, `JAVA_HOME`, `JVM_OPTS`,
    /// `CATALINA_OPTS` or a `*_JAVA_OPTS` variable.
    ///
    /// Findings about a JVM are warnings. For other containers the start-up time is a generic
    /// assumption, not evidence, so those findings are reported as `info`: on real installs
    /// Redis, HAProxy and small Go and Python services routinely run 15 s windows and start in
    /// well under that. Set the rule's severity to `warning` to have both treated alike.
    ///
    /// ## Why it matters
    /// A container that is still starting fails its liveness probe, so the kubelet kills it,
    /// and the next attempt starts from scratch: the pod never comes up and sits in
    /// `CrashLoopBackOff` while the application log says it was starting normally. A JVM that
    /// needs 20 s for class loading and its framework's context is killed every 17 s by
    /// `initialDelaySeconds: 2`, `periodSeconds: 5`, `failureThreshold: 3`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    /// spec:
    ///   selector:
    ///     matchLabels: {app: payment-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: payment-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment-service:2.3.1
    ///           command: [java, -jar, /app/payment-service.jar]
    ///           livenessProbe:
    ///             httpGet: {path: /actuator/health/liveness, port: 8080}
    ///             initialDelaySeconds: 2
    ///             periodSeconds: 5
    ///             failureThreshold: 3
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: payment-service
    /// spec:
    ///   selector:
    ///     matchLabels: {app: payment-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: payment-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: registry.example.com/payment-service:2.3.1
    ///           command: [java, -jar, /app/payment-service.jar]
    ///           startupProbe:
    ///             httpGet: {path: /actuator/health/liveness, port: 8080}
    ///             periodSeconds: 5
    ///             failureThreshold: 24
    ///           livenessProbe:
    ///             httpGet: {path: /actuator/health/liveness, port: 8080}
    ///             periodSeconds: 5
    ///             failureThreshold: 3
    /// ```
    ///
    /// ## Options
    /// - `start-seconds` (default 30): the start-up time assumed for a container that is not
    ///   recognised as a JVM.
    /// - `jvm-start-seconds` (default 60): the start-up time assumed for a JVM.
    ///
    /// ## References
    /// - Configure liveness, readiness and startup probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/>
    /// - Probe fields and defaults: <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe>
    pub struct ProbeLivenessKillsSlowStart {
        id: "probe-liveness-kills-slow-start",
        category: Probes,
        severity: Warning,
        summary: "a liveness probe without a startup probe kills the container before it can finish starting",
        params: [
            { name: "start-seconds", field: start_seconds, type: Integer, default: "30", description: "start-up time assumed for a container not recognised as a JVM (findings are `info`)" },
            { name: "jvm-start-seconds", field: jvm_start_seconds, type: Integer, default: "60", description: "start-up time assumed for a JVM container (findings are warnings)" },
        ],
    }
}

impl Rule for ProbeLivenessKillsSlowStart {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod.long_running_containers() {
            if Probe::of(&c, ProbeKind::Startup).is_some() {
                continue;
            }
            let Some(probe) = Probe::of(&c, ProbeKind::Liveness) else {
                continue;
            };
            let timings = [
                Timing::InitialDelaySeconds,
                Timing::PeriodSeconds,
                Timing::FailureThreshold,
                Timing::TimeoutSeconds,
            ]
            .map(|t| probe.timing(t));
            let [Some(delay), Some(period), Some(failures), Some(timeout)] = timings else {
                continue;
            };
            let window = delay
                .value
                .saturating_add(period.value.saturating_mul(failures.value));
            let jvm = jvm::detect(&c);
            let budget = match &jvm {
                Some(_) => Self::params(cx).jvm_start_seconds,
                None => Self::params(cx).start_seconds,
            };
            if window.saturating_add(timeout.value) >= budget {
                continue;
            }
            // Point at the first timing field written (`initialDelaySeconds: 2`); the others are
            // related. A probe that relies on defaults only is pointed at as a whole.
            let window_fields: Vec<_> = [
                (Timing::InitialDelaySeconds, &delay),
                (Timing::PeriodSeconds, &period),
                (Timing::FailureThreshold, &failures),
            ]
            .into_iter()
            .filter(|(_, v)| v.is_written())
            .filter_map(|(t, _)| probe.node.field_range(t.key()))
            .collect();
            let at = window_fields.first().copied().unwrap_or(probe.key.range());
            let starter = match &jvm {
                Some(e) => format!(
                    "a JVM (recognised by {}) may need {budget} s to start",
                    e.reason
                ),
                None => format!("a container may need {budget} s to start"),
            };
            let mut report = out
                .report(
                    obj,
                    at,
                    format!(
                        "container `{}`: liveness probe kills the container {window} s after start unless it is healthy (initialDelaySeconds {} + periodSeconds {} × failureThreshold {}, plus up to {} s timeout of the last attempt), but {starter}",
                        c.name(),
                        delay.value,
                        period.value,
                        failures.value,
                        timeout.value,
                    ),
                )
                .help(format!(
                    "add a startupProbe that allows at least {budget} s (for example periodSeconds 5 and failureThreshold {}), or widen the liveness window (initialDelaySeconds + periodSeconds × failureThreshold) to at least {budget} s",
                    budget.saturating_add(4) / 5
                ));
            if jvm.is_none() {
                report = report.severity(Severity::Info);
            }
            for range in window_fields.iter().skip(1) {
                report =
                    report.related_at(Location::new(obj.file, *range), "part of the kill window");
            }
            if let Some(e) = &jvm {
                report.related_at(
                    Location::new(obj.file, e.node.range()),
                    "the container runs a JVM",
                );
            }
        }
    }
}
