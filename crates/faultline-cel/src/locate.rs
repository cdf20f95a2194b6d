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
            let inner = shadowed
                || c.iter_var == var
                || c.iter_var2.as_deref() == Some(var)
                || c.accu_var == var;
            visit(&c.loop_cond, var, inner, out);
            visit(&c.loop_step, var, inner, out);
            visit(&c.result, var, inner, out);
        }
    }
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

/// The deepest written node among `paths` under `root`: the one reached by the most
/// segments, the first written on a tie. `None` when there are no paths.
pub(crate) fn locate_in<'t>(paths: &[Vec<String>], root: NodeRef<'t>) -> Option<NodeRef<'t>> {
    let mut best: Option<(NodeRef<'t>, usize)> = None;
    for path in paths {
        let (node, depth) = walk(root, path);
        if best.is_none_or(|(_, d)| depth > d) {
            best = Some((node, depth));
        }
    }
    best.map(|(n, _)| n)
}
