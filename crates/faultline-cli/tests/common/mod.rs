//! How the CLI tests run faultline: from the workspace root, without the caller's `NO_COLOR`
//! and `RAYON_NUM_THREADS`, capturing the exit code and both streams.

// Each test file uses what it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("faultline")
}

pub fn faultline() -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS");
    cmd
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_with(cmd: &mut Command, args: &[&str]) -> Run {
    let out = cmd.args(args).output().expect("faultline runs");
    Run {
        code: out.status.code().expect("faultline exits with a code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with(&mut faultline(), args)
}
