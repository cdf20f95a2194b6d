//! The YAML front end on arbitrary input: `parse_yaml` on the text, the chunk-parallel parse
//! (with chunks as small as they go) against the sequential one, and `load_bytes` on the raw
//! bytes so that binary and encoding checks run first.
#![no_main]

use std::collections::HashSet;
use std::sync::Arc;

use faultline_fuzz::{check_loaded, check_parsed};
use faultline_syntax::chunk::{ChunkOptions, parse_yaml_sequential, parse_yaml_with};
use faultline_syntax::{NodeRef, ParsedText, yaml};
use libfuzzer_sys::fuzz_target;

/// Chunk every `kind: List`-shaped document, one item per chunk.
const TINY: ChunkOptions = ChunkOptions {
    min_document: 0,
    target_chunk: 1,
};

fuzz_target!(|data: &[u8]| {
    check_loaded("f.yaml", data);

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source: Arc<str> = Arc::from(text);
    let parsed = yaml::parse_yaml(&source);
    check_parsed(text, &parsed);
    let pieces = yaml::split_documents(text);
    for piece in &pieces {
        faultline_fuzz::assert_range(text, *piece, "piece");
    }

    let sequential = parse_yaml_sequential(&source);
    let (chunked, _) = parse_yaml_with(&source, TINY);
    assert_same(&chunked, &sequential);
});

/// Compares two trees node for node; each pair once, since aliases make them DAGs.
fn same_node(a: NodeRef<'_>, b: NodeRef<'_>) {
    let mut seen = HashSet::new();
    let mut stack = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
        if !seen.insert((a.id(), b.id())) {
            continue;
        }
        assert_eq!(a.kind(), b.kind(), "kind");
        assert_eq!(a.style(), b.style(), "style");
        assert_eq!(a.range(), b.range(), "range");
        assert_eq!(a.scalar_text(), b.scalar_text(), "text");
        assert_eq!(a.len(), b.len(), "length");
        stack.extend(a.items().zip(b.items()));
        for ((xk, xv), (yk, yv)) in a.entries().zip(b.entries()) {
            stack.push((xk, yk));
            stack.push((xv, yv));
        }
    }
}

/// The chunked parse must equal the sequential one (see `chunk.rs`).
fn assert_same(chunked: &ParsedText, sequential: &ParsedText) {
    assert_eq!(chunked.problems, sequential.problems, "problems");
    assert_eq!(chunked.comments, sequential.comments, "comments");
    assert_eq!(chunked.skipped, sequential.skipped, "skipped");
    assert_eq!(
        chunked.documents.len(),
        sequential.documents.len(),
        "documents"
    );
    for (a, b) in chunked.documents.iter().zip(&sequential.documents) {
        assert_eq!(a.range, b.range, "document range");
        assert_eq!(a.helm_source, b.helm_source, "helm source");
        assert_eq!(a.tree.node_count(), b.tree.node_count(), "node count");
        match (a.root(), b.root()) {
            (Some(x), Some(y)) => same_node(x, y),
            (x, y) => assert_eq!(x.is_some(), y.is_some(), "root"),
        }
    }
}
