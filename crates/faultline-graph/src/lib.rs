//! The graph of a run: the label index over every pod shape (real Pods and the pod templates
//! of workloads), built once so that evaluating a selector looks up the rarest of its labels
//! instead of scanning every pod, and the typed relations between objects built on it.
//!
//! Architecture invariant: selectors are evaluated here, never by rules scanning all pairs.

use std::borrow::Cow;
use std::collections::HashMap;

pub mod netpol;

use faultline_model::kinds;
use faultline_model::object::string_map;
use faultline_model::selector::{
    LabelRefs, LabelSelector, LabelSet, Labels, Operator, label_distance,
};
use faultline_model::views::NAMESPACE_NAME_LABEL;
use faultline_model::{Inventory, ObjectId};
use faultline_syntax::{FileId, NodeRef};
use rayon::prelude::*;

pub mod relations;

pub use relations::{
    BackendPortMatch, IngressBackend, PodSelection, Reference, Relation, SelectionGroup,
    from_a_cluster,
};

/// Everything a run knows about how its objects relate, built once from the whole input.
///
/// Pod shapes are real Pods and the pod templates of workloads alike: selectors match both.
/// In a snapshot the same workload appears several times over (a Deployment's template, its
/// ReplicaSets' templates, its Pods); matching does not care, and everything that counts
/// (replicas a PodDisruptionBudget protects, workloads a Service reaches) counts workloads
/// through [`Graph::workloads`], which folds each shape into the root of its owner chain.
#[derive(Debug)]
pub struct Graph<'a> {
    pub inventory: &'a Inventory<'a>,
    pub pods: LabelIndex<'a>,
    /// What each Service (with a selector) and PodDisruptionBudget selects, by object.
    pub selections: Vec<PodSelection<'a>>,
    /// The objects of each selection group, in input order.
    group_members: Vec<Vec<ObjectId>>,
    /// Every reference by name, grouped by referring object in input order.
    pub references: Vec<Reference<'a>>,
    /// Every Ingress backend, by Ingress in input order.
    pub backends: Vec<IngressBackend<'a>>,
    /// Target object → indices into `references`.
    referrers: HashMap<ObjectId, Vec<u32>>,
    namespaces: HashMap<&'a str, Labels>,
    /// (kind, namespace) → how many objects the input has.
    by_kind: HashMap<(&'a str, Option<&'a str>), Vec<ObjectId>>,
    /// Objects of kinds faultline does not know (custom resources), in input order.
    custom_resources: Vec<ObjectId>,
    /// The same, counting only objects exported from a cluster.
    cluster_counts: HashMap<(&'a str, Option<&'a str>), u32>,
    snapshot: bool,
}

impl<'a> Graph<'a> {
    /// Builds the index and every relation from the whole input; the independent families
    /// are built in parallel.
    pub fn build(inventory: &'a Inventory<'a>) -> Self {
        let objects = &inventory.objects;
        let pods = LabelIndex::build(inventory);
        let ((selections, references), (backends, (namespaces, snapshot))) = rayon::join(
            || {
                rayon::join(
                    || {
                        objects
                            .par_iter()
                            .with_min_len(256)
                            .filter_map(relations::selection_of)
                            .collect::<Vec<_>>()
                    },
                    || {
                        objects
                            .par_iter()
                            .with_min_len(64)
                            .flat_map_iter(|o| relations::references_of(inventory, o))
                            .collect::<Vec<_>>()
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        inventory
                            .of_kind("Ingress")
                            .flat_map(|o| relations::backends_of(inventory, o))
                            .collect::<Vec<_>>()
                    },
                    || {
                        (
                            relations::namespace_labels(inventory),
                            objects.par_iter().any(from_a_cluster),
                        )
                    },
                )
            },
        );
        let mut selections = selections;
        let group_members = relations::match_groups(&pods, inventory, &mut selections);
        let mut by_kind: HashMap<(&'a str, Option<&'a str>), Vec<ObjectId>> = HashMap::new();
        let mut cluster_counts: HashMap<(&'a str, Option<&'a str>), u32> = HashMap::new();
        let mut custom_resources = Vec::new();
        for o in objects {
            by_kind.entry((o.kind, o.namespace)).or_default().push(o.id);
            if o.scope == kinds::Scope::Unknown {
                custom_resources.push(o.id);
            }
            if snapshot && from_a_cluster(o) {
                for key in [(o.kind, o.namespace), (o.kind, Some(ANY_NAMESPACE))] {
                    *cluster_counts.entry(key).or_default() += 1;
                }
            }
        }
        let mut referrers: HashMap<ObjectId, Vec<u32>> = HashMap::new();
        for (i, r) in references.iter().enumerate() {
            if let Some(t) = r.target {
                referrers.entry(t).or_default().push(i as u32);
            }
        }
        Self {
            inventory,
            pods,
            selections,
            group_members,
            references,
            backends,
            referrers,
            namespaces,
            by_kind,
            custom_resources,
            cluster_counts,
            snapshot,
        }
    }

    /// The objects of `kind` in `namespace` (`None`: cluster-scoped, or a custom resource
    /// written without a namespace), in input order.
    pub fn objects_of<'s>(&'s self, kind: &'s str, namespace: Option<&'s str>) -> &'s [ObjectId] {
        // The map is covariant in its keys' lifetimes: look up with the caller's.
        let by_kind: &'s HashMap<(&'s str, Option<&'s str>), Vec<ObjectId>> = &self.by_kind;
        by_kind.get(&(kind, namespace)).map_or(&[], Vec::as_slice)
    }

    /// How many objects of `kind` the input has in `namespace` (`None`: cluster-scoped).
    pub fn count(&self, kind: &str, namespace: Option<&str>) -> usize {
        self.objects_of(kind, namespace).len()
    }

    /// A custom resource in `namespace` whose own labels, or the pod labels it declares
    /// (`spec.podMetadata.labels`, `spec.template.metadata.labels`), `selector` matches: an
    /// operator most likely creates the selected pods from it (the Prometheus operator's
    /// `Alertmanager` and `Prometheus`, for example). Scans the namespace's custom resources;
    /// call it only once a selection came out empty.
    pub fn operator_resource(&self, namespace: &str, selector: &LabelSelector) -> Option<ObjectId> {
        if selector.is_empty() {
            return None;
        }
        let to_labels = |node: Option<NodeRef<'a>>| -> Labels {
            string_map(node)
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        self.custom_resources
            .iter()
            .map(|id| self.inventory.get(*id))
            .filter(|o| o.namespace.is_none_or(|ns| ns == namespace))
            .find(|o| {
                [
                    &["metadata", "labels"][..],
                    &["spec", "podMetadata", "labels"],
                    &["spec", "template", "metadata", "labels"],
                ]
                .iter()
                .any(|path| selector.matches(&to_labels(o.node.path(path))))
            })
            .map(|o| o.id)
    }

    /// Whether the part of the input exported from a cluster has objects of `kind` in
    /// `namespace` (`None`: cluster-scoped kinds, or any namespace): then it shows which of
    /// them exist there.
    pub fn snapshot_has(&self, kind: &str, namespace: Option<&str>) -> bool {
        let key = (kind, Some(namespace.unwrap_or(ANY_NAMESPACE)));
        self.cluster_counts.get(&key).is_some_and(|n| *n > 0)
    }

    /// What a Service or PodDisruptionBudget selects. `None` for other kinds and for Services
    /// without a selector (or of type ExternalName), which select nothing by design.
    pub fn selection(&self, obj: ObjectId) -> Option<&PodSelection<'a>> {
        let i = self.selections.partition_point(|s| s.object < obj);
        self.selections.get(i).filter(|s| s.object == obj)
    }

    /// The Services and PodDisruptionBudgets whose selection is `group`, in input order.
    pub fn group_members(&self, group: SelectionGroup) -> &[ObjectId] {
        self.group_members
            .get(group.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The number of selection groups; groups are numbered from 0.
    pub fn group_count(&self) -> usize {
        self.group_members.len()
    }

    /// The references `obj` makes, in the order they are written.
    pub fn references_from(&self, obj: ObjectId) -> &[Reference<'a>] {
        let start = self.references.partition_point(|r| r.from < obj);
        let end = self.references.partition_point(|r| r.from <= obj);
        &self.references[start..end]
    }

    /// The references that resolve to `target`, in input order.
    pub fn referrers(&self, target: ObjectId) -> impl Iterator<Item = &Reference<'a>> + '_ {
        self.referrers
            .get(&target)
            .into_iter()
            .flatten()
            .map(|i| &self.references[*i as usize])
    }

    /// The objects that refer to `target` with `relation` (the HPAs scaling a workload, the
    /// Endpoints of a Service), in input order.
    pub fn referring(&self, target: ObjectId, relation: Relation) -> Vec<ObjectId> {
        let mut out: Vec<ObjectId> = self
            .referrers(target)
            .filter(|r| r.relation == relation)
            .map(|r| r.from)
            .collect();
        out.dedup();
        out
    }

    /// The reference of `relation` that `obj` makes first.
    pub fn reference(&self, obj: ObjectId, relation: Relation) -> Option<&Reference<'a>> {
        self.references_from(obj)
            .iter()
            .find(|r| r.relation == relation)
    }

    /// An Ingress's Service backends.
    pub fn backends_of(&self, ingress: ObjectId) -> &[IngressBackend<'a>] {
        let start = self.backends.partition_point(|b| b.ingress < ingress);
        let end = self.backends.partition_point(|b| b.ingress <= ingress);
        &self.backends[start..end]
    }

    /// The object's controller, when it is in the input.
    pub fn owner(&self, obj: ObjectId) -> Option<ObjectId> {
        self.reference(obj, Relation::Owner)?.target
    }

    /// The controllers of the object, nearest first, up to the root, with those the input lacks
    /// named by their references ([`faultline_model::owners`]): the one owner walk every part
    /// of faultline uses.
    pub fn controllers(&self, obj: ObjectId) -> Vec<faultline_model::owners::Controller<'a>> {
        faultline_model::owners::controllers(self.inventory, self.inventory.get(obj))
    }

    /// The top of the object's owner chain in the input (a Pod → its ReplicaSet → its
    /// Deployment, also when the snapshot lacks the ReplicaSet; a Job → its CronJob); the
    /// object itself when it has no owner here.
    pub fn root_owner(&self, obj: ObjectId) -> ObjectId {
        faultline_model::owners::root_in_input(self.inventory, self.inventory.get(obj))
    }

    /// The distinct workloads behind pod shapes: each shape's root owner, in input order. A
    /// Deployment, its ReplicaSets and its Pods count once.
    pub fn workloads(&self, pods: &[PodId]) -> Vec<ObjectId> {
        let mut out: Vec<ObjectId> = pods
            .iter()
            .map(|p| self.root_owner(self.pods.pod(*p).object))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The labels of `namespace`: its Namespace object's, plus `kubernetes.io/metadata.name`;
    /// a namespace the input does not declare has only that label.
    pub fn namespace_labels(&self, namespace: &str) -> Cow<'_, Labels> {
        match self.namespaces.get(namespace) {
            Some(labels) => Cow::Borrowed(labels),
            None => Cow::Owned(Labels::from([(
                NAMESPACE_NAME_LABEL.to_owned(),
                namespace.to_owned(),
            )])),
        }
    }

    /// Whether the input comes from a cluster (`kubectl get -o yaml`): some object carries
    /// fields only the API server writes (`uid`, `resourceVersion`, `creationTimestamp`, a
    /// Pod's `status`).
    pub fn is_snapshot(&self) -> bool {
        self.snapshot
    }

    /// Every edge of the graph for export, sorted by source object, relation and site.
    pub fn edges(&self) -> Vec<Edge<'a>> {
        let inv = self.inventory;
        let mut out = Vec::new();
        for s in &self.selections {
            let from = inv.get(s.object);
            let site = s.node.unwrap_or(from.node);
            let mut targets: Vec<ObjectId> =
                s.pods.iter().map(|p| self.pods.pod(*p).object).collect();
            targets.sort();
            targets.dedup();
            out.extend(targets.into_iter().map(|t| Edge {
                from: s.object,
                file: from.file,
                to: EdgeTarget::Object(t),
                relation: Relation::Selects,
                site,
            }));
        }
        for r in &self.references {
            out.push(Edge {
                from: r.from,
                file: inv.get(r.from).file,
                to: match r.target {
                    Some(t) => EdgeTarget::Object(t),
                    None => EdgeTarget::Missing {
                        kind: r.kind,
                        namespace: r.namespace,
                        name: r.name.value,
                    },
                },
                relation: r.relation,
                site: r.name.node,
            });
        }
        for b in &self.backends {
            let from = inv.get(b.ingress);
            out.push(Edge {
                from: b.ingress,
                file: from.file,
                to: match b.service {
                    Some(t) => EdgeTarget::Object(t),
                    None => EdgeTarget::Missing {
                        kind: "Service",
                        namespace: from.namespace,
                        name: b.backend.service.value,
                    },
                },
                relation: Relation::Backend,
                site: b.backend.service.node,
            });
        }
        out.sort_by_key(|e| (e.from, e.relation, e.site.range().start));
        out
    }
}

/// A key no namespace can have (`/` is not allowed in names), counting a kind everywhere.
const ANY_NAMESPACE: &str = "/any";

/// One edge for export.
#[derive(Clone, Copy, Debug)]
pub struct Edge<'a> {
    pub from: ObjectId,
    pub to: EdgeTarget<'a>,
    pub relation: Relation,
    /// Where the reference is written (in `file`, the source object's file).
    pub site: NodeRef<'a>,
    pub file: FileId,
}

/// Where an edge leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeTarget<'a> {
    Object(ObjectId),
    /// An object the input does not contain.
    Missing {
        kind: &'a str,
        namespace: Option<&'a str>,
        name: &'a str,
    },
}

/// Index of a pod shape in [`LabelIndex::pods`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodId(pub u32);

/// A pod as selectors see it: its namespace and labels, and the object it comes from.
#[derive(Clone, Debug)]
pub struct PodShape<'a> {
    pub object: ObjectId,
    pub namespace: &'a str,
    /// As written (borrowed from the input), the last of a repeated key winning.
    pub labels: LabelRefs<'a>,
    /// For a workload's pod template: the workload's kind and name, whose controller adds
    /// labels of its own to every pod it creates (see [`generated_label`]). `None` for Pods.
    pub template_of: Option<(&'a str, &'a str)>,
}

/// Labels a controller adds to the pods it creates, which its template does not carry.
const GENERATED_KEYS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "job-name",
    "controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
];

/// Whether the controller of a `kind` workload named `name` gives some of its pods the label
/// `key=value` (`None` for any value): `statefulset.kubernetes.io/pod-name=web-0` on the
/// first pod of StatefulSet `web`, a `pod-template-hash` on every Deployment pod. `Some(false)`
/// when the key is one the controller sets but never to `value`; `None` when the controller
/// does not set the key at all.
pub fn generated_label(kind: &str, name: &str, key: &str, value: Option<&str>) -> Option<bool> {
    let numeric = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    let any = Some(true);
    match (kind, key) {
        ("Deployment", "pod-template-hash") => any,
        ("StatefulSet" | "DaemonSet", "controller-revision-hash") => any,
        ("DaemonSet", "pod-template-generation") => any,
        ("StatefulSet", "statefulset.kubernetes.io/pod-name") => Some(value.is_none_or(|v| {
            v.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(numeric)
        })),
        ("StatefulSet", "apps.kubernetes.io/pod-index")
        | ("Job" | "CronJob", "batch.kubernetes.io/job-completion-index") => {
            Some(value.is_none_or(numeric))
        }
        ("Job", "job-name" | "batch.kubernetes.io/job-name") => {
            Some(value.is_none_or(|v| v == name))
        }
        // A CronJob's Jobs are named `<name>-<scheduled time>`.
        ("CronJob", "job-name" | "batch.kubernetes.io/job-name") => {
            Some(value.is_none_or(|v| v.strip_prefix(name).is_some_and(|r| r.starts_with('-'))))
        }
        ("Job" | "CronJob", "controller-uid" | "batch.kubernetes.io/controller-uid") => any,
        _ => None,
    }
}

impl PodShape<'_> {
    /// Whether the shape's pods carry the label `key`: written, or added by the controller.
    pub fn has_label(&self, key: &str) -> bool {
        self.labels.contains_key(key)
            || self
                .template_of
                .is_some_and(|(kind, name)| generated_label(kind, name, key, None).is_some())
    }

    /// Whether `selector` matches this shape. For a template, a requirement on a label the
    /// workload's controller adds to its pods is judged by what the controller would write.
    pub fn matches(&self, selector: &LabelSelector) -> bool {
        let Some((kind, name)) = self.template_of else {
            return selector.matches(&self.labels);
        };
        let generated = |key: &str, value: Option<&str>| {
            if self.labels.contains_key(key) {
                None
            } else {
                generated_label(kind, name, key, value)
            }
        };
        selector.match_labels.iter().all(|(k, v)| {
            generated(k, Some(v)).unwrap_or_else(|| self.labels.label(k) == Some(v.as_str()))
        }) && selector
            .match_expressions
            .iter()
            .all(|r| match (generated(&r.key, None), &r.op) {
                (None, _) => r.matches(&self.labels),
                (Some(_), Operator::DoesNotExist) => false,
                (Some(_), Operator::In) => r
                    .values
                    .iter()
                    .any(|v| generated(&r.key, Some(v)) == Some(true)),
                (Some(_), _) => true,
            })
    }
}

/// Pods by namespace and by `key=value`.
#[derive(Debug, Default)]
pub struct LabelIndex<'a> {
    pub pods: Vec<PodShape<'a>>,
    by_namespace: HashMap<&'a str, Vec<PodId>>,
    /// (namespace, key, value) → pods, the strings borrowed from the input.
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<PodId>>,
}

impl<'a> LabelIndex<'a> {
    /// Indexes every Pod and every workload's pod template (by the template's labels, so a
    /// template without a `spec` still counts). An object that repeats an earlier one byte for
    /// byte ([`Inventory::copy_of`]: the same manifests concatenated) is the same object and
    /// its pods are indexed once: otherwise n copies of a Service and its Deployment in one
    /// namespace would make n² matches.
    pub fn build(inventory: &Inventory<'a>) -> Self {
        let mut index = LabelIndex::default();
        for obj in &inventory.objects {
            if inventory.copy_of(obj.id).is_some() {
                continue;
            }
            // The pod's metadata: a Pod's own, or a workload template's. A template without a
            // `spec` is still indexed: its labels are what selectors are written against.
            let metadata = if obj.kind == "Pod" {
                obj.metadata()
            } else {
                match kinds::pod_template_path(obj.kind).and_then(|p| obj.node.path(p)) {
                    Some(template) => template.get("metadata"),
                    None => continue,
                }
            };
            let Some(namespace) = obj.namespace else {
                continue;
            };
            // As written, the last of a repeated key winning as in `Labels`.
            let labels: LabelRefs<'a> =
                string_map(metadata.and_then(|m| m.get("labels"))).collect();
            let id = PodId(index.pods.len() as u32);
            index.by_namespace.entry(namespace).or_default().push(id);
            for (&k, &v) in &labels {
                index
                    .by_label
                    .entry((namespace, k, v))
                    .or_default()
                    .push(id);
            }
            index.pods.push(PodShape {
                object: obj.id,
                namespace,
                labels,
                template_of: (obj.kind != "Pod").then_some((obj.kind, obj.name)),
            });
        }
        index
    }

    pub fn pod(&self, id: PodId) -> &PodShape<'a> {
        &self.pods[id.0 as usize]
    }

    /// Every pod shape of `namespace`, in input order.
    pub fn in_namespace(&self, namespace: &str) -> &[PodId] {
        self.by_namespace.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The namespaces that have pod shapes, sorted.
    pub fn namespaces(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = self.by_namespace.keys().copied().collect();
        out.sort_unstable();
        out
    }

    /// The pod shape of `namespace` that comes closest to matching `selector`, for messages
    /// about a selector that matches nothing: fewest failed requirements, then fewest
    /// selector keys missing altogether, then the smallest edit distance between the wanted
    /// and the actual values, then input order. Looks only at one namespace's shapes, and is
    /// meant to be called only once a selection came out empty.
    pub fn closest(&self, namespace: &str, selector: &LabelSelector) -> Option<PodId> {
        self.in_namespace(namespace)
            .iter()
            .copied()
            .min_by_key(|id| {
                let shape = self.pod(*id);
                let labels = &shape.labels;
                let missing = selector
                    .match_labels
                    .iter()
                    .filter(|(k, _)| !shape.has_label(k))
                    .count();
                let edits: usize = selector
                    .match_labels
                    .iter()
                    .filter_map(|(k, v)| labels.label(k).map(|have| edit_distance(v, have)))
                    .sum();
                (label_distance(selector, labels), missing, edits, *id)
            })
    }

    /// The pods of `namespace` that `selector` matches, in input order. An empty selector
    /// matches every pod of the namespace; callers apply the field's nil/empty meaning first.
    pub fn select(&self, namespace: &str, selector: &LabelSelector) -> Vec<PodId> {
        let empty = Vec::new();
        // Start from the smallest posting list an equality requirement offers.
        // Labels a controller adds are not in the index; they cannot narrow the candidates.
        let equalities = selector
            .match_labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .filter(|(k, _)| !GENERATED_KEYS.contains(k))
            .chain(
                selector
                    .match_expressions
                    .iter()
                    .filter(|r| r.op == Operator::In && r.values.len() == 1)
                    .filter(|r| !GENERATED_KEYS.contains(&r.key.as_str()))
                    .map(|r| (r.key.as_str(), r.values[0].as_str())),
            );
        // The map is covariant in its keys' lifetimes: look up with the selector's.
        let by_label: &HashMap<(&str, &str, &str), Vec<PodId>> = &self.by_label;
        let candidates = equalities
            .map(|(k, v)| by_label.get(&(namespace, k, v)).unwrap_or(&empty))
            .min_by_key(|ids| ids.len())
            .unwrap_or_else(|| self.by_namespace.get(namespace).unwrap_or(&empty));
        candidates
            .iter()
            .copied()
            .filter(|id| self.pod(*id).matches(selector))
            .collect()
    }
}

/// The Levenshtein distance over characters between `a` and `b` when it is at most `limit`,
/// else `None`; stops as soon as every entry of a row is over the limit, so ranking near
/// misses among many names costs little for the names that are not near.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit * 4 {
        // Bytes: a character is 1–4 of them, so this only skips the hopeless.
        return None;
    }
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        let mut least = row[0];
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            least = least.min(row[j + 1]);
            prev = cur;
        }
        if least > limit {
            return None;
        }
    }
    Some(row[b.len()]).filter(|d| *d <= limit)
}

/// Levenshtein distance over characters, for ranking near misses.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use faultline_model::selector::Requirement;
    use faultline_model::{ModelOptions, Object};

    use super::*;

    #[test]
    fn bounded_edit_distance_agrees_with_the_full_one() {
        let words = [
            "",
            "a",
            "db",
            "postgres",
            "postgresql",
            "db-migrate",
            "db-migration",
            "api-config",
            "api-cfg",
            "user-svc",
            "user-service",
            "服务",
            "服务器",
            "kafka-0",
            "kafak-0",
        ];
        for a in words {
            for b in words {
                let d = edit_distance(a, b);
                for limit in 0..8 {
                    assert_eq!(
                        edit_distance_within(a, b, limit),
                        (d <= limit).then_some(d),
                        "{a:?} {b:?} within {limit}"
                    );
                }
            }
        }
    }

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
    fn byte_for_byte_copies_are_indexed_once() {
        let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n";
        let copies = [PODS, PODS, PODS].join("---\n");
        let text = format!("{copies}---\n{svc}---\n{svc}");
        let parsed = vec![faultline_syntax::yaml::parse_yaml(&Arc::from(
            text.as_str(),
        ))];
        let options = ModelOptions::default();
        let inv = Inventory::build(&parsed, &options);
        let graph = Graph::build(&inv);
        assert_eq!(graph.pods.pods.len(), 3, "one shape per distinct object");
        let services: Vec<&Object<'_>> = inv.of_kind("Service").collect();
        assert_eq!(services.len(), 2);
        for s in services {
            let selected = &graph.selection(s.id).expect("a selection").pods;
            assert_eq!(names(&graph.pods, &inv, selected), ["web"]);
        }
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
