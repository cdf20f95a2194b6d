//! Hostile input for every subcommand (issue 10). Whatever the input, each of `check`, `triage`,
//! `matrix`, `reach`, `diff` (the input as OLD and as NEW) and `graph` ends within a bounded
//! time with exit code 0, 1 or 2 and no panic; a bad input is named by a diagnostic or warning;
//! and a good file given beside it is still analyzed. Then the limits: inputs over
//! `--max-input-size` or 4 GiB, FIFOs and devices named on the command line, binary streams,
//! and the stream paths (`/dev/fd/N`) that process substitution passes.
//!
//! Sizes are moderate so that the file runs in well under a minute in a debug build (a 20 MB
//! single-line scalar, 100,000 tiny documents). The sizes the issue names (a 200 MB single-line
//! scalar, 1,000,000 tiny documents) are `#[ignore]`d tests for the release check:
//! `cargo test --release -p faultline-cli --test hostile_input -- --ignored`.

#![cfg(unix)]
#![allow(clippy::print_stderr)]

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Two Deployments that may talk (`matrix`, `reach`), a Service whose selector has a typo
/// (`check` reports it), a Service that selects `a` (an edge for `graph`) and a crash-looping
/// Pod (a problem for `triage`).
const GOOD: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  selector:
    matchLabels: {app: a}
  template:
    metadata:
      labels: {app: a}
    spec:
      containers:
        - name: a
          image: nginx:1.27
          ports: [{containerPort: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  selector:
    matchLabels: {app: b}
  template:
    metadata:
      labels: {app: b}
    spec:
      containers:
        - name: b
          image: nginx:1.27
          ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: lonely
spec:
  selector:
    app: bb
  ports:
    - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: a
  ports:
    - port: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: crasher
  namespace: default
  labels: {app: crasher}
  creationTimestamp: "2024-05-01T11:00:00Z"
spec:
  containers: [{name: c, image: "nginx:1.27"}]
status:
  phase: Running
  containerStatuses:
    - name: c
      image: "nginx:1.27"
      ready: false
      restartCount: 12
      state:
        waiting: {reason: CrashLoopBackOff, message: "back-off 5m0s restarting failed container"}
      lastState:
        terminated: {exitCode: 1, reason: Error, startedAt: "2024-05-01T11:58:00Z", finishedAt: "2024-05-01T11:59:00Z"}
"#;

/// The line of `lonely`'s selector in [`GOOD`].
const GOOD_LONELY_LINE: u64 = 39;

/// A Service with a typo in its selector (`app: bb`, closest `app: b`): `check` reports it at
/// line 7, column 5.
fn typo_service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: bb\n  ports:\n    - port: 80\n"
    )
}

/// Per run: debug builds on a loaded 2-core machine; the slowest moderate case takes ~2 s.
const TIMEOUT: Duration = Duration::from_secs(120);
/// For what must be refused before reading: the message proves it was not read, the timeout
/// that it did not block.
const QUICK: Duration = Duration::from_secs(30);

/// The subcommands that read inputs, as (label, arguments before the inputs).
const READERS: [(&str, &[&str]); 5] = [
    ("check", &["check", "--no-config", "--format", "json"]),
    ("triage", &["triage", "--no-config", "--format", "json"]),
    ("matrix", &["matrix"]),
    (
        "reach",
        &["reach", "--from", "default/a", "--to", "default/b"],
    ),
    ("graph", &["graph", "--format", "json"]),
];

/// A temporary directory holding `good.yaml` and `empty.yaml`; every run starts there.
struct Fixture {
    dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let fx = Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
        };
        fx.write("good.yaml", GOOD);
        fx.write("empty.yaml", "");
        fx
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    fn mkfifo(&self, rel: &str) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
        path
    }

    fn command(&self, args: &[String], stdin: &[u8], timeout: Duration) -> Command {
        let mut cmd = Command::cargo_bin("faultline").expect("the faultline binary");
        cmd.current_dir(self.dir.path())
            .env_remove("RAYON_NUM_THREADS")
            .args(args)
            // Always written (and so closed): a run that reads stdin unasked cannot hang.
            .write_stdin(stdin.to_vec())
            .timeout(timeout);
        cmd
    }

    fn run(&self, args: &[String], stdin: &[u8], timeout: Duration) -> Run {
        let start = Instant::now();
        let out = self
            .command(args, stdin, timeout)
            .output()
            .expect("faultline runs");
        Run::new(args, out, start.elapsed())
    }
}

#[derive(Debug)]
struct Run {
    what: String,
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn new(args: &[String], out: std::process::Output, took: Duration) -> Self {
        let what = format!("faultline {}", args.join(" "));
        let code = out.status.code().unwrap_or_else(|| {
            panic!(
                "{what}: killed after {took:?} (timed out?)\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        Self {
            what,
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took,
        }
    }

    /// Exit code 0, 1 or 2 and no panic text anywhere.
    fn assert_harmless(&self) -> &Self {
        assert!(
            matches!(self.code, 0..=2),
            "{}: exit code {}\nstderr: {}",
            self.what,
            self.code,
            self.stderr
        );
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            for bad in ["panicked", "internal error"] {
                assert!(
                    !text.contains(bad),
                    "{}: `{bad}` on {name}:\n{}",
                    self.what,
                    excerpt(text)
                );
            }
        }
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: not JSON ({e}):\n{}\nstderr: {}",
                self.what,
                excerpt(&self.stdout),
                self.stderr
            )
        })
    }

    fn assert_stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "{}: stdout lacks `{needle}`:\n{}\nstderr: {}",
            self.what,
            excerpt(&self.stdout),
            self.stderr
        );
        self
    }

    fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "{}: stderr lacks `{needle}`:\n{}",
            self.what,
            excerpt(&self.stderr)
        );
        self
    }
}

/// The first few KiB of a possibly huge output.
fn excerpt(text: &str) -> &str {
    let mut end = text.len().min(4000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// `check --format json` diagnostics.
fn diagnostics(run: &Run) -> Vec<Value> {
    run.json()["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no diagnostics array", run.what))
        .clone()
}

/// Whether `check` reported the Service `name` as selecting nothing, and where.
fn selects_nothing(diags: &[Value], name: &str) -> Option<(String, u64)> {
    diags
        .iter()
        .find(|d| d["rule"] == "service-selects-no-pods" && d["object"]["name"] == name)
        .map(|d| {
            (
                d["location"]["path"].as_str().unwrap_or("").to_owned(),
                d["location"]["line"].as_u64().unwrap_or(0),
            )
        })
}

/// A hostile input and what to expect of it.
struct Case {
    /// The inputs for check, triage, matrix, reach and graph, the good file among them.
    inputs: Vec<String>,
    /// One path for `diff`: the hostile input; `diff_has_good` when the good objects are in it.
    diff_side: String,
    diff_has_good: bool,
    stdin: Vec<u8>,
    /// What a diagnostic (check, triage) or warning (the others) must name; `None` when the
    /// input is not bad.
    bad: Option<String>,
    /// A Service in the hostile input that `check` must report as selecting nothing, at this
    /// path and line.
    finding: Option<(&'static str, String, u64)>,
}

impl Case {
    /// `rel` named beside `good.yaml`; for `diff`, its directory (which holds a copy of the good
    /// file) is walked.
    fn file(fx: &Fixture, rel: &str, bytes: impl AsRef<[u8]>, bad: bool) -> Self {
        fx.write(rel, bytes);
        let dir = Path::new(rel)
            .parent()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        fx.write(&format!("{dir}/good.yaml"), GOOD);
        let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
        Self {
            inputs: strings(&[rel, "good.yaml"]),
            diff_side: dir,
            diff_has_good: true,
            stdin: Vec::new(),
            bad: bad.then(|| name.to_owned()),
            finding: None,
        }
    }

    /// A directory holding the good file and something hostile, walked.
    fn dir(fx: &Fixture, dir: &str, bad: Option<&str>) -> Self {
        fx.write(&format!("{dir}/good.yaml"), GOOD);
        Self {
            inputs: vec![dir.to_owned()],
            diff_side: dir.to_owned(),
            diff_has_good: true,
            stdin: Vec::new(),
            bad: bad.map(str::to_owned),
            finding: None,
        }
    }

    /// Runs every subcommand on the case and checks it.
    fn run_all(&self, fx: &Fixture) -> Duration {
        let start = Instant::now();
        for (label, head) in READERS {
            let mut args = strings(head);
            args.extend(self.inputs.iter().cloned());
            let run = fx.run(&args, &self.stdin, TIMEOUT);
            run.assert_harmless();
            match label {
                "check" => {
                    let diags = diagnostics(&run);
                    assert!(
                        selects_nothing(&diags, "lonely").is_some(),
                        "{}: the good file's finding is missing\n{}",
                        run.what,
                        excerpt(&run.stdout)
                    );
                    if let Some(bad) = &self.bad {
                        assert!(
                            diags.iter().any(|d| d["location"]["path"]
                                .as_str()
                                .is_some_and(|p| p.contains(bad.as_str()))),
                            "{}: no diagnostic names `{bad}`\n{}",
                            run.what,
                            excerpt(&run.stdout)
                        );
                    }
                    if let Some((service, path, line)) = &self.finding {
                        assert_eq!(
                            selects_nothing(&diags, service),
                            Some((path.clone(), *line)),
                            "{}",
                            run.what
                        );
                    }
                }
                "triage" => {
                    let v = run.json();
                    let problems = v["problems"].to_string();
                    assert!(
                        problems.contains("Pod/default/crasher"),
                        "{}: the good file's problem is missing\n{}",
                        run.what,
                        excerpt(&run.stdout)
                    );
                    if let Some(bad) = &self.bad {
                        let named = v["inputProblems"].to_string();
                        assert!(
                            named.contains(bad.as_str()),
                            "{}: no input problem names `{bad}`\n{}",
                            run.what,
                            excerpt(&run.stdout)
                        );
                    }
                }
                "matrix" => {
                    run.assert_stdout_has("default/a[Deployment] => default/b[Deployment]");
                }
                "reach" => {
                    assert_eq!(run.code, 0, "{}: {}", run.what, run.stderr);
                    run.assert_stdout_has("allowed");
                }
                "graph" => {
                    run.assert_stdout_has("\"Service/default/web\"");
                }
                _ => unreachable!(),
            }
            if label != "check"
                && label != "triage"
                && let Some(bad) = &self.bad
            {
                run.assert_stderr_has(bad);
            }
        }
        // diff: the hostile input as OLD, then as NEW, against an input that holds the good
        // objects or none.
        let other = if self.diff_has_good {
            "empty.yaml"
        } else {
            "good.yaml"
        };
        for (old, new, change) in [
            (self.diff_side.as_str(), other, "removed"),
            (other, self.diff_side.as_str(), "added"),
        ] {
            let change = match (self.diff_has_good, change) {
                (true, c) => c,
                (false, "removed") => "added",
                (false, _) => "removed",
            };
            let args = strings(&["diff", "--no-config", old, new]);
            let run = fx.run(&args, &self.stdin, TIMEOUT);
            run.assert_harmless();
            run.assert_stdout_has(&format!("diff-type: {change}"));
            run.assert_stdout_has("default/a[Deployment]");
            if let Some(bad) = &self.bad {
                run.assert_stderr_has(bad);
            }
        }
        start.elapsed()
    }
}

/// Runs a case and prints how long its seven runs took (`--nocapture` shows it).
fn check_case(name: &str, fx: &Fixture, case: &Case) {
    let took = case.run_all(fx);
    eprintln!("{name}: 7 runs in {took:.2?}");
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs, every subcommand

#[test]
fn alias_bomb() {
    let fx = Fixture::new();
    let mut text = String::from(
        "# Billion laughs (CVE-2019-11253), then the same inside a Deployment.\n\
         a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, next) in ('a'..='h').zip('b'..='i') {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{next}: &{next} [{refs}]\n"));
    }
    text.push_str(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bomb}\nspec:\n  \
         selector: {matchLabels: {app: bomb}}\n  template:\n    metadata: {labels: {app: bomb}}\n    \
         spec:\n      x0: &e0 [{name: A, value: B}, {name: A, value: B}, {name: A, value: B}]\n",
    );
    for i in 1..=12 {
        let refs = vec![format!("*e{}", i - 1); 3].join(", ");
        text.push_str(&format!("      x{i}: &e{i} [{refs}]\n"));
    }
    text.push_str(
        "      containers: &c [{name: c, image: nginx, env: *e12, envFrom: *e12, ports: *e12, \
         volumeMounts: *e12}]\n      initContainers: *c\n      volumes: *e12\n      \
         tolerations: *e12\n",
    );
    let case = Case::file(&fx, "hostile/alias-bomb.yaml", text, true);
    check_case("alias bomb", &fx, &case);
}

#[test]
fn deep_nesting_yaml() {
    let fx = Fixture::new();
    let n = 100_000;
    let text = format!(
        "{}{}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  labels: {}1{}\n",
        "[".repeat(n),
        "]".repeat(n),
        "{a: ".repeat(n),
        "}".repeat(n)
    );
    let case = Case::file(&fx, "hostile/deep.yaml", text, true);
    check_case("100,000-deep YAML", &fx, &case);
}

#[test]
fn deep_nesting_json() {
    let fx = Fixture::new();
    let n = 50_000;
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"deep\"}}, \
         \"data\": {}1{}}}",
        "[{\"a\": ".repeat(n),
        "}]".repeat(n)
    );
    let case = Case::file(&fx, "hostile/deep.json", text, true);
    check_case("100,000-deep JSON", &fx, &case);
}

#[test]
fn large_single_line_scalar() {
    let fx = Fixture::new();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: {}\n",
        "x".repeat(20_000_000)
    );
    let case = Case::file(&fx, "hostile/big-scalar.yaml", text, false);
    check_case("20 MB single-line scalar", &fx, &case);
}

#[test]
fn binary_file() {
    let fx = Fixture::new();
    let bytes: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 256) as u8).collect();
    let case = Case::file(&fx, "hostile/binary.yaml", bytes, true);
    check_case("binary", &fx, &case);
}

#[test]
fn invalid_utf8() {
    let fx = Fixture::new();
    let mut bytes = typo_service("latin1").into_bytes();
    bytes.extend_from_slice(b"# caf\xe9 \xff\xfe\n");
    let case = Case::file(&fx, "hostile/invalid-utf8.yaml", bytes, true);
    check_case("invalid UTF-8", &fx, &case);
}

#[test]
fn utf16_with_bom() {
    let fx = Fixture::new();
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            typo_service("utf16")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let case = Case::file(&fx, "hostile/utf16.yaml", bytes, true);
    check_case("UTF-16 with BOM", &fx, &case);
}

#[test]
fn crlf_line_endings() {
    let fx = Fixture::new();
    let text = typo_service("crlf").replace('\n', "\r\n");
    let mut case = Case::file(&fx, "hostile/crlf.yaml", text, false);
    // Lines are counted as with LF endings.
    case.finding = Some(("crlf", "hostile/crlf.yaml".into(), 7));
    check_case("CRLF", &fx, &case);
}

#[test]
fn symlink_loop_in_a_walked_directory() {
    let fx = Fixture::new();
    fs::create_dir_all(fx.path("walk/sub")).unwrap();
    std::os::unix::fs::symlink("..", fx.path("walk/sub/loop")).unwrap();
    let case = Case::dir(&fx, "walk", Some("walk/sub/loop"));
    check_case("symlink loop", &fx, &case);
}

#[test]
fn fifo_in_a_walked_directory_is_skipped() {
    let fx = Fixture::new();
    // Skipped without a word, as ripgrep and git do: opening it would block.
    fx.mkfifo("walk/pipe.yaml");
    let case = Case::dir(&fx, "walk", None);
    check_case("FIFO in a walk", &fx, &case);
}

#[test]
fn unreadable_file_in_a_walked_directory() {
    let fx = Fixture::new();
    let locked = fx.write("walk/locked.yaml", typo_service("locked"));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in CI) reads chmod 000 files: then the file must be analyzed like any other.
    let privileged = fs::read(&locked).is_ok();
    let mut case = Case::dir(&fx, "walk", (!privileged).then_some("locked.yaml"));
    if privileged {
        eprintln!("running with privileges that read chmod 000 files: checking it is analyzed");
        case.finding = Some(("locked", "walk/locked.yaml".into(), 7));
    }
    check_case("unreadable file", &fx, &case);
}

#[test]
fn empty_stdin() {
    let fx = Fixture::new();
    let case = Case {
        inputs: strings(&["-", "good.yaml"]),
        diff_side: "-".into(),
        diff_has_good: false,
        stdin: Vec::new(),
        bad: None,
        finding: None,
    };
    check_case("empty stdin", &fx, &case);
}

/// `n` documents, one in ten a ConfigMap, the others a comment.
fn tiny_documents(n: usize, every: usize) -> String {
    let mut text = String::with_capacity(n * 40);
    for i in 0..n {
        if i % every == 0 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"
            ));
        } else {
            text.push_str("---\n# tiny\n");
        }
    }
    text
}

#[test]
fn many_tiny_documents() {
    let fx = Fixture::new();
    let case = Case::file(&fx, "hostile/tiny.yaml", tiny_documents(100_000, 10), false);
    check_case("100,000 tiny documents", &fx, &case);
}

// The issue's full sizes: too slow for debug builds, run by the release check
// (`cargo test --release -p faultline-cli --test hostile_input -- --ignored`).

#[test]
#[ignore = "full size: run in the release check"]
fn full_size_single_line_scalar_200_mb() {
    let fx = Fixture::new();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  x: {}\n",
        "x".repeat(200_000_000)
    );
    let case = Case::file(&fx, "hostile/big-scalar.yaml", text, false);
    check_case("200 MB single-line scalar", &fx, &case);
}

#[test]
#[ignore = "full size: run in the release check"]
fn full_size_one_million_tiny_documents() {
    let fx = Fixture::new();
    let case = Case::file(
        &fx,
        "hostile/tiny.yaml",
        tiny_documents(1_000_000, 1),
        false,
    );
    check_case("1,000,000 tiny documents", &fx, &case);
}

// ---------------------------------------------------------------------------------------------
// Limits

/// Every subcommand on `inputs` (+ `good.yaml`) with `flags` before them; each run must be
/// harmless, end within `QUICK`, name `path` with `message` (in a diagnostic, an input problem
/// or a warning) and still analyze the good file.
fn refused_by_every_subcommand(
    fx: &Fixture,
    flags: &[&str],
    input: &str,
    stdin: &[u8],
    path: &str,
    message: &str,
) {
    for (label, head) in READERS {
        let mut args = strings(head);
        args.extend(strings(flags));
        args.extend(strings(&[input, "good.yaml"]));
        let run = fx.run(&args, stdin, QUICK);
        run.assert_harmless();
        let shown = match label {
            "check" | "triage" => &run.stdout,
            _ => &run.stderr,
        };
        assert!(
            shown.contains(path) && shown.contains(message),
            "{}: `{path}` with `{message}` not reported\nstdout: {}\nstderr: {}",
            run.what,
            excerpt(&run.stdout),
            excerpt(&run.stderr)
        );
        match label {
            "check" => {
                assert_eq!(run.code, 2, "{}", run.what);
                assert!(selects_nothing(&diagnostics(&run), "lonely").is_some());
            }
            "triage" => assert!(run.stdout.contains("Pod/default/crasher"), "{}", run.what),
            "matrix" => {
                run.assert_stdout_has("default/a[Deployment] => default/b[Deployment]");
            }
            "reach" => assert_eq!(run.code, 0, "{}: {}", run.what, run.stderr),
            _ => {
                run.assert_stdout_has("\"Service/default/web\"");
            }
        }
    }
    for (old, new) in [(input, "good.yaml"), ("good.yaml", input)] {
        let mut args = strings(&["diff", "--no-config"]);
        args.extend(strings(flags));
        args.extend(strings(&[old, new]));
        let run = fx.run(&args, stdin, QUICK);
        run.assert_harmless();
        run.assert_stderr_has(path).assert_stderr_has(message);
        run.assert_stdout_has("default/a[Deployment]");
    }
}

#[test]
fn sparse_file_over_4_gib_is_refused_unread() {
    let fx = Fixture::new();
    let huge = fs::File::create(fx.path("huge.yaml")).unwrap();
    huge.set_len(5 << 30).unwrap();
    drop(huge);
    // Read, its first 8 KiB (NULs) would make it "binary": the message shows it was not.
    refused_by_every_subcommand(
        &fx,
        &[],
        "huge.yaml",
        b"",
        "huge.yaml",
        "file is 5 GiB, over the 4 GiB limit (--max-input-size), the most faultline can read",
    );
    // Inside a walk too.
    fs::create_dir(fx.path("walk")).unwrap();
    fs::rename(fx.path("huge.yaml"), fx.path("walk/huge.yaml")).unwrap();
    let run = fx.run(
        &strings(&["check", "--no-config", "--format", "json", "walk"]),
        b"",
        QUICK,
    );
    run.assert_harmless().assert_stdout_has("file is 5 GiB");
}

/// A valid manifest of about 2 MB.
fn two_megabytes() -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\ndata:\n  x: {}\n",
        "x".repeat(2_000_000)
    )
}

#[test]
fn max_input_size_refuses_a_larger_file_and_stream() {
    let fx = Fixture::new();
    fx.write("two.yaml", two_megabytes());
    refused_by_every_subcommand(
        &fx,
        &["--max-input-size", "1Mi"],
        "two.yaml",
        b"",
        "two.yaml",
        "file is 1.9 MiB, over the 1 MiB limit (--max-input-size); split it, or raise the limit",
    );
    // A pipe: read up to the limit, then refused.
    refused_by_every_subcommand(
        &fx,
        &["--max-input-size", "1Mi"],
        "-",
        two_megabytes().as_bytes(),
        "<stdin>",
        "input is over the 1 MiB limit (--max-input-size)",
    );
    // Under the limit (SI suffix), or with the default, the file is read.
    for flags in [&["--max-input-size", "3M"][..], &[]] {
        let mut args = strings(&["check", "--no-config", "--format", "json"]);
        args.extend(strings(flags));
        args.push("two.yaml".into());
        let run = fx.run(&args, b"", QUICK);
        run.assert_harmless();
        assert!(
            diagnostics(&run)
                .iter()
                .all(|d| d["rule"] != "input-unreadable"),
            "{}",
            run.what
        );
    }
}

#[test]
fn max_input_size_values() {
    let fx = Fixture::new();
    for ok in ["1048576", "500Mi", "100M", "1.5Gi", "4Gi"] {
        let run = fx.run(
            &strings(&["check", "--no-config", "--max-input-size", ok, "good.yaml"]),
            b"",
            QUICK,
        );
        assert_eq!(run.code, 1, "{ok}: {}", run.stderr);
    }
    for (bad, why) in [
        ("5Gi", "the most faultline can read"),
        ("4294967297", "the most faultline can read"),
        ("0", "at least 1 byte"),
        ("12q", "is not a size"),
        ("1m", "is not a size"),
    ] {
        for head in [
            &["check", "--no-config"][..],
            &["triage", "--no-config"],
            &["matrix"],
            &["reach", "--from", "default/a", "--to", "default/b"],
            &["graph"],
        ] {
            let mut args = strings(head);
            args.extend(strings(&["--max-input-size", bad, "good.yaml"]));
            let run = fx.run(&args, b"", QUICK);
            assert_eq!(run.code, 2, "{}", run.what);
            run.assert_stderr_has(why);
        }
        let args = strings(&[
            "diff",
            "--no-config",
            "--max-input-size",
            bad,
            "good.yaml",
            "empty.yaml",
        ]);
        let run = fx.run(&args, b"", QUICK);
        assert_eq!(run.code, 2, "{}", run.what);
        run.assert_stderr_has(why);
    }
}

#[test]
fn fifo_named_on_the_command_line_is_refused_without_blocking() {
    let fx = Fixture::new();
    fx.mkfifo("p.yaml");
    // If it were opened, the open would block forever (nothing writes to it): QUICK kills it.
    refused_by_every_subcommand(
        &fx,
        &[],
        "p.yaml",
        b"",
        "p.yaml",
        "is a named pipe (FIFO); faultline reads regular files, directories and `-` (stdin)",
    );
}

#[test]
fn dev_zero_named_directly_is_refused() {
    let fx = Fixture::new();
    refused_by_every_subcommand(
        &fx,
        &[],
        "/dev/zero",
        b"",
        "/dev/zero",
        "is a character device; faultline reads regular files, directories and `-` (stdin)",
    );
}

/// Runs faultline with `stdin` as its standard input (assert_cmd always pipes a buffer),
/// killing it after `timeout`.
fn run_with_stdin(fx: &Fixture, args: &[String], stdin: Stdio, timeout: Duration) -> Run {
    let start = Instant::now();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("faultline"))
        .current_dir(fx.dir.path())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("faultline starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    Run::new(args, out, start.elapsed())
}

#[test]
fn stdin_from_dev_zero_stops_at_the_binary_probe() {
    let fx = Fixture::new();
    for (label, head) in READERS {
        let mut args = strings(head);
        args.extend(strings(&["-", "good.yaml"]));
        let zero = fs::File::open("/dev/zero").unwrap();
        let run = run_with_stdin(&fx, &args, Stdio::from(zero), QUICK);
        run.assert_harmless();
        let shown = match label {
            "check" | "triage" => &run.stdout,
            _ => &run.stderr,
        };
        assert!(
            shown.contains("<stdin>") && shown.contains("binary file skipped"),
            "{}\nstdout: {}\nstderr: {}",
            run.what,
            excerpt(&run.stdout),
            excerpt(&run.stderr)
        );
        // Stopped after 8 KiB, not 4 GiB (which takes tens of seconds in a debug build).
        assert!(
            run.took < Duration::from_secs(15),
            "{}: {:?}",
            run.what,
            run.took
        );
    }
    let args = strings(&["diff", "--no-config", "-", "good.yaml"]);
    let zero = fs::File::open("/dev/zero").unwrap();
    let run = run_with_stdin(&fx, &args, Stdio::from(zero), QUICK);
    run.assert_harmless()
        .assert_stderr_has("binary file skipped");
}

#[test]
fn dev_fd_paths_are_read_as_streams() {
    let fx = Fixture::new();
    // A pipe behind /dev/fd/0 is what `<(…)` gives, with another number.
    for path in ["/dev/fd/0", "/dev/stdin", "/proc/self/fd/0"] {
        let args = strings(&["check", "--no-config", "--format", "json", path]);
        let run = fx.run(&args, GOOD.as_bytes(), QUICK);
        run.assert_harmless();
        assert_eq!(
            selects_nothing(&diagnostics(&run), "lonely"),
            Some((path.to_owned(), GOOD_LONELY_LINE)),
            "{}",
            run.what
        );
        // The limit applies to them as to any stream.
        let args = strings(&["check", "--no-config", "--max-input-size", "1Mi", path]);
        let run = fx.run(&args, two_megabytes().as_bytes(), QUICK);
        run.assert_harmless()
            .assert_stdout_has("input is over the 1 MiB limit");
    }
}

#[test]
fn process_substitution_through_bash() {
    let fx = Fixture::new();
    if std::process::Command::new("bash")
        .arg("-c")
        .arg("true")
        .status()
        .is_err()
    {
        eprintln!("skipped: no bash for `<(…)`");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("faultline");
    let bash = |script: &str| {
        let mut cmd = Command::new("bash");
        cmd.current_dir(fx.dir.path())
            .arg("-c")
            .arg(script)
            .arg(&bin)
            .timeout(QUICK);
        let start = Instant::now();
        let out = cmd.output().expect("bash runs");
        Run::new(&[script.to_owned()], out, start.elapsed())
    };
    let run = bash(r#""$0" check --no-config --format json <(cat good.yaml)"#);
    run.assert_harmless();
    let (path, line) = selects_nothing(&diagnostics(&run), "lonely").expect("the finding");
    assert!(path.starts_with("/dev/fd/"), "{path}");
    assert_eq!(line, GOOD_LONELY_LINE);
    // `diff` reads each side twice (connectivity, findings): a pipe must give the same input
    // both times, or the findings comparison sees nothing.
    let run = bash(r#""$0" diff --no-config <(cat good.yaml) <(cat empty.yaml)"#);
    run.assert_harmless()
        .assert_stdout_has("diff-type: removed")
        .assert_stdout_has("fixed: [error] service-selects-no-pods Service/default/lonely");
}

#[test]
fn diff_reads_a_stdin_side_once() {
    let fx = Fixture::new();
    let run = fx.run(
        &strings(&["diff", "--no-config", "-", "empty.yaml"]),
        GOOD.as_bytes(),
        QUICK,
    );
    run.assert_harmless()
        .assert_stdout_has("fixed: [error] service-selects-no-pods Service/default/lonely");
    let run = fx.run(
        &strings(&["diff", "--no-config", "empty.yaml", "-"]),
        GOOD.as_bytes(),
        QUICK,
    );
    assert_eq!(run.code, 1, "new errors: {}", run.stdout);
    run.assert_harmless()
        .assert_stdout_has("new: [error] service-selects-no-pods Service/default/lonely");
}
