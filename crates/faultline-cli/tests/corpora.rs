//! False positives are bugs: real-world manifests from `../shared/corpora` must come out clean,
//! and the findings that remain must be the known true positives listed here, each with why.
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

mod common;
use common::corpora;

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;

/// `rule path:line` of every error and warning.
fn findings(args: &[&str], root: &Path) -> BTreeSet<String> {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(root)
        .args(["check", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert!(
        v["summary"]["objects"].as_u64().unwrap() > 0,
        "no objects in {args:?}"
    );
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            format!(
                "{} {}:{}",
                d["rule"].as_str().unwrap(),
                d["location"]["path"].as_str().unwrap(),
                d["location"]["line"]
            )
        })
        .collect()
}

#[test]
fn real_world_installs_are_clean() {
    let Some(root) = corpora() else { return };
    for dir in [
        "argo-cd",
        "cert-manager",
        "ingress-nginx",
        "kube-prometheus",
        "microservices-demo",
        "linkerd2/cli/cmd/testdata/install_ha_output.golden",
        "linkerd2/cli/cmd/testdata/install_default.golden",
    ] {
        let found = findings(&[dir], &root);
        assert!(found.is_empty(), "{dir}: {found:#?}");
    }
}

#[test]
fn istio_only_flags_its_unrendered_chart_sources() {
    let Some(root) = corpora() else { return };
    // samples/ambient-argo/tag-chart/templates/ holds Helm chart sources, not rendered output
    // (shared/corpora/README.md); everything else, including the sidecar injector template kept
    // as ConfigMap data, is clean.
    for f in findings(&["istio"], &root) {
        assert!(
            f.starts_with("unrendered-template istio/samples/ambient-argo/tag-chart/templates/"),
            "{f}"
        );
    }
}

#[test]
fn old_examples_keep_their_known_findings() {
    let Some(root) = corpora() else { return };
    let found = findings(&["kubernetes-examples"], &root);
    let p = |s: &str| format!("kubernetes-examples/_archived/{s}");
    // Each is real: removed API versions of archived examples, duplicated keys, and a template
    // (`{{cell}}`) that YAML reads as a map.
    for f in &found {
        let ok = f.starts_with("api-removed ")
            || f == &format!(
                "invalid-label-selector {}",
                p("storage/vitess/etcd-service-template.yaml:14")
            )
            || f.starts_with("duplicate-key ")
            // `minAvailable: 67%` of 3 replicas rounds up to 3 (the disruption controller
            // rounds up): the budget never allows an eviction, and drains hang.
            || f == &format!(
                "pdb-blocks-eviction {}",
                p("cockroachdb/cockroachdb-statefulset.yaml:67")
            )
            // The Deployment writes `replicas: 1` while two HorizontalPodAutoscalers
            // (hpa/*.yaml) scale it: every apply resets it to one replica.
            || f == "hpa-replicas-invalid kubernetes-examples/AI/vllm-deployment/vllm-deployment.yaml:6";
        assert!(ok, "unexpected finding: {f}");
    }
    for known in [
        format!(
            "pdb-blocks-eviction {}",
            p("cockroachdb/cockroachdb-statefulset.yaml:67")
        ),
        "hpa-replicas-invalid kubernetes-examples/AI/vllm-deployment/vllm-deployment.yaml:6"
            .to_owned(),
    ] {
        assert!(found.contains(&known), "no longer found: {known}");
    }
    assert!(found.contains(&format!(
        "duplicate-key {}",
        p("openshift-origin/etcd-controller.yaml:12")
    )));
}
