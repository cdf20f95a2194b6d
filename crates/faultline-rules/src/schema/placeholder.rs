//! Placeholders left by template engines other than Helm, or by hand: `{{replicas}}` (which
//! YAML reads as a map), `${REPLICAS}`, `<ADD LUN ID Here>`. Where the schema wants another
//! type, such a value is an unrendered template, not a type error.

use faultline_syntax::{NodeKind, NodeRef, Style};

/// The placeholder `v` (written as `text` in the source) is, if it is one.
pub(crate) fn find<'t>(v: NodeRef<'_>, text: &'t str) -> Option<&'t str> {
    let trimmed = text.trim();
    match v.kind() {
        // `{{replicas}}` is a flow map holding a flow map.
        NodeKind::Map if v.style() == Style::Flow => {
            (trimmed.starts_with("{{") && trimmed.ends_with("}}")).then_some(trimmed)
        }
        NodeKind::Str => {
            let value = v.scalar_text()?.trim();
            is_placeholder(value).then_some(trimmed)
        }
        _ => None,
    }
}

/// Whether a string value is a placeholder: it holds a `{{ … }}` action or a `${…}` variable,
/// or is wholly one `<…>` (`<ADD LUN ID Here>`, `<your-domain>`).
pub(crate) fn is_placeholder(value: &str) -> bool {
    // Most values hold none of the characters a placeholder needs.
    if !value.bytes().any(|b| matches!(b, b'{' | b'<')) {
        return false;
    }
    if let Some(i) = value.find("{{")
        && value[i..].contains("}}")
    {
        return true;
    }
    if let Some(i) = value.find("${")
        && value[i + 2..].find('}').is_some_and(|j| j > 0)
    {
        return true;
    }
    value.len() > 2
        && value.starts_with('<')
        && value.ends_with('>')
        && !value[1..value.len() - 1].contains(['<', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_of_several_engines() {
        for p in [
            "<ADD LUN ID Here>",
            "{{replicas}}",
            "${REPLICAS}",
            "x-{{ .n }}",
            "<port>",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in ["80", "<>", "a < b > c", "$(VAR)", "${}", "http://x/<a>b"] {
            assert!(!is_placeholder(p), "{p}");
        }
    }
}
