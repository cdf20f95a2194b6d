//! Small helpers shared by rules: LimitRange defaults, which pods admission is still ahead
//! of, and number formatting for messages.

use faultline_model::pod::Resources;
use faultline_model::quantity::Quantity;
use faultline_model::{Field, Object};

use crate::Context;

/// A request or limit the LimitRanger admission plugin gives a container that does not write
/// one, and the LimitRange it comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LimitRangeDefault<'a> {
    pub limit_range: Object<'a>,
    pub quantity: Field<'a, Quantity>,
}

/// Whether `obj` is a Pod read from a cluster (it has a `uid` or a `status`): admission is
/// behind it, and what the LimitRanger gave it is written in it.
pub(crate) fn already_admitted(obj: &Object<'_>) -> bool {
    obj.kind == "Pod" && (obj.status().is_some() || obj.node.path(&["metadata", "uid"]).is_some())
}

/// Whether `obj`'s controller is in the input (a ReplicaSet of a Deployment, a Job of a
/// CronJob, a Pod of either): the owner's pod template is the one that creates pods, so rules
/// about pods still to be created look at the owner only.
pub(crate) fn is_managed(cx: &Context<'_>, obj: &Object<'_>) -> bool {
    cx.graph.owner(obj.id).is_some()
}

/// Whether admission is still ahead for the pods `obj` describes: a Pod manifest or a
/// workload's template, unless it is a Pod read from a cluster or its owner is in the input.
pub(crate) fn creates_pods(cx: &Context<'_>, obj: &Object<'_>) -> bool {
    !already_admitted(obj) && !is_managed(cx, obj)
}

/// The default for `resource` that the LimitRanges of `obj`'s namespace (in the input) give
/// its containers; see [`limit_range_defaults`].
pub(crate) fn limit_range_default<'a>(
    cx: &Context<'a>,
    obj: &Object<'_>,
    which: Resources,
    resource: &str,
) -> Option<LimitRangeDefault<'a>> {
    limit_range_defaults(cx, obj, which)
        .into_iter()
        .find(|(name, _)| *name == resource)
        .map(|(_, d)| d)
}

/// Every request (or limit) the LimitRanges of `obj`'s namespace (in the input) give a
/// container that does not write one, as the API server fills them in: a limit from
/// `default`, else `max`; a request from `defaultRequest`, else `default`, else `max`, else `min`
/// (`SetDefaults_LimitRangeItem`). Within a LimitRange the last `Container` item naming a
/// resource wins (the LimitRanger merges them into one map); across LimitRanges the first by
/// name wins, as admission applies them in turn and never overwrites a value already set.
/// Values that are not quantities are skipped (the API server rejects such a LimitRange).
///
/// A Pod read from a cluster has been admitted already: what the LimitRanger gave it is written
/// in it, and a LimitRange created later gives it nothing. Only pods still to be created
/// (manifests, and the templates of workloads) get defaults.
pub(crate) fn limit_range_defaults<'a>(
    cx: &Context<'a>,
    obj: &Object<'_>,
    which: Resources,
) -> Vec<(&'a str, LimitRangeDefault<'a>)> {
    let mut out: Vec<(&'a str, LimitRangeDefault<'a>)> = Vec::new();
    let Some(namespace) = obj.namespace else {
        return out;
    };
    if already_admitted(obj) {
        return out;
    }
    let keys: &[&str] = match which {
        Resources::Limits => &["default", "max"],
        Resources::Requests => &["defaultRequest", "default", "max", "min"],
    };
    for lr in cx.limit_ranges(namespace) {
        let mut mine: Vec<(&'a str, LimitRangeDefault<'a>)> = Vec::new();
        let items = lr
            .limits()
            .filter(|item| item.type_().is_some_and(|t| t.value == "Container"));
        for item in items {
            let mut from_item: Vec<(&'a str, Field<'a, Quantity>)> = Vec::new();
            for key in keys {
                for q in faultline_model::views::quantities(item.node.get(key)) {
                    if from_item.iter().any(|(n, _)| *n == q.name.value) {
                        continue;
                    }
                    if let Ok(value) = q.quantity.value {
                        let quantity = Field {
                            value,
                            node: q.quantity.node,
                        };
                        from_item.push((q.name.value, quantity));
                    }
                }
            }
            for (name, quantity) in from_item {
                let d = LimitRangeDefault {
                    limit_range: lr.object,
                    quantity,
                };
                match mine.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = d,
                    None => mine.push((name, d)),
                }
            }
        }
        for (name, d) in mine {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, d));
            }
        }
    }
    out
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
