//! The API server's limits on CEL, in spirit: how long an expression may be, how deeply it
//! may nest, and a cost budget that bounds every evaluation.
//!
//! The API server runs cel-go with a runtime cost tracker: every evaluated node, comprehension
//! iteration and library call adds to a counter, and evaluation stops with "operation
//! cancelled: actual cost limit exceeded" once the counter passes the limit. The cel crate has
//! no such tracker, so a compiled expression is *instrumented* instead: calls to functions an
//! expression cannot write (their names start with `@`) are woven into its tree, and they
//! charge a per-evaluation budget kept in a thread-local:
//!
//! - `@faultline_tick(x, n)` around every comprehension's loop condition (or, for `map` and
//!   `filter`, around the appended element): each iteration costs `n`, the size of its body;
//! - `@faultline_size(x)` around every call that may build a large value (`+`, `join`,
//!   `lists.range`, `split`, …) and around the non-literal arguments of calls whose work grows
//!   with their input (`matches`, `contains`, `find`, `join`, …): `⌈size / 10⌉`, the API
//!   server's charge of 0.1 per byte or element;
//! - `replace` and `distinct` are replaced by versions that charge before they build their
//!   result (`'a'.replace('', s)` grows by `len(s)` per character; `distinct` is quadratic).
//!
//! Nothing can loop without passing a tick, and no value can grow without being charged, so
//! an evaluation ends within a bounded amount of work whatever the expression.
//!
//! What is charged is not cel-go's exact cost: the numbers are of the same order, so an
//! expression that the API server refuses for its cost is refused here too, within a small
//! factor.

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, LiteralValue, operators};
use cel::common::types::{self, CelBool, CelBytes, CelInt, CelList, CelString, Kind};
use cel::common::value::{CowVal, Val};
use cel::{ExecutionError, IdedExpr};
use std::cell::Cell;

/// The longest expression, in code points: cel-go's parser default
/// (`ExpressionSizeCodePointLimit`), which the API server keeps.
pub const MAX_EXPRESSION_CODE_POINTS: usize = 100_000;

/// The deepest expression tree, in nodes from the root: cel-go's parser default
/// (`MaxRecursionDepth`, 250). Deeper trees are refused when compiled; an evaluation needs
/// stack in proportion to the depth.
pub const MAX_EXPRESSION_DEPTH: usize = 250;

/// The cost one evaluation may spend: the API server's `PerCallLimit`
/// (k8s.io/apiserver/pkg/apis/cel/config.go), "roughly 0.1 second".
pub const PER_CALL_LIMIT: u64 = 1_000_000;

/// The cost all the expressions of one ValidatingAdmissionPolicyBinding or one custom resource
/// may spend together: the API server's `RuntimeCELCostBudget`, "roughly 1 second".
pub const RUNTIME_COST_BUDGET: u64 = 10_000_000;

/// The cost the `matchConditions` of one binding may spend together:
/// `RuntimeCELCostBudgetMatchConditions`.
pub const MATCH_CONDITIONS_COST_BUDGET: u64 = 2_500_000;

/// The largest string a `messageExpression` may evaluate to, in bytes:
/// `MaxEvaluatedMessageExpressionSizeBytes`.
pub const MAX_MESSAGE_EXPRESSION_BYTES: usize = 5 * 1024;

/// The largest estimated cost of one CRD validation rule the API server accepts:
/// `StaticEstimatedCostLimit` (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation).
/// The API server estimates it from the schema's `maxItems`/`maxLength`; offline, the actual
/// cost of each evaluation is what is bounded ([`PER_CALL_LIMIT`]).
pub const STATIC_ESTIMATED_COST_LIMIT: u64 = 10_000_000;

#[derive(Clone, Copy)]
struct Budget {
    spent: u64,
    limit: u64,
    exceeded: bool,
}

const UNLIMITED: Budget = Budget {
    spent: 0,
    limit: u64::MAX,
    exceeded: false,
};

thread_local! {
    static BUDGET: Cell<Budget> = const { Cell::new(UNLIMITED) };
}

/// Runs `f` with a budget of `limit`, `spent` of it already spent; returns what `f` returned,
/// the cost spent in all and whether it went over the limit.
pub(crate) fn with_budget<R>(spent: u64, limit: u64, f: impl FnOnce() -> R) -> (R, u64, bool) {
    let outer = BUDGET.replace(Budget {
        spent,
        limit,
        exceeded: spent > limit,
    });
    let result = f();
    let budget = BUDGET.replace(outer);
    (result, budget.spent, budget.exceeded)
}

/// The error a charge over the budget returns.
pub(crate) const COST_EXCEEDED: &str = "operation cancelled: actual cost limit exceeded";

fn charge(cost: u64) -> Result<(), ExecutionError> {
    let mut budget = BUDGET.get();
    budget.spent = budget.spent.saturating_add(cost);
    if budget.spent > budget.limit {
        budget.exceeded = true;
    }
    BUDGET.set(budget);
    if budget.exceeded {
        Err(ExecutionError::function_error("cost", COST_EXCEEDED))
    } else {
        Ok(())
    }
}

/// The size a value is charged by: bytes of a string or bytes, elements of a list or map.
fn size_of(v: &dyn Val) -> u64 {
    if let Some(s) = v.downcast_ref::<CelString>() {
        s.inner().len() as u64
    } else if let Some(b) = v.downcast_ref::<CelBytes>() {
        b.inner().len() as u64
    } else if let Some(sizer) = v.as_sizer() {
        (*sizer.size().inner()).max(0) as u64
    } else {
        0
    }
}

/// `⌈size / 10⌉`: the API server charges 0.1 per byte of a string and per element traversed.
fn size_cost(size: u64) -> u64 {
    size.div_ceil(10)
}

const TICK: &str = "@faultline_tick";
const SIZE: &str = "@faultline_size";
const EQUALS: &str = "@faultline_equals";
const NOT_EQUALS: &str = "@faultline_not_equals";
const IN: &str = "@faultline_in";

/// `a == b` whichever side is a YAML map or list (the cel crate's own containers only
/// compare equal to their own kind).
fn equals<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = &args[..] else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    Ok(CowVal::owned(CelBool::from(crate::value::equals(
        &**a, &**b,
    ))))
}

fn not_equals<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = &args[..] else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    Ok(CowVal::owned(CelBool::from(!crate::value::equals(
        &**a, &**b,
    ))))
}

/// `x in c` with the same equality.
fn contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [x, c] = &args[..] else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let found = if c.get_type().kind() == Kind::List
        && let Some(iterable) = c.as_iterable()
    {
        let mut items = iterable.iter();
        let mut found = false;
        while let Some(item) = items.next() {
            if crate::value::equals(item, &**x) {
                found = true;
                break;
            }
        }
        found
    } else {
        c.as_container()
            .ok_or_else(|| {
                ExecutionError::no_such_overload(
                    "@in",
                    vec![
                        x.get_type().name().to_owned(),
                        c.get_type().name().to_owned(),
                    ],
                )
            })?
            .contains(&**x)?
    };
    Ok(CowVal::owned(CelBool::from(found)))
}

fn tick<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let cost = args
        .get(1)
        .and_then(|c| c.downcast_ref::<CelInt>())
        .map_or(1, |c| (*c.inner()).max(1) as u64);
    charge(cost)?;
    args.truncate(1);
    args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)
}

fn size<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = args.pop().ok_or(ExecutionError::MissingArgumentOrTarget)?;
    charge(size_cost(size_of(&*value)))?;
    Ok(value)
}

fn string_arg<'a>(function: &str, v: &'a CowVal<'_, '_>) -> Result<&'a str, ExecutionError> {
    v.downcast_ref::<CelString>()
        .map(|s| s.inner())
        .ok_or_else(|| {
            ExecutionError::no_such_member_overload(function, vec![v.get_type().name().to_owned()])
        })
}

/// `s.replace(from, to)` and `s.replace(from, to, n)`, charging the size of the result before
/// building it.
fn replace<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = string_arg("replace", &args[0])?;
    let from = string_arg("replace", &args[1])?;
    let to = string_arg("replace", &args[2])?;
    let n = match args.get(3) {
        Some(n) => n
            .downcast_ref::<CelInt>()
            .map(|n| usize::try_from(*n.inner()).ok())
            .ok_or_else(|| {
                ExecutionError::no_such_member_overload("replace", vec!["int".to_owned()])
            })?,
        None => None,
    };
    let found = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    };
    let count = n.map_or(found, |n| n.min(found));
    let bound = (s.len() as u64).saturating_add((count as u64).saturating_mul(to.len() as u64));
    charge(size_cost(bound))?;
    let out = match n {
        Some(n) => s.replacen(from, to, n),
        None => s.replace(from, to),
    };
    Ok(CowVal::owned(CelString::from(out)))
}

/// `list.distinct()`, charging its comparisons (it is quadratic) as it goes.
fn distinct<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = &args[0];
    let iterable = list.as_iterable().ok_or_else(|| {
        ExecutionError::no_such_member_overload("distinct", vec![list.get_type().name().to_owned()])
    })?;
    let mut items = iterable.iter();
    let mut unique: Vec<&dyn Val> = Vec::new();
    while let Some(item) = items.next() {
        charge(1 + size_cost(unique.len() as u64))?;
        if !unique.iter().any(|seen| item.equals(*seen)) {
            unique.push(item);
        }
    }
    let out: Vec<Box<dyn Val + 'v>> = unique.into_iter().map(|v| v.clone_as_boxed()).collect();
    Ok(CowVal::owned(CelList::from(out)))
}

/// Registers the charging functions, and the guarded overloads that must come before the
/// extensions' own (an overload is picked in the order they were added).
pub(crate) fn register(env: &mut cel::Env) -> Result<(), cel::DeclarationError> {
    use types::{DYN_TYPE, INT_TYPE, STRING_TYPE};
    env.add_overload(TICK, "faultline_tick", vec![DYN_TYPE, INT_TYPE], tick)?;
    env.add_overload(SIZE, "faultline_size", vec![DYN_TYPE], size)?;
    env.add_overload(EQUALS, "faultline_equals", vec![DYN_TYPE, DYN_TYPE], equals)?;
    env.add_overload(
        NOT_EQUALS,
        "faultline_not_equals",
        vec![DYN_TYPE, DYN_TYPE],
        not_equals,
    )?;
    env.add_overload(IN, "faultline_in", vec![DYN_TYPE, DYN_TYPE], contains)?;
    env.add_member_overload(
        "replace",
        "faultline_replace",
        STRING_TYPE,
        vec![STRING_TYPE, DYN_TYPE],
        replace,
    )?;
    env.add_member_overload(
        "replace",
        "faultline_replace_n",
        STRING_TYPE,
        vec![STRING_TYPE, DYN_TYPE, INT_TYPE],
        replace,
    )?;
    env.add_member_overload("distinct", "faultline_distinct", DYN_TYPE, vec![], distinct)?;
    Ok(())
}

/// Functions whose result is a scalar or a value that already exists (an operand, an element):
/// their results are not charged by size.
const SMALL_RESULT: &[&str] = &[
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::LESS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::GREATER_EQUALS,
    operators::LOGICAL_AND,
    operators::LOGICAL_OR,
    operators::LOGICAL_NOT,
    operators::CONDITIONAL,
    operators::IN,
    operators::NOT_STRICTLY_FALSE,
    operators::INDEX,
    operators::OPT_INDEX,
    operators::OPT_SELECT,
    operators::NEGATE,
    operators::SUBSTRACT,
    operators::MULTIPLY,
    operators::DIVIDE,
    operators::MODULO,
    "size",
    "int",
    "uint",
    "double",
    "bool",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "hasValue",
    "value",
    "orValue",
    "or",
    "optional.of",
    "optional.none",
    "optional.ofNonZeroValue",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "substring",
    "find",
    "isSorted",
    "sum",
    "min",
    "max",
    "quantity",
    "isQuantity",
    "sign",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "compareTo",
    "isLessThan",
    "isGreaterThan",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "ip",
    "isIP",
    "cidr",
    "isCIDR",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "isCanonical",
    "containsIP",
    "containsCIDR",
    "prefixLength",
    "masked",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    TICK,
    SIZE,
    EQUALS,
    NOT_EQUALS,
    IN,
    crate::library::MATCHES,
];

/// Functions whose work grows with the size of their input: their non-literal operands are
/// charged by size before the call.
const SIZED_INPUT: &[&str] = &[
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "indexOf",
    "lastIndexOf",
    "charAt",
    "substring",
    "find",
    "findAll",
    "split",
    "join",
    "lowerAscii",
    "upperAscii",
    "trim",
    "reverse",
    "sort",
    "@sortByAssociatedKeys",
    "flatten",
    "format",
    "isSorted",
    "sum",
    "min",
    "max",
    "string",
    "bytes",
    "quantity",
    "isQuantity",
    "url",
    "isURL",
    "ip",
    "isIP",
    "cidr",
    "isCIDR",
];

/// The namespaces of qualified functions (`sets.contains`): a call's target that is one of
/// these names is left alone.
const FUNCTION_NAMESPACES: &[&str] = &[
    "lists", "sets", "ip", "strings", "math", "base64", "optional",
];

/// What instrumenting an expression gives.
pub(crate) struct Instrumented {
    pub expr: IdedExpr,
    /// The cost of the nodes evaluated once, charged when the evaluation starts.
    pub base_cost: u64,
}

/// The expression with the charging calls woven in.
pub(crate) fn instrument(expr: &IdedExpr) -> Instrumented {
    let mut next_id = max_id(expr) + 1;
    let base_cost = static_cost(expr);
    let expr = rewrite(expr.clone(), &mut next_id);
    Instrumented { expr, base_cost }
}

fn max_id(e: &IdedExpr) -> u64 {
    let mut max = e.id;
    children(e, &mut |c| max = max.max(max_id(c)));
    max
}

/// Whether the budget of the evaluation under way is spent.
pub(crate) fn budget_exceeded() -> bool {
    BUDGET.get().exceeded
}

/// Calls `f` on each direct child of `e`.
pub(crate) fn for_each_child<'e>(e: &'e IdedExpr, f: &mut dyn FnMut(&'e IdedExpr)) {
    children(e, f);
}

/// Calls `f` on each direct child of `e`.
fn children<'e>(e: &'e IdedExpr, f: &mut dyn FnMut(&'e IdedExpr)) {
    match &e.expr {
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
        Expr::Select(s) => f(&s.operand),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                f(t);
            }
            c.args.iter().for_each(f);
        }
        Expr::List(l) => l.elements.iter().for_each(f),
        Expr::Map(m) => entries(&m.entries, f),
        Expr::Struct(s) => entries(&s.entries, f),
        Expr::Comprehension(c) => {
            f(&c.iter_range);
            f(&c.accu_init);
            f(&c.loop_cond);
            f(&c.loop_step);
            f(&c.result);
        }
    }
}

fn entries<'e>(entries: &'e [cel::common::ast::IdedEntryExpr], f: &mut dyn FnMut(&'e IdedExpr)) {
    for entry in entries {
        match &entry.expr {
            EntryExpr::MapEntry(me) => {
                f(&me.key);
                f(&me.value);
            }
            EntryExpr::StructField(sf) => f(&sf.value),
        }
    }
}

/// The depth of the tree: 1 for a leaf.
pub(crate) fn depth(e: &IdedExpr) -> usize {
    let mut deepest = 0;
    children(e, &mut |c| deepest = deepest.max(depth(c)));
    deepest + 1
}

/// The cost of evaluating `e` once, without the iterations of its comprehensions (each
/// iteration is charged by its tick): one per node, and a tenth per byte of a string literal.
fn static_cost(e: &IdedExpr) -> u64 {
    let own = match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => 1 + size_cost(s.inner().len() as u64),
        Expr::Literal(LiteralValue::Bytes(b)) => 1 + size_cost(b.inner().len() as u64),
        _ => 1,
    };
    match &e.expr {
        Expr::Comprehension(c) => {
            own + static_cost(&c.iter_range) + static_cost(&c.accu_init) + static_cost(&c.result)
        }
        _ => {
            let mut sum = own;
            children(e, &mut |c| sum = sum.saturating_add(static_cost(c)));
            sum
        }
    }
}

fn call(id: u64, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    IdedExpr {
        id,
        expr: Expr::Call(CallExpr {
            func_name: name.to_owned(),
            target: None,
            args,
        }),
    }
}

fn wrap_size(e: IdedExpr, next_id: &mut u64) -> IdedExpr {
    if matches!(e.expr, Expr::Literal(_)) {
        return e;
    }
    *next_id += 1;
    call(*next_id, SIZE, vec![e])
}

fn wrap_tick(e: IdedExpr, cost: u64, next_id: &mut u64) -> IdedExpr {
    *next_id += 2;
    let cost = IdedExpr {
        id: *next_id - 1,
        expr: Expr::Literal(LiteralValue::Int(CelInt::from(
            i64::try_from(cost).unwrap_or(i64::MAX),
        ))),
    };
    call(*next_id, TICK, vec![e, cost])
}

fn is_accumulator(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Ident(name) if name.starts_with('@') || name == "__result__")
}

fn rewrite(e: IdedExpr, next_id: &mut u64) -> IdedExpr {
    let id = e.id;
    match e.expr {
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => e,
        Expr::Select(mut s) => {
            let operand = std::mem::take(&mut *s.operand);
            *s.operand = rewrite(operand, next_id);
            IdedExpr {
                id,
                expr: Expr::Select(s),
            }
        }
        Expr::Call(c) => rewrite_call(id, c, next_id),
        Expr::List(mut l) => {
            l.elements = l
                .elements
                .into_iter()
                .map(|x| rewrite(x, next_id))
                .collect();
            IdedExpr {
                id,
                expr: Expr::List(l),
            }
        }
        Expr::Map(mut m) => {
            rewrite_entries(&mut m.entries, next_id);
            IdedExpr {
                id,
                expr: Expr::Map(m),
            }
        }
        Expr::Struct(mut s) => {
            rewrite_entries(&mut s.entries, next_id);
            IdedExpr {
                id,
                expr: Expr::Struct(s),
            }
        }
        Expr::Comprehension(c) => IdedExpr {
            id,
            expr: Expr::Comprehension(Box::new(rewrite_comprehension(*c, next_id))),
        },
    }
}

fn rewrite_entries(entries: &mut [cel::common::ast::IdedEntryExpr], next_id: &mut u64) {
    for entry in entries {
        match &mut entry.expr {
            EntryExpr::MapEntry(me) => {
                me.key = rewrite(std::mem::take(&mut me.key), next_id);
                me.value = rewrite(std::mem::take(&mut me.value), next_id);
            }
            EntryExpr::StructField(sf) => {
                sf.value = rewrite(std::mem::take(&mut sf.value), next_id);
            }
        }
    }
}

fn rewrite_call(id: u64, mut c: CallExpr, next_id: &mut u64) -> IdedExpr {
    let sized_input = SIZED_INPUT.contains(&c.func_name.as_str());
    if let Some(target) = c.target.take() {
        let target = rewrite(*target, next_id);
        // `lists.range(…)`, `sets.contains(…)`: the target names the function's namespace,
        // it is not a value (wrapped, it would be looked up as a variable).
        let names_function = matches!(&target.expr, Expr::Ident(name)
            if FUNCTION_NAMESPACES.contains(&name.as_str()));
        c.target = Some(Box::new(if sized_input && !names_function {
            wrap_size(target, next_id)
        } else {
            target
        }));
    }
    c.args = c
        .args
        .into_iter()
        .map(|a| {
            let a = rewrite(a, next_id);
            if sized_input {
                wrap_size(a, next_id)
            } else {
                a
            }
        })
        .collect();
    // Equality and `in` where a YAML map or list may stand on the right: through the
    // functions that compare any containers (a literal scalar on either side needs none).
    let scalar_literal = |e: &IdedExpr| matches!(e.expr, Expr::Literal(_));
    let symmetric = match c.func_name.as_str() {
        operators::EQUALS if !c.args.iter().any(scalar_literal) => Some(EQUALS),
        operators::NOT_EQUALS if !c.args.iter().any(scalar_literal) => Some(NOT_EQUALS),
        operators::IN if !c.args.first().is_some_and(scalar_literal) => Some(IN),
        _ => None,
    };
    if let Some(name) = symmetric
        && c.target.is_none()
        && c.args.len() == 2
    {
        return call(id, name, c.args);
    }
    // `matches` with its pattern compiled once per thread instead of on every call.
    if c.func_name == "matches" && c.args.len() + usize::from(c.target.is_some()) == 2 {
        let mut operands: Vec<IdedExpr> = c.target.take().map(|t| *t).into_iter().collect();
        operands.append(&mut c.args);
        return call(id, crate::library::MATCHES, operands);
    }
    // The accumulator of `map`/`filter` grows by one element per iteration, already charged.
    let appends = c.func_name == operators::ADD && c.args.first().is_some_and(is_accumulator);
    let small = SMALL_RESULT.contains(&c.func_name.as_str());
    let call = IdedExpr {
        id,
        expr: Expr::Call(c),
    };
    if small || appends {
        call
    } else {
        wrap_size(call, next_id)
    }
}

/// Where a `map`/`filter` step that the cel crate runs in place (`@result + [x]`, or
/// `cond ? @result + [x] : @result`) is evaluated on every iteration: the guard `cond`, else
/// the appended element `x`. `None` when `step` is not such a step.
fn in_place_tick_site(step: &mut IdedExpr) -> Option<&mut IdedExpr> {
    let guarded = matches!(&step.expr, Expr::Call(call)
        if call.func_name == operators::CONDITIONAL
            && matches!(&call.args[..], [_, then, otherwise]
                if is_accumulator(otherwise) && is_append(then)));
    let appends = is_append(step);
    let Expr::Call(call) = &mut step.expr else {
        return None;
    };
    if guarded {
        call.args.first_mut()
    } else if appends {
        match &mut call.args[1].expr {
            Expr::List(l) => l.elements.first_mut(),
            _ => None,
        }
    } else {
        None
    }
}

/// Whether `step` is `@result + [x]`.
fn is_append(step: &IdedExpr) -> bool {
    matches!(&step.expr, Expr::Call(call)
        if call.func_name == operators::ADD
            && call.target.is_none()
            && call.args.len() == 2
            && is_accumulator(&call.args[0])
            && matches!(&call.args[1].expr, Expr::List(l) if !l.elements.is_empty()))
}

fn rewrite_comprehension(mut c: ComprehensionExpr, next_id: &mut u64) -> ComprehensionExpr {
    let per_iteration = static_cost(&c.loop_cond) + static_cost(&c.loop_step);
    c.iter_range = rewrite(std::mem::take(&mut c.iter_range), next_id);
    c.accu_init = rewrite(std::mem::take(&mut c.accu_init), next_id);
    c.loop_cond = rewrite(std::mem::take(&mut c.loop_cond), next_id);
    c.loop_step = rewrite(std::mem::take(&mut c.loop_step), next_id);
    c.result = rewrite(std::mem::take(&mut c.result), next_id);
    // The cel crate runs `map` and `filter` in place only while the loop condition is a
    // literal: tick in the appended element there, in the condition elsewhere.
    if matches!(c.loop_cond.expr, Expr::Literal(_))
        && let Some(site) = in_place_tick_site(&mut c.loop_step)
    {
        *site = wrap_tick(std::mem::take(site), per_iteration, next_id);
        return c;
    }
    c.loop_cond = wrap_tick(std::mem::take(&mut c.loop_cond), per_iteration, next_id);
    c
}
