//! End-to-end tests of `faultline triage` on the demo outage (`testdata/demo/snapshot`, a
//! `kubectl cluster-info dump` of the payment-service incident) and on the shared corpora.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_env(args: &[&str], threads: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("faultline").expect("the faultline binary");
    cmd.current_dir(root()).env_remove("RAYON_NUM_THREADS");
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    let out = cmd.args(args).output().expect("faultline runs");
    Run {
        code: out.status.code().expect("an exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    }
}

fn triage(args: &[&str]) -> Run {
    let mut all = vec!["triage", "--no-config"];
    all.extend_from_slice(args);
    run_env(&all, None)
}

fn triage_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = triage(&all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("an array")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// The demo's problems, ranked by blast radius: the workload whose Service has no endpoints
/// first, then the other crash-looping workload (an error), then the nodes under memory
/// pressure.
const DEMO_PROBLEMS: [&str; 4] = [
    "Deployment/shop/payment-service",
    "Deployment/shop/order-service",
    "Node/node-6",
    "Node/node-7",
];

fn subjects(problems: &[Value]) -> Vec<&str> {
    problems
        .iter()
        .map(|p| p["subject"].as_str().unwrap())
        .collect()
}

#[test]
fn the_demo_outage_is_one_problem_with_its_chain() {
    let (code, v) = triage_json(&["testdata/demo/snapshot"]);
    assert_eq!(code, 1, "problems make the exit code 1");
    assert_eq!(
        v["now"], "2024-11-28T09:41:55Z",
        "now is the snapshot's latest time"
    );
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(subjects(problems), DEMO_PROBLEMS);
    let pay = &problems[0];
    assert_eq!(pay["podsAffected"], 4);
    assert_eq!(
        strs(&pay["servicesWithoutEndpoints"]),
        ["Service/shop/payment-service"]
    );
    let rules: Vec<&str> = pay["symptoms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    for r in [
        "pod-crash-looping",
        "container-oom-killed",
        "workload-unavailable",
        "service-no-ready-endpoints",
    ] {
        assert!(rules.contains(&r), "{r} in {rules:?}");
    }
    // The cause chain: the eager liveness probe (with 477 failures as evidence) first, then the
    // memory limit, DNS blocked by the default-deny policy, the heap flag.
    let causes = pay["causes"].as_array().unwrap();
    let first = &causes[0];
    assert_eq!(first["rule"], "probe-liveness-kills-slow-start");
    assert!(
        first["why"]
            .as_str()
            .unwrap()
            .contains("477 `Unhealthy` events"),
        "{first}"
    );
    let whats: Vec<&str> = causes.iter().map(|c| c["what"].as_str().unwrap()).collect();
    assert!(
        whats.contains(&"the memory limit `2Gi` of container `app`"),
        "{whats:?}"
    );
    assert!(
        whats
            .iter()
            .any(|w| w.starts_with("the JVM heap flag `-Xmx1536m`")),
        "{whats:?}"
    );
    let dns = causes
        .iter()
        .find(|c| c["rule"] == "netpol-blocks-dns")
        .expect("DNS cause");
    assert_eq!(
        dns["location"]["path"],
        "testdata/demo/snapshot/shop/networkpolicies.yaml"
    );
    assert!(
        dns["why"]
            .as_str()
            .unwrap()
            .contains("UnknownHostException")
    );
    let ranks: Vec<u64> = causes.iter().map(|c| c["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=causes.len() as u64).collect::<Vec<_>>());
    let scores: Vec<u64> = causes
        .iter()
        .map(|c| c["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Evidence: Events with count and first/last seen, and the log lines.
    let evidence = pay["evidence"].as_array().unwrap();
    let unhealthy = evidence
        .iter()
        .find(|e| e["reason"] == "Unhealthy")
        .expect("Unhealthy events");
    assert_eq!(unhealthy["count"], 477);
    assert_eq!(unhealthy["objects"], 4);
    assert_eq!(unhealthy["firstSeen"], "2024-11-28T06:10:09Z");
    assert_eq!(unhealthy["lastSeen"], "2024-11-28T09:41:02Z");
    let oom_log = evidence
        .iter()
        .find(|e| e["kind"] == "log" && e["line"].as_str().unwrap().contains("OutOfMemoryError"))
        .expect("the OutOfMemoryError log line");
    assert_eq!(oom_log["location"]["line"], 15);
    // Commands that confirm each hypothesis.
    let commands = strs(&pay["commands"]);
    assert_eq!(
        commands[0],
        "kubectl -n shop describe deployment payment-service"
    );
    assert!(
        commands.iter().any(|c| c.contains("nslookup redis.cache")),
        "{commands:?}"
    );
    // The timeline is in time order.
    let times: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["firstSeen"].as_str().unwrap())
        .collect();
    assert!(!times.is_empty());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn check_on_the_snapshot_carries_the_same_causes() {
    let r = run_env(
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "testdata/demo/snapshot",
        ],
        None,
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let crash = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "pod-crash-looping")
        .expect("crash loop");
    let causes: Vec<&str> = crash["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str())
        .filter(|m| m.starts_with("suspected cause"))
        .collect();
    assert!(
        causes[0].starts_with("suspected cause 1 of ")
            && causes[0].contains("(finding `probe-liveness-kills-slow-start`)"),
        "{causes:?}"
    );
}

#[test]
fn markdown_and_human_reports() {
    let md = triage(&["--format", "markdown", "testdata/demo/snapshot"]);
    assert_eq!(md.code, 1);
    assert!(
        md.stdout.starts_with("# Incident triage\n"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("## 1. `Deployment/shop/payment-service` (error)")
    );
    assert!(
        md.stdout
            .contains("**Suspected causes** (most likely first)")
    );
    assert!(
        md.stdout
            .contains("| First seen | Last seen | Type | Reason | Count | Object | Message |")
    );
    let human = triage(&["testdata/demo/snapshot"]);
    assert!(
        human
            .stdout
            .contains("1. [error] Deployment/shop/payment-service")
    );
    assert!(
        human
            .stdout
            .contains("     $ kubectl -n shop describe deployment payment-service")
    );
}

#[test]
fn the_report_does_not_depend_on_the_thread_count() {
    let args = [
        "triage",
        "--no-config",
        "--format",
        "json",
        "testdata/demo/snapshot",
    ];
    let one = run_env(&args, Some("1"));
    let two = run_env(&args, Some("2"));
    assert_eq!(one.stdout, two.stdout);
    let md = [
        "triage",
        "--no-config",
        "--format",
        "markdown",
        "testdata/demo/snapshot",
    ];
    assert_eq!(
        run_env(&md, Some("1")).stdout,
        run_env(&md, Some("2")).stdout
    );
}

/// Copies the demo snapshot into a temporary folder, leaving out the files named in `skip`.
fn demo_copy_without(skip: &[&str]) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path, skip: &[&str]) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if skip.iter().any(|s| name == *s) {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &to.join(&name), skip);
            } else {
                std::fs::copy(entry.path(), to.join(&name)).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(
        &root().join("testdata/demo/snapshot"),
        &dir.path().join("snapshot"),
        skip,
    );
    dir
}

#[test]
fn without_its_replicasets_the_snapshot_still_folds_per_workload() {
    // A dump without replicasets.json: the pods' owners (ReplicaSets) are missing, so pods are
    // grouped by their owner's name and `pod-template-hash` under the Deployment.
    let dir = demo_copy_without(&["replicasets.json"]);
    let snapshot = dir.path().join("snapshot");
    let snapshot = snapshot.to_str().unwrap();
    let (code, v) = triage_json(&[snapshot]);
    assert_eq!(code, 1);
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(
        subjects(problems),
        DEMO_PROBLEMS,
        "one problem per workload, as with the ReplicaSets"
    );
    assert_eq!(problems[0]["podsAffected"], 4);
    assert_eq!(
        problems[0]["causes"][0]["rule"],
        "probe-liveness-kills-slow-start"
    );
    // `check` reports the probe on the Deployment, once, not again on each of its pods.
    let r = run_env(
        &["check", "--no-config", "--format", "json", snapshot],
        None,
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let probe: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "probe-liveness-kills-slow-start")
        .map(|d| {
            format!(
                "{}/{}",
                d["object"]["kind"].as_str().unwrap(),
                d["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(probe, ["Deployment/payment-service"], "{}", r.stdout);
}

#[test]
fn a_healthy_snapshot_has_no_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.yaml");
    std::fs::write(
        &path,
        r#"apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: api-1, namespace: shop, labels: {app: api}}
    spec:
      containers: [{name: app, image: registry.example.com/api:1.0}]
    status:
      phase: Running
      conditions: [{type: Ready, status: "True"}]
      containerStatuses:
        - {name: app, ready: true, restartCount: 0, state: {running: {startedAt: "2024-05-01T11:59:00Z"}}}
"#,
    )
    .unwrap();
    let r = triage(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No problem found"), "{}", r.stdout);
}

#[test]
fn unreadable_input_exits_2_and_the_rest_is_still_reported() {
    let r = triage(&["testdata/demo/snapshot", "does/not/exist.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("Deployment/shop/payment-service"));
    assert!(
        r.stdout.contains(
            "input problems (the report may miss what they hide):\n  - input-unreadable: "
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn with_manifests_the_causes_point_at_the_lines_in_git() {
    // `--manifests testdata/demo` also holds the snapshot directory: those files are the
    // snapshot, not manifests.
    let (code, v) = triage_json(&["testdata/demo/snapshot", "--manifests", "testdata/demo"]);
    assert_eq!(code, 1);
    let pay = &v["problems"][0];
    assert_eq!(pay["subject"], "Deployment/shop/payment-service");
    let cause = |what: &str| -> &Value {
        pay["causes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["what"].as_str().unwrap().starts_with(what))
            .unwrap_or_else(|| panic!("no cause `{what}` in {}", pay["causes"]))
    };
    let at = |c: &Value| {
        format!(
            "{}:{}",
            c["location"]["path"].as_str().unwrap(),
            c["location"]["line"]
        )
    };
    // payment-service.yaml: line 35 `memory: 2Gi`, line 27 the JAVA_OPTS value, line 40 the
    // liveness probe's initialDelaySeconds.
    let limit = cause("the memory limit `2Gi`");
    assert_eq!(at(limit), "testdata/demo/payment-service.yaml:35");
    assert_eq!(limit["object"], "Deployment/shop/payment-service");
    assert_eq!(
        limit["runningLocation"]["path"],
        "testdata/demo/snapshot/shop/pods.json"
    );
    assert_eq!(
        at(cause("the JVM heap flag")),
        "testdata/demo/payment-service.yaml:27"
    );
    // The probe is named once, by the finding about it (at its initialDelaySeconds), not again
    // as a cause of its own.
    assert_eq!(
        at(cause("the liveness probe kills")),
        "testdata/demo/payment-service.yaml:40"
    );
    assert!(
        pay["causes"].as_array().unwrap().iter().all(|c| !c["what"]
            .as_str()
            .unwrap()
            .starts_with("the liveness probe of")),
        "{}",
        pay["causes"]
    );
    // The NetworkPolicy is only in the snapshot: it stays there.
    assert_eq!(
        at(cause("NetworkPolicy `default-deny-all`")),
        "testdata/demo/snapshot/shop/networkpolicies.yaml:14"
    );
    // order-service.yaml repeats `containers:`; the kept one has no resources, so the memory
    // limit maps to the nearest field the manifest writes, and says so.
    let order = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "Deployment/shop/order-service")
        .unwrap();
    let limit = &order["causes"][0];
    assert_eq!(at(limit), "testdata/demo/order-service.yaml:29");
    assert!(
        limit["why"]
            .as_str()
            .unwrap()
            .contains("the manifest does not write this field"),
        "{limit}"
    );
}

#[test]
fn secrets_in_manifests_never_reach_the_report() {
    for format in ["human", "markdown", "json"] {
        let r = triage(&[
            "--format",
            format,
            "testdata/demo/snapshot",
            "--manifests",
            "testdata/demo",
        ]);
        assert_eq!(r.code, 1);
        // order-service.yaml's Secret repeats a key; its name and values stay hidden.
        assert!(r.stdout.contains("duplicate key `***`"), "{format}");
        for secret in ["s3cr3t", "password"] {
            assert!(!r.stdout.contains(secret), "{format} shows {secret}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every format on the demo, as snapshots (run from the repository root: paths are relative)

/// `faultline triage --format FORMAT testdata/demo/snapshot [--manifests testdata/demo]`.
fn demo_report(format: &str, manifests: bool) -> String {
    let mut args = vec!["--format", format, "testdata/demo/snapshot"];
    if manifests {
        args.extend(["--manifests", "testdata/demo"]);
    }
    let r = triage(&args);
    assert_eq!(r.code, 1, "{format}: {}", r.stderr);
    assert!(r.stderr.is_empty(), "{format}: {}", r.stderr);
    assert!(!r.stdout.contains("\x1b["), "{format}: colour in a pipe");
    let root = root();
    assert!(
        !r.stdout.contains(root.to_str().unwrap()),
        "{format}: an absolute path"
    );
    r.stdout
}

#[test]
fn demo_human_snapshot() {
    insta::assert_snapshot!("demo_human", demo_report("human", false));
}

#[test]
fn demo_markdown_snapshot() {
    insta::assert_snapshot!("demo_markdown", demo_report("markdown", false));
}

#[test]
fn demo_json_snapshot() {
    insta::assert_snapshot!("demo_json", demo_report("json", false));
}

#[test]
fn demo_with_manifests_human_snapshot() {
    insta::assert_snapshot!("demo_manifests_human", demo_report("human", true));
}

#[test]
fn demo_with_manifests_markdown_snapshot() {
    insta::assert_snapshot!("demo_manifests_markdown", demo_report("markdown", true));
}

#[test]
fn demo_with_manifests_json_snapshot() {
    insta::assert_snapshot!("demo_manifests_json", demo_report("json", true));
}
