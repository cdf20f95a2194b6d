//! The corner cases of the NetworkPolicy spec, each on a minimal input.

use std::sync::Arc;

use faultline_model::{Inventory, ModelOptions};

use super::*;
use crate::Graph;

const PODS: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.1.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 9090}, {name: dns, containerPort: 53, protocol: UDP}]}]}
status: {podIP: 10.1.0.6}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: batch, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.2.0.7}
";

/// The connection list of PODS plus `policies`, as `src => dst : conn` lines.
fn matrix_with(policies: &str, options: NetOptions) -> Vec<String> {
    let text = format!("{PODS}---\n{policies}");
    let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
        text.as_str(),
    ))];
    let inventory = Inventory::build(&parsed, &ModelOptions::default());
    let graph = Graph::build(&inventory);
    let model = NetworkModel::build(&graph, options);
    model
        .matrix()
        .iter()
        .map(ToString::to_string)
        .filter(|l| !l.contains("[External]"))
        .collect()
}

fn matrix(policies: &str) -> Vec<String> {
    matrix_with(policies, NetOptions::default())
}

fn to_api(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.contains("=> shop/api[Pod]"))
        .map(String::as_str)
        .collect()
}

#[test]
fn egress_rules_without_policy_types_make_the_policy_isolate_egress_too() {
    let lines = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 9090}]}]
",
    );
    // web: ingress isolated with no rules (default Ingress type), egress only to api:9090.
    assert!(lines.contains(&"shop/web[Pod] => shop/api[Pod] : TCP 9090".to_owned()));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("shop/web[Pod] => batch/"))
    );
    assert!(
        !lines.iter().any(|l| l.contains("=> shop/web[Pod]")),
        "{lines:?}"
    );
}

#[test]
fn rules_under_a_direction_policy_types_leaves_out_have_no_effect() {
    let lines = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  ingress: [{from: [{podSelector: {matchLabels: {app: nobody}}}]}]
  egress: []
",
    );
    // api: egress denied entirely, ingress untouched.
    assert!(!lines.iter().any(|l| l.starts_with("shop/api[Pod]")));
    assert_eq!(
        to_api(&lines),
        [
            "batch/job[Pod] => shop/api[Pod] : All Connections",
            "shop/web[Pod] => shop/api[Pod] : All Connections"
        ]
    );
}

#[test]
fn namespace_and_pod_selector_in_one_peer_are_anded_in_two_peers_ored() {
    let policy = |peers: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p, namespace: shop}}
spec:
  podSelector: {{matchLabels: {{app: api}}}}
  ingress: [{{from: {peers}}}]
"
        )
    };
    let and = matrix(&policy(
        "[{namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: web}}}]",
    ));
    assert_eq!(
        to_api(&and),
        ["shop/web[Pod] => shop/api[Pod] : All Connections"]
    );
    let or = matrix(&policy(
        "[{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: batch}}}, {podSelector: {matchLabels: {app: web}}}]",
    ));
    assert_eq!(
        to_api(&or),
        [
            "batch/job[Pod] => shop/api[Pod] : All Connections",
            "shop/web[Pod] => shop/api[Pod] : All Connections"
        ]
    );
}

#[test]
fn ports_by_name_range_and_protocol() {
    let lines = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {}}]
      ports:
        - port: http
        - {port: dns, protocol: UDP}
        - {port: 30000, endPort: 30010}
        - protocol: SCTP
        - {port: http, protocol: UDP}
",
    );
    // `http` is 9090/TCP on api; `dns` is 53/UDP; the UDP `http` names no UDP port.
    assert_eq!(
        to_api(&lines),
        ["shop/web[Pod] => shop/api[Pod] : SCTP 1-65535,TCP 9090,30000-30010,UDP 53"]
    );
}

#[test]
fn an_empty_from_admits_everyone_and_an_empty_rule_list_no_one() {
    let open = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{ports: [{port: 9090}]}]
",
    );
    assert_eq!(
        to_api(&open),
        [
            "batch/job[Pod] => shop/api[Pod] : TCP 9090",
            "shop/web[Pod] => shop/api[Pod] : TCP 9090"
        ]
    );
    let closed = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: []
",
    );
    assert!(to_api(&closed).is_empty());
}

#[test]
fn ip_blocks_match_pod_ips_unless_switched_off() {
    let policy = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
";
    // job's 10.2.0.7 is in the block, web's 10.1.0.5 is in the hole.
    assert_eq!(
        to_api(&matrix(policy)),
        ["batch/job[Pod] => shop/api[Pod] : All Connections"]
    );
    let analyzer = NetOptions {
        ipblock_matches_pods: false,
    };
    assert!(to_api(&matrix_with(policy, analyzer)).is_empty());
}

#[test]
fn an_invalid_policy_is_left_out() {
    let lines = matrix(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{ports: [{port: http, endPort: 90}]}]
",
    );
    assert_eq!(
        to_api(&lines).len(),
        2,
        "the API would reject it: no isolation"
    );
}
