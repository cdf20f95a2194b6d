//! False positives are bugs: real-world manifests from `../shared/corpora` must come out clean,
//! and the findings that remain must be the known true positives listed here, each with why.
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn corpora() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}

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

/// Verified true positives in the otherwise clean installs, each with why it is real.
const KNOWN: &[(&str, &str)] = &[
    // The policy for Argo CD's HA haproxy admits Sentinel's port 26379, but haproxy only binds
    // :6379, :8888 and :9101 (its haproxy.cfg) and declares those ports: the entry admits
    // nothing. Sentinel listens on the redis-ha StatefulSet pods, not on haproxy.
    (
        "netpol-port-not-exposed argo-cd/manifests/ha/install.yaml:35672",
        "haproxy does not listen on 26379",
    ),
    (
        "netpol-port-not-exposed argo-cd/manifests/ha/namespace-install.yaml:4322",
        "haproxy does not listen on 26379",
    ),
];

#[test]
fn real_world_installs_are_clean() {
    let Some(root) = corpora() else { return };
    let mut seen = BTreeSet::new();
    for dir in [
        "argo-cd",
        "cert-manager",
        "ingress-nginx",
        "kube-prometheus",
        "microservices-demo",
        "linkerd2/cli/cmd/testdata/install_ha_output.golden",
        "linkerd2/cli/cmd/testdata/install_default.golden",
    ] {
        let mut found = findings(&[dir], &root);
        found.retain(|f| {
            let known = KNOWN.iter().any(|(k, _)| k == f);
            seen.extend(known.then(|| f.clone()));
            !known
        });
        assert!(found.is_empty(), "{dir}: {found:#?}");
    }
    for (k, why) in KNOWN {
        assert!(
            seen.contains(*k),
            "the known finding `{k}` ({why}) is gone: update KNOWN"
        );
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
            || f.starts_with("duplicate-key ");
        assert!(ok, "unexpected finding: {f}");
    }
    assert!(found.contains(&format!(
        "duplicate-key {}",
        p("openshift-origin/etcd-controller.yaml:12")
    )));
}
