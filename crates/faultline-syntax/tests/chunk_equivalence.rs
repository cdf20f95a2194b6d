//! The chunk-parallel parse of a huge `kind: List` document must equal the sequential parse:
//! same documents, node for node (kinds, styles, ranges, scalar text), same comments, problems
//! and skipped ranges.

use std::fmt::Write as _;
use std::sync::Arc;

use faultline_syntax::chunk::{ChunkOptions, ChunkStats, parse_yaml_sequential, parse_yaml_with};
use faultline_syntax::{NodeRef, ParsedText, ProblemKind};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Comparison

fn same_node(a: NodeRef<'_>, b: NodeRef<'_>, path: &str) {
    assert_eq!(a.kind(), b.kind(), "kind at {path}");
    assert_eq!(a.style(), b.style(), "style at {path}");
    assert_eq!(a.range(), b.range(), "range at {path}");
    assert_eq!(a.scalar_text(), b.scalar_text(), "text at {path}");
    assert_eq!(a.len(), b.len(), "length at {path}");
    for (i, (x, y)) in a.items().zip(b.items()).enumerate() {
        same_node(x, y, &format!("{path}[{i}]"));
    }
    for ((xk, xv), (yk, yv)) in a.entries().zip(b.entries()) {
        let key = xk.scalar_text().unwrap_or("?");
        same_node(xk, yk, &format!("{path}.<key {key}>"));
        same_node(xv, yv, &format!("{path}.{key}"));
    }
}

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
        // The stitched tree holds exactly the sequential parse's nodes.
        assert_eq!(a.tree.node_count(), b.tree.node_count(), "node count");
        match (a.root(), b.root()) {
            (Some(x), Some(y)) => same_node(x, y, "$"),
            (x, y) => assert_eq!(x.is_some(), y.is_some(), "root"),
        }
    }
}

/// Parses `text` both ways with `options` and checks they agree.
fn check(text: &str, options: ChunkOptions) -> (ParsedText, ChunkStats) {
    let src: Arc<str> = Arc::from(text);
    let sequential = parse_yaml_sequential(&src);
    let (chunked, stats) = parse_yaml_with(&src, options);
    assert_same(&chunked, &sequential);
    (chunked, stats)
}

/// Chunk every document, one item per chunk.
const TINY: ChunkOptions = ChunkOptions {
    min_document: 0,
    target_chunk: 1,
};

// ---------------------------------------------------------------------------------------------
// A generator of `kubectl get -o yaml` style lists

#[derive(Clone, Debug)]
enum Val {
    /// A one-line scalar, already written (plain or quoted).
    Scalar(String),
    /// A double-quoted scalar over several lines.
    Folded(Vec<String>),
    /// A block scalar: indicator and lines.
    Block(&'static str, Vec<String>),
    Empty,
    Map(Vec<(String, Val, Option<Comment>)>),
    Seq(Vec<(Val, Option<Comment>)>),
}

#[derive(Clone, Debug)]
struct Comment {
    text: &'static str,
    column0: bool,
}

fn comment() -> impl Strategy<Value = Option<Comment>> {
    let text = prop::sample::select(vec!["# note", "#- dash", "# --- x", "# Ünï 服务", "#"]);
    prop::option::weighted(
        0.15,
        (text, any::<bool>()).prop_map(|(text, column0)| Comment { text, column0 }),
    )
}

fn scalar() -> impl Strategy<Value = Val> {
    let plain = prop::sample::select(vec![
        "v1",
        "Pod",
        "nginx:1.25",
        "true",
        "0644",
        "12",
        "3.5",
        "null",
        "~",
        "héllo wörld",
        "服务",
        "a - b",
        "x---y",
        "foo#bar",
        "http://x/y?a=1&b=2",
        "yes",
        "-1",
        "1e3",
        ".inf",
    ])
    .prop_map(|s| s.to_owned());
    let dq_parts = prop::sample::select(vec![
        "- ", "---", "# ", "a", "Ü", "服", "\\n", "\\u00e9", "\\\"", ": ", "...", " ", "*x", "&y",
        "\\t",
    ]);
    let double = prop::collection::vec(dq_parts, 0..6).prop_map(|p| format!("\"{}\"", p.concat()));
    let sq_parts = prop::sample::select(vec!["- ", "---", "# ", "it''s", "b", "é", " "]);
    let single = prop::collection::vec(sq_parts, 0..6).prop_map(|p| format!("'{}'", p.concat()));
    let line = prop::sample::select(vec![
        "- item",
        "--- not a document",
        "# not a comment",
        "key: value",
        "Ünï",
        "x",
    ]);
    let folded = prop::collection::vec(line.clone(), 2..4)
        .prop_map(|l| Val::Folded(l.into_iter().map(|s| s.replace('#', "h")).collect()));
    let block_line = prop::sample::select(vec![
        "- item",
        "--- not a document",
        "# not a comment",
        "key: value",
        "Ünï",
        "  more indented",
        "",
    ]);
    let block = (
        prop::sample::select(vec!["|", "|-", "|+", ">", ">-"]),
        line,
        prop::collection::vec(block_line, 0..4),
    )
        .prop_map(|(ind, first, rest)| {
            let mut lines = vec![first.to_owned()];
            lines.extend(rest.into_iter().map(str::to_owned));
            Val::Block(ind, lines)
        });
    prop_oneof![
        6 => plain.prop_map(Val::Scalar),
        3 => double.prop_map(Val::Scalar),
        2 => single.prop_map(Val::Scalar),
        1 => folded,
        2 => block,
        1 => Just(Val::Empty),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "name",
        "namespace",
        "app.kubernetes.io/name",
        "\"quoted key\"",
        "ключ",
        "image",
        "ports",
        "env",
        "a",
        "b",
        "c",
        "x-y",
        "'single'",
        "spec",
        "status",
        "kind",
    ])
    .prop_map(|s| s.to_owned())
}

fn map_of(inner: impl Strategy<Value = Val>) -> impl Strategy<Value = Val> {
    prop::collection::vec((key(), inner, comment()), 0..5).prop_map(|entries| {
        // Keys are unique: duplicates are a problem, which makes the chunker fall back.
        let mut seen = Vec::new();
        let entries = entries
            .into_iter()
            .filter(|(k, _, _)| {
                let bare = k.trim_matches(|c| c == '"' || c == '\'').to_owned();
                !seen.contains(&bare) && {
                    seen.push(bare);
                    true
                }
            })
            .collect();
        Val::Map(entries)
    })
}

fn value() -> impl Strategy<Value = Val> {
    scalar().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            map_of(inner.clone()),
            prop::collection::vec((inner, comment()), 0..4).prop_map(Val::Seq),
        ]
    })
}

/// How a top-level item's first line is written.
#[derive(Clone, Copy, Debug)]
enum Dash {
    /// `- key: value`
    Inline,
    /// `-   key: value`
    Spaces,
    /// `-` alone, the item on the next lines.
    Alone,
    /// `- # comment`, the item on the next lines.
    Comment,
}

fn item() -> impl Strategy<Value = (Val, Option<Comment>, Dash)> {
    (
        prop_oneof![8 => map_of(value()), 1 => scalar(), 1 => value()],
        comment(),
        prop_oneof![
            12 => Just(Dash::Inline),
            1 => Just(Dash::Spaces),
            1 => Just(Dash::Alone),
            1 => Just(Dash::Comment),
        ],
    )
}

#[derive(Clone, Copy, PartialEq)]
enum After {
    Key,
    Dash,
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_comment(out: &mut String, c: &Option<Comment>, col: usize) {
    if let Some(c) = c {
        pad(out, if c.column0 { 0 } else { col });
        out.push_str(c.text);
        out.push('\n');
    }
}

/// Writes `v` after `key:` or `-` written at column `col`.
fn emit_value(out: &mut String, v: &Val, col: usize, after: After) {
    match v {
        Val::Scalar(s) => {
            out.push(' ');
            out.push_str(s);
            out.push('\n');
        }
        Val::Empty => out.push('\n'),
        Val::Folded(lines) => {
            out.push_str(" \"");
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    pad(out, col + 2);
                }
                out.push_str(l);
            }
            out.push_str("\"\n");
        }
        Val::Block(indicator, lines) => {
            out.push(' ');
            out.push_str(indicator);
            out.push('\n');
            for l in lines {
                if !l.is_empty() {
                    pad(out, col + 2);
                    out.push_str(l);
                }
                out.push('\n');
            }
        }
        Val::Map(e) if e.is_empty() => out.push_str(" {}\n"),
        Val::Seq(e) if e.is_empty() => out.push_str(" []\n"),
        Val::Map(e) => match after {
            After::Key => {
                out.push('\n');
                emit_map(out, e, col + 2, false);
            }
            After::Dash => {
                out.push(' ');
                emit_map(out, e, col + 2, true);
            }
        },
        Val::Seq(e) => match after {
            // kubectl writes a sequence in a mapping without indentation.
            After::Key => {
                out.push('\n');
                emit_seq(out, e, col, false);
            }
            After::Dash => {
                out.push(' ');
                emit_seq(out, e, col + 2, true);
            }
        },
    }
}

fn emit_map(
    out: &mut String,
    entries: &[(String, Val, Option<Comment>)],
    col: usize,
    inline: bool,
) {
    for (i, (k, v, c)) in entries.iter().enumerate() {
        if !(inline && i == 0) {
            write_comment(out, c, col);
            pad(out, col);
        }
        out.push_str(k);
        out.push(':');
        emit_value(out, v, col, After::Key);
    }
}

fn emit_seq(out: &mut String, items: &[(Val, Option<Comment>)], col: usize, inline: bool) {
    for (i, (v, c)) in items.iter().enumerate() {
        if !(inline && i == 0) {
            write_comment(out, c, col);
            pad(out, col);
        }
        out.push('-');
        emit_value(out, v, col, After::Dash);
    }
}

#[derive(Clone, Debug)]
struct ListDoc {
    items: Vec<(Val, Option<Comment>, Dash)>,
    kind: &'static str,
    helm_comment: bool,
    kind_in_head: bool,
    items_comment: Option<Comment>,
    trailing_comment: Option<Comment>,
    final_comment: bool,
    crlf: bool,
}

fn list_doc() -> impl Strategy<Value = ListDoc> {
    (
        prop::collection::vec(item(), 0..10),
        prop::sample::select(vec!["List", "PodList", "ConfigMapList"]),
        any::<bool>(),
        prop::bool::weighted(0.2),
        comment(),
        comment(),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(
                items,
                kind,
                helm_comment,
                kind_in_head,
                items_comment,
                trailing_comment,
                final_comment,
                crlf,
            )| {
                ListDoc {
                    items,
                    kind,
                    helm_comment,
                    kind_in_head,
                    items_comment,
                    trailing_comment,
                    final_comment,
                    crlf,
                }
            },
        )
}

fn render(d: &ListDoc) -> String {
    let mut out = String::new();
    if d.helm_comment {
        out.push_str("# Source: chart/templates/list.yaml\n");
    }
    out.push_str("apiVersion: v1\n");
    if d.kind_in_head {
        writeln!(out, "kind: {}", d.kind).unwrap();
    }
    if d.items.is_empty() {
        out.push_str("items: []\n");
    } else {
        out.push_str("items:");
        if let Some(c) = &d.items_comment {
            out.push_str(" # after items\n");
            write_comment(&mut out, &Some(c.clone()), 0);
        } else {
            out.push('\n');
        }
        for (v, c, dash) in &d.items {
            write_comment(&mut out, c, 0);
            match (dash, v) {
                (Dash::Spaces, Val::Map(e)) if !e.is_empty() => {
                    out.push_str("-   ");
                    emit_map(&mut out, e, 4, true);
                }
                (Dash::Alone | Dash::Comment, Val::Map(e)) if !e.is_empty() => {
                    out.push_str(if matches!(dash, Dash::Alone) {
                        "-\n"
                    } else {
                        "- # c\n"
                    });
                    emit_map(&mut out, e, 2, false);
                }
                _ => {
                    out.push('-');
                    emit_value(&mut out, v, 0, After::Dash);
                }
            }
        }
        write_comment(&mut out, &d.trailing_comment, 0);
    }
    if !d.kind_in_head {
        writeln!(out, "kind: {}", d.kind).unwrap();
    }
    out.push_str("metadata:\n  resourceVersion: \"\"\n");
    if d.final_comment {
        out.push_str("# end\n");
    }
    if d.crlf {
        out.replace('\n', "\r\n")
    } else {
        out
    }
}

/// Whether an item line's first node is a scalar (the chunker cuts only before such items).
fn starts_with_scalar(line: &str) -> bool {
    let mut rest = line;
    while let Some(r) = rest.strip_prefix("- ") {
        rest = r.trim_start_matches(' ');
    }
    let mut chars = rest.chars();
    match chars.next() {
        Some('-') => chars.next().is_some_and(|c| c != '\r'),
        Some(c) => c.is_alphanumeric() || "\"'|>.~_".contains(c) || !c.is_ascii(),
        None => false,
    }
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig::default())]

    /// Well-formed lists are chunked (one item per chunk here) and equal the sequential parse.
    #[test]
    fn chunked_equals_sequential(d in list_doc(), target in prop_oneof![Just(1usize), 1usize..400]) {
        let text = render(&d);
        let (parsed, stats) = check(&text, ChunkOptions { min_document: 0, target_chunk: target });
        prop_assert!(parsed.problems.is_empty(), "{text}\n{:?}", parsed.problems);
        prop_assert_eq!(stats.fallbacks, 0, "{}", text);
        if target == 1 {
            // One chunk per item that starts with a scalar (the first must).
            let cuts: Vec<bool> = text
                .split('\n')
                .filter(|l| l.starts_with("- ") || *l == "-" || *l == "-\r")
                .map(starts_with_scalar)
                .collect();
            let chunks = cuts.iter().filter(|&&c| c).count();
            let chunked = cuts.first() == Some(&true) && chunks >= 2;
            prop_assert_eq!(stats.chunked, usize::from(chunked), "{}", text);
            prop_assert_eq!(stats.chunks, if chunked { chunks } else { 0 }, "{}", text);
        }
    }

    /// Damaged lists (anchors, aliases, duplicate keys, tabs, stray quotes, brackets, deleted or
    /// inserted lines) still equal the sequential parse, chunked or not.
    #[test]
    fn damaged_lists_equal_sequential(
        d in list_doc(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..10), 1..4),
    ) {
        let mut text = render(&d);
        for (at, edit) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
            let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n + 1);
            match edit {
                0 => text.insert_str(i, " &a "),
                1 => text.insert_str(i, " *a"),
                2 => text.insert(i, '"'),
                3 => text.insert(i, '['),
                4 => text.insert(line_start, '\t'),
                5 => {
                    let line = text[line_start..line_end].to_owned();
                    text.insert_str(line_start, &line);
                }
                6 => text.replace_range(line_start..line_end, ""),
                7 => text.insert_str(line_start, "- "),
                8 if text[line_start..].starts_with(' ') => text.insert(line_start + 1, '\t'),
                _ => text.insert_str(i, ": x"),
            }
        }
        check(&text, TINY);
    }
}

// ---------------------------------------------------------------------------------------------
// Unit tests

const LIST: &str = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
  data:
    script: |
      - not an item
      --- not a document
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
# between
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: c
kind: List
metadata:
  resourceVersion: \"\"
";

#[test]
fn a_plain_list_is_chunked() {
    let (parsed, stats) = check(LIST, TINY);
    assert_eq!(
        stats,
        ChunkStats {
            chunked: 1,
            chunks: 3,
            fallbacks: 0
        }
    );
    let root = parsed.documents[0].root().unwrap();
    let names: Vec<_> = root
        .get("items")
        .unwrap()
        .items()
        .map(|i| i.path(&["metadata", "name"]).unwrap().as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(parsed.comments.len(), 1);
}

#[test]
fn aliases_fall_back_to_the_sequential_parse() {
    // Alias and anchor in the same chunk: the alias budget is counted over the whole document.
    let text = LIST.replace("name: b\n", "name: &n b\n  other: *n\n");
    let (_, stats) = check(&text, TINY);
    assert_eq!(
        stats,
        ChunkStats {
            chunked: 0,
            chunks: 0,
            fallbacks: 1
        }
    );
    // An alias to an anchor of an earlier chunk.
    let text = LIST
        .replace("name: a\n", "name: &n a\n")
        .replace("name: c\n", "name: *n\n");
    let (parsed, stats) = check(&text, TINY);
    assert_eq!(stats.fallbacks, 1);
    assert!(parsed.problems.is_empty());
    // A merge key, even without an alias.
    let text = LIST.replace("name: b\n", "name: b\n    <<: {x: 1}\n");
    let (_, stats) = check(&text, TINY);
    assert_eq!(stats.fallbacks, 1);
    // An anchor nobody refers to changes nothing: chunked.
    let text = LIST.replace("name: b\n", "name: &n b\n");
    let (_, stats) = check(&text, TINY);
    assert_eq!(stats.chunked, 1);
}

#[test]
fn a_syntax_error_in_one_item_gives_the_sequential_problem() {
    let text = LIST.replace("name: b\n", "name: [b\n");
    let (parsed, stats) = check(&text, TINY);
    assert_eq!(stats.fallbacks, 1);
    assert_eq!(parsed.problems.len(), 1);
    let p = &parsed.problems[0];
    assert_eq!(p.kind, ProblemKind::Syntax);
    // Where the sequential parser reported it: within the second item, not at a chunk's end.
    let at = p.range.unwrap().start as usize;
    let second = text.find("name: [b").unwrap();
    assert!(
        at > second && at < text.find("name: c").unwrap(),
        "{at}: {}",
        p.message
    );
    assert!(parsed.documents.iter().all(|d| d.root.is_none()));
    assert_eq!(parsed.skipped.len(), 1);
}

#[test]
fn duplicate_keys_fall_back_and_are_reported_once() {
    let text = LIST.replace("name: b\n", "name: b\n    name: bb\n");
    let (parsed, stats) = check(&text, TINY);
    assert_eq!(stats.fallbacks, 1);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].kind, ProblemKind::DuplicateKey);
    // Across the head and the tail.
    let text = LIST.replace(
        "apiVersion: v1\nitems:",
        "apiVersion: v1\nkind: List\nitems:",
    );
    let (parsed, stats) = check(&text, TINY);
    assert_eq!(stats.fallbacks, 1);
    assert_eq!(parsed.problems.len(), 1);
}

#[test]
fn unusual_layouts_are_parsed_sequentially() {
    // An indented items sequence, items as the last key, a flow document, a tab at column 0.
    let indented = "apiVersion: v1\nitems:\n  - a: 1\n    b: 2\n  - c: 3\nkind: List\n";
    let last = "apiVersion: v1\nitems:\n- a\n- b\n";
    let flow = "{apiVersion: v1, items: [a, b], kind: List}\n";
    for text in [indented, last, flow] {
        let (_, stats) = check(text, TINY);
        assert_eq!(stats, ChunkStats::default(), "{text}");
    }
    let tab = LIST.replace("# between", "\t# between");
    let (_, stats) = check(&tab, TINY);
    assert_eq!(stats.chunked, 0);
    // Several documents, one of them a list: only that one is chunked.
    let stream = format!("a: 1\n---\n{LIST}---\n{LIST}...\n");
    let (parsed, stats) = check(&stream, TINY);
    assert_eq!(
        stats,
        ChunkStats {
            chunked: 2,
            chunks: 6,
            fallbacks: 0
        }
    );
    assert_eq!(parsed.documents.len(), 3);
}

#[test]
fn an_item_at_the_nesting_limit_falls_back() {
    // A chunk is one block collection shallower than the whole document: an item nested so
    // deep that only the whole document exceeds the parser's limit must not parse when chunked.
    for depth in [250usize, 252, 253, 254] {
        let mut item = String::from("- ");
        for level in 0..depth {
            if level > 0 {
                item.push('\n');
                item.push_str(&" ".repeat(level + 2));
            }
            item.push_str("k:");
        }
        item.push_str(" v\n");
        let text = format!("apiVersion: v1\nitems:\n- a\n{item}kind: List\n");
        check(&text, TINY);
    }
}

#[test]
fn tab_indented_flow_lines_are_chunked_only_while_the_whole_document_could_patch_them() {
    // `parse_piece` reads a tab indenting a line inside `[...]` as a space, for up to 63 lines
    // per piece: 70 such lines fail as a whole document but would parse in chunks.
    for (items, chunked) in [(10, 1), (70, 0)] {
        let mut text = String::from("apiVersion: v1\nitems:\n");
        for i in 0..items {
            writeln!(text, "- name: x{i}\n  args: [a,\n \tb]").unwrap();
        }
        text.push_str("kind: List\n");
        let (parsed, stats) = check(&text, TINY);
        assert_eq!(stats.chunked, chunked, "{items} items");
        assert_eq!(
            parsed.problems.is_empty(),
            items < 64,
            "{:?}",
            parsed.problems
        );
    }
}

/// About `mb` MB of `kubectl get pods,configmaps -A -o yaml`.
fn big_list(mb: usize) -> String {
    let mut out = String::from("apiVersion: v1\nitems:\n");
    let mut i = 0;
    while out.len() < mb << 20 {
        if i % 4 == 3 {
            write!(
                out,
                "- apiVersion: v1\n  data:\n    app.properties: |\n      name=app-{i}\n      - not an item\n    key: \"v-{i} --- # x\"\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    namespace: ns-{}\n",
                i % 7
            )
            .unwrap();
        } else {
            write!(
                out,
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      note: Ünïcödé 服务 {i}\n    labels:\n      app: web-{i}\n    name: web-{i}\n    namespace: ns-{}\n  spec:\n    containers:\n    - args:\n      - --port=8080\n      image: nginx:1.25\n      name: web\n      ports:\n      - containerPort: 8080\n        protocol: TCP\n      resources:\n        limits:\n          memory: 128Mi\n  status:\n    phase: Running\n    podIP: 10.0.{}.{}\n",
                i % 7,
                i / 250 % 250,
                i % 250
            )
            .unwrap();
        }
        i += 1;
    }
    out.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    out
}

#[test]
fn a_large_list_is_chunked_the_same_on_one_and_two_threads() {
    let text = big_list(8);
    let src: Arc<str> = Arc::from(text.as_str());
    let sequential = parse_yaml_sequential(&src);
    assert!(sequential.problems.is_empty());
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (parsed, stats) = pool.install(|| parse_yaml_with(&src, ChunkOptions::DEFAULT));
        assert_eq!(stats.chunked, 1, "{threads} threads");
        assert!(stats.chunks >= 8, "{stats:?}");
        assert_eq!(stats.fallbacks, 0);
        assert_same(&parsed, &sequential);
    }
    // `parse_yaml` chunks too.
    assert_same(&faultline_syntax::yaml::parse_yaml(&src), &sequential);
}
