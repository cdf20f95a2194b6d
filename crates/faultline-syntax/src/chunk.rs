//! Chunk-parallel parsing of one huge `kubectl get -o yaml` document.
//!
//! `kubectl get … -o yaml` prints a whole cluster as one document,
//!
//! ```yaml
//! apiVersion: v1
//! items:
//! - apiVersion: v1
//!   kind: Pod
//!   …
//! kind: List
//! metadata:
//!   resourceVersion: ""
//! ```
//!
//! of 100 MB to 1 GB, which the `---` splitter of [`crate::yaml`] cannot cut (typed lists such
//! as `kind: PodList` look the same; the kind is not looked at). Its `items:` sequence is
//! written without indentation, so every item starts with a `-` at column 0, and a column-0
//! `-` line can only be a new item: block and plain scalars inside an item need at least one
//! column of indentation, and a quoted scalar or flow collection cut there leaves the piece
//! before the cut unterminated, which is a syntax error.
//!
//! The document is cut into the *head* (up to the first item), chunks of items, and the *tail*
//! (from the first column-0 line after the items that is not a `-` item, a comment or a blank
//! line). Each piece but the tail is parsed through the `-` that follows it (the last chunk
//! from a copy ending in `-`), so that its last item ends exactly as in the sequential parse,
//! before a column-0 line rather than at the end of the input; the empty item that `-` makes
//! is dropped. Chunks are parsed in parallel as standalone block sequences, whose items come
//! out as in the `items:` sequence, and stitched into one tree that is identical, node for
//! node, to the sequential parse: same node order (each piece's root is popped before its
//! nodes are appended, and the `items` sequence and the root mapping are pushed where the
//! sequential parse closes them), ranges, scalar text, comments.
//!
//! The stitched result is used only when every piece parses without any problem (so problems,
//! duplicate keys included, are always the sequential parse's), has no alias or merge key
//! (aliases and the go-yaml alias budget are document-wide), and stays below the parser's block
//! nesting limit minus one (a chunk is one collection shallower than the whole document), and
//! when the head and the tail share no key. Otherwise the document is parsed again,
//! sequentially. Layouts that are not recognised are parsed sequentially without trying: an
//! indented `  - ` items sequence, flow style or JSON, `items` as the last key, `items` beyond
//! the first MiB, a tail over 1 MiB (tabs or `...` at column 0 end the items early), lone `\r`
//! line breaks, `%` directives, more than 63 lines indented with a tab (see
//! `MAX_TAB_INDENTED_LINES`). Chunks are only cut before items that start with a scalar
//! (`- apiVersion: …`, not `- {…}` or `-` alone), and the first item must be one.

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use crate::document::{Document, ParsedText};
use crate::text::TextRange;
use crate::tree::{NodeId, NodeKind, Popped, Style, Tree};
use crate::yaml;

/// Where the test hooks below parse several documents in parallel (as `parse_yaml` does, from
/// `yaml::PARALLEL_THRESHOLD`); it changes speed only, never results.
const PIECES_IN_PARALLEL_FROM: usize = 1 << 20;
/// How far into a document the `items:` line is looked for.
const HEAD_SEARCH: usize = 1 << 20;
/// Longest tail (text after the items) worth chunking for; a longer one means the items ended
/// early, at something unusual.
const TAIL_MAX: usize = 1 << 20;
/// Chunks parsed per thread between two stitching steps. Stitching batch by batch keeps only a
/// batch of chunk trees alive next to the growing document tree.
const BATCH_PER_THREAD: usize = 8;
/// The parser's block nesting limit (granit-parser default) counts the root mapping and the
/// `items` sequence of the whole document but only the sequence of a chunk, so a chunk within
/// one level of it could parse where the whole document does not.
const MAX_CHUNK_HEIGHT: u32 = 250;

/// `yaml::parse_piece` re-reads a tab in the indentation of a line inside a flow collection as a
/// space, for at most 63 lines per piece. A document with more lines indented with a tab could
/// parse whole differently than in chunks, so it is not chunked.
const MAX_TAB_INDENTED_LINES: usize = 63;

/// When to cut a document into chunks. Hidden: for tests and benchmarks.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Documents shorter than this many bytes are parsed in one go.
    pub min_document: usize,
    /// Items are grouped into chunks of at least this many bytes.
    pub target_chunk: usize,
}

impl ChunkOptions {
    /// What `parse_yaml` uses.
    pub const DEFAULT: Self = Self {
        min_document: 4 << 20,
        target_chunk: 1 << 20,
    };
    /// Never chunk: the sequential reference.
    pub const SEQUENTIAL: Self = Self {
        min_document: usize::MAX,
        target_chunk: usize::MAX,
    };
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What the chunker did. Hidden: for tests.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Documents parsed in chunks.
    pub chunked: usize,
    /// Chunks of items parsed, over all chunked documents.
    pub chunks: usize,
    /// Documents whose chunked parse was discarded for a sequential one.
    pub fallbacks: usize,
}

impl ChunkStats {
    fn add(&mut self, other: ChunkStats) {
        self.chunked += other.chunked;
        self.chunks += other.chunks;
        self.fallbacks += other.fallbacks;
    }
}

/// `parse_yaml` with explicit chunking options, reporting what the chunker did.
#[doc(hidden)]
pub fn parse_yaml_with(source: &Arc<str>, options: ChunkOptions) -> (ParsedText, ChunkStats) {
    parse_stream(source, PIECES_IN_PARALLEL_FROM, options)
}

/// `parse_yaml` without chunking: the reference the chunked parse must equal.
#[doc(hidden)]
pub fn parse_yaml_sequential(source: &Arc<str>) -> ParsedText {
    parse_stream(source, PIECES_IN_PARALLEL_FROM, ChunkOptions::SEQUENTIAL).0
}

/// `parse_yaml`, with the options and the statistics of the chunker.
fn parse_stream(
    source: &Arc<str>,
    parallel_from: usize,
    options: ChunkOptions,
) -> (ParsedText, ChunkStats) {
    let pieces = yaml::split_documents(source);
    let parse = |range: &TextRange| parse_piece(source, *range, options);
    let results: Vec<(ParsedText, ChunkStats)> =
        if source.len() >= parallel_from && pieces.len() > 1 {
            pieces.par_iter().map(parse).collect()
        } else {
            pieces.iter().map(parse).collect()
        };
    let mut out = ParsedText::default();
    let mut stats = ChunkStats::default();
    for (r, s) in results {
        out.append(r);
        stats.add(s);
    }
    (out, stats)
}

/// Parses one piece of a stream, in chunks when it is a large `items:` document.
pub(crate) fn parse_piece(
    source: &Arc<str>,
    piece: TextRange,
    options: ChunkOptions,
) -> (ParsedText, ChunkStats) {
    let mut stats = ChunkStats::default();
    if piece.len() as usize >= options.min_document
        && let Some(layout) = find_layout(source, piece, options.target_chunk.max(1))
    {
        if let Some(parsed) = parse_chunked(source, &layout) {
            stats.chunked = 1;
            stats.chunks = layout.chunks.len();
            return (parsed, stats);
        }
        stats.fallbacks = 1;
    }
    (yaml::parse_piece(source, piece), stats)
}

/// Where a document is cut. All offsets are into the whole source.
#[derive(Debug)]
struct Layout {
    /// From the document's start to the first item.
    head: TextRange,
    /// Start of the `items:` line.
    items_line: u32,
    /// Where the sequential parser starts the `items` sequence: after the first `-` and the
    /// blanks that follow it (the first item starts with a scalar on that line).
    seq_start: u32,
    chunks: Vec<Chunk>,
    /// From the first column-0 line after the items to the document's end.
    tail: TextRange,
}

#[derive(Clone, Copy, Debug)]
struct Chunk {
    range: TextRange,
    /// Column-0 `-` lines in the chunk: the number of items it must parse into.
    items: u32,
}

fn find_layout(source: &str, piece: TextRange, target: usize) -> Option<Layout> {
    let base = piece.start as usize;
    let bytes = &source.as_bytes()[base..piece.end as usize];
    let mut at = 0;
    let items_line = loop {
        let line = &bytes[at..];
        if at >= bytes.len() || at > HEAD_SEARCH || line[0] == b'%' {
            return None;
        }
        if is_items_line(line) {
            break at;
        }
        at = next_line(bytes, at);
    };
    at = next_line(bytes, items_line);
    while at < bytes.len() && is_blank_or_comment(&bytes[at..]) {
        at = next_line(bytes, at);
    }
    let first_item = at;
    if !is_item_line(&bytes[first_item..]) || !starts_with_scalar(&bytes[first_item..]) {
        return None;
    }
    // A lone `\r` is a line break to YAML but not to the line scan below.
    if memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'))
        || tab_indented_lines(bytes) > MAX_TAB_INDENTED_LINES
    {
        return None;
    }

    let mut chunks = Vec::new();
    let mut chunk_start = first_item;
    let mut items = 0u32;
    let mut region_end = bytes.len();
    while at < bytes.len() {
        let line = &bytes[at..];
        if is_item_line(line) {
            if at - chunk_start >= target && items > 0 && starts_with_scalar(line) {
                chunks.push(chunk(base, chunk_start, at, items));
                chunk_start = at;
                items = 0;
            }
            items += 1;
        } else if !continues_items(line) {
            region_end = at;
            break;
        }
        at = next_line(bytes, at);
    }
    chunks.push(chunk(base, chunk_start, region_end, items));
    if chunks.len() < 2
        || region_end == bytes.len()
        || bytes.len() - region_end > TAIL_MAX
        || !is_scalar_start(bytes[region_end])
    {
        return None;
    }

    let mut seq_start = first_item + 1;
    while matches!(bytes.get(seq_start), Some(b' ' | b'\t')) {
        seq_start += 1;
    }
    let abs = |offset: usize| (base + offset) as u32;
    Some(Layout {
        head: TextRange::new(piece.start, abs(first_item)),
        items_line: abs(items_line),
        seq_start: abs(seq_start),
        chunks,
        tail: TextRange::new(abs(region_end), piece.end),
    })
}

fn chunk(base: usize, start: usize, end: usize, items: u32) -> Chunk {
    Chunk {
        range: TextRange::new((base + start) as u32, (base + end) as u32),
        items,
    }
}

/// Lines whose indentation holds a tab, counted up to one more than the limit.
fn tab_indented_lines(bytes: &[u8]) -> usize {
    let mut lines = 0;
    // Whether the previous tab was in its line's indentation.
    let mut previous = false;
    for tab in memchr::memchr_iter(b'\t', bytes) {
        let mut i = tab;
        let (indentation, same_line) = loop {
            match i.checked_sub(1).map(|j| bytes[j]) {
                None | Some(b'\n') => break (true, false),
                Some(b' ') => i -= 1,
                // Only spaces since the previous tab: the same line, and indentation if it was.
                Some(b'\t') => break (previous, true),
                Some(_) => break (false, false),
            }
        };
        previous = indentation;
        if indentation && !same_line {
            lines += 1;
            if lines > MAX_TAB_INDENTED_LINES {
                break;
            }
        }
    }
    lines
}

/// Start of the line after the one at `at` (or the end of the text).
fn next_line(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |nl| at + nl + 1)
}

/// `items:` at column 0, followed by nothing but blanks and a comment.
fn is_items_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"items:") else {
        return false;
    };
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    match rest.get(blanks) {
        None | Some(b'\n') => true,
        Some(b'\r') => rest.get(blanks + 1) == Some(&b'\n'),
        Some(b'#') => blanks > 0,
        Some(_) => false,
    }
}

/// A block sequence entry at column 0: `-` followed by a blank or a line break.
fn is_item_line(line: &[u8]) -> bool {
    line.first() == Some(&b'-') && matches!(line.get(1), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether the item on this `-` line starts with a scalar (its own, or a first key's), looking
/// through `- - `. A piece is only cut before such an item: `yaml.rs` panics when the first node
/// of a piece is an empty flow mapping (`{}`, `- {}` or `- [{}]` as a whole file do too).
fn starts_with_scalar(line: &[u8]) -> bool {
    let mut i = 0;
    loop {
        i += 1;
        while matches!(line.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match (line.get(i), line.get(i + 1)) {
            (Some(b'-'), Some(b' ' | b'\t')) => continue,
            (Some(b'-'), None | Some(b'\r' | b'\n')) => return false,
            (Some(&b), _) => return is_scalar_start(b),
            (None, _) => return false,
        }
    }
}

/// A byte that can start a plain or quoted scalar, or a block scalar.
fn is_scalar_start(b: u8) -> bool {
    !matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'#'
            | b'{'
            | b'['
            | b'?'
            | b'&'
            | b'!'
            | b'*'
            | b'%'
            | b'@'
            | b'`'
            | b','
            | b']'
            | b'}'
    )
}

/// A line of nothing but spaces, or a comment.
fn is_blank_or_comment(line: &[u8]) -> bool {
    let spaces = line.iter().take_while(|&&b| b == b' ').count();
    match line.get(spaces) {
        None | Some(b'\n' | b'#') => true,
        Some(b'\r') => line.get(spaces + 1) == Some(&b'\n'),
        Some(_) => false,
    }
}

/// A line that continues the items: blank, a comment, or indented (part of an item).
fn continues_items(line: &[u8]) -> bool {
    match line.first() {
        None | Some(b' ' | b'\n' | b'#') => true,
        Some(b'\r') => line.get(1) == Some(&b'\n'),
        Some(_) => false,
    }
}

/// One parsed piece, its root taken off.
struct Part {
    tree: Tree,
    root: Popped,
    comments: Vec<TextRange>,
    range: TextRange,
    helm_source: Option<String>,
}

/// Parses a piece that must come out as exactly one problem-free plain document whose root is a
/// block collection of `kind`.
fn parse_part(
    source: &Arc<str>,
    range: TextRange,
    kind: NodeKind,
    max_height: u32,
) -> Option<Part> {
    let mut parsed = yaml::parse_piece(source, range);
    if !parsed.problems.is_empty() || !parsed.skipped.is_empty() || parsed.documents.len() != 1 {
        return None;
    }
    let doc = parsed.documents.pop()?;
    let root = doc.root?;
    let mut tree = doc.tree;
    if tree.plain_block_height(root)? > max_height || root.0 as usize + 1 != tree.node_count() {
        return None;
    }
    let popped = tree.pop_last()?;
    (popped.kind == kind && popped.style == Style::Block).then_some(Part {
        tree,
        root: popped,
        comments: parsed.comments,
        range: doc.range,
        helm_source: doc.helm_source,
    })
}

/// Takes off the empty item that the `-` after a piece parsed into: the pieces before the tail
/// are parsed through the first character of the next item, so that their last item ends
/// exactly as in the sequential parse (an empty block scalar or a blank-only line last in the
/// text parse differently before the end of the input than before a column-0 line).
fn pop_lookahead_item(tree: &mut Tree, items: &mut Vec<NodeId>) -> Option<()> {
    let extra = items.pop()?;
    let n = tree.node(extra);
    (extra.0 as usize + 1 == tree.node_count() && n.is_null() && n.range().is_empty())
        .then_some(())?;
    tree.pop_last().map(drop)
}

fn parse_chunk(source: &Arc<str>, chunk: &Chunk, last: bool) -> Option<Part> {
    let part = if last {
        // The tail's first line does not start with a `-`: parse a copy ending in one.
        let mut text = String::with_capacity(chunk.range.len() as usize + 1);
        text.push_str(&source[chunk.range.start as usize..chunk.range.end as usize]);
        text.push('-');
        let copy: Arc<str> = Arc::from(text);
        let range = TextRange::new(0, copy.len() as u32);
        let mut part = parse_part(&copy, range, NodeKind::Seq, MAX_CHUNK_HEIGHT)?;
        pop_lookahead_item(&mut part.tree, &mut part.root.children)?;
        part.tree.rebase(source.clone(), chunk.range.start);
        part.root.range = part.root.range.shift(chunk.range.start);
        for c in &mut part.comments {
            *c = c.shift(chunk.range.start);
        }
        part
    } else {
        let range = TextRange::new(chunk.range.start, chunk.range.end + 1);
        let mut part = parse_part(source, range, NodeKind::Seq, MAX_CHUNK_HEIGHT)?;
        pop_lookahead_item(&mut part.tree, &mut part.root.children)?;
        part
    };
    (part.root.range.start == chunk.range.start && part.root.children.len() == chunk.items as usize)
        .then_some(part)
}

fn parse_chunked(source: &Arc<str>, layout: &Layout) -> Option<ParsedText> {
    let head_text = TextRange::new(layout.head.start, layout.head.end + 1);
    let head = parse_part(source, head_text, NodeKind::Map, u32::MAX)?;
    let tail = parse_part(source, layout.tail, NodeKind::Map, u32::MAX)?;
    if tail.root.range.start != layout.tail.start {
        return None;
    }
    let Part {
        mut tree,
        root: head_root,
        mut comments,
        range: head_range,
        helm_source,
    } = head;

    // The head ends with `items:` and the `-` of the first item, parsed as a sequence of one
    // empty item: the last nodes pushed.
    let mut entries = head_root.children;
    let value = entries.pop()?;
    let key = tree.node(*entries.last()?);
    let seq = tree.node(value);
    if key.style() != Style::Plain
        || key.scalar_text() != Some("items")
        || key.range().start != layout.items_line
        || value.0 as usize + 1 != tree.node_count()
        || !seq.is_seq()
        || seq.len() != 1
    {
        return None;
    }
    let mut first = tree.pop_last()?.children;
    pop_lookahead_item(&mut tree, &mut first)?;
    // The sequential parse reduces duplicate keys over the whole root mapping.
    let mut keys = HashSet::new();
    let head_keys = entries
        .iter()
        .step_by(2)
        .map(|&k| tree.node(k).scalar_text());
    let tail_keys = tail
        .root
        .children
        .iter()
        .step_by(2)
        .map(|&k| tail.tree.node(k).scalar_text());
    for k in head_keys.chain(tail_keys) {
        if !keys.insert(k?) {
            return None;
        }
    }
    drop(keys);

    let mut items = Vec::new();
    let batch = BATCH_PER_THREAD * rayon::current_num_threads().max(1);
    for group in layout.chunks.chunks(batch) {
        let parts: Vec<Part> = group
            .par_iter()
            .map(|c| parse_chunk(source, c, c.range.end == layout.tail.start))
            .collect::<Option<_>>()?;
        for part in parts {
            let base = tree.absorb(part.tree);
            items.extend(part.root.children.iter().map(|c| NodeId(c.0 + base)));
            comments.extend(part.comments);
        }
    }
    let seq_range = TextRange::new(layout.seq_start, layout.tail.start);
    entries.push(tree.push_collection(NodeKind::Seq, Style::Block, seq_range, &items));
    drop(items);

    let base = tree.absorb(tail.tree);
    entries.extend(tail.root.children.iter().map(|c| NodeId(c.0 + base)));
    comments.extend(tail.comments);
    let root_range = TextRange::new(head_root.range.start, tail.root.range.end);
    let root = tree.push_collection(NodeKind::Map, Style::Block, root_range, &entries);
    Some(ParsedText {
        documents: vec![Document {
            tree,
            root: Some(root),
            range: TextRange::new(head_range.start, tail.range.end),
            helm_source,
        }],
        comments,
        ..ParsedText::default()
    })
}
