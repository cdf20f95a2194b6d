use std::collections::BTreeMap;

use faultline_diagnostics::Severity;
use faultline_model::Inventory;
use faultline_model::quantity::Quantity;
use faultline_model::snapshot::EventInfo;
use faultline_model::views::{ResourceQuantity, ResourceQuota};
use faultline_syntax::NodeRef;

use crate::evidence::{display, field_at, shorten};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports ResourceQuotas that are used up: a resource whose `status.used` has reached its
    /// `status.hard` (one finding per resource, at the `used` entry), and `FailedCreate` Events
    /// whose message says `exceeded quota: <name>` (one finding per quota, at the first such
    /// Event, when the quota is not already reported as used up). A used-up quota with such
    /// Events is an error: it is refusing pods; without them it is a warning: the next pod
    /// will be refused.
    ///
    /// Only objects that carry a `status` are looked at; a hard limit of zero (a namespace
    /// closed on purpose) is not reported.
    ///
    /// ## Why it matters
    /// The API server refuses any pod that would go over the quota, so a ReplicaSet cannot
    /// create replicas: a rollout stalls and an autoscaler's new replicas never appear (the
    /// HPA "cannot create new replicas"), exactly when load is highest.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     limits.memory: 8Gi
    /// status:
    ///   hard:
    ///     limits.memory: 8Gi
    ///   used:
    ///     limits.memory: 8Gi
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # Room for the replicas the autoscaler may add.
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: compute
    ///   namespace: shop
    /// spec:
    ///   hard:
    ///     limits.memory: 16Gi
    /// status:
    ///   hard:
    ///     limits.memory: 16Gi
    ///   used:
    ///     limits.memory: 8Gi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Resource quotas: <https://kubernetes.io/docs/concepts/policy/resource-quotas/>
    pub struct QuotaExhausted {
        id: "quota-exhausted",
        category: Status,
        severity: Warning,
        summary: "a ResourceQuota is used up and the API server refuses new pods",
        params: [],
    }
}

/// `exceeded quota: <name>` in a `FailedCreate` message.
fn quota_named(message: &str) -> Option<&str> {
    let rest = &message[message.find("exceeded quota: ")? + "exceeded quota: ".len()..];
    let end = rest.find([',', ' ', ';']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

/// The `FailedCreate … exceeded quota` Events of the run, by (namespace, quota name).
fn refusals<'a>(
    inventory: &'a Inventory<'a>,
) -> BTreeMap<(Option<&'a str>, &'a str), Vec<EventInfo<'a>>> {
    let mut found: BTreeMap<_, Vec<EventInfo<'a>>> = BTreeMap::new();
    for e in inventory.of_kind("Event").filter_map(EventInfo::of) {
        if e.reason.is_none_or(|r| r.value != "FailedCreate") {
            continue;
        }
        if let Some(name) = e.message.and_then(|m| quota_named(m.value)) {
            found.entry((e.object.namespace, name)).or_default().push(e);
        }
    }
    found
}

/// Adds each refusal Event, at its `reason`.
fn relate_refusals<'r>(
    mut report: crate::Report<'r>,
    events: &[EventInfo<'_>],
) -> crate::Report<'r> {
    for e in events {
        let at = e.reason.map_or(e.object.kind_range(), |r| r.node.range());
        let said = e.message.map(|m| shorten(m.value, 200)).unwrap_or_default();
        report = report.related(
            &e.object,
            at,
            format!("event `FailedCreate` ×{}: {said}", e.count),
        );
    }
    report
}

impl Rule for QuotaExhausted {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        let mut refused = refusals(inventory);
        for quota in inventory.of_kind("ResourceQuota") {
            let Some(view) = ResourceQuota::of(quota) else {
                continue;
            };
            let Some(used_map) = quota.status().and_then(|s| s.get("used")) else {
                continue;
            };
            let used: Vec<ResourceQuantity<'_>> = view.used().collect();
            let mut hard: Vec<ResourceQuantity<'_>> = view.status_hard().collect();
            if hard.is_empty() {
                hard = view.hard().collect();
            }
            let exhausted: Vec<(&str, NodeRef<'_>, NodeRef<'_>)> = hard
                .iter()
                .filter_map(|h| {
                    let u = used.iter().find(|u| u.name.value == h.name.value)?;
                    let limit = h.quantity.value.as_ref().ok()?;
                    let now = u.quantity.value.as_ref().ok()?;
                    (*limit != Quantity::ZERO && now >= limit).then_some((
                        h.name.value,
                        h.quantity.node,
                        u.quantity.node,
                    ))
                })
                .collect();
            let key = (quota.namespace, quota.name);
            if exhausted.is_empty() {
                continue;
            }
            let events = refused.remove(&key).unwrap_or_default();
            let ns = quota.namespace.unwrap_or("default");
            for (resource, hard_node, used_node) in exhausted {
                let text = |n: NodeRef<'_>| n.scalar_text().unwrap_or("").to_owned();
                let refusing = if events.is_empty() {
                    String::new()
                } else {
                    let n: i64 = events.iter().map(|e| e.count).sum();
                    format!("; it has refused pods {n} times (`FailedCreate` Events)")
                };
                let message = format!(
                    "{} is used up: `{resource}` used `{}` of `{}` hard; new pods in namespace `{ns}` that need it are refused{refusing}",
                    display(quota),
                    text(used_node),
                    text(hard_node),
                );
                let mut report = out
                    .report(quota, field_at(used_map, resource), message)
                    .help(format!(
                        "raise `{resource}` in the quota to what the workloads need at their maximum scale (HPA `maxReplicas` plus rolling-update surge), or lower the pods' requests and limits"
                    ))
                    .related(quota, hard_node.range(), "the hard limit");
                if !events.is_empty() {
                    report = report.severity(Severity::Error);
                }
                relate_refusals(report, &events);
            }
        }
        // Refusals naming a quota that is missing from the input, or whose status does not
        // show it used up (yet).
        for ((_, name), events) in refused {
            let first = events[0];
            let n: i64 = events.iter().map(|e| e.count).sum();
            let said = first.message.map_or("", |m| m.value);
            let at = field_at(first.object.node, "message");
            let message = format!(
                "{} reports pods refused {n} times by ResourceQuota `{name}`: {}",
                display(&first.object),
                shorten(said, 300)
            );
            let mut report = out
                .report(&first.object, at, message)
                .help(format!(
                    "raise the limits of ResourceQuota `{name}` to what the workloads need at their maximum scale, or lower the pods' requests and limits"
                ))
                .severity(Severity::Error);
            report = relate_refusals(report, &events[1..]);
            if let Some(q) = inventory.find("ResourceQuota", first.object.namespace, name) {
                report.related(q, q.kind_range(), "the quota");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_names_in_messages() {
        assert_eq!(
            quota_named(
                "pods \"order-7f-x\" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi, used: limits.memory=8Gi, limited: limits.memory=8Gi"
            ),
            Some("compute")
        );
        assert_eq!(quota_named("exceeded quota: q1"), Some("q1"));
        assert_eq!(quota_named("Error creating: pods is forbidden"), None);
    }
}
