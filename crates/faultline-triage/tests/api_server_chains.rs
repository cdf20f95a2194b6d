//! A pod that cannot reach the Kubernetes API: its log's timeouts link the NetworkPolicy
//! finding that cuts it off (`netpol-blocks-api-server`), or, without one, say where to look.

use faultline_rules::Settings;
use faultline_rules::testing::with_texts;
use faultline_triage::chains;

const CLUSTER: &str = r#"apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Endpoints
    metadata: {name: kubernetes, namespace: default}
    subsets:
      - addresses: [{ip: 172.18.0.2}]
        ports: [{name: https, port: 6443}]
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: backup-operator, namespace: ops}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: backup-operator}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects: [{kind: ServiceAccount, name: backup-operator, namespace: ops}]
  - apiVersion: v1
    kind: Pod
    metadata:
      name: backup-operator-0
      namespace: ops
      labels: {app: backup-operator}
    spec:
      serviceAccountName: backup-operator
      containers: [{name: operator, image: registry.example.com/backup-operator:0.9.0}]
    status:
      phase: Running
      containerStatuses:
        - name: operator
          ready: false
          restartCount: 12
          state:
            waiting: {reason: CrashLoopBackOff, message: back-off 5m0s restarting failed container}
          lastState:
            terminated: {reason: Error, exitCode: 1, finishedAt: "2024-05-01T11:58:00Z"}
"#;

const POLICY: &str = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: operator-egress, namespace: ops}
spec:
  podSelector:
    matchLabels: {app: backup-operator}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.96.0.1/32}}]
      ports: [{port: 443}]
"#;

const LOG: &str = "E0501 11:57:30.000000 1 reflector.go:138] failed to list *v1.Pod: Get \"https://10.96.0.1:443/api/v1/pods?limit=500\": dial tcp 10.96.0.1:443: i/o timeout\n";

/// The causes of the `pod-crash-looping` finding, as (message, rule of the linked finding).
fn causes(inputs: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    let (_, out) = with_texts(inputs, &Settings::default(), |cx, diags| {
        let chains = chains(cx, &diags);
        let i = diags
            .iter()
            .position(|d| d.rule == "pod-crash-looping")
            .unwrap_or_else(|| panic!("no pod-crash-looping in {diags:#?}"));
        chains
            .iter()
            .find(|c| c.symptom == i)
            .map(|c| {
                c.causes
                    .iter()
                    .map(|cause| (cause.what.clone(), cause.rule.map(str::to_owned)))
                    .collect()
            })
            .unwrap_or_default()
    });
    out
}

#[test]
fn api_timeouts_in_the_log_link_the_policy_that_cuts_the_pod_off() {
    let found = causes(&[
        ("snap.yaml", CLUSTER),
        ("policy.yaml", POLICY),
        ("ops/backup-operator-0/logs.txt", LOG),
    ]);
    assert!(
        found.iter().any(|(title, rule)| {
            rule.as_deref() == Some("netpol-blocks-api-server")
                && title.contains("`operator-egress` cuts these pods off the API server")
        }),
        "{found:#?}"
    );
}

#[test]
fn api_timeouts_without_a_policy_finding_say_where_to_look() {
    let found = causes(&[
        ("snap.yaml", CLUSTER),
        ("ops/backup-operator-0/logs.txt", LOG),
    ]);
    assert!(
        found
            .iter()
            .any(|(title, rule)| rule.is_none() && title == "calls to the Kubernetes API time out"),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|(_, rule)| rule.as_deref() == Some("netpol-blocks-api-server")),
        "{found:#?}"
    );
}
