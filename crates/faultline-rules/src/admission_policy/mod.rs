//! ValidatingAdmissionPolicies of the input, evaluated offline against every object they
//! match, as the API server would on CREATE.
//!
//! `PolicyRun::build` runs once per run (`Context::admission_policies`): it reads every
//! `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding` (the model's views),
//! compiles each expression once, reports what the API server would refuse in them, and
//! lists the objects some binding's resource rules match. Each of those is evaluated once,
//! on first request, in whichever thread asks (`PolicyRun::result`, a `OnceLock` per object;
//! `admission-policy-violation` asks from its `check_object`, so objects are evaluated in
//! parallel): the rest of the match (`matchConstraints` narrowed by the binding's
//! `matchResources`: `excludeResourceRules`, namespace and object selectors), the params, then
//! `matchConditions`, `variables` and `validations` with `object`, `oldObject` (null),
//! `request`, `params`, `namespaceObject` and `variables` bound. `admission-policy-undecidable`
//! gathers, in `check_run` (after every object), what could not be decided, once per policy
//! or binding.
//!
//! What the input cannot tell is never guessed, it is undecidable, reported once per policy
//! or binding: the requesting user (`request.userInfo`, `request.uid`, `authorizer`), a param
//! the input lacks, the labels (for a `namespaceSelector`) or the object (`namespaceObject`)
//! of a namespace the input does not declare, and functions the CEL engine does not have.
//!
//! Decisions, where the API server has more than the input:
//! - A policy with no binding in the input is evaluated as if bound to everything it
//!   matches with `validationActions: [Deny]` (as the Kyverno CLI does), its findings a
//!   warning, not an error: the API server enforces no unbound policy.
//! - `matchPolicy: Equivalent` (the default) forgives a version that the rule does not list
//!   when the group and resource match (another version of the same kind); other equivalent
//!   resources (`extensions` vs `apps`) are not known offline. `Exact` compares versions.
//! - One policy and one binding per name, as on the cluster: the first the input holds (a
//!   later object of the same name, from another overlay or a copy, is not evaluated again).
//! - Resource names come from the kind: the plural of a CRD in the input, else the model's
//!   pluraliser (`kinds::plural`).
//! - The object is evaluated as written: the defaults the API server fills in before
//!   admission (`replicas: 1`, `imagePullPolicy`, a pod's `securityContext: {}` …) are not
//!   applied. An expression that reads a field the object does not write errs on it ("no such
//!   key"). When the API server could fill that field in (a property the kind's schema
//!   declares, built-in or from a CRD of the input; a `metadata` field it sets on create, such
//!   as `uid` or `generation`; anything of a kind without a schema), that object is
//!   undecidable, not refused. When it could not (a key of a map such as `labels`,
//!   `annotations` or `data`, a field the schema does not declare, another `metadata` field),
//!   the expression fails there too and `failurePolicy` decides, as on the API server.
//!   `has()` of a missing field reads false.
//! - The objects that configure admission (webhook configurations, policies and their
//!   bindings) are exempt, as on the API server, even from a policy on `*`.
//! - A policy on `pods` also judges the pods a top-level workload's template makes (not from
//!   a cluster export, whose pods are in the input): see `Request::pods_of`.
//! - Variables are evaluated in order, each once; one that fails is left out of
//!   `variables`, so an expression that reads it fails with the variable's error and one that
//!   does not need it (short-circuit) does not, as with the API server's lazy variables. An
//!   expression that reads several failed variables fails with the error of the first it
//!   reads (left to right, as the API server evaluates it).
//! - Cost, as the API server's validator spends it: the match conditions of one evaluation
//!   (one binding, one param, one object) share `MATCH_CONDITIONS_COST_BUDGET`; its
//!   validations, then its `messageExpression`s (all of them, with what the validations
//!   left), then its audit annotations share `RUNTIME_COST_BUDGET`; each expression is also
//!   held to `PER_CALL_LIMIT`, and a variable's cost is charged to the first expression that
//!   reads it. One expression over its own limit is a runtime error (`failurePolicy`
//!   decides); the validations or audit annotations over the shared budget refuse the object
//!   whatever the `failurePolicy`, with that error alone; the messages over it make every
//!   validation an error ("failed messageExpression: …"); the match conditions over theirs
//!   are an error of the match (`failurePolicy`).
//! - An expression whose result is not of the type the API server's type check requires (a
//!   validation or match condition that is not a bool, a `messageExpression` that is not a
//!   string) is reported once, as `admission-policy-invalid` on the policy, when an object
//!   shows it. The API server refuses such a policy (its compiler requires the exact type), so
//!   it refuses no object: its violations are dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use cel::common::types::{CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use faultline_cel::{EvalErrorKind, Program, Value, Vars, to_val, to_val_in_namespace};
use faultline_diagnostics::Severity;
use faultline_model::kinds::{self, Scope};
use faultline_model::selector::{LabelRefs, LabelSelector};
use faultline_model::selectors::parse_label_selector;
use faultline_model::views::admission_policy::{
    AdmissionPolicy, AdmissionPolicyBinding, Expression, FailurePolicy, MatchResources,
    ResourceRule,
};
use faultline_model::views::{NAMESPACE_NAME_LABEL, Namespace};
use faultline_model::{Inventory, Object, ObjectId};
use faultline_syntax::{NodeRef, TextRange};

use crate::schema::{SchemaRun, Target};
use crate::sink::Sink;

mod evaluate;
mod request;

use evaluate::*;
use request::*;

/// What evaluating needs of the run: the objects, and their schemas (for missing keys).
pub(crate) type In<'c, 'a> = (&'c Inventory<'a>, &'c SchemaRun<'a>);

/// Another place a finding involves.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub object: ObjectId,
    pub range: TextRange,
    pub message: String,
}

/// A finding prepared for a rule: where (in `object`'s file), what, and the places involved.
#[derive(Clone, Debug)]
pub(crate) struct Note {
    pub range: TextRange,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub related: Vec<Place>,
}

/// What a policy, under one binding, decided about one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Matched and evaluated; every validation holds (or a `matchCondition` is false).
    Pass,
    /// A validation does not hold, or an error under `failurePolicy: Fail`.
    Fail,
    /// The input does not tell (the requesting user, a missing param or namespace, a
    /// function the engine lacks).
    Undecidable,
}

/// One verdict: the object, the policy and binding by name (the binding `None` for a policy
/// without one in the input).
#[derive(Clone, Debug)]
pub struct Outcome {
    pub object: ObjectId,
    /// The verdict is about the pods of the object's pod template, not the object.
    pub pods_of_template: bool,
    pub policy: String,
    pub binding: Option<String>,
    pub verdict: Verdict,
}

/// The policies and bindings of a run, compiled once, and what they decide about each object
/// they may match, evaluated on first request (in parallel, by whichever rule asks first).
#[derive(Default)]
pub struct PolicyRun<'a> {
    policies: Vec<Policy<'a>>,
    bindings: Vec<Binding<'a>>,
    plurals: HashMap<(&'a str, &'a str), &'a str>,
    /// Policy or binding → what the API server refuses in it (`admission-policy-invalid`).
    pub(crate) invalid: HashMap<ObjectId, Vec<Note>>,
    /// The objects some binding's resource rules match, in input order, each with what the
    /// policies decide about it, evaluated once.
    candidates: Vec<(ObjectId, OnceLock<ObjectResult>)>,
    slot: HashMap<ObjectId, usize>,
    /// The policies (indexes) an evaluation found an expression of the wrong type in: the
    /// API server's type check refuses them, so they refuse no object. Found by evaluating
    /// every candidate, on first request.
    refused: OnceLock<BTreeSet<usize>>,
}

impl std::fmt::Debug for PolicyRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyRun")
            .field("policies", &self.policies.len())
            .field("bindings", &self.bindings.len())
            .field("candidates", &self.candidates.len())
            .finish()
    }
}

/// What the policies decide about one object.
#[derive(Debug, Default)]
struct ObjectResult {
    /// Per policy (index), what it refuses or warns about.
    violations: Vec<(usize, Note)>,
    /// Per binding (index) and request (the object, or the pods of its template), the
    /// verdict.
    verdicts: Vec<(usize, bool, Verdict)>,
    /// Per binding (index), what was not decided.
    undecided: Vec<(usize, Undecided)>,
    /// Per policy (index), what its evaluation found the API server's type check refuses:
    /// where in the policy, and what.
    invalid: Vec<(usize, TextRange, String)>,
}

/// Why a binding's verdict on an object is undecidable.
#[derive(Debug)]
enum Undecided {
    /// Its policy reads the requesting user.
    User,
    /// The object's namespace is not in the input.
    Namespace(String),
    /// The params are not in the input.
    Param(String),
    /// An engine gap or a field the object does not write.
    Gap(String),
}

impl PolicyRun<'_> {
    /// Reports `obj`'s notes of one kind (violations, undecidable or invalid) to `out`.
    pub(crate) fn report<'n>(
        inventory: &Inventory<'_>,
        obj: &Object<'_>,
        notes: impl IntoIterator<Item = &'n Note>,
        out: &mut Sink<'_>,
    ) {
        for n in notes {
            let mut r = out
                .report(obj, n.range, n.message.clone())
                .severity(n.severity)
                .help(n.help.clone());
            for p in &n.related {
                r = r.related(inventory.get(p.object), p.range, p.message.clone());
            }
        }
    }
}

/// Whether `program` reads the variable chain `prefix` (`["params"]`, `["request",
/// "userInfo"]`, `["variables", name]`): the variable itself for one name, else a field path
/// under it ([`Program::paths`]).
fn reads(program: &Program, prefix: &[&str]) -> bool {
    let Some((var, rest)) = prefix.split_first() else {
        return false;
    };
    if rest.is_empty() {
        return program.reads_variable(var);
    }
    program
        .paths(var)
        .iter()
        .any(|p| p.len() >= rest.len() && p.iter().zip(rest).all(|(a, b)| a == b))
}

/// A compiled expression of a policy.
pub(super) struct Expr {
    /// The variable's or match condition's name, the audit annotation's key (else empty).
    pub(super) name: String,
    pub(super) program: Program,
    /// The expression's node in the policy.
    pub(super) range: TextRange,
    /// The policy's variables it reads (indices into `PolicyExprs::variables`), in the order
    /// it first reads them: the order the API server's lazy variables are evaluated in.
    pub(super) vars: Vec<usize>,
}

struct PolicyExprs {
    conditions: Vec<Expr>,
    variables: Vec<Expr>,
    /// Per validation: the expression (with its node), the message expression, the message.
    validations: Vec<ValidationExprs>,
    audits: Vec<Expr>,
}

struct ValidationExprs {
    expression: Expr,
    message_expression: Option<Expr>,
    message: Option<String>,
}

impl PolicyExprs {
    fn all(&self) -> impl Iterator<Item = &Program> {
        self.conditions
            .iter()
            .chain(&self.variables)
            .chain(self.validations.iter().map(|v| &v.expression))
            .chain(&self.audits)
            .map(|e| &e.program)
    }

    /// Fills in which variables each expression reads, once every expression is compiled.
    fn link(&mut self) {
        let names: Vec<String> = self.variables.iter().map(|v| v.name.clone()).collect();
        let link = |e: &mut Expr| {
            let mut vars = Vec::new();
            for path in e.program.paths("variables") {
                if let Some(i) = path.first().and_then(|n| names.iter().position(|v| v == n))
                    && !vars.contains(&i)
                {
                    vars.push(i);
                }
            }
            e.vars = vars;
        };
        for e in self
            .conditions
            .iter_mut()
            .chain(&mut self.variables)
            .chain(&mut self.audits)
        {
            link(e);
        }
        for v in &mut self.validations {
            link(&mut v.expression);
            if let Some(m) = &mut v.message_expression {
                link(m);
            }
        }
    }
}

/// The `reason`s a validation may give (`StatusReason`s the API server accepts there).
const REASONS: [&str; 4] = [
    "Unauthorized",
    "Forbidden",
    "Invalid",
    "RequestEntityTooLarge",
];

/// The first `variables.<name>` the expression reads that is not among `visible` (a variable
/// reads only those declared before it): the API server's type check finds no such field.
fn undeclared_variable(
    program: &Program,
    visible: &[String],
) -> Option<faultline_cel::CompileError> {
    let name = program
        .paths("variables")
        .into_iter()
        .filter_map(|path| path.into_iter().next())
        .find(|name| !visible.iter().any(|v| v == name))?;
    let source = program.source();
    let written = format!("variables.{name}");
    let span = source
        .find(&written)
        .map(|i| (i as u32, (i + written.len()) as u32));
    Some(faultline_cel::CompileError {
        message: format!(
            "undefined field '{name}': no variable `{name}` is declared for it (a variable reads only those declared before it)"
        ),
        span,
    })
}

/// Where bytes `span` of the scalar's value `value` are in the source, so that an error
/// points inside the expression: outside white space, the value's characters are the
/// source's in plain, quoted (without escapes), literal and folded scalars alike, so they are
/// found by counting. `None` when the source runs out first (escapes).
fn span_in_scalar(node: NodeRef<'_>, value: &str, (start, end): (u32, u32)) -> Option<TextRange> {
    let range = node.range();
    let source = node
        .tree()
        .source()
        .get(range.start as usize..range.end as usize)?;
    let skip = if source.starts_with(['|', '>']) {
        source.find('\n').map_or(source.len(), |i| i + 1)
    } else if source.starts_with(['\'', '"']) {
        1
    } else {
        0
    };
    let count = |offset: u32| {
        value
            .get(..(offset as usize).min(value.len()))
            .map(|v| v.chars().filter(|c| !c.is_whitespace()).count())
    };
    let (first, last) = (count(start)?, count(end.max(start + 1) - 1)?);
    let mut seen = 0;
    let mut from = None;
    for (i, c) in source[skip..].char_indices() {
        if c.is_whitespace() {
            continue;
        }
        let at = range.start + (skip + i) as u32;
        if seen == first {
            from = Some(at);
        }
        if seen == last {
            return Some(TextRange::new(from?, at + c.len_utf8() as u32));
        }
        seen += 1;
    }
    None
}

/// Whether the API server exempts `obj` from admission policies (and webhooks): the objects
/// that configure admission themselves (`IsExemptAdmissionConfigurationResource`), so that a
/// policy cannot lock them.
fn exempt(obj: &Object<'_>) -> bool {
    obj.group_version().0 == "admissionregistration.k8s.io"
        && matches!(
            obj.kind,
            "ValidatingWebhookConfiguration"
                | "MutatingWebhookConfiguration"
                | "ValidatingAdmissionPolicy"
                | "ValidatingAdmissionPolicyBinding"
        )
}

/// A policy ready to evaluate.
struct Policy<'a> {
    view: AdmissionPolicy<'a>,
    name: &'a str,
    exprs: PolicyExprs,
    /// Why no object can be decided (it reads the requesting user).
    user_dependent: Option<&'static str>,
    reads_namespace_object: bool,
    namespace_selector: Option<LabelSelector>,
    object_selector: Option<LabelSelector>,
}

/// A binding of a policy (or the implicit binding of a policy the input binds nowhere).
struct Binding<'a> {
    view: Option<AdmissionPolicyBinding<'a>>,
    policy: usize,
    severity: Severity,
    /// No `validationActions` (the API server refuses the binding): evaluated as `[Deny]`.
    assumed: bool,
    deny: bool,
    warn: bool,
    namespace_selector: Option<LabelSelector>,
    object_selector: Option<LabelSelector>,
}

impl Binding<'_> {
    /// The object undecidable notes about this binding go on: the binding, else the policy.
    fn anchor(&self, policies: &[Policy<'_>]) -> (ObjectId, TextRange) {
        match &self.view {
            Some(b) => (b.object.id, b.object.kind_range()),
            None => {
                let p = &policies[self.policy].view.object;
                (p.id, p.kind_range())
            }
        }
    }
}

impl PolicyRun<'_> {
    /// Reads and compiles every policy and binding of the input, and finds the objects
    /// their resource rules match (evaluated later, on first request: [`Self::result`]).
    pub(crate) fn build<'a>(inventory: &Inventory<'a>) -> PolicyRun<'a> {
        let mut run = PolicyRun::default();
        // One object per name, as on the cluster: the first of the input.
        let mut names = HashSet::new();
        let views: Vec<AdmissionPolicy<'_>> = inventory
            .of_kind("ValidatingAdmissionPolicy")
            .filter(|o| names.insert(o.name))
            .filter_map(AdmissionPolicy::of)
            .collect();
        let mut names = HashSet::new();
        let binding_views: Vec<AdmissionPolicyBinding<'_>> = inventory
            .of_kind("ValidatingAdmissionPolicyBinding")
            .filter(|o| names.insert(o.name))
            .filter_map(AdmissionPolicyBinding::of)
            .collect();
        if views.is_empty() {
            return run;
        }
        let mut policies = Vec::new();
        for view in views {
            if let Some(p) = run.compile_policy(view) {
                policies.push(p);
            }
        }
        let mut bindings = Vec::new();
        let mut bound = vec![false; policies.len()];
        for view in binding_views {
            let Some(name) = view.policy_name else {
                continue;
            };
            // Checked whatever its policy: the API server validates a binding on its own.
            let policy = policies.iter().position(|p| p.name == name.value);
            let checked = run.binding(policy.unwrap_or(usize::MAX), view);
            if let (Some(policy), Some(b)) = (policy, checked) {
                bound[policy] = true;
                bindings.push(b);
            }
        }
        for (policy, _) in bound.iter().enumerate().filter(|(_, b)| !**b) {
            bindings.push(Binding {
                view: None,
                policy,
                assumed: false,
                severity: Severity::Warning,
                deny: true,
                warn: false,
                namespace_selector: None,
                object_selector: None,
            });
        }
        run.plurals = crd_plurals(inventory);
        for obj in &inventory.objects {
            if inventory.copy_of(obj.id).is_some() || exempt(obj) {
                continue;
            }
            let pods = Request::pods_of(obj);
            let matched = [Some(request(&run.plurals, obj)), pods]
                .iter()
                .flatten()
                .any(|req| {
                    bindings.iter().any(|b| {
                        policies[b.policy]
                            .view
                            .match_constraints
                            .as_ref()
                            .is_some_and(|m| resources_match(m, req, req.name(obj), true))
                    })
                });
            if matched {
                run.slot.insert(obj.id, run.candidates.len());
                run.candidates.push((obj.id, OnceLock::new()));
            }
        }
        run.policies = policies;
        run.bindings = bindings;
        run
    }

    fn invalid(&mut self, obj: &Object<'_>, range: TextRange, message: String, help: &str) {
        self.invalid.entry(obj.id).or_default().push(Note {
            range,
            severity: Severity::Error,
            message,
            help: help.to_owned(),
            related: Vec::new(),
        });
    }

    /// The namespace and object selectors of `m` (a policy's `matchConstraints`, a binding's
    /// `matchResources`), and whether one has a problem: each is reported as invalid on
    /// `obj`, which `owner` names (the API server refuses it).
    fn selectors(
        &mut self,
        obj: &Object<'_>,
        owner: &str,
        m: Option<&MatchResources<'_>>,
    ) -> (Option<LabelSelector>, Option<LabelSelector>, bool) {
        let mut bad = false;
        let mut selector = |node: Option<NodeRef<'_>>| {
            let parsed = parse_label_selector(node?);
            for (range, problem) in &parsed.problems {
                self.invalid(
                    obj,
                    *range,
                    format!("{problem}: the API server refuses {owner}"),
                    "fix the label selector",
                );
                bad = true;
            }
            Some(parsed.selector)
        };
        let namespace_selector = selector(m.and_then(|m| m.namespace_selector));
        let object_selector = selector(m.and_then(|m| m.object_selector));
        (namespace_selector, object_selector, bad)
    }

    /// Compiles a policy's expressions; `None` when the API server refuses the policy (an
    /// expression that does not compile), reported as invalid.
    fn compile_policy<'a>(&mut self, view: AdmissionPolicy<'a>) -> Option<Policy<'a>> {
        let obj = view.object;
        let name = obj.name;
        let mut refused = false;
        let kind_help = "fix the policy: until then the API server refuses to create it, so it enforces nothing";
        match &view.match_constraints {
            None => {
                self.invalid(
                    &obj,
                    obj.spec().map_or(obj.kind_range(), |s| s.range()),
                    format!("ValidatingAdmissionPolicy `{name}` has no `spec.matchConstraints`: the API server refuses it"),
                    kind_help,
                );
                refused = true;
            }
            Some(m) if m.resource_rules.is_empty() => {
                self.invalid(
                    &obj,
                    m.node.range(),
                    format!("ValidatingAdmissionPolicy `{name}` has no `matchConstraints.resourceRules`: the API server refuses it"),
                    kind_help,
                );
                refused = true;
            }
            Some(_) => {}
        }
        for m in view.match_constraints.iter() {
            self.check_rules(&obj, m);
        }
        if let Some(pk) = view.param_kind
            && (pk.kind.is_none() || pk.api_version.is_none())
        {
            let missing = if pk.kind.is_none() {
                "kind"
            } else {
                "apiVersion"
            };
            self.invalid(
                &obj,
                pk.node.range(),
                format!("`paramKind` of ValidatingAdmissionPolicy `{name}` has no `{missing}`: the API server refuses the policy"),
                "write the kind of the params (`apiVersion` and `kind`), for example `{apiVersion: v1, kind: ConfigMap}`",
            );
            refused = true;
        }
        // The variables the API server declares for each expression: `params` only with a
        // `paramKind`, and no `authorizer` in a `messageExpression`.
        let mut declared = vec![
            "object",
            "oldObject",
            "request",
            "namespaceObject",
            "variables",
        ];
        if view.param_kind.is_some() {
            declared.push("params");
        }
        let for_messages = declared.clone();
        declared.extend(["authorizer", "authorizer.requestResource"]);
        let declared_len = declared.len();
        // The variables an expression may read: a variable those before it, the rest all.
        let mut visible: Vec<String> = Vec::new();
        let mut compile = |run: &mut PolicyRun,
                           e: Option<Expression<'a>>,
                           at: NodeRef<'a>,
                           what: &str,
                           name: String,
                           visible: &[String]|
         -> Option<Expr> {
            let Some(e) = e else {
                run.invalid(
                    &obj,
                    at.range(),
                    format!("a {what} of ValidatingAdmissionPolicy `{name}` has no expression: the API server refuses the policy"),
                    "write the CEL expression",
                );
                refused = true;
                return None;
            };
            let vars: &[&str] = if what == "messageExpression" {
                &for_messages
            } else {
                &declared
            };
            let compiled = Program::compile_declared(e.value, vars).and_then(|program| {
                undeclared_variable(&program, visible).map_or(Ok(program), Err)
            });
            match compiled {
                Ok(program) => Some(Expr {
                    name,
                    program,
                    range: e.node.range(),
                    vars: Vec::new(),
                }),
                Err(err) => {
                    let at = err
                        .span
                        .and_then(|span| span_in_scalar(e.node, e.value, span))
                        .unwrap_or(e.node.range());
                    let what = if name.is_empty() {
                        what.to_owned()
                    } else {
                        format!("{what} `{name}`")
                    };
                    let (message, help) = if err.message.contains("'authorizer'")
                        && vars.len() < declared_len
                    {
                        (
                            format!(
                                "the {what} of ValidatingAdmissionPolicy `{}` reads `authorizer`, which the API server does not declare for a messageExpression: it refuses the policy ({})",
                                obj.name, err.message
                            ),
                            "read `authorizer` in the validation or a variable, not in the messageExpression",
                        )
                    } else if err.message.contains("'params'") {
                        (
                            format!(
                                "the {what} of ValidatingAdmissionPolicy `{}` reads `params`, but the policy has no `paramKind`: the API server refuses it ({})",
                                obj.name, err.message
                            ),
                            "declare the kind of the params in `spec.paramKind`, or stop reading `params`",
                        )
                    } else {
                        (
                            format!(
                                "the {what} of ValidatingAdmissionPolicy `{}` does not compile: {}; the API server refuses the policy",
                                obj.name, err.message
                            ),
                            "fix the CEL expression (the API server compiles every expression when the policy is created)",
                        )
                    };
                    run.invalid(&obj, at, message, help);
                    refused = true;
                    None
                }
            }
        };
        let mut exprs = PolicyExprs {
            conditions: Vec::new(),
            variables: Vec::new(),
            validations: Vec::new(),
            audits: Vec::new(),
        };
        let name_of = |f: Option<faultline_model::Field<'a, &'a str>>| {
            f.map(|n| n.value).unwrap_or_default().to_owned()
        };
        let all_variables: Vec<String> = view.variables.iter().map(|v| name_of(v.name)).collect();
        for c in &view.match_conditions {
            if let Some(e) = compile(
                self,
                c.expression,
                c.node,
                "match condition",
                name_of(c.name),
                &all_variables,
            ) {
                exprs.conditions.push(e);
            }
        }
        for v in &view.variables {
            let name = name_of(v.name);
            if let Some(e) = compile(
                self,
                v.expression,
                v.node,
                "variable",
                name.clone(),
                &visible,
            ) {
                exprs.variables.push(e);
            }
            visible.push(name);
        }
        for v in &view.validations {
            let expression = compile(
                self,
                v.expression,
                v.node,
                "validation",
                String::new(),
                &all_variables,
            );
            let message_expression = match v.message_expression {
                Some(m) => compile(
                    self,
                    Some(m),
                    v.node,
                    "messageExpression",
                    String::new(),
                    &all_variables,
                ),
                None => None,
            };
            if let Some(expression) = expression {
                exprs.validations.push(ValidationExprs {
                    expression,
                    message_expression,
                    message: v
                        .message
                        .map(|m| m.value.trim().to_owned())
                        .filter(|m| !m.is_empty()),
                });
            }
        }
        for a in &view.audit_annotations {
            if let Some(e) = compile(
                self,
                a.value_expression,
                a.node,
                "auditAnnotation",
                name_of(a.key),
                &all_variables,
            ) {
                exprs.audits.push(e);
            }
        }
        for r in view.validations.iter().filter_map(|v| v.reason) {
            if !REASONS.contains(&r.value) {
                self.invalid(
                    &obj,
                    r.node.range(),
                    format!("`{}` is not a reason the API server accepts ({}): it refuses ValidatingAdmissionPolicy `{name}`", r.value, REASONS.join(", ")),
                    "use one of Unauthorized, Forbidden, Invalid, RequestEntityTooLarge, or leave `reason` out (Invalid)",
                );
                refused = true;
            }
        }
        exprs.link();
        let (namespace_selector, object_selector, bad) = self.selectors(
            &obj,
            &format!("ValidatingAdmissionPolicy `{name}`"),
            view.match_constraints.as_ref(),
        );
        refused |= bad;
        if refused {
            return None;
        }
        let user_dependent = exprs.all().find_map(|c| {
            if reads(c, &["authorizer"]) {
                Some("`authorizer` (what the requesting user may do)")
            } else if reads(c, &["request", "userInfo"]) {
                Some("`request.userInfo` (the requesting user)")
            } else if reads(c, &["request", "uid"]) {
                Some("`request.uid`")
            } else {
                None
            }
        });
        let reads_namespace_object = exprs.all().any(|c| reads(c, &["namespaceObject"]))
            || exprs
                .validations
                .iter()
                .filter_map(|v| v.message_expression.as_ref())
                .any(|c| reads(&c.program, &["namespaceObject"]));
        Some(Policy {
            name,
            view,
            exprs,
            user_dependent,
            reads_namespace_object,
            namespace_selector,
            object_selector,
        })
    }

    fn check_rules(&mut self, obj: &Object<'_>, m: &MatchResources<'_>) {
        for r in m.resource_rules.iter().chain(&m.exclude_resource_rules) {
            if r.operations.as_ref().is_none_or(Vec::is_empty) {
                let at = r
                    .node
                    .entries()
                    .next()
                    .map_or(r.node.range(), |(k, v)| k.range().cover(v.range()));
                self.invalid(
                    obj,
                    at,
                    format!("a resource rule of {} `{}` lists no `operations`: the API server refuses it (faultline evaluates the rule as if it listed `*`)", obj.kind, obj.name),
                    "list the operations the rule is for, for example `operations: [\"CREATE\", \"UPDATE\"]`",
                );
            }
        }
    }

    /// A binding of `policy`, or `None` when the API server refuses it (reported as invalid).
    fn binding<'a>(
        &mut self,
        policy: usize,
        view: AdmissionPolicyBinding<'a>,
    ) -> Option<Binding<'a>> {
        let obj = view.object;
        let name = obj.name;
        let actions: Vec<&str> = view.validation_actions.iter().map(|a| a.value).collect();
        let mut refused = false;
        if actions.is_empty() {
            self.invalid(
                &obj,
                view.actions_node.map_or(obj.kind_range(), |n| n.range()),
                format!("ValidatingAdmissionPolicyBinding `{name}` has no `validationActions`: the API server refuses it (faultline evaluates it as if it listed `Deny`, as warnings)"),
                "set `validationActions` to `[Deny]` (refuse), `[Warn]` or `[Audit]`",
            );
        }
        for a in &view.validation_actions {
            if !matches!(a.value, "Deny" | "Warn" | "Audit") {
                self.invalid(
                    &obj,
                    a.node.range(),
                    format!("`{}` is not a validation action (Deny, Warn, Audit): the API server refuses ValidatingAdmissionPolicyBinding `{name}`", a.value),
                    "use `Deny`, `Warn` or `Audit`",
                );
                refused = true;
            }
        }
        let assumed = actions.is_empty();
        let deny = assumed || actions.contains(&"Deny");
        let warn = actions.contains(&"Warn");
        if deny && warn {
            self.invalid(
                &obj,
                view.actions_node.map_or(obj.kind_range(), |n| n.range()),
                format!("ValidatingAdmissionPolicyBinding `{name}` lists both `Deny` and `Warn`: the API server refuses it"),
                "keep one of `Deny` and `Warn`",
            );
            refused = true;
        }
        if let Some(m) = &view.match_resources {
            self.check_rules(&obj, m);
        }
        let (namespace_selector, object_selector, bad) = self.selectors(
            &obj,
            &format!("ValidatingAdmissionPolicyBinding `{name}`"),
            view.match_resources.as_ref(),
        );
        refused |= bad;
        if refused {
            return None;
        }
        Some(Binding {
            view: Some(view),
            policy,
            assumed,
            severity: if assumed {
                Severity::Warning
            } else if deny {
                Severity::Error
            } else if warn {
                Severity::Warning
            } else {
                Severity::Info
            },
            deny,
            warn,
            namespace_selector,
            object_selector,
        })
    }
}

impl<'a> PolicyRun<'a> {
    /// What the policies decide about `obj`, evaluated on first request; `None` when no
    /// binding's resource rules match it.
    fn result(&self, (inventory, schemas): In<'_, 'a>, obj: ObjectId) -> Option<&ObjectResult> {
        let (id, cell) = &self.candidates[*self.slot.get(&obj)?];
        Some(cell.get_or_init(|| {
            let obj = inventory.get(*id);
            let req = request(&self.plurals, obj);
            let mut eval = Evaluation {
                inventory,
                schemas,
                policies: &self.policies,
                out: ObjectResult::default(),
            };
            for (i, b) in self.bindings.iter().enumerate() {
                eval.object(i, b, obj, &req);
            }
            if let Some(pods) = Request::pods_of(obj) {
                for (i, b) in self.bindings.iter().enumerate() {
                    eval.object(i, b, obj, &pods);
                }
            }
            eval.out
        }))
    }

    /// `obj`'s violations (`admission-policy-violation`), but for policies the API server's
    /// type check refuses (they never reach the cluster).
    pub(crate) fn violations(&self, cx: In<'_, 'a>, obj: ObjectId) -> Vec<&Note> {
        let Some(r) = self.result(cx, obj) else {
            return Vec::new();
        };
        if r.violations.is_empty() {
            return Vec::new();
        }
        let refused = self.refused(cx);
        r.violations
            .iter()
            .filter(|(policy, _)| !refused.contains(policy))
            .map(|(_, note)| note)
            .collect()
    }

    /// The policies whose evaluation showed an expression of the wrong type, evaluating
    /// every candidate (in parallel) on first request.
    fn refused(&self, cx: In<'_, 'a>) -> &BTreeSet<usize> {
        // Plain threads, not rayon's: a rayon worker waiting here could steal another
        // object's rule, which would ask for this cell again on the same thread.
        self.refused.get_or_init(|| {
            let threads = rayon::current_num_threads().max(1);
            let chunk = self.candidates.len().div_ceil(threads).max(1);
            std::thread::scope(|scope| {
                let workers: Vec<_> = self
                    .candidates
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            part.iter()
                                .filter_map(|(id, _)| self.result(cx, *id))
                                .flat_map(|r| r.invalid.iter().map(|(policy, _, _)| *policy))
                                .collect::<Vec<usize>>()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    // A panic goes on to the engine, which reports it as an internal error.
                    .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        })
    }

    /// Every verdict, in object order (for tests and oracles: see
    /// `admission_policy_violation::outcomes`).
    pub(crate) fn outcomes(&self, cx: In<'_, 'a>) -> Vec<Outcome> {
        let mut out = Vec::new();
        for (id, _) in &self.candidates {
            let Some(r) = self.result(cx, *id) else {
                continue;
            };
            for (bi, pods, verdict) in &r.verdicts {
                let b = &self.bindings[*bi];
                out.push(Outcome {
                    object: *id,
                    pods_of_template: *pods,
                    policy: self.policies[b.policy].name.to_owned(),
                    binding: b.view.as_ref().map(|v| v.object.name.to_owned()),
                    verdict: *verdict,
                });
            }
        }
        out
    }

    /// What the API server's type check refuses in the policies, found evaluating them (an
    /// expression of the wrong type), once per expression, on the policy: the policy's object
    /// and its notes. Evaluates every object not evaluated yet.
    pub(crate) fn type_errors(&self, cx: In<'_, 'a>) -> BTreeMap<ObjectId, Vec<Note>> {
        let mut seen: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
        let mut out: BTreeMap<ObjectId, Vec<Note>> = BTreeMap::new();
        for (id, _) in &self.candidates {
            let Some(r) = self.result(cx, *id) else {
                continue;
            };
            for (pi, range, message) in &r.invalid {
                if !seen.insert((*pi, range.start, range.end)) {
                    continue;
                }
                let obj = cx.0.get(*id);
                out.entry(self.policies[*pi].view.object.id)
                    .or_default()
                    .push(Note {
                        range: *range,
                        severity: Severity::Error,
                        message: format!(
                            "{message} (on {} `{}`): the API server's type check refuses the policy",
                            obj.kind, obj.name
                        ),
                        help: "make the expression's type the one the API server requires whatever the object: compare (`… == 1`) for a bool, convert with `string(…)` for a message".to_owned(),
                        related: vec![Place {
                            object: *id,
                            range: obj.kind_range(),
                            message: format!("{} `{}`", obj.kind, obj.name),
                        }],
                    });
            }
        }
        out
    }

    /// What is undecidable, once per policy or binding (`admission-policy-undecidable`):
    /// the object to report on and its notes. Evaluates every object not evaluated yet.
    pub(crate) fn undecidable(&self, cx: In<'_, 'a>) -> BTreeMap<ObjectId, Vec<Note>> {
        let policies = &self.policies;
        let bindings = &self.bindings;
        let mut user_dependent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut engine_gaps: BTreeMap<usize, String> = BTreeMap::new();
        let mut missing_namespaces: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        let mut missing_params: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (id, _) in &self.candidates {
            let Some(r) = self.result(cx, *id) else {
                continue;
            };
            for (bi, why) in &r.undecided {
                let policy = bindings[*bi].policy;
                match why {
                    Undecided::User => *user_dependent.entry(policy).or_default() += 1,
                    Undecided::Gap(reason) => {
                        engine_gaps.entry(policy).or_insert_with(|| reason.clone());
                    }
                    Undecided::Namespace(ns) => {
                        missing_namespaces
                            .entry(*bi)
                            .or_default()
                            .insert(ns.clone());
                    }
                    Undecided::Param(what) => {
                        missing_params.entry(*bi).or_default().insert(what.clone());
                    }
                }
            }
        }
        let mut notes: Vec<(ObjectId, Note)> = Vec::new();
        for (&pi, &count) in &user_dependent {
            let p = &policies[pi];
            let reads = p.user_dependent.unwrap_or_default();
            notes.push((
                p.view.object.id,
                Note {
                    range: p.view.object.kind_range(),
                    severity: Severity::Info,
                    message: format!(
                        "ValidatingAdmissionPolicy `{}` reads {reads}, which the input does not tell: {} it matches {} not judged",
                        p.name,
                        plural_objects(count),
                        if count == 1 { "is" } else { "are" },
                    ),
                    help: "check the policy against real requests (kubectl apply --dry-run=server) as the users who apply these objects".to_owned(),
                    related: Vec::new(),
                },
            ));
        }
        for (&pi, reason) in &engine_gaps {
            let p = &policies[pi];
            notes.push((
                p.view.object.id,
                Note {
                    range: p.view.object.kind_range(),
                    severity: Severity::Info,
                    message: format!(
                        "ValidatingAdmissionPolicy `{}` cannot be judged on every object it matches: {reason}",
                        p.name
                    ),
                    help: "check these objects with `kubectl apply --dry-run=server`, or write the field the policy reads".to_owned(),
                    related: Vec::new(),
                },
            ));
        }
        for (&bi, namespaces) in &missing_namespaces {
            let b = &bindings[bi];
            let (id, range) = b.anchor(policies);
            let list: Vec<String> = namespaces.iter().map(|n| format!("`{n}`")).collect();
            notes.push((
                id,
                Note {
                    range,
                    severity: Severity::Info,
                    message: format!(
                        "{} cannot be decided for objects in {} {}: the input does not declare the Namespace, so its labels (for the `namespaceSelector`) or `namespaceObject` are unknown",
                        binding_name(b, policies),
                        if namespaces.len() == 1 { "namespace" } else { "namespaces" },
                        list.join(", ")
                    ),
                    help: "add the Namespace objects, with their labels, to the input".to_owned(),
                    related: Vec::new(),
                },
            ));
        }
        for (&bi, params) in &missing_params {
            let b = &bindings[bi];
            let (id, range) = b.anchor(policies);
            let range = b
                .view
                .as_ref()
                .and_then(|v| v.param_ref)
                .map_or(range, |r| r.node.range());
            let list: Vec<&str> = params.iter().map(String::as_str).collect();
            let param_ref = b.view.as_ref().and_then(|v| v.param_ref);
            // What the cluster does when the param is missing there too.
            let fail = policies[b.policy].view.failure_policy == FailurePolicy::Fail;
            let on_cluster = match param_ref {
                // `Deny` hands a missing param to the policy's failurePolicy.
                Some(r) if r.not_found_deny && fail => {
                    "if it is missing from the cluster too, the API server refuses every object the binding matches (`parameterNotFoundAction: Deny`, `failurePolicy: Fail`)"
                }
                Some(r) if r.not_found_deny => {
                    "if it is missing from the cluster too, the API server lets the objects through (`parameterNotFoundAction: Deny` under `failurePolicy: Ignore`)"
                }
                Some(_) => {
                    "if it is missing from the cluster too, the API server skips the policy for them (`parameterNotFoundAction: Allow`)"
                }
                None => "the cluster's binding says which params apply",
            };
            let related = param_ref
                .and_then(|r| {
                    let action = r.node.get("parameterNotFoundAction")?;
                    Some(vec![Place {
                        object: id,
                        range: action.range(),
                        message: "what the API server does when the param is missing".to_owned(),
                    }])
                })
                .unwrap_or_default();
            notes.push((
                id,
                Note {
                    range,
                    severity: Severity::Info,
                    message: format!(
                        "{} cannot be decided: its params are not in the input ({}); {on_cluster}",
                        binding_name(b, policies),
                        list.join(", ")
                    ),
                    help: "add the param objects to the input (or check that the cluster has them)"
                        .to_owned(),
                    related,
                },
            ));
        }
        let mut out: BTreeMap<ObjectId, Vec<Note>> = BTreeMap::new();
        for (id, note) in notes {
            out.entry(id).or_default().push(note);
        }
        out
    }
}

fn plural_objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_owned()
    } else {
        format!("{n} objects")
    }
}

/// "ValidatingAdmissionPolicy `p` with binding `b`", or without a binding.
fn binding_name(b: &Binding<'_>, policies: &[Policy<'_>]) -> String {
    let p = policies[b.policy].name;
    match &b.view {
        Some(v) => format!(
            "ValidatingAdmissionPolicy `{p}` with binding `{}`",
            v.object.name
        ),
        None => format!("ValidatingAdmissionPolicy `{p}` (no binding in the input)"),
    }
}
