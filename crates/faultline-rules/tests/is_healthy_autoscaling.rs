//! Oracle: flanksource/is-healthy's HorizontalPodAutoscaler and DaemonSet files
//! (`../shared/corpora/is-healthy/pkg/health/testdata`, from Argo CD's health checks). Their
//! names say the health Argo CD gives them (`…-degraded`, `…-healthy`, `…-progressing`);
//! `hpa-not-scaling` and `daemonset-rollout-stuck` must report exactly the degraded ones, or
//! the difference is listed below with why ours is right.
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use faultline_rules::Settings;
use faultline_rules::testing::check_texts;

/// Files where our verdict differs from the name's, and why ours is right.
///
/// * `hpa-v1-healthy.yaml`: its annotation says `ScalingActive=False`,
///   `FailedGetResourceMetric` ("unable to fetch metrics from resource metrics API: the server
///   is currently unable to handle the request"): the autoscaler cannot compute a replica
///   count and does not scale. Argo CD calls it healthy only because it reads the conditions
///   in order and stops at the first `AbleToScale=True`.
const DIFFERENCES: &[&str] = &["hpa-v1-healthy.yaml"];

#[test]
fn autoscaler_and_daemonset_verdicts_agree_with_is_healthy() {
    let Some(root) = faultline_testdata::corpus("is-healthy") else {
        return;
    };
    let dir = root.join("pkg/health/testdata");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| (n.starts_with("hpa-") || n.starts_with("daemonset-")) && n.ends_with(".yaml"))
        .collect();
    names.push("Kubernetes/DaemonSet/healthy.yaml".to_owned());
    names.sort();
    let (mut compared, mut explained) = (0, 0);
    let mut used = vec![false; DIFFERENCES.len()];
    let mut failures = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let (_, diags) = check_texts(&[(name.as_str(), &text)], &Settings::default());
        let ours = diags
            .iter()
            .any(|d| matches!(d.rule, "hpa-not-scaling" | "daemonset-rollout-stuck"));
        let theirs = name.contains("degraded");
        compared += 1;
        if ours == theirs {
            continue;
        }
        match DIFFERENCES.iter().position(|d| d == name) {
            Some(i) => {
                used[i] = true;
                explained += 1;
            }
            None => failures.push(format!(
                "{name}: ours {}, is-healthy {}",
                if ours { "reported" } else { "not reported" },
                if theirs { "degraded" } else { "not degraded" }
            )),
        }
    }
    for (d, used) in DIFFERENCES.iter().zip(&used) {
        if !used {
            failures.push(format!("stale entry in DIFFERENCES: {d}"));
        }
    }
    eprintln!("is-healthy autoscaling: {compared} files compared, {explained} differ as explained");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 12, "only {compared} files compared");
}
