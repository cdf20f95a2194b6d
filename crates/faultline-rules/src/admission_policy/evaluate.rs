//! Evaluating the bindings on one object: namespace selection, params, match conditions,
//! variables, validations and audit annotations, and what each finding says.

use faultline_cel::{
    EvalError, MATCH_CONDITIONS_COST_BUDGET, MAX_MESSAGE_EXPRESSION_BYTES, PER_CALL_LIMIT,
    RUNTIME_COST_BUDGET,
};
use faultline_schema::{Additional, Schema, Type as SchemaType};

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
    pub(super) schemas: &'c SchemaRun<'a>,
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
    /// What the API server's type check refuses in the policy (found on an object): where
    /// in the policy and what (`… evaluates to int, not bool`).
    Invalid { range: TextRange, message: String },
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
        let schema = self.schema_of(obj, req);
        for param in &params {
            let subject = Subject {
                obj,
                req,
                param: param.map(|id| self.inventory.get(id)),
                namespace_object,
                schema,
            };
            let Some(found) = evaluate(policy, &subject) else {
                continue;
            };
            matched = true;
            for f in found {
                match f {
                    Found::Gap(reason) => {
                        self.out.undecided.push((bi, Undecided::Gap(reason)));
                        verdict = Verdict::Undecidable;
                    }
                    Found::Invalid { range, message } => {
                        self.out.invalid.push((b.policy, range, message));
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

    /// The schema of what `req` creates: the kind's (built-in or from a CRD of the input), or
    /// for the pods of a template, the template's in the workload's.
    fn schema_of(&self, obj: &Object<'a>, req: &Request<'a>) -> Option<Schema<'c>> {
        let schema = match self.schemas.target(obj) {
            Target::Builtin(s) => s,
            Target::Custom { schema, .. } => schema,
            Target::None => return None,
        };
        if req.template.is_none() {
            return Some(schema);
        }
        kinds::pod_template_path(obj.kind)?
            .iter()
            .try_fold(schema, |s, step| s.field(step))
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
        self.out.violations.push((
            b.policy,
            Note {
                range,
                severity: b.severity,
                message: text,
                help,
                related,
            },
        ));
    }
}

pub(super) enum Params {
    Found(Vec<Option<ObjectId>>),
    Missing(String),
    Error(String),
}

/// Why an evaluation error leaves the object undecided rather than denied, when it does: a
/// function or method the engine does not have, or a field the object does not write that the
/// API server may fill in before admission (`defaulted`: [`may_be_defaulted`]).
pub(super) fn gap(
    message: &str,
    secret: bool,
    defaulted: impl FnOnce(&str) -> bool,
) -> Option<String> {
    // A Secret's values may be in the engine's error text: not quoted then.
    // In the API server's wording (`no such key: env`), as violations quote it.
    let quoted = if secret {
        String::new()
    } else {
        format!(" ({})", message.replacen("No such key", "no such key", 1))
    };
    if message.contains("Undeclared reference") || message.contains("not supported on type") {
        Some(format!(
            "it uses what faultline's CEL engine cannot evaluate{quoted}"
        ))
    } else if let Some(key) = message.strip_prefix("No such key: ")
        && defaulted(key)
    {
        Some(format!(
            "it reads a field some objects do not write{quoted}, which the API server may fill in with a default before admission"
        ))
    } else {
        None
    }
}

/// The API server's wording of a runtime error (cel-go's): `no such key: env`.
fn api_error(message: &str) -> String {
    match message.strip_prefix("No such key: ") {
        Some(key) => format!("no such key: {key}"),
        None => message.to_owned(),
    }
}

/// The `metadata` fields the API server sets on create before validating admission runs
/// (`rest.BeforeCreate` and the field manager): a policy that reads one of them sees it, though
/// a manifest does not write it. `namespace` is bound for namespaced objects
/// ([`faultline_cel::to_val_in_namespace`]); `generation` is set by most kinds' strategies.
const SET_ON_CREATE: [&str; 5] = [
    "name",
    "uid",
    "creationTimestamp",
    "generation",
    "managedFields",
];

/// Whether `key`, reported missing while evaluating `program` on the object `root` (of
/// `schema`, when its kind has one), may be there when the API server evaluates it: a field
/// its schema declares (a default may fill it in), a `metadata` field the API server sets on
/// create, or anything of a kind without a schema. A key of a map (`labels`, `annotations`,
/// `data`, an `additionalProperties` object), a field the schema does not declare, and the
/// other `metadata` fields are not there on the API server either: the expression fails there
/// too. When the missing key is not on a path of `object` the expression reads (a
/// comprehension's element, `params`), it may be defaulted.
pub(super) fn may_be_defaulted(
    program: &Program,
    key: &str,
    root: NodeRef<'_>,
    schema: Option<Schema<'_>>,
    namespaced: bool,
) -> bool {
    let Some(schema) = schema else {
        return true;
    };
    let mut found = false;
    for path in program.paths("object") {
        let mut node = root;
        let mut s = Some(schema);
        for (depth, step) in path.iter().enumerate() {
            let next = if node.is_map() {
                node.get(step)
            } else if node.is_seq() {
                step.parse::<usize>().ok().and_then(|i| node.items().nth(i))
            } else {
                break;
            };
            if let Some(child) = next {
                s = s.and_then(|s| {
                    if node.is_map() {
                        s.field(step)
                    } else {
                        s.items()
                    }
                });
                node = child;
                continue;
            }
            if !node.is_map() || step != key {
                break;
            }
            found = true;
            let prefix = &path[..depth];
            let defaulted = match prefix.first().map(String::as_str) {
                None => {
                    matches!(step.as_str(), "metadata" | "apiVersion" | "kind")
                        || s.is_none_or(|s| declared_or_open(s, step))
                }
                Some("metadata") if prefix.len() == 1 => {
                    SET_ON_CREATE.contains(&step.as_str()) || (step == "namespace" && namespaced)
                }
                Some("metadata") => false,
                Some(_) => s.is_none_or(|s| declared_or_open(s, step)),
            };
            if defaulted {
                return true;
            }
            break;
        }
    }
    !found
}

/// Whether an object of schema `s` may hold `key` once the API server has defaulted it: a
/// declared property, or an object whose fields the schema does not list.
fn declared_or_open(s: Schema<'_>, key: &str) -> bool {
    if s.property(key).is_some() || s.preserve_unknown_fields() || s.ty() == SchemaType::Any {
        return true;
    }
    match s.additional_properties() {
        // A map: its keys are the object's own.
        Additional::Any | Additional::Schema(_) => false,
        // Properties listed, and `key` not among them: pruned or refused on the API server.
        _ => !s.has_properties(),
    }
}

pub(super) fn type_name(v: &Value) -> String {
    v.type_of().to_string()
}

/// What one object is judged with: the object, its request, its param, its namespace, and
/// the schema of what the request creates (for missing keys).
pub(super) struct Subject<'x, 'a> {
    pub(super) obj: &'x Object<'a>,
    pub(super) req: &'x Request<'a>,
    pub(super) param: Option<&'x Object<'a>>,
    pub(super) namespace_object: Option<&'x Object<'a>>,
    pub(super) schema: Option<Schema<'x>>,
}

/// An error and the expression that raised it: a variable's, when an expression reads a
/// variable that failed.
struct Failure<'p> {
    error: EvalError,
    program: &'p Program,
}

/// A cost budget shared by several expressions (the API server's `RuntimeCELCostBudget` for
/// the validations, message expressions and audit annotations of one evaluation;
/// `RuntimeCELCostBudgetMatchConditions` for the match conditions), each also held to
/// [`PER_CALL_LIMIT`].
struct Spend {
    remaining: u64,
}

/// What running one expression gave.
enum Ran {
    Value(Value),
    Error(EvalError),
    /// The shared budget ran out.
    OutOfBudget,
}

/// The API server's error when the shared budget runs out.
const OUT_OF_BUDGET: &str =
    "validation failed due to running out of cost budget, no further validation rules will be run";

/// The variables of one evaluation: evaluated once each, in order; the cost of one is charged
/// to the budget of the first expression that reads it, as the API server's lazy variables.
struct Variables<'p> {
    exprs: &'p [Expr],
    /// Per variable: its cost, or its failure.
    state: Vec<Result<u64, Failure<'p>>>,
    charged: Vec<bool>,
}

impl<'p> Variables<'p> {
    /// Evaluates `exprs` in order, binding `variables` in `vars` as they succeed.
    fn evaluate(exprs: &'p [Expr], vars: &mut Vars<'_>) -> Self {
        let mut values: HashMap<String, Value> = HashMap::new();
        let mut out = Variables {
            exprs,
            state: Vec::with_capacity(exprs.len()),
            charged: vec![false; exprs.len()],
        };
        vars.bind_value("variables", Value::from(values.clone()));
        for e in exprs {
            match e.program.eval_with_budget(vars, PER_CALL_LIMIT) {
                Ok((v, cost)) => {
                    values.insert(e.name.clone(), v);
                    vars.bind_value("variables", Value::from(values.clone()));
                    out.state.push(Ok(cost));
                }
                Err(error) => {
                    let failure = out.failure(e, error);
                    out.state.push(Err(failure));
                }
            }
        }
        out
    }

    /// The failure of `e`: that of the first failed variable it reads (the one the API
    /// server evaluates first), else its own error.
    fn failure(&self, e: &'p Expr, error: EvalError) -> Failure<'p> {
        for &i in &e.vars {
            if let Some(Err(f)) = self.state.get(i) {
                return Failure {
                    error: f.error.clone(),
                    program: f.program,
                };
            }
        }
        Failure {
            error,
            program: &e.program,
        }
    }

    /// Charges to `spend` the variables `e` reads that no expression read before (and those
    /// they read); false when the budget runs out.
    fn charge(&mut self, e: &Expr, spend: &mut Spend) -> bool {
        let mut todo: Vec<usize> = e.vars.clone();
        while let Some(i) = todo.pop() {
            if std::mem::replace(&mut self.charged[i], true) {
                continue;
            }
            if let Ok(cost) = self.state[i] {
                if cost > spend.remaining {
                    spend.remaining = 0;
                    return false;
                }
                spend.remaining -= cost;
            }
            todo.extend(&self.exprs[i].vars);
        }
        true
    }

    /// Runs `e` within `spend`, its variables charged.
    fn run(
        &mut self,
        e: &'p Expr,
        vars: &Vars<'_>,
        spend: &mut Spend,
    ) -> Result<Value, (Failure<'p>, bool)> {
        let budget = spend.remaining.min(PER_CALL_LIMIT);
        let ran = match e.program.eval_with_budget(vars, budget) {
            Ok((v, cost)) => {
                spend.remaining = spend.remaining.saturating_sub(cost);
                Ran::Value(v)
            }
            Err(err) if err.kind == EvalErrorKind::CostExceeded => {
                spend.remaining = spend.remaining.saturating_sub(budget);
                if budget < PER_CALL_LIMIT {
                    Ran::OutOfBudget
                } else {
                    Ran::Error(err)
                }
            }
            Err(err) => Ran::Error(err),
        };
        let charged = self.charge(e, spend);
        match ran {
            Ran::OutOfBudget => Err((self.out_of_budget(e), true)),
            _ if !charged => Err((self.out_of_budget(e), true)),
            Ran::Value(v) => Ok(v),
            Ran::Error(err) => {
                let f = self.failure(e, err);
                let over = f.error.kind == EvalErrorKind::CostExceeded;
                Err((f, over))
            }
        }
    }

    fn out_of_budget(&self, e: &'p Expr) -> Failure<'p> {
        Failure {
            error: EvalError {
                message: OUT_OF_BUDGET.to_owned(),
                kind: EvalErrorKind::CostExceeded,
            },
            program: &e.program,
        }
    }
}

/// Evaluates `policy` on the subject with one param (or none): its match conditions,
/// variables and validations. `None` when a match condition is false: the policy does not
/// apply.
pub(super) fn evaluate(policy: &Policy<'_>, s: &Subject<'_, '_>) -> Option<Vec<Found>> {
    let (obj, req) = (s.obj, s.req);
    // Nothing evaluated from a Secret reaches a message.
    let secret = obj.holds_secret_values() || s.param.is_some_and(|p| p.holds_secret_values());
    let fail = policy.view.failure_policy == FailurePolicy::Fail;
    let root = req.root(obj);
    let mut vars = Vars::new();
    vars.bind("object", req.object(obj));
    vars.bind_value("oldObject", Value::Null);
    vars.bind_value("request", request_value(obj, req));
    match s.param {
        Some(p) => vars.bind("params", to_val(p.node)),
        None => vars.bind_value("params", Value::Null),
    }
    match s.namespace_object {
        Some(n) => vars.bind("namespaceObject", to_val(n.node)),
        None => vars.bind_value("namespaceObject", Value::Null),
    }
    let mut variables = Variables::evaluate(&policy.exprs.variables, &mut vars);
    let detail = |e: &str| -> String {
        if secret {
            "an error (not shown: the object or its params are a Secret)".to_owned()
        } else {
            format!("error: {}", api_error(e))
        }
    };
    // A runtime error (or one expression over its own limit) leaves the object undecided,
    // or goes by failurePolicy: the error `what` (`expression '…'`) resulted in.
    let on_error =
        |f: &Failure<'_>, over_budget: bool, (what, source): (String, &str), validation, at| {
            let gap = gap(&f.error.message, secret, |key| {
                may_be_defaulted(f.program, key, root, s.schema, req.namespaced)
            });
            match gap.filter(|_| !over_budget) {
                Some(reason) => Found::Gap(reason),
                None => Found::Violation {
                    message: format!("{what} resulted in {}", detail(&f.error.message)),
                    validation,
                    at,
                    fix: Fix::Error(source.to_owned()),
                },
            }
        };
    let exprs = &policy.exprs.variables;
    // Where a finding about `e` points: the field of the object it reads (into the element an
    // all() fails on), else the field its first variable reads.
    let locate = |e: &Expr, vars: &Vars<'_>| -> Option<TextRange> {
        faultline_cel::locate_with(&e.program, vars, "object", root)
            .or_else(|| {
                let v = exprs.get(*e.vars.first()?)?;
                faultline_cel::locate_with(&v.program, vars, "object", root)
            })
            .map(|n| n.range())
            .filter(|r| *r != root.range())
    };
    let mut out = Vec::new();
    // matchConditions: any false skips the policy; else an error goes by failurePolicy. Over
    // their shared budget, the matcher fails as a whole (false or not), by failurePolicy.
    let mut condition_error = None;
    let mut spend = Spend {
        remaining: MATCH_CONDITIONS_COST_BUDGET,
    };
    let mut skipped = false;
    for c in &policy.exprs.conditions {
        let name = &c.name;
        match variables.run(c, &vars, &mut spend) {
            Ok(Value::Bool(false)) => skipped = true,
            Ok(Value::Bool(true)) => {}
            Ok(other) => out.push(Found::Invalid {
                range: c.range,
                message: format!(
                    "matchCondition '{name}' of ValidatingAdmissionPolicy `{}` evaluates to {}, not bool",
                    policy.name,
                    type_name(&other)
                ),
            }),
            Err((f, true)) if f.error.message == OUT_OF_BUDGET => {
                if fail {
                    out.push(Found::Violation {
                        message: OUT_OF_BUDGET.to_owned(),
                        validation: None,
                        at: None,
                        fix: Fix::Error(c.program.source().trim().to_owned()),
                    });
                }
                return Some(out);
            }
            Err((f, over_budget)) => {
                let what = format!("matchCondition '{name}'");
                let source = c.program.source().trim();
                let found = on_error(&f, over_budget, (what, source), None, locate(c, &vars));
                if condition_error.is_none() || matches!(found, Found::Gap(_)) {
                    condition_error = Some(found);
                }
            }
        }
    }
    if skipped {
        return None;
    }
    match condition_error {
        Some(Found::Gap(e)) => {
            out.push(Found::Gap(e));
            return Some(out);
        }
        Some(violation) => {
            if fail {
                out.push(violation);
            }
            return Some(out);
        }
        None => {}
    }
    // The validations, then their messageExpressions (each evaluated, false or not), then the
    // audit annotations, as the API server's validator runs them: the validations and the
    // annotations share one budget; the messages spend what the validations left.
    let mut spend = Spend {
        remaining: RUNTIME_COST_BUDGET,
    };
    let mut results = Vec::with_capacity(policy.exprs.validations.len());
    for v in &policy.exprs.validations {
        match variables.run(&v.expression, &vars, &mut spend) {
            Err((f, true)) if f.error.message == OUT_OF_BUDGET => {
                // Refused whatever the failurePolicy, with this error alone.
                out.retain(|f| matches!(f, Found::Invalid { .. }));
                out.push(Found::Violation {
                    message: OUT_OF_BUDGET.to_owned(),
                    validation: Some(v.expression.range),
                    at: None,
                    fix: Fix::Error(v.expression.program.source().trim().to_owned()),
                });
                return Some(out);
            }
            result => results.push(result),
        }
    }
    let mut message_spend = Spend {
        remaining: spend.remaining,
    };
    let mut messages = Vec::with_capacity(results.len());
    let mut messages_out_of_budget = false;
    for v in &policy.exprs.validations {
        let Some(m) = v
            .message_expression
            .as_ref()
            .filter(|_| !messages_out_of_budget)
        else {
            messages.push(None);
            continue;
        };
        match variables.run(m, &vars, &mut message_spend) {
            Err((f, true)) if f.error.message == OUT_OF_BUDGET => {
                messages_out_of_budget = true;
                messages.push(None);
            }
            Ok(Value::String(text)) => {
                let text = text.trim();
                let usable = !secret
                    && !text.is_empty()
                    && !text.contains('\n')
                    && text.len() <= MAX_MESSAGE_EXPRESSION_BYTES;
                messages.push(usable.then(|| text.to_owned()));
            }
            Ok(other) => {
                out.push(Found::Invalid {
                    range: m.range,
                    message: format!(
                        "a messageExpression of ValidatingAdmissionPolicy `{}` evaluates to {}, not string",
                        policy.name,
                        type_name(&other)
                    ),
                });
                messages.push(None);
            }
            Err(_) => messages.push(None),
        }
    }
    for ((v, result), evaluated) in policy.exprs.validations.iter().zip(results).zip(messages) {
        let source = v.expression.program.source().trim();
        match result {
            Err((f, over_budget)) => {
                let what = format!("expression '{source}'");
                let at = locate(&v.expression, &vars);
                let range = Some(v.expression.range);
                let found = on_error(&f, over_budget, (what, source), range, at);
                if fail || matches!(found, Found::Gap(_)) {
                    out.push(found);
                }
            }
            // The messages ran out of budget: every validation that did not fail to evaluate
            // is an error, by failurePolicy.
            Ok(_) if messages_out_of_budget => {
                if fail {
                    out.push(Found::Violation {
                        message: format!("failed messageExpression: {OUT_OF_BUDGET}"),
                        validation: Some(v.expression.range),
                        at: None,
                        fix: Fix::Error(source.to_owned()),
                    });
                }
            }
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                let message = evaluated
                    .or_else(|| v.message.clone())
                    .unwrap_or_else(|| format!("failed expression: {source}"));
                out.push(Found::Violation {
                    message,
                    validation: Some(v.expression.range),
                    at: locate(&v.expression, &vars),
                    fix: Fix::Hold(source.to_owned()),
                });
            }
            Ok(other) => out.push(Found::Invalid {
                range: v.expression.range,
                message: format!(
                    "a validation of ValidatingAdmissionPolicy `{}` evaluates to {}, not bool",
                    policy.name,
                    type_name(&other)
                ),
            }),
        }
    }
    // Audit annotations only annotate the audit event, but an error in one goes by
    // failurePolicy like any other, and running out of budget refuses the object.
    for c in &policy.exprs.audits {
        let source = c.program.source().trim();
        match variables.run(c, &vars, &mut spend) {
            Ok(_) => {}
            Err((f, true)) if f.error.message == OUT_OF_BUDGET => {
                out.retain(|f| matches!(f, Found::Invalid { .. }));
                out.push(Found::Violation {
                    message: OUT_OF_BUDGET.to_owned(),
                    validation: None,
                    at: None,
                    fix: Fix::Error(source.to_owned()),
                });
                return Some(out);
            }
            Err((f, over_budget)) => {
                let what = format!("auditAnnotation expression '{source}'");
                let found = on_error(&f, over_budget, (what, source), None, locate(c, &vars));
                if fail || matches!(found, Found::Gap(_)) {
                    out.push(found);
                }
            }
        }
    }
    Some(out)
}
