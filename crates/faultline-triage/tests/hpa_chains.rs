//! Cause chains of HorizontalPodAutoscaler symptoms: the containers of the running pods that
//! request nothing of the scaled resource, injected sidecars included.

mod common;
use common::causes;

/// An HPA that cannot compute CPU utilization, a Deployment whose template requests CPU in
/// its only container, and two running pods into which a mesh injected `istio-proxy` without
/// requests. `SIDECAR` is the sidecar's `resources` line of the pods.
fn snapshot(sidecar: &str, template_cpu: &str) -> String {
    let pod = |name: &str| {
        format!(
            r#"---
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
  labels: {{app: api, pod-template-hash: 7d9f8}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: api-7d9f8, uid: rs1, controller: true}}]
spec:
  containers:
    - name: api
      image: registry.example.com/api:1.4.2
      resources: {{requests: {{cpu: 500m}}}}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.22.0
      {sidecar}
status:
  phase: Running
  conditions: [{{type: Ready, status: "True"}}]
"#
        )
    };
    format!(
        r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: api, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
status:
  currentReplicas: 2
  conditions:
    - type: ScalingActive
      status: "False"
      reason: FailedGetResourceMetric
      message: "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container istio-proxy of Pod api-7d9f8-x2x7k"
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: shop, uid: d1}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.4.2
          resources: {{requests: {{{template_cpu}memory: 512Mi}}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-7d9f8
  namespace: shop
  uid: rs1
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}}]
spec:
  replicas: 2
  selector: {{matchLabels: {{app: api, pod-template-hash: 7d9f8}}}}
  template:
    metadata: {{labels: {{app: api, pod-template-hash: 7d9f8}}}}
    spec:
      containers: [{{name: api, image: registry.example.com/api:1.4.2}}]
{}{}"#,
        pod("api-7d9f8-x2x7k"),
        pod("api-7d9f8-q8w2m"),
    )
}

#[test]
fn an_injected_sidecar_without_a_cpu_request_is_named_with_its_pod_and_field() {
    let text = snapshot("resources: {limits: {memory: 1Gi}}", "cpu: 500m, ");
    let found = causes(&text, "hpa-not-scaling");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (message, line) = &found[0];
    assert!(
        message.starts_with(
            "suspected cause 1 of 1: container `istio-proxy` of pod `api-7d9f8-x2x7k` requests no cpu, a container only the running pods have (not in the template of Deployment `api`: injected at admission) (and in 1 more of its pods); why: utilization is usage divided by request"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("the condition's message names this container"),
        "{message}"
    );
    // The first pod's `istio-proxy` `resources:` key (its requests are missing).
    let at = text
        .lines()
        .position(|l| l.trim_start().starts_with("resources: {limits"))
        .unwrap() as u32
        + 1;
    assert_eq!(*line, Some(at), "{found:#?}");
}

#[test]
fn a_sidecar_with_a_cpu_request_or_limit_is_no_cause() {
    for sidecar in [
        "resources: {requests: {cpu: 100m}}",
        "resources: {limits: {cpu: 200m}}",
    ] {
        let text = snapshot(sidecar, "cpu: 500m, ");
        let found = causes(&text, "hpa-not-scaling");
        assert!(found.is_empty(), "{sidecar}: {found:#?}");
    }
}

#[test]
fn a_template_without_the_request_links_the_configuration_finding_too() {
    // The template's own container requests no CPU: `hpa-missing-requests` says so, and the
    // running pods' `api` containers (which have no request either) are named.
    let text = snapshot("resources: {requests: {cpu: 100m}}", "").replace(
        "      resources: {requests: {cpu: 500m}}\n    - name: istio-proxy",
        "      resources: {requests: {memory: 512Mi}}\n    - name: istio-proxy",
    );
    let found = causes(&text, "hpa-not-scaling");
    let messages: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(found.len(), 2, "{messages:#?}");
    assert!(
        messages[0].contains(
            "container `api` of pod `api-7d9f8-x2x7k` requests no cpu (and in 1 more of its pods)"
        ),
        "{messages:#?}"
    );
    assert!(
        messages[1].contains("(finding `hpa-missing-requests`)"),
        "{messages:#?}"
    );
}

#[test]
fn an_autoscaling_v1_annotation_leads_to_the_same_cause() {
    let text = snapshot("resources: {limits: {memory: 1Gi}}", "cpu: 500m, ");
    let rest = &text[text.find("---\n").unwrap()..];
    let v1 = r#"apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: shop
  annotations:
    autoscaling.alpha.kubernetes.io/conditions: '[{"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric","message":"failed to get cpu utilization: missing request for cpu in container istio-proxy of Pod api-7d9f8-x2x7k"}]'
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 10
  targetCPUUtilizationPercentage: 70
status:
  currentReplicas: 2
"#;
    let found = causes(&format!("{v1}{rest}"), "hpa-not-scaling");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .0
            .contains("container `istio-proxy` of pod `api-7d9f8-x2x7k` requests no cpu"),
        "{found:#?}"
    );
}

/// An autoscaler whose target is not in the input: the missing target is a cause when the
/// status says the scale could not be read, not when the autoscaler works (a partial
/// snapshot lacks objects that exist).
#[test]
fn a_target_missing_from_the_input_is_a_cause_only_when_the_scale_cannot_be_read() {
    let hpa = |conditions: &str, current: &str| {
        format!(
            r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  maxReplicas: 6
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}
status:
  currentReplicas: {current}
  currentMetrics:
    - type: Resource
      resource: {{name: cpu, current: {{averageUtilization: 145}}}}
  conditions:
{conditions}
"#
        )
    };
    let unread = hpa(
        "    - {type: AbleToScale, status: \"False\", reason: FailedGetScale, message: 'deployments/scale.apps \"web\" not found'}",
        "1",
    );
    let found = causes(&unread, "hpa-not-scaling");
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("(finding `hpa-target-not-found`)")),
        "{found:#?}"
    );
    let pinned = hpa(
        "    - {type: ScalingLimited, status: \"True\", reason: TooManyReplicas}",
        "6",
    );
    let found = causes(&pinned, "hpa-not-scaling");
    assert!(
        !found
            .iter()
            .any(|(m, _)| m.contains("hpa-target-not-found")),
        "{found:#?}"
    );
}
