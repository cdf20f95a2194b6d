//! Every rule's fixtures under `testdata/rules/<id>/`: `fail*.yaml` must fire the rule and
//! `pass*.yaml` must not. In a fail fixture, a comment line of carets under a line asserts a
//! finding of that rule starting exactly there:
//!
//! ```yaml
//!       memory: 2GB
//! #             ^^^ invalid-quantity
//! ```
//!
//! `# at COL:WIDTH rule-id` does the same for a position a caret cannot reach (column 1).
//! Every finding of the rule in a fail fixture must be claimed by such a line, and every such
//! line by a finding. An optional `settings.yaml` beside the fixtures is a `.faultline.yaml`.
//!
//! Every fixture also has a snapshot of what its rule says there, in
//! `tests/snapshots/fixtures__<rule-id>__<fixture>.snap`: each finding's rule, severity,
//! position, object, message, help and related entries, as the engine reports them (the
//! rules' findings, without cause chains). `cargo insta review` (or `INSTA_UPDATE=always`)
//! accepts changed messages; a snapshot whose fixture is gone fails the test.
#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use faultline_diagnostics::visible::visible;
use faultline_diagnostics::{Diagnostic, Location, sort_diagnostics};
use faultline_rules::config::Config;
use faultline_rules::testing::{check_parsed, check_texts};
use faultline_rules::{Settings, registry};
use faultline_syntax::{FileId, ParsedText, Problem, ProblemKind, SourceFile};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules")
}

struct Caret {
    line: u32,
    column: u32,
    width: u32,
    rule: String,
}

fn carets(text: &str) -> Vec<Caret> {
    let mut out = Vec::new();
    let mut last_code_line = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let after_hash = trimmed.strip_prefix('#').map(str::trim_start);
        // `# at COL:WIDTH rule-id` asserts a finding a caret cannot reach (column 1).
        if let Some(rest) = after_hash.and_then(|r| r.strip_prefix("at ")) {
            let (pos, rule) = rest.split_once(' ').expect("`# at COL:WIDTH rule-id`");
            let (col, width) = pos.split_once(':').expect("`COL:WIDTH`");
            out.push(Caret {
                line: last_code_line,
                column: col.parse().expect("a column"),
                width: width.parse().expect("a width"),
                rule: rule.trim().to_owned(),
            });
        } else if let Some(rest) = after_hash.filter(|r| r.starts_with('^')) {
            let col = line.find('^').expect("has a caret") as u32 + 1;
            let width = rest.chars().take_while(|c| *c == '^').count() as u32;
            let rule = rest.trim_start_matches('^').trim().to_owned();
            out.push(Caret {
                line: last_code_line,
                column: col,
                width,
                rule,
            });
        } else {
            last_code_line = i as u32 + 1;
        }
    }
    out
}

fn settings_for(dir: &Path) -> Settings {
    let mut settings = Settings::default();
    if let Ok(text) = std::fs::read_to_string(dir.join("settings.yaml")) {
        Config::parse(&text)
            .expect("valid settings.yaml")
            .apply(&mut settings);
    }
    settings
}

/// What the engine reports on bytes the loader refuses, read as the CLI reads them
/// (`check::add_loaded`): the file's readable text with an `Unreadable` problem.
fn check_refused(
    name: &str,
    bytes: &[u8],
    settings: &Settings,
) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let loaded = faultline_syntax::load::load_bytes(vec![(name.to_owned(), bytes.to_vec())]);
    let mut files = Vec::new();
    let mut parsed = Vec::new();
    for (mut f, p) in loaded.files.into_iter().zip(loaded.parsed) {
        f.id = FileId(files.len() as u32);
        files.push(f);
        parsed.push(p);
    }
    for e in loaded.errors {
        let text = e.lossy_text.unwrap_or_default();
        let range = e.range.filter(|r| (r.end as usize) <= text.len());
        files.push(SourceFile::new(FileId(files.len() as u32), e.path, text));
        parsed.push(ParsedText {
            problems: vec![Problem {
                kind: ProblemKind::Unreadable,
                range,
                message: e.message,
                related: Vec::new(),
            }],
            ..ParsedText::default()
        });
    }
    check_parsed(files, &parsed, settings)
}

/// `path:line:col` of a location, or the path alone for a whole file.
fn place(files: &[SourceFile], loc: &Location) -> String {
    let file = &files[loc.file.0 as usize];
    match loc.range {
        Some(r) => {
            let lc = file.line_col(r.start);
            format!("{}:{}:{}", file.path, lc.line, lc.column)
        }
        None => file.path.clone(),
    }
}

/// The findings of a fixture's rule as the text of its snapshot.
fn render(files: &[SourceFile], mine: &[&Diagnostic]) -> String {
    if mine.is_empty() {
        return "(no findings)\n".to_owned();
    }
    let mut out = String::new();
    for d in mine {
        if !out.is_empty() {
            out.push('\n');
        }
        // The fixture's own file: line and column only.
        let at = match d.location.range {
            Some(r) => {
                let lc = files[d.location.file.0 as usize].line_col(r.start);
                format!("{}:{}", lc.line, lc.column)
            }
            None => "(whole file)".to_owned(),
        };
        let object = d
            .object
            .as_ref()
            .map_or_else(|| "(no object)".to_owned(), ToString::to_string);
        let _ = writeln!(out, "{} {} at {at}, {object}", d.rule, d.severity);
        let _ = writeln!(out, "  message: {}", visible(&d.message));
        let help = if d.help.is_empty() {
            "(none)".to_owned()
        } else {
            visible(&d.help).into_owned()
        };
        let _ = writeln!(out, "  help: {help}");
        for r in &d.related {
            let at = r
                .location
                .as_ref()
                .map_or_else(|| "(no location)".to_owned(), |l| place(files, l));
            let object = r
                .object
                .as_ref()
                .map_or_else(|| "(no object)".to_owned(), ToString::to_string);
            let _ = writeln!(out, "  related: {at}, {object}: {}", visible(&r.message));
        }
    }
    out
}

/// The snapshot's name for a fixture: `<rule-id>__<file stem>`.
fn snapshot_name(id: &str, fixture: &str) -> String {
    let stem = fixture.strip_suffix(".yaml").unwrap_or(fixture);
    format!("{id}__{stem}")
}

/// Compares one fixture's snapshot. A mismatch is returned, not raised, so that one run
/// writes the `.snap.new` of every fixture that changed.
fn snapshot(id: &str, fixture: &str, text: &str) -> Result<(), String> {
    let name = snapshot_name(id, fixture);
    let mut settings = insta::Settings::clone_current();
    settings.set_description(format!("testdata/rules/{id}/{fixture}"));
    settings.set_omit_expression(true);
    catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.as_str(), text));
    }))
    .map_err(|_| format!("tests/snapshots/fixtures__{name}.snap"))
}

/// Snapshot files of this test that no fixture produced.
fn stale_snapshots(produced: &BTreeSet<String>) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut stale: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|n| {
            n.strip_prefix("fixtures__")?
                .strip_suffix(".snap")
                .map(str::to_owned)
        })
        .filter(|n| !produced.contains(n))
        .map(|n| format!("tests/snapshots/fixtures__{n}.snap"))
        .collect();
    stale.sort();
    stale
}

#[test]
fn every_fixture_behaves() {
    let mut failures = Vec::new();
    let mut mismatched = Vec::new();
    let mut produced = BTreeSet::new();
    let mut checked = 0;
    for rule in registry::ALL {
        let id = rule.meta().info.id;
        let dir = testdata().join(id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let settings = settings_for(&dir);
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let fail = name.starts_with("fail");
            if !(fail || name.starts_with("pass")) {
                continue;
            }
            checked += 1;
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // Fixtures for unreadable input are read by the real loader.
            let unreadable = std::str::from_utf8(&bytes).is_err() || bytes.contains(&0);
            if unreadable {
                let loaded = faultline_syntax::load::load_all(
                    &[faultline_syntax::load::Input::Path(path.clone())],
                    &Default::default(),
                );
                let message = loaded
                    .errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                let found = !loaded.errors.is_empty();
                if fail && !found {
                    failures.push(format!("{id}/{name}: the loader accepted it"));
                } else if !fail && found {
                    failures.push(format!("{id}/{name}: the loader refused it: {message}"));
                }
            }
            let (files, mut diags) = if unreadable {
                check_refused(&name, &bytes, &settings)
            } else {
                check_texts(&[(&name, &text)], &settings)
            };
            sort_diagnostics(&mut diags);
            let mine: Vec<_> = diags.iter().filter(|d| d.rule == id).collect();
            produced.insert(snapshot_name(id, &name));
            if let Err(e) = snapshot(id, &name, &render(&files, &mine)) {
                mismatched.push(e);
            }
            if unreadable {
                continue;
            }
            if !fail {
                for d in &mine {
                    let lc = files[0].line_col(d.location.range.map_or(0, |r| r.start));
                    failures.push(format!(
                        "{id}/{name}:{}:{}: unexpected: {}",
                        lc.line, lc.column, d.message
                    ));
                }
                continue;
            }
            if mine.is_empty() {
                failures.push(format!("{id}/{name}: the rule did not fire"));
            }
            let expected: Vec<_> = carets(&text).into_iter().filter(|c| c.rule == id).collect();
            let mut claimed = vec![false; mine.len()];
            for c in &expected {
                let hit = mine.iter().enumerate().find(|(i, d)| {
                    let Some(r) = d.location.range else {
                        return false;
                    };
                    let start = files[0].line_col(r.start);
                    let line_end = files[0]
                        .lines
                        .line_range(&files[0].text, start.line - 1)
                        .end;
                    let shown = files[0].text
                        [r.start as usize..r.end.min(line_end).max(r.start) as usize]
                        .chars()
                        .count()
                        .max(1) as u32;
                    !claimed[*i]
                        && start.line == c.line
                        && start.column == c.column
                        && shown == c.width
                });
                match hit {
                    Some((i, _)) => claimed[i] = true,
                    None => failures.push(format!(
                        "{id}/{name}:{}:{}: expected a finding {} characters wide here",
                        c.line, c.column, c.width
                    )),
                }
            }
            for (d, ok) in mine.iter().zip(&claimed) {
                if !ok {
                    let r = d.location.range.unwrap_or_default();
                    let lc = files[0].line_col(r.start);
                    failures.push(format!(
                        "{id}/{name}:{}:{}: finding not asserted by a caret line ({} chars): {}",
                        lc.line,
                        lc.column,
                        r.len(),
                        d.message
                    ));
                }
            }
        }
    }
    eprintln!("checked {checked} fixtures");
    assert!(
        checked > 0,
        "no fixtures found under {}",
        testdata().display()
    );
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
    assert!(
        mismatched.is_empty(),
        "{} message snapshots differ (review with `cargo insta review`):\n{}",
        mismatched.len(),
        mismatched.join("\n")
    );
    let stale = stale_snapshots(&produced);
    assert!(
        stale.is_empty(),
        "snapshots without a fixture (delete them):\n{}",
        stale.join("\n")
    );
}
