//! Text that came from the input (object names, label values, messages quoting values, file
//! names, log lines) must not steer the terminal or the CI system that shows faultline's
//! output. Every renderer passes such text through here before writing it:
//!
//! - [`visible`] for human, Markdown, JUnit, GitHub and the other text formats: control
//!   characters become visible escapes (`\n`, `\r`, `\t`, `\u{1b}`), so a name cannot break a
//!   line (and start a GitHub workflow command such as `::error::`), send an ANSI escape
//!   sequence, ring the bell, or reorder the text with a bidirectional override.
//! - [`visible_source`] for source snippets, which keep their tabs and line breaks.
//! - [`json_safe`] for JSON and SARIF: serde_json already escapes C0 controls; this escapes the
//!   rest of [`is_unsafe`] as `\uXXXX`, which JSON readers decode to the same string.

pub use faultline_syntax::visible::{is_unsafe, push_escaped, visible};

/// Whether a character of source text at `at` must be escaped in a snippet: tabs, line feeds
/// and the carriage return of a CRLF stay.
fn unsafe_in_source(text: &str, at: usize, c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => text.as_bytes().get(at + 1) != Some(&b'\n'),
        c => is_unsafe(c),
    }
}

/// Whether a snippet of source text needs [`visible_source`].
pub fn source_needs_escaping(text: &str) -> bool {
    text.char_indices()
        .any(|(i, c)| unsafe_in_source(text, i, c))
}

/// One character of a source snippet as shown: itself, or its escape.
pub fn visible_source_char(text: &str, at: usize, c: char, out: &mut String) {
    if unsafe_in_source(text, at, c) {
        push_escaped(c, out);
    } else {
        out.push(c);
    }
}

/// Serialized JSON with the unsafe characters serde_json leaves as they are (DEL, C1
/// controls, bidirectional controls, separators, BOM) written as `\uXXXX` escapes. These
/// characters can only occur inside JSON strings, so the document means the same.
pub fn json_safe(json: String) -> String {
    if !json.chars().any(is_unsafe) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // Line breaks and indentation are serde_json's own; C0 inside strings is escaped by it.
        if is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t' | ' ') && c > '\u{1f}' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `value` as pretty-printed JSON, [`json_safe`].
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    json_safe(serde_json::to_string_pretty(value).expect("plain data serializes as JSON"))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn every_control_becomes_visible() {
        let name = "p\n::error::INJECTED\u{1b}]0;pwned\u{7}\u{1b}[31m\u{202e}\u{85}\u{9b}x\u{2028}";
        let v = visible(name);
        assert_eq!(
            v,
            "p\\n::error::INJECTED\\u{1b}]0;pwned\\u{7}\\u{1b}[31m\\u{202e}\\u{85}\\u{9b}x\\u{2028}"
        );
        assert!(!v.chars().any(is_unsafe));
        assert!(matches!(visible("plain ünï — 服务"), Cow::Borrowed(_)));
    }

    #[test]
    fn source_keeps_tabs_and_crlf() {
        let text = "a:\tb\r\nc: \u{1b}[2J\rd\n";
        let mut out = String::new();
        for (i, c) in text.char_indices() {
            visible_source_char(text, i, c, &mut out);
        }
        assert_eq!(out, "a:\tb\r\nc: \\u{1b}[2J\\rd\n");
        assert!(source_needs_escaping(text));
        assert!(!source_needs_escaping("a:\tb\r\n"));
    }

    #[test]
    fn json_stays_json() {
        let value = serde_json::json!({"name": "a\u{1b}b\u{85}c\u{202e}d\u{7f}"});
        let text = json_safe(serde_json::to_string_pretty(&value).unwrap());
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
