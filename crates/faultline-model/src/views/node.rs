//! Node.

use super::{ResourceQuantity, fields, item, items, quantities, view};
use crate::status::{self, Condition};

view!(
    /// A `Node`. Its labels are [`Object::labels`](crate::Object::labels).
    Node
);

impl<'a> Node<'a> {
    pub fn taints(self) -> impl Iterator<Item = Taint<'a>> + 'a {
        items(self.object.node.path(&["spec", "taints"]))
    }
    fields! { (.object.spec())
        /// `spec.unschedulable` (cordoned).
        unschedulable: bool = "unschedulable",
    }
    /// `status.conditions`, as every kind's conditions are read ([`status::conditions`]).
    pub fn conditions(self) -> Vec<Condition<'a>> {
        status::conditions(self.object.status())
    }
    /// The condition of type `type_` (`Ready`, `MemoryPressure`, …).
    pub fn condition(self, type_: &str) -> Option<Condition<'a>> {
        self.conditions()
            .into_iter()
            .find(|c| c.type_.value == type_)
    }
    pub fn capacity(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        quantities(self.object.node.path(&["status", "capacity"]))
    }
    /// What pods can request: capacity less system reservations. Without
    /// `status.allocatable` it is `status.capacity`, as API defaulting copies it.
    pub fn allocatable(self) -> impl Iterator<Item = ResourceQuantity<'a>> + 'a {
        let status = self.object.status();
        let written = status.and_then(|s| s.get("allocatable"));
        quantities(
            written
                .filter(|n| !n.is_null())
                .or_else(|| status.and_then(|s| s.get("capacity"))),
        )
    }
    pub fn addresses(self) -> impl Iterator<Item = NodeAddress<'a>> + 'a {
        items(self.object.node.path(&["status", "addresses"]))
    }
    fields! { (.object.node.path(&["status", "nodeInfo"]))
        /// `status.nodeInfo.kubeletVersion` (`v1.30.2`).
        kubelet_version: str = "kubeletVersion",
    }
}

item!(
    /// One entry of `spec.taints`.
    Taint
);

impl<'a> Taint<'a> {
    fields! { (.node)
        key: str = "key",
        value: str = "value",
        /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
        effect: str = "effect",
        /// When a `NoExecute` taint was added, as text.
        time_added: str = "timeAdded",
    }
}

item!(
    /// One entry of `status.addresses`.
    NodeAddress
);

impl<'a> NodeAddress<'a> {
    fields! { (.node)
        /// `InternalIP`, `ExternalIP`, `Hostname`, `InternalDNS` or `ExternalDNS`.
        type_: str = "type",
        address: str = "address",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::yaml;
    use super::*;
    use crate::quantity::Quantity;

    const NODE: &str = "\
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {topology.kubernetes.io/zone: z1}
spec:
  unschedulable: true
  taints:
  - key: dedicated
    value: gpu
    effect: NoSchedule
  - {key: node.kubernetes.io/unreachable, effect: NoExecute, timeAdded: '2024-05-01T10:00:00Z'}
status:
  capacity: {cpu: '4', memory: 16Gi, pods: 110}
  allocatable:
    cpu: 3800m
    memory: 15Gi
    ephemeral-storage: lots
  conditions:
  - type: MemoryPressure
    status: 'False'
  - type: Ready
    status: Unknown
    reason: NodeStatusUnknown
    message: Kubelet stopped posting node status.
    lastTransitionTime: 2024-05-01T10:00:00Z
  addresses:
  - {type: InternalIP, address: 10.1.0.5}
  nodeInfo: {kubeletVersion: v1.30.2}
";

    #[test]
    fn node_fields() {
        let s = yaml(NODE);
        let node = Node::of(s.obj(0)).unwrap();
        assert!(node.unschedulable().unwrap().value);
        let taints: Vec<_> = node.taints().collect();
        assert_eq!(taints[0].key().unwrap().value, "dedicated");
        assert_eq!(taints[0].value().unwrap().value, "gpu");
        let effect = taints[0].effect().unwrap();
        assert_eq!(effect.value, "NoSchedule");
        assert_eq!(s.at(effect.node), (11, 13));
        assert_eq!(taints[1].effect().unwrap().value, "NoExecute");
        assert_eq!(
            taints[1].time_added().unwrap().value,
            "2024-05-01T10:00:00Z"
        );
        assert!(taints[1].value().is_none());

        let ready = node.condition("Ready").unwrap();
        assert_eq!(ready.status.unwrap().value, "Unknown");
        assert_eq!(ready.reason.unwrap().value, "NodeStatusUnknown");
        assert_eq!(
            ready.message.unwrap().value,
            "Kubelet stopped posting node status."
        );
        let since = ready.last_transition_time.unwrap();
        assert_eq!(since.value.to_string(), "2024-05-01T10:00:00Z");
        assert_eq!(s.at(since.node), (26, 25));
        assert_eq!(
            node.condition("MemoryPressure")
                .unwrap()
                .status
                .unwrap()
                .value,
            "False"
        );
        assert!(node.condition("DiskPressure").is_none());

        let capacity: Vec<_> = node.capacity().collect();
        assert_eq!(capacity[2].name.value, "pods");
        assert_eq!(capacity[2].quantity.value, Quantity::parse("110"));
        let alloc: Vec<_> = node.allocatable().collect();
        assert_eq!(alloc[0].quantity.value, Quantity::parse("3800m"));
        assert_eq!(s.at(alloc[0].quantity.node), (16, 10));
        assert_eq!(alloc[2].name.value, "ephemeral-storage");
        assert!(alloc[2].quantity.value.is_err());

        let addr = node.addresses().next().unwrap();
        assert_eq!(addr.type_().unwrap().value, "InternalIP");
        assert_eq!(addr.address().unwrap().value, "10.1.0.5");
        assert_eq!(node.kubelet_version().unwrap().value, "v1.30.2");
        assert_eq!(
            node.object.labels().collect::<Vec<_>>(),
            [("topology.kubernetes.io/zone", "z1")]
        );
    }

    #[test]
    fn malformed_node_reads_as_absent() {
        let s = yaml(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {unschedulable: 'true', taints: {key: a}}\nstatus: {conditions: [Ready], capacity: [cpu]}\n",
        );
        let node = Node::of(s.obj(0)).unwrap();
        assert!(node.unschedulable().is_none());
        assert_eq!(node.taints().count(), 0);
        assert_eq!(node.conditions().len(), 0);
        assert_eq!(node.capacity().count(), 0);
        assert!(node.kubelet_version().is_none());
    }

    #[test]
    fn allocatable_defaults_to_capacity() {
        let s = yaml(
            "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  capacity: {cpu: '4'}\n  allocatable: null\n",
        );
        let alloc: Vec<_> = Node::of(s.obj(0)).unwrap().allocatable().collect();
        assert_eq!(alloc.len(), 1);
        assert_eq!(alloc[0].quantity.value, Quantity::parse("4"));
        assert_eq!(s.at(alloc[0].quantity.node), (5, 19));
    }
}
