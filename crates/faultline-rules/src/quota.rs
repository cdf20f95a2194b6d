//! ResourceQuota semantics as the quota admission plugin applies them to a pod: which quotas
//! match it (scopes and scope selectors), what a pod is charged (`podComputeUsageHelper`), and
//! which quota resources require every container to set a request or limit.

use std::collections::BTreeMap;

use faultline_model::pod::Resources;
use faultline_model::quantity::Quantity;
use faultline_model::views::{PriorityClass, ResourceQuota};
use faultline_model::{Field, field};
use faultline_syntax::NodeRef;

use crate::Context;
use crate::admission::{AdmittedContainer, AdmittedPod};

/// Quota resources that oblige every container (init containers included) to set the
/// matching request or limit (`validationSet` in the pod evaluator; "it was a mistake, but").
pub(crate) const REQUIRES_SETTING: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// Whether a quota on `name` counts pods (the pod evaluator's `MatchingResources`): the compute
/// resources, `pods` and `count/pods`, huge pages, and `requests.` of extended resources.
pub(crate) fn counts_pods(name: &str) -> bool {
    matches!(
        name,
        "pods"
            | "count/pods"
            | "cpu"
            | "memory"
            | "ephemeral-storage"
            | "requests.cpu"
            | "requests.memory"
            | "requests.ephemeral-storage"
            | "limits.cpu"
            | "limits.memory"
            | "limits.ephemeral-storage"
    ) || name.starts_with("hugepages-")
        || name.starts_with("requests.hugepages-")
        || name
            .strip_prefix("requests.")
            .is_some_and(is_extended_resource)
}

/// An extended resource name (`nvidia.com/gpu`): qualified by a domain outside
/// `kubernetes.io`, and not `requests.`-prefixed itself.
pub(crate) fn is_extended_resource(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => {
            !(domain == "kubernetes.io"
                || domain.ends_with(".kubernetes.io")
                || name.starts_with("requests."))
        }
        None => false,
    }
}

/// What one container is charged, by quota resource name (`podComputeUsageHelper`): which of
/// [`REQUIRES_SETTING`] it satisfies is whether its name appears.
pub(crate) fn container_usage<'a>(c: &AdmittedContainer<'a>) -> Vec<String> {
    let mut out = vec!["pods".to_owned()];
    for (name, _) in &c.requests {
        match *name {
            "cpu" | "memory" => {
                out.push((*name).to_owned());
                out.push(format!("requests.{name}"));
            }
            _ => {}
        }
    }
    for (name, _) in &c.limits {
        if matches!(*name, "cpu" | "memory") {
            out.push(format!("limits.{name}"));
        }
    }
    out
}

/// What a pod is charged by quota resource name: `pods` and `count/pods` 1, and its total
/// requests and limits (with `spec.overhead`) under the names a quota may constrain them by.
pub(crate) fn pod_usage(pod: &AdmittedPod<'_>) -> BTreeMap<String, Quantity> {
    let one = Quantity::from_nanos(1_000_000_000);
    let mut out = BTreeMap::new();
    out.insert("pods".to_owned(), one);
    out.insert("count/pods".to_owned(), one);
    for (name, q) in pod.total(Resources::Requests, true) {
        match name {
            "cpu" | "memory" | "ephemeral-storage" => {
                out.insert(name.to_owned(), q);
                out.insert(format!("requests.{name}"), q);
            }
            n if n.starts_with("hugepages-") => {
                out.insert(name.to_owned(), q);
                out.insert(format!("requests.{name}"), q);
            }
            n if is_extended_resource(n) => {
                out.insert(format!("requests.{name}"), q);
            }
            _ => {}
        }
    }
    for (name, q) in pod.total(Resources::Limits, true) {
        if matches!(name, "cpu" | "memory" | "ephemeral-storage") {
            out.insert(format!("limits.{name}"), q);
        }
    }
    out
}

/// Whether a quota applies to a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScopeMatch {
    Matches,
    DoesNotMatch,
    /// The quota has a scope faultline cannot evaluate (named here).
    Unknown(String),
}

/// One scope requirement of a quota: `scopes` entries read as `Exists`.
struct Requirement<'a> {
    scope: &'a str,
    operator: &'a str,
    values: Vec<&'a str>,
}

fn requirements<'a>(quota: &ResourceQuota<'a>) -> Vec<Requirement<'a>> {
    let mut out: Vec<Requirement<'a>> = quota
        .scopes()
        .map(|s| Requirement {
            scope: s.value,
            operator: "Exists",
            values: Vec::new(),
        })
        .collect();
    out.extend(quota.scope_selector().map(|r| Requirement {
        scope: r.scope_name().map_or("", |f| f.value),
        operator: r.operator().map_or("", |f| f.value),
        values: r.values().map(|f| f.value).collect(),
    }));
    out
}

/// The PriorityClass a pod runs with: its `priorityClassName`, or the name of the PriorityClass
/// in the input marked `globalDefault` (the Priority admission plugin fills it in before quota
/// admission), or none.
fn priority_class<'s, 'c: 's>(cx: &Context<'c>, spec: NodeRef<'s>) -> &'s str {
    if let Some(f) = field::str(Some(spec), "priorityClassName").filter(|f| !f.value.is_empty()) {
        return f.value;
    }
    cx.inventory
        .of_kind("PriorityClass")
        .filter_map(PriorityClass::of)
        .find(|pc| pc.global_default().is_some_and(|g| g.value))
        .map_or("", |pc| pc.object.name)
}

/// `activeDeadlineSeconds` ≥ 0: the pod is `Terminating` for quota scopes.
fn is_terminating(spec: NodeRef<'_>) -> bool {
    field::int(Some(spec), "activeDeadlineSeconds").is_some_and(|f| f.value >= 0)
}

/// Whether a pod affinity or anti-affinity term names other namespaces (`namespaces` or a
/// `namespaceSelector`).
fn cross_namespace_affinity(spec: NodeRef<'_>) -> bool {
    ["podAffinity", "podAntiAffinity"].iter().any(|kind| {
        let Some(aff) = spec.path(&["affinity", kind]) else {
            return false;
        };
        let required = aff
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .into_iter()
            .flat_map(|l| l.items());
        let preferred = aff
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|w| w.get("podAffinityTerm"));
        required.chain(preferred).any(|term| {
            term.get("namespaces").is_some_and(|n| n.items().len() > 0)
                || term.get("namespaceSelector").is_some_and(|n| !n.is_null())
        })
    })
}

/// Whether `quota` applies to `pod` (every scope must match), as `podMatchesScopeFunc`
/// decides: `Terminating`/`NotTerminating` by `activeDeadlineSeconds`, `BestEffort`/
/// `NotBestEffort` by the pod's QoS after LimitRange defaults, `PriorityClass` by the class
/// (`In`, `NotIn`, `Exists`, `DoesNotExist`), `CrossNamespacePodAffinity` by its affinity terms.
/// Other scope names (and malformed requirements) are [`ScopeMatch::Unknown`].
pub(crate) fn scope_match(
    cx: &Context<'_>,
    quota: &ResourceQuota<'_>,
    pod: &AdmittedPod<'_>,
) -> ScopeMatch {
    let spec = pod.pod.spec;
    let mut all = true;
    for r in requirements(quota) {
        let matches = match r.scope {
            "Terminating" => is_terminating(spec),
            "NotTerminating" => !is_terminating(spec),
            "BestEffort" => pod.is_best_effort(),
            "NotBestEffort" => !pod.is_best_effort(),
            "CrossNamespacePodAffinity" => cross_namespace_affinity(spec),
            "PriorityClass" => {
                let class = priority_class(cx, spec);
                match r.operator {
                    "Exists" => !class.is_empty(),
                    "DoesNotExist" => class.is_empty(),
                    "In" => !class.is_empty() && r.values.contains(&class),
                    "NotIn" => class.is_empty() || !r.values.contains(&class),
                    other => return ScopeMatch::Unknown(format!("PriorityClass {other}")),
                }
            }
            other => return ScopeMatch::Unknown(other.to_owned()),
        };
        all &= matches;
    }
    if all {
        ScopeMatch::Matches
    } else {
        ScopeMatch::DoesNotMatch
    }
}

/// A quota's `spec.hard` entries whose values are quantities, with the whole entry (key and
/// value) to point at.
pub(crate) fn hard<'a>(quota: &ResourceQuota<'a>) -> Vec<HardEntry<'a>> {
    quota
        .hard()
        .filter_map(|q| {
            Some(HardEntry {
                name: q.name,
                value: Field {
                    value: q.quantity.value.ok()?,
                    node: q.quantity.node,
                },
            })
        })
        .collect()
}

/// One `spec.hard` entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HardEntry<'a> {
    pub name: Field<'a, &'a str>,
    pub value: Field<'a, Quantity>,
}

impl HardEntry<'_> {
    /// The entry from its key to its value.
    pub fn range(&self) -> faultline_syntax::TextRange {
        self.name.range().cover(self.value.range())
    }

    /// The value as written, for messages.
    pub fn text(&self) -> String {
        self.value
            .node
            .scalar_text()
            .map_or_else(|| self.value.value.to_string(), |t| t.trim().to_owned())
    }
}
