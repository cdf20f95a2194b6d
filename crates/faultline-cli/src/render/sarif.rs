//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! Choices:
//! - One run; `tool.driver.rules` lists every rule of the run (not only those that fired), so
//!   `ruleIndex` is stable for a given faultline version.
//! - `message.text` is `message — help`: code-scanning lists show only `message.text`, and the
//!   fix is the most useful thing to see there. `properties.help` keeps help on its own.
//! - Columns count Unicode code points (`columnKind: "unicodeCodePoints"` on the run);
//!   `endColumn` is exclusive. A file-level diagnostic has a `physicalLocation` without `region`.
//! - The Kubernetes object goes in `logicalLocations` (`fullyQualifiedName: Kind/ns/name`,
//!   `kind: "resource"`) and in `properties.object`.
//! - `partialFingerprints."faultline/v1"` is a 64-bit FNV-1a hash of rule, object and message
//!   (and the path when there is no object), never of line numbers, so alerts survive edits
//!   that move an object.
//! - `artifactLocation.uri` is the path with forward slashes, leading `./` dropped and
//!   percent-encoded as a URI reference; `<stdin>` becomes `stdin`; absolute paths become
//!   `file://` URIs.
//! - No timestamps or invocation data, so output is reproducible.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use faultline_diagnostics::{Diagnostic, ObjectRef, RuleInfo, Severity};
use faultline_syntax::{FileId, SourceFile, TextRange};
use serde::Serialize;

use super::{RenderContext, file, is_stdin, slash_path, span};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// `tool.driver.informationUri`: the package's `repository` (or `homepage`) from Cargo.toml;
/// left out of the log when neither is set.
pub const INFORMATION_URI: Option<&str> = match (
    env!("CARGO_PKG_REPOSITORY").is_empty(),
    env!("CARGO_PKG_HOMEPAGE").is_empty(),
) {
    (false, _) => Some(env!("CARGO_PKG_REPOSITORY")),
    (true, false) => Some(env!("CARGO_PKG_HOMEPAGE")),
    (true, true) => None,
};
/// The key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "faultline/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    category: &'a str,
    tags: [&'a str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    category: &'static str,
    help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

pub fn render(
    out: &mut dyn Write,
    diags: &[Diagnostic],
    files: &[SourceFile],
    ctx: &RenderContext<'_>,
) -> io::Result<()> {
    let index: HashMap<&str, usize> = ctx
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "faultline",
                    version: ctx.tool_version,
                    semantic_version: ctx.tool_version,
                    information_uri: INFORMATION_URI,
                    rules: ctx.rules.iter().map(rule).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: diags
                .iter()
                .map(|d| result(d, files, index.get(d.rule).copied()))
                .collect(),
        }],
    };
    out.write_all(super::escape::to_json_pretty(&log).as_bytes())?;
    out.write_all(b"\n")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(r: &RuleInfo) -> Rule<'_> {
    Rule {
        id: r.id,
        name: pascal_case(r.id),
        short_description: Text {
            text: r.summary.into(),
        },
        full_description: Text {
            text: first_paragraph(r.doc).unwrap_or(r.summary).into(),
        },
        help: Help {
            text: r.doc,
            markdown: r.doc,
        },
        default_configuration: Configuration {
            level: level(r.default_severity),
        },
        properties: RuleProperties {
            category: r.category.as_str(),
            tags: ["kubernetes", r.category.as_str()],
        },
    }
}

/// `limit-below-request` → `LimitBelowRequest` (SARIF's `name` is meant to be an identifier).
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(cs).collect::<String>()
        })
        .collect()
}

/// The first paragraph of a rule doc that is not a heading.
/// The text under `## What it does` (rule docs put the paragraph right below the heading),
/// else the first paragraph that is not a heading.
fn first_paragraph(doc: &str) -> Option<&str> {
    let body = |block: &'static str| -> Option<&str> { doc.split(block).nth(1) };
    if let Some(rest) = body("## What it does\n") {
        return rest.split("\n\n").map(str::trim).find(|p| !p.is_empty());
    }
    doc.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
}

fn result(d: &Diagnostic, files: &[SourceFile], rule_index: Option<usize>) -> SarifResult {
    let f = file(files, d.location.file);
    let text = if d.help.is_empty() {
        d.message.clone()
    } else {
        format!("{} — {}", d.message, d.help)
    };
    let object = d.object.as_ref().map(ToString::to_string);
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY, fingerprint(d, &f.path));
    SarifResult {
        rule_id: d.rule.into(),
        rule_index,
        level: level(d.severity),
        message: Text { text },
        locations: [Location {
            id: None,
            message: None,
            physical_location: Some(physical(files, d.location.file, d.location.range)),
            logical_locations: logical(d.object.as_ref()),
        }],
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| Location {
                id: Some(i),
                message: Some(Text {
                    text: r.message.clone(),
                }),
                physical_location: r.location.map(|l| physical(files, l.file, l.range)),
                logical_locations: logical(r.object.as_ref()),
            })
            .collect(),
        partial_fingerprints: fingerprints,
        properties: ResultProperties {
            category: d.category.as_str(),
            help: d.help.clone(),
            object,
        },
    }
}

fn physical(files: &[SourceFile], id: FileId, range: Option<TextRange>) -> PhysicalLocation {
    let f = file(files, id);
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri: uri(&f.path) },
        region: range.map(|r| {
            let s = span(f, r);
            Region {
                start_line: s.start.line,
                start_column: s.start.column,
                end_line: s.end.line,
                end_column: s.end.column,
            }
        }),
    }
}

fn logical(object: Option<&ObjectRef>) -> Vec<LogicalLocation> {
    object
        .map(|o| LogicalLocation {
            name: o.name.clone(),
            fully_qualified_name: o.to_string(),
            kind: "resource",
        })
        .into_iter()
        .collect()
}

/// A stable hash of what the finding is about, not where it is.
fn fingerprint(d: &Diagnostic, path: &str) -> String {
    let mut h = Fnv1a::new();
    h.write(d.rule);
    match &d.object {
        Some(o) => {
            h.write(&o.api_version);
            h.write(&o.kind);
            h.write(o.namespace.as_deref().unwrap_or(""));
            h.write(&o.name);
        }
        None => h.write(&slash_path(path)),
    }
    h.write(&d.message);
    format!("{:016x}", h.0)
}

/// 64-bit FNV-1a, fields separated by a 0xff byte (never in UTF-8).
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, s: &str) {
        for &b in s.as_bytes().iter().chain(&[0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A display path as a URI reference.
pub fn uri(path: &str) -> String {
    if is_stdin(path) {
        return "stdin".into();
    }
    let p = slash_path(path);
    let bytes = p.as_bytes();
    if p.starts_with('/') {
        return format!("file://{}", encode(&p, true));
    }
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        return format!("file:///{}", encode(&p, true));
    }
    // A `:` in a relative reference would read as a scheme: encode it.
    encode(&p, false)
}

fn encode(path: &str, allow_colon: bool) -> String {
    let mut s = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || matches!(
                b,
                b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@'
            )
            || (allow_colon && b == b':');
        if keep {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::Format;
    use super::super::fixtures::{Fixture, SECRET_VALUE};
    use super::*;

    #[test]
    fn snapshot() {
        let out = Fixture::new().render(Format::Sarif);
        assert!(!out.contains(SECRET_VALUE));
        insta::assert_snapshot!(out);
    }

    /// The official schema's BCP-47 language pattern (on `run.language` and
    /// `toolComponent.language`) has a stray `]`, which strict regex engines refuse under the
    /// meta-schema's `format: regex`. We never emit `language`, so the test drops that keyword
    /// and keeps the rest of the schema as published.
    const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

    fn drop_broken_pattern(v: &mut Value) -> usize {
        match v {
            Value::Object(map) => {
                let mut n = 0;
                if map.get("pattern").and_then(Value::as_str) == Some(BROKEN_LANGUAGE_PATTERN) {
                    map.remove("pattern");
                    n += 1;
                }
                n + map.values_mut().map(drop_broken_pattern).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(drop_broken_pattern).sum(),
            _ => 0,
        }
    }

    fn schema_validator() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/sarif/sarif-schema-2.1.0.json"
        );
        let text = std::fs::read_to_string(path).expect("SARIF schema in testdata/sarif");
        let mut schema: Value = serde_json::from_str(&text).unwrap();
        assert!(drop_broken_pattern(&mut schema) > 0);
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    }

    fn assert_valid(validator: &jsonschema::Validator, out: &str) {
        let instance: Value = serde_json::from_str(out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF schema violations:\n{}",
            errors.join("\n")
        );
    }

    #[test]
    fn validates_against_the_sarif_schema() {
        let validator = schema_validator();
        let fx = Fixture::new();
        assert_valid(&validator, &fx.render(Format::Sarif));
        assert_valid(&validator, &fx.render_empty(Format::Sarif));
        // The validator does reject broken logs.
        assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{}]})));
    }

    #[test]
    fn fingerprints_ignore_positions() {
        let fx = Fixture::new();
        let mut moved = fx.diags[0].clone();
        let r = moved.location.range.unwrap();
        moved.location.range = Some(TextRange::new(r.start - 5, r.end - 5));
        assert_eq!(
            fingerprint(&fx.diags[0], "manifests/app.yaml"),
            fingerprint(&moved, "manifests/app.yaml")
        );
        let mut other = fx.diags[0].clone();
        other.message.push('!');
        assert_ne!(
            fingerprint(&fx.diags[0], "manifests/app.yaml"),
            fingerprint(&other, "manifests/app.yaml")
        );
    }

    #[test]
    fn uris() {
        assert_eq!(uri("<stdin>"), "stdin");
        assert_eq!(uri("./k8s/app.yaml"), "k8s/app.yaml");
        assert_eq!(uri("k8s\\my app.yaml"), "k8s/my%20app.yaml");
        assert_eq!(uri("a:b/ü.yaml"), "a%3Ab/%C3%BC.yaml");
        assert_eq!(uri("/abs/x#1.yaml"), "file:///abs/x%231.yaml");
        assert_eq!(uri("C:\\k8s\\x.yaml"), "file:///C:/k8s/x.yaml");
    }

    #[test]
    fn names() {
        assert_eq!(pascal_case("limit-below-request"), "LimitBelowRequest");
        assert_eq!(
            first_paragraph("## What it does\n\nChecks.\nMore.\n\n## Why"),
            Some("Checks.\nMore.")
        );
    }
}
