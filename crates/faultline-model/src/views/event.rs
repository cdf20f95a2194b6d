//! Event, from core `v1` and from `events.k8s.io/v1` (and `v1beta1`), whose fields are named
//! differently: `involvedObject`/`regarding`, `message`/`note`, `count`/`deprecatedCount`,
//! `firstTimestamp`/`deprecatedFirstTimestamp`, `source`/`deprecatedSource`,
//! `reportingComponent`/`reportingController`. The accessors read the names of the object's
//! own group, and fall back from the legacy fields to `series` and `eventTime` (set by the newer
//! event recorder, which leaves the legacy ones empty) as documented on each.

use faultline_syntax::NodeRef;

use super::{ObjectRef, fields, view};
use crate::field::Field;

view!(
    /// An `Event`.
    Event
);

impl<'a> Event<'a> {
    /// Whether the object is written against `events.k8s.io` rather than core `v1`.
    pub fn is_events_api(self) -> bool {
        self.object.group_version().0 == "events.k8s.io"
    }
    fields! { (.object.node)
        /// `Normal` or `Warning`.
        type_: str = "type",
        /// Why it happened, machine-readable (`BackOff`, `FailedScheduling`).
        reason: str = "reason",
        /// What was taken or failed (`Binding`, `Killing`).
        action: str = "action",
        /// `eventTime` (microsecond precision; required in events.k8s.io), as text.
        event_time: str = "eventTime",
    }
    /// `message` (core) or `note` (events.k8s.io).
    pub fn message(self) -> Option<Field<'a, &'a str>> {
        self.text(&[&[self.pick("message", "note")]])
    }
    /// The object the event is about: `involvedObject` (core) or `regarding`.
    pub fn object_ref(self) -> Option<ObjectRef<'a>> {
        ObjectRef::at(
            self.object
                .node
                .get(self.pick("involvedObject", "regarding")),
        )
    }
    /// A second object involved (a pod's node, say).
    pub fn related(self) -> Option<ObjectRef<'a>> {
        ObjectRef::at(self.object.node.get("related"))
    }
    /// How often it happened: `series.count`, else `count` (core) or `deprecatedCount`.
    pub fn count(self) -> Option<Field<'a, i64>> {
        self.first(
            &[
                &["series", "count"],
                &[self.pick("count", "deprecatedCount")],
            ],
            NodeRef::as_i64,
        )
    }
    /// When it was first seen, as text: `firstTimestamp` (core) or
    /// `deprecatedFirstTimestamp`, else `eventTime`.
    pub fn first_timestamp(self) -> Option<Field<'a, &'a str>> {
        self.text(&[
            &[self.pick("firstTimestamp", "deprecatedFirstTimestamp")],
            &["eventTime"],
        ])
    }
    /// When it was last seen, as text: `series.lastObservedTime`, else `lastTimestamp` (core)
    /// or `deprecatedLastTimestamp`, else `eventTime`.
    pub fn last_timestamp(self) -> Option<Field<'a, &'a str>> {
        self.text(&[
            &["series", "lastObservedTime"],
            &[self.pick("lastTimestamp", "deprecatedLastTimestamp")],
            &["eventTime"],
        ])
    }
    /// Who reported it: `reportingComponent` (core) or `reportingController`, else
    /// `source.component` (core) or `deprecatedSource.component`.
    pub fn reporting_controller(self) -> Option<Field<'a, &'a str>> {
        self.text(&[
            &[self.pick("reportingComponent", "reportingController")],
            &[self.source(), "component"],
        ])
    }
    /// Which instance reported it: `reportingInstance`, else the source's `host`.
    pub fn reporting_instance(self) -> Option<Field<'a, &'a str>> {
        self.text(&[&["reportingInstance"], &[self.source(), "host"]])
    }

    fn pick(self, core: &'static str, events: &'static str) -> &'static str {
        if self.is_events_api() { events } else { core }
    }

    fn source(self) -> &'static str {
        self.pick("source", "deprecatedSource")
    }

    /// The first of `paths` that holds a string.
    fn text(self, paths: &[&[&str]]) -> Option<Field<'a, &'a str>> {
        self.first(paths, NodeRef::as_str)
    }

    /// The first of `paths` whose node `read` accepts.
    fn first<T>(
        self,
        paths: &[&[&str]],
        read: fn(NodeRef<'a>) -> Option<T>,
    ) -> Option<Field<'a, T>> {
        paths.iter().find_map(|path| {
            let node = self.object.node.path(path)?;
            Some(Field {
                value: read(node)?,
                node,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;

    const CORE: &str = "\
apiVersion: v1
kind: Event
metadata: {name: web-1.17c, namespace: shop}
type: Warning
reason: BackOff
message: Back-off restarting failed container app
involvedObject:
  kind: Pod
  namespace: shop
  name: web-1
  uid: 1234
  fieldPath: spec.containers{app}
count: 12
firstTimestamp: 2024-05-01T10:00:00Z
lastTimestamp: '2024-05-01T11:00:00Z'
eventTime: null
source: {component: kubelet, host: n1}
";

    #[test]
    fn core_event() {
        let s = yaml(CORE);
        let e = Event::of(s.obj(0)).unwrap();
        assert!(!e.is_events_api());
        assert_eq!(e.type_().unwrap().value, "Warning");
        assert_eq!(e.reason().unwrap().value, "BackOff");
        assert_eq!(
            e.message().unwrap().value,
            "Back-off restarting failed container app"
        );
        let obj = e.object_ref().unwrap();
        assert_eq!(obj.kind().unwrap().value, "Pod");
        assert_eq!(obj.namespace().unwrap().value, "shop");
        assert_eq!(obj.name().unwrap().value, "web-1");
        assert!(obj.uid().is_none(), "an integer uid is not a string");
        let path = obj.field_path().unwrap();
        assert_eq!(path.value, "spec.containers{app}");
        assert_eq!(s.at(path.node), (12, 14));
        let count = e.count().unwrap();
        assert_eq!(count.value, 12);
        assert_eq!(s.at(count.node), (13, 8));
        let first = e.first_timestamp().unwrap();
        assert_eq!(first.value, "2024-05-01T10:00:00Z");
        assert_eq!(s.at(first.node), (14, 17));
        assert_eq!(e.last_timestamp().unwrap().value, "2024-05-01T11:00:00Z");
        assert!(e.event_time().is_none());
        assert_eq!(e.reporting_controller().unwrap().value, "kubelet");
        assert_eq!(e.reporting_instance().unwrap().value, "n1");
        assert!(e.related().is_none());
        assert!(e.action().is_none());
    }

    const EVENTS_API: &str = "\
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: web-1.17d, namespace: shop}
type: Normal
reason: Scheduled
note: Successfully assigned shop/web-1 to n1
action: Binding
regarding: {kind: Pod, namespace: shop, name: web-1, uid: abc}
related: {kind: Node, name: n1}
eventTime: 2024-05-01T10:00:00.000001Z
series: {count: 4, lastObservedTime: 2024-05-01T10:05:00.000001Z}
reportingController: default-scheduler
reportingInstance: default-scheduler-cp1
deprecatedCount: 1
deprecatedSource: {component: scheduler}
";

    #[test]
    fn events_api_event() {
        let s = yaml(EVENTS_API);
        let e = Event::of(s.obj(0)).unwrap();
        assert!(e.is_events_api());
        let note = e.message().unwrap();
        assert_eq!(note.value, "Successfully assigned shop/web-1 to n1");
        assert_eq!(s.at(note.node), (6, 7));
        let obj = e.object_ref().unwrap();
        assert_eq!(obj.name().unwrap().value, "web-1");
        assert_eq!(obj.uid().unwrap().value, "abc");
        assert_eq!(e.related().unwrap().kind().unwrap().value, "Node");
        assert_eq!(e.action().unwrap().value, "Binding");
        let count = e.count().unwrap();
        assert_eq!(count.value, 4, "series.count before deprecatedCount");
        assert_eq!(s.at(count.node), (11, 17));
        assert_eq!(
            e.first_timestamp().unwrap().value,
            "2024-05-01T10:00:00.000001Z"
        );
        assert_eq!(
            e.last_timestamp().unwrap().value,
            "2024-05-01T10:05:00.000001Z"
        );
        assert_eq!(e.reporting_controller().unwrap().value, "default-scheduler");
        assert_eq!(
            e.reporting_instance().unwrap().value,
            "default-scheduler-cp1"
        );
    }

    #[test]
    fn field_names_follow_the_group() {
        // Core field names in an events.k8s.io object are not read, and the reverse.
        let s = yaml(
            "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: x}\nmessage: m\ninvolvedObject: {name: a}\ncount: 3\nsource: {component: c}\n---\napiVersion: v1\nkind: Event\nmetadata: {name: y}\nnote: m\nregarding: {name: a}\ndeprecatedCount: 3\nreportingController: c\n",
        );
        for i in 0..2 {
            let e = Event::of(s.obj(i)).unwrap();
            assert!(e.message().is_none());
            assert!(e.object_ref().is_none());
            assert!(e.count().is_none());
            assert!(e.reporting_controller().is_none());
            assert!(e.first_timestamp().is_none());
        }
    }

    #[test]
    fn core_event_from_the_new_recorder_falls_back() {
        let s = yaml(
            "apiVersion: v1\nkind: Event\nmetadata: {name: x}\nfirstTimestamp: null\nlastTimestamp: null\neventTime: 2024-05-01T10:00:00.000001Z\nseries: {count: 7, lastObservedTime: 2024-05-01T10:09:00.000001Z}\nreportingComponent: kubelet\nsource: {component: ignored}\n",
        );
        let e = Event::of(s.obj(0)).unwrap();
        assert_eq!(e.count().unwrap().value, 7);
        assert_eq!(
            e.first_timestamp().unwrap().value,
            "2024-05-01T10:00:00.000001Z"
        );
        assert_eq!(
            e.last_timestamp().unwrap().value,
            "2024-05-01T10:09:00.000001Z"
        );
        assert_eq!(e.reporting_controller().unwrap().value, "kubelet");
    }
}
