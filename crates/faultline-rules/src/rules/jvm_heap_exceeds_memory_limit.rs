use faultline_diagnostics::{Location, Severity};
use faultline_model::Object;
use faultline_model::jvm::{self, HeapFlag, HeapSize};
use faultline_model::pod::{Container, ContainerKind, PodTemplate, Resources};

use crate::common::{human_bytes, limit_range_default};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares a JVM's maximum heap with the container's memory limit.
    ///
    /// The heap is read from `-Xmx…` and `-XX:MaxHeapSize=…` (sizes with the JVM's binary
    /// suffixes `k`, `m`, `g`, `t` in either case; no suffix means bytes) and from
    /// `-XX:MaxRAMPercentage=…` (and the older `-XX:MaxRAMFraction=n`, read as `100 / n` %),
    /// found in `command`, `args` and the variables `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
    /// `JAVA_OPTS` and `_JAVA_OPTIONS`, with `$(VAR)` references expanded from the container's
    /// `env` as the kubelet does. When a flag is set more than once, the one the JVM applies
    /// wins: sources are read in that order, `_JAVA_OPTIONS` last, and `-Xmx` overrides
    /// `MaxRAMPercentage`. When `command`/`args` run `java`, only flags before the main class
    /// or `-jar file` count (later ones are the application's arguments).
    ///
    /// - heap at or above the memory limit: **error**;
    /// - heap leaving less than 25 % of the limit for non-heap memory: warning;
    /// - `MaxRAMPercentage` of 100 or more: error; above 80: warning;
    /// - a heap flag but no memory limit: warning.
    ///
    /// A container without its own memory limit is compared with the default limit a
    /// `LimitRange` of its namespace (in the input) gives it.
    ///
    /// ## Why it matters
    /// The heap is only part of a JVM's memory: metaspace, thread stacks, the code cache,
    /// direct buffers, GC structures and the JVM itself come on top, typically several hundred
    /// MiB. When heap plus all that reaches the container's limit, the kernel OOM-kills the
    /// container (`OOMKilled`, exit code 137) while the JVM believes it has room left, and the
    /// application log shows nothing. A 2 GiB heap in a 2 GiB container is killed as soon as
    /// the heap fills; `-XX:MaxRAMPercentage=75` lets the heap follow the limit with room to
    /// spare.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    /// spec:
    ///   selector:
    ///     matchLabels: {app: order-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: order-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: eclipse-temurin:21-jre
    ///           args: [java, -Xmx2g, -jar, /app/order-service.jar]
    ///           resources:
    ///             limits: {memory: 2Gi}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: order-service
    /// spec:
    ///   selector:
    ///     matchLabels: {app: order-service}
    ///   template:
    ///     metadata:
    ///       labels: {app: order-service}
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: eclipse-temurin:21-jre
    ///           args: [java, -XX:MaxRAMPercentage=75, -jar, /app/order-service.jar]
    ///           resources:
    ///             limits: {memory: 2Gi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - JVM options (`-Xmx`, `MaxRAMPercentage`): <https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html>
    /// - `JDK_JAVA_OPTIONS` and `JAVA_TOOL_OPTIONS`: <https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html#using-the-jdk_java_options-launcher-environment-variable>
    /// - Expanding `$(VAR)` in commands: <https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/>
    pub struct JvmHeapExceedsMemoryLimit {
        id: "jvm-heap-exceeds-memory-limit",
        category: Resources,
        severity: Error,
        summary: "a JVM heap leaves too little of the container's memory limit, so the container is OOM-killed",
        params: [],
    }
}

const NANOS: i128 = 1_000_000_000;
const MIB: u128 = 1 << 20;

/// `-Xmx2g (2 GiB) set in `JAVA_OPTS``.
fn shown(flag: &HeapFlag<'_>) -> String {
    let size = match flag.size {
        HeapSize::Bytes(b) => format!(" ({})", human_bytes(u128::from(b))),
        HeapSize::RamPercent(_) => String::new(),
    };
    let source = flag.env.map(|e| format!(" in `{e}`")).unwrap_or_default();
    format!("`{}`{size}{source}", flag.flag)
}

fn report_limit_missing(
    obj: &Object<'_>,
    c: &Container<'_>,
    flag: &HeapFlag<'_>,
    out: &mut Sink<'_>,
) {
    let (message, help) = match flag.size {
        HeapSize::Bytes(b) => (
            format!(
                "container `{}` sets a JVM heap of {} but has no memory limit",
                c.name(),
                shown(flag)
            ),
            format!(
                "set `resources.limits.memory` to the heap plus at least a third for non-heap memory (at least {}Mi)",
                (u128::from(b) * 4).div_ceil(3 * MIB)
            ),
        ),
        HeapSize::RamPercent(_) => (
            format!(
                "container `{}` sizes its JVM heap with {} but has no memory limit, so the heap is a share of the whole node's memory",
                c.name(),
                shown(flag)
            ),
            "set `resources.limits.memory`; the heap then follows the limit".to_owned(),
        ),
    };
    out.report(obj, flag.range, message)
        .severity(Severity::Warning)
        .help(help);
}

impl Rule for JvmHeapExceedsMemoryLimit {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        for c in pod
            .containers()
            .filter(|c| c.kind != ContainerKind::Ephemeral)
        {
            let settings = jvm::heap_settings(&c);
            // `-Xmx` wins over `MaxRAMPercentage`.
            let Some(flag) = settings.max_heap.or(settings.max_ram) else {
                continue;
            };
            let (limit, from) = match c.resource_quantity(Resources::Limits, "memory") {
                Some(limit) => (limit, None),
                // Written but not a quantity: `invalid-quantity` reports it.
                None if c.resource(Resources::Limits, "memory").is_some() => continue,
                None => match limit_range_default(cx, obj, Resources::Limits, "memory") {
                    Some(d) => (d.quantity, Some(d.limit_range)),
                    None => {
                        report_limit_missing(obj, &c, &flag, out);
                        continue;
                    }
                },
            };
            let limit_text = limit.node.scalar_text().unwrap_or_default().trim();
            let limit_nanos = limit.value.nanos();
            if limit_nanos <= 0 {
                continue;
            }
            let limit_bytes = limit.value.value().max(0) as u128;
            let name = c.name();
            let (severity, message, help) = match flag.size {
                HeapSize::Bytes(b) => {
                    let heap_nanos = i128::from(b) * NANOS;
                    let suggest = format!(
                        "lower the heap to at most 75 % of the limit (`-Xmx{}m`) or raise the memory limit to at least {}Mi; `-XX:MaxRAMPercentage=75` instead of `-Xmx` makes the heap follow the limit",
                        limit_bytes * 3 / 4 / MIB,
                        (u128::from(b) * 4).div_ceil(3 * MIB)
                    );
                    if heap_nanos >= limit_nanos {
                        (
                            Severity::Error,
                            format!(
                                "container `{name}`: the JVM heap {} is at or above the memory limit {limit_text}, so the container is OOM-killed (exit code 137) before the heap is full",
                                shown(&flag)
                            ),
                            suggest,
                        )
                    } else if (limit_nanos - heap_nanos) * 4 < limit_nanos {
                        let rest = (limit_nanos - heap_nanos) / NANOS;
                        (
                            Severity::Warning,
                            format!(
                                "container `{name}`: the JVM heap {} leaves {} ({} %) of the memory limit {limit_text} for everything else (metaspace, thread stacks, code cache, direct buffers); keep at least 25 %",
                                shown(&flag),
                                human_bytes(rest as u128),
                                rest * 100 / (limit_nanos / NANOS).max(1),
                            ),
                            suggest,
                        )
                    } else {
                        continue;
                    }
                }
                HeapSize::RamPercent(p) if p >= 100.0 => (
                    Severity::Error,
                    format!(
                        "container `{name}`: {} gives the JVM heap the whole memory limit {limit_text}, so the container is OOM-killed (exit code 137) before the heap is full",
                        shown(&flag)
                    ),
                    "lower `-XX:MaxRAMPercentage` to 75".to_owned(),
                ),
                HeapSize::RamPercent(p) if p > 80.0 => (
                    Severity::Warning,
                    format!(
                        "container `{name}`: {} gives the JVM heap {} of the memory limit {limit_text}, leaving less than 20 % for non-heap memory",
                        shown(&flag),
                        human_bytes((limit_bytes as f64 * p / 100.0) as u128),
                    ),
                    "lower `-XX:MaxRAMPercentage` to 75".to_owned(),
                ),
                HeapSize::RamPercent(_) => continue,
            };
            let report = out
                .report(obj, flag.range, message)
                .severity(severity)
                .help(help);
            match from {
                None => {
                    report.related_at(Location::new(obj.file, limit.range()), "the memory limit")
                }
                Some(lr) => report.related(
                    &lr,
                    limit.range(),
                    format!(
                        "the memory limit LimitRange `{}` gives the container",
                        lr.name
                    ),
                ),
            };
        }
    }
}
