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
//!   key") and that object is undecidable, not refused; `has()` of such a field reads false.
//! - A policy on `pods` also judges the pods a top-level workload's template makes (not from
//!   a cluster export, whose pods are in the input): see `Request::pods_of`.
//! - Variables are evaluated in order, each once; one that fails is left out of
//!   `variables`, so an expression that reads it fails with the variable's error and one that
//!   does not need it (short-circuit) does not, as with the API server's lazy variables.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use cel::common::types::{CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use faultline_cel::{EvalErrorKind, Program, Value, Vars, to_val};
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

use crate::sink::Sink;

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
    violations: Vec<Note>,
    /// Per binding (index) and request (the object, or the pods of its template), the
    /// verdict.
    verdicts: Vec<(usize, bool, Verdict)>,
    /// Per binding (index), what was not decided.
    undecided: Vec<(usize, Undecided)>,
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
    pub(crate) fn report(
        inventory: &Inventory<'_>,
        obj: &Object<'_>,
        notes: &[Note],
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

struct PolicyExprs {
    conditions: Vec<(String, Program)>,
    variables: Vec<(String, Program)>,
    /// Per validation: the expression (with its node), the message expression, the message.
    validations: Vec<ValidationExprs>,
    audits: Vec<Program>,
}

struct ValidationExprs {
    expression: Program,
    range: TextRange,
    message_expression: Option<Program>,
    message: Option<String>,
}

impl PolicyExprs {
    fn all(&self) -> impl Iterator<Item = &Program> {
        self.conditions
            .iter()
            .map(|(_, c)| c)
            .chain(self.variables.iter().map(|(_, c)| c))
            .chain(self.validations.iter().map(|v| &v.expression))
            .chain(self.audits.iter())
    }
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
            if inventory.copy_of(obj.id).is_some() {
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
        let has_params = view.param_kind.is_some();
        let mut compile = |run: &mut PolicyRun,
                           e: Option<Expression<'a>>,
                           at: NodeRef<'a>,
                           what: &str|
         -> Option<Program> {
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
            match Program::compile(e.value) {
                Ok(c) => {
                    if !has_params && reads(&c, &["params"]) {
                        run.invalid(
                            &obj,
                            e.node.range(),
                            format!("the {what} of ValidatingAdmissionPolicy `{name}` reads `params`, but the policy has no `paramKind`: the API server refuses it (undeclared reference to 'params')"),
                            "declare the kind of the params in `spec.paramKind`, or stop reading `params`",
                        );
                        refused = true;
                    }
                    Some(c)
                }
                Err(err) => {
                    run.invalid(
                        &obj,
                        e.node.range(),
                        format!("the {what} of ValidatingAdmissionPolicy `{name}` does not compile: {}; the API server refuses the policy", err.message),
                        "fix the CEL expression (the API server compiles every expression when the policy is created)",
                    );
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
        for c in &view.match_conditions {
            if let Some(p) = compile(self, c.expression, c.node, "match condition") {
                exprs
                    .conditions
                    .push((c.name.map(|n| n.value).unwrap_or_default().to_owned(), p));
            }
        }
        for v in &view.variables {
            if let Some(p) = compile(self, v.expression, v.node, "variable") {
                exprs
                    .variables
                    .push((v.name.map(|n| n.value).unwrap_or_default().to_owned(), p));
            }
        }
        for v in &view.validations {
            let expression = compile(self, v.expression, v.node, "validation");
            let message_expression = match v.message_expression {
                Some(m) => compile(self, Some(m), v.node, "messageExpression"),
                None => None,
            };
            if let Some(expression) = expression {
                exprs.validations.push(ValidationExprs {
                    expression,
                    range: v.expression.map_or(v.node.range(), |e| e.node.range()),
                    message_expression,
                    message: v
                        .message
                        .map(|m| m.value.trim().to_owned())
                        .filter(|m| !m.is_empty()),
                });
            }
        }
        for a in &view.audit_annotations {
            if let Some(p) = compile(self, a.value_expression, a.node, "auditAnnotation") {
                exprs.audits.push(p);
            }
        }
        let mut selector = |run: &mut PolicyRun, node: Option<NodeRef<'a>>| {
            let parsed = parse_label_selector(node?);
            for (range, problem) in &parsed.problems {
                run.invalid(
                    &obj,
                    *range,
                    format!("{problem}: the API server refuses ValidatingAdmissionPolicy `{name}`"),
                    "fix the label selector",
                );
                refused = true;
            }
            Some(parsed.selector)
        };
        let constraints = view.match_constraints.as_ref();
        let namespace_selector = selector(self, constraints.and_then(|m| m.namespace_selector));
        let object_selector = selector(self, constraints.and_then(|m| m.object_selector));
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
                .any(|c| reads(c, &["namespaceObject"]));
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
        let mut selector = |node: Option<NodeRef<'a>>| {
            let node = node?;
            let parsed = parse_label_selector(node);
            for (range, problem) in &parsed.problems {
                self.invalid(
                    &obj,
                    *range,
                    format!("{problem}: the API server refuses ValidatingAdmissionPolicyBinding `{name}`"),
                    "fix the label selector",
                );
                refused = true;
            }
            Some(parsed.selector)
        };
        let namespace_selector = selector(
            view.match_resources
                .as_ref()
                .and_then(|m| m.namespace_selector),
        );
        let object_selector = selector(
            view.match_resources
                .as_ref()
                .and_then(|m| m.object_selector),
        );
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

/// `(group, kind)` → the plural of the CRDs in the input.
fn crd_plurals<'a>(inventory: &Inventory<'a>) -> HashMap<(&'a str, &'a str), &'a str> {
    let mut out = HashMap::new();
    for crd in inventory.of_kind("CustomResourceDefinition") {
        let spec = crd.spec();
        let get = |path: &[&str]| spec.and_then(|s| s.path(path)).and_then(|n| n.as_str());
        if let (Some(group), Some(kind), Some(plural)) = (
            get(&["group"]),
            get(&["names", "kind"]),
            get(&["names", "plural"]),
        ) {
            out.insert((group, kind), plural);
        }
    }
    out
}

/// The request an object's CREATE makes (`plurals`: the resource names of the input's CRDs).
fn request<'a>(plurals: &HashMap<(&'a str, &'a str), &'a str>, obj: &Object<'a>) -> Request<'a> {
    let (group, version) = obj.group_version();
    let resource = plurals
        .get(&(group, obj.kind))
        .map_or_else(|| kinds::plural(obj.kind), |p| (*p).to_owned());
    let namespaced = match obj.scope {
        Scope::Namespaced => true,
        Scope::Cluster => false,
        Scope::Unknown => obj.namespace.is_some(),
    };
    Request {
        group,
        version,
        resource,
        namespaced,
        template: None,
    }
}

/// Whether a rule's list holds `value` or `*`.
fn listed(list: &[&str], value: &str) -> bool {
    list.iter().any(|v| *v == "*" || *v == value)
}

/// The request an object's CREATE makes: group, version, resource, namespaced.
struct Request<'a> {
    group: &'a str,
    version: &'a str,
    resource: String,
    namespaced: bool,
    /// The pods a workload's template makes (its controller creates them): the template
    /// node, whose `metadata` and `spec` are the pod's.
    template: Option<NodeRef<'a>>,
}

impl<'a> Request<'a> {
    /// The CREATE of a pod from `obj`'s pod template, when it has one and nothing above it
    /// in the input owns it (its pods are judged once, at the top) and it is not from a
    /// cluster export (whose pods are in the input themselves).
    fn pods_of(obj: &Object<'a>) -> Option<Request<'a>> {
        if obj.kind == "PodTemplate" {
            // A template for others to copy: nothing creates pods from it.
            return None;
        }
        let template = kinds::pod_template_path(obj.kind).and_then(|p| obj.node.path(p))?;
        let owned = obj
            .node
            .path(&["metadata", "ownerReferences"])
            .is_some_and(|refs| {
                refs.items()
                    .any(|r| r.get("controller").and_then(|c| c.as_bool()) == Some(true))
            });
        if owned || faultline_graph::from_a_cluster(obj) || !template.is_map() {
            return None;
        }
        Some(Request {
            group: "",
            version: "v1",
            resource: "pods".to_owned(),
            namespaced: true,
            template: Some(template),
        })
    }

    /// The kind the request creates.
    fn kind(&self, obj: &Object<'a>) -> &'a str {
        if self.template.is_some() {
            "Pod"
        } else {
            obj.kind
        }
    }

    /// The name the request creates: a pod's is generated, so unknown.
    fn name(&self, obj: &Object<'a>) -> &'a str {
        if self.template.is_some() {
            ""
        } else {
            obj.name
        }
    }

    /// The labels the created object has.
    fn labels(&self, obj: &Object<'a>) -> LabelRefs<'a> {
        match self.template {
            Some(t) => {
                faultline_model::object::string_map(t.path(&["metadata", "labels"])).collect()
            }
            None => obj.labels().collect(),
        }
    }

    /// Where expressions on `object` are located: the object, or the template.
    fn root(&self, obj: &Object<'a>) -> NodeRef<'a> {
        self.template.unwrap_or(obj.node)
    }

    /// The `object` variable.
    fn object(&self, obj: &Object<'a>) -> Box<dyn Val + 'a> {
        let Some(template) = self.template else {
            return to_val(obj.node);
        };
        let mut meta: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = HashMap::new();
        for (k, v) in template
            .get("metadata")
            .into_iter()
            .flat_map(|m| m.entries())
        {
            if let Some(k) = k.scalar_text() {
                meta.insert(CelMapKey::from(k), to_val(v));
            }
        }
        if let Some(ns) = obj.namespace {
            meta.insert(CelMapKey::from("namespace"), Box::new(CelString::from(ns)));
        }
        let mut pod: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = HashMap::new();
        pod.insert(
            CelMapKey::from("apiVersion"),
            Box::new(CelString::from("v1")),
        );
        pod.insert(CelMapKey::from("kind"), Box::new(CelString::from("Pod")));
        pod.insert(CelMapKey::from("metadata"), Box::new(CelMap::from(meta)));
        if let Some(spec) = template.get("spec") {
            pod.insert(CelMapKey::from("spec"), to_val(spec));
        }
        Box::new(CelMap::from(pod))
    }
}

fn rule_matches(r: &ResourceRule<'_>, req: &Request<'_>, name: &str, exact: bool) -> bool {
    let operations_ok = r
        .operations
        .as_ref()
        .is_none_or(|ops| ops.is_empty() || listed(ops, "CREATE"));
    let resource_ok = r
        .resources
        .iter()
        .any(|res| *res == "*" || *res == "*/*" || *res == req.resource);
    let scope_ok = match r.scope {
        Some("Cluster") => !req.namespaced,
        Some("Namespaced") => req.namespaced,
        _ => true,
    };
    operations_ok
        && resource_ok
        && scope_ok
        && listed(&r.api_groups, req.group)
        && (!exact || listed(&r.api_versions, req.version))
        && (r.resource_names.is_empty() || r.resource_names.contains(&name))
}

/// Whether `m`'s resource rules match (no `resourceRules`: `constrain` says whether that
/// matches nothing, as for a policy, or does not narrow, as for a binding).
fn resources_match(m: &MatchResources<'_>, req: &Request<'_>, name: &str, constrain: bool) -> bool {
    let included = if m.resource_rules.is_empty() {
        !constrain
    } else {
        m.resource_rules
            .iter()
            .any(|r| rule_matches(r, req, name, m.exact))
    };
    included
        && !m
            .exclude_resource_rules
            .iter()
            .any(|r| rule_matches(r, req, name, m.exact))
}

/// A namespace selector's answer.
enum Selected {
    Yes,
    No,
    /// The namespace is not in the input, so its labels are unknown.
    Unknown,
}

/// The evaluation of every binding on one object.
struct Evaluation<'c, 'a> {
    inventory: &'c Inventory<'a>,
    policies: &'c [Policy<'a>],
    out: ObjectResult,
}

/// What a violation asks to change.
#[derive(Clone, Debug)]
enum Fix {
    /// Make this expression hold.
    Hold(String),
    /// This expression fails on the object (under `failurePolicy: Fail`).
    Error(String),
    /// The binding cannot be configured (its params).
    Configure,
}

/// What one evaluation found.
enum Found {
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
    fn namespace_object(&self, ns: &str) -> Option<&'c Object<'a>> {
        self.inventory.find("Namespace", None, ns)
    }

    fn namespace_selected(
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

    fn undecided(&mut self, bi: usize, pods: bool, why: Undecided) {
        self.out.undecided.push((bi, why));
        self.out.verdicts.push((bi, pods, Verdict::Undecidable));
    }

    /// Matches binding `bi` against `obj` and evaluates it there.
    fn object(&mut self, bi: usize, b: &Binding<'a>, obj: &Object<'a>, req: &Request<'a>) {
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

    fn params(&self, b: &Binding<'a>, ns: Option<&str>) -> Params {
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
    fn violation(
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

enum Params {
    Found(Vec<Option<ObjectId>>),
    Missing(String),
    Error(String),
}

impl<'a> PolicyRun<'a> {
    /// What the policies decide about `obj`, evaluated on first request; `None` when no
    /// binding's resource rules match it.
    fn result(&self, inventory: &Inventory<'a>, obj: ObjectId) -> Option<&ObjectResult> {
        let (id, cell) = &self.candidates[*self.slot.get(&obj)?];
        Some(cell.get_or_init(|| {
            let obj = inventory.get(*id);
            let req = request(&self.plurals, obj);
            let mut eval = Evaluation {
                inventory,
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

    /// `obj`'s violations (`admission-policy-violation`).
    pub(crate) fn violations(&self, inventory: &Inventory<'a>, obj: ObjectId) -> &[Note] {
        self.result(inventory, obj)
            .map_or(&[], |r| r.violations.as_slice())
    }

    /// Every verdict, in object order (for tests and oracles).
    pub fn outcomes(&self, inventory: &Inventory<'a>) -> Vec<Outcome> {
        let mut out = Vec::new();
        for (id, _) in &self.candidates {
            let Some(r) = self.result(inventory, *id) else {
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

    /// What is undecidable, once per policy or binding (`admission-policy-undecidable`):
    /// the object to report on and its notes. Evaluates every object not evaluated yet.
    pub(crate) fn undecidable(&self, inventory: &Inventory<'a>) -> BTreeMap<ObjectId, Vec<Note>> {
        let policies = &self.policies;
        let bindings = &self.bindings;
        let mut user_dependent: BTreeMap<usize, usize> = BTreeMap::new();
        let mut engine_gaps: BTreeMap<usize, String> = BTreeMap::new();
        let mut missing_namespaces: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        let mut missing_params: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (id, _) in &self.candidates {
            let Some(r) = self.result(inventory, *id) else {
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
            notes.push((
                id,
                Note {
                    range,
                    severity: Severity::Info,
                    message: format!(
                        "{} cannot be decided: its params are not in the input ({})",
                        binding_name(b, policies),
                        list.join(", ")
                    ),
                    help: "add the param objects to the input; on the cluster, a missing param allows or denies the request by `parameterNotFoundAction`".to_owned(),
                    related: Vec::new(),
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

/// The `request` variable of a CREATE of `obj`.
fn request_value<'a>(obj: &Object<'a>, req: &Request<'a>) -> Value {
    let s = |v: &str| Value::String(v.to_owned().into());
    let map = |entries: Vec<(&str, Value)>| {
        Value::from(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<HashMap<String, Value>>(),
        )
    };
    let kind = map(vec![
        ("group", s(req.group)),
        ("version", s(req.version)),
        ("kind", s(req.kind(obj))),
    ]);
    let resource = map(vec![
        ("group", s(req.group)),
        ("version", s(req.version)),
        ("resource", s(&req.resource)),
    ]);
    let mut entries = vec![
        ("kind", kind.clone()),
        ("resource", resource.clone()),
        ("requestKind", kind),
        ("requestResource", resource),
        ("name", s(req.name(obj))),
        ("operation", s("CREATE")),
        ("dryRun", Value::Bool(false)),
        (
            "options",
            map(vec![
                ("apiVersion", s("meta.k8s.io/v1")),
                ("kind", s("CreateOptions")),
            ]),
        ),
    ];
    if req.namespaced {
        entries.push(("namespace", s(obj.namespace.unwrap_or("default"))));
    }
    map(entries)
}

/// Why an evaluation error leaves the object undecided rather than denied, when it does: a
/// function or method the engine does not have, or a field the object does not write (the
/// API server fills in defaults before admission, which a manifest does not show).
fn gap(message: &str, secret: bool) -> Option<String> {
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

fn type_name(v: &Value) -> String {
    v.type_of().to_string()
}

/// Where in the object an expression's reads land ([`faultline_cel::locate`]): the deepest
/// written node among the fields of `object` it reads; `None` for the object as a whole.
fn locate(c: &Program, root: NodeRef<'_>) -> Option<TextRange> {
    faultline_cel::locate(c, "object", root)
        .map(|n| n.range())
        .filter(|r| *r != root.range())
}

/// Evaluates `policy` on `obj` with one param (or none): its match conditions, variables and
/// validations. `None` when a match condition is false: the policy does not apply.
fn evaluate<'a>(
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
