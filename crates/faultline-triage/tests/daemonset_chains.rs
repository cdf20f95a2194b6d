//! Cause chains of DaemonSet rollouts: the admission refusal its `FailedCreate` Events name,
//! and the failing pods that hold its rolling update.

mod common;
use common::causes;

const REFUSED: &str = r#"apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: monitoring}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      containers: [{name: agent, image: registry.example.com/node-agent:2.0.0}]
      volumes:
        - name: proc
          hostPath: {path: /proc}
status:
  desiredNumberScheduled: 3
  currentNumberScheduled: 2
  updatedNumberScheduled: 0
  numberAvailable: 2
  numberUnavailable: 1
---
apiVersion: v1
kind: Event
metadata: {name: node-agent.17c3, namespace: monitoring}
involvedObject: {kind: DaemonSet, namespace: monitoring, name: node-agent}
type: Warning
reason: FailedCreate
message: 'Error creating: pods "node-agent-x7k2p" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "proc")'
count: 41
"#;

#[test]
fn a_pod_security_refusal_points_at_the_template_field() {
    let found = causes(REFUSED, "daemonset-rollout-stuck");
    assert!(!found.is_empty(), "no causes");
    let (message, line) = &found[0];
    assert!(
        message.contains("the pod template fails the Pod Security check hostPath volumes"),
        "{found:#?}"
    );
    assert_eq!(*line, Some(12), "the hostPath volume: {found:#?}");
}

const CRASHING: &str = r#"apiVersion: apps/v1
kind: DaemonSet
metadata: {name: log-shipper, namespace: logging, uid: ds1}
spec:
  selector: {matchLabels: {app: log-shipper}}
  template:
    metadata: {labels: {app: log-shipper}}
    spec:
      containers: [{name: shipper, image: registry.example.com/shipper:3.1.0}]
status:
  desiredNumberScheduled: 5
  currentNumberScheduled: 5
  updatedNumberScheduled: 1
  numberAvailable: 4
  numberUnavailable: 1
---
apiVersion: v1
kind: Pod
metadata:
  name: log-shipper-8q2xz
  namespace: logging
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: log-shipper, uid: ds1, controller: true}]
spec:
  nodeName: node-1
  containers: [{name: shipper, image: registry.example.com/shipper:3.1.0}]
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
    - name: shipper
      ready: false
      restartCount: 14
      state: {waiting: {reason: CrashLoopBackOff, message: back-off 5m0s restarting failed container}}
      lastState: {terminated: {reason: Error, exitCode: 1, finishedAt: "2024-05-01T09:58:00Z"}}
"#;

#[test]
fn a_stuck_rollout_links_its_crash_looping_pods() {
    let found = causes(CRASHING, "daemonset-rollout-stuck");
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("its pods are crash-looping (finding `pod-crash-looping`)")),
        "{found:#?}"
    );
}
