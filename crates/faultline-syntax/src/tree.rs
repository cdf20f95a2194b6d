//! The compact spanned tree shared by the YAML and JSON front ends.
//!
//! One [`Tree`] holds one document. Nodes are 20 bytes; scalar text is borrowed from the source
//! (an `Arc<str>` shared by every document of a file) whenever it appears there verbatim, and
//! only escaped or folded scalars are copied into the tree's own buffer. Aliases are stored as a
//! second reference to the anchored node, so the tree is a DAG and never expands an alias.

use std::sync::Arc;

use crate::resolve;
use crate::text::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// What a node is after Kubernetes scalar resolution (go-yaml v2 rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Seq,
    Map,
}

/// How a scalar was written. Quoted `"8080"` is a string where plain `8080` is an integer, and
/// rules that explain such surprises need to know which one the author wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// A JSON string, number or literal.
    Json,
    /// A block collection.
    Block,
    /// A flow (`[..]`, `{..}`) or JSON collection.
    Flow,
}

const OWNED: u8 = 1;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    kind: NodeKind,
    style: Style,
    flags: u8,
    start: u32,
    end: u32,
    /// Scalars: offset of the text (into the source, or the owned buffer when `OWNED`).
    /// Collections: first index into `children`.
    a: u32,
    /// Scalars: text length. Seq: item count. Map: pair count.
    b: u32,
}

/// A node taken off the end of a tree by [`Tree::pop_last`].
#[derive(Debug)]
pub(crate) struct Popped {
    pub(crate) kind: NodeKind,
    pub(crate) style: Style,
    pub(crate) range: TextRange,
    /// A collection's children (a map's keys and values alternate); empty for a scalar.
    pub(crate) children: Vec<NodeId>,
}

/// One document's nodes.
#[derive(Clone, Debug)]
pub struct Tree {
    source: Arc<str>,
    nodes: Vec<Node>,
    children: Vec<NodeId>,
    owned: String,
}

impl Tree {
    pub(crate) fn new(source: Arc<str>) -> Self {
        Self {
            source,
            nodes: Vec::new(),
            children: Vec::new(),
            owned: String::new(),
        }
    }

    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef { tree: self, id }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn source(&self) -> &Arc<str> {
        &self.source
    }

    /// Adds a scalar whose text is `text`. When `text` is a slice of the source it is stored as
    /// an offset; otherwise it is copied.
    pub(crate) fn push_scalar(
        &mut self,
        kind: NodeKind,
        style: Style,
        range: TextRange,
        text: &str,
        borrowed_at: Option<u32>,
    ) -> NodeId {
        let (flags, a) = match borrowed_at {
            Some(at) => (0, at),
            None => {
                let at = self.owned.len() as u32;
                self.owned.push_str(text);
                (OWNED, at)
            }
        };
        self.push(Node {
            kind,
            style,
            flags,
            start: range.start,
            end: range.end,
            a,
            b: text.len() as u32,
        })
    }

    pub(crate) fn push_collection(
        &mut self,
        kind: NodeKind,
        style: Style,
        range: TextRange,
        children: &[NodeId],
    ) -> NodeId {
        let a = self.children.len() as u32;
        self.children.extend_from_slice(children);
        let b = match kind {
            NodeKind::Map => children.len() as u32 / 2,
            _ => children.len() as u32,
        };
        self.push(Node {
            kind,
            style,
            flags: 0,
            start: range.start,
            end: range.end,
            a,
            b,
        })
    }

    fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node);
        id
    }

    /// Appends every node of `other` (which must share this tree's source), returning the
    /// offset to add to `other`'s node ids. Used to stitch chunk-parsed pieces together.
    pub(crate) fn absorb(&mut self, other: Tree) -> u32 {
        let node_base = self.nodes.len() as u32;
        let child_base = self.children.len() as u32;
        let owned_base = self.owned.len() as u32;
        self.owned.push_str(&other.owned);
        self.children
            .extend(other.children.iter().map(|c| NodeId(c.0 + node_base)));
        self.nodes.extend(other.nodes.iter().map(|n| {
            let mut n = *n;
            match n.kind {
                NodeKind::Seq | NodeKind::Map => n.a += child_base,
                _ if n.flags & OWNED != 0 => n.a += owned_base,
                _ => {}
            }
            n
        }));
        node_base
    }

    /// Removes the node pushed last, with its children list (or owned text), which must be the
    /// last entries of their buffers; `None` (tree unchanged) otherwise. The chunked parser uses
    /// it to take the root off each piece it stitches together, so that the stitched tree holds
    /// exactly the nodes, in the same order, that a sequential parse would have pushed.
    pub(crate) fn pop_last(&mut self) -> Option<Popped> {
        let n = *self.nodes.last()?;
        let (a, b) = (n.a as usize, n.b as usize);
        let children = match n.kind {
            NodeKind::Seq | NodeKind::Map => {
                let len = if n.kind == NodeKind::Map { 2 * b } else { b };
                if a + len != self.children.len() {
                    return None;
                }
                self.children.split_off(a)
            }
            _ => {
                if n.flags & OWNED != 0 {
                    if a + b != self.owned.len() {
                        return None;
                    }
                    self.owned.truncate(a);
                }
                Vec::new()
            }
        };
        self.nodes.pop();
        Some(Popped {
            kind: n.kind,
            style: n.style,
            range: TextRange::new(n.start, n.end),
            children,
        })
    }

    /// Moves every node `delta` bytes further into `source`: for a tree parsed from a copy of
    /// `source[delta..]`.
    pub(crate) fn rebase(&mut self, source: Arc<str>, delta: u32) {
        for n in &mut self.nodes {
            n.start += delta;
            n.end += delta;
            if !matches!(n.kind, NodeKind::Seq | NodeKind::Map) && n.flags & OWNED == 0 {
                n.a += delta;
            }
        }
        self.source = source;
    }

    /// `Some(height)` when the tree is plain: every node except `root` is the child of exactly
    /// one collection and children precede their parent — so there is no alias, no merge key and
    /// no dropped duplicate key. `height` is the largest number of nested block collections on a
    /// path from `root` (what the parser's block nesting limit counts).
    pub(crate) fn plain_block_height(&self, root: NodeId) -> Option<u32> {
        let mut refs = vec![0u8; self.nodes.len()];
        let mut height = vec![0u32; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            let len = match n.kind {
                NodeKind::Map => 2 * n.b as usize,
                NodeKind::Seq => n.b as usize,
                _ => continue,
            };
            let mut h = 0;
            for c in &self.children[n.a as usize..n.a as usize + len] {
                let c = c.0 as usize;
                if c >= i {
                    return None;
                }
                refs[c] = refs[c].saturating_add(1);
                h = h.max(height[c]);
            }
            height[i] = h + u32::from(n.style == Style::Block);
        }
        let root = root.0 as usize;
        let plain = root < refs.len()
            && refs
                .iter()
                .enumerate()
                .all(|(i, &r)| r == u8::from(i != root));
        plain.then(|| height[root])
    }

    fn raw(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    fn text_of(&self, n: &Node) -> &str {
        let (a, b) = (n.a as usize, n.b as usize);
        if n.flags & OWNED != 0 {
            &self.owned[a..a + b]
        } else {
            &self.source[a..a + b]
        }
    }
}

/// A node together with its tree: the read API every later layer uses.
#[derive(Clone, Copy)]
pub struct NodeRef<'t> {
    tree: &'t Tree,
    id: NodeId,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}@{:?}", self.kind(), self.range())
    }
}

impl<'t> NodeRef<'t> {
    pub fn id(self) -> NodeId {
        self.id
    }
    pub fn tree(self) -> &'t Tree {
        self.tree
    }
    pub fn kind(self) -> NodeKind {
        self.tree.raw(self.id).kind
    }
    pub fn style(self) -> Style {
        self.tree.raw(self.id).style
    }
    /// Where the node is written in its source file.
    pub fn range(self) -> TextRange {
        let n = self.tree.raw(self.id);
        TextRange::new(n.start, n.end)
    }
    pub fn is_null(self) -> bool {
        self.kind() == NodeKind::Null
    }
    pub fn is_scalar(self) -> bool {
        !matches!(self.kind(), NodeKind::Seq | NodeKind::Map)
    }
    pub fn is_map(self) -> bool {
        self.kind() == NodeKind::Map
    }
    pub fn is_seq(self) -> bool {
        self.kind() == NodeKind::Seq
    }

    /// The scalar's value text (escapes processed), whatever it resolved to.
    pub fn scalar_text(self) -> Option<&'t str> {
        let n = self.tree.raw(self.id);
        match n.kind {
            NodeKind::Seq | NodeKind::Map => None,
            _ => Some(self.tree.text_of(n)),
        }
    }

    /// The value of a string node. `port: "8080"` is a string; `port: 8080` is not.
    pub fn as_str(self) -> Option<&'t str> {
        match self.kind() {
            NodeKind::Str => self.scalar_text(),
            _ => None,
        }
    }

    pub fn as_i64(self) -> Option<i64> {
        match self.kind() {
            NodeKind::Int => resolve::int_value(self.scalar_text()?),
            // `1.0` and `1e3` decode into integer Go fields when they are whole numbers.
            NodeKind::Float => {
                let f = self.as_f64()?;
                (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
            }
            _ => None,
        }
    }

    pub fn as_f64(self) -> Option<f64> {
        match self.kind() {
            NodeKind::Int => self.as_i64().map(|i| i as f64),
            NodeKind::Float => resolve::float_value(self.scalar_text()?),
            _ => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.kind() {
            NodeKind::Bool => Some(matches!(
                self.scalar_text()?,
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE"
            )),
            _ => None,
        }
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(self) -> impl DoubleEndedIterator<Item = NodeRef<'t>> + ExactSizeIterator + 't {
        let tree = self.tree;
        let n = *tree.raw(self.id);
        let slice: &'t [NodeId] = match n.kind {
            NodeKind::Seq => &tree.children[n.a as usize..(n.a + n.b) as usize],
            _ => &[],
        };
        slice.iter().map(move |&id| NodeRef { tree, id })
    }

    /// Key/value pairs of a mapping in source order (empty for anything else). Duplicate keys
    /// have already been reduced to the last one, as Kubernetes keeps it.
    pub fn entries(self) -> impl ExactSizeIterator<Item = (NodeRef<'t>, NodeRef<'t>)> + 't {
        let tree = self.tree;
        let n = *tree.raw(self.id);
        let slice: &'t [NodeId] = match n.kind {
            NodeKind::Map => &tree.children[n.a as usize..(n.a + 2 * n.b) as usize],
            _ => &[],
        };
        slice
            .chunks_exact(2)
            .map(move |kv| (NodeRef { tree, id: kv[0] }, NodeRef { tree, id: kv[1] }))
    }

    /// Number of items or pairs.
    pub fn len(self) -> usize {
        match self.kind() {
            NodeKind::Seq | NodeKind::Map => self.tree.raw(self.id).b as usize,
            _ => 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The key node and value node of `key` in a mapping.
    pub fn entry(self, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
        let tree = self.tree;
        self.entries().find(|(k, _)| {
            let n = tree.raw(k.id);
            // The length first: it is in the node, and most keys differ in it, so the text
            // (elsewhere in memory) is read only for keys that may match.
            n.b as usize == key.len()
                && !matches!(n.kind, NodeKind::Seq | NodeKind::Map)
                && tree.text_of(n) == key
        })
    }

    /// The value of `key` in a mapping.
    pub fn get(self, key: &str) -> Option<NodeRef<'t>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn path(self, keys: &[&str]) -> Option<NodeRef<'t>> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The innermost node under this one whose range contains `offset` (this node if no child
    /// does).
    pub fn descendant_at(self, offset: u32) -> NodeRef<'t> {
        let mut node = self;
        'down: loop {
            let children: Vec<NodeRef<'t>> = match node.kind() {
                NodeKind::Map => node.entries().flat_map(|(k, v)| [k, v]).collect(),
                NodeKind::Seq => node.items().collect(),
                _ => return node,
            };
            for child in children {
                if child.id != node.id && child.range().contains(offset) {
                    node = child;
                    continue 'down;
                }
            }
            return node;
        }
    }

    /// The range a diagnostic about the field `key` should underline: from the key through
    /// its value (`initialDelaySeconds: 2`).
    pub fn field_range(self, key: &str) -> Option<TextRange> {
        self.entry(key).map(|(k, v)| k.range().cover(v.range()))
    }
}
