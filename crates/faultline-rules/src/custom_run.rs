//! Running the custom rules of `.faultline.yaml` ([`crate::custom`]) as one rule of the engine:
//! matching each entry against an object, binding the object once for all entries, evaluating,
//! and reporting each failing entry under its own id.

use std::panic::{AssertUnwindSafe, catch_unwind};

use faultline_cel::{EvalErrorKind, Value, Vars};
use faultline_diagnostics::Severity;
use faultline_model::{Object, ObjectId};
use faultline_syntax::{NodeRef, TextRange};

use crate::context::Context;
use crate::custom::{CustomRule, CustomRules, SET_META, field_of, written};
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
            return field_of(obj.node, inner);
        }
        range
    }

    /// Reports `obj` when the expression does not give `true` on it. `cx` is for the rule's
    /// one finding about an expression or `messageExpression` of the wrong type, which goes
    /// on the first object (in input order) where it has it.
    fn report<'v, 'a: 'v>(
        &self,
        set: &CustomRules,
        cx: &Context<'a>,
        obj: &Object<'v>,
        vars: &Vars<'v>,
        out: &mut Sink<'_>,
    ) {
        // A Secret's values may be in an error's text or an evaluated message: neither is
        // shown, and nothing the reader needs is backticked (the redaction masks backticked
        // text at a Secret's values).
        let secret = obj.holds_secret_values();
        let quote = |s: &str| {
            if secret {
                s.to_owned()
            } else {
                format!("`{s}`")
            }
        };
        let id = quote(self.id());
        let outcome = self.expression.eval(vars);
        let (message, help) = match outcome {
            Ok(Value::Bool(true)) => return,
            Ok(Value::Bool(false)) => {
                let site = self.site(obj, Some(vars));
                let (message, wrong) = self.message(obj, vars);
                out.report(obj, site, message).help(self.help.clone());
                if let Some(got) = wrong {
                    let first = self.first_wrong_message.get_or_init(|| {
                        set.first_object(cx, self, |r, o, vars| {
                            !o.holds_secret_values() && r.message_is_wrong(vars)
                        })
                    });
                    if *first == Some(obj.id) {
                        out.report(obj, site, format!(
                            "custom rule {id} is broken: its `messageExpression` ({} line {}) gives a value of type {got} on this object, not a string, so its `message` is shown instead (reported once, on the first such object)",
                            quote(&self.origin),
                            self.message_expression_line,
                        ))
                        .severity(Severity::Error)
                        .help("make the `messageExpression` give a string, such as `'replicas: ' + string(object.spec.replicas)`");
                    }
                }
                return;
            }
            Ok(other) => {
                let first = self.first_wrong_type.get_or_init(|| {
                    set.first_object(cx, self, |r, _, vars| {
                        matches!(r.expression.eval(vars), Ok(v) if !matches!(v, Value::Bool(_)))
                    })
                });
                if *first != Some(obj.id) {
                    return;
                }
                let message = format!(
                    "custom rule {id} is broken: its expression ({} line {}) gives a value of type {} on this object, not a boolean, so the rule checks nothing on objects like it (reported once, on the first such object)",
                    quote(&self.origin),
                    self.expression_line,
                    other.type_of()
                );
                out.report(obj, self.site(obj, None), message)
                    .severity(Severity::Error)
                    .help("make the expression give `true` (the object passes) or `false` (it fails), such as `object.spec.replicas >= 2` rather than `object.spec.replicas`");
                return;
            }
            Err(e) if e.kind == EvalErrorKind::CostExceeded => (
                format!(
                    "custom rule {id} could not be evaluated on this object: {}",
                    if secret {
                        "it ran over its cost limit"
                    } else {
                        &e.message
                    }
                ),
                "make the expression cheaper on objects like this one (fewer nested `all()`/`exists()` over long lists, no `matches()` inside loops over large values); the API server stops an expression over its cost budget and refuses the object".to_owned(),
            ),
            Err(e) => (
                if secret {
                    format!(
                        "custom rule {id} could not be evaluated on this object: its expression failed (the error is not shown: the object is a Secret)"
                    )
                } else {
                    format!(
                        "custom rule {id} could not be evaluated on this object: {}",
                        e.message
                    )
                },
                "guard fields an object may lack with `has(object.a.b)` or `object.?a.b.orValue(…)`, or narrow the rule's `match`; the API server fails a policy whose expression errors".to_owned(),
            ),
        };
        out.report(obj, self.site(obj, None), message).help(help);
    }

    /// The `messageExpression`'s string when it gives a non-empty one (never for a Secret,
    /// whose values it could quote), else `message`; with the type the `messageExpression`
    /// gave when it is not a string.
    fn message(&self, obj: &Object<'_>, vars: &Vars<'_>) -> (String, Option<String>) {
        if let Some(expr) = &self.message_expression
            && !obj.holds_secret_values()
        {
            match expr.eval(vars) {
                Ok(Value::String(s)) if !s.trim().is_empty() => {
                    return (s.lines().map(str::trim).collect::<Vec<_>>().join(" "), None);
                }
                Ok(Value::String(_)) | Err(_) => {}
                Ok(other) => return (self.message.clone(), Some(other.type_of().to_string())),
            }
        }
        (self.message.clone(), None)
    }

    /// Whether, on the object bound in `vars`, the expression gives `false` and the
    /// `messageExpression` something other than a string.
    fn message_is_wrong(&self, vars: &Vars<'_>) -> bool {
        matches!(self.expression.eval(vars), Ok(Value::Bool(false)))
            && self
                .message_expression
                .as_ref()
                .is_some_and(|m| matches!(m.eval(vars), Ok(v) if !matches!(v, Value::String(_))))
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
                rule.report(self, cx, obj, vars, &mut sink);
            }));
            if let Err(panic) = result {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                // A panic's text may quote what it evaluated: not shown for a Secret.
                let message = if obj.holds_secret_values() {
                    format!(
                        "custom rule {} failed on this object (the error is not shown: the object is a Secret)",
                        rule.id()
                    )
                } else {
                    format!("custom rule `{}` failed on this object: {what}", rule.id())
                };
                let meta = crate::registry::internal_error::InternalError.meta();
                out.as_rule(meta)
                    .report(obj, obj.kind_range(), message)
                    .help("report this as a faultline bug; every other rule and object was still analyzed");
            }
        }
    }
}

impl CustomRules {
    /// The first object of the input (in input order) that `rule` takes and for which `test`
    /// holds, for the rule's one finding about an expression of the wrong type: the same
    /// object whichever thread met the problem first.
    fn first_object<'a>(
        &self,
        cx: &Context<'a>,
        rule: &CustomRule,
        test: impl Fn(&CustomRule, &Object<'a>, &Vars<'a>) -> bool,
    ) -> Option<ObjectId> {
        let mut labels = None;
        cx.inventory
            .objects
            .iter()
            .find(|obj| {
                labels = None;
                rule.matches(obj, &mut labels) && test(rule, obj, &self.bind(cx, obj))
            })
            .map(|obj| obj.id)
    }

    /// The variables of an evaluation: `object` (as the API server admits it: in the run's
    /// default namespace when namespaced and written without one), and `request` and
    /// `namespaceObject` (the object's Namespace from the input, else null) when an
    /// expression reads them.
    /// [`faultline_cel::to_val`] is lazy: a map or list is read when an expression looks inside it, so binding
    /// a Pod with its whole status costs nothing until a rule reads it.
    fn bind<'v, 'a: 'v>(&self, cx: &Context<'a>, obj: &Object<'v>) -> Vars<'v> {
        let mut vars = Vars::new();
        match obj.namespace {
            Some(ns) => vars.bind("object", faultline_cel::to_val_in_namespace(obj.node, ns)),
            None => vars.bind("object", faultline_cel::to_val(obj.node)),
        }
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
