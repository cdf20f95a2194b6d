//! The layering of the rules crate: its framework files (`src/*.rs`) import each other without
//! a circle, and nothing here imports what comes after the engine (the chains and the triage
//! report of `faultline-triage`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file's text before its tests, with a line break at the end (parts are joined).
fn only_code(text: &str) -> String {
    let mut code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
    code.push('\n');
    code
}

/// What each file of `src/` names of the others (`crate::x`, or an item the crate root
/// re-exports from `x`), outside comments and tests.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reexported: BTreeMap<&str, &str> = [
        ("Context", "context"),
        ("Settings", "settings"),
        ("Rule", "engine"),
        ("Declared", "engine"),
        ("run", "engine"),
        ("Param", "params"),
        ("RuleMeta", "params"),
        ("Report", "sink"),
        ("Sink", "sink"),
        ("object_ref", "sink"),
    ]
    .into();
    let mut texts = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            texts
                .entry(name)
                .or_insert_with(String::new)
                .push_str(&only_code(&std::fs::read_to_string(&path).unwrap()));
        } else if path.is_dir() && path.file_name().is_some_and(|n| n != "rules") {
            // A module split into a folder (`schema.rs` + `schema/`, `admission_policy/mod.rs`)
            // is one file here: what its parts import, it imports.
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut parts: Vec<_> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect();
            parts.sort();
            let text = texts.entry(name).or_insert_with(String::new);
            for part in parts {
                text.push_str(&only_code(&std::fs::read_to_string(&part).unwrap()));
            }
        }
    }
    let modules: BTreeSet<String> = texts.keys().cloned().collect();
    let mut out = BTreeMap::new();
    for (name, text) in &texts {
        // `macros.rs` only holds macro text, expanded in the rule files.
        if name == "macros" {
            out.insert(name.clone(), BTreeSet::new());
            continue;
        }
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut deps = BTreeSet::new();
        let words = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        for word in words {
            let Some(rest) = word.strip_prefix("crate::") else {
                continue;
            };
            let first = rest.split("::").next().unwrap_or("");
            if modules.contains(first) && first != name {
                deps.insert(first.to_owned());
            }
            if let Some(m) = reexported.get(first)
                && *m != name
            {
                deps.insert((*m).to_owned());
            }
        }
        for group in code.split("use crate::{").skip(1) {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let first = item.trim().split("::").next().unwrap_or("");
                if modules.contains(first) && first != name {
                    deps.insert(first.to_owned());
                }
                if let Some(m) = reexported.get(first)
                    && *m != name
                {
                    deps.insert((*m).to_owned());
                }
            }
        }
        out.insert(name.clone(), deps);
    }
    out
}

#[test]
fn the_framework_files_import_each_other_without_a_circle() {
    let graph = imports();
    // Remove files that import nothing left, until nothing can be removed.
    let mut left: BTreeMap<String, BTreeSet<String>> = graph.clone();
    loop {
        let leaves: Vec<String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(n, _)| n.clone())
            .collect();
        if leaves.is_empty() {
            break;
        }
        for n in leaves {
            left.remove(&n);
        }
    }
    assert!(left.is_empty(), "files in an import circle: {left:#?}");
    // The check sees real imports: the engine uses the sink and the context.
    assert!(graph["engine"].contains("sink") && graph["engine"].contains("context"));
}

#[test]
fn nothing_here_imports_the_chains_or_the_report() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(
                    !text.contains("faultline_triage"),
                    "{} imports faultline-triage",
                    path.display()
                );
            }
        }
    }
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("faultline-triage"));
}
