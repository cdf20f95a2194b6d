//! Facts about built-in kinds that the API server would otherwise tell us through discovery.

/// Kinds that are not namespaced. Anything not listed here and not a known namespaced kind is
/// an unknown kind (a CRD): its namespace is taken as written, and not defaulted.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "StorageVersionMigration",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
    "DeviceClass",
    "ResourceSlice",
    "ClusterTrustBundle",
    "IPAddress",
    "ServiceCIDR",
    "GatewayClass",
];

const NAMESPACED: &[&str] = &[
    "Binding",
    "ConfigMap",
    "ControllerRevision",
    "CronJob",
    "CSIStorageCapacity",
    "DaemonSet",
    "Deployment",
    "Endpoints",
    "EndpointSlice",
    "Event",
    "HorizontalPodAutoscaler",
    "Ingress",
    "Job",
    "Lease",
    "LimitRange",
    "LocalSubjectAccessReview",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "Pod",
    "PodDisruptionBudget",
    "PodTemplate",
    "ReplicaSet",
    "ReplicationController",
    "ResourceClaim",
    "ResourceClaimTemplate",
    "ResourceQuota",
    "Role",
    "RoleBinding",
    "Secret",
    "Service",
    "ServiceAccount",
    "StatefulSet",
];

/// How a kind is scoped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
    Unknown,
}

pub fn scope(kind: &str) -> Scope {
    if NAMESPACED.contains(&kind) {
        Scope::Namespaced
    } else if CLUSTER_SCOPED.contains(&kind) {
        Scope::Cluster
    } else {
        Scope::Unknown
    }
}

/// Kinds that carry a pod template, and where it sits.
pub fn pod_template_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job"
        | "PodTemplate" => Some(&["spec", "template"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

/// The resource name of a kind, as the API and quota names (`count/deployments.apps`) write
/// it: lower case and plural (`ingresses`, `networkpolicies`, `endpoints`).
pub fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') || lower.ends_with("ch") || lower.ends_with('x') {
        if lower == "endpoints" {
            lower
        } else {
            format!("{lower}es")
        }
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// Whether objects of `kind` in API `group` are the resource `resource` (its plural, lower
/// case, or the kind itself as some quota keys write it) of API group `resource_group`, as
/// object-count quota keys (`count/deployments.apps`) name them.
pub fn is_resource(kind: &str, group: &str, resource: &str, resource_group: &str) -> bool {
    (plural(kind) == resource || kind == resource) && group == resource_group
}

#[cfg(test)]
mod plural_tests {
    #[test]
    fn resource_names() {
        for (kind, resource) in [
            ("Deployment", "deployments"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("Service", "services"),
        ] {
            assert_eq!(super::plural(kind), resource);
        }
    }

    #[test]
    fn resources_of_kinds() {
        assert!(super::is_resource(
            "Deployment",
            "apps",
            "deployments",
            "apps"
        ));
        assert!(!super::is_resource("Deployment", "", "deployments", "apps"));
        assert!(super::is_resource("ConfigMap", "", "configmaps", ""));
        assert!(!super::is_resource("Secret", "", "configmaps", ""));
    }
}
