//! End-to-end tests of what changes a `faultline check`: `.faultline.yaml` (found in the
//! current directory or a parent, `--config`, `--no-config`), suppressions in the input, and
//! `--rule`, `--skip`, `--namespace`.
//!
//! Each test writes its manifests and configuration to a temporary directory and runs there.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn faultline(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("faultline").expect("the faultline binary");
    cmd.current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS");
    cmd
}

fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = faultline(cwd).args(args).output().expect("faultline runs");
    Run {
        code: out.status.code().expect("faultline exits with a code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `faultline check --format json ARGS…` in `cwd`: the exit code and the parsed output.
fn check_json(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(cwd, &all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

/// `line rule severity kind/name` of every diagnostic, in output order.
fn findings(v: &Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}/{}",
                d["location"]["line"],
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["object"]["kind"].as_str().unwrap_or("-"),
                d["object"]["name"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

/// A temporary directory with `files` written into it (parents created).
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // The binary sees the canonical current directory; compare paths against that.
    let root = dir.path().canonicalize().unwrap();
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

/// A PodDisruptionBudget on the removed `policy/v1beta1` (line 1), a Deployment with an invalid
/// quantity (line 18; otherwise hardened, so the security rules have nothing to say) and a
/// NetworkPolicy with an invalid selector (line 27).
const MANIFESTS: &str = "\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {automountServiceAccountToken: false, securityContext: {runAsNonRoot: true}, containers: [{name: web, image: \"nginx:1.27\", securityContext: {readOnlyRootFilesystem: true}, livenessProbe: {exec: {command: [\"true\"]}}, resources: {requests: {cpu: 10m}, limits: {memory: 2GB}}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: In}
";

#[test]
fn without_configuration() {
    let (_dir, root) = workspace(&[("app/manifests.yaml", MANIFESTS)]);
    let (code, v) = check_json(&root.join("app"), &["manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        [
            "1 api-removed error PodDisruptionBudget/web",
            "18 invalid-quantity error Deployment/web",
            "27 invalid-label-selector error NetworkPolicy/web",
        ]
    );
}

const CONFIG: &str = "\
kubeVersion: \"1.24\"
rules:
  invalid-quantity: off
  invalid-label-selector: warning
";

#[test]
fn config_in_the_current_directory() {
    let (_dir, root) = workspace(&[("manifests.yaml", MANIFESTS), (".faultline.yaml", CONFIG)]);
    let (code, v) = check_json(&root, &["manifests.yaml"]);
    assert_eq!(code, 1);
    // 1.24: the PDB is deprecated, not removed; the quantity rule is off; the selector rule
    // is a warning.
    assert_eq!(
        findings(&v),
        [
            "1 api-deprecated warning PodDisruptionBudget/web",
            "27 invalid-label-selector warning NetworkPolicy/web",
        ]
    );
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["summary"]["warnings"], 2);
}

#[test]
fn config_in_a_parent_directory_and_the_command_line_wins() {
    let (_dir, root) = workspace(&[
        ("team/app/manifests.yaml", MANIFESTS),
        (".faultline.yaml", &format!("{CONFIG}failOn: error\n")),
    ]);
    let cwd = root.join("team/app");
    // Only warnings and `failOn: error`: exit 0.
    let (code, v) = check_json(&cwd, &["manifests.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["warnings"], 2);
    // The command line overrides the file.
    let (code, v) = check_json(&cwd, &["--fail-on", "warning", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["warnings"], 2);
    let (code, v) = check_json(&cwd, &["--kube-version", "1.32", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        [
            "1 api-removed error PodDisruptionBudget/web",
            "27 invalid-label-selector warning NetworkPolicy/web",
        ]
    );
    // --no-config ignores it altogether.
    let (code, v) = check_json(&cwd, &["--no-config", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["errors"], 3);
}

#[test]
fn config_given_with_the_flag() {
    let (_dir, root) = workspace(&[
        ("manifests.yaml", MANIFESTS),
        // Found by discovery but overridden by --config.
        (".faultline.yaml", "rules:\n  api-removed: off\n"),
        (
            "conf/strict.yaml",
            "rules:\n  api-removed: {severity: info}\n",
        ),
    ]);
    let (code, v) = check_json(&root, &["--config", "conf/strict.yaml", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        [
            "1 api-removed info PodDisruptionBudget/web",
            "18 invalid-quantity error Deployment/web",
            "27 invalid-label-selector error NetworkPolicy/web",
        ]
    );
    // The discovered file switched the rule off.
    let (_, v) = check_json(&root, &["manifests.yaml"]);
    assert_eq!(findings(&v).len(), 2);
    assert!(findings(&v).iter().all(|f| !f.contains("api-removed")));

    let r = run(
        &root,
        &["check", "--config", "conf/missing.yaml", "manifests.yaml"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("conf/missing.yaml"), "{}", r.stderr);
    // --config and --no-config contradict each other.
    let r = run(
        &root,
        &[
            "check",
            "--config",
            "conf/strict.yaml",
            "--no-config",
            "manifests.yaml",
        ],
    );
    assert_eq!(r.code, 2);
}

#[test]
fn broken_config_names_its_line_and_column() {
    let broken = "kubeVersion: \"1.30\"\nrules:\n  not-a-rule: off\n";
    let (_dir, root) = workspace(&[
        ("team/app/manifests.yaml", MANIFESTS),
        ("team/.faultline.yaml", broken),
    ]);
    let cwd = root.join("team/app");
    let r = run(&cwd, &["check", "manifests.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let expected = format!(
        "{}:3:3: unknown rule `not-a-rule`",
        root.join("team/.faultline.yaml").display()
    );
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    // --no-config does not read it.
    let r = run(&cwd, &["check", "--no-config", "manifests.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    for (text, line_col) in [
        ("rules:\n  api-removed: sometimes\n", ":2:16:"),
        ("kubeVersion: banana\n", ":1:14:"),
        ("namespace: shop\ncolour: red\n", ":2:1:"),
    ] {
        std::fs::write(root.join("team/.faultline.yaml"), text).unwrap();
        let r = run(&cwd, &["check", "manifests.yaml"]);
        assert_eq!(r.code, 2, "{text}");
        assert!(r.stderr.contains(line_col), "{text}: {}", r.stderr);
    }
}

#[test]
fn exemption_by_name_glob() {
    let manifests = "\
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: vendor-agent
spec:
  template:
    spec:
      containers:
        - {name: a, image: agent, livenessProbe: {exec: {command: [\"true\"]}}, resources: {requests: {cpu: 10m}, limits: {memory: 1GB}}}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: vendor-proxy
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: our-app
";
    let config = "exemptions:\n  - rule: api-removed\n    name: \"vendor-*\"\n";
    let (_dir, root) = workspace(&[("m.yaml", manifests), (".faultline.yaml", config)]);
    let (code, v) = check_json(&root, &["m.yaml"]);
    assert_eq!(code, 1);
    // Only api-removed on vendor-* objects is exempt: the quantity on vendor-agent and the
    // removed API of our-app still report.
    assert_eq!(
        findings(&v),
        [
            // The security rules (issue 12): an untagged image, no security context, the
            // default ServiceAccount's token.
            "7 container-may-run-as-root info Deployment/vendor-agent",
            "7 service-account-token-automounted info Deployment/vendor-agent",
            "9 container-root-filesystem-writable info Deployment/vendor-agent",
            "9 image-tag-latest warning Deployment/vendor-agent",
            "9 invalid-quantity error Deployment/vendor-agent",
            "16 api-removed error Deployment/our-app",
        ]
    );
    let (_, v) = check_json(&root, &["--no-config", "m.yaml"]);
    assert_eq!(findings(&v).len(), 8);
}

#[test]
fn suppression_annotations() {
    let manifests = "\
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: ignored-api
  annotations:
    faultline.dev/ignore: \"api-removed\"
spec:
  template:
    spec:
      containers:
        - {name: a, image: a, livenessProbe: {exec: {command: [\"true\"]}}, resources: {requests: {cpu: 10m}, limits: {memory: 1GB}}}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: ignored-all
  annotations:
    faultline.dev/ignore: all
spec:
  template:
    spec:
      containers:
        - {name: a, image: a, livenessProbe: {exec: {command: [\"true\"]}}, resources: {requests: {cpu: 10m}, limits: {memory: 1GB}}}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: not-ignored
spec:
  template:
    spec:
      containers:
        - {name: a, image: a, livenessProbe: {exec: {command: [\"true\"]}}, resources: {requests: {cpu: 10m}, limits: {memory: 1GB}}}
";
    let (_dir, root) = workspace(&[("m.yaml", manifests)]);
    let (code, v) = check_json(&root, &["m.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        [
            // `ignore: api-removed` leaves the other rules, the security rules included;
            // `ignore: all` silences them too.
            "9 container-may-run-as-root info Deployment/ignored-api",
            "9 service-account-token-automounted info Deployment/ignored-api",
            "11 container-root-filesystem-writable info Deployment/ignored-api",
            "11 image-tag-latest warning Deployment/ignored-api",
            "11 invalid-quantity error Deployment/ignored-api",
            "25 api-removed error Deployment/not-ignored",
            "31 container-may-run-as-root info Deployment/not-ignored",
            "31 service-account-token-automounted info Deployment/not-ignored",
            "33 container-root-filesystem-writable info Deployment/not-ignored",
            "33 image-tag-latest warning Deployment/not-ignored",
            "33 invalid-quantity error Deployment/not-ignored",
        ]
    );
}

#[test]
fn suppression_comments() {
    let quota = |requests_cpu: &str, above_memory: &str, limits_cpu: &str| {
        format!(
            "\
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quota
spec:
  hard:
    requests.cpu: \"10 cores\"{requests_cpu}
{above_memory}    requests.memory: 5GB
    limits.memory: 6GB
    limits.cpu: \"{{{{ .Values.cpu }}}}\"{limits_cpu}
"
        )
    };
    let plain = quota("", "    # nothing to see here\n", "");
    let suppressed = quota(
        " # faultline:ignore invalid-quantity",
        "    # faultline:ignore invalid-quantity\n",
        "  # faultline:ignore invalid-quantity",
    );
    // Comments that name another rule suppress nothing.
    let other_rule = quota(
        " # faultline:ignore api-removed",
        "    # faultline:ignore duplicate-key\n",
        "",
    );
    let (_dir, root) = workspace(&[
        ("plain.yaml", &plain),
        ("suppressed.yaml", &suppressed),
        ("other.yaml", &other_rule),
    ]);
    let all = [
        "7 invalid-quantity error ResourceQuota/quota",
        "9 invalid-quantity error ResourceQuota/quota",
        "10 invalid-quantity error ResourceQuota/quota",
        "11 invalid-quantity error ResourceQuota/quota",
        "11 unrendered-template error ResourceQuota/quota",
    ];
    let (_, v) = check_json(&root, &["plain.yaml"]);
    assert_eq!(findings(&v), all);
    let (_, v) = check_json(&root, &["other.yaml"]);
    assert_eq!(findings(&v), all);
    let (code, v) = check_json(&root, &["suppressed.yaml"]);
    assert_eq!(code, 1);
    // The end-of-line comments silence lines 7 and 11, the comment alone on line 8 silences
    // line 9 only; line 10 and the other rule on line 11 still report.
    assert_eq!(
        findings(&v),
        [
            "10 invalid-quantity error ResourceQuota/quota",
            "11 unrendered-template error ResourceQuota/quota",
        ]
    );
}

#[test]
fn rule_and_skip() {
    let (_dir, root) = workspace(&[("manifests.yaml", MANIFESTS)]);
    let (code, v) = check_json(&root, &["--rule", "api-removed", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        ["1 api-removed error PodDisruptionBudget/web"]
    );
    let (_, v) = check_json(
        &root,
        &[
            "--rule",
            "api-removed",
            "--rule",
            "invalid-quantity",
            "manifests.yaml",
        ],
    );
    assert_eq!(findings(&v).len(), 2);
    let (code, v) = check_json(&root, &["--rule", "duplicate-key", "manifests.yaml"]);
    assert_eq!(code, 0);
    assert!(findings(&v).is_empty());

    let (code, v) = check_json(&root, &["--skip", "api-removed", "manifests.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        [
            "18 invalid-quantity error Deployment/web",
            "27 invalid-label-selector error NetworkPolicy/web",
        ]
    );
    let (code, v) = check_json(
        &root,
        &[
            "--skip",
            "api-removed",
            "--skip",
            "invalid-quantity",
            "--skip",
            "invalid-label-selector",
            "manifests.yaml",
        ],
    );
    assert_eq!(code, 0);
    assert!(findings(&v).is_empty());
    // A rule switched on by --rule and off by --skip does not run.
    let (_, v) = check_json(
        &root,
        &[
            "--rule",
            "api-removed",
            "--skip",
            "api-removed",
            "manifests.yaml",
        ],
    );
    assert!(findings(&v).is_empty());
}

#[test]
fn namespace_for_objects_without_one() {
    let manifests = "\
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: no-namespace
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: own-namespace
  namespace: billing
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: cluster-scoped
";
    let (_dir, root) = workspace(&[("m.yaml", manifests)]);
    // One finding per object: the removed API (the budgets also select no pods).
    let namespaces = |v: &Value| -> Vec<Value> {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "api-removed")
            .map(|d| d["object"]["namespace"].clone())
            .collect()
    };
    let (_, v) = check_json(&root, &["m.yaml"]);
    assert_eq!(
        namespaces(&v),
        [Value::from("default"), Value::from("billing"), Value::Null]
    );
    let (_, v) = check_json(&root, &["--namespace", "shop", "m.yaml"]);
    assert_eq!(
        namespaces(&v),
        [Value::from("shop"), Value::from("billing"), Value::Null]
    );
    let (_, v) = check_json(&root, &["-n", "shop", "m.yaml"]);
    assert_eq!(namespaces(&v)[0], "shop");
    // `namespace:` in the configuration, and the command line wins over it.
    std::fs::write(root.join(".faultline.yaml"), "namespace: ops\n").unwrap();
    let (_, v) = check_json(&root, &["m.yaml"]);
    assert_eq!(namespaces(&v)[0], "ops");
    let (_, v) = check_json(&root, &["-n", "shop", "m.yaml"]);
    assert_eq!(namespaces(&v)[0], "shop");
}

#[test]
fn complete_inputs_turn_absent_references_into_warnings() {
    let manifest = "\
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
    - name: api
      image: registry.example.com/api:1.0.0
      envFrom: [{secretRef: {name: api-secret}}]
";
    let (_dir, root) = workspace(&[("m.yaml", manifest)]);
    let severities = |v: &Value| -> Vec<String> {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "reference-not-found")
            .map(|d| d["severity"].as_str().unwrap().to_owned())
            .collect()
    };
    // A chart may rely on Secrets created elsewhere: information only, exit 0.
    let only = ["--rule", "reference-not-found", "m.yaml"];
    let (code, v) = check_json(&root, &only);
    assert_eq!((code, severities(&v)), (0, vec!["info".to_owned()]));
    let (code, v) = check_json(&root, &["--complete", only[0], only[1], only[2]]);
    assert_eq!((code, severities(&v)), (1, vec!["warning".to_owned()]));
    std::fs::write(root.join(".faultline.yaml"), "complete: true\n").unwrap();
    let (code, v) = check_json(&root, &only);
    assert_eq!((code, severities(&v)), (1, vec!["warning".to_owned()]));
    // A kind managed outside the manifests is never reported.
    std::fs::write(
        root.join(".faultline.yaml"),
        "complete: true\nrules:\n  reference-not-found: {params: {exclude-kinds: Secret}}\n",
    )
    .unwrap();
    let (code, v) = check_json(&root, &only);
    assert_eq!((code, severities(&v)), (0, Vec::<String>::new()));
}
