//! GitHub Actions workflow commands, one line per diagnostic:
//!
//! ```text
//! ::error file=k8s/app.yaml,line=14,col=30,endLine=14,endColumn=33,title=limit-below-request::memory limit … (Deployment/prod/web)%0Ahelp: raise the limit
//! ```
//!
//! - `error`, `warning`, and `notice` for info.
//! - `col`/`endColumn` (1-based characters, `endColumn` exclusive as in the other formats) only
//!   when the range is on one line: GitHub ignores columns on multi-line annotations.
//! - File-level diagnostics carry only `file`; input from stdin carries no `file` at all.
//! - The message is `message (Kind/ns/name)`, then `help: …` and one `note: …` per related
//!   place on their own lines (escaped as `%0A`).
//! - Escaping: text from the input first loses its control characters
//!   ([`super::escape::visible`]: a name holding a line break cannot start a workflow command
//!   of its own, nor colour the log); then data `%`→`%25`, CR→`%0D`, LF→`%0A`; properties also
//!   `:`→`%3A`, `,`→`%2C`.

use std::io::{self, Write};

use faultline_diagnostics::{Diagnostic, Severity};
use faultline_syntax::SourceFile;

use super::escape::visible;
use super::{RenderContext, file, is_stdin, location_label, slash_path, span};

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    _ctx: &RenderContext<'_>,
) -> io::Result<()> {
    for d in diags {
        writeln!(out, "{}", command(d, files))?;
    }
    Ok(())
}

fn command(d: &Diagnostic, files: &[SourceFile]) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let f = file(files, d.location.file);
    let mut props: Vec<(&str, String)> = Vec::new();
    if !is_stdin(&f.path) {
        props.push(("file", visible(&slash_path(&f.path)).into_owned()));
        if let Some(r) = d.location.range {
            let s = span(f, r);
            props.push(("line", s.start.line.to_string()));
            if s.start.line == s.end.line {
                props.push(("col", s.start.column.to_string()));
            }
            props.push(("endLine", s.end.line.to_string()));
            if s.start.line == s.end.line {
                props.push(("endColumn", s.end.column.to_string()));
            }
        }
    }
    props.push(("title", d.rule.to_owned()));

    // Each part from the input is made one visible line before the parts are joined with the
    // line breaks this format escapes as `%0A`.
    let mut message = visible(&d.message).into_owned();
    if let Some(o) = &d.object {
        message.push_str(&format!(" ({})", visible(&o.to_string())));
    }
    if !d.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&visible(&d.help));
    }
    for r in &d.related {
        message.push_str("\nnote: ");
        message.push_str(&visible(&r.message));
        if let Some(l) = r.location {
            message.push_str(" at ");
            message.push_str(&visible(&location_label(files, l.file, l.range)));
        }
        if let Some(o) = &r.object {
            message.push_str(&format!(" ({})", visible(&o.to_string())));
        }
    }

    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::fixtures::{Fixture, SECRET_VALUE};
    use super::*;

    #[test]
    fn snapshot() {
        let out = Fixture::new().render(Format::Github);
        assert!(!out.contains(SECRET_VALUE));
        // One command per diagnostic: newlines in messages are escaped.
        assert_eq!(out.lines().count(), 5);
        assert!(out.lines().all(|l| l.starts_with("::")));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("dir,1/a:b%c\r\n.yaml"),
            "dir%2C1/a%3Ab%25c%0D%0A.yaml"
        );
        // `%` first: an escaped sequence in the input is not mistaken for an escape.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("%3A"), "%253A");
        assert_eq!(escape_data("ünï — 服务"), "ünï — 服务");
    }

    #[test]
    fn multi_line_ranges_have_no_columns_and_stdin_has_no_file() {
        use faultline_diagnostics::{Category, Location};
        use faultline_syntax::{FileId, TextRange};
        let files = [SourceFile::new(FileId(0), "<stdin>", "a: 1\nb: 2\n")];
        let d = Diagnostic::new(
            "r",
            Severity::Warning,
            Category::Syntax,
            Location::new(FileId(0), TextRange::new(0, 8)),
            "m",
        );
        assert_eq!(command(&d, &files), "::warning title=r::m");
        let files = [SourceFile::new(FileId(0), "a,b.yaml", "a: 1\nb: 2\n")];
        assert_eq!(
            command(&d, &files),
            "::warning file=a%2Cb.yaml,line=1,endLine=2,title=r::m"
        );
    }
}
