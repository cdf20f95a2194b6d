use faultline_model::Object;
use faultline_model::job::{Job, Outcome, daemon_helper, mesh_injection, shuts_down_helpers};
use faultline_model::kinds::pod_template_path;
use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_syntax::TextRange;

use crate::common::is_managed;
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports Jobs and CronJobs whose pods will never complete because a container that does
    /// not exit on its own runs beside the main one:
    ///
    /// - a proxy or log shipper declared as a regular container (`istio-proxy`, Envoy, the
    ///   Cloud SQL proxy, the Linkerd proxy, Fluent Bit, Fluentd, oauth2-proxy; recognised by
    ///   the container's name or image);
    /// - a service mesh that injects its proxy as a regular container: Istio through the
    ///   Namespace label `istio-injection: enabled` or `istio.io/rev`, or the template's
    ///   `sidecar.istio.io/inject: "true"`; Linkerd through `linkerd.io/inject: enabled` on the
    ///   Namespace or the template.
    ///
    /// Not reported: a helper declared as a native sidecar (`initContainers[]` with
    /// `restartPolicy: Always`, which the kubelet stops when the main containers finish), the
    /// mesh's opt-out (`sidecar.istio.io/inject: "false"`, `linkerd.io/inject: disabled`) or
    /// native-sidecar switch (`sidecar.istio.io/nativeSidecar: "true"`,
    /// `config.alpha.linkerd.io/proxy-enable-native-sidecar: "true"`), a container whose
    /// command ends the helper (`curl -X POST localhost:15020/quitquitquit`, `linkerd-await
    /// --shutdown`), a Job that has completed, and Jobs whose CronJob is in the input (the
    /// CronJob is reported). Mesh injection is judged only when the Namespace is in the input;
    /// an Istio installed with native sidecars for every pod (`ENABLE_NATIVE_SIDECARS`) is not
    /// visible in manifests.
    ///
    /// ## Why it matters
    /// A Job completes when all its pod's regular containers have exited. A proxy keeps
    /// running after the work is done, so the pod stays `Running`, the Job stays active, and a
    /// CronJob with `concurrencyPolicy: Forbid` skips every later run.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: db-migrate
    ///   namespace: shop
    /// spec:
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       containers:
    ///         - name: migrate
    ///           image: registry.example.com/shop/migrate:1.4
    ///         - name: cloud-sql-proxy
    ///           image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0
    ///           args: ["--port=5432", "shop:europe-west1:db"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # The proxy as a native sidecar: stopped when the main container ends.
    /// apiVersion: batch/v1
    /// kind: Job
    /// metadata:
    ///   name: db-migrate
    ///   namespace: shop
    /// spec:
    ///   template:
    ///     spec:
    ///       restartPolicy: Never
    ///       initContainers:
    ///         - name: cloud-sql-proxy
    ///           image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0
    ///           args: ["--port=5432", "shop:europe-west1:db"]
    ///           restartPolicy: Always
    ///       containers:
    ///         - name: migrate
    ///           image: registry.example.com/shop/migrate:1.4
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Sidecar containers (native, Kubernetes 1.29+): <https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/>
    /// - Istio and Jobs: <https://istio.io/latest/docs/ops/common-problems/injection/#pod-or-containers-start-with-network-issues-if-istio-proxy-is-not-ready>
    /// - Linkerd and Jobs: <https://linkerd.io/2/tasks/graceful-shutdown/#graceful-shutdown-of-job-and-cronjob-resources>
    pub struct JobNeverCompletes {
        id: "job-never-completes",
        category: Workloads,
        severity: Warning,
        summary: "a Job's pods never complete because a proxy or another never-ending container runs beside the main one",
        params: [],
    }
}

/// The key of the pod template (`template:`), where a finding about injection points.
fn template_key(obj: &Object<'_>) -> TextRange {
    pod_template_path(obj.kind)
        .and_then(|path| {
            let (last, parent) = path.split_last()?;
            obj.node.path(parent)?.entry(last).map(|(k, _)| k.range())
        })
        .unwrap_or_else(|| obj.kind_range())
}

impl Rule for JobNeverCompletes {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        if !matches!(obj.kind, "Job" | "CronJob") || is_managed(cx, obj) {
            return;
        }
        if Job::of(obj).is_some_and(|j| matches!(j.outcome(), Outcome::Complete(_))) {
            return;
        }
        let Some(t) = PodTemplate::of(obj) else {
            return;
        };
        let apps: Vec<_> = t
            .containers()
            .filter(|c| c.kind == ContainerKind::App)
            .collect();
        if apps.is_empty() || t.containers().any(|c| shuts_down_helpers(&c)) {
            return;
        }
        let helpers: Vec<_> = apps
            .iter()
            .filter_map(|c| Some((*c, daemon_helper(c)?)))
            .collect();
        if !helpers.is_empty() && helpers.len() < apps.len() {
            let (c, what) = helpers[0];
            let main: Vec<String> = apps
                .iter()
                .filter(|a| daemon_helper(a).is_none())
                .map(|a| format!("`{}`", a.name()))
                .collect();
            let at = c.image().or(c.name_node()).unwrap_or(c.node).range();
            out.report(
                obj,
                at,
                format!(
                    "container `{}` ({what}) is a regular container beside {}: it does not exit when the work is done, so the pod stays Running and the {} never completes",
                    c.name(),
                    main.join(", "),
                    obj.kind
                ),
            )
            .help("declare it as a native sidecar (move it to `initContainers` with `restartPolicy: Always`, Kubernetes 1.29+), or have the main container stop it when done (the helper's shutdown endpoint, such as the Cloud SQL proxy's `--quitquitquit`)");
            return;
        }
        let ns = obj.namespace.unwrap_or("default");
        let namespace = cx.inventory.find("Namespace", None, ns);
        let Some(inj) = mesh_injection(namespace.and_then(|n| n.metadata()), t.metadata) else {
            return;
        };
        let mesh = inj.mesh.name();
        let (opt_out, native) = match inj.mesh {
            faultline_model::job::Mesh::Istio => (
                "`sidecar.istio.io/inject: \"false\"` (pod template label)",
                "`sidecar.istio.io/nativeSidecar: \"true\"`",
            ),
            faultline_model::job::Mesh::Linkerd => (
                "`linkerd.io/inject: disabled` (pod template annotation)",
                "`config.alpha.linkerd.io/proxy-enable-native-sidecar: \"true\"`",
            ),
        };
        let help = format!(
            "opt the Job's pods out of injection with {opt_out}, or inject the proxy as a native sidecar ({native}), or end the proxy from the main container when the work is done (Istio: `curl -fsS -X POST localhost:15020/quitquitquit`; Linkerd: `linkerd-await --shutdown`)"
        );
        let where_ = if inj.on_namespace {
            format!("Namespace `{ns}` enables {mesh} injection")
        } else {
            format!("the pod template enables {mesh} injection")
        };
        let message = format!(
            "{where_}, so the {mesh} proxy runs as a regular container beside {}: it does not exit when the work is done, so the pod stays Running and the {} never completes",
            apps.iter()
                .map(|a| format!("`{}`", a.name()))
                .collect::<Vec<_>>()
                .join(", "),
            obj.kind
        );
        if let Some(namespace) = namespace.filter(|_| inj.on_namespace) {
            out.report(obj, template_key(obj), message)
                .help(help)
                .related(
                    namespace,
                    inj.node.range(),
                    format!("{mesh} injection enabled here"),
                );
        } else {
            out.report(obj, inj.node.range(), message).help(help);
        }
    }
}
