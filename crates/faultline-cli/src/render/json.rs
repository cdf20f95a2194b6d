//! The stable, versioned JSON report. Field order is fixed (serde structs, not maps).
//!
//! ```json
//! {
//!   "version": 1,
//!   "tool": { "name": "faultline", "version": "0.1.0" },
//!   "summary": { "files": 2, "objects": 3, "errors": 1, "warnings": 0, "infos": 0 },
//!   "diagnostics": [
//!     {
//!       "rule": "limit-below-request",
//!       "severity": "error",            // "error" | "warning" | "info"
//!       "category": "resources",
//!       "message": "memory limit `1Gi` is below the request `2Gi`",
//!       "help": "raise the limit",      // "" when the rule gives none
//!       "object": { "apiVersion": "apps/v1", "kind": "Deployment",
//!                   "namespace": "prod", "name": "web" },   // or null; namespace null if cluster-scoped
//!       "location": { "path": "app.yaml", "line": 14, "column": 30,
//!                     "endLine": 14, "endColumn": 33 },
//!       "related": [ { "message": "request set here", "object": {…} | null,
//!                      "location": {…} | null } ]
//!     }
//!   ]
//! }
//! ```
//!
//! Contract:
//! - `version` changes only when a field is removed or changes meaning; new fields may appear.
//! - Lines and columns are 1-based; columns count Unicode scalar values (not bytes, not UTF-16
//!   units). `endLine`/`endColumn` point just past the last character (exclusive end, as in
//!   SARIF and LSP), so an empty range has `endColumn == column`.
//! - For a file-level diagnostic (a problem with the whole file) `line`, `column`, `endLine`
//!   and `endColumn` are `null`; `path` is always present.
//! - A related entry's `location` is `null` when it names only an object.
//! - `path` is the path as given on the command line, or `<stdin>`.
//! - Diagnostics are in output order (file, position, rule, message).

use std::io::{self, Write};

use faultline_diagnostics::{Diagnostic, ObjectRef, Related};
use faultline_syntax::SourceFile;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Counts, RenderContext, file, span};

/// The version of this report's format.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub summary: ReportSummary,
    pub diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportSummary {
    pub files: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JsonDiagnostic {
    pub rule: String,
    pub severity: String,
    pub category: String,
    pub message: String,
    pub help: String,
    pub object: Option<JsonObject>,
    pub location: JsonLocation,
    pub related: Vec<JsonRelated>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JsonObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// Line/column fields are `null` for a file-level location.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JsonLocation {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JsonRelated {
    pub message: String,
    pub object: Option<JsonObject>,
    pub location: Option<JsonLocation>,
}

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> io::Result<()> {
    // The findings are serialized in parallel, each on its own (a 1 GB snapshot gives ~100 MB
    // of JSON), then spliced into the report's frame exactly where serde_json's pretty printer
    // would put them: an array item of the top-level object sits at depth 2, four spaces in,
    // and JSON strings hold no raw line breaks, so indenting every line of an item by four
    // spaces gives the same bytes as serializing the whole report at once.
    let mut frame = report(&[], files, ctx);
    frame.summary = summary(diags, ctx);
    let frame = super::escape::to_json_pretty(&frame);
    let items: Vec<String> = diags
        .par_iter()
        .with_min_len(256)
        .map(|d| {
            let item = super::escape::to_json_pretty(&diagnostic(d, files));
            let mut indented = String::with_capacity(item.len() + item.len() / 8);
            for (i, line) in item.split('\n').enumerate() {
                if i > 0 {
                    indented.push('\n');
                }
                indented.push_str("    ");
                indented.push_str(line);
            }
            indented
        })
        .collect();
    let Some(head) = frame.strip_suffix("[]\n}") else {
        unreachable!("the frame ends with its empty diagnostics array");
    };
    out.write_all(head.as_bytes())?;
    if items.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[\n")?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(item.as_bytes())?;
        }
        out.write_all(b"\n  ]")?;
    }
    out.write_all(b"\n}\n")
}

fn summary(diags: &[Diagnostic], ctx: &RenderContext<'_>) -> ReportSummary {
    let counts = Counts::of(diags);
    ReportSummary {
        files: ctx.summary.files,
        objects: ctx.summary.objects,
        errors: counts.errors,
        warnings: counts.warnings,
        infos: counts.infos,
    }
}

/// The report as data, for callers that embed it.
pub fn report(diags: &[Diagnostic], files: &[SourceFile], ctx: &RenderContext<'_>) -> Report {
    Report {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "faultline".into(),
            version: ctx.tool_version.into(),
        },
        summary: summary(diags, ctx),
        diagnostics: diags.iter().map(|d| diagnostic(d, files)).collect(),
    }
}

fn diagnostic(d: &Diagnostic, files: &[SourceFile]) -> JsonDiagnostic {
    JsonDiagnostic {
        rule: d.rule.into(),
        severity: d.severity.as_str().into(),
        category: d.category.as_str().into(),
        message: d.message.clone(),
        help: d.help.clone(),
        object: d.object.as_ref().map(object),
        location: location(files, d.location),
        related: d.related.iter().map(|r| related(r, files)).collect(),
    }
}

fn related(r: &Related, files: &[SourceFile]) -> JsonRelated {
    JsonRelated {
        message: r.message.clone(),
        object: r.object.as_ref().map(object),
        location: r.location.map(|l| location(files, l)),
    }
}

fn object(o: &ObjectRef) -> JsonObject {
    JsonObject {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
    }
}

fn location(files: &[SourceFile], loc: faultline_diagnostics::Location) -> JsonLocation {
    let f = file(files, loc.file);
    let s = loc.range.map(|r| span(f, r));
    JsonLocation {
        path: f.path.clone(),
        line: s.map(|s| s.start.line),
        column: s.map(|s| s.start.column),
        end_line: s.map(|s| s.end.line),
        end_column: s.map(|s| s.end.column),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::super::Format;
    use super::super::fixtures::{Fixture, SECRET_VALUE};
    use super::*;

    #[test]
    fn snapshot() {
        let out = Fixture::new().render(Format::Json);
        assert!(!out.contains(SECRET_VALUE));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn empty_run() {
        insta::assert_snapshot!(Fixture::new().render_empty(Format::Json));
    }

    fn keys(v: &Value) -> BTreeSet<&str> {
        v.as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    fn set(ks: &[&'static str]) -> BTreeSet<&'static str> {
        ks.iter().copied().collect()
    }

    fn check_location(v: &Value) {
        assert_eq!(
            keys(v),
            set(&["path", "line", "column", "endLine", "endColumn"])
        );
        let nums = ["line", "column", "endLine", "endColumn"];
        let all_null = nums.iter().all(|k| v[k].is_null());
        let all_pos = nums.iter().all(|k| v[k].as_u64().is_some_and(|n| n >= 1));
        assert!(all_null || all_pos, "{v}");
    }

    fn check_object(v: &Value) {
        if !v.is_null() {
            assert_eq!(keys(v), set(&["apiVersion", "kind", "namespace", "name"]));
        }
    }

    #[test]
    fn round_trips_with_exactly_the_documented_keys() {
        let out = Fixture::new().render(Format::Json);
        let report: Report = serde_json::from_str(&out).unwrap();
        assert_eq!(serde_json::to_string_pretty(&report).unwrap() + "\n", out);

        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            keys(&v),
            set(&["version", "tool", "summary", "diagnostics"])
        );
        assert_eq!(v["version"], 1);
        assert_eq!(keys(&v["tool"]), set(&["name", "version"]));
        assert_eq!(
            keys(&v["summary"]),
            set(&["files", "objects", "errors", "warnings", "infos"])
        );
        let diags = v["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), 5);
        let mut file_level = 0;
        for d in diags {
            assert_eq!(
                keys(d),
                set(&[
                    "rule", "severity", "category", "message", "help", "object", "location",
                    "related"
                ])
            );
            assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap()));
            check_object(&d["object"]);
            check_location(&d["location"]);
            file_level += usize::from(d["location"]["line"].is_null());
            for r in d["related"].as_array().unwrap() {
                assert_eq!(keys(r), set(&["message", "object", "location"]));
                check_object(&r["object"]);
                if !r["location"].is_null() {
                    check_location(&r["location"]);
                }
            }
        }
        assert_eq!(file_level, 1);
    }

    #[test]
    fn columns_count_characters() {
        let out = Fixture::new().render(Format::Json);
        let report: Report = serde_json::from_str(&out).unwrap();
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.rule == "unused-label")
            .unwrap();
        // `  labels: {tier: "café-服务", app: web}`: `app` starts at character 29, byte 34.
        assert_eq!(d.location.line, Some(6));
        assert_eq!(d.location.column, Some(29));
        assert_eq!(d.location.end_column, Some(37));
    }
}
