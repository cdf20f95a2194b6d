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
}

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
