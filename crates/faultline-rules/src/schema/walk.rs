//! The walk of one object's tree against a schema node: what the API server's decoding and
//! OpenAPI validation would reject, each problem at its node with the field path the API
//! server prints (`spec.template.spec.containers[0].ports[0].protocol`).
//!
//! Semantics, as the API server applies them to a manifest:
//! * Scalars are typed after Kubernetes' YAML 1.1 resolution (the loader's): `"80"` is a
//!   string, `080`/`0x50` integers, `yes` a boolean. A whole float (`1.0`, `1e3`) is an
//!   integer: `sigs.k8s.io/yaml` writes it to JSON as `1`, `1000`.
//! * `null` is no value: Go decoding leaves the field at its zero value and the CRD handler
//!   prunes non-nullable nulls before validation. A required field that is `null` is missing.
//! * A key the schema does not have is an unknown field, unless the node takes additional
//!   properties, preserves unknown fields or has no type; `apiVersion`, `kind` and `metadata`
//!   are implicit at a custom resource's root and in embedded resources.
//! * A required field with a `default` is not missing (CRD defaulting runs before validation);
//!   list-map keys take their defaults before duplicates are compared (a port without
//!   `protocol` is `TCP`).
//!
//! Nothing is allocated per field: the path is a stack of borrowed segments, rendered only
//! when a problem is recorded.

use faultline_schema::{Additional, ListType, Literal, Schema, Type};
use faultline_syntax::{NodeKind, NodeRef, TextRange};

use super::native;
use super::placeholder;
use super::validations::{Pending, RuleFailure, RuleIndex};

/// How deep the walk follows a tree.
const MAX_PATH: usize = 200;

/// One problem found by the walk.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Issue {
    pub kind: IssueKind,
    /// Where the finding points: the value, or the key for unknown fields and the nearest
    /// enclosing key for missing ones.
    pub range: TextRange,
    /// The field path as the API server prints it.
    pub path: String,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum IssueKind {
    /// A key the schema does not have; the closest known field, if one is close.
    Unknown {
        key: String,
        suggestion: Option<String>,
    },
    /// The value's JSON type is not the schema's. `found` is the JSON type after YAML
    /// resolution; `hint` says how to write it when the text is a value of the right type
    /// written the wrong way (`"3"` for an integer, `yes` for a string).
    Type {
        expected: &'static str,
        found: &'static str,
        hint: Option<String>,
    },
    /// A required field is absent (or `null`).
    Required { field: String },
    /// The value is not one of the allowed ones (rendered as the API server does).
    Enum {
        value: String,
        allowed: Vec<String>,
        /// The allowed value equal but for case, if any.
        suggestion: Option<String>,
    },
    /// The value does not parse as the schema's `format`.
    Format {
        format: &'static str,
        reason: String,
    },
    /// An item of a list map (or set) repeats the key of an earlier item.
    Duplicate { key: String, first: TextRange },
    /// A placeholder of another template engine where the schema wants another type.
    Placeholder {
        text: String,
        expected: &'static str,
    },
    /// A CRD validation rule (`x-kubernetes-validations`) that does not hold for the value.
    Rule(Box<RuleFailure>),
    /// A CRD validation rule the API server does not accept (a problem of the CRD).
    RuleInvalid { message: String },
}

/// A segment of a field path.
#[derive(Clone, Copy, Debug)]
enum Seg<'t> {
    Field(&'t str),
    Index(usize),
    Key(&'t str),
}

/// How the walk treats a tree.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mode<'s> {
    /// A custom resource: `apiVersion`, `kind` and `metadata` are implicit at the root.
    pub custom: bool,
    /// No pruning (a `v1beta1` CRD with `preserveUnknownFields: true`): unknown fields are kept.
    pub keep_unknown: bool,
    /// The built-in `ObjectMeta` schema, for the `metadata` of custom resources and embedded
    /// resources.
    pub object_meta: Option<Schema<'s>>,
    /// The object's kind, for the API server's own enumerations (`native`).
    pub kind: &'s str,
    /// Skip `status` at the root (built-in kinds, and custom resources with a status
    /// subresource: the API server ignores it on create).
    pub skip_status: bool,
    /// The CRD's validation rules: nodes whose schema node carries some are noted.
    pub rules: Option<RuleIndex<'s>>,
}

/// `RULES`: the schema may carry validation rules (`mode.rules` is given); a walk of a
/// built-in kind is compiled without the check.
pub(crate) struct Walk<'t, 's, 'o, const RULES: bool> {
    path: Vec<Seg<'t>>,
    mode: Mode<'s>,
    source: &'t str,
    out: &'o mut Vec<Issue>,
    pending: &'o mut Vec<Pending<'t>>,
}

/// Validates `root` (an object's mapping) against `schema`, appending problems to `out` and,
/// when `mode.rules` is given, the nodes whose schema carries validation rules to `pending`.
pub(crate) fn validate<'t>(
    root: NodeRef<'t>,
    schema: Schema<'_>,
    mode: Mode<'_>,
    out: &mut Vec<Issue>,
    pending: &mut Vec<Pending<'t>>,
) {
    // A walk without rules to collect is compiled without their checks (`RULES`).
    fn walk<'t, const RULES: bool>(
        root: NodeRef<'t>,
        schema: Schema<'_>,
        anchor: TextRange,
        mode: Mode<'_>,
        out: &mut Vec<Issue>,
        pending: &mut Vec<Pending<'t>>,
    ) {
        Walk::<RULES> {
            path: Vec::with_capacity(16),
            mode,
            source: root.tree().source(),
            out,
            pending,
        }
        .object(root, schema, anchor, true);
    }
    let anchor = root.entry("kind").map_or(root.range(), |(k, _)| k.range());
    let Some(rules) = mode.rules else {
        return walk::<false>(root, schema, anchor, mode, out, pending);
    };
    if root.is_map() && rules.has_rules(schema) {
        pending.push(Pending {
            node: root,
            schema: schema.id(),
            path: String::new(),
            anchor,
            resource_root: true,
            root: true,
        });
    }
    walk::<true>(root, schema, anchor, mode, out, pending);
}

/// The JSON type a resolved YAML node has.
fn json_type(v: NodeRef<'_>) -> &'static str {
    match v.kind() {
        NodeKind::Null => "null",
        NodeKind::Bool => "boolean",
        NodeKind::Int => "integer",
        NodeKind::Float => {
            if v.as_i64().is_some() {
                "integer"
            } else {
                "number"
            }
        }
        NodeKind::Str => "string",
        NodeKind::Seq => "array",
        NodeKind::Map => "object",
    }
}

fn is_integer(v: NodeRef<'_>) -> bool {
    match v.kind() {
        NodeKind::Int => true,
        NodeKind::Float => v.as_i64().is_some(),
        _ => false,
    }
}

impl<'t, 's, const RULES: bool> Walk<'t, 's, '_, RULES> {
    fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(f) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(f);
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
                // Map keys as the API server's OpenAPI validation prints them:
                // `resources.requests.cpu`.
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
            }
        }
        s
    }

    fn required(&mut self, field: &str, anchor: TextRange) {
        let mut path = self.path_string();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(field);
        self.out.push(Issue {
            kind: IssueKind::Required {
                field: field.to_owned(),
            },
            range: anchor,
            path,
        });
    }

    fn push(&mut self, kind: IssueKind, range: TextRange) {
        let path = self.path_string();
        self.out.push(Issue { kind, range, path });
    }

    /// The names of the fields on the path, innermost last (indices and map keys skipped).
    fn field_names(&self) -> impl DoubleEndedIterator<Item = &'t str> + Clone + '_ {
        self.path.iter().filter_map(|s| match s {
            Seg::Field(f) => Some(*f),
            _ => None,
        })
    }

    fn mismatch(&mut self, v: NodeRef<'t>, expected: &'static str) {
        let text = &self.source[v.range().start as usize..v.range().end as usize];
        if let Some(p) = placeholder::find(v, text) {
            self.push(
                IssueKind::Placeholder {
                    text: p.to_owned(),
                    expected,
                },
                v.range(),
            );
            return;
        }
        let found = json_type(v);
        let mut hint = hint(v, expected);
        if expected == "string"
            && !self.mode.custom
            && v.is_scalar()
            && let Some(allowed) = native::allowed(self.mode.kind, self.field_names())
        {
            let values: Vec<String> = allowed
                .iter()
                .filter(|a| !a.is_empty())
                .map(|a| format!("{a:?}"))
                .collect();
            hint = Some(format!(
                "write one of the supported values: {}",
                values.join(", ")
            ));
        }
        self.push(
            IssueKind::Type {
                expected,
                found,
                hint,
            },
            v.range(),
        );
    }

    /// `anchor`: the nearest enclosing key, where a missing required field is reported.
    fn value(&mut self, v: NodeRef<'t>, s: Schema<'s>, anchor: TextRange) {
        // No real schema nests this deep; a hostile document (JSON allows 1,000 levels, the
        // CRD schema is recursive) must not exhaust the stack.
        if v.is_null() || self.path.len() > MAX_PATH {
            return;
        }
        if RULES
            && let Some(rules) = self.mode.rules
            && rules.has_rules(s)
        {
            let path = self.path_string();
            self.pending.push(Pending {
                node: v,
                schema: s.id(),
                path,
                anchor,
                resource_root: s.embedded_resource(),
                root: false,
            });
        }
        match s.ty() {
            Type::Any => {
                if v.is_map()
                    && (s.has_properties() || s.additional_properties() != Additional::Unspecified)
                {
                    self.object(v, s, anchor, false);
                } else if v.is_seq()
                    && let Some(items) = s.items()
                {
                    self.array(v, s, items);
                }
            }
            Type::Object => {
                if v.is_map() {
                    self.object(v, s, anchor, false);
                } else {
                    self.mismatch(v, "object");
                }
            }
            Type::Array => {
                if v.is_seq() {
                    if let Some(items) = s.items() {
                        self.array(v, s, items);
                    }
                } else {
                    self.mismatch(v, "array");
                }
            }
            Type::String => {
                if v.kind() == NodeKind::Str {
                    self.string(v, s);
                } else {
                    self.mismatch(v, "string");
                }
            }
            Type::Integer => {
                if is_integer(v) {
                    self.integer(v, s);
                } else if v.kind() == NodeKind::Int {
                    // Above i64: no Go integer field takes it.
                    self.format(v, "int64", "out of the range of a 64-bit integer".into());
                } else {
                    self.mismatch(v, "integer");
                }
            }
            Type::Number => {
                if matches!(v.kind(), NodeKind::Int | NodeKind::Float) {
                    self.enumeration(v, s);
                } else {
                    self.mismatch(v, "number");
                }
            }
            Type::Boolean => {
                if v.kind() == NodeKind::Bool {
                    self.enumeration(v, s);
                } else {
                    self.mismatch(v, "boolean");
                }
            }
            Type::IntOrString => {
                if is_integer(v) || v.kind() == NodeKind::Str {
                    self.enumeration(v, s);
                } else {
                    self.mismatch(v, "integer or string");
                }
            }
            Type::NumberOrString => {
                if matches!(v.kind(), NodeKind::Str | NodeKind::Int | NodeKind::Float) {
                    if s.format() == Some("quantity") {
                        self.quantity(v);
                    }
                } else {
                    self.mismatch(v, "quantity (a string or a number)");
                }
            }
        }
    }

    fn format(&mut self, v: NodeRef<'t>, format: &'static str, reason: String) {
        self.push(IssueKind::Format { format, reason }, v.range());
    }

    fn quantity(&mut self, v: NodeRef<'t>) {
        let Some(text) = v.scalar_text() else { return };
        if let Err(e) = faultline_model::quantity::Quantity::parse(text.trim()) {
            self.format(v, "quantity", e.to_string());
        }
    }

    fn integer(&mut self, v: NodeRef<'t>, s: Schema<'s>) {
        // An integer written in nine characters or fewer (`-99999999`, `0x7ffffff`) always
        // fits: no need to parse it (a float such as `3e9` is parsed).
        if (v.kind() != NodeKind::Int || v.scalar_text().is_some_and(|t| t.len() > 9))
            && let (Some("int32"), Some(i)) = (s.format(), v.as_i64())
            && i32::try_from(i).is_err()
        {
            self.format(
                v,
                "int32",
                format!("{i} is out of the range of a 32-bit integer"),
            );
            return;
        }
        self.enumeration(v, s);
    }

    fn string(&mut self, v: NodeRef<'t>, s: Schema<'s>) {
        let text = v.scalar_text().unwrap_or("");
        let problem = match s.format() {
            Some("byte") => base64_problem(text).map(|r| ("byte", r)),
            Some("date-time") => (!text.is_empty()
                && faultline_model::time::Timestamp::parse(text).is_none())
            .then(|| {
                (
                    "date-time",
                    "not an RFC 3339 time such as `2024-05-01T12:30:00Z`".to_owned(),
                )
            }),
            Some("date") => (!is_date(text))
                .then(|| ("date", "not a full date such as `2024-05-01`".to_owned())),
            Some("duration") => (!is_go_duration(text)).then(|| {
                (
                    "duration",
                    "not a duration such as `30s`, `1m30s` or `500ms`".to_owned(),
                )
            }),
            _ => None,
        };
        if let Some((format, reason)) = problem {
            self.format(v, format, reason);
            return;
        }
        if s.enum_values().is_some() {
            self.enumeration(v, s);
        } else if !self.mode.custom
            && !text.is_empty()
            && let Some(allowed) = native::allowed(self.mode.kind, self.field_names())
            && !allowed.contains(&text)
        {
            let suggestion = suggest(text, allowed.iter().copied());
            self.push(
                IssueKind::Enum {
                    value: format!("{text:?}"),
                    allowed: allowed.iter().map(|a| format!("{a:?}")).collect(),
                    suggestion,
                },
                v.range(),
            );
        }
    }

    fn enumeration(&mut self, v: NodeRef<'t>, s: Schema<'s>) {
        let Some(values) = s.enum_values() else {
            return;
        };
        let text = v.scalar_text().unwrap_or("");
        let mut allowed = Vec::new();
        let mut suggestion = None;
        for lit in values {
            let matches = match lit {
                Literal::Null => false,
                Literal::Bool(b) => v.as_bool() == Some(b),
                Literal::Number(n) => {
                    v.kind() != NodeKind::Str
                        && match (v.as_f64(), n.parse::<f64>()) {
                            (Some(a), Ok(b)) => a == b,
                            _ => false,
                        }
                }
                Literal::String(s) => {
                    if v.kind() == NodeKind::Str && s.eq_ignore_ascii_case(text) && s != text {
                        suggestion = Some(s.to_owned());
                    }
                    v.kind() == NodeKind::Str && s == text
                }
                Literal::Json(_) => true,
            };
            if matches {
                return;
            }
            allowed.push(lit.to_string());
        }
        if suggestion.is_none() && v.kind() == NodeKind::Str {
            let strings = s
                .enum_values()
                .into_iter()
                .flatten()
                .filter_map(|l| match l {
                    Literal::String(s) => Some(s),
                    _ => None,
                });
            suggestion = suggest(text, strings);
        }
        let value = if v.kind() == NodeKind::Str {
            format!("{text:?}")
        } else {
            text.to_owned()
        };
        self.push(
            IssueKind::Enum {
                value,
                allowed,
                suggestion,
            },
            v.range(),
        );
    }

    /// ObjectMeta's checks that are not in its schema: label keys and values wherever
    /// `metadata.labels` is (objects, pod templates, embedded resources), and the object's
    /// name (`native::name_rule`).
    fn object_meta(&mut self, v: NodeRef<'t>) {
        let (last, parent) = {
            let mut names = self.field_names().rev();
            (names.next(), names.next())
        };
        let Some(last) = last else {
            return;
        };
        if last == "labels" && parent == Some("metadata") && v.is_map() {
            for (k, val) in v.entries() {
                let (Some(key), Some(value)) = (k.as_str(), val.as_str()) else {
                    continue;
                };
                if placeholder::is_placeholder(key) || placeholder::is_placeholder(value) {
                    continue;
                }
                let problem = faultline_model::selector::validate_label_key(key)
                    .map_err(|e| format!("key `{key}`: {e}"))
                    .and_then(|()| {
                        faultline_model::selector::validate_label_value(value)
                            .map_err(|e| format!("value `{value}` of `{key}`: {e}"))
                    });
                if let Err(reason) = problem {
                    // The API server names the map, not the key.
                    self.format(val, "label", reason);
                }
            }
        }
        if last == "metadata"
            && self.path.len() == 1
            && !self.mode.custom
            && let Some(rule) = native::name_rule(self.mode.kind)
            && let Some((k, name)) = v.entry("name")
            && let Some(text) = name.as_str()
            && !placeholder::is_placeholder(text)
            && let Err(reason) = rule.check(text)
        {
            self.path
                .push(Seg::Field(k.scalar_text().unwrap_or("name")));
            self.format(name, "name", reason);
            self.path.pop();
        }
    }

    fn object(&mut self, v: NodeRef<'t>, s: Schema<'s>, anchor: TextRange, root: bool) {
        self.object_meta(v);
        let implicit = (root && self.mode.custom) || s.embedded_resource();
        // Required fields an unknown key was probably meant to be: one mistake, one finding.
        let mut meant: Vec<String> = Vec::new();
        for (k, val) in v.entries() {
            let Some(name) = k.scalar_text().filter(|_| k.is_scalar()) else {
                continue;
            };
            if root && self.mode.skip_status && name == "status" {
                continue;
            }
            if implicit && matches!(name, "apiVersion" | "kind" | "metadata") {
                if name == "metadata"
                    && let Some(meta) = self.mode.object_meta
                {
                    self.path.push(Seg::Field(name));
                    self.value(val, meta, k.range());
                    self.path.pop();
                } else if name != "metadata" && !val.is_null() && val.kind() != NodeKind::Str {
                    self.path.push(Seg::Field(name));
                    self.mismatch(val, "string");
                    self.path.pop();
                }
                continue;
            }
            if let Some(p) = property(s, name) {
                self.path.push(Seg::Field(name));
                self.value(val, p, k.range());
                self.path.pop();
                continue;
            }
            match s.additional_properties() {
                Additional::Schema(id) => {
                    self.path.push(Seg::Key(name));
                    self.value(val, s.get(id), k.range());
                    self.path.pop();
                    continue;
                }
                Additional::Any => continue,
                Additional::Denied | Additional::Unspecified => {}
            }
            if s.allows_unknown_fields() || self.mode.keep_unknown {
                continue;
            }
            let suggestion = suggest(name, s.properties().map(|(n, _)| n));
            meant.extend(suggestion.clone());
            self.path.push(Seg::Field(name));
            self.push(
                IssueKind::Unknown {
                    key: name.to_owned(),
                    suggestion,
                },
                k.range(),
            );
            self.path.pop();
        }
        for r in s.required() {
            if v.get(r).is_some_and(|x| !x.is_null()) || meant.iter().any(|m| m == r) {
                continue;
            }
            // CRD defaulting runs before validation; a built-in field's `default` in the
            // published schema is its Go zero value, which the API server's validation
            // refuses where it requires the field (`containerPort: 0`).
            if self.mode.custom && s.property(r).is_some_and(|p| p.default_value().is_some()) {
                continue;
            }
            if !self.mode.custom
                && !native::schema_requirement_enforced(
                    self.mode.kind,
                    self.field_names(),
                    r,
                    s.property(r).map(Schema::ty),
                )
            {
                continue;
            }
            self.required(r, anchor);
        }
        let depth = self.path.len();
        if let Some(fields) =
            native::required(self.mode.kind, self.field_names(), depth, self.mode.custom)
        {
            for r in fields {
                if v.get(r).is_some_and(|x| !x.is_null()) || s.is_required(r) {
                    continue;
                }
                if *r == "name" && v.get("generateName").is_some_and(|x| !x.is_null()) {
                    continue;
                }
                if meant.iter().any(|m| m == r) {
                    continue;
                }
                // An object without `metadata` misses its name.
                self.required(if *r == "metadata" { "metadata.name" } else { r }, anchor);
            }
        }
    }

    fn array(&mut self, v: NodeRef<'t>, s: Schema<'s>, items: Schema<'s>) {
        for (i, item) in v.items().enumerate() {
            self.path.push(Seg::Index(i));
            let anchor = item
                .entries()
                .next()
                .map_or(item.range(), |(k, _)| k.range());
            self.value(item, items, anchor);
            self.path.pop();
        }
        match s.list_type() {
            ListType::Map if v.len() > 1 => self.list_map(v, s, items),
            ListType::Set if v.len() > 1 => self.list_set(v),
            _ => {}
        }
    }

    fn list_map(&mut self, v: NodeRef<'t>, s: Schema<'s>, items: Schema<'s>) {
        let keys: Vec<&str> = s.list_map_keys().collect();
        if keys.is_empty() {
            return;
        }
        // Each item's key: per map key the value's text and JSON type, or the default.
        type Key<'x> = Vec<Option<(&'static str, std::borrow::Cow<'x, str>)>>;
        let mut seen: Vec<(Key<'t>, TextRange)> = Vec::with_capacity(v.len());
        let custom = self.mode.custom;
        for (i, item) in v.items().enumerate() {
            if !item.is_map() {
                continue;
            }
            let key: Key<'t> = keys
                .iter()
                .map(|k| match item.get(k).filter(|x| !x.is_null()) {
                    Some(x) if x.is_scalar() => {
                        let text = x.scalar_text().unwrap_or("");
                        let ty = json_type(x);
                        let text = match (ty, x.as_i64()) {
                            ("integer", Some(n)) => std::borrow::Cow::Owned(n.to_string()),
                            _ => std::borrow::Cow::Borrowed(text),
                        };
                        Some((ty, text))
                    }
                    Some(_) => None,
                    None => items
                        .property(k)
                        .and_then(|p| p.default_value())
                        // A built-in's `0` or `""` default is its Go zero value, not a default
                        // the API server fills in.
                        .filter(|d| {
                            custom || !matches!(d, Literal::Number("0") | Literal::String(""))
                        })
                        .map(|d| match d {
                            Literal::String(s) => ("string", std::borrow::Cow::Owned(s.to_owned())),
                            Literal::Number(n) => {
                                ("integer", std::borrow::Cow::Owned(n.to_owned()))
                            }
                            Literal::Bool(b) => ("boolean", std::borrow::Cow::Owned(b.to_string())),
                            _ => ("null", std::borrow::Cow::Borrowed("")),
                        }),
                })
                .collect();
            // An item without its key is `schema-required-missing`'s (a custom resource's
            // partial keys are compared, as the API server does).
            if key.iter().all(Option::is_none) || (!custom && key.iter().any(Option::is_none)) {
                continue;
            }
            let anchor = keys
                .iter()
                .find_map(|k| item.entry(k).map(|(k, _)| k.range()))
                .or_else(|| item.entries().next().map(|(k, _)| k.range()))
                .unwrap_or(item.range());
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                let rendered = render_key(&keys, &key);
                let first = *first;
                self.path.push(Seg::Index(i));
                self.push(
                    IssueKind::Duplicate {
                        key: rendered,
                        first,
                    },
                    anchor,
                );
                self.path.pop();
            } else {
                seen.push((key, anchor));
            }
        }
    }

    fn list_set(&mut self, v: NodeRef<'t>) {
        let mut seen: Vec<(&'static str, &'t str, TextRange)> = Vec::new();
        for (i, item) in v.items().enumerate() {
            if !item.is_scalar() || item.is_null() {
                continue;
            }
            let ty = json_type(item);
            let text = item.scalar_text().unwrap_or("");
            if let Some(&(_, _, first)) = seen.iter().find(|(t, x, _)| *t == ty && *x == text) {
                self.path.push(Seg::Index(i));
                let key = if ty == "string" {
                    format!("{text:?}")
                } else {
                    text.to_owned()
                };
                self.push(IssueKind::Duplicate { key, first }, item.range());
                self.path.pop();
            } else {
                seen.push((ty, text, item.range()));
            }
        }
    }
}

/// Property lookups of the built-in schemas, cached per thread: the same keys under the same
/// nodes come back for every object (`name`, `image`, `ports` of every container), and one
/// comparison with the cached property's name is cheaper than the binary search's. Only the
/// built-in arena, which lives as long as the process, is cached; a slot holds a node id, the
/// key's hash and the position of the property found, whose name is compared before it is
/// used, so a hash collision costs a search, never a wrong answer.
const CACHE_SLOTS: usize = 4096;

std::thread_local! {
    static PROPERTY_CACHE: std::cell::RefCell<Vec<(u32, u64, u32)>> =
        std::cell::RefCell::new(vec![(u32::MAX, 0, 0); CACHE_SLOTS]);
}

/// FNV-1a over the key's bytes, with its length.
fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ key.len() as u64;
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `s.property(name)`, through the cache for nodes of the built-in arena with enough
/// properties for the binary search to cost. Inlined into the walk: called for every key.
#[inline(always)]
fn property<'s>(s: Schema<'s>, name: &str) -> Option<Schema<'s>> {
    let props = s.properties().len();
    if props < 8 || !std::ptr::eq(s.arena(), faultline_schema::builtin().arena()) {
        return s.property(name);
    }
    let id = s.id().index() as u32;
    let h = key_hash(name);
    let slot = (h ^ u64::from(id).wrapping_mul(0x9e37_79b9_7f4a_7c15)) as usize % CACHE_SLOTS;
    let hit = PROPERTY_CACHE.with(|c| {
        let e = c.borrow()[slot];
        (e.0 == id && e.1 == h).then_some(e.2)
    });
    if let Some((found_name, child)) = hit.and_then(|i| s.property_at(i as usize))
        && found_name == name
    {
        return Some(child);
    }
    let i = s.property_index(name)?;
    PROPERTY_CACHE.with(|c| c.borrow_mut()[slot] = (id, h, i as u32));
    s.property_at(i).map(|(_, child)| child)
}

/// `{"containerPort":88,"protocol":"TCP"}`, as the API server prints a duplicate.
fn render_key(names: &[&str], key: &[Option<(&'static str, std::borrow::Cow<'_, str>)>]) -> String {
    let mut s = String::from("{");
    for (name, k) in names.iter().zip(key) {
        let Some((ty, text)) = k else { continue };
        if s.len() > 1 {
            s.push(',');
        }
        s.push_str(&format!("{name:?}:"));
        if *ty == "string" {
            s.push_str(&format!("{:?}", text.as_ref()));
        } else {
            s.push_str(text);
        }
    }
    s.push('}');
    s
}

/// How to write `v` so it has type `expected`, when its text already is such a value.
fn hint(v: NodeRef<'_>, expected: &str) -> Option<String> {
    let text = v.scalar_text()?;
    match (v.kind(), expected) {
        (NodeKind::Str, "integer" | "integer or string" | "number")
            if faultline_syntax::resolve::int_value(text.trim()).is_some()
                || (expected == "number"
                    && faultline_syntax::resolve::float_value(text.trim()).is_some()) =>
        {
            Some(format!("write `{}` without quotes", text.trim()))
        }
        (NodeKind::Str, "boolean") if matches!(text, "true" | "false") => {
            Some(format!("write `{text}` without quotes"))
        }
        (NodeKind::Bool | NodeKind::Int | NodeKind::Float | NodeKind::Null, "string") => {
            Some(format!(
                "quote it: `\"{text}\"` (YAML reads `{text}` as {})",
                json_type_article(v)
            ))
        }
        _ => None,
    }
}

fn json_type_article(v: NodeRef<'_>) -> &'static str {
    match json_type(v) {
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        _ => "null",
    }
}

/// The known field closest to `name`: equal but for case, or at most a third of its length
/// (and at most 3) edits away.
pub(crate) fn suggest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        if k.eq_ignore_ascii_case(name) {
            return Some(k.to_owned());
        }
        let d = typo_distance(&lower, &k.to_ascii_lowercase());
        let limit = (name.chars().count().max(k.chars().count()) / 3).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k.to_owned())
}

/// Edits between `a` and `b`: insertions, deletions, substitutions and swaps of two adjacent
/// characters (`nmae` is one edit from `name`).
fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Why `text` is not what Go's `base64.StdEncoding` decodes (`[]byte` fields: Secret `data`),
/// or `None`. Line breaks are ignored, as Go does.
fn base64_problem(text: &str) -> Option<String> {
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    let alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    if let Some(i) = bytes.iter().position(|&c| !alphabet(c) && c != b'=') {
        return Some(format!("illegal base64 data at input byte {i}"));
    }
    if !bytes.len().is_multiple_of(4) {
        return Some("base64 data must be padded to a multiple of 4 characters".to_owned());
    }
    let pad = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 || bytes[..bytes.len() - pad].contains(&b'=') {
        let i = bytes.iter().position(|&c| c == b'=').unwrap_or(0);
        return Some(format!("illegal base64 data at input byte {i}"));
    }
    None
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && faultline_model::time::Timestamp::parse(&format!("{text}T00:00:00Z")).is_some()
}

/// Whether Go's `time.ParseDuration` accepts `text`: `0`, or an optional sign and one or more
/// decimal numbers each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`).
pub(crate) fn is_go_duration(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for ok in [
            "0",
            "1s",
            "1m30s",
            "500ms",
            "1.5h",
            "-2h",
            "1h2m3s4ms5us6ns",
            "3µs",
        ] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "1", "1d", "s", "1.2.3s", "1 s", "10sec"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(base64_problem(""), None);
        assert_eq!(base64_problem("aGVsbG8="), None);
        assert_eq!(base64_problem("aGVs\nbG8="), None);
        assert!(base64_problem("hello").is_some());
        assert!(base64_problem("aGVsbG8").is_some());
        assert!(base64_problem("a=Vs").is_some());
        assert!(base64_problem("my-secret-value!").is_some());
    }

    #[test]
    fn suggestions_by_case_and_edit_distance() {
        let known = ["readinessProbe", "livenessProbe", "image", "name"];
        assert_eq!(
            suggest("readynessProbe", known.iter().copied()).as_deref(),
            Some("readinessProbe")
        );
        assert_eq!(
            suggest("Image", known.iter().copied()).as_deref(),
            Some("image")
        );
        assert_eq!(
            suggest("contAIN3rz", ["containers"].into_iter()).as_deref(),
            Some("containers")
        );
        assert_eq!(suggest("foo", known.iter().copied()), None);
    }
}
