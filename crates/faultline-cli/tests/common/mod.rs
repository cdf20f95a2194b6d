//! Helpers shared by the integration tests that read `../shared`.
#![allow(clippy::print_stderr, dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/corpora`, or `None` (with a message) when it is missing; missing data fails the
/// test when `CI` is set.
pub fn corpora() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}
