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
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

use faultline_rules::config::Config;
use faultline_rules::testing::check_texts;
use faultline_rules::{Settings, registry};

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

#[test]
fn every_fixture_behaves() {
    let mut failures = Vec::new();
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
            let (files, diags) = if std::str::from_utf8(&bytes).is_err() || bytes.contains(&0) {
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
                continue;
            } else {
                check_texts(&[(&name, &text)], &settings)
            };
            let mine: Vec<_> = diags.iter().filter(|d| d.rule == id).collect();
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
}
