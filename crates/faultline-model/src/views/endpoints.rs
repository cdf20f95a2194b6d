//! Endpoints (`v1`) and EndpointSlice (`discovery.k8s.io/v1`, `v1beta1`).

use super::{ObjectRef, fields, item, items, strings, view};
use crate::field::{self, Field};

/// The label that ties an EndpointSlice to its Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

view!(
    /// An `Endpoints` object: named after its Service, one subset per distinct port set.
    Endpoints
);

impl<'a> Endpoints<'a> {
    pub fn subsets(self) -> impl Iterator<Item = EndpointSubset<'a>> + 'a {
        items(self.object.node.get("subsets"))
    }
}

item!(
    /// One entry of `subsets`: addresses that share the same ports.
    EndpointSubset
);

impl<'a> EndpointSubset<'a> {
    /// Addresses ready to receive traffic.
    pub fn addresses(self) -> impl Iterator<Item = EndpointAddress<'a>> + 'a {
        items(self.node.get("addresses"))
    }
    /// Addresses not ready yet (or no longer), which a Service does not route to.
    pub fn not_ready_addresses(self) -> impl Iterator<Item = EndpointAddress<'a>> + 'a {
        items(self.node.get("notReadyAddresses"))
    }
    pub fn ports(self) -> impl Iterator<Item = EndpointPort<'a>> + 'a {
        items(self.node.get("ports"))
    }
}

item!(
    /// One `EndpointAddress`.
    EndpointAddress
);

impl<'a> EndpointAddress<'a> {
    fields! { (.node)
        ip: str = "ip",
        hostname: str = "hostname",
        node_name: str = "nodeName",
    }
    /// The pod (usually) behind the address.
    pub fn target_ref(self) -> Option<ObjectRef<'a>> {
        ObjectRef::at(self.node.get("targetRef"))
    }
}

item!(
    /// An `EndpointPort` (the same shape in Endpoints and EndpointSlices).
    EndpointPort
);

impl<'a> EndpointPort<'a> {
    fields! { (.node)
        /// Must match the Service port's name (absent when the Service has one unnamed port).
        name: str = "name",
        port: int = "port",
        /// `TCP`, `UDP` or `SCTP`; absent means `TCP`.
        protocol: str = "protocol",
        app_protocol: str = "appProtocol",
    }
}

view!(
    /// An `EndpointSlice`.
    EndpointSlice
);

impl<'a> EndpointSlice<'a> {
    /// The Service the slice belongs to: its `kubernetes.io/service-name` label.
    pub fn service_name(self) -> Option<Field<'a, &'a str>> {
        field::str(
            self.object.node.path(&["metadata", "labels"]),
            SERVICE_NAME_LABEL,
        )
    }
    fields! { (.object.node)
        /// `IPv4`, `IPv6` or `FQDN`.
        address_type: str = "addressType",
    }
    pub fn endpoints(self) -> impl Iterator<Item = SliceEndpoint<'a>> + 'a {
        items(self.object.node.get("endpoints"))
    }
    pub fn ports(self) -> impl Iterator<Item = EndpointPort<'a>> + 'a {
        items(self.object.node.get("ports"))
    }
}

item!(
    /// One entry of an EndpointSlice's `endpoints`.
    SliceEndpoint
);

impl<'a> SliceEndpoint<'a> {
    pub fn addresses(self) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        strings(self.node.get("addresses"))
    }
    pub fn conditions(self) -> EndpointConditions<'a> {
        let conditions = self.node.get("conditions");
        EndpointConditions {
            ready: field::bool(conditions, "ready"),
            serving: field::bool(conditions, "serving"),
            terminating: field::bool(conditions, "terminating"),
        }
    }
    fields! { (.node)
        hostname: str = "hostname",
    }
    /// `nodeName`, or in `v1beta1` the `kubernetes.io/hostname` topology label.
    pub fn node_name(self) -> Option<Field<'a, &'a str>> {
        field::str(Some(self.node), "nodeName")
            .or_else(|| field::str(self.node.get("topology"), "kubernetes.io/hostname"))
    }
    /// `zone`, or in `v1beta1` the `topology.kubernetes.io/zone` topology label.
    pub fn zone(self) -> Option<Field<'a, &'a str>> {
        field::str(Some(self.node), "zone")
            .or_else(|| field::str(self.node.get("topology"), "topology.kubernetes.io/zone"))
    }
    pub fn target_ref(self) -> Option<ObjectRef<'a>> {
        ObjectRef::at(self.node.get("targetRef"))
    }
}

/// An endpoint's conditions as written (`None`: absent, null, or not a boolean). The methods
/// give the meaning the API defines for absent values, as kube-proxy reads them.
#[derive(Clone, Copy, Debug)]
pub struct EndpointConditions<'a> {
    pub ready: Option<Field<'a, bool>>,
    pub serving: Option<Field<'a, bool>>,
    pub terminating: Option<Field<'a, bool>>,
}

impl EndpointConditions<'_> {
    /// Nil means ready.
    pub fn is_ready(&self) -> bool {
        self.ready.is_none_or(|f| f.value)
    }
    /// Nil means serving.
    pub fn is_serving(&self) -> bool {
        self.serving.is_none_or(|f| f.value)
    }
    /// Nil means not terminating.
    pub fn is_terminating(&self) -> bool {
        self.terminating.is_some_and(|f| f.value)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{json, yaml};
    use super::*;

    const ENDPOINTS: &str = "\
apiVersion: v1
kind: Endpoints
metadata:
  name: web
subsets:
- addresses:
  - ip: 10.0.0.1
    nodeName: n1
    targetRef: {kind: Pod, namespace: shop, name: web-1, uid: u1}
  notReadyAddresses:
  - ip: 10.0.0.2
  - 17
  ports:
  - name: http
    port: 8080
    protocol: TCP
  - port: '9090'
- junk
";

    #[test]
    fn endpoints_subsets_addresses_and_ports() {
        let s = yaml(ENDPOINTS);
        let ep = Endpoints::of(s.obj(0)).unwrap();
        let subsets: Vec<_> = ep.subsets().collect();
        assert_eq!(subsets.len(), 1, "the scalar subset is skipped");
        let a = subsets[0].addresses().next().unwrap();
        assert_eq!(a.ip().unwrap().value, "10.0.0.1");
        assert_eq!(s.at(a.ip().unwrap().node), (7, 9));
        assert_eq!(a.node_name().unwrap().value, "n1");
        let target = a.target_ref().unwrap();
        assert_eq!(target.kind().unwrap().value, "Pod");
        assert_eq!(target.name().unwrap().value, "web-1");
        assert_eq!(target.namespace().unwrap().value, "shop");
        assert_eq!(target.uid().unwrap().value, "u1");
        assert!(target.field_path().is_none());
        let not_ready: Vec<_> = subsets[0].not_ready_addresses().collect();
        assert_eq!(not_ready.len(), 1);
        assert!(not_ready[0].target_ref().is_none());
        let ports: Vec<_> = subsets[0].ports().collect();
        assert_eq!(ports[0].name().unwrap().value, "http");
        assert_eq!(ports[0].port().unwrap().value, 8080);
        assert_eq!(s.at(ports[0].port().unwrap().node), (15, 11));
        assert_eq!(ports[0].protocol().unwrap().value, "TCP");
        assert!(ports[1].port().is_none(), "a quoted port is a string");
        assert!(ports[1].name().is_none());
    }

    #[test]
    fn other_kinds_are_not_endpoints() {
        let s = yaml("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n");
        assert!(Endpoints::of(s.obj(0)).is_none());
        assert!(EndpointSlice::of(s.obj(0)).is_none());
    }

    const SLICE: &str = "\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: n1
  zone: z1
  targetRef: {kind: Pod, name: web-1}
- addresses: [10.0.0.2]
- addresses: [10.0.0.3]
  conditions: {ready: false, serving: true, terminating: true}
- addresses: [10.0.0.4]
  conditions: {ready: 'no'}
ports:
- name: http
  port: 8080
";

    #[test]
    fn endpoint_slice_fields_and_nil_conditions() {
        let s = yaml(SLICE);
        let slice = EndpointSlice::of(s.obj(0)).unwrap();
        let service = slice.service_name().unwrap();
        assert_eq!(service.value, "web");
        assert_eq!(s.at(service.node), (6, 33));
        assert_eq!(slice.address_type().unwrap().value, "IPv4");
        let eps: Vec<_> = slice.endpoints().collect();
        let addr = eps[0].addresses().next().unwrap();
        assert_eq!(addr.value, "10.0.0.1");
        assert_eq!(s.at(addr.node), (9, 15));
        assert_eq!(eps[0].node_name().unwrap().value, "n1");
        assert_eq!(eps[0].zone().unwrap().value, "z1");
        assert_eq!(eps[0].target_ref().unwrap().name().unwrap().value, "web-1");
        let c = eps[0].conditions();
        assert!(c.is_ready() && c.is_serving() && !c.is_terminating());
        assert_eq!(s.at(c.ready.unwrap().node), (10, 23));
        // No conditions at all: ready and serving, not terminating.
        let c = eps[1].conditions();
        assert!(c.ready.is_none() && c.is_ready() && c.is_serving() && !c.is_terminating());
        let c = eps[2].conditions();
        assert!(!c.is_ready() && c.is_serving() && c.is_terminating());
        // A string is not a boolean: the field reads as absent.
        assert!(eps[3].conditions().ready.is_none());
        let port = slice.ports().next().unwrap();
        assert_eq!(port.port().unwrap().value, 8080);
        assert!(port.protocol().is_none());
    }

    #[test]
    fn v1beta1_topology_gives_node_and_zone() {
        let s = yaml(
            "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: {name: x}\nendpoints:\n- addresses: [10.0.0.1]\n  topology:\n    kubernetes.io/hostname: n2\n    topology.kubernetes.io/zone: z2\n",
        );
        let ep = EndpointSlice::of(s.obj(0))
            .unwrap()
            .endpoints()
            .next()
            .unwrap();
        assert_eq!(ep.node_name().unwrap().value, "n2");
        assert_eq!(ep.zone().unwrap().value, "z2");
    }

    #[test]
    fn endpoint_slice_from_json() {
        let s = json(
            r#"{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
"metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
"addressType": "IPv6",
"endpoints": [{"addresses": ["fd00::1"], "conditions": {"ready": false}}],
"ports": [{"port": 443, "protocol": "TCP"}]}"#,
        );
        let slice = EndpointSlice::of(s.obj(0)).unwrap();
        assert_eq!(slice.service_name().unwrap().value, "web");
        assert_eq!(s.at(slice.service_name().unwrap().node), (2, 74));
        let ep = slice.endpoints().next().unwrap();
        let ready = ep.conditions().ready.unwrap();
        assert!(!ready.value);
        assert_eq!(s.text(ready.node), "false");
        assert_eq!(s.at(ready.node), (4, 66));
        assert_eq!(slice.ports().next().unwrap().port().unwrap().value, 443);
    }

    #[test]
    fn malformed_slice_reads_as_absent() {
        let s = yaml(
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  labels: [a]\naddressType: 4\nendpoints: {a: b}\nports: x\n",
        );
        let slice = EndpointSlice::of(s.obj(0)).unwrap();
        assert!(slice.service_name().is_none());
        assert!(slice.address_type().is_none());
        assert_eq!(slice.endpoints().count(), 0);
        assert_eq!(slice.ports().count(), 0);
    }
}
