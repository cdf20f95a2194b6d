//! From Helm's rendered output back to the chart's templates.
//!
//! `helm template` writes `# Source: chart/templates/x.yaml` above each document. When that
//! template is on disk (under `--chart DIR`, whose last component the source's first
//! component names, or under the current directory as the source path reads), a finding
//! about the rendered document is moved to the line of the template that writes the
//! offending key, and the rendered location becomes a related entry:
//!
//! 1. the finding's place in the rendered object as a key path from the document's root
//!    (`spec.template.spec.containers[web].livenessProbe.httpGet.port`), and the scalar there;
//! 2. the template read as indented YAML lines with every `{{ … }}` action blanked out
//!    ([`Template::parse`]): each line's key path, a line holding only actions skipped, a
//!    `- ` item named by its literal `name:`; documents cut at `---`;
//! 3. the template document of the object's kind (the n-th of that kind for the n-th rendered
//!    object of that kind from this template), and in it the line whose key path matches
//!    the longest part of the finding's path ([`Template::locate`]): the whole path, preferring
//!    the line that writes the rendered value literally; else the deepest enclosing key the
//!    template writes (the rest came from values or a helper, and the note says so); else the
//!    first line of the resource, and the note says that too.
//!
//! The template files are added to the run's files after the inputs, so every renderer
//! (snippets, SARIF, GitHub annotations) shows them like any input. Nothing here reads a
//! values file or runs Helm: the match is textual, and says how sure it is.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use faultline_diagnostics::{Diagnostic, Location, ObjectId, Related};
use faultline_model::Inventory;
use faultline_syntax::tree::NodeRef;
use faultline_syntax::{FileId, SourceFile, TextRange};

/// Where templates are looked for.
#[derive(Clone, Debug)]
pub struct HelmOptions {
    /// `--chart DIR`: the chart the rendered input came from.
    pub chart: Option<PathBuf>,
    /// The current directory: a source path that resolves under it is a template too.
    pub cwd: PathBuf,
}

/// One step of a key path in a rendered object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    /// The `index`-th item of a sequence, and its `name` when it is a mapping with one.
    Item {
        index: usize,
        name: Option<String>,
    },
}

/// The key path from `root` to the node at `offset`, and the scalar text there when the
/// offset is in a scalar value (not a key).
pub fn path_to(root: NodeRef<'_>, offset: u32) -> (Vec<Seg>, Option<String>) {
    let contains = |r: TextRange| r.start <= offset && offset < r.end.max(r.start + 1);
    let mut path = Vec::new();
    let mut node = root;
    loop {
        if node.is_map() {
            let Some((k, v)) = node
                .entries()
                .find(|(k, v)| contains(k.range()) || contains(v.range()))
            else {
                return (path, None);
            };
            path.push(Seg::Key(k.scalar_text().unwrap_or_default().to_owned()));
            if contains(k.range()) {
                return (path, None);
            }
            node = v;
        } else if node.is_seq() {
            let Some((index, item)) = node.items().enumerate().find(|(_, i)| contains(i.range()))
            else {
                return (path, None);
            };
            let name = item.get("name").and_then(|n| n.as_str()).map(str::to_owned);
            path.push(Seg::Item { index, name });
            node = item;
        } else {
            return (path, node.scalar_text().map(str::to_owned));
        }
    }
}

/// `spec.template.spec.containers[web].resources`.
pub fn display_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Item {
                name: Some(name), ..
            } => s.push_str(&format!("[{name}]")),
            Seg::Item { index, .. } => s.push_str(&format!("[{index}]")),
        }
    }
    s
}

/// A step of a template line's key path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TSeg {
    Key(String),
    /// An item of a sequence: its number among the items the template writes there, and its
    /// id in [`Template::items`] (for its `name`).
    Item {
        ordinal: usize,
        id: usize,
    },
}

/// What a `- ` item's `name:` is in the template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ItemName {
    Unknown,
    Literal(String),
    /// Written by an action (`name: {{ .Chart.Name }}`): matches any name.
    Templated,
}

/// One line of a template that writes a key.
#[derive(Clone, Debug)]
struct TLine {
    path: Vec<TSeg>,
    /// The key's byte range in the template.
    key: TextRange,
    /// The value's range when the line writes it literally (no action in it).
    value: Option<TextRange>,
    /// From the key to the end of the line's content, when the line holds no action.
    literal_line: Option<TextRange>,
}

/// How well a template line matches: (depth, value written as rendered, line written as
/// rendered, item positions agree).
type Score = (usize, bool, bool, bool);

/// One `---`-separated document of a template.
#[derive(Clone, Debug)]
struct TDoc {
    /// The first byte of its first line that is not blank, a comment or only actions.
    start: Option<u32>,
    /// The first byte of its first line that is not blank (actions count).
    first: Option<u32>,
    /// Its top-level literal `kind:`.
    kind: Option<String>,
    lines: Vec<TLine>,
}

/// A template, read as indented YAML lines (see the module documentation).
#[derive(Clone, Debug)]
pub struct Template {
    text: String,
    docs: Vec<TDoc>,
    items: Vec<ItemName>,
}

/// Where [`Template::locate`] puts a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The line that writes the whole path (at the value when it is written literally and
    /// is the rendered value, else at the key).
    Exact(TextRange),
    /// The deepest enclosing key the template writes; `rest` is the part of the path it does
    /// not (it came from values or a helper).
    Enclosing { range: TextRange, rest: String },
    /// No line writes any of the path: the resource's first line.
    Resource(TextRange),
}

impl Found {
    pub fn range(&self) -> TextRange {
        match self {
            Found::Exact(r) | Found::Resource(r) => *r,
            Found::Enclosing { range, .. } => *range,
        }
    }
}

/// `text` with every `{{ … }}` action (delimiters included) replaced by spaces, line breaks
/// kept, so that byte offsets and columns stay those of the template.
fn blank_actions(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'{' && bytes[i + 1] == b'{' {
            let end = text[i + 2..]
                .find("}}")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
            for b in &mut out[i..end] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes of whole characters were replaced (an action's characters, each byte
    // of a multi-byte one by a space), so the result is UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The end of a line's content: before a ` #` comment (outside quotes), trailing blanks
/// removed.
fn content_end(line: &str) -> usize {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => {
                return line[..i].trim_end().len();
            }
            _ => {}
        }
    }
    line.trim_end().len()
}

/// `key:` at the start of `s` (a plain or quoted key followed by `:` and a blank or the end):
/// the key and the byte length up to the value.
fn key_of(s: &str) -> Option<(String, usize)> {
    let (key, after) = if let Some(q @ ('"' | '\'')) = s.chars().next() {
        let close = s[1..].find(q)? + 1;
        (s[1..close].to_owned(), close + 1)
    } else {
        let colon = s
            .find(": ")
            .or_else(|| s.ends_with(':').then(|| s.len() - 1))?;
        let key = s[..colon].trim_end();
        if key.is_empty() || key.starts_with(['[', '{', '-', '#']) || key.contains(['"', '\'']) {
            return None;
        }
        (key.to_owned(), colon)
    };
    let rest = &s[after..];
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, s.len() - rest.len()))
}

impl Template {
    /// Reads a template's lines (see the module documentation).
    pub fn parse(text: &str) -> Self {
        let blank = blank_actions(text);
        let mut docs = vec![TDoc {
            start: None,
            first: None,
            kind: None,
            lines: Vec::new(),
        }];
        let mut items: Vec<ItemName> = Vec::new();
        // (column, step, items written directly under it so far)
        let mut stack: Vec<(usize, TSeg, usize)> = Vec::new();
        let mut top_items = 0usize;
        // Lines deeper than this column belong to a block scalar.
        let mut block_scalar: Option<usize> = None;
        let mut offset = 0usize;
        for (raw, masked) in text.split_inclusive('\n').zip(blank.split_inclusive('\n')) {
            let line_start = offset;
            offset += raw.len();
            let masked = masked.trim_end_matches(['\n', '\r']);
            let end = content_end(masked);
            let content = &masked[..end];
            let indent = content.len() - content.trim_start().len();
            let body = content.trim_start();
            if body.is_empty() || body.starts_with('#') {
                let raw_body = raw.trim();
                let comment = raw_body.starts_with("{{/*") || raw_body.starts_with("{{- /*");
                if !raw_body.is_empty()
                    && !raw_body.starts_with('#')
                    && raw_body != "---"
                    && !comment
                {
                    let doc = docs.last_mut().expect("one document at least");
                    let lead = raw.len() - raw.trim_start().len();
                    doc.first.get_or_insert((line_start + lead) as u32);
                }
                continue;
            }
            if let Some(col) = block_scalar {
                if indent > col {
                    continue;
                }
                block_scalar = None;
            }
            if indent == 0 && (body == "---" || body.starts_with("--- ")) {
                docs.push(TDoc {
                    start: None,
                    first: None,
                    kind: None,
                    lines: Vec::new(),
                });
                stack.clear();
                top_items = 0;
                continue;
            }
            let doc = docs.last_mut().expect("one document at least");
            doc.start.get_or_insert((line_start + indent) as u32);
            doc.first.get_or_insert((line_start + indent) as u32);
            let mut col = indent;
            let mut rest = body;
            // `- ` items, possibly nested (`- - a`).
            while let Some(after) = rest
                .strip_prefix("- ")
                .or_else(|| (rest == "-").then_some(""))
            {
                while stack.last().is_some_and(|(c, seg, _)| {
                    *c > col || (*c == col && matches!(seg, TSeg::Item { .. }))
                }) {
                    stack.pop();
                }
                let ordinal = match stack.last_mut() {
                    Some((_, _, n)) => {
                        *n += 1;
                        *n - 1
                    }
                    None => {
                        top_items += 1;
                        top_items - 1
                    }
                };
                let id = items.len();
                items.push(ItemName::Unknown);
                stack.push((col, TSeg::Item { ordinal, id }, 0));
                let skipped = rest.len() - after.len();
                let trimmed = after.trim_start();
                col += skipped + (after.len() - trimmed.len());
                rest = trimmed;
            }
            let Some((key, to_value)) = key_of(rest) else {
                continue;
            };
            while stack.last().is_some_and(|(c, _, _)| *c >= col) {
                stack.pop();
            }
            let value_start = line_start + col + to_value;
            let raw_value = raw[col + to_value..].trim_end_matches(['\n', '\r']);
            let masked_value = &masked[(col + to_value).min(end)..end];
            let lead = masked_value.len() - masked_value.trim_start().len();
            let shown = masked_value.trim();
            let templated = raw_value.contains("{{");
            let value = (!shown.is_empty() && !templated).then(|| {
                TextRange::new(
                    (value_start + lead) as u32,
                    (value_start + lead + shown.len()) as u32,
                )
            });
            if shown.starts_with('|') || shown.starts_with('>') {
                block_scalar = Some(col);
            }
            if let Some((_, TSeg::Item { id, .. }, _)) = stack.last()
                && key == "name"
            {
                items[*id] = match (templated, value) {
                    (true, _) => ItemName::Templated,
                    (false, Some(v)) => {
                        ItemName::Literal(unquote(&text[v.start as usize..v.end as usize]))
                    }
                    (false, None) => ItemName::Unknown,
                };
            }
            if stack.is_empty()
                && key == "kind"
                && let Some(v) = value
            {
                doc.kind = Some(unquote(&text[v.start as usize..v.end as usize]));
            }
            let mut path: Vec<TSeg> = stack.iter().map(|(_, s, _)| s.clone()).collect();
            path.push(TSeg::Key(key));
            let key_start = (line_start + col) as u32;
            let literal_line =
                (!raw.contains("{{")).then(|| TextRange::new(key_start, (line_start + end) as u32));
            doc.lines.push(TLine {
                path: path.clone(),
                key: TextRange::new(key_start, key_start + (to_value as u32).saturating_sub(1)),
                value,
                literal_line,
            });
            stack.push((col, path.pop().expect("just pushed"), 0));
        }
        docs.retain(|d| d.first.is_some());
        Self {
            text: text.to_owned(),
            docs,
            items,
        }
    }

    /// The document for the `nth` object of `kind` rendered from this template: the `nth`
    /// document whose literal `kind` is `kind`, else the `nth` document.
    fn doc(&self, kind: &str, nth: usize, nth_any: usize) -> Option<&TDoc> {
        let of_kind: Vec<&TDoc> = self
            .docs
            .iter()
            .filter(|d| d.kind.as_deref() == Some(kind))
            .collect();
        if of_kind.is_empty() {
            let unnamed: Vec<&TDoc> = self.docs.iter().filter(|d| d.kind.is_none()).collect();
            return unnamed
                .get(nth_any.min(unnamed.len().saturating_sub(1)))
                .copied()
                .or_else(|| self.docs.first());
        }
        of_kind.get(nth.min(of_kind.len() - 1)).copied()
    }

    /// Where the template writes `path` (with `value` rendered there) for the `nth` object of
    /// `kind` rendered from it (`nth_any`: of any kind). `None` when the template has no
    /// document at all.
    pub fn locate(
        &self,
        kind: &str,
        nth: usize,
        nth_any: usize,
        path: &[Seg],
        value: Option<&str>,
    ) -> Option<Found> {
        self.locate_line(kind, nth, nth_any, path, value, None)
    }

    /// [`Self::locate`], preferring among equally good lines one written exactly as
    /// `rendered_line` (the rendered line from the finding's key on): of a key written twice,
    /// the one the finding is about.
    pub fn locate_line(
        &self,
        kind: &str,
        nth: usize,
        nth_any: usize,
        path: &[Seg],
        value: Option<&str>,
        rendered_line: Option<&str>,
    ) -> Option<Found> {
        let doc = self.doc(kind, nth, nth_any)?;
        // (depth, value written as rendered, line written as rendered, item ordinals agree)
        // — larger is better, earlier lines first among equals.
        let mut best: Option<(Score, &TLine)> = None;
        for line in &doc.lines {
            let Some(ordinals) = self.matches(&line.path, path) else {
                continue;
            };
            let depth = line.path.len();
            let literal = depth == path.len()
                && value.is_some_and(|v| {
                    line.value
                        .is_some_and(|r| unquote(&self.text[r.start as usize..r.end as usize]) == v)
                });
            let same_line = depth == path.len()
                && rendered_line.is_some_and(|r| {
                    line.literal_line.is_some_and(|l| {
                        self.text[l.start as usize..l.end as usize] == *r.trim_end()
                    })
                });
            let score = (depth, literal, same_line, ordinals);
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, line));
            }
        }
        let start = doc.start.or(doc.first).expect("documents kept have a line");
        Some(match best {
            None => Found::Resource(self.line_range(start)),
            Some(((depth, literal, ..), line)) if depth == path.len() => {
                Found::Exact(match (literal, line.value) {
                    (true, Some(v)) => v,
                    _ => line.key,
                })
            }
            Some(((depth, ..), line)) => Found::Enclosing {
                range: line.key,
                rest: display_path(&path[depth..]),
            },
        })
    }

    /// Whether a template line's path is a prefix of `path` (keys equal; items equal by
    /// literal name, or any item when the name is written by an action or not at all), and
    /// whether the items also agree by position.
    fn matches(&self, line: &[TSeg], path: &[Seg]) -> Option<bool> {
        if line.len() > path.len() {
            return None;
        }
        let mut ordinals = true;
        for (t, p) in line.iter().zip(path) {
            match (t, p) {
                (TSeg::Key(a), Seg::Key(b)) if a == b => {}
                (TSeg::Item { ordinal, id }, Seg::Item { index, name }) => {
                    match (&self.items[*id], name) {
                        (ItemName::Literal(a), Some(b)) if a != b => return None,
                        (ItemName::Literal(_), Some(_)) => {}
                        _ => ordinals &= ordinal == index,
                    }
                }
                _ => return None,
            }
        }
        Some(ordinals)
    }

    /// The line at `start`, from `start` to its end.
    fn line_range(&self, start: u32) -> TextRange {
        let rest = &self.text[start as usize..];
        let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
        TextRange::new(start, start + len as u32)
    }
}

/// A YAML scalar as written, without its quotes.
fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_owned();
        }
    }
    s.to_owned()
}

/// Where the template `source` (as `# Source:` names it) is on disk, and the path to show for
/// it (relative to `cwd` when it is under it): under `--chart DIR` (the source's first
/// component is the chart's name, the rest a path in DIR), else under `cwd`.
pub fn template_path(source: &str, options: &HelmOptions) -> Option<(PathBuf, String)> {
    let source = Path::new(source);
    if source.is_absolute()
        || source
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::RootDir))
    {
        return None;
    }
    let mut candidates = Vec::new();
    if let Some(chart) = &options.chart {
        // Helm names the chart first: only a source of this chart (or of its subcharts,
        // which it names first too) is looked for in it.
        let first = source
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy());
        if first.is_some_and(|f| chart_name(&options.cwd.join(chart)).is_some_and(|n| n == f)) {
            let rest: PathBuf = source.components().skip(1).collect();
            candidates.push(chart.join(rest));
        }
    }
    candidates.push(source.to_path_buf());
    for shown in candidates {
        let on_disk = if shown.is_absolute() {
            shown.clone()
        } else {
            options.cwd.join(&shown)
        };
        if on_disk.is_file() {
            let shown = match shown.strip_prefix(&options.cwd) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => shown,
            };
            let shown = shown.to_string_lossy().replace('\\', "/");
            let shown = shown.trim_start_matches("./").to_owned();
            return Some((on_disk, shown));
        }
    }
    None
}

/// A chart's name: `name:` in its `Chart.yaml`, else its directory's name.
fn chart_name(dir: &Path) -> Option<String> {
    let from_file = std::fs::read_to_string(dir.join("Chart.yaml"))
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                l.strip_prefix("name:")
                    .map(|v| unquote(v.split(" #").next().unwrap_or(v)))
            })
        });
    from_file.or_else(|| {
        dir.canonicalize()
            .ok()?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    })
}

/// The templates read for a run, and where each finding goes.
#[derive(Debug)]
pub struct Mapper<'o> {
    options: &'o HelmOptions,
    /// Source as written → index into `files`, or `None` when not found or unreadable.
    by_source: HashMap<String, Option<usize>>,
    /// The template files, numbered after the run's files.
    pub files: Vec<SourceFile>,
    parsed: Vec<Template>,
    first_id: u32,
}

impl<'o> Mapper<'o> {
    /// A mapper whose template files get ids from `first_id` on (the run's file count).
    pub fn new(options: &'o HelmOptions, first_id: u32) -> Self {
        Self {
            options,
            by_source: HashMap::new(),
            files: Vec::new(),
            parsed: Vec::new(),
            first_id,
        }
    }

    fn template(&mut self, source: &str) -> Option<usize> {
        if let Some(i) = self.by_source.get(source) {
            return *i;
        }
        let found = template_path(source, self.options).and_then(|(on_disk, shown)| {
            // Templates are small; one that is not UTF-8 text or huge is left alone.
            let meta = std::fs::metadata(&on_disk).ok()?;
            if meta.len() > 16 << 20 {
                return None;
            }
            let text = std::fs::read_to_string(&on_disk).ok()?;
            let id = FileId(self.first_id + self.files.len() as u32);
            self.parsed.push(Template::parse(&text));
            self.files.push(SourceFile::new(id, shown, text));
            Some(self.files.len() - 1)
        });
        self.by_source.insert(source.to_owned(), found);
        found
    }

    /// Moves each finding about a document rendered from a template found on disk to the
    /// template's line, the rendered location kept as a related entry.
    pub fn map(&mut self, inventory: &Inventory<'_>, diagnostics: &mut [Diagnostic]) {
        // The rank of each object among those rendered from the same template: of its kind,
        // and of any kind.
        let mut seen: HashMap<(&str, Option<&str>), usize> = HashMap::new();
        let mut rank: HashMap<u32, (usize, usize)> = HashMap::new();
        for o in &inventory.objects {
            let Some(source) = o.helm_source else {
                continue;
            };
            let nth = {
                let n = seen.entry((source, Some(o.kind))).or_insert(0);
                *n += 1;
                *n - 1
            };
            let nth_any = {
                let n = seen.entry((source, None)).or_insert(0);
                *n += 1;
                *n - 1
            };
            rank.insert(o.id.0, (nth, nth_any));
        }
        for d in diagnostics {
            let Some(id) = d.object_id else { continue };
            let Some((location, found, source, path)) =
                self.relocate(inventory, &rank, id, d.location)
            else {
                continue;
            };
            let note = match &found {
                Found::Exact(_) => {
                    format!("the rendered output, from the Helm template `{source}`")
                }
                Found::Enclosing { rest, .. } => format!(
                    "the rendered output, from the Helm template `{source}`, which writes the \
                     enclosing key; `{rest}` below it comes from values or a helper"
                ),
                Found::Resource(_) => format!(
                    "the rendered output, from the Helm template `{source}`, where no line \
                     writes `{}`: the finding is shown at the resource's first line",
                    display_path(&path)
                ),
            };
            let rendered = d.location;
            d.location = location;
            d.related.retain(|r| {
                !(r.location.is_none() && r.message.starts_with("rendered from the Helm template"))
            });
            // Related places the template writes exactly move too; the others stay in the
            // rendered output.
            for r in &mut d.related {
                let (Some(at), Some(of)) = (r.location, r.object_id.or(Some(id))) else {
                    continue;
                };
                if let Some((moved, Found::Exact(_), ..)) = self.relocate(inventory, &rank, of, at)
                {
                    r.location = Some(moved);
                }
            }
            d.related.insert(
                0,
                Related {
                    message: note,
                    object: d.object.clone(),
                    object_id: d.object_id,
                    location: Some(rendered),
                },
            );
        }
    }

    /// Where the template of object `id` writes what `at` points at in the rendered output:
    /// the location, how it was found, the `# Source:` and the key path.
    fn relocate(
        &mut self,
        inventory: &Inventory<'_>,
        rank: &HashMap<u32, (usize, usize)>,
        id: ObjectId,
        at: Location,
    ) -> Option<(Location, Found, String, Vec<Seg>)> {
        let obj = inventory.objects.get(id.0 as usize)?;
        let (source, range) = (obj.helm_source?, at.range?);
        let whole = obj.node.range();
        if at.file != obj.file || range.start < whole.start || range.start > whole.end {
            return None;
        }
        let t = self.template(source)?;
        let (path, value) = path_to(obj.node, range.start);
        let (nth, nth_any) = rank.get(&id.0).copied().unwrap_or((0, 0));
        // The rendered line from the key the finding is about on.
        let rendered_line = obj
            .node
            .tree()
            .source()
            .get(range.start as usize..)
            .map(|rest| {
                let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
                line.split(" #").next().unwrap_or(line)
            });
        let found = self.parsed[t].locate_line(
            obj.kind,
            nth,
            nth_any,
            &path,
            value.as_deref(),
            rendered_line,
        )?;
        let location = Location::new(self.files[t].id, found.range());
        Some((location, found, source.to_owned(), path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_syntax::load::parse_source;

    const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "x.fullname" . }}
  labels:
    {{- include "x.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image }}"
          livenessProbe:
            httpGet:
              path: /healthz   # a comment
              port: {{ .Values.port }}
          {{- with .Values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        - name: sidecar
          image: busybox
          resources:
            limits:
              memory: 64Mi
"#;

    fn keys(path: &str) -> Vec<Seg> {
        path.split('.')
            .map(|k| match k.strip_prefix('[') {
                Some(name) => Seg::Item {
                    index: 0,
                    name: Some(name.trim_end_matches(']').to_owned()),
                },
                None => Seg::Key(k.to_owned()),
            })
            .collect()
    }

    fn at(t: &Template, found: &Found) -> String {
        t.text[found.range().start as usize..found.range().end as usize].to_owned()
    }

    #[test]
    fn actions_are_blanked_with_offsets_kept() {
        let s = "a: {{ .x }}\n  {{- if y }}\nb: 1 {{ z\n}} c\n";
        let b = blank_actions(s);
        assert_eq!(b.len(), s.len());
        assert_eq!(b, "a:         \n             \nb: 1     \n   c\n");
    }

    #[test]
    fn exact_lines_and_literal_values() {
        let t = Template::parse(DEPLOYMENT);
        let f = t
            .locate(
                "Deployment",
                0,
                0,
                &keys("spec.template.spec.containers.[web].livenessProbe.httpGet.port"),
                Some("metrics"),
            )
            .unwrap();
        assert!(matches!(f, Found::Exact(_)), "{f:?}");
        assert_eq!(at(&t, &f), "port");
        // A value the template writes literally is pointed at.
        let f = t
            .locate(
                "Deployment",
                0,
                0,
                &keys("spec.template.spec.containers.[sidecar].resources.limits.memory"),
                Some("64Mi"),
            )
            .unwrap();
        assert_eq!(
            (at(&t, &f), f.range().start),
            ("64Mi".to_owned(), DEPLOYMENT.find("64Mi").unwrap() as u32)
        );
        let f = t
            .locate(
                "Deployment",
                0,
                0,
                &keys("spec.template.spec.containers.[web].livenessProbe.httpGet.path"),
                Some("/healthz"),
            )
            .unwrap();
        assert_eq!(at(&t, &f), "/healthz");
    }

    #[test]
    fn keys_from_values_point_at_the_enclosing_key() {
        let t = Template::parse(DEPLOYMENT);
        let f = t
            .locate(
                "Deployment",
                0,
                0,
                &keys("spec.template.spec.containers.[web].resources.requests.memory"),
                Some("128Mi"),
            )
            .unwrap();
        let Found::Enclosing { range, rest } = &f else {
            panic!("{f:?}")
        };
        assert_eq!(rest, "requests.memory");
        // The web container's `resources`, not the sidecar's, though its name is an action:
        // the sidecar's literal name rules it out.
        assert_eq!(
            range.start as usize,
            DEPLOYMENT.find("resources:\n            {{-").unwrap()
        );
        // Labels from a helper: the `labels:` key.
        let f = t
            .locate("Deployment", 0, 0, &keys("metadata.labels.app"), Some("x"))
            .unwrap();
        assert!(
            matches!(&f, Found::Enclosing { rest, .. } if rest == "app"),
            "{f:?}"
        );
        assert_eq!(at(&t, &f), "labels");
    }

    #[test]
    fn nothing_written_points_at_the_resource() {
        let t =
            Template::parse("{{- /* a\n comment */ -}}\n{{ include \"x.all\" . }}\nkind: Secret\n");
        let f = t
            .locate("Secret", 0, 0, &keys("data.password"), None)
            .unwrap();
        assert!(matches!(f, Found::Resource(_)), "{f:?}");
        assert_eq!(at(&t, &f), "kind: Secret");
    }

    #[test]
    fn documents_are_chosen_by_kind_and_rank() {
        let text = "kind: Service\nspec:\n  a: 1\n---\nkind: Deployment\nspec:\n  a: 2\n---\nkind: Deployment\nspec:\n  a: 3\n";
        let t = Template::parse(text);
        let value = |kind, nth| {
            let f = t.locate(kind, nth, 0, &keys("spec.a"), Some("0")).unwrap();
            at(&t, &f);
            text[..f.range().start as usize].matches('\n').count() + 1
        };
        assert_eq!(
            (
                value("Service", 0),
                value("Deployment", 0),
                value("Deployment", 1)
            ),
            (3, 7, 11)
        );
    }

    #[test]
    fn block_scalars_and_flow_values_are_not_keys() {
        let t = Template::parse("data:\n  script: |\n    name: not-a-key\n  other: 1\n");
        let f = t.locate("", 0, 0, &keys("data.other"), Some("1")).unwrap();
        assert_eq!(at(&t, &f), "1");
        let f = t.locate("", 0, 0, &keys("data.script.name"), None).unwrap();
        assert!(
            matches!(&f, Found::Enclosing { rest, .. } if rest == "name"),
            "{f:?}"
        );
    }

    #[test]
    fn rendered_paths() {
        let text = "spec:\n  containers:\n    - name: a\n    - name: b\n      ports:\n        - containerPort: 80\n";
        let parsed = parse_source(&SourceFile::new(FileId(0), "x.yaml", text));
        let root = parsed.documents[0].root().unwrap();
        let (path, value) = path_to(root, text.find("80").unwrap() as u32);
        assert_eq!(
            display_path(&path),
            "spec.containers[b].ports[0].containerPort"
        );
        assert_eq!(value.as_deref(), Some("80"));
        let (path, value) = path_to(root, text.find("ports").unwrap() as u32);
        assert_eq!(display_path(&path), "spec.containers[b].ports");
        assert_eq!(value, None);
    }

    proptest::proptest! {
        /// Any text is a template: reading and matching never panic, and what they point at
        /// is inside the text on character boundaries.
        #[test]
        fn any_text_reads_and_matches(
            text in "([ a-z:{}\\-#'\"|>\n]|é|服|\\{\\{|\\}\\}|---\n|  - ){0,200}",
            keys in proptest::collection::vec("[a-z]{1,2}", 0..4),
        ) {
            let t = Template::parse(&text);
            let path: Vec<Seg> = keys.into_iter().map(Seg::Key).collect();
            for (kind, nth) in [("", 0), ("a", 1)] {
                if let Some(found) = t.locate_line(kind, nth, nth, &path, Some("a"), Some("a: a")) {
                    let r = found.range();
                    proptest::prop_assert!(r.start <= r.end && r.end as usize <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(r.start as usize));
                    proptest::prop_assert!(text.is_char_boundary(r.end as usize));
                }
            }
        }
    }

    #[test]
    fn template_paths_under_the_chart_or_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("charts-src/shop");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("templates/a.yaml"), "kind: A\n").unwrap();
        let options = HelmOptions {
            chart: Some(PathBuf::from("charts-src/shop")),
            cwd: dir.path().to_path_buf(),
        };
        let (on_disk, shown) = template_path("shop/templates/a.yaml", &options).unwrap();
        assert_eq!(shown, "charts-src/shop/templates/a.yaml");
        assert!(on_disk.is_file());
        // An absolute --chart under the current directory is shown relative to it.
        let options = HelmOptions {
            chart: Some(chart.clone()),
            cwd: dir.path().to_path_buf(),
        };
        assert_eq!(
            template_path("shop/templates/a.yaml", &options).unwrap().1,
            "charts-src/shop/templates/a.yaml"
        );
        // Without --chart, the source path as written, under the current directory.
        let options = HelmOptions {
            chart: None,
            cwd: dir.path().join("charts-src"),
        };
        assert_eq!(
            template_path("shop/templates/a.yaml", &options).unwrap().1,
            "shop/templates/a.yaml"
        );
        assert_eq!(template_path("shop/templates/missing.yaml", &options), None);
        assert_eq!(template_path("../shop/templates/a.yaml", &options), None);
    }
}
