//! Test-only helper: the read-only reference data in `../shared`, beside the repository.
//!
//! Every test that reads `../shared` asks here, so the rule is written once:
//!
//! * present: the path;
//! * missing with `CI` set (to anything but `""`, `0` or `false`): the test fails, saying
//!   what is missing;
//! * missing otherwise: the test is skipped and prints one line naming itself. The line is
//!   written straight to the process's stderr, which the test harness does not capture (it
//!   captures only `print!`/`eprint!`), so `cargo test` shows it without `--nocapture`.
//!
//! A dev-dependency only: it reads the environment, which no library crate of the pipeline
//! does (only the CLI).

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `../shared`, beside the repository (the parent of the workspace root).
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// `../shared/<rel>` when it exists; see the crate documentation for when it does not.
#[track_caller]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let dir = shared_dir().join(rel);
    if dir.exists() {
        return Some(dir);
    }
    missing(&format!("../shared/{rel}"));
    None
}

/// `../shared/corpora`.
#[track_caller]
pub fn corpora() -> Option<PathBuf> {
    shared("corpora")
}

/// `../shared/corpora/<name>`.
#[track_caller]
pub fn corpus(name: &str) -> Option<PathBuf> {
    shared(&format!("corpora/{name}"))
}

/// Whether the environment says this is CI (`CI` set, and not `""`, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !(v.is_empty() || v == "0" || v == "false"))
}

/// Data a test needs is missing (`what`: a path or a description): fails under CI, else
/// prints one visible line naming the test and returns, for the caller to skip.
#[track_caller]
pub fn missing(what: &str) {
    assert!(
        !in_ci(),
        "CI is set but {what} is missing: CI runs with the reference data checked out in \
         ../shared beside the repository"
    );
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Not `eprintln!`: the test harness captures it and shows it only on failure. One write,
    // so that the line is not cut by the harness's own output from other threads.
    let line = format!("skipping {test}: {what} not found (CI=true makes this a failure)\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
