//! Kinds taken from where a file sits, for archives that store one object per file without
//! `apiVersion` and `kind` (the Go client's typed objects serialized as they are).
//!
//! Only the layouts in [`LAYOUTS`] are recognised, each anchored at the end of the path, and
//! only for a document that is a mapping with a `metadata.name`: a kindless document anywhere
//! else stays "not a Kubernetes object", whatever it looks like. Nothing is guessed from the
//! content.
//!
//! | layout (end of the path) | kind | produced by |
//! |---|---|---|
//! | `config/pod/<ns>/<name>.json` | `v1` Pod | insights-operator archive |
//! | `config/node/<name>.json` | `v1` Node | insights-operator archive |
//! | `config/persistentvolumes/<name>.json` | `v1` PersistentVolume | insights-operator archive |
//! | `config/storage/storageclasses/<name>.json` | `storage.k8s.io/v1` StorageClass | insights-operator archive |
//! | `config/crd/<name>.json` | `apiextensions.k8s.io/v1` CustomResourceDefinition | insights-operator archive |
//! | `config/validatingwebhookconfigurations/<name>.json` | `admissionregistration.k8s.io/v1` ValidatingWebhookConfiguration | insights-operator archive |
//! | `config/mutatingwebhookconfigurations/<name>.json` | `admissionregistration.k8s.io/v1` MutatingWebhookConfiguration | insights-operator archive |
//! | `config/pdbs/<ns>/<name>.json` | `policy/v1` PodDisruptionBudget | insights-operator archive |
//! | `config/securitycontextconstraint/<name>.json` | `security.openshift.io/v1` SecurityContextConstraints | insights-operator archive |
//! | `conditional/namespaces/<ns>/pods/<pod>/<pod>.json` | `v1` Pod | insights-operator archive |
//! | `namespaces/<ns>/pods/<pod>/<pod>.{yaml,json}` | `v1` Pod | must-gather |
//! | `namespaces/<ns>/<group>/<resource>/<name>.{yaml,json}` | by [`RESOURCES`] | must-gather |
//! | `cluster-scoped-resources/<group>/<resource>/<name>.{yaml,json}` | by [`RESOURCES`] | must-gather |
//!
//! `<group>` is `core` (or empty) for the core group. The file must end in `.json`, `.yaml` or
//! `.yml`; `<pod>` must equal the file's stem. The namespace from the path is used only when
//! the object does not name one.

/// A kind inferred from a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inferred<'p> {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The namespace segment of the path, for namespaced layouts.
    pub namespace: Option<&'p str>,
}

/// Recognised layouts: path segments anchored at the end of the path, and the type they give
/// (`None`: looked up in [`RESOURCES`] from the `{group}` and `{resource}` segments).
///
/// Segments: a literal; `{ns}` a namespace; `{pod}` any name; `{group}`, `{resource}`;
/// `{file}` the file name (`.json`, `.yaml`, `.yml`); `{pod.file}` a file whose stem is the
/// `{pod}` segment.
pub const LAYOUTS: &[(&str, Option<(&str, &str)>)] = &[
    ("config/pod/{ns}/{file}", Some(("v1", "Pod"))),
    ("config/node/{file}", Some(("v1", "Node"))),
    (
        "config/persistentvolumes/{file}",
        Some(("v1", "PersistentVolume")),
    ),
    (
        "config/storage/storageclasses/{file}",
        Some(("storage.k8s.io/v1", "StorageClass")),
    ),
    (
        "config/crd/{file}",
        Some(("apiextensions.k8s.io/v1", "CustomResourceDefinition")),
    ),
    (
        "config/validatingwebhookconfigurations/{file}",
        Some((
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
        )),
    ),
    (
        "config/mutatingwebhookconfigurations/{file}",
        Some((
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
        )),
    ),
    (
        "config/pdbs/{ns}/{file}",
        Some(("policy/v1", "PodDisruptionBudget")),
    ),
    (
        "config/securitycontextconstraint/{file}",
        Some(("security.openshift.io/v1", "SecurityContextConstraints")),
    ),
    (
        "conditional/namespaces/{ns}/pods/{pod}/{pod.file}",
        Some(("v1", "Pod")),
    ),
    ("namespaces/{ns}/pods/{pod}/{pod.file}", Some(("v1", "Pod"))),
    ("namespaces/{ns}/{group}/{resource}/{file}", None),
    ("cluster-scoped-resources/{group}/{resource}/{file}", None),
];

/// Built-in resources by API group and plural name: `(group, resource, apiVersion, kind)`.
/// The apiVersion is the group's current stable version.
pub const RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("", "configmaps", "v1", "ConfigMap"),
    ("", "endpoints", "v1", "Endpoints"),
    ("", "events", "v1", "Event"),
    ("", "limitranges", "v1", "LimitRange"),
    ("", "namespaces", "v1", "Namespace"),
    ("", "nodes", "v1", "Node"),
    ("", "persistentvolumeclaims", "v1", "PersistentVolumeClaim"),
    ("", "persistentvolumes", "v1", "PersistentVolume"),
    ("", "pods", "v1", "Pod"),
    ("", "replicationcontrollers", "v1", "ReplicationController"),
    ("", "resourcequotas", "v1", "ResourceQuota"),
    ("", "serviceaccounts", "v1", "ServiceAccount"),
    ("", "services", "v1", "Service"),
    (
        "apps",
        "controllerrevisions",
        "apps/v1",
        "ControllerRevision",
    ),
    ("apps", "daemonsets", "apps/v1", "DaemonSet"),
    ("apps", "deployments", "apps/v1", "Deployment"),
    ("apps", "replicasets", "apps/v1", "ReplicaSet"),
    ("apps", "statefulsets", "apps/v1", "StatefulSet"),
    (
        "autoscaling",
        "horizontalpodautoscalers",
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
    ),
    ("batch", "cronjobs", "batch/v1", "CronJob"),
    ("batch", "jobs", "batch/v1", "Job"),
    (
        "discovery.k8s.io",
        "endpointslices",
        "discovery.k8s.io/v1",
        "EndpointSlice",
    ),
    (
        "networking.k8s.io",
        "ingresses",
        "networking.k8s.io/v1",
        "Ingress",
    ),
    (
        "networking.k8s.io",
        "networkpolicies",
        "networking.k8s.io/v1",
        "NetworkPolicy",
    ),
    (
        "policy",
        "poddisruptionbudgets",
        "policy/v1",
        "PodDisruptionBudget",
    ),
    (
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    ),
    (
        "rbac.authorization.k8s.io",
        "clusterroles",
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    ),
    (
        "rbac.authorization.k8s.io",
        "rolebindings",
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
    ),
    (
        "rbac.authorization.k8s.io",
        "roles",
        "rbac.authorization.k8s.io/v1",
        "Role",
    ),
    (
        "storage.k8s.io",
        "storageclasses",
        "storage.k8s.io/v1",
        "StorageClass",
    ),
];

const EXTENSIONS: [&str; 3] = [".json", ".yaml", ".yml"];

/// The kind the layout of `path` gives a kindless document, if `path` is in a recognised
/// layout. Both `/` and `\` separate segments.
pub fn infer(path: &str) -> Option<Inferred<'_>> {
    let segments: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    LAYOUTS
        .iter()
        .find_map(|(pattern, ty)| matches(pattern, *ty, &segments))
}

fn matches<'p>(
    pattern: &str,
    ty: Option<(&'static str, &'static str)>,
    segments: &[&'p str],
) -> Option<Inferred<'p>> {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let tail = segments.get(segments.len().checked_sub(pattern.len())?..)?;
    let (mut ns, mut pod, mut group, mut resource) = (None, None, None, None);
    for (want, &got) in pattern.iter().zip(tail) {
        match *want {
            "{ns}" => ns = Some(got),
            "{pod}" => pod = Some(got),
            "{group}" => group = Some(got),
            "{resource}" => resource = Some(got),
            "{file}" => {
                stem(got)?;
            }
            "{pod.file}" => {
                if Some(stem(got)?) != pod {
                    return None;
                }
            }
            literal => {
                if literal != got {
                    return None;
                }
            }
        }
    }
    let (api_version, kind) = match ty {
        Some(t) => t,
        None => {
            let group = group.map(|g| if g == "core" { "" } else { g })?;
            let resource = resource?;
            let (_, _, v, k) = RESOURCES
                .iter()
                .find(|(g, r, _, _)| *g == group && *r == resource)?;
            (*v, *k)
        }
    };
    Some(Inferred {
        api_version,
        kind,
        namespace: ns,
    })
}

/// The file name without a manifest extension; `None` for other files.
fn stem(name: &str) -> Option<&str> {
    EXTENSIONS.iter().find_map(|ext| {
        let cut = name.len().checked_sub(ext.len())?;
        (cut > 0 && name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(ext))
            .then(|| &name[..cut])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> Option<(&'static str, &'static str, Option<&str>)> {
        infer(path).map(|i| (i.api_version, i.kind, i.namespace))
    }

    #[test]
    fn every_layout_of_the_table() {
        let cases = [
            (
                "archive/config/pod/openshift-etcd/etcd-0.json",
                Some(("v1", "Pod", Some("openshift-etcd"))),
            ),
            ("config/node/master-0.json", Some(("v1", "Node", None))),
            (
                "x/config/persistentvolumes/pv-1.json",
                Some(("v1", "PersistentVolume", None)),
            ),
            (
                "config/storage/storageclasses/standard.json",
                Some(("storage.k8s.io/v1", "StorageClass", None)),
            ),
            (
                "config/crd/volumesnapshots.snapshot.storage.k8s.io.json",
                Some(("apiextensions.k8s.io/v1", "CustomResourceDefinition", None)),
            ),
            (
                "config/validatingwebhookconfigurations/machine-api.json",
                Some((
                    "admissionregistration.k8s.io/v1",
                    "ValidatingWebhookConfiguration",
                    None,
                )),
            ),
            (
                "config/mutatingwebhookconfigurations/a.json",
                Some((
                    "admissionregistration.k8s.io/v1",
                    "MutatingWebhookConfiguration",
                    None,
                )),
            ),
            (
                "config/pdbs/ns1/guard.json",
                Some(("policy/v1", "PodDisruptionBudget", Some("ns1"))),
            ),
            (
                "config/securitycontextconstraint/anyuid.json",
                Some((
                    "security.openshift.io/v1",
                    "SecurityContextConstraints",
                    None,
                )),
            ),
            (
                "conditional/namespaces/mon/pods/am-0/am-0.json",
                Some(("v1", "Pod", Some("mon"))),
            ),
            (
                "must-gather/namespaces/shop/pods/api-1/api-1.yaml",
                Some(("v1", "Pod", Some("shop"))),
            ),
            (
                "namespaces/shop/apps/deployments/api.yaml",
                Some(("apps/v1", "Deployment", Some("shop"))),
            ),
            (
                "namespaces/shop/core/services/api.yml",
                Some(("v1", "Service", Some("shop"))),
            ),
            (
                r"C:\dump\cluster-scoped-resources\rbac.authorization.k8s.io\clusterroles\admin.json",
                Some(("rbac.authorization.k8s.io/v1", "ClusterRole", None)),
            ),
            (
                "cluster-scoped-resources/core/nodes/node-1.yaml",
                Some(("v1", "Node", None)),
            ),
        ];
        for (path, want) in cases {
            assert_eq!(kind(path), want, "{path}");
        }
    }

    #[test]
    fn nothing_outside_the_table() {
        for path in [
            "config/pod/ns/pod.txt",
            "config/pod/pod.json",
            "config/pod/ns/deeper/pod.json",
            "pod/ns/x.json",
            "config/node/.json",
            "config/clusteroperator/dns.json",
            "events/openshift-machine-api.json",
            "namespaces/default/pods/virt-launcher-example/virt-launcher.json",
            "namespaces/openshift-nfd/customresources/ip-10-0-58-24.ec2.internal.json",
            "namespaces/openstack/core.openstack.org/openstackversions/x.json",
            "cluster-scoped-resources/nmstate.io/nodenetworkstates/ip-10.json",
            "manifests/deployment.yaml",
            "",
        ] {
            assert_eq!(kind(path), None, "{path}");
        }
    }
}
