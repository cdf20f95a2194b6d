use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::{Object, field};
use faultline_syntax::TextRange;

use crate::security::{Level, effective, is_windows, judged_through_controller, pod_spec_key};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers for which nothing guarantees a non-root user: `runAsNonRoot` is
    /// not `true` (in the container's `securityContext`, else the pod's) and no non-zero
    /// `runAsUser` is set, so the image's `USER` decides, and many images run as root.
    /// `runAsNonRoot: false` is reported where it is written; when neither the pod nor any
    /// container says anything, one finding points at the pod. `runAsUser: 0` is reported
    /// by `container-runs-as-root` instead. Windows pods are skipped. Information by default:
    /// the restricted Pod Security Standard requires `runAsNonRoot: true`, the baseline
    /// does not.
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, so the finding is made once per workload.
    ///
    /// ## Why it matters
    /// With `runAsNonRoot: true` the kubelet refuses to start a container whose image would
    /// run as UID 0, so a base image that switches back to root cannot slip through. A
    /// process that is not root on the node limits what a container escape can do.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       securityContext:
    ///         runAsNonRoot: true
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Security context: <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
    /// - Pod Security Standards, restricted (`runAsNonRoot`): <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
    pub struct ContainerMayRunAsRoot {
        id: "container-may-run-as-root",
        category: Security,
        severity: Info,
        summary: "nothing makes a container run as a non-root user (`runAsNonRoot` is not `true`)",
        params: [],
    }
}

const HELP: &str = "set `runAsNonRoot: true` (in the pod's `securityContext` for every container) and, if the image has no numeric `USER`, a `runAsUser` such as 10001";

impl Rule for ContainerMayRunAsRoot {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if is_windows(pod) || judged_through_controller(cx, obj) {
            return;
        }
        let pod_sc = pod.spec.get("securityContext");
        let pod_non_root = field::bool(pod_sc, "runAsNonRoot");
        // Containers left to the image's user, and whether any of them writes something.
        let mut open: Vec<(&str, Option<TextRange>)> = Vec::new();
        let mut all = 0;
        for c in pod.containers() {
            if c.kind == ContainerKind::Ephemeral {
                continue;
            }
            all += 1;
            let non_root = effective(pod, &c, "runAsNonRoot", field::bool);
            if non_root.is_some_and(|(f, _)| f.value) {
                continue;
            }
            if effective(pod, &c, "runAsUser", field::int).is_some() {
                // Non-zero: not root; zero: `container-runs-as-root`.
                continue;
            }
            let own = match non_root {
                Some((f, Level::Container)) => Some(f.range()),
                _ => None,
            };
            open.push((c.name(), own));
        }
        if open.is_empty() {
            return;
        }
        // `runAsNonRoot: false` written on a container: there.
        for (name, range) in open.iter().filter_map(|(n, r)| Some((n, (*r)?))) {
            out.report(
                obj,
                range,
                format!("container `{name}` allows running as root (`runAsNonRoot: false`) and sets no `runAsUser`"),
            )
            .help(HELP);
        }
        let inheriting: Vec<&str> = open
            .iter()
            .filter(|(_, r)| r.is_none())
            .map(|(n, _)| *n)
            .collect();
        if inheriting.is_empty() {
            return;
        }
        let names = format!("`{}`", inheriting.join("`, `"));
        let containers = if inheriting.len() == 1 {
            "container"
        } else {
            "containers"
        };
        if let Some(f) = pod_non_root {
            // Written `false` at the pod.
            out.report(
                obj,
                f.range(),
                format!("the pod allows running as root (`runAsNonRoot: false`), and nothing sets a user for {containers} {names}"),
            )
            .help(HELP);
        } else if inheriting.len() == all {
            let at = pod_sc
                .and_then(|_| pod.spec.entry("securityContext"))
                .map_or_else(|| pod_spec_key(obj), |(k, _)| k.range());
            out.report(
                obj,
                at,
                format!("nothing makes {containers} {names} run as a non-root user: `runAsNonRoot` is not set, so the image decides"),
            )
            .help(HELP);
        } else {
            for c in pod.containers().filter(|c| inheriting.contains(&c.name())) {
                out.report(
                    obj,
                    c.anchor(&["securityContext", "runAsNonRoot"]),
                    format!("nothing makes container `{}` run as a non-root user: `runAsNonRoot` is not set, so the image decides", c.name()),
                )
                .help(HELP);
            }
        }
    }
}
