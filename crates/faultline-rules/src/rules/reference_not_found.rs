use faultline_model::Object;
use faultline_model::views::{ConfigMap, Secret};

use crate::presence::{absent_severity, similar_name};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports what a workload needs by name and the input does not contain: ConfigMaps and
    /// Secrets (`env[].valueFrom`, `envFrom`, volumes, projected volumes) and the keys read
    /// from them, PersistentVolumeClaims, the ServiceAccount, the PriorityClass,
    /// `imagePullSecrets` (of pods and of ServiceAccounts), a StatefulSet's governing Service
    /// (`serviceName`), and the StorageClass of claims and claim templates.
    ///
    /// Not reported: references marked `optional: true`; the `default` ServiceAccount, the
    /// `system-cluster-critical` and `system-node-critical` PriorityClasses and the
    /// `kube-root-ca.crt` ConfigMap, which every cluster has; the claims a StatefulSet's
    /// `volumeClaimTemplates` create.
    ///
    /// Manifests and charts often rely on objects created elsewhere (Secrets from a vault,
    /// another chart's ConfigMap, the provider's StorageClass). So an absent object is a
    /// **warning** only when the input is declared complete (`--complete`, or `complete: true`
    /// in `.faultline.yaml`), or when the referring object comes from a cluster export
    /// (objects carry `uid`, `resourceVersion`, `creationTimestamp` or pod `status`) that
    /// holds objects of that kind in that namespace (an export that left out every Secret
    /// says nothing about any one Secret); otherwise it is **information**. A key missing from a ConfigMap or Secret that *is* in the input is
    /// always a warning.
    ///
    /// ## Why it matters
    /// The pod never starts: `CreateContainerConfigError` for a missing ConfigMap, Secret or
    /// key, `FailedMount` for a volume, `ImagePullBackOff` for a pull Secret, `Pending` for an
    /// unbound claim, and the API server rejects pods with an unknown ServiceAccount or
    /// PriorityClass.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           env:
    ///             - name: LOG_LEVEL
    ///               valueFrom:
    ///                 configMapKeyRef:
    ///                   name: api-config
    ///                   key: log-level
    /// ---
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api-config
    /// data:
    ///   loglevel: info
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app: api
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/api:1.4.2
    ///           env:
    ///             - name: LOG_LEVEL
    ///               valueFrom:
    ///                 configMapKeyRef:
    ///                   name: api-config
    ///                   key: loglevel
    /// ---
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api-config
    /// data:
    ///   loglevel: info
    /// ```
    ///
    /// ## Options
    /// - `exclude-kinds`: comma-separated kinds never reported, e.g. `Secret` when Secrets
    ///   are managed outside the manifests (default: none).
    ///
    /// ## References
    /// - ConfigMaps in pods: <https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps>
    /// - Secrets: <https://kubernetes.io/docs/concepts/configuration/secret/#using-a-secret>
    /// - Pull Secrets: <https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/>
    pub struct ReferenceNotFound {
        id: "reference-not-found",
        category: References,
        severity: Warning,
        summary: "a workload references a ConfigMap, Secret, claim, ServiceAccount or class the input does not contain",
        params: [
            { name: "exclude-kinds", field: exclude_kinds, type: List, default: "", description: "comma-separated kinds never reported (e.g. `Secret`)" },
        ],
    }
}

/// The keys a ConfigMap or Secret holds.
fn keys_of<'a>(obj: &Object<'a>) -> Option<Vec<&'a str>> {
    if let Some(cm) = ConfigMap::of(obj) {
        return Some(cm.keys().map(|k| k.name.value).collect());
    }
    Secret::of(obj).map(|s| s.keys().map(|k| k.name.value).collect())
}

impl Rule for ReferenceNotFound {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let excluded = &Self::params(cx).exclude_kinds;
        for r in cx.graph.references_from(obj.id) {
            if !r.relation.is_dependency()
                || r.optional
                || r.builtin
                || excluded.iter().any(|k| k == r.kind)
            {
                continue;
            }
            let name = r.name.value;
            let Some(target) = r.target else {
                let place = match r.namespace {
                    Some(ns) => format!("in namespace `{ns}`"),
                    None => "in the input".to_owned(),
                };
                let mut message = format!(
                    "{} references {} `{name}`, which is not {place}",
                    r.site, r.kind
                );
                if let Some(similar) = similar_name(cx, r.kind, r.namespace, name) {
                    message.push_str(&format!("; did you mean `{similar}`?"));
                }
                let severity = absent_severity(cx, obj, r.kind, r.namespace);
                let help = if severity == faultline_diagnostics::Severity::Info {
                    format!(
                        "make sure {} `{name}` exists where this is applied, or mark the reference `optional: true`; pass `--complete` if the input holds everything",
                        r.kind
                    )
                } else {
                    format!(
                        "create {} `{name}`, fix the name, or mark the reference `optional: true` where the API allows it",
                        r.kind
                    )
                };
                out.report(obj, r.name.range(), message)
                    .severity(severity)
                    .help(help);
                continue;
            };
            if r.keys.is_empty() {
                continue;
            }
            let target_obj = cx.inventory.get(target);
            let Some(keys) = keys_of(target_obj) else {
                continue;
            };
            for key in &r.keys {
                if keys.contains(&key.value) {
                    continue;
                }
                let mut have: Vec<&str> = keys.clone();
                have.sort_unstable();
                let have = if have.is_empty() {
                    "it has no keys".to_owned()
                } else {
                    format!("it has `{}`", have.join("`, `"))
                };
                let data_range = ["data", "stringData", "binaryData"]
                    .iter()
                    .find_map(|k| target_obj.node.field_range(k))
                    .unwrap_or_else(|| target_obj.kind_range());
                out.report(
                    obj,
                    key.range(),
                    format!("{} reads key `{}` of {} `{name}`, which has no such key; {have}", r.site, key.value, r.kind),
                )
                .help("use one of the object's keys, add the key, or mark the reference `optional: true`")
                .related(target_obj, data_range, format!("the keys of {} `{name}`", r.kind));
            }
        }
    }
}
