//! Cause chains of the Job, CronJob and init-container symptoms.

mod common;
use common::causes;

const FAILED_JOB: &str = r#"apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop, uid: j1}
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 300
  template: {spec: {restartPolicy: Never, containers: [{name: migrate, image: registry.example.com/migrate:1}]}}
status:
  startTime: "2024-05-01T10:00:00Z"
  failed: 1
  conditions: [{type: Failed, status: "True", reason: DeadlineExceeded, lastTransitionTime: "2024-05-01T10:05:00Z"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: migrate-abcde
  namespace: shop
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: migrate, uid: j1, controller: true}]
spec:
  restartPolicy: Never
  containers: [{name: migrate, image: registry.example.com/migrate:1}]
status:
  phase: Failed
  containerStatuses:
    - {name: migrate, state: {terminated: {reason: Error, exitCode: 3, finishedAt: "2024-05-01T10:05:00Z"}}}
"#;

#[test]
fn a_failed_job_links_its_failed_pods_and_its_deadline() {
    let found = causes(FAILED_JOB, "job-failed");
    let text: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert!(
        text[0].contains("its pods failed (finding `pod-failed`)"),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|m| m.contains("`activeDeadlineSeconds: 300` of the Job")),
        "{text:#?}"
    );
    let deadline = found
        .iter()
        .find(|(m, _)| m.contains("activeDeadlineSeconds"))
        .unwrap();
    assert_eq!(deadline.1, Some(6));
}

const FORBID: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops, uid: c1}
spec:
  schedule: "0 * * * *"
  concurrencyPolicy: Forbid
  jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: b, image: registry.example.com/b:1}]}}}}
status:
  lastScheduleTime: "2024-05-01T01:00:00Z"
  active: [{kind: Job, name: backup-1, namespace: ops}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: backup-1
  namespace: ops
  uid: j1
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: backup, uid: c1, controller: true}]
spec:
  template: {spec: {restartPolicy: OnFailure, containers: [{name: b, image: registry.example.com/b:1}]}}
status: {startTime: "2024-05-01T01:00:05Z", active: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: backup-1-xyz
  namespace: ops
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: backup-1, uid: j1, controller: true}]
spec:
  restartPolicy: OnFailure
  containers: [{name: b, image: registry.example.com/b:1}]
status:
  phase: Running
  containerStatuses:
    - name: b
      restartCount: 40
      state: {waiting: {reason: CrashLoopBackOff}}
      lastState: {terminated: {reason: Error, exitCode: 1, finishedAt: "2024-05-01T05:59:00Z"}}
"#;

#[test]
fn a_stalled_cronjob_links_the_active_runs_pods_and_its_policy() {
    let found = causes(FORBID, "cronjob-stalled");
    let text: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert!(
        text[0].contains("the active run's pods are crash-looping (finding `pod-crash-looping`)"),
        "{text:#?}"
    );
    let policy = found
        .iter()
        .find(|(m, _)| m.contains("`concurrencyPolicy: Forbid` with a run still active"))
        .unwrap_or_else(|| panic!("{text:#?}"));
    assert_eq!(policy.1, Some(6));
}

const INJECTED: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: batch, labels: {istio-injection: enabled}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: export, namespace: batch, uid: j1}
spec:
  activeDeadlineSeconds: 600
  template: {spec: {restartPolicy: Never, containers: [{name: export, image: registry.example.com/export:1}]}}
status: {startTime: "2024-05-01T10:00:00Z", active: 1}
---
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: batch}
involvedObject: {kind: Job, name: export, namespace: batch}
type: Normal
reason: SuccessfulCreate
lastTimestamp: "2024-05-01T11:00:00Z"
"#;

#[test]
fn a_job_past_its_deadline_links_the_injected_proxy() {
    let found = causes(INJECTED, "job-failed");
    assert!(
        found[0]
            .0
            .contains("a container that never exits keeps the Job's pods running (finding `job-never-completes`)"),
        "{found:#?}"
    );
}

const HELD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, uid: d1}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      initContainers:
        - name: wait-for-db
          image: busybox:1.36
          command: ["sh", "-c", "until nslookup postgres; do sleep 2; done"]
      containers: [{name: api, image: registry.example.com/shop/api:2.1}]
status: {replicas: 1, unavailableReplicas: 1}
---
apiVersion: v1
kind: Service
metadata: {name: postgresql, namespace: shop, uid: s1}
spec: {selector: {app: postgresql}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: shop
  uid: p1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec:
  initContainers:
    - name: wait-for-db
      image: busybox:1.36
      command: ["sh", "-c", "until nslookup postgres; do sleep 2; done"]
  containers: [{name: api, image: registry.example.com/shop/api:2.1}]
status:
  phase: Pending
  startTime: "2024-05-01T11:00:00Z"
  conditions: [{type: Initialized, status: "False"}]
  initContainerStatuses:
    - {name: wait-for-db, ready: false, restartCount: 0, state: {running: {startedAt: "2024-05-01T11:00:02Z"}}}
  containerStatuses:
    - {name: api, ready: false, restartCount: 0, state: {waiting: {reason: PodInitializing}}}
---
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: shop}
involvedObject: {kind: Pod, name: api-1, namespace: shop}
type: Normal
reason: Started
lastTimestamp: "2024-05-01T11:30:00Z"
"#;

#[test]
fn a_pod_held_in_init_links_what_its_init_container_waits_for() {
    let found = causes(HELD, "pod-init-blocked");
    let text: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert!(
        text[0].contains("waits for something the input does not contain (finding `init-container-waits-for-missing`)"),
        "{text:#?}"
    );
    let command = found
        .iter()
        .find(|(m, _)| m.contains("the command of init container `wait-for-db`"))
        .unwrap_or_else(|| panic!("{text:#?}"));
    assert_eq!(command.1, Some(32), "the pod's init container command");
}

const STUCK_POD: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: batch, labels: {istio-injection: enabled}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: export-1, namespace: batch, uid: j1}
spec:
  template: {spec: {restartPolicy: Never, containers: [{name: export, image: registry.example.com/batch/export:1}]}}
status: {startTime: "2024-05-01T01:00:00Z", active: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: export-1-abcde
  namespace: batch
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: export-1, uid: j1, controller: true}]
spec:
  restartPolicy: Never
  containers:
    - {name: export, image: registry.example.com/batch/export:1}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.22.0}
status:
  phase: Running
  containerStatuses:
    - {name: export, state: {terminated: {reason: Completed, exitCode: 0, finishedAt: "2024-05-01T01:04:00Z"}}}
    - {name: istio-proxy, ready: true, state: {running: {startedAt: "2024-05-01T01:00:02Z"}}}
"#;

#[test]
fn a_pod_kept_running_by_a_proxy_links_the_injection() {
    let found = causes(STUCK_POD, "job-stuck");
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("(finding `job-never-completes`)")),
        "{found:#?}"
    );
}

#[test]
fn a_blocked_budget_links_its_unhealthy_pods() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/rules/pdb-disruptions-blocked/fail.yaml"
    ))
    .unwrap();
    let found = causes(&text, "pdb-disruptions-blocked");
    assert!(
        found[0]
            .0
            .contains("pods it covers are crash-looping (finding `pod-crash-looping`)"),
        "{found:#?}"
    );
}
