//! The Kubernetes semver library (`semverlib.go`, version 1): `semver()` and `isSemver()`
//! (with the optional `normalize` flag) and the methods of a `kubernetes.Semver`, with the
//! parsing and precedence of github.com/blang/semver/v4.

use super::{arg, error, opaque_val};
use cel::common::types::{CelBool, CelInt, CelString, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::cmp::Ordering;

/// A pre-release identifier: numeric ones sort before alphanumeric ones.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pre {
    Numeric(u64),
    Alpha(String),
}

/// A `kubernetes.Semver`. Equal when their precedence is (build metadata is ignored).
#[derive(Clone, Debug)]
pub(crate) struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

impl PartialEq for Semver {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Semver {}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release sorts before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a, b) {
                            (Pre::Numeric(x), Pre::Numeric(y)) => x.cmp(y),
                            (Pre::Numeric(_), Pre::Alpha(_)) => Ordering::Less,
                            (Pre::Alpha(_), Pre::Numeric(_)) => Ordering::Greater,
                            (Pre::Alpha(x), Pre::Alpha(y)) => x.cmp(y),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

static SEMVER_TYPE: Type = Type::new_unspecified_type("kubernetes.Semver");

opaque_val!(Semver, SEMVER_TYPE);

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::{BOOL_TYPE, STRING_TYPE};
    let s = || SEMVER_TYPE.to_owned();
    env.add_overload("semver", "string_to_semver", vec![STRING_TYPE], to_semver)?;
    env.add_overload(
        "semver",
        "string_bool_to_semver",
        vec![STRING_TYPE, BOOL_TYPE],
        to_semver,
    )?;
    env.add_overload("isSemver", "is_semver_string", vec![STRING_TYPE], is_semver)?;
    env.add_overload(
        "isSemver",
        "is_semver_string_bool",
        vec![STRING_TYPE, BOOL_TYPE],
        is_semver,
    )?;
    env.add_member_overload("major", "semver_major", s(), vec![], |a| part(a, 0))?;
    env.add_member_overload("minor", "semver_minor", s(), vec![], |a| part(a, 1))?;
    env.add_member_overload("patch", "semver_patch", s(), vec![], |a| part(a, 2))?;
    env.add_member_overload(
        "isGreaterThan",
        "semver_is_greater_than",
        s(),
        vec![s()],
        |a| compare(a, |o| CowVal::owned(CelBool::from(o == Ordering::Greater))),
    )?;
    env.add_member_overload("isLessThan", "semver_is_less_than", s(), vec![s()], |a| {
        compare(a, |o| CowVal::owned(CelBool::from(o == Ordering::Less)))
    })?;
    env.add_member_overload("compareTo", "semver_compare_to", s(), vec![s()], |a| {
        compare(a, |o| CowVal::owned(CelInt::from(o as i64)))
    })?;
    Ok(())
}

fn numeric(part: &str, what: &str) -> Result<u64, String> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "Invalid character(s) found in {what} number {part:?}"
        ));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!(
            "{what} number must not contain leading zeroes {part:?}"
        ));
    }
    part.parse()
        .map_err(|_| format!("{what} number out of range {part:?}"))
}

fn identifier_ok(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `semver.Parse`: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
fn parse(s: &str) -> Result<Semver, String> {
    if s.is_empty() {
        return Err("Version string empty".to_owned());
    }
    let parts: Vec<&str> = s.splitn(3, '.').collect();
    let [major, minor, rest] = parts[..] else {
        return Err("No Major.Minor.Patch elements found".to_owned());
    };
    let major = numeric(major, "Major")?;
    let minor = numeric(minor, "Minor")?;
    let (pre_index, build_index) = (rest.find('-'), rest.find('+'));
    let end = match (pre_index, build_index) {
        (Some(p), Some(b)) => p.min(b),
        (Some(i), None) | (None, Some(i)) => i,
        (None, None) => rest.len(),
    };
    let patch = numeric(&rest[..end], "Patch")?;
    let mut tail = &rest[end..];
    let mut pre = Vec::new();
    if let Some(p) = tail.strip_prefix('-') {
        let (pre_str, build) = match p.find('+') {
            Some(i) => (&p[..i], &p[i..]),
            None => (p, ""),
        };
        for id in pre_str.split('.') {
            if !identifier_ok(id) {
                return Err(format!("Invalid character(s) found in prerelease {id:?}"));
            }
            if id.bytes().all(|b| b.is_ascii_digit()) {
                pre.push(Pre::Numeric(numeric(id, "Prerelease")?));
            } else {
                pre.push(Pre::Alpha(id.to_owned()));
            }
        }
        tail = build;
    }
    if let Some(build) = tail.strip_prefix('+')
        && !build.split('.').all(identifier_ok)
    {
        return Err(format!(
            "Invalid character(s) found in build meta {build:?}"
        ));
    }
    Ok(Semver {
        major,
        minor,
        patch,
        pre,
    })
}

/// `normalizeAndParse`: no `v` prefix, leading zeros removed, missing minor and patch filled.
fn normalize_and_parse(s: &str) -> Result<Semver, String> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts: Vec<String> = s
        .splitn(3, '.')
        .map(|p| {
            if p.len() > 1 {
                let trimmed = p.trim_start_matches('0');
                if trimmed.is_empty() || !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("0{trimmed}")
                } else {
                    trimmed.to_owned()
                }
            } else {
                p.to_owned()
            }
        })
        .collect();
    if parts.len() < 3 {
        if parts.last().is_some_and(|p| p.contains(['+', '-'])) {
            return Err("short version cannot contain PreRelease/Build meta data".to_owned());
        }
        parts.resize(3, "0".to_owned());
    }
    parse(&parts.join("."))
}

fn parse_args(
    function: &str,
    args: &[CowVal<'_, '_>],
) -> Result<Result<Semver, String>, ExecutionError> {
    let s = arg::<CelString>(function, args, 0)?.inner();
    let normalize = match args.get(1) {
        Some(_) => *arg::<CelBool>(function, args, 1)?.inner(),
        None => false,
    };
    Ok(if normalize {
        normalize_and_parse(s)
    } else {
        parse(s)
    })
}

fn to_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    parse_args("semver", &args)?
        .map(CowVal::owned)
        .map_err(|e| error("semver", e))
}

fn is_semver<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let ok = parse_args("isSemver", &args)?.is_ok();
    Ok(CowVal::owned(CelBool::from(ok)))
}

fn part<'b, 'v>(args: Vec<CowVal<'b, 'v>>, which: usize) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let v = arg::<Semver>("semver", &args, 0)?;
    let n = [v.major, v.minor, v.patch][which];
    Ok(CowVal::owned(CelInt::from(
        i64::try_from(n).unwrap_or(i64::MAX),
    )))
}

fn compare<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    result: fn(Ordering) -> CowVal<'b, 'v>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let a = arg::<Semver>("compareTo", &args, 0)?;
    let b = arg::<Semver>("compareTo", &args, 1)?;
    Ok(result(a.cmp(b)))
}
