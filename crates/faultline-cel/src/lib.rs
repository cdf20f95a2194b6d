//! CEL as the Kubernetes API server evaluates it, offline.
//!
//! The language itself is the `cel` crate (cel-rust); this crate adds what Kubernetes policies
//! need on top of it: one shared environment with the Kubernetes CEL libraries, YAML trees of
//! the input as CEL values that borrow the source text, compile errors with their place in the
//! expression, and evaluation that is bounded (see [`Program::eval`]).
//!
//! Architecture invariant: this crate knows CEL and YAML trees, not rules or findings. The
//! rules crate decides what an expression's result means.

mod library;
mod limits;
mod locate;
mod names;
mod value;

pub use limits::{
    MATCH_CONDITIONS_COST_BUDGET, MAX_EXPRESSION_CODE_POINTS, MAX_EXPRESSION_DEPTH,
    MAX_MESSAGE_EXPRESSION_BYTES, PER_CALL_LIMIT, RUNTIME_COST_BUDGET, STATIC_ESTIMATED_COST_LIMIT,
};

use std::sync::{Arc, OnceLock};

pub use cel::Value;
use cel::common::value::Val;
pub use faultline_syntax::tree::NodeRef;
pub use names::KUBERNETES_FUNCTIONS;
pub use value::{to_val, to_val_eager, to_val_in_namespace};

/// Where a finding about `program` should point in the tree bound to `var`: the deepest node
/// written among the field paths the expression reads under `var` ([`Program::paths`]).
/// `object.spec.replicas` gives the `replicas` value node when it is written, else the deepest
/// written ancestor along that path (`spec`, or `root` itself); an `all()` over a list gives the
/// list (see [`locate_with`] to go into the element that fails). `None` when the expression
/// reads no field of `var`.
pub fn locate<'t>(program: &Program, var: &str, root: NodeRef<'t>) -> Option<NodeRef<'t>> {
    locate::deepest(&program.paths(var), root).map(|(node, _)| node)
}

/// [`locate`], and through an `all()` over one of the paths into the first element its
/// predicate is false for, evaluated with `vars` (the variables the expression was evaluated
/// with, `root` bound to `var` among them): `object.spec.containers.all(c,
/// c.image.startsWith('reg/'))` gives the failing container's `image`, nested `all()`s
/// included. A predicate that errors for an element does not blame it. Bounded like an
/// evaluation: past [`PER_CALL_LIMIT`], the location found so far.
pub fn locate_with<'t: 'v, 'v>(
    program: &Program,
    vars: &Vars<'v>,
    var: &str,
    root: NodeRef<'t>,
) -> Option<NodeRef<'t>> {
    let refiner = locate::Refiner {
        instrumented: &program.instrumented,
    };
    let red_zone = (program.depth + 4) * EVAL_STACK_PER_LEVEL;
    let (found, _, _) = limits::with_budget(0, PER_CALL_LIMIT, || {
        stacker::maybe_grow(red_zone, red_zone * 2, || {
            refiner.locate(program.expression(), var, root, &vars.context)
        })
    });
    found.map(|(node, _)| node)
}

/// The environment every expression is compiled and evaluated in: the CEL standard library
/// with optional values, the strings and lists extensions and the Kubernetes libraries.
pub fn env() -> &'static Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // All register into a fresh environment; a failure is a bug in this crate.
        // The guarded overloads come first: an overload is picked in the order of addition.
        limits::register(&mut env).expect("cost functions register once");
        cel::extensions::strings(&mut env).expect("strings extension registers once");
        cel::extensions::lists(&mut env).expect("lists extension registers once");
        library::register(&mut env).expect("Kubernetes libraries register once");
        Arc::new(env)
    })
}

/// A compile error: what is wrong and where in the expression (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    /// Byte range in the expression's text, when the parser names one.
    pub span: Option<(u32, u32)>,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A compiled expression.
#[derive(Debug)]
pub struct Program {
    source: Box<str>,
    program: cel::Program,
    /// The expression with the cost-charging calls woven in (see `limits`): what runs.
    instrumented: cel::IdedExpr,
    /// The cost of the nodes evaluated once.
    base_cost: u64,
    /// The depth of the instrumented tree, for the stack an evaluation needs.
    depth: usize,
}

/// The stack the cel crate's parser may need: it recurses once per level of a chain such as
/// `a + a + …`, and an expression may be 100,000 code points long. Only touched pages are
/// ever committed.
const PARSE_STACK: usize = 256 << 20;

/// Stack an evaluation needs per level of its tree, measured (with margin) on the cel
/// crate's interpreter: comprehensions are the deepest frames.
const EVAL_STACK_PER_LEVEL: usize = if cfg!(debug_assertions) {
    64 << 10
} else {
    16 << 10
};

impl Program {
    /// Compiles `source`. An expression longer than [`MAX_EXPRESSION_CODE_POINTS`] or deeper
    /// than [`MAX_EXPRESSION_DEPTH`] is refused, as cel-go refuses it.
    pub fn compile(source: &str) -> Result<Program, CompileError> {
        let code_points = source.chars().count();
        if code_points > MAX_EXPRESSION_CODE_POINTS {
            return Err(CompileError {
                message: format!(
                    "expression code point size exceeds limit: size: {code_points}, limit {MAX_EXPRESSION_CODE_POINTS}"
                ),
                span: None,
            });
        }
        // Everything that walks the parsed tree recursively, dropping it included, runs on
        // the large stack.
        stacker::grow(PARSE_STACK, || Self::compile_on_large_stack(source))
    }

    /// [`Program::compile`], then [`Program::check_declared`] with `variables`: what the API
    /// server's compiler accepts for an expression that declares those variables.
    pub fn compile_declared(source: &str, variables: &[&str]) -> Result<Program, CompileError> {
        let program = Self::compile(source)?;
        program.check_declared(variables)?;
        Ok(program)
    }

    fn compile_on_large_stack(source: &str) -> Result<Program, CompileError> {
        let program = match env().compile(source) {
            Ok(program) => program,
            Err(errors) => {
                let first = errors.errors.first();
                let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
                let span = first.and_then(|e| {
                    e.source_info
                        .as_ref()
                        .and_then(|info| info.offset_for(e.expr_id))
                });
                return Err(CompileError { message, span });
            }
        };
        let parsed_depth = limits::depth(program.expression());
        if parsed_depth > MAX_EXPRESSION_DEPTH {
            return Err(CompileError {
                message: format!(
                    "expression nests {parsed_depth} levels deep, over the limit of {MAX_EXPRESSION_DEPTH}"
                ),
                span: None,
            });
        }
        let limits::Instrumented { expr, base_cost } = limits::instrument(program.expression());
        let depth = limits::depth(&expr);
        Ok(Program {
            source: source.into(),
            program,
            instrumented: expr,
            base_cost,
            depth,
        })
    }

    /// Checks the names the expression uses as the API server's type check does: every
    /// identifier is one of `variables`, a comprehension's variable or a type name, and every
    /// function is one the Kubernetes CEL environment declares ([`KUBERNETES_FUNCTIONS`]).
    /// The first that is not is a compile error, `undeclared reference to 'objekt'`, with its
    /// place in the expression.
    pub fn check_declared(&self, variables: &[&str]) -> Result<(), CompileError> {
        match names::first_undeclared(self.program.expression(), variables) {
            None => Ok(()),
            Some(u) => {
                let span = match &u.function {
                    Some(f) => self.call_span(u.id, &[u.name.as_str(), f]),
                    None => self.span(u.id),
                };
                Err(CompileError {
                    message: format!("undeclared reference to '{}'", u.name),
                    span,
                })
            }
        }
    }

    /// What the expression uses that this crate's engine cannot evaluate although the API
    /// server can, with its place in the expression: today a two-variable comprehension
    /// (`m.all(k, v, …)`, `transformMap`, Kubernetes 1.32). Evaluating such an expression
    /// fails; callers report it as undecidable (or, for their own rules, refuse it).
    pub fn unsupported(&self) -> Option<CompileError> {
        let (id, function) = names::first_unsupported(self.program.expression())?;
        Some(CompileError {
            message: "faultline's CEL engine cannot evaluate two-variable comprehensions (`all(k, v, …)`, `transformList`, `transformMap` …)".to_owned(),
            span: self.call_span(id, &[function]),
        })
    }

    /// The byte range of node `id` in the expression (the parser's offsets end at the last
    /// byte; spans end after it).
    fn span(&self, id: u64) -> Option<(u32, u32)> {
        self.program
            .source_info()
            .offset_for(id)
            .map(|(start, last)| (start, last + 1))
    }

    /// The span of call `id`: the parser places a call at its `(`, so the first of `names`
    /// written right before it (a namespaced function, `math.greatest`, is spanned whole),
    /// else the node's own.
    fn call_span(&self, id: u64, names: &[&str]) -> Option<(u32, u32)> {
        let (start, _) = self.program.source_info().offset_for(id)?;
        let before = self.source.get(..start as usize).unwrap_or("").trim_end();
        match names.iter().find(|n| !n.is_empty() && before.ends_with(*n)) {
            Some(n) => Some(((before.len() - n.len()) as u32, before.len() as u32)),
            None => self.span(id),
        }
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression names the variable `name` anywhere (outside string literals):
    /// `oldSelf` in a CRD transition rule, `request` or `namespaceObject` that need binding.
    /// A comprehension's own variable of that name counts too.
    pub fn reads_variable(&self, name: &str) -> bool {
        self.program.references().has_variable(name)
    }

    /// The parsed expression (macros expanded), for analyses over its tree.
    pub fn expression(&self) -> &cel::IdedExpr {
        self.program.expression()
    }

    /// The field paths the expression reads under the variable `var`, each the longest chain
    /// of selections written (`object.spec.replicas`, `has(object.a.b)`, `object.?a.?b`,
    /// `object['a']`, `object.items[0]`: a literal key or index counts, a computed one ends the
    /// chain), in the order they first appear, without duplicates. A comprehension ends the
    /// chain at its range: `object.spec.containers.all(c, …)` reads `[spec, containers]`.
    pub fn paths(&self, var: &str) -> Vec<Vec<String>> {
        locate::paths(self.program.expression(), var)
    }

    /// Evaluates the expression with `vars` bound, within the API server's per-expression
    /// limit ([`PER_CALL_LIMIT`]); over it, the error is of kind
    /// [`EvalErrorKind::CostExceeded`].
    pub fn eval(&self, vars: &Vars<'_>) -> Result<Value, EvalError> {
        self.eval_with_budget(vars, PER_CALL_LIMIT)
            .map(|(value, _)| value)
    }

    /// Evaluates the expression with `vars` bound and at most `budget` to spend; returns the
    /// value and the cost spent, so that several expressions can share one budget (the API
    /// server gives all the validations of one binding [`RUNTIME_COST_BUDGET`] together,
    /// and each at most [`PER_CALL_LIMIT`]).
    pub fn eval_with_budget(
        &self,
        vars: &Vars<'_>,
        budget: u64,
    ) -> Result<(Value, u64), EvalError> {
        let red_zone = (self.depth + 4) * EVAL_STACK_PER_LEVEL;
        let (result, spent, exceeded) = limits::with_budget(self.base_cost, budget, || {
            stacker::maybe_grow(red_zone, red_zone * 2, || {
                Value::resolve_val(&self.instrumented, &vars.context)
                    .and_then(|v| value::to_value(&*v))
            })
        });
        if exceeded {
            return Err(EvalError {
                message: format!("{}: cost over {budget}", limits::COST_EXCEEDED),
                kind: EvalErrorKind::CostExceeded,
            });
        }
        result.map(|value| (value, spent)).map_err(|e| EvalError {
            message: e.to_string(),
            kind: EvalErrorKind::Runtime,
        })
    }
}

/// An evaluation error, as the API server would report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
    /// A runtime error, or the cost budget exhausted: the API server treats the two apart.
    pub kind: EvalErrorKind,
}

/// What kind of [`EvalError`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvalErrorKind {
    /// The expression failed: no such key, no matching overload, division by zero, …
    /// A ValidatingAdmissionPolicy applies its `failurePolicy`.
    Runtime,
    /// The evaluation went over its cost budget and was stopped: the API server refuses the
    /// request ("operation cancelled: actual cost limit exceeded") whatever the
    /// `failurePolicy`.
    CostExceeded,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The variables an expression is evaluated with (`object`, `params`, `request`, …).
pub struct Vars<'v> {
    context: cel::Context<'v, 'v>,
}

impl std::fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vars")
    }
}

impl Default for Vars<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'v> Vars<'v> {
    pub fn new() -> Self {
        Self {
            context: cel::Context::with_env(Arc::clone(env())),
        }
    }

    /// Binds `name` to a value.
    pub fn bind(&mut self, name: &str, value: Box<dyn Val + 'v>) {
        self.context.add_variable_as_val(name, value);
    }

    /// Binds `name` to an owned [`Value`].
    pub fn bind_value(&mut self, name: &str, value: Value) {
        self.context.add_variable_from_value(name, value);
    }
}
