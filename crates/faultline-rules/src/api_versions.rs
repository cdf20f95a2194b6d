//! Built-in Kubernetes API versions removed between v1.16 and v1.32, and when they were deprecated.
//!
//! Sources, in order of authority:
//! * **Which** `apiVersion`/`kind` pairs stopped being served, in which release, the replacement
//!   and the migration notes: the Kubernetes "Deprecated API Migration Guide"
//!   (kubernetes.io/docs/reference/using-api/deprecation-guide, sections v1.16 to v1.32). The
//!   v1.16 changelog adds `ControllerRevision` (all of `apps/v1beta1` and `apps/v1beta2` stopped
//!   being served).
//! * **Deprecated in**: the release the API server starts warning in
//!   (`<group/version> <Kind> is deprecated in v1.X+, unavailable in v1.Y+`), which comes from the
//!   `prerelease-lifecycle-gen` tags of `k8s.io/api` (`APILifecycleDeprecated`). APIs removed in
//!   v1.16 predate those warnings; their deprecation releases (1.9 for the `extensions`/`apps`
//!   beta workloads and `NetworkPolicy`, 1.10 for `extensions/v1beta1` `PodSecurityPolicy`) come
//!   from FairwindsOps/pluto's `versions.yaml`, and are `None` where no source gives one.
//!
//! Matching is exact and case-sensitive on both `apiVersion` and `kind`, as the API server's is.
//! Only built-in kinds are listed: a custom resource's group never matches.

use std::fmt;

/// A Kubernetes minor release, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u16,
    pub minor: u16,
}

impl KubeVersion {
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Parses `1.32`, `v1.32`, `1.32.3` and `v1.32.3`, also with a pre-release or build suffix
    /// after the patch number as managed clusters report them (`v1.29.4-eks-036c24b`,
    /// `v1.28.3+k3s1`). The patch number is ignored.
    pub fn parse(s: &str) -> Result<Self, String> {
        let invalid =
            || format!("invalid Kubernetes version `{s}`: expected `1.32`, `v1.32` or `1.32.3`");
        let text = s.strip_prefix('v').unwrap_or(s);
        let mut parts = text.splitn(3, '.');
        let major = parse_number(parts.next()).ok_or_else(invalid)?;
        let minor = parse_number(parts.next()).ok_or_else(invalid)?;
        if let Some(patch) = parts.next() {
            let digits = patch.find(['-', '+']).map_or(patch, |end| &patch[..end]);
            if parse_number(Some(digits)).is_none() {
                return Err(invalid());
            }
        }
        Ok(Self { major, minor })
    }
}

fn parse_number(part: Option<&str>) -> Option<u16> {
    let part = part?;
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// One built-in `apiVersion`/`kind` that stopped being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiChange {
    /// The removed `apiVersion`, e.g. `extensions/v1beta1`.
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The first release whose API server warns that this version is deprecated, if known.
    pub deprecated_in: Option<KubeVersion>,
    /// The first release that no longer serves it.
    pub removed_in: KubeVersion,
    /// The `apiVersion` the guide says to migrate to (same kind); empty when there is none
    /// (`PodSecurityPolicy`). The replacement may itself be removed later: see [`replacement_at`].
    pub replacement: &'static str,
    /// Notable changes to make when migrating, from the guide; empty when it lists none.
    pub note: &'static str,
}

/// Where an `apiVersion`/`kind` stands for a target Kubernetes release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiStatus {
    /// No longer served by the target release.
    Removed(&'static ApiChange),
    /// Deprecated at or before the target release and removed after it.
    Deprecated(&'static ApiChange),
}

impl ApiStatus {
    pub fn change(self) -> &'static ApiChange {
        match self {
            ApiStatus::Removed(change) | ApiStatus::Deprecated(change) => change,
        }
    }
}

/// The status of `api_version`/`kind` in the `target` release; `None` when it is served and not
/// deprecated there, or is not a removed built-in API at all.
pub fn status(api_version: &str, kind: &str, target: KubeVersion) -> Option<ApiStatus> {
    let change = lookup(api_version, kind)?;
    if target >= change.removed_in {
        Some(ApiStatus::Removed(change))
    } else if change.deprecated_in.is_some_and(|d| d <= target) {
        Some(ApiStatus::Deprecated(change))
    } else {
        None
    }
}

/// The table entry for `api_version`/`kind`, whatever the target release.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static ApiChange> {
    CHANGES
        .iter()
        .find(|c| c.api_version == api_version && c.kind == kind)
}

/// The `apiVersion` to migrate `api_version`/`kind` to for `target`: the guide's replacement,
/// followed while that replacement is itself removed in `target` (for example
/// `flowcontrol.apiserver.k8s.io/v1beta1` → `v1beta2` before v1.29, → `v1` from v1.29).
/// `None` when the API is not in the table or has no replacement (`PodSecurityPolicy`).
pub fn replacement_at(api_version: &str, kind: &str, target: KubeVersion) -> Option<&'static str> {
    let mut change = lookup(api_version, kind)?;
    // The chain is at most a few links long; the bound only guards against a bad table.
    for _ in 0..CHANGES.len() {
        if change.replacement.is_empty() {
            return None;
        }
        match lookup(change.replacement, kind) {
            Some(next) if target >= next.removed_in => change = next,
            _ => return Some(change.replacement),
        }
    }
    None
}

/// Every removal in the table, ordered by removal release, then `apiVersion`, then `kind`.
pub fn all_changes() -> &'static [ApiChange] {
    CHANGES
}

const fn v(minor: u16) -> KubeVersion {
    KubeVersion::new(1, minor)
}

const fn change(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: Option<KubeVersion>,
    removed_in: KubeVersion,
    replacement: &'static str,
    note: &'static str,
) -> ApiChange {
    ApiChange {
        api_version,
        kind,
        deprecated_in,
        removed_in,
        replacement,
        note,
    }
}

const DAEMONSET_NOTE: &str = "spec.templateGeneration is removed; spec.selector is required and \
    immutable (use the template labels); spec.updateStrategy.type defaults to RollingUpdate \
    (was OnDelete in extensions/v1beta1)";
const DEPLOYMENT_NOTE: &str = "spec.rollbackTo is removed; spec.selector is required and immutable \
    (use the template labels); spec.progressDeadlineSeconds defaults to 600; \
    spec.revisionHistoryLimit defaults to 10; maxSurge and maxUnavailable default to 25%";
const STATEFULSET_NOTE: &str = "spec.selector is required and immutable (use the template \
    labels); spec.updateStrategy.type defaults to RollingUpdate (was OnDelete in apps/v1beta1)";
const REPLICASET_NOTE: &str = "spec.selector is required and immutable (use the template labels)";
const WEBHOOK_NOTE: &str = "webhooks[*].sideEffects and webhooks[*].admissionReviewVersions are \
    required; failurePolicy defaults to Fail, matchPolicy to Equivalent, timeoutSeconds to 10; \
    webhook names must be unique";
const CRD_NOTE: &str = "spec.scope is required; spec.version, spec.validation, \
    spec.subresources and spec.additionalPrinterColumns move into spec.versions[*]; \
    spec.versions[*].schema.openAPIV3Schema is required and must be structural; \
    spec.preserveUnknownFields: true is disallowed; spec.conversion.webhookClientConfig moves to \
    spec.conversion.webhook.clientConfig; JSONPath is renamed jsonPath in printer columns";
const SUBJECT_ACCESS_REVIEW_NOTE: &str = "spec.group is renamed spec.groups";
const CSR_NOTE: &str = "spec.signerName is required (kubernetes.io/legacy-unknown cannot be \
    created); spec.usages is required, without duplicates, known usages only";
const INGRESS_NOTE: &str = "spec.backend is renamed spec.defaultBackend; backend serviceName \
    becomes service.name; numeric servicePort becomes service.port.number and named servicePort \
    service.port.name; pathType is required for each path (ImplementationSpecific matches the \
    old behaviour)";
const ENDPOINTSLICE_NOTE: &str = "use per-endpoint nodeName and zone instead of \
    topology[\"kubernetes.io/hostname\"] and topology[\"topology.kubernetes.io/zone\"]; topology \
    becomes the read-only deprecatedTopology";
const EVENT_NOTE: &str = "type is Normal or Warning; involvedObject is renamed regarding; \
    action, reason, reportingController and reportingInstance are required; use eventTime, \
    series.lastObservedTime, series.count, reportingController and reportingInstance instead of \
    firstTimestamp, lastTimestamp, count, source.component and source.host";
const HPA_NOTE: &str = "targetAverageUtilization is replaced by target.averageUtilization with \
    target.type: Utilization";
const PDB_NOTE: &str = "an empty spec.selector ({}) selects every pod in the namespace in \
    policy/v1 (it selected none in policy/v1beta1); an unset selector selects none in both";
const PSP_NOTE: &str = "no replacement: migrate to Pod Security Admission or a third-party \
    admission webhook";
const FLOWCONTROL_V1_NOTE: &str = "in flowcontrol.apiserver.k8s.io/v1 the PriorityLevelConfiguration \
    spec.limited.nominalConcurrencyShares defaults to 30 only when unset (an explicit 0 stays 0)";
const FLOWCONTROL_V1BETA2_NOTE: &str = "migrate to flowcontrol.apiserver.k8s.io/v1 (since v1.29) \
    or v1beta3 (since v1.26); spec.limited.assuredConcurrencyShares is renamed \
    spec.limited.nominalConcurrencyShares, which in v1 defaults to 30 only when unset";

static CHANGES: &[ApiChange] = &[
    // v1.16
    change(
        "apps/v1beta1",
        "ControllerRevision",
        None,
        v(16),
        "apps/v1",
        "",
    ),
    change(
        "apps/v1beta1",
        "Deployment",
        Some(v(9)),
        v(16),
        "apps/v1",
        DEPLOYMENT_NOTE,
    ),
    change(
        "apps/v1beta1",
        "ReplicaSet",
        None,
        v(16),
        "apps/v1",
        REPLICASET_NOTE,
    ),
    change(
        "apps/v1beta1",
        "StatefulSet",
        Some(v(9)),
        v(16),
        "apps/v1",
        STATEFULSET_NOTE,
    ),
    change(
        "apps/v1beta2",
        "ControllerRevision",
        None,
        v(16),
        "apps/v1",
        "",
    ),
    change(
        "apps/v1beta2",
        "DaemonSet",
        Some(v(9)),
        v(16),
        "apps/v1",
        DAEMONSET_NOTE,
    ),
    change(
        "apps/v1beta2",
        "Deployment",
        Some(v(9)),
        v(16),
        "apps/v1",
        DEPLOYMENT_NOTE,
    ),
    change(
        "apps/v1beta2",
        "ReplicaSet",
        None,
        v(16),
        "apps/v1",
        REPLICASET_NOTE,
    ),
    change(
        "apps/v1beta2",
        "StatefulSet",
        Some(v(9)),
        v(16),
        "apps/v1",
        STATEFULSET_NOTE,
    ),
    change(
        "extensions/v1beta1",
        "DaemonSet",
        Some(v(9)),
        v(16),
        "apps/v1",
        DAEMONSET_NOTE,
    ),
    change(
        "extensions/v1beta1",
        "Deployment",
        Some(v(9)),
        v(16),
        "apps/v1",
        DEPLOYMENT_NOTE,
    ),
    change(
        "extensions/v1beta1",
        "NetworkPolicy",
        Some(v(9)),
        v(16),
        "networking.k8s.io/v1",
        "",
    ),
    change(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        Some(v(10)),
        v(16),
        "policy/v1beta1",
        "policy/v1beta1 PodSecurityPolicy is itself removed in v1.25",
    ),
    change(
        "extensions/v1beta1",
        "ReplicaSet",
        None,
        v(16),
        "apps/v1",
        REPLICASET_NOTE,
    ),
    // v1.22
    change(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        Some(v(16)),
        v(22),
        "admissionregistration.k8s.io/v1",
        WEBHOOK_NOTE,
    ),
    change(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        Some(v(16)),
        v(22),
        "admissionregistration.k8s.io/v1",
        WEBHOOK_NOTE,
    ),
    change(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        Some(v(16)),
        v(22),
        "apiextensions.k8s.io/v1",
        CRD_NOTE,
    ),
    change(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        Some(v(19)),
        v(22),
        "apiregistration.k8s.io/v1",
        "",
    ),
    change(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        Some(v(19)),
        v(22),
        "authentication.k8s.io/v1",
        "",
    ),
    change(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        Some(v(19)),
        v(22),
        "authorization.k8s.io/v1",
        SUBJECT_ACCESS_REVIEW_NOTE,
    ),
    change(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        Some(v(19)),
        v(22),
        "authorization.k8s.io/v1",
        SUBJECT_ACCESS_REVIEW_NOTE,
    ),
    change(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        Some(v(19)),
        v(22),
        "authorization.k8s.io/v1",
        "",
    ),
    change(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        Some(v(19)),
        v(22),
        "authorization.k8s.io/v1",
        SUBJECT_ACCESS_REVIEW_NOTE,
    ),
    change(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        Some(v(19)),
        v(22),
        "certificates.k8s.io/v1",
        CSR_NOTE,
    ),
    change(
        "coordination.k8s.io/v1beta1",
        "Lease",
        Some(v(19)),
        v(22),
        "coordination.k8s.io/v1",
        "",
    ),
    change(
        "extensions/v1beta1",
        "Ingress",
        Some(v(14)),
        v(22),
        "networking.k8s.io/v1",
        INGRESS_NOTE,
    ),
    change(
        "networking.k8s.io/v1beta1",
        "Ingress",
        Some(v(19)),
        v(22),
        "networking.k8s.io/v1",
        INGRESS_NOTE,
    ),
    change(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        Some(v(19)),
        v(22),
        "networking.k8s.io/v1",
        "",
    ),
    change(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        Some(v(17)),
        v(22),
        "rbac.authorization.k8s.io/v1",
        "",
    ),
    change(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        Some(v(17)),
        v(22),
        "rbac.authorization.k8s.io/v1",
        "",
    ),
    change(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        Some(v(17)),
        v(22),
        "rbac.authorization.k8s.io/v1",
        "",
    ),
    change(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        Some(v(17)),
        v(22),
        "rbac.authorization.k8s.io/v1",
        "",
    ),
    change(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        Some(v(14)),
        v(22),
        "scheduling.k8s.io/v1",
        "",
    ),
    change(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        Some(v(19)),
        v(22),
        "storage.k8s.io/v1",
        "",
    ),
    change(
        "storage.k8s.io/v1beta1",
        "CSINode",
        Some(v(17)),
        v(22),
        "storage.k8s.io/v1",
        "",
    ),
    change(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        Some(v(19)),
        v(22),
        "storage.k8s.io/v1",
        "",
    ),
    change(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        Some(v(19)),
        v(22),
        "storage.k8s.io/v1",
        "",
    ),
    // v1.25
    change(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        Some(v(22)),
        v(25),
        "autoscaling/v2",
        HPA_NOTE,
    ),
    change(
        "batch/v1beta1",
        "CronJob",
        Some(v(21)),
        v(25),
        "batch/v1",
        "",
    ),
    change(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        Some(v(21)),
        v(25),
        "discovery.k8s.io/v1",
        ENDPOINTSLICE_NOTE,
    ),
    change(
        "events.k8s.io/v1beta1",
        "Event",
        Some(v(22)),
        v(25),
        "events.k8s.io/v1",
        EVENT_NOTE,
    ),
    change(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        Some(v(22)),
        v(25),
        "node.k8s.io/v1",
        "",
    ),
    change(
        "policy/v1beta1",
        "PodDisruptionBudget",
        Some(v(21)),
        v(25),
        "policy/v1",
        PDB_NOTE,
    ),
    change(
        "policy/v1beta1",
        "PodSecurityPolicy",
        Some(v(21)),
        v(25),
        "",
        PSP_NOTE,
    ),
    // v1.26
    change(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        Some(v(23)),
        v(26),
        "autoscaling/v2",
        HPA_NOTE,
    ),
    change(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        Some(v(23)),
        v(26),
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "",
    ),
    change(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        Some(v(23)),
        v(26),
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "",
    ),
    // v1.27
    change(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        Some(v(24)),
        v(27),
        "storage.k8s.io/v1",
        "",
    ),
    // v1.29
    change(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        Some(v(26)),
        v(29),
        "flowcontrol.apiserver.k8s.io/v1",
        FLOWCONTROL_V1BETA2_NOTE,
    ),
    change(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        Some(v(26)),
        v(29),
        "flowcontrol.apiserver.k8s.io/v1",
        FLOWCONTROL_V1BETA2_NOTE,
    ),
    // v1.32
    change(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        Some(v(29)),
        v(32),
        "flowcontrol.apiserver.k8s.io/v1",
        FLOWCONTROL_V1_NOTE,
    ),
    change(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        Some(v(29)),
        v(32),
        "flowcontrol.apiserver.k8s.io/v1",
        FLOWCONTROL_V1_NOTE,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(api_version: &str, kind: &str, target: KubeVersion) -> bool {
        matches!(
            status(api_version, kind, target),
            Some(ApiStatus::Removed(_))
        )
    }

    fn deprecated(api_version: &str, kind: &str, target: KubeVersion) -> bool {
        matches!(
            status(api_version, kind, target),
            Some(ApiStatus::Deprecated(_))
        )
    }

    #[test]
    fn parse_accepts_the_usual_spellings() {
        for text in [
            "1.32",
            "v1.32",
            "1.32.3",
            "v1.32.3",
            "v1.29.4-eks-036c24b",
            "v1.28.3+k3s1",
        ] {
            let parsed = KubeVersion::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((parsed.major, parsed.minor), text_minor(text), "{text}");
        }
        assert_eq!(KubeVersion::parse("1.9"), Ok(v(9)));
        assert_eq!(
            KubeVersion::parse("v1.9").map(|v| v.to_string()),
            Ok("1.9".to_owned())
        );
    }

    fn text_minor(text: &str) -> (u16, u16) {
        match text {
            "v1.29.4-eks-036c24b" => (1, 29),
            "v1.28.3+k3s1" => (1, 28),
            _ => (1, 32),
        }
    }

    #[test]
    fn parse_rejects_malformed_versions() {
        for text in [
            "", "1", "v", "v1", "1.", ".32", "1.x", "1.32.", "1.32.x", "1.32.3.4", "V1.32",
            " 1.32", "1.-2", "+1.32", "1.99999",
        ] {
            assert!(
                KubeVersion::parse(text).is_err(),
                "{text:?} should not parse"
            );
        }
    }

    #[test]
    fn versions_order_by_major_then_minor() {
        assert!(v(9) < v(16));
        assert!(v(32) < KubeVersion::new(2, 0));
    }

    #[test]
    fn extensions_deployment_is_removed_from_1_16_on() {
        assert!(removed("extensions/v1beta1", "Deployment", v(16)));
        assert!(removed("extensions/v1beta1", "Deployment", v(32)));
        assert!(deprecated("extensions/v1beta1", "Deployment", v(15)));
        assert_eq!(status("extensions/v1beta1", "Deployment", v(8)), None);
        let change = status("extensions/v1beta1", "Deployment", v(16)).map(ApiStatus::change);
        assert_eq!(change.map(|c| c.replacement), Some("apps/v1"));
        assert!(change.is_some_and(|c| c.note.contains("spec.selector is required")));
    }

    #[test]
    fn pdb_is_deprecated_before_1_25_and_removed_from_it() {
        assert!(deprecated("policy/v1beta1", "PodDisruptionBudget", v(24)));
        assert!(deprecated("policy/v1beta1", "PodDisruptionBudget", v(21)));
        assert_eq!(status("policy/v1beta1", "PodDisruptionBudget", v(20)), None);
        assert!(removed("policy/v1beta1", "PodDisruptionBudget", v(25)));
    }

    #[test]
    fn hpa_v2beta2_is_removed_in_1_26() {
        assert!(removed(
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            v(26)
        ));
        assert!(deprecated(
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            v(25)
        ));
        assert!(deprecated(
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            v(23)
        ));
        assert_eq!(
            status("autoscaling/v2beta2", "HorizontalPodAutoscaler", v(22)),
            None
        );
        assert!(removed(
            "autoscaling/v2beta1",
            "HorizontalPodAutoscaler",
            v(25)
        ));
    }

    #[test]
    fn flowcontrol_v1beta3_is_deprecated_in_1_29_and_removed_in_1_32() {
        for kind in ["FlowSchema", "PriorityLevelConfiguration"] {
            let api = "flowcontrol.apiserver.k8s.io/v1beta3";
            assert_eq!(status(api, kind, v(28)), None);
            assert!(deprecated(api, kind, v(29)));
            assert!(deprecated(api, kind, v(31)));
            assert!(removed(api, kind, v(32)));
        }
    }

    #[test]
    fn current_and_unknown_apis_have_no_status() {
        for target in [v(16), v(25), v(32)] {
            assert_eq!(status("apps/v1", "Deployment", target), None);
            assert_eq!(status("networking.k8s.io/v1", "Ingress", target), None);
            assert_eq!(status("example.com/v1beta1", "Widget", target), None);
            assert_eq!(
                status("monitoring.coreos.com/v1", "ServiceMonitor", target),
                None
            );
            assert_eq!(status("v1", "Pod", target), None);
        }
        // Matching is exact: the kind must be the API's kind, with its case.
        assert_eq!(status("extensions/v1beta1", "deployment", v(20)), None);
        assert_eq!(status("extensions/v1beta1", "CronJob", v(20)), None);
        assert_eq!(status("Extensions/v1beta1", "Deployment", v(20)), None);
    }

    #[test]
    fn removals_listed_in_the_guide_are_present() {
        let expected: &[(&str, &str, u16)] = &[
            ("extensions/v1beta1", "NetworkPolicy", 16),
            ("extensions/v1beta1", "PodSecurityPolicy", 16),
            ("apps/v1beta2", "DaemonSet", 16),
            ("apps/v1beta1", "StatefulSet", 16),
            ("extensions/v1beta1", "ReplicaSet", 16),
            (
                "admissionregistration.k8s.io/v1beta1",
                "ValidatingWebhookConfiguration",
                22,
            ),
            (
                "apiextensions.k8s.io/v1beta1",
                "CustomResourceDefinition",
                22,
            ),
            ("apiregistration.k8s.io/v1beta1", "APIService", 22),
            ("authentication.k8s.io/v1beta1", "TokenReview", 22),
            ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", 22),
            (
                "certificates.k8s.io/v1beta1",
                "CertificateSigningRequest",
                22,
            ),
            ("coordination.k8s.io/v1beta1", "Lease", 22),
            ("extensions/v1beta1", "Ingress", 22),
            ("networking.k8s.io/v1beta1", "Ingress", 22),
            ("networking.k8s.io/v1beta1", "IngressClass", 22),
            ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", 22),
            ("scheduling.k8s.io/v1beta1", "PriorityClass", 22),
            ("storage.k8s.io/v1beta1", "CSIDriver", 22),
            ("storage.k8s.io/v1beta1", "CSINode", 22),
            ("storage.k8s.io/v1beta1", "StorageClass", 22),
            ("storage.k8s.io/v1beta1", "VolumeAttachment", 22),
            ("batch/v1beta1", "CronJob", 25),
            ("discovery.k8s.io/v1beta1", "EndpointSlice", 25),
            ("events.k8s.io/v1beta1", "Event", 25),
            ("policy/v1beta1", "PodSecurityPolicy", 25),
            ("node.k8s.io/v1beta1", "RuntimeClass", 25),
            ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 26),
            ("storage.k8s.io/v1beta1", "CSIStorageCapacity", 27),
            (
                "flowcontrol.apiserver.k8s.io/v1beta2",
                "PriorityLevelConfiguration",
                29,
            ),
        ];
        for &(api, kind, minor) in expected {
            let change = lookup(api, kind).unwrap_or_else(|| panic!("{api} {kind} missing"));
            assert_eq!(change.removed_in, v(minor), "{api} {kind}");
            assert!(removed(api, kind, v(minor)));
            assert!(!removed(api, kind, v(minor - 1)));
        }
    }

    #[test]
    fn replacement_follows_later_removals() {
        let api = "flowcontrol.apiserver.k8s.io/v1beta1";
        assert_eq!(
            replacement_at(api, "FlowSchema", v(27)),
            Some("flowcontrol.apiserver.k8s.io/v1beta2")
        );
        assert_eq!(
            replacement_at(api, "FlowSchema", v(30)),
            Some("flowcontrol.apiserver.k8s.io/v1")
        );
        assert_eq!(
            replacement_at("extensions/v1beta1", "PodSecurityPolicy", v(20)),
            Some("policy/v1beta1")
        );
        assert_eq!(
            replacement_at("extensions/v1beta1", "PodSecurityPolicy", v(25)),
            None
        );
        assert_eq!(
            replacement_at("policy/v1beta1", "PodSecurityPolicy", v(25)),
            None
        );
        assert_eq!(
            replacement_at("extensions/v1beta1", "Ingress", v(32)),
            Some("networking.k8s.io/v1")
        );
        assert_eq!(replacement_at("apps/v1", "Deployment", v(32)), None);
    }

    #[test]
    fn table_has_no_duplicate_pairs() {
        let changes = all_changes();
        for (i, a) in changes.iter().enumerate() {
            for b in &changes[i + 1..] {
                assert!(
                    (a.api_version, a.kind) != (b.api_version, b.kind),
                    "duplicate {} {}",
                    a.api_version,
                    a.kind
                );
            }
        }
    }

    #[test]
    fn table_is_consistent_and_ordered() {
        let changes = all_changes();
        assert!(changes.len() >= 50);
        for c in changes {
            let what = format!("{} {}", c.api_version, c.kind);
            assert!((v(16)..=v(32)).contains(&c.removed_in), "{what}");
            assert!(c.deprecated_in.is_none_or(|d| d < c.removed_in), "{what}");
            assert_ne!(c.replacement, c.api_version, "{what}");
            assert!(c.api_version.contains('/'), "{what}");
            assert!(
                c.replacement.is_empty() || c.replacement.contains('/'),
                "{what}"
            );
            assert!(
                c.kind.starts_with(|ch: char| ch.is_ascii_uppercase()),
                "{what}"
            );
            assert!(!c.note.ends_with('.'), "{what}");
            // A replacement that is itself in the table must outlive the API it replaces.
            if let Some(next) = lookup(c.replacement, c.kind) {
                assert!(next.removed_in > c.removed_in, "{what}");
            }
        }
        let keys: Vec<_> = changes
            .iter()
            .map(|c| (c.removed_in, c.api_version, c.kind))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "table is not sorted");
    }
}
