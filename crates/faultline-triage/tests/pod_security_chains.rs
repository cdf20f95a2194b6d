//! Cause chains of a workload whose pods the Pod Security admission refuses: the
//! `FailedCreate … violates PodSecurity` Events lead to the fields of the pod template.

use faultline_rules::Settings;
use faultline_rules::api_versions::KubeVersion;

mod common;

/// The `suspected cause` entries of the first finding of `rule`, with their line, at 1.30.
fn causes(text: &str, rule: &str) -> Vec<(String, Option<u32>)> {
    let settings = Settings {
        kube_version: KubeVersion {
            major: 1,
            minor: 30,
        },
        ..Settings::default()
    };
    common::causes_with(text, rule, &settings)
}

/// A Deployment in a namespace enforcing `restricted`, whose template sets no seccomp profile
/// (line 33: the container's `securityContext`), and the ReplicaSet's `FailedCreate` Events.
const SNAPSHOT: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
    uid: ns-1
    creationTimestamp: "2024-05-01T10:00:00Z"
    labels:
      kubernetes.io/metadata.name: shop
      pod-security.kubernetes.io/enforce: restricted
  status: {phase: Active}
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    uid: dep-1
    generation: 1
    creationTimestamp: "2024-05-01T11:00:00Z"
  spec:
    replicas: 2
    selector:
      matchLabels: {app: web}
    template:
      metadata:
        labels: {app: web}
      spec:
        containers:
        - name: app
          image: registry.example.com/web:1.0
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
  status:
    observedGeneration: 1
    replicas: 0
    unavailableReplicas: 2
    conditions:
    - type: Available
      status: "False"
      reason: MinimumReplicasUnavailable
      message: Deployment does not have minimum availability.
      lastUpdateTime: "2024-05-01T11:00:00Z"
      lastTransitionTime: "2024-05-01T11:00:00Z"
    - type: ReplicaFailure
      status: "True"
      reason: FailedCreate
      message: 'pods "web-5d9c7b8f6-abcde" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
      lastUpdateTime: "2024-05-01T11:00:01Z"
      lastTransitionTime: "2024-05-01T11:00:01Z"
    - type: Progressing
      status: "False"
      reason: ProgressDeadlineExceeded
      message: ReplicaSet "web-5d9c7b8f6" has timed out progressing.
      lastUpdateTime: "2024-05-01T11:10:01Z"
      lastTransitionTime: "2024-05-01T11:10:01Z"
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-5d9c7b8f6
    namespace: shop
    uid: rs-1
    creationTimestamp: "2024-05-01T11:00:00Z"
    labels: {app: web, pod-template-hash: 5d9c7b8f6}
    ownerReferences:
    - {apiVersion: apps/v1, kind: Deployment, name: web, uid: dep-1, controller: true}
  spec:
    replicas: 2
    selector:
      matchLabels: {app: web, pod-template-hash: 5d9c7b8f6}
    template:
      metadata:
        labels: {app: web, pod-template-hash: 5d9c7b8f6}
      spec:
        containers:
        - name: app
          image: registry.example.com/web:1.0
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
  status:
    replicas: 0
    observedGeneration: 1
    conditions:
    - type: ReplicaFailure
      status: "True"
      reason: FailedCreate
      message: 'pods "web-5d9c7b8f6-abcde" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
      lastTransitionTime: "2024-05-01T11:00:01Z"
- apiVersion: v1
  kind: Event
  metadata:
    name: web-5d9c7b8f6.17c
    namespace: shop
    uid: ev-1
    creationTimestamp: "2024-05-01T11:00:01Z"
  involvedObject: {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c7b8f6, namespace: shop, uid: rs-1}
  reason: FailedCreate
  type: Warning
  count: 14
  firstTimestamp: "2024-05-01T11:00:01Z"
  lastTimestamp: "2024-05-01T11:12:00Z"
  message: 'Error creating: pods "web-5d9c7b8f6-abcde" is forbidden: violates PodSecurity "restricted:latest": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
  source: {component: replicaset-controller}
"#;

#[test]
fn refused_pods_lead_to_the_pod_security_finding_at_the_field() {
    let found = causes(SNAPSHOT, "workload-unavailable");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (message, line) = &found[0];
    assert!(
        message.starts_with(
            "suspected cause 1 of 1: the pod template fails the Pod Security check seccompProfile (pod or container \"app\" must set"
        ),
        "{message}"
    );
    assert!(message.contains("(finding `pod-security`)"), "{message}");
    assert!(message.contains("event `FailedCreate` ×14"), "{message}");
    assert_eq!(*line, Some(33));
}

#[test]
fn without_the_namespace_the_events_level_is_evaluated() {
    // The snapshot lacks the Namespace: the rule checks only its default level (baseline),
    // which this template passes; the Events' `restricted:latest` still finds the field.
    let text = SNAPSHOT.replace(
        "pod-security.kubernetes.io/enforce: restricted",
        "team: web",
    );
    let found = causes(&text, "workload-unavailable");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (message, line) = &found[0];
    assert!(!message.contains("(finding `pod-security`)"), "{message}");
    assert!(
        message.contains("namespace `shop` enforces restricted:latest"),
        "{message}"
    );
    assert_eq!(*line, Some(33));
}

#[test]
fn other_failed_creates_are_not_pod_security() {
    let text = SNAPSHOT.replace("violates PodSecurity", "exceeded quota");
    let found = causes(&text, "workload-unavailable");
    assert!(
        found.iter().all(|(m, _)| !m.contains("Pod Security")),
        "{found:#?}"
    );
}
