//! The rule docs: examples run, generated pages are fresh, and every declaration is tidy.

use std::path::Path;

use faultline_rules::api_versions::KubeVersion;
use faultline_rules::docs::{clean_doc, examples, generate};
use faultline_rules::registry::input_unreadable::InputUnreadable;
use faultline_rules::registry::internal_error::InternalError;
use faultline_rules::testing::check_texts;
use faultline_rules::{Settings, registry};

/// Examples may start with `# faultline check --kube-version X` to set the target version.
fn settings_for(example: &str) -> Settings {
    let mut settings = Settings::default();
    if let Some(v) = example
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# faultline check --kube-version "))
    {
        settings.kube_version = KubeVersion::parse(v.trim()).expect("valid version in example");
    }
    settings
}

/// Rules no input can trigger on purpose, or that need bytes a Markdown block cannot hold.
const NOT_RUNNABLE: &[&str] = &[InternalError::ID, InputUnreadable::ID];

#[test]
fn doc_examples_fire_and_use_instead_passes() {
    let mut failures = Vec::new();
    for rule in registry::ALL {
        let id = rule.meta().info.id;
        if NOT_RUNNABLE.contains(&id) {
            continue;
        }
        let (fires, passes) = examples(rule.meta());
        if fires.is_empty() || passes.is_empty() {
            failures.push(format!(
                "{id}: the doc needs a firing example and a `Use instead:` example"
            ));
        }
        for ex in &fires {
            let (_, diags) = check_texts(&[("example.yaml", ex)], &settings_for(ex));
            if !diags.iter().any(|d| d.rule == id) {
                failures.push(format!("{id}: the example does not fire:\n{ex}"));
            }
        }
        for ex in &passes {
            let (_, diags) = check_texts(&[("example.yaml", ex)], &settings_for(ex));
            if let Some(d) = diags.iter().find(|d| d.rule == id) {
                failures.push(format!("{id}: `Use instead` fires: {}", d.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_docs_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut stale = Vec::new();
    let generated = generate();
    for (name, content) in &generated {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(on_disk) if on_disk == *content => {}
            _ => stale.push(name.clone()),
        }
    }
    for entry in std::fs::read_dir(&dir).expect("rules/ exists") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !generated.contains_key(&name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "rules/ is stale ({}); run `cargo run -p faultline-cli -- gen-docs rules`",
        stale.join(", ")
    );
}

#[test]
fn declarations_are_tidy() {
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules");
    for rule in registry::ALL {
        let info = rule.meta().info;
        let id = info.id;
        if !ids.insert(id) {
            problems.push(format!("{id}: duplicate id"));
        }
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problems.push(format!("{id}: ids are kebab-case"));
        }
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("src/rules/{}.rs", id.replace('-', "_")));
        if !file.exists() {
            problems.push(format!(
                "{id}: declared outside src/rules/{}.rs",
                id.replace('-', "_")
            ));
        }
        let s = info.summary;
        if s.is_empty() || s.starts_with(char::is_uppercase) || s.ends_with('.') {
            problems.push(format!(
                "{id}: summary starts lowercase and has no trailing period"
            ));
        }
        let doc = clean_doc(info.doc);
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Options",
        ] {
            if !doc.contains(section) {
                problems.push(format!("{id}: doc lacks `{section}`"));
            }
        }
        if !NOT_RUNNABLE.contains(&id) || id == InputUnreadable::ID {
            let dir = testdata.join(id);
            let has = |prefix: &str| {
                std::fs::read_dir(&dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
            };
            if !has("fail") || !has("pass") {
                problems.push(format!(
                    "{id}: needs testdata/rules/{id}/fail*.yaml and pass*.yaml"
                ));
            }
        }
    }
    for entry in std::fs::read_dir(&testdata)
        .expect("testdata/rules exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if registry::find(&name).is_none() {
            problems.push(format!("testdata/rules/{name}: no rule has this id"));
        }
    }
    let sources =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules")).unwrap();
    for entry in sources.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if text.contains("#[ignore]") {
            problems.push(format!("{}: no #[ignore]d tests", entry.path().display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
