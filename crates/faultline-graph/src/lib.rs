//! The graph of a run: the label index over every pod shape (real Pods and the pod templates
//! of workloads), built once so that evaluating a selector looks up the rarest of its labels
//! instead of scanning every pod, and the typed relations between objects built on it.
//!
//! Architecture invariant: selectors are evaluated here, never by rules scanning all pairs.

use std::collections::HashMap;

pub mod netpol;

use faultline_model::pod::PodTemplate;
use faultline_model::selector::{LabelSelector, Labels, Operator};
use faultline_model::{Inventory, ObjectId};

/// Everything a run knows about how its objects relate, built once from the whole input.
#[derive(Debug)]
pub struct Graph<'a> {
    pub inventory: &'a Inventory<'a>,
    pub pods: LabelIndex<'a>,
}

impl<'a> Graph<'a> {
    pub fn build(inventory: &'a Inventory<'a>) -> Self {
        Self {
            inventory,
            pods: LabelIndex::build(inventory),
        }
    }
}

/// Index of a pod shape in [`LabelIndex::pods`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodId(pub u32);

/// A pod as selectors see it: its namespace and labels, and the object it comes from.
#[derive(Clone, Debug)]
pub struct PodShape<'a> {
    pub object: ObjectId,
    pub namespace: &'a str,
    pub labels: Labels,
}

/// Pods by namespace and by `key=value`.
#[derive(Debug, Default)]
pub struct LabelIndex<'a> {
    pub pods: Vec<PodShape<'a>>,
    by_namespace: HashMap<&'a str, Vec<PodId>>,
    by_label: HashMap<(&'a str, String, String), Vec<PodId>>,
}

impl<'a> LabelIndex<'a> {
    /// Indexes every Pod and every workload's pod template.
    pub fn build(inventory: &Inventory<'a>) -> Self {
        let mut index = LabelIndex::default();
        for obj in &inventory.objects {
            let Some(template) = PodTemplate::of(obj) else {
                continue;
            };
            let Some(namespace) = obj.namespace else {
                continue;
            };
            let labels: Labels = template
                .labels()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let id = PodId(index.pods.len() as u32);
            index.by_namespace.entry(namespace).or_default().push(id);
            for (k, v) in &labels {
                index
                    .by_label
                    .entry((namespace, k.clone(), v.clone()))
                    .or_default()
                    .push(id);
            }
            index.pods.push(PodShape {
                object: obj.id,
                namespace,
                labels,
            });
        }
        index
    }

    pub fn pod(&self, id: PodId) -> &PodShape<'a> {
        &self.pods[id.0 as usize]
    }

    /// The pods of `namespace` that `selector` matches, in input order. An empty selector
    /// matches every pod of the namespace; callers apply the field's nil/empty meaning first.
    pub fn select(&self, namespace: &str, selector: &LabelSelector) -> Vec<PodId> {
        let empty = Vec::new();
        // Start from the smallest posting list an equality requirement offers.
        let equalities = selector
            .match_labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(
                selector
                    .match_expressions
                    .iter()
                    .filter(|r| r.op == Operator::In && r.values.len() == 1)
                    .map(|r| (r.key.as_str(), r.values[0].as_str())),
            );
        let candidates = equalities
            .map(|(k, v)| {
                self.by_label
                    .get(&(namespace, k.to_owned(), v.to_owned()))
                    .unwrap_or(&empty)
            })
            .min_by_key(|ids| ids.len())
            .unwrap_or_else(|| self.by_namespace.get(namespace).unwrap_or(&empty));
        candidates
            .iter()
            .copied()
            .filter(|id| selector.matches(&self.pod(*id).labels))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use faultline_model::ModelOptions;
    use faultline_model::selector::Requirement;

    use super::*;

    const PODS: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop, labels: {app: api, tier: back}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-2, namespace: other, labels: {app: api}}
spec: {containers: [{name: c, image: i}]}
";

    fn names(index: &LabelIndex<'_>, inv: &Inventory<'_>, ids: &[PodId]) -> Vec<String> {
        ids.iter()
            .map(|id| inv.get(index.pod(*id).object).name.to_owned())
            .collect()
    }

    #[test]
    fn selects_through_the_index_within_a_namespace() {
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(PODS))];
        let options = ModelOptions::default();
        let inv = Inventory::build(&parsed, &options);
        let index = LabelIndex::build(&inv);
        let sel = |labels: &[(&str, &str)], exprs: Vec<Requirement>| LabelSelector {
            match_labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            match_expressions: exprs,
        };
        assert_eq!(
            names(
                &index,
                &inv,
                &index.select("shop", &sel(&[("app", "api")], vec![]))
            ),
            ["api-1"]
        );
        assert_eq!(
            names(&index, &inv, &index.select("shop", &sel(&[], vec![]))),
            ["web", "api-1"]
        );
        let not_front = Requirement {
            key: "tier".into(),
            op: Operator::NotIn,
            values: vec!["front".into()],
        };
        assert_eq!(
            names(
                &index,
                &inv,
                &index.select("shop", &sel(&[], vec![not_front]))
            ),
            ["api-1"]
        );
        assert!(
            index
                .select("shop", &sel(&[("app", "nope")], vec![]))
                .is_empty()
        );
        assert_eq!(
            names(
                &index,
                &inv,
                &index.select("other", &sel(&[("app", "api")], vec![]))
            ),
            ["api-2"]
        );
    }
}
