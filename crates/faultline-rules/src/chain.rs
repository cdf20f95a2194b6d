//! Cause chains: for each status finding (a symptom), the configuration and the other findings
//! that explain it, most likely first, each with why it is suspected and the `kubectl` command
//! that would confirm it on the live cluster.
//!
//! Chains are built after every rule has run, from the findings and the objects they name:
//! the pods a symptom is about (the finding's object and the pods in its related entries),
//! their status, Events and logs, and the findings of other rules on the same pods or the
//! workload that owns them. A symptom can be the cause of another (a Service without ready
//! endpoints ← its pods crash-looping ← OOM kills ← a heap flag); the link is kept as a cause
//! naming the other finding's rule.

use std::collections::HashMap;

use faultline_diagnostics::{Category, Diagnostic, Location, ObjectRef};
use faultline_graph::Relation;
use faultline_model::jvm;
use faultline_model::logs::LogCause;
use faultline_model::pod::{Container, PodTemplate, Resources};
use faultline_model::pod_status::PodStatus;
use faultline_model::provenance::ManifestIndex;
use faultline_model::time::Timestamp;
use faultline_model::{Inventory, Object, ObjectId};
use faultline_syntax::NodeRef;

use crate::context::Context;
use crate::engine::object_ref;
use crate::evidence::{controllers_in_input, shorten, summarize_events};

/// One suspected cause of a symptom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// What is suspected: "the memory limit `2Gi` of container `app`".
    pub what: String,
    /// Why: the evidence that points at it.
    pub why: String,
    /// The rule of the finding that names this cause, when one does.
    pub rule: Option<&'static str>,
    /// That finding's message.
    pub detail: Option<String>,
    pub object: Option<ObjectRef>,
    /// The configuration to change (or the finding that names it): in the manifest the
    /// running object was created from, when the run has manifests and one matches.
    pub location: Option<Location>,
    /// Where the running object (in the snapshot) holds it, when `location` is in a manifest.
    pub running: Option<Location>,
    /// `kubectl` commands that would confirm it on the live cluster.
    pub confirm: Vec<String>,
    /// How likely, 0–100; causes are sorted by it.
    pub score: u8,
}

/// The causes of the finding at `symptom` (an index into the findings), most likely first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub symptom: usize,
    pub causes: Vec<Cause>,
}

/// `(kind, namespace, name)`.
type Key<'d> = (&'d str, Option<&'d str>, &'d str);

fn key_of_ref(r: &ObjectRef) -> Key<'_> {
    (&r.kind, r.namespace.as_deref(), &r.name)
}

fn key_of<'a>(o: &Object<'a>) -> Key<'a> {
    (o.kind, o.namespace, o.name)
}

/// Every finding by the objects it names (its own and those of its related entries).
struct Findings<'d> {
    diags: &'d [Diagnostic],
    by_object: HashMap<Key<'d>, Vec<usize>>,
    by_rule: HashMap<&'static str, Vec<usize>>,
}

impl<'d> Findings<'d> {
    fn new(diags: &'d [Diagnostic]) -> Self {
        let mut by_object: HashMap<Key<'d>, Vec<usize>> = HashMap::new();
        let mut by_rule: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, d) in diags.iter().enumerate() {
            by_rule.entry(d.rule).or_default().push(i);
            let objects = d
                .object
                .iter()
                .chain(d.related.iter().filter_map(|r| r.object.as_ref()));
            for o in objects {
                let list = by_object.entry(key_of_ref(o)).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        Self {
            diags,
            by_object,
            by_rule,
        }
    }

    /// The findings of `rule`, in order.
    fn of_rule(&self, rule: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_rule.get(rule).into_iter().flatten().copied()
    }

    /// The findings of `rules` whose own object is one of `keys`.
    fn on(&self, keys: &[Key<'_>], rules: &[&str]) -> Vec<usize> {
        self.matching(keys, rules, |d, k| {
            d.object.as_ref().is_some_and(|o| key_of_ref(o) == *k)
        })
    }

    /// The findings of `rules` that name one of `keys` anywhere (their object or a related
    /// entry): a NetworkPolicy finding lists the workloads it isolates as related.
    fn naming(&self, keys: &[Key<'_>], rules: &[&str]) -> Vec<usize> {
        self.matching(keys, rules, |_, _| true)
    }

    fn matching(
        &self,
        keys: &[Key<'_>],
        rules: &[&str],
        keep: impl Fn(&Diagnostic, &Key<'_>) -> bool,
    ) -> Vec<usize> {
        let keep = &keep;
        let mut out: Vec<usize> = keys
            .iter()
            .flat_map(|k| {
                self.by_object
                    .get(k)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(move |i| keep(&self.diags[*i], k))
            })
            .filter(|i| rules.contains(&self.diags[*i].rule))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn get(&self, i: usize) -> &'d Diagnostic {
        &self.diags[i]
    }
}

/// The chains of every status finding in `diags` that has a suspected cause.
pub fn chains(cx: &Context<'_>, diags: &[Diagnostic]) -> Vec<Chain> {
    let findings = Findings::new(diags);
    let mut out = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        if d.category != Category::Status {
            continue;
        }
        let mut causes = causes_of(cx, &findings, i);
        if let Some(manifests) = cx.manifests {
            for c in &mut causes {
                to_manifest(cx, manifests, c);
            }
        }
        causes.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.what.cmp(&b.what)));
        causes.dedup_by(|b, a| a.location == b.location && a.what == b.what);
        if !causes.is_empty() {
            out.push(Chain { symptom: i, causes });
        }
    }
    out
}

/// Points `cause` at the line of the manifest its running object was created from.
fn to_manifest(cx: &Context<'_>, manifests: &ManifestIndex<'_>, cause: &mut Cause) {
    let (Some(object), Some(location)) = (&cause.object, cause.location) else {
        return;
    };
    let Some(range) = location.range else {
        return;
    };
    let Some(obj) = find(cx.inventory, object).filter(|o| o.file == location.file) else {
        return;
    };
    let Some(found) = manifests.relocate(cx.inventory, obj, range) else {
        return;
    };
    let source = found.source.object;
    cause.running = Some(location);
    cause.location = Some(Location::new(source.file, found.range));
    cause.object = Some(object_ref(source));
    if !found.exact {
        cause.why.push_str(
            "; the manifest does not write this field, so its nearest enclosing field is shown",
        );
    }
}

/// Adds each chain's causes to its symptom as related entries: `suspected cause 1 of 3: …`.
pub fn attach(chains: &[Chain], diags: &mut [Diagnostic]) {
    for chain in chains {
        let n = chain.causes.len();
        let d = &mut diags[chain.symptom];
        for (k, c) in chain.causes.iter().enumerate() {
            let finding = c
                .rule
                .map(|r| format!(" (finding `{r}`)"))
                .unwrap_or_default();
            d.related.push(faultline_diagnostics::Related {
                message: format!(
                    "suspected cause {} of {n}: {}{finding}; why: {}",
                    k + 1,
                    c.what,
                    c.why
                ),
                object: c.object.clone(),
                location: c.location,
            });
        }
    }
}

/// The object of the input `r` names.
pub(crate) fn find<'a>(inventory: &'a Inventory<'a>, r: &ObjectRef) -> Option<&'a Object<'a>> {
    inventory.find(&r.kind, r.namespace.as_deref(), &r.name)
}

/// The objects of `kind` a finding names, its own first, then those of its related entries,
/// leaving out the last `attached` entries (the causes [`attach`] appended).
pub(crate) fn named<'d>(
    d: &'d Diagnostic,
    attached: usize,
    kind: &str,
) -> impl Iterator<Item = &'d ObjectRef> {
    let kind = kind.to_owned();
    let own = d.related.len().saturating_sub(attached);
    d.object
        .iter()
        .chain(d.related[..own].iter().filter_map(|r| r.object.as_ref()))
        .filter(move |o| o.kind == kind)
}

/// The objects a finding is about, its own first, then its related objects of `kind`.
fn subjects<'a>(cx: &Context<'a>, d: &Diagnostic, kind: &str) -> Vec<&'a Object<'a>> {
    let mut out: Vec<&'a Object<'a>> = Vec::new();
    for o in named(d, 0, kind).filter_map(|r| find(cx.inventory, r)) {
        if !out.iter().any(|p| p.id == o.id) {
            out.push(o);
        }
    }
    out
}

/// The keys of `objects` and of their controllers in the input
/// ([`controllers_in_input`]).
fn with_owners<'a>(inventory: &'a Inventory<'a>, objects: &[&'a Object<'a>]) -> Vec<Key<'a>> {
    let mut keys: Vec<Key<'a>> = objects
        .iter()
        .flat_map(|o| {
            std::iter::once(key_of(o)).chain(
                controllers_in_input(inventory, o)
                    .into_iter()
                    .map(|c| key_of(c)),
            )
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn location(obj: &Object<'_>, node: NodeRef<'_>) -> (Option<ObjectRef>, Option<Location>) {
    (
        Some(object_ref(obj)),
        Some(Location::new(obj.file, node.range())),
    )
}

fn cause_at(
    obj: &Object<'_>,
    node: NodeRef<'_>,
    what: String,
    why: String,
    score: u8,
    confirm: Vec<String>,
) -> Cause {
    let (object, location) = location(obj, node);
    Cause {
        what,
        why,
        rule: None,
        detail: None,
        object,
        location,
        running: None,
        confirm,
        score,
    }
}

/// A cause that is another finding: at that finding's location.
fn cause_finding(
    d: &Diagnostic,
    what: String,
    why: String,
    score: u8,
    confirm: Vec<String>,
) -> Cause {
    Cause {
        what,
        why,
        rule: Some(d.rule),
        detail: Some(d.message.clone()),
        object: d.object.clone(),
        location: Some(d.location),
        running: None,
        confirm,
        score,
    }
}

fn ns_flag(obj: &Object<'_>) -> String {
    kubectl_ns(obj.namespace)
}

/// `-n NAMESPACE ` for a kubectl command line, or nothing for a cluster-scoped object.
pub(crate) fn kubectl_ns(namespace: Option<&str>) -> String {
    namespace
        .map(|n| format!("-n {} ", sh(n)))
        .unwrap_or_default()
}

/// A word of a shell command line: as it is when it holds only characters no shell treats
/// specially (what Kubernetes names are made of), else single-quoted. Snapshots are input:
/// a crafted name must not turn a suggested command into another one.
pub(crate) fn sh(word: &str) -> std::borrow::Cow<'_, str> {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/=,@%+".contains(&b));
    if plain {
        std::borrow::Cow::Borrowed(word)
    } else {
        std::borrow::Cow::Owned(format!("'{}'", word.replace('\'', "'\\''")))
    }
}

fn describe_pod(pod: &Object<'_>) -> String {
    format!("kubectl {}describe pod {}", ns_flag(pod), sh(pod.name))
}

/// What the pods of a symptom went through, read from their status, Events and logs.
struct PodFacts<'a> {
    pods: Vec<&'a Object<'a>>,
    /// The pods and their owners.
    keys: Vec<Key<'a>>,
    /// Containers whose current or last run ended `OOMKilled`: (pod, container).
    oom_killed: Vec<(&'a Object<'a>, &'a str)>,
    /// The first container whose current or last run ended with a non-zero exit code.
    exited: Option<(&'a Object<'a>, &'a str, i64)>,
    /// Containers waiting with a reason, with its message: (pod, container, reason, message).
    waiting: Vec<(&'a Object<'a>, &'a str, &'a str, Option<&'a str>)>,
    /// The message of the `Failed` Event (a pull that failed) last seen about the pods.
    pull_failure: Option<&'a str>,
    /// `Unhealthy` events of each probe kind: (count, latest message).
    probe_failures: HashMap<&'static str, (i64, &'a str)>,
    /// Restarts the kubelet made for a failed liveness probe (`Killing` events).
    liveness_kills: i64,
    /// (pod, cause, line, target, count) of log lines that name a cause.
    logs: Vec<(&'a Object<'a>, LogCause, &'a str, Option<&'a str>, u32)>,
    /// Why the scheduler could not place them (FailedScheduling events, PodScheduled).
    unschedulable: Vec<&'a str>,
}

impl<'a> PodFacts<'a> {
    fn gather(cx: &Context<'a>, pods: Vec<&'a Object<'a>>) -> Self {
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

    fn log(
        &self,
        cause: LogCause,
    ) -> Option<&(&'a Object<'a>, LogCause, &'a str, Option<&'a str>, u32)> {
        self.logs.iter().find(|l| l.1 == cause)
    }

    fn log_lines(&self, cause: LogCause) -> u32 {
        self.logs.iter().filter(|l| l.1 == cause).map(|l| l.4).sum()
    }

    fn waiting_with(
        &self,
        reasons: &[&str],
    ) -> Option<&(&'a Object<'a>, &'a str, &'a str, Option<&'a str>)> {
        self.waiting.iter().find(|w| reasons.contains(&w.2))
    }
}

/// The first probe `field` (`livenessProbe`, `readinessProbe`) of the pods' containers: the
/// pod, the container's name and the probe.
fn first_probe<'a>(
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
fn container<'a>(pod: &Object<'a>, name: &str) -> Option<Container<'a>> {
    PodTemplate::of(pod)?
        .containers()
        .find(|c| c.name() == name)
}

/// The first app container of `pod`.
fn first_container<'a>(pod: &Object<'a>) -> Option<Container<'a>> {
    PodTemplate::of(pod)?
        .containers()
        .find(|c| c.kind == faultline_model::pod::ContainerKind::App)
}

/// `477 `Unhealthy` events say `Liveness probe failed: …``.
fn probe_failures_why(count: i64, message: &str) -> String {
    format!(
        "{} say `{}`",
        plural(count, "`Unhealthy` event", "`Unhealthy` events"),
        shorten(message, 120)
    )
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn causes_of(cx: &Context<'_>, findings: &Findings<'_>, i: usize) -> Vec<Cause> {
    let d = findings.get(i);
    match d.rule {
        "service-no-ready-endpoints" => service_causes(cx, findings, d),
        "node-under-pressure" | "node-not-ready" => node_causes(cx, findings, d),
        "quota-exhausted" => quota_causes(findings, d),
        "pvc-pending" => pvc_causes(findings, d),
        "workload-unavailable" => {
            let Some(workload) = d.object.as_ref().and_then(|r| find(cx.inventory, r)) else {
                return Vec::new();
            };
            let pods = pods_of_workload(cx, workload);
            let facts = PodFacts::gather(cx, pods);
            let mut causes = symptom_links(findings, &facts, i);
            causes.extend(pod_causes(findings, &facts));
            causes.extend(quota_failures(cx, findings, workload));
            causes
        }
        _ => {
            let pods = subjects(cx, d, "Pod");
            if pods.is_empty() {
                return Vec::new();
            }
            let facts = PodFacts::gather(cx, pods);
            pod_causes(findings, &facts)
        }
    }
}

/// The objects `owner` controls, then theirs (a Deployment's ReplicaSets, then their Pods),
/// up to three levels, in input order per level.
fn owned<'a>(cx: &Context<'a>, owner: &'a Object<'a>) -> Vec<&'a Object<'a>> {
    let mut out: Vec<&'a Object<'a>> = Vec::new();
    let mut level = vec![owner.id];
    for _ in 0..3 {
        let mut next: Vec<ObjectId> = level
            .iter()
            .flat_map(|o| cx.graph.referring(*o, Relation::Owner))
            .filter(|o| *o != owner.id)
            .collect();
        next.sort_unstable();
        next.dedup();
        out.extend(next.iter().map(|o| cx.inventory.get(*o)));
        level = next;
    }
    out
}

/// The Pods a workload owns (directly or through its ReplicaSets/Jobs), in input order.
fn pods_of_workload<'a>(cx: &Context<'a>, workload: &'a Object<'a>) -> Vec<&'a Object<'a>> {
    let mut pods: Vec<&'a Object<'a>> = owned(cx, workload)
        .into_iter()
        .filter(|o| o.kind == "Pod")
        .collect();
    pods.sort_by_key(|p| p.id);
    pods
}

/// Other status findings about the same pods: the symptom one level down the chain.
fn symptom_links(findings: &Findings<'_>, facts: &PodFacts<'_>, this: usize) -> Vec<Cause> {
    let pod_keys: Vec<Key<'_>> = facts.pods.iter().map(|p| key_of(p)).collect();
    findings
        .on(&pod_keys, POD_SYMPTOMS)
        .into_iter()
        .filter(|j| *j != this)
        .map(|j| {
            let d = findings.get(j);
            cause_finding(
                d,
                symptom_what(d.rule).to_owned(),
                "pods that do not become ready keep the workload (and the Services that select it) without capacity".to_owned(),
                95,
                Vec::new(),
            )
        })
        .collect()
}

/// The causes of what happened to a set of pods.
fn pod_causes(findings: &Findings<'_>, facts: &PodFacts<'_>) -> Vec<Cause> {
    let mut causes = Vec::new();
    if facts.pods.is_empty() {
        return causes;
    }
    memory_causes(findings, facts, &mut causes);
    liveness_causes(findings, facts, &mut causes);
    network_causes(findings, facts, &mut causes);
    image_causes(findings, facts, &mut causes);
    config_causes(findings, facts, &mut causes);
    scheduling_causes(findings, facts, &mut causes);
    if let Some((pod, _, line, _, _)) = facts.log(LogCause::DiskFull) {
        causes.push(Cause {
            what: "a full volume".to_owned(),
            why: format!("the log says `{}`", shorten(line, 120)),
            rule: None,
            detail: None,
            object: Some(object_ref(pod)),
            location: None,
            running: None,
            confirm: vec![format!(
                "kubectl {}exec {} -- df -h",
                ns_flag(pod),
                sh(pod.name)
            )],
            score: 70,
        });
    }
    // Nothing in the configuration explains it: the program itself failed.
    if causes.is_empty()
        && let Some((pod, name, code)) = facts.exited
        && let Some(c) = container(pod, name)
    {
        let meaning = faultline_model::pod_status::exit_code_meaning(code)
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        causes.push(cause_at(
            pod,
            c.image().unwrap_or(c.node),
            format!("the program in container `{name}` itself"),
            format!(
                "it exits with code {code}{meaning}, and no Event, log line or finding points at its configuration: its own output says why"
            ),
            30,
            vec![format!(
                "kubectl {}logs {} -c {} --previous",
                ns_flag(pod),
                sh(pod.name),
                sh(name)
            )],
        ));
    }
    causes
}

fn memory_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let oom_log = facts.log(LogCause::OutOfMemory);
    let Some((pod, name)) = facts
        .oom_killed
        .first()
        .copied()
        .or_else(|| oom_log.map(|l| (l.0, "")))
    else {
        return;
    };
    let mut why = Vec::new();
    if !facts.oom_killed.is_empty() {
        let pods = {
            let mut p: Vec<_> = facts.oom_killed.iter().map(|(p, _)| p.id).collect();
            p.dedup();
            p.len()
        };
        why.push(format!(
            "the last run of {} ended `OOMKilled` (exit code 137)",
            plural(pods as i64, "pod", "pods")
        ));
    }
    if let Some((_, _, line, _, _)) = oom_log {
        why.push(format!(
            "the log says `{}` ({})",
            shorten(line, 100),
            plural(
                i64::from(facts.log_lines(LogCause::OutOfMemory)),
                "line",
                "lines"
            )
        ));
    }
    let why = why.join("; ");
    let confirm = vec![
        format!(
            "kubectl {}get pod {} -o jsonpath='{{.status.containerStatuses[*].lastState.terminated.reason}}'",
            ns_flag(pod),
            sh(pod.name)
        ),
        format!("kubectl {}logs {} --previous", ns_flag(pod), sh(pod.name)),
    ];
    let container = if name.is_empty() {
        first_container(pod)
    } else {
        container(pod, name)
    };
    let Some(container) = container else {
        return;
    };
    let heap = findings.on(&facts.keys, &["jvm-heap-exceeds-memory-limit"]);
    if let Some(j) = heap.first() {
        let d = findings.get(*j);
        causes.push(cause_finding(
            d,
            "the JVM heap leaves too little of the memory limit".to_owned(),
            why.clone(),
            92,
            confirm.clone(),
        ));
    }
    let settings = jvm::heap_settings(&container);
    if let Some(flag) = settings.max_heap.as_ref().or(settings.max_ram.as_ref())
        && heap.is_empty()
    {
        let env = flag
            .env
            .map(|e| format!(" (in env `{e}`)"))
            .unwrap_or_default();
        let (object, _) = location(pod, flag.node);
        causes.push(Cause {
            what: format!(
                "the JVM heap flag `{}`{env} of container `{}`",
                flag.flag,
                container.name()
            ),
            why: format!("{why}; the heap plus the JVM's own memory must fit in the limit"),
            rule: None,
            detail: None,
            object,
            location: Some(Location::new(pod.file, flag.range)),
            running: None,
            confirm: confirm.clone(),
            score: 85,
        });
    }
    match container.resource(Resources::Limits, "memory") {
        Some(limit) => causes.push(cause_at(
            pod,
            limit,
            format!(
                "the memory limit `{}` of container `{}`",
                limit.scalar_text().unwrap_or("?"),
                container.name()
            ),
            why,
            88,
            confirm,
        )),
        None => {
            let missing = findings.on(&facts.keys, &["resources-memory-limit-missing"]);
            let what = format!("container `{}` has no memory limit", container.name());
            let why =
                format!("{why}; without a limit it is killed when the node runs out of memory");
            match missing.first() {
                Some(j) => causes.push(cause_finding(findings.get(*j), what, why, 80, confirm)),
                None => causes.push(Cause {
                    what,
                    why,
                    rule: None,
                    detail: None,
                    object: Some(object_ref(pod)),
                    location: container
                        .name_node()
                        .map(|n| Location::new(pod.file, n.range())),
                    running: None,
                    confirm,
                    score: 80,
                }),
            }
        }
    }
}

fn liveness_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let Some((failed, message)) = facts.probe_failures.get("Liveness").copied() else {
        return;
    };
    let pod = facts.pods[0];
    let mut why = probe_failures_why(failed, message);
    if facts.liveness_kills > 0 {
        why.push_str(&format!(
            "; the kubelet restarted the container {} for it",
            plural(facts.liveness_kills, "time", "times")
        ));
    }
    let confirm = vec![format!(
        "kubectl {}get events --field-selector involvedObject.name={},reason=Unhealthy",
        ns_flag(pod),
        sh(pod.name)
    )];
    let slow = findings.on(
        &facts.keys,
        &[
            "probe-liveness-kills-slow-start",
            "probe-liveness-equals-readiness",
        ],
    );
    if let Some(j) = slow.first() {
        let d = findings.get(*j);
        causes.push(cause_finding(
            d,
            if d.rule == "probe-liveness-kills-slow-start" {
                "the liveness probe kills the container before it can start".to_owned()
            } else {
                "the liveness probe fails whenever the readiness probe does".to_owned()
            },
            why.clone(),
            90,
            confirm.clone(),
        ));
    }
    if let Some((p, name, node)) = first_probe(&facts.pods, "livenessProbe") {
        causes.push(cause_at(
            p,
            node,
            format!("the liveness probe of container `{name}`"),
            why,
            if slow.is_empty() { 80 } else { 75 },
            confirm,
        ));
    }
}

fn network_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    if let Some((pod, _, line, target, _)) = facts.log(LogCause::DnsFailure) {
        let lines = facts.log_lines(LogCause::DnsFailure);
        let why = format!(
            "the log says `{}` ({})",
            shorten(line, 120),
            plural(i64::from(lines), "line", "lines")
        );
        let host = target.unwrap_or("kubernetes.default");
        let confirm = vec![
            format!(
                "kubectl {}exec {} -- nslookup {}",
                ns_flag(pod),
                sh(pod.name),
                sh(host)
            ),
            format!("kubectl {}get networkpolicy -o yaml", ns_flag(pod)),
        ];
        let blocked = findings.naming(&facts.keys, &["netpol-blocks-dns"]);
        if blocked.is_empty() {
            causes.push(Cause {
                what: "name resolution fails".to_owned(),
                why: format!("{why}; no NetworkPolicy in the input blocks DNS for these pods, so look at the cluster DNS and the name itself"),
                rule: None,
                detail: None,
                object: Some(object_ref(pod)),
                location: None,
                running: None,
                confirm: vec![
                    confirm[0].clone(),
                    "kubectl -n kube-system get pods -l k8s-app=kube-dns".to_owned(),
                ],
                score: 40,
            });
        }
        for j in blocked {
            let d = findings.get(j);
            causes.push(cause_finding(
                d,
                format!("NetworkPolicy {} blocks DNS", policy_name(d)),
                why.clone(),
                86,
                confirm.clone(),
            ));
        }
    }
    if let Some((pod, _, line, target, _)) = facts.log(LogCause::ConnectionRefused) {
        let why = format!("the log says `{}`", shorten(line, 120));
        let blocked = findings.on(&facts.keys, &["netpol-blocks-service-dependency"]);
        for j in &blocked {
            let d = findings.get(*j);
            causes.push(cause_finding(
                d,
                "a NetworkPolicy blocks a dependency it connects to".to_owned(),
                why.clone(),
                70,
                Vec::new(),
            ));
        }
        if blocked.is_empty() {
            causes.push(Cause {
                what: format!(
                    "a dependency{} refuses connections",
                    target.map(|t| format!(" `{t}`")).unwrap_or_default()
                ),
                why: format!("{why}: it is down or not ready, or listens on another port"),
                rule: None,
                detail: None,
                object: Some(object_ref(pod)),
                location: None,
                running: None,
                confirm: vec![format!("kubectl {}get endpointslices", ns_flag(pod))],
                score: 45,
            });
        }
    }
}

fn image_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let Some((pod, name, reason, message)) = facts
        .waiting_with(&["ErrImagePull", "ImagePullBackOff", "InvalidImageName"])
        .copied()
    else {
        return;
    };
    let detail = facts.pull_failure.or(message).unwrap_or("");
    let lower = detail.to_ascii_lowercase();
    let auth = [
        "unauthorized",
        "authentication required",
        "denied",
        "forbidden",
        "401",
        "403",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let why = if detail.is_empty() {
        format!("container `{name}` is waiting with `{reason}`")
    } else {
        format!(
            "container `{name}` is waiting with `{reason}`: `{}`",
            shorten(detail, 160)
        )
    };
    let confirm = vec![describe_pod(pod)];
    let Some(c) = container(pod, name) else {
        return;
    };
    if let Some(image) = c.image() {
        causes.push(cause_at(
            pod,
            image,
            format!("the image `{}`", image.scalar_text().unwrap_or("?")),
            why.clone(),
            if auth { 70 } else { 90 },
            confirm.clone(),
        ));
    }
    let missing = findings.on(&facts.keys, &["reference-not-found"]);
    for j in missing {
        let d = findings.get(j);
        if d.message.contains("imagePullSecret") || d.message.contains("pull secret") {
            causes.push(cause_finding(
                d,
                "the image pull secret does not exist".to_owned(),
                why.clone(),
                92,
                confirm.clone(),
            ));
        }
    }
    if auth {
        let secrets = PodTemplate::of(pod).and_then(|t| t.spec.get("imagePullSecrets"));
        let (what, node) = match secrets {
            Some(s) => ("the image pull secrets".to_owned(), s),
            None => (
                "the pod has no `imagePullSecrets` for a registry that requires login".to_owned(),
                c.image().unwrap_or(c.node),
            ),
        };
        causes.push(cause_at(pod, node, what, why, 88, confirm));
    }
}

fn config_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let Some((pod, name, reason, message)) = facts
        .waiting_with(&["CreateContainerConfigError", "CreateContainerError"])
        .copied()
    else {
        return;
    };
    let why = format!(
        "container `{name}` is waiting with `{reason}`{}",
        message
            .map(|m| format!(": `{}`", shorten(m, 160)))
            .unwrap_or_default()
    );
    let confirm = vec![describe_pod(pod)];
    let missing = findings.on(&facts.keys, &["reference-not-found"]);
    for j in &missing {
        let d = findings.get(*j);
        causes.push(cause_finding(
            d,
            "a ConfigMap, Secret or key it references does not exist".to_owned(),
            why.clone(),
            92,
            confirm.clone(),
        ));
    }
    // The message names the object: `configmap "app-config" not found`, `secret "db" not found`,
    // `couldn't find key url in ConfigMap shop/app-config`.
    let named = message.and_then(|m| {
        let start = m.find('"')? + 1;
        let len = m[start..].find('"')?;
        Some(&m[start..start + len])
    });
    if let Some(target) = named
        && missing.is_empty()
        && let Some(c) = container(pod, name)
        && let Some(node) = find_scalar(c.node, target)
    {
        causes.push(cause_at(
            pod,
            node,
            format!("the reference to `{target}` in container `{name}`"),
            why,
            85,
            confirm,
        ));
    }
}

/// The first scalar under `node` whose text is `text`.
fn find_scalar<'a>(node: NodeRef<'a>, text: &str) -> Option<NodeRef<'a>> {
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

fn scheduling_causes(findings: &Findings<'_>, facts: &PodFacts<'_>, causes: &mut Vec<Cause>) {
    let Some(message) = facts.unschedulable.first().copied() else {
        return;
    };
    let pod = facts.pods[0];
    let why = format!("the scheduler says `{}`", shorten(message, 200));
    let confirm = vec![
        describe_pod(pod),
        "kubectl get nodes --show-labels".to_owned(),
    ];
    let static_rules = [
        "node-selector-matches-no-node",
        "taint-not-tolerated",
        "anti-affinity-unsatisfiable",
        "quota-blocks-scale-out",
        "pvc-pending",
    ];
    for j in findings.on(&facts.keys, &static_rules) {
        let d = findings.get(j);
        causes.push(cause_finding(
            d,
            rule_what(d.rule).to_owned(),
            why.clone(),
            93,
            confirm.clone(),
        ));
    }
    let Some(t) = PodTemplate::of(pod) else {
        return;
    };
    let lower = message.to_ascii_lowercase();
    let mut found: Vec<Cause> = Vec::new();
    let mut at = |key: &str, what: &str, score: u8| {
        if let Some(node) = t.spec.get(key) {
            found.push(cause_at(
                pod,
                node,
                what.to_owned(),
                why.clone(),
                score,
                confirm.clone(),
            ));
        }
    };
    if lower.contains("node affinity") || lower.contains("node selector") {
        at("nodeSelector", "the pod's `nodeSelector`", 80);
        at("affinity", "the pod's `affinity`", 78);
    }
    if lower.contains("taint") {
        at("tolerations", "the pod's `tolerations`", 75);
        if t.spec.get("tolerations").is_none() {
            causes.push(Cause {
                what: "the pod tolerates no taint".to_owned(),
                why: why.clone(),
                rule: None,
                detail: None,
                object: Some(object_ref(pod)),
                location: None,
                running: None,
                confirm: vec!["kubectl describe nodes | grep -i taints".to_owned()],
                score: 74,
            });
        }
    }
    if lower.contains("anti-affinity") {
        at("affinity", "the pod's anti-affinity", 80);
    }
    if lower.contains("free ports") {
        for c in t.containers() {
            let host_port = c.ports().find_map(|p| p.get("hostPort"));
            if let Some(p) = host_port {
                causes.push(cause_at(
                    pod,
                    p,
                    format!("the `hostPort` of container `{}`", c.name()),
                    format!("{why}: only one pod per node can bind a host port"),
                    79,
                    vec!["kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName,HOSTPORTS:.spec.containers[*].ports[*].hostPort".to_owned()],
                ));
            }
        }
    }
    if lower.contains("persistentvolumeclaim") || lower.contains("unbound") {
        at(
            "volumes",
            "the pod's volumes (a PersistentVolumeClaim that is not bound)",
            80,
        );
    }
    causes.extend(found);
    if lower.contains("insufficient") {
        for c in t.containers() {
            if let Some(r) = c.node.path(&["resources", "requests"]) {
                causes.push(cause_at(
                    pod,
                    r,
                    format!("the resource requests of container `{}`", c.name()),
                    format!("{why}: no node has that much free"),
                    78,
                    vec!["kubectl describe nodes | grep -A8 'Allocated resources'".to_owned()],
                ));
            }
        }
    }
}

/// `FailedCreate … exceeded quota` on a workload or its ReplicaSets/Jobs.
fn quota_failures<'a>(
    cx: &Context<'a>,
    findings: &Findings<'_>,
    workload: &'a Object<'a>,
) -> Vec<Cause> {
    let mut objects = vec![workload];
    objects.extend(
        owned(cx, workload)
            .into_iter()
            .filter(|o| matches!(o.kind, "ReplicaSet" | "Job")),
    );
    let failed = summarize_events(cx, objects.iter().copied(), |e| {
        e.reason.is_some_and(|r| r.value == "FailedCreate")
            && e.message
                .is_some_and(|m| m.value.contains("exceeded quota"))
    });
    let Some(summary) = failed.first() else {
        return Vec::new();
    };
    let why = summary.describe();

    let confirm = vec![format!(
        "kubectl {}describe resourcequota",
        ns_flag(workload)
    )];
    let keys: Vec<Key<'_>> = vec![key_of(workload)];
    let mut causes: Vec<Cause> = findings
        .naming(
            &keys,
            &["quota-blocks-scale-out", "quota-requires-requests"],
        )
        .into_iter()
        .map(|j| {
            let d = findings.get(j);
            cause_finding(
                d,
                rule_what(d.rule).to_owned(),
                why.clone(),
                93,
                confirm.clone(),
            )
        })
        .collect();
    // The exhausted quotas of the namespace.
    if let Some(ns) = workload.namespace {
        for d in findings.of_rule("quota-exhausted").map(|i| findings.get(i)) {
            if d.object
                .as_ref()
                .is_some_and(|o| o.namespace.as_deref() == Some(ns))
            {
                causes.push(cause_finding(
                    d,
                    match d.object.as_ref().filter(|o| o.kind == "ResourceQuota") {
                        Some(q) => format!("ResourceQuota `{}` is exhausted", q.name),
                        None => "a ResourceQuota refuses new pods".to_owned(),
                    },
                    why.clone(),
                    90,
                    confirm.clone(),
                ));
            }
        }
    }
    if causes.is_empty() {
        let e = &summary.first_event;
        causes.push(cause_at(
            &e.object,
            e.reason.map_or(e.object.node, |r| r.node),
            "a ResourceQuota refuses new pods".to_owned(),
            why,
            85,
            confirm,
        ));
    }
    causes
}

fn service_causes(cx: &Context<'_>, findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(svc) = d.object.as_ref().and_then(|r| find(cx.inventory, r)) else {
        return Vec::new();
    };
    let pods = subjects(cx, d, "Pod");
    let mut causes = Vec::new();
    let svc_key = [key_of(svc)];
    for j in findings.on(
        &svc_key,
        &["service-selects-no-pods", "service-target-port-mismatch"],
    ) {
        let e = findings.get(j);
        causes.push(cause_finding(
            e,
            rule_what(e.rule).to_owned(),
            "the Service cannot reach the pods it is meant for".to_owned(),
            94,
            Vec::new(),
        ));
    }
    let confirm = vec![format!(
        "kubectl {}get endpointslices -l kubernetes.io/service-name={} -o wide",
        ns_flag(svc),
        sh(svc.name)
    )];
    if pods.is_empty() {
        if let Some(sel) = svc.spec().and_then(|s| s.get("selector")) {
            causes.push(cause_at(
                svc,
                sel,
                "the Service's selector".to_owned(),
                "no pod in the input carries its labels".to_owned(),
                85,
                confirm,
            ));
        }
        return causes;
    }
    let facts = PodFacts::gather(cx, pods);
    let pod_keys: Vec<Key<'_>> = facts.pods.iter().map(|p| key_of(p)).collect();
    let mut linked = findings.on(&pod_keys, POD_SYMPTOMS);
    // The workload's own finding says how many replicas are missing.
    linked.extend(findings.on(&facts.keys, &["workload-unavailable"]));
    for j in linked {
        let e = findings.get(j);
        causes.push(cause_finding(
            e,
            symptom_what(e.rule).to_owned(),
            "a pod that is not ready is not an endpoint".to_owned(),
            95,
            confirm.clone(),
        ));
    }
    if let Some((failed, message)) = facts.probe_failures.get("Readiness").copied()
        && let Some((p, name, node)) = first_probe(&facts.pods, "readinessProbe")
    {
        causes.push(cause_at(
            p,
            node,
            format!("the readiness probe of container `{name}`"),
            probe_failures_why(failed, message),
            80,
            confirm,
        ));
    }
    causes
}

fn node_causes(cx: &Context<'_>, findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(node) = d.object.as_ref().and_then(|r| find(cx.inventory, r)) else {
        return Vec::new();
    };
    let pods: Vec<&Object<'_>> = cx
        .snapshot()
        .pods_on(node.name)
        .iter()
        .map(|id| cx.inventory.get(*id))
        .collect();
    let keys = with_owners(cx.inventory, &pods);
    let confirm = vec![format!("kubectl describe node {}", sh(node.name))];
    let mut causes: Vec<Cause> = findings
        .on(
            &keys,
            &[
                "resources-memory-limit-missing",
                "resources-requests-missing",
            ],
        )
        .into_iter()
        .map(|j| {
            let e = findings.get(j);
            cause_finding(
                e,
                format!(
                    "{} runs on it without {}",
                    e.object
                        .as_ref()
                        .map_or_else(String::new, ToString::to_string),
                    if e.rule == "resources-memory-limit-missing" {
                        "a memory limit"
                    } else {
                        "resource requests"
                    }
                ),
                "pods without memory requests and limits grow until the node runs short".to_owned(),
                60,
                confirm.clone(),
            )
        })
        .collect();
    if d.rule == "node-under-pressure" {
        for j in findings.naming(&keys, &["container-oom-killed"]) {
            let e = findings.get(j);
            causes.push(cause_finding(
                e,
                format!(
                    "{} on it is OOM-killed",
                    e.object
                        .as_ref()
                        .map_or_else(String::new, ToString::to_string)
                ),
                "its containers take more memory than they were given".to_owned(),
                55,
                confirm.clone(),
            ));
        }
    }
    causes
}

fn quota_causes(findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(ns) = d.object.as_ref().and_then(|o| o.namespace.as_deref()) else {
        return Vec::new();
    };
    findings
        .of_rule("quota-blocks-scale-out")
        .map(|i| findings.get(i))
        .filter(|e| e.object.as_ref().and_then(|o| o.namespace.as_deref()) == Some(ns))
        .map(|e| {
            cause_finding(
                e,
                rule_what(e.rule).to_owned(),
                "scaling out needs more than the quota has left".to_owned(),
                70,
                vec![format!("kubectl -n {} describe resourcequota", sh(ns))],
            )
        })
        .collect()
}

fn pvc_causes(findings: &Findings<'_>, d: &Diagnostic) -> Vec<Cause> {
    let Some(r) = d.object.as_ref() else {
        return Vec::new();
    };
    findings
        .on(&[key_of_ref(r)], &["reference-not-found"])
        .into_iter()
        .map(|j| {
            let e = findings.get(j);
            cause_finding(
                e,
                rule_what(e.rule).to_owned(),
                "no provisioner creates a volume for a class that does not exist".to_owned(),
                90,
                vec!["kubectl get storageclass".to_owned()],
            )
        })
        .collect()
}

/// The status rules whose findings are about pods: the symptoms one level down a workload's
/// or Service's chain.
const POD_SYMPTOMS: &[&str] = &[
    "pod-crash-looping",
    "container-oom-killed",
    "image-pull-failing",
    "container-config-error",
    "pod-unschedulable",
    "pod-failed",
];

/// What a status finding linked as a cause says about the pods.
fn symptom_what(rule: &str) -> &'static str {
    match rule {
        "pod-crash-looping" => "its pods are crash-looping",
        "container-oom-killed" => "its pods are OOM-killed",
        "image-pull-failing" => "its pods cannot pull their image",
        "container-config-error" => "its pods cannot start: their configuration is missing",
        "pod-unschedulable" => "its pods cannot be scheduled",
        "pod-failed" => "its pods failed",
        "workload-unavailable" => "the workload behind it has no available replicas",
        _ => "its pods are unhealthy",
    }
}

/// What a static finding linked as a cause names.
fn rule_what(rule: &str) -> &'static str {
    match rule {
        "node-selector-matches-no-node" => {
            "no node matches the pod's nodeSelector or node affinity"
        }
        "taint-not-tolerated" => "every matching node has a taint the pod does not tolerate",
        "anti-affinity-unsatisfiable" => {
            "the pod's anti-affinity needs more nodes or zones than there are"
        }
        "quota-blocks-scale-out" => "a ResourceQuota leaves no room to scale out",
        "quota-requires-requests" => {
            "a ResourceQuota requires requests or limits the pods do not set"
        }
        "pvc-pending" => "a PersistentVolumeClaim it mounts is not bound",
        "service-selects-no-pods" => "the Service's selector matches no pod",
        "service-target-port-mismatch" => "the Service's target port is not a port of its pods",
        "reference-not-found" => "a referenced object does not exist",
        _ => "another finding",
    }
}

/// The name of the NetworkPolicy a finding is about, in backticks.
fn policy_name(d: &Diagnostic) -> String {
    d.object
        .as_ref()
        .map(|o| format!("`{}`", o.name))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::Settings;
    use crate::testing::check_texts;

    /// The `suspected cause` entries of the first finding of `rule`, with their line.
    fn causes(text: &str, rule: &str) -> Vec<(String, Option<u32>)> {
        let (files, diags) = check_texts(&[("snap.yaml", text)], &Settings::default());
        let d = diags
            .iter()
            .find(|d| d.rule == rule)
            .unwrap_or_else(|| panic!("no {rule} in {diags:#?}"));
        d.related
            .iter()
            .filter(|r| r.message.starts_with("suspected cause"))
            .map(|r| {
                let line = r.location.and_then(|l| {
                    l.range
                        .map(|range| files[l.file.0 as usize].line_col(range.start).line)
                });
                (r.message.clone(), line)
            })
            .collect()
    }

    const PENDING: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop}
spec:
  nodeSelector:
    disktype: nvme
  containers: [{name: app, image: registry.example.com/api:1.0}]
status:
  phase: Pending
  conditions:
    - type: PodScheduled
      status: "False"
      reason: Unschedulable
      message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
      lastTransitionTime: "2024-05-01T11:00:00Z"
"#;

    #[test]
    fn pending_points_at_the_node_selector_the_scheduler_names() {
        let found = causes(PENDING, "pod-unschedulable");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.starts_with("suspected cause 1 of 1: the pod's `nodeSelector`; why: the scheduler says `0/3 nodes are available"),
            "{found:#?}"
        );
        assert_eq!(found[0].1, Some(6), "the nodeSelector's value");
    }

    const PULL: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop}
spec:
  containers:
    - name: app
      image: registry.example.com/private/api:1.0
status:
  phase: Pending
  containerStatuses:
    - name: app
      ready: false
      restartCount: 0
      state:
        waiting:
          reason: ImagePullBackOff
          message: Back-off pulling image "registry.example.com/private/api:1.0"
---
apiVersion: v1
kind: Event
metadata: {name: api-1.1, namespace: shop}
involvedObject: {kind: Pod, name: api-1, namespace: shop}
reason: Failed
type: Warning
message: 'Failed to pull image "registry.example.com/private/api:1.0": unauthorized: authentication required'
count: 4
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:05:00Z"
"#;

    #[test]
    fn a_pull_refused_for_credentials_suspects_the_pull_secret_before_the_tag() {
        let found = causes(PULL, "image-pull-failing");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0]
                .0
                .contains("the pod has no `imagePullSecrets` for a registry that requires login"),
            "{found:#?}"
        );
        assert!(found[0].0.contains("unauthorized: authentication required"));
        assert!(
            found[1]
                .0
                .contains("the image `registry.example.com/private/api:1.0`"),
            "{found:#?}"
        );
        assert_eq!(found[1].1, Some(7), "the image");
    }

    const QUOTA: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, uid: d1}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: registry.example.com/api:1.0}]
status:
  replicas: 0
  availableReplicas: 0
  conditions:
    - type: Available
      status: "False"
      reason: MinimumReplicasUnavailable
      lastTransitionTime: "2024-05-01T11:00:00Z"
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-5d8f7
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: registry.example.com/api:1.0}]
---
apiVersion: v1
kind: Event
metadata: {name: api-5d8f7.1, namespace: shop}
involvedObject: {kind: ReplicaSet, name: api-5d8f7, namespace: shop}
reason: FailedCreate
type: Warning
message: 'Error creating: pods "api-5d8f7-x" is forbidden: exceeded quota: compute, requested: limits.memory=1Gi, used: limits.memory=8Gi, limited: limits.memory=8Gi'
count: 12
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:30:00Z"
"#;

    #[test]
    fn a_workload_without_pods_suspects_the_quota_its_replica_set_hit() {
        let found = causes(QUOTA, "workload-unavailable");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.starts_with(
                "suspected cause 1 of 1: a ResourceQuota refuses new pods (finding `quota-exhausted`); why: event `FailedCreate` ×12"
            ),
            "{found:#?}"
        );
        assert!(found[0].0.contains("exceeded quota: compute"));
        assert_eq!(
            found[0].1,
            Some(40),
            "where quota-exhausted points: the event's message"
        );
    }
}
