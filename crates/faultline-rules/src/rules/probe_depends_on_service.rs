use faultline_model::pod::PodTemplate;
use faultline_model::probe::{Check, HandlerKind, Probe, ProbeKind};
use faultline_model::selector::Labels;
use faultline_model::views::service::Service;
use faultline_model::waits::{Target, scan_text};
use faultline_model::{Object, field};
use faultline_syntax::NodeRef;

use crate::hosts::{HostRef, host_refs, service_name};
use crate::netpol::name_range;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a readiness or liveness probe that checks another service: an `exec` probe
    /// whose command connects to another host (`pg_isready -h postgres`, `redis-cli -h
    /// redis.cache ping`, `curl http://auth/health`, `nc -z db 5432`…, read as
    /// `init-container-waits-for-missing` reads wait loops), an `httpGet` probe sent to
    /// another `host`, or an `httpGet` path that by its name checks dependencies
    /// (`/health/dependencies`, `/health/deep`, `…/upstream…`). The finding sits on the host
    /// in the command, the `host` or the `path`, and names the dependency: the Service of the
    /// input the host names, or for a path the hosts the workload's configuration connects to
    /// (env, arguments, imported ConfigMaps, as `netpol-blocks-service-dependency` reads them).
    ///
    /// Spring Boot's `/actuator/health` aggregates every health indicator, the database and
    /// Redis included; as a readiness or liveness probe it is reported too when the
    /// configuration names a host the application connects to (its
    /// `/actuator/health/readiness` and `/liveness` groups leave dependencies out). Hosts that
    /// are the pod itself (`localhost`, addresses, a Service selecting the pod) are not
    /// dependencies. Startup probes are left out.
    ///
    /// ## Why it matters
    /// A shared dependency's outage then fails the probe of every replica of every service
    /// that checks it, at the same moment: readiness takes all their endpoints away (the
    /// services answer nothing, not even what works without the dependency), liveness
    /// restarts them all, and when the dependency recovers it meets a thundering herd.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: orders
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: orders
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: orders
    ///     spec:
    ///       containers:
    ///         - name: orders
    ///           image: registry.example.com/orders:4.2.0
    ///           readinessProbe:
    ///             exec:
    ///               command: ["pg_isready", "-h", "postgres.db", "-p", "5432"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: orders
    ///   namespace: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: orders
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: orders
    ///     spec:
    ///       containers:
    ///         - name: orders
    ///           image: registry.example.com/orders:4.2.0
    ///           ports:
    ///             - containerPort: 8080
    ///           readinessProbe:
    ///             httpGet:
    ///               path: /ready
    ///               port: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Configure liveness, readiness and startup probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/>
    /// - Spring Boot, Kubernetes probes: <https://docs.spring.io/spring-boot/reference/actuator/endpoints.html#actuator.endpoints.kubernetes-probes>
    pub struct ProbeDependsOnService {
        id: "probe-depends-on-service",
        category: Probes,
        severity: Warning,
        summary: "a readiness or liveness probe checks another service, so one outage fails every replica's probe at once",
        params: [],
    }
}

impl Rule for ProbeDependsOnService {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        // Findings about a pod spec belong to its controller when that is in the input.
        if cx.graph.owner(obj.id).is_some() {
            return;
        }
        let labels: Labels = pod
            .labels()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let mut refs: Option<Vec<HostRef>> = None;
        for container in pod.long_running_containers() {
            for kind in [ProbeKind::Readiness, ProbeKind::Liveness] {
                let Some(probe) = Probe::of(&container, kind) else {
                    continue;
                };
                let Some(handler) = probe.handler() else {
                    continue;
                };
                let at = Site {
                    obj,
                    container: container.name(),
                    kind,
                    labels: &labels,
                };
                match handler.kind {
                    HandlerKind::Exec => exec(cx, &at, handler.node, out),
                    HandlerKind::HttpGet => {
                        if let Some(Check::Http { .. }) = handler.check(&container) {
                            http(cx, &at, handler.node, &mut refs, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The probe being checked.
struct Site<'s, 'a> {
    obj: &'s Object<'a>,
    container: &'a str,
    kind: ProbeKind,
    labels: &'s Labels,
}

impl Site<'_, '_> {
    fn what(&self) -> String {
        format!(
            "the {} probe of container `{}`",
            self.kind.noun(),
            self.container
        )
    }

    /// What an outage of `dependency` (`that dependency`, `a dependency it checks`) does.
    fn effect(&self, dependency: &str) -> String {
        match self.kind {
            ProbeKind::Liveness => format!(
                "when {dependency} is down, every replica fails the probe at once and is restarted"
            ),
            _ => format!(
                "when {dependency} is down, every replica fails readiness at once and the pods' Services lose all their endpoints"
            ),
        }
    }
}

/// The Service a host names in the input, unless it selects the probing pod itself.
enum Resolved<'a> {
    Service(&'a Object<'a>),
    OwnService,
    Unknown,
}

fn resolve<'a>(cx: &Context<'a>, host: &str, site: &Site<'_, '_>) -> Resolved<'a> {
    let ns = site.obj.namespace.unwrap_or("default");
    let Some((sns, sname)) = service_name(host, true, ns) else {
        return Resolved::Unknown;
    };
    let Some(svc) = cx.inventory.find("Service", Some(sns), sname) else {
        return Resolved::Unknown;
    };
    let own = sns == ns
        && Service::of(svc)
            .and_then(|s| s.selector())
            .is_some_and(|sel| sel.selector.matches(site.labels));
    if own {
        Resolved::OwnService
    } else {
        Resolved::Service(svc)
    }
}

/// What a command's tool checks: `PostgreSQL`, `Redis`…
fn tool_of(text: &str) -> &'static str {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')'))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .collect();
    let has = |names: &[&str]| words.iter().any(|w| names.contains(w));
    if has(&["pg_isready", "psql"]) {
        "PostgreSQL"
    } else if has(&["mysqladmin", "mysql"]) {
        "MySQL"
    } else if has(&["redis-cli"]) {
        "Redis"
    } else if has(&["mongosh", "mongo"]) {
        "MongoDB"
    } else if has(&["curl", "wget"]) {
        "the HTTP service"
    } else {
        "the service"
    }
}

fn exec(cx: &Context<'_>, site: &Site<'_, '_>, handler: NodeRef<'_>, out: &mut Sink<'_>) {
    let items: Vec<NodeRef<'_>> = handler
        .get("command")
        .into_iter()
        .flat_map(|c| c.items())
        .collect();
    let texts: Vec<&str> = items.iter().filter_map(|i| i.scalar_text()).collect();
    let joined = texts.join(" ");
    let tool = tool_of(&joined);
    for target in scan_text(&joined) {
        let Target::Host(host) = target else {
            continue;
        };
        let svc = match resolve(cx, &host, site) {
            Resolved::OwnService => continue,
            Resolved::Service(svc) => Some(svc),
            Resolved::Unknown => None,
        };
        let Some(node) = items
            .iter()
            .find(|i| i.scalar_text().is_some_and(|t| t.contains(host.as_str())))
        else {
            continue;
        };
        let dependency = match svc {
            Some(s) => format!(
                "{tool} at `{host}` (Service `{}/{}`)",
                s.namespace.unwrap_or("default"),
                s.name
            ),
            None => format!("{tool} at `{host}`"),
        };
        let mut report = out
            .report(
                site.obj,
                node.range(),
                format!(
                    "{} checks {dependency}, another service: {}",
                    site.what(),
                    site.effect("that service")
                ),
            )
            .help(help(site.kind));
        if let Some(s) = svc {
            report = report.related(s, name_range(s), format!("Service `{}`", s.name));
        }
        let _ = report;
    }
}

fn help(kind: ProbeKind) -> String {
    format!(
        "make the {} probe check only what the container itself serves (its own port or a local command); report dependencies' health in metrics or an endpoint no probe calls",
        kind.noun()
    )
}

/// Path words that say "this checks my dependencies".
const DEPENDENCY_WORDS: &[&str] = &["depend", "deep", "upstream", "downstream"];

fn http(
    cx: &Context<'_>,
    site: &Site<'_, '_>,
    handler: NodeRef<'_>,
    refs: &mut Option<Vec<HostRef>>,
    out: &mut Sink<'_>,
) {
    // A probe sent to another host.
    if let Some(host) = field::str(Some(handler), "host").filter(|h| !h.value.is_empty())
        && host.value.parse::<std::net::IpAddr>().is_err()
        && host.value != "localhost"
    {
        let svc = match resolve(cx, host.value, site) {
            Resolved::OwnService => return,
            Resolved::Service(svc) => Some(svc),
            Resolved::Unknown => None,
        };
        let mut report = out
            .report(
                site.obj,
                host.range(),
                format!(
                    "{} is sent to `{}`, another host, not to the pod: {}",
                    site.what(),
                    host.value,
                    site.effect("that host")
                ),
            )
            .help(help(site.kind));
        if let Some(s) = svc {
            report = report.related(s, name_range(s), format!("Service `{}`", s.name));
        }
        let _ = report;
        return;
    }
    let Some(path) = field::str(Some(handler), "path") else {
        return;
    };
    let lower = path.value.to_ascii_lowercase();
    let route = lower.split(['?', '#']).next().unwrap_or("");
    let worded = DEPENDENCY_WORDS.iter().any(|w| lower.contains(w));
    let actuator = route.trim_end_matches('/') == "/actuator/health";
    if !worded && !actuator {
        return;
    }
    let refs = refs.get_or_insert_with(|| connections(cx, site.obj));
    let names: Vec<String> = refs.iter().take(3).map(HostRef::written).collect();
    let deps = if names.is_empty() {
        String::new()
    } else {
        format!(
            " (its configuration connects to {}{})",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if refs.len() > 3 { " and more" } else { "" }
        )
    };
    let what = if actuator {
        "Spring Boot's aggregate health, which includes every health indicator (the database, Redis, …)"
    } else {
        "a path that by its name checks the services the container depends on"
    };
    // The aggregate health of an application that connects to nothing checks nothing
    // outside it (disk space, ping).
    if actuator && !worded && refs.is_empty() {
        return;
    }
    let help = if actuator {
        format!(
            "probe `/actuator/health/{}` instead (management.endpoint.health.probes.enabled), which leaves dependencies out",
            if site.kind == ProbeKind::Liveness {
                "liveness"
            } else {
                "readiness"
            }
        )
    } else {
        help(site.kind)
    };
    let mut report = out
        .report(
            site.obj,
            path.range(),
            format!(
                "{} calls `{}`, {what}{deps}: {}",
                site.what(),
                path.value,
                site.effect("a dependency it checks")
            ),
        )
        .help(help);
    for r in refs.iter().take(3) {
        let holder = cx.inventory.get(r.holder);
        report = report.related(holder, r.range, format!("the address `{}`", r.written()));
    }
    let _ = report;
}

/// The hosts a workload's configuration connects to: explicit addresses and Services of the
/// input, not the pod itself.
fn connections(cx: &Context<'_>, obj: &Object<'_>) -> Vec<HostRef> {
    let ns = obj.namespace.unwrap_or("default");
    let mut out: Vec<HostRef> = Vec::new();
    for r in host_refs(cx, obj) {
        let in_input = r
            .service_name(ns)
            .is_some_and(|(sns, name)| cx.inventory.find("Service", Some(sns), name).is_some());
        let local = r.host == "localhost" || r.host.parse::<std::net::IpAddr>().is_ok();
        if (r.explicit || in_input) && !local && !out.iter().any(|o| o.host == r.host) {
            out.push(r);
        }
    }
    out
}
