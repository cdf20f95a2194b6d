//! What every status-carrying object shares: conditions, owner references, timestamps as
//! fields, and the health verdict the status views give.

use std::fmt;

use faultline_syntax::NodeRef;

use crate::field::{self, Field};
use crate::object::Object;
use crate::time::Timestamp;

/// How healthy an object is, judged from its status alone (and "now").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Health {
    Healthy,
    /// Works, but something happened recently that deserves a look (a recent OOM kill, an
    /// eviction, a deletion stuck on a finalizer).
    Warning,
    Unhealthy,
    /// In progress (starting, pending, terminating) or not enough status to tell.
    Unknown,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Warning => "warning",
            Health::Unhealthy => "unhealthy",
            Health::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `parent.key` as a timestamp, when it is an RFC 3339 string.
pub fn timestamp<'a>(parent: Option<NodeRef<'a>>, key: &str) -> Option<Field<'a, Timestamp>> {
    let node = parent?.get(key)?;
    Some(Field {
        value: Timestamp::parse(node.scalar_text().filter(|_| node.is_scalar())?)?,
        node,
    })
}

/// One entry of a `status.conditions` list (Pod, Node, Deployment, PVC, Job, …).
#[derive(Clone, Copy, Debug)]
pub struct Condition<'a> {
    pub node: NodeRef<'a>,
    pub type_: Field<'a, &'a str>,
    /// `True`, `False` or `Unknown`.
    pub status: Option<Field<'a, &'a str>>,
    pub reason: Option<Field<'a, &'a str>>,
    pub message: Option<Field<'a, &'a str>>,
    pub last_transition_time: Option<Field<'a, Timestamp>>,
}

impl<'a> Condition<'a> {
    pub fn is_true(&self) -> bool {
        self.status.is_some_and(|s| s.value == "True")
    }

    pub fn is_false(&self) -> bool {
        self.status.is_some_and(|s| s.value == "False")
    }

    /// The node a finding about this condition points at: its `reason`, else its `status`,
    /// else its `type`.
    pub fn anchor(&self) -> NodeRef<'a> {
        self.reason
            .map(|r| r.node)
            .or(self.status.map(|s| s.node))
            .unwrap_or(self.type_.node)
    }

    /// `` `reason`: message `` (or whichever is written; the message without a final period),
    /// for messages.
    pub fn explanation(&self) -> String {
        let message = self
            .message
            .map(|m| m.value.trim().trim_end_matches('.'))
            .filter(|m| !m.is_empty());
        match (self.reason, message) {
            (Some(r), Some(m)) => format!("`{}`: {m}", r.value),
            (Some(r), None) => format!("`{}`", r.value),
            (None, Some(m)) => m.to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// The conditions of a status mapping, skipping entries without a string `type`.
pub fn conditions<'a>(status: Option<NodeRef<'a>>) -> Vec<Condition<'a>> {
    status
        .and_then(|s| s.get("conditions"))
        .into_iter()
        .flat_map(|c| c.items())
        .filter(|c| c.is_map())
        .filter_map(|node| {
            let n = Some(node);
            Some(Condition {
                node,
                type_: field::str(n, "type")?,
                status: field::str(n, "status"),
                reason: field::str(n, "reason").filter(|r| !r.value.is_empty()),
                message: field::str(n, "message"),
                last_transition_time: timestamp(n, "lastTransitionTime"),
            })
        })
        .collect()
}

/// An entry of `metadata.ownerReferences`.
#[derive(Clone, Copy, Debug)]
pub struct OwnerRef<'a> {
    pub node: NodeRef<'a>,
    pub kind: &'a str,
    pub name: &'a str,
    pub uid: Option<&'a str>,
}

/// The owner reference with `controller: true` (the object that manages this one), if any.
pub fn controller_of<'a>(obj: &Object<'a>) -> Option<OwnerRef<'a>> {
    obj.node
        .path(&["metadata", "ownerReferences"])
        .into_iter()
        .flat_map(|refs| refs.items())
        .filter(|r| r.is_map())
        .find(|r| r.get("controller").and_then(|c| c.as_bool()) == Some(true))
        .and_then(|node| {
            Some(OwnerRef {
                node,
                // Left out, it is empty (netpol-analyzer then takes the pod's kind).
                kind: node.get("kind").and_then(|k| k.as_str()).unwrap_or(""),
                name: node.get("name")?.as_str()?,
                uid: node.get("uid").and_then(|u| u.as_str()),
            })
        })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Inventory, ModelOptions};

    #[test]
    fn conditions_and_controller() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences:\n    - {kind: ReplicaSet, name: rs-old, uid: u0}\n    - {kind: ReplicaSet, name: rs-1, uid: u1, controller: true}\nstatus:\n  conditions:\n    - type: Ready\n      status: \"False\"\n      reason: ContainersNotReady\n      message: 'containers with unready status: [app]'\n      lastTransitionTime: 2024-05-01T12:00:00Z\n    - {status: \"True\"}\n    - type: PodScheduled\n      status: \"True\"\n";
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(text))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let pod = &inv.objects[0];
        let conds = conditions(pod.status());
        assert_eq!(conds.len(), 2);
        assert!(conds[0].is_false() && conds[1].is_true());
        assert_eq!(
            conds[0].explanation(),
            "`ContainersNotReady`: containers with unready status: [app]"
        );
        assert_eq!(
            conds[0].last_transition_time.map(|t| t.value.to_string()),
            Some("2024-05-01T12:00:00Z".to_owned())
        );
        let owner = controller_of(pod).expect("controller");
        assert_eq!(
            (owner.kind, owner.name, owner.uid),
            ("ReplicaSet", "rs-1", Some("u1"))
        );
    }
}
