//! Our probe, resource and selector rules against the expectations of kube-linter, polaris and
//! kube-score on their own fixtures (`../shared/corpora`, read at test time, never copied; see
//! `shared/docs/oracles.md` §5). Every case must agree, or differ in a way listed in
//! [`DIFFERENCES`] with the reason our answer is the better one; every listed difference must
//! still occur, so the list cannot go stale.
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;

use faultline_diagnostics::Diagnostic;
use faultline_rules::Settings;
use faultline_rules::testing::check_texts;
use faultline_testdata::corpora;
use serde_json::Value;

/// Where our answer differs from a peer's, and why ours is right. `(suite, case, detail, why)`.
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "kube-linter",
        "liveness-port",
        "missing Deployment/fire-deployment-int",
        "the fixture puts every container in one pod, and port 8080 is declared by the sibling container `dont-fire-deployment`; containers of a pod share its network namespace, so the probe does reach a declared port (the pattern of sidecars that serve a pod's health port)",
    ),
    (
        "kube-linter",
        "readiness-port",
        "missing Deployment/fire-deployment-int",
        "the fixture puts every container in one pod, and port 8080 is declared by the sibling container `dont-fire-deployment`; containers of a pod share its network namespace, so the probe does reach a declared port (the pattern of sidecars that serve a pod's health port)",
    ),
    (
        "kube-linter",
        "readiness-port",
        "missing Deployment/fire-deployment-grpc",
        "the fixture puts every container in one pod, and port 8080 is declared by the sibling container `dont-fire-deployment-grpc`; containers of a pod share its network namespace, so the probe does reach a declared port (the pattern of sidecars that serve a pod's health port)",
    ),
    (
        "kube-linter",
        "startup-port",
        "missing Deployment/fire-deployment-int",
        "the fixture puts every container in one pod, and port 8080 is declared by the sibling container `dont-fire-deployment`; containers of a pod share its network namespace, so the probe does reach a declared port (the pattern of sidecars that serve a pod's health port)",
    ),
    (
        "kube-linter",
        "startup-port",
        "missing Deployment/fire-deployment-grpc",
        "the fixture puts every container in one pod, and port 8080 is declared by the sibling container `dont-fire-deployment-grpc`; containers of a pod share its network namespace, so the probe does reach a declared port (the pattern of sidecars that serve a pod's health port)",
    ),
    (
        "kube-linter",
        "no-liveness-probe",
        "missing DeploymentConfig/app2",
        "DeploymentConfig is OpenShift's (apps.openshift.io, deprecated since OpenShift 4.14); faultline models Kubernetes kinds only",
    ),
    (
        "kube-linter",
        "unset-cpu-requirements",
        "missing DeploymentConfig/app",
        "DeploymentConfig is OpenShift's; faultline models Kubernetes kinds only",
    ),
    (
        "kube-linter",
        "unset-memory-requirements",
        "missing DeploymentConfig/app",
        "DeploymentConfig is OpenShift's; faultline models Kubernetes kinds only",
    ),
    (
        "kube-linter",
        "mismatching-selector",
        "missing DeploymentConfig",
        "DeploymentConfig is OpenShift's; faultline models Kubernetes kinds only",
    ),
    (
        "kube-linter",
        "no-readiness-probe",
        "missing Deployment/app",
        "Deployment `app1` is behind no Service: readiness only decides whether a pod receives Service traffic, so faultline requires it only of containers that serve a Service (as kube-score does)",
    ),
    (
        "kube-linter",
        "no-readiness-probe",
        "missing DeploymentConfig/app",
        "DeploymentConfig is OpenShift's; faultline models Kubernetes kinds only",
    ),
    (
        "polaris",
        "readinessProbeMissing/failure.yaml",
        "expected a finding",
        "the Pod is behind no Service: readiness only gates Service traffic, so a probe would change nothing (kube-score agrees and grades such pods OK)",
    ),
    (
        "polaris",
        "cpuLimitsMissing/failure.yaml",
        "expected a finding",
        "faultline deliberately requires no CPU limit: it throttles a container even on an idle node, and the CPU request already sets its share under contention",
    ),
    (
        "kube-score",
        "Container Resources/pod-test-resources-limits-and-requests-no-cpu-limit.yaml",
        "expected a finding",
        "kube-score run with IgnoreContainerCpuLimitRequirement: false requires a CPU limit; faultline deliberately does not (see polaris cpuLimitsMissing)",
    ),
    (
        "kube-score",
        "Container Resources/pod-test-resources-only-limits.yaml",
        "expected a finding",
        "limits without requests: the API server defaults each request to its limit, so the scheduler reserves them and nothing is missing; kube-score warns anyway",
    ),
    (
        "kube-score",
        "Container Resources/deployment-test-resources.yaml",
        "expected a finding",
        "limits without requests default the requests (as above)",
    ),
    (
        "kube-score",
        "Container Resources/statefulset-test-resources.yaml",
        "expected a finding",
        "limits without requests default the requests (as above)",
    ),
];

/// The outcome of the comparisons.
#[derive(Default)]
struct Tally {
    agree: usize,
    /// `(suite, case, detail)` of every difference seen.
    differ: Vec<(String, String, String)>,
    /// Differences with no entry in [`DIFFERENCES`].
    undocumented: Vec<String>,
}

impl Tally {
    fn agree(&mut self) {
        self.agree += 1;
    }

    fn differ(&mut self, suite: &str, case: &str, detail: &str) {
        if DIFFERENCES
            .iter()
            .any(|(s, c, d, _)| *s == suite && *c == case && *d == detail)
        {
            self.differ
                .push((suite.to_owned(), case.to_owned(), detail.to_owned()));
        } else {
            self.undocumented.push(format!("{suite} {case}: {detail}"));
        }
    }
}

/// Runs only `rule` over `files`.
fn run(rule: &str, files: &[(String, String)]) -> Vec<Diagnostic> {
    let settings = Settings {
        only: Some([rule.to_owned()].into_iter().collect()),
        ..Settings::default()
    };
    let inputs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (_, diags) = check_texts(&inputs, &settings);
    diags.into_iter().filter(|d| d.rule == rule).collect()
}

fn read(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (
        path.file_name().unwrap().to_string_lossy().into_owned(),
        text,
    )
}

/// The name between the first pair of `open`/`close` in `s`.
fn between(s: &str, open: char, close: char) -> Option<&str> {
    let start = s.find(open)? + open.len_utf8();
    let end = start + s[start..].find(close)?;
    Some(&s[start..end])
}

/// What a kube-linter report or one of our findings is about: `Kind/container`, or `Kind` for
/// object-level checks.
fn subject(kind: &str, container: Option<&str>) -> String {
    match container {
        Some(c) => format!("{kind}/{c}"),
        None => kind.to_owned(),
    }
}

/// kube-linter check → our rule and the words our message must contain.
const KUBE_LINTER: &[(&str, &str, &str)] = &[
    ("liveness-port", "probe-port-not-exposed", "liveness probe"),
    (
        "readiness-port",
        "probe-port-not-exposed",
        "readiness probe",
    ),
    ("startup-port", "probe-port-not-exposed", "startup probe"),
    ("no-liveness-probe", "probe-liveness-missing", ""),
    ("no-readiness-probe", "probe-readiness-missing", ""),
    (
        "unset-cpu-requirements",
        "resources-requests-missing",
        "cpu request",
    ),
    (
        "unset-memory-requirements",
        "resources-memory-limit-missing",
        "",
    ),
    ("mismatching-selector", "workload-selector-mismatch", ""),
];

fn kube_linter(root: &Path, tally: &mut Tally) {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("kube-linter/INDEX_bats_expected.json")).unwrap(),
    )
    .unwrap();
    for (check, rule, words) in KUBE_LINTER {
        let test = index
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["test"] == *check)
            .unwrap_or_else(|| panic!("kube-linter test {check} not in the index"));
        let file = read(
            &root
                .join("kube-linter")
                .join(test["input"].as_str().unwrap()),
        );
        let object_level = *rule == "workload-selector-mismatch";
        let mut expected: BTreeMap<String, isize> = BTreeMap::new();
        for r in test["expected_reports"].as_array().unwrap() {
            let container = (!object_level)
                .then(|| between(r["message"].as_str().unwrap(), '"', '"'))
                .flatten();
            *expected
                .entry(subject(r["kind"].as_str().unwrap(), container))
                .or_default() += 1;
        }
        assert_eq!(
            expected.values().sum::<isize>(),
            test["expected_report_count"].as_i64().unwrap() as isize,
            "{check}: the index lists every report"
        );
        let mut ours: BTreeMap<String, isize> = BTreeMap::new();
        for d in run(rule, std::slice::from_ref(&file)) {
            if !d.message.contains(words) {
                continue;
            }
            let kind = d.object.as_ref().map_or("", |o| o.kind.as_str());
            let container = (!object_level)
                .then(|| {
                    d.message
                        .split_once("container ")
                        .and_then(|(_, rest)| between(rest, '`', '`'))
                })
                .flatten();
            *ours.entry(subject(kind, container)).or_default() += 1;
        }
        let keys: std::collections::BTreeSet<_> = expected.keys().chain(ours.keys()).collect();
        for key in keys {
            let want = expected.get(key).copied().unwrap_or(0);
            let got = ours.get(key).copied().unwrap_or(0);
            for _ in 0..want.min(got) {
                tally.agree();
            }
            for _ in got..want {
                tally.differ("kube-linter", check, &format!("missing {key}"));
            }
            for _ in want..got {
                tally.differ("kube-linter", check, &format!("extra {key}"));
            }
        }
    }
}

/// polaris check directory → our rule and the words our message must contain (`None`: we
/// have no such rule, so we never report).
const POLARIS: &[(&str, Option<(&str, &str)>)] = &[
    ("livenessProbeMissing", Some(("probe-liveness-missing", ""))),
    (
        "readinessProbeMissing",
        Some(("probe-readiness-missing", "")),
    ),
    (
        "cpuRequestsMissing",
        Some(("resources-requests-missing", "cpu request")),
    ),
    (
        "memoryRequestsMissing",
        Some(("resources-requests-missing", "memory request")),
    ),
    (
        "memoryLimitsMissing",
        Some(("resources-memory-limit-missing", "")),
    ),
    ("cpuLimitsMissing", None),
];

fn polaris(root: &Path, tally: &mut Tally) {
    for (check, ours) in POLARIS {
        let dir = root.join("polaris/test/checks").join(check);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("failure") || n.starts_with("success"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "{check}: no fixtures");
        for name in names {
            let file = read(&dir.join(&name));
            let fired = ours.is_some_and(|(rule, words)| {
                run(rule, std::slice::from_ref(&file))
                    .iter()
                    .any(|d| d.message.contains(words))
            });
            let want = name.starts_with("failure");
            compare(tally, "polaris", &format!("{check}/{name}"), want, fired);
        }
    }
}

fn compare(tally: &mut Tally, suite: &str, case: &str, want: bool, fired: bool) {
    match (want, fired) {
        (true, true) | (false, false) => tally.agree(),
        (true, false) => tally.differ(suite, case, "expected a finding"),
        (false, true) => tally.differ(suite, case, "expected none"),
    }
}

/// kube-score check → our rules (any finding of them is a failing grade).
const KUBE_SCORE: &[(&str, &[&str])] = &[
    ("Pod Probes Identical", &["probe-liveness-equals-readiness"]),
    ("Pod Probes", &["probe-readiness-missing"]),
    (
        "Container Resources",
        &[
            "resources-requests-missing",
            "resources-memory-limit-missing",
        ],
    ),
    (
        "StatefulSet Pod Selector labels match template metadata labels",
        &["workload-selector-mismatch"],
    ),
];

fn kube_score(root: &Path, tally: &mut Tally) {
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("kube-score/INDEX_expected_grades.json")).unwrap(),
    )
    .unwrap();
    for case in index.as_array().unwrap() {
        let check = case["check"].as_str().unwrap();
        let Some((_, rules)) = KUBE_SCORE.iter().find(|(c, _)| *c == check) else {
            continue;
        };
        let grade = case["expected_grade"].as_str().unwrap();
        let config = case["config"].as_str().unwrap_or("");
        let files: Vec<_> = case["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                read(
                    &root
                        .join("kube-score/score/testdata")
                        .join(f.as_str().unwrap()),
                )
            })
            .collect();
        // kube-score's switch for memory limits is our switch for the rule.
        let ignore_memory_limit = config.contains("IgnoreContainerMemoryLimitRequirement: true");
        let fired = rules
            .iter()
            .filter(|r| !(ignore_memory_limit && **r == "resources-memory-limit-missing"))
            .any(|r| !run(r, &files).is_empty());
        let want = match grade {
            "GradeCritical" | "GradeWarning" => true,
            "GradeAllOK" | "GradeAlmostOK" => false,
            other => panic!("{check}: unexpected grade {other}"),
        };
        let name = case["files"][0].as_str().unwrap();
        compare(tally, "kube-score", &format!("{check}/{name}"), want, fired);
    }
}

#[test]
fn peers_agree_or_differ_for_a_stated_reason() {
    let Some(root) = corpora() else { return };
    let mut tallies = Vec::new();
    for (suite, f) in [
        ("kube-linter", kube_linter as fn(&Path, &mut Tally)),
        ("polaris", polaris),
        ("kube-score", kube_score),
    ] {
        let mut tally = Tally::default();
        f(&root, &mut tally);
        tallies.push((suite, tally));
    }
    let mut problems = Vec::new();
    for (suite, tally) in &tallies {
        eprintln!(
            "{suite}: {} agree, {} differ (documented)",
            tally.agree,
            tally.differ.len()
        );
        problems.extend(
            tally
                .undocumented
                .iter()
                .map(|u| format!("undocumented difference: {u}")),
        );
    }
    for (suite, case, detail, why) in DIFFERENCES {
        let seen = tallies.iter().any(|(_, t)| {
            t.differ
                .iter()
                .any(|(s, c, d)| s == suite && c == case && d == detail)
        });
        if seen {
            eprintln!("  {suite} {case}: {detail} — {why}");
        } else {
            problems.push(format!(
                "listed difference no longer occurs: {suite} {case}: {detail}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
