//! Cause chains of pods the scheduler cannot place, linked to the scheduling rules' findings.

mod common;
use common::causes;

/// A zone spread on a cluster whose nodes carry no zone label: the pod stays Pending.
const NO_ZONE: &str = r#"apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1}}
---
apiVersion: v1
kind: Node
metadata: {name: node-2, labels: {kubernetes.io/hostname: node-2}}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: DoNotSchedule
      labelSelector: {matchLabels: {app: api}}
  containers: [{name: api, image: registry.example.com/shop/api:1.4}]
status:
  phase: Pending
  conditions:
    - type: PodScheduled
      status: "False"
      reason: Unschedulable
      message: "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
      lastTransitionTime: "2024-05-01T10:00:00Z"
"#;

#[test]
fn an_unschedulable_pod_links_the_spread_finding_and_its_constraints() {
    let found = causes(NO_ZONE, "pod-unschedulable");
    let text: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    let linked = found
        .iter()
        .find(|(m, _)| m.contains("topology-spread-unsatisfiable"))
        .unwrap_or_else(|| panic!("no spread finding linked: {text:#?}"));
    assert!(
        linked.0.contains("topology spread cannot be met"),
        "{text:#?}"
    );
    // The finding points at the topologyKey, line 15.
    assert_eq!(linked.1, Some(15), "{text:#?}");
    let field = found
        .iter()
        .find(|(m, _)| m.contains("`topologySpreadConstraints`"))
        .unwrap_or_else(|| panic!("no constraints cause: {text:#?}"));
    // The constraints list, its first item on line 14.
    assert_eq!(field.1, Some(14), "{text:#?}");
}

/// A Deployment at `production` priority, below the global default: two of its pods were
/// preempted (and are gone) to place a tenant's pods, the replacements are Pending.
const PREEMPTED: &str = r#"apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: tenant-default}
value: 500000
globalDefault: true
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: production}
value: 100000
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: shop, uid: d1}
spec:
  replicas: 3
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      priorityClassName: production
      containers: [{name: checkout, image: registry.example.com/shop/checkout:2.1}]
status:
  replicas: 3
  availableReplicas: 1
  readyReplicas: 1
  unavailableReplicas: 2
  conditions:
    - {type: Available, status: "False", reason: MinimumReplicasUnavailable, lastTransitionTime: "2024-05-01T10:02:00Z"}
---
apiVersion: v1
kind: Event
metadata: {name: checkout-7d9f8c6b5-xk2lp.1, namespace: shop}
involvedObject: {kind: Pod, namespace: shop, name: checkout-7d9f8c6b5-xk2lp}
related: {kind: Pod, namespace: tenant-a, name: etl-4mz8q}
reason: Preempted
message: Preempted by pod 6f1c2a9e-0b7d-4e55-9a6c-1f2e3d4c5b6a on node node-2
type: Normal
lastTimestamp: "2024-05-01T10:01:00Z"
---
apiVersion: v1
kind: Event
metadata: {name: checkout-7d9f8c6b5-q9tvw.1, namespace: shop}
involvedObject: {kind: Pod, namespace: shop, name: checkout-7d9f8c6b5-q9tvw}
related: {kind: Pod, namespace: tenant-a, name: etl-b7x2c}
reason: Preempted
message: Preempted by pod 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d on node node-3
type: Normal
lastTimestamp: "2024-05-01T10:01:30Z"
---
# Another Deployment's pod, preempted too: not a cause of checkout's.
apiVersion: v1
kind: Event
metadata: {name: checkout-v2-7d9f8c6b5-zzzzz.1, namespace: shop}
involvedObject: {kind: Pod, namespace: shop, name: checkout-v2-7d9f8c6b5-zzzzz}
reason: Preempted
message: Preempted by pod 11111111-2222-4333-8444-555555555555 on node node-1
type: Normal
lastTimestamp: "2024-05-01T10:01:40Z"
"#;

#[test]
fn a_workload_short_of_replicas_links_its_preempted_pods_and_the_default_priority() {
    let found = causes(PREEMPTED, "workload-unavailable");
    let text: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    let preempted = found
        .iter()
        .find(|(m, _)| m.contains("preempted by"))
        .unwrap_or_else(|| panic!("no preemption cause: {text:#?}"));
    assert!(
        preempted.0.contains(
            "2 of its pods were preempted by higher-priority pods (`tenant-a/etl-4mz8q`, `tenant-a/etl-b7x2c`) on `node-2`, `node-3`: `checkout-7d9f8c6b5-q9tvw`, `checkout-7d9f8c6b5-xk2lp`"
        ),
        "{text:#?}"
    );
    assert!(
        preempted.0.contains("PriorityClass `production`"),
        "{text:#?}"
    );
    // The latest of its Events' `reason` (10:01:30), line 46.
    assert_eq!(preempted.1, Some(46), "{text:#?}");
    assert!(
        text.iter()
            .any(|m| m.contains("global default PriorityClass outranks")
                && m.contains("priority-default-preempts")),
        "{text:#?}"
    );
}
