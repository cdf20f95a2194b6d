//! YAML emitter reproducing what `kubectl -o yaml` prints (go-yaml v2 / libyaml emitter rules):
//! 2-space indent, indentless block sequences inside mappings, keys in go-yaml's "natural" order,
//! strings quoted only where needed (double quotes when a plain scalar would resolve to a
//! non-string, single quotes when it contains indicators), `|` literals for multi-line strings,
//! and long plain/quoted scalars folded at the first space past column 80.

use std::cmp::Ordering;

use crate::value::V;

const BEST_WIDTH: usize = 80;

/// Emitter settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YamlStyle {
    /// Sort mapping keys as go-yaml does (kubectl output). Off for hand-written manifests.
    pub sort: bool,
    /// Block sequences inside mappings start at the key's column (kubectl) instead of +2.
    pub indentless: bool,
}

impl YamlStyle {
    pub(crate) const KUBECTL: YamlStyle = YamlStyle {
        sort: true,
        indentless: true,
    };
}

/// Emits `v` as an item of a top-level block sequence (`- key: ...` at column 0).
pub(crate) fn emit_item(out: &mut String, v: &mut V, st: YamlStyle) {
    seq_item(out, v, 0, st);
}

/// Emits `v` as a whole document body starting at column 0.
pub(crate) fn emit_doc(out: &mut String, v: &mut V, st: YamlStyle) {
    match v {
        V::Map(m) if !m.is_empty() => map_body(out, m, 0, false, st),
        V::Seq(s) if !s.is_empty() => seq_body(out, s, 0, false, st),
        V::Map(_) => out.push_str("{}\n"),
        V::Seq(_) => out.push_str("[]\n"),
        scalar => {
            scalar_line(out, scalar, 0);
            // `scalar_line` writes a leading space for the `key: value` position.
            if out.starts_with(' ') {
                out.remove(0);
            }
        }
    }
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn map_body(
    out: &mut String,
    entries: &mut [(crate::value::Key, V)],
    indent: usize,
    inline_first: bool,
    st: YamlStyle,
) {
    if st.sort {
        entries.sort_unstable_by(|a, b| go_yaml_key_cmp(&a.0, &b.0));
    }
    for (i, (k, v)) in entries.iter_mut().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        write_key(out, k);
        out.push(':');
        match v {
            V::Map(m) if m.is_empty() => out.push_str(" {}\n"),
            V::Seq(s) if s.is_empty() => out.push_str(" []\n"),
            V::Map(m) => {
                out.push('\n');
                map_body(out, m, indent + 2, false, st);
            }
            V::Seq(s) => {
                out.push('\n');
                let si = if st.indentless { indent } else { indent + 2 };
                seq_body(out, s, si, false, st);
            }
            scalar => scalar_line(out, scalar, indent + 2),
        }
    }
}

fn seq_body(out: &mut String, items: &mut [V], indent: usize, inline_first: bool, st: YamlStyle) {
    for (i, it) in items.iter_mut().enumerate() {
        if i > 0 || !inline_first {
            pad(out, indent);
        }
        seq_item(out, it, indent, st);
    }
}

/// Writes `-` and the item; the cursor is at the dash column.
fn seq_item(out: &mut String, it: &mut V, indent: usize, st: YamlStyle) {
    out.push('-');
    match it {
        V::Map(m) if m.is_empty() => out.push_str(" {}\n"),
        V::Seq(s) if s.is_empty() => out.push_str(" []\n"),
        V::Map(m) => {
            out.push(' ');
            map_body(out, m, indent + 2, true, st);
        }
        V::Seq(s) => {
            out.push(' ');
            seq_body(out, s, indent + 2, true, st);
        }
        scalar => scalar_line(out, scalar, indent + 2),
    }
}

fn write_key(out: &mut String, k: &str) {
    match choose_style(k, true) {
        Style::Plain => out.push_str(k),
        Style::Single => write_single(out, k, 0, false),
        Style::Double | Style::Literal => write_double(out, k, 0, false),
    }
}

/// Writes ` value\n` (or a literal block) after `key:` / `-`; `indent` is the continuation indent.
fn scalar_line(out: &mut String, v: &V, indent: usize) {
    match v {
        V::Null => out.push_str(" null\n"),
        V::Bool(true) => out.push_str(" true\n"),
        V::Bool(false) => out.push_str(" false\n"),
        V::Int(i) => {
            out.push(' ');
            out.push_str(itoa(*i).as_str());
            out.push('\n');
        }
        V::QStr(s) => {
            out.push(' ');
            write_double(out, s, indent, true);
            out.push('\n');
        }
        V::Str(s) => match choose_style(s, false) {
            Style::Literal => write_literal(out, s, indent),
            Style::Plain => {
                out.push(' ');
                write_plain(out, s, indent);
                out.push('\n');
            }
            Style::Single => {
                out.push(' ');
                write_single(out, s, indent, true);
                out.push('\n');
            }
            Style::Double => {
                out.push(' ');
                write_double(out, s, indent, true);
                out.push('\n');
            }
        },
        V::Map(_) | V::Seq(_) => unreachable!("collections are handled by the caller"),
    }
}

fn itoa(i: i64) -> String {
    i.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// go-yaml v2 `encoder.stringv` + libyaml `yaml_emitter_select_scalar_style`.
pub(crate) fn choose_style(s: &str, simple_key: bool) -> Style {
    if s.contains('\n') {
        if simple_key {
            return Style::Double;
        }
        // block_allowed = !(trailing space || space before a break || special characters)
        let printable = if s.is_ascii() {
            s.bytes().all(|c| c == b'\n' || (b' '..=b'~').contains(&c))
        } else {
            s.chars().all(is_printable)
        };
        return if printable && !s.ends_with(' ') && !s.contains(" \n") {
            Style::Literal
        } else {
            Style::Double
        };
    }
    if trivially_plain(s.as_bytes()) {
        return if resolves_to_non_string(s) || is_base60_float(s) {
            Style::Double
        } else {
            Style::Plain
        };
    }
    if resolves_to_non_string(s) || is_base60_float(s) {
        return Style::Double;
    }
    let a = analyze(s);
    if a.block_plain_allowed {
        Style::Plain
    } else if a.single_quoted_allowed {
        Style::Single
    } else {
        Style::Double
    }
}

/// Fast path: no blanks, no breaks, no indicator in first position, `:` never last. Such a
/// string is a valid plain scalar unless it resolves to a non-string (checked by the caller).
fn trivially_plain(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == b'/') {
        return false;
    }
    b.iter().enumerate().all(|(i, &c)| match c {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
        b'-' | b'.' | b'_' | b'/' | b'=' | b'+' | b'@' | b'%' | b'(' | b')' | b'~' | b'$' => true,
        b'^' | b'&' | b'*' | b'!' | b'?' | b'<' | b'>' | b';' | b',' | b'[' | b']' | b'{' => true,
        b'}' | b'#' | b'"' | b'\'' | b'|' | b'`' => true,
        b':' => i + 1 < b.len(),
        _ => false,
    })
}

#[derive(Debug)]
struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's `IS_PRINTABLE` (note: excludes TAB and everything outside the BMP).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

/// Is there a blank, a line break or the end of the string at byte `i`?
fn blankz_at(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => true,
        Some(0xC2) => b.get(i + 1) == Some(&0x85),
        Some(0xE2) => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)),
        _ => false,
    }
}

/// libyaml `yaml_emitter_analyze_scalar` (block context only), byte-wise with a char decode only
/// for non-ASCII input.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let b = s.as_bytes();
    let mut block_indicators = b.starts_with(b"---") || b.starts_with(b"...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_ws = true;
    let mut i = 0;
    while i < b.len() {
        let c0 = b[i];
        let (c, w) = if c0 < 0x80 {
            (c0 as char, 1)
        } else {
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            (c, c.len_utf8())
        };
        let first = i == 0;
        let last = i + w == b.len();
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if blankz_at(b, i + w) => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if blankz_at(b, i + w) => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        let printable = if w == 1 {
            c == '\n' || (' '..='~').contains(&c)
        } else {
            is_printable(c)
        };
        if !printable {
            special = true;
        }
        let brk = is_break(c);
        if brk {
            line_breaks = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if brk {
            if first {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = c == ' ' || c == '\t' || brk;
        i += w;
    }
    let mut a = Analysis {
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// Would go-yaml v2 resolve this plain scalar to something other than a string?
pub(crate) fn resolves_to_non_string(s: &str) -> bool {
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "true"
            | "True"
            | "TRUE"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
            | "false"
            | "False"
            | "FALSE"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | "<<"
    ) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    if first.is_ascii_digit() && looks_like_timestamp(s) {
        return true;
    }
    let plain: std::borrow::Cow<'_, str> = if s.contains('_') && first != b'.' {
        s.replace('_', "").into()
    } else {
        s.into()
    };
    is_go_int(&plain) || is_yaml_float(&plain)
}

/// `strconv.ParseInt(s, 0, 64)` / `ParseUint` syntax (overflowing decimals still match the
/// float rule, so range is irrelevant).
fn is_go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_ok = |d: &str, f: fn(&u8) -> bool| !d.is_empty() && d.as_bytes().iter().all(f);
    if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return digits_ok(h, u8::is_ascii_hexdigit);
    }
    if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        return digits_ok(o, |b| (b'0'..=b'7').contains(b));
    }
    if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        return digits_ok(b, |c| matches!(c, b'0' | b'1'));
    }
    digits_ok(body, u8::is_ascii_digit)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml v2 `parseTimestamp` (approximation of its four layouts).
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - st < max {
            *i += 1;
        }
        *i > st
    };
    if !num(&mut i, 2) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if !num(&mut i, 2) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    if !matches!(b[i], b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for sep in [b':', b':'] {
        if !num(&mut i, 2) || b.get(i) != Some(&sep) {
            return false;
        }
        i += 1;
    }
    if !num(&mut i, 2) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !num(&mut i, 9) {
            return false;
        }
    }
    let rest = &s[i..];
    rest.is_empty() || rest == "Z" || (rest.len() == 6 && matches!(b[i], b'+' | b'-'))
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &b[st..i];
        let ok = match g.len() {
            1 => true,
            2 => g[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Column (in characters) of the cursor.
fn column(out: &str) -> usize {
    let start = out.rfind('\n').map_or(0, |i| i + 1);
    let line = &out[start..];
    if line.is_ascii() {
        line.len()
    } else {
        line.chars().count()
    }
}

/// Can a scalar written from here reach a space past the fold column?
fn may_fold(out: &str, s: &str) -> bool {
    if !s.contains(' ') {
        return false;
    }
    let start = out.rfind('\n').map_or(0, |i| i + 1);
    out.len() - start + s.len() + 2 > BEST_WIDTH
}

fn newline_indent(out: &mut String, indent: usize) {
    out.push('\n');
    pad(out, indent);
}

fn write_plain(out: &mut String, s: &str, indent: usize) {
    if !may_fold(out, s) {
        out.push_str(s);
        return;
    }
    let mut col = column(out);
    let mut spaces = false;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == ' ' {
            if !spaces && col > BEST_WIDTH && it.peek() != Some(&' ') {
                newline_indent(out, indent);
                col = indent;
            } else {
                out.push(' ');
                col += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            col += 1;
            spaces = false;
        }
    }
}

fn write_single(out: &mut String, s: &str, indent: usize, allow_breaks: bool) {
    out.push('\'');
    if !allow_breaks || !may_fold(out, s) {
        for c in s.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
        return;
    }
    let mut col = column(out);
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if !spaces
                && col > BEST_WIDTH
                && i != 0
                && i != chars.len() - 1
                && chars.get(i + 1) != Some(&' ')
            {
                newline_indent(out, indent);
                col = indent;
            } else {
                out.push(' ');
                col += 1;
            }
            spaces = true;
        } else {
            if c == '\'' {
                out.push('\'');
                col += 1;
            }
            out.push(c);
            col += 1;
            spaces = false;
        }
    }
    out.push('\'');
}

fn write_double(out: &mut String, s: &str, indent: usize, allow_breaks: bool) {
    out.push('"');
    let mut col = if allow_breaks { column(out) } else { 0 };
    let chars: Vec<char> = s.chars().collect();
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
            let before = out.len();
            out.push('\\');
            match c {
                '\0' => out.push('0'),
                '\x07' => out.push('a'),
                '\x08' => out.push('b'),
                '\t' => out.push('t'),
                '\n' => out.push('n'),
                '\x0b' => out.push('v'),
                '\x0c' => out.push('f'),
                '\r' => out.push('r'),
                '\x1b' => out.push('e'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '\u{85}' => out.push('N'),
                '\u{2028}' => out.push('L'),
                '\u{2029}' => out.push('P'),
                c => {
                    let v = c as u32;
                    let s = if v <= 0xff {
                        format!("x{v:02X}")
                    } else if v <= 0xffff {
                        format!("u{v:04X}")
                    } else {
                        format!("U{v:08X}")
                    };
                    out.push_str(&s);
                }
            }
            col += out.len() - before;
            spaces = false;
        } else if c == ' ' {
            if allow_breaks && !spaces && col > BEST_WIDTH && i != 0 && i != chars.len() - 1 {
                newline_indent(out, indent);
                col = indent;
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                    col += 1;
                }
            } else {
                out.push(' ');
                col += 1;
            }
            spaces = true;
        } else {
            out.push(c);
            col += 1;
            spaces = false;
        }
    }
    out.push('"');
}

/// ` |` literal block (chomping and indentation indicators as libyaml writes them).
fn write_literal(out: &mut String, s: &str, indent: usize) {
    out.push_str(" |");
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    if !s.ends_with('\n') {
        out.push('-');
    } else if s.len() == 1 || s[..s.len() - 1].ends_with('\n') {
        out.push('+');
    }
    out.push('\n');
    for piece in s.split_inclusive('\n') {
        let text = piece.strip_suffix('\n').unwrap_or(piece);
        if !text.is_empty() {
            pad(out, indent);
            out.push_str(text);
        }
        out.push('\n');
    }
}

/// go-yaml v2 `keyList.Less` for string keys: letters sort after non-letters, digit runs compare
/// numerically.
pub(crate) fn go_yaml_key_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        Ordering::Equal
    } else if go_yaml_less(a, b) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

fn go_yaml_less(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        less_runes(a.as_bytes(), b.as_bytes(), |c| c.is_ascii_alphabetic())
    } else {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        less_runes(&ar, &br, |c| c.is_alphabetic())
    }
}

trait Rune: Copy + PartialOrd {
    fn digit(self) -> Option<i64>;
}
impl Rune for u8 {
    fn digit(self) -> Option<i64> {
        self.is_ascii_digit().then(|| i64::from(self - b'0'))
    }
}
impl Rune for char {
    fn digit(self) -> Option<i64> {
        self.to_digit(10).map(i64::from)
    }
}

fn less_runes<R: Rune>(ar: &[R], br: &[R], is_letter: impl Fn(R) -> bool) -> bool {
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i].digit() == Some(0) || br[i].digit() == Some(0) {
            let mut j = i;
            while j > 0 {
                j -= 1;
                match ar[j].digit() {
                    Some(0) => {}
                    Some(_) => {
                        an = 1;
                        bn = 1;
                        break;
                    }
                    None => break,
                }
            }
        }
        let mut ai = i;
        while let Some(d) = ar.get(ai).and_then(|c| c.digit()) {
            an = an.saturating_mul(10).saturating_add(d);
            ai += 1;
        }
        let mut bi = i;
        while let Some(d) = br.get(bi).and_then(|c| c.digit()) {
            bn = bn.saturating_mul(10).saturating_add(d);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{arr, obj};

    fn doc(mut v: V) -> String {
        let mut s = String::new();
        emit_doc(&mut s, &mut v, YamlStyle::KUBECTL);
        s
    }

    #[test]
    fn quoting() {
        assert_eq!(choose_style("10.244.1.2", false), Style::Plain);
        assert_eq!(choose_style("9555", false), Style::Double);
        assert_eq!(choose_style("2022-08-01T17:05:22Z", false), Style::Double);
        assert_eq!(choose_style("True", false), Style::Double);
        assert_eq!(choose_style("", false), Style::Double);
        assert_eq!(choose_style("1:20", false), Style::Double);
        assert_eq!(choose_style("08", false), Style::Double);
        assert_eq!(choose_style("1e3", false), Style::Double);
        assert_eq!(choose_style("300m", false), Style::Plain);
        assert_eq!(choose_style("25%", false), Style::Plain);
        assert_eq!(choose_style("*", false), Style::Single);
        assert_eq!(choose_style("a: b", false), Style::Single);
        assert_eq!(choose_style("-Xmx2g", false), Style::Plain);
        assert_eq!(choose_style("- x", false), Style::Single);
        assert_eq!(choose_style("a #b", false), Style::Single);
        assert_eq!(choose_style("a#b", false), Style::Plain);
        assert_eq!(
            choose_style("支付服务 — Zahlungsdienst", false),
            Style::Plain
        );
        assert_eq!(choose_style("tab\there", false), Style::Double);
        assert_eq!(choose_style("a\nb", false), Style::Literal);
        assert_eq!(choose_style("a \nb", false), Style::Double);
        assert_eq!(choose_style("{\"a\":1}\n", false), Style::Literal);
        assert_eq!(choose_style("rocket 🚀", false), Style::Double);
    }

    #[test]
    fn layout() {
        let y = doc(obj! {
            "spec" => obj!{ "containers" => arr![obj!{"name" => "a", "ports" => arr![obj!{"containerPort" => 80}]}] },
            "apiVersion" => "v1",
            "data" => obj!{ "x" => "line1\n\nline2\n", "z" => "no-newline\nend" },
            "empty" => obj!{},
            "list" => arr![],
        });
        assert_eq!(
            y,
            "apiVersion: v1\ndata:\n  x: |\n    line1\n\n    line2\n  z: |-\n    no-newline\n    end\nempty: {}\nlist: []\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n"
        );
    }

    #[test]
    fn folding() {
        let msg = "Liveness probe failed: Get \"http://10.64.3.17:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        let y = doc(obj! { "message" => msg });
        assert_eq!(
            y,
            "message: 'Liveness probe failed: Get \"http://10.64.3.17:8080/healthz\": context deadline\n  exceeded (Client.Timeout exceeded while awaiting headers)'\n"
        );
        let plain = "-Xms512m -Xmx2048m -XX:+UseG1GC -XX:MaxGCPauseMillis=200 -XX:+HeapDumpOnOutOfMemoryError -Dfile.encoding=UTF-8";
        let y = doc(obj! { "value" => plain });
        assert_eq!(
            y,
            "value: -Xms512m -Xmx2048m -XX:+UseG1GC -XX:MaxGCPauseMillis=200 -XX:+HeapDumpOnOutOfMemoryError\n  -Dfile.encoding=UTF-8\n"
        );
    }

    #[test]
    fn key_order() {
        let mut keys = vec!["port10", "port9", "a_b", "aB", "ab", "a-b", "Port", "a"];
        keys.sort_by(|a, b| go_yaml_key_cmp(a, b));
        assert_eq!(
            keys,
            ["Port", "a", "a-b", "a_b", "aB", "ab", "port9", "port10"]
        );
    }
}
