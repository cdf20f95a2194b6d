//! The Kubernetes CEL libraries the cel crate lacks, as k8s.io/apiserver/pkg/cel/library
//! defines them: lists, regex, quantity, URL, IP and CIDR, semver, format; and cel-go's sets
//! extension, which Kubernetes enables.

mod format;
mod lists;
mod net;
mod quantity;
mod regex;

pub(crate) use regex::MATCHES;
mod semver;
mod sets;
mod url;

use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

/// Registers every library.
pub(crate) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    lists::register(env)?;
    regex::register(env)?;
    quantity::register(env)?;
    url::register(env)?;
    net::register(env)?;
    semver::register(env)?;
    sets::register(env)?;
    format::register(env)?;
    Ok(())
}

/// An error of `function`, as the API server words them.
fn error(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

/// The `i`-th argument as a `T`, or a "no such overload" error naming `function`.
fn arg<'a, 'b, 'v, T>(
    function: &str,
    args: &'a [CowVal<'b, 'v>],
    i: usize,
) -> Result<&'a T, ExecutionError>
where
    T: cel::common::value::FromVal<'a, 'v>,
{
    let value: &'a (dyn Val + 'v) = args
        .get(i)
        .map(|a| &**a)
        .ok_or(ExecutionError::MissingArgumentOrTarget)?;
    value.downcast_ref::<T>().ok_or_else(|| {
        ExecutionError::no_such_overload(
            function,
            args.iter()
                .map(|a| a.get_type().name().to_owned())
                .collect(),
        )
    })
}

/// The elements of `list`, or `None` when it is not a list (each library words that error).
fn elements_of<'a, 'v>(list: &'a (dyn Val + 'v)) -> Option<Vec<&'a (dyn Val + 'v)>> {
    let mut items = list.as_iterable()?.iter();
    let mut out = Vec::new();
    while let Some(item) = items.next() {
        out.push(item);
    }
    Some(out)
}

/// Implements `Val` for a `'static` library type whose CEL type is the static `$cel_type`,
/// equal by `==`.
macro_rules! opaque_val {
    ($ty:ty, $cel_type:ident) => {
        impl cel::common::value::Val for $ty {
            fn get_type(&self) -> &cel::common::types::Type {
                <Self as cel::common::value::Val>::cel_type()
            }
            fn cel_type() -> &'static cel::common::types::Type {
                &$cel_type
            }
            fn equals(&self, other: &dyn cel::common::value::Val) -> bool {
                other.downcast_ref::<$ty>().is_some_and(|o| o == self)
            }
            fn clone_as_boxed<'v>(&self) -> Box<dyn cel::common::value::Val + 'v> {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn std::any::Any> {
                Some(self)
            }
        }
        impl cel::common::value::StaticVal for $ty {}
    };
}
pub(crate) use opaque_val;
