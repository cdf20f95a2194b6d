use faultline_model::Object;
use faultline_model::pod::PodTemplate;

use crate::security::{ImageRef, judged_through_controller};
use crate::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports container images tagged `latest` or not tagged at all (which the runtime
    /// pulls as `latest`), unless they are pinned by digest (`image@sha256:…`). Templates
    /// (`{{ .Values.image }}`, `${IMAGE}`) and placeholders (`<image_url>`) are skipped. With the
    /// parameter `require-digest`, every image without a digest is reported, for teams whose policy is to deploy digests only.
    ///
    /// A Pod, ReplicaSet or Job whose controller is in the input (a snapshot's replicas) is
    /// judged through the controller's template, where the fix is written.
    ///
    /// ## Why it matters
    /// `latest` names whatever was pushed last. Two nodes may run two different builds of
    /// the same Deployment, a rescheduled pod silently picks up an untested release, and a
    /// rollback to "the previous version" changes nothing: the manifest does not say which
    /// build runs. A version tag (better: a digest) makes every deployment reproducible.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:latest
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27.3
    /// ```
    ///
    /// ## Options
    /// - `require-digest`: report every image that is not pinned by digest (default: `false`).
    ///
    /// ## References
    /// - Images, tags and digests: <https://kubernetes.io/docs/concepts/containers/images/#image-names>
    /// - Configuration best practices: <https://kubernetes.io/docs/concepts/configuration/overview/#container-images>
    pub struct ImageTagLatest {
        id: "image-tag-latest",
        category: Security,
        severity: Warning,
        summary: "a container image is `latest` or untagged, so the manifest does not say which build runs",
        params: [
            { name: "require-digest", field: require_digest, type: Bool, default: "false", description: "report every image that is not pinned by digest" },
        ],
    }
}

impl Rule for ImageTagLatest {
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
        let require_digest = Self::params(cx).require_digest;
        for c in pod.containers() {
            let Some(node) = c.image() else { continue };
            let Some(image) = node.as_str().and_then(ImageRef::parse) else {
                continue;
            };
            let name = c.name();
            if image.is_latest() {
                let what = match image.tag {
                    Some(_) => "is tagged `latest`",
                    None => "has no tag, so the runtime pulls `latest`",
                };
                out.report(
                    obj,
                    node.range(),
                    format!("the image of container `{name}` {what}"),
                )
                .help("use a version tag (`app:1.4.2`) or pin a digest (`app@sha256:…`), so every node runs the build the manifest names");
            } else if require_digest && !image.digest {
                out.report(
                    obj,
                    node.range(),
                    format!("the image of container `{name}` is not pinned by digest"),
                )
                .help("pin the image by digest (`app:1.4.2@sha256:…`): a tag can be pushed again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use faultline_diagnostics::Severity;

    use super::*;
    use crate::Settings;
    use crate::testing::check_texts;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: tagged, image: 'nginx:1.27'}\n    - {name: pinned, image: 'nginx:1.27@sha256:abc'}\n";

    fn findings(settings: &Settings) -> Vec<(String, Severity)> {
        let (_, diags) = check_texts(&[("p.yaml", POD)], settings);
        diags
            .into_iter()
            .filter(|d| d.rule == ImageTagLatest::ID)
            .map(|d| (d.message, d.severity))
            .collect()
    }

    #[test]
    fn digests_are_required_only_when_configured() {
        assert_eq!(findings(&Settings::default()), vec![]);
        let mut settings = Settings::default();
        settings.params.insert(
            ImageTagLatest::ID.to_owned(),
            [("require-digest".to_owned(), "true".to_owned())].into(),
        );
        assert_eq!(
            findings(&settings),
            vec![(
                "the image of container `tagged` is not pinned by digest".to_owned(),
                Severity::Warning
            )]
        );
    }
}
