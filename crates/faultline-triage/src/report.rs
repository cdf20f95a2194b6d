//! `faultline triage`: an incident report built from a snapshot's findings.
//!
//! The status findings (symptoms) are grouped into problems, one per workload (a Deployment,
//! its pods and the Services that have no endpoints because of them), per Node, per quota;
//! problems are ranked by blast radius (Services without endpoints, then pods affected). Each
//! problem carries its evidence (Events with count and first/last seen, log lines), its
//! suspected causes from the cause chains ([`crate::chain`]), most likely first, and the
//! `kubectl` commands that would confirm them. A timeline of the snapshot's Events closes the
//! report. Everything here is plain data; the CLI renders it.

use crate::ids;
use std::collections::{BTreeSet, HashMap};

use faultline_diagnostics::{Category, Diagnostic, Location, ObjectRef, Severity};
use faultline_model::Object;
use faultline_model::snapshot::EventInfo;
use faultline_model::time::Timestamp;
use faultline_model::views::Event;

use faultline_model::ObjectId;
use faultline_rules::evidence::{owner_of, shorten, summarize_events};
use faultline_rules::{Context, object_ref};

use crate::chain::wording::{kubectl_ns, sh};
use crate::chain::{Cause, Chain, named};

/// How many Events the timeline lists at most.
pub const MAX_TIMELINE: usize = 60;

/// The whole report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// The time the snapshot is judged at (`--now`, else its latest timestamp).
    pub now: Option<Timestamp>,
    /// Most severe first.
    pub problems: Vec<Problem>,
    pub timeline: Vec<TimelineEntry>,
    /// Events left out of the timeline beyond [`MAX_TIMELINE`].
    pub timeline_omitted: usize,
    /// Input that could not be read or parsed, and faultline's own failures: the report may
    /// miss what they hide.
    pub input_problems: Vec<Symptom>,
    /// Findings that are not about status (configuration findings), for the summary line.
    pub other_findings: usize,
}

/// What went wrong with one workload (or Node, quota, claim), with the evidence and causes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The workload, Service, Node… the problem is about.
    pub subject: ObjectRef,
    pub severity: Severity,
    /// Distinct Pods the symptoms name.
    pub pods_affected: usize,
    /// Services left without a ready endpoint.
    pub services_down: Vec<ObjectRef>,
    pub symptoms: Vec<Symptom>,
    pub evidence: Vec<Evidence>,
    /// Most likely first.
    pub causes: Vec<Cause>,
    /// `kubectl` commands to confirm the causes on the live cluster.
    pub commands: Vec<String>,
    /// The problems this one follows from: a Node under memory pressure whose only suspected
    /// causes are the OOM kills of workloads that are problems of their own. Such a problem
    /// ranks below them.
    pub consequence_of: Vec<ObjectRef>,
}

/// One status finding of a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symptom {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub object: Option<ObjectRef>,
    pub location: Location,
}

/// An Event summary or a log line that backs a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    Event {
        reason: String,
        /// `Warning` or `Normal`.
        type_: Option<String>,
        count: i64,
        /// How many of the problem's objects had one.
        objects: usize,
        first_seen: Option<Timestamp>,
        last_seen: Option<Timestamp>,
        message: Option<String>,
        /// `Kind/namespace/name` of the object the first of them is about.
        about: String,
        location: Location,
    },
    Log {
        pod: ObjectRef,
        container: Option<String>,
        /// What the line says went wrong.
        cause: String,
        line: String,
        count: u32,
        location: Location,
    },
}

/// One Event in the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// First seen (the Event's only time when it happened once).
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub type_: Option<String>,
    pub reason: String,
    pub count: i64,
    /// `Kind/namespace/name` of the object the Event is about.
    pub about: String,
    pub message: String,
    pub location: Location,
}

impl Incident {
    /// Calls `f` on every free text of the report with the place it is about (for output
    /// redaction): symptom messages, causes (what, why, detail, commands), Event messages and
    /// reasons, types and the objects they are about, log lines and container names, the
    /// `kubectl` commands and the timeline. `ObjectRef`s are not visited.
    pub fn for_each_text_mut(&mut self, f: &mut dyn FnMut(Option<Location>, &mut String)) {
        for p in &mut self.problems {
            for y in &mut p.symptoms {
                f(Some(y.location), &mut y.message);
            }
            for e in &mut p.evidence {
                match e {
                    Evidence::Event {
                        reason,
                        type_,
                        message,
                        about,
                        location,
                        ..
                    } => {
                        f(Some(*location), reason);
                        f(Some(*location), about);
                        if let Some(t) = type_ {
                            f(Some(*location), t);
                        }
                        if let Some(m) = message {
                            f(Some(*location), m);
                        }
                    }
                    Evidence::Log {
                        container,
                        cause,
                        line,
                        location,
                        ..
                    } => {
                        if let Some(c) = container {
                            f(Some(*location), c);
                        }
                        f(Some(*location), cause);
                        f(Some(*location), line);
                    }
                }
            }
            for c in &mut p.causes {
                let at = c.location.or(c.running);
                f(at, &mut c.what);
                f(at, &mut c.why);
                if let Some(d) = &mut c.detail {
                    f(at, d);
                }
                for cmd in &mut c.confirm {
                    f(at, cmd);
                }
            }
            for cmd in &mut p.commands {
                f(None, cmd);
            }
        }
        for t in &mut self.timeline {
            f(Some(t.location), &mut t.reason);
            f(Some(t.location), &mut t.about);
            if let Some(ty) = &mut t.type_ {
                f(Some(t.location), ty);
            }
            f(Some(t.location), &mut t.message);
        }
        for y in &mut self.input_problems {
            f(Some(y.location), &mut y.message);
        }
    }
}

/// Builds the report from the findings of a run and their cause chains.
pub fn build(cx: &Context<'_>, diags: &[Diagnostic], chains: &[Chain]) -> Incident {
    let causes_of: HashMap<usize, &Chain> = chains.iter().map(|c| (c.symptom, c)).collect();
    let symptoms: Vec<usize> = diags
        .iter()
        .enumerate()
        .filter(|(_, d)| d.category == Category::Status)
        .map(|(i, _)| i)
        .collect();
    let keys: Vec<Subject> = symptoms
        .iter()
        .map(|i| problem_key(cx, &diags[*i]))
        .collect();
    let mut order: Vec<Subject> = Vec::new();
    let mut members: HashMap<Subject, Vec<usize>> = HashMap::new();
    for (i, key) in symptoms.iter().zip(keys) {
        if !members.contains_key(&key) {
            order.push(key.clone());
        }
        members.entry(key).or_default().push(*i);
    }
    let mut problems: Vec<Problem> = order
        .into_iter()
        .map(|key| {
            let idx = &members[&key];
            problem(cx, diags, idx, &causes_of, key)
        })
        .collect();
    mark_consequences(cx, &mut problems);
    problems.sort_by(|a, b| {
        let rank = |p: &Problem| {
            (
                p.consequence_of.is_empty(),
                p.services_down.len(),
                p.pods_affected,
                p.severity,
            )
        };
        rank(b)
            .cmp(&rank(a))
            .then_with(|| a.subject.to_string().cmp(&b.subject.to_string()))
    });
    let (timeline, timeline_omitted) = timeline(cx);
    let input_problems: Vec<Symptom> = diags
        .iter()
        .filter(|d| matches!(d.category, Category::Syntax | Category::Internal))
        .map(symptom)
        .collect();
    Incident {
        now: cx.now(),
        problems,
        timeline,
        timeline_omitted,
        other_findings: diags.len() - symptoms.len() - input_problems.len(),
        input_problems,
    }
}

/// Marks the Node problems that follow from other problems: every suspected cause is a pod's
/// OOM kill, and each of those pods belongs to a workload that is a problem of its own.
fn mark_consequences(cx: &Context<'_>, problems: &mut [Problem]) {
    let workloads: BTreeSet<ObjectRef> = problems
        .iter()
        .filter(|p| p.subject.kind != "Node")
        .map(|p| p.subject.clone())
        .collect();
    for p in problems.iter_mut().filter(|p| p.subject.kind == "Node") {
        let mut from: BTreeSet<ObjectRef> = BTreeSet::new();
        let all_oom = !p.causes.is_empty()
            && p.causes.iter().all(|c| {
                let pod = c
                    .object_id
                    .filter(|_| c.rule == Some(ids::CONTAINER_OOM_KILLED))
                    .map(|id| cx.inventory.get(id));
                match pod.map(|pod| owner_ref(cx, pod).name) {
                    Some(owner) if workloads.contains(&owner) => {
                        from.insert(owner);
                        true
                    }
                    _ => false,
                }
            });
        if all_oom {
            p.consequence_of = from.into_iter().collect();
        }
    }
}

/// What a problem is about: its name, and the object when the input has it (a snapshot of
/// Pods may lack their ReplicaSet and Deployment).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Subject {
    name: ObjectRef,
    id: Option<ObjectId>,
}

impl Subject {
    fn of(obj: &Object<'_>) -> Self {
        Self {
            name: object_ref(obj),
            id: Some(obj.id),
        }
    }
}

/// The top of `obj`'s owner chain in the input.
fn root<'a>(cx: &Context<'a>, obj: &'a Object<'a>) -> &'a Object<'a> {
    cx.inventory.get(cx.graph.root_owner(obj.id))
}

/// The object a symptom's problem is about: a pod's or workload's root owner; for a Service
/// without endpoints, the one workload behind its pods; else the finding's own object.
fn problem_key(cx: &Context<'_>, d: &Diagnostic) -> Subject {
    let Some(obj) = d.object_id.map(|id| cx.inventory.get(id)) else {
        return Subject {
            name: d.object.clone().unwrap_or_default(),
            id: None,
        };
    };
    match d.rule {
        ids::SERVICE_NO_READY_ENDPOINTS => {
            let roots: BTreeSet<(ObjectRef, Option<ObjectId>)> = named(cx.inventory, d, "Pod")
                .into_iter()
                .map(|p| owner_ref(cx, p))
                .map(|s| (s.name, s.id))
                .collect();
            if roots.len() == 1 {
                let (name, id) = roots.into_iter().next().expect("one");
                Subject { name, id }
            } else {
                Subject::of(obj)
            }
        }
        _ if matches!(
            obj.kind,
            "Node" | "ResourceQuota" | "PersistentVolumeClaim" | "Service"
        ) =>
        {
            Subject::of(obj)
        }
        _ => owner_ref(cx, obj),
    }
}

/// The workload at the top of `obj`'s owner chain, named even when the input lacks it (a
/// snapshot of Pods without their ReplicaSets); `obj` itself when it has no controller.
fn owner_ref<'a>(cx: &Context<'a>, obj: &'a Object<'a>) -> Subject {
    let top = root(cx, obj);
    if top.id != obj.id {
        return Subject::of(top);
    }
    match owner_of(cx.inventory, obj) {
        Some(o) => match o.object {
            Some(found) => Subject::of(found),
            None => Subject {
                name: ObjectRef {
                    api_version: String::new(),
                    kind: o.kind.to_owned(),
                    namespace: o.namespace.map(str::to_owned),
                    name: o.name.to_owned(),
                },
                id: None,
            },
        },
        None => Subject::of(obj),
    }
}

fn problem(
    cx: &Context<'_>,
    diags: &[Diagnostic],
    idx: &[usize],
    causes_of: &HashMap<usize, &Chain>,
    subject: Subject,
) -> Problem {
    let symptoms: Vec<Symptom> = idx.iter().map(|i| symptom(&diags[*i])).collect();
    let severity = symptoms
        .iter()
        .map(|s| s.severity)
        .max()
        .unwrap_or(Severity::Info);
    let mut pods: Vec<&Object<'_>> = Vec::new();
    let mut services_down: Vec<&Object<'_>> = Vec::new();
    for i in idx {
        let d = &diags[*i];
        for p in named(cx.inventory, d, "Pod") {
            if !pods.iter().any(|q| q.id == p.id) {
                pods.push(p);
            }
        }
        if d.rule == ids::SERVICE_NO_READY_ENDPOINTS
            && let Some(id) = d.object_id
        {
            services_down.push(cx.inventory.get(id));
        }
    }
    pods.sort_by_key(|p| object_ref(p));
    // Causes: every symptom's, less the links between symptoms of this problem; the best
    // score of a cause named twice.
    let own: Vec<Location> = symptoms.iter().map(|s| s.location).collect();
    let mut causes: Vec<Cause> = Vec::new();
    for i in idx {
        for c in causes_of.get(i).map_or(&[][..], |c| &c.causes) {
            if c.rule.is_some() && c.location.is_some_and(|l| own.contains(&l)) {
                continue;
            }
            match causes
                .iter_mut()
                .find(|k| k.location == c.location && k.what == c.what)
            {
                Some(k) => k.score = k.score.max(c.score),
                None => causes.push(c.clone()),
            }
        }
    }
    causes.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.what.cmp(&b.what)));
    // A Node's, quota's or claim's own Events; a workload's, its pods' and its Services'.
    let own_object = subject.id.map(|id| cx.inventory.get(id));
    let objects: Vec<_> = if matches!(
        subject.name.kind.as_str(),
        "Node" | "ResourceQuota" | "PersistentVolumeClaim"
    ) {
        own_object.into_iter().collect()
    } else {
        pods.iter()
            .copied()
            .chain(own_object)
            .chain(services_down.iter().copied())
            .collect()
    };
    let evidence = evidence(cx, &objects);
    let mut commands: Vec<String> = vec![describe(&subject.name)];
    for c in &causes {
        for k in &c.confirm {
            if !commands.contains(k) {
                commands.push(k.clone());
            }
        }
    }
    Problem {
        subject: subject.name,
        severity,
        pods_affected: pods.len(),
        services_down: services_down.iter().map(|s| object_ref(s)).collect(),
        symptoms,
        evidence,
        causes,
        commands,
        consequence_of: Vec::new(),
    }
}

fn symptom(d: &Diagnostic) -> Symptom {
    Symptom {
        rule: d.rule,
        severity: d.severity,
        message: d.message.clone(),
        object: d.object.clone(),
        location: d.location,
    }
}

/// `kubectl describe` of an object.
fn describe(o: &ObjectRef) -> String {
    format!(
        "kubectl {}describe {} {}",
        kubectl_ns(o.namespace.as_deref()),
        sh(&o.kind.to_ascii_lowercase()),
        sh(&o.name)
    )
}

/// The Events about `objects`, one per reason, Warnings first, and the log lines of the pods.
fn evidence<'a>(cx: &Context<'a>, objects: &[&'a Object<'a>]) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = summarize_events(cx, objects.iter().copied(), |_| true)
        .into_iter()
        .map(|s| {
            let e = s.latest;
            Evidence::Event {
                reason: s.reason.to_owned(),
                type_: e.type_.map(str::to_owned),
                count: s.count,
                objects: s.objects,
                first_seen: s.first,
                last_seen: s.last,
                message: e.message.map(|m| shorten(m.value, 300)),
                about: about(&s.first_event.object),
                location: Location::new(s.first_event.object.file, s.anchor()),
            }
        })
        .collect();
    out.sort_by_key(|e| match e {
        Evidence::Event { type_, .. } => type_.as_deref() != Some("Warning"),
        Evidence::Log { .. } => true,
    });
    for pod in objects.iter().filter(|o| o.kind == "Pod") {
        for l in cx.snapshot().logs_of(pod) {
            out.push(Evidence::Log {
                pod: object_ref(pod),
                container: l.container.map(str::to_owned),
                cause: l.cause.describe().to_owned(),
                line: shorten(l.text, 300),
                count: l.count,
                location: Location::new(l.file, l.range),
            });
        }
    }
    out
}

/// The snapshot's Events in time order: Warnings, and Normal Events that mark a change
/// (scaling, killing, eviction, node state). At most [`MAX_TIMELINE`]; the count of the rest.
fn timeline(cx: &Context<'_>) -> (Vec<TimelineEntry>, usize) {
    const NOTABLE: &[&str] = &[
        "ScalingReplicaSet",
        "Killing",
        "Evicted",
        "Preempting",
        "NodeNotReady",
        "NodeReady",
        "Rebooted",
        "SuccessfulRescale",
        "SuccessfulDelete",
    ];
    let mut entries: Vec<(EventInfo<'_>, String)> = cx
        .inventory
        .of_kind("Event")
        .filter_map(|o| {
            let e = EventInfo::of(o)?;
            let reason = e.reason.map_or("", |r| r.value);
            let keep = e.type_ == Some("Warning") || NOTABLE.contains(&reason);
            keep.then(|| (e, about(o)))
        })
        .collect();
    entries.sort_by(|(a, x), (b, y)| {
        (a.first, a.last, x, a.object.id).cmp(&(b.first, b.last, y, b.object.id))
    });
    let omitted = entries.len().saturating_sub(MAX_TIMELINE);
    let list = entries
        .into_iter()
        .take(MAX_TIMELINE)
        .map(|(e, about)| TimelineEntry {
            first_seen: e.first,
            last_seen: e.last,
            type_: e.type_.map(str::to_owned),
            reason: e.reason.map_or("", |r| r.value).to_owned(),
            count: e.count,
            about,
            message: e.message.map_or(String::new(), |m| shorten(m.value, 200)),
            location: Location::new(
                e.object.file,
                e.reason.map_or(e.object.kind_range(), |r| r.node.range()),
            ),
        })
        .collect();
    (list, omitted)
}

/// `Kind/namespace/name` of the object an Event is about.
fn about(event: &Object<'_>) -> String {
    let Some(r) = Event::of(event).and_then(|e| e.object_ref()) else {
        return String::new();
    };
    let kind = r.kind().map_or("", |k| k.value);
    let name = r.name().map_or("", |n| n.value);
    match r.namespace().map(|n| n.value).filter(|n| !n.is_empty()) {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}
