//! Running the whole pipeline on in-memory text, for tests of rules, docs and fixtures.

use std::sync::Arc;

use faultline_diagnostics::Diagnostic;
use faultline_model::{Inventory, ModelOptions};
use faultline_syntax::{FileId, ParsedText, SourceFile};

use crate::{Context, Settings};

/// Parses each `(path, text)` as the CLI would and runs every enabled rule.
pub fn check_texts(
    inputs: &[(&str, &str)],
    settings: &Settings,
) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    with_texts(inputs, settings, |_, diags| diags)
}

/// [`check_texts`], then `then` on the run's context and its findings while the context is
/// alive (what comes after the engine, such as cause chains, is built there).
pub fn with_texts<R>(
    inputs: &[(&str, &str)],
    settings: &Settings,
    then: impl FnOnce(&Context<'_>, Vec<Diagnostic>) -> R,
) -> (Vec<SourceFile>, R) {
    let files: Vec<SourceFile> = inputs
        .iter()
        .enumerate()
        .map(|(i, (path, text))| SourceFile::new(FileId(i as u32), *path, Arc::<str>::from(*text)))
        .collect();
    let parsed: Vec<_> = files
        .iter()
        .map(faultline_syntax::load::parse_source)
        .collect();
    with_parsed(files, &parsed, settings, then)
}

/// Runs every enabled rule on files already parsed (or refused: a `ParsedText` holding an
/// `Unreadable` problem, as the CLI makes of a file the loader refused).
pub fn check_parsed(
    files: Vec<SourceFile>,
    parsed: &[ParsedText],
    settings: &Settings,
) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    with_parsed(files, parsed, settings, |_, diags| diags)
}

fn with_parsed<R>(
    files: Vec<SourceFile>,
    parsed: &[ParsedText],
    settings: &Settings,
    then: impl FnOnce(&Context<'_>, Vec<Diagnostic>) -> R,
) -> (Vec<SourceFile>, R) {
    let options = ModelOptions::default();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let inventory = Inventory::build_with_paths(parsed, &paths, &options);
    let graph = faultline_graph::Graph::build(&inventory);
    let cx = Context::new(&files, parsed, &graph, settings);
    let result = then(&cx, crate::run(&cx, &settings.enabled_rules()));
    (files, result)
}
