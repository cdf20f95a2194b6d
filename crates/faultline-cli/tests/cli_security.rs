//! End-to-end tests of the security rules of issue 12 ("security checks beyond the
//! standards"): the issue's example gets one finding per problem, each at its field, and
//! annotations, comments and configuration exemptions switch a security rule off as they do
//! any other.
//!
//! Every invocation runs from the workspace root with `--no-config` unless the test is about
//! configuration, so a `.faultline.yaml` in the checkout cannot change the results.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `faultline check --format json ARGS…` run in `dir`, parsed.
fn check_json(dir: &Path, args: &[&str]) -> Value {
    let out = Command::cargo_bin("faultline")
        .expect("the faultline binary")
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .expect("faultline runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (rule, severity, line, column) of every finding whose rule is one of `rules`, sorted.
fn findings(v: &Value, rules: &[&str]) -> Vec<(String, String, u64, u64)> {
    let mut out: Vec<_> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| rules.contains(&d["rule"].as_str().unwrap()))
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
                d["location"]["line"].as_u64().unwrap(),
                d["location"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The security rules of this part of issue 12.
const OURS: &[&str] = &[
    "image-tag-latest",
    "image-pull-policy-stale",
    "container-runs-as-root",
    "container-may-run-as-root",
    "container-root-filesystem-writable",
    "service-account-token-automounted",
    "host-path-runtime-socket",
    "host-path-sensitive",
    "env-literal-credential",
    "rbac-wildcard",
    "rbac-privilege-escalation",
    "rbac-cluster-admin-binding",
    "rbac-secrets-read-cluster-wide",
    "rbac-reference-not-found",
    "netpol-namespace-not-isolated",
];

/// The issue's Deployment and ClusterRole: each problem once, at its field.
///
/// The Pod Security Standards' part comes from the `pod-security` rule, at `baseline` (the
/// default level for a namespace the input does not label): `hostNetwork`/`hostPID` (one
/// `host namespaces` finding at 21:7), `privileged: true` (26:13), `SYS_ADMIN` (29:21), and
/// the two hostPath volumes as `baseline`'s `hostPath volumes` (49:11, the first
/// `hostPath:`). The volumes' paths (50:19, 53:19) are the security rules' findings for what
/// they expose (the node's root file system, the Docker socket): another field and another
/// reason. `probe-liveness-equals-readiness` (35:11) is the one finding faultline had before
/// issue 12.
#[test]
fn the_issue_example_gets_one_finding_per_problem_at_its_field() {
    let v = check_json(
        &root(),
        &["--no-config", "testdata/security/privileged-app.yaml"],
    );
    let s = |rule: &str, sev: &str, line, col| (rule.to_owned(), sev.to_owned(), line, col);
    let mut expected = vec![
        // image: nginx:latest
        s("image-tag-latest", "warning", 24, 18),
        // securityContext: (no readOnlyRootFilesystem), information only
        s("container-root-filesystem-writable", "info", 25, 11),
        // runAsUser: 0
        s("container-runs-as-root", "warning", 27, 24),
        // env AWS_ACCESS_KEY_ID (its value is never shown)
        s("env-literal-credential", "error", 31, 21),
        // hostPath.path: /
        s("host-path-sensitive", "warning", 50, 19),
        // hostPath.path: /var/run/docker.sock
        s("host-path-runtime-socket", "warning", 53, 19),
        // ClusterRole `everything`: verbs: ["*"]
        s("rbac-wildcard", "warning", 62, 13),
        // ClusterRoleBinding subject: ServiceAccount shop/default
        s("rbac-cluster-admin-binding", "warning", 74, 11),
    ];
    expected.sort();
    assert_eq!(findings(&v, OURS), expected);
    let mut standards = vec![
        s("pod-security", "warning", 21, 7),
        s("pod-security", "warning", 26, 13),
        s("pod-security", "warning", 29, 21),
        s("pod-security", "warning", 49, 11),
    ];
    standards.sort();
    assert_eq!(findings(&v, &["pod-security"]), standards);
    // Nothing else: every finding of the run is one of the above or the probe finding.
    let all = v["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(
        all.len(),
        expected.len() + standards.len() + 1,
        "{:#?}",
        findings(
            &v,
            &all.iter()
                .map(|d| d["rule"].as_str().unwrap())
                .collect::<Vec<_>>()
        )
    );
    // The ServiceAccount is bound, so its token is in use; runAsUser 0 is reported once (by
    // container-runs-as-root, not again as "may run as root").
    let text = v.to_string();
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const AGENT: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: monitoring
ANNOTATIONS
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.0
      volumes:
        - name: docker
          hostPath:
            COMMENT
            path: /var/run/docker.sock
";

fn agent(annotations: &str, comment: &str) -> String {
    AGENT
        .replace("ANNOTATIONS", annotations)
        .replace("COMMENT", comment)
}

/// A security finding is suppressed by the `faultline.dev/ignore` annotation, by a
/// `# faultline:ignore` comment and by an exemption in `.faultline.yaml`, like any other.
#[test]
fn security_findings_are_suppressed_like_any_other() {
    let rule = ["host-path-runtime-socket"];
    let plain = workspace(&[("a.yaml", &agent("", "# nothing"))]);
    let v = check_json(plain.path(), &["--no-config", "a.yaml"]);
    assert_eq!(
        findings(&v, &rule),
        [(rule[0].to_owned(), "warning".to_owned(), 21, 19)]
    );

    let annotated = workspace(&[(
        "a.yaml",
        &agent(
            "  annotations:\n    faultline.dev/ignore: host-path-runtime-socket",
            "# nothing",
        ),
    )]);
    let v = check_json(annotated.path(), &["--no-config", "a.yaml"]);
    assert_eq!(findings(&v, &rule), []);

    let commented = workspace(&[(
        "a.yaml",
        &agent("", "# faultline:ignore host-path-runtime-socket"),
    )]);
    let v = check_json(commented.path(), &["--no-config", "a.yaml"]);
    assert_eq!(findings(&v, &rule), []);

    let exempt = workspace(&[
        ("a.yaml", &agent("", "# nothing")),
        (
            ".faultline.yaml",
            "exemptions:\n  - rule: host-path-*\n    kind: DaemonSet\n    namespace: monitoring\n",
        ),
    ]);
    let v = check_json(exempt.path(), &["a.yaml"]);
    assert_eq!(findings(&v, &rule), []);
    // The exemption is for that rule only.
    assert!(!findings(&v, &["image-tag-latest", "container-may-run-as-root"]).is_empty());
}

/// `faultline explain` prints each security rule's page (generated from its declaration).
#[test]
fn explain_covers_every_security_rule() {
    for id in OURS {
        let out = Command::cargo_bin("faultline")
            .expect("the faultline binary")
            .args(["explain", id])
            .output()
            .expect("faultline runs");
        assert!(out.status.success(), "explain {id}");
        let page = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(page.starts_with(&format!("# `{id}`")), "{id}: {page}");
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Options",
        ] {
            assert!(page.contains(section), "{id} has no {section}");
        }
    }
}
