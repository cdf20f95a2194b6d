//! CRD validation rules (`x-kubernetes-validations`) that name what the API server does not
//! declare for them: the CRD is refused once, at the rule (`schema-validation-rule-invalid`,
//! asserted with carets in `testdata/rules/schema-validation-rule-invalid/fail-undeclared.yaml`),
//! and its custom resources get no finding about that rule, neither an error nor an info
//! saying it cannot be evaluated.

use faultline_rules::Settings;
use faultline_rules::testing::check_texts;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn an_undeclared_name_is_reported_on_the_crd_once_and_not_on_each_resource() {
    let path = "testdata/rules/schema-validation-rule-invalid/fail-undeclared.yaml";
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let (_, diags) = check_texts(&[(path, &text)], &Settings::default());
    let invalid: Vec<&str> = diags
        .iter()
        .filter(|d| d.rule == "schema-validation-rule-invalid")
        .map(|d| d.message.as_str())
        .collect();
    for name in ["'frob'", "'selff'"] {
        let on_crd = invalid
            .iter()
            .filter(|m| m.contains(&format!("undeclared reference to {name}")))
            .count();
        assert!(
            on_crd >= 1,
            "{name} is not reported on the CRD: {invalid:#?}"
        );
    }
    // The rules that do not compile run on no object: nothing on either Thing quotes them.
    let on_things: Vec<String> = diags
        .iter()
        .filter(|d| d.object.as_ref().is_some_and(|o| o.kind == "Thing"))
        .map(|d| format!("{} {}", d.rule, d.message))
        .collect();
    assert!(
        on_things
            .iter()
            .all(|m| !m.contains("selff") && !m.contains("frob")),
        "{on_things:#?}"
    );
    // Both Things are there, and the rules that compile still run on them.
    assert!(
        on_things
            .iter()
            .any(|m| m.contains("name must start with g-")),
        "{on_things:#?}"
    );
}
