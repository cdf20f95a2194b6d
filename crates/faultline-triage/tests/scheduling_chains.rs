//! Cause chains of pods the scheduler cannot place, linked to the scheduling rules' findings.

use faultline_rules::Settings;
use faultline_rules::testing::with_texts;

/// The `suspected cause` entries of the first finding of `rule`, with their line.
fn causes(text: &str, rule: &str) -> Vec<(String, Option<u32>)> {
    let (files, (diags, chains)) =
        with_texts(&[("snap.yaml", text)], &Settings::default(), |cx, diags| {
            let chains = faultline_triage::chains(cx, &diags);
            (diags, chains)
        });
    let i = diags
        .iter()
        .position(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {diags:#?}"));
    chains
        .iter()
        .find(|c| c.symptom == i)
        .map(|c| c.related_entries())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let line = r.location.and_then(|l| {
                l.range
                    .map(|range| files[l.file.0 as usize].line_col(range.start).line)
            });
            (r.message.clone(), line)
        })
        .collect()
}

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
