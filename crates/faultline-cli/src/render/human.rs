//! rustc/ruff-style output for terminals:
//!
//! ```text
//! error[rule-id]: message
//!   --> path:line:col
//!    |
//! 12 |     memory: 1Gi
//!    |             ^^^ Deployment/prod/web
//!    |
//!   ::: path:line:col
//!    |
//! 90 |     memory: 2Gi
//!    |             --- related message (same file; within 8 lines it shares the snippet above)
//!    |
//!    = note: related message at other.yaml:3:9 (Secret/prod/db)
//!    = help: what to change
//!
//! 1 error, 0 warnings, 0 infos in 2 files (3 objects)
//! ```
//!
//! Snippets are cut from the source by the line index (only the lines of the ranges), so the
//! cost does not grow with the file; lines over 64 KiB get `path:line:col` and no snippet.
//! Every text from the input (messages, notes, labels, paths, source lines) goes through
//! [`escape`], so control characters from manifests cannot drive the terminal. Every character of a snippet that [`RenderContext::redact`]
//! reports is replaced by `*` (line breaks kept), so Secret values never reach the terminal.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Element, Level, Origin, Renderer, Snippet};
use faultline_diagnostics::{Diagnostic, Severity};
use faultline_syntax::{FileId, SourceFile, TextRange};

use super::escape::{self, visible};
use super::{Counts, RenderContext, file, location_label, object_label};

/// Above this many bytes of lines a snippet is not drawn; the header still gives
/// `path:line:col`. Guards against a minified one-line JSON document of 100 MB.
const MAX_EXCERPT_BYTES: u32 = 64 * 1024;

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> io::Result<()> {
    let renderer = if ctx.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for d in diags {
        let text = render_one(&renderer, d, files, ctx);
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n\n")?;
    }
    writeln!(out, "{}", summary_line(Counts::of(diags), ctx))
}

/// `1 error, 2 warnings, 0 infos in 3 files (4 objects)`.
pub fn summary_line(counts: Counts, ctx: &RenderContext<'_>) -> String {
    fn n(count: usize, word: &str) -> String {
        if count == 1 {
            format!("{count} {word}")
        } else {
            format!("{count} {word}s")
        }
    }
    format!(
        "{}, {}, {} in {} ({})",
        n(counts.errors, "error"),
        n(counts.warnings, "warning"),
        n(counts.infos, "info"),
        n(ctx.summary.files, "file"),
        n(ctx.summary.objects, "object"),
    )
}

/// Related places at most this many lines from a snippet join it instead of getting their own.
const NEAR_LINES: u32 = 8;

/// A range to underline: the primary one, or a related one with its label.
#[derive(Debug)]
struct Mark {
    range: TextRange,
    label: Option<String>,
    primary: bool,
}

/// One diagnostic, without a trailing newline.
fn render_one(
    renderer: &Renderer,
    d: &Diagnostic,
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> String {
    let f = file(files, d.location.file);
    let path = visible(&f.path);
    let object = object_label(d.object.as_ref()).map(|o| visible(&o).into_owned());

    // Ranges to draw, grouped into snippets: the primary range first, then related places in
    // the same file (joining a snippet when they are near it). Other places become notes.
    let mut groups: Vec<Vec<Mark>> = Vec::new();
    if let Some(range) = d.location.range {
        groups.push(vec![Mark {
            range,
            label: object.clone(),
            primary: true,
        }]);
    }
    let mut notes = Vec::new();
    for rel in &d.related {
        let obj = object_label(rel.object.as_ref());
        match rel.location {
            Some(loc) if loc.file == d.location.file && d.location.range.is_some() => {
                let Some(range) = loc.range else {
                    notes.push(note_text(&rel.message, Some(&f.path), obj));
                    continue;
                };
                let mark = Mark {
                    range,
                    label: Some(note_text(&rel.message, None, obj)),
                    primary: false,
                };
                match groups.iter_mut().find(|g| is_near(f, g, range)) {
                    Some(g) => g.push(mark),
                    None => groups.push(vec![mark]),
                }
            }
            Some(loc) => {
                let at = location_label(files, loc.file, loc.range);
                notes.push(note_text(&rel.message, Some(&at), obj));
            }
            None => notes.push(note_text(&rel.message, None, obj)),
        }
    }
    let excerpts: Vec<Option<Excerpt<'_>>> = groups
        .iter()
        .map(|g| {
            let ranges: Vec<TextRange> = g.iter().map(|m| m.range).collect();
            Excerpt::new(f, &ranges, ctx.redact)
        })
        .collect();

    let mut elements: Vec<Element<'_>> = Vec::new();
    let mut object_shown = false;
    if d.location.range.is_none() {
        elements.push(Origin::path(path.as_ref()).into());
    }
    for (marks, ex) in groups.iter().zip(&excerpts) {
        match ex {
            Some(ex) => {
                let mut snippet = ex.snippet(&path);
                for (m, span) in marks.iter().zip(&ex.spans) {
                    let kind = if m.primary {
                        object_shown |= m.label.is_some();
                        AnnotationKind::Primary
                    } else {
                        AnnotationKind::Context
                    };
                    snippet = snippet.annotation(kind.span(span.clone()).label(m.label.as_deref()));
                }
                elements.push(snippet.into());
            }
            // Too long to draw: positions only.
            None => {
                for m in marks {
                    let lc = f.line_col(m.range.start);
                    if m.primary {
                        elements.push(
                            Origin::path(path.as_ref())
                                .line(lc.line as usize)
                                .char_column(lc.column as usize)
                                .into(),
                        );
                    } else {
                        let at = format!("{}:{}:{}", f.path, lc.line, lc.column);
                        let label = m.label.as_deref().unwrap_or_default();
                        notes.push(note_text(label, Some(&at), None));
                    }
                }
            }
        }
    }
    if !object_shown && let Some(o) = &object {
        notes.insert(0, format!("in {o}"));
    }
    for n in &notes {
        elements.push(Level::NOTE.message(n.as_str()).into());
    }
    let help = visible(&d.help);
    if !d.help.is_empty() {
        elements.push(Level::HELP.message(help.as_ref()).into());
    }
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let title = visible(&d.message);
    let group = level
        .primary_title(title.as_ref())
        .id(d.rule)
        .elements(elements);
    let text = renderer.render(&[group]);
    text.trim_end_matches('\n').to_owned()
}

/// 0-based first and last line of a range.
fn line_span(f: &SourceFile, r: TextRange) -> (u32, u32) {
    let first = f.lines.line_of(r.start);
    let last = if r.end > r.start {
        f.lines.line_of(r.end - 1)
    } else {
        first
    };
    (first, last.max(first))
}

/// Whether `range` is within [`NEAR_LINES`] of the lines `group` covers.
fn is_near(f: &SourceFile, group: &[Mark], range: TextRange) -> bool {
    let (lo, hi) = group
        .iter()
        .map(|m| line_span(f, m.range))
        .fold((u32::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    let (a, b) = line_span(f, range);
    a <= hi.saturating_add(NEAR_LINES) && b.saturating_add(NEAR_LINES) >= lo
}

/// `message at path:line:col (Kind/ns/name)`, with control characters escaped.
fn note_text(message: &str, at: Option<&str>, object: Option<String>) -> String {
    visible(&note_text_raw(message, at, object)).into_owned()
}

fn note_text_raw(message: &str, at: Option<&str>, object: Option<String>) -> String {
    let mut s = message.to_owned();
    if let Some(at) = at {
        s.push_str(" at ");
        s.push_str(at);
    }
    if let Some(o) = object {
        s.push_str(" (");
        s.push_str(&o);
        s.push(')');
    }
    s
}

/// The whole lines around some ranges of one file, with redacted characters masked, ready for
/// a [`Snippet`].
#[derive(Debug)]
struct Excerpt<'f> {
    source: Cow<'f, str>,
    /// 1-based number of the first line.
    line_start: usize,
    /// The ranges, relative to `source`, in the order given.
    spans: Vec<Range<usize>>,
}

impl<'f> Excerpt<'f> {
    /// `None` when the lines are too long to draw.
    fn new(
        file: &'f SourceFile,
        ranges: &[TextRange],
        redact: &dyn Fn(FileId, TextRange) -> bool,
    ) -> Option<Self> {
        let text: &str = &file.text;
        let len = text.len() as u32;
        let ranges: Vec<TextRange> = ranges
            .iter()
            .map(|r| {
                let start = floor_char_boundary(text, r.start.min(len));
                let end = floor_char_boundary(text, r.end.clamp(start, len));
                TextRange::new(start, end)
            })
            .collect();
        let first = ranges.iter().map(|&r| line_span(file, r).0).min()?;
        let last = ranges.iter().map(|&r| line_span(file, r).1).max()?;
        let lines_start = file.lines.line_range(text, first).start;
        let lines_end = file.lines.line_range(text, last).end.max(lines_start);
        if lines_end - lines_start > MAX_EXCERPT_BYTES {
            return None;
        }
        let raw = &text[lines_start as usize..lines_end as usize];
        // A range may end on the line break it covers; the snippet stops before it.
        let rel = |offset: u32| (offset.clamp(lines_start, lines_end) - lines_start) as usize;
        let lines_range = TextRange::new(lines_start, lines_end);
        let (source, spans) = if redact(file.id, lines_range) || escape::source_needs_escaping(raw)
        {
            let shown = Shown::new(raw, lines_start, file.id, redact);
            let spans = ranges
                .iter()
                .map(|r| shown.remap(rel(r.start))..shown.remap(rel(r.end)))
                .collect();
            (Cow::Owned(shown.text), spans)
        } else {
            let spans = ranges.iter().map(|r| rel(r.start)..rel(r.end)).collect();
            (Cow::Borrowed(raw), spans)
        };
        Some(Excerpt {
            source,
            line_start: first as usize + 1,
            spans,
        })
    }

    fn snippet<'a>(&'a self, path: &'a str) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
        Snippet::source(self.source.as_ref())
            .line_start(self.line_start)
            .path(path)
    }
}

fn floor_char_boundary(text: &str, mut at: u32) -> u32 {
    while at > 0 && !text.is_char_boundary(at as usize) {
        at -= 1;
    }
    at
}

/// Source text as shown: every redacted character replaced by `*`, every control character
/// escaped ([`escape::visible_source_char`]), and the byte shifts that causes.
struct Shown {
    text: String,
    /// `(offset in the original just after a changed character, total byte shift so far)`.
    shifts: Vec<(usize, isize)>,
}

impl Shown {
    fn new(raw: &str, base: u32, file: FileId, redact: &dyn Fn(FileId, TextRange) -> bool) -> Self {
        let mut text = String::with_capacity(raw.len());
        let mut shifts = Vec::new();
        let mut shift: isize = 0;
        let mut line_start = 0;
        for line in raw.split_inclusive('\n') {
            let abs = base + line_start as u32;
            let hidden_line = redact(file, TextRange::new(abs, abs + line.len() as u32));
            if !hidden_line && !escape::source_needs_escaping(line) {
                text.push_str(line);
                line_start += line.len();
                continue;
            }
            for (i, c) in line.char_indices() {
                let at = base + (line_start + i) as u32;
                let before = text.len();
                let hide = hidden_line
                    && c != '\n'
                    && c != '\r'
                    && redact(file, TextRange::new(at, at + c.len_utf8() as u32));
                if hide {
                    text.push('*');
                } else {
                    escape::visible_source_char(line, i, c, &mut text);
                }
                let delta = (text.len() - before) as isize - c.len_utf8() as isize;
                if delta != 0 {
                    shift += delta;
                    shifts.push((line_start + i + c.len_utf8(), shift));
                }
            }
            line_start += line.len();
        }
        Shown { text, shifts }
    }

    /// The offset in the shown text of `orig`, an offset in the original.
    fn remap(&self, orig: usize) -> usize {
        let i = self.shifts.partition_point(|&(after, _)| after <= orig);
        let shift = if i == 0 { 0 } else { self.shifts[i - 1].1 };
        orig.saturating_add_signed(shift)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{Fixture, SECRET_VALUE};
    use super::*;

    #[test]
    fn snapshot() {
        let fx = Fixture::new();
        let out = fx.render(super::super::Format::Human);
        assert!(!out.contains(SECRET_VALUE));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn colour_only_when_asked() {
        let fx = Fixture::new();
        assert!(!fx.render(super::super::Format::Human).contains('\u{1b}'));
        let colored = fx.render_with(super::super::Format::Human, true);
        assert!(colored.contains('\u{1b}'));
        assert!(!colored.contains(SECRET_VALUE));
    }

    /// A multi-line range, an empty range at the end of the file, a related place too far
    /// away to share the snippet, and a redacted block scalar.
    #[test]
    fn snippet_shapes() {
        use faultline_diagnostics::{Category, Location};
        let mut text = String::from("kind: Secret\ndata:\n  key: |\n    c2VjcmV0\n    bW9yZQ==\n");
        for i in 0..20 {
            text.push_str(&format!("pad{i}: x\n"));
        }
        text.push_str("last: y");
        let f = SourceFile::new(FileId(0), "s.yaml", text.as_str());
        let block = TextRange::new(
            text.find("c2V").unwrap() as u32,
            text.find("==").unwrap() as u32 + 2,
        );
        let redact = move |_: FileId, r: TextRange| r.start < block.end && block.start < r.end;
        let key = text.find("key").unwrap() as u32;
        let far = text.find("pad19").unwrap() as u32;
        let end = text.len() as u32;
        let diags = [
            Diagnostic::new(
                "multi-line",
                Severity::Warning,
                Category::Syntax,
                Location::new(FileId(0), TextRange::new(key, block.end)),
                "a block scalar",
            )
            .with_related(
                "far away",
                None,
                Some(Location::new(FileId(0), TextRange::new(far, far + 5))),
            ),
            Diagnostic::new(
                "at-eof",
                Severity::Error,
                Category::Syntax,
                Location::new(FileId(0), TextRange::empty(end)),
                "unexpected end of file",
            ),
        ];
        let ctx = RenderContext {
            tool_version: "0",
            rules: &[],
            summary: super::super::Summary {
                files: 1,
                objects: 1,
            },
            color: false,
            fail_on: Some(Severity::Warning),
            redact: &redact,
        };
        let mut out = Vec::new();
        render(&mut out, &diags, std::slice::from_ref(&f), &ctx).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("c2VjcmV0") && !out.contains("bW9yZQ=="));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn crlf_lines() {
        use faultline_diagnostics::{Category, Location};
        let text = "a: 1\r\nb: 2\r\nc: 3\r\n";
        let f = SourceFile::new(FileId(0), "crlf.yaml", text);
        let d = Diagnostic::new(
            "r",
            Severity::Error,
            Category::Syntax,
            Location::new(FileId(0), TextRange::new(3, 11)),
            "m",
        );
        let ctx = RenderContext {
            tool_version: "0",
            rules: &[],
            summary: super::super::Summary::default(),
            color: false,
            fail_on: Some(Severity::Warning),
            redact: &super::super::redact_nothing,
        };
        let mut out = Vec::new();
        render(&mut out, &[d], std::slice::from_ref(&f), &ctx).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('\r') && !out.contains('\u{240D}'), "{out}");
        assert!(out.contains("a: 1\n") && out.contains("b: 2\n"), "{out}");
    }

    #[test]
    fn masks_multibyte_secret_and_keeps_columns() {
        let text = "k: ünï\nv: ßé x\n";
        let f = SourceFile::new(FileId(0), "s.yaml", text);
        let secret_start = text.find('ß').unwrap() as u32;
        let secret = TextRange::new(secret_start, secret_start + "ßé".len() as u32);
        let redact = move |_: FileId, r: TextRange| r.start < secret.end && secret.start < r.end;
        let x = text.find('x').unwrap() as u32;
        let ex = Excerpt::new(&f, &[TextRange::new(x, x + 1)], &redact).unwrap();
        assert_eq!(ex.source, "v: ** x");
        assert_eq!(&ex.source[ex.spans[0].clone()], "x");
        assert_eq!(ex.line_start, 2);
    }

    #[test]
    fn huge_file_excerpt_is_local() {
        let mut text = "a: b\n".repeat(200_000);
        text.push_str("last: line\n");
        let f = SourceFile::new(FileId(0), "big.yaml", text.as_str());
        let at = text.rfind("line").unwrap() as u32;
        let ex = Excerpt::new(
            &f,
            &[TextRange::new(at, at + 4)],
            &super::super::redact_nothing,
        )
        .unwrap();
        assert_eq!(ex.source, "last: line");
        assert_eq!(ex.line_start, 200_001);
    }

    #[test]
    fn over_long_line_falls_back_to_position() {
        let text = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(100_000));
        let f = SourceFile::new(FileId(0), "min.json", text.as_str());
        let at = text.find("\"b\"").unwrap() as u32;
        assert!(
            Excerpt::new(
                &f,
                &[TextRange::new(at, at + 3)],
                &super::super::redact_nothing
            )
            .is_none()
        );
    }
}
