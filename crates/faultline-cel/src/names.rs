//! Which names an expression uses that the API server would not declare.
//!
//! The API server type-checks an expression against the variables it declares for it (a
//! ValidatingAdmissionPolicy's `object`, `params` only with a `paramKind`, a CRD rule's `self`
//! …) and the functions of its CEL environment; an undeclared name is a compile error
//! (`undeclared reference to 'objekt'`). The cel crate does no such check before evaluating,
//! so this walk does it: identifiers against the declared variables, the variables of the
//! comprehensions around them and the type names; calls against [`KUBERNETES_FUNCTIONS`].

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr, IdedEntryExpr};

/// The function names of the API server's CEL environment (k8s.io/apiserver
/// `pkg/cel/environment/base.go`, up to 1.34: the cel-go standard library, optional types,
/// the strings extension version 2, sets, two-variable comprehensions (1.32), lists version 3
/// (1.34), and the Kubernetes URL, regex, lists, authorizer, quantity, IP, CIDR, format and
/// semver libraries), member and global alike, namespaced ones with their namespace. It has
/// no math, encoders or bindings extension: `math.greatest`, `base64.encode` and `cel.bind`
/// do not compile there. A name here may still be missing from this crate's engine:
/// evaluating it then fails at run time, which callers report as undecidable, never as
/// invalid.
pub const KUBERNETES_FUNCTIONS: &[&str] = &[
    // cel-go standard library (conversions, size, strings, time accessors).
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "dyn",
    "type",
    "duration",
    "timestamp",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMilliseconds",
    "getMinutes",
    "getMonth",
    "getSeconds",
    // Macros, as calls when their arguments do not expand (the two-variable forms).
    "has",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "transformList",
    "transformMap",
    "transformMapEntry",
    "sortBy",
    // Optional values.
    "optional.of",
    "optional.ofNonZeroValue",
    "optional.none",
    "optional.unwrap",
    "hasValue",
    "value",
    "or",
    "orValue",
    "optMap",
    "optFlatMap",
    "unwrapOpt",
    // ext.Strings.
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "replace",
    "split",
    "substring",
    "trim",
    "join",
    "reverse",
    "format",
    "strings.quote",
    // ext.Lists.
    "slice",
    "flatten",
    "lists.range",
    "distinct",
    "sort",
    "first",
    "last",
    "@sortByAssociatedKeys",
    // ext.Sets.
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
    // Kubernetes lists and regex libraries.
    "isSorted",
    "sum",
    "min",
    "max",
    "find",
    "findAll",
    // Kubernetes URL library.
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    // Kubernetes quantity library.
    "quantity",
    "isQuantity",
    "sign",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "add",
    "sub",
    "isGreaterThan",
    "isLessThan",
    "compareTo",
    // Kubernetes IP and CIDR libraries.
    "ip",
    "isIP",
    "ip.isCanonical",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "prefixLength",
    "masked",
    // Kubernetes format library.
    "format.named",
    "validate",
    "format.dns1123Label",
    "format.dns1123Subdomain",
    "format.dns1035Label",
    "format.qualifiedName",
    "format.dns1123LabelPrefix",
    "format.dns1123SubdomainPrefix",
    "format.dns1035LabelPrefix",
    "format.labelValue",
    "format.uri",
    "format.uuid",
    "format.byte",
    "format.date",
    "format.datetime",
    // Kubernetes semver library.
    "semver",
    "isSemver",
    "major",
    "minor",
    "patch",
    // Kubernetes authorizer library.
    "path",
    "group",
    "serviceAccount",
    "resource",
    "subresource",
    "namespace",
    "name",
    "check",
    "allowed",
    "reason",
    "errored",
    "error",
    "fieldSelector",
    "labelSelector",
    // MutatingAdmissionPolicy's JSON patch library.
    "jsonpatch.escapeKey",
];

/// Identifiers that name types, usable as values (`type(x) == int`).
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional_type",
    "google",
];

/// An undeclared name: what it is and the id of the expression node that uses it.
pub(crate) struct Undeclared {
    pub(crate) name: String,
    pub(crate) id: u64,
    /// For a function, its name as written before the `(` (the last segment of a namespaced
    /// one): the parser places a call at its parenthesis.
    pub(crate) function: Option<String>,
}

/// The first undeclared identifier or function of `expr`, in reading order.
pub(crate) fn first_undeclared(expr: &IdedExpr, variables: &[&str]) -> Option<Undeclared> {
    let mut scope: Vec<&str> = Vec::new();
    walk(expr, variables, &mut scope)
}

fn is_bound(name: &str, variables: &[&str], scope: &[&str]) -> bool {
    variables.contains(&name) || scope.contains(&name) || TYPE_NAMES.contains(&name)
}

/// The two-variable comprehensions of Kubernetes 1.32 (`m.all(k, v, pred)`,
/// `l.transformList(i, v, expr)` …), which the cel crate's parser leaves as calls.
const TWO_VARIABLE_MACROS: &[&str] = &[
    "all",
    "exists",
    "existsOne",
    "transformList",
    "transformMap",
    "transformMapEntry",
];

/// The two variables a two-variable comprehension binds, when `c` is one.
pub(crate) fn two_variable(c: &cel::common::ast::CallExpr) -> Option<(&str, &str)> {
    if c.target.is_none()
        || c.args.len() < 3
        || !TWO_VARIABLE_MACROS.contains(&c.func_name.as_str())
    {
        return None;
    }
    match (&c.args[0].expr, &c.args[1].expr) {
        (Expr::Ident(first), Expr::Ident(second)) => Some((first, second)),
        _ => None,
    }
}

/// The first construct of `expr` this crate's engine cannot evaluate although the API server
/// can (a two-variable comprehension): its node id and function name.
pub(crate) fn first_unsupported(e: &IdedExpr) -> Option<(u64, &str)> {
    if let Expr::Call(c) = &e.expr
        && two_variable(c).is_some()
    {
        return Some((e.id, &c.func_name));
    }
    let mut found = None;
    crate::limits::for_each_child(e, &mut |child| {
        if found.is_none() {
            found = first_unsupported(child);
        }
    });
    found
}

/// Operators (`_+_`, `!_`, `@in`, `_[?_]` …) are calls too; they are the parser's own.
fn is_operator(function: &str) -> bool {
    function.starts_with(['_', '@', '!', '-'])
}

/// `ns.fn` when `target` is a name that is not a variable: `lists.range(3)` parses as a call of
/// `range` on `lists`.
fn qualified(
    target: &IdedExpr,
    function: &str,
    variables: &[&str],
    scope: &[&str],
) -> Option<String> {
    let mut segments = vec![function];
    let mut e = target;
    loop {
        match &e.expr {
            Expr::Ident(root) => {
                if is_bound(root, variables, scope) {
                    return None;
                }
                segments.push(root);
                break;
            }
            Expr::Select(s) if !s.test => {
                segments.push(&s.field);
                e = &s.operand;
            }
            _ => return None,
        }
    }
    segments.reverse();
    Some(segments.join("."))
}

fn walk<'e>(e: &'e IdedExpr, variables: &[&str], scope: &mut Vec<&'e str>) -> Option<Undeclared> {
    match &e.expr {
        Expr::Unspecified | Expr::Literal(_) => None,
        Expr::Ident(name) => (!is_bound(name, variables, scope)).then(|| Undeclared {
            name: name.clone(),
            id: e.id,
            function: None,
        }),
        Expr::Select(s) => walk(&s.operand, variables, scope),
        Expr::Call(c) if two_variable(c).is_some() => {
            let (first, second) = two_variable(c)?;
            if let Some(u) = c.target.as_deref().and_then(|t| walk(t, variables, scope)) {
                return Some(u);
            }
            let depth = scope.len();
            scope.push(first);
            scope.push(second);
            let found = c.args[2..].iter().find_map(|a| walk(a, variables, scope));
            scope.truncate(depth);
            found
        }
        Expr::Call(c) => {
            if !is_operator(&c.func_name) {
                let namespaced = c
                    .target
                    .as_deref()
                    .and_then(|t| qualified(t, &c.func_name, variables, scope));
                match namespaced {
                    Some(full) if KUBERNETES_FUNCTIONS.contains(&full.as_str()) => {
                        // The target is the function's namespace, not a value.
                        return c.args.iter().find_map(|a| walk(a, variables, scope));
                    }
                    Some(full) if !KUBERNETES_FUNCTIONS.contains(&c.func_name.as_str()) => {
                        return Some(Undeclared {
                            name: full,
                            id: e.id,
                            function: Some(c.func_name.clone()),
                        });
                    }
                    _ => {}
                }
                if !KUBERNETES_FUNCTIONS.contains(&c.func_name.as_str()) {
                    return Some(Undeclared {
                        name: c.func_name.clone(),
                        id: e.id,
                        function: Some(c.func_name.clone()),
                    });
                }
            }
            c.target
                .as_deref()
                .and_then(|t| walk(t, variables, scope))
                .or_else(|| c.args.iter().find_map(|a| walk(a, variables, scope)))
        }
        Expr::List(l) => l.elements.iter().find_map(|x| walk(x, variables, scope)),
        Expr::Map(m) => walk_entries(&m.entries, variables, scope),
        Expr::Struct(s) => walk_entries(&s.entries, variables, scope),
        Expr::Comprehension(c) => {
            if let Some(u) = walk(&c.iter_range, variables, scope)
                .or_else(|| walk(&c.accu_init, variables, scope))
            {
                return Some(u);
            }
            let depth = scope.len();
            scope.push(&c.iter_var);
            if let Some(v2) = &c.iter_var2 {
                scope.push(v2);
            }
            scope.push(&c.accu_var);
            let found = walk(&c.loop_cond, variables, scope)
                .or_else(|| walk(&c.loop_step, variables, scope))
                .or_else(|| walk(&c.result, variables, scope));
            scope.truncate(depth);
            found
        }
    }
}

fn walk_entries<'e>(
    entries: &'e [IdedEntryExpr],
    variables: &[&str],
    scope: &mut Vec<&'e str>,
) -> Option<Undeclared> {
    entries.iter().find_map(|entry| match &entry.expr {
        EntryExpr::MapEntry(me) => {
            walk(&me.key, variables, scope).or_else(|| walk(&me.value, variables, scope))
        }
        EntryExpr::StructField(f) => walk(&f.value, variables, scope),
    })
}
