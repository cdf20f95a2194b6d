//! Shared by the rules about snapshots: the workload a pod belongs to, grouping findings by it
//! (32 crash-looping replicas are one finding), and Events and log lines as evidence in a
//! finding's related locations.

use std::collections::HashMap;

use faultline_diagnostics::Location;
use faultline_model::owners;
use faultline_model::snapshot::EventInfo;
use faultline_model::time::{Timestamp, human_duration};
use faultline_model::{Inventory, Object};
use faultline_syntax::TextRange;

use crate::context::Context;
use crate::sink::Report;

/// The workload that owns a pod: its controller, followed from a ReplicaSet up to its
/// Deployment and from a Job up to its CronJob when the intermediate object is in the input.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    /// The owner, when it is in the input.
    pub object: Option<&'a Object<'a>>,
}

impl Owner<'_> {
    /// `Kind/namespace/name`.
    pub fn display(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// `Kind/namespace/name` of an object.
pub(crate) fn display(obj: &Object<'_>) -> String {
    crate::sink::object_ref(obj).to_string()
}

/// The controllers that make up `obj`'s workload, nearest first: its controller, then from a
/// ReplicaSet its Deployment and from a Job its CronJob ([`owners::controllers`], which names
/// the Deployment of a ReplicaSet the input lacks from the `pod-template-hash`).
fn workload_chain<'a>(inventory: &Inventory<'a>, obj: &Object<'a>) -> Vec<owners::Controller<'a>> {
    let all = owners::controllers(inventory, obj);
    let mut end = all.len().min(1);
    while end < all.len() && matches!(all[end - 1].kind, "ReplicaSet" | "Job") {
        end += 1;
    }
    all.into_iter().take(end).collect()
}

/// The workload `obj` belongs to (see [`Owner`]); `None` for an object without a controller.
pub fn owner_of<'a>(inventory: &'a Inventory<'a>, obj: &Object<'a>) -> Option<Owner<'a>> {
    let last = *workload_chain(inventory, obj).last()?;
    Some(Owner {
        kind: last.kind,
        name: last.name,
        namespace: obj.namespace,
        object: last.object.map(|id| inventory.get(id)),
    })
}

/// The controllers of `obj` that are in the input, nearest first, along the chain
/// [`owner_of`] follows: the controller, then from a ReplicaSet its Deployment and from a Job
/// its CronJob.
pub fn controllers_in_input<'a>(
    inventory: &'a Inventory<'a>,
    obj: &Object<'a>,
) -> Vec<&'a Object<'a>> {
    workload_chain(inventory, obj)
        .into_iter()
        .filter_map(|c| c.object)
        .filter(|id| *id != obj.id)
        .map(|id| inventory.get(id))
        .collect()
}

/// Findings about pods of one workload (or one pod without an owner), in input order.
#[derive(Debug)]
pub(crate) struct Group<'a, T> {
    pub owner: Option<Owner<'a>>,
    pub members: Vec<(&'a Object<'a>, T)>,
}

impl<'a, T> Group<'a, T> {
    /// What the finding is about: `Pod/shop/api-1`, `Pod/shop/api-1 of Deployment/shop/api`
    /// or `4 pods of Deployment/shop/api`.
    pub fn subject(&self) -> String {
        let first = display(self.members[0].0);
        match (self.owner, self.members.len()) {
            (None, _) => first,
            (Some(o), 1) => format!("{first} of {}", o.display()),
            (Some(o), n) => format!("{n} pods of {}", o.display()),
        }
    }

    pub fn objects(&self) -> impl Iterator<Item = &'a Object<'a>> + '_ {
        self.members.iter().map(|(o, _)| *o)
    }
}

/// Splits `items` into groups of equal `key`, groups in the order of their first item, items
/// in input order.
pub(crate) fn group_in_order<T, K: std::hash::Hash + Eq>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    let mut index: HashMap<K, usize> = HashMap::new();
    for item in items {
        let at = *index.entry(key(&item)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(item);
    }
    groups
}

/// `(namespace, kind, name)` of the workload `obj` belongs to, or of `obj` itself.
pub(crate) type OwnerKey<'a> = (Option<&'a str>, &'a str, &'a str);

fn owner_key<'a>(owner: Option<Owner<'a>>, obj: &'a Object<'a>) -> OwnerKey<'a> {
    match owner {
        Some(o) => (o.namespace, o.kind, o.name),
        None => (obj.namespace, obj.kind, obj.name),
    }
}

/// Groups findings by the workload that owns each object (see [`Owner`]); an object without
/// an owner is a group of its own.
pub(crate) fn group_by_owner<'a, T>(
    inventory: &'a Inventory<'a>,
    found: Vec<(&'a Object<'a>, T)>,
) -> Vec<Group<'a, T>> {
    let owned: Vec<_> = found
        .into_iter()
        .map(|(obj, detail)| (owner_of(inventory, obj), obj, detail))
        .collect();
    group_in_order(owned, |(owner, obj, _)| {
        (owner_key(*owner, obj), owner.is_none().then_some(obj.id))
    })
    .into_iter()
    .map(|members| Group {
        owner: members[0].0,
        members: members.into_iter().map(|(_, o, d)| (o, d)).collect(),
    })
    .collect()
}

/// The key [`group_by_owner`] groups `obj` under when it is a pod, and the object's own
/// identity otherwise (a workload is grouped with the pods it owns).
pub(crate) fn workload_key<'a>(
    inventory: &'a Inventory<'a>,
    obj: &'a Object<'a>,
) -> (OwnerKey<'a>, Option<Owner<'a>>) {
    let owner = (obj.kind == "Pod")
        .then(|| owner_of(inventory, obj))
        .flatten();
    (owner_key(owner, obj), owner)
}

/// Adds every member after the first, each at `range`, and the owner when it is in the input.
pub(crate) fn relate_group<'r, T>(
    mut report: Report<'r>,
    group: &Group<'_, T>,
    range: impl Fn(&T) -> TextRange,
    note: impl Fn(&T) -> String,
) -> Report<'r> {
    for (obj, detail) in group.members.iter().skip(1) {
        report = report.related(obj, range(detail), note(detail));
    }
    if let Some(owner) = group.owner
        && let Some(obj) = owner.object
    {
        report = report.related(obj, obj.kind_range(), "the workload that owns these pods");
    }
    report
}

fn span(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    match (first, last) {
        (Some(f), Some(l)) if f != l => format!("first seen {f}, last seen {l}"),
        (_, Some(t)) | (Some(t), None) => format!("seen {t}"),
        (None, None) => String::new(),
    }
}

/// The Events of one reason about a set of objects, summed up.
#[derive(Clone, Copy, Debug)]
pub struct EventSummary<'a> {
    pub reason: &'a str,
    /// The first Event of this reason met (objects in the order given, then oldest first).
    pub first_event: EventInfo<'a>,
    /// The Event last seen, whose message stands for all of them.
    pub latest: EventInfo<'a>,
    /// The count summed over all the Events.
    pub count: i64,
    /// How many of the objects had one.
    pub objects: usize,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl EventSummary<'_> {
    /// `event `Unhealthy` ×477 on 4 objects (first seen …, last seen …): message`.
    pub fn describe(&self) -> String {
        let on = if self.objects > 1 {
            format!(" on {} objects", self.objects)
        } else {
            String::new()
        };
        let when = span(self.first, self.last);
        let when = if when.is_empty() {
            when
        } else {
            format!(" ({when})")
        };
        let message = self
            .latest
            .message
            .map(|m| format!(": {}", shorten(m.value, 200)))
            .unwrap_or_default();
        format!("event `{}` ×{}{on}{when}{message}", self.reason, self.count)
    }

    /// Where the evidence is: the first Event's `reason`.
    pub fn anchor(&self) -> TextRange {
        let e = &self.first_event;
        e.reason.map_or(e.object.kind_range(), |r| r.node.range())
    }
}

/// The Events about `objects` that `keep` accepts, one summary per reason, in the order the
/// reasons are first met.
pub fn summarize_events<'a>(
    cx: &Context<'a>,
    objects: impl IntoIterator<Item = &'a Object<'a>>,
    keep: impl Fn(&EventInfo<'_>) -> bool,
) -> Vec<EventSummary<'a>> {
    let snapshot = cx.snapshot();
    let mut by_reason: Vec<EventSummary<'a>> = Vec::new();
    for obj in objects {
        let mut counted: Vec<&str> = Vec::new();
        for e in snapshot.events_for(cx.inventory, obj) {
            if !keep(&e) {
                continue;
            }
            let reason = e.reason.map_or("", |r| r.value);
            let at = match by_reason.iter().position(|s| s.reason == reason) {
                Some(at) => at,
                None => {
                    by_reason.push(EventSummary {
                        reason,
                        first_event: e,
                        latest: e,
                        count: 0,
                        objects: 0,
                        first: None,
                        last: None,
                    });
                    by_reason.len() - 1
                }
            };
            let seen = &mut by_reason[at];
            seen.count += e.count;
            if !counted.contains(&reason) {
                counted.push(reason);
                seen.objects += 1;
            }
            seen.first = match (seen.first, e.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            seen.last = seen.last.max(e.last);
            if e.last >= seen.latest.last {
                seen.latest = e;
            }
        }
    }
    by_reason
}

/// Adds the Events about `objects` that `keep` accepts, one entry per reason: the count summed
/// over all of them, first and last seen, and the message of the latest, at the first Event's
/// `reason`.
pub(crate) fn relate_events<'r, 'a>(
    mut report: Report<'r>,
    cx: &Context<'a>,
    objects: impl IntoIterator<Item = &'a Object<'a>>,
    keep: impl Fn(&EventInfo<'_>) -> bool,
) -> Report<'r> {
    for seen in summarize_events(cx, objects, keep) {
        report = report.related(&seen.first_event.object, seen.anchor(), seen.describe());
    }
    report
}

/// Adds the first log line of each cause found in the logs of `pods`.
pub(crate) fn relate_logs<'r, 'a>(
    mut report: Report<'r>,
    cx: &Context<'a>,
    pods: impl IntoIterator<Item = &'a Object<'a>>,
) -> Report<'r> {
    let snapshot = cx.snapshot();
    let mut seen = Vec::new();
    for pod in pods {
        for e in snapshot.logs_of(pod) {
            if seen.contains(&e.cause) {
                continue;
            }
            seen.push(e.cause);
            let container = e
                .container
                .map(|c| format!("container `{c}` of "))
                .unwrap_or_default();
            let times = if e.count > 1 {
                format!("; {} such lines", e.count)
            } else {
                String::new()
            };
            report = report.related_at(
                Location::new(e.file, e.range),
                format!(
                    "log of {container}{}: `{}` ({}{times})",
                    display(pod),
                    shorten(e.text, 160),
                    e.cause.describe()
                ),
            );
        }
    }
    report
}

/// `how long ago` relative to now, when both are known: ` 2m before the snapshot`.
pub(crate) fn ago(cx: &Context<'_>, at: Option<Timestamp>) -> String {
    match (at, cx.now()) {
        (Some(t), Some(now)) if t <= now => {
            format!(
                " {} before the snapshot",
                human_duration(t.seconds_until(now))
            )
        }
        _ => String::new(),
    }
}

/// `{prefix} 5m before the snapshot` (`" since"`, `", created"`), or nothing when the time
/// or "now" is unknown.
pub(crate) fn ago_with(cx: &Context<'_>, prefix: &str, at: Option<Timestamp>) -> String {
    let ago = ago(cx, at);
    if ago.is_empty() {
        ago
    } else {
        format!("{prefix}{ago}")
    }
}

/// At most `max` characters, with `…` when cut, without a trailing period; backticks become
/// quotes so that messages keep their quoting.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text
        .trim()
        .trim_end_matches('.')
        .replace('`', "'")
        .replace('\n', " ");
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// Every Pod with a status for which `f` finds something, in input order.
pub(crate) fn pods_with<'a, T>(
    cx: &Context<'a>,
    mut f: impl FnMut(&faultline_model::pod_status::PodStatus<'a>) -> Option<T>,
) -> Vec<(&'a Object<'a>, T)> {
    let inventory: &'a Inventory<'a> = cx.inventory;
    inventory
        .of_kind("Pod")
        .filter_map(|obj| {
            let status = faultline_model::pod_status::PodStatus::of(obj)?;
            Some((obj, f(&status)?))
        })
        .collect()
}

/// The range of `key: value` in the mapping `parent` (the whole mapping when `key` is absent).
pub(crate) fn field_at(parent: faultline_syntax::NodeRef<'_>, key: &str) -> TextRange {
    parent.field_range(key).unwrap_or_else(|| parent.range())
}

/// How many pods of a node a finding lists as related.
pub(crate) const MAX_RELATED_PODS: usize = 20;

/// Adds the pods bound to the node `node` (at their `nodeName`), at most
/// [`MAX_RELATED_PODS`]; returns the report and how many pods there are.
pub(crate) fn relate_pods_on_node<'r>(
    mut report: Report<'r>,
    cx: &Context<'_>,
    node: &str,
    note: &str,
) -> (Report<'r>, usize) {
    let pods = cx.snapshot().pods_on(node);
    for id in pods.iter().take(MAX_RELATED_PODS) {
        let pod = cx.inventory.get(*id);
        let at = pod
            .spec()
            .and_then(|s| s.field_range("nodeName"))
            .unwrap_or_else(|| pod.kind_range());
        report = report.related(pod, at, note);
    }
    (report, pods.len())
}

/// The range a finding about a condition points at: its `reason`, else its `status`.
pub(crate) fn condition_at(c: &faultline_model::status::Condition<'_>) -> TextRange {
    if c.reason.is_some() {
        field_at(c.node, "reason")
    } else {
        field_at(c.node, "status")
    }
}

/// `1 pod`, `3 pods`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
