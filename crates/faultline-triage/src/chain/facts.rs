//! What the pods of a symptom went through, read once from their status, Events and logs.

use std::collections::HashMap;

use faultline_model::logs::LogCause;
use faultline_model::pod::{Container, PodTemplate};
use faultline_model::pod_status::PodStatus;
use faultline_model::time::Timestamp;
use faultline_model::{Inventory, Object, ObjectId};
use faultline_rules::Context;
use faultline_syntax::NodeRef;

use super::with_owners;

/// What the pods of a symptom went through, read from their status, Events and logs.
pub(crate) struct PodFacts<'a> {
    pub(crate) pods: Vec<&'a Object<'a>>,
    /// The pods and their owners.
    pub(crate) keys: Vec<ObjectId>,
    /// Containers whose current or last run ended `OOMKilled`: (pod, container).
    pub(crate) oom_killed: Vec<(&'a Object<'a>, &'a str)>,
    /// The first container whose current or last run ended with a non-zero exit code.
    pub(crate) exited: Option<(&'a Object<'a>, &'a str, i64)>,
    /// Containers waiting with a reason, with its message: (pod, container, reason, message).
    pub(crate) waiting: Vec<(&'a Object<'a>, &'a str, &'a str, Option<&'a str>)>,
    /// The message of the `Failed` Event (a pull that failed) last seen about the pods.
    pub(crate) pull_failure: Option<&'a str>,
    /// `Unhealthy` events of each probe kind: (count, latest message).
    pub(crate) probe_failures: HashMap<&'static str, (i64, &'a str)>,
    /// Restarts the kubelet made for a failed liveness probe (`Killing` events).
    pub(crate) liveness_kills: i64,
    /// (pod, cause, line, target, count) of log lines that name a cause.
    pub(crate) logs: Vec<(&'a Object<'a>, LogCause, &'a str, Option<&'a str>, u32)>,
    /// Why the scheduler could not place them (FailedScheduling events, PodScheduled).
    pub(crate) unschedulable: Vec<&'a str>,
}

impl<'a> PodFacts<'a> {
    pub(crate) fn gather(cx: &Context<'a>, pods: Vec<&'a Object<'a>>) -> Self {
        let inventory: &'a Inventory<'a> = cx.inventory;
        let keys = with_owners(inventory, &pods);
        let mut oom_killed = Vec::new();
        let mut exited = None;
        let mut waiting = Vec::new();
        let mut unschedulable = Vec::new();
        for pod in &pods {
            let Some(status) = PodStatus::of(pod) else {
                continue;
            };
            for c in status.all_containers() {
                let oom = [c.state.terminated(), c.last_state.terminated()]
                    .into_iter()
                    .flatten()
                    .any(|t| t.reason.is_some_and(|r| r.value == "OOMKilled"));
                if oom {
                    oom_killed.push((*pod, c.name));
                }
                if exited.is_none()
                    && let Some(code) = [c.state.terminated(), c.last_state.terminated()]
                        .into_iter()
                        .flatten()
                        .find_map(|t| t.exit_code.map(|e| e.value).filter(|e| *e != 0))
                {
                    exited = Some((*pod, c.name, code));
                }
                if let Some(w) = c.state.waiting()
                    && let Some(reason) = w.reason
                {
                    waiting.push((*pod, c.name, reason.value, w.message.map(|m| m.value)));
                }
            }
            if let Some(c) = status.condition("PodScheduled")
                && c.status.is_some_and(|s| s.value == "False")
                && let Some(m) = c.message
            {
                unschedulable.push(m.value);
            }
        }
        let mut failed: Option<(Option<Timestamp>, &'a str)> = None;
        let mut probe_failures: HashMap<&'static str, (i64, &'a str)> = HashMap::new();
        let mut liveness_kills = 0;
        for pod in &pods {
            for e in cx.snapshot().events_for(inventory, pod) {
                let reason = e.reason.map_or("", |r| r.value);
                let message = e.message.map_or("", |m| m.value);
                if reason == "Unhealthy" {
                    for kind in ["Liveness", "Readiness", "Startup"] {
                        if message.starts_with(kind) {
                            let entry = probe_failures.entry(kind).or_insert((0, message));
                            entry.0 += e.count;
                            entry.1 = message;
                        }
                    }
                } else if reason == "Killing" && message.contains("liveness probe") {
                    liveness_kills += e.count;
                } else if reason == "FailedScheduling" {
                    unschedulable.push(message);
                } else if reason == "Failed"
                    && let Some(m) = e.message
                    && failed.is_none_or(|(last, _)| e.last >= last)
                {
                    failed = Some((e.last, m.value));
                }
            }
        }
        let mut logs = Vec::new();
        for pod in &pods {
            for l in cx.snapshot().logs_of(pod) {
                logs.push((*pod, l.cause, l.text, l.target, l.count));
            }
        }
        Self {
            pods,
            keys,
            oom_killed,
            exited,
            waiting,
            pull_failure: failed.map(|(_, m)| m),
            probe_failures,
            liveness_kills,
            logs,
            unschedulable,
        }
    }

    pub(crate) fn log(
        &self,
        cause: LogCause,
    ) -> Option<&(&'a Object<'a>, LogCause, &'a str, Option<&'a str>, u32)> {
        self.logs.iter().find(|l| l.1 == cause)
    }

    pub(crate) fn log_lines(&self, cause: LogCause) -> u32 {
        self.logs.iter().filter(|l| l.1 == cause).map(|l| l.4).sum()
    }

    pub(crate) fn waiting_with(
        &self,
        reasons: &[&str],
    ) -> Option<&(&'a Object<'a>, &'a str, &'a str, Option<&'a str>)> {
        self.waiting.iter().find(|w| reasons.contains(&w.2))
    }
}

/// The first probe `field` (`livenessProbe`, `readinessProbe`) of the pods' containers: the
/// pod, the container's name and the probe.
pub(crate) fn first_probe<'a>(
    pods: &[&'a Object<'a>],
    field: &str,
) -> Option<(&'a Object<'a>, &'a str, NodeRef<'a>)> {
    pods.iter().find_map(|p| {
        PodTemplate::of(p)?
            .containers()
            .find_map(|c| c.probe(field).map(|n| (*p, c.name(), n)))
    })
}

/// The container named `name` of `pod`'s spec.
pub(crate) fn container<'a>(pod: &Object<'a>, name: &str) -> Option<Container<'a>> {
    PodTemplate::of(pod)?
        .containers()
        .find(|c| c.name() == name)
}

/// The first app container of `pod`.
pub(crate) fn first_container<'a>(pod: &Object<'a>) -> Option<Container<'a>> {
    PodTemplate::of(pod)?
        .containers()
        .find(|c| c.kind == faultline_model::pod::ContainerKind::App)
}

/// The first scalar under `node` whose text is `text`.
pub(crate) fn find_scalar<'a>(node: NodeRef<'a>, text: &str) -> Option<NodeRef<'a>> {
    if node.scalar_text() == Some(text) {
        return Some(node);
    }
    if node.is_map() {
        node.entries().find_map(|(_, v)| find_scalar(v, text))
    } else if node.is_seq() {
        node.items().find_map(|v| find_scalar(v, text))
    } else {
        None
    }
}
