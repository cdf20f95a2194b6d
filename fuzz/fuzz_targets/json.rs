//! The JSON front end on arbitrary input: `parse_json` on the text, `load_bytes` with a
//! `.json` name on the raw bytes, and a differential check against serde_json: whatever
//! serde_json reads as a stream of values, faultline must read too, with the same structure.
#![no_main]

use std::collections::HashSet;
use std::sync::Arc;

use faultline_fuzz::{check_loaded, check_parsed};
use faultline_syntax::{NodeKind, NodeRef, ProblemKind, json};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    check_loaded("f.json", data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source: Arc<str> = Arc::from(text);
    let parsed = json::parse_json(&source);
    check_parsed(text, &parsed);

    // serde_json's stream reader, whitespace-separated values; it rejects a BOM and lone
    // surrogates (which faultline accepts, as Go does), so only its acceptances are compared.
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect();
    let Ok(values) = values else {
        return;
    };
    assert!(
        parsed
            .problems
            .iter()
            .all(|p| p.kind != ProblemKind::Syntax),
        "serde_json accepts what faultline rejects: {:?}",
        parsed.problems
    );
    assert_eq!(values.len(), parsed.documents.len(), "number of values");
    for (value, doc) in values.iter().zip(&parsed.documents) {
        let root = doc.root().expect("a JSON document has a root");
        let mut seen = HashSet::new();
        same_value(value, root, &mut seen);
    }
});

fn same_value(value: &Value, node: NodeRef<'_>, seen: &mut HashSet<u32>) {
    assert!(seen.insert(node.id().0), "a JSON tree is a tree");
    match value {
        Value::Null => assert_eq!(node.kind(), NodeKind::Null),
        Value::Bool(b) => assert_eq!(node.as_bool(), Some(*b)),
        Value::Number(n) => {
            assert!(matches!(node.kind(), NodeKind::Int | NodeKind::Float));
            if let Some(i) = n.as_i64() {
                assert_eq!(node.kind(), NodeKind::Int, "{n}");
                assert_eq!(node.as_i64(), Some(i), "{n}");
            }
        }
        Value::String(s) => assert_eq!(node.as_str(), Some(s.as_str())),
        Value::Array(items) => {
            assert_eq!(node.kind(), NodeKind::Seq);
            assert_eq!(node.len(), items.len());
            for (v, n) in items.iter().zip(node.items()) {
                same_value(v, n, seen);
            }
        }
        Value::Object(map) => {
            assert_eq!(node.kind(), NodeKind::Map);
            // Duplicate keys: both keep the last value.
            assert_eq!(node.len(), map.len());
            for (k, v) in node.entries() {
                let key = k.as_str().expect("a JSON key is a string");
                same_value(&map[key], v, seen);
            }
        }
    }
}
