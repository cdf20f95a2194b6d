//! The API server's limits: hostile expressions are refused or stopped, never hang or crash.

use faultline_cel::{
    EvalErrorKind, MAX_EXPRESSION_CODE_POINTS, PER_CALL_LIMIT, Program, Value, Vars, to_val,
};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

fn eval(expr: &str) -> Result<Value, (EvalErrorKind, String)> {
    let program = Program::compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    program.eval(&Vars::new()).map_err(|e| (e.kind, e.message))
}

fn kind(expr: &str) -> Option<EvalErrorKind> {
    eval(expr).err().map(|(kind, _)| kind)
}

#[test]
fn ordinary_expressions_are_within_budget_and_unchanged() {
    assert_eq!(eval("[1, 2, 3].all(x, x > 0)"), Ok(Value::Bool(true)));
    assert_eq!(eval("[1, 2, 3].exists(x, x > 2)"), Ok(Value::Bool(true)));
    assert_eq!(
        eval("[1, 2, 3].exists_one(x, x > 2)"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval("[1, 2, 3].map(x, x * 2) == [2, 4, 6]"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval("[1, 2, 3].filter(x, x > 1) == [2, 3]"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]"),
        Ok(Value::Bool(true))
    );
    assert_eq!(eval("'a' + 'b' + 'c' == 'abc'"), Ok(Value::Bool(true)));
    assert_eq!(
        eval("'a-b-c'.replace('-', '+') == 'a+b+c' && 'aaa'.replace('a', 'b', 2) == 'bba'"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval("[1, 2, 1, 3].distinct() == [1, 2, 3]"),
        Ok(Value::Bool(true))
    );
    assert_eq!(eval("lists.range(3) == [0, 1, 2]"), Ok(Value::Bool(true)));
    // An error inside `all` is still the runtime error it was.
    assert_eq!(kind("[0].all(x, 1 / x > 0)"), Some(EvalErrorKind::Runtime));
    assert_eq!(kind("{}.a"), Some(EvalErrorKind::Runtime));
}

#[test]
fn the_cost_spent_is_reported_and_grows_with_the_input() {
    let program = Program::compile("object.items.all(x, x > 0)").unwrap();
    let cost = |n: usize| {
        let yaml = format!(
            "items: [{}]\n",
            (1..=n)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let parsed = parse_yaml(&Arc::from(yaml.as_str()));
        let root = parsed.documents[0].root().unwrap();
        let mut vars = Vars::new();
        vars.bind("object", to_val(root));
        let (value, spent) = program.eval_with_budget(&vars, PER_CALL_LIMIT).unwrap();
        assert_eq!(value, Value::Bool(true));
        spent
    };
    let (ten, hundred) = (cost(10), cost(100));
    assert!(ten > 10 && hundred > 10 * (ten - 10), "{ten} {hundred}");

    // A smaller budget stops the same evaluation.
    let parsed = parse_yaml(&Arc::from("items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"));
    let mut vars = Vars::new();
    vars.bind("object", to_val(parsed.documents[0].root().unwrap()));
    let err = program.eval_with_budget(&vars, 5).unwrap_err();
    assert_eq!(err.kind, EvalErrorKind::CostExceeded);
    assert!(
        err.message.contains("cost limit exceeded"),
        "{}",
        err.message
    );
}

#[test]
fn nested_comprehensions_over_large_lists_exceed_the_budget() {
    assert_eq!(
        kind("lists.range(1000).all(i, lists.range(1000).all(j, lists.range(1000).all(k, true)))"),
        Some(EvalErrorKind::CostExceeded)
    );
    let hundred = format!(
        "[{}]",
        (0..100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let nested = format!(
        "{hundred}.exists(a, {hundred}.exists(b, {hundred}.exists(c, {hundred}.exists(d, a + b + c + d < 0))))"
    );
    assert_eq!(kind(&nested), Some(EvalErrorKind::CostExceeded));
    // `map` and `filter` (run in place by the cel crate) are charged per iteration too, and
    // so is a filter whose guard is always false.
    assert_eq!(
        kind(
            "lists.range(1000).map(i, lists.range(1000).map(j, lists.range(1000).map(k, k))).size() > 0"
        ),
        Some(EvalErrorKind::CostExceeded)
    );
    assert_eq!(
        kind(
            "lists.range(1000).filter(i, lists.range(1000).filter(j, lists.range(1000).filter(k, false).size() > 0).size() > 0).size() > 0"
        ),
        Some(EvalErrorKind::CostExceeded)
    );
    // An error absorbed by `||` does not hide the exhausted budget.
    assert_eq!(
        kind(
            "lists.range(1000).all(i, lists.range(1000).all(j, lists.range(1000).all(k, true))) || true"
        ),
        Some(EvalErrorKind::CostExceeded)
    );
}

#[test]
fn growing_strings_and_lists_exceed_the_budget() {
    // Each `map` doubles the string: 2^40 bytes if nothing stopped it.
    let doubling = format!("['ab']{}.size() > 0", ".map(s, s + s)".repeat(40));
    assert_eq!(kind(&doubling), Some(EvalErrorKind::CostExceeded));
    // `replace('', s)` inserts `s` between every character: charged before it is built.
    let s = "x".repeat(2000);
    let replace = format!("'{s}'.replace('', '{s}').replace('', '{s}').size() > 0");
    assert_eq!(kind(&replace), Some(EvalErrorKind::CostExceeded));
    let flat = "[lists.range(100000), lists.range(100000)].flatten().flatten().size() > 0";
    assert_eq!(eval(flat).map_err(|e| e.0), Ok(Value::Bool(true)));
    assert_eq!(
        kind("lists.range(100000).map(i, lists.range(100000)).flatten().size() > 0"),
        Some(EvalErrorKind::CostExceeded)
    );
    // `distinct` is quadratic.
    assert_eq!(
        kind("lists.range(100000).distinct().size() > 0"),
        Some(EvalErrorKind::CostExceeded)
    );
    // A large input scanned on every iteration.
    let long = "y".repeat(50_000);
    assert_eq!(
        kind(&format!(
            "lists.range(1000).all(i, !'{long}'.contains('z'))"
        )),
        Some(EvalErrorKind::CostExceeded)
    );
}

#[test]
fn too_long_or_too_deep_expressions_are_refused_when_compiled() {
    let long = format!("'{}' == ''", "a".repeat(MAX_EXPRESSION_CODE_POINTS));
    let err = Program::compile(&long).unwrap_err();
    assert!(err.message.contains("exceeds limit"), "{}", err.message);

    // Chains and nestings that would overflow the stack of the cel crate's recursive parser
    // and interpreter: refused, not a crash.
    for deep in [
        format!("1{}", " + 1".repeat(3_000)),
        format!("a{}", ".b".repeat(3_000)),
        format!("{}1{}", "(".repeat(500), ")".repeat(500)),
        format!("{}1{}", "[".repeat(500), "]".repeat(500)),
        format!("{}true{}", "[1].all(x, ".repeat(300), ")".repeat(300)),
    ] {
        let err = Program::compile(&deep).unwrap_err();
        assert!(!err.message.is_empty());
    }
}

#[test]
fn deep_but_allowed_expressions_evaluate_on_a_small_stack() {
    // The deepest chains the limits let through, evaluated on a 256 KiB thread: the
    // evaluation grows its stack as it needs.
    let programs: Vec<Program> = [
        format!("1{} == 201", " + 1".repeat(200)),
        format!("{}true{}", "[1].all(x, ".repeat(60), ")".repeat(60)),
    ]
    .iter()
    .map(|src| Program::compile(src).unwrap_or_else(|e| panic!("{}: {e}", &src[..20])))
    .collect();
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            for p in &programs {
                assert_eq!(p.eval(&Vars::new()), Ok(Value::Bool(true)));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
