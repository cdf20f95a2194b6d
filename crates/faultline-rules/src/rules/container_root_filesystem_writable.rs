use faultline_model::pod::{ContainerKind, PodTemplate};
use faultline_model::{Object, field};

use crate::security::{is_windows, judged_through_controller};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports containers without `securityContext.readOnlyRootFilesystem: true` (at
    /// `readOnlyRootFilesystem: false` where it is written). Ephemeral debugging containers
    /// and Windows pods are skipped. Information by default: many images write to their
    /// own file system and need an `emptyDir` for those paths first.
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, so the finding is made once per workload.
    ///
    /// ## Why it matters
    /// A writable root file system lets an attacker who gets code execution drop tools and
    /// modify the application's own binaries and configuration; with a read-only root, the
    /// only writable places are the volumes you mounted on purpose. It also keeps
    /// containers from filling the node's disk through their writable layer.
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
    ///       containers:
    ///         - name: web
    ///           image: registry.example.com/web:2.3.1
    ///           securityContext:
    ///             readOnlyRootFilesystem: true
    ///           volumeMounts:
    ///             - {name: tmp, mountPath: /tmp}
    ///       volumes:
    ///         - name: tmp
    ///           emptyDir: {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Security context: <https://kubernetes.io/docs/tasks/configure-pod-container/security-context/>
    /// - Container security context (API): <https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1>
    pub struct ContainerRootFilesystemWritable {
        id: "container-root-filesystem-writable",
        category: Security,
        severity: Info,
        summary: "a container's root file system is writable (`readOnlyRootFilesystem` is not `true`)",
        params: [],
    }
}

impl Rule for ContainerRootFilesystemWritable {
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
        for c in pod.containers() {
            if c.kind == ContainerKind::Ephemeral {
                continue;
            }
            let written = field::bool(c.node.get("securityContext"), "readOnlyRootFilesystem");
            let range = match written {
                Some(f) if f.value => continue,
                Some(f) => f.range(),
                None => c.anchor(&["securityContext", "readOnlyRootFilesystem"]),
            };
            out.report(
                obj,
                range,
                format!("the root file system of container `{}` is writable", c.name()),
            )
            .help("set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` at the paths the program writes to (`/tmp`, caches)");
        }
    }
}
