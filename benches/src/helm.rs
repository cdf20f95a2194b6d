//! Hand-written-manifest shapes: a `helm template` stream (`---` + `# Source:` comments, authoring
//! key order, chart-dependent sequence indentation) and a directory of many small manifest files.

use std::io::{self, Write};
use std::path::Path;

use crate::kube::{self, Mode};
use crate::model::{App, Cluster, Workload};
use crate::rng::{Rng, tag};
use crate::sink::{Sink, render_doc};
use crate::value::{V, arr, obj};
use crate::yaml::YamlStyle;
use crate::{Format, GenOptions, Layout};

fn service_account(app: &App, r: &mut Rng) -> V {
    let mut meta = obj! { "name" => app.name.clone(), "labels" => kube::labels(app, Mode::Helm) };
    if r.chance(0.5) {
        meta.push(
            "annotations",
            obj! { "eks.amazonaws.com/role-arn" => format!("arn:aws:iam::{}:role/{}-irsa", 100_000_000_000 + r.below(899_999_999_999), app.name) },
        );
    }
    obj! {
        "apiVersion" => "v1",
        "kind" => "ServiceAccount",
        "metadata" => meta,
        "automountServiceAccountToken" => r.chance(0.5),
    }
}

fn test_pod(app: &App) -> V {
    obj! {
        "apiVersion" => "v1",
        "kind" => "Pod",
        "metadata" => obj!{
            "name" => format!("{}-test-connection", app.name),
            "labels" => kube::labels(app, Mode::Helm),
            "annotations" => obj!{ "helm.sh/hook" => "test" },
        },
        "spec" => obj!{
            "containers" => arr![obj!{
                "name" => "wget",
                "image" => "busybox",
                "command" => arr!["wget"],
                "args" => arr![format!("{}:{}", app.name, if app.grpc { 9090 } else { 80 })],
            }],
            "restartPolicy" => "Never",
        },
    }
}

/// The documents of one chart, in `helm template` (install) order, with their template paths.
fn chart_docs(c: &Cluster, app: &App) -> Vec<(String, V)> {
    let mut r = Rng::new(&[app.seed, tag("chart")]);
    let prefix = if r.chance(0.2) {
        format!("{}-umbrella/charts/{}", app.domain, app.name)
    } else {
        app.name.clone()
    };
    let src = |t: &str| format!("{prefix}/templates/{t}");
    let mut docs = Vec::new();
    let ns = &c.namespaces[app.ns as usize];
    if app.j == 0 {
        for np in kube::network_policies(c, ns, Mode::Helm) {
            docs.push((src("networkpolicy.yaml"), np));
        }
    }
    if let Some(p) = kube::pdb(c, app, Mode::Helm) {
        docs.push((src("pdb.yaml"), p));
    }
    if r.chance(0.6) {
        docs.push((src("serviceaccount.yaml"), service_account(app, &mut r)));
    }
    if app.cm {
        docs.push((src("configmap.yaml"), kube::configmap(app, Mode::Helm)));
    }
    if app.svc.is_some() {
        docs.push((src("service.yaml"), kube::service(c, app, Mode::Helm)));
    }
    if app.workload == Workload::CronJob {
        docs.push((src("cronjob.yaml"), kube::cronjob(app, Mode::Helm)));
    } else {
        docs.push((src("deployment.yaml"), kube::deployment(c, app, Mode::Helm)));
    }
    if let Some(h) = kube::hpa(app, Mode::Helm) {
        docs.push((src("hpa.yaml"), h));
    }
    if app.svc.is_some() && r.chance(0.4) {
        docs.push((src("tests/test-connection.yaml"), test_pod(app)));
    }
    docs
}

fn chart_style(app: &App) -> YamlStyle {
    YamlStyle {
        sort: false,
        indentless: app.seed % 10 < 3,
    }
}

pub(crate) fn write_multidoc<W: Write>(opts: &GenOptions, w: W) -> io::Result<u64> {
    let per_yaml_mb = if opts.format == Format::Json {
        2.3
    } else {
        1.0
    };
    let mb = (opts.target_bytes as f64 / 1e6 / per_yaml_mb).max(1.0);
    let n_ns = (8.0 + 48.0 * mb.log10()).clamp(12.0, 200.0) as usize;
    let c = Cluster::new(opts.seed, 3, n_ns);
    let mut sink = Sink::new(w, opts.target_bytes as u64, opts.format, Layout::MultiDoc);
    let mut per_ns = vec![0u32; c.namespaces.len()];
    let mut r = Rng::new(&[opts.seed, tag("charts")]);
    'out: loop {
        let ns = 3 + r.below((c.namespaces.len() - 3) as u64) as usize;
        let app = c.app(ns as u32, per_ns[ns], 0);
        per_ns[ns] += 1;
        let style = chart_style(&app);
        for (source, doc) in chart_docs(&c, &app) {
            if !sink.doc(doc, style, Some(&source))? {
                break 'out;
            }
        }
    }
    sink.finish()
}

/// Writes `files` small manifest files (Deployment + Service + ConfigMap each, some with
/// NetworkPolicies) under `root/<namespace>/<app>.yaml`.
pub(crate) fn write_manifest_dir(root: &Path, files: usize, seed: u64) -> io::Result<()> {
    let n_ns = (files / 25).clamp(4, 200) + 3;
    let c = Cluster::new(seed, 3, n_ns);
    let team = c.namespaces.len() - 3;
    let mut buf = String::with_capacity(16 * 1024);
    for i in 0..files {
        let ns_idx = 3 + i % team;
        let ns = &c.namespaces[ns_idx];
        let app = c.app(ns_idx as u32, (i / team) as u32, 0);
        let style = YamlStyle {
            sort: false,
            indentless: app.seed.is_multiple_of(2),
        };
        let mut docs = vec![kube::deployment(&c, &app, Mode::Authored)];
        let mut svc = kube::service(&c, &app, Mode::Authored);
        if app.svc.is_none() {
            // every file carries a Service; give workers a headless one
            if let Some(spec) = svc.get_mut("spec") {
                spec.push("clusterIP", "None");
            }
        }
        docs.push(svc);
        docs.push(kube::configmap(&app, Mode::Authored));
        if i / team == 0 || app.seed.is_multiple_of(7) {
            let level = if i / team == 0 { 2 } else { 1 };
            docs.extend(kube::network_policies_at(&c, ns, Mode::Authored, level));
        }
        buf.clear();
        for (k, mut d) in docs.into_iter().enumerate() {
            if k == 0 {
                // first document has no leading `---`
                let mut tmp = String::new();
                render_doc(&mut tmp, &mut d, Format::Yaml, style, None);
                buf.push_str(tmp.strip_prefix("---\n").unwrap_or(&tmp));
            } else {
                render_doc(&mut buf, &mut d, Format::Yaml, style, None);
            }
        }
        let dir = root.join(&ns.name);
        std::fs::create_dir_all(&dir)?;
        let ext = if app.seed.is_multiple_of(10) {
            "yml"
        } else {
            "yaml"
        };
        std::fs::write(dir.join(format!("{}.{ext}", app.name)), buf.as_bytes())?;
    }
    Ok(())
}
