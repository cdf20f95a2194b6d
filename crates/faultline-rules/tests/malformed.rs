//! Malformed input never makes a rule panic: wrong types, absurd numbers and missing pieces
//! are skipped (the API server or a syntax rule reports them), so no `internal-error` appears.

use faultline_rules::Settings;
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
        .filter(|d| d.rule == "internal-error")
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
    assert!(diags.iter().all(|d| d.rule != "internal-error"));
}
