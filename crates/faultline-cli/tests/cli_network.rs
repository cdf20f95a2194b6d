//! End-to-end tests of `faultline matrix` and `faultline diff` on `testdata/netpol`: a
//! namespace with a default-deny policy, where `after/` breaks the web → api rule by selecting
//! the client with a label it does not carry.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("faultline")
        .expect("the faultline binary")
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

#[test]
fn matrix_lists_what_the_policies_allow_in_every_format() {
    let (code, txt) = run(&["matrix", "testdata/netpol/before"]);
    assert_eq!(code, 0);
    assert_eq!(
        txt,
        "shop/web[Deployment] => shop/api[Deployment] : TCP 9090\n"
    );
    let (_, csv) = run(&["matrix", "testdata/netpol/before", "--format", "csv"]);
    assert_eq!(
        csv,
        "src,dst,conn\nshop/web[Deployment],shop/api[Deployment],TCP 9090\n"
    );
    let (_, json) = run(&["matrix", "testdata/netpol/before", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v[0]["conn"], "TCP 9090");
    let (_, md) = run(&["matrix", "testdata/netpol/before", "--format", "md"]);
    assert!(md.contains("| shop/web[Deployment] | shop/api[Deployment] | TCP 9090 |"));
    let (_, dot) = run(&["matrix", "testdata/netpol/before", "--format", "dot"]);
    assert!(dot.starts_with("digraph {"));
    assert!(
        dot.contains("\"shop/web[Deployment]\" -> \"shop/api[Deployment]\" [label=\"TCP 9090\"]")
    );
}

#[test]
fn without_policies_everything_is_allowed() {
    let (code, txt) = run(&["matrix", "testdata/netpol/before/app.yaml"]);
    assert_eq!(code, 0);
    assert!(txt.contains("shop/api[Deployment] => shop/web[Deployment] : All Connections"));
    assert!(
        txt.contains("0.0.0.0-255.255.255.255[External] => shop/web[Deployment] : All Connections")
    );
}

#[test]
fn diff_exits_1_when_connectivity_is_lost_and_0_when_only_added() {
    let (code, out) = run(&[
        "diff",
        "testdata/netpol/before",
        "testdata/netpol/after",
        "--no-config",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("Connectivity diff:\ndiff-type: removed, source: shop/web[Deployment], destination: shop/api[Deployment], ref1: TCP 9090, ref2: No Connections\n"), "{out}");
    let (code, out) = run(&[
        "diff",
        "testdata/netpol/after",
        "testdata/netpol/before",
        "--no-config",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "diff-type,source,destination,ref1,ref2,workloads-diff-info\nadded,shop/web[Deployment],shop/api[Deployment],No Connections,TCP 9090,\n"
    );
    let (code, out) = run(&[
        "diff",
        "testdata/netpol/before",
        "testdata/netpol/before",
        "--no-config",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "Connectivity diff:\n\nFindings diff:\nno change\n");
}

#[test]
fn reach_explains_the_verdict_and_resolves_service_ports() {
    let (code, out) = run(&[
        "reach",
        "testdata/netpol/before",
        "--from",
        "shop/web",
        "--to",
        "shop/api:80",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("shop/web[Deployment] => shop/api[Deployment] (port 9090/TCP): allowed\n"),
        "the Service port 80 is the pods' 9090: {out}"
    );
    assert!(
        out.contains("allowed by shop/web-to-api spec.ingress[0]"),
        "{out}"
    );
    let (code, out) = run(&[
        "reach",
        "testdata/netpol/after",
        "--from",
        "shop/web",
        "--to",
        "shop/api:80",
    ]);
    assert_eq!(code, 1, "{out}");
    // The whole verdict as `reach` renders it (the CLI, not the graph crate, writes this text).
    assert!(
        out.starts_with(
            "shop/web[Deployment] => shop/api[Deployment] (port 9090/TCP): denied
  allowed connections: No Connections
  egress: the source is isolated by shop/default-deny (no egress rules), shop/web-egress; allowed
    allowed by shop/web-egress spec.egress[0]
  ingress: the destination is isolated by shop/default-deny (no ingress rules), shop/web-to-api; denied
    nearest rule: shop/web-to-api spec.ingress[0]
      spec.ingress[0].from[0].podSelector: podSelector `app=web-frontend` matches no pod in `shop`; `app=web-frontend`: the source pod has app=web
"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "at testdata/netpol/after/policies.yaml:21:13: spec.ingress[0].from[0].podSelector"
        ),
        "{out}"
    );
    let (code, _) = run(&[
        "reach",
        "testdata/netpol/before",
        "--from",
        "shop/nope",
        "--to",
        "shop/api",
    ]);
    assert_eq!(code, 2);
}
