//! Suppressions written in the input: the `faultline.dev/ignore` annotation on an object and
//! `# faultline:ignore rule-id` comments on or above the offending line.

use std::collections::BTreeMap;

use faultline_diagnostics::Diagnostic;
use faultline_syntax::FileId;

use crate::context::Context;
use crate::sink::Found;

/// The annotation that switches rules off for one object: `"rule-a,rule-b"` or `"all"`.
pub const ANNOTATION: &str = "faultline.dev/ignore";
/// The comment marker: `# faultline:ignore rule-a, rule-b` (or `all`).
pub const COMMENT_MARKER: &str = "faultline:ignore";

/// Whether a comma- or space-separated list of rule ids names `rule` (or says `all`).
fn list_names(list: &str, rule: &str) -> bool {
    list.split([',', ' '])
        .map(str::trim)
        .any(|r| r == rule || r == "all")
}

pub(crate) fn by_annotation(cx: &Context<'_>, found: &Found) -> bool {
    let Some(id) = found.object else {
        return false;
    };
    // Loader findings cannot be switched off from inside the broken object.
    if found.diag.rule == crate::registry::internal_error::InternalError::ID {
        return false;
    }
    let obj = cx.inventory.get(id);
    obj.annotation(ANNOTATION)
        .and_then(|a| a.scalar_text())
        .is_some_and(|list| list_names(list, found.diag.rule))
}

/// Per file, the 0-based lines that carry an ignore comment and the rules each one names.
#[derive(Debug, Default)]
pub(crate) struct CommentSuppressions {
    by_file: BTreeMap<FileId, BTreeMap<u32, (bool, String)>>,
}

impl CommentSuppressions {
    pub(crate) fn collect(cx: &Context<'_>) -> Self {
        let mut by_file = BTreeMap::new();
        for (i, parsed) in cx.parsed.iter().enumerate() {
            let file = &cx.files[i];
            let mut lines = BTreeMap::new();
            for range in &parsed.comments {
                let text = file.slice(*range);
                let Some(rest) = text
                    .trim_start_matches('#')
                    .trim()
                    .strip_prefix(COMMENT_MARKER)
                else {
                    continue;
                };
                let line = file.lines.line_of(range.start);
                let line_start = file.lines.line_range(&file.text, line).start;
                let own_line = file.text[line_start as usize..range.start as usize]
                    .trim()
                    .is_empty();
                let rules = rest.trim().to_owned();
                lines.insert(line, (own_line, rules));
            }
            if !lines.is_empty() {
                by_file.insert(FileId(i as u32), lines);
            }
        }
        Self { by_file }
    }

    /// A comment on the diagnostic's first line, or a comment alone on the line above it.
    pub(crate) fn suppresses(&self, cx: &Context<'_>, diag: &Diagnostic) -> bool {
        let (Some(lines), Some(range)) =
            (self.by_file.get(&diag.location.file), diag.location.range)
        else {
            return false;
        };
        let file = &cx.files[diag.location.file.0 as usize];
        let line = file.lines.line_of(range.start);
        // A bare marker silences every rule on its line.
        let names = |rules: &String| rules.is_empty() || list_names(rules, diag.rule);
        let same = lines.get(&line).is_some_and(|(_, r)| names(r));
        let above = line > 0
            && lines
                .get(&(line - 1))
                .is_some_and(|(own, r)| *own && names(r));
        same || above
    }
}
