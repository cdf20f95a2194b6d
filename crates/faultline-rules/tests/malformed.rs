//! Malformed input never makes a rule panic: wrong types, absurd numbers and missing pieces
//! are skipped (the API server or a syntax rule reports them), so no `internal-error` appears.

use faultline_rules::Settings;
use faultline_rules::registry::internal_error::InternalError;
use faultline_rules::testing::check_texts;

const MALFORMED: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: types}
spec:
  replicas: "three"
  selector: "app=x"
  strategy: [RollingUpdate]
  template:
    metadata: {labels: [app, x]}
    spec:
      containers:
        - just-a-string
        - name: [not, a, name]
          image: {repo: x}
          command: {java: -Xmx1g}
          args: -Xmx2g
          env: {JAVA_OPTS: -Xmx1g}
          ports: "8080"
          resources: [cpu, memory]
          livenessProbe: [httpGet]
          readinessProbe: {httpGet: [port, 8080], periodSeconds: {}}
        - name: numbers
          image: eclipse-temurin:21
          env:
            - {name: JAVA_OPTS, value: 12}
            - {name: _JAVA_OPTIONS, value: "-Xmx99999999999999999999t -XX:MaxRAMPercentage=NaN -XX:MaxRAMFraction=0"}
            - name: LOOP
              value: $(LOOP)$(LOOP) $(
          args: [java, "-Xmx$(LOOP)", -jar]
          resources:
            requests: {cpu: 99999999999999999999999999, memory: -1}
            limits: {cpu: 1e400, memory: 0}
          livenessProbe:
            tcpSocket: {port: 99999999999999999999}
            initialDelaySeconds: 9223372036854775807
            periodSeconds: 9223372036854775807
            failureThreshold: 9223372036854775807
            timeoutSeconds: -5
          readinessProbe:
            tcpSocket: {port: -1}
            periodSeconds: 1.5
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: strategy}
spec:
  selector: {matchLabels: {app: [x]}}
  updateStrategy:
    rollingUpdate: {maxSurge: "-5%", maxUnavailable: "%"}
  template: "not a template"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: huge}
spec:
  replicas: 9223372036854775807
  selector: {matchLabels: {app: huge}}
  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1%}}
  template: {metadata: {labels: {app: huge}}, spec: {containers: []}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec: {selector: [a], template: {spec: {containers: null}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec: {manualSelector: "yes", selector: {matchExpressions: [{key: a, operator: In}]}, template: {}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec: {limits: [{type: Container, default: {memory: lots}}, "x", {type: [Container]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pod}
spec: "no spec"
"#;

#[test]
fn malformed_input_never_panics() {
    let (_, diags) = check_texts(&[("malformed.yaml", MALFORMED)], &Settings::default());
    let internal: Vec<_> = diags
        .iter()
        .filter(|d| d.rule == InternalError::ID)
        .map(|d| &d.message)
        .collect();
    assert!(internal.is_empty(), "{internal:#?}");
}

#[test]
fn doubling_environment_variables_stay_bounded() {
    let mut text = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: eclipse-temurin:21\n      env:\n        - {name: V0, value: -Xmx1g}\n",
    );
    for i in 1..64 {
        text.push_str(&format!(
            "        - {{name: V{i}, value: \"$(V{p})$(V{p})\"}}\n",
            p = i - 1
        ));
    }
    text.push_str("      args: [java, $(V63), -jar, /app.jar]\n");
    let (_, diags) = check_texts(&[("doubling.yaml", &text)], &Settings::default());
    assert!(diags.iter().all(|d| d.rule != InternalError::ID));
}

/// Snapshot-shaped input with every status field of the wrong type, for the status and
/// scheduling rules.
const MALFORMED_STATUS: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: n1, labels: [a]}
spec: {taints: [{key: [x], effect: 5}, "taint"], unschedulable: "yes please"}
status: {conditions: [{type: Ready, status: [True]}, {type: MemoryPressure, status: "True", lastTransitionTime: 12}, "x", {status: "True"}]}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
status: {conditions: "all good"}
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
  deletionTimestamp: "yesterday"
  ownerReferences: [{kind: ReplicaSet, name: [rs], controller: true}, "owner", {kind: ReplicaSet, controller: "yes"}]
spec:
  nodeSelector: [gpu]
  tolerations: {key: x}
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: x, operator: Gt, values: [abc, 1]}, "e"]}, "t", {}]}}}
  containers: [{name: app, image: x, resources: {limits: {memory: [1Gi]}}}]
  initContainers: {name: init}
status:
  phase: [Running]
  reason: {Evicted: true}
  startTime: 5
  conditions: {type: Ready}
  initContainerStatuses: "none"
  containerStatuses:
    - "app"
    - name: app
      ready: "no"
      restartCount: "lots"
      state: {waiting: "CrashLoopBackOff", terminated: [1], running: 3}
      lastState: {terminated: {reason: [OOMKilled], exitCode: "137", finishedAt: "2024-13-45T99:99:99Z"}}
    - name: [x]
      restartCount: 99999999999999999999999
      state: {waiting: {reason: CrashLoopBackOff, message: [m]}}
      lastState: {terminated: {reason: OOMKilled, exitCode: 9223372036854775807, signal: -9223372036854775808, finishedAt: "1900-01-01T00:00:00Z"}}
---
apiVersion: v1
kind: Pod
metadata: {name: p2}
status: {phase: Failed, containerStatuses: [{name: c, state: {terminated: {exitCode: -1}}}], conditions: [{type: PodScheduled, status: "False", message: 7}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, deletionTimestamp: 3}
spec: {replicas: -4, paused: "no", template: {spec: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: [x], topologyKey: [k]}, {labelSelector: {}, topologyKey: ""}]}}}}}
status: {availableReplicas: "all", conditions: [{type: Progressing, status: "False", reason: [ProgressDeadlineExceeded]}, {type: ReplicaFailure, status: "True", reason: 5}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
status: {desiredNumberScheduled: "many", numberAvailable: -3}
---
apiVersion: v1
kind: Event
metadata: {name: e1}
involvedObject: [Pod, p1]
reason: [BackOff]
count: "x"
lastTimestamp: [now]
---
apiVersion: v1
kind: Event
metadata: {name: e2}
involvedObject: {kind: Pod, name: p1}
reason: FailedCreate
message: "exceeded quota: "
count: -5
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
status: {hard: {pods: [1]}, used: "everything"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q2}
status: {hard: {pods: "1", memory: 1e400}, used: {pods: "1e3", memory: 1e401}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c, creationTimestamp: [t]}
spec: {storageClassName: [fast], resources: {requests: {storage: {a: 1}}}}
status: {phase: Pending}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {selector: {app: [x]}, type: [ExternalName]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: s}
subsets: [{notReadyAddresses: "10.0.0.1"}, "s", {addresses: {ip: 1}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s-1, labels: {kubernetes.io/service-name: [s]}}
endpoints: "e"
"#;

#[test]
fn malformed_snapshots_never_panic() {
    let (_, diags) = check_texts(
        &[
            ("malformed-status.yaml", MALFORMED_STATUS),
            (
                "ns/p1/logs.txt",
                "\u{0}\u{ffff}==== START logs for container of pod /====\nUnknownHostException: \n",
            ),
        ],
        &Settings::default(),
    );
    let internal: Vec<_> = diags
        .iter()
        .filter(|d| d.rule == InternalError::ID)
        .map(|d| &d.message)
        .collect();
    assert!(internal.is_empty(), "{internal:#?}");
}
