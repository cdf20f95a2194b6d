//! Property tests of the JSON front end against serde_json as the oracle.

use std::sync::Arc;

use faultline_syntax::{NodeKind, NodeRef, ParsedText, ProblemKind, Style, parse_json};
use proptest::prelude::*;
use serde_json::Value;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z\"\\\\/\n\t\u{0}-\u{1f}\u{7f}é服😀]{0,8}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{0,3}", any::<String>(), "[\"\\\\\n\u{1}é😀]{1,3}"]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// How a value is written.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Compact,
    Pretty,
    /// Compact, with every non-ASCII character written as `\uXXXX` (surrogate pairs above U+FFFF).
    AsciiOnly,
}

fn write(v: &Value, layout: Layout) -> String {
    match layout {
        Layout::Compact => serde_json::to_string(v).unwrap(),
        Layout::Pretty => serde_json::to_string_pretty(v).unwrap(),
        Layout::AsciiOnly => {
            let mut out = String::new();
            // Outside strings JSON is ASCII, so only string contents are affected.
            for c in serde_json::to_string(v).unwrap().chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
            out
        }
    }
}

/// Checks that `node` is `v`, and that its range is exactly the text of `v`.
fn check(node: NodeRef<'_>, v: &Value, src: &str) -> Result<(), TestCaseError> {
    let r = node.range();
    let text = &src[r.start as usize..r.end as usize];
    let reparsed: Value = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("range {r:?} = {text:?}: {e}")))?;
    let expected: Value = serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap();
    prop_assert_eq!(&reparsed, &expected, "range {:?}", r);
    match v {
        Value::Null => prop_assert!(node.is_null()),
        Value::Bool(b) => prop_assert_eq!(node.as_bool(), Some(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                prop_assert_eq!(node.kind(), NodeKind::Int);
                prop_assert_eq!(node.as_i64(), Some(i));
            } else if let Some(u) = n.as_u64() {
                // Beyond i64: Kubernetes cannot decode it into an integer field either.
                prop_assert_eq!(node.kind(), NodeKind::Float);
                let text = u.to_string();
                prop_assert_eq!(node.scalar_text(), Some(text.as_str()));
            } else {
                prop_assert_eq!(node.kind(), NodeKind::Float);
                prop_assert_eq!(node.as_f64(), n.as_f64());
            }
        }
        Value::String(s) => {
            prop_assert_eq!(node.kind(), NodeKind::Str);
            prop_assert_eq!(node.as_str(), Some(s.as_str()));
        }
        Value::Array(items) => {
            prop_assert_eq!((node.kind(), node.style()), (NodeKind::Seq, Style::Flow));
            prop_assert_eq!(node.len(), items.len());
            for (n, v) in node.items().zip(items) {
                check(n, v, src)?;
            }
        }
        Value::Object(map) => {
            prop_assert_eq!((node.kind(), node.style()), (NodeKind::Map, Style::Flow));
            prop_assert_eq!(node.len(), map.len());
            for ((k, n), (key, v)) in node.entries().zip(map) {
                prop_assert_eq!(k.as_str(), Some(key.as_str()));
                prop_assert_eq!(k.style(), Style::Json);
                check(n, v, src)?;
            }
        }
    }
    if node.is_scalar() {
        prop_assert_eq!(node.style(), Style::Json);
    }
    Ok(())
}

fn parse(text: &str) -> (Arc<str>, ParsedText) {
    let src: Arc<str> = Arc::from(text);
    let parsed = parse_json(&src);
    (src, parsed)
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Compact),
        Just(Layout::Pretty),
        Just(Layout::AsciiOnly)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tree_matches_serde_json(values in prop::collection::vec(value(), 1..4), layout in layout()) {
        let text = values.iter().map(|v| write(v, layout)).collect::<Vec<_>>().join("\n");
        let (src, p) = parse(&text);
        prop_assert!(p.problems.is_empty(), "{:?}", p.problems);
        prop_assert_eq!(p.documents.len(), values.len());
        for (doc, v) in p.documents.iter().zip(&values) {
            let root = doc.root().unwrap();
            prop_assert_eq!(doc.range, root.range());
            check(root, v, &src)?;
        }
    }

    #[test]
    fn any_text_parses_without_panicking(text in any::<String>()) {
        let (src, p) = parse(&text);
        for problem in &p.problems {
            prop_assert!(problem.range.unwrap().end as usize <= src.len());
        }
        let syntax_ok = p.problems.iter().all(|q| q.kind != ProblemKind::Syntax);
        prop_assert_eq!(serde_json::from_str::<Value>(&text).is_ok(), syntax_ok && p.documents.len() == 1);
    }

    #[test]
    fn truncated_json_is_a_syntax_error(v in value(), cut in any::<prop::sample::Index>()) {
        let text = write(&v, Layout::Pretty);
        let mut at = cut.index(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let prefix = &text[..at];
        let (_, p) = parse(prefix);
        let serde_ok = serde_json::from_str::<Value>(prefix).is_ok();
        prop_assert_eq!(serde_ok, p.problems.is_empty() && p.documents.len() == 1, "{:?}", prefix);
        if !serde_ok && !prefix.trim().is_empty() {
            prop_assert!(p.problems.iter().any(|q| q.kind == ProblemKind::Syntax));
        }
    }
}
