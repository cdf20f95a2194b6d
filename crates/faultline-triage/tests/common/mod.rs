//! What the cause-chain tests share: the rules and the chains run on one in-memory snapshot,
//! and the `suspected cause` entries of a finding with their lines.

use faultline_rules::Settings;
use faultline_rules::testing::with_texts;

/// The `suspected cause` entries of the first finding of `rule` in `text` (read as
/// `snap.yaml`), each with its line, under `settings`.
pub fn causes_with(text: &str, rule: &str, settings: &Settings) -> Vec<(String, Option<u32>)> {
    let (files, (diags, chains)) = with_texts(&[("snap.yaml", text)], settings, |cx, diags| {
        let chains = faultline_triage::chains(cx, &diags);
        (diags, chains)
    });
    let i = diags
        .iter()
        .position(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {diags:#?}"));
    chains
        .iter()
        .find(|c| c.symptom == i)
        .map(|c| c.related_entries())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let line = r.location.and_then(|l| {
                l.range
                    .map(|range| files[l.file.0 as usize].line_col(range.start).line)
            });
            (r.message.clone(), line)
        })
        .collect()
}

/// [`causes_with`] under the default settings.
#[allow(dead_code)] // Not every test file uses both.
pub fn causes(text: &str, rule: &str) -> Vec<(String, Option<u32>)> {
    causes_with(text, rule, &Settings::default())
}
