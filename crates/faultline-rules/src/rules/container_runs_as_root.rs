use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::{Object, field};

use crate::security::{is_windows, judged_through_controller};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `runAsUser: 0` written in a container's `securityContext`, or in the pod's
    /// when a container inherits it (a container's own `runAsUser` overrides the pod's).
    /// Containers that merely do not say which user they run as are the business of
    /// `container-may-run-as-root`. Windows pods (`spec.os.name: windows`) are skipped.
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// UID 0 in the container is UID 0 on the node: whatever escapes the container (a
    /// kernel bug, a writable host mount, a mounted runtime socket, a capability) escapes
    /// as root. Most images run fine as an unprivileged user; forcing root undoes that.
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
    ///           securityContext:
    ///             runAsUser: 0
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
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    ///           securityContext:
    ///             runAsUser: 10001
    ///             runAsNonRoot: true
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Security context: <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
    /// - Pod Security Standards, restricted (`runAsUser`): <https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted>
    pub struct ContainerRunsAsRoot {
        id: "container-runs-as-root",
        category: Security,
        severity: Warning,
        summary: "a container is set to run as root (`runAsUser: 0`)",
        params: [],
    }
}

impl Rule for ContainerRunsAsRoot {
    fn check_pod(
        &self,
        cx: &Context<'_>,
        obj: &Object<'_>,
        pod: &PodTemplate<'_>,
        out: &mut Sink<'_>,
    ) {
        if judged_through_controller(cx, obj) {
            return;
        }
        if is_windows(pod) {
            return;
        }
        let pod_user = field::int(pod.spec.get("securityContext"), "runAsUser");
        let mut inherit: Vec<&str> = Vec::new();
        for c in pod.containers() {
            if c.kind == ContainerKind::Ephemeral {
                continue;
            }
            match field::int(c.node.get("securityContext"), "runAsUser") {
                Some(user) if user.value == 0 => {
                    out.report(
                        obj,
                        user.range(),
                        format!("container `{}` is set to run as root (`runAsUser: 0`)", c.name()),
                    )
                    .help("run as an unprivileged user (`runAsUser: 10001`, `runAsNonRoot: true`); give the image that user's file permissions instead of root");
                }
                Some(_) => {}
                None => inherit.push(c.name()),
            }
        }
        if let Some(user) = pod_user
            && user.value == 0
            && !inherit.is_empty()
        {
            out.report(
                obj,
                user.range(),
                format!(
                    "the pod is set to run as root (`runAsUser: 0`), which {} `{}` inherit{}",
                    if inherit.len() == 1 {
                        "container"
                    } else {
                        "containers"
                    },
                    inherit.join("`, `"),
                    if inherit.len() == 1 { "s" } else { "" }
                ),
            )
            .help("run the pod as an unprivileged user (`runAsUser: 10001`, `runAsNonRoot: true`)");
        }
    }
}
