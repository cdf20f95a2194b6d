//! Output formats. Every renderer takes diagnostics already in output order
//! ([`faultline_diagnostics::sort_diagnostics`]), the run's file list (indexed by `FileId.0`)
//! and a [`RenderContext`], and writes to a `&mut dyn Write`; none prints by itself.
//!
//! | format   | entry point          | for                                   |
//! | -------- | -------------------- | ------------------------------------- |
//! | `human`  | [`human::render`]    | terminals (rustc-style snippets)      |
//! | `json`   | [`json::render`]     | scripts; the stable versioned contract |
//! | `sarif`  | [`sarif::render`]    | GitHub code scanning and SARIF viewers |
//! | `github` | [`github::render`]   | GitHub Actions workflow annotations   |
//! | `junit`  | [`junit::render`]    | CI test-report UIs                    |
//! | `concise`| [`concise::render`]  | editors and grep: one line a finding  |
//!
//! Secrets: only `human` shows source text, and it masks every character that
//! [`RenderContext::redact`] reports. The other formats print positions, never source text.
//! Findings reach the renderers already scrubbed by [`crate::redact::Redactor`].
//!
//! Hostile text: every renderer passes what it did not write through [`escape`], so names,
//! values and file names cannot break lines, start workflow commands or drive a terminal.

use std::fmt;
use std::io::{self, Write};

use faultline_diagnostics::{Diagnostic, ObjectRef, RuleInfo, Severity};
use faultline_syntax::{FileId, LineCol, SourceFile, TextRange};

pub mod concise;
pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

#[cfg(test)]
mod fixtures;

/// What was checked, for summary lines and report headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
}

/// Everything a renderer needs besides the diagnostics and the files.
pub struct RenderContext<'a> {
    /// faultline's version, e.g. `env!("CARGO_PKG_VERSION")`.
    pub tool_version: &'a str,
    /// Every rule of the run (SARIF lists them all in `tool.driver.rules`).
    pub rules: &'a [RuleInfo],
    pub summary: Summary,
    /// Whether `human` may emit ANSI colours. The caller decides (NO_COLOR, isatty, `--color`).
    pub color: bool,
    /// `--fail-on`: the lowest severity that fails the run (`None` for `never`); JUnit reports
    /// the findings below it as passing test cases.
    pub fail_on: Option<Severity>,
    /// Returns true when `range` of file overlaps text that must never be shown (values under a
    /// Secret's `data`/`stringData`). Renderers ask about whole snippets first and then narrow
    /// down to single characters, so it must answer for any range, not only exact spans.
    pub redact: &'a dyn Fn(FileId, TextRange) -> bool,
}

impl fmt::Debug for RenderContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderContext")
            .field("tool_version", &self.tool_version)
            .field("rules", &self.rules.len())
            .field("summary", &self.summary)
            .field("color", &self.color)
            .finish_non_exhaustive()
    }
}

/// A redaction predicate that hides nothing (for inputs with no Secrets, and tests).
pub fn redact_nothing(_: FileId, _: TextRange) -> bool {
    false
}

/// The output formats, for the CLI's `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    /// `path:line:col: severity[rule]: message`, one line per finding.
    Concise,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Concise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Concise => "concise",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Renders `diags` in `format`.
pub fn render(
    format: Format,
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(out, diags, files, ctx),
        Format::Json => json::render(out, diags, files, ctx),
        Format::Sarif => sarif::render(out, diags, files, ctx),
        Format::Github => github::render(out, diags, files, ctx),
        Format::Junit => junit::render(out, diags, files, ctx),
        Format::Concise => concise::render(out, diags, files, ctx),
    }
}

/// Like [`render`], into a `String`.
pub fn render_to_string(
    format: Format,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> String {
    let mut buf = Vec::new();
    render(format, &mut buf, diags, files, ctx).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("renderers write UTF-8")
}

/// `result`, with a reader that went away counted as success: `faultline check … | head`
/// stops reading, and that is no reason to fail or to complain (the exit code stays the
/// findings').
pub fn unless_closed(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Errors, warnings and infos among `diags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }
}

/// The file of `id`. Panics on an id outside the run's file list (a caller bug).
pub(crate) fn file(files: &[SourceFile], id: FileId) -> &SourceFile {
    &files[id.0 as usize]
}

/// Start and end (exclusive end, as in SARIF and LSP) of a range, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: LineCol,
    pub end: LineCol,
}

pub(crate) fn span(file: &SourceFile, range: TextRange) -> Span {
    Span {
        start: file.line_col(range.start),
        end: file.line_col(range.end),
    }
}

/// `Kind/namespace/name`.
pub(crate) fn object_label(object: Option<&ObjectRef>) -> Option<String> {
    object.map(ToString::to_string)
}

/// `path:line:col`, or `path` for a file-level location; the path shown without control
/// characters ([`escape::visible`]).
pub(crate) fn location_label(
    files: &[SourceFile],
    file_id: FileId,
    range: Option<TextRange>,
) -> String {
    let f = file(files, file_id);
    let path = escape::visible(&f.path);
    match range {
        Some(r) => {
            let lc = f.line_col(r.start);
            format!("{path}:{}:{}", lc.line, lc.column)
        }
        None => path.into_owned(),
    }
}

/// Path with forward slashes, the way GitHub and SARIF want it.
pub(crate) fn slash_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut s = p.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

/// Whether `path` names standard input rather than a file.
pub(crate) fn is_stdin(path: &str) -> bool {
    path == "<stdin>" || path == "-"
}
