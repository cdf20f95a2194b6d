//! `kubectl get pods,deploy,rs,svc,endpointslices,netpol,cm,quota,limits,hpa,pdb,nodes,events -A
//! -o yaml|json`: a planned cluster, emitted grouped by resource type (as kubectl does) and, within
//! a type, ordered by namespace and name (as the API server lists them). Events come last and fill
//! the remaining space up to the target size.

use std::io::{self, Write};

use crate::kube::{self, Mode};
use crate::model::{App, Cluster, Workload};
use crate::rng::{Rng, tag};
use crate::sink::{Sink, list_overhead, render_list_item};
use crate::value::V;
use crate::words::SYSTEM;
use crate::{Format, GenOptions, Layout};

/// Share of the target left to events.
const EVENT_SHARE: f64 = 0.025;
/// Apps are measured exactly (rendered once while planning) until this many bytes; beyond it their
/// size is predicted from their pod count with a least-squares fit over the measured ones, so
/// planning costs at most this much extra rendering.
const EXACT_PLANNING_BYTES: u64 = 8 << 20;

/// Online least-squares fit of app size against pod count.
#[derive(Debug, Default)]
struct SizeModel {
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    sxy: f64,
    bytes: u64,
}

impl SizeModel {
    fn add(&mut self, pods: u32, size: u64) {
        let (x, y) = (f64::from(pods), size as f64);
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.sxy += x * y;
        self.bytes += size;
    }

    fn predict(&self, pods: u32) -> u64 {
        let mx = self.sx / self.n;
        let my = self.sy / self.n;
        let var = self.sxx / self.n - mx * mx;
        let slope = if var > 1e-9 {
            (self.sxy / self.n - mx * my) / var
        } else {
            0.0
        };
        (my + slope * (f64::from(pods) - mx)).max(1.0) as u64
    }
}

#[derive(Debug)]
pub(crate) struct Plan {
    pub cluster: Cluster,
    pub apps: Vec<App>,
    /// App indices sorted by (namespace, name).
    pub order: Vec<usize>,
    /// Namespace indices sorted by name.
    pub ns_order: Vec<usize>,
}

/// Sizes derived from the target: (namespaces, nodes).
fn shape(target: u64, format: Format) -> (usize, usize) {
    let per_yaml_mb = match format {
        Format::Yaml => 1.0,
        Format::Json => 2.3,
    };
    let mb = (target as f64 / 1e6 / per_yaml_mb).max(0.01);
    let n_ns = (8.0 + 48.0 * mb.max(1.0).log10()).clamp(12.0, 200.0) as usize;
    let n_nodes = (mb * 4.0).clamp(3.0, 4000.0) as usize;
    (n_ns, n_nodes)
}

fn measure(buf: &mut String, v: V, format: Format) -> u64 {
    let mut v = v;
    buf.clear();
    render_list_item(buf, &mut v, format, false);
    buf.len() as u64
}

/// Every object of `app` except events (what the planner measures).
fn app_objects(c: &Cluster, app: &App) -> Vec<V> {
    let mut out = Vec::new();
    for k in 0..Cluster::pod_count(app) {
        out.push(kube::pod(c, app, &c.pod(app, k)));
    }
    if app.workload == Workload::Deployment {
        out.push(kube::deployment(c, app, Mode::Live));
        out.extend(kube::replicasets(c, app));
    }
    if app.svc.is_some() {
        out.push(kube::service(c, app, Mode::Live));
        out.push(kube::endpointslice(c, app));
    }
    if app.cm {
        out.push(kube::configmap(app, Mode::Live));
    }
    out.extend(kube::hpa(app, Mode::Live));
    out.extend(kube::pdb(c, app, Mode::Live));
    out
}

fn ns_objects(c: &Cluster, ns_idx: usize) -> Vec<V> {
    let ns = &c.namespaces[ns_idx];
    let mut out = kube::network_policies(c, ns, Mode::Live);
    out.push(kube::root_ca_configmap(c, ns));
    out.extend(kube::resource_quota(ns));
    out.extend(kube::limit_range(ns));
    out
}

pub(crate) fn plan(opts: &GenOptions) -> Plan {
    let target = opts.target_bytes as u64;
    let (n_ns, n_nodes) = shape(target, opts.format);
    let cluster = Cluster::new(opts.seed, n_nodes, n_ns);
    let mut buf = String::with_capacity(64 * 1024);
    let mut fixed = list_overhead(opts.format);
    for n in &cluster.nodes {
        fixed += measure(&mut buf, kube::node(&cluster, n), opts.format);
    }
    for i in 0..cluster.namespaces.len() {
        for v in ns_objects(&cluster, i) {
            fixed += measure(&mut buf, v, opts.format);
        }
    }
    let budget = (target as f64 * (1.0 - EVENT_SHARE)) as u64;
    let budget = budget.saturating_sub(fixed);

    let n_sys = SYSTEM.len();
    let sys_apps: Vec<(usize, u32)> = SYSTEM
        .iter()
        .enumerate()
        .flat_map(|(i, (_, names))| (0..names.len() as u32).map(move |j| (i, j)))
        .collect();
    let n_team = cluster.namespaces.len() - n_sys;
    let mut per_ns = vec![0u32; cluster.namespaces.len()];
    let mut apps: Vec<App> = Vec::new();
    let mut planned = 0u64;
    let mut model = SizeModel::default();
    let mut pod_base = 0u64;
    let mut misses = 0;
    let mut rng = Rng::new(&[opts.seed, tag("placement")]);
    for i in 0usize.. {
        let ns = if i < sys_apps.len() {
            sys_apps[i].0
        } else if i < sys_apps.len() + n_team {
            n_sys + (i - sys_apps.len())
        } else {
            n_sys + (n_team as f64 * rng.unit().powf(1.6)) as usize
        };
        let j = per_ns[ns];
        let app = cluster.app(ns as u32, j, pod_base);
        let pods = Cluster::pod_count(&app);
        let size = if model.bytes < EXACT_PLANNING_BYTES || model.n < 16.0 {
            let s: u64 = app_objects(&cluster, &app)
                .into_iter()
                .map(|v| measure(&mut buf, v, opts.format))
                .sum();
            model.add(pods, s);
            s
        } else {
            model.predict(pods)
        };
        if planned + size > budget && !apps.is_empty() {
            // try a few smaller candidates before giving the rest to events
            misses += 1;
            if misses > 24 {
                break;
            }
            continue;
        }
        planned += size;
        per_ns[ns] += 1;
        pod_base += u64::from(Cluster::pod_count(&app));
        apps.push(app);
    }
    let mut order: Vec<usize> = (0..apps.len()).collect();
    order.sort_by(|&a, &b| {
        (apps[a].ns_name.as_str(), apps[a].name.as_str())
            .cmp(&(apps[b].ns_name.as_str(), apps[b].name.as_str()))
    });
    let mut ns_order: Vec<usize> = (0..cluster.namespaces.len()).collect();
    ns_order.sort_by(|&a, &b| cluster.namespaces[a].name.cmp(&cluster.namespaces[b].name));
    Plan {
        cluster,
        apps,
        order,
        ns_order,
    }
}

fn name_of(v: &V) -> String {
    match v.get("metadata").and_then(|m| m.get("name")) {
        Some(V::Str(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn sorted_by_name(mut vs: Vec<V>) -> Vec<V> {
    let mut keyed: Vec<(String, V)> = vs.drain(..).map(|v| (name_of(&v), v)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, v)| v).collect()
}

/// Emits `vs`; returns false when the target is reached.
fn emit_all<W: Write>(sink: &mut Sink<W>, vs: Vec<V>) -> io::Result<bool> {
    for v in vs {
        if !sink.item(v)? {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(crate) fn write_list<W: Write>(opts: &GenOptions, w: W) -> io::Result<u64> {
    let plan = plan(opts);
    let c = &plan.cluster;
    let mut sink = Sink::new(w, opts.target_bytes as u64, opts.format, Layout::List);
    let apps = || plan.order.iter().map(|&i| &plan.apps[i]);
    let namespaces = || plan.ns_order.iter().map(|&i| (i, &c.namespaces[i]));
    'out: {
        // pods
        for app in apps() {
            let pods: Vec<V> = (0..Cluster::pod_count(app))
                .map(|k| kube::pod(c, app, &c.pod(app, k)))
                .collect();
            if !emit_all(&mut sink, sorted_by_name(pods))? {
                break 'out;
            }
        }
        // deployments, replicasets
        for app in apps().filter(|a| a.workload == Workload::Deployment) {
            if !sink.item(kube::deployment(c, app, Mode::Live))? {
                break 'out;
            }
        }
        for app in apps().filter(|a| a.workload == Workload::Deployment) {
            if !emit_all(&mut sink, sorted_by_name(kube::replicasets(c, app)))? {
                break 'out;
            }
        }
        // services, endpointslices
        for app in apps().filter(|a| a.svc.is_some()) {
            if !sink.item(kube::service(c, app, Mode::Live))? {
                break 'out;
            }
        }
        for app in apps().filter(|a| a.svc.is_some()) {
            if !sink.item(kube::endpointslice(c, app))? {
                break 'out;
            }
        }
        // network policies
        for (_, ns) in namespaces() {
            if !emit_all(
                &mut sink,
                sorted_by_name(kube::network_policies(c, ns, Mode::Live)),
            )? {
                break 'out;
            }
        }
        // configmaps (per namespace: kube-root-ca.crt + app configs)
        let mut cm_apps: Vec<Vec<&App>> = vec![Vec::new(); c.namespaces.len()];
        for app in apps().filter(|a| a.cm) {
            cm_apps[app.ns as usize].push(app);
        }
        for (i, ns) in namespaces() {
            let mut cms = vec![kube::root_ca_configmap(c, ns)];
            cms.extend(cm_apps[i].iter().map(|a| kube::configmap(a, Mode::Live)));
            if !emit_all(&mut sink, sorted_by_name(cms))? {
                break 'out;
            }
        }
        for (_, ns) in namespaces() {
            if let Some(q) = kube::resource_quota(ns)
                && !sink.item(q)?
            {
                break 'out;
            }
        }
        for (_, ns) in namespaces() {
            if let Some(l) = kube::limit_range(ns)
                && !sink.item(l)?
            {
                break 'out;
            }
        }
        for app in apps() {
            if let Some(h) = kube::hpa(app, Mode::Live)
                && !sink.item(h)?
            {
                break 'out;
            }
        }
        for app in apps() {
            if let Some(p) = kube::pdb(c, app, Mode::Live)
                && !sink.item(p)?
            {
                break 'out;
            }
        }
        // nodes (sorted by name)
        let mut nodes: Vec<&crate::model::Node> = c.nodes.iter().collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        for n in nodes {
            if !sink.item(kube::node(c, n))? {
                break 'out;
            }
        }
        // events fill the rest
        if plan.apps.is_empty() {
            break 'out;
        }
        for round in 0u32..100_000 {
            for app in apps() {
                if !emit_all(&mut sink, sorted_by_name(kube::events(c, app, round)))? {
                    break 'out;
                }
            }
        }
    }
    sink.finish()
}
