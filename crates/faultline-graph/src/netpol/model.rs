//! The network model of a run: pods grouped into equivalence classes, the policies that
//! isolate each class, and what every policy peer matches, so that connectivity is computed
//! per class pair rather than per pod pair.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use faultline_model::pod::PodTemplate;
use faultline_model::selector::{LabelRefs, LabelSelector, Labels};
use faultline_model::views::Namespace;
use faultline_model::{Object, ObjectId};
use faultline_syntax::visible::visible;

use super::conn::{ConnSet, Protocol};
use super::ip::{Interval, IpBlock};
use super::policy::{ContainerPort, Direction, Peer, Policy, Rule, read_policy};
use crate::{Graph, PodId};

/// How the evaluator reads the corner cases where CNIs and analyzers differ.
#[derive(Clone, Copy, Debug)]
pub struct NetOptions {
    /// `ipBlock` peers match pods whose IPs the input knows (as real CNIs do). Off, they
    /// match only addresses outside the cluster (np-guard's netpol-analyzer model).
    pub ipblock_matches_pods: bool,
}

impl Default for NetOptions {
    fn default() -> Self {
        Self {
            ipblock_matches_pods: true,
        }
    }
}

/// Index into [`NetworkModel::classes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);

/// Index into [`NetworkModel::workloads`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadId(pub u32);

/// Index into [`NetworkModel::policies`].
pub type PolicyIdx = usize;

/// Pods that no selector or policy can tell apart: same namespace, labels, container ports
/// and the same `ipBlock` peers containing their IPs.
#[derive(Clone, Debug)]
pub struct Class<'a> {
    pub namespace: &'a str,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    /// The blocks (by [`NetworkModel::ip_blocks`] index) that hold the pods' IP.
    pub ip_blocks: Vec<u32>,
    /// The pods of the class, in input order.
    pub pods: Vec<PodId>,
    pub workloads: Vec<WorkloadId>,
}

/// What connection lists call a peer: the pods of one owner, `ns/name[Kind]`.
#[derive(Clone, Debug)]
pub struct Workload<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    /// The workload object, or the Pod when the owner is not in the input.
    pub object: ObjectId,
    pub classes: Vec<ClassId>,
}

impl Workload<'_> {
    /// `ns/name[Kind]`, one visible line whatever the names hold.
    pub fn label(&self) -> String {
        format!(
            "{}/{}[{}]",
            visible(self.namespace),
            visible(self.name),
            visible(self.kind)
        )
    }
}

/// What one peer of one rule matches among the classes.
#[derive(Clone, Debug, Default)]
pub(crate) struct PeerMatch {
    /// Every class (and every pod the input does not show): the peer selects all pods of
    /// all namespaces.
    pub all: bool,
    /// Sorted.
    pub classes: Vec<ClassId>,
}

impl PeerMatch {
    fn contains(&self, c: ClassId) -> bool {
        self.all || self.classes.binary_search(&c).is_ok()
    }
}

/// A rule's address: policy, direction, index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    pub policy: PolicyIdx,
    pub dir: Direction,
    pub rule: usize,
}

/// Who is on the other end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Class(ClassId),
    /// An address range outside the cluster: a cell of the `ipBlock` partition.
    External(Interval),
    /// A pod of unknown namespace and labels (the ingress controller of an Ingress).
    AnyPod,
}

/// The network view of a run.
#[derive(Debug)]
pub struct NetworkModel<'a> {
    pub graph: &'a Graph<'a>,
    pub options: NetOptions,
    /// Every NetworkPolicy of the input, valid or not (see [`Policy::problems`]).
    pub policies: Vec<Policy<'a>>,
    pub classes: Vec<Class<'a>>,
    pub workloads: Vec<Workload<'a>>,
    /// Pod id → class, `None` for pods left out.
    pub pod_class: Vec<Option<ClassId>>,
    /// Object (Pod or workload) → the class of its pod shape.
    object_class: HashMap<ObjectId, ClassId>,
    /// Namespace → labels, including the implicit `kubernetes.io/metadata.name`.
    pub namespaces: BTreeMap<&'a str, Labels>,
    /// The distinct `ipBlock`s of the valid policies.
    pub ip_blocks: Vec<IpBlock>,
    /// The IPv4 cluster IPs of the input's Services, sorted.
    pub service_ips: Vec<(u32, ObjectId)>,
    /// Per class and direction, the valid policies that select it and isolate it.
    isolating: [Vec<Vec<PolicyIdx>>; 2],
    /// Per (rule, peer index), what the peer matches.
    peer_matches: HashMap<(RuleRef, usize), Arc<PeerMatch>>,
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// `status.podIPs` / `status.podIP` of a Pod.
pub fn pod_ips(obj: &Object<'_>) -> Vec<IpAddr> {
    let status = obj.status();
    let mut ips: Vec<IpAddr> = status
        .and_then(|s| s.get("podIPs"))
        .into_iter()
        .flat_map(|l| l.items())
        .filter_map(|i| i.get("ip")?.as_str()?.parse().ok())
        .collect();
    if let Some(ip) = status
        .and_then(|s| s.get("podIP"))
        .and_then(|n| n.as_str())
        .and_then(|s| s.parse().ok())
        && !ips.contains(&ip)
    {
        ips.push(ip);
    }
    ips
}

/// Every rule policy `pi` has in effect (ingress first), with its address.
pub fn policy_rules<'p, 'a>(
    pi: PolicyIdx,
    policy: &'p Policy<'a>,
) -> impl Iterator<Item = (RuleRef, &'p Rule<'a>)> + 'p {
    [Direction::Ingress, Direction::Egress]
        .into_iter()
        .flat_map(move |dir| {
            policy.rules(dir).into_iter().flatten().map(move |rule| {
                let r = RuleRef {
                    policy: pi,
                    dir,
                    rule: rule.index,
                };
                (r, rule)
            })
        })
}

/// The container ports of a pod shape (ports of init containers count: sidecars listen too).
pub fn container_ports(template: &PodTemplate<'_>) -> Vec<ContainerPort> {
    let mut out: Vec<ContainerPort> = template
        .containers()
        .flat_map(|c| c.declared_ports().collect::<Vec<_>>())
        .filter_map(|p| {
            let number = u16::try_from(p.number?.value).ok().filter(|n| *n > 0)?;
            Some(ContainerPort {
                name: p.name.map(|n| n.value.to_owned()),
                number,
                protocol: Protocol::parse(p.protocol)?,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The owner connection lists group a pod under: its nearest controller (not a Node; the
/// graph's owner walk), or the object itself.
fn owner_of<'a>(graph: &Graph<'a>, obj: &Object<'a>) -> (&'a str, &'a str) {
    if obj.kind == "Pod"
        && let Some(owner) = graph
            .controllers(obj.id)
            .into_iter()
            .find(|c| c.via == faultline_model::owners::Via::OwnerReference)
    {
        // An owner written without a kind keeps the pod's (as netpol-analyzer reads it).
        let kind = if owner.kind.is_empty() {
            obj.kind
        } else {
            owner.kind
        };
        return (kind, owner.name);
    }
    (obj.kind, obj.name)
}

impl<'a> NetworkModel<'a> {
    pub fn build(graph: &'a Graph<'a>, options: NetOptions) -> Self {
        let inventory = graph.inventory;
        let policies: Vec<Policy<'a>> = inventory
            .of_kind("NetworkPolicy")
            .filter_map(read_policy)
            .collect();

        // Namespaces: declared ones and every namespace in use, with the graph's labels (the
        // Namespace object's plus `kubernetes.io/metadata.name`).
        let declared = inventory
            .of_kind("Namespace")
            .filter_map(Namespace::of)
            .map(|ns| ns.object.name);
        let used = graph
            .pods
            .pods
            .iter()
            .map(|p| p.namespace)
            .chain(policies.iter().map(|p| p.namespace));
        let namespaces: BTreeMap<&'a str, Labels> = declared
            .chain(used)
            .map(|ns| (ns, graph.namespace_labels(ns).into_owned()))
            .collect();

        // The distinct ipBlocks of valid policies (the same block in many policies is one).
        let mut ip_blocks: Vec<IpBlock> = Vec::new();
        for (pi, policy) in policies.iter().enumerate() {
            if !policy.problems.is_empty() {
                continue;
            }
            for (_, rule) in policy_rules(pi, policy) {
                for block in rule.peers.iter().flatten().filter_map(|p| p.ip.as_ref()) {
                    if !ip_blocks.contains(block) {
                        ip_blocks.push(block.clone());
                    }
                }
            }
        }

        // Classes and workloads.
        type ClassKey<'k> = (&'k str, LabelRefs<'k>, Vec<ContainerPort>, Vec<u32>);
        let mut class_ids: HashMap<ClassKey<'a>, ClassId> = HashMap::new();
        let mut workload_ids: HashMap<(&'a str, &'a str, &'a str), WorkloadId> = HashMap::new();
        let mut classes: Vec<Class<'a>> = Vec::new();
        let mut workloads: Vec<Workload<'a>> = Vec::new();
        let mut pod_class = vec![None; graph.pods.pods.len()];
        let mut object_class = HashMap::new();
        for (i, shape) in graph.pods.pods.iter().enumerate() {
            let obj = inventory.get(shape.object);
            let Some(template) = PodTemplate::of(obj) else {
                continue;
            };
            let ips = if obj.kind == "Pod" {
                pod_ips(obj)
            } else {
                Vec::new()
            };
            let ip_sig: Vec<u32> = if options.ipblock_matches_pods && !ips.is_empty() {
                (0..ip_blocks.len() as u32)
                    .filter(|b| ips.iter().any(|ip| ip_blocks[*b as usize].contains(*ip)))
                    .collect()
            } else {
                Vec::new()
            };
            let key = (
                shape.namespace,
                shape.labels.clone(),
                container_ports(&template),
                ip_sig,
            );
            let class = *class_ids.entry(key).or_insert_with_key(|key| {
                classes.push(Class {
                    namespace: key.0,
                    labels: key
                        .1
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                    ports: key.2.clone(),
                    ip_blocks: key.3.clone(),
                    pods: Vec::new(),
                    workloads: Vec::new(),
                });
                ClassId(classes.len() as u32 - 1)
            });
            let (kind, name) = owner_of(graph, obj);
            let workload = *workload_ids
                .entry((shape.namespace, kind, name))
                .or_insert_with(|| {
                    workloads.push(Workload {
                        namespace: shape.namespace,
                        name,
                        kind,
                        object: obj.id,
                        classes: Vec::new(),
                    });
                    WorkloadId(workloads.len() as u32 - 1)
                });
            let c = &mut classes[class.0 as usize];
            c.pods.push(PodId(i as u32));
            if !c.workloads.contains(&workload) {
                c.workloads.push(workload);
            }
            let w = &mut workloads[workload.0 as usize];
            if !w.classes.contains(&class) {
                w.classes.push(class);
            }
            pod_class[i] = Some(class);
            object_class.insert(obj.id, class);
        }

        let mut service_ips = Vec::new();
        for svc in inventory.of_kind("Service") {
            let spec = svc.spec();
            let ips = spec
                .and_then(|s| s.get("clusterIPs"))
                .into_iter()
                .flat_map(|l| l.items())
                .chain(spec.and_then(|s| s.get("clusterIP")))
                .filter_map(|n| n.as_str()?.parse::<Ipv4Addr>().ok());
            service_ips.extend(ips.map(|ip| (u32::from(ip), svc.id)));
        }
        service_ips.sort_unstable();
        service_ips.dedup();

        let mut model = NetworkModel {
            graph,
            options,
            policies,
            classes,
            workloads,
            pod_class,
            object_class,
            namespaces,
            ip_blocks,
            service_ips,
            isolating: [Vec::new(), Vec::new()],
            peer_matches: HashMap::new(),
        };
        model.isolating = [
            model.compute_isolating(Direction::Ingress),
            model.compute_isolating(Direction::Egress),
        ];
        model.peer_matches = model.compute_peer_matches();
        model
    }

    /// The classes of the pods `selector` matches in `namespace`.
    pub fn select_classes(&self, namespace: &str, selector: &LabelSelector) -> Vec<ClassId> {
        let mut out: Vec<ClassId> = self
            .graph
            .pods
            .select(namespace, selector)
            .into_iter()
            .filter_map(|p| self.pod_class[p.0 as usize])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn compute_isolating(&self, dir: Direction) -> Vec<Vec<PolicyIdx>> {
        let mut out = vec![Vec::new(); self.classes.len()];
        for (pi, policy) in self.policies.iter().enumerate() {
            if !policy.problems.is_empty() || !policy.isolates(dir) {
                continue;
            }
            for c in self.select_classes(policy.namespace, &policy.pod_selector) {
                out[c.0 as usize].push(pi);
            }
        }
        out
    }

    /// The namespaces a peer's `namespaceSelector` picks (its policy's own when absent).
    pub fn peer_namespaces(&self, policy: &Policy<'a>, peer: &Peer<'_>) -> Vec<&'a str> {
        match &peer.namespaces {
            None => vec![policy.namespace],
            Some(sel) => self
                .namespaces
                .iter()
                .filter(|(_, labels)| sel.matches(labels))
                .map(|(ns, _)| *ns)
                .collect(),
        }
    }

    fn compute_peer_matches(&self) -> HashMap<(RuleRef, usize), Arc<PeerMatch>> {
        // Classes per ipBlock, from one pass over the classes.
        let mut by_block: Vec<Vec<ClassId>> = vec![Vec::new(); self.ip_blocks.len()];
        for (c, class) in self.classes.iter().enumerate() {
            for b in &class.ip_blocks {
                by_block[*b as usize].push(ClassId(c as u32));
            }
        }
        // Identical peers in many policies (the DNS rule of every namespace) are matched once:
        // keyed by selectors and, when there is no namespaceSelector, the policy's namespace.
        type PeerKey<'k> = (
            Option<LabelSelector>,
            Option<LabelSelector>,
            Option<&'k str>,
        );
        let mut seen: HashMap<PeerKey<'a>, Arc<PeerMatch>> = HashMap::new();
        let mut out = HashMap::new();
        for (pi, policy) in self.policies.iter().enumerate() {
            if !policy.problems.is_empty() {
                continue;
            }
            for (r, rule) in policy_rules(pi, policy) {
                for (i, peer) in rule.peers.iter().flatten().enumerate() {
                    let m = if let Some(block) = &peer.ip {
                        let b = self
                            .ip_blocks
                            .iter()
                            .position(|x| x == block)
                            .expect("every valid block is listed");
                        Arc::new(PeerMatch {
                            all: false,
                            classes: by_block[b].clone(),
                        })
                    } else if peer.matches_any_pod() {
                        Arc::new(PeerMatch {
                            all: true,
                            ..PeerMatch::default()
                        })
                    } else {
                        let own = peer.namespaces.is_none().then_some(policy.namespace);
                        let key = (peer.namespaces.clone(), peer.pods.clone(), own);
                        seen.entry(key)
                            .or_insert_with(|| Arc::new(self.match_peer(policy, peer)))
                            .clone()
                    };
                    out.insert((r, i), m);
                }
            }
        }
        out
    }

    fn match_peer(&self, policy: &Policy<'a>, peer: &Peer<'_>) -> PeerMatch {
        let pods = peer.pods.clone().unwrap_or_default();
        let mut classes: Vec<ClassId> = self
            .peer_namespaces(policy, peer)
            .into_iter()
            .flat_map(|ns| self.select_classes(ns, &pods))
            .collect();
        classes.sort_unstable();
        classes.dedup();
        PeerMatch {
            all: false,
            classes,
        }
    }

    /// Every workload's `ns/name[Kind]`.
    pub fn workload_names(&self) -> BTreeSet<String> {
        self.workloads.iter().map(Workload::label).collect()
    }

    /// The class of a Pod's or workload's pod shape.
    pub fn class_of(&self, object: ObjectId) -> Option<ClassId> {
        self.object_class.get(&object).copied()
    }

    pub fn class(&self, c: ClassId) -> &Class<'a> {
        &self.classes[c.0 as usize]
    }

    pub fn workload(&self, w: WorkloadId) -> &Workload<'a> {
        &self.workloads[w.0 as usize]
    }

    pub fn rule(&self, r: RuleRef) -> &Rule<'a> {
        &self.policies[r.policy]
            .rules(r.dir)
            .expect("an isolating direction")[r.rule]
    }

    /// The valid policies that select the class and isolate it in `dir`.
    pub fn isolating(&self, c: ClassId, dir: Direction) -> &[PolicyIdx] {
        &self.isolating[dir_index(dir)][c.0 as usize]
    }

    /// Whether peer `i` of rule `r` (a pod/namespace peer, or an `ipBlock` holding pods)
    /// matches any pod of the input.
    pub fn peer_matches_some_pod(&self, r: RuleRef, i: usize) -> bool {
        self.peer_matches
            .get(&(r, i))
            .is_some_and(|m| m.all || !m.classes.is_empty())
    }

    /// Whether peer `i` of rule `r` matches `other`.
    pub fn peer_matches(&self, r: RuleRef, i: usize, other: Endpoint) -> bool {
        let Some(m) = self.peer_matches.get(&(r, i)) else {
            return false;
        };
        match other {
            Endpoint::Class(c) => m.contains(c),
            Endpoint::External(cell) => {
                let peer = &self.rule(r).peers.as_ref().expect("has peers")[i];
                peer.ip.as_ref().is_some_and(|b| b.contains_cell(cell))
            }
            Endpoint::AnyPod => m.all,
        }
    }

    /// Whether rule `r` admits `other` as a peer (a rule without peers admits everyone).
    pub fn rule_matches(&self, r: RuleRef, other: Endpoint) -> bool {
        match &self.rule(r).peers {
            None => true,
            Some(peers) => (0..peers.len()).any(|i| self.peer_matches(r, i, other)),
        }
    }

    /// The Services whose IPv4 cluster IP lies in `block`, by address.
    pub fn services_in(&self, block: &IpBlock) -> Vec<(u32, ObjectId)> {
        let mut out = Vec::new();
        for (lo, hi) in block.v4_intervals() {
            let start = self.service_ips.partition_point(|(ip, _)| *ip < lo);
            out.extend(
                self.service_ips[start..]
                    .iter()
                    .take_while(|(ip, _)| *ip <= hi)
                    .copied(),
            );
        }
        out
    }

    /// Every rule of the policies that isolate `c` in `dir`, with its address, in input order.
    pub fn isolating_rules(
        &self,
        c: ClassId,
        dir: Direction,
    ) -> impl Iterator<Item = (RuleRef, &Rule<'a>)> + '_ {
        self.isolating(c, dir).iter().flat_map(move |&pi| {
            policy_rules(pi, &self.policies[pi]).filter(move |(r, _)| r.dir == dir)
        })
    }

    /// What `pod`'s policies allow in `dir` with `other` (the source for ingress, the
    /// destination for egress); `dst_ports` are the destination's container ports.
    pub fn side(
        &self,
        dir: Direction,
        pod: ClassId,
        other: Endpoint,
        dst_ports: &[ContainerPort],
    ) -> ConnSet {
        if self.isolating(pod, dir).is_empty() {
            return ConnSet::all();
        }
        let mut out = ConnSet::empty();
        for (r, rule) in self.isolating_rules(pod, dir) {
            if self.rule_matches(r, other) {
                out.add(&rule.allowed_ports(dst_ports));
                if out.is_all() {
                    return out;
                }
            }
        }
        out
    }

    /// The connections allowed from `src` to `dst`: what the source's egress policies and
    /// the destination's ingress policies both allow.
    pub fn allowed(&self, src: Endpoint, dst: Endpoint) -> ConnSet {
        let no_ports: &[ContainerPort] = &[];
        let dst_ports = match dst {
            Endpoint::Class(d) => &self.class(d).ports[..],
            _ => no_ports,
        };
        let ingress = match dst {
            Endpoint::Class(d) => self.side(Direction::Ingress, d, src, dst_ports),
            _ => ConnSet::all(),
        };
        if ingress.is_empty() {
            return ingress;
        }
        let egress = match src {
            Endpoint::Class(s) => self.side(Direction::Egress, s, dst, dst_ports),
            _ => ConnSet::all(),
        };
        ingress.intersect(&egress)
    }

    /// The classes that can be on the other end of `c`'s traffic in `dir` at all: every class
    /// when `c` is not isolated in `dir` or one of its rules admits every pod; otherwise the
    /// union of what its rules' peers match.
    pub fn candidates(&self, c: ClassId, dir: Direction) -> Option<Vec<ClassId>> {
        if self.isolating(c, dir).is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for (r, rule) in self.isolating_rules(c, dir) {
            let peers = rule.peers.as_ref()?;
            for i in 0..peers.len() {
                let m = &self.peer_matches[&(r, i)];
                if m.all {
                    return None;
                }
                out.extend_from_slice(&m.classes);
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}
