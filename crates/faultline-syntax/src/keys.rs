//! Mapping keys as Kubernetes' decoder sees them, shared by the YAML and JSON front ends.
//!
//! go-yaml v2 (and `encoding/json`) decode a mapping in order into a Go map: a later key
//! overwrites an earlier one. faultline keeps that value in the first key's position and
//! reports the repetition.

use std::collections::{HashMap, HashSet};

use crate::problem::{Problem, ProblemKind};
use crate::tree::{NodeId, Tree};

/// Maps with more pairs than this are checked for duplicate keys through a hash set.
const SMALL_MAP: usize = 16;

fn key_text(tree: &Tree, key: NodeId) -> Option<&str> {
    tree.node(key).scalar_text()
}

/// Whether any two keys of `pairs` (key, value, key, value, …) have the same text. Cheap, and
/// allocation-free for small maps: the common case needs no rebuilding at all.
pub(crate) fn has_duplicate_key(tree: &Tree, pairs: &[NodeId]) -> bool {
    let n = pairs.len() / 2;
    let key = |i: usize| key_text(tree, pairs[2 * i]);
    if n <= SMALL_MAP {
        (1..n).any(|i| key(i).is_some() && (0..i).any(|j| key(j) == key(i)))
    } else {
        let mut seen = HashSet::with_capacity(n);
        (0..n).filter_map(key).any(|k| !seen.insert(k))
    }
}

struct Entry {
    key: NodeId,
    value: NodeId,
    /// Written in this mapping, as opposed to merged in through `<<`.
    explicit: bool,
}

/// A mapping being rebuilt in decoding order.
pub(crate) struct Entries<'t> {
    tree: &'t Tree,
    entries: Vec<Entry>,
    index: HashMap<&'t str, usize>,
}

impl<'t> Entries<'t> {
    pub(crate) fn new(tree: &'t Tree, capacity: usize) -> Self {
        Self {
            tree,
            entries: Vec::with_capacity(capacity),
            index: HashMap::with_capacity(capacity),
        }
    }

    /// Sets `key` to `value` as the decoder would. Replacing an explicit key with another
    /// explicit key is a duplicate and is reported; a merged key is overridden silently.
    pub(crate) fn set(
        &mut self,
        key: NodeId,
        value: NodeId,
        explicit: bool,
        problems: &mut Vec<Problem>,
    ) {
        let entry = Entry {
            key,
            value,
            explicit,
        };
        let Some(text) = key_text(self.tree, key) else {
            // A non-scalar key never equals another.
            self.entries.push(entry);
            return;
        };
        let Some(&pos) = self.index.get(text) else {
            self.index.insert(text, self.entries.len());
            self.entries.push(entry);
            return;
        };
        if explicit && self.entries[pos].explicit {
            let mut p = Problem::at(
                ProblemKind::DuplicateKey,
                self.tree.node(key).range(),
                format!("duplicate key `{text}`; Kubernetes keeps only this last value"),
            );
            p.related.push((
                self.tree.node(self.entries[pos].key).range(),
                "first defined here".to_owned(),
            ));
            problems.push(p);
        }
        self.entries[pos] = entry;
    }

    pub(crate) fn into_pairs(self) -> Vec<NodeId> {
        self.entries
            .into_iter()
            .flat_map(|e| [e.key, e.value])
            .collect()
    }
}

/// Reduces duplicate keys of `pairs` to the last value, reporting each repetition.
pub(crate) fn dedupe(tree: &Tree, pairs: &[NodeId], problems: &mut Vec<Problem>) -> Vec<NodeId> {
    let mut entries = Entries::new(tree, pairs.len() / 2);
    for kv in pairs.chunks_exact(2) {
        entries.set(kv[0], kv[1], true, problems);
    }
    entries.into_pairs()
}
