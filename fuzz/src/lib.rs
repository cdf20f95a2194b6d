//! Checks shared by the fuzz targets: what every parse result must satisfy whatever the input.

use std::collections::HashSet;

use faultline_syntax::{LineIndex, NodeId, NodeKind, NodeRef, ParsedText, TextRange};

/// Asserts that `range` lies inside `text` and starts and ends on character boundaries, so
/// that slicing the source with it (as renderers do) cannot panic.
pub fn assert_range(text: &str, range: TextRange, what: &str) {
    let (start, end) = (range.start as usize, range.end as usize);
    assert!(start <= end, "{what}: inverted range {range:?}");
    assert!(
        end <= text.len(),
        "{what}: range {range:?} beyond the text ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: range {range:?} splits a character"
    );
}

/// Walks every node of every document once (aliases make the tree a DAG, so nodes are
/// visited by id) and checks ranges and the read API; checks problem, comment and skipped
/// ranges too. Returns the number of nodes visited.
pub fn check_parsed(text: &str, parsed: &ParsedText) -> usize {
    let lines = LineIndex::new(text);
    let mut nodes = 0;
    for doc in &parsed.documents {
        assert_range(text, doc.range, "document");
        assert!(
            doc.tree.source().len() == text.len(),
            "a tree's source is the whole text"
        );
        if let Some(root) = doc.root() {
            let mut seen = HashSet::new();
            nodes += walk(text, root, &mut seen);
            let _ = root.descendant_at(doc.range.start);
            let _ = root.descendant_at(doc.range.end);
            let _ = root.field_range("metadata");
            let _ = root.path(&["metadata", "name"]);
        }
    }
    for p in &parsed.problems {
        if let Some(r) = p.range {
            assert_range(text, r, "problem");
            let _ = lines.line_col(text, r.start);
        }
        for (r, _) in &p.related {
            assert_range(text, *r, "related problem location");
        }
    }
    for r in &parsed.comments {
        assert_range(text, *r, "comment");
    }
    for r in &parsed.skipped {
        assert_range(text, *r, "skipped document");
    }
    nodes
}

fn walk(text: &str, root: NodeRef<'_>, seen: &mut HashSet<NodeId>) -> usize {
    let mut stack = vec![root];
    let mut count = 0;
    while let Some(node) = stack.pop() {
        if !seen.insert(node.id()) {
            continue;
        }
        count += 1;
        let range = node.range();
        assert_range(text, range, "node");
        let _ = (node.style(), node.len(), node.is_empty());
        match node.kind() {
            NodeKind::Seq => {
                assert!(node.scalar_text().is_none());
                stack.extend(node.items());
            }
            NodeKind::Map => {
                assert!(node.scalar_text().is_none());
                for (k, v) in node.entries() {
                    if let Some(key) = k.scalar_text() {
                        // Duplicates are reduced to one entry, so `get` finds a value.
                        assert!(node.get(key).is_some(), "get of an existing key");
                    }
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {
                assert!(node.scalar_text().is_some(), "a scalar has text");
                let _ = (node.as_str(), node.as_i64(), node.as_f64(), node.as_bool());
            }
        }
    }
    count
}

/// Loads `data` as a file named `name` through the loader's own checks (binary, encoding),
/// asserts that the parser did not panic, and checks what it parsed ([`check_parsed`]).
pub fn check_loaded(name: &str, data: &[u8]) {
    let loaded = faultline_syntax::load::load_bytes(vec![(name.into(), data.to_vec())]);
    assert!(
        loaded
            .errors
            .iter()
            .all(|e| e.kind != faultline_syntax::load::LoadErrorKind::Internal),
        "the parser panicked: {:?}",
        loaded.errors
    );
    for (file, parsed) in loaded.files.iter().zip(&loaded.parsed) {
        check_parsed(&file.text, parsed);
    }
}
