//! Findings about Helm output at the template line that writes them (issue 15), on charts
//! written for these tests and rendered once with `helm template` (testdata/helm/README.md):
//! `shop` (a Deployment with values-driven probes and resources, a Service, a subchart
//! `cache` whose template holds two resources) and `scaffold` (`helm create`'s layout).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn faultline_in(dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("faultline"));
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

fn output(cmd: &mut Command, args: &[&str]) -> (i32, String, String) {
    let out = cmd.args(args).output().expect("faultline runs");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

fn json_in(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--no-config", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = output(&mut faultline_in(dir), &all);
    assert!(matches!(code, 0 | 1), "{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn diags(v: &Value) -> &Vec<Value> {
    v["diagnostics"].as_array().expect("diagnostics")
}

/// `path:line:col` of a JSON location.
fn at(l: &Value) -> String {
    format!(
        "{}:{}:{}",
        l["path"].as_str().expect("path"),
        l["line"],
        l["column"]
    )
}

/// The text of `path` (relative to the root) at a JSON location, to the end of its line.
fn text_at(l: &Value) -> String {
    let text = std::fs::read_to_string(root().join(l["path"].as_str().expect("path")))
        .expect("the located file");
    let line = text
        .lines()
        .nth(l["line"].as_u64().expect("line") as usize - 1)
        .expect("the line");
    line.chars()
        .skip(l["column"].as_u64().expect("column") as usize - 1)
        .collect()
}

/// Each finding by rule and container (the first backticked word of its message).
fn key(d: &Value) -> String {
    let message = d["message"].as_str().expect("message");
    format!(
        "{} {} {}",
        d["rule"].as_str().expect("rule"),
        d["object"]["name"],
        message.split('`').nth(1).unwrap_or("")
    )
}

#[test]
fn shop_findings_move_to_the_template_lines() {
    let rendered = json_in(
        &root(),
        &["--no-helm-templates", "testdata/helm/shop.rendered.yaml"],
    );
    let mapped = json_in(
        &root(),
        &[
            "--chart",
            "testdata/helm/shop",
            "testdata/helm/shop.rendered.yaml",
        ],
    );
    assert_eq!(rendered["summary"], mapped["summary"]);
    let before = diags(&rendered);
    let after = diags(&mapped);
    assert!(before.len() >= 10, "{before:#?}");
    assert_eq!(before.len(), after.len());
    for d in after {
        // Each finding is at a template of the chart, its rendered place the first note.
        let path = d["location"]["path"].as_str().expect("path");
        assert!(
            path.starts_with("testdata/helm/shop/templates/")
                || path.starts_with("testdata/helm/shop/charts/cache/templates/"),
            "{d:#}"
        );
        let note = &d["related"][0];
        assert!(
            note["message"]
                .as_str()
                .expect("message")
                .starts_with("the rendered output, from the Helm template `shop/"),
            "{d:#}"
        );
        let same: Vec<&Value> = before
            .iter()
            .filter(|b| key(b) == key(d) && b["location"] == note["location"])
            .collect();
        assert_eq!(same.len(), 1, "{d:#}");
    }
    let find = |rule: &str, name: &str| -> &Value {
        after
            .iter()
            .find(|d| {
                key(d) == format!("{rule} \"shop-shop\" {name}")
                    || key(d) == format!("{rule} \"shop-cache\" {name}")
            })
            .unwrap_or_else(|| panic!("no {rule} about {name}"))
    };
    // The template writes the key; its value comes from values.yaml.
    let d = find("probe-port-not-exposed", "web");
    assert_eq!(
        at(&d["location"]),
        "testdata/helm/shop/templates/deployment.yaml:26:15"
    );
    assert_eq!(text_at(&d["location"]), "port: {{ .Values.probes.port }}");
    // A value the template writes literally: the value itself, and the related limit too.
    let d = find("resources-limit-below-request", "log-shipper");
    assert_eq!(
        at(&d["location"]),
        "testdata/helm/shop/templates/deployment.yaml:39:23"
    );
    assert_eq!(text_at(&d["location"]), "128Mi");
    assert_eq!(
        at(&d["related"][1]["location"]),
        "testdata/helm/shop/templates/deployment.yaml:41:23"
    );
    // `resources:` is written by the template, what is under it by `toYaml`.
    let d = find("resources-memory-limit-missing", "web");
    assert_eq!(text_at(&d["location"]), "resources:");
    // The Service of another template, and its related Deployment ports.
    let d = find("service-target-port-mismatch", "http");
    assert_eq!(
        at(&d["location"]),
        "testdata/helm/shop/templates/service.yaml:13:7"
    );
    // The subchart's template holds a Service and a StatefulSet: the StatefulSet's document.
    let d = find("resources-requests-missing", "redis");
    assert_eq!(
        at(&d["location"]),
        "testdata/helm/shop/charts/cache/templates/statefulset.yaml:36:13"
    );
    assert_eq!(text_at(&d["location"]), "requests:");
}

#[test]
fn templates_found_under_the_current_directory_without_chart() {
    let dir = root().join("testdata/helm");
    let with_chart = json_in(
        &root(),
        &[
            "--chart",
            "testdata/helm/shop",
            "testdata/helm/shop.rendered.yaml",
        ],
    );
    let here = json_in(&dir, &["shop.rendered.yaml"]);
    let shown: Vec<String> = diags(&here).iter().map(|d| at(&d["location"])).collect();
    let expected: Vec<String> = diags(&with_chart)
        .iter()
        .map(|d| at(&d["location"]).replacen("testdata/helm/", "", 1))
        .collect();
    assert_eq!(shown, expected);
    // From standard input, with the name it was saved as.
    let text = std::fs::read_to_string(dir.join("shop.rendered.yaml")).expect("rendered");
    let (code, stdout, stderr) = output(
        faultline_in(&root()).write_stdin(text),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--chart",
            "testdata/helm/shop",
            "--stdin-filename",
            "testdata/helm/shop.rendered.yaml",
            "-",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let from_stdin: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(from_stdin["diagnostics"], with_chart["diagnostics"]);
}

#[test]
fn sarif_and_github_carry_repository_relative_template_paths() {
    let args = [
        "check",
        "--no-config",
        "--chart",
        "testdata/helm/shop",
        "--rule",
        "probe-port-not-exposed",
        "-",
    ];
    let text =
        std::fs::read_to_string(root().join("testdata/helm/shop.rendered.yaml")).expect("rendered");
    let mut sarif_args = args.to_vec();
    sarif_args.extend(["--format", "sarif"]);
    let (_, stdout, _) = output(faultline_in(&root()).write_stdin(text.clone()), &sarif_args);
    let sarif: Value = serde_json::from_str(&stdout).expect("SARIF");
    let result = &sarif["runs"][0]["results"][0];
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "testdata/helm/shop/templates/deployment.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 26);
    // The rendered place (here standard input) is a related location.
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        63
    );
    let mut github_args = args.to_vec();
    github_args.extend(["--format", "github"]);
    let (_, stdout, _) = output(faultline_in(&root()).write_stdin(text), &github_args);
    assert!(
        stdout.starts_with(
            "::error file=testdata/helm/shop/templates/deployment.yaml,line=26,col=15,"
        ),
        "{stdout}"
    );
}

#[test]
fn the_helm_create_scaffold() {
    let v = json_in(
        &root(),
        &[
            "--chart",
            "testdata/helm/scaffold",
            "testdata/helm/scaffold.rendered.yaml",
        ],
    );
    let found: Vec<(String, String)> = diags(&v)
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            (
                d["rule"].as_str().expect("rule").to_owned(),
                at(&d["location"]),
            )
        })
        .collect();
    let t = "testdata/helm/scaffold/templates";
    for (rule, place) in [
        (
            "image-tag-latest",
            format!("{t}/tests/test-connection.yaml:12:14"),
        ),
        (
            "probe-liveness-equals-readiness",
            format!("{t}/deployment.yaml:48:11"),
        ),
        (
            "resources-memory-limit-missing",
            format!("{t}/deployment.yaml:36:11"),
        ),
    ] {
        assert!(
            found.contains(&(rule.to_owned(), place.clone())),
            "{rule} at {place}: {found:#?}"
        );
    }
    // Each of them is on a line that writes the key the finding is about.
    let d = diags(&v)
        .iter()
        .find(|d| d["rule"] == "probe-liveness-equals-readiness")
        .expect("the finding");
    assert_eq!(text_at(&d["location"]), "livenessProbe:");
    assert_eq!(text_at(&d["related"][1]["location"]), "readinessProbe:");
}

#[test]
fn a_resource_written_by_a_helper_points_at_its_first_line_and_secrets_stay_hidden() {
    let dir = tempfile::tempdir().expect("temp dir");
    let templates = dir.path().join("app/templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    std::fs::write(
        templates.join("cm.yaml"),
        "{{- /* every line from a helper */ -}}\n{{ include \"app.configmap\" . }}\n",
    )
    .expect("write");
    std::fs::write(
        templates.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-in-git\n  password: hunter2-twice\n",
    )
    .expect("write");
    let rendered = "---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  name: cfg2\n---\n# Source: app/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-in-git\n  password: hunter2-twice\n";
    std::fs::write(dir.path().join("out.yaml"), rendered).expect("write");
    for format in ["human", "json", "sarif", "github", "junit", "concise"] {
        let (_, stdout, _) = output(
            &mut faultline_in(dir.path()),
            &[
                "check",
                "--no-config",
                "--color",
                "never",
                "--format",
                format,
                "--rule",
                "duplicate-key",
                "out.yaml",
            ],
        );
        assert!(!stdout.contains("hunter2"), "{format}: {stdout}");
        if format == "json" {
            let v: Value = serde_json::from_str(&stdout).expect("JSON");
            let places: Vec<String> = diags(&v).iter().map(|d| at(&d["location"])).collect();
            assert_eq!(
                places,
                ["app/templates/cm.yaml:2:1", "app/templates/secret.yaml:7:3"],
                "{v:#}"
            );
            let note = diags(&v)[0]["related"][0]["message"]
                .as_str()
                .expect("note");
            assert!(note.contains("no line writes `metadata.name`"), "{note}");
        }
    }
}

#[test]
fn a_chart_that_is_not_there_is_said() {
    let (code, _, stderr) = output(
        &mut faultline_in(&root()),
        &[
            "check",
            "--no-config",
            "--chart",
            "no/such/chart",
            "testdata/helm/shop.rendered.yaml",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--chart: `no/such/chart` is not a directory"),
        "{stderr}"
    );
    // A chart that holds none of the templates the output names.
    let (code, _, stderr) = output(
        &mut faultline_in(&root()),
        &[
            "check",
            "--no-config",
            "--chart",
            "testdata/helm/scaffold",
            "testdata/helm/shop.rendered.yaml",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no template that a `# Source:` line of the input names was found"),
        "{stderr}"
    );
}
