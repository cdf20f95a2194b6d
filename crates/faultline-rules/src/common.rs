//! Small helpers shared by rules: parameter parsing, LimitRange defaults and number
//! formatting for messages.

use faultline_model::pod::Resources;
use faultline_model::quantity::Quantity;
use faultline_model::{Field, Object};

use crate::{Context, RuleMeta};

/// A request or limit the LimitRanger admission plugin gives a container that does not write
/// one, and the LimitRange it comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LimitRangeDefault<'a> {
    pub limit_range: Object<'a>,
    pub quantity: Field<'a, Quantity>,
}

/// The default for `resource` that the LimitRanges of `obj`'s namespace (in the input) give
/// its containers, as the API server fills it in: a limit from `default`, else `max`; a request
/// from `defaultRequest`, else `default`, else `max`, else `min` (`SetDefaults_LimitRangeItem`).
/// The first LimitRange by name that has one wins, as admission applies them in that order.
///
/// A Pod read from a cluster (it has a `uid` or a `status`) has been admitted already: what the
/// LimitRanger gave it is written in it, and a LimitRange created later gives it nothing. Only
/// pods still to be created (manifests, and the templates of workloads) get defaults.
pub(crate) fn limit_range_default<'a>(
    cx: &Context<'a>,
    obj: &Object<'_>,
    which: Resources,
    resource: &str,
) -> Option<LimitRangeDefault<'a>> {
    if obj.kind == "Pod"
        && (obj.status().is_some() || obj.node.path(&["metadata", "uid"]).is_some())
    {
        return None;
    }
    let keys: &[&str] = match which {
        Resources::Limits => &["default", "max"],
        Resources::Requests => &["defaultRequest", "default", "max", "min"],
    };
    cx.limit_ranges(obj.namespace?).find_map(|lr| {
        lr.limits()
            .filter(|item| item.type_().is_some_and(|t| t.value == "Container"))
            .find_map(|item| {
                keys.iter().find_map(|key| {
                    faultline_model::views::quantities(item.node.get(key))
                        .find(|q| q.name.value == resource)
                        .and_then(|q| {
                            Some(Field {
                                value: q.quantity.value.ok()?,
                                node: q.quantity.node,
                            })
                        })
                })
            })
            .map(|quantity| LimitRangeDefault {
                limit_range: lr.object,
                quantity,
            })
    })
}

/// An integer parameter; a value that is not one falls back to the declared default.
pub(crate) fn int_param(cx: &Context<'_>, meta: &RuleMeta, name: &str) -> i64 {
    let declared = || {
        meta.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.default.parse().ok())
            .unwrap_or(0)
    };
    cx.param(meta, name)
        .trim()
        .parse()
        .unwrap_or_else(|_| declared())
}

/// Bytes for messages, in the largest binary unit that keeps at least one whole unit, with at
/// most two decimals: `2 GiB`, `1.75 GiB`, `768 MiB`, `100 B`.
pub(crate) fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    while unit + 1 < UNITS.len() && bytes >= 1u128 << (10 * (unit + 1)) {
        unit += 1;
    }
    let scale = 1u128 << (10 * unit);
    // Hundredths, rounded to nearest.
    let hundredths = (bytes * 100 + scale / 2) / scale;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    let number = match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    };
    format!("{number} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(human_bytes(2 << 30), "2 GiB");
        assert_eq!(human_bytes(1792 << 20), "1.75 GiB");
        assert_eq!(human_bytes(768 << 20), "768 MiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
        assert_eq!(human_bytes(100), "100 B");
        assert_eq!(human_bytes(1000 << 20), "1000 MiB");
    }
}
