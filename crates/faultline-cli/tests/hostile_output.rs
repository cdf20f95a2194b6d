//! Output that input cannot steer (issue 10): Secret values never appear, whatever produced the
//! text and however broken the document, and names, values and file names holding control
//! characters cannot inject GitHub workflow commands, terminal escape sequences or invalid XML,
//! in any format of any command.

use std::path::Path;

use assert_cmd::Command;
use faultline_cli::check::{CheckArgs, analyze_sources};
use faultline_cli::render::Format;
use faultline_cli::render::escape::{is_unsafe, visible};
use proptest::prelude::*;

fn faultline() -> Command {
    let mut cmd = Command::cargo_bin("faultline").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `faultline ARGS` in `dir` and returns stdout and stderr together.
fn run_in(dir: &Path, args: &[&str]) -> String {
    let out = faultline().current_dir(dir).args(args).output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "exit {code:?} for {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut text = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    text.push_str(&String::from_utf8(out.stderr).expect("stderr is UTF-8"));
    text
}

const FORMATS: [&str; 5] = ["human", "json", "sarif", "github", "junit"];

/// Every check format's output for `file` (written into a fresh directory) must not contain
/// any of `secrets`.
fn assert_never_shown(name: &str, content: &[u8], secrets: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    for format in FORMATS {
        let out = run_in(
            dir.path(),
            &["check", "--no-config", "--format", format, name],
        );
        for s in secrets {
            assert!(!out.contains(s), "{format} shows `{s}`:\n{out}");
        }
    }
}

#[test]
fn a_secret_with_a_yaml_syntax_error_is_not_shown() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: \"hunter2\n  token: VE9QU0VDUkVULTM=\n";
    assert_never_shown("s.yaml", text.as_bytes(), &["hunter2", "VE9QU0VDUkVULTM="]);
    // The snippet still shows where the error is, with the structure kept.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), text).unwrap();
    let out = run_in(dir.path(), &["check", "--no-config", "s.yaml"]);
    assert!(out.contains("password: ********"), "{out}");
    assert!(out.contains("s.yaml:6:13"), "{out}");
}

#[test]
fn a_secret_in_a_broken_json_file_is_not_shown() {
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},\"data\":{\"token\":\"VE9QU0VDUkVULTM=\",}";
    assert_never_shown("s.json", text.as_bytes(), &["VE9QU0VDUkVULTM="]);
}

#[test]
fn a_secret_in_a_file_that_is_not_utf8_is_not_shown() {
    let mut bytes =
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-"
            .to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'x', b'\n']);
    assert_never_shown("s.yaml", &bytes, &["hunter2"]);
}

#[test]
fn a_template_action_in_a_secret_is_not_quoted() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: \"{{ .Values.pw | default \"hunter2\" }}\"\n";
    assert_never_shown("s.yaml", text.as_bytes(), &["hunter2"]);
}

#[test]
fn a_secret_with_a_duplicate_key_is_not_shown() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n  password: c2Vjb25kLXZhbHVl\n";
    assert_never_shown(
        "s.yaml",
        text.as_bytes(),
        &["aHVudGVyMg==", "c2Vjb25kLXZhbHVl"],
    );
}

#[test]
fn credential_env_values_are_not_shown() {
    // The duplicate `value` key puts a finding on the line of the credential.
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: registry.example.com/app:1.0
      env:
        - name: AWS_SECRET_ACCESS_KEY
          value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
          value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ
        - name: DATABASE_URL
          value: postgres://app:s3cr3t-pass@db:5432/orders
          value: postgres://app:s3cr3t-pass@db:5432/orders
";
    assert_never_shown(
        "p.yaml",
        text.as_bytes(),
        &[
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
            "s3cr3t-pass",
        ],
    );
}

/// `env-literal-credential` reports each literal credential at its variable's name, and no
/// output format shows the value: not the snippet, not the message, not the SARIF region.
#[test]
fn env_literal_credential_findings_never_show_the_value() {
    let secrets = [
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "s3cr3t-pass",
        "hunter22",
        "Zk9qT2xBb3Z6Q2JmR1d4TmVpQ3Q",
    ];
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n      containers:\n        - name: api\n          image: registry.example.com/api:1.4.2\n          env:\n            - {{name: AWS_ACCESS_KEY_ID, value: {}}}\n            - name: AWS_SECRET_ACCESS_KEY\n              value: {}\n            - name: DATABASE_URL\n              value: postgres://app:{}@db:5432/orders\n            - name: DB_PASSWORD\n              value: {}\n            - name: SESSION_SEED\n              value: {}\n",
        secrets[0], secrets[1], secrets[2], secrets[3], secrets[4]
    );
    assert_never_shown("d.yaml", text.as_bytes(), &secrets);
    // The findings are there, one per credential, each at its variable's line.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.yaml"), &text).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--rule",
            "env-literal-credential",
            "d.yaml",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&out[..out.rfind('}').unwrap() + 1]).unwrap();
    let mut lines: Vec<u64> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["location"]["line"].as_u64().unwrap())
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, [16, 17, 19, 21, 23], "{out}");
    // At the variable's name, which is not hidden: the message names it.
    assert!(
        out.contains("env `AWS_ACCESS_KEY_ID` of container `api` holds an AWS access key id"),
        "{out}"
    );
}

/// A snapshot whose Events and logs quote a Secret's value: the triage report shows neither.
#[test]
fn triage_evidence_quoting_a_secret_value_is_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = r#"apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: db, namespace: shop}
    data: {password: czNjcjN0LWh1bnRlcg==}
  - apiVersion: v1
    kind: Pod
    metadata: {name: payment-1, namespace: shop}
    spec:
      containers: [{name: app, image: registry.example.com/shop/payment:3.8.1}]
    status:
      phase: Running
      containerStatuses:
        - name: app
          ready: false
          restartCount: 42
          state: {waiting: {reason: CrashLoopBackOff, message: "login with s3cr3t-hunter failed"}}
          lastState: {terminated: {reason: Error, exitCode: 1, finishedAt: "2024-05-01T11:58:00Z"}}
  - apiVersion: v1
    kind: Event
    metadata: {name: payment-1.1, namespace: shop}
    involvedObject: {kind: Pod, name: payment-1, namespace: shop}
    type: Warning
    reason: BackOff
    message: "container app exited: password s3cr3t-hunter rejected by db"
    count: 12
    firstTimestamp: "2024-05-01T11:00:00Z"
    lastTimestamp: "2024-05-01T11:58:00Z"
"#;
    std::fs::write(dir.path().join("snap.yaml"), snapshot).unwrap();
    for format in ["human", "markdown", "json"] {
        let out = run_in(
            dir.path(),
            &["triage", "--no-config", "--format", format, "snap.yaml"],
        );
        assert!(
            out.contains("payment-1"),
            "{format}: the problem is reported\n{out}"
        );
        assert!(
            out.contains("***"),
            "{format}: the value was there to scrub\n{out}"
        );
        assert!(!out.contains("s3cr3t-hunter"), "{format} leaks:\n{out}");
    }
    let out = run_in(dir.path(), &["check", "--no-config", "snap.yaml"]);
    assert!(!out.contains("s3cr3t-hunter"), "{out}");
}

/// The name the issue was reported with.
const HOSTILE: &str = "p\n::error::INJECTED\u{1b}]0;pwned\u{7}\u{1b}[31m\u{202e}\u{9b}x";

/// A hostile name `reach` can take as `NAMESPACE/NAME` (a `:` would start a port).
const HOSTILE_NO_COLON: &str = "d\n\u{1b}]0;t\u{7}\u{1b}[31m\u{202e}\u{85}x";

/// What no text output may contain: raw control characters (other than the line breaks it
/// writes itself) and a line that starts a workflow command it did not write.
fn assert_inert(what: &str, out: &str, github: bool) {
    for (i, line) in out.lines().enumerate() {
        assert!(
            !line.chars().any(|c| is_unsafe(c) && c != '\r' && c != '\t'),
            "{what}: raw control character on line {}: {line:?}",
            i + 1
        );
        if github {
            assert!(
                ["::error ", "::warning ", "::notice "]
                    .iter()
                    .any(|p| line.starts_with(p)),
                "{what}: line {} is not one of our commands: {line:?}",
                i + 1
            );
        } else {
            assert!(
                !line.trim_start().starts_with("::error"),
                "{what}: line {} starts a workflow command: {line:?}",
                i + 1
            );
        }
    }
}

/// A directory with a file named to inject, holding a Service and a Deployment named to inject.
fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let service = serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": HOSTILE, "namespace": "default", "labels": {"x": HOSTILE}},
        "spec": {"selector": {"app": "nothing\u{1b}[2J"}, "ports": [{"port": 80}]}
    });
    let deploy = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": HOSTILE_NO_COLON, "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": HOSTILE, "image": "nginx\u{7}:latest",
                "livenessProbe": {"httpGet": {"path": "/", "port": 80}},
                "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}}
    });
    let netpol = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": HOSTILE, "namespace": "default"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "db"}}}]}]}
    });
    let list =
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [service, deploy, netpol]});
    std::fs::write(dir.path().join("objects.json"), list.to_string()).unwrap();
    std::fs::write(
        dir.path().join("x\n::error::FROM-FILENAME\u{1b}[31m.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: zz}\n  ports: [{port: 80}]\n",
    )
    .unwrap();
    dir
}

#[test]
fn check_formats_escape_names_values_and_file_names() {
    let dir = hostile_dir();
    for format in FORMATS {
        let out = run_in(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--complete",
                "--format",
                format,
                ".",
            ],
        );
        assert!(
            out.contains("INJECTED"),
            "{format}: the hostile object is reported\n{out}"
        );
        assert!(
            out.contains("FROM-FILENAME"),
            "{format}: the hostile file is reported\n{out}"
        );
        match format {
            "json" | "sarif" => {
                let value: serde_json::Value = serde_json::from_str(&out).unwrap();
                // The exact name survives, escaped by JSON.
                assert!(value.to_string().contains("INJECTED"));
                assert!(
                    out.contains("\\u001b") && out.contains("\\u202e") && out.contains("\\u009b")
                );
                assert_inert(format, &out, false);
            }
            "github" => assert_inert(format, &out, true),
            _ => assert_inert(format, &out, false),
        }
        if format == "human" || format == "junit" {
            assert!(out.contains("\\u{1b}"), "{format} shows escapes:\n{out}");
        }
    }
}

#[test]
fn every_other_command_escapes_what_it_prints() {
    let dir = hostile_dir();
    let runs: Vec<Vec<&str>> = vec![
        vec!["triage", "--no-config", "."],
        vec!["triage", "--no-config", "--format", "markdown", "."],
        vec!["triage", "--no-config", "--format", "json", "."],
        vec!["matrix", "."],
        vec!["matrix", "--format", "md", "."],
        vec!["matrix", "--format", "csv", "."],
        vec!["matrix", "--format", "dot", "."],
        vec!["matrix", "--format", "json", "."],
        vec!["graph", "."],
        vec!["graph", "--format", "mermaid", "."],
        vec!["graph", "--format", "json", "."],
        vec!["diff", "--no-config", "objects.json", "."],
        vec!["diff", "--no-config", "--format", "md", ".", "objects.json"],
    ];
    for args in runs {
        let out = run_in(dir.path(), &args);
        assert_inert(&args.join(" "), &out, false);
    }
    // `reach` between the hostile workload and itself: its name is in the verdict, and the
    // isolating policy's name in the reasons.
    let name = format!("default/{HOSTILE_NO_COLON}");
    let out = run_in(
        dir.path(),
        &["reach", "--from", &name, "--to", &format!("{name}:80"), "."],
    );
    assert!(out.contains("denied") && out.contains("INJECTED"), "{out}");
    assert_inert("reach", &out, false);
    // A spec that does not parse is quoted in the error.
    let bad = format!("default/{HOSTILE}");
    let out = run_in(dir.path(), &["reach", "--from", &bad, "--to", &bad, "."]);
    assert_inert("reach error", &out, false);
}

fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "web",
        "::error::",
        "::warning file=x::",
        "\n",
        "\r",
        "\t",
        "\u{1b}[31m",
        "\u{1b}]0;t\u{7}",
        "\u{7}",
        "\u{0}",
        "\u{7f}",
        "\u{85}",
        "\u{9b}",
        "\u{202e}",
        "\u{2066}",
        "\u{2028}",
        "\u{feff}",
        "%0A",
        ",",
        ":",
        "\"",
        "'",
        "<",
        "&",
        "`",
        "|",
        "ü",
        "服",
    ]);
    prop::collection::vec(pieces, 1..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// Objects named, labelled and filed with generated hostile text: every format stays inert,
    /// and the JSON formats keep the exact text.
    #[test]
    fn rendered_findings_stay_inert(name in hostile_text(), value in hostile_text(), file in hostile_text()) {
        let service = serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"app": value}, "ports": [{"port": 80}]}
        });
        let secret = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "default"},
            "stringData": {"password": format!("pw-{value}-pw")}
        });
        let secret_value = format!("pw-{value}-pw");
        let doc = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [service, secret]});
        let mut args = CheckArgs::new(Vec::new());
        args.complete = true;
        let analysis = analyze_sources(&args, vec![(format!("{file}.json"), doc.to_string().into_bytes())]).unwrap();
        prop_assert!(!analysis.diagnostics.is_empty());
        for format in Format::ALL {
            let mut out = Vec::new();
            analysis.render(format, false, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert_inert(format.as_str(), &out, format == Format::Github);
            let json_form = serde_json::to_string(&secret_value).unwrap();
            for shown in [secret_value.as_str(), &visible(&secret_value), &json_form[1..json_form.len() - 1]] {
                prop_assert!(!out.contains(shown), "{} shows the Secret value:\n{out}", format.as_str());
            }
            if matches!(format, Format::Json | Format::Sarif) {
                let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
                if format == Format::Json {
                    let names: Vec<&str> = parsed["diagnostics"].as_array().unwrap().iter()
                        .filter_map(|d| d["object"]["name"].as_str()).collect();
                    prop_assert!(names.contains(&name.as_str()), "{names:?}");
                }
            }
            if format == Format::Junit {
                prop_assert!(out.chars().all(|c| c == '\n' || !c.is_control()));
            }
        }
    }
}
