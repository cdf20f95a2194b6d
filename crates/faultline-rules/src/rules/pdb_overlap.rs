use std::collections::{BTreeMap, HashMap};

use faultline_model::ObjectId;

use crate::evidence::display;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports PodDisruptionBudgets that select the same pods (pod templates of workloads, or
    /// Pods of a snapshot): each pair once, on the later budget, naming a pod they share.
    ///
    /// ## Why it matters
    /// The eviction API refuses to evict a pod that more than one PodDisruptionBudget covers
    /// (`This pod has more than one PodDisruptionBudget, which the eviction subresource does
    /// not support`, HTTP 500). `kubectl drain`, cluster upgrades and the cluster autoscaler
    /// then retry forever on every node that runs such a pod, whatever the budgets allow.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ---
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: shop-all
    ///   namespace: shop
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       team: shop
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///         team: shop
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:2.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # One budget per set of pods.
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    ///   namespace: shop
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///         team: shop
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:2.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - The eviction API: <https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/>
    /// - Specifying a disruption budget: <https://kubernetes.io/docs/tasks/run-application/configure-pdb/>
    pub struct PdbOverlap {
        id: "pdb-overlap",
        category: Workloads,
        severity: Warning,
        summary: "two PodDisruptionBudgets select the same pods, so the eviction API refuses to evict them",
        params: [],
    }
}

impl Rule for PdbOverlap {
    fn check_run(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        let inventory = cx.inventory;
        if inventory.of_kind("PodDisruptionBudget").nth(1).is_none() {
            return;
        }
        // Pod shape → the budgets selecting it, one per (namespace, name): a manifest and the
        // snapshot of the same budget are one budget.
        let mut by_pod: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
        for s in &cx.graph.selections {
            let pdb = inventory.get(s.object);
            if pdb.kind != "PodDisruptionBudget" || !s.valid {
                continue;
            }
            for p in s.pods.iter() {
                let pod = cx.graph.pods.pod(*p).object;
                let list = by_pod.entry(pod).or_default();
                if !list.iter().any(|o| {
                    inventory.get(*o).name == pdb.name
                        && inventory.get(*o).namespace == pdb.namespace
                }) {
                    list.push(s.object);
                }
            }
        }
        // (earlier budget, later budget) → the first pod shape they share.
        let mut pairs: BTreeMap<(ObjectId, ObjectId), ObjectId> = BTreeMap::new();
        for (pod, pdbs) in &by_pod {
            for (i, a) in pdbs.iter().enumerate() {
                for b in &pdbs[i + 1..] {
                    let key = if a < b { (*a, *b) } else { (*b, *a) };
                    let entry = pairs.entry(key).or_insert(*pod);
                    if *pod < *entry {
                        *entry = *pod;
                    }
                }
            }
        }
        for ((a, b), pod) in pairs {
            let (first, second, pod) = (inventory.get(a), inventory.get(b), inventory.get(pod));
            let at = |o: &faultline_model::Object<'_>| {
                o.spec()
                    .and_then(|s| s.entry("selector").map(|(k, _)| k.range()))
                    .unwrap_or_else(|| o.kind_range())
            };
            out.report(
                second,
                at(second),
                format!(
                    "{} selects pods that {} also selects ({}): the eviction API refuses to evict a pod covered by more than one budget, so drains of their nodes hang",
                    display(second),
                    display(first),
                    display(pod)
                ),
            )
            .help("make the selectors disjoint (one budget per workload), or delete one of the budgets")
            .related(first, at(first), "the other budget")
            .related(pod, pod.kind_range(), "pods both budgets select");
        }
    }
}
