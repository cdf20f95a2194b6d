//! Which fields an expression reads under a variable, and where the deepest of them is written.
//!
//! A path is a chain of field selections rooted at the variable: `object.spec.replicas`,
//! `has(object.spec.replicas)`, `object.?spec.?replicas`, `object['spec']` and
//! `object.spec.containers[0]` (a literal key or index) all give `[spec, replicas]` or
//! `[spec, containers, 0]`. A chain stops where a key is computed, at a function call or at a
//! comprehension: `object.spec.containers.all(c, c.image != '')` reads `[spec, containers]`.
//! Inside a comprehension whose variable has the same name as `var`, `var` is that variable.

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr, LiteralValue, operators};
use faultline_syntax::tree::{NodeKind, NodeRef};

/// The field paths the expression reads under `var`, each the longest selection chain written,
/// in the order they first appear, without duplicates.
pub(crate) fn paths(expr: &IdedExpr, var: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    visit(expr, var, false, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

fn visit(e: &IdedExpr, var: &str, shadowed: bool, out: &mut Vec<Vec<String>>) {
    if !shadowed && let Some(path) = chain(e, var) {
        if !path.is_empty() {
            out.push(path);
        }
        return;
    }
    match &e.expr {
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
        Expr::Select(s) => visit(&s.operand, var, shadowed, out),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                visit(t, var, shadowed, out);
            }
            for a in &c.args {
                visit(a, var, shadowed, out);
            }
        }
        Expr::List(l) => {
            for a in &l.elements {
                visit(a, var, shadowed, out);
            }
        }
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    visit(&me.key, var, shadowed, out);
                    visit(&me.value, var, shadowed, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::MapEntry(me) => {
                        visit(&me.key, var, shadowed, out);
                        visit(&me.value, var, shadowed, out);
                    }
                    EntryExpr::StructField(f) => visit(&f.value, var, shadowed, out),
                }
            }
        }
        Expr::Comprehension(c) => {
            visit(&c.iter_range, var, shadowed, out);
            visit(&c.accu_init, var, shadowed, out);
            let inner = shadowed || binds(c, var);
            visit(&c.loop_cond, var, inner, out);
            visit(&c.loop_step, var, inner, out);
            visit(&c.result, var, inner, out);
        }
    }
}

/// Whether the comprehension `c` binds a variable named `var` (which then hides `var` inside
/// its loop and result).
fn binds(c: &cel::common::ast::ComprehensionExpr, var: &str) -> bool {
    c.iter_var == var || c.iter_var2.as_deref() == Some(var) || c.accu_var == var
}

/// The selection chain `e` is, if it is one rooted at `var` (the empty path for `var` itself).
fn chain(e: &IdedExpr, var: &str) -> Option<Vec<String>> {
    match &e.expr {
        Expr::Ident(name) if name == var => Some(Vec::new()),
        Expr::Select(s) => {
            let mut path = chain(&s.operand, var)?;
            path.push(s.field.clone());
            Some(path)
        }
        Expr::Call(c)
            if c.target.is_none()
                && c.args.len() == 2
                && matches!(
                    c.func_name.as_str(),
                    operators::INDEX | operators::OPT_INDEX | operators::OPT_SELECT
                ) =>
        {
            let key = match &c.args[1].expr {
                Expr::Literal(LiteralValue::String(s)) => s.inner().to_string(),
                Expr::Literal(LiteralValue::Int(i)) => i.inner().to_string(),
                Expr::Literal(LiteralValue::UInt(u)) => u.inner().to_string(),
                _ => return None,
            };
            let mut path = chain(&c.args[0], var)?;
            path.push(key);
            Some(path)
        }
        _ => None,
    }
}

/// Follows `path` from `root` as far as it is written: the deepest node reached and how many
/// segments it took.
fn walk<'t>(root: NodeRef<'t>, path: &[String]) -> (NodeRef<'t>, usize) {
    let mut node = root;
    for (depth, seg) in path.iter().enumerate() {
        let next = match node.kind() {
            NodeKind::Map => node.get(seg),
            NodeKind::Seq => seg.parse::<usize>().ok().and_then(|i| node.items().nth(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return (node, depth),
        }
    }
    (node, path.len())
}

/// The deepest written node among `paths`, with its depth in segments.
pub(crate) fn deepest<'t>(
    paths: &[Vec<String>],
    root: NodeRef<'t>,
) -> Option<(NodeRef<'t>, usize)> {
    let mut best: Option<(NodeRef<'t>, usize)> = None;
    for path in paths {
        let (node, depth) = walk(root, path);
        if best.is_none_or(|(_, d)| depth > d) {
            best = Some((node, depth));
        }
    }
    best
}

/// What refining a location through `all()` needs: the instrumented tree (what evaluates,
/// bounded).
pub(crate) struct Refiner<'a> {
    pub instrumented: &'a IdedExpr,
}

/// The comprehension with `id` in `e`.
fn find_comprehension(e: &IdedExpr, id: u64) -> Option<&cel::common::ast::ComprehensionExpr> {
    if let Expr::Comprehension(c) = &e.expr
        && e.id == id
    {
        return Some(c);
    }
    let mut found = None;
    crate::limits::for_each_child(e, &mut |c| {
        if found.is_none() {
            found = find_comprehension(c, id);
        }
    });
    found
}

/// The predicate of an `all()`: its loop step is `@result && predicate`.
fn all_predicate(c: &cel::common::ast::ComprehensionExpr) -> Option<&IdedExpr> {
    match &c.loop_step.expr {
        Expr::Call(call)
            if call.func_name == operators::LOGICAL_AND
                && call.target.is_none()
                && call.args.len() == 2
                && matches!(&call.args[0].expr, Expr::Ident(n) if *n == c.accu_var) =>
        {
            Some(&call.args[1])
        }
        _ => None,
    }
}

/// The `all()` comprehensions of `e` whose range is a selection chain rooted at `var`, with
/// that chain.
fn all_comprehensions<'e>(
    e: &'e IdedExpr,
    var: &str,
    shadowed: bool,
    out: &mut Vec<(&'e IdedExpr, Vec<String>)>,
) {
    if let Expr::Comprehension(c) = &e.expr {
        if !shadowed
            && all_predicate(c).is_some()
            && let Some(path) = chain(&c.iter_range, var)
        {
            out.push((e, path));
        }
        all_comprehensions(&c.iter_range, var, shadowed, out);
        all_comprehensions(&c.accu_init, var, shadowed, out);
        let inner = shadowed || binds(c, var);
        all_comprehensions(&c.loop_cond, var, inner, out);
        all_comprehensions(&c.loop_step, var, inner, out);
        all_comprehensions(&c.result, var, inner, out);
        return;
    }
    crate::limits::for_each_child(e, &mut |c| all_comprehensions(c, var, shadowed, out));
}

impl Refiner<'_> {
    /// The deepest node under `root` that `expr` (original tree) reads through `var`: along
    /// its selection paths, and into the first element an `all()` over one of them fails on.
    pub(crate) fn locate<'t: 'v, 'v>(
        &self,
        expr: &IdedExpr,
        var: &str,
        root: NodeRef<'t>,
        context: &cel::Context<'_, 'v>,
    ) -> Option<(NodeRef<'t>, usize)> {
        let mut best = deepest(&paths(expr, var), root);
        let mut comprehensions = Vec::new();
        all_comprehensions(expr, var, false, &mut comprehensions);
        for (comprehension, path) in comprehensions {
            let (list, depth) = walk(root, &path);
            if depth < path.len() || list.kind() != NodeKind::Seq {
                continue;
            }
            let Expr::Comprehension(c) = &comprehension.expr else {
                continue;
            };
            let (Some(predicate), Some(instrumented)) = (
                all_predicate(c),
                find_comprehension(self.instrumented, comprehension.id).and_then(all_predicate),
            ) else {
                continue;
            };
            for item in list.items() {
                if crate::limits::budget_exceeded() {
                    return best;
                }
                let mut scope = context.new_inner_scope();
                scope.add_variable_as_val(&c.iter_var, crate::value::to_val(item));
                // Only a predicate that is false fails the element: an error may come from a
                // variable the caller did not bind.
                let fails = matches!(
                    cel::Value::resolve_val(instrumented, &scope).map(|v| v
                        .downcast_ref::<cel::common::types::CelBool>()
                        .map(|b| *b.inner())),
                    Ok(Some(false))
                );
                if fails {
                    let inner = self
                        .locate(predicate, &c.iter_var, item, &scope)
                        .map_or((item, 0), |found| found);
                    let found = (inner.0, path.len() + 1 + inner.1);
                    if best.is_none_or(|(_, d)| found.1 > d) {
                        best = Some(found);
                    }
                    break;
                }
            }
        }
        best
    }
}
