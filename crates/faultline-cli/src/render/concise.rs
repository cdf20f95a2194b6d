//! One line per finding, as compilers print them, for editors (`compilation-mode`, Vim's
//! quickfix), `grep` and `sort`:
//!
//! ```text
//! testdata/demo/payment-service.yaml:44:1: error[api-removed]: `policy/v1beta1` `PodDisruptionBudget` was removed … (PodDisruptionBudget/shop/payment-service)
//! ```
//!
//! - `path:line:col: severity[rule]: message (Kind/ns/name)`; a finding about a whole file is
//!   `path: severity[rule]: message`. Columns count characters, as in every format.
//! - No help, related places or summary: `--format human` or `json` has them.
//! - Text from the input is one visible line ([`super::escape::visible`]), so each finding is
//!   exactly one line; a path that would start the line with `:` is written `./…` (the same
//!   file), since a log line starting `::` is a GitHub workflow command.

use std::io::{self, Write};

use faultline_diagnostics::Diagnostic;
use faultline_syntax::SourceFile;

use super::escape::visible;
use super::{RenderContext, location_label};

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    _ctx: &RenderContext<'_>,
) -> io::Result<()> {
    for d in diags {
        writeln!(out, "{}", line(d, files))?;
    }
    Ok(())
}

fn line(d: &Diagnostic, files: &[SourceFile]) -> String {
    let mut at = location_label(files, d.location.file, d.location.range);
    if at.trim_start().starts_with(':') {
        at.insert_str(0, "./");
    }
    let mut s = format!(
        "{}: {}[{}]: {}",
        at,
        d.severity,
        d.rule,
        visible(&d.message)
    );
    if let Some(o) = &d.object {
        s.push_str(&format!(" ({})", visible(&o.to_string())));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::fixtures::{Fixture, SECRET_VALUE};
    use super::*;
    use faultline_diagnostics::{Category, Location, Severity};
    use faultline_syntax::{FileId, TextRange};

    #[test]
    fn snapshot() {
        let out = Fixture::new().render(Format::Concise);
        assert!(!out.contains(SECRET_VALUE));
        assert_eq!(out.lines().count(), 5);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn one_line_whatever_the_input_holds() {
        let files = [SourceFile::new(FileId(0), "a\nb.yaml", "x: 1\ny: 2\n")];
        let d = Diagnostic::new(
            "r",
            Severity::Warning,
            Category::Syntax,
            Location::new(FileId(0), TextRange::new(5, 6)),
            "bad\nvalue",
        );
        assert_eq!(line(&d, &files), "a\\nb.yaml:2:1: warning[r]: bad\\nvalue");
        let d = Diagnostic::new(
            "r",
            Severity::Error,
            Category::Syntax,
            Location::file(FileId(0)),
            "m",
        );
        assert_eq!(line(&d, &files), "a\\nb.yaml: error[r]: m");
        // No line starts a workflow command.
        let files = [SourceFile::new(FileId(0), " ::error::x.yaml", "x: 1\n")];
        assert_eq!(line(&d, &files), "./ ::error::x.yaml: error[r]: m");
    }
}
