//! What a rule may look at.

use std::any::Any;
use std::collections::HashMap;
use std::sync::OnceLock;

use faultline_graph::Graph;
use faultline_graph::netpol::NetworkModel;
use faultline_model::provenance::ManifestIndex;
use faultline_model::snapshot::Snapshot;
use faultline_model::time::Timestamp;
use faultline_model::views::LimitRange;
use faultline_model::{Inventory, ObjectId};
use faultline_syntax::{ParsedText, SourceFile};

use crate::params::RuleParams;
use crate::settings::Settings;

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
    services_selecting: OnceLock<HashMap<ObjectId, Vec<ObjectId>>>,
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
    /// pod template), in input order: the graph's Service → pods relation, reversed once.
    pub fn services_selecting(&self, obj: ObjectId) -> &[ObjectId] {
        let index = self.services_selecting.get_or_init(|| {
            let mut index: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
            for s in &self.graph.selections {
                if self.inventory.get(s.object).kind != "Service" {
                    continue;
                }
                for p in &s.pods {
                    let list = index.entry(self.graph.pods.pod(*p).object).or_default();
                    if list.last() != Some(&s.object) {
                        list.push(s.object);
                    }
                }
            }
            index
        });
        index.get(&obj).map_or(&[], Vec::as_slice)
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
