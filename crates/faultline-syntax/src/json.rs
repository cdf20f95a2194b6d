//! JSON text → [`Document`]s, through a hand-written scanner that builds the same compact
//! spanned [`Tree`] as the YAML front end.
//!
//! * Objects become `Map`/`Flow`, arrays `Seq`/`Flow`, strings `Str`/`Json` (borrowed from the
//!   source unless they contain escapes), `true`/`false` `Bool`, `null` `Null`.
//! * Numbers are `Int` when written without fraction or exponent and within `i64`, else `Float`.
//!   `9223372036854775808` is therefore a `Float`: decoding it into an `int64` field fails in
//!   Kubernetes, and unstructured decoding turns it into a `float64`. `1e400` is a `Float` too,
//!   whose value does not fit an `f64`. The text is kept either way.
//! * A lone UTF-16 surrogate escape (`\ud800`) becomes U+FFFD, as in Go's `encoding/json` which
//!   Kubernetes uses; any other invalid escape is a syntax error.
//! * Duplicate keys keep the last value, in the first key's position, and are reported as
//!   [`ProblemKind::DuplicateKey`], as the YAML front end does.
//! * A file may hold several top-level values (concatenated `kubectl get -o json` outputs); each
//!   becomes a [`Document`]. A syntax error drops the value it occurs in (its range goes to
//!   `skipped`) and parsing resumes at the next line that starts with `{`, if any.
//! * Nesting is tracked on an explicit stack and limited to [`MAX_DEPTH`] levels.

use std::sync::Arc;

use crate::document::{Document, ParsedText};
use crate::keys::{dedupe, has_duplicate_key};
use crate::problem::{Problem, ProblemKind};
use crate::text::TextRange;
use crate::tree::{NodeId, NodeKind, Style, Tree};

/// Arrays and objects nested deeper than this are a syntax error.
pub const MAX_DEPTH: usize = 1000;

/// Parses a stream of JSON values. Never fails: problems come back next to the documents.
pub fn parse_json(source: &Arc<str>) -> ParsedText {
    let mut parser = Parser {
        source,
        text: source,
        bytes: source.as_bytes(),
        pos: 0,
        out: ParsedText::default(),
        stack: Vec::new(),
        scratch: Vec::new(),
        buf: String::new(),
    };
    parser.run();
    parser.out
}

struct SyntaxError {
    at: usize,
    message: String,
}

fn error(at: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        at,
        message: message.into(),
    }
}

struct Frame {
    kind: NodeKind,
    start: u32,
    /// Index into `Parser::scratch` where this container's children begin.
    first: usize,
}

struct Parser<'s> {
    source: &'s Arc<str>,
    text: &'s str,
    bytes: &'s [u8],
    pos: usize,
    out: ParsedText,
    stack: Vec<Frame>,
    /// Children of the open containers, innermost last (maps: key, value, key, value, …).
    scratch: Vec<NodeId>,
    /// Unescaped text of the current string.
    buf: String,
}

impl Parser<'_> {
    fn run(&mut self) {
        if self.text.starts_with('\u{feff}') {
            self.pos = '\u{feff}'.len_utf8();
        }
        loop {
            self.skip_ws();
            if self.pos >= self.bytes.len() {
                break;
            }
            let start = self.pos;
            let mut tree = Tree::new(self.source.clone());
            match self.value(&mut tree) {
                Ok(root) => {
                    let range = TextRange::new(start as u32, self.pos as u32);
                    self.out.documents.push(Document {
                        tree,
                        root: Some(root),
                        range,
                        helm_source: None,
                    });
                }
                Err(e) => {
                    self.out.problems.push(Problem::at(
                        ProblemKind::Syntax,
                        TextRange::empty(e.at as u32),
                        e.message,
                    ));
                    let resume = self.resume_point(e.at, start);
                    self.out
                        .skipped
                        .push(TextRange::new(start as u32, resume as u32));
                    self.stack.clear();
                    self.scratch.clear();
                    self.pos = resume;
                }
            }
        }
    }

    /// The next line at or after `at` that starts with `{` (past `doc_start`), or the end.
    fn resume_point(&self, at: usize, doc_start: usize) -> usize {
        let bytes = self.bytes;
        let line_start = |q: usize| q == 0 || bytes[q - 1] == b'\n';
        let mut from = at.max(doc_start + 1).min(bytes.len());
        loop {
            if from < bytes.len() && bytes[from] == b'{' && line_start(from) {
                return from;
            }
            match memchr::memmem::find(&bytes[from..], b"\n{") {
                Some(i) => {
                    let q = from + i + 1;
                    if q > doc_start {
                        return q;
                    }
                    from = q + 1;
                }
                None => return bytes.len(),
            }
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Parses one complete value starting at `self.pos` (after whitespace) into `tree`.
    fn value(&mut self, tree: &mut Tree) -> Result<NodeId, SyntaxError> {
        let bytes = self.bytes;
        'value: loop {
            self.skip_ws();
            let mut id = match bytes.get(self.pos) {
                Some(b'{') => {
                    self.open(NodeKind::Map)?;
                    self.skip_ws();
                    if bytes.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        self.close(tree)
                    } else {
                        self.key(tree)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.open(NodeKind::Seq)?;
                    self.skip_ws();
                    if bytes.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        self.close(tree)
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => self.string(tree)?,
                Some(b'-' | b'0'..=b'9') => self.number(tree)?,
                Some(b't') => self.literal(tree, "true", NodeKind::Bool)?,
                Some(b'f') => self.literal(tree, "false", NodeKind::Bool)?,
                Some(b'n') => self.literal(tree, "null", NodeKind::Null)?,
                Some(_) => return Err(self.unexpected("expected a JSON value")),
                None => {
                    return Err(error(
                        self.pos,
                        "unexpected end of input: expected a JSON value",
                    ));
                }
            };
            // `id` is complete: attach it to its container, closing containers as they end.
            loop {
                let Some(frame) = self.stack.last() else {
                    return Ok(id);
                };
                let kind = frame.kind;
                self.scratch.push(id);
                self.skip_ws();
                match (kind, bytes.get(self.pos)) {
                    (NodeKind::Map, Some(b',')) => {
                        self.pos += 1;
                        self.skip_ws();
                        if bytes.get(self.pos) == Some(&b'}') {
                            return Err(error(
                                self.pos,
                                "trailing comma: expected another object member after `,`",
                            ));
                        }
                        self.key(tree)?;
                        continue 'value;
                    }
                    (NodeKind::Seq, Some(b',')) => {
                        self.pos += 1;
                        self.skip_ws();
                        if bytes.get(self.pos) == Some(&b']') {
                            return Err(error(
                                self.pos,
                                "trailing comma: expected another array element after `,`",
                            ));
                        }
                        continue 'value;
                    }
                    (NodeKind::Map, Some(b'}')) | (NodeKind::Seq, Some(b']')) => {
                        self.pos += 1;
                        id = self.close(tree);
                    }
                    (NodeKind::Map, _) => {
                        return Err(self.unexpected("expected `,` or `}` after an object member"));
                    }
                    _ => {
                        return Err(self.unexpected("expected `,` or `]` after an array element"));
                    }
                }
            }
        }
    }

    /// An error at `self.pos` naming what was found there.
    fn unexpected(&self, expected: &str) -> SyntaxError {
        let rest = &self.text[self.pos..];
        let word: String = match rest.chars().next() {
            None => return error(self.pos, format!("unexpected end of input: {expected}")),
            Some(c) if c.is_alphanumeric() => rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .take(24)
                .collect(),
            Some(c) => c.to_string(),
        };
        error(self.pos, format!("{expected}, found `{word}`"))
    }

    fn open(&mut self, kind: NodeKind) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(error(
                self.pos,
                format!("arrays and objects are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.stack.push(Frame {
            kind,
            start: self.pos as u32,
            first: self.scratch.len(),
        });
        self.pos += 1;
        Ok(())
    }

    /// Closes the innermost container, whose closing bracket ends just before `self.pos`.
    fn close(&mut self, tree: &mut Tree) -> NodeId {
        let frame = self.stack.pop().expect("close without open");
        let range = TextRange::new(frame.start, self.pos as u32);
        let children = &self.scratch[frame.first..];
        let id = if frame.kind == NodeKind::Map && has_duplicate_key(tree, children) {
            let pairs = dedupe(tree, children, &mut self.out.problems);
            tree.push_collection(frame.kind, Style::Flow, range, &pairs)
        } else {
            tree.push_collection(frame.kind, Style::Flow, range, children)
        };
        self.scratch.truncate(frame.first);
        id
    }

    /// Parses `"key"` and the `:` after it, pushing the key onto `scratch`.
    fn key(&mut self, tree: &mut Tree) -> Result<(), SyntaxError> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(self.unexpected("expected an object key (a string in double quotes)"));
        }
        let id = self.string(tree)?;
        self.scratch.push(id);
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(self.unexpected("expected `:` after an object key"));
        }
        self.pos += 1;
        Ok(())
    }

    fn string(&mut self, tree: &mut Tree) -> Result<NodeId, SyntaxError> {
        let bytes = self.bytes;
        let open = self.pos;
        let content = open + 1;
        let mut i = content;
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    let range = TextRange::new(open as u32, self.pos as u32);
                    let text = &self.text[content..i];
                    return Ok(tree.push_scalar(
                        NodeKind::Str,
                        Style::Json,
                        range,
                        text,
                        Some(content as u32),
                    ));
                }
                Some(b'\\') => break,
                Some(&b) if b < 0x20 => return Err(control_character(i, b)),
                Some(_) => i += 1,
                None => return Err(error(open, "unterminated string")),
            }
        }
        // Escapes: unescape into `buf`, then copy into the tree's own buffer.
        self.buf.clear();
        let mut segment = content;
        loop {
            match bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    self.buf.push_str(&self.text[segment..i]);
                    i = self.escape(i)?;
                    segment = i;
                }
                Some(&b) if b < 0x20 => return Err(control_character(i, b)),
                Some(_) => i += 1,
                None => return Err(error(open, "unterminated string")),
            }
        }
        self.buf.push_str(&self.text[segment..i]);
        self.pos = i + 1;
        let range = TextRange::new(open as u32, self.pos as u32);
        Ok(tree.push_scalar(NodeKind::Str, Style::Json, range, &self.buf, None))
    }

    /// Decodes the escape at `at` (a backslash) into `buf`; returns the offset after it.
    fn escape(&mut self, at: usize) -> Result<usize, SyntaxError> {
        let c = match self.bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(at),
            Some(_) => {
                let c = self.text[at + 1..].chars().next().unwrap_or_default();
                return Err(error(
                    at,
                    format!(
                        "invalid escape `\\{}` in a string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                        c.escape_debug()
                    ),
                ));
            }
            None => return Err(error(at, "unterminated string")),
        };
        self.buf.push(c);
        Ok(at + 2)
    }

    /// Decodes `\uXXXX` (and a following low surrogate) at `at`.
    fn unicode_escape(&mut self, at: usize) -> Result<usize, SyntaxError> {
        let Some(unit) = hex4(self.bytes, at + 2) else {
            return Err(error(
                at,
                "invalid `\\u` escape: expected four hexadecimal digits",
            ));
        };
        let mut next = at + 6;
        let c = match unit {
            0xD800..=0xDBFF => {
                let low = (self.bytes.get(next..next + 2) == Some(b"\\u"))
                    .then(|| hex4(self.bytes, next + 2))
                    .flatten()
                    .filter(|low| (0xDC00..=0xDFFF).contains(low));
                match low {
                    Some(low) => {
                        next += 6;
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                    }
                    // Go's encoding/json decodes a lone surrogate to U+FFFD.
                    None => char::REPLACEMENT_CHARACTER,
                }
            }
            _ => char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER),
        };
        self.buf.push(c);
        Ok(next)
    }

    fn number(&mut self, tree: &mut Tree) -> Result<NodeId, SyntaxError> {
        let bytes = self.bytes;
        let start = self.pos;
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if bytes[i] == b'-' {
            i += 1;
        }
        let int_start = i;
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i + 1),
            _ => return Err(error(i, "invalid number: expected a digit after `-`")),
        }
        let int_end = i;
        let mut integral = true;
        if bytes.get(i) == Some(&b'.') {
            integral = false;
            if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return Err(error(
                    i + 1,
                    "invalid number: expected a digit after the decimal point",
                ));
            }
            i = digits(i + 1);
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            integral = false;
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(error(i, "invalid number: expected a digit in the exponent"));
            }
            i = digits(i);
        }
        if let Some(&b) = bytes.get(i)
            && (b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
        {
            let message = if bytes[int_start] == b'0' && int_end == int_start + 1 && i == int_end {
                "invalid number: leading zeros are not allowed in JSON"
            } else {
                "invalid number"
            };
            return Err(error(i, message));
        }
        self.pos = i;
        let text = &self.text[start..i];
        // At most 18 digits always fit an i64; 19 may; 20 never do.
        let kind = match int_end - int_start {
            _ if !integral => NodeKind::Float,
            0..=18 => NodeKind::Int,
            19 if text.parse::<i64>().is_ok() => NodeKind::Int,
            _ => NodeKind::Float,
        };
        let range = TextRange::new(start as u32, i as u32);
        Ok(tree.push_scalar(kind, Style::Json, range, text, Some(start as u32)))
    }

    fn literal(
        &mut self,
        tree: &mut Tree,
        word: &'static str,
        kind: NodeKind,
    ) -> Result<NodeId, SyntaxError> {
        let start = self.pos;
        let end = start + word.len();
        let delimited = !self
            .bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !self.bytes[start..].starts_with(word.as_bytes()) || !delimited {
            return Err(self.unexpected("expected a JSON value"));
        }
        self.pos = end;
        let range = TextRange::new(start as u32, end as u32);
        Ok(tree.push_scalar(kind, Style::Json, range, word, Some(start as u32)))
    }
}

fn control_character(at: usize, b: u8) -> SyntaxError {
    if b == b'\n' || b == b'\r' {
        error(
            at,
            "unterminated string: a JSON string cannot contain a line break (write `\\n`)",
        )
    } else {
        error(
            at,
            format!("control character U+{b:04X} must be escaped in a JSON string"),
        )
    }
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::NodeRef;

    fn parse(text: &str) -> (Arc<str>, ParsedText) {
        let src: Arc<str> = Arc::from(text);
        let parsed = parse_json(&src);
        (src, parsed)
    }

    fn slice(src: &str, r: TextRange) -> &str {
        &src[r.start as usize..r.end as usize]
    }

    fn root(p: &ParsedText) -> NodeRef<'_> {
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.documents.len(), 1);
        p.documents[0].root().unwrap()
    }

    fn syntax_error(text: &str) -> (u32, String) {
        let (_, p) = parse(text);
        assert_eq!(p.problems.len(), 1, "{text:?}: {:?}", p.problems);
        let problem = &p.problems[0];
        assert_eq!(problem.kind, ProblemKind::Syntax);
        assert!(p.documents.is_empty(), "{text:?}");
        (problem.range.unwrap().start, problem.message.clone())
    }

    #[test]
    fn values_kinds_and_styles() {
        let (_, p) = parse(
            r#"{"s": "x", "i": -12, "f": 1.5, "e": 1e3, "t": true, "n": null, "a": [false, {}], "o": {}}"#,
        );
        let r = root(&p);
        assert_eq!((r.kind(), r.style()), (NodeKind::Map, Style::Flow));
        assert_eq!(r.get("s").unwrap().as_str(), Some("x"));
        assert_eq!(r.get("s").unwrap().style(), Style::Json);
        assert_eq!(r.get("i").unwrap().kind(), NodeKind::Int);
        assert_eq!(r.get("i").unwrap().as_i64(), Some(-12));
        assert_eq!(r.get("f").unwrap().kind(), NodeKind::Float);
        assert_eq!(r.get("f").unwrap().as_f64(), Some(1.5));
        assert_eq!(r.get("e").unwrap().kind(), NodeKind::Float);
        assert_eq!(r.get("e").unwrap().as_i64(), Some(1000));
        assert_eq!(r.get("t").unwrap().as_bool(), Some(true));
        assert!(r.get("n").unwrap().is_null());
        let a = r.get("a").unwrap();
        assert_eq!(
            (a.kind(), a.style(), a.len()),
            (NodeKind::Seq, Style::Flow, 2)
        );
        assert_eq!(a.items().next().unwrap().as_bool(), Some(false));
        assert!(a.items().nth(1).unwrap().is_map());
        assert!(r.get("o").unwrap().is_empty());
    }

    #[test]
    fn spans_of_nested_values() {
        let text =
            "  {\n  \"spec\": {\"ports\": [ {\"port\": 80} , \"x\\ty\" ]},\n  \"n\": -0.5e-3\n}\n";
        let (src, p) = parse(text);
        let r = root(&p);
        assert_eq!(slice(&src, r.range()), &text[2..text.len() - 1]);
        assert_eq!(p.documents[0].range, r.range());
        let spec = r.get("spec").unwrap();
        assert_eq!(
            slice(&src, spec.range()),
            r#"{"ports": [ {"port": 80} , "x\ty" ]}"#
        );
        let ports = spec.get("ports").unwrap();
        assert_eq!(slice(&src, ports.range()), r#"[ {"port": 80} , "x\ty" ]"#);
        let first = ports.items().next().unwrap();
        assert_eq!(slice(&src, first.range()), r#"{"port": 80}"#);
        assert_eq!(slice(&src, first.get("port").unwrap().range()), "80");
        let escaped = ports.items().nth(1).unwrap();
        assert_eq!(slice(&src, escaped.range()), r#""x\ty""#);
        assert_eq!(escaped.as_str(), Some("x\ty"));
        assert_eq!(slice(&src, r.field_range("n").unwrap()), r#""n": -0.5e-3"#);
        let (key, _) = r.entry("spec").unwrap();
        assert_eq!(slice(&src, key.range()), r#""spec""#);
    }

    #[test]
    fn unicode_escapes() {
        let (_, p) = parse(
            r#"["\u00e9\u4E2D", "\ud83d\ude00!", "\ud800x", "\udc00", "\ud800\u0041", "\"\\\/\b\f\n\r\t", "é 服务"]"#,
        );
        let items: Vec<_> = root(&p).items().map(|i| i.as_str().unwrap()).collect();
        assert_eq!(
            items,
            [
                "é中",
                "😀!",
                "\u{fffd}x",
                "\u{fffd}",
                "\u{fffd}A",
                "\"\\/\u{8}\u{c}\n\r\t",
                "é 服务"
            ]
        );
    }

    #[test]
    fn big_numbers() {
        let (_, p) = parse(
            "[9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809, 1e400, 123456789012345678901234567890, 0, -0, 1.0]",
        );
        let kinds: Vec<_> = root(&p).items().map(|i| i.kind()).collect();
        use NodeKind::{Float, Int};
        assert_eq!(
            kinds,
            [Int, Int, Float, Float, Float, Float, Int, Int, Float]
        );
        let r = root(&p);
        let ints: Vec<_> = r.items().map(|i| i.as_i64()).collect();
        assert_eq!(ints[0], Some(i64::MAX));
        assert_eq!(ints[1], Some(i64::MIN));
        assert_eq!(ints[6], Some(0));
        assert_eq!(ints[7], Some(0));
        assert_eq!(ints[8], Some(1));
        assert_eq!(r.items().nth(4).unwrap().scalar_text(), Some("1e400"));
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let (src, p) = parse(r#"{"plain": "value", "esc": "a\nb"}"#);
        let r = root(&p);
        let in_source = |s: &str| {
            let base = src.as_ptr() as usize;
            (base..base + src.len()).contains(&(s.as_ptr() as usize))
        };
        assert!(in_source(r.get("plain").unwrap().as_str().unwrap()));
        assert!(in_source(r.entries().next().unwrap().0.as_str().unwrap()));
        assert!(!in_source(r.get("esc").unwrap().as_str().unwrap()));
    }

    #[test]
    fn duplicate_keys_keep_the_last_in_the_first_position() {
        let text = r#"{"a": 1, "b": 2, "a": 3, "a": 4}"#;
        let (src, p) = parse(text);
        let r = p.documents[0].root().unwrap();
        let keys: Vec<_> = r.entries().map(|(k, _)| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(r.get("a").unwrap().as_i64(), Some(4));
        assert_eq!(p.problems.len(), 2);
        let first = &p.problems[0];
        assert_eq!(first.kind, ProblemKind::DuplicateKey);
        assert_eq!(
            first.message,
            "duplicate key `a`; Kubernetes keeps only this last value"
        );
        assert_eq!(first.range, Some(TextRange::new(17, 20)));
        assert_eq!(
            first.related,
            [(TextRange::new(1, 4), "first defined here".to_owned())]
        );
        assert_eq!(p.problems[1].related[0].0, TextRange::new(17, 20));
        // The kept key is the last one, so the field range points at the value Kubernetes keeps.
        assert_eq!(slice(&src, r.field_range("a").unwrap()), r#""a": 4"#);
    }

    #[test]
    fn duplicate_keys_in_large_maps() {
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str("\"k7\": \"last\"}");
        let (_, p) = parse(&text);
        assert_eq!(p.problems.len(), 1);
        let r = p.documents[0].root().unwrap();
        assert_eq!(r.len(), 100);
        assert_eq!(r.entries().nth(7).unwrap().1.as_str(), Some("last"));
        // Escaped and unescaped spellings of one key are the same key.
        let (_, p) = parse(r#"{"ab": 1, "a\u0062": 2}"#);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(
            p.documents[0].root().unwrap().get("ab").unwrap().as_i64(),
            Some(2)
        );
    }

    #[test]
    fn concatenated_values_are_documents() {
        let text = "{\"kind\": \"List\"}\n{\"kind\": \"Pod\"}{\"a\":1} 42\n\"s\"\n";
        let (src, p) = parse(text);
        assert!(p.problems.is_empty());
        let docs: Vec<_> = p.documents.iter().map(|d| slice(&src, d.range)).collect();
        assert_eq!(
            docs,
            [
                "{\"kind\": \"List\"}",
                "{\"kind\": \"Pod\"}",
                "{\"a\":1}",
                "42",
                "\"s\""
            ]
        );
        assert!(p.comments.is_empty() && p.skipped.is_empty());
    }

    #[test]
    fn empty_input_has_no_documents() {
        for text in ["", "  \n\t\r\n", "\u{feff}", "\u{feff} \n"] {
            let (_, p) = parse(text);
            assert!(p.documents.is_empty() && p.problems.is_empty(), "{text:?}");
        }
        let (_, p) = parse("\u{feff}{}");
        assert_eq!(root(&p).range(), TextRange::new(3, 5));
    }

    #[test]
    fn syntax_errors_point_at_the_exact_byte() {
        let cases: &[(&str, u32, &str)] = &[
            (
                r#"{"a": 1 "b": 2}"#,
                8,
                "expected `,` or `}` after an object member",
            ),
            ("[1, 2", 5, "unexpected end of input: expected `,` or `]`"),
            (r#"[1 2]"#, 3, "expected `,` or `]` after an array element"),
            (r#"{"a" 1}"#, 5, "expected `:` after an object key"),
            (r#"{a: 1}"#, 1, "expected an object key"),
            (r#"{"a": 1,}"#, 8, "trailing comma"),
            (r#"[1,]"#, 3, "trailing comma"),
            (r#"{"a": "b"#, 6, "unterminated string"),
            (
                "{\"a\": \"b\n\"}",
                8,
                "unterminated string: a JSON string cannot contain a line break",
            ),
            ("[\"a\tb\"]", 3, "control character U+0009"),
            (r#"["\x"]"#, 2, "invalid escape `\\x`"),
            (r#"["\u12"]"#, 2, "invalid `\\u` escape"),
            (r#"[01]"#, 2, "leading zeros"),
            (r#"[1.]"#, 3, "expected a digit after the decimal point"),
            (r#"[1e+]"#, 4, "expected a digit in the exponent"),
            (r#"[-]"#, 2, "expected a digit after `-`"),
            (r#"[1x]"#, 2, "invalid number"),
            (r#"[tru]"#, 1, "expected a JSON value, found `tru`"),
            (r#"[nullx]"#, 1, "expected a JSON value, found `nullx`"),
            (r#"[NaN]"#, 1, "found `NaN`"),
            (r#"{"a": }"#, 6, "expected a JSON value, found `}`"),
            ("}", 0, "expected a JSON value, found `}`"),
            (
                "{\"a\":",
                5,
                "unexpected end of input: expected a JSON value",
            ),
        ];
        for (text, at, message) in cases {
            let (got_at, got) = syntax_error(text);
            assert_eq!(got_at, *at, "{text:?}: {got}");
            assert!(got.contains(message), "{text:?}: {got:?} lacks {message:?}");
        }
    }

    #[test]
    fn an_error_drops_one_document_and_parsing_resumes_at_the_next() {
        let text = "{\"a\": 1}\n{\n  \"b\": [1,\n}\n{\"c\": 3}\n";
        let (src, p) = parse(text);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].kind, ProblemKind::Syntax);
        let at = text.find("}\n{\"c").unwrap() as u32;
        assert_eq!(p.problems[0].range, Some(TextRange::empty(at)));
        let keys: Vec<_> = p
            .documents
            .iter()
            .map(|d| {
                d.root()
                    .unwrap()
                    .entries()
                    .next()
                    .unwrap()
                    .0
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(keys, ["a", "c"]);
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(slice(&src, p.skipped[0]), "{\n  \"b\": [1,\n}\n");

        // Without a later line starting with `{`, parsing stops.
        let (_, p) = parse("{\"a\": 1}\n[1, 2 {\"b\": 2}");
        assert_eq!((p.documents.len(), p.problems.len()), (1, 1));
        // Garbage after a value is its own skipped document.
        let (src, p) = parse("{\"a\": 1} x\n{\"b\": 2}");
        assert_eq!((p.documents.len(), p.problems.len()), (2, 1));
        assert_eq!(slice(&src, p.skipped[0]), "x\n");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        let (_, p) = parse(&ok);
        assert!(p.problems.is_empty());
        let mut node = p.documents[0].root().unwrap();
        for _ in 1..MAX_DEPTH {
            node = node.items().next().unwrap();
        }
        assert!(node.is_empty());
        let deep = "[{\"a\":".repeat(100_000);
        let (_, p) = parse(&deep);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].range, Some(TextRange::empty(6 * 500)));
        assert!(p.problems[0].message.contains("nested deeper than 1000"));
    }
}
