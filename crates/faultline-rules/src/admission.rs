//! What admission makes of a pod that is still to be created: the requests and limits each
//! container ends up with once the API server has defaulted them (a missing request is copied
//! from the limit written for the same resource) and the LimitRanger has filled in the
//! defaults of the namespace's LimitRanges, and the pod's totals as the scheduler, the
//! LimitRanger and the ResourceQuota admission plugin add them up.
//!
//! Shared by the rules about quotas, LimitRanges and autoscaling, which must all see the pod
//! the API server sees rather than the manifest as written.

use std::collections::BTreeMap;

use faultline_model::pod::{Container, ContainerKind, PodTemplate, Resources};
use faultline_model::quantity::Quantity;
use faultline_model::{Object, views};
use faultline_syntax::{NodeRef, TextRange};

use crate::Context;
use crate::common::limit_range_defaults;

/// Where a container's request or limit comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Origin<'a> {
    /// Written in the container.
    Written,
    /// A request the API server copies from the limit written for the same resource.
    FromLimit,
    /// Filled in by the LimitRanger from this LimitRange.
    LimitRange(Object<'a>),
}

/// A request or limit in effect once the pod is admitted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Amount<'a> {
    /// `None` when written as something that is not a quantity (`invalid-quantity` reports it).
    pub quantity: Option<Quantity>,
    /// Where the value is written: in the container (the limit, for a request copied from it),
    /// or in the LimitRange.
    pub node: NodeRef<'a>,
    pub origin: Origin<'a>,
}

impl Amount<'_> {
    pub fn range(&self) -> TextRange {
        self.node.range()
    }

    /// The value as written, for messages.
    pub fn text(&self) -> String {
        match self.node.scalar_text() {
            Some(t) => t.trim().to_owned(),
            None => self.quantity.map(|q| q.to_string()).unwrap_or_default(),
        }
    }

    /// Where the value comes from, for messages: empty when written in the container.
    pub fn provenance(&self) -> String {
        match self.origin {
            Origin::Written => String::new(),
            Origin::FromLimit => " (copied from its limit)".to_owned(),
            Origin::LimitRange(lr) => format!(" (the default of LimitRange `{}`)", lr.name),
        }
    }
}

/// A container as admission leaves it.
#[derive(Clone, Debug)]
pub(crate) struct AdmittedContainer<'a> {
    pub container: Container<'a>,
    pub requests: Vec<(&'a str, Amount<'a>)>,
    pub limits: Vec<(&'a str, Amount<'a>)>,
}

impl<'a> AdmittedContainer<'a> {
    pub fn get(&self, which: Resources, resource: &str) -> Option<&Amount<'a>> {
        let list = match which {
            Resources::Requests => &self.requests,
            Resources::Limits => &self.limits,
        };
        list.iter().find(|(n, _)| *n == resource).map(|(_, a)| a)
    }

    pub fn list(&self, which: Resources) -> &[(&'a str, Amount<'a>)] {
        match which {
            Resources::Requests => &self.requests,
            Resources::Limits => &self.limits,
        }
    }
}

/// A pod (or a workload's pod template) as admission leaves it: its init containers, then its
/// app containers (ephemeral containers are added later and never count).
#[derive(Clone, Debug)]
pub(crate) struct AdmittedPod<'a> {
    pub pod: PodTemplate<'a>,
    pub containers: Vec<AdmittedContainer<'a>>,
}

/// The written entries of `resources.<which>` that are not null, with their quantities.
fn written<'a>(c: &Container<'a>, which: Resources) -> Vec<(&'a str, Amount<'a>)> {
    c.resources(which)
        .filter(|(_, v)| !v.is_null())
        .filter_map(|(k, v)| {
            Some((
                k.scalar_text()?,
                Amount {
                    quantity: views::quantity(v).ok(),
                    node: v,
                    origin: Origin::Written,
                },
            ))
        })
        .collect()
}

impl<'a> AdmittedPod<'a> {
    /// `pod` of `obj` after defaulting and the LimitRanger. A Pod read from a cluster gets no
    /// LimitRange defaults: it was admitted already, and what it got is written in it.
    pub fn of<'c: 'a>(cx: &Context<'c>, obj: &Object<'_>, pod: &PodTemplate<'a>) -> Self {
        let default_requests = limit_range_defaults(cx, obj, Resources::Requests);
        let default_limits = limit_range_defaults(cx, obj, Resources::Limits);
        let containers = pod
            .containers()
            .filter(|c| c.kind != ContainerKind::Ephemeral)
            .map(|container| {
                let mut limits = written(&container, Resources::Limits);
                let mut requests = written(&container, Resources::Requests);
                for (name, limit) in &limits {
                    if !requests.iter().any(|(n, _)| n == name) {
                        let copied = Amount {
                            origin: Origin::FromLimit,
                            ..*limit
                        };
                        requests.push((name, copied));
                    }
                }
                for (list, defaults) in [
                    (&mut limits, &default_limits),
                    (&mut requests, &default_requests),
                ] {
                    for (name, d) in defaults {
                        if !list.iter().any(|(n, _)| n == name) {
                            list.push((
                                name,
                                Amount {
                                    quantity: Some(d.quantity.value),
                                    node: d.quantity.node,
                                    origin: Origin::LimitRange(d.limit_range),
                                },
                            ));
                        }
                    }
                }
                AdmittedContainer {
                    container,
                    requests,
                    limits,
                }
            })
            .collect();
        Self {
            pod: *pod,
            containers,
        }
    }

    /// The pod's total requests (or limits) per resource, as `PodRequests`/`PodLimits` add
    /// them: the app containers and sidecars summed; each init container that runs to
    /// completion counts with the sidecars started before it, and the pod needs the largest
    /// of those moments if it exceeds the sum. Pod-level `spec.resources` replaces the sum for
    /// the resources it names. With `overhead`, `spec.overhead` is added (to every request,
    /// and to the limits the pod has), as the scheduler and quota count it. A resource no
    /// container names is absent; values that are not quantities count as zero.
    pub fn total(&self, which: Resources, overhead: bool) -> BTreeMap<&'a str, Quantity> {
        let mut sum: BTreeMap<&'a str, Quantity> = BTreeMap::new();
        let mut sidecars: BTreeMap<&'a str, Quantity> = BTreeMap::new();
        let mut init_peak: BTreeMap<&'a str, Quantity> = BTreeMap::new();
        let add = |into: &mut BTreeMap<&'a str, Quantity>, list: &[(&'a str, Amount<'a>)]| {
            for (name, a) in list {
                let q = a.quantity.unwrap_or(Quantity::ZERO);
                let slot = into.entry(name).or_insert(Quantity::ZERO);
                *slot = *slot + q;
            }
        };
        let max_into = |into: &mut BTreeMap<&'a str, Quantity>,
                        other: &BTreeMap<&'a str, Quantity>| {
            for (name, q) in other {
                let slot = into.entry(name).or_insert(*q);
                if *q > *slot {
                    *slot = *q;
                }
            }
        };
        for c in &self.containers {
            if c.container.kind == ContainerKind::App {
                add(&mut sum, c.list(which));
            }
        }
        for c in &self.containers {
            if c.container.kind != ContainerKind::Init {
                continue;
            }
            if c.container.is_sidecar() {
                add(&mut sum, c.list(which));
                add(&mut sidecars, c.list(which));
                max_into(&mut init_peak, &sidecars);
            } else {
                let mut moment = sidecars.clone();
                add(&mut moment, c.list(which));
                max_into(&mut init_peak, &moment);
            }
        }
        max_into(&mut sum, &init_peak);
        let key = match which {
            Resources::Requests => "requests",
            Resources::Limits => "limits",
        };
        for q in views::quantities(self.pod.spec.path(&["resources", key])) {
            if matches!(q.name.value, "cpu" | "memory")
                && let Ok(v) = q.quantity.value
            {
                sum.insert(q.name.value, v);
            }
        }
        if overhead {
            for q in views::quantities(self.pod.spec.get("overhead")) {
                let Ok(v) = q.quantity.value else { continue };
                match which {
                    Resources::Requests => {
                        let slot = sum.entry(q.name.value).or_insert(Quantity::ZERO);
                        *slot = *slot + v;
                    }
                    Resources::Limits => {
                        if let Some(slot) = sum.get_mut(q.name.value) {
                            *slot = *slot + v;
                        }
                    }
                }
            }
        }
        sum
    }

    /// Whether the pod is `BestEffort`: no container (init containers included) requests or
    /// limits CPU or memory, and the pod sets no pod-level CPU or memory.
    pub fn is_best_effort(&self) -> bool {
        let compute = |name: &str| matches!(name, "cpu" | "memory");
        let containers = self.containers.iter().all(|c| {
            !c.requests.iter().any(|(n, _)| compute(n)) && !c.limits.iter().any(|(n, _)| compute(n))
        });
        let pod_level = ["requests", "limits"].iter().any(|key| {
            views::quantities(self.pod.spec.path(&["resources", key]))
                .any(|q| compute(q.name.value))
        });
        containers && !pod_level
    }

    /// Whether the pod sets pod-level `spec.resources` (requests or limits).
    pub fn has_pod_level_resources(&self) -> bool {
        ["requests", "limits"].iter().any(|key| {
            views::quantities(self.pod.spec.path(&["resources", key]))
                .next()
                .is_some()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;

    fn with_pod(text: &str, f: impl FnOnce(&AdmittedPod<'_>)) {
        let files = vec![faultline_syntax::SourceFile::new(
            faultline_syntax::FileId(0),
            "t.yaml",
            std::sync::Arc::<str>::from(text),
        )];
        let parsed: Vec<_> = files
            .iter()
            .map(faultline_syntax::load::parse_source)
            .collect();
        let inventory = faultline_model::Inventory::build(&parsed, &Default::default());
        let graph = faultline_graph::Graph::build(&inventory);
        let settings = Settings::default();
        let cx = Context::new(&files, &parsed, &graph, &settings);
        let obj = inventory
            .objects
            .iter()
            .find(|o| PodTemplate::of(o).is_some())
            .expect("a pod");
        let pod = PodTemplate::of(obj).unwrap();
        f(&AdmittedPod::of(&cx, obj, &pod));
    }

    fn shown(m: &BTreeMap<&str, Quantity>) -> String {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn requests_come_from_limits_then_limit_ranges() {
        with_pod(
            "\
apiVersion: v1
kind: LimitRange
metadata: {name: b, namespace: shop}
spec:
  limits:
  - type: Container
    max: {cpu: '4'}
    defaultRequest: {memory: 64Mi}
  - type: Container
    defaultRequest: {memory: 128Mi}
---
apiVersion: v1
kind: LimitRange
metadata: {name: a, namespace: shop}
spec:
  limits:
  - type: Container
    default: {cpu: '1'}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: app
    resources:
      limits: {memory: 1Gi}
  - name: bare
",
            |pod| {
                let app = &pod.containers[0];
                let mem = app.get(Resources::Requests, "memory").unwrap();
                assert!(matches!(mem.origin, Origin::FromLimit));
                assert_eq!(mem.text(), "1Gi");
                // `a` sorts first: its default limit (and request) of 1 CPU wins over `b`'s max.
                let cpu = app.get(Resources::Limits, "cpu").unwrap();
                assert!(matches!(cpu.origin, Origin::LimitRange(lr) if lr.name == "a"));
                assert_eq!(cpu.text(), "1");
                let bare = &pod.containers[1];
                // The later item of `b` wins within `b`.
                assert_eq!(
                    bare.get(Resources::Requests, "memory").unwrap().text(),
                    "128Mi"
                );
                assert!(!pod.is_best_effort());
                assert_eq!(
                    shown(&pod.total(Resources::Requests, true)),
                    "cpu=2,memory=1152Mi"
                );
            },
        );
    }

    #[test]
    fn init_containers_and_sidecars_add_up_like_pod_requests() {
        with_pod(
            "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  overhead: {cpu: 100m}
  initContainers:
  - name: setup
    resources: {requests: {cpu: '3'}}
  - name: proxy
    restartPolicy: Always
    resources: {requests: {cpu: 500m, memory: 1Gi}}
  - name: late
    resources: {requests: {cpu: '2'}}
  containers:
  - name: app
    resources: {requests: {cpu: '1'}, limits: {memory: 2Gi}}
",
            |pod| {
                // sum = 1 + 0.5 = 1.5; init peaks: 3, 0.5, 2 + 0.5 = 2.5 → 3; + overhead.
                assert_eq!(
                    shown(&pod.total(Resources::Requests, true)),
                    "cpu=3100m,memory=3Gi"
                );
                assert_eq!(shown(&pod.total(Resources::Limits, true)), "memory=2Gi");
                assert_eq!(
                    shown(&pod.total(Resources::Requests, false)),
                    "cpu=3,memory=3Gi"
                );
            },
        );
    }

    #[test]
    fn best_effort_and_pods_from_a_cluster() {
        with_pod(
            "\
apiVersion: v1
kind: LimitRange
metadata: {name: a, namespace: shop}
spec:
  limits: [{type: Container, default: {cpu: '1'}}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop, uid: x}
spec:
  containers: [{name: app, resources: {requests: {ephemeral-storage: 1Gi}}}]
",
            |pod| {
                assert!(pod.containers[0].get(Resources::Limits, "cpu").is_none());
                assert!(pod.is_best_effort());
            },
        );
    }
}
