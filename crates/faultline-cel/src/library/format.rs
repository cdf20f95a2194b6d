//! The Kubernetes format library (`format.go`, 1.31): `format.named(name)`, `format.<name>()`
//! and `<Format>.validate(s)`, which gives `optional.none()` for a valid string and otherwise
//! the messages of k8s.io/apimachinery's validation functions.

use super::{arg, opaque_val, url};
use cel::common::types::{CelList, CelOptional, CelString, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use regex::Regex;
use std::sync::LazyLock;

/// A `kubernetes.NamedFormat`: one of the named validations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Format(&'static str);

static FORMAT_TYPE: Type = Type::new_unspecified_type("kubernetes.NamedFormat");

opaque_val!(Format, FORMAT_TYPE);

/// The names `format.named` knows, each also a function `format.<name>()` (a function each, as
/// they take no argument: a plain `fn` per name, which is why they are written out by a macro).
macro_rules! named_formats {
    ($($name:literal),* $(,)?) => {
        const NAMES: &[&str] = &[$($name),*];

        fn register_constants(env: &mut Env) -> Result<(), DeclarationError> {
            $(
                env.add_overload(concat!("format.", $name), concat!("format.", $name), vec![], |_| {
                    Ok(CowVal::owned(Format($name)))
                })?;
            )*
            Ok(())
        }
    };
}

named_formats!(
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
);

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::STRING_TYPE;
    env.add_overload("format.named", "format-named", vec![STRING_TYPE], named)?;
    env.add_member_overload(
        "validate",
        "format-validate",
        FORMAT_TYPE.to_owned(),
        vec![STRING_TYPE],
        validate,
    )?;
    register_constants(env)
}

fn named<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = arg::<CelString>("format.named", &args, 0)?.inner();
    Ok(CowVal::owned(match NAMES.iter().find(|n| **n == name) {
        Some(n) => CelOptional::of(Box::new(Format(n))),
        None => CelOptional::none(),
    }))
}

fn validate<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let format = arg::<Format>("validate", &args, 0)?;
    let s = arg::<CelString>("validate", &args, 1)?.inner();
    let errors = errors(format.0, s);
    Ok(CowVal::owned(if errors.is_empty() {
        CelOptional::none()
    } else {
        let list: Vec<Box<dyn Val + 'v>> = errors
            .into_iter()
            .map(|e| Box::new(CelString::from(e)) as Box<dyn Val + 'v>)
            .collect();
        CelOptional::of(Box::new(CelList::from(list)))
    }))
}

const DNS1123_LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn full(pattern: &str) -> Regex {
    Regex::new(&format!("^{pattern}$")).expect("a valid pattern")
}

static RE_DNS1123_LABEL: LazyLock<Regex> = LazyLock::new(|| full(DNS1123_LABEL));
static RE_DNS1123_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| full(DNS1123_SUBDOMAIN));
static RE_DNS1035_LABEL: LazyLock<Regex> = LazyLock::new(|| full(DNS1035_LABEL));
static RE_QUALIFIED_NAME: LazyLock<Regex> = LazyLock::new(|| full(QUALIFIED_NAME));
static RE_LABEL_VALUE: LazyLock<Regex> = LazyLock::new(|| full(LABEL_VALUE));
static RE_UUID: LazyLock<Regex> =
    LazyLock::new(|| full("(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"));
static RE_BASE64: LazyLock<Regex> = LazyLock::new(|| {
    full("(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+\\/]{3}=|[A-Za-z0-9+\\/]{4})")
});

/// apimachinery's `RegexError`.
fn regex_error(msg: &str, pattern: &str, examples: &[&str]) -> String {
    let examples: String = examples
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{}'{e}', ", if i > 0 { " or " } else { "" }))
        .collect();
    format!("{msg} (e.g. {examples}regex used for validation is '{pattern}')")
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// A name format apimachinery checks by length and one pattern (`IsDNS1123Label`,
/// `IsValidLabelValue` …), with its error wording.
struct NameFormat {
    max: usize,
    re: &'static LazyLock<Regex>,
    pattern: &'static str,
    message: &'static str,
    examples: &'static [&'static str],
}

static DNS1123_LABEL_FORMAT: NameFormat = NameFormat {
    max: 63,
    re: &RE_DNS1123_LABEL,
    pattern: DNS1123_LABEL,
    message: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    examples: &["my-name", "123-abc"],
};

static DNS1123_SUBDOMAIN_FORMAT: NameFormat = NameFormat {
    max: 253,
    re: &RE_DNS1123_SUBDOMAIN,
    pattern: DNS1123_SUBDOMAIN,
    message: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    examples: &["example.com"],
};

static DNS1035_LABEL_FORMAT: NameFormat = NameFormat {
    max: 63,
    re: &RE_DNS1035_LABEL,
    pattern: DNS1035_LABEL,
    message: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
    examples: &["my-name", "abc-123"],
};

static LABEL_VALUE_FORMAT: NameFormat = NameFormat {
    max: 63,
    re: &RE_LABEL_VALUE,
    pattern: LABEL_VALUE,
    message: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    examples: &["MyValue", "my_value", "12345"],
};

/// The errors of `s` in `format`, as apimachinery words them.
fn name_errors(format: &NameFormat, s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > format.max {
        errs.push(max_len_error(format.max));
    }
    if !format.re.is_match(s) {
        errs.push(regex_error(format.message, format.pattern, format.examples));
    }
    errs
}

/// `maskTrailingDash`: a generated name's prefix may end with `-`.
fn mask_trailing_dash(s: &str) -> String {
    match s.strip_suffix('-') {
        Some(rest) if s.len() > 1 => format!("{rest}a"),
        _ => s.to_owned(),
    }
}

fn qualified_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts[..] {
        [name] => name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    name_errors(&DNS1123_SUBDOMAIN_FORMAT, prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_MSG,
                    QUALIFIED_NAME,
                    &["MyName", "my.name", "123-abc"]
                )
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !RE_QUALIFIED_NAME.is_match(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// RFC 3339 `full-date`: `YYYY-MM-DD` with a real day of the month.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|t| t.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// RFC 3339 `date-time` (strfmt's `datetime`): a date, `T`, a time with optional fraction,
/// and `Z` or an offset.
fn is_datetime(s: &str) -> bool {
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        full(
            "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])",
        )
    });
    s.len() > 11
        && s.is_char_boundary(10)
        && is_date(&s[..10])
        && matches!(s.as_bytes()[10], b'T' | b't')
        && TIME.is_match(&s[11..])
}

/// The errors of `s` in `format`: none when it is valid.
fn errors(format: &str, s: &str) -> Vec<String> {
    match format {
        "dns1123Label" => name_errors(&DNS1123_LABEL_FORMAT, s),
        "dns1123LabelPrefix" => name_errors(&DNS1123_LABEL_FORMAT, &mask_trailing_dash(s)),
        "dns1123Subdomain" => name_errors(&DNS1123_SUBDOMAIN_FORMAT, s),
        "dns1123SubdomainPrefix" => name_errors(&DNS1123_SUBDOMAIN_FORMAT, &mask_trailing_dash(s)),
        "dns1035Label" => name_errors(&DNS1035_LABEL_FORMAT, s),
        "dns1035LabelPrefix" => name_errors(&DNS1035_LABEL_FORMAT, &mask_trailing_dash(s)),
        "qualifiedName" => qualified_name(s),
        "labelValue" => name_errors(&LABEL_VALUE_FORMAT, s),
        "uri" => match url::parse_request_uri_error(s) {
            Some(e) => vec![e],
            None => Vec::new(),
        },
        "uuid" if !RE_UUID.is_match(s) => vec!["does not match the UUID format".to_owned()],
        "byte" if !s.is_empty() && !RE_BASE64.is_match(s) => vec!["invalid base64".to_owned()],
        "date" if !is_date(s) => vec!["invalid date".to_owned()],
        "datetime" if !is_datetime(s) => vec!["invalid datetime".to_owned()],
        _ => Vec::new(),
    }
}
