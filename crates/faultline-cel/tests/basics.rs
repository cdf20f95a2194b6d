use faultline_cel::{Program, Value, Vars, to_val};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

fn eval_on(yaml: &str, expr: &str) -> Result<Value, String> {
    let parsed = parse_yaml(&Arc::from(yaml));
    let root = parsed.documents[0].root().expect("a document");
    let program = Program::compile(expr).map_err(|e| e.message)?;
    let mut vars = Vars::new();
    vars.bind("object", to_val(root));
    program.eval(&vars).map_err(|e| e.message)
}

#[test]
fn yaml_scalars_resolve_as_kubernetes_decodes_them() {
    let y = "a: 3\nb: '3'\nc: yes\nd: 1.5\ne: null\nf: [1, x]\n";
    assert_eq!(eval_on(y, "object.a + 1"), Ok(Value::Int(4)));
    assert_eq!(
        eval_on(y, "object.b + 'x'"),
        Ok(Value::String("3x".to_string().into()))
    );
    assert_eq!(eval_on(y, "object.c"), Ok(Value::Bool(true)));
    assert_eq!(eval_on(y, "object.d * 2.0"), Ok(Value::Float(3.0)));
    assert_eq!(eval_on(y, "object.e == null"), Ok(Value::Bool(true)));
    assert_eq!(eval_on(y, "size(object.f)"), Ok(Value::Int(2)));
    assert_eq!(eval_on(y, "has(object.g)"), Ok(Value::Bool(false)));
}

#[test]
fn compile_errors_say_where() {
    let err = Program::compile("object.a +").unwrap_err();
    assert!(!err.message.is_empty());
}

#[test]
fn reads_variable_sees_identifiers_not_fields_or_strings() {
    let reads = |src: &str| Program::compile(src).unwrap().reads_variable("oldSelf");
    assert!(reads("self == oldSelf"));
    assert!(reads("oldSelf.x <= self.x"));
    assert!(reads("self.items.all(i, i in oldSelf.items)"));
    assert!(!reads("self.oldSelf == 1"));
    assert!(!reads("self.name != 'oldSelf'"));
    assert!(!reads("self.name != \"\"\"oldSelf\"\"\""));
    assert!(!reads("self.oldSelfish > 0"));
}
