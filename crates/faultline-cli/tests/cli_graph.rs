//! End-to-end tests of `faultline graph`: every format on `testdata/graph/shop.yaml` as
//! snapshots, determinism, and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn graph(args: &[&str], threads: &str) -> String {
    let out = Command::cargo_bin("faultline")
        .expect("the faultline binary")
        .current_dir(root())
        .env("RAYON_NUM_THREADS", threads)
        .arg("graph")
        .args(args)
        .output()
        .expect("faultline runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

const SHOP: &str = "testdata/graph/shop.yaml";

#[test]
fn dot() {
    insta::assert_snapshot!("shop_dot", graph(&[SHOP, "--format", "dot"], "2"));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!("shop_mermaid", graph(&[SHOP, "--format", "mermaid"], "2"));
}

#[test]
fn json() {
    let text = graph(&[SHOP, "--format", "json"], "2");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["version"], 1);
    let missing: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["missing"] == true)
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "Secret/shop/db-credentials",
            "Secret/shop/shop-tls",
            "ServiceAccount/shop/web"
        ]
    );
    insta::assert_snapshot!("shop_json", text);
}

#[test]
fn output_does_not_depend_on_threads_or_runs() {
    let dirs = ["testdata/graph", "testdata/rules"];
    for format in ["dot", "mermaid", "json"] {
        let one = graph(&[dirs[0], dirs[1], "--format", format], "1");
        let four = graph(&[dirs[0], dirs[1], "--format", format], "4");
        assert_eq!(one, four, "{format}");
        assert!(!one.is_empty());
    }
}

#[test]
fn unreadable_input_warns_and_still_renders() {
    let out = Command::cargo_bin("faultline")
        .unwrap()
        .current_dir(root())
        .args(["graph", "no/such/file.yaml", SHOP, "--format", "dot"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.yaml"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph faultline {"));
}

/// Role bindings are edges: binding → role (`role-ref`) and binding → ServiceAccount
/// (`subject`), a missing target as a missing node, a ServiceAccount
/// present in the input is drawn as itself.
#[test]
fn role_bindings_are_edges() {
    let text = graph(
        &[
            "testdata/rules/rbac-reference-not-found/fail.yaml",
            "--format",
            "mermaid",
        ],
        "2",
    );
    for edge in [
        "n1 -->|role-ref| n0",
        "n1 -->|subject| n2",
        "n1 -->|subject| n4",
    ] {
        assert!(text.contains(edge), "{edge} in:\n{text}");
    }
    assert!(
        text.contains("n0[\"Role/shop/app-reader (missing)\"]"),
        "{text}"
    );
    assert!(text.contains("n4[\"ServiceAccount/shop/app\"]"), "{text}");
}
