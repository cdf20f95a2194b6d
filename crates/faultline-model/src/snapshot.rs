//! What a cluster snapshot records beside the objects themselves: the time it was taken, the
//! Events about each object, the pods on each node, and the pods' logs. Built once per run from
//! the whole inventory; rules look things up here instead of scanning every object.

use std::collections::HashMap;

use faultline_syntax::{NodeRef, SourceFile};

use crate::field::{self, Field};
use crate::kinds::{self, Scope};
use crate::logs::{LogEvidence, PodLogs};
use crate::object::{Inventory, Object, ObjectId};
use crate::status::timestamp;
use crate::time::Timestamp;
use crate::views::Event;

/// Field names whose values are past instants: the snapshot was taken at or after each. Times
/// that may lie in the future (`deletionTimestamp` is "now + grace period", certificate
/// `notAfter`, `renewalTime`, `nextScheduleTime`) are left out on purpose.
const PAST_TIMES: &[&str] = &[
    "completionTime",
    "eventTime",
    "finishedAt",
    "firstTimestamp",
    "lastHeartbeatTime",
    "lastObservedTime",
    "lastProbeTime",
    "lastScheduleTime",
    "lastSuccessfulTime",
    "lastTimestamp",
    "lastTransitionTime",
    "lastUpdateTime",
    "startTime",
    "startedAt",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
];

/// How deep below `status` (and an Event's top level) times are looked for.
const MAX_DEPTH: u32 = 6;

/// The latest past instant any object records: its `creationTimestamp`, and the times in its
/// `status` (conditions, container states) or, for an Event, its own timestamps. This is "now"
/// for a snapshot: the moment it was taken, or just after the last thing it saw happen.
pub fn latest_timestamp(inventory: &Inventory<'_>) -> Option<Timestamp> {
    let mut latest = None;
    for obj in &inventory.objects {
        let mut see = |t: Option<Timestamp>| latest = latest.max(t);
        see(timestamp(obj.metadata(), "creationTimestamp").map(|f| f.value));
        if let Some(status) = obj.status() {
            walk(status, 0, &mut see);
        }
        if obj.kind == "Event" {
            // The Event's own times and its `series`, not deeper.
            walk(obj.node, MAX_DEPTH - 1, &mut see);
        }
    }
    latest
}

fn walk(node: NodeRef<'_>, depth: u32, see: &mut impl FnMut(Option<Timestamp>)) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in node.entries() {
        if v.is_scalar() {
            if k.scalar_text().is_some_and(|k| PAST_TIMES.contains(&k)) {
                see(v.scalar_text().and_then(Timestamp::parse));
            }
        } else {
            walk(v, depth + 1, see);
        }
    }
    for item in node.items() {
        walk(item, depth + 1, see);
    }
}

/// An Event, core (`v1`) or `events.k8s.io/v1`, read for evidence.
#[derive(Clone, Copy, Debug)]
pub struct EventInfo<'a> {
    pub object: Object<'a>,
    pub reason: Option<Field<'a, &'a str>>,
    /// `message` (core) or `note` (events.k8s.io).
    pub message: Option<Field<'a, &'a str>>,
    /// `Normal` or `Warning`.
    pub type_: Option<&'a str>,
    /// How many times it happened (`count`, `series.count`, `deprecatedCount`; at least 1).
    pub count: i64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl<'a> EventInfo<'a> {
    /// The Event view of `obj`, when it is an Event, with its times parsed.
    pub fn of(obj: &Object<'a>) -> Option<Self> {
        let e = Event::of(obj)?;
        let time = |f: Option<Field<'a, &'a str>>| f.and_then(|f| Timestamp::parse(f.value));
        let first = time(e.first_timestamp());
        let last = time(e.last_timestamp()).or(first);
        Some(Self {
            object: *obj,
            reason: e.reason().filter(|r| !r.value.is_empty()),
            message: e.message().filter(|m| !m.value.is_empty()),
            type_: e.type_().map(|t| t.value),
            count: e.count().map_or(1, |c| c.value.max(1)),
            first: first.or(last),
            last,
        })
    }

    /// `(kind, namespace, name)` of the object the Event is about (`involvedObject` or
    /// `regarding`); the namespace is the Event's own when the reference leaves it out, and
    /// `None` for cluster-scoped kinds.
    fn subject(&self) -> Option<(&'a str, Option<&'a str>, &'a str)> {
        let r = Event::of(&self.object)?.object_ref()?;
        let kind = r.kind()?.value;
        let name = r.name()?.value;
        let ns = match kinds::scope(kind) {
            Scope::Cluster => None,
            _ => r
                .namespace()
                .map(|n| n.value)
                .filter(|n| !n.is_empty())
                .or(self.object.namespace),
        };
        Some((kind, ns, name))
    }
}

/// The indexes of a run's snapshot data.
#[derive(Debug)]
pub struct Snapshot<'a> {
    /// The time findings are judged at: `--now`, else [`latest_timestamp`].
    pub now: Option<Timestamp>,
    /// Whether the input holds any Node.
    pub has_nodes: bool,
    pub logs: PodLogs<'a>,
    events: HashMap<(&'a str, Option<&'a str>, &'a str), Vec<ObjectId>>,
    pods_by_node: HashMap<&'a str, Vec<ObjectId>>,
}

impl<'a> Snapshot<'a> {
    /// Indexes `inventory` (and the pod logs among `files`). `now` overrides the snapshot's
    /// own time.
    pub fn build(
        inventory: &Inventory<'a>,
        files: &'a [SourceFile],
        now: Option<Timestamp>,
    ) -> Self {
        let mut events: HashMap<_, Vec<ObjectId>> = HashMap::new();
        let mut pods_by_node: HashMap<&'a str, Vec<ObjectId>> = HashMap::new();
        let mut has_nodes = false;
        for obj in &inventory.objects {
            match obj.kind {
                "Event" => {
                    if let Some(key) = EventInfo::of(obj).and_then(|e| e.subject()) {
                        events.entry(key).or_default().push(obj.id);
                    }
                }
                "Pod" => {
                    if let Some(node) = field::str(obj.spec(), "nodeName") {
                        pods_by_node.entry(node.value).or_default().push(obj.id);
                    }
                }
                "Node" => has_nodes = true,
                _ => {}
            }
        }
        Self {
            now: now.or_else(|| latest_timestamp(inventory)),
            has_nodes,
            logs: PodLogs::build(files),
            events,
            pods_by_node,
        }
    }

    /// The Events about `obj`, oldest first (by last time seen, then input order).
    pub fn events_for(&self, inventory: &Inventory<'a>, obj: &Object<'_>) -> Vec<EventInfo<'a>> {
        let key = (obj.kind, obj.namespace, obj.name);
        let mut found: Vec<EventInfo<'a>> = self
            .events
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|id| EventInfo::of(inventory.get(*id)))
            .collect();
        found.sort_by_key(|e| (e.last, e.object.id));
        found
    }

    /// The Pods bound to the node `name` (`spec.nodeName`), in input order.
    pub fn pods_on(&self, name: &str) -> &[ObjectId] {
        self.pods_by_node.get(name).map_or(&[], Vec::as_slice)
    }

    /// The log evidence of the Pod `obj`.
    pub fn logs_of(&self, obj: &Object<'_>) -> &[LogEvidence<'a>] {
        self.logs.of(obj.namespace.unwrap_or(""), obj.name)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ModelOptions;

    #[test]
    fn now_is_the_latest_past_time_and_events_find_their_object() {
        let text = r#"
apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: shop
  creationTimestamp: "2024-05-01T10:00:00Z"
  deletionTimestamp: "2024-05-01T13:00:00Z"
spec: {nodeName: node-1}
status:
  conditions: [{type: Ready, status: "False", lastTransitionTime: "2024-05-01T11:00:00Z"}]
  containerStatuses:
    - name: app
      lastState: {terminated: {finishedAt: "2024-05-01T11:59:00Z"}}
---
apiVersion: v1
kind: Event
metadata: {name: api-1.1, namespace: shop}
involvedObject: {kind: Pod, name: api-1}
reason: BackOff
message: Back-off restarting failed container
type: Warning
count: 12
firstTimestamp: "2024-05-01T11:00:00Z"
lastTimestamp: "2024-05-01T11:58:00Z"
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: node-1.1, namespace: default}
regarding: {kind: Node, name: node-1}
reason: NodeNotReady
note: Node node-1 status is now NotReady
eventTime: "2024-05-01T12:00:30.000000Z"
"#;
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let snap = Snapshot::build(&inv, &[], None);
        assert_eq!(
            snap.now.map(|t| t.to_string()),
            Some("2024-05-01T12:00:30Z".to_owned())
        );
        let pod = &inv.objects[0];
        let events = snap.events_for(&inv, pod);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].reason.map(|r| r.value), Some("BackOff"));
        assert_eq!(events[0].count, 12);
        assert_eq!(snap.pods_on("node-1"), [pod.id]);
        let node = Object {
            kind: "Node",
            namespace: None,
            name: "node-1",
            ..*pod
        };
        let node_events = snap.events_for(&inv, &node);
        assert_eq!(
            node_events[0].message.map(|m| m.value),
            Some("Node node-1 status is now NotReady")
        );
        let fixed = Timestamp::parse("2030-01-01T00:00:00Z");
        assert_eq!(Snapshot::build(&inv, &[], fixed).now, fixed);
    }
}
