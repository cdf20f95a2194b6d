use faultline_model::Object;

use crate::api_versions::{self, ApiStatus};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports objects whose `apiVersion` and `kind` no longer exist in the target Kubernetes
    /// version (`--kube-version`, default 1.32), naming the replacement. Every removal from
    /// 1.16 to 1.32 is known: `extensions/v1beta1` workloads and Ingress, `policy/v1beta1`
    /// PodDisruptionBudget and PodSecurityPolicy, `batch/v1beta1` CronJob, `autoscaling/v2beta1`
    /// and `v2beta2`, `flowcontrol.apiserver.k8s.io` betas, `storage.k8s.io/v1beta1`
    /// CSIStorageCapacity and more.
    ///
    /// ## Why it matters
    /// The API server answers `no matches for kind "Deployment" in version
    /// "extensions/v1beta1"` and the release fails, typically during a cluster upgrade, when
    /// nobody has touched the chart in years.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: api
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: api
    /// ```
    ///
    /// ## Options
    /// The target version comes from `--kube-version` or `kubeVersion` in `.faultline.yaml`.
    ///
    /// ## References
    /// - Deprecated API migration guide: <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>
    pub struct ApiRemoved {
        id: "api-removed",
        category: Api,
        severity: Error,
        summary: "the apiVersion/kind no longer exists in the target Kubernetes version",
        params: [],
    }
}

impl Rule for ApiRemoved {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let target = cx.settings.kube_version;
        let Some(ApiStatus::Removed(change)) =
            api_versions::status(obj.api_version, obj.kind, target)
        else {
            return;
        };
        let range = obj
            .node
            .field_range("apiVersion")
            .unwrap_or_else(|| obj.kind_range());
        let note = if change.note.is_empty() {
            String::new()
        } else {
            format!("; {}", change.note)
        };
        out.report(
            obj,
            range,
            format!(
                "`{}` `{}` was removed in Kubernetes {}.{} (target: {}.{})",
                change.api_version,
                change.kind,
                change.removed_in.major,
                change.removed_in.minor,
                target.major,
                target.minor
            ),
        )
        .help(
            match api_versions::replacement_at(obj.api_version, obj.kind, target) {
                Some(to) => format!("change `apiVersion` to `{to}`{note}"),
                None if change.note.is_empty() => format!(
                    "remove the `{}`; it has no replacement in the API",
                    change.kind
                ),
                None => format!("remove the `{}`: {}", change.kind, change.note),
            },
        );
    }
}
