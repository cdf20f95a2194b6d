//! How the relation rules judge what the input does not show: cluster exports, `--complete`,
//! pods another chart or an operator deploys.

use faultline_diagnostics::Severity;
use faultline_rules::Settings;
use faultline_rules::registry::hpa_replicas_invalid::HpaReplicasInvalid;
use faultline_rules::registry::reference_not_found::ReferenceNotFound;
use faultline_rules::registry::service_selects_no_pods::ServiceSelectsNoPods;
use faultline_rules::testing::check_texts;

fn findings(text: &str, settings: &Settings, rule: &str) -> Vec<(Severity, String)> {
    let (_, diags) = check_texts(&[("x.yaml", text)], settings);
    diags
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| (d.severity, d.message))
        .collect()
}

const EXPORT: &str = "
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: api-1, namespace: shop, uid: a1, labels: {app: api}}
    spec:
      containers:
        - name: api
          image: i
          env:
            - {name: A, valueFrom: {secretKeyRef: {name: api-secret, key: a}}}
            - {name: B, valueFrom: {configMapKeyRef: {name: api-config, key: b}}}
    status: {phase: Running}
  - apiVersion: v1
    kind: Secret
    metadata: {name: other, namespace: shop, uid: s1}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: shop, uid: d1}
    spec:
      replicas: 1
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: api, image: i}]}
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: api, namespace: shop, uid: h1}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
      maxReplicas: 4
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop, uid: v1}
    spec: {selector: {app: web}}
";

#[test]
fn a_cluster_export_shows_what_is_missing_only_for_kinds_it_holds() {
    let found = findings(EXPORT, &Settings::default(), ReferenceNotFound::ID);
    assert_eq!(found.len(), 2, "{found:?}");
    // The export has Secrets in `shop`: the missing one is a warning.
    assert_eq!(found[0].0, Severity::Warning);
    assert!(found[0].1.contains("Secret `api-secret`"), "{}", found[0].1);
    // It has no ConfigMaps at all: it says nothing about this one.
    assert_eq!(found[1].0, Severity::Info);
    assert!(
        found[1].1.contains("ConfigMap `api-config`"),
        "{}",
        found[1].1
    );
    // A Service of the export that selects nothing is judged even without a near miss.
    let found = findings(EXPORT, &Settings::default(), ServiceSelectsNoPods::ID);
    assert_eq!(found.len(), 1, "{found:?}");
    // The API server writes `replicas` into stored workloads: not a finding in an export.
    assert!(findings(EXPORT, &Settings::default(), HpaReplicasInvalid::ID).is_empty());
}

#[test]
fn complete_inputs_judge_every_reference_and_selector() {
    let text = "
apiVersion: v1
kind: Service
metadata: {name: metrics}
spec: {selector: {app.kubernetes.io/name: exporter}}
---
apiVersion: v1
kind: Pod
metadata: {name: api, labels: {app: api}}
spec: {containers: [{name: api, image: i, envFrom: [{configMapRef: {name: api-env}}]}]}
";
    let default = Settings::default();
    assert!(findings(text, &default, ServiceSelectsNoPods::ID).is_empty());
    let refs = findings(text, &default, ReferenceNotFound::ID);
    assert_eq!(refs[0].0, Severity::Info);
    let complete = Settings {
        complete: true,
        ..Settings::default()
    };
    assert_eq!(findings(text, &complete, ServiceSelectsNoPods::ID).len(), 1);
    assert_eq!(
        findings(text, &complete, ReferenceNotFound::ID)[0].0,
        Severity::Warning
    );
}
