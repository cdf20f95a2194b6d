//! Cause chains: for each status finding (a symptom), the configuration and the other findings
//! that explain it, most likely first, each with why it is suspected and the `kubectl` command
//! that would confirm it on the live cluster.
//!
//! Chains are built after the engine has run, from its findings and the objects they carry
//! (`Diagnostic::object_id`, `Related::object_id`): the pods a symptom is about (the finding's
//! object and the pods among its related entries), their status, Events and logs
//! ([`facts`]), and the findings of other rules on the same pods or the workloads that own
//! them. A symptom can be the cause of another (a Service without ready endpoints ← its pods
//! crash-looping ← OOM kills ← a heap flag); the link is kept as a cause naming the other
//! finding's rule.
//!
//! - [`facts`]: what a set of pods went through;
//! - [`pod`]: the causes of what happened to pods (memory, probes, network, images,
//!   configuration, scheduling, quotas, the program itself);
//! - [`objects`]: the causes of Service, Node, quota and claim symptoms;
//! - [`jobs`]: the causes of failed Jobs and stalled CronJobs;
//! - [`init`]: the causes of pods held in their init containers;
//! - [`pdb`]: the causes of a PodDisruptionBudget that allows no disruption;
//! - [`hpa`]: the causes of a HorizontalPodAutoscaler that does not scale (containers of the
//!   running pods without a request for the scaled resource, injected ones included);
//! - [`wording`]: how causes and their `kubectl` commands are written.

use crate::ids;
use std::collections::HashMap;
use std::sync::OnceLock;

use faultline_diagnostics::{Category, Diagnostic, Location, ObjectRef, Related};
use faultline_model::provenance::ManifestIndex;
use faultline_model::views::Event;
use faultline_model::{Inventory, Object, ObjectId};
use faultline_rules::evidence::controllers_in_input;
use faultline_rules::{Context, object_ref};

pub mod admission;
pub mod facts;
pub mod hpa;
pub mod init;
pub mod jobs;
pub mod objects;
pub mod pdb;
pub mod pod;
pub mod preemption;
pub mod wording;

use facts::PodFacts;

/// One suspected cause of a symptom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// What is suspected: "the memory limit `2Gi` of container `app`".
    pub what: String,
    /// Why: the evidence that points at it.
    pub why: String,
    /// The rule of the finding that names this cause, when one does.
    pub rule: Option<&'static str>,
    /// That finding's message.
    pub detail: Option<String>,
    /// The object `location` is in, for output.
    pub object: Option<ObjectRef>,
    /// The object of the checked input the cause is about (the running object when `location`
    /// was moved to a manifest).
    pub object_id: Option<ObjectId>,
    /// The configuration to change (or the finding that names it): in the manifest the
    /// running object was created from, when the run has manifests and one matches.
    pub location: Option<Location>,
    /// Where the running object (in the snapshot) holds it, when `location` is in a manifest.
    pub running: Option<Location>,
    /// `kubectl` commands that would confirm it on the live cluster.
    pub confirm: Vec<String>,
    /// How likely, 0–100; causes are sorted by it.
    pub score: u8,
}

/// The causes of the finding at `symptom` (an index into the findings), most likely first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub symptom: usize,
    pub causes: Vec<Cause>,
}

impl Chain {
    /// The causes as a finding's notes, for the formats that list them with the finding:
    /// `suspected cause 1 of 3: … (finding `rule`); why: …`.
    pub fn related_entries(&self) -> Vec<Related> {
        let n = self.causes.len();
        self.causes
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let finding = c
                    .rule
                    .map(|r| format!(" (finding `{r}`)"))
                    .unwrap_or_default();
                Related {
                    message: format!(
                        "suspected cause {} of {n}: {}{finding}; why: {}",
                        k + 1,
                        c.what,
                        c.why
                    ),
                    object: c.object.clone(),
                    object_id: c.object_id,
                    location: c.location,
                }
            })
            .collect()
    }
}

/// Every finding by the objects it carries (its own and those of its related entries), and by
/// rule.
pub(crate) struct Findings<'d> {
    inventory: &'d Inventory<'d>,
    diags: &'d [Diagnostic],
    by_object: HashMap<ObjectId, Vec<usize>>,
    by_rule: HashMap<&'static str, Vec<usize>>,
    /// The `Preempted` Events, by the namespace of the pod they are about (`""` for none),
    /// built on first use
    /// (`preemption.rs`: each workload short of pods looks there, not at every Event).
    preempted: OnceLock<HashMap<&'d str, Vec<ObjectId>>>,
}

impl<'d> Findings<'d> {
    fn new(inventory: &'d Inventory<'d>, diags: &'d [Diagnostic]) -> Self {
        let mut by_object: HashMap<ObjectId, Vec<usize>> = HashMap::new();
        let mut by_rule: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, d) in diags.iter().enumerate() {
            by_rule.entry(d.rule).or_default().push(i);
            let objects = d
                .object_id
                .into_iter()
                .chain(d.related.iter().filter_map(|r| r.object_id));
            for o in objects {
                let list = by_object.entry(o).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        Self {
            inventory,
            diags,
            by_object,
            by_rule,
            preempted: OnceLock::new(),
        }
    }

    /// The `Preempted` Events about pods of `namespace` (the Event's `involvedObject`
    /// namespace, else its own), in input order.
    pub(crate) fn preempted_events(&self, namespace: Option<&str>) -> &[ObjectId] {
        let index = self.preempted.get_or_init(|| {
            let mut index: HashMap<&'d str, Vec<ObjectId>> = HashMap::new();
            for obj in self.inventory.of_kind("Event") {
                if obj.node.get("reason").and_then(|r| r.scalar_text()) != Some("Preempted") {
                    continue;
                }
                let subject_ns = Event::of(obj)
                    .and_then(|e| e.object_ref())
                    .and_then(|s| s.namespace())
                    .map(|n| n.value)
                    .filter(|n| !n.is_empty());
                index
                    .entry(subject_ns.or(obj.namespace).unwrap_or_default())
                    .or_default()
                    .push(obj.id);
            }
            index
        });
        index
            .get(namespace.unwrap_or_default())
            .map_or(&[], Vec::as_slice)
    }

    /// The findings of `rule`, in order.
    pub(crate) fn of_rule(&self, rule: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_rule.get(rule).into_iter().flatten().copied()
    }

    /// The findings of `rules` whose own object is one of `ids` (or the same Kubernetes object:
    /// a manifest read beside the snapshot of what it created).
    pub(crate) fn on(&self, ids: &[ObjectId], rules: &[&str]) -> Vec<usize> {
        self.matching(ids, rules, |d, id| d.object_id == Some(id))
    }

    /// The findings of `rules` that name one of `ids` anywhere (their object or a related
    /// entry): a NetworkPolicy finding lists the workloads it isolates as related.
    pub(crate) fn naming(&self, ids: &[ObjectId], rules: &[&str]) -> Vec<usize> {
        self.matching(ids, rules, |_, _| true)
    }

    fn matching(
        &self,
        ids: &[ObjectId],
        rules: &[&str],
        keep: impl Fn(&Diagnostic, ObjectId) -> bool,
    ) -> Vec<usize> {
        let keep = &keep;
        let mut out: Vec<usize> = ids
            .iter()
            .flat_map(|id| self.inventory.same_object(*id))
            .flat_map(|id| {
                self.by_object
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(move |i| keep(&self.diags[*i], id))
            })
            .filter(|i| rules.contains(&self.diags[*i].rule))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(crate) fn get(&self, i: usize) -> &'d Diagnostic {
        &self.diags[i]
    }
}

/// The chains of every status finding in `diags` (the engine's findings, in output order)
/// that has a suspected cause.
pub fn chains(cx: &Context<'_>, diags: &[Diagnostic]) -> Vec<Chain> {
    let findings = Findings::new(cx.inventory, diags);
    let mut out = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        if d.category != Category::Status {
            continue;
        }
        let mut causes = causes_of(cx, &findings, i);
        if let Some(manifests) = cx.manifests {
            for c in &mut causes {
                to_manifest(cx, manifests, c);
            }
        }
        causes.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.what.cmp(&b.what)));
        // The same cause reached twice (through two symptoms, or two findings naming it) is
        // listed once, at its highest score.
        let mut seen: Vec<(Option<Location>, String)> = Vec::new();
        causes.retain(|c| {
            let key = (c.location, c.what.clone());
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        });
        if !causes.is_empty() {
            out.push(Chain { symptom: i, causes });
        }
    }
    out
}

/// Points `cause` at the line of the manifest its running object was created from.
fn to_manifest(cx: &Context<'_>, manifests: &ManifestIndex<'_>, cause: &mut Cause) {
    let (Some(id), Some(location)) = (cause.object_id, cause.location) else {
        return;
    };
    let Some(range) = location.range else {
        return;
    };
    let obj = cx.inventory.get(id);
    if obj.file != location.file {
        return;
    }
    let Some(found) = manifests.relocate(cx.inventory, obj, range) else {
        return;
    };
    let source = found.source.object;
    cause.running = Some(location);
    cause.location = Some(Location::new(source.file, found.range));
    cause.object = Some(object_ref(source));
    if !found.exact {
        cause.why.push_str(
            "; the manifest does not write this field, so its nearest enclosing field is shown",
        );
    }
}

/// The objects of `kind` a finding is about, its own first, then those of its related entries,
/// each once.
pub fn named<'a>(inventory: &'a Inventory<'a>, d: &Diagnostic, kind: &str) -> Vec<&'a Object<'a>> {
    let mut out: Vec<&'a Object<'a>> = Vec::new();
    let ids = d
        .object_id
        .into_iter()
        .chain(d.related.iter().filter_map(|r| r.object_id));
    for o in ids.map(|id| inventory.get(id)).filter(|o| o.kind == kind) {
        if !out.iter().any(|p| p.id == o.id) {
            out.push(o);
        }
    }
    out
}

/// The object a finding is about, when it is one of the input's.
pub(crate) fn object_of<'a>(cx: &Context<'a>, d: &Diagnostic) -> Option<&'a Object<'a>> {
    d.object_id.map(|id| cx.inventory.get(id))
}

/// The ids of `objects` and of their controllers in the input ([`controllers_in_input`]).
pub(crate) fn with_owners<'a>(
    inventory: &'a Inventory<'a>,
    objects: &[&'a Object<'a>],
) -> Vec<ObjectId> {
    let mut ids: Vec<ObjectId> = objects
        .iter()
        .flat_map(|o| {
            std::iter::once(o.id)
                .chain(controllers_in_input(inventory, o).into_iter().map(|c| c.id))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn causes_of(cx: &Context<'_>, findings: &Findings<'_>, i: usize) -> Vec<Cause> {
    let d = findings.get(i);
    match d.rule {
        ids::SERVICE_NO_READY_ENDPOINTS => objects::service_causes(cx, findings, d),
        ids::NODE_UNDER_PRESSURE | ids::NODE_NOT_READY => objects::node_causes(cx, findings, d),
        ids::QUOTA_EXHAUSTED => objects::quota_causes(findings, d),
        ids::PVC_PENDING => objects::pvc_causes(findings, d),
        ids::JOB_FAILED | ids::JOB_STUCK => jobs::job_causes(cx, findings, d, i),
        ids::PDB_DISRUPTIONS_BLOCKED => pdb::pdb_causes(cx, findings, d),
        ids::HPA_NOT_SCALING => hpa::hpa_causes(cx, findings, d),
        ids::CRONJOB_STALLED => jobs::cronjob_causes(cx, findings, d),
        ids::WORKLOAD_UNAVAILABLE | ids::DAEMONSET_ROLLOUT_STUCK => {
            let Some(workload) = object_of(cx, d) else {
                return Vec::new();
            };
            let pods = objects::pods_of_workload(cx, workload);
            let facts = PodFacts::gather(cx, pods);
            let mut causes = pod::symptom_links(findings, &facts, i);
            causes.extend(pod::pod_causes(findings, &facts));
            causes.extend(pod::quota_failures(cx, findings, workload));
            causes.extend(admission::pod_security_failures(cx, findings, workload));
            causes.extend(preemption::preempted(cx, findings, workload));
            causes
        }
        _ => {
            let mut causes = Vec::new();
            if d.rule == ids::ROLLOUT_STALLS
                && let Some(workload) = object_of(cx, d)
            {
                causes = admission::pod_security_failures(cx, findings, workload);
            }
            let pods = named(cx.inventory, d, "Pod");
            if pods.is_empty() {
                return causes;
            }
            let facts = PodFacts::gather(cx, pods);
            causes.extend(init::init_causes(cx, findings, &facts));
            causes.extend(pod::pod_causes(findings, &facts));
            causes
        }
    }
}
