//! JSON emitter matching Go's `encoding/json` (`json.MarshalIndent(v, "", "    ")` as used by
//! `kubectl -o json`, and compact `json.Marshal` for `last-applied-configuration`): keys sorted
//! bytewise, HTML-escaping of `<`, `>`, `&`.

use crate::value::V;

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// Pretty-prints `v` whose opening bracket is at the cursor, nested at `indent` columns.
pub(crate) fn emit_pretty(out: &mut String, v: &mut V, indent: usize, sort: bool) {
    match v {
        V::Map(m) if m.is_empty() => out.push_str("{}"),
        V::Seq(s) if s.is_empty() => out.push_str("[]"),
        V::Map(m) => {
            if sort {
                m.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            out.push_str("{\n");
            let n = m.len();
            for (i, (k, v)) in m.iter_mut().enumerate() {
                pad(out, indent + 4);
                write_str(out, k);
                out.push_str(": ");
                emit_pretty(out, v, indent + 4, sort);
                if i + 1 < n {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        V::Seq(s) => {
            out.push_str("[\n");
            let n = s.len();
            for (i, v) in s.iter_mut().enumerate() {
                pad(out, indent + 4);
                emit_pretty(out, v, indent + 4, sort);
                if i + 1 < n {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
        scalar => write_scalar(out, scalar),
    }
}

/// Compact form (`json.Marshal`), keys sorted.
pub(crate) fn emit_compact(out: &mut String, v: &mut V) {
    match v {
        V::Map(m) => {
            m.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in m.iter_mut().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                emit_compact(out, v);
            }
            out.push('}');
        }
        V::Seq(s) => {
            out.push('[');
            for (i, v) in s.iter_mut().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                emit_compact(out, v);
            }
            out.push(']');
        }
        scalar => write_scalar(out, scalar),
    }
}

fn write_scalar(out: &mut String, v: &V) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Str(s) | V::QStr(s) => write_str(out, s),
        V::Map(_) | V::Seq(_) => unreachable!(),
    }
}

/// Go `encodeState.string` with `escapeHTML = true`.
pub(crate) fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let needs =
        |c: char| c < ' ' || matches!(c, '"' | '\\' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}');
    if !s.chars().any(needs) {
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c if needs(c) => {
                    let b = c as u32;
                    out.push_str("\\u00");
                    out.push(HEX[(b >> 4) as usize] as char);
                    out.push(HEX[(b & 15) as usize] as char);
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{arr, obj};

    #[test]
    fn go_layout() {
        let mut v = obj! { "b" => arr![1, "x<y&z"], "a" => obj!{}, "c" => arr![] };
        let mut s = String::new();
        emit_pretty(&mut s, &mut v, 0, true);
        assert_eq!(
            s,
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        \"x\\u003cy\\u0026z\"\n    ],\n    \"c\": []\n}"
        );
        let mut c = String::new();
        emit_compact(&mut c, &mut v);
        assert_eq!(c, "{\"a\":{},\"b\":[1,\"x\\u003cy\\u0026z\"],\"c\":[]}");
    }
}
