//! How the CLI behaves in pipes and CI (issue 15): a reader that goes away, no input at all,
//! `--quiet`, `--format concise`, JUnit and `--fail-on`, `--stdin-filename`, completions and
//! the man page, and `triage`'s colour, JSON version and order.
//!
//! Every invocation runs from the workspace root with `--no-config` unless the test is about
//! configuration.

use std::io::Read;
use std::process::Stdio;

mod common;
use common::{bin, faultline, root, run, run_with};

/// `faultline ARGS… | head -c0`: the reader is gone before the first byte is written.
fn run_into_closed_pipe(args: &[&str]) -> (i32, String) {
    let mut child = std::process::Command::new(bin())
        .current_dir(root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("faultline starts");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("stderr is UTF-8");
    let status = child.wait().expect("faultline ends");
    (status.code().expect("exits with a code"), stderr)
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        let (code, stderr) =
            run_into_closed_pipe(&["check", "--no-config", "--format", format, "testdata/demo"]);
        // The findings' status, as if the output had been read.
        assert_eq!(code, 1, "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}");
    }
    let (code, stderr) = run_into_closed_pipe(&[
        "triage",
        "--no-config",
        "testdata/demo/snapshot",
        "--manifests",
        "testdata/demo",
    ]);
    assert_eq!((code, stderr.as_str()), (1, ""));
    for args in [
        &["rules"][..],
        &["explain", "api-removed"],
        &["graph", "--no-config", "testdata/demo"],
        &["matrix", "--no-config", "testdata/demo"],
    ] {
        let (code, stderr) = run_into_closed_pipe(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(
            !stderr.contains("pipe") && !stderr.contains("cannot write"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn no_input_file_is_exit_2_unless_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "not a manifest\n").expect("write");
    let path = dir.path().to_str().expect("UTF-8 temp path");
    let r = run(&["check", "--no-config", path]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("warning: no input file matched") && r.stderr.contains("--allow-empty"),
        "{}",
        r.stderr
    );
    // Every format still writes its (empty) document, so a CI step reading it does not fail.
    let r = run(&["check", "--no-config", "--format", "sarif", path]);
    assert_eq!(r.code, 2);
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).expect("SARIF");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));

    let r = run(&["check", "--no-config", "--allow-empty", path]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    // `--include` that matches nothing is named in the warning.
    let r = run(&[
        "check",
        "--no-config",
        "--include",
        "*.yml",
        "testdata/demo",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--include *.yml"), "{}", r.stderr);
    // An empty stream is an input: nothing in it, nothing wrong.
    let r = run_with(faultline().write_stdin(""), &["check", "--no-config", "-"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn quiet_prints_the_summary_line_only() {
    let full = run(&["check", "--no-config", "--color", "never", "testdata/demo"]);
    let quiet = run(&["check", "--no-config", "-q", "testdata/demo"]);
    assert_eq!(quiet.code, full.code);
    assert_eq!(quiet.code, 1);
    let summary = full.stdout.lines().last().expect("a summary line");
    assert!(summary.contains(" errors, "), "{summary}");
    assert_eq!(quiet.stdout, format!("{summary}\n"));
    assert_eq!(quiet.stderr, "");
    let clean = run(&[
        "check",
        "--no-config",
        "--quiet",
        "--rule",
        "api-removed",
        "testdata/rules/api-removed/pass.yaml",
    ]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(
        clean.stdout.starts_with("0 errors, 0 warnings"),
        "{}",
        clean.stdout
    );
    // `--quiet` says nothing in any format: asking for one is a usage error.
    let r = run(&[
        "check",
        "--no-config",
        "-q",
        "--format",
        "json",
        "testdata/demo",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn concise_is_one_line_per_finding_as_compilers_print() {
    let json = run(&["check", "--no-config", "--format", "json", "testdata/demo"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let diags = v["diagnostics"].as_array().expect("diagnostics");
    let r = run(&[
        "check",
        "--no-config",
        "--format",
        "concise",
        "testdata/demo",
    ]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), diags.len());
    for (line, d) in lines.iter().zip(diags) {
        let l = &d["location"];
        let mut want = format!("{}:", l["path"].as_str().expect("path"));
        if let (Some(line), Some(col)) = (l["line"].as_u64(), l["column"].as_u64()) {
            want.push_str(&format!("{line}:{col}:"));
        }
        want.push_str(&format!(
            " {}[{}]: {}",
            d["severity"].as_str().expect("severity"),
            d["rule"].as_str().expect("rule"),
            d["message"].as_str().expect("message")
        ));
        assert!(line.starts_with(&want), "{line}\nwanted {want}");
    }
}

#[test]
fn junit_follows_fail_on() {
    let json = run(&["check", "--no-config", "--format", "json", "testdata/demo"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let summary = &v["summary"];
    let count = |k: &str| summary[k].as_u64().expect("a count") as usize;
    for (fail_on, failing) in [
        ("error", count("errors")),
        ("warning", count("errors") + count("warnings")),
        ("info", count("errors") + count("warnings") + count("infos")),
        ("never", 0),
    ] {
        let r = run(&[
            "check",
            "--no-config",
            "--format",
            "junit",
            "--fail-on",
            fail_on,
            "testdata/demo",
        ]);
        assert_eq!(r.stdout.matches("<failure ").count(), failing, "{fail_on}");
        let names: Vec<&str> = r
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("<testcase "))
            .filter_map(|l| l.split_once(" name=\"")?.1.split_once('"'))
            .map(|(name, _)| name)
            .collect();
        let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.iter().all(|n| n.contains(": ")), "{names:?}");
        assert!(
            r.stdout.contains(r#"<testsuite name="faultline""#) && r.stdout.contains(r#"time="0""#)
        );
    }
}

#[test]
fn stdin_filename_names_standard_input_in_every_format() {
    let path = "testdata/demo/payment-service.yaml";
    let text = std::fs::read_to_string(root().join(path)).expect("the demo");
    for format in ["human", "json", "sarif", "github", "junit", "concise"] {
        let from_file = run(&[
            "check",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
            path,
        ]);
        let from_stdin = run_with(
            faultline().write_stdin(text.clone()),
            &[
                "check",
                "--no-config",
                "--color",
                "never",
                "--format",
                format,
                "--stdin-filename",
                path,
                "-",
            ],
        );
        assert_eq!(from_stdin.code, from_file.code, "{format}");
        assert_eq!(from_stdin.stdout, from_file.stdout, "{format}");
        assert!(!from_stdin.stdout.contains("stdin"), "{format}");
    }
    // GitHub annotations without it have no file to land on.
    let plain = run_with(
        faultline().write_stdin(text),
        &["check", "--no-config", "--format", "github", "-"],
    );
    assert!(!plain.stdout.contains("file="), "{}", plain.stdout);
    // Every command that reads inputs takes it.
    let graph = run_with(
        faultline().write_stdin(
            std::fs::read_to_string(root().join("testdata/graph/shop.yaml")).expect("graph data"),
        ),
        &[
            "graph",
            "--no-config",
            "--format",
            "json",
            "--stdin-filename",
            "rendered/all.yaml",
            "-",
        ],
    );
    assert!(
        graph.stdout.contains("\"path\": \"rendered/all.yaml\""),
        "{}",
        graph.stdout
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _faultline"),
        ("zsh", "#compdef faultline"),
        ("fish", "complete -c faultline"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}");
        // Subcommands and options of this build, not a copy.
        for word in ["triage", "stdin-filename", "allow-empty"] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    // The bash script is valid bash.
    let r = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("faultline.bash");
    std::fs::write(&script, &r.stdout).expect("write");
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .expect("bash runs");
    assert!(status.success());
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_pages() {
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH faultline 1"), "{}", r.stdout);
    for sub in [
        "check",
        "triage",
        "matrix",
        "reach",
        "diff",
        "graph",
        "completions",
    ] {
        assert!(r.stdout.contains(&format!("faultline\\-{sub}(1)")), "{sub}");
    }
    assert!(
        !r.stdout.contains("gen\\-docs"),
        "hidden commands stay hidden"
    );
    let check = run(&["man", "check"]);
    assert_eq!(check.code, 0);
    assert!(
        check.stdout.contains(".TH faultline-check 1"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains("\\-\\-stdin\\-filename"));
    assert!(check.stdout.contains("\\-\\-chart"));
    assert_eq!(run(&["man", "nothing"]).code, 2);
    assert_eq!(run(&["man", "gen-docs"]).code, 2);
}

#[test]
fn triage_colour_version_and_order() {
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "triage",
            "--no-config",
            "testdata/demo/snapshot",
            "--manifests",
            "testdata/demo",
        ];
        a.extend_from_slice(extra);
        a
    };
    let always = run(&args(&["--color", "always"]));
    assert_eq!(always.code, 1);
    assert!(
        always.stdout.contains("\u{1b}[1;31m[error]\u{1b}[0m"),
        "{}",
        always.stdout
    );
    let never = run(&args(&["--color", "never"]));
    assert!(!never.stdout.contains('\u{1b}'));
    // `auto` colours only a terminal, and never with NO_COLOR set.
    let auto = run(&args(&[]));
    assert_eq!(auto.stdout, never.stdout);
    let no_color = run_with(
        faultline().env("NO_COLOR", "1"),
        &args(&["--color", "auto"]),
    );
    assert_eq!(no_color.stdout, never.stdout);
    // Without the escapes, the same report.
    let plain: String = {
        let mut s = always.stdout.clone();
        for sgr in [
            "\u{1b}[1;31m",
            "\u{1b}[1;33m",
            "\u{1b}[1;36m",
            "\u{1b}[1m",
            "\u{1b}[32m",
            "\u{1b}[0m",
        ] {
            s = s.replace(sgr, "");
        }
        s
    };
    assert_eq!(plain, never.stdout);

    // The input problems of the --manifests files come after the problems.
    let text = &never.stdout;
    let manifests = text
        .find("input problems in the --manifests files")
        .expect("the manifests' input problems");
    let last_problem = text.rfind("\n4. [").expect("four problems");
    let timeline = text.find("timeline (Events):").expect("a timeline");
    assert!(last_problem < manifests && manifests < timeline, "{text}");
    assert!(text.find("\n1. [").expect("problem 1") < manifests);
    let md = run(&args(&["--format", "md"]));
    assert!(
        md.stdout.find("## 4.").expect("problem 4")
            < md.stdout
                .find("**Input problems in")
                .expect("input problems")
    );

    let json = run(&args(&["--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "faultline");
    assert_eq!(v["inputProblems"].as_array().map(Vec::len), Some(3));
}

#[test]
fn unrelated_projects_meeting_in_one_namespace_are_named_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: {name}:1.0\n"
        )
    };
    for (folder, name) in [
        ("shop", "web"),
        ("shop/extra", "worker"),
        ("billing", "api"),
    ] {
        std::fs::create_dir_all(dir.path().join(folder)).expect("mkdir");
        std::fs::write(dir.path().join(folder).join("app.yaml"), deployment(name)).expect("write");
    }
    let in_dir = |args: &[&str]| {
        let mut cmd = faultline();
        cmd.current_dir(dir.path());
        run_with(&mut cmd, args)
    };
    let meeting = "unrelated projects";
    let r = in_dir(&["check", "--no-config", "-q", "shop", "billing"]);
    assert_eq!(r.stderr.matches(meeting).count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("(`billing/`, `shop/`) all land in namespace `default`")
            && r.stderr.contains("--namespace"),
        "{}",
        r.stderr
    );
    // A folder inside another is one project; one directory walked is one project.
    for args in [
        &["check", "--no-config", "-q", "shop"][..],
        &["check", "--no-config", "-q", "shop", "shop/extra"],
        &["check", "--no-config", "-q", "."],
        &[
            "check",
            "--no-config",
            "-q",
            "shop/app.yaml",
            "shop/extra/app.yaml",
        ],
    ] {
        let r = in_dir(args);
        assert!(!r.stderr.contains(meeting), "{args:?}: {}", r.stderr);
    }
    // Files named one by one belong to their folders.
    let r = in_dir(&[
        "check",
        "--no-config",
        "-q",
        "shop/app.yaml",
        "billing/app.yaml",
    ]);
    assert!(r.stderr.contains(meeting), "{}", r.stderr);
    // Helm output: two charts in one stream are two projects; a chart and its subchart one.
    let both = format!(
        "{}{}",
        std::fs::read_to_string(root().join("testdata/helm/shop.rendered.yaml")).expect("shop"),
        std::fs::read_to_string(root().join("testdata/helm/scaffold.rendered.yaml"))
            .expect("scaffold"),
    );
    let r = run_with(
        faultline().write_stdin(both),
        &["check", "--no-config", "-q", "-"],
    );
    assert!(
        r.stderr
            .contains("(the chart `scaffold`, the chart `shop`)"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "check",
        "--no-config",
        "-q",
        "testdata/helm/shop.rendered.yaml",
    ]);
    assert!(!r.stderr.contains(meeting), "{}", r.stderr);
}

#[test]
fn unknown_rule_ids_are_named_with_the_closest_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    faultline.dev/ignore: \"service-selects-no-pod, all\"\nspec:\n  selector: {app: web}  # faultline:ignore service-selects-no-pods, no-such-thing-at-all\n  ports: [{port: 80}]\n";
    std::fs::write(dir.path().join("svc.yaml"), manifest).expect("write");
    let mut cmd = faultline();
    cmd.current_dir(dir.path());
    let r = run_with(&mut cmd, &["check", "--no-config", "-q", "svc.yaml"]);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].starts_with("faultline: warning: svc.yaml:6:27: unknown rule `service-selects-no-pod` in `faultline.dev/ignore`")
            && lines[0].ends_with("did you mean `service-selects-no-pods`?"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("faultline: warning: svc.yaml:8:25: unknown rule `no-such-thing-at-all` in a `# faultline:ignore` comment")
            && lines[1].ends_with("`faultline rules` lists them"),
        "{}",
        lines[1]
    );
    // On the command line and in the configuration they are errors, with the same hint.
    let r = run(&[
        "check",
        "--no-config",
        "--skip",
        "api-removd",
        "testdata/demo",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown rule `api-removd`; did you mean `api-removed`?"),
        "{}",
        r.stderr
    );
    let config = dir.path().join(".faultline.yaml");
    std::fs::write(&config, "rules:\n  probe-livenes-missing: off\n").expect("write");
    let mut cmd = faultline();
    cmd.current_dir(dir.path());
    let r = run_with(&mut cmd, &["check", "svc.yaml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            ":2:3: unknown rule `probe-livenes-missing`; did you mean `probe-liveness-missing`?"
        ),
        "{}",
        r.stderr
    );
}
