//! cel-go's sets extension, which Kubernetes enables from 1.29: `sets.contains`,
//! `sets.equivalent` and `sets.intersects` on lists, with CEL equality (`1 == 1.0`).

use cel::common::types::{CelBool, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let lists = || vec![LIST_TYPE, LIST_TYPE];
    env.add_overload("sets.contains", "list_sets_contains_list", lists(), |a| {
        relation(a, |x, y| contains(x, y))
    })?;
    env.add_overload(
        "sets.equivalent",
        "list_sets_equivalent_list",
        lists(),
        |a| relation(a, |x, y| contains(x, y) && contains(y, x)),
    )?;
    env.add_overload(
        "sets.intersects",
        "list_sets_intersects_list",
        lists(),
        |a| {
            relation(a, |x, y| {
                y.iter()
                    .any(|v| x.iter().any(|u| crate::value::equals(*u, *v)))
            })
        },
    )?;
    Ok(())
}

/// Whether every element of `sub` is in `set`.
fn contains(set: &[&dyn Val], sub: &[&dyn Val]) -> bool {
    sub.iter()
        .all(|v| set.iter().any(|u| crate::value::equals(*u, *v)))
}

fn elements<'a, 'v>(list: &'a (dyn Val + 'v)) -> Result<Vec<&'a (dyn Val + 'v)>, ExecutionError> {
    super::elements_of(list).ok_or_else(|| {
        ExecutionError::no_such_overload("sets", vec![list.get_type().name().to_owned()])
    })
}

fn relation<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    test: fn(&[&dyn Val], &[&dyn Val]) -> bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = &args[..] else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let (a, b) = (elements(&**a)?, elements(&**b)?);
    let a: Vec<&dyn Val> = a.into_iter().map(|v| v as &dyn Val).collect();
    let b: Vec<&dyn Val> = b.into_iter().map(|v| v as &dyn Val).collect();
    Ok(CowVal::owned(CelBool::from(test(&a, &b))))
}
