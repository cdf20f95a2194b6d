#![allow(clippy::print_stderr)]
//! Conformance of the YAML front end against the yaml-test-suite
//! (`shared/corpora/yaml-test-suite`, see `shared/corpora/README.md`).
//!
//! For every case, through the public API only:
//! * inputs marked `error` must yield a `Syntax` (or `AliasBudget`) problem, never a panic;
//! * valid inputs must yield none, and their trees must match
//!   - `test.event`, exactly: structure, and every scalar's text (which is independent of how
//!     Kubernetes' YAML 1.1 resolver types it), after applying what go-yaml v2 does to a
//!     mapping (duplicate keys keep the last value in the first key's place; `<<` merges);
//!   - `in.json` when present (one JSON value per document), on structure and strings. Scalar
//!     typing differs on purpose (Kubernetes resolves `yes` to a bool, `0644` to 420): when
//!     the kinds differ, two numbers compare by value and anything else by text.
//!
//! Every case that does not conform must be listed in [`KNOWN_DEVIATIONS`] with its reason.
//! Set `YAML_TEST_SUITE_DIR` to use another copy of the suite; with `CI` set, a missing
//! corpus is a failure.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use faultline_syntax::yaml::parse_yaml;
use faultline_syntax::{NodeKind, NodeRef, ParsedText, ProblemKind, parse_json};

/// Cases that do not conform, each with the reason. Keep it short and honest: a parser bug
/// that fails many cases is fixed, not listed.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[
    // Invalid YAML that granit-parser accepts (no Syntax problem):
    (
        "9C9N",
        "granit-parser accepts flow-sequence lines indented less than their block mapping",
    ),
    (
        "QB6E",
        "granit-parser accepts quoted-scalar lines indented less than their block mapping",
    ),
    // Deliberate: faultline reads YAML as Kubernetes does. libyaml (and so go-yaml v2) skips a
    // tab as whitespace whenever `flow_level > 0`, even at the start of a line, where YAML 1.2
    // forbids it; real manifests rely on that (netpol-analyzer's acs-security-demos).
    (
        "Y79Y/003",
        "a tab starting a line inside a flow sequence: rejected by YAML 1.2, accepted by go-yaml",
    ),
    (
        "DK95/01",
        "granit-parser accepts a tab as indentation of a quoted-scalar continuation line",
    ),
];

#[test]
fn yaml_test_suite() {
    let Some(root) = corpus_dir() else { return };
    let started = Instant::now();
    let cases = find_cases(&root);
    assert!(
        cases.len() >= 350,
        "only {} cases under {}",
        cases.len(),
        root.display()
    );

    let known: HashMap<&str, &str> = KNOWN_DEVIATIONS.iter().copied().collect();
    let (mut passed, mut errors_rejected, mut json_compared) = (0, 0, 0);
    let mut deviations = Vec::new();
    let mut unexplained = Vec::new();
    let mut stale = Vec::new();
    for (id, dir) in &cases {
        let result = check_case(dir);
        match (&result, known.get(id.as_str())) {
            (Ok(stats), None) => {
                passed += 1;
                errors_rejected += usize::from(stats.error_case);
                json_compared += usize::from(stats.json_compared);
            }
            (Ok(_), Some(_)) => {
                passed += 1;
                stale.push(id.as_str());
            }
            (Err(why), Some(reason)) => deviations.push(format!("{id}: {reason}\n      ({why})")),
            (Err(why), None) => unexplained.push(format!("{id}: {why}")),
        }
    }
    let elapsed = started.elapsed();

    let mut summary = format!(
        "yaml-test-suite: {} cases in {elapsed:.2?}: {passed} pass ({errors_rejected} invalid inputs rejected, {json_compared} compared with in.json), {} known deviations, {} unexplained failures",
        cases.len(),
        deviations.len(),
        unexplained.len(),
    );
    for (title, list) in [
        ("known deviations", &deviations),
        ("UNEXPLAINED FAILURES", &unexplained),
    ] {
        if !list.is_empty() {
            let _ = write!(summary, "\n  {title}:");
            for line in list {
                let _ = write!(summary, "\n    {line}");
            }
        }
    }
    if !stale.is_empty() {
        let _ = write!(
            summary,
            "\n  now conforming, remove from KNOWN_DEVIATIONS: {}",
            stale.join(", ")
        );
    }
    eprintln!("{summary}");
    assert!(unexplained.is_empty(), "{summary}");
    assert!(
        elapsed.as_secs() < 5,
        "the suite must stay fast: {elapsed:.2?}"
    );
    let unknown: Vec<_> = KNOWN_DEVIATIONS
        .iter()
        .filter(|(id, _)| !cases.iter().any(|(c, _)| c == id))
        .collect();
    assert!(
        unknown.is_empty(),
        "KNOWN_DEVIATIONS names unknown cases: {unknown:?}"
    );
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("YAML_TEST_SUITE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => faultline_testdata::corpus("yaml-test-suite")?,
    };
    // Case folders hold an `in.yaml`, possibly one level down (`SM9W/00/in.yaml`).
    let has_cases = case_dirs(&dir).iter().any(|d| d.join("in.yaml").is_file());
    if !has_cases {
        faultline_testdata::missing(&format!("a yaml-test-suite under {}", dir.display()));
        return None;
    }
    Some(dir)
}

/// `(id, folder)` of every case, sorted; sub-cases (`SM9W/00`) have their own folder.
fn find_cases(root: &Path) -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for entry in case_dirs(root) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if entry.join("in.yaml").is_file() {
            cases.push((name, entry));
            continue;
        }
        for sub in case_dirs(&entry) {
            if sub.join("in.yaml").is_file() {
                let sub_name = sub.file_name().unwrap().to_string_lossy().into_owned();
                cases.push((format!("{name}/{sub_name}"), sub));
            }
        }
    }
    cases
}

/// The case folders in `dir`, sorted. Symbolic links are left out: the suite's `name/` and
/// `tags/` folders link to the cases by name and by tag, and would list them again under
/// other ids (where [`KNOWN_DEVIATIONS`] does not find them).
fn case_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[derive(Default)]
struct Stats {
    error_case: bool,
    json_compared: bool,
}

fn check_case(dir: &Path) -> Result<Stats, String> {
    let yaml = std::fs::read_to_string(dir.join("in.yaml")).map_err(|e| format!("in.yaml: {e}"))?;
    let source: Arc<str> = Arc::from(yaml);
    // A panic is a failure of this case, reported in the summary; keep its message quiet.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let parsed = catch_unwind(AssertUnwindSafe(|| parse_yaml(&source)));
    std::panic::set_hook(hook);
    let parsed = parsed.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("?");
        format!("parse_yaml panicked: {message}")
    })?;
    let rejection = parsed
        .problems
        .iter()
        .find(|p| matches!(p.kind, ProblemKind::Syntax | ProblemKind::AliasBudget));
    if dir.join("error").exists() {
        return match rejection {
            Some(_) => Ok(Stats {
                error_case: true,
                ..Stats::default()
            }),
            None => Err("invalid YAML accepted without a Syntax problem".to_owned()),
        };
    }
    if let Some(p) = rejection {
        let at = p.range.map(|r| r.start);
        return Err(format!("valid YAML rejected at {at:?}: {}", p.message));
    }

    let events =
        std::fs::read_to_string(dir.join("test.event")).map_err(|e| format!("test.event: {e}"))?;
    let expected = documents_from_events(&events)?;
    compare_documents(&parsed, expected.len(), |i, node| {
        compare_events(node, &expected[i], &mut String::new())
    })
    .map_err(|e| format!("test.event: {e}"))?;

    let mut stats = Stats::default();
    if let Ok(json) = std::fs::read_to_string(dir.join("in.json")) {
        let json_source: Arc<str> = Arc::from(json);
        let values = parse_json(&json_source);
        if let Some(p) = values.problems.first() {
            return Err(format!(
                "in.json: parse_json reported {:?}: {}",
                p.kind, p.message
            ));
        }
        compare_documents(&parsed, values.documents.len(), |i, node| {
            let value = values.documents[i]
                .root()
                .expect("a JSON document has a root");
            compare_json(node, value, &mut String::new())
        })
        .map_err(|e| format!("in.json: {e}"))?;
        stats.json_compared = true;
    }
    Ok(stats)
}

fn compare_documents(
    parsed: &ParsedText,
    expected: usize,
    mut compare: impl FnMut(usize, Option<NodeRef<'_>>) -> Result<(), String>,
) -> Result<(), String> {
    if parsed.documents.len() != expected {
        return Err(format!(
            "{} documents, expected {expected}",
            parsed.documents.len()
        ));
    }
    for (i, doc) in parsed.documents.iter().enumerate() {
        compare(i, doc.root()).map_err(|e| format!("document {i}: {e}"))?;
    }
    Ok(())
}

fn mismatch<T>(path: &str, what: String) -> Result<T, String> {
    Err(format!("at `{path}`: {what}"))
}

// ---------------------------------------------------------------------------------------------
// test.event

/// A node of the expected event stream, with go-yaml v2's mapping semantics already applied.
#[derive(Clone, Debug)]
enum Ev {
    Scalar { text: String, plain: bool },
    Seq(Vec<Ev>),
    Map(Vec<(Ev, Ev)>),
}

struct Open {
    is_map: bool,
    anchor: Option<String>,
    children: Vec<Ev>,
}

/// The documents of a `test.event` stream (`None` for a document without content).
fn documents_from_events(text: &str) -> Result<Vec<Option<Ev>>, String> {
    let mut docs = Vec::new();
    let mut root: Option<Ev> = None;
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<String, Ev> = HashMap::new();
    for line in text.lines() {
        let (event, rest) = line.split_once(' ').unwrap_or((line, ""));
        let node = match event {
            "+STR" | "-STR" | "" => continue,
            "+DOC" => {
                root = None;
                anchors.clear();
                continue;
            }
            "-DOC" => {
                docs.push(root.take());
                continue;
            }
            "+MAP" | "+SEQ" => {
                let (anchor, _) = properties(rest);
                stack.push(Open {
                    is_map: event == "+MAP",
                    anchor,
                    children: Vec::new(),
                });
                continue;
            }
            "-MAP" | "-SEQ" => {
                let open = stack.pop().ok_or("unbalanced events")?;
                let node = if open.is_map {
                    let mut children = open.children.into_iter();
                    let mut pairs = Vec::new();
                    while let (Some(k), Some(v)) = (children.next(), children.next()) {
                        pairs.push((k, v));
                    }
                    Ev::Map(go_yaml_map(pairs))
                } else {
                    Ev::Seq(open.children)
                };
                if let Some(anchor) = open.anchor {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            "=VAL" => {
                let (anchor, value) = properties(rest);
                let mut chars = value.chars();
                let style = chars.next().ok_or_else(|| format!("bad event {line:?}"))?;
                let node = Ev::Scalar {
                    text: unescape(chars.as_str())?,
                    plain: style == ':',
                };
                if let Some(anchor) = anchor {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            "=ALI" => {
                let name = rest
                    .strip_prefix('*')
                    .ok_or_else(|| format!("bad event {line:?}"))?;
                anchors
                    .get(name)
                    .cloned()
                    .ok_or_else(|| format!("unknown anchor in test.event: {line:?}"))?
            }
            _ => return Err(format!("unknown event {line:?}")),
        };
        match stack.last_mut() {
            Some(open) => open.children.push(node),
            None => root = Some(node),
        }
    }
    Ok(docs)
}

/// Splits `{} &anchor <tag> :value` into the anchor and what follows the properties.
fn properties(mut rest: &str) -> (Option<String>, &str) {
    let mut anchor = None;
    loop {
        if let Some(r) = rest.strip_prefix("{}").or_else(|| rest.strip_prefix("[]")) {
            rest = r.trim_start_matches(' ');
        } else if let Some(r) = rest.strip_prefix('&') {
            let (name, r) = r.split_once(' ').unwrap_or((r, ""));
            anchor = Some(name.to_owned());
            rest = r;
        } else if rest.starts_with('<')
            && let Some(end) = rest.find('>')
        {
            rest = rest[end + 1..].trim_start_matches(' ');
        } else {
            return (anchor, rest);
        }
    }
}

fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('b') => '\u{8}',
            Some('0') => '\0',
            Some('\\') => '\\',
            other => return Err(format!("unknown escape \\{other:?} in test.event")),
        });
    }
    Ok(out)
}

fn scalar_key(ev: &Ev) -> Option<&str> {
    match ev {
        Ev::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// What go-yaml v2 (and our tree) makes of a mapping's pairs: a repeated key keeps its first
/// position and its last value; a plain `<<` merges a mapping (or a sequence of mappings, the
/// earlier winning) over the keys written before it. Keys compare by scalar text.
fn go_yaml_map(pairs: Vec<(Ev, Ev)>) -> Vec<(Ev, Ev)> {
    fn set(entries: &mut Vec<(Ev, Ev)>, key: Ev, value: Ev) {
        let pos = scalar_key(&key)
            .and_then(|t| entries.iter().position(|(k, _)| scalar_key(k) == Some(t)));
        match pos {
            Some(pos) => entries[pos] = (key, value),
            None => entries.push((key, value)),
        }
    }
    let mut entries = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let is_merge = matches!(&key, Ev::Scalar { text, plain: true } if text == "<<");
        if !is_merge {
            set(&mut entries, key, value);
            continue;
        }
        let sources = match value {
            Ev::Map(pairs) => vec![pairs],
            Ev::Seq(items) if items.iter().all(|i| matches!(i, Ev::Map(_))) => items
                .into_iter()
                .rev()
                .filter_map(|i| match i {
                    Ev::Map(pairs) => Some(pairs),
                    _ => None,
                })
                .collect(),
            // yaml.rs reports this as a syntax problem; a valid case never gets here.
            _ => Vec::new(),
        };
        for (k, v) in sources.into_iter().flatten() {
            set(&mut entries, k, v);
        }
    }
    entries
}

fn compare_events(
    node: Option<NodeRef<'_>>,
    expected: &Option<Ev>,
    path: &mut String,
) -> Result<(), String> {
    match (node, expected) {
        (None, None) => Ok(()),
        (Some(node), Some(ev)) => compare_event(node, ev, path),
        (None, Some(Ev::Scalar { text, .. })) if text.is_empty() => Ok(()),
        (Some(node), None) if node.scalar_text() == Some("") => Ok(()),
        (node, ev) => Err(format!(
            "at {path:?}: document root {node:?}, expected {ev:?}"
        )),
    }
}

fn compare_event(node: NodeRef<'_>, ev: &Ev, path: &mut String) -> Result<(), String> {
    match ev {
        Ev::Scalar { text, .. } => match node.scalar_text() {
            Some(t) if t == text => Ok(()),
            // granit-parser reports an empty node (`a:`) as a zero-width plain `~`.
            Some("~") if text.is_empty() && node.is_null() && node.range().is_empty() => Ok(()),
            Some(t) => mismatch(path, format!("scalar {t:?}, expected {text:?}")),
            None => mismatch(path, format!("{:?}, expected scalar {text:?}", node.kind())),
        },
        Ev::Seq(items) => {
            if !node.is_seq() || node.len() != items.len() {
                return mismatch(
                    path,
                    format!(
                        "{:?} of {}, expected a sequence of {}",
                        node.kind(),
                        node.len(),
                        items.len()
                    ),
                );
            }
            for (i, (n, e)) in node.items().zip(items).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                compare_event(n, e, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Ev::Map(pairs) => {
            if !node.is_map() || node.len() != pairs.len() {
                let keys: Vec<_> = node.entries().map(|(k, _)| k.scalar_text()).collect();
                let expected: Vec<_> = pairs.iter().map(|(k, _)| scalar_key(k)).collect();
                return mismatch(
                    path,
                    format!(
                        "{:?} with keys {keys:?}, expected a mapping with keys {expected:?}",
                        node.kind()
                    ),
                );
            }
            for ((k, v), (ek, ev)) in node.entries().zip(pairs) {
                let len = path.len();
                let _ = write!(path, ".{}", scalar_key(ek).unwrap_or("<complex key>"));
                compare_event(k, ek, path)?;
                compare_event(v, ev, path)?;
                path.truncate(len);
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// in.json

fn compare_json(
    node: Option<NodeRef<'_>>,
    json: NodeRef<'_>,
    path: &mut String,
) -> Result<(), String> {
    let Some(node) = node else {
        // An empty document is null.
        return match json.kind() {
            NodeKind::Null => Ok(()),
            _ => mismatch(path, format!("empty document, expected {}", describe(json))),
        };
    };
    match json.kind() {
        NodeKind::Map => {
            if !node.is_map() || node.len() != json.len() {
                let keys: Vec<_> = node.entries().map(|(k, _)| k.scalar_text()).collect();
                let expected: Vec<_> = json.entries().map(|(k, _)| k.scalar_text()).collect();
                return mismatch(
                    path,
                    format!(
                        "{:?} with keys {keys:?}, expected keys {expected:?}",
                        node.kind()
                    ),
                );
            }
            // JSON cannot express YAML's `<<` merges; no case of the suite uses one.
            for (jk, jv) in json.entries() {
                let key = jk.as_str().unwrap_or_default();
                let Some(value) = node.get(key) else {
                    let keys: Vec<_> = node.entries().map(|(k, _)| k.scalar_text()).collect();
                    return mismatch(path, format!("no key {key:?} among {keys:?}"));
                };
                let len = path.len();
                let _ = write!(path, ".{key}");
                compare_json(Some(value), jv, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        NodeKind::Seq => {
            if !node.is_seq() || node.len() != json.len() {
                return mismatch(
                    path,
                    format!(
                        "{:?} of {}, expected an array of {}",
                        node.kind(),
                        node.len(),
                        json.len()
                    ),
                );
            }
            for (i, (n, j)) in node.items().zip(json.items()).enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                compare_json(Some(n), j, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ if !node.is_scalar() => mismatch(
            path,
            format!("{:?}, expected {}", node.kind(), describe(json)),
        ),
        kind => {
            let numeric = |k| matches!(k, NodeKind::Int | NodeKind::Float);
            let same = if kind == node.kind() {
                match kind {
                    NodeKind::Null => true,
                    NodeKind::Bool => node.as_bool() == json.as_bool(),
                    NodeKind::Int if node.as_i64() == json.as_i64() => true,
                    _ => {
                        node.scalar_text() == json.scalar_text()
                            || node.as_f64() == json.as_f64() && node.as_f64().is_some()
                    }
                }
            } else if numeric(kind) && numeric(node.kind()) {
                node.as_f64() == json.as_f64()
            } else {
                // Typing differs (`yes` is a bool for Kubernetes, a string for YAML 1.2): the
                // text must still be the same.
                node.scalar_text() == json.scalar_text()
            };
            if same {
                Ok(())
            } else {
                mismatch(
                    path,
                    format!(
                        "{:?} {:?}, expected {}",
                        node.kind(),
                        node.scalar_text().unwrap_or_default(),
                        describe(json)
                    ),
                )
            }
        }
    }
}

fn describe(json: NodeRef<'_>) -> String {
    match json.scalar_text() {
        Some(t) => format!("{:?} {t:?}", json.kind()),
        None => format!("{:?} of {}", json.kind(), json.len()),
    }
}
