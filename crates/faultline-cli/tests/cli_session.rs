//! Every command reads its inputs the same way (issue 11): `.faultline.yaml` (its `exclude`
//! globs and `namespace`, found upward, `--config`, `--no-config`), and the archive layouts
//! whose kindless documents take their kind from the path. `check` is the reference; `graph`,
//! `matrix`, `reach` and `diff` must see the same objects.
//!
//! Each test writes a workspace to a temporary directory and runs there.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("faultline")
        .expect("the faultline binary")
        .current_dir(cwd)
        .env_remove("RAYON_NUM_THREADS")
        .args(args)
        .output()
        .expect("faultline runs");
    Run {
        code: out.status.code().expect("faultline exits with a code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A temporary directory with `files` written into it (parents created).
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: {name}\n          image: nginx:1.27\n          ports: [{{containerPort: 80}}]\n"
    )
}

fn service(name: &str, app: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {app}\n  ports:\n    - port: 80\n"
    )
}

/// A must-gather tree: a Deployment and a Service written without `apiVersion`/`kind`, which
/// only their paths (`namespaces/<ns>/<group>/<resource>/<name>.yaml`) type.
const KINDLESS_DEPLOYMENT: &str = "\
metadata:
  name: db
  namespace: shop
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:16
          ports: [{containerPort: 5432}]
";

const KINDLESS_SERVICE: &str = "\
metadata:
  name: db
  namespace: shop
spec:
  selector:
    app: db
  ports:
    - port: 5432
";

/// Leaves `vendor/` out and puts objects written without a namespace in `shop`.
const CONFIG: &str = "namespace: shop\nexclude: [\"vendor/**\"]\n";

/// `app.yaml`: Deployments `a` and `b` and Service `web` (selecting `a`), none with a
/// namespace; `vendor/extra.yaml`, which the configuration leaves out: Deployment `c` and
/// Service `vendor-svc`; and a must-gather tree with the kindless Deployment and Service `db`.
fn fixture(config: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let app = [deployment("a"), deployment("b"), service("web", "a")].join("---\n");
    let vendor = [deployment("c"), service("vendor-svc", "c")].join("---\n");
    let mut files = vec![
        ("app.yaml", app.as_str()),
        ("vendor/extra.yaml", vendor.as_str()),
        (
            "must-gather/namespaces/shop/apps/deployments/db.yaml",
            KINDLESS_DEPLOYMENT,
        ),
        (
            "must-gather/namespaces/shop/core/services/db.yaml",
            KINDLESS_SERVICE,
        ),
    ];
    if let Some(c) = config {
        files.push((".faultline.yaml", c));
    }
    workspace(&files)
}

/// The ids of the objects `graph --format json` shows (not those it marks missing), and its
/// edges as `from relation to`.
fn graph_json(cwd: &Path, args: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut all = vec!["graph", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(cwd, &all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("graph JSON");
    let nodes = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["missing"] == false)
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let edges = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["from"].as_str().unwrap(),
                e["relation"].as_str().unwrap(),
                e["to"].as_str().unwrap()
            )
        })
        .collect();
    (nodes, edges)
}

/// `check --format json`'s object count and the objects its findings name (`Kind/ns/name`).
fn check_objects(cwd: &Path, args: &[&str]) -> (u64, Vec<String>) {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let r = run(cwd, &all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("check JSON");
    let mut named: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let o = &d["object"];
            Some(format!(
                "{}/{}/{}",
                o["kind"].as_str()?,
                o["namespace"].as_str().unwrap_or("-"),
                o["name"].as_str()?
            ))
        })
        .collect();
    named.sort();
    named.dedup();
    (v["summary"]["objects"].as_u64().unwrap(), named)
}

#[test]
fn graph_honours_the_configuration_and_archive_layouts() {
    let (_dir, root) = fixture(Some(CONFIG));
    // The reference: five objects, `a`, `b` and `web` in `shop` by the configuration and the
    // two kindless ones typed by their paths; `vendor/` not read.
    let (objects, named) = check_objects(&root, &["."]);
    assert_eq!(objects, 5, "{named:?}");
    assert!(!named.iter().any(|n| n.contains("/default/")), "{named:?}");
    let (nodes, edges) = graph_json(&root, &["."]);
    // The namespace comes from the configuration.
    assert!(
        edges.contains(&"Service/shop/web selects Deployment/shop/a".to_owned()),
        "{edges:?}"
    );
    // The kindless documents are typed by their paths, as `check` types them.
    assert!(
        edges.contains(&"Service/shop/db selects Deployment/shop/db".to_owned()),
        "{edges:?}"
    );
    // The excluded file is not read.
    assert!(
        nodes
            .iter()
            .all(|n| !n.contains("vendor-svc") && !n.ends_with("/c")),
        "{nodes:?}"
    );
    assert!(!nodes.iter().any(|n| n.contains("/default/")), "{nodes:?}");
}

#[test]
fn graph_config_flags() {
    let (_dir, root) = fixture(Some(CONFIG));
    // `--no-config`: everything is read, in `default`.
    let (nodes, _) = graph_json(&root, &["--no-config", "."]);
    assert!(
        nodes.contains(&"Service/default/vendor-svc".to_owned()),
        "{nodes:?}"
    );
    assert!(
        nodes.contains(&"Service/default/web".to_owned()),
        "{nodes:?}"
    );
    // `--config FILE` elsewhere; the flag's namespace wins over the file's.
    let other = root.join("other.yml");
    std::fs::write(&other, "namespace: ops\nexclude: [\"app.yaml\"]\n").unwrap();
    let (nodes, _) = graph_json(
        &root,
        &["--config", other.to_str().unwrap(), "-n", "team", "."],
    );
    assert!(
        nodes.contains(&"Service/team/vendor-svc".to_owned()),
        "{nodes:?}"
    );
    assert!(!nodes.iter().any(|n| n.ends_with("/web")), "{nodes:?}");
    // `--config` and `--no-config` exclude each other.
    let r = run(&root, &["graph", "--no-config", "--config", "x.yaml", "."]);
    assert_eq!(r.code, 2);
}

#[test]
fn graph_reads_a_configuration_mistake_as_check_does() {
    let (_dir, root) = fixture(Some("exclude: 3\n"));
    for cmd in ["check", "graph", "matrix"] {
        let r = run(&root, &[cmd, "."]);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stderr);
        assert!(
            r.stderr.contains(".faultline.yaml:1:"),
            "{cmd}: {}",
            r.stderr
        );
    }
}

#[test]
fn matrix_honours_the_configuration_and_archive_layouts() {
    let (_dir, root) = fixture(Some(CONFIG));
    let r = run(&root, &["matrix", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("shop/a[Deployment] => shop/b[Deployment] : All Connections"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("shop/a[Deployment] => shop/db[Deployment] : All Connections"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("[Deployment] => shop/c["),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("default/"), "{}", r.stdout);
    // `--no-config` reads `vendor/` and uses `default`.
    let r = run(&root, &["matrix", "--no-config", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("default/a[Deployment] => default/c[Deployment] : All Connections"),
        "{}",
        r.stdout
    );
}

#[test]
fn reach_honours_the_configuration_and_archive_layouts() {
    let (_dir, root) = fixture(Some(CONFIG));
    let r = run(
        &root,
        &["reach", ".", "--from", "shop/a", "--to", "shop/db:5432"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("allowed"), "{}", r.stdout);
    // The excluded file's Deployment is not in the input.
    let r = run(&root, &["reach", ".", "--from", "shop/a", "--to", "shop/c"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("no workload, pod or Service `shop/c`"),
        "{}",
        r.stderr
    );
    let r = run(
        &root,
        &[
            "reach",
            "--no-config",
            ".",
            "--from",
            "default/a",
            "--to",
            "default/c",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn diff_reads_both_sides_through_the_configuration() {
    let app = [deployment("a"), deployment("b")].join("---\n");
    let vendor = deployment("c");
    let (_dir, root) = workspace(&[
        (".faultline.yaml", CONFIG),
        ("old/app.yaml", &app),
        ("new/app.yaml", &app),
        ("new/vendor/extra.yaml", &vendor),
    ]);
    let r = run(&root, &["diff", "old", "new"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // `new/vendor/` is excluded: no connectivity changes, in either part of the diff.
    assert!(!r.stdout.contains("shop/c"), "{}", r.stdout);
    assert!(!r.stdout.contains("added"), "{}", r.stdout);
    let r = run(&root, &["diff", "--no-config", "old", "new"]);
    assert!(r.stdout.contains("default/c[Deployment]"), "{}", r.stdout);
}

#[test]
fn unreadable_config_path_is_a_usage_error_for_every_command() {
    let (_dir, root) = fixture(None);
    for head in [
        &["check"][..],
        &["triage"],
        &["graph"],
        &["matrix"],
        &["reach", "--from", "shop/a", "--to", "shop/b"],
        &["diff", "app.yaml"],
    ] {
        let mut args = head.to_vec();
        args.extend(["--config", "no-such.yaml", "app.yaml"]);
        let r = run(&root, &args);
        assert_eq!(r.code, 2, "{head:?}: {}", r.stderr);
        assert!(r.stderr.contains("no-such.yaml"), "{head:?}: {}", r.stderr);
    }
}
