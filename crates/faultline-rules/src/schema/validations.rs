//! CRD validation rules (`x-kubernetes-validations`), as the API server's
//! `apiextensions-apiserver/pkg/apiserver/schema/cel` applies them to a custom resource on
//! create:
//!
//! * Each rule (and `messageExpression`) is compiled once, when the run converts the CRD
//!   ([`read`]); a rule that does not compile (a name other than `self` and `oldSelf`, or a
//!   function the Kubernetes CEL environment does not declare, fails the API server's type
//!   check), a `fieldPath` that names no field of the schema or an unknown `reason` is a
//!   problem of the CRD, which the API server refuses.
//! * The walk notes every node of a custom resource whose schema node carries rules
//!   ([`Pending`]); the rules run only when the walk found no type error in the object (the
//!   API server skips them then: "some validation rules were not checked because the object
//!   was invalid"). A `null` or absent value runs no rule.
//! * `self` is the node's value as the API server holds it after decoding: unknown fields
//!   pruned (unless preserved), non-nullable `null`s dropped, scalar and empty `{}`/`[]`
//!   defaults of absent properties filled in; at the resource root (and in embedded resources)
//!   only `apiVersion`, `kind` and `metadata.name`/`generateName` besides the schema's fields,
//!   and no `status` when the CRD has a status subresource. `oldSelf` is absent: transition
//!   rules (those reading `oldSelf`) are skipped, as on create, except those with
//!   `optionalOldSelf: true`, which run with `oldSelf` an empty optional.
//! * A rule that evaluates to anything but `true` fails: the message is the evaluated
//!   `messageExpression` (a non-empty string of one line), else `message`, else
//!   `failed rule: <rule>`; it points at `fieldPath` under the node when given and written,
//!   else at the node.
//! * A runtime error is the API server's refusal too (`no such key`, division by zero, index
//!   out of bounds) when faultline's value is exact and, for `no such key`, the key is a field
//!   the schema declares; an error that may come from what faultline lacks (a function of a
//!   Kubernetes CEL library it does not have, a non-empty object default it does not
//!   materialize, the type checker that refuses a rule reading an undeclared field, or one
//!   that is not a bool) is reported as undecided.
//!
//! * Each evaluation is bounded by the API server's `PerCallLimit` and all the rules of one
//!   object share its `RuntimeCELCostBudget` (faultline-cel's cost model); over either, the
//!   API server refuses the object and runs no further rule.
//!
//! Not modelled: list-type `set`/`map` equality (compared in order here), strings of
//! `format: duration`, `date`, `date-time` and `byte` (CEL durations, timestamps and bytes to
//! the API server, strings here: a comparison with a `duration()` is an error, so undecided),
//! the static cost estimate from `maxLength`/`maxItems` that refuses a CRD.

use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelOptional, CelString,
};
use cel::common::value::Val;
use faultline_cel::{
    EvalErrorKind, MAX_MESSAGE_EXPRESSION_BYTES, PER_CALL_LIMIT, Program, RUNTIME_COST_BUDGET,
    Value, Vars, to_val,
};
use faultline_schema::{Additional, Arena, Literal, Schema, SchemaId};
use faultline_syntax::{NodeKind, NodeRef, TextRange};

use super::walk::{Issue, IssueKind};

/// What the API server does with a failure (`reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Invalid,
    Forbidden,
    Required,
    Duplicate,
}

/// One compiled rule of a schema node.
#[derive(Debug)]
pub(crate) struct ValidationRule {
    pub program: Program,
    /// `message`, trimmed; `None` when absent or empty.
    pub message: Option<String>,
    pub message_expression: Option<Program>,
    /// `fieldPath`: the keys below the node, and the path as the API server prints it.
    pub field_path: Option<(Vec<String>, String)>,
    pub reason: Reason,
    /// The rule reads `oldSelf`: a transition rule, not run on create unless
    /// `optional_old_self`.
    pub uses_old_self: bool,
    /// `optionalOldSelf: true`: on create the rule runs with `oldSelf` an empty optional
    /// (CRD validation ratcheting, Kubernetes 1.30 on).
    pub optional_old_self: bool,
    /// The `rule` value in the CRD.
    pub range: TextRange,
}

impl ValidationRule {
    /// Whether the rule runs on create.
    fn runs_on_create(&self) -> bool {
        !self.uses_old_self || self.optional_old_self
    }

    /// The rule as the API server quotes it (`ruleErrorString`): the message if any, else the
    /// rule's text, trimmed.
    fn error_string(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| self.program.source().trim())
    }
}

/// The rules of a run's CRD arena, by schema node.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuleIndex<'s> {
    pub arena: &'s Arena,
    pub by_node: &'s HashMap<SchemaId, Box<[ValidationRule]>>,
}

impl RuleIndex<'_> {
    /// Whether `s` is a node of this arena that carries rules.
    pub(crate) fn has_rules(&self, s: Schema<'_>) -> bool {
        std::ptr::eq(s.arena(), self.arena) && self.by_node.contains_key(&s.id())
    }
}

/// A node of an object whose schema node carries rules, noted by the walk.
#[derive(Clone, Debug)]
pub(crate) struct Pending<'t> {
    pub node: NodeRef<'t>,
    pub schema: SchemaId,
    /// The node's field path as the API server prints it (empty at the root).
    pub path: String,
    /// The key the node is written under (the `kind` key at the root).
    pub anchor: TextRange,
    /// The root of the object or of an embedded resource.
    pub resource_root: bool,
    /// The root of the object.
    pub root: bool,
}

/// A failed rule, for `schema-validation-rule`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RuleFailure {
    /// The API server's detail: the message, or the error and the rule.
    pub detail: String,
    pub reason: Reason,
    /// The rule's text.
    pub rule: String,
    /// The `rule` value in the CRD.
    pub rule_range: TextRange,
    /// The evaluation error, when the rule did not evaluate to a value.
    pub error: Option<String>,
    /// Whether the API server certainly refuses the object (false: an error faultline's
    /// evaluation may cause, not the API server's).
    pub decided: bool,
}

/// Reads a schema node's `x-kubernetes-validations` (`list`), compiling each rule; problems go
/// to `out` with paths under `path` (the node's path in the CRD). `schema` is the schema
/// node's mapping, for `fieldPath`.
pub(crate) fn read(
    list: NodeRef<'_>,
    schema: NodeRef<'_>,
    path: &str,
    out: &mut Vec<Issue>,
) -> Vec<ValidationRule> {
    let mut rules = Vec::new();
    for (i, item) in list.items().enumerate() {
        let at = format!("{path}.x-kubernetes-validations[{i}]");
        let mut problem = |range: TextRange, field: &str, message: String| {
            out.push(Issue {
                kind: IssueKind::RuleInvalid { message },
                range,
                path: format!("{at}.{field}"),
            });
        };
        let text = |key: &str| item.get(key).and_then(NodeRef::as_str);
        let Some(rule_node) = item.get("rule") else {
            problem(
                item.range(),
                "rule",
                "a validation rule without `rule`".to_owned(),
            );
            continue;
        };
        let Some(source) = rule_node.as_str() else {
            problem(
                rule_node.range(),
                "rule",
                "`rule` is not a string".to_owned(),
            );
            continue;
        };
        // What the API server's CRD validation checks before it compiles anything.
        let message = item.get("message");
        let message_text = message.and_then(NodeRef::as_str).unwrap_or("");
        let trimmed = message_text.trim();
        let form = if source.trim().is_empty() {
            Some((rule_node, "rule", "the rule is empty"))
        } else if message.is_some() && !message_text.is_empty() && trimmed.is_empty() {
            message.map(|m| (m, "message", "`message` must be non-empty if specified"))
        } else if message_text.len() > 2048 {
            message.map(|m| (m, "message", "`message` must have at most 2048 characters"))
        } else if trimmed.contains('\n') {
            message.map(|m| (m, "message", "`message` must not contain line breaks"))
        } else if source.trim().contains('\n') && trimmed.is_empty() {
            Some((
                item.entry("rule").map_or(rule_node, |(k, _)| k),
                "message",
                "a rule that contains line breaks needs a `message`",
            ))
        } else {
            item.get("messageExpression")
                .filter(|m| {
                    m.as_str()
                        .is_some_and(|t| !t.is_empty() && t.trim().is_empty())
                })
                .map(|m| {
                    (
                        m,
                        "messageExpression",
                        "`messageExpression` must be non-empty if specified",
                    )
                })
        };
        if let Some((node, field, why)) = form {
            problem(node.range(), field, why.to_owned());
            continue;
        }
        // The API server declares `self` and `oldSelf` for a rule; any other name, or a
        // function its CEL environment lacks, fails its type check and the CRD is refused.
        let program = match Program::compile_declared(source, &["self", "oldSelf"]) {
            Ok(p) => p,
            Err(e) => {
                problem(
                    rule_node.range(),
                    "rule",
                    format!(
                        "the rule `{}` does not compile: {}",
                        source.trim(),
                        e.message
                    ),
                );
                continue;
            }
        };
        let message_expression = match item.get("messageExpression") {
            Some(node) => match node
                .as_str()
                .map(|m| Program::compile_declared(m, &["self", "oldSelf"]))
            {
                Some(Ok(p)) => Some(p),
                Some(Err(e)) => {
                    problem(
                        node.range(),
                        "messageExpression",
                        format!(
                            "the messageExpression `{}` does not compile: {}",
                            node.as_str().unwrap_or("").trim(),
                            e.message
                        ),
                    );
                    continue;
                }
                None => None,
            },
            None => None,
        };
        let field_path = match item.entry("fieldPath") {
            Some((_, node)) => match node.as_str().map(|p| (p, field_path(p, schema))) {
                Some((_, Ok(fp))) => Some(fp),
                Some((p, Err(why))) => {
                    problem(
                        node.range(),
                        "fieldPath",
                        format!("the fieldPath `{p}` {why}"),
                    );
                    continue;
                }
                None => None,
            },
            None => None,
        };
        let reason = match item.entry("reason") {
            None => Reason::Invalid,
            Some((_, node)) => match node.as_str() {
                Some("FieldValueInvalid") => Reason::Invalid,
                Some("FieldValueForbidden") => Reason::Forbidden,
                Some("FieldValueRequired") => Reason::Required,
                Some("FieldValueDuplicate") => Reason::Duplicate,
                other => {
                    problem(
                        node.range(),
                        "reason",
                        format!(
                            "the reason `{}` is not one of FieldValueInvalid, FieldValueForbidden, FieldValueRequired, FieldValueDuplicate",
                            other.unwrap_or("")
                        ),
                    );
                    continue;
                }
            },
        };
        rules.push(ValidationRule {
            uses_old_self: program.reads_variable("oldSelf"),
            optional_old_self: item.get("optionalOldSelf").and_then(NodeRef::as_bool) == Some(true),
            program,
            message: text("message")
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
            message_expression,
            field_path,
            reason,
            range: rule_node.range(),
        });
    }
    rules
}

/// `fieldPath` checked against the schema node as the API server's `ValidFieldPath` does
/// (`.a.b`, `['a.b']`; a step into an object with properties names one of them, into a map
/// any key): the keys and the path as it prints it.
fn field_path(text: &str, schema: NodeRef<'_>) -> Result<(Vec<String>, String), String> {
    let mut keys = Vec::new();
    let mut printed = String::new();
    let mut node = Some(schema);
    let mut rest = text;
    let invalid = || "does not refer to a valid field".to_owned();
    while !rest.is_empty() {
        let (name, after) = if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err("is not a valid JSON path".to_owned());
            }
            (r[..end].to_owned(), &r[end..])
        } else if let Some(r) = rest.strip_prefix("['") {
            let mut name = String::new();
            let mut chars = r.char_indices();
            let mut end = None;
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e)) => name.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        }),
                        None => break,
                    },
                    '\'' => {
                        end = Some(j);
                        break;
                    }
                    _ => name.push(c),
                }
            }
            let Some(end) = end else {
                return Err("is not a valid JSON path: a string is not closed".to_owned());
            };
            let Some(after) = r[end + 1..].strip_prefix(']') else {
                return Err("is not a valid JSON path: `]` expected".to_owned());
            };
            (name, after)
        } else {
            return Err("is not a valid JSON path: expected `.` or `['`".to_owned());
        };
        let s = node.ok_or_else(invalid)?;
        let props = s.get("properties").filter(|p| p.is_map() && !p.is_empty());
        if let Some(props) = props {
            node = Some(props.get(&name).ok_or_else(invalid)?);
            if !printed.is_empty() {
                printed.push('.');
            }
            printed.push_str(&name);
        } else if let Some(add) = s.get("additionalProperties") {
            node = add.is_map().then_some(add);
            printed.push('[');
            printed.push_str(&name);
            printed.push(']');
        } else {
            return Err(invalid());
        }
        keys.push(name);
        rest = after;
    }
    if keys.is_empty() {
        return Err(invalid());
    }
    Ok((keys, printed))
}

/// Runs the rules at the noted nodes of one object, appending failures to `out`.
/// `skip_status`: the CRD has a status subresource (the API server drops `status` on create);
/// `keep_unknown`: unknown fields are not pruned.
pub(crate) fn evaluate(
    pending: &[Pending<'_>],
    index: RuleIndex<'_>,
    skip_status: bool,
    keep_unknown: bool,
    out: &mut Vec<Issue>,
) {
    // What all the rules of the object may spend together (`RuntimeCELCostBudget`).
    let mut remaining = RUNTIME_COST_BUDGET;
    for p in pending {
        let Some(rules) = index.by_node.get(&p.schema) else {
            continue;
        };
        if !rules.iter().any(ValidationRule::runs_on_create) {
            continue;
        }
        let schema = index.arena.get(p.schema);
        let mut cx = ValueCx {
            keep_unknown,
            inexact: false,
        };
        let value = cx.resource_or_value(p.node, schema, p.resource_root, p.root && skip_status);
        let mut vars = Vars::new();
        vars.bind("self", value);
        if rules.iter().any(|r| r.uses_old_self && r.optional_old_self) {
            vars.bind("oldSelf", Box::new(CelOptional::none()));
        }
        for rule in rules.iter().filter(|r| r.runs_on_create()) {
            let budget = remaining.min(PER_CALL_LIMIT);
            let mut stop = false;
            let (error, decided) = match rule.program.eval_with_budget(&vars, budget) {
                Ok((value, spent)) => {
                    remaining = remaining.saturating_sub(spent);
                    match value {
                        Value::Bool(true) => continue,
                        Value::Bool(false) => (None, true),
                        // The API server refuses a CRD whose rule is not of type bool; its
                        // type checker is not faultline's: not decided here.
                        other => (
                            Some(format!(
                                "the rule evaluates to {}, not a bool",
                                other.type_of()
                            )),
                            false,
                        ),
                    }
                }
                // Over its cost: the API server refuses the object and runs no further rule.
                Err(e) if e.kind == EvalErrorKind::CostExceeded => {
                    stop = true;
                    let m = if budget < PER_CALL_LIMIT {
                        "validation failed due to running out of cost budget, no further validation rules will be run".to_owned()
                    } else {
                        format!(
                            "'{}': no further validation rules will be run due to call cost exceeds limit for rule",
                            e.message
                        )
                    };
                    (Some(m), true)
                }
                Err(e) => {
                    let m = e.message;
                    let exact = [
                        "Division by zero",
                        "Remainder by zero",
                        "Index out of bounds",
                    ]
                    .iter()
                    .any(|p| m.starts_with(p))
                        || m.strip_prefix("No such key: ").is_some_and(|key| {
                            // Exact when faultline's value lacks no default, and the key is a
                            // field the schema declares: the API server's type checker
                            // refuses a rule that reads an undeclared one (the CRD, not the
                            // object, is then refused).
                            !cx.inexact && declares(schema, key, p.resource_root, 0)
                        });
                    (Some(m), exact)
                }
            };
            let detail = match &error {
                Some(e) if stop => format!("{e}: {}", rule.error_string()),
                Some(e) => format!("{e} evaluating rule: {}", rule.error_string()),
                None => message(rule, &vars, &mut remaining),
            };
            // The failure points at `fieldPath` when the rule gives one (and it is written).
            let (mut path, mut target, mut anchor) = (p.path.clone(), p.node, p.anchor);
            if error.is_none()
                && let Some((keys, printed)) = &rule.field_path
            {
                if !path.is_empty() && !printed.starts_with('[') {
                    path.push('.');
                }
                path.push_str(printed);
                let mut node = Some(p.node);
                for k in keys {
                    match node.and_then(|n| n.entry(k)) {
                        Some((key, v)) => {
                            anchor = key.range();
                            node = Some(v);
                        }
                        None => {
                            node = None;
                            break;
                        }
                    }
                }
                match node {
                    Some(n) => target = n,
                    None => anchor = p.anchor,
                }
            }
            let range = if target.is_scalar() && !p.root {
                target.range()
            } else {
                anchor
            };
            out.push(Issue {
                kind: IssueKind::Rule(Box::new(RuleFailure {
                    detail,
                    reason: rule.reason,
                    rule: rule.program.source().trim().to_owned(),
                    rule_range: rule.range,
                    error,
                    decided,
                })),
                range,
                path,
            });
            if stop {
                return;
            }
        }
    }
}

/// Whether `key` is a field the schema declares at or below `s` (at a resource root also
/// `apiVersion`, `kind`, `metadata`, `name`, `generateName`).
fn declares(s: Schema<'_>, key: &str, resource_root: bool, depth: usize) -> bool {
    if resource_root
        && matches!(
            key,
            "apiVersion" | "kind" | "metadata" | "name" | "generateName"
        )
    {
        return true;
    }
    if depth > 64 {
        return false;
    }
    s.properties().any(|(name, id)| {
        name == key || declares(s.get(id), key, s.get(id).embedded_resource(), depth + 1)
    }) || s
        .items()
        .is_some_and(|i| declares(i, key, i.embedded_resource(), depth + 1))
        || match s.additional_properties() {
            Additional::Schema(id) => {
                let a = s.get(id);
                declares(a, key, a.embedded_resource(), depth + 1)
            }
            _ => false,
        }
}

/// The failure message: the evaluated `messageExpression` when it gives a non-empty string of
/// one line, else `message`, else `failed rule: <rule>`.
fn message(rule: &ValidationRule, vars: &Vars<'_>, remaining: &mut u64) -> String {
    if let Some(expr) = &rule.message_expression
        && let Ok((Value::String(s), spent)) =
            expr.eval_with_budget(vars, (*remaining).min(PER_CALL_LIMIT))
    {
        *remaining = remaining.saturating_sub(spent);
        let s = s.trim();
        if !s.is_empty() && !s.contains('\n') && s.len() <= MAX_MESSAGE_EXPRESSION_BYTES {
            return s.to_owned();
        }
    }
    match &rule.message {
        Some(m) => m.clone(),
        None => format!("failed rule: {}", rule.program.source().trim()),
    }
}

/// Builds `self`.
struct ValueCx {
    keep_unknown: bool,
    /// A default was left out that the API server would fill in (an object or array default
    /// with content): a `no such key` error may be faultline's.
    inexact: bool,
}

impl ValueCx {
    /// The value of a resource root (the object, or an embedded resource): the schema's
    /// fields, `apiVersion`, `kind` and `metadata` with `name` and `generateName` only.
    fn resource_or_value<'t>(
        &mut self,
        node: NodeRef<'t>,
        s: Schema<'_>,
        resource_root: bool,
        skip_status: bool,
    ) -> Box<dyn Val + 't> {
        if !resource_root || !node.is_map() {
            return self.value(node, Some(s));
        }
        let mut map: HashMap<CelMapKey<'t>, Box<dyn Val + 't>> = HashMap::new();
        for (k, v) in node.entries() {
            let Some(key) = k.scalar_text() else { continue };
            match key {
                "status" if skip_status => {}
                "apiVersion" | "kind" if s.property(key).is_none() => {
                    map.insert(CelMapKey::from(key), to_val(v));
                }
                "metadata" => {
                    let mut meta: HashMap<CelMapKey<'t>, Box<dyn Val + 't>> = HashMap::new();
                    for (mk, mv) in v.entries() {
                        if let Some(name @ ("name" | "generateName")) = mk.scalar_text()
                            && !mv.is_null()
                        {
                            meta.insert(CelMapKey::from(name), to_val(mv));
                        }
                    }
                    map.insert(CelMapKey::from(key), Box::new(CelMap::from(meta)));
                }
                _ => self.entry(&mut map, key, v, s),
            }
        }
        self.defaults(&mut map, s);
        Box::new(CelMap::from(map))
    }

    fn value<'t>(&mut self, node: NodeRef<'t>, s: Option<Schema<'_>>) -> Box<dyn Val + 't> {
        let Some(s) = s else { return to_val(node) };
        match node.kind() {
            NodeKind::Map
                if s.has_properties()
                    || !matches!(s.additional_properties(), Additional::Unspecified) =>
            {
                let mut map: HashMap<CelMapKey<'t>, Box<dyn Val + 't>> =
                    HashMap::with_capacity(node.len());
                for (k, v) in node.entries() {
                    if let Some(key) = k.scalar_text() {
                        self.entry(&mut map, key, v, s);
                    }
                }
                self.defaults(&mut map, s);
                Box::new(CelMap::from(map))
            }
            NodeKind::Seq if s.items().is_some() => {
                let items = s.items();
                let values: Vec<Box<dyn Val + 't>> =
                    node.items().map(|i| self.value(i, items)).collect();
                Box::new(CelList::from(values))
            }
            _ => to_val(node),
        }
    }

    /// One key of an object: pruned when the schema does not have it (and keeps no unknown
    /// fields), dropped when `null` and not nullable.
    fn entry<'t>(
        &mut self,
        map: &mut HashMap<CelMapKey<'t>, Box<dyn Val + 't>>,
        key: &'t str,
        v: NodeRef<'t>,
        s: Schema<'_>,
    ) {
        let child = s.field(key);
        match child {
            None if !(s.allows_unknown_fields() || self.keep_unknown) => {}
            Some(c) if v.is_null() && !c.nullable() => {}
            _ => {
                let value = self.value(v, child);
                map.insert(CelMapKey::from(key), value);
            }
        }
    }

    /// The defaults of the properties `map` lacks.
    fn defaults<'t>(&mut self, map: &mut HashMap<CelMapKey<'t>, Box<dyn Val + 't>>, s: Schema<'_>) {
        for (name, id) in s.properties() {
            if map.contains_key(&CelMapKey::from(name)) {
                continue;
            }
            let child = s.get(id);
            let value: Box<dyn Val + 't> = match child.default_value() {
                None | Some(Literal::Null) => continue,
                Some(Literal::Bool(b)) => Box::new(CelBool::from(b)),
                Some(Literal::Number(n)) => match n.parse::<i64>() {
                    Ok(i) => Box::new(CelInt::from(i)),
                    Err(_) => match n.parse::<f64>() {
                        Ok(f) => Box::new(CelDouble::from(f)),
                        Err(_) => continue,
                    },
                },
                Some(Literal::String(text)) => Box::new(CelString::from(text.to_owned())),
                Some(Literal::Json("{}")) => {
                    let mut inner = HashMap::new();
                    self.defaults(&mut inner, child);
                    Box::new(CelMap::from(inner))
                }
                Some(Literal::Json("[]")) => Box::new(CelList::from(Vec::new())),
                Some(Literal::Json(_)) => {
                    self.inexact = true;
                    continue;
                }
            };
            map.insert(CelMapKey::from(name.to_owned()), value);
        }
    }
}
