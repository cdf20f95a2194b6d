use faultline_model::Object;

use crate::api_versions::{self, ApiStatus};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports objects whose `apiVersion` is deprecated in the target Kubernetes version and
    /// scheduled for removal in a later one, naming the replacement and the version that
    /// removes it.
    ///
    /// ## Why it matters
    /// It works today and breaks on the upgrade that removes it. Migrating while both versions
    /// are served is a quiet change; migrating after is an outage.
    ///
    /// ## Example
    /// ```yaml
    /// # faultline check --kube-version 1.24
    /// apiVersion: batch/v1beta1
    /// kind: CronJob
    /// metadata:
    ///   name: nightly
    /// spec:
    ///   schedule: "0 3 * * *"
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           restartPolicy: OnFailure
    ///           containers:
    ///             - name: report
    ///               image: registry.example.com/report:2.0.1
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: batch/v1
    /// kind: CronJob
    /// metadata:
    ///   name: nightly
    /// spec:
    ///   schedule: "0 3 * * *"
    ///   jobTemplate:
    ///     spec:
    ///       template:
    ///         spec:
    ///           restartPolicy: OnFailure
    ///           containers:
    ///             - name: report
    ///               image: registry.example.com/report:2.0.1
    /// ```
    ///
    /// ## Options
    /// The target version comes from `--kube-version` or `kubeVersion` in `.faultline.yaml`.
    /// The example fires with a target of 1.24; with the default 1.32 the same object is
    /// reported by `api-removed` instead.
    ///
    /// ## References
    /// - Deprecated API migration guide: <https://kubernetes.io/docs/reference/using-api/deprecation-guide/>
    pub struct ApiDeprecated {
        id: "api-deprecated",
        category: Api,
        severity: Warning,
        summary: "the apiVersion/kind is deprecated and will be removed after the target version",
        params: [],
    }
}

impl Rule for ApiDeprecated {
    fn check_object(&self, cx: &Context<'_>, obj: &Object<'_>, out: &mut Sink<'_>) {
        let target = cx.settings.kube_version;
        let Some(ApiStatus::Deprecated(change)) =
            api_versions::status(obj.api_version, obj.kind, target)
        else {
            return;
        };
        let range = obj
            .node
            .field_range("apiVersion")
            .unwrap_or_else(|| obj.kind_range());
        let since = change
            .deprecated_in
            .map(|v| format!(" since {}.{}", v.major, v.minor))
            .unwrap_or_default();
        out.report(
            obj,
            range,
            format!(
                "`{}` `{}` is deprecated{since} and is removed in Kubernetes {}.{}",
                change.api_version, change.kind, change.removed_in.major, change.removed_in.minor
            ),
        )
        .help(match api_versions::replacement_at(obj.api_version, obj.kind, target) {
            Some(to) => format!(
                "change `apiVersion` to `{to}` before upgrading to {}.{}",
                change.removed_in.major, change.removed_in.minor
            ),
            None => format!(
                "plan to replace the `{}` before upgrading to {}.{}; the API has no successor for it",
                change.kind, change.removed_in.major, change.removed_in.minor
            ),
        });
    }
}
