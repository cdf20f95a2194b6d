//! Scalar resolution exactly as Kubernetes does it.
//!
//! Kubernetes (kubectl, the API server's YAML decoding, client-go) reads YAML through
//! `sigs.k8s.io/yaml`, which decodes with go-yaml **v2** (`gopkg.in/yaml.v2` up to
//! `sigs.k8s.io/yaml` v1.3, then the vendored fork `sigs.k8s.io/yaml/goyaml.v2`, "based on
//! v2.4.0"). The rules below are those of `resolve()` in go-yaml v2.4.0's `resolve.go`, plus the
//! parts of `decode.go` and Go's `strconv`/`time` packages that decide the outcome:
//!
//! * **Map lookup first** (YAML 1.1 style): `y Y yes Yes YES true True TRUE on On ON` are `true`,
//!   `n N no No NO false False FALSE off Off OFF` are `false`, `"" ~ null Null NULL` are null,
//!   `.inf .Inf .INF +.inf +.Inf +.INF` / `-.inf -.Inf -.INF` are infinities and
//!   `.nan .NaN .NAN` is NaN. Other spellings (`tRUE`, `None`, `-.nan`, `inf`) are strings.
//! * Only a scalar whose first byte is a sign, a digit, `.` or one of `yYnNtTfFoO~` is looked at
//!   at all; everything else (including `_1`, `e5` and `<<`) is a string.
//! * A leading `.` is parsed with Go's `strconv.ParseFloat` (`.5`, `.5e3`, `.5_0`).
//! * A leading digit or sign: first a timestamp check (see below), then, with every `_` removed,
//!   Go's `strconv.ParseInt(s, 0, 64)` (so `0644` = 420, `0o644` = 420, `0x1F` = 31,
//!   `0b101` = 5, `-0b101` = -5, `08` is *not* an integer), then `strconv.ParseUint(s, 0, 64)`
//!   (only values above `i64::MAX`), then a float if the text matches
//!   `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` and does not overflow (so `08` and
//!   `09` are the floats 8 and 9, `1e3` is a float, `1e400` is a string), then go-yaml's own
//!   `0b`/`-0b` retry (which also accepts the odd `0b-101` = -5).
//! * `<<` is not resolved by `resolve()` (its first byte has no hint); go-yaml's decoder treats a
//!   plain `<<` *mapping key* as a merge key. [`resolve_plain`] reports [`Resolved::Merge`] for it;
//!   callers must treat `Merge` in value position as the string `"<<"`.
//!
//! Timestamps: a plain scalar starting with exactly four digits and `-` that Go's `time.Parse`
//! accepts with one of `2006-1-2T15:4:5.999999999Z07:00`, `2006-1-2t15:4:5.999999999Z07:00`,
//! `2006-1-2 15:4:5.999999999` or `2006-1-2` resolves to `!!timestamp`
//! ([`Resolved::Timestamp`]). Decoding into `interface{}` — which is what `sigs.k8s.io/yaml`
//! does before producing JSON — then keeps the **original text as a string** (go-yaml v2
//! compatibility rule), so for Kubernetes a timestamp is a string with the source text unchanged;
//! it is never rewritten to RFC 3339. `Timestamp` therefore only tells that go-yaml saw a
//! timestamp (it matters for an explicit `!!timestamp` tag). Month and day are range-checked
//! (`2001-02-29` is a string, `2000-02-29` a timestamp); `2001-12-14 21:59:43.10 -5` is a string.
//! `time.Parse` is modelled as in Go 1.20 and later (Kubernetes 1.27+): any number of fractional
//! digits, zone offsets checked against `+24:60`. Go 1.19 and older reject more than nine
//! fractional digits and accept any offset; neither changes the JSON Kubernetes sees.
//!
//! Integers wider than 64 bits: go-yaml v2.4.0 leaves `0x1_0000_0000_0000_0000` a string and turns
//! a decimal one into a float (it matches the float pattern). A later change to the
//! `sigs.k8s.io/yaml/goyaml.v2` fork (after the Kubernetes 1.32 era) resolves the non-decimal ones
//! to a `big.Int` instead; [`is_oversized_int`] flags exactly those scalars.
//!
//! Things a rule may want to know about the JSON that Kubernetes then builds: `.inf`/`.nan`
//! values make `sigs.k8s.io/yaml` fail (`json: unsupported value: +Inf`), quoted and block
//! scalars are always strings, an unknown or application tag (`!foo`, `!`) leaves the text a
//! string, and keys are resolved too (a key `y:` becomes the JSON key `"true"`).

use std::fmt::Write as _;

/// What a scalar resolves to under go-yaml v2 rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` (Go `uint64`).
    Uint(u64),
    Float(f64),
    Str,
    /// A plain `<<` (a merge key when it is a mapping key; the string `"<<"` elsewhere).
    Merge,
    /// go-yaml's `!!timestamp`; Kubernetes keeps the source text as a string.
    Timestamp,
}

/// Resolve a PLAIN (unquoted, non-block) scalar's text the way go-yaml v2 does with no explicit tag.
pub fn resolve_plain(text: &str) -> Resolved {
    if text == "<<" {
        return Resolved::Merge;
    }
    resolve_core(Target::Implicit, text)
}

/// Resolve a scalar carrying an explicit tag from the `tag:yaml.org,2002:` namespace; `suffix` is
/// what follows that prefix (`str`, `int`, `bool`, `float`, `null`, `binary`, `timestamp`,
/// `merge`, …). Quoting does not matter once a tag is given.
///
/// Returns `Err` with go-yaml's message (without its `yaml: ` prefix) when the value does not fit
/// the tag, e.g. ``cannot decode !!str `abc` as a !!int``. `!!float` accepts integers (as
/// floats) except those above `i64::MAX`. Tags go-yaml does not resolve (`seq`, `map`, `set`,
/// unknown suffixes) leave the text a string, as does `!!binary` with valid base64.
pub fn resolve_tagged(suffix: &str, text: &str) -> Result<Resolved, String> {
    let target = match suffix {
        "str" => return Ok(Resolved::Str),
        "binary" => {
            return if is_go_std_base64(text) {
                Ok(Resolved::Str)
            } else {
                Err("!!binary value contains invalid base64 data".to_owned())
            };
        }
        "merge" => {
            return Ok(if text == "<<" {
                Resolved::Merge
            } else {
                Resolved::Str
            });
        }
        "bool" => Target::Bool,
        "int" => Target::Int,
        "float" => Target::Float,
        "null" => Target::Null,
        "timestamp" => Target::Timestamp,
        _ => return Ok(Resolved::Str),
    };
    let resolved = resolve_core(target, text);
    if target.accepts(resolved) {
        return Ok(resolved);
    }
    match (target, resolved) {
        (Target::Float, Resolved::Int(i)) => Ok(Resolved::Float(i as f64)),
        _ => {
            let mut message = String::from("cannot decode ");
            let _ = write!(
                message,
                "{} `{}` as a !!{}",
                short_tag(resolved),
                text,
                suffix
            );
            Err(message)
        }
    }
}

/// The integer a plain scalar resolves to, if it resolves to one that fits `i64`
/// (`0644` → 420, `0x1F` → 31, `1_000` → 1000, `0b101` → 5, `-0b101` → -5; `08` → `None`).
pub fn int_value(text: &str) -> Option<i64> {
    match resolve_plain(text) {
        Resolved::Int(i) => Some(i),
        _ => None,
    }
}

/// The `f64` a plain numeric scalar gives a Go `float64`: floats (including `.inf`, `-.Inf`,
/// `.NaN`, `1e3`, `08`) and integers (`1` → 1.0, which is also what `!!float 1` yields).
/// `None` for anything that is not a number.
pub fn float_value(text: &str) -> Option<f64> {
    match resolve_plain(text) {
        Resolved::Float(f) => Some(f),
        Resolved::Int(i) => Some(i as f64),
        Resolved::Uint(u) => Some(u as f64),
        _ => None,
    }
}

/// True for a plain scalar that go-yaml v2.4.0 leaves a string only because it is an integer
/// literal wider than 64 bits (`0x1FFFFFFFFFFFFFFFFF`, `0o...`, `0b...` with 65+ bits). The
/// current `sigs.k8s.io/yaml/goyaml.v2` fork resolves these to a `big.Int` (`!!int`), so their
/// meaning depends on the Kubernetes version. Decimal ones are floats in both and are not flagged.
pub fn is_oversized_int(text: &str) -> bool {
    if resolve_plain(text) != Resolved::Str || !matches!(hint(text), Hint::Digit) {
        return false;
    }
    if parse_timestamp(text) {
        return false;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    go_parse_uint(&plain, 0) == Err(NumError::Range) && all_digits_in_base(&plain)
}

// ---------------------------------------------------------------------------------------------
// The resolver proper.

/// The tag a scalar is resolved against: none (implicit) or one of the resolvable core tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Implicit,
    Bool,
    Int,
    Float,
    Null,
    Timestamp,
}

impl Target {
    fn accepts(self, resolved: Resolved) -> bool {
        matches!(
            (self, resolved),
            (Target::Implicit, _)
                | (Target::Bool, Resolved::Bool(_))
                | (Target::Int, Resolved::Int(_) | Resolved::Uint(_))
                | (Target::Float, Resolved::Float(_))
                | (Target::Null, Resolved::Null)
                | (Target::Timestamp, Resolved::Timestamp)
        )
    }
}

fn short_tag(resolved: Resolved) -> &'static str {
    match resolved {
        Resolved::Null => "!!null",
        Resolved::Bool(_) => "!!bool",
        Resolved::Int(_) | Resolved::Uint(_) => "!!int",
        Resolved::Float(_) => "!!float",
        Resolved::Str => "!!str",
        Resolved::Merge => "!!merge",
        Resolved::Timestamp => "!!timestamp",
    }
}

/// go-yaml's first-byte hint table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    /// No hint: always a string.
    None,
    /// `yYnNtTfFoO~` and the empty string: only the word table can match.
    Word,
    /// `.`: the word table, then `strconv.ParseFloat`.
    Dot,
    /// A digit or a sign: timestamp, integer, float.
    Digit,
}

fn hint(text: &str) -> Hint {
    match text.as_bytes().first() {
        None => Hint::Word,
        Some(b'+' | b'-' | b'0'..=b'9') => Hint::Digit,
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            Hint::Word
        }
        Some(b'.') => Hint::Dot,
        Some(_) => Hint::None,
    }
}

fn word(text: &str) -> Option<Resolved> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

fn resolve_core(target: Target, text: &str) -> Resolved {
    let hint = hint(text);
    if hint == Hint::None {
        return Resolved::Str;
    }
    if let Some(resolved) = word(text) {
        return resolved;
    }
    match hint {
        Hint::Dot => go_parse_float_dot(text).map_or(Resolved::Str, Resolved::Float),
        Hint::Digit => resolve_number(target, text),
        Hint::Word | Hint::None => Resolved::Str,
    }
}

fn resolve_number(target: Target, text: &str) -> Resolved {
    if matches!(target, Target::Implicit | Target::Timestamp) && parse_timestamp(text) {
        return Resolved::Timestamp;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Ok(i) = go_parse_int(&plain, 0) {
        return Resolved::Int(i);
    }
    if let Ok(u) = go_parse_uint(&plain, 0) {
        return Resolved::Uint(u);
    }
    if matches_yaml_float(&plain)
        && let Some(f) = parse_finite_f64(&plain)
    {
        return Resolved::Float(f);
    }
    if let Some(digits) = plain.strip_prefix("0b") {
        if let Ok(i) = go_parse_int(digits, 2) {
            return Resolved::Int(i);
        }
        if let Ok(u) = go_parse_uint(digits, 2) {
            return Resolved::Uint(u);
        }
    } else if let Some(digits) = plain.strip_prefix("-0b")
        && let Ok(i) = go_parse_int(&format!("-{digits}"), 2)
    {
        return Resolved::Int(i);
    }
    Resolved::Str
}

// ---------------------------------------------------------------------------------------------
// Go `strconv` semantics.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumError {
    Syntax,
    Range,
}

fn digit_value(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 10),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 10),
        _ => None,
    }
}

/// Splits Go's base-0 prefix: `0b`/`0o`/`0x` (any case, only with at least one more byte), else a
/// leading `0` means octal, else decimal.
fn split_base0(s: &[u8]) -> (u64, &[u8]) {
    if s.first() == Some(&b'0') {
        if s.len() >= 3 {
            match s[1].to_ascii_lowercase() {
                b'b' => return (2, &s[2..]),
                b'o' => return (8, &s[2..]),
                b'x' => return (16, &s[2..]),
                _ => {}
            }
        }
        return (8, &s[1..]);
    }
    (10, s)
}

/// `strconv.ParseUint(s, base, 64)` for base 0 or 2..=36, on text without underscores.
fn go_parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(NumError::Syntax);
    }
    let (base, digits) = if base == 0 {
        split_base0(bytes)
    } else {
        (u64::from(base), bytes)
    };
    let cutoff = u64::MAX / base + 1;
    let mut n: u64 = 0;
    for &c in digits {
        let d = match digit_value(c) {
            Some(d) if d < base => d,
            _ => return Err(NumError::Syntax),
        };
        if n >= cutoff {
            return Err(NumError::Range);
        }
        n *= base;
        n = n.checked_add(d).ok_or(NumError::Range)?;
    }
    Ok(n)
}

/// `strconv.ParseInt(s, base, 64)`: an optional sign, then [`go_parse_uint`].
fn go_parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    let (negative, rest) = match s.as_bytes().first() {
        None => return Err(NumError::Syntax),
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
    };
    let magnitude = match go_parse_uint(rest, base) {
        Ok(u) => u,
        Err(NumError::Range) => return Err(NumError::Range),
        Err(NumError::Syntax) => return Err(NumError::Syntax),
    };
    const CUTOFF: u64 = 1 << 63;
    if (!negative && magnitude >= CUTOFF) || (negative && magnitude > CUTOFF) {
        return Err(NumError::Range);
    }
    // `magnitude as i64` wraps 2^63 to i64::MIN, which negates to itself: exactly Go's result.
    let value = magnitude as i64;
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Whether every byte after the base-0 prefix is a digit of that base (`big.Int.SetString(s, 0)`
/// on unsigned, underscore-free text).
fn all_digits_in_base(s: &str) -> bool {
    let (base, digits) = split_base0(s.as_bytes());
    !digits.is_empty()
        && digits
            .iter()
            .all(|&c| digit_value(c).is_some_and(|d| d < base))
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn matches_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    } else {
        let end = digits(i);
        if end == i {
            return false;
        }
        i = end;
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for text already known to be a plain decimal float: an
/// overflow to ±Inf is Go's `ErrRange`, which go-yaml treats as "not a float". Underflow to zero
/// is not an error in Go.
fn parse_finite_f64(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseFloat` on a scalar starting with `.`: `\.[0-9]+([eE][-+]?[0-9]+)?`, where
/// underscores may separate digits (Go's `underscoreOK`).
fn go_parse_float_dot(s: &str) -> Option<f64> {
    if s.contains('_') && !go_underscore_ok(s) {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if !plain.starts_with('.') || !matches_yaml_float(&plain) {
        return None;
    }
    parse_finite_f64(&plain)
}

/// Go's `strconv.underscoreOK` for decimal text: every `_` sits between two digits.
fn go_underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let start = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    // The last character class seen: '^' start, '0' digit, '_' underscore, '!' other.
    let mut saw = b'^';
    for &c in &b[start..] {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

// ---------------------------------------------------------------------------------------------
// Go `time.Parse` with go-yaml's four layouts.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `2006-1-2T15:4:5.999999999Z07:00`
    UpperT,
    /// `2006-1-2t15:4:5.999999999Z07:00`
    LowerT,
    /// `2006-1-2 15:4:5.999999999`
    Space,
    /// `2006-1-2`
    DateOnly,
}

fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_digits != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    [
        Layout::UpperT,
        Layout::LowerT,
        Layout::Space,
        Layout::DateOnly,
    ]
    .into_iter()
    .any(|layout| parse_with_layout(b, layout))
}

/// Go's `getnum(s, false)`: one digit, or two when the second byte is also a digit.
fn getnum(b: &[u8], pos: &mut usize) -> Option<u32> {
    let first = *b.get(*pos).filter(|c| c.is_ascii_digit())?;
    *pos += 1;
    let mut n = u32::from(first - b'0');
    if let Some(&second) = b.get(*pos).filter(|c| c.is_ascii_digit()) {
        *pos += 1;
        n = n * 10 + u32::from(second - b'0');
    }
    Some(n)
}

fn expect(b: &[u8], pos: &mut usize, c: u8) -> Option<()> {
    (b.get(*pos) == Some(&c)).then(|| *pos += 1)
}

fn two_digits(b: &[u8], at: usize) -> Option<u32> {
    let hi = *b.get(at).filter(|c| c.is_ascii_digit())?;
    let lo = *b.get(at + 1).filter(|c| c.is_ascii_digit())?;
    Some(u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
}

fn parse_with_layout(b: &[u8], layout: Layout) -> bool {
    parse_with_layout_inner(b, layout).is_some()
}

fn parse_with_layout_inner(b: &[u8], layout: Layout) -> Option<()> {
    let year: u32 = std::str::from_utf8(&b[..4]).ok()?.parse().ok()?;
    let mut pos = 4;
    expect(b, &mut pos, b'-')?;
    let month = getnum(b, &mut pos)?;
    expect(b, &mut pos, b'-')?;
    let day = getnum(b, &mut pos)?;
    if layout != Layout::DateOnly {
        match layout {
            Layout::UpperT => expect(b, &mut pos, b'T')?,
            Layout::LowerT => expect(b, &mut pos, b't')?,
            _ => {
                // A space in a Go layout matches one or more spaces (or the end of the text).
                if pos < b.len() && b[pos] != b' ' {
                    return None;
                }
                while b.get(pos) == Some(&b' ') {
                    pos += 1;
                }
            }
        }
        let hour = getnum(b, &mut pos)?;
        expect(b, &mut pos, b':')?;
        let minute = getnum(b, &mut pos)?;
        expect(b, &mut pos, b':')?;
        let second = getnum(b, &mut pos)?;
        if hour >= 24 || minute >= 60 || second >= 60 {
            return None;
        }
        // Optional fraction: `.` or `,` then any number of digits.
        if matches!(b.get(pos), Some(b'.' | b',')) && b.get(pos + 1).is_some_and(u8::is_ascii_digit)
        {
            pos += 1;
            while b.get(pos).is_some_and(u8::is_ascii_digit) {
                pos += 1;
            }
        }
        if layout != Layout::Space {
            // `Z07:00`: `Z`, or `±hh:mm` with hh <= 24 and mm <= 60.
            if b.get(pos) == Some(&b'Z') {
                pos += 1;
            } else {
                if b.len() < pos + 6 || b[pos + 3] != b':' || !matches!(b[pos], b'+' | b'-') {
                    return None;
                }
                let hours = two_digits(b, pos + 1)?;
                let minutes = two_digits(b, pos + 4)?;
                if hours > 24 || minutes > 60 {
                    return None;
                }
                pos += 6;
            }
        }
    }
    if pos != b.len() || !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(())
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// `!!binary`: Go's `base64.StdEncoding.DecodeString` (padding required, CR/LF ignored, trailing
// bits not checked).

fn is_go_std_base64(text: &str) -> bool {
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let alphabet = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let quanta = bytes.len() / 4;
    bytes.chunks(4).enumerate().all(|(i, q)| {
        let last = i + 1 == quanta;
        match q {
            [a, b, c, d] if alphabet(*a) && alphabet(*b) => {
                (alphabet(*c) && alphabet(*d))
                    || (last && alphabet(*c) && *d == b'=')
                    || (last && *c == b'=' && *d == b'=')
            }
            _ => false,
        }
    })
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::Resolved::{Bool, Float, Int, Merge, Null, Str, Timestamp, Uint};
    use super::*;

    /// Every expectation here was checked against go-yaml v2.4.0's `resolve()` built with Go.
    const PLAIN: &[(&str, Resolved)] = &[
        // YAML 1.1 booleans.
        ("y", Bool(true)),
        ("Y", Bool(true)),
        ("yes", Bool(true)),
        ("Yes", Bool(true)),
        ("YES", Bool(true)),
        ("on", Bool(true)),
        ("On", Bool(true)),
        ("ON", Bool(true)),
        ("true", Bool(true)),
        ("True", Bool(true)),
        ("TRUE", Bool(true)),
        ("n", Bool(false)),
        ("N", Bool(false)),
        ("no", Bool(false)),
        ("No", Bool(false)),
        ("NO", Bool(false)),
        ("off", Bool(false)),
        ("Off", Bool(false)),
        ("OFF", Bool(false)),
        ("false", Bool(false)),
        ("False", Bool(false)),
        ("FALSE", Bool(false)),
        ("tRUE", Str),
        ("yES", Str),
        ("oN", Str),
        ("offf", Str),
        // Nulls.
        ("", Null),
        ("~", Null),
        ("null", Null),
        ("Null", Null),
        ("NULL", Null),
        ("nULL", Str),
        ("None", Str),
        // Merge.
        ("<<", Merge),
        ("<<<", Str),
        // Decimal, octal, hex, binary integers; underscores removed first.
        ("0", Int(0)),
        ("-0", Int(0)),
        ("+0", Int(0)),
        ("00", Int(0)),
        ("42", Int(42)),
        ("+42", Int(42)),
        ("-42", Int(-42)),
        ("0644", Int(420)),
        ("-0644", Int(-420)),
        ("0o644", Int(420)),
        ("0O644", Int(420)),
        ("0x1F", Int(31)),
        ("0x1f", Int(31)),
        ("0X1F", Int(31)),
        ("-0x1F", Int(-31)),
        ("+0x1F", Int(31)),
        ("0b101", Int(5)),
        ("0B101", Int(5)),
        ("-0b101", Int(-5)),
        ("0b-101", Int(-5)),
        ("0b+101", Int(5)),
        ("-0b-101", Str),
        ("1_000", Int(1000)),
        ("1__000", Int(1000)),
        ("1_", Int(1)),
        ("+_1", Int(1)),
        ("-_1", Int(-1)),
        ("_1", Str),
        ("0x_1F", Int(31)),
        ("0b1_0", Int(2)),
        ("+685_230", Int(685_230)),
        ("02472256", Int(685_230)),
        ("0x_0A_74_AE", Int(685_230)),
        ("0b1010_0111_0100_1010_1110", Int(685_230)),
        ("9223372036854775807", Int(i64::MAX)),
        ("-9223372036854775808", Int(i64::MIN)),
        ("-0x8000000000000000", Int(i64::MIN)),
        (
            "-0b1000000000000000000000000000000000000000000000000000000000000000",
            Int(i64::MIN),
        ),
        ("9223372036854775808", Uint(9_223_372_036_854_775_808)),
        ("18446744073709551615", Uint(u64::MAX)),
        ("0xFFFFFFFFFFFFFFFF", Uint(u64::MAX)),
        (
            "0b1111111111111111111111111111111111111111111111111111111111111111",
            Uint(u64::MAX),
        ),
        // Not integers.
        ("0x", Str),
        ("0o", Str),
        ("0b", Str),
        ("-0b", Str),
        ("0xg", Str),
        ("0o8", Str),
        ("0b102", Str),
        ("+", Str),
        ("-", Str),
        ("--1", Str),
        ("+-1", Str),
        ("1-2", Str),
        ("1:30", Str),
        ("12:30:00", Str),
        ("1.2.3", Str),
        ("1e", Str),
        ("e1", Str),
        ("E1", Str),
        ("50cent_of_dollar", Str),
        ("-b_c", Str),
        ("0x1FFFFFFFFFFFFFFFFF", Str),
        ("-0x8000000000000001", Str),
        ("1e400", Str),
        ("-1e400", Str),
        (".1e400", Str),
        // Invalid octal falls through to the float pattern.
        ("08", Float(8.0)),
        ("09", Float(9.0)),
        ("0_8", Float(8.0)),
        ("019", Float(19.0)),
        ("09.5", Float(9.5)),
        // Floats.
        ("1.", Float(1.0)),
        ("1.5", Float(1.5)),
        ("-1.5", Float(-1.5)),
        ("+1.5", Float(1.5)),
        (".5", Float(0.5)),
        ("+.5", Float(0.5)),
        ("-.5", Float(-0.5)),
        ("1e3", Float(1000.0)),
        ("1E3", Float(1000.0)),
        ("1e+3", Float(1000.0)),
        ("1.e1", Float(10.0)),
        ("0.e1", Float(0.0)),
        ("123456e1", Float(1_234_560.0)),
        ("6.8523e+5", Float(685_230.0)),
        ("685.230_15e+03", Float(685_230.15)),
        ("685_230.15", Float(685_230.15)),
        ("1_000.5", Float(1000.5)),
        ("1_0e1_0", Float(1e11)),
        (".5e3", Float(500.0)),
        (".5_0", Float(0.5)),
        ("._5", Str),
        (".5_", Str),
        (".", Str),
        ("..", Str),
        (".e5", Str),
        (".5.5", Str),
        ("1e-400", Float(0.0)),
        ("-9223372036854775809", Float(-9_223_372_036_854_775_809.0)),
        ("18446744073709551616", Float(18_446_744_073_709_551_616.0)),
        (
            "123456789012345678901234567890",
            Float(1.234_567_890_123_456_8e29),
        ),
        (
            "07777777777777777777777777",
            Float(7.777_777_777_777_778e24),
        ),
        // Infinities and NaN: only these spellings.
        (".inf", Float(f64::INFINITY)),
        (".Inf", Float(f64::INFINITY)),
        (".INF", Float(f64::INFINITY)),
        ("+.inf", Float(f64::INFINITY)),
        ("+.Inf", Float(f64::INFINITY)),
        ("+.INF", Float(f64::INFINITY)),
        ("-.inf", Float(f64::NEG_INFINITY)),
        ("-.Inf", Float(f64::NEG_INFINITY)),
        ("-.INF", Float(f64::NEG_INFINITY)),
        (".iNF", Str),
        ("inf", Str),
        ("Infinity", Str),
        ("nan", Str),
        (".Nan", Str),
        ("-.nan", Str),
        ("+.nan", Str),
        // Timestamps.
        ("2001-12-14", Timestamp),
        ("2001-1-2", Timestamp),
        ("0000-01-01", Timestamp),
        ("2000-02-29", Timestamp),
        ("2001-02-29", Str),
        ("2001-02-30", Str),
        ("2001-13-01", Str),
        ("2001-00-10", Str),
        ("2001-12-00", Str),
        ("2001-12-32", Str),
        ("20011-12-14", Str),
        ("201-12-14", Str),
        ("2001-123-1", Str),
        ("2001-12-14T21:59:43Z", Timestamp),
        ("2001-12-14t21:59:43Z", Timestamp),
        ("2001-12-14T21:59:43.10-05:00", Timestamp),
        ("2001-12-14t21:59:43.10-05:00", Timestamp),
        ("2001-12-14T21:59:43,5Z", Timestamp),
        ("2001-12-14T21:59:43.123456789012Z", Timestamp),
        ("2015-2-3T3:4:5Z", Timestamp),
        ("2001-12-14T21:59:43+24:00", Timestamp),
        ("2001-12-14T21:59:43+05:60", Timestamp),
        ("2001-12-14T21:59:43+25:00", Str),
        ("2001-12-14T21:59:43+05:61", Str),
        ("2001-12-14T21:59:43+0530", Str),
        ("2001-12-14T21:59:43z", Str),
        ("2001-12-14T21:59:43", Str),
        ("2001-12-14T21:59Z", Str),
        ("2001-12-14T24:00:00Z", Str),
        ("2001-12-14T21:60:00Z", Str),
        ("2001-12-14T21:59:60Z", Str),
        ("2001-12-14T21:59:43.Z", Str),
        ("2001-12-14 21:59:43.10", Timestamp),
        ("2001-12-14 21:59:43", Timestamp),
        ("2001-12-14   21:59:43", Timestamp),
        ("2001-12-14 21:59:43Z", Str),
        ("2001-12-14 21:59:43.10 -5", Str),
        ("2001-12-14\t21:59:43", Str),
        ("2001-", Str),
        ("1234-5", Str),
        // Everything else.
        ("hello", Str),
        ("1.2.3.4", Str),
        ("3s", Str),
        ("<foo>", Str),
        ("ñ", Str),
    ];

    fn same(a: Resolved, b: Resolved) -> bool {
        match (a, b) {
            (Float(x), Float(y)) => (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits(),
            _ => a == b,
        }
    }

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v2() {
        let failures: Vec<String> = PLAIN
            .iter()
            .filter(|(text, want)| !same(resolve_plain(text), *want))
            .map(|(text, want)| format!("{text:?}: got {:?}, want {want:?}", resolve_plain(text)))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(PLAIN.len() >= 50);
    }

    #[test]
    fn nan_resolves_to_nan() {
        for text in [".nan", ".NaN", ".NAN"] {
            assert!(
                matches!(resolve_plain(text), Float(f) if f.is_nan()),
                "{text}"
            );
        }
    }

    /// (suffix, text, expected): `Err` carries go-yaml's message.
    const TAGGED: &[(&str, &str, Result<Resolved, &str>)] = &[
        ("str", "123", Ok(Str)),
        ("str", "yes", Ok(Str)),
        ("str", "2015-01-01", Ok(Str)),
        ("str", "", Ok(Str)),
        ("bool", "yes", Ok(Bool(true))),
        ("bool", "off", Ok(Bool(false))),
        ("bool", "1", Err("cannot decode !!int `1` as a !!bool")),
        (
            "bool",
            "maybe",
            Err("cannot decode !!str `maybe` as a !!bool"),
        ),
        (
            "bool",
            "null",
            Err("cannot decode !!null `null` as a !!bool"),
        ),
        ("int", "0644", Ok(Int(420))),
        ("int", "0x1F", Ok(Int(31))),
        ("int", "18446744073709551615", Ok(Uint(u64::MAX))),
        ("int", "1.5", Err("cannot decode !!float `1.5` as a !!int")),
        ("int", "08", Err("cannot decode !!float `08` as a !!int")),
        (
            "int",
            ".inf",
            Err("cannot decode !!float `.inf` as a !!int"),
        ),
        ("int", "~", Err("cannot decode !!null `~` as a !!int")),
        (
            "int",
            "2015-01-01",
            Err("cannot decode !!str `2015-01-01` as a !!int"),
        ),
        ("int", "abc", Err("cannot decode !!str `abc` as a !!int")),
        ("int", "<<", Err("cannot decode !!str `<<` as a !!int")),
        ("float", "1.1", Ok(Float(1.1))),
        ("float", "0", Ok(Float(0.0))),
        ("float", "-1", Ok(Float(-1.0))),
        ("float", "0x10", Ok(Float(16.0))),
        ("float", "-0b11", Ok(Float(-3.0))),
        ("float", ".Inf", Ok(Float(f64::INFINITY))),
        (
            "float",
            "18446744073709551615",
            Err("cannot decode !!int `18446744073709551615` as a !!float"),
        ),
        (
            "float",
            "error",
            Err("cannot decode !!str `error` as a !!float"),
        ),
        (
            "float",
            "true",
            Err("cannot decode !!bool `true` as a !!float"),
        ),
        ("null", "", Ok(Null)),
        ("null", "~", Ok(Null)),
        ("null", "NULL", Ok(Null)),
        ("null", "foo", Err("cannot decode !!str `foo` as a !!null")),
        ("null", "0", Err("cannot decode !!int `0` as a !!null")),
        ("timestamp", "2015-01-01", Ok(Timestamp)),
        ("timestamp", "2015-02-24T18:19:39.12Z", Ok(Timestamp)),
        (
            "timestamp",
            "123",
            Err("cannot decode !!int `123` as a !!timestamp"),
        ),
        (
            "timestamp",
            "abc",
            Err("cannot decode !!str `abc` as a !!timestamp"),
        ),
        (
            "timestamp",
            "2001-02-30",
            Err("cannot decode !!str `2001-02-30` as a !!timestamp"),
        ),
        ("binary", "gIGC", Ok(Str)),
        ("binary", "", Ok(Str)),
        ("binary", "AAAA\nAA==\n", Ok(Str)),
        ("binary", "AAA=", Ok(Str)),
        ("binary", "AB==", Ok(Str)),
        (
            "binary",
            "==",
            Err("!!binary value contains invalid base64 data"),
        ),
        (
            "binary",
            "AAA",
            Err("!!binary value contains invalid base64 data"),
        ),
        (
            "binary",
            "A===",
            Err("!!binary value contains invalid base64 data"),
        ),
        (
            "binary",
            "AA==AAAA",
            Err("!!binary value contains invalid base64 data"),
        ),
        (
            "binary",
            "AA AA",
            Err("!!binary value contains invalid base64 data"),
        ),
        (
            "binary",
            "AA-_",
            Err("!!binary value contains invalid base64 data"),
        ),
        ("merge", "<<", Ok(Merge)),
        ("merge", "x", Ok(Str)),
        ("map", "x", Ok(Str)),
        ("seq", "1", Ok(Str)),
        ("foo", "yes", Ok(Str)),
    ];

    #[test]
    fn tagged_scalars_resolve_like_go_yaml_v2() {
        let mut failures = Vec::new();
        for (suffix, text, want) in TAGGED {
            let got = resolve_tagged(suffix, text);
            let ok = match (&got, want) {
                (Ok(g), Ok(w)) => same(*g, *w),
                (Err(g), Err(w)) => g == w,
                _ => false,
            };
            if !ok {
                failures.push(format!("!!{suffix} {text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn int_value_examples() {
        assert_eq!(int_value("0644"), Some(420));
        assert_eq!(int_value("0x1F"), Some(31));
        assert_eq!(int_value("1_000"), Some(1000));
        assert_eq!(int_value("0b101"), Some(5));
        assert_eq!(int_value("-0b101"), Some(-5));
        assert_eq!(int_value("0o644"), Some(420));
        assert_eq!(int_value("08"), None);
        assert_eq!(int_value("1.0"), None);
        assert_eq!(int_value("18446744073709551615"), None);
        assert_eq!(int_value("yes"), None);
        assert_eq!(int_value("\"1\""), None);
    }

    #[test]
    fn float_value_examples() {
        assert_eq!(float_value("1.5"), Some(1.5));
        assert_eq!(float_value("1e3"), Some(1000.0));
        assert_eq!(float_value("08"), Some(8.0));
        assert_eq!(float_value("1"), Some(1.0));
        assert_eq!(float_value("0x10"), Some(16.0));
        assert_eq!(float_value("18446744073709551615"), Some(u64::MAX as f64));
        assert_eq!(float_value(".inf"), Some(f64::INFINITY));
        assert_eq!(float_value("-.Inf"), Some(f64::NEG_INFINITY));
        assert!(float_value(".NaN").is_some_and(f64::is_nan));
        assert_eq!(float_value("inf"), None);
        assert_eq!(float_value("1e400"), None);
        assert_eq!(float_value("2001-12-14"), None);
        assert_eq!(float_value("~"), None);
    }

    #[test]
    fn oversized_ints_are_flagged() {
        assert!(is_oversized_int("0x1FFFFFFFFFFFFFFFFF"));
        assert!(is_oversized_int("0x1_FFFF_FFFF_FFFF_FFFF"));
        assert!(is_oversized_int("0o7777777777777777777777777"));
        assert!(is_oversized_int(
            "0b11111111111111111111111111111111111111111111111111111111111111111"
        ));
        // Decimal ones are floats, signed ones and malformed ones stay strings in both versions.
        assert!(!is_oversized_int("123456789012345678901234567890"));
        assert!(!is_oversized_int("-0x1FFFFFFFFFFFFFFFFF"));
        assert!(!is_oversized_int("0x1FFFFFFFFFFFFFFFFFZ"));
        assert!(!is_oversized_int("0xFFFFFFFFFFFFFFFF"));
        assert!(!is_oversized_int("hello"));
    }

    #[test]
    fn strconv_emulation_matches_go() {
        assert_eq!(go_parse_int("0", 0), Ok(0));
        assert_eq!(go_parse_int("", 0), Err(NumError::Syntax));
        assert_eq!(go_parse_int("9223372036854775808", 0), Err(NumError::Range));
        assert_eq!(
            go_parse_uint("18446744073709551616", 0),
            Err(NumError::Range)
        );
        // Go reports the overflow before it sees the bad digit.
        assert_eq!(
            go_parse_uint("99999999999999999999x", 0),
            Err(NumError::Range)
        );
        assert_eq!(go_parse_uint("+1", 0), Err(NumError::Syntax));
        assert_eq!(go_parse_int("-101", 2), Ok(-5));
        assert!(go_underscore_ok("1_0"));
        assert!(!go_underscore_ok("1__0"));
        assert!(!go_underscore_ok("_1"));
        assert!(!go_underscore_ok("1_"));
    }
}
