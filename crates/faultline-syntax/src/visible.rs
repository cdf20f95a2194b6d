//! Input text made safe to show: one visible line without control characters. Renderers (in
//! the CLI) use it for everything they did not write; the `Display` forms of object references
//! and of the NetworkPolicy model's names use it, so a name is always one visible line.

use std::borrow::Cow;

/// Characters that can act on a terminal or a log viewer, or hide or reorder text: C0 and C1
/// controls, DEL, bidirectional marks, embeddings, overrides and isolates, the Unicode line and
/// paragraph separators, and the byte order mark.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// How an unsafe character is shown.
pub fn push_escaped(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// `s` with every [`is_unsafe`] character shown as an escape; one line, whatever `s` holds.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            push_escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}
