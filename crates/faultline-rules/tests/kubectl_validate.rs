//! Oracle: kubectl-validate's testcases (`../shared/corpora/kubectl-validate/testcases`). Each
//! document of `manifests/*.yaml` opens with a comment holding the `Status` the API server
//! answers: `Success`, or `Failure` with its `causes` (`reason`, `field`). The CRDs of
//! `crds/` and `more-crds/` are read with every manifest, as kubectl-validate's test does.
//!
//! Every `Success` document must get no finding of the schema rules (nor of the other rules
//! that stand for an API server refusal: `api-unknown`, `duplicate-key`, `invalid-quantity`,
//! `unrendered-template`); every `Failure` must get, for each cause with a field, a finding
//! of the matching rule naming that field path, and nothing at other paths; a CRD validation
//! rule (`x-kubernetes-validations`) on the object's root has no field (`<nil>`): its finding
//! must quote the rule's message. Documents that depend on validation outside what faultline
//! checks would be listed in `OUTSIDE` with the reason (none are today: ObjectMeta's name and
//! label syntax and the CEL rules are checked, and scored).
//! Needs `../shared`: fails when `CI` is set and it is missing, skips otherwise.

#![allow(clippy::print_stderr)]

use std::path::Path;

use faultline_diagnostics::{Diagnostic, Severity};
use faultline_rules::Settings;
use faultline_rules::api_versions::KubeVersion;
use faultline_rules::testing::check_texts;

/// Documents (`file#index`) whose expectation the schemas cannot decide, and why.
const OUTSIDE: &[(&str, &str)] = &[];

/// The rules whose findings stand for an API server refusal.
const RULES: &[&str] = &[
    "schema-unknown-field",
    "schema-type-mismatch",
    "schema-required-missing",
    "schema-enum-invalid",
    "schema-format-invalid",
    "schema-duplicate-item",
    "api-unknown",
    "duplicate-key",
    "invalid-quantity",
    "unrendered-template",
    "schema-validation-rule",
];

/// The rules that may stand for an API server `reason`.
fn rules_for(reason: &str, message: &str) -> &'static [&'static str] {
    match reason {
        "FieldValueNotSupported" => &["schema-enum-invalid"],
        "FieldValueTypeInvalid" => &["schema-type-mismatch", "invalid-quantity"],
        "FieldValueRequired" => &["schema-required-missing"],
        "FieldValueDuplicate" => &["schema-duplicate-item"],
        "FieldValueInvalid" if message.contains("unknown field") => &["schema-unknown-field"],
        "FieldValueInvalid" => &[
            "schema-format-invalid",
            "invalid-quantity",
            "schema-validation-rule",
        ],
        _ => &[],
    }
}

/// One document of a testcase: its first and last line (1-based) and the expected status.
struct Doc {
    first: u32,
    last: u32,
    status: Option<serde_json::Value>,
}

/// The documents of `text` and the JSON status in the comment each opens with.
fn documents(text: &str) -> Vec<Doc> {
    let lines: Vec<&str> = text.lines().collect();
    let mut docs = Vec::new();
    let mut start = 0;
    for i in 0..=lines.len() {
        if i < lines.len() && lines[i] != "---" {
            continue;
        }
        let body = &lines[start..i];
        let mut json = String::new();
        let mut status = None;
        for l in body.iter().take_while(|l| l.starts_with('#')) {
            json.push_str(l.trim_start_matches('#'));
            json.push('\n');
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&json) {
                status = Some(v);
                break;
            }
        }
        if body
            .iter()
            .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            docs.push(Doc {
                first: start as u32 + 1,
                last: i as u32,
                status,
            });
        }
        start = i + 1;
    }
    docs
}

fn read_dir(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The texts in backticks in `message`.
fn quoted(message: &str) -> impl Iterator<Item = &str> {
    message.split('`').skip(1).step_by(2)
}

/// What is wrong with the findings of one document, or `None` when they match.
fn judge(doc: &Doc, found: &[&Diagnostic]) -> Option<String> {
    let status = doc.status.as_ref()?;
    let shown = || {
        found
            .iter()
            .map(|d| format!("{}: {}", d.rule, d.message))
            .collect::<Vec<_>>()
    };
    if status["status"] == "Success" {
        return (!found.is_empty()).then(|| format!("expected no finding, got {:?}", shown()));
    }
    let causes = status["details"]["causes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut unmatched = Vec::new();
    let mut claimed = vec![false; found.len()];
    let mut decided = 0;
    for cause in &causes {
        let reason = cause["reason"].as_str().unwrap_or("");
        let message = cause["message"].as_str().unwrap_or("");
        let field = cause["field"].as_str().unwrap_or("<nil>");
        // A validation rule on the object's root: the API server names no field; the finding
        // must quote the rule's message.
        let root_rule = reason == "FieldValueInvalid"
            && field == "<nil>"
            && !message.contains("must validate one and only one schema");
        let rules: &[&str] = match (reason, field) {
            _ if root_rule => &["schema-validation-rule"],
            // A `oneOf` summary beside the real cause.
            (_, "<nil>") if !reason.is_empty() => continue,
            ("", _) if message.contains("not found in") => &["api-unknown"],
            ("", _) if message.contains("already set in map") => &["duplicate-key"],
            ("", _) if message.contains("cannot unmarshal") => &["schema-type-mismatch"],
            _ => rules_for(reason, message),
        };
        // The API server reports a CRD's schema under its internal form's path.
        let field = field.replace(
            "spec.validation.openAPIV3Schema",
            "spec.versions[0].schema.openAPIV3Schema",
        );
        let path = format!("`{field}`");
        decided += 1;
        let detail = message.strip_prefix("Invalid value: ").unwrap_or(message);
        let names = |d: &Diagnostic| {
            (root_rule && d.message.starts_with("the ") && d.message.ends_with(detail))
                || reason.is_empty()
                || d.message.contains(&path)
                // `invalid-quantity` names the field below the container.
                || (d.rule == "invalid-quantity"
                    && quoted(&d.message).any(|q| field.ends_with(&format!(".{q}"))))
        };
        let hit = found
            .iter()
            .enumerate()
            .find(|(i, d)| !claimed[*i] && rules.contains(&d.rule) && names(d));
        match hit {
            Some((i, _)) => claimed[i] = true,
            // The API server lists a value of the wrong type twice (type, then enum); one
            // finding names the type and the supported values.
            None if reason == "FieldValueNotSupported"
                && found.iter().any(|d| {
                    d.rule == "schema-type-mismatch"
                        && names(d)
                        && d.help.contains("supported values")
                }) => {}
            None => unmatched.push(format!("{reason} {field}")),
        }
    }
    let extra: Vec<String> = found
        .iter()
        .zip(&claimed)
        .filter(|(_, c)| !**c)
        .map(|(d, _)| format!("{}: {}", d.rule, d.message))
        .collect();
    (decided == 0 || !unmatched.is_empty() || !extra.is_empty()).then(|| {
        format!("causes without a finding: {unmatched:?}; findings without a cause: {extra:?}")
    })
}

#[test]
fn kubectl_validate_testcases() {
    let Some(root) = faultline_testdata::corpus("kubectl-validate/testcases") else {
        return;
    };
    let crds: Vec<(String, String)> = [root.join("crds"), root.join("more-crds")]
        .iter()
        .flat_map(|d| read_dir(d))
        .collect();
    let settings = Settings {
        kube_version: KubeVersion::new(1, 35),
        ..Settings::default()
    };
    let (mut passed, mut total, mut outside) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, text) in read_dir(&root.join("manifests")) {
        let mut inputs: Vec<(&str, &str)> = vec![(name.as_str(), text.as_str())];
        inputs.extend(crds.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        let (files, diags) = check_texts(&inputs, &settings);
        for (i, doc) in documents(&text).iter().enumerate() {
            let Some(_) = doc.status else { continue };
            let key = format!("{name}#{i}");
            let found: Vec<&Diagnostic> = diags
                .iter()
                .filter(|d| d.location.file == files[0].id)
                .filter(|d| d.severity != Severity::Info && RULES.contains(&d.rule))
                .filter(|d| {
                    let line = d
                        .location
                        .range
                        .map_or(0, |r| files[0].line_col(r.start).line);
                    (doc.first..=doc.last).contains(&line)
                })
                .collect();
            total += 1;
            let verdict = judge(doc, &found);
            if let Some((_, why)) = OUTSIDE.iter().find(|(k, _)| *k == key) {
                // Outside the schemas: the verdict must say so (nothing found), or the list
                // is stale.
                assert!(
                    verdict.is_some(),
                    "{key} is listed as outside the schemas ({why}) but passes"
                );
                outside += 1;
                continue;
            }
            match verdict {
                None => passed += 1,
                Some(why) => failures.push(format!("{key}: {why}")),
            }
        }
    }
    eprintln!(
        "kubectl-validate testcases: {passed} of {total} documents as the API server says, {outside} outside the schemas"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed + outside, total);
    assert!(
        total >= 30,
        "only {total} documents with an expected status"
    );
}
