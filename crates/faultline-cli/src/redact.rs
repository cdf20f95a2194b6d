//! The one redaction layer between what was read and what is written: every renderer, every
//! format and every command takes its Secret-free view of the input from a [`Redactor`].
//!
//! What is hidden:
//! - **Secrets that parsed**: the whole `data` and `stringData` mappings (keys included: a
//!   duplicated key's dropped value is no longer in the tree but still in the text) and the
//!   `kubectl.kubernetes.io/last-applied-configuration` annotation, which holds the whole
//!   Secret.
//! - **Secrets that did not parse**: a document dropped for a syntax error, or a file that is
//!   not valid UTF-8, whose text has a `kind: Secret` line (`"kind": "Secret"` in JSON) is
//!   treated as a Secret whose structure is unknown: every value token is hidden and only
//!   mapping keys, indentation and punctuation stay visible.
//! - **Credentials in env values**: literal `env[].value`s of any pod spec that
//!   [`faultline_model::credentials`] judges to be credentials.
//!
//! How it is hidden:
//! - [`Redactor::hides`] answers for any byte range: source snippets replace every hidden
//!   character.
//! - Text located inside a hidden range (a message, a related note, a cause) loses its quoted
//!   values (`` `…` `` becomes `` `***` ``). A finding's help is faultline's own advice and
//!   keeps its quotes.
//! - The values themselves (the literal as written, base64-decoded `data` values, the values
//!   in the last-applied annotation, the secret part of credential env values) are replaced by
//!   `***` wherever free text quotes them: messages, help, notes, causes, and a triage report's
//!   Event messages and log lines. Values shorter than [`MIN_QUOTED_VALUE`] characters are not
//!   searched for in free text (they would blank out ordinary words); they are still hidden in
//!   snippets and in text located inside them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use faultline_diagnostics::{Diagnostic, Location, Related};
use faultline_model::credentials::credential_in_env;
use faultline_model::pod::PodTemplate;
use faultline_model::{Inventory, Object};
use faultline_syntax::{FileId, ParsedText, ProblemKind, SourceFile, TextRange};
use faultline_triage::Incident;
use rayon::prelude::*;

/// Values at least this many characters long are searched for in free text.
pub const MIN_QUOTED_VALUE: usize = 6;

/// What must never reach output, and how to take it out.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Sorted and merged per file.
    ranges: BTreeMap<FileId, Vec<TextRange>>,
    values: Option<AhoCorasick>,
    /// Where the values occur in each file whose snippets were drawn (sorted, as found).
    occurrences: Mutex<HashMap<FileId, Arc<Vec<TextRange>>>>,
}

impl Redactor {
    /// Collects the Secret text of a run: `files`/`parsed` as loaded (for documents that did not
    /// parse) and the inventories built from them (the checked inputs and any manifests read
    /// beside them).
    pub fn build(
        files: &[SourceFile],
        parsed: &[ParsedText],
        inventories: &[&Inventory<'_>],
    ) -> Self {
        let mut ranges: BTreeMap<FileId, Vec<TextRange>> = BTreeMap::new();
        let mut values: Vec<String> = Vec::new();
        for obj in inventories.iter().flat_map(|i| i.objects.iter()) {
            if obj.holds_secret_values() {
                collect_secret(obj, ranges.entry(obj.file).or_default(), &mut values);
            }
            if let Some(template) = PodTemplate::of(obj) {
                for container in template.containers() {
                    let items = container
                        .node
                        .get("env")
                        .into_iter()
                        .flat_map(|e| e.items());
                    for item in items {
                        let Some((name_key, name)) = item.entry("name") else {
                            continue;
                        };
                        let (Some(name_text), Some(value)) =
                            (name.as_str(), item.get("value").and_then(|v| v.as_str()))
                        else {
                            continue;
                        };
                        let Some(found) = credential_in_env(name_text, value) else {
                            continue;
                        };
                        // The whole entry but its name: a duplicated `value` key's dropped
                        // value is still in the text.
                        let hidden = ranges.entry(obj.file).or_default();
                        let whole = item.range();
                        hidden.push(TextRange::new(whole.start, name_key.range().start));
                        hidden.push(TextRange::new(name.range().end, whole.end));
                        values.push(value[found.start..found.end].to_owned());
                    }
                }
            }
        }
        for (file, parsed) in files.iter().zip(parsed) {
            let unreadable = parsed
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::Unreadable);
            let whole = TextRange::new(0, file.text.len() as u32);
            let regions = parsed
                .skipped
                .iter()
                .copied()
                .chain(unreadable.then_some(whole));
            for region in regions {
                let Some(text) = file.text.get(region.start as usize..region.end as usize) else {
                    continue;
                };
                if names_kind_secret(text) {
                    structure_mask(text, region.start, ranges.entry(file.id).or_default());
                }
            }
        }
        for list in ranges.values_mut() {
            list.retain(|r| r.end > r.start);
            merge(list);
        }
        ranges.retain(|_, list| !list.is_empty());
        values.retain(|v| v.chars().count() >= MIN_QUOTED_VALUE);
        values.sort_unstable();
        values.dedup();
        let values = (!values.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&values)
                    .ok()
            })
            .flatten();
        Self {
            ranges,
            values,
            occurrences: Mutex::default(),
        }
    }

    /// A Helm template shown in place of its rendered output ([`crate::helm`]): one that
    /// writes a Secret shows only its keys and punctuation, as a Secret document that could
    /// not be parsed does.
    pub fn add_template(&mut self, file: &SourceFile) {
        if names_kind_secret(&file.text) {
            let list = self.ranges.entry(file.id).or_default();
            structure_mask(&file.text, 0, list);
            list.retain(|r| r.end > r.start);
            merge(list);
        }
    }

    /// Whether any byte of `range` in `file` must not be shown. An empty range asks about the
    /// character at its start.
    pub fn hides(&self, file: FileId, range: TextRange) -> bool {
        let Some(list) = self.ranges.get(&file) else {
            return false;
        };
        let end = range.end.max(range.start + 1);
        let i = list.partition_point(|r| r.end <= range.start);
        list.get(i).is_some_and(|r| r.start < end)
    }

    /// [`Self::hides`], and whether `range` of `text` (the file's text) overlaps a known Secret
    /// value written anywhere else (an Event message, a log line, a ConfigMap): what a source
    /// snippet must mask. The value occurrences of a file are found in one pass, the first
    /// time one of its snippets is drawn.
    pub fn hides_text(&self, file: FileId, text: &str, range: TextRange) -> bool {
        if self.hides(file, range) {
            return true;
        }
        let Some(ac) = &self.values else {
            return false;
        };
        let occurrences = {
            let mut cache = self
                .occurrences
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(cache.entry(file).or_insert_with(|| {
                Arc::new(
                    ac.find_iter(text)
                        .map(|m| TextRange::new(m.start() as u32, m.end() as u32))
                        .collect(),
                )
            }))
        };
        let end = range.end.max(range.start + 1);
        let i = occurrences.partition_point(|r| r.end <= range.start);
        occurrences.get(i).is_some_and(|r| r.start < end)
    }

    /// Whether a location points into hidden text.
    pub fn hides_location(&self, location: Location) -> bool {
        location.range.is_some_and(|r| self.hides(location.file, r))
    }

    /// `text` with every known Secret value replaced by `***`.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.values {
            Some(ac) if ac.is_match(text) => {
                Cow::Owned(ac.replace_all(text, &vec!["***"; ac.patterns_len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// Scrubs `text` in place; when it is about a place inside hidden text, its quoted values
    /// go too.
    pub fn scrub_at(&self, location: Option<Location>, text: &mut String) {
        if location.is_some_and(|l| self.hides_location(l)) {
            *text = scrub_backticks(text);
        }
        if let Cow::Owned(s) = self.scrub(text) {
            *text = s;
        }
    }

    /// Scrubs every free text of the findings: message, help and related notes.
    pub fn scrub_diagnostics(&self, diags: &mut [Diagnostic]) {
        if self.ranges.is_empty() && self.values.is_none() {
            return;
        }
        // Each finding on its own, in parallel: a 1 GB snapshot has ~100,000 of them.
        diags.par_iter_mut().with_min_len(256).for_each(|d| {
            let at = Some(d.location);
            self.scrub_at(at, &mut d.message);
            // Help is faultline's own advice (the syntax rules' is constant text): only known
            // values are searched for in it.
            self.scrub_at(None, &mut d.help);
            for r in &mut d.related {
                self.scrub_at(r.location.or(at), &mut r.message);
            }
        });
    }

    /// Scrubs notes (a finding's suspected causes) as [`Self::scrub_diagnostics`] does.
    pub fn scrub_related(&self, notes: &mut [Related]) {
        if self.ranges.is_empty() && self.values.is_none() {
            return;
        }
        for r in notes {
            self.scrub_at(r.location, &mut r.message);
        }
    }

    /// Scrubs every free text of a triage report: symptoms, causes, Event messages, log lines,
    /// commands and the timeline.
    pub fn scrub_incident(&self, incident: &mut Incident) {
        if self.ranges.is_empty() && self.values.is_none() {
            return;
        }
        incident.for_each_text_mut(&mut |location, text| self.scrub_at(location, text));
    }
}

/// The hidden ranges and values of one Secret.
fn collect_secret(obj: &Object<'_>, ranges: &mut Vec<TextRange>, values: &mut Vec<String>) {
    for key in ["data", "stringData"] {
        let Some(map) = obj.node.get(key) else {
            continue;
        };
        ranges.push(map.range());
        for (_, value) in map.entries() {
            if let Some(text) = value.as_str() {
                push_value(text, key == "data", values);
            }
        }
    }
    // kubectl keeps the whole object, values included, in this annotation.
    if let Some(annotation) = obj.annotation("kubectl.kubernetes.io/last-applied-configuration") {
        ranges.push(annotation.range());
        if let Some(json) = annotation
            .as_str()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        {
            for key in ["data", "stringData"] {
                if let Some(map) = json.get(key).and_then(|m| m.as_object()) {
                    for value in map.values().filter_map(|v| v.as_str()) {
                        push_value(value, key == "data", values);
                    }
                }
            }
        }
    }
}

/// A value as written, and for `data` also decoded, with each line of a multi-line value.
fn push_value(text: &str, base64: bool, values: &mut Vec<String>) {
    let mut add = |s: &str| {
        let s = s.trim();
        values.push(s.to_owned());
        if s.contains('\n') {
            values.extend(s.lines().map(|l| l.trim().to_owned()));
        }
    };
    add(text);
    if base64 && let Some(decoded) = decode_base64(text) {
        add(&decoded);
    }
}

/// Standard base64 (whitespace ignored) to UTF-8 text; `None` when it is not both.
fn decode_base64(text: &str) -> Option<String> {
    fn sextet(b: u8) -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let digits = digits
        .strip_suffix(b"==")
        .or_else(|| digits.strip_suffix(b"="))
        .unwrap_or(&digits);
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut acc = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            acc |= sextet(b)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    String::from_utf8(out).ok()
}

/// Whether a document's text names `Secret` as a kind: a `kind: Secret` line (any
/// indentation, quoted or not, after a `- ` too) or `"kind": "Secret"`.
fn names_kind_secret(text: &str) -> bool {
    let is_secret = |v: &str| {
        let v = v.split(" #").next().unwrap_or(v).trim();
        let v = v.trim_end_matches(',').trim();
        matches!(v, "Secret" | "\"Secret\"" | "'Secret'")
    };
    for line in text.lines() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        for key in ["kind:", "\"kind\":", "'kind':"] {
            if let Some(rest) = t.strip_prefix(key)
                && is_secret(rest)
            {
                return true;
            }
        }
    }
    // Minified JSON: `"kind":"Secret"` anywhere on a line.
    let mut from = 0;
    while let Some(at) = text[from..].find("\"kind\"") {
        let rest = text[from + at + 6..].trim_start();
        if let Some(rest) = rest.strip_prefix(':')
            && rest.trim_start().starts_with("\"Secret\"")
        {
            return true;
        }
        from += at + 6;
    }
    false
}

/// Hides every value token of `text` (at file offset `base`): what stays visible is
/// whitespace, the punctuation `{ } [ ] , :`, a `- ` item marker, and mapping keys (a token
/// first on its line, after `- `, `{` or `,`, and followed by `:`).
fn structure_mask(text: &str, base: u32, out: &mut Vec<TextRange>) {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let lb = &bytes[line_start..line_start + line.len()];
        let mut i = 0;
        // What came before the current token on this line: `None` at the line start.
        let mut prev: Option<u8> = None;
        while i < lb.len() {
            let b = lb[i];
            if b.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':') {
                prev = Some(b);
                i += 1;
                continue;
            }
            if b == b'-' && lb.get(i + 1).is_none_or(u8::is_ascii_whitespace) {
                prev = Some(b'-');
                i += 1;
                continue;
            }
            let start = i;
            i = token_end(lb, i);
            let mut after = i;
            while after < lb.len() && (lb[after] == b' ' || lb[after] == b'\t') {
                after += 1;
            }
            let key_position = matches!(prev, None | Some(b'-' | b'{' | b','));
            let followed_by_colon = lb.get(after) == Some(&b':')
                && (lb.get(after + 1).is_none_or(|c| c.is_ascii_whitespace())
                    || matches!(lb[start], b'"' | b'\''));
            if !(key_position && followed_by_colon) {
                let s = base + (line_start + start) as u32;
                out.push(TextRange::new(s, base + (line_start + i) as u32));
            }
            prev = Some(b'a');
        }
        line_start += line.len();
    }
}

/// The end of the token starting at `i`: a quoted string to its closing quote (or the line's
/// end), else up to whitespace or punctuation. A `:` inside a plain token ends it only when a
/// space follows (`http://x` is one token).
fn token_end(lb: &[u8], i: usize) -> usize {
    let q = lb[i];
    if q == b'"' || q == b'\'' {
        let mut j = i + 1;
        while j < lb.len() {
            if q == b'"' && lb[j] == b'\\' {
                j += 2;
                continue;
            }
            if lb[j] == q {
                return j + 1;
            }
            if lb[j] == b'\n' {
                return j;
            }
            j += 1;
        }
        return lb.len();
    }
    let mut j = i;
    while j < lb.len() {
        let c = lb[j];
        if c.is_ascii_whitespace() || matches!(c, b'{' | b'}' | b'[' | b']' | b',') {
            break;
        }
        if c == b':' && lb.get(j + 1).is_none_or(|n| n.is_ascii_whitespace()) {
            break;
        }
        j += 1;
    }
    j.max(i + 1)
}

/// Sorts and merges overlapping or touching ranges.
fn merge(list: &mut Vec<TextRange>) {
    list.sort_unstable_by_key(|r| (r.start, r.end));
    let mut merged: Vec<TextRange> = Vec::with_capacity(list.len());
    for r in list.drain(..) {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    *list = merged;
}

/// Every backtick-quoted part of a message replaced by `***`.
pub fn scrub_backticks(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        out.push_str(if i % 2 == 1 { "***" } else { part });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut ranges = Vec::new();
        structure_mask(text, 0, &mut ranges);
        let mut s = text.to_owned();
        for r in ranges.iter().rev() {
            let stars = "*".repeat(text[r.start as usize..r.end as usize].chars().count());
            s.replace_range(r.start as usize..r.end as usize, &stars);
        }
        s
    }

    #[test]
    fn structure_masking_keeps_keys_and_hides_values() {
        assert_eq!(
            masked("kind: Secret\nstringData:\n  password: \"hunter2\n  token: VE9Q=\n"),
            "kind: ******\nstringData:\n  password: ********\n  token: *****\n"
        );
        assert_eq!(
            masked("{\"data\": {\"pw\": \"aHVudGVy\", \"n\": [1, x]}"),
            "{\"data\": {\"pw\": **********, \"n\": [*, *]}"
        );
        assert_eq!(
            masked("- a: b: c\n  url: http://x:8/y\n"),
            "- a: *: *\n  url: ************\n"
        );
        assert_eq!(
            masked("key: |\n  -----BEGIN KEY-----\n  QUJD\n"),
            "key: *\n  ********** ********\n  ****\n"
        );
    }

    #[test]
    fn kind_secret_is_recognized_in_yaml_and_json() {
        assert!(names_kind_secret("apiVersion: v1\nkind: Secret\n"));
        assert!(names_kind_secret("- kind: \"Secret\"  # x\n"));
        assert!(names_kind_secret(
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\"}"
        ));
        assert!(names_kind_secret("{\n  \"kind\": \"Secret\",\n"));
        assert!(!names_kind_secret("kind: SecretStore\nname: Secret\n"));
        assert!(!names_kind_secret("{\"kind\":\"SecretProviderClass\"}"));
    }

    #[test]
    fn base64_decodes_to_text_only() {
        assert_eq!(decode_base64("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(
            decode_base64("VE9QU0VDUkVULTM=").as_deref(),
            Some("TOPSECRET-3")
        );
        assert_eq!(decode_base64("aHVu\n dGVy").as_deref(), Some("hunter"));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("/w=="), None);
    }

    #[test]
    fn ranges_merge_and_overlap_any_byte() {
        let mut list = vec![
            TextRange::new(10, 20),
            TextRange::new(0, 2),
            TextRange::new(15, 30),
        ];
        merge(&mut list);
        assert_eq!(list, [TextRange::new(0, 2), TextRange::new(10, 30)]);
        let r = Redactor {
            ranges: BTreeMap::from([(FileId(0), list)]),
            values: None,
            occurrences: Mutex::default(),
        };
        assert!(r.hides(FileId(0), TextRange::new(1, 1)));
        assert!(!r.hides(FileId(0), TextRange::new(2, 10)));
        assert!(r.hides(FileId(0), TextRange::new(29, 40)));
        assert!(!r.hides(FileId(0), TextRange::new(30, 30)));
        assert!(!r.hides(FileId(1), TextRange::new(0, 100)));
    }

    #[test]
    fn quoted_values_and_backticks_are_scrubbed() {
        assert_eq!(
            scrub_backticks("duplicate key `password` with `hunter2`"),
            "duplicate key `***` with `***`"
        );
        let values = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(["hunter22", "hunter2"])
            .unwrap();
        let r = Redactor {
            ranges: BTreeMap::new(),
            values: Some(values),
            occurrences: Mutex::default(),
        };
        let text = "x: hunter22\n";
        assert!(r.hides_text(FileId(0), text, TextRange::new(5, 6)));
        assert!(!r.hides_text(FileId(0), text, TextRange::new(0, 3)));
        assert_eq!(
            r.scrub("login with hunter22 failed"),
            "login with *** failed"
        );
        assert!(matches!(r.scrub("nothing here"), Cow::Borrowed(_)));
    }
}
