//! The Kubernetes regex library (`regex.go`): `find` and `findAll`, with RE2 syntax (the
//! `regex` crate's, the same family and linear-time guarantee as Go's `regexp`).

use super::{arg, error};
use cel::common::types::{CelInt, CelList, CelString};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::{INT_TYPE, STRING_TYPE};
    env.add_member_overload(
        "find",
        "string_find_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        find,
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_string_int",
        STRING_TYPE,
        vec![STRING_TYPE, INT_TYPE],
        find_all,
    )?;
    use cel::common::types::DYN_TYPE;
    env.add_overload(
        MATCHES,
        "faultline_matches",
        vec![DYN_TYPE, DYN_TYPE],
        matches,
    )?;
    Ok(())
}

/// Compiled patterns, per thread: an expression usually runs the same pattern on every
/// object.
const CACHE_SIZE: usize = 64;

thread_local! {
    static CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled, from the cache when it is there.
fn cached(pattern: &str) -> Result<Regex, regex::Error> {
    CACHE.with(|cache| {
        if let Some(re) = cache.borrow().get(pattern) {
            return Ok(re.clone());
        }
        let re = Regex::new(pattern)?;
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), re.clone());
        Ok(re)
    })
}

fn compiled(function: &str, pattern: &str) -> Result<Regex, ExecutionError> {
    cached(pattern).map_err(|e| error(function, e))
}

/// What `matches` calls are compiled to: the standard library's `matches` compiles its
/// pattern on every call, this one takes it from the cache.
pub(crate) const MATCHES: &str = "@faultline_matches";

/// `s.matches(re)` and `matches(s, re)`: whether `re` matches anywhere in `s`.
fn matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let strings = (
        args.first().and_then(|a| a.downcast_ref::<CelString>()),
        args.get(1).and_then(|a| a.downcast_ref::<CelString>()),
    );
    let (Some(s), Some(re)) = strings else {
        return Err(ExecutionError::no_such_overload(
            "matches",
            args.iter()
                .map(|a| a.get_type().name().to_owned())
                .collect(),
        ));
    };
    let re = cached(re.inner()).map_err(|e| {
        error(
            "matches",
            format!("'{}' not a valid regex:\n{e}", re.inner()),
        )
    })?;
    Ok(CowVal::owned(cel::common::types::CelBool::from(
        re.is_match(s.inner()),
    )))
}

/// The first match, or `''`.
fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("find", &args, 0)?.inner();
    let re = compiled("find", arg::<CelString>("find", &args, 1)?.inner())?;
    let found = re.find(s).map_or("", |m| m.as_str());
    Ok(CowVal::owned(CelString::from(found.to_owned())))
}

/// Every match, at most `n` of them when `n` is not negative.
fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("findAll", &args, 0)?.inner();
    let re = compiled("findAll", arg::<CelString>("findAll", &args, 1)?.inner())?;
    let limit = match args.get(2) {
        Some(_) => usize::try_from(*arg::<CelInt>("findAll", &args, 2)?.inner()).ok(),
        None => None,
    };
    let found: Vec<Box<dyn Val + 'v>> = re
        .find_iter(s)
        .take(limit.unwrap_or(usize::MAX))
        .map(|m| Box::new(CelString::from(m.as_str().to_owned())) as Box<dyn Val + 'v>)
        .collect();
    Ok(CowVal::owned(CelList::from(found)))
}
