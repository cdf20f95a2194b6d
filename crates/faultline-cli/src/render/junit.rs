//! JUnit XML for CI test-report UIs (GitLab, Jenkins, Azure, test-reporter actions).
//!
//! Choices:
//! - `<testsuites>` holding one `<testsuite name="faultline">`.
//! - One `<testcase>` per diagnostic: `classname` is the file's path, `name` is
//!   `rule: Kind/ns/name` (`rule: path` for a finding about no object); when two findings
//!   would share a name, each of them gets ` at line:col`, and a name still shared ` #2`, ` #3`
//!   (test-report UIs merge test cases of one name).
//! - It follows `--fail-on`: a finding at or above it is a `<failure type="rule"
//!   message="message">` with severity, help, location and related places in the body; one
//!   below it (infos by default, everything with `--fail-on never`) passes and carries that
//!   text in `<system-out>`, so it is visible without failing the report.
//! - `time` is on every suite and test case, as some readers require, and is `0`: findings
//!   are not timed one by one, and the report stays the same from run to run.
//! - With no diagnostics the suite holds a single passing testcase named `faultline`, so CI
//!   shows that the check ran.
//! - Escaping is our own: text from the input first has its control characters shown as
//!   escapes ([`super::escape::visible`]), so no raw control character reaches the XML (where
//!   most are not even allowed); then `& < > " '` as entities, CR/LF/TAB in attributes as
//!   character references, and any other character XML 1.0 forbids replaced by U+FFFD.

use std::io::{self, Write};

use faultline_diagnostics::Diagnostic;
use faultline_syntax::SourceFile;

use super::escape::visible;
use super::{Counts, RenderContext, file, location_label};

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> io::Result<()> {
    let counts = Counts::of(diags);
    let fails = |d: &Diagnostic| ctx.fail_on.is_some_and(|min| d.severity >= min);
    let failures = diags.iter().filter(|d| fails(d)).count();
    let tests = diags.len().max(1);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="faultline" tests="{tests}" failures="{failures}" errors="0" time="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="faultline" tests="{tests}" failures="{failures}" errors="0" skipped="0" time="0">"#
    )?;
    writeln!(out, "    <properties>")?;
    for (name, value) in [
        ("faultline.version", ctx.tool_version.to_owned()),
        ("files", ctx.summary.files.to_string()),
        ("objects", ctx.summary.objects.to_string()),
        ("errors", counts.errors.to_string()),
        ("warnings", counts.warnings.to_string()),
        ("infos", counts.infos.to_string()),
    ] {
        writeln!(
            out,
            r#"      <property name="{}" value="{}"/>"#,
            escape_attr(name),
            escape_attr(&value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    if diags.is_empty() {
        writeln!(
            out,
            r#"    <testcase classname="faultline" name="faultline" time="0"/>"#
        )?;
    }
    for (d, name) in diags.iter().zip(names(diags, files)) {
        testcase(out, d, &name, fails(d), files)?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Each diagnostic's test case name, unique within the report: `rule: Kind/ns/name`, then
/// ` at line:col` for the names two findings share, then ` #n` for those still shared.
fn names(diags: &[Diagnostic], files: &[SourceFile]) -> Vec<String> {
    use std::collections::HashMap;
    fn counts(names: &[String]) -> HashMap<String, usize> {
        let mut n = HashMap::new();
        for name in names {
            *n.entry(name.clone()).or_insert(0) += 1;
        }
        n
    }
    let mut names: Vec<String> = diags
        .iter()
        .map(|d| match &d.object {
            Some(o) => format!("{}: {}", d.rule, visible(&o.to_string())),
            None => format!(
                "{}: {}",
                d.rule,
                visible(&file(files, d.location.file).path)
            ),
        })
        .collect();
    let shared = counts(&names);
    for (name, d) in names.iter_mut().zip(diags) {
        if shared[name.as_str()] > 1 {
            let f = file(files, d.location.file);
            match d.location.range {
                Some(r) => {
                    let lc = f.line_col(r.start);
                    name.push_str(&format!(" at {}:{}", lc.line, lc.column));
                }
                None => name.push_str(" at the file"),
            }
        }
    }
    let shared = counts(&names);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for name in &mut names {
        if shared[name.as_str()] > 1 {
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                name.push_str(&format!(" #{n}"));
            }
        }
    }
    names
}

fn testcase(
    out: &mut dyn Write,
    d: &Diagnostic,
    name: &str,
    fails: bool,
    files: &[SourceFile],
) -> io::Result<()> {
    let f = file(files, d.location.file);
    writeln!(
        out,
        r#"    <testcase classname="{}" name="{}" time="0">"#,
        escape_attr(&visible(&f.path)),
        escape_attr(name)
    )?;
    let body = escape_text(&body(d, files));
    match fails {
        true => writeln!(
            out,
            r#"      <failure type="{}" message="{}">{body}</failure>"#,
            escape_attr(d.rule),
            escape_attr(&visible(&d.message))
        )?,
        false => writeln!(out, "      <system-out>{body}</system-out>")?,
    }
    writeln!(out, "    </testcase>")
}

/// `severity[rule]: message`, then `help:`, `at:`, `object:` and `note:` lines; each part from
/// the input is one visible line ([`visible`]).
fn body(d: &Diagnostic, files: &[SourceFile]) -> String {
    let mut s = format!("{}[{}]: {}", d.severity, d.rule, visible(&d.message));
    if !d.help.is_empty() {
        s.push_str("\nhelp: ");
        s.push_str(&visible(&d.help));
    }
    s.push_str("\nat: ");
    s.push_str(&visible(&location_label(
        files,
        d.location.file,
        d.location.range,
    )));
    if let Some(o) = &d.object {
        s.push_str(&format!("\nobject: {}", visible(&o.to_string())));
    }
    for r in &d.related {
        s.push_str("\nnote: ");
        s.push_str(&visible(&r.message));
        if let Some(l) = r.location {
            s.push_str(" at ");
            s.push_str(&visible(&location_label(files, l.file, l.range)));
        }
        if let Some(o) = &r.object {
            s.push_str(&format!(" ({})", visible(&o.to_string())));
        }
    }
    s
}

/// Characters XML 1.0 allows at all.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes element content.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a double- or single-quoted attribute value; keeps line breaks and tabs, which
/// attribute normalisation would otherwise turn into spaces.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
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
    use faultline_diagnostics::Severity;

    #[test]
    fn snapshot() {
        let out = Fixture::new().render(Format::Junit);
        assert!(!out.contains(SECRET_VALUE));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn follows_fail_on_and_names_are_unique() {
        let fx = Fixture::new();
        let failures = |out: &str| out.matches("<failure ").count();
        assert_eq!(failures(&fx.render_fail_on(Format::Junit, None)), 0);
        let warn = fx.render_fail_on(Format::Junit, Some(Severity::Warning));
        let error = fx.render_fail_on(Format::Junit, Some(Severity::Error));
        let info = fx.render_fail_on(Format::Junit, Some(Severity::Info));
        assert_eq!(
            (failures(&error), failures(&warn), failures(&info)),
            (2, 3, 5)
        );
        assert!(error.contains(r#"tests="5" failures="2""#), "{error}");
        for out in [warn, error, info] {
            let names: Vec<&str> = out
                .lines()
                .filter_map(|l| l.split_once(" name=\"")?.1.split_once('"'))
                .map(|(name, _)| name)
                .filter(|n| {
                    *n != "faultline"
                        && !n.starts_with("faultline.")
                        && !["files", "objects", "errors", "warnings", "infos"].contains(n)
                })
                .collect();
            assert_eq!(names.len(), 5, "{names:?}");
            let unique: std::collections::BTreeSet<_> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            assert!(
                out.lines()
                    .filter(|l| l.contains("<test"))
                    .all(|l| l.contains(r#"time="0""#))
            );
        }
    }

    #[test]
    fn shared_names_get_positions_then_numbers() {
        use faultline_diagnostics::{Category, Location, ObjectRef};
        use faultline_syntax::{FileId, TextRange};
        let files = [SourceFile::new(FileId(0), "a.yaml", "a: 1\nb: 2\n")];
        let object = ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("ns".into()),
            name: "p".into(),
        };
        let at = |start, end| {
            Diagnostic::new(
                "r",
                Severity::Warning,
                Category::Syntax,
                Location::new(FileId(0), TextRange::new(start, end)),
                "m",
            )
            .with_object(object.clone())
        };
        let other = Diagnostic::new(
            "q",
            Severity::Warning,
            Category::Syntax,
            Location::file(FileId(0)),
            "m",
        );
        assert_eq!(
            names(&[at(0, 1), at(5, 6), at(5, 7), other], &files),
            [
                "r: Pod/ns/p at 1:1",
                "r: Pod/ns/p at 2:1",
                "r: Pod/ns/p at 2:1 #2",
                "q: a.yaml"
            ]
        );
    }

    #[test]
    fn empty_run_has_one_passing_testcase() {
        insta::assert_snapshot!(Fixture::new().render_empty(Format::Junit));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_text("a < b && c > d \"q\" 'x'"),
            "a &lt; b &amp;&amp; c &gt; d \"q\" 'x'"
        );
        assert_eq!(
            escape_attr("<a href=\"x\">'&'\n\t\r</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&#10;&#9;&#13;&lt;/a&gt;"
        );
        assert_eq!(
            escape_text("esc\u{1b}[31m nul\0 ok\u{10FFFF}"),
            "esc\u{FFFD}[31m nul\u{FFFD} ok\u{10FFFF}"
        );
        assert_eq!(escape_attr("\u{FFFE}"), "\u{FFFD}");
    }

    /// Every `<` opens a tag we wrote and tags balance: a cheap well-formedness check that
    /// needs no XML crate.
    #[test]
    fn output_is_balanced() {
        let out = Fixture::new().render(Format::Junit);
        let mut stack = Vec::new();
        let body = out.split_once("?>").unwrap().1;
        for tag in body.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap();
            if let Some(close) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(close.to_owned()));
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap().to_owned());
            }
        }
        assert!(stack.is_empty(), "{stack:?}");
    }
}
