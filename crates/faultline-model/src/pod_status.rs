//! A Pod's status: phase, conditions, container statuses, the STATUS column `kubectl get pods`
//! prints for it, and a health verdict.
//!
//! [`PodStatus::kubectl_status`] follows `printPod` in kubectl
//! (`pkg/printers/internalversion/printers.go`): the phase or `status.reason`, then the first
//! init container that has not succeeded (`Init:Error`, `Init:CrashLoopBackOff`, `Init:0/2`),
//! then the last container with a waiting or terminated reason (`CrashLoopBackOff`,
//! `OOMKilled`, `ExitCode:2`), `Completed` turned back to `Running`/`NotReady` while a container
//! still runs, and `Terminating` for a deleted pod whose phase is not final. Sidecars
//! (restartable init containers) count as containers.
//!
//! [`PodStatus::health`] is faultline's own verdict, in order:
//!
//! 1. deleted: [`Health::Warning`] when the deletion is more than 15 minutes old (stuck on a
//!    finalizer or an unreachable node), else [`Health::Unknown`] (terminating) unless the
//!    phase is final;
//! 2. `Evicted`: warning (the pod is a leftover; its controller made a new one);
//! 3. phase `Succeeded`: healthy; `Failed`: unhealthy;
//! 4. a container (init or regular) waiting with a failure reason (one starting with `Err` or
//!    ending in `Error` or `BackOff`, and `InvalidImageName`): unhealthy;
//! 5. an init container that exited non-zero: unhealthy;
//! 6. `PodScheduled` false: unhealthy;
//! 7. a container that restarted, when the pod is not ready: unhealthy; when it is ready but the
//!    last termination was less than 24 hours before now: warning;
//! 8. running and ready: healthy; running and not ready for 5 minutes or more (or for an unknown
//!    time): unhealthy; for less: unknown (starting);
//! 9. anything else (pending, unknown phase): unknown.

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::object::Object;
use crate::status::{Condition, Health, conditions, timestamp};
use crate::time::{Timestamp, human_duration};

/// How long a deletion may take before the pod counts as stuck terminating.
pub const STUCK_TERMINATING_SECS: i64 = 15 * 60;
/// How long a container may stay not ready after starting before the pod counts as unhealthy.
pub const NOT_READY_GRACE_SECS: i64 = 5 * 60;
/// How long after a restart a ready pod still counts as a warning.
pub const RECENT_RESTART_SECS: i64 = 24 * 3600;

/// The status of a Pod that carries one.
#[derive(Clone, Debug)]
pub struct PodStatus<'a> {
    pub object: Object<'a>,
    /// The `status` mapping.
    pub node: NodeRef<'a>,
    pub phase: Option<Field<'a, &'a str>>,
    /// `status.reason` (`Evicted`, `NodeLost`, `UnexpectedAdmissionError`).
    pub reason: Option<Field<'a, &'a str>>,
    pub message: Option<Field<'a, &'a str>>,
    pub conditions: Vec<Condition<'a>>,
    pub init_containers: Vec<ContainerStatus<'a>>,
    pub containers: Vec<ContainerStatus<'a>>,
    pub start_time: Option<Field<'a, Timestamp>>,
    pub deletion_timestamp: Option<Field<'a, Timestamp>>,
    /// `spec.nodeName`: the node the pod is bound to.
    pub node_name: Option<Field<'a, &'a str>>,
}

/// One entry of `containerStatuses` or `initContainerStatuses`.
#[derive(Clone, Copy, Debug)]
pub struct ContainerStatus<'a> {
    pub node: NodeRef<'a>,
    pub name: &'a str,
    /// From `initContainerStatuses`.
    pub init: bool,
    /// A restartable init container (`restartPolicy: Always` in the spec): a sidecar.
    pub sidecar: bool,
    pub ready: Option<Field<'a, bool>>,
    pub started: Option<Field<'a, bool>>,
    pub restart_count: Option<Field<'a, i64>>,
    pub image: Option<Field<'a, &'a str>>,
    pub state: State<'a>,
    /// `lastState`: how the previous run ended.
    pub last_state: State<'a>,
}

/// A container's `state` or `lastState`.
#[derive(Clone, Copy, Debug)]
pub enum State<'a> {
    None,
    Waiting(Waiting<'a>),
    Running(Running<'a>),
    Terminated(Terminated<'a>),
}

#[derive(Clone, Copy, Debug)]
pub struct Waiting<'a> {
    pub node: NodeRef<'a>,
    pub reason: Option<Field<'a, &'a str>>,
    pub message: Option<Field<'a, &'a str>>,
}

#[derive(Clone, Copy, Debug)]
pub struct Running<'a> {
    pub node: NodeRef<'a>,
    pub started_at: Option<Field<'a, Timestamp>>,
}

#[derive(Clone, Copy, Debug)]
pub struct Terminated<'a> {
    pub node: NodeRef<'a>,
    pub reason: Option<Field<'a, &'a str>>,
    pub message: Option<Field<'a, &'a str>>,
    pub exit_code: Option<Field<'a, i64>>,
    pub signal: Option<Field<'a, i64>>,
    pub started_at: Option<Field<'a, Timestamp>>,
    pub finished_at: Option<Field<'a, Timestamp>>,
}

impl<'a> Terminated<'a> {
    /// The reason, or `Signal:N` / `ExitCode:N` as kubectl prints a reasonless termination.
    pub fn label(&self) -> String {
        match (self.reason, self.signal, self.exit_code) {
            (Some(r), _, _) => r.value.to_owned(),
            (None, Some(s), _) if s.value != 0 => format!("Signal:{}", s.value),
            (None, _, code) => format!("ExitCode:{}", code.map_or(0, |c| c.value)),
        }
    }

    /// The node a finding about this termination points at.
    pub fn anchor(&self) -> NodeRef<'a> {
        self.reason
            .map(|r| r.node)
            .or(self.exit_code.map(|c| c.node))
            .unwrap_or(self.node)
    }
}

impl<'a> State<'a> {
    /// Reads a `state`/`lastState` mapping. kubelet sets one key; with several, the first of
    /// `waiting`, `terminated`, `running` wins, in the order kubectl looks at them.
    pub fn of(node: Option<NodeRef<'a>>) -> Self {
        let Some(node) = node.filter(|n| n.is_map()) else {
            return State::None;
        };
        let str = |n: NodeRef<'a>, k: &str| field::str(Some(n), k).filter(|f| !f.value.is_empty());
        if let Some(w) = node.get("waiting").filter(|w| w.is_map()) {
            return State::Waiting(Waiting {
                node: w,
                reason: str(w, "reason"),
                message: str(w, "message"),
            });
        }
        if let Some(t) = node.get("terminated").filter(|t| t.is_map()) {
            let t1 = Some(t);
            return State::Terminated(Terminated {
                node: t,
                reason: str(t, "reason"),
                message: str(t, "message"),
                exit_code: field::int(t1, "exitCode"),
                signal: field::int(t1, "signal"),
                started_at: timestamp(t1, "startedAt"),
                finished_at: timestamp(t1, "finishedAt"),
            });
        }
        if let Some(r) = node.get("running").filter(|r| r.is_map()) {
            return State::Running(Running {
                node: r,
                started_at: timestamp(Some(r), "startedAt"),
            });
        }
        State::None
    }

    pub fn waiting(&self) -> Option<&Waiting<'a>> {
        match self {
            State::Waiting(w) => Some(w),
            _ => None,
        }
    }

    pub fn terminated(&self) -> Option<&Terminated<'a>> {
        match self {
            State::Terminated(t) => Some(t),
            _ => None,
        }
    }

    pub fn running(&self) -> Option<&Running<'a>> {
        match self {
            State::Running(r) => Some(r),
            _ => None,
        }
    }
}

impl<'a> ContainerStatus<'a> {
    pub fn restarts(&self) -> i64 {
        self.restart_count.map_or(0, |r| r.value.max(0))
    }

    pub fn is_ready(&self) -> bool {
        self.ready.is_some_and(|r| r.value)
    }

    /// The waiting reason, when the container waits for one.
    pub fn waiting_reason(&self) -> Option<Field<'a, &'a str>> {
        self.state.waiting().and_then(|w| w.reason)
    }

    /// The container's spec entry (`spec.containers[]` or `spec.initContainers[]` with its name).
    pub fn spec<'p>(&self, pod: &PodStatus<'p>) -> Option<NodeRef<'p>> {
        let key = if self.init {
            "initContainers"
        } else {
            "containers"
        };
        pod.object
            .spec()?
            .get(key)?
            .items()
            .find(|c| c.get("name").and_then(|n| n.scalar_text()) == Some(self.name))
    }
}

/// Whether a waiting reason means the container is failing rather than on its way: kubelet's
/// error reasons start with `Err` or end in `Error` or `BackOff` (`ErrImagePull`,
/// `CreateContainerConfigError`, `CrashLoopBackOff`, `ImagePullBackOff`), plus
/// `InvalidImageName`.
pub fn is_failure_reason(reason: &str) -> bool {
    reason.starts_with("Err")
        || reason.ends_with("Error")
        || reason.ends_with("BackOff")
        || reason == "InvalidImageName"
}

/// What [`PodStatus::classify`] says about a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The STATUS column of `kubectl get pods`.
    pub status: String,
    pub health: Health,
    /// Why, in a few words (`container `app` is waiting: `CrashLoopBackOff``).
    pub why: String,
    /// READY: ready containers and all containers (sidecars included).
    pub ready: (u32, u32),
    /// RESTARTS, as kubectl counts them.
    pub restarts: i64,
}

impl<'a> PodStatus<'a> {
    /// The status view of a Pod that has a non-empty `status` mapping; `None` for anything
    /// else (a manifest, `status: {}` as `kubectl create --dry-run -o yaml` writes it, another
    /// kind).
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        if obj.kind != "Pod" {
            return None;
        }
        let node = obj.status().filter(|s| s.is_map() && !s.is_empty())?;
        let s = Some(node);
        let spec = obj.spec();
        let sidecars: Vec<&str> = spec
            .and_then(|sp| sp.get("initContainers"))
            .into_iter()
            .flat_map(|l| l.items())
            .filter(|c| c.get("restartPolicy").and_then(|p| p.as_str()) == Some("Always"))
            .filter_map(|c| c.get("name").and_then(|n| n.as_str()))
            .collect();
        let statuses = |key: &str, init: bool| -> Vec<ContainerStatus<'a>> {
            node.get(key)
                .into_iter()
                .flat_map(|l| l.items())
                .filter(|c| c.is_map())
                .map(|c| {
                    let n = Some(c);
                    let name = c.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
                    ContainerStatus {
                        node: c,
                        name,
                        init,
                        sidecar: init && sidecars.contains(&name),
                        ready: field::bool(n, "ready"),
                        started: field::bool(n, "started"),
                        restart_count: field::int(n, "restartCount"),
                        image: field::str(n, "image"),
                        state: State::of(c.get("state")),
                        last_state: State::of(c.get("lastState")),
                    }
                })
                .collect()
        };
        Some(Self {
            object: *obj,
            node,
            phase: field::str(s, "phase").filter(|p| !p.value.is_empty()),
            reason: field::str(s, "reason").filter(|r| !r.value.is_empty()),
            message: field::str(s, "message").filter(|m| !m.value.is_empty()),
            conditions: conditions(s),
            init_containers: statuses("initContainerStatuses", true),
            containers: statuses("containerStatuses", false),
            start_time: timestamp(s, "startTime"),
            deletion_timestamp: timestamp(obj.metadata(), "deletionTimestamp"),
            node_name: field::str(spec, "nodeName").filter(|n| !n.value.is_empty()),
        })
    }

    pub fn condition(&self, type_: &str) -> Option<&Condition<'a>> {
        self.conditions.iter().find(|c| c.type_.value == type_)
    }

    /// Init containers, then regular ones.
    pub fn all_containers(&self) -> impl Iterator<Item = &ContainerStatus<'a>> {
        self.init_containers.iter().chain(&self.containers)
    }

    /// The init container the pod is held at, as `kubectl get pods` finds it for
    /// `Init:…`: the first that has not exited 0 (a started sidecar does not hold the pod),
    /// with its index; `None` once the pod is `Initialized`.
    pub fn blocking_init(&self) -> Option<(usize, &ContainerStatus<'a>)> {
        if self.condition("Initialized").is_some_and(|c| c.is_true()) {
            return None;
        }
        self.init_containers.iter().enumerate().find(|(_, c)| {
            let done = c
                .state
                .terminated()
                .is_some_and(|t| t.exit_code.is_some_and(|e| e.value == 0));
            let sidecar_up = c.sidecar && c.started.is_some_and(|s| s.value);
            !done && !sidecar_up
        })
    }

    fn phase_is(&self, phase: &str) -> bool {
        self.phase.is_some_and(|p| p.value == phase)
    }

    fn spec_count(&self, key: &str) -> usize {
        self.object
            .spec()
            .and_then(|s| s.get(key))
            .map_or(0, |l| l.len())
    }

    /// The STATUS column, READY and RESTARTS of `kubectl get pods`.
    pub fn kubectl_status(&self) -> (String, (u32, u32), i64) {
        let mut reason = self.phase.map_or("", |p| p.value).to_owned();
        if let Some(r) = self.reason {
            reason = r.value.to_owned();
        }
        if self
            .condition("PodScheduled")
            .and_then(|c| c.reason)
            .is_some_and(|r| r.value == "SchedulingGated")
        {
            reason = "SchedulingGated".to_owned();
        }
        let sidecars = self
            .object
            .spec()
            .and_then(|s| s.get("initContainers"))
            .into_iter()
            .flat_map(|l| l.items())
            .filter(|c| c.get("restartPolicy").and_then(|p| p.as_str()) == Some("Always"))
            .count();
        let total = (self.spec_count("containers") + sidecars) as u32;
        let init_total = self.spec_count("initContainers");
        let (mut ready, mut restarts, mut sidecar_restarts) = (0u32, 0i64, 0i64);
        let mut initializing = false;
        for (i, c) in self.init_containers.iter().enumerate() {
            restarts += c.restarts();
            if c.sidecar {
                sidecar_restarts += c.restarts();
            }
            let terminated = c.state.terminated();
            if terminated.is_some_and(|t| t.exit_code.is_some_and(|e| e.value == 0)) {
                continue;
            }
            if c.sidecar && c.started.is_some_and(|s| s.value) {
                ready += u32::from(c.is_ready());
                continue;
            }
            reason = match (terminated, c.waiting_reason()) {
                (Some(t), _) => format!("Init:{}", t.label()),
                (None, Some(w)) if w.value != "PodInitializing" => format!("Init:{}", w.value),
                _ => format!("Init:{i}/{init_total}"),
            };
            initializing = true;
            break;
        }
        let initialized = self.condition("Initialized").is_some_and(|c| c.is_true());
        if !initializing || initialized {
            restarts = sidecar_restarts;
            let mut has_running = false;
            for c in self.containers.iter().rev() {
                restarts += c.restarts();
                if let Some(w) = c.waiting_reason() {
                    reason = w.value.to_owned();
                } else if let Some(t) = c.state.terminated() {
                    reason = t.label();
                } else if c.is_ready() && c.state.running().is_some() {
                    has_running = true;
                    ready += 1;
                }
            }
            if reason == "Completed" && has_running {
                let pod_ready = self.condition("Ready").is_some_and(|c| c.is_true());
                reason = if pod_ready { "Running" } else { "NotReady" }.to_owned();
            }
        }
        if self.deletion_timestamp.is_some() {
            if self.reason.is_some_and(|r| r.value == "NodeLost") {
                reason = "Unknown".to_owned();
            } else if !self.phase_is("Succeeded") && !self.phase_is("Failed") {
                reason = "Terminating".to_owned();
            }
        }
        (reason, (ready, total), restarts)
    }

    /// The kubectl STATUS column and faultline's health verdict (see the module docs), with
    /// `now` the snapshot's time.
    pub fn classify(&self, now: Option<Timestamp>) -> Classification {
        let (status, ready, restarts) = self.kubectl_status();
        let (health, why) = self.health(now);
        Classification {
            status,
            health,
            why,
            ready,
            restarts,
        }
    }

    /// The health verdict and why (see the module docs).
    pub fn health(&self, now: Option<Timestamp>) -> (Health, String) {
        let age = |t: Option<Field<'_, Timestamp>>| Some(t?.value.seconds_until(now?));
        if let Some(del) = self.deletion_timestamp {
            match age(Some(del)) {
                Some(d) if d >= STUCK_TERMINATING_SECS => {
                    return (
                        Health::Warning,
                        format!("terminating for {}", human_duration(d)),
                    );
                }
                _ if !self.phase_is("Succeeded") && !self.phase_is("Failed") => {
                    return (Health::Unknown, "terminating".to_owned());
                }
                _ => {}
            }
        }
        if self.reason.is_some_and(|r| r.value == "Evicted") {
            let why = self.message.map_or("evicted", |m| m.value.trim());
            return (Health::Warning, why.to_owned());
        }
        if self.phase_is("Succeeded") {
            return (Health::Healthy, "completed".to_owned());
        }
        if self.phase_is("Failed") {
            let why = self.message.map(|m| m.value.to_owned()).unwrap_or_else(|| {
                self.all_containers()
                    .find_map(|c| {
                        let t = c.state.terminated()?;
                        let failed =
                            t.exit_code.is_some_and(|e| e.value != 0) || t.reason.is_some();
                        failed
                            .then(|| format!("container `{}` terminated: `{}`", c.name, t.label()))
                    })
                    .unwrap_or_else(|| "failed".to_owned())
            });
            return (Health::Unhealthy, why);
        }
        for c in self.all_containers() {
            if let Some(w) = c.waiting_reason().filter(|w| is_failure_reason(w.value)) {
                return (
                    Health::Unhealthy,
                    format!("container `{}` is waiting: `{}`", c.name, w.value),
                );
            }
        }
        for c in self.init_containers.iter().filter(|c| !c.sidecar) {
            if let Some(t) = c.state.terminated()
                && t.exit_code.is_some_and(|e| e.value != 0)
            {
                return (
                    Health::Unhealthy,
                    format!("init container `{}` failed: `{}`", c.name, t.label()),
                );
            }
        }
        if let Some(c) = self.condition("PodScheduled").filter(|c| c.is_false()) {
            return (
                Health::Unhealthy,
                format!("not scheduled: {}", c.explanation()),
            );
        }
        let pod_ready = self.condition("Ready").map(|c| c.is_true());
        for c in self
            .containers
            .iter()
            .chain(self.init_containers.iter().filter(|c| c.sidecar))
        {
            let Some(last) = c.last_state.terminated() else {
                continue;
            };
            let when = age(last.finished_at);
            let what = format!(
                "container `{}` restarted {} times, last terminated `{}`{}",
                c.name,
                c.restarts(),
                last.label(),
                when.map(|d| format!(" {} ago", human_duration(d)))
                    .unwrap_or_default()
            );
            if pod_ready == Some(false) {
                return (Health::Unhealthy, what);
            }
            if when.is_some_and(|d| d < RECENT_RESTART_SECS) {
                return (Health::Warning, what);
            }
        }
        if self.phase_is("Running") {
            return match pod_ready {
                Some(true) => (Health::Healthy, "running and ready".to_owned()),
                Some(false) => {
                    let since = self
                        .condition("Ready")
                        .and_then(|c| c.last_transition_time)
                        .map(|t| t.value)
                        .or_else(|| {
                            self.containers
                                .iter()
                                .filter_map(|c| c.state.running()?.started_at.map(|t| t.value))
                                .max()
                        });
                    match since.zip(now).map(|(s, n)| s.seconds_until(n)) {
                        Some(d) if d < NOT_READY_GRACE_SECS => {
                            (Health::Unknown, "starting: not ready yet".to_owned())
                        }
                        Some(d) => (
                            Health::Unhealthy,
                            format!("not ready for {}", human_duration(d)),
                        ),
                        None => (Health::Unhealthy, "running but not ready".to_owned()),
                    }
                }
                None => (
                    Health::Unknown,
                    "running, readiness not reported".to_owned(),
                ),
            };
        }
        let phase = self.phase.map_or("unknown", |p| p.value);
        (Health::Unknown, format!("phase `{phase}`"))
    }
}

/// What an exit code usually means, for messages (`137` → killed by SIGKILL).
pub fn exit_code_meaning(code: i64) -> Option<String> {
    let text = match code {
        0 => "exited successfully, which a long-running container must not do".to_owned(),
        1 => "application error".to_owned(),
        2 => "misuse of a shell builtin or an application error".to_owned(),
        126 => "the command cannot be executed".to_owned(),
        127 => "the command was not found".to_owned(),
        128 => "the container runtime could not start the process".to_owned(),
        137 => {
            "killed by SIGKILL: out of memory, or killed after a failed liveness probe".to_owned()
        }
        139 => "segmentation fault (SIGSEGV)".to_owned(),
        143 => "terminated by SIGTERM: stopped by Kubernetes, e.g. after a failed liveness probe"
            .to_owned(),
        255 => "runtime error (exit status out of range)".to_owned(),
        129..=192 => format!("killed by signal {}", code - 128),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    fn classify(status: &str, now: &str) -> Classification {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  initContainers:\n    - name: init\n      image: busybox\n  containers:\n    - name: app\n      image: app:1\n{status}"
        );
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let pod = PodStatus::of(&inv.objects[0]).expect("has status");
        pod.classify(Timestamp::parse(now))
    }

    const NOW: &str = "2024-05-01T12:00:00Z";

    #[test]
    fn kubectl_columns() {
        let c = classify(
            "status:\n  phase: Running\n  conditions: [{type: Ready, status: \"False\"}]\n  initContainerStatuses:\n    - {name: init, state: {terminated: {exitCode: 0, reason: Completed}}}\n  containerStatuses:\n    - name: app\n      restartCount: 42\n      ready: false\n      state: {waiting: {reason: CrashLoopBackOff}}\n      lastState: {terminated: {exitCode: 137, reason: OOMKilled, finishedAt: 2024-05-01T11:58:00Z}}\n",
            NOW,
        );
        assert_eq!(
            (c.status.as_str(), c.ready, c.restarts),
            ("CrashLoopBackOff", (0, 1), 42)
        );
        assert_eq!(c.health, Health::Unhealthy);

        let c = classify(
            "status:\n  phase: Pending\n  initContainerStatuses:\n    - {name: init, state: {terminated: {exitCode: 1, reason: Error}}}\n  containerStatuses:\n    - {name: app, state: {waiting: {reason: PodInitializing}}}\n",
            NOW,
        );
        assert_eq!(
            (c.status.as_str(), c.health),
            ("Init:Error", Health::Unhealthy)
        );

        let c = classify(
            "status:\n  phase: Pending\n  initContainerStatuses:\n    - {name: init, state: {running: {}}}\n",
            NOW,
        );
        assert_eq!((c.status.as_str(), c.health), ("Init:0/1", Health::Unknown));

        let c = classify(
            "status:\n  phase: Running\n  containerStatuses:\n    - {name: app, ready: false, state: {terminated: {exitCode: 2}}}\n",
            NOW,
        );
        assert_eq!(c.status, "ExitCode:2");

        let c = classify(
            "status:\n  phase: Failed\n  reason: Evicted\n  message: 'The node was low on resource: memory.'\n",
            NOW,
        );
        assert_eq!((c.status.as_str(), c.health), ("Evicted", Health::Warning));
    }

    #[test]
    fn terminating_and_stuck() {
        let deleted = |at: &str| {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  deletionTimestamp: {at}\nspec:\n  containers: [{{name: app, image: x}}]\nstatus:\n  phase: Running\n  conditions: [{{type: Ready, status: \"True\"}}]\n"
            );
            let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
                text.as_str(),
            ))];
            let inv = Inventory::build(&parsed, &ModelOptions::default());
            PodStatus::of(&inv.objects[0])
                .unwrap()
                .classify(Timestamp::parse(NOW))
        };
        let recent = deleted("2024-05-01T11:59:00Z");
        assert_eq!(
            (recent.status.as_str(), recent.health),
            ("Terminating", Health::Unknown)
        );
        let stuck = deleted("2024-05-01T10:00:00Z");
        assert_eq!(
            (stuck.status.as_str(), stuck.health),
            ("Terminating", Health::Warning)
        );
        assert_eq!(stuck.why, "terminating for 2h");
    }

    #[test]
    fn restarts_and_readiness_over_time() {
        let restarted = |ready: &str, finished: &str| {
            classify(
                &format!(
                    "status:\n  phase: Running\n  conditions: [{{type: Ready, status: \"{ready}\"}}]\n  containerStatuses:\n    - name: app\n      ready: {}\n      restartCount: 3\n      state: {{running: {{startedAt: {finished}}}}}\n      lastState: {{terminated: {{exitCode: 137, reason: OOMKilled, finishedAt: {finished}}}}}\n",
                    ready == "True"
                ),
                NOW,
            )
        };
        assert_eq!(
            restarted("True", "2024-05-01T10:00:00Z").health,
            Health::Warning
        );
        assert_eq!(
            restarted("True", "2024-04-20T10:00:00Z").health,
            Health::Healthy
        );
        let bad = restarted("False", "2024-04-20T10:00:00Z");
        assert_eq!(bad.health, Health::Unhealthy);
        assert_eq!(
            bad.why,
            "container `app` restarted 3 times, last terminated `OOMKilled` 11d ago"
        );
        let not_ready = |since: &str| {
            classify(
                &format!("status:\n  phase: Running\n  conditions: [{{type: Ready, status: \"False\", lastTransitionTime: {since}}}]\n  containerStatuses:\n    - {{name: app, ready: false, state: {{running: {{}}}}}}\n"),
                NOW,
            )
            .health
        };
        assert_eq!(not_ready("2024-05-01T11:58:00Z"), Health::Unknown);
        assert_eq!(not_ready("2024-05-01T11:00:00Z"), Health::Unhealthy);
    }

    #[test]
    fn exit_codes() {
        assert!(exit_code_meaning(137).unwrap().contains("SIGKILL"));
        assert_eq!(
            exit_code_meaning(130).as_deref(),
            Some("killed by signal 2")
        );
        assert_eq!(exit_code_meaning(42), None);
    }
}
