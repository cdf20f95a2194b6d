//! YAML text → [`Document`]s, through granit-parser events.
//!
//! A stream is first cut at its `---` lines. In valid YAML a line starting with `---` can only be
//! a document marker (block scalars end there and quoted scalars may not contain one), so every
//! piece parses on its own: a syntax error costs one document, not the rest of the file, and
//! pieces of a large file parse in parallel. Files with `%` directives are parsed whole, since a
//! directive belongs to the document after it.

use std::borrow::Cow;
use std::sync::Arc;

use granit_parser::{Event, Parser, ScalarStyle, Span};
use rayon::prelude::*;

use crate::document::{Document, ParsedText};
use crate::keys::{Entries, dedupe, has_duplicate_key};
use crate::problem::{Problem, ProblemKind};
use crate::resolve::{self, Resolved};
use crate::text::TextRange;
use crate::tree::{NodeId, NodeKind, Style, Tree};

/// Files larger than this have their documents parsed in parallel.
const PARALLEL_THRESHOLD: usize = 1 << 20;

/// Parses a YAML stream. Never fails: problems come back next to the documents.
pub fn parse_yaml(source: &Arc<str>) -> ParsedText {
    let pieces = split_documents(source);
    // One huge `kind: List` document (`kubectl get -o yaml`) is cut at its items and parsed in
    // parallel chunks (see `chunk.rs`); everything else goes straight to `parse_piece`.
    let options = crate::chunk::ChunkOptions::DEFAULT;
    let parse = |range: &TextRange| crate::chunk::parse_piece(source, *range, options).0;
    let results: Vec<ParsedText> = if source.len() >= PARALLEL_THRESHOLD && pieces.len() > 1 {
        pieces.par_iter().map(parse).collect()
    } else {
        pieces.iter().map(parse).collect()
    };
    let mut out = ParsedText::default();
    for r in results {
        out.append(r);
    }
    out
}

/// Byte ranges of the stream's pieces, each starting at a `---` line (except the first).
pub fn split_documents(text: &str) -> Vec<TextRange> {
    let bytes = text.as_bytes();
    let has_directive =
        bytes.first() == Some(&b'%') || memchr::memmem::find(bytes, b"\n%").is_some();
    let mut starts = vec![0u32];
    if !has_directive {
        for nl in memchr::memmem::find_iter(bytes, b"\n---") {
            let at = nl + 1;
            let after = bytes.get(at + 3).copied();
            if matches!(after, None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
                starts.push(at as u32);
            }
        }
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len() as u32);
        ranges.push(TextRange::new(s, e));
    }
    ranges
}

/// Parses one piece of a stream; offsets in the result are relative to the whole source.
pub(crate) fn parse_piece(source: &Arc<str>, piece: TextRange) -> ParsedText {
    let original = &source[piece.start as usize..piece.end as usize];
    let mut patched: Option<String> = None;
    // go-yaml (libyaml) skips tabs as whitespace inside flow collections, where the YAML spec
    // and granit-parser reject them as indentation. Kubernetes accepts such files, so a tab that
    // starts a line inside `[...]`/`{...}` is read as a space (same byte length, so every
    // offset stays put) and the piece is parsed again.
    for _ in 0..64 {
        let text = patched.as_deref().unwrap_or(original);
        match parse_text(source, text, piece.start) {
            Ok(parsed) => return parsed,
            Err((parsed, at)) => {
                let local = (at - piece.start) as usize;
                let line_start = text[..local.min(text.len())]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let lead = &text[line_start..];
                let indent = lead.len() - lead.trim_start_matches([' ', '\t']).len();
                if !lead[..indent].contains('\t') {
                    return parsed;
                }
                let mut fixed = text.to_owned();
                fixed.replace_range(line_start..line_start + indent, &" ".repeat(indent));
                patched = Some(fixed);
            }
        }
    }
    parse_text(source, original, piece.start).unwrap_or_else(|(parsed, _)| parsed)
}

/// Parses `text` (the piece at `base`). On a syntax error inside a flow collection, returns the
/// result together with the error offset so the caller may retry.
fn parse_text(source: &Arc<str>, text: &str, base: u32) -> Result<ParsedText, (ParsedText, u32)> {
    let mut options = granit_parser::Options::default();
    // Real manifests carry long comment blocks; the default of 96 rejects valid files.
    options.max_buffered_comment_events = 1 << 16;
    let mut b = Builder::new(source, text, base);
    let mut flow_error = None;
    for event in Parser::new_from_str_with_options(text, options) {
        match event {
            Ok((event, span)) => b.event(event, span),
            Err(e) => {
                let at = e.marker().byte_offset().unwrap_or(text.len()) as u32 + base;
                let message = e.info();
                if message.contains("tab") && continues_flow(text, (at - base) as usize) {
                    flow_error = Some(at);
                }
                b.fail(Problem::at(
                    ProblemKind::Syntax,
                    TextRange::empty(at),
                    message,
                ));
                break;
            }
        }
        if b.aborted {
            break;
        }
    }
    match flow_error {
        Some(at) => Err((b.finish(), at)),
        None => Ok(b.finish()),
    }
}

/// Whether the line holding `at` continues a flow collection: the last non-blank character
/// before the line is `[`, `{` or `,`. (The parser reports a tab error while looking ahead,
/// before the collection's start event reaches the builder, so the text is what tells.)
fn continues_flow(text: &str, at: usize) -> bool {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[..line_start].trim_end().ends_with(['[', '{', ','])
}

struct Frame {
    kind: NodeKind,
    style: Style,
    start: u32,
    anchor: usize,
    /// Index into `Builder::scratch` where this frame's children begin.
    first: usize,
}

struct Builder<'s> {
    source: &'s Arc<str>,
    text: &'s str,
    base: u32,
    out: ParsedText,
    tree: Option<Tree>,
    doc_start: u32,
    stack: Vec<Frame>,
    scratch: Vec<NodeId>,
    /// Expanded size of each node (go-yaml counts alias expansions against a budget).
    weight: Vec<u64>,
    /// Anchor id → the node it names, once complete.
    anchors: Vec<Option<NodeId>>,
    root: Option<NodeId>,
    decoded: u64,
    aliased: u64,
    helm_source: Option<String>,
    aborted: bool,
}

impl<'s> Builder<'s> {
    fn new(source: &'s Arc<str>, text: &'s str, base: u32) -> Self {
        Self {
            source,
            text,
            base,
            out: ParsedText::default(),
            tree: None,
            doc_start: base,
            stack: Vec::new(),
            scratch: Vec::new(),
            weight: Vec::new(),
            anchors: Vec::new(),
            root: None,
            decoded: 0,
            aliased: 0,
            helm_source: None,
            aborted: false,
        }
    }

    fn range(&self, span: &Span) -> TextRange {
        let s = span.start.byte_offset().unwrap_or(0) as u32 + self.base;
        let e = span.end.byte_offset().unwrap_or(0) as u32 + self.base;
        TextRange::new(s, e.max(s))
    }

    fn tree(&mut self) -> &mut Tree {
        let source = self.source;
        self.tree.get_or_insert_with(|| Tree::new(source.clone()))
    }

    fn event(&mut self, event: Event<'_>, span: Span) {
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.doc_start = self.range(&span).start;
            }
            Event::DocumentEnd => self.end_document(self.range(&span).end),
            Event::Comment(text, _) => {
                let range = self.range(&span);
                self.out.comments.push(range);
                if self.root.is_none()
                    && self.stack.is_empty()
                    && self.helm_source.is_none()
                    && let Some(path) = text.trim().strip_prefix("Source:")
                {
                    self.helm_source = Some(path.trim().to_owned());
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let range = self.range(&span);
                // granit reports an empty node (`key:` with no value) as a zero-width `~`.
                let value = if range.is_empty() && style == ScalarStyle::Plain && value == "~" {
                    Cow::Borrowed("")
                } else {
                    value
                };
                let (kind, style) = match self.scalar_kind(&value, style, tag.as_deref(), range) {
                    Some(ks) => ks,
                    None => return,
                };
                let borrowed_at = match &value {
                    Cow::Borrowed(s) => self.offset_in_text(s),
                    Cow::Owned(_) => None,
                };
                let id = self
                    .tree()
                    .push_scalar(kind, style, range, &value, borrowed_at);
                self.weight.push(1);
                self.decoded += 1;
                self.define_anchor(anchor, id);
                self.add_child(id);
            }
            Event::SequenceStart(style, anchor, _) => {
                self.open(NodeKind::Seq, style, anchor, self.range(&span).start);
            }
            Event::MappingStart(style, anchor, _) => {
                self.open(NodeKind::Map, style, anchor, self.range(&span).start);
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(self.range(&span).end),
            Event::Alias(id) => self.alias(id, self.range(&span)),
            Event::UnresolvedAlias(name) => {
                let range = self.range(&span);
                self.fail(Problem::at(
                    ProblemKind::Syntax,
                    range,
                    format!("unknown anchor `{name}`"),
                ));
            }
            _ => {}
        }
    }

    fn offset_in_text(&self, s: &str) -> Option<u32> {
        let start = self.text.as_ptr() as usize;
        let at = s.as_ptr() as usize;
        (at >= start && at + s.len() <= start + self.text.len())
            .then(|| (at - start) as u32 + self.base)
    }

    fn scalar_kind(
        &mut self,
        value: &str,
        style: ScalarStyle,
        tag: Option<&granit_parser::Tag>,
        range: TextRange,
    ) -> Option<(NodeKind, Style)> {
        let style = match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            _ => Style::Folded,
        };
        let resolved = match tag {
            Some(tag) if tag.is_yaml_core_schema() || tag.handle() == "tag:yaml.org,2002:" => {
                match resolve::resolve_tagged(tag.suffix(), value) {
                    Ok(r) => r,
                    Err(message) => {
                        self.fail(Problem::at(ProblemKind::Syntax, range, message));
                        return None;
                    }
                }
            }
            // Application tags (`!foo`) carry no meaning for Kubernetes: the value stays a string.
            Some(_) => Resolved::Str,
            None if style == Style::Plain => resolve::resolve_plain(value),
            None => Resolved::Str,
        };
        let kind = match resolved {
            Resolved::Null => NodeKind::Null,
            Resolved::Bool(_) => NodeKind::Bool,
            Resolved::Int(_) | Resolved::Uint(_) => NodeKind::Int,
            Resolved::Float(_) => NodeKind::Float,
            Resolved::Str | Resolved::Merge | Resolved::Timestamp => NodeKind::Str,
        };
        Some((kind, style))
    }

    fn open(
        &mut self,
        kind: NodeKind,
        style: granit_parser::StructureStyle,
        anchor: usize,
        start: u32,
    ) {
        let style = match style {
            granit_parser::StructureStyle::Block => Style::Block,
            granit_parser::StructureStyle::Flow => Style::Flow,
        };
        if anchor != 0 {
            // Reserve the anchor so that an alias to an unfinished node is recognised as recursive.
            self.reserve_anchor(anchor);
        }
        self.stack.push(Frame {
            kind,
            style,
            start,
            anchor,
            first: self.scratch.len(),
        });
    }

    fn close(&mut self, end: u32) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let mut children: Vec<NodeId> = self.scratch.drain(frame.first..).collect();
        if frame.kind == NodeKind::Map {
            if children.len() % 2 == 1 {
                children.pop();
            }
            if !children.is_empty() {
                children = self.normalize_map(children);
            }
        }
        let weight = children
            .iter()
            .fold(1u64, |w, c| w.saturating_add(self.weight_of(*c)));
        let range = TextRange::new(frame.start, end.max(frame.start));
        let id = self
            .tree()
            .push_collection(frame.kind, frame.style, range, &children);
        self.weight.push(weight);
        self.decoded += 1;
        self.define_anchor(frame.anchor, id);
        self.add_child(id);
    }

    fn weight_of(&self, id: NodeId) -> u64 {
        self.weight.get(id.0 as usize).copied().unwrap_or(1)
    }

    fn reserve_anchor(&mut self, anchor: usize) {
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        self.anchors[anchor] = None;
    }

    fn define_anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0 {
            self.reserve_anchor(anchor);
            self.anchors[anchor] = Some(id);
        }
    }

    fn alias(&mut self, anchor: usize, range: TextRange) {
        let Some(Some(target)) = self.anchors.get(anchor).copied() else {
            self.fail(Problem::at(
                ProblemKind::Syntax,
                range,
                "alias refers to a node that contains it (recursive alias)",
            ));
            return;
        };
        let w = self.weight_of(target);
        self.aliased = self.aliased.saturating_add(w);
        self.decoded = self.decoded.saturating_add(w);
        if self.aliased > 100
            && self.decoded > 1000
            && self.aliased as f64 / self.decoded as f64 > allowed_alias_ratio(self.decoded)
        {
            self.fail(Problem::at(
                ProblemKind::AliasBudget,
                range,
                format!(
                    "aliases expand this document to more than {} nodes; Kubernetes rejects such documents (alias bomb guard)",
                    self.decoded
                ),
            ));
            return;
        }
        self.add_child(target);
    }

    fn add_child(&mut self, id: NodeId) {
        if self.stack.is_empty() {
            self.root = Some(id);
        } else {
            self.scratch.push(id);
        }
    }

    /// Applies `<<` merge keys and reduces duplicate keys to the last one, reporting each.
    ///
    /// go-yaml v2 decodes a mapping in order into a Go map, so a later key overwrites an earlier
    /// one, a `<<` merge overwrites keys written before it, and in a sequence of merged maps
    /// the earlier map wins (it is applied last).
    fn normalize_map(&mut self, pairs: Vec<NodeId>) -> Vec<NodeId> {
        let tree = self.tree.as_ref().expect("a map has nodes");
        let is_merge = |id: NodeId| {
            let k = tree.node(id);
            k.style() == Style::Plain && k.scalar_text() == Some("<<")
        };
        let has_merge = pairs.iter().step_by(2).any(|&k| is_merge(k));
        if !has_merge {
            return if has_duplicate_key(tree, &pairs) {
                dedupe(tree, &pairs, &mut self.out.problems)
            } else {
                pairs
            };
        }
        let problems = &mut self.out.problems;
        let mut entries = Entries::new(tree, pairs.len() / 2);
        for kv in pairs.chunks_exact(2) {
            if !is_merge(kv[0]) {
                entries.set(kv[0], kv[1], true, problems);
                continue;
            }
            let v = tree.node(kv[1]);
            let sources: Vec<_> = if v.is_map() {
                vec![v]
            } else if v.is_seq() && v.items().all(|i| i.is_map()) {
                v.items().rev().collect()
            } else {
                problems.push(Problem::at(
                    ProblemKind::Syntax,
                    v.range(),
                    "a `<<` merge key needs a mapping or a sequence of mappings",
                ));
                Vec::new()
            };
            for src in sources {
                for (mk, mv) in src.entries() {
                    entries.set(mk.id(), mv.id(), false, problems);
                }
            }
        }
        entries.into_pairs()
    }

    fn end_document(&mut self, end: u32) {
        let tree = self.tree.take();
        // An empty document (`---` alone, or only comments) yields an empty plain null; it has
        // no content, so it has no root.
        let root = self.root.take().filter(|id| {
            tree.as_ref().is_some_and(|t| {
                let n = t.node(*id);
                !(n.is_null() && n.range().is_empty() && n.style() == Style::Plain)
            })
        });
        let helm_source = self.helm_source.take();
        let start = self.doc_start;
        if let Some(tree) = tree {
            self.out.documents.push(Document {
                tree,
                root,
                range: TextRange::new(start, end.max(start)),
                helm_source,
            });
        } else {
            self.out.documents.push(Document {
                tree: Tree::new(self.source.clone()),
                root: None,
                range: TextRange::new(start, end.max(start)),
                helm_source,
            });
        }
        self.stack.clear();
        self.scratch.clear();
        self.weight.clear();
        self.anchors.clear();
        self.decoded = 0;
        self.aliased = 0;
        self.doc_start = end;
    }

    fn fail(&mut self, problem: Problem) {
        self.out.problems.push(problem);
        self.aborted = true;
        self.tree = None;
        self.root = None;
        self.stack.clear();
        self.scratch.clear();
    }

    fn finish(mut self) -> ParsedText {
        if self.aborted {
            // The document with the error is skipped; its range is kept so callers can say so.
            self.out.skipped.push(TextRange::new(
                self.doc_start,
                self.base + self.text.len() as u32,
            ));
        }
        self.out
    }
}

/// The share of alias-expanded nodes go-yaml v2 tolerates for a document of `decoded` nodes.
fn allowed_alias_ratio(decoded: u64) -> f64 {
    const SMALL: f64 = 400_000.0;
    const LARGE: f64 = 4_000_000.0;
    let d = decoded as f64;
    if d <= SMALL {
        0.99
    } else if d >= LARGE {
        0.10
    } else {
        0.99 - 0.89 * ((d - SMALL) / (LARGE - SMALL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::NodeKind;

    fn parse(text: &str) -> (Arc<str>, ParsedText) {
        let src: Arc<str> = Arc::from(text);
        let parsed = parse_yaml(&src);
        (src, parsed)
    }

    #[test]
    fn spans_are_byte_offsets_into_the_whole_file() {
        let (src, p) = parse(
            "a: 1\n---\n# Source: chart/templates/d.yaml\nkind: Deployment\nname: \"Ünï\"\nport: 8080\n",
        );
        assert_eq!(p.documents.len(), 2);
        let d = &p.documents[1];
        assert_eq!(d.helm_source.as_deref(), Some("chart/templates/d.yaml"));
        let root = d.root().unwrap();
        let kind = root.get("kind").unwrap();
        assert_eq!(
            &src[kind.range().start as usize..kind.range().end as usize],
            "Deployment"
        );
        assert_eq!(root.get("name").unwrap().as_str(), Some("Ünï"));
        let port = root.get("port").unwrap();
        assert_eq!(port.kind(), NodeKind::Int);
        assert_eq!(port.as_i64(), Some(8080));
        let fr = root.field_range("port").unwrap();
        assert_eq!(&src[fr.start as usize..fr.end as usize], "port: 8080");
    }

    #[test]
    fn duplicate_keys_keep_the_last_and_are_reported() {
        let (_, p) = parse("a: 1\nb: 2\na: 3\n");
        let root = p.documents[0].root().unwrap();
        assert_eq!(root.len(), 2);
        assert_eq!(root.get("a").unwrap().as_i64(), Some(3));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].kind, ProblemKind::DuplicateKey);
        assert_eq!(p.problems[0].range, Some(TextRange::new(10, 11)));
        assert_eq!(p.problems[0].related[0].0, TextRange::new(0, 1));
    }

    #[test]
    fn merge_keys_follow_go_yaml_v2() {
        let (_, p) = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let m = p.documents[0].root().unwrap().get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(3));
        assert!(m.get("<<").is_none());
    }

    #[test]
    fn a_syntax_error_costs_one_document() {
        let (_, p) = parse("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].kind, ProblemKind::Syntax);
        let names: Vec<_> = p
            .documents
            .iter()
            .filter_map(|d| d.root())
            .map(|r| {
                r.entries()
                    .next()
                    .unwrap()
                    .0
                    .scalar_text()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let start = std::time::Instant::now();
        let (_, p) = parse(&text);
        assert!(start.elapsed().as_secs() < 1);
        assert!(
            p.problems
                .iter()
                .any(|p| p.kind == ProblemKind::AliasBudget),
            "{:?}",
            p.problems
        );
        assert!(p.documents.iter().all(|d| d.root.is_none()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let (_, p) = parse(&text);
        assert_eq!(p.problems.len(), 1);
        let text = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>();
        let (_, p) = parse(&text);
        assert_eq!(p.problems.len(), 1);
    }
}

#[cfg(test)]
mod regressions {
    use super::*;

    /// yaml-test-suite Q5MG: an empty flow map completing before any scalar panicked.
    #[test]
    fn empty_flow_map_before_any_scalar() {
        for text in ["{}", "- {}", "[{}]", "\t{}\n"] {
            let p = parse_yaml(&Arc::from(text));
            let root = p.documents[0].root().expect("a root");
            assert!(root.is_map() || root.is_seq(), "{text}");
        }
    }

    #[test]
    fn an_empty_value_has_empty_text() {
        let p = parse_yaml(&Arc::from("a:\nb: ~\n"));
        let root = p.documents[0].root().unwrap();
        assert_eq!(root.get("a").unwrap().scalar_text(), Some(""));
        assert_eq!(root.get("b").unwrap().scalar_text(), Some("~"));
        assert!(root.get("a").unwrap().is_null());
    }
}

#[cfg(test)]
mod go_yaml_compat {
    use super::*;

    #[test]
    fn a_tab_starting_a_line_inside_a_flow_sequence_is_whitespace() {
        let text = "args:\n  [\n\t  \"-jar\",\n    \"app.jar\"\n  ]\n";
        let p = parse_yaml(&Arc::from(text));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let args = p.documents[0].root().unwrap().get("args").unwrap();
        let items: Vec<_> = args.items().map(|i| i.as_str().unwrap()).collect();
        assert_eq!(items, ["-jar", "app.jar"]);
        let first = args.items().next().unwrap().range();
        assert_eq!(&text[first.start as usize..first.end as usize], "\"-jar\"");
    }

    #[test]
    fn a_tab_indenting_a_block_is_still_an_error() {
        let p = parse_yaml(&Arc::from("a:\n\tb: 1\n"));
        assert_eq!(p.problems.len(), 1);
    }

    #[test]
    fn long_comment_blocks_are_fine() {
        let text = "a:\n".to_owned() + &"  # comment\n".repeat(500) + "  - 1\n";
        let p = parse_yaml(&Arc::from(text.as_str()));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }
}
