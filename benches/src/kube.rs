//! Builders for Kubernetes objects, in three renderings: `Live` (what the API server returns,
//! defaults and status filled in), `Authored` (what was `kubectl apply`d) and `Helm` (what a chart
//! template renders).

use crate::json;
use crate::model::{
    App, Cluster, Lang, Node, NodeRole, Ns, Pod, PodState, Profile, SvcType, Workload, cpu_qty,
    mem_qty,
};
use crate::rng::{Rng, hash, tag};
use crate::time::{NOW, ts};
use crate::value::{V, arr, obj};
use crate::words::NODE_IMAGES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Live,
    Authored,
    Helm,
}

impl Mode {
    fn live(self) -> bool {
        self == Mode::Live
    }
}

fn rv(seed: u64) -> String {
    (10_000_000 + Rng::new(&[seed, tag("rv")]).below(890_000_000)).to_string()
}

fn uid(parts: &[u64]) -> String {
    Rng::new(parts).uuid()
}

fn s_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `kubectl.kubernetes.io/last-applied-configuration` value: compact, key-sorted JSON + newline.
fn last_applied(mut authored: V) -> String {
    let mut s = String::with_capacity(2048);
    json::emit_compact(&mut s, &mut authored);
    s.push('\n');
    s
}

/// Common live metadata.
fn live_meta(
    name: String,
    ns: Option<&str>,
    created: i64,
    seed: u64,
    generation: Option<i64>,
    uid_override: Option<String>,
) -> V {
    let mut m = obj! {
        "creationTimestamp" => ts(created),
        "name" => name,
    };
    if let Some(ns) = ns {
        m.push("namespace", ns.to_string());
    }
    m.push("resourceVersion", rv(seed));
    m.push(
        "uid",
        uid_override.unwrap_or_else(|| uid(&[seed, tag("uid")])),
    );
    if let Some(g) = generation {
        m.push("generation", g);
    }
    m
}

fn owner(api: &'static str, kind: &'static str, name: String, uid: String) -> V {
    arr![obj! {
        "apiVersion" => api,
        "blockOwnerDeletion" => true,
        "controller" => true,
        "kind" => kind,
        "name" => name,
        "uid" => uid,
    }]
}

// ---------------------------------------------------------------------------------------------
// Labels

pub(crate) fn selector_labels(app: &App) -> V {
    let mut m = if app.legacy_labels {
        obj! { "app" => app.name.clone() }
    } else {
        obj! {
            "app.kubernetes.io/name" => app.name.clone(),
            "app.kubernetes.io/instance" => app.name.clone(),
        }
    };
    if let Some((k, v)) = app.extra_label {
        m.push(k, v);
    }
    m
}

fn selector_labels_typo(app: &App) -> V {
    if app.selector_typo {
        obj! { "app" => format!("{}-v1", app.name) }
    } else {
        selector_labels(app)
    }
}

pub(crate) fn labels(app: &App, mode: Mode) -> V {
    let helm = mode == Mode::Helm || (mode == Mode::Live && app.helm);
    let mut m = V::map();
    if helm {
        m.push("helm.sh/chart", format!("{}-{}", app.name, app.version));
    }
    if let V::Map(sel) = selector_labels(app) {
        for (k, v) in sel {
            m.push(k, v);
        }
    }
    if !app.legacy_labels {
        m.push("app.kubernetes.io/component", app.component);
        m.push("app.kubernetes.io/part-of", app.domain);
        if mode == Mode::Helm {
            m.push("app.kubernetes.io/version", V::qstr(app.version.clone()));
        } else {
            m.push("app.kubernetes.io/version", app.version.clone());
        }
    } else {
        m.push(
            "tier",
            if app.component == "frontend" {
                "frontend"
            } else {
                "backend"
            },
        );
    }
    if helm {
        m.push("app.kubernetes.io/managed-by", "Helm");
    }
    m
}

fn helm_annotations(app: &App, m: &mut V) {
    m.push("meta.helm.sh/release-name", app.name.clone());
    m.push("meta.helm.sh/release-namespace", app.ns_name.clone());
}

// ---------------------------------------------------------------------------------------------
// Containers and pod templates

fn env_value(mode: Mode, s: impl Into<std::borrow::Cow<'static, str>>) -> V {
    if mode == Mode::Helm {
        V::QStr(s.into())
    } else {
        V::Str(s.into())
    }
}

fn field_ref(mode: Mode, path: &'static str) -> V {
    let mut f = V::map();
    if mode.live() {
        f.push("apiVersion", "v1");
    }
    f.push("fieldPath", path);
    obj! { "fieldRef" => f }
}

fn env(app: &App, mode: Mode) -> V {
    let mut r = Rng::new(&[app.seed, tag("env")]);
    let mut e = Vec::new();
    let var = |name: &'static str, v: V| obj! { "name" => name, "value" => v };
    match app.lang {
        Lang::Java => {
            let mut opts = String::new();
            if let Some(x) = app.xmx_mi {
                opts.push_str(&format!("-Xms{}m -Xmx{x}m ", x / 2));
            } else {
                opts.push_str("-XX:MaxRAMPercentage=75.0 ");
            }
            opts.push_str("-XX:+UseG1GC -XX:MaxGCPauseMillis=200 -XX:+ExitOnOutOfMemoryError");
            if r.chance(0.5) {
                opts.push_str(" -Djava.security.egd=file:/dev/./urandom -Dfile.encoding=UTF-8");
            }
            e.push(var("JAVA_OPTS", env_value(mode, opts)));
            e.push(var("SPRING_PROFILES_ACTIVE", env_value(mode, "kubernetes")));
            e.push(var(
                "SPRING_DATASOURCE_URL",
                env_value(
                    mode,
                    format!(
                        "jdbc:postgresql://{}-db.{}.svc.cluster.local:5432/{}?sslmode=require&ApplicationName={}",
                        app.domain,
                        app.ns_name,
                        app.domain.replace('-', "_"),
                        app.name
                    ),
                ),
            ));
        }
        Lang::Go => {
            let mut rf = obj! { "containerName" => app.container.clone() };
            if mode.live() {
                rf.push("divisor", "0");
            }
            rf.push("resource", "limits.cpu");
            e.push(
                obj! { "name" => "GOMAXPROCS", "valueFrom" => obj!{ "resourceFieldRef" => rf } },
            );
            e.push(var(
                "GOMEMLIMIT",
                env_value(mode, format!("{}MiB", app.mem_lim_mi * 9 / 10)),
            ));
        }
        Lang::Node => {
            e.push(var("NODE_ENV", env_value(mode, "production")));
            e.push(var(
                "NODE_OPTIONS",
                env_value(
                    mode,
                    format!("--max-old-space-size={}", app.mem_lim_mi * 3 / 4),
                ),
            ));
        }
        Lang::Python => {
            e.push(var("PYTHONUNBUFFERED", env_value(mode, "1")));
            e.push(var(
                "GUNICORN_CMD_ARGS",
                env_value(
                    mode,
                    format!(
                        "--workers={} --threads=2 --timeout=60 --bind=0.0.0.0:{} --access-logfile -",
                        r.range(2, 8),
                        app.port
                    ),
                ),
            ));
        }
    }
    e.push(var("PORT", env_value(mode, app.port.to_string())));
    e.push(var(
        "LOG_LEVEL",
        env_value(mode, *r.pick(&["info", "info", "debug", "warn"])),
    ));
    e.push(obj! { "name" => "POD_NAME", "valueFrom" => field_ref(mode, "metadata.name") });
    e.push(obj! { "name" => "POD_IP", "valueFrom" => field_ref(mode, "status.podIP") });
    if r.chance(0.6) {
        e.push(obj! {
            "name" => "DB_PASSWORD",
            "valueFrom" => obj!{ "secretKeyRef" => obj!{ "key" => "password", "name" => format!("{}-db", app.domain) } },
        });
    }
    if r.chance(0.5) {
        e.push(var(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            env_value(
                mode,
                "http://otel-collector.observability.svc.cluster.local:4317",
            ),
        ));
        e.push(var(
            "OTEL_RESOURCE_ATTRIBUTES",
            env_value(
                mode,
                format!(
                    "service.name={},service.namespace={},deployment.environment=production",
                    app.name, app.ns_name
                ),
            ),
        ));
    }
    if r.chance(0.3) {
        e.push(var(
            "FEATURE_NEW_CHECKOUT_FLOW",
            env_value(mode, *r.pick(&["true", "false", "yes", "on"])),
        ));
    }
    if r.chance(0.2) {
        e.push(var("TZ", env_value(mode, "Europe/Berlin")));
    }
    V::Seq(e)
}

fn probe(
    app: &App,
    mode: Mode,
    path: &'static str,
    initial: u32,
    period: u32,
    named: bool,
    failure: u32,
) -> V {
    let port = if named {
        V::from(app.port_name)
    } else {
        V::from(app.port)
    };
    let mut p = if app.grpc {
        let mut g = obj! { "port" => app.port };
        if mode.live() {
            g.push("service", "");
        }
        obj! { "grpc" => g }
    } else {
        let mut h = obj! { "path" => path, "port" => port };
        if mode.live() {
            h.push("scheme", "HTTP");
        }
        obj! { "httpGet" => h }
    };
    if initial > 0 {
        p.push("initialDelaySeconds", initial);
    }
    p.push("periodSeconds", period);
    if mode.live() || failure != 3 {
        p.push("failureThreshold", failure);
    }
    if mode.live() {
        p.push("successThreshold", 1);
        p.push("timeoutSeconds", if app.lang == Lang::Java { 3 } else { 1 });
    } else if app.lang == Lang::Java {
        p.push("timeoutSeconds", 3);
    }
    p
}

fn resources(app: &App) -> V {
    let mut limits = V::map();
    if let Some(c) = app.cpu_lim_m {
        limits.push("cpu", cpu_qty(c));
    }
    limits.push("memory", mem_qty(app.mem_lim_mi));
    obj! {
        "limits" => limits,
        "requests" => obj!{ "cpu" => cpu_qty(app.cpu_req_m), "memory" => mem_qty(app.mem_req_mi) },
    }
}

fn image_for(app: &App, version: Option<&str>) -> String {
    match version {
        Some(v) => match app.image.rfind(':') {
            Some(i) => format!("{}:{v}", &app.image[..i]),
            None => app.image.clone(),
        },
        None => app.image.clone(),
    }
}

fn main_container(app: &App, mode: Mode, version: Option<&str>, api_access: Option<&str>) -> V {
    let mut r = Rng::new(&[app.seed, tag("container")]);
    let image = image_for(app, version);
    let mut c = obj! { "name" => app.container.clone() };
    c.push(
        "image",
        if mode == Mode::Helm {
            V::qstr(image)
        } else {
            V::from(image)
        },
    );
    let explicit_pull = r.chance(0.5);
    if mode.live() || explicit_pull {
        c.push(
            "imagePullPolicy",
            if app.latest_tag {
                "Always"
            } else {
                "IfNotPresent"
            },
        );
    }
    let cron = app.workload == Workload::CronJob;
    if cron {
        c.push("args", arr!["--task", app.component, "--batch-size=500"]);
    } else if app.lang == Lang::Go {
        c.push(
            "args",
            arr![
                "--config=/etc/app/config.yaml".to_string(),
                format!("--listen=:{}", app.port),
                "--log-format=json".to_string()
            ],
        );
    }
    if !cron {
        let mut ports = vec![
            obj! { "name" => app.port_name, "containerPort" => app.port, "protocol" => "TCP" },
        ];
        if let Some(m) = app.metrics_port {
            ports.push(obj! { "name" => "metrics", "containerPort" => m, "protocol" => "TCP" });
        }
        c.push("ports", ports);
    }
    c.push("env", env(app, mode));
    if app.cm {
        c.push(
            "envFrom",
            arr![obj! { "configMapRef" => obj!{ "name" => format!("{}-config", app.name) } }],
        );
    }
    c.push("resources", resources(app));
    if !cron {
        let named = r.chance(0.7);
        let (live_path, ready_path) = match app.lang {
            Lang::Java => ("/actuator/health/liveness", "/actuator/health/readiness"),
            _ => ("/healthz", "/readyz"),
        };
        let init = if app.lang == Lang::Java { 60 } else { 10 };
        c.push(
            "livenessProbe",
            probe(app, mode, live_path, init, 10, named, 3),
        );
        c.push(
            "readinessProbe",
            probe(app, mode, ready_path, init / 2, 5, named, 3),
        );
        if app.lang == Lang::Java && r.chance(0.3) {
            c.push("startupProbe", probe(app, mode, live_path, 0, 5, named, 30));
        }
    }
    c.push(
        "securityContext",
        obj! {
            "allowPrivilegeEscalation" => false,
            "capabilities" => obj!{ "drop" => arr!["ALL"] },
            "readOnlyRootFilesystem" => true,
            "runAsNonRoot" => true,
        },
    );
    let mut mounts = Vec::new();
    if app.cm {
        mounts.push(obj! { "name" => "config", "mountPath" => "/etc/app", "readOnly" => true });
    }
    mounts.push(obj! { "name" => "tmp", "mountPath" => "/tmp" });
    if let Some(v) = api_access {
        mounts.push(obj! {
            "mountPath" => "/var/run/secrets/kubernetes.io/serviceaccount",
            "name" => v.to_string(),
            "readOnly" => true,
        });
    }
    c.push("volumeMounts", mounts);
    if mode.live() {
        c.push("terminationMessagePath", "/dev/termination-log");
        c.push("terminationMessagePolicy", "File");
    }
    c
}

fn sidecar_container(app: &App, mode: Mode, api_access: Option<&str>) -> Option<V> {
    let (name, image) = app.sidecar?;
    let mut c = obj! { "name" => name, "image" => image };
    if mode.live() {
        c.push("imagePullPolicy", "IfNotPresent");
    }
    c.push(
        "resources",
        obj! { "requests" => obj!{ "cpu" => "50m", "memory" => "64Mi" }, "limits" => obj!{ "memory" => "128Mi" } },
    );
    if let Some(v) = api_access {
        c.push(
            "volumeMounts",
            arr![obj! {
                "mountPath" => "/var/run/secrets/kubernetes.io/serviceaccount",
                "name" => v.to_string(),
                "readOnly" => true,
            }],
        );
    }
    if mode.live() {
        c.push("terminationMessagePath", "/dev/termination-log");
        c.push("terminationMessagePolicy", "File");
    }
    Some(c)
}

fn init_container(app: &App, mode: Mode) -> V {
    let mut c = obj! {
        "name" => "wait-for-db",
        "image" => "busybox:1.36",
        "command" => arr![
            "sh".to_string(),
            "-c".to_string(),
            format!("until nc -z {}-db 5432; do echo \"waiting for db…\"; sleep 2; done", app.domain)
        ],
    };
    if mode.live() {
        c.push("imagePullPolicy", "IfNotPresent");
        c.push("resources", obj! {});
        c.push("terminationMessagePath", "/dev/termination-log");
        c.push("terminationMessagePolicy", "File");
    }
    c
}

/// Pod spec as in a Deployment template (`api_access` set: as in a live Pod).
fn pod_spec(app: &App, mode: Mode, version: Option<&str>, api_access: Option<&str>) -> V {
    let mut r = Rng::new(&[app.seed, tag("spec")]);
    let mut containers = vec![main_container(app, mode, version, api_access)];
    if let Some(s) = sidecar_container(app, mode, api_access) {
        containers.push(s);
    }
    let mut spec = obj! { "containers" => containers };
    if app.init {
        spec.push("initContainers", arr![init_container(app, mode)]);
    }
    let sa = r.chance(0.6).then(|| app.name.clone());
    if let Some(sa) = &sa {
        spec.push("serviceAccountName", sa.clone());
        if mode.live() {
            spec.push("serviceAccount", sa.clone());
        }
    } else if mode.live() && api_access.is_some() {
        spec.push("serviceAccountName", "default");
        spec.push("serviceAccount", "default");
    }
    if r.chance(0.6) {
        spec.push(
            "securityContext",
            obj! {
                "fsGroup" => 10001,
                "runAsNonRoot" => true,
                "runAsUser" => 10001,
                "seccompProfile" => obj!{ "type" => "RuntimeDefault" },
            },
        );
    } else if mode.live() {
        spec.push("securityContext", obj! {});
    }
    if app.replicas > 1 && r.chance(0.4) {
        spec.push(
            "affinity",
            obj! { "podAntiAffinity" => obj!{
                "preferredDuringSchedulingIgnoredDuringExecution" => arr![obj!{
                    "podAffinityTerm" => obj!{
                        "labelSelector" => obj!{ "matchLabels" => selector_labels(app) },
                        "topologyKey" => "kubernetes.io/hostname",
                    },
                    "weight" => 100,
                }],
            }},
        );
    }
    if app.replicas > 2 && r.chance(0.3) {
        spec.push(
            "topologySpreadConstraints",
            arr![obj! {
                "labelSelector" => obj!{ "matchLabels" => selector_labels(app) },
                "maxSkew" => 1,
                "topologyKey" => "topology.kubernetes.io/zone",
                "whenUnsatisfiable" => "ScheduleAnyway",
            }],
        );
    }
    if r.chance(0.2) {
        spec.push("nodeSelector", obj! { "kubernetes.io/os" => "linux" });
    }
    let mut tolerations = Vec::new();
    if r.chance(0.05) {
        tolerations.push(
            obj! { "effect" => "NoSchedule", "key" => "nvidia.com/gpu", "operator" => "Exists" },
        );
    }
    if api_access.is_some() {
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            tolerations.push(obj! {
                "effect" => "NoExecute",
                "key" => key,
                "operator" => "Exists",
                "tolerationSeconds" => 300,
            });
        }
    }
    if !tolerations.is_empty() {
        spec.push("tolerations", tolerations);
    }
    let mut vols = Vec::new();
    if app.cm {
        let mut cm = obj! { "name" => format!("{}-config", app.name) };
        if mode.live() {
            cm.push("defaultMode", 420);
        }
        vols.push(obj! { "name" => "config", "configMap" => cm });
    }
    vols.push(obj! { "name" => "tmp", "emptyDir" => obj!{} });
    if let Some(v) = api_access {
        vols.push(obj! {
            "name" => v.to_string(),
            "projected" => obj!{
                "defaultMode" => 420,
                "sources" => arr![
                    obj!{ "serviceAccountToken" => obj!{ "expirationSeconds" => 3607, "path" => "token" } },
                    obj!{ "configMap" => obj!{
                        "items" => arr![obj!{ "key" => "ca.crt", "path" => "ca.crt" }],
                        "name" => "kube-root-ca.crt",
                    }},
                    obj!{ "downwardAPI" => obj!{ "items" => arr![obj!{
                        "fieldRef" => obj!{ "apiVersion" => "v1", "fieldPath" => "metadata.namespace" },
                        "path" => "namespace",
                    }]}},
                ],
            },
        });
    }
    spec.push("volumes", vols);
    if mode.live() {
        spec.push("dnsPolicy", "ClusterFirst");
        spec.push(
            "restartPolicy",
            if app.workload == Workload::CronJob {
                "OnFailure"
            } else {
                "Always"
            },
        );
        spec.push("schedulerName", "default-scheduler");
        spec.push("terminationGracePeriodSeconds", 30);
    }
    spec
}

fn template_annotations(app: &App, mode: Mode) -> Option<V> {
    let mut r = Rng::new(&[app.seed, tag("tmpl-ann")]);
    let scrape = r.chance(0.7);
    let checksum = r.chance(0.8);
    let digest = r.hex(64);
    let restarted = r.chance(0.25);
    let mut a = V::map();
    let mut any = false;
    if app.metrics_port.is_some() && scrape {
        a.push("prometheus.io/scrape", V::qstr("true"));
        a.push("prometheus.io/port", V::qstr("9464"));
        any = true;
    }
    if mode == Mode::Helm || (app.helm && checksum) {
        a.push("checksum/config", digest);
        any = true;
    }
    if mode.live() && restarted {
        a.push("kubectl.kubernetes.io/restartedAt", ts(app.rs_created - 30));
        any = true;
    }
    any.then_some(a)
}

fn pod_template(app: &App, mode: Mode, hash: Option<&str>, version: Option<&str>) -> V {
    let mut meta = V::map();
    if let Some(a) = template_annotations(app, mode) {
        // go-yaml would print quoted strings the same way; QStr only matters for helm output.
        meta.push(
            "annotations",
            if mode == Mode::Helm { a } else { unquote(a) },
        );
    }
    if mode.live() {
        meta.push("creationTimestamp", V::Null);
    }
    let mut l = if mode == Mode::Helm {
        selector_labels(app)
    } else {
        labels(app, mode)
    };
    if let Some(h) = hash {
        l.push("pod-template-hash", h.to_string());
    }
    meta.push("labels", l);
    obj! { "metadata" => meta, "spec" => pod_spec(app, mode, version, None) }
}

fn unquote(v: V) -> V {
    match v {
        V::QStr(s) => V::Str(s),
        V::Map(m) => V::Map(m.into_iter().map(|(k, v)| (k, unquote(v))).collect()),
        V::Seq(s) => V::Seq(s.into_iter().map(unquote).collect()),
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Workloads

fn annotations_base(app: &App) -> V {
    let mut a = V::map();
    if let Some(d) = app.description {
        a.push("description", d);
    }
    let mut r = Rng::new(&[app.seed, tag("owner")]);
    if r.chance(0.4) {
        a.push("owner", format!("team-{}@acme.example", app.domain));
        a.push(
            "runbook",
            format!(
                "https://runbooks.acme.example/{}/{}#alerts",
                app.domain, app.name
            ),
        );
    }
    a
}

pub(crate) fn deployment(c: &Cluster, app: &App, mode: Mode) -> V {
    let mut meta = if mode.live() {
        live_meta(
            app.name.clone(),
            Some(&app.ns_name),
            app.created,
            app.seed ^ tag("deploy"),
            Some(i64::from(app.revision) + 2),
            Some(app.dep_uid.clone()),
        )
    } else {
        let mut m = obj! { "name" => app.name.clone() };
        if mode == Mode::Authored {
            m.push("namespace", app.ns_name.clone());
        }
        m
    };
    meta.push("labels", labels(app, mode));
    let mut ann = annotations_base(app);
    if mode.live() {
        ann.push(
            "deployment.kubernetes.io/revision",
            app.revision.to_string(),
        );
        if app.helm {
            helm_annotations(app, &mut ann);
        } else {
            ann.push(
                "kubectl.kubernetes.io/last-applied-configuration",
                last_applied(deployment(c, app, Mode::Authored)),
            );
        }
    }
    if ann != V::map() {
        meta.push("annotations", ann);
    }
    let mut spec = V::map();
    if !(mode == Mode::Helm && app.hpa.is_some()) {
        spec.push("replicas", app.replicas);
    }
    let mut r = Rng::new(&[app.seed, tag("deploy-spec")]);
    let short_history = r.chance(0.3);
    let custom_strategy = r.chance(0.3);
    if mode.live() || short_history {
        spec.push("revisionHistoryLimit", if short_history { 3 } else { 10 });
    }
    if mode.live() {
        spec.push("progressDeadlineSeconds", 600);
    }
    spec.push("selector", obj! { "matchLabels" => selector_labels(app) });
    if mode.live() || custom_strategy {
        let (surge, unavail) = if custom_strategy {
            (V::from(1), V::from(0))
        } else {
            (V::from("25%"), V::from("25%"))
        };
        spec.push(
            "strategy",
            obj! { "type" => "RollingUpdate", "rollingUpdate" => obj!{ "maxSurge" => surge, "maxUnavailable" => unavail } },
        );
    }
    spec.push("template", pod_template(app, mode, None, None));
    let mut d = obj! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => meta,
        "spec" => spec,
    };
    if mode.live() {
        d.push("status", deployment_status(c, app));
    }
    d
}

fn ready_count(c: &Cluster, app: &App) -> u32 {
    (0..Cluster::pod_count(app))
        .filter(|&k| c.pod(app, k).ready)
        .count() as u32
}

fn quota_message(app: &App, pod_name: &str) -> String {
    let lim_gi = 8 * (1 + app.ns % 6);
    format!(
        "pods \"{pod_name}\" is forbidden: exceeded quota: compute-resources, requested: limits.memory={}, used: limits.memory={}Gi, limited: limits.memory={lim_gi}Gi",
        mem_qty(app.mem_lim_mi),
        lim_gi - 1
    )
}

fn deployment_status(c: &Cluster, app: &App) -> V {
    let ready = ready_count(c, app);
    let have = Cluster::pod_count(app);
    let rs_name = format!("{}-{}", app.name, app.hash);
    let t_avail = ts(app.rs_created + 90);
    let t_prog = ts(app.created + 60);
    let min_ok = app.replicas - ready <= app.replicas / 4;
    let mut conds = vec![if min_ok {
        obj! {
            "lastTransitionTime" => t_avail.clone(),
            "lastUpdateTime" => t_avail,
            "message" => "Deployment has minimum availability.",
            "reason" => "MinimumReplicasAvailable",
            "status" => "True",
            "type" => "Available",
        }
    } else {
        obj! {
            "lastTransitionTime" => t_avail.clone(),
            "lastUpdateTime" => t_avail,
            "message" => "Deployment does not have minimum availability.",
            "reason" => "MinimumReplicasUnavailable",
            "status" => "False",
            "type" => "Available",
        }
    }];
    let stuck = matches!(app.profile, Profile::CrashLoop | Profile::OomKilled) && ready == 0;
    conds.push(if stuck {
        obj! {
            "lastTransitionTime" => ts(app.rs_created + 600),
            "lastUpdateTime" => ts(app.rs_created + 600),
            "message" => format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            "reason" => "ProgressDeadlineExceeded",
            "status" => "False",
            "type" => "Progressing",
        }
    } else {
        obj! {
            "lastTransitionTime" => t_prog,
            "lastUpdateTime" => ts(app.rs_created + 95),
            "message" => format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            "reason" => "NewReplicaSetAvailable",
            "status" => "True",
            "type" => "Progressing",
        }
    });
    if app.missing > 0 {
        conds.push(obj! {
            "lastTransitionTime" => ts(app.rs_created + 5),
            "lastUpdateTime" => ts(app.rs_created + 5),
            "message" => quota_message(app, &format!("{rs_name}-{}", Rng::new(&[app.seed, tag("quota")]).k8s_suffix(5))),
            "reason" => "FailedCreate",
            "status" => "True",
            "type" => "ReplicaFailure",
        });
    }
    let mut st = V::map();
    if ready > 0 {
        st.push("availableReplicas", ready);
        st.push("readyReplicas", ready);
    }
    st.push("conditions", conds);
    st.push("observedGeneration", i64::from(app.revision) + 2);
    st.push("replicas", have);
    if app.replicas > ready {
        st.push("unavailableReplicas", app.replicas - ready);
    }
    st.push("updatedReplicas", have);
    st
}

fn old_version(app: &App, i: usize) -> String {
    let mut parts: Vec<i64> = app
        .version
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    parts.resize(3, 0);
    let back = i as i64 + 1;
    if parts[2] >= back {
        parts[2] -= back;
    } else if parts[1] >= back {
        parts[1] -= back;
    }
    format!("{}.{}.{}", parts[0], parts[1], parts[2])
}

/// ReplicaSets of a deployment: the current one first, then older, scaled-down ones.
pub(crate) fn replicasets(c: &Cluster, app: &App) -> Vec<V> {
    let mut out = Vec::with_capacity(1 + app.old_hashes.len());
    let surge = app.replicas + app.replicas.div_ceil(4);
    for i in 0..=app.old_hashes.len() {
        let current = i == 0;
        let h = if current {
            &app.hash
        } else {
            &app.old_hashes[i - 1]
        };
        let name = format!("{}-{h}", app.name);
        let seed = hash(&[app.seed, tag("rs"), i as u64]);
        let created = if current {
            app.rs_created
        } else {
            app.rs_created - (i as i64) * 86_400 * 3
        };
        let rev = app.revision.saturating_sub(i as u32).max(1);
        let rs_uid = if current {
            app.rs_uid.clone()
        } else {
            uid(&[seed, tag("uid")])
        };
        let mut meta = live_meta(
            name.clone(),
            Some(&app.ns_name),
            created,
            seed,
            Some(if current { 1 } else { 3 }),
            Some(rs_uid),
        );
        let mut ann = obj! {
            "deployment.kubernetes.io/desired-replicas" => app.replicas.to_string(),
            "deployment.kubernetes.io/max-replicas" => surge.to_string(),
            "deployment.kubernetes.io/revision" => rev.to_string(),
        };
        if app.helm {
            helm_annotations(app, &mut ann);
        }
        meta.push("annotations", ann);
        let mut l = labels(app, Mode::Live);
        l.push("pod-template-hash", h.clone());
        meta.push("labels", l);
        meta.push(
            "ownerReferences",
            owner(
                "apps/v1",
                "Deployment",
                app.name.clone(),
                app.dep_uid.clone(),
            ),
        );
        let mut sel = selector_labels(app);
        sel.push("pod-template-hash", h.clone());
        let version = (!current).then(|| old_version(app, i - 1));
        let spec = obj! {
            "replicas" => if current { app.replicas } else { 0 },
            "selector" => obj!{ "matchLabels" => sel },
            "template" => pod_template(app, Mode::Live, Some(h), version.as_deref()),
        };
        let status = if current {
            let ready = ready_count(c, app);
            let have = Cluster::pod_count(app);
            let mut st = V::map();
            if ready > 0 {
                st.push("availableReplicas", ready);
            }
            if app.missing > 0 {
                st.push(
                    "conditions",
                    arr![obj! {
                        "lastTransitionTime" => ts(app.rs_created + 5),
                        "message" => quota_message(app, &format!("{name}-{}", Rng::new(&[app.seed, tag("quota")]).k8s_suffix(5))),
                        "reason" => "FailedCreate",
                        "status" => "True",
                        "type" => "ReplicaFailure",
                    }],
                );
            }
            st.push("fullyLabeledReplicas", have);
            st.push("observedGeneration", 1);
            if ready > 0 {
                st.push("readyReplicas", ready);
            }
            st.push("replicas", have);
            st
        } else {
            obj! { "observedGeneration" => 3, "replicas" => 0 }
        };
        out.push(obj! {
            "apiVersion" => "apps/v1",
            "kind" => "ReplicaSet",
            "metadata" => meta,
            "spec" => spec,
            "status" => status,
        });
    }
    out
}

fn container_id(seed: u64, which: u64) -> String {
    format!(
        "containerd://{}",
        Rng::new(&[seed, tag("cid"), which]).hex(64)
    )
}

fn image_id(image: &str, digest: &str) -> String {
    let repo = match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    };
    format!("{repo}@sha256:{digest}")
}

pub(crate) fn pod(c: &Cluster, app: &App, p: &Pod) -> V {
    let mut r = Rng::new(&[p.seed]);
    let api_access = format!("kube-api-access-{}", r.k8s_suffix(5));
    let rs_name = format!("{}-{}", app.name, app.hash);
    let mut meta = live_meta(
        p.name.clone(),
        Some(&app.ns_name),
        p.created,
        p.seed,
        None,
        Some(p.uid.clone()),
    );
    let mut ann = template_annotations(app, Mode::Live).map_or_else(V::map, unquote);
    if let Some(ip) = &p.ip
        && c.flavor == crate::model::Flavor::Kubeadm
    {
        ann.push("cni.projectcalico.org/containerID", r.hex(64));
        ann.push("cni.projectcalico.org/podIP", format!("{ip}/32"));
        ann.push("cni.projectcalico.org/podIPs", format!("{ip}/32"));
    }
    if ann != V::map() {
        meta.push("annotations", ann);
    }
    let mut l = labels(app, Mode::Live);
    if let Some(job) = &p.job {
        let juid = uid(&[app.seed, s_hash(job)]);
        meta.push("generateName", format!("{job}-"));
        l.push("batch.kubernetes.io/controller-uid", juid.clone());
        l.push("batch.kubernetes.io/job-name", job.clone());
        l.push("controller-uid", juid.clone());
        l.push("job-name", job.clone());
        meta.push(
            "ownerReferences",
            owner("batch/v1", "Job", job.clone(), juid),
        );
    } else {
        meta.push("generateName", format!("{rs_name}-"));
        l.push("pod-template-hash", app.hash.clone());
        meta.push(
            "ownerReferences",
            owner("apps/v1", "ReplicaSet", rs_name, app.rs_uid.clone()),
        );
    }
    meta.push("labels", l);
    let mut spec = pod_spec(app, Mode::Live, None, Some(&api_access));
    spec.push("enableServiceLinks", true);
    if let Some(n) = p.node {
        spec.push("nodeName", c.nodes[n].name.clone());
    }
    spec.push("preemptionPolicy", "PreemptLowerPriority");
    spec.push("priority", 0);
    obj! {
        "apiVersion" => "v1",
        "kind" => "Pod",
        "metadata" => meta,
        "spec" => spec,
        "status" => pod_status(c, app, p),
    }
}

fn cond(t: &'static str, status: bool, at: i64) -> V {
    obj! {
        "lastProbeTime" => V::Null,
        "lastTransitionTime" => ts(at),
        "status" => if status { "True" } else { "False" },
        "type" => t,
    }
}

fn cond_reason(t: &'static str, at: i64, reason: &'static str, message: Option<String>) -> V {
    let mut c = cond(t, false, at);
    if let Some(m) = message {
        c.push("message", m);
    }
    c.push("reason", reason);
    c
}

fn pod_status(c: &Cluster, app: &App, p: &Pod) -> V {
    let mut r = Rng::new(&[p.seed, tag("status")]);
    let qos = if app.cpu_lim_m == Some(app.cpu_req_m)
        && app.mem_req_mi == app.mem_lim_mi
        && app.sidecar.is_none()
        && !app.init
    {
        "Guaranteed"
    } else {
        "Burstable"
    };
    let mut st = V::map();
    if p.state == PodState::Pending {
        let n = c.nodes.len();
        let tainted = c
            .nodes
            .iter()
            .filter(|n| n.role != NodeRole::Worker || n.cordoned)
            .count();
        let msg = format!(
            "0/{n} nodes are available: {tainted} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}, {} Insufficient memory. preemption: 0/{n} nodes are available: {tainted} Preemption is not helpful for scheduling, {} No preemption victims found for incoming pod.",
            n - tainted,
            n - tainted
        );
        st.push(
            "conditions",
            arr![cond_reason(
                "PodScheduled",
                p.created + 1,
                "Unschedulable",
                Some(msg)
            )],
        );
        st.push("phase", "Pending");
        st.push("qosClass", qos);
        return st;
    }
    let ready_at = p.started + 5 + r.range(0, 60) as i64;
    let done = matches!(p.state, PodState::Succeeded | PodState::Failed);
    let mut conds = vec![cond("PodReadyToStartContainers", !done, p.started)];
    if done {
        let mut init = cond("Initialized", true, p.created + 1);
        init.push("reason", "PodCompleted");
        conds.push(init);
        conds.push(cond_reason("Ready", p.started + 60, "PodCompleted", None));
        conds.push(cond_reason(
            "ContainersReady",
            p.started + 60,
            "PodCompleted",
            None,
        ));
    } else {
        conds.push(cond("Initialized", true, p.created + 1));
        if p.ready {
            conds.push(cond("Ready", true, ready_at));
            conds.push(cond("ContainersReady", true, ready_at));
        } else {
            let msg = format!("containers with unready status: [{}]", app.container);
            conds.push(cond_reason(
                "Ready",
                ready_at,
                "ContainersNotReady",
                Some(msg.clone()),
            ));
            conds.push(cond_reason(
                "ContainersReady",
                ready_at,
                "ContainersNotReady",
                Some(msg),
            ));
        }
    }
    conds.push(cond("PodScheduled", true, p.created));
    st.push("conditions", conds);

    let mut statuses = Vec::new();
    let main_image = app.image.clone();
    let cid = container_id(p.seed, 0);
    let last_term = |exit: i64, reason: &'static str, r: &mut Rng| {
        let fin = NOW - r.range(30, 3000) as i64;
        obj! { "terminated" => obj!{
            "containerID" => container_id(p.seed, 1),
            "exitCode" => exit,
            "finishedAt" => ts(fin),
            "reason" => reason,
            "startedAt" => ts(fin - r.range(5, 7200) as i64),
        }}
    };
    let waiting = || {
        obj! { "waiting" => obj!{
            "message" => format!("back-off 5m0s restarting failed container={} pod={}_{}({})", app.container, p.name, app.ns_name, p.uid),
            "reason" => "CrashLoopBackOff",
        }}
    };
    let running = |at: i64| obj! { "running" => obj!{ "startedAt" => ts(at) } };
    let (state, last, ready, started) = match p.state {
        PodState::Running => {
            let last = if p.restarts > 0 {
                last_term(143, "Error", &mut r)
            } else {
                obj! {}
            };
            (running(p.started), last, true, true)
        }
        PodState::NotReady => (running(p.started), obj! {}, false, true),
        PodState::CrashLoop => (waiting(), last_term(1, "Error", &mut r), false, false),
        PodState::OomCrashLoop => (waiting(), last_term(137, "OOMKilled", &mut r), false, false),
        PodState::OomRecovered => {
            let last = last_term(137, "OOMKilled", &mut r);
            let fin = match last.get("terminated").and_then(|t| t.get("finishedAt")) {
                Some(V::Str(s)) => s.to_string(),
                _ => ts(NOW - 60),
            };
            let restarted = obj! { "running" => obj!{ "startedAt" => fin } };
            (restarted, last, true, true)
        }
        PodState::Succeeded | PodState::Failed => {
            let ok = p.state == PodState::Succeeded;
            let term = obj! { "terminated" => obj!{
                "containerID" => cid.clone(),
                "exitCode" => if ok { 0 } else { 1 },
                "finishedAt" => ts(p.started + 40 + r.range(0, 900) as i64),
                "reason" => if ok { "Completed" } else { "Error" },
                "startedAt" => ts(p.started),
            }};
            (term, obj! {}, false, false)
        }
        PodState::Pending => unreachable!(),
    };
    statuses.push(obj! {
        "containerID" => cid,
        "image" => main_image.clone(),
        "imageID" => image_id(&main_image, &app.image_digest),
        "lastState" => last,
        "name" => app.container.clone(),
        "ready" => ready,
        "restartCount" => p.restarts,
        "started" => started,
        "state" => state,
    });
    if let Some((name, image)) = app.sidecar {
        statuses.push(obj! {
            "containerID" => container_id(p.seed, 2),
            "image" => image,
            "imageID" => image_id(image, &Rng::new(&[s_hash(image)]).hex(64)),
            "lastState" => obj!{},
            "name" => name,
            "ready" => !done,
            "restartCount" => 0,
            "started" => !done,
            "state" => if done { obj!{ "terminated" => obj!{
                "containerID" => container_id(p.seed, 2),
                "exitCode" => 0,
                "finishedAt" => ts(p.started + 60),
                "reason" => "Completed",
                "startedAt" => ts(p.started),
            }}} else { running(p.started) },
        });
    }
    st.push("containerStatuses", statuses);
    let node = &c.nodes[p.node.unwrap_or(0)];
    st.push("hostIP", node.ip.clone());
    st.push("hostIPs", arr![obj! { "ip" => node.ip.clone() }]);
    if app.init {
        st.push(
            "initContainerStatuses",
            arr![obj! {
                "containerID" => container_id(p.seed, 3),
                "image" => "docker.io/library/busybox:1.36",
                "imageID" => "docker.io/library/busybox@sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7",
                "lastState" => obj!{},
                "name" => "wait-for-db",
                "ready" => true,
                "restartCount" => 0,
                "started" => false,
                "state" => obj!{ "terminated" => obj!{
                    "containerID" => container_id(p.seed, 3),
                    "exitCode" => 0,
                    "finishedAt" => ts(p.started - 1),
                    "reason" => "Completed",
                    "startedAt" => ts(p.created + 2),
                }},
            }],
        );
    }
    st.push(
        "phase",
        match p.state {
            PodState::Succeeded => "Succeeded",
            PodState::Failed => "Failed",
            _ => "Running",
        },
    );
    if let Some(ip) = &p.ip
        && !done
    {
        st.push("podIP", ip.clone());
        st.push("podIPs", arr![obj! { "ip" => ip.clone() }]);
    }
    st.push("qosClass", qos);
    st.push("startTime", ts(p.created + 1));
    st
}

// ---------------------------------------------------------------------------------------------
// Services and endpoints

fn cluster_ip(app: &App) -> String {
    let h = hash(&[app.seed, tag("clusterip")]);
    format!(
        "10.{}.{}.{}",
        96 + h % 16,
        (h >> 8) % 256,
        (h >> 16) % 254 + 1
    )
}

fn service_ports(app: &App, mode: Mode) -> Vec<V> {
    let target = if app.target_port_typo {
        "web"
    } else {
        app.port_name
    };
    let mut r = Rng::new(&[app.seed, tag("svc-ports")]);
    let mut p = obj! {
        "name" => app.port_name,
        "port" => if app.grpc { 9090 } else { 80 },
        "protocol" => "TCP",
        "targetPort" => target,
    };
    let svc = app.svc.unwrap_or(SvcType::ClusterIP);
    if mode.live() && matches!(svc, SvcType::NodePort | SvcType::LoadBalancer) {
        p.push("nodePort", r.range(30000, 32767));
    }
    let mut ports = vec![p];
    if let Some(m) = app.metrics_port {
        let mut mp =
            obj! { "name" => "metrics", "port" => m, "protocol" => "TCP", "targetPort" => m };
        if mode.live() && matches!(svc, SvcType::NodePort | SvcType::LoadBalancer) {
            mp.push("nodePort", r.range(30000, 32767));
        }
        ports.push(mp);
    }
    ports
}

pub(crate) fn service(c: &Cluster, app: &App, mode: Mode) -> V {
    let svc = app.svc.unwrap_or(SvcType::ClusterIP);
    let mut meta = if mode.live() {
        live_meta(
            app.name.clone(),
            Some(&app.ns_name),
            app.created,
            app.seed ^ tag("svc"),
            None,
            Some(app.svc_uid.clone()),
        )
    } else {
        let mut m = obj! { "name" => app.name.clone() };
        if mode == Mode::Authored {
            m.push("namespace", app.ns_name.clone());
        }
        m
    };
    meta.push("labels", labels(app, mode));
    let mut ann = V::map();
    if svc == SvcType::LoadBalancer {
        match c.flavor {
            crate::model::Flavor::Eks => {
                ann.push("service.beta.kubernetes.io/aws-load-balancer-type", "nlb");
                ann.push(
                    "service.beta.kubernetes.io/aws-load-balancer-scheme",
                    "internet-facing",
                );
            }
            crate::model::Flavor::Gke => {
                ann.push("networking.gke.io/load-balancer-type", "Internal")
            }
            _ => ann.push(
                "service.beta.kubernetes.io/azure-load-balancer-internal",
                "true",
            ),
        }
    }
    if mode.live() {
        if app.helm {
            helm_annotations(app, &mut ann);
        } else {
            ann.push(
                "kubectl.kubernetes.io/last-applied-configuration",
                last_applied(service(c, app, Mode::Authored)),
            );
        }
    }
    if ann != V::map() {
        meta.push("annotations", ann);
    }
    let mut spec = V::map();
    let ty = match svc {
        SvcType::ClusterIP | SvcType::Headless => "ClusterIP",
        SvcType::NodePort => "NodePort",
        SvcType::LoadBalancer => "LoadBalancer",
    };
    spec.push("type", ty);
    if svc == SvcType::Headless {
        spec.push("clusterIP", "None");
    }
    spec.push("ports", service_ports(app, mode));
    spec.push("selector", selector_labels_typo(app));
    if mode.live() {
        if svc != SvcType::Headless {
            spec.push("clusterIP", cluster_ip(app));
            spec.push("clusterIPs", arr![cluster_ip(app)]);
        } else {
            spec.push("clusterIPs", arr!["None"]);
        }
        spec.push("internalTrafficPolicy", "Cluster");
        spec.push("ipFamilies", arr!["IPv4"]);
        spec.push("ipFamilyPolicy", "SingleStack");
        spec.push("sessionAffinity", "None");
        if matches!(svc, SvcType::NodePort | SvcType::LoadBalancer) {
            spec.push(
                "externalTrafficPolicy",
                if svc == SvcType::LoadBalancer {
                    "Local"
                } else {
                    "Cluster"
                },
            );
        }
        if svc == SvcType::LoadBalancer {
            spec.push("allocateLoadBalancerNodePorts", true);
            spec.push("healthCheckNodePort", 30000 + (app.seed % 2767) as i64);
        }
    }
    let mut s = obj! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => meta,
        "spec" => spec,
    };
    if mode.live() {
        let lb = if svc == SvcType::LoadBalancer {
            let mut r = Rng::new(&[app.seed, tag("lb")]);
            let ing = match c.flavor {
                crate::model::Flavor::Eks => obj! { "hostname" => format!(
                    "k8s-{}-{}-{}.elb.{}.amazonaws.com",
                    &app.ns_name.chars().take(8).collect::<String>(),
                    &app.name.chars().take(9).collect::<String>(),
                    r.hex(10),
                    c.region
                )},
                _ => {
                    obj! { "ip" => format!("10.200.{}.{}", r.below(256), r.range(1, 254)), "ipMode" => "VIP" }
                }
            };
            obj! { "ingress" => arr![ing] }
        } else {
            obj! {}
        };
        s.push("status", obj! { "loadBalancer" => lb });
    }
    s
}

pub(crate) fn endpointslice(c: &Cluster, app: &App) -> V {
    let mut r = Rng::new(&[app.seed, tag("eps")]);
    let name = format!("{}-{}", app.name, r.k8s_suffix(5));
    let mut meta = live_meta(
        name,
        Some(&app.ns_name),
        app.created + 1,
        app.seed ^ tag("eps"),
        Some(r.range(1, 60) as i64),
        None,
    );
    meta.push(
        "annotations",
        obj! { "endpoints.kubernetes.io/last-change-trigger-time" => ts(app.rs_created + r.range(30, 3000) as i64) },
    );
    meta.push("generateName", format!("{}-", app.name));
    let mut l = labels(app, Mode::Live);
    l.push(
        "endpointslice.kubernetes.io/managed-by",
        "endpointslice-controller.k8s.io",
    );
    l.push("kubernetes.io/service-name", app.name.clone());
    if app.svc == Some(SvcType::Headless) {
        l.push("service.kubernetes.io/headless", "");
    }
    meta.push("labels", l);
    meta.push(
        "ownerReferences",
        owner("v1", "Service", app.name.clone(), app.svc_uid.clone()),
    );
    let mut endpoints = Vec::new();
    if !app.selector_typo {
        for k in 0..Cluster::pod_count(app) {
            let p = c.pod(app, k);
            let (Some(ip), Some(n)) = (&p.ip, p.node) else {
                continue;
            };
            let node = &c.nodes[n];
            endpoints.push(obj! {
                "addresses" => arr![ip.clone()],
                "conditions" => obj!{
                    "ready" => p.ready,
                    "serving" => p.ready,
                    "terminating" => false,
                },
                "nodeName" => node.name.clone(),
                "targetRef" => obj!{
                    "kind" => "Pod",
                    "name" => p.name.clone(),
                    "namespace" => app.ns_name.clone(),
                    "uid" => p.uid.clone(),
                },
                "zone" => node.zone.clone(),
            });
        }
    }
    let mut ports = Vec::new();
    if !app.selector_typo {
        if !app.target_port_typo {
            ports.push(obj! { "name" => app.port_name, "port" => app.port, "protocol" => "TCP" });
        }
        if let Some(m) = app.metrics_port {
            ports.push(obj! { "name" => "metrics", "port" => m, "protocol" => "TCP" });
        }
    }
    obj! {
        "addressType" => "IPv4",
        "apiVersion" => "discovery.k8s.io/v1",
        "endpoints" => if endpoints.is_empty() { V::Null } else { V::Seq(endpoints) },
        "kind" => "EndpointSlice",
        "metadata" => meta,
        "ports" => if ports.is_empty() { V::Null } else { V::Seq(ports) },
    }
}

// ---------------------------------------------------------------------------------------------
// Config, autoscaling, disruption budgets

fn config_text(app: &App, r: &mut Rng) -> String {
    let mut s = String::with_capacity(1024);
    s.push_str(&format!(
        "# {} configuration — managed by team {}\n",
        app.name, app.domain
    ));
    s.push_str("server:\n");
    s.push_str(&format!("  port: {}\n", app.port));
    s.push_str("  shutdownTimeout: 25s\n");
    s.push_str("  cors:\n    allowedOrigins:\n");
    s.push_str(&format!(
        "      - https://{}.acme.example\n      - https://admin.acme.example\n",
        app.domain
    ));
    s.push_str("database:\n");
    s.push_str(&format!(
        "  host: {}-db.{}.svc.cluster.local\n",
        app.domain, app.ns_name
    ));
    s.push_str(&format!(
        "  pool:\n    maxOpen: {}\n    maxIdle: 5\n    connMaxLifetime: 30m\n",
        r.range(10, 64)
    ));
    s.push('\n');
    s.push_str("features:\n");
    for f in ["newPricing", "asyncExport", "strictValidation"] {
        s.push_str(&format!("  {f}: {}\n", r.chance(0.5)));
    }
    s.push_str("messages:\n");
    s.push_str("  greeting: \"Willkommen! ようこそ! Добро пожаловать!\"\n");
    s.push_str("  maintenance: 'Wartungsarbeiten: 02:00–04:00 UTC'\n");
    if r.chance(0.5) {
        s.push_str(
            "logging:\n  level: info\n  format: json\n  fields: [trace_id, span_id, user_id]\n",
        );
    }
    s
}

pub(crate) fn configmap(app: &App, mode: Mode) -> V {
    let mut r = Rng::new(&[app.seed, tag("cm")]);
    let name = format!("{}-config", app.name);
    let mut data = V::map();
    data.push("application.yaml", config_text(app, &mut r));
    data.push("LOG_LEVEL", "info");
    data.push("CACHE_TTL_SECONDS", V::qstr(r.range(30, 3600).to_string()));
    data.push("ENABLE_TRACING", V::qstr("true"));
    if r.chance(0.4) {
        data.push(
            "nginx.conf",
            format!(
                "server {{\n    listen 8081;\n    location /static/ {{\n        root /var/www;\n        expires 7d;\n    }}\n    location / {{\n        proxy_pass http://127.0.0.1:{};\n        proxy_set_header X-Request-Id $request_id;  # trace\n    }}\n}}",
                app.port
            ),
        );
    }
    if r.chance(0.3) {
        data.push(
            "rules.json",
            format!(
                "{{\n  \"version\": 2,\n  \"limits\": {{\"rps\": {}, \"burst\": {}}},\n  \"regions\": [\"eu-west-1\", \"us-east-1\"]\n}}\n",
                r.range(50, 5000),
                r.range(10, 500)
            ),
        );
    }
    if let Some(d) = app.description {
        data.push("DISPLAY_NAME", d);
    }
    if mode != Mode::Helm {
        data = unquote(data);
    }
    let mut meta = if mode.live() {
        live_meta(
            name,
            Some(&app.ns_name),
            app.created,
            app.seed ^ tag("cm"),
            None,
            None,
        )
    } else {
        let mut m = obj! { "name" => name };
        if mode == Mode::Authored {
            m.push("namespace", app.ns_name.clone());
        }
        m
    };
    meta.push("labels", labels(app, mode));
    if mode.live() {
        let mut ann = V::map();
        if app.helm {
            helm_annotations(app, &mut ann);
        } else {
            ann.push(
                "kubectl.kubernetes.io/last-applied-configuration",
                last_applied(configmap(app, Mode::Authored)),
            );
        }
        meta.push("annotations", ann);
    }
    obj! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => meta,
        "data" => data,
    }
}

pub(crate) fn root_ca_configmap(c: &Cluster, ns: &Ns) -> V {
    let mut r = Rng::new(&[c.seed, tag("root-ca")]);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for _ in 0..17 {
        pem.push_str(&r.base64(64));
        pem.push('\n');
    }
    pem.push_str(&r.base64(24));
    pem.push_str("==\n-----END CERTIFICATE-----\n");
    let mut meta = live_meta(
        "kube-root-ca.crt".to_string(),
        Some(&ns.name),
        ns.created,
        ns.seed ^ tag("rootca"),
        None,
        None,
    );
    meta.push("annotations", obj! { "kubernetes.io/description" => "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." });
    obj! {
        "apiVersion" => "v1",
        "data" => obj!{ "ca.crt" => pem },
        "kind" => "ConfigMap",
        "metadata" => meta,
    }
}

pub(crate) fn hpa(app: &App, mode: Mode) -> Option<V> {
    let (min, max) = app.hpa?;
    let mut r = Rng::new(&[app.seed, tag("hpa")]);
    let target = *r.pick(&[60, 70, 75, 80]);
    let mut meta = if mode.live() {
        live_meta(
            app.name.clone(),
            Some(&app.ns_name),
            app.created,
            app.seed ^ tag("hpa"),
            None,
            None,
        )
    } else {
        obj! { "name" => app.name.clone() }
    };
    meta.push("labels", labels(app, mode));
    let mut metrics = vec![obj! {
        "type" => "Resource",
        "resource" => obj!{ "name" => "cpu", "target" => obj!{ "type" => "Utilization", "averageUtilization" => target } },
    }];
    if r.chance(0.4) {
        metrics.push(obj! {
            "type" => "Resource",
            "resource" => obj!{ "name" => "memory", "target" => obj!{ "type" => "Utilization", "averageUtilization" => 85 } },
        });
    }
    let mut spec = obj! {
        "scaleTargetRef" => obj!{ "apiVersion" => "apps/v1", "kind" => "Deployment", "name" => app.name.clone() },
        "minReplicas" => min,
        "maxReplicas" => max,
        "metrics" => metrics,
    };
    if r.chance(0.3) {
        spec.push(
            "behavior",
            obj! { "scaleDown" => obj!{ "stabilizationWindowSeconds" => 300, "policies" => arr![obj!{ "type" => "Percent", "value" => 50, "periodSeconds" => 60 }] } },
        );
    }
    let mut h = obj! {
        "apiVersion" => "autoscaling/v2",
        "kind" => "HorizontalPodAutoscaler",
        "metadata" => meta,
        "spec" => spec,
    };
    if mode.live() {
        let util = r.range(5, 140);
        let limited = app.replicas >= max;
        h.push(
            "status",
            obj! {
                "conditions" => arr![
                    obj!{ "lastTransitionTime" => ts(app.created + 120), "message" => "recommended size matches current size", "reason" => "ReadyForNewScale", "status" => "True", "type" => "AbleToScale" },
                    obj!{ "lastTransitionTime" => ts(app.rs_created + 300), "message" => "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", "reason" => "ValidMetricFound", "status" => "True", "type" => "ScalingActive" },
                    if limited {
                        obj!{ "lastTransitionTime" => ts(NOW - 1800), "message" => "the desired replica count is more than the maximum replica count", "reason" => "TooManyReplicas", "status" => "True", "type" => "ScalingLimited" }
                    } else {
                        obj!{ "lastTransitionTime" => ts(NOW - 7200), "message" => "the desired count is within the acceptable range", "reason" => "DesiredWithinRange", "status" => "False", "type" => "ScalingLimited" }
                    },
                ],
                "currentMetrics" => arr![obj!{
                    "resource" => obj!{ "current" => obj!{ "averageUtilization" => util, "averageValue" => format!("{}m", app.cpu_req_m as u64 * util / 100) }, "name" => "cpu" },
                    "type" => "Resource",
                }],
                "currentReplicas" => app.replicas,
                "desiredReplicas" => app.replicas,
                "lastScaleTime" => ts(NOW - r.range(300, 86_400) as i64),
            },
        );
    }
    Some(h)
}

pub(crate) fn pdb(c: &Cluster, app: &App, mode: Mode) -> Option<V> {
    if !app.pdb {
        return None;
    }
    let mut r = Rng::new(&[app.seed, tag("pdb")]);
    let strict = r.chance(0.25);
    let mut meta = if mode.live() {
        live_meta(
            app.name.clone(),
            Some(&app.ns_name),
            app.created,
            app.seed ^ tag("pdb"),
            Some(1),
            None,
        )
    } else {
        obj! { "name" => app.name.clone() }
    };
    meta.push("labels", labels(app, mode));
    let mut spec = V::map();
    let min = if strict { app.replicas } else { 1 };
    if strict || r.chance(0.5) {
        spec.push("minAvailable", min);
    } else {
        spec.push("maxUnavailable", "25%");
    }
    spec.push("selector", obj! { "matchLabels" => selector_labels(app) });
    let mut p = obj! {
        "apiVersion" => "policy/v1",
        "kind" => "PodDisruptionBudget",
        "metadata" => meta,
        "spec" => spec,
    };
    if mode.live() {
        let healthy = ready_count(c, app);
        let desired = if strict {
            app.replicas
        } else {
            min.min(app.replicas)
        };
        let allowed = healthy.saturating_sub(desired);
        p.push(
            "status",
            obj! {
                "conditions" => arr![obj!{
                    "lastTransitionTime" => ts(app.rs_created + 100),
                    "message" => "",
                    "observedGeneration" => 1,
                    "reason" => if allowed > 0 { "SufficientPods" } else { "InsufficientPods" },
                    "status" => if allowed > 0 { "True" } else { "False" },
                    "type" => "DisruptionAllowed",
                }],
                "currentHealthy" => healthy,
                "desiredHealthy" => desired,
                "disruptionsAllowed" => allowed,
                "expectedPods" => app.replicas,
                "observedGeneration" => 1,
            },
        );
    }
    Some(p)
}

// ---------------------------------------------------------------------------------------------
// Namespace-level policy objects

fn match_labels(k: &'static str, v: impl Into<V>) -> V {
    obj! { "matchLabels" => obj!{ k => v.into() } }
}

fn ns_selector(name: &'static str) -> V {
    match_labels("kubernetes.io/metadata.name", name)
}

fn app_selector(c: &Cluster, ns: &Ns, j: u32) -> V {
    let (name, _) = c.app_name(ns, j);
    match_labels("app.kubernetes.io/name", name)
}

/// Network policies as authored (Authored mode) or live.
pub(crate) fn network_policies(c: &Cluster, ns: &Ns, mode: Mode) -> Vec<V> {
    network_policies_at(c, ns, mode, ns.netpol)
}

/// Network policies of a namespace with `level` 0 (none), 1 (deny + DNS) or 2 (full set).
pub(crate) fn network_policies_at(c: &Cluster, ns: &Ns, mode: Mode, level: u8) -> Vec<V> {
    if level == 0 {
        return Vec::new();
    }
    let mut r = Rng::new(&[ns.seed, tag("netpol")]);
    let mut out: Vec<(&'static str, V)> = Vec::new();
    if ns.system {
        out.push((
            "allow-ingress-controller",
            obj! {
                "podSelector" => match_labels("app.kubernetes.io/name", "ingress-nginx"),
                "policyTypes" => arr!["Ingress"],
                "ingress" => arr![obj!{
                    "from" => arr![obj!{ "ipBlock" => obj!{ "cidr" => "0.0.0.0/0", "except" => arr!["169.254.169.254/32"] } }],
                    "ports" => arr![obj!{ "port" => 80, "protocol" => "TCP" }, obj!{ "port" => 443, "protocol" => "TCP" }],
                }],
            },
        ));
    } else {
        out.push((
            "default-deny-all",
            obj! { "podSelector" => obj!{}, "policyTypes" => arr!["Ingress", "Egress"] },
        ));
        out.push((
            "allow-dns",
            obj! {
                "podSelector" => obj!{},
                "policyTypes" => arr!["Egress"],
                "egress" => arr![obj!{
                    "to" => arr![obj!{
                        "namespaceSelector" => ns_selector("kube-system"),
                        "podSelector" => match_labels("k8s-app", "kube-dns"),
                    }],
                    "ports" => arr![obj!{ "port" => 53, "protocol" => "UDP" }, obj!{ "port" => 53, "protocol" => "TCP" }],
                }],
            },
        ));
    }
    if level >= 2 && !ns.system {
        out.push((
            "allow-from-ingress-nginx",
            obj! {
                "podSelector" => obj!{ "matchExpressions" => arr![obj!{
                    "key" => "app.kubernetes.io/component",
                    "operator" => "In",
                    "values" => arr!["frontend", "web", "bff", "gateway", "api"],
                }]},
                "policyTypes" => arr!["Ingress"],
                "ingress" => arr![obj!{
                    "from" => arr![obj!{
                        "namespaceSelector" => ns_selector("ingress-nginx"),
                        "podSelector" => match_labels("app.kubernetes.io/name", "ingress-nginx"),
                    }],
                    "ports" => arr![obj!{ "port" => "http", "protocol" => "TCP" }],
                }],
            },
        ));
        if r.chance(0.7) {
            out.push((
            "allow-app-to-backend",
            obj! {
                "podSelector" => app_selector(c, ns, 1),
                "policyTypes" => arr!["Ingress"],
                "ingress" => arr![obj!{
                    "from" => arr![
                        obj!{ "podSelector" => app_selector(c, ns, 0) },
                        obj!{ "podSelector" => app_selector(c, ns, 2) },
                    ],
                    "ports" => arr![obj!{ "port" => 8080, "protocol" => "TCP" }, obj!{ "port" => "grpc", "protocol" => "TCP" }],
                }],
            },
        ));
        }
        if r.chance(0.6) {
            out.push((
                "allow-prometheus-scrape",
                obj! {
                    "podSelector" => obj!{},
                    "policyTypes" => arr!["Ingress"],
                    "ingress" => arr![obj!{
                        "from" => arr![obj!{
                            "namespaceSelector" => ns_selector("monitoring"),
                            "podSelector" => match_labels("app.kubernetes.io/name", "prometheus"),
                        }],
                        "ports" => arr![obj!{ "port" => "metrics", "protocol" => "TCP" }],
                    }],
                },
            ));
        }
        if r.chance(0.5) {
            out.push((
                "allow-egress-external-https",
                obj! {
                    "podSelector" => app_selector(c, ns, r.below(3) as u32),
                    "policyTypes" => arr!["Egress"],
                    "egress" => arr![obj!{
                        "to" => arr![obj!{ "ipBlock" => obj!{
                            "cidr" => "0.0.0.0/0",
                            "except" => arr!["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                        }}],
                        "ports" => arr![obj!{ "port" => 443, "protocol" => "TCP" }],
                    }],
                },
            ));
        }
        if r.chance(0.5) {
            out.push((
                "allow-same-namespace",
                obj! {
                    "podSelector" => obj!{},
                    "policyTypes" => arr!["Ingress", "Egress"],
                    "ingress" => arr![obj!{ "from" => arr![obj!{ "podSelector" => obj!{} }] }],
                    "egress" => arr![obj!{ "to" => arr![obj!{ "podSelector" => obj!{} }] }],
                },
            ));
        }
        if r.chance(0.3) {
            out.push((
                "allow-db-egress",
                obj! {
                    "podSelector" => match_labels("app.kubernetes.io/part-of", ns.domain),
                    "policyTypes" => arr!["Egress"],
                    "egress" => arr![obj!{
                        "to" => arr![obj!{ "ipBlock" => obj!{ "cidr" => format!("10.{}.0.0/16", 100 + r.below(50)) } }],
                        "ports" => arr![obj!{ "port" => 5432, "protocol" => "TCP", "endPort" => 5433 }],
                    }],
                },
            ));
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, (name, spec))| netpol(ns, name, spec, mode, i as u64))
        .collect()
}

fn netpol(ns: &Ns, name: &'static str, spec: V, mode: Mode, i: u64) -> V {
    if !mode.live() {
        return obj! {
            "apiVersion" => "networking.k8s.io/v1",
            "kind" => "NetworkPolicy",
            "metadata" => obj!{ "name" => name, "namespace" => ns.name.clone() },
            "spec" => spec,
        };
    }
    let authored = netpol(ns, name, spec.clone(), Mode::Authored, i);
    let seed = hash(&[ns.seed, tag("np"), i]);
    let mut meta = live_meta(
        name.to_string(),
        Some(&ns.name),
        ns.created + 600,
        seed,
        Some(1),
        None,
    );
    meta.push(
        "annotations",
        obj! { "kubectl.kubernetes.io/last-applied-configuration" => last_applied(authored) },
    );
    obj! {
        "apiVersion" => "networking.k8s.io/v1",
        "kind" => "NetworkPolicy",
        "metadata" => meta,
        "spec" => spec,
    }
}

pub(crate) fn resource_quota(ns: &Ns) -> Option<V> {
    if !ns.quota {
        return None;
    }
    let mut r = Rng::new(&[ns.seed, tag("quota")]);
    let lim_gi = 8 * (1 + ns.idx % 6);
    let hard = obj! {
        "limits.cpu" => (lim_gi / 2).to_string(),
        "limits.memory" => format!("{lim_gi}Gi"),
        "pods" => "100",
        "requests.cpu" => (lim_gi / 4).to_string(),
        "requests.memory" => format!("{}Gi", lim_gi / 2),
    };
    let used = obj! {
        "limits.cpu" => format!("{}m", r.range(500, u64::from(lim_gi) * 500)),
        "limits.memory" => format!("{}Mi", r.range(512, u64::from(lim_gi) * 1024 - 1)),
        "pods" => r.range(1, 99).to_string(),
        "requests.cpu" => format!("{}m", r.range(100, u64::from(lim_gi) * 250)),
        "requests.memory" => format!("{}Mi", r.range(256, u64::from(lim_gi) * 512)),
    };
    let meta = live_meta(
        "compute-resources".to_string(),
        Some(&ns.name),
        ns.created + 60,
        ns.seed ^ tag("rq"),
        None,
        None,
    );
    Some(obj! {
        "apiVersion" => "v1",
        "kind" => "ResourceQuota",
        "metadata" => meta,
        "spec" => obj!{ "hard" => hard.clone() },
        "status" => obj!{ "hard" => hard, "used" => used },
    })
}

pub(crate) fn limit_range(ns: &Ns) -> Option<V> {
    if !ns.limitrange {
        return None;
    }
    let meta = live_meta(
        "default-limits".to_string(),
        Some(&ns.name),
        ns.created + 60,
        ns.seed ^ tag("lr"),
        None,
        None,
    );
    Some(obj! {
        "apiVersion" => "v1",
        "kind" => "LimitRange",
        "metadata" => meta,
        "spec" => obj!{ "limits" => arr![obj!{
            "default" => obj!{ "cpu" => "500m", "memory" => "512Mi" },
            "defaultRequest" => obj!{ "cpu" => "100m", "memory" => "128Mi" },
            "max" => obj!{ "cpu" => "4", "memory" => "8Gi" },
            "type" => "Container",
        }]},
    })
}

// ---------------------------------------------------------------------------------------------
// Nodes

pub(crate) fn node(c: &Cluster, n: &Node) -> V {
    let mut r = Rng::new(&[c.seed, tag("node-obj"), u64::from(n.idx)]);
    let seed = hash(&[c.seed, tag("node-seed"), u64::from(n.idx)]);
    let mut meta = live_meta(
        n.name.clone(),
        None,
        n.created,
        seed,
        None,
        Some(n.uid.clone()),
    );
    let mut ann = obj! {
        "node.alpha.kubernetes.io/ttl" => "0",
        "volumes.kubernetes.io/controller-managed-attach-detach" => "true",
    };
    match c.flavor {
        crate::model::Flavor::Eks => ann.push("alpha.kubernetes.io/provided-node-ip", n.ip.clone()),
        crate::model::Flavor::Kubeadm => {
            ann.push(
                "kubeadm.alpha.kubernetes.io/cri-socket",
                "unix:///var/run/containerd/containerd.sock",
            );
            ann.push("projectcalico.org/IPv4Address", format!("{}/24", n.ip));
        }
        _ => ann.push(
            "csi.volume.kubernetes.io/nodeid",
            format!(
                "{{\"pd.csi.storage.gke.io\":\"projects/acme/zones/{}/instances/{}\"}}",
                n.zone, n.name
            ),
        ),
    }
    meta.push("annotations", ann);
    let mut l = obj! {
        "beta.kubernetes.io/arch" => "amd64",
        "beta.kubernetes.io/instance-type" => n.instance_type,
        "beta.kubernetes.io/os" => "linux",
        "failure-domain.beta.kubernetes.io/region" => c.region,
        "failure-domain.beta.kubernetes.io/zone" => n.zone.clone(),
        "kubernetes.io/arch" => "amd64",
        "kubernetes.io/hostname" => n.name.clone(),
        "kubernetes.io/os" => "linux",
        "node.kubernetes.io/instance-type" => n.instance_type,
        "topology.kubernetes.io/region" => c.region,
        "topology.kubernetes.io/zone" => n.zone.clone(),
    };
    match n.role {
        NodeRole::ControlPlane => {
            l.push("node-role.kubernetes.io/control-plane", "");
            l.push(
                "node.kubernetes.io/exclude-from-external-load-balancers",
                "",
            );
        }
        NodeRole::Gpu => {
            l.push("nvidia.com/gpu.present", "true");
            l.push("node-role.kubernetes.io/gpu", "");
        }
        NodeRole::Worker => l.push("node-role.kubernetes.io/worker", ""),
    }
    match c.flavor {
        crate::model::Flavor::Eks => {
            l.push("eks.amazonaws.com/nodegroup", n.pool.clone());
            l.push(
                "eks.amazonaws.com/capacityType",
                if n.pool == "spot" {
                    "SPOT"
                } else {
                    "ON_DEMAND"
                },
            );
        }
        crate::model::Flavor::Gke => {
            l.push("cloud.google.com/gke-nodepool", format!("{}-pool", n.pool))
        }
        crate::model::Flavor::Aks => l.push("kubernetes.azure.com/agentpool", n.pool.clone()),
        crate::model::Flavor::Kubeadm => {}
    }
    meta.push("labels", l);
    let third = (n.idx as usize % 128) * 2;
    let cidr = format!("10.{}.{third}.0/23", 64 + n.idx as usize / 128);
    let mut spec = obj! { "podCIDR" => cidr.clone(), "podCIDRs" => arr![cidr] };
    match c.flavor {
        crate::model::Flavor::Eks => spec.push("providerID", format!("aws:///{}/i-0{}", n.zone, r.hex(16))),
        crate::model::Flavor::Gke => spec.push("providerID", format!("gce://acme-prod/{}/{}", n.zone, n.name)),
        crate::model::Flavor::Aks => spec.push("providerID", format!("azure:///subscriptions/{}/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{}/virtualMachines/{}", r.uuid(), n.pool, n.idx)),
        crate::model::Flavor::Kubeadm => {}
    }
    let mut taints = Vec::new();
    match n.role {
        NodeRole::ControlPlane => taints.push(
            obj! { "effect" => "NoSchedule", "key" => "node-role.kubernetes.io/control-plane" },
        ),
        NodeRole::Gpu => taints.push(
            obj! { "effect" => "NoSchedule", "key" => "nvidia.com/gpu", "value" => "present" },
        ),
        NodeRole::Worker => {}
    }
    if n.cordoned {
        spec.push("unschedulable", true);
        taints.push(obj! { "effect" => "NoSchedule", "key" => "node.kubernetes.io/unschedulable", "timeAdded" => ts(NOW - 5400) });
    }
    if n.not_ready {
        taints.push(obj! { "effect" => "NoSchedule", "key" => "node.kubernetes.io/unreachable", "timeAdded" => ts(NOW - 900) });
        taints.push(obj! { "effect" => "NoExecute", "key" => "node.kubernetes.io/unreachable", "timeAdded" => ts(NOW - 895) });
    }
    if !taints.is_empty() {
        spec.push("taints", taints);
    }
    let mem_ki = u64::from(n.mem_gi) * 1024 * 1024 - r.range(200_000, 700_000);
    let eph = 104_845_292u64 + r.below(1000);
    let capacity = obj! {
        "cpu" => n.cpu.to_string(),
        "ephemeral-storage" => format!("{eph}Ki"),
        "hugepages-1Gi" => "0",
        "hugepages-2Mi" => "0",
        "memory" => format!("{mem_ki}Ki"),
        "pods" => "110",
    };
    let mut allocatable = obj! {
        "cpu" => format!("{}m", n.cpu * 1000 - 80 - n.cpu * 10),
        "ephemeral-storage" => (eph * 1024 * 9 / 10).to_string(),
        "hugepages-1Gi" => "0",
        "hugepages-2Mi" => "0",
        "memory" => format!("{}Ki", mem_ki - 1_000_000),
        "pods" => "110",
    };
    if n.role == NodeRole::Gpu {
        allocatable.push("nvidia.com/gpu", "1");
    }
    let hb = NOW - r.range(5, 50) as i64;
    let since = n.created + 60;
    let ok = |t: &'static str, reason: &'static str, msg: &'static str| {
        if n.not_ready {
            obj! {
                "lastHeartbeatTime" => ts(NOW - 1000),
                "lastTransitionTime" => ts(NOW - 900),
                "message" => "Kubelet stopped posting node status.",
                "reason" => "NodeStatusUnknown",
                "status" => "Unknown",
                "type" => t,
            }
        } else {
            obj! {
                "lastHeartbeatTime" => ts(hb),
                "lastTransitionTime" => ts(since),
                "message" => msg,
                "reason" => reason,
                "status" => if t == "Ready" { "True" } else { "False" },
                "type" => t,
            }
        }
    };
    let conditions = arr![
        ok(
            "MemoryPressure",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        ok(
            "DiskPressure",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        ok(
            "PIDPressure",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        ok("Ready", "KubeletReady", "kubelet is posting ready status"),
    ];
    let mut images = Vec::new();
    for (i, img) in NODE_IMAGES.iter().enumerate() {
        if i > 3 && !r.chance(0.6) {
            continue;
        }
        let digest = Rng::new(&[s_hash(img)]).hex(64);
        let tag_s = format!("v{}.{}.{}", r.range(1, 3), r.range(0, 30), r.range(0, 9));
        images.push(obj! {
            "names" => arr![format!("{img}@sha256:{digest}"), format!("{img}:{tag_s}")],
            "sizeBytes" => r.range(300_000, 400_000_000),
        });
    }
    let addresses = match c.flavor {
        crate::model::Flavor::Eks => arr![
            obj! { "address" => n.ip.clone(), "type" => "InternalIP" },
            obj! { "address" => n.name.clone(), "type" => "InternalDNS" },
            obj! { "address" => n.name.clone(), "type" => "Hostname" },
        ],
        _ => arr![
            obj! { "address" => n.ip.clone(), "type" => "InternalIP" },
            obj! { "address" => n.name.clone(), "type" => "Hostname" },
        ],
    };
    let (os_image, runtime, kernel) = match c.flavor {
        crate::model::Flavor::Eks => (
            "Amazon Linux 2023.4.20240528",
            "containerd://1.7.11",
            "6.1.91-99.172.amzn2023.x86_64",
        ),
        crate::model::Flavor::Gke => (
            "Container-Optimized OS from Google",
            "containerd://1.7.15",
            "6.1.75+",
        ),
        crate::model::Flavor::Aks => (
            "Ubuntu 22.04.4 LTS",
            "containerd://1.7.15-1",
            "5.15.0-1064-azure",
        ),
        crate::model::Flavor::Kubeadm => (
            "Ubuntu 24.04 LTS",
            "containerd://1.7.12",
            "6.8.0-31-generic",
        ),
    };
    let status = obj! {
        "addresses" => addresses,
        "allocatable" => allocatable,
        "capacity" => capacity,
        "conditions" => conditions,
        "daemonEndpoints" => obj!{ "kubeletEndpoint" => obj!{ "Port" => 10250 } },
        "images" => images,
        "nodeInfo" => obj!{
            "architecture" => "amd64",
            "bootID" => r.uuid(),
            "containerRuntimeVersion" => runtime,
            "kernelVersion" => kernel,
            "kubeProxyVersion" => c.kube_version.clone(),
            "kubeletVersion" => c.kube_version.clone(),
            "machineID" => r.hex(32),
            "operatingSystem" => "linux",
            "osImage" => os_image,
            "systemUUID" => r.uuid(),
        },
    };
    obj! {
        "apiVersion" => "v1",
        "kind" => "Node",
        "metadata" => meta,
        "spec" => spec,
        "status" => status,
    }
}

// ---------------------------------------------------------------------------------------------
// Events

struct Involved<'a> {
    kind: &'static str,
    api: &'static str,
    name: String,
    uid: String,
    field_path: Option<String>,
    app: &'a App,
}

fn event(
    inv: &Involved<'_>,
    ty: &'static str,
    reason: &'static str,
    message: String,
    component: &'static str,
    host: Option<&str>,
    count: u32,
    first: i64,
    last: i64,
    seed: u64,
) -> V {
    let mut r = Rng::new(&[seed]);
    let name = format!(
        "{}.{:x}",
        inv.name,
        0x1700_0000_0000_0000u64 + r.below(0x00ff_ffff_ffff_ffff)
    );
    let mut involved = obj! {
        "apiVersion" => inv.api,
        "kind" => inv.kind,
        "name" => inv.name.clone(),
        "namespace" => inv.app.ns_name.clone(),
        "resourceVersion" => rv(seed ^ 1),
        "uid" => inv.uid.clone(),
    };
    involved.push_opt("fieldPath", inv.field_path.clone());
    let mut source = obj! { "component" => component };
    if let Some(h) = host {
        source.push("host", h.to_string());
    }
    obj! {
        "apiVersion" => "v1",
        "count" => count,
        "eventTime" => V::Null,
        "firstTimestamp" => ts(first),
        "involvedObject" => involved,
        "kind" => "Event",
        "lastTimestamp" => ts(last),
        "message" => message,
        "metadata" => obj!{
            "creationTimestamp" => ts(first),
            "name" => name,
            "namespace" => inv.app.ns_name.clone(),
            "resourceVersion" => rv(seed ^ 2),
            "uid" => r.uuid(),
        },
        "reason" => reason,
        "reportingComponent" => if component == "kubelet" { "kubelet" } else { "" },
        "reportingInstance" => host.map_or(String::new(), str::to_string),
        "source" => source,
        "type" => ty,
    }
}

/// Events concerning one app in one "round" (rounds repeat with fresh names to fill space).
pub(crate) fn events(c: &Cluster, app: &App, round: u32) -> Vec<V> {
    let mut r = Rng::new(&[app.seed, tag("events"), u64::from(round)]);
    let mut out = Vec::new();
    let n = Cluster::pod_count(app);
    if n == 0 {
        return out;
    }
    let k = (round + r.below(u64::from(n)) as u32) % n;
    let p = c.pod(app, k);
    let host = p.node.map(|i| c.nodes[i].name.as_str());
    let container_path = Some(format!("spec.containers{{{}}}", app.container));
    let pod_inv = Involved {
        kind: "Pod",
        api: "v1",
        name: p.name.clone(),
        uid: p.uid.clone(),
        field_path: container_path.clone(),
        app,
    };
    let seed = |i: u64| hash(&[app.seed, tag("ev"), u64::from(round), i]);
    let recent = NOW - r.range(10, 3000) as i64;
    let ip = p.ip.clone().unwrap_or_default();
    match p.state {
        PodState::CrashLoop | PodState::OomCrashLoop => {
            let cnt = p.restarts * 3 + r.range(0, 10) as u32;
            out.push(event(
                &pod_inv,
                "Warning",
                "BackOff",
                "Back-off restarting failed container".to_string()
                    + &format!(
                        " {} in pod {}_{}({})",
                        app.container, p.name, app.ns_name, p.uid
                    ),
                "kubelet",
                host,
                cnt,
                p.started + 120,
                recent,
                seed(1),
            ));
            if p.state == PodState::CrashLoop && !app.grpc {
                let path = if app.lang == Lang::Java {
                    "/actuator/health/liveness"
                } else {
                    "/healthz"
                };
                let msg = if r.chance(0.5) {
                    format!(
                        "Liveness probe failed: Get \"http://{ip}:{}{path}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                        app.port
                    )
                } else {
                    "Liveness probe failed: HTTP probe failed with statuscode: 500".to_string()
                };
                out.push(event(
                    &pod_inv,
                    "Warning",
                    "Unhealthy",
                    msg,
                    "kubelet",
                    host,
                    p.restarts * 3,
                    p.started + 70,
                    recent - 5,
                    seed(2),
                ));
            }
        }
        PodState::NotReady => {
            let path = if app.lang == Lang::Java {
                "/actuator/health/readiness"
            } else {
                "/readyz"
            };
            let msg = if app.grpc {
                format!(
                    "Readiness probe failed: timeout: failed to connect service \":{}\" within 1s: context deadline exceeded",
                    app.port
                )
            } else {
                format!(
                    "Readiness probe failed: Get \"http://{ip}:{}{path}\": dial tcp {ip}:{}: connect: connection refused",
                    app.port, app.port
                )
            };
            out.push(event(
                &pod_inv,
                "Warning",
                "Unhealthy",
                msg,
                "kubelet",
                host,
                r.range(10, 4000) as u32,
                p.started + 10,
                recent,
                seed(3),
            ));
        }
        PodState::Pending => {
            let inv = Involved {
                field_path: None,
                ..pod_inv
            };
            let nn = c.nodes.len();
            let msg = format!(
                "0/{nn} nodes are available: {} Insufficient memory, {} node(s) didn't match pod anti-affinity rules. preemption: 0/{nn} nodes are available: {nn} No preemption victims found for incoming pod.",
                nn.saturating_sub(2),
                nn.min(2)
            );
            out.push(event(
                &inv,
                "Warning",
                "FailedScheduling",
                msg,
                "default-scheduler",
                None,
                r.range(1, 300) as u32,
                p.created + 1,
                recent,
                seed(4),
            ));
            return out;
        }
        PodState::OomRecovered => {
            out.push(event(
                &pod_inv,
                "Normal",
                "Pulled",
                format!(
                    "Container image \"{}\" already present on machine",
                    app.image
                ),
                "kubelet",
                host,
                p.restarts,
                p.started,
                recent,
                seed(5),
            ));
        }
        _ => {
            let p_normal = if round == 0 { 0.15 } else { 0.5 };
            if r.chance(p_normal) {
                let (reason, msg) = match r.below(4) {
                    0 => (
                        "Pulled",
                        format!(
                            "Successfully pulled image \"{}\" in 2.481s (2.481s including waiting). Image size: {} bytes.",
                            app.image,
                            r.range(20_000_000, 400_000_000)
                        ),
                    ),
                    1 => ("Created", format!("Created container {}", app.container)),
                    2 => ("Started", format!("Started container {}", app.container)),
                    _ => (
                        "Scheduled",
                        format!(
                            "Successfully assigned {}/{} to {}",
                            app.ns_name,
                            p.name,
                            host.unwrap_or("node")
                        ),
                    ),
                };
                let comp = if reason == "Scheduled" {
                    "default-scheduler"
                } else {
                    "kubelet"
                };
                let h = if reason == "Scheduled" { None } else { host };
                out.push(event(
                    &pod_inv,
                    "Normal",
                    reason,
                    msg,
                    comp,
                    h,
                    1,
                    p.created + 2,
                    p.created + 2,
                    seed(6),
                ));
            }
        }
    }
    if app.missing > 0 {
        let rs = format!("{}-{}", app.name, app.hash);
        let inv = Involved {
            kind: "ReplicaSet",
            api: "apps/v1",
            name: rs.clone(),
            uid: app.rs_uid.clone(),
            field_path: None,
            app,
        };
        let pod_name = format!("{rs}-{}", r.k8s_suffix(5));
        out.push(event(
            &inv,
            "Warning",
            "FailedCreate",
            format!("Error creating: {}", quota_message(app, &pod_name)),
            "replicaset-controller",
            None,
            r.range(5, 40) as u32,
            app.rs_created + 5,
            recent,
            seed(7),
        ));
    }
    if app.workload == Workload::Deployment && (round == 0 && r.chance(0.3)) {
        let inv = Involved {
            kind: "Deployment",
            api: "apps/v1",
            name: app.name.clone(),
            uid: app.dep_uid.clone(),
            field_path: None,
            app,
        };
        out.push(event(
            &inv,
            "Normal",
            "ScalingReplicaSet",
            format!(
                "Scaled up replica set {}-{} to {} from {}",
                app.name,
                app.hash,
                app.replicas,
                app.replicas.saturating_sub(1)
            ),
            "deployment-controller",
            None,
            1,
            app.rs_created,
            app.rs_created,
            seed(8),
        ));
    }
    out
}

/// A CronJob manifest (only used for hand-written shapes; live snapshots list its pods).
pub(crate) fn cronjob(app: &App, mode: Mode) -> V {
    let mut r = Rng::new(&[app.seed, tag("cron")]);
    let mut tmpl = pod_template(app, mode, None, None);
    if let Some(spec) = tmpl.get_mut("spec")
        && spec.get("restartPolicy").is_none()
    {
        spec.push("restartPolicy", "OnFailure");
    }
    obj! {
        "apiVersion" => "batch/v1",
        "kind" => "CronJob",
        "metadata" => obj!{ "name" => app.name.clone(), "labels" => labels(app, mode) },
        "spec" => obj!{
            "schedule" => *r.pick(&["*/15 * * * *", "0 3 * * *", "30 */6 * * 1-5", "@hourly"]),
            "concurrencyPolicy" => "Forbid",
            "successfulJobsHistoryLimit" => 3,
            "failedJobsHistoryLimit" => 1,
            "jobTemplate" => obj!{ "spec" => obj!{
                "backoffLimit" => 2,
                "activeDeadlineSeconds" => 3600,
                "template" => tmpl,
            }},
        },
    }
}
