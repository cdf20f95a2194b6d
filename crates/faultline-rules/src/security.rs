//! What the security rules share: image references, the security context a container runs
//! with (container fields override the pod's), host paths, and RBAC policy rules and
//! bindings.

use faultline_model::pod::{Container, PodTemplate};
use faultline_model::{Field, Object, field, kinds};
use faultline_syntax::{NodeRef, TextRange};

use crate::{Context, Report};

/// The tag and digest of an image reference (`registry:5000/team/app:1.2@sha256:…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// The tag as written, `None` when there is none.
    pub tag: Option<&'a str>,
    pub digest: bool,
}

impl<'a> ImageRef<'a> {
    /// Reads a reference; `None` for one that is empty or still a template
    /// (`{{ .Values.image }}`, `${IMAGE}`), which `unrendered-template` reports.
    pub fn parse(image: &'a str) -> Option<Self> {
        let image = image.trim();
        // `<image_url>`, `<YOUR-CONTAINER>`: a placeholder for the reader to fill in.
        if image.is_empty()
            || image.starts_with('<')
            || image.contains("{{")
            || image.contains("${")
            || image.contains("$(")
        {
            return None;
        }
        let (name, digest) = match image.split_once('@') {
            Some((name, _)) => (name, true),
            None => (image, false),
        };
        // A `:` after the last `/` starts the tag (`registry:5000/app` has none).
        let last = name.rsplit('/').next().unwrap_or(name);
        let tag = last.split_once(':').map(|(_, t)| t);
        Some(Self { tag, digest })
    }

    /// Whether the image is the moving `latest`: tagged `latest`, or neither tagged nor
    /// pinned by digest (the runtime pulls `:latest`).
    pub fn is_latest(&self) -> bool {
        !self.digest && self.tag.is_none_or(|t| t == "latest")
    }
}

/// Where a container's security setting comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Container,
    Pod,
}

/// `securityContext.<key>` of the container, else of the pod (the pod's
/// `PodSecurityContext` holds `runAsUser`, `runAsGroup`, `runAsNonRoot`, `seccompProfile`…),
/// with where it was written.
pub(crate) fn effective<'a, T>(
    pod: &PodTemplate<'a>,
    c: &Container<'a>,
    key: &str,
    read: fn(Option<NodeRef<'a>>, &str) -> Option<Field<'a, T>>,
) -> Option<(Field<'a, T>, Level)> {
    read(c.node.get("securityContext"), key)
        .map(|f| (f, Level::Container))
        .or_else(|| read(pod.spec.get("securityContext"), key).map(|f| (f, Level::Pod)))
}

/// Whether the pod runs Windows containers (`spec.os.name: windows`), to which the Linux
/// user and file system settings do not apply.
pub(crate) fn is_windows(pod: &PodTemplate<'_>) -> bool {
    field::str(pod.spec.get("os"), "name").is_some_and(|n| n.value == "windows")
}

/// Whether a pod shape is judged through its controller's template instead: a Pod, or a
/// ReplicaSet or Job, whose controller is in the input with a pod template of its own. The
/// security rules judge a snapshot's replicas this way: the fix is written in the template,
/// and a finding per replica (folded into the controller's afterwards) costs more than the
/// rest of the check on a large snapshot.
pub(crate) fn judged_through_controller(cx: &Context<'_>, obj: &Object<'_>) -> bool {
    cx.graph
        .owner(obj.id)
        .is_some_and(|o| kinds::pod_template_path(cx.inventory.get(o).kind).is_some())
}

/// The key node of the pod spec (`spec:` of a Pod, `template.spec:` of a workload), to point
/// at a pod-wide setting that is missing.
pub(crate) fn pod_spec_key(obj: &Object<'_>) -> TextRange {
    let template = match kinds::pod_template_path(obj.kind) {
        Some(path) => obj.node.path(path),
        None => Some(obj.node),
    };
    template
        .and_then(|t| t.entry("spec"))
        .map_or_else(|| obj.kind_range(), |(k, _)| k.range())
}

/// A host directory whose mount hands a container the node, and what it exposes. The
/// system directories count as written (`/etc`, not `/etc/localtime` or `/etc/ssl/certs`,
/// which agents mount read-only on purpose); the credential stores count with everything
/// below them. Container runtime sockets are separate ([`runtime_socket`]).
pub(crate) fn sensitive_host_path(path: &str) -> Option<&'static str> {
    let path = normalize(path);
    const EXACT: &[(&str, &str)] = &[
        ("/", "the node's whole file system"),
        (
            "/etc",
            "the node's configuration, including its credentials",
        ),
        ("/proc", "every process of the node"),
        ("/sys", "the node's kernel and devices"),
        ("/dev", "the node's devices"),
        ("/boot", "the node's kernel and boot loader"),
        ("/usr", "the node's programs"),
        ("/lib", "the node's libraries"),
        ("/bin", "the node's programs"),
        ("/sbin", "the node's programs"),
        ("/var", "the node's state, including the kubelet's"),
        ("/var/lib", "the node's state, including the kubelet's"),
        ("/var/run", "the node's runtime sockets"),
        ("/run", "the node's runtime sockets"),
    ];
    const TREES: &[(&str, &str)] = &[
        ("/root", "the home directory of the node's root user"),
        ("/home", "the home directories of the node's users"),
        (
            "/var/lib/kubelet",
            "the kubelet's state, including every pod's Secrets",
        ),
        (
            "/var/lib/docker",
            "the container runtime's images and containers",
        ),
        (
            "/var/lib/containerd",
            "the container runtime's images and containers",
        ),
        (
            "/var/lib/etcd",
            "the cluster's etcd data, every Secret included",
        ),
        (
            "/etc/kubernetes",
            "the node's Kubernetes credentials and manifests",
        ),
        ("/etc/shadow", "the node's password hashes"),
        ("/etc/sudoers", "who may become root on the node"),
        ("/proc/sys", "the node's kernel settings"),
        ("/sys/fs/cgroup", "the node's control groups"),
    ];
    if let Some((_, what)) = EXACT.iter().find(|(p, _)| *p == path) {
        return Some(what);
    }
    // A certificate is public (`/etc/kubernetes/ca.crt`): only its key would be a secret.
    if path.ends_with(".crt") {
        return None;
    }
    // CSI node plugins register their sockets here; a driver's own directory is not the
    // kubelet's state.
    if path.starts_with("/var/lib/kubelet/plugins_registry")
        || path.starts_with("/var/lib/kubelet/plugins/")
    {
        return None;
    }
    // The longest listed prefix wins.
    TREES
        .iter()
        .filter(|(p, _)| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, what)| *what)
}

/// Whether `path` is (or is the directory of) a container runtime's socket: Docker,
/// containerd, CRI-O, cri-dockerd; and the name of the runtime.
pub(crate) fn runtime_socket(path: &str) -> Option<&'static str> {
    let path = normalize(path);
    const SOCKETS: &[(&str, &str)] = &[
        ("docker.sock", "Docker"),
        ("dockershim.sock", "Docker"),
        ("cri-dockerd.sock", "cri-dockerd"),
        ("containerd.sock", "containerd"),
        ("crio.sock", "CRI-O"),
    ];
    let file = path.rsplit('/').next().unwrap_or(path);
    if let Some((_, runtime)) = SOCKETS.iter().find(|(s, _)| *s == file) {
        return Some(runtime);
    }
    // Directories that hold nothing but a runtime's socket.
    match path {
        "/run/containerd" | "/var/run/containerd" => Some("containerd"),
        "/run/crio" | "/var/run/crio" => Some("CRI-O"),
        "/var/run/cri-dockerd" | "/run/cri-dockerd" => Some("cri-dockerd"),
        _ => None,
    }
}

/// `path` without trailing slashes and `//`, so `/etc/` and `//etc` are `/etc`.
fn normalize(path: &str) -> &str {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() && path.trim().starts_with('/') {
        return "/";
    }
    trimmed
}

/// The `hostPath` volumes of a pod: (volume name, `hostPath.path`).
pub(crate) fn host_path_volumes<'a>(
    pod: &PodTemplate<'a>,
) -> impl Iterator<Item = (&'a str, Field<'a, &'a str>)> + 'a {
    pod.spec
        .get("volumes")
        .into_iter()
        .flat_map(|v| v.items())
        .filter_map(|v| {
            let name = v.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
            Some((name, field::str(v.get("hostPath"), "path")?))
        })
}

/// The `volumeMounts` of a volume: (container name, mount node).
pub(crate) struct Mounts<'a>(pub Vec<(&'a str, NodeRef<'a>)>);

impl Mounts<'_> {
    /// `, mounted read-only into container `a`` and the like, for messages.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return ", mounted into no container".to_owned();
        }
        let read_only =
            |m: &NodeRef<'_>| field::bool(Some(*m), "readOnly").is_some_and(|f| f.value);
        let all_ro = self.0.iter().all(|(_, m)| read_only(m));
        let mut names: Vec<&str> = self.0.iter().map(|(c, _)| *c).collect();
        names.dedup();
        format!(
            ", mounted {}into {} `{}`",
            if all_ro { "read-only " } else { "" },
            if names.len() == 1 {
                "container"
            } else {
                "containers"
            },
            names.join("`, `")
        )
    }

    /// `report` with each container's `mountPath` of the volume as a related location.
    pub fn relate<'r>(&self, mut report: Report<'r>, obj: &Object<'_>) -> Report<'r> {
        for (container, mount) in &self.0 {
            if let Some(at) = field::str(Some(*mount), "mountPath") {
                report = report.related(
                    obj,
                    at.range(),
                    format!("mounted into container `{container}` here"),
                );
            }
        }
        report
    }
}

pub(crate) fn mounts_of<'a>(pod: &PodTemplate<'a>, volume: &str) -> Mounts<'a> {
    let mut out = Vec::new();
    for c in pod.containers() {
        for m in c
            .node
            .get("volumeMounts")
            .into_iter()
            .flat_map(|l| l.items())
        {
            if m.get("name").and_then(|n| n.scalar_text()) == Some(volume) {
                out.push((c.name(), m));
            }
        }
    }
    Mounts(out)
}

/// One entry of a Role's or ClusterRole's `rules`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PolicyRule<'a> {
    pub node: NodeRef<'a>,
}

impl<'a> PolicyRule<'a> {
    /// The string items of `key` (`verbs`, `resources`, `apiGroups`, `nonResourceURLs`,
    /// `resourceNames`), with their nodes.
    pub fn items(&self, key: &str) -> impl Iterator<Item = Field<'a, &'a str>> + 'a {
        self.node
            .get(key)
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|n| n.as_str().map(|value| Field { value, node: n }))
    }

    pub fn has(&self, key: &str, value: &str) -> bool {
        self.items(key).any(|f| f.value == value)
    }

    /// The first item of `key` equal to one of `values`.
    pub fn first_of(&self, key: &str, values: &[&str]) -> Option<Field<'a, &'a str>> {
        self.items(key).find(|f| values.contains(&f.value))
    }

    /// Whether the rule names resources only by `resourceNames` (so it grants access to
    /// those objects only).
    pub fn restricted_to_names(&self) -> bool {
        self.items("resourceNames").next().is_some()
    }

    /// Whether the rule grants one of `verbs` on `resource` of the core group (`""`),
    /// counting `*`.
    pub fn grants_core(&self, resource: &str, verbs: &[&str]) -> Option<Field<'a, &'a str>> {
        let group = self.has("apiGroups", "") || self.has("apiGroups", "*");
        let verb = self.has("verbs", "*") || verbs.iter().any(|v| self.has("verbs", v));
        if !(group && verb) || self.restricted_to_names() {
            return None;
        }
        self.first_of("resources", &[resource, "*"])
    }

    /// `*` on `*` in every API group: what `cluster-admin` grants (every verb written out
    /// counts as `*`).
    pub fn is_everything(&self) -> bool {
        const ALL: [&str; 7] = [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ];
        self.has("apiGroups", "*")
            && self.has("resources", "*")
            && (self.has("verbs", "*") || ALL.iter().all(|v| self.has("verbs", v)))
    }
}

/// The `rules` of a Role or ClusterRole.
pub(crate) fn policy_rules<'a>(obj: &Object<'a>) -> impl Iterator<Item = PolicyRule<'a>> + 'a {
    obj.node
        .get("rules")
        .into_iter()
        .flat_map(|r| r.items())
        .filter(|r| r.is_map())
        .map(|node| PolicyRule { node })
}

pub(crate) fn is_role(obj: &Object<'_>) -> bool {
    matches!(obj.kind, "Role" | "ClusterRole")
        && obj.api_version.starts_with("rbac.authorization.k8s.io/")
}

pub(crate) fn is_binding(obj: &Object<'_>) -> bool {
    matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding")
        && obj.api_version.starts_with("rbac.authorization.k8s.io/")
}

/// A role or binding the API server creates itself (`kubernetes.io/bootstrapping:
/// rbac-defaults`, or a `system:` name in a cluster export): nobody can act on a finding
/// about them. A `system:` role written in a manifest is someone's own and is checked.
pub(crate) fn is_default_rbac(obj: &Object<'_>) -> bool {
    (obj.name.starts_with("system:") && faultline_graph::from_a_cluster(obj))
        || obj
            .labels()
            .any(|(k, v)| k == "kubernetes.io/bootstrapping" && v == "rbac-defaults")
}

/// The role a binding grants, as written (`roleRef.kind`, `roleRef.name`).
pub(crate) fn role_ref<'a>(
    binding: &Object<'a>,
) -> Option<(Field<'a, &'a str>, Field<'a, &'a str>)> {
    let r = binding.node.get("roleRef");
    Some((field::name(r, "kind")?, field::name(r, "name")?))
}

/// The role object a binding grants, when the input holds it.
pub(crate) fn bound_role<'c, 'a>(
    cx: &'c Context<'a>,
    binding: &Object<'_>,
) -> Option<&'c Object<'a>> {
    let r = binding.node.get("roleRef");
    let kind = field::name(r, "kind")?.value;
    let name = field::name(r, "name")?.value;
    let ns = if kind == "Role" {
        binding.namespace
    } else {
        None
    };
    cx.inventory.find(kind, ns, name)
}

/// One `subjects` entry of a binding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    pub kind: &'a str,
    pub name: Field<'a, &'a str>,
    /// The namespace of a ServiceAccount subject (the binding's when not written).
    pub namespace: Option<&'a str>,
}

pub(crate) fn subjects<'a>(binding: &Object<'a>) -> impl Iterator<Item = Subject<'a>> + 'a {
    let binding_ns = binding.namespace;
    binding
        .node
        .get("subjects")
        .into_iter()
        .flat_map(|s| s.items())
        .filter_map(move |node| {
            let kind = field::name(Some(node), "kind")?.value;
            let name = field::name(Some(node), "name")?;
            let namespace =
                field::name(Some(node), "namespace").map_or(binding_ns, |n| Some(n.value));
            Some(Subject {
                kind,
                name,
                namespace,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = |s| ImageRef::parse(s).unwrap();
        assert!(r("nginx").is_latest());
        assert!(r("nginx:latest").is_latest());
        assert!(r("registry:5000/team/app").is_latest());
        assert!(!r("registry:5000/team/app:1.2").is_latest());
        assert!(!r("nginx@sha256:abcd").is_latest());
        assert!(!r("nginx:latest@sha256:abcd").is_latest());
        assert_eq!(r("registry:5000/app:1.2").tag, Some("1.2"));
        assert_eq!(ImageRef::parse("{{ .Values.image }}"), None);
        assert_eq!(ImageRef::parse(""), None);
        assert_eq!(ImageRef::parse("<YOUR-CONTAINER>"), None);
    }

    #[test]
    fn host_paths() {
        assert!(sensitive_host_path("/").is_some());
        assert!(sensitive_host_path("//").is_some());
        assert!(sensitive_host_path("/etc/").is_some());
        assert_eq!(sensitive_host_path("/etc/ssl/certs"), None);
        assert_eq!(sensitive_host_path("/etc/localtime"), None);
        assert!(sensitive_host_path("/var/lib/kubelet/pods").is_some());
        assert!(sensitive_host_path("/var/lib/kubelet").is_some());
        assert_eq!(sensitive_host_path("/etc/kubernetes/ca.crt"), None);
        assert!(sensitive_host_path("/etc/kubernetes/pki").is_some());
        assert_eq!(
            sensitive_host_path("/var/lib/kubelet/plugins_registry"),
            None
        );
        assert_eq!(
            sensitive_host_path("/var/lib/kubelet/plugins/csi.example.com"),
            None
        );
        assert_eq!(sensitive_host_path("/etcd-data"), None);
        assert_eq!(sensitive_host_path("/var/log"), None);
        assert_eq!(sensitive_host_path("/data"), None);
        assert_eq!(
            sensitive_host_path("/etc/kubernetes/pki"),
            Some("the node's Kubernetes credentials and manifests")
        );
        assert_eq!(runtime_socket("/var/run/docker.sock"), Some("Docker"));
        assert_eq!(
            runtime_socket("/run/containerd/containerd.sock"),
            Some("containerd")
        );
        assert_eq!(runtime_socket("/var/run/crio/crio.sock"), Some("CRI-O"));
        assert_eq!(runtime_socket("/run/containerd"), Some("containerd"));
        assert_eq!(runtime_socket("/var/run"), None);
    }
}
