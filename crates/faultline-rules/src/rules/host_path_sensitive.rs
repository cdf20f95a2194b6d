use faultline_model::Object;
use faultline_model::pod::PodTemplate;

use crate::security::{
    host_path_volumes, judged_through_controller, mounts_of, runtime_socket, sensitive_host_path,
};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `hostPath` volumes that mount a node directory holding the node itself:
    ///
    /// - as written (not what lies below, which agents mount on purpose, such as
    ///   `/etc/localtime` or `/etc/ssl/certs`): `/`, `/etc`, `/proc`, `/sys`, `/dev`,
    ///   `/boot`, `/usr`, `/lib`, `/bin`, `/sbin`, `/var`, `/var/lib`, `/var/run`, `/run`;
    /// - with everything below them: `/root`, `/home`, `/var/lib/kubelet`,
    ///   `/var/lib/docker`, `/var/lib/containerd`, `/var/lib/etcd`, `/etc/kubernetes`,
    ///   `/etc/shadow`, `/etc/sudoers`, `/proc/sys`, `/sys/fs/cgroup`; except the
    ///   directories where CSI node plugins register their sockets
    ///   (`/var/lib/kubelet/plugins_registry`, `/var/lib/kubelet/plugins/…`), and
    ///   certificate files (`….crt`), which are public.
    ///
    /// Runtime sockets are reported by `host-path-runtime-socket`. The message says whether
    /// the containers mount the volume read-only; the finding stands either way (reading
    /// `/proc`, `/var/lib/kubelet` or `/etc/kubernetes` is enough to take credentials).
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// A container with the node's file system can read the kubelet's credentials and every
    /// pod's Secrets on that node, change the node's configuration, or write a binary the
    /// node will run as root. Node agents (log collectors, node-exporter) need some of these
    /// paths: exempt them in `.faultline.yaml` so that a new one is still noticed.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    /// spec:
    ///   containers:
    ///     - name: shell
    ///       image: registry.example.com/tools:1.0
    ///       volumeMounts:
    ///         - {name: host, mountPath: /host}
    ///   volumes:
    ///     - name: host
    ///       hostPath:
    ///         path: /
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    /// spec:
    ///   containers:
    ///     - name: shell
    ///       image: registry.example.com/tools:1.0
    ///       volumeMounts:
    ///         - {name: scratch, mountPath: /scratch}
    ///   volumes:
    ///     - name: scratch
    ///       emptyDir: {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - hostPath volumes: <https://kubernetes.io/docs/concepts/storage/volumes/#hostpath>
    /// - Pod Security Standards, baseline (HostPath volumes): <https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline>
    pub struct HostPathSensitive {
        id: "host-path-sensitive",
        category: Security,
        severity: Warning,
        summary: "a pod mounts a sensitive node directory (`/`, `/etc`, `/proc`, `/var/lib/kubelet`…)",
        params: [],
    }
}

impl Rule for HostPathSensitive {
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
            if runtime_socket(path.value).is_some() {
                continue;
            }
            let Some(what) = sensitive_host_path(path.value) else {
                continue;
            };
            let mounts = mounts_of(pod, volume);
            let report = out
                .report(
                    obj,
                    path.range(),
                    format!(
                        "volume `{volume}` mounts the node's `{}` ({what}){}",
                        path.value,
                        mounts.describe()
                    ),
                )
                .help("mount only the file or directory the program needs, read-only, or use a volume that is not the node's (`emptyDir`, a ConfigMap); exempt node agents that need it in `.faultline.yaml`");
            mounts.relate(report, obj);
        }
    }
}
