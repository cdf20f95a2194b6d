//! The Kubernetes URL library (`urls.go`): `url()`, `isURL()` and the accessors of a
//! `kubernetes.URL`, with Go's `net/url` semantics: a string is a URL when
//! `url.ParseRequestURI` accepts it (an absolute URI or an absolute path), and its parts are
//! those `url.Parse` gives.

use super::{arg, error, opaque_val};
use cel::common::types::{CelBool, CelList, CelMap, CelString, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::collections::HashMap;

/// A parsed URL: the parts `net/url` keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    scheme: String,
    /// `host[:port]`, unescaped, IPv6 literals in brackets.
    host: String,
    /// The path as written (escaped), and unescaped.
    raw_path: String,
    path: String,
    raw_query: String,
}

static URL_TYPE: Type = Type::new_unspecified_type("kubernetes.URL");

opaque_val!(Url, URL_TYPE);

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::STRING_TYPE;
    let u = || URL_TYPE.to_owned();
    env.add_overload("url", "string_to_url", vec![STRING_TYPE], url)?;
    env.add_overload("isURL", "is_url_string", vec![STRING_TYPE], is_url)?;
    env.add_member_overload("getScheme", "url_get_scheme", u(), vec![], get_scheme)?;
    env.add_member_overload("getHost", "url_get_host", u(), vec![], get_host)?;
    env.add_member_overload("getHostname", "url_get_hostname", u(), vec![], get_hostname)?;
    env.add_member_overload("getPort", "url_get_port", u(), vec![], get_port)?;
    env.add_member_overload(
        "getEscapedPath",
        "url_get_escaped_path",
        u(),
        vec![],
        get_escaped_path,
    )?;
    env.add_member_overload("getQuery", "url_get_query", u(), vec![], get_query)?;
    Ok(())
}

fn url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("url", &args, 0)?.inner();
    match parse_request_uri(s) {
        Ok(u) => Ok(CowVal::owned(u)),
        Err(e) => Err(error(
            "url",
            format!("URL parse error during conversion from string: {e}"),
        )),
    }
}

fn is_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("isURL", &args, 0)?.inner();
    Ok(CowVal::owned(CelBool::from(parse_request_uri(s).is_ok())))
}

fn string<'b, 'v>(s: String) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelString::from(s)))
}

fn this<'a>(function: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a Url, ExecutionError> {
    arg::<Url>(function, args, 0)
}

fn get_scheme<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    string(this("getScheme", &args)?.scheme.clone())
}

fn get_host<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    string(this("getHost", &args)?.host.clone())
}

fn get_hostname<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    string(
        split_host_port(&this("getHostname", &args)?.host)
            .0
            .to_owned(),
    )
}

fn get_port<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    string(split_host_port(&this("getPort", &args)?.host).1.to_owned())
}

fn get_escaped_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let u = this("getEscapedPath", &args)?;
    // `URL.EscapedPath`: the path as written when it is a valid encoding, else re-escaped.
    let escaped = if valid_encoded_path(&u.raw_path) {
        u.raw_path.clone()
    } else {
        escape_path(&u.path)
    };
    string(escaped)
}

fn get_query<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let u = this("getQuery", &args)?;
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    // `url.ParseQuery`, ignoring the pairs it refuses (a `;`, a bad escape).
    for pair in u.raw_query.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(k), Ok(v)) = (unescape(k, Mode::Query), unescape(v, Mode::Query)) else {
            continue;
        };
        query.entry(k).or_default().push(v);
    }
    let map: HashMap<cel::common::types::CelMapKey<'v>, Box<dyn Val + 'v>> = query
        .into_iter()
        .map(|(k, vs)| {
            let list: Vec<Box<dyn Val + 'v>> = vs
                .into_iter()
                .map(|v| Box::new(CelString::from(v)) as Box<dyn Val + 'v>)
                .collect();
            (k.into(), Box::new(CelList::from(list)) as Box<dyn Val + 'v>)
        })
        .collect();
    Ok(CowVal::owned(CelMap::from(map)))
}

/// Why `url.ParseRequestURI` refuses `s`, worded as Go's `url.Error`: `None` when it accepts it.
pub(super) fn parse_request_uri_error(s: &str) -> Option<String> {
    parse(s, true).err().map(|e| format!("parse {s:?}: {e}"))
}

/// `url.ParseRequestURI` accepts `s`; the parts `url.Parse` gives (the fragment cut off).
fn parse_request_uri(s: &str) -> Result<Url, String> {
    parse(s, true)?;
    let without_fragment = s.split_once('#').map_or(s, |(u, _)| u);
    let fragment = s.split_once('#').map(|(_, f)| f);
    if let Some(f) = fragment {
        unescape(f, Mode::Fragment)?;
    }
    parse(without_fragment, false)
}

/// Go's `url.parse(rawURL, viaRequest)`.
fn parse(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_owned());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".to_owned());
    }
    let mut u = Url {
        scheme: String::new(),
        host: String::new(),
        raw_path: String::new(),
        path: String::new(),
        raw_query: String::new(),
    };
    if raw == "*" {
        u.path = "*".to_owned();
        u.raw_path = "*".to_owned();
        return Ok(u);
    }
    let (scheme, mut rest) = scheme(raw)?;
    u.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        u.raw_query = q.to_owned();
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            // An opaque URL (`mailto:x`): no host, no path.
            return Ok(u);
        }
        if via_request {
            return Err("invalid URI for request".to_owned());
        }
        if let Some(colon) = rest.find(':')
            && rest.find('/').is_none_or(|slash| colon < slash)
        {
            return Err("first path segment in URL cannot contain colon".to_owned());
        }
    }
    if (!u.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//")
    {
        let authority_and_path = &rest[2..];
        let (authority, path) = match authority_and_path.find('/') {
            Some(i) => authority_and_path.split_at(i),
            None => (authority_and_path, ""),
        };
        u.host = parse_authority(authority)?;
        rest = path;
    }
    u.path = unescape(rest, Mode::Path)?;
    u.raw_path = rest.to_owned();
    Ok(u)
}

/// The scheme and the rest: `getScheme`.
fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            '0'..='9' | '+' | '-' | '.' => return Ok(("", raw)),
            ':' if i == 0 => return Err("missing protocol scheme".to_owned()),
            ':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(authority: &str) -> Result<String, String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    if let Some(userinfo) = userinfo {
        let valid = userinfo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c));
        if !valid {
            return Err("net/url: invalid userinfo".to_owned());
        }
        unescape(userinfo, Mode::Userinfo)?;
    }
    Ok(host)
}

/// `:digits`, `:` or nothing.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit())
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".to_owned());
        };
        let port = &host[close + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    } else if let Some(colon) = host.rfind(':') {
        let port = &host[colon..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

/// `splitHostPort`: the host without brackets, and the port.
fn split_host_port(host_port: &str) -> (&str, &str) {
    let (mut host, mut port) = (host_port, "");
    if let Some(colon) = host_port.rfind(':')
        && valid_optional_port(&host_port[colon..])
    {
        host = &host_port[..colon];
        port = &host_port[colon + 1..];
    }
    if host.len() >= 2 && host.starts_with('[') && host.ends_with(']') {
        host = &host[1..host.len() - 1];
    }
    (host, port)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Userinfo,
    Query,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Userinfo => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Path => c == b'?',
            Mode::Query => true,
            Mode::Fragment => false,
            Mode::Host => true,
        },
        b'!' | b'(' | b')' | b'*' if mode == Mode::Fragment => false,
        _ => true,
    }
}

/// Go's `unescape`: `%XX` decoded (and `+` as a space in a query); a bad escape, or in a
/// host a character that must be escaped, is an error.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(byte) = hex else {
                    let end = (i + 3).min(bytes.len());
                    return Err(format!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&bytes[i..end])
                    ));
                };
                if mode == Mode::Host && byte < 0x80 && &s[i..i + 3] != "%25" {
                    return Err(format!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&bytes[i..i + 3])
                    ));
                }
                out.push(byte);
                i += 3;
            }
            b'+' if mode == Mode::Query => {
                out.push(b' ');
                i += 1;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {:?} in host name",
                        char::from(c)
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `validEncoded(s, encodePath)`.
fn valid_encoded_path(s: &str) -> bool {
    s.bytes()
        .all(|c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, Mode::Path))
}

/// Go's `escape(s, encodePath)`.
fn escape_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.bytes() {
        if should_escape(c, Mode::Path) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(char::from(c));
        }
    }
    out
}
