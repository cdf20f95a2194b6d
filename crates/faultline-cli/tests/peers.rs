//! Peer oracles for the relation rules: kube-linter's `dangling-*` and `pdb-*` checks,
//! kube-score's "Service Targets Pod", "Ingress targets Service" and HPA checks, and popeye's
//! PDB and HPA linters, run on their own fixtures from `../shared/corpora` (read at test time,
//! never copied; see `shared/docs/oracles.md` §5).
//!
//! Every case must agree, except the ones in `DIFFERENCES`, where faultline deliberately
//! differs and says why. The test prints the agreement numbers. Needs `../shared`: fails when
//! `CI` is set and it is missing, skips with a message otherwise.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::Path;

use faultline_rules::Settings;
use faultline_rules::testing::check_texts;
use faultline_testdata::corpora;
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `Kind/name` of every object our `rule` reports on (any severity) in `files`.
fn fired(root: &Path, files: &[String], rule: &str) -> BTreeSet<String> {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(root.join(f))
                .unwrap_or_else(|e| panic!("cannot read {f}: {e}"));
            (f.clone(), text)
        })
        .collect();
    let inputs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (_, diags) = check_texts(&inputs, &Settings::default());
    diags
        .iter()
        .filter(|d| d.rule == rule)
        .filter_map(|d| d.object.as_ref())
        .map(|o| format!("{}/{}", o.kind, o.name))
        .collect()
}

/// Cases where faultline disagrees with a peer on purpose: (source, case, object, why).
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[(
    "kube-linter",
    "pdb-min-available",
    "PodDisruptionBudget/baz",
    "Deployment `foo` has no pod template, which the API server rejects: it creates no pods, so no budget protects any. kube-linter matches the budget against the Deployment's `spec.selector`; faultline matches pods and templates only.",
)];

fn is_difference(source: &str, case: &str, object: &str) -> bool {
    DIFFERENCES
        .iter()
        .any(|(s, c, o, _)| *s == source && *c == case && *o == object)
        || SECURITY_DIFFERENCES
            .iter()
            .any(|(s, c, o, _)| *s == source && glob(c, case) && object.starts_with(o))
}

/// `*` anywhere in `pattern` stands for any text.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len()).any(|i| glob(tail, &text[head.len() + i..]))
        }
    }
}

/// Where the security rules of issue 12 differ from a peer on purpose: (source, case or `*`
/// for every case, object or object prefix, why).
const SECURITY_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "kube-linter",
        "*",
        "DeploymentConfig/",
        "OpenShift's DeploymentConfig (apps.openshift.io) is not a kind faultline reads pod templates from; its pods are not checked by any rule.",
    ),
    (
        "kube-linter",
        "run-as-non-root",
        "Deployment/group-zero",
        "`runAsGroup: 0` with `runAsUser: 1001` does not run as root: the user is not UID 0 and has only the group's file permissions. faultline reports root users (`runAsUser: 0`) and containers whose user the image decides.",
    ),
    (
        "kube-linter",
        "access-to-secrets",
        "RoleBinding/role-binding1",
        "the binding grants `get` on Secrets in its own namespace only; faultline reports Secret reads granted in every namespace (`rbac-secrets-read-cluster-wide`), not within one.",
    ),
    (
        "polaris",
        "pullPolicyNotAlways",
        "failure",
        "Polaris wants `imagePullPolicy: Always` for every image; for a version tag or digest `IfNotPresent` is right (and faster). faultline reports only a `latest` image pulled `IfNotPresent` or `Never`.",
    ),
    (
        "polaris",
        "*ClusterAdmin*",
        "failure",
        "every failing case binds the admin role to the User `testuser`; a named user with cluster-admin is the cluster's administrator. faultline reports ServiceAccounts and `system:authenticated`/`system:unauthenticated`/`system:serviceaccounts`/`system:anonymous` (the same roles bound to a ServiceAccount are in faultline's own fixtures).",
    ),
    (
        "kube-score",
        "pod-image-pullpolicy-undefined.yaml",
        "Pods",
        "kube-score wants `imagePullPolicy: Always`; a tagged image without the field is pulled `IfNotPresent` by default, which is right for a version tag.",
    ),
    (
        "kube-score",
        "pod-image-pullpolicy-never.yaml",
        "Pods",
        "the image is tagged, so `Never` runs the version named (if the node has it); faultline reports `Never` only with a `latest` image, where it freezes whatever build a node has.",
    ),
    (
        "kube-score",
        "pod-security-context-low-group-id.yaml",
        "Pods",
        "kube-score wants user and group ids above 10000 (to stay clear of host users); a low non-zero id is not root, and faultline reports root and unknown users only.",
    ),
    (
        "kube-score",
        "pod-security-context-low-user-id.yaml",
        "Pods",
        "the same: kube-score's threshold is 10000. This file's container sets `runAsUser: 0` in its pod context, reported by `container-runs-as-root`, not by `container-may-run-as-root`.",
    ),
];

#[derive(Default)]
struct Tally {
    /// Source → (cases that agree, cases that differ on purpose).
    by_source: std::collections::BTreeMap<&'static str, (usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    /// Compares the objects a peer reports with ours.
    /// Compares the objects a peer reports with ours; `clean` counts the covered objects
    /// neither side reports (agreements too).
    fn compare(
        &mut self,
        source: &'static str,
        case: &str,
        expected: &BTreeSet<String>,
        ours: &BTreeSet<String>,
        clean: usize,
    ) {
        let tally = self.by_source.entry(source).or_default();
        tally.0 += clean;
        for obj in expected.union(ours) {
            let (want, got) = (expected.contains(obj), ours.contains(obj));
            if want == got {
                tally.0 += 1;
            } else if is_difference(source, case, obj) {
                tally.1 += 1;
            } else {
                self.failures.push(format!(
                    "{source} {case}: {obj}: the peer {} it, faultline {}",
                    if want { "reports" } else { "does not report" },
                    if got { "does" } else { "does not" }
                ));
            }
        }
    }
}

/// kube-linter: each check's fixture, with the objects its messages name.
fn kube_linter(root: &Path, tally: &mut Tally) {
    let index = read_json(&root.join("kube-linter/INDEX_bats_expected.json"));
    // (kube-linter check, our rule, the objects its reports are about)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "dangling-service",
            "service-selects-no-pods",
            &["Service/app1", "Service/app2"],
        ),
        (
            "dangling-ingress",
            "ingress-backend-not-found",
            &["Ingress/missing-service", "Ingress/bad-port"],
        ),
        (
            "dangling-horizontalpodautoscaler",
            "hpa-target-not-found",
            &["HorizontalPodAutoscaler/hpa1"],
        ),
        (
            "pdb-max-unavailable",
            "pdb-blocks-eviction",
            &["PodDisruptionBudget/foo"],
        ),
        (
            "pdb-min-available",
            "pdb-blocks-eviction",
            &[
                "PodDisruptionBudget/baz",
                "PodDisruptionBudget/baz2",
                "PodDisruptionBudget/baz3",
            ],
        ),
    ];
    for (check, rule, objects) in cases {
        let test = index
            .as_array()
            .expect("a list of tests")
            .iter()
            .find(|t| t["test"] == *check)
            .unwrap_or_else(|| panic!("kube-linter test {check} in the index"));
        // The objects listed here must be what the index says: one per expected report.
        let count = test["expected_report_count"]
            .as_u64()
            .unwrap_or(test["expected_reports"].as_array().unwrap().len() as u64);
        assert_eq!(count as usize, objects.len(), "kube-linter {check}");
        let input = format!("kube-linter/{}", test["input"].as_str().unwrap());
        let ours = fired(root, &[input], rule);
        let expected = objects.iter().map(|s| (*s).to_owned()).collect();
        tally.compare("kube-linter", check, &expected, &ours, 0);
    }
}

/// kube-score: the grade of every object a check covers in a file.
fn kube_score(root: &Path, tally: &mut Tally) {
    let index = read_json(&root.join("kube-score/INDEX_expected_grades.json"));
    let checks: &[(&str, &str, &str)] = &[
        ("Service Targets Pod", "service-selects-no-pods", "Service"),
        (
            "Ingress targets Service",
            "ingress-backend-not-found",
            "Ingress",
        ),
        (
            "HorizontalPodAutoscaler has target",
            "hpa-target-not-found",
            "HorizontalPodAutoscaler",
        ),
        (
            "Deployment targeted by HPA does not have replicas configured",
            "hpa-replicas-invalid",
            "Deployment",
        ),
    ];
    let mut seen = BTreeSet::new();
    for a in index.as_array().expect("a list of assertions") {
        let Some((_, rule, kind)) = checks.iter().find(|(c, _, _)| a["check"] == *c) else {
            continue;
        };
        let files: Vec<String> = a["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("kube-score/score/testdata/{}", f.as_str().unwrap()))
            .collect();
        let case = a["files"][0].as_str().unwrap().to_owned();
        if !seen.insert((case.clone(), *rule)) {
            continue;
        }
        let grade = a["expected_grade"].as_str().unwrap();
        let critical = matches!(grade, "GradeCritical" | "GradeWarning");
        let ours = fired(root, &files, rule);
        // The grade is about every object of the kind the check covers in the file(s).
        let ours_any = ours.iter().any(|o| o.starts_with(&format!("{kind}/")));
        let expected: BTreeSet<String> = if critical {
            [format!("{kind}s in {case}")].into()
        } else {
            BTreeSet::new()
        };
        let got: BTreeSet<String> = if ours_any {
            [format!("{kind}s in {case}")].into()
        } else {
            BTreeSet::new()
        };
        let clean = usize::from(expected.is_empty() && got.is_empty());
        tally.compare("kube-score", &case, &expected, &got, clean);
    }
}

/// popeye: per-object issue codes of its PDB and HPA linters.
fn popeye(root: &Path, tally: &mut Tally) {
    let index = read_json(&root.join("popeye/INDEX_lint_expected.json"));
    let tests: &[(&str, &str, &str, &str)] = &[
        (
            "TestPDBLint",
            "[POP-900]",
            "pdb-selects-no-pods",
            "PodDisruptionBudget",
        ),
        (
            "TestHPALint",
            "[POP-600]",
            "hpa-target-not-found",
            "HorizontalPodAutoscaler",
        ),
    ];
    for (name, code, rule, kind) in tests {
        let test = index
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["test"] == *name)
            .unwrap_or_else(|| panic!("popeye test {name} in the index"));
        let files: Vec<String> = test["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("popeye/{}", f["path"].as_str().unwrap()))
            .collect();
        let object_name = |o: &Value| {
            let key = o["object"].as_str().unwrap();
            format!("{kind}/{}", key.rsplit('/').next().unwrap())
        };
        let expected: BTreeSet<String> = test["expected"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| {
                o["issues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["message"].as_str().is_some_and(|m| m.starts_with(code)))
            })
            .map(object_name)
            .collect();
        let covered: BTreeSet<String> = test["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(object_name)
            .collect();
        let ours: BTreeSet<String> = fired(root, &files, rule)
            .into_iter()
            .filter(|o| covered.contains(o))
            .collect();
        // Objects neither side reports agree too.
        let clean = covered
            .iter()
            .filter(|o| !expected.contains(*o) && !ours.contains(*o))
            .count();
        tally.compare("popeye", name, &expected, &ours, clean);
    }
}

#[test]
fn relation_rules_agree_with_peer_linters() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    kube_linter(&root, &mut tally);
    kube_score(&root, &mut tally);
    popeye(&root, &mut tally);
    for (source, (agree, differ)) in &tally.by_source {
        eprintln!("{source}: {agree} agree, {differ} differ on purpose (documented)");
    }
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    let agree: usize = tally.by_source.values().map(|t| t.0).sum();
    assert!(agree >= 40, "too few cases compared: {agree}");
}

/// kube-linter's security checks on their fixtures: (check, our rule, the objects its reports
/// are about, read from the fixture).
fn kube_linter_security(root: &Path, tally: &mut Tally) {
    let index = read_json(&root.join("kube-linter/INDEX_bats_expected.json"));
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "latest-tag",
            "image-tag-latest",
            &["Deployment/app", "DeploymentConfig/app"],
        ),
        (
            "docker-sock",
            "host-path-runtime-socket",
            &["Deployment/app", "DeploymentConfig/app"],
        ),
        (
            "sensitive-host-mounts",
            "host-path-sensitive",
            &["Deployment/app1", "DeploymentConfig/app2"],
        ),
        (
            "env-var-secret",
            "env-literal-credential",
            &["Deployment/app", "DeploymentConfig/app"],
        ),
        (
            "no-read-only-root-fs",
            "container-root-filesystem-writable",
            &["Deployment/app1", "DeploymentConfig/app2"],
        ),
        (
            "run-as-non-root",
            "container-may-run-as-root",
            &[
                "Deployment/app1",
                "DeploymentConfig/app2",
                "Deployment/group-zero",
                "DeploymentConfig/group-zero",
            ],
        ),
        (
            "cluster-admin-role-binding",
            "rbac-cluster-admin-binding",
            &["ClusterRoleBinding/role-binding1"],
        ),
        ("wildcard-in-rules", "rbac-wildcard", &["Role/role1"]),
        (
            "access-to-secrets",
            "rbac-secrets-read-cluster-wide",
            &["RoleBinding/role-binding1"],
        ),
    ];
    for (check, rule, objects) in cases {
        let test = index
            .as_array()
            .expect("a list of tests")
            .iter()
            .find(|t| t["test"] == *check)
            .unwrap_or_else(|| panic!("kube-linter test {check} in the index"));
        let count = test["expected_report_count"].as_u64().expect("a count");
        assert_eq!(count as usize, objects.len(), "kube-linter {check}");
        let input = format!("kube-linter/{}", test["input"].as_str().unwrap());
        let ours = fired(root, &[input], rule);
        let expected = objects.iter().map(|s| (*s).to_owned()).collect();
        tally.compare("kube-linter", check, &expected, &ours, 0);
    }
}

/// Polaris: in each check directory, every `failure*` file must fire our rule and every
/// `success*` file must not (`mutated*` files are Polaris' auto-fix results).
fn polaris_security(root: &Path, tally: &mut Tally) {
    let checks: &[(&str, &str)] = &[
        ("tagNotSpecified", "image-tag-latest"),
        ("pullPolicyNotAlways", "image-pull-policy-stale"),
        ("runAsRootAllowed", "container-may-run-as-root"),
        (
            "notReadOnlyRootFilesystem",
            "container-root-filesystem-writable",
        ),
        (
            "automountServiceAccountToken",
            "service-account-token-automounted",
        ),
        (
            "clusterrolebindingClusterAdmin",
            "rbac-cluster-admin-binding",
        ),
        (
            "rolebindingClusterAdminClusterRole",
            "rbac-cluster-admin-binding",
        ),
        ("rolebindingClusterAdminRole", "rbac-cluster-admin-binding"),
        ("sensitiveContainerEnvVar", "env-literal-credential"),
    ];
    for (dir, rule) in checks {
        let path = root.join("polaris/test/checks").join(dir);
        let mut files: Vec<String> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.starts_with("failure") || f.starts_with("success"))
            .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "polaris {dir} has fixtures");
        for file in files {
            let input = format!("polaris/test/checks/{dir}/{file}");
            let ours: BTreeSet<String> = if fired(root, &[input], rule).is_empty() {
                BTreeSet::new()
            } else {
                [file.clone()].into()
            };
            let expected: BTreeSet<String> = if file.starts_with("failure") {
                [file.clone()].into()
            } else {
                BTreeSet::new()
            };
            let clean = usize::from(expected.is_empty() && ours.is_empty());
            tally.compare("polaris", dir, &expected, &ours, clean);
        }
    }
}

/// kube-score: the grade of the Pod in each file a security check covers.
fn kube_score_security(root: &Path, tally: &mut Tally) {
    let index = read_json(&root.join("kube-score/INDEX_expected_grades.json"));
    let checks: &[(&str, &str)] = &[
        ("Container Image Tag", "image-tag-latest"),
        ("Container Image Pull Policy", "image-pull-policy-stale"),
        (
            "Container Security Context ReadOnlyRootFilesystem",
            "container-root-filesystem-writable",
        ),
        (
            "Container Security Context User Group ID",
            "container-may-run-as-root",
        ),
    ];
    let mut compared = 0;
    for a in index.as_array().expect("a list of assertions") {
        let Some((_, rule)) = checks.iter().find(|(c, _)| a["check"] == *c) else {
            continue;
        };
        let grade = a["expected_grade"].as_str().unwrap();
        if grade == "SKIPPED" {
            continue;
        }
        let case = a["files"][0].as_str().unwrap().to_owned();
        let files = vec![format!("kube-score/score/testdata/{case}")];
        let ours_any = !fired(root, &files, rule).is_empty();
        let bad = matches!(grade, "GradeCritical" | "GradeWarning");
        let label = || BTreeSet::from(["Pods".to_owned()]);
        let expected = if bad { label() } else { BTreeSet::new() };
        let got = if ours_any { label() } else { BTreeSet::new() };
        let clean = usize::from(expected.is_empty() && got.is_empty());
        tally.compare("kube-score", &case, &expected, &got, clean);
        compared += 1;
    }
    assert!(compared >= 12, "kube-score security assertions: {compared}");
}

#[test]
fn security_rules_agree_with_peer_linters() {
    let Some(root) = corpora() else { return };
    let mut tally = Tally::default();
    kube_linter_security(&root, &mut tally);
    polaris_security(&root, &mut tally);
    kube_score_security(&root, &mut tally);
    for (source, (agree, differ)) in &tally.by_source {
        eprintln!("security, {source}: {agree} agree, {differ} differ on purpose (documented)");
    }
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    let agree: usize = tally.by_source.values().map(|t| t.0).sum();
    assert!(agree >= 60, "too few cases compared: {agree}");
}
