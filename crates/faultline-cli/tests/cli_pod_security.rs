//! `faultline check --pod-security LEVEL` and the `default-level` of `.faultline.yaml`: the
//! level namespaces without Pod Security labels are checked at.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// A Pod that passes baseline and fails restricted, in a namespace without labels.
const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: p, namespace: dev}
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
";

/// `check --format json --rule pod-security ARGS… pod.yaml` in `dir`: the messages and the
/// exit code.
fn check(dir: &Path, args: &[&str]) -> (Vec<String>, i32) {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--format", "json", "--rule", "pod-security"])
        .args(args)
        .arg("pod.yaml")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    if code == 2 {
        return (
            vec![String::from_utf8_lossy(&out.stderr).into_owned()],
            code,
        );
    }
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let messages = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    (messages, code)
}

#[test]
fn the_default_level_comes_from_the_flag_or_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    // Baseline by default: nothing.
    let (found, _) = check(dir.path(), &["--no-config"]);
    assert!(found.is_empty(), "{found:?}");
    // Restricted by flag: the restricted checks, as warnings.
    let (found, _) = check(dir.path(), &["--no-config", "--pod-security", "restricted"]);
    assert_eq!(
        found,
        [
            r#"warning would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#,
            r#"warning would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#,
            r#"warning would violate PodSecurity "restricted:latest": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
            r#"warning would violate PodSecurity "restricted:latest": unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])"#,
        ]
    );
    // Restricted by configuration, and the flag wins over it.
    std::fs::write(
        dir.path().join(".faultline.yaml"),
        "rules:\n  pod-security:\n    params:\n      default-level: restricted\n",
    )
    .unwrap();
    assert_eq!(check(dir.path(), &[]).0.len(), 4);
    assert!(
        check(dir.path(), &["--pod-security", "baseline"])
            .0
            .is_empty()
    );
    // A level that is not one is a usage error.
    let (err, code) = check(dir.path(), &["--no-config", "--pod-security", "strict"]);
    assert_eq!(code, 2, "{err:?}");
    std::fs::write(
        dir.path().join(".faultline.yaml"),
        "rules:\n  pod-security:\n    params:\n      default-level: strict\n",
    )
    .unwrap();
    let (err, code) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{err:?}");
    assert!(
        err[0].contains("`privileged`, `baseline` or `restricted`"),
        "{err:?}"
    );
}

const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: LEVEL
---
";

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      HOST
      containers:
        - name: app
          image: registry.example.com/web:1.0
";

/// `faultline diff OLD NEW` over two one-file inputs: stdout and exit code.
fn diff(old: &str, new: &str) -> (String, i32) {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("old", old), ("new", new)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("app.yaml"), text).unwrap();
    }
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(dir.path())
        .args(["diff", "--no-config", "old", "new"])
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

fn admission_section(out: &str) -> Vec<&str> {
    out.split("Admission diff (Pod Security):\n")
        .nth(1)
        .map(|s| s.lines().collect())
        .unwrap_or_default()
}

#[test]
fn diff_names_the_workloads_a_label_or_template_change_refuses_or_admits() {
    let ns = |level: &str| NAMESPACE.replace("LEVEL", level);
    let web = |host: &str| WEB.replace("HOST", host);
    let plain = web("hostNetwork: false");
    // The namespace goes from baseline to restricted: web is refused, exit 1.
    let (out, code) = diff(&(ns("baseline") + &plain), &(ns("restricted") + &plain));
    assert_eq!(code, 1, "{out}");
    let section = admission_section(&out);
    assert_eq!(section.len(), 1, "{out}");
    assert!(
        section[0].starts_with(
            r#"refused: Deployment/shop/web: namespace `shop` now enforces restricted:latest (was baseline:latest); violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false); runAsNonRoot != true"#
        ),
        "{out}"
    );
    // The template starts using the host network under baseline: refused, for the template.
    let (out, code) = diff(
        &(ns("baseline") + &plain),
        &(ns("baseline") + &web("hostNetwork: true")),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        admission_section(&out),
        [
            r#"refused: Deployment/shop/web: its pod template changed; violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#
        ],
        "{out}"
    );
    // And back: admitted again; no admission change, no section.
    let (out, code) = diff(
        &(ns("baseline") + &web("hostNetwork: true")),
        &(ns("privileged") + &web("hostNetwork: true")),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        admission_section(&out),
        [
            "admitted: Deployment/shop/web: namespace `shop` now enforces privileged:latest (was baseline:latest)"
        ],
        "{out}"
    );
    let (out, _) = diff(&(ns("baseline") + &plain), &(ns("baseline") + &plain));
    assert!(admission_section(&out).is_empty(), "{out}");
}
