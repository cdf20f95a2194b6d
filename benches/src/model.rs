//! The generated cluster: nodes, namespaces, workloads and their pods. Everything is a pure
//! function of the seed and indices, so objects can be regenerated in any order.

use crate::rng::{Rng, hash, tag};
use crate::time::NOW;
use crate::words::{COMPONENTS, DESCRIPTIONS, DOMAINS, ENVS, SIDECARS, SYSTEM};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Eks,
    Gke,
    Aks,
    Kubeadm,
}

#[derive(Debug)]
pub(crate) struct Cluster {
    pub seed: u64,
    pub flavor: Flavor,
    pub name: String,
    pub region: &'static str,
    pub kube_version: String,
    pub nodes: Vec<Node>,
    /// Indices of nodes workloads are scheduled on (workers; not control plane or GPU nodes).
    pub schedulable: Vec<usize>,
    pub namespaces: Vec<Ns>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRole {
    ControlPlane,
    Worker,
    Gpu,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub idx: u32,
    pub name: String,
    pub ip: String,
    pub zone: String,
    pub pool: String,
    pub instance_type: &'static str,
    pub cpu: u32,
    pub mem_gi: u32,
    pub role: NodeRole,
    pub cordoned: bool,
    pub not_ready: bool,
    pub created: i64,
    pub uid: String,
}

#[derive(Debug)]
pub(crate) struct Ns {
    pub idx: u32,
    pub name: String,
    pub domain: &'static str,
    pub system: bool,
    pub created: i64,
    pub quota: bool,
    pub limitrange: bool,
    /// 0: no policies, 1: default deny + DNS, 2: full set.
    pub netpol: u8,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Java,
    Go,
    Node,
    Python,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Healthy,
    CrashLoop,
    OomKilled,
    Pending,
    QuotaExceeded,
    NotReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    Deployment,
    CronJob,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SvcType {
    ClusterIP,
    Headless,
    NodePort,
    LoadBalancer,
}

#[derive(Debug)]
pub(crate) struct App {
    pub ns: u32,
    pub j: u32,
    pub seed: u64,
    pub ns_name: String,
    pub domain: &'static str,
    pub component: &'static str,
    pub name: String,
    pub workload: Workload,
    pub lang: Lang,
    pub image: String,
    pub image_digest: String,
    pub version: String,
    pub container: String,
    pub replicas: u32,
    /// Pods the ReplicaSet failed to create (quota).
    pub missing: u32,
    pub profile: Profile,
    pub port: u16,
    pub port_name: &'static str,
    pub metrics_port: Option<u16>,
    pub grpc: bool,
    pub hash: String,
    pub revision: u32,
    pub old_hashes: Vec<String>,
    pub created: i64,
    pub rs_created: i64,
    pub dep_uid: String,
    pub rs_uid: String,
    pub svc: Option<SvcType>,
    pub svc_uid: String,
    pub cm: bool,
    pub hpa: Option<(u32, u32)>,
    pub pdb: bool,
    pub sidecar: Option<(&'static str, &'static str)>,
    pub init: bool,
    pub cpu_req_m: u32,
    pub cpu_lim_m: Option<u32>,
    pub mem_req_mi: u32,
    pub mem_lim_mi: u32,
    pub xmx_mi: Option<u32>,
    pub legacy_labels: bool,
    pub helm: bool,
    /// Service selector does not match the pods (lint target).
    pub selector_typo: bool,
    /// Service targetPort names a port the container does not have (lint target).
    pub target_port_typo: bool,
    pub description: Option<&'static str>,
    pub latest_tag: bool,
    pub extra_label: Option<(&'static str, &'static str)>,
    /// Index of this app's first pod in the cluster-wide pod numbering (placement, IPs).
    pub pod_base: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PodState {
    Running,
    CrashLoop,
    OomRecovered,
    OomCrashLoop,
    Pending,
    NotReady,
    Succeeded,
    Failed,
}

#[derive(Debug)]
pub(crate) struct Pod {
    pub name: String,
    pub uid: String,
    pub node: Option<usize>,
    pub ip: Option<String>,
    pub state: PodState,
    pub restarts: u32,
    pub created: i64,
    pub started: i64,
    pub ready: bool,
    pub seed: u64,
    /// For CronJob pods: the owning Job's name.
    pub job: Option<String>,
}

pub(crate) fn cpu_qty(m: u32) -> String {
    if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

pub(crate) fn mem_qty(mi: u32) -> String {
    if mi.is_multiple_of(1024) {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

impl Cluster {
    pub(crate) fn new(seed: u64, n_nodes: usize, n_ns: usize) -> Cluster {
        let mut r = Rng::new(&[seed, tag("cluster")]);
        let flavor = *r.pick(&[Flavor::Eks, Flavor::Gke, Flavor::Aks, Flavor::Kubeadm]);
        let region = match flavor {
            Flavor::Eks => *r.pick(&["eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"]),
            Flavor::Gke => *r.pick(&["europe-west4", "us-central1", "asia-northeast1"]),
            Flavor::Aks => *r.pick(&["westeurope", "eastus2", "northeurope"]),
            Flavor::Kubeadm => "dc1",
        };
        let env = *r.pick(&["prod", "production", "live", "staging"]);
        let name = format!("{env}-{}", r.range(1, 9));
        let minor = r.range(27, 31);
        let kube_version = format!("v1.{minor}.{}", r.range(1, 12));
        let mut c = Cluster {
            seed,
            flavor,
            name,
            region,
            kube_version,
            nodes: Vec::with_capacity(n_nodes),
            schedulable: Vec::new(),
            namespaces: Vec::with_capacity(n_ns),
        };
        for i in 0..n_nodes {
            let node = c.make_node(i as u32, n_nodes);
            c.nodes.push(node);
        }
        c.schedulable = (0..c.nodes.len())
            .filter(|&i| c.nodes[i].role == NodeRole::Worker)
            .collect();
        if c.schedulable.is_empty() {
            c.schedulable = (0..c.nodes.len()).collect();
        }
        let mut used = std::collections::HashSet::new();
        for i in 0..n_ns.max(SYSTEM.len() + 1) {
            let ns = c.make_ns(i as u32, &mut used);
            c.namespaces.push(ns);
        }
        c
    }

    fn make_node(&self, idx: u32, n: usize) -> Node {
        let mut r = Rng::new(&[self.seed, tag("node"), u64::from(idx)]);
        let cp_count = if self.flavor == Flavor::Kubeadm {
            3.min(n)
        } else {
            0
        };
        let role = if (idx as usize) < cp_count {
            NodeRole::ControlPlane
        } else if n > 10 && r.chance(0.06) {
            NodeRole::Gpu
        } else {
            NodeRole::Worker
        };
        let zone_letter = ['a', 'b', 'c'][idx as usize % 3];
        let zone = match self.flavor {
            Flavor::Aks => format!("{}-{}", self.region, idx % 3 + 1),
            Flavor::Kubeadm => format!("rack-{}", idx % 3 + 1),
            _ => format!("{}{zone_letter}", self.region),
        };
        let (instance_type, cpu, mem_gi) = match (self.flavor, role) {
            (Flavor::Eks, NodeRole::Gpu) => ("g5.2xlarge", 8, 32),
            (Flavor::Eks, _) => *r.pick(&[
                ("m6i.xlarge", 4, 16),
                ("m6i.2xlarge", 8, 32),
                ("r6i.2xlarge", 8, 64),
                ("c6i.4xlarge", 16, 32),
            ]),
            (Flavor::Gke, NodeRole::Gpu) => ("g2-standard-8", 8, 32),
            (Flavor::Gke, _) => *r.pick(&[
                ("e2-standard-4", 4, 16),
                ("n2-standard-8", 8, 32),
                ("n2-highmem-8", 8, 64),
            ]),
            (Flavor::Aks, NodeRole::Gpu) => ("Standard_NC8as_T4_v3", 8, 56),
            (Flavor::Aks, _) => *r.pick(&[
                ("Standard_D4s_v5", 4, 16),
                ("Standard_D8s_v5", 8, 32),
                ("Standard_E8s_v5", 8, 64),
            ]),
            (Flavor::Kubeadm, _) => *r.pick(&[("bare-metal", 16, 64), ("bare-metal", 32, 128)]),
        };
        let pool = match role {
            NodeRole::ControlPlane => "control-plane".to_string(),
            NodeRole::Gpu => "gpu".to_string(),
            NodeRole::Worker => {
                ["general", "general", "memory", "spot"][idx as usize % 4].to_string()
            }
        };
        let ip = format!("10.0.{}.{}", 16 + idx / 250, idx % 250 + 4);
        let name = match self.flavor {
            Flavor::Eks => format!(
                "ip-10-0-{}-{}.{}.compute.internal",
                16 + idx / 250,
                idx % 250 + 4,
                self.region
            ),
            Flavor::Gke => format!(
                "gke-{}-{pool}-pool-{}-{}",
                self.name,
                r.hex(8),
                r.k8s_suffix(4)
            ),
            Flavor::Aks => format!(
                "aks-{pool}-{}-vmss{:06x}",
                10_000_000 + r.below(89_999_999),
                idx
            ),
            Flavor::Kubeadm => match role {
                NodeRole::ControlPlane => format!("cp-{idx:02}"),
                _ => format!("worker-{idx:03}"),
            },
        };
        Node {
            idx,
            name,
            ip,
            zone,
            pool,
            instance_type,
            cpu,
            mem_gi,
            role,
            cordoned: role == NodeRole::Worker && n > 8 && r.chance(0.03),
            not_ready: role == NodeRole::Worker && n > 8 && r.chance(0.02),
            created: NOW - r.range(3 * 86_400, 200 * 86_400) as i64,
            uid: r.uuid(),
        }
    }

    fn make_ns(&self, idx: u32, used: &mut std::collections::HashSet<String>) -> Ns {
        let mut r = Rng::new(&[self.seed, tag("ns"), u64::from(idx)]);
        let system = (idx as usize) < SYSTEM.len();
        let (name, domain) = if system {
            (SYSTEM[idx as usize].0.to_string(), "platform")
        } else {
            let domain = *r.pick(DOMAINS);
            let mut name = match r.below(4) {
                0 => domain.to_string(),
                1 => format!("team-{domain}"),
                _ => format!("{domain}-{}", r.pick(ENVS)),
            };
            if !used.insert(name.clone()) {
                name = format!("{name}-{idx}");
                used.insert(name.clone());
            }
            (name, domain)
        };
        Ns {
            idx,
            name,
            domain,
            system,
            created: NOW - r.range(20 * 86_400, 400 * 86_400) as i64,
            quota: !system && r.chance(0.35),
            limitrange: !system && r.chance(0.3),
            netpol: if system {
                u8::from(idx == 1)
            } else {
                [0, 1, 1, 2, 2][r.below(5) as usize]
            },
            seed: hash(&[self.seed, tag("ns-seed"), u64::from(idx)]),
        }
    }

    /// Name of the `j`-th workload of a namespace (stable, so policies can refer to it).
    pub(crate) fn app_name(&self, ns: &Ns, j: u32) -> (String, &'static str) {
        if ns.system {
            let names = SYSTEM[ns.idx as usize].1;
            let base = names[j as usize % names.len()];
            let name = if (j as usize) < names.len() {
                base.to_string()
            } else {
                format!("{base}-{}", j as usize / names.len() + 1)
            };
            return (name, "platform");
        }
        let off = (ns.seed % COMPONENTS.len() as u64) as usize;
        let k = j as usize;
        let comp = COMPONENTS[(off + k * 7) % COMPONENTS.len()];
        let name = if k < COMPONENTS.len() {
            format!("{}-{comp}", ns.domain)
        } else {
            format!("{}-{comp}-{}", ns.domain, k / COMPONENTS.len() + 1)
        };
        (name, comp)
    }

    pub(crate) fn app(&self, ns_idx: u32, j: u32, pod_base: u64) -> App {
        let ns = &self.namespaces[ns_idx as usize];
        let seed = hash(&[self.seed, tag("app"), u64::from(ns_idx), u64::from(j)]);
        let mut r = Rng::new(&[seed]);
        let (name, component) = self.app_name(ns, j);
        let workload = if !ns.system && r.chance(0.12) {
            Workload::CronJob
        } else {
            Workload::Deployment
        };
        let lang = *r.pick(&[
            Lang::Java,
            Lang::Java,
            Lang::Go,
            Lang::Go,
            Lang::Node,
            Lang::Python,
        ]);
        let major = r.range(1, 4);
        let version = format!("{major}.{}.{}", r.range(0, 30), r.range(0, 12));
        let latest_tag = r.chance(0.03);
        let tag_s = if latest_tag {
            "latest".to_string()
        } else {
            version.clone()
        };
        let image = match r.below(4) {
            0 => format!("ghcr.io/acme-corp/{name}:{tag_s}"),
            1 => format!("registry.acme.internal/{}/{name}:{tag_s}", ns.domain),
            2 => format!(
                "{}.dkr.ecr.eu-west-1.amazonaws.com/{name}:{}",
                100_000_000_000 + r.below(899_999_999_999),
                if latest_tag {
                    "latest".to_string()
                } else {
                    format!("{tag_s}-{}", r.hex(7))
                }
            ),
            _ => format!("europe-docker.pkg.dev/acme-platform/apps/{name}:{tag_s}"),
        };
        let image_digest = r.hex(64);
        let replicas = if workload == Workload::CronJob {
            r.range(1, 3) as u32
        } else {
            match r.below(100) {
                0..=9 => 1,
                10..=24 => 2,
                25..=49 => 3,
                50..=69 => r.range(4, 6) as u32,
                70..=87 => r.range(6, 12) as u32,
                _ => r.range(15, 60) as u32,
            }
        };
        let profile = if workload == Workload::CronJob {
            Profile::Healthy
        } else {
            match r.below(100) {
                0..=6 => Profile::CrashLoop,
                7..=12 => Profile::OomKilled,
                13..=16 => Profile::Pending,
                17..=21 if ns.quota => Profile::QuotaExceeded,
                22..=25 => Profile::NotReady,
                _ => Profile::Healthy,
            }
        };
        // a guaranteed sprinkle of unschedulable pods, whatever the seed
        let profile = if workload == Workload::Deployment && j == 2 && ns_idx % 5 == 4 {
            Profile::Pending
        } else {
            profile
        };
        let lang = if profile == Profile::OomKilled && r.chance(0.7) {
            Lang::Java
        } else {
            lang
        };
        let missing = if profile == Profile::QuotaExceeded {
            (replicas / 3).max(1).min(replicas)
        } else {
            0
        };
        let grpc = component == "grpc" || r.chance(0.1);
        let (port, port_name) = match lang {
            _ if grpc => (9090, "grpc"),
            Lang::Java => (8080, "http"),
            Lang::Go => (*r.pick(&[8080, 8000, 3000]), "http"),
            Lang::Node => (3000, "http"),
            Lang::Python => (8000, "http"),
        };
        let mem_lim_mi = match lang {
            Lang::Java => *r.pick(&[1024, 1536, 2048, 3072, 4096]),
            Lang::Go => *r.pick(&[128, 256, 512, 768]),
            Lang::Node => *r.pick(&[256, 512, 1024]),
            Lang::Python => *r.pick(&[256, 512, 1024, 2048]),
        };
        let mem_req_mi = if r.chance(0.3) {
            mem_lim_mi
        } else {
            mem_lim_mi / 2
        };
        let cpu_req_m = *r.pick(&[50, 100, 200, 250, 500, 1000]);
        let cpu_lim_m = r.chance(0.5).then(|| cpu_req_m * *r.pick(&[1, 2, 4]));
        let xmx_mi = (lang == Lang::Java && r.chance(0.75)).then(|| {
            if profile == Profile::OomKilled {
                mem_lim_mi + mem_lim_mi / 4
            } else {
                mem_lim_mi * 3 / 4
            }
        });
        let created = ns.created + r.range(3600, ((NOW - ns.created) as u64 / 2).max(7200)) as i64;
        let rs_created = NOW - r.range(600, ((NOW - created) as u64).max(1200)) as i64;
        let revision = r.range(1, 40) as u32;
        let n_old = (revision - 1).min(match r.below(100) {
            0..=49 => 0,
            50..=84 => 1,
            _ => 2,
        });
        let svc = if workload == Workload::CronJob || component == "worker" || component == "batch"
        {
            None
        } else {
            Some(match r.below(100) {
                0..=79 => SvcType::ClusterIP,
                80..=89 => SvcType::Headless,
                90..=94 => SvcType::NodePort,
                _ => SvcType::LoadBalancer,
            })
        };
        let sidecar = r.chance(0.2).then(|| *r.pick(SIDECARS));
        App {
            ns: ns_idx,
            j,
            seed,
            ns_name: ns.name.clone(),
            domain: ns.domain,
            component,
            container: if r.chance(0.5) {
                name.clone()
            } else {
                "app".to_string()
            },
            name,
            workload,
            lang,
            image,
            image_digest,
            version,
            replicas,
            missing,
            profile,
            port,
            port_name,
            metrics_port: r.chance(0.6).then_some(9464),
            grpc,
            hash: pod_template_hash(&mut r),
            revision,
            old_hashes: (0..n_old).map(|_| pod_template_hash(&mut r)).collect(),
            created,
            rs_created,
            dep_uid: r.uuid(),
            rs_uid: r.uuid(),
            svc,
            svc_uid: r.uuid(),
            cm: r.chance(0.5),
            hpa: (workload == Workload::Deployment && replicas >= 2 && r.chance(0.3))
                .then(|| (replicas.div_ceil(2), replicas * 2 + 2)),
            pdb: workload == Workload::Deployment && replicas >= 2 && r.chance(0.3),
            sidecar,
            init: r.chance(0.1),
            cpu_req_m,
            cpu_lim_m,
            mem_req_mi,
            mem_lim_mi,
            xmx_mi,
            legacy_labels: r.chance(0.2),
            helm: r.chance(0.4),
            selector_typo: svc.is_some() && r.chance(0.02),
            target_port_typo: svc.is_some() && r.chance(0.02),
            description: r.chance(0.15).then(|| *r.pick(DESCRIPTIONS)),
            latest_tag,
            extra_label: (name_is(&ns.name, "kube-system") && j == 0)
                .then_some(("k8s-app", "kube-dns")),
            pod_base,
        }
    }

    /// Number of pods the app has in the snapshot.
    pub(crate) fn pod_count(app: &App) -> u32 {
        app.replicas - app.missing
    }

    pub(crate) fn pod(&self, app: &App, k: u32) -> Pod {
        let mut r = Rng::new(&[app.seed, tag("pod"), u64::from(k)]);
        let g = app.pod_base + u64::from(k);
        let n_nodes = self.schedulable.len().max(1) as u64;
        let node_idx = self.schedulable[(g % n_nodes) as usize];
        let slot = (g / n_nodes) % 508 + 2;
        let ip = {
            let hi = 64 + node_idx / 128;
            let third = (node_idx % 128) * 2 + (slot / 256) as usize;
            format!("10.{hi}.{third}.{}", slot % 256)
        };
        let last = k + 1 == Self::pod_count(app);
        let state = match (app.workload, app.profile) {
            (Workload::CronJob, _) => {
                if r.chance(0.15) {
                    PodState::Failed
                } else {
                    PodState::Succeeded
                }
            }
            (_, Profile::CrashLoop) if k.is_multiple_of(2) => PodState::CrashLoop,
            (_, Profile::OomKilled) if k.is_multiple_of(2) => PodState::OomCrashLoop,
            (_, Profile::OomKilled) => PodState::OomRecovered,
            (_, Profile::Pending) if last => PodState::Pending,
            (_, Profile::NotReady) if k == 0 => PodState::NotReady,
            _ => PodState::Running,
        };
        let created = if app.workload == Workload::CronJob {
            NOW - (i64::from(k) + 1) * 3600 - r.range(0, 59) as i64
        } else {
            app.rs_created + r.range(1, 120) as i64
        };
        let (name, job) = if app.workload == Workload::CronJob {
            let sched = (created / 60) as u64;
            let job = format!("{}-{sched}", app.name);
            (format!("{job}-{}", r.k8s_suffix(5)), Some(job))
        } else {
            (
                format!("{}-{}-{}", app.name, app.hash, r.k8s_suffix(5)),
                None,
            )
        };
        let restarts = match state {
            PodState::CrashLoop => r.range(8, 400) as u32,
            PodState::OomCrashLoop | PodState::OomRecovered => r.range(1, 60) as u32,
            PodState::Running if r.chance(0.1) => r.range(1, 3) as u32,
            _ => 0,
        };
        let pending = state == PodState::Pending;
        Pod {
            name,
            uid: r.uuid(),
            node: (!pending).then_some(node_idx),
            ip: (!pending).then_some(ip),
            state,
            restarts,
            created,
            started: created + r.range(2, 40) as i64,
            ready: matches!(state, PodState::Running | PodState::OomRecovered),
            seed: r.next_u64(),
            job,
        }
    }
}

fn pod_template_hash(r: &mut Rng) -> String {
    let n = r.range(9, 10) as usize;
    r.k8s_suffix(n)
}

fn name_is(a: &str, b: &str) -> bool {
    a == b
}
