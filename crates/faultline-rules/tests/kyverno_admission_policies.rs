//! Oracle: the Kyverno CLI's own ValidatingAdmissionPolicy test cases
//! (`../shared/corpora/kyverno/test/cli/test-validating-admission-policy`, 13 directories).
//! Each `kyverno-test.yaml` lists the policies, resources and params of a case, the
//! namespace labels (`values.yaml`, turned here into Namespace objects) and the expected
//! `pass`/`fail`/`skip` per resource; faultline's verdicts
//! (`admission_policy_violation::outcomes`) must agree: `skip` is no verdict (not matched, or
//! a false match condition), `pass` and `fail` are verdicts. The case that needs the requesting user (`userinfo:`, check-user-info) must come
//! out undecidable instead of Kyverno's `pass`, which it gets from a made-up user.
//!
//! Three directories have no `kyverno-test.yaml` (Kyverno runs them from its `apply` command
//! tests, one resource file at a time): each resource file is run alone with the policy, and
//! the expected verdicts are written below, each with why.
//!
//! Needs `../shared`: fails when `CI` is set and it is missing, skips with a message otherwise.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use faultline_rules::Settings;
use faultline_rules::admission_policy::Verdict;
use faultline_rules::testing::with_texts;
use faultline_syntax::NodeRef;
use faultline_syntax::yaml::parse_yaml;

/// (kind, name, policy) → the verdict, `None` when the policy did not apply.
type Verdicts = BTreeMap<(String, String, String), Option<Verdict>>;

fn run(inputs: &[(String, String)]) -> Verdicts {
    let texts: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (_, verdicts) = with_texts(&texts, &Settings::default(), |cx, _| {
        let mut out: Verdicts = BTreeMap::new();
        for o in faultline_rules::registry::admission_policy_violation::outcomes(cx)
            .iter()
            .filter(|o| !o.pods_of_template)
        {
            let obj = cx.inventory.get(o.object);
            let key = (obj.kind.to_owned(), obj.name.to_owned(), o.policy.clone());
            let slot = out.entry(key).or_insert(None);
            // Several bindings: a failure wins, then an undecidable one.
            *slot = Some(match (*slot, o.verdict) {
                (Some(Verdict::Fail), _) | (_, Verdict::Fail) => Verdict::Fail,
                (Some(Verdict::Undecidable), _) | (_, Verdict::Undecidable) => Verdict::Undecidable,
                _ => Verdict::Pass,
            });
        }
        out
    });
    verdicts
}

fn read(dir: &Path, name: &str) -> (String, String) {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (
        format!("{}/{name}", dir.file_name().unwrap().to_string_lossy()),
        text,
    )
}

fn strings(node: Option<NodeRef<'_>>) -> Vec<String> {
    node.into_iter()
        .flat_map(|n| n.items())
        .filter_map(|n| n.scalar_text().map(str::to_owned))
        .collect()
}

/// `values.yaml`'s `namespaceSelector` entries as Namespace objects.
fn namespaces(values: &str) -> String {
    let parsed = parse_yaml(&Arc::from(values));
    let root = parsed.documents[0].root().expect("values.yaml");
    let mut out = String::new();
    for ns in root
        .get("namespaceSelector")
        .into_iter()
        .flat_map(|n| n.items())
    {
        let name = ns.get("name").and_then(|n| n.as_str()).expect("a name");
        out.push_str(&format!(
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n"
        ));
        for (k, v) in ns.get("labels").into_iter().flat_map(|n| n.entries()) {
            let (k, v) = (k.scalar_text().unwrap(), v.scalar_text().unwrap());
            out.push_str(&format!("    {k}: {v}\n"));
        }
    }
    out
}

/// What a `kyverno-test.yaml` result expects of faultline.
fn expected(result: &str, needs_user: bool) -> Option<Verdict> {
    match (result, needs_user) {
        (_, true) => Some(Verdict::Undecidable),
        ("pass", _) => Some(Verdict::Pass),
        ("fail", _) => Some(Verdict::Fail),
        ("skip", _) => None,
        (other, _) => panic!("unknown result {other}"),
    }
}

#[test]
fn agrees_with_kyverno_on_its_validating_admission_policy_cases() {
    let Some(root) = faultline_testdata::corpus("kyverno") else {
        return;
    };
    let root = root.join("test/cli/test-validating-admission-policy");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("the cases")
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 13, "the 13 cases of Kyverno's CLI tests");
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for dir in &dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let test = dir.join("kyverno-test.yaml");
        if !test.exists() {
            // No kyverno-test.yaml: one run per resource file, the verdict written here.
            let (policy, fail_file, pass_file) = match case.as_str() {
                // replicas 3 vs `object.spec.replicas <= 2`; deployment1 has 2.
                "check-deployments-replica" => (
                    "check-deployment-replicas",
                    "deployment2.yaml",
                    "deployment1.yaml",
                ),
                // deployment2 is labelled env=testing, the policy wants env=prod.
                "check-deployment-labels" => (
                    "check-deployment-labels",
                    "deployment2.yaml",
                    "deployment1.yaml",
                ),
                // pod2 mounts a hostPath volume; pod1 an emptyDir.
                "disallow-host-path" => ("disallow-host-path", "pod2.yaml", "pod1.yaml"),
                other => {
                    panic!("{other}: a case without kyverno-test.yaml this test does not know")
                }
            };
            for (file, want) in [(fail_file, Verdict::Fail), (pass_file, Verdict::Pass)] {
                let verdicts = run(&[read(dir, "policy.yaml"), read(dir, file)]);
                let got: Vec<_> = verdicts
                    .iter()
                    .filter(|((_, _, p), _)| p == policy)
                    .map(|(_, v)| *v)
                    .collect();
                compared += 1;
                if got != [Some(want)] {
                    disagreements.push(format!("{case}/{file}: want {want:?}, got {got:?}"));
                }
            }
            continue;
        }
        let text = std::fs::read_to_string(&test).unwrap();
        let parsed = parse_yaml(&Arc::from(text.as_str()));
        let spec = parsed.documents[0].root().expect("kyverno-test.yaml");
        let mut inputs = Vec::new();
        for key in ["policies", "resources", "paramResources"] {
            for f in strings(spec.get(key)) {
                inputs.push(read(dir, &f));
            }
        }
        if let Some(values) = spec.get("variables").and_then(|n| n.as_str()) {
            let (_, v) = read(dir, values);
            inputs.push((format!("{case}/namespaces.yaml"), namespaces(&v)));
        }
        let needs_user = spec.get("userinfo").is_some();
        let verdicts = run(&inputs);
        for r in spec.get("results").into_iter().flat_map(|n| n.items()) {
            let get = |k: &str| r.get(k).and_then(|n| n.as_str()).unwrap().to_owned();
            let (policy, kind, result) = (get("policy"), get("kind"), get("result"));
            for name in strings(r.get("resources")) {
                let want = expected(&result, needs_user);
                let got = verdicts
                    .get(&(kind.clone(), name.clone(), policy.clone()))
                    .copied()
                    .flatten();
                compared += 1;
                if got != want {
                    disagreements.push(format!(
                        "{case}: {kind}/{name} under {policy}: Kyverno {result}, want {want:?}, got {got:?}"
                    ));
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {compared} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert_eq!(compared, 34, "every expected result of the 13 cases");
}
