//! Random well-formed expressions over the libraries and a YAML object: compiling and
//! evaluating never panics (errors are fine). `FUZZ_N` and `FUZZ_SEED` run more of them.

use faultline_cel::{Program, Vars, to_val};
use faultline_syntax::yaml::parse_yaml;
use std::sync::Arc;

#[test]
fn random_expressions_never_panic() {
    let yaml = "spec:\n  containers:\n  - name: a\n    image: x\n  replicas: 3\nmetadata: {name: n, labels: {a: b}}\n";
    let parsed = parse_yaml(&Arc::from(yaml));
    let root = parsed.documents[0].root().unwrap();
    let mut seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let n: usize = std::env::var("FUZZ_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let (mut compiled, mut evaluated) = (0, 0);
    for _ in 0..n {
        let src = genx(&mut next, 0);
        let run = std::panic::catch_unwind(|| {
            let program = Program::compile(&src).ok()?;
            let mut vars = Vars::new();
            vars.bind("object", to_val(root));
            Some(program.eval(&vars).is_ok())
        });
        match run {
            Ok(Some(ok)) => {
                compiled += 1;
                evaluated += ok as usize;
            }
            Ok(None) => {}
            Err(_) => panic!("panicked on: {src}"),
        }
    }
    // The generator writes valid expressions, and a good share of them evaluate: the test
    // exercises the libraries, not the parser's error path.
    assert_eq!(compiled, n);
    assert!(evaluated > n / 5, "{evaluated} of {n} evaluated");
}

const ATOMS: &[&str] = &[
    "object",
    "object.spec",
    "object.spec.containers",
    "object.spec.containers[0]",
    "object.metadata.labels",
    "object.spec.replicas",
    "object.?spec.?replicas",
    "x",
    "1",
    "-1",
    "0",
    "9223372036854775807",
    "-9223372036854775808",
    "1u",
    "2.5",
    "'a'",
    "''",
    "b'x'",
    "true",
    "null",
    "[]",
    "[1, 2]",
    "['a', 'b']",
    "{}",
    "{'a': 1}",
    "[object]",
    "quantity('1Gi')",
    "url('https://a:8/b?c=d')",
    "ip('::1')",
    "cidr('10.0.0.0/8')",
    "semver('1.2.3')",
    "optional.none()",
    "duration('1s')",
    "timestamp('2024-01-01T00:00:00Z')",
    "lists.range(3)",
];
const BIN: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", "&&", "||", "in",
];
const UN: &[&str] = &[
    "size",
    "int",
    "string",
    "double",
    "uint",
    "type",
    "dyn",
    "has_",
    "quantity",
    "url",
    "ip",
    "cidr",
    "semver",
    "isQuantity",
    "isURL",
    "isIP",
    "isCIDR",
    "isSemver",
    "optional.of",
    "optional.ofNonZeroValue",
    "bool",
    "bytes",
];
const METH0: &[&str] = &[
    "size",
    "sum",
    "min",
    "max",
    "isSorted",
    "distinct",
    "flatten",
    "sort",
    "reverse",
    "getHost",
    "getPort",
    "getQuery",
    "getEscapedPath",
    "family",
    "isLoopback",
    "masked",
    "prefixLength",
    "sign",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "major",
    "hasValue",
    "value",
    "lowerAscii",
    "trim",
    "ip",
];
const METH1: &[&str] = &[
    "indexOf",
    "lastIndexOf",
    "find",
    "findAll",
    "startsWith",
    "contains",
    "matches",
    "split",
    "join",
    "add",
    "sub",
    "compareTo",
    "isLessThan",
    "containsIP",
    "containsCIDR",
    "orValue",
    "charAt",
    "substring",
    "format",
    "exists_x",
    "all_x",
    "map_x",
    "filter_x",
];
/// A random expression: atoms, operators, the libraries' functions and methods, macros.
fn genx(next: &mut impl FnMut() -> u64, depth: usize) -> String {
    let pick = |n: u64, xs: &[&str]| xs[(n % xs.len() as u64) as usize].to_string();
    if depth > 3 {
        return pick(next(), ATOMS);
    }
    match next() % 6 {
        0 | 1 => pick(next(), ATOMS),
        2 => format!(
            "({} {} {})",
            genx(next, depth + 1),
            pick(next(), BIN),
            genx(next, depth + 1)
        ),
        3 => {
            let f = pick(next(), UN);
            if f == "has_" {
                format!("has({}.name)", genx(next, depth + 1))
            } else {
                format!("{f}({})", genx(next, depth + 1))
            }
        }
        4 => format!("{}.{}()", genx(next, depth + 1), pick(next(), METH0)),
        _ => {
            let m = pick(next(), METH1);
            match m.strip_suffix("_x") {
                Some(mac) => format!(
                    "{}.{mac}(x, {})",
                    genx(next, depth + 1),
                    genx(next, depth + 1)
                ),
                None => format!("{}.{m}({})", genx(next, depth + 1), genx(next, depth + 1)),
            }
        }
    }
}
