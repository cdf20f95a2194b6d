//! What the API server's own Go validation of built-in kinds enforces beyond their OpenAPI
//! schemas: the enumerations its `validation.go` checks (the published schemas carry no
//! `enum` for built-in kinds) and the few fields it requires that the schemas leave optional.
//!
//! Each entry is keyed by the field names that end the path (list indices and map keys
//! skipped), innermost last, and optionally by kind. Values are from `pkg/apis/*/validation`
//! of Kubernetes (the `supportedXxx` sets), which have not changed from 1.23 to 1.35 except
//! where noted.

/// One enumeration: the kinds it applies to (empty: every built-in kind), the path suffix and
/// the values.
struct Enum {
    kinds: &'static [&'static str],
    suffix: &'static [&'static str],
    values: &'static [&'static str],
}

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const SERVICE: &[&str] = &["Service"];

const ENUMS: &[Enum] = &[
    // Container, Service, EndpointSlice, Endpoints and NetworkPolicy ports.
    Enum {
        kinds: &[],
        suffix: &["ports", "protocol"],
        values: PROTOCOLS,
    },
    Enum {
        kinds: &[],
        suffix: &["imagePullPolicy"],
        values: &["Always", "IfNotPresent", "Never"],
    },
    Enum {
        kinds: &[],
        suffix: &["terminationMessagePolicy"],
        values: &["File", "FallbackToLogsOnError"],
    },
    Enum {
        kinds: &[],
        suffix: &["spec", "restartPolicy"],
        values: &["Always", "OnFailure", "Never"],
    },
    Enum {
        kinds: &[],
        suffix: &["spec", "dnsPolicy"],
        values: &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
    },
    Enum {
        kinds: &[],
        suffix: &["volumeMounts", "mountPropagation"],
        values: &["None", "HostToContainer", "Bidirectional"],
    },
    Enum {
        kinds: &[],
        suffix: &["hostPath", "type"],
        values: &[
            "",
            "DirectoryOrCreate",
            "Directory",
            "FileOrCreate",
            "File",
            "Socket",
            "CharDevice",
            "BlockDevice",
        ],
    },
    Enum {
        kinds: &[],
        suffix: &["tolerations", "operator"],
        values: &["Equal", "Exists"],
    },
    Enum {
        kinds: &[],
        suffix: &["tolerations", "effect"],
        values: &["", "NoSchedule", "PreferNoSchedule", "NoExecute"],
    },
    Enum {
        kinds: &[],
        suffix: &["nodeSelectorTerms", "matchExpressions", "operator"],
        values: &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
    },
    Enum {
        kinds: &[],
        suffix: &["preference", "matchExpressions", "operator"],
        values: &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"],
    },
    Enum {
        kinds: &[],
        suffix: &["topologySpreadConstraints", "whenUnsatisfiable"],
        values: &["DoNotSchedule", "ScheduleAnyway"],
    },
    Enum {
        kinds: &[],
        suffix: &["seccompProfile", "type"],
        values: &["RuntimeDefault", "Unconfined", "Localhost"],
    },
    Enum {
        kinds: &[],
        suffix: &["httpGet", "scheme"],
        values: &["HTTP", "HTTPS"],
    },
    Enum {
        kinds: &[],
        suffix: &["accessModes"],
        values: &[
            "ReadWriteOnce",
            "ReadOnlyMany",
            "ReadWriteMany",
            "ReadWriteOncePod",
        ],
    },
    Enum {
        kinds: &[],
        suffix: &["spec", "volumeMode"],
        values: &["Filesystem", "Block"],
    },
    Enum {
        kinds: &["PersistentVolume"],
        suffix: &["spec", "persistentVolumeReclaimPolicy"],
        values: &["Recycle", "Delete", "Retain"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "type"],
        values: &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "sessionAffinity"],
        values: &["ClientIP", "None"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "externalTrafficPolicy"],
        values: &["Cluster", "Local"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "internalTrafficPolicy"],
        values: &["Cluster", "Local"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "ipFamilyPolicy"],
        values: &["SingleStack", "PreferDualStack", "RequireDualStack"],
    },
    Enum {
        kinds: SERVICE,
        suffix: &["spec", "ipFamilies"],
        values: &["IPv4", "IPv6"],
    },
    Enum {
        kinds: &["Deployment"],
        suffix: &["spec", "strategy", "type"],
        values: &["Recreate", "RollingUpdate"],
    },
    Enum {
        kinds: &["StatefulSet", "DaemonSet"],
        suffix: &["spec", "updateStrategy", "type"],
        values: &["RollingUpdate", "OnDelete"],
    },
    Enum {
        kinds: &["StatefulSet"],
        suffix: &["spec", "podManagementPolicy"],
        values: &["OrderedReady", "Parallel"],
    },
    Enum {
        kinds: &["CronJob"],
        suffix: &["spec", "concurrencyPolicy"],
        values: &["Allow", "Forbid", "Replace"],
    },
    Enum {
        kinds: &["Job", "CronJob"],
        suffix: &["spec", "completionMode"],
        values: &["NonIndexed", "Indexed"],
    },
    Enum {
        kinds: &["Ingress"],
        suffix: &["paths", "pathType"],
        values: &["Exact", "Prefix", "ImplementationSpecific"],
    },
    Enum {
        kinds: &["PodDisruptionBudget"],
        suffix: &["spec", "unhealthyPodEvictionPolicy"],
        values: &["IfHealthyBudget", "AlwaysAllow"],
    },
];

/// Whether some entry of `ENUMS` ends with the field `name` (a test keeps them in step).
fn enumerated(name: &str) -> bool {
    matches!(
        name,
        "protocol"
            | "imagePullPolicy"
            | "terminationMessagePolicy"
            | "restartPolicy"
            | "dnsPolicy"
            | "mountPropagation"
            | "type"
            | "operator"
            | "effect"
            | "whenUnsatisfiable"
            | "scheme"
            | "accessModes"
            | "volumeMode"
            | "persistentVolumeReclaimPolicy"
            | "sessionAffinity"
            | "externalTrafficPolicy"
            | "internalTrafficPolicy"
            | "ipFamilyPolicy"
            | "ipFamilies"
            | "podManagementPolicy"
            | "concurrencyPolicy"
            | "completionMode"
            | "pathType"
            | "unhealthyPodEvictionPolicy"
    )
}

/// The values the API server accepts for the string field at the end of `names` (field names
/// from the root, innermost last) in an object of `kind`, when its validation restricts them.
pub(crate) fn allowed<'a>(
    kind: &str,
    names: impl DoubleEndedIterator<Item = &'a str>,
) -> Option<&'static [&'static str]> {
    let mut names = names.rev();
    let first = names.next()?;
    // Most string fields are none of these: one `match` on the field's name decides.
    if !enumerated(first) {
        return None;
    }
    let mut last = [first, "", ""];
    let mut n = 1;
    for name in names.take(2) {
        last[n] = name;
        n += 1;
    }
    let tail = &last[..n];
    // An empty string is the Go zero value: defaulted or left unset, never "unsupported".
    ENUMS
        .iter()
        .find(|e| {
            (e.kinds.is_empty() || e.kinds.contains(&kind))
                && e.suffix.len() <= tail.len()
                && e.suffix.iter().rev().zip(tail).all(|(a, b)| a == b)
        })
        .map(|e| e.values)
}

/// How the API server checks the `metadata.name` of a kind (`ValidateObjectMeta` with the
/// kind's name function).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// A lowercase RFC 1123 subdomain, at most 253 characters (most kinds).
    Subdomain,
    /// A lowercase RFC 1123 label, at most 63 characters (Namespace).
    Label,
    /// An RFC 1035 label: a label starting with a letter (Service).
    Label1035,
}

/// The name rule of built-in `kind`, for the kinds whose rule is known; `None` for the others
/// (RBAC names are path segments, a CRD's is `<plural>.<group>`, …).
pub(crate) fn name_rule(kind: &str) -> Option<NameRule> {
    Some(match kind {
        "Namespace" => NameRule::Label,
        "Service" => NameRule::Label1035,
        "ConfigMap"
        | "Secret"
        | "Pod"
        | "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job"
        | "PersistentVolumeClaim"
        | "PersistentVolume"
        | "ServiceAccount"
        | "Ingress"
        | "NetworkPolicy"
        | "PodDisruptionBudget"
        | "HorizontalPodAutoscaler"
        | "StorageClass"
        | "LimitRange"
        | "ResourceQuota"
        | "PriorityClass" => NameRule::Subdomain,
        _ => return None,
    })
}

impl NameRule {
    /// Why `name` breaks the rule, in the API server's words.
    pub(crate) fn check(self, name: &str) -> Result<(), String> {
        let label = |l: &str, first_letter: bool| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
                && (!first_letter || b[0].is_ascii_lowercase())
        };
        let (max, ok, what) = match self {
            NameRule::Subdomain => (
                253,
                name.split('.').all(|l| label(l, false)),
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            ),
            NameRule::Label => (
                63,
                label(name, false),
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            ),
            NameRule::Label1035 => (
                63,
                label(name, true),
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            ),
        };
        if name.len() > max {
            return Err(format!("must be no more than {max} characters"));
        }
        if !ok {
            return Err(what.to_owned());
        }
        Ok(())
    }
}

/// Kinds whose objects are never stored and need no name (reviews are answered, not kept).
fn nameless(kind: &str) -> bool {
    kind.ends_with("Review")
}

/// The fields the API server requires of the object at the end of `names` (`depth` path
/// segments below the root) that the schema leaves optional: `metadata` and its `name` (or
/// `generateName`) on every stored object, `image` on every container of a pod (Go validation:
/// `field.Required(…"image")`).
pub(crate) fn required<'a>(
    kind: &str,
    mut names: impl DoubleEndedIterator<Item = &'a str>,
    depth: usize,
    custom: bool,
) -> Option<&'static [&'static str]> {
    if nameless(kind) {
        return None;
    }
    let last = names.next_back();
    match (depth, last) {
        (0, _) => Some(&["metadata"]),
        (1, Some("metadata")) => Some(&["name"]),
        (_, Some("containers" | "initContainers" | "ephemeralContainers")) if !custom => {
            Some(&["image"])
        }
        _ => None,
    }
}

/// Whether the API server's validation of a built-in kind refuses an object without the field
/// `field` that the published schema lists as `required` (of the object at the end of
/// `names`). The schemas call required every field serialised without `omitempty`, which the
/// Go validation does not always enforce: nothing in `status` is checked on create; an
/// absent struct is its zero value, checked field by field (`podSelector: {}` selects every
/// pod; a workload's missing selector is `workload-selector-mismatch`'s); and a few
/// scalar fields are optional in fact (`serviceName` of a StatefulSet, optional in the schema
/// from 1.35; a sysctl's `value`).
pub(crate) fn schema_requirement_enforced<'a>(
    kind: &str,
    names: impl DoubleEndedIterator<Item = &'a str> + Clone,
    field: &str,
    ty: Option<faultline_schema::Type>,
) -> bool {
    if names.clone().next() == Some("status") {
        return false;
    }
    let last = names.clone().next_back();
    // An absent struct is validated field by field; a workload's missing selector is
    // `workload-selector-mismatch`'s.
    if ty == Some(faultline_schema::Type::Object) {
        return false;
    }
    !matches!(
        (kind, last, field),
        ("StatefulSet", Some("spec"), "serviceName") | (_, Some("sysctls"), "value")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_match_by_path_suffix_and_kind() {
        let names = ["spec", "containers", "ports", "protocol"];
        assert_eq!(allowed("Pod", names.iter().copied()), Some(PROTOCOLS));
        let names = ["spec", "type"];
        assert!(allowed("Service", names.iter().copied()).is_some());
        assert!(allowed("Secret", names.iter().copied()).is_none());
        assert!(allowed("Pod", ["metadata", "name"].iter().copied()).is_none());
    }

    #[test]
    fn the_fast_filter_knows_every_enumerated_field() {
        for e in ENUMS {
            assert!(enumerated(e.suffix.last().unwrap()), "{:?}", e.suffix);
        }
        assert!(!enumerated("image"));
    }

    #[test]
    fn names_as_the_api_server_checks_them() {
        let sub = NameRule::Subdomain;
        assert!(sub.check("web-1.example").is_ok());
        assert!(sub.check("x.com^2").is_err());
        assert!(sub.check("Web").is_err());
        assert!(sub.check("a..b").is_err());
        assert!(sub.check(&"a".repeat(254)).is_err());
        assert!(NameRule::Label.check("team.a").is_err());
        assert!(NameRule::Label1035.check("1web").is_err());
        assert!(NameRule::Label1035.check("web-1").is_ok());
    }

    #[test]
    fn names_and_images_are_required() {
        assert_eq!(
            required("Pod", [].into_iter(), 0, false),
            Some(&["metadata"][..])
        );
        assert_eq!(
            required("Pod", ["metadata"].into_iter(), 1, false),
            Some(&["name"][..])
        );
        assert_eq!(
            required(
                "Deployment",
                ["spec", "template", "spec", "containers"].into_iter(),
                5,
                false
            ),
            Some(&["image"][..])
        );
        assert_eq!(
            required("JobSet", ["spec", "containers"].into_iter(), 3, true),
            None
        );
        assert_eq!(required("TokenReview", [].into_iter(), 0, false), None);
    }
}
