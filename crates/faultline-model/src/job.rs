//! Jobs and CronJobs: what their spec asks for (back-off limit, deadlines, time to live,
//! schedule, concurrency policy) and what their status says (outcome, counts, times, active
//! Jobs), with the API server's defaults.

use faultline_syntax::NodeRef;

use crate::cron::{self, CronError, Schedule, StepOverflow, Zone};
use crate::field::{self, Field};
use crate::object::Object;
use crate::status::{Condition, Health, conditions, timestamp};
use crate::time::Timestamp;

/// `spec.backoffLimit` when not written.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;

/// A Job (or a CronJob's `jobTemplate`): its spec and, for a Job, its status.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
    /// A non-empty `status` mapping.
    pub status: Option<NodeRef<'a>>,
    pub conditions: Vec<Condition<'a>>,
}

/// How a Job stands.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// `Complete=True`.
    Complete(Condition<'a>),
    /// `Failed=True`, or `FailureTarget=True` (the controller has decided it failed and is
    /// terminating its pods).
    Failed(Condition<'a>),
    /// `spec.suspend: true`.
    Suspended,
    /// Running, or not started yet.
    Running,
}

impl<'a> Job<'a> {
    /// The view of a Job.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "Job" {
            return None;
        }
        let status = obj.status().filter(|s| s.is_map() && !s.is_empty());
        Some(Self {
            object: *obj,
            spec: obj.spec(),
            status,
            conditions: conditions(status),
        })
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition<'a>> {
        self.conditions
            .iter()
            .find(|c| c.type_.value == type_ && c.is_true())
    }

    pub fn outcome(&self) -> Outcome<'a> {
        if let Some(c) = self.condition("Complete") {
            return Outcome::Complete(*c);
        }
        if let Some(c) = self
            .condition("Failed")
            .or_else(|| self.condition("FailureTarget"))
        {
            return Outcome::Failed(*c);
        }
        if field::bool(self.spec, "suspend").is_some_and(|s| s.value) {
            return Outcome::Suspended;
        }
        Outcome::Running
    }

    /// A word for the Job's state (`Completed`, the failure's reason such as
    /// `BackoffLimitExceeded`, `Suspended`, `Running`) and its health: failed is unhealthy,
    /// running past `activeDeadlineSeconds` (the controller has not yet marked it) a warning,
    /// anything else healthy.
    pub fn health(&self, now: Option<Timestamp>) -> (String, Health) {
        match self.outcome() {
            Outcome::Complete(_) => ("Completed".to_owned(), Health::Healthy),
            Outcome::Failed(c) => (
                c.reason.map_or("Failed", |r| r.value).to_owned(),
                Health::Unhealthy,
            ),
            Outcome::Suspended => ("Suspended".to_owned(), Health::Healthy),
            Outcome::Running => {
                let late = self
                    .active_deadline()
                    .zip(self.run_time(now))
                    .is_some_and(|(d, ran)| ran > d.value);
                let health = if late {
                    Health::Warning
                } else {
                    Health::Healthy
                };
                ("Running".to_owned(), health)
            }
        }
    }

    /// `spec.backoffLimit`, with where it is written.
    pub fn backoff_limit(&self) -> (i64, Option<Field<'a, i64>>) {
        let f = field::int(self.spec, "backoffLimit");
        (f.map_or(DEFAULT_BACKOFF_LIMIT, |f| f.value), f)
    }

    pub fn active_deadline(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "activeDeadlineSeconds").filter(|f| f.value > 0)
    }

    pub fn ttl_after_finished(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "ttlSecondsAfterFinished").filter(|f| f.value >= 0)
    }

    /// `status.active`, `status.succeeded`, `status.failed` (absent: 0).
    pub fn count(&self, key: &str) -> i64 {
        field::int(self.status, key).map_or(0, |f| f.value.max(0))
    }

    pub fn start_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "startTime")
    }

    pub fn completion_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "completionTime")
    }

    /// How long it ran: from `startTime` to `completionTime`, or to `now` while it runs.
    pub fn run_time(&self, now: Option<Timestamp>) -> Option<i64> {
        let start = self.start_time()?.value;
        let end = match self.outcome() {
            Outcome::Complete(c) | Outcome::Failed(c) => self
                .completion_time()
                .map(|t| t.value)
                .or(c.last_transition_time.map(|t| t.value))?,
            _ => now?,
        };
        Some(start.seconds_until(end).max(0))
    }
}

/// A CronJob: schedule, policy and status.
#[derive(Clone, Debug)]
pub struct CronJob<'a> {
    pub object: Object<'a>,
    pub spec: Option<NodeRef<'a>>,
    pub status: Option<NodeRef<'a>>,
}

impl<'a> CronJob<'a> {
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "CronJob" {
            return None;
        }
        Some(Self {
            object: *obj,
            spec: obj.spec(),
            status: obj.status().filter(|s| s.is_map() && !s.is_empty()),
        })
    }

    pub fn schedule_field(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "schedule")
    }

    /// The parsed schedule and its steps larger than their range.
    pub fn schedule(&self) -> Option<Result<(Schedule, Vec<StepOverflow>), CronError>> {
        Some(cron::parse_with_notes(self.schedule_field()?.value))
    }

    pub fn time_zone(&self) -> Option<Field<'a, &'a str>> {
        field::str(self.spec, "timeZone")
    }

    pub fn zone(&self) -> Zone {
        Zone::of(self.time_zone().map(|t| t.value))
    }

    /// `spec.concurrencyPolicy` (default `Allow`) and where it is written.
    pub fn concurrency_policy(&self) -> (&'a str, Option<Field<'a, &'a str>>) {
        let f = field::str(self.spec, "concurrencyPolicy");
        (f.map_or("Allow", |f| f.value), f)
    }

    pub fn starting_deadline(&self) -> Option<Field<'a, i64>> {
        field::int(self.spec, "startingDeadlineSeconds")
    }

    pub fn suspended(&self) -> bool {
        field::bool(self.spec, "suspend").is_some_and(|s| s.value)
    }

    /// `spec.jobTemplate.spec`.
    pub fn job_spec(&self) -> Option<NodeRef<'a>> {
        self.spec?.path(&["jobTemplate", "spec"])
    }

    pub fn last_schedule_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "lastScheduleTime")
    }

    pub fn last_successful_time(&self) -> Option<Field<'a, Timestamp>> {
        timestamp(self.status, "lastSuccessfulTime")
    }

    /// `status.active`: the Jobs running now, as (entry, name).
    pub fn active(&self) -> Vec<(NodeRef<'a>, &'a str)> {
        self.status
            .and_then(|s| s.get("active"))
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|e| Some((e, e.get("name")?.as_str()?)))
            .collect()
    }
}

/// The seconds the Job controller waits before recreating the pods of a Job that failed
/// `failures` times: 10 s doubled after each failure, at most 6 minutes
/// (`DefaultJobPodFailureBackOff`, `MaxJobPodFailureBackOff`).
pub fn backoff_before_retry(failures: i64) -> i64 {
    let mut delay: i64 = 10;
    for _ in 1..failures.max(1) {
        delay = (delay * 2).min(360);
    }
    delay.min(360)
}

/// A helper that runs beside the main container and never exits on its own: recognised by
/// the container's name or the last path segment of its image (`istio/proxyv2`,
/// `envoyproxy/envoy`, `cloud-sql-proxy`, `gce-proxy`, `linkerd/proxy`, `fluent-bit`, …).
/// Returns what it is, for messages.
pub fn daemon_helper(container: &crate::pod::Container<'_>) -> Option<&'static str> {
    let name = container.name();
    let image = container
        .image()
        .and_then(|i| i.as_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let repo = image.split('@').next().unwrap_or("");
    // The tag follows the last `:` after the last `/` (a registry port comes before it).
    let repo = match repo.rfind('/') {
        Some(slash) => match repo[slash..].find(':') {
            Some(colon) => &repo[..slash + colon],
            None => repo,
        },
        None => repo.split(':').next().unwrap_or(repo),
    };
    let last = repo.rsplit('/').next().unwrap_or("");
    let by_name = match name {
        "istio-proxy" => Some("the Istio proxy"),
        "linkerd-proxy" => Some("the Linkerd proxy"),
        "cloud-sql-proxy" | "cloudsql-proxy" => Some("the Cloud SQL proxy"),
        "envoy" | "envoy-proxy" => Some("an Envoy proxy"),
        _ => None,
    };
    by_name.or(match last {
        "proxyv2" if repo.contains("istio") => Some("the Istio proxy"),
        "proxy" if repo.contains("linkerd") => Some("the Linkerd proxy"),
        "envoy" | "envoy-distroless" => Some("an Envoy proxy"),
        "cloud-sql-proxy" | "gce-proxy" | "cloudsql-proxy" => Some("the Cloud SQL proxy"),
        "fluent-bit" | "fluentd" | "fluentd-kubernetes-daemonset" => Some("a log shipper"),
        "oauth2-proxy" => Some("an OAuth2 proxy"),
        _ => None,
    })
}

/// A service mesh that injects a proxy container into the pods of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mesh {
    Istio,
    Linkerd,
}

impl Mesh {
    pub fn name(self) -> &'static str {
        match self {
            Mesh::Istio => "Istio",
            Mesh::Linkerd => "Linkerd",
        }
    }
}

/// Where a mesh is told to inject: a Namespace's label or annotation, or the template's.
#[derive(Clone, Copy, Debug)]
pub struct Injection<'a> {
    pub mesh: Mesh,
    /// The label or annotation value that enables it.
    pub node: NodeRef<'a>,
    /// On the Namespace (else on the pod template).
    pub on_namespace: bool,
}

fn meta_value<'a>(meta: Option<NodeRef<'a>>, section: &str, key: &str) -> Option<NodeRef<'a>> {
    meta?.get(section)?.get(key).filter(|v| v.is_scalar())
}

/// Whether a mesh injects its proxy as a regular container into pods with template metadata
/// `template` in a namespace whose metadata is `namespace`: Istio with the Namespace label
/// `istio-injection: enabled` or `istio.io/rev`, or the template's `sidecar.istio.io/inject:
/// "true"`, unless the template opts out (`sidecar.istio.io/inject: "false"`, label or
/// annotation) or asks for a native sidecar (`sidecar.istio.io/nativeSidecar: "true"`);
/// Linkerd with `linkerd.io/inject: enabled` on either, unless the template says `disabled`
/// or either enables `config.alpha.linkerd.io/proxy-enable-native-sidecar`. Installs that make
/// every proxy native (Istio's `ENABLE_NATIVE_SIDECARS`) are not visible in manifests.
pub fn mesh_injection<'a>(
    namespace: Option<NodeRef<'a>>,
    template: Option<NodeRef<'a>>,
) -> Option<Injection<'a>> {
    let either = |m: Option<NodeRef<'a>>, key: &str| {
        meta_value(m, "labels", key).or_else(|| meta_value(m, "annotations", key))
    };
    let text = |n: Option<NodeRef<'a>>| n.and_then(|n| n.scalar_text());
    // Istio.
    let pod_inject = either(template, "sidecar.istio.io/inject");
    let native = text(either(template, "sidecar.istio.io/nativeSidecar")) == Some("true");
    let istio = if text(pod_inject) == Some("false") || native {
        None
    } else if text(pod_inject) == Some("true") {
        pod_inject.map(|node| (node, false))
    } else {
        meta_value(namespace, "labels", "istio-injection")
            .filter(|v| v.scalar_text() == Some("enabled"))
            .or_else(|| meta_value(namespace, "labels", "istio.io/rev"))
            .map(|node| (node, true))
    };
    if let Some((node, on_namespace)) = istio {
        return Some(Injection {
            mesh: Mesh::Istio,
            node,
            on_namespace,
        });
    }
    // Linkerd.
    let native_key = "config.alpha.linkerd.io/proxy-enable-native-sidecar";
    if text(either(template, native_key)) == Some("true")
        || text(either(namespace, native_key)) == Some("true")
    {
        return None;
    }
    let pod = meta_value(template, "annotations", "linkerd.io/inject");
    match text(pod) {
        Some("disabled") => None,
        Some("enabled") => pod.map(|node| Injection {
            mesh: Mesh::Linkerd,
            node,
            on_namespace: false,
        }),
        _ => meta_value(namespace, "annotations", "linkerd.io/inject")
            .filter(|v| v.scalar_text() == Some("enabled"))
            .map(|node| Injection {
                mesh: Mesh::Linkerd,
                node,
                on_namespace: true,
            }),
    }
}

/// Whether a container's command line ends a mesh proxy or helper when the work is done:
/// Istio's `/quitquitquit` (also the Cloud SQL proxy's with `--quitquitquit`), `linkerd-await
/// --shutdown`, `pilot-agent request POST quitquitquit`.
pub fn shuts_down_helpers(container: &crate::pod::Container<'_>) -> bool {
    container.command_line().any(|n| {
        n.as_str().is_some_and(|t| {
            t.contains("quitquitquit") || (t.contains("linkerd-await") && t.contains("--shutdown"))
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn with<T>(text: &str, f: impl FnOnce(&Object<'_>) -> T) -> T {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        f(&inv.objects[0])
    }

    #[test]
    fn job_outcomes_and_run_time() {
        let now = Timestamp::parse("2024-05-01T12:00:00Z");
        with(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {backoffLimit: 2}\nstatus:\n  startTime: 2024-05-01T10:00:00Z\n  failed: 3\n  conditions: [{type: FailureTarget, status: \"True\", reason: BackoffLimitExceeded, lastTransitionTime: 2024-05-01T10:30:00Z}]\n",
            |o| {
                let j = Job::of(o).unwrap();
                assert!(
                    matches!(j.outcome(), Outcome::Failed(c) if c.reason.unwrap().value == "BackoffLimitExceeded")
                );
                assert_eq!(j.backoff_limit().0, 2);
                assert_eq!(j.count("failed"), 3);
                assert_eq!(j.run_time(now), Some(1800));
            },
        );
        with(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nstatus: {startTime: 2024-05-01T11:00:00Z, active: 1}\n",
            |o| {
                let j = Job::of(o).unwrap();
                assert!(matches!(j.outcome(), Outcome::Running));
                assert!(j.backoff_limit().0 == 6 && j.backoff_limit().1.is_none());
                assert_eq!(j.run_time(now), Some(3600));
            },
        );
    }

    #[test]
    fn cron_job_fields() {
        with(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', timeZone: Europe/Paris, concurrencyPolicy: Forbid}\nstatus:\n  lastScheduleTime: 2024-05-01T00:00:00Z\n  active: [{kind: Job, name: c-1}, {kind: Job, name: c-2}]\n",
            |o| {
                let c = CronJob::of(o).unwrap();
                assert!(c.schedule().unwrap().is_ok());
                assert_eq!(c.zone(), Zone::Unknown);
                assert_eq!(c.concurrency_policy().0, "Forbid");
                assert_eq!(
                    c.active().iter().map(|a| a.1).collect::<Vec<_>>(),
                    ["c-1", "c-2"]
                );
                assert!(c.last_successful_time().is_none());
            },
        );
    }

    #[test]
    fn backoff_doubles_to_six_minutes() {
        assert_eq!(
            (1..=8).map(backoff_before_retry).collect::<Vec<_>>(),
            [10, 20, 40, 80, 160, 320, 360, 360]
        );
    }

    #[test]
    fn helpers_and_mesh_injection() {
        with(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: app, image: registry.example.com/app:1}\n    - {name: proxy, image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0'}\n    - {name: sidecar, image: 'docker.io/istio/proxyv2:1.22.0'}\n    - {name: logs, image: 'localhost:5000/fluent/fluent-bit'}\n",
            |o| {
                let t = crate::pod::PodTemplate::of(o).unwrap();
                let found: Vec<_> = t.containers().map(|c| daemon_helper(&c)).collect();
                assert_eq!(
                    found,
                    [
                        None,
                        Some("the Cloud SQL proxy"),
                        Some("the Istio proxy"),
                        Some("a log shipper")
                    ]
                );
            },
        );
        let meta = |text: &str| -> Option<(Mesh, bool)> {
            with(text, |o| {
                let ns = o.node.get("ns");
                let tpl = o.node.get("tpl");
                mesh_injection(ns, tpl).map(|i| (i.mesh, i.on_namespace))
            })
        };
        let doc = |ns: &str, tpl: &str| {
            format!("apiVersion: v1\nkind: X\nmetadata: {{name: x}}\nns: {ns}\ntpl: {tpl}\n")
        };
        assert_eq!(
            meta(&doc("{labels: {istio-injection: enabled}}", "{}")),
            Some((Mesh::Istio, true))
        );
        assert_eq!(
            meta(&doc(
                "{labels: {istio-injection: enabled}}",
                "{labels: {sidecar.istio.io/inject: 'false'}}"
            )),
            None
        );
        assert_eq!(
            meta(&doc(
                "{labels: {istio.io/rev: canary}}",
                "{annotations: {sidecar.istio.io/nativeSidecar: 'true'}}"
            )),
            None
        );
        assert_eq!(
            meta(&doc("{}", "{labels: {sidecar.istio.io/inject: 'true'}}")),
            Some((Mesh::Istio, false))
        );
        assert_eq!(
            meta(&doc("{annotations: {linkerd.io/inject: enabled}}", "{}")),
            Some((Mesh::Linkerd, true))
        );
        assert_eq!(
            meta(&doc(
                "{annotations: {linkerd.io/inject: enabled}}",
                "{annotations: {linkerd.io/inject: disabled}}"
            )),
            None
        );
        assert_eq!(
            meta(&doc(
                "{annotations: {linkerd.io/inject: enabled, config.alpha.linkerd.io/proxy-enable-native-sidecar: 'true'}}",
                "{}"
            )),
            None
        );
        assert_eq!(
            meta(&doc("{labels: {istio-injection: disabled}}", "{}")),
            None
        );
    }
}
