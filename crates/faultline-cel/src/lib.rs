//! CEL as the Kubernetes API server evaluates it, offline.
//!
//! The language itself is the `cel` crate (cel-rust); this crate adds what Kubernetes policies
//! need on top of it: one shared environment with the Kubernetes CEL libraries, YAML trees of
//! the input as CEL values that borrow the source text, compile errors with their place in the
//! expression, and evaluation that is bounded (see [`Program::eval`]).
//!
//! Architecture invariant: this crate knows CEL and YAML trees, not rules or findings. The
//! rules crate decides what an expression's result means.

mod locate;
mod value;

use std::sync::{Arc, OnceLock};

pub use cel::Value;
use cel::common::value::Val;
pub use faultline_syntax::tree::NodeRef;
pub use value::to_val;

/// Where a finding about `program` should point in the tree bound to `var`: the deepest node
/// written among the field paths the expression reads under `var` ([`Program::paths`]).
/// `object.spec.replicas` gives the `replicas` value node when it is written, else the deepest
/// written ancestor along that path (`spec`, or `root` itself). `None` when the expression
/// reads no field of `var`.
pub fn locate<'t>(program: &Program, var: &str, root: NodeRef<'t>) -> Option<NodeRef<'t>> {
    locate::locate_in(&program.paths(var), root)
}

/// The environment every expression is compiled and evaluated in: the CEL standard library
/// with optional values, the strings and lists extensions and the Kubernetes libraries.
pub fn env() -> &'static Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // Both register into a fresh environment; a failure is a bug in this crate.
        cel::extensions::strings(&mut env).expect("strings extension registers once");
        cel::extensions::lists(&mut env).expect("lists extension registers once");
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
}

impl Program {
    /// Compiles `source`.
    pub fn compile(source: &str) -> Result<Program, CompileError> {
        match env().compile(source) {
            Ok(program) => Ok(Program {
                source: source.into(),
                program,
            }),
            Err(errors) => {
                let first = errors.errors.first();
                let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
                let span = first.and_then(|e| {
                    e.source_info
                        .as_ref()
                        .and_then(|info| info.offset_for(e.expr_id))
                });
                Err(CompileError { message, span })
            }
        }
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
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

    /// Evaluates the expression with `vars` bound.
    pub fn eval(&self, vars: &Vars<'_>) -> Result<Value, EvalError> {
        Value::resolve(self.program.expression(), &vars.context).map_err(|e| EvalError {
            message: e.to_string(),
        })
    }
}

/// An evaluation error, as the API server would report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
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
