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

/// `faultline check --no-config --format json ARGS…` in `root`, parsed.
fn check_json(args: &[&str], root: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(root)
        .args(["check", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// `rule path:line` of every error and warning.
fn findings(args: &[&str], root: &Path) -> BTreeSet<String> {
    let v = check_json(args, root);
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
        found.retain(|f| !KNOWN.iter().any(|(k, _)| k == f));
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
            || f.starts_with("duplicate-key ");
        assert!(ok, "unexpected finding: {f}");
    }
    assert!(found.contains(&format!(
        "duplicate-key {}",
        p("openshift-origin/etcd-controller.yaml:12")
    )));
}

/// `rule path object-name` of every finding about the state of a snapshot (categories status
/// and scheduling), and of every unreadable input or internal error; paths relative to `root`.
fn snapshot_findings(args: &[&str], root: &Path) -> (BTreeSet<String>, serde_json::Value) {
    let v = check_json(args, root);
    let found = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            matches!(d["category"].as_str(), Some("status" | "scheduling"))
                || matches!(
                    d["rule"].as_str(),
                    Some("input-unreadable" | "internal-error")
                )
        })
        .map(|d| {
            format!(
                "{} {} {}",
                d["rule"].as_str().unwrap(),
                d["location"]["path"].as_str().unwrap(),
                d["object"]["name"].as_str().unwrap_or("-")
            )
        })
        .collect();
    (found, v)
}

#[test]
fn manifests_without_status_stay_clean_of_status_rules() {
    let Some(root) = corpora() else { return };
    for dir in [
        "argo-cd",
        "cert-manager",
        "ingress-nginx",
        "kube-prometheus",
        "microservices-demo",
        "istio",
        "kubernetes-examples",
        "kube-linter",
        "kube-score",
        "polaris",
        "linkerd2/cli/cmd/testdata/install_ha_output.golden",
    ] {
        let (found, _) = snapshot_findings(&[dir], &root);
        assert!(found.is_empty(), "{dir}: {found:#?}");
    }
}

#[test]
fn insights_operator_archive_loads_kinds_from_paths_and_reports_its_unhealthy_pods() {
    let Some(root) = corpora() else { return };
    let dir = "insights-operator/docs/insights-archive-sample";
    let (found, v) = snapshot_findings(&[dir], &root);
    let pods = |s: &str| {
        let name = s.rsplit('/').next().unwrap();
        format!("{dir}/config/pod/{s}.json {name}")
    };
    // Of the 36 pods (31 running with old restarts and ready since), these are unhealthy now:
    // two Job pods that failed, an init container in CrashLoopBackOff after 7527 restarts, and
    // a router the scheduler cannot place (host port taken, master taint).
    let expected: BTreeSet<String> = [
        format!(
            "pod-failed {}",
            pods("di-288312/auditlog-retention-28566720-t22qj")
        ),
        format!(
            "pod-failed {}",
            pods("di-288312/default-2k58azz-backup-deletion-5rdw4")
        ),
        format!(
            "pod-crash-looping {}",
            pods("di-288312/vsystem-867f4b77cc-pqcns")
        ),
        format!(
            "pod-unschedulable {}",
            pods("openshift-ingress/router-default-7bbdcfcf9b-7xdln")
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected);
    // The kindless pods, nodes, PVs, CRDs, webhooks… got their kind from their path; what is
    // left are documents that are not objects (arrays, aggregated reports, a log line).
    let not_objects: BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "not-a-kubernetes-object")
        .map(|d| d["location"]["path"].as_str().unwrap().to_owned())
        .collect();
    for path in &not_objects {
        for layout in [
            "/config/pod/",
            "/config/node/",
            "/config/crd/",
            "/config/persistentvolumes/",
        ] {
            assert!(!path.contains(layout), "not typed from its path: {path}");
        }
    }
    assert!(v["summary"]["objects"].as_u64().unwrap() >= 150);
}

#[test]
fn netpol_analyzer_pod_lists_load_and_report_their_unhealthy_pods() {
    let Some(root) = corpora() else { return };
    let tests = root.join("netpol-analyzer/tests");
    let mut dirs: Vec<String> = std::fs::read_dir(&tests)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut all = BTreeSet::new();
    for d in &dirs {
        let (found, _) = snapshot_findings(&[&format!("netpol-analyzer/tests/{d}")], &root);
        all.extend(found);
    }
    // Real pod lists with status: only pods whose last restart is within the hour before the
    // snapshot are crash-looping; the others restarted long ago and are ready.
    let crash = |d: &str, pods: &[&str]| -> Vec<String> {
        pods.iter()
            .map(|p| format!("pod-crash-looping netpol-analyzer/tests/{d}/pods.yaml {p}"))
            .collect()
    };
    let mut expected = BTreeSet::new();
    expected.extend(crash(
        "onlineboutique_with_replicas",
        &[
            "emailservice-54c7c5d9d-rcjbh",
            "recommendationservice-5f8c456796-srmbh",
        ],
    ));
    expected.extend(crash(
        "onlineboutique_with_replicas_and_variants",
        &[
            "adservice-77d5cd745d-hq5fd",
            "cartservice-74f56fd4b-hftml",
            "checkoutservice-69c8ff664b-7c6tv",
            "currencyservice-77654bbbdd-9c9w6",
            "emailservice-54c7c5d9d-rcjbh",
            "paymentservice-bbcbdc6b6-2q9rg",
            "productcatalogservice-68765d49b6-rbgl4",
            "recommendationservice-5f8c456796-srmbh",
            "shippingservice-5bd985c46d-wxvht",
        ],
    ));
    assert_eq!(all, expected);
}
