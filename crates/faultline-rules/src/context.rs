//! What a rule may look at.

use std::any::Any;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use faultline_graph::netpol::NetworkModel;
use faultline_graph::{Graph, PodSelection, SelectionGroup};
use faultline_model::intorstr::IntOrString;
use faultline_model::provenance::ManifestIndex;
use faultline_model::snapshot::Snapshot;
use faultline_model::time::Timestamp;
use faultline_model::views::LimitRange;
use faultline_model::views::service::Service;
use faultline_model::{Inventory, ObjectId, field, kinds};
use faultline_syntax::{ParsedText, SourceFile};

use crate::admission_policy::PolicyRun;
use crate::schema::SchemaRun;
use crate::settings::RuleParams;
use crate::settings::Settings;

/// Services that select the same pods and target the same ports
/// ([`Context::services_selecting`]).
#[derive(Debug)]
pub struct TargetClass {
    /// `publishNotReadyAddresses: true`: pods are endpoints before they are ready.
    pub publish_not_ready: bool,
    /// Each port's `targetPort` (its `port` when not written), in order.
    pub targets: Vec<IntOrString>,
    /// The Services, in input order.
    pub services: Vec<ObjectId>,
}

/// Pod shapes → the Services selecting them, by selection group and target class.
#[derive(Debug, Default)]
struct ServiceIndex {
    by_pod: HashMap<ObjectId, Vec<SelectionGroup>>,
    classes: HashMap<SelectionGroup, Vec<TargetClass>>,
}

/// The input of a run, read-only, shared by every rule.
#[derive(Debug)]
pub struct Context<'a> {
    pub files: &'a [SourceFile],
    pub parsed: &'a [ParsedText],
    pub inventory: &'a Inventory<'a>,
    /// How the objects select and reference each other.
    pub graph: &'a Graph<'a>,
    pub settings: &'a Settings,
    /// The NetworkPolicy model, built on first use by a network rule.
    network: OnceLock<NetworkModel<'a>>,
    /// Events, pods by node, logs and "now", built on first use by a status rule.
    snapshot: OnceLock<Snapshot<'a>>,
    /// LimitRanges by namespace, sorted by name, built on first use.
    limit_ranges: OnceLock<HashMap<&'a str, Vec<ObjectId>>>,
    /// Pod (or workload) → the Services whose selectors match its pods, built on first use.
    services_selecting: OnceLock<ServiceIndex>,
    /// Selection group → one pod shape per distinct pod spec, each built on first use.
    distinct_shapes: OnceLock<Vec<OnceLock<Vec<ObjectId>>>>,
    /// The schemas of the target version and the input's CRDs, and each object's problems
    /// against them, built on first use by a schema rule.
    schema: OnceLock<SchemaRun<'a>>,
    /// The ValidatingAdmissionPolicies of the input, compiled once and evaluated on every
    /// object they match, built on first use by an `admission-policy-*` rule.
    admission_policies: OnceLock<PolicyRun<'a>>,
    /// Rule id → the rule's typed `Params`, read from `settings` on first use; one slot per
    /// rule of the registry that has parameters.
    params: HashMap<&'static str, OnceLock<Box<dyn Any + Send + Sync>>>,
    /// The manifests the running objects were created from (`triage --manifests`): causes
    /// point into them.
    pub manifests: Option<&'a ManifestIndex<'a>>,
}

impl<'a> Context<'a> {
    /// The context of a run over `graph`'s inventory.
    pub fn new(
        files: &'a [SourceFile],
        parsed: &'a [ParsedText],
        graph: &'a Graph<'a>,
        settings: &'a Settings,
    ) -> Self {
        Self {
            files,
            parsed,
            inventory: graph.inventory,
            graph,
            settings,
            network: OnceLock::new(),
            snapshot: OnceLock::new(),
            limit_ranges: OnceLock::new(),
            services_selecting: OnceLock::new(),
            distinct_shapes: OnceLock::new(),
            schema: OnceLock::new(),
            admission_policies: OnceLock::new(),
            params: crate::registry::ALL
                .iter()
                .map(|r| r.meta())
                .filter(|m| !m.params.is_empty())
                .map(|m| (m.info.id, OnceLock::new()))
                .collect(),
            manifests: None,
        }
    }

    /// The context with the manifests the running objects were created from.
    #[must_use]
    pub fn with_manifests(mut self, manifests: &'a ManifestIndex<'a>) -> Self {
        self.manifests = Some(manifests);
        self
    }

    /// The Services whose selector matches the pods of `obj` (a Pod, or a workload through its
    /// pod template), as classes of Services that select the same pods and target the same
    /// ports, ordered by their first Service: the graph's Service → pods relation, reversed
    /// once per selection group, so that n renamed copies of a Service selecting the pods of
    /// n copies of a workload index n entries and read as one class, not n².
    pub fn services_selecting(&self, obj: ObjectId) -> Vec<&TargetClass> {
        let index = self.services_selecting.get_or_init(|| self.service_index());
        let mut out: Vec<&TargetClass> = index
            .by_pod
            .get(&obj)
            .into_iter()
            .flatten()
            .filter_map(|g| index.classes.get(g))
            .flatten()
            .collect();
        out.sort_by_key(|c| c.services[0]);
        out
    }

    fn service_index(&self) -> ServiceIndex {
        let mut index = ServiceIndex::default();
        for g in (0..self.graph.group_count()).map(|g| SelectionGroup(g as u32)) {
            let mut classes: Vec<TargetClass> = Vec::new();
            let mut class_of: HashMap<(bool, Vec<IntOrString>), usize> = HashMap::new();
            for id in self.graph.group_members(g) {
                let Some(svc) = Service::of(self.inventory.get(*id)) else {
                    continue;
                };
                let publish_not_ready =
                    field::bool(svc.spec, "publishNotReadyAddresses").is_some_and(|f| f.value);
                let targets: Vec<IntOrString> = svc
                    .ports()
                    .filter_map(|p| p.target_port())
                    .map(|t| t.value)
                    .collect();
                match class_of.entry((publish_not_ready, targets)) {
                    Entry::Occupied(i) => classes[*i.get()].services.push(*id),
                    Entry::Vacant(slot) => {
                        classes.push(TargetClass {
                            publish_not_ready,
                            targets: slot.key().1.clone(),
                            services: vec![*id],
                        });
                        slot.insert(classes.len() - 1);
                    }
                }
            }
            let Some(sel) = classes
                .first()
                .and_then(|c| self.graph.selection(c.services[0]))
            else {
                continue;
            };
            for p in sel.pods.iter() {
                let list = index
                    .by_pod
                    .entry(self.graph.pods.pod(*p).object)
                    .or_default();
                if list.last() != Some(&g) {
                    list.push(g);
                }
            }
            index.classes.insert(g, classes);
        }
        index
    }

    /// The pod shapes a selection matches, one per distinct pod spec (the text of the Pod's
    /// `spec` or the template's), in input order: what the selected pods declare and run,
    /// read once however many copies of a workload a selector matches.
    pub fn distinct_shapes(&self, sel: &PodSelection<'_>) -> &[ObjectId] {
        let slots = self.distinct_shapes.get_or_init(|| {
            (0..self.graph.group_count())
                .map(|_| OnceLock::new())
                .collect()
        });
        let Some(slot) = slots.get(sel.group.0 as usize) else {
            return &[];
        };
        slot.get_or_init(|| {
            let mut seen_objects = HashSet::new();
            let mut seen_specs: HashSet<&str> = HashSet::new();
            let mut out = Vec::new();
            for p in sel.pods.iter() {
                let obj = self.inventory.get(self.graph.pods.pod(*p).object);
                if !seen_objects.insert(obj.id) {
                    continue;
                }
                let spec = if obj.kind == "Pod" {
                    obj.node.get("spec")
                } else {
                    kinds::pod_template_path(obj.kind)
                        .and_then(|path| obj.node.path(path))
                        .and_then(|t| t.get("spec"))
                };
                let distinct = spec.is_none_or(|spec| {
                    let range = spec.range();
                    let text = spec
                        .tree()
                        .source()
                        .get(range.start as usize..range.end as usize)
                        .unwrap_or_default();
                    // A spec shown as `{}` or written in flow style on one line is its own
                    // text; any two equal texts in one namespace run the same containers.
                    seen_specs.insert(text)
                });
                if distinct {
                    out.push(obj.id);
                }
            }
            out
        })
    }

    /// The LimitRanges of `namespace` in the input, in the order the API server lists (and
    /// the LimitRanger admission plugin applies) them: by name.
    pub fn limit_ranges(&self, namespace: &str) -> impl Iterator<Item = LimitRange<'a>> + '_ {
        let index = self.limit_ranges.get_or_init(|| {
            let mut index: HashMap<&'a str, Vec<ObjectId>> = HashMap::new();
            for obj in self.inventory.of_kind("LimitRange") {
                if let Some(ns) = obj.namespace {
                    index.entry(ns).or_default().push(obj.id);
                }
            }
            for ids in index.values_mut() {
                ids.sort_by_key(|id| (self.inventory.get(*id).name, *id));
            }
            index
        });
        index
            .get(namespace)
            .into_iter()
            .flatten()
            .filter_map(|id| LimitRange::of(self.inventory.get(*id)))
    }

    /// What the snapshot records beside its objects (Events by object, pods by node, pod
    /// logs) and the time it was taken, built once.
    pub fn snapshot(&self) -> &Snapshot<'a> {
        self.snapshot
            .get_or_init(|| Snapshot::build(self.inventory, self.files, self.settings.now))
    }

    /// The time findings are judged at: `--now` (or `now:` in `.faultline.yaml`), else the
    /// latest timestamp in the input; never the wall clock.
    pub fn now(&self) -> Option<Timestamp> {
        self.snapshot().now
    }

    /// Schema validation at the target version (`schema-*` rules, `api-unknown`), set up once.
    pub(crate) fn schema(&self) -> &SchemaRun<'a> {
        self.schema
            .get_or_init(|| SchemaRun::new(self.inventory, self.settings.kube_version))
    }

    /// The ValidatingAdmissionPolicies of the input evaluated on every object they match
    /// (`admission-policy-*` rules), once per run.
    pub fn admission_policies(&self) -> &PolicyRun<'a> {
        self.admission_policies
            .get_or_init(|| PolicyRun::build(self.inventory))
    }

    /// The NetworkPolicy model of the run (pod classes, isolation, peers), built once.
    pub fn network(&self) -> &NetworkModel<'a> {
        self.network
            .get_or_init(|| NetworkModel::build(self.graph, self.settings.network))
    }

    /// The innermost object whose node contains `offset` in `file` (a list item rather than
    /// its list), for findings made below the object level such as duplicate keys.
    pub fn object_at(
        &self,
        file: faultline_syntax::FileId,
        offset: u32,
    ) -> Option<&faultline_model::Object<'a>> {
        let objects = &self.inventory.objects;
        let end = objects.partition_point(|o| (o.file, o.node.range().start) <= (file, offset));
        objects[..end]
            .iter()
            .rev()
            .take_while(|o| o.file == file)
            .find(|o| o.node.range().contains(offset))
    }

    /// The typed parameters of a rule (its module's `Params`, which `declare_rule!` generates;
    /// rules call `Self::params(cx)`): the configured values, else the declared defaults,
    /// parsed once per run.
    ///
    /// # Panics
    /// When the rule is not in the registry.
    pub fn params<P: RuleParams>(&self) -> &P {
        let id = P::META.info.id;
        self.params
            .get(id)
            .unwrap_or_else(|| panic!("rule `{id}` has parameters but is not in the registry"))
            .get_or_init(|| Box::new(P::read(self.settings)))
            .downcast_ref()
            .expect("a rule's parameters are its module's `Params`")
    }
}
