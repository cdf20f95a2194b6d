//! The Kubernetes quantity library (`quantity.go`): `quantity()`, `isQuantity()` and the
//! methods of a `kubernetes.Quantity`, on faultline-model's exact quantities.

use super::{arg, error, opaque_val};
use cel::common::types::{CelBool, CelDouble, CelInt, CelString, Type};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use faultline_model::quantity::Quantity as Exact;

/// A `kubernetes.Quantity`: equal to another when their values are (`1Gi == 1024Mi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Quantity(Exact);

static QUANTITY_TYPE: Type = Type::new_unspecified_type("kubernetes.Quantity");

opaque_val!(Quantity, QUANTITY_TYPE);

const NANOS: i128 = 1_000_000_000;

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    use cel::common::types::{INT_TYPE, STRING_TYPE};
    let q = || QUANTITY_TYPE.to_owned();
    env.add_overload(
        "quantity",
        "string_to_quantity",
        vec![STRING_TYPE],
        quantity,
    )?;
    env.add_overload(
        "isQuantity",
        "is_quantity_string",
        vec![STRING_TYPE],
        is_quantity,
    )?;
    env.add_member_overload("sign", "quantity_sign", q(), vec![], sign)?;
    env.add_member_overload("isInteger", "quantity_is_integer", q(), vec![], is_integer)?;
    env.add_member_overload("asInteger", "quantity_as_integer", q(), vec![], as_integer)?;
    env.add_member_overload(
        "asApproximateFloat",
        "quantity_as_approximate_float",
        q(),
        vec![],
        as_approximate_float,
    )?;
    env.add_member_overload("add", "quantity_add", q(), vec![q()], add)?;
    env.add_member_overload("add", "quantity_add_int", q(), vec![INT_TYPE], add)?;
    env.add_member_overload("sub", "quantity_sub", q(), vec![q()], sub)?;
    env.add_member_overload("sub", "quantity_sub_int", q(), vec![INT_TYPE], sub)?;
    env.add_member_overload(
        "compareTo",
        "quantity_compare_to",
        q(),
        vec![q()],
        compare_to,
    )?;
    env.add_member_overload(
        "isLessThan",
        "quantity_less_quantity",
        q(),
        vec![q()],
        is_less_than,
    )?;
    env.add_member_overload(
        "isGreaterThan",
        "quantity_greater_quantity",
        q(),
        vec![q()],
        is_greater_than,
    )?;
    Ok(())
}

fn parse(s: &str) -> Result<Exact, ExecutionError> {
    Exact::parse(s).map_err(|e| {
        error(
            "quantity",
            format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {s:?}: {e}"),
        )
    })
}

fn this(function: &str, args: &[CowVal<'_, '_>]) -> Result<Exact, ExecutionError> {
    arg::<Quantity>(function, args, 0).map(|q| q.0)
}

/// The operand of `add`/`sub`: a quantity or an integer.
fn operand(function: &str, args: &[CowVal<'_, '_>]) -> Result<Exact, ExecutionError> {
    if let Some(i) = args.get(1).and_then(|a| a.downcast_ref::<CelInt>()) {
        return Ok(Exact::from_nanos(i128::from(*i.inner()) * NANOS));
    }
    arg::<Quantity>(function, args, 1).map(|q| q.0)
}

fn owned<'b, 'v>(v: impl Val + 'v) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(v))
}

fn quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(Quantity(parse(
        arg::<CelString>("quantity", &args, 0)?.inner(),
    )?))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = arg::<CelString>("isQuantity", &args, 0)?.inner();
    owned(CelBool::from(Exact::parse(s).is_ok()))
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(CelInt::from(this("sign", &args)?.nanos().signum() as i64))
}

/// The value as an `int64`, when it is a whole number in range (`AsInt64`).
fn as_i64(q: Exact) -> Option<i64> {
    (q.nanos() % NANOS == 0)
        .then(|| i64::try_from(q.nanos() / NANOS).ok())
        .flatten()
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(CelBool::from(as_i64(this("isInteger", &args)?).is_some()))
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    match as_i64(this("asInteger", &args)?) {
        Some(i) => owned(CelInt::from(i)),
        None => Err(error("asInteger", "cannot convert value to integer")),
    }
}

fn as_approximate_float<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(CelDouble::from(this("asApproximateFloat", &args)?.as_f64()))
}

fn add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let sum = this("add", &args)?
        .checked_add(operand("add", &args)?)
        .ok_or_else(|| error("add", "quantity overflow"))?;
    owned(Quantity(sum))
}

fn sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let difference = this("sub", &args)?
        .checked_sub(operand("sub", &args)?)
        .ok_or_else(|| error("sub", "quantity overflow"))?;
    owned(Quantity(difference))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let ordering = this("compareTo", &args)?.cmp(&operand("compareTo", &args)?);
    owned(CelInt::from(ordering as i64))
}

fn is_less_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(CelBool::from(
        this("isLessThan", &args)? < operand("isLessThan", &args)?,
    ))
}

fn is_greater_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    owned(CelBool::from(
        this("isGreaterThan", &args)? > operand("isGreaterThan", &args)?,
    ))
}
