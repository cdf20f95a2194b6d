use faultline_syntax::ProblemKind;

use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports inputs that could not be read as text: missing or unreadable paths, files that
    /// are not UTF-8 (with the position of the first bad byte), binary files, inputs over
    /// `--max-input-size` (4 GiB at most: offsets are 32-bit), and FIFOs, sockets or devices
    /// named on the command line (which could block or never end; `-` and the `/dev/fd/N`
    /// paths of `<(…)` are read as streams).
    ///
    /// ## Why it matters
    /// A file that cannot be read is a file nothing was checked in. faultline says so instead
    /// of passing silently, and exits with code 2 so a CI gate notices.
    ///
    /// ## Example
    /// ```yaml
    /// # (a file saved as UTF-16 or containing NUL bytes)
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: utf8-text
    /// ```
    ///
    /// ## Options
    /// None.
    pub struct InputUnreadable {
        id: "input-unreadable",
        category: Syntax,
        severity: Error,
        summary: "an input file could not be read as UTF-8 text",
        params: [],
    }
}

impl Rule for InputUnreadable {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for (i, parsed) in cx.parsed.iter().enumerate() {
            for p in parsed
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Unreadable)
            {
                out.report_file(cx.files[i].id, p.range, &p.message)
                    .help(help_for(&p.message));
            }
        }
    }
}

/// What to do about an unreadable input, by what the loader said.
fn help_for(message: &str) -> &'static str {
    if message.contains("the most faultline can read") {
        "split the input into files under 4 GiB, or exclude it with `--exclude`"
    } else if message.contains("(--max-input-size)") {
        "split the input, raise `--max-input-size` (4Gi at most), or exclude it with `--exclude`"
    } else if message.contains("faultline reads regular files, directories and `-`") {
        "pipe it to `-` (standard input) instead, or leave it off the command line"
    } else {
        "make the file readable UTF-8 text, or exclude it with `--exclude`"
    }
}
