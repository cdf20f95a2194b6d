//! Custom rules: the `customRules:` of `.faultline.yaml`, CEL expressions a team writes over
//! each object, run like built-in rules.
//!
//! Each entry is compiled once, when the configuration is read ([`parse`]); a mistake (an
//! unknown key, a bad category or severity, an id that clashes, an expression that does not
//! compile or reads a name other than [`VARIABLES`] or calls a function the Kubernetes CEL
//! environment lacks, an expression that reads no variable and is not a boolean (a
//! `messageExpression`: not a string), a `fieldPath` that is not a path or names no field of
//! the matched kinds) is a located configuration error. The rules of one file form one [`CustomRules`] set, which the
//! engine runs as one rule: for each object, it checks each entry's `match`, and binds the
//! object as a CEL value (`object`, plus `request` and `namespaceObject` when an expression reads
//! them) once for every entry that matches, then reports each failing entry under its own id,
//! so suppressions, exemptions, severity overrides, folding and rendering treat it as any rule.
//!
//! As in a ValidatingAdmissionPolicy, an expression that gives `true` passes; `false` is a
//! finding with the entry's `message` (or its evaluated `messageExpression`). An expression that
//! cannot be evaluated on an object (it reads a field the object lacks, without `has()`) is also
//! a finding of the rule, saying so with the CEL error (not on a Secret, whose values the error
//! could quote): the API server fails such a policy (`failurePolicy: Fail` is the default), and
//! a rule that silently skips objects it cannot read would hide that it checks nothing. An
//! expression that gives a non-boolean (a `messageExpression` a non-string) on an object is a
//! broken rule: one error, on the first such object in input order.
//!
//! This file is the configuration side (what an entry is, reading and compiling it); running
//! the entries as a rule is `custom_run.rs`, so that the configuration does not import the
//! engine.

use std::fmt::Write as _;
use std::sync::OnceLock;

use faultline_cel::Program;
use faultline_diagnostics::{Category, RuleInfo, Severity};
use faultline_model::ObjectId;
use faultline_model::selector::LabelSelector;
use faultline_model::selectors::parse_label_selector;
use faultline_syntax::{NodeRef, TextRange};
use globset::{Glob, GlobMatcher};

use crate::params::RuleMeta;

/// One `customRules:` entry, compiled.
#[derive(Debug)]
pub struct CustomRule {
    /// Id, category, default severity, summary and documentation page, as every rule has. The
    /// strings are leaked (see [`leak`]).
    pub meta: &'static RuleMeta,
    /// The configuration file and the 1-based line of the entry.
    pub origin: String,
    pub line: u32,
    pub(crate) kinds: Vec<String>,
    pub(crate) namespaces: Vec<GlobMatcher>,
    pub(crate) selector: Option<LabelSelector>,
    /// The expression, compiled once.
    pub expression: Program,
    pub(crate) message: String,
    pub(crate) message_expression: Option<Program>,
    pub(crate) help: String,
    pub(crate) field_path: Option<Vec<Segment>>,
    /// The field paths the expression reads under `object`, for where a finding points
    /// without a `fieldPath`.
    pub(crate) read_paths: Vec<Vec<Segment>>,
    /// The 1-based lines of `expression` and `messageExpression` in the configuration.
    pub(crate) expression_line: u32,
    pub(crate) message_expression_line: u32,
    /// The first object (in input order) on which the expression gives something other than
    /// a boolean, or the `messageExpression` something other than a string: the rule's one
    /// finding about it goes there. Found once, when an object first shows the problem.
    pub(crate) first_wrong_type: OnceLock<Option<ObjectId>>,
    pub(crate) first_wrong_message: OnceLock<Option<ObjectId>>,
}

/// The custom rules of one configuration file: run by the engine as one rule, each entry
/// reporting under its own id.
#[derive(Debug)]
pub struct CustomRules {
    pub rules: Vec<CustomRule>,
    /// Whether an expression reads `request` / `namespaceObject`: bound only then.
    pub(crate) binds_request: bool,
    pub(crate) binds_namespace: bool,
}

/// The set's own declaration: it never reports under it (each finding carries its entry's
/// id), except when the set itself fails, as `internal-error` would name it.
pub(crate) static SET_META: RuleMeta = RuleMeta {
    info: RuleInfo {
        id: "custom-rules",
        category: Category::Internal,
        default_severity: Severity::Error,
        summary: "the custom rules of `.faultline.yaml`",
        doc: "",
    },
    params: &[],
};

impl CustomRules {
    /// The entry with id `id`.
    pub fn find(&self, id: &str) -> Option<&CustomRule> {
        self.rules.iter().find(|r| r.meta.info.id == id)
    }
}

/// A step of a `fieldPath`: `.key`, `['key']` or `[index]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Parses a `fieldPath` such as `spec.template.spec.containers[0].image`,
/// `.metadata.labels['app.kubernetes.io/name']` (a leading dot is allowed, as in a CRD
/// validation rule's `fieldPath`). `Err` names the byte offset of the mistake.
pub fn parse_field_path(path: &str) -> Result<Vec<Segment>, (usize, String)> {
    let bytes = path.as_bytes();
    let mut segs = Vec::new();
    let mut i = 0;
    if path.trim().is_empty() {
        return Err((0, "a field path cannot be empty".to_owned()));
    }
    let mut expect_key = !path.starts_with('.') && !path.starts_with('[');
    while i < bytes.len() || expect_key {
        if expect_key {
            let start = i;
            while i < bytes.len() && !matches!(bytes[i], b'.' | b'[') {
                i += 1;
            }
            let key = &path[start..i];
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
            {
                return Err((
                    start,
                    format!(
                        "`{key}` is not a field name; write keys with other characters as `['{key}']`"
                    ),
                ));
            }
            segs.push(Segment::Key(key.to_owned()));
            expect_key = false;
            continue;
        }
        match bytes[i] {
            b'.' => {
                i += 1;
                expect_key = true;
            }
            b'[' => {
                let rest = &path[i + 1..];
                let Some(close) = rest.find(']') else {
                    return Err((i, "`[` without a closing `]`".to_owned()));
                };
                let inner = &rest[..close];
                let quoted = inner.len() >= 2
                    && ((inner.starts_with('\'') && inner.ends_with('\''))
                        || (inner.starts_with('"') && inner.ends_with('"')));
                if quoted {
                    segs.push(Segment::Key(inner[1..inner.len() - 1].to_owned()));
                } else if let Ok(n) = inner.parse::<usize>() {
                    segs.push(Segment::Index(n));
                } else {
                    return Err((
                        i + 1,
                        format!(
                            "`[{inner}]` must be a list index such as `[0]` or a quoted key such as `['app']`"
                        ),
                    ));
                }
                i += close + 2;
            }
            _ => return Err((i, format!("expected `.` or `[` at `{}`", &path[i..]))),
        }
    }
    Ok(segs)
}

/// The first step of `path` that no version of built-in `kind` has in its schema, as the path
/// up to it; `None` when every version that defines `kind` is unknown (not a built-in kind) or
/// some version has the whole path.
fn missing_in_schema(kind: &str, path: &[Segment]) -> Option<String> {
    use faultline_schema::Schema;
    let builtin = faultline_schema::builtin();
    let schemas: Vec<Schema<'_>> = builtin
        .kinds()
        .filter(|k| k.kind() == kind)
        .filter_map(|k| k.defined_in().last().and_then(|m| k.schema(m)))
        .collect();
    if schemas.is_empty() {
        return None;
    }
    // How far each version's schema follows the path; the path exists when one follows it all
    // (or reaches a node that takes any field).
    let mut deepest = 0;
    for schema in schemas {
        let mut node = schema;
        let mut depth = 0;
        let mut open = false;
        for seg in path {
            let next = match seg {
                Segment::Key(k) => node.field(k),
                Segment::Index(_) => node.items(),
            };
            match next {
                Some(n) => {
                    node = n;
                    depth += 1;
                }
                None => {
                    open = node.allows_unknown_fields();
                    break;
                }
            }
        }
        if open || depth == path.len() {
            return None;
        }
        deepest = deepest.max(depth);
    }
    Some(show_path(&path[..=deepest]))
}

/// How deep `path` is written under `root`, the node there and the range to underline: the deepest
/// field from its key (`replicas: 1`), on the key's line only when its value is a block (`spec:`
/// rather than the whole spec); a list item on its first line. `None` when not even the first
/// step is written.
pub(crate) fn written<'t>(
    root: NodeRef<'t>,
    path: &[Segment],
) -> Option<(usize, TextRange, NodeRef<'t>)> {
    let first_line = |r: TextRange| first_line(root, r);
    let mut node = root;
    let mut found = None;
    for (depth, seg) in path.iter().enumerate() {
        let next = match seg {
            Segment::Key(k) if node.is_map() => node
                .entry(k)
                .map(|(key, v)| (v, first_line(key.range().cover(v.range())))),
            // `object.metadata.labels['0']` reads a key that looks like an index.
            Segment::Index(i) if node.is_map() => node
                .entry(&i.to_string())
                .map(|(key, v)| (v, first_line(key.range().cover(v.range())))),
            Segment::Index(i) => node.items().nth(*i).map(|v| (v, first_line(v.range()))),
            Segment::Key(_) => None,
        };
        let Some((n, range)) = next else { break };
        node = n;
        found = Some((depth + 1, range, n));
    }
    found
}

/// What a finding about `node` (a node under `root`) underlines, as [`written`] does: a map
/// value from its key (`image: nginx`, not `nginx`), on the key's line when the value is a
/// block; a list item or the root on its first line.
pub(crate) fn field_of(root: NodeRef<'_>, node: NodeRef<'_>) -> TextRange {
    let target = node.range();
    let mut at = root;
    'down: loop {
        if at.is_map() {
            for (key, value) in at.entries() {
                if value.id() == node.id() {
                    return first_line(root, key.range().cover(value.range()));
                }
                let r = value.range();
                if r.start <= target.start && target.end <= r.end {
                    at = value;
                    continue 'down;
                }
            }
        } else if at.is_seq() {
            for item in at.items() {
                let r = item.range();
                if item.id() != node.id() && r.start <= target.start && target.end <= r.end {
                    at = item;
                    continue 'down;
                }
            }
        }
        return first_line(root, target);
    }
}

/// `r` (in `root`'s source) cut at its first line's end: a block is underlined at its start.
pub(crate) fn first_line(root: NodeRef<'_>, r: TextRange) -> TextRange {
    let source = root.tree().source();
    let text = &source[r.start as usize..r.end as usize];
    match text.find('\n') {
        Some(i) => TextRange::new(r.start, r.start + text[..i].trim_end().len() as u32),
        None => r,
    }
}

fn show_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Key(k) => {
                let _ = write!(s, "['{k}']");
            }
            Segment::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
        }
    }
    s
}

/// Leaks `s` for the `&'static str` that rule ids, summaries and pages are: the configuration
/// is read once per run (per process, for the CLI), so this is a few hundred bytes once, and
/// it lets a custom rule be a rule like the others (`Diagnostic::rule` is `&'static str`).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The variables a custom rule's expressions are evaluated with (`custom_run.rs` binds them).
pub(crate) const VARIABLES: &[&str] = &["object", "oldObject", "request", "namespaceObject"];

/// Why an expression that reads no variable (its value is the same on every object) cannot be
/// the entry's `expression` (a boolean) or `messageExpression` (a string), when it gives a
/// value of another type; `None` when it reads a variable, errors, or has the right type.
fn constant_of_wrong_type(p: &Program, is_expression: bool) -> Option<String> {
    p.check_declared(&[]).ok()?;
    let value = p.eval(&faultline_cel::Vars::new()).ok()?;
    match (is_expression, &value) {
        (true, faultline_cel::Value::Bool(_)) | (false, faultline_cel::Value::String(_)) => None,
        (true, v) => Some(format!(
            "`expression` gives a value of type {} on every object, not a boolean; write a condition over `object` that is `true` when the object passes, such as `object.spec.replicas >= 2`",
            v.type_of()
        )),
        (false, v) => Some(format!(
            "`messageExpression` gives a value of type {} on every object, not a string; write a string, such as `'replicas: ' + string(object.spec.replicas)`",
            v.type_of()
        )),
    }
}

/// The categories an entry may name: every category but faultline's own failures and syntax.
const CATEGORIES: &[Category] = &[
    Category::Api,
    Category::Network,
    Category::Services,
    Category::Probes,
    Category::Resources,
    Category::Quota,
    Category::Workloads,
    Category::References,
    Category::Scheduling,
    Category::Status,
    Category::Schema,
    Category::Security,
    Category::Admission,
];

/// The keys of an entry.
const KEYS: &str = "`id`, `severity`, `category`, `summary`, `match`, `expression`, `message`, `messageExpression`, `help`, `fieldPath`";

/// Reads `customRules:` (`node`) of the configuration `text`; mistakes go to `error` with
/// their range in `text`. `origin` names the file in the rules' pages.
pub(crate) fn parse(
    text: &str,
    origin: &str,
    lines: &faultline_syntax::LineIndex,
    node: NodeRef<'_>,
    error: &mut dyn FnMut(TextRange, String),
) -> Option<&'static CustomRules> {
    if !node.is_seq() {
        error(node.range(), "`customRules` must be a list of rules, each a mapping with `id`, `expression` and `message`".to_owned());
        return None;
    }
    let mut rules: Vec<CustomRule> = Vec::new();
    for item in node.items() {
        if let Some(rule) = parse_one(text, origin, lines, item, &rules, error) {
            rules.push(rule);
        }
    }
    if rules.is_empty() {
        return None;
    }
    let binds_request = rules.iter().any(|r| {
        r.expression.reads_variable("request")
            || r.message_expression
                .as_ref()
                .is_some_and(|m| m.reads_variable("request"))
    });
    let binds_namespace = rules.iter().any(|r| {
        r.expression.reads_variable("namespaceObject")
            || r.message_expression
                .as_ref()
                .is_some_and(|m| m.reads_variable("namespaceObject"))
    });
    // Leaked like the rules' strings: `Settings` and the engine hold rules as `&'static`.
    Some(Box::leak(Box::new(CustomRules {
        rules,
        binds_request,
        binds_namespace,
    })))
}

fn parse_one(
    text: &str,
    origin: &str,
    lines: &faultline_syntax::LineIndex,
    item: NodeRef<'_>,
    earlier: &[CustomRule],
    error: &mut dyn FnMut(TextRange, String),
) -> Option<CustomRule> {
    if !item.is_map() {
        error(
            item.range(),
            format!("a custom rule must be a mapping with {KEYS}"),
        );
        return None;
    }
    let string = |v: NodeRef<'_>, what: &str, error: &mut dyn FnMut(TextRange, String)| match v
        .scalar_text()
    {
        Some(s) if v.is_scalar() && !v.is_null() && !s.trim().is_empty() => Some(s.to_owned()),
        _ => {
            error(v.range(), format!("`{what}` must be a non-empty string"));
            None
        }
    };
    let mut ok = true;
    let mut id = None;
    let mut severity = Severity::Warning;
    let mut category = Category::Admission;
    let mut summary = None;
    let mut expression: Option<(Program, String, u32)> = None;
    let mut message = None;
    let mut message_expression = None;
    let mut help = String::new();
    let mut field_path: Option<(Vec<Segment>, NodeRef<'_>)> = None;
    let mut kinds = Vec::new();
    let mut namespaces = Vec::new();
    let mut selector = None;
    let mut match_text = String::new();
    for (k, v) in item.entries() {
        match k.scalar_text().unwrap_or("") {
            "id" => {
                let Some(s) = string(v, "id", error) else {
                    ok = false;
                    continue;
                };
                if !is_kebab(&s) {
                    error(
                        v.range(),
                        format!(
                            "custom rule id `{s}` must be kebab-case: lowercase letters, digits and single `-` between words, such as `deployment-owner-label`"
                        ),
                    );
                    ok = false;
                } else if crate::registry::find(&s).is_some() || s == SET_META.info.id {
                    error(
                        v.range(),
                        format!(
                            "custom rule id `{s}` is the id of a built-in rule; choose another (`faultline rules` lists them)"
                        ),
                    );
                    ok = false;
                } else if let Some(first) = earlier.iter().find(|r| r.id() == s) {
                    error(
                        v.range(),
                        format!(
                            "custom rule id `{s}` is already used by the custom rule on line {}",
                            first.line
                        ),
                    );
                    ok = false;
                } else {
                    id = Some(s);
                }
            }
            "severity" => match v.scalar_text().and_then(Severity::parse) {
                Some(s) => severity = s,
                None => {
                    error(
                        v.range(),
                        "`severity` must be `error`, `warning` or `info`".to_owned(),
                    );
                    ok = false;
                }
            },
            "category" => {
                let name = v.scalar_text().unwrap_or("");
                match CATEGORIES.iter().find(|c| c.as_str() == name) {
                    Some(c) => category = *c,
                    None => {
                        let names: Vec<_> = CATEGORIES
                            .iter()
                            .map(|c| format!("`{}`", c.as_str()))
                            .collect();
                        error(
                            v.range(),
                            format!(
                                "unknown category `{name}`; expected one of {}",
                                names.join(", ")
                            ),
                        );
                        ok = false;
                    }
                }
            }
            "summary" => summary = string(v, "summary", error),
            "message" => message = string(v, "message", error),
            "help" => help = string(v, "help", error).unwrap_or_default(),
            "expression" | "messageExpression" => {
                let what = k.scalar_text().unwrap_or("");
                let Some(src) = string(v, what, error) else {
                    ok = false;
                    continue;
                };
                let line = lines.line_col(text, v.range().start).line;
                // What faultline cannot evaluate is refused here too: it would fail on every
                // object.
                let compiled = Program::compile_declared(&src, VARIABLES)
                    .map_err(|e| (e, "does not compile"))
                    .and_then(|p| {
                        p.unsupported()
                            .map_or(Ok(p), |e| Err((e, "cannot be used")))
                    });
                match compiled {
                    Ok(p) => {
                        if let Some(wrong) = constant_of_wrong_type(&p, what == "expression") {
                            error(v.range(), wrong);
                            ok = false;
                        } else if what == "expression" {
                            expression = Some((p, src, line));
                        } else {
                            message_expression = Some((p, line));
                        }
                    }
                    Err((e, verdict)) => {
                        let at = e
                            .span
                            .map(|(start, _)| start as usize)
                            .or_else(|| syntax_error_offset(&src))
                            .and_then(|start| offset_in_scalar(text, v, &src, start))
                            .unwrap_or(v.range());
                        let hint = if e.message.starts_with("undeclared reference") {
                            "; a custom rule reads `object`, `oldObject`, `request` and `namespaceObject`, and calls the functions of the Kubernetes CEL libraries"
                        } else {
                            ""
                        };
                        error(at, format!("`{what}` {verdict}: {}{hint}", e.message));
                        ok = false;
                    }
                }
            }
            "fieldPath" => {
                let Some(s) = string(v, "fieldPath", error) else {
                    ok = false;
                    continue;
                };
                match parse_field_path(&s) {
                    Ok(p) => field_path = Some((p, v)),
                    Err((at, why)) => {
                        let range = offset_in_scalar(text, v, &s, at).unwrap_or(v.range());
                        error(
                            range,
                            format!("`fieldPath` `{s}` is not a field path: {why}"),
                        );
                        ok = false;
                    }
                }
            }
            "match" => {
                if !v.is_map() {
                    error(v.range(), "`match` must be a mapping with `kinds`, `namespaces` and/or `labelSelector`".to_owned());
                    ok = false;
                    continue;
                }
                for (mk, mv) in v.entries() {
                    match mk.scalar_text().unwrap_or("") {
                        "kinds" => {
                            if !mv.is_seq() {
                                error(mv.range(), "`kinds` must be a list of kinds such as `[Deployment, StatefulSet]`".to_owned());
                                ok = false;
                                continue;
                            }
                            for i in mv.items() {
                                match string(i, "kinds", error) {
                                    Some(s) => kinds.push(s),
                                    None => ok = false,
                                }
                            }
                        }
                        "namespaces" => {
                            if !mv.is_seq() {
                                error(
                                    mv.range(),
                                    "`namespaces` must be a list of namespaces (globs allowed)"
                                        .to_owned(),
                                );
                                ok = false;
                                continue;
                            }
                            for i in mv.items() {
                                let Some(s) = string(i, "namespaces", error) else {
                                    ok = false;
                                    continue;
                                };
                                match Glob::new(&s) {
                                    Ok(g) => namespaces.push(g.compile_matcher()),
                                    Err(e) => {
                                        error(i.range(), format!("`{s}` is not a valid glob: {e}"));
                                        ok = false;
                                    }
                                }
                            }
                        }
                        "labelSelector" => {
                            let parsed = parse_label_selector(mv);
                            for (range, problem) in &parsed.problems {
                                error(*range, format!("`labelSelector`: {problem}"));
                                ok = false;
                            }
                            selector = Some(parsed.selector);
                        }
                        other => {
                            error(
                                mk.range(),
                                format!(
                                    "unknown `match` field `{other}`; expected `kinds`, `namespaces`, `labelSelector`"
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                match_text = text[v.range().start as usize..v.range().end as usize].to_owned();
            }
            other => {
                error(
                    k.range(),
                    format!("unknown custom rule field `{other}`; expected {KEYS}"),
                );
                ok = false;
            }
        }
    }
    let line = lines.line_col(text, item.range().start).line;
    for (missing, present) in [
        ("id", item.get("id").is_some()),
        ("expression", item.get("expression").is_some()),
        (
            "message",
            item.get("message").is_some() || item.get("messageExpression").is_some(),
        ),
    ] {
        if !present {
            let what = if missing == "message" {
                "`message` or `messageExpression`"
            } else if missing == "id" {
                "an `id`"
            } else {
                "an `expression`"
            };
            error(item.range(), format!("a custom rule needs {what}"));
            ok = false;
        }
    }
    if let Some((path, node)) = &field_path {
        for kind in &kinds {
            if let Some(missing) = missing_in_schema(kind, path) {
                error(
                    node.range(),
                    format!("`fieldPath`: {kind} has no field `{missing}` in its schema"),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let (id, (expression, expression_text, expression_line)) = (id?, expression?);
    // Not backticked: on a Secret, the redaction would mask it.
    let message = message.unwrap_or_else(|| format!("the object fails custom rule {id}"));
    let (message_expression, message_expression_line) = match message_expression {
        Some((p, line)) => (Some(p), line),
        None => (None, 0),
    };
    let summary = summary.unwrap_or_else(|| message.clone());
    let doc = page(&Page {
        origin,
        line,
        expression: &expression_text,
        message_expression: message_expression.as_ref().map(Program::source),
        message: &message,
        help: &help,
        match_text: &match_text,
        field_path: field_path.as_ref().map(|(p, _)| show_path(p)),
    });
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        info: RuleInfo {
            id: leak(id),
            category,
            default_severity: severity,
            summary: leak(summary.lines().map(str::trim).collect::<Vec<_>>().join(" ")),
            doc: leak(doc),
        },
        params: &[],
    }));
    let read_paths = expression
        .paths("object")
        .into_iter()
        .map(|p| {
            p.into_iter()
                .map(|k| k.parse().map_or(Segment::Key(k), Segment::Index))
                .collect()
        })
        .collect();
    Some(CustomRule {
        meta,
        origin: origin.to_owned(),
        line,
        kinds,
        namespaces,
        selector,
        expression,
        message,
        message_expression,
        help,
        field_path: field_path.map(|(p, _)| p),
        read_paths,
        expression_line,
        message_expression_line,
        first_wrong_type: OnceLock::new(),
        first_wrong_message: OnceLock::new(),
    })
}

struct Page<'p> {
    origin: &'p str,
    line: u32,
    expression: &'p str,
    message_expression: Option<&'p str>,
    message: &'p str,
    help: &'p str,
    match_text: &'p str,
    field_path: Option<String>,
}

/// The rule's page (`faultline explain`, the SARIF rule's help), from the configuration's text.
fn page(p: &Page<'_>) -> String {
    let mut doc = format!(
        "## What it does\n\nA custom rule, defined in `{}` line {}. An object it matches fails when the expression below is not `true`; it is then reported with:\n\n> {}\n",
        p.origin, p.line, p.message
    );
    if let Some(m) = p.message_expression {
        let _ = write!(
            doc,
            "\n(or, when it gives a non-empty string, `messageExpression`:)\n\n```cel\n{}\n```\n",
            m.trim_end()
        );
    }
    let _ = write!(
        doc,
        "\n## Expression\n\n```cel\n{}\n```\n",
        p.expression.trim_end()
    );
    doc.push_str("\n## Match\n\n");
    if p.match_text.trim().is_empty() {
        doc.push_str("Every object.\n");
    } else {
        let _ = write!(doc, "```yaml\n{}\n```\n", dedent(p.match_text).trim_end());
    }
    if let Some(path) = &p.field_path {
        let _ = write!(
            doc,
            "\nFindings point at `{path}` (or its nearest written parent).\n"
        );
    }
    if !p.help.is_empty() {
        let _ = write!(doc, "\n## Use instead\n\n{}\n", p.help);
    }
    doc
}

fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.trim()
            } else {
                l.get(indent..).unwrap_or(l.trim()).trim_end()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// The byte offset in `src` of the first syntax error the cel crate's parser reports (its
/// `pos`: 1-based line and column, in characters), for compile errors that carry no span.
fn syntax_error_offset(src: &str) -> Option<usize> {
    let errors = cel::parser::Parser::new().parse(src).err()?;
    let (line, column) = errors.errors.first()?.pos;
    let line_start: usize = src
        .split_inclusive('\n')
        .take(usize::try_from(line).ok()?.checked_sub(1)?)
        .map(str::len)
        .sum();
    let rest = src.get(line_start..)?;
    let column = usize::try_from(column).ok()?.saturating_sub(1);
    Some(
        line_start
            + rest
                .char_indices()
                .nth(column)
                .map_or(rest.len(), |(i, _)| i),
    )
}

/// Where byte `offset` of the scalar's value `value` is in `text`, so that a compile error
/// points inside the expression: the value's characters other than white space are those of
/// the scalar's source in plain, quoted (without escapes), literal and folded scalars alike, so
/// the position is found by counting them. `None` when the source runs out first.
fn offset_in_scalar(
    text: &str,
    node: NodeRef<'_>,
    value: &str,
    offset: usize,
) -> Option<TextRange> {
    let range = node.range();
    let source = text.get(range.start as usize..range.end as usize)?;
    // The block scalar's header (`>-`, `|`) or the opening quote is not part of the value.
    let skip = if source.starts_with(['|', '>']) {
        source.find('\n').map_or(source.len(), |i| i + 1)
    } else if source.starts_with(['\'', '"']) {
        1
    } else {
        0
    };
    let wanted = value
        .get(..offset.min(value.len()))?
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    let mut seen = 0;
    for (i, c) in source[skip..].char_indices() {
        if c.is_whitespace() {
            continue;
        }
        if seen == wanted {
            let start = range.start + (skip + i) as u32;
            return Some(TextRange::new(start, start + c.len_utf8() as u32));
        }
        seen += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_parse() {
        assert_eq!(
            parse_field_path("spec.containers[0].image").unwrap(),
            [
                Segment::Key("spec".into()),
                Segment::Key("containers".into()),
                Segment::Index(0),
                Segment::Key("image".into())
            ]
        );
        assert_eq!(
            parse_field_path(".metadata.labels['app.kubernetes.io/name']").unwrap(),
            [
                Segment::Key("metadata".into()),
                Segment::Key("labels".into()),
                Segment::Key("app.kubernetes.io/name".into())
            ]
        );
        assert_eq!(parse_field_path("spec..x").unwrap_err().0, 5);
        assert_eq!(parse_field_path("spec[x]").unwrap_err().0, 5);
        assert!(parse_field_path("spec[0").is_err());
        assert!(parse_field_path("").is_err());
    }

    #[test]
    fn field_paths_are_checked_against_the_schemas() {
        let path = |s| parse_field_path(s).unwrap();
        assert_eq!(
            missing_in_schema("Deployment", &path("spec.template.metadata.labels")),
            None
        );
        assert_eq!(
            missing_in_schema("Deployment", &path("metadata.labels['owner']")),
            None
        );
        assert_eq!(
            missing_in_schema("Pod", &path("spec.containers[0].image")),
            None
        );
        assert_eq!(
            missing_in_schema("Deployment", &path("spec.templat.metadata")).as_deref(),
            Some("spec.templat")
        );
        assert_eq!(
            missing_in_schema("Widget", &path("spec.anything")),
            None,
            "not a built-in kind"
        );
    }

    #[test]
    fn syntax_errors_have_an_offset() {
        assert_eq!(syntax_error_offset("a >> 2"), Some(3));
        assert_eq!(syntax_error_offset("a +* b"), Some(3));
        assert_eq!(syntax_error_offset("a\n  ]"), Some(4));
        assert_eq!(syntax_error_offset("a && b"), None);
    }

    #[test]
    fn ids_are_kebab_case() {
        assert!(is_kebab("owner-label"));
        assert!(is_kebab("no-lb-2"));
        assert!(!is_kebab("Owner"));
        assert!(!is_kebab("a--b"));
        assert!(!is_kebab("-a"));
        assert!(!is_kebab("1a"));
    }
}
