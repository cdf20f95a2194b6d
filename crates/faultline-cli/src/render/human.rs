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
//!  9 |     memory: 2Gi
//!    |             --- related message (same file)
//!    = note: related message at other.yaml:3:9 (Secret/prod/db)
//!    = help: what to change
//!
//! 1 error, 0 warnings, 0 infos in 2 files (3 objects)
//! ```
//!
//! Snippets are cut from the source by the line index (only the lines of the range), so the cost
//! does not grow with the file. Every character of a snippet that [`RenderContext::redact`]
//! reports is replaced by `*` (line breaks kept), so Secret values never reach the terminal.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::{
    AnnotationKind, Group, Level, Origin, Renderer, Snippet, normalize_untrusted_str,
};
use faultline_diagnostics::{Diagnostic, Severity};
use faultline_syntax::{FileId, SourceFile, TextRange};

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

/// One diagnostic, without a trailing newline.
fn render_one(
    renderer: &Renderer,
    d: &Diagnostic,
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> String {
    let primary_file = file(files, d.location.file);
    let primary = d
        .location
        .range
        .map(|r| Excerpt::new(primary_file, r, ctx.redact));

    // Related places in the primary file get their own snippet; the rest become notes.
    let mut secondary = Vec::new();
    let mut notes = Vec::new();
    for rel in &d.related {
        let obj = object_label(rel.object.as_ref());
        match rel.location {
            Some(loc) if loc.file == d.location.file && d.location.range.is_some() => {
                match loc.range {
                    Some(r) => {
                        let label = match &obj {
                            Some(o) => format!("{} ({o})", rel.message),
                            None => rel.message.clone(),
                        };
                        secondary.push((Excerpt::new(primary_file, r, ctx.redact), label));
                    }
                    None => notes.push(note_text(&rel.message, Some(&primary_file.path), obj)),
                }
            }
            Some(loc) => {
                let at = location_label(files, loc.file, loc.range);
                notes.push(note_text(&rel.message, Some(&at), obj));
            }
            None => notes.push(note_text(&rel.message, None, obj)),
        }
    }

    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let object = object_label(d.object.as_ref());
    let mut group = level.primary_title(d.message.as_str()).id(d.rule);
    let mut object_shown = false;
    let mut group = match &primary {
        Some(Some(ex)) => {
            let mut ann = AnnotationKind::Primary.span(ex.span.clone());
            if let Some(o) = &object {
                ann = ann.label(o.as_str());
                object_shown = true;
            }
            group.element(ex.snippet(&primary_file.path).annotation(ann))
        }
        // Too long to draw: position only.
        Some(None) => {
            let lc = primary_file.line_col(d.location.range.unwrap_or_default().start);
            group = group.element(
                Origin::path(primary_file.path.as_str())
                    .line(lc.line as usize)
                    .char_column(lc.column as usize),
            );
            group
        }
        None => group.element(Origin::path(primary_file.path.as_str())),
    };
    for (ex, label) in &secondary {
        match ex {
            Some(ex) => {
                group = group.element(
                    ex.snippet(&primary_file.path).annotation(
                        AnnotationKind::Context
                            .span(ex.span.clone())
                            .label(label.as_str()),
                    ),
                );
            }
            None => notes.push(label.clone()),
        }
    }
    if !object_shown && let Some(o) = &object {
        group = group.element(Level::NOTE.message(normalize_untrusted_str(&format!("in {o}"))));
    }
    for n in &notes {
        group = group.element(Level::NOTE.message(normalize_untrusted_str(n)));
    }
    if !d.help.is_empty() {
        group = group.element(Level::HELP.message(normalize_untrusted_str(&d.help)));
    }
    let text = renderer.render(&[group]);
    text.trim_end_matches('\n').to_owned()
}

/// `message at path:line:col (Kind/ns/name)`.
fn note_text(message: &str, at: Option<&str>, object: Option<String>) -> String {
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

/// The whole lines around a range, with redacted characters masked, ready for a [`Snippet`].
#[derive(Debug)]
struct Excerpt<'f> {
    source: Cow<'f, str>,
    /// 1-based number of the first line.
    line_start: usize,
    /// The range, relative to `source`.
    span: Range<usize>,
}

impl<'f> Excerpt<'f> {
    /// `None` when the lines are too long to draw.
    fn new(
        file: &'f SourceFile,
        range: TextRange,
        redact: &dyn Fn(FileId, TextRange) -> bool,
    ) -> Option<Self> {
        let text: &str = &file.text;
        let len = text.len() as u32;
        let start = floor_char_boundary(text, range.start.min(len));
        let end = floor_char_boundary(text, range.end.clamp(start, len));
        let first = file.lines.line_of(start);
        let last = if end > start {
            file.lines.line_of(end - 1)
        } else {
            first
        };
        let lines_start = file.lines.line_range(text, first).start;
        let lines_end = file.lines.line_range(text, last).end.max(lines_start);
        if lines_end - lines_start > MAX_EXCERPT_BYTES {
            return None;
        }
        let raw = &text[lines_start as usize..lines_end as usize];
        // A range may end on the line break it covers; the snippet stops before it.
        let rel_start = (start - lines_start).min(raw.len() as u32) as usize;
        let rel_end = (end.min(lines_end) - lines_start).max(rel_start as u32) as usize;
        let lines_range = TextRange::new(lines_start, lines_end);
        let (source, span) = if redact(file.id, lines_range) {
            let masked = Masked::new(raw, lines_start, file.id, redact);
            let span = masked.remap(rel_start)..masked.remap(rel_end);
            (Cow::Owned(masked.text), span)
        } else {
            (Cow::Borrowed(raw), rel_start..rel_end)
        };
        Some(Excerpt {
            source,
            line_start: first as usize + 1,
            span,
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

/// Text with every redacted character replaced by `*`, and the byte shifts that causes.
struct Masked {
    text: String,
    /// `(offset in the original just after a shrunk character, total bytes saved so far)`.
    shrinks: Vec<(usize, usize)>,
}

impl Masked {
    fn new(
        raw: &str,
        base: u32,
        file: FileId,
        redact: &dyn Fn(FileId, TextRange) -> bool,
    ) -> Self {
        let mut text = String::with_capacity(raw.len());
        let mut shrinks = Vec::new();
        let mut saved = 0;
        let mut line_start = 0;
        for line in raw.split_inclusive('\n') {
            let abs = base + line_start as u32;
            if !redact(file, TextRange::new(abs, abs + line.len() as u32)) {
                text.push_str(line);
                line_start += line.len();
                continue;
            }
            for (i, c) in line.char_indices() {
                let at = base + (line_start + i) as u32;
                let hide =
                    c != '\n' && c != '\r' && redact(file, TextRange::new(at, at + c.len_utf8() as u32));
                if hide {
                    text.push('*');
                    if c.len_utf8() > 1 {
                        saved += c.len_utf8() - 1;
                        shrinks.push((line_start + i + c.len_utf8(), saved));
                    }
                } else {
                    text.push(c);
                }
            }
            line_start += line.len();
        }
        Masked { text, shrinks }
    }

    /// The offset in the masked text of `orig`, an offset in the original.
    fn remap(&self, orig: usize) -> usize {
        let i = self.shrinks.partition_point(|&(after, _)| after <= orig);
        let saved = if i == 0 { 0 } else { self.shrinks[i - 1].1 };
        orig - saved
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{SECRET_VALUE, Fixture};
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

    #[test]
    fn masks_multibyte_secret_and_keeps_columns() {
        let text = "k: ünï\nv: ßé x\n";
        let f = SourceFile::new(FileId(0), "s.yaml", text);
        let secret_start = text.find('ß').unwrap() as u32;
        let secret = TextRange::new(secret_start, secret_start + "ßé".len() as u32);
        let redact = move |_: FileId, r: TextRange| r.start < secret.end && secret.start < r.end;
        let x = text.find('x').unwrap() as u32;
        let ex = Excerpt::new(&f, TextRange::new(x, x + 1), &redact).unwrap();
        assert_eq!(ex.source, "v: ** x");
        assert_eq!(&ex.source[ex.span.clone()], "x");
        assert_eq!(ex.line_start, 2);
    }

    #[test]
    fn huge_file_excerpt_is_local() {
        let mut text = "a: b\n".repeat(200_000);
        text.push_str("last: line\n");
        let f = SourceFile::new(FileId(0), "big.yaml", text.as_str());
        let at = text.rfind("line").unwrap() as u32;
        let ex = Excerpt::new(&f, TextRange::new(at, at + 4), &super::super::redact_nothing)
            .unwrap();
        assert_eq!(ex.source, "last: line");
        assert_eq!(ex.line_start, 200_001);
    }

    #[test]
    fn over_long_line_falls_back_to_position() {
        let text = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(100_000));
        let f = SourceFile::new(FileId(0), "min.json", text.as_str());
        let at = text.find("\"b\"").unwrap() as u32;
        assert!(Excerpt::new(&f, TextRange::new(at, at + 3), &super::super::redact_nothing).is_none());
    }
}
