use faultline_model::Object;
use faultline_model::pod::PodTemplate;

use crate::security::{host_path_volumes, judged_through_controller, mounts_of, runtime_socket};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `hostPath` volumes that mount a container runtime's socket: `docker.sock`,
    /// `dockershim.sock`, `cri-dockerd.sock`, `containerd.sock`, `crio.sock`, or the
    /// directories that hold them (`/run/containerd`, `/var/run/crio`, …), read-only or not
    /// (a socket is used by connecting to it, which `readOnly` does not prevent).
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// Whoever can talk to the runtime can start a privileged container with the node's
    /// root file system mounted: the socket is root on the node, and from there every
    /// Secret of every pod on it. Monitoring and build agents that need it deserve an
    /// explicit exemption (`exemptions` in `.faultline.yaml`) rather than silence.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: agent
    /// spec:
    ///   selector:
    ///     matchLabels: {app: agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: agent}
    ///     spec:
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/agent:1.0
    ///           volumeMounts:
    ///             - {name: docker, mountPath: /var/run/docker.sock}
    ///       volumes:
    ///         - name: docker
    ///           hostPath:
    ///             path: /var/run/docker.sock
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: DaemonSet
    /// metadata:
    ///   name: agent
    /// spec:
    ///   selector:
    ///     matchLabels: {app: agent}
    ///   template:
    ///     metadata:
    ///       labels: {app: agent}
    ///     spec:
    ///       containers:
    ///         - name: agent
    ///           image: registry.example.com/agent:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - hostPath volumes: <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
    /// - Container runtimes: <https://kubernetes.io/docs/setup/production-environment/container-runtimes/>
    pub struct HostPathRuntimeSocket {
        id: "host-path-runtime-socket",
        category: Security,
        severity: Warning,
        summary: "a pod mounts the container runtime's socket from the host, which is root on the node",
        params: [],
    }
}

impl Rule for HostPathRuntimeSocket {
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
        for (volume, path) in host_path_volumes(pod) {
            let Some(runtime) = runtime_socket(path.value) else {
                continue;
            };
            let mounts = mounts_of(pod, volume);
            let report = out
                .report(
                    obj,
                    path.range(),
                    format!(
                        "volume `{volume}` mounts the {runtime} socket `{}` from the node{}: whoever talks to it is root on the node",
                        path.value,
                        mounts.describe()
                    ),
                )
                .help("remove the volume; if an agent really needs the runtime, exempt this workload in `.faultline.yaml` and keep it in a namespace of its own");
            mounts.relate(report, obj);
        }
    }
}
