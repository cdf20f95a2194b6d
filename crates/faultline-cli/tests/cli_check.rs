//! End-to-end tests of `faultline check`, `rules` and `explain`: exit codes, every output format
//! on the demo, determinism, bad input, stdin and colour.
//!
//! Every invocation runs from the workspace root with `--no-config` (unless the test is about
//! configuration), so a `.faultline.yaml` in the checkout cannot change the results.

#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;

use serde_json::Value;

/// The value of the demo Secret; it must never reach any output.
const SECRET: &str = "s3cr3t-never-printed";

mod common;
use common::{Run, faultline, root, run, run_with};

/// `faultline check --no-config --format json ARGS…`, parsed.
fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--no-config", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

fn diagnostics(v: &Value) -> &[Value] {
    v["diagnostics"].as_array().expect("a diagnostics array")
}

/// `path:line:col rule` of every diagnostic, in output order.
fn positions(v: &Value) -> Vec<String> {
    diagnostics(v)
        .iter()
        .map(|d| {
            let l = &d["location"];
            format!(
                "{}:{}:{} {}",
                l["path"].as_str().unwrap(),
                l["line"],
                l["column"],
                d["rule"].as_str().unwrap()
            )
        })
        .collect()
}

fn assert_code(r: &Run, code: i32) {
    assert_eq!(
        r.code, code,
        "exit code\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Exit codes

#[test]
fn exit_0_on_clean_input() {
    let r = run(&[
        "check",
        "--no-config",
        "--color",
        "never",
        "testdata/bad-input/good-neighbour.yaml",
    ]);
    assert_code(&r, 0);
    assert!(
        r.stdout.contains("0 errors, 0 warnings, 0 infos"),
        "{}",
        r.stdout
    );
}

#[test]
fn exit_1_on_findings_by_default() {
    let r = run(&["check", "--no-config", "--color", "never", "testdata/demo"]);
    assert_code(&r, 1);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn exit_2_on_usage_errors() {
    for (args, stderr) in [
        (
            &["--rule", "nope", "testdata/demo"][..],
            "unknown rule `nope`",
        ),
        (
            &["--skip", "nope", "testdata/demo"][..],
            "unknown rule `nope`",
        ),
        (
            &["--kube-version", "banana", "testdata/demo"][..],
            "--kube-version",
        ),
        (&["--format", "xml", "testdata/demo"][..], "xml"),
        (
            &["--fail-on", "sometimes", "testdata/demo"][..],
            "sometimes",
        ),
    ] {
        let mut all = vec!["check", "--no-config"];
        all.extend_from_slice(args);
        let r = run(&all);
        assert_code(&r, 2);
        assert!(r.stderr.contains(stderr), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn exit_2_on_a_bad_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broken.yaml");
    std::fs::write(
        &config,
        "rules:\n  api-removed: off\n  no-such-rule: error\n",
    )
    .unwrap();
    let r = run(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "testdata/demo",
    ]);
    assert_code(&r, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!(
            "{}:3:3: unknown rule `no-such-rule`",
            config.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn exit_2_on_unreadable_input() {
    let (code, v) = check_json(&["testdata/no-such-file.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        positions(&v),
        ["testdata/no-such-file.yaml:null:null input-unreadable"]
    );

    let (code, v) = check_json(&["testdata/rules/input-unreadable/fail.yaml"]);
    assert_eq!(code, 2);
    // `  name: caf\xE9`: the bad byte is the 12th character of line 4.
    assert_eq!(
        positions(&v),
        ["testdata/rules/input-unreadable/fail.yaml:4:12 input-unreadable"]
    );
    // Also with --fail-on never: an unreadable input is not a finding to be waived.
    let r = run(&[
        "check",
        "--no-config",
        "--fail-on",
        "never",
        "testdata/rules/input-unreadable/fail.yaml",
    ]);
    assert_code(&r, 2);
}

#[test]
fn fail_on_controls_exit_1() {
    let demo = |fail_on: &str| {
        run(&[
            "check",
            "--no-config",
            "--fail-on",
            fail_on,
            "testdata/demo",
        ])
    };
    assert_code(&demo("never"), 0);
    assert_code(&demo("error"), 1);

    // Only warnings: api-deprecated with a 1.24 target.
    let deprecated = |extra: &[&str]| {
        let mut all = vec![
            "check",
            "--no-config",
            "--format",
            "json",
            "--kube-version",
            "1.24",
            "--rule",
            "api-deprecated",
        ];
        all.extend_from_slice(extra);
        all.push("testdata/rules/api-deprecated/fail.yaml");
        run(&all)
    };
    let r = deprecated(&[]);
    assert_code(&r, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["warnings"], 2);
    assert_eq!(v["summary"]["errors"], 0);
    assert_code(&deprecated(&["--fail-on", "error"]), 0);
    assert_code(&deprecated(&["--fail-on", "warning"]), 1);
}

#[test]
fn info_findings_do_not_fail_by_default() {
    let (code, v) = check_json(&["testdata/rules/not-a-kubernetes-object/fail.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["infos"], 3);
    assert!(
        diagnostics(&v)
            .iter()
            .all(|d| d["rule"] == "not-a-kubernetes-object" && d["severity"] == "info")
    );
    let r = run(&[
        "check",
        "--no-config",
        "--fail-on",
        "info",
        "testdata/rules/not-a-kubernetes-object/fail.yaml",
    ]);
    assert_code(&r, 1);
}

// ---------------------------------------------------------------------------------------------
// 2. Every format on the demo

fn demo(format: &str) -> Run {
    let r = run(&[
        "check",
        "--no-config",
        "--color",
        "never",
        "--format",
        format,
        "testdata/demo",
    ]);
    assert_code(&r, 1);
    assert!(r.stderr.is_empty(), "{format}: {}", r.stderr);
    assert!(
        !r.stdout.contains(SECRET),
        "{format} output shows a Secret value"
    );
    r
}

#[test]
fn demo_human() {
    let out = demo("human").stdout;
    assert!(!out.contains("\x1b["));
    assert!(out.ends_with("14 errors, 9 warnings, 10 infos in 12 files (41 objects)\n"));
    insta::assert_snapshot!("demo_human", out);
}

#[test]
fn demo_json() {
    let out = demo("json").stdout;
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["version", "tool", "summary", "diagnostics"])
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "faultline");
    assert_eq!(v["summary"]["files"], 12);
    assert_eq!(v["summary"]["objects"], 41);
    assert_eq!(v["summary"]["errors"], 14);
    assert_eq!(v["summary"]["warnings"], 9);
    // The one info before issue 12, and nine of the security rules (no security context, a
    // token mounted for a ServiceAccount no binding grants anything: three workloads).
    assert_eq!(v["summary"]["infos"], 10);
    assert_eq!(diagnostics(&v).len(), 33);
    let one_based = |loc: &Value| {
        ["line", "column", "endLine", "endColumn"]
            .iter()
            .all(|k| loc[k].as_u64().is_some_and(|n| n >= 1))
    };
    for d in diagnostics(&v) {
        assert!(one_based(&d["location"]), "{d}");
        for r in d["related"].as_array().unwrap() {
            assert!(one_based(&r["location"]), "{r}");
        }
    }
    // The Secret's duplicated key is reported, its name scrubbed from the message.
    let secret = diagnostics(&v)
        .iter()
        .find(|d| d["object"]["kind"] == "Secret")
        .expect("a finding on the Secret");
    assert_eq!(secret["rule"], "duplicate-key");
    assert_eq!(
        secret["message"],
        "duplicate key `***`; Kubernetes keeps only this last value"
    );
    insta::assert_snapshot!("demo_json", out);
}

#[test]
fn demo_sarif() {
    let out = demo("sarif").stdout;
    let mut v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "faultline");
    assert_eq!(run["results"].as_array().unwrap().len(), 33);
    for r in run["results"].as_array().unwrap() {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1, "{r}");
        assert!(region["startColumn"].as_u64().unwrap() >= 1, "{r}");
    }
    // Rule documentation is the rules' business (and their own snapshots); keep this snapshot
    // about the run, so that editing a rule's doc comment does not churn it.
    for rule in v["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        for key in ["fullDescription", "help"] {
            if let Some(doc) = rule.get_mut(key) {
                *doc = Value::from("[rule documentation]");
            }
        }
    }
    insta::assert_snapshot!("demo_sarif", serde_json::to_string_pretty(&v).unwrap());
}

/// The official SARIF 2.1.0 schema from `testdata/sarif/`, minus its one `pattern` that strict
/// regex engines refuse (on `language`, which faultline never emits; see `render/sarif.rs`).
fn sarif_validator() -> jsonschema::Validator {
    fn drop_broken_pattern(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if map
                    .get("pattern")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.ends_with("]?$") && p.contains("^[a-zA-Z]{2}|"))
                {
                    map.remove("pattern");
                }
                map.values_mut().for_each(drop_broken_pattern);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_broken_pattern),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(root().join("testdata/sarif/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    drop_broken_pattern(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn sarif_of_real_runs_validates_against_the_schema() {
    let validator = sarif_validator();
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{}]})));
    for path in ["testdata/demo", "testdata/bad-input", "testdata/rules"] {
        let r = run(&["check", "--no-config", "--format", "sarif", path]);
        assert!(matches!(r.code, 1 | 2), "{path}: {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}:\n{}", errors.join("\n"));
    }
}

#[test]
fn demo_github() {
    let out = demo("github").stdout;
    assert_eq!(out.lines().count(), 33);
    for line in out.lines() {
        assert!(
            ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line}"
        );
    }
    insta::assert_snapshot!("demo_github", out);
}

/// Checks that the tags of `xml` nest properly (quotes in attributes, `<?…?>` and comments
/// respected) and returns the element names in document order.
fn xml_elements(xml: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if let Some(body) = rest.strip_prefix("<?") {
            rest = &body[body.find("?>").expect("closed <?") + 2..];
            continue;
        }
        if let Some(body) = rest.strip_prefix("<!--") {
            rest = &body[body.find("-->").expect("closed comment") + 3..];
            continue;
        }
        // Find the end of the tag, skipping quoted attribute values.
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| match quote {
                Some(q) if c == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    false
                }
                None => c == '>',
            })
            .map(|(i, _)| i)
            .expect("a closed tag");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "unbalanced </{name}>"
            );
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_:.".contains(c)),
            "bad tag <{tag}>"
        );
        names.push(name.clone());
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    names
}

#[test]
fn demo_junit() {
    let out = demo("junit").stdout;
    assert!(out.starts_with("<?xml"), "{out}");
    let names = xml_elements(&out);
    assert_eq!(names.first().map(String::as_str), Some("testsuites"));
    assert!(names.iter().any(|n| n == "testsuite"));
    assert_eq!(names.iter().filter(|n| *n == "testcase").count(), 33);
    // Errors and warnings fail; the infos do not.
    assert_eq!(names.iter().filter(|n| *n == "failure").count(), 23);
    insta::assert_snapshot!("demo_junit", out);
}

#[test]
fn secrets_never_shown_even_in_colour() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        let r = run(&[
            "check",
            "--no-config",
            "--color",
            "always",
            "--format",
            format,
            "testdata/demo",
        ]);
        assert_code(&r, 1);
        assert!(!r.stdout.contains(SECRET), "{format}");
        assert!(!r.stderr.contains(SECRET), "{format}");
    }
    // Also when read from stdin.
    let text = std::fs::read_to_string(root().join("testdata/demo/order-service.yaml")).unwrap();
    let r = run_with(
        faultline().write_stdin(text),
        &["check", "--no-config", "--color", "never", "-"],
    );
    assert_code(&r, 1);
    assert!(!r.stdout.contains(SECRET));
}

// ---------------------------------------------------------------------------------------------
// 3. Determinism

#[test]
fn output_does_not_depend_on_thread_count() {
    let mut outputs = Vec::new();
    for threads in ["1", "2", "1", "2", "1", "2"] {
        let r = run_with(
            faultline().env("RAYON_NUM_THREADS", threads),
            &["check", "--no-config", "--format", "json", "testdata"],
        );
        assert!(matches!(r.code, 1 | 2), "{}", r.stderr);
        assert!(!r.stdout.is_empty());
        outputs.push((threads, r.stdout));
    }
    let (_, first) = &outputs[0];
    let v: Value = serde_json::from_str(first).unwrap();
    assert!(diagnostics(&v).len() > 20);
    for (threads, out) in &outputs[1..] {
        assert!(
            out == first,
            "output with RAYON_NUM_THREADS={threads} differs"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Bad input

#[test]
fn bad_input_is_reported_and_the_rest_analyzed() {
    let (code, v) = check_json(&["testdata/bad-input"]);
    // binary.yaml and invalid-utf8.yaml are unreadable.
    assert_eq!(code, 2);
    let mut got = positions(&v);
    got.sort();
    let p = |s: &str| format!("testdata/bad-input/{s}");
    let mut expected = vec![
        // The alias budget is exceeded at the first alias of the fourth level.
        p("alias-bomb.yaml:5:8 yaml-syntax-error"),
        p("binary.yaml:null:null input-unreadable"),
        p("deep-nesting.yaml:1:256 yaml-syntax-error"),
        p("duplicate-keys.yaml:7:3 duplicate-key"),
        p("invalid-utf8.yaml:4:12 input-unreadable"),
        p("mixed.yaml:11:5 yaml-syntax-error"),
        p("scalar-document.yaml:1:1 not-a-kubernetes-object"),
        p("sequence-document.yaml:1:1 not-a-kubernetes-object"),
        p("syntax-error.yaml:6:8 yaml-syntax-error"),
        p("tabs-indentation.yaml:4:2 yaml-syntax-error"),
        p("unrendered-template-quoted.yaml:11:19 unrendered-template"),
        // The syntax error of the second document is on a line with `{{`: reported as the
        // template. Line 8 follows a comment with an unclosed `{{`, which must not hide it.
        p("unrendered-template.yaml:8:13 unrendered-template"),
        p("unrendered-template.yaml:13:9 unrendered-template"),
        // The objects that did parse are checked like any other: these Deployments have no
        // `spec.selector` (apps/v1 requires one), and the quoted template's container has no
        // resources and no liveness probe.
        p("mixed.yaml:5:1 workload-selector-mismatch"),
        p("mixed.yaml:17:1 workload-selector-mismatch"),
        p("unrendered-template.yaml:7:1 workload-selector-mismatch"),
        p("unrendered-template-quoted.yaml:6:1 workload-selector-mismatch"),
        p("unrendered-template-quoted.yaml:10:17 probe-liveness-missing"),
        p("unrendered-template-quoted.yaml:10:17 resources-memory-limit-missing"),
        p("unrendered-template-quoted.yaml:10:17 resources-requests-missing"),
        // Its pod sets no security context and mounts the default ServiceAccount's token
        // (information, issue 12).
        p("unrendered-template-quoted.yaml:8:5 container-may-run-as-root"),
        p("unrendered-template-quoted.yaml:8:5 service-account-token-automounted"),
        p("unrendered-template-quoted.yaml:10:17 container-root-filesystem-writable"),
    ];
    expected.sort();
    assert_eq!(got, expected);

    let find = |file: &str, rule: &str| {
        diagnostics(&v)
            .iter()
            .find(|d| d["location"]["path"] == p(file) && d["rule"] == rule)
            .unwrap()
    };
    // Exact spans and what is said about them.
    let syntax = find("syntax-error.yaml", "yaml-syntax-error");
    assert_eq!(syntax["message"], "unclosed bracket '['");
    assert_eq!(syntax["object"], Value::Null);
    let dup = find("duplicate-keys.yaml", "duplicate-key");
    assert_eq!(
        dup["location"],
        serde_json::json!({"path": p("duplicate-keys.yaml"), "line": 7, "column": 3, "endLine": 7, "endColumn": 7})
    );
    assert_eq!(dup["object"]["kind"], "ConfigMap");
    assert_eq!(dup["object"]["name"], "dup");
    assert_eq!(dup["related"][0]["location"]["line"], 6);
    assert_eq!(dup["related"][0]["location"]["column"], 3);
    assert_eq!(
        find("binary.yaml", "input-unreadable")["message"],
        "binary file skipped"
    );
    assert_eq!(
        find("unrendered-template-quoted.yaml", "unrendered-template")["object"]["name"],
        "web"
    );

    // Every file was read; the good objects were counted: good-neighbour, mixed.yaml's first
    // and second Deployments, the duplicate-keys ConfigMap and both `web` Deployments.
    assert_eq!(v["summary"]["files"], 15);
    assert_eq!(v["summary"]["objects"], 6);

    let (code, v) = check_json(&["testdata/bad-input/mixed.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["objects"], 2);
    let (code, v) = check_json(&["testdata/bad-input/good-neighbour.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["objects"], 1);
    assert!(diagnostics(&v).is_empty());
}

#[test]
fn bad_input_in_every_format_does_not_crash() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        let r = run(&[
            "check",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
            "testdata/bad-input",
        ]);
        assert_code(&r, 2);
        assert!(!r.stdout.is_empty(), "{format}");
        assert!(
            !r.stderr.contains("internal error"),
            "{format}: {}",
            r.stderr
        );
    }
}

#[test]
fn unrendered_template_after_a_comment_mentioning_braces() {
    let (_, v) = check_json(&["testdata/bad-input/unrendered-template.yaml"]);
    assert!(
        positions(&v).contains(
            &"testdata/bad-input/unrendered-template.yaml:8:13 unrendered-template".into()
        ),
        "{:?}",
        positions(&v)
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Standard input

#[test]
fn stdin_is_checked_as_stdin() {
    let text = std::fs::read_to_string(root().join("testdata/demo/payment-service.yaml")).unwrap();
    let r = run_with(
        faultline().write_stdin(text),
        &["check", "--no-config", "--format", "json", "-"],
    );
    assert_code(&r, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["objects"], 3);
    assert_eq!(
        positions(&v),
        [
            // The security rules' information (issue 12): no security context, a token.
            "<stdin>:18:5 container-may-run-as-root",
            "<stdin>:18:5 service-account-token-automounted",
            "<stdin>:20:17 container-root-filesystem-writable",
            "<stdin>:40:13 probe-liveness-kills-slow-start",
            "<stdin>:44:1 api-removed",
            "<stdin>:69:17 invalid-label-selector",
        ]
    );
}

const HELM_OUTPUT: &str = "\
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-web
  labels:
    helm.sh/chart: shop-1.0.0
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          resources:
            limits:
              memory: 2GB
---
# Source: shop/templates/pdb.yaml
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: release-web
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
";

#[test]
fn helm_template_stream_on_stdin() {
    let r = run_with(
        faultline().write_stdin(HELM_OUTPUT),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "-n",
            "shop",
            "-",
        ],
    );
    assert_code(&r, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["objects"], 2);
    assert_eq!(
        positions(&v),
        [
            "<stdin>:15:5 container-may-run-as-root",
            "<stdin>:15:5 service-account-token-automounted",
            "<stdin>:17:17 container-root-filesystem-writable",
            "<stdin>:17:17 probe-liveness-missing",
            "<stdin>:19:11 resources-requests-missing",
            "<stdin>:21:23 invalid-quantity",
            "<stdin>:24:1 api-removed",
            "<stdin>:29:17 pdb-blocks-eviction"
        ]
    );
    for d in diagnostics(&v) {
        assert_eq!(d["object"]["namespace"], "shop");
        assert_eq!(d["object"]["name"], "release-web");
    }
    // The human form shows the stdin lines.
    let r = run_with(
        faultline().write_stdin(HELM_OUTPUT),
        &["check", "--no-config", "--color", "never", "-"],
    );
    assert_code(&r, 1);
    assert!(r.stdout.contains("--> <stdin>:21:23"), "{}", r.stdout);
    assert!(r.stdout.contains("memory: 2GB"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// 9. `rules` and `explain`

fn rule_ids_in_testdata() -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = std::fs::read_dir(root().join("testdata/rules"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    ids.insert("internal-error".to_owned());
    ids
}

#[test]
fn rules_as_json() {
    let r = run(&["rules", "--format", "json"]);
    assert_code(&r, 0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v.as_array().expect("an array");
    let mut ids = BTreeSet::new();
    for row in rows {
        let keys: BTreeSet<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["id", "category", "severity", "summary"]),
            "{row}"
        );
        assert!(
            ["error", "warning", "info"].contains(&row["severity"].as_str().unwrap()),
            "{row}"
        );
        assert!(!row["category"].as_str().unwrap().is_empty());
        assert!(!row["summary"].as_str().unwrap().is_empty());
        assert!(
            ids.insert(row["id"].as_str().unwrap().to_owned()),
            "duplicate {row}"
        );
    }
    let missing: Vec<_> = rule_ids_in_testdata().difference(&ids).cloned().collect();
    assert!(missing.is_empty(), "not listed: {missing:?}");
}

#[test]
fn rules_as_table() {
    let r = run(&["rules"]);
    assert_code(&r, 0);
    let mut lines = r.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["RULE", "CATEGORY", "SEVERITY", "SUMMARY"]);
    let listed: BTreeSet<String> = lines
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    for id in rule_ids_in_testdata() {
        assert!(listed.contains(&id), "{id} not in the table");
    }
}

#[test]
fn explain_prints_the_rule_page() {
    let r = run(&["explain", "api-removed"]);
    assert_code(&r, 0);
    assert!(r.stdout.starts_with("# `api-removed`\n"), "{}", r.stdout);
    assert!(r.stdout.contains("\n## What it does\n"), "{}", r.stdout);
    assert!(r.stdout.contains("## Why it matters"));

    let r = run(&["explain", "nope"]);
    assert_code(&r, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("unknown rule `nope`"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// 10. Colour

#[test]
fn colour_follows_no_color_and_the_flag() {
    let human = |color: &str, no_color: Option<&str>| {
        let mut cmd = faultline();
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let r = run_with(
            &mut cmd,
            &["check", "--no-config", "--color", color, "testdata/demo"],
        );
        assert_code(&r, 1);
        r.stdout
    };
    assert!(!human("auto", Some("1")).contains("\x1b["));
    // stdout is a pipe here, so `auto` is colourless even without NO_COLOR.
    assert!(!human("auto", None).contains("\x1b["));
    assert!(!human("never", None).contains("\x1b["));
    assert!(human("always", None).contains("\x1b["));
    // An explicit `always` wins over NO_COLOR.
    assert!(human("always", Some("1")).contains("\x1b["));
    // Machine formats never colour.
    let r = run(&[
        "check",
        "--no-config",
        "--color",
        "always",
        "--format",
        "json",
        "testdata/demo",
    ]);
    assert!(!r.stdout.contains("\x1b["));
}

// ---------------------------------------------------------------------------------------------
// A `kubectl cluster-info dump --output-directory` layout (testdata/demo/snapshot)

#[test]
fn cluster_info_dump_lists_logs_and_now() {
    let (code, v) = check_json(&["testdata/demo/snapshot"]);
    assert_eq!(code, 1);
    // nodes.json and <ns>/*.json are typed lists whose items carry no kind; logs.txt is read
    // as evidence, never parsed.
    assert_eq!(v["summary"]["files"], 10);
    assert_eq!(v["summary"]["objects"], 35);
    for d in diagnostics(&v) {
        assert!(
            !matches!(
                d["rule"].as_str(),
                Some("not-a-kubernetes-object" | "yaml-syntax-error" | "input-unreadable")
            ),
            "{d}"
        );
    }
    let crash = diagnostics(&v)
        .iter()
        .find(|d| d["rule"] == "pod-crash-looping")
        .expect("the payment pods crash-loop");
    assert!(
        crash["message"]
            .as_str()
            .unwrap()
            .starts_with("4 pods of Deployment/shop/payment-service are crash-looping"),
        "{crash}"
    );
    let logs: Vec<String> = crash["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["location"]["path"]
                .as_str()
                .unwrap()
                .ends_with("logs.txt")
        })
        .map(|r| format!("{}: {}", r["location"]["line"], r["message"]))
        .collect();
    assert_eq!(logs.len(), 2, "{logs:?}");
    assert!(logs[0].starts_with("9: "), "{logs:?}");
    assert!(
        logs[0].contains("UnknownHostException: redis.cache"),
        "{logs:?}"
    );
    // "Now" is the snapshot's latest time, or --now; never the wall clock.
    assert!(
        crash["message"]
            .as_str()
            .unwrap()
            .ends_with("103s before the snapshot")
    );
    let (_, later) = check_json(&["--now", "2024-11-28T10:42:00Z", "testdata/demo/snapshot"]);
    let crash = diagnostics(&later)
        .iter()
        .find(|d| d["rule"] == "pod-crash-looping")
        .unwrap();
    assert!(
        crash["message"]
            .as_str()
            .unwrap()
            .ends_with("1h1m before the snapshot")
    );
    let r = run(&[
        "check",
        "--no-config",
        "--now",
        "yesterday",
        "testdata/demo/snapshot",
    ]);
    assert_code(&r, 2);
    assert!(
        r.stderr
            .contains("--now: `yesterday` is not an RFC 3339 time"),
        "{}",
        r.stderr
    );
}
