//! Oracle: flanksource/is-healthy's annotated objects (`../shared/corpora/is-healthy`, see
//! `shared/docs/oracles.md` §6). Each object says what status and health it expects; ours must
//! agree, or the difference is listed below with why ours is right.
//!
//! is-healthy judges against the wall clock: its fixtures write times as `@now-5m` and the
//! rest are years old. The test fixes "now" (`NOW`), rewrites the placeholders relative to it,
//! and classifies with that "now", as `faultline check --now` would.
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::sync::Arc;

use faultline_model::job::Job;
use faultline_model::pod_status::PodStatus;
use faultline_model::time::Timestamp;
use faultline_model::workload_status::{WorkloadStatus, node_health};
use faultline_model::{Inventory, ModelOptions};

const NOW: &str = "2026-03-19T12:00:00Z";

fn corpus() -> Option<PathBuf> {
    faultline_testdata::corpus("is-healthy")
}

/// Where our verdict differs from is-healthy's, and why ours is right:
/// `(file under testdata/Kubernetes, what, ours, theirs)`.
///
/// * Status vocabulary: ours is the STATUS column `kubectl get pods` prints; is-healthy has its
///   own words for the same states (`Starting` for `ContainerCreating`, `Failed` for a failed
///   pod's container reason, `RestartLoopBackOff` for a `CrashLoopBackOff` whose last exit was 0,
///   `TerminatingStalled` for a deletion stuck for an hour, the last termination reason
///   `OOMKilled` for a pod kubectl shows `Running`). kubectl's words are the ones an SRE
///   searches for; the health column carries the judgement.
/// * `pod-crashloop-pending`: the init container terminated with `Error`, which kubectl shows
///   as `Init:Error`; `PodInitializing` is only the waiting reason of the main container.
/// * `terminating-stuck`: the pod's phase is `Succeeded`, so kubectl (since 1.27) prints
///   `Completed`, not `Terminating`; our health is the same warning (stuck deletion).
/// * `pod-pending` (health): the pod has no init containers, `Initialized` and `PodScheduled`
///   are true and its only container waits with `PodInitializing`, which is a normal step
///   before a container is created, not a failure reason. It has been pending for 5 minutes
///   of the snapshot (`creationTimestamp` is as old as `startTime`); nothing in the status says
///   it failed, so we say unknown (in progress), as is-healthy itself does for the identical
///   `container-creating` fixture.
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "Pod/container-creating.yaml",
        "status",
        "ContainerCreating",
        "Starting",
    ),
    ("Pod/failed.yaml", "status", "Error", "Failed"),
    ("Pod/start-error.yaml", "status", "StartError", "Failed"),
    (
        "Pod/oomkilled-unhealthy.yaml",
        "status",
        "Running",
        "OOMKilled",
    ),
    (
        "Pod/oomkilled-warning.yaml",
        "status",
        "Running",
        "OOMKilled",
    ),
    (
        "Pod/unhealthy-restarting.yaml",
        "status",
        "CrashLoopBackOff",
        "RestartLoopBackOff",
    ),
    (
        "Pod/pod-crashloop-pending.yaml",
        "status",
        "Init:Error",
        "PodInitializing",
    ),
    (
        "Pod/terminating-stuck.yaml",
        "status",
        "Completed",
        "TerminatingStalled",
    ),
    ("Pod/pod-pending.yaml", "health", "unknown", "unhealthy"),
];

/// Replaces `@now`, `@now-5m`, `@now+10m`, `@now-1d` with RFC 3339 times relative to `now`.
fn fill_placeholders(text: &str, now: Timestamp) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("@now") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 4..];
        let mut offset = 0i64;
        let sign = match rest.as_bytes().first() {
            Some(b'-') => -1,
            Some(b'+') => 1,
            _ => 0,
        };
        if sign != 0 {
            let digits = rest[1..].chars().take_while(char::is_ascii_digit).count();
            let unit = rest[1 + digits..].chars().next();
            let scale = match unit {
                Some('s') => 1,
                Some('m') => 60,
                Some('h') => 3600,
                Some('d') => 86_400,
                _ => 0,
            };
            if digits > 0 && scale > 0 {
                offset = sign * rest[1..1 + digits].parse::<i64>().unwrap() * scale;
                rest = &rest[2 + digits..];
            }
        }
        out.push_str(&Timestamp::from_secs(now.secs + offset).to_string());
    }
    out.push_str(rest);
    out
}

#[test]
fn placeholders() {
    let now = Timestamp::parse(NOW).unwrap();
    assert_eq!(
        fill_placeholders("a: '@now-5m'\nb: \"@now\"\nc: @now+1d\n", now),
        "a: '2026-03-19T11:55:00Z'\nb: \"2026-03-19T12:00:00Z\"\nc: 2026-03-20T12:00:00Z\n"
    );
}

#[test]
fn statuses_and_health_agree_with_is_healthy() {
    let Some(root) = corpus() else { return };
    let now = Timestamp::parse(NOW).unwrap();
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("INDEX_expected_health.json")).unwrap(),
    )
    .unwrap();
    let (mut compared, mut agreed, mut explained) = (0, 0, 0);
    let mut used = vec![false; DIFFERENCES.len()];
    let mut failures = Vec::new();
    for entry in index.as_array().unwrap() {
        let kind = entry["kind"].as_str().unwrap();
        if !matches!(
            kind,
            "Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Node" | "Job"
        ) {
            continue;
        }
        let file = entry["file"].as_str().unwrap();
        let short = file.trim_start_matches("pkg/health/testdata/Kubernetes/");
        let text = fill_placeholders(&std::fs::read_to_string(root.join(file)).unwrap(), now);
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let inv = Inventory::build(&parsed, &ModelOptions::default());
        let name = entry["name"].as_str().unwrap();
        let obj = inv
            .objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
            .unwrap_or_else(|| panic!("{short}: no {kind} {name}"));
        let expected = &entry["expected"];
        let mut ours: Vec<(&str, String)> = Vec::new();
        if let Some(pod) = PodStatus::of(obj) {
            let c = pod.classify(Some(now));
            ours.push(("status", c.status));
            ours.push(("health", c.health.to_string()));
            let ready = pod.condition("Ready").is_some_and(|r| r.is_true());
            ours.push(("ready", ready.to_string()));
        } else if let Some(job) = Job::of(obj) {
            let (status, health) = job.health(Some(now));
            ours.push(("status", status));
            ours.push(("health", health.to_string()));
        } else if let Some(w) = WorkloadStatus::of(obj) {
            ours.push(("health", w.health().0.to_string()));
        } else if let Some((h, _)) = node_health(obj) {
            ours.push(("health", h.to_string()));
        }
        for (what, mine) in ours {
            let Some(theirs) = expected[what].as_str() else {
                continue;
            };
            // One annotation in the corpus carries a stray quote (`healthy"`).
            let theirs = theirs.trim_end_matches('"');
            compared += 1;
            if mine == theirs {
                agreed += 1;
                continue;
            }
            match DIFFERENCES
                .iter()
                .position(|d| *d == (short, what, mine.as_str(), theirs))
            {
                Some(i) => {
                    used[i] = true;
                    explained += 1;
                }
                None => failures.push(format!(
                    "{short}: {what}: ours `{mine}`, is-healthy `{theirs}`"
                )),
            }
        }
    }
    for (d, used) in DIFFERENCES.iter().zip(&used) {
        if !used {
            failures.push(format!("stale entry in DIFFERENCES: {d:?}"));
        }
    }
    eprintln!(
        "is-healthy: {compared} expectations compared, {agreed} agree, {explained} differ as explained"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 50, "only {compared} expectations compared");
}
