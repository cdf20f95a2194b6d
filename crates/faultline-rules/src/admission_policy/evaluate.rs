//! Evaluating the bindings on one object: namespace selection, params, match conditions,
//! variables, validations and audit annotations, and what each finding says.

use super::*;

/// A namespace selector's answer.
pub(super) enum Selected {
    Yes,
    No,
    /// The namespace is not in the input, so its labels are unknown.
    Unknown,
}

/// The evaluation of every binding on one object.
pub(super) struct Evaluation<'c, 'a> {
    pub(super) inventory: &'c Inventory<'a>,
    pub(super) policies: &'c [Policy<'a>],
    pub(super) out: ObjectResult,
}

/// What a violation asks to change.
#[derive(Clone, Debug)]
pub(super) enum Fix {
    /// Make this expression hold.
    Hold(String),
    /// This expression fails on the object (under `failurePolicy: Fail`).
    Error(String),
    /// The binding cannot be configured (its params).
    Configure,
}

/// What one evaluation found.
pub(super) enum Found {
    /// A denial: the message, the validation's expression (none for an error outside the
    /// validations), and the field of the object it reads.
    Violation {
        message: String,
        validation: Option<TextRange>,
        at: Option<TextRange>,
        /// What to change: the validation's expression (`Err`: the one that failed).
        fix: Fix,
    },
    /// What the engine cannot evaluate (a function it lacks): the error.
    Gap(String),
}

impl<'c, 'a> Evaluation<'c, 'a> {
    pub(super) fn namespace_object(&self, ns: &str) -> Option<&'c Object<'a>> {
        self.inventory.find("Namespace", None, ns)
    }

    pub(super) fn namespace_selected(
        &self,
        selector: &LabelSelector,
        obj: &Object<'a>,
        req: &Request<'_>,
    ) -> Selected {
        if selector.is_empty() {
            return Selected::Yes;
        }
        let labels: LabelRefs<'_> = if req.kind(obj) == "Namespace" && req.group.is_empty() {
            Namespace::of(obj)
                .map(|n| n.labels().collect())
                .unwrap_or_default()
        } else if !req.namespaced {
            // A cluster-scoped object other than a Namespace is never excluded.
            return Selected::Yes;
        } else {
            let ns = obj.namespace.unwrap_or("default");
            match self.namespace_object(ns).and_then(Namespace::of) {
                Some(n) => n.labels().collect(),
                None => {
                    // Only the name label is known; a selector reading nothing else decides.
                    let only_name = selector
                        .match_labels
                        .iter()
                        .all(|(k, _)| k == NAMESPACE_NAME_LABEL)
                        && selector
                            .match_expressions
                            .iter()
                            .all(|r| r.key == NAMESPACE_NAME_LABEL);
                    if !only_name {
                        return Selected::Unknown;
                    }
                    LabelRefs::from([(NAMESPACE_NAME_LABEL, ns)])
                }
            }
        };
        if selector.matches(&labels) {
            Selected::Yes
        } else {
            Selected::No
        }
    }

    pub(super) fn undecided(&mut self, bi: usize, pods: bool, why: Undecided) {
        self.out.undecided.push((bi, why));
        self.out.verdicts.push((bi, pods, Verdict::Undecidable));
    }

    /// Matches binding `bi` against `obj` and evaluates it there.
    pub(super) fn object(
        &mut self,
        bi: usize,
        b: &Binding<'a>,
        obj: &Object<'a>,
        req: &Request<'a>,
    ) {
        let policies = self.policies;
        let policy = &policies[b.policy];
        let Some(constraints) = &policy.view.match_constraints else {
            return;
        };
        if !resources_match(constraints, req, req.name(obj), true) {
            return;
        }
        let binding_match = b.view.as_ref().and_then(|v| v.match_resources.as_ref());
        if let Some(m) = binding_match
            && !resources_match(m, req, req.name(obj), false)
        {
            return;
        }
        // Object selectors: the policy's, then the binding's.
        let labels = req.labels(obj);
        for sel in [policy.object_selector.as_ref(), b.object_selector.as_ref()]
            .into_iter()
            .flatten()
        {
            if !sel.matches(&labels) {
                return;
            }
        }
        let mut unknown = false;
        for sel in [
            policy.namespace_selector.as_ref(),
            b.namespace_selector.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            match self.namespace_selected(sel, obj, req) {
                Selected::Yes => {}
                Selected::No => return,
                Selected::Unknown => unknown = true,
            }
        }
        let ns = req.namespaced.then(|| obj.namespace.unwrap_or("default"));
        if unknown {
            self.undecided(
                bi,
                req.template.is_some(),
                Undecided::Namespace(ns.unwrap_or_default().to_owned()),
            );
            return;
        }
        if policy.user_dependent.is_some() {
            self.undecided(bi, req.template.is_some(), Undecided::User);
            return;
        }
        let namespace_object = ns.and_then(|ns| self.namespace_object(ns));
        if policy.reads_namespace_object
            && let Some(ns) = ns
            && namespace_object.is_none()
        {
            self.undecided(
                bi,
                req.template.is_some(),
                Undecided::Namespace(ns.to_owned()),
            );
            return;
        }
        let params = match self.params(b, ns) {
            Params::Found(p) => p,
            Params::Missing(what) => {
                self.undecided(bi, req.template.is_some(), Undecided::Param(what));
                return;
            }
            Params::Error(message) => {
                if policy.view.failure_policy == FailurePolicy::Fail {
                    self.violation(b, obj, req, (None, None), &Fix::Configure, &[], message);
                    self.out
                        .verdicts
                        .push((bi, req.template.is_some(), Verdict::Fail));
                } else {
                    self.out
                        .verdicts
                        .push((bi, req.template.is_some(), Verdict::Pass));
                }
                return;
            }
        };
        let mut verdict = Verdict::Pass;
        let mut matched = false;
        for param in &params {
            let param_obj = param.map(|id| self.inventory.get(id));
            let Some(found) = evaluate(policy, obj, req, param_obj, namespace_object) else {
                continue;
            };
            matched = true;
            for f in found {
                match f {
                    Found::Gap(reason) => {
                        self.out.undecided.push((bi, Undecided::Gap(reason)));
                        verdict = Verdict::Undecidable;
                    }
                    Found::Violation {
                        message,
                        validation,
                        at,
                        fix,
                    } => {
                        if verdict != Verdict::Undecidable {
                            verdict = Verdict::Fail;
                        }
                        self.violation(b, obj, req, (validation, at), &fix, &params, message);
                    }
                }
            }
        }
        if matched {
            self.out
                .verdicts
                .push((bi, req.template.is_some(), verdict));
        }
    }

    pub(super) fn params(&self, b: &Binding<'a>, ns: Option<&str>) -> Params {
        let policies = self.policies;
        let policy = &policies[b.policy];
        let Some(kind) = policy.view.param_kind.and_then(|k| k.kind) else {
            return Params::Found(vec![None]);
        };
        let Some(param_ref) = b.view.as_ref().and_then(|v| v.param_ref) else {
            // Without a paramRef the policy is evaluated with null params; a policy the input
            // binds nowhere has none to read.
            return if b.view.is_none() {
                Params::Missing(format!(
                    "a {} (no binding in the input names one)",
                    kind.value
                ))
            } else {
                Params::Found(vec![None])
            };
        };
        let group = policy
            .view
            .param_kind
            .and_then(|k| k.api_version)
            .map_or("", |v| v.value.rsplit_once('/').map_or("", |(g, _)| g));
        let candidates: Vec<&Object<'a>> = self
            .inventory
            .of_kind(kind.value)
            .filter(|o| o.group_version().0 == group)
            .collect();
        let namespaced = match kinds::scope(kind.value) {
            Scope::Namespaced => true,
            Scope::Cluster => false,
            Scope::Unknown => {
                param_ref.namespace.is_some() || candidates.iter().any(|o| o.namespace.is_some())
            }
        };
        let param_ns = if namespaced {
            match param_ref.namespace.map(|n| n.value).or(ns) {
                Some(ns) => Some(ns),
                None => {
                    return Params::Error(
                        "failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources".to_owned(),
                    );
                }
            }
        } else {
            None
        };
        let in_scope = |o: &&&Object<'a>| !namespaced || o.namespace == param_ns;
        let found: Vec<Option<ObjectId>> = if let Some(name) = param_ref.name {
            candidates
                .iter()
                .filter(in_scope)
                .filter(|o| o.name == name.value)
                .take(1)
                .map(|o| Some(o.id))
                .collect()
        } else {
            let selector = param_ref.selector.map(|n| parse_label_selector(n).selector);
            candidates
                .iter()
                .filter(in_scope)
                .filter(|o| {
                    let labels: LabelRefs<'_> = o.labels().collect();
                    selector.as_ref().is_none_or(|s| s.matches(&labels))
                })
                .map(|o| Some(o.id))
                .collect()
        };
        if found.is_empty() {
            let what = match (param_ref.name, param_ns) {
                (Some(n), Some(ns)) => format!("{} `{ns}/{}`", kind.value, n.value),
                (Some(n), None) => format!("{} `{}`", kind.value, n.value),
                (None, Some(ns)) => format!("a {} selected in namespace `{ns}`", kind.value),
                (None, None) => format!("a {} its selector selects", kind.value),
            };
            return Params::Missing(what);
        }
        Params::Found(found)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn violation(
        &mut self,
        b: &Binding<'a>,
        obj: &Object<'a>,
        req: &Request<'a>,
        (validation, at): (Option<TextRange>, Option<TextRange>),
        fix: &Fix,
        params: &[Option<ObjectId>],
        message: String,
    ) {
        let policies = self.policies;
        let policy = &policies[b.policy];
        let pname = policy.name;
        let kind = if req.template.is_some() {
            format!("the pods of this {}", obj.kind)
        } else {
            format!("this {}", obj.kind)
        };
        let change = match fix {
            Fix::Hold(e) if req.template.is_some() => {
                format!("change the pod template so that `{e}` holds for its pods")
            }
            Fix::Hold(e) => format!("change the object so that `{e}` holds"),
            Fix::Error(e) => format!(
                "`{e}` fails on this object and `failurePolicy` is Fail: write the field it reads, or guard the expression (`has(…)`, `'key' in …`)"
            ),
            Fix::Configure => "make the binding's `paramRef` name a namespace (or bind a cluster-scoped param kind)".to_owned(),
        };
        let (text, help) = match &b.view {
            Some(v) => {
                let bname = v.object.name;
                if b.assumed {
                    (
                        format!(
                            "ValidatingAdmissionPolicy '{pname}' with binding '{bname}' would deny {kind} (the binding has no `validationActions`, so the API server refuses it; evaluated as if it listed `Deny`): {message}"
                        ),
                        format!("{change}, and give the binding its `validationActions`"),
                    )
                } else if b.deny {
                    (
                        format!(
                            "the API server refuses {kind}: ValidatingAdmissionPolicy '{pname}' with binding '{bname}' denied request: {message}"
                        ),
                        format!("{change}, or exempt the object in the binding's `matchResources`"),
                    )
                } else if b.warn {
                    (
                        format!(
                            "the API server warns on {kind}: Validation failed for ValidatingAdmissionPolicy '{pname}' with binding '{bname}': {message}"
                        ),
                        format!("{change}; the binding only warns (`validationActions: [Warn]`)"),
                    )
                } else {
                    (
                        format!(
                            "ValidatingAdmissionPolicy '{pname}' with binding '{bname}' records an audit failure for {kind}: {message}"
                        ),
                        format!("{change}; the binding only audits (`validationActions: [Audit]`)"),
                    )
                }
            }
            None => (
                format!(
                    "ValidatingAdmissionPolicy '{pname}' would deny {kind} (no binding in the input; evaluated as if bound with validationActions Deny): {message}"
                ),
                format!(
                    "{change}; the API server enforces the policy only where a ValidatingAdmissionPolicyBinding binds it"
                ),
            ),
        };
        // An object from a cluster export exists: it was admitted before the policy (or this
        // version of it) applied.
        let text = if faultline_graph::from_a_cluster(obj) {
            if b.deny {
                format!(
                    "{text} (it exists in the cluster, admitted before the policy applied: created again, by a rollout or a restart, it would be refused)"
                )
            } else {
                format!("{text} (it exists in the cluster, admitted before the policy applied)")
            }
        } else {
            text
        };
        let mut related = vec![match validation {
            Some(range) => Place {
                object: policy.view.object.id,
                range,
                message: format!("the validation of ValidatingAdmissionPolicy `{pname}`"),
            },
            None => Place {
                object: policy.view.object.id,
                range: policy.view.object.kind_range(),
                message: format!("ValidatingAdmissionPolicy `{pname}`"),
            },
        }];
        if let Some(v) = &b.view {
            related.push(Place {
                object: v.object.id,
                range: v
                    .policy_name
                    .map_or(v.object.kind_range(), |p| p.node.range()),
                message: format!(
                    "ValidatingAdmissionPolicyBinding `{}` binds it",
                    v.object.name
                ),
            });
        }
        for p in params.iter().flatten() {
            let o = self.inventory.get(*p);
            related.push(Place {
                object: *p,
                range: o.kind_range(),
                message: format!("the params: {} `{}`", o.kind, o.name),
            });
        }
        let range = at.unwrap_or_else(|| obj.kind_range());
        self.out.violations.push(Note {
            range,
            severity: b.severity,
            message: text,
            help,
            related,
        });
    }
}

pub(super) enum Params {
    Found(Vec<Option<ObjectId>>),
    Missing(String),
    Error(String),
}

/// Why an evaluation error leaves the object undecided rather than denied, when it does: a
/// function or method the engine does not have, or a field the object does not write (the
/// API server fills in defaults before admission, which a manifest does not show).
pub(super) fn gap(message: &str, secret: bool) -> Option<String> {
    // A Secret's values may be in the engine's error text: not quoted then.
    let quoted = if secret {
        String::new()
    } else {
        format!(" ({message})")
    };
    if message.contains("Undeclared reference") || message.contains("not supported on type") {
        Some(format!(
            "it uses what faultline's CEL engine cannot evaluate{quoted}"
        ))
    } else if message.starts_with("No such key") {
        Some(format!(
            "it reads a field some objects do not write{quoted}, which the API server may fill in with a default before admission"
        ))
    } else {
        None
    }
}

pub(super) fn type_name(v: &Value) -> String {
    v.type_of().to_string()
}

/// Where in the object an expression's reads land ([`faultline_cel::locate`]): the deepest
/// written node among the fields of `object` it reads; `None` for the object as a whole.
pub(super) fn locate(c: &Program, root: NodeRef<'_>) -> Option<TextRange> {
    faultline_cel::locate(c, "object", root)
        .map(|n| n.range())
        .filter(|r| *r != root.range())
}

/// Evaluates `policy` on `obj` with one param (or none): its match conditions, variables and
/// validations. `None` when a match condition is false: the policy does not apply.
pub(super) fn evaluate<'a>(
    policy: &Policy<'_>,
    obj: &Object<'a>,
    req: &Request<'a>,
    param: Option<&Object<'_>>,
    namespace_object: Option<&Object<'_>>,
) -> Option<Vec<Found>> {
    // Nothing evaluated from a Secret reaches a message.
    let secret = obj.kind == "Secret" || param.is_some_and(|p| p.kind == "Secret");
    let fail = policy.view.failure_policy == FailurePolicy::Fail;
    let mut vars = Vars::new();
    vars.bind("object", req.object(obj));
    let root = req.root(obj);
    vars.bind_value("oldObject", Value::Null);
    vars.bind_value("request", request_value(obj, req));
    match param {
        Some(p) => vars.bind("params", to_val(p.node)),
        None => vars.bind_value("params", Value::Null),
    }
    match namespace_object {
        Some(n) => vars.bind("namespaceObject", to_val(n.node)),
        None => vars.bind_value("namespaceObject", Value::Null),
    }
    let mut values: HashMap<String, Value> = HashMap::new();
    let mut failed: HashMap<&str, String> = HashMap::new();
    vars.bind_value("variables", Value::from(values.clone()));
    // The error of an expression: a failed variable's when it reads one.
    let error_of = |c: &Program, failed: &HashMap<&str, String>, message: String| -> String {
        failed
            .iter()
            .find(|(name, _)| reads(c, &["variables", name]))
            .map_or(message, |(_, e)| e.clone())
    };
    for (name, c) in &policy.exprs.variables {
        match c.eval(&vars) {
            Ok(v) => {
                values.insert(name.clone(), v);
                vars.bind_value("variables", Value::from(values.clone()));
            }
            Err(e) => {
                let e = error_of(c, &failed, e.message);
                failed.insert(name, e);
            }
        }
    }
    let detail = |e: &str| -> String {
        if secret {
            "an error (not shown: the object or its params are a Secret)".to_owned()
        } else {
            format!("error: {e}")
        }
    };
    // matchConditions: any false skips the policy; else an error goes by failurePolicy.
    let mut condition_error = None;
    let mut budget_error = None;
    for (name, c) in &policy.exprs.conditions {
        match c.eval(&vars) {
            Ok(Value::Bool(false)) => return None,
            Ok(Value::Bool(true)) => {}
            Ok(other) => {
                condition_error.get_or_insert_with(|| Found::Violation {
                    message: format!(
                        "matchCondition '{name}' resulted in a {}, not a bool",
                        type_name(&other)
                    ),
                    validation: None,
                    at: None,
                    fix: Fix::Error(c.source().trim().to_owned()),
                });
            }
            Err(e) => {
                let over_budget = e.kind == EvalErrorKind::CostExceeded;
                let e = error_of(c, &failed, e.message);
                let found = if let Some(reason) = gap(&e, secret).filter(|_| !over_budget) {
                    Found::Gap(reason)
                } else {
                    Found::Violation {
                        message: format!("matchCondition '{name}' resulted in {}", detail(&e)),
                        validation: None,
                        at: locate(c, root),
                        fix: Fix::Error(c.source().trim().to_owned()),
                    }
                };
                if over_budget {
                    // Refused whatever the failurePolicy, unless another condition is false.
                    budget_error = Some(found);
                } else if condition_error.is_none() || matches!(found, Found::Gap(_)) {
                    condition_error = Some(found);
                }
            }
        }
    }
    if let Some(refused) = budget_error {
        return Some(vec![refused]);
    }
    match condition_error {
        Some(Found::Gap(e)) => return Some(vec![Found::Gap(e)]),
        Some(violation) => return Some(if fail { vec![violation] } else { Vec::new() }),
        None => {}
    }
    let mut out = Vec::new();
    for v in &policy.exprs.validations {
        let source = v.expression.source().trim();
        let at = locate(&v.expression, root);
        match v.expression.eval(&vars) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                let evaluated = if secret {
                    None
                } else {
                    v.message_expression
                        .as_ref()
                        .and_then(|m| m.eval(&vars).ok())
                        .and_then(|m| match m {
                            Value::String(s) => Some(s.trim().to_owned()),
                            _ => None,
                        })
                        .filter(|m| !m.is_empty() && !m.contains('\n'))
                };
                let message = evaluated
                    .or_else(|| v.message.clone())
                    .unwrap_or_else(|| format!("failed expression: {source}"));
                out.push(Found::Violation {
                    message,
                    validation: Some(v.range),
                    at,
                    fix: Fix::Hold(source.to_owned()),
                });
            }
            Ok(other) => {
                if fail {
                    out.push(Found::Violation {
                        message: format!(
                            "expression '{source}' resulted in a {}, not a bool",
                            type_name(&other)
                        ),
                        validation: Some(v.range),
                        at,
                        fix: Fix::Error(source.to_owned()),
                    });
                }
            }
            Err(e) => {
                let over_budget = e.kind == EvalErrorKind::CostExceeded;
                let e = error_of(&v.expression, &failed, e.message);
                if over_budget {
                    // Refused whatever the failurePolicy.
                    out.push(Found::Violation {
                        message: format!("expression '{source}' resulted in error: {e}"),
                        validation: Some(v.range),
                        at,
                        fix: Fix::Error(source.to_owned()),
                    });
                } else if let Some(reason) = gap(&e, secret) {
                    out.push(Found::Gap(reason));
                } else if fail {
                    out.push(Found::Violation {
                        message: format!("expression '{source}' resulted in {}", detail(&e)),
                        validation: Some(v.range),
                        at,
                        fix: Fix::Error(source.to_owned()),
                    });
                }
            }
        }
    }
    // Audit annotations only annotate the audit event, but an error in one goes by
    // failurePolicy like any other.
    for c in &policy.exprs.audits {
        if let Err(e) = c.eval(&vars) {
            let e = error_of(c, &failed, e.message);
            if let Some(reason) = gap(&e, secret) {
                out.push(Found::Gap(reason));
            } else if fail {
                out.push(Found::Violation {
                    message: format!(
                        "auditAnnotation expression '{}' resulted in {}",
                        c.source().trim(),
                        detail(&e)
                    ),
                    validation: None,
                    at: locate(c, root),
                    fix: Fix::Error(c.source().trim().to_owned()),
                });
            }
        }
    }
    Some(out)
}
