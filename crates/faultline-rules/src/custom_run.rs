//! Running the custom rules of `.faultline.yaml` ([`crate::custom`]) as one rule of the engine:
//! matching each entry against an object, binding the object once for all entries, evaluating,
//! and reporting each failing entry under its own id.

use std::panic::{AssertUnwindSafe, catch_unwind};

use faultline_cel::{EvalErrorKind, Value, Vars};
use faultline_model::Object;
use faultline_syntax::{NodeRef, TextRange};

use crate::context::Context;
use crate::custom::{CustomRule, CustomRules, SET_META, first_line, written};
use crate::engine::{Declared, Rule};
use crate::params::RuleMeta;
use crate::sink::Sink;

impl CustomRules {
    /// Whether any entry runs under `settings` (`--rule`, `--skip`, `rules: {id: off}`).
    pub fn any_enabled(&self, settings: &crate::Settings) -> bool {
        self.rules
            .iter()
            .any(|r| settings.is_enabled(r.meta.info.id))
    }
}

impl CustomRule {
    pub fn id(&self) -> &'static str {
        self.meta.info.id
    }

    /// Whether the entry's `match` takes `obj`; `labels` holds the object's labels once some
    /// entry's selector needed them, for the entries after it.
    fn matches<'o>(
        &self,
        obj: &Object<'o>,
        labels: &mut Option<faultline_model::selector::LabelRefs<'o>>,
    ) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == "*" || k == obj.kind) {
            return false;
        }
        if !self.namespaces.is_empty() {
            let Some(ns) = obj.namespace else {
                return false;
            };
            if !self.namespaces.iter().any(|g| g.is_match(ns)) {
                return false;
            }
        }
        if let Some(selector) = &self.selector {
            let labels = labels.get_or_insert_with(|| obj.labels().collect());
            if !selector.matches(labels) {
                return false;
            }
        }
        true
    }

    /// Where a finding about `obj` points: the `fieldPath` (or its nearest written ancestor),
    /// else the deepest field the expression reads under `object` (with `failed`, the
    /// variables of an evaluation that gave `false`: into the first element an `all()` over
    /// it fails for), else the object's kind.
    fn site<'v>(&self, obj: &Object<'v>, failed: Option<&Vars<'v>>) -> TextRange {
        let paths = self.field_path.as_slice().iter().chain(&self.read_paths);
        let mut best: Option<(usize, TextRange, NodeRef<'v>)> = None;
        for path in paths.take(if self.field_path.is_some() {
            1
        } else {
            usize::MAX
        }) {
            if let Some(found) = written(obj.node, path)
                && best.is_none_or(|(d, _, _)| found.0 > d)
            {
                best = Some(found);
            }
        }
        let Some((_, range, node)) = best else {
            return obj.kind_range();
        };
        if self.field_path.is_none()
            && let Some(vars) = failed
            && let Some(inner) =
                faultline_cel::locate_with(&self.expression, vars, "object", obj.node)
            && inner.range() != node.range()
            && node.range().start <= inner.range().start
            && inner.range().end <= node.range().end
        {
            return first_line(obj.node, inner.range());
        }
        range
    }

    fn report<'v>(&self, obj: &Object<'v>, vars: &Vars<'v>, out: &mut Sink<'_>) {
        let outcome = self.expression.eval(vars);
        let (message, help) = match outcome {
            Ok(Value::Bool(true)) => return,
            Ok(Value::Bool(false)) => {
                let site = self.site(obj, Some(vars));
                out.report(obj, site, self.message(obj, vars))
                    .help(self.help.clone());
                return;
            }
            Ok(other) => (
                format!(
                    "custom rule `{}` could not be evaluated on this object: its expression gave a {}, not a boolean",
                    self.id(),
                    other.type_of()
                ),
                "make the expression give `true` (the object passes) or `false` (it fails)".to_owned(),
            ),
            Err(e) if e.kind == EvalErrorKind::CostExceeded => (
                format!(
                    "custom rule `{}` could not be evaluated on this object: {}",
                    self.id(),
                    e.message
                ),
                "make the expression cheaper on objects like this one (fewer nested `all()`/`exists()` over long lists, no `matches()` inside loops over large values); the API server stops an expression over its cost budget and refuses the object".to_owned(),
            ),
            Err(e) => (
                format!(
                    "custom rule `{}` could not be evaluated on this object: {}",
                    self.id(),
                    e.message
                ),
                "guard fields an object may lack with `has(object.a.b)` or `object.?a.b.orValue(…)`, or narrow the rule's `match`; the API server fails a policy whose expression errors".to_owned(),
            ),
        };
        out.report(obj, self.site(obj, None), message).help(help);
    }

    /// The `messageExpression`'s string when it gives a non-empty one (never for a Secret,
    /// whose values it could quote), else `message`.
    fn message(&self, obj: &Object<'_>, vars: &Vars<'_>) -> String {
        if let Some(expr) = &self.message_expression
            && !obj.is("Secret")
            && let Ok(Value::String(s)) = expr.eval(vars)
            && !s.trim().is_empty()
        {
            return s.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        }
        self.message.clone()
    }
}

impl Declared for CustomRules {
    fn meta(&self) -> &'static RuleMeta {
        &SET_META
    }
}

impl Rule for CustomRules {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        // The object is bound once, on the first entry that matches, for all of them.
        let mut vars: Option<Vars<'_>> = None;
        // Likewise its labels, collected for the first entry with a label selector.
        let mut labels = None;
        for rule in &self.rules {
            if !rule.matches(obj, &mut labels) || !cx.settings.is_enabled(rule.id()) {
                continue;
            }
            let vars = vars.get_or_insert_with(|| self.bind(cx, obj));
            let mut sink = out.as_rule(rule.meta);
            let result = catch_unwind(AssertUnwindSafe(|| {
                rule.report(obj, vars, &mut sink);
            }));
            if let Err(panic) = result {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                let meta = crate::registry::internal_error::InternalError.meta();
                out.as_rule(meta)
                    .report(
                        obj,
                        obj.kind_range(),
                        format!("custom rule `{}` failed on this object: {what}", rule.id()),
                    )
                    .help("report this as a faultline bug; every other rule and object was still analyzed");
            }
        }
    }
}

impl CustomRules {
    /// The variables of an evaluation: `object`, and `request` and `namespaceObject` (the
    /// object's Namespace from the input, else null) when an expression reads them.
    /// [`faultline_cel::to_val`] is lazy: a map or list is read when an expression looks inside it, so binding
    /// a Pod with its whole status costs nothing until a rule reads it.
    fn bind<'v, 'a: 'v>(&self, cx: &Context<'a>, obj: &Object<'v>) -> Vars<'v> {
        let mut vars = Vars::new();
        vars.bind("object", faultline_cel::to_val(obj.node));
        vars.bind_value("oldObject", Value::Null);
        if self.binds_request {
            vars.bind_value("request", request(obj));
        }
        if self.binds_namespace {
            match obj
                .namespace
                .and_then(|ns| cx.inventory.find("Namespace", None, ns))
            {
                Some(ns) => vars.bind("namespaceObject", faultline_cel::to_val(ns.node)),
                None => vars.bind_value("namespaceObject", Value::Null),
            }
        }
        vars
    }
}

/// `request` as the API server fills it for a CREATE of `obj` (what is known offline: no user,
/// no resource plural beyond the kind table's).
fn request(obj: &Object<'_>) -> Value {
    use std::collections::HashMap;
    let (group, version) = obj.group_version();
    let kind: HashMap<&str, Value> = HashMap::from([
        ("group", group.into()),
        ("version", version.into()),
        ("kind", obj.kind.into()),
    ]);
    let resource: HashMap<&str, Value> = HashMap::from([
        ("group", group.into()),
        ("version", version.into()),
        ("resource", faultline_model::kinds::plural(obj.kind).into()),
    ]);
    let request: HashMap<&str, Value> = HashMap::from([
        ("kind", Value::from(kind)),
        ("resource", Value::from(resource)),
        ("name", obj.name.into()),
        ("namespace", obj.namespace.map_or(Value::Null, Value::from)),
        ("operation", "CREATE".into()),
        ("dryRun", Value::Bool(false)),
    ]);
    Value::from(request)
}
